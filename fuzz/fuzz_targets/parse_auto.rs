//! Format detection and whichever parser it picks, then the normaliser on every item: no
//! panic, no stack overflow, whatever the bytes.
#![no_main]

use essaim::normalise;
use essaim::parse::{self, ParseContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let ctx = ParseContext::at(now);
    if let Ok(parsed) = parse::parse(data, &ctx) {
        let nctx = normalise::Context {
            feed_id: "fuzz",
            base_url: Some("https://partenaire.example/offres/"),
            now,
        };
        for item in &parsed.items {
            let offer = normalise::normalise(item, &nctx);
            let _ = normalise::unpublishable(&offer);
        }
    }
});
