//! The bounded pipeline (issue 20): a pass over many feeds keeps at most
//! `max_concurrent_fetches` refreshes in flight, and as many bodies (fetched, built, not yet
//! applied), of which fewer are built into postings at once, whatever the number of feeds;
//! the reports still come back in the feeds' order.
//! Counted by the pipeline itself (`Pipeline::peaks`, behind the `testing` feature), not
//! timed.
#![allow(clippy::unwrap_used)]

mod common;

use axum::routing::get;
use axum::Router;

use common::{assert_updated, fetch_registry, rss_response, FixtureDir, ALLOW_LOOPBACK};
use std::sync::Arc;

use essaim::pipeline::{Peaks, Pipeline};

const FEEDS: usize = 200;

/// Serves `/f/N`: an RSS feed of two offers of its own.
async fn server() -> std::net::SocketAddr {
    let app = Router::new().route(
        "/f/{i}",
        get(
            |axum::extract::Path(i): axum::extract::Path<usize>| async move {
                rss_response(common::rss(&[
                    &format!("Animateur {i} (H/F)"),
                    &format!("Comptable {i} (H/F)"),
                ]))
            },
        ),
    );
    common::serve(app).await
}

/// 200 feeds on one host, `settings` added.
async fn env(settings: &str) -> FixtureDir {
    let addr = server().await;
    let feeds: Vec<(String, String)> = (0..FEEDS)
        .map(|i| (format!("f{i:03}"), format!("http://{addr}/f/{i}")))
        .collect();
    let feeds: Vec<(&str, String)> = feeds.iter().map(|(i, u)| (i.as_str(), u.clone())).collect();
    let text = fetch_registry(&format!("{ALLOW_LOOPBACK}\n{settings}"), &feeds).to_string();
    FixtureDir::load(&text, common::fixture_clock())
}

/// The reports of a pass over every feed: each updated with its two offers, in order.
fn assert_all_updated_in_order(reports: &[essaim::pipeline::FeedReport]) {
    assert_eq!(reports.len(), FEEDS);
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.feed_id, format!("f{i:03}"));
        assert_updated(r, 2);
    }
}

#[tokio::test]
async fn a_pass_over_200_feeds_keeps_at_most_max_concurrent_fetches_in_flight() {
    let e = env("max_concurrent_fetches = 4\nmax_concurrent_per_host = 8").await;
    let pipeline = Arc::new(
        Pipeline::with_clock(
            Arc::clone(&e.config),
            Arc::clone(&e.store),
            common::fixture_clock(),
        )
        .unwrap()
        .with_build_slots(2),
    );
    let reports = pipeline.refresh_many(&[]).await;
    assert_all_updated_in_order(&reports);
    // Spawned all at once, every feed would be in flight from the start (200), each having
    // read its fetch memory before waiting for a slot. Of the 4 bodies held, only 2 are
    // built into postings at once: the others wait, as bodies, for a build slot.
    assert_eq!(
        pipeline.peaks(),
        Peaks {
            refreshes: 4,
            bodies: 4,
            builds: 2,
        }
    );
    assert_eq!(e.offers("f199"), (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_limit_bounds_a_pass_on_one_host_below_the_global_one() {
    let e = env("max_concurrent_fetches = 8\nmax_concurrent_per_host = 3").await;
    let reports = e.pipeline.refresh_many(&[]).await;
    assert_all_updated_in_order(&reports);
    let peaks = e.pipeline.peaks();
    // Every feed is on 127.0.0.1: no more than its 3 slots are taken, on the 8 of the pass.
    assert!(peaks.refreshes <= 3, "{peaks:?}");
    assert!(peaks.bodies <= 3, "{peaks:?}");
}

/// The daemon's scheduler over 40 file feeds all due at start, `max_concurrent_fetches = 3`,
/// on tokio's paused clock: it starts 3 refreshes, then one as each ends.
#[tokio::test(start_paused = true)]
async fn the_scheduler_starts_at_most_max_concurrent_fetches_refreshes_at_once() {
    use common::stand_in::{base, until};
    let ids: Vec<String> = (0..40).map(|i| format!("f{i:03}")).collect();
    let feeds: Vec<(&str, String)> = ids
        .iter()
        .map(|id| (id.as_str(), format!("{id}.xml")))
        .collect();
    let text = common::FeedsToml::new()
        .setting("max_concurrent_fetches = 3")
        .partners(&feeds)
        .to_string();
    let clock = common::clock_at(base());
    let e = FixtureDir::load(&text, clock);
    for (i, id) in ids.iter().enumerate() {
        let body = common::rss(&[&format!("Animateur {i} (H/F)")]);
        std::fs::write(e.dir.path().join(format!("{id}.xml")), body).unwrap();
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(essaim::scheduler::run(
        std::sync::Arc::clone(&e.pipeline),
        stopped,
    ));
    until(&clock, 30).await;
    stop.send(true).unwrap();
    run.await.unwrap();
    for id in &ids {
        assert_eq!(e.outcomes(id), vec!["ok".to_string()], "{id}");
    }
    // Spawned as they were due, all 40 would be in flight at once.
    let peaks = e.pipeline.peaks();
    assert_eq!((peaks.refreshes, peaks.bodies), (3, 3), "{peaks:?}");
    assert!((1..=3).contains(&peaks.builds), "{peaks:?}");
}
