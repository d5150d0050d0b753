//! Turns the bytes of one partner feed into format-neutral [`RawItem`]s.
//!
//! Bytes go in (never text: the charset is decided here, see [`decode`]), items come out with
//! each field as the partner wrote it; understanding the values is the normaliser's job.
//! Parsing does no I/O. A feed that cannot be read at all is a [`ParseError`]; a problem with
//! one item is a warning carried alongside the items, so one bad item never costs the others.
//!
//! Formats: RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs, with namespaced job elements
//! read by a second pass ([`feeds`]); XML shaped as `<root><item>` with a field mapping
//! ([`xml_mapped`], presets for Indeed and api-engagement); JSON with JSON pointers
//! ([`json_mapped`], preset for France Travail); schema.org JobPosting JSON-LD ([`jsonld`]).

pub mod decode;
pub mod feeds;
pub mod json_mapped;
pub mod jsonld;
pub mod lenient;
pub mod xml_mapped;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::Salary;

pub use crate::model::rfc3339;

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

    fn slot(&mut self, field: Field) -> &mut Option<String> {
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

/// The items of one feed and what went wrong with some of them.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Format actually recognised.
    pub format: Option<Format>,
    /// Encoding the bytes were decoded from.
    pub encoding: &'static str,
    pub items: Vec<RawItem>,
    /// Feed-level and item-level problems, as sentences naming the item.
    pub warnings: Vec<String>,
}

/// The feed cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses one feed body.
pub fn parse(bytes: &[u8], ctx: &ParseContext<'_>) -> Result<Parsed, ParseError> {
    parse_decoded(decode::decode(bytes, ctx.http_charset), bytes.len(), ctx)
}

/// [`parse`] of a body the caller gives away: a UTF-8 body becomes the text without a copy,
/// so a 16 MiB body is not held twice while it is read.
pub fn parse_owned(bytes: Vec<u8>, ctx: &ParseContext<'_>) -> Result<Parsed, ParseError> {
    let len = bytes.len();
    parse_decoded(decode::decode_owned(bytes, ctx.http_charset), len, ctx)
}

fn parse_decoded(
    decoded: decode::Decoded,
    body_len: usize,
    ctx: &ParseContext<'_>,
) -> Result<Parsed, ParseError> {
    let text = decoded.text.trim_start();
    if text.is_empty() {
        return Err(ParseError("the feed is empty".into()));
    }
    let mut warnings: Vec<String> = decoded.warning.into_iter().collect();
    let sniffed = sniff(text)?;
    let format = match ctx.format {
        None | Some(Format::Auto) => sniffed,
        Some(declared) => {
            if !compatible(declared, sniffed) {
                warnings.push(format!(
                    "declared format {declared} but the content looks like {sniffed}"
                ));
            }
            declared
        }
    };
    let auto = matches!(ctx.format, None | Some(Format::Auto));
    // A body that is not empty but yields no item is an error, unless the document itself
    // says it has no offers now (see `Parsed`): a fetch that read nothing closes nothing.
    let no_offer = |reason: String| {
        ParseError(no_offer_message(
            body_len,
            ctx.format,
            Some(format),
            &reason,
        ))
    };
    let items = match format {
        Format::Auto | Format::Rss | Format::Atom | Format::JsonFeed => {
            let (actual, items) = feeds::parse(text, ctx, &mut warnings).map_err(|e| {
                if auto {
                    not_a_known_format(e, text)
                } else {
                    e
                }
            })?;
            // A channel (or feed) without items is the partner's "no offers now".
            let mut items = items;
            if let Some(m) = ctx.mapping {
                items.iter_mut().for_each(|i| m.adjust(i));
            }
            return Ok(Parsed {
                format: Some(actual),
                encoding: decoded.encoding,
                items,
                warnings,
            });
        }
        Format::Indeed | Format::ApiEngagement | Format::Xml => {
            let preset = xml_mapped::preset(format);
            let mapping =
                match (ctx.mapping, preset) {
                    (Some(m), Some(p)) => p.overridden_by(m),
                    (Some(m), None) => m.clone(),
                    (None, Some(p)) => p,
                    (None, None) => return Err(ParseError(
                        "format \"xml\" needs a [feed.mapping] saying where items and fields are"
                            .into(),
                    )),
                };
            let items = xml_mapped::parse(text, &mapping, &mut warnings)?;
            if items.is_empty() {
                let shape = xml_mapped::shape(text, &mapping.items);
                if !shape.is_empty_export() {
                    return Err(no_offer(no_xml_items(&shape, &mapping, format, auto)));
                }
            }
            items
        }
        Format::Json | Format::FranceTravail => {
            let preset = json_mapped::preset(format);
            let mapping = match (ctx.mapping, preset) {
                (Some(m), Some(p)) => p.overridden_by(m),
                (Some(m), None) => m.clone(),
                (None, Some(p)) => p,
                (None, None) => {
                    return Err(ParseError(
                        "format \"json\" needs a [feed.mapping] of JSON pointers".into(),
                    ))
                }
            };
            let items = json_mapped::parse(text, &mapping, &mut warnings)?;
            // The items pointer found an array (else `parse` said so): an empty one is an
            // empty export; values that are not objects are not offers.
            let values = json_mapped::array_len(text, &mapping.items);
            if items.is_empty() && values > 0 {
                return Err(no_offer(format!(
                    "the {values} values at the mapping's items pointer {:?} are not JSON objects",
                    mapping.items
                )));
            }
            items
        }
        Format::JsonLd => {
            let items = jsonld::parse(text, &mut warnings)?;
            if items.is_empty() {
                return Err(no_offer("no schema.org JobPosting in the JSON-LD".into()));
            }
            items
        }
    };
    let mut items = items;
    for item in &mut items {
        if let Some(m) = ctx.mapping {
            m.adjust(item);
        }
        absolutise(item, ctx.base_url);
    }
    Ok(Parsed {
        format: Some(format),
        encoding: decoded.encoding,
        items,
        warnings,
    })
}

/// "the body (2345 bytes, xml) yielded no offer: REASON": the error of a body that is not
/// empty but from which no offer could be read (`declared` is the feed's format, `read_as`
/// what it was read as).
pub fn no_offer_message(
    bytes: usize,
    declared: Option<Format>,
    read_as: Option<Format>,
    reason: &str,
) -> String {
    let format = match (declared, read_as) {
        (None | Some(Format::Auto), Some(read)) if read != Format::Auto => {
            format!("auto, read as {read}")
        }
        (None, _) => "auto".to_string(),
        (Some(declared), _) => declared.to_string(),
    };
    format!("the body ({bytes} bytes, {format}) yielded no offer: {reason}")
}

/// Why an XML format found no item where the document is not an empty export.
fn no_xml_items(
    shape: &xml_mapped::Shape,
    mapping: &Mapping,
    format: Format,
    auto: bool,
) -> String {
    if !auto {
        return format!(
            "the mapping's items path `{}` matched nothing; {}",
            mapping.items,
            shape.describe()
        );
    }
    let what = match format {
        Format::ApiEngagement => "api-engagement missions, whose offers are <mission> elements",
        _ => "Indeed-style XML, whose offers are <job> elements",
    };
    format!(
        "format = \"auto\" read it as {what}, and found none: {}. {}",
        shape.describe(),
        configure_a_mapping("xml", shape.suggested_items())
    )
}

/// The advice for a format essaim does not recognise by itself.
fn configure_a_mapping(format: &str, items: Option<String>) -> String {
    let example = items
        .map(|i| format!(" (for instance items = \"{i}\")"))
        .unwrap_or_default();
    format!(
        "essaim does not recognise this format by itself: set format = \"{format}\" with a \
         [feed.mapping] saying where the offers and their fields are{example}: `essaim \
         validate` proposes one for this body, fields included, and checks what essaim reads"
    )
}

/// The error of `format = "auto"` on a body that feed-rs could not read: says what was found
/// (the root element, or JSON that is no JSON Feed) and how to configure it.
fn not_a_known_format(e: ParseError, text: &str) -> ParseError {
    const PREFIX: &str = "not a readable RSS, Atom or JSON feed";
    if text.starts_with('{') || text.starts_with('[') {
        let head: String = text.chars().take(4096).collect();
        if head.contains("jsonfeed.org/version") {
            return e;
        }
        return ParseError(format!(
            "{e}; this JSON is no JSON Feed (no \"version\": \"https://jsonfeed.org/version/1.1\"), \
             France Travail results or JSON-LD. {}",
            configure_a_mapping("json", None)
        ));
    }
    let shape = xml_mapped::shape(text, "");
    let local = shape.root.rsplit(':').next().unwrap_or_default();
    match local {
        "rss" | "RDF" | "feed" | "entry" | "?" => e,
        "html" => ParseError(format!(
            "{PREFIX}: the body is an HTML page (root element <{}>) without schema.org JSON-LD",
            shape.root
        )),
        _ => ParseError(format!(
            "{PREFIX}: {}. {}",
            shape.describe(),
            configure_a_mapping("xml", shape.suggested_items())
        )),
    }
}

/// Recognises the format from the first bytes of the decoded text.
fn sniff(text: &str) -> Result<Format, ParseError> {
    let head: String = text.chars().take(4096).collect();
    if text.starts_with('{') || text.starts_with('[') {
        if head.contains("jsonfeed.org/version") {
            return Ok(Format::JsonFeed);
        }
        if head.contains("\"resultats\"") {
            return Ok(Format::FranceTravail);
        }
        if head.contains("\"@context\"") || head.contains("\"@type\"") {
            return Ok(Format::JsonLd);
        }
        return Ok(Format::JsonFeed);
    }
    if !text.starts_with('<') {
        // What the body is, never its bytes: the error is shown publicly (`/api/feeds`), and a
        // URL pointed at the wrong file must not publish that file's first line.
        let binary = text
            .chars()
            .take(64)
            .any(|c| c == '\u{FFFD}' || (c.is_control() && !c.is_whitespace()));
        let what = if binary { "binary data" } else { "plain text" };
        return Err(ParseError(format!(
            "not a feed: the body is neither XML nor JSON (it starts with {what})"
        )));
    }
    let root = xml_mapped::root_name(text).unwrap_or_default();
    Ok(match root.as_str() {
        "rss" | "rdf:RDF" | "RDF" => Format::Rss,
        "feed" => Format::Atom,
        "source" | "jobs" | "offers" => {
            if head.contains("<mission") {
                Format::ApiEngagement
            } else {
                Format::Indeed
            }
        }
        "html" | "!DOCTYPE" | "!doctype"
            if head.contains("application/ld+json") || text.contains("application/ld+json") =>
        {
            Format::JsonLd
        }
        _ => Format::Rss, // feed-rs gives the precise error
    })
}

fn compatible(declared: Format, sniffed: Format) -> bool {
    use Format::*;
    declared == sniffed
        || matches!(
            (declared, sniffed),
            (Rss | Atom | JsonFeed, Rss | Atom | JsonFeed)
                | (Xml, Indeed | ApiEngagement | Rss)
                | (Indeed | ApiEngagement, Indeed | ApiEngagement)
                | (Json, JsonFeed | FranceTravail | JsonLd)
        )
}

/// Makes the item's links absolute against the feed's URL.
fn absolutise(item: &mut RawItem, base: Option<&str>) {
    // "www.paretti.pl", "emploi.asso.fr/offres/3": a site named without its scheme.
    for slot in [&mut item.link, &mut item.apply_url] {
        if let Some(link) = slot.as_deref().map(str::trim) {
            if url::Url::parse(link).is_err() && names_a_host(link) {
                *slot = Some(format!("https://{link}"));
            }
        }
    }
    let Some(base) = base.and_then(|b| url::Url::parse(b).ok()) else {
        return;
    };
    for slot in [&mut item.link, &mut item.apply_url] {
        if let Some(link) = slot.as_deref() {
            if url::Url::parse(link).is_err() {
                if let Ok(abs) = base.join(link) {
                    *slot = Some(abs.to_string());
                }
            }
        }
    }
}

/// Whether a link without a scheme starts with a host name rather than a path: "www." or a
/// last label that is a common top-level domain ("paretti.pl", not "offre.php" or
/// "offres/12.html").
fn names_a_host(link: &str) -> bool {
    const TLDS: &[&str] = &[
        "fr", "com", "org", "net", "eu", "pl", "de", "be", "ch", "lu", "it", "es", "uk", "io",
        "info", "re", "pt", "nl", "at", "ca",
    ];
    let host = link.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.to_ascii_lowercase();
    if host.is_empty() || link.starts_with(['/', '.', '#', '?']) || host.contains([' ', '@', ':']) {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && (host.starts_with("www.") || labels.last().is_some_and(|t| TLDS.contains(t)))
}

/// Appends the text of an entity or character reference; unknown entities (`&eacute;` without
/// a DTD) are kept as written, for the HTML sanitiser.
pub(crate) fn push_entity(buf: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        buf.push(c);
        return;
    }
    let name = String::from_utf8_lossy(r);
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(s) => buf.push_str(s),
        None => {
            buf.push('&');
            buf.push_str(&name);
            buf.push(';');
        }
    }
}

/// Most of an item's source text kept for audit beside its offer: 1 MiB.
pub const MAX_SOURCE: usize = 1024 * 1024;

/// The audit copy of an item read from XML: `{"xml": "<item>...</item>"}`, the text cut at
/// [`MAX_SOURCE`] with a comment saying so (only that much of a 16 MiB item is copied).
pub fn xml_source(xml: &str) -> serde_json::Value {
    serde_json::json!({ "xml": capped_text(xml) })
}

/// `text`, or its first [`MAX_SOURCE`] bytes (at a character boundary) and a comment saying
/// where it was cut.
pub fn capped_text(text: &str) -> String {
    if text.len() <= MAX_SOURCE {
        return text.to_string();
    }
    let mut end = MAX_SOURCE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n<!-- essaim: the item's source was cut at {end} of its {} bytes -->",
        &text[..end],
        text.len()
    )
}

/// A vector's elements in order, its buffer given back as it empties (the items of a
/// 100,000-item feed take 70 MiB before any of their strings): a stage that turns each item
/// into the next stage's value never holds both whole lists.
pub fn drain_freeing<T>(mut items: Vec<T>) -> Draining<T> {
    items.reverse();
    Draining { rest: items }
}

/// See [`drain_freeing`].
pub struct Draining<T> {
    /// The items not yet yielded, last first.
    rest: Vec<T>,
}

impl<T> Draining<T> {
    /// Room left in the buffer, in items.
    pub fn capacity(&self) -> usize {
        self.rest.capacity()
    }
}

impl<T> Iterator for Draining<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.rest.pop()?;
        // Halved whenever three quarters are empty: the copies add up to a third of the items.
        if self.rest.capacity() > 1024 && self.rest.len() < self.rest.capacity() / 4 {
            self.rest.shrink_to(self.rest.capacity() / 2);
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rest.len(), Some(self.rest.len()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn drain_freeing_yields_every_item_in_order_and_gives_memory_back() {
        let items: Vec<String> = (0..10_000).map(|i| format!("offre {i}")).collect();
        let mut drained = drain_freeing(items.clone());
        assert!(drained.capacity() >= 10_000);
        let first: Vec<String> = drained.by_ref().take(9_000).collect();
        assert_eq!(first[..], items[..9_000]);
        assert!(
            drained.capacity() <= 4_000,
            "the buffer shrinks as it empties: {} items of room for 1,000",
            drained.capacity()
        );
        let rest: Vec<String> = drained.collect();
        assert_eq!(rest[..], items[9_000..]);
        assert_eq!(drain_freeing(Vec::<u8>::new()).count(), 0);
    }

    #[test]
    fn links_without_a_scheme_name_a_site_or_a_path() {
        let link = |l: &str, base: Option<&str>| {
            let mut item = RawItem {
                link: Some(l.into()),
                ..Default::default()
            };
            absolutise(&mut item, base);
            item.link.unwrap()
        };
        let base = Some("https://jobs.example.org/feeds/indeed.xml");
        assert_eq!(link("www.paretti.pl", base), "https://www.paretti.pl");
        assert_eq!(link("www.paretti.pl", None), "https://www.paretti.pl");
        assert_eq!(
            link("emploi.cress-bretagne.org/offres/12", base),
            "https://emploi.cress-bretagne.org/offres/12"
        );
        assert_eq!(
            link("offres/12.html", base),
            "https://jobs.example.org/feeds/offres/12.html"
        );
        assert_eq!(
            link("offre.php?id=3", base),
            "https://jobs.example.org/feeds/offre.php?id=3"
        );
        assert_eq!(
            link("/offres/12", base),
            "https://jobs.example.org/offres/12"
        );
        assert_eq!(link("https://a.fr/1", base), "https://a.fr/1");
    }

    #[test]
    fn formats_are_sniffed() {
        for (text, want) in [
            ("<?xml version=\"1.0\"?><rss version=\"2.0\">", Format::Rss),
            ("<rdf:RDF xmlns:rdf=\"x\">", Format::Rss),
            ("<feed xmlns=\"http://www.w3.org/2005/Atom\">", Format::Atom),
            (
                "<?xml version=\"1.0\"?>\n<source><publisher>x</publisher><job>",
                Format::Indeed,
            ),
            ("<source><mission><title>", Format::ApiEngagement),
            (
                "{\"version\":\"https://jsonfeed.org/version/1.1\"}",
                Format::JsonFeed,
            ),
            ("{\"resultats\":[]}", Format::FranceTravail),
            (
                "{\"@context\":\"https://schema.org\",\"@type\":\"JobPosting\"}",
                Format::JsonLd,
            ),
            (
                "<!DOCTYPE html><html><script type=\"application/ld+json\">",
                Format::JsonLd,
            ),
        ] {
            assert_eq!(sniff(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn unreadable_bodies_are_errors_with_a_reason() {
        let ctx = ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap());
        assert_eq!(parse(b"   ", &ctx).unwrap_err().0, "the feed is empty");
        let e = parse(b"Bad Gateway", &ctx).unwrap_err().0;
        assert_eq!(
            e,
            "not a feed: the body is neither XML nor JSON (it starts with plain text)"
        );
        let e = parse(b"root:x:0:0:root:/root:/bin/bash\n", &ctx)
            .unwrap_err()
            .0;
        assert!(!e.contains("root:"), "{e}");
        let e = parse(b"\x89PNG\r\n\x1a\n\0\0", &ctx).unwrap_err().0;
        assert_eq!(
            e,
            "not a feed: the body is neither XML nor JSON (it starts with binary data)"
        );
        let e = parse(b"<html><body>maintenance</body></html>", &ctx)
            .unwrap_err()
            .0;
        assert!(
            e.starts_with("not a readable RSS, Atom or JSON feed"),
            "{e}"
        );
        let ctx = ParseContext {
            format: Some(Format::Xml),
            ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
        };
        let e = parse(b"<offres><offre/></offres>", &ctx).unwrap_err().0;
        assert!(e.contains("[feed.mapping]"), "{e}");
    }

    /// A parse that must fail, with its message.
    fn error(body: &str, format: Option<Format>, mapping: Option<&Mapping>) -> String {
        let ctx = ParseContext {
            format,
            mapping,
            ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
        };
        parse(body.as_bytes(), &ctx).unwrap_err().0
    }

    fn una_mapping(items: &str) -> Mapping {
        Mapping {
            items: items.into(),
            fields: vec![
                (Field::Reference, "@ref".into()),
                (Field::Title, "intitule".into()),
                (Field::Link, "lien".into()),
            ],
            ..Mapping::default()
        }
    }

    const OFFRES: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<offres>\
        <offre ref=\"UNA-37-101\"><intitule>Aide à domicile (H/F)</intitule><lieu cp=\"37000\">Tours</lieu></offre>\
        <offre ref=\"UNA-37-102\"><intitule>Responsable de secteur</intitule><lieu cp=\"37100\">Tours</lieu></offre>\
        </offres>";

    #[test]
    fn a_mapping_that_matches_nothing_is_an_error_naming_what_was_found() {
        let m = una_mapping("jobs/item");
        assert_eq!(
            error(OFFRES, Some(Format::Xml), Some(&m)),
            format!(
                "the body ({} bytes, xml) yielded no offer: the mapping's items path `jobs/item` \
                 matched nothing; root element is <offres>, which holds 2 <offre>",
                OFFRES.len()
            )
        );
        // The container is there but holds other records.
        let m = una_mapping("offres/annonce");
        let e = error(OFFRES, Some(Format::Xml), Some(&m));
        assert!(
            e.ends_with(
                "`offres/annonce` matched nothing; root element is <offres>, which holds 2 <offre>"
            ),
            "{e}"
        );
        // A deeper container names what it holds.
        let deep = "<export><meta>Réseau UNA</meta><liste><poste id=\"1\"/><poste id=\"2\"/></liste></export>";
        let m = una_mapping("export/liste/offre");
        let e = error(deep, Some(Format::Xml), Some(&m));
        assert!(
            e.ends_with("root element is <export>; <export/liste> holds 2 <poste>"),
            "{e}"
        );
        // One element name found anywhere: the root is where it was looked for.
        let m = una_mapping("offre");
        let e = error(deep, Some(Format::Xml), Some(&m));
        assert!(
            e.ends_with("`offre` matched nothing; root element is <export>, which holds 1 <meta>, 1 <liste>"),
            "{e}"
        );
        // The Indeed preset, declared.
        let e = error(OFFRES, Some(Format::Indeed), None);
        assert!(
            e.contains("(") && e.contains("bytes, indeed) yielded no offer: the mapping's items path `job` matched nothing"),
            "{e}"
        );
    }

    #[test]
    fn auto_on_a_home_made_export_says_what_it_found_and_how_to_configure_it() {
        let jobs = "<?xml version=\"1.0\"?><jobs>\
            <item><titre>Animateur jeunesse (H/F)</titre><ville>Lyon</ville></item>\
            <item><titre>Éducateur spécialisé</titre><ville>Villeurbanne</ville></item></jobs>";
        let offers = "<offers><offer id=\"ADMR-51-12\"><intitule>Aide à domicile</intitule></offer></offers>";
        for (body, root, holds, items) in [
            (jobs, "<jobs>", "2 <item>", "jobs/item"),
            (offers, "<offers>", "1 <offer>", "offers/offer"),
        ] {
            for format in [None, Some(Format::Auto)] {
                let e = error(body, format, None);
                let want = format!(
                    "the body ({} bytes, auto, read as indeed) yielded no offer: format = \"auto\" \
                     read it as Indeed-style XML, whose offers are <job> elements, and found none: \
                     root element is {root}, which holds {holds}. essaim does not recognise this \
                     format by itself: set format = \"xml\" with a [feed.mapping] saying where the \
                     offers and their fields are (for instance items = \"{items}\"): `essaim \
                     validate` proposes one for this body, fields included, and checks what \
                     essaim reads",
                    body.len()
                );
                assert_eq!(e, want);
            }
        }
        // A root auto does not know at all.
        let e = error(OFFRES, None, None);
        assert!(
            e.starts_with(
                "not a readable RSS, Atom or JSON feed: root element is <offres>, which holds 2 <offre>. \
                 essaim does not recognise this format by itself: set format = \"xml\""
            ) && e.contains("items = \"offres/offre\"")
                && e.ends_with("`essaim validate` proposes one for this body, fields included, and checks what essaim reads"),
            "{e}"
        );
        // JSON that is no JSON Feed.
        let e = error(
            "{\"offres\": [{\"intitule\": \"Médiateur social\"}]}",
            None,
            None,
        );
        assert!(
            e.contains("this JSON is no JSON Feed")
                && e.contains("set format = \"json\" with a [feed.mapping]"),
            "{e}"
        );
    }

    #[test]
    fn documents_that_say_they_have_no_offer_are_empty_not_errors() {
        let empty = |body: &str, format: Option<Format>, mapping: Option<&Mapping>| {
            let ctx = ParseContext {
                format,
                mapping,
                ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
            };
            let parsed = parse(body.as_bytes(), &ctx).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert!(parsed.items.is_empty(), "{body}");
        };
        empty(
            "<rss version=\"2.0\"><channel><title>Offres de la CRESS</title><link>https://cress.example/</link></channel></rss>",
            None,
            None,
        );
        empty(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Offres</title><id>urn:x</id><updated>2026-11-20T10:00:00Z</updated></feed>",
            Some(Format::Atom),
            None,
        );
        empty(
            "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Offres\",\"items\":[]}",
            None,
            None,
        );
        let m = una_mapping("offres/offre");
        empty("<offres/>", Some(Format::Xml), Some(&m));
        empty("<offres>\n</offres>", Some(Format::Xml), Some(&m));
        empty(
            "<offres><mise_a_jour>2026-11-20</mise_a_jour></offres>",
            Some(Format::Xml),
            Some(&m),
        );
        // An Indeed feed with its publisher and no job.
        let indeed = "<source><publisher>Coopérer pour l'emploi</publisher><publisherurl>https://cooperer.example</publisherurl></source>";
        empty(indeed, Some(Format::Indeed), None);
        empty(indeed, None, None);
        let m = Mapping {
            items: "/offres".into(),
            fields: vec![(Field::Title, "/intitule".into())],
            ..Mapping::default()
        };
        empty("{\"offres\": []}", Some(Format::Json), Some(&m));
        empty("{\"resultats\": []}", Some(Format::FranceTravail), None);
    }

    #[test]
    fn json_and_json_ld_without_offers_are_errors() {
        let m = Mapping {
            items: "/offres".into(),
            fields: vec![(Field::Title, "/intitule".into())],
            ..Mapping::default()
        };
        let e = error(
            "{\"offres\": [\"Médiateur\", 3]}",
            Some(Format::Json),
            Some(&m),
        );
        assert!(
            e.ends_with("yielded no offer: the 2 values at the mapping's items pointer \"/offres\" are not JSON objects"),
            "{e}"
        );
        let e = error(
            "{\"@context\":\"https://schema.org\",\"@type\":\"Organization\",\"name\":\"Mutualité Française\"}",
            None,
            None,
        );
        assert!(
            e.ends_with("bytes, auto, read as json-ld) yielded no offer: no schema.org JobPosting in the JSON-LD"),
            "{e}"
        );
    }

    #[test]
    fn mapping_override_replaces_fields_and_keeps_the_rest() {
        let preset = Mapping {
            items: "source/job".into(),
            fields: vec![(Field::Title, "title".into()), (Field::Link, "url".into())],
            ..Mapping::default()
        };
        let over = Mapping {
            items: String::new(),
            fields: vec![(Field::Link, "lien".into())],
            ..Mapping::default()
        };
        let m = preset.overridden_by(&over);
        assert_eq!(m.items, "source/job");
        assert_eq!(
            m.fields,
            vec![(Field::Title, "title".into()), (Field::Link, "lien".into())]
        );
    }
}
