//! An essaim server with its status page open, for the `/admin` tests (HTTP and Chromium):
//! two fixture partners and one that answers 500, each fetched once on the fixture clock (so
//! offers, a failing feed and attempts are in the store as real fetches left them), a pending
//! registration, the operator token [`ADMIN_TOKEN`], and the server on 127.0.0.1:0 with the
//! registry's poke and, when asked, a scheduler control channel the test answers itself.

use std::net::SocketAddr;
use std::sync::Arc;

use essaim::model::Registration;
use essaim::pipeline::Outcome;
use essaim::scheduler::Control;
use essaim::store::NewRegistration;
use essaim::web;
use tokio::sync::{mpsc, oneshot, Notify};

use super::{fixture_now, FeedsToml, FixtureDir, ALLOW_LOOPBACK};

/// The operator's token of the test sites (feeds.toml holds its SHA-256).
pub const ADMIN_TOKEN: &str =
    "essaim_admin_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// What the site is started with.
#[derive(Debug, Clone, Copy)]
pub struct SiteOptions {
    /// `admin_token_sha256` in feeds.toml.
    pub token: bool,
    /// The configuration given to the server (without it, `/admin` answers 503).
    pub config: bool,
    /// A scheduler control channel ([`AdminSite::control`]).
    pub scheduler: bool,
    /// `public_url` in feeds.toml.
    pub public_url: Option<&'static str>,
    /// `trusted_proxies` in feeds.toml (its TOML list), given to the server.
    pub trusted_proxies: Option<&'static str>,
}

impl Default for SiteOptions {
    fn default() -> SiteOptions {
        SiteOptions {
            token: true,
            config: true,
            scheduler: false,
            public_url: None,
            trusted_proxies: None,
        }
    }
}

/// A running server over a store that real fetches filled.
pub struct AdminSite {
    pub dir: FixtureDir,
    pub addr: SocketAddr,
    /// Poked by the server when a registration is decided.
    pub registry_changed: Arc<Notify>,
    /// The orders the server sends the scheduler (with [`SiteOptions::scheduler`]).
    pub control: Option<mpsc::Receiver<Control>>,
    /// The registration waiting for the operator.
    pub pending: Registration,
    /// Offers the fetches added (all first seen on the fixture day).
    pub offers_added: usize,
    _stop: oneshot::Sender<()>,
}

impl AdminSite {
    pub async fn start(options: SiteOptions) -> AdminSite {
        let partners = super::partner_server().await;
        let base = format!("http://{partners}/partners");
        let mut toml = FeedsToml::new().setting(ALLOW_LOOPBACK);
        if options.token {
            toml = toml.setting(&format!(
                "admin_token_sha256 = \"{}\"",
                essaim::secret::hash(ADMIN_TOKEN)
            ));
        }
        if let Some(url) = options.public_url {
            toml = toml.setting(&format!("public_url = \"{url}\""));
        }
        if let Some(list) = options.trusted_proxies {
            toml = toml.setting(&format!("trusted_proxies = {list}"));
        }
        let toml = toml
            .feed(
                "rs-rhone",
                "Ressources solidaires, Rhône",
                "Ressources solidaires",
                &format!("{base}/ressources-solidaires-rhone.xml"),
            )
            .feed(
                "cress-bretagne",
                "CRESS Bretagne",
                "CRESS",
                &format!("{base}/cress-bretagne.atom"),
            )
            .feed(
                "panne",
                "Partenaire en panne",
                "Réseau <test> & co",
                &format!("http://{partners}/broken"),
            );
        let dir = FixtureDir::load(&toml.to_string(), super::fixture_clock());
        let mut offers_added = 0;
        for id in ["rs-rhone", "cress-bretagne", "panne"] {
            match dir.refresh(id).await.outcome {
                Outcome::Updated(s) => offers_added += s.new,
                Outcome::Failed(_) if id == "panne" => {}
                other => panic!("{id}: {other:?}"),
            }
        }
        let pending = dir
            .store
            .register_feed(
                &NewRegistration {
                    network: "Cress <Occitanie>".into(),
                    token_id: None,
                    name: "Offres <script>alert(1)</script>".into(),
                    url: "https://cress-occitanie.example/offres.xml?apikey=SECRET".into(),
                    format: None,
                    mapping: None,
                    report: serde_json::json!({"offers": 12, "problems": []}),
                },
                fixture_now(),
            )
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let registry_changed = Arc::new(Notify::new());
        let mut state = web::AppState::new(Arc::clone(&dir.store), format!("http://{addr}"))
            .with_clock(super::fixture_clock())
            .with_registry_changed(Arc::clone(&registry_changed))
            .with_trusted_proxies(dir.config.settings.trusted_proxies.clone());
        if options.config {
            state = state.with_config(Arc::clone(&dir.config));
        }
        let control = if options.scheduler {
            let (tx, rx) = mpsc::channel(4);
            state = state.with_control(tx);
            Some(rx)
        } else {
            None
        };
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(web::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        AdminSite {
            dir,
            addr,
            registry_changed,
            control,
            pending,
            offers_added,
            _stop: stop,
        }
    }

    /// The URL of `path` on the site.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}
