//! Elements and fields the spec does not define, kept so that nothing a city added is lost.
//!
//! Every decoder keeps an unknown child of a known element as an [`Extension`], in document
//! order, and every encoder writes it back in the same place relative to the other unknown
//! children (after the spec's own fields). Widely used extensions such as `extended_attributes`
//! and `notes` travel this way too; they have accessors on the types that carry them.
//!
//! The mapping between the formats follows the Spark convention of the spec's JSON mapping:
//!
//! | XML | [`ExtensionValue`] | JSON |
//! | --- | --- | --- |
//! | `<x>text</x>` | `Text` | string |
//! | `<x/>`, `<x></x>`, `xsi:nil` | `Null` | `null` |
//! | `<x><a>1</a><b>2</b></x>` | `Map` | object |
//! | `<x><a>1</a><a>2</a></x>` | `Map` with a repeated name | `{"a": ["1", "2"]}` |
//! | repeated `<x>` elements | `List` items, one element each | array |
//!
//! XML attributes on unknown elements are not kept: Open311 documents carry no data in them.

use serde::ser::{SerializeMap, SerializeSeq};

/// One element or field that the spec does not define.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    /// The element's local name or the field's key.
    pub name: String,
    /// What it held.
    pub value: ExtensionValue,
}

/// The value of an [`Extension`]: a small tree that both formats can hold.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtensionValue {
    /// An empty element or a JSON `null`.
    Null,
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// Text content or a JSON string.
    Text(String),
    /// A JSON array.
    List(Vec<ExtensionValue>),
    /// An element with child elements, or a JSON object, in document order.
    ///
    /// Names may repeat, as XML children do.
    Map(Vec<Extension>),
}

impl ExtensionValue {
    /// The text of a `Text`, or the written form of a `Number` or `Bool`.
    pub fn as_text(&self) -> Option<String> {
        match self {
            ExtensionValue::Text(text) => Some(text.clone()),
            ExtensionValue::Number(number) => Some(number.to_string()),
            ExtensionValue::Bool(value) => Some(value.to_string()),
            _ => None,
        }
    }

    /// The first entry named `name` of a `Map`.
    pub fn get(&self, name: &str) -> Option<&ExtensionValue> {
        match self {
            ExtensionValue::Map(entries) => entries
                .iter()
                .find(|entry| entry.name == name)
                .map(|entry| &entry.value),
            _ => None,
        }
    }
}

/// The unknown children of one element, in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extensions(Vec<Extension>);

impl Extensions {
    /// No extensions.
    pub const fn new() -> Self {
        Extensions(Vec::new())
    }

    /// Appends an extension after the ones already held.
    pub fn push(&mut self, name: impl Into<String>, value: ExtensionValue) {
        self.0.push(Extension {
            name: name.into(),
            value,
        });
    }

    /// The first extension named `name`.
    pub fn get(&self, name: &str) -> Option<&ExtensionValue> {
        self.0
            .iter()
            .find(|entry| entry.name == name)
            .map(|entry| &entry.value)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The extensions as a slice, in document order.
    pub fn as_slice(&self) -> &[Extension] {
        &self.0
    }

    /// Iterates in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, Extension> {
        self.0.iter()
    }
}

impl From<Vec<Extension>> for Extensions {
    fn from(entries: Vec<Extension>) -> Self {
        Extensions(entries)
    }
}

impl<'a> IntoIterator for &'a Extensions {
    type Item = &'a Extension;
    type IntoIter = std::slice::Iter<'a, Extension>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Writes `entries` into an open JSON object, grouping repeated names into one array.
pub(crate) fn serialize_entries<M: SerializeMap>(
    map: &mut M,
    entries: &[Extension],
) -> Result<(), M::Error> {
    for (index, entry) in entries.iter().enumerate() {
        let repeats = entries
            .iter()
            .filter(|other| other.name == entry.name)
            .count();
        if repeats == 1 {
            map.serialize_entry(&entry.name, &entry.value)?;
        } else if entries
            .iter()
            .take(index)
            .all(|earlier| earlier.name != entry.name)
        {
            let group = RepeatedName {
                name: &entry.name,
                entries,
            };
            map.serialize_entry(&entry.name, &group)?;
        }
    }
    Ok(())
}

struct RepeatedName<'a> {
    name: &'a str,
    entries: &'a [Extension],
}

impl serde::Serialize for RepeatedName<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for entry in self.entries.iter().filter(|entry| entry.name == self.name) {
            seq.serialize_element(&entry.value)?;
        }
        seq.end()
    }
}

impl serde::Serialize for ExtensionValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExtensionValue::Null => serializer.serialize_unit(),
            ExtensionValue::Bool(value) => serializer.serialize_bool(*value),
            ExtensionValue::Number(number) => number.serialize(serializer),
            ExtensionValue::Text(text) => serializer.serialize_str(text),
            ExtensionValue::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            ExtensionValue::Map(entries) => {
                let mut map = serializer.serialize_map(None)?;
                serialize_entries(&mut map, entries)?;
                map.end()
            }
        }
    }
}
