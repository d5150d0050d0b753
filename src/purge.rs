//! The daily purge, run beside the scheduler by the daemon: offers past their validThrough
//! expired, and closed or expired offers and old fetch attempts deleted after the retention
//! (`Store::purge`), a minute after start and then every 24 hours, until the stop signal.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::store::{Shared, Store};

/// The first purge, this long after start.
const FIRST_PURGE: Duration = Duration::from_secs(60);
/// Then one purge a day.
const EVERY: Duration = Duration::from_secs(24 * 3600);

/// The daemon's retention task: a purge shortly after start, then every 24 hours, until
/// `stop` says true. A failed purge is logged and tried again the next day.
pub async fn run_daily(
    store: Arc<Store>,
    retention_days: u32,
    clock: Clock,
    mut stop: watch::Receiver<bool>,
) {
    let mut wait = FIRST_PURGE;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match Shared::new(Arc::clone(&store))
            .purge(clock.now(), retention_days)
            .await
        {
            Ok(p) => tracing::info!(
                message = "Purged old offers.",
                expired = p.expired,
                deleted = p.deleted,
                attempts = p.attempts
            ),
            Err(e) => tracing::warn!(message = "Purge failed.", error = %e),
        }
        wait = EVERY;
    }
}
