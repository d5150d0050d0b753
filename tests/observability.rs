//! What operators watch: `/metrics` after real fetches of a local partner (fetches by feed and
//! outcome, bytes, offers and jobs from the store, HTTP requests by route, the answer cache),
//! who may read it (`metrics_from`; behind a trusted proxy, in `tests/behind_proxy.rs`), and `/readyz` (200, then 503 with the reason when the
//! database stops answering, or when the scheduler's heartbeat goes stale on tokio's paused
//! clock).
#![allow(clippy::unwrap_used)]

mod common;

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use common::{FeedsToml, FixtureDir, ALLOW_LOOPBACK};
use essaim::metrics;
use essaim::pipeline::Pipeline;
use essaim::scheduler;
use essaim::store::Store;
use essaim::web;
use tokio::sync::watch;

/// The web server over `store` on 127.0.0.1:0, on the fixture clock; stops when the sender
/// is dropped.
async fn site(store: &Arc<Store>) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = web::AppState::new(Arc::clone(store), format!("http://{addr}"))
        .with_clock(common::fixture_clock());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    (addr, stop)
}

async fn get_text(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let r = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

/// The value of the sample `line` starts with (`name{labels}`), when `text` has it.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_fetches_offers_and_requests() {
    let body = common::rss(&["Éducateur spécialisé", "Aide-soignant", "Comptable"]);
    let served = body.clone();
    let partner = common::serve(
        Router::new().route(
            "/offres.rss",
            get(move || {
                let b = served.clone();
                async move { common::rss_response(b) }
            }),
        ), // /absent answers 404
    )
    .await;
    let toml = FeedsToml::new()
        .setting(ALLOW_LOOPBACK)
        .partner("obs-ok", &format!("http://{partner}/offres.rss"))
        .partner("obs-broken", &format!("http://{partner}/absent"));
    let fx = FixtureDir::load(&toml.to_string(), common::fixture_clock());
    common::assert_updated(&fx.refresh("obs-ok").await, 3);
    common::failure(&fx.refresh("obs-broken").await);
    // The same body again: applied as not modified (same bytes as last time).
    let again = fx.refresh("obs-ok").await;
    assert_eq!(again.outcome, essaim::pipeline::Outcome::NotModified);

    let (addr, _stop) = site(&fx.store).await;
    assert_eq!(get_text(addr, "/no/such/thing").await.0, 404);
    // The same question again until it is answered from the cache: the cache starts afresh
    // once, when the server first reads the database's data_version (within its first
    // second), so the second answer or a later one comes from memory.
    let mut asked = 0;
    let mut scrapes = 0;
    let text = loop {
        assert_eq!(get_text(addr, "/api/offers").await.0, 200);
        asked += 1;
        let (status, ct, text) = get_text(addr, "/metrics").await;
        scrapes += 1;
        assert_eq!(status, 200, "{text}");
        assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
        let hits = sample(&text, r#"essaim_answer_cache_lookups_total{result="hit"}"#);
        if hits.is_some() || asked == 50 {
            break text;
        }
    };

    let value = |name: &str| sample(&text, name).unwrap_or_else(|| panic!("no {name} in\n{text}"));
    assert_eq!(
        value(r#"essaim_fetches_total{feed="obs-ok",outcome="updated"}"#),
        1.0
    );
    assert_eq!(
        value(r#"essaim_fetches_total{feed="obs-ok",outcome="not_modified"}"#),
        1.0
    );
    assert_eq!(
        value(r#"essaim_fetches_total{feed="obs-broken",outcome="failed"}"#),
        1.0
    );
    assert_eq!(
        value(r#"essaim_fetched_bytes_total{feed="obs-ok"}"#),
        (2 * body.len()) as f64
    );
    assert_eq!(
        value(r#"essaim_offer_changes_total{feed="obs-ok",change="new"}"#),
        3.0
    );
    assert_eq!(
        value(r#"essaim_fetch_duration_seconds_count{feed="obs-ok"}"#),
        2.0
    );
    // Successes set the feed's last success; a failure sets none.
    let stored = fx.status("obs-ok").last_success_at.unwrap();
    assert_eq!(
        value(r#"essaim_feed_last_success_timestamp_seconds{feed="obs-ok"}"#),
        stored.timestamp_millis() as f64 / 1000.0
    );
    assert_eq!(
        sample(
            &text,
            r#"essaim_feed_last_success_timestamp_seconds{feed="obs-broken"}"#
        ),
        None
    );
    // Read from the store when scraped.
    assert_eq!(value(r#"essaim_offers{status="open"}"#), 3.0);
    assert_eq!(value(r#"essaim_offers{status="closed"}"#), 0.0);
    assert_eq!(value("essaim_jobs"), 3.0);
    assert_eq!(value(r#"essaim_feeds{state="active"}"#), 1.0);
    assert_eq!(value(r#"essaim_feeds{state="backing_off"}"#), 1.0);
    // Requests by route pattern and status; the answer cache rendered once, then answered.
    assert_eq!(
        value(r#"essaim_http_requests_total{route="/api/offers",status="200"}"#),
        f64::from(asked)
    );
    assert!(value(r#"essaim_http_requests_total{route="unmatched",status="404"}"#) >= 1.0);
    assert!(value(r#"essaim_answer_cache_lookups_total{result="miss"}"#) >= 1.0);
    assert!(value(r#"essaim_answer_cache_lookups_total{result="hit"}"#) >= 1.0);
    assert!(text.ends_with("# EOF\n"));

    // A scrape is counted by the next one.
    assert_eq!(
        sample(
            &text,
            r#"essaim_http_requests_total{route="/metrics",status="200"}"#
        ),
        (scrapes > 1).then(|| f64::from(scrapes - 1))
    );
    let (_, _, text) = get_text(addr, "/metrics").await;
    assert_eq!(
        sample(
            &text,
            r#"essaim_http_requests_total{route="/metrics",status="200"}"#
        ),
        Some(f64::from(scrapes))
    );
}

#[test]
fn metrics_are_for_loopback_clients_unless_the_operator_opens_a_network() {
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let none: Vec<ipnet::IpNet> = Vec::new();
    assert!(web::metrics_allowed(ip("127.0.0.1"), &none));
    assert!(web::metrics_allowed(ip("::1"), &none));
    assert!(web::metrics_allowed(ip("::ffff:127.0.0.1"), &none));
    assert!(!web::metrics_allowed(ip("10.1.2.3"), &none));
    assert!(!web::metrics_allowed(ip("::ffff:10.1.2.3"), &none));
    assert!(!web::metrics_allowed(ip("2001:db8::1"), &none));
    assert!(!web::metrics_allowed(None, &none));

    let config = FeedsToml::new()
        .setting(r#"metrics_from = ["10.0.0.0/8", "2001:db8::/32"]"#)
        .parse(Path::new("feeds.toml"));
    let from = &config.settings.metrics_from;
    assert!(web::metrics_allowed(ip("10.1.2.3"), from));
    assert!(web::metrics_allowed(ip("::ffff:10.1.2.3"), from));
    assert!(web::metrics_allowed(ip("2001:db8::1"), from));
    assert!(!web::metrics_allowed(ip("192.168.1.1"), from));

    let text = FeedsToml::new()
        .setting(r#"metrics_from = ["intranet"]"#)
        .to_string();
    let e = essaim::config::parse(&text, Path::new("feeds.toml"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains(r#"settings.metrics_from: "intranet" is not a network in CIDR notation"#),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database() {
    let toml = FeedsToml::new().partner("obs-ready", "https://partenaire.example/rss");
    let fx = FixtureDir::load(&toml.to_string(), common::fixture_clock());
    let (addr, _stop) = site(&fx.store).await;
    let (status, _, text) = get_text(addr, "/readyz").await;
    assert_eq!((status, text.as_str()), (200, "ready\n"));
    assert_eq!(get_text(addr, "/healthz").await.0, 200);

    // Another hand breaks the schema under the running server: queries on feeds now fail.
    let db = fx.config.settings.database.clone();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("ALTER TABLE feeds RENAME TO feeds_elsewhere")
            .unwrap();
    })
    .await
    .unwrap();
    let (status, _, text) = get_text(addr, "/readyz").await;
    assert_eq!(status, 503, "{text}");
    assert!(
        text.starts_with("not ready: the database does not answer:") && text.contains("feeds"),
        "{text}"
    );
    assert_eq!(get_text(addr, "/metrics").await.0, 503);
}

#[test]
fn readiness_decision() {
    let now = common::fixture_now();
    assert_eq!(web::unready(Ok(()), None, now), None, "no scheduler runs");
    let fresh = now - chrono::TimeDelta::seconds(170);
    assert_eq!(web::unready(Ok(()), Some(fresh), now), None);
    let stale = now - chrono::TimeDelta::seconds(181);
    let reason = web::unready(Ok(()), Some(stale), now).unwrap();
    assert_eq!(
        reason,
        "the scheduler has not gone round its loop since 2026-11-22T11:56:59Z (181 s ago; at most 180 s expected)"
    );
    let reason = web::unready(Err("disk I/O error".into()), None, now).unwrap();
    assert_eq!(reason, "the database does not answer: disk I/O error");
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_heartbeat_goes_stale_once_its_loop_stops() {
    let config = FeedsToml::new().parse(Path::new("feeds.toml"));
    let store = Arc::new(common::memory_store_with_feeds(&config));
    let clock = common::fixture_clock();
    let pipeline =
        Arc::new(Pipeline::with_clock(Arc::new(config), Arc::clone(&store), clock).unwrap());
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(scheduler::run_with(
        pipeline,
        store,
        Vec::new(),
        clock,
        Duration::from_secs(1),
        stopped,
    ));
    // With nothing due, the loop looks again every MAX_SLEEP: at 0, 60 and 120 s.
    tokio::time::sleep(Duration::from_secs(150)).await;
    let beat = metrics::last_heartbeat().unwrap();
    assert_eq!(
        beat,
        common::fixture_now() + chrono::TimeDelta::seconds(120)
    );
    assert_eq!(web::unready(Ok(()), Some(beat), clock.now()), None);

    stop.send(true).unwrap();
    run.await.unwrap();
    tokio::time::sleep(web::SCHEDULER_STALE_AFTER).await;
    assert_eq!(
        metrics::last_heartbeat(),
        Some(beat),
        "no turn after stopping"
    );
    let reason = web::unready(Ok(()), metrics::last_heartbeat(), clock.now()).unwrap();
    assert!(
        reason.starts_with(
            "the scheduler has not gone round its loop since 2026-11-22T12:02:00Z (210 s ago"
        ),
        "{reason}"
    );
}
