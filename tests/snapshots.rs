//! Every fixture feed of the bundled feeds.toml, parsed and normalised, against its expected
//! offers checked in as snapshots in fixtures/expected/ (insta). After an intended change,
//! review with `cargo insta review` or accept with `INSTA_UPDATE=always cargo test`.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use serde_json::json;

use essaim::config::{self, FeedSource};
use essaim::dedup;
use essaim::normalise::{self, Context};
use essaim::parse::{self, ParseContext};

#[test]
fn fixture_feeds_normalise_to_their_snapshots() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml");
    let config = config::load(std::path::Path::new(path)).unwrap();
    let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
    assert_eq!(config.feeds.len(), 10);
    for feed in &config.feeds {
        let FeedSource::File(file) = &feed.source else {
            panic!("{}: the bundled feeds are files", feed.id);
        };
        let bytes = std::fs::read(file).unwrap();
        let ctx = ParseContext {
            format: Some(feed.format),
            mapping: feed.mapping.as_ref(),
            elements: &feed.elements,
            ..ParseContext::at(now)
        };
        let parsed = parse::parse(&bytes, &ctx).unwrap_or_else(|e| panic!("{}: {e}", feed.id));
        let nctx = Context {
            feed_id: &feed.id,
            base_url: None,
            now,
        };
        let offers: Vec<_> = parsed
            .items
            .iter()
            .map(|item| {
                let offer = normalise::normalise(item, &nctx);
                json!({ "identity": dedup::identity(&offer), "offer": offer })
            })
            .collect();
        let snapshot = json!({
            "format": parsed.format.map(|f| f.name()),
            "encoding": parsed.encoding,
            "warnings": parsed.warnings,
            "offers": offers,
        });
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/expected"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(feed.id.clone(), serde_json::to_string_pretty(&snapshot).unwrap());
        });
    }
}
