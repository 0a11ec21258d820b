//! Any UTF-8 text as a form key: no panic in `form::parse_attribute_key`, a code it reads is
//! never empty, and the key written again in the form it found reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use open311_fuzz::MAX_INPUT;
use open311_types::AttributeForm;
use open311_types::form;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(key) = std::str::from_utf8(data) else {
        return;
    };
    let Some(Ok((code, attribute_form, index))) = form::parse_attribute_key(key) else {
        return;
    };
    assert!(!code.is_empty(), "{key:?} read with an empty code");
    let written = match (attribute_form, index) {
        (AttributeForm::Single, None) => format!("attribute[{code}]"),
        (AttributeForm::List, None) => format!("attribute[{code}][]"),
        (AttributeForm::Indexed, Some(index)) => format!("attribute[{code}][{index}]"),
        other => panic!("{key:?} read as {other:?}"),
    };
    assert_eq!(
        form::parse_attribute_key(&written),
        Some(Ok((code, attribute_form, index))),
        "{key:?} written as {written:?}"
    );
});
