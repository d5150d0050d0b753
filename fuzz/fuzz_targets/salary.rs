//! Salaries as written ("1 900 € brut mensuel", "11,88 €/h", "selon CCN 66").
#![no_main]

use essaim::normalise::vocab;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = vocab::parse_salary(text);
});
