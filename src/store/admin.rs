//! The reads of the operator's status page (`/admin`): offers added by hour (the page's chart
//! groups the hours into days) and in the last day, each feed's warnings of its last fetch,
//! and a feed's recent fetch attempts with their counts and warnings. The published jobs are
//! counted by [`Store::counts`], like `/metrics` counts them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{instant, Store, StoreError};
use crate::model::rfc3339;

/// One fetch attempt as the status page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptDetail {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// ok | not_modified | error
    pub outcome: String,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// Items the body held (None: not parsed).
    pub items_found: Option<u64>,
    /// What a successful fetch changed (None: not a successful fetch).
    pub offers_new: Option<u64>,
    pub offers_updated: Option<u64>,
    pub offers_closed: Option<u64>,
    pub warnings: Vec<String>,
}

/// Offers added, from [`Store::offers_added`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffersAdded {
    /// The start of each hour (UTC) that has any, and how many.
    pub by_hour: Vec<(DateTime<Utc>, u64)>,
    /// How many were added since the recent instant asked for.
    pub recent: u64,
}

/// Stored warnings (a JSON array of sentences); anything else reads as none.
fn warnings(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

impl Store {
    /// Offers of configured feeds first seen at or after `since`, by hour (UTC), and how many
    /// of them at or after `recent` (one scan of the offers for both). Instants are stored as
    /// RFC 3339 in UTC with whole seconds, so their first 13 characters name the hour.
    pub fn offers_added(
        &self,
        since: DateTime<Utc>,
        recent: DateTime<Utc>,
    ) -> Result<OffersAdded, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT substr(o.first_seen_at, 1, 13), count(*), sum(o.first_seen_at >= ?2)
             FROM offers o JOIN feeds f ON f.id = o.feed_id
             WHERE o.first_seen_at >= ?1 AND f.in_config = 1 GROUP BY 1 ORDER BY 1",
        )?;
        let rows = stmt.query_map(params![rfc3339(since), rfc3339(recent)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut added = OffersAdded::default();
        for row in rows {
            let (hour, n, recent_n) = row?;
            added.recent += u64::try_from(recent_n).unwrap_or(0);
            if let Ok(at) = DateTime::parse_from_rfc3339(&format!("{hour}:00:00Z")) {
                added
                    .by_hour
                    .push((at.with_timezone(&Utc), u64::try_from(n).unwrap_or(0)));
            }
        }
        Ok(added)
    }

    /// The warnings of each configured feed's last fetch attempt, by feed id (feeds never
    /// fetched are absent).
    pub fn last_fetch_warnings(&self) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT a.feed_id, a.warnings FROM fetch_attempts a
             WHERE a.id IN (SELECT max(id) FROM fetch_attempts GROUP BY feed_id)
               AND a.feed_id IN (SELECT id FROM feeds WHERE in_config = 1)",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (feed, text) = row?;
            out.insert(feed, warnings(text));
        }
        Ok(out)
    }

    /// The latest `limit` fetch attempts of `feed_id`, newest first.
    pub fn recent_attempts(
        &self,
        feed_id: &str,
        limit: usize,
    ) -> Result<Vec<AttemptDetail>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT started_at, finished_at, outcome, http_status, error, items_found,
               offers_new, offers_updated, offers_closed, warnings
             FROM fetch_attempts WHERE feed_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![feed_id, limit], |r| {
            let count = |i: usize| -> rusqlite::Result<Option<u64>> {
                Ok(r.get::<_, Option<i64>>(i)?
                    .map(|n| u64::try_from(n).unwrap_or(0)))
            };
            Ok(AttemptDetail {
                started_at: instant(&r.get::<_, String>(0)?),
                finished_at: instant(&r.get::<_, String>(1)?),
                outcome: r.get(2)?,
                http_status: r.get(3)?,
                error: r.get(4)?,
                items_found: count(5)?,
                offers_new: count(6)?,
                offers_updated: count(7)?,
                offers_closed: count(8)?,
                warnings: warnings(r.get(9)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Offer;
    use crate::store::{Attempt, Posting};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// A store in memory with feeds `feeds`.
    fn store(feeds: &[&str]) -> Store {
        let toml: String = feeds
            .iter()
            .map(|f| {
                format!(
                    "[[feed]]\nid = \"{f}\"\nname = \"{f}\"\nnetwork = \"N\"\nurl = \"{f}.xml\"\n"
                )
            })
            .collect();
        let config = crate::config::parse(&toml, std::path::Path::new("feeds.toml")).unwrap();
        let store = Store::open_in_memory().unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        store
    }

    fn postings(feed: &str, first: usize, n: usize) -> Vec<Posting> {
        (first..first + n)
            .map(|i| {
                let offer = Offer {
                    feed_id: feed.into(),
                    reference: Some(format!("R{i}")),
                    title: format!("Poste {i}"),
                    ..Default::default()
                };
                Posting::new(offer, "null".into())
            })
            .collect()
    }

    #[test]
    fn offers_added_are_counted_by_hour_and_since_the_recent_instant() {
        let s = store(&["a", "b"]);
        s.bulk_load("a", &postings("a", 0, 3), at("2026-11-20T09:30:00Z"))
            .unwrap();
        s.bulk_load("a", &postings("a", 3, 2), at("2026-11-22T11:10:00Z"))
            .unwrap();
        s.bulk_load("a", &postings("a", 5, 1), at("2026-10-01T00:00:00Z"))
            .unwrap();
        s.bulk_load("b", &postings("b", 0, 4), at("2026-11-22T11:20:00Z"))
            .unwrap();
        let added = s
            .offers_added(at("2026-10-23T22:00:00Z"), at("2026-11-21T12:00:00Z"))
            .unwrap();
        assert_eq!(
            added.by_hour,
            [
                (at("2026-11-20T09:00:00Z"), 3),
                (at("2026-11-22T11:00:00Z"), 6)
            ]
        );
        assert_eq!(added.recent, 6);
        // A feed no longer configured is not counted.
        let config = crate::config::parse(
            "[[feed]]\nid = \"a\"\nname = \"a\"\nnetwork = \"N\"\nurl = \"a.xml\"\n",
            std::path::Path::new("feeds.toml"),
        )
        .unwrap();
        s.sync_feeds(&config.feeds).unwrap();
        let added = s
            .offers_added(at("2026-10-23T22:00:00Z"), at("2026-11-21T12:00:00Z"))
            .unwrap();
        assert_eq!(added.recent, 2);
    }

    #[test]
    fn attempts_are_read_newest_first_with_their_warnings() {
        let s = store(&["a", "b"]);
        let attempt = |t: &str, warnings: &[&str]| Attempt {
            started_at: at(t),
            finished_at: at(t),
            http_status: Some(500),
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
            ..Default::default()
        };
        s.record_failure("a", &attempt("2026-11-22T10:00:00Z", &["old"]), "HTTP 500")
            .unwrap();
        s.record_failure(
            "a",
            &attempt("2026-11-22T11:00:00Z", &["new", "two"]),
            "HTTP 503",
        )
        .unwrap();
        s.record_failure("b", &attempt("2026-11-22T11:00:00Z", &[]), "HTTP 500")
            .unwrap();
        let recent = s.recent_attempts("a", 50).unwrap();
        assert_eq!(recent.len(), 2);
        assert_eq!(recent[0].started_at, at("2026-11-22T11:00:00Z"));
        assert_eq!(recent[0].outcome, "error");
        assert_eq!(recent[0].http_status, Some(500));
        assert_eq!(recent[0].error.as_deref(), Some("HTTP 503"));
        assert_eq!(recent[0].warnings, ["new", "two"]);
        assert_eq!(recent[0].offers_new, None);
        assert_eq!(s.recent_attempts("a", 1).unwrap().len(), 1);
        let last = s.last_fetch_warnings().unwrap();
        assert_eq!(last["a"], ["new", "two"]);
        assert!(last["b"].is_empty());
        assert!(s.recent_attempts("nope", 50).unwrap().is_empty());
        assert_eq!(warnings(Some("not json".into())), Vec::<String>::new());
    }
}
