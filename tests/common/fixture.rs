//! The one store fixture of the tests: a configuration's database holding its feeds, and a
//! pipeline deciding with an injected clock (`Clock::tokio_from`, never the machine's date):
//! what a test sets up before it fetches, and opens again to play a restart.

use std::path::Path;
use std::sync::Arc;

use essaim::clock::Clock;
use essaim::config::Config;
use essaim::pipeline::{FeedReport, Pipeline};
use essaim::store::{FeedStatus, Store};

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
