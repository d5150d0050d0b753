//! `essaim feeds`: every feed's state as a table, one feed in detail, or a feed re-enabled;
//! the partners' registrations waiting for a decision, approved or rejected.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;

use super::check_ids;
use super::table::render_table;
use super::FeedsAction;
use essaim::clock::Clock;
use essaim::config::Config;
use essaim::model::{
    rfc3339, ChangeState, FeedStatus, HeldClosing, Registration, RegistrationState,
};
use essaim::store::Shared;
use essaim::store::Store;

pub async fn feeds(
    config: &Config,
    store: Arc<Store>,
    id: Option<String>,
    reset: Option<String>,
    action: Option<FeedsAction>,
    clock: Clock,
) -> anyhow::Result<ExitCode> {
    if let Some(action) = action {
        return registrations(config, store, action, clock).await;
    }
    if let Some(id) = reset {
        check_ids(config, std::slice::from_ref(&id))?;
        Shared::new(Arc::clone(&store)).reset_feed(&id).await?;
        println!(
            "{id}: re-enabled; it is fetched at the next pass (a running daemon picks it up within a minute)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let feeds = Shared::new(store).feed_statuses().await?;
    match id {
        Some(id) => {
            check_ids(config, std::slice::from_ref(&id))?;
            match feeds.iter().find(|f| f.id == id) {
                Some(f) => print!("{}", feed_details(f)),
                None => bail!("feed {id} has no recorded state yet"),
            }
        }
        None => print!("{}", feeds_table(&feeds)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The state shown for a feed: `disabled` when the configuration says so.
fn shown_state(f: &FeedStatus) -> &str {
    if f.enabled {
        f.state.as_str()
    } else {
        "disabled"
    }
}

/// `essaim feeds`: one line per feed.
fn feeds_table(feeds: &[FeedStatus]) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let mut rows = vec![[
        "FEED",
        "STATE",
        "HTTP",
        "ERRORS",
        "SEEN",
        "OPEN",
        "LAST ATTEMPT",
        "LAST SUCCESS",
        "NEXT FETCH",
        "ORIGIN",
        "NOTE",
    ]
    .map(String::from)
    .to_vec()];
    for f in feeds {
        let mut note = Vec::new();
        if let Some(e) = &f.last_error {
            note.push(e.clone());
        }
        if let Some(moved) = f.effective_url.as_ref().filter(|u| **u != f.url) {
            note.push(format!("moved to {moved}"));
        }
        if let Some(held) = &f.held_closing {
            note.push(held_closing_note(held));
        }
        rows.push(vec![
            f.id.clone(),
            shown_state(f).to_string(),
            dash(f.last_status.map(|s| s.to_string())),
            f.consecutive_errors.to_string(),
            dash(f.offers_seen.map(|n| n.to_string())),
            f.open_offers.to_string(),
            dash(f.last_attempt_at.map(rfc3339)),
            dash(f.last_success_at.map(rfc3339)),
            dash(f.next_fetch_at.map(rfc3339)),
            f.origin.to_string(),
            note.join("; "),
        ]);
    }
    render_table(&rows)
}

/// What `essaim feeds` says of a held closing.
fn held_closing_note(h: &HeldClosing) -> String {
    format!(
        "closing held: the fetch of {} would have closed {} of {} open offers at once; they \
         stay open unless the next fetch lacks them too",
        rfc3339(h.at),
        h.offers,
        h.open
    )
}

/// Where a feed comes from, as `essaim feeds ID` says it.
fn origin_line(f: &FeedStatus) -> String {
    match f.origin {
        essaim::model::FeedOrigin::Config => "config (feeds.toml)".into(),
        essaim::model::FeedOrigin::Partner => {
            "partner (a registration the operator approved)".into()
        }
    }
}

/// `essaim feeds pending|approve|reject`.
async fn registrations(
    config: &Config,
    store: Arc<Store>,
    action: FeedsAction,
    clock: Clock,
) -> anyhow::Result<ExitCode> {
    let shared = Shared::new(store);
    let now = clock.now();
    match action {
        FeedsAction::Pending => {
            let pending = shared.run(|s| s.registrations_waiting()).await?;
            print!("{}", pending_table(&pending));
        }
        FeedsAction::Approve { id } => {
            let Some(r) = shared.run(move |s| s.registration(id)).await? else {
                bail!("there is no registration {id} (`essaim feeds pending` lists them)");
            };
            // What the registry would leave out is refused here, with the reason (for a
            // change, the version it would make polled).
            if let Err(e) = config.partner_feed(&r.as_changed()) {
                bail!(
                    "registration {id} cannot be polled as registered: {e}; reject it, or ask {} \
                     to register it again with a format and mapping",
                    r.network
                );
            }
            let change = r.what_changed();
            let r = shared
                .run(move |s| s.decide_registration(id, true, None, now))
                .await?;
            if !change.is_empty() {
                println!(
                    "the change to registration {id} of {} approved ({}): feed {} is polled as \
                     changed; a running daemon takes it within 30 seconds",
                    r.network,
                    change.join("; "),
                    r.feed_id
                );
            } else {
                println!(
                    "registration {id} of {} approved: it is polled as feed {} ({}); a running \
                     daemon starts polling it within 30 seconds",
                    r.network, r.feed_id, r.url
                );
            }
            let readable = r.report.as_ref().and_then(|v| v["readable"].as_bool());
            if readable == Some(false) {
                println!(
                    "warning: its last check could not read it: {}",
                    essaim::validate::check::summary(r.report.as_ref())
                );
            }
        }
        FeedsAction::Reject { id, reason } => {
            let r = shared
                .run(move |s| s.decide_registration(id, false, reason.as_deref(), now))
                .await?;
            if r.change.as_ref().map(|c| c.state) == Some(ChangeState::Rejected)
                && r.state == RegistrationState::Approved
            {
                println!(
                    "the change to registration {id} of {} rejected: {} is still polled as \
                     approved ({})",
                    r.network, r.feed_id, r.url
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "registration {id} of {} rejected: {} is not polled (a running daemon stops \
                 within 30 seconds if it was)",
                r.network, r.feed_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `essaim feeds pending`: one line per registration waiting, and one per change to an
/// approved registration (`WAITS`: what changed; the approved version is polled meanwhile).
fn pending_table(pending: &[Registration]) -> String {
    if pending.is_empty() {
        return "no registration is waiting\n".into();
    }
    let mut rows = vec![["ID", "NETWORK", "URL", "CHECKED", "CHECK", "WAITS"]
        .map(String::from)
        .to_vec()];
    for r in pending {
        let waits = match r.what_changed() {
            change if change.is_empty() => "registration".to_string(),
            change => format!("change of approved {}: {}", r.feed_id, change.join("; ")),
        };
        let r_changed = r.as_changed();
        rows.push(vec![
            r.id.to_string(),
            r.network.clone(),
            r_changed.url.clone(),
            rfc3339(r_changed.checked_at),
            essaim::validate::check::summary(r_changed.report.as_ref()),
            waits,
        ]);
    }
    render_table(&rows)
}

/// `essaim feeds ID`: every recorded field of one feed.
fn feed_details(f: &FeedStatus) -> String {
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    let fields = [
        ("feed", f.id.clone()),
        ("name", f.name.clone()),
        ("network", f.network.clone()),
        ("origin", origin_line(f)),
        ("url", f.url.clone()),
        (
            "effective url",
            f.effective_url
                .clone()
                .unwrap_or_else(|| "(the configured url)".into()),
        ),
        ("state", shown_state(f).to_string()),
        ("last attempt", v(&f.last_attempt_at.map(rfc3339))),
        ("last success", v(&f.last_success_at.map(rfc3339))),
        ("last http status", v(&f.last_status.map(|s| s.to_string()))),
        ("last error", v(&f.last_error)),
        ("consecutive errors", f.consecutive_errors.to_string()),
        ("next fetch", v(&f.next_fetch_at.map(rfc3339))),
        ("not before", v(&f.not_before.map(rfc3339))),
        ("etag", v(&f.etag)),
        ("last-modified", v(&f.last_modified)),
        (
            "offers seen last time",
            v(&f.offers_seen.map(|n| n.to_string())),
        ),
        ("open offers", f.open_offers.to_string()),
        (
            "held closing",
            f.held_closing
                .as_ref()
                .map(held_closing_note)
                .unwrap_or_else(|| "-".into()),
        ),
    ];
    fields
        .iter()
        .map(|(k, val)| format!("{k:<22} {val}\n"))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn feeds_table_shows_state_and_moves() {
        let f = FeedStatus {
            id: "rs".into(),
            name: "RS".into(),
            network: "N".into(),
            url: "http://a.example/old".into(),
            effective_url: Some("https://a.example/new".into()),
            enabled: true,
            state: essaim::model::FeedState::BackingOff,
            last_attempt_at: Some(instant("2026-01-05T10:00:00Z")),
            last_success_at: None,
            last_status: Some(503),
            last_error: Some("HTTP 503 Service Unavailable from https://a.example/new".into()),
            consecutive_errors: 2,
            next_fetch_at: Some(instant("2026-01-05T11:00:00Z")),
            not_before: Some(instant("2026-01-05T11:00:00Z")),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            offers_seen: Some(12),
            open_offers: 10,
            held_closing: None,
            origin: essaim::model::FeedOrigin::Config,
        };
        let out = feeds_table(std::slice::from_ref(&f));
        let row = out.lines().nth(1).unwrap();
        assert!(row.starts_with("rs    backing_off  503   2       12    10    2026-01-05T10:00:00Z  -             2026-01-05T11:00:00Z  config  HTTP 503"), "{out}");
        assert!(
            out.lines()
                .next()
                .unwrap()
                .contains("NEXT FETCH            ORIGIN  NOTE"),
            "{out}"
        );
        assert!(row.ends_with("; moved to https://a.example/new"), "{out}");
        let details = feed_details(&f);
        assert!(
            details.contains("effective url          https://a.example/new\n"),
            "{details}"
        );
        assert!(
            details.contains("etag                   \"v1\"\n"),
            "{details}"
        );
        assert!(
            details.contains("origin                 config (feeds.toml)\n"),
            "{details}"
        );
    }
}
