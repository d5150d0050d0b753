//! `Store::release_memory` gives back what SQLite's page caches hold (the daemon calls it once
//! the data has been quiet for a while, `web::serve`). Alone in its test binary: it reads
//! SQLite's process-wide count of allocated bytes.
#![allow(clippy::unwrap_used)]
#![allow(unsafe_code)]

use chrono::{DateTime, Utc};
use essaim::dedup;
use essaim::model::Offer;
use essaim::store::{OfferFilter, Order, Posting, Store};

/// The bytes SQLite holds in this process.
fn sqlite_bytes() -> i64 {
    // SAFETY: `sqlite3_memory_used` takes nothing and reads a counter SQLite keeps under its
    // own mutex; it may be called from any thread at any time.
    unsafe { rusqlite::ffi::sqlite3_memory_used() }
}

#[test]
fn the_page_caches_are_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let store = Store::open(&path).unwrap();
    let config = essaim::config::parse(
        "[[feed]]\nid = \"f\"\nname = \"F\"\nnetwork = \"N\"\nurl = \"https://example.org/f.xml\"\n",
        &dir.path().join("feeds.toml"),
    )
    .unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    // Pages worth caching: a database of some megabytes, read through the readers.
    let at: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
    let postings: Vec<Posting> = (0..5_000)
        .map(|n| {
            let offer = Offer {
                url: Some(format!("https://example.org/offres/{n}")),
                reference: Some(format!("o-{n}")),
                title: format!("Animateur {n}"),
                title_raw: format!("Animateur {n} H/F"),
                description_text: format!("Offre {n}. ").repeat(80),
                published: Some(at),
                ..Offer::default()
            };
            let identity = dedup::identity(&offer);
            Posting::identified("f", identity, offer, "null".into())
        })
        .collect();
    assert_eq!(store.bulk_load("f", &postings, at).unwrap(), 5_000);
    for _ in 0..4 {
        let (offers, _) = store
            .query_offers(&OfferFilter::default(), Order::Published, 500, None)
            .unwrap();
        assert!(!offers.is_empty());
    }
    let before = sqlite_bytes();
    store.release_memory();
    let after = sqlite_bytes();
    assert!(
        after < before - (1 << 20),
        "SQLite held {before} bytes, and {after} after the release"
    );
    // The store still answers, reading the pages again.
    let (offers, _) = store
        .query_offers(&OfferFilter::default(), Order::Published, 10, None)
        .unwrap();
    assert_eq!(offers.len(), 10);

    // A database in memory has nothing to read its pages again from: they stay.
    let memory = Store::open_in_memory().unwrap();
    memory.sync_feeds(&config.feeds).unwrap();
    assert_eq!(memory.bulk_load("f", &postings[..500], at).unwrap(), 500);
    memory.release_memory();
    let (offers, _) = memory
        .query_offers(&OfferFilter::default(), Order::Published, 1_000, None)
        .unwrap();
    assert_eq!(offers.len(), 500);
}
