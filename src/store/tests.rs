//! The store's unit tests: opening, migrating from older versions, checkpoints, flushes of the
//! blocking keys, held closings.

#![allow(clippy::unwrap_used)]

use super::feeds::state;
use super::keys;
use super::migrations::MIGRATIONS;
use super::*;
use crate::dedup::similar;
use crate::model::{FeedState, HeldClosing};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

#[test]
fn a_version_1_database_is_migrated_and_keeps_its_feeds() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(MIGRATIONS[0].1).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO feeds (id, name, network, url, state, consecutive_errors)
         VALUES ('a', 'A', 'N', 'https://a.example/rss', 'backing_off', 3)",
        [],
    )
    .unwrap();
    let store = Store::setup(conn, ":memory:").unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let states = store.schedule_states().unwrap();
    assert_eq!(states[0].0, "a");
    assert_eq!(states[0].1.state, FeedState::BackingOff);
    assert_eq!(states[0].1.not_before, None);
    let memory = store.fetch_memory("a").unwrap();
    assert_eq!(memory.consecutive_errors, 3);
}

/// The checkpointing thread copies what the writer commits into the database file: once
/// it has run, the file alone (without its write-ahead log, as a backup tool that ignores
/// the log would copy it) holds the commits. Closing the store stops the thread.
#[test]
fn the_checkpointing_thread_copies_commits_into_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let toml = "[[feed]]\nid = \"cress-bretagne\"\nname = \"CRESS Bretagne\"\n\
                network = \"CRESS\"\nurl = \"a.xml\"\n";
    let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
    let store = Store::open(&path).unwrap();
    assert!(store.checkpointer.is_some());
    store.sync_feeds(&config.feeds).unwrap();
    store.wait_for_checkpoint();
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let feeds: i64 = Connection::open(&copy)
        .unwrap()
        .query_row("SELECT count(*) FROM feeds", [], |r| r.get(0))
        .unwrap();
    assert_eq!(feeds, 1);
    // Closed, the store leaves the database file alone: the log is copied and deleted.
    drop(store);
    assert!(path.exists());
    assert!(!dir.path().join("essaim.db-wal").exists());
}

/// A store that only read (a command such as `essaim feeds`) leaves the database file
/// alone when closed, as one that wrote does: the log of its migrations is copied into
/// the file and deleted.
#[test]
fn a_closed_store_leaves_no_log_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let store = Store::open(&path).unwrap();
    assert!(store.feed_statuses().unwrap().is_empty());
    assert!(dir.path().join("essaim.db-wal").exists());
    drop(store);
    assert!(!dir.path().join("essaim.db-wal").exists());
    let version: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
}

/// A read-only open reads what is there (even without the write-ahead index, as in a
/// read-only directory, through an immutable open), writes nothing, and refuses a
/// database it would have to create or upgrade.
#[test]
fn a_read_only_open_reads_and_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let missing = Store::open_read_only(&path).err().unwrap();
    assert!(
        missing.to_string().contains("no database there yet"),
        "{missing}"
    );
    assert!(!path.exists());
    let toml = "[[feed]]\nid = \"cress-bretagne\"\nname = \"CRESS Bretagne\"\n\
                network = \"CRESS\"\nurl = \"a.xml\"\n";
    let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
    let store = Store::open(&path).unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    drop(store);
    assert!(!dir.path().join("essaim.db-shm").exists());
    let reader = Store::open_read_only(&path).unwrap();
    let feeds = reader.feed_statuses().unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].id, "cress-bretagne");
    assert!(reader.sync_feeds(&[]).is_err(), "a read-only store wrote");
    drop(reader);
    assert_eq!(
        Store::open(&path).unwrap().feed_statuses().unwrap().len(),
        1
    );
    // An older schema is not upgraded by a reader.
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    drop(conn);
    let old = Store::open_read_only(&path).err().unwrap();
    assert!(old.to_string().contains("needs an upgrade"), "{old}");
}

/// A database of version 4 kept its keys in dedup_keys, 16 bands' worth: version 5 drops
/// them and lists every posting, whose keys are then derived afresh; a new posting of the
/// same job still joins the stored one.
#[test]
fn version_5_lists_every_stored_posting_for_its_keys() {
    upgrade_from(4);
}

/// A database of version 5 kept the features in offers: version 6 moves them into a
/// table of their own, where a new posting of the same job finds them.
#[test]
fn version_6_moves_the_features_into_their_table() {
    upgrade_from(5);
}

/// A database of version 6 had a unique index of public ids: version 7 rebuilds the
/// offers table with an index in buckets of ids instead, and loses nothing (the features
/// pointing to the offers survive the old table's drop, search and lookups still work).
#[test]
fn version_11_packs_offers_and_reads_those_of_version_10_as_they_were() {
    upgrade_from(10);
}

/// Version 13 rebuilds the full-text index without the words' positions (`detail = column`),
/// from the offers' compressed JSON: a database of version 12 still finds its offers by words
/// of their title, of their description and of their employer (column filter).
#[test]
fn version_13_rebuilds_the_full_text_index_from_the_packed_offers() {
    upgrade_from(12);
}

/// Version 12 makes the indexes of the listing orders ascending: a database of version 11
/// loses nothing, and both listings still read them, in the same order, without sorting,
/// checking each offer's cluster through offers_cluster (a first draft left SQLite reading
/// every newer open offer there instead: an export of 24,000 offers took 4 minutes, not 4 s).
#[test]
fn version_12_makes_the_order_indexes_ascending() {
    upgrade_from(11);
    let store = memory_store(&["a"]);
    let conn = store.conn();
    for (order, cursor, index) in [
        (
            "sort_at DESC, o.id DESC",
            "(o.sort_at < 'x' OR (o.sort_at = 'x' AND o.id < 9))",
            "offers_open_order",
        ),
        ("id DESC", "o.id < 9", "offers_open_id"),
    ] {
        // A listing's query as search.rs writes it (SELECT and VISIBLE), with a cursor.
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT o.id FROM offers o JOIN feeds f ON f.id = o.feed_id
             WHERE o.status = 'open' AND f.in_config = 1
               AND NOT EXISTS (SELECT 1 FROM offers o2 JOIN feeds f2 ON f2.id = o2.feed_id
                 WHERE o2.cluster_id = coalesce(o.cluster_id, o.id) AND o2.id > o.id
                   AND o2.status = 'open' AND f2.in_config = 1)
               AND {cursor}
             ORDER BY o.{order} LIMIT 51"
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt
            .query_map([], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("; ");
        assert!(
            plan.contains(&format!("SEARCH o USING INDEX {index}")),
            "{order}: {plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{order}: {plan}");
        // The cluster's newer open postings are read by cluster, not among every open offer.
        assert!(
            plan.contains("SEARCH o2 USING INDEX offers_cluster"),
            "{order}: {plan}"
        );
    }
}

#[test]
fn version_7_rebuilds_the_offers_with_public_ids_in_buckets() {
    upgrade_from(6);
}

/// Version 8 adds the held closings to a database of version 7; its offers hold none.
#[test]
fn version_8_adds_held_closings() {
    upgrade_from(7);
}

/// An offer is found by its public id whatever bucket of 16,384 ids it falls in, the
/// first, a middle one or the last.
#[test]
fn offers_are_found_by_public_id_in_every_bucket() {
    let store = memory_store(&["a", "b", "c"]);
    let attempt = attempt_at("2026-11-20T10:00:00Z");
    let mut postings = Vec::new();
    for (feed, gap) in [("a", None), ("b", Some(20_000)), ("c", Some(40_000))] {
        if let Some(id) = gap {
            // A closed offer at `id`, so that the next one is filed in a later bucket.
            store
                .conn()
                .execute(
                    "INSERT INTO offers (id, public_id, feed_id, identity, content_hash,
                       status, title, sort_at, first_seen_at, last_seen_at, changed_at,
                       data, source)
                     VALUES (?1, 'closed-' || ?1, 'a', 'ref:gap-' || ?1, '', 'closed',
                       'Comptable', '', '', '', '', '{}', 'null')",
                    [id],
                )
                .unwrap();
        }
        let p = cress_posting(feed);
        store
            .record_success(feed, &attempt, std::slice::from_ref(&p), 2)
            .unwrap();
        postings.push(p);
    }
    let ids: Vec<i64> = column(
        &store.conn(),
        "SELECT id >> 14 FROM offers WHERE status = 'open' ORDER BY id",
    );
    assert_eq!(ids, [0, 1, 2]);
    for p in &postings {
        let found = store.offer_by_id(&p.public_id).unwrap();
        let found = found.unwrap_or_else(|| panic!("{} not found", p.public_id));
        // One job on three feeds: any posting's id finds it, under its first posting's id.
        assert_eq!(found.id, postings[0].public_id);
        assert_eq!(found.sources.len(), 3);
    }
    assert!(store.offer_by_id("closed-20000").unwrap().is_none());
    assert!(store
        .offer_by_id("00000000-0000-5000-8000-000000000000")
        .unwrap()
        .is_none());
}

/// A store in memory with feeds named `feeds`, of one network.
fn memory_store(feeds: &[&str]) -> Store {
    let mut toml = String::new();
    for feed in feeds {
        toml.push_str(&format!(
            "[[feed]]\nid = \"{feed}\"\nname = \"{feed}\"\nnetwork = \"N\"\nurl = \"{feed}.xml\"\n\n"
        ));
    }
    let config = crate::config::parse(&toml, std::path::Path::new("feeds.toml")).unwrap();
    let store = Store::open_in_memory().unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    store
}

/// A successful fetch's attempt, at `at` (RFC 3339).
fn attempt_at(at: &str) -> Attempt {
    let at: DateTime<Utc> = at.parse().unwrap();
    Attempt {
        started_at: at,
        finished_at: at,
        ..Default::default()
    }
}

/// The first column of every row `sql` reads.
fn column<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> Vec<T> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A posting of the CRESS Bretagne's job offer on feed `feed`.
fn cress_posting(feed: &str) -> Posting {
    use crate::model::{Contract, Location, Offer, Place};
    let o = Offer {
        feed_id: feed.into(),
        reference: Some("1".into()),
        title: "Chargée de mission économie sociale et solidaire".into(),
        employer: Some("Chambre régionale de l'ESS Bretagne".into()),
        location: Location {
            place: Place {
                commune: Some("Rennes".into()),
                department: Some("35".into()),
                ..Default::default()
            },
            ..Default::default()
        },
        contract: Some(Contract::Cdi),
        description_text: "La CRESS Bretagne recrute une chargée de mission pour animer le \
            réseau des acteurs de l'économie sociale et solidaire, accompagner les porteurs \
            de projets et organiser le mois de l'ESS sur le territoire breton."
            .into(),
        ..Default::default()
    };
    Posting::new(o, "null".into())
}

/// `cress_posting` with the partner's item it was read from.
fn cress_posting_with_item(feed: &str) -> Posting {
    let p = cress_posting(feed);
    let source = serde_json::json!({
        "title": "Chargée de mission économie sociale et solidaire H/F",
        "company": "Chambre régionale de l'ESS Bretagne",
        "city": "Rennes (35)",
        "jobtype": "CDI",
        "description": format!("<p>{}</p>", p.offer.description_text),
    })
    .to_string();
    // Built again: a posting's prepared bytes are made from its offer and item.
    Posting::new(p.offer, source)
}

/// What the store keeps of a posting (the offer's JSON and the partner's item, packed) reads
/// back as it was written, also after the posting was updated; the remote level, in a column
/// of its own, still filters.
#[test]
fn a_stored_posting_reads_back_as_written() {
    let store = Store::open_in_memory().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let toml = "[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\n";
    let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    let mut offer = cress_posting_with_item("a");
    offer.offer.location.remote = Some(crate::model::Remote::Full);
    let posting = Posting::new(offer.offer, offer.source);
    store
        .record_success(
            "a",
            &attempt_at("2026-11-20T10:00:00Z"),
            std::slice::from_ref(&posting),
            2,
        )
        .unwrap();
    let read = store.stored_posting(&posting.public_id).unwrap();
    assert_eq!(read, Some((posting.offer.clone(), posting.source.clone())));
    let kinds: Vec<String> = column(
        &store.conn(),
        "SELECT typeof(data) || typeof(source) FROM offers",
    );
    assert_eq!(kinds, ["blobblob"], "packed");
    let packed_size: Vec<i64> = column(&store.conn(), "SELECT length(source) FROM offers");
    assert!(
        (packed_size[0] as usize) < posting.source.len() / 2,
        "the item is packed against the offer: {packed_size:?} of {}",
        posting.source.len()
    );

    // Updated: another item, another description.
    let mut offer = posting.offer.clone();
    offer.description_text = "Animer le réseau breton de l'ESS.".into();
    let source = r#"{"title":"Chargée de mission","description":"Animer le réseau."}"#;
    let posting = Posting::new(offer, source.into());
    store
        .record_success(
            "a",
            &attempt_at("2026-11-21T10:00:00Z"),
            std::slice::from_ref(&posting),
            2,
        )
        .unwrap();
    let read = store.stored_posting(&posting.public_id).unwrap();
    assert_eq!(read, Some((posting.offer.clone(), posting.source.clone())));
    let published = store.offer_by_id(&posting.public_id).unwrap().unwrap();
    assert_eq!(published.offer, posting.offer);

    let remote = |level: &str| {
        let filter = OfferFilter {
            remote: Some(level.into()),
            ..Default::default()
        };
        store
            .query_offers(&filter, Order::Discovered, 10, None)
            .unwrap()
            .0
            .len()
    };
    assert_eq!(
        (
            remote("full"),
            remote("true"),
            remote("partial"),
            remote("false")
        ),
        (1, 1, 0, 0)
    );
    let words = OfferFilter {
        q: Some("reseau breton".into()),
        ..Default::default()
    };
    let found = store
        .query_offers(&words, Order::Discovered, 10, None)
        .unwrap()
        .0;
    assert_eq!(found.len(), 1, "the new description is indexed");
    let old_words = OfferFilter {
        q: Some("porteurs".into()),
        ..Default::default()
    };
    let found = store
        .query_offers(&old_words, Order::Discovered, 10, None)
        .unwrap()
        .0;
    assert!(found.is_empty(), "the old description is no longer indexed");
}

/// A flush commits more pages than the writer's bound on the log: it leaves them to the
/// checkpointing thread, and puts the bound back. (That the fetch does not wait for them
/// is measured by `benches/dedup_insert.rs`, not here.) The thread copies them into the
/// database file.
#[test]
fn a_flush_leaves_its_pages_to_the_checkpointing_thread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let toml = "[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\n";
    let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
    let store = Store::open(&path).unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    let attempt = attempt_at("2026-11-20T10:00:00Z");
    store
        .record_success("a", &attempt, &[cress_posting("a")], 2)
        .unwrap();
    assert_eq!(store.flush_dedup_keys().unwrap(), 1);
    let bound: i64 = store
        .conn()
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bound, WAL_CHECKPOINT_PAGES);
    store.wait_for_checkpoint();
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let keys = |conn: &Connection| -> i64 {
        conn.query_row("SELECT count(*) FROM dedup_keys", [], |r| r.get(0))
            .unwrap()
    };
    let flushed = keys(&store.conn());
    assert!(flushed > 0);
    assert_eq!(keys(&Connection::open(&copy).unwrap()), flushed);
}

/// Postings listed beyond a flush's worth (an upgrade to version 5 lists them all) are
/// flushed in chunks, lowest ids first, until at most a chunk stays listed; lookups then
/// find every posting, from the table or from memory. (The store does this when it opens,
/// with chunks of `keys::FLUSH_MAX`.)
#[test]
fn postings_listed_beyond_a_flush_are_flushed_in_chunks() {
    let store = memory_store(&["a", "b", "c", "d", "e"]);
    store.set_key_flush_threshold(1000);
    let attempt = attempt_at("2026-11-20T10:00:00Z");
    for feed in ["a", "b", "c", "d", "e"] {
        store
            .record_success(feed, &attempt, &[cress_posting(feed)], 2)
            .unwrap();
    }
    assert_eq!(store.dedup_keys_pending().unwrap(), 5);
    let mut conn = store.conn();
    assert_eq!(keys::catch_up(&mut conn, 2).unwrap(), 4);
    let in_table: Vec<i64> = column(
        &conn,
        "SELECT DISTINCT offer_id FROM dedup_keys ORDER BY offer_id",
    );
    let ids: Vec<i64> = column(&conn, "SELECT id FROM offers ORDER BY id");
    assert_eq!(in_table, ids[..4]);
    let features: Vec<u8> = conn
        .query_row(
            "SELECT features FROM dedup_features WHERE offer_id = ?1",
            [ids[0]],
            |r| r.get(0),
        )
        .unwrap();
    let key = similar::keys(&similar::decode(&features).unwrap())[0];
    let mut recent = store.recent();
    // As at opening, where nothing is held yet: what is in memory is read afresh.
    recent.table_written();
    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(recent.listed(), 1);
    let mut found = Vec::new();
    recent.newest(&tx, key, &mut found).unwrap();
    found.sort_unstable();
    assert_eq!(found, ids);
}

/// Takes a database of version 11 back to version 7, as those versions left it.
fn back_to_version_7(conn: &Connection) {
    // Back to version 10: the offer's JSON and the partner's item as plain text, no remote
    // column, a full-text index with its own copy of the text.
    let rows: Vec<(i64, String, String)> = {
        let mut stmt = conn.prepare("SELECT id, data, source FROM offers").unwrap();
        let rows = stmt
            .query_map([], |r| {
                let data = packed::unpack_data(r.get_ref(1)?).unwrap();
                let source = packed::unpack_source(r.get_ref(2)?, &data).unwrap();
                Ok((r.get(0)?, data, source))
            })
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    for (id, data, source) in rows {
        conn.execute(
            "UPDATE offers SET data = ?2, source = ?3 WHERE id = ?1",
            rusqlite::params![id, data, source],
        )
        .unwrap();
    }
    conn.execute_batch(
        "ALTER TABLE offers DROP COLUMN remote;
         CREATE INDEX offers_commune ON offers(commune, status);
         DROP TABLE offers_fts;
         CREATE VIRTUAL TABLE offers_fts USING fts5(
             title, employer, description,
             tokenize = 'unicode61 remove_diacritics 2'
         );
         INSERT INTO offers_fts (rowid, title, employer, description)
             SELECT id, title, coalesce(employer, ''),
               coalesce(json_extract(data, '$.description_text'), '')
             FROM offers;
         PRAGMA user_version = 10;",
    )
    .unwrap();
    let text: Vec<String> = column(conn, "SELECT typeof(data) || typeof(source) FROM offers");
    assert_eq!(text, ["texttext"], "as version 10 wrote them");
    // Back to version 7: no partners' registrations, no fetch started mark, no held closings.
    conn.execute_batch(
        "DROP TABLE registrations;
         DROP TABLE partner_tokens;
         ALTER TABLE feeds DROP COLUMN origin;
         ALTER TABLE feeds DROP COLUMN fetch_started_at;
         ALTER TABLE offers DROP COLUMN closing_held;
         ALTER TABLE feeds DROP COLUMN held_closing_at;
         ALTER TABLE feeds DROP COLUMN held_closing_offers;
         ALTER TABLE feeds DROP COLUMN held_closing_open;
         PRAGMA user_version = 7;",
    )
    .unwrap();
}

/// Takes a database of version 14 back to version 13: no changes of approved registrations
/// held beside them.
const BACK_TO_VERSION_13: &str = "DROP TABLE registration_changes;
     PRAGMA user_version = 13;";

/// Takes a database of version 13 back to version 12: a full-text index with the words'
/// positions (`essaim_unpack_data` registered on the connection).
const BACK_TO_VERSION_12: &str = "DROP TABLE offers_fts;
     CREATE VIRTUAL TABLE offers_fts USING fts5(
         title, employer, description,
         content = '', contentless_delete = 1,
         tokenize = 'unicode61 remove_diacritics 2'
     );
     INSERT INTO offers_fts (rowid, title, employer, description)
         SELECT id, title, coalesce(employer, ''),
           coalesce(json_extract(essaim_unpack_data(id, data), '$.description_text'), '')
         FROM offers;
     PRAGMA user_version = 12;";

/// A row version 13 cannot unpack (a damaged zstd frame) does not stop the upgrade: that offer
/// is indexed by its title and employer, without its description; the others as before.
#[test]
fn version_13_indexes_a_damaged_row_without_its_description() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let toml = "[[feed]]\nid = \"asso\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\n";
    let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
    {
        let store = Store::open(&path).unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        let at = attempt_at("2026-11-20T10:00:00Z");
        store
            .record_success("asso", &at, &ten_postings("asso"), 2)
            .unwrap();
    }
    let conn = Connection::open(&path).unwrap();
    super::migrations::register_functions(&conn).unwrap();
    conn.execute_batch(BACK_TO_VERSION_13).unwrap();
    conn.execute_batch(BACK_TO_VERSION_12).unwrap();
    let damaged: i64 = conn
        .query_row(
            "SELECT id FROM offers WHERE title = 'Comptable associatif'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // A zstd frame's magic number, then nothing the decoder can read.
    conn.execute(
        "UPDATE offers SET data = x'28b52ffd00ffffff' WHERE id = ?1",
        [damaged],
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let matching = |q: &str| -> Vec<i64> {
        let conn = store.conn();
        let mut stmt = conn
            .prepare("SELECT rowid FROM offers_fts WHERE offers_fts MATCH ?1 ORDER BY rowid")
            .unwrap();
        let ids = stmt.query_map([q], |r| r.get(0)).unwrap();
        ids.collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(matching("title : comptable"), [damaged]);
    assert_eq!(matching("employer : bretagne").len(), 10);
    let described = matching("description : numero");
    assert_eq!(described.len(), 9, "{described:?}");
    assert!(!described.contains(&damaged));
}

/// Version 14 holds a partner's change to an approved registration beside it: a database of
/// version 13 keeps its registrations as they were (the approved one polled, the pending one
/// waiting), and an approved one changed after the upgrade stays polled as approved.
#[test]
fn version_14_keeps_the_registrations_and_holds_changes_beside_the_approved_ones() {
    use crate::model::{ChangeState, RegistrationState};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let at = |t: &str| -> DateTime<Utc> { t.parse().unwrap() };
    let registration = |network: &str, url: &str, format: Option<&str>| NewRegistration {
        network: network.into(),
        token_id: None,
        name: format!("Offres {network}"),
        url: url.into(),
        format: format.map(String::from),
        mapping: None,
        report: serde_json::json!({"readable": true, "report": {"offers": 4}}),
    };
    let cress = registration(
        "Cress Bretagne",
        "https://cress-bretagne.example/offres.atom",
        None,
    );
    {
        let store = Store::open(&path).unwrap();
        let approved = store
            .register_feed(&cress, at("2026-12-01T09:00:00Z"))
            .unwrap();
        store
            .decide_registration(approved.id, true, None, at("2026-12-01T10:00:00Z"))
            .unwrap();
        store
            .register_feed(
                &registration("Mutualité", "https://mutualite.example/offres.rss", None),
                at("2026-12-02T09:00:00Z"),
            )
            .unwrap();
    }
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(BACK_TO_VERSION_13).unwrap();
    let tables: Vec<String> = column(
        &conn,
        "SELECT name FROM sqlite_schema WHERE name = 'registration_changes'",
    );
    assert!(tables.is_empty(), "as version 13 left it");
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 14);
    let states: Vec<(String, RegistrationState, bool)> = store
        .registrations(None)
        .unwrap()
        .into_iter()
        .map(|r| (r.network, r.state, r.change.is_none()))
        .collect();
    assert_eq!(
        states,
        [
            (
                "Cress Bretagne".to_string(),
                RegistrationState::Approved,
                true
            ),
            ("Mutualité".to_string(), RegistrationState::Pending, true),
        ]
    );
    let mut changed = cress.clone();
    changed.format = Some("atom".into());
    let r = store
        .register_feed(&changed, at("2026-12-07T09:00:00Z"))
        .unwrap();
    assert_eq!(
        (r.state, r.format.as_deref()),
        (RegistrationState::Approved, None)
    );
    assert_eq!(
        r.change.map(|c| (c.state, c.format)),
        Some((ChangeState::Pending, Some("atom".to_string())))
    );
    let polled = store.registrations_in(RegistrationState::Approved).unwrap();
    assert_eq!(polled.len(), 1);
    assert_eq!(polled[0].format, None, "polled as approved");
    let waiting: Vec<i64> = store
        .registrations_waiting()
        .unwrap()
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(waiting, [1, 2]);
}

/// Files a posting, flushes its keys, takes the database back to `version` (as that version
/// of essaim left it) and opens it again.
fn upgrade_from(version: i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("essaim.db");
    let toml = "[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\n\n\
                [[feed]]\nid = \"b\"\nname = \"B\"\nnetwork = \"M\"\nurl = \"b.xml\"\n";
    let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
    let attempt = attempt_at("2026-11-20T10:00:00Z");
    let stored = cress_posting_with_item("a");
    let published = {
        let store = Store::open(&path).unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        store
            .record_success("a", &attempt, std::slice::from_ref(&stored), 2)
            .unwrap();
        assert_eq!(store.flush_dedup_keys().unwrap(), 1);
        store.offer_by_id(&stored.public_id).unwrap().unwrap()
    };
    let conn = Connection::open(&path).unwrap();
    // Back to version 12: a full-text index with the words' positions.
    super::migrations::register_functions(&conn).unwrap();
    conn.execute_batch(BACK_TO_VERSION_13).unwrap();
    conn.execute_batch(BACK_TO_VERSION_12).unwrap();
    let detail: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'offers_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!detail.contains("detail"), "{detail}");
    // Back to version 11: the indexes of the listing orders descending.
    conn.execute_batch(
        "DROP INDEX offers_open_order;
         CREATE INDEX offers_open_order ON offers(status, sort_at DESC, id DESC);
         DROP INDEX offers_open_id;
         CREATE INDEX offers_open_id ON offers(status, id DESC);
         PRAGMA user_version = 11;",
    )
    .unwrap();
    if version <= 10 {
        back_to_version_7(&conn);
    }
    // Back to version 6: the table is rebuilt again whatever its index of public ids.
    if version <= 6 {
        conn.execute_batch("DROP INDEX offers_public; PRAGMA user_version = 6;")
            .unwrap();
    }
    // Back to version 5: the features in offers, read through an index.
    if version <= 5 {
        conn.execute_batch(
            "DROP INDEX offers_dedup;
         ALTER TABLE offers ADD COLUMN dedup_features BLOB;
         UPDATE offers SET dedup_features =
           (SELECT features FROM dedup_features WHERE offer_id = offers.id);
         DROP TABLE dedup_features;
         CREATE INDEX offers_dedup ON offers(id, cluster_id, dedup_features);
         PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    if version == 4 {
        // Keys in the table (and one of another scheme), nothing listed.
        conn.execute_batch(
            "DROP TABLE dedup_pending; DROP TABLE dedup_folds; DROP INDEX offers_dedup;
             INSERT INTO dedup_keys (key, offer_id) VALUES (42, 1);
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    assert_eq!(
        store.offer_by_id(&stored.public_id).unwrap().as_ref(),
        Some(&published),
        "read as before the upgrade"
    );
    assert_eq!(
        store.stored_posting(&stored.public_id).unwrap(),
        Some((stored.offer.clone(), stored.source.clone()))
    );
    let count = |table: &str| -> i64 {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("dedup_features"), 1);
    if version == 4 {
        assert_eq!(count("dedup_keys"), 0, "keys of the old scheme dropped");
        assert_eq!(store.dedup_keys_pending().unwrap(), 1);
    } else {
        assert!(count("dedup_keys") > 0, "flushed keys kept");
        assert_eq!(store.dedup_keys_pending().unwrap(), 0);
    }
    store
        .record_success("b", &attempt, &[cress_posting("b")], 2)
        .unwrap();
    let items = store.open_offers(10).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].sources.len(), 2);
    let posting = cress_posting("a");
    let found = store.offer_by_id(&posting.public_id).unwrap();
    assert_eq!(found.map(|o| o.sources.len()), Some(2));
    let words = OfferFilter {
        q: Some("économie bretagne".into()),
        ..Default::default()
    };
    let (matched, _) = store
        .query_offers(&words, Order::Discovered, 10, None)
        .unwrap();
    assert_eq!(
        matched.len(),
        1,
        "the full-text index still points to the offer"
    );
    for (q, employer) in [
        (Some("porteurs territoire"), None),
        (None, Some("chambre bretagne")),
    ] {
        let filter = OfferFilter {
            q: q.map(String::from),
            employer: employer.map(String::from),
            ..Default::default()
        };
        let (matched, _) = store
            .query_offers(&filter, Order::Discovered, 10, None)
            .unwrap();
        assert_eq!(matched.len(), 1, "{q:?} {employer:?}");
    }
    let detail: String = store
        .conn()
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'offers_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("detail = column"), "{detail}");
    let unique: Vec<String> = column(
        &store.conn(),
        "SELECT name FROM pragma_index_list('offers') WHERE \"unique\" = 1",
    );
    assert_eq!(unique.len(), 1, "(feed_id, identity) alone: {unique:?}");
    assert!(store
        .feed_statuses()
        .unwrap()
        .iter()
        .all(|f| f.held_closing.is_none()));
    let held: Vec<i64> = column(&store.conn(), "SELECT closing_held FROM offers");
    assert_eq!(held, [0, 0]);
}

#[test]
fn closing_more_than_half_of_four_or_more_open_offers_is_suspicious() {
    for (closing, open, suspicious) in [
        (3, 4, true),
        (2, 4, false),
        (3, 3, false),
        (1, 1, false),
        (6, 10, true),
        (5, 10, false),
        (10, 10, true),
        (0, 0, false),
    ] {
        assert_eq!(
            closing_is_suspicious(closing, open),
            suspicious,
            "{closing} of {open}"
        );
    }
}

/// Postings of ten different jobs of an association on feed `feed`.
fn ten_postings(feed: &str) -> Vec<Posting> {
    let titles = [
        "Animateur périscolaire",
        "Éducatrice spécialisée",
        "Comptable associatif",
        "Chargée de communication",
        "Directeur de crèche",
        "Médiateur numérique",
        "Aide à domicile",
        "Moniteur d'atelier",
        "Juriste en droit du logement",
        "Coordinatrice de bénévoles",
    ];
    titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let mut o = cress_posting(feed).offer;
            o.reference = Some(format!("ASSO-{i}"));
            o.title = title.to_string();
            o.description_text = format!("{title} : poste numéro {i}.");
            Posting::new(o, "null".into())
        })
        .collect()
}

/// With offers closed after 2 missed fetches, the second fetch lacking eight of ten would
/// close them: it is held; the third, lacking them too, closes them.
#[test]
fn a_suspicious_closing_is_held_until_the_next_fetch_agrees() {
    let store = memory_store(&["asso"]);
    let all = ten_postings("asso");
    let at = |minute: u32| attempt_at(&format!("2026-11-20T10:{minute:02}:00Z"));
    let stats = store.record_success("asso", &at(0), &all, 2).unwrap();
    assert_eq!(stats.new, 10);
    let stats = store.record_success("asso", &at(10), &all[..2], 2).unwrap();
    assert_eq!((stats.closed, stats.held), (0, 0), "missed once");
    let stats = store.record_success("asso", &at(20), &all[..2], 2).unwrap();
    assert_eq!((stats.closed, stats.held, stats.open_before), (0, 8, 10));
    let status = &store.feed_statuses().unwrap()[0];
    assert_eq!(
        status.held_closing,
        Some(HeldClosing {
            at: "2026-11-20T10:20:00Z".parse().unwrap(),
            offers: 8,
            open: 10
        })
    );
    assert_eq!(status.open_offers, 10);
    assert!(store.fetch_memory("asso").unwrap().closing_held);
    let stats = store.record_success("asso", &at(30), &all[..2], 2).unwrap();
    assert_eq!((stats.closed, stats.held), (8, 0));
    let status = &store.feed_statuses().unwrap()[0];
    assert_eq!((status.open_offers, &status.held_closing), (2, &None));
    assert!(!store.fetch_memory("asso").unwrap().closing_held);
}

/// A hold is about the offers it held: those the next fetch lists again stay open, those
/// it lacks again close, and a feed with few open offers closes them as before.
#[test]
fn the_next_fetch_decides_each_held_offer_and_small_feeds_are_not_held() {
    let store = memory_store(&["asso", "petite"]);
    let all = ten_postings("asso");
    let at = |minute: u32| attempt_at(&format!("2026-11-20T10:{minute:02}:00Z"));
    store.record_success("asso", &at(0), &all, 1).unwrap();
    let stats = store.record_success("asso", &at(10), &all[..3], 1).unwrap();
    assert_eq!((stats.closed, stats.held), (0, 7));
    // Four of the seven come back.
    let stats = store.record_success("asso", &at(20), &all[..7], 1).unwrap();
    assert_eq!((stats.closed, stats.held), (3, 0));
    let marks = store.offer_marks("asso").unwrap();
    assert_eq!(marks.iter().filter(|m| m.status == "open").count(), 7);
    assert_eq!(store.feed_statuses().unwrap()[0].held_closing, None);

    let few = ten_postings("petite");
    store
        .record_success("petite", &at(0), &few[..3], 1)
        .unwrap();
    let stats = store.record_success("petite", &at(10), &[], 1).unwrap();
    assert_eq!(
        (stats.closed, stats.held),
        (3, 0),
        "3 open: below HOLD_MIN_OPEN"
    );
}

/// A fetch listing every open offer of its feed closes nothing and counts no miss, and a
/// held closing it disagrees with is forgotten; a fetch listing one posting twice still
/// lacks the others (the store counts the open offers a fetch lists once each).
#[test]
fn a_fetch_listing_every_open_offer_misses_none_and_one_listed_twice_counts_once() {
    let store = memory_store(&["asso"]);
    let all = ten_postings("asso");
    let at = |minute: u32| attempt_at(&format!("2026-11-20T10:{minute:02}:00Z"));
    store.record_success("asso", &at(0), &all, 2).unwrap();
    let stats = store.record_success("asso", &at(10), &all[..2], 2).unwrap();
    assert_eq!((stats.closed, stats.held), (0, 0), "missed once");
    let missed = |store: &Store| -> Vec<i64> {
        column(
            &store.conn(),
            "SELECT missed_fetches FROM offers ORDER BY identity",
        )
    };
    assert_eq!(missed(&store).iter().sum::<i64>(), 8);
    // Listed again, all ten: every miss is forgotten, nothing closes.
    let stats = store.record_success("asso", &at(20), &all, 2).unwrap();
    assert_eq!((stats.closed, stats.held, stats.unchanged), (0, 0, 10));
    assert_eq!(missed(&store), vec![0; 10]);
    // A feed with two open offers, whose fetch lists the first one twice: the second is
    // missed, and closed (two open offers are too few to hold a closing).
    let two = ten_postings("petite");
    let store = memory_store(&["petite"]);
    store
        .record_success("petite", &at(0), &two[..2], 1)
        .unwrap();
    let twice = [two[0].clone(), two[0].clone()];
    let stats = store.record_success("petite", &at(10), &twice, 1).unwrap();
    assert_eq!((stats.open_before, stats.closed, stats.held), (2, 1, 0));
    assert_eq!(store.feed_statuses().unwrap()[0].open_offers, 1);
}

#[test]
fn an_unknown_state_reads_as_active() {
    assert_eq!(state("paused"), FeedState::Active);
    assert_eq!(state("gone"), FeedState::Gone);
}

#[test]
fn a_purged_offer_leaves_nothing_in_the_full_text_index() {
    let store = memory_store(&["a"]);
    store
        .record_success(
            "a",
            &attempt_at("2026-01-10T10:00:00Z"),
            &[cress_posting("a")],
            2,
        )
        .unwrap();
    let fts = |store: &Store| -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM offers_fts", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(fts(&store), 1);
    store
        .conn()
        .execute(
            "UPDATE offers SET status = 'closed', closed_at = '2026-01-11T10:00:00Z'",
            [],
        )
        .unwrap();
    let now: DateTime<Utc> = "2026-06-01T10:00:00Z".parse().unwrap();
    assert_eq!(store.purge(now, 90).unwrap().deleted, 1);
    // Its row id may be given to the next offer: a stale text there would be found for it.
    assert_eq!(fts(&store), 0);
}

#[test]
fn processes_opening_a_new_database_at_once_all_open_it() {
    // `essaim run` starting on a new file while `essaim feeds` (or a probe) opens it: each
    // migration is applied once, by whichever takes the write lock first.
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("essaim.db");
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Store::open(&path).map(|s| s.schema_version()))
            })
            .collect();
        for opener in openers {
            let version = opener.join().unwrap().unwrap().unwrap();
            assert_eq!(version, MIGRATIONS.len() as i64);
        }
    }
}

/// A new posting is stored with the id SQLite would give it, one past the largest (a closed
/// row at 40 included), and as a cluster of its own; the same job on another feed then joins
/// the first posting's cluster. The writer's time on the fetches is counted for `/metrics`.
#[test]
fn new_postings_are_stored_as_their_own_clusters_after_the_largest_id() {
    use crate::model::Contract;
    let store = memory_store(&["a", "b"]);
    store
        .conn()
        .execute(
            "INSERT INTO offers (id, public_id, feed_id, identity, content_hash, status, title,
               sort_at, first_seen_at, last_seen_at, changed_at, data, source)
             VALUES (40, 'closed-40', 'a', 'ref:old', '', 'closed', 'Comptable', '', '', '', '',
               '{}', 'null')",
            [],
        )
        .unwrap();
    let cress = cress_posting("a");
    let mut other = cress_posting("a").offer;
    other.reference = Some("2".into());
    other.title = "Comptable unique (H/F)".into();
    other.employer = Some("Mutuelle de Bretagne".into());
    other.contract = Some(Contract::Cdd);
    other.description_text = "La mutuelle recrute un comptable unique à Rennes pour tenir la \
        comptabilité générale, préparer la clôture annuelle et suivre la trésorerie."
        .into();
    let other = Posting::new(other, "null".into());
    let busy = crate::metrics::writer_busy_seconds();
    store
        .record_success("a", &attempt_at("2026-12-01T08:00:00Z"), &[cress, other], 2)
        .unwrap();
    let rows: Vec<(i64, Option<i64>)> = store
        .conn()
        .prepare("SELECT id, cluster_id FROM offers WHERE status = 'open' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, [(41, Some(41)), (42, Some(42))]);
    store
        .record_success(
            "b",
            &attempt_at("2026-12-01T09:00:00Z"),
            &[cress_posting("b")],
            2,
        )
        .unwrap();
    let joined: Vec<Option<i64>> = column(
        &store.conn(),
        "SELECT cluster_id FROM offers WHERE feed_id = 'b'",
    );
    assert_eq!(joined, [Some(41)], "the CRESS offer on b joins a's posting");
    assert!(crate::metrics::writer_busy_seconds() > busy);
    assert!(
        crate::metrics::render(&Default::default()).contains("essaim_writer_busy_seconds_total")
    );
}
