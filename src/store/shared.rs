//! The store's async face: [`Shared`] runs the blocking store calls of async code (the
//! pipeline, the scheduler, the web handlers, the purge and the commands) on tokio's blocking threads, each method taking its arguments
//! as they are at hand and cloning what the blocking call needs to own.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{ApplyStats, Attempt, Posting, PurgeStats, Store, StoreError};
use crate::dedup::KnownPostings;
use crate::model::{FeedStatus, FetchMemory, PublishedOffer, ScheduleState};

/// Runs blocking store work off the async threads.
pub async fn blocking<T, F>(f: F) -> Result<T, StoreError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(StoreError::Task(e.to_string())),
    }
}

/// A store shared by async tasks: every call runs off the async threads.
#[derive(Clone)]
pub struct Shared {
    store: Arc<Store>,
}

impl Shared {
    pub fn new(store: Arc<Store>) -> Shared {
        Shared { store }
    }

    /// The store itself, for its calls that never wait (the stop flag, the generation).
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Runs `f` with the store off the async threads.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        blocking(move || f(&store)).await
    }

    /// See [`Store::fetch_memory`].
    pub async fn fetch_memory(&self, feed_id: &str) -> Result<FetchMemory, StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.fetch_memory(&id)).await
    }

    /// See [`Store::schedule_states`].
    pub async fn schedule_states(&self) -> Result<Vec<(String, ScheduleState)>, StoreError> {
        self.run(|s| s.schedule_states()).await
    }

    /// See [`Store::known_postings`].
    pub async fn known_postings(&self, feed_id: &str) -> Result<KnownPostings, StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.known_postings(&id)).await
    }

    /// See [`Store::unfinished_fetches`].
    pub async fn unfinished_fetches(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        self.run(|s| s.unfinished_fetches()).await
    }

    /// See [`Store::mark_fetch_started`].
    pub async fn mark_fetch_started(
        &self,
        feed_id: &str,
        started_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.mark_fetch_started(&id, started_at))
            .await
    }

    /// See [`Store::clear_fetch_started`].
    pub async fn clear_fetch_started(&self, feed_id: &str) -> Result<(), StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.clear_fetch_started(&id)).await
    }

    /// See [`Store::record_success`].
    pub async fn record_success(
        &self,
        feed_id: &str,
        attempt: Attempt,
        postings: Vec<Posting>,
        close_after: u32,
    ) -> Result<ApplyStats, StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.record_success(&id, &attempt, &postings, close_after))
            .await
    }

    /// See [`Store::record_not_modified`].
    pub async fn record_not_modified(
        &self,
        feed_id: &str,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.record_not_modified(&id, &attempt))
            .await
    }

    /// See [`Store::feed_statuses`].
    pub async fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError> {
        self.run(|s| s.feed_statuses()).await
    }

    /// See [`Store::reset_feed`].
    pub async fn reset_feed(&self, feed_id: &str) -> Result<bool, StoreError> {
        let id = feed_id.to_owned();
        self.run(move |s| s.reset_feed(&id)).await
    }

    /// See [`Store::offer_by_id`].
    pub async fn offer_by_id(&self, public_id: &str) -> Result<Option<PublishedOffer>, StoreError> {
        let id = public_id.to_owned();
        self.run(move |s| s.offer_by_id(&id)).await
    }

    /// See [`Store::purge`].
    pub async fn purge(
        &self,
        now: DateTime<Utc>,
        retention_days: u32,
    ) -> Result<PurgeStats, StoreError> {
        self.run(move |s| s.purge(now, retention_days)).await
    }

    /// See [`Store::record_failure`].
    pub async fn record_failure(
        &self,
        feed_id: &str,
        attempt: Attempt,
        error: &str,
    ) -> Result<(), StoreError> {
        let id = feed_id.to_owned();
        let error = error.to_owned();
        self.run(move |s| s.record_failure(&id, &attempt, &error))
            .await
    }
}
