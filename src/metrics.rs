//! The process's metrics, for `/metrics` (Prometheus scrapes OpenMetrics text): one registry
//! of the `prometheus-client` crate, recorded where things happen (the pipeline after each
//! refresh, the web server per request and per answer-cache lookup, the scheduler at each turn
//! of its loop) and rendered on request.
//!
//! Counts of stored things (offers by status, jobs, feeds by state) are not kept here: the
//! web reads them from the store when `/metrics` is scraped and hands them to [`render`] as a
//! [`Stored`], so that they are right whoever wrote the database (`essaim fetch` from cron
//! included). This module uses no other module of essaim: every module may record into it.
//!
//! The registry is one per process ([`global`]): the metrics describe the process, and the
//! scheduler's heartbeat ([`heartbeat`]) is read by `/readyz` without the web server and the
//! scheduler knowing each other.

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabel {
    feed: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FetchLabels {
    feed: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    feed: String,
    change: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// How a fetch ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A body was read and applied.
    Updated,
    /// Nothing new (304, or the same body as last time).
    NotModified,
    /// The fetch, the body or the database failed; the feed backs off.
    Failed,
    /// The partner answered 410: the feed is no longer polled.
    Gone,
    /// Stopped at shutdown before anything was applied.
    Stopped,
}

impl FetchOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FetchOutcome::Updated => "updated",
            FetchOutcome::NotModified => "not_modified",
            FetchOutcome::Failed => "failed",
            FetchOutcome::Gone => "gone",
            FetchOutcome::Stopped => "stopped",
        }
    }
}

/// What one fetch changed in the feed's offers (zero when nothing was applied).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub new: usize,
    pub updated: usize,
    pub closed: usize,
    /// Open offers (of any feed) found past their validThrough during the fetch.
    pub expired: usize,
}

/// One fetch, as [`record_fetch`] counts it.
#[derive(Debug, Clone, Copy)]
pub struct Fetch<'a> {
    pub feed: &'a str,
    pub outcome: FetchOutcome,
    pub seconds: f64,
    pub changes: Changes,
    /// When it succeeded (updated or not modified), for the feed's last-success gauge.
    pub succeeded_at: Option<DateTime<Utc>>,
}

/// Counts of stored things, read from the store when `/metrics` is scraped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// Offers by status (`open`, `closed`, `expired`).
    pub offers: Vec<(String, u64)>,
    /// Published jobs: open offers after deduplication (one per cluster).
    pub jobs: u64,
    /// Configured feeds by state (`active`, `backing_off`, `gone`).
    pub feeds: Vec<(String, u64)>,
    /// Each feed's last successful fetch, as the database says (a success of another process,
    /// or of this one before a restart, included).
    pub last_success: Vec<(String, DateTime<Utc>)>,
}

/// The registry and its metrics.
pub struct Metrics {
    registry: Registry,
    fetches: Family<FetchLabels, Counter>,
    fetch_seconds: Family<FeedLabel, Histogram>,
    fetched_bytes: Family<FeedLabel, Counter>,
    offer_changes: Family<ChangeLabels, Counter>,
    last_success: Family<FeedLabel, FloatGauge>,
    requests: Family<RequestLabels, Counter>,
    answer_cache: Family<ResultLabel, Counter>,
    offers: Family<StatusLabel, Gauge>,
    jobs: Gauge,
    feeds: Family<StateLabel, Gauge>,
    scheduler_loop: FloatGauge,
    writer_busy: Counter<f64, AtomicU64>,
    /// The scheduler's last turn, as its clock said it (what `/readyz` compares with).
    heartbeat: Mutex<Option<DateTime<Utc>>>,
    /// One render at a time: the stored counts are set, then encoded.
    rendering: Mutex<()>,
}

/// Buckets of the fetch duration, in seconds: 10 ms to about 5 minutes.
fn fetch_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.5, 12))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("essaim");
        let fetches = Family::<FetchLabels, Counter>::default();
        registry.register(
            "fetches",
            "Feed fetches, by feed and outcome (updated, not_modified, failed, gone, stopped)",
            fetches.clone(),
        );
        let fetch_seconds =
            Family::<FeedLabel, Histogram>::new_with_constructor(fetch_buckets as fn() -> _);
        registry.register(
            "fetch_duration_seconds",
            "Duration of a feed's refresh, from its request to its result applied, by feed",
            fetch_seconds.clone(),
        );
        let fetched_bytes = Family::<FeedLabel, Counter>::default();
        registry.register(
            "fetched_bytes",
            "Bytes of feed bodies read (after decompression), by feed",
            fetched_bytes.clone(),
        );
        let offer_changes = Family::<ChangeLabels, Counter>::default();
        registry.register(
            "offer_changes",
            "Offers changed by fetches, by feed and change (new, updated, closed, expired)",
            offer_changes.clone(),
        );
        let last_success = Family::<FeedLabel, FloatGauge>::default();
        registry.register(
            "feed_last_success_timestamp_seconds",
            "When each feed was last fetched successfully (Unix time)",
            last_success.clone(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        let answer_cache = Family::<ResultLabel, Counter>::default();
        registry.register(
            "answer_cache_lookups",
            "Rendered answers looked up in the answer cache, by result (hit, miss)",
            answer_cache.clone(),
        );
        let offers = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "offers",
            "Stored offers, by status (open, closed, expired)",
            offers.clone(),
        );
        let jobs = Gauge::default();
        registry.register(
            "jobs",
            "Published jobs: open offers after deduplication",
            jobs.clone(),
        );
        let feeds = Family::<StateLabel, Gauge>::default();
        registry.register(
            "feeds",
            "Configured feeds, by state (active, backing_off, gone)",
            feeds.clone(),
        );
        let scheduler_loop = FloatGauge::default();
        registry.register(
            "scheduler_last_loop_timestamp_seconds",
            "When the scheduler last went round its loop (Unix time; 0: no scheduler ran)",
            scheduler_loop.clone(),
        );
        let writer_busy = Counter::<f64, AtomicU64>::default();
        registry.register(
            "writer_busy_seconds",
            "Time the store's one writer spent applying fetches (its rate is the write side's \
             use: near 1, fetches wait for the writer)",
            writer_busy.clone(),
        );
        Metrics {
            registry,
            fetches,
            fetch_seconds,
            fetched_bytes,
            offer_changes,
            last_success,
            requests,
            answer_cache,
            offers,
            jobs,
            feeds,
            scheduler_loop,
            writer_busy,
            heartbeat: Mutex::new(None),
            rendering: Mutex::new(()),
        }
    }
}

/// The store's writer spent `busy` applying a fetch (in its transaction, flush included).
pub fn record_writer_busy(busy: std::time::Duration) {
    global().writer_busy.inc_by(busy.as_secs_f64());
}

/// The time the store's writer has spent applying fetches in this process, in seconds.
pub fn writer_busy_seconds() -> f64 {
    global().writer_busy.get()
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

fn feed(feed: &str) -> FeedLabel {
    FeedLabel {
        feed: feed.to_string(),
    }
}

fn unix_seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Counts one fetch: its outcome, duration, what it changed, and its success time.
pub fn record_fetch(fetch: &Fetch<'_>) {
    let m = global();
    m.fetches
        .get_or_create(&FetchLabels {
            feed: fetch.feed.to_string(),
            outcome: fetch.outcome.as_str().to_string(),
        })
        .inc();
    m.fetch_seconds
        .get_or_create(&feed(fetch.feed))
        .observe(fetch.seconds.max(0.0));
    let c = fetch.changes;
    for (change, n) in [
        ("new", c.new),
        ("updated", c.updated),
        ("closed", c.closed),
        ("expired", c.expired),
    ] {
        if n > 0 {
            m.offer_changes
                .get_or_create(&ChangeLabels {
                    feed: fetch.feed.to_string(),
                    change: change.to_string(),
                })
                .inc_by(as_u64(n));
        }
    }
    if let Some(at) = fetch.succeeded_at {
        m.last_success
            .get_or_create(&feed(fetch.feed))
            .set(unix_seconds(at));
    }
}

/// Counts the bytes of a feed body read.
pub fn record_bytes(feed_id: &str, bytes: usize) {
    global()
        .fetched_bytes
        .get_or_create(&feed(feed_id))
        .inc_by(as_u64(bytes));
}

/// Counts one HTTP request answered. `route` is the route's pattern (`/api/offers/{id}`),
/// never the path asked for, so that the labels stay few.
pub fn record_request(route: &str, status: u16) {
    global()
        .requests
        .get_or_create(&RequestLabels {
            route: route.to_string(),
            status: status.to_string(),
        })
        .inc();
}

/// Counts one lookup in the answer cache: `hit` when the answer was already rendered.
pub fn record_answer_cache(hit: bool) {
    global()
        .answer_cache
        .get_or_create(&ResultLabel {
            result: if hit { "hit" } else { "miss" }.to_string(),
        })
        .inc();
}

/// The scheduler went round its loop at `now` (its clock's time).
pub fn heartbeat(now: DateTime<Utc>) {
    let m = global();
    m.scheduler_loop.set(unix_seconds(now));
    *m.heartbeat.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
}

/// When the scheduler last went round its loop; `None` when no scheduler ran in this process.
pub fn last_heartbeat() -> Option<DateTime<Utc>> {
    *global().heartbeat.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every metric in the OpenMetrics text format ([`CONTENT_TYPE`]), the stored counts set
/// from `stored` first.
pub fn render(stored: &Stored) -> String {
    let m = global();
    let _one = m.rendering.lock().unwrap_or_else(|e| e.into_inner());
    let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    // Statuses and states are set to zero when none is stored, not left at an old count.
    for status in ["open", "closed", "expired"] {
        m.offers
            .get_or_create(&StatusLabel {
                status: status.to_string(),
            })
            .set(0);
    }
    for (status, n) in &stored.offers {
        m.offers
            .get_or_create(&StatusLabel {
                status: status.clone(),
            })
            .set(gauge(*n));
    }
    m.jobs.set(gauge(stored.jobs));
    for state in ["active", "backing_off", "gone"] {
        m.feeds
            .get_or_create(&StateLabel {
                state: state.to_string(),
            })
            .set(0);
    }
    for (state, n) in &stored.feeds {
        m.feeds
            .get_or_create(&StateLabel {
                state: state.clone(),
            })
            .set(gauge(*n));
    }
    for (id, at) in &stored.last_success {
        m.last_success
            .get_or_create(&feed(id))
            .set(unix_seconds(*at));
    }
    let mut out = String::new();
    // Writing into a String cannot fail; an error would leave what was written.
    let _ = encode(&mut out, &m.registry);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_fetch_is_counted_by_feed_and_outcome() {
        let at: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        record_fetch(&Fetch {
            feed: "unit-metrics",
            outcome: FetchOutcome::Updated,
            seconds: 0.25,
            changes: Changes {
                new: 3,
                ..Changes::default()
            },
            succeeded_at: Some(at),
        });
        record_bytes("unit-metrics", 1234);
        let text = render(&Stored {
            offers: vec![("open".into(), 3)],
            jobs: 2,
            feeds: vec![("active".into(), 1)],
            last_success: vec![("unit-stored".into(), at)],
        });
        assert!(
            text.contains(r#"essaim_fetches_total{feed="unit-metrics",outcome="updated"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"essaim_offer_changes_total{feed="unit-metrics",change="new"} 3"#));
        assert!(text.contains(r#"essaim_fetched_bytes_total{feed="unit-metrics"} 1234"#));
        assert!(text.contains(r#"essaim_fetch_duration_seconds_count{feed="unit-metrics"} 1"#));
        assert!(text.contains(&format!(
            r#"essaim_feed_last_success_timestamp_seconds{{feed="unit-metrics"}} {}"#,
            at.timestamp() as f64
        )));
        assert!(text.contains(&format!(
            r#"essaim_feed_last_success_timestamp_seconds{{feed="unit-stored"}} {}"#,
            at.timestamp() as f64
        )));
        assert!(text.contains(r#"essaim_offers{status="open"} 3"#));
        assert!(text.contains(r#"essaim_offers{status="closed"} 0"#));
        assert!(text.contains("essaim_jobs 2"));
        assert!(text.contains(r#"essaim_feeds{state="gone"} 0"#));
        assert!(text.ends_with("# EOF\n"));
    }
}
