//! Every real-world document in `../shared/fixtures/` gives the result its index expects.
//!
//! The files are read in place. A missing folder fails the test unless
//! `OPEN311_SKIP_FIXTURES=1` is set, so CI cannot pass without them.

use std::fmt::Debug;
use std::path::PathBuf;

use open311_types::{
    ApiError, CreatedServiceRequest, CreatedUpdate, DecodeOptions, Discovery, Document,
    DocumentKind, Error, Format, Mode, Service, ServiceDefinition, ServiceRequest,
    ServiceRequestUpdate, TokenLookup, json, xml,
};

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures");
    if dir.join("index.tsv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("OPEN311_SKIP_FIXTURES").is_some(),
        "the fixture corpus is missing at {}; set OPEN311_SKIP_FIXTURES=1 to skip",
        dir.display()
    );
    None
}

/// Decodes `bytes` as `kind` and returns how many top-level items it holds.
fn count(
    kind: DocumentKind,
    bytes: &[u8],
    format: Format,
    options: &DecodeOptions,
) -> Result<usize, Error> {
    fn len<D: open311_types::Document>(
        bytes: &[u8],
        format: Format,
        options: &DecodeOptions,
        items: impl Fn(&D) -> usize,
    ) -> Result<usize, Error> {
        open311_types::decode::<D>(bytes, format, options).map(|decoded| items(&decoded.value))
    }
    match kind {
        DocumentKind::Services => len::<Vec<Service>>(bytes, format, options, Vec::len),
        DocumentKind::ServiceDefinition => {
            len::<ServiceDefinition>(bytes, format, options, |d| d.attributes.len())
        }
        DocumentKind::Requests => len::<Vec<ServiceRequest>>(bytes, format, options, Vec::len),
        DocumentKind::RequestCreated => {
            len::<Vec<CreatedServiceRequest>>(bytes, format, options, Vec::len)
        }
        DocumentKind::Token => len::<Vec<TokenLookup>>(bytes, format, options, Vec::len),
        DocumentKind::Errors => len::<Vec<ApiError>>(bytes, format, options, Vec::len),
        DocumentKind::Discovery => len::<Discovery>(bytes, format, options, |d| d.endpoints.len()),
        DocumentKind::Updates => len::<Vec<ServiceRequestUpdate>>(bytes, format, options, Vec::len),
        DocumentKind::UpdateCreated => len::<Vec<CreatedUpdate>>(bytes, format, options, Vec::len),
    }
}

#[test]
fn every_fixture_gives_its_expected_result() {
    let Some(dir) = fixtures() else { return };
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in index
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let [file, kind, format, expect, expected_count] = columns[..] else {
            panic!("malformed index line {line:?}");
        };
        let kind: DocumentKind = kind.parse().unwrap();
        let format = Format::from_extension(format).unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let result = count(kind, &bytes, format, &DecodeOptions::lenient());
        checked += 1;
        match (expect, &result) {
            ("ok", Ok(found)) if expected_count.parse::<usize>() == Ok(*found) => {}
            ("error", Err(_)) | ("either", _) => {}
            _ => failures.push(format!(
                "{file}: expected {expect} {expected_count}, got {result:?}"
            )),
        }
    }
    assert!(checked >= 48, "only {checked} fixtures listed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Decodes `bytes` as `kind` and writes the value back as JSON, for comparing what was read.
fn reread(kind: DocumentKind, bytes: &[u8], format: Format) -> Result<Vec<u8>, Error> {
    fn json<D: open311_types::Document>(bytes: &[u8], format: Format) -> Result<Vec<u8>, Error> {
        open311_types::decode::<D>(bytes, format, &DecodeOptions::lenient())
            .map(|decoded| open311_types::json::to_vec(&decoded.value))
    }
    match kind {
        DocumentKind::Services => json::<Vec<Service>>(bytes, format),
        DocumentKind::ServiceDefinition => json::<ServiceDefinition>(bytes, format),
        DocumentKind::Requests => json::<Vec<ServiceRequest>>(bytes, format),
        DocumentKind::RequestCreated => json::<Vec<CreatedServiceRequest>>(bytes, format),
        DocumentKind::Token => json::<Vec<TokenLookup>>(bytes, format),
        DocumentKind::Errors => json::<Vec<ApiError>>(bytes, format),
        DocumentKind::Discovery => json::<Discovery>(bytes, format),
        DocumentKind::Updates => json::<Vec<ServiceRequestUpdate>>(bytes, format),
        DocumentKind::UpdateCreated => json::<Vec<CreatedUpdate>>(bytes, format),
    }
}

/// The XML reader takes plain fields straight from the input and the rest event by event; a
/// comment after every tag forces events everywhere. Real documents read the same both ways.
#[test]
fn xml_fixtures_read_the_same_by_events() {
    let Some(dir) = fixtures() else { return };
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let mut compared = 0;
    for line in index
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let [file, kind, "xml", ..] = columns[..] else {
            continue;
        };
        let kind: DocumentKind = kind.parse().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        // Only after tags that close markup: a `>` in text or in a DOCTYPE is left alone.
        let commented = text
            .split_inclusive('>')
            .map(|piece| match piece.rfind('<') {
                Some(at) if piece[at..].starts_with("</") || is_start_tag(&piece[at..]) => {
                    format!("{piece}<!---->")
                }
                _ => piece.to_owned(),
            })
            .collect::<String>();
        let direct = reread(kind, &bytes, Format::Xml);
        let by_events = reread(kind, commented.as_bytes(), Format::Xml);
        match (&direct, &by_events) {
            (Ok(direct), Ok(by_events)) => assert!(
                direct == by_events,
                "{file}: read directly\n{}\nby events\n{}",
                String::from_utf8_lossy(direct),
                String::from_utf8_lossy(by_events)
            ),
            (Err(_), Err(_)) => {}
            _ => panic!("{file}: read directly {direct:?}, by events {by_events:?}"),
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} XML fixtures compared");
}

/// The JSON decoder tries a direct reader first and serde_json when it gives up. On every JSON
/// fixture, and on the JSON written from every XML one, in both modes, what the direct reader
/// reads is what serde_json reads; and the direct reader takes them, so the fast path is the
/// one real documents meet.
#[test]
fn json_fixtures_read_the_same_directly_and_by_serde() {
    let Some(dir) = fixtures() else { return };
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let (mut compared, mut taken) = (0, 0);
    for line in index
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let [file, kind, format, ..] = columns[..] else {
            panic!("malformed index line {line:?}");
        };
        let format = Format::from_extension(format).unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let Some(took) = compare_json_readers(kind.parse().unwrap(), file, &bytes, format) else {
            continue;
        };
        compared += 1;
        taken += usize::from(took);
    }
    eprintln!("{taken} of {compared} fixtures read directly as JSON");
    assert!(compared >= 40, "only {compared} fixtures compared");
    assert!(
        taken == compared,
        "only {taken} of {compared} fixtures read directly as JSON"
    );
}

/// Compares the two JSON readers on `bytes` (JSON, or XML written again as JSON); `None` for
/// an XML document that does not decode, else whether the direct reader took it.
fn compare_json_readers(
    kind: DocumentKind,
    file: &str,
    bytes: &[u8],
    format: Format,
) -> Option<bool> {
    fn compare<D: Document + PartialEq + Debug>(
        file: &str,
        bytes: &[u8],
        format: Format,
    ) -> Option<bool> {
        let written;
        let bytes = match format {
            Format::Json => bytes,
            Format::Xml => {
                let options = DecodeOptions::lenient();
                written = json::to_vec(&xml::from_slice::<D>(bytes, &options).ok()?.value);
                &written
            }
        };
        let mut taken = false;
        for options in [DecodeOptions::lenient(), DecodeOptions::strict()] {
            let by_serde = json::from_slice_by_serde::<D>(bytes, &options);
            if let Some(directly) = json::from_slice_directly::<D>(bytes, &options) {
                assert!(
                    by_serde.as_ref() == Ok(&directly),
                    "{file}: read directly {directly:?}\nby serde {by_serde:?}"
                );
                taken |= options.mode == Mode::Lenient;
            }
        }
        Some(taken)
    }
    match kind {
        DocumentKind::Services => compare::<Vec<Service>>(file, bytes, format),
        DocumentKind::ServiceDefinition => compare::<ServiceDefinition>(file, bytes, format),
        DocumentKind::Requests => compare::<Vec<ServiceRequest>>(file, bytes, format),
        DocumentKind::RequestCreated => compare::<Vec<CreatedServiceRequest>>(file, bytes, format),
        DocumentKind::Token => compare::<Vec<TokenLookup>>(file, bytes, format),
        DocumentKind::Errors => compare::<Vec<ApiError>>(file, bytes, format),
        DocumentKind::Discovery => compare::<Discovery>(file, bytes, format),
        DocumentKind::Updates => compare::<Vec<ServiceRequestUpdate>>(file, bytes, format),
        DocumentKind::UpdateCreated => compare::<Vec<CreatedUpdate>>(file, bytes, format),
    }
}

/// Whether `tag` is a start tag such as `<name>` or `<p:name a="1">`.
fn is_start_tag(tag: &str) -> bool {
    tag.strip_prefix('<')
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}
