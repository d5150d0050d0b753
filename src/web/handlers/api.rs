//! The JSON API: `/api/offers` (a filtered page), `/api/offers/{id}` (one offer), and the
//! summaries `/api/networks` and `/api/stats`, rendered by [`crate::publish`].

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::DateTime;

use super::query_pairs;
use crate::publish;
use crate::store::{Order, Store};
use crate::web::answer::{bad_request, error, respond, server_error};
use crate::web::cache::Rendered;
use crate::web::compress::Packing;
use crate::web::filters;
use crate::web::AppState;

pub(in crate::web) async fn api_offers(
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

pub(in crate::web) async fn api_offer(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match s.shared().offer_by_id(&id).await {
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

pub(in crate::web) async fn api_networks(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Response {
    summary(&s, &headers, "api/networks", |store| {
        Ok(publish::stats::networks_json(&store.networks()?))
    })
    .await
}

pub(in crate::web) async fn api_stats(State(s): State<AppState>, headers: HeaderMap) -> Response {
    summary(&s, &headers, "api/stats", |store| {
        Ok(publish::stats::stats_json(&store.stats()?))
    })
    .await
}
