//! Templated ads by the thousand (an interim agency's "Animateur 1" ... "Animateur 5000", all
//! at Lyon, CDI, same employer, same description): filing each posting costs a bounded
//! amount of work however many alike postings are stored (no crowded blocking key is
//! scanned), and the same ads cross-posted on a second feed still find their twin.
//!
//! The work is counted, not timed: `essaim::dedup::cluster::work` (the `testing` feature)
//! counts candidate ids read through the blocking keys, candidates compared and cluster
//! members read. The counters are global to the process: this file holds one test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Utc};
use common::FeedsToml;
use essaim::dedup::cluster::work::{self, Work};
use essaim::dedup::similar::{CANDIDATES_PER_KEY, CANDIDATES_READ, CANDIDATES_UNCROWDED};
use essaim::model::{Contract, Location, Offer, Place};
use essaim::store::{Attempt, Posting, Store};

/// The one description of every ad (the template only changes the title's number).
const TEXT: &str = "L'association Léo Lagrange Centre-Est recrute des animateurs pour ses \
    accueils de loisirs à Lyon. Vos missions : concevoir et animer des activités éducatives, \
    accueillir les enfants et leurs familles, participer aux réunions d'équipe et au projet \
    pédagogique. Profil : BAFA exigé, BPJEPS apprécié. Contrat : CDI à temps plein, \
    rémunération selon la convention collective ÉCLAT.";

/// Most blocking keys a posting has (see `similar::keys`: 8 bands, 2 employer keys, 1 title
/// key, 3 title-word keys, 4 employer-and-title-word keys).
const MAX_KEYS: u64 = 18;

fn ad(feed: &str, i: usize) -> Posting {
    let reference = format!("{feed}-anim-{i}");
    let offer = Offer {
        feed_id: feed.into(),
        reference: Some(reference.clone()),
        url: Some(format!("https://{feed}.example.org/offre/{reference}")),
        title: format!("Animateur {i}"),
        title_raw: format!("Animateur {i} (H/F)"),
        employer: Some("Association Léo Lagrange Centre-Est".into()),
        location: Location {
            raw: Some("Lyon (69)".into()),
            place: Place {
                commune: Some("Lyon".into()),
                department: Some("69".into()),
                ..Default::default()
            },
            remote: None,
        },
        contract: Some(Contract::Cdi),
        description_text: TEXT.into(),
        ..Default::default()
    };
    Posting::new(offer, "null".into())
}

fn fetch(store: &Store, feed: &str, at: DateTime<Utc>, postings: &[Posting]) -> Work {
    let attempt = Attempt {
        started_at: at,
        finished_at: at,
        ..Default::default()
    };
    let before = work::now();
    let stats = store.record_success(feed, &attempt, postings, 2).unwrap();
    assert_eq!(stats.new, postings.len());
    work::now() - before
}

/// The work of filing `n` postings, per posting, must stay under what the caps allow, and
/// must not grow with `n`.
fn assert_bounded(label: &str, w: Work, n: usize) {
    let n = n as u64;
    assert_eq!(w.filed, n, "{label}: every posting is filed once");
    let per = |x: u64| x as f64 / n as f64;
    eprintln!(
        "{label}: per posting {:.1} key rows, {:.1} compared, {:.1} members",
        per(w.key_rows),
        per(w.compared),
        per(w.members)
    );
    assert!(
        w.key_rows <= n * MAX_KEYS * CANDIDATES_PER_KEY as u64,
        "{label}: {} candidate ids read through the keys for {n} postings",
        w.key_rows
    );
    assert!(
        w.compared <= n * (CANDIDATES_READ + CANDIDATES_UNCROWDED) as u64,
        "{label}: {} comparisons for {n} postings",
        w.compared
    );
    // A posting joins at most a few small clusters: it reads a few members, not the feed.
    assert!(
        w.members <= n * 4,
        "{label}: {} cluster members read for {n} postings",
        w.members
    );
}

#[test]
fn templated_ads_cost_a_bounded_work_per_posting_and_still_find_their_twin() {
    let config = FeedsToml::new()
        .feed("a", "A", "Réseau A", "a.xml")
        .feed("b", "B", "Réseau B", "b.xml")
        .feed("c", "C", "Réseau C", "c.xml")
        .parse(std::path::Path::new("/tmp/feeds.toml"));
    let store = common::memory_store_with_feeds(&config);
    let at = common::fixture_now();

    // A small feed first, then a large one: the work per posting is the same.
    let small: Vec<Posting> = (1..=500).map(|i| ad("c", i)).collect();
    let w_small = fetch(&store, "c", at, &small);
    assert_bounded("500 templated ads", w_small, small.len());

    const N: usize = 5_000;
    let a: Vec<Posting> = (1..=N).map(|i| ad("a", i)).collect();
    let w_a = fetch(&store, "a", at, &a);
    assert_bounded("5,000 templated ads", w_a, N);
    // Not more per posting than the small feed's, give or take the candidates of feed c.
    assert!(
        w_a.key_rows * small.len() as u64 <= w_small.key_rows * N as u64 * 2,
        "the candidate ids read per posting grew with the feed: {w_small:?} for 500, {w_a:?} for {N}"
    );

    // The same ads cross-posted on feed b: each is filed with its twin of feed a (and of
    // feed c for the first 500), found through the keys that name it (its title), not
    // crowded out by the thousands of alike ads under the description's keys.
    let b: Vec<Posting> = (1..=N).map(|i| ad("b", i)).collect();
    let w_b = fetch(&store, "b", at, &b);
    assert_bounded("5,000 cross-posted templated ads", w_b, N);

    let clusters: std::collections::HashMap<String, String> =
        store.cluster_ids().unwrap().into_iter().collect();
    let cluster_of = |p: &Posting| clusters[&p.public_id].clone();
    let mut missed = Vec::new();
    for i in 0..N {
        if cluster_of(&a[i]) != cluster_of(&b[i]) {
            missed.push(i + 1);
        }
        // Never two different ads (different numbers) in one cluster.
        if i > 0 {
            assert_ne!(
                cluster_of(&a[i]),
                cluster_of(&a[i - 1]),
                "ads {i} and {} joined",
                i + 1
            );
        }
    }
    // "Animateur 1" to "Animateur 9": a one-letter word is no title word (see
    // `similar::title_tokens`), so nothing the features hold tells these nine apart, and no
    // key names them alone.
    assert!(
        missed.iter().all(|&i| i < 10),
        "{} of {N} cross-posted ads not joined to their twin, e.g. {:?}",
        missed.len(),
        &missed[..missed.len().min(10)]
    );
}
