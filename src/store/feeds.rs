//! The feeds' rows: configuration sync, fetch memory, the attempts recorded for each fetch
//! (success, not modified, failure) with the plan they decided, the started mark of a fetch
//! being applied, schedule states and the statuses shown to operators.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{instant, Attempt, Store, StoreError};
use crate::config::FeedConfig;
use crate::model::{
    rfc3339, FeedOrigin, FeedState, FeedStatus, FetchMemory, HeldClosing, ScheduleState,
};
use crate::politeness::Plan;

#[cfg(any(test, feature = "testing"))]
/// One recorded fetch attempt (for status and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// ok | not_modified | error
    pub outcome: String,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub next_fetch_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Makes the feeds table match the configuration; feeds no longer configured are marked
    /// out of config (their offers are kept but no longer published). A feed whose URL changed
    /// starts afresh: its fetch memory, errors, backoff and `gone` state are forgotten.
    pub fn sync_feeds(&self, feeds: &[FeedConfig]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE feeds SET in_config = 0", [])?;
        for f in feeds {
            tx.execute(
                "INSERT INTO feeds (id, name, network, url, enabled, in_config, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, network = excluded.network,
                   enabled = excluded.enabled, in_config = 1, origin = excluded.origin,
                   effective_url = CASE WHEN feeds.url = excluded.url THEN feeds.effective_url END,
                   etag = CASE WHEN feeds.url = excluded.url THEN feeds.etag END,
                   last_modified = CASE WHEN feeds.url = excluded.url THEN feeds.last_modified END,
                   body_hash = CASE WHEN feeds.url = excluded.url THEN feeds.body_hash END,
                   state = CASE WHEN feeds.url = excluded.url THEN feeds.state ELSE 'active' END,
                   consecutive_errors = CASE WHEN feeds.url = excluded.url
                     THEN feeds.consecutive_errors ELSE 0 END,
                   next_fetch_at = CASE WHEN feeds.url = excluded.url THEN feeds.next_fetch_at END,
                   not_before = CASE WHEN feeds.url = excluded.url THEN feeds.not_before END,
                   url = excluded.url",
                params![
                    f.id,
                    f.name,
                    f.network,
                    f.source.to_string(),
                    f.enabled,
                    f.origin.as_str()
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Conditional-request memory of a feed.
    pub fn fetch_memory(&self, feed_id: &str) -> Result<FetchMemory, StoreError> {
        let m = self
            .conn()
            .query_row(
                "SELECT etag, last_modified, body_hash, effective_url, consecutive_errors, state,
                   held_closing_at IS NOT NULL
                 FROM feeds WHERE id = ?1",
                [feed_id],
                |r| {
                    Ok(FetchMemory {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        body_hash: r.get(2)?,
                        effective_url: r.get(3)?,
                        consecutive_errors: r.get(4)?,
                        state: state(&r.get::<_, String>(5)?),
                        closing_held: r.get(6)?,
                    })
                },
            )
            .optional()?;
        Ok(m.unwrap_or_default())
    }

    /// Records a fetch that found nothing new (304, or a body identical to the last one).
    /// No offer is touched.
    pub fn record_not_modified(&self, feed_id: &str, attempt: &Attempt) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        insert_attempt(&tx, feed_id, attempt, "not_modified", None)?;
        let now = rfc3339(attempt.finished_at);
        tx.execute(
            "UPDATE feeds SET last_attempt_at = ?2, last_success_at = ?2,
               last_status = ?3, last_error = NULL, consecutive_errors = 0,
               etag = coalesce(?4, etag), last_modified = coalesce(?5, last_modified),
               effective_url = coalesce(?6, effective_url)
             WHERE id = ?1",
            params![
                feed_id,
                now,
                attempt.http_status,
                attempt.etag,
                attempt.last_modified,
                attempt.moved_to
            ],
        )?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a failed fetch, with the backoff (or `gone` state) its plan says. Offers are
    /// never touched by a failure.
    pub fn record_failure(
        &self,
        feed_id: &str,
        attempt: &Attempt,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        insert_attempt(&tx, feed_id, attempt, "error", Some(error))?;
        tx.execute(
            "UPDATE feeds SET last_attempt_at = ?2, last_status = ?3, last_error = ?4,
               consecutive_errors = consecutive_errors + 1
             WHERE id = ?1",
            params![
                feed_id,
                rfc3339(attempt.finished_at),
                attempt.http_status,
                error
            ],
        )?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        tx.commit()?;
        Ok(())
    }

    /// Clears the started mark of a fetch that was stopped on purpose (at shutdown) before it
    /// was applied: the feed is simply due again, not suspected of having stopped the process.
    pub fn clear_fetch_started(&self, feed_id: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feeds SET fetch_started_at = NULL WHERE id = ?1",
            [feed_id],
        )?;
        Ok(())
    }

    /// Records that a fetch of `feed_id`, started at `started_at`, is about to parse and apply
    /// its body; recording its attempt (success, not modified or failure) clears the mark. A
    /// mark still there when the process starts is a fetch it stopped during
    /// ([`Store::unfinished_fetches`]).
    pub fn mark_fetch_started(
        &self,
        feed_id: &str,
        started_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feeds SET fetch_started_at = ?2 WHERE id = ?1",
            params![feed_id, rfc3339(started_at)],
        )?;
        Ok(())
    }

    /// Configured feeds whose last fetch started and never finished, with when it started.
    pub fn unfinished_fetches(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, fetch_started_at FROM feeds
             WHERE fetch_started_at IS NOT NULL AND in_config = 1 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, instant(&r.get::<_, String>(1)?)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Re-enables a feed: forgets its `gone` state, errors, backoff, partner floor and fetch
    /// memory (validators, body hash, effective URL), so that it is fetched from its configured
    /// URL at the next pass. Offers are kept. Returns false when no such feed is known.
    pub fn reset_feed(&self, feed_id: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE feeds SET state = 'active', consecutive_errors = 0, next_fetch_at = NULL,
               not_before = NULL, etag = NULL, last_modified = NULL, body_hash = NULL,
               effective_url = NULL
             WHERE id = ?1",
            [feed_id],
        )?;
        Ok(n > 0)
    }

    /// State and timing of every configured feed, as the last attempts left them.
    pub fn schedule_states(&self) -> Result<Vec<(String, ScheduleState)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, state, next_fetch_at, not_before FROM feeds WHERE in_config = 1",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ScheduleState {
                    state: state(&r.get::<_, String>(1)?),
                    next_fetch_at: r.get::<_, Option<String>>(2)?.as_deref().map(instant),
                    not_before: r.get::<_, Option<String>>(3)?.as_deref().map(instant),
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every configured feed with its state.
    pub fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT f.id, f.name, f.network, f.url, f.effective_url, f.enabled, f.state,
               f.last_attempt_at, f.last_success_at, f.last_status, f.last_error,
               f.consecutive_errors, f.next_fetch_at, f.offers_seen,
               (SELECT count(*) FROM offers o WHERE o.feed_id = f.id AND o.status = 'open'),
               f.not_before, f.etag, f.last_modified, f.held_closing_at, f.held_closing_offers,
               f.held_closing_open, f.origin
             FROM feeds f WHERE f.in_config = 1 ORDER BY f.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FeedStatus {
                id: r.get(0)?,
                name: r.get(1)?,
                network: r.get(2)?,
                url: r.get(3)?,
                effective_url: r.get(4)?,
                enabled: r.get(5)?,
                state: state(&r.get::<_, String>(6)?),
                last_attempt_at: r.get::<_, Option<String>>(7)?.map(|t| instant(&t)),
                last_success_at: r.get::<_, Option<String>>(8)?.map(|t| instant(&t)),
                last_status: r.get(9)?,
                last_error: r.get(10)?,
                consecutive_errors: r.get(11)?,
                next_fetch_at: r.get::<_, Option<String>>(12)?.map(|t| instant(&t)),
                offers_seen: r.get(13)?,
                open_offers: r.get(14)?,
                not_before: r.get::<_, Option<String>>(15)?.map(|t| instant(&t)),
                etag: r.get(16)?,
                last_modified: r.get(17)?,
                held_closing: match r.get::<_, Option<String>>(18)? {
                    Some(at) => Some(HeldClosing {
                        at: instant(&at),
                        offers: r.get::<_, Option<usize>>(19)?.unwrap_or_default(),
                        open: r.get::<_, Option<usize>>(20)?.unwrap_or_default(),
                    }),
                    None => None,
                },
                origin: origin(&r.get::<_, String>(21)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of fetch attempts recorded for a feed, by outcome (for tests and status).
    #[cfg(any(test, feature = "testing"))]
    pub fn attempts(&self, feed_id: &str) -> Result<Vec<(String, Option<String>)>, StoreError> {
        Ok(self
            .attempt_log(feed_id)?
            .into_iter()
            .map(|a| (a.outcome, a.error))
            .collect())
    }

    /// Every fetch attempt of a feed, oldest first.
    #[cfg(any(test, feature = "testing"))]
    pub fn attempt_log(&self, feed_id: &str) -> Result<Vec<AttemptRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT started_at, finished_at, outcome, http_status, error, next_fetch_at
             FROM fetch_attempts WHERE feed_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([feed_id], |r| {
            Ok(AttemptRow {
                started_at: instant(&r.get::<_, String>(0)?),
                finished_at: instant(&r.get::<_, String>(1)?),
                outcome: r.get(2)?,
                http_status: r.get(3)?,
                error: r.get(4)?,
                next_fetch_at: r.get::<_, Option<String>>(5)?.as_deref().map(instant),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Writes the plan an attempt decided: state, next fetch and partner floor. Every attempt
/// recorded ends the fetch: its started mark is cleared.
pub(super) fn set_plan(tx: &Transaction<'_>, feed_id: &str, plan: &Plan) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE feeds SET state = ?2, next_fetch_at = ?3, not_before = ?4,
           fetch_started_at = NULL
         WHERE id = ?1",
        params![
            feed_id,
            plan.state.as_str(),
            plan.next_fetch_at.map(rfc3339),
            plan.not_before.map(rfc3339)
        ],
    )?;
    Ok(())
}

/// A stored state; an unknown value (written by a newer essaim) reads as active.
pub(super) fn state(text: &str) -> FeedState {
    text.parse().unwrap_or_default()
}

fn origin(text: &str) -> FeedOrigin {
    match text {
        "partner" => FeedOrigin::Partner,
        _ => FeedOrigin::Config,
    }
}

pub(super) fn insert_attempt(
    tx: &Transaction<'_>,
    feed_id: &str,
    a: &Attempt,
    outcome: &str,
    error: Option<&str>,
) -> Result<i64, StoreError> {
    let warnings = serde_json::to_string(&a.warnings).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO fetch_attempts (feed_id, started_at, finished_at, outcome, http_status,
           error, items_found, warnings, next_fetch_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            feed_id,
            rfc3339(a.started_at),
            rfc3339(a.finished_at),
            outcome,
            a.http_status,
            error,
            a.items_found,
            warnings,
            a.plan.next_fetch_at.map(rfc3339)
        ],
    )?;
    Ok(tx.last_insert_rowid())
}
