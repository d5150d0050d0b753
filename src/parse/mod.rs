//! Turns the bytes of one partner feed into format-neutral [`RawItem`]s.
//!
//! Bytes go in (never text: the charset is decided here, see [`decode`]), items come out with
//! each field as the partner wrote it; understanding the values is the normaliser's job.
//! Parsing does no I/O. A feed that cannot be read at all is a [`ParseError`]; a problem with
//! one item is a warning carried alongside the items, so one bad item never costs the others.

pub mod decode;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::Format;

/// What the parser knows besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct ParseContext<'a> {
    /// Declared format (`Auto` sniffs).
    pub format: Option<Format>,
    /// `charset` of the HTTP Content-Type, if the feed came over HTTP.
    pub http_charset: Option<&'a str>,
    /// URL the feed was read from, to resolve relative links.
    pub base_url: Option<&'a str>,
}

/// One item as the partner wrote it, before normalisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RawItem {
    /// The partner's own reference (guid, id, referencenumber, identifier).
    pub reference: Option<String>,
    /// Link to the offer on the partner's site (absolute).
    pub link: Option<String>,
    pub title: Option<String>,
    /// Description as given: HTML or plain text.
    pub description: Option<String>,
    pub employer: Option<String>,
    /// Categories or tags, in order.
    pub categories: Vec<String>,
    /// Dates as RFC 3339 text when the format parser understood them, else as written.
    pub published: Option<String>,
    pub updated: Option<String>,
    /// The source item, kept for audit.
    pub source: serde_json::Value,
}

/// The items of one feed and what went wrong with some of them.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Format actually recognised ("rss", "atom", "json-feed").
    pub format: &'static str,
    /// Encoding the bytes were decoded from.
    pub encoding: &'static str,
    pub items: Vec<RawItem>,
    /// Feed-level and item-level problems, as sentences naming the item.
    pub warnings: Vec<String>,
}

/// The feed cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses one feed body.
pub fn parse(bytes: &[u8], ctx: &ParseContext<'_>) -> Result<Parsed, ParseError> {
    let decoded = decode::decode(bytes, ctx.http_charset);
    let text = decoded.text.trim_start();
    if text.is_empty() {
        return Err(ParseError("the feed is empty".into()));
    }
    let sniffed = if text.starts_with('{') || text.starts_with('[') {
        Format::JsonFeed
    } else if text.starts_with('<') {
        Format::Rss // refined by feed-rs into RSS or Atom
    } else {
        let start: String = text.chars().take(40).collect();
        return Err(ParseError(format!(
            "not a feed: the body starts with {start:?}, neither XML nor JSON"
        )));
    };
    let mut warnings: Vec<String> = decoded.warning.into_iter().collect();
    let parsed = parse_with_feed_rs(text, ctx.base_url, &mut warnings)?;
    let format = parsed.0;
    if let Some(declared) = ctx.format.filter(|f| *f != Format::Auto) {
        if declared.name() != format
            && !(sniffed == Format::JsonFeed && declared == Format::JsonFeed)
        {
            warnings.push(format!(
                "declared format {} but the feed is {format}",
                declared.name()
            ));
        }
    }
    Ok(Parsed {
        format,
        encoding: decoded.encoding,
        items: parsed.1,
        warnings,
    })
}

/// RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs.
fn parse_with_feed_rs(
    text: &str,
    base_url: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<(&'static str, Vec<RawItem>), ParseError> {
    // An empty id tells us the feed gave none: feed-rs would otherwise invent one from the
    // link and title, and identity is decided by the dedup module, not here.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base_url)
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let feed = parser
        .parse(text.as_bytes())
        .map_err(|e| ParseError(format!("not a readable RSS, Atom or JSON feed: {e}")))?;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "atom",
        feed_rs::model::FeedType::JSON => "json-feed",
        _ => "rss",
    };
    let mut items = Vec::with_capacity(feed.entries.len());
    for (index, entry) in feed.entries.into_iter().enumerate() {
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or_else(|| entry.links.first())
            .map(|l| l.href.trim().to_string())
            .filter(|l| !l.is_empty());
        let title = entry.title.as_ref().map(|t| t.content.trim().to_string());
        let description = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
            .filter(|d| !d.trim().is_empty());
        let reference = Some(entry.id.trim().to_string()).filter(|r| !r.is_empty());
        if title.as_deref().is_none_or(str::is_empty) {
            warnings.push(format!(
                "item {} ({}): no title",
                index + 1,
                link.as_deref()
                    .or(reference.as_deref())
                    .unwrap_or("no link")
            ));
        }
        let source = serde_json::to_value(&entry).unwrap_or(serde_json::Value::Null);
        items.push(RawItem {
            reference,
            link,
            title,
            description,
            employer: entry.authors.first().map(|a| a.name.trim().to_string()),
            categories: entry
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                .collect(),
            published: entry.published.map(rfc3339),
            updated: entry.updated.map(rfc3339),
            source,
        });
    }
    Ok((format, items))
}

/// The one text form of instants used across essaim: RFC 3339, UTC, whole seconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse_ok(bytes: &[u8]) -> Parsed {
        parse(
            bytes,
            &ParseContext {
                base_url: Some("https://www.exemple-asso.fr/emplois/"),
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn rss_in_latin1_with_relative_links() {
        let p = parse_ok(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel><title>Offres</title>\n<item><title>Animateur p\xe9riscolaire (H/F)</title><link>offre-12.html</link><guid isPermaLink=\"false\">off-12</guid><pubDate>Tue, 03 Nov 2026 09:30:00 +0100</pubDate><description>&lt;p&gt;Lieu : Villeurbanne&lt;/p&gt;</description></item>\n</channel></rss>");
        assert_eq!(p.format, "rss");
        assert_eq!(p.items.len(), 1);
        let it = &p.items[0];
        assert_eq!(it.title.as_deref(), Some("Animateur périscolaire (H/F)"));
        assert_eq!(
            it.link.as_deref(),
            Some("https://www.exemple-asso.fr/emplois/offre-12.html")
        );
        assert_eq!(it.reference.as_deref(), Some("off-12"));
        assert_eq!(it.published.as_deref(), Some("2026-11-03T08:30:00Z"));
        assert_eq!(
            it.description.as_deref(),
            Some("<p>Lieu : Villeurbanne</p>")
        );
    }

    #[test]
    fn item_without_guid_has_no_reference() {
        let p = parse_ok(b"<rss version=\"2.0\"><channel><item><title>A</title><link>https://a.fr/1</link></item></channel></rss>");
        assert_eq!(p.items[0].reference, None);
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = parse_ok(r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-11-01T10:00:00Z</updated><entry><id>urn:offre:7</id><title>Chargée de mission ESS</title><link href="https://cress.fr/o/7"/><updated>2026-11-02T10:00:00+01:00</updated><author><name>CRESS Bretagne</name></author><summary>Poste à Rennes</summary></entry></feed>"#.as_bytes());
        assert_eq!(atom.format, "atom");
        assert_eq!(atom.items[0].employer.as_deref(), Some("CRESS Bretagne"));
        assert_eq!(
            atom.items[0].updated.as_deref(),
            Some("2026-11-02T09:00:00Z")
        );
        let json = parse_ok(r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"42","url":"https://m.fr/42","title":"Infirmier·e","content_html":"<p>CDI</p>","date_published":"2026-11-04T08:00:00Z"}]}"#.as_bytes());
        assert_eq!(json.format, "json-feed");
        assert_eq!(json.items[0].title.as_deref(), Some("Infirmier·e"));
        assert_eq!(json.items[0].reference.as_deref(), Some("42"));
    }

    #[test]
    fn unreadable_bodies_are_errors_with_a_reason() {
        let ctx = ParseContext::default();
        assert_eq!(parse(b"   ", &ctx).unwrap_err().0, "the feed is empty");
        let e = parse(b"Bad Gateway", &ctx).unwrap_err().0;
        assert!(
            e.starts_with("not a feed: the body starts with \"Bad Gateway\""),
            "{e}"
        );
        let e = parse(b"<html><body>maintenance</body></html>", &ctx)
            .unwrap_err()
            .0;
        assert!(
            e.starts_with("not a readable RSS, Atom or JSON feed"),
            "{e}"
        );
    }

    #[test]
    fn missing_title_is_a_warning_not_an_error() {
        let p = parse_ok(b"<rss version=\"2.0\"><channel><item><link>https://a.fr/1</link></item><item><title>B</title></item></channel></rss>");
        assert_eq!(p.items.len(), 2);
        assert_eq!(
            p.warnings,
            vec!["item 1 (https://a.fr/1): no title".to_string()]
        );
    }
}
