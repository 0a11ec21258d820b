//! What the fuzz targets share: the input size cap and the document check run for every kind.

use std::fmt::Debug;

use open311_types::{
    ApiError, CreatedServiceRequest, CreatedUpdate, DecodeOptions, Discovery, Document,
    DocumentKind, Error, Format, Service, ServiceDefinition, ServiceRequest, ServiceRequestUpdate,
    TokenLookup, decode, encode, json,
};

/// The largest input a target reads; bigger ones only slow the fuzzer down.
pub const MAX_INPUT: usize = 256 * 1024;

/// Decodes `input` in `format` as each of the nine document kinds, checking each one.
pub fn check_every_kind(input: &[u8], format: Format) {
    for kind in DocumentKind::ALL {
        // An exhaustive match, so that a new kind fails to build here until it is fuzzed.
        match kind {
            DocumentKind::Services => check_document::<Vec<Service>>(input, format),
            DocumentKind::ServiceDefinition => check_document::<ServiceDefinition>(input, format),
            DocumentKind::Requests => check_document::<Vec<ServiceRequest>>(input, format),
            DocumentKind::RequestCreated => {
                check_document::<Vec<CreatedServiceRequest>>(input, format);
            }
            DocumentKind::Token => check_document::<Vec<TokenLookup>>(input, format),
            DocumentKind::Errors => check_document::<Vec<ApiError>>(input, format),
            DocumentKind::Discovery => check_document::<Discovery>(input, format),
            DocumentKind::Updates => check_document::<Vec<ServiceRequestUpdate>>(input, format),
            DocumentKind::UpdateCreated => check_document::<Vec<CreatedUpdate>>(input, format),
        }
    }
}

/// Decodes `input` as `D` leniently and strictly, and panics where a promise of the decoders
/// is broken.
///
/// The promises: strict decoding never reads what lenient decoding refuses, and refuses a
/// document lenient decoding read only for a deviation; a document both read has no
/// deviation and the same value; JSON decoding answers as its serde reader alone does; and
/// what lenient decoding read, written as XML and as JSON, decodes again.
pub fn check_document<D: Document + PartialEq + Debug>(input: &[u8], format: Format) {
    let kind = D::KIND;
    let lenient = decode::<D>(input, format, &DecodeOptions::lenient());
    let strict = decode::<D>(input, format, &DecodeOptions::strict());
    if format == Format::Json {
        for (decoded, options) in [
            (&lenient, DecodeOptions::lenient()),
            (&strict, DecodeOptions::strict()),
        ] {
            let by_serde = json::from_slice_by_serde::<D>(input, &options);
            assert!(
                *decoded == by_serde,
                "{kind}: the JSON readers differ: {decoded:?}, by serde {by_serde:?}"
            );
        }
    }
    match (&lenient, &strict) {
        (Ok(lenient), Ok(strict)) => {
            assert!(
                lenient.deviations.is_empty(),
                "{kind}: strict read a document with deviations {:?}",
                lenient.deviations
            );
            assert_eq!(
                lenient.value, strict.value,
                "{kind}: strict and lenient differ"
            );
        }
        (Ok(_), Err(Error::Deviation { .. })) | (Err(_), Err(_)) => {}
        (Ok(_), Err(error)) => panic!("{kind}: lenient read it, strict failed with: {error}"),
        (Err(error), Ok(_)) => panic!("{kind}: strict read it, lenient failed with: {error}"),
    }

    let Ok(decoded) = lenient else { return };
    for again in [Format::Xml, Format::Json] {
        let bytes = encode(&decoded.value, again);
        if let Err(error) = decode::<D>(&bytes, again, &roomy()) {
            panic!(
                "{kind} read as {format}, written as {again}, is refused: {error}\n\
                 written: {}\nvalue: {:?}",
                String::from_utf8_lossy(&bytes),
                decoded.value
            );
        }
    }
}

/// Lenient options for a re-encoded document: XML nests a text one level deeper than JSON,
/// and a single item or unwrapped attributes gain a wrapper, so the depth limit is raised.
fn roomy() -> DecodeOptions {
    DecodeOptions::lenient().with_max_depth(64)
}
