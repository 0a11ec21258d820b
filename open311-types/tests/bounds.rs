//! Measured bounds on hostile input: nesting, entities, attributes, sizes and coordinates.
//!
//! Nothing here is timed; a decoder that read on past a limit, expanded an entity or took
//! quadratic time would show as a wrong answer or a test that never ends.

use open311_types::{
    DecodeOptions, DeviationKind, Error, Format, Position, Service, ServiceRequest,
};

fn requests(input: &[u8], format: Format) -> Result<Vec<ServiceRequest>, Error> {
    open311_types::decode::<Vec<ServiceRequest>>(input, format, &DecodeOptions::lenient())
        .map(|decoded| decoded.value)
}

#[test]
fn a_hundred_thousand_deep_xml_nesting_is_refused_at_the_limit() {
    let depth = 100_000;
    let mut xml = String::from("<service_requests><request><extra>");
    xml.push_str(&"<a>".repeat(depth));
    xml.push_str(&"</a>".repeat(depth));
    xml.push_str("</extra></request></service_requests>");
    match requests(xml.as_bytes(), Format::Xml) {
        Err(Error::Structure {
            position: Position::Byte(at),
            message,
            ..
        }) => {
            assert!(message.contains("deeper than 32"), "{message}");
            assert!(
                at < 200,
                "refused at byte {at}, near the element that crossed the limit"
            );
        }
        other => panic!("expected the depth limit, got {other:?}"),
    }
}

#[test]
fn a_hundred_thousand_deep_json_nesting_is_refused() {
    let depth = 100_000;
    let json = format!(
        r#"[{{"extra":{}1{}}}]"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let error = requests(json.as_bytes(), Format::Json).unwrap_err();
    assert!(
        matches!(error, Error::Structure { .. } | Error::Syntax { .. }),
        "refused without overflowing the stack: {error}"
    );
}

#[test]
fn entity_bombs_are_refused_before_any_expansion() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<service_requests><request><description>&lol3;</description></request></service_requests>"#;
    let quadratic = format!(
        r#"<!DOCTYPE q [<!ENTITY a "{}">]><service_requests><request><description>{}</description></request></service_requests>"#,
        "a".repeat(50_000),
        "&a;".repeat(50_000)
    );
    let external = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<service_requests><request><description>&x;</description></request></service_requests>"#;
    for (name, xml) in [
        ("billion laughs", laughs),
        ("quadratic", &quadratic),
        ("external", external),
    ] {
        match requests(xml.as_bytes(), Format::Xml) {
            Err(Error::Structure {
                message,
                position: Position::Byte(at),
                ..
            }) => {
                assert!(message.contains("DOCTYPE"), "{name}: {message}");
                let body = xml
                    .find("<service_requests>")
                    .expect("a root after the DOCTYPE");
                assert!(
                    at as usize <= body,
                    "{name}: refused at the DOCTYPE, byte {at}"
                );
            }
            other => panic!("{name}: expected a refused DOCTYPE, got {other:?}"),
        }
    }
    let undeclared =
        "<service_requests><request><description>&lol3;</description></request></service_requests>";
    let error = requests(undeclared.as_bytes(), Format::Xml).unwrap_err();
    assert!(error.to_string().contains("&lol3;"), "{error}");
}

#[test]
fn a_hundred_thousand_attributes_on_one_element() {
    let attributes: String = (0..100_000).map(|n| format!(" a{n}=\"{n}\"")).collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><services><service{attributes}>\
         <service_code>001</service_code></service></services>"
    );
    let decoded = open311_types::decode::<Vec<Service>>(
        xml.as_bytes(),
        Format::Xml,
        &DecodeOptions::lenient(),
    )
    .expect("attributes are ignored");
    assert_eq!(decoded.value[0].service_code, "001");
    let ignored: Vec<_> = decoded.deviations.iter().map(|d| d.kind.clone()).collect();
    assert_eq!(
        ignored,
        [DeviationKind::XmlAttribute { name: "a0".into() }],
        "one per element"
    );
}

#[test]
fn a_twenty_mebibyte_text_node_is_refused_by_the_size_limit_before_parsing() {
    let mut xml = b"<service_requests><request><description>".to_vec();
    xml.resize(xml.len() + 20 * 1024 * 1024, b'x');
    let error = requests(&xml, Format::Xml).unwrap_err();
    assert_eq!(
        error,
        Error::TooLarge {
            size: xml.len(),
            limit: 16 * 1024 * 1024
        }
    );
}

#[test]
fn coordinates_are_finite_and_in_range_after_decoding() {
    let cases = [
        ("<lat>91</lat><long>10</long>", Format::Xml),
        ("<lat>10</lat><long>-180.5</long>", Format::Xml),
        ("<lat>NaN</lat><long>inf</long>", Format::Xml),
        ("<lat>1e400</lat><long>-1e400</long>", Format::Xml),
    ];
    for (fields, format) in cases {
        let xml = format!("<service_requests><request>{fields}</request></service_requests>");
        let request = &requests(xml.as_bytes(), format).unwrap()[0];
        for coordinate in [request.lat, request.long].into_iter().flatten() {
            assert!(
                coordinate.is_finite() && coordinate.abs() <= 180.0,
                "{fields}: {coordinate}"
            );
        }
        assert!(request.lat.is_none_or(|lat| lat.abs() <= 90.0), "{fields}");
        assert!(
            !request.extensions.is_empty(),
            "{fields}: the unreadable value is kept"
        );
    }
    for json in [
        r#"[{"lat": 90.5, "long": 0}]"#,
        r#"[{"lat": "-91", "long": "181"}]"#,
    ] {
        let request = &requests(json.as_bytes(), Format::Json).unwrap()[0];
        assert_eq!(
            (request.lat.is_some(), request.long.is_some()),
            (false, json.contains("\"long\": 0"))
        );
    }
    let huge = r#"[{"lat": 1e999}]"#;
    assert!(
        requests(huge.as_bytes(), Format::Json).is_err(),
        "serde_json refuses an infinite number"
    );
}

#[test]
fn every_string_a_decoder_accepts_can_be_written_as_xml() {
    let json =
        "[{\"service_request_id\":\"1\",\"description\":\"bell\\u0007 nul\\u0000 \\uFFFE end\"}]";
    let decoded = requests(json.as_bytes(), Format::Json).unwrap();
    let xml = open311_types::xml::to_vec(&decoded);
    let again =
        open311_types::xml::from_slice::<Vec<ServiceRequest>>(&xml, &DecodeOptions::strict())
            .expect("the XML written is well-formed XML 1.0");
    assert_eq!(
        again.value[0].description.as_deref(),
        Some("bell\u{FFFD} nul\u{FFFD} \u{FFFD} end")
    );
}
