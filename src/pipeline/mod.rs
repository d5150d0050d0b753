//! One refresh of one feed, end to end: fetch -> parse -> normalise -> identify -> store.
//! This is the glue the scheduler and the `fetch` command call. A feed's failure is recorded
//! on that feed and returned in its report; it never stops the other feeds.
//!
//! Politeness lives at this level too: at most `max_concurrent_fetches` refreshes at once and
//! `max_concurrent_per_host` per partner host, and every attempt is recorded together with the
//! [`Plan`] that [`politeness::plan`] draws from its outcome (next fetch, backoff, gone).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, Semaphore};
use tracing::{info, warn};

use crate::clock::Clock;
use crate::config::{Config, FeedConfig, FeedSource};
use crate::fetch::{FetchErrorKind, Fetched, Fetcher};
use crate::metrics;
use crate::model::{rfc3339, FeedState, FetchMemory};
use crate::politeness::{self, Plan, Verdict};
use crate::store::{ApplyStats, Attempt, Shared, Store, StoreError};

mod build;
mod pass;

pub use build::Reading;
use build::{build_postings, Built, Parts, Postings, Windowing, PART_POSTINGS};
pub use pass::host_of;

/// The error recorded for a fetch the process stopped during (see
/// [`Pipeline::recover_unfinished`]).
pub const UNFINISHED_FETCH: &str =
    "the previous fetch did not finish (the process stopped during it)";

/// The error of a fetch stopped at shutdown before it was applied (nothing of it is stored,
/// and no attempt is recorded).
pub const STOPPED: &str = "stopped before it was applied: essaim is shutting down";

/// How one feed's refresh ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Updated(ApplyStats),
    NotModified,
    Failed(String),
}

/// The result of refreshing one feed.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub feed_id: String,
    pub outcome: Outcome,
    pub items_found: usize,
    pub warnings: Vec<String>,
    /// What was decided (and recorded) about the next fetch.
    pub plan: Plan,
}

/// A feed that a pass which is not forced left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub feed_id: String,
    pub reason: String,
}

/// Everything a refresh needs, shared by the scheduler, the commands and the web server.
pub struct Pipeline {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    /// The same store, called from async code.
    shared: Shared,
    /// The time decisions are taken with (tokio's clock in scheduling tests).
    pub clock: Clock,
    fetcher: Fetcher,
    limit: Arc<Semaphore>,
    /// Bodies being built into postings or built and waiting for the writer
    /// ([`build_slots`]): fewer than the refreshes in flight, which mostly wait on the network.
    building: Arc<Semaphore>,
    /// One semaphore per partner host, created on first use.
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Refreshes in flight, bodies held from their fetch until applied, postings made and
    /// not yet applied.
    load: Arc<Load>,
    /// Postings of a body applied at once; a larger body is applied in parts of this many
    /// ([`PART_POSTINGS`]; tests make it smaller).
    part_postings: usize,
    /// Items of a large body parsed at once, and the fewest items of a body read so
    /// ([`parse::windows`]; tests make them smaller).
    window_items: usize,
    min_window_items: usize,
}

/// What a pipeline holds at once: refreshes in flight (each with its feed's configuration and
/// fetch memory), bodies fetched but not yet applied (a body, then the postings built from
/// it, which take memory in proportion), and postings made (prepared) and not yet applied,
/// with the most of each seen.
#[derive(Debug, Default)]
struct Load {
    refreshes: Gauge,
    bodies: Gauge,
    /// Bodies being built or built and not yet applied.
    builds: Gauge,
    postings: Gauge,
    /// Items parsed and offers read from them, waiting to be made into postings (a window's
    /// of a large body, see [`build::Windowing`]).
    items: Gauge,
}

/// A count of things alive and the most seen at once.
#[derive(Debug, Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    /// Counts one more until the returned guard is dropped.
    fn hold(&self) -> Held<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Held(self)
    }
}

impl Gauge {
    /// Counts `n` more.
    fn add(&self, n: usize) {
        let now = self.now.fetch_add(n, Ordering::SeqCst) + n;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    /// Counts `n` fewer.
    fn sub(&self, n: usize) {
        self.now.fetch_sub(n, Ordering::SeqCst);
    }
}

struct Held<'a>(&'a Gauge);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The most refreshes in flight at once and the most bodies held at once (fetched, parsed
/// or built, and not yet applied) since the pipeline was made (for tests).
#[cfg(feature = "testing")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peaks {
    pub refreshes: usize,
    pub bodies: usize,
    /// Bodies being built into postings or built and waiting for the writer.
    pub builds: usize,
}

/// How many bodies may be built or wait, built, for the writer at once: one per core and one
/// more, so that both the builds (parse, normalise, features: pure work, a core each) and the
/// writer always have one ready, while the postings of the other refreshes in flight (each
/// some 5 KB, against about 1 KB of body) are not made before the writer can take them.
fn build_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) + 1
}

impl Pipeline {
    pub fn new(config: Arc<Config>, store: Arc<Store>) -> anyhow::Result<Pipeline> {
        Pipeline::with_clock(config, store, Clock::wall())
    }

    /// A pipeline deciding with `clock` (tests pass a clock that follows tokio's).
    pub fn with_clock(
        config: Arc<Config>,
        store: Arc<Store>,
        clock: Clock,
    ) -> anyhow::Result<Pipeline> {
        let fetcher = Fetcher::new(&config.settings)?;
        let limit = Arc::new(Semaphore::new(config.settings.max_concurrent_fetches));
        Ok(Pipeline {
            config,
            shared: Shared::new(Arc::clone(&store)),
            store,
            clock,
            fetcher,
            limit,
            building: Arc::new(Semaphore::new(build_slots())),
            hosts: Mutex::new(HashMap::new()),
            load: Arc::default(),
            part_postings: PART_POSTINGS,
            window_items: crate::parse::windows::WINDOW_ITEMS,
            min_window_items: crate::parse::windows::MIN_ITEMS,
        })
    }

    /// The fetcher of this pipeline's refreshes: its clones share its body budget (the web
    /// server checks partners' feeds within it, `web::AppState::with_fetcher`).
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// Applies a body of more than `n` postings in parts of `n` (for tests; see
    /// [`PART_POSTINGS`]).
    #[cfg(feature = "testing")]
    pub fn with_part_postings(mut self, n: usize) -> Pipeline {
        self.part_postings = n.max(1);
        self
    }

    /// Reads an RSS or Atom body of at least `min_items` items a window of `window` items
    /// at a time (for tests; see [`crate::parse::windows`]).
    #[cfg(feature = "testing")]
    pub fn with_windows(mut self, window: usize, min_items: usize) -> Pipeline {
        self.window_items = window.max(1);
        self.min_window_items = min_items;
        self
    }

    /// The most items parsed, or offers read from them, waiting at once to be made into
    /// postings since the pipeline was made, and how many are now (for tests).
    #[cfg(feature = "testing")]
    pub fn items_alive(&self) -> (usize, usize) {
        (
            self.load.items.peak.load(Ordering::SeqCst),
            self.load.items.now.load(Ordering::SeqCst),
        )
    }

    /// Builds at most `n` bodies at once (for tests; see [`build_slots`]).
    #[cfg(feature = "testing")]
    pub fn with_build_slots(mut self, n: usize) -> Pipeline {
        self.building = Arc::new(Semaphore::new(n.max(1)));
        self
    }

    /// See [`Peaks`].
    #[cfg(feature = "testing")]
    pub fn peaks(&self) -> Peaks {
        Peaks {
            refreshes: self.load.refreshes.peak.load(Ordering::SeqCst),
            bodies: self.load.bodies.peak.load(Ordering::SeqCst),
            builds: self.load.builds.peak.load(Ordering::SeqCst),
        }
    }

    /// The most postings made (prepared) and not yet applied at once since the pipeline was
    /// made, and how many are now (for tests).
    #[cfg(feature = "testing")]
    pub fn postings_alive(&self) -> (usize, usize) {
        (
            self.load.postings.peak.load(Ordering::SeqCst),
            self.load.postings.now.load(Ordering::SeqCst),
        )
    }

    /// Refreshes the given feeds now (all enabled ones when `ids` is empty), whatever their
    /// state, and returns one report per feed in config order.
    pub async fn refresh_many(self: &Arc<Self>, ids: &[String]) -> Vec<FeedReport> {
        let feeds: Vec<FeedConfig> = self
            .config
            .feeds
            .iter()
            .filter(|f| {
                if ids.is_empty() {
                    f.enabled
                } else {
                    ids.contains(&f.id)
                }
            })
            .cloned()
            .collect();
        self.refresh_feeds(feeds, None).await
    }

    /// Refreshes `feeds` concurrently within the global and per-host limits; each report is
    /// also sent to `progress` as soon as its feed is done. Reports come back in input order.
    ///
    /// At most `max_concurrent_fetches` refreshes are in flight at once, however many feeds
    /// the pass has: the others wait in a queue as their configuration only (see
    /// [`pass::Queue`]), so memory does not grow with the number of feeds. Each refresh in
    /// flight holds its body, then what it built, until the writer has applied it: a feed
    /// built while the writer is busy waits there, and the next feed starts only when one is
    /// done (the writer's pace is the pass's).
    pub async fn refresh_feeds(
        self: &Arc<Self>,
        feeds: Vec<FeedConfig>,
        progress: Option<mpsc::UnboundedSender<FeedReport>>,
    ) -> Vec<FeedReport> {
        let total = feeds.len();
        let window = self.config.settings.max_concurrent_fetches.max(1);
        let mut queue = pass::Queue::new(feeds, self.config.settings.max_concurrent_per_host);
        let mut tasks = tokio::task::JoinSet::new();
        // The host slot of each task, to give back should the task end abnormally.
        let mut hosts: HashMap<tokio::task::Id, usize> = HashMap::new();
        let mut reports: Vec<Option<FeedReport>> = Vec::new();
        reports.resize_with(total, || None);
        loop {
            while tasks.len() < window {
                let Some(next) = queue.next() else { break };
                let me = Arc::clone(self);
                let pass::Next {
                    position,
                    host,
                    feed,
                } = next;
                let task = tasks.spawn(async move { (position, me.refresh(&feed).await) });
                hosts.insert(task.id(), host);
            }
            let Some(done) = tasks.join_next_with_id().await else {
                break;
            };
            match done {
                Ok((task, (position, report))) => {
                    if let Some(host) = hosts.remove(&task) {
                        queue.done(host);
                    }
                    if let Some(p) = &progress {
                        let _ = p.send(report.clone());
                    }
                    if let Some(slot) = reports.get_mut(position) {
                        *slot = Some(report);
                    }
                }
                Err(e) => {
                    if let Some(host) = hosts.remove(&e.id()) {
                        queue.done(host);
                    }
                    warn!(message = "A refresh task ended abnormally.", error = %e);
                }
            }
        }
        reports.into_iter().flatten().collect()
    }

    /// The feeds a pass fetches. Named feeds are forced (whatever their state); otherwise the
    /// enabled feeds, except gone ones and those the partner or the backoff holds back until
    /// later, which are returned as skipped with the reason.
    pub async fn select_for_pass(
        &self,
        ids: &[String],
    ) -> Result<(Vec<FeedConfig>, Vec<Skipped>), StoreError> {
        if !ids.is_empty() {
            let named = self
                .config
                .feeds
                .iter()
                .filter(|f| ids.contains(&f.id))
                .cloned()
                .collect();
            return Ok((named, Vec::new()));
        }
        let states: HashMap<String, _> = self.shared.schedule_states().await?.into_iter().collect();
        let now = self.clock.now();
        let mut due = Vec::new();
        let mut skipped = Vec::new();
        for feed in self.config.feeds.iter().filter(|f| f.enabled) {
            let s = states.get(&feed.id).copied().unwrap_or_default();
            let reason = match (s.state, s.not_before) {
                (FeedState::Gone, _) => Some(format!(
                    "gone (the partner answered 410); re-enable it with `essaim feeds --reset {}`",
                    feed.id
                )),
                (FeedState::BackingOff, Some(t)) if t > now => Some(format!(
                    "backing off after errors until {}; `essaim fetch --feed {}` forces it",
                    rfc3339(t),
                    feed.id
                )),
                (FeedState::Active, Some(t)) if t > now => Some(format!(
                    "the partner asked not to be polled before {} (Cache-Control/Expires); `essaim fetch --feed {}` forces it",
                    rfc3339(t),
                    feed.id
                )),
                _ => None,
            };
            match reason {
                Some(reason) => skipped.push(Skipped {
                    feed_id: feed.id.clone(),
                    reason,
                }),
                None => due.push(feed.clone()),
            }
        }
        Ok((due, skipped))
    }

    /// Refreshes one feed and records the attempt and the next fetch, whatever its outcome.
    #[tracing::instrument(skip_all, fields(feed = %feed.id))]
    pub async fn refresh(&self, feed: &FeedConfig) -> FeedReport {
        let _in_flight = self.load.refreshes.hold();
        let memory = match self.shared.fetch_memory(&feed.id).await {
            Ok(m) => m,
            Err(e) => {
                warn!(message = "Could not read the feed's fetch memory; fetching without it.", error = %e);
                FetchMemory::default()
            }
        };
        // Host first, then the global limit: a feed waiting for its host holds no global slot.
        let _host = match self.host_limit(feed, &memory) {
            Some(sem) => sem.acquire_owned().await.ok(),
            None => None,
        };
        let _permit = self.limit.acquire().await.ok();
        let started_at = self.clock.now();
        let attempt = if self.store.is_stopping() {
            Err(Failure::stopped())
        } else {
            self.try_refresh(feed, &memory, started_at).await
        };
        let report = match attempt {
            Ok(report) => report,
            Err(failure) if failure.stopped => {
                // Stopped on purpose at shutdown, before anything was applied: no attempt is
                // recorded (the partner did nothing wrong) and the feed is simply due again.
                if let Err(e) = self.shared.clear_fetch_started(&feed.id).await {
                    warn!(message = "Could not clear the mark of a fetch stopped at shutdown.", error = %e);
                }
                FeedReport {
                    feed_id: feed.id.clone(),
                    outcome: Outcome::Failed(failure.message),
                    items_found: 0,
                    warnings: Vec::new(),
                    plan: Plan::default(),
                }
            }
            Err(Failure {
                message,
                http_status,
                kind,
                retry_after,
                stopped: _,
            }) => {
                let finished_at = self.clock.now();
                let verdict = if kind == Some(FetchErrorKind::Gone) {
                    Verdict::Gone
                } else {
                    Verdict::Failed {
                        consecutive_errors: memory.consecutive_errors.saturating_add(1),
                        retry_after: retry_after
                            .as_deref()
                            .and_then(|v| politeness::retry_after(v, finished_at)),
                    }
                };
                let plan = self.plan(feed, finished_at, verdict);
                let attempt = Attempt {
                    started_at,
                    finished_at,
                    http_status,
                    plan,
                    ..Default::default()
                };
                if let Err(e) = self
                    .shared
                    .record_failure(&feed.id, attempt, &message)
                    .await
                {
                    warn!(message = "Could not record a failed fetch.", error = %e);
                }
                FeedReport {
                    feed_id: feed.id.clone(),
                    outcome: Outcome::Failed(message),
                    items_found: 0,
                    warnings: Vec::new(),
                    plan,
                }
            }
        };
        self.account(&report, started_at);
        report
    }

    /// The one log line of a fetch (feed, outcome, counts, items, duration, next fetch) and
    /// its metrics.
    fn account(&self, report: &FeedReport, started_at: DateTime<Utc>) {
        let finished_at = self.clock.now();
        let duration_ms = (finished_at - started_at).num_milliseconds().max(0);
        let next = report.plan.next_fetch_at.map(rfc3339);
        let next = next.as_deref().unwrap_or("-");
        let feed = report.feed_id.as_str();
        let items = report.items_found;
        let warnings = report.warnings.len();
        let (outcome, changes) = match &report.outcome {
            Outcome::Updated(s) => {
                info!(
                    message = "Feed fetched.",
                    feed,
                    outcome = "updated",
                    items,
                    new = s.new,
                    updated = s.updated,
                    unchanged = s.unchanged,
                    closed = s.closed,
                    held = s.held,
                    warnings,
                    duration_ms,
                    next
                );
                let changes = metrics::Changes {
                    new: s.new,
                    updated: s.updated,
                    closed: s.closed,
                    expired: s.expired,
                };
                (metrics::FetchOutcome::Updated, changes)
            }
            Outcome::NotModified => {
                info!(
                    message = "Feed fetched: not modified.",
                    feed,
                    outcome = "not_modified",
                    items,
                    new = 0,
                    updated = 0,
                    unchanged = 0,
                    closed = 0,
                    duration_ms,
                    next
                );
                (metrics::FetchOutcome::NotModified, Default::default())
            }
            Outcome::Failed(error) if error == STOPPED => {
                info!(
                    message = "Fetch stopped at shutdown before it was applied; the feed is fetched again at the next start.",
                    feed,
                    outcome = "stopped",
                    duration_ms
                );
                (metrics::FetchOutcome::Stopped, Default::default())
            }
            Outcome::Failed(error) if report.plan.state == FeedState::Gone => {
                warn!(
                    message = "Feed is gone; it will not be polled until an operator re-enables it.",
                    feed,
                    outcome = "gone",
                    %error,
                    duration_ms
                );
                (metrics::FetchOutcome::Gone, Default::default())
            }
            Outcome::Failed(error) => {
                warn!(
                    message = "Feed fetch failed.",
                    feed,
                    outcome = "failed",
                    %error,
                    duration_ms,
                    next
                );
                (metrics::FetchOutcome::Failed, Default::default())
            }
        };
        let succeeded = matches!(report.outcome, Outcome::Updated(_) | Outcome::NotModified);
        metrics::record_fetch(&metrics::Fetch {
            feed,
            outcome,
            seconds: duration_ms as f64 / 1000.0,
            changes,
            succeeded_at: succeeded.then_some(finished_at),
        });
    }

    /// Records as failed, with the backoff of one more error, every configured feed whose
    /// last fetch started parsing and never finished: the process stopped during it (a crash,
    /// a kill). Called at start-up before anything is scheduled, so that a body that crashes
    /// the process is not fetched again at once, and cannot take it down in a loop. Returns
    /// one report per such feed.
    pub async fn recover_unfinished(&self) -> Vec<FeedReport> {
        let unfinished = match self.shared.unfinished_fetches().await {
            Ok(u) => u,
            Err(e) => {
                warn!(message = "Could not read the fetches left unfinished.", error = %e);
                return Vec::new();
            }
        };
        let mut reports = Vec::new();
        for (id, started_at) in unfinished {
            let Some(feed) = self.config.feeds.iter().find(|f| f.id == id) else {
                continue;
            };
            let memory = self.shared.fetch_memory(&id).await.unwrap_or_default();
            let finished_at = self.clock.now();
            let plan = self.plan(
                feed,
                finished_at,
                Verdict::Failed {
                    consecutive_errors: memory.consecutive_errors.saturating_add(1),
                    retry_after: None,
                },
            );
            let attempt = Attempt {
                started_at,
                finished_at,
                plan,
                ..Default::default()
            };
            if let Err(e) = self
                .shared
                .record_failure(&id, attempt, UNFINISHED_FETCH)
                .await
            {
                warn!(message = "Could not record a fetch left unfinished.", feed = %id, error = %e);
                continue;
            }
            let next = plan.next_fetch_at.map(rfc3339);
            warn!(
                message = "The feed's previous fetch did not finish: the process stopped while parsing or applying it. It is backed off rather than fetched first.",
                feed = %id,
                started = %rfc3339(started_at),
                next = next.as_deref().unwrap_or("-")
            );
            reports.push(FeedReport {
                feed_id: id,
                outcome: Outcome::Failed(UNFINISHED_FETCH.into()),
                items_found: 0,
                warnings: Vec::new(),
                plan,
            });
        }
        reports
    }

    /// The semaphore of the feed's host (after permanent redirects); none for files.
    fn host_limit(&self, feed: &FeedConfig, memory: &FetchMemory) -> Option<Arc<Semaphore>> {
        let FeedSource::Http(configured) = &feed.source else {
            return None;
        };
        let effective = memory
            .effective_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok());
        let host = effective
            .as_ref()
            .unwrap_or(configured)
            .host_str()?
            .to_ascii_lowercase();
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let per_host = self.config.settings.max_concurrent_per_host;
        Some(Arc::clone(
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(per_host))),
        ))
    }

    /// The next-fetch decision for an attempt that ended at `now`.
    fn plan(&self, feed: &FeedConfig, now: DateTime<Utc>, verdict: Verdict) -> Plan {
        politeness::plan(
            now,
            politeness::next_run(feed, now),
            politeness::interval(feed, now),
            verdict,
            self.config.settings.max_delay,
        )
    }

    async fn try_refresh(
        &self,
        feed: &FeedConfig,
        memory: &FetchMemory,
        started_at: DateTime<Utc>,
    ) -> Result<FeedReport, Failure> {
        // While a closing is held, the next fetch decides it: it reads the whole body (no
        // conditional request, no identical-body shortcut), which is then applied.
        let unconditional;
        let memory = if memory.closing_held {
            unconditional = FetchMemory {
                etag: None,
                last_modified: None,
                body_hash: None,
                ..memory.clone()
            };
            &unconditional
        } else {
            memory
        };
        let fetched = self
            .fetcher
            .fetch(feed, memory)
            .await
            .map_err(|e| Failure {
                message: e.message,
                http_status: e.http_status,
                kind: Some(e.kind),
                retry_after: e.retry_after,
                stopped: false,
            })?;
        let body = match fetched {
            Fetched::NotModified {
                http_status,
                etag,
                last_modified,
                moved_to,
                timing,
            } => {
                let finished_at = self.clock.now();
                let freshness = politeness::freshness(&timing.freshness(), finished_at);
                let attempt = Attempt {
                    started_at,
                    finished_at,
                    http_status: Some(http_status),
                    etag,
                    last_modified,
                    moved_to,
                    plan: self.plan(feed, finished_at, Verdict::Fresh { freshness }),
                    ..Default::default()
                };
                return self.not_modified(feed, attempt).await;
            }
            Fetched::Body(body) => body,
        };
        // Counted until applied (or failed): the body, then the postings built from it.
        let _held = self.load.bodies.hold();
        metrics::record_bytes(&feed.id, body.bytes.len());
        let body_hash = hex::encode(Sha256::digest(&body.bytes));
        let mut attempt = Attempt {
            started_at,
            finished_at: started_at,
            http_status: body.http_status,
            etag: body.etag.clone(),
            last_modified: body.last_modified.clone(),
            body_hash: Some(body_hash.clone()),
            moved_to: body.moved_to.clone(),
            ..Default::default()
        };
        let fresh = |now| Verdict::Fresh {
            freshness: politeness::freshness(&body.timing.freshness(), now),
        };
        if memory.body_hash.as_deref() == Some(body_hash.as_str()) {
            attempt.finished_at = self.clock.now();
            attempt.plan = self.plan(feed, attempt.finished_at, fresh(attempt.finished_at));
            return self.not_modified(feed, attempt).await;
        }
        // The body's share of the budget is held until its result is applied: the postings
        // built from it take memory in proportion.
        let _budget = body.budget.clone();
        // From here partner data is parsed and filed: should the process die on it, the mark
        // tells the next start-up (see `recover_unfinished`). The mark is written, and what
        // the store knows of the feed read, before the body waits for a build slot: the mark
        // waits for the writer's transaction in progress, and a slot held meanwhile kept a
        // core from building while the writer, the pipeline's one serial stage, worked (13%
        // of a first ingest's time). A stop while a body waits for its slot (at most
        // `max_concurrent_fetches` bodies) is counted as unfinished too. (The known postings
        // are read through the writer's connection, not a reader: a reader's page cache
        // filled by these reads added some 6 MB to the peak of a million offers' ingest.)
        self.shared.mark_fetch_started(&feed.id, started_at).await?;
        let known = self.shared.known_postings(&feed.id).await?;
        // A build slot is held from the build until its postings are applied.
        let _building = self.building.acquire().await.ok();
        let _built = self.load.builds.hold();
        let (built, verdict) = self.build(feed, body, known, attempt.http_status).await?;
        self.apply(feed, memory, attempt, verdict, built).await
    }

    /// Parses and normalises a body into postings, off the async threads, once the feed is
    /// marked as being fetched and what the store knows of its postings read (`known`); with
    /// the verdict on its freshness at that moment.
    async fn build(
        &self,
        feed: &FeedConfig,
        body: crate::fetch::Body,
        known: crate::dedup::KnownPostings,
        http_status: Option<u16>,
    ) -> Result<(Built, Verdict), Failure> {
        let feed_for_parse = feed.clone();
        let now = self.clock.now();
        let verdict = Verdict::Fresh {
            freshness: politeness::freshness(&body.timing.freshness(), now),
        };
        let stop = Arc::clone(&self.store);
        let part = self.part_postings;
        let windowing = Windowing {
            window: self.window_items,
            min_items: self.min_window_items,
            alive: Arc::clone(&self.load),
        };
        let built = tokio::task::spawn_blocking(move || {
            build_postings(&feed_for_parse, body, now, known, part, &windowing, &|| {
                stop.is_stopping()
            })
        })
        .await
        .map_err(|e| Failure::from(format!("parser task failed: {e}")))?
        .map_err(|failure| Failure {
            // The partner answered; what it sent could not be used.
            http_status,
            ..failure
        })?;
        Ok((built, verdict))
    }

    /// Applies what a body gave to the store, and reports it (a closing held, or a held one
    /// decided, is said).
    async fn apply(
        &self,
        feed: &FeedConfig,
        memory: &FetchMemory,
        mut attempt: Attempt,
        verdict: Verdict,
        built: Built,
    ) -> Result<FeedReport, Failure> {
        let Built {
            postings,
            items_found,
            warnings,
            unpublished,
        } = built;
        if unpublished > 0 {
            warn!(
                message = "Items with neither title nor link were not published; the fetch's warnings name them.",
                feed = %feed.id,
                unpublished,
                items = items_found
            );
        }
        attempt.finished_at = self.clock.now();
        attempt.items_found = Some(items_found);
        attempt.warnings = warnings.clone();
        attempt.plan = self.plan(feed, attempt.finished_at, verdict);
        let plan = attempt.plan;
        let close_after = self.config.settings.close_after_missed_fetches;
        let stats = match postings {
            Postings::Whole(postings) => {
                let n = postings.len();
                self.load.postings.add(n);
                let stats = self
                    .shared
                    .record_success(&feed.id, attempt, postings, close_after)
                    .await;
                self.load.postings.sub(n);
                stats?
            }
            Postings::InParts(parts) => {
                self.apply_in_parts(feed, attempt, parts, close_after)
                    .await?
            }
        };
        let mut warnings = warnings;
        if stats.held > 0 {
            warn!(
                message = "Closing held as suspicious: this fetch would close more than half of the feed's open offers at once; they stay open until the next fetch agrees.",
                feed = %feed.id,
                would_close = stats.held,
                open = stats.open_before,
                items = items_found
            );
            warnings.push(format!(
                "closing held: this fetch ({items_found} items) would close {} of the feed's {} \
                 open offers at once; they stay open, and are closed only if the next fetch \
                 lacks them too",
                stats.held, stats.open_before
            ));
        } else if memory.closing_held {
            info!(
                message = "The held closing is decided: the offers this fetch lacks again are closed, those it lists stay open.",
                feed = %feed.id,
                closed = stats.closed
            );
        }
        Ok(FeedReport {
            feed_id: feed.id.clone(),
            outcome: Outcome::Updated(stats),
            items_found,
            warnings,
            plan,
        })
    }

    /// Applies a large body's postings as they are made: a blocking thread makes and prepares
    /// them a part at a time ([`Parts::make`]) while the writer applies the part before, in
    /// the fetch's one transaction ([`Store::record_success_in_parts`]). Should making them
    /// fail or stop, the writer gets no more parts and rolls the fetch back (nothing closed);
    /// the failure is the maker's.
    async fn apply_in_parts(
        &self,
        feed: &FeedConfig,
        attempt: Attempt,
        parts: Parts,
        close_after: u32,
    ) -> Result<ApplyStats, Failure> {
        // One part waits while the writer applies another and the next is made.
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<crate::store::Posting>>(1);
        let identities = Arc::clone(&parts.identities);
        let (stop, load) = (Arc::clone(&self.store), Arc::clone(&self.load));
        let maker = tokio::task::spawn_blocking(move || {
            parts.make(
                &mut |part| {
                    load.postings.add(part.len());
                    let n = part.len();
                    let sent = send.send(part).is_ok();
                    if !sent {
                        load.postings.sub(n);
                    }
                    sent
                },
                &|| stop.is_stopping(),
            )
        });
        let received = Received {
            parts: receive,
            last: 0,
            load: Arc::clone(&self.load),
        };
        let id = feed.id.clone();
        let applied = self
            .shared
            .run(move |s| {
                s.record_success_in_parts(&id, &attempt, &identities, received, close_after)
            })
            .await;
        let made = maker
            .await
            .map_err(|e| Failure::from(format!("the task making the postings failed: {e}")))
            .and_then(|made| made);
        // The maker's failure explains the writer's (parts that ended short).
        made?;
        Ok(applied?)
    }

    async fn not_modified(
        &self,
        feed: &FeedConfig,
        attempt: Attempt,
    ) -> Result<FeedReport, Failure> {
        let plan = attempt.plan;
        self.shared.record_not_modified(&feed.id, attempt).await?;
        Ok(FeedReport {
            feed_id: feed.id.clone(),
            outcome: Outcome::NotModified,
            items_found: 0,
            warnings: Vec::new(),
            plan,
        })
    }
}

/// The parts of a fetch as the writer receives them ([`Pipeline::apply_in_parts`]): a part is
/// counted among the postings alive until the writer asks for the next one (it has applied and
/// dropped it by then) or the parts end.
struct Received {
    parts: std::sync::mpsc::Receiver<Vec<crate::store::Posting>>,
    /// The size of the part handed out last.
    last: usize,
    load: Arc<Load>,
}

impl Iterator for Received {
    type Item = Result<Vec<crate::store::Posting>, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.load.postings.sub(std::mem::take(&mut self.last));
        let part = self.parts.recv().ok()?;
        self.last = part.len();
        Some(Ok(part))
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        self.load.postings.sub(std::mem::take(&mut self.last));
        // A part made and never applied (the writer failed) goes with the channel.
        while let Ok(part) = self.parts.try_recv() {
            self.load.postings.sub(part.len());
        }
    }
}

/// A refresh failure, before it is recorded.
struct Failure {
    message: String,
    http_status: Option<u16>,
    /// Set when the fetch itself failed (not the parser or the database).
    kind: Option<FetchErrorKind>,
    /// `Retry-After` of a 429 or 503, as received.
    retry_after: Option<String>,
    /// Stopped at shutdown before anything was applied (see [`STOPPED`]).
    stopped: bool,
}

impl Failure {
    fn stopped() -> Failure {
        Failure {
            stopped: true,
            ..Failure::from(STOPPED.to_string())
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            http_status: None,
            kind: None,
            retry_after: None,
            stopped: false,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Stopping => Failure::stopped(),
            e => Failure::from(format!("database: {e}")),
        }
    }
}
