//! Every example document in the spec text decodes, and the XML and JSON examples of the same
//! resource decode to the same value.
//!
//! The examples are read in place from `../shared/spec/` (the Markdown of the open311.org
//! wiki), so they are the spec's own bytes. A missing folder fails the test unless
//! `OPEN311_SKIP_FIXTURES=1` is set.

use std::fmt::Debug;
use std::path::PathBuf;

use open311_types::{
    ApiError, CreatedServiceRequest, DecodeOptions, Discovery, Document, Format, Service,
    ServiceDefinition, ServiceRequest, TokenLookup,
};

fn spec_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec");
    if dir.join("GeoReport_v2.md").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("OPEN311_SKIP_FIXTURES").is_some(),
        "the spec text is missing at {}; set OPEN311_SKIP_FIXTURES=1 to skip",
        dir.display()
    );
    None
}

/// One example document found in the Markdown.
#[derive(Debug)]
struct Example {
    /// `file:line` of the block, for messages.
    place: String,
    /// The last `###` heading before it: the method it belongs to.
    section: String,
    format: Format,
    text: String,
}

/// Collects the fenced and indented code blocks that hold an XML or JSON document.
fn examples(file: &str, markdown: &str) -> Vec<Example> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut found = Vec::new();
    let mut section = String::new();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        if let Some(heading) = line.strip_prefix("### ") {
            section = heading.trim().to_owned();
        }
        let start = at;
        let block = if line.starts_with("~~~") || line.starts_with("```") {
            let fence = &line[..3];
            let end = (at + 1..lines.len()).find(|&i| lines[i].starts_with(fence));
            let end = end.unwrap_or(lines.len());
            at = end + 1;
            lines[start + 1..end.min(lines.len())].join("\n")
        } else if indented(line).is_some() && at > 0 && lines[at - 1].trim().is_empty() {
            let mut body = Vec::new();
            while at < lines.len() && (indented(lines[at]).is_some() || lines[at].trim().is_empty())
            {
                body.push(indented(lines[at]).unwrap_or(""));
                at += 1;
            }
            body.join("\n")
        } else {
            at += 1;
            continue;
        };
        let text = strip_http_status(block.trim());
        let format = match text.chars().next() {
            Some('<') => Format::Xml,
            Some('[' | '{') => Format::Json,
            _ => continue,
        };
        found.push(Example {
            place: format!("{file}:{}", start + 1),
            section: section.clone(),
            format,
            text: text.to_owned(),
        });
    }
    found
}

fn indented(line: &str) -> Option<&str> {
    line.strip_prefix("    ")
        .or_else(|| line.strip_prefix('\t'))
}

/// The spec shows error examples as HTTP responses; the document is what follows the status.
fn strip_http_status(text: &str) -> &str {
    match text.strip_prefix("HTTP/") {
        Some(rest) => rest
            .split_once("\n\n")
            .map_or(rest, |(_, body)| body.trim_start()),
        None => text,
    }
}

/// The spec's JSON examples write identifiers as numbers with leading zeros (`"service_code":001`),
/// which JSON does not allow: no decoder can read them, however lenient. The examples were
/// typed from the XML, where `001` is text, so the number is quoted to read what was meant.
fn quote_leading_zeros(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        at += 1;
        if in_string {
            in_string = escaped || c != b'"';
            escaped = !escaped && c == b'\\';
        } else if c == b'"' {
            in_string = true;
        }
        out.push(char::from(c));
        if in_string || c != b':' {
            continue;
        }
        while at < bytes.len() && bytes[at] == b' ' {
            out.push(' ');
            at += 1;
        }
        let digits = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 1 && bytes[at] == b'0' {
            out.push('"');
            out.push_str(&json[at..at + digits]);
            out.push('"');
            at += digits;
        }
    }
    out
}

/// The document each example is, from the file and the spec section it sits in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Services,
    Definition,
    Created,
    Token,
    Requests,
    Errors,
    Discovery,
}

fn kind(file: &str, section: &str) -> Kind {
    let section = section.to_ascii_lowercase();
    if file.starts_with("Service_Discovery") {
        Kind::Discovery
    } else if file.starts_with("Service_Definition_Attributes") || section.contains("definition") {
        Kind::Definition
    } else if file.starts_with("GeoReport_v2_Extensions") {
        Kind::Requests
    } else if section.contains("service list") {
        Kind::Services
    } else if section.starts_with("post") {
        Kind::Created
    } else if section.contains("token") {
        Kind::Token
    } else if section.contains("request") {
        Kind::Requests
    } else if section.contains("error") {
        Kind::Errors
    } else {
        panic!("no document kind for section {section:?} of {file}")
    }
}

/// Decodes leniently; in strict mode too when `strict` says the example should conform.
fn decode<D: Document + PartialEq + Debug>(example: &Example, strict: bool) -> D {
    let text = match example.format {
        Format::Json => quote_leading_zeros(&example.text),
        Format::Xml => example.text.clone(),
    };
    let lenient =
        open311_types::decode::<D>(text.as_bytes(), example.format, &DecodeOptions::lenient())
            .unwrap_or_else(|error| panic!("{}: {error}\n{text}", example.place));
    if strict {
        let strict =
            open311_types::decode::<D>(text.as_bytes(), example.format, &DecodeOptions::strict())
                .unwrap_or_else(|error| panic!("{} (strict): {error}", example.place));
        assert_eq!(strict.value, lenient.value, "{}", example.place);
    }
    lenient.value
}

/// Decodes an XML example and, when there is one, its JSON twin, and compares them.
fn check<D: Document + PartialEq + Debug>(xml: Option<&Example>, json: Option<&Example>) {
    // XML examples of the spec conform, except the historical definition without a wrapper.
    let strict = xml.is_some_and(|xml| {
        !xml.text.contains(
            "<service_definition>\n    <service_code>DMV66</service_code>\n    <attribute>",
        )
    });
    let from_xml = xml.map(|xml| decode::<D>(xml, strict));
    let from_json = json.map(|json| decode::<D>(json, false));
    if let (Some(from_xml), Some(from_json)) = (from_xml, from_json) {
        assert_eq!(
            from_xml,
            from_json,
            "{} and {} differ",
            xml.unwrap().place,
            json.unwrap().place
        );
    }
}

#[test]
fn spec_examples_decode_and_agree() {
    let Some(dir) = spec_dir() else { return };
    let expected_pairs = [
        ("GeoReport_v2.md", 7),
        ("GeoReport_v2.1_draft.md", 7),
        ("Service_Discovery.md", 1),
        ("Service_Definition_Attributes.md", 2),
        ("GeoReport_v2_Extensions.md", 0),
    ];
    let mut total = 0;
    for (file, pairs) in expected_pairs {
        let markdown = std::fs::read_to_string(dir.join(file)).unwrap();
        let found = examples(file, &markdown);
        let mut pending_xml: Vec<&Example> = Vec::new();
        let mut paired = 0;
        for example in &found {
            total += 1;
            match example.format {
                Format::Xml => {
                    pending_xml.push(example);
                    continue;
                }
                Format::Json if pending_xml.is_empty() => run(file, None, Some(example)),
                Format::Json => {
                    let xml = pending_xml.remove(0);
                    paired += 1;
                    run(file, Some(xml), Some(example));
                }
            }
        }
        for xml in pending_xml {
            run(file, Some(xml), None);
        }
        assert_eq!(paired, pairs, "XML and JSON example pairs in {file}");
    }
    assert!(total >= 35, "only {total} examples found");
}

fn run(file: &str, xml: Option<&Example>, json: Option<&Example>) {
    let section = xml
        .or(json)
        .map(|example| example.section.as_str())
        .unwrap_or_default();
    match kind(file, section) {
        Kind::Services => check::<Vec<Service>>(xml, json),
        Kind::Definition => check::<ServiceDefinition>(xml, json),
        Kind::Created => check::<Vec<CreatedServiceRequest>>(xml, json),
        Kind::Token => check::<Vec<TokenLookup>>(xml, json),
        Kind::Requests => check::<Vec<ServiceRequest>>(xml, json),
        Kind::Errors => check::<Vec<ApiError>>(xml, json),
        Kind::Discovery => check::<Discovery>(xml, json),
    }
}

#[test]
fn extended_attributes_and_notes_are_kept() {
    let Some(dir) = spec_dir() else { return };
    let markdown = std::fs::read_to_string(dir.join("GeoReport_v2_Extensions.md")).unwrap();
    let found = examples("GeoReport_v2_Extensions.md", &markdown);
    let [example] = &found[..] else {
        panic!("expected one request example, found {found:?}")
    };
    let requests = decode::<Vec<ServiceRequest>>(example, false);
    let request = &requests[0];
    let channel = request
        .extended_attributes()
        .and_then(|value| value.get("channel"));
    assert_eq!(
        channel.and_then(|value| value.as_text()).as_deref(),
        Some("android")
    );
    assert!(
        matches!(request.notes(), Some(open311_types::ExtensionValue::List(notes)) if notes.len() == 2)
    );
    assert!(request.attributes().is_some());
    let again = open311_types::json::from_slice::<Vec<ServiceRequest>>(
        &open311_types::json::to_vec(&requests),
        &DecodeOptions::strict(),
    )
    .unwrap();
    assert_eq!(again.value, requests);
}

#[test]
fn leading_zero_quoting_only_touches_numbers() {
    assert_eq!(
        quote_leading_zeros(r#"{"a":001,"b": 006,"c":0,"d":10,"e":"x:007"}"#),
        r#"{"a":"001","b": "006","c":0,"d":10,"e":"x:007"}"#
    );
}
