//! The one feeds.toml builder of the tests: a `[settings]` table naming the database beside
//! the file, plus the lines a test needs, and `[[feed]]` tables (a partner on a local server,
//! a file), each with the options it needs. Also the fixture partners' registry and the
//! bundled `feeds.toml` made loadable from a temporary directory.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use essaim::config::{self, Config};

/// Lets the tests reach their own servers on 127.0.0.1, and nothing else private.
pub const ALLOW_LOOPBACK: &str = "allowed_private_networks = [\"127.0.0.1/32\"]";

/// The schedule of [`FeedsToml::partner`]: every minute (cron with seconds).
pub const EVERY_MINUTE: &str = "0 * * * * *";

/// feeds.toml text, built a table at a time; `to_string()` gives the text.
#[derive(Clone, Debug)]
pub struct FeedsToml {
    database: String,
    settings: String,
    feeds: String,
}

impl Default for FeedsToml {
    fn default() -> FeedsToml {
        FeedsToml::new()
    }
}

impl FeedsToml {
    /// `[settings]` with `database = "essaim.db"` (beside the file) and no feed.
    pub fn new() -> FeedsToml {
        FeedsToml {
            database: "essaim.db".to_string(),
            settings: String::new(),
            feeds: String::new(),
        }
    }

    /// Names another database file (relative to the file's directory, or absolute).
    pub fn database(mut self, path: &str) -> FeedsToml {
        self.database = path.to_string();
        self
    }

    /// Adds `lines` (`key = value`, one or more lines) to `[settings]`.
    pub fn setting(mut self, lines: &str) -> FeedsToml {
        push_lines(&mut self.settings, lines);
        self
    }

    /// Adds a `[[feed]]` table.
    pub fn feed(mut self, id: &str, name: &str, network: &str, url: &str) -> FeedsToml {
        self.feeds.push_str(&format!(
            "\n[[feed]]\nid = {}\nname = {}\nnetwork = {}\nurl = {}\n",
            quoted(id),
            quoted(name),
            quoted(network),
            quoted(url)
        ));
        self
    }

    /// Adds a feed named "Partenaire ID" in the network "Test", fetched [`EVERY_MINUTE`].
    pub fn partner(self, id: &str, url: &str) -> FeedsToml {
        self.feed(id, &format!("Partenaire {id}"), "Test", url)
            .with(&format!("schedule = {}", quoted(EVERY_MINUTE)))
    }

    /// [`FeedsToml::partner`] for each (id, url).
    pub fn partners<U: AsRef<str>>(self, feeds: &[(&str, U)]) -> FeedsToml {
        feeds
            .iter()
            .fold(self, |toml, (id, url)| toml.partner(id, url.as_ref()))
    }

    /// Adds `lines` to the last feed's table (`format`, `schedule`, a `[feed.mapping]`...).
    pub fn with(mut self, lines: &str) -> FeedsToml {
        assert!(!self.feeds.is_empty(), "no [[feed]] to add {lines:?} to");
        push_lines(&mut self.feeds, lines);
        self
    }

    /// The `[[feed]]` tables alone, to append to another registry (the bundled one).
    pub fn feeds(&self) -> &str {
        &self.feeds
    }

    /// Writes the text as `dir/feeds.toml`; returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        write_config(dir, &self.to_string())
    }

    /// Writes the text as `dir/feeds.toml` and loads it.
    pub fn load(&self, dir: &Path) -> Arc<Config> {
        load_config(dir, &self.to_string())
    }

    /// The text read as if it were the file at `path`, without writing it (for a store in
    /// memory, or a command given a file that does not exist).
    pub fn parse(&self, path: &Path) -> Config {
        config::parse(&self.to_string(), path).unwrap()
    }
}

impl fmt::Display for FeedsToml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[settings]\ndatabase = {}\n{}{}",
            quoted(&self.database),
            self.settings,
            self.feeds
        )
    }
}

/// Appends `lines` to `text` as they are, ending with a line break (nothing for an empty
/// string).
fn push_lines(text: &mut String, lines: &str) {
    if !lines.is_empty() {
        text.push_str(lines);
        if !lines.ends_with('\n') {
            text.push('\n');
        }
    }
}

/// `text` as a TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `text` as `dir/feeds.toml` and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes `text` as `dir/feeds.toml` and loads it.
pub fn load_config(dir: &Path, text: &str) -> Arc<Config> {
    Arc::new(config::load(&write_config(dir, text)).unwrap())
}

/// The registry of the fetch tests: a `contact_url` (sent in the User-Agent), `settings` lines,
/// and one [`FeedsToml::partner`] per (id, url), every minute.
pub fn fetch_registry<U: AsRef<str>>(settings: &str, feeds: &[(&str, U)]) -> FeedsToml {
    FeedsToml::new()
        .setting("contact_url = \"https://emplois.example.org/contact\"")
        .setting(settings)
        .partners(feeds)
}

/// The fixture partners served by [`super::partner_server`] at `addr`, on a server listening on
/// 127.0.0.1:0; `allow_private` lets their URLs reach the loopback address.
pub fn fixture_partners(addr: SocketAddr, allow_private: bool) -> FeedsToml {
    let base = format!("http://{addr}/partners");
    FeedsToml::new()
        .setting("listen = \"127.0.0.1:0\"")
        .setting(&format!("allow_private_addresses = {allow_private}"))
        .feed(
            "rs-rhone",
            "Ressources solidaires, Rhône",
            "Ressources solidaires",
            &format!("{base}/ressources-solidaires-rhone.xml"),
        )
        .feed(
            "restos-marne",
            "Restos du Cœur, Marne",
            "Restos du Cœur",
            &format!("{base}/wp-restos-marne.xml"),
        )
        .feed(
            "cress-bretagne",
            "CRESS Bretagne",
            "CRESS",
            &format!("{base}/cress-bretagne.atom"),
        )
        .feed(
            "mutualite-francaise",
            "Mutualité Française",
            "Mutualité Française",
            &format!("{base}/mutualite-francaise.json"),
        )
        .feed(
            "ess-finistere",
            "Réseau ESS Finistère",
            "CRESS",
            &format!("{base}/reseau-ess-finistere.rdf"),
        )
}

/// The bundled `feeds.toml` (every fixture partner, read from its file), its fixture paths
/// made absolute so that it can be loaded from another directory, beside a fresh database.
pub fn bundled_feeds_toml() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let bundled = std::fs::read_to_string(format!("{root}/feeds.toml")).unwrap();
    assert!(bundled.contains("database = \"essaim.db\""));
    bundled.replace("url = \"fixtures/", &format!("url = \"{root}/fixtures/"))
}
