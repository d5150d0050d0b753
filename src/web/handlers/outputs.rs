//! The paged outputs (`/feed.rss`, `/feed.atom`, `/feed.json`, `/jobs.jsonld`): a filtered
//! page of the stored offers, rendered by [`crate::publish`], cached and answered.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::query_pairs;
use crate::publish::{self, Channel, Output, Paging};
use crate::store::{Cursor, Order};
use crate::web::answer::{bad_request, respond};
use crate::web::cache::Rendered;
use crate::web::compress::Packing;
use crate::web::filters::{self, Request};
use crate::web::AppState;

pub(in crate::web) async fn output(
    State(s): State<AppState>,
    req: axum::extract::Request,
    which: Output,
) -> Response {
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
        let mut channel = publish::channel(&base_url, &offers);
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
