//! Decoding 100,000 requests of XML needs at most 1.5 times the document's size, beyond the
//! input itself.

#[path = "support/memory.rs"]
mod memory;

use open311_types::{Format, ServiceRequest};

#[test]
fn decoding_a_hundred_thousand_requests_of_xml_stays_within_one_and_a_half_times_its_size() {
    let document = memory::document(Format::Xml);
    let (count, peak) =
        memory::peak_while_decoding::<Vec<ServiceRequest>>(&document, Format::Xml, Vec::len);
    assert_eq!(count, memory::REQUESTS);
    let ratio = peak as f64 / document.len() as f64;
    println!(
        "XML: {} bytes, peak {peak} bytes during decode, {ratio:.2}x",
        document.len()
    );
    assert!(
        ratio <= 1.5,
        "decoding needed {ratio:.2} times the document's size"
    );
}
