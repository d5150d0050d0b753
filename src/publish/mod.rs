//! Renders the merged outputs from stored offers: RSS 2.0, Atom 1.0 and JSON Feed 1.1
//! ([`feeds`]), schema.org JSON-LD ([`jsonld`]), the JSON API's bodies ([`api`]) and its
//! summaries ([`stats`]). Pure functions from offers to bytes; the web server and `export`
//! decide where they go. [`Output`] names the four paged outputs, [`Channel`] what they say
//! about themselves and which page they are.
//!
//! Every item links to the original offer, names its partner network, and carries the offer's
//! stable public id (`urn:uuid:…`). Text is escaped for XML and characters XML 1.0 forbids
//! (most control characters) are dropped, so hostile partner text cannot break an output.

pub mod api;
pub mod feeds;
pub mod job;
pub mod jsonld;
pub mod stats;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use chrono::{DateTime, Utc};

use crate::model::PublishedOffer;

pub use api::{api_offer, api_page};
pub use feeds::{atom, json_feed, rss, xml_escape};
pub use job::{date_published, job_object};
pub use jsonld::{address_country, job_posting, jobs_jsonld, script_safe};

/// Namespace of essaim's job elements in RSS and Atom.
pub const JOB_NS: &str = "https://essaim.org/ns/job/1.0";

/// The outputs, each with its path and media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Rss,
    Atom,
    JsonFeed,
    JsonLd,
}

impl Output {
    pub const ALL: [Output; 4] = [Output::Rss, Output::Atom, Output::JsonFeed, Output::JsonLd];

    pub fn file_name(self) -> &'static str {
        match self {
            Output::Rss => "feed.rss",
            Output::Atom => "feed.atom",
            Output::JsonFeed => "feed.json",
            Output::JsonLd => "jobs.jsonld",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Output::Rss => "application/rss+xml; charset=utf-8",
            Output::Atom => "application/atom+xml; charset=utf-8",
            Output::JsonFeed => "application/feed+json; charset=utf-8",
            Output::JsonLd => "application/ld+json; charset=utf-8",
        }
    }

    /// Renders this output.
    pub fn render(self, channel: &Channel, offers: &[PublishedOffer]) -> String {
        match self {
            Output::Rss => rss(channel, offers),
            Output::Atom => atom(channel, offers),
            Output::JsonFeed => json_feed(channel, offers),
            Output::JsonLd => jobs_jsonld(channel, offers),
        }
    }
}

/// The channel description shared by every output, for `offers` (the first page of a live
/// output: callers set [`Channel::paging`]).
pub fn channel(base_url: &str, offers: &[PublishedOffer]) -> Channel {
    Channel {
        title: "essaim : offres d'emploi de l'économie sociale et solidaire".into(),
        description: "Offres d'emploi des réseaux partenaires de l'ESS, réunies et dédoublonnées"
            .into(),
        base_url: base_url.to_string(),
        updated: offers
            .iter()
            .map(|p| p.changed.max(p.first_seen))
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH),
        paging: Paging::Query {
            this: String::new(),
            first: None,
            next: None,
        },
    }
}

/// What the outputs say about themselves.
#[derive(Debug, Clone)]
pub struct Channel {
    pub title: String,
    pub description: String,
    /// Public base URL (`https://emplois.example.org`), for self links; empty when unknown.
    pub base_url: String,
    /// When the data last changed; the feed's own updated date.
    pub updated: DateTime<Utc>,
    /// Which page of the output this is, and its neighbours.
    pub paging: Paging,
}

/// Where a page of an output sits. Every output is paged the same way: the live ones by query
/// string, the exported ones by file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// A live output: one path per output, its pages told apart by their query string.
    Query {
        /// Query string of this page ("" for the unfiltered first page).
        this: String,
        /// Query string of the first page, when this page is not it.
        first: Option<String>,
        /// Query string of the next page, when there is one.
        next: Option<String>,
    },
    /// An exported file: page 1 is `feed.rss`, page `n` is `feed-n.rss` ([`page_file`]).
    File {
        /// This page's number, from 1.
        number: usize,
        /// Whether a page follows.
        next: bool,
    },
}

impl Channel {
    /// The URL of this page of output `name` (`feed.rss`), for self links.
    pub fn self_url(&self, name: &str) -> String {
        match &self.paging {
            Paging::Query { this, .. } => self.link(name, this),
            Paging::File { number, .. } => self.link(&page_file(name, *number), ""),
        }
    }

    /// The URL of the first page of output `name`, when this page is not it and the base URL
    /// is known.
    pub fn first_url(&self, name: &str) -> Option<String> {
        let url = match &self.paging {
            Paging::Query { first, .. } => self.link(name, first.as_deref()?),
            Paging::File { number, .. } if *number > 1 => self.link(name, ""),
            Paging::File { .. } => return None,
        };
        (!self.base_url.is_empty()).then_some(url)
    }

    /// The URL of the next page of output `name`, when there is one and the base URL is known.
    pub fn next_url(&self, name: &str) -> Option<String> {
        let url = match &self.paging {
            Paging::Query { next, .. } => self.link(name, next.as_deref()?),
            Paging::File { number, next: true } => self.link(&page_file(name, number + 1), ""),
            Paging::File { .. } => return None,
        };
        (!self.base_url.is_empty()).then_some(url)
    }

    fn link(&self, name: &str, query: &str) -> String {
        let base = self.base_url.trim_end_matches('/');
        if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        }
    }
}

/// The file of page `number` (from 1) of output `name`: `feed.rss`, then `feed-2.rss`,
/// `feed-3.rss`...; `jobs.jsonld`, then `jobs-2.jsonld`...
pub fn page_file(name: &str, number: usize) -> String {
    if number <= 1 {
        return name.to_string();
    }
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}-{number}.{extension}"),
        None => format!("{name}-{number}"),
    }
}
