//! The pieces every page of `/admin` is made of: escaping ([`esc`]: every text that is not
//! the page's own goes through it), the page around a body, the plain answers (a message, a
//! redirect), the style sheet and the few lines of script, served from `/admin` itself so
//! that the Content-Security-Policy allows nothing else.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `text` escaped for HTML text and attribute values (double or single quoted).
pub use crate::normalise::html::escape_text as esc;

/// What every answer of `/admin` carries: nothing cached, nothing framed, no script or style
/// but `/admin`'s own.
fn protect(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// A whole page: `body` is HTML the caller escaped. With the session's CSRF token, the page
/// has a logout button.
pub fn page(status: StatusCode, title: &str, body: &str, csrf: Option<&str>) -> Response {
    let logout = csrf
        .map(|token| {
            format!(
                "<form method=\"post\" action=\"/admin/logout\" class=\"logout\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\">Log out</button></form>",
                esc(token)
            )
        })
        .unwrap_or_default();
    let text = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · essaim</title>\
         <link rel=\"stylesheet\" href=\"/admin/admin.css\">\
         <script src=\"/admin/admin.js\" defer></script></head>\
         <body><header><a href=\"/admin\" class=\"home\">essaim · status</a>{logout}</header>\
         <main><h1>{title}</h1>\n{body}</main></body></html>\n",
        title = esc(title),
    );
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        text,
    )
        .into_response();
    protect(&mut response);
    response
}

/// A page holding one message: `html` is the page's own text (the caller escaped anything
/// else in it).
pub fn message(status: StatusCode, title: &str, html: &str) -> Response {
    page(
        status,
        title,
        &format!("<p class=\"message\">{html}</p>"),
        None,
    )
}

/// 303 See Other to `location` (a path of `/admin`).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    protect(&mut response);
    response
}

const STYLE: &str = "\
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{display:flex;justify-content:space-between;align-items:center;padding:.5em 1em;background:#233;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:0 1em 2em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th a{color:inherit}
tr.failing td{background:#fde8e8}
.badge{display:inline-block;padding:0 .4em;border-radius:.3em;font-size:.9em}
.badge.failing{background:#b00020;color:#fff;font-weight:600}
.badge.ok{background:#e3f1e3}
.totals{display:flex;flex-wrap:wrap;gap:1em;list-style:none;padding:0}
.totals li{background:#fff;border:1px solid #ddd;padding:.5em 1em}
.totals strong{display:block;font-size:1.4em}
.flash{background:#eef5ff;border:1px solid #9bc;padding:.5em 1em}
.flash.error{background:#fde8e8;border-color:#d99}
.warnings{margin:0;padding-left:1.2em;font-size:.9em;color:#7a4b00}
.num{text-align:right}
form.inline{display:inline}
svg .bar{fill:#3a7ca5}svg .axis{stroke:#888}svg text{font-size:10px;fill:#444}
pre{white-space:pre-wrap;max-width:60em}
dl.feed{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.feed dt{font-weight:600}dl.feed dd{margin:0}
.hint{color:#555}
";

/// A few lines of script: the feed table filtered as the operator types (the form's
/// server-side filter works without it).
const SCRIPT: &str = "\
document.addEventListener('DOMContentLoaded', function () {
  var q = document.getElementById('q');
  var rows = document.querySelectorAll('#feeds tbody tr');
  if (!q) return;
  q.addEventListener('input', function () {
    var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    rows.forEach(function (row) {
      var text = row.getAttribute('data-text') || '';
      row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  });
});
";

fn asset(content_type: &'static str, text: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], text).into_response();
    protect(&mut response);
    response
}

/// `GET /admin/admin.css`.
pub(super) async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// `GET /admin/admin.js`.
pub(super) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_markup_character_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(esc("Crèche « Les Lutins »"), "Crèche « Les Lutins »");
    }
}
