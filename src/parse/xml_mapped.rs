//! Home-made and aggregator XML (`<source><job>`, `<jobs><job>`, `<offers><offer>`,
//! `<source><mission>`): each item element is read into a small tree, then every field is
//! taken from it by the feed's [`Mapping`] (element paths, `@attribute`, `a|b` alternatives,
//! `=constant`). Presets give the mappings of Indeed-style XML and of api-engagement missions,
//! so a new partner format needs configuration, not code.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::{Field, Format, Mapping, ParseError, RawItem};

/// The mapping a format implies, before the feed's own `[feed.mapping]` overrides it.
pub fn preset(format: Format) -> Option<Mapping> {
    let fields: &[(Field, &str)] = match format {
        // Indeed, and the same shape at Jooble, Careerjet, Jobrapido (`<job id>`, `pubdate`,
        // `expire`, `location/city`, `contract_type`, `working_hours`...).
        Format::Indeed => &[
            (Field::Reference, "referencenumber|requisitionid|@id|id"),
            (Field::Title, "title"),
            (Field::Link, "url|link"),
            (Field::Published, "date|pubdate|publishdate|date_posted"),
            (Field::Updated, "updated|lastupdate"),
            (
                Field::ValidThrough,
                "expire|expirydate|expiration_date|enddate",
            ),
            (Field::Employer, "company|company_name|employer"),
            (Field::Location, "location"),
            (Field::City, "city|location/city"),
            (Field::Region, "state|region|location/region"),
            (
                Field::Postcode,
                "postalcode|postcode|zipcode|location/postalcode",
            ),
            (Field::Description, "description"),
            (Field::Salary, "salary"),
            (Field::Contract, "jobtype|contract_type|job_type|contract"),
            (Field::WorkingTime, "working_hours|jobtype|job_type"),
            (Field::Sector, "category|sector"),
            (Field::Remote, "remote|remotetype"),
        ],
        Format::ApiEngagement => &[
            (Field::Reference, "clientId|@id|id"),
            (Field::Title, "title"),
            (Field::Description, "description"),
            (Field::Link, "applicationUrl|url"),
            (Field::ApplyUrl, "applicationUrl"),
            (Field::Published, "postedAt|publishedAt|createdAt"),
            (Field::Updated, "updatedAt"),
            (Field::StartDate, "startAt"),
            (Field::City, "addresses/address/city|city"),
            (Field::Postcode, "addresses/address/postalCode|postalCode"),
            (
                Field::Department,
                "addresses/address/departmentCode|departmentCode",
            ),
            (Field::Region, "addresses/address/region|region"),
            (Field::Employer, "organizationName"),
            (
                Field::EmployerType,
                "organizationType|organizationStatusJuridique",
            ),
            (Field::Sector, "domain"),
            (Field::Remote, "remote"),
        ],
        _ => return None,
    };
    let items = match format {
        Format::Indeed => "job",
        _ => "mission",
    };
    Some(Mapping {
        items: items.into(),
        fields: fields.iter().map(|(f, p)| (*f, p.to_string())).collect(),
        ..Mapping::default()
    })
}

/// Qualified name of the root element ("rss", "feed", "rdf:RDF", "source"), or "!DOCTYPE".
pub fn root_name(text: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            Event::DocType(_) => return Some("!DOCTYPE".into()),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// How deep an item's tree is kept: elements nested deeper inside an item are not built into
/// the tree (their text goes to their ancestor at this depth, and the item gets a warning).
/// Building, converting and dropping the tree therefore never recurse deeper than this,
/// whatever the partner nests (5,000 `<div>`s in a description once overflowed the stack).
/// Real items nest three or four levels; 32 keeps the JSON of `source` well below
/// serde_json's own nesting limit of 128 when it is read back.
pub const MAX_ITEM_DEPTH: usize = 32;

/// One element of an item, read whole.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn open(e: &BytesStart<'_>) -> Node {
        let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let attrs = e
            .attributes()
            .flatten()
            .map(|a| {
                let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                let value = a
                    .unescape_value()
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
                (key, value)
            })
            .collect();
        Node {
            name,
            attrs,
            ..Default::default()
        }
    }

    /// The text at `path`: `a/b/c`, `a/@attr`, `@attr`, `.` for the item's own text.
    fn get(&self, path: &str) -> Option<String> {
        let mut node = self;
        let mut segments = path.split('/').filter(|s| !s.is_empty()).peekable();
        while let Some(seg) = segments.next() {
            if let Some(attr) = seg.strip_prefix('@') {
                return node
                    .attrs
                    .iter()
                    .find(|(k, _)| k == attr)
                    .map(|(_, v)| v.trim().to_string())
                    .filter(|v| !v.is_empty());
            }
            if seg == "." {
                continue;
            }
            node = node.children.iter().find(|c| c.name == seg)?;
            if segments.peek().is_none() {
                break;
            }
        }
        Some(node.text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// The values of every element (or attribute) `path` matches, in document order.
    fn get_all(&self, path: &str) -> Vec<String> {
        let mut frontier: Vec<&Node> = vec![self];
        for seg in path.split('/').filter(|s| !s.is_empty() && *s != ".") {
            if let Some(attr) = seg.strip_prefix('@') {
                return frontier
                    .iter()
                    .filter_map(|n| n.attrs.iter().find(|(k, _)| k == attr))
                    .map(|(_, v)| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
            }
            frontier = frontier
                .iter()
                .flat_map(|n| n.children.iter().filter(|c| c.name == seg))
                .collect();
        }
        frontier
            .iter()
            .map(|n| n.text.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn to_json(&self) -> Value {
        if self.children.is_empty() && self.attrs.is_empty() {
            return Value::String(self.text.trim().to_string());
        }
        let mut map = Map::new();
        for (k, v) in &self.attrs {
            map.insert(format!("@{k}"), Value::String(v.clone()));
        }
        let text = self.text.trim();
        if !text.is_empty() {
            map.insert("#text".into(), Value::String(text.to_string()));
        }
        for c in &self.children {
            let v = c.to_json();
            match map.get_mut(&c.name) {
                Some(Value::Array(list)) => list.push(v),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, v]);
                }
                None => {
                    map.insert(c.name.clone(), v);
                }
            }
        }
        Value::Object(map)
    }
}

/// Evaluates one mapping expression on an item.
fn evaluate(node: &Node, expr: &str) -> Option<String> {
    if let Some(constant) = expr.strip_prefix('=') {
        return Some(constant.to_string()).filter(|c| !c.is_empty());
    }
    // `a|b`: the first present; `a+b`: every present one, joined; `path[*]`: every element
    // the path matches ("contract/types/type[*]": "CDI, Alternance").
    expr.split('|').find_map(|alt| {
        let parts: Vec<String> = alt
            .split('+')
            .filter_map(|part| {
                let part = part.trim();
                match part.strip_suffix("[*]") {
                    Some(path) => {
                        let all = node.get_all(path);
                        (!all.is_empty()).then(|| all.join(", "))
                    }
                    None => node.get(part),
                }
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    })
}

pub fn parse(
    text: &str,
    mapping: &Mapping,
    warnings: &mut Vec<String>,
) -> Result<Vec<RawItem>, ParseError> {
    let wanted: Vec<&str> = mapping.items.split('/').filter(|s| !s.is_empty()).collect();
    let anywhere = wanted.len() == 1;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    // Elements open below `MAX_ITEM_DEPTH` inside the current item, not built into its tree.
    let mut flattened = 0usize;
    // The current item nests deeper than `MAX_ITEM_DEPTH`.
    let mut too_deep = false;
    let mut items = Vec::new();
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.buffer_position();
                if let quick_xml::Error::Syntax(syntax) = &e {
                    // Every syntax error is the input ending inside markup (a tag, a CDATA
                    // section, a comment): the body was cut short.
                    return Err(ParseError(format!(
                        "the document ends at byte {at} inside markup ({syntax}; {} complete \
                         items read before): a body cut short is not read",
                        items.len()
                    )));
                }
                if items.is_empty() {
                    return Err(ParseError(format!("not well-formed XML at byte {at}: {e}")));
                }
                warnings.push(format!(
                    "XML error at byte {at} after item {}: {e}; the items before it are kept",
                    items.len()
                ));
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                path.push(local);
                if stack.len() >= MAX_ITEM_DEPTH {
                    flattened += 1;
                    too_deep = true;
                } else if !stack.is_empty() || matches_items(&path, &wanted, anywhere) {
                    stack.push(Node::open(&e));
                }
            }
            Event::Empty(e) => {
                if stack.len() >= MAX_ITEM_DEPTH {
                    too_deep = true;
                } else if !stack.is_empty() {
                    let node = Node::open(&e);
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                } else {
                    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    path.push(local);
                    if matches_items(&path, &wanted, anywhere) {
                        items.push(build_item(&Node::open(&e), mapping, items.len(), warnings));
                    }
                    path.pop();
                }
            }
            Event::Text(t) => {
                if let (Some(top), Ok(s)) = (stack.last_mut(), t.decode()) {
                    top.text.push_str(&s);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    super::push_entity(&mut top.text, &r);
                }
            }
            Event::End(_) => {
                path.pop();
                if flattened > 0 {
                    flattened -= 1;
                    continue;
                }
                if let Some(node) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => {
                            let item = build_item(&node, mapping, items.len(), warnings);
                            if std::mem::take(&mut too_deep) {
                                warnings.push(format!(
                                    "item {} ({}): elements nested more than {MAX_ITEM_DEPTH} \
                                     deep; the deeper ones were read as text of the element \
                                     at that depth",
                                    items.len() + 1,
                                    item_name(&item)
                                ));
                            }
                            items.push(item);
                        }
                    }
                }
            }
            Event::Eof => {
                if let Some(open) = path.first() {
                    // The text ended inside an element: the body was cut short (or never
                    // closed its root). What was read is not the partner's whole list, and
                    // reading it as complete would close the offers it lacks.
                    let at = text.len();
                    return Err(ParseError(format!(
                        "the document ends at byte {at} inside <{open}> ({} elements not \
                         closed, {} complete items read before): a body cut short is not \
                         read",
                        path.len(),
                        items.len()
                    )));
                }
                break;
            }
            _ => {}
        }
    }
    if items.is_empty() {
        let root = root_name(text).unwrap_or_else(|| "?".into());
        warnings.push(format!(
            "no <{}> items found under <{root}>; check [feed.mapping] items",
            mapping.items
        ));
    }
    Ok(items)
}

/// What a document holds where a mapping looked for its items, to tell an empty export from
/// one whose shape is not the mapping's (see [`shape`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// Qualified name of the root element ("?" when the document has none).
    pub root: String,
    /// The element path holding the items: the items path without its last step, or the
    /// root's own name for a one-name path.
    pub container: Vec<String>,
    /// The container was found where the path says.
    pub container_found: bool,
    /// The container's child elements: name and count, in order of first appearance.
    pub children: Vec<(String, usize)>,
    /// The root's child elements, likewise.
    pub root_children: Vec<(String, usize)>,
    /// Some child of the container is a record: it has attributes or child elements, or its
    /// name repeats. A container whose children are all single leaves (`<publisher>`,
    /// `<lastBuildDate>`) holds no offer and no record: an empty export.
    pub records: bool,
}

impl Shape {
    /// True when the document is an empty export: its container is there and holds no
    /// record, so finding no item is "no offers now", not a shape the mapping does not know.
    pub fn is_empty_export(&self) -> bool {
        self.container_found && !self.records
    }

    /// The child the container (else the root) holds most, as an items path to suggest
    /// (`offres/offre`).
    pub fn suggested_items(&self) -> Option<String> {
        let (parent, children) = if self.container_found {
            (self.container.join("/"), &self.children)
        } else {
            (local(&self.root).to_string(), &self.root_children)
        };
        let mut best: Option<&(String, usize)> = None;
        for c in children {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
        best.map(|(name, _)| format!("{parent}/{name}"))
    }

    /// "root element is <offres>, which holds 12 <offre>": where the items were looked for.
    pub fn describe(&self) -> String {
        let root_is_container = self.container.len() <= 1;
        let mut text = format!("root element is <{}>", self.root);
        if self.container_found && !root_is_container {
            text.push_str(&format!(
                "; <{}> holds {}",
                self.container.join("/"),
                list_children(&self.children)
            ));
        } else {
            text.push_str(&format!(
                ", which holds {}",
                list_children(&self.root_children)
            ));
        }
        text
    }
}

/// "12 <offre>, 1 <meta>", or "nothing".
fn list_children(children: &[(String, usize)]) -> String {
    const SHOWN: usize = 4;
    if children.is_empty() {
        return "nothing".into();
    }
    let mut parts: Vec<String> = children
        .iter()
        .take(SHOWN)
        .map(|(name, n)| format!("{n} <{name}>"))
        .collect();
    if children.len() > SHOWN {
        parts.push(format!("{} other kinds of element", children.len() - SHOWN));
    }
    parts.join(", ")
}

/// The local part of a qualified name.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Counts one more child named `name`.
fn count_child(children: &mut Vec<(String, usize)>, name: &str) {
    match children.iter_mut().find(|(n, _)| n == name) {
        Some((_, count)) => *count += 1,
        None => children.push((name.to_string(), 1)),
    }
}

/// Reads what the document holds where `items_path` looks for items (a path from the root,
/// or one element name found at any depth, whose container is then the root). Stops at the
/// first XML error, with what it read so far.
pub fn shape(text: &str, items_path: &str) -> Shape {
    let wanted: Vec<&str> = items_path.split('/').filter(|s| !s.is_empty()).collect();
    let mut shape = Shape {
        root: "?".into(),
        container: wanted
            .iter()
            .take(wanted.len().saturating_sub(1))
            .map(|s| s.to_string())
            .collect(),
        ..Default::default()
    };
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut seen_root = false;
    loop {
        let (start, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(_)) => {
                path.pop();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        if !seen_root {
            seen_root = true;
            shape.root = String::from_utf8_lossy(start.name().as_ref()).into_owned();
            if shape.container.is_empty() {
                shape.container.push(name.clone());
            }
        }
        path.push(name);
        let depth = path.len();
        let clen = shape.container.len();
        if depth == 2 {
            count_child(&mut shape.root_children, &path[1]);
        }
        if depth >= clen && path[..clen] == shape.container[..] {
            if depth == clen {
                shape.container_found = true;
            } else if depth == clen + 1 {
                count_child(&mut shape.children, &path[clen]);
                if start.attributes().next().is_some() {
                    shape.records = true;
                }
            } else if depth == clen + 2 {
                shape.records = true;
            }
        }
        if empty {
            path.pop();
        }
    }
    if shape.children.iter().any(|(_, n)| *n > 1) {
        shape.records = true;
    }
    shape
}

fn matches_items(path: &[String], wanted: &[&str], anywhere: bool) -> bool {
    if anywhere {
        path.last().map(String::as_str) == wanted.first().copied()
    } else {
        path.len() == wanted.len() && path.iter().zip(wanted).all(|(a, b)| a == b)
    }
}

fn build_item(node: &Node, mapping: &Mapping, index: usize, warnings: &mut Vec<String>) -> RawItem {
    let mut item = RawItem::default();
    for (field, expr) in &mapping.fields {
        if let Some(value) = evaluate(node, expr) {
            item.set(*field, &value, false);
        }
    }
    if item.title.is_none() {
        warnings.push(format!(
            "item {} ({}): no title",
            index + 1,
            item_name(&item)
        ));
    }
    item.source = node.to_json();
    item
}

/// How warnings name an item: its link, else its reference.
fn item_name(item: &RawItem) -> &str {
    item.link
        .as_deref()
        .or(item.reference.as_deref())
        .unwrap_or("no link")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const INDEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<source>
<publisher>Coopérer pour l'emploi</publisher>
<publisherurl>https://cooperer.example</publisherurl>
<job>
<title><![CDATA[Aide à domicile H/F]]></title>
<date><![CDATA[Fri, 20 Nov 2026 10:00:00 GMT]]></date>
<referencenumber><![CDATA[ADMR-51-&#233;t&eacute;-12]]></referencenumber>
<url><![CDATA[https://cooperer.example/o/12]]></url>
<company><![CDATA[ADMR de la Marne]]></company>
<city><![CDATA[Épernay]]></city><state><![CDATA[Grand Est]]></state><country>FR</country>
<postalcode>51200</postalcode>
<description><![CDATA[<p>Accompagner des personnes âgées.</p>]]></description>
<salary><![CDATA[11,88 € brut de l'heure]]></salary>
<jobtype><![CDATA[CDI, Temps partiel]]></jobtype>
<category><![CDATA[Services à la personne]]></category>
</job>
<job id="J-2"><title>Comptable &amp; paie</title><location><city>Reims</city><region>Grand Est</region></location><contract_type>CDD</contract_type><pubdate>19.11.2026</pubdate></job>
</source>"#;

    #[test]
    fn indeed_preset_reads_cdata_entities_and_alternatives() {
        let mut w = Vec::new();
        let items = parse(INDEED, &preset(Format::Indeed).unwrap(), &mut w).unwrap();
        assert_eq!(items.len(), 2, "{w:?}");
        let a = &items[0];
        assert_eq!(a.title.as_deref(), Some("Aide à domicile H/F"));
        // CDATA keeps the partner's HTML entity as written; the normaliser decodes it.
        assert_eq!(a.reference.as_deref(), Some("ADMR-51-&#233;t&eacute;-12"));
        assert_eq!(a.city.as_deref(), Some("Épernay"));
        assert_eq!(a.postcode.as_deref(), Some("51200"));
        assert_eq!(a.contract.as_deref(), Some("CDI, Temps partiel"));
        assert_eq!(a.working_time.as_deref(), Some("CDI, Temps partiel"));
        assert_eq!(
            a.description.as_deref(),
            Some("<p>Accompagner des personnes âgées.</p>")
        );
        assert_eq!(a.source["company"], "ADMR de la Marne");
        let b = &items[1];
        assert_eq!(b.reference.as_deref(), Some("J-2"));
        assert_eq!(b.title.as_deref(), Some("Comptable & paie"));
        assert_eq!(b.city.as_deref(), Some("Reims"));
        assert_eq!(b.published.as_deref(), Some("19.11.2026"));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn custom_mapping_with_attributes_and_constants() {
        let xml = r#"<offres><offre ref="A7" maj="2026-11-20"><intitule>Médiateur social</intitule><lieu cp="93200">Saint-Denis</lieu><lien>/offres/a7</lien></offre><offre ref="A8"/></offres>"#;
        let m = Mapping {
            items: "offres/offre".into(),
            fields: vec![
                (Field::Reference, "@ref".into()),
                (Field::Updated, "@maj".into()),
                (Field::Title, "intitule".into()),
                (Field::City, "lieu".into()),
                (Field::Postcode, "lieu/@cp".into()),
                (Field::Link, "lien".into()),
                (Field::Contract, "=CDI".into()),
            ],
            ..Mapping::default()
        };
        let mut w = Vec::new();
        let items = parse(xml, &m, &mut w).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].reference.as_deref(), Some("A7"));
        assert_eq!(items[0].postcode.as_deref(), Some("93200"));
        assert_eq!(items[0].contract.as_deref(), Some("CDI"));
        assert_eq!(items[0].updated.as_deref(), Some("2026-11-20"));
        assert_eq!(w, vec!["item 2 (A8): no title".to_string()]);
    }

    #[test]
    fn broken_xml_keeps_the_items_before_the_break() {
        let xml = "<jobs><job><title>Un</title></job><job><title>Deux</title></job><job><title>Trois</tit></job></jobs>";
        let mut w = Vec::new();
        let items = parse(xml, &preset(Format::Indeed).unwrap(), &mut w).unwrap();
        assert_eq!(items.len(), 2);
        assert!(w[0].contains("after item 2"), "{w:?}");
        let e = parse(
            "<jobs><job><title>Un</tit>",
            &preset(Format::Indeed).unwrap(),
            &mut w,
        )
        .unwrap_err();
        assert!(e.0.starts_with("not well-formed XML"), "{e}");
    }

    #[test]
    fn wrong_items_path_is_explained() {
        let mut w = Vec::new();
        let m = Mapping {
            items: "offers/offer".into(),
            fields: vec![],
            ..Mapping::default()
        };
        let items = parse("<jobs><job/></jobs>", &m, &mut w).unwrap();
        assert!(items.is_empty());
        assert_eq!(
            w,
            vec![
                "no <offers/offer> items found under <jobs>; check [feed.mapping] items"
                    .to_string()
            ]
        );
    }
}
