//! The JSON codec: the spec's JSON mapping of its XML documents.
//!
//! Reading takes the spec's bare arrays and, as deviations, the shapes real servers send
//! instead: a list wrapped in an object (`{"service_requests": [...]}`), a single object
//! where a list belongs, identifiers and other text as numbers, booleans as `"true"`, numbers
//! as strings, and `""` for absent values; `null` is the spec's absent value. Reading streams:
//! no intermediate `serde_json::Value` is built.
//!
//! Two readers share the conversion of every field. A hand-written one, faster because it
//! matches keys and slices strings straight from the text, reads a document first; at the
//! first thing it does not take (any error, strict mode's first deviation, an escaped key,
//! nesting deeper than serde allows) it gives up, and serde_json reads the document again. So
//! every error carries serde_json's message and position.
//!
//! Writing produces bare arrays, real booleans and numbers, identifiers as strings, and omits
//! absent fields. The model types implement `serde::Serialize` with this same mapping, so they
//! can be embedded in other JSON output.
//!
//! ```
//! use open311_types::{DecodeOptions, DeviationKind, ServiceRequest};
//!
//! let json = br#"{"service_requests": [{"service_request_id": 638344, "status": "open"}]}"#;
//! let decoded = open311_types::json::from_slice::<Vec<ServiceRequest>>(json, &DecodeOptions::lenient())?;
//! assert_eq!(decoded.value[0].service_request_id.as_ref().unwrap(), "638344");
//! assert!(matches!(decoded.deviations[0].kind, DeviationKind::WrappedJsonRoot { .. }));
//!
//! let written = open311_types::json::to_vec(&decoded.value);
//! assert_eq!(written, br#"[{"service_request_id":"638344","status":"open"}]"#);
//! # Ok::<(), open311_types::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;

use crate::codec::{Ctx, Document, FieldSink, FieldSource, Record, Scalar, prepare, trim_xml};
use crate::datetime::{self, Datetime};
use crate::deviation::{DecodeOptions, Decoded, DeviationKind};
use crate::error::{Error, Format, Position};
use crate::extension::{Extension, ExtensionValue, Extensions, serialize_entries};

mod direct;

/// Decodes a JSON document.
///
/// A hand-written reader takes the document first; serde_json reads it again whenever that
/// reader gives up, so errors come from serde_json (see the `direct` module).
///
/// # Errors
///
/// As [`decode`](crate::decode): too large, not well-formed, not the expected document, over
/// a limit, or (strict mode) a deviation.
pub fn from_slice<D: Document>(input: &[u8], options: &DecodeOptions) -> Result<Decoded<D>, Error> {
    let mut ctx = Ctx::new(options, Format::Json);
    let (text, _) = prepare(input, options, &mut ctx)?;
    let mark = ctx.mark();
    if let Some(value) = read_directly(&text, &mut ctx) {
        return Ok(ctx.finish(value));
    }
    ctx.rewind(mark);
    read_by_serde(&text, ctx)
}

/// Decodes a JSON document with the direct reader alone; `None` where it gives up.
///
/// Not part of the supported interface: the tests use it to see which documents the direct
/// reader takes.
#[doc(hidden)]
pub fn from_slice_directly<D: Document>(
    input: &[u8],
    options: &DecodeOptions,
) -> Option<Decoded<D>> {
    let mut ctx = Ctx::new(options, Format::Json);
    let (text, _) = prepare(input, options, &mut ctx).ok()?;
    read_directly(&text, &mut ctx).map(|value| ctx.finish(value))
}

/// Decodes a JSON document with serde_json alone, as [`from_slice`] does when its direct
/// reader gives up.
///
/// Not part of the supported interface: the tests and fuzz targets compare the two readers
/// with it.
///
/// # Errors
///
/// As [`from_slice`].
#[doc(hidden)]
pub fn from_slice_by_serde<D: Document>(
    input: &[u8],
    options: &DecodeOptions,
) -> Result<Decoded<D>, Error> {
    let mut ctx = Ctx::new(options, Format::Json);
    let (text, _) = prepare(input, options, &mut ctx)?;
    read_by_serde(&text, ctx)
}

/// Reads a whole document with the direct reader; `None` where it gives up.
fn read_directly<D: Document>(text: &str, ctx: &mut Ctx) -> Option<D> {
    let mut reader = direct::Reader::new(text);
    let value = D::read_json(JsonIn::Direct(&mut reader), ctx).ok()?;
    reader.at_end().then_some(value)
}

/// Reads a whole document with serde_json.
fn read_by_serde<D: Document>(text: &str, mut ctx: Ctx) -> Result<Decoded<D>, Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = D::read_json(JsonIn::Serde(&mut deserializer), &mut ctx)?;
    deserializer.end().map_err(syntax)?;
    Ok(ctx.finish(value))
}

/// Encodes a document as JSON.
pub fn to_vec<D: Document>(document: &D) -> Vec<u8> {
    // Serializing the model cannot fail: every map key is a string and the output is memory.
    serde_json::to_vec(document).unwrap_or_default()
}

/// The input of one JSON document: the direct reader first, serde when it gives up.
pub(crate) enum JsonIn<'d, 'de> {
    Direct(&'d mut direct::Reader<'de>),
    Serde(&'d mut serde_json::Deserializer<serde_json::de::StrRead<'de>>),
}

/// Reads a list document: a bare array, a wrapped array or a single object.
pub(crate) fn read_list<T: Record>(
    input: JsonIn<'_, '_>,
    ctx: &mut Ctx,
    root: &'static str,
    aliases: &'static [&'static str],
) -> Result<Vec<T>, Error> {
    let deserializer = match input {
        JsonIn::Direct(reader) => return Ok(reader.list_document(ctx, root, aliases)?),
        JsonIn::Serde(deserializer) => deserializer,
    };
    let seed = RootList::<T> {
        ctx,
        root,
        aliases,
        item: PhantomData,
    };
    let result = seed.deserialize(deserializer);
    finish(result, ctx)
}

/// Reads a single-record document, such as a service definition.
pub(crate) fn read_record<T: Record>(input: JsonIn<'_, '_>, ctx: &mut Ctx) -> Result<T, Error> {
    let deserializer = match input {
        JsonIn::Direct(reader) => return Ok(reader.record_document(ctx)?),
        JsonIn::Serde(deserializer) => deserializer,
    };
    let seed = RootRecord::<T> {
        ctx,
        item: PhantomData,
    };
    let result = seed.deserialize(deserializer);
    finish(result, ctx)
}

/// Whether `key`, the first key of an object at the root, wraps the list: `{"services": [...]}`.
fn wraps(key: &str, root: &str, aliases: &[&str]) -> bool {
    key == root || aliases.contains(&key)
}

/// A string where a list of records belongs: `""` is an empty list (a deviation), other text
/// is refused.
fn list_from_text<T: Record>(ctx: &mut Ctx, text: &str) -> Result<Vec<T>, Error> {
    if !trim_xml(text).is_empty() {
        return Err(ctx.structure(format!("expected a list of {} objects", T::ITEM)));
    }
    ctx.deviate(DeviationKind::EmptyString)?;
    Ok(Vec::new())
}

/// Adds one item of a list of texts: blank text and `null` are skipped, other values refused.
fn push_text(ctx: &mut Ctx, item: Scalar<'_>, texts: &mut Vec<String>) -> Result<(), Error> {
    match item {
        Scalar::Text(text) if !trim_xml(&text).is_empty() => texts.push(text.into_owned()),
        Scalar::Null | Scalar::Text(_) => {}
        other => return Err(ctx.structure(format!("expected a string, found {other:?}"))),
    }
    Ok(())
}

/// A single string where a list of texts belongs: one item (a deviation), none when blank.
fn text_as_list(ctx: &mut Ctx, text: &str) -> Result<Vec<String>, Error> {
    if trim_xml(text).is_empty() {
        return Ok(Vec::new());
    }
    ctx.deviate(DeviationKind::SingleItemForList)?;
    Ok(vec![text.to_owned()])
}

fn finish<T>(result: Result<T, serde_json::Error>, ctx: &mut Ctx) -> Result<T, Error> {
    result.map_err(|error| ctx.fatal.take().unwrap_or_else(|| syntax(error)))
}

fn syntax(error: serde_json::Error) -> Error {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    };
    Error::Syntax {
        format: Format::Json,
        position: Position::LineColumn(error.line(), error.column()),
        message,
    }
}

/// Stores `error` as the decode's outcome and returns a serde error that unwinds to the top.
fn fail<E: de::Error>(ctx: &mut Ctx, error: Error) -> E {
    ctx.fatal = Some(error);
    E::custom("open311 decoding stopped")
}

/// Reads a map key, borrowed from the input when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key))
    }
}

/// Reads one value as a [`Scalar`].
struct ScalarSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Scalar::Null, Scalar::Number))
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ValueSeed { ctx: self.ctx }
            .visit_seq(seq)
            .map(Scalar::Complex)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        ValueSeed { ctx: self.ctx }
            .visit_map(map)
            .map(Scalar::Complex)
    }
}

/// Reads one value as an [`ExtensionValue`].
struct ValueSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ExtensionValue;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = ExtensionValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(
            serde_json::Number::from_f64(value)
                .map_or(ExtensionValue::Null, ExtensionValue::Number),
        )
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Text(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ExtensionValue::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if let Err(error) = self.ctx.descend() {
            return Err(fail(self.ctx, error));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed { ctx: self.ctx })? {
            items.push(item);
        }
        self.ctx.ascend();
        Ok(ExtensionValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if let Err(error) = self.ctx.descend() {
            return Err(fail(self.ctx, error));
        }
        let mut entries = Vec::new();
        while let Some(name) = map.next_key_seed(Key)? {
            let value = map.next_value_seed(ValueSeed { ctx: self.ctx })?;
            entries.push(Extension {
                name: name.into_owned(),
                value,
            });
        }
        self.ctx.ascend();
        Ok(ExtensionValue::Map(entries))
    }
}

/// Reads the fields of one object into a record; `first` is a key already read.
fn record_from_map<'de, T: Record, A: MapAccess<'de>>(
    mut map: A,
    ctx: &mut Ctx,
    first: Option<Cow<'de, str>>,
) -> Result<T, A::Error> {
    if let Err(error) = ctx.descend() {
        return Err(fail(ctx, error));
    }
    let mut record = T::empty();
    let mut fields = JsonFields {
        map: &mut map,
        ctx,
        pending: None,
        consumed: false,
    };
    let mut key = match first {
        Some(key) => Some(key),
        None => fields.map.next_key_seed(Key)?,
    };
    while let Some(name) = key {
        fields.consumed = false;
        if let Err(error) = record.field(&name, &mut fields) {
            return Err(fields.unwind(error));
        }
        if !fields.consumed {
            fields.map.next_value::<IgnoredAny>()?;
        }
        key = fields.map.next_key_seed(Key)?;
    }
    if let Err(error) = record.finish(fields.ctx) {
        return Err(fail(fields.ctx, error));
    }
    fields.ctx.ascend();
    Ok(record)
}

/// The fields of one record, read from a JSON object.
struct JsonFields<'m, 'c, A: MapAccess<'m>> {
    map: &'c mut A,
    ctx: &'c mut Ctx,
    /// A serde error met inside a field, returned as is once the record unwinds.
    pending: Option<A::Error>,
    /// Whether the current key's value has been read.
    consumed: bool,
}

impl<'de, A: MapAccess<'de>> JsonFields<'de, '_, A> {
    fn unwind(&mut self, error: Error) -> A::Error {
        match self.pending.take() {
            Some(error) => error,
            None => fail(self.ctx, error),
        }
    }
}

/// Reads the current value with `seed`; a serde error is kept in `pending` for
/// [`JsonFields::unwind`], which returns it in place of the placeholder.
fn read_value<'de, A: MapAccess<'de>, S: DeserializeSeed<'de>>(
    map: &mut A,
    pending: &mut Option<A::Error>,
    seed: S,
) -> Result<S::Value, Error> {
    map.next_value_seed(seed).map_err(|error| {
        *pending = Some(error);
        Error::Structure {
            format: Format::Json,
            position: Position::Unknown,
            path: String::new(),
            message: "invalid JSON".into(),
        }
    })
}

impl<'de, A: MapAccess<'de>> FieldSource<'de> for JsonFields<'de, '_, A> {
    fn ctx(&mut self) -> &mut Ctx {
        self.ctx
    }

    fn scalar(&mut self) -> Result<Scalar<'de>, Error> {
        self.consumed = true;
        read_value(self.map, &mut self.pending, ScalarSeed { ctx: self.ctx })
    }

    fn records<T: Record>(&mut self) -> Result<Vec<T>, Error> {
        self.consumed = true;
        read_value(
            self.map,
            &mut self.pending,
            ListSeed::<T> {
                ctx: self.ctx,
                item: PhantomData,
            },
        )
    }

    fn record<T: Record>(&mut self) -> Result<T, Error> {
        self.consumed = true;
        let seed = RecordSeed::<T> {
            ctx: self.ctx,
            item: PhantomData,
        };
        read_value(self.map, &mut self.pending, seed)
    }

    fn texts(&mut self, _item: &'static str) -> Result<Vec<String>, Error> {
        self.consumed = true;
        read_value(self.map, &mut self.pending, TextsSeed { ctx: self.ctx })
    }

    fn value(&mut self) -> Result<ExtensionValue, Error> {
        self.consumed = true;
        read_value(self.map, &mut self.pending, ValueSeed { ctx: self.ctx })
    }
}

/// Reads one object as a record.
struct RecordSeed<'c, T> {
    ctx: &'c mut Ctx,
    item: PhantomData<T>,
}

impl<'de, T: Record> DeserializeSeed<'de> for RecordSeed<'_, T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Record> Visitor<'de> for RecordSeed<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object", T::ITEM)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        record_from_map(map, self.ctx, None)
    }
}

/// Reads an array of records; a single object or `null` are read too.
struct ListSeed<'c, T> {
    ctx: &'c mut Ctx,
    item: PhantomData<T>,
}

impl<'de, T: Record> DeserializeSeed<'de> for ListSeed<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Record> Visitor<'de> for ListSeed<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {} objects", T::ITEM)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        if let Err(error) = self.ctx.descend() {
            return Err(fail(self.ctx, error));
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            self.ctx.enter_item(T::ITEM, items.len());
            let seed = RecordSeed::<T> {
                ctx: &mut *self.ctx,
                item: PhantomData,
            };
            let Some(item) = seq.next_element_seed(seed)? else {
                self.ctx.leave();
                break;
            };
            self.ctx.leave();
            items.push(item);
        }
        self.ctx.ascend();
        Ok(items)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
        if let Err(error) = self.ctx.deviate(DeviationKind::SingleItemForList) {
            return Err(fail(self.ctx, error));
        }
        self.ctx.enter_item(T::ITEM, 0);
        let item = record_from_map(map, self.ctx, None)?;
        self.ctx.leave();
        Ok(vec![item])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Vec<T>, E> {
        list_from_text(self.ctx, value).map_err(|error| fail(self.ctx, error))
    }
}

/// Reads an array of texts, such as discovery's `formats`.
struct TextsSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for TextsSeed<'_> {
    type Value = Vec<String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Vec<String>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextsSeed<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut texts = Vec::new();
        while let Some(scalar) = seq.next_element_seed(ScalarSeed {
            ctx: &mut *self.ctx,
        })? {
            if let Err(error) = push_text(self.ctx, scalar, &mut texts) {
                return Err(fail(self.ctx, error));
            }
        }
        Ok(texts)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Vec<String>, E> {
        text_as_list(self.ctx, value).map_err(|error| fail(self.ctx, error))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
}

/// Reads the root of a list document.
struct RootList<'c, T> {
    ctx: &'c mut Ctx,
    root: &'static str,
    aliases: &'static [&'static str],
    item: PhantomData<T>,
}

impl<'de, T: Record> DeserializeSeed<'de> for RootList<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Record> Visitor<'de> for RootList<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {} objects", T::ITEM)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        self.ctx.enter(self.root);
        let items = ListSeed::<T> {
            ctx: &mut *self.ctx,
            item: PhantomData,
        }
        .visit_seq(seq)?;
        self.ctx.leave();
        Ok(items)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let Some(key) = map.next_key_seed(Key)? else {
            return match self.ctx.deviate(DeviationKind::SingleItemForList) {
                Ok(()) => Ok(Vec::new()),
                Err(error) => Err(fail(self.ctx, error)),
            };
        };
        if wraps(&key, self.root, self.aliases) {
            let deviation = DeviationKind::WrappedJsonRoot {
                key: key.clone().into_owned(),
            };
            if let Err(error) = self.ctx.deviate(deviation) {
                return Err(fail(self.ctx, error));
            }
            self.ctx.enter(self.root);
            let items = map.next_value_seed(ListSeed::<T> {
                ctx: &mut *self.ctx,
                item: PhantomData,
            })?;
            self.ctx.leave();
            while map.next_key_seed(Key)?.is_some() {
                map.next_value::<IgnoredAny>()?;
            }
            return Ok(items);
        }
        if let Err(error) = self.ctx.deviate(DeviationKind::SingleItemForList) {
            return Err(fail(self.ctx, error));
        }
        self.ctx.enter_item(T::ITEM, 0);
        let item = record_from_map(map, self.ctx, Some(key))?;
        self.ctx.leave();
        Ok(vec![item])
    }
}

/// Reads the root of a single-record document; `{"<item>": {...}}` is read too.
struct RootRecord<'c, T> {
    ctx: &'c mut Ctx,
    item: PhantomData<T>,
}

impl<'de, T: Record> DeserializeSeed<'de> for RootRecord<'_, T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Record> Visitor<'de> for RootRecord<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object", T::ITEM)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        self.ctx.enter(T::ITEM);
        let key = map.next_key_seed(Key)?;
        let record = if key.as_deref() == Some(T::ITEM) {
            let deviation = DeviationKind::WrappedJsonRoot {
                key: T::ITEM.to_owned(),
            };
            if let Err(error) = self.ctx.deviate(deviation) {
                return Err(fail(self.ctx, error));
            }
            let record = map.next_value_seed(RecordSeed::<T> {
                ctx: &mut *self.ctx,
                item: PhantomData,
            })?;
            while map.next_key_seed(Key)?.is_some() {
                map.next_value::<IgnoredAny>()?;
            }
            record
        } else {
            record_from_map(map, self.ctx, key)?
        };
        self.ctx.leave();
        Ok(record)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        if let Err(error) = self.ctx.deviate(DeviationKind::SingleItemForList) {
            return Err(fail(self.ctx, error));
        }
        self.ctx.enter(T::ITEM);
        let seed = RecordSeed::<T> {
            ctx: &mut *self.ctx,
            item: PhantomData,
        };
        let Some(record) = seq.next_element_seed(seed)? else {
            let error = self
                .ctx
                .structure(format!("an empty list where a {} belongs", T::ITEM));
            return Err(fail(self.ctx, error));
        };
        self.ctx.leave();
        if seq.next_element::<IgnoredAny>()?.is_some() {
            let error = self
                .ctx
                .structure(format!("a list where one {} belongs", T::ITEM));
            return Err(fail(self.ctx, error));
        }
        Ok(record)
    }
}

/// Writes a record's fields into a serde map: the spec's JSON.
pub(crate) struct MapSink<'m, M>(pub(crate) &'m mut M);

impl<M: SerializeMap> FieldSink for MapSink<'_, M> {
    type Error = M::Error;

    fn text(&mut self, name: &str, value: &str) -> Result<(), M::Error> {
        self.0.serialize_entry(name, value)
    }

    fn boolean(&mut self, name: &str, value: bool) -> Result<(), M::Error> {
        self.0.serialize_entry(name, &value)
    }

    fn float(&mut self, name: &str, value: f64) -> Result<(), M::Error> {
        self.0.serialize_entry(name, &value)
    }

    fn integer(&mut self, name: &str, value: u64) -> Result<(), M::Error> {
        self.0.serialize_entry(name, &value)
    }

    fn numeric_text(&mut self, name: &str, value: &str) -> Result<(), M::Error> {
        match value.parse::<u64>() {
            Ok(number) if number.to_string() == value => self.0.serialize_entry(name, &number),
            _ => self.0.serialize_entry(name, value),
        }
    }

    fn datetime(&mut self, name: &str, value: &Datetime) -> Result<(), M::Error> {
        self.0.serialize_entry(name, &datetime::format(value))
    }

    fn records<T: Record + serde::Serialize>(
        &mut self,
        name: &str,
        items: &[T],
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(name, items)
    }

    fn texts(&mut self, name: &str, _item: &str, values: &[String]) -> Result<(), M::Error> {
        self.0.serialize_entry(name, values)
    }

    fn extensions(&mut self, extensions: &Extensions) -> Result<(), M::Error> {
        serialize_entries(self.0, extensions.as_slice())
    }
}
