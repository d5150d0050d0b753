//! Contracts, durations and working times.
#![no_main]

use essaim::normalise::vocab;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = vocab::classify_contract(text);
    let _ = vocab::contract_duration(text);
    let _ = vocab::parse_working_time(text);
    let _ = vocab::labelled_fields(text);
});
