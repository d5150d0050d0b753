//! The `essaim` binary as an operator uses it: check, fetch on the bundled fixtures, export.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::FeedsToml;

fn essaim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_essaim"))
}

/// The fixture "cress-bretagne" (three offers) and a file feed whose file is absent.
fn cress_and_absent() -> FeedsToml {
    let cress = common::fixtures().join("partners/cress-bretagne.atom");
    FeedsToml::new()
        .feed(
            "cress-bretagne",
            "CRESS Bretagne",
            "CRESS",
            &cress.display().to_string(),
        )
        .feed("absent", "Fichier absent", "Test", "absent.xml")
}

#[test]
fn check_reports_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.toml");
    std::fs::write(
        &path,
        "[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\nschedule = \"tous les jours\"\n",
    )
    .unwrap();
    let out = essaim()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "{}:6:12: feed \"a\": bad cron expression \"tous les jours\"",
        path.display()
    );
    assert!(err.contains(&want), "{err}");
}

#[test]
fn bundled_config_is_valid() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml");
    let out = essaim()
        .args(["--config", config, "check"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{config}: ok, 10 feeds (10 enabled)\n")
    );
}

#[test]
fn fetch_then_export_writes_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let config = cress_and_absent()
        .database("db/essaim.db")
        .write(dir.path());
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .arg("fetch")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // One missing file fails its feed and the exit status, not the other feed.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("cress-bretagne: ok, 3 items, 3 new"),
        "{stdout}"
    );
    assert!(stdout.contains("absent: FAILED: cannot read"), "{stdout}");
    assert!(stdout.contains("2 feeds, 1 ok, 1 failed"), "{stdout}");

    let out_dir = dir.path().join("public");
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .arg("export")
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["feed.rss", "feed.atom", "feed.json"] {
        let bytes = std::fs::read(out_dir.join(name)).unwrap();
        let feed = feed_rs::parser::parse(&bytes[..]).unwrap();
        assert_eq!(feed.entries.len(), 3, "{name}");
    }
    let jsonld: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("jobs.jsonld")).unwrap()).unwrap();
    assert_eq!(jsonld["@graph"].as_array().unwrap().len(), 3);
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["feed.atom", "feed.json", "feed.rss", "jobs.jsonld"]);

    // Nothing is old enough to purge yet; the report says what each kind would be.
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .arg("purge")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("0 offers expired, 0 closed or expired offers older than 90 days deleted, 0 fetch attempts older than 90 days deleted"),
        "{stdout}"
    );
}

#[test]
fn fetch_skips_held_back_feeds_and_feeds_shows_and_resets_state() {
    let dir = tempfile::tempdir().unwrap();
    let config = cress_and_absent().write(dir.path());
    let run = |args: &[&str]| {
        let out = essaim()
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), stdout)
    };
    let (code, stdout) = run(&["fetch"]);
    assert_eq!(code, Some(1), "{stdout}");

    // The failed feed backs off: a second pass leaves it alone and says why.
    let (code, stdout) = run(&["fetch"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("cress-bretagne: not modified"), "{stdout}");
    assert!(
        stdout.contains("absent: skipped: backing off after errors until ")
            && stdout.contains("`essaim fetch --feed absent` forces it"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 feeds, 1 ok, 0 failed, 1 skipped"),
        "{stdout}"
    );

    let (code, table) = run(&["feeds"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("FEED            STATE        HTTP  ERRORS  SEEN  OPEN  LAST ATTEMPT"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("absent          backing_off  -     1       -     0"),
        "{table}"
    );
    assert!(lines[1].contains("cannot read"), "{table}");
    assert!(
        lines[2].starts_with("cress-bretagne  active       -     0       3     3"),
        "{table}"
    );

    let (_, details) = run(&["feeds", "absent"]);
    assert!(
        details.contains("state                  backing_off\n"),
        "{details}"
    );
    assert!(details.contains("consecutive errors     1\n"), "{details}");

    let (code, out) = run(&["feeds", "--reset", "absent"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("absent: re-enabled"), "{out}");
    let (code, stdout) = run(&["fetch"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("absent: FAILED: cannot read"), "{stdout}");

    let (code, _) = run(&["feeds", "--reset", "inconnu"]);
    assert_ne!(code, Some(0));
}

#[test]
fn validate_reports_fields_and_problems_without_a_registry() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/partners/indeed-cooperer.xml"
    );
    let out = essaim()
        .current_dir(dir.path())
        .args(["validate", fixture, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["offers"], 3);
    assert_eq!(report["format"], "indeed");
    let problems: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}: {}", p["item"], p["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        vec![
            "null: bytes are not valid UTF-8; decoded as Windows-1252",
            "3: unknown place \"Atlantide\"",
            "3: unknown contract \"XYZ\"",
            "3: unparseable published date \"32/13/2026\"",
        ]
    );
    // Nothing was stored: validate never creates a database.
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());

    let out = essaim()
        .current_dir(dir.path())
        .args(["validate", "absent.xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.xml: cannot read"));

    // A local file is read under the body cap a fetch of it would have.
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[settings]\nmax_body_bytes = 1000\n",
    )
    .unwrap();
    let big = dir.path().join("grand.xml");
    let mut rss = String::from("<rss version=\"2.0\"><channel><title>Offres</title>");
    while rss.len() < 4000 {
        rss.push_str("<item><title>Animateur (H/F)</title><link>https://asso.fr/o/1</link></item>");
    }
    rss.push_str("</channel></rss>");
    std::fs::write(&big, rss).unwrap();
    let out = essaim()
        .current_dir(dir.path())
        .args(["validate", big.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("grand.xml: too large: the file exceeds 1000 bytes"),
        "{stderr}"
    );
}

#[test]
fn offer_prints_the_stored_posting_and_the_partners_item() {
    let dir = tempfile::tempdir().unwrap();
    let config = cress_and_absent().write(dir.path());
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .args(["fetch", "--feed", "cress-bretagne"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = essaim::store::Store::open_read_only(&dir.path().join("essaim.db")).unwrap();
    let stored = store.open_offers(10).unwrap();
    assert_eq!(stored.len(), 3);
    let job = &stored[0];
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .args(["offer", &job.id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["public_id"], job.id.as_str());
    assert_eq!(shown["offer"]["title"], job.offer.title.as_str());
    assert_eq!(shown["offer"]["feed_id"], "cress-bretagne");
    // The Atom entry as read, kept (compressed) beside the offer.
    let source = shown["source"].to_string();
    let first_word = job.offer.title_raw.split_whitespace().next().unwrap();
    assert!(source.contains(first_word), "{first_word} in {source}");

    let out = essaim()
        .arg("--config")
        .arg(&config)
        .args(["offer", "00000000-0000-0000-0000-000000000000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stored posting"));
}
