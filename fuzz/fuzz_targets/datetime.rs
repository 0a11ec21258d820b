//! Any UTF-8 text as a datetime: no panic in `parse` or `parse_lenient`, `parse` reads nothing
//! `parse_lenient` refuses, and what either reads is formatted in a form `parse` reads back to
//! the same instant and offset.
#![no_main]

use libfuzzer_sys::fuzz_target;
use open311_fuzz::MAX_INPUT;
use open311_types::datetime::{self, Datetime};

/// Formats `value`, parses it strictly, and asserts the same instant and offset come back.
fn check_written(text: &str, value: &Datetime) {
    let written = datetime::format(value);
    let again = datetime::parse(&written)
        .unwrap_or_else(|error| panic!("{text:?} written as {written:?} is refused: {error}"));
    assert_eq!(&again, value, "{text:?} written as {written:?}");
    assert_eq!(
        again.offset(),
        value.offset(),
        "{text:?} written as {written:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let strict = datetime::parse(text);
    let lenient = datetime::parse_lenient(text);
    if let Ok(value) = &strict {
        let Ok((read, _)) = &lenient else {
            panic!("parse read {text:?}, parse_lenient refused it");
        };
        assert_eq!(value, read, "{text:?}");
        check_written(text, value);
    }
    if let Ok((value, _)) = &lenient {
        check_written(text, value);
    }
});
