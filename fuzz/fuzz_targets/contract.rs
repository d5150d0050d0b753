//! Contracts, durations and working times.
#![no_main]

use essaim::normalise::{contract, duration, labels, working_time};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = contract::classify_contract(text);
    let _ = duration::contract_duration(text);
    let _ = working_time::parse_working_time(text);
    let _ = labels::labelled_fields(text);
});
