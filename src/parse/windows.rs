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
//!
//! Windowing is only done when it is sure to read what the whole parse reads: RSS or Atom,
//! at least [`MIN_ITEMS`] items, all siblings under one parent, with nothing but whitespace
//! and comments between them and nothing but closing tags after the last; no DTD (its
//! entities would be the prologue's only), and the XML well-formed. Anything else, and any
//! window the strict reader does not read cleanly, is parsed whole
//! ([`Windows::into_whole`]), as a small body always is.

use std::ops::Range;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{decode::Decoded, feeds, lenient, Format, ParseContext, ParseError, Parsed, RawItem};

/// Items parsed at once in a window.
pub const WINDOW_ITEMS: usize = 1_000;

/// Fewest items for which a body is read in windows; a smaller one is parsed whole.
pub const MIN_ITEMS: usize = 5_000;

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
    /// The decoded body; once read for the last time ([`Windows::read_once`]), only from
    /// `base` on.
    decoded: Decoded,
    /// Bytes of leading whitespace in the decoded text (the parse starts after them).
    lead: usize,
    /// Where `decoded.text` starts in the body (past its leading whitespace): 0 until the
    /// items read for the last time are given back.
    base: usize,
    /// Set when each window is read for the last time: the body before it is given back.
    once: bool,
    /// The body's prologue, kept apart as its items are given back.
    prologue: String,
    /// Length of the body as received, for error messages.
    body_len: usize,
    layout: Layout,
    window: usize,
    /// The decoding's and the declared format's warnings.
    head: Vec<String>,
    /// The format feed-rs read, from the first window read.
    format: Option<Format>,
}

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
    /// or Atom, fewer than `min_items` items, or any doubt on where its items are.
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
            Some(l) if l.items.len() >= min_items.max(1) => l,
            _ => return Err(decoded),
        };
        let head = decoded.warning.iter().cloned().chain(warning).collect();
        let prologue = text
            .get(..layout.prologue_end)
            .unwrap_or_default()
            .to_string();
        Ok(Windows {
            decoded,
            lead,
            base: 0,
            once: false,
            prologue,
            body_len,
            layout,
            window: window.max(1),
            head,
            format: None,
        })
    }

    /// Items in the body.
    pub fn items(&self) -> usize {
        self.layout.items.len()
    }

    /// Windows in the body.
    pub fn count(&self) -> usize {
        self.items().div_ceil(self.window)
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

    /// Encoding the body was decoded from.
    pub fn encoding(&self) -> &'static str {
        self.decoded.encoding
    }

    /// The items of window `k` as the whole parse reads them, or `None` when the strict
    /// reader does not read the window cleanly (the body is then to be parsed whole), or when
    /// the body was released.
    pub fn window(&mut self, k: usize, ctx: &ParseContext<'_>) -> Option<Window> {
        let first = k.checked_mul(self.window)?;
        let last = first.checked_add(self.window)?.min(self.items());
        let (start, end) = (
            self.layout.items.get(first)?.start,
            self.layout.items.get(last.checked_sub(1)?)?.end,
        );
        let text = self.decoded.text.get(self.lead..)?;
        let mut doc =
            String::with_capacity(self.prologue.len() + (end - start) + self.layout.epilogue.len());
        doc.push_str(&self.prologue);
        doc.push_str(text.get(start.checked_sub(self.base)?..end.checked_sub(self.base)?)?);
        doc.push_str(&self.layout.epilogue);
        if self.once {
            self.forget_before(end);
        }
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

    /// Says that each window is now read for the last time, in order: the body is given back
    /// as its windows are read (by halves, so that the copies add up to the body once at
    /// most), and [`Windows::into_whole`] no longer reads it whole.
    pub fn read_once(&mut self) {
        self.once = true;
    }

    /// Gives back the body before `pos` (a position in the body) once that is more than half
    /// of what is held.
    fn forget_before(&mut self, pos: usize) {
        let Some(cut) = pos.checked_sub(self.base) else {
            return;
        };
        let held = self.decoded.text.len() - self.lead;
        if cut * 2 < held || !self.decoded.text.is_char_boundary(self.lead + cut) {
            return;
        }
        // Moved down in place, then the buffer shrunk to what is left.
        self.decoded.text.drain(self.lead..self.lead + cut);
        self.decoded.text.shrink_to_fit();
        self.base = pos;
    }

    /// Gives the body back (once its last window is read): reading a window then reads none.
    pub fn release(&mut self) {
        self.decoded.text = String::new();
        self.layout.items = Vec::new();
    }

    /// The body parsed whole, as [`super::parse`] parses it (an error once it was read
    /// once, see [`Windows::read_once`]).
    pub fn into_whole(self, ctx: &ParseContext<'_>) -> Result<Parsed, ParseError> {
        if self.once {
            return Err(ParseError(
                "the body was given back as its windows were read".into(),
            ));
        }
        super::parse_decoded(self.decoded, self.body_len, ctx)
    }
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
