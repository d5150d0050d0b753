//! The JSON API's bodies: one offer ([`api_offer`]) and a page of offers ([`api_page`]).

use serde::Serialize;
use serde_json::Value;

use super::job::{date_published, JobFields};
use crate::model::{rfc3339, PublishedOffer};

/// An offer as the JSON API shows it: the feed item's fields plus the job fields.
pub fn api_offer(p: &PublishedOffer) -> Value {
    // Serialising borrowed strings and numbers cannot fail.
    serde_json::to_value(ApiOffer::of(p)).unwrap_or(Value::Null)
}

/// A page of the API, `{offers, count, next, next_cursor}`, written as JSON text.
pub fn api_page(
    offers: &[PublishedOffer],
    next: Option<&str>,
    next_cursor: Option<&str>,
) -> String {
    #[derive(Serialize)]
    struct Page<'a> {
        offers: Vec<ApiOffer<'a>>,
        count: usize,
        next: Option<&'a str>,
        next_cursor: Option<&'a str>,
    }
    let page = Page {
        offers: offers.iter().map(ApiOffer::of).collect(),
        count: offers.len(),
        next,
        next_cursor,
    };
    // Serialising borrowed strings and numbers cannot fail; "{}" keeps the output valid JSON.
    serde_json::to_string(&page).unwrap_or_else(|_| "{}".into())
}

/// The fields of [`api_offer`], borrowed.
#[derive(Serialize)]
struct ApiOffer<'a> {
    id: &'a str,
    url: &'a Option<String>,
    title: &'a str,
    date_published: String,
    date_modified: String,
    first_seen: String,
    description_html: &'a str,
    description_text: &'a str,
    categories: &'a [String],
    #[serde(flatten)]
    job: JobFields<'a>,
}

impl<'a> ApiOffer<'a> {
    fn of(p: &'a PublishedOffer) -> ApiOffer<'a> {
        let o = &p.offer;
        ApiOffer {
            id: &p.id,
            url: &o.url,
            title: &o.title,
            date_published: rfc3339(date_published(p)),
            date_modified: rfc3339(o.updated.unwrap_or(p.changed)),
            first_seen: rfc3339(p.first_seen),
            description_html: &o.description_html,
            description_text: &o.description_text,
            categories: &o.categories,
            job: JobFields::of(p),
        }
    }
}
