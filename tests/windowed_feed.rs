//! One large RSS feed read a window of items at a time (issue 20: 100,000 templated items
//! in a bounded memory): the pipeline parses it a window at a time twice, first for what
//! identifying its offers and reporting on them needs, then to make its postings a part at a
//! time. Counted by the pipeline itself (`Pipeline::items_alive`, behind the `testing`
//! feature), not timed: never more than a window of parsed items or waiting offers at once,
//! where the whole reading holds them all; and the fetch means what it meant read whole: the
//! same report (counts, every warning once, in order), the same offers stored, the offers it
//! lacks closed once the whole feed was read.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::FixtureDir;
use essaim::pipeline::{FeedReport, Outcome, Pipeline};

/// Items parsed at once, and postings made and applied at once, in these tests.
const WINDOW: usize = 40;
const PART: usize = 50;

/// Items in the large feed.
const ITEMS: usize = 437;

/// An RSS feed of the templated ads `numbers`, with what a report says: every 97th without
/// title nor link (not published), every 61st from the 31st without title, every 50th with
/// a date no one reads, and item 121 the same as item 120 (same guid: listed twice).
fn templated(numbers: impl Iterator<Item = usize>) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:job_listing=\"https://wpjobmanager.com\"><channel><title>Intérim</title>\
         <link>https://interim.example.org/</link><description>Offres</description>\n",
    );
    for i in numbers {
        if i % 97 == 96 {
            x.push_str("<item><description>Ni titre ni lien</description></item>\n");
            continue;
        }
        let n = if i == 121 { 120 } else { i };
        let title = if i % 61 == 30 {
            String::new()
        } else {
            format!("<title>Animateur {n} (H/F)</title>")
        };
        let date = if i % 50 == 49 {
            "32 Brumaire an CCXXXV"
        } else {
            "Mon, 05 Jan 2026 08:00:00 GMT"
        };
        x.push_str(&format!(
            "<item>{title}<link>https://interim.example.org/offre/{n}</link>\
             <guid isPermaLink=\"false\">anim-{n}</guid><pubDate>{date}</pubDate>\
             <description><![CDATA[<p>Accueil de loisirs à Lyon, poste n° {n}.</p>]]></description>\
             <job_listing:location>Lyon (69)</job_listing:location>\
             <job_listing:job_type>CDI</job_listing:job_type>\
             <job_listing:company>Association Léo Lagrange Centre-Est</job_listing:company></item>\n"
        ));
    }
    x.push_str("</channel></rss>\n");
    x
}

/// A pipeline over the fixture's store, reading the feed in windows or whole.
fn pipeline(e: &FixtureDir, windows: bool) -> Arc<Pipeline> {
    let p = Pipeline::with_clock(
        Arc::clone(&e.config),
        Arc::clone(&e.store),
        common::fixture_clock(),
    )
    .unwrap()
    .with_part_postings(PART);
    Arc::new(if windows {
        p.with_windows(WINDOW, 100)
    } else {
        p.with_windows(WINDOW, usize::MAX)
    })
}

async fn refresh(p: &Arc<Pipeline>) -> FeedReport {
    let mut reports = p.refresh_many(&["big".to_string()]).await;
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn stats(r: &FeedReport) -> essaim::store::ApplyStats {
    match &r.outcome {
        Outcome::Updated(s) => *s,
        other => panic!("{other:?}"),
    }
}

/// The stored offers of the feed: (public id, status), and the published jobs' ids.
fn stored(e: &FixtureDir) -> (Vec<(String, String)>, Vec<String>) {
    let marks = e
        .store
        .offer_marks("big")
        .unwrap()
        .into_iter()
        .map(|m| (m.public_id, m.status))
        .collect();
    let mut jobs: Vec<String> = e
        .store
        .open_offers(10 * ITEMS)
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    jobs.sort();
    (marks, jobs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_feed_is_read_a_window_at_a_time_and_means_what_it_meant() {
    let (windowed, whole) = (FixtureDir::big_feed(), FixtureDir::big_feed());
    let write = |e: &FixtureDir, numbers: Vec<usize>| {
        std::fs::write(e.dir.path().join("big.xml"), templated(numbers.into_iter())).unwrap()
    };
    write(&windowed, (0..ITEMS).collect());
    write(&whole, (0..ITEMS).collect());
    let (w, h) = (pipeline(&windowed, true), pipeline(&whole, false));
    let (rw, rh) = (refresh(&w).await, refresh(&h).await);

    // Never more than a window of items at once, where the whole reading holds them all.
    assert_eq!(w.items_alive(), (WINDOW, 0));
    assert_eq!(h.items_alive().0, ITEMS);
    let (peak, now) = w.postings_alive();
    assert!(
        peak > 0 && peak <= 3 * PART && now == 0,
        "{peak} postings alive"
    );

    // The same report: counts, and every warning once, in the same order.
    assert_eq!(rw.items_found, ITEMS);
    assert_eq!(rw.items_found, rh.items_found);
    assert_eq!(rw.warnings, rh.warnings);
    let unpublished = ITEMS / 97;
    let s = stats(&rw);
    assert_eq!((s.new, s.closed), (ITEMS - unpublished - 1, 0), "{s:?}");
    assert_eq!(s, stats(&rh));
    for said in [
        "item 97 (no reference): neither title nor link",
        "item 122 \"Animateur 120 (H/F)\": same identity (ref:anim-120) as item 121; kept the first",
        "item 31 (https://interim.example.org/offre/30): no title",
        "item 50 \"Animateur 49 (H/F)\": unparseable published date",
        "item 400 \"Animateur 399 (H/F)\": unparseable published date",
    ] {
        assert_eq!(
            rw.warnings.iter().filter(|w| w.contains(said)).count(),
            1,
            "{said}: {:#?}",
            rw.warnings
        );
    }
    // The same offers and jobs stored.
    assert_eq!(stored(&windowed), stored(&whole));

    // The next fetch lacks three offers, in the first, a middle and the last window: those
    // three are closed once the whole feed was read, and no other.
    let gone = [1, 222, 430];
    let next: Vec<usize> = (0..ITEMS).filter(|i| !gone.contains(i)).collect();
    write(&windowed, next.clone());
    write(&whole, next);
    let (rw, rh) = (refresh(&w).await, refresh(&h).await);
    let s = stats(&rw);
    assert_eq!((s.new, s.updated, s.closed, s.held), (0, 0, 3, 0), "{s:?}");
    assert_eq!(s, stats(&rh));
    assert_eq!(rw.warnings, rh.warnings);
    assert_eq!(stored(&windowed), stored(&whole));
    for i in gone {
        let id = essaim::dedup::public_id("big", &format!("ref:anim-{i}"));
        let marks = windowed.store.offer_marks("big").unwrap();
        let mark = marks.iter().find(|m| m.public_id == id).unwrap();
        assert_eq!(mark.status, "closed", "item {i}");
    }
    assert_eq!(w.items_alive(), (WINDOW, 0));
}
