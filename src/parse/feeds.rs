//! RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs, plus a second pass with quick-xml
//! over RSS/Atom items for what feed-rs drops or gets wrong: namespaced job elements (WP Job
//! Manager's `job_listing:*`, and the feed's own `[feed.elements]` mapping) and the dates (a
//! standard element, `pubDate` or Atom `published`/`updated`, wins over an extension such as
//! `dc:date`; dates it could not parse are kept as written so the normaliser reports them).
//! When feed-rs refuses an XML feed, or reads fewer items than the document holds, the
//! [`lenient`](super::lenient) reader takes over and says what it forgave. A document that
//! does not end well-formed is an error on both paths.

use chrono::{DateTime, Utc};
use quick_xml::events::Event;
use quick_xml::Reader;

use super::{lenient, Field, Format, ParseContext, ParseError, RawItem};
use crate::model::rfc3339;
use crate::text::dates;

/// WP Job Manager's elements, read in every RSS feed. Some sites swap job_type and
/// job_category; the normaliser checks both.
pub(super) const WP_JOB_MANAGER: &[(&str, Field)] = &[
    ("job_listing:location", Field::Location),
    ("job_listing:job_type", Field::Contract),
    ("job_listing:job_category", Field::Sector),
    ("job_listing:company", Field::Employer),
    ("job_listing:salary", Field::Salary),
    ("job_listing:job_salary", Field::Salary),
    ("job_listing:job_expires", Field::ValidThrough),
    ("job_listing:remote_position", Field::Remote),
    ("job_listing:application", Field::ApplyUrl),
];

/// Which date an item's child element gives, and whether it is the format's own element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateKind {
    Published { standard: bool },
    Updated { standard: bool },
}

/// The date an element of an item gives: `pubDate`, Atom `published` (0.3: `issued`) and
/// `updated` (0.3: `modified`) are standard; Dublin Core's `dc:date`, `dcterms:issued`,
/// `dcterms:created`, `dcterms:modified` are extensions, which partners also use for other
/// dates (an apprenticeship's start).
pub(super) fn date_kind(qname: &str) -> Option<DateKind> {
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, qname),
    };
    let standard = prefix.is_none_or(|p| matches!(p, "atom" | "rss"));
    if standard {
        return match local {
            "pubDate" | "published" | "issued" => Some(DateKind::Published { standard }),
            "updated" | "modified" => Some(DateKind::Updated { standard }),
            _ => None,
        };
    }
    match (prefix, local) {
        (Some("dc"), "date") | (Some("dcterms"), "issued" | "created" | "date") => {
            Some(DateKind::Published { standard })
        }
        (Some("dc" | "dcterms"), "modified") => Some(DateKind::Updated { standard }),
        _ => None,
    }
}

/// The published and updated dates of an item from its date elements `(qualified name, text
/// as written)`: the first standard element wins, as written when unreadable (the normaliser
/// then reports it) rather than replaced by an extension; without a standard element, the
/// first readable extension. Readable dates come out as RFC 3339. In RSS (`copy_published`),
/// an item without an updated date is updated when published.
pub(super) fn choose_dates(
    found: &[(String, String)],
    now: DateTime<Utc>,
    copy_published: bool,
) -> (Option<String>, Option<String>) {
    let pick = |published: bool| -> Option<String> {
        let of_kind = |standard: bool| {
            found.iter().filter(move |(q, raw)| {
                !raw.trim().is_empty()
                    && match date_kind(q) {
                        Some(DateKind::Published { standard: s }) => published && s == standard,
                        Some(DateKind::Updated { standard: s }) => !published && s == standard,
                        None => false,
                    }
            })
        };
        let read = |raw: &str| dates::parse_date(raw, now).map(rfc3339);
        if let Some((_, raw)) = of_kind(true).next() {
            return Some(read(raw).unwrap_or_else(|| raw.trim().to_string()));
        }
        of_kind(false)
            .find_map(|(_, raw)| read(raw))
            .or_else(|| of_kind(false).next().map(|(_, raw)| raw.trim().to_string()))
    };
    let published = pick(true);
    let mut updated = pick(false);
    if updated.is_none() && copy_published {
        updated = published
            .clone()
            .filter(|p| DateTime::parse_from_rfc3339(p).is_ok());
    }
    (published, updated)
}

/// "1 item", "3 items".
fn count(n: usize) -> String {
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}

/// "item 3 (https://...)": how warnings name an item.
pub(super) fn item_label(index: usize, item: &RawItem) -> String {
    format!(
        "item {} ({})",
        index + 1,
        item.link
            .as_deref()
            .or(item.reference.as_deref())
            .unwrap_or("no link")
    )
}

pub fn parse(
    text: &str,
    ctx: &ParseContext<'_>,
    warnings: &mut Vec<String>,
) -> Result<(Format, Vec<RawItem>), ParseError> {
    let now = ctx.now;
    let xml = text.starts_with('<');
    let feed = match strict(ctx).parse(text.as_bytes()) {
        Ok(feed) => feed,
        Err(e) => {
            let failed = format!("failed ({e})");
            let e = ParseError(format!("not a readable RSS, Atom or JSON feed: {e}"));
            if !xml {
                return match lenient::json_feed(text, now) {
                    Some((items, forgiven)) if !items.is_empty() => {
                        warnings.push(format!(
                            "the strict feed parser {failed}; the lenient reader recovered \
                             {}{forgiven}",
                            count(items.len()),
                        ));
                        Ok((Format::JsonFeed, items))
                    }
                    _ => Err(e),
                };
            }
            return fall_back(text, ctx, warnings, &failed, 0)?.ok_or(e);
        }
    };
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => Format::Atom,
        feed_rs::model::FeedType::JSON => Format::JsonFeed,
        _ => Format::Rss,
    };
    let extras = if format == Format::JsonFeed {
        Vec::new()
    } else {
        match extensions(text, ctx.elements) {
            Ok(x) if x.len() == feed.entries.len() => x,
            Ok(x) => {
                if x.len() > feed.entries.len() {
                    // Items feed-rs did not see (Atom 0.3, RDF items in another namespace).
                    let read = format!("read {} of the {} items", feed.entries.len(), x.len());
                    if let Some(read) = fall_back(text, ctx, warnings, &read, feed.entries.len())? {
                        return Ok(read);
                    }
                }
                warnings.push(format!(
                    "namespaced elements ignored: found {} items where the feed parser found {}",
                    x.len(),
                    feed.entries.len()
                ));
                Vec::new()
            }
            Err(Scan::Truncated(e)) => return Err(ParseError(e)),
            Err(Scan::Xml(e)) => {
                warnings.push(format!("namespaced elements ignored: {e}"));
                Vec::new()
            }
        }
    };
    let items = items_of(feed.entries, extras, text, format, ctx, warnings, 0);
    Ok((format, items))
}

/// feed-rs as essaim uses it. An empty id tells us the feed gave none: feed-rs would
/// otherwise invent one from the link and title, and identity is decided by the dedup
/// module, not here.
fn strict(ctx: &ParseContext<'_>) -> feed_rs::parser::Parser {
    let now = ctx.now;
    feed_rs::parser::Builder::new()
        .base_uri(ctx.base_url)
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser(move |s| dates::parse_date(s, now))
        .build()
}

/// The items of one window of an RSS or Atom body ([`super::windows`]): `text` is the
/// window as a document of its own, its first item the body's item `first` (counted from
/// 0, for the warnings). `None` when the strict reader does not read it cleanly, where
/// [`parse`] would take another path (the lenient reader, the namespaced elements ignored):
/// the body is then parsed whole.
pub(super) fn parse_window(
    text: &str,
    ctx: &ParseContext<'_>,
    first: usize,
    warnings: &mut Vec<String>,
) -> Option<(Format, Vec<RawItem>)> {
    let feed = strict(ctx).parse(text.as_bytes()).ok()?;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => Format::Atom,
        feed_rs::model::FeedType::JSON => return None,
        _ => Format::Rss,
    };
    let extras = extensions(text, ctx.elements)
        .ok()
        .filter(|x| x.len() == feed.entries.len())?;
    let items = items_of(feed.entries, extras, text, format, ctx, warnings, first);
    Some((format, items))
}

/// The items of feed-rs's entries with what the second pass found in each (`extras`: as
/// many, or none), numbered in warnings from `first`.
fn items_of(
    entries: Vec<feed_rs::model::Entry>,
    extras: Vec<Extra>,
    text: &str,
    format: Format,
    ctx: &ParseContext<'_>,
    warnings: &mut Vec<String>,
    first: usize,
) -> Vec<RawItem> {
    let now = ctx.now;
    let mut items = Vec::with_capacity(entries.len());
    // Each item's extras are given back with its entry (they hold its job elements and dates:
    // some 40 MB for 100,000 items).
    let mut extras = super::drain_freeing(extras);
    for (index, entry) in super::drain_freeing(entries).enumerate() {
        let index = first + index;
        // As many extras as entries, or none (see above).
        let extra = extras.next();
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or_else(|| entry.links.first())
            .map(|l| l.href.trim().to_string())
            .filter(|l| !l.is_empty());
        let description = entry
            .content
            .as_ref()
            .and_then(content_body)
            .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
            .map(|d| unwrap_xhtml(&d))
            .filter(|d| !d.trim().is_empty());
        let mut item = RawItem {
            reference: Some(entry.id.trim().to_string()).filter(|r| !r.is_empty()),
            link,
            title: entry.title.as_ref().map(|t| unwrap_xhtml(&t.content)),
            description,
            employer: entry.authors.first().and_then(author_name),
            categories: entry
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                .collect(),
            published: entry.published.map(rfc3339),
            updated: entry.updated.map(rfc3339),
            ..Default::default()
        };
        if let Some(extra) = &extra {
            let base = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| extra.bases.iter().find(|(l, _)| l == n))
                    .map(|(_, b)| b.as_str())
            };
            if let (Some(t), Some(b)) = (item.title.as_deref(), base(&["title"])) {
                item.title = Some(lenient::resolve_in_html(t, b));
            }
            let from_content = entry.content.as_ref().is_some_and(|c| c.body.is_some());
            let names: &[&str] = if from_content {
                &["content"]
            } else {
                &["summary", "description"]
            };
            if let (Some(d), Some(b)) = (item.description.as_deref(), base(names)) {
                item.description = Some(lenient::resolve_in_html(d, b));
            }
            for (field, value) in &extra.fields {
                // Explicit job elements beat the generic author (a WordPress login name).
                let replace = *field == Field::Employer;
                item.set(*field, value, replace);
            }
            if !extra.dates.is_empty() {
                // Our reading of the dates: feed-rs lets the last of pubDate and dc:date win.
                // feed-rs dates an RSS 2.0 item updated when published (not RSS 1.0 ones).
                let copy = format == Format::Rss
                    && entry.updated.is_some()
                    && entry.updated == entry.published;
                let (published, updated) = choose_dates(&extra.dates, now, copy);
                item.published = published;
                item.updated = updated;
            }
        }
        if item.title.as_deref().is_none_or(str::is_empty) {
            warnings.push(format!("{}: no title", item_label(index, &item)));
        }
        // The audit copy: the item's own XML as the partner sent it, else feed-rs's reading.
        item.source = match extra.and_then(|e| text.get(e.span)) {
            Some(xml) => super::xml_source(xml),
            None => serde_json::to_value(&entry).unwrap_or(serde_json::Value::Null),
        };
        items.push(item);
    }
    items
}

/// The lenient reader's items when the strict parser `strict` ("failed (reason)", "read 0 of
/// the 2 items") and read only `read` items: `None` unless it recovers more, its error when the document is cut short.
fn fall_back(
    text: &str,
    ctx: &ParseContext<'_>,
    warnings: &mut Vec<String>,
    strict: &str,
    read: usize,
) -> Result<Option<(Format, Vec<RawItem>)>, ParseError> {
    let l = match lenient::parse(text, ctx) {
        Ok(l) => l,
        Err(e) if e.0.contains("cut short") => return Err(e),
        Err(_) => return Ok(None),
    };
    let Some(format) = l.format.filter(|_| l.items.len() > read) else {
        return Ok(None);
    };
    let forgiven = if l.forgiven.is_empty() {
        String::new()
    } else {
        format!(", forgiving {}", l.forgiven.join(", "))
    };
    warnings.push(format!(
        "the strict feed parser {strict}; the lenient reader recovered {}{forgiven}",
        count(l.items.len())
    ));
    warnings.extend(l.warnings);
    for (index, item) in l.items.iter().enumerate() {
        if item.title.as_deref().is_none_or(str::is_empty) {
            warnings.push(format!("{}: no title", item_label(index, item)));
        }
    }
    Ok(Some((format, l.items)))
}

/// The body of an entry's content: base64 decoded when its type is no text (Atom's
/// `type="application/octet-stream"`), as feed-rs leaves it.
fn content_body(c: &feed_rs::model::Content) -> Option<String> {
    let body = c.body.as_deref()?;
    let ty = c.content_type.as_str();
    let textual = ty.starts_with("text/") || ty.contains("xml") || ty.contains("html");
    if !textual {
        if let Some(decoded) = lenient::decode_base64(body) {
            return Some(decoded);
        }
    }
    Some(body.to_string())
}

/// Atom XHTML text without its `<div xmlns="http://www.w3.org/1999/xhtml">` wrapper.
fn unwrap_xhtml(s: &str) -> String {
    let t = s.trim();
    let head = t.get(..t.find('>').unwrap_or(0)).unwrap_or_default();
    match lenient::unwrap_xhtml_div(t) {
        Some(inner) if head.contains("http://www.w3.org/1999/xhtml") => inner.to_string(),
        _ => t.to_string(),
    }
}

/// An author's name. feed-rs names RSS `<author>` persons "author" and keeps the text as the
/// e-mail: "rh@asso.fr (Association X)" gives "Association X", a bare address gives nothing.
fn author_name(person: &feed_rs::model::Person) -> Option<String> {
    let name = person.name.trim();
    if name == "author" {
        let email = person.email.as_deref()?;
        let open = email.find('(')?;
        let close = email.rfind(')')?;
        return email
            .get(open + 1..close)
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
    }
    Some(name.to_string()).filter(|n| !n.is_empty())
}

/// What the second pass found in one item.
#[derive(Debug, Default)]
struct Extra {
    fields: Vec<(Field, String)>,
    /// (qualified name, text) of its date elements.
    dates: Vec<(String, String)>,
    /// (local name, xml:base) of its children under an `xml:base`.
    bases: Vec<(String, String)>,
    /// Byte range of the item's XML in the text, for the audit copy.
    span: std::ops::Range<usize>,
}

/// Why the second pass stopped.
#[derive(Debug)]
enum Scan {
    /// The document does not end well-formed.
    Truncated(String),
    Xml(String),
}

/// Reads the direct children of every `<item>` / `<entry>` whose qualified name is mapped,
/// and checks that the document ends well-formed.
fn extensions(text: &str, custom: &[(String, Field)]) -> Result<Vec<Extra>, Scan> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut item_depth: Option<usize> = None;
    let mut current: Option<Extra> = None;
    // (qualified name, field or date field, accumulated text) of the child being read.
    let mut child: Option<(String, Option<Field>, bool, String)> = None;
    let mut root: Option<String> = None;
    // The xml:base of each open element, when the document uses xml:base at all.
    let uses_base = text.contains("xml:base");
    let mut bases: Vec<Option<String>> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = reader.buffer_position();
            match e {
                quick_xml::errors::Error::Syntax(e) => Scan::Truncated(format!(
                    "the document is cut short at byte {at} of {}: {e}",
                    text.len()
                )),
                e => Scan::Xml(format!("XML error at byte {at}: {e}")),
            }
        })?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if root.is_none() {
                    root = Some(name.clone());
                }
                if uses_base {
                    let own = e
                        .try_get_attribute("xml:base")
                        .ok()
                        .flatten()
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                    let base =
                        lenient::xml_base(bases.last().and_then(|b| b.as_deref()), own.as_deref());
                    if let (Some(b), Some(cur), true) = (
                        &base,
                        current.as_mut(),
                        item_depth.is_some_and(|d| depth == d + 1),
                    ) {
                        let local = name.rsplit(':').next().unwrap_or(&name).to_string();
                        cur.bases.push((local, b.clone()));
                    }
                    bases.push(base);
                }
                if item_depth.is_none() && lenient::is_item(&name) {
                    item_depth = Some(depth);
                    current = Some(Extra {
                        span: before..before,
                        ..Default::default()
                    });
                } else if item_depth.is_some_and(|d| depth == d + 1) {
                    let field = custom
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, f)| *f)
                        .or_else(|| {
                            WP_JOB_MANAGER
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, f)| *f)
                        });
                    let date = date_kind(&name).is_some();
                    if field.is_some() || date {
                        child = Some((name, field, date, String::new()));
                    }
                }
            }
            Event::Text(t) => {
                // Only the text of a mapped child is wanted: the rest is not decoded.
                if let Some((_, _, _, buf)) = child.as_mut() {
                    if let Ok(s) = t.decode() {
                        buf.push_str(&s);
                    }
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, _, buf)) = child.as_mut() {
                    super::push_entity(buf, &r);
                }
            }
            Event::CData(c) => {
                if let Some((_, _, _, buf)) = child.as_mut() {
                    buf.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::End(_) => {
                if item_depth.is_some_and(|d| depth == d + 1) {
                    if let (Some((name, field, date, text)), Some(cur)) =
                        (child.take(), current.as_mut())
                    {
                        if let Some(f) = field {
                            cur.fields.push((f, text.clone()));
                        }
                        if date {
                            cur.dates.push((name, text));
                        }
                    }
                }
                if item_depth == Some(depth) {
                    item_depth = None;
                    if let Some(mut cur) = current.take() {
                        cur.span.end = reader.buffer_position() as usize;
                        out.push(cur);
                    }
                }
                depth = depth.saturating_sub(1);
                bases.truncate(depth);
            }
            Event::Empty(e)
                if item_depth.is_none()
                    && lenient::is_item(&String::from_utf8_lossy(e.name().as_ref())) =>
            {
                out.push(Extra {
                    span: before..reader.buffer_position() as usize,
                    ..Default::default()
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth > 0 {
        return Err(Scan::Truncated(format!(
            "the document is cut short: it ends ({} bytes) before its root <{}> is closed",
            text.len(),
            root.unwrap_or_default()
        )));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{parse as parse_any, ParseContext, Parsed};
    use super::*;

    fn parse_ok(bytes: &[u8]) -> Parsed {
        parse_any(
            bytes,
            &ParseContext {
                base_url: Some("https://www.exemple-asso.fr/emplois/"),
                ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
            },
        )
        .unwrap()
    }

    #[test]
    fn rss_in_latin1_with_relative_links() {
        let p = parse_ok(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel><title>Offres</title>\n<item><title>Animateur p\xe9riscolaire (H/F)</title><link>offre-12.html</link><guid isPermaLink=\"false\">off-12</guid><pubDate>Tue, 03 Nov 2026 09:30:00 +0100</pubDate><description>&lt;p&gt;Lieu : Villeurbanne&lt;/p&gt;</description></item>\n</channel></rss>");
        assert_eq!(p.format, Some(Format::Rss));
        assert_eq!(p.items.len(), 1);
        let it = &p.items[0];
        assert_eq!(it.title.as_deref(), Some("Animateur périscolaire (H/F)"));
        assert_eq!(
            it.link.as_deref(),
            Some("https://www.exemple-asso.fr/emplois/offre-12.html")
        );
        assert_eq!(it.reference.as_deref(), Some("off-12"));
        assert_eq!(it.published.as_deref(), Some("2026-11-03T08:30:00Z"));
        assert_eq!(
            it.description.as_deref(),
            Some("<p>Lieu : Villeurbanne</p>")
        );
    }

    #[test]
    fn item_without_guid_has_no_reference() {
        let p = parse_ok(b"<rss version=\"2.0\"><channel><item><title>A</title><link>https://a.fr/1</link></item></channel></rss>");
        assert_eq!(p.items[0].reference, None);
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = parse_ok(r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-11-01T10:00:00Z</updated><entry><id>urn:offre:7</id><title>Chargée de mission ESS</title><link href="https://cress.fr/o/7"/><updated>2026-11-02T10:00:00+01:00</updated><author><name>CRESS Bretagne</name></author><summary>Poste à Rennes</summary></entry></feed>"#.as_bytes());
        assert_eq!(atom.format, Some(Format::Atom));
        assert_eq!(atom.items[0].employer.as_deref(), Some("CRESS Bretagne"));
        assert_eq!(
            atom.items[0].updated.as_deref(),
            Some("2026-11-02T09:00:00Z")
        );
        let json = parse_ok(r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"42","url":"https://m.fr/42","title":"Infirmier·e","content_html":"<p>CDI</p>","date_published":"2026-11-04T08:00:00Z"}]}"#.as_bytes());
        assert_eq!(json.format, Some(Format::JsonFeed));
        assert_eq!(json.items[0].title.as_deref(), Some("Infirmier·e"));
        assert_eq!(json.items[0].reference.as_deref(), Some("42"));
    }

    #[test]
    fn missing_title_is_a_warning_not_an_error() {
        let p = parse_ok(b"<rss version=\"2.0\"><channel><item><link>https://a.fr/1</link></item><item><title>B</title></item></channel></rss>");
        assert_eq!(p.items.len(), 2);
        assert_eq!(
            p.warnings,
            vec!["item 1 (https://a.fr/1): no title".to_string()]
        );
    }

    #[test]
    fn wp_job_manager_and_custom_elements_are_read() {
        let xml = r#"<rss version="2.0" xmlns:job_listing="https://wpjobmanager.com" xmlns:emploi="https://cress.example/ns" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<item><title>Animatrice</title><link>https://a.fr/1</link><dc:creator>admin</dc:creator>
<job_listing:location><![CDATA[Lyon (69)]]></job_listing:location>
<job_listing:job_type>CDD</job_listing:job_type>
<job_listing:company>Léo &amp; Lagrange</job_listing:company>
<emploi:lieu>ignored without mapping</emploi:lieu>
<pubDate>32 Brumaire an CCXXXV</pubDate></item>
<item><title>Comptable</title><emploi:contrat>CDI</emploi:contrat></item>
</channel></rss>"#;
        let custom = vec![("emploi:contrat".to_string(), Field::Contract)];
        let p = parse_any(
            xml.as_bytes(),
            &ParseContext {
                elements: &custom,
                ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
            },
        )
        .unwrap();
        let a = &p.items[0];
        assert_eq!(a.location.as_deref(), Some("Lyon (69)"));
        assert_eq!(a.contract.as_deref(), Some("CDD"));
        assert_eq!(a.employer.as_deref(), Some("Léo & Lagrange"));
        assert_eq!(a.published.as_deref(), Some("32 Brumaire an CCXXXV"));
        let xml = a.source["xml"].as_str().unwrap();
        assert!(xml.starts_with("<item><title>Animatrice</title>"), "{xml}");
        assert!(xml.ends_with("</pubDate></item>"), "{xml}");
        assert_eq!(p.items[1].contract.as_deref(), Some("CDI"));
        assert_eq!(p.items[1].location, None);
    }

    #[test]
    fn rss_author_gives_the_name_in_parentheses_only() {
        let p = parse_ok(b"<rss version=\"2.0\"><channel><item><title>A</title><author>rh@asso.fr (Association Trajectoires)</author></item><item><title>B</title><author>rh@asso.fr</author></item></channel></rss>");
        assert_eq!(
            p.items[0].employer.as_deref(),
            Some("Association Trajectoires")
        );
        assert_eq!(p.items[1].employer, None);
    }

    #[test]
    fn french_dates_in_rss_are_understood() {
        let p = parse_ok("<rss version=\"2.0\"><channel><item><title>A</title><pubDate>lun., 16 nov. 2026 10:00:00 +0100</pubDate></item><item><title>B</title><pubDate>2026-11-17 14:30</pubDate></item></channel></rss>".as_bytes());
        assert_eq!(
            p.items[0].published.as_deref(),
            Some("2026-11-16T09:00:00Z")
        );
        assert_eq!(
            p.items[1].published.as_deref(),
            Some("2026-11-17T13:30:00Z")
        );
    }
}
