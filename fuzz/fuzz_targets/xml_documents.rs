//! Any bytes as each of the nine XML documents, lenient and strict: no panic, the modes
//! agree, and what reads leniently is written as XML and JSON and reads again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use open311_fuzz::{MAX_INPUT, check_every_kind};
use open311_types::Format;

fuzz_target!(|data: &[u8]| {
    if data.len() <= MAX_INPUT {
        check_every_kind(data, Format::Xml);
    }
});
