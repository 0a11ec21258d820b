//! The XML reader's rules: what it refuses, with a byte position, and what it tolerates.

use open311_types::{
    ApiError, DecodeOptions, DeviationKind, Error, Position, Service, ServiceDefinition,
    ServiceRequest,
};

fn services(xml: &str) -> Result<Vec<Service>, Error> {
    open311_types::xml::from_slice::<Vec<Service>>(xml.as_bytes(), &DecodeOptions::lenient())
        .map(|decoded| decoded.value)
}

/// The byte position of a refusal, and its message.
fn refusal(xml: &str) -> (u64, String) {
    match services(xml) {
        Err(Error::Structure {
            position: Position::Byte(at),
            message,
            ..
        })
        | Err(Error::Syntax {
            position: Position::Byte(at),
            message,
            ..
        }) => (at, message),
        other => panic!("expected a refusal with a byte position for {xml:?}, got {other:?}"),
    }
}

#[test]
fn a_doctype_is_refused_before_any_entity_is_defined() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE services [<!ENTITY x "boom">]><services/>"#;
    let (at, message) = refusal(xml);
    assert!(message.contains("DOCTYPE"), "{message}");
    assert!(at <= 61, "{at}");
}

#[test]
fn undefined_entities_are_refused() {
    let xml = "<services><service><service_code>&x;</service_code></service></services>";
    let (at, message) = refusal(xml);
    assert!(message.contains("&x;"), "{message}");
    assert!(at > 30, "{at}");
}

#[test]
fn predefined_entities_and_character_references_are_read() {
    let xml = "<services><service><service_code>a&amp;b&lt;&#233;&#x41;</service_code>\
               </service></services>";
    assert_eq!(services(xml).unwrap()[0].service_code, "a&b<éA");
    let (_, message) =
        refusal("<services><service><service_code>&#0;</service_code></service></services>");
    assert!(message.contains("&#0;"), "{message}");
}

#[test]
fn a_second_root_and_text_after_the_root_are_refused() {
    let (at, message) = refusal("<services/><services/>");
    assert!(message.contains("second root"), "{message}");
    assert_eq!(at, 22);
    let (_, message) = refusal("<services/>trailing");
    assert!(message.contains("after the root"), "{message}");
    let (_, message) = refusal("text<services/>");
    assert!(message.contains("before the root"), "{message}");
}

#[test]
fn nesting_over_the_depth_limit_is_refused_where_it_happens() {
    let depth = 40;
    let xml = format!(
        "<services><service><service_code>1</service_code><x>{}{}</x></service></services>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let (at, message) = refusal(&xml);
    assert!(message.contains("deeper than 32"), "{message}");
    let expected = xml.find("<a>").unwrap() + 3 * (32 - 3);
    assert_eq!(
        at as usize, expected,
        "refused at the element that crossed the limit"
    );
}

#[test]
fn a_truncated_document_is_refused_not_read_in_part() {
    let xml = "<services><service><service_code>1</service_code></service><service>";
    assert!(matches!(services(xml), Err(Error::Syntax { .. })));
    let mismatched = "<services><service><service_code>1</service_code></service></servic>";
    assert!(matches!(services(mismatched), Err(Error::Syntax { .. })));
}

#[test]
fn input_over_the_size_limit_is_refused_before_parsing() {
    let options = DecodeOptions::lenient().with_max_size(16);
    let result = open311_types::xml::from_slice::<Vec<Service>>(b"<services></services>", &options);
    assert_eq!(
        result.unwrap_err(),
        Error::TooLarge {
            size: 21,
            limit: 16
        }
    );
}

#[test]
fn the_wrong_document_is_named() {
    let (_, message) = refusal("<service_requests/>");
    assert_eq!(
        message,
        "expected a <services> document, found <service_requests>"
    );
}

#[test]
fn namespaces_nil_and_empty_elements() {
    let xml = r#"<m:service_requests xmlns:m="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <m:request><m:service_request_id>1</m:service_request_id>
        <m:lat xsi:nil="true"/><long></long><updated_datetime xsi:nil="true"></updated_datetime>
        </m:request></m:service_requests>"#;
    let decoded = open311_types::xml::from_slice::<Vec<ServiceRequest>>(
        xml.as_bytes(),
        &DecodeOptions::lenient(),
    )
    .unwrap();
    let request = &decoded.value[0];
    assert_eq!(request.service_request_id.as_ref().unwrap(), "1");
    assert_eq!(
        (request.lat, request.long, request.updated_datetime),
        (None, None, None)
    );
    let kinds: Vec<_> = decoded.deviations.iter().map(|d| d.kind.clone()).collect();
    assert_eq!(kinds, [DeviationKind::MissingXmlDeclaration]);
}

#[test]
fn carriage_returns_survive_a_round_trip() {
    let mut service = Service::new("1", "line one\r\nline two\rthree");
    service.description = Some("tab\there".into());
    let xml = open311_types::xml::to_vec(&vec![service.clone()]);
    let back =
        open311_types::xml::from_slice::<Vec<Service>>(&xml, &DecodeOptions::strict()).unwrap();
    assert_eq!(back.value, [service]);
}

/// The text the XML writer gives `lat`.
fn written_lat(lat: f64) -> String {
    let mut request = ServiceRequest::new("1", open311_types::Status::Open);
    request.lat = Some(lat);
    let xml = String::from_utf8(open311_types::xml::to_vec(&vec![request])).unwrap();
    let (_, rest) = xml.split_once("<lat>").unwrap();
    rest.split_once("</lat>").unwrap().0.to_owned()
}

#[test]
fn coordinates_are_written_as_the_shortest_decimal_that_reads_back() {
    let fixed = [
        (37.762_221_815, "37.762221815"),
        (-122.465_114_5, "-122.4651145"),
        (5.0, "5"),
        (-0.0, "-0"),
        (1e-7, "0.0000001"),
        (1e21, "1000000000000000000000"),
        // Exactly halfway between two shortest forms: the even one, as JSON writes it.
        (274_211_171_985_320.0 + 0.125, "274211171985320.12"),
    ];
    for (value, text) in fixed {
        assert_eq!(written_lat(value), text, "{value:?}");
    }
    // Coordinates and arbitrary bit patterns: the digits read back as the same value, and are
    // `Display`'s, or at a tie the JSON writer's.
    let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
    for n in 0..20_000u64 {
        bits = bits
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let value = if n % 2 == 0 {
            f64::from_bits(bits)
        } else {
            ((bits >> 11) % 360_000_000_000) as f64 / 1e9 - 180.0
        };
        if !value.is_finite() {
            continue;
        }
        let text = written_lat(value);
        assert_eq!(
            text.parse::<f64>().unwrap().to_bits(),
            value.to_bits(),
            "{text}"
        );
        let json = serde_json::to_string(&value).unwrap();
        let json = json.strip_suffix(".0").unwrap_or(&json);
        assert!(
            text == value.to_string() || text == json,
            "{value:?} written {text}"
        );
    }
}

#[test]
fn raw_line_breaks_are_normalised_as_xml_requires() {
    let xml = "<?xml version=\"1.0\"?><services><service><service_code>1</service_code>\
               <description>a\r\nb\rc</description></service></services>";
    assert_eq!(
        services(xml).unwrap()[0].description.as_deref(),
        Some("a\nb\nc")
    );
}

#[test]
fn characters_xml_cannot_carry_are_replaced_when_writing() {
    let service = Service::new("1", "bell\u{7}\u{FFFF}");
    let xml = String::from_utf8(open311_types::xml::to_vec(&vec![service])).unwrap();
    assert!(
        xml.contains("<service_name>bell\u{FFFD}\u{FFFD}</service_name>"),
        "{xml}"
    );
}

#[test]
fn plain_text_errors_are_read_as_descriptions() {
    let xml = "<errors><error>Something went wrong.</error></errors>";
    let decoded =
        open311_types::xml::from_slice::<Vec<ApiError>>(xml.as_bytes(), &DecodeOptions::lenient())
            .unwrap();
    assert_eq!(
        decoded.value[0].description.as_deref(),
        Some("Something went wrong.")
    );
    assert!(
        decoded
            .deviations
            .iter()
            .any(|d| d.kind == DeviationKind::ErrorShape)
    );
    let root = "<error>Invalid api_key</error>";
    let decoded =
        open311_types::xml::from_slice::<Vec<ApiError>>(root.as_bytes(), &DecodeOptions::lenient())
            .unwrap();
    assert_eq!(
        decoded.value[0].description.as_deref(),
        Some("Invalid api_key")
    );
}

#[test]
fn unreadable_values_are_kept_as_extensions() {
    let xml = "<?xml version=\"1.0\"?><service_requests><request><lat>north</lat>\
               <requested_datetime>yesterday</requested_datetime></request></service_requests>";
    let decoded = open311_types::xml::from_slice::<Vec<ServiceRequest>>(
        xml.as_bytes(),
        &DecodeOptions::lenient(),
    )
    .unwrap();
    let request = &decoded.value[0];
    assert_eq!(request.lat, None);
    assert_eq!(
        request
            .extensions
            .get("lat")
            .and_then(|v| v.as_text())
            .as_deref(),
        Some("north")
    );
    assert_eq!(decoded.deviations.len(), 2);
    let written = String::from_utf8(open311_types::xml::to_vec(&decoded.value)).unwrap();
    assert!(written.contains("<lat>north</lat>"), "{written}");
    let strict = open311_types::xml::from_slice::<Vec<ServiceRequest>>(
        xml.as_bytes(),
        &DecodeOptions::strict(),
    );
    assert!(matches!(strict, Err(Error::Deviation { .. })));
}

#[test]
fn definitions_without_the_attributes_wrapper() {
    let xml = "<?xml version=\"1.0\"?><service_definition><service_code>X</service_code>\
               <attribute><code>A</code></attribute><attribute><code>B</code></attribute>\
               </service_definition>";
    let decoded = open311_types::xml::from_slice::<ServiceDefinition>(
        xml.as_bytes(),
        &DecodeOptions::lenient(),
    )
    .unwrap();
    let codes: Vec<_> = decoded
        .value
        .attributes
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    assert_eq!(codes, ["A", "B"]);
}

/// Texts built from the pieces that decide how a field's text is read: references good and
/// bad, carriage returns, spaces, markup characters and letters beyond ASCII.
fn tricky_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pieces = prop::sample::select(vec![
        "a", "é", "ß", " ", "\n", "\r", "\r\n", "\t", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;",
        "&#65;", "&#x41;", "&#xe9;", "&#13;", "&#0;", "&#x;", "&#+5;", "&#xD800;", "&nbsp;", "&",
        ";", "#", "x", "1", ">", "\"", "'",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|pieces| pieces.concat())
}

proptest::proptest! {
    /// A field's text is often read without text events; a comment before the end tag forces
    /// them. Both ways must give the same value, or both refuse.
    #[test]
    fn text_read_directly_or_by_events_is_the_same(text in tricky_text()) {
        let read = |xml: String| {
            services(&xml).map(|services| {
                services.into_iter().next().map(|service| service.service_name)
            })
        };
        let direct = read(format!(
            "<services><service><service_code>1</service_code>\
             <service_name>{text}</service_name></service></services>"
        ));
        let events = read(format!(
            "<services><service><service_code>1</service_code>\
             <service_name>{text}<!-- --></service_name></service></services>"
        ));
        match (direct, events) {
            (Ok(direct), Ok(events)) => proptest::prop_assert_eq!(direct, events),
            (Err(_), Err(_)) => {}
            (direct, events) => proptest::prop_assert!(
                false,
                "{text:?}: read directly {direct:?}, by events {events:?}"
            ),
        }
    }
}
