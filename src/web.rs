//! The HTTP server: serves the merged outputs and the feeds' status. Handlers read the store
//! off the async threads and render with the publish module; the server takes its shutdown
//! signal as an argument so tests run it in-process on 127.0.0.1:0.

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use tokio::net::TcpListener;

use crate::pipeline::blocking;
use crate::publish::{self, Channel};
use crate::store::{PublishedOffer, Store};

/// Items in the unfiltered outputs.
pub const FEED_ITEMS: usize = 100;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// Public base URL for self links (may be empty).
    pub base_url: String,
}

/// The routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/feed.rss", get(feed_rss))
        .route("/feed.atom", get(feed_atom))
        .route("/feed.json", get(feed_json))
        .route("/api/feeds", get(api_feeds))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The channel description shared by every output.
pub fn channel(base_url: &str, offers: &[PublishedOffer]) -> Channel {
    Channel {
        title: "essaim : offres d'emploi de l'économie sociale et solidaire".into(),
        description: "Offres d'emploi des réseaux partenaires de l'ESS, réunies et dédoublonnées"
            .into(),
        base_url: base_url.to_string(),
        updated: offers
            .iter()
            .map(|p| p.changed.max(p.first_seen))
            .max()
            .unwrap_or_else(Utc::now),
    }
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "essaim: /feed.rss /feed.atom /feed.json /api/feeds /healthz\n",
    )
}

async fn feed_rss(State(s): State<AppState>) -> Response {
    render(s, "application/rss+xml; charset=utf-8", publish::rss).await
}

async fn feed_atom(State(s): State<AppState>) -> Response {
    render(s, "application/atom+xml; charset=utf-8", publish::atom).await
}

async fn feed_json(State(s): State<AppState>) -> Response {
    render(
        s,
        "application/feed+json; charset=utf-8",
        publish::json_feed,
    )
    .await
}

async fn render(
    s: AppState,
    content_type: &'static str,
    renderer: fn(&Channel, &[PublishedOffer]) -> String,
) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.open_offers(FEED_ITEMS)).await {
        Ok(offers) => {
            let body = renderer(&channel(&s.base_url, &offers), &offers);
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Err(e) => server_error(e),
    }
}

async fn api_feeds(State(s): State<AppState>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.feed_statuses()).await {
        Ok(feeds) => axum::Json(feeds).into_response(),
        Err(e) => server_error(e),
    }
}

fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(message = "Request failed.", error = %e);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log\n",
    )
        .into_response()
}
