//! Runs each feed on its cron schedule, with a deterministic per-feed jitter so that feeds on
//! the same schedule do not all fire in the same second. A feed is never refreshed twice at
//! once; on shutdown no new fetch starts and fetches in flight get a deadline to finish.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::config::FeedConfig;
use crate::pipeline::{blocking, Pipeline};

/// How long fetches in flight may run after shutdown was asked.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// Next run of `feed` strictly after `after`, jitter included.
pub fn next_run(feed: &FeedConfig, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut upcoming = feed.schedule.cron.after(&after);
    let first = upcoming.next()?;
    let period = upcoming
        .next()
        .map(|second| (second - first).num_seconds().max(1))
        .unwrap_or(3600);
    Some(first + chrono::Duration::seconds(jitter_secs(&feed.id, period)))
}

/// Deterministic jitter: up to a tenth of the period, at most five minutes.
pub fn jitter_secs(feed_id: &str, period_secs: i64) -> i64 {
    let spread = (period_secs / 10).clamp(0, 300);
    if spread == 0 {
        return 0;
    }
    let h = Sha256::digest(feed_id.as_bytes());
    let n = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    (n % spread as u64) as i64
}

/// Runs until `shutdown` turns true. Every enabled feed is fetched once at start, then on
/// its schedule.
pub async fn run(pipeline: Arc<Pipeline>, mut shutdown: watch::Receiver<bool>) {
    let feeds: Vec<FeedConfig> = pipeline
        .config
        .feeds
        .iter()
        .filter(|f| f.enabled)
        .cloned()
        .collect();
    let now = Utc::now();
    let mut due: HashMap<String, DateTime<Utc>> =
        feeds.iter().map(|f| (f.id.clone(), now)).collect();
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut tasks: JoinSet<String> = JoinSet::new();
    info!(message = "Scheduler started.", feeds = feeds.len());
    loop {
        let now = Utc::now();
        for feed in &feeds {
            let Some(at) = due.get(&feed.id).copied() else {
                continue;
            };
            if at > now || in_flight.contains(&feed.id) {
                continue;
            }
            in_flight.insert(feed.id.clone());
            let p = Arc::clone(&pipeline);
            let f = feed.clone();
            tasks.spawn(async move {
                p.refresh(&f).await;
                f.id
            });
            match next_run(feed, now) {
                Some(next) => {
                    due.insert(feed.id.clone(), next);
                    let store = Arc::clone(&pipeline.store);
                    let id = feed.id.clone();
                    if let Err(e) = blocking(move || store.set_next_fetch(&id, next)).await {
                        warn!(message = "Could not record the next fetch time.", error = %e);
                    }
                }
                None => {
                    due.remove(&feed.id);
                }
            }
        }
        let wait = due
            .values()
            .min()
            .map(|at| (*at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    in_flight.remove(&id);
                }
            }
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
    info!(message = "Scheduler stopping.", in_flight = tasks.len());
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_DEADLINE, drain)
        .await
        .is_err()
    {
        warn!(message = "Fetches still running at the shutdown deadline were abandoned; their transactions were not committed.");
        tasks.abort_all();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_stable_and_bounded() {
        assert_eq!(jitter_secs("rs-rhone", 1800), jitter_secs("rs-rhone", 1800));
        assert!(jitter_secs("rs-rhone", 1800) < 180);
        assert_eq!(jitter_secs("rs-rhone", 5), 0);
        assert!(jitter_secs("a", 86400) < 300);
        let spread: HashSet<i64> = (0..20)
            .map(|i| jitter_secs(&format!("feed-{i}"), 3600))
            .collect();
        assert!(spread.len() > 10, "{spread:?}");
    }
}
