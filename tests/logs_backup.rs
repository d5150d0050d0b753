//! The logs of the `essaim` binary as a log file or a log shipper reads them (no colour codes
//! when standard error is not a terminal; `--log-format json`), and `essaim backup`: the
//! command's refusals and summary, and a copy taken while a large fetch is being applied.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{FeedsToml, Fixture};
use essaim::store::Store;

fn essaim(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_essaim"));
    c.env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("ESSAIM_LOG_FORMAT")
        .arg("--config")
        .arg(config);
    c
}

/// A registry with the fixture "cress-bretagne" (three offers), its database beside it.
fn cress(dir: &Path) -> std::path::PathBuf {
    let cress = common::fixtures().join("partners/cress-bretagne.atom");
    FeedsToml::new()
        .feed(
            "cress-bretagne",
            "CRESS Bretagne",
            "CRESS",
            &cress.display().to_string(),
        )
        .write(dir)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn piped_text_logs_have_no_escape_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let config = cress(dir.path());
    let out = essaim(&config).arg("fetch").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    // The fetch logged something (info level: standard output is not a terminal)...
    assert!(err.contains(" INFO "), "{err}");
    // ...without a single escape byte.
    assert!(!out.stderr.contains(&0x1b), "{err:?}");
}

#[test]
fn json_logs_are_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = cress(dir.path());
    let out = essaim(&config)
        .args(["--log-format", "json", "fetch"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(!lines.is_empty(), "no log line");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
        assert!(v["level"].is_string(), "{line}");
        assert!(v["timestamp"].is_string(), "{line}");
        assert!(v["fields"].is_object(), "{line}");
    }
    assert!(!out.stderr.contains(&0x1b), "{err:?}");
    // A command that ends on an error says it as JSON too.
    let out = essaim(&config)
        .args(["--log-format", "json", "feeds", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    for line in err.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
    }
    // A feeds.toml with errors: one JSON event per problem, each naming it.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "[[feed]]\nid = \"Cress\"\nname = \"\"\nnetwork = \"CRESS\"\nurl = \"cress.xml\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_essaim"))
        .args(["--log-format", "json", "--config"])
        .arg(&broken)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let problems: Vec<String> = err
        .lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
            assert_eq!(v["level"], "ERROR", "{line}");
            v["fields"]["problem"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(problems.len(), 2, "{err}");
    assert!(problems[0].contains("feed id \"Cress\""), "{err}");
    assert!(problems[1].contains("name must not be empty"), "{err}");
    // An unknown format is refused by name.
    let out = essaim(&config)
        .args(["--log-format", "xml", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("xml"), "{}", stderr(&out));
}

#[test]
fn backup_copies_refuses_to_overwrite_and_says_what_it_copied() {
    let dir = tempfile::tempdir().unwrap();
    let config = cress(dir.path());
    let out = essaim(&config).arg("fetch").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let copy = dir.path().join("copies/essaim-copy.db");
    std::fs::create_dir(dir.path().join("copies")).unwrap();
    let out = essaim(&config).arg("backup").arg(&copy).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("3 offers (3 open), 1 feeds"), "{said}");
    assert!(said.contains(&copy.display().to_string()), "{said}");
    assert!(said.contains(" KiB"), "{said}");
    // Readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // The database, its daemon stopped, is left as it was: one file, without the `-wal` and
    // `-shm` files a read of it creates.
    let mut beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["copies", "essaim.db", "feeds.toml"]);
    let store = Store::open_read_only(&copy).unwrap();
    assert_eq!(store.offer_marks("cress-bretagne").unwrap().len(), 3);
    drop(store);

    // An existing file is kept unless --force.
    std::fs::write(&copy, b"precious").unwrap();
    let out = essaim(&config).arg("backup").arg(&copy).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already exists; give --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&copy).unwrap(), b"precious");
    let out = essaim(&config)
        .args(["backup", "--force"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        Store::open_read_only(&copy)
            .unwrap()
            .offer_marks("cress-bretagne")
            .unwrap()
            .len(),
        3
    );
    // No temporary file is left beside it: only the copy.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("copies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["essaim-copy.db"]);

    // The database itself is never a destination, even with --force.
    let database = dir.path().join("essaim.db");
    let out = essaim(&config)
        .args(["backup", "--force"])
        .arg(&database)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is the database itself"),
        "{}",
        stderr(&out)
    );
    // A database that is not there is said so, and nothing is written.
    let elsewhere = tempfile::tempdir().unwrap();
    let config = FeedsToml::new().write(elsewhere.path());
    let target = elsewhere.path().join("b.db");
    let out = essaim(&config).arg("backup").arg(&target).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no database there"),
        "{}",
        stderr(&out)
    );
    assert!(!target.exists());
    // Nor is a database essaim did not create.
    let stranger = elsewhere.path().join("essaim.db");
    rusqlite::Connection::open(&stranger)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let out = essaim(&config).arg("backup").arg(&target).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("holds no essaim data"),
        "{}",
        stderr(&out)
    );
    assert!(!target.exists());
}

/// An RSS feed of `n` distinct offers.
fn large_rss(n: usize) -> String {
    let mut items = String::new();
    for i in 0..n {
        items.push_str(&format!(
            "<item><title>Chargé de mission {i} (H/F)</title>\
             <link>https://grand.example/offres/{i}</link><guid>grand-{i}</guid>\
             <pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>\
             <description>Association numéro {i} recrute un chargé de mission en CDI à \
             temps plein. Lieu : Rennes. Salaire : {} € brut annuel.</description></item>",
            24_000 + i
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Grand</title><link>https://grand.example/</link><description>Offres\
         </description>{items}</channel></rss>\n"
    )
}

/// What one copy holds: `PRAGMA integrity_check`, and the offers of each feed.
fn read_copy(copy: &Path) -> (String, usize, usize) {
    let check: String = rusqlite::Connection::open(copy)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let store = Store::open_read_only(copy).unwrap();
    let small = store.offer_marks("cress-bretagne").unwrap().len();
    let large = store.offer_marks("grand").unwrap().len();
    (check, small, large)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_a_large_fetch_is_a_consistent_database() {
    const LARGE: usize = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let large = dir.path().join("grand.xml");
    std::fs::write(&large, large_rss(LARGE)).unwrap();
    let cress = common::fixtures().join("partners/cress-bretagne.atom");
    let text = FeedsToml::new()
        .feed(
            "cress-bretagne",
            "CRESS Bretagne",
            "CRESS",
            &cress.display().to_string(),
        )
        .feed(
            "grand",
            "Grand réseau",
            "Test",
            &large.display().to_string(),
        )
        .to_string();
    let fx = Fixture::load(dir.path(), &text, common::fixture_clock());
    common::assert_updated(&fx.refresh("cress-bretagne").await, 3);

    // Copies are taken one after another on a thread of their own while the large feed is
    // fetched, parsed, filed and committed.
    let database = fx.config.settings.database.clone();
    let copies = dir.path().join("copies");
    std::fs::create_dir(&copies).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let copier = {
        let done = Arc::clone(&done);
        let copies = copies.clone();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut i = 0;
            while !done.load(Ordering::SeqCst) {
                let copy = copies.join(format!("copy-{i}.db"));
                let copied = essaim::store::backup::backup(&database, &copy, false).unwrap();
                let (check, small, large) = read_copy(&copy);
                assert_eq!(check, "ok", "copy {i}");
                assert_eq!(copied.offers as usize, small + large, "copy {i}");
                seen.push((small, large));
                std::fs::remove_file(&copy).unwrap();
                i += 1;
            }
            seen
        })
    };
    let report = fx.refresh("grand").await;
    done.store(true, Ordering::SeqCst);
    common::assert_updated(&report, LARGE);
    let seen = tokio::task::spawn_blocking(move || copier.join().unwrap())
        .await
        .unwrap();

    // Every copy holds the offers committed before it: the small feed's three, and the large
    // feed's either not yet or all of them, never a part.
    assert!(
        seen.len() >= 2,
        "only {} copies during the fetch",
        seen.len()
    );
    for (i, (small, large)) in seen.iter().enumerate() {
        assert_eq!(*small, 3, "copy {i}");
        assert!(
            *large == 0 || *large == LARGE,
            "copy {i} holds {large} offers"
        );
    }
    eprintln!(
        "{} copies during the fetch: {} before its commit, {} after",
        seen.len(),
        seen.iter().filter(|s| s.1 == 0).count(),
        seen.iter().filter(|s| s.1 == LARGE).count()
    );
    // And one taken after it holds everything.
    let last = copies.join("last.db");
    let copied = essaim::store::backup::backup(&fx.config.settings.database, &last, false).unwrap();
    assert_eq!(copied.offers as usize, LARGE + 3);
    assert_eq!(copied.open_offers as usize, LARGE + 3);
    assert_eq!(read_copy(&last), ("ok".to_string(), 3, LARGE));
}
