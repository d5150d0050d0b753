//! schema.org JobPosting objects in a paged JSON-LD document, safe to embed in a `<script>`.

use serde_json::{json, Value};

use super::job::date_published;
use super::Channel;
use crate::model::{rfc3339, PublishedOffer};

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
pub(super) const IANA_NEXT: &str = "http://www.iana.org/assignments/relation/next";

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
