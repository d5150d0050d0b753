//! The lenient reader of RSS 0.9x-2.0, RDF (RSS 1.0) and Atom 0.3/1.0: what essaim falls back
//! to when feed-rs refuses a feed (or reads fewer items than the document holds) for a fault a
//! liberal parser reads past: `<rss>` without `<channel>`, Atom 0.3, a `type=""` or base64
//! (`type="application/octet-stream"`, `mode="base64"`) title or summary, an unknown content
//! type, mismatched end tags. It walks quick-xml events with an explicit stack (no recursion on
//! partner data), takes every `<item>` / `<entry>` wherever it is, and says what it forgave:
//! feed-level notes for the caller's warning, item-level warnings naming the item.
//!
//! A document that does not end well-formed (its root not closed at the end, the text cut
//! inside an element or a tag) is an error: a truncated export read as complete would close
//! the offers it lost.

use chrono::{DateTime, Utc};
use quick_xml::errors::Error as XmlError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::feeds::{self, item_label, WP_JOB_MANAGER};
use super::{Field, Format, ParseContext, ParseError, RawItem};
use crate::text::dates;

/// What the lenient reader read.
#[derive(Debug, Default)]
pub struct Lenient {
    pub format: Option<Format>,
    pub items: Vec<RawItem>,
    /// Feed-level faults it read past ("the items are outside <channel>").
    pub forgiven: Vec<String>,
    /// Item-level faults, as sentences naming the item.
    pub warnings: Vec<String>,
    /// An RSS 0.9x-2.0 item without an updated date is updated when published (as feed-rs
    /// reads them; not RDF, not Atom).
    copy_published: bool,
}

/// One direct child of an item, as read.
#[derive(Debug, Default)]
struct Child {
    /// Qualified name as written ("content:encoded").
    qname: String,
    /// (qualified name, unescaped value) of its attributes.
    attrs: Vec<(String, String)>,
    /// Its text and its descendants' text, unescaped (CDATA as is).
    text: String,
    /// Byte offset of its content (after the start tag).
    inner_start: usize,
    /// It holds elements (naked markup, XHTML).
    has_elements: bool,
    /// (local name, text) of its direct children: an Atom author's <name>.
    sub: Vec<(String, String)>,
    /// Its `xml:base`, inherited or its own.
    base: Option<String>,
}

impl Child {
    fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.rsplit(':').next() == Some(local))
            .map(|(_, v)| v.as_str())
    }
}

/// One item being read.
#[derive(Debug, Default)]
struct Item {
    start: usize,
    children: Vec<Child>,
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

fn prefix(qname: &str) -> Option<&str> {
    qname.split_once(':').map(|(p, _)| p)
}

/// Whether an element is an RSS item or an Atom entry (unprefixed, or prefixed `atom`/`rss`).
pub(super) fn is_item(qname: &str) -> bool {
    matches!(local(qname), "item" | "entry")
        && prefix(qname).is_none_or(|p| matches!(p, "atom" | "rss" | "rdf"))
}

fn attributes(e: &BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .map(|a| {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = match a.unescape_value() {
                Ok(v) => v.into_owned(),
                Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
            };
            (key, value)
        })
        .collect()
}

/// Reads what it can of an RSS, RDF or Atom document. `Err` when the document is no such
/// feed (another root) or does not end well-formed.
pub fn parse(text: &str, ctx: &ParseContext<'_>) -> Result<Lenient, ParseError> {
    let mut reader = Reader::from_str(text);
    {
        let c = reader.config_mut();
        c.trim_text(false);
        c.check_end_names = false;
        c.allow_unmatched_ends = true;
        c.allow_dangling_amp = true;
        c.check_comments = false;
    }
    let mut out = Lenient::default();
    // Names of the open elements.
    let mut stack: Vec<String> = Vec::new();
    // The xml:base of each open element.
    let mut bases: Vec<Option<String>> = Vec::new();
    // How many elements of each name are open.
    let mut open: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    // Depth (stack length) of the open item and the item.
    let mut item: Option<(usize, Item)> = None;
    // The open child of the item.
    let mut child: Option<Child> = None;
    // Text of the open grandchild (depth item + 2).
    let mut grand: Option<(String, String)> = None;
    let mut root: Option<String> = None;
    let mut mismatched: Vec<String> = Vec::new();
    let mut outside_channel = false;
    let mut errors: Vec<String> = Vec::new();
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(XmlError::Syntax(e)) => {
                return Err(ParseError(format!(
                    "the document is cut short at byte {before} of {}: {e}",
                    text.len()
                )));
            }
            Err(e) => {
                let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                errors.push(format!("{e} at byte {before}"));
                if after <= before || errors.len() > 1000 {
                    return Err(ParseError(format!(
                        "the document cannot be read past byte {before}: {e}"
                    )));
                }
                continue;
            }
        };
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if root.is_none() {
                    let l = local(&qname);
                    if !matches!(l, "rss" | "RDF" | "feed" | "channel") {
                        return Err(ParseError(format!(
                            "the root element <{qname}> is no RSS, RDF or Atom feed"
                        )));
                    }
                    out.copy_published = matches!(l, "rss" | "channel");
                    out.format = Some(if l == "feed" {
                        Format::Atom
                    } else {
                        Format::Rss
                    });
                    let attrs = attributes(&e);
                    if l == "feed"
                        && attrs.iter().any(|(k, v)| {
                            (k == "version" && v == "0.3")
                                || (k.starts_with("xmlns") && v.contains("purl.org/atom/ns"))
                        })
                    {
                        out.forgiven.push("Atom 0.3".into());
                    }
                    root = Some(qname.clone());
                }
                let depth = stack.len() + 1;
                let attrs = attributes(&e);
                let base = xml_base(
                    bases.last().and_then(|b| b.as_deref()),
                    attrs
                        .iter()
                        .find(|(k, _)| k == "xml:base")
                        .map(|(_, v)| v.as_str()),
                );
                match item.as_mut() {
                    None if is_item(&qname) => {
                        if stack.len() == 1 && local(&stack[0]) == "rss" {
                            outside_channel = true;
                        }
                        item = Some((
                            depth,
                            Item {
                                start: before,
                                ..Default::default()
                            },
                        ));
                    }
                    None => {}
                    Some((d, _)) if depth == *d + 1 => {
                        child = Some(Child {
                            qname: qname.clone(),
                            attrs,
                            base: base.clone(),
                            inner_start: usize::try_from(reader.buffer_position())
                                .unwrap_or(usize::MAX),
                            ..Default::default()
                        });
                    }
                    Some((d, _)) => {
                        if let Some(c) = child.as_mut() {
                            c.has_elements = true;
                            if depth == *d + 2 {
                                grand = Some((local(&qname).to_string(), String::new()));
                            }
                        }
                    }
                }
                if !empty {
                    *open.entry(qname.clone()).or_insert(0) += 1;
                }
                stack.push(qname);
                bases.push(base);
                if empty {
                    bases.pop();
                    close_top(
                        &mut stack,
                        &mut item,
                        &mut child,
                        &mut grand,
                        text,
                        before,
                        usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX),
                        ctx,
                        &mut out,
                    );
                }
            }
            Event::End(e) => {
                let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                // `open` says at once whether an end tag closes anything (a search of the stack
                // for every stray end tag would make hostile input quadratic); the search then
                // costs what it closes.
                let closes = if open.get(&qname).is_some_and(|n| *n > 0) {
                    stack.iter().rposition(|n| *n == qname)
                } else {
                    None
                };
                match closes {
                    Some(at) => {
                        if at + 1 != stack.len() {
                            if let Some(top) = stack.last() {
                                mismatched.push(format!("<{top}> closed by </{qname}>"));
                            }
                        }
                        while stack.len() > at {
                            if let Some(n) = stack.last().and_then(|top| open.get_mut(top)) {
                                *n = n.saturating_sub(1);
                            }
                            close_top(
                                &mut stack, &mut item, &mut child, &mut grand, text, before, end,
                                ctx, &mut out,
                            );
                        }
                        bases.truncate(stack.len());
                    }
                    None => match stack.last() {
                        Some(top) => mismatched.push(format!("</{qname}> where <{top}> is open")),
                        None => mismatched.push(format!("</{qname}> after the root")),
                    },
                }
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map(|s| s.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                push_text(&mut child, &mut grand, &s);
            }
            Event::CData(c) => {
                push_text(&mut child, &mut grand, &String::from_utf8_lossy(&c));
            }
            Event::GeneralRef(r) => {
                let mut s = String::new();
                super::push_entity(&mut s, &r);
                push_text(&mut child, &mut grand, &s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.first() {
        return Err(ParseError(format!(
            "the document is cut short: it ends ({} bytes) before its root <{open}> is closed{}",
            text.len(),
            match stack.last() {
                Some(last) if stack.len() > 1 => format!(", inside <{last}>"),
                _ => String::new(),
            }
        )));
    }
    if root.is_none() {
        return Err(ParseError("no RSS, RDF or Atom root element".into()));
    }
    if outside_channel {
        out.forgiven.push("items outside <channel>".into());
    }
    if let Some(first) = mismatched.first() {
        out.forgiven.push(format!(
            "{} mismatched end tag{} ({first})",
            mismatched.len(),
            if mismatched.len() > 1 { "s" } else { "" }
        ));
    }
    if let Some(first) = errors.first() {
        out.forgiven.push(format!(
            "{} XML error{} skipped ({first})",
            errors.len(),
            if errors.len() > 1 { "s" } else { "" }
        ));
    }
    Ok(out)
}

fn push_text(child: &mut Option<Child>, grand: &mut Option<(String, String)>, s: &str) {
    if let Some(c) = child.as_mut() {
        c.text.push_str(s);
    }
    if let Some((_, g)) = grand.as_mut() {
        g.push_str(s);
    }
}

/// Closes the innermost open element, `end_tag` being where its end tag starts and `end`
/// where it ends.
#[allow(clippy::too_many_arguments)]
fn close_top(
    stack: &mut Vec<String>,
    item: &mut Option<(usize, Item)>,
    child: &mut Option<Child>,
    grand: &mut Option<(String, String)>,
    text: &str,
    end_tag: usize,
    end: usize,
    ctx: &ParseContext<'_>,
    out: &mut Lenient,
) {
    let depth = stack.len();
    stack.pop();
    let Some((item_depth, it)) = item.as_mut() else {
        return;
    };
    if depth == *item_depth + 2 {
        if let (Some(g), Some(c)) = (grand.take(), child.as_mut()) {
            c.sub.push(g);
        }
    } else if depth == *item_depth + 1 {
        if let Some(mut c) = child.take() {
            if c.has_elements {
                // Naked markup: the inner XML as written.
                let inner = text.get(c.inner_start..end_tag).unwrap_or_default();
                c.text = inner.to_string();
            }
            it.children.push(c);
        }
    } else if depth == *item_depth {
        let (_, it) = match item.take() {
            Some(i) => i,
            None => return,
        };
        let source = text.get(it.start..end).unwrap_or_default();
        let index = out.items.len();
        let (raw, notes) = build(&it.children, ctx, out.copy_published);
        let mut raw = raw;
        raw.source = super::xml_source(source);
        if !notes.is_empty() {
            out.warnings
                .push(format!("{}: {}", item_label(index, &raw), notes.join("; ")));
        }
        out.items.push(raw);
    }
}

/// The value of a text construct: base64 decoded, XHTML unwrapped, naked markup as written,
/// else the text; and what was forgiven.
fn value(c: &Child) -> (String, Option<String>) {
    let name = local(&c.qname);
    let mode = c.attr("mode").map(str::trim).map(str::to_ascii_lowercase);
    let ty = c.attr("type").map(str::trim).map(str::to_ascii_lowercase);
    let textual = |t: &str| {
        matches!(t, "text" | "html" | "xhtml")
            || t.starts_with("text/")
            || t.contains("xml")
            || t.contains("html")
    };
    let base64 = mode.as_deref() == Some("base64")
        || ty.as_deref().is_some_and(|t| {
            !t.is_empty() && !textual(t) && !c.has_elements && c.attr("src").is_none()
        });
    if base64 {
        return match decode_base64(&c.text) {
            Some(s) => (
                s,
                Some(format!(
                    "<{name}> decoded from base64 ({})",
                    match (&ty, &mode) {
                        (Some(t), _) if !t.is_empty() => format!("type=\"{t}\""),
                        _ => "mode=\"base64\"".to_string(),
                    }
                )),
            ),
            None => (
                c.text.trim().to_string(),
                Some(format!(
                    "<{name}> of type {:?} is not base64: read as text",
                    ty.unwrap_or_default()
                )),
            ),
        };
    }
    let note = match ty.as_deref() {
        Some("") => Some(format!("<{name}> with type=\"\" read as text")),
        Some(t) if !textual(t) => Some(format!("<{name}> of unknown type \"{t}\" read as text")),
        _ => None,
    };
    if c.has_elements {
        let inner = c.text.trim();
        let xhtml = ty
            .as_deref()
            .is_some_and(|t| t == "xhtml" || t.contains("xhtml"))
            || mode.as_deref() == Some("xml");
        if xhtml {
            if let Some(unwrapped) = unwrap_xhtml_div(inner) {
                return (unwrapped.to_string(), note);
            }
        }
        return (inner.to_string(), note);
    }
    (c.text.trim().to_string(), note)
}

/// The content of Atom's XHTML wrapper `<div xmlns="http://www.w3.org/1999/xhtml">...</div>`.
pub(super) fn unwrap_xhtml_div(s: &str) -> Option<&str> {
    let s = s.trim();
    if !s.starts_with("<div") || !s.ends_with("</div>") {
        return None;
    }
    let open = s.find('>')?;
    let close = s.len() - "</div>".len();
    (open < close).then(|| s[open + 1..close].trim())
}

/// [`value`] with relative URLs in markup resolved against the element's `xml:base`.
fn based_value(c: &Child) -> (String, Option<String>) {
    let (v, note) = value(c);
    match c.base.as_deref() {
        Some(base) => (resolve_in_html(&v, base), note),
        None => (v, note),
    }
}

/// Standard base64 (white space ignored, padding optional); `None` unless it decodes to UTF-8.
pub(super) fn decode_base64(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0u32;
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b if b.is_ascii_whitespace() => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(((bits >> n) & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}

/// A RawItem from the children of one item, and what was forgiven in it.
fn build(
    children: &[Child],
    ctx: &ParseContext<'_>,
    copy_published: bool,
) -> (RawItem, Vec<String>) {
    let mut item = RawItem::default();
    let mut notes = Vec::new();
    let mut content: Option<String> = None;
    let mut summary: Option<String> = None;
    let mut links: Vec<(String, String)> = Vec::new();
    let mut dates: Vec<(String, String)> = Vec::new();
    let mut employer: Option<String> = None;
    for c in children {
        let q = c.qname.as_str();
        if feeds::date_kind(q).is_some() {
            dates.push((q.to_string(), c.text.trim().to_string()));
            continue;
        }
        if let Some(field) = ctx
            .elements
            .iter()
            .find(|(n, _)| n == q)
            .map(|(_, f)| *f)
            .or_else(|| {
                WP_JOB_MANAGER
                    .iter()
                    .find(|(n, _)| *n == q)
                    .map(|(_, f)| *f)
            })
        {
            item.set(field, &c.text, field == Field::Employer);
            continue;
        }
        let standard = prefix(q).is_none_or(|p| matches!(p, "atom" | "rss"));
        match (local(q), standard) {
            ("title", true) if item.title.is_none() => {
                let (v, note) = based_value(c);
                notes.extend(note);
                item.set(Field::Title, &v, false);
            }
            ("link", true) => {
                if let Some(href) = c.attr("href") {
                    let rel = c.attr("rel").unwrap_or("alternate").trim().to_string();
                    let href = href.trim();
                    let href = match c.base.as_deref() {
                        Some(base) => absolute(href, Some(base)),
                        None => href.to_string(),
                    };
                    links.push((rel, href));
                } else if !c.text.trim().is_empty() {
                    links.push(("alternate".into(), c.text.trim().to_string()));
                }
            }
            ("guid" | "id", true) => item.set(Field::Reference, &c.text, false),
            ("content", true) | ("encoded", false)
                if content.is_none() && (standard || prefix(q) == Some("content")) =>
            {
                let (v, note) = based_value(c);
                notes.extend(note);
                content = Some(v).filter(|v| !v.is_empty());
            }
            ("description" | "summary" | "tagline", true) if summary.is_none() => {
                let (v, note) = based_value(c);
                notes.extend(note);
                summary = Some(v).filter(|v| !v.is_empty());
            }
            ("author", true) if employer.is_none() => {
                employer = match c.sub.iter().find(|(n, _)| n == "name") {
                    Some((_, name)) => Some(name.trim().to_string()),
                    None => rss_author_name(&c.text),
                }
                .filter(|n| !n.is_empty());
            }
            ("creator", false) if employer.is_none() && prefix(q) == Some("dc") => {
                employer = Some(c.text.trim().to_string()).filter(|n| !n.is_empty());
            }
            ("category", true) => {
                let v = c
                    .attr("label")
                    .or_else(|| c.attr("term"))
                    .unwrap_or(&c.text)
                    .trim()
                    .to_string();
                if !v.is_empty() {
                    item.categories.push(v);
                }
            }
            _ => {}
        }
    }
    item.link = links
        .iter()
        .find(|(rel, _)| rel == "alternate")
        .or_else(|| links.first())
        .map(|(_, href)| absolute(href, ctx.base_url))
        .filter(|l| !l.is_empty());
    item.description = content.or(summary);
    if item.employer.is_none() {
        item.employer = employer;
    }
    let (published, updated) = feeds::choose_dates(&dates, ctx.now, copy_published);
    item.published = published;
    item.updated = updated;
    (item, notes)
}

/// A JSON Feed feed-rs refused (a `"version": "1.1"` instead of the URL, no feed title...):
/// its items and what was forgiven, `None` unless the JSON is an object with an `items` array
/// and a `version` naming JSON Feed or a bare version number.
pub fn json_feed(text: &str, now: DateTime<Utc>) -> Option<(Vec<RawItem>, String)> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let version = doc.get("version")?.as_str()?;
    let bare = version.trim().starts_with('1');
    if !(version.contains("jsonfeed.org") || bare) {
        return None;
    }
    let list = doc.get("items")?.as_array()?;
    let s = |v: &serde_json::Value, k: &str| -> Option<String> {
        match v.get(k)? {
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
        .filter(|s| !s.is_empty())
    };
    let date = |v: &serde_json::Value, k: &str| {
        s(v, k).map(|raw| dates::parse_date(&raw, now).map_or(raw, crate::model::rfc3339))
    };
    let items = list
        .iter()
        .filter(|v| v.is_object())
        .map(|v| {
            let author = v
                .get("authors")
                .and_then(|a| a.get(0))
                .or_else(|| v.get("author"))
                .and_then(|a| s(a, "name"));
            RawItem {
                reference: s(v, "id"),
                link: s(v, "url").or_else(|| s(v, "external_url")),
                title: s(v, "title"),
                description: s(v, "content_html")
                    .or_else(|| s(v, "content_text"))
                    .or_else(|| s(v, "summary")),
                employer: author,
                categories: v
                    .get("tags")
                    .and_then(|t| t.as_array())
                    .map(|t| {
                        t.iter()
                            .filter_map(|t| t.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                published: date(v, "date_published"),
                updated: date(v, "date_modified"),
                source: v.clone(),
                ..Default::default()
            }
        })
        .collect();
    let forgiven = if bare {
        format!(", forgiving the version \"{version}\" (not the JSON Feed URL)")
    } else {
        String::new()
    };
    Some((items, forgiven))
}

/// `xml:base` of an element given its parent's base: the attribute resolved against the parent.
pub(super) fn xml_base(parent: Option<&str>, attr: Option<&str>) -> Option<String> {
    let Some(attr) = attr.map(str::trim).filter(|a| !a.is_empty()) else {
        return parent.map(str::to_string);
    };
    if let Ok(u) = url::Url::parse(attr) {
        return Some(u.to_string());
    }
    parent
        .and_then(|p| url::Url::parse(p).ok())
        .and_then(|p| p.join(attr).ok())
        .map(|u| u.to_string())
        .or_else(|| parent.map(str::to_string))
}

/// HTML with its relative `href` and `src` attribute values resolved against `base` (the
/// element's `xml:base`), so that they are not later read against another base.
pub(super) fn resolve_in_html(html: &str, base: &str) -> String {
    let Ok(base) = url::Url::parse(base) else {
        return html.to_string();
    };
    if !html.contains('<') {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    // Copied up to here; one pass over the '=' signs.
    let mut done = 0;
    for (eq, _) in html.match_indices('=') {
        if eq < done {
            continue;
        }
        let name = &html[..eq];
        if !(name.ends_with("href") || name.ends_with("src")) {
            continue;
        }
        let tail = &html[eq + 1..];
        let Some(quote) = tail.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(end) = tail[1..].find(quote) else {
            break;
        };
        let value = &tail[1..1 + end];
        if url::Url::parse(value).is_ok() || value.starts_with('#') {
            continue;
        }
        let Ok(resolved) = base.join(value) else {
            continue;
        };
        out.push_str(&html[done..eq + 2]);
        out.push_str(resolved.as_str());
        done = eq + 2 + end;
    }
    out.push_str(&html[done..]);
    out
}

/// "rh@asso.fr (Association X)" gives "Association X"; a bare address gives nothing.
fn rss_author_name(text: &str) -> Option<String> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    text.get(open + 1..close).map(|n| n.trim().to_string())
}

fn absolute(link: &str, base: Option<&str>) -> String {
    if url::Url::parse(link).is_ok() {
        return link.to_string();
    }
    base.and_then(|b| url::Url::parse(b).ok())
        .and_then(|b| b.join(link).ok())
        .map_or_else(|| link.to_string(), |u| u.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> ParseContext<'static> {
        ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(
            decode_base64("RW50cnkgVGl0bGU=").as_deref(),
            Some("Entry Title")
        );
        assert_eq!(
            decode_base64("PHA+RW50cnkgU3VtbWFyeTwvcD4=\n").as_deref(),
            Some("<p>Entry Summary</p>")
        );
        assert_eq!(decode_base64("pas du base64 !"), None);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut doc = String::from("<rss><channel><item><title>Animateur</title><description>");
        for _ in 0..100_000 {
            doc.push_str("<div>");
        }
        for _ in 0..100_000 {
            doc.push_str("</div>");
        }
        doc.push_str("</description></item></channel></rss>");
        let l = parse(&doc, &ctx()).unwrap();
        assert_eq!(l.items.len(), 1);
        assert_eq!(l.items[0].title.as_deref(), Some("Animateur"));
    }

    #[test]
    fn relative_urls_resolve_against_the_base() {
        let base = "https://emplois.example/offres/";
        assert_eq!(
            resolve_in_html(
                "<a href=\"fiche.pdf\">fiche</a> <img src='/logo.png'> <a href=\"#haut\">haut</a> \
                 <a href=\"https://autre.example/\">x</a> data=\"y\"",
                base
            ),
            "<a href=\"https://emplois.example/offres/fiche.pdf\">fiche</a> \
             <img src='https://emplois.example/logo.png'> <a href=\"#haut\">haut</a> \
             <a href=\"https://autre.example/\">x</a> data=\"y\""
        );
        assert_eq!(resolve_in_html("sans lien", base), "sans lien");
        assert_eq!(resolve_in_html("<a href=\"x", base), "<a href=\"x");
    }

    #[test]
    fn stray_end_tags_stay_linear() {
        let mut doc = String::from("<rss><channel><item><title>Animateur</title><description>");
        for _ in 0..50_000 {
            doc.push_str("<b>");
        }
        for _ in 0..50_000 {
            doc.push_str("</i>");
        }
        doc.push_str("</description></item></channel></rss>");
        let l = parse(&doc, &ctx()).unwrap();
        assert_eq!(l.items.len(), 1);
        assert!(
            l.forgiven
                .iter()
                .any(|f| f.starts_with("50001 mismatched end tags")),
            "{:?}",
            l.forgiven
        );
    }

    #[test]
    fn truncated_documents_are_errors() {
        for doc in [
            "<rss><channel><item><title>Animateur</title></item><item><title>Coordinat",
            "<rss><channel><item><title>Animateur</title></item></channel>",
            "<feed><entry><title>A</title></entry><entry><tit",
        ] {
            let e = parse(doc, &ctx()).unwrap_err().0;
            assert!(e.contains("cut short"), "{doc}: {e}");
        }
    }
}
