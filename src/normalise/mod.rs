//! Turns a [`RawItem`] into an [`Offer`]: cleans the title, sanitises the description, reads
//! dates, and records what it could not understand as warnings on the offer (never by dropping
//! it). Normalising does no I/O and never fails.

pub mod html;

use chrono::{DateTime, Utc};

use crate::model::Offer;
use crate::parse::RawItem;

/// What the normaliser needs to know about the feed an item came from.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub feed_id: &'a str,
    /// Base URL for relative links in descriptions.
    pub base_url: Option<&'a str>,
    /// "Now", for dates written without a year.
    pub now: DateTime<Utc>,
}

/// Normalises one item.
pub fn normalise(item: &RawItem, ctx: &Context<'_>) -> Offer {
    let mut warnings = Vec::new();
    let title_raw = item.title.clone().unwrap_or_default();
    let title = collapse_ws(&html::to_text(&title_raw));
    if title.is_empty() {
        warnings.push("no title".to_string());
    }
    let url = item.link.clone();
    if url.is_none() {
        warnings.push("no link to the offer".to_string());
    }
    let description = item.description.as_deref().unwrap_or("");
    let base = item.link.as_deref().or(ctx.base_url);
    let description_html = html::sanitise(description, base);
    let description_text = html::to_text(&description_html);
    let published = date(item.published.as_deref(), "published", &mut warnings);
    let updated = date(item.updated.as_deref(), "updated", &mut warnings);
    Offer {
        feed_id: ctx.feed_id.to_string(),
        reference: item.reference.clone(),
        url,
        title,
        title_raw,
        employer: item
            .employer
            .as_deref()
            .map(collapse_ws)
            .filter(|e| !e.is_empty()),
        categories: item
            .categories
            .iter()
            .map(|c| collapse_ws(c))
            .filter(|c| !c.is_empty())
            .collect(),
        published,
        updated,
        description_html,
        description_text,
        warnings,
    }
}

fn date(raw: Option<&str>, what: &str, warnings: &mut Vec<String>) -> Option<DateTime<Utc>> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    match DateTime::parse_from_rfc3339(raw) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            warnings.push(format!("unparseable {what} date {raw:?}"));
            None
        }
    }
}

/// Trims and folds every run of white space (including non-breaking spaces) into one space,
/// and drops control characters.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> Context<'static> {
        Context {
            feed_id: "rs-rhone",
            base_url: Some("https://www.ressources-solidaires.org/"),
            now: DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn item_is_normalised_with_warnings_instead_of_being_dropped() {
        let item = RawItem {
            title: Some("  Coordinateur&nbsp;de \u{7}  projets  ".into()),
            description: Some("<p onclick=\"x()\">Lieu : Lyon</p><script>alert(1)</script><a href=\"/postuler\">Postuler</a>".into()),
            published: Some("32/13/2026".into()),
            ..Default::default()
        };
        let o = normalise(&item, &ctx());
        assert_eq!(o.title, "Coordinateur de projets");
        assert_eq!(o.feed_id, "rs-rhone");
        assert_eq!(
            o.description_html,
            "<p>Lieu : Lyon</p><a href=\"https://www.ressources-solidaires.org/postuler\" rel=\"noopener noreferrer nofollow\">Postuler</a>"
        );
        assert_eq!(o.description_text, "Lieu : Lyon\nPostuler");
        assert_eq!(o.published, None);
        assert_eq!(
            o.warnings,
            vec![
                "no link to the offer",
                "unparseable published date \"32/13/2026\""
            ]
        );
    }
}
