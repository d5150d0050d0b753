//! `essaim run`: the daemon. The scheduler, the daily purge and the web server side by side
//! until SIGINT or SIGTERM, then each given the shutdown deadline. SIGHUP reads feeds.toml
//! again ([`Reloader`]); systemd is notified of readiness, liveness and stopping
//! ([`super::notify`]).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::sync::{mpsc, oneshot, watch, Notify};

use super::notify::{self, Notifier};
use super::SHUTDOWN_GRACE;
use essaim::clock::Clock;
use essaim::config::{self, Config, FeedConfig, Settings};
use essaim::model::FeedOrigin;
use essaim::pipeline::Pipeline;
use essaim::registry::Approved;
use essaim::scheduler::Control;
use essaim::store::{Shared, Store, StoreError};
use essaim::web;

/// Runs the daemon until SIGINT or SIGTERM (see the module doc).
pub async fn run(config: Config, store: Arc<Store>, clock: Clock) -> anyhow::Result<ExitCode> {
    let notifier = Arc::new(Notifier::from_env());
    // Caught from now on: SIGHUP's default action ends the process, and systemd may send it
    // as soon as READY=1 is out.
    let mut hangups = hangups();
    let mut reloader = Reloader::new(&config, Arc::clone(&store));
    let listen = config.settings.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (settings.listen)"))?;
    tracing::info!(message = "Listening.", address = %listen);
    let base_url = config.base_url();
    let max_age = config.settings.cache_max_age_secs;
    let answer_cache_bytes = config.settings.answer_cache_bytes;
    let retention_days = config.settings.retention_days;
    let metrics_from = config.settings.metrics_from.clone();
    let trusted_proxies = config.settings.trusted_proxies.clone();
    let limits = web::Limits {
        max_connections: config
            .settings
            .max_connections
            .unwrap_or_else(web::Limits::connections_for_file_limit),
        header_timeout: config.settings.header_timeout,
        idle_timeout: config.settings.idle_timeout,
    };
    let deadline = config.settings.shutdown_deadline;
    let config = Arc::new(config);
    let web_config = Arc::clone(&config);
    let pipeline = Arc::new(Pipeline::with_clock(config, Arc::clone(&store), clock)?);
    // Partners' checks draw on the body budget of the daemon's fetches.
    let fetcher = pipeline.fetcher().clone();
    let (stop_tx, stop_rx) = watch::channel(false);
    let (control, orders) = mpsc::channel(16);
    let registry_changed = Arc::new(Notify::new());
    let scheduler = tokio::spawn(essaim::scheduler::run_controlled(
        pipeline,
        stop_rx.clone(),
        Some(orders),
    ));
    let purger = tokio::spawn(essaim::purge::run_daily(
        Arc::clone(&store),
        retention_days,
        clock,
        stop_rx.clone(),
    ));
    let mut web_stop = stop_rx;
    let server = tokio::spawn(web::serve(
        listener,
        web::AppState::new(store, base_url)
            .with_max_age(max_age)
            .with_answer_cache_bytes(answer_cache_bytes)
            .with_clock(clock)
            .with_limits(limits)
            .with_metrics_from(metrics_from)
            .with_trusted_proxies(trusted_proxies)
            .with_config(web_config)
            .with_fetcher(&fetcher)
            .with_control(control.clone())
            .with_registry_changed(Arc::clone(&registry_changed)),
        async move {
            let _ = web_stop.wait_for(|stop| *stop).await;
        },
    ));
    notifier.send("READY=1\nSTATUS=Serving and fetching.");
    let watchdog = notify::watchdog_interval()
        .filter(|_| notifier.enabled())
        .map(|every| tokio::spawn(watchdog(every, control.clone(), Arc::clone(&notifier))));
    // One listener for the whole run, so that a signal during a reload is not missed.
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    // Registrations approved with `essaim feeds approve` (another process) are noticed at the
    // next look; those approved on /admin at once.
    let mut partners_look = tokio::time::interval(PARTNERS_LOOK);
    partners_look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let partners = async {
            tokio::select! {
                _ = partners_look.tick() => {}
                _ = registry_changed.notified() => {}
            }
        };
        tokio::select! {
            _ = &mut shutdown => break,
            () = partners => {
                if let Some(feeds) = reloader.partners_changed().await {
                    if control.send(Control::Reload(feeds)).await.is_err() {
                        tracing::warn!(message = "The scheduler is not running; the partners' feeds are not scheduled.");
                    }
                }
            }
            Some(()) = hangups.recv() => {
                if let Some(feeds) = reloader.reload().await {
                    let count = feeds.len();
                    if control.send(Control::Reload(feeds)).await.is_err() {
                        tracing::warn!(message = "The scheduler is not running; the reloaded feeds are not scheduled.");
                    }
                    notifier.send(&format!("STATUS=Serving and fetching; feeds.toml reloaded ({count} feeds)."));
                } else {
                    notifier.send("STATUS=Serving and fetching; the last reload of feeds.toml was refused (see the log).");
                }
            }
        }
    }
    tracing::info!(message = "Shutting down.");
    notifier.send("STOPPING=1");
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    let _ = stop_tx.send(true);
    // The scheduler gives fetches in flight the deadline; the web server and the purge get
    // the same, and what is still running after it is left (the process exits: a transaction
    // not committed is rolled back by SQLite).
    let stopping = async {
        let _ = scheduler.await;
        let _ = purger.await;
        server.await
    };
    match tokio::time::timeout(deadline + SHUTDOWN_GRACE, stopping).await {
        Ok(Ok(Ok(()))) => Ok(ExitCode::SUCCESS),
        Ok(Ok(Err(e))) => Err(e.into()),
        Ok(Err(e)) => bail!("web server task failed: {e}"),
        Err(_) => {
            tracing::warn!(
                message = "Shutdown deadline passed; exiting without waiting further (the web server's open connections or the purge were still running).",
                deadline_secs = deadline.as_secs()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// How often the daemon looks whether the approved registrations changed.
const PARTNERS_LOOK: Duration = Duration::from_secs(30);

/// Sends `WATCHDOG=1` every `every` (half of systemd's `WatchdogSec`) while the scheduler
/// answers: a scheduler stuck or gone leaves systemd to restart the service.
async fn watchdog(every: Duration, control: mpsc::Sender<Control>, notifier: Arc<Notifier>) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (answer, answered) = oneshot::channel();
        if control.send(Control::Alive(answer)).await.is_err() {
            tracing::error!(
                message = "The scheduler stopped; systemd's watchdog is no longer fed."
            );
            return;
        }
        match tokio::time::timeout(every, answered).await {
            Ok(Ok(())) => notifier.send("WATCHDOG=1"),
            Ok(Err(_)) => {
                tracing::error!(
                    message = "The scheduler stopped; systemd's watchdog is no longer fed."
                );
                return;
            }
            Err(_) => tracing::warn!(
                message = "The scheduler did not answer the watchdog in time.",
                waited_ms = every.as_millis() as u64
            ),
        }
    }
}

/// SIGHUPs, one message each (none where there is no such signal).
fn hangups() -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel(1);
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut s) => {
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    if tx.send(()).await.is_err() {
                        return;
                    }
                }
            });
        }
        Err(e) => {
            tracing::warn!(message = "Cannot catch SIGHUP; reloading feeds.toml needs a restart.", error = %e)
        }
    }
    #[cfg(not(unix))]
    drop(tx);
    rx
}

/// Reads feeds.toml again on SIGHUP, and the partners' approved registrations when they may
/// have changed. A file with errors is refused, every reason logged, and the running
/// configuration kept; otherwise the store holds the new feeds (feeds.toml's, then the
/// approved partners') and the scheduler gets them. Settings are read at start only: one that
/// changed is logged as needing a restart (`default_schedule` excepted, which reaches the
/// feeds that use it).
pub struct Reloader {
    path: PathBuf,
    /// The settings in effect: those of the start.
    settings: Settings,
    /// The last configuration read from the file (its feeds are feeds.toml's only).
    config: Arc<Config>,
    /// The approved registrations the scheduler has.
    approved: Option<Approved>,
    store: Shared,
}

impl Reloader {
    pub fn new(config: &Config, store: Arc<Store>) -> Reloader {
        let mut own = config.clone();
        own.feeds.retain(|f| f.origin == FeedOrigin::Config);
        // What the running feeds were made of (`None`: unreadable, so read again at the
        // first look).
        let approved = essaim::registry::partner_feeds(&own, &store)
            .ok()
            .map(|(_, _, approved)| approved);
        Reloader {
            path: config.path.clone(),
            settings: config.settings.clone(),
            config: Arc::new(own),
            approved,
            store: Shared::new(store),
        }
    }

    /// The feeds now configured (enabled or not), or `None` when the file was refused.
    pub async fn reload(&mut self) -> Option<Vec<FeedConfig>> {
        let path = self.path.display().to_string();
        tracing::info!(message = "Reloading the configuration (SIGHUP).", path = %path);
        let config = match config::load(&self.path).and_then(config::with_environment) {
            Ok(config) => config,
            Err(e) => {
                tracing::error!(
                    message = "Configuration reload refused; the running configuration is kept.",
                    path = %path,
                    reason = %e
                );
                return None;
            }
        };
        for setting in needing_restart(&self.settings, &config.settings) {
            tracing::warn!(
                message = "A changed setting needs a restart to apply; the running value is kept until then.",
                setting
            );
        }
        match self.sync(Arc::new(config)).await {
            Ok(feeds) => Some(feeds),
            Err(e) => {
                tracing::error!(
                    message = "Configuration reload refused: the database could not record the feeds; the running configuration is kept.",
                    path = %path,
                    reason = %e
                );
                None
            }
        }
    }

    /// The feeds, when the approved registrations changed since the scheduler last got them
    /// (an operator approved, rejected or a partner withdrew one); None when nothing changed.
    pub async fn partners_changed(&mut self) -> Option<Vec<FeedConfig>> {
        let config = Arc::clone(&self.config);
        let read = self
            .store
            .run(move |s| essaim::registry::partner_feeds(&config, s))
            .await;
        let approved = match read {
            Ok((_, _, approved)) => approved,
            Err(e) => {
                tracing::warn!(message = "Could not read the partners' registrations.", error = %e);
                return None;
            }
        };
        if self.approved.as_ref() == Some(&approved) {
            return None;
        }
        match self.sync(Arc::clone(&self.config)).await {
            Ok(feeds) => Some(feeds),
            Err(e) => {
                tracing::error!(message = "The partners' feeds could not be recorded; the running ones are kept.", error = %e);
                None
            }
        }
    }

    /// Makes `config`'s feeds and the approved registrations the store's feeds, and returns
    /// them; `config` becomes the one in effect.
    async fn sync(&mut self, config: Arc<Config>) -> Result<Vec<FeedConfig>, StoreError> {
        let read = Arc::clone(&config);
        let (feeds, approved) = self
            .store
            .run(move |s| {
                let (feeds, approved) = essaim::registry::all_feeds(&read, s)?;
                s.sync_feeds(&feeds)?;
                Ok((feeds, approved))
            })
            .await?;
        self.config = config;
        self.approved = Some(approved);
        Ok(feeds)
    }
}

/// The settings (as feeds.toml names them) that differ between `running` and `read`, all
/// read at start only. Every field is named, so that a new setting must be classed here.
fn needing_restart(running: &Settings, read: &Settings) -> Vec<&'static str> {
    let Settings {
        database,
        listen,
        default_schedule: _, // reaches each feed that uses it
        contact_url,
        public_url,
        allow_private_addresses,
        allowed_private_networks,
        max_body_bytes,
        connect_timeout,
        request_timeout,
        max_concurrent_fetches,
        max_concurrent_per_host,
        max_delay,
        shutdown_deadline,
        close_after_missed_fetches,
        cache_max_age_secs,
        answer_cache_bytes,
        retention_days,
        max_connections,
        header_timeout,
        idle_timeout,
        metrics_from,
        trusted_proxies,
        admin_token_sha256,
    } = running;
    let changes = [
        ("database", *database != read.database),
        ("listen", *listen != read.listen),
        ("contact_url", *contact_url != read.contact_url),
        ("public_url", *public_url != read.public_url),
        (
            "allow_private_addresses",
            *allow_private_addresses != read.allow_private_addresses,
        ),
        (
            "allowed_private_networks",
            *allowed_private_networks != read.allowed_private_networks,
        ),
        ("max_body_bytes", *max_body_bytes != read.max_body_bytes),
        ("metrics_from", *metrics_from != read.metrics_from),
        ("trusted_proxies", *trusted_proxies != read.trusted_proxies),
        (
            "admin_token_sha256",
            *admin_token_sha256 != read.admin_token_sha256,
        ),
        (
            "connect_timeout_secs",
            *connect_timeout != read.connect_timeout,
        ),
        (
            "request_timeout_secs",
            *request_timeout != read.request_timeout,
        ),
        (
            "max_concurrent_fetches",
            *max_concurrent_fetches != read.max_concurrent_fetches,
        ),
        (
            "max_concurrent_per_host",
            *max_concurrent_per_host != read.max_concurrent_per_host,
        ),
        ("max_delay_secs", *max_delay != read.max_delay),
        (
            "shutdown_deadline_secs",
            *shutdown_deadline != read.shutdown_deadline,
        ),
        (
            "close_after_missed_fetches",
            *close_after_missed_fetches != read.close_after_missed_fetches,
        ),
        (
            "cache_max_age_secs",
            *cache_max_age_secs != read.cache_max_age_secs,
        ),
        (
            "answer_cache_mib",
            *answer_cache_bytes != read.answer_cache_bytes,
        ),
        ("retention_days", *retention_days != read.retention_days),
        ("max_connections", *max_connections != read.max_connections),
        (
            "header_timeout_secs",
            *header_timeout != read.header_timeout,
        ),
        ("idle_timeout_secs", *idle_timeout != read.idle_timeout),
    ];
    changes
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn registry(listen: &str, feeds: &[&str]) -> String {
        let mut text = format!("[settings]\ndatabase = \"essaim.db\"\nlisten = \"{listen}\"\n");
        for id in feeds {
            text.push_str(&format!(
                "\n[[feed]]\nid = \"{id}\"\nname = \"{id}\"\nnetwork = \"Test\"\nurl = \"{id}.xml\"\n"
            ));
        }
        text
    }

    fn configured(store: &Store) -> Vec<String> {
        // Feeds in feeds.toml, sorted by id.
        store
            .feed_statuses()
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect()
    }

    #[tokio::test]
    async fn an_invalid_file_is_refused_and_a_valid_one_replaces_the_feeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, registry("127.0.0.1:8080", &["a", "b"])).unwrap();
        let config = config::load(&path).unwrap();
        let store = Arc::new(Store::open(&config.settings.database).unwrap());
        store.sync_feeds(&config.feeds).unwrap();
        let mut reloader = Reloader::new(&config, Arc::clone(&store));

        // A cron mistake: refused, the store's feeds as they were.
        std::fs::write(
            &path,
            registry("127.0.0.1:8080", &["a", "c"]) + "schedule = \"tous les jours\"\n",
        )
        .unwrap();
        assert!(reloader.reload().await.is_none());
        assert_eq!(configured(&store), ["a", "b"]);
        // A file that went away: refused too.
        std::fs::remove_file(&path).unwrap();
        assert!(reloader.reload().await.is_none());
        assert_eq!(configured(&store), ["a", "b"]);

        std::fs::write(&path, registry("127.0.0.1:8080", &["a", "c"])).unwrap();
        let feeds = reloader.reload().await.unwrap();
        let ids: Vec<&str> = feeds.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(configured(&store), ["a", "c"]);
    }

    #[tokio::test]
    async fn approved_registrations_join_the_feeds_and_leave_them() {
        use essaim::model::RegistrationState;
        use essaim::store::NewRegistration;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, registry("127.0.0.1:8080", &["a"])).unwrap();
        let config = config::load(&path).unwrap();
        let store = Arc::new(Store::open(&config.settings.database).unwrap());
        store.sync_feeds(&config.feeds).unwrap();
        let mut reloader = Reloader::new(&config, Arc::clone(&store));
        assert!(
            reloader.partners_changed().await.is_none(),
            "nothing changed"
        );

        let now = "2026-12-07T10:00:00Z".parse().unwrap();
        let r = store
            .register_feed(
                &NewRegistration {
                    network: "Cress Normandie".into(),
                    token_id: None,
                    name: "Offres Cress".into(),
                    url: "https://cress-normandie.example/offres.rss".into(),
                    format: None,
                    mapping: None,
                    report: serde_json::json!({}),
                },
                now,
            )
            .unwrap();
        assert!(
            reloader.partners_changed().await.is_none(),
            "a pending registration is not polled"
        );
        store.decide_registration(r.id, true, None, now).unwrap();
        let feeds = reloader.partners_changed().await.unwrap();
        let ids: Vec<&str> = feeds.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "partner-1"]);
        assert_eq!(configured(&store), ["a", "partner-1"]);
        assert!(reloader.partners_changed().await.is_none(), "seen once");

        // A SIGHUP keeps the approved feed beside feeds.toml's new ones.
        std::fs::write(&path, registry("127.0.0.1:8080", &["a", "b"])).unwrap();
        let feeds = reloader.reload().await.unwrap();
        let ids: Vec<&str> = feeds.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "partner-1"]);

        store
            .decide_registration(r.id, false, Some("hors ESS"), now)
            .unwrap();
        assert_eq!(
            store.registration(r.id).unwrap().unwrap().state,
            RegistrationState::Rejected
        );
        let feeds = reloader.partners_changed().await.unwrap();
        assert_eq!(feeds.len(), 2);
        assert_eq!(configured(&store), ["a", "b"]);
    }

    #[test]
    fn changed_settings_are_named_as_feeds_toml_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let read = |text: &str| config::parse(text, &dir.path().join("feeds.toml")).unwrap();
        let running = read(&registry("127.0.0.1:8080", &["a"]));
        assert!(needing_restart(&running.settings, &running.settings).is_empty());
        let moved = read(&registry("127.0.0.1:9090", &["a"]).replace(
            "database = \"essaim.db\"",
            "database = \"autre.db\"\ndefault_schedule = \"0 0 * * * *\"\nmax_delay_secs = 60",
        ));
        assert_eq!(
            needing_restart(&running.settings, &moved.settings),
            ["database", "listen", "max_delay_secs"]
        );
    }
}
