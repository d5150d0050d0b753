//! Helpers shared by the integration tests: the pinned "now", a partner HTTP server on
//! 127.0.0.1:0 serving the fixture feeds, small RSS bodies, the one feeds.toml builder
//! ([`FeedsToml`]), the one store fixture ([`Fixture`]) and the scheduler's stand-in
//! pipeline ([`stand_in`]).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub mod admin_site;
pub mod browser;
mod feeds_toml;
mod fixture;
pub mod stand_in;

pub use feeds_toml::{
    bundled_feeds_toml, fetch_registry, fixture_partners, load_config, write_config, FeedsToml,
    ALLOW_LOOPBACK, EVERY_MINUTE,
};
pub use fixture::{
    assert_updated, failure, instant, memory_store_with_feeds, store_with_feeds, Fixture,
    FixtureDir,
};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use essaim::clock::Clock;

/// The instant the tests decide with: the day after the fixture feeds were written. Nothing in
/// the tests reads the machine's date, so they pass whatever the calendar says.
pub const FIXTURE_NOW: &str = "2026-11-22T12:00:00Z";

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

/// The repository's `fixtures/` directory.
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

/// An answer carrying an RSS body, as partners serve it.
pub fn rss_response(body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        body.into(),
    )
        .into_response()
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
