//! Plain text out of HTML: of the sanitiser's own output in one pass
//! ([`sanitised_to_text`]), and of an untrusted fragment such as a title or a field value
//! ([`to_text`]), whose references are decoded once and never into markup.

use std::sync::OnceLock;

use super::{ascii_lowercase_in, unescape_basic};

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
pub(super) fn is_block(name: &[u8]) -> bool {
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

pub(super) const BLOCKS: [&str; 16] = [
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
