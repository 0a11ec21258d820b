//! Any bytes as a POST servicerequestupdates body: no panic, and what `form::decode_update`
//! reads, written by `form::encode_update`, reads back to an equal value, offset included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use open311_fuzz::MAX_INPUT;
use open311_types::datetime;
use open311_types::form::{self, FormLimits};

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let limits = FormLimits::default();
    let Ok(posted) = form::decode_update(data, &limits) else {
        return;
    };
    let body = form::encode_update(&posted.value, posted.api_key.as_deref());
    let again = form::decode_update(body.as_bytes(), &limits)
        .unwrap_or_else(|error| panic!("re-encoded body refused: {error}\nbody: {body}"));
    // `DateTime` equality compares instants only; the offset must survive too.
    let written = |value: &Option<datetime::Datetime>| value.as_ref().map(datetime::format);
    assert_eq!(
        written(&again.value.updated_datetime),
        written(&posted.value.updated_datetime),
        "body: {body}"
    );
    assert_eq!(again, posted, "body: {body}");
});
