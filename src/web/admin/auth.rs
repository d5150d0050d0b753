//! Who may see `/admin`: the operator, once logged in with the token whose SHA-256 is
//! `admin_token_sha256` (compared in constant time by [`crate::secret::matches`]).
//!
//! A login opens a session kept in memory for [`SESSION_LIFETIME`]: a random id in an
//! `HttpOnly; SameSite=Strict; Path=/admin` cookie (`Secure` when the request came over https
//! or `public_url` is https), only its hash kept as the key. Every POST carries the session's
//! CSRF token in a hidden field (the login form a token of its own, doubled in a cookie), and
//! a POST whose `Origin` is not this host is refused. Failed logins are limited to
//! [`FAILED_LOGINS_PER_MINUTE`] per client address: the peer's, or behind a proxy the operator
//! trusts, the client it names (`web::client_address`), so that a stranger guessing tokens
//! through nginx does not lock the operator out.

// The checks return the page that answers a refusal; it is built only when one is refused.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard};

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use subtle::ConstantTimeEq;

use super::html::{self, esc};
use crate::web::AppState;

/// How long a session lasts after its login.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// Failed logins allowed per client address in a minute; more are answered 429.
pub const FAILED_LOGINS_PER_MINUTE: usize = 10;
/// Sessions kept at once: a login beyond it ends the session that expires first.
const MAX_SESSIONS: usize = 64;
/// Client addresses whose failed logins are remembered at once (the oldest are forgotten).
const MAX_CLIENTS: usize = 4096;
/// The session cookie.
const SESSION_COOKIE: &str = "essaim_admin";
/// The login form's own CSRF cookie.
const LOGIN_COOKIE: &str = "essaim_admin_login";
/// Largest form body read.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// One logged-in operator.
struct Session {
    csrf: String,
    expires: DateTime<Utc>,
    /// What the last POST did, shown once by the next page.
    flash: Option<String>,
}

#[derive(Default)]
struct Inner {
    /// By the hash of the cookie's id.
    sessions: HashMap<String, Session>,
    /// Failed logins of the last minute, by client address.
    failures: HashMap<IpAddr, VecDeque<DateTime<Utc>>>,
}

/// The sessions of `/admin` and the failed logins, in memory (a restart logs everyone out).
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A valid session, as a handler sees it.
pub(super) struct Operator {
    /// The hash of the cookie's id (the key of the session).
    key: String,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// What the last POST did, taken from the session.
    pub flash: Option<String>,
}

/// 32 random bytes in hex.
fn random_hex() -> Result<String, Response> {
    crate::secret::random_hex().map_err(|e| {
        html::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            &format!("{}.", esc(&e)),
        )
    })
}

/// Whether `a` and `b` are equal, compared in constant time (for their common length).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The operator token's hash, or the page saying why `/admin` is closed.
pub(super) fn gate(s: &AppState) -> Result<String, Response> {
    let Some(config) = &s.config else {
        return Err(html::message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Status page unavailable",
            "The status page is served by <code>essaim run</code>, with its configuration; \
             this server has none.",
        ));
    };
    match &config.settings.admin_token_sha256 {
        Some(hash) => Ok(hash.clone()),
        None => Err(html::message(
            StatusCode::NOT_FOUND,
            "Status page closed",
            "The status page is closed: no operator token is configured. Run \
             <code>essaim token admin</code>, put the hash it prints in feeds.toml as \
             <code>admin_token_sha256</code> under <code>[settings]</code> (or in the \
             environment variable <code>ESSAIM_ADMIN_TOKEN_SHA256</code>) and restart essaim; \
             then log in here with the token.",
        )),
    }
}

/// The value of cookie `name` in the request, if any.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether the cookies should be `Secure`: the request came over https (a proxy says so in
/// `X-Forwarded-Proto`) or the public URL is https.
fn secure(s: &AppState, headers: &HeaderMap) -> bool {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let public = s
        .config
        .as_ref()
        .and_then(|c| c.settings.public_url.as_deref())
        .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"));
    forwarded || public
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static("essaim_admin=; Max-Age=0"))
}

/// The session the request's cookie names, when it is valid (its flash taken).
pub(super) fn operator(s: &AppState, headers: &HeaderMap) -> Option<Operator> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let key = crate::secret::hash(id);
    let now = s.clock.now();
    let mut inner = s.admin.lock();
    let session = inner.sessions.get_mut(&key)?;
    if session.expires <= now {
        inner.sessions.remove(&key);
        return None;
    }
    Some(Operator {
        csrf: session.csrf.clone(),
        flash: session.flash.take(),
        key,
    })
}

/// A page of `/admin` for the operator: the operator, or the redirect to the login form (or
/// the page saying `/admin` is closed).
pub(super) fn require(s: &AppState, headers: &HeaderMap) -> Result<Operator, Response> {
    gate(s)?;
    operator(s, headers).ok_or_else(|| html::see_other("/admin/login"))
}

/// Leaves `text` for the next page of the session.
pub(super) fn flash(s: &AppState, operator: &Operator, text: String) {
    if let Some(session) = s.admin.lock().sessions.get_mut(&operator.key) {
        session.flash = Some(text);
    }
}

/// A form POSTed to `/admin`: its fields, once the request passed the checks every POST
/// passes (same origin, size).
pub(super) struct Form {
    pub parts: Parts,
    fields: Vec<(String, String)>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether the request's `Origin` (when it sends one) is this host or the public URL's.
fn same_origin(s: &AppState, headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()) else {
        return false;
    };
    let origin_of = |text: &str| url::Url::parse(text).ok().map(|u| u.origin());
    let ours = origin.origin();
    if !ours.is_tuple() {
        return false;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| origin_of(&format!("{}://{h}", origin.scheme())));
    let public = s
        .config
        .as_ref()
        .and_then(|c| c.settings.public_url.as_deref())
        .and_then(origin_of);
    host.as_ref() == Some(&ours) || public.as_ref() == Some(&ours)
}

/// Reads a POSTed form after checking its origin.
pub(super) async fn read_form(request: Request) -> Result<Form, Response> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return Err(html::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Refused",
            "The form is too large.",
        ));
    };
    let fields = url::form_urlencoded::parse(&bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Form { parts, fields })
}

/// The checks of every POST but the login: the origin, a session, its CSRF token.
pub(super) async fn post(s: &AppState, request: Request) -> Result<(Operator, Form), Response> {
    gate(s)?;
    if !same_origin(s, request.headers()) {
        return Err(cross_origin());
    }
    let form = read_form(request).await?;
    let Some(operator) = operator(s, &form.parts.headers) else {
        return Err(html::see_other("/admin/login"));
    };
    if !same(form.get("csrf").unwrap_or(""), &operator.csrf) {
        return Err(html::message(
            StatusCode::FORBIDDEN,
            "Refused",
            "The form's CSRF token is missing or wrong: reload the page and try again.",
        ));
    }
    Ok((operator, form))
}

fn cross_origin() -> Response {
    html::message(
        StatusCode::FORBIDDEN,
        "Refused",
        "This form was sent from another site: refused.",
    )
}

/// `GET /admin/login`: the form (or `/admin` for a logged-in operator).
pub(super) async fn login_form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(closed) = gate(&s) {
        return closed;
    }
    if operator(&s, &headers).is_some() {
        return html::see_other("/admin");
    }
    login_page(&s, &headers, StatusCode::OK, None)
}

/// The login form, with a new login CSRF token (cookie and field).
fn login_page(
    s: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let token = match random_hex() {
        Ok(t) => t,
        Err(e) => return e,
    };
    let error = error
        .map(|e| format!("<p class=\"flash error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "{error}<form method=\"post\" action=\"/admin/login\" class=\"login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <label for=\"token\">Operator token</label> \
         <input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" \
          required autofocus size=\"40\"> \
         <button type=\"submit\" id=\"login\">Log in</button></form>\
         <p class=\"hint\">The token <code>essaim token admin</code> printed (feeds.toml keeps \
         only its hash).</p>"
    );
    let mut response = html::page(status, "Log in", &body, None);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LOGIN_COOKIE,
            &token,
            "/admin/login",
            3600,
            secure(s, headers),
        ),
    );
    response
}

/// The client's address: the peer's, or the client a trusted proxy names.
fn client(s: &AppState, parts: &Parts) -> IpAddr {
    s.client(&parts.extensions, &parts.headers)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// `POST /admin/login`: checks the token, opens a session.
pub(super) async fn login(State(s): State<AppState>, request: Request) -> Response {
    let hash = match gate(&s) {
        Ok(h) => h,
        Err(closed) => return closed,
    };
    if !same_origin(&s, request.headers()) {
        return cross_origin();
    }
    let form = match read_form(request).await {
        Ok(f) => f,
        Err(e) => return e,
    };
    let headers = &form.parts.headers;
    let ip = client(&s, &form.parts);
    let now = s.clock.now();
    {
        let mut inner = s.admin.lock();
        let minute_ago = now - TimeDelta::minutes(1);
        inner.failures.retain(|_, times| {
            while times.front().is_some_and(|t| *t <= minute_ago) {
                times.pop_front();
            }
            !times.is_empty()
        });
        if inner
            .failures
            .get(&ip)
            .is_some_and(|t| t.len() >= FAILED_LOGINS_PER_MINUTE)
        {
            drop(inner);
            let mut response = html::message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                &format!(
                    "More than {FAILED_LOGINS_PER_MINUTE} failed logins from this address in a \
                     minute: wait a minute and try again."
                ),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            return response;
        }
    }
    let expected = cookie(headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(form.get("csrf").unwrap_or(""), expected) {
        return login_page(
            &s,
            headers,
            StatusCode::FORBIDDEN,
            Some("The login form expired or was not sent from this page: try again."),
        );
    }
    let token = form.get("token").unwrap_or("").trim();
    if !crate::secret::matches(token, &hash) {
        {
            let mut inner = s.admin.lock();
            if inner.failures.len() >= MAX_CLIENTS && !inner.failures.contains_key(&ip) {
                // Forget the address whose last failure is the oldest.
                let oldest = inner
                    .failures
                    .iter()
                    .min_by_key(|(_, t)| t.back().copied())
                    .map(|(ip, _)| *ip);
                if let Some(oldest) = oldest {
                    inner.failures.remove(&oldest);
                }
            }
            inner.failures.entry(ip).or_default().push_back(now);
        }
        tracing::warn!(client = %ip, "a wrong operator token was given to /admin/login");
        return login_page(&s, headers, StatusCode::UNAUTHORIZED, Some("Wrong token."));
    }
    let (id, csrf) = match (random_hex(), random_hex()) {
        (Ok(id), Ok(csrf)) => (id, csrf),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    {
        let mut inner = s.admin.lock();
        inner.sessions.retain(|_, session| session.expires > now);
        if inner.sessions.len() >= MAX_SESSIONS {
            let first = inner
                .sessions
                .iter()
                .min_by_key(|(_, session)| session.expires)
                .map(|(k, _)| k.clone());
            if let Some(first) = first {
                inner.sessions.remove(&first);
            }
        }
        inner.sessions.insert(
            crate::secret::hash(&id),
            Session {
                csrf,
                expires: now + SESSION_LIFETIME,
                flash: None,
            },
        );
    }
    tracing::info!(client = %ip, "operator logged in to /admin");
    let secure = secure(&s, headers);
    let mut response = html::see_other("/admin");
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &id,
            "/admin",
            SESSION_LIFETIME.num_seconds(),
            secure,
        ),
    );
    cookies.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, "", "/admin/login", 0, secure),
    );
    response
}

/// `POST /admin/logout`: ends the session.
pub(super) async fn logout(State(s): State<AppState>, request: Request) -> Response {
    let (operator, form) = match post(&s, request).await {
        Ok(p) => p,
        Err(e) => return e,
    };
    s.admin.lock().sessions.remove(&operator.key);
    let mut response = html::see_other("/admin/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            "",
            "/admin",
            0,
            secure(&s, &form.parts.headers),
        ),
    );
    response.into_response()
}
