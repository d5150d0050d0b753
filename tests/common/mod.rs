//! Helpers shared by the integration tests: a partner HTTP server on 127.0.0.1:0 serving the
//! fixture feeds, and temporary configurations.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use essaim::clock::Clock;
use essaim::config::Config;
use essaim::pipeline::Pipeline;
use essaim::store::Store;
use std::sync::Arc;

/// The instant the tests decide with: the day after the fixture feeds were written. Nothing in
/// the tests reads the machine's date, so they pass whatever the calendar says.
pub const FIXTURE_NOW: &str = "2026-11-22T12:00:00Z";

/// A store holding the configured feeds and a pipeline deciding with `clock`: what a test
/// sets up before it fetches.
pub fn store_and_pipeline(config: &Arc<Config>, clock: Clock) -> (Arc<Store>, Arc<Pipeline>) {
    let store = Arc::new(Store::open(&config.settings.database).unwrap());
    store.sync_feeds(&config.feeds).unwrap();
    let pipeline =
        Arc::new(Pipeline::with_clock(Arc::clone(config), Arc::clone(&store), clock).unwrap());
    (store, pipeline)
}

/// [`FIXTURE_NOW`] as an instant.
pub fn fixture_now() -> DateTime<Utc> {
    FIXTURE_NOW.parse().unwrap()
}

/// A clock that starts at `at` and follows tokio's clock from there (paused or not).
pub fn clock_at(at: DateTime<Utc>) -> Clock {
    Clock::tokio_from(at)
}

/// A clock that starts at [`FIXTURE_NOW`]; call it inside the runtime.
pub fn fixture_clock() -> Clock {
    clock_at(fixture_now())
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Serves every file of fixtures/partners at /partners/NAME with a realistic content type
/// (the Latin-1 file with its charset only in the HTTP header), plus /broken (HTTP 500).
pub async fn partner_server() -> SocketAddr {
    let app = Router::new()
        .route(
            "/partners/{name}",
            get(
                |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    let path = fixtures().join("partners").join(&name);
                    match std::fs::read(&path) {
                        Ok(bytes) => {
                            let ct = if name.ends_with(".json") {
                                "application/feed+json"
                            } else if name.ends_with(".atom") {
                                "application/atom+xml; charset=utf-8"
                            } else if name.contains("ressources-solidaires") {
                                "application/rss+xml; charset=ISO-8859-1"
                            } else {
                                "application/xml"
                            };
                            ([(header::CONTENT_TYPE, ct)], bytes).into_response()
                        }
                        Err(_) => StatusCode::NOT_FOUND.into_response(),
                    }
                },
            ),
        )
        .route(
            "/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Writes `feeds.toml` into `dir` and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Config text for the fixture partners served by `partner_server` at `addr`.
pub fn fixture_config(addr: SocketAddr, allow_private: bool, extra_feeds: &str) -> String {
    let base = format!("http://{addr}/partners");
    format!(
        r#"[settings]
database = "essaim.db"
listen = "127.0.0.1:0"
allow_private_addresses = {allow_private}

[[feed]]
id = "rs-rhone"
name = "Ressources solidaires, Rhône"
network = "Ressources solidaires"
url = "{base}/ressources-solidaires-rhone.xml"

[[feed]]
id = "restos-marne"
name = "Restos du Cœur, Marne"
network = "Restos du Cœur"
url = "{base}/wp-restos-marne.xml"

[[feed]]
id = "cress-bretagne"
name = "CRESS Bretagne"
network = "CRESS"
url = "{base}/cress-bretagne.atom"

[[feed]]
id = "mutualite-francaise"
name = "Mutualité Française"
network = "Mutualité Française"
url = "{base}/mutualite-francaise.json"

[[feed]]
id = "ess-finistere"
name = "Réseau ESS Finistère"
network = "CRESS"
url = "{base}/reseau-ess-finistere.rdf"
{extra_feeds}"#
    )
}

/// Serves `app` on `ip`, port 0, in the background; returns the address.
pub async fn serve_on(ip: &str, app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Serves `app` on 127.0.0.1, port 0.
pub async fn serve(app: Router) -> SocketAddr {
    serve_on("127.0.0.1", app).await
}

/// A small RSS 2.0 feed with one item per title, UTF-8 unless the caller re-encodes it (the
/// prolog then names no encoding, as many partners do).
pub fn rss(titles: &[&str]) -> String {
    let mut items = String::new();
    for (i, title) in titles.iter().enumerate() {
        items.push_str(&format!(
            "<item><title>{title}</title><link>https://partenaire.example/offres/{i}</link>\
             <guid>offre-{i}</guid><pubDate>Mon, 05 Jan 2026 10:0{i}:00 GMT</pubDate>\
             <description>Lieu : Lyon</description></item>"
        ));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Offres</title>\
         <link>https://partenaire.example/</link><description>Offres d'emploi</description>\
         {items}</channel></rss>\n"
    )
}
