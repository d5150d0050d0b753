//! A fetch is recorded as started before its body is parsed (issue 17): when the process
//! stops during one (a crash on a poisoned body, a kill), the next start-up backs that feed
//! off with a clear error instead of fetching it first again, and the other feeds run. On
//! tokio's paused clock, with the real pipeline over file feeds.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use common::{FeedsToml, Fixture};
use essaim::clock::Clock;
use essaim::model::FeedState;
use essaim::pipeline::{Pipeline, UNFINISHED_FETCH};
use essaim::scheduler::{self, Stopped};

fn base() -> DateTime<Utc> {
    common::fixture_now()
}

/// Two file feeds every five minutes, "empoisonne" and "sain", each at ID.atom.
fn feeds_toml() -> FeedsToml {
    ["empoisonne", "sain"].iter().fold(
        FeedsToml::new().setting("max_delay_secs = 3600"),
        |toml, id| {
            toml.feed(
                id,
                &format!("Partenaire {id}"),
                "CRESS",
                &format!("{id}.atom"),
            )
            .with("schedule = \"0 */5 * * * *\"")
        },
    )
}

/// Runs the daemon's scheduler from the clock's present for `secs` virtual seconds.
async fn run_for(pipeline: &Arc<Pipeline>, secs: u64) {
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(scheduler::run(Arc::clone(pipeline), stopped));
    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 0 });
}

#[tokio::test(start_paused = true)]
async fn a_fetch_the_process_stopped_during_backs_its_feed_off_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let atom = std::fs::read(common::fixtures().join("partners/cress-bretagne.atom")).unwrap();
    for id in ["empoisonne", "sain"] {
        std::fs::write(dir.path().join(format!("{id}.atom")), &atom).unwrap();
    }
    let config = feeds_toml().load(dir.path());

    // The process that died: it had started parsing "empoisonne" (the mark is all a crash
    // leaves behind) and never recorded the attempt.
    {
        let store = common::store_with_feeds(&config);
        let crashed_at = base() - TimeDelta::seconds(30);
        store.mark_fetch_started("empoisonne", crashed_at).unwrap();
        assert_eq!(
            store.unfinished_fetches().unwrap(),
            vec![("empoisonne".to_string(), crashed_at)]
        );
    }

    // Restart.
    let clock = Clock::tokio_from(base());
    let Fixture {
        store, pipeline, ..
    } = Fixture::new(config, clock);
    run_for(&pipeline, 10).await;

    let statuses = store.feed_statuses().unwrap();
    let poisoned = statuses.iter().find(|s| s.id == "empoisonne").unwrap();
    let healthy = statuses.iter().find(|s| s.id == "sain").unwrap();
    assert_eq!(poisoned.state, FeedState::BackingOff);
    assert_eq!(poisoned.last_error.as_deref(), Some(UNFINISHED_FETCH));
    assert_eq!(poisoned.consecutive_errors, 1);
    assert_eq!(poisoned.open_offers, 0);
    let log = store.attempt_log("empoisonne").unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].outcome, "error");
    assert_eq!(log[0].started_at, base() - TimeDelta::seconds(30));
    assert!(log[0].next_fetch_at.unwrap() > base() + TimeDelta::seconds(10));
    // The other feed ran at start, and its fetch left no mark.
    assert_eq!(healthy.state, FeedState::Active);
    assert!(healthy.open_offers > 0);
    assert_eq!(store.attempt_log("sain").unwrap()[0].outcome, "ok");
    assert_eq!(store.unfinished_fetches().unwrap(), vec![]);

    // It dies again on that feed's next try: the backoff grows, the feed does not loop.
    let first_next = log[0].next_fetch_at.unwrap();
    store.mark_fetch_started("empoisonne", clock.now()).unwrap();
    run_for(&pipeline, 10).await;
    let log = store.attempt_log("empoisonne").unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    let poisoned = store
        .feed_statuses()
        .unwrap()
        .into_iter()
        .find(|s| s.id == "empoisonne")
        .unwrap();
    assert_eq!(poisoned.consecutive_errors, 2);
    let second_next = log.iter().map(|a| a.next_fetch_at.unwrap()).max().unwrap();
    assert!(second_next > first_next, "{first_next} then {second_next}");

    // When its time comes it is fetched as usual and the error is forgotten.
    let wait = (second_next - clock.now()).num_seconds() as u64 + 5;
    run_for(&pipeline, wait).await;
    let poisoned = store
        .feed_statuses()
        .unwrap()
        .into_iter()
        .find(|s| s.id == "empoisonne")
        .unwrap();
    assert_eq!(poisoned.state, FeedState::Active, "{poisoned:?}");
    assert!(poisoned.open_offers > 0);
    assert_eq!(store.unfinished_fetches().unwrap(), vec![]);
}
