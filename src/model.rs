//! The job offer as essaim understands it: the one model every partner format is normalised
//! into, every output is rendered from, and the store keeps (as JSON, plus indexed columns).
//! ARCHITECTURE.md documents each field; it is the contract for every output.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One normalised job offer, as posted by one feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// The feed (partner) it was read from.
    pub feed_id: String,
    /// The partner's own reference (guid, id, referencenumber, identifier), when given.
    pub reference: Option<String>,
    /// Canonical URL of the offer on the partner's site.
    pub url: Option<String>,
    /// Title with gender markers and trailing noise removed.
    pub title: String,
    /// Title as the partner wrote it.
    pub title_raw: String,
    pub employer: Option<String>,
    /// Categories or tags the partner gave.
    pub categories: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// Sanitised HTML: safe to embed in a page.
    pub description_html: String,
    /// Plain-text version of the description, one paragraph or list item a line.
    pub description_text: String,
    /// Problems found while normalising this offer, as sentences.
    pub warnings: Vec<String>,
}
