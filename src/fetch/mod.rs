//! Gets the bytes of one partner feed: over http(s) with reqwest, or from a local file.
//!
//! Politeness and safety live here: a User-Agent naming essaim, conditional requests
//! (If-None-Match / If-Modified-Since), compressed transfer, timeouts, a cap on the body size
//! (counted after decompression), redirects followed by hand (so every hop is checked and a
//! permanent one is reported), and non-public addresses refused after DNS resolution and for
//! address literals on every hop, unless the operator allowed them (everywhere, for one feed,
//! or for listed networks). The timing headers of the answer (Retry-After, Cache-Control,
//! Expires) are passed on raw; [`crate::politeness`] decides what they mean.

use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;

use crate::config::{FeedConfig, FeedSource, Settings};
use crate::model::FetchMemory;
use crate::politeness::Freshness;

mod address;
mod budget;

pub use address::is_non_public;
use address::{check_literal_host, AddressPolicy, PublicOnlyResolver, Refused};
pub use budget::{BodyBudget, BudgetHold};

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
    /// The body budget had no room for this body at once, and the fetcher does not wait for
    /// it ([`Fetcher::without_waiting`]: a partner's check).
    Busy,
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
    /// Wait for the body budget (the daemon's fetches), or fail with
    /// [`FetchErrorKind::Busy`] when it has no room at once (partners' checks).
    wait_for_budget: bool,
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
            wait_for_budget: true,
        })
    }

    /// The same fetcher, sharing its clients and its body budget, that does not wait for the
    /// budget: a body it has no room for at once fails with [`FetchErrorKind::Busy`]. The web
    /// server checks partners' feeds with it, within the daemon's budget, so that partners
    /// checking large feeds at once neither exhaust memory nor hold requests open.
    pub fn without_waiting(&self) -> Fetcher {
        Fetcher {
            wait_for_budget: false,
            ..self.clone()
        }
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
            FeedSource::File(path) => read_file(path, self.max_body_bytes, self.shares()).await,
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
                read_capped(resp, self.max_body_bytes, &url, self.shares()).await?;
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

    fn shares(&self) -> Shares<'_> {
        Shares {
            budget: &self.budget,
            wait: self.wait_for_budget,
        }
    }
}

/// How a fetch takes its share of the body budget: waiting for it, or only if free at once.
#[derive(Clone, Copy)]
struct Shares<'a> {
    budget: &'a BodyBudget,
    wait: bool,
}

impl Shares<'_> {
    async fn start(self) -> Result<budget::Share, FetchError> {
        if self.wait {
            return Ok(self.budget.start().await);
        }
        self.budget.try_start().ok_or_else(busy)
    }

    async fn cover(
        self,
        share: &mut budget::Share,
        needed: u64,
        exact: bool,
    ) -> Result<(), FetchError> {
        if self.wait {
            self.budget.cover(share, needed, exact).await;
            return Ok(());
        }
        if self.budget.try_cover(share, needed, exact) {
            Ok(())
        } else {
            Err(busy())
        }
    }
}

fn busy() -> FetchError {
    FetchError::new(
        FetchErrorKind::Busy,
        "the bodies being read take the whole body budget (settings.max_body_bytes); \
         nothing was read",
    )
}

async fn read_file(path: &Path, cap: u64, budget: Shares<'_>) -> Result<Fetched, FetchError> {
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
    let mut share = budget.start().await?;
    budget.cover(&mut share, meta.len(), true).await?;
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
    budget: Shares<'_>,
) -> Result<(Vec<u8>, BudgetHold), FetchError> {
    let length = resp.content_length();
    if length.is_some_and(|n| n > cap) {
        return Err(too_large(url, cap));
    }
    let mut share = budget.start().await?;
    if let Some(n) = length {
        budget.cover(&mut share, n, true).await?;
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
            budget.cover(&mut share, total, false).await?;
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

#[cfg(test)]
mod tests;
