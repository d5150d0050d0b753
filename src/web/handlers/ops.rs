//! What operators and their monitoring read: `/readyz` (the database answers, the scheduler
//! goes round its loop) and `/metrics` (Prometheus, answered to loopback clients and to the
//! networks of the `metrics_from` setting only; behind a trusted proxy, the client it names
//! is judged, not the proxy), and the count of every request answered.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::metrics;
use crate::model::rfc3339;
use crate::scheduler::MAX_SLEEP;
use crate::web::answer::error;
use crate::web::AppState;

/// A scheduler that has not gone round its loop for this long is stuck: it looks again at
/// least every [`MAX_SLEEP`], so three of them leave room for a slow turn.
pub const SCHEDULER_STALE_AFTER: Duration = Duration::from_secs(3 * MAX_SLEEP.as_secs());

/// Whether a client at `client` may read `/metrics`: loopback clients always, others only
/// from the networks the operator listed (`metrics_from`). An unknown client is refused.
pub fn metrics_allowed(client: Option<IpAddr>, from: &[ipnet::IpNet]) -> bool {
    let Some(ip) = client else {
        return false;
    };
    // An IPv4 client on an IPv6 socket (::ffff:a.b.c.d) is judged by its IPv4 address.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    ip.is_loopback() || from.iter().any(|net| net.contains(&ip))
}

/// Why the process is not ready, or `None` when it is: the database did not answer
/// (`database`), or the scheduler ran and last went round its loop longer than
/// [`SCHEDULER_STALE_AFTER`] before `now`. Without a scheduler (a web server alone), only the
/// database counts.
pub fn unready(
    database: Result<(), String>,
    heartbeat: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<String> {
    if let Err(e) = database {
        return Some(format!("the database does not answer: {e}"));
    }
    let beat = heartbeat?;
    let age = (now - beat).to_std().unwrap_or(Duration::ZERO);
    (age > SCHEDULER_STALE_AFTER).then(|| {
        format!(
            "the scheduler has not gone round its loop since {} ({} s ago; at most {} s expected)",
            rfc3339(beat),
            age.as_secs(),
            SCHEDULER_STALE_AFTER.as_secs()
        )
    })
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// `/readyz`: 200 `ready`, or 503 with the reason.
pub(in crate::web) async fn readyz(State(state): State<AppState>) -> Response {
    let database = state
        .shared()
        .run(|store| store.ping())
        .await
        .map_err(|e| e.to_string());
    match unready(database, metrics::last_heartbeat(), state.clock.now()) {
        None => plain(StatusCode::OK, "ready\n".into()),
        Some(reason) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        ),
    }
}

/// `/metrics`: every metric, the stored counts read now; 403 to a client not allowed.
pub(in crate::web) async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let client = state.client(request.extensions(), request.headers());
    if !metrics_allowed(client, &state.metrics_from) {
        return error(
            StatusCode::FORBIDDEN,
            "/metrics is answered to loopback clients only, unless `metrics_from` in [settings] \
             lists the client's network"
                .into(),
        );
    }
    let counts = match state.shared().run(|store| store.counts()).await {
        Ok(c) => c,
        Err(e) => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the database does not answer: {e}\n"),
            )
        }
    };
    let text = metrics::render(&metrics::Stored {
        offers: counts.offers_by_status,
        jobs: counts.jobs,
        feeds: counts.feeds_by_state,
        last_success: counts.last_success,
    });
    (
        [
            (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// Counts every request answered, by its route's pattern (`unmatched` for unknown paths) and
/// status.
pub(in crate::web) async fn count_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    metrics::record_request(&route, response.status().as_u16());
    response
}
