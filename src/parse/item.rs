//! What parsing produces and what it is given: one [`RawItem`] per offer, each field as the
//! partner wrote it, read under a [`ParseContext`] (declared format, charset, "now").

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Field, Format, Mapping};
use crate::model::Salary;

/// What the parser knows besides the bytes. Built with [`ParseContext::at`]: "now" is always
/// given by the caller's clock, never read by the parser.
#[derive(Debug, Clone)]
pub struct ParseContext<'a> {
    /// Declared format (`None` or `Auto` sniffs).
    pub format: Option<Format>,
    /// `charset` of the HTTP Content-Type, if the feed came over HTTP.
    pub http_charset: Option<&'a str>,
    /// URL the feed was read from, to resolve relative links.
    pub base_url: Option<&'a str>,
    /// The feed's field mapping (home-made formats; overrides a preset's fields).
    pub mapping: Option<&'a Mapping>,
    /// Extra namespaced elements to read in RSS/Atom items (`"emploi:lieu"` -> location),
    /// besides WP Job Manager's which are always read.
    pub elements: &'a [(String, Field)],
    /// "Now", for dates written without a year.
    pub now: DateTime<Utc>,
}

impl<'a> ParseContext<'a> {
    /// A context deciding with `now`, sniffing the format, with no charset, base URL, mapping
    /// or extra elements.
    pub fn at(now: DateTime<Utc>) -> ParseContext<'a> {
        ParseContext {
            format: None,
            http_charset: None,
            base_url: None,
            mapping: None,
            elements: &[],
            now,
        }
    }
}

/// One item as the partner wrote it, before normalisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RawItem {
    /// The partner's own reference (guid, id, referencenumber, identifier).
    pub reference: Option<String>,
    /// Link to the offer on the partner's site (absolute).
    pub link: Option<String>,
    pub apply_url: Option<String>,
    pub title: Option<String>,
    /// Description as given: HTML or plain text.
    pub description: Option<String>,
    pub employer: Option<String>,
    pub employer_type: Option<String>,
    /// The place as one text ("Lyon (69)").
    pub location: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    pub insee: Option<String>,
    pub department: Option<String>,
    pub region: Option<String>,
    /// A remote flag or text ("true", "TELECOMMUTE", "Télétravail").
    pub remote: Option<String>,
    pub contract: Option<String>,
    /// France Travail's natureContrat.
    pub contract_nature: Option<String>,
    pub duration: Option<String>,
    pub working_time: Option<String>,
    pub salary: Option<String>,
    /// A salary already structured by the format (JSON-LD baseSalary).
    pub salary_structured: Option<Salary>,
    pub sector: Option<String>,
    /// Categories or tags, in order.
    pub categories: Vec<String>,
    /// Dates as RFC 3339 text when the format parser understood them, else as written.
    pub published: Option<String>,
    pub updated: Option<String>,
    pub valid_through: Option<String>,
    pub start_date: Option<String>,
    /// The source item, kept for audit.
    pub source: serde_json::Value,
}

impl RawItem {
    /// Sets a field from text, trimmed; empty text sets nothing. An already set field is kept
    /// unless `replace`.
    pub fn set(&mut self, field: Field, value: &str, replace: bool) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let slot = self.slot(field);
        if replace || slot.is_none() {
            *slot = Some(value.to_string());
        }
    }

    pub fn get(&self, field: Field) -> Option<&str> {
        let v = match field {
            Field::Reference => &self.reference,
            Field::Link => &self.link,
            Field::ApplyUrl => &self.apply_url,
            Field::Title => &self.title,
            Field::Description => &self.description,
            Field::Employer => &self.employer,
            Field::EmployerType => &self.employer_type,
            Field::Location => &self.location,
            Field::City => &self.city,
            Field::Postcode => &self.postcode,
            Field::Insee => &self.insee,
            Field::Department => &self.department,
            Field::Region => &self.region,
            Field::Remote => &self.remote,
            Field::Contract => &self.contract,
            Field::ContractNature => &self.contract_nature,
            Field::Duration => &self.duration,
            Field::WorkingTime => &self.working_time,
            Field::Salary => &self.salary,
            Field::Sector => &self.sector,
            Field::Published => &self.published,
            Field::Updated => &self.updated,
            Field::ValidThrough => &self.valid_through,
            Field::StartDate => &self.start_date,
        };
        v.as_deref()
    }

    pub(super) fn slot(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::Reference => &mut self.reference,
            Field::Link => &mut self.link,
            Field::ApplyUrl => &mut self.apply_url,
            Field::Title => &mut self.title,
            Field::Description => &mut self.description,
            Field::Employer => &mut self.employer,
            Field::EmployerType => &mut self.employer_type,
            Field::Location => &mut self.location,
            Field::City => &mut self.city,
            Field::Postcode => &mut self.postcode,
            Field::Insee => &mut self.insee,
            Field::Department => &mut self.department,
            Field::Region => &mut self.region,
            Field::Remote => &mut self.remote,
            Field::Contract => &mut self.contract,
            Field::ContractNature => &mut self.contract_nature,
            Field::Duration => &mut self.duration,
            Field::WorkingTime => &mut self.working_time,
            Field::Salary => &mut self.salary,
            Field::Sector => &mut self.sector,
            Field::Published => &mut self.published,
            Field::Updated => &mut self.updated,
            Field::ValidThrough => &mut self.valid_through,
            Field::StartDate => &mut self.start_date,
        }
    }
}
