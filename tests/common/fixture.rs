//! The one store fixture of the tests: a configuration's database holding its feeds, and a
//! pipeline deciding with an injected clock (`Clock::tokio_from`, never the machine's date):
//! what a test sets up before it fetches, and opens again to play a restart.

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use essaim::clock::Clock;
use essaim::config::Config;
use essaim::model::FeedStatus;
use essaim::pipeline::{FeedReport, Outcome, Pipeline};
use essaim::store::Store;

use super::feeds_toml::load_config;

/// A store holding the configured feeds and a pipeline over it.
pub struct Fixture {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    pub pipeline: Arc<Pipeline>,
}

impl Fixture {
    /// The database `config` names, holding its feeds, and a pipeline deciding with `clock`.
    pub fn new(config: Arc<Config>, clock: Clock) -> Fixture {
        let store = Arc::new(store_with_feeds(&config));
        let pipeline =
            Arc::new(Pipeline::with_clock(Arc::clone(&config), Arc::clone(&store), clock).unwrap());
        Fixture {
            config,
            store,
            pipeline,
        }
    }

    /// `text` written as `dir/feeds.toml` and loaded, then [`Fixture::new`].
    pub fn load(dir: &Path, text: &str, clock: Clock) -> Fixture {
        Fixture::new(load_config(dir, text), clock)
    }

    /// The configuration file (what the `essaim` command is given).
    pub fn path(&self) -> &Path {
        &self.config.path
    }

    /// A restart: the same configuration, its database opened again (while this one is still
    /// open, as a new process would), a new pipeline deciding with `clock`.
    pub fn reopen(&self, clock: Clock) -> Fixture {
        Fixture::new(Arc::clone(&self.config), clock)
    }

    /// Refreshes the feed `id` now, whatever its state; its one report.
    pub async fn refresh(&self, id: &str) -> FeedReport {
        let mut reports = self.pipeline.refresh_many(&[id.to_string()]).await;
        assert_eq!(reports.len(), 1);
        reports.remove(0)
    }

    /// The feed `id` as `essaim feeds` shows it.
    pub fn status(&self, id: &str) -> FeedStatus {
        self.store
            .feed_statuses()
            .unwrap()
            .into_iter()
            .find(|f| f.id == id)
            .unwrap()
    }
}

impl Fixture {
    /// The feed's offers by status: (open, closed).
    pub fn offers(&self, id: &str) -> (usize, usize) {
        let marks = self.store.offer_marks(id).unwrap();
        let open = marks.iter().filter(|m| m.status == "open").count();
        (open, marks.len() - open)
    }

    /// The outcome of each recorded attempt of the feed, oldest first.
    pub fn outcomes(&self, id: &str) -> Vec<String> {
        self.store
            .attempts(id)
            .unwrap()
            .into_iter()
            .map(|(o, _)| o)
            .collect()
    }

    /// Seconds from the feed's last attempt to its next planned fetch.
    pub fn wait_planned(&self, id: &str) -> i64 {
        let s = self.status(id);
        (instant(&s.next_fetch_at) - instant(&s.last_attempt_at)).num_seconds()
    }
}

/// A time as the store shows it (RFC 3339), read back.
pub fn instant(t: &Option<DateTime<Utc>>) -> DateTime<Utc> {
    t.expect("a recorded time")
}

/// A [`Fixture`] whose feeds.toml and database are in a temporary directory of its own,
/// removed when it is dropped.
pub struct FixtureDir {
    pub dir: tempfile::TempDir,
    pub fx: Fixture,
}

impl FixtureDir {
    /// `text` written as feeds.toml in a new temporary directory, then [`Fixture::load`].
    pub fn load(text: &str, clock: Clock) -> FixtureDir {
        let dir = tempfile::tempdir().unwrap();
        let fx = Fixture::load(dir.path(), text, clock);
        FixtureDir { dir, fx }
    }

    /// The file feed `big` (`big.xml` in the directory, RSS), closing an offer as soon as one
    /// fetch lacks it: the large feeds' tests write `big.xml` themselves.
    pub fn big_feed() -> FixtureDir {
        let text = super::FeedsToml::new()
            .setting("close_after_missed_fetches = 1")
            .partner("big", "big.xml")
            .with("format = \"rss\"")
            .to_string();
        FixtureDir::load(&text, super::fixture_clock())
    }

    /// A restart ([`Fixture::reopen`]); the old store and pipeline are dropped once the new
    /// ones are open.
    pub fn reopen(self, clock: Clock) -> FixtureDir {
        let FixtureDir { dir, fx } = self;
        let restarted = fx.reopen(clock);
        drop(fx);
        FixtureDir { dir, fx: restarted }
    }
}

impl Deref for FixtureDir {
    type Target = Fixture;

    fn deref(&self) -> &Fixture {
        &self.fx
    }
}

/// The error of a failed fetch; panics on any other outcome.
pub fn failure(r: &FeedReport) -> &str {
    match &r.outcome {
        Outcome::Failed(e) => e,
        other => panic!("{}: expected a failure, got {other:?}", r.feed_id),
    }
}

/// Asserts that the fetch succeeded with `new` new offers.
pub fn assert_updated(r: &FeedReport, new: usize) {
    match &r.outcome {
        Outcome::Updated(s) => assert_eq!(s.new, new, "{}", r.feed_id),
        other => panic!("{}: {other:?}", r.feed_id),
    }
}

/// The database `config` names, opened (created and migrated when new) and holding its feeds.
pub fn store_with_feeds(config: &Config) -> Store {
    let store = Store::open(&config.settings.database).unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    store
}

/// A store in memory holding `config`'s feeds.
pub fn memory_store_with_feeds(config: &Config) -> Store {
    let store = Store::open_in_memory().unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    store
}
