//! Description HTML: an allowlist sanitiser (ammonia) for the HTML version, and a plain-text
//! version that keeps one line per paragraph, line break or list item, so that labelled lines
//! ("Lieu : ...") stay readable.

use std::sync::OnceLock;

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
/// sentence end (a 16 MiB description was once republished whole in every output).
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
fn full_clean(input: &str, base: Option<&str>) -> String {
    let cleaned = sanitiser().clean(input).to_string();
    absolutise_links(cleaned.trim(), base)
}

/// Deepest element nesting a description keeps. An HTML parser's work per tag grows with the
/// depth of the open elements (scope checks walk them), so markup nested without bound (a
/// partner's 4.4 MB of nested `<div>`s took 44 s) would make sanitising quadratic; real
/// descriptions nest a dozen levels.
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

/// `name` ASCII-lowercased into `buf`; None when it is longer than `buf` (then it is none of
/// the short names looked for).
fn ascii_lowercase_in<'b>(name: &str, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    Some(lower)
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

fn looks_like_html(s: &str) -> bool {
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

/// Escapes text for HTML and XML.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text of an untrusted HTML fragment (titles, field values): tags removed, entities
/// decoded, one line per block. Entities are decoded once, and never into markup: a field
/// whose `<` references would open a tag once decoded (`&lt;img src=x onerror=...&gt;`, which
/// is what a title entity-encoded twice, `&amp;lt;img`, is once its XML is read) keeps its
/// `<` and `>` references as written, so that the text can never become a tag, in essaim or
/// in a reader that renders titles as HTML.
pub fn to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return tidy_lines(html);
    }
    let shielded = shield_markup_references(html);
    // The sanitiser's HTML parser with no allowed tags gives well-formed text with entities
    // normalised (including HTML ones such as &eacute; and &#8211;).
    let marked = mark_blocks(&shielded);
    let stripped = text_cleaner().clean(&marked).to_string();
    tidy_lines(&unescape_basic(&stripped))
}

/// Plain text of HTML that [`sanitise`] produced, in one pass: its markup is well-formed and
/// its only entities are the few the serialiser writes (others are kept as written). Runs of
/// ordinary text are copied whole.
pub fn sanitised_to_text(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    // Separator owed before the next text: 0 none, 1 space, 2 newline.
    let mut pending = 0u8;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'<' {
            let end = bytes[i..]
                .iter()
                .position(|&c| c == b'>')
                .map_or(bytes.len(), |e| i + e + 1);
            let mut n = i + 1;
            if bytes.get(n) == Some(&b'/') {
                n += 1;
            }
            let name_end = bytes[n..end]
                .iter()
                .position(|c| !c.is_ascii_alphanumeric())
                .map_or(end, |e| n + e);
            let name = html.get(n..name_end).unwrap_or("");
            let mut buf = [0u8; 10];
            if ascii_lowercase_in(name, &mut buf).is_some_and(is_block) {
                pending = 2;
            }
            i = end;
            continue;
        }
        if b.is_ascii_whitespace() || b.is_ascii_control() {
            pending = pending.max(1);
            i += 1;
            continue;
        }
        if b >= 0x80 {
            // Non-ASCII: only the space characters need care (no-break spaces mostly).
            let c = html[i..].chars().next().unwrap_or(' ');
            if c.is_whitespace() || c.is_control() {
                pending = pending.max(1);
                i += c.len_utf8();
                continue;
            }
        }
        if pending != 0 {
            if !out.is_empty() {
                out.push(if pending == 2 { '\n' } else { ' ' });
            }
            pending = 0;
        }
        if b == b'&' {
            let rest = &html[i..];
            let decoded = [
                ("&amp;", "&"),
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&quot;", "\""),
                ("&#39;", "'"),
                ("&nbsp;", ""),
            ]
            .into_iter()
            .find(|(e, _)| rest.starts_with(e));
            if let Some((entity, text)) = decoded {
                if text.is_empty() {
                    pending = 1;
                } else {
                    out.push_str(text);
                }
                i += entity.len();
                continue;
            }
        }
        // Copy the run of ordinary text up to the next byte that needs a decision: the
        // character at `i`, then words and the single spaces between them.
        let first = html
            .get(i..)
            .and_then(|r| r.chars().next())
            .map_or(1, char::len_utf8);
        let run = text_run_end(html, i + first);
        out.push_str(html.get(i..run).unwrap_or(""));
        i = run;
    }
    out
}

/// Length of the character at `i` when it is ordinary text for [`sanitised_to_text`] (not
/// `<`, `&`, white space or a control character), else 0.
fn word_char_len(html: &str, i: usize) -> usize {
    match html.as_bytes().get(i) {
        None | Some(b'<' | b'&') => 0,
        Some(&b) if b < 0x80 => usize::from(!(b.is_ascii_whitespace() || b.is_ascii_control())),
        Some(_) => match html.get(i..).and_then(|r| r.chars().next()) {
            Some(c) if !(c.is_whitespace() || c.is_control()) => c.len_utf8(),
            _ => 0,
        },
    }
}

/// The bytes [`text_run_end`] copies without a second look: ASCII that is not `<`, `&`, white
/// space or a control character.
const PLAIN_ASCII: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x80 {
        let c = b as u8;
        table[b] = c != b'<' && c != b'&' && !c.is_ascii_whitespace() && !c.is_ascii_control();
        b += 1;
    }
    table
};

/// End of the text run that goes on at `i`: ordinary characters, and single ASCII spaces
/// followed by one (they come out as the one space the slow path would write).
fn text_run_end(html: &str, mut i: usize) -> usize {
    let bytes = html.as_bytes();
    loop {
        // ASCII letters and punctuation first, byte by byte (one table lookup each).
        while bytes.get(i).is_some_and(|&b| PLAIN_ASCII[usize::from(b)]) {
            i += 1;
        }
        let n = match bytes.get(i) {
            Some(b' ') => match word_char_len(html, i + 1) {
                0 => 0,
                n => n + 1,
            },
            Some(&b) if b >= 0x80 => word_char_len(html, i),
            _ => 0,
        };
        if n == 0 {
            return i;
        }
        i += n;
    }
}

/// Whether a lowercase tag name is one of [`BLOCKS`] (a `match`: no comparison loop).
fn is_block(name: &[u8]) -> bool {
    matches!(
        name,
        b"br"
            | b"p"
            | b"div"
            | b"li"
            | b"ul"
            | b"ol"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"tr"
            | b"table"
            | b"section"
            | b"blockquote"
    )
}

const BLOCKS: [&str; 16] = [
    "br",
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "blockquote",
];

fn text_cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.clean_content_tags(["script", "style"].into_iter().collect());
        b
    })
}

/// Puts a newline before the tags that start or end a line in a browser.
fn mark_blocks(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag = &rest[i + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if BLOCKS.contains(&name.as_str()) {
            out.push('\n');
        } else if name == "script" || name == "style" {
            // Their content is dropped: keep the words on either side apart.
            out.push(' ');
        }
        out.push('<');
        rest = tag;
    }
    out.push_str(rest);
    out
}

/// A character reference for `<` or `>` at the start of `s` (which starts with `&`), as HTML
/// reads it (`&lt;`, `&LT`, `&#60;`, `&#x3C`, legacy forms without `;` included): its length
/// and whether it is `<`.
fn angle_reference(s: &[u8]) -> Option<(usize, bool)> {
    let rest = s.get(1..)?;
    let (len, lt) = if let Some(digits) = rest.strip_prefix(b"#") {
        let (hex, digits) = match digits.first() {
            Some(b'x' | b'X') => (true, &digits[1..]),
            _ => (false, digits),
        };
        let count = digits
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if count == 0 {
            return None;
        }
        let value = digits[..count].iter().fold(0u32, |v, b| {
            let d = (*b as char).to_digit(16).unwrap_or(0);
            v.saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d)
        });
        let lt = match value {
            60 => true,
            62 => false,
            _ => return None,
        };
        (2 + usize::from(hex) + count, lt)
    } else {
        match rest.get(..2)? {
            b"lt" | b"LT" => (3, true),
            b"gt" | b"GT" => (3, false),
            _ => return None,
        }
    };
    let len = if s.get(len) == Some(&b';') {
        len + 1
    } else {
        len
    };
    Some((len, lt))
}

/// `html` with the `&` of its `<` and `>` references escaped when one of its `<` references
/// would open a tag once decoded (followed by a letter, `/`, `!` or `?`): then they stay text
/// as written. Other texts (`&lt; 2 000 €`, `&lt;3`) are returned as they are.
fn shield_markup_references(html: &str) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut references = Vec::new();
    let mut opens_tag = false;
    for (i, _) in html.match_indices('&') {
        if let Some((len, lt)) = angle_reference(&bytes[i..]) {
            references.push(i);
            opens_tag |= lt
                && bytes
                    .get(i + len)
                    .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'));
        }
    }
    if !opens_tag {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + 4 * references.len());
    let mut last = 0;
    for i in references {
        out.push_str(&html[last..i]);
        out.push_str("&amp;");
        last = i + 1;
    }
    out.push_str(&html[last..]);
    std::borrow::Cow::Owned(out)
}

fn unescape_basic(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Collapses spaces inside lines and drops empty lines.
fn tidy_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.lines() {
        let mut first = true;
        for word in line.split(|c: char| c.is_whitespace() || c.is_control()) {
            if word.is_empty() {
                continue;
            }
            if first {
                if !out.is_empty() {
                    out.push('\n');
                }
                first = false;
            } else {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The implementation the faster text runs replaced, kept as an oracle.
    mod reference {
        pub fn sanitised_to_text(html: &str) -> String {
            let bytes = html.as_bytes();
            let mut out = String::with_capacity(html.len());
            // Separator owed before the next text: 0 none, 1 space, 2 newline.
            let mut pending = 0u8;
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if b == b'<' {
                    let end = bytes[i..]
                        .iter()
                        .position(|&c| c == b'>')
                        .map_or(bytes.len(), |e| i + e + 1);
                    let mut n = i + 1;
                    if bytes.get(n) == Some(&b'/') {
                        n += 1;
                    }
                    let name_end = bytes[n..end]
                        .iter()
                        .position(|c| !c.is_ascii_alphanumeric())
                        .map_or(end, |e| n + e);
                    let name = html.get(n..name_end).unwrap_or("");
                    if super::super::BLOCKS
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(name))
                    {
                        pending = 2;
                    }
                    i = end;
                    continue;
                }
                if b.is_ascii_whitespace() || b.is_ascii_control() {
                    pending = pending.max(1);
                    i += 1;
                    continue;
                }
                if b >= 0x80 {
                    // Non-ASCII: only the space characters need care (no-break spaces mostly).
                    let c = html[i..].chars().next().unwrap_or(' ');
                    if c.is_whitespace() || c.is_control() {
                        pending = pending.max(1);
                        i += c.len_utf8();
                        continue;
                    }
                }
                if pending != 0 {
                    if !out.is_empty() {
                        out.push(if pending == 2 { '\n' } else { ' ' });
                    }
                    pending = 0;
                }
                if b == b'&' {
                    let rest = &html[i..];
                    let decoded = [
                        ("&amp;", "&"),
                        ("&lt;", "<"),
                        ("&gt;", ">"),
                        ("&quot;", "\""),
                        ("&#39;", "'"),
                        ("&nbsp;", ""),
                    ]
                    .into_iter()
                    .find(|(e, _)| rest.starts_with(e));
                    if let Some((entity, text)) = decoded {
                        if text.is_empty() {
                            pending = 1;
                        } else {
                            out.push_str(text);
                        }
                        i += entity.len();
                        continue;
                    }
                }
                // Copy the run of ordinary text up to the next byte that needs a decision.
                let run = bytes[i + 1..]
                    .iter()
                    .position(|&c| {
                        c == b'<'
                            || c == b'&'
                            || c.is_ascii_whitespace()
                            || c.is_ascii_control()
                            || c >= 0x80
                    })
                    .map_or(bytes.len(), |e| i + 1 + e);
                let run = if b >= 0x80 {
                    // Copy the whole non-ASCII character we just looked at.
                    let len = html[i..].chars().next().map_or(1, char::len_utf8);
                    (i + len).max(run.min(i + len))
                } else {
                    run
                };
                out.push_str(html.get(i..run).unwrap_or(""));
                i = run;
            }
            out
        }
    }

    #[test]
    fn block_names_match_the_list() {
        for name in BLOCKS {
            assert!(is_block(name.as_bytes()), "{name}");
        }
        for name in [
            "",
            "b",
            "a",
            "span",
            "h7",
            "blockquot",
            "tbody",
            "td",
            "pre",
        ] {
            assert!(!is_block(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn sanitised_text_runs_agree_with_the_char_by_char_version() {
        const PIECES: [&str; 26] = [
            "<p>",
            "</p>",
            "<br>",
            "<li>",
            "<strong>",
            "</strong>",
            "<a href=\"x\">",
            "</a>",
            "Lieu : Lyon",
            " ",
            "  ",
            "\n",
            "\t",
            "\u{a0}",
            "\u{202f}",
            "&amp;",
            "&nbsp;",
            "&lt;",
            "&eacute;",
            "é à ç",
            "l'équipe",
            "Éducateur",
            "\u{7}",
            "a",
            " b",
            "&",
        ];
        for html in crate::normalise::glued_pieces(&PIECES, 14, 20_000, 0x2545_f491_4f6c_dd1d) {
            assert_eq!(
                sanitised_to_text(&html),
                reference::sanitised_to_text(&html),
                "{html:?}"
            );
        }
    }

    #[test]
    fn hostile_html_is_neutralised() {
        let html = sanitise(
            "<div style=\"color:red\"><img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\"><iframe src=\"https://evil\"></iframe><a href=\"javascript:alert(1)\">x</a><b onmouseover=\"y()\">Éducateur</b></div>",
            Some("https://asso.fr/offres/12"),
        );
        assert_eq!(
            html,
            "<div><a rel=\"noopener noreferrer nofollow\">x</a><b>Éducateur</b></div>"
        );
    }

    #[test]
    fn relative_links_are_made_absolute() {
        assert_eq!(
            sanitise("<a href=\"../candidater?id=3\">Candidater</a>", Some("https://asso.fr/offres/12")),
            "<a href=\"https://asso.fr/candidater?id=3\" rel=\"noopener noreferrer nofollow\">Candidater</a>"
        );
    }

    #[test]
    fn fast_path_is_strict() {
        for (html, simple) in [
            (
                "<p>Lieu : Lyon<br/>Contrat : CDI</p><ul><li>A &amp; B</li></ul>",
                true,
            ),
            ("<P>Majuscules</P><BR>", true),
            (
                "<p class=\"x\" style='color:red'>attribut dropped</p>",
                true,
            ),
            ("<a href=\"https://a.fr\" target=_blank>lien</a>", true),
            ("<p>ouvert", false),
            ("<p>mal</b>", false),
            ("<p><div>restructured by a parser</div></p>", false),
            ("<p onclick=\"x()\">évènement</p>", false),
            ("<p title=\"kept by ammonia\">x</p>", false),
            ("<script>alert(1)</script>", false),
            ("<!-- commentaire --><p>x</p>", false),
            ("<img src=\"https://t.example/p.gif\">", false),
            ("a > b", false),
            ("&eacute;t&eacute;", false),
            ("<p>x</p><", false),
        ] {
            assert_eq!(simple_clean(html, None).is_some(), simple, "{html}");
        }
        assert_eq!(
            sanitise("<p>Lieu : Lyon<br/>Contrat : CDI</p>", None),
            "<p>Lieu : Lyon<br>Contrat : CDI</p>"
        );
    }

    #[test]
    fn relative_links_without_base_are_dropped() {
        assert_eq!(
            sanitise("<p><a href=\"/postuler?a=1&amp;b=2\">Postuler</a> <a href=\"https://x.fr/?a=1&amp;b=2\">Site</a></p>", None),
            "<p><a rel=\"noopener noreferrer nofollow\">Postuler</a> <a href=\"https://x.fr/?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\">Site</a></p>"
        );
        assert_eq!(
            sanitise("<a href=\"/postuler?a=1&amp;b=2\">P</a>", Some("https://asso.fr/o/1")),
            "<a href=\"https://asso.fr/postuler?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\">P</a>"
        );
    }

    /// The fast path must give exactly what ammonia gives, on every input it accepts.
    #[test]
    fn fast_path_matches_ammonia_on_generated_markup() {
        const PIECES: [&str; 30] = [
            "<p>",
            "</p>",
            "<p style=\"text-align: justify;\">",
            "<div class=\"x\">",
            "</div>",
            "<ul>",
            "</ul>",
            "<li>",
            "</li>",
            "<br>",
            "<br/>",
            "<strong>",
            "</strong>",
            "<em>",
            "</em>",
            "<a href=\"/candidater/?o=1&amp;b=2\" target=\"_blank\">",
            "</a>",
            "<a href=\"https://asso.fr/o?a=1&amp;b=2\">",
            "<a href=\"mailto:rh@asso.fr\">",
            "<a href=\"javascript:alert(1)\">",
            "Lieu : Lyon",
            " ",
            "\n",
            "Salaire &amp; primes",
            "&nbsp;",
            "é à ç",
            "\"citation\"",
            "l'équipe",
            "<b>",
            "</b>",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut html = String::new();
            let n = 1 + (seed % 9) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                html.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            let html = html.trim();
            if html.is_empty() || !looks_like_html(html) {
                continue;
            }
            for base in [None, Some("https://asso.fr/offres/12")] {
                if let Some(fast) = simple_clean(html, base) {
                    accepted += 1;
                    assert_eq!(fast, full_clean(html, base), "{html:?} base {base:?}");
                }
            }
        }
        assert!(
            accepted > 1_000,
            "the fast path accepted only {accepted} inputs"
        );
    }

    #[test]
    fn plain_text_is_escaped_and_keeps_lines() {
        assert_eq!(
            sanitise("Lieu : Lyon\nSalaire : 1 900 € & primes < 2 000", None),
            "Lieu : Lyon<br>\nSalaire : 1 900 € &amp; primes &lt; 2 000"
        );
    }

    #[test]
    fn sanitised_text_matches_the_full_parser() {
        for html in [
            "<p>Lieu&nbsp;: Lyon (69)</p><ul><li>CDI</li><li>Temps&nbsp;plein</li></ul>Salaire : 2&nbsp;000&nbsp;&euro;<br/>Fin &amp; suite &lt;3<script>x()</script>",
            "Texte brut\nsur deux lignes & plus",
            "<div><a href=\"https://a.fr\">Postuler</a> <b>vite</b></div>",
        ] {
            let clean = sanitise(html, None);
            assert_eq!(sanitised_to_text(&clean), to_text(&clean), "{html}");
        }
    }

    #[test]
    fn text_is_decoded_once_and_never_into_markup() {
        // What a title entity-encoded twice (`&amp;lt;img`) is once its XML is read.
        assert_eq!(
            to_text("&lt;img src=x onerror=alert(1)&gt; Animateur"),
            "&lt;img src=x onerror=alert(1)&gt; Animateur"
        );
        for hostile in [
            "&#60;script&#62;alert(1)&#60;/script&#62;",
            "&#x3C;svg onload=alert(1)&#x3e;",
            "&LT;b&GT;gras",
            "&lt/a&gt",
            "&#0060;!-- x --&#062;",
            "<b>&lt;img src=x&gt;</b>",
        ] {
            let text = to_text(hostile);
            assert!(!text.contains('<'), "{hostile:?} became {text:?}");
        }
        // Markup written as markup is removed, references that open no tag are decoded once.
        assert_eq!(
            to_text("<b>Aide &amp; soin</b> &eacute;t&eacute; &lt; 2 000 &euro; &amp;lt;"),
            "Aide & soin été < 2 000 € &lt;"
        );
        assert_eq!(to_text("&lt;3 &gt; 2"), "<3 > 2");
        assert_eq!(
            to_text("Caf&amp;eacute; &amp; th&eacute;"),
            "Caf&eacute; & thé"
        );
    }

    #[test]
    fn text_keeps_one_line_per_block() {
        assert_eq!(
            to_text("<p>Lieu&nbsp;: Lyon (69)</p><ul><li>CDI</li><li>Temps&nbsp;plein</li></ul>Salaire : 2&nbsp;000&nbsp;&euro;<br/>Fin &amp; suite<script>x()</script>"),
            "Lieu : Lyon (69)\nCDI\nTemps plein\nSalaire : 2 000 €\nFin & suite"
        );
    }
}
