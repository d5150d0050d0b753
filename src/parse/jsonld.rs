//! schema.org JobPosting in JSON-LD: a single object, an array, an `@graph`, an `ItemList`
//! (`itemListElement[].item`), or the `<script type="application/ld+json">` blocks of an HTML
//! page. Properties follow Google's JobPosting documentation: title, description, datePosted,
//! validThrough, employmentType, hiringOrganization, jobLocation, jobLocationType, baseSalary,
//! identifier, url, directApply, industry.

use serde_json::Value;

use super::json_mapped::{json_error, scalar_text};
use super::{ParseError, RawItem};
use crate::model::{Salary, SalaryPeriod};

pub fn parse(text: &str, warnings: &mut Vec<String>) -> Result<Vec<RawItem>, ParseError> {
    let docs: Vec<Value> = if text.starts_with('<') {
        let blocks = script_blocks(text);
        if blocks.is_empty() {
            return Err(ParseError(
                "no <script type=\"application/ld+json\"> block in the page".into(),
            ));
        }
        let mut docs = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            match serde_json::from_str(block) {
                Ok(v) => docs.push(v),
                Err(e) => warnings.push(format!("JSON-LD block {}: not valid JSON: {e}", i + 1)),
            }
        }
        docs
    } else {
        vec![serde_json::from_str(text).map_err(|e| ParseError(json_error(&e)))?]
    };
    let mut postings = Vec::new();
    for doc in &docs {
        collect(doc, &mut postings, 0);
    }
    if postings.is_empty() {
        warnings.push("no JobPosting found in the JSON-LD".into());
    }
    let mut items = Vec::with_capacity(postings.len());
    for (index, p) in postings.into_iter().enumerate() {
        let item = posting(p);
        if item.title.is_none() {
            warnings.push(format!(
                "item {} ({}): no title",
                index + 1,
                item.link.as_deref().unwrap_or("no url")
            ));
        }
        items.push(item);
    }
    Ok(items)
}

/// The contents of `<script type="application/ld+json">` blocks.
fn script_blocks(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<script") {
        let start = from + at;
        let Some(tag_end) = lower[start..].find('>').map(|e| start + e + 1) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|e| tag_end + e) else {
            break;
        };
        if lower[start..tag_end].contains("application/ld+json") {
            if let Some(block) = html.get(tag_end..close) {
                out.push(block.trim());
            }
        }
        from = close;
    }
    out
}

fn is_type(v: &Value, name: &str) -> bool {
    match v.get("@type") {
        Some(Value::String(t)) => t == name || t.ends_with(&format!("/{name}")),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(name)),
        _ => false,
    }
}

fn collect<'a>(v: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(list) => list.iter().for_each(|x| collect(x, out, depth + 1)),
        Value::Object(map) => {
            if is_type(v, "JobPosting") {
                out.push(v);
                return;
            }
            if let Some(graph) = map.get("@graph") {
                collect(graph, out, depth + 1);
            }
            if let Some(list) = map.get("itemListElement") {
                match list {
                    Value::Array(elems) => {
                        for e in elems {
                            collect(e.get("item").unwrap_or(e), out, depth + 1);
                        }
                    }
                    other => collect(other, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => o
            .get("name")
            .or_else(|| o.get("value"))
            .or_else(|| o.get("@id"))
            .and_then(scalar_text),
        other => scalar_text(other),
    }
}

/// `identifier`: text, or a PropertyValue whose `value` is the reference (its `name` names the
/// issuer).
fn identifier(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => o.get("value").and_then(scalar_text),
        other => scalar_text(other),
    }
}

fn posting(p: &Value) -> RawItem {
    let mut item = RawItem {
        title: text(p.get("title")).or_else(|| text(p.get("name"))),
        description: text(p.get("description")),
        reference: identifier(p.get("identifier")),
        link: text(p.get("url")).or_else(|| text(p.get("@id")).filter(|id| id.starts_with("http"))),
        published: text(p.get("datePosted")),
        updated: text(p.get("dateModified")),
        valid_through: text(p.get("validThrough")),
        start_date: text(p.get("jobStartDate")),
        employer: text(p.get("hiringOrganization")),
        sector: text(p.get("industry")).or_else(|| text(p.get("occupationalCategory"))),
        source: p.clone(),
        ..Default::default()
    };
    if let Some(types) = text(p.get("employmentType")) {
        item.contract = Some(types.clone());
        item.working_time = Some(types);
    }
    if let Some(w) = text(p.get("workHours")) {
        item.working_time = Some(w);
    }
    if p.get("jobLocationType").and_then(Value::as_str) == Some("TELECOMMUTE") {
        item.remote = Some("TELECOMMUTE".into());
    }
    let location = match p.get("jobLocation") {
        Some(Value::Array(list)) => list.first(),
        other => other,
    };
    if let Some(address) = location.and_then(|l| l.get("address")) {
        match address {
            Value::String(s) => item.location = Some(s.trim().to_string()),
            _ => {
                item.city = text(address.get("addressLocality"));
                item.postcode = text(address.get("postalCode"));
                item.region = text(address.get("addressRegion"));
                let parts: Vec<String> = [&item.postcode, &item.city]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                if !parts.is_empty() {
                    item.location = Some(parts.join(" "));
                }
                // A place abroad ("Opole", addressCountry "PL") is written with its country
                // and not looked up as a French commune.
                let country = text(address.get("addressCountry"))
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty());
                if let Some(country) =
                    country.filter(|c| !matches!(c.as_str(), "FR" | "FRA" | "France" | "france"))
                {
                    let country = if country.len() == 2 {
                        country.to_ascii_uppercase()
                    } else {
                        country
                    };
                    let place: Vec<String> = [item.city.take(), item.region.take()]
                        .into_iter()
                        .flatten()
                        .collect();
                    item.postcode = None;
                    if !place.is_empty() {
                        item.location = Some(format!("{}, {country}", place.join(", ")));
                    }
                }
            }
        }
    }
    if let Some(salary) = p.get("baseSalary") {
        item.salary_structured = base_salary(salary);
        if item.salary_structured.is_none() {
            item.salary = text(Some(salary));
        }
    }
    item
}

/// `baseSalary`: a MonetaryAmount with a QuantitativeValue (`value` or `minValue`/`maxValue`,
/// `unitText` HOUR/DAY/WEEK/MONTH/YEAR), or a bare number.
fn base_salary(v: &Value) -> Option<Salary> {
    let number = |x: Option<&Value>| -> Option<f64> {
        match x? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().replace(',', ".").parse().ok(),
            _ => None,
        }
    };
    let (currency, value) = match v {
        Value::Object(o) => (
            o.get("currency").and_then(Value::as_str).unwrap_or("EUR"),
            o.get("value").unwrap_or(v),
        ),
        _ => ("EUR", v),
    };
    let (min, max, unit) = match value {
        Value::Object(q) => {
            let exact = number(q.get("value"));
            (
                number(q.get("minValue")).or(exact),
                number(q.get("maxValue")).or(exact),
                q.get("unitText").and_then(Value::as_str),
            )
        }
        other => {
            let n = number(Some(other));
            (n, n, v.get("unitText").and_then(Value::as_str))
        }
    };
    if min.is_none() && max.is_none() {
        return None;
    }
    let period = match unit.map(str::to_ascii_uppercase).as_deref() {
        Some("HOUR") => Some(SalaryPeriod::Hour),
        Some("DAY") => Some(SalaryPeriod::Day),
        Some("MONTH") => Some(SalaryPeriod::Month),
        Some("YEAR") => Some(SalaryPeriod::Year),
        _ => None,
    };
    Some(Salary {
        min,
        max,
        currency: currency.to_string(),
        period,
        gross: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn graph_item_list_and_array_forms() {
        let graph = r#"{"@context":"https://schema.org","@graph":[{"@type":"Organization","name":"x"},{"@type":"JobPosting","title":"Éducatrice de jeunes enfants","datePosted":"2026-11-10","hiringOrganization":{"@type":"Organization","name":"Crèche Les Lucioles"},"jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Nantes","postalCode":"44000","addressRegion":"Pays de la Loire"}},"employmentType":["FULL_TIME","TEMPORARY"],"identifier":{"@type":"PropertyValue","name":"Lucioles","value":"EJE-2026-04"},"baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":{"@type":"QuantitativeValue","minValue":2100,"maxValue":2300,"unitText":"MONTH"}},"validThrough":"2026-12-31T23:59"}]}"#;
        let mut w = Vec::new();
        let items = parse(graph, &mut w).unwrap();
        assert_eq!(items.len(), 1, "{w:?}");
        let a = &items[0];
        assert_eq!(a.employer.as_deref(), Some("Crèche Les Lucioles"));
        assert_eq!(a.reference.as_deref(), Some("EJE-2026-04"));
        assert_eq!(a.location.as_deref(), Some("44000 Nantes"));
        assert_eq!(a.contract.as_deref(), Some("FULL_TIME, TEMPORARY"));
        let s = a.salary_structured.as_ref().unwrap();
        assert_eq!(
            (s.min, s.max, s.period),
            (Some(2100.0), Some(2300.0), Some(SalaryPeriod::Month))
        );
        let list = r#"{"@type":"ItemList","itemListElement":[{"@type":"ListItem","position":1,"item":{"@type":"JobPosting","title":"A"}},{"@type":"ListItem","position":2,"item":{"@type":"JobPosting","title":"B","jobLocationType":"TELECOMMUTE"}}]}"#;
        let items = parse(list, &mut w).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].remote.as_deref(), Some("TELECOMMUTE"));
        let array = r#"[{"@type":"JobPosting","title":"A"},{"@type":"Event","name":"x"},{"@type":["JobPosting"],"title":"C"}]"#;
        assert_eq!(parse(array, &mut w).unwrap().len(), 2);
    }

    #[test]
    fn html_page_with_script_blocks() {
        let html = r#"<!DOCTYPE html><html><head><script>var x = 1;</script><script type="application/ld+json">{"@type":"JobPosting","title":"Coordinateur </b>","url":"https://asso.fr/o/1"}</script><SCRIPT type='application/ld+json'>{broken</SCRIPT></head></html>"#;
        let mut w = Vec::new();
        let items = parse(html, &mut w).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].link.as_deref(), Some("https://asso.fr/o/1"));
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("JSON-LD block 2: not valid JSON"), "{w:?}");
    }
}
