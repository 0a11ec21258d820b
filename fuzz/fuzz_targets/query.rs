//! Any bytes as a GET requests query string: no panic, and what `RequestQuery::parse` reads,
//! written by `to_query_string`, reads back to an equal value that writes the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use open311_fuzz::MAX_INPUT;
use open311_types::RequestQuery;
use open311_types::form::FormLimits;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let limits = FormLimits::default();
    let Ok(query) = RequestQuery::parse(data, &limits) else {
        return;
    };
    let text = query.to_query_string();
    let again = RequestQuery::parse(text.as_bytes(), &limits)
        .unwrap_or_else(|error| panic!("written query refused: {error}\nquery: {text}"));
    assert_eq!(again, query, "query: {text}");
    // `DateTime` equality ignores offsets; the same text shows they survived.
    assert_eq!(again.to_query_string(), text);
});
