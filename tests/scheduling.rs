//! The scheduler on tokio's paused clock: nothing here sleeps for real. Virtual hours pass in
//! milliseconds, and the times recorded by the store are exact.
//!
//! The real pipeline runs file feeds (a missing file is an error like any other, and file
//! reads, like store calls, run on blocking threads, which hold the paused clock still); a
//! stand-in refresher covers gone feeds and shutdown.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use common::stand_in::{base, until, StandIn};
use common::{FeedsToml, Fixture};
use essaim::clock::Clock;
use essaim::config::{self, Config};
use essaim::model::FeedState;
use essaim::politeness::jitter_secs;
use essaim::scheduler::{self, Stopped};
use essaim::store::Store;

/// `settings` lines and one feed per (id, url), every minute.
fn feeds_toml(settings: &str, feeds: &[(&str, &str)]) -> FeedsToml {
    FeedsToml::new().setting(settings).partners(feeds)
}

#[tokio::test(start_paused = true)]
async fn errors_back_off_then_recover_and_a_restart_keeps_the_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let text = feeds_toml("max_delay_secs = 300", &[("fichier", "partner.xml")]).to_string();
    let clock = Clock::tokio_from(base());
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir.path(), &text, clock);

    // First run: the partner file is missing.
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(scheduler::run(Arc::clone(&pipeline), stopped));
    until(&clock, 300).await;
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 0 });
    let st = &store.feed_statuses().unwrap()[0];
    assert_eq!(st.state, FeedState::BackingOff);
    assert_eq!(st.consecutive_errors, 3);

    // Restart at 5 min: the feed is not fetched before the recorded next fetch. The partner
    // comes back at 10 min.
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(scheduler::run(Arc::clone(&pipeline), stopped));
    until(&clock, 600).await;
    std::fs::write(
        dir.path().join("partner.xml"),
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/partners/cress-bretagne.atom"),
        )
        .unwrap(),
    )
    .unwrap();
    until(&clock, 950).await;
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 0 });

    let j = jitter_secs("fichier", 60);
    let log = store.attempt_log("fichier").unwrap();
    let times: Vec<i64> = log
        .iter()
        .map(|a| (a.started_at - base()).num_seconds())
        .collect();
    let outcomes: Vec<&str> = log.iter().map(|a| a.outcome.as_str()).collect();
    // Every minute; errors wait 60, 120, 240, then 300 (the cap, not 480); then every minute.
    assert_eq!(
        times,
        [
            0,
            60 + j,
            180 + j,
            420 + j,
            720 + j,
            780 + j,
            840 + j,
            900 + j
        ],
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes,
        [
            "error",
            "error",
            "error",
            "error",
            "ok",
            "not_modified",
            "not_modified",
            "not_modified"
        ]
    );
    assert!(log[0].error.as_deref().unwrap().contains("partner.xml"));
    // Each attempt recorded the next fetch it planned, and it was kept.
    for pair in log.windows(2) {
        assert_eq!(pair[0].next_fetch_at, Some(pair[1].started_at));
    }
    let st = &store.feed_statuses().unwrap()[0];
    assert_eq!(st.state, FeedState::Active);
    assert_eq!(st.consecutive_errors, 0);
    assert_eq!(st.last_error, None);
    assert_eq!(st.offers_seen, Some(3));
}

/// A store in memory holding `feeds`, with their configuration.
fn in_memory(feeds: &[(&str, &str)]) -> (Config, Arc<Store>) {
    let config = feeds_toml("", feeds).parse(Path::new("feeds.toml"));
    let store = Arc::new(common::memory_store_with_feeds(&config));
    (config, store)
}

#[tokio::test(start_paused = true)]
async fn gone_feeds_are_not_polled_until_an_operator_resets_them() {
    let (config, store) = in_memory(&[
        ("gone-a", "https://a.example/rss"),
        ("vivant", "https://b.example/rss"),
    ]);
    let clock = Clock::tokio_from(base());
    let stand_in = StandIn::new(Some(Arc::clone(&store)), clock, Duration::ZERO);
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(scheduler::run_with(
        Arc::clone(&stand_in),
        Arc::clone(&store),
        config.feeds.clone(),
        clock,
        Duration::from_secs(10),
        stopped,
    ));
    until(&clock, 300).await;
    assert_eq!(stand_in.calls_of("gone-a"), [0]);
    let j = jitter_secs("vivant", 60);
    assert_eq!(
        stand_in.calls_of("vivant"),
        [0, 60 + j, 120 + j, 180 + j, 240 + j]
    );
    assert_eq!(store.feed_statuses().unwrap()[0].state, FeedState::Gone);

    store.reset_feed("gone-a").unwrap();
    until(&clock, 600).await;
    let calls = stand_in.calls_of("gone-a");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[1] > 300 && calls[1] <= 420, "{calls:?}");
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 0 });
}

#[tokio::test(start_paused = true)]
async fn feeds_on_one_schedule_do_not_fire_in_the_same_second() {
    let ids: Vec<String> = (0..6).map(|i| format!("feed-{i}")).collect();
    let feeds: Vec<(&str, &str)> = ids
        .iter()
        .map(|id| (id.as_str(), "https://a.example/rss"))
        .collect();
    let (config, store) = in_memory(&feeds);
    // Hourly, so that the jitter spreads over up to six minutes.
    let mut feeds = config.feeds.clone();
    for f in &mut feeds {
        f.schedule = config::Schedule::parse("0 0 * * * *").unwrap();
    }
    let clock = Clock::tokio_from(base());
    let stand_in = StandIn::new(Some(Arc::clone(&store)), clock, Duration::ZERO);
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(scheduler::run_with(
        Arc::clone(&stand_in),
        Arc::clone(&store),
        feeds,
        clock,
        Duration::from_secs(10),
        stopped,
    ));
    until(&clock, 3600 + 600).await;
    stop.send(true).unwrap();
    run.await.unwrap();
    let mut second_round: Vec<i64> = ids.iter().map(|id| stand_in.calls_of(id)[1]).collect();
    for (id, t) in ids.iter().zip(&second_round) {
        assert_eq!(*t, 3600 + jitter_secs(id, 3600), "{id}");
    }
    second_round.sort();
    second_round.dedup();
    assert!(second_round.len() >= 5, "{second_round:?}");
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_a_fetch_finish_within_the_deadline() {
    let (config, store) = in_memory(&[("lent", "https://a.example/rss")]);
    let clock = Clock::tokio_from(base());
    let stand_in = StandIn::new(Some(Arc::clone(&store)), clock, Duration::from_secs(3));
    let (stop, stopped) = watch::channel(false);
    let started = tokio::time::Instant::now();
    let run = tokio::spawn(scheduler::run_with(
        Arc::clone(&stand_in),
        Arc::clone(&store),
        config.feeds.clone(),
        clock,
        Duration::from_secs(10),
        stopped,
    ));
    until(&clock, 1).await;
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 0 });
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(*stand_in.finished.lock().unwrap(), 1);
    assert_eq!(store.attempts("lent").unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn shutdown_abandons_a_fetch_at_the_deadline_and_starts_no_new_one() {
    let (config, store) = in_memory(&[
        ("bloque", "https://a.example/rss"),
        ("autre", "https://b.example/rss"),
    ]);
    let clock = Clock::tokio_from(base());
    let stand_in = StandIn::new(Some(Arc::clone(&store)), clock, Duration::from_secs(3600));
    let (stop, stopped) = watch::channel(false);
    let started = tokio::time::Instant::now();
    let run = tokio::spawn(scheduler::run_with(
        Arc::clone(&stand_in),
        Arc::clone(&store),
        config.feeds.clone(),
        clock,
        Duration::from_secs(10),
        stopped,
    ));
    until(&clock, 1).await;
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 2 });
    assert_eq!(started.elapsed(), Duration::from_secs(11));
    // Nothing was written by the abandoned fetches, and nothing started after the stop.
    assert_eq!(*stand_in.finished.lock().unwrap(), 0);
    assert!(store.attempts("bloque").unwrap().is_empty());
    tokio::time::sleep(Duration::from_secs(7200)).await;
    assert_eq!(stand_in.calls.lock().unwrap().len(), 2);
    assert_eq!(store.feed_statuses().unwrap()[0].state, FeedState::Active);
}
