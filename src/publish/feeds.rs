//! The feeds: RSS 2.0 and Atom 1.0 (job fields in elements of [`JOB_NS`], RFC 5005 paging
//! links) and JSON Feed 1.1 (job fields in `_job`), with the XML escaping they share.

use serde_json::{json, Value};

use super::job::{date_published, job_object};
use super::{Channel, JOB_NS};
use crate::model::{rfc3339, PublishedOffer};

impl Channel {
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
