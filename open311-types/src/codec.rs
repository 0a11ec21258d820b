//! What the XML and JSON codecs share: the decoding context, scalar conversions, and the
//! field-level interface through which each resource reads and writes its fields once for
//! both formats.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::datetime::{self, Datetime};
use crate::deviation::{DecodeOptions, Decoded, Deviation, DeviationKind, Mode};
use crate::error::{Error, Format, Position};
use crate::extension::{ExtensionValue, Extensions};

/// The documents of GeoReport v2 and of the updates extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// GET services: a list of [`Service`](crate::Service).
    Services,
    /// GET services/{service_code}: a [`ServiceDefinition`](crate::ServiceDefinition).
    ServiceDefinition,
    /// GET requests and requests/{id}: a list of [`ServiceRequest`](crate::ServiceRequest).
    Requests,
    /// The answer to POST requests: a list of
    /// [`CreatedServiceRequest`](crate::CreatedServiceRequest).
    RequestCreated,
    /// GET tokens/{token}: a list of [`TokenLookup`](crate::TokenLookup).
    Token,
    /// An error answer: a list of [`ApiError`](crate::ApiError).
    Errors,
    /// discovery: a [`Discovery`](crate::Discovery).
    Discovery,
    /// GET servicerequestupdates: a list of
    /// [`ServiceRequestUpdate`](crate::ServiceRequestUpdate).
    Updates,
    /// The answer to POST servicerequestupdates: a list of
    /// [`CreatedUpdate`](crate::CreatedUpdate).
    UpdateCreated,
}

impl DocumentKind {
    /// Every kind, in the order of the spec.
    pub const ALL: [DocumentKind; 9] = [
        DocumentKind::Discovery,
        DocumentKind::Services,
        DocumentKind::ServiceDefinition,
        DocumentKind::RequestCreated,
        DocumentKind::Token,
        DocumentKind::Requests,
        DocumentKind::Errors,
        DocumentKind::Updates,
        DocumentKind::UpdateCreated,
    ];

    /// The kind's short name, as the `open311` command and the fixture index spell it.
    pub const fn name(self) -> &'static str {
        match self {
            DocumentKind::Services => "services",
            DocumentKind::ServiceDefinition => "service-definition",
            DocumentKind::Requests => "requests",
            DocumentKind::RequestCreated => "request-created",
            DocumentKind::Token => "token",
            DocumentKind::Errors => "errors",
            DocumentKind::Discovery => "discovery",
            DocumentKind::Updates => "updates",
            DocumentKind::UpdateCreated => "update-created",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`DocumentKind`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for DocumentKind {
    type Err = UnknownKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| UnknownKind(name.to_owned()))
    }
}

/// A document of the spec that the codecs read and write.
///
/// Implemented by the list types (`Vec<Service>`, `Vec<ServiceRequest>`, ..., and the same
/// lists of `Arc`s, which a server encodes without copying what it holds) and by
/// [`ServiceDefinition`](crate::ServiceDefinition) and [`Discovery`](crate::Discovery).
/// Use it through [`decode`], [`encode`] and the `xml` and `json` modules.
pub trait Document: sealed::Codec {
    /// Which document this is.
    const KIND: DocumentKind;
}

#[allow(
    private_interfaces,
    reason = "a sealed trait: its readers and writers are crate types, so no one outside can call it"
)]
pub(crate) mod sealed {
    use super::Ctx;
    use crate::error::Error;
    use crate::json::JsonIn;
    use crate::xml::{XmlIn, XmlOut};

    /// The codec entry points, kept out of the public interface.
    pub trait Codec: Sized + serde::Serialize {
        fn read_xml(input: &mut XmlIn<'_>) -> Result<Self, Error>;
        fn read_json(input: JsonIn<'_, '_>, ctx: &mut Ctx) -> Result<Self, Error>;
        fn write_xml(&self, out: &mut XmlOut);
    }
}

/// Decodes a document in the given format.
///
/// ```
/// use open311_types::{DecodeOptions, Format, Service};
///
/// let json = br#"[{"service_code": 1, "service_name": "Potholes", "metadata": "false"}]"#;
/// let decoded = open311_types::decode::<Vec<Service>>(json, Format::Json, &DecodeOptions::lenient())?;
/// assert_eq!(decoded.value[0].service_code, "1");
/// assert_eq!(decoded.deviations.len(), 2); // a numeric code and a string boolean
///
/// let strict = open311_types::decode::<Vec<Service>>(json, Format::Json, &DecodeOptions::strict());
/// assert!(strict.is_err());
/// # Ok::<(), open311_types::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::TooLarge`] over the size limit, [`Error::Syntax`] for input that is not XML or
/// JSON, [`Error::Structure`] for another document or one over a structural limit, and in
/// strict mode [`Error::Deviation`] for the first deviation.
pub fn decode<D: Document>(
    input: &[u8],
    format: Format,
    options: &DecodeOptions,
) -> Result<Decoded<D>, Error> {
    match format {
        Format::Xml => crate::xml::from_slice(input, options),
        Format::Json => crate::json::from_slice(input, options),
    }
}

/// Encodes a document in the given format, as a server sends it.
///
/// ```
/// use open311_types::{Format, Service};
///
/// let services = vec![Service::new("001", "Cans left out 24x7")];
/// let xml = open311_types::encode(&services, Format::Xml);
/// assert!(xml.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
/// ```
pub fn encode<D: Document>(document: &D, format: Format) -> Vec<u8> {
    match format {
        Format::Xml => crate::xml::to_vec(document),
        Format::Json => crate::json::to_vec(document),
    }
}

/// The decoding state: the mode, the deviations met so far, and the current path.
pub(crate) struct Ctx {
    pub(crate) mode: Mode,
    pub(crate) max_depth: usize,
    pub(crate) format: Format,
    pub(crate) position: Position,
    pub(crate) depth: usize,
    /// The error that stopped a JSON decode from inside serde.
    pub(crate) fatal: Option<Error>,
    deviations: Vec<Deviation>,
    path: Vec<(&'static str, Option<usize>)>,
    /// The scalar field being read, the last step of the path; kept apart from `path` because
    /// it changes for every field.
    field: Option<&'static str>,
}

impl Ctx {
    pub(crate) fn new(options: &DecodeOptions, format: Format) -> Self {
        Ctx {
            mode: options.mode,
            max_depth: options.max_depth,
            format,
            position: Position::Unknown,
            depth: 0,
            fatal: None,
            deviations: Vec::new(),
            path: Vec::with_capacity(8),
            field: None,
        }
    }

    /// Records a deviation here; in strict mode, fails with it.
    pub(crate) fn deviate(&mut self, kind: DeviationKind) -> Result<(), Error> {
        let deviation = Deviation {
            kind,
            path: self.path(),
        };
        match self.mode {
            Mode::Lenient => {
                self.deviations.push(deviation);
                Ok(())
            }
            Mode::Strict => Err(Error::Deviation {
                position: self.position,
                deviation,
            }),
        }
    }

    /// A structural error here.
    pub(crate) fn structure(&self, message: impl Into<String>) -> Error {
        Error::Structure {
            format: self.format,
            position: self.position,
            path: self.path(),
            message: message.into(),
        }
    }

    pub(crate) fn enter(&mut self, name: &'static str) {
        self.path.push((name, None));
    }

    pub(crate) fn enter_item(&mut self, name: &'static str, index: usize) {
        self.path.push((name, Some(index)));
    }

    pub(crate) fn leave(&mut self) {
        self.path.pop();
    }

    /// Enters one more level of nesting, failing over the depth limit.
    pub(crate) fn descend(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.structure(format!("nesting deeper than {}", self.max_depth)));
        }
        Ok(())
    }

    pub(crate) fn ascend(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// How far the decode has come, to go back to with [`Ctx::rewind`].
    pub(crate) fn mark(&self) -> usize {
        self.deviations.len()
    }

    /// Goes back to the start of the document, keeping the deviations met before `mark`.
    pub(crate) fn rewind(&mut self, mark: usize) {
        self.deviations.truncate(mark);
        self.position = Position::Unknown;
        self.depth = 0;
        self.fatal = None;
        self.path.clear();
        self.field = None;
    }

    pub(crate) fn finish<T>(self, value: T) -> Decoded<T> {
        Decoded {
            value,
            deviations: self.deviations,
        }
    }

    fn path(&self) -> String {
        let mut path = String::new();
        let field = self.field.map(|name| (name, None));
        for (name, index) in self.path.iter().chain(field.as_ref()) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(name);
            if let Some(index) = index {
                path.push_str(&format!("[{index}]"));
            }
        }
        path
    }
}

/// Checks the input size, and turns the bytes into text: a BOM is skipped and bytes that are
/// not UTF-8 are read as ISO-8859-1, each a deviation. Returns the text and how many bytes
/// were skipped at the start.
pub(crate) fn prepare<'a>(
    input: &'a [u8],
    options: &DecodeOptions,
    ctx: &mut Ctx,
) -> Result<(Cow<'a, str>, u64), Error> {
    let (input, skipped) = bytes_of(input, options, ctx)?;
    // The whole document is checked once here, so both readers may borrow text from it freely;
    // simdutf8 does it several times as fast as `std::str::from_utf8` on text that is not ASCII.
    match simdutf8::basic::from_utf8(input) {
        Ok(text) => Ok((Cow::Borrowed(text), skipped)),
        Err(_) => {
            ctx.deviate(DeviationKind::Latin1)?;
            Ok((Cow::Owned(latin1(input)), skipped))
        }
    }
}

/// Checks the input size and skips a BOM (a deviation); returns the rest and the bytes skipped.
pub(crate) fn bytes_of<'a>(
    input: &'a [u8],
    options: &DecodeOptions,
    ctx: &mut Ctx,
) -> Result<(&'a [u8], u64), Error> {
    if input.len() > options.max_size {
        return Err(Error::TooLarge {
            size: input.len(),
            limit: options.max_size,
        });
    }
    match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => {
            ctx.deviate(DeviationKind::ByteOrderMark)?;
            Ok((rest, 3))
        }
        None => Ok((input, 0)),
    }
}

/// Reads bytes as ISO-8859-1, where every byte is the code point of the same number.
pub(crate) fn latin1(input: &[u8]) -> String {
    input.iter().map(|&byte| char::from(byte)).collect()
}

/// One field's value as read, before conversion to its type.
#[derive(Debug)]
pub(crate) enum Scalar<'de> {
    /// An empty element, `xsi:nil`, or a JSON `null`.
    Null,
    /// Text content (trimmed in XML) or a JSON string.
    Text(Cow<'de, str>),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON array or object where a scalar belongs.
    Complex(ExtensionValue),
}

impl Scalar<'_> {
    fn into_value(self) -> ExtensionValue {
        match self {
            Scalar::Null => ExtensionValue::Null,
            Scalar::Text(text) => ExtensionValue::Text(text.into_owned()),
            Scalar::Number(number) => ExtensionValue::Number(number),
            Scalar::Bool(value) => ExtensionValue::Bool(value),
            Scalar::Complex(value) => value,
        }
    }
}

/// The outcome of converting a scalar to a field's type.
pub(crate) enum Parsed<T> {
    Value(T),
    Absent,
    /// Unreadable as the type; the raw value is kept as an extension.
    Invalid(ExtensionValue),
}

/// A field type that a [`Scalar`] converts to.
pub(crate) trait FromScalar: Sized {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error>;
}

impl FromScalar for String {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match scalar {
            Scalar::Text(text) if text.is_empty() => Parsed::Absent,
            Scalar::Text(text) => Parsed::Value(text.into_owned()),
            Scalar::Number(number) => {
                ctx.deviate(DeviationKind::NumberForString)?;
                Parsed::Value(number.to_string())
            }
            Scalar::Null => Parsed::Absent,
            other => Parsed::Invalid(other.into_value()),
        })
    }
}

/// Text that is trimmed in JSON too: identifiers, URLs and enumerations.
pub(crate) struct Trimmed(pub(crate) String);

impl FromScalar for Trimmed {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match trimmed(scalar, ctx)? {
            Parsed::Value(text) => Parsed::Value(Trimmed(text.into_owned())),
            Parsed::Absent => Parsed::Absent,
            Parsed::Invalid(raw) => Parsed::Invalid(raw),
        })
    }
}

/// The text of a scalar, trimmed, borrowed when it can be; a number is its written form.
fn trimmed<'s>(scalar: Scalar<'s>, ctx: &mut Ctx) -> Result<Parsed<Cow<'s, str>>, Error> {
    Ok(match scalar {
        Scalar::Text(text) => {
            let kept = trim_xml(&text).len();
            if kept == 0 {
                empty_string(ctx)?;
                return Ok(Parsed::Absent);
            }
            Parsed::Value(match text {
                Cow::Borrowed(text) => Cow::Borrowed(trim_xml(text)),
                Cow::Owned(text) if kept == text.len() => Cow::Owned(text),
                Cow::Owned(text) => Cow::Owned(trim_xml(&text).to_owned()),
            })
        }
        Scalar::Number(number) => {
            // An integer beyond 2^53 has already lost digits in a float; refuse to guess.
            if number.is_f64() && number.as_f64().is_some_and(|v| v.abs() >= 9.007e15) {
                return Ok(Parsed::Invalid(ExtensionValue::Number(number)));
            }
            ctx.deviate(DeviationKind::NumberForString)?;
            Parsed::Value(Cow::Owned(number.to_string()))
        }
        Scalar::Null => Parsed::Absent,
        other => Parsed::Invalid(other.into_value()),
    })
}

/// Text that JSON may also write as a number without a deviation: an error `code`, which the
/// spec's own example writes as `"code":403`.
pub(crate) struct NumericText(pub(crate) String);

impl FromScalar for NumericText {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match scalar {
            Scalar::Number(number) if number.is_u64() || number.is_i64() => {
                Parsed::Value(NumericText(number.to_string()))
            }
            other => match Trimmed::from_scalar(other, ctx)? {
                Parsed::Value(Trimmed(text)) => Parsed::Value(NumericText(text)),
                Parsed::Absent => Parsed::Absent,
                Parsed::Invalid(raw) => Parsed::Invalid(raw),
            },
        })
    }
}

macro_rules! trimmed_from_scalar {
    ($($name:ty),*) => {$(
        impl FromScalar for $name {
            fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
                Ok(match Trimmed::from_scalar(scalar, ctx)? {
                    Parsed::Value(Trimmed(text)) => Parsed::Value(<$name>::from(text)),
                    Parsed::Absent => Parsed::Absent,
                    Parsed::Invalid(raw) => Parsed::Invalid(raw),
                })
            }
        }
    )*};
}

trimmed_from_scalar!(
    crate::id::ServiceCode,
    crate::id::ServiceRequestId,
    crate::id::Token,
    crate::id::AttributeCode,
    crate::id::UpdateId,
    crate::id::JurisdictionId
);

/// The index of the first byte in `bytes` that is one of `needles` or a control character
/// (below 0x20): where a run of plain text ends, for the XML writer and the JSON reader.
///
/// It looks at eight bytes at a time, with the bit trick for finding a zero byte in a word:
/// text is most of a document, and a byte at a time costs as much as all the rest together.
pub(crate) fn first_special<const N: usize>(bytes: &[u8], needles: [u8; N]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // A byte's high bit ends up set where it is below 0x20, or where its XOR with a needle
        // is zero. A borrow can set bits above a true hit too, but never below one, so the
        // lowest bit set is exact.
        let mut found = word.wrapping_sub(ONES * 0x20) & !word;
        for needle in needles {
            let xor = word ^ (ONES * u64::from(needle));
            found |= xor.wrapping_sub(ONES) & !xor;
        }
        found &= HIGHS;
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|byte| *byte < 0x20 || needles.contains(byte))
        .map(|index| offset + index)
}

/// Trims XML whitespace (space, tab, CR, LF) and nothing else, in both formats.
pub(crate) fn trim_xml(text: &str) -> &str {
    let is_space = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = text.as_bytes();
    let Some(start) = bytes.iter().position(|byte| !is_space(byte)) else {
        return "";
    };
    let end = bytes
        .iter()
        .rposition(|byte| !is_space(byte))
        .map_or(start, |last| last + 1);
    // The bytes trimmed are ASCII, so both ends lie on character boundaries.
    text.get(start..end).unwrap_or(text)
}

/// A JSON `""` for a typed field is a deviation; an empty XML element is the spec's null.
fn empty_string(ctx: &mut Ctx) -> Result<(), Error> {
    if ctx.format == Format::Json {
        ctx.deviate(DeviationKind::EmptyString)?;
    }
    Ok(())
}

/// Text where the format calls for a number or boolean: normal in XML, a deviation in JSON.
fn text_for_typed(ctx: &mut Ctx, kind: DeviationKind) -> Result<(), Error> {
    if ctx.format == Format::Json {
        ctx.deviate(kind)?;
    }
    Ok(())
}

impl FromScalar for bool {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match scalar {
            Scalar::Bool(value) => Parsed::Value(value),
            Scalar::Text(text) => {
                let trimmed = trim_xml(&text);
                match trimmed {
                    "" => {
                        empty_string(ctx)?;
                        Parsed::Absent
                    }
                    "true" | "false" => {
                        text_for_typed(ctx, DeviationKind::StringBoolean)?;
                        Parsed::Value(trimmed == "true")
                    }
                    "1" | "0" => {
                        ctx.deviate(DeviationKind::StringBoolean)?;
                        Parsed::Value(trimmed == "1")
                    }
                    _ if trimmed.eq_ignore_ascii_case("true")
                        || trimmed.eq_ignore_ascii_case("false") =>
                    {
                        ctx.deviate(DeviationKind::StringBoolean)?;
                        Parsed::Value(trimmed.eq_ignore_ascii_case("true"))
                    }
                    _ => Parsed::Invalid(ExtensionValue::Text(text.into_owned())),
                }
            }
            Scalar::Number(number) if number.as_u64().is_some_and(|n| n <= 1) => {
                ctx.deviate(DeviationKind::StringBoolean)?;
                Parsed::Value(number.as_u64() == Some(1))
            }
            Scalar::Null => Parsed::Absent,
            other => Parsed::Invalid(other.into_value()),
        })
    }
}

impl FromScalar for f64 {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match scalar {
            Scalar::Number(number) => match number.as_f64() {
                Some(value) if value.is_finite() => Parsed::Value(value),
                _ => Parsed::Invalid(ExtensionValue::Number(number)),
            },
            Scalar::Text(text) => {
                let trimmed = trim_xml(&text);
                if trimmed.is_empty() {
                    empty_string(ctx)?;
                    return Ok(Parsed::Absent);
                }
                match parse_decimal(trimmed) {
                    Some(value) => {
                        text_for_typed(ctx, DeviationKind::StringNumber)?;
                        Parsed::Value(value)
                    }
                    None => Parsed::Invalid(ExtensionValue::Text(text.into_owned())),
                }
            }
            Scalar::Null => Parsed::Absent,
            other => Parsed::Invalid(other.into_value()),
        })
    }
}

/// A WGS84 coordinate within ±`LIMIT` degrees (90 for `lat`, 180 for `long`); a number
/// outside is unreadable as one, and kept as an extension.
pub(crate) struct Coordinate<const LIMIT: u16>(pub(crate) f64);

impl<const LIMIT: u16> FromScalar for Coordinate<LIMIT> {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match f64::from_scalar(scalar, ctx)? {
            Parsed::Value(value) if value.abs() <= f64::from(LIMIT) => {
                Parsed::Value(Coordinate(value))
            }
            Parsed::Value(value) => Parsed::Invalid(
                serde_json::Number::from_f64(value)
                    .map_or(ExtensionValue::Null, ExtensionValue::Number),
            ),
            Parsed::Absent => Parsed::Absent,
            Parsed::Invalid(raw) => Parsed::Invalid(raw),
        })
    }
}

/// Reads a finite decimal number; refuses `NaN`, `inf` and friends that `f64::from_str` takes.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let plain = text
        .bytes()
        .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !plain || !text.bytes().any(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

impl FromScalar for u32 {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match scalar {
            Scalar::Number(number) => match number.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(value) => Parsed::Value(value),
                None => Parsed::Invalid(ExtensionValue::Number(number)),
            },
            Scalar::Text(text) => {
                let trimmed = trim_xml(&text);
                if trimmed.is_empty() {
                    empty_string(ctx)?;
                    return Ok(Parsed::Absent);
                }
                match trimmed.parse::<u32>() {
                    Ok(value) if !trimmed.starts_with('+') => {
                        text_for_typed(ctx, DeviationKind::StringNumber)?;
                        Parsed::Value(value)
                    }
                    _ => Parsed::Invalid(ExtensionValue::Text(text.into_owned())),
                }
            }
            Scalar::Null => Parsed::Absent,
            other => Parsed::Invalid(other.into_value()),
        })
    }
}

impl FromScalar for Datetime {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        Ok(match scalar {
            Scalar::Text(text) => {
                let trimmed = trim_xml(&text);
                if trimmed.is_empty() {
                    empty_string(ctx)?;
                    return Ok(Parsed::Absent);
                }
                match datetime::scan(trimmed) {
                    Some(parsed) => {
                        if !parsed.is_spec_form() {
                            for kind in parsed.deviations() {
                                ctx.deviate(kind)?;
                            }
                        }
                        Parsed::Value(parsed.value)
                    }
                    None => Parsed::Invalid(ExtensionValue::Text(text.into_owned())),
                }
            }
            Scalar::Null => Parsed::Absent,
            other => Parsed::Invalid(other.into_value()),
        })
    }
}

/// An enumeration of the spec with a fallback for values it does not list.
pub(crate) trait SpecEnum: Sized + 'static {
    /// The spec's values, as written.
    const VALUES: &'static [(&'static str, Self)];
    /// The value for text outside the list.
    fn other(text: String) -> Self;
    /// The deviation for text outside the list.
    const UNKNOWN: DeviationKind;
}

impl<T: SpecEnum + Clone> FromScalar for T {
    fn from_scalar(scalar: Scalar<'_>, ctx: &mut Ctx) -> Result<Parsed<Self>, Error> {
        let text = match trimmed(scalar, ctx)? {
            Parsed::Value(text) => text,
            Parsed::Absent => return Ok(Parsed::Absent),
            Parsed::Invalid(raw) => return Ok(Parsed::Invalid(raw)),
        };
        if let Some((_, value)) = T::VALUES.iter().find(|(name, _)| *name == text) {
            return Ok(Parsed::Value(value.clone()));
        }
        if let Some((_, value)) = T::VALUES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&text))
        {
            ctx.deviate(DeviationKind::ValueCase)?;
            return Ok(Parsed::Value(value.clone()));
        }
        ctx.deviate(T::UNKNOWN)?;
        Ok(Parsed::Value(T::other(text.into_owned())))
    }
}

/// Reads the fields of one element or object; implemented by the XML and JSON readers.
pub(crate) trait FieldSource<'de> {
    fn ctx(&mut self) -> &mut Ctx;

    /// The current field's value as a scalar.
    fn scalar(&mut self) -> Result<Scalar<'de>, Error>;

    /// The current field's value as a list of `T::ITEM` records.
    fn records<T: Record>(&mut self) -> Result<Vec<T>, Error>;

    /// The current field's value as one record, outside any list wrapper.
    fn record<T: Record>(&mut self) -> Result<T, Error>;

    /// The current field's value as a list of texts named `item`.
    fn texts(&mut self, item: &'static str) -> Result<Vec<String>, Error>;

    /// The current field's value, kept as it is.
    fn value(&mut self) -> Result<ExtensionValue, Error>;

    /// The current field's value when it is text that borrows from the input as it is (a JSON
    /// string without escapes), read; `None`, having read nothing of the value, for any other.
    ///
    /// The fast path of [`FieldSource::set`]: the text comes back in two registers, where a
    /// [`Scalar`] would go through memory.
    fn plain_text(&mut self) -> Option<&'de str> {
        None
    }

    /// The current field's value when it is a finite JSON number with a fraction or an
    /// exponent, read; `None`, having read nothing of the value, for any other.
    ///
    /// The other fast path of [`FieldSource::set`], for coordinates.
    fn plain_float(&mut self) -> Option<f64> {
        None
    }

    /// Reads the current field into `slot`; an unreadable value goes to `extensions`.
    fn set<T: FromScalar>(
        &mut self,
        name: &'static str,
        slot: &mut Option<T>,
        extensions: &mut Extensions,
    ) -> Result<(), Error> {
        let outer = self.ctx().field.replace(name);
        let scalar = if let Some(text) = self.plain_text() {
            Scalar::Text(Cow::Borrowed(text))
        } else if let Some(value) = self.plain_float() {
            // Finite, as `plain_float` promises, so always a number.
            serde_json::Number::from_f64(value).map_or(Scalar::Null, Scalar::Number)
        } else {
            self.scalar()?
        };
        match T::from_scalar(scalar, self.ctx())? {
            Parsed::Value(value) => {
                if slot.is_some() {
                    self.ctx().deviate(DeviationKind::DuplicateField)?;
                }
                *slot = Some(value);
            }
            Parsed::Absent => {}
            Parsed::Invalid(raw) => {
                let text = match &raw {
                    ExtensionValue::Text(text) => text.clone(),
                    other => serde_json::to_string(other).unwrap_or_default(),
                };
                self.ctx()
                    .deviate(DeviationKind::InvalidValue { raw: text })?;
                extensions.push(name, raw);
            }
        }
        self.ctx().field = outer;
        Ok(())
    }

    /// Reads a required field, such as an identifier, into `slot`.
    fn set_id<T: FromScalar>(
        &mut self,
        name: &'static str,
        slot: &mut T,
        extensions: &mut Extensions,
    ) -> Result<(), Error> {
        let mut value = None;
        self.set(name, &mut value, extensions)?;
        if let Some(value) = value {
            *slot = value;
        }
        Ok(())
    }

    /// Reads a trimmed text field, such as a URL, into `slot`.
    fn set_trimmed(
        &mut self,
        name: &'static str,
        slot: &mut Option<String>,
        extensions: &mut Extensions,
    ) -> Result<(), Error> {
        let mut value = slot.take().map(Trimmed);
        self.set(name, &mut value, extensions)?;
        *slot = value.map(|Trimmed(text)| text);
        Ok(())
    }

    /// Reads a coordinate within ±`LIMIT` degrees into `slot`.
    fn set_coordinate<const LIMIT: u16>(
        &mut self,
        name: &'static str,
        slot: &mut Option<f64>,
        extensions: &mut Extensions,
    ) -> Result<(), Error> {
        let mut value = slot.take().map(Coordinate::<LIMIT>);
        self.set(name, &mut value, extensions)?;
        *slot = value.map(|Coordinate(value)| value);
        Ok(())
    }

    /// Keeps the current field as an extension.
    fn keep(&mut self, name: &str, extensions: &mut Extensions) -> Result<(), Error> {
        let value = self.value()?;
        extensions.push(name, value);
        Ok(())
    }
}

/// One resource of the spec: a service, a request, an attribute, an endpoint...
pub(crate) trait Record: Sized {
    /// The element name of one item in a list.
    const ITEM: &'static str;

    /// A record with no fields set, to be filled by [`Record::field`].
    fn empty() -> Self;

    /// Reads the field `name` from `source`.
    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error>;

    /// Takes text content found directly in the record's element; returns whether it was used.
    ///
    /// Only error documents use it, for servers that send `<error>text</error>`.
    fn text_content(&mut self, _text: String, _ctx: &mut Ctx) -> Result<bool, Error> {
        Ok(false)
    }

    /// Checks the record once all fields are read.
    fn finish(&self, _ctx: &mut Ctx) -> Result<(), Error> {
        Ok(())
    }

    /// Writes the fields in the spec's order, then the extensions.
    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error>;
}

/// Appends the items of a list field; meeting the field again is a deviation, as for a scalar,
/// but nothing is dropped.
pub(crate) fn extend_list<T>(
    ctx: &mut Ctx,
    name: &'static str,
    list: &mut Vec<T>,
    more: Vec<T>,
) -> Result<(), Error> {
    if !list.is_empty() {
        ctx.enter(name);
        let deviated = ctx.deviate(DeviationKind::DuplicateField);
        ctx.leave();
        deviated?;
    }
    list.extend(more);
    Ok(())
}

/// Fails when a required identifier was not read.
pub(crate) fn require(ctx: &mut Ctx, name: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(ctx.structure(format!("missing {name}")));
    }
    Ok(())
}

/// Writes the fields of one element or object; implemented by the XML and JSON writers.
pub(crate) trait FieldSink {
    type Error;

    fn text(&mut self, name: &str, value: &str) -> Result<(), Self::Error>;
    fn boolean(&mut self, name: &str, value: bool) -> Result<(), Self::Error>;
    fn float(&mut self, name: &str, value: f64) -> Result<(), Self::Error>;
    fn integer(&mut self, name: &str, value: u64) -> Result<(), Self::Error>;
    /// Text that JSON writes as a number when it is a plain integer, such as an error code.
    fn numeric_text(&mut self, name: &str, value: &str) -> Result<(), Self::Error>;
    fn records<T: Record + serde::Serialize>(
        &mut self,
        name: &str,
        items: &[T],
    ) -> Result<(), Self::Error>;
    fn texts(&mut self, name: &str, item: &str, values: &[String]) -> Result<(), Self::Error>;
    fn extensions(&mut self, extensions: &Extensions) -> Result<(), Self::Error>;

    fn datetime(&mut self, name: &str, value: &Datetime) -> Result<(), Self::Error> {
        self.text(name, &datetime::format(value))
    }

    fn opt_text<S: AsRef<str>>(
        &mut self,
        name: &str,
        value: &Option<S>,
    ) -> Result<(), Self::Error> {
        match value {
            Some(value) if !value.as_ref().is_empty() => self.text(name, value.as_ref()),
            _ => Ok(()),
        }
    }

    fn opt_boolean(&mut self, name: &str, value: Option<bool>) -> Result<(), Self::Error> {
        value.map_or(Ok(()), |value| self.boolean(name, value))
    }

    fn opt_float(&mut self, name: &str, value: Option<f64>) -> Result<(), Self::Error> {
        match value {
            Some(value) if value.is_finite() => self.float(name, value),
            _ => Ok(()),
        }
    }

    fn opt_datetime(&mut self, name: &str, value: &Option<Datetime>) -> Result<(), Self::Error> {
        value
            .as_ref()
            .map_or(Ok(()), |value| self.datetime(name, value))
    }
}

/// Implements `serde::Serialize` as the spec's JSON for records.
macro_rules! serialize_record {
    ($($name:ty),*) => {$(
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                crate::codec::Record::write(self, &mut crate::json::MapSink(&mut map))?;
                map.end()
            }
        }
    )*};
}
pub(crate) use serialize_record;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_finds_the_first_special_byte_at_every_alignment() {
        fn check<const N: usize>(needles: [u8; N]) {
            for special in needles.into_iter().chain([0x00, 0x09, 0x1f]) {
                for len in 0..40 {
                    for at in 0..=len {
                        // Bytes on both sides of the ones that matter, and after the hit, to
                        // catch a borrow or a carry across bytes.
                        let mut bytes: Vec<u8> = (0..len)
                            .map(|index| {
                                [b'a', 0x20, 0x21, 0x7f, 0x80, 0xff, 0xee, 0xf0][index % 8]
                            })
                            .collect();
                        if at < len {
                            bytes[at] = special;
                        }
                        let expected = bytes
                            .iter()
                            .position(|byte| *byte < 0x20 || needles.contains(byte));
                        assert_eq!(first_special(&bytes, needles), expected, "{bytes:?}");
                    }
                }
            }
        }
        // The JSON reader's and the XML writer's.
        check([b'"', b'\\']);
        check([b'&', b'<', b'>', 0xEF]);
    }
}
