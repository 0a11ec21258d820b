//! `application/x-www-form-urlencoded` bodies: POST requests and POST servicerequestupdates.
//!
//! Encoding writes the spec's fields in the spec's order, the `api_key` first when given, and
//! each attribute in its [`AttributeForm`]: `attribute[code]=v`, or for a multivaluelist the
//! spec's `attribute[code][]=v`, or the repeated and indexed forms some servers expect.
//!
//! Decoding is strict about the encoding itself: invalid UTF-8 and malformed `%` escapes are
//! errors, never replaced by U+FFFD. It accepts every attribute form real clients send:
//! `attribute[code][]` (the spec's), repeated `attribute[code]` (FixMyStreet) and indexed
//! `attribute[code][0]` (some Java clients); whether several values are allowed for an
//! attribute is for [`validate`](crate::validate) to say, as only the service definition
//! knows. An empty optional field is the same as an absent one, response-only fields such as
//! `service_request_id` or `status` are ignored, and fields the spec does not define are kept
//! in `extra`. The limits are those of [`FormLimits`].
//!
//! ```
//! use open311_types::form::{self, FormLimits};
//! use open311_types::{AttributeInput, NewServiceRequest};
//!
//! let mut request = NewServiceRequest::new("001");
//! request.address_string = Some("1234 5th street".into());
//! request.attributes.push(AttributeInput::list("COLORS", ["red", "blue"]));
//! let body = form::encode_request(&request, Some("xyz"));
//! assert_eq!(
//!     body,
//!     "api_key=xyz&service_code=001&address_string=1234+5th+street\
//!      &attribute%5BCOLORS%5D%5B%5D=red&attribute%5BCOLORS%5D%5B%5D=blue"
//! );
//!
//! let posted = form::decode_request(body.as_bytes(), &FormLimits::default())?;
//! assert_eq!(posted.api_key.as_deref(), Some("xyz"));
//! assert_eq!(posted.value, request);
//! # Ok::<(), open311_types::form::FormError>(())
//! ```

use std::fmt;

use crate::datetime::{self, Datetime};
use crate::id::{AttributeCode, JurisdictionId, ServiceRequestId, UpdateId};
use crate::request::{AttributeForm, AttributeInput, NewServiceRequest, Status};
use crate::update::NewServiceRequestUpdate;

/// Limits on what a form may hold; the defaults are the project's documented ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FormLimits {
    /// The most `name=value` pairs; 1,000.
    pub max_pairs: usize,
    /// The longest identifier (service_code, request id, attribute code, ...), in characters;
    /// 128.
    pub max_identifier: usize,
    /// The longest single-line field (email, names, address, ...), in characters; 1,000.
    pub max_line: usize,
    /// The most items in a comma list of a query (`service_request_id`, `service_code`,
    /// `status`); 1,000.
    pub max_list_items: usize,
}

impl Default for FormLimits {
    fn default() -> Self {
        FormLimits {
            max_pairs: 1_000,
            max_identifier: 128,
            max_line: 1_000,
            max_list_items: 1_000,
        }
    }
}

/// A decoded form: the value, and the `api_key` that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted<T> {
    /// What was posted.
    pub value: T,
    /// The `api_key` field, when present and not empty.
    pub api_key: Option<String>,
}

/// Why a form could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("form field `{field}`: {kind}")]
pub struct FormError {
    /// The field, as named in the form (the raw key when it could not be decoded).
    pub field: String,
    /// What is wrong with it.
    pub kind: FormErrorKind,
}

impl FormError {
    pub(crate) fn new(field: impl Into<String>, kind: FormErrorKind) -> Self {
        FormError {
            field: field.into(),
            kind,
        }
    }
}

/// The kinds of [`FormError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormErrorKind {
    /// More pairs than [`FormLimits::max_pairs`].
    TooManyPairs(usize),
    /// More comma-separated items than [`FormLimits::max_list_items`].
    TooManyItems(usize),
    /// A `%` not followed by two hex digits.
    MalformedEscape,
    /// The decoded bytes are not UTF-8.
    InvalidUtf8,
    /// A required field is absent or empty.
    Missing,
    /// A field that takes one value was given twice.
    Duplicate,
    /// Longer than the limit, in characters.
    TooLong(usize),
    /// Holds a control character (a line break, in a single-line field).
    ControlCharacter,
    /// Not a finite decimal number.
    InvalidNumber,
    /// Not a W3C datetime with an offset.
    InvalidDatetime,
    /// An `attribute[...]` key of none of the known forms.
    InvalidAttributeKey,
    /// One attribute given in more than one form, or twice at the same index.
    MixedAttributeForms,
    /// Not one of the values the field takes.
    InvalidValue,
}

impl fmt::Display for FormErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormErrorKind::TooManyPairs(limit) => write!(f, "more than {limit} fields"),
            FormErrorKind::TooManyItems(limit) => write!(f, "more than {limit} items"),
            FormErrorKind::MalformedEscape => f.write_str("malformed percent-escape"),
            FormErrorKind::InvalidUtf8 => f.write_str("not valid UTF-8"),
            FormErrorKind::Missing => f.write_str("required and not given"),
            FormErrorKind::Duplicate => f.write_str("given more than once"),
            FormErrorKind::TooLong(limit) => write!(f, "longer than {limit} characters"),
            FormErrorKind::ControlCharacter => f.write_str("contains a control character"),
            FormErrorKind::InvalidNumber => f.write_str("not a finite number"),
            FormErrorKind::InvalidDatetime => f.write_str("not a W3C datetime with an offset"),
            FormErrorKind::InvalidAttributeKey => f.write_str(
                "not of the form attribute[code], attribute[code][] or attribute[code][n]",
            ),
            FormErrorKind::MixedAttributeForms => f.write_str("values given in more than one form"),
            FormErrorKind::InvalidValue => f.write_str("not an accepted value"),
        }
    }
}

/// Encodes a new service request as a POST body, with `api_key` first when given.
pub fn encode_request(request: &NewServiceRequest, api_key: Option<&str>) -> String {
    let mut out = Encoder::default();
    out.opt("api_key", api_key);
    out.opt(
        "jurisdiction_id",
        request.jurisdiction_id.as_ref().map(JurisdictionId::as_str),
    );
    out.pair("service_code", request.service_code.as_str());
    out.number("lat", request.lat);
    out.number("long", request.long);
    out.opt("address_string", request.address_string.as_deref());
    out.opt("address_id", request.address_id.as_deref());
    out.opt("email", request.email.as_deref());
    out.opt("device_id", request.device_id.as_deref());
    out.opt("account_id", request.account_id.as_deref());
    out.opt("first_name", request.first_name.as_deref());
    out.opt("last_name", request.last_name.as_deref());
    out.opt("phone", request.phone.as_deref());
    out.opt("description", request.description.as_deref());
    out.opt("media_url", request.media_url.as_deref());
    for attribute in &request.attributes {
        out.attribute(attribute);
    }
    for (name, value) in &request.extra {
        out.pair(name, value);
    }
    out.0
}

/// Encodes a new service request update as a POST body, with `api_key` first when given.
pub fn encode_update(update: &NewServiceRequestUpdate, api_key: Option<&str>) -> String {
    let mut out = Encoder::default();
    out.opt("api_key", api_key);
    out.opt(
        "jurisdiction_id",
        update.jurisdiction_id.as_ref().map(JurisdictionId::as_str),
    );
    out.pair("service_request_id", update.service_request_id.as_str());
    out.opt("update_id", update.update_id.as_ref().map(UpdateId::as_str));
    if let Some(updated) = &update.updated_datetime {
        out.pair("updated_datetime", &datetime::format(updated));
    }
    out.opt("status", update.status.as_ref().map(Status::as_str));
    out.opt("description", update.description.as_deref());
    out.opt("media_url", update.media_url.as_deref());
    out.opt("email", update.email.as_deref());
    out.opt("first_name", update.first_name.as_deref());
    out.opt("last_name", update.last_name.as_deref());
    out.opt("account_id", update.account_id.as_deref());
    for (name, value) in &update.extra {
        out.pair(name, value);
    }
    out.0
}

/// Writes `name=value` pairs, form-encoded and joined with `&`.
#[derive(Default)]
pub(crate) struct Encoder(pub(crate) String);

impl Encoder {
    pub(crate) fn pair(&mut self, name: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0
            .extend(url::form_urlencoded::byte_serialize(name.as_bytes()));
        self.0.push('=');
        self.0
            .extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
    }

    /// Writes `name=a,b,c`: each item encoded, the commas left as they are, so that an item
    /// holding a comma travels as `%2C`. Nothing when there are no items.
    pub(crate) fn list<'a>(&mut self, name: &str, items: impl Iterator<Item = &'a str>) {
        let mut first = true;
        for item in items {
            if first {
                if !self.0.is_empty() {
                    self.0.push('&');
                }
                self.0
                    .extend(url::form_urlencoded::byte_serialize(name.as_bytes()));
                self.0.push('=');
                first = false;
            } else {
                self.0.push(',');
            }
            self.0
                .extend(url::form_urlencoded::byte_serialize(item.as_bytes()));
        }
    }

    fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            self.pair(name, value);
        }
    }

    fn number(&mut self, name: &str, value: Option<f64>) {
        if let Some(value) = value.filter(|value| value.is_finite()) {
            self.pair(name, &value.to_string());
        }
    }

    fn attribute(&mut self, attribute: &AttributeInput) {
        let code = attribute.code.as_str();
        for (index, value) in attribute.values.iter().enumerate() {
            let key = match attribute.form {
                AttributeForm::Single | AttributeForm::Repeated => format!("attribute[{code}]"),
                AttributeForm::List => format!("attribute[{code}][]"),
                AttributeForm::Indexed => format!("attribute[{code}][{index}]"),
            };
            self.pair(&key, value);
        }
    }
}

/// Splits a form body or query string into decoded `(name, value)` pairs, in order.
///
/// `+` is a space and `%XX` a byte; the bytes must be UTF-8. Empty pairs (`&&`) are skipped
/// and a pair without `=` has an empty value.
///
/// ```
/// use open311_types::form::{parse_pairs, FormLimits};
///
/// let pairs = parse_pairs(b"a=1+2&b=%C3%A9&c", &FormLimits::default()).unwrap();
/// assert_eq!(pairs, [("a".into(), "1 2".into()), ("b".into(), "é".into()), ("c".into(), "".into())]);
/// assert!(parse_pairs(b"a=%E9", &FormLimits::default()).is_err());
/// ```
///
/// # Errors
///
/// [`FormErrorKind::TooManyPairs`], [`FormErrorKind::MalformedEscape`] and
/// [`FormErrorKind::InvalidUtf8`], naming the field.
pub fn parse_pairs(input: &[u8], limits: &FormLimits) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    for pair in input
        .split(|&byte| byte == b'&')
        .filter(|pair| !pair.is_empty())
    {
        if pairs.len() == limits.max_pairs {
            return Err(FormError::new(
                "",
                FormErrorKind::TooManyPairs(limits.max_pairs),
            ));
        }
        let (raw_name, raw_value) = split_pair(pair);
        let name = percent_decode(raw_name)
            .map_err(|kind| FormError::new(String::from_utf8_lossy(raw_name), kind))?;
        let value = percent_decode(raw_value).map_err(|kind| FormError::new(name.clone(), kind))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Splits `name=value` at the first `=`; without one, the value is empty.
pub(crate) fn split_pair(pair: &[u8]) -> (&[u8], &[u8]) {
    match pair.iter().position(|&byte| byte == b'=') {
        Some(at) => {
            let (name, rest) = pair.split_at(at);
            (name, rest.get(1..).unwrap_or_default())
        }
        None => (pair, &[]),
    }
}

pub(crate) fn percent_decode(raw: &[u8]) -> Result<String, FormErrorKind> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut at = 0;
    while let Some(&byte) = raw.get(at) {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = raw.get(at + 1).and_then(|&digit| hex_value(digit));
                let low = raw.get(at + 2).and_then(|&digit| hex_value(digit));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(FormErrorKind::MalformedEscape);
                };
                bytes.push(high << 4 | low);
                at += 2;
            }
            other => bytes.push(other),
        }
        at += 1;
    }
    String::from_utf8(bytes).map_err(|_| FormErrorKind::InvalidUtf8)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Reads an `attribute[...]` key: the code, and the form it was written in.
///
/// Returns `None` for a key that does not start with `attribute[`, and
/// `Some(Err(..))` for one that does but has none of the known forms.
///
/// ```
/// use open311_types::AttributeForm;
/// use open311_types::form::parse_attribute_key;
///
/// assert_eq!(parse_attribute_key("attribute[WHISPAWN]"), Some(Ok(("WHISPAWN", AttributeForm::Single, None))));
/// assert_eq!(parse_attribute_key("attribute[colors][]"), Some(Ok(("colors", AttributeForm::List, None))));
/// assert_eq!(parse_attribute_key("attribute[colors][1]"), Some(Ok(("colors", AttributeForm::Indexed, Some(1)))));
/// assert!(matches!(parse_attribute_key("attribute[]"), Some(Err(_))));
/// assert_eq!(parse_attribute_key("email"), None);
/// ```
#[allow(
    clippy::type_complexity,
    reason = "a small, documented tuple is clearer here"
)]
pub fn parse_attribute_key(
    key: &str,
) -> Option<Result<(&str, AttributeForm, Option<usize>), FormErrorKind>> {
    let rest = key.strip_prefix("attribute[")?;
    Some(attribute_key_parts(rest).ok_or(FormErrorKind::InvalidAttributeKey))
}

fn attribute_key_parts(rest: &str) -> Option<(&str, AttributeForm, Option<usize>)> {
    let (inner, form, index) = if let Some(inner) = rest.strip_suffix("][]") {
        (inner, AttributeForm::List, None)
    } else if let Some(open) = rest.strip_suffix(']').and_then(|body| body.rfind("][")) {
        let digits = &rest[open + 2..rest.len() - 1];
        match digits.parse::<usize>() {
            Ok(index) if digits.bytes().all(|byte| byte.is_ascii_digit()) => {
                (&rest[..open], AttributeForm::Indexed, Some(index))
            }
            _ => (rest.strip_suffix(']')?, AttributeForm::Single, None),
        }
    } else {
        (rest.strip_suffix(']')?, AttributeForm::Single, None)
    };
    (!inner.is_empty()).then_some((inner, form, index))
}

/// Fields of a POST answer that clients sometimes echo back; ignored, never stored.
const RESPONSE_ONLY: &[&str] = &[
    "service_request_id",
    "token",
    "status",
    "status_notes",
    "service_name",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "zipcode",
];

/// Decodes a POST requests body.
///
/// # Errors
///
/// A [`FormError`] naming the field: a malformed encoding, a missing `service_code`, a field
/// given twice, a number that is not one, a field over its limit or holding a control
/// character, or an `attribute[...]` key of no known form.
pub fn decode_request(
    body: &[u8],
    limits: &FormLimits,
) -> Result<Posted<NewServiceRequest>, FormError> {
    let mut fields = Fields::new(parse_pairs(body, limits)?, limits);
    let api_key = fields.line("api_key")?;
    let mut request = NewServiceRequest::new(
        fields
            .identifier("service_code")?
            .ok_or_else(|| FormError::new("service_code", FormErrorKind::Missing))?,
    );
    request.jurisdiction_id = fields
        .identifier("jurisdiction_id")?
        .map(JurisdictionId::from);
    request.lat = fields.number("lat")?;
    request.long = fields.number("long")?;
    request.address_string = fields.line("address_string")?;
    request.address_id = fields.line("address_id")?;
    request.email = fields.line("email")?;
    request.device_id = fields.line("device_id")?;
    request.account_id = fields.line("account_id")?;
    request.first_name = fields.line("first_name")?;
    request.last_name = fields.line("last_name")?;
    request.phone = fields.line("phone")?;
    request.description = fields.text("description")?;
    request.media_url = fields.line("media_url")?;
    request.attributes = fields.attributes()?;
    request.extra = fields.rest(RESPONSE_ONLY)?;
    Ok(Posted {
        value: request,
        api_key,
    })
}

/// Decodes a POST servicerequestupdates body.
///
/// # Errors
///
/// As [`decode_request`]; `service_request_id` is required, `updated_datetime` must be a W3C
/// datetime with an offset, and `status` an identifier.
pub fn decode_update(
    body: &[u8],
    limits: &FormLimits,
) -> Result<Posted<NewServiceRequestUpdate>, FormError> {
    let mut fields = Fields::new(parse_pairs(body, limits)?, limits);
    let api_key = fields.line("api_key")?;
    let id = fields
        .identifier("service_request_id")?
        .ok_or_else(|| FormError::new("service_request_id", FormErrorKind::Missing))?;
    let mut update = NewServiceRequestUpdate::new(ServiceRequestId::from(id));
    update.jurisdiction_id = fields
        .identifier("jurisdiction_id")?
        .map(JurisdictionId::from);
    update.update_id = fields.identifier("update_id")?.map(UpdateId::from);
    update.updated_datetime = fields.datetime("updated_datetime")?;
    update.status = fields
        .identifier("status")?
        .map(|status| match status.as_str() {
            "open" => Status::Open,
            "closed" => Status::Closed,
            _ => Status::Other(status),
        });
    update.description = fields.text("description")?;
    update.media_url = fields.line("media_url")?;
    update.email = fields.line("email")?;
    update.first_name = fields.line("first_name")?;
    update.last_name = fields.line("last_name")?;
    update.account_id = fields.line("account_id")?;
    update.extra = fields.rest(&[])?;
    Ok(Posted {
        value: update,
        api_key,
    })
}

/// The pairs of a form, taken out field by field.
struct Fields<'l> {
    pairs: Vec<Option<(String, String)>>,
    limits: &'l FormLimits,
}

impl<'l> Fields<'l> {
    fn new(pairs: Vec<(String, String)>, limits: &'l FormLimits) -> Self {
        Fields {
            pairs: pairs.into_iter().map(Some).collect(),
            limits,
        }
    }

    /// Takes the one value of `name`; empty means absent.
    fn take(&mut self, name: &str) -> Result<Option<String>, FormError> {
        let mut found: Option<String> = None;
        for slot in &mut self.pairs {
            if slot.as_ref().is_some_and(|(key, _)| key == name) {
                let Some((_, value)) = slot.take() else {
                    continue;
                };
                if found.is_some() {
                    return Err(FormError::new(name, FormErrorKind::Duplicate));
                }
                found = Some(value);
            }
        }
        Ok(found.filter(|value| !value.is_empty()))
    }

    fn identifier(&mut self, name: &str) -> Result<Option<String>, FormError> {
        let value = self.take(name)?;
        if let Some(value) = &value {
            check_identifier(name, value, self.limits)?;
        }
        Ok(value)
    }

    fn line(&mut self, name: &str) -> Result<Option<String>, FormError> {
        let value = self.take(name)?;
        if let Some(value) = &value {
            check_line(name, value, self.limits.max_line)?;
        }
        Ok(value)
    }

    fn text(&mut self, name: &str) -> Result<Option<String>, FormError> {
        let value = self.take(name)?;
        if let Some(value) = &value {
            check_text(name, value)?;
        }
        Ok(value)
    }

    fn number(&mut self, name: &str) -> Result<Option<f64>, FormError> {
        let Some(value) = self.take(name)? else {
            return Ok(None);
        };
        let trimmed = value.trim_matches(' ');
        if trimmed.is_empty() {
            return Ok(None);
        }
        crate::codec::parse_decimal(trimmed)
            .map(Some)
            .ok_or_else(|| FormError::new(name, FormErrorKind::InvalidNumber))
    }

    fn datetime(&mut self, name: &str) -> Result<Option<Datetime>, FormError> {
        let Some(value) = self.take(name)? else {
            return Ok(None);
        };
        datetime::parse(value.trim_matches(' '))
            .map(Some)
            .map_err(|_| FormError::new(name, FormErrorKind::InvalidDatetime))
    }

    /// Takes every `attribute[...]` pair, grouped by code in the order first seen.
    fn attributes(&mut self) -> Result<Vec<AttributeInput>, FormError> {
        let mut attributes: Vec<(AttributeInput, Vec<Option<usize>>)> = Vec::new();
        for slot in &mut self.pairs {
            let parsed = slot.as_ref().and_then(|(key, _)| {
                parse_attribute_key(key)
                    .map(|parsed| parsed.map(|(code, form, index)| (code.to_owned(), form, index)))
            });
            let Some(parsed) = parsed else { continue };
            let Some((key, value)) = slot.take() else {
                continue;
            };
            let (code, form, index) = parsed.map_err(|kind| FormError::new(key.clone(), kind))?;
            let code = code.as_str();
            check_identifier(&key, code, self.limits)?;
            check_text(&key, &value)?;
            match attributes
                .iter_mut()
                .find(|(attribute, _)| attribute.code == *code)
            {
                None => attributes.push((
                    AttributeInput {
                        code: AttributeCode::from(code),
                        values: vec![value],
                        form,
                    },
                    vec![index],
                )),
                Some((attribute, indexes)) => {
                    attribute.form = match (attribute.form, form) {
                        (
                            AttributeForm::Single | AttributeForm::Repeated,
                            AttributeForm::Single,
                        ) => AttributeForm::Repeated,
                        (AttributeForm::List, AttributeForm::List) => AttributeForm::List,
                        (AttributeForm::Indexed, AttributeForm::Indexed)
                            if !indexes.contains(&index) =>
                        {
                            AttributeForm::Indexed
                        }
                        _ => return Err(FormError::new(key, FormErrorKind::MixedAttributeForms)),
                    };
                    attribute.values.push(value);
                    indexes.push(index);
                }
            }
        }
        Ok(attributes
            .into_iter()
            .map(|(mut attribute, indexes)| {
                if attribute.form == AttributeForm::Indexed {
                    let mut ordered: Vec<(Option<usize>, String)> =
                        indexes.into_iter().zip(attribute.values).collect();
                    ordered.sort_by_key(|(index, _)| *index);
                    attribute.values = ordered.into_iter().map(|(_, value)| value).collect();
                }
                attribute
            })
            .collect())
    }

    /// The pairs not taken, except the `ignored` names, in order.
    fn rest(self, ignored: &[&str]) -> Result<Vec<(String, String)>, FormError> {
        let mut rest = Vec::new();
        for (name, value) in self.pairs.into_iter().flatten() {
            if ignored.contains(&name.as_str()) {
                continue;
            }
            check_identifier(&name, &name, self.limits)?;
            check_text(&name, &value)?;
            rest.push((name, value));
        }
        Ok(rest)
    }
}

pub(crate) fn check_identifier(
    field: &str,
    value: &str,
    limits: &FormLimits,
) -> Result<(), FormError> {
    check_line(field, value, limits.max_identifier)
}

fn check_line(field: &str, value: &str, limit: usize) -> Result<(), FormError> {
    if value.chars().any(char::is_control) {
        return Err(FormError::new(field, FormErrorKind::ControlCharacter));
    }
    if value.chars().count() > limit {
        return Err(FormError::new(field, FormErrorKind::TooLong(limit)));
    }
    Ok(())
}

/// Multi-line text: line breaks and tabs are allowed, other control characters are not.
fn check_text(field: &str, value: &str) -> Result<(), FormError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FormError::new(field, FormErrorKind::ControlCharacter));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> Result<NewServiceRequest, FormError> {
        decode_request(body.as_bytes(), &FormLimits::default()).map(|posted| posted.value)
    }

    #[test]
    fn spec_example_body() {
        let body = "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078\
            &long=-122.4212043&address_string=1234+5th+street&email=smit333%40sfgov.edu\
            &device_id=tt222111&account_id=123456&first_name=john&last_name=smith\
            &phone=111111111&description=A+large+sinkhole+is+destroying+the+street\
            &media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg\
            &attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001";
        let posted = decode_request(body.as_bytes(), &FormLimits::default()).unwrap();
        let request = posted.value;
        assert_eq!(posted.api_key.as_deref(), Some("xyz"));
        assert_eq!(request.service_code, "001");
        assert_eq!(request.lat, Some(37.76524078));
        assert_eq!(request.email.as_deref(), Some("smit333@sfgov.edu"));
        assert_eq!(request.attributes.len(), 2);
        assert_eq!(request.attribute("WHISDORN").unwrap().values, ["COISL001"]);
    }

    #[test]
    fn multivalue_forms() {
        let list = decode("service_code=1&attribute[c][]=a&attribute[c][]=b").unwrap();
        assert_eq!(list.attributes[0].form, AttributeForm::List);
        assert_eq!(list.attributes[0].values, ["a", "b"]);
        let repeated = decode("service_code=1&attribute[c]=a&attribute[c]=b").unwrap();
        assert_eq!(repeated.attributes[0].form, AttributeForm::Repeated);
        let indexed = decode("service_code=1&attribute[c][1]=b&attribute[c][0]=a").unwrap();
        assert_eq!(indexed.attributes[0].form, AttributeForm::Indexed);
        assert_eq!(indexed.attributes[0].values, ["a", "b"]);
        let mixed = decode("service_code=1&attribute[c]=a&attribute[c][]=b").unwrap_err();
        assert_eq!(mixed.kind, FormErrorKind::MixedAttributeForms);
    }

    #[test]
    fn empty_optional_fields_are_absent() {
        let request = decode("service_code=1&jurisdiction_id=&email=&lat=").unwrap();
        assert_eq!(request.jurisdiction_id, None);
        assert_eq!(request.email, None);
        assert_eq!(request.lat, None);
    }

    #[test]
    fn numbers_are_trimmed_and_finite() {
        assert_eq!(decode("service_code=1&lat=+37.5+").unwrap().lat, Some(37.5));
        for bad in ["NaN", "inf", "-infinity", "1e999", "abc", "0x10"] {
            let error = decode(&format!("service_code=1&lat={bad}")).unwrap_err();
            assert_eq!(
                error,
                FormError::new("lat", FormErrorKind::InvalidNumber),
                "{bad}"
            );
        }
    }

    #[test]
    fn encoding_errors_are_refused() {
        assert_eq!(
            decode("service_code=%ZZ").unwrap_err().kind,
            FormErrorKind::MalformedEscape
        );
        assert_eq!(
            decode("service_code=%E9").unwrap_err().kind,
            FormErrorKind::InvalidUtf8
        );
        assert_eq!(
            decode("service_code=1%").unwrap_err().kind,
            FormErrorKind::MalformedEscape
        );
    }

    #[test]
    fn limits_are_enforced() {
        let many = "a=1&".repeat(1_001);
        assert!(matches!(
            decode(&many).unwrap_err().kind,
            FormErrorKind::TooManyPairs(1_000)
        ));
        let long_code = format!("service_code={}", "x".repeat(129));
        assert_eq!(
            decode(&long_code).unwrap_err().kind,
            FormErrorKind::TooLong(128)
        );
        let newline = decode("service_code=1&email=a%0Ab").unwrap_err();
        assert_eq!(
            newline,
            FormError::new("email", FormErrorKind::ControlCharacter)
        );
        assert!(decode("service_code=1&description=line%0Aline").is_ok());
        assert_eq!(
            decode("lat=1").unwrap_err(),
            FormError::new("service_code", FormErrorKind::Missing)
        );
        assert_eq!(
            decode("service_code=1&service_code=2").unwrap_err().kind,
            FormErrorKind::Duplicate
        );
    }

    #[test]
    fn response_only_fields_are_ignored_and_others_kept() {
        let request = decode("service_code=1&status=closed&token=t&title=Hello").unwrap();
        assert_eq!(request.extra, [("title".to_owned(), "Hello".to_owned())]);
    }
}
