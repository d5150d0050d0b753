//! `/admin`: the operator's status page, server-rendered HTML behind the operator's token.
//! `auth` (the login, the sessions kept in memory, CSRF and origin checks, the failed-login
//! limit), `pages` (the overview, a page per feed, the approve / reject and "fetch now"
//! buttons), `chart` (offers added per day, as inline SVG), `html` (escaping, the page
//! around a body, the style sheet and the few lines of script).

mod auth;
mod chart;
mod html;
mod pages;

use axum::routing::{get, post};
use axum::Router;

pub use auth::{Sessions, FAILED_LOGINS_PER_MINUTE, SESSION_LIFETIME};

use super::AppState;

/// The routes of `/admin`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(pages::overview))
        .route("/admin/", get(|| async { html::see_other("/admin") }))
        .route("/admin/login", get(auth::login_form).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route("/admin/admin.css", get(html::style))
        .route("/admin/admin.js", get(html::script))
        .route("/admin/feeds/{id}", get(pages::feed))
        .route("/admin/feeds/{id}/fetch", post(pages::fetch_now))
        .route("/admin/registrations/{id}/{decision}", post(pages::decide))
}
