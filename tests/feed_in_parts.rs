//! One large feed applied in parts (issue 20: 100,000 templated items in a bounded memory): a
//! body of more postings than a part is made into postings a part at a time while the writer
//! applies the part before, in the fetch's one transaction. Counted by the pipeline itself
//! (`Pipeline::postings_alive`, behind the `testing` feature), not timed: never more than
//! three parts of postings alive at once; what a refresh means is unchanged across parts (the
//! closing rule, two postings of one feed never one job); and a fetch whose parts do not all
//! come changes nothing, and the next one applies the feed whole.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{FeedsToml, FixtureDir};
use essaim::model::{Location, Offer};
use essaim::pipeline::{Outcome, Pipeline};
use essaim::store::{Attempt, Posting, StoreError};

/// Postings made and applied at once in these tests.
const PART: usize = 50;

/// Items in the large feed: more than eight parts, the last one short.
const ITEMS: usize = 437;

/// Two items of the feed that say the same (title, employer, place, description) under two
/// guids, in two different parts: the partner publishes them at once, so they are two jobs.
const TWINS: [usize; 2] = [3, 403];

/// An RSS feed of the templated ads `numbers` (an interim agency's "Animateur N (H/F)", all
/// at Lyon, CDI, one employer, one description but the number).
fn templated(numbers: impl Iterator<Item = usize>) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:job_listing=\"https://wpjobmanager.com\"><channel><title>Intérim</title>\
         <link>https://interim.example.org/</link><description>Offres</description>",
    );
    for i in numbers {
        let (title, n) = if TWINS.contains(&i) {
            ("Animateur jumeau (H/F)".to_string(), "jumeau".to_string())
        } else {
            (format!("Animateur {i} (H/F)"), i.to_string())
        };
        x.push_str(&format!(
            "<item><title>{title}</title><link>https://interim.example.org/offre/{i}</link>\
             <guid isPermaLink=\"false\">anim-{i}</guid>\
             <pubDate>Mon, 05 Jan 2026 08:00:00 GMT</pubDate>\
             <description><![CDATA[<p>Accueil de loisirs à Lyon, poste n° {n}. BAFA exigé.</p>]]></description>\
             <job_listing:location>Lyon (69)</job_listing:location>\
             <job_listing:job_type>CDI</job_listing:job_type>\
             <job_listing:company>Association Léo Lagrange Centre-Est</job_listing:company></item>"
        ));
    }
    x.push_str("</channel></rss>\n");
    x
}

/// A pipeline over the fixture's store applying a body in parts of `part` postings.
fn pipeline(e: &FixtureDir, part: usize) -> Arc<Pipeline> {
    let p = Pipeline::with_clock(
        Arc::clone(&e.config),
        Arc::clone(&e.store),
        common::fixture_clock(),
    )
    .unwrap();
    Arc::new(p.with_part_postings(part))
}

async fn refresh(p: &Arc<Pipeline>) -> essaim::pipeline::FeedReport {
    let mut reports = p.refresh_many(&["big".to_string()]).await;
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn stats(r: &essaim::pipeline::FeedReport) -> essaim::store::ApplyStats {
    match &r.outcome {
        Outcome::Updated(s) => *s,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_feed_is_applied_a_part_at_a_time_and_means_what_it_meant() {
    let e = FixtureDir::big_feed();
    let write = |numbers: Vec<usize>| {
        std::fs::write(e.dir.path().join("big.xml"), templated(numbers.into_iter())).unwrap()
    };
    write((0..ITEMS).collect());
    let parts = pipeline(&e, PART);
    let r = refresh(&parts).await;
    assert_eq!(r.items_found, ITEMS);
    let s = stats(&r);
    assert_eq!((s.new, s.updated, s.closed), (ITEMS, 0, 0), "{s:?}");
    // A part applied, the next waiting, the one after being made: never the whole feed.
    let (peak, now) = parts.postings_alive();
    assert!(
        peak > 0 && peak <= 3 * PART,
        "{peak} postings alive at once"
    );
    assert_eq!(now, 0, "every part made was applied");
    assert_eq!(e.offers("big"), (ITEMS, 0));

    // The twins are two jobs: the filing knew from the first part every posting the fetch
    // lists, not only those of the part being applied.
    let clusters: std::collections::HashMap<String, String> =
        e.store.cluster_ids().unwrap().into_iter().collect();
    let twin = |i: usize| {
        let id = essaim::dedup::public_id("big", &format!("ref:anim-{i}"));
        clusters[&id].clone()
    };
    assert_ne!(twin(TWINS[0]), twin(TWINS[1]));
    assert_eq!(e.store.open_offers(10 * ITEMS).unwrap().len(), ITEMS);

    // The next fetch lacks three offers, one in the first part, one in the middle, one in
    // the last: those three are closed, once every part is applied, and no other.
    let gone = [1, 222, 430];
    write((0..ITEMS).filter(|i| !gone.contains(i)).collect());
    let r = refresh(&parts).await;
    let s = stats(&r);
    assert_eq!(
        (s.new, s.updated, s.unchanged, s.closed, s.held),
        (0, 0, ITEMS - 3, 3, 0),
        "{s:?}"
    );
    assert_eq!(e.offers("big"), (ITEMS - 3, 3));
    for i in gone {
        let id = essaim::dedup::public_id("big", &format!("ref:anim-{i}"));
        let mark = e.store.offer_marks("big").unwrap();
        let mark = mark.iter().find(|m| m.public_id == id).unwrap();
        assert_eq!(mark.status, "closed", "item {i}");
    }

    // The same feed applied whole holds every posting at once: what the count above rules
    // out.
    let whole = pipeline(&e, ITEMS);
    write((0..ITEMS).map(|i| i + ITEMS).collect());
    let r = refresh(&whole).await;
    let s = stats(&r);
    assert_eq!(s.new, ITEMS, "{s:?}");
    assert_eq!(whole.postings_alive(), (ITEMS, 0));
}

fn offer(i: usize) -> Posting {
    let offer = Offer {
        feed_id: "big".into(),
        reference: Some(format!("anim-{i}")),
        url: Some(format!("https://interim.example.org/offre/{i}")),
        title: format!("Animateur {i}"),
        title_raw: format!("Animateur {i} (H/F)"),
        employer: Some("Association Léo Lagrange Centre-Est".into()),
        location: Location {
            raw: Some("Lyon (69)".into()),
            ..Default::default()
        },
        description_text: format!("Accueil de loisirs à Lyon, poste n° {i}."),
        ..Default::default()
    };
    Posting::new(offer, "null".into())
}

/// A fetch applied in parts that does not get all of them (the maker failed, the process
/// stopped, the parts ended short) is rolled back whole: no offer added, changed or closed,
/// no attempt recorded. The next fetch, whole, does what the failed one would have done.
#[test]
fn a_fetch_whose_parts_do_not_all_come_changes_nothing_and_the_next_one_finishes() {
    let config = FeedsToml::new()
        .feed("big", "Big", "Test", "big.xml")
        .parse(std::path::Path::new("/tmp/feeds.toml"));
    let store = common::memory_store_with_feeds(&config);
    let at = common::fixture_now();
    let attempt = Attempt {
        started_at: at,
        finished_at: at,
        ..Default::default()
    };
    let first: Vec<Posting> = (0..20).map(offer).collect();
    store.record_success("big", &attempt, &first, 1).unwrap();
    let before = store.offer_marks("big").unwrap();
    let attempts = store.attempts("big").unwrap().len();

    // The next fetch lists 4..30: 0..4 would be closed, 20..30 added.
    let next: Vec<Posting> = (4..30).map(offer).collect();
    let identities: Vec<String> = next.iter().map(|p| p.identity.clone()).collect();
    let parts = || next.chunks(5).map(|c| Ok(c.to_vec()));
    let failed = store.record_success_in_parts(
        "big",
        &attempt,
        &identities,
        parts()
            .take(2)
            .chain([Err(StoreError::Refused("the maker failed".into()))]),
        1,
    );
    assert!(matches!(failed, Err(StoreError::Refused(ref m)) if m == "the maker failed"));
    let short = store.record_success_in_parts("big", &attempt, &identities, parts().take(3), 1);
    match short {
        Err(StoreError::Refused(m)) => assert!(m.contains("15 postings where it lists 26"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.offer_marks("big").unwrap(), before);
    assert_eq!(store.attempts("big").unwrap().len(), attempts);

    let stats = store
        .record_success_in_parts("big", &attempt, &identities, parts(), 1)
        .unwrap();
    assert_eq!(
        (stats.new, stats.unchanged, stats.closed),
        (10, 16, 4),
        "{stats:?}"
    );
    let open: Vec<String> = store
        .offer_marks("big")
        .unwrap()
        .into_iter()
        .filter(|m| m.status == "open")
        .map(|m| m.public_id)
        .collect();
    let mut listed: Vec<String> = next.iter().map(|p| p.public_id.clone()).collect();
    listed.sort();
    assert_eq!(open, listed);
}
