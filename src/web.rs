//! The HTTP server downstream sites consume: the merged feeds (RSS, Atom, JSON Feed), the
//! schema.org JSON-LD, the JSON API, and the feeds' status. Every output takes the same
//! filters ([`filters`]). The unfiltered outputs are rendered once per change of the data and
//! served from memory with their compressed forms; everything carries ETag and Last-Modified
//! and answers conditional requests with 304. Listings are paged: the next page is named in
//! the body (RFC 5005 links, `next_url`, `next`) and in a `Link` header. Handlers read the
//! store off the async threads; the server takes its shutdown signal as an argument so tests
//! run it on 127.0.0.1:0.

pub mod filters;

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::model::PublishedOffer;
use crate::pipeline::blocking;
use crate::publish::{self, Channel, Paging};
use crate::store::{Cursor, Order, Store};
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

/// How hard a body is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Not compressed: small bodies.
    None,
    /// Quick levels, for the responses of filtered requests (rendered often).
    Fast,
    /// Best levels, for the unfiltered outputs (rendered once per change of the data).
    Best,
}

/// Bodies smaller than this are sent as they are: compressing them saves nothing.
const MIN_COMPRESSED: usize = 512;

/// A content coding of the bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// One rendered body with what conditional requests and compression need, its headers
/// prepared once so that answering from memory formats nothing. Compressed forms are made
/// once, when first asked for (at once for [`Packing::Best`]).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    pub content_type: &'static str,
    packing: Packing,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    etag_header: HeaderValue,
    last_modified_header: HeaderValue,
    /// `Link` to the first and next pages (RFC 8288), when the body is one page of several.
    link_header: Option<HeaderValue>,
}

impl Rendered {
    pub fn new(
        body: String,
        last_modified: DateTime<Utc>,
        content_type: &'static str,
        packing: Packing,
    ) -> Rendered {
        let body = Bytes::from(body);
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
        let etag_header = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
        let last_modified_header =
            HeaderValue::from_str(&httpdate::fmt_http_date(last_modified.into()))
                .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
        let rendered = Rendered {
            body,
            etag,
            last_modified,
            content_type,
            packing,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            etag_header,
            last_modified_header,
            link_header: None,
        };
        if packing == Packing::Best {
            rendered.packed(Encoding::Brotli);
            rendered.packed(Encoding::Gzip);
        }
        rendered
    }

    /// Adds a `Link` header naming the first and next pages, when there are: the same links
    /// the body carries, for clients that read headers (and a `HEAD` that reads nothing else).
    pub fn with_links(mut self, first: Option<&str>, next: Option<&str>) -> Rendered {
        let links: Vec<String> = [(next, "next"), (first, "first")]
            .into_iter()
            .filter_map(|(url, rel)| url.map(|u| format!("<{u}>; rel=\"{rel}\"")))
            .collect();
        // A URL that cannot be a header value (a control character in `public_url`) leaves
        // the header out; the body still has the links.
        self.link_header = (!links.is_empty())
            .then(|| HeaderValue::from_str(&links.join(", ")).ok())
            .flatten();
        self
    }

    /// Whether this body is sent compressed at all.
    fn compressible(&self) -> bool {
        self.packing != Packing::None && self.body.len() >= MIN_COMPRESSED
    }

    /// The encoding to answer `request` with: brotli, else gzip, when accepted.
    fn encoding_for(&self, request: &HeaderMap) -> Option<Encoding> {
        if !self.compressible() {
            None
        } else if accepts(request, "br") {
            Some(Encoding::Brotli)
        } else if accepts(request, "gzip") {
            Some(Encoding::Gzip)
        } else {
            None
        }
    }

    fn slot(&self, encoding: Encoding) -> &OnceLock<Option<Bytes>> {
        match encoding {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
        }
    }

    /// True when the body in `encoding` is ready (or will never be made).
    fn is_packed(&self, encoding: Encoding) -> bool {
        !self.compressible() || self.slot(encoding).get().is_some()
    }

    /// The body in `encoding`, compressed the first time it is asked for.
    fn packed(&self, encoding: Encoding) -> Option<&Bytes> {
        if !self.compressible() {
            return None;
        }
        let best = self.packing == Packing::Best;
        self.slot(encoding)
            .get_or_init(|| {
                match encoding {
                    Encoding::Gzip => gzip(&self.body, if best { 6 } else { 1 }),
                    Encoding::Brotli => brotli(&self.body, if best { 9 } else { 4 }),
                }
                .map(Bytes::from)
            })
            .as_ref()
    }

    /// What the response cache counts for this body: the body, and half as much again for
    /// the compressed forms it may be given later (JSON and XML shrink to well under a
    /// quarter each).
    fn budget(&self) -> usize {
        self.body.len() + self.body.len() / 2
    }
}

fn gzip(data: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    w.write_all(data).ok()?;
    w.finish().ok()
}

fn brotli(data: &[u8], quality: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        w.write_all(data).ok()?;
    }
    Some(out)
}

/// At most this many filtered responses are kept...
const CACHED_RESPONSES: usize = 4096;
/// ...holding at most this many bytes (bodies and their compressed forms).
const CACHED_BYTES: usize = 64 << 20;

/// A response being rendered or rendered: the first request renders it, the others asking
/// the same question meanwhile wait for that instead of rendering it again.
type Slot = Arc<tokio::sync::OnceCell<Arc<Rendered>>>;

/// The rendered responses of one generation of the data, keyed by output and normalised
/// query. The unfiltered outputs are pinned; filtered ones are dropped oldest first beyond
/// [`CACHED_RESPONSES`] or [`CACHED_BYTES`]. A change of the data empties it.
#[derive(Default)]
struct Responses {
    generation: (u64, i64),
    slots: HashMap<String, (Slot, bool)>,
    /// Unpinned keys, oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

impl Responses {
    /// The slot for `key` in `generation`, created empty when missing.
    fn slot(&mut self, generation: (u64, i64), key: &str, pinned: bool) -> Slot {
        if self.generation != generation {
            *self = Responses {
                generation,
                ..Responses::default()
            };
        }
        if let Some((slot, _)) = self.slots.get(key) {
            return Arc::clone(slot);
        }
        let slot = Slot::default();
        self.slots
            .insert(key.to_string(), (Arc::clone(&slot), pinned));
        if !pinned {
            self.order.push_back(key.to_string());
        }
        slot
    }

    /// Counts a freshly rendered response and drops the oldest ones beyond the limits.
    fn rendered(&mut self, generation: (u64, i64), key: &str, size: usize) {
        if self.generation != generation || !self.slots.contains_key(key) {
            return;
        }
        self.bytes += size;
        while self.bytes > CACHED_BYTES || self.order.len() > CACHED_RESPONSES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((slot, _)) = self.slots.remove(&old) {
                self.bytes = self
                    .bytes
                    .saturating_sub(slot.get().map_or(0, |r| r.budget()));
            }
        }
    }
}

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
}

/// What the server allows its clients, so that idle, slow or numerous connections cannot shut
/// the others out (a slowloris, or a thousand idle sockets against a file limit of 1,024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once, all server threads together, kept well below the
    /// process's file limit; further clients wait in the kernel's accept queue, holding no
    /// file of the process, until one closes.
    pub max_connections: usize,
    /// Longest wait for a complete request head (line and headers), counted from the
    /// connection's opening or from the end of the previous answer: a client that sends its
    /// head byte by byte, or keeps an idle connection open, is closed after it.
    pub header_timeout: Duration,
    /// Longest time a connection may go without a byte read or written (a client that stops
    /// reading its answer).
    pub idle_timeout: Duration,
}

impl Limits {
    /// Three quarters of the process's limit of open files (`RLIMIT_NOFILE`, read from
    /// `/proc/self/limits`), leaving the rest to the database, partner fetches and the
    /// runtime: 768 under the usual 1,024, 3,072 under the systemd unit's 4,096. 512 where
    /// the limit cannot be read; at most 65,536.
    pub fn connections_for_file_limit() -> usize {
        std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("Max open files"))?;
                let soft = line
                    .trim_start_matches("Max open files")
                    .split_whitespace()
                    .next()?;
                Some(match soft {
                    "unlimited" => 65_536,
                    n => n.parse::<usize>().ok()?.saturating_mul(3) / 4,
                })
            })
            .map_or(512, |n| n.clamp(16, 65_536))
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

impl AppState {
    pub fn new(store: Arc<Store>, base_url: String) -> AppState {
        AppState {
            store,
            base_url: base_url.into(),
            cache_control: HeaderValue::from_static("public, max-age=300"),
            responses: Arc::new(Mutex::new(Responses::default())),
            external: Arc::new(AtomicI64::new(0)),
            clock: Clock::wall(),
            limits: Limits::default(),
        }
    }

    /// Sets what the server allows its clients ([`Limits::default`] otherwise).
    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.limits = limits;
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

    fn generation(&self) -> (u64, i64) {
        (
            self.store.local_generation(),
            self.external.load(Ordering::Relaxed),
        )
    }

    /// The response for `key` in the current generation of the data, rendered by `render`
    /// off the async threads when no request has rendered it yet.
    async fn response(
        &self,
        key: &str,
        pinned: bool,
        render: impl FnOnce() -> Result<Rendered, crate::store::StoreError> + Send + 'static,
    ) -> Result<Arc<Rendered>, Response> {
        let generation = self.generation();
        let slot = self
            .responses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .slot(generation, key, pinned);
        let mut fresh = None;
        let counted = &mut fresh;
        let rendered = slot
            .get_or_try_init(move || async move {
                let r = match tokio::task::spawn_blocking(render).await {
                    Ok(Ok(r)) => Arc::new(r),
                    Ok(Err(e)) => return Err(server_error(e)),
                    Err(e) => return Err(server_error(e)),
                };
                *counted = Some(r.budget());
                Ok(r)
            })
            .await?;
        if let Some(size) = fresh {
            self.responses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .rendered(generation, key, size);
        }
        Ok(Arc::clone(rendered))
    }
}

/// A GET route that also answers CORS preflight requests.
fn get_route<H, T>(handler: H) -> axum::routing::MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    get(handler).options(preflight)
}

/// The routes. Compression and CORS are done by `respond` itself rather than by layers:
/// the bodies come compressed from the cache, and a 304 then costs only a lookup.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get_route(index))
        .route("/feed.rss", get_route(|s, r| output(s, r, Output::Rss)))
        .route("/feed.atom", get_route(|s, r| output(s, r, Output::Atom)))
        .route(
            "/feed.json",
            get_route(|s, r| output(s, r, Output::JsonFeed)),
        )
        .route(
            "/jobs.jsonld",
            get_route(|s, r| output(s, r, Output::JsonLd)),
        )
        .route("/api/offers", get_route(api_offers))
        .route("/api/offers/{id}", get_route(api_offer))
        .route("/api/networks", get_route(api_networks))
        .route("/api/stats", get_route(api_stats))
        .route("/api/feeds", get_route(api_feeds))
        .route("/healthz", get_route(healthz))
        .fallback(not_found)
        .with_state(state)
}

/// Any site may read the outputs from a browser: they are public, and no request carries
/// credentials.
fn add_cors(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("etag, last-modified, link"),
    );
}

/// Answers a CORS preflight: GET and HEAD, with the conditional headers.
async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    add_cors(headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("if-none-match, if-modified-since"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
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
    // One single-threaded runtime per core, all accepting on the same socket (nginx's model:
    // a worker per core): a request is parsed, answered and written on one thread, with no
    // hand-over between threads. Queries still run off these threads (`spawn_blocking`).
    let listener = listener.into_std()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let limits = state.limits;
    // One count of connections for every thread: the cap holds for the process.
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut servers = Vec::new();
    for i in 0..web_threads() {
        let listener = listener.try_clone()?;
        let state = state.clone();
        let stopped = stopped.clone();
        let permits = Arc::clone(&permits);
        let (done, finished) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(format!("essaim-web-{i}"))
            .spawn(move || {
                let serve = || -> std::io::Result<()> {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async move {
                        let listener = TcpListener::from_std(listener)?;
                        accept_loop(listener, router(state), limits, permits, stopped).await;
                        Ok(())
                    })
                };
                let _ = done.send(serve());
            })?;
        servers.push(finished);
    }
    drop(listener);
    // Until the shutdown signal, or until a server stops by itself (an error).
    let first = tokio::select! {
        _ = shutdown => None,
        (result, index, _) = futures_util::future::select_all(servers.iter_mut()) => {
            Some((index, result))
        }
    };
    let _ = stop.send(true);
    let stopped_thread = || std::io::Error::other("a web server thread stopped");
    let mut result = Ok(());
    if let Some((index, r)) = first {
        servers.remove(index);
        result = r.unwrap_or_else(|_| Err(stopped_thread()));
    }
    for finished in servers {
        let r = finished.await.unwrap_or_else(|_| Err(stopped_thread()));
        if result.is_ok() {
            result = r;
        }
    }
    poller.abort();
    result
}

/// After the server is told to stop, how long a connection may take to finish its request
/// in flight (at most the idle timeout): a half-sent head does not hold the shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long a thread waits before accepting again after `accept` failed (EMFILE: the file
/// limit is reached; the connections being served free files as they close).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Accepts connections on one server thread and serves each on its own task, while a
/// connection permit is free; after `stopped`, accepts no more and lets the connections
/// finish their requests in flight (idle ones are closed at once, slow ones within the
/// limits).
async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    permits: Arc<tokio::sync::Semaphore>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut connections = tokio::task::JoinSet::new();
    let told = stopped.clone();
    let accept = || async {
        // The permit first: beyond the cap, clients wait in the kernel's queue.
        let permit = Arc::clone(&permits).acquire_owned().await;
        (permit, listener.accept().await)
    };
    loop {
        tokio::select! {
            biased;
            _ = stopped.wait_for(|stop| *stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            (permit, accepted) = accept() => {
                let Ok(permit) = permit else { break };
                match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(serve_connection(
                            stream,
                            http.clone(),
                            app.clone(),
                            limits.idle_timeout,
                            told.clone(),
                            permit,
                        ));
                    }
                    Err(e) => {
                        tracing::warn!(message = "Accepting a connection failed; retrying shortly.", error = %e);
                        drop(permit);
                        tokio::time::sleep(ACCEPT_RETRY).await;
                    }
                }
            }
        }
    }
    while connections.join_next().await.is_some() {}
}

/// When a connection last read or wrote a byte.
struct Activity {
    start: tokio::time::Instant,
    /// Milliseconds from `start`.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: tokio::time::Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> tokio::time::Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }
}

/// A socket that notes in its [`Activity`] every read or write that moved bytes.
struct Watched {
    stream: tokio::net::TcpStream,
    activity: Arc<Activity>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = std::pin::Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(result, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, data);
        if matches!(result, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) until the client closes it, its head is
/// late ([`Limits::header_timeout`]), it stays quiet for `idle`, or the server stops. Every
/// answer gets the headers of [`harden`]. The permit is returned when it ends.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    http: hyper::server::conn::http1::Builder,
    app: Router,
    idle: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let io = hyper_util::rt::TokioIo::new(Watched {
        stream,
        activity: Arc::clone(&activity),
    });
    let app = hyper_util::service::TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |request| {
        let answer = hyper::service::Service::call(&app, request);
        async move {
            let mut response = answer.await?;
            harden(response.headers_mut());
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    // Once the server stops: the request in flight may finish, for a bounded time.
    let mut closing: Option<tokio::time::Instant> = None;
    loop {
        let quiet_until = activity.last() + idle;
        let give_up = closing.unwrap_or_else(|| quiet_until + idle);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(message = "A connection ended with an error.", error = %e);
                }
                break;
            }
            _ = stopped.wait_for(|stop| *stop), if closing.is_none() => {
                closing = Some(tokio::time::Instant::now() + idle.min(SHUTDOWN_GRACE));
                connection.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(give_up), if closing.is_some() => {
                tracing::debug!(message = "Closed a connection still busy after the shutdown's grace.");
                break;
            }
            _ = tokio::time::sleep_until(quiet_until) => {
                if activity.last() + idle <= tokio::time::Instant::now() {
                    tracing::debug!(message = "Closed a connection idle for too long.");
                    break;
                }
            }
        }
    }
}

/// Headers every answer carries, whoever made it (handlers, axum's 404 / 405 / rejections):
/// `X-Content-Type-Options: nosniff`, so that no browser reads partner text as HTML or
/// script, and the CORS headers when the answer has none yet.
fn harden(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        add_cors(headers);
    }
}

/// Web server threads: one per core, at most 8.
fn web_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8))
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
        paging: Paging::Query {
            this: String::new(),
            first: None,
            next: None,
        },
    }
}

async fn index() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "essaim: /feed.rss /feed.atom /feed.json /jobs.jsonld /api/offers /api/offers/{id} \
         /api/networks /api/stats /api/feeds /healthz\n\
         Filters (on every output): q region department commune contract working_time sector \
         network employer since limit after\n",
    )
        .into_response();
    add_cors(response.headers_mut());
    response
}

async fn healthz() -> Response {
    let mut response = "ok\n".into_response();
    add_cors(response.headers_mut());
    response
}

/// Unknown paths, as JSON like the other errors.
async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such output; see /".into())
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// An error as JSON `{"error": message}`, readable from a browser too.
fn error(status: StatusCode, message: String) -> Response {
    let mut response = (status, Json(json!({ "error": message }))).into_response();
    add_cors(response.headers_mut());
    response
}

fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

async fn output(State(s): State<AppState>, req: axum::extract::Request, which: Output) -> Response {
    // The request's parts are read in place: the hot path (a poll of an unchanged output)
    // copies no header.
    let (parts, _) = req.into_parts();
    let headers = parts.headers;
    let request = match filters::parse(&query_pairs(parts.uri.query())) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    // The unfiltered first page is what most consumers poll: its key is the bare name, and
    // it is kept (pinned) and compressed at the best levels.
    let default = request.is_default();
    let key = if default {
        Cow::Borrowed(which.file_name())
    } else {
        Cow::Owned(format!(
            "{}?{}",
            which.file_name(),
            filters::query_string(&request, request.after.as_ref())
        ))
    };
    let packing = if default {
        Packing::Best
    } else {
        Packing::Fast
    };
    let store = Arc::clone(&s.store);
    let base_url = s.base_url.clone();
    let rendered = s.response(&key, default, move || {
        let (offers, next) = store.query_offers(
            &request.filter,
            Order::Published,
            request.limit,
            request.after.as_ref(),
        )?;
        let mut channel = channel(&base_url, &offers);
        page_links(&mut channel, &request, next.as_ref());
        let body = which.render(&channel, &offers);
        let name = which.file_name();
        Ok(
            Rendered::new(body, channel.updated, which.content_type(), packing).with_links(
                channel.first_url(name).as_deref(),
                channel.next_url(name).as_deref(),
            ),
        )
    });
    match rendered.await {
        Ok(r) => respond(r, &headers, &s.cache_control).await,
        Err(response) => response,
    }
}

fn page_links(channel: &mut Channel, request: &Request, next: Option<&Cursor>) {
    channel.paging = Paging::Query {
        this: filters::query_string(request, request.after.as_ref()),
        first: request
            .after
            .is_some()
            .then(|| filters::query_string(request, None)),
        next: next.map(|c| filters::query_string(request, Some(c))),
    };
}

/// Answers with a rendered body: 304 when the client has it, else the best encoding it
/// accepts (compressed off the async threads the first time). Every header value is
/// prepared beforehand, so this only copies references.
async fn respond(r: Arc<Rendered>, request: &HeaderMap, cache_control: &HeaderValue) -> Response {
    let current = not_modified(request, &r.etag, r.last_modified);
    let encoding = if current {
        None
    } else {
        r.encoding_for(request)
    };
    if let Some(e) = encoding.filter(|e| !r.is_packed(*e)) {
        let r = Arc::clone(&r);
        if let Err(err) = tokio::task::spawn_blocking(move || {
            r.packed(e);
        })
        .await
        {
            return server_error(err);
        }
    }
    let (body, encoding) = if current {
        (Bytes::new(), None)
    } else {
        match encoding.and_then(|e| r.packed(e).map(|b| (b.clone(), e))) {
            Some((b, e)) => (b, Some(e)),
            None => (r.body.clone(), None),
        }
    };
    let mut response = Response::new(axum::body::Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::ETAG, r.etag_header.clone());
    headers.insert(header::LAST_MODIFIED, r.last_modified_header.clone());
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    add_cors(headers);
    if current {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    if let Some(link) = &r.link_header {
        headers.insert(header::LINK, link.clone());
    }
    if let Some(e) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e.name()));
    }
    response
}

/// True when `Accept-Encoding` names `encoding` without refusing it (`q=0`).
fn accepts(request: &HeaderMap, encoding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(encoding) && !refused
        })
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
    let request = match filters::parse(&query_pairs(raw.as_deref())) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let key = format!(
        "api/offers?{}",
        filters::query_string(&request, request.after.as_ref())
    );
    let store = Arc::clone(&s.store);
    let base = s.base_url.trim_end_matches('/').to_string();
    let rendered = s.response(&key, false, move || {
        let (offers, next) = store.query_offers(
            &request.filter,
            Order::Discovered,
            request.limit,
            request.after.as_ref(),
        )?;
        let link = |after| {
            format!(
                "{base}/api/offers?{}",
                filters::query_string(&request, after)
            )
        };
        let next_link = next.as_ref().map(|c| link(Some(c)));
        let first_link = request.after.is_some().then(|| link(None));
        let cursor = next.map(|c| c.token());
        let body = publish::api_page(&offers, next_link.as_deref(), cursor.as_deref());
        let last = offers
            .iter()
            .map(|p| p.changed)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH);
        Ok(Rendered::new(body, last, "application/json", Packing::Fast)
            .with_links(first_link.as_deref(), next_link.as_deref()))
    });
    match rendered.await {
        Ok(r) => respond(r, &headers, &s.cache_control).await,
        Err(response) => response,
    }
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
                Packing::Fast,
            );
            respond(Arc::new(rendered), &headers, &s.cache_control).await
        }
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("no open offer with id {id:?}"),
        ),
        Err(e) => server_error(e),
    }
}

/// A summary of the stored offers as JSON, cached like the outputs.
async fn summary(
    s: &AppState,
    headers: &HeaderMap,
    key: &str,
    render: impl FnOnce(&Store) -> Result<serde_json::Value, crate::store::StoreError> + Send + 'static,
) -> Response {
    let store = Arc::clone(&s.store);
    let clock = s.clock;
    let rendered = s.response(key, true, move || {
        let value = render(&store)?;
        Ok(Rendered::new(
            value.to_string(),
            // Rendered once per change of the data: it changed at the latest now.
            clock.now(),
            "application/json",
            Packing::Fast,
        ))
    });
    match rendered.await {
        Ok(r) => respond(r, headers, &s.cache_control).await,
        Err(response) => response,
    }
}

async fn api_networks(State(s): State<AppState>, headers: HeaderMap) -> Response {
    summary(&s, &headers, "api/networks", |store| {
        Ok(json!({ "networks": store.networks()? }))
    })
    .await
}

async fn api_stats(State(s): State<AppState>, headers: HeaderMap) -> Response {
    summary(&s, &headers, "api/stats", |store| {
        let stats = store.stats()?;
        let by = |rows: &[(Option<String>, usize)]| -> serde_json::Map<String, serde_json::Value> {
            rows.iter()
                .map(|(k, v)| (k.clone().unwrap_or_else(|| "unknown".into()), json!(v)))
                .collect()
        };
        let regions: serde_json::Map<String, serde_json::Value> = stats
            .by_region
            .iter()
            .map(|(code, n)| {
                let name = code.as_deref().and_then(|c| {
                    crate::geo::resolve_parts(None, None, None, None, Some(c))
                        .and_then(|p| p.region_name)
                });
                (
                    code.clone().unwrap_or_else(|| "unknown".into()),
                    json!({ "name": name, "open_offers": n }),
                )
            })
            .collect();
        Ok(json!({
            "open_offers": stats.open_offers,
            "by_network": stats
                .by_network
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect::<serde_json::Map<_, _>>(),
            "by_region": regions,
            "by_contract": by(&stats.by_contract),
            "without_employer": stats.without_employer,
        }))
    })
    .await
}

/// The feeds' status: read afresh on every request (fetch attempts change it without
/// changing the published data).
async fn api_feeds(State(s): State<AppState>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.feed_statuses()).await {
        Ok(mut feeds) => {
            // Public (CORS `*`): no credential of a partner URL, wherever it is quoted.
            for feed in &mut feeds {
                feed.url = public_url(&feed.url);
                feed.effective_url = feed.effective_url.as_deref().map(public_url);
                feed.last_error = feed.last_error.as_deref().map(public_urls_in);
            }
            let mut response = Json(feeds).into_response();
            add_cors(response.headers_mut());
            response
        }
        Err(e) => server_error(e),
    }
}

/// Query parameters whose value is a secret, by the words of their name (`apikey`,
/// `api_key`, `access_token`, `X-Amz-Signature`, `authToken`, `client_secret`...).
const SECRET_WORDS: [&str; 15] = [
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "pass",
    "pwd",
    "signature",
    "sig",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "session",
];

/// True when a query parameter's name says its value is a secret: one of the words of the
/// name (split at `_`, `-`, `.` and lower-to-upper case changes) is in [`SECRET_WORDS`], or the
/// whole name is (`apikey`, `accesstoken`...).
fn is_secret_parameter(name: &str) -> bool {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut word));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    words.push(word);
    let whole = name.to_lowercase().replace(['_', '-', '.'], "");
    words.iter().chain(std::iter::once(&whole)).any(|w| {
        SECRET_WORDS.contains(&w.as_str())
            || w.ends_with("token")
            || w.ends_with("secret")
            || w.ends_with("password")
            || w.ends_with("apikey")
    })
}

/// A partner URL as public outputs show it: without user name and password, and with the
/// value of every secret-looking query parameter replaced by `***`
/// (`https://essaim:pw@partner.example/x?apikey=K&page=2` →
/// `https://partner.example/x?apikey=***&page=2`). Other parameters stay as written. A text
/// that is not an absolute URL (a file feed's path) is returned as it is.
pub fn public_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return text.to_string();
    };
    if url.cannot_be_a_base() {
        return text.to_string();
    }
    let hidden_user = !url.username().is_empty() || url.password().is_some();
    // Neither can fail on a URL with a host; a URL without one has no user info anyway.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let mut hidden_query = false;
    if let Some(query) = url.query() {
        let parts: Vec<String> = query
            .split('&')
            .map(|part| {
                let (name, value) = part.split_once('=').unwrap_or((part, ""));
                let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .next()
                    .unwrap_or_default();
                if !value.is_empty() && is_secret_parameter(&decoded) {
                    hidden_query = true;
                    format!("{name}=***")
                } else {
                    part.to_string()
                }
            })
            .collect();
        if hidden_query {
            url.set_query(Some(&parts.join("&")));
        }
    }
    if hidden_user || hidden_query {
        url.to_string()
    } else {
        text.to_string()
    }
}

/// `text` (an error message) with every http(s) URL in it passed through [`public_url`].
pub fn public_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let mut end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(candidate.len());
        // Punctuation closing a sentence or a parenthesis is not part of the URL.
        while end > 0 && candidate[..end].ends_with([')', ',', ';', '.', ':']) {
            end -= 1;
        }
        out.push_str(&public_url(&candidate[..end]));
        rest = &candidate[end..];
    }
    out.push_str(rest);
    out
}

fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(message = "Request failed.", error = %e);
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log".into(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn response_cache_is_bounded_keeps_pinned_outputs_and_follows_the_data() {
        let t: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut cache = Responses::default();
        let fill = |cache: &mut Responses, generation, key: &str, pinned| {
            let slot = cache.slot(generation, key, pinned);
            let r = Rendered::new(format!("<rss>{key}</rss>"), t, "text/xml", Packing::None);
            let size = r.budget();
            slot.set(Arc::new(r)).unwrap();
            cache.rendered(generation, key, size);
        };
        fill(&mut cache, (1, 0), "feed.rss", true);
        for i in 0..CACHED_RESPONSES + 10 {
            fill(&mut cache, (1, 0), &format!("api/offers?region={i}"), false);
        }
        assert_eq!(cache.order.len(), CACHED_RESPONSES);
        assert!(
            cache.slots.contains_key("feed.rss"),
            "pinned output evicted"
        );
        assert!(
            !cache.slots.contains_key("api/offers?region=0"),
            "oldest kept"
        );
        assert!(cache
            .slots
            .contains_key(&format!("api/offers?region={}", CACHED_RESPONSES + 9)));
        let held: usize = cache
            .slots
            .values()
            .filter_map(|(s, _)| s.get().map(|r| r.budget()))
            .sum();
        assert_eq!(cache.bytes, held, "byte count drifted");
        // A change of the data starts afresh, pinned outputs included.
        let slot = cache.slot((2, 0), "feed.rss", true);
        assert!(slot.get().is_none());
        assert_eq!(cache.slots.len(), 1);
        assert_eq!(cache.bytes, 0);
    }

    #[test]
    fn partner_urls_lose_their_credentials() {
        for (url, public) in [
            (
                "https://essaim:s3cr%C3%A9t@flux.partenaire.example/offres.xml?apikey=K3Y-123&page=2",
                "https://flux.partenaire.example/offres.xml?apikey=***&page=2",
            ),
            (
                "http://user@10.1.2.3:8080/export?format=rss&access_token=abc&X-Amz-Signature=f00&authToken=z&client_secret=s&keywords=animateur",
                "http://10.1.2.3:8080/export?format=rss&access_token=***&X-Amz-Signature=***&authToken=***&client_secret=***&keywords=animateur",
            ),
            (
                "https://a.example/rss?api_key=1&sig=2&password=3&pass=4&token=5&key=6&signature=7&auth=8",
                "https://a.example/rss?api_key=***&sig=***&password=***&pass=***&token=***&key=***&signature=***&auth=***",
            ),
            // Nothing secret: as written.
            (
                "https://www.ressources-solidaires.org/rss/offres-69.xml?dept=69&q=aide%20soignant",
                "https://www.ressources-solidaires.org/rss/offres-69.xml?dept=69&q=aide%20soignant",
            ),
            ("fixtures/partners/una-touraine.xml", "fixtures/partners/una-touraine.xml"),
        ] {
            assert_eq!(public_url(url), public, "{url}");
        }
        assert_eq!(
            public_urls_in(
                "HTTP 503 Service Unavailable from https://u:p@a.example/x?token=t (retry later). \
                 request to http://b.example/y?apikey=k, failed"
            ),
            "HTTP 503 Service Unavailable from https://a.example/x?token=*** (retry later). \
             request to http://b.example/y?apikey=***, failed"
        );
    }

    #[test]
    fn the_connection_cap_stays_below_the_file_limit() {
        let cap = Limits::connections_for_file_limit();
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let soft: Option<usize> = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|n| n.parse().ok());
        match soft {
            Some(soft) => assert_eq!(cap, (soft * 3 / 4).clamp(16, 65_536), "{limits}"),
            None => assert!((16..=65_536).contains(&cap), "{cap}"),
        }
    }

    #[test]
    fn accept_encoding() {
        let mut h = HeaderMap::new();
        assert!(!accepts(&h, "gzip"));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0.8, br;q=0.0, deflate"),
        );
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "br"), "q=0.0 refuses");
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("BR"));
        assert!(accepts(&h, "br"));
    }

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
