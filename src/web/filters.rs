//! The query string of the outputs and the API (`?region=84&contract=CDI&q=éducateur`) read
//! into a validated [`OfferFilter`] and a page request. Names and values are checked here, so
//! that a consumer's mistake gets a 400 that says which parameter and why; no I/O.

use chrono::{DateTime, NaiveDate, Utc};

use crate::geo;
use crate::model::{Contract, WorkingTimeKind};
use crate::normalise::working_time::parse_working_time;
use crate::store::{Cursor, OfferFilter};

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;
/// The most items one page returns; larger `limit`s are lowered to it.
pub const MAX_LIMIT: usize = 500;

/// Every parameter the outputs and the API accept.
pub const PARAMETERS: &[&str] = &[
    "q",
    "region",
    "department",
    "commune",
    "contract",
    "working_time",
    "sector",
    "network",
    "employer",
    "remote",
    "since",
    "limit",
    "after",
];

/// A validated request: which offers, and which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub filter: OfferFilter,
    pub limit: usize,
    pub after: Option<Cursor>,
}

impl Request {
    /// The unfiltered first page of default size: what the cached outputs serve.
    pub fn is_default(&self) -> bool {
        self.filter.is_empty() && self.limit == DEFAULT_LIMIT && self.after.is_none()
    }
}

/// Reads the decoded query pairs.
pub fn parse(pairs: &[(String, String)]) -> Result<Request, String> {
    let mut filter = OfferFilter::default();
    let mut limit = DEFAULT_LIMIT;
    let mut after = None;
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        let Some(known) = PARAMETERS.iter().find(|p| **p == name.as_str()) else {
            return Err(format!(
                "unknown parameter {name:?}; accepted: {}",
                PARAMETERS.join(", ")
            ));
        };
        if seen.contains(known) {
            return Err(format!("parameter {name:?} is given twice"));
        }
        seen.push(known);
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("parameter {name:?} is empty"));
        }
        if value.chars().count() > 200 {
            return Err(format!("parameter {name:?} is longer than 200 characters"));
        }
        let bad = |why: &str| format!("{name}={value:?}: {why}");
        match *known {
            "q" | "employer" if !OfferFilter::is_searchable(value) => {
                return Err(bad(
                    "no word to search for: give letters or digits (punctuation such as \" * ( is ignored)",
                ))
            }
            "q" => filter.q = Some(value.to_string()),
            "region" => {
                let place = geo::resolve_parts(None, None, None, None, Some(value))
                    .filter(|p| p.department.is_none());
                filter.region = Some(
                    place
                        .and_then(|p| p.region)
                        .ok_or_else(|| bad("not a region code (\"84\") or name (\"Bretagne\")"))?,
                );
            }
            "department" => {
                let place = geo::resolve_parts(None, None, None, Some(value), None)
                    .filter(|p| p.commune.is_none());
                filter.department = Some(place.and_then(|p| p.department).ok_or_else(|| {
                    bad("not a department code (\"69\", \"2A\", \"974\") or name (\"Rhône\")")
                })?);
            }
            "commune" => {
                let place = if value.len() == 5 && value.is_ascii() {
                    geo::resolve_parts(None, None, Some(value), None, None)
                } else {
                    geo::resolve(value)
                };
                filter.commune = Some(place.and_then(|p| p.insee).ok_or_else(|| {
                    bad("not an INSEE code (\"69123\") or an unambiguous commune name")
                })?);
            }
            "contract" => {
                let c = Contract::from_code(value).ok_or_else(|| {
                    let codes: Vec<&str> = Contract::ALL.iter().map(|c| c.code()).collect();
                    bad(&format!("unknown contract; one of {}", codes.join(", ")))
                })?;
                filter.contract = Some(c.code().to_string());
            }
            "working_time" => {
                let kind = match value {
                    "full_time" => Some(WorkingTimeKind::FullTime),
                    "part_time" => Some(WorkingTimeKind::PartTime),
                    other => parse_working_time(other).and_then(|w| w.kind),
                };
                filter.working_time = Some(
                    match kind.ok_or_else(|| bad("expected full_time or part_time"))? {
                        WorkingTimeKind::FullTime => "full_time",
                        WorkingTimeKind::PartTime => "part_time",
                    }
                    .to_string(),
                );
            }
            "sector" => filter.sector = Some(value.to_string()),
            "network" => filter.network = Some(value.to_string()),
            "employer" => filter.employer = Some(value.to_string()),
            "remote" => {
                let v = value.to_ascii_lowercase();
                if !matches!(v.as_str(), "true" | "false" | "none" | "partial" | "full") {
                    return Err(bad(
                        "expected true (partial or full), false, none, partial or full",
                    ));
                }
                filter.remote = Some(v);
            }
            "since" => filter.since = Some(instant(value).ok_or_else(|| {
                bad("expected a date (2026-11-01) or an RFC 3339 instant (2026-11-01T08:00:00Z)")
            })?),
            "limit" => {
                let n: usize = value
                    .parse()
                    .map_err(|_| bad("expected a whole number from 1"))?;
                if n == 0 {
                    return Err(bad("expected a whole number from 1"));
                }
                limit = n.min(MAX_LIMIT);
            }
            "after" => {
                after = Some(Cursor::parse(value).ok_or_else(|| {
                    bad("not a cursor given by a previous page (its `next` link)")
                })?)
            }
            _ => {}
        }
    }
    Ok(Request {
        filter,
        limit,
        after,
    })
}

fn instant(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The query string of a request, for self and next links (parameters in a fixed order).
pub fn query_string(request: &Request, after: Option<&Cursor>) -> String {
    let f = &request.filter;
    let mut parts: Vec<(&str, String)> = Vec::new();
    let mut add = |k: &'static str, v: &Option<String>| {
        if let Some(v) = v {
            parts.push((k, v.clone()));
        }
    };
    add("q", &f.q);
    add("region", &f.region);
    add("department", &f.department);
    add("commune", &f.commune);
    add("contract", &f.contract);
    add("working_time", &f.working_time);
    add("sector", &f.sector);
    add("network", &f.network);
    add("employer", &f.employer);
    add("remote", &f.remote);
    add("since", &f.since.map(crate::model::rfc3339));
    if request.limit != DEFAULT_LIMIT {
        parts.push(("limit", request.limit.to_string()));
    }
    if let Some(c) = after {
        parts.push(("after", c.token()));
    }
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(parts)
        .finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn names_and_labels_become_codes() {
        let r = parse(&pairs("region=Bretagne&department=Rh%C3%B4ne&contract=CDI&working_time=temps+partiel&commune=Lyon&since=2026-11-01&limit=9999&q=%C3%A9ducateur")).unwrap();
        assert_eq!(r.filter.region.as_deref(), Some("53"));
        assert_eq!(r.filter.department.as_deref(), Some("69"));
        assert_eq!(r.filter.contract.as_deref(), Some("cdi"));
        assert_eq!(r.filter.working_time.as_deref(), Some("part_time"));
        assert_eq!(r.filter.commune.as_deref(), Some("69123"));
        assert_eq!(
            r.filter.since,
            Some("2026-11-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(r.limit, MAX_LIMIT);
        assert_eq!(r.filter.q.as_deref(), Some("éducateur"));
        let r = parse(&pairs("region=84&department=2A&commune=75056")).unwrap();
        assert_eq!(r.filter.region.as_deref(), Some("84"));
        assert_eq!(r.filter.department.as_deref(), Some("2A"));
        assert_eq!(r.filter.commune.as_deref(), Some("75056"));
        assert!(parse(&[]).unwrap().is_default());
    }

    #[test]
    fn mistakes_say_which_parameter_and_why() {
        for (q, want) in [
            (
                "regoin=84",
                "unknown parameter \"regoin\"; accepted: q, region",
            ),
            ("region=99", "region=\"99\": not a region code"),
            ("region=Rh%C3%B4ne", "region=\"Rhône\": not a region code"),
            (
                "contract=CDZ",
                "contract=\"CDZ\": unknown contract; one of cdi, cdd",
            ),
            ("since=hier", "since=\"hier\": expected a date"),
            ("limit=0", "limit=\"0\": expected a whole number from 1"),
            ("limit=-3", "limit=\"-3\": expected a whole number from 1"),
            ("after=xyz", "after=\"xyz\": not a cursor"),
            (
                "remote=oui",
                "remote=\"oui\": expected true (partial or full)",
            ),
            ("q=a&q=b", "parameter \"q\" is given twice"),
            ("q=%22", "q=\"\\\"\": no word to search for"),
            ("q=*", "q=\"*\": no word to search for"),
            ("q=(", "q=\"(\": no word to search for"),
            (
                "employer=%22%28*",
                "employer=\"\\\"(*\": no word to search for",
            ),
            ("sector=", "parameter \"sector\" is empty"),
            (
                "department=Saint-Denis",
                "department=\"Saint-Denis\": not a department code",
            ),
        ] {
            let e = parse(&pairs(q)).unwrap_err();
            assert!(e.starts_with(want), "{q}: {e}");
        }
    }

    #[test]
    fn query_string_round_trips() {
        let r = parse(&pairs(
            "contract=cdd&region=84&q=aide+%C3%A0+domicile&remote=Full&limit=20",
        ))
        .unwrap();
        let c = Cursor {
            sort_at: "2026-11-22T10:00:00Z".into(),
            row: 7,
        };
        let qs = query_string(&r, Some(&c));
        assert_eq!(
            qs,
            "q=aide+%C3%A0+domicile&region=84&contract=cdd&remote=full&limit=20&after=7_20261122T100000Z"
        );
        let again = parse(&pairs(&qs)).unwrap();
        assert_eq!(again.filter, r.filter);
        assert_eq!(again.after, Some(c));
    }
}
