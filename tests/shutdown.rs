//! Shutdown that keeps its word (issue 17): after SIGTERM the daemon exits within its
//! deadline even while a large fetch is being parsed and filed, and its log says what really
//! happened: a fetch stopped at shutdown applies nothing, records no attempt, leaves no
//! "unfinished" mark, and is never called "not committed" when it was.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{FeedsToml, Fixture};
use essaim::config;
use essaim::pipeline::{Outcome, STOPPED};
use essaim::store::Store;

/// An RSS feed of `n` distinct offers.
fn big_rss(n: usize) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
         <title>Emplois</title><link>https://grand.example/</link><description>Offres</description>",
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>Animateur périscolaire (H/F) n°{i}</title>\
             <link>https://grand.example/o/{i}</link><guid>g-{i}</guid>\
             <description>&lt;p&gt;Lieu : Lyon (69)&lt;br/&gt;Contrat : CDD de {} mois&lt;/p&gt;\
             &lt;p&gt;Encadrer les enfants de l'école {i} pendant la pause méridienne.&lt;/p&gt;\
             </description></item>",
            1 + i % 12
        ));
    }
    s.push_str("</channel></rss>");
    s
}

/// Writes `grand.xml` (`items` offers) and a feeds.toml reading it into `dir`; returns the
/// feeds.toml's path.
fn write_config(dir: &std::path::Path, items: usize) -> std::path::PathBuf {
    std::fs::write(dir.join("grand.xml"), big_rss(items)).unwrap();
    FeedsToml::new()
        .setting("listen = \"127.0.0.1:0\"")
        .setting("max_body_bytes = 268435456")
        .setting("shutdown_deadline_secs = 10")
        .feed("grand", "Grand partenaire", "Test", "grand.xml")
        .write(dir)
}

#[tokio::test]
async fn a_fetch_stopped_at_shutdown_applies_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(config::load(&write_config(dir.path(), 200)).unwrap());
    let Fixture {
        store, pipeline, ..
    } = Fixture::new(Arc::clone(&config), common::fixture_clock());
    store.stop_applying();
    let report = pipeline.refresh(&config.feeds[0]).await;
    assert_eq!(report.outcome, Outcome::Failed(STOPPED.into()));
    assert!(store.attempt_log("grand").unwrap().is_empty());
    assert_eq!(store.feed_statuses().unwrap()[0].open_offers, 0);
    assert_eq!(store.unfinished_fetches().unwrap(), vec![]);
}

#[test]
fn sigterm_during_a_large_fetch_exits_within_the_deadline_and_says_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), 150_000);
    let log = dir.path().join("essaim.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_essaim"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // Wait (bounded) until the body is being parsed and filed: its started mark is set.
    let db = dir.path().join("essaim.db");
    let waiting = Instant::now();
    loop {
        let started = rusqlite_free_probe(&db);
        if started {
            break;
        }
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "the fetch never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let term = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if term.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            panic!("still running 15 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = term.elapsed();
    let text = strip_colours(&std::fs::read_to_string(&log).unwrap());
    assert!(status.success(), "{status:?}\n{text}");
    assert!(
        took < Duration::from_secs(10),
        "exited {took:?} after SIGTERM\n{text}"
    );
    assert!(!text.contains("not committed"), "{text}");
    // What the log says is what the database holds.
    let store = Store::open(&db).unwrap();
    let open = store.feed_statuses().unwrap()[0].open_offers;
    if text.contains("stopped=grand") {
        assert_eq!(open, 0, "{text}");
        assert!(store.attempt_log("grand").unwrap().is_empty());
        assert_eq!(store.unfinished_fetches().unwrap(), vec![]);
    } else {
        assert!(text.contains("applied=grand"), "{text}");
        assert_eq!(open, 150_000);
    }
}

/// True once the feed's fetch is marked as started (read through a separate connection).
fn rusqlite_free_probe(db: &std::path::Path) -> bool {
    if !db.exists() {
        return false;
    }
    match Store::open(db) {
        Ok(store) => !store.unfinished_fetches().unwrap_or_default().is_empty(),
        Err(_) => false,
    }
}

/// The log without its terminal colour codes.
fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
