//! Every real-world document in `../shared/fixtures/` gives the result its index expects.
//!
//! The files are read in place. A missing folder fails the test unless
//! `OPEN311_SKIP_FIXTURES=1` is set, so CI cannot pass without them.

use std::path::PathBuf;

use open311_types::{
    ApiError, CreatedServiceRequest, CreatedUpdate, DecodeOptions, Discovery, DocumentKind, Error,
    Format, Service, ServiceDefinition, ServiceRequest, ServiceRequestUpdate, TokenLookup,
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
