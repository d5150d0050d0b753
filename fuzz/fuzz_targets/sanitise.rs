//! The description sanitiser and its plain-text forms: no panic, and the fast path's output
//! is what ammonia's would be (checked by the unit tests on generated markup).
#![no_main]

use essaim::normalise::html;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (clean, _) = html::sanitise_noting(text, Some("https://asso.example/offres/1"));
    let _ = html::sanitised_to_text(&clean);
    let _ = html::to_text(text);
    let _ = html::limit_nesting(text, 8);
    let _ = html::cap_text(&clean, 64);
    // No script element survives the sanitiser.
    assert!(!clean.contains("<script"), "{clean}");
});
