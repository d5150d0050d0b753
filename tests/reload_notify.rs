//! Reloading feeds.toml and systemd's notifications. The scheduler's reload runs on tokio's
//! paused clock with a stand-in refresher; the daemon itself (`essaim run`, the built binary)
//! is run with `NOTIFY_SOCKET` pointed at a datagram socket of the test, sent SIGHUP after its
//! feeds.toml changed (valid, then invalid), then SIGTERM.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use common::stand_in::{base, until, StandIn};
use common::FeedsToml;
use essaim::clock::Clock;
use essaim::config::{Config, Schedule};
use essaim::model::FeedState;
use essaim::politeness::jitter_secs;
use essaim::scheduler::{self, Control, Stopped};

fn registry(ids: &[&str]) -> Config {
    let feeds: Vec<(&str, String)> = ids
        .iter()
        .map(|id| (*id, format!("https://{id}.example/rss")))
        .collect();
    FeedsToml::new()
        .partners(&feeds)
        .parse(Path::new("feeds.toml"))
}

#[tokio::test(start_paused = true)]
async fn a_reload_starts_new_feeds_stops_removed_ones_and_applies_changed_schedules() {
    let before = registry(&["garde", "retire", "change"]);
    let store = Arc::new(common::memory_store_with_feeds(&before));
    let clock = Clock::tokio_from(base());
    let recorder = StandIn::new(None, clock, Duration::ZERO);
    let (stop, stopped) = watch::channel(false);
    let (control, orders) = mpsc::channel(4);
    let run = tokio::spawn(scheduler::run_with_control(
        Arc::clone(&recorder),
        Arc::clone(&store),
        before.feeds.clone(),
        clock,
        Duration::from_secs(10),
        stopped,
        Some(orders),
    ));
    until(&clock, 150).await;

    // "retire" removed, "change" now hourly, "nouveau" added, "garde" as it was.
    let mut after = registry(&["garde", "change", "nouveau"]);
    after.feeds[1].schedule = Schedule::parse("0 0 * * * *").unwrap();
    store.sync_feeds(&after.feeds).unwrap();
    control.send(Control::Reload(after.feeds)).await.unwrap();
    let (answer, answered) = oneshot::channel();
    control.send(Control::Alive(answer)).await.unwrap();
    answered.await.unwrap();

    until(&clock, 3600 + 400).await;
    stop.send(true).unwrap();
    assert_eq!(run.await.unwrap(), Stopped { abandoned: 0 });

    let minute = |id: &str| jitter_secs(id, 60);
    let every_minute = |id: &str, from: i64, to: i64| -> Vec<i64> {
        (from..=to)
            .filter(|t| t % 60 == 0)
            .map(|t| t + minute(id))
            .filter(|t| *t <= to)
            .collect()
    };
    // Kept: every minute throughout.
    let mut want = vec![0];
    want.extend(every_minute("garde", 60, 4000));
    assert_eq!(recorder.calls_of("garde"), want);
    // Removed: nothing after the reload.
    let mut want = vec![0];
    want.extend(every_minute("retire", 60, 150));
    assert_eq!(recorder.calls_of("retire"), want);
    // Added: at once, then every minute.
    let mut want = vec![150];
    want.extend(every_minute("nouveau", 151, 4000));
    assert_eq!(recorder.calls_of("nouveau"), want);
    // Rescheduled: every minute until the reload, then on the hour (with its jitter).
    let mut want = vec![0];
    want.extend(every_minute("change", 60, 150));
    want.push(3600 + jitter_secs("change", 3600));
    assert_eq!(recorder.calls_of("change"), want);
}

#[tokio::test(start_paused = true)]
async fn a_feed_disabled_by_a_reload_stops_and_one_enabled_starts() {
    let before = registry(&["un", "deux"]);
    let store = Arc::new(common::memory_store_with_feeds(&before));
    let clock = Clock::tokio_from(base());
    let recorder = StandIn::new(None, clock, Duration::ZERO);
    let mut feeds = before.feeds.clone();
    feeds[1].enabled = false;
    let (stop, stopped) = watch::channel(false);
    let (control, orders) = mpsc::channel(4);
    let run = tokio::spawn(scheduler::run_with_control(
        Arc::clone(&recorder),
        Arc::clone(&store),
        feeds.iter().filter(|f| f.enabled).cloned().collect(),
        clock,
        Duration::from_secs(10),
        stopped,
        Some(orders),
    ));
    until(&clock, 30).await;
    feeds[0].enabled = false;
    feeds[1].enabled = true;
    control.send(Control::Reload(feeds)).await.unwrap();
    until(&clock, 200).await;
    stop.send(true).unwrap();
    run.await.unwrap();
    assert_eq!(recorder.calls_of("un"), [0]);
    let j = jitter_secs("deux", 60);
    assert_eq!(recorder.calls_of("deux"), [30, 60 + j, 120 + j, 180 + j]);
    assert_eq!(store.feed_statuses().unwrap()[0].state, FeedState::Active);
}

#[tokio::test(start_paused = true)]
async fn a_schedule_changed_during_a_fetch_applies_when_it_ends() {
    let before = registry(&["lent"]);
    let store = Arc::new(common::memory_store_with_feeds(&before));
    let clock = Clock::tokio_from(base());
    let recorder = StandIn::new(None, clock, Duration::from_secs(30));
    let (stop, stopped) = watch::channel(false);
    let (control, orders) = mpsc::channel(4);
    let run = tokio::spawn(scheduler::run_with_control(
        Arc::clone(&recorder),
        Arc::clone(&store),
        before.feeds.clone(),
        clock,
        Duration::from_secs(10),
        stopped,
        Some(orders),
    ));
    until(&clock, 10).await;
    let mut after = before.clone();
    after.feeds[0].schedule = Schedule::parse("0 0 * * * *").unwrap();
    control.send(Control::Reload(after.feeds)).await.unwrap();
    until(&clock, 3600 + 400).await;
    stop.send(true).unwrap();
    run.await.unwrap();
    // The fetch running at the reload planned the next one a minute on; it is on the hour.
    assert_eq!(
        recorder.calls_of("lent"),
        [0, 3600 + jitter_secs("lent", 3600)]
    );
}

#[tokio::test(start_paused = true)]
async fn fetch_now_fetches_at_once_and_says_when_it_cannot() {
    let before = registry(&["lent", "vite"]);
    let store = Arc::new(common::memory_store_with_feeds(&before));
    let clock = Clock::tokio_from(base());
    let recorder = StandIn::new(None, clock, Duration::from_secs(20));
    let (stop, stopped) = watch::channel(false);
    let (control, orders) = mpsc::channel(4);
    let run = tokio::spawn(scheduler::run_with_control(
        Arc::clone(&recorder),
        Arc::clone(&store),
        before.feeds.clone(),
        clock,
        Duration::from_secs(10),
        stopped,
        Some(orders),
    ));
    let ask = |feed: &str| {
        let control = control.clone();
        let feed = feed.to_string();
        async move {
            let (answer, answered) = oneshot::channel();
            control
                .send(Control::FetchNow { feed, answer })
                .await
                .unwrap();
            answered.await.unwrap()
        }
    };
    until(&clock, 10).await;
    // Both are being fetched (from 0 to 20 s).
    assert_eq!(ask("lent").await, scheduler::FetchNow::InFlight);
    assert_eq!(ask("inconnu").await, scheduler::FetchNow::Unknown);
    until(&clock, 30).await;
    // Between two runs: at once, and not again before its schedule.
    assert_eq!(ask("vite").await, scheduler::FetchNow::Started);
    until(&clock, 55).await;
    stop.send(true).unwrap();
    run.await.unwrap();
    assert_eq!(recorder.calls_of("vite"), [0, 30]);
    assert_eq!(recorder.calls_of("lent"), [0]);
}

// --- the daemon --------------------------------------------------------------------------

/// `essaim run` on `config`, notifying `socket`, with a watchdog of `watchdog_usec`. Its log
/// lines come through the returned receiver.
fn daemon(config: &Path, socket: &Path, watchdog_usec: u64) -> (Child, std_mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_essaim"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env("NOTIFY_SOCKET", socket)
        .env("WATCHDOG_USEC", watchdog_usec.to_string())
        .env_remove("WATCHDOG_PID")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

/// The next notification; panics after 20 s without one.
fn notification(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).expect("no notification within 20 s");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// `line` without its colour escapes (`ESC [ … m`), as a log written to a terminal has them.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads log lines (without colours) until one contains `want`; panics after 20 s (or at the
/// log's end), showing what was read.
fn log_until(log: &std_mpsc::Receiver<String>, want: &str) -> String {
    let mut seen = Vec::new();
    loop {
        match log.recv_timeout(Duration::from_secs(20)).map(|l| plain(&l)) {
            Ok(line) if line.contains(want) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no log line with {want:?}; read:\n{}", seen.join("\n")),
        }
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn the_daemon_notifies_systemd_and_reloads_its_feeds_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let cress = common::fixtures().join("partners/cress-bretagne.atom");
    let one = FeedsToml::new().setting("listen = \"127.0.0.1:0\"").feed(
        "cress",
        "CRESS Bretagne",
        "CRESS",
        &cress.display().to_string(),
    );
    let config = one.write(dir.path());
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();

    let (mut child, log) = daemon(&config, &socket_path, 200_000);
    let ready = notification(&socket);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");
    // The watchdog is fed every 100 ms (half of WATCHDOG_USEC) while the scheduler answers.
    for _ in 0..3 {
        assert_eq!(notification(&socket), "WATCHDOG=1");
    }

    // An invalid file is refused, with its reason, and the daemon runs on.
    std::fs::write(&config, "[settings]\nlisten = \"nulle part\"\n").unwrap();
    signal(&child, "HUP");
    let refused = log_until(&log, "Configuration reload refused");
    assert!(refused.contains("listen"), "{refused}");

    // A valid one: a second feed starts (and is fetched), a changed listen address is said
    // to need a restart.
    let two = FeedsToml::new()
        .setting("listen = \"127.0.0.1:1\"")
        .feed(
            "cress",
            "CRESS Bretagne",
            "CRESS",
            &cress.display().to_string(),
        )
        .feed("copie", "Copie", "Test", &cress.display().to_string());
    two.write(dir.path());
    signal(&child, "HUP");
    let restart = log_until(&log, "needs a restart");
    assert!(restart.contains("listen"), "{restart}");
    let reloaded = log_until(&log, "Feeds reloaded.");
    assert!(reloaded.contains("added=copie"), "{reloaded}");
    log_until(&log, "copie");

    signal(&child, "TERM");
    let mut stopping = notification(&socket);
    while stopping == "WATCHDOG=1" || stopping.starts_with("STATUS=") {
        stopping = notification(&socket);
    }
    assert_eq!(stopping, "STOPPING=1");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");

    // The feed added by the reload was fetched and its offers stored.
    let out = Command::new(env!("CARGO_BIN_EXE_essaim"))
        .arg("--config")
        .arg(&config)
        .args(["feeds", "copie"])
        .output()
        .unwrap();
    let details = String::from_utf8_lossy(&out.stdout);
    assert!(
        details.contains("state                  active\n"),
        "{details}"
    );
    assert!(details.contains("open offers            3"), "{details}");
}

#[test]
fn without_notify_socket_the_daemon_runs_and_stops_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let cress = common::fixtures().join("partners/cress-bretagne.atom");
    let config = FeedsToml::new()
        .setting("listen = \"127.0.0.1:0\"")
        .feed(
            "cress",
            "CRESS Bretagne",
            "CRESS",
            &cress.display().to_string(),
        )
        .write(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_essaim"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env_remove("NOTIFY_SOCKET")
        .env("WATCHDOG_USEC", "200000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, log) = std_mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    log_until(&log, "cress");
    signal(&child, "TERM");
    assert!(child.wait().unwrap().success());
}
