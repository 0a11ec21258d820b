//! Decoding modes and the deviations from the spec that lenient decoding tolerates.

use std::fmt;

/// How a decoder treats a document that departs from the spec in a known way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Read the variants real servers send and report each one as a [`Deviation`].
    ///
    /// This is the default, and what a client wants.
    #[default]
    Lenient,
    /// Refuse the document at the first deviation; what a conformance checker wants.
    Strict,
}

/// Settings for a decoder.
///
/// ```
/// use open311_types::{DecodeOptions, Mode};
///
/// let options = DecodeOptions::strict().with_max_size(1 << 20);
/// assert_eq!(options.mode, Mode::Strict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Lenient or strict.
    pub mode: Mode,
    /// The largest document, in bytes, a decoder reads; 16 MiB by default.
    pub max_size: usize,
    /// The deepest nesting of XML elements or JSON containers; 32 by default.
    pub max_depth: usize,
}

impl DecodeOptions {
    /// Lenient decoding with the default limits.
    pub const fn lenient() -> Self {
        DecodeOptions {
            mode: Mode::Lenient,
            max_size: 16 << 20,
            max_depth: 32,
        }
    }

    /// Strict decoding with the default limits.
    pub const fn strict() -> Self {
        DecodeOptions {
            mode: Mode::Strict,
            ..Self::lenient()
        }
    }

    /// The same options with another mode.
    pub const fn with_mode(self, mode: Mode) -> Self {
        DecodeOptions { mode, ..self }
    }

    /// The same options with another size limit.
    pub const fn with_max_size(self, max_size: usize) -> Self {
        DecodeOptions { max_size, ..self }
    }

    /// The same options with another depth limit.
    pub const fn with_max_depth(self, max_depth: usize) -> Self {
        DecodeOptions { max_depth, ..self }
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::lenient()
    }
}

/// A decoded value with the deviations the lenient decoder tolerated to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The value.
    pub value: T,
    /// Every tolerated deviation, in document order; empty for a conforming document.
    pub deviations: Vec<Deviation>,
}

impl<T> Decoded<T> {
    /// Drops the deviations.
    pub fn into_value(self) -> T {
        self.value
    }
}

/// One departure from the spec, where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// What departed from the spec.
    pub kind: DeviationKind,
    /// Where: element or field names from the root, with item indexes,
    /// such as `service_requests/request[2]/requested_datetime`.
    pub path: String,
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

/// The kinds of deviation that lenient decoding tolerates.
///
/// Each names the quirk of real servers it stands for (see the fixtures' QUIRKS list).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviationKind {
    /// The document starts with a UTF-8 byte order mark.
    ByteOrderMark,
    /// The bytes are not UTF-8 and were read as ISO-8859-1.
    Latin1,
    /// Whitespace comes before the XML declaration, which XML does not allow.
    WhitespaceBeforeDeclaration,
    /// The XML document has no `<?xml ...?>` declaration, which the spec requires.
    MissingXmlDeclaration,
    /// The root element or JSON wrapper has a name the spec does not use, such as `<requests>`.
    RootAlias {
        /// The name found.
        found: String,
    },
    /// A JSON list came wrapped in an object, such as `{"services": [...]}`.
    WrappedJsonRoot {
        /// The wrapping key.
        key: String,
    },
    /// A single JSON object or XML element stood where the spec has a list.
    SingleItemForList,
    /// An element the spec does not allow at that place was skipped.
    UnexpectedElement {
        /// The element's name.
        name: String,
    },
    /// A field the spec defines once appeared again; the last one was kept.
    DuplicateField,
    /// An identifier or text field came as a JSON number.
    NumberForString,
    /// A boolean came as a string such as `"true"`, or as `1` or `0`.
    StringBoolean,
    /// A number came as a JSON string.
    StringNumber,
    /// A field came as a JSON `""` where the spec has `null`.
    EmptyString,
    /// A datetime has no offset; it was read as UTC.
    DatetimeWithoutOffset,
    /// A datetime has a space where the spec has `T`.
    DatetimeSpaceSeparator,
    /// A datetime has no seconds, or unpadded fields.
    DatetimeShortForm,
    /// An enumerated value (`status`, `type`, `datatype`) in other capitals than the spec's,
    /// such as `Open`.
    ValueCase,
    /// A `status` outside the spec's `open` and `closed`, kept as text.
    NonStandardStatus,
    /// An XML attribute on an Open311 element, such as Rails' `type="array"`; ignored.
    XmlAttribute {
        /// The attribute's name.
        name: String,
    },
    /// Text where the spec has only child elements; ignored.
    StrayText,
    /// An enumerated field (`type`, `datatype`) has a value the spec does not list.
    UnknownEnumValue,
    /// A field the spec defines as text held child elements; their texts were joined.
    NestedInScalar,
    /// An error document without the spec's `code` and `description` children.
    ErrorShape,
    /// A service definition lists `<attribute>` elements without the `<attributes>` wrapper.
    AttributesWithoutWrapper,
    /// A value could not be read as its type; it is kept as an extension under the field's
    /// name instead.
    InvalidValue {
        /// The text that could not be read.
        raw: String,
    },
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviationKind::ByteOrderMark => f.write_str("document starts with a byte order mark"),
            DeviationKind::Latin1 => f.write_str("document is not UTF-8; read as ISO-8859-1"),
            DeviationKind::WhitespaceBeforeDeclaration => {
                f.write_str("whitespace before the XML declaration")
            }
            DeviationKind::MissingXmlDeclaration => f.write_str("no XML declaration"),
            DeviationKind::RootAlias { found } => write!(f, "root named `{found}`"),
            DeviationKind::WrappedJsonRoot { key } => {
                write!(f, "list wrapped in an object under `{key}`")
            }
            DeviationKind::SingleItemForList => f.write_str("single item where a list belongs"),
            DeviationKind::UnexpectedElement { name } => write!(f, "unexpected element `{name}`"),
            DeviationKind::DuplicateField => f.write_str("field given more than once"),
            DeviationKind::NumberForString => f.write_str("number where text belongs"),
            DeviationKind::StringBoolean => f.write_str("boolean written as a string or number"),
            DeviationKind::StringNumber => f.write_str("number written as a string"),
            DeviationKind::EmptyString => f.write_str("empty string where null belongs"),
            DeviationKind::DatetimeWithoutOffset => {
                f.write_str("datetime without offset, read as UTC")
            }
            DeviationKind::DatetimeSpaceSeparator => f.write_str("datetime with a space for `T`"),
            DeviationKind::DatetimeShortForm => {
                f.write_str("datetime without seconds or with unpadded fields")
            }
            DeviationKind::ValueCase => f.write_str("value in non-standard capitals"),
            DeviationKind::NonStandardStatus => f.write_str("status other than open or closed"),
            DeviationKind::XmlAttribute { name } => write!(f, "XML attribute `{name}` ignored"),
            DeviationKind::StrayText => f.write_str("text between elements ignored"),
            DeviationKind::UnknownEnumValue => f.write_str("value the spec does not list"),
            DeviationKind::NestedInScalar => f.write_str("child elements inside a text field"),
            DeviationKind::ErrorShape => f.write_str("error without code and description"),
            DeviationKind::AttributesWithoutWrapper => {
                f.write_str("attribute elements without an attributes wrapper")
            }
            DeviationKind::InvalidValue { raw } => {
                write!(f, "unreadable value {raw:?}, kept as an extension")
            }
        }
    }
}
