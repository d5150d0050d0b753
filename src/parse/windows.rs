//! A large RSS or Atom body read a window of items at a time, so that the items of a
//! 100,000-item feed (feed-rs's entries, then the parsed items: some 4 KB each) never sit in
//! memory all at once.
//!
//! The body is scanned once with quick-xml for the byte ranges of its items (`<item>`,
//! `<entry>`: depth-aware, so CDATA, comments and nested elements are safe); each window of
//! items is then parsed as a document of its own: the body's prologue (everything before the
//! first item: XML declaration, root element with its namespace declarations, channel
//! header), the window's items as written, and the closing tags of the elements open at the
//! first item. Items keep their positions in the whole feed (warnings name "item 53207").
//! The body is packed as soon as its items are found: each window's segment compressed
//! apart with zstd and the text given back, so that the 100 MB of a 100,000-item feed do
//! not sit in memory while it is read twice (the pipeline's two passes).
//!
//! Windowing is only done when it is sure to read what the whole parse reads: RSS or Atom,
//! at least [`MIN_ITEMS`] items after a prologue of at most [`MAX_PROLOGUE`] bytes, all
//! siblings under one parent, with nothing but whitespace and comments between them and
//! nothing but closing tags after the last; no DTD (its entities would be the prologue's
//! only), and the XML well-formed. Anything else, and any window the strict reader does not
//! read cleanly, is parsed whole ([`Windows::into_whole`]), as a small body always is.

use std::ops::Range;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{decode::Decoded, feeds, lenient, Format, ParseContext, ParseError, Parsed, RawItem};

/// Items parsed at once in a window.
pub const WINDOW_ITEMS: usize = 1_000;

/// Fewest items for which a body is read in windows; a smaller one is parsed whole.
pub const MIN_ITEMS: usize = 5_000;

/// Largest prologue read in windows: it is copied into, and parsed with, every window, so a
/// channel header of megabytes (a hostile one: 16 MB before 5,000 tiny items would be parsed
/// 5 times, and more with more items) is parsed whole, once, instead.
pub const MAX_PROLOGUE: usize = 64 * 1024;

/// Where the items of a body are.
#[derive(Debug)]
struct Layout {
    /// End of the prologue: the start of the first item.
    prologue_end: usize,
    /// Each item's byte range, in order.
    items: Vec<Range<usize>>,
    /// The closing tags of the elements open at the first item, innermost first.
    epilogue: String,
}

/// A body whose items are read a window at a time (see the module's doc).
pub struct Windows {
    /// The decoded body, its text given back once packed.
    decoded: Decoded,
    /// Bytes of leading whitespace in the decoded text (the parse starts after them).
    lead: usize,
    /// Each window's segment of the body (see [`Segment`]), packed; `None` when packing
    /// failed, and the windows are read from the text.
    packed: Option<Vec<Packed>>,
    /// Each window's segment, in the text past its leading whitespace.
    segments: Vec<Segment>,
    /// The body's prologue and the closing tags of the elements open at the first item.
    prologue: String,
    epilogue: String,
    /// Items in the body.
    total: usize,
    /// Length of the body as received, for error messages.
    body_len: usize,
    window: usize,
    /// The decoding's and the declared format's warnings.
    head: Vec<String>,
    /// The format feed-rs read, from the first window read.
    format: Option<Format>,
    /// Set once the body was given back ([`Windows::release`]).
    released: bool,
}

/// A window's segment of the body: from its first item to the next window's first (the
/// last, to the body's end), so that the prologue and the segments make the body whole
/// again; its items end at `items_end`.
#[derive(Debug, Clone)]
struct Segment {
    start: usize,
    items_end: usize,
    end: usize,
}

/// A window's segment (UTF-8) compressed with zstd: the 100 MB of 100,000 templated items
/// hold in a few MB, a varied feed's in about a quarter of its size.
#[derive(Debug)]
struct Packed {
    bytes: Vec<u8>,
}

/// zstd's fastest level: each segment is packed once and read two or three times.
const PACK_LEVEL: i32 = 1;

/// The items of one window, numbered in the whole feed from `first`.
#[derive(Debug)]
pub struct Window {
    pub first: usize,
    pub items: Vec<RawItem>,
    /// Item-level warnings of the parse ("item 53207 (…): no title").
    pub warnings: Vec<String>,
}

impl Windows {
    /// The windows of a decoded body, or the body back when it is to be parsed whole: not RSS
    /// or Atom, fewer than `min_items` items, or any doubt on where its items are. The body
    /// is packed a window apiece, and its text given back.
    pub(super) fn new(
        decoded: Decoded,
        body_len: usize,
        ctx: &ParseContext<'_>,
        window: usize,
        min_items: usize,
    ) -> Result<Windows, Decoded> {
        let text = decoded.text.trim_start();
        let lead = decoded.text.len() - text.len();
        if !text.starts_with('<') {
            return Err(decoded);
        }
        let Ok((format, warning)) = super::reading_format(text, ctx) else {
            return Err(decoded);
        };
        if !matches!(format, Format::Auto | Format::Rss | Format::Atom) {
            return Err(decoded);
        }
        let layout = match layout(text) {
            Some(l) if l.items.len() >= min_items.max(1) && l.prologue_end <= MAX_PROLOGUE => l,
            _ => return Err(decoded),
        };
        let window = window.max(1);
        let starts: Vec<usize> = layout
            .items
            .iter()
            .step_by(window)
            .map(|r| r.start)
            .collect();
        let segments: Vec<Segment> = starts
            .iter()
            .enumerate()
            .map(|(k, &start)| {
                let last = (k * window + window).min(layout.items.len()) - 1;
                Segment {
                    start,
                    items_end: layout.items[last].end,
                    end: starts.get(k + 1).copied().unwrap_or(text.len()),
                }
            })
            .collect();
        let head = decoded.warning.iter().cloned().chain(warning).collect();
        let prologue = text
            .get(..layout.prologue_end)
            .unwrap_or_default()
            .to_string();
        let packed = pack(text, &segments);
        let mut w = Windows {
            decoded,
            lead,
            packed,
            segments,
            prologue,
            epilogue: layout.epilogue,
            total: layout.items.len(),
            body_len,
            window,
            head,
            format: None,
            released: false,
        };
        if w.packed.is_some() {
            w.decoded.text = String::new();
        }
        Ok(w)
    }

    /// Items in the body.
    pub fn items(&self) -> usize {
        self.total
    }

    /// Windows in the body.
    pub fn count(&self) -> usize {
        self.segments.len()
    }

    /// Length of the body as received.
    pub fn body_len(&self) -> usize {
        self.body_len
    }

    /// Warnings about the whole body (its charset, its declared format), before any item's.
    pub fn head_warnings(&self) -> &[String] {
        &self.head
    }

    /// The format feed-rs read (once a window was read).
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Bytes the packed body holds (0 when it is not packed).
    pub fn packed_bytes(&self) -> usize {
        self.packed
            .as_ref()
            .map_or(0, |p| p.iter().map(|p| p.bytes.len()).sum())
    }

    /// Encoding the body was decoded from.
    pub fn encoding(&self) -> &'static str {
        self.decoded.encoding
    }

    /// The text of segment `k`, unpacked.
    fn segment(&self, k: usize) -> Option<std::borrow::Cow<'_, str>> {
        let s = self.segments.get(k)?;
        match &self.packed {
            Some(packed) => {
                let bytes = zstd::bulk::decompress(&packed.get(k)?.bytes, s.end - s.start).ok()?;
                String::from_utf8(bytes).ok().map(Into::into)
            }
            None => self
                .decoded
                .text
                .get(self.lead + s.start..self.lead + s.end)
                .map(Into::into),
        }
    }

    /// The items of window `k` as the whole parse reads them, or `None` when the strict
    /// reader does not read the window cleanly (the body is then to be parsed whole), or when
    /// the body was released.
    pub fn window(&mut self, k: usize, ctx: &ParseContext<'_>) -> Option<Window> {
        let first = k.checked_mul(self.window)?;
        let last = first.checked_add(self.window)?.min(self.items());
        let s = self.segments.get(k)?.clone();
        let segment = self.segment(k)?;
        let items = segment.get(..s.items_end - s.start)?;
        let mut doc =
            String::with_capacity(self.prologue.len() + items.len() + self.epilogue.len());
        doc.push_str(&self.prologue);
        doc.push_str(items);
        doc.push_str(&self.epilogue);
        drop(segment);
        let mut warnings = Vec::new();
        let (format, mut items) = feeds::parse_window(&doc, ctx, first, &mut warnings)?;
        if items.len() != last - first || self.format.is_some_and(|f| f != format) {
            return None;
        }
        self.format = Some(format);
        if let Some(m) = ctx.mapping {
            items.iter_mut().for_each(|i| m.adjust(i));
        }
        Some(Window {
            first,
            items,
            warnings,
        })
    }

    /// Gives the body back (once its last window is read): reading a window then reads none.
    pub fn release(&mut self) {
        self.decoded.text = String::new();
        self.packed = None;
        self.segments = Vec::new();
        self.released = true;
    }

    /// The body's text, past its leading whitespace, as it was: the prologue and every
    /// segment.
    fn whole_text(&self) -> Option<String> {
        if self.packed.is_none() {
            return self.decoded.text.get(self.lead..).map(str::to_string);
        }
        let len = self.segments.last().map_or(0, |s| s.end);
        let mut text = String::with_capacity(len);
        text.push_str(&self.prologue);
        for k in 0..self.count() {
            text.push_str(&self.segment(k)?);
        }
        Some(text)
    }

    /// The body parsed whole, as [`super::parse`] parses it (an error once it was
    /// released).
    pub fn into_whole(mut self, ctx: &ParseContext<'_>) -> Result<Parsed, ParseError> {
        let text = match self.whole_text() {
            Some(text) if !self.released => text,
            _ => {
                return Err(ParseError(
                    "the body was given back once read a window at a time".into(),
                ))
            }
        };
        self.packed = None;
        self.decoded.text = text;
        super::parse_decoded(self.decoded, self.body_len, ctx)
    }
}

/// Each segment of `text` compressed, or `None` should zstd fail.
fn pack(text: &str, segments: &[Segment]) -> Option<Vec<Packed>> {
    let mut compressor = zstd::bulk::Compressor::new(PACK_LEVEL).ok()?;
    let mut packed = Vec::with_capacity(segments.len());
    // zstd writes into room for the worst case (more than the text's size): each segment is
    // kept at its packed size.
    let mut room: Vec<u8> = Vec::new();
    for s in segments {
        let part = text.get(s.start..s.end)?;
        room.clear();
        room.reserve(zstd::zstd_safe::compress_bound(part.len()));
        compressor
            .compress_to_buffer(part.as_bytes(), &mut room)
            .ok()?;
        packed.push(Packed {
            bytes: room.as_slice().to_vec(),
        });
    }
    Some(packed)
}

/// Where the items of an RSS or Atom document are, when there is no doubt (see the module's
/// doc); `None` otherwise.
fn layout(text: &str) -> Option<Layout> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    // The elements open outside the items.
    let mut open: Vec<String> = Vec::new();
    // How many elements open at the items (set at the first item).
    let mut items_at: Option<usize> = None;
    // Depth inside the current item (0: outside any).
    let mut inside = 0usize;
    // Set once an element holding the items closed: no item may come after.
    let mut closed = false;
    let mut start = 0usize;
    let mut items: Vec<Range<usize>> = Vec::new();
    let mut prologue_end = 0usize;
    let mut epilogue = String::new();
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event().ok()?;
        if inside > 0 {
            match event {
                Event::Start(_) => inside += 1,
                Event::End(_) => {
                    inside -= 1;
                    if inside == 0 {
                        items.push(start..usize::try_from(reader.buffer_position()).ok()?);
                    }
                }
                Event::Eof => return None,
                _ => {}
            }
            continue;
        }
        let after_first = items_at.is_some();
        match event {
            Event::Start(e) => {
                let name = std::str::from_utf8(e.name().as_ref()).ok()?.to_string();
                if lenient::is_item(&name) {
                    match items_at {
                        None => {
                            items_at = Some(open.len());
                            prologue_end = before;
                            epilogue = open.iter().rev().map(|n| format!("</{n}>")).collect();
                        }
                        Some(d) if d == open.len() && !closed => {}
                        Some(_) => return None,
                    }
                    start = before;
                    inside = 1;
                } else if after_first {
                    return None;
                } else {
                    open.push(name);
                }
            }
            Event::End(_) => {
                open.pop()?;
                closed |= after_first;
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if after_first || lenient::is_item(&name) {
                    return None;
                }
            }
            Event::Text(t) if after_first && !t.iter().all(u8::is_ascii_whitespace) => return None,
            Event::CData(_) | Event::GeneralRef(_) | Event::PI(_) if after_first => return None,
            Event::DocType(_) => return None,
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() || items.is_empty() {
        return None;
    }
    Some(Layout {
        prologue_end,
        items,
        epilogue,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn items_of(text: &str) -> Option<Vec<&str>> {
        let l = layout(text)?;
        Some(l.items.iter().map(|r| &text[r.clone()]).collect())
    }

    #[test]
    fn items_are_found_past_cdata_and_comments() {
        let text = "<?xml version=\"1.0\"?><rss><channel><title>T</title><!-- <item> -->\
                    <item><title>A</title><description><![CDATA[<item>x</item>]]></description></item>\n\
                    <!-- between --><item><title>B</title><item>nested</item></item></channel></rss>";
        let items = items_of(text).unwrap();
        assert_eq!(items.len(), 2);
        assert!(items[0].starts_with("<item><title>A") && items[0].ends_with("</item>"));
        assert_eq!(items[1], "<item><title>B</title><item>nested</item></item>");
        let l = layout(text).unwrap();
        assert_eq!(l.epilogue, "</channel></rss>");
        assert!(text[..l.prologue_end].ends_with("<!-- <item> -->"));
    }

    /// The prologue and the packed segments make the body again, byte for byte, whatever
    /// lies between the items.
    #[test]
    fn the_packed_body_is_the_body() {
        let mut text = String::from("\n  <?xml version=\"1.0\"?><rss><channel><title>T</title>");
        for i in 0..23 {
            text.push_str(&format!("<item><title>{i}</title></item>\n<!-- {i} -->\t"));
        }
        text.push_str("</channel></rss>\n<!-- end -->\n");
        let ctx = ParseContext::at("2026-12-07T12:00:00Z".parse().unwrap());
        for window in [1, 4, 23, 50] {
            let decoded = Decoded {
                text: text.clone(),
                encoding: "UTF-8",
                warning: None,
            };
            let w = Windows::new(decoded, text.len(), &ctx, window, 1).unwrap();
            assert!(w.packed.is_some() && w.decoded.text.is_empty());
            assert_eq!(w.count(), 23usize.div_ceil(window));
            assert_eq!(w.whole_text().unwrap(), text.trim_start());
        }
    }

    #[test]
    fn anything_odd_is_left_to_the_whole_parse() {
        for odd in [
            // Channel elements after the items.
            "<rss><channel><item><title>A</title></item><title>T</title></channel></rss>",
            // Text between items.
            "<rss><channel><item><title>A</title></item>x<item/></channel></rss>",
            // An empty item.
            "<rss><channel><item><title>A</title></item><item/></channel></rss>",
            // Items under two parents.
            "<rss><channel><item><title>A</title></item></channel><item><title>B</title></item></rss>",
            // A DTD: its entities would be the prologue's.
            "<!DOCTYPE rss [<!ENTITY e \"x\">]><rss><channel><item><title>&e;</title></item></channel></rss>",
            // Cut short, or not well-formed.
            "<rss><channel><item><title>A</title></item>",
            "<rss><channel><item><title>A</item></channel></rss>",
            // No item.
            "<rss><channel><title>T</title></channel></rss>",
        ] {
            assert!(layout(odd).is_none(), "{odd}");
        }
    }
}
