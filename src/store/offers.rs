//! The offers' rows: a successful fetch applied (postings inserted or updated, filed into
//! their clusters, missing ones closed or their closing held), expiry, the purge, and the
//! published job of a cluster.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::clusters::Filed;
use super::feeds::{insert_attempt, set_plan};
use super::keys::RecentKeys;
use super::{
    instant, packed, search, ApplyStats, Attempt, OfferFilter, Order, Posting, PurgeStats, Store,
    StoreError,
};
use crate::dedup::cluster::{self, Filing};
use crate::dedup::similar;
use crate::dedup::KnownPostings;
use crate::model::{rfc3339, Offer, PublishedOffer, Source};

mod parts;

/// A fetch that would close more than half of its feed's open offers at once is held as
/// suspicious when the feed has at least this many open: below, one or two offers filled or
/// withdrawn are half of the feed, and nothing suggests an export cut short.
pub const HOLD_MIN_OPEN: usize = 4;

/// True when closing `closing` of a feed's `open` offers at once is suspicious (see
/// [`HOLD_MIN_OPEN`]): the closing is then held until the next fetch agrees.
pub fn closing_is_suspicious(closing: usize, open: usize) -> bool {
    open >= HOLD_MIN_OPEN && closing * 2 > open
}

/// A purge keeps at least this many of each feed's latest fetch attempts, however old, so that
/// a feed fetched rarely (or no longer) still shows its recent history.
pub const ATTEMPTS_KEPT: usize = 20;

/// Counts the time the writer holds the store for a fetch, whatever the outcome, into
/// [`crate::metrics::record_writer_busy`] when dropped.
struct WriterBusy(std::time::Instant);

impl Drop for WriterBusy {
    fn drop(&mut self) {
        crate::metrics::record_writer_busy(self.0.elapsed());
    }
}

#[cfg(any(test, feature = "testing"))]
/// Where an offer stands, without its content (for diagnostics and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferMark {
    pub public_id: String,
    pub status: String,
    pub last_seen_at: String,
    /// `fetch_attempts.id` of the last fetch that listed it.
    pub last_seen_attempt: Option<i64>,
    pub missed_fetches: u32,
}

impl Store {
    /// Applies a successful fetch in one transaction: records the attempt, upserts every
    /// posting, and closes the feed's open offers missing from `close_after` consecutive
    /// successful fetches, unless closing them is suspicious (more than half of the feed's
    /// open offers at once, see [`closing_is_suspicious`]): that closing is held, the offers
    /// stay open, and the next successful fetch decides. It closes those it lacks again, and
    /// keeps (and clears the hold of) those it lists.
    pub fn record_success(
        &self,
        feed_id: &str,
        attempt: &Attempt,
        postings: &[Posting],
        close_after: u32,
    ) -> Result<ApplyStats, StoreError> {
        let filing = Filing::new(feed_id, postings.iter().map(|p| p.identity.as_str()));
        self.apply_fetch(
            feed_id,
            attempt,
            &filing,
            postings.len(),
            std::iter::once(Ok(postings)),
            close_after,
        )
    }

    /// What [`Store::record_success`] and [`Store::record_success_in_parts`] do: the fetch
    /// listing `listed` postings (whose identities `filing` knows) applied in one transaction
    /// as its `parts` come. A part that is an error, or parts that do not bring exactly
    /// `listed` postings, roll the fetch back whole.
    pub(super) fn apply_fetch<P: AsRef<[Posting]>>(
        &self,
        feed_id: &str,
        attempt: &Attempt,
        filing: &Filing<'_>,
        listed: usize,
        parts: impl IntoIterator<Item = Result<P, StoreError>>,
        close_after: u32,
    ) -> Result<ApplyStats, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        let _busy = WriterBusy(std::time::Instant::now());
        // Immediate: the write lock is taken first, so the recent keys checked next are those
        // of the latest commit, whoever made it.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        recent.ready(&tx)?;
        let attempt_id = insert_attempt(&tx, feed_id, attempt, "ok", None)?;
        let now = rfc3339(attempt.finished_at);
        let mut stats = ApplyStats {
            open_before: open_offers_of(&tx, feed_id)?,
            ..Default::default()
        };
        let fetch = Applied {
            feed_id,
            attempt_id,
            now: &now,
        };
        let mut applied = 0;
        // The listed postings that were open before: when they are all the feed's open
        // offers, the fetch lacks none, and there is nothing to count or close.
        let mut listed_open = 0;
        for part in parts {
            // An error drops the transaction: the fetch is rolled back whole.
            let part = part?;
            let part = part.as_ref();
            applied += part.len();
            if applied > listed {
                break;
            }
            listed_open +=
                self.upsert_postings(&tx, &mut recent, &fetch, filing, part, &mut stats)?;
        }
        if applied != listed {
            return Err(StoreError::Refused(format!(
                "the fetch's parts brought {applied} postings where it lists {listed}; nothing \
                 of it was applied"
            )));
        }
        if listed_open < stats.open_before {
            close_missing(&tx, &fetch, close_after, &mut stats)?;
        } else {
            clear_held_closing(&tx, feed_id)?;
        }
        stats.expired = expire(&tx, &now)?;
        record_applied(&tx, &fetch, attempt, applied, &stats)?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        if self.is_stopping() {
            return Err(StoreError::Stopping);
        }
        tx.commit()?;
        recent.committed();
        if stats.new + stats.updated + stats.closed > 0 {
            self.changed();
        }
        self.flush_if_due(&mut conn, &mut recent);
        Ok(stats)
    }

    /// Inserts the postings new to the feed and updates those it had, filing each new or
    /// changed one into its cluster (and those whose features are of another version);
    /// `filing` names every posting the fetch lists (`postings` may be a part of them).
    ///
    /// An unchanged posting (its stored content hash, and features of the current version) is
    /// only marked seen: open, its closing count and hold cleared, `last_seen_at` and
    /// `last_seen_attempt` set. Its `data` and `source` are not written again, so the stored
    /// raw item stays the one read when the offer last changed: an item whose offer is the
    /// same (only the partner's markup, an attribute essaim does not read, changed) keeps its
    /// first raw item.
    ///
    /// Returns how many of the postings were open before.
    fn upsert_postings(
        &self,
        tx: &Transaction<'_>,
        recent: &mut RecentKeys,
        fetch: &Applied<'_>,
        filing: &Filing<'_>,
        postings: &[Posting],
        stats: &mut ApplyStats,
    ) -> Result<usize, StoreError> {
        let mut were_open = 0;
        // Features of another version are filed again (see `similar::FEATURES_VERSION`).
        let version = [similar::FEATURES_VERSION];
        // The row, its content hash, and whether it is to be written again even unchanged:
        // features of another version, or columns as written before version 11 (plain text,
        // packed when a fetch next lists them). And whether it is open, and its validThrough:
        // both are in indexes, and are only written when they change (see `seen_sql`).
        let mut existing = tx.prepare_cached(
            "SELECT o.id, o.content_hash,
               f.features IS NULL OR substr(f.features, 1, 1) <> ?3
                 OR typeof(o.data) <> 'blob',
               o.status = 'open' AND o.closed_at IS NULL, o.valid_through,
               o.status = 'open' AND o.last_seen_attempt IS NOT ?4
             FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
             WHERE o.feed_id = ?1 AND o.identity = ?2",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO offers (public_id, feed_id, identity, content_hash, title, url,
               employer, published_at, updated_at, sort_at, first_seen_at, last_seen_at,
               changed_at, last_seen_attempt, data, source, valid_through,
               region, department, commune, contract, working_time, sector, remote, id,
               cluster_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, coalesce(?8, ?10), ?10, ?10, ?10,
               ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?22)",
        )?;
        // A new posting is inserted with the id SQLite would give it (one more than the
        // largest, which it is alone to write: the transaction is immediate) and as its own
        // cluster, in one statement: filing it then only rewrites its row when it joins
        // another cluster, where setting `cluster_id` afterwards rewrote every new row, packed
        // columns and indexes included.
        let mut next_id: Option<i64> = None;
        for p in postings {
            if self.is_stopping() {
                // Dropping the transaction rolls the fetch back whole.
                return Err(StoreError::Stopping);
            }
            let before: Option<(Before, bool)> = existing
                .query_row(
                    params![fetch.feed_id, p.identity, version, fetch.attempt_id],
                    |r| {
                        let before = Before {
                            id: r.get(0)?,
                            hash: r.get(1)?,
                            rewrite: r.get(2)?,
                            open: r.get(3)?,
                            valid_through: r.get(4)?,
                        };
                        Ok((before, r.get(5)?))
                    },
                )
                .optional()?;
            // Counted once, should the fetch list one posting twice.
            if let Some((_, true)) = before {
                were_open += 1;
            }
            let before = before.map(|(b, _)| b);
            if let Some(b) = &before {
                if !b.rewrite && b.hash == p.content_hash {
                    tx.prepare_cached(seen_sql(b.open))?.execute(params![
                        b.id,
                        fetch.now,
                        fetch.attempt_id
                    ])?;
                    stats.unchanged += 1;
                    continue;
                }
            }
            let o = &p.offer;
            let prepared = p.prepared_bytes()?;
            let computed;
            let features = match &p.features {
                Some(f) => filing.features(f),
                None => {
                    computed = similar::features(o);
                    filing.features(&computed)
                }
            };
            let published = o.published.map(rfc3339);
            let updated = o.updated.map(rfc3339);
            let valid_through = o.valid_through.map(rfc3339);
            match before {
                None => {
                    let [region, department, commune, contract, working_time, sector, remote] =
                        search::filter_columns(o);
                    let id = match next_id {
                        Some(id) => id,
                        None => {
                            tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM offers", [], |r| {
                                r.get(0)
                            })?
                        }
                    };
                    insert.execute(params![
                        p.public_id,
                        fetch.feed_id,
                        p.identity,
                        p.content_hash,
                        o.title,
                        o.url,
                        o.employer,
                        published,
                        updated,
                        fetch.now,
                        fetch.attempt_id,
                        prepared.data,
                        prepared.source,
                        valid_through,
                        region,
                        department,
                        commune,
                        contract,
                        working_time,
                        sector,
                        remote,
                        id
                    ])?;
                    next_id = id.checked_add(1);
                    search::index_text(tx, id, o, false)?;
                    cluster::file_encoded(
                        &mut Filed::new(tx, recent),
                        id,
                        &features,
                        (&prepared.features, &prepared.keys),
                        true,
                        filing,
                    )?;
                    stats.new += 1;
                }
                Some(Before {
                    id,
                    hash,
                    rewrite,
                    open,
                    valid_through: stored_valid_through,
                }) => {
                    let same_valid_through = stored_valid_through == valid_through;
                    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
                        &id,
                        &fetch.now,
                        &fetch.attempt_id,
                        &p.content_hash,
                        &o.title,
                        &o.url,
                        &o.employer,
                        &published,
                        &updated,
                        &prepared.data,
                        &prepared.source,
                    ];
                    if !same_valid_through {
                        values.push(&valid_through);
                    }
                    tx.prepare_cached(&update_sql(open, same_valid_through))?
                        .execute(rusqlite::params_from_iter(values))?;
                    if hash != p.content_hash || rewrite {
                        cluster::file_encoded(
                            &mut Filed::new(tx, recent),
                            id,
                            &features,
                            (&prepared.features, &prepared.keys),
                            false,
                            filing,
                        )?;
                    }
                    if hash == p.content_hash {
                        stats.unchanged += 1;
                    } else {
                        search::index_offer(tx, id, o, true)?;
                        stats.updated += 1;
                    }
                }
            }
        }
        Ok(were_open)
    }

    /// Flushes the blocking keys held in memory when enough have gathered (after a commit: the
    /// fetch is stored whatever happens here; keys not flushed stay listed).
    fn flush_if_due(&self, conn: &mut Connection, recent: &mut RecentKeys) {
        if !recent.flush_due() {
            return;
        }
        let started = std::time::Instant::now();
        match self.flush(conn, recent) {
            Ok(n) => tracing::info!(
                postings = n,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "blocking keys flushed into dedup_keys"
            ),
            Err(e) => {
                recent.flush_failed();
                tracing::warn!(
                    error = %e,
                    "writing the blocking keys held in memory into dedup_keys failed; they stay listed, and the store tries again after a few more fetches"
                );
            }
        }
    }

    /// Open offers of configured feeds, newest first.
    pub fn open_offers(&self, limit: usize) -> Result<Vec<PublishedOffer>, StoreError> {
        let (offers, _) =
            self.query_offers(&OfferFilter::default(), Order::Published, limit, None)?;
        Ok(offers)
    }

    /// What the store knows of a feed's postings (identities and links), for
    /// [`crate::dedup::assign_identities`], and the content hash of those whose features are
    /// current (and columns packed), so that the pipeline leaves out the work of unchanged
    /// postings.
    pub fn known_postings(&self, feed_id: &str) -> Result<KnownPostings, StoreError> {
        let conn = self.conn();
        let version = [similar::FEATURES_VERSION];
        let mut stmt = conn.prepare_cached(
            "SELECT o.identity, o.url, o.content_hash,
               f.features IS NOT NULL AND substr(f.features, 1, 1) = ?2
                 AND typeof(o.data) = 'blob'
             FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
             WHERE o.feed_id = ?1",
        )?;
        let mut rows = stmt.query(params![feed_id, version])?;
        let mut known = KnownPostings::default();
        while let Some(r) = rows.next()? {
            let identity: String = r.get(0)?;
            if r.get::<_, bool>(3)? {
                known.current.insert(identity.clone(), r.get(2)?);
            }
            known.postings.push((identity, r.get(1)?));
        }
        Ok(known)
    }

    /// Expires open offers past their validThrough, then deletes closed and expired offers
    /// whose closing is older than `retention_days`, and fetch attempts started before then
    /// but the latest [`ATTEMPTS_KEPT`] of each feed, in one transaction. Clusters that lose a
    /// posting are regrouped.
    pub fn purge(&self, now: DateTime<Utc>, retention_days: u32) -> Result<PurgeStats, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        recent.ready(&tx)?;
        let expired = expire(&tx, &rfc3339(now))?;
        let cutoff = rfc3339(now - chrono::Duration::days(i64::from(retention_days)));
        let doomed: Vec<(i64, Option<i64>, Option<Vec<u8>>)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT o.id, o.cluster_id, f.features
                 FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
                 WHERE o.status <> 'open' AND o.closed_at < ?1",
            )?;
            let rows = stmt.query_map([&cutoff], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut touched = BTreeSet::new();
        for (id, cluster, features) in &doomed {
            if let Some(f) = features.as_deref().and_then(similar::decode) {
                recent.remove(&tx, *id, &similar::keys(&f))?;
            }
            tx.execute("DELETE FROM offers WHERE id = ?1", [id])?;
            // The index keeps no link to the row: its text goes with it (the id may be
            // reused by the next offer).
            tx.execute("DELETE FROM offers_fts WHERE rowid = ?1", [id])?;
            if let Some(c) = cluster {
                touched.insert(*c);
            }
        }
        for c in touched {
            cluster::regroup_cluster(&mut Filed::new(&tx, &mut recent), c)?;
        }
        // No row refers to an attempt by key (offers.last_seen_attempt is only compared with
        // the attempt being applied), and each feed's latest attempts stay, so ids are not
        // reused.
        let attempts = tx.execute(
            "DELETE FROM fetch_attempts WHERE id IN (
               SELECT id FROM (
                 SELECT id, started_at, row_number() OVER (
                   PARTITION BY feed_id ORDER BY started_at DESC, id DESC) AS latest
                 FROM fetch_attempts)
               WHERE latest > ?2 AND started_at < ?1)",
            params![cutoff, ATTEMPTS_KEPT as i64],
        )?;
        tx.commit()?;
        recent.committed();
        Ok(PurgeStats {
            expired,
            deleted: doomed.len(),
            attempts,
        })
    }

    /// Loads postings in bulk, as new open offers of `feed_id` seen at `at`: the same rows,
    /// search index, features and blocking keys as [`Store::record_success`], in one
    /// transaction, but each posting is its own cluster (no candidate lookup). For benchmarks
    /// and imports; a posting whose identity is already stored is skipped.
    #[cfg(any(test, feature = "testing"))]
    pub fn bulk_load(
        &self,
        feed_id: &str,
        postings: &[Posting],
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        // A large page cache while loading; back to the usual one after, whatever happened.
        conn.pragma_update(None, "cache_size", -1_048_576)?;
        let loaded = self.bulk_insert(&mut conn, feed_id, postings, at);
        let restored = conn.pragma_update(None, "cache_size", super::PAGE_CACHE_KIB);
        let loaded = loaded?;
        restored?;
        Ok(loaded)
    }

    /// [`Store::bulk_load`]'s transaction.
    #[cfg(any(test, feature = "testing"))]
    fn bulk_insert(
        &self,
        conn: &mut rusqlite::Connection,
        feed_id: &str,
        postings: &[Posting],
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = conn.transaction()?;
        let now = rfc3339(at);
        let mut loaded = 0;
        let mut keys: Vec<(i64, i64)> = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO offers (public_id, feed_id, identity, content_hash, title,
                   url, employer, published_at, sort_at, first_seen_at, last_seen_at, changed_at,
                   data, source, valid_through)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?8, ?9), ?9, ?9, ?9, ?10, ?11,
                   ?12)",
            )?;
            let mut cluster =
                tx.prepare_cached("UPDATE offers SET cluster_id = id WHERE id = ?1")?;
            let mut features = tx.prepare_cached(
                "INSERT INTO dedup_features (offer_id, features) VALUES (?1, ?2)",
            )?;
            for p in postings {
                let o = &p.offer;
                let prepared = p.prepared_bytes()?;
                let n = insert.execute(params![
                    p.public_id,
                    feed_id,
                    p.identity,
                    p.content_hash,
                    o.title,
                    o.url,
                    o.employer,
                    o.published.map(rfc3339),
                    now,
                    prepared.data,
                    prepared.source,
                    o.valid_through.map(rfc3339)
                ])?;
                if n == 0 {
                    continue;
                }
                let id = tx.last_insert_rowid();
                cluster.execute([id])?;
                features.execute(params![id, prepared.features])?;
                search::index_offer(&tx, id, o, false)?;
                keys.extend(prepared.keys.iter().map(|&k| (k, id)));
                loaded += 1;
            }
            // In a scattered (but deterministic) order, as postings filed one by one write
            // them: sorted keys would leave every index page full, and the first postings
            // filed afterwards would split a page each, which a database grown by fetches
            // does not do.
            keys.sort_unstable_by_key(|&(k, id)| {
                (k ^ id.rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15_u64 as i64)
            });
            let mut key = tx.prepare_cached(
                "INSERT OR IGNORE INTO dedup_keys (key, offer_id) VALUES (?1, ?2)",
            )?;
            for (k, id) in &keys {
                key.execute(params![k, id])?;
            }
        }
        // Other connections read their key filter again.
        tx.execute("UPDATE dedup_folds SET folds = folds + 1", [])?;
        tx.commit()?;
        self.recent().table_written();
        Ok(loaded)
    }

    /// The offer and the partner's raw item stored under `public_id`, read back from their
    /// stored (packed or, before version 11, plain) columns (`essaim offer`).
    pub fn stored_posting(&self, public_id: &str) -> Result<Option<(Offer, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT data, source FROM offers WHERE public_id = ?1")?;
        let mut rows = stmt.query([public_id])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let unreadable = |source| StoreError::Unpack {
            public_id: public_id.to_owned(),
            source,
        };
        let data = packed::unpack_data(r.get_ref(0)?).map_err(unreadable)?;
        let source = packed::unpack_source(r.get_ref(1)?, &data).map_err(unreadable)?;
        let offer = serde_json::from_str(&data).map_err(|source| StoreError::Corrupt {
            public_id: public_id.to_owned(),
            source,
        })?;
        Ok(Some((offer, source)))
    }

    /// Where each offer of a feed stands (no content), by public id.
    #[cfg(any(test, feature = "testing"))]
    pub fn offer_marks(&self, feed_id: &str) -> Result<Vec<OfferMark>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT public_id, status, last_seen_at, last_seen_attempt, missed_fetches
             FROM offers WHERE feed_id = ?1 ORDER BY public_id",
        )?;
        let rows = stmt.query_map([feed_id], |r| {
            Ok(OfferMark {
                public_id: r.get(0)?,
                status: r.get(1)?,
                last_seen_at: r.get(2)?,
                last_seen_attempt: r.get(3)?,
                missed_fetches: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The successful fetch being applied: its feed, its attempt's row and when it finished.
struct Applied<'a> {
    feed_id: &'a str,
    attempt_id: i64,
    /// When the fetch finished (RFC 3339).
    now: &'a str,
}

/// What the store holds of a posting the fetch lists again.
struct Before {
    id: i64,
    hash: String,
    /// Its features are of another version, or its columns as written before version 11.
    rewrite: bool,
    /// Open (neither closed nor expired).
    open: bool,
    valid_through: Option<String>,
}

/// Marks a stored offer seen by the fetch (`?1` its id, `?2` now, `?3` the attempt). An open
/// offer's status is not written: SQLite rewrites the entries of every index holding a column
/// an UPDATE sets, even to the value it had, and the status is in most of them (in a large
/// database, that is a page written per index and offer seen).
fn seen_sql(open: bool) -> &'static str {
    if open {
        "UPDATE offers SET missed_fetches = 0, closing_held = 0, last_seen_at = ?2,
           last_seen_attempt = ?3
         WHERE id = ?1"
    } else {
        "UPDATE offers SET status = 'open', closed_at = NULL, missed_fetches = 0,
           closing_held = 0, last_seen_at = ?2, last_seen_attempt = ?3
         WHERE id = ?1"
    }
}

/// Rewrites a stored offer the fetch lists changed (`?1` its id, `?2` now, `?3` the attempt,
/// `?4` the content hash, `?5`-`?12` its columns), setting its status only when it was not
/// open and its validThrough only when it changed (both are in indexes; see [`seen_sql`]).
fn update_sql(open: bool, same_valid_through: bool) -> String {
    format!(
        "UPDATE offers SET {}missed_fetches = 0,
           closing_held = 0, last_seen_at = ?2, last_seen_attempt = ?3,
           changed_at = CASE WHEN content_hash = ?4 THEN changed_at ELSE ?2 END,
           content_hash = ?4, title = ?5, url = ?6, employer = ?7, published_at = ?8,
           updated_at = ?9, data = ?10, source = ?11{}
         WHERE id = ?1",
        if open {
            ""
        } else {
            "status = 'open', closed_at = NULL, "
        },
        if same_valid_through {
            ""
        } else {
            ", valid_through = ?12"
        }
    )
}

/// How many offers of the feed are open.
fn open_offers_of(tx: &Transaction<'_>, feed_id: &str) -> Result<usize, StoreError> {
    Ok(tx.query_row(
        "SELECT count(*) FROM offers WHERE feed_id = ?1 AND status = 'open'",
        [feed_id],
        |r| r.get(0),
    )?)
}

/// Closes the feed's open offers that `close_after` successful fetches in a row lacked, unless
/// that is suspicious: the closing is then held. Offers whose closing the last fetch held and
/// that this one lacks again are closed (those it lists had their hold cleared when updated).
fn close_missing(
    tx: &Transaction<'_>,
    fetch: &Applied<'_>,
    close_after: u32,
    stats: &mut ApplyStats,
) -> Result<(), StoreError> {
    let (feed_id, now) = (fetch.feed_id, fetch.now);
    tx.execute(
        "UPDATE offers SET missed_fetches = missed_fetches + 1
         WHERE feed_id = ?1 AND status = 'open' AND last_seen_attempt IS NOT ?2",
        params![feed_id, fetch.attempt_id],
    )?;
    // Offers whose closing the last fetch held, and that this one lacks again: it agrees.
    // (Those it lists had their hold cleared above.)
    let confirmed = tx.execute(
        "UPDATE offers SET status = 'closed', closed_at = ?2, closing_held = 0
         WHERE feed_id = ?1 AND status = 'open' AND closing_held = 1",
        params![feed_id, now],
    )?;
    let due: usize = tx.query_row(
        "SELECT count(*) FROM offers
         WHERE feed_id = ?1 AND status = 'open' AND missed_fetches >= ?2",
        params![feed_id, close_after],
        |r| r.get(0),
    )?;
    if closing_is_suspicious(due, stats.open_before) {
        tx.execute(
            "UPDATE offers SET closing_held = 1
             WHERE feed_id = ?1 AND status = 'open' AND missed_fetches >= ?2",
            params![feed_id, close_after],
        )?;
        tx.execute(
            "UPDATE feeds SET held_closing_at = ?2, held_closing_offers = ?3,
               held_closing_open = ?4
             WHERE id = ?1",
            params![feed_id, now, due, stats.open_before],
        )?;
        stats.held = due;
        stats.closed = confirmed;
    } else {
        stats.closed = confirmed
            + tx.execute(
                "UPDATE offers SET status = 'closed', closed_at = ?2
                 WHERE feed_id = ?1 AND status = 'open' AND missed_fetches >= ?3",
                params![feed_id, now, close_after],
            )?;
        clear_held_closing(tx, feed_id)?;
    }
    Ok(())
}

/// Forgets a closing the feed's last fetch held (this one closes or lacks nothing suspicious).
fn clear_held_closing(tx: &Transaction<'_>, feed_id: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE feeds SET held_closing_at = NULL, held_closing_offers = NULL,
           held_closing_open = NULL
         WHERE id = ?1",
        [feed_id],
    )?;
    Ok(())
}

/// Records what the fetch changed on its attempt, and its success on the feed (validators,
/// body hash, new address, offers seen).
fn record_applied(
    tx: &Transaction<'_>,
    fetch: &Applied<'_>,
    attempt: &Attempt,
    seen: usize,
    stats: &ApplyStats,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE fetch_attempts SET offers_new = ?2, offers_updated = ?3, offers_closed = ?4
         WHERE id = ?1",
        params![fetch.attempt_id, stats.new, stats.updated, stats.closed],
    )?;
    tx.execute(
        "UPDATE feeds SET last_attempt_at = ?2, last_success_at = ?2,
           last_status = ?3, last_error = NULL, consecutive_errors = 0,
           etag = ?4, last_modified = ?5, body_hash = ?6, offers_seen = ?7,
           effective_url = coalesce(?8, effective_url)
         WHERE id = ?1",
        params![
            fetch.feed_id,
            fetch.now,
            attempt.http_status,
            attempt.etag,
            attempt.last_modified,
            attempt.body_hash,
            seen,
            attempt.moved_to
        ],
    )?;
    Ok(())
}

/// Expires the open offers past their validThrough; returns how many.
fn expire(tx: &Transaction<'_>, now: &str) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE offers INDEXED BY offers_expiry SET status = 'expired', closed_at = ?1
         WHERE status = 'open' AND valid_through IS NOT NULL AND valid_through < ?1",
        [now],
    )?)
}

/// The published item of a cluster: None when none of its postings is open on a configured
/// feed any more.
pub(super) fn published_cluster(
    conn: &Connection,
    cluster: i64,
) -> Result<Option<PublishedOffer>, StoreError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT o.id, o.public_id, o.feed_id, f.name, f.network, o.status = 'open' AND f.in_config = 1,
           o.first_seen_at, o.changed_at, o.data
         FROM offers o JOIN feeds f ON f.id = o.feed_id
         WHERE o.cluster_id = ?1 OR o.id = ?1
         ORDER BY o.id LIMIT ",
        cluster_read_limit!()
    ))?;
    let mut rows = stmt.query(params![cluster])?;
    let mut id = None;
    let mut first_seen: Option<DateTime<Utc>> = None;
    let mut changed: Option<DateTime<Utc>> = None;
    let mut best: Option<(usize, String, String)> = None;
    let mut open = Vec::new();
    let mut sources = Vec::new();
    while let Some(r) = rows.next()? {
        let row_id: i64 = r.get(0)?;
        let public_id: String = r.get(1)?;
        if row_id == cluster || id.is_none() {
            id = Some(public_id.clone());
        }
        let seen = instant(&r.get::<_, String>(6)?);
        first_seen = Some(first_seen.map_or(seen, |f| f.min(seen)));
        if !r.get::<_, bool>(5)? {
            continue;
        }
        let feed: String = r.get(2)?;
        let feed_name: String = r.get(3)?;
        let network: String = r.get(4)?;
        let data = packed::unpack_data(r.get_ref(8)?).map_err(|source| StoreError::Unpack {
            public_id: public_id.clone(),
            source,
        })?;
        let offer: Offer = serde_json::from_str(&data).map_err(|source| StoreError::Corrupt {
            public_id: public_id.clone(),
            source,
        })?;
        let c = instant(&r.get::<_, String>(7)?);
        changed = Some(changed.map_or(c, |x| x.max(c)));
        sources.push(Source {
            id: public_id,
            feed,
            feed_name: feed_name.clone(),
            network: network.clone(),
            reference: offer.reference.clone(),
            url: offer.url.clone(),
        });
        let rich = similar::richness(&offer);
        if best.as_ref().is_none_or(|(b, ..)| rich > *b) {
            best = Some((rich, network, feed_name));
        }
        open.push(offer);
    }
    let (Some(id), Some(first_seen), Some(changed), Some((_, network, feed_name)), Some(offer)) =
        (id, first_seen, changed, best, similar::merged(open))
    else {
        return Ok(None);
    };
    Ok(Some(PublishedOffer {
        id,
        network,
        feed_name,
        first_seen,
        changed,
        offer,
        sources,
    }))
}
