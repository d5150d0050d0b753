//! The HTTP server downstream sites consume: the merged feeds (RSS, Atom, JSON Feed), the
//! schema.org JSON-LD, the JSON API, and the feeds' status. Every output takes the same
//! filters ([`filters`]). The unfiltered outputs are rendered once per change of the data and
//! served from memory with their compressed forms; everything carries ETag and Last-Modified
//! and answers conditional requests with 304. Listings are paged: the next page is named in
//! the body (RFC 5005 links, `next_url`, `next`) and in a `Link` header. Handlers read the
//! store off the async threads; the server takes its shutdown signal as an argument so tests
//! run it on 127.0.0.1:0.
//!
//! This module holds the router and the state the handlers share. The bodies are rendered
//! by [`crate::publish`]; here they are routed ([`router`]), cached (`cache`: one data
//! generation's answers), compressed (`compress`) and answered (`answer`: 304, encodings,
//! CORS, errors) by the handlers (`handlers`), on the server's threads ([`serve`]).

pub mod admin;
mod answer;
mod cache;
mod client;
mod compress;
pub mod filters;
mod handlers;
mod server;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::routing::get;
use axum::Router;

use tokio::sync::{mpsc, Notify};

use crate::clock::Clock;
use crate::config::Config;
use crate::scheduler::Control;
use crate::store::{Shared, Store};
use cache::Responses;
pub use cache::DEFAULT_BYTES as DEFAULT_ANSWER_CACHE_BYTES;
use handlers::{api, ops, outputs, partner};

use crate::publish::Output;
pub use client::client_address;
pub use handlers::ops::{metrics_allowed, unready, SCHEDULER_STALE_AFTER};
pub use server::{serve, Limits};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// Public base URL for self links (may be empty).
    pub base_url: Arc<str>,
    /// `Cache-Control` of the outputs.
    cache_control: HeaderValue,
    responses: Arc<Mutex<Responses>>,
    /// SQLite's data_version, polled: changes when another process wrote the database.
    external: Arc<AtomicI64>,
    /// Where "now" comes from (the Last-Modified of summaries rendered on request).
    clock: Clock,
    /// What [`serve`] allows each client.
    limits: Limits,
    /// Networks whose clients may read `/metrics`, besides loopback ones.
    metrics_from: Arc<[ipnet::IpNet]>,
    /// Proxies whose `X-Forwarded-For` names the client ([`client_address`]).
    trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Orders to the running scheduler (`/admin`'s "fetch now"); None where none runs.
    control: Option<mpsc::Sender<Control>>,
    /// Poked when a registration is approved, rejected or withdrawn: the daemon reads the
    /// approved registrations again at once.
    registry_changed: Arc<Notify>,
    /// The configuration in effect: the partner API fetches under its settings, `/admin`
    /// checks the operator's token against it. None: those surfaces answer 503.
    config: Option<Arc<Config>>,
    /// What partners' checks fetch with: the daemon's fetcher when one runs
    /// ([`AppState::with_fetcher`]), else one built from the configuration's settings, made not
    /// to wait for the body budget ([`crate::fetch::Fetcher::without_waiting`]), so that
    /// checks share the budget with the daemon's fetches and with each other.
    checks: Option<crate::fetch::Fetcher>,
    /// The partner API's POSTs per token in the last minute (one count for every runtime).
    partner_limits: Arc<handlers::partner::RateLimits>,
    /// `/admin`'s sessions and failed logins, in memory.
    admin: Arc<admin::Sessions>,
}

impl AppState {
    /// The store, for calls made off the async threads.
    pub fn shared(&self) -> Shared {
        Shared::new(Arc::clone(&self.store))
    }

    pub fn new(store: Arc<Store>, base_url: String) -> AppState {
        AppState {
            store,
            base_url: base_url.into(),
            cache_control: HeaderValue::from_static("public, max-age=300"),
            responses: Arc::new(Mutex::new(Responses::default())),
            external: Arc::new(AtomicI64::new(0)),
            clock: Clock::wall(),
            limits: Limits::default(),
            metrics_from: Arc::from(Vec::new()),
            trusted_proxies: Arc::from(Vec::new()),
            control: None,
            registry_changed: Arc::new(Notify::new()),
            config: None,
            checks: None,
            partner_limits: Arc::default(),
            admin: Arc::new(admin::Sessions::default()),
        }
    }

    /// Sends "fetch now" orders to the scheduler behind `control`.
    pub fn with_control(mut self, control: mpsc::Sender<Control>) -> AppState {
        self.control = Some(control);
        self
    }

    /// Pokes `changed` when a registration is decided or withdrawn.
    pub fn with_registry_changed(mut self, changed: Arc<Notify>) -> AppState {
        self.registry_changed = changed;
        self
    }

    /// The configuration in effect (settings for the partner API's fetches, the operator's
    /// token for `/admin`).
    pub fn with_config(mut self, config: Arc<Config>) -> AppState {
        if self.checks.is_none() {
            match crate::fetch::Fetcher::new(&config.settings) {
                Ok(f) => self.checks = Some(f.without_waiting()),
                Err(e) => {
                    tracing::error!(message = "Partners' checks cannot fetch.", error = %e)
                }
            }
        }
        self.config = Some(config);
        self
    }

    /// Checks partners' feeds with `fetcher` (the daemon's), within its body budget: a check
    /// the budget has no room for at once is answered 503 rather than waiting.
    pub fn with_fetcher(mut self, fetcher: &crate::fetch::Fetcher) -> AppState {
        self.checks = Some(fetcher.without_waiting());
        self
    }

    /// Lets clients of `networks` read `/metrics` (loopback clients always may).
    pub fn with_metrics_from(mut self, networks: Vec<ipnet::IpNet>) -> AppState {
        self.metrics_from = networks.into();
        self
    }

    /// Takes the client of a request from `X-Forwarded-For` when its peer is in one of
    /// `networks` (`trusted_proxies`; none by default: the peer is the client).
    pub fn with_trusted_proxies(mut self, networks: Vec<ipnet::IpNet>) -> AppState {
        self.trusted_proxies = networks.into();
        self
    }

    /// Sets what the server allows its clients ([`Limits::default`] otherwise).
    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.limits = limits;
        self
    }

    /// Lets the answer cache hold `bytes` (bodies and their compressed forms) before it drops
    /// the oldest filtered answers ([`DEFAULT_ANSWER_CACHE_BYTES`] otherwise).
    pub fn with_answer_cache_bytes(mut self, bytes: usize) -> AppState {
        self.responses = Arc::new(Mutex::new(Responses::with_budget(bytes)));
        self
    }

    /// Takes "now" from `clock` (tests pin it).
    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }

    /// Sets `Cache-Control: max-age` of the outputs, in seconds (300 by default).
    pub fn with_max_age(mut self, seconds: u32) -> AppState {
        self.cache_control = HeaderValue::from_str(&format!("public, max-age={seconds}"))
            .unwrap_or(HeaderValue::from_static("public, max-age=300"));
        self
    }

    /// The client of a request ([`client_address`]): its peer, or the client a trusted
    /// proxy names. `None` when the server recorded no peer.
    fn client(
        &self,
        extensions: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Option<std::net::IpAddr> {
        client_address(client::peer(extensions), headers, &self.trusted_proxies)
    }

    fn generation(&self) -> (u64, i64) {
        (
            self.store.local_generation(),
            self.external.load(Ordering::Relaxed),
        )
    }
}

/// A GET route that also answers CORS preflight requests.
fn get_route<H, T>(handler: H) -> axum::routing::MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    get(handler).options(answer::preflight)
}

/// The routes. Compression and CORS are done by `respond` itself rather than by layers:
/// the bodies come compressed from the cache, and a 304 then costs only a lookup.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get_route(handlers::index))
        .route(
            "/feed.rss",
            get_route(|s, r| outputs::output(s, r, Output::Rss)),
        )
        .route(
            "/feed.atom",
            get_route(|s, r| outputs::output(s, r, Output::Atom)),
        )
        .route(
            "/feed.json",
            get_route(|s, r| outputs::output(s, r, Output::JsonFeed)),
        )
        .route(
            "/jobs.jsonld",
            get_route(|s, r| outputs::output(s, r, Output::JsonLd)),
        )
        .route("/api/offers", get_route(api::api_offers))
        .route("/api/offers/{id}", get_route(api::api_offer))
        .route("/api/networks", get_route(api::api_networks))
        .route("/api/stats", get_route(api::api_stats))
        .route("/api/feeds", get_route(handlers::feeds::api_feeds))
        .route("/healthz", get_route(handlers::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        // The partner API and form (handlers/partner.rs): their own token, no CORS preflight.
        .merge(
            Router::new()
                .route(
                    "/api/partner/feeds",
                    get(partner::list_feeds).post(partner::register_feed),
                )
                .route(
                    "/api/partner/feeds/{id}",
                    get(partner::get_feed)
                        .put(partner::move_feed)
                        .delete(partner::withdraw_feed),
                )
                .route("/partner", get(partner::form).post(partner::submit))
                .layer(DefaultBodyLimit::max(partner::BODY_LIMIT)),
        )
        // The operator's status page (`web::admin`).
        .merge(admin::routes())
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn(ops::count_request))
        .with_state(state)
}
