//! The handlers, by surface: the four paged outputs ([`outputs`]), the JSON API's offers
//! and summaries ([`api`]), the feeds' status ([`feeds`]), and the plain answers here
//! (index, health, unknown paths); readiness and metrics in [`ops`]; the partner API and its
//! form ([`partner`]).

pub(super) mod api;
pub(super) mod feeds;
pub(super) mod ops;
pub(super) mod outputs;
pub(super) mod partner;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::answer::{add_cors, error};

pub(in crate::web) async fn index() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "essaim: /feed.rss /feed.atom /feed.json /jobs.jsonld /api/offers /api/offers/{id} \
         /api/networks /api/stats /api/feeds /healthz /readyz /metrics\n\
         Partners: /partner (form) /api/partner/feeds (Bearer token); operator: /admin\n\
         Filters (on every output): q region department commune contract working_time sector \
         network employer since limit after\n",
    )
        .into_response();
    add_cors(response.headers_mut());
    response
}

pub(in crate::web) async fn healthz() -> Response {
    let mut response = "ok\n".into_response();
    add_cors(response.headers_mut());
    response
}

/// Unknown paths, as JSON like the other errors.
pub(in crate::web) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such output; see /".into())
}

pub(in crate::web) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}
