//! Tests of the unchanged fast path of `Store::record_success`: a posting the store holds with
//! the same content hash (and features of the current version) is only marked seen, its
//! `data` and `source` never written again, while a changed one is rewritten whole; and of the
//! bytes a posting prepared off the writer (`Posting::prepare`) against those the writer makes
//! itself.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::*;
use crate::model::{Contract, Location, Offer, Place};

/// A store in memory with feed `feed`, and a trigger on its writing connection that counts
/// every write of an offer's `data` or `source` (in `temp.rewrites`).
fn watched_store(feed: &str) -> Store {
    let toml =
        format!("[[feed]]\nid = \"{feed}\"\nname = \"{feed}\"\nnetwork = \"N\"\nurl = \"a.xml\"\n");
    let config = crate::config::parse(&toml, std::path::Path::new("feeds.toml")).unwrap();
    let store = Store::open_in_memory().unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    store
        .conn()
        .execute_batch(
            "CREATE TEMP TABLE rewrites (offer_id INTEGER NOT NULL);
             CREATE TEMP TRIGGER offers_rewritten AFTER UPDATE OF data, source ON main.offers
             BEGIN INSERT INTO rewrites (offer_id) VALUES (new.id); END;",
        )
        .unwrap();
    store
}

fn attempt_at(minute: u32) -> Attempt {
    let at: DateTime<Utc> = format!("2026-11-20T10:{minute:02}:00Z").parse().unwrap();
    Attempt {
        started_at: at,
        finished_at: at,
        ..Default::default()
    }
}

/// The offer `i` of an association's feed `feed`.
fn offer(feed: &str, i: usize) -> Offer {
    let titles = [
        "Animateur périscolaire",
        "Éducatrice spécialisée",
        "Comptable associatif",
        "Chargée de communication",
        "Directeur de crèche",
    ];
    Offer {
        feed_id: feed.into(),
        reference: Some(format!("ASSO-{i}")),
        title: titles[i % titles.len()].into(),
        employer: Some("Association Léo Lagrange Ouest".into()),
        location: Location {
            place: Place {
                commune: Some("Rennes".into()),
                department: Some("35".into()),
                ..Default::default()
            },
            ..Default::default()
        },
        contract: Some(Contract::Cdi),
        description_text: format!(
            "{} : poste numéro {i}, au sein d'une équipe de vingt salariés.",
            titles[i % titles.len()]
        ),
        ..Default::default()
    }
}

/// The posting of `offer` as the pipeline builds it for an item the store holds unchanged:
/// identified, neither features nor prepared bytes.
fn unprepared(offer: Offer, source: &str) -> Posting {
    let identity = crate::dedup::identity(&offer);
    let feed = offer.feed_id.clone();
    let mut p = Posting::unidentified(offer, source.into());
    p.identify(&feed, identity);
    assert!(p.features.is_none() && p.prepared.is_none());
    p
}

fn rewrites(store: &Store) -> Vec<i64> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare("SELECT offer_id FROM temp.rewrites ORDER BY offer_id")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// (id, status, last_seen_at, last_seen_attempt, changed_at, missed_fetches) of every offer.
type Mark = (i64, String, String, i64, String, i64);

fn marks(conn: &Connection) -> Vec<Mark> {
    let mut stmt = conn
        .prepare(
            "SELECT id, status, last_seen_at, last_seen_attempt, changed_at, missed_fetches
             FROM offers ORDER BY id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// A fetch listing the same offers again writes no `data` nor `source`, however its postings
/// were built (prepared or not), and marks every offer seen by it; a changed offer is written
/// again whole, its new content read back.
#[test]
fn an_unchanged_refetch_writes_no_data_and_a_changed_item_is_rewritten() {
    let store = watched_store("asso");
    let first: Vec<Posting> = (0..5)
        .map(|i| Posting::new(offer("asso", i), r#"{"item":1}"#.into()))
        .collect();
    let stats = store
        .record_success("asso", &attempt_at(0), &first, 2)
        .unwrap();
    assert_eq!(stats.new, 5);
    assert!(rewrites(&store).is_empty());
    let before = marks(&store.conn());

    // The same offers, prepared (as a caller building them by hand does) or not (as the
    // pipeline builds them when the store said it holds them).
    let again: Vec<Posting> = (0..5)
        .map(|i| match i % 2 {
            0 => Posting::new(offer("asso", i), r#"{"item":1}"#.into()),
            _ => unprepared(offer("asso", i), r#"{"item":1}"#),
        })
        .collect();
    let stats = store
        .record_success("asso", &attempt_at(10), &again, 2)
        .unwrap();
    assert_eq!((stats.new, stats.updated, stats.unchanged), (0, 0, 5));
    assert!(rewrites(&store).is_empty(), "{:?}", rewrites(&store));
    let after = marks(&store.conn());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.1, "open");
        assert_eq!(a.2, "2026-11-20T10:10:00Z", "last_seen_at of {}", a.0);
        assert!(
            a.3 > b.3,
            "last_seen_attempt of {}: {} then {}",
            a.0,
            b.3,
            a.3
        );
        assert_eq!(a.4, b.4, "changed_at of {} moved", a.0);
    }

    // Offer 3's description changed: it alone is written again.
    let mut changed = offer("asso", 3);
    changed
        .description_text
        .push_str(" Poste à pourvoir dès janvier.");
    let mut third: Vec<Posting> = (0..5)
        .map(|i| unprepared(offer("asso", i), r#"{"item":1}"#))
        .collect();
    third[3] = Posting::new(changed.clone(), r#"{"item":2}"#.into());
    let stats = store
        .record_success("asso", &attempt_at(20), &third, 2)
        .unwrap();
    assert_eq!((stats.new, stats.updated, stats.unchanged), (0, 1, 4));
    let id3 = after[3].0;
    // One UPDATE writes both columns: the trigger fires once for the row.
    assert_eq!(rewrites(&store), [id3]);
    let read = store.stored_posting(&third[3].public_id).unwrap().unwrap();
    assert_eq!(read, (changed, r#"{"item":2}"#.to_owned()));
    let now = marks(&store.conn());
    assert_eq!(
        now[3].4, "2026-11-20T10:20:00Z",
        "changed_at of the changed offer"
    );
    assert_eq!(now[2].4, after[2].4);
}

/// When only the partner's item changed, not the offer read from it, the offer is unchanged:
/// the stored raw item stays the one read when the offer was last written.
#[test]
fn an_item_changed_without_its_offer_keeps_the_first_raw_item() {
    let store = watched_store("asso");
    let p = Posting::new(offer("asso", 0), r#"{"title":"Animateur","x":1}"#.into());
    store
        .record_success("asso", &attempt_at(0), std::slice::from_ref(&p), 2)
        .unwrap();
    let q = Posting::new(offer("asso", 0), r#"{"title":"Animateur","x":2}"#.into());
    let stats = store
        .record_success("asso", &attempt_at(10), std::slice::from_ref(&q), 2)
        .unwrap();
    assert_eq!(stats.unchanged, 1);
    assert!(rewrites(&store).is_empty());
    let (_, source) = store.stored_posting(&p.public_id).unwrap().unwrap();
    assert_eq!(source, r#"{"title":"Animateur","x":1}"#);
}

/// An offer closed after missed fetches, then listed again unchanged, opens again without its
/// row being rewritten; a held closing is cleared the same way.
#[test]
fn an_unchanged_offer_listed_again_reopens_without_a_rewrite() {
    let store = watched_store("asso");
    let all: Vec<Posting> = (0..5)
        .map(|i| Posting::new(offer("asso", i), "null".into()))
        .collect();
    store
        .record_success("asso", &attempt_at(0), &all, 1)
        .unwrap();
    // Lacking one of five closes it (not suspicious).
    let stats = store
        .record_success("asso", &attempt_at(10), &all[1..], 1)
        .unwrap();
    assert_eq!(stats.closed, 1);
    // Listing only the closed one reopens it (unchanged) and would close the four others:
    // held.
    let stats = store
        .record_success("asso", &attempt_at(20), &all[..1], 1)
        .unwrap();
    assert_eq!((stats.unchanged, stats.held), (1, 4), "{stats:?}");
    let again: Vec<Posting> = (0..5)
        .map(|i| unprepared(offer("asso", i), "null"))
        .collect();
    let stats = store
        .record_success("asso", &attempt_at(30), &again, 1)
        .unwrap();
    assert_eq!((stats.unchanged, stats.closed, stats.held), (5, 0, 0));
    assert!(rewrites(&store).is_empty());
    let conn = store.conn();
    let mut stmt = conn
        .prepare("SELECT status, closed_at IS NULL, closing_held, missed_fetches FROM offers")
        .unwrap();
    let rows: Vec<(String, bool, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, vec![("open".to_owned(), true, 0, 0); 5]);
}

/// (public id, data, source, features) of a stored offer.
type StoredBytes = (String, Vec<u8>, Vec<u8>, Vec<u8>);

/// A posting the pipeline left unprepared, new to the store after all (its row was purged in
/// between), is written by the store itself with the bytes a prepared one gets: the same
/// columns, features and blocking keys.
#[test]
fn an_unprepared_posting_is_stored_with_the_bytes_of_a_prepared_one() {
    let rows = |store: &Store| -> Vec<StoredBytes> {
        let conn = store.conn();
        let mut stmt = conn
            .prepare(
                "SELECT o.public_id, o.data, o.source, f.features
                 FROM offers o JOIN dedup_features f ON f.offer_id = o.id ORDER BY o.id",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    let keys = |store: &Store| -> Vec<(i64, i64)> {
        let mut conn = store.conn();
        let mut recent = store.recent();
        store.flush(&mut conn, &mut recent).unwrap();
        let mut stmt = conn
            .prepare("SELECT key, offer_id FROM dedup_keys ORDER BY key, offer_id")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    let source = r#"{"title":"Animateur périscolaire (H/F)","city":"Rennes"}"#;
    let prepared_store = watched_store("asso");
    let prepared: Vec<Posting> = (0..5)
        .map(|i| Posting::new(offer("asso", i), source.into()))
        .collect();
    assert!(prepared.iter().all(|p| p.prepared.is_some()));
    prepared_store
        .record_success("asso", &attempt_at(0), &prepared, 2)
        .unwrap();
    let plain_store = watched_store("asso");
    let plain: Vec<Posting> = (0..5)
        .map(|i| unprepared(offer("asso", i), source))
        .collect();
    let stats = plain_store
        .record_success("asso", &attempt_at(0), &plain, 2)
        .unwrap();
    assert_eq!(stats.new, 5);
    assert_eq!(rows(&prepared_store), rows(&plain_store));
    assert!(!keys(&plain_store).is_empty());
    assert_eq!(keys(&prepared_store), keys(&plain_store));
}

/// A row written before version 11 (plain text columns) is written again, packed, when a fetch
/// lists it unchanged, and the pipeline is told to prepare it; its features are not filed
/// again (they are current).
#[test]
fn an_unchanged_row_of_before_version_11_is_packed_when_listed_again() {
    let store = watched_store("asso");
    let p = Posting::new(offer("asso", 0), r#"{"title":"Animateur"}"#.into());
    store
        .record_success("asso", &attempt_at(0), std::slice::from_ref(&p), 2)
        .unwrap();
    let json = serde_json::to_string(&p.offer).unwrap();
    store
        .conn()
        .execute(
            "UPDATE offers SET data = ?1, source = ?2",
            rusqlite::params![json, p.source],
        )
        .unwrap();
    store
        .conn()
        .execute("DELETE FROM temp.rewrites", [])
        .unwrap();
    let known = store.known_postings("asso").unwrap();
    assert_eq!(known.postings.len(), 1);
    assert!(!known.holds_unchanged(&p.identity, &p.content_hash));
    let stats = store
        .record_success(
            "asso",
            &attempt_at(10),
            &[unprepared(p.offer.clone(), &p.source)],
            2,
        )
        .unwrap();
    assert_eq!((stats.unchanged, stats.updated), (1, 0));
    assert_eq!(rewrites(&store).len(), 1);
    let kinds: String = store
        .conn()
        .query_row(
            "SELECT typeof(data) || typeof(source) FROM offers",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kinds, "blobblob");
    assert_eq!(
        store.stored_posting(&p.public_id).unwrap(),
        Some((p.offer.clone(), p.source.clone()))
    );
    let known = store.known_postings("asso").unwrap();
    assert!(known.holds_unchanged(&p.identity, &p.content_hash));
}

/// Rows whose indexed columns an UPDATE set (in `temp.indexed`): SQLite rewrites an index's
/// entry whenever an UPDATE sets one of its columns, even to the value it had.
fn indexed_writes(store: &Store) -> Vec<(i64, String)> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare("SELECT offer_id, what FROM temp.indexed ORDER BY offer_id, what")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// An open offer listed again, unchanged or changed in its text only, does not have its
/// status, validThrough or filter columns written again (each a page per index in a large
/// database); a closed one is reopened, and a changed validThrough is written.
#[test]
fn an_open_offer_listed_again_leaves_its_indexed_columns_alone() {
    let store = watched_store("asso");
    store
        .conn()
        .execute_batch(
            "CREATE TEMP TABLE indexed (offer_id INTEGER NOT NULL, what TEXT NOT NULL);
             CREATE TEMP TRIGGER status_set AFTER UPDATE OF status, closed_at ON main.offers
             BEGIN INSERT INTO indexed VALUES (new.id, 'status'); END;
             CREATE TEMP TRIGGER valid_set AFTER UPDATE OF valid_through ON main.offers
             BEGIN INSERT INTO indexed VALUES (new.id, 'valid_through'); END;
             CREATE TEMP TRIGGER filters_set AFTER UPDATE OF region, department, contract
               ON main.offers
             BEGIN INSERT INTO indexed VALUES (new.id, 'filters'); END;",
        )
        .unwrap();
    let with_valid = |i: usize, day: u32| {
        let mut o = offer("asso", i);
        o.valid_through = Some(
            format!("2026-12-{day:02}T00:00:00Z")
                .parse::<DateTime<Utc>>()
                .unwrap(),
        );
        o
    };
    let first: Vec<Posting> = (0..4)
        .map(|i| Posting::new(with_valid(i, 20), "null".into()))
        .collect();
    store
        .record_success("asso", &attempt_at(0), &first, 1)
        .unwrap();
    let ids: Vec<i64> = marks(&store.conn()).iter().map(|m| m.0).collect();

    // Unchanged, and offer 1 changed in its description only.
    let mut again: Vec<Posting> = (0..4)
        .map(|i| unprepared(with_valid(i, 20), "null"))
        .collect();
    let mut text_changed = with_valid(1, 20);
    text_changed
        .description_text
        .push_str(" Permis B indispensable.");
    again[1] = Posting::new(text_changed, "null".into());
    let stats = store
        .record_success("asso", &attempt_at(10), &again, 1)
        .unwrap();
    assert_eq!((stats.updated, stats.unchanged), (1, 3));
    assert!(
        indexed_writes(&store).is_empty(),
        "{:?}",
        indexed_writes(&store)
    );

    // Offer 2's validThrough moves: that alone is written.
    let mut third: Vec<Posting> = (0..4)
        .map(|i| Posting::new(with_valid(i, 20), "null".into()))
        .collect();
    third[1] = again[1].clone();
    third[2] = Posting::new(with_valid(2, 31), "null".into());
    let stats = store
        .record_success("asso", &attempt_at(20), &third, 1)
        .unwrap();
    assert_eq!((stats.updated, stats.unchanged), (1, 3));
    assert_eq!(
        indexed_writes(&store),
        [(ids[2], "valid_through".to_owned())]
    );
    let valid: String = store
        .conn()
        .query_row(
            "SELECT valid_through FROM offers WHERE id = ?1",
            [ids[2]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(valid, "2026-12-31T00:00:00Z");

    // Offer 3 is closed by a fetch lacking it, then listed again: it is reopened.
    store
        .record_success("asso", &attempt_at(30), &third[..3], 1)
        .unwrap();
    store
        .conn()
        .execute_batch("DELETE FROM temp.indexed")
        .unwrap();
    let stats = store
        .record_success("asso", &attempt_at(40), &third, 1)
        .unwrap();
    assert_eq!(stats.unchanged, 4);
    assert_eq!(indexed_writes(&store), [(ids[3], "status".to_owned())]);
    assert!(marks(&store.conn()).iter().all(|m| m.1 == "open"));
}
