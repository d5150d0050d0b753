//! The pages of `/admin` and what their buttons do: the overview (totals, the chart, the
//! pending registrations and partners' changes to approved ones (what changed beside what is
//! approved) with approve / reject, every feed in a table sorted and filtered by
//! the query string), a page per feed (its state, its recent fetch attempts, "fetch now"),
//! and the POSTs behind the buttons, each answered by a redirect to the page it came from
//! with a message for it (kept in the session).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::oneshot;

use super::auth::{self, Operator};
use super::chart;
use super::html::{self, esc};
use crate::model::{rfc3339, FeedState, FeedStatus, Registration};
use crate::scheduler::{Control, FetchNow};
use crate::store::admin::{AttemptDetail, OffersAdded};
use crate::store::StoreError;
use crate::web::handlers::feeds::{public_url, public_urls_in};
use crate::web::handlers::query_pairs;
use crate::web::AppState;

/// Attempts a feed's page shows (the daily purge keeps fewer: `store::ATTEMPTS_KEPT`).
const ATTEMPTS_SHOWN: usize = 50;
/// Warnings shown per fetch; the rest are counted.
const WARNINGS_SHOWN: usize = 5;
/// How long "fetch now" waits for the scheduler.
const SCHEDULER_WAIT: Duration = Duration::from_secs(5);

fn failed(e: StoreError) -> Response {
    tracing::error!(error = %e, "the status page could not read the database");
    html::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Error",
        &format!("The database could not be read: {}", esc(&e.to_string())),
    )
}

/// An instant as the page shows it (UTC, to the minute), with how far it is from `now`.
fn when(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = t else {
        return "—".to_string();
    };
    let d = t - now;
    let (amount, future) = (d.abs(), d > TimeDelta::zero());
    let span = if amount < TimeDelta::minutes(1) {
        "now".to_string()
    } else {
        let text = if amount < TimeDelta::hours(1) {
            format!("{} min", amount.num_minutes())
        } else if amount < TimeDelta::days(2) {
            format!("{} h", amount.num_hours())
        } else {
            format!("{} d", amount.num_days())
        };
        if future {
            format!("in {text}")
        } else {
            format!("{text} ago")
        }
    };
    format!(
        "<time datetime=\"{}\">{}</time> <span class=\"hint\">({span})</span>",
        rfc3339(t),
        t.format("%Y-%m-%d %H:%M UTC")
    )
}

/// A feed that is not polled as it should: backing off, gone, or its last fetch failed.
fn failing(f: &FeedStatus) -> bool {
    f.state != FeedState::Active || f.consecutive_errors > 0
}

/// The state cell: the state, and for a failing feed a mark no one misses.
fn state_cell(f: &FeedStatus) -> String {
    let state = f.state.as_str().replace('_', " ");
    if failing(f) {
        let why = match f.state {
            FeedState::Gone => "gone: not polled until reset".to_string(),
            _ => format!(
                "{} failed fetch{} in a row",
                f.consecutive_errors,
                if f.consecutive_errors == 1 { "" } else { "es" }
            ),
        };
        format!(
            "<span class=\"badge failing\">⚠ failing</span> {state}<br><span class=\"hint\">{}</span>",
            esc(&why)
        )
    } else if !f.enabled {
        format!("<span class=\"badge\">disabled</span> {state}")
    } else {
        format!("<span class=\"badge ok\">{state}</span>")
    }
}

fn warnings_list(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"warnings\">");
    for w in warnings.iter().take(WARNINGS_SHOWN) {
        out.push_str(&format!("<li>{}</li>", esc(&public_urls_in(w))));
    }
    if warnings.len() > WARNINGS_SHOWN {
        out.push_str(&format!(
            "<li>… and {} more</li>",
            warnings.len() - WARNINGS_SHOWN
        ));
    }
    out.push_str("</ul>");
    out
}

fn flash_html(operator: &Operator) -> String {
    operator
        .flash
        .as_deref()
        .map(|f| format!("<p class=\"flash\" role=\"status\">{}</p>", esc(f)))
        .unwrap_or_default()
}

/// The table's columns: query-string name, heading.
const COLUMNS: [(&str, &str); 10] = [
    ("id", "Id"),
    ("name", "Name"),
    ("network", "Network"),
    ("origin", "Origin"),
    ("state", "State"),
    ("last_success", "Last success"),
    ("last_error", "Last error"),
    ("next_fetch", "Next fetch"),
    ("open_offers", "Open offers"),
    ("warnings", "Warnings of the last fetch"),
];

/// What the query string asks of the table.
struct View {
    sort: &'static str,
    descending: bool,
    q: String,
    state: &'static str,
}

impl View {
    fn read(uri: &Uri) -> View {
        let mut view = View {
            sort: "id",
            descending: false,
            q: String::new(),
            state: "",
        };
        for (k, v) in query_pairs(uri.query()) {
            match k.as_str() {
                "sort" => {
                    let (name, descending) = match v.strip_prefix('-') {
                        Some(name) => (name, true),
                        None => (v.as_str(), false),
                    };
                    if let Some((known, _)) = COLUMNS.iter().find(|(c, _)| *c == name) {
                        view.sort = known;
                        view.descending = descending;
                    }
                }
                "q" => view.q = v.chars().take(200).collect(),
                "state" => {
                    view.state = ["active", "backing_off", "gone", "failing"]
                        .into_iter()
                        .find(|s| *s == v)
                        .unwrap_or("");
                }
                _ => {}
            }
        }
        view
    }

    /// The query string of this view sorted by `column` (the other way when it already is).
    fn sorted_by(&self, column: &str) -> String {
        let descending = self.sort == column && !self.descending;
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair(
            "sort",
            &format!("{}{column}", if descending { "-" } else { "" }),
        );
        if !self.q.is_empty() {
            q.append_pair("q", &self.q);
        }
        if !self.state.is_empty() {
            q.append_pair("state", self.state);
        }
        format!("?{}", q.finish())
    }

    fn keeps(&self, f: &FeedStatus) -> bool {
        let state_ok = match self.state {
            "" => true,
            "failing" => failing(f),
            s => f.state.as_str() == s,
        };
        let text = crate::text::fold(&format!("{} {} {}", f.id, f.name, f.network));
        state_ok
            && crate::text::fold(&self.q)
                .split_whitespace()
                .all(|w| text.contains(w))
    }

    fn order(
        &self,
        a: &FeedStatus,
        b: &FeedStatus,
        warnings: &HashMap<String, Vec<String>>,
    ) -> Ordering {
        let by = match self.sort {
            "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "network" => a.network.to_lowercase().cmp(&b.network.to_lowercase()),
            "origin" => a.origin.as_str().cmp(b.origin.as_str()),
            "state" => (failing(b), a.state.as_str()).cmp(&(failing(a), b.state.as_str())),
            "last_success" => a.last_success_at.cmp(&b.last_success_at),
            "last_error" => a.last_error.cmp(&b.last_error),
            "next_fetch" => a.next_fetch_at.cmp(&b.next_fetch_at),
            "open_offers" => a.open_offers.cmp(&b.open_offers),
            "warnings" => {
                let n = |f: &FeedStatus| warnings.get(&f.id).map_or(0, Vec::len);
                n(a).cmp(&n(b))
            }
            _ => Ordering::Equal,
        };
        let by = if self.descending { by.reverse() } else { by };
        by.then_with(|| a.id.cmp(&b.id))
    }
}

/// What the overview reads of the store.
struct Overview {
    feeds: Vec<FeedStatus>,
    warnings: HashMap<String, Vec<String>>,
    pending: Vec<Registration>,
    jobs: u64,
    added: OffersAdded,
}

/// `GET /admin`: the overview.
pub(super) async fn overview(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let operator = match auth::require(&s, &headers) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let now = s.clock.now();
    let since = chart::since(now);
    // The two scans of the offers (jobs, offers added) run at once, on two readers.
    let shared = s.shared();
    let (read, jobs, added) = tokio::join!(
        shared.run(|store| {
            Ok((
                store.feed_statuses()?,
                store.last_fetch_warnings()?,
                store.registrations_waiting()?,
            ))
        }),
        shared.run(|store| Ok(store.counts()?.jobs)),
        shared.run(move |store| store.offers_added(since, now - TimeDelta::hours(24))),
    );
    let o = match (read, jobs, added) {
        (Ok((feeds, warnings, pending)), Ok(jobs), Ok(added)) => Overview {
            feeds,
            warnings,
            pending,
            jobs,
            added,
        },
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failed(e),
    };
    let view = View::read(&uri);
    let mut body = flash_html(&operator);

    // Totals.
    let open: usize = o.feeds.iter().map(|f| f.open_offers).sum();
    let count = |state: FeedState| o.feeds.iter().filter(|f| f.state == state).count();
    let failing_n = o.feeds.iter().filter(|f| failing(f)).count();
    body.push_str(&format!(
        "<ul class=\"totals\" id=\"totals\">\
         <li>Feeds<strong id=\"total-feeds\">{}</strong>{} active, {} backing off, {} gone \
         ({failing_n} failing)</li>\
         <li>Open offers<strong id=\"total-open\">{open}</strong></li>\
         <li>Jobs after deduplication<strong id=\"total-jobs\">{}</strong></li>\
         <li>Offers added in the last 24 h<strong id=\"total-added\">{}</strong></li></ul>",
        o.feeds.len(),
        count(FeedState::Active),
        count(FeedState::BackingOff),
        count(FeedState::Gone),
        o.jobs,
        o.added.recent,
    ));

    // The chart.
    body.push_str("<h2>Offers added per day</h2>");
    body.push_str(&chart::svg(&chart::per_day(now, &o.added.by_hour)));

    // Pending registrations, and changes to approved ones.
    body.push_str(&format!(
        "<h2>Pending registrations ({})</h2>",
        o.pending.len()
    ));
    if o.pending.is_empty() {
        body.push_str("<p id=\"no-pending\">No registration waits for a decision.</p>");
    } else {
        body.push_str(
            "<table id=\"pending\"><thead><tr><th>Id</th><th>Network</th><th>Name</th>\
             <th>URL</th><th>Registered</th><th>Waits</th><th>Report</th><th>Decision</th>\
             </tr></thead><tbody>",
        );
        for r in &o.pending {
            body.push_str(&pending_row(r, now, &operator.csrf));
        }
        body.push_str("</tbody></table>");
    }

    // The feeds.
    body.push_str("<h2>Feeds</h2>");
    let option = |value: &str, label: &str| {
        format!(
            "<option value=\"{value}\"{}>{label}</option>",
            if view.state == value { " selected" } else { "" }
        )
    };
    body.push_str(&format!(
        "<form method=\"get\" action=\"/admin\" id=\"filter\">\
         <input type=\"hidden\" name=\"sort\" value=\"{sort}\">\
         <label for=\"q\">Filter</label> <input type=\"search\" id=\"q\" name=\"q\" value=\"{q}\" \
          placeholder=\"id, name or network\"> \
         <label for=\"state\">State</label> <select id=\"state\" name=\"state\">{o1}{o2}{o3}{o4}{o5}</select> \
         <button type=\"submit\">Show</button></form>",
        sort = esc(&format!(
            "{}{}",
            if view.descending { "-" } else { "" },
            view.sort
        )),
        q = esc(&view.q),
        o1 = option("", "every state"),
        o2 = option("failing", "failing"),
        o3 = option("active", "active"),
        o4 = option("backing_off", "backing off"),
        o5 = option("gone", "gone"),
    ));
    let mut feeds: Vec<&FeedStatus> = o.feeds.iter().filter(|f| view.keeps(f)).collect();
    feeds.sort_by(|a, b| view.order(a, b, &o.warnings));
    body.push_str("<table id=\"feeds\"><thead><tr>");
    for (column, heading) in COLUMNS {
        let sorted = if view.sort == column {
            if view.descending {
                " aria-sort=\"descending\""
            } else {
                " aria-sort=\"ascending\""
            }
        } else {
            ""
        };
        body.push_str(&format!(
            "<th{sorted}><a href=\"{}\">{heading}</a></th>",
            esc(&view.sorted_by(column))
        ));
    }
    body.push_str("</tr></thead><tbody>");
    for f in &feeds {
        let warnings = o.warnings.get(&f.id).map(Vec::as_slice).unwrap_or(&[]);
        body.push_str(&format!(
            "<tr id=\"feed-{id_attr}\" class=\"{class}\" data-text=\"{text}\">\
             <td><a href=\"/admin/feeds/{id_path}\">{id}</a></td><td>{name}</td><td>{network}</td>\
             <td>{origin}</td><td class=\"state\">{state}</td><td>{success}</td><td>{error}</td>\
             <td>{next}</td><td class=\"num\">{open}</td><td>{warnings}</td></tr>",
            id_attr = esc(&f.id),
            class = if failing(f) { "failing" } else { "ok" },
            text = esc(&format!("{} {} {}", f.id, f.name, f.network).to_lowercase()),
            id_path = esc(&path_segment(&f.id)),
            id = esc(&f.id),
            name = esc(&f.name),
            network = esc(&f.network),
            origin = f.origin,
            state = state_cell(f),
            success = when(f.last_success_at, now),
            error = f
                .last_error
                .as_deref()
                .map(|e| esc(&public_urls_in(e)))
                .unwrap_or_default(),
            next = when(f.next_fetch_at, now),
            open = f.open_offers,
            warnings = warnings_list(warnings),
        ));
    }
    body.push_str("</tbody></table>");
    if feeds.len() < o.feeds.len() {
        body.push_str(&format!(
            "<p class=\"hint\">{} of {} feeds shown. <a href=\"/admin\">Show all</a></p>",
            feeds.len(),
            o.feeds.len()
        ));
    }
    html::page(StatusCode::OK, "Status", &body, Some(&operator.csrf))
}

/// A row of the pending table: a registration waiting for its first decision, or an approved
/// one whose change waits (what changed beside what is approved and still polled).
fn pending_row(r: &Registration, now: DateTime<Utc>, csrf: &str) -> String {
    let changed = r.as_changed();
    let report = changed
        .report
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .map(|text| {
            format!(
                "<details><summary>report</summary><pre>{}</pre></details>",
                esc(&public_urls_in(&text))
            )
        })
        .unwrap_or_default();
    let what = r.what_changed();
    let (waits, reason_hint) = if r.pending_change().is_some() {
        let lines: String = what
            .iter()
            .map(|l| format!("<li>{}</li>", esc(&public_urls_in(l))))
            .collect();
        (
            format!(
                "<strong>change</strong> of approved {feed}, still polled as approved until \
                 this decision<ul class=\"change\">{lines}</ul>",
                feed = esc(&r.feed_id)
            ),
            "reason, sent to the partner (optional)",
        )
    } else {
        ("new registration".to_string(), "reason (optional)")
    };
    format!(
        "<tr id=\"registration-{id}\"><td>{id}</td><td>{network}</td><td>{name}</td>\
         <td>{url}</td><td>{at}</td><td class=\"waits\">{waits}</td><td>{report}</td><td>\
         <form method=\"post\" action=\"/admin/registrations/{id}/approve\" class=\"inline\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" class=\"approve\">Approve</button></form> \
         <form method=\"post\" action=\"/admin/registrations/{id}/reject\" class=\"inline\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"text\" name=\"reason\" placeholder=\"{reason_hint}\" \
          maxlength=\"500\" aria-label=\"reason for rejecting registration {id}\">\
         <button type=\"submit\" class=\"reject\">Reject</button></form></td></tr>",
        id = r.id,
        network = esc(&r.network),
        name = esc(&r.name),
        url = esc(&public_url(&changed.url)),
        at = when(Some(changed.checked_at), now),
        csrf = esc(csrf),
    )
}

/// `id` as one path segment.
fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn attempts_table(attempts: &[AttemptDetail], now: DateTime<Utc>) -> String {
    if attempts.is_empty() {
        return "<p id=\"no-attempts\">This feed was never fetched.</p>".to_string();
    }
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::from(
        "<table id=\"attempts\"><thead><tr><th>Started</th><th>Took</th><th>Outcome</th>\
         <th>HTTP</th><th>Items</th><th>New</th><th>Updated</th><th>Closed</th><th>Error</th>\
         <th>Warnings</th></tr></thead><tbody>",
    );
    for a in attempts {
        let took = (a.finished_at - a.started_at).num_milliseconds().max(0);
        out.push_str(&format!(
            "<tr class=\"{class}\"><td>{started}</td><td class=\"num\">{took:.1} s</td>\
             <td>{outcome}</td><td>{http}</td><td class=\"num\">{items}</td>\
             <td class=\"num\">{new}</td><td class=\"num\">{updated}</td>\
             <td class=\"num\">{closed}</td><td>{error}</td><td>{warnings}</td></tr>",
            class = if a.outcome == "error" {
                "failing"
            } else {
                "ok"
            },
            started = when(Some(a.started_at), now),
            took = took as f64 / 1000.0,
            outcome = esc(&a.outcome.replace('_', " ")),
            http = a.http_status.map(|s| s.to_string()).unwrap_or_default(),
            items = n(a.items_found),
            new = n(a.offers_new),
            updated = n(a.offers_updated),
            closed = n(a.offers_closed),
            error = a
                .error
                .as_deref()
                .map(|e| esc(&public_urls_in(e)))
                .unwrap_or_default(),
            warnings = warnings_list(&a.warnings),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// `GET /admin/feeds/{id}`: one feed, its recent attempts, "fetch now".
pub(super) async fn feed(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let operator = match auth::require(&s, &headers) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let now = s.clock.now();
    let wanted = id.clone();
    let read = s
        .shared()
        .run(move |store| {
            let status = store.feed_statuses()?.into_iter().find(|f| f.id == wanted);
            let attempts = match status {
                Some(_) => store.recent_attempts(&wanted, ATTEMPTS_SHOWN)?,
                None => Vec::new(),
            };
            Ok((status, attempts))
        })
        .await;
    let (status, attempts) = match read {
        Ok((Some(f), attempts)) => (f, attempts),
        Ok((None, _)) => return unknown_feed(&id),
        Err(e) => return failed(e),
    };
    let f = &status;
    let mut body = flash_html(&operator);
    let held = f
        .held_closing
        .as_ref()
        .map(|h| {
            format!(
                "<dt>Held closing</dt><dd>{} of {} open offers, since {}</dd>",
                h.offers,
                h.open,
                when(Some(h.at), now)
            )
        })
        .unwrap_or_default();
    body.push_str(&format!(
        "<dl class=\"feed\"><dt>Name</dt><dd>{name}</dd><dt>Network</dt><dd>{network}</dd>\
         <dt>Origin</dt><dd>{origin}</dd><dt>URL</dt><dd>{url}</dd>\
         <dt>State</dt><dd id=\"feed-state\">{state}</dd>\
         <dt>Last success</dt><dd>{success}</dd><dt>Last error</dt><dd>{error}</dd>\
         <dt>Next fetch</dt><dd>{next}</dd><dt>Not before</dt><dd>{not_before}</dd>\
         <dt>Open offers</dt><dd>{open}</dd>{held}</dl>\
         <form method=\"post\" action=\"/admin/feeds/{id_path}/fetch\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" id=\"fetch-now\">Fetch now</button></form>\
         <h2>Recent fetches</h2>{attempts}",
        name = esc(&f.name),
        network = esc(&f.network),
        origin = f.origin,
        url = esc(&public_url(f.effective_url.as_deref().unwrap_or(&f.url))),
        state = state_cell(f),
        success = when(f.last_success_at, now),
        error = f
            .last_error
            .as_deref()
            .map(|e| esc(&public_urls_in(e)))
            .unwrap_or_else(|| "—".into()),
        next = when(f.next_fetch_at, now),
        not_before = when(f.not_before, now),
        open = f.open_offers,
        id_path = esc(&path_segment(&f.id)),
        csrf = esc(&operator.csrf),
        attempts = attempts_table(&attempts, now),
    ));
    html::page(
        StatusCode::OK,
        &format!("Feed {}", f.id),
        &body,
        Some(&operator.csrf),
    )
}

fn unknown_feed(id: &str) -> Response {
    html::message(
        StatusCode::NOT_FOUND,
        "Unknown feed",
        &format!("No configured feed has the id {}.", esc(id)),
    )
}

/// `POST /admin/feeds/{id}/fetch`: asks the scheduler to fetch the feed now.
pub(super) async fn fetch_now(
    State(s): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (operator, _) = match auth::post(&s, request).await {
        Ok(p) => p,
        Err(e) => return e,
    };
    let wanted = id.clone();
    let known = s
        .shared()
        .run(move |store| Ok(store.feed_statuses()?.into_iter().any(|f| f.id == wanted)))
        .await;
    match known {
        Ok(true) => {}
        Ok(false) => return unknown_feed(&id),
        Err(e) => return failed(e),
    }
    let text = match &s.control {
        None => "No scheduler runs in this process: \"fetch now\" works under `essaim run` \
                 (or run `essaim fetch` for this feed)."
            .to_string(),
        Some(control) => {
            let (answer, answered) = oneshot::channel();
            let order = Control::FetchNow {
                feed: id.clone(),
                answer,
            };
            let sent = tokio::time::timeout(SCHEDULER_WAIT, control.send(order)).await;
            let reply = match sent {
                Ok(Ok(())) => tokio::time::timeout(SCHEDULER_WAIT, answered)
                    .await
                    .ok()
                    .and_then(Result::ok),
                _ => None,
            };
            match reply {
                Some(FetchNow::Started) => format!(
                    "The fetch of {id} started; reload this page in a moment to see its attempt."
                ),
                Some(FetchNow::InFlight) => {
                    format!("{id} is being fetched already; its attempt shows here when it ends.")
                }
                Some(FetchNow::Unknown) => format!(
                    "The scheduler does not poll {id} (disabled, or not loaded yet): nothing \
                     was fetched."
                ),
                None => "The scheduler did not answer (it is stopping or busy): nothing was \
                         fetched; try again."
                    .to_string(),
            }
        }
    };
    tracing::info!(feed = %id, "/admin: fetch now: {text}");
    auth::flash(&s, &operator, text);
    html::see_other(&format!("/admin/feeds/{}", path_segment(&id)))
}

/// `POST /admin/registrations/{id}/approve` and `.../reject`: the operator's decision. An
/// approval of what the registry could not poll (a format that needs a mapping, without one)
/// is refused with the reason, as `essaim feeds approve` refuses it.
pub(super) async fn decide(
    State(s): State<AppState>,
    Path((id, decision)): Path<(i64, String)>,
    request: Request,
) -> Response {
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return html::message(
                StatusCode::NOT_FOUND,
                "Unknown decision",
                "A registration is approved or rejected.",
            )
        }
    };
    let (operator, form) = match auth::post(&s, request).await {
        Ok(p) => p,
        Err(e) => return e,
    };
    let reason = form
        .get("reason")
        .map(|r| r.trim().chars().take(500).collect::<String>())
        .filter(|r| !r.is_empty());
    let now = s.clock.now();
    let config = s.config.clone();
    let decided = s
        .shared()
        .run(move |store| {
            let registration = store.registration(id)?;
            // What the registry would leave out is refused, with the reason (for a change,
            // the version it would make polled), as `essaim feeds approve` does.
            if let (true, Some(config), Some(r)) = (approve, &config, &registration) {
                if let Err(e) = config.partner_feed(&r.as_changed()) {
                    return Err(StoreError::Refused(format!(
                        "registration {id} cannot be polled as registered: {e}; reject it, or \
                         ask {} to register it again with a format and mapping",
                        r.network
                    )));
                }
            }
            let change = registration.map(|r| r.what_changed()).unwrap_or_default();
            Ok((
                change,
                store.decide_registration(id, approve, reason.as_deref(), now)?,
            ))
        })
        .await;
    let text = match decided {
        Ok((change, r)) => {
            s.registry_changed.notify_one();
            tracing::info!(registration = id, network = %r.network, state = %r.state, change = %change.join("; "), "/admin: registration decided");
            if !change.is_empty() {
                let change = public_urls_in(&change.join("; "));
                if approve {
                    format!(
                        "The change to registration {id} ({}, {}) approved ({change}): {} is \
                         polled as changed from now on.",
                        r.name, r.network, r.feed_id
                    )
                } else {
                    format!(
                        "The change to registration {id} ({}, {}) rejected: {} is still polled \
                         as approved, and the partner sees the reason.",
                        r.name, r.network, r.feed_id
                    )
                }
            } else if approve {
                format!(
                    "Registration {id} ({}, {}) approved: it is polled as {} from now on.",
                    r.name, r.network, r.feed_id
                )
            } else {
                format!("Registration {id} ({}, {}) rejected.", r.name, r.network)
            }
        }
        Err(StoreError::Refused(why)) => format!("Not done: {why}."),
        Err(e) => return failed(e),
    };
    auth::flash(&s, &operator, text);
    html::see_other("/admin")
}
