//! The store's read side for downstream consumers: filtered, paged queries over the open
//! offers (full-text search through FTS5, filter columns kept next to the offer JSON), single
//! offers, and counts by network, region and contract. Also the write-side helper that keeps
//! the filter columns and the full-text index in step with each offer.

use chrono::{DateTime, Utc};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};
use serde::Serialize;

use super::offers::published_cluster;
use super::{instant, packed, PublishedOffer, Store, StoreError};
use crate::model::rfc3339;
use crate::model::{Offer, WorkingTimeKind};

mod tokens;

/// Which open offers a consumer wants. Every field narrows the set; values are already
/// validated and normalised (codes, not labels) by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferFilter {
    /// Full-text query over title, employer and description (accent- and case-insensitive).
    pub q: Option<String>,
    /// Region INSEE code ("84").
    pub region: Option<String>,
    /// Department code ("69", "2A").
    pub department: Option<String>,
    /// Commune INSEE code ("69123"); a city's code also matches its arrondissements.
    pub commune: Option<String>,
    /// Contract code ("cdi").
    pub contract: Option<String>,
    /// "full_time" or "part_time".
    pub working_time: Option<String>,
    /// Sector, compared without case.
    pub sector: Option<String>,
    /// Network name, compared without case.
    pub network: Option<String>,
    /// Words of the employer's name.
    pub employer: Option<String>,
    /// Published or updated at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Remote work: "true" (partial or full), "false" (none or not said), or one level
    /// ("none", "partial", "full").
    pub remote: Option<String>,
}

impl OfferFilter {
    pub fn is_empty(&self) -> bool {
        *self == OfferFilter::default()
    }
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Newest first by publication date (first sighting when the partner gives none): feeds.
    Published,
    /// Newest first by discovery: the API, where paging must not lose or repeat an offer
    /// while new ones arrive (new offers only ever come before the first page).
    Discovered,
}

/// Where the next page starts: the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub sort_at: String,
    pub row: i64,
}

impl Cursor {
    /// An opaque token for URLs.
    pub fn token(&self) -> String {
        format!("{}_{}", self.row, self.sort_at.replace([':', '-'], ""))
    }

    /// Reads a token made by [`Cursor::token`].
    pub fn parse(token: &str) -> Option<Cursor> {
        let (row, compact) = token.split_once('_')?;
        let row: i64 = row.parse().ok()?;
        // 20261122T100000Z -> 2026-11-22T10:00:00Z
        let b = compact.as_bytes();
        if b.len() != 16 || !compact.is_ascii() {
            return None;
        }
        let sort_at = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &compact[0..4],
            &compact[4..6],
            &compact[6..8],
            &compact[9..11],
            &compact[11..13],
            &compact[13..15]
        );
        DateTime::parse_from_rfc3339(&sort_at).ok()?;
        Some(Cursor { sort_at, row })
    }
}

/// Open offers of one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkStats {
    pub network: String,
    pub feeds: Vec<String>,
    pub open_offers: usize,
}

/// Counts over the open offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub open_offers: usize,
    pub by_network: Vec<(String, usize)>,
    pub by_region: Vec<(Option<String>, usize)>,
    pub by_contract: Vec<(Option<String>, usize)>,
    /// Open jobs that name no employer (or only France Travail / Pôle emploi, posting for an
    /// employer it does not name): left out of `jobs.jsonld`, whose schema.org
    /// `hiringOrganization` is required. Counted on the posting that stands for each job.
    pub without_employer: usize,
}

/// Counts of what is stored, for the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Offers by status (`open`, `closed`, `expired`), of every feed ever stored.
    pub offers_by_status: Vec<(String, u64)>,
    /// Published jobs: open offers of configured feeds, one per cluster.
    pub jobs: u64,
    /// Configured feeds by state (`active`, `backing_off`, `gone`).
    pub feeds_by_state: Vec<(String, u64)>,
    /// Each configured feed's last successful fetch, when it had one.
    pub last_success: Vec<(String, DateTime<Utc>)>,
}

/// The columns every listing reads, in [`Row`]'s order.
macro_rules! listing_columns {
    () => {
        "SELECT o.public_id, f.network, f.name, o.first_seen_at, o.changed_at, o.data, o.sort_at,
           o.id, coalesce(o.cluster_id, o.id)"
    };
}
/// The listing columns of offers with their feed.
const SELECT: &str = concat!(
    listing_columns!(),
    " FROM offers o JOIN feeds f ON f.id = o.feed_id"
);
/// The same columns, of the offers whose text matches, read newest first straight from the
/// full-text index (`CROSS JOIN` keeps the index as the outer loop): a query stops after one
/// page even when its words are in most offers.
const SELECT_MATCHING: &str = concat!(
    listing_columns!(),
    " FROM offers_fts CROSS JOIN offers o ON o.id = offers_fts.rowid
       JOIN feeds f ON f.id = o.feed_id"
);

/// The same columns, of the open offer with public id ?1. The index of public ids is divided
/// into buckets of 16,384 ids (`id >> 14`, written as in schema/0007_public_id_buckets.sql so
/// that SQLite can use the index) so that new offers land in the last one; the lookup probes
/// every bucket, up to the last id's. `INDEXED BY`: without statistics, SQLite would rather
/// walk every open offer (`offers_open_id`).
const BY_PUBLIC_ID: &str = concat!(
    "WITH RECURSIVE bucket(b) AS (
       SELECT 0 UNION ALL
       SELECT b + 1 FROM bucket WHERE b < (SELECT max(id) >> 14 FROM offers)) ",
    listing_columns!(),
    " FROM offers o INDEXED BY offers_public JOIN feeds f ON f.id = o.feed_id
      WHERE (o.id >> 14) IN bucket AND o.public_id = ?1
        AND o.status = 'open' AND f.in_config = 1"
);

/// One row of [`SELECT`].
struct Row {
    public_id: String,
    network: String,
    feed_name: String,
    first_seen: String,
    changed: String,
    /// The offer's JSON as stored (src/store/packed.rs), unpacked only when needed.
    data: SqlValue,
    sort_at: String,
    rowid: i64,
    cluster: i64,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            public_id: r.get(0)?,
            network: r.get(1)?,
            feed_name: r.get(2)?,
            first_seen: r.get(3)?,
            changed: r.get(4)?,
            data: r.get(5)?,
            sort_at: r.get(6)?,
            rowid: r.get(7)?,
            cluster: r.get(8)?,
        })
    }

    /// The published job this posting belongs to: its cluster, with the richest posting's
    /// fields and every open posting as a source; the posting alone when the cluster cannot
    /// be read.
    fn published(self, conn: &rusqlite::Connection) -> Result<PublishedOffer, StoreError> {
        if let Some(job) = published_cluster(conn, self.cluster)? {
            return Ok(job);
        }
        let data = packed::unpack_data(ValueRef::from(&self.data)).map_err(|source| {
            StoreError::Unpack {
                public_id: self.public_id.clone(),
                source,
            }
        })?;
        let offer = serde_json::from_str(&data).map_err(|source| StoreError::Corrupt {
            public_id: self.public_id.clone(),
            source,
        })?;
        Ok(PublishedOffer {
            id: self.public_id,
            network: self.network,
            feed_name: self.feed_name,
            first_seen: instant(&self.first_seen),
            changed: instant(&self.changed),
            offer,
            sources: Vec::new(),
        })
    }
}

/// What every listing shows: open postings of feeds still configured, one per job (cluster):
/// its newest open posting stands for it in filters and order.
const VISIBLE: &str = "o.status = 'open' AND f.in_config = 1
     AND NOT EXISTS (SELECT 1 FROM offers o2 JOIN feeds f2 ON f2.id = o2.feed_id
       WHERE o2.cluster_id = coalesce(o.cluster_id, o.id) AND o2.id > o.id
         AND o2.status = 'open' AND f2.in_config = 1)";

/// The filter columns of an offer's row (region, department, commune, contract,
/// working_time, sector, remote), in that order, as [`index_offer`] writes them.
pub(super) fn filter_columns(o: &Offer) -> [Option<&str>; 7] {
    let working_time = o.working_time.and_then(|w| w.kind).map(|k| match k {
        WorkingTimeKind::FullTime => "full_time",
        WorkingTimeKind::PartTime => "part_time",
    });
    [
        o.location.place.region.as_deref(),
        o.location.place.department.as_deref(),
        o.location.place.insee.as_deref(),
        o.contract.map(|c| c.code()),
        working_time,
        o.sector.as_deref(),
        o.location.remote.map(|r| r.code()),
    ]
}

/// Copies the filter columns from the offer and (re)indexes its text; `replace` when the row
/// was indexed before.
pub(super) fn index_offer(
    tx: &Transaction<'_>,
    id: i64,
    o: &Offer,
    replace: bool,
) -> Result<(), StoreError> {
    let [region, department, commune, contract, working_time, sector, remote] = filter_columns(o);
    tx.prepare_cached(
        // Only when one changed: each is in an index, whose entry SQLite would rewrite even
        // for the same value.
        "UPDATE offers SET region = ?2, department = ?3, commune = ?4, contract = ?5,
           working_time = ?6, sector = ?7, remote = ?8
         WHERE id = ?1 AND (region IS NOT ?2 OR department IS NOT ?3 OR commune IS NOT ?4
           OR contract IS NOT ?5 OR working_time IS NOT ?6 OR sector IS NOT ?7
           OR remote IS NOT ?8)",
    )?
    .execute(params![
        id,
        region,
        department,
        commune,
        contract,
        working_time,
        sector,
        remote
    ])?;
    index_text(tx, id, o, replace)
}

/// (Re)indexes the offer's text in the full-text index; `replace` when the row was indexed
/// before. (A new row written with its [`filter_columns`] needs only this.)
pub(super) fn index_text(
    tx: &Transaction<'_>,
    id: i64,
    o: &Offer,
    replace: bool,
) -> Result<(), StoreError> {
    if replace {
        tx.prepare_cached("DELETE FROM offers_fts WHERE rowid = ?1")?
            .execute([id])?;
    }
    tx.prepare_cached(
        "INSERT INTO offers_fts (rowid, title, employer, description) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        o.title,
        o.employer.as_deref().unwrap_or(""),
        o.description_text
    ])?;
    Ok(())
}

/// An FTS5 query matching every word of `text` as a prefix (so "educ" finds "Éducateur"),
/// quoted so that no word is read as FTS syntax. None when `text` has no word. The words are
/// cut where the index's tokenizer cuts them ([`tokens`]): each is one token, never a phrase,
/// which the index (`detail = column`) refuses.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !tokens::is_word_char(c))
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl OfferFilter {
    /// True when `text` holds a word a full-text filter (`q`, `employer`) can look for: a
    /// query of only punctuation (`"`, `*`, `(`) has none, and matches nothing.
    pub fn is_searchable(text: &str) -> bool {
        fts_query(text).is_some()
    }
}

impl Store {
    /// Open offers matching `filter`, in `order`, at most `limit`, after `after`; with the
    /// cursor of the next page when there may be one. A full-text filter without a word
    /// matches no offer (never every offer).
    pub fn query_offers(
        &self,
        filter: &OfferFilter,
        order: Order,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<(Vec<PublishedOffer>, Option<Cursor>), StoreError> {
        let mut args: Vec<SqlValue> = Vec::new();
        // Adds a value and returns its placeholder.
        let mut bind = |v: SqlValue| -> String {
            args.push(v);
            format!("?{}", args.len())
        };
        let wordless = |text: &Option<String>| {
            text.as_deref()
                .is_some_and(|t| !OfferFilter::is_searchable(t))
        };
        if wordless(&filter.q) || wordless(&filter.employer) {
            return Ok((Vec::new(), None));
        }
        let mut fts = Vec::new();
        if let Some(q) = filter.q.as_deref().and_then(fts_query) {
            fts.push(format!("({q})"));
        }
        if let Some(e) = filter.employer.as_deref().and_then(fts_query) {
            fts.push(format!("employer : ({e})"));
        }
        // Newest discovered first with words to match: walk the full-text index backwards and
        // stop after a page. In the other order every match is needed before the first row
        // (SQLite then walks the order's index and checks each offer against the matches).
        let from_index = !fts.is_empty() && order == Order::Discovered;
        let mut sql = if from_index {
            format!("{SELECT_MATCHING} WHERE {VISIBLE}")
        } else {
            format!("{SELECT} WHERE {VISIBLE}")
        };
        if !fts.is_empty() {
            let m = bind(SqlValue::Text(fts.join(" AND ")));
            if from_index {
                sql.push_str(&format!(" AND offers_fts MATCH {m}"));
            } else {
                sql.push_str(&format!(
                    " AND o.id IN (SELECT rowid FROM offers_fts WHERE offers_fts MATCH {m})"
                ));
            }
        }
        for (column, value) in [
            ("o.region", &filter.region),
            ("o.department", &filter.department),
            ("o.contract", &filter.contract),
            ("o.working_time", &filter.working_time),
        ] {
            if let Some(v) = value {
                let p = bind(SqlValue::Text(v.clone()));
                sql.push_str(&format!(" AND {column} = {p}"));
            }
        }
        if let Some(c) = &filter.commune {
            // A city's code also selects its arrondissements (Paris, Lyon, Marseille), whose
            // offers carry the arrondissement's code.
            let one = bind(SqlValue::Text(c.clone()));
            let arr = bind(SqlValue::Text(arrondissements(c)));
            sql.push_str(&format!(
                " AND (o.commune = {one} OR o.commune IN (SELECT value FROM json_each({arr})))"
            ));
        }
        if let Some(v) = &filter.sector {
            let p = bind(SqlValue::Text(v.clone()));
            sql.push_str(&format!(" AND o.sector = {p} COLLATE NOCASE"));
        }
        if let Some(v) = &filter.network {
            let p = bind(SqlValue::Text(v.clone()));
            sql.push_str(&format!(" AND f.network = {p} COLLATE NOCASE"));
        }
        if let Some(r) = filter.remote.as_deref() {
            sql.push_str(" AND ");
            sql.push_str(remote_condition(r));
        }
        if let Some(since) = filter.since {
            let p = bind(SqlValue::Text(rfc3339(since)));
            sql.push_str(&format!(
                " AND max(coalesce(o.published_at, o.first_seen_at), coalesce(o.updated_at, ''),
                     o.changed_at) >= {p}"
            ));
        }
        match (order, after) {
            (Order::Published, Some(c)) => {
                let a = bind(SqlValue::Text(c.sort_at.clone()));
                let b = bind(SqlValue::Integer(c.row));
                sql.push_str(&format!(
                    " AND (o.sort_at < {a} OR (o.sort_at = {a} AND o.id < {b}))"
                ));
            }
            (Order::Discovered, Some(c)) => {
                let b = bind(SqlValue::Integer(c.row));
                let id = if from_index {
                    "offers_fts.rowid"
                } else {
                    "o.id"
                };
                sql.push_str(&format!(" AND {id} < {b}"));
            }
            (_, None) => {}
        }
        sql.push_str(match order {
            Order::Published => " ORDER BY o.sort_at DESC, o.id DESC",
            Order::Discovered if from_index => " ORDER BY offers_fts.rowid DESC",
            Order::Discovered => " ORDER BY o.id DESC",
        });
        // One row more than asked says whether there is a next page. A literal, not a bound
        // parameter: SQLite prepares a statement again on every run when its LIMIT is bound.
        sql.push_str(&format!(" LIMIT {}", limit.saturating_add(1)));

        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), Row::read)?;
        let rows: Vec<Row> = rows.collect::<Result<_, _>>()?;
        let has_more = rows.len() > limit;
        let mut out = Vec::with_capacity(rows.len().min(limit));
        let mut next = None;
        for row in rows.into_iter().take(limit) {
            next = Some(Cursor {
                sort_at: row.sort_at.clone(),
                row: row.rowid,
            });
            out.push(row.published(&conn)?);
        }
        Ok((out, if has_more { next } else { None }))
    }

    /// One open offer by its public id.
    pub fn offer_by_id(&self, public_id: &str) -> Result<Option<PublishedOffer>, StoreError> {
        // Any posting's id finds its job (the job's id is its first posting's).
        let conn = self.reader();
        let row = conn
            .prepare_cached(BY_PUBLIC_ID)?
            .query_row([public_id], Row::read)
            .optional()?;
        row.map(|r| r.published(&conn)).transpose()
    }

    /// Every network with its configured feeds and open offers.
    pub fn networks(&self) -> Result<Vec<NetworkStats>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT f.network, group_concat(f.id, ' '),
               (SELECT count(*) FROM offers o JOIN feeds g ON g.id = o.feed_id
                WHERE o.status = 'open' AND g.in_config = 1 AND g.network = f.network)
             FROM feeds f WHERE f.in_config = 1 GROUP BY f.network ORDER BY f.network",
        )?;
        let rows = stmt.query_map([], |r| {
            let feeds: String = r.get(1)?;
            let mut feeds: Vec<String> = feeds.split(' ').map(String::from).collect();
            feeds.sort();
            Ok(NetworkStats {
                network: r.get(0)?,
                feeds,
                open_offers: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Answers when the database does: one read of the feeds table (for `/readyz`).
    pub fn ping(&self) -> Result<(), StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT count(*) FROM feeds WHERE in_config = 1")?;
        stmt.query_row([], |r| r.get::<_, i64>(0))?;
        Ok(())
    }

    /// Offers by status, published jobs and configured feeds by state (for `/metrics`).
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let conn = self.reader();
        let grouped = |sql: &str| -> Result<Vec<(String, u64)>, StoreError> {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (key, n) = row?;
                out.push((key, u64::try_from(n).unwrap_or(0)));
            }
            Ok(out)
        };
        let offers_by_status =
            grouped("SELECT status, count(*) FROM offers GROUP BY 1 ORDER BY 1")?;
        let feeds_by_state =
            grouped("SELECT state, count(*) FROM feeds WHERE in_config = 1 GROUP BY 1 ORDER BY 1")?;
        let jobs: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM offers o JOIN feeds f ON f.id = o.feed_id WHERE {VISIBLE}"
            ))?
            .query_row([], |r| r.get(0))?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, last_success_at FROM feeds
             WHERE in_config = 1 AND last_success_at IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))?;
        let mut last_success = Vec::new();
        for row in rows {
            let (id, at): (String, String) = row?;
            last_success.push((id, super::instant(&at)));
        }
        Ok(Counts {
            offers_by_status,
            jobs: u64::try_from(jobs).unwrap_or(0),
            feeds_by_state,
            last_success,
        })
    }

    /// Counts of open offers by network, region and contract.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let conn = self.reader();
        let count = |column: &str| -> Result<Vec<(Option<String>, usize)>, StoreError> {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {column}, count(*) FROM offers o JOIN feeds f ON f.id = o.feed_id
                 WHERE {VISIBLE} GROUP BY 1 ORDER BY 2 DESC, 1"
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let by_network = count("f.network")?
            .into_iter()
            .map(|(n, c)| (n.unwrap_or_default(), c))
            .collect();
        let by_region = count("o.region")?;
        let by_contract = count("o.contract")?;
        let open_offers = by_contract_total(&by_contract);
        let without_employer = {
            // Few names to look at: the agencies' names all hold "travail" or "emploi".
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT o.employer FROM offers o JOIN feeds f ON f.id = o.feed_id
                 WHERE {VISIBLE} AND (o.employer IS NULL OR o.employer LIKE '%travail%'
                   OR o.employer LIKE '%emploi%')"
            ))?;
            let names = stmt.query_map([], |r| r.get::<_, Option<String>>(0))?;
            let mut n = 0;
            for name in names {
                if name?.as_deref().is_none_or(crate::model::is_posting_agency) {
                    n += 1;
                }
            }
            n
        };
        Ok(Stats {
            without_employer,
            open_offers,
            by_network,
            by_region,
            by_contract,
        })
    }
}

/// The condition of the `remote` filter, read from the offer's `remote` column (copied from
/// the offer): a level, or `true` / `false` (1 / 0) in offers stored before the levels
/// existed, where `true` reads as partial.
fn remote_condition(remote: &str) -> &'static str {
    match remote {
        "true" => "o.remote IN ('partial', 'full', 1)",
        "false" => "coalesce(o.remote, 0) NOT IN ('partial', 'full', 1)",
        "partial" => "o.remote IN ('partial', 1)",
        "full" => "o.remote = 'full'",
        "none" => "o.remote = 'none'",
        // Only the values above are ever set (web::filters checks them).
        _ => "0",
    }
}

fn by_contract_total(rows: &[(Option<String>, usize)]) -> usize {
    rows.iter().map(|(_, c)| c).sum()
}

/// JSON array of the arrondissement codes of Paris, Lyon and Marseille, for a city's code.
fn arrondissements(insee: &str) -> String {
    let codes: Vec<String> = match insee {
        "75056" => (1..=20).map(|n| format!("751{n:02}")).collect(),
        "69123" => (1..=9).map(|n| format!("6938{n}")).collect(),
        "13055" => (1..=16).map(|n| format!("132{n:02}")).collect(),
        _ => Vec::new(),
    };
    serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_quote_every_word() {
        assert_eq!(
            fts_query("éduc spé\" OR NEAR(").as_deref(),
            Some("\"éduc\"* \"spé\"* \"OR\"* \"NEAR\"*")
        );
        assert_eq!(fts_query(" -*- "), None);
        // A combining mark the tokenizer reads as a separator (U+0345, the iota subscript)
        // cuts the word, as in the index, rather than making a phrase of it.
        assert_eq!(
            fts_query("\u{3b1}\u{345}\u{3b9} Ⓐide").as_deref(),
            Some("\"\u{3b1}\"* \"\u{3b9}\"* \"ide\"*")
        );
        // A decomposed accent (U+0301, U+0300, U+0327) stays inside its word, as in the index.
        assert_eq!(
            fts_query("e\u{301}ducateur spe\u{301}cialise\u{301}").as_deref(),
            Some("\"e\u{301}ducateur\"* \"spe\u{301}cialise\u{301}\"*")
        );
        assert_eq!(
            fts_query("tre\u{300}s franc\u{327}ais").as_deref(),
            Some("\"tre\u{300}s\"* \"franc\u{327}ais\"*")
        );
    }

    /// Two offers of an association's feed, one written with precomposed accents (NFC), the
    /// other with decomposed ones (NFD, as a partner's export made on macOS may be): the store
    /// holding them, and their public ids.
    fn offers_in_both_forms() -> (Store, String, String) {
        use crate::model::{Contract, Location, Place};
        let config = crate::config::parse(
            "[[feed]]\nid = \"adapei\"\nname = \"Adapei\"\nnetwork = \"UNAPEI\"\nurl = \"a.xml\"\n",
            std::path::Path::new("feeds.toml"),
        )
        .unwrap();
        let store = Store::open_in_memory().unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        let offer = |reference: &str, title: &str, employer: &str, description: &str| Offer {
            feed_id: "adapei".into(),
            reference: Some(reference.into()),
            title: title.into(),
            employer: Some(employer.into()),
            location: Location {
                place: Place {
                    commune: Some("Nantes".into()),
                    department: Some("44".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            contract: Some(Contract::Cdi),
            description_text: description.into(),
            ..Default::default()
        };
        let nfc = super::super::Posting::new(
            offer(
                "IME-12",
                "Éducateur spécialisé (H/F)",
                "Adapei de Loire-Atlantique",
                "L'IME recrute un éducateur spécialisé pour accompagner des enfants en \
                 situation de handicap, en lien avec les familles et l'équipe pluridisciplinaire.",
            ),
            "null".into(),
        );
        let nfd = super::super::Posting::new(
            offer(
                "SIEGE-3",
                "Charge\u{301}\u{b7}e de mission qualite\u{301}",
                "Association re\u{301}gionale d'entraide",
                "Rattache\u{301}\u{b7}e a\u{300} la direction ge\u{301}ne\u{301}rale, \
                 vous pilotez la de\u{301}marche qualite\u{301} des e\u{301}tablissements \
                 me\u{301}dico-sociaux et l'e\u{301}valuation externe.",
            ),
            "null".into(),
        );
        let at: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
        let attempt = super::super::Attempt {
            started_at: at,
            finished_at: at,
            ..Default::default()
        };
        let postings = [nfc, nfd];
        store
            .record_success("adapei", &attempt, &postings, 2)
            .unwrap();
        let [nfc, nfd] = postings;
        (store, nfc.public_id, nfd.public_id)
    }

    /// The public ids of the open offers `q` (and `employer`) find.
    fn found(store: &Store, q: Option<&str>, employer: Option<&str>) -> Vec<String> {
        let filter = OfferFilter {
            q: q.map(String::from),
            employer: employer.map(String::from),
            ..Default::default()
        };
        let (offers, _) = store
            .query_offers(&filter, Order::Discovered, 10, None)
            .unwrap();
        offers.into_iter().map(|o| o.id).collect()
    }

    /// A search typed with decomposed accents ("e\u{301}ducateur", as some macOS clients send
    /// it) finds the offer written with precomposed ones, and the reverse: the index folds the
    /// accents of both forms away, and a query word is never cut at its accent.
    #[test]
    fn a_search_finds_offers_whatever_the_form_of_their_accents() {
        let (store, nfc, nfd) = offers_in_both_forms();
        // The query decomposed, the offer precomposed ("Éducateur spécialisé (H/F)").
        for q in [
            "E\u{301}ducateur spe\u{301}cialise\u{301}",
            "e\u{301}duc",
            "spe\u{301}cialise\u{301} IME",
            "Éducateur spécialisé",
        ] {
            assert_eq!(found(&store, Some(q), None), [nfc.as_str()], "{q:?}");
        }
        // The query precomposed, the offer decomposed ("Chargé·e de mission qualité").
        for q in [
            "Chargé·e de mission qualité",
            "démarche qualité",
            "évaluation médico-sociaux",
            "Charge\u{301}\u{b7}e de\u{301}marche",
        ] {
            assert_eq!(found(&store, Some(q), None), [nfd.as_str()], "{q:?}");
        }
        // The employer filter reads the same words.
        assert_eq!(
            found(&store, None, Some("re\u{301}gionale entraide")),
            [nfd.as_str()]
        );
        assert_eq!(found(&store, None, Some("régionale")), [nfd.as_str()]);
        // A word both offers hold finds both, in either form; a word neither holds, none.
        assert_eq!(found(&store, Some("accompagner"), None), [nfc.as_str()]);
        for q in ["e\u{301}", "é", "de"] {
            let mut both = found(&store, Some(q), None);
            both.sort();
            let mut expected = [nfc.clone(), nfd.clone()];
            expected.sort();
            assert_eq!(both, expected, "{q:?}");
        }
        assert!(found(&store, Some("e\u{301}ducatrice"), None).is_empty());
    }

    /// The lookup by public id goes through the index of public ids, one probe per bucket,
    /// rather than through every offer (the expression must match the index's).
    #[test]
    fn a_public_id_is_looked_up_through_its_index() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {BY_PUBLIC_ID}"))
            .unwrap()
            .query_map(["x"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("SEARCH o USING INDEX offers_public")
                    && step.contains("public_id=?")),
            "{plan:#?}"
        );
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN o")),
            "{plan:#?}"
        );
    }

    /// The `remote` filter reads the levels and the booleans of offers stored before them.
    #[test]
    fn remote_filter_reads_old_and_new_offers() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let stored = [
            ("old-yes", r#"{"location":{"raw":"Lyon","remote":true}}"#),
            ("old-no", r#"{"location":{"raw":"Lyon","remote":false}}"#),
            ("unknown", r#"{"location":{"raw":"Lyon"}}"#),
            ("none", r#"{"location":{"remote":"none"}}"#),
            ("partial", r#"{"location":{"remote":"partial"}}"#),
            ("full", r#"{"location":{"remote":"full"}}"#),
        ];
        let matching = |filter: &str| -> Vec<&str> {
            let sql = format!(
                // The remote column as schema/0011 fills it from stored offers.
                "SELECT 1 FROM (SELECT json_extract(?1, '$.location.remote') AS remote) o
                 WHERE {}",
                remote_condition(filter)
            );
            stored
                .iter()
                .filter(|(_, json)| conn.query_row(&sql, [json], |_| Ok(())).is_ok())
                .map(|(name, _)| *name)
                .collect()
        };
        assert_eq!(matching("true"), ["old-yes", "partial", "full"]);
        assert_eq!(matching("partial"), ["old-yes", "partial"]);
        assert_eq!(matching("full"), ["full"]);
        assert_eq!(matching("none"), ["none"]);
        assert_eq!(matching("false"), ["old-no", "unknown", "none"]);
    }

    #[test]
    fn cursor_tokens_round_trip() {
        let c = Cursor {
            sort_at: "2026-11-22T10:05:09Z".into(),
            row: 42,
        };
        assert_eq!(c.token(), "42_20261122T100509Z");
        assert_eq!(Cursor::parse(&c.token()), Some(c));
        for bad in [
            "",
            "x_20261122T100509Z",
            "42_2026",
            "42_20261322T100509Z",
            "42_é0261122T100509Z",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
