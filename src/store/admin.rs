//! The reads of the operator's status page (`/admin`): offers added since an instant and by
//! hour (the page's chart groups the hours into days), each feed's warnings of its last fetch,
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

/// Stored warnings (a JSON array of sentences); anything else reads as none.
fn warnings(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

impl Store {
    /// Offers of configured feeds first seen at or after `since`.
    pub fn offers_added_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let conn = self.reader();
        let n: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM offers o JOIN feeds f ON f.id = o.feed_id
                 WHERE o.first_seen_at >= ?1 AND f.in_config = 1",
            )?
            .query_row([rfc3339(since)], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Offers of configured feeds first seen at or after `since`, by hour (UTC): the start of
    /// each hour that has any, and how many. Instants are stored as RFC 3339 in UTC with whole
    /// seconds, so their first 13 characters name the hour.
    pub fn offers_added_by_hour(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, u64)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT substr(o.first_seen_at, 1, 13), count(*)
             FROM offers o JOIN feeds f ON f.id = o.feed_id
             WHERE o.first_seen_at >= ?1 AND f.in_config = 1 GROUP BY 1 ORDER BY 1",
        )?;
        let rows = stmt.query_map([rfc3339(since)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (hour, n) = row?;
            if let Ok(at) = DateTime::parse_from_rfc3339(&format!("{hour}:00:00Z")) {
                out.push((at.with_timezone(&Utc), u64::try_from(n).unwrap_or(0)));
            }
        }
        Ok(out)
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

    #[test]
    fn nothing_stored_reads_as_nothing() {
        let store = Store::open_in_memory().unwrap();
        let now: DateTime<Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
        assert_eq!(store.offers_added_since(now).unwrap(), 0);
        assert!(store.offers_added_by_hour(now).unwrap().is_empty());
        assert!(store.last_fetch_warnings().unwrap().is_empty());
        assert!(store.recent_attempts("nope", 50).unwrap().is_empty());
        assert_eq!(warnings(Some("[\"a\"]".into())), vec!["a".to_string()]);
        assert!(warnings(Some("not json".into())).is_empty());
    }
}
