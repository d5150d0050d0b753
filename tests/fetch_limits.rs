//! Fetching within limits, against real HTTP servers started by the tests on 127.0.0.1 (and
//! 127.0.0.2 for the address policy): body caps, timeouts, compression, charsets, the address
//! policy and per-host concurrency (tests/fetch_politeness.rs has the conditional requests,
//! timing headers, backoff and redirects). These tests never wait for a schedule: they check
//! what each attempt decided.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;

use common::{assert_updated, failure, fetch_registry, rss_response, FixtureDir, ALLOW_LOOPBACK};
use essaim::model::FeedState;

/// A configuration with `settings` lines and one feed per (id, url), every minute.
fn env(settings: &str, feeds: &[(&str, String)]) -> FixtureDir {
    let text = fetch_registry(settings, feeds).to_string();
    FixtureDir::load(&text, common::fixture_clock())
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
