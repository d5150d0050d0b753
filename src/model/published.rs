//! A job as the outputs publish it: one job however many feeds carry it, with its sources.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Offer;

/// An open offer as the outputs show it: one job, however many feeds carry it (a cluster of
/// postings). Its fields are those of its richest open posting.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedOffer {
    /// Stable public id (a UUID): the public id of the cluster's first posting, which does not
    /// change when other postings join it.
    pub id: String,
    /// Network and feed name of the posting the fields come from.
    pub network: String,
    pub feed_name: String,
    /// First time any posting of the job was seen.
    pub first_seen: DateTime<Utc>,
    /// Last time the content of an open posting changed.
    pub changed: DateTime<Utc>,
    pub offer: Offer,
    /// Every open posting of the job ("also published on"), in the order they were first seen.
    pub sources: Vec<Source>,
}

/// One posting of a published job: where it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The posting's own stable public id.
    pub id: String,
    pub feed: String,
    pub feed_name: String,
    pub network: String,
    /// The partner's own reference, when given.
    pub reference: Option<String>,
    pub url: Option<String>,
}
