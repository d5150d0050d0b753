//! The job offer as essaim understands it: the one model every partner format is normalised
//! into, every output is rendered from, and the store keeps (as JSON, plus indexed columns).
//! ARCHITECTURE.md documents each field; it is the contract for every output.
//!
//! This is the ground floor: it depends on nothing of essaim but `text`, and every other
//! module may use it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod feed;
mod partner;
pub(crate) mod place;
mod published;
mod terms;
pub(crate) mod time;

pub use feed::{FeedState, FeedStatus, FetchMemory, HeldClosing, ScheduleState};
pub use partner::{
    ChangeState, FeedOrigin, PartnerToken, Registration, RegistrationChange, RegistrationState,
};
pub use place::{Place, Remote};
pub use published::{PublishedOffer, Source};
pub use terms::{
    Contract, ContractDuration, DurationUnit, EmployerFamily, Salary, SalaryPeriod, WorkingTime,
    WorkingTimeKind,
};
pub use time::rfc3339;

/// One normalised job offer, as posted by one feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// The feed (partner) it was read from.
    pub feed_id: String,
    /// The partner's own reference (guid, id, referencenumber, identifier), when given.
    pub reference: Option<String>,
    /// URL of the offer on the partner's site.
    pub url: Option<String>,
    /// Where to apply, when distinct from `url`.
    #[serde(default)]
    pub apply_url: Option<String>,
    /// Title with gender markers ("H/F") and trailing noise ("- CDI", "- Lyon") removed.
    pub title: String,
    /// Title as the partner wrote it.
    pub title_raw: String,
    pub employer: Option<String>,
    /// Association, mutuelle, coopérative, fondation... when stated or inferable.
    #[serde(default)]
    pub employer_family: Option<EmployerFamily>,
    #[serde(default)]
    pub location: Location,
    /// One value of essaim's fixed contract vocabulary; None when unknown (see `contract_raw`).
    #[serde(default)]
    pub contract: Option<Contract>,
    /// The contract as the partner wrote it.
    #[serde(default)]
    pub contract_raw: Option<String>,
    #[serde(default)]
    pub contract_duration: Option<ContractDuration>,
    /// schema.org employmentType values derived from contract and working time.
    #[serde(default)]
    pub employment_types: Vec<String>,
    #[serde(default)]
    pub working_time: Option<WorkingTime>,
    #[serde(default)]
    pub working_time_raw: Option<String>,
    /// A figure when one is stated; None for "selon convention collective" (see `salary_raw`).
    #[serde(default)]
    pub salary: Option<Salary>,
    #[serde(default)]
    pub salary_raw: Option<String>,
    /// Sector or category ("Action sociale", "Santé"...).
    #[serde(default)]
    pub sector: Option<String>,
    /// Categories or tags the partner gave.
    pub categories: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// Application deadline / expiry (schema.org validThrough).
    #[serde(default)]
    pub valid_through: Option<DateTime<Utc>>,
    /// Start date of the job, when stated.
    #[serde(default)]
    pub start_date: Option<DateTime<Utc>>,
    /// Sanitised HTML: safe to embed in a page.
    pub description_html: String,
    /// Plain-text version of the description, one paragraph or list item a line.
    pub description_text: String,
    /// Problems found while normalising this offer, as sentences.
    pub warnings: Vec<String>,
}

impl Offer {
    /// The employer to name as the hiring organisation: none when the offer names none, or
    /// names France Travail / Pôle emploi, the network posting on behalf of an employer it
    /// does not name.
    pub fn hiring_organization(&self) -> Option<&str> {
        self.employer.as_deref().filter(|e| !is_posting_agency(e))
    }
}

/// "France Travail", "Pôle emploi", "Pole-Emploi" (any case, accents, punctuation).
pub fn is_posting_agency(name: &str) -> bool {
    let folded = crate::text::fold(name);
    matches!(
        folded.as_str(),
        "france travail" | "pole emploi" | "francetravail" | "poleemploi"
    )
}

/// Where the job is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The place as the partner wrote it.
    pub raw: Option<String>,
    /// Commune, INSEE code, postcode, department and region, as far as they are known.
    #[serde(flatten)]
    pub place: Place,
    /// How much of the job can be done remotely (télétravail): none, partial or full; None
    /// when the offer does not say. Stored offers written before the levels held a boolean:
    /// `true` reads as partial, `false` as unknown (`place::deserialize_stored`).
    #[serde(
        default,
        deserialize_with = "crate::model::place::deserialize_stored",
        skip_serializing_if = "Option::is_none"
    )]
    pub remote: Option<Remote>,
}
