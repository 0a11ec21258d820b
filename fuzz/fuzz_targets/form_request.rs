//! Any bytes as a POST requests body: no panic, and what `form::decode_request` reads,
//! written by `form::encode_request`, reads back to an equal value and `api_key`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use open311_fuzz::MAX_INPUT;
use open311_types::form::{self, FormLimits};

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let limits = FormLimits::default();
    let Ok(posted) = form::decode_request(data, &limits) else {
        return;
    };
    let body = form::encode_request(&posted.value, posted.api_key.as_deref());
    let again = form::decode_request(body.as_bytes(), &limits)
        .unwrap_or_else(|error| panic!("re-encoded body refused: {error}\nbody: {body}"));
    assert_eq!(again, posted, "body: {body}");
});
