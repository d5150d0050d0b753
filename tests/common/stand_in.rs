//! The scheduler's tests on tokio's paused clock: the instant they start at, a sleep until
//! a second after it, and a stand-in for the pipeline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use essaim::clock::Clock;
use essaim::config::FeedConfig;
use essaim::pipeline::{FeedReport, Outcome};
use essaim::politeness::{self, Verdict};
use essaim::scheduler::Refresher;
use essaim::store::{Attempt, Store};
use futures_util::future::BoxFuture;

/// The instant the scheduler's tests start at.
pub fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-05T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Sleeps on the paused clock until `secs` after [`base`].
pub async fn until(clock: &Clock, secs: i64) {
    let at = base() + chrono::TimeDelta::seconds(secs);
    tokio::time::sleep(clock.until(at)).await;
}

/// A stand-in for the pipeline on the paused clock: records when each feed is refreshed
/// (seconds after [`base`]), takes `takes` of (virtual) time, and plans the next fetch on the
/// feed's schedule; "gone-*" feeds answer 410, the others 304. With a store, each attempt is
/// recorded in it as the pipeline would.
pub struct StandIn {
    store: Option<Arc<Store>>,
    clock: Clock,
    takes: Duration,
    pub calls: Mutex<Vec<(String, i64)>>,
    /// Refreshes that ran to their end.
    pub finished: Mutex<usize>,
}

impl StandIn {
    pub fn new(store: Option<Arc<Store>>, clock: Clock, takes: Duration) -> Arc<StandIn> {
        Arc::new(StandIn {
            store,
            clock,
            takes,
            calls: Mutex::new(Vec::new()),
            finished: Mutex::new(0),
        })
    }

    /// When `id` was refreshed, in seconds after [`base`].
    pub fn calls_of(&self, id: &str) -> Vec<i64> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(f, _)| f == id)
            .map(|(_, t)| *t)
            .collect()
    }
}

impl Refresher for StandIn {
    fn refresh_feed(self: Arc<Self>, feed: FeedConfig) -> BoxFuture<'static, FeedReport> {
        Box::pin(async move {
            let started_at = self.clock.now();
            self.calls
                .lock()
                .unwrap()
                .push((feed.id.clone(), (started_at - base()).num_seconds()));
            tokio::time::sleep(self.takes).await;
            let now = self.clock.now();
            let gone = feed.id.starts_with("gone");
            let verdict = if gone {
                Verdict::Gone
            } else {
                Verdict::Fresh { freshness: None }
            };
            let plan = politeness::plan(
                now,
                politeness::next_run(&feed, now),
                politeness::interval(&feed, now),
                verdict,
                Duration::from_secs(86400),
            );
            let attempt = Attempt {
                started_at,
                finished_at: now,
                http_status: Some(if gone { 410 } else { 200 }),
                plan,
                ..Default::default()
            };
            let outcome = if gone {
                if let Some(store) = &self.store {
                    store
                        .record_failure(&feed.id, &attempt, "410 Gone")
                        .unwrap();
                }
                Outcome::Failed("410 Gone".into())
            } else {
                if let Some(store) = &self.store {
                    store.record_not_modified(&feed.id, &attempt).unwrap();
                }
                Outcome::NotModified
            };
            *self.finished.lock().unwrap() += 1;
            FeedReport {
                feed_id: feed.id,
                outcome,
                items_found: 0,
                warnings: Vec::new(),
                plan,
            }
        })
    }
}
