//! Property tests of the codecs: round trips and robustness.
//!
//! - Every document type, generated within the model's documented invariants, decodes back to
//!   itself from XML and from JSON, strictly, with no deviation beyond the one each value the
//!   spec does not list (an `Other` enumeration value, an error without a code) must report.
//! - Extension names are any text but the empty one and the record's own field names: XML
//!   writes the characters a name cannot hold as `_xHHHH_` escapes and reads them back, and
//!   every element name it writes is an XML 1.0 name.
//! - Richer extensions round-trip in the format that can hold them: nested maps and nulls in
//!   XML; numbers of any precision, booleans, lists, maps and untrimmed text in JSON.
//! - POST bodies (`form::encode_request`/`encode_update`) and GET query strings
//!   (`RequestQuery::to_query_string`) decode back to what was encoded.
//! - No decoder panics, on arbitrary bytes or on XML, JSON and form fragments that get deep
//!   into documents; strict and lenient decoding agree; whatever the lenient decoder accepts
//!   can be written as XML and JSON and read again, and a second XML round trip is stable;
//!   whatever the strict decoder accepts can be written as XML and read again strictly.
//!
//! What the lenient decoder accepted is not re-read strictly: it may hold what strict decoding
//! must refuse (an unlisted enumeration value, an unreadable value kept as an extension under
//! its field's name, an error without a code). Re-encoded documents are read with a deeper
//! nesting limit, as XML nests text one level deeper than JSON does.
//!
//! The bugs these properties once found are kept as regression tests at the end.

use std::collections::HashSet;
use std::fmt::Debug;

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use open311_types::form::{self, FormLimits};
use open311_types::{
    ApiError, Attribute, AttributeForm, AttributeInput, AttributeValue, CreatedServiceRequest,
    CreatedUpdate, Datatype, Datetime, DecodeOptions, Decoded, DeviationKind, Discovery, Document,
    Endpoint, EndpointType, Error, Extension, ExtensionValue, Extensions, Format, GEOREPORT_V2,
    Mode, NewServiceRequest, NewServiceRequestUpdate, RequestQuery, Service, ServiceDefinition,
    ServiceRequest, ServiceRequestUpdate, ServiceType, Status, TokenLookup, datetime, decode,
    encode, json,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Text, identifiers, numbers and datetimes
// ---------------------------------------------------------------------------------------------

/// The configuration of a property: `cases` cases, and no regression file written.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(cases);
    config.failure_persistence = None;
    config
}

/// Characters that stress escaping, trimming and Unicode handling.
const SPECIAL_CHARS: &str = concat!(
    "&<>\"'\n\t\r;#%+=,[]/\\?!- {}:",
    "éßΩж中文😀",
    "\u{a0}\u{2003}\u{3000}\u{2028}\u{feff}\u{fffd}\u{10ffff}",
);

/// Whole texts worth trying as they are.
const TEXT_SAMPLES: &[&str] = &[
    "001",
    "0",
    "-0",
    "1e5",
    "true",
    "null",
    "NaN",
    "&amp;",
    "&#13;",
    "<![CDATA[x]]>",
    "]]>",
    "a\r\nb",
    "a\rb",
    "line 1\nline 2",
    "\u{3000}",
    "\u{a0}",
    "\u{2028}",
    "\u{feff}",
    "Ünïcödé ✓",
    "😀",
    "<script>alert(\"x\")</script>",
    "Tom & Jerry's \"café\"",
];

/// Whether `c` is whitespace to XML, which the XML reader trims.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// One character XML 1.0 can carry: no control character except, when `breaks`, `\n`, `\t`
/// and `\r`.
fn text_char(breaks: bool) -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range(' ', '~'),
        3 => select(SPECIAL_CHARS.chars().collect::<Vec<_>>()),
        1 => any::<char>(),
    ]
    .prop_filter("a character XML 1.0 can carry", move |&c| {
        if matches!(c, '\n' | '\t' | '\r') {
            return breaks;
        }
        !c.is_control() && c != '\u{fffe}' && c != '\u{ffff}'
    })
}

/// Document text: not empty, no XML whitespace at either end.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => vec(text_char(true), 1..24).prop_map(|chars| {
            chars.into_iter().collect::<String>().trim_matches(is_xml_space).to_owned()
        }),
        1 => select(TEXT_SAMPLES).prop_map(str::to_owned),
    ]
    .prop_filter("not empty", |text| !text.is_empty())
}

/// An identifier: any text, numeric-looking ones with leading zeros, 30 digits, hex ids.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text(),
        1 => "0[0-9]{1,3}",
        1 => "[1-9][0-9]{29}",
        1 => "[0-9a-f]{24}",
        1 => any::<u64>().prop_map(|number| number.to_string()),
    ]
}

/// A datetime the W3C profile can write: years 0 to 9999, whole-minute offsets within
/// ±23:59, no leap second; fractions of a second at every precision.
fn datetime() -> impl Strategy<Value = Datetime> {
    let nanos = prop_oneof![
        3 => Just(0u32),
        1 => (0u32..1_000).prop_map(|millis| millis * 1_000_000),
        1 => (0u32..1_000_000).prop_map(|micros| micros * 1_000),
        1 => 0u32..1_000_000_000,
    ];
    let offset_minutes = prop_oneof![
        2 => Just(0i32),
        1 => select(vec![-480, -420, 60, 120, 330, 345, 23 * 60 + 59, -(23 * 60 + 59)]),
        2 => -(23 * 60 + 59)..=(23 * 60 + 59),
    ];
    let year = prop_oneof![4 => 1970i32..2100, 1 => 0i32..=9999, 1 => select(vec![0, 9999])];
    (
        (year, 1u32..=12, 1u32..=31),
        (0u32..24, 0u32..60, 0u32..60, nanos),
        offset_minutes,
    )
        .prop_filter_map(
            "a valid date",
            |((year, month, day), (hour, minute, second, nanos), offset)| {
                let date = NaiveDate::from_ymd_opt(year, month, day)?;
                let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
                let offset = FixedOffset::east_opt(offset * 60)?;
                date.and_time(time).and_local_timezone(offset).single()
            },
        )
}

/// A coordinate within `±limit`: any value at full precision, one in steps of 1e-7 (about a
/// centimetre), or an awkward one.
fn coordinate(limit: f64) -> impl Strategy<Value = f64> {
    let steps = (limit * 1e7) as i64;
    prop_oneof![
        2 => -limit..=limit,
        2 => (-steps..=steps).prop_map(|steps| steps as f64 / 1e7),
        1 => select(
            [
                0.0,
                -0.0,
                1e-7,
                5e-324,
                37.765_240_7,
                -122.421_204_3,
                -11.065_207_084_061_873,
                limit,
                -limit,
            ]
            .into_iter()
            .filter(|value: &f64| value.abs() <= limit)
            .collect::<Vec<_>>()
        ),
    ]
}

/// Any finite number, of any magnitude and precision, with some coordinates.
fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => coordinate(180.0),
        1 => select(vec![5e-324, -11.065_207_084_061_873, 1e300, f64::MAX, f64::MIN_POSITIVE]),
        2 => any::<f64>().prop_filter("finite", |value| value.is_finite()),
    ]
}

// ---------------------------------------------------------------------------------------------
// Enumerations and extensions
// ---------------------------------------------------------------------------------------------

/// A value for an enumeration's `Other`: text no spec value equals in any capitals.
fn other_value(spec: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text(),
        1 => select(vec!["in_progress", "acknowledged", "ÖFFEN", "opened", "Batch job"])
            .prop_map(str::to_owned),
    ]
    .prop_filter("not a spec value", move |text| {
        !spec.iter().any(|value| value.eq_ignore_ascii_case(text))
    })
}

/// A request status, sometimes one the spec does not define.
fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        3 => Just(Status::Open),
        3 => Just(Status::Closed),
        1 => other_value(&["open", "closed"]).prop_map(Status::Other),
    ]
}

/// A service type, sometimes one the spec does not list.
fn service_type() -> impl Strategy<Value = ServiceType> {
    prop_oneof![
        2 => Just(ServiceType::Realtime),
        2 => Just(ServiceType::Batch),
        2 => Just(ServiceType::Blackbox),
        1 => other_value(&["realtime", "batch", "blackbox"]).prop_map(ServiceType::Other),
    ]
}

/// An attribute datatype, sometimes one the spec does not list.
fn datatype() -> impl Strategy<Value = Datatype> {
    let spec = &[
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    ];
    prop_oneof![
        6 => select(vec![
            Datatype::String,
            Datatype::Number,
            Datatype::Datetime,
            Datatype::Text,
            Datatype::SingleValueList,
            Datatype::MultiValueList,
        ]),
        1 => other_value(spec).prop_map(Datatype::Other),
    ]
}

/// An endpoint type, sometimes one the spec does not list.
fn endpoint_type() -> impl Strategy<Value = EndpointType> {
    prop_oneof![
        2 => Just(EndpointType::Production),
        2 => Just(EndpointType::Test),
        1 => other_value(&["production", "test"]).prop_map(EndpointType::Other),
    ]
}

/// Every element and field name the documents define, which an extension must not use.
const KNOWN_NAMES: &[&str] = &[
    "account_id",
    "address",
    "address_id",
    "agency_responsible",
    "attribute",
    "attributes",
    "automated",
    "changeset",
    "code",
    "contact",
    "datatype",
    "datatype_description",
    "description",
    "discovery",
    "endpoint",
    "endpoints",
    "error",
    "errors",
    "expected_datetime",
    "external_status_code",
    "format",
    "formats",
    "group",
    "groups",
    "key",
    "key_service",
    "keywords",
    "lat",
    "long",
    "media_url",
    "metadata",
    "name",
    "order",
    "request",
    "request_update",
    "requested_datetime",
    "required",
    "service",
    "service_code",
    "service_definition",
    "service_name",
    "service_notice",
    "service_request_id",
    "service_request_updates",
    "service_requests",
    "services",
    "specification",
    "status",
    "status_notes",
    "token",
    "type",
    "update_id",
    "updated_datetime",
    "url",
    "value",
    "values",
    "variable",
    "zipcode",
];

/// The fields of each record, which an extension of that record must not be named after.
const SERVICE_FIELDS: &[&str] = &[
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
    "groups",
];
const DEFINITION_FIELDS: &[&str] = &["service_code", "attributes", "attribute"];
const ATTRIBUTE_FIELDS: &[&str] = &[
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
    "automated",
];
const ATTRIBUTE_VALUE_FIELDS: &[&str] = &["key", "name"];
const SERVICE_REQUEST_FIELDS: &[&str] = &[
    "service_request_id",
    "token",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];
const CREATED_REQUEST_FIELDS: &[&str] = &[
    "service_request_id",
    "token",
    "service_notice",
    "account_id",
];
const TOKEN_LOOKUP_FIELDS: &[&str] = &["service_request_id", "token"];
const ERROR_FIELDS: &[&str] = &["code", "description"];
const DISCOVERY_FIELDS: &[&str] = &["changeset", "contact", "key_service", "endpoints"];
const ENDPOINT_FIELDS: &[&str] = &["specification", "url", "changeset", "type", "formats"];
const UPDATE_RECORD_FIELDS: &[&str] = &[
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
];
const CREATED_UPDATE_FIELDS: &[&str] = &["update_id"];

/// Names that stress the XML writer's escapes: characters an XML name cannot hold anywhere or
/// first, `:`, text that looks like an escape, and names that once became spec fields.
const AWKWARD_NAMES: &[&str] = &[
    "service code",
    "service-code",
    "service:code",
    "µg",
    "pm²",
    "ªb",
    "1st",
    "-x",
    ".x",
    "·x",
    "x·y",
    "_",
    "__",
    "_x",
    "_x0041_",
    "_x0041",
    "_x0000_",
    "_x0001F600_",
    "_x005F_",
    "a_x0020_b",
    "_X0041_",
    "xsi:nil",
    "xml",
    " ",
    "\u{3000}",
    "a\nb",
    "\u{0}",
    "😀",
    "名前",
    "détail",
    "notes",
    "extended_attributes",
];

/// An extension name: any text but the empty one, which XML writes as `_`; often one XML must
/// escape, sometimes a name the spec uses (which only a record without that field may use).
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z_][a-zA-Z0-9_.-]{0,10}",
        2 => select(AWKWARD_NAMES).prop_map(str::to_owned),
        2 => select(KNOWN_NAMES).prop_map(str::to_owned),
        2 => vec(text_char(true), 1..12).prop_map(String::from_iter),
        2 => any::<String>(),
    ]
    .prop_filter("not empty", |name| !name.is_empty())
}

/// An extension name for a record with the given fields.
fn extension_name(fields: &'static [&'static str]) -> impl Strategy<Value = String> {
    any_name().prop_filter("not a field of the record", move |name| {
        !fields.contains(&name.as_str())
    })
}

/// Extensions from `entries`, keeping the first of each name.
fn distinct(entries: Vec<(String, ExtensionValue)>) -> Extensions {
    let mut seen = HashSet::new();
    let mut extensions = Extensions::new();
    for (name, value) in entries {
        if seen.insert(name.clone()) {
            extensions.push(name, value);
        }
    }
    extensions
}

/// Text extensions with distinct names, of a record with the given fields, which both formats
/// carry unchanged.
fn text_extensions(fields: &'static [&'static str]) -> impl Strategy<Value = Extensions> {
    vec(
        (
            extension_name(fields),
            text().prop_map(ExtensionValue::Text),
        ),
        0..3,
    )
    .prop_map(distinct)
}

/// An extension value XML carries unchanged: a null, a text, or a non-empty map of those,
/// names repeating freely.
fn xml_extension_value() -> impl Strategy<Value = ExtensionValue> {
    let leaf = prop_oneof![
        1 => Just(ExtensionValue::Null),
        3 => text().prop_map(ExtensionValue::Text),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        vec((any_name(), inner), 1..4).prop_map(|entries| {
            ExtensionValue::Map(
                entries
                    .into_iter()
                    .map(|(name, value)| Extension { name, value })
                    .collect(),
            )
        })
    })
}

/// Extensions XML carries unchanged, of a service request; top-level names may repeat.
fn xml_extensions() -> impl Strategy<Value = Extensions> {
    vec(
        (
            extension_name(SERVICE_REQUEST_FIELDS),
            xml_extension_value(),
        ),
        0..4,
    )
    .prop_map(|entries| {
        let mut extensions = Extensions::new();
        for (name, value) in entries {
            extensions.push(name, value);
        }
        extensions
    })
}

/// A JSON number: an integer of either sign or a finite float of any precision.
fn json_number() -> impl Strategy<Value = serde_json::Number> {
    prop_oneof![
        any::<i64>().prop_map(serde_json::Number::from),
        any::<u64>().prop_map(serde_json::Number::from),
        finite().prop_filter_map("finite", serde_json::Number::from_f64),
    ]
}

/// An extension value JSON carries unchanged: any scalar, any string, lists, and maps with
/// distinct keys.
fn json_extension_value() -> impl Strategy<Value = ExtensionValue> {
    let leaf = prop_oneof![
        Just(ExtensionValue::Null),
        any::<bool>().prop_map(ExtensionValue::Bool),
        json_number().prop_map(ExtensionValue::Number),
        any::<String>().prop_map(ExtensionValue::Text),
        text().prop_map(ExtensionValue::Text),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(ExtensionValue::List),
            vec((any::<String>(), inner), 0..4).prop_map(|entries| {
                let mut seen = HashSet::new();
                ExtensionValue::Map(
                    entries
                        .into_iter()
                        .filter(|(name, _)| seen.insert(name.clone()))
                        .map(|(name, value)| Extension { name, value })
                        .collect(),
                )
            }),
        ]
    })
}

/// Extensions JSON carries unchanged, of a service request: distinct names, any but the
/// empty one and the request's fields.
fn json_extensions() -> impl Strategy<Value = Extensions> {
    vec(
        (
            extension_name(SERVICE_REQUEST_FIELDS),
            json_extension_value(),
        ),
        0..4,
    )
    .prop_map(distinct)
}

// ---------------------------------------------------------------------------------------------
// Records and documents
// ---------------------------------------------------------------------------------------------

/// A service.
fn service() -> impl Strategy<Value = Service> {
    (
        (id(), option::of(text()), option::of(text())),
        (option::of(any::<bool>()), option::of(service_type())),
        (option::of(text()), option::of(text()), vec(text(), 0..3)),
        text_extensions(SERVICE_FIELDS),
    )
        .prop_map(
            |((code, name, description), (metadata, kind), (keywords, group, groups), ext)| {
                let mut service = Service::new(code, "");
                service.service_name = name;
                service.description = description;
                service.metadata = metadata;
                service.service_type = kind;
                service.keywords = keywords;
                service.group = group;
                service.groups = groups;
                service.extensions = ext;
                service
            },
        )
}

/// One choice of a list attribute.
fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    (
        id(),
        option::of(text()),
        text_extensions(ATTRIBUTE_VALUE_FIELDS),
    )
        .prop_map(|(key, name, extensions)| {
            let mut value = AttributeValue::new(key, "");
            value.name = name;
            value.extensions = extensions;
            value
        })
}

/// One attribute of a service definition.
fn attribute() -> impl Strategy<Value = Attribute> {
    (
        (id(), option::of(any::<bool>()), option::of(datatype())),
        (
            option::of(any::<bool>()),
            option::of(text()),
            option::of(any::<u32>()),
        ),
        (
            option::of(text()),
            vec(attribute_value(), 0..3),
            option::of(text()),
        ),
        text_extensions(ATTRIBUTE_FIELDS),
    )
        .prop_map(
            |(
                (code, variable, datatype),
                (required, datatype_description, order),
                (description, values, automated),
                extensions,
            )| {
                let mut attribute = Attribute::new(code, Datatype::String);
                attribute.variable = variable;
                attribute.datatype = datatype;
                attribute.required = required;
                attribute.datatype_description = datatype_description;
                attribute.order = order;
                attribute.description = description;
                attribute.values = values;
                attribute.automated = automated;
                attribute.extensions = extensions;
                attribute
            },
        )
}

/// A service definition.
fn service_definition() -> impl Strategy<Value = ServiceDefinition> {
    (
        id(),
        vec(attribute(), 0..4),
        text_extensions(DEFINITION_FIELDS),
    )
        .prop_map(|(code, attributes, extensions)| {
            let mut definition = ServiceDefinition::new(code);
            definition.attributes = attributes;
            definition.extensions = extensions;
            definition
        })
}

/// A service request as GET requests lists it, with the given extensions.
fn service_request_with(
    extensions: impl Strategy<Value = Extensions>,
) -> impl Strategy<Value = ServiceRequest> {
    (
        (
            option::of(id()),
            option::of(id()),
            option::of(status()),
            option::of(text()),
            option::of(text()),
            option::of(id()),
        ),
        (
            option::of(text()),
            option::of(text()),
            option::of(text()),
            option::of(datetime()),
            option::of(datetime()),
            option::of(datetime()),
        ),
        (
            option::of(text()),
            option::of(text()),
            option::of(text()),
            option::of(coordinate(90.0)),
            option::of(coordinate(180.0)),
            option::of(text()),
        ),
        extensions,
    )
        .prop_map(|(first, second, third, extensions)| {
            let (id, token, status, status_notes, service_name, service_code) = first;
            let (description, agency, notice, requested, updated, expected) = second;
            let (address, address_id, zipcode, lat, long, media_url) = third;
            let mut request = ServiceRequest::default();
            request.service_request_id = id.map(Into::into);
            request.token = token.map(Into::into);
            request.status = status;
            request.status_notes = status_notes;
            request.service_name = service_name;
            request.service_code = service_code.map(Into::into);
            request.description = description;
            request.agency_responsible = agency;
            request.service_notice = notice;
            request.requested_datetime = requested;
            request.updated_datetime = updated;
            request.expected_datetime = expected;
            request.address = address;
            request.address_id = address_id;
            request.zipcode = zipcode;
            request.lat = lat;
            request.long = long;
            request.media_url = media_url;
            request.extensions = extensions;
            request
        })
}

/// A service request with text extensions.
fn service_request() -> impl Strategy<Value = ServiceRequest> {
    service_request_with(text_extensions(SERVICE_REQUEST_FIELDS))
}

/// One item of the answer to POST requests.
fn created_request() -> impl Strategy<Value = CreatedServiceRequest> {
    (
        option::of(id()),
        option::of(id()),
        option::of(text()),
        option::of(text()),
        text_extensions(CREATED_REQUEST_FIELDS),
    )
        .prop_map(|(id, token, notice, account, extensions)| {
            let mut created = CreatedServiceRequest::default();
            created.service_request_id = id.map(Into::into);
            created.token = token.map(Into::into);
            created.service_notice = notice;
            created.account_id = account;
            created.extensions = extensions;
            created
        })
}

/// One item of the answer to GET tokens/{token}.
fn token_lookup() -> impl Strategy<Value = TokenLookup> {
    (
        option::of(id()),
        option::of(id()),
        text_extensions(TOKEN_LOOKUP_FIELDS),
    )
        .prop_map(|(id, token, extensions)| {
            let mut lookup = TokenLookup::default();
            lookup.service_request_id = id.map(Into::into);
            lookup.token = token.map(Into::into);
            lookup.extensions = extensions;
            lookup
        })
}

/// An error code: an HTTP status, or any identifier.
fn error_code() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (100u16..600).prop_map(|code| code.to_string()),
        1 => id(),
    ]
}

/// One error of an error document; some have no code.
fn api_error() -> impl Strategy<Value = ApiError> {
    (
        prop_oneof![6 => error_code().prop_map(Some), 1 => Just(None)],
        option::of(text()),
        text_extensions(ERROR_FIELDS),
    )
        .prop_map(|(code, description, extensions)| {
            let mut error = ApiError::default();
            error.code = code;
            error.description = description;
            error.extensions = extensions;
            error
        })
}

/// One endpoint of a discovery document.
fn endpoint() -> impl Strategy<Value = Endpoint> {
    (
        prop_oneof![Just(GEOREPORT_V2.to_owned()), text()],
        prop_oneof![Just("https://city.example/open311/v2".to_owned()), text()],
        option::of(text()),
        option::of(endpoint_type()),
        vec(
            prop_oneof![
                select(vec!["text/xml", "application/json"]).prop_map(str::to_owned),
                text(),
            ],
            0..3,
        ),
        text_extensions(ENDPOINT_FIELDS),
    )
        .prop_map(
            |(specification, url, changeset, kind, formats, extensions)| {
                let mut endpoint = Endpoint::new(specification, url);
                endpoint.changeset = changeset;
                endpoint.endpoint_type = kind;
                endpoint.formats = formats;
                endpoint.extensions = extensions;
                endpoint
            },
        )
}

/// A discovery document.
fn discovery() -> impl Strategy<Value = Discovery> {
    (
        option::of(text()),
        option::of(text()),
        option::of(text()),
        vec(endpoint(), 0..3),
        text_extensions(DISCOVERY_FIELDS),
    )
        .prop_map(|(changeset, contact, key_service, endpoints, extensions)| {
            let mut discovery = Discovery::default();
            discovery.changeset = changeset;
            discovery.contact = contact;
            discovery.key_service = key_service;
            discovery.endpoints = endpoints;
            discovery.extensions = extensions;
            discovery
        })
}

/// One update of GET servicerequestupdates.
fn update() -> impl Strategy<Value = ServiceRequestUpdate> {
    (
        (id(), id(), option::of(status()), option::of(datetime())),
        (option::of(text()), option::of(text()), option::of(text())),
        text_extensions(UPDATE_RECORD_FIELDS),
    )
        .prop_map(
            |((update_id, request_id, status, updated), (description, media, external), ext)| {
                let mut update = ServiceRequestUpdate::new(update_id, request_id);
                update.status = status;
                update.updated_datetime = updated;
                update.description = description;
                update.media_url = media;
                update.external_status_code = external;
                update.extensions = ext;
                update
            },
        )
}

/// One item of the answer to POST servicerequestupdates.
fn created_update() -> impl Strategy<Value = CreatedUpdate> {
    (id(), text_extensions(CREATED_UPDATE_FIELDS)).prop_map(|(update_id, extensions)| {
        let mut created = CreatedUpdate::new(update_id);
        created.extensions = extensions;
        created
    })
}

// ---------------------------------------------------------------------------------------------
// Document round trips
// ---------------------------------------------------------------------------------------------

/// How many deviations decoding a value back must report: one for each enumeration value the
/// spec does not list, and one for each error without a code.
trait Expected {
    /// The number of deviations.
    fn expected(&self) -> usize;
}

impl<T: Expected> Expected for Vec<T> {
    fn expected(&self) -> usize {
        self.iter().map(Expected::expected).sum()
    }
}

impl Expected for Service {
    fn expected(&self) -> usize {
        usize::from(matches!(self.service_type, Some(ServiceType::Other(_))))
    }
}

impl Expected for ServiceDefinition {
    fn expected(&self) -> usize {
        self.attributes
            .iter()
            .filter(|attribute| matches!(attribute.datatype, Some(Datatype::Other(_))))
            .count()
    }
}

impl Expected for ServiceRequest {
    fn expected(&self) -> usize {
        usize::from(matches!(self.status, Some(Status::Other(_))))
    }
}

impl Expected for CreatedServiceRequest {
    fn expected(&self) -> usize {
        0
    }
}

impl Expected for TokenLookup {
    fn expected(&self) -> usize {
        0
    }
}

impl Expected for ApiError {
    fn expected(&self) -> usize {
        usize::from(self.code.is_none())
    }
}

impl Expected for Discovery {
    fn expected(&self) -> usize {
        self.endpoints
            .iter()
            .filter(|endpoint| matches!(endpoint.endpoint_type, Some(EndpointType::Other(_))))
            .count()
    }
}

impl Expected for ServiceRequestUpdate {
    fn expected(&self) -> usize {
        usize::from(matches!(self.status, Some(Status::Other(_))))
    }
}

impl Expected for CreatedUpdate {
    fn expected(&self) -> usize {
        0
    }
}

/// The deviations a generated value may legitimately cause.
fn is_expected_kind(kind: &DeviationKind) -> bool {
    matches!(
        kind,
        DeviationKind::UnknownEnumValue
            | DeviationKind::NonStandardStatus
            | DeviationKind::ErrorShape
    )
}

/// The bytes as text, for failure messages.
fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether `name` is an XML 1.0 (fifth edition) `Name` without a colon.
fn is_xml_name(name: &str) -> bool {
    let start = |c: char| {
        matches!(c, 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
            | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
            | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
            | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
            | '\u{10000}'..='\u{EFFFF}')
    };
    let rest = |c: char| {
        start(c)
            || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}'
                | '\u{203F}'..='\u{2040}')
    };
    let mut chars = name.chars();
    chars.next().is_some_and(start) && chars.all(rest)
}

/// The names of the start, end and empty-element tags of XML the library wrote, which holds
/// no attribute, comment or CDATA section.
fn element_names(xml: &str) -> impl Iterator<Item = &str> {
    let body = xml.split_once("?>").map_or(xml, |(_, body)| body);
    body.split('<').skip(1).map(|tag| {
        tag.trim_start_matches('/')
            .split(['>', '/'])
            .next()
            .unwrap_or_default()
    })
}

/// Encodes `value` in `format` and decodes it back leniently and strictly: every XML element
/// name must be an XML name, the value must be unchanged (and encode to the same bytes, which
/// also compares datetime offsets), lenient decoding must report exactly the expected
/// deviations, and strict decoding must succeed when none are expected and fail with a
/// deviation otherwise.
fn check_round_trip<D>(value: &D, format: Format) -> Result<(), TestCaseError>
where
    D: Document + PartialEq + Debug + Expected,
{
    let bytes = encode(value, format);
    if matches!(format, Format::Xml) {
        let xml = shown(&bytes);
        if let Some(name) = element_names(&xml).find(|name| !is_xml_name(name)) {
            return Err(TestCaseError::fail(format!(
                "<{name}> is not an XML name:\n{xml}"
            )));
        }
    }
    let lenient = decode::<D>(&bytes, format, &DecodeOptions::lenient()).map_err(|error| {
        TestCaseError::fail(format!(
            "{format} lenient decode: {error}\n{}",
            shown(&bytes)
        ))
    })?;
    prop_assert_eq!(
        &lenient.value,
        value,
        "{} document:\n{}",
        format,
        shown(&bytes)
    );
    if matches!(format, Format::Xml) {
        check_reading_paths(&bytes, value)?;
    }
    let again = encode(&lenient.value, format);
    prop_assert!(
        again == bytes,
        "{} re-encoding differs:\n{}\n{}",
        format,
        shown(&bytes),
        shown(&again)
    );
    prop_assert!(
        lenient.deviations.len() == value.expected()
            && lenient
                .deviations
                .iter()
                .all(|deviation| is_expected_kind(&deviation.kind)),
        "{} deviations {:?}, expected {}:\n{}",
        format,
        lenient.deviations,
        value.expected(),
        shown(&bytes)
    );
    let strict = decode::<D>(&bytes, format, &DecodeOptions::strict());
    if value.expected() == 0 {
        let strict = strict.map_err(|error| {
            TestCaseError::fail(format!(
                "{format} strict decode: {error}\n{}",
                shown(&bytes)
            ))
        })?;
        prop_assert!(strict.deviations.is_empty());
        prop_assert_eq!(&strict.value, value);
    } else {
        prop_assert!(
            matches!(strict, Err(Error::Deviation { .. })),
            "{} strict decode of a non-conforming value: {:?}",
            format,
            strict
        );
    }
    Ok(())
}

/// The XML reader takes plain fields straight from the input and everything else event by
/// event. A comment after every tag forces events everywhere, and whitespace between tags
/// makes the direct reading pass over it; neither may change what is read.
fn check_reading_paths<D>(xml: &[u8], value: &D) -> Result<(), TestCaseError>
where
    D: Document + PartialEq + Debug,
{
    let xml = shown(xml);
    let commented = xml.replace('>', "><!---->");
    let indented = xml.replace("><", ">\n  <");
    for variant in [commented, indented] {
        let decoded = decode::<D>(variant.as_bytes(), Format::Xml, &DecodeOptions::lenient())
            .map_err(|error| TestCaseError::fail(format!("{error}\n{variant}")))?;
        prop_assert_eq!(&decoded.value, value, "document:\n{}", variant);
    }
    Ok(())
}

/// [`check_round_trip`] in XML and in JSON.
fn check_both<D>(value: &D) -> Result<(), TestCaseError>
where
    D: Document + PartialEq + Debug + Expected,
{
    check_round_trip(value, Format::Xml)?;
    check_round_trip(value, Format::Json)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn services_round_trip(value in vec(service(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn service_definition_round_trips(value in service_definition()) {
        check_both(&value)?;
    }

    #[test]
    fn requests_round_trip(value in vec(service_request(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn created_requests_round_trip(value in vec(created_request(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn token_lookups_round_trip(value in vec(token_lookup(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn errors_round_trip(value in vec(api_error(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn discovery_round_trips(value in discovery()) {
        check_both(&value)?;
    }

    #[test]
    fn updates_round_trip(value in vec(update(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn created_updates_round_trip(value in vec(created_update(), 0..4)) {
        check_both(&value)?;
    }

    #[test]
    fn nested_extensions_round_trip_in_xml(
        requests in vec(service_request_with(xml_extensions()), 0..3),
    ) {
        check_round_trip(&requests, Format::Xml)?;
    }

    #[test]
    fn rich_extensions_round_trip_in_json(
        requests in vec(service_request_with(json_extensions()), 0..3),
    ) {
        check_round_trip(&requests, Format::Json)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Forms and query strings
// ---------------------------------------------------------------------------------------------

/// A single-line form value: 1 to 40 characters without control characters, spaces allowed
/// at the ends; sometimes exactly the 1,000-character limit.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => vec(text_char(false), 1..40).prop_map(String::from_iter),
        1 => Just("é".repeat(1_000)),
    ]
}

/// A form identifier: 1 to 128 characters without control characters.
fn form_id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => vec(text_char(false), 1..24).prop_map(String::from_iter),
        1 => "0[0-9]{1,3}",
        1 => "[1-9][0-9]{29}",
        1 => Just("ö".repeat(128)),
    ]
}

/// Multi-line form text, possibly empty: no control characters but line breaks and tabs.
fn form_text() -> impl Strategy<Value = String> {
    vec(text_char(true), 0..40).prop_map(String::from_iter)
}

/// An attribute code the form decoder reads back: an identifier without `]`.
fn attribute_code() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => form_id(),
        1 => select(vec!["WHISPAWN", "a[b", "[", "a[", "a b", "%5D", "attribute[x"])
            .prop_map(str::to_owned),
    ]
    .prop_filter("no `]`", |code| !code.contains(']'))
}

/// An answer to one attribute in any of the forms: one value for `Single`, two or more for
/// `Repeated`, one or more (up to 12, so that indexes reach two digits) otherwise.
fn attribute_input() -> impl Strategy<Value = AttributeInput> {
    (
        attribute_code(),
        select(vec![
            AttributeForm::Single,
            AttributeForm::List,
            AttributeForm::Repeated,
            AttributeForm::Indexed,
        ]),
        vec(form_text(), 2..13),
        any::<Index>(),
    )
        .prop_map(|(code, form, mut values, count)| {
            match form {
                AttributeForm::Single => values.truncate(1),
                AttributeForm::Repeated => values.truncate(2 + count.index(values.len() - 1)),
                _ => values.truncate(1 + count.index(values.len())),
            }
            let mut input = AttributeInput::single(code, "");
            input.values = values;
            input.form = form;
            input
        })
}

/// Answers to attributes with distinct codes.
fn attribute_inputs() -> impl Strategy<Value = Vec<AttributeInput>> {
    vec(attribute_input(), 0..4).prop_map(|inputs| {
        let mut seen = HashSet::new();
        inputs
            .into_iter()
            .filter(|input| seen.insert(input.code.clone()))
            .collect()
    })
}

/// Names a POST requests body gives a meaning to, or ignores.
const REQUEST_FIELDS: &[&str] = &[
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
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

/// Names a POST servicerequestupdates body gives a meaning to.
const UPDATE_FIELDS: &[&str] = &[
    "api_key",
    "jurisdiction_id",
    "service_request_id",
    "update_id",
    "updated_datetime",
    "status",
    "description",
    "media_url",
    "email",
    "first_name",
    "last_name",
    "account_id",
];

/// Extra form fields: names that are identifiers outside `reserved` and not `attribute[...]`,
/// with any multi-line text, empty included.
fn extra_fields(reserved: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        2 => form_id(),
        1 => select(vec!["title", "Service_Code", "attribute", "attributes[x]", "api_key "])
            .prop_map(str::to_owned),
    ]
    .prop_filter("not a field of the form", move |name| {
        !reserved.contains(&name.as_str()) && !name.starts_with("attribute[")
    });
    vec((name, form_text()), 0..3)
}

/// A new service request as a client posts it, with an optional api_key.
fn new_request() -> impl Strategy<Value = (NewServiceRequest, Option<String>)> {
    (
        (
            form_id(),
            option::of(form_id()),
            option::of(finite()),
            option::of(finite()),
            option::of(line()),
            option::of(line()),
        ),
        (
            option::of(line()),
            option::of(line()),
            option::of(line()),
            option::of(line()),
            option::of(line()),
            option::of(line()),
        ),
        (
            option::of(form_text().prop_filter("not empty", |text| !text.is_empty())),
            option::of(line()),
            attribute_inputs(),
            extra_fields(REQUEST_FIELDS),
            option::of(line()),
        ),
    )
        .prop_map(|(first, second, third)| {
            let (code, jurisdiction, lat, long, address_string, address_id) = first;
            let (email, device_id, account_id, first_name, last_name, phone) = second;
            let (description, media_url, attributes, extra, api_key) = third;
            let mut request = NewServiceRequest::new(code);
            request.jurisdiction_id = jurisdiction.map(Into::into);
            request.lat = lat;
            request.long = long;
            request.address_string = address_string;
            request.address_id = address_id;
            request.email = email;
            request.device_id = device_id;
            request.account_id = account_id;
            request.first_name = first_name;
            request.last_name = last_name;
            request.phone = phone;
            request.description = description;
            request.media_url = media_url;
            request.attributes = attributes;
            request.extra = extra;
            (request, api_key)
        })
}

/// A new update as a client posts it, with an optional api_key.
fn new_update() -> impl Strategy<Value = (NewServiceRequestUpdate, Option<String>)> {
    let status = prop_oneof![
        Just(Status::Open),
        Just(Status::Closed),
        form_id()
            .prop_filter("not open or closed", |text| {
                !["open", "closed"].contains(&text.as_str())
            })
            .prop_map(Status::Other),
    ];
    (
        (
            form_id(),
            option::of(form_id()),
            option::of(form_id()),
            option::of(datetime()),
            option::of(status),
        ),
        (
            option::of(form_text().prop_filter("not empty", |text| !text.is_empty())),
            option::of(line()),
            option::of(line()),
            option::of(line()),
            option::of(line()),
            option::of(line()),
        ),
        extra_fields(UPDATE_FIELDS),
        option::of(line()),
    )
        .prop_map(|(first, second, extra, api_key)| {
            let (request_id, jurisdiction, update_id, updated, status) = first;
            let (description, media_url, email, first_name, last_name, account_id) = second;
            let mut update = NewServiceRequestUpdate::new(request_id);
            update.jurisdiction_id = jurisdiction.map(Into::into);
            update.update_id = update_id.map(Into::into);
            update.updated_datetime = updated;
            update.status = status;
            update.description = description;
            update.media_url = media_url;
            update.email = email;
            update.first_name = first_name;
            update.last_name = last_name;
            update.account_id = account_id;
            update.extra = extra;
            (update, api_key)
        })
}

/// Names a query string gives a meaning to.
const QUERY_PARAMETERS: &[&str] = &[
    "jurisdiction_id",
    "service_request_id",
    "service_code",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "page",
    "page_size",
    "extensions",
    "api_key",
];

/// One item of a query list: an identifier, commas included, with no space at either end.
fn list_item() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => form_id(),
        1 => select(vec!["a,b", ",", "x,", ",y", "1, 2", "%2C", "+"]).prop_map(str::to_owned),
    ]
    .prop_map(|item| item.trim_matches(' ').to_owned())
    .prop_filter("not empty", |item| !item.is_empty())
}

/// The arguments of GET requests.
fn request_query() -> impl Strategy<Value = RequestQuery> {
    let status = prop_oneof![Just(Status::Open), Just(Status::Closed)];
    let extra_name = prop_oneof![form_id(), any::<String>()].prop_filter(
        "an identifier that is not a parameter",
        |name| {
            !QUERY_PARAMETERS.contains(&name.as_str())
                && !name.chars().any(char::is_control)
                && name.chars().count() <= 128
        },
    );
    (
        (
            option::of(form_id()),
            vec(list_item(), 0..4),
            vec(list_item(), 0..4),
            vec(status, 0..3),
        ),
        (
            option::of(datetime()),
            option::of(datetime()),
            option::of(datetime()),
            option::of(datetime()),
        ),
        (
            option::of(1u32..),
            option::of(1u32..),
            option::of(any::<bool>()),
            vec((extra_name, any::<String>()), 0..3),
        ),
    )
        .prop_map(|(first, dates, last)| {
            let (jurisdiction, ids, codes, statuses) = first;
            let (start, end, after, before) = dates;
            let (page, page_size, extensions, extra) = last;
            let mut query = RequestQuery::default();
            query.jurisdiction_id = jurisdiction.map(Into::into);
            query.service_request_ids = ids.into_iter().map(Into::into).collect();
            query.service_codes = codes.into_iter().map(Into::into).collect();
            query.statuses = statuses;
            query.start_date = start;
            query.end_date = end;
            query.updated_after = after;
            query.updated_before = before;
            query.page = page;
            query.page_size = page_size;
            query.extensions = extensions;
            query.extra = extra;
            query
        })
}

/// Formats the datetimes of an update, which `PartialEq` compares without their offsets.
fn update_datetime(update: &NewServiceRequestUpdate) -> Option<String> {
    update.updated_datetime.as_ref().map(datetime::format)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn request_forms_round_trip((request, api_key) in new_request()) {
        let body = form::encode_request(&request, api_key.as_deref());
        let posted = form::decode_request(body.as_bytes(), &FormLimits::default())
            .map_err(|error| TestCaseError::fail(format!("{error}\n{body}")))?;
        prop_assert_eq!(&posted.value, &request, "{}", body);
        prop_assert_eq!(posted.api_key, api_key, "{}", body);
    }

    #[test]
    fn update_forms_round_trip((update, api_key) in new_update()) {
        let body = form::encode_update(&update, api_key.as_deref());
        let posted = form::decode_update(body.as_bytes(), &FormLimits::default())
            .map_err(|error| TestCaseError::fail(format!("{error}\n{body}")))?;
        prop_assert_eq!(&posted.value, &update, "{}", body);
        prop_assert_eq!(update_datetime(&posted.value), update_datetime(&update));
        prop_assert_eq!(posted.api_key, api_key, "{}", body);
    }

    #[test]
    fn query_strings_round_trip(query in request_query()) {
        let text = query.to_query_string();
        let parsed = RequestQuery::parse(text.as_bytes(), &FormLimits::default())
            .map_err(|error| TestCaseError::fail(format!("{error}\n{text}")))?;
        prop_assert_eq!(&parsed, &query, "{}", text);
        prop_assert_eq!(parsed.to_query_string(), text);
    }

    #[test]
    fn datetimes_round_trip(value in datetime()) {
        let text = datetime::format(&value);
        let parsed = datetime::parse(&text)
            .map_err(|error| TestCaseError::fail(format!("{error}")))?;
        prop_assert_eq!(parsed, value);
        prop_assert_eq!(datetime::format(&parsed), text);
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness: arbitrary and damaged input
// ---------------------------------------------------------------------------------------------

/// Element names for generated XML: every name the documents use, and others, some with
/// escapes (`_x0031_st`, also ones XML does not need, such as `_x0073_ervice_code`).
fn fuzz_element_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(KNOWN_NAMES).prop_map(str::to_owned),
        1 => select(vec![
            "requests",
            "tokens",
            "service_requests_updates",
            "notes",
            "extended_attributes",
            "x",
            "a:status",
            "xsi:nil",
            "é",
            "µg",
            "service_x0020_code",
            "_x0031_st",
            "_x006E_otes",
            "_x0065_xtended_attributes",
            "_x005F_x0041_",
            "_x0041",
            "_xD800_",
            "_x0073_ervice_code",
            "_x0073_tatus",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Pieces of XML text content and markup.
const XML_TOKENS: &[&str] = &[
    "001",
    "1",
    "0",
    "true",
    "FALSE",
    "open",
    "Closed",
    "realtime",
    "multivaluelist",
    "production",
    "37.76",
    "-1e3",
    "NaN",
    "4294967296",
    "2010-04-14T06:37:38-08:00",
    "2010-04-14 06:37",
    "2011-09-1T17:35:00+0200",
    "http://wiki.open311.org/GeoReport_v2",
    "text/xml",
    "&amp;",
    "&lt;",
    "&#13;",
    "&#0;",
    "&#xD800;",
    "&#x1F600;",
    "&bogus;",
    "&",
    "<",
    ">",
    "<![CDATA[a<b]]>",
    "<!-- c -->",
    "<?pi x?>",
    "<!DOCTYPE x>",
    "<x/>",
    "<nil xsi:nil=\"true\"/>",
    "</",
    " ",
    "\n",
    "\r\n",
    "\t",
    "é",
    "\u{feff}",
    "]]>",
];

/// Attributes for generated XML start tags.
const XML_ATTRIBUTES: &[&str] = &[
    "",
    "",
    "",
    " type=\"array\"",
    " xsi:nil=\"true\"",
    " nil=\"1\"",
    " xmlns=\"urn:x\"",
    " xmlns:a=\"urn:a\"",
    " a='1'",
    " bad",
    " x=\"&bogus;\"",
];

/// An XML fragment: markup pieces, text, and elements named as the documents name them.
fn xml_fragment() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        2 => select(XML_TOKENS).prop_map(str::to_owned),
        1 => text(),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        (
            fuzz_element_name(),
            select(XML_ATTRIBUTES),
            vec(inner, 0..6),
        )
            .prop_map(|(name, attributes, children)| {
                format!("<{name}{attributes}>{}</{name}>", children.concat())
            })
    })
}

/// An XML document of generated fragments, with or without a declaration.
fn xml_document() -> impl Strategy<Value = Vec<u8>> {
    (
        select(vec![
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "",
            "\u{feff}<?xml version=\"1.0\"?>",
            " <?xml version=\"1.0\"?>",
        ]),
        fuzz_element_name(),
        vec(xml_fragment(), 0..5),
    )
        .prop_map(|(declaration, root, children)| {
            format!("{declaration}<{root}>{}</{root}>", children.concat()).into_bytes()
        })
}

/// JSON object keys: every name the documents use, names XML must escape, and any text.
fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(KNOWN_NAMES).prop_map(str::to_owned),
        1 => select(vec!["requests", "notes", "", "x", "é"]).prop_map(str::to_owned),
        1 => select(AWKWARD_NAMES).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Pieces of JSON scalars.
const JSON_TOKENS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "1",
    "-0",
    "001",
    "1.5",
    "-1e3",
    "1e400",
    "4294967296",
    "9007199254740993",
    "18446744073709551616",
    "\"\"",
    "\" \"",
    "\"open\"",
    "\"OPEN\"",
    "\"realtime\"",
    "\"true\"",
    "\"1\"",
    "\"37.76\"",
    "\"2010-04-14T06:37:38-08:00\"",
    "\"2010-04-14 06:37\"",
    "\"http://wiki.open311.org/GeoReport_v2\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\udc00\"",
    "\"\\ud83d\\ude00 caf\\u00e9 \\/ \\\" \\\\ \\b\\f\\n\\r\\t\"",
    "\"\\u004Fpen\"",
    "\"\\x\"",
    " \n\t\r",
    "[]",
    "{}",
];

/// A JSON value: scalars, strings, and arrays and objects keyed as the documents are.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => select(JSON_TOKENS).prop_map(str::to_owned),
        1 => text().prop_map(|text| serde_json::Value::String(text).to_string()),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|items| format!("[{}]", items.join(","))),
            vec((json_key(), inner), 0..8).prop_map(|entries| {
                let entries: Vec<String> = entries
                    .into_iter()
                    .map(|(key, value)| format!("{}:{value}", serde_json::Value::String(key)))
                    .collect();
                format!("{{{}}}", entries.join(","))
            }),
        ]
    })
}

/// One way to damage a document.
#[derive(Debug, Clone)]
enum Edit {
    /// Inserts a piece of markup.
    Insert(&'static str),
    /// Inserts one byte, which may break UTF-8.
    Byte(u8),
    /// Deletes up to this many bytes.
    Delete(usize),
    /// Cuts the document short.
    Truncate,
    /// Writes the first letter of the next element's name, in its start tag and the end tag
    /// that follows, as an `_xHHHH_` escape, which XML does not need.
    Escape,
}

/// A damaging edit at some position.
fn edit() -> impl Strategy<Value = (Index, Edit)> {
    let edit = prop_oneof![
        3 => select(XML_TOKENS).prop_map(Edit::Insert),
        2 => select(JSON_TOKENS).prop_map(Edit::Insert),
        1 => select(vec![",", ":", "{", "}", "[", "]", "\"", "<a>", "</a>", "<", "/>"])
            .prop_map(Edit::Insert),
        1 => any::<u8>().prop_map(Edit::Byte),
        2 => (1usize..8).prop_map(Edit::Delete),
        1 => Just(Edit::Truncate),
        2 => Just(Edit::Escape),
    ];
    (any::<Index>(), edit)
}

/// Applies `edits` to `bytes`, each at its position.
fn damage(mut bytes: Vec<u8>, edits: &[(Index, Edit)]) -> Vec<u8> {
    for (at, edit) in edits {
        let at = at.index(bytes.len() + 1);
        match edit {
            Edit::Insert(piece) => {
                bytes.splice(at..at, piece.bytes());
            }
            Edit::Byte(byte) => bytes.insert(at, *byte),
            Edit::Delete(count) => {
                let end = (at + count).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Truncate => bytes.truncate(at),
            Edit::Escape => escape_element(&mut bytes, at),
        }
    }
    bytes
}

/// Escapes the first letter of the name of the first element starting at or after `at`, in
/// its start tag and in the first end tag of that name after it; nothing if there is none.
fn escape_element(bytes: &mut Vec<u8>, at: usize) {
    let name_at = |start: usize| {
        let end = bytes[start + 1..]
            .iter()
            .position(|&byte| matches!(byte, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
            .map_or(bytes.len(), |length| start + 1 + length);
        (end, &bytes[start + 1..end])
    };
    let Some(start) = (at..bytes.len().saturating_sub(1))
        .find(|&index| bytes[index] == b'<' && bytes[index + 1].is_ascii_alphabetic())
    else {
        return;
    };
    let (name_end, name) = name_at(start);
    let name = name.to_vec();
    let escape = format!("_x{:04X}_", bytes[start + 1]).into_bytes();
    let end_tag = [b"</".as_slice(), &name, b">"].concat();
    if let Some(end) = bytes[name_end..]
        .windows(end_tag.len())
        .position(|window| window == end_tag.as_slice())
        .map(|offset| name_end + offset + 2)
    {
        bytes.splice(end..=end, escape.iter().copied());
    }
    bytes.splice(start + 1..=start + 1, escape);
}

/// `value` encoded as XML and as JSON.
fn both<D: Document>(value: D) -> [Vec<u8>; 2] {
    [encode(&value, Format::Xml), encode(&value, Format::Json)]
}

/// A generated document of any kind, in either format.
fn valid_document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            vec(service(), 0..3).prop_map(both),
            service_definition().prop_map(both),
            vec(service_request_with(xml_extensions()), 0..3).prop_map(both),
            vec(service_request_with(json_extensions()), 0..2).prop_map(both),
            vec(created_request(), 0..3).prop_map(both),
            vec(token_lookup(), 0..3).prop_map(both),
            vec(api_error(), 0..3).prop_map(both),
            discovery().prop_map(both),
            vec(update(), 0..3).prop_map(both),
            vec(created_update(), 0..3).prop_map(both),
        ],
        any::<bool>(),
    )
        .prop_map(|([xml, json], pick_xml)| if pick_xml { xml } else { json })
}

/// Input that gets deep into the decoders: generated XML and JSON, and valid documents of
/// every kind, each possibly damaged.
fn deep_input() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            2 => xml_document(),
            2 => json_value().prop_map(String::into_bytes),
            3 => valid_document(),
        ],
        prop_oneof![2 => Just(Vec::new()), 1 => vec(edit(), 1..4)],
    )
        .prop_map(|(bytes, edits)| damage(bytes, &edits))
}

/// Decoding options with small limits, to reach the limit checks.
fn tight() -> DecodeOptions {
    DecodeOptions::lenient()
        .with_max_depth(4)
        .with_max_size(512)
}

/// Options for reading a re-encoded document: XML nests one level deeper than JSON (a text
/// leaf is an element), and a single item or unwrapped attributes gain a wrapper.
fn roomy(options: DecodeOptions) -> DecodeOptions {
    options.with_max_depth(64)
}

/// Decodes `input` as `D` in `format` every way, and checks what the decoders promise:
/// no panic; strict succeeds exactly when lenient succeeds without deviations, with the same
/// value, and otherwise fails at lenient's first deviation; a lenient result can be written
/// as XML and JSON and read back, the second XML round trip writes the same bytes, and the
/// JSON one the same JSON; a strict result written as XML reads back strictly.
fn check_decoder<D>(input: &[u8], format: Format) -> Result<(), TestCaseError>
where
    D: Document + PartialEq + Debug,
{
    if format == Format::Json {
        check_json_readers::<D>(input)?;
    }
    let _ = decode::<D>(input, format, &tight());
    let _ = decode::<D>(input, format, &tight().with_mode(Mode::Strict));
    let lenient = decode::<D>(input, format, &DecodeOptions::lenient());
    let strict = decode::<D>(input, format, &DecodeOptions::strict());
    match (&lenient, &strict) {
        (Ok(lenient), Ok(strict)) => {
            prop_assert!(lenient.deviations.is_empty(), "{:?}", lenient.deviations);
            prop_assert_eq!(&lenient.value, &strict.value);
        }
        (Ok(lenient), Err(Error::Deviation { deviation, .. })) => {
            prop_assert_eq!(lenient.deviations.first(), Some(deviation));
        }
        (Ok(_), Err(error)) => {
            return Err(TestCaseError::fail(format!(
                "lenient decoded, strict failed without a deviation: {error}"
            )));
        }
        (Err(error), Ok(_)) => {
            return Err(TestCaseError::fail(format!(
                "strict decoded what lenient refused: {error}"
            )));
        }
        (Err(_), Err(_)) => {}
    }
    if let Ok(Decoded { value, .. }) = &lenient {
        let xml = encode(value, Format::Xml);
        let read = |bytes: &[u8], format| {
            decode::<D>(bytes, format, &roomy(DecodeOptions::lenient())).map_err(|error| {
                TestCaseError::fail(format!(
                    "re-encoded {format} refused: {error}\n{}\nfrom {format} input\n{}",
                    shown(bytes),
                    shown(input)
                ))
            })
        };
        let second = read(&xml, Format::Xml)?.value;
        let xml2 = encode(&second, Format::Xml);
        let third = read(&xml2, Format::Xml)?.value;
        let xml3 = encode(&third, Format::Xml);
        prop_assert!(
            xml3 == xml2,
            "XML round trip unstable:\n{}\n{}",
            shown(&xml2),
            shown(&xml3)
        );
        let json = encode(value, Format::Json);
        let json2 = encode(&read(&json, Format::Json)?.value, Format::Json);
        prop_assert!(
            json2 == json,
            "JSON round trip unstable:\n{}\n{}",
            shown(&json),
            shown(&json2)
        );
    }
    if let Ok(Decoded { value, .. }) = &strict {
        let xml = encode(value, Format::Xml);
        decode::<D>(&xml, Format::Xml, &roomy(DecodeOptions::strict())).map_err(|error| {
            TestCaseError::fail(format!(
                "strictly read {format}, re-encoded as XML, refused: {error}\n{}\nfrom\n{}",
                shown(&xml),
                shown(input)
            ))
        })?;
    }
    Ok(())
}

/// Checks that the JSON decoder answers as its serde reader alone does, in both modes and
/// under tight limits: the direct reader it tries first may give up, never answer otherwise.
fn check_json_readers<D>(input: &[u8]) -> Result<(), TestCaseError>
where
    D: Document + PartialEq + Debug,
{
    for options in [
        DecodeOptions::lenient(),
        DecodeOptions::strict(),
        tight(),
        tight().with_mode(Mode::Strict),
    ] {
        let decoded = decode::<D>(input, Format::Json, &options);
        let by_serde = json::from_slice_by_serde::<D>(input, &options);
        prop_assert!(
            decoded == by_serde,
            "{}: the readers differ on\n{}\ndecoded {decoded:?}\nby serde {by_serde:?}",
            D::KIND,
            shown(input)
        );
    }
    Ok(())
}

/// [`check_decoder`] for every document kind and both formats.
fn check_all_decoders(input: &[u8]) -> Result<(), TestCaseError> {
    for format in [Format::Xml, Format::Json] {
        check_decoder::<Vec<Service>>(input, format)?;
        check_decoder::<ServiceDefinition>(input, format)?;
        check_decoder::<Vec<ServiceRequest>>(input, format)?;
        check_decoder::<Vec<CreatedServiceRequest>>(input, format)?;
        check_decoder::<Vec<TokenLookup>>(input, format)?;
        check_decoder::<Vec<ApiError>>(input, format)?;
        check_decoder::<Discovery>(input, format)?;
        check_decoder::<Vec<ServiceRequestUpdate>>(input, format)?;
        check_decoder::<Vec<CreatedUpdate>>(input, format)?;
    }
    Ok(())
}

/// Pieces of form bodies and query strings.
const FORM_TOKENS: &[&str] = &[
    "service_code",
    "service_request_id",
    "api_key",
    "jurisdiction_id",
    "lat",
    "long",
    "description",
    "email",
    "status",
    "updated_datetime",
    "update_id",
    "start_date",
    "page",
    "page_size",
    "extensions",
    "attribute[",
    "attribute%5B",
    "]",
    "[]",
    "[0]",
    "[10]",
    "[-1]",
    "][",
    "code",
    "=",
    "=",
    "&",
    "&",
    "+",
    "%",
    "%2",
    "%ZZ",
    "%00",
    "%0A",
    "%C3%A9",
    "%E9",
    "%FF",
    "%5D",
    "%26",
    "%3D",
    ",",
    "%2C",
    "open",
    "closed",
    "OPEN",
    "1",
    "0",
    "-1",
    "1e999",
    "NaN",
    "99999999999",
    "2010-01-01T00:00:00Z",
    "2010-01-01T00:00",
    "2010-01-01T00:00:00%2B02:00",
    "true",
    "é",
    " ",
];

/// A form body or query string of generated pieces.
fn form_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => vec(select(FORM_TOKENS), 0..24).prop_map(|pieces| pieces.concat().into_bytes()),
        1 => vec(any::<u8>(), 0..256),
    ]
}

/// Form limits small enough to reach every limit check.
fn tight_form_limits() -> FormLimits {
    let mut limits = FormLimits::default();
    limits.max_pairs = 3;
    limits.max_identifier = 4;
    limits.max_line = 6;
    limits.max_list_items = 2;
    limits
}

/// Runs every form and query decoder on `input`, and checks that what they accept encodes
/// and decodes back to the same value.
fn check_form_decoders(input: &[u8]) -> Result<(), TestCaseError> {
    let defaults = FormLimits::default();
    for limits in [&defaults, &tight_form_limits()] {
        let _ = form::parse_pairs(input, limits);
        let _ = form::decode_request(input, limits);
        let _ = form::decode_update(input, limits);
        let _ = RequestQuery::parse(input, limits);
    }
    if let Ok(posted) = form::decode_request(input, &defaults) {
        let body = form::encode_request(&posted.value, posted.api_key.as_deref());
        let again = form::decode_request(body.as_bytes(), &defaults)
            .map_err(|error| TestCaseError::fail(format!("{error}\n{body}")))?;
        prop_assert_eq!(again, posted, "{}", body);
    }
    if let Ok(posted) = form::decode_update(input, &defaults) {
        let body = form::encode_update(&posted.value, posted.api_key.as_deref());
        let again = form::decode_update(body.as_bytes(), &defaults)
            .map_err(|error| TestCaseError::fail(format!("{error}\n{body}")))?;
        prop_assert_eq!(
            update_datetime(&again.value),
            update_datetime(&posted.value)
        );
        prop_assert_eq!(again, posted, "{}", body);
    }
    if let Ok(query) = RequestQuery::parse(input, &defaults) {
        let text = query.to_query_string();
        let again = RequestQuery::parse(text.as_bytes(), &defaults)
            .map_err(|error| TestCaseError::fail(format!("{error}\n{text}")))?;
        prop_assert_eq!(again.to_query_string(), text.clone());
        prop_assert_eq!(again, query, "{}", text);
    }
    Ok(())
}

/// Pieces of datetimes.
const DATETIME_TOKENS: &[&str] = &[
    "2010",
    "0000",
    "9999",
    "-",
    "01",
    "1",
    "12",
    "13",
    "29",
    "31",
    "T",
    "t",
    " ",
    ":",
    "00",
    "59",
    "60",
    "24",
    ".",
    ",",
    "5",
    "123456789",
    "1234567890",
    "Z",
    "z",
    "+",
    "08:00",
    "0800",
    "+24:00",
    "-23:59",
    "９",
    "é",
];

/// Checks `datetime::parse` and `parse_lenient` on `text`: no panic, strict success implies
/// lenient success with the same value, and whatever either reads is written in a form
/// `parse` reads back to the same instant and offset.
fn check_datetime(text: &str) -> Result<(), TestCaseError> {
    let strict = datetime::parse(text);
    let lenient = datetime::parse_lenient(text);
    if let Ok(value) = &strict {
        let Ok((lenient, _)) = &lenient else {
            return Err(TestCaseError::fail(format!(
                "parse read {text:?}, lenient did not"
            )));
        };
        prop_assert_eq!(value, lenient);
    }
    if let Ok((value, _)) = &lenient {
        let written = datetime::format(value);
        let again = datetime::parse(&written)
            .map_err(|error| TestCaseError::fail(format!("{text:?} -> {written:?}: {error}")))?;
        prop_assert_eq!(&again, value);
        prop_assert_eq!(datetime::format(&again), written);
    }
    Ok(())
}

/// Checks `form::parse_attribute_key` on `key`: no panic, and a key it reads, written again in
/// the form it found, reads the same.
fn check_attribute_key(key: &str) -> Result<(), TestCaseError> {
    if let Some(Ok((code, attribute_form, index))) = form::parse_attribute_key(key) {
        prop_assert!(!code.is_empty());
        let written = match (attribute_form, index) {
            (AttributeForm::List, None) => format!("attribute[{code}][]"),
            (AttributeForm::Indexed, Some(index)) => format!("attribute[{code}][{index}]"),
            (AttributeForm::Single, None) => format!("attribute[{code}]"),
            other => return Err(TestCaseError::fail(format!("{key:?} read as {other:?}"))),
        };
        prop_assert_eq!(
            form::parse_attribute_key(&written),
            Some(Ok((code, attribute_form, index))),
            "{:?} written as {:?}",
            key,
            written
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn decoders_survive_arbitrary_bytes(input in vec(any::<u8>(), 0..2048)) {
        check_all_decoders(&input)?;
    }

    #[test]
    fn decoders_survive_deep_input(input in deep_input()) {
        check_all_decoders(&input)?;
    }

    #[test]
    fn form_decoders_survive_arbitrary_input(input in form_input()) {
        check_form_decoders(&input)?;
    }

    #[test]
    fn datetime_parsers_survive_arbitrary_text(
        text in prop_oneof![
            any::<String>(),
            vec(select(DATETIME_TOKENS), 0..14).prop_map(|pieces| pieces.concat()),
        ],
    ) {
        check_datetime(&text)?;
    }

    #[test]
    fn attribute_keys_survive_arbitrary_text(
        key in prop_oneof![
            any::<String>(),
            vec(select(FORM_TOKENS), 0..8)
                .prop_map(|pieces| format!("attribute[{}", pieces.concat())),
        ],
    ) {
        check_attribute_key(&key)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Exact numbers, and regression tests
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn coordinates_round_trip_exactly(lat in coordinate(90.0), long in coordinate(180.0)) {
        let mut request = ServiceRequest::default();
        request.lat = Some(lat);
        request.long = Some(long);
        check_both(&vec![request])?;
    }
}

#[test]
fn json_keeps_every_bit_of_a_coordinate() {
    let mut request = ServiceRequest::default();
    request.long = Some(-11.065_207_084_061_873);
    let requests = vec![request];
    let json = encode(&requests, Format::Json);
    assert_eq!(shown(&json), r#"[{"long":-11.065207084061873}]"#);
    // Without serde_json's `float_roundtrip` this read -11.065207084061871.
    let decoded = decode::<Vec<ServiceRequest>>(&json, Format::Json, &DecodeOptions::strict())
        .expect("the library's own JSON reads strictly");
    assert_eq!(decoded.value, requests);
}

#[test]
fn json_keeps_a_group_of_unicode_whitespace() {
    let mut service = Service::new("001", "Potholes");
    service.groups = vec!["\u{3000}".to_owned()];
    let services = vec![service];
    for format in [Format::Xml, Format::Json] {
        let bytes = encode(&services, format);
        let decoded = decode::<Vec<Service>>(&bytes, format, &DecodeOptions::strict())
            .expect("the library's own document reads strictly");
        // JSON trims XML whitespace only, as XML does, so U+3000 is not dropped.
        assert_eq!(decoded.value, services, "{format}");
    }
}

#[test]
fn xml_does_not_turn_an_extension_into_a_field() {
    for json in [
        r#"[{"service code":"a"}]"#,
        r#"[{"service_code":"b","service code":"a"}]"#,
    ] {
        let requests =
            decode::<Vec<ServiceRequest>>(json.as_bytes(), Format::Json, &DecodeOptions::strict())
                .expect("conforming JSON")
                .value;
        assert!(
            requests[0].extensions.get("service code").is_some(),
            "{json}"
        );
        let xml = encode(&requests, Format::Xml);
        // `service code` is written as `<service_x0020_code>`, not as the field.
        assert!(
            shown(&xml).contains("<service_x0020_code>a</service_x0020_code>"),
            "{}",
            shown(&xml)
        );
        let again = decode::<Vec<ServiceRequest>>(&xml, Format::Xml, &DecodeOptions::strict())
            .expect("the library's own XML reads strictly");
        assert_eq!(again.value, requests, "{}", shown(&xml));
    }
}

#[test]
fn xml_extension_names_are_xml_names() {
    let json = r#"[{"µg":"12","pm²":"3","ªb":"x"}]"#;
    let requests =
        decode::<Vec<ServiceRequest>>(json.as_bytes(), Format::Json, &DecodeOptions::strict())
            .expect("conforming JSON")
            .value;
    let xml = String::from_utf8(encode(&requests, Format::Xml)).expect("UTF-8");
    // `µ` (U+B5), `²` (U+B2) and `ª` (U+AA) are letters or digits to Rust but not name
    // characters to XML 1.0, which other XML parsers would refuse.
    for name in element_names(&xml) {
        assert!(is_xml_name(name), "<{name}> in {xml}");
    }
    let again =
        decode::<Vec<ServiceRequest>>(xml.as_bytes(), Format::Xml, &DecodeOptions::strict())
            .expect("the library's own XML reads strictly");
    assert_eq!(again.value, requests, "{xml}");
}

#[test]
fn error_text_keeps_entities_and_cdata() {
    for (xml, description) in [
        (
            "<errors><error>Invalid &amp; key</error></errors>",
            "Invalid & key",
        ),
        (
            "<errors><error><![CDATA[Invalid <key>]]></error></errors>",
            "Invalid <key>",
        ),
    ] {
        let document = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{xml}");
        let errors =
            decode::<Vec<ApiError>>(document.as_bytes(), Format::Xml, &DecodeOptions::lenient())
                .expect("an old-style error document");
        // Reads "Invalid" (and a StrayText deviation), then None (and StrayText).
        assert_eq!(
            errors.value[0].description.as_deref(),
            Some(description),
            "{xml}: {:?}",
            errors.deviations
        );
    }
}

#[test]
fn strict_refuses_a_list_field_given_twice() {
    let json = br#"{
        "endpoints": [{"specification": "a", "url": "b"}],
        "endpoints": [{"specification": "c", "url": "d"}]
    }"#;
    // As a repeated scalar field is, and nothing is lost: leniently both lists are kept.
    let decoded = decode::<Discovery>(json, Format::Json, &DecodeOptions::strict());
    assert!(
        matches!(
            &decoded,
            Err(Error::Deviation { deviation, .. })
                if deviation.kind == DeviationKind::DuplicateField
        ),
        "{decoded:?}"
    );
    let decoded = decode::<Discovery>(json, Format::Json, &DecodeOptions::lenient())
        .expect("lenient decoding keeps both lists");
    let kinds: Vec<_> = decoded.deviations.iter().map(|d| &d.kind).collect();
    assert_eq!(kinds, [&DeviationKind::DuplicateField]);
    let specifications: Vec<_> = decoded
        .value
        .endpoints
        .iter()
        .map(|endpoint| endpoint.specification.as_str())
        .collect();
    assert_eq!(specifications, ["a", "c"]);
}

#[test]
fn xml_reads_back_what_an_escape_xml_does_not_need_decoded_to() {
    for fields in [
        "<_x0073_ervice_code>a</_x0073_ervice_code>",
        "<service_code>b</service_code><_x0073_ervice_code>a</_x0073_ervice_code>",
    ] {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <service_requests><request>{fields}</request></service_requests>"
        );
        let requests =
            decode::<Vec<ServiceRequest>>(xml.as_bytes(), Format::Xml, &DecodeOptions::strict())
                .expect("conforming XML")
                .value;
        // Reads an extension named `service_code`, which is written as the field: the first
        // document reads back with `service_code: Some("a")` and no extension, the second is
        // refused (DuplicateField at service_requests/request[0]/service_code), in XML and in
        // JSON (`{"service_code":"b","service_code":"a"}`).
        for format in [Format::Xml, Format::Json] {
            let bytes = encode(&requests, format);
            let again = decode::<Vec<ServiceRequest>>(&bytes, format, &DecodeOptions::strict())
                .unwrap_or_else(|error| panic!("{fields} as {format}: {error}\n{}", shown(&bytes)));
            assert_eq!(
                again.value,
                requests,
                "{fields} as {format}:\n{}",
                shown(&bytes)
            );
        }
    }
}
