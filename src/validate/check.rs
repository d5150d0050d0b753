//! The check of one feed URL, shared by the partner API (`POST /api/partner/feeds`, the
//! `/partner` form) and `essaim validate`: the URL fetched once under every fetch rule (the
//! operator's settings decide which non-public addresses may be reached; a partner can never
//! ask for more), the body read as the pipeline would read it, and an [`Outcome`] that can be
//! shown and stored: the [`Report`] when the body reads, else the reason and, for a body in
//! no known format, the mapping that would read it ([`super::propose`]) as JSON and as TOML.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::propose::{self, Proposal};
use super::{read, report, Report};
use crate::config::{Config, FeedConfig, FeedSource};
use crate::fetch::{BudgetHold, FetchError, FetchErrorKind, Fetched, Fetcher};
use crate::model::{Registration, RegistrationState};
use crate::parse::Format;

/// The bytes of one fetch and what the server said of them.
#[derive(Debug, Clone)]
pub struct Body {
    pub bytes: Vec<u8>,
    /// The `charset` of the Content-Type.
    pub charset: Option<String>,
    /// The URL the body was read from, after redirects (links resolve against it).
    pub base: Option<String>,
    /// Its share of the fetcher's body budget, held until the body is read and dropped.
    pub budget: BudgetHold,
}

/// Why a URL could not be checked: nothing was read, so nothing is reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The request itself is wrong: not an http(s) URL, an unknown format, a bad mapping.
    #[error("{0}")]
    Invalid(String),
    /// The fetch rules refused the URL (a non-public address, too many redirects...) or the
    /// server gave no body.
    #[error("cannot fetch: {0}")]
    Fetch(String),
    /// The fetcher's body budget had no room for the body now ([`FetchErrorKind::Busy`]):
    /// nothing was read; the same check may succeed later.
    #[error("not checked now: {0}")]
    Busy(String),
}

impl From<FetchError> for CheckError {
    fn from(e: FetchError) -> CheckError {
        match e.kind {
            FetchErrorKind::Busy => CheckError::Busy(e.message),
            _ => CheckError::Fetch(e.message),
        }
    }
}

/// The mapping proposed for a body in no known format, as a partner sends it back
/// (`format` and `mapping` of the API's request).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedMapping {
    pub format: &'static str,
    pub mapping: serde_json::Map<String, serde_json::Value>,
}

impl ProposedMapping {
    fn of(p: &Proposal) -> ProposedMapping {
        let mut mapping = serde_json::Map::new();
        mapping.insert("items".into(), p.items.clone().into());
        for f in &p.fields {
            mapping.insert(f.field.to_string(), f.path.clone().into());
        }
        ProposedMapping {
            format: p.format,
            mapping,
        }
    }
}

/// What a check found: the report of a body that reads, or why it does not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Whether essaim reads the body as registered (with its format and mapping).
    pub readable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// Why the body does not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a body in no known format: where the items and each field seem to be, with how
    /// many items each path fills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
    /// The same, as the `format` and `mapping` to register the feed again with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_mapping: Option<ProposedMapping>,
    /// The same, as TOML for a `[[feed]]` entry of feeds.toml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_toml: Option<String>,
}

impl Outcome {
    /// Offers found and problems counted, or None when the body did not read.
    pub fn counts(&self) -> Option<(usize, usize)> {
        self.report.as_ref().map(|r| (r.offers, r.problems.len()))
    }
}

/// A stored outcome's summary (`essaim feeds pending`): "3 offers, 1 problem", or why it
/// does not read.
pub fn summary(stored: Option<&serde_json::Value>) -> String {
    let Some(v) = stored else {
        return "not checked".into();
    };
    if v["readable"] == serde_json::Value::Bool(true) {
        let offers = v["report"]["offers"].as_u64().unwrap_or(0);
        let problems = v["report"]["problems"].as_array().map_or(0, |p| p.len());
        let s = |n: u64| if n == 1 { "" } else { "s" };
        format!(
            "{offers} offer{}, {problems} problem{}",
            s(offers),
            s(problems as u64)
        )
    } else {
        let error = v["error"].as_str().unwrap_or("unknown error");
        let proposal = if v["proposed_mapping"].is_object() {
            " (a mapping was proposed)"
        } else {
            ""
        };
        format!("unreadable: {error}{proposal}")
    }
}

/// Fetches `url` once, without validators, under the fetcher's rules.
pub async fn fetch_once(fetcher: &Fetcher, url: url::Url) -> Result<Body, CheckError> {
    match fetcher.fetch_url_once(url).await? {
        Fetched::Body(b) => Ok(Body {
            bytes: b.bytes,
            charset: b.charset,
            base: b.final_url,
            budget: b.budget,
        }),
        Fetched::NotModified { .. } => Err(CheckError::Fetch(
            "the server answered 304 Not Modified to a plain request".into(),
        )),
    }
}

/// The outcome of reading `body` (from `source`) with `feed`'s mapping and `format` (sniffed
/// when None), as of `now`. Parsing is work for a blocking thread.
pub fn outcome(
    source: &str,
    body: &Body,
    feed: Option<&FeedConfig>,
    format: Option<Format>,
    now: DateTime<Utc>,
) -> Outcome {
    let format = format.filter(|f| *f != Format::Auto);
    let read = read(
        &body.bytes,
        body.charset.as_deref(),
        body.base.as_deref(),
        feed,
        format,
        now,
    );
    match read {
        Ok((parsed, offers)) => Outcome {
            readable: true,
            report: Some(report(source, &parsed, &offers)),
            error: None,
            proposal: None,
            proposed_mapping: None,
            proposed_toml: None,
        },
        Err(e) => {
            let text = crate::parse::decode::decode(&body.bytes, body.charset.as_deref()).text;
            let proposal = propose::propose(&text);
            Outcome {
                readable: false,
                report: None,
                error: Some(e.to_string()),
                proposed_mapping: proposal.as_ref().map(ProposedMapping::of),
                proposed_toml: proposal.as_ref().map(Proposal::to_toml),
                proposal,
            }
        }
    }
}

/// What a partner asks to register.
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub network: String,
    pub name: String,
    pub url: String,
    /// A format's name (`rss`, `xml`...); None: sniffed.
    pub format: Option<String>,
    pub mapping: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The feed `candidate` would be polled as once approved, built as `Config::partner_feed`
/// builds it (never allowed private addresses of its own).
pub fn candidate_feed(
    config: &Config,
    candidate: &Candidate,
    now: DateTime<Utc>,
) -> Result<FeedConfig, CheckError> {
    let r = Registration {
        id: 0,
        feed_id: Registration::feed_id_of(0),
        network: candidate.network.clone(),
        name: candidate.name.clone(),
        url: candidate.url.clone(),
        format: candidate.format.clone(),
        mapping: candidate.mapping.clone(),
        state: RegistrationState::Pending,
        report: None,
        created_at: now,
        checked_at: now,
        decided_at: None,
        reason: None,
        change: None,
    };
    config.partner_feed(&r).map_err(CheckError::Invalid)
}

/// Checks what a partner registers: its URL fetched once with `fetcher` (built from the
/// operator's settings), the body read as the feed would be polled. An error means nothing
/// could be read (a request to refuse); a body that does not read is an [`Outcome`].
pub async fn check(
    fetcher: &Fetcher,
    config: &Config,
    candidate: &Candidate,
    now: DateTime<Utc>,
) -> Result<Outcome, CheckError> {
    let feed = candidate_feed(config, candidate, now)?;
    let FeedSource::Http(url) = &feed.source else {
        return Err(CheckError::Invalid("the URL must be http or https".into()));
    };
    let body = fetch_once(fetcher, url.clone()).await?;
    let source = candidate.url.clone();
    tokio::task::spawn_blocking(move || {
        let format = Some(feed.format);
        outcome(&source, &body, Some(&feed), format, now)
    })
    .await
    .map_err(|e| CheckError::Fetch(format!("the check stopped: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    fn body(text: &str) -> Body {
        Body {
            bytes: text.as_bytes().to_vec(),
            charset: None,
            base: None,
            budget: BudgetHold::default(),
        }
    }

    const HOME_MADE: &str = "<export><annonce><intitule>Animateur</intitule>\
        <ville>Lyon</ville><lien>https://a.fr/1</lien></annonce>\
        <annonce><intitule>Comptable</intitule><ville>Brest</ville>\
        <lien>https://a.fr/2</lien></annonce></export>";

    #[test]
    fn a_home_made_shape_gets_a_mapping_that_then_reads_it() {
        let out = outcome("x", &body(HOME_MADE), None, None, now());
        assert!(!out.readable);
        assert!(out.report.is_none() && out.error.is_some());
        let proposed = out.proposed_mapping.clone().unwrap();
        assert_eq!(proposed.format, "xml");
        assert_eq!(proposed.mapping["items"], "export/annonce");
        assert_eq!(proposed.mapping["title"], "intitule");
        assert!(out.proposed_toml.unwrap().contains("[feed.mapping]"));
        let stored =
            serde_json::to_value(outcome("x", &body(HOME_MADE), None, None, now())).unwrap();
        assert!(summary(Some(&stored)).starts_with("unreadable: "));
        assert!(summary(Some(&stored)).ends_with("(a mapping was proposed)"));

        let config = crate::config::parse("", std::path::Path::new("feeds.toml")).unwrap();
        let candidate = Candidate {
            network: "N".into(),
            name: "Offres".into(),
            url: "https://a.fr/offres.xml".into(),
            format: Some(proposed.format.into()),
            mapping: Some(proposed.mapping),
        };
        let feed = candidate_feed(&config, &candidate, now()).unwrap();
        let out = outcome("x", &body(HOME_MADE), Some(&feed), Some(feed.format), now());
        assert!(out.readable, "{out:?}");
        assert_eq!(out.counts().map(|c| c.0), Some(2));
        let stored = serde_json::to_value(&out).unwrap();
        assert!(summary(Some(&stored)).starts_with("2 offers, "));
    }

    #[test]
    fn a_bad_request_is_refused_before_any_fetch() {
        let config = crate::config::parse("", std::path::Path::new("feeds.toml")).unwrap();
        let mut candidate = Candidate {
            network: "N".into(),
            name: "Offres".into(),
            url: "ftp://a.fr/offres.xml".into(),
            ..Candidate::default()
        };
        let e = candidate_feed(&config, &candidate, now()).unwrap_err();
        assert!(e.to_string().contains("http or https"), "{e}");
        candidate.url = "https://a.fr/offres.xml".into();
        candidate.format = Some("xml".into());
        let e = candidate_feed(&config, &candidate, now()).unwrap_err();
        assert!(e.to_string().contains("needs a mapping"), "{e}");
        candidate.format = Some("csv".into());
        assert!(candidate_feed(&config, &candidate, now()).is_err());
    }
}
