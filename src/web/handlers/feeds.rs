//! `/api/feeds`: the feeds' status, read afresh on every request, every partner URL in it
//! shown without its credentials ([`public_url`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::web::answer::{add_cors, server_error};
use crate::web::AppState;

/// The feeds' status: read afresh on every request (fetch attempts change it without
/// changing the published data).
pub(in crate::web) async fn api_feeds(State(s): State<AppState>) -> Response {
    match s.shared().feed_statuses().await {
        Ok(mut feeds) => {
            // Public (CORS `*`): no credential of a partner URL, wherever it is quoted.
            for feed in &mut feeds {
                feed.url = public_url(&feed.url);
                feed.effective_url = feed.effective_url.as_deref().map(public_url);
                feed.last_error = feed.last_error.as_deref().map(public_urls_in);
            }
            let mut response = Json(feeds).into_response();
            add_cors(response.headers_mut());
            response
        }
        Err(e) => server_error(e),
    }
}

/// Query parameters whose value is a secret, by the words of their name (`apikey`,
/// `api_key`, `access_token`, `X-Amz-Signature`, `authToken`, `client_secret`...).
const SECRET_WORDS: [&str; 15] = [
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "pass",
    "pwd",
    "signature",
    "sig",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "session",
];

/// True when a query parameter's name says its value is a secret: one of the words of the
/// name (split at `_`, `-`, `.` and lower-to-upper case changes) is in [`SECRET_WORDS`], or the
/// whole name is (`apikey`, `accesstoken`...).
fn is_secret_parameter(name: &str) -> bool {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut word));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    words.push(word);
    let whole = name.to_lowercase().replace(['_', '-', '.'], "");
    words.iter().chain(std::iter::once(&whole)).any(|w| {
        SECRET_WORDS.contains(&w.as_str())
            || w.ends_with("token")
            || w.ends_with("secret")
            || w.ends_with("password")
            || w.ends_with("apikey")
    })
}

/// A partner URL as public outputs show it: without user name and password, and with the
/// value of every secret-looking query parameter replaced by `***`
/// (`https://essaim:pw@partner.example/x?apikey=K&page=2` →
/// `https://partner.example/x?apikey=***&page=2`). Other parameters stay as written. A text
/// that is not an absolute URL (a file feed's path) is returned as it is.
pub fn public_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return text.to_string();
    };
    if url.cannot_be_a_base() {
        return text.to_string();
    }
    let hidden_user = !url.username().is_empty() || url.password().is_some();
    // Neither can fail on a URL with a host; a URL without one has no user info anyway.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let mut hidden_query = false;
    if let Some(query) = url.query() {
        let parts: Vec<String> = query
            .split('&')
            .map(|part| {
                let (name, value) = part.split_once('=').unwrap_or((part, ""));
                let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .next()
                    .unwrap_or_default();
                if !value.is_empty() && is_secret_parameter(&decoded) {
                    hidden_query = true;
                    format!("{name}=***")
                } else {
                    part.to_string()
                }
            })
            .collect();
        if hidden_query {
            url.set_query(Some(&parts.join("&")));
        }
    }
    if hidden_user || hidden_query {
        url.to_string()
    } else {
        text.to_string()
    }
}

/// `text` (an error message) with every http(s) URL in it passed through [`public_url`].
pub fn public_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let mut end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(candidate.len());
        // Punctuation closing a sentence or a parenthesis is not part of the URL.
        while end > 0 && candidate[..end].ends_with([')', ',', ';', '.', ':']) {
            end -= 1;
        }
        out.push_str(&public_url(&candidate[..end]));
        rest = &candidate[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn partner_urls_lose_their_credentials() {
        for (url, public) in [
            (
                "https://essaim:s3cr%C3%A9t@flux.partenaire.example/offres.xml?apikey=K3Y-123&page=2",
                "https://flux.partenaire.example/offres.xml?apikey=***&page=2",
            ),
            (
                "http://user@10.1.2.3:8080/export?format=rss&access_token=abc&X-Amz-Signature=f00&authToken=z&client_secret=s&keywords=animateur",
                "http://10.1.2.3:8080/export?format=rss&access_token=***&X-Amz-Signature=***&authToken=***&client_secret=***&keywords=animateur",
            ),
            (
                "https://a.example/rss?api_key=1&sig=2&password=3&pass=4&token=5&key=6&signature=7&auth=8",
                "https://a.example/rss?api_key=***&sig=***&password=***&pass=***&token=***&key=***&signature=***&auth=***",
            ),
            // Nothing secret: as written.
            (
                "https://www.ressources-solidaires.org/rss/offres-69.xml?dept=69&q=aide%20soignant",
                "https://www.ressources-solidaires.org/rss/offres-69.xml?dept=69&q=aide%20soignant",
            ),
            ("fixtures/partners/una-touraine.xml", "fixtures/partners/una-touraine.xml"),
        ] {
            assert_eq!(public_url(url), public, "{url}");
        }
        assert_eq!(
            public_urls_in(
                "HTTP 503 Service Unavailable from https://u:p@a.example/x?token=t (retry later). \
                 request to http://b.example/y?apikey=k, failed"
            ),
            "HTTP 503 Service Unavailable from https://a.example/x?token=*** (retry later). \
             request to http://b.example/y?apikey=***, failed"
        );
    }
}
