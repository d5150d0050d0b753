//! Unit tests of feeds.toml validation: every problem reported at once, with its position.

#![allow(clippy::unwrap_used)]

use super::*;

fn errors(text: &str) -> String {
    parse(text, Path::new("conf/feeds.toml"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

const GOOD: &str = r#"
[settings]
database = "data/essaim.db"
listen = "0.0.0.0:9000"
default_schedule = "0 */15 * * * *"

[[feed]]
id = "rs-rhone"
name = "Ressources solidaires, Rhône"
network = "Ressources solidaires"
url = "https://www.ressources-solidaires.org/rss.xml"

[[feed]]
id = "local"
name = "Fichier local"
network = "Test"
url = "fixtures/partners/a.xml"
format = "rss"
schedule = "0 0 * * * *"
enabled = false
"#;

#[test]
fn valid_file_is_resolved_relative_to_itself() {
    let c = parse(GOOD, Path::new("conf/feeds.toml")).unwrap();
    assert_eq!(c.settings.database, Path::new("conf/data/essaim.db"));
    assert_eq!(c.settings.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(c.feeds.len(), 2);
    assert_eq!(c.feeds[0].schedule.text, "0 */15 * * * *");
    assert!(
        matches!(&c.feeds[0].source, FeedSource::Http(u) if u.host_str() == Some("www.ressources-solidaires.org"))
    );
    assert_eq!(
        c.feeds[1].source,
        FeedSource::File(PathBuf::from("conf/fixtures/partners/a.xml"))
    );
    assert_eq!(c.feeds[1].format, Format::Rss);
    assert!(!c.feeds[1].enabled);
    assert_eq!(c.settings.max_body_bytes, 16 * 1024 * 1024);
}

#[test]
fn unknown_key_names_line_and_key() {
    let e = errors("[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"x.xml\"\nsheduel = \"0 * * * * *\"\n");
    assert!(e.starts_with("conf/feeds.toml:6:1:"), "{e}");
    assert!(e.contains("sheduel"), "{e}");
}

#[test]
fn duplicate_ids_bad_cron_and_bad_url_are_all_reported_with_lines() {
    let text = r#"[[feed]]
id = "a"
name = "A"
network = "N"
url = "https://a.example/rss"

[[feed]]
id = "a"
name = "A bis"
network = "N"
url = "ftp://a.example/rss"
schedule = "every hour"
"#;
    let e = errors(text);
    assert!(
        e.contains("conf/feeds.toml:8:6: feed id \"a\" is used twice"),
        "{e}"
    );
    assert!(
            e.contains("conf/feeds.toml:11:7: feed \"a\": url \"ftp://a.example/rss\": scheme \"ftp\" is not supported"),
            "{e}"
        );
    assert!(
        e.contains("conf/feeds.toml:12:12: feed \"a\": bad cron expression \"every hour\""),
        "{e}"
    );
}

#[test]
fn every_unknown_key_and_wrong_type_is_reported_at_once() {
    let text = r#"[settings]
database = "essaim.db"
listn = "127.0.0.1:8080"
max_body_bytes = "16 Mo"
retention_days = -3
allowed_private_networks = ["10.0.0.0/8", 12]
max_connections = 256

[[feed]]
id = "a"
name = "A"
network = "N"
url = "https://a.example/rss"
colour = "rouge"

[[feed]]
id = "b"
name = "B"
url = "https://b.example/rss"
enabled = "oui"

[extra]
x = 1
"#;
    let e = errors(text);
    for want in [
            "conf/feeds.toml:3:1: settings: unknown key `listn`; known keys: database, listen,",
            "conf/feeds.toml:4:18: settings.max_body_bytes: expected a whole number from 0 to 18446744073709551615, found a string",
            "conf/feeds.toml:5:18: settings.retention_days: expected a whole number from 0 to 4294967295, found the number -3",
            "conf/feeds.toml:6:28: settings.allowed_private_networks: expected a list of strings, found an array",
            "conf/feeds.toml:14:1: feed \"a\": unknown key `colour`; known keys: id, name, network, url,",
            "conf/feeds.toml:20:11: feed \"b\": enabled: expected true or false, found a string",
            "feed \"b\": missing key `network`",
            "conf/feeds.toml:22:2: unknown key `extra`; the file holds [settings] and [[feed]] tables",
        ] {
            assert!(e.contains(want), "{want}\nnot in:\n{e}");
        }
    assert_eq!(e.lines().count(), 8, "{e}");
    // A file whose shape is right is still checked value by value, all problems at once.
    let e = errors("[settings]\nmax_connections = 0\n\n[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"https://a.example/rss\"\nschedule = \"0 0 24 * * *\"\n");
    assert!(
        e.contains(":2:19: settings.max_connections must be above 0"),
        "{e}"
    );
    assert!(e.contains("hour 24 is out of range 0-23"), "{e}");
}

#[test]
fn cron_mistakes_are_named_in_words() {
    for (cron, want) in [
        ("0 0 24 * * *", "hour 24 is out of range 0-23"),
        ("0 61 * * * *", "minute 61 is out of range 0-59"),
        ("0 0 8 0 * *", "day of month 0 is out of range 1-31"),
        ("0 0 8 * 13 *", "month 13 is out of range 1-12"),
        ("0 0 8-25 * * *", "hour 25 is out of range 0-23"),
        ("0 */30 * * *", "it has 5 fields, six are needed"),
        ("every hour", "it has 2 fields, six are needed"),
        (
            "0 0 8 * * lundi",
            "the day of week field \"lundi\" is not understood",
        ),
    ] {
        let e = Schedule::parse(cron).unwrap_err();
        assert!(e.contains(want), "{cron}: {e}");
        assert!(!e.contains('^') && !e.contains("less than"), "{cron}: {e}");
    }
    assert!(Schedule::parse("0 0 23 * * *").is_ok());
}

#[test]
fn bad_ids_and_formats_are_refused() {
    let e = errors("[[feed]]\nid = \"RS Rhône\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\nformat = \"csv\"\n");
    assert!(
        e.contains(":2:6: feed id \"RS Rhône\": use only lowercase"),
        "{e}"
    );
    assert!(
        e.contains(":6:10: feed \"RS Rhône\": unknown format \"csv\""),
        "{e}"
    );
}

#[test]
fn bad_settings_are_refused() {
    let e = errors(
        "[settings]\nlisten = \"localhost\"\ndefault_schedule = \"* *\"\nmax_body_bytes = 0\n",
    );
    assert!(e.contains(":2:10: settings.listen"), "{e}");
    assert!(
        e.contains(":3:20: settings.default_schedule: bad cron"),
        "{e}"
    );
    assert!(
        e.contains(":4:18: settings.max_body_bytes must be above 0"),
        "{e}"
    );
}

#[test]
fn politeness_settings_have_defaults_and_are_validated() {
    let c = parse(GOOD, Path::new("conf/feeds.toml")).unwrap();
    assert_eq!(c.settings.max_concurrent_fetches, 8);
    assert_eq!(c.settings.max_concurrent_per_host, 2);
    assert_eq!(c.settings.max_delay, Duration::from_secs(86400));
    assert_eq!(c.settings.shutdown_deadline, Duration::from_secs(10));
    assert!(c.settings.allowed_private_networks.is_empty());

    let c = parse(
            "[settings]\nmax_concurrent_per_host = 1\nmax_delay_secs = 3600\nshutdown_deadline_secs = 3\nallowed_private_networks = [\"10.1.2.3/16\", \"127.0.0.1\", \"fd00::/8\"]\n",
            Path::new("feeds.toml"),
        )
        .unwrap();
    assert_eq!(c.settings.max_concurrent_per_host, 1);
    assert_eq!(c.settings.max_delay, Duration::from_secs(3600));
    assert_eq!(c.settings.shutdown_deadline, Duration::from_secs(3));
    let nets: Vec<String> = c
        .settings
        .allowed_private_networks
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(nets, ["10.1.0.0/16", "127.0.0.1/32", "fd00::/8"]);

    let e = errors(
            "[settings]\nallowed_private_networks = [\"10.0.0.0/8\", \"intranet\", \"10.0.0.0/33\"]\nmax_concurrent_per_host = 0\n",
        );
    assert!(
            e.contains(":2:43: settings.allowed_private_networks: \"intranet\" is not a network in CIDR notation"),
            "{e}"
        );
    assert!(e.contains("\"10.0.0.0/33\" is not a network"), "{e}");
    assert!(
        e.contains(":3:27: settings.max_concurrent_per_host must be above 0"),
        "{e}"
    );
}

#[test]
fn syntax_error_has_a_position() {
    let e = errors("[[feed]\nid = 1\n");
    assert!(e.starts_with("conf/feeds.toml:1:"), "{e}");
}

#[test]
fn http_url_without_host_is_refused() {
    let e = errors("[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"https://\"\n");
    assert!(e.contains("feed \"a\""), "{e}");
}

#[test]
fn partner_ids_and_the_operator_hash_are_checked() {
    let e = errors("[[feed]]\nid = \"partner-1\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"https://a.example/rss\"\n");
    assert!(
        e.contains("feed id \"partner-1\": ids starting with \"partner-\" are those of partners' registered feeds"),
        "{e}"
    );
    let e = errors("[settings]\nadmin_token_sha256 = \"motdepasse\"\n");
    assert!(
        e.contains(":2:22: settings.admin_token_sha256: not a SHA-256 in hex"),
        "{e}"
    );
    let hash = crate::secret::hash("essaim_admin_x");
    let c = parse(
        &format!(
            "[settings]\nadmin_token_sha256 = \"{}\"\n",
            hash.to_uppercase()
        ),
        Path::new("feeds.toml"),
    )
    .unwrap();
    assert_eq!(c.settings.admin_token_sha256, Some(hash));
}

#[test]
fn a_registration_is_polled_under_the_settings_rules() {
    use crate::model::{Registration, RegistrationState};
    let c = parse(
        "[settings]\ndefault_schedule = \"0 0 * * * *\"\nallow_private_addresses = true\n",
        Path::new("feeds.toml"),
    )
    .unwrap();
    let at: chrono::DateTime<chrono::Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
    let mut r = Registration {
        id: 7,
        feed_id: Registration::feed_id_of(7),
        network: "Cress Bretagne".into(),
        name: "Offres de la Cress".into(),
        url: "https://cress-bretagne.example/offres.xml".into(),
        format: Some("xml".into()),
        mapping: None,
        state: RegistrationState::Approved,
        report: None,
        created_at: at,
        checked_at: at,
        decided_at: Some(at),
        reason: None,
        change: None,
    };
    let e = c.partner_feed(&r).unwrap_err();
    assert!(e.contains("needs a mapping"), "{e}");
    let mapping =
        serde_json::json!({"items": "offres/offre", "title": "intitule", "location": "ville"});
    r.mapping = mapping.as_object().cloned();
    let feed = c.partner_feed(&r).unwrap();
    assert_eq!(feed.id, "partner-7");
    assert_eq!(feed.origin, crate::model::FeedOrigin::Partner);
    assert_eq!(feed.schedule.text, "0 0 * * * *");
    assert!(
        !feed.allow_private,
        "a partner never opens private addresses for itself"
    );
    assert_eq!(
        feed.mapping.as_ref().map(|m| m.items.as_str()),
        Some("offres/offre")
    );
    r.mapping = serde_json::json!({"items": "offres/offre", "salaire": "x"})
        .as_object()
        .cloned();
    let e = c.partner_feed(&r).unwrap_err();
    assert!(e.starts_with("mapping: "), "{e}");
    r.url = "file:///etc/passwd".into();
    assert!(c
        .partner_feed(&r)
        .unwrap_err()
        .contains("must be http or https"));
}

/// `trusted_proxies` takes addresses and networks, none by default; an entry that is neither
/// is named with its place, and a list of something else is a wrong type.
#[test]
fn trusted_proxies_are_addresses_or_networks() {
    let c = parse(GOOD, Path::new("conf/feeds.toml")).unwrap();
    assert!(c.settings.trusted_proxies.is_empty());

    let c = parse(
        "[settings]\ntrusted_proxies = [\"127.0.0.1\", \"::1\", \"10.0.0.0/8\", \"192.168.1.7/24\"]\n",
        Path::new("feeds.toml"),
    )
    .unwrap();
    let nets: Vec<String> = c
        .settings
        .trusted_proxies
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        nets,
        ["127.0.0.1/32", "::1/128", "10.0.0.0/8", "192.168.1.0/24"]
    );

    let e = errors(
        "[settings]\ntrusted_proxies = [\"127.0.0.1\", \"nginx.local\", \"10.0.0.0/40\", \"*\"]\n",
    );
    assert!(
        e.contains(
            "conf/feeds.toml:2:33: settings.trusted_proxies: \"nginx.local\" is not an address or a network in CIDR notation such as \"127.0.0.1\", \"::1\" or \"10.0.0.0/8\""
        ),
        "{e}"
    );
    assert!(
        e.contains(":2:48: settings.trusted_proxies: \"10.0.0.0/40\" is not an address"),
        "{e}"
    );
    assert!(
        e.contains(":2:63: settings.trusted_proxies: \"*\" is not an address"),
        "{e}"
    );
    assert!(!e.contains("127.0.0.1\" is not"), "{e}");

    let e = errors("[settings]\ntrusted_proxies = \"127.0.0.1\"\n");
    assert!(
        e.contains(":2:19: settings.trusted_proxies: expected a list of strings"),
        "{e}"
    );
}
