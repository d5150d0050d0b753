//! Renders the merged outputs from stored offers: RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//! Pure functions from offers to bytes; the web server and `export` decide where they go.
//!
//! Every item links to the original offer, names its partner network, and carries the offer's
//! stable public id (`urn:uuid:…`). Text is escaped for XML and characters XML 1.0 forbids
//! (most control characters) are dropped, so hostile partner text cannot break an output.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use crate::model::{rfc3339, PublishedOffer, Source};
use crate::model::{ContractDuration, EmployerFamily, Salary, WorkingTimeKind};

/// Namespace of essaim's job elements in RSS and Atom.
pub const JOB_NS: &str = "https://essaim.org/ns/job/1.0";

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

    /// RFC 5005 paging links (`first`, `next`) of a paged or filtered feed.
    fn paging_links(&self, out: &mut String, name: &str, media: &str, prefix: &str) {
        if let Some(first) = self.first_url(name) {
            link_element(out, prefix, "first", media, &first);
        }
        if let Some(next) = self.next_url(name) {
            link_element(out, prefix, "next", media, &next);
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

fn link_element(out: &mut String, prefix: &str, rel: &str, media: &str, href: &str) {
    out.push('<');
    out.push_str(prefix);
    out.push_str("link rel=\"");
    out.push_str(rel);
    out.push_str("\" type=\"");
    out.push_str(media);
    out.push_str("\" href=\"");
    out.push_str(&xml_escape(href));
    out.push_str("\"/>\n");
}

/// RSS 2.0.
pub fn rss(channel: &Channel, offers: &[PublishedOffer]) -> String {
    let mut out = String::with_capacity(1024 + offers.len() * 2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:job=\"");
    out.push_str(JOB_NS);
    out.push_str("\">\n<channel>\n");
    element(&mut out, "title", &channel.title);
    element(&mut out, "link", &channel.base_url);
    element(&mut out, "description", &channel.description);
    element(&mut out, "language", "fr");
    element(&mut out, "generator", &generator());
    element(&mut out, "lastBuildDate", &channel.updated.to_rfc2822());
    if !channel.base_url.is_empty() {
        out.push_str("<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
        out.push_str(&xml_escape(&channel.self_url("feed.rss")));
        out.push_str("\"/>\n");
    }
    channel.paging_links(&mut out, "feed.rss", "application/rss+xml", "atom:");
    for p in offers {
        let o = &p.offer;
        out.push_str("<item>\n");
        element(&mut out, "title", &o.title);
        if let Some(url) = &o.url {
            element(&mut out, "link", url);
        }
        out.push_str("<guid isPermaLink=\"false\">urn:uuid:");
        out.push_str(&p.id);
        out.push_str("</guid>\n");
        element(&mut out, "pubDate", &date_published(p).to_rfc2822());
        element(&mut out, "description", &o.description_html);
        out.push_str("<category domain=\"network\">");
        out.push_str(&xml_escape(&p.network));
        out.push_str("</category>\n");
        job_elements(&mut out, p);
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// Atom 1.0.
pub fn atom(channel: &Channel, offers: &[PublishedOffer]) -> String {
    let mut out = String::with_capacity(1024 + offers.len() * 2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:job=\"");
    out.push_str(JOB_NS);
    out.push_str("\" xml:lang=\"fr\">\n");
    element(&mut out, "id", &feed_id(channel));
    element(&mut out, "title", &channel.title);
    element(&mut out, "subtitle", &channel.description);
    element(&mut out, "updated", &rfc3339(channel.updated));
    element(&mut out, "generator", &generator());
    out.push_str("<author><name>essaim</name></author>\n");
    if !channel.base_url.is_empty() {
        out.push_str("<link rel=\"self\" type=\"application/atom+xml\" href=\"");
        out.push_str(&xml_escape(&channel.self_url("feed.atom")));
        out.push_str("\"/>\n");
    }
    channel.paging_links(&mut out, "feed.atom", "application/atom+xml", "");
    for p in offers {
        let o = &p.offer;
        out.push_str("<entry>\n");
        element(&mut out, "id", &format!("urn:uuid:{}", p.id));
        element(&mut out, "title", &o.title);
        if let Some(url) = &o.url {
            out.push_str("<link rel=\"alternate\" type=\"text/html\" href=\"");
            out.push_str(&xml_escape(url));
            out.push_str("\"/>\n");
        }
        let published = date_published(p);
        element(&mut out, "published", &rfc3339(published));
        element(
            &mut out,
            "updated",
            &rfc3339(o.updated.unwrap_or(p.changed).max(published)),
        );
        if let Some(employer) = &o.employer {
            out.push_str("<author><name>");
            out.push_str(&xml_escape(employer));
            out.push_str("</name></author>\n");
        }
        out.push_str("<category scheme=\"");
        out.push_str(JOB_NS);
        out.push_str("#network\" term=\"");
        out.push_str(&xml_escape(&p.network));
        out.push_str("\"/>\n");
        out.push_str("<content type=\"html\">");
        out.push_str(&xml_escape(&o.description_html));
        out.push_str("</content>\n");
        job_elements(&mut out, p);
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// JSON Feed 1.1, with essaim's job fields in a `_job` object per item.
pub fn json_feed(channel: &Channel, offers: &[PublishedOffer]) -> String {
    let items: Vec<Value> = offers
        .iter()
        .map(|p| {
            let o = &p.offer;
            let mut item = json!({
                "id": format!("urn:uuid:{}", p.id),
                "title": o.title,
                "content_html": o.description_html,
                "content_text": o.description_text,
                "date_published": rfc3339(date_published(p)),
                "date_modified": rfc3339(o.updated.unwrap_or(p.changed)),
                "tags": o.categories,
                "_job": job_object(p),
            });
            if let Some(url) = &o.url {
                item["url"] = json!(url);
            }
            if let Some(employer) = &o.employer {
                item["authors"] = json!([{ "name": employer }]);
            }
            item
        })
        .collect();
    let mut feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "description": channel.description,
        "language": "fr",
        "items": items,
    });
    if !channel.base_url.is_empty() {
        feed["home_page_url"] = json!(channel.base_url);
        feed["feed_url"] = json!(channel.self_url("feed.json"));
        if let Some(next) = channel.next_url("feed.json") {
            feed["next_url"] = json!(next);
        }
    }
    // Serialising a Value built from strings cannot fail; "{}" keeps the output valid JSON.
    serde_json::to_string_pretty(&feed).unwrap_or_else(|_| "{}".into())
}

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
struct JobFields<'a> {
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
    fn of(p: &'a PublishedOffer) -> JobFields<'a> {
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

fn job_elements(out: &mut String, p: &PublishedOffer) {
    let o = &p.offer;
    let place = &o.location.place;
    element(out, "job:network", &p.network);
    element(out, "job:feed", &o.feed_id);
    let optional = [
        ("job:employer", o.employer.as_deref()),
        ("job:contract", o.contract.map(|c| c.code())),
        ("job:contractLabel", o.contract.map(|c| c.label())),
        ("job:place", o.location.raw.as_deref()),
        ("job:commune", place.commune.as_deref()),
        ("job:insee", place.insee.as_deref()),
        ("job:postcode", place.postcode.as_deref()),
        ("job:department", place.department.as_deref()),
        ("job:region", place.region.as_deref()),
        ("job:regionName", place.region_name.as_deref()),
        ("job:salary", o.salary_raw.as_deref()),
        ("job:sector", o.sector.as_deref()),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            element(out, name, v);
        }
    }
    if let Some(r) = o.location.remote {
        element(out, "job:remote", r.code());
    }
    if let Some(kind) = o.working_time.and_then(|w| w.kind) {
        let text = match kind {
            crate::model::WorkingTimeKind::FullTime => "full_time",
            crate::model::WorkingTimeKind::PartTime => "part_time",
        };
        element(out, "job:workingTime", text);
    }
    if let Some(t) = o.valid_through {
        element(out, "job:validThrough", &rfc3339(t));
    }
}

fn feed_id(channel: &Channel) -> String {
    if channel.base_url.is_empty() {
        "urn:essaim:feed".to_string()
    } else {
        channel.link("feed.atom", "")
    }
}

/// schema.org JobPosting objects in one JSON-LD `@graph`, with Google's required properties
/// (title, description, datePosted, hiringOrganization, jobLocation) and the recommended ones
/// essaim knows (validThrough, employmentType, baseSalary, identifier, directApply). `<`, `>`
/// and `&` are written as `\u003c`-style escapes so the document can sit in a `<script>`.
///
/// The document is paged like the feeds: beside the `@graph`, `@id` is this page's URL and
/// `first` / `next` the URLs of the first and next pages (when there are), terms the
/// context maps to the IANA link relations that RFC 5005's links are.
pub fn jobs_jsonld(channel: &Channel, offers: &[PublishedOffer]) -> String {
    // schema.org requires the hiring organisation: an offer without a named employer is left
    // out (never credited to the network), and counted by `/api/stats`.
    let postings: Vec<Value> = offers
        .iter()
        .filter(|p| p.offer.hiring_organization().is_some())
        .map(|p| job_posting(channel, p))
        .collect();
    let mut doc = json!({
        "@context": [
            "https://schema.org",
            {
                "first": { "@id": IANA_FIRST, "@type": "@id" },
                "next": { "@id": IANA_NEXT, "@type": "@id" },
            },
        ],
    });
    let name = "jobs.jsonld";
    if !channel.base_url.is_empty() {
        doc["@id"] = json!(channel.self_url(name));
    }
    if let Some(first) = channel.first_url(name) {
        doc["first"] = json!(first);
    }
    if let Some(next) = channel.next_url(name) {
        doc["next"] = json!(next);
    }
    doc["@graph"] = Value::Array(postings);
    let text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    script_safe(&text)
}

/// The IANA link relations `first` and `next` (RFC 8288), as JSON-LD reads them.
const IANA_FIRST: &str = "http://www.iana.org/assignments/relation/first";
const IANA_NEXT: &str = "http://www.iana.org/assignments/relation/next";

/// One schema.org JobPosting.
pub fn job_posting(channel: &Channel, p: &PublishedOffer) -> Value {
    let o = &p.offer;
    let place = &o.location.place;
    // `jobs_jsonld` leaves out offers without one; a lone posting rendered without one names
    // no organisation rather than the network.
    let employer = o.hiring_organization().unwrap_or_default();
    let mut address = serde_json::Map::new();
    address.insert("@type".into(), json!("PostalAddress"));
    if let Some(c) = place.commune.clone().or_else(|| o.location.raw.clone()) {
        address.insert("addressLocality".into(), json!(c));
    }
    if let Some(pc) = &place.postcode {
        address.insert("postalCode".into(), json!(pc));
    }
    if let Some(r) = &place.region_name {
        address.insert("addressRegion".into(), json!(r));
    }
    if let Some(country) = address_country(&o.location) {
        address.insert("addressCountry".into(), json!(country));
    }
    let mut posting = json!({
        "@type": "JobPosting",
        "title": o.title,
        "description": if o.description_html.is_empty() { o.title.clone() } else { o.description_html.clone() },
        "datePosted": rfc3339(date_published(p)),
        "hiringOrganization": { "@type": "Organization", "name": employer },
        "jobLocation": { "@type": "Place", "address": Value::Object(address) },
        "identifier": { "@type": "PropertyValue", "name": "essaim", "value": p.id },
        "directApply": false,
    });
    if let Some(url) = &o.url {
        posting["url"] = json!(url);
    } else if !channel.base_url.is_empty() {
        posting["url"] = json!(channel.link(&format!("api/offers/{}", p.id), ""));
    }
    if let Some(t) = o.valid_through {
        posting["validThrough"] = json!(rfc3339(t));
    }
    if !o.employment_types.is_empty() {
        posting["employmentType"] = json!(o.employment_types);
    }
    // schema.org's TELECOMMUTE is a job done entirely remotely; a partial one is located.
    if o.location.remote == Some(crate::model::Remote::Full) {
        posting["jobLocationType"] = json!("TELECOMMUTE");
    }
    if let Some(s) = &o.salary {
        let unit = s.period.map(|p| match p {
            crate::model::SalaryPeriod::Hour => "HOUR",
            crate::model::SalaryPeriod::Day => "DAY",
            crate::model::SalaryPeriod::Month => "MONTH",
            crate::model::SalaryPeriod::Year => "YEAR",
        });
        let mut value = json!({ "@type": "QuantitativeValue" });
        match (s.min, s.max) {
            (Some(a), Some(b)) if a == b => value["value"] = json!(a),
            (a, b) => {
                if let Some(a) = a {
                    value["minValue"] = json!(a);
                }
                if let Some(b) = b {
                    value["maxValue"] = json!(b);
                }
            }
        }
        if let Some(u) = unit {
            value["unitText"] = json!(u);
        }
        posting["baseSalary"] =
            json!({ "@type": "MonetaryAmount", "currency": s.currency, "value": value });
    }
    if let Some(sector) = &o.sector {
        posting["industry"] = json!(sector);
    }
    posting
}

/// The ISO 3166 code of the place's country: FR for a place resolved to a French commune,
/// department or region; otherwise the country the raw place ends with ("Opole, Polska",
/// "Stuttgart, Deutschland", "Genève, Suisse": `country::named_last`); None when neither
/// says.
pub fn address_country(location: &crate::model::Location) -> Option<&'static str> {
    let place = &location.place;
    if place.commune.is_some() || place.department.is_some() || place.region.is_some() {
        return Some("FR");
    }
    crate::geo::country::named_last(location.raw.as_deref()?)
}

/// JSON text with `<`, `>` and `&` escaped, harmless inside an HTML `<script>` element. The
/// three characters only occur inside JSON strings, where the escapes mean the same.
pub fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

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

fn generator() -> String {
    format!("essaim {}", env!("CARGO_PKG_VERSION"))
}

fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&xml_escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Offer;

    fn sample() -> (Channel, Vec<PublishedOffer>) {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let offer = Offer {
            feed_id: "cress-bzh".into(),
            reference: Some("42".into()),
            url: Some("https://cress-bretagne.org/offres/42?a=1&b=2".into()),
            title: "Chargé·e de mission <ESS> ]]>\u{1} fin".into(),
            title_raw: "Chargé·e de mission <ESS> (H/F)".into(),
            employer: Some("Coop & Co".into()),
            categories: vec!["Animation".into()],
            published: Some(t("2026-11-20T09:00:00Z")),
            updated: None,
            description_html: "<p>Poste à Rennes</p>".into(),
            description_text: "Poste à Rennes".into(),
            warnings: vec![],
            ..Default::default()
        };
        let channel = Channel {
            title: "essaim".into(),
            description: "Offres".into(),
            base_url: "https://emplois.example.org".into(),
            updated: t("2026-11-21T09:00:00Z"),
            paging: Paging::Query {
                this: String::new(),
                first: None,
                next: None,
            },
        };
        let p = PublishedOffer {
            id: "0b7c7e1c-2f5e-5d3a-9a43-3b6b2f1d4c55".into(),
            network: "CRESS".into(),
            feed_name: "CRESS Bretagne".into(),
            first_seen: t("2026-11-20T10:00:00Z"),
            changed: t("2026-11-20T10:00:00Z"),
            offer,
            sources: vec![],
        };
        (channel, vec![p])
    }

    #[test]
    fn outputs_parse_back_with_escaped_hostile_text() {
        let (c, offers) = sample();
        for (text, kind) in [
            (rss(&c, &offers), "rss"),
            (atom(&c, &offers), "atom"),
            (json_feed(&c, &offers), "json"),
        ] {
            let feed = feed_rs::parser::parse(text.as_bytes())
                .unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
            assert_eq!(feed.entries.len(), 1, "{kind}");
            let e = &feed.entries[0];
            // XML 1.0 cannot carry U+0001 at all, so it is dropped; JSON escapes it as \u0001.
            let want = if kind == "json" {
                "Chargé·e de mission <ESS> ]]>\u{1} fin"
            } else {
                "Chargé·e de mission <ESS> ]]> fin"
            };
            assert_eq!(e.title.as_ref().unwrap().content, want, "{kind}");
            assert_eq!(
                e.links[0].href, "https://cress-bretagne.org/offres/42?a=1&b=2",
                "{kind}"
            );
            assert_eq!(
                e.id, "urn:uuid:0b7c7e1c-2f5e-5d3a-9a43-3b6b2f1d4c55",
                "{kind}"
            );
            assert!(!text.contains('\u{1}'), "{kind}");
        }
    }

    #[test]
    fn api_offers_carry_every_documented_field_in_order() {
        let (_, mut offers) = sample();
        let p = &mut offers[0];
        p.offer.contract = Some(crate::model::Contract::Cdi);
        p.offer.location.place.region = Some("53".into());
        p.offer.valid_through = Some("2026-12-31T22:59:59Z".parse().unwrap());
        p.sources.push(Source {
            id: p.id.clone(),
            feed: "cress-bzh".into(),
            feed_name: "CRESS Bretagne".into(),
            network: "CRESS".into(),
            reference: Some("42".into()),
            url: p.offer.url.clone(),
        });
        let page: Value = serde_json::from_str(&api_page(
            &offers,
            Some("https://e.example/next"),
            Some("c1"),
        ))
        .unwrap();
        let offer = &page["offers"][0];
        let keys: Vec<&str> = offer
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "url",
                "title",
                "date_published",
                "date_modified",
                "first_seen",
                "description_html",
                "description_text",
                "categories",
                "network",
                "feed",
                "feed_name",
                "reference",
                "title_raw",
                "apply_url",
                "employer",
                "employer_family",
                "location",
                "contract",
                "contract_label",
                "contract_raw",
                "contract_duration",
                "employment_types",
                "working_time",
                "hours_per_week",
                "working_time_raw",
                "salary",
                "salary_raw",
                "sector",
                "valid_through",
                "start_date",
                "sources"
            ]
        );
        assert_eq!(offer, &api_offer(&offers[0]));
        assert_eq!(page["count"], 1);
        assert_eq!(page["next"], "https://e.example/next");
        assert_eq!(page["next_cursor"], "c1");
        assert_eq!(offer["date_published"], "2026-11-20T09:00:00Z");
        assert_eq!(offer["date_modified"], "2026-11-20T10:00:00Z");
        assert_eq!(offer["contract"], "cdi");
        assert_eq!(offer["valid_through"], "2026-12-31T22:59:59Z");
        assert_eq!(offer["location"]["region"], "53");
        assert!(
            offer["location"].get("remote").is_none(),
            "unknown remote work is left out"
        );
        assert!(offer["location"]["commune"].is_null());
        assert_eq!(offer["sources"][0]["feed_name"], "CRESS Bretagne");
        assert_eq!(offer["title"], "Chargé·e de mission <ESS> ]]>\u{1} fin");
        let job = job_object(&offers[0]);
        assert_eq!(job["employer"], "Coop & Co");
        assert_eq!(job.as_object().unwrap().len(), 23);
    }

    #[test]
    fn pages_link_to_their_neighbours_in_every_output() {
        let (mut c, offers) = sample();
        let base = "https://emplois.example.org";
        // The second of three exported pages.
        c.paging = Paging::File {
            number: 2,
            next: true,
        };
        for (text, name, media) in [
            (rss(&c, &offers), "rss", "application/rss+xml"),
            (atom(&c, &offers), "atom", "application/atom+xml"),
        ] {
            let feed = feed_rs::parser::parse(text.as_bytes()).unwrap();
            let rel = |r: &str| -> Vec<String> {
                feed.links
                    .iter()
                    .filter(|l| l.rel.as_deref() == Some(r))
                    .map(|l| l.href.clone())
                    .collect()
            };
            assert_eq!(rel("self"), [format!("{base}/feed-2.{name}")], "{text}");
            assert_eq!(rel("first"), [format!("{base}/feed.{name}")], "{text}");
            assert_eq!(rel("next"), [format!("{base}/feed-3.{name}")], "{text}");
            assert!(
                text.contains(&format!("rel=\"next\" type=\"{media}\"")),
                "{text}"
            );
        }
        let json: Value = serde_json::from_str(&json_feed(&c, &offers)).unwrap();
        assert_eq!(json["feed_url"], format!("{base}/feed-2.json"));
        assert_eq!(json["next_url"], format!("{base}/feed-3.json"));
        let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
        assert_eq!(ld["@id"], format!("{base}/jobs-2.jsonld"));
        assert_eq!(ld["first"], format!("{base}/jobs.jsonld"));
        assert_eq!(ld["next"], format!("{base}/jobs-3.jsonld"));
        assert_eq!(ld["@context"][0], "https://schema.org");
        assert_eq!(ld["@context"][1]["next"]["@id"], IANA_NEXT);
        assert_eq!(ld["@context"][1]["next"]["@type"], "@id");
        assert_eq!(ld["@graph"].as_array().unwrap().len(), 1);

        // The last page links back to the first only.
        c.paging = Paging::File {
            number: 3,
            next: false,
        };
        let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
        assert_eq!(ld["first"], format!("{base}/jobs.jsonld"));
        assert!(ld.get("next").is_none(), "{ld}");
        let json: Value = serde_json::from_str(&json_feed(&c, &offers)).unwrap();
        assert!(json.get("next_url").is_none(), "{json}");
        assert!(!rss(&c, &offers).contains("rel=\"next\""));
        assert!(!atom(&c, &offers).contains("rel=\"next\""));

        // Live pages are told apart by their query string.
        c.paging = Paging::Query {
            this: "region=84&after=7_20261122T100000Z".into(),
            first: Some("region=84".into()),
            next: Some("region=84&after=3_20261120T100000Z".into()),
        };
        let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
        assert_eq!(
            ld["@id"],
            format!("{base}/jobs.jsonld?region=84&after=7_20261122T100000Z")
        );
        assert_eq!(ld["first"], format!("{base}/jobs.jsonld?region=84"));
        assert_eq!(
            c.next_url("jobs.jsonld").unwrap(),
            format!("{base}/jobs.jsonld?region=84&after=3_20261120T100000Z")
        );
        assert_eq!(ld["next"], c.next_url("jobs.jsonld").unwrap());

        // Without a base URL no output links anywhere.
        c.base_url = String::new();
        let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
        for key in ["@id", "first", "next"] {
            assert!(ld.get(key).is_none(), "{key} in {ld}");
        }
        assert!(!rss(&c, &offers).contains("atom:link"));
        assert!(!atom(&c, &offers).contains("<link rel=\"next\""));
    }

    #[test]
    fn page_files_are_numbered_from_the_second() {
        assert_eq!(page_file("feed.rss", 1), "feed.rss");
        assert_eq!(page_file("feed.rss", 2), "feed-2.rss");
        assert_eq!(page_file("feed.atom", 10), "feed-10.atom");
        assert_eq!(page_file("jobs.jsonld", 3), "jobs-3.jsonld");
    }

    #[test]
    fn xml_escape_drops_forbidden_characters() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{0}\u{8}\tc"),
            "a&lt;b&gt;&amp;&quot;&apos;\tc"
        );
    }
}
