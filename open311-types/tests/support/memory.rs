//! Measures the heap a decode needs beyond its input, for the memory tests.
//!
//! Each memory test is a test binary of its own, so that its global allocator sees one decode
//! only: `cap` keeps the highest total ever allocated, so the measured decode must be the
//! largest thing the process does. The document is therefore built in pieces, never holding
//! more than a thousand requests besides the bytes.

use std::alloc::System;

use cap::Cap;
use open311_types::{DecodeOptions, Document, Format, ServiceRequest};

#[path = "../../benches/common/mod.rs"]
mod common;

/// The allocator of the test binary that includes this module.
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// How many requests the measured document holds.
pub(crate) const REQUESTS: usize = 100_000;

/// A document of [`REQUESTS`] requests in `format`, built a thousand at a time.
pub(crate) fn document(format: Format) -> Vec<u8> {
    let base = common::requests(1_000);
    let mut out = Vec::new();
    for round in 0..REQUESTS / base.len() {
        let batch: Vec<ServiceRequest> = base
            .iter()
            .map(|request| {
                let mut request = request.clone();
                let id = request
                    .service_request_id
                    .take()
                    .expect("generated requests have ids");
                request.service_request_id = Some(format!("{round}{id}").into());
                request
            })
            .collect();
        let encoded = open311_types::encode(&batch, format);
        let (open, close) = match format {
            Format::Xml => ("<service_requests>", "</service_requests>"),
            Format::Json => ("[", "]"),
        };
        let start = find(&encoded, open.as_bytes()) + open.len();
        let end = encoded.len() - close.len();
        if round == 0 {
            out.extend_from_slice(&encoded[..start]);
        } else if format == Format::Json {
            out.push(b',');
        }
        out.extend_from_slice(&encoded[start..end]);
        if round + 1 == REQUESTS / base.len() {
            out.extend_from_slice(close.as_bytes());
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .expect("the root is there")
}

/// Decodes `document` and returns how many requests it held and the most heap allocated
/// during the decode beyond what was allocated before it (the input among it).
pub(crate) fn peak_while_decoding<D: Document>(
    document: &[u8],
    format: Format,
    count: impl Fn(&D) -> usize,
) -> (usize, usize) {
    let before = ALLOCATOR.allocated();
    assert!(
        ALLOCATOR.max_allocated() < before + document.len(),
        "the decode is the largest step"
    );
    let options = DecodeOptions::lenient().with_max_size(usize::MAX);
    let decoded =
        open311_types::decode::<D>(document, format, &options).expect("the document decodes");
    let peak = ALLOCATOR.max_allocated() - before;
    (count(&decoded.value), peak)
}
