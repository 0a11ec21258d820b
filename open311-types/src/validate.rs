//! Checks a posted service request against the spec and against its service definition.
//!
//! [`request`] applies the spec's rules and the definition's, and reports every failure at
//! once, each naming the field (`lat`, `description`, `attribute[WHISHETN]`...):
//!
//! - a location: `lat` and `long` together and in range (±90, ±180), or `address_string`,
//!   or `address_id`;
//! - `description` of at most 4,000 characters (Unicode scalar values);
//! - every attribute that is variable and required answered;
//! - no answer to an attribute that is not variable, unless it is `automated` (mySociety's
//!   mark for attributes a client fills in itself, such as `fixmystreet_id`), and no answer
//!   to an attribute the definition does not have;
//! - each answer of its datatype: `string` without line breaks, `number` a finite decimal,
//!   `datetime` a W3C datetime with an offset, `text` anything, `singlevaluelist` one key of
//!   `values`, `multivaluelist` keys of `values`;
//! - several values only for a `multivaluelist`. The indexed form `attribute[code][0]` and a
//!   comma-joined value (`a,b`) are read as several values only there; elsewhere the indexed
//!   form is refused and a comma is part of the value.
//!
//! [`normalize`] then splits comma-joined multivaluelist answers so that the backend sees the
//! spec's list form. An empty answer is the same as no answer.
//!
//! ```
//! use open311_types::{Attribute, AttributeInput, Datatype, NewServiceRequest, ServiceDefinition};
//! use open311_types::validate::{self, ValidationErrorKind};
//!
//! let mut definition = ServiceDefinition::new("DMV66");
//! let mut make = Attribute::new("WHISHETN", Datatype::Number);
//! make.required = Some(true);
//! definition.attributes.push(make);
//!
//! let mut request = NewServiceRequest::new("DMV66");
//! request.address_string = Some("8TH AVE and JUDAH ST".into());
//! request.attributes.push(AttributeInput::single("WHISHETN", "twelve"));
//! let errors = validate::request(&request, Some(&definition)).unwrap_err();
//! assert_eq!(errors.0[0].field, "attribute[WHISHETN]");
//! assert_eq!(errors.0[0].kind, ValidationErrorKind::NotANumber);
//! ```

use std::fmt;

use crate::codec::parse_decimal;
use crate::datetime;
use crate::definition::{Attribute, Datatype, ServiceDefinition};
use crate::request::{AttributeForm, AttributeInput, NewServiceRequest};

/// The most characters a `description` may have.
pub const MAX_DESCRIPTION: usize = 4_000;

/// Every rule a service request breaks; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid service request: ")?;
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// One broken rule, and the field that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {kind}")]
pub struct FieldError {
    /// The field as named in the form: `lat`, `description`, `attribute[code]`, or
    /// `location` when none of the location fields is given.
    pub field: String,
    /// The rule.
    pub kind: ValidationErrorKind,
}

/// The rules of [`request`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationErrorKind {
    /// No `lat`/`long`, `address_string` or `address_id`.
    MissingLocation,
    /// A field the server requires is not given (servers that require more than the spec,
    /// such as an email).
    Missing,
    /// `lat` without `long` or the other way round.
    UnpairedCoordinate,
    /// A coordinate outside ±90 (lat) or ±180 (long).
    OutOfRange,
    /// Longer than the limit, in characters.
    TooLong(usize),
    /// The request's service_code is not the definition's.
    WrongService,
    /// A required attribute has no answer.
    MissingAttribute,
    /// An answer to an attribute the definition does not have.
    UnknownAttribute,
    /// An answer to an attribute that only informs (`variable` false).
    NotVariable,
    /// Several values for an attribute that takes one.
    MultipleValues,
    /// The indexed form for an attribute that is not a multivaluelist.
    NotMultiValue,
    /// A line break in a `string` attribute.
    LineBreak,
    /// A `number` attribute that is not a finite decimal number.
    NotANumber,
    /// A `datetime` attribute that is not a W3C datetime with an offset.
    NotADatetime,
    /// A list attribute's value that is not one of its keys.
    NotInList(String),
}

impl fmt::Display for ValidationErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationErrorKind::MissingLocation => {
                f.write_str("a location is required: lat and long, address_string or address_id")
            }
            ValidationErrorKind::Missing => f.write_str("required by the server and not given"),
            ValidationErrorKind::UnpairedCoordinate => {
                f.write_str("lat and long must be given together")
            }
            ValidationErrorKind::OutOfRange => f.write_str("out of range"),
            ValidationErrorKind::TooLong(limit) => write!(f, "longer than {limit} characters"),
            ValidationErrorKind::WrongService => f.write_str("does not match the definition"),
            ValidationErrorKind::MissingAttribute => f.write_str("required and not given"),
            ValidationErrorKind::UnknownAttribute => {
                f.write_str("not an attribute of this service")
            }
            ValidationErrorKind::NotVariable => f.write_str("not an input of this service"),
            ValidationErrorKind::MultipleValues => f.write_str("takes one value"),
            ValidationErrorKind::NotMultiValue => {
                f.write_str("indexed values are for multivaluelist attributes only")
            }
            ValidationErrorKind::LineBreak => f.write_str("a string may not hold line breaks"),
            ValidationErrorKind::NotANumber => f.write_str("not a number"),
            ValidationErrorKind::NotADatetime => f.write_str("not a W3C datetime with an offset"),
            ValidationErrorKind::NotInList(value) => {
                write!(f, "{value:?} is not one of its values")
            }
        }
    }
}

/// Checks `request` against the spec and, when the service has one, its `definition`.
///
/// # Errors
///
/// [`ValidationErrors`] with every rule broken, each naming its field.
pub fn request(
    request: &NewServiceRequest,
    definition: Option<&ServiceDefinition>,
) -> Result<(), ValidationErrors> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, kind| {
        errors.push(FieldError {
            field: field.to_owned(),
            kind,
        })
    };

    match (request.lat, request.long) {
        (Some(lat), Some(long)) => {
            if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                fail("lat", ValidationErrorKind::OutOfRange);
            }
            if !(long.is_finite() && (-180.0..=180.0).contains(&long)) {
                fail("long", ValidationErrorKind::OutOfRange);
            }
        }
        (Some(_), None) => fail("long", ValidationErrorKind::UnpairedCoordinate),
        (None, Some(_)) => fail("lat", ValidationErrorKind::UnpairedCoordinate),
        (None, None) if request.address_string.is_none() && request.address_id.is_none() => {
            fail("location", ValidationErrorKind::MissingLocation);
        }
        (None, None) => {}
    }
    if let Some(description) = &request.description
        && description.chars().count() > MAX_DESCRIPTION
    {
        fail("description", ValidationErrorKind::TooLong(MAX_DESCRIPTION));
    }
    if let Some(definition) = definition
        && definition.service_code != request.service_code
    {
        fail("service_code", ValidationErrorKind::WrongService);
    }

    let no_attributes: &[Attribute] = &[];
    let attributes = definition.map_or(no_attributes, |definition| &definition.attributes);
    for input in &request.attributes {
        let field = format!("attribute[{}]", input.code);
        let values = answered(input);
        if values.is_empty() {
            continue;
        }
        let Some(attribute) = attributes
            .iter()
            .find(|attribute| attribute.code == input.code)
        else {
            fail(&field, ValidationErrorKind::UnknownAttribute);
            continue;
        };
        if !attribute.is_variable() && attribute.automated.is_none() {
            fail(&field, ValidationErrorKind::NotVariable);
            continue;
        }
        if let Some(kind) = check_values(attribute, input, &values) {
            fail(&field, kind);
        }
    }
    for attribute in attributes {
        let required = attribute.is_required() && attribute.is_variable();
        let answer = request.attribute(attribute.code.as_str());
        if required && answer.is_none_or(|input| answered(input).is_empty()) {
            fail(
                &format!("attribute[{}]", attribute.code),
                ValidationErrorKind::MissingAttribute,
            );
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(errors))
    }
}

/// The non-empty values of an answer.
fn answered(input: &AttributeInput) -> Vec<&str> {
    input
        .values
        .iter()
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .collect()
}

fn check_values(
    attribute: &Attribute,
    input: &AttributeInput,
    values: &[&str],
) -> Option<ValidationErrorKind> {
    let datatype = attribute.datatype.as_ref().unwrap_or(&Datatype::String);
    if *datatype == Datatype::MultiValueList {
        return split_multi(attribute, values)
            .into_iter()
            .find(|value| attribute.value(value).is_none())
            .map(|value| ValidationErrorKind::NotInList(value.to_owned()));
    }
    if input.form == AttributeForm::Indexed {
        return Some(ValidationErrorKind::NotMultiValue);
    }
    let [value] = values else {
        return Some(ValidationErrorKind::MultipleValues);
    };
    match datatype {
        Datatype::String if value.contains(['\n', '\r']) => Some(ValidationErrorKind::LineBreak),
        Datatype::Number if parse_decimal(value.trim_matches(' ')).is_none() => {
            Some(ValidationErrorKind::NotANumber)
        }
        Datatype::Datetime if datetime::parse(value.trim_matches(' ')).is_err() => {
            Some(ValidationErrorKind::NotADatetime)
        }
        Datatype::SingleValueList if attribute.value(value).is_none() => {
            Some(ValidationErrorKind::NotInList((*value).to_owned()))
        }
        _ => None,
    }
}

/// The values of a multivaluelist answer: a single comma-joined value is split, unless the
/// whole of it is one of the keys.
fn split_multi<'v>(attribute: &Attribute, values: &[&'v str]) -> Vec<&'v str> {
    match values {
        [single] if single.contains(',') && attribute.value(single).is_none() => single
            .split(',')
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect(),
        _ => values.to_vec(),
    }
}

/// Rewrites comma-joined multivaluelist answers as lists, and drops empty answers.
///
/// Call it after [`request`] succeeded, so the backend sees one form only.
pub fn normalize(request: &mut NewServiceRequest, definition: &ServiceDefinition) {
    request
        .attributes
        .retain(|input| !answered(input).is_empty());
    for input in &mut request.attributes {
        let Some(attribute) = definition.attribute(input.code.as_str()) else {
            continue;
        };
        if attribute.datatype != Some(Datatype::MultiValueList) {
            continue;
        }
        let values: Vec<String> = split_multi(attribute, &answered(input))
            .into_iter()
            .map(str::to_owned)
            .collect();
        input.values = values;
        input.form = AttributeForm::List;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::AttributeValue;

    fn definition() -> ServiceDefinition {
        let mut definition = ServiceDefinition::new("S1");
        let mut attribute = |code: &str, datatype: Datatype, required: bool| {
            let mut attribute = Attribute::new(code, datatype.clone());
            attribute.required = Some(required);
            if datatype.is_list() {
                attribute.values =
                    vec![AttributeValue::new("a", "A"), AttributeValue::new("b", "B")];
            }
            definition.attributes.push(attribute);
        };
        attribute("str", Datatype::String, true);
        attribute("num", Datatype::Number, false);
        attribute("when", Datatype::Datetime, false);
        attribute("txt", Datatype::Text, false);
        attribute("one", Datatype::SingleValueList, false);
        attribute("many", Datatype::MultiValueList, false);
        let mut info = Attribute::new("info", Datatype::Text);
        info.variable = Some(false);
        definition.attributes.push(info);
        let mut automated = Attribute::new("auto", Datatype::String);
        automated.variable = Some(false);
        automated.automated = Some("server_set".into());
        definition.attributes.push(automated);
        definition
    }

    fn with(attributes: Vec<AttributeInput>) -> NewServiceRequest {
        let mut request = NewServiceRequest::new("S1");
        request.address_id = Some("545483".into());
        request.attributes = attributes;
        if request.attribute("str").is_none() {
            request
                .attributes
                .push(AttributeInput::single("str", "present"));
        }
        request
    }

    fn kinds(request: &NewServiceRequest) -> Vec<(String, ValidationErrorKind)> {
        match super::request(request, Some(&definition())) {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .0
                .into_iter()
                .map(|error| (error.field, error.kind))
                .collect(),
        }
    }

    fn one(field: &str, kind: ValidationErrorKind) -> Vec<(String, ValidationErrorKind)> {
        vec![(field.to_owned(), kind)]
    }

    #[test]
    fn each_datatype_accepts_and_rejects() {
        use ValidationErrorKind::*;
        let cases: Vec<(AttributeInput, Option<ValidationErrorKind>)> = vec![
            (AttributeInput::single("str", "one line"), None),
            (AttributeInput::single("str", "two\nlines"), Some(LineBreak)),
            (AttributeInput::single("num", " -12.5 "), None),
            (AttributeInput::single("num", "12,5"), Some(NotANumber)),
            (AttributeInput::single("num", "NaN"), Some(NotANumber)),
            (
                AttributeInput::single("when", "2010-04-14T06:37:38-08:00"),
                None,
            ),
            (
                AttributeInput::single("when", "2010-04-14 06:37:38"),
                Some(NotADatetime),
            ),
            (AttributeInput::single("txt", "two\nlines"), None),
            (AttributeInput::single("one", "a"), None),
            (
                AttributeInput::single("one", "c"),
                Some(NotInList("c".into())),
            ),
            (
                AttributeInput::list("one", ["a", "b"]),
                Some(MultipleValues),
            ),
            (AttributeInput::list("many", ["a", "b"]), None),
            (
                AttributeInput::list("many", ["a", "z"]),
                Some(NotInList("z".into())),
            ),
            (AttributeInput::single("many", "a,b"), None),
            (
                AttributeInput::single("many", "a,z"),
                Some(NotInList("z".into())),
            ),
        ];
        for (input, expected) in cases {
            let field = format!("attribute[{}]", input.code);
            let found = kinds(&with(vec![input.clone()]));
            let expected = expected.map(|kind| one(&field, kind)).unwrap_or_default();
            assert_eq!(found, expected, "{input:?}");
        }
    }

    #[test]
    fn indexed_form_only_for_multivaluelist() {
        let mut indexed = AttributeInput::list("many", ["a", "b"]);
        indexed.form = AttributeForm::Indexed;
        assert_eq!(kinds(&with(vec![indexed.clone()])), []);
        indexed.code = "one".into();
        indexed.values = vec!["a".into()];
        assert_eq!(
            kinds(&with(vec![indexed])),
            one("attribute[one]", ValidationErrorKind::NotMultiValue)
        );
    }

    #[test]
    fn required_unknown_and_informational_attributes() {
        let mut request = with(vec![AttributeInput::single("str", "")]);
        assert_eq!(
            kinds(&request),
            one("attribute[str]", ValidationErrorKind::MissingAttribute)
        );
        request.attributes = vec![
            AttributeInput::single("str", "x"),
            AttributeInput::single("nope", "x"),
            AttributeInput::single("info", "x"),
            AttributeInput::single("auto", "x"),
        ];
        assert_eq!(
            kinds(&request),
            [
                (
                    "attribute[nope]".to_owned(),
                    ValidationErrorKind::UnknownAttribute
                ),
                (
                    "attribute[info]".to_owned(),
                    ValidationErrorKind::NotVariable
                ),
            ]
        );
    }

    #[test]
    fn location_rules() {
        let mut request = with(Vec::new());
        request.address_id = None;
        assert_eq!(
            kinds(&request),
            one("location", ValidationErrorKind::MissingLocation)
        );
        request.lat = Some(37.76);
        assert_eq!(
            kinds(&request),
            one("long", ValidationErrorKind::UnpairedCoordinate)
        );
        request.long = Some(-122.42);
        assert_eq!(kinds(&request), []);
        request.lat = Some(90.5);
        assert_eq!(kinds(&request), one("lat", ValidationErrorKind::OutOfRange));
        request.lat = Some(-90.0);
        request.long = Some(180.01);
        assert_eq!(
            kinds(&request),
            one("long", ValidationErrorKind::OutOfRange)
        );
        request.lat = None;
        request.long = None;
        request.address_string = Some("1234 5th street".into());
        assert_eq!(kinds(&request), []);
    }

    #[test]
    fn description_limit_counts_characters() {
        let mut request = with(Vec::new());
        request.description = Some("é".repeat(MAX_DESCRIPTION));
        assert_eq!(kinds(&request), []);
        request.description = Some("é".repeat(MAX_DESCRIPTION + 1));
        assert_eq!(
            kinds(&request),
            one("description", ValidationErrorKind::TooLong(MAX_DESCRIPTION))
        );
    }

    #[test]
    fn service_without_definition_takes_no_attributes() {
        let mut request = NewServiceRequest::new("S1");
        request.address_string = Some("here".into());
        assert_eq!(super::request(&request, None), Ok(()));
        request.attributes.push(AttributeInput::single("x", "1"));
        assert!(super::request(&request, None).is_err());
    }

    #[test]
    fn normalize_splits_comma_lists() {
        let mut request = with(vec![AttributeInput::single("many", "a, b")]);
        normalize(&mut request, &definition());
        let many = request.attribute("many").unwrap();
        assert_eq!(many.values, ["a", "b"]);
        assert_eq!(many.form, AttributeForm::List);
    }
}
