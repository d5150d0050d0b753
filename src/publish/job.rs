//! The job fields of an offer as the outputs name them: the `_job` object of JSON Feed and
//! the API ([`job_object`]), and the date an offer is published under ([`date_published`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::model::{rfc3339, PublishedOffer, Source};
use crate::model::{ContractDuration, EmployerFamily, Salary, WorkingTimeKind};

/// The `_job` object of JSON Feed (and the API): the normalised job fields, named to explain
/// themselves. Absent facts are `null` (or `false` / `[]`), never guessed. `sources` lists
/// every open posting of the job: `{id, feed, feed_name, network, reference, url}` ("also
/// published on").
pub fn job_object(p: &PublishedOffer) -> Value {
    // Serialising borrowed strings and numbers cannot fail.
    serde_json::to_value(JobFields::of(p)).unwrap_or(Value::Null)
}

/// The fields of [`job_object`], borrowed from the offer, so that the API writes them as
/// text without building a JSON tree first.
#[derive(Serialize)]
pub(super) struct JobFields<'a> {
    network: &'a str,
    feed: &'a str,
    feed_name: &'a str,
    reference: &'a Option<String>,
    title_raw: &'a str,
    apply_url: &'a Option<String>,
    employer: &'a Option<String>,
    employer_family: &'a Option<EmployerFamily>,
    location: LocationFields<'a>,
    contract: Option<&'static str>,
    contract_label: Option<&'static str>,
    contract_raw: &'a Option<String>,
    contract_duration: &'a Option<ContractDuration>,
    employment_types: &'a [String],
    working_time: Option<WorkingTimeKind>,
    hours_per_week: Option<f32>,
    working_time_raw: &'a Option<String>,
    salary: &'a Option<Salary>,
    salary_raw: &'a Option<String>,
    sector: &'a Option<String>,
    valid_through: Option<String>,
    start_date: Option<String>,
    sources: &'a [Source],
    /// The partner gave no publication date (or one in the future): `date_published` is when
    /// essaim first saw the offer. Present only then.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    date_estimated: bool,
}

/// When the offer was published: its own date, else (estimated, see `date_estimated`) when
/// essaim first saw it, never later than its modification date.
pub fn date_published(p: &PublishedOffer) -> DateTime<Utc> {
    match p.offer.published {
        Some(t) => t,
        None => p.first_seen.min(p.offer.updated.unwrap_or(p.changed)),
    }
}

#[derive(Serialize)]
struct LocationFields<'a> {
    raw: &'a Option<String>,
    commune: &'a Option<String>,
    insee: &'a Option<String>,
    postcode: &'a Option<String>,
    department: &'a Option<String>,
    department_name: &'a Option<String>,
    region: &'a Option<String>,
    region_name: &'a Option<String>,
    /// "none", "partial" or "full"; absent when the offer does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    remote: Option<&'static str>,
}

impl<'a> JobFields<'a> {
    pub(super) fn of(p: &'a PublishedOffer) -> JobFields<'a> {
        let o = &p.offer;
        let place = &o.location.place;
        JobFields {
            network: &p.network,
            feed: &o.feed_id,
            feed_name: &p.feed_name,
            reference: &o.reference,
            title_raw: &o.title_raw,
            apply_url: &o.apply_url,
            employer: &o.employer,
            employer_family: &o.employer_family,
            location: LocationFields {
                raw: &o.location.raw,
                commune: &place.commune,
                insee: &place.insee,
                postcode: &place.postcode,
                department: &place.department,
                department_name: &place.department_name,
                region: &place.region,
                region_name: &place.region_name,
                remote: o.location.remote.map(|r| r.code()),
            },
            contract: o.contract.map(|c| c.code()),
            contract_label: o.contract.map(|c| c.label()),
            contract_raw: &o.contract_raw,
            contract_duration: &o.contract_duration,
            employment_types: &o.employment_types,
            working_time: o.working_time.and_then(|w| w.kind),
            hours_per_week: o.working_time.and_then(|w| w.hours_per_week),
            working_time_raw: &o.working_time_raw,
            salary: &o.salary,
            salary_raw: &o.salary_raw,
            sector: &o.sector,
            valid_through: o.valid_through.map(rfc3339),
            start_date: o.start_date.map(rfc3339),
            sources: &p.sources,
            date_estimated: o.published.is_none(),
        }
    }
}
