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
mod format;
mod item;
pub mod json_mapped;
pub mod jsonld;
pub mod lenient;
pub mod windows;
pub mod xml_mapped;

pub use format::{Field, Format, Mapping, Unit, ValueTable};
pub use item::{ParseContext, RawItem};

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

/// A body parsed whole, or a large RSS or Atom body to be read a window of items at a time.
pub enum Body {
    Whole(Parsed),
    Windows(windows::Windows),
}

/// [`parse_owned`], except that an RSS or Atom body of at least `min_items` items whose
/// layout leaves no doubt is given back as [`Windows`](windows::Windows) of `window` items,
/// to be read a window at a time (see [`windows`]).
pub fn parse_in_windows(
    bytes: Vec<u8>,
    ctx: &ParseContext<'_>,
    window: usize,
    min_items: usize,
) -> Result<Body, ParseError> {
    let len = bytes.len();
    let decoded = decode::decode_owned(bytes, ctx.http_charset);
    match windows::Windows::new(decoded, len, ctx, window, min_items) {
        Ok(w) => Ok(Body::Windows(w)),
        Err(decoded) => parse_decoded(decoded, len, ctx).map(Body::Whole),
    }
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
    let (format, warning) = reading_format(text, ctx)?;
    warnings.extend(warning);
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

/// The format a body is read as: the declared one, else what its first bytes look like;
/// with a warning when the declared format does not match them.
fn reading_format(
    text: &str,
    ctx: &ParseContext<'_>,
) -> Result<(Format, Option<String>), ParseError> {
    let sniffed = sniff(text)?;
    Ok(match ctx.format {
        None | Some(Format::Auto) => (sniffed, None),
        Some(declared) => {
            let warning = (!compatible(declared, sniffed)).then(|| {
                format!("declared format {declared} but the content looks like {sniffed}")
            });
            (declared, warning)
        }
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

impl<T> ExactSizeIterator for Draining<T> {}

impl<T> Iterator for Draining<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.rest.pop()?;
        // Cut to what is left whenever half of it is empty: never more than twice the room
        // needed, and the copies add up to the items once at most.
        if self.rest.capacity() > 1024 && self.rest.len() <= self.rest.capacity() / 2 {
            self.rest.shrink_to(self.rest.len());
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rest.len(), Some(self.rest.len()))
    }
}

#[cfg(test)]
mod tests;
