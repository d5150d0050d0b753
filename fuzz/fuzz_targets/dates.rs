//! The dates partners write.
#![no_main]

use essaim::text::dates;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let _ = dates::parse_date(text, now);
    let _ = dates::states_no_date(text);
});
