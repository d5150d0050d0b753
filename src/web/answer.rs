//! How an answer is written: a rendered body as 304 or in the best encoding the client
//! accepts ([`respond`]), the CORS headers, the headers every answer carries ([`harden`]),
//! and errors as JSON.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::cache::Rendered;

/// Any site may read the outputs from a browser: they are public, and no request carries
/// credentials.
pub(super) fn add_cors(headers: &mut HeaderMap) {
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
pub(super) async fn preflight() -> Response {
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

/// Headers every answer carries, whoever made it (handlers, axum's 404 / 405 / rejections):
/// `X-Content-Type-Options: nosniff`, so that no browser reads partner text as HTML or
/// script, and the CORS headers when the answer has none yet.
pub(super) fn harden(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        add_cors(headers);
    }
}

/// An error as JSON `{"error": message}`, readable from a browser too.
pub(super) fn error(status: StatusCode, message: String) -> Response {
    let mut response = (status, Json(json!({ "error": message }))).into_response();
    add_cors(response.headers_mut());
    response
}

pub(super) fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub(super) fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(message = "Request failed.", error = %e);
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log".into(),
    )
}

/// Answers with a rendered body: 304 when the client has it, else the best encoding it
/// accepts (compressed off the async threads the first time). Every header value is
/// prepared beforehand, so this only copies references.
pub(super) async fn respond(
    r: Arc<Rendered>,
    request: &HeaderMap,
    cache_control: &HeaderValue,
) -> Response {
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
