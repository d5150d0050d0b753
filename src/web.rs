//! The HTTP server downstream sites consume: the merged feeds (RSS, Atom, JSON Feed), the
//! schema.org JSON-LD, the JSON API, and the feeds' status. Every output takes the same
//! filters ([`filters`]). The unfiltered outputs are rendered once per change of the data and
//! served from memory with their compressed forms; everything carries ETag and Last-Modified
//! and answers conditional requests with 304. Handlers read the store off the async threads;
//! the server takes its shutdown signal as an argument so tests run it on 127.0.0.1:0.

pub mod filters;

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

use crate::pipeline::blocking;
use crate::publish::{self, Channel};
use crate::store::{Cursor, Order, PublishedOffer, Store};
use filters::Request;

/// Items in the unfiltered outputs (and the default page size).
pub const FEED_ITEMS: usize = filters::DEFAULT_LIMIT;

/// The outputs, each with its path and media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Rss,
    Atom,
    JsonFeed,
    JsonLd,
}

impl Output {
    pub const ALL: [Output; 4] = [Output::Rss, Output::Atom, Output::JsonFeed, Output::JsonLd];

    pub fn file_name(self) -> &'static str {
        match self {
            Output::Rss => "feed.rss",
            Output::Atom => "feed.atom",
            Output::JsonFeed => "feed.json",
            Output::JsonLd => "jobs.jsonld",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Output::Rss => "application/rss+xml; charset=utf-8",
            Output::Atom => "application/atom+xml; charset=utf-8",
            Output::JsonFeed => "application/feed+json; charset=utf-8",
            Output::JsonLd => "application/ld+json; charset=utf-8",
        }
    }

    /// Renders this output.
    pub fn render(self, channel: &Channel, offers: &[PublishedOffer]) -> String {
        match self {
            Output::Rss => publish::rss(channel, offers),
            Output::Atom => publish::atom(channel, offers),
            Output::JsonFeed => publish::json_feed(channel, offers),
            Output::JsonLd => publish::jobs_jsonld(channel, offers),
        }
    }
}

/// One rendered body with what conditional requests and compression need.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub gzip: Option<Bytes>,
    pub brotli: Option<Bytes>,
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    pub content_type: &'static str,
}

impl Rendered {
    fn new(
        body: String,
        last_modified: DateTime<Utc>,
        content_type: &'static str,
        compress: bool,
    ) -> Rendered {
        let body = Bytes::from(body);
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
        let (gzip, brotli) = if compress {
            (gzip(&body).map(Bytes::from), brotli(&body).map(Bytes::from))
        } else {
            (None, None)
        };
        Rendered {
            body,
            gzip,
            brotli,
            etag,
            last_modified,
            content_type,
        }
    }
}

fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    w.write_all(data).ok()?;
    w.finish().ok()
}

fn brotli(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
        w.write_all(data).ok()?;
    }
    Some(out)
}

/// The unfiltered outputs of one generation of the data.
struct Cached {
    generation: (u64, i64),
    outputs: Vec<(Output, Rendered)>,
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// Public base URL for self links (may be empty).
    pub base_url: String,
    /// `Cache-Control: max-age` of the outputs, in seconds.
    pub max_age: u32,
    cache: Arc<Mutex<Option<Arc<Cached>>>>,
    /// Held while the unfiltered outputs are rendered.
    rendering: Arc<tokio::sync::Mutex<()>>,
    /// SQLite's data_version, polled: changes when another process wrote the database.
    external: Arc<AtomicI64>,
}

impl AppState {
    pub fn new(store: Arc<Store>, base_url: String) -> AppState {
        AppState {
            store,
            base_url,
            max_age: 300,
            cache: Arc::new(Mutex::new(None)),
            rendering: Arc::new(tokio::sync::Mutex::new(())),
            external: Arc::new(AtomicI64::new(0)),
        }
    }

    fn generation(&self) -> (u64, i64) {
        (
            self.store.local_generation(),
            self.external.load(Ordering::Relaxed),
        )
    }

    fn current(&self, generation: (u64, i64)) -> Option<Arc<Cached>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .as_ref()
            .filter(|c| c.generation == generation)
            .map(Arc::clone)
    }

    /// The cached outputs of the current generation, rendering them when the data changed.
    /// One request renders; the others wait for it instead of rendering the same bytes.
    async fn cached(&self) -> Result<Arc<Cached>, Response> {
        let generation = self.generation();
        if let Some(c) = self.current(generation) {
            return Ok(c);
        }
        let _rendering = self.rendering.lock().await;
        if let Some(c) = self.current(generation) {
            return Ok(c);
        }
        let store = Arc::clone(&self.store);
        let base_url = self.base_url.clone();
        let cached =
            tokio::task::spawn_blocking(move || -> Result<Cached, crate::store::StoreError> {
                let offers = store.open_offers(FEED_ITEMS)?;
                let channel = channel(&base_url, &offers);
                let outputs = Output::ALL
                    .iter()
                    .map(|o| {
                        let body = o.render(&channel, &offers);
                        (
                            *o,
                            Rendered::new(body, channel.updated, o.content_type(), true),
                        )
                    })
                    .collect();
                Ok(Cached {
                    generation,
                    outputs,
                })
            })
            .await
            .map_err(|e| server_error(e.to_string()))?
            .map_err(|e| server_error(e.to_string()))?;
        let cached = Arc::new(cached);
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&cached));
        Ok(cached)
    }
}

/// The routes.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .expose_headers([header::ETAG, header::LAST_MODIFIED]);
    Router::new()
        .route("/", get(index))
        .route("/feed.rss", get(|s, q, h| output(s, q, h, Output::Rss)))
        .route("/feed.atom", get(|s, q, h| output(s, q, h, Output::Atom)))
        .route(
            "/feed.json",
            get(|s, q, h| output(s, q, h, Output::JsonFeed)),
        )
        .route(
            "/jobs.jsonld",
            get(|s, q, h| output(s, q, h, Output::JsonLd)),
        )
        .route("/api/offers", get(api_offers))
        .route("/api/offers/{id}", get(api_offer))
        .route("/api/networks", get(api_networks))
        .route("/api/stats", get(api_stats))
        .route("/api/feeds", get(api_feeds))
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(CompressionLayer::new())
        .layer(cors)
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Another process (`essaim fetch` from cron) may write the database: notice it within a
    // second so the cached outputs follow.
    let poll_state = state.clone();
    let poller = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let store = Arc::clone(&poll_state.store);
            if let Ok(Ok(v)) = tokio::task::spawn_blocking(move || store.data_version()).await {
                poll_state.external.store(v, Ordering::Relaxed);
            }
        }
    });
    let result = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    poller.abort();
    result
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
            .unwrap_or(DateTime::UNIX_EPOCH),
        query: String::new(),
        first_query: None,
        next_query: None,
    }
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "essaim: /feed.rss /feed.atom /feed.json /jobs.jsonld /api/offers /api/offers/{id} \
         /api/networks /api/stats /api/feeds /healthz\n\
         Filters (on every output): q region department commune contract working_time sector \
         network employer since limit after\n",
    )
}

fn query_pairs(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn output(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    which: Output,
) -> Response {
    let request = match filters::parse(&query_pairs(&raw)) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    if request.is_default() {
        let cached = match s.cached().await {
            Ok(c) => c,
            Err(r) => return r,
        };
        return match cached.outputs.iter().find(|(o, _)| *o == which) {
            Some((_, rendered)) => respond(rendered, &headers, s.max_age),
            None => server_error("output missing from the cache"),
        };
    }
    let store = Arc::clone(&s.store);
    let base_url = s.base_url.clone();
    render_off_thread(&s, &headers, move || {
        let (offers, next) = store.query_offers(
            &request.filter,
            Order::Published,
            request.limit,
            request.after.as_ref(),
        )?;
        let mut channel = channel(&base_url, &offers);
        page_links(&mut channel, &request, next.as_ref());
        let body = which.render(&channel, &offers);
        Ok(Rendered::new(
            body,
            channel.updated,
            which.content_type(),
            false,
        ))
    })
    .await
}

/// Renders off the async threads, then answers like every output (304, encodings).
async fn render_off_thread(
    s: &AppState,
    headers: &HeaderMap,
    render: impl FnOnce() -> Result<Rendered, crate::store::StoreError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(render).await {
        Ok(Ok(rendered)) => respond(&rendered, headers, s.max_age),
        Ok(Err(e)) => server_error(e.to_string()),
        Err(e) => server_error(e.to_string()),
    }
}

fn page_links(channel: &mut Channel, request: &Request, next: Option<&Cursor>) {
    channel.query = filters::query_string(request, request.after.as_ref());
    if request.after.is_some() {
        channel.first_query = Some(filters::query_string(request, None));
    }
    channel.next_query = next.map(|c| filters::query_string(request, Some(c)));
}

/// Answers with a rendered body: 304 when the client has it, else the best encoding it accepts.
fn respond(r: &Rendered, headers: &HeaderMap, max_age: u32) -> Response {
    let last_modified = httpdate::fmt_http_date(r.last_modified.into());
    let mut builder = Response::builder()
        .header(header::ETAG, &r.etag)
        .header(header::LAST_MODIFIED, &last_modified)
        .header(header::CACHE_CONTROL, format!("public, max-age={max_age}"))
        .header(header::VARY, "Accept-Encoding");
    if not_modified(headers, &r.etag, r.last_modified) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(axum::body::Body::empty())
            .unwrap_or_else(|_| StatusCode::NOT_MODIFIED.into_response());
    }
    builder = builder.header(header::CONTENT_TYPE, r.content_type);
    let accepts = |enc: &str| {
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',').any(|part| {
                    let mut it = part.split(';');
                    let name = it.next().unwrap_or("").trim();
                    let refused = it.any(|p| p.trim().replace(' ', "") == "q=0");
                    name.eq_ignore_ascii_case(enc) && !refused
                })
            })
    };
    let (body, encoding) = match (&r.brotli, &r.gzip) {
        (Some(b), _) if accepts("br") => (b.clone(), Some("br")),
        (_, Some(g)) if accepts("gzip") => (g.clone(), Some("gzip")),
        _ => (r.body.clone(), None),
    };
    if let Some(e) = encoding {
        builder = builder.header(header::CONTENT_ENCODING, e);
    }
    builder
        .body(axum::body::Body::from(body))
        .unwrap_or_else(|e| server_error(e.to_string()))
}

/// True when the request's validators say the client's copy is current.
pub fn not_modified(headers: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    if let Some(ims) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        let ims: DateTime<Utc> = ims.into();
        return last_modified.timestamp() <= ims.timestamp();
    }
    false
}

async fn api_offers(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let request = match filters::parse(&query_pairs(&raw)) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let store = Arc::clone(&s.store);
    let base = s.base_url.trim_end_matches('/').to_string();
    render_off_thread(&s, &headers, move || {
        let (offers, next) = store.query_offers(
            &request.filter,
            Order::Discovered,
            request.limit,
            request.after.as_ref(),
        )?;
        let next_link = next.as_ref().map(|c| {
            format!(
                "{base}/api/offers?{}",
                filters::query_string(&request, Some(c))
            )
        });
        let body = json!({
            "offers": offers.iter().map(publish::api_offer).collect::<Vec<_>>(),
            "count": offers.len(),
            "next": next_link,
            "next_cursor": next.map(|c| c.token()),
        });
        let last = offers
            .iter()
            .map(|p| p.changed)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH);
        Ok(Rendered::new(
            body.to_string(),
            last,
            "application/json",
            false,
        ))
    })
    .await
}

async fn api_offer(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let store = Arc::clone(&s.store);
    let wanted = id.clone();
    match blocking(move || store.offer_by_id(&wanted)).await {
        Ok(Some(p)) => {
            let rendered = Rendered::new(
                publish::api_offer(&p).to_string(),
                p.changed,
                "application/json",
                false,
            );
            respond(&rendered, &headers, s.max_age)
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no open offer with id {id:?}") })),
        )
            .into_response(),
        Err(e) => server_error(e.to_string()),
    }
}

async fn api_networks(State(s): State<AppState>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.networks()).await {
        Ok(n) => Json(json!({ "networks": n })).into_response(),
        Err(e) => server_error(e.to_string()),
    }
}

async fn api_stats(State(s): State<AppState>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.stats()).await {
        Ok(stats) => {
            let by =
                |rows: &[(Option<String>, usize)]| -> serde_json::Map<String, serde_json::Value> {
                    rows.iter()
                        .map(|(k, v)| (k.clone().unwrap_or_else(|| "unknown".into()), json!(v)))
                        .collect()
                };
            let regions: serde_json::Map<String, serde_json::Value> = stats
                .by_region
                .iter()
                .map(|(code, n)| {
                    let name = code.as_deref().and_then(|c| {
                        crate::normalise::geo::resolve_parts(None, None, None, None, Some(c))
                            .and_then(|p| p.region_name)
                    });
                    (
                        code.clone().unwrap_or_else(|| "unknown".into()),
                        json!({ "name": name, "open_offers": n }),
                    )
                })
                .collect();
            Json(json!({
                "open_offers": stats.open_offers,
                "by_network": stats.by_network.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "by_region": regions,
                "by_contract": by(&stats.by_contract),
            }))
            .into_response()
        }
        Err(e) => server_error(e.to_string()),
    }
}

async fn api_feeds(State(s): State<AppState>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.feed_statuses()).await {
        Ok(feeds) => Json(feeds).into_response(),
        Err(e) => server_error(e),
    }
}

fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(message = "Request failed.", error = %e);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "internal error; see the server log" })),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn validators() {
        let t: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, "\"a\"", t));
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Sun, 22 Nov 2026 10:00:00 GMT"),
        );
        assert!(not_modified(&h, "\"a\"", t));
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Sun, 22 Nov 2026 09:59:59 GMT"),
        );
        assert!(!not_modified(&h, "\"a\"", t));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"b\", W/\"a\""),
        );
        assert!(not_modified(&h, "\"a\"", t));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"b\""));
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Sun, 22 Nov 2026 11:00:00 GMT"),
        );
        assert!(!not_modified(&h, "\"a\"", t), "If-None-Match wins");
    }
}
