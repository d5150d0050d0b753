//! What an operator declares about a feed: its format, and for a home-made shape the mapping
//! from the partner's elements or JSON pointers to essaim's fields (with value tables and units).

use std::fmt;
use std::str::FromStr;

use super::RawItem;

/// Formats essaim reads. `Auto` sniffs the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Auto,
    Rss,
    Atom,
    JsonFeed,
    /// Indeed-style XML: `<source><job>`.
    Indeed,
    /// The api-engagement volunteering missions: `<source><mission>`.
    ApiEngagement,
    /// Any XML with a `[feed.mapping]`.
    Xml,
    /// Any JSON with a `[feed.mapping]` of JSON pointers.
    Json,
    /// schema.org JobPosting in JSON-LD (or in the `<script>`s of an HTML page).
    JsonLd,
    /// France Travail "Offres d'emploi v2" search results (`resultats[]`).
    FranceTravail,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::Auto,
        Format::Rss,
        Format::Atom,
        Format::JsonFeed,
        Format::Indeed,
        Format::ApiEngagement,
        Format::Xml,
        Format::Json,
        Format::JsonLd,
        Format::FranceTravail,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::JsonFeed => "json-feed",
            Format::Indeed => "indeed",
            Format::ApiEngagement => "api-engagement",
            Format::Xml => "xml",
            Format::Json => "json",
            Format::JsonLd => "json-ld",
            Format::FranceTravail => "france-travail",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format {s:?} (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// The fields of a job offer a partner format can carry, as mapping keys in feeds.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Reference,
    Link,
    ApplyUrl,
    Title,
    Description,
    Employer,
    EmployerType,
    Location,
    City,
    Postcode,
    Insee,
    Department,
    Region,
    Remote,
    Contract,
    ContractNature,
    Duration,
    WorkingTime,
    Salary,
    Sector,
    Published,
    Updated,
    ValidThrough,
    StartDate,
}

impl Field {
    pub const ALL: [Field; 24] = [
        Field::Reference,
        Field::Link,
        Field::ApplyUrl,
        Field::Title,
        Field::Description,
        Field::Employer,
        Field::EmployerType,
        Field::Location,
        Field::City,
        Field::Postcode,
        Field::Insee,
        Field::Department,
        Field::Region,
        Field::Remote,
        Field::Contract,
        Field::ContractNature,
        Field::Duration,
        Field::WorkingTime,
        Field::Salary,
        Field::Sector,
        Field::Published,
        Field::Updated,
        Field::ValidThrough,
        Field::StartDate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Reference => "reference",
            Field::Link => "link",
            Field::ApplyUrl => "apply_url",
            Field::Title => "title",
            Field::Description => "description",
            Field::Employer => "employer",
            Field::EmployerType => "employer_type",
            Field::Location => "location",
            Field::City => "city",
            Field::Postcode => "postcode",
            Field::Insee => "insee",
            Field::Department => "department",
            Field::Region => "region",
            Field::Remote => "remote",
            Field::Contract => "contract",
            Field::ContractNature => "contract_nature",
            Field::Duration => "duration",
            Field::WorkingTime => "working_time",
            Field::Salary => "salary",
            Field::Sector => "sector",
            Field::Published => "published",
            Field::Updated => "updated",
            Field::ValidThrough => "valid_through",
            Field::StartDate => "start_date",
        }
    }
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown field {s:?} (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Where each field is found in a home-made format: element paths for XML (`location/city`,
/// `@id` for an attribute, `a|b` for the first present), JSON pointers for JSON (`/lieu/ville`),
/// `=text` for a constant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// XML: path of the item elements from the root (`source/job`), or one element name found
    /// at any depth (`offer`). JSON: pointer to the array of items (`/resultats`, or empty for
    /// a top-level array).
    pub items: String,
    pub fields: Vec<(Field, String)>,
    /// `[feed.values.FIELD]`: a partner's own values translated (`"Pas_teletravail" = "no"`),
    /// compared without regard to case.
    pub values: Vec<(Field, ValueTable)>,
    /// The unit of a bare number in a field (`duration_unit = "months"`: "6" is 6 months;
    /// `working_time_unit = "hours"`: "35" is 35 hours a week).
    pub units: Vec<(Field, Unit)>,
}

/// A partner's values and what essaim reads for each (`[feed.values.FIELD]`).
pub type ValueTable = Vec<(String, String)>;

/// Units a mapping can give to bare numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
    /// Hours a week.
    Hours,
}

impl Unit {
    /// The mapping keys that give units, with the field each concerns and the units it takes.
    pub const KEYS: [(&'static str, Field, &'static [&'static str]); 2] = [
        (
            "duration_unit",
            Field::Duration,
            &["days", "weeks", "months", "years"],
        ),
        ("working_time_unit", Field::WorkingTime, &["hours"]),
    ];

    pub fn from_name(name: &str) -> Option<Unit> {
        Some(match name {
            "days" => Unit::Days,
            "weeks" => Unit::Weeks,
            "months" => Unit::Months,
            "years" => Unit::Years,
            "hours" => Unit::Hours,
            _ => return None,
        })
    }

    /// How the normaliser reads a number in this unit.
    fn words(self) -> &'static str {
        match self {
            Unit::Days => "jours",
            Unit::Weeks => "semaines",
            Unit::Months => "mois",
            Unit::Years => "ans",
            Unit::Hours => "heures par semaine",
        }
    }
}

impl Mapping {
    /// This mapping with `over`'s item path (when set) and fields replacing its own.
    pub fn overridden_by(&self, over: &Mapping) -> Mapping {
        let mut fields: Vec<(Field, String)> = self
            .fields
            .iter()
            .filter(|(f, _)| !over.fields.iter().any(|(o, _)| o == f))
            .cloned()
            .collect();
        fields.extend(over.fields.iter().cloned());
        Mapping {
            items: if over.items.is_empty() {
                self.items.clone()
            } else {
                over.items.clone()
            },
            fields,
            values: over.values.clone(),
            units: over.units.clone(),
        }
    }

    /// Translates an item's values and gives units to its bare numbers, as configured.
    pub fn adjust(&self, item: &mut RawItem) {
        for (field, table) in &self.values {
            let Some(value) = item.get(*field).map(str::trim) else {
                continue;
            };
            if let Some((_, to)) = table
                .iter()
                .find(|(from, _)| from.trim().eq_ignore_ascii_case(value))
            {
                let to = to.clone();
                *item.slot(*field) = Some(to).filter(|t| !t.trim().is_empty());
            }
        }
        for (field, unit) in &self.units {
            let Some(value) = item.get(*field).map(str::trim) else {
                continue;
            };
            if value
                .replace(',', ".")
                .parse::<f64>()
                .is_ok_and(f64::is_finite)
            {
                let with_unit = format!("{value} {}", unit.words());
                item.set(*field, &with_unit, true);
            }
        }
    }
}
