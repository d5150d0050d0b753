//! The partner-facing report of `essaim validate`: what essaim understood of a feed, field by
//! field, and every problem with the offer it concerns, so that a partner can fix its feed.
//! Built from parsed and normalised data; no I/O (the command fetches the bytes).
//!
//! [`read`] parses and normalises a body through the pipeline's [`Reading`], as a fetch
//! does. The report then shows more than the pipeline keeps: its `build_postings` leaves out the items without title or link (and their
//! warnings), gives identities (`dedup::assign_identities`, with its warnings about guids
//! that repeat or change and about items of the same identity) and fails a body none of whose
//! items can be published, none of which the report shows; the offers' `feed_id` here is
//! `validate`, not the feed's.

pub mod check;
pub mod propose;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::FeedConfig;
use crate::model::Offer;
use crate::parse::{Format, ParseError, Parsed};
use crate::pipeline::Reading;

/// How many offers carry one field of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCount {
    pub field: &'static str,
    pub offers: usize,
}

/// One problem, with the offer it concerns when it concerns one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based position of the offer in the feed; None for the feed as a whole.
    pub item: Option<usize>,
    pub title: Option<String>,
    pub link: Option<String>,
    pub problem: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub source: String,
    pub format: Option<String>,
    pub encoding: String,
    pub offers: usize,
    pub fields: Vec<FieldCount>,
    pub problems: Vec<Problem>,
}

type Has = fn(&Offer) -> bool;

/// The model fields the report counts, in the order a partner reads them.
const FIELDS: &[(&str, Has)] = &[
    ("title", |o| !o.title.is_empty()),
    ("link", |o| o.url.is_some()),
    ("reference", |o| o.reference.is_some()),
    ("employer", |o| o.employer.is_some()),
    ("employer_family", |o| o.employer_family.is_some()),
    ("location", |o| o.location.raw.is_some()),
    ("commune", |o| o.location.place.commune.is_some()),
    ("department", |o| o.location.place.department.is_some()),
    ("region", |o| o.location.place.region.is_some()),
    ("remote", |o| o.location.remote.is_some()),
    ("contract", |o| o.contract.is_some()),
    ("contract_duration", |o| o.contract_duration.is_some()),
    ("working_time", |o| o.working_time.is_some()),
    ("salary", |o| o.salary.is_some()),
    ("sector", |o| o.sector.is_some()),
    ("published", |o| o.published.is_some()),
    ("updated", |o| o.updated.is_some()),
    ("valid_through", |o| o.valid_through.is_some()),
    ("description", |o| !o.description_text.is_empty()),
];

/// A body read as `essaim validate` reads it: parsed with `format` (sniffed when None), the
/// feed's mapping and extra elements when a configured feed is given, and every item
/// normalised (in feed order) as of `now`, links resolved against `base_url`.
///
/// It reads through the pipeline's own [`Reading`] (the same parser and normaliser contexts
/// from the same configuration); what the pipeline does after (identities, leaving out items
/// without title or link) is in the module's doc.
pub fn read(
    bytes: &[u8],
    http_charset: Option<&str>,
    base_url: Option<&str>,
    feed: Option<&FeedConfig>,
    format: Option<Format>,
    now: DateTime<Utc>,
) -> Result<(Parsed, Vec<Offer>), ParseError> {
    let reading = Reading::new("validate", format, feed, http_charset, base_url, now);
    let parsed = crate::parse::parse(bytes, &reading.parse)?;
    let offers = parsed.items.iter().map(|i| reading.offer(i)).collect();
    Ok((parsed, offers))
}

/// Builds the report of a parsed feed and its normalised offers (in feed order).
pub fn report(source: &str, parsed: &Parsed, offers: &[Offer]) -> Report {
    let fields = FIELDS
        .iter()
        .map(|(field, has)| FieldCount {
            field,
            offers: offers.iter().filter(|o| has(o)).count(),
        })
        .collect();
    let mut problems: Vec<Problem> = parsed
        .warnings
        .iter()
        .map(|w| Problem {
            item: None,
            title: None,
            link: None,
            problem: w.clone(),
        })
        .collect();
    for (i, o) in offers.iter().enumerate() {
        if let Some(why) = crate::normalise::unpublishable(o) {
            problems.push(Problem {
                item: Some(i + 1),
                title: None,
                link: None,
                problem: why.to_string(),
            });
        }
        for w in &o.warnings {
            problems.push(Problem {
                item: Some(i + 1),
                title: Some(o.title_raw.clone()).filter(|t| !t.is_empty()),
                link: o.url.clone(),
                problem: w.clone(),
            });
        }
    }
    Report {
        source: source.to_string(),
        format: parsed.format.map(|f| f.name().to_string()),
        encoding: parsed.encoding.to_string(),
        offers: offers.len(),
        fields,
        problems,
    }
}

impl Report {
    /// The report as text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}: {} offers ({}, {})\n\nfields (offers that have it):\n",
            self.source,
            self.offers,
            self.format.as_deref().unwrap_or("unknown format"),
            self.encoding
        );
        for f in &self.fields {
            let mark = if f.offers < self.offers { "  <" } else { "" };
            out.push_str(&format!(
                "  {:<18} {:>5}/{}{mark}\n",
                f.field, f.offers, self.offers
            ));
        }
        if self.problems.is_empty() {
            out.push_str("\nno problems found\n");
            return out;
        }
        out.push_str(&format!("\n{} problems:\n", self.problems.len()));
        for p in &self.problems {
            match p.item {
                None => out.push_str(&format!("  feed: {}\n", p.problem)),
                Some(i) => {
                    let who = p
                        .title
                        .as_deref()
                        .map(|t| format!("{t:?}"))
                        .or_else(|| p.link.clone())
                        .unwrap_or_default();
                    out.push_str(&format!("  item {i} {who}: {}\n", p.problem));
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::normalise::{self, Context};
    use crate::parse::{self, ParseContext};

    /// The report of `xml`, parsed and normalised on 22 November 2026.
    fn report_of(xml: &str) -> Report {
        let now = "2026-11-22T12:00:00Z".parse().unwrap();
        let parsed = parse::parse(xml.as_bytes(), &ParseContext::at(now)).unwrap();
        let ctx = Context {
            feed_id: "x",
            base_url: None,
            now,
        };
        let offers: Vec<Offer> = parsed
            .items
            .iter()
            .map(|i| normalise::normalise(i, &ctx))
            .collect();
        report("feed.xml", &parsed, &offers)
    }

    #[test]
    fn report_counts_fields_and_names_each_problem() {
        let xml = "<rss version=\"2.0\"><channel>\
            <item><title>Animateur (H/F)</title><link>https://a.fr/1</link><description>Lieu : Lyon (69)&lt;br&gt;Contrat : CDI</description></item>\
            <item><title>Comptable</title><description>Contrat : XYZ&lt;br&gt;Date limite : 32/13/2026</description></item>\
            </channel></rss>";
        let r = report_of(xml);
        assert_eq!(r.offers, 2);
        let count = |name: &str| r.fields.iter().find(|f| f.field == name).unwrap().offers;
        assert_eq!(
            (
                count("title"),
                count("link"),
                count("commune"),
                count("contract")
            ),
            (2, 1, 1, 1)
        );
        let problems: Vec<(Option<usize>, &str)> = r
            .problems
            .iter()
            .map(|p| (p.item, p.problem.as_str()))
            .collect();
        assert_eq!(
            problems,
            vec![
                (Some(2), "missing link to the offer"),
                (Some(2), "no location"),
                (Some(2), "unknown contract \"XYZ\""),
                (Some(2), "unparseable expiry date \"32/13/2026\""),
            ]
        );
        let text = r.to_text();
        assert!(
            text.contains("item 2 \"Comptable\": unknown contract \"XYZ\""),
            "{text}"
        );
        assert!(text.contains("  commune                1/2  <"), "{text}");
    }

    #[test]
    fn an_item_without_title_or_link_is_reported_as_not_published() {
        let xml = "<rss version=\"2.0\"><channel>\
            <item><guid isPermaLink=\"false\">mf-2026-118</guid><description>Centre de santé mutualiste, Lorient</description></item>\
            </channel></rss>";
        let r = report_of(xml);
        assert_eq!(
            r.problems[1].problem,
            "neither title nor link, so it is not published"
        );
        assert_eq!(r.problems[1].item, Some(1));
    }
}
