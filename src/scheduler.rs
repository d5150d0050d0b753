//! Runs each feed when its plan says: at start, when the store says (so a restart never
//! fetches a feed earlier than its partner or its backoff allows), then at the next fetch time
//! every refresh decides (see [`crate::politeness`]). A feed is never refreshed twice at once;
//! gone feeds are not polled, and come back when an operator re-enables them. On shutdown no
//! new fetch starts and fetches in flight get a deadline to finish.
//!
//! A running loop takes [`Control`]s: a reloaded feed list (new feeds start, removed or
//! disabled ones stop, a changed schedule applies from now, a changed source is fetched at
//! once) and the watchdog's question whether the loop still turns.
//!
//! Time comes from a [`Clock`], so tests drive the loop with tokio's paused clock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::clock::{add, Clock};
use crate::config::FeedConfig;
use crate::metrics;
use crate::model::{FeedState, ScheduleState};
use crate::pipeline::{host_of, FeedReport, Outcome, Pipeline, STOPPED};
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

    /// The most refreshes the loop starts at once, and per host (see [`host_of`]); `None`:
    /// no bound (test stand-ins). Due feeds beyond them wait in the loop as their
    /// configuration only, and start as refreshes end, so that a daemon with thousands of
    /// feeds due at once does not hold a refresh (fetch memory, a blocking thread) for each.
    fn limits(&self) -> Option<Limits> {
        None
    }
}

/// How many refreshes the loop keeps in flight: in all, and per partner host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub in_flight: usize,
    pub per_host: usize,
}

impl Refresher for Pipeline {
    fn refresh_feed(self: Arc<Self>, feed: FeedConfig) -> BoxFuture<'static, FeedReport> {
        Box::pin(async move { self.refresh(&feed).await })
    }

    fn stop(&self) {
        self.store.stop_applying();
    }

    fn limits(&self) -> Option<Limits> {
        Some(Limits {
            in_flight: self.config.settings.max_concurrent_fetches.max(1),
            per_host: self.config.settings.max_concurrent_per_host.max(1),
        })
    }
}

/// How a scheduler run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Fetches still running at the shutdown deadline, abandoned: none of them is applied
    /// (the store refuses to apply any fetch once shutdown began).
    pub abandoned: usize,
}

/// What the daemon tells a running scheduler.
#[derive(Debug)]
pub enum Control {
    /// The registry was read again: these are the feeds now, enabled or not. The store
    /// already holds them (`Store::sync_feeds`).
    Reload(Vec<FeedConfig>),
    /// Asks whether the loop still turns: answered as soon as the loop is back at its wait.
    Alive(oneshot::Sender<()>),
    /// An operator asks for a fetch of `feed` now (`/admin`'s "fetch now"), whatever its
    /// schedule, backoff or `gone` state.
    FetchNow {
        feed: String,
        answer: oneshot::Sender<FetchNow>,
    },
}

/// What the scheduler did of a [`Control::FetchNow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchNow {
    /// The fetch starts now.
    Started,
    /// The feed is being fetched already.
    InFlight,
    /// No feed of that id is scheduled (unknown, removed or disabled).
    Unknown,
}

/// Runs the enabled feeds of the pipeline's configuration until `shutdown` turns true.
pub async fn run(pipeline: Arc<Pipeline>, shutdown: watch::Receiver<bool>) -> Stopped {
    run_controlled(pipeline, shutdown, None).await
}

/// [`run`], taking [`Control`]s from `control` while it runs.
pub async fn run_controlled(
    pipeline: Arc<Pipeline>,
    shutdown: watch::Receiver<bool>,
    control: Option<mpsc::Receiver<Control>>,
) -> Stopped {
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
    run_with_control(pipeline, store, feeds, clock, deadline, shutdown, control).await
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
    shutdown: watch::Receiver<bool>,
) -> Stopped {
    run_with_control(refresher, store, feeds, clock, deadline, shutdown, None).await
}

/// [`run_with`], taking [`Control`]s from `control` while it runs.
pub async fn run_with_control<R: Refresher>(
    refresher: Arc<R>,
    store: Arc<Store>,
    mut feeds: Vec<FeedConfig>,
    clock: Clock,
    deadline: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut control: Option<mpsc::Receiver<Control>>,
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
    let limits = refresher.limits();
    // Refreshes in flight per configured host (only counted under `limits`).
    let mut per_host: HashMap<Option<String>, usize> = HashMap::new();
    let mut host_of_task: HashMap<tokio::task::Id, Option<String>> = HashMap::new();
    let mut tasks: JoinSet<FeedReport> = JoinSet::new();
    let mut last_gone_check = now;
    // Feeds whose schedule or source changed while they were being fetched: their report's
    // plan was made with the old one.
    let mut replan: HashMap<String, Replan> = HashMap::new();
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
            // The host this refresh is counted under, when the loop is bounded.
            let mut counted = None;
            if let Some(l) = limits {
                if tasks.len() >= l.in_flight {
                    break;
                }
                let host = host_of(feed);
                let running = per_host.get(&host).copied().unwrap_or(0);
                if host.is_some() && running >= l.per_host {
                    // Stays due: it starts when a refresh of its host ends.
                    continue;
                }
                per_host.insert(host.clone(), running + 1);
                counted = Some(host);
            }
            due.remove(&feed.id);
            let task = tasks.spawn(Arc::clone(&refresher).refresh_feed(feed.clone()));
            in_flight.insert(task.id(), feed.id.clone());
            if let Some(host) = counted {
                host_of_task.insert(task.id(), host);
            }
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
        // Feeds due now that the limits held back start when a refresh ends (the loop wakes
        // then): they are not waited for, else the loop would turn without pause.
        let wait = due
            .values()
            .filter(|at| limits.is_none() || **at > now)
            .min()
            .map(|at| clock.until(*at))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let now = clock.now();
                let task = match &done {
                    Ok((task, _)) => *task,
                    Err(e) => e.id(),
                };
                if let Some(host) = host_of_task.remove(&task) {
                    if let Some(n) = per_host.get_mut(&host) {
                        *n = n.saturating_sub(1);
                    }
                }
                match done {
                    Ok((task, report)) => {
                        in_flight.remove(&task);
                        let Some(feed) = feeds.iter().find(|f| f.id == report.feed_id) else {
                            info!(message = "A removed feed's last fetch finished; it is not scheduled again.", feed = %report.feed_id);
                            continue;
                        };
                        match (replan.remove(&report.feed_id), report.plan.next_fetch_at) {
                            (Some(Replan::AtOnce), _) => {
                                due.insert(report.feed_id, now);
                            }
                            (Some(Replan::Schedule), Some(_)) => {
                                let at = rescheduled(feed, now, report.plan.not_before);
                                due.insert(report.feed_id, at);
                            }
                            (_, Some(at)) => {
                                due.insert(report.feed_id, at);
                            }
                            (_, None) if report.plan.state == FeedState::Gone => {
                                gone.insert(report.feed_id);
                            }
                            (_, None) => {}
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
            Some(order) = next_control(&mut control) => match order {
                Control::Alive(answer) => {
                    let _ = answer.send(());
                }
                Control::FetchNow { feed, answer } => {
                    let known = feeds.iter().any(|f| f.id == feed);
                    let fetching = in_flight.values().any(|f| *f == feed);
                    let said = match (known, fetching) {
                        (false, _) => FetchNow::Unknown,
                        (true, true) => FetchNow::InFlight,
                        (true, false) => {
                            info!(message = "Fetch asked by an operator.", feed = %feed);
                            gone.remove(&feed);
                            due.insert(feed, clock.now());
                            FetchNow::Started
                        }
                    };
                    let _ = answer.send(said);
                }
                Control::Reload(new) => {
                    let states = read_states(&store).await;
                    let mut schedule = Schedule { due: &mut due, gone: &mut gone, replan: &mut replan };
                    schedule.reload(&mut feeds, new, &in_flight, &states, clock.now());
                }
            },
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

/// The next control order; never, when there is no channel or it is closed.
async fn next_control(control: &mut Option<mpsc::Receiver<Control>>) -> Option<Control> {
    let order = match control {
        Some(rx) => rx.recv().await,
        None => None,
    };
    if order.is_none() {
        *control = None;
        std::future::pending::<()>().await;
    }
    order
}

/// What to do when the fetch in flight of a feed changed by a reload ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replan {
    /// Its schedule changed: plan the next fetch on the new one.
    Schedule,
    /// Its source changed: fetch the new one at once.
    AtOnce,
}

/// The loop's schedule, as a reload changes it.
struct Schedule<'a> {
    due: &'a mut HashMap<String, DateTime<Utc>>,
    gone: &'a mut HashSet<String>,
    replan: &'a mut HashMap<String, Replan>,
}

impl Schedule<'_> {
    /// Replaces `feeds` by the enabled feeds of `new`: a feed added is due at its recorded
    /// next fetch or now, one removed (or disabled) is no longer scheduled (a fetch of it in
    /// flight finishes), a changed schedule plans the next fetch from now (never before the
    /// partner's or the backoff's floor), a changed source is due at once.
    fn reload(
        &mut self,
        feeds: &mut Vec<FeedConfig>,
        new: Vec<FeedConfig>,
        in_flight: &HashMap<tokio::task::Id, String>,
        states: &HashMap<String, ScheduleState>,
        now: DateTime<Utc>,
    ) {
        let new: Vec<FeedConfig> = new.into_iter().filter(|f| f.enabled).collect();
        let fetching = |id: &str| in_flight.values().any(|f| f == id);
        let (mut added, mut removed, mut changed) = (Vec::new(), Vec::new(), Vec::new());
        for old in feeds.iter() {
            if !new.iter().any(|f| f.id == old.id) {
                self.due.remove(&old.id);
                self.gone.remove(&old.id);
                self.replan.remove(&old.id);
                removed.push(old.id.clone());
            }
        }
        for feed in &new {
            let s = states.get(&feed.id).copied().unwrap_or_default();
            let Some(old) = feeds.iter().find(|f| f.id == feed.id) else {
                if fetching(&feed.id) {
                    // Removed then added back while its fetch runs: its report plans it.
                } else if s.state == FeedState::Gone {
                    self.gone.insert(feed.id.clone());
                } else {
                    self.due.insert(feed.id.clone(), first_fetch(&s, now));
                }
                added.push(feed.id.clone());
                continue;
            };
            if old.source != feed.source {
                // The store forgot the old source's state (`Store::sync_feeds`).
                self.gone.remove(&feed.id);
                if fetching(&feed.id) {
                    self.replan.insert(feed.id.clone(), Replan::AtOnce);
                } else {
                    self.due.insert(feed.id.clone(), now);
                }
                changed.push(feed.id.clone());
            } else if old.schedule.text != feed.schedule.text {
                if fetching(&feed.id) {
                    self.replan.insert(feed.id.clone(), Replan::Schedule);
                } else if let Some(at) = self.due.get_mut(&feed.id) {
                    *at = rescheduled(feed, now, s.not_before);
                }
                changed.push(feed.id.clone());
            }
        }
        *feeds = new;
        info!(
            message = "Feeds reloaded.",
            feeds = feeds.len(),
            added = %added.join(", "),
            removed = %removed.join(", "),
            changed = %changed.join(", ")
        );
    }
}

/// When a feed whose schedule changed is next due: its next run on the new schedule, not
/// before `not_before` (a partner's floor or the backoff).
fn rescheduled(
    feed: &FeedConfig,
    now: DateTime<Utc>,
    not_before: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let at = next_run(feed, now).unwrap_or_else(|| add(now, MAX_SLEEP));
    not_before.map_or(at, |floor| at.max(floor))
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
