//! Runs each feed when its plan says: at start, when the store says (so a restart never
//! fetches a feed earlier than its partner or its backoff allows), then at the next fetch time
//! every refresh decides (see [`crate::politeness`]). A feed is never refreshed twice at once;
//! gone feeds are not polled, and come back when an operator re-enables them. On shutdown no
//! new fetch starts and fetches in flight get a deadline to finish.
//!
//! Time comes from a [`Clock`], so tests drive the loop with tokio's paused clock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::clock::{add, Clock};
use crate::config::FeedConfig;
use crate::metrics;
use crate::model::{FeedState, ScheduleState};
use crate::pipeline::{FeedReport, Outcome, Pipeline, STOPPED};
use crate::store::{Shared, Store};

pub use crate::politeness::{jitter_secs, next_run};

/// Longest the loop sleeps before looking again: it re-reads the state of gone feeds (an
/// operator may have re-enabled them) and bounds the effect of wall-clock jumps.
pub const MAX_SLEEP: Duration = Duration::from_secs(60);

/// What the scheduler runs for a due feed: the pipeline in production, a stand-in in tests.
pub trait Refresher: Send + Sync + 'static {
    /// Refreshes `feed`; the report's plan says when to come back.
    fn refresh_feed(self: Arc<Self>, feed: FeedConfig) -> BoxFuture<'static, FeedReport>;

    /// Shutdown began: refreshes in flight stop at their next item, and apply nothing after.
    fn stop(&self) {}
}

impl Refresher for Pipeline {
    fn refresh_feed(self: Arc<Self>, feed: FeedConfig) -> BoxFuture<'static, FeedReport> {
        Box::pin(async move { self.refresh(&feed).await })
    }

    fn stop(&self) {
        self.store.stop_applying();
    }
}

/// How a scheduler run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Fetches still running at the shutdown deadline, abandoned: none of them is applied
    /// (the store refuses to apply any fetch once shutdown began).
    pub abandoned: usize,
}

/// Runs the enabled feeds of the pipeline's configuration until `shutdown` turns true.
pub async fn run(pipeline: Arc<Pipeline>, shutdown: watch::Receiver<bool>) -> Stopped {
    let feeds: Vec<FeedConfig> = pipeline
        .config
        .feeds
        .iter()
        .filter(|f| f.enabled)
        .cloned()
        .collect();
    // A fetch the last process stopped during is recorded as failed (backed off) first, so
    // that a body that crashes the process is not fetched again at once.
    pipeline.store.resume_applying();
    pipeline.recover_unfinished().await;
    let store = Arc::clone(&pipeline.store);
    let clock = pipeline.clock;
    let deadline = pipeline.config.settings.shutdown_deadline;
    run_with(pipeline, store, feeds, clock, deadline, shutdown).await
}

/// The scheduling loop over `feeds`, refreshing with `refresher` on `clock`'s time. `store`
/// gives the state each feed was left in; `deadline` bounds the wait for fetches in flight
/// after `shutdown` turns true.
pub async fn run_with<R: Refresher>(
    refresher: Arc<R>,
    store: Arc<Store>,
    feeds: Vec<FeedConfig>,
    clock: Clock,
    deadline: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> Stopped {
    let store = Shared::new(store);
    let now = clock.now();
    let states = read_states(&store).await;
    let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut gone: HashSet<String> = HashSet::new();
    for feed in &feeds {
        let s = states.get(&feed.id).copied().unwrap_or_default();
        if s.state == FeedState::Gone {
            gone.insert(feed.id.clone());
        } else {
            due.insert(feed.id.clone(), first_fetch(&s, now));
        }
    }
    let mut in_flight: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut tasks: JoinSet<FeedReport> = JoinSet::new();
    let mut last_gone_check = now;
    info!(
        message = "Scheduler started.",
        feeds = feeds.len(),
        gone = gone.len()
    );
    while !*shutdown.borrow() {
        let now = clock.now();
        metrics::heartbeat(now);
        for feed in &feeds {
            if due.get(&feed.id).is_none_or(|at| *at > now) {
                continue;
            }
            due.remove(&feed.id);
            let task = tasks.spawn(Arc::clone(&refresher).refresh_feed(feed.clone()));
            in_flight.insert(task.id(), feed.id.clone());
        }
        if !gone.is_empty() && now - last_gone_check >= chrono_secs(MAX_SLEEP) {
            last_gone_check = now;
            let states = read_states(&store).await;
            gone.retain(|id| match states.get(id) {
                Some(s) if s.state != FeedState::Gone => {
                    info!(message = "Feed re-enabled by an operator.", feed = %id);
                    due.insert(id.clone(), first_fetch(s, now));
                    false
                }
                _ => true,
            });
        }
        let wait = due
            .values()
            .min()
            .map(|at| clock.until(*at))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let now = clock.now();
                match done {
                    Ok((task, report)) => {
                        in_flight.remove(&task);
                        match report.plan.next_fetch_at {
                            Some(at) => {
                                due.insert(report.feed_id, at);
                            }
                            None if report.plan.state == FeedState::Gone => {
                                gone.insert(report.feed_id);
                            }
                            None => {}
                        }
                    }
                    Err(e) => {
                        let Some(id) = in_flight.remove(&e.id()) else { continue };
                        warn!(message = "A refresh task ended abnormally; the feed keeps its schedule.", feed = %id, error = %e);
                        if let Some(feed) = feeds.iter().find(|f| f.id == id) {
                            let at = next_run(feed, now).unwrap_or_else(|| add(now, MAX_SLEEP));
                            due.insert(id, at);
                        }
                    }
                }
            }
            _ = shutdown.changed() => break,
        }
    }
    // CPU-bound work in flight (parsing, normalising, filing) stops at its next item, and the
    // store applies no fetch from now on: what finishes below is what was really applied.
    refresher.stop();
    info!(message = "Scheduler stopping.", in_flight = tasks.len());
    let mut applied: Vec<String> = Vec::new();
    let mut stopped: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let drain = async {
        while let Some(done) = tasks.join_next_with_id().await {
            let Ok((task, report)) = done else { continue };
            in_flight.remove(&task);
            match &report.outcome {
                Outcome::Failed(e) if e == STOPPED => stopped.push(report.feed_id),
                Outcome::Failed(_) => failed.push(report.feed_id),
                Outcome::Updated(_) | Outcome::NotModified => applied.push(report.feed_id),
            }
        }
    };
    let drained = tokio::time::timeout(deadline, drain).await.is_ok();
    if !(applied.is_empty() && stopped.is_empty() && failed.is_empty()) {
        info!(
            message = "Fetches in flight at shutdown: those applied finished before it; those stopped applied nothing and are fetched again at the next start.",
            applied = %applied.join(", "),
            stopped = %stopped.join(", "),
            failed = %failed.join(", ")
        );
    }
    if drained {
        return Stopped { abandoned: 0 };
    }
    let abandoned = tasks.len();
    let feeds: Vec<&str> = in_flight.values().map(String::as_str).collect();
    warn!(
        message = "Fetches still running at the shutdown deadline were abandoned: none of them is applied (the store applies nothing once shutdown began).",
        abandoned,
        feeds = %feeds.join(", ")
    );
    tasks.abort_all();
    Stopped { abandoned }
}

/// When a feed is first due after start: its recorded next fetch, or now.
fn first_fetch(s: &ScheduleState, now: DateTime<Utc>) -> DateTime<Utc> {
    s.next_fetch_at.map_or(now, |at| at.max(now))
}

async fn read_states(store: &Shared) -> HashMap<String, ScheduleState> {
    match store.schedule_states().await {
        Ok(states) => states.into_iter().collect(),
        Err(e) => {
            warn!(message = "Could not read the feeds' recorded state; scheduling them from now.", error = %e);
            HashMap::new()
        }
    }
}

fn chrono_secs(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::seconds(d.as_secs() as i64)
}
