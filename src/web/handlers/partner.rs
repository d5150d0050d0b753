//! The partner API and its form: a partner network, with the token the operator gave it
//! (`Authorization: Bearer`, or the form's token field), registers a feed URL
//! (`POST /api/partner/feeds`), lists and reads its own registrations (`GET
//! /api/partner/feeds`, `GET /api/partner/feeds/{id}`), registers one again at another URL when
//! its feed moved (`PUT /api/partner/feeds/{id}`, the same feed once approved) and withdraws
//! one (`DELETE`). `/partner` is the same registration as a plain HTML form and page.
//!
//! Each registration is checked at once ([`crate::validate::check`]): fetched under every
//! fetch rule of the operator's settings, read as it would be polled. A URL the rules refuse
//! or that gives no body is answered 422 and not stored; a body that does not read is stored
//! as pending with its outcome (the operator decides), and the answer says it cannot be
//! polled as is. An approved registration registered again with another format or mapping
//! keeps being polled as approved; the change waits for the operator (the store's
//! `registration_changes`). Checks read within the daemon's body budget and never wait for
//! it: one it has no room for is answered 503 with Retry-After ([`BUSY_RETRY_SECS`]), in
//! English and French. Whatever is wrong with a token (none, malformed, unknown, revoked), the
//! answer is the same 401; another network's registration reads as one that does not exist.
//! Each token may register [`POSTS_PER_MINUTE`] times a minute (429 with Retry-After, time
//! from the state's clock; a POST answered 503 for want of room does not count); bodies over [`BODY_LIMIT`] bytes are refused with 413.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::model::{PartnerToken, Registration, RegistrationState};
use crate::store::{NewRegistration, StoreError};
use crate::validate::check::{self, Candidate, CheckError, Outcome};
use crate::web::answer::{error, server_error};
use crate::web::AppState;

/// Registrations (POSTs) one token may make in a minute.
pub(in crate::web) const POSTS_PER_MINUTE: usize = 5;
/// The largest request body of the partner routes, in bytes.
pub(in crate::web) const BODY_LIMIT: usize = 16 * 1024;
/// The longest URL and name accepted.
const MAX_URL: usize = 2048;
const MAX_NAME: usize = 200;

/// The POSTs each token made in the last minute.
#[derive(Debug, Default)]
pub(in crate::web) struct RateLimits {
    posts: Mutex<HashMap<i64, VecDeque<DateTime<Utc>>>>,
}

impl RateLimits {
    /// Admits one POST of token `id` at `now`, or says in how many seconds one will be.
    fn admit(&self, id: i64, now: DateTime<Utc>) -> Result<(), u64> {
        let window = TimeDelta::minutes(1);
        let mut posts = self.posts.lock().unwrap_or_else(|p| p.into_inner());
        // Forget tokens whose last POST is a minute old, so the map stays small.
        posts.retain(|_, times| times.back().is_some_and(|t| now - *t < window));
        let times = posts.entry(id).or_default();
        while times.front().is_some_and(|t| now - *t >= window) {
            times.pop_front();
        }
        if times.len() >= POSTS_PER_MINUTE {
            let wait = times.front().map_or(window, |t| *t + window - now);
            let secs = (wait.num_milliseconds().max(0) + 999) / 1000;
            let secs = secs.max(1);
            return Err(u64::try_from(secs).unwrap_or(60));
        }
        times.push_back(now);
        Ok(())
    }

    /// Gives back the latest POST admitted for token `id`: one the server could not serve
    /// (no room in the body budget, answered 503 with Retry-After) does not count, so a partner
    /// that retries as told is not then refused for retrying.
    fn give_back(&self, id: i64) {
        let mut posts = self.posts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(times) = posts.get_mut(&id) {
            times.pop_back();
        }
    }
}

/// Why a request is not served.
enum Denied {
    /// No configuration in this server (the partner API needs its settings).
    Unavailable,
    /// No valid token, whatever the reason.
    Unauthorized,
    /// Over the rate limit: retry after so many seconds.
    Limited(u64),
    /// The store failed.
    Server(String),
}

const UNAUTHORIZED: &str =
    "a valid partner token is needed (Authorization: Bearer <token>); the operator gives one";

/// The token an `Authorization: Bearer` header presents.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The partner a presented token belongs to; with `post`, one registration counted against
/// its rate limit.
async fn admit(
    s: &AppState,
    presented: Option<String>,
    post: bool,
) -> Result<PartnerToken, Denied> {
    if s.config.is_none() {
        return Err(Denied::Unavailable);
    }
    let Some(presented) = presented else {
        return Err(Denied::Unauthorized);
    };
    let now = s.clock.now();
    let token = s
        .shared()
        .run(move |st| st.partner_by_token(&presented, now))
        .await
        .map_err(|e| Denied::Server(e.to_string()))?
        .ok_or(Denied::Unauthorized)?;
    if post {
        s.partner_limits
            .admit(token.id, now)
            .map_err(Denied::Limited)?;
    }
    Ok(token)
}

/// A denial as the API answers it.
fn denied_json(d: Denied) -> Response {
    match d {
        Denied::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the partner API is not available on this server".into(),
        ),
        Denied::Unauthorized => {
            let mut r = error(StatusCode::UNAUTHORIZED, UNAUTHORIZED.into());
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
        Denied::Limited(secs) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "at most {POSTS_PER_MINUTE} registrations a minute per token; retry in {secs} s"
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Denied::Server(e) => server_error(e),
    }
}

/// What a partner sends to register a feed. Nothing else is accepted (a partner cannot ask
/// for private addresses or anything the operator decides).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedRequest {
    url: String,
    name: Option<String>,
    format: Option<String>,
    mapping: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Why a registration was not stored.
enum Refused {
    /// The request or its URL: 422 with the reason.
    Unprocessable(String),
    /// The daemon's body budget has no room for the check now: 503 with Retry-After.
    Busy,
    Server(String),
}

/// Seconds a partner is asked to wait when the body budget is in use (a fetch holds its
/// share at most `request_timeout`, 30 s by default, plus its parsing).
pub(in crate::web) const BUSY_RETRY_SECS: u64 = 30;

/// What a partner reads when the body budget has no room for its check, in English and French.
const BUSY: &str = "not checked now: essaim is reading other feeds and has no room for yours \
    at the moment; nothing was stored, and this POST counts against the token's minute; retry \
    in 30 s";
const BUSY_FR: &str = "non vérifié pour l'instant : essaim lit d'autres flux et n'a pas la place \
    de lire le vôtre ; rien n'a été enregistré, et cette requête compte dans la minute du jeton ; \
    réessayez dans 30 s";

/// The answer to a check the body budget has no room for: 503, Retry-After, both languages.
fn busy_json() -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, BUSY.into());
    let body = json!({ "error": BUSY, "error_fr": BUSY_FR });
    *r.body_mut() = axum::body::Body::from(body.to_string());
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECS));
    r
}

/// Checks and stores a registration: whether it was new, the registration, the check.
async fn register(
    s: &AppState,
    token: &PartnerToken,
    request: FeedRequest,
    moving: Option<i64>,
) -> Result<(bool, Registration, Outcome), Refused> {
    let Some(config) = s.config.clone() else {
        return Err(Refused::Server("no configuration".into()));
    };
    let url = request.url.trim().to_string();
    if url.is_empty() || url.len() > MAX_URL {
        return Err(Refused::Unprocessable(format!(
            "url: give the feed's http(s) URL, at most {MAX_URL} bytes"
        )));
    }
    let name = match request.name.as_deref().map(str::trim) {
        Some(n) if n.chars().count() > MAX_NAME => {
            return Err(Refused::Unprocessable(format!(
                "name: at most {MAX_NAME} characters"
            )))
        }
        Some(n) if !n.is_empty() => n.to_string(),
        _ => url::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| url.clone()),
    };
    let format = request
        .format
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty() && f != "auto");
    let candidate = Candidate {
        network: token.network.clone(),
        name,
        url,
        format,
        mapping: request.mapping.filter(|m| !m.is_empty()),
    };
    let Some(fetcher) = &s.checks else {
        return Err(Refused::Server("no fetcher for the checks".into()));
    };
    let now = s.clock.now();
    let outcome = match check::check(fetcher, &config, &candidate, now).await {
        Ok(o) => o,
        Err(e @ (CheckError::Invalid(_) | CheckError::Fetch(_))) => {
            return Err(Refused::Unprocessable(e.to_string()))
        }
        Err(CheckError::Busy(why)) => {
            tracing::info!(message = "A partner's check waits: the body budget is in use.", network = %candidate.network, reason = %why);
            return Err(Refused::Busy);
        }
    };
    let report = serde_json::to_value(&outcome).map_err(|e| Refused::Server(e.to_string()))?;
    let new = NewRegistration {
        network: candidate.network.clone(),
        token_id: Some(token.id),
        name: candidate.name,
        url: candidate.url,
        format: candidate.format,
        mapping: candidate.mapping,
        report,
    };
    let (existed, registration) = s
        .shared()
        .run(move |st| match moving {
            Some(id) => Ok((true, st.move_registration(id, &new, now)?)),
            None => {
                let existed = st
                    .registrations(Some(&new.network))?
                    .iter()
                    .any(|r| r.url == new.url);
                Ok((existed, st.register_feed(&new, now)?))
            }
        })
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => Refused::Unprocessable(why),
            e => Refused::Server(e.to_string()),
        })?;
    Ok((!existed, registration, outcome))
}

/// What the answer says of a registration's check.
fn message(registration: &Registration, outcome: &Outcome) -> String {
    if registration.pending_change().is_some() {
        let readable = if outcome.readable {
            ""
        } else {
            " (essaim cannot read it as changed: see the check; register it again fixed, or \
             as approved to drop the change)"
        };
        return format!(
            "change registered: it waits for the operator's approval{readable}; meanwhile \
             essaim keeps polling and publishing {} as approved",
            registration.feed_id
        );
    }
    if registration.state == RegistrationState::Approved {
        return "checked again: approved, essaim polls it".into();
    }
    if outcome.readable {
        "registered: it waits for the operator's approval, then essaim polls it".into()
    } else if outcome.proposed_mapping.is_some() {
        "registered as pending, but essaim cannot read it as registered, so it cannot be \
         polled as is: register the same URL again with the proposed format and mapping \
         (proposed_mapping), or fix the feed"
            .into()
    } else {
        "registered as pending, but essaim cannot read it, so it cannot be polled as is: \
         fix the feed, or give its format and mapping, and register it again"
            .into()
    }
}

/// `POST /api/partner/feeds`.
pub(in crate::web) async fn register_feed(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match admit(&s, bearer(&headers), true).await {
        Ok(t) => t,
        Err(d) => return denied_json(d),
    };
    let request: FeedRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_body(&e),
    };
    let registered = register(&s, &token, request, None).await;
    registered_json(&s, &token, registered)
}

/// `PUT /api/partner/feeds/{id}`: registration `id` registered again with the same body as a
/// POST, at its URL or at another one (the partner's feed moved). Checked as a POST is; then
/// an approved registration keeps being polled as approved, the new version waiting for the
/// operator as its change, and a pending or rejected one is changed in place and waits for
/// the operator. The feed and its offers stay the same (`partner-<id>`).
pub(in crate::web) async fn move_feed(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match admit(&s, bearer(&headers), true).await {
        Ok(t) => t,
        Err(d) => return denied_json(d),
    };
    let registration = match own(&s, token.network.clone(), &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return no_such_feed(),
        Err(response) => return response,
    };
    let request: FeedRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_body(&e),
    };
    let registered = register(&s, &token, request, Some(registration.id)).await;
    registered_json(&s, &token, registered)
}

/// The answer to the body of a POST or PUT that is not a registration.
fn bad_body(e: &serde_json::Error) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        format!(
            "the body must be a JSON object {{\"url\", \"name\"?, \"format\"?, \
             \"mapping\"?}}: {e}"
        ),
    )
}

/// The answer to a registration checked and stored (or refused).
fn registered_json(
    s: &AppState,
    token: &PartnerToken,
    registered: Result<(bool, Registration, Outcome), Refused>,
) -> Response {
    match registered {
        Ok((created, registration, outcome)) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            // The check is stored as the registration's report: said once, as `check`.
            let message = message(&registration, &outcome);
            let pending_change = registration.pending_change().is_some();
            let mut registration = json!(registration);
            if let Some(r) = registration.as_object_mut() {
                if pending_change {
                    if let Some(c) = r.get_mut("change").and_then(|c| c.as_object_mut()) {
                        c.remove("report");
                    }
                } else {
                    r.remove("report");
                }
            }
            let body = json!({
                "message": message,
                "registration": registration,
                "check": outcome,
            });
            (status, Json(body)).into_response()
        }
        Err(Refused::Unprocessable(reason)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not registered: {reason}"),
        ),
        Err(Refused::Busy) => {
            s.partner_limits.give_back(token.id);
            busy_json()
        }
        Err(Refused::Server(e)) => server_error(e),
    }
}

/// `GET /api/partner/feeds`: the network's own registrations, withdrawn ones left out.
pub(in crate::web) async fn list_feeds(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let token = match admit(&s, bearer(&headers), false).await {
        Ok(t) => t,
        Err(d) => return denied_json(d),
    };
    let network = token.network;
    match s
        .shared()
        .run(move |st| st.registrations(Some(&network)))
        .await
    {
        Ok(feeds) => Json(json!({ "feeds": feeds })).into_response(),
        Err(e) => server_error(e),
    }
}

/// The network's registration `id`, None for an unknown one, another network's, or a
/// withdrawn one: all alike.
async fn own(s: &AppState, network: String, id: &str) -> Result<Option<Registration>, Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    let r = s
        .shared()
        .run(move |st| st.registration(id))
        .await
        .map_err(server_error)?;
    Ok(r.filter(|r| r.network == network && r.state != RegistrationState::Withdrawn))
}

fn no_such_feed() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such registration of your network".into(),
    )
}

/// `GET /api/partner/feeds/{id}`.
pub(in crate::web) async fn get_feed(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match admit(&s, bearer(&headers), false).await {
        Ok(t) => t,
        Err(d) => return denied_json(d),
    };
    match own(&s, token.network, &id).await {
        Ok(Some(r)) => Json(r).into_response(),
        Ok(None) => no_such_feed(),
        Err(response) => response,
    }
}

/// `DELETE /api/partner/feeds/{id}`: withdraws it; a running daemon stops polling it.
pub(in crate::web) async fn withdraw_feed(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match admit(&s, bearer(&headers), false).await {
        Ok(t) => t,
        Err(d) => return denied_json(d),
    };
    let Ok(id) = id.parse::<i64>() else {
        return no_such_feed();
    };
    let network = token.network;
    let now = s.clock.now();
    match s
        .shared()
        .run(move |st| st.withdraw_registration(&network, id, now))
        .await
    {
        Ok(true) => {
            s.registry_changed.notify_one();
            Json(json!({ "withdrawn": id, "feed_id": Registration::feed_id_of(id) }))
                .into_response()
        }
        Ok(false) => no_such_feed(),
        Err(e) => server_error(e),
    }
}

// ---- The /partner form ----

// Text made safe for HTML content and attribute values.
use crate::normalise::html::escape_text as esc;

/// A page of the form, with `content` below it.
fn page(status: StatusCode, url: &str, format: &str, content: &str) -> Response {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>essaim: register a feed</title><style>\
         body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}\
         label{display:block;margin:.6rem 0 .2rem}input,textarea{width:100%}\
         table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}\
         pre{background:#f4f4f4;padding:.5rem;overflow:auto}.bad{color:#a00}\
         </style></head><body><h1>Register a feed</h1>\
         <p>Paste your network's token and your feed's URL. essaim fetches the feed at once and \
         shows what it understood; the operator then approves it.</p>\
         <form method=\"post\" action=\"/partner\">\
         <label for=\"token\">Token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required>\
         <label for=\"url\">Feed URL</label>",
    );
    let _ = write!(
        html,
        "<input id=\"url\" name=\"url\" type=\"url\" required value=\"{}\">\
         <label for=\"format\">Format (optional: rss, atom, json-feed, indeed, xml, json...)</label>\
         <input id=\"format\" name=\"format\" value=\"{}\">\
         <label for=\"mapping\">Mapping (optional, JSON: the proposed_mapping's \"mapping\")</label>\
         <textarea id=\"mapping\" name=\"mapping\" rows=\"4\"></textarea>\
         <p><button type=\"submit\">Check and register</button></p></form>{content}</body></html>",
        esc(url),
        esc(format)
    );
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `GET /partner`: the empty form.
pub(in crate::web) async fn form(State(s): State<AppState>) -> Response {
    if s.config.is_none() {
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "",
            "<p class=\"bad\">Registration is not available on this server.</p>",
        );
    }
    page(StatusCode::OK, "", "", "")
}

/// The check's outcome as HTML.
fn outcome_html(registration: &Registration, outcome: &Outcome) -> String {
    let mut out = format!(
        "<h2 id=\"registration\">Registration {}: {}</h2><p id=\"message\">{}</p><p>URL: {} &middot; feed id once approved: {}</p>",
        registration.id,
        esc(registration.state.as_str()),
        esc(&message(registration, outcome)),
        esc(&registration.url),
        esc(&registration.feed_id)
    );
    if let Some(report) = &outcome.report {
        let _ = write!(
            out,
            "<h3 id=\"offers\">{} offers ({}, {})</h3><table id=\"fields\"><tr><th>field</th><th>offers that have it</th></tr>",
            report.offers,
            esc(report.format.as_deref().unwrap_or("unknown format")),
            esc(&report.encoding)
        );
        for f in &report.fields {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{} / {}</td></tr>",
                esc(f.field),
                f.offers,
                report.offers
            );
        }
        out.push_str("</table>");
        if report.problems.is_empty() {
            out.push_str("<p>No problems found.</p>");
        } else {
            let _ = write!(
                out,
                "<h3>{} problems</h3><ul id=\"problems\">",
                report.problems.len()
            );
            for p in &report.problems {
                let who = match p.item {
                    None => "feed".to_string(),
                    Some(i) => match &p.title {
                        Some(t) => format!("item {i} ({t})"),
                        None => format!("item {i}"),
                    },
                };
                let _ = write!(out, "<li>{}: {}</li>", esc(&who), esc(&p.problem));
            }
            out.push_str("</ul>");
        }
    }
    if let Some(e) = &outcome.error {
        let _ = write!(
            out,
            "<p class=\"bad\" id=\"unreadable\">essaim cannot read it: {}</p>",
            esc(e)
        );
    }
    if let Some(p) = &outcome.proposal {
        let _ = write!(
            out,
            "<h3>Proposed mapping</h3><p>{} items at <code>{}</code> (format {}).</p>\
             <table><tr><th>field</th><th>path</th><th>items with a value</th></tr>",
            p.item_count,
            esc(&p.items),
            esc(p.format)
        );
        for f in &p.fields {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{} / {}</td></tr>",
                esc(f.field),
                esc(&f.path),
                f.filled,
                p.item_count
            );
        }
        out.push_str("</table>");
        if let Some(m) = &outcome.proposed_mapping {
            let mapping = serde_json::Value::Object(m.mapping.clone()).to_string();
            let _ = write!(
                out,
                "<p>To register it with this mapping, give the format <code id=\"proposed-format\">{}</code> and this \
                 mapping:</p><pre id=\"proposed-mapping\">{}</pre>",
                esc(m.format),
                esc(&mapping)
            );
        }
        if let Some(toml) = &outcome.proposed_toml {
            let _ = write!(out, "<p>As feeds.toml lines:</p><pre>{}</pre>", esc(toml));
        }
    }
    out
}

/// `POST /partner` (form-encoded `token`, `url`, `format`, `mapping`): the registration and
/// its check as a page.
pub(in crate::web) async fn submit(State(s): State<AppState>, body: Bytes) -> Response {
    let mut fields: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        fields.insert(k.into_owned(), v.into_owned());
    }
    let field = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (url, format, mapping) = (field("url"), field("format"), field("mapping"));
    let bad = |status: StatusCode, text: &str| {
        page(
            status,
            &url,
            &format,
            &format!("<p class=\"bad\">{}</p>", esc(text)),
        )
    };
    let token = Some(field("token")).filter(|t| !t.is_empty());
    let token = match admit(&s, token, true).await {
        Ok(t) => t,
        Err(Denied::Unavailable) => {
            return bad(
                StatusCode::SERVICE_UNAVAILABLE,
                "Registration is not available on this server.",
            )
        }
        Err(Denied::Unauthorized) => {
            let mut r = bad(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
        Err(Denied::Limited(secs)) => {
            let mut r = bad(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "At most {POSTS_PER_MINUTE} registrations a minute per token; retry in {secs} s."
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
        Err(Denied::Server(e)) => {
            tracing::error!(message = "Request failed.", error = %e);
            return bad(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error; see the server log.",
            );
        }
    };
    let mapping = if mapping.is_empty() {
        None
    } else {
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&mapping) {
            Ok(m) => Some(m),
            Err(e) => {
                return bad(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("Mapping: a JSON object of strings is expected: {e}"),
                )
            }
        }
    };
    let request = FeedRequest {
        url: url.clone(),
        name: None,
        format: Some(format.clone()),
        mapping,
    };
    match register(&s, &token, request, None).await {
        Ok((created, registration, outcome)) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            page(
                status,
                &url,
                &format,
                &outcome_html(&registration, &outcome),
            )
        }
        Err(Refused::Unprocessable(reason)) => bad(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Not registered: {reason}"),
        ),
        Err(Refused::Busy) => {
            s.partner_limits.give_back(token.id);
            let mut r = page(
                StatusCode::SERVICE_UNAVAILABLE,
                &url,
                &format,
                &format!(
                    "<p class=\"bad\" id=\"busy\">{}</p><p class=\"bad\" lang=\"fr\">{}</p>",
                    esc(BUSY),
                    esc(BUSY_FR)
                ),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECS));
            r
        }
        Err(Refused::Server(e)) => {
            tracing::error!(message = "Request failed.", error = %e);
            bad(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error; see the server log.",
            )
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn five_posts_a_minute_then_a_wait() {
        let limits = RateLimits::default();
        let t0: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        for i in 0..5 {
            assert!(limits.admit(1, t0 + TimeDelta::seconds(i)).is_ok());
        }
        assert_eq!(limits.admit(1, t0 + TimeDelta::seconds(10)), Err(50));
        // Another token has its own minute.
        assert!(limits.admit(2, t0 + TimeDelta::seconds(10)).is_ok());
        // A minute after the first, one more is admitted.
        assert!(limits.admit(1, t0 + TimeDelta::seconds(60)).is_ok());
        assert_eq!(limits.admit(1, t0 + TimeDelta::seconds(60)), Err(1));
        // A POST given back (answered 503) leaves room for one more.
        limits.give_back(1);
        assert!(limits.admit(1, t0 + TimeDelta::seconds(60)).is_ok());
        assert_eq!(limits.admit(1, t0 + TimeDelta::seconds(60)), Err(1));
        // Giving back for a token with no POSTs does nothing.
        limits.give_back(3);
        assert!(limits.admit(3, t0 + TimeDelta::seconds(61)).is_ok());
    }

    #[test]
    fn html_is_escaped_and_bearer_read() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  tok "),
        );
        assert_eq!(bearer(&h).as_deref(), Some("tok"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }
}
