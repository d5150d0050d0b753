//! Gets the bytes of one partner feed: over http(s) with reqwest, or from a local file.
//!
//! Politeness and safety live here: a User-Agent naming essaim, conditional requests
//! (If-None-Match / If-Modified-Since), compressed transfer, timeouts, a cap on the body size
//! (counted after decompression), redirects followed by hand (so every hop is checked and a
//! permanent one is reported), and non-public addresses refused after DNS resolution and for
//! address literals on every hop, unless the operator allowed them (everywhere, for one feed,
//! or for listed networks). The timing headers of the answer (Retry-After, Cache-Control,
//! Expires) are passed on raw; [`crate::politeness`] decides what they mean.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use ipnet::IpNet;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;

use crate::config::{FeedConfig, FeedSource, Settings};
use crate::politeness::Freshness;
use crate::store::FetchMemory;

/// Most redirect hops followed for one fetch.
pub const MAX_REDIRECTS: usize = 5;

/// The body of a feed and what the server said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub http_status: Option<u16>,
    /// `charset` parameter of the Content-Type.
    pub charset: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// URL the body was finally read from (after redirects).
    pub final_url: Option<String>,
    /// Set when every hop to the final URL was permanent (301/308): the feed has moved.
    pub moved_to: Option<String>,
    pub timing: Timing,
    /// The share of the global body budget this body holds (see [`BodyBudget`]): released
    /// when the last clone is dropped, which the pipeline does once the body is applied.
    pub budget: BudgetHold,
}

/// A global budget over the bytes of the bodies being read and processed at once, so that
/// concurrent large bodies wait for each other instead of multiplying memory (eight 16 MiB
/// feeds at once once took 2.8 GB).
///
/// Every body first takes a small share ([`BodyBudget::SMALL`]); one that outgrows it takes
/// its whole size when known (Content-Length, a file's length), else the body cap, waiting
/// until the budget has that much free. Growing happens one body at a time, under a lock, and
/// a body that has grown never grows again, so the bodies waiting hold only small shares:
/// with a budget of one cap plus a small share per concurrent fetch, a growing body always
/// ends up with its share, and nothing waits in a cycle. Permits count KiB.
#[derive(Clone, Debug)]
pub struct BodyBudget {
    permits: Arc<tokio::sync::Semaphore>,
    grow: Arc<tokio::sync::Mutex<()>>,
    small: u64,
    cap: u64,
}

/// What one body holds of the [`BodyBudget`]; clones share it. Compares equal to any other
/// (it is bookkeeping, not content).
#[derive(Clone, Debug, Default)]
pub struct BudgetHold(Option<Arc<tokio::sync::OwnedSemaphorePermit>>);

impl BudgetHold {
    /// KiB of the budget held (0 without a budget).
    pub fn kib(&self) -> usize {
        self.0.as_ref().map_or(0, |p| p.num_permits())
    }
}

impl PartialEq for BudgetHold {
    fn eq(&self, _: &BudgetHold) -> bool {
        true
    }
}
impl Eq for BudgetHold {}

/// A share of the budget while a body is read.
struct Share {
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    /// Bytes the share covers.
    bytes: u64,
    /// It has grown: it covers the body whatever its size.
    grown: bool,
}

impl BodyBudget {
    /// The share every body takes first: bodies up to this size never wait for others.
    pub const SMALL: u64 = 1024 * 1024;

    /// A budget for bodies of at most `cap` bytes, `concurrent` fetches at once: one cap plus
    /// a small share per fetch.
    pub fn new(cap: u64, concurrent: usize) -> BodyBudget {
        let small = Self::SMALL.min(cap);
        let total = cap + small * concurrent.max(1) as u64;
        BodyBudget {
            permits: Arc::new(tokio::sync::Semaphore::new(
                (kib(total) as usize).min(tokio::sync::Semaphore::MAX_PERMITS),
            )),
            grow: Arc::new(tokio::sync::Mutex::new(())),
            small,
            cap,
        }
    }

    /// Bytes free in the budget now (for tests and diagnostics).
    pub fn available(&self) -> u64 {
        self.permits.available_permits() as u64 * 1024
    }

    async fn start(&self) -> Share {
        let permit = Arc::clone(&self.permits)
            .acquire_many_owned(kib(self.small))
            .await
            .ok();
        Share {
            permit,
            bytes: self.small,
            grown: false,
        }
    }

    /// Makes `share` cover `needed` bytes: the exact size when `exact` (a known length), else
    /// the cap. Waits while other large bodies hold the budget.
    async fn cover(&self, share: &mut Share, needed: u64, exact: bool) {
        if needed <= share.bytes || share.grown {
            return;
        }
        let target = if exact {
            needed.min(self.cap)
        } else {
            self.cap
        };
        let _one_at_a_time = self.grow.lock().await;
        let more = kib(target).saturating_sub(kib(share.bytes));
        if more > 0 {
            if let Ok(p) = Arc::clone(&self.permits).acquire_many_owned(more).await {
                match &mut share.permit {
                    Some(held) => held.merge(p),
                    None => share.permit = Some(p),
                }
            }
        }
        share.bytes = target;
        share.grown = true;
    }
}

impl Share {
    fn hold(self) -> BudgetHold {
        BudgetHold(self.permit.map(Arc::new))
    }
}

/// Permits (KiB) for `bytes`, rounded up.
fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// Freshness headers of the final response, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    /// Every Cache-Control value, joined with ", ".
    pub cache_control: Option<String>,
    pub expires: Option<String>,
    pub date: Option<String>,
    pub age: Option<String>,
}

impl Timing {
    fn of(headers: &HeaderMap) -> Timing {
        let cache_control: Vec<&str> = headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Timing {
            cache_control: (!cache_control.is_empty()).then(|| cache_control.join(", ")),
            expires: header_text(headers, header::EXPIRES),
            date: header_text(headers, header::DATE),
            age: header_text(headers, header::AGE),
        }
    }

    /// The view [`crate::politeness::freshness`] reads.
    pub fn freshness(&self) -> Freshness<'_> {
        Freshness {
            cache_control: self.cache_control.as_deref(),
            expires: self.expires.as_deref(),
            date: self.date.as_deref(),
            age: self.age.as_deref(),
        }
    }
}

/// What a fetch brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Body(Body),
    /// 304: nothing changed since the validators we sent.
    NotModified {
        http_status: u16,
        etag: Option<String>,
        last_modified: Option<String>,
        /// As in [`Body::moved_to`]: permanent redirects led to this 304.
        moved_to: Option<String>,
        timing: Timing,
    },
}

/// Why a fetch failed; `kind` is what callers branch on, the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub message: String,
    pub http_status: Option<u16>,
    /// `Retry-After` of a 429 or 503 answer, as received.
    pub retry_after: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// Connection refused, DNS failure, TLS failure...
    Network,
    Timeout,
    /// The server answered with an error status.
    Status,
    /// 410 Gone: the partner removed the feed.
    Gone,
    TooLarge,
    /// A non-public address, refused by policy.
    Forbidden,
    TooManyRedirects,
    /// A local file that cannot be read.
    File,
}

impl FetchError {
    fn new(kind: FetchErrorKind, message: impl Into<String>) -> FetchError {
        FetchError {
            kind,
            message: message.into(),
            http_status: None,
            retry_after: None,
        }
    }
}

/// Shared HTTP machinery: one client that refuses non-public addresses and one that allows them.
#[derive(Clone)]
pub struct Fetcher {
    public_only: reqwest::Client,
    any_address: reqwest::Client,
    allow_private_everywhere: bool,
    policy: AddressPolicy,
    max_body_bytes: u64,
    budget: BodyBudget,
}

/// Which non-public addresses partner URLs may reach anyway: the operator's listed networks.
#[derive(Clone, Debug, Default)]
struct AddressPolicy {
    allowed: Arc<Vec<IpNet>>,
}

impl AddressPolicy {
    fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        !is_non_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }
}

impl Fetcher {
    pub fn new(settings: &Settings) -> Result<Fetcher, FetchError> {
        let user_agent = match &settings.contact_url {
            Some(url) => format!("essaim/{} (+{url})", env!("CARGO_PKG_VERSION")),
            None => format!("essaim/{}", env!("CARGO_PKG_VERSION")),
        };
        let policy = AddressPolicy {
            allowed: Arc::new(settings.allowed_private_networks.clone()),
        };
        let build = |guard: bool| {
            let mut b = reqwest::Client::builder()
                .user_agent(user_agent.clone())
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.request_timeout)
                .gzip(true)
                .brotli(true)
                .deflate(true)
                .no_proxy();
            if guard {
                b = b.dns_resolver(Arc::new(PublicOnlyResolver {
                    policy: policy.clone(),
                }));
            }
            b.build().map_err(|e| {
                FetchError::new(
                    FetchErrorKind::Network,
                    format!("cannot build HTTP client: {e}"),
                )
            })
        };
        Ok(Fetcher {
            public_only: build(true)?,
            any_address: build(false)?,
            allow_private_everywhere: settings.allow_private_addresses,
            policy,
            max_body_bytes: settings.max_body_bytes,
            budget: BodyBudget::new(settings.max_body_bytes, settings.max_concurrent_fetches),
        })
    }

    /// The budget of body bytes this fetcher's bodies share.
    pub fn budget(&self) -> &BodyBudget {
        &self.budget
    }

    /// Fetches one feed, sending the validators remembered from the last fetch.
    pub async fn fetch(
        &self,
        feed: &FeedConfig,
        memory: &FetchMemory,
    ) -> Result<Fetched, FetchError> {
        match &feed.source {
            FeedSource::File(path) => read_file(path, self.max_body_bytes, &self.budget).await,
            FeedSource::Http(url) => {
                let start = memory
                    .effective_url
                    .as_deref()
                    .and_then(|u| url::Url::parse(u).ok())
                    .unwrap_or_else(|| url.clone());
                let allow_private = self.allow_private_everywhere || feed.allow_private;
                self.fetch_url(start, memory, allow_private).await
            }
        }
    }

    /// Fetches a URL given on the command line (`validate`), without validators.
    pub async fn fetch_url_once(&self, url: url::Url) -> Result<Fetched, FetchError> {
        self.fetch_url(url, &FetchMemory::default(), self.allow_private_everywhere)
            .await
    }

    async fn fetch_url(
        &self,
        mut url: url::Url,
        memory: &FetchMemory,
        allow_private: bool,
    ) -> Result<Fetched, FetchError> {
        let client = if allow_private {
            &self.any_address
        } else {
            &self.public_only
        };
        let mut all_permanent = true;
        let mut hops = 0;
        loop {
            if !allow_private {
                check_literal_host(&url, &self.policy)?;
            }
            let mut req = client.get(url.clone());
            if let Some(etag) = &memory.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &memory.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
            let resp = req.send().await.map_err(|e| request_error(&url, e))?;
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let Some(next) = location(&url, resp.headers()) else {
                    return Err(status_error(
                        status,
                        &url,
                        "redirect without a usable Location",
                    ));
                };
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(FetchError {
                        kind: FetchErrorKind::TooManyRedirects,
                        message: format!("more than {MAX_REDIRECTS} redirects from {url}"),
                        http_status: Some(status.as_u16()),
                        retry_after: None,
                    });
                }
                all_permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                url = next;
                continue;
            }
            let headers = resp.headers().clone();
            let etag = header_text(&headers, header::ETAG);
            let last_modified = header_text(&headers, header::LAST_MODIFIED);
            let moved_to = (hops > 0 && all_permanent).then(|| url.to_string());
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified {
                    http_status: 304,
                    etag,
                    last_modified,
                    moved_to,
                    timing: Timing::of(&headers),
                });
            }
            if status == StatusCode::GONE {
                return Err(FetchError {
                    kind: FetchErrorKind::Gone,
                    message: format!("410 Gone: the partner removed {url}"),
                    http_status: Some(410),
                    retry_after: None,
                });
            }
            if !status.is_success() {
                let mut e = status_error(status, &url, "");
                if matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                ) {
                    e.retry_after = header_text(&headers, header::RETRY_AFTER);
                }
                return Err(e);
            }
            let charset =
                header_text(&headers, header::CONTENT_TYPE).and_then(|ct| charset_of(&ct));
            let (bytes, budget) =
                read_capped(resp, self.max_body_bytes, &url, &self.budget).await?;
            return Ok(Fetched::Body(Body {
                bytes,
                budget,
                http_status: Some(status.as_u16()),
                charset,
                etag,
                last_modified,
                moved_to,
                final_url: Some(url.to_string()),
                timing: Timing::of(&headers),
            }));
        }
    }
}

async fn read_file(path: &Path, cap: u64, budget: &BodyBudget) -> Result<Fetched, FetchError> {
    let file_err = |e: std::io::Error| {
        FetchError::new(
            FetchErrorKind::File,
            format!("cannot read {}: {e}", path.display()),
        )
    };
    let meta = tokio::fs::metadata(path).await.map_err(file_err)?;
    if meta.len() > cap {
        return Err(FetchError::new(
            FetchErrorKind::TooLarge,
            format!(
                "{} is too large: {} bytes, the limit is {cap}",
                path.display(),
                meta.len()
            ),
        ));
    }
    let mut share = budget.start().await;
    budget.cover(&mut share, meta.len(), true).await;
    let bytes = tokio::fs::read(path).await.map_err(file_err)?;
    Ok(Fetched::Body(Body {
        bytes,
        budget: share.hold(),
        http_status: None,
        charset: None,
        etag: None,
        last_modified: None,
        final_url: None,
        moved_to: None,
        timing: Timing::default(),
    }))
}

/// Reads the (decompressed) body, stopping at the cap, within the budget: a body larger than
/// the small share waits for its share (its whole length when the server gave one).
async fn read_capped(
    resp: reqwest::Response,
    cap: u64,
    url: &url::Url,
    budget: &BodyBudget,
) -> Result<(Vec<u8>, BudgetHold), FetchError> {
    let length = resp.content_length();
    if length.is_some_and(|n| n > cap) {
        return Err(too_large(url, cap));
    }
    let mut share = budget.start().await;
    if let Some(n) = length {
        budget.cover(&mut share, n, true).await;
    }
    // A known length is allocated once (a growing vector would briefly hold twice the body).
    let mut out = Vec::with_capacity(length.unwrap_or(0).min(cap) as usize);
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| request_error(url, e))?;
        let total = out.len() as u64 + chunk.len() as u64;
        if total > cap {
            return Err(too_large(url, cap));
        }
        if total > share.bytes {
            budget.cover(&mut share, total, false).await;
        }
        out.extend_from_slice(&chunk);
    }
    Ok((out, share.hold()))
}

fn too_large(url: &url::Url, cap: u64) -> FetchError {
    FetchError::new(
        FetchErrorKind::TooLarge,
        format!("too large: the body of {url} exceeds {cap} bytes"),
    )
}

fn request_error(url: &url::Url, e: reqwest::Error) -> FetchError {
    // The resolver's refusal travels inside reqwest's error chain.
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<Refused>() {
            return FetchError::new(FetchErrorKind::Forbidden, refused.0.clone());
        }
        source = s.source();
    }
    let kind = if e.is_timeout() {
        FetchErrorKind::Timeout
    } else {
        FetchErrorKind::Network
    };
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    FetchError::new(
        kind,
        format!("request to {url} {what}: {}", error_chain(&e)),
    )
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn status_error(status: StatusCode, url: &url::Url, extra: &str) -> FetchError {
    let reason = status.canonical_reason().unwrap_or("");
    let mut message = format!("HTTP {} {reason} from {url}", status.as_u16());
    if !extra.is_empty() {
        message.push_str(": ");
        message.push_str(extra);
    }
    FetchError {
        kind: FetchErrorKind::Status,
        message,
        http_status: Some(status.as_u16()),
        retry_after: None,
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn location(base: &url::Url, headers: &HeaderMap) -> Option<url::Url> {
    let loc = headers.get(header::LOCATION)?.to_str().ok()?;
    let next = base.join(loc.trim()).ok()?;
    matches!(next.scheme(), "http" | "https").then_some(next)
}

/// The `charset` parameter of a Content-Type value.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    })
}

/// True for addresses a partner URL must not reach: loopback, private, link-local (which holds
/// the cloud metadata address 169.254.169.254), unique-local, unspecified, multicast,
/// broadcast, documentation, shared (CGNAT), reserved, and every IPv6 form that carries or
/// can reach an IPv4 address: IPv4-mapped (`::ffff:0:0/96`) of a non-public address, and,
/// whatever address they embed, IPv4-compatible (`::/96`), IPv4-translated
/// (`::ffff:0:0:0/96`), 6to4 (`2002::/16`), Teredo (`2001::/32`), NAT64 (`64:ff9b::/96`,
/// `64:ff9b:1::/48`), plus ISATAP interface ids embedding a non-public IPv4 address.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // 100.64/10 shared address space
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24 protocol assignments
                || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 6to4 relay anycast
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                IpAddr::from([(hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8])
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || s[..6].iter().all(|&x| x == 0) // IPv4-compatible ::/96 (deprecated)
                || (s[..4].iter().all(|&x| x == 0) && s[4] == 0xffff && s[5] == 0) // IPv4-translated
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site local fec0::/10 (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20
                || s[0] == 0x2002 // 6to4: reaches the IPv4 address it embeds
                || (s[0] == 0x2001 && s[1] == 0) // Teredo: idem, through a relay
                || (s[0] == 0x2001 && s[1] == 2 && s[2] == 0) // benchmarking 2001:2::/48
                || (s[0] == 0x2001 && (s[1] & 0xffe0) == 0x0020) // ORCHIDv2 2001:20::/28
                || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID 2001:10::/28
                || (s[0] == 0x100 && s[1..4].iter().all(|&x| x == 0)) // discard 100::/64
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 (both prefixes) can reach private IPv4
                || ((s[4] & 0xfdff) == 0 && s[5] == 0x5efe && is_non_public(embedded(s[6], s[7])))
            // ISATAP
        }
    }
}

/// How an operator lets an intranet partner through, for refusal messages.
const HOW_TO_ALLOW: &str = "for an intranet partner, list its network in settings.allowed_private_networks or set allow_private = true on the feed";

fn check_literal_host(url: &url::Url, policy: &AddressPolicy) -> Result<(), FetchError> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if !policy.permits(ip) {
        return Err(FetchError::new(
            FetchErrorKind::Forbidden,
            format!("refused: {url} points to the non-public address {ip} ({HOW_TO_ALLOW})"),
        ));
    }
    Ok(())
}

/// The resolver's refusal, recognised in reqwest's error chain.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Resolves names and keeps only public addresses (and those of the allowed networks):
/// checked after resolution, at connect time, so a name that points inside the operator's
/// network is refused even when the URL looks harmless, and the connection goes only to the
/// addresses that were checked.
struct PublicOnlyResolver {
    policy: AddressPolicy,
}

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if public.is_empty() {
                let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                let err: Box<dyn std::error::Error + Send + Sync> = Box::new(Refused(format!(
                    "refused: {host} resolves only to non-public addresses ({}); {HOW_TO_ALLOW}",
                    list.join(", ")
                )));
                return Err(err);
            }
            let iter: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(iter)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "::",
            "255.255.255.255",
        ] {
            assert!(
                is_non_public(ip.parse().unwrap_or(IpAddr::from([1, 1, 1, 1]))),
                "{ip}"
            );
        }
        // Every IPv6 form that carries or reaches an IPv4 address.
        for ip in [
            "::10.0.0.1",                           // IPv4-compatible
            "::127.0.0.1",                          // IPv4-compatible loopback
            "::8.8.8.8",                            // IPv4-compatible, deprecated even when public
            "::ffff:169.254.169.254",               // IPv4-mapped metadata address
            "::ffff:0:10.0.0.1",                    // IPv4-translated
            "2002:0a00:0001::1",                    // 6to4 of 10.0.0.1
            "2002:7f00:1::",                        // 6to4 of 127.0.0.1
            "2002:0808:0808::1", // 6to4 of a public address: a relay decides, refused
            "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo (client 10.0.0.1)
            "2001::1",           // Teredo
            "64:ff9b::a00:1",    // NAT64 of 10.0.0.1
            "64:ff9b::808:808",  // NAT64 of a public address: refused too
            "64:ff9b:1::a9fe:a9fe", // local-use NAT64
            "2001:41d0::5efe:a9fe:a9fe", // ISATAP of 169.254.169.254
            "fe80::5efe:c0a8:0101", // ISATAP link-local
            "fec0::1",           // site-local
            "3fff::1",           // documentation
            "2001:2::1",         // benchmarking
            "100::1",            // discard
            "192.88.99.1",       // 6to4 relay anycast
        ] {
            assert!(
                is_non_public(ip.parse().unwrap_or(IpAddr::from([1, 1, 1, 1]))),
                "{ip}"
            );
        }
        for ip in [
            "193.51.224.1",
            "2001:41d0::1",
            "8.8.8.8",
            "2a01:cb00::1",
            "2001:41d0::5efe:c133:e001", // ISATAP of a public address
            "2600::1",
        ] {
            assert!(
                !is_non_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))),
                "{ip}"
            );
        }
    }

    #[test]
    fn allowed_networks_open_exactly_their_range() {
        let policy = AddressPolicy {
            allowed: Arc::new(vec![
                "127.0.0.1/32".parse().unwrap(),
                "10.1.0.0/16".parse().unwrap(),
            ]),
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for ok in ["127.0.0.1", "10.1.200.3", "::ffff:127.0.0.1", "8.8.8.8"] {
            assert!(policy.permits(ip(ok)), "{ok}");
        }
        for refused in [
            "127.0.0.2",
            "10.2.0.1",
            "::1",
            "169.254.169.254",
            "::ffff:10.2.0.1",
        ] {
            assert!(!policy.permits(ip(refused)), "{refused}");
        }
        assert!(!AddressPolicy::default().permits(ip("127.0.0.1")));
        let url = url::Url::parse("http://127.0.0.2:8080/feed").unwrap();
        let e = check_literal_host(&url, &policy).err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.kind == FetchErrorKind::Forbidden
                    && e.message.contains("127.0.0.2")
                    && e.message.contains("allowed_private_networks")),
            "{e:?}"
        );
    }

    #[test]
    fn charset_parameter() {
        assert_eq!(
            charset_of("application/rss+xml; charset=ISO-8859-1").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(
            charset_of("text/xml;Charset=\"utf-8\"").as_deref(),
            Some("utf-8")
        );
        assert_eq!(charset_of("text/xml"), None);
    }
}
