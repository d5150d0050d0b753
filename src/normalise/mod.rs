//! Turns a [`RawItem`] into an [`Offer`]: cleans the title, resolves the place, classifies the
//! contract, reads working time, salary and dates, sanitises the description, and records what
//! it could not understand as warnings on the offer (never by dropping it). Fields the feed does
//! not carry are looked for in the description's labelled lines ("Lieu :", "Contrat :",
//! "Salaire :", "Date limite :"), then in its sentences. Normalising does no I/O and never
//! fails.
//!
//! [`normalise`] is a list of steps, each in the module of its concern: the texts ([`html`],
//! [`labels`]), the title ([`title`]), the links, the employer ([`employer`]), the place
//! (`location`, [`remote`]), the terms (`terms`: [`contract`], [`duration`],
//! [`working_time`], [`salary`], and `sentences` for what only the description's sentences
//! state) and the dates ([`dates`]).

pub mod contract;
pub mod dates;
pub mod duration;
pub mod employer;
pub mod html;
pub mod labels;
mod location;
pub mod remote;
pub mod salary;
mod sentences;
pub mod telework;
mod terms;
pub mod title;
pub mod working_time;

use chrono::{DateTime, Utc};

use crate::model::{EmployerFamily, Offer};
use crate::parse::RawItem;
use crate::text::squeeze_spaces;
use labels::Label;

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
    let texts = Texts::read(item, ctx, &mut warnings);
    let title = clean_title(&texts.title, &mut warnings);
    let (url, apply_url) = links(item, &mut warnings);
    let (employer, employer_family) = employer(item, &texts);
    let location = location::location(item, &texts, &mut warnings);
    let terms = terms::read(item, &texts, &mut warnings);
    let dates = dates::read(item, &texts, ctx.now, &mut warnings);
    let Texts {
        description_html,
        description_text,
        title: title_raw,
        ..
    } = texts;
    Offer {
        feed_id: ctx.feed_id.to_string(),
        reference: item
            .reference
            .as_deref()
            .map(|r| squeeze_spaces(&html::to_text(r)))
            .filter(|r| !r.is_empty()),
        url,
        apply_url,
        title,
        title_raw,
        employer,
        employer_family,
        location,
        contract: terms.contract,
        contract_raw: terms.contract_raw,
        contract_duration: terms.contract_duration,
        employment_types: terms.employment_types,
        working_time: terms.working_time,
        working_time_raw: terms.working_time_raw,
        salary: terms.salary,
        salary_raw: terms.salary_raw,
        sector: terms.sector,
        categories: item
            .categories
            .iter()
            .map(|c| squeeze_spaces(&html::to_text(c)))
            .filter(|c| !c.is_empty())
            .collect(),
        published: dates.published,
        updated: dates.updated,
        valid_through: dates.valid_through,
        start_date: dates.start_date,
        description_html,
        description_text,
        warnings,
    }
}

/// The item's texts, read once for every step: the description sanitised and as plain text,
/// its labelled lines, and the title as plain text (markup removed, entities decoded once,
/// as written otherwise).
struct Texts {
    description_html: String,
    description_text: String,
    labelled: Vec<(Label, String)>,
    title: String,
}

impl Texts {
    fn read(item: &RawItem, ctx: &Context<'_>, warnings: &mut Vec<String>) -> Texts {
        let description = item.description.as_deref().unwrap_or("");
        let base = item.link.as_deref().or(ctx.base_url);
        let (description_html, nesting) = html::sanitise_noting(description, base);
        warnings.extend(nesting);
        let description_text = html::sanitised_to_text(&description_html);
        let labelled = labels::labelled_fields(&description_text);
        let title = squeeze_spaces(&html::to_text(item.title.as_deref().unwrap_or("")));
        Texts {
            description_html,
            description_text,
            labelled,
            title,
        }
    }

    /// The value of the description's first line labelled `l`.
    fn label(&self, l: Label) -> Option<String> {
        self.labelled
            .iter()
            .find(|(k, _)| *k == l)
            .map(|(_, v)| v.clone())
    }
}

/// A field of the item as plain text with its white space squeezed; None when empty.
fn field(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(|s| squeeze_spaces(&html::to_text(s)))
        .filter(|s| !s.is_empty())
}

/// The title without gender markers nor trailing noise; a warning when there is none.
fn clean_title(title_text: &str, warnings: &mut Vec<String>) -> String {
    let title = title::clean_title(title_text, &location::is_place_segment);
    if title.is_empty() {
        warnings.push("no title".to_string());
    }
    title
}

/// The offer's link and its application link: only http and https ones are published.
fn links(item: &RawItem, warnings: &mut Vec<String>) -> (Option<String>, Option<String>) {
    let url = public_link(item.link.as_deref(), "link", warnings);
    if url.is_none() && item.link.as_deref().is_none_or(|l| l.trim().is_empty()) {
        warnings.push("missing link to the offer".to_string());
    }
    let apply_url = public_link(item.apply_url.as_deref(), "application link", warnings)
        .filter(|a| Some(a) != url.as_ref());
    (url, apply_url)
}

/// The employer (the field, else the labelled line) and its family.
fn employer(item: &RawItem, texts: &Texts) -> (Option<String>, Option<EmployerFamily>) {
    let employer = field(&item.employer).or_else(|| texts.label(Label::Employer));
    let family = employer
        .as_deref()
        .and_then(|name| employer::employer_family(name, item.employer_type.as_deref()));
    (employer, family)
}

/// Why an offer is not published, when it is not: with neither title nor link a reader could
/// neither tell what it is nor follow it to the partner (such items are what a format read
/// with the wrong fields gives).
pub fn unpublishable(offer: &Offer) -> Option<&'static str> {
    (offer.title.is_empty() && offer.url.is_none())
        .then_some("neither title nor link, so it is not published")
}

/// A partner's link as it may be published: an absolute `http` or `https` URL (kept as
/// written, trimmed), or a relative reference (a path, which carries no scheme). Any other
/// scheme (`javascript:`, `data:`, `vbscript:`, `file:`, `mailto:`...) and anything that is
/// not a URL is left out with a warning quoting it: a reader's click must never run a script
/// or open something that is not a web page. Schemes are read as browsers read them (case,
/// leading control characters, tabs and newlines inside).
pub fn public_link(raw: Option<&str>, what: &str, warnings: &mut Vec<String>) -> Option<String> {
    let link = raw?.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if link.is_empty() {
        return None;
    }
    let quoted: String = link.chars().take(80).collect();
    let ellipsis = if quoted.len() < link.len() { "…" } else { "" };
    match url::Url::parse(link) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(link.to_string()),
        Ok(u) => {
            warnings.push(format!(
                "{what} {quoted:?}{ellipsis} left out: only http and https links are \
                 published, not {}:",
                u.scheme()
            ));
            None
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => Some(link.to_string()),
        Err(e) => {
            warnings.push(format!(
                "{what} {quoted:?}{ellipsis} left out: it is not a valid URL ({e})"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests;
