//! A fetch is recorded as started before its body is parsed (issue 17): when the process
//! stops during one (a crash on a poisoned body, a kill), the next start-up backs that feed
//! off with a clear error instead of fetching it first again, and the other feeds run. On
//! tokio's paused clock, with the real pipeline over file feeds.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use essaim::clock::Clock;
use essaim::config;
use essaim::pipeline::{Pipeline, UNFINISHED_FETCH};
use essaim::scheduler::{self, Stopped};
use essaim::store::Store;

fn base() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn feeds_toml() -> String {
    let mut text = String::from("[settings]\ndatabase = \"essaim.db\"\nmax_delay_secs = 3600\n");
    for id in ["empoisonne", "sain"] {
        text.push_str(&format!(
            "\n[[feed]]\nid = \"{id}\"\nname = \"Partenaire {id}\"\nnetwork = \"CRESS\"\n\
             url = \"{id}.atom\"\nschedule = \"0 */5 * * * *\"\n"
        ));
    }
    text
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
    let atom = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/partners/cress-bretagne.atom"),
    )
    .unwrap();
    for id in ["empoisonne", "sain"] {
        std::fs::write(dir.path().join(format!("{id}.atom")), &atom).unwrap();
    }
    let path = dir.path().join("feeds.toml");
    std::fs::write(&path, feeds_toml()).unwrap();
    let config = Arc::new(config::load(&path).unwrap());
    let db = config.settings.database.clone();

    // The process that died: it had started parsing "empoisonne" (the mark is all a crash
    // leaves behind) and never recorded the attempt.
    {
        let store = Store::open(&db).unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        let crashed_at = base() - TimeDelta::seconds(30);
        store.mark_fetch_started("empoisonne", crashed_at).unwrap();
        assert_eq!(
            store.unfinished_fetches().unwrap(),
            vec![("empoisonne".to_string(), crashed_at)]
        );
    }

    // Restart.
    let store = Arc::new(Store::open(&db).unwrap());
    store.sync_feeds(&config.feeds).unwrap();
    let clock = Clock::tokio_from(base());
    let pipeline =
        Arc::new(Pipeline::with_clock(Arc::clone(&config), Arc::clone(&store), clock).unwrap());
    run_for(&pipeline, 10).await;

    let statuses = store.feed_statuses().unwrap();
    let poisoned = statuses.iter().find(|s| s.id == "empoisonne").unwrap();
    let healthy = statuses.iter().find(|s| s.id == "sain").unwrap();
    assert_eq!(poisoned.state, "backing_off");
    assert_eq!(poisoned.last_error.as_deref(), Some(UNFINISHED_FETCH));
    assert_eq!(poisoned.consecutive_errors, 1);
    assert_eq!(poisoned.open_offers, 0);
    let log = store.attempt_log("empoisonne").unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].outcome, "error");
    assert_eq!(log[0].started_at, base() - TimeDelta::seconds(30));
    assert!(log[0].next_fetch_at.unwrap() > base() + TimeDelta::seconds(10));
    // The other feed ran at start, and its fetch left no mark.
    assert_eq!(healthy.state, "active");
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
    assert_eq!(poisoned.state, "active", "{poisoned:?}");
    assert!(poisoned.open_offers > 0);
    assert_eq!(store.unfinished_fetches().unwrap(), vec![]);
}
