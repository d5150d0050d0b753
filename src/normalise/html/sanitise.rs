//! The sanitiser of description HTML: a strict fast path for plain formatting markup
//! ([`simple_clean`]), else one cached ammonia builder after [`limit_nesting`] has bounded the
//! depth; the markup read and the text kept are bounded too ([`MAX_INPUT`], [`cap_text`]),
//! each cut a warning. Relative links are made absolute against the offer's base.

use std::sync::OnceLock;

use super::{ascii_lowercase_in, escape_text, unescape_basic};

/// Sanitises partner HTML: no scripts, styles, event attributes, images (tracking pixels) or
/// iframes; links made absolute against `base` and marked `noopener noreferrer nofollow`.
/// Plain text (no tags) is escaped and its line breaks kept as `<br>`.
///
/// HTML made only of a few attribute-less formatting tags, properly nested, is already what
/// the sanitiser would produce and is kept as it is (fast path, recognised by
/// [`simple_clean`]); anything else goes through ammonia.
pub fn sanitise(input: &str, base: Option<&str>) -> String {
    sanitise_noting(input, base).0
}

/// [`sanitise`] for a description, bounded: a description longer than [`MAX_TEXT`] bytes of
/// text is cut at a sentence end (its markup read no further than [`MAX_INPUT`] bytes), and
/// markup nested deeper than [`MAX_NESTING`] loses the deeper tags. Each says so in a warning.
pub fn sanitise_noting(input: &str, base: Option<&str>) -> (String, Vec<String>) {
    let mut warnings = Vec::new();
    let input = input.trim();
    let input = if input.len() > MAX_INPUT {
        warnings.push(format!(
            "the description is {} KiB long; only its first {} KiB were read",
            input.len() / 1024,
            MAX_INPUT / 1024
        ));
        cut_markup(input, MAX_INPUT)
    } else {
        input
    };
    let html = sanitise_unbounded(input, base, &mut warnings);
    match cap_text(&html, MAX_TEXT) {
        Some((cut, text_len)) => {
            warnings.push(format!(
                "the description has more than {} KiB of text ({} KiB read); it was cut at a \
                 sentence end before {} KiB",
                MAX_TEXT / 1024,
                text_len / 1024,
                MAX_TEXT / 1024
            ));
            (cut, warnings)
        }
        None => (html, warnings),
    }
}

fn sanitise_unbounded(input: &str, base: Option<&str>, warnings: &mut Vec<String>) -> String {
    if input.is_empty() {
        return String::new();
    }
    if !looks_like_html(input) {
        return text_to_html(input);
    }
    if let Some(clean) = simple_clean(input, base) {
        return clean;
    }
    let (limited, dropped) = limit_nesting(input, MAX_NESTING);
    if dropped > 0 {
        warnings.push(format!(
            "the description nests elements more than {MAX_NESTING} deep; {dropped} deeper \
             tags were left out (their text is kept)"
        ));
    }
    full_clean(&limited, base)
}

/// Most text a description keeps, in bytes: 64 KiB, a dozen pages. Longer ones are cut at a
/// sentence end: a description is republished whole in every output.
pub const MAX_TEXT: usize = 64 * 1024;

/// Most partner markup read for one description: enough for [`MAX_TEXT`] of text in verbose
/// markup, and a bound on the sanitiser's work and memory per item.
pub const MAX_INPUT: usize = 512 * 1024;

/// The first `max` bytes of `html` at most, ending before any tag left open by the cut.
fn cut_markup(html: &str, max: usize) -> &str {
    let mut end = max.min(html.len());
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let head = &html[..end];
    match (head.rfind('<'), head.rfind('>')) {
        (Some(lt), Some(gt)) if lt > gt => &head[..lt],
        (Some(lt), None) => &head[..lt],
        _ => head,
    }
}

/// Sanitised HTML cut to at most `max` bytes of text, at the last sentence end before the
/// limit (else the last space, else the limit), with the elements open there closed. None
/// when the text is within the limit; else the cut HTML and how much text there was in all.
/// Linear: one pass to find the cut, one to close what is open there.
pub fn cap_text(html: &str, max: usize) -> Option<(String, usize)> {
    let bytes = html.as_bytes();
    let mut text = 0usize;
    let mut cut: Option<usize> = None;
    let mut sentence: Option<usize> = None;
    let mut space: Option<usize> = None;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                i = tag_end(bytes, i + 1);
                continue;
            }
            b'&' => {
                let len = bytes[i..]
                    .iter()
                    .take(12)
                    .position(|&b| b == b';')
                    .map_or(1, |p| p + 1);
                i += len;
                text += 1;
            }
            b => {
                let len = html[i..].chars().next().map_or(1, char::len_utf8);
                if matches!(b, b'.' | b'!' | b'?')
                    && bytes
                        .get(i + 1)
                        .is_none_or(|n| n.is_ascii_whitespace() || *n == b'<')
                {
                    sentence = Some(i + 1);
                } else if b.is_ascii_whitespace() {
                    space = Some(i);
                }
                i += len;
                text += len;
            }
        }
        if text > max && cut.is_none() {
            cut = Some(sentence.or(space).unwrap_or(i));
        }
    }
    let cut = cut?;
    // The elements open at the cut, closed in turn.
    let mut open: Vec<&str> = Vec::new();
    let mut i = 0usize;
    while let Some(at) = memchr_lt(bytes, i).filter(|at| *at < cut) {
        let end = tag_end(bytes, at + 1);
        let inner_end = if bytes[end - 1] == b'>' { end - 1 } else { end };
        let tag = html.get(at + 1..inner_end.max(at + 1)).unwrap_or("");
        let closing = tag.starts_with('/');
        let name_start = usize::from(closing);
        let name_len = tag[name_start..]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        let name = &tag[name_start..name_start + name_len];
        if closing {
            if let Some(pos) = open.iter().rposition(|n| n.eq_ignore_ascii_case(name)) {
                open.truncate(pos);
            }
        } else if !name.is_empty()
            && !tag.ends_with('/')
            && !is_void(name.to_ascii_lowercase().as_bytes())
        {
            open.push(name);
        }
        i = end;
    }
    let mut out = String::with_capacity(cut + 16 * open.len());
    out.push_str(html[..cut].trim_end());
    for name in open.iter().rev() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    Some((out, text))
}

/// The full sanitiser: ammonia, then relative links resolved.
pub(super) fn full_clean(input: &str, base: Option<&str>) -> String {
    let cleaned = sanitiser().clean(input).to_string();
    absolutise_links(cleaned.trim(), base)
}

/// Deepest element nesting a description keeps. An HTML parser's work per tag grows with the
/// depth of the open elements (scope checks walk them), so markup nested without bound
/// (megabytes of nested `<div>`s) would make sanitising quadratic; real descriptions nest a
/// dozen levels.
pub const MAX_NESTING: usize = 128;

/// Elements without content: they never open a level.
fn is_void(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"keygen"
            | b"frame"
            | b"basefont"
            | b"bgsound"
            | b"image"
    )
}

/// Elements whose content is text up to their end tag.
fn is_raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
            | b"noscript"
            | b"plaintext"
    )
}

/// The open elements a start tag of `name` closes when they are the current one
/// (`<p>a<p>b`, `<li>a<li>b`, `<td>1<td>2<tr>`, `<p>a<div>`).
fn implied_closes(name: &[u8]) -> &'static [&'static [u8]] {
    match name {
        b"p" | b"div" | b"ul" | b"ol" | b"dl" | b"table" | b"section" | b"blockquote" | b"pre"
        | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"form" | b"hr" | b"article"
        | b"aside" | b"header" | b"footer" | b"nav" | b"address" | b"figure" => &[b"p"],
        b"li" => &[b"li", b"p"],
        b"dt" | b"dd" => &[b"dt", b"dd", b"p"],
        b"option" => &[b"option"],
        b"optgroup" => &[b"option", b"optgroup"],
        b"tr" => &[b"td", b"th", b"tr"],
        b"td" | b"th" => &[b"td", b"th"],
        b"thead" | b"tbody" | b"tfoot" => &[b"td", b"th", b"tr", b"thead", b"tbody", b"tfoot"],
        b"rb" | b"rt" | b"rp" => &[b"rb", b"rt", b"rp"],
        _ => &[],
    }
}

/// Copies `html` leaving out the start tags that would open an element deeper than `max`
/// (and as many end tags after them), in one pass whose work per tag is bounded by `max`:
/// linear in the input. Returns the markup and how many tags were left out. Text, comments
/// and the content of raw-text elements are copied as they are; the result still goes
/// through the sanitiser, so this only has to bound the depth, not to be exact.
pub fn limit_nesting(html: &str, max: usize) -> (std::borrow::Cow<'_, str>, usize) {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    // Names of the open elements (lowercase, at most 16 bytes kept), at most `max`.
    let mut open: Vec<([u8; 16], usize)> = Vec::new();
    let mut excess = 0usize;
    let mut dropped = 0usize;
    let mut copied_to = 0usize;
    let mut i = 0usize;
    while let Some(at) = memchr_lt(bytes, i) {
        i = at + 1;
        let rest = &bytes[i..];
        if rest.starts_with(b"!--") {
            i = find(bytes, i + 3, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let n0 = i + usize::from(closing);
        let name_len = bytes[n0..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 || !bytes[n0].is_ascii_alphabetic() {
            continue;
        }
        let end = tag_end(bytes, n0 + name_len);
        let mut name = [0u8; 16];
        let kept = name_len.min(16);
        name[..kept].copy_from_slice(&bytes[n0..n0 + kept]);
        name[..kept].make_ascii_lowercase();
        let key = (name, name_len);
        let lower = &name[..kept];
        let mut drop_tag = false;
        if closing {
            if excess > 0 {
                excess -= 1;
                drop_tag = true;
            } else if let Some(pos) = open.iter().rposition(|o| *o == key) {
                open.truncate(pos);
            }
        } else if is_void(lower) {
        } else {
            let closes = implied_closes(lower);
            while open
                .last()
                .is_some_and(|(n, len)| closes.iter().any(|c| c.len() == *len && n[..*len] == **c))
            {
                open.pop();
            }
            if open.len() >= max {
                excess += 1;
                drop_tag = true;
            } else {
                open.push(key);
            }
        }
        if drop_tag {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied_to..at]);
            copied_to = end;
            dropped += 1;
        }
        i = end;
        if !closing && !drop_tag && is_raw_text(lower) {
            // Its content is text: skip to its end tag, whose name is matched in any case.
            let mut j = i;
            i = bytes.len();
            while let Some(lt) = find(bytes, j, b"</") {
                let candidate = &bytes[lt + 2..];
                if candidate.len() >= kept && candidate[..kept].eq_ignore_ascii_case(lower) {
                    i = lt;
                    break;
                }
                j = lt + 2;
            }
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&html[copied_to..]);
            (std::borrow::Cow::Owned(o), dropped)
        }
        None => (std::borrow::Cow::Borrowed(html), 0),
    }
}

/// Position of the next `<` at or after `from`.
fn memchr_lt(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'<')
        .map(|p| from + p)
}

/// Position of `needle` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// The position after the `>` ending the tag whose attributes start at `from` (quoted values
/// may hold `>`), or the end of the input.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    for (k, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return k + 1,
            None => {}
        }
    }
    bytes.len()
}

/// Formatting tags the fast path rewrites itself, and whether each is a block.
const SIMPLE_TAGS: [(&str, bool); 16] = [
    ("p", true),
    ("div", true),
    ("ul", true),
    ("ol", true),
    ("h3", true),
    ("h4", true),
    ("h5", true),
    ("h6", true),
    ("li", false),
    ("br", false),
    ("strong", false),
    ("b", false),
    ("em", false),
    ("i", false),
    ("u", false),
    ("a", false),
];

/// Attributes ammonia drops, which the fast path may drop too.
fn droppable_attribute(tag: &str, name: &str) -> bool {
    matches!(name, "style" | "class" | "id" | "dir" | "align")
        || name.starts_with("data-")
        || (tag == "a" && matches!(name, "target" | "rel"))
}

/// The fast path of [`sanitise`]: markup made only of `SIMPLE_TAGS`, well nested the way an
/// HTML parser would keep it, with attributes that are dropped (style, class...) or a link's
/// `href`, is rewritten here with exactly ammonia's result (a test checks it against ammonia on
/// generated markup). Anything else returns None and goes to ammonia. Every tag of the output
/// is written from the allowlist; no input markup is copied. Allocates only the output (and a
/// link's target).
pub fn simple_clean(html: &str, base: Option<&str>) -> Option<String> {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<&'static str> = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                out.push_str(&html[text_start..i]);
                let len = bytes[i..].iter().position(|&b| b == b'>')?;
                let tag = html.get(i + 1..i + len)?;
                i += len + 1;
                text_start = i;
                if let Some(name) = tag.strip_prefix('/') {
                    let known = simple_tag(name.trim_end())?.0;
                    if known == "br" || open.pop() != Some(known) {
                        return None;
                    }
                    out.push_str("</");
                    out.push_str(known);
                    out.push('>');
                    continue;
                }
                let tag = tag.strip_suffix('/').unwrap_or(tag);
                let name_len = tag.bytes().take_while(u8::is_ascii_alphanumeric).count();
                let (known, block) = simple_tag(tag.get(..name_len)?)?;
                let mut href = None;
                for_each_attribute(tag.get(name_len..)?, |name, value| {
                    if known == "a" && name == "href" {
                        href = Some(value.replace("&amp;", "&"));
                        Some(())
                    } else {
                        droppable_attribute(known, name).then_some(())
                    }
                })?;
                // Shapes an HTML parser would restructure are left to the full sanitiser.
                let in_p = open.contains(&"p");
                let in_inline = open
                    .last()
                    .is_some_and(|t| SIMPLE_TAGS.iter().any(|(n, b)| n == t && !b && *t != "li"));
                if (block && (in_p || in_inline))
                    || (known == "li" && !matches!(open.last(), Some(&"ul" | &"ol")))
                    || (known == "a" && open.contains(&"a"))
                    || (matches!(open.last(), Some(&"ul" | &"ol")) && known != "li")
                {
                    return None;
                }
                out.push('<');
                out.push_str(known);
                if known == "a" {
                    if let Some(h) = href.and_then(|h| safe_href(&h, base)) {
                        out.push_str(" href=\"");
                        out.push_str(&escape_text(&h));
                        out.push('"');
                    }
                    out.push_str(" rel=\"noopener noreferrer nofollow\"");
                }
                out.push('>');
                if known != "br" {
                    if open.len() >= MAX_NESTING {
                        // Deep markup is left to the full path, which bounds it.
                        return None;
                    }
                    open.push(known);
                }
            }
            b'&' => {
                const KEPT: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;"];
                let rest = html.get(i..)?;
                let entity = KEPT.iter().find(|e| rest.starts_with(*e))?;
                i += entity.len();
            }
            b'>' | 0 | b'\r' => return None,
            _ => {
                // Skip the run of ordinary text up to the next byte that needs a decision.
                i += bytes[i..]
                    .iter()
                    .position(|&b| SIMPLE_STOP[usize::from(b)])
                    .unwrap_or(bytes.len() - i);
            }
        }
    }
    out.push_str(&html[text_start..]);
    open.is_empty().then_some(out)
}

/// The bytes [`simple_clean`] stops at in text: `<`, `&`, `>`, NUL and CR.
const SIMPLE_STOP: [bool; 256] = {
    let mut table = [false; 256];
    table[b'<' as usize] = true;
    table[b'&' as usize] = true;
    table[b'>' as usize] = true;
    table[0] = true;
    table[b'\r' as usize] = true;
    table
};

/// The entry of [`SIMPLE_TAGS`] named `name`, in any case.
fn simple_tag(name: &str) -> Option<(&'static str, bool)> {
    let mut buf = [0u8; 6];
    let lower = ascii_lowercase_in(name, &mut buf)?;
    SIMPLE_TAGS
        .iter()
        .find(|(t, _)| t.as_bytes() == lower)
        .copied()
}

/// Calls `f(lowercase name, raw value)` for each `name="v"`, `name='v'`, `name=v` and bare
/// `name` of a start tag (a bare name has an empty value); None when malformed, when a value
/// holds markup, or as soon as `f` says None.
fn for_each_attribute(mut s: &str, mut f: impl FnMut(&str, &str) -> Option<()>) -> Option<()> {
    // Attribute names are ASCII: long ones are lowercased into a String, short ones on the stack.
    let mut lower = [0u8; 32];
    let mut long: String;
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Some(());
        }
        let name_len = s
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        if name_len == 0 {
            return None;
        }
        let raw_name = s.get(..name_len)?;
        let name = match lower.get_mut(..name_len) {
            Some(buf) => {
                buf.copy_from_slice(raw_name.as_bytes());
                buf.make_ascii_lowercase();
                std::str::from_utf8(buf).ok()?
            }
            None => {
                long = raw_name.to_ascii_lowercase();
                long.as_str()
            }
        };
        s = s.get(name_len..)?.trim_start();
        let Some(after) = s.strip_prefix('=') else {
            f(name, "")?;
            continue;
        };
        let after = after.trim_start();
        let (value, rest) = match after.as_bytes().first()? {
            q @ (b'"' | b'\'') => {
                let end = after.get(1..)?.find(*q as char)? + 1;
                (after.get(1..end)?, after.get(end + 1..)?)
            }
            _ => {
                let end = after
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(after.len());
                (after.get(..end)?, after.get(end..)?)
            }
        };
        if value.contains(['<', '>', '`']) || (value.contains('&') && !value.contains("&amp;")) {
            return None;
        }
        f(name, value)?;
        s = rest;
    }
}

/// A link target the sanitiser would keep: http(s), mailto and tel as they are, relative
/// links resolved against `base`; anything else (javascript:, data:...) dropped.
fn safe_href(href: &str, base: Option<&str>) -> Option<String> {
    match url::Url::parse(href.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "mailto" | "tel") => {
            Some(href.to_string())
        }
        Ok(_) => None,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let base = url::Url::parse(base?).ok()?;
            base.join(href).ok().map(|u| u.to_string())
        }
        Err(_) => None,
    }
}

/// The one sanitiser, built once: ammonia's defaults without images, relative links passed
/// through (they are resolved afterwards against each offer's own base).
fn sanitiser() -> &'static ammonia::Builder<'static> {
    static SANITISER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITISER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"]);
        b.link_rel(Some("noopener noreferrer nofollow"));
        b.url_relative(ammonia::UrlRelative::PassThrough);
        b
    })
}

/// Resolves the relative `href`s the sanitiser passed through against `base`; without a base
/// they are removed (a relative link cannot be followed from another site).
fn absolutise_links(html: &str, base: Option<&str>) -> String {
    const HREF: &str = " href=\"";
    if !html.contains(HREF) {
        return html.to_string();
    }
    let base = base.and_then(|b| url::Url::parse(b).ok());
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find(HREF) {
        let value_start = at + HREF.len();
        let Some(len) = rest[value_start..].find('"') else {
            break;
        };
        let value = &rest[value_start..value_start + len];
        let raw = unescape_basic(value);
        if url::Url::parse(&raw).is_ok() {
            out.push_str(&rest[..value_start + len + 1]);
        } else if let Some(abs) = base.as_ref().and_then(|b| b.join(&raw).ok()) {
            out.push_str(&rest[..value_start]);
            out.push_str(&escape_text(abs.as_str()));
            out.push('"');
        } else {
            out.push_str(&rest[..at]);
        }
        rest = &rest[value_start + len + 1..];
    }
    out.push_str(rest);
    out
}

pub(super) fn looks_like_html(s: &str) -> bool {
    let bytes = s.as_bytes();
    let has_tag = bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'));
    has_tag || (s.contains('&') && s.contains(';'))
}

fn text_to_html(s: &str) -> String {
    let escaped = escape_text(s);
    escaped.replace("\r\n", "\n").replace('\n', "<br>\n")
}
