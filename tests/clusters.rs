//! The life of a job across feeds, through the store: postings of one job on two feeds are
//! one published item with both sources and the first posting's id; a posting that changes
//! leaves the cluster (split) and comes back (merge); closing, expiry and purge.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::FeedsToml;
use essaim::model::{Contract, Location, Offer, Place};
use essaim::store::{Attempt, Posting, Store};

const TEXT: &str =
    "La Fédération Léo Lagrange Centre-Est recrute des animateurs pour ses accueils \
    périscolaires de Villeurbanne. Vos missions : encadrer les enfants de 3 à 11 ans sur les temps \
    du matin, du midi et du soir; concevoir et animer des activités ludiques, sportives et \
    culturelles; veiller à la sécurité physique et affective des enfants. Profil : BAFA exigé. \
    Contrat : CDD de 10 mois, 24 heures par semaine. Candidatures avant le 30/11/2026.";

fn offer(feed: &str, reference: &str, commune: &str, contract: Contract, text: &str) -> Offer {
    Offer {
        feed_id: feed.into(),
        reference: Some(reference.into()),
        url: Some(format!("https://{feed}.example.org/{reference}")),
        title: "Animateur périscolaire".into(),
        title_raw: "Animateur périscolaire H/F".into(),
        employer: Some("Fédération Léo Lagrange Centre-Est".into()),
        location: Location {
            raw: Some(commune.into()),
            place: Place {
                commune: Some(commune.into()),
                department: Some("69".into()),
                ..Default::default()
            },
            remote: None,
        },
        contract: Some(contract),
        description_text: text.into(),
        ..Default::default()
    }
}

fn posting(o: Offer) -> Posting {
    Posting::new(o, "null".into())
}

/// Feeds "a", "b"... each in its own network, read from a file.
fn feeds(ids: &[&str]) -> FeedsToml {
    ids.iter().fold(FeedsToml::new(), |toml, id| {
        let upper = id.to_uppercase();
        toml.feed(id, &upper, &format!("Réseau {upper}"), &format!("{id}.xml"))
    })
}

/// A store in memory holding the feeds "a" and "b".
fn store() -> Store {
    let config = feeds(&["a", "b"]).parse(std::path::Path::new("/tmp/feeds.toml"));
    common::memory_store_with_feeds(&config)
}

fn fetch(store: &Store, feed: &str, at: DateTime<Utc>, postings: &[Posting]) {
    let attempt = Attempt {
        started_at: at,
        finished_at: at,
        ..Default::default()
    };
    store.record_success(feed, &attempt, postings, 2).unwrap();
}

#[test]
fn one_job_on_two_feeds_is_one_item_that_splits_and_merges() {
    split_and_merge(&store());
}

/// The same story with the blocking keys written into `dedup_keys` after every fetch, and
/// after every other one: where a posting's keys are (in memory or in the table) changes no
/// decision.
#[test]
fn flushing_the_keys_at_any_moment_changes_nothing() {
    for every in [1, 2] {
        let s = store();
        s.set_key_flush_threshold(every);
        split_and_merge(&s);
    }
}

fn split_and_merge(s: &Store) {
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let a = posting(offer("a", "1", "Villeurbanne", Contract::Cdd, TEXT));
    let short: String = TEXT.chars().take(220).collect();
    let b = posting(offer("b", "x", "Villeurbanne", Contract::Cdd, &short));
    fetch(s, "a", t0, std::slice::from_ref(&a));
    fetch(s, "b", t0 + Duration::hours(1), std::slice::from_ref(&b));

    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, a.public_id, "the first posting's id");
    let feeds: Vec<&str> = items[0].sources.iter().map(|x| x.feed.as_str()).collect();
    assert_eq!(feeds, ["a", "b"]);
    assert_eq!(
        items[0].sources[1].url.as_deref(),
        Some("https://b.example.org/x")
    );
    assert_eq!(
        items[0].offer.description_text, TEXT,
        "the richest posting's fields"
    );
    let json = essaim::publish::job_object(&items[0]);
    assert_eq!(json["sources"].as_array().unwrap().len(), 2);

    // b's posting changes into another job (another commune): the cluster splits.
    let b2 = posting(offer("b", "x", "Vénissieux", Contract::Cdd, &short));
    fetch(s, "b", t0 + Duration::hours(2), std::slice::from_ref(&b2));
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().any(|i| i.id == a.public_id));
    assert!(items.iter().any(|i| i.id == b.public_id));
    // ... and back: they merge again under the first posting's id.
    fetch(s, "b", t0 + Duration::hours(3), std::slice::from_ref(&b));
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, a.public_id);

    // Another contract is another job.
    let c = posting(offer("b", "y", "Villeurbanne", Contract::Cdi, TEXT));
    fetch(s, "b", t0 + Duration::hours(4), &[b.clone(), c]);
    assert_eq!(s.open_offers(100).unwrap().len(), 2);

    // Feed a drops its posting: closed after two successful fetches without it; the job stays
    // published (b still carries it) under the same id, with b as its only source.
    fetch(s, "a", t0 + Duration::hours(5), &[]);
    fetch(s, "a", t0 + Duration::hours(6), &[]);
    let items = s.open_offers(100).unwrap();
    let job = items.iter().find(|i| i.id == a.public_id).unwrap();
    assert_eq!(job.sources.len(), 1);
    assert_eq!(job.sources[0].feed, "b");

    // Everything closed: nothing published; purge deletes after the retention only.
    fetch(s, "b", t0 + Duration::hours(7), &[]);
    fetch(s, "b", t0 + Duration::hours(8), &[]);
    assert!(s.open_offers(100).unwrap().is_empty());
    assert_eq!(s.purge(t0 + Duration::days(30), 90).unwrap().deleted, 0);
    assert_eq!(s.cluster_ids().unwrap().len(), 3);
    assert_eq!(s.purge(t0 + Duration::days(91), 90).unwrap().deleted, 3);
    assert!(s.cluster_ids().unwrap().is_empty());
    assert_eq!(
        s.dedup_keys_pending().unwrap(),
        0,
        "purged postings' keys go too"
    );
}

#[test]
fn offers_past_valid_through_are_expired() {
    let s = store();
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let mut o = offer("a", "1", "Villeurbanne", Contract::Cdd, TEXT);
    o.valid_through = Some(t0 + Duration::days(1));
    let p = posting(o);
    fetch(&s, "a", t0, std::slice::from_ref(&p));
    assert_eq!(s.open_offers(100).unwrap().len(), 1);
    let stats = s.purge(t0 + Duration::days(2), 90).unwrap();
    assert_eq!((stats.expired, stats.deleted), (1, 0));
    assert!(s.open_offers(100).unwrap().is_empty());
    // Still listed by its feed after the date: stays expired.
    fetch(&s, "a", t0 + Duration::days(3), std::slice::from_ref(&p));
    assert!(s.open_offers(100).unwrap().is_empty());
    assert_eq!(s.purge(t0 + Duration::days(94), 90).unwrap().deleted, 1);
}

#[test]
fn a_shortened_posting_that_could_be_either_of_two_jobs_stands_alone() {
    let s = store();
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let cdd = posting(offer("a", "1", "Villeurbanne", Contract::Cdd, TEXT));
    let short: String = TEXT.chars().take(220).collect();
    let mut o = offer("b", "2", "Villeurbanne", Contract::Cdd, &short);
    o.contract = None;
    let shortened = posting(o);
    fetch(&s, "a", t0, std::slice::from_ref(&cdd));
    fetch(
        &s,
        "b",
        t0 + Duration::hours(1),
        std::slice::from_ref(&shortened),
    );
    // The only job it can be: one item.
    assert_eq!(s.open_offers(100).unwrap().len(), 1);

    // The employer also posts the job as a CDI: the shortened posting (no contract) could be
    // either, and leaves the CDD's item, which keeps its id.
    let cdi = posting(offer("a", "3", "Villeurbanne", Contract::Cdi, TEXT));
    fetch(
        &s,
        "a",
        t0 + Duration::hours(2),
        &[cdd.clone(), cdi.clone()],
    );
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 3);
    for p in [&cdd, &cdi, &shortened] {
        let item = items.iter().find(|i| i.id == p.public_id).unwrap();
        assert_eq!(item.sources.len(), 1, "{}", p.public_id);
    }

    // Another shortened copy, seen now that both jobs are known, joins neither.
    let mut o = offer("b", "4", "Villeurbanne", Contract::Cdd, &short);
    o.contract = None;
    o.title = "Animateur périscolaire (H/F)".into();
    fetch(
        &s,
        "b",
        t0 + Duration::hours(3),
        &[shortened.clone(), posting(o)],
    );
    assert_eq!(s.open_offers(100).unwrap().len(), 4);
}

#[test]
fn purge_deletes_old_fetch_attempts_but_each_feeds_latest() {
    let s = store();
    let t0: DateTime<Utc> = "2026-01-01T06:00:00Z".parse().unwrap();
    let attempt = |at: DateTime<Utc>| Attempt {
        started_at: at,
        finished_at: at + Duration::seconds(2),
        http_status: Some(304),
        ..Default::default()
    };
    // Feed a: fetched daily for 30 days, then nothing for months, then daily for 5 days.
    let old: Vec<DateTime<Utc>> = (0..30).map(|d| t0 + Duration::days(d)).collect();
    let recent: Vec<DateTime<Utc>> = (100..105).map(|d| t0 + Duration::days(d)).collect();
    for at in old.iter().chain(&recent) {
        s.record_not_modified("a", &attempt(*at)).unwrap();
    }
    // Feed b: 5 fetches long ago, then none (a feed that stopped being fetched).
    for d in 0..5 {
        s.record_not_modified("b", &attempt(t0 + Duration::days(d)))
            .unwrap();
    }
    assert_eq!(s.attempt_log("a").unwrap().len(), 35);

    // Within the retention (90 days) nothing goes.
    let stats = s.purge(t0 + Duration::days(89), 90).unwrap();
    assert_eq!(stats.attempts, 0);
    assert_eq!(s.attempt_log("a").unwrap().len(), 35);

    // 150 days on, the cutoff is day 60: a keeps its 5 recent attempts and the latest of the
    // old ones up to 20 in all; b keeps its 5.
    let stats = s.purge(t0 + Duration::days(150), 90).unwrap();
    assert_eq!(stats.attempts, 15);
    let log: Vec<DateTime<Utc>> = s
        .attempt_log("a")
        .unwrap()
        .into_iter()
        .map(|a| a.started_at)
        .collect();
    let mut kept = old[15..].to_vec();
    kept.extend(&recent);
    assert_eq!(log, kept);
    assert_eq!(s.attempt_log("b").unwrap().len(), 5);
    assert_eq!(s.feed_statuses().unwrap().len(), 2);

    // A later fetch is recorded and listed last, under a new id.
    s.record_not_modified("a", &attempt(t0 + Duration::days(151)))
        .unwrap();
    let log = s.attempt_log("a").unwrap();
    assert_eq!(log.len(), 21);
    assert_eq!(log[20].started_at, t0 + Duration::days(151));
}

/// A posting of the Villeurbanne CDD job of `TEXT` (or of a shortened text).
fn villeurbanne(feed: &str, reference: &str, text: &str) -> Posting {
    posting(offer(feed, reference, "Villeurbanne", Contract::Cdd, text))
}

/// The database at `path` (named `essaim.db`), holding the feeds "a", "b" and "c".
fn three_feeds(path: &std::path::Path) -> Store {
    let config = feeds(&["a", "b", "c"]).parse(&path.with_file_name("feeds.toml"));
    assert_eq!(config.settings.database, path);
    common::store_with_feeds(&config)
}

/// Two processes on one database (the daemon, and a command run beside it): each finds the
/// postings the other filed, whether their keys are still listed or already flushed.
#[test]
fn postings_filed_by_another_process_are_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let first = three_feeds(&path);
    let second = three_feeds(&path);
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let short: String = TEXT.chars().take(220).collect();

    fetch(&first, "a", t0, &[villeurbanne("a", "1", TEXT)]);
    // The second process files the same job: it reads the first one's listed posting.
    fetch(
        &second,
        "b",
        t0 + Duration::hours(1),
        &[villeurbanne("b", "x", &short)],
    );
    assert_eq!(second.open_offers(100).unwrap().len(), 1);
    assert_eq!(second.dedup_keys_pending().unwrap(), 2);
    // It flushes both postings' keys into the table; the first process, whose memory still
    // lists them, notices and reads them from the table.
    assert_eq!(second.flush_dedup_keys().unwrap(), 2);
    fetch(
        &first,
        "c",
        t0 + Duration::hours(2),
        &[villeurbanne("c", "k", TEXT)],
    );
    assert_eq!(first.dedup_keys_pending().unwrap(), 1);
    let items = first.open_offers(100).unwrap();
    assert_eq!(items.len(), 1);
    let feeds: Vec<&str> = items[0].sources.iter().map(|x| x.feed.as_str()).collect();
    assert_eq!(feeds, ["a", "b", "c"]);
}

/// A fetch that fails half-way (here a trigger refuses its second posting, as a full disk
/// would) stores nothing, and leaves no key behind for the postings it had filed before
/// failing.
#[test]
fn a_failed_fetch_leaves_no_keys_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let s = three_feeds(&path);
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let a = villeurbanne("a", "1", TEXT);
    fetch(&s, "a", t0, std::slice::from_ref(&a));
    assert_eq!(s.dedup_keys_pending().unwrap(), 1);

    let other = posting(offer("b", "2", "Lyon", Contract::Cdi, "Comptable à Lyon."));
    let refused = posting(offer(
        "b",
        "3",
        "Bron",
        Contract::Cdi,
        "Agent d'accueil à Bron.",
    ));
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&format!(
            "CREATE TRIGGER refuse_offer BEFORE INSERT ON offers
             WHEN NEW.public_id = '{}' BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            refused.public_id
        ))
        .unwrap();
    let attempt = Attempt {
        started_at: t0,
        finished_at: t0,
        ..Default::default()
    };
    assert!(s
        .record_success("b", &attempt, &[other, refused], 2)
        .is_err());
    assert_eq!(
        s.dedup_keys_pending().unwrap(),
        1,
        "the rolled-back posting is not listed"
    );
    assert_eq!(s.open_offers(100).unwrap().len(), 1);

    // The same job on b, fetched properly, joins a's item; a flush afterwards keeps it so.
    let b = villeurbanne("b", "x", TEXT);
    fetch(&s, "b", t0 + Duration::hours(1), std::slice::from_ref(&b));
    assert_eq!(s.flush_dedup_keys().unwrap(), 2);
    assert_eq!(s.dedup_keys_pending().unwrap(), 0);
    // (On a third feed: two references of one feed published at once are two jobs.)
    let c = villeurbanne("c", "y", TEXT);
    fetch(&s, "c", t0 + Duration::hours(2), std::slice::from_ref(&c));
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].sources.len(), 3);
}

/// A flush that fails (here a trigger refuses the keys, as a full disk would) costs no fetch:
/// the fetch is stored, the postings stay listed and are still found, and the keys are
/// written by a later flush once the cause is gone.
#[test]
fn a_failed_flush_costs_no_fetch_and_is_tried_again_later() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let s = three_feeds(&path);
    s.set_key_flush_threshold(2);
    let refuse = rusqlite::Connection::open(&path).unwrap();
    refuse
        .execute_batch(
            "CREATE TRIGGER refuse_keys BEFORE INSERT ON dedup_keys
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let short: String = TEXT.chars().take(220).collect();
    fetch(&s, "a", t0, &[villeurbanne("a", "1", TEXT)]);
    // The second posting makes a flush due; it fails, the fetch is stored all the same.
    fetch(
        &s,
        "b",
        t0 + Duration::hours(1),
        &[villeurbanne("b", "x", &short)],
    );
    assert_eq!(s.dedup_keys_pending().unwrap(), 2);
    assert_eq!(s.open_offers(100).unwrap().len(), 1);
    // Still failing: the third posting is listed too, and found.
    fetch(
        &s,
        "c",
        t0 + Duration::hours(2),
        &[villeurbanne("c", "k", TEXT)],
    );
    assert_eq!(s.dedup_keys_pending().unwrap(), 3);
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].sources.len(), 3);
    // The cause gone, a later fetch flushes everything.
    refuse.execute_batch("DROP TRIGGER refuse_keys").unwrap();
    fetch(
        &s,
        "a",
        t0 + Duration::hours(3),
        &[
            villeurbanne("a", "1", TEXT),
            posting(offer(
                "a",
                "2",
                "Lyon",
                Contract::Cdi,
                "Comptable à Lyon, CDI.",
            )),
        ],
    );
    assert_eq!(s.dedup_keys_pending().unwrap(), 0);
    assert_eq!(s.open_offers(100).unwrap().len(), 2);
}

/// A posting read as a candidate and changed afterwards is compared as it is now: the store
/// remembers the features of the candidates it reads, and must forget a posting's when it
/// changes.
#[test]
fn a_changed_posting_is_compared_as_it_now_is() {
    let dir = tempfile::tempdir().unwrap();
    let s = three_feeds(&dir.path().join("essaim.db"));
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    fetch(&s, "a", t0, &[villeurbanne("a", "1", TEXT)]);
    // The same ad in Vénissieux is another job; the Villeurbanne posting was read to see so.
    let elsewhere = posting(offer("b", "x", "Vénissieux", Contract::Cdd, TEXT));
    fetch(
        &s,
        "b",
        t0 + Duration::hours(1),
        std::slice::from_ref(&elsewhere),
    );
    assert_eq!(s.open_offers(100).unwrap().len(), 2);
    // The Villeurbanne posting becomes a CDI; a CDI posting of it on feed c joins it.
    let cdi = |feed: &str, reference: &str| {
        posting(offer(feed, reference, "Villeurbanne", Contract::Cdi, TEXT))
    };
    fetch(&s, "a", t0 + Duration::hours(2), &[cdi("a", "1")]);
    fetch(&s, "c", t0 + Duration::hours(3), &[cdi("c", "k")]);
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 2);
    let job = items.iter().find(|i| i.sources.len() == 2).unwrap();
    let feeds: Vec<&str> = job.sources.iter().map(|x| x.feed.as_str()).collect();
    assert_eq!(feeds, ["a", "c"]);
}

/// Two references of one feed published at once are two jobs, however alike (a network
/// posting the same ad twice, for two vacancies); a third feed's copy that matches both joins
/// neither (it could be either). A reference the feed stopped publishing, republished under a
/// new one, is the same job and keeps its public id.
#[test]
fn references_of_one_feed_published_at_once_are_never_merged() {
    let s = store();
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let one = posting(offer("a", "101", "Villeurbanne", Contract::Cdd, TEXT));
    let two = posting(offer("a", "102", "Villeurbanne", Contract::Cdd, TEXT));
    fetch(&s, "a", t0, &[one.clone(), two.clone()]);
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 2, "two vacancies, two jobs");
    // Another board's copy could be either: both stay, each once.
    let copy = posting(offer("b", "x", "Villeurbanne", Contract::Cdd, TEXT));
    fetch(
        &s,
        "b",
        t0 + Duration::hours(1),
        std::slice::from_ref(&copy),
    );
    let ids: Vec<String> = s
        .open_offers(100)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(
        ids.contains(&one.public_id) && ids.contains(&two.public_id),
        "{ids:?}"
    );

    // Feed "a" now publishes only "102" under a new reference "103": "101" is no longer
    // published, "103" is its republication... but "102" is still published at once with it.
    let three = posting(offer("a", "103", "Villeurbanne", Contract::Cdd, TEXT));
    fetch(
        &s,
        "a",
        t0 + Duration::hours(2),
        &[two.clone(), three.clone()],
    );
    let clusters = s.cluster_ids().unwrap();
    let cluster = |p: &Posting| {
        clusters
            .iter()
            .find(|(id, _)| *id == p.public_id)
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(
        cluster(&two),
        cluster(&three),
        "published at once: two jobs"
    );
}

/// A feed that republishes a closed posting under a new reference: the same job, the same
/// public id.
#[test]
fn a_posting_republished_under_a_new_reference_keeps_its_job() {
    let s = store();
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let old = posting(offer("a", "201", "Villeurbanne", Contract::Cdd, TEXT));
    fetch(&s, "a", t0, std::slice::from_ref(&old));
    let new = posting(offer("a", "202", "Villeurbanne", Contract::Cdd, TEXT));
    fetch(&s, "a", t0 + Duration::days(1), std::slice::from_ref(&new));
    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0].id, old.public_id,
        "the job keeps its first posting's id"
    );
}

/// The merged job takes each field from the posting that has it: a board that leaves out the
/// employer (as Indeed-style exports often do) or the salary costs neither, while the richest
/// posting still gives the description and the rest.
#[test]
fn the_merged_job_keeps_every_field_one_posting_states() {
    let s = store();
    let t0: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let mut rich = offer("a", "1", "Villeurbanne", Contract::Cdd, TEXT);
    rich.employer = None;
    rich.sector = Some("Animation".into());
    let short: String = TEXT.chars().take(220).collect();
    let mut terse = offer("b", "x", "Villeurbanne", Contract::Cdd, &short);
    terse.salary_raw = Some("1 450 € brut mensuel".into());
    terse.salary = essaim::normalise::salary::parse_salary("1 450 € brut mensuel");
    assert!(terse.salary.is_some(), "the salary figure is read");
    let (a, b) = (posting(rich), posting(terse));
    fetch(&s, "a", t0, std::slice::from_ref(&a));
    fetch(&s, "b", t0 + Duration::hours(1), std::slice::from_ref(&b));

    let items = s.open_offers(100).unwrap();
    assert_eq!(items.len(), 1, "one job on two boards");
    let job = &items[0].offer;
    assert_eq!(job.description_text, TEXT, "the richest posting's text");
    assert_eq!(job.sector.as_deref(), Some("Animation"));
    assert_eq!(
        job.employer.as_deref(),
        Some("Fédération Léo Lagrange Centre-Est"),
        "the employer only board b gives"
    );
    assert_eq!(job.salary_raw.as_deref(), Some("1 450 € brut mensuel"));
    assert_eq!(job.salary, b.offer.salary);
    let json = essaim::publish::job_object(&items[0]);
    assert_eq!(
        json["employer"], "Fédération Léo Lagrange Centre-Est",
        "{json}"
    );
}
