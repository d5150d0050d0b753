//! Fetching like a good citizen, against real HTTP servers started by the tests on 127.0.0.1
//! (and 127.0.0.2 for the address policy): conditional requests, partner timing headers,
//! backoff, redirects, 410, limits, compression, charsets, the address policy and per-host
//! concurrency. These tests never wait for a schedule: they check what each attempt decided
//! (tests/scheduling.rs drives the scheduler on tokio's paused clock).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use common::{FeedsToml, Fixture, ALLOW_LOOPBACK};
use essaim::config;
use essaim::pipeline::{FeedReport, Outcome};
use essaim::politeness::FeedState;

/// A configuration and its fixture on the pinned clock; its directory lives as long as it does.
struct Env {
    _dir: tempfile::TempDir,
    fx: Fixture,
}

impl std::ops::Deref for Env {
    type Target = Fixture;

    fn deref(&self) -> &Fixture {
        &self.fx
    }
}

/// A configuration with `settings` lines and one feed per (id, url), every minute.
fn env(settings: &str, feeds: &[(&str, String)]) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let text = registry(settings, feeds).to_string();
    let fx = Fixture::load(dir.path(), &text, common::fixture_clock());
    Env { _dir: dir, fx }
}

/// The registry of [`env`].
fn registry(settings: &str, feeds: &[(&str, String)]) -> FeedsToml {
    FeedsToml::new()
        .setting("contact_url = \"https://emplois.example.org/contact\"")
        .setting(settings)
        .partners(feeds)
}

impl Env {
    /// Seconds from the last attempt to the next planned fetch.
    fn wait_planned(&self, id: &str) -> i64 {
        let s = self.status(id);
        (instant(&s.next_fetch_at) - instant(&s.last_attempt_at)).num_seconds()
    }

    fn outcomes(&self, id: &str) -> Vec<String> {
        self.store
            .attempts(id)
            .unwrap()
            .into_iter()
            .map(|(o, _)| o)
            .collect()
    }
}

fn instant(text: &Option<String>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text.as_deref().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn failure(r: &FeedReport) -> &str {
    match &r.outcome {
        Outcome::Failed(e) => e,
        other => panic!("{}: expected a failure, got {other:?}", r.feed_id),
    }
}

fn assert_updated(r: &FeedReport, new: usize) {
    match &r.outcome {
        Outcome::Updated(s) => assert_eq!(s.new, new, "{}", r.feed_id),
        other => panic!("{}: {other:?}", r.feed_id),
    }
}

fn rss_response(body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// What a test server saw, per request.
#[derive(Default)]
struct Seen {
    requests: AtomicUsize,
    headers: Mutex<Vec<HeaderMap>>,
}

impl Seen {
    fn record(&self, headers: &HeaderMap) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.headers.lock().unwrap().push(headers.clone());
    }

    fn header(&self, request: usize, name: header::HeaderName) -> Option<String> {
        self.headers.lock().unwrap()[request]
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_modified_304_writes_no_offer_and_sends_validators_and_user_agent() {
    let seen = Arc::new(Seen::default());
    let s = Arc::clone(&seen);
    let app = Router::new().route(
        "/feed",
        get(move |headers: HeaderMap| async move {
            s.record(&headers);
            let validators = [
                (header::ETAG, "\"v1\""),
                (header::LAST_MODIFIED, "Mon, 05 Jan 2026 10:00:00 GMT"),
            ];
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v == "\"v1\"")
            {
                return (StatusCode::NOT_MODIFIED, validators).into_response();
            }
            (
                validators,
                rss_response(common::rss(&["Animateur (H/F)", "Comptable"])),
            )
                .into_response()
        }),
    );
    let addr = common::serve(app).await;
    let e = env(ALLOW_LOOPBACK, &[("cond", format!("http://{addr}/feed"))]);

    assert_updated(&e.refresh("cond").await, 2);
    let marks = e.store.offer_marks("cond").unwrap();
    assert_eq!(marks.len(), 2);

    let again = e.refresh("cond").await;
    assert_eq!(again.outcome, Outcome::NotModified);
    assert_eq!(again.items_found, 0);
    // No offer was written: each still points at the first attempt.
    assert_eq!(e.store.offer_marks("cond").unwrap(), marks);
    assert_eq!(e.outcomes("cond"), ["ok", "not_modified"]);

    assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
    assert_eq!(seen.header(0, header::IF_NONE_MATCH), None);
    assert_eq!(
        seen.header(1, header::IF_NONE_MATCH).as_deref(),
        Some("\"v1\"")
    );
    assert_eq!(
        seen.header(1, header::IF_MODIFIED_SINCE).as_deref(),
        Some("Mon, 05 Jan 2026 10:00:00 GMT")
    );
    let ua = seen.header(0, header::USER_AGENT).unwrap();
    assert_eq!(
        ua,
        format!(
            "essaim/{} (+https://emplois.example.org/contact)",
            env!("CARGO_PKG_VERSION")
        )
    );

    let st = e.status("cond");
    assert_eq!(st.state, "active");
    assert_eq!(st.last_status, Some(304));
    assert_eq!(st.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        st.last_modified.as_deref(),
        Some("Mon, 05 Jan 2026 10:00:00 GMT")
    );
    assert_eq!(st.offers_seen, Some(2));
    assert_eq!(st.consecutive_errors, 0);
    assert!(st.next_fetch_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_body_is_skipped() {
    let seen = Arc::new(Seen::default());
    let s = Arc::clone(&seen);
    let app = Router::new().route(
        "/feed",
        get(move |headers: HeaderMap| async move {
            s.record(&headers);
            rss_response(common::rss(&["Animateur (H/F)", "Comptable"]))
        }),
    );
    let addr = common::serve(app).await;
    let e = env(ALLOW_LOOPBACK, &[("same", format!("http://{addr}/feed"))]);
    assert_updated(&e.refresh("same").await, 2);
    let marks = e.store.offer_marks("same").unwrap();
    assert_eq!(e.refresh("same").await.outcome, Outcome::NotModified);
    assert_eq!(e.store.offer_marks("same").unwrap(), marks);
    assert_eq!(e.outcomes("same"), ["ok", "not_modified"]);
    assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
    assert_eq!(e.status("same").last_status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_in_seconds_and_as_a_date_is_a_floor_capped() {
    let in_three_hours = httpdate::fmt_http_date(
        SystemTime::from(common::fixture_now()) + Duration::from_secs(3 * 3600),
    );
    let date = in_three_hours.clone();
    let app = Router::new()
        .route(
            "/seconds",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "7200")],
                )
            }),
        )
        .route(
            "/date",
            get(move || async move {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, date)],
                )
            }),
        )
        .route(
            "/huge",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "999999999")],
                )
            }),
        )
        .route("/plain", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let addr = common::serve(app).await;
    let e = env(
        &format!("{ALLOW_LOOPBACK}\nmax_delay_secs = 86400"),
        &[
            ("seconds", format!("http://{addr}/seconds")),
            ("date", format!("http://{addr}/date")),
            ("huge", format!("http://{addr}/huge")),
            ("plain", format!("http://{addr}/plain")),
        ],
    );
    let reports = e.pipeline.refresh_many(&[]).await;
    assert!(failure(&reports[0]).contains("HTTP 429"), "{reports:?}");
    for r in &reports {
        assert_eq!(r.plan.state, FeedState::BackingOff, "{}", r.feed_id);
        let st = e.status(&r.feed_id);
        assert_eq!(st.state, "backing_off");
        assert_eq!(st.consecutive_errors, 1);
        assert!(st.last_error.is_some());
    }
    assert_eq!(e.status("seconds").last_status, Some(429));

    let wait = e.wait_planned("seconds");
    assert!((7199..=7201).contains(&wait), "{wait}");
    let next = instant(&e.status("date").next_fetch_at);
    let asked: DateTime<Utc> = DateTime::from(httpdate::parse_http_date(&in_three_hours).unwrap());
    assert!((next - asked).num_seconds().abs() <= 1, "{next} vs {asked}");
    let wait = e.wait_planned("huge");
    assert!(
        (86399..=86401).contains(&wait),
        "capped at max_delay_secs: {wait}"
    );
    // Without Retry-After, the first retry waits one interval of the schedule (a minute).
    let wait = e.wait_planned("plain");
    assert!((1..=67).contains(&wait), "{wait}");

    // A pass that is not forced leaves held-back feeds alone; naming a feed forces it.
    let (due, skipped) = e.pipeline.select_for_pass(&[]).await.unwrap();
    assert!(due.is_empty(), "{due:?}");
    assert_eq!(skipped.len(), 4);
    assert!(
        skipped[0].reason.contains("backing off")
            && skipped[0].reason.contains("essaim fetch --feed seconds"),
        "{skipped:?}"
    );
    let (due, _) = e
        .pipeline
        .select_for_pass(&["seconds".to_string()])
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let forced = e.refresh("seconds").await;
    assert!(failure(&forced).contains("HTTP 429"));
    assert_eq!(e.status("seconds").consecutive_errors, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_age_and_expires_are_a_floor_for_the_next_fetch() {
    // The partner's clock agrees with the test's: its Date is the pinned "now".
    let date = httpdate::fmt_http_date(SystemTime::from(common::fixture_now()));
    let expires = httpdate::fmt_http_date(
        SystemTime::from(common::fixture_now()) + Duration::from_secs(3 * 3600),
    );
    let app = Router::new()
        .route(
            "/max-age",
            get(|| async {
                (
                    [(header::CACHE_CONTROL, "public, max-age=7200")],
                    rss_response(common::rss(&["Animateur (H/F)"])),
                )
            }),
        )
        .route(
            "/expires",
            get(move || async move {
                (
                    [(header::EXPIRES, expires), (header::DATE, date)],
                    rss_response(common::rss(&["Comptable"])),
                )
            }),
        )
        .route(
            "/short",
            get(|| async {
                (
                    [(header::CACHE_CONTROL, "max-age=5")],
                    rss_response(common::rss(&["Directrice"])),
                )
            }),
        );
    let addr = common::serve(app).await;
    let e = env(
        ALLOW_LOOPBACK,
        &[
            ("max-age", format!("http://{addr}/max-age")),
            ("expires", format!("http://{addr}/expires")),
            ("short", format!("http://{addr}/short")),
        ],
    );
    for r in e.pipeline.refresh_many(&[]).await {
        assert_updated(&r, 1);
        assert_eq!(r.plan.state, FeedState::Active);
    }
    let wait = e.wait_planned("max-age");
    assert!((7199..=7201).contains(&wait), "{wait}");
    assert!(e.status("max-age").not_before.is_some());
    let wait = e.wait_planned("expires");
    assert!((3 * 3600 - 2..=3 * 3600 + 1).contains(&wait), "{wait}");
    // A floor shorter than the schedule changes nothing: every minute.
    let wait = e.wait_planned("short");
    assert!((1..=67).contains(&wait), "{wait}");

    // A pass that is not forced respects the floors ("short" too, for its 5 seconds).
    let (_, skipped) = e.pipeline.select_for_pass(&[]).await.unwrap();
    let skipped: Vec<&str> = skipped
        .iter()
        .map(|s| s.feed_id.as_str())
        .filter(|id| *id != "short")
        .collect();
    assert_eq!(skipped, ["max-age", "expires"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_back_off_exponentially_up_to_the_cap_then_recover() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let app = Router::new().route(
        "/flaky",
        get(move || async move {
            match c.fetch_add(1, Ordering::SeqCst) {
                0..=2 => (StatusCode::INTERNAL_SERVER_ERROR, "panne").into_response(),
                3..=5 => (StatusCode::NOT_FOUND, "introuvable").into_response(),
                _ => rss_response(common::rss(&["Animateur (H/F)"])),
            }
        }),
    );
    let addr = common::serve(app).await;
    let e = env(
        &format!("{ALLOW_LOOPBACK}\nmax_delay_secs = 300"),
        &[("flaky", format!("http://{addr}/flaky"))],
    );
    let mut waits = Vec::new();
    for n in 1..=6u32 {
        let r = e.refresh("flaky").await;
        let error = failure(&r);
        assert!(
            error.contains(if n <= 3 { "HTTP 500" } else { "HTTP 404" }),
            "{error}"
        );
        let st = e.status("flaky");
        assert_eq!(
            st.state, "backing_off",
            "a 5xx or a 404 never disables a feed"
        );
        assert_eq!(st.consecutive_errors, n);
        waits.push(e.wait_planned("flaky"));
    }
    // One interval (a minute, or the next slot), doubled per error, capped at 300 s.
    assert!((60..=67).contains(&waits[0]), "{waits:?}");
    for (got, want) in waits[1..].iter().zip([120, 240, 300, 300, 300]) {
        assert!((*got - want).abs() <= 1, "{waits:?}");
    }
    // The partner recovers: so does the feed, by itself.
    assert_updated(&e.refresh("flaky").await, 1);
    let st = e.status("flaky");
    assert_eq!(st.state, "active");
    assert_eq!(st.consecutive_errors, 0);
    assert_eq!(st.last_error, None);
    assert_eq!(st.last_status, Some(200));
    let wait = e.wait_planned("flaky");
    assert!((1..=67).contains(&wait), "{wait}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_redirects_update_the_url_temporary_ones_do_not() {
    let hits = Arc::new(Mutex::new(Vec::<String>::new()));
    let h = Arc::clone(&hits);
    let app = Router::new().route(
        "/{name}",
        get(
            move |axum::extract::Path(name): axum::extract::Path<String>| async move {
                h.lock().unwrap().push(name.clone());
                let to = |status: StatusCode, to: &str| {
                    (status, [(header::LOCATION, to.to_string())]).into_response()
                };
                match name.as_str() {
                    "p301" => to(StatusCode::MOVED_PERMANENTLY, "/p301-new"),
                    "p308" => to(StatusCode::PERMANENT_REDIRECT, "/p308-new"),
                    "t302" => to(StatusCode::FOUND, "/t302-new"),
                    "t307" => to(StatusCode::TEMPORARY_REDIRECT, "/t307-new"),
                    "mixed" => to(StatusCode::MOVED_PERMANENTLY, "/t302"),
                    _ => rss_response(common::rss(&["Animateur (H/F)"])),
                }
            },
        ),
    );
    let addr = common::serve(app).await;
    let ids = ["p301", "p308", "t302", "t307", "mixed"];
    let feeds: Vec<(&str, String)> = ids
        .iter()
        .map(|id| (*id, format!("http://{addr}/{id}")))
        .collect();
    let e = env(ALLOW_LOOPBACK, &feeds);
    for r in e.pipeline.refresh_many(&[]).await {
        assert_updated(&r, 1);
    }
    let effective = |id: &str| e.status(id).effective_url;
    assert_eq!(effective("p301"), Some(format!("http://{addr}/p301-new")));
    assert_eq!(effective("p308"), Some(format!("http://{addr}/p308-new")));
    assert_eq!(effective("t302"), None);
    assert_eq!(effective("t307"), None);
    assert_eq!(
        effective("mixed"),
        None,
        "a chain with a temporary hop is temporary"
    );

    hits.lock().unwrap().clear();
    for r in e.pipeline.refresh_many(&[]).await {
        assert_eq!(r.outcome, Outcome::NotModified, "{}", r.feed_id);
    }
    let mut second = hits.lock().unwrap().clone();
    second.sort();
    // Moved feeds go straight to their new address; the others start from the configured one.
    assert_eq!(
        second,
        [
            "mixed", "p301-new", "p308-new", "t302", "t302", "t302-new", "t302-new", "t307",
            "t307-new"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_410_stops_polling_until_reset_or_url_change() {
    let app = Router::new()
        .route("/gone", get(|| async { StatusCode::GONE }))
        .route("/other", get(|| async { StatusCode::GONE }));
    let addr = common::serve(app).await;
    let e = env(ALLOW_LOOPBACK, &[("parti", format!("http://{addr}/gone"))]);
    let r = e.refresh("parti").await;
    assert!(failure(&r).contains("410 Gone"), "{r:?}");
    assert_eq!(r.plan.state, FeedState::Gone);
    assert_eq!(r.plan.next_fetch_at, None);
    let st = e.status("parti");
    assert_eq!(st.state, "gone");
    assert_eq!(st.next_fetch_at, None);
    assert_eq!(st.last_status, Some(410));

    let (due, skipped) = e.pipeline.select_for_pass(&[]).await.unwrap();
    assert!(due.is_empty());
    assert!(
        skipped[0].reason.contains("essaim feeds --reset parti"),
        "{skipped:?}"
    );

    // An operator re-enables it.
    assert!(e.store.reset_feed("parti").unwrap());
    let st = e.status("parti");
    assert_eq!((st.state.as_str(), st.consecutive_errors), ("active", 0));
    assert_eq!(e.pipeline.select_for_pass(&[]).await.unwrap().0.len(), 1);
    assert!(!e.store.reset_feed("inconnu").unwrap());

    // Gone again; then the URL changes in feeds.toml: the feed starts afresh.
    e.refresh("parti").await;
    assert_eq!(e.status("parti").state, "gone");
    let moved = registry(ALLOW_LOOPBACK, &[("parti", format!("http://{addr}/other"))]);
    std::fs::write(e.path(), moved.to_string()).unwrap();
    let config = config::load(e.path()).unwrap();
    e.store.sync_feeds(&config.feeds).unwrap();
    let st = e.status("parti");
    assert_eq!(st.state, "active");
    assert_eq!(st.consecutive_errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_cut_and_recorded_as_too_large() {
    let app = Router::new()
        .route(
            "/declared",
            get(|| async { rss_response(vec![b' '; 4096]) }),
        )
        .route(
            "/endless",
            get(|| async {
                let chunk = Bytes::from(vec![b' '; 512]);
                let stream = futures_util::stream::repeat_with(move || {
                    Ok::<_, std::io::Error>(chunk.clone())
                });
                rss_response(Body::from_stream(stream))
            }),
        );
    let addr = common::serve(app).await;
    let e = env(
        &format!("{ALLOW_LOOPBACK}\nmax_body_bytes = 1024"),
        &[
            ("declared", format!("http://{addr}/declared")),
            ("endless", format!("http://{addr}/endless")),
        ],
    );
    let started = Instant::now();
    for r in e.pipeline.refresh_many(&[]).await {
        let error = failure(&r);
        assert!(
            error.contains("too large") && error.contains("1024 bytes"),
            "{error}"
        );
        assert_eq!(r.plan.state, FeedState::BackingOff);
        assert!(e
            .status(&r.feed_id)
            .last_error
            .unwrap()
            .contains("too large"));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_counts_decompressed_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 8 * 1024 * 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 64 * 1024);
    let app = Router::new().route(
        "/bomb",
        get(move || async move { ([(header::CONTENT_ENCODING, "gzip")], rss_response(bomb)) }),
    );
    let addr = common::serve(app).await;
    let e = env(
        &format!("{ALLOW_LOOPBACK}\nmax_body_bytes = 65536"),
        &[("bomb", format!("http://{addr}/bomb"))],
    );
    let r = e.refresh("bomb").await;
    assert!(failure(&r).contains("too large"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_server_is_timed_out() {
    let app = Router::new()
        .route(
            "/silent",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::OK
            }),
        )
        .route(
            "/trickle",
            get(|| async {
                let first = futures_util::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(b"<?xml version=\"1.0\"?><rss"))
                });
                let stalled = futures_util::stream::pending();
                rss_response(Body::from_stream(futures_util::StreamExt::chain(
                    first, stalled,
                )))
            }),
        );
    let addr = common::serve(app).await;
    let e = env(
        &format!("{ALLOW_LOOPBACK}\nrequest_timeout_secs = 1\nconnect_timeout_secs = 1"),
        &[
            ("silent", format!("http://{addr}/silent")),
            ("trickle", format!("http://{addr}/trickle")),
        ],
    );
    let started = Instant::now();
    for r in e.pipeline.refresh_many(&[]).await {
        let error = failure(&r);
        assert!(error.contains("timed out"), "{}: {error}", r.feed_id);
        assert_eq!(r.plan.state, FeedState::BackingOff);
    }
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1900), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_deflate_and_brotli_bodies_are_decoded() {
    let feed = common::rss(&[
        "Éducatrice spécialisée (H/F)",
        "Comptable « œuvres sociales »",
    ]);
    let encodings = Arc::new(Mutex::new(Vec::<String>::new()));
    let enc = Arc::clone(&encodings);
    let app = Router::new().route(
        "/{coding}",
        get(
            move |axum::extract::Path(coding): axum::extract::Path<String>, headers: HeaderMap| {
                let feed = feed.clone();
                let enc = Arc::clone(&enc);
                async move {
                    let accepted = headers
                        .get(header::ACCEPT_ENCODING)
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    enc.lock().unwrap().push(accepted.clone());
                    assert!(accepted.contains(&coding), "{accepted}");
                    let body = match coding.as_str() {
                        "gzip" => {
                            let mut w = flate2::write::GzEncoder::new(
                                Vec::new(),
                                flate2::Compression::default(),
                            );
                            w.write_all(feed.as_bytes()).unwrap();
                            w.finish().unwrap()
                        }
                        "deflate" => {
                            let mut w = flate2::write::ZlibEncoder::new(
                                Vec::new(),
                                flate2::Compression::default(),
                            );
                            w.write_all(feed.as_bytes()).unwrap();
                            w.finish().unwrap()
                        }
                        _ => {
                            let mut out = Vec::new();
                            {
                                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                                w.write_all(feed.as_bytes()).unwrap();
                            }
                            out
                        }
                    };
                    ([(header::CONTENT_ENCODING, coding)], rss_response(body))
                }
            },
        ),
    );
    let addr = common::serve(app).await;
    let e = env(
        ALLOW_LOOPBACK,
        &[
            ("gzip", format!("http://{addr}/gzip")),
            ("deflate", format!("http://{addr}/deflate")),
            ("br", format!("http://{addr}/br")),
        ],
    );
    for r in e.pipeline.refresh_many(&[]).await {
        assert_updated(&r, 2);
    }
    // The three feeds carry the same two offers: merged into two jobs, each with a source
    // per feed, every body decoded.
    let jobs = e.store.open_offers(100).unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(jobs.iter().all(|j| j.sources.len() == 3), "{jobs:?}");
    let titles: Vec<String> = jobs.into_iter().map(|o| o.offer.title_raw).collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("Comptable « œuvres sociales »")),
        "{titles:?}"
    );
    assert_eq!(encodings.lock().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latin1_feed_with_its_charset_only_in_http_is_decoded() {
    let text = common::rss(&["Éducateur spécialisé (H/F) à Besançon"]);
    let latin1: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    let app = Router::new().route(
        "/latin1",
        get(move || async move {
            (
                [(
                    header::CONTENT_TYPE,
                    "application/rss+xml; charset=ISO-8859-1",
                )],
                latin1,
            )
        }),
    );
    let addr = common::serve(app).await;
    let e = env(
        ALLOW_LOOPBACK,
        &[("latin1", format!("http://{addr}/latin1"))],
    );
    assert_updated(&e.refresh("latin1").await, 1);
    let offers = e.store.open_offers(10).unwrap();
    assert_eq!(
        offers[0].offer.title_raw,
        "Éducateur spécialisé (H/F) à Besançon"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_directly_and_through_a_redirect() {
    // The "intranet": 127.0.0.2 is loopback too, outside the one allowed network.
    let private_hits = Arc::new(AtomicUsize::new(0));
    let ph = Arc::clone(&private_hits);
    let private = common::serve_on(
        "127.0.0.2",
        Router::new().route(
            "/secret",
            get(move || async move {
                ph.fetch_add(1, Ordering::SeqCst);
                rss_response(common::rss(&["Secret"]))
            }),
        ),
    )
    .await;
    let to_private = format!("http://{private}/secret");
    let partner = common::serve(
        Router::new()
            .route(
                "/feed",
                get(|| async { rss_response(common::rss(&["Animateur (H/F)"])) }),
            )
            .route(
                "/redirect",
                get(move || async move { (StatusCode::FOUND, [(header::LOCATION, to_private)]) }),
            ),
    )
    .await;
    let feeds = [
        ("allowed", format!("http://{partner}/feed")),
        ("direct", format!("http://{private}/secret")),
        ("redirected", format!("http://{partner}/redirect")),
    ];
    let e = env(ALLOW_LOOPBACK, &feeds);
    let reports = e.pipeline.refresh_many(&[]).await;
    assert_updated(&reports[0], 1);
    for r in &reports[1..] {
        let error = failure(r);
        assert!(
            error.contains("refused")
                && error.contains("127.0.0.2")
                && error.contains("allowed_private_networks"),
            "{}: {error}",
            r.feed_id
        );
    }
    assert_eq!(private_hits.load(Ordering::SeqCst), 0);

    // After DNS resolution: "localhost" is refused when nothing private is allowed...
    let e = env(
        "",
        &[(
            "by-name",
            format!("http://localhost:{}/feed", partner.port()),
        )],
    );
    let r = e.refresh("by-name").await;
    let error = failure(&r);
    assert!(
        error.contains("refused: localhost resolves only to non-public addresses"),
        "{error}"
    );
    // ...and reaches exactly the allowed network when it is listed.
    let e = env(
        ALLOW_LOOPBACK,
        &[(
            "by-name",
            format!("http://localhost:{}/feed", partner.port()),
        )],
    );
    assert_updated(&e.refresh("by-name").await, 1);

    // Control: with every private address allowed, the redirect does reach 127.0.0.2, so the
    // refusals above are the policy at work.
    let e = env(
        "allow_private_addresses = true",
        &[("redirected", format!("http://{partner}/redirect"))],
    );
    assert_updated(&e.refresh("redirected").await, 1);
    assert_eq!(private_hits.load(Ordering::SeqCst), 1);
}

/// A server whose every request takes a while, counting requests in flight.
async fn slow_server() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let now = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let (n, m) = (Arc::clone(&now), Arc::clone(&max));
    let app = Router::new().route(
        "/slow/{i}",
        get(move |axum::extract::Path(i): axum::extract::Path<usize>| {
            let (n, m) = (Arc::clone(&n), Arc::clone(&m));
            async move {
                let inside = n.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(inside, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                n.fetch_sub(1, Ordering::SeqCst);
                rss_response(common::rss(&[&format!("Offre {i}")]))
            }
        }),
    );
    (common::serve(app).await, max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_per_host_and_overall_is_bounded() {
    let (addr, max) = slow_server().await;
    let feeds: Vec<(String, String)> = (0..6)
        .map(|i| (format!("f{i}"), format!("http://{addr}/slow/{i}")))
        .collect();
    let feeds: Vec<(&str, String)> = feeds.iter().map(|(i, u)| (i.as_str(), u.clone())).collect();

    let e = env(
        &format!("{ALLOW_LOOPBACK}\nmax_concurrent_per_host = 2"),
        &feeds,
    );
    for r in e.pipeline.refresh_many(&[]).await {
        assert_updated(&r, 1);
    }
    assert_eq!(max.load(Ordering::SeqCst), 2, "per host");

    let (addr, max) = slow_server().await;
    let feeds: Vec<(&str, String)> = feeds
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, format!("http://{addr}/slow/{i}")))
        .collect();
    let e = env(
        &format!("{ALLOW_LOOPBACK}\nmax_concurrent_per_host = 10\nmax_concurrent_fetches = 3"),
        &feeds,
    );
    for r in e.pipeline.refresh_many(&[]).await {
        assert_updated(&r, 1);
    }
    assert_eq!(max.load(Ordering::SeqCst), 3, "overall");
}
