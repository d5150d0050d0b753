//! Fetching like a good citizen, against real HTTP servers started by the tests on 127.0.0.1:
//! conditional requests, partner timing headers, backoff, redirects and 410 (limits,
//! compression, charsets, the address policy and concurrency are in tests/fetch_limits.rs).
//! These tests never wait for a schedule: they check what each attempt decided
//! (tests/scheduling.rs drives the scheduler on tokio's paused clock).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use common::{
    assert_updated, failure, fetch_registry, instant, rss_response, FixtureDir, ALLOW_LOOPBACK,
};
use essaim::config;
use essaim::model::FeedState;
use essaim::pipeline::Outcome;

/// A configuration with `settings` lines and one feed per (id, url), every minute.
fn env(settings: &str, feeds: &[(&str, String)]) -> FixtureDir {
    let text = fetch_registry(settings, feeds).to_string();
    FixtureDir::load(&text, common::fixture_clock())
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
    assert_eq!(st.state, FeedState::Active);
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
        assert_eq!(st.state, FeedState::BackingOff);
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
            st.state,
            FeedState::BackingOff,
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
    assert_eq!(st.state, FeedState::Active);
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
    assert_eq!(st.state, FeedState::Gone);
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
    assert_eq!((st.state, st.consecutive_errors), (FeedState::Active, 0));
    assert_eq!(e.pipeline.select_for_pass(&[]).await.unwrap().0.len(), 1);
    assert!(!e.store.reset_feed("inconnu").unwrap());

    // Gone again; then the URL changes in feeds.toml: the feed starts afresh.
    e.refresh("parti").await;
    assert_eq!(e.status("parti").state, FeedState::Gone);
    let moved = fetch_registry(ALLOW_LOOPBACK, &[("parti", format!("http://{addr}/other"))]);
    std::fs::write(e.path(), moved.to_string()).unwrap();
    let config = config::load(e.path()).unwrap();
    e.store.sync_feeds(&config.feeds).unwrap();
    let st = e.status("parti");
    assert_eq!(st.state, FeedState::Active);
    assert_eq!(st.consecutive_errors, 0);
}
