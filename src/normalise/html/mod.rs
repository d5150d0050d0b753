//! Description HTML: an allowlist sanitiser (ammonia) for the HTML version ([`sanitise`]:
//! `sanitise.rs`), and a plain-text version that keeps one line per paragraph, line break or
//! list item, so that labelled lines ("Lieu : ...") stay readable ([`sanitised_to_text`],
//! and [`to_text`] for the plain-text fields: `text.rs`).

mod sanitise;
mod text;

pub use sanitise::{
    cap_text, limit_nesting, sanitise, sanitise_noting, simple_clean, MAX_INPUT, MAX_NESTING,
    MAX_TEXT,
};
pub use text::{sanitised_to_text, to_text};

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

/// Decodes the few references the sanitiser's serialiser writes (and `&nbsp;`).
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

/// `name` ASCII-lowercased into `buf`; None when it is longer than `buf` (then it is none of
/// the short names looked for).
#[inline]
fn ascii_lowercase_in<'b>(name: &str, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    Some(lower)
}

#[cfg(test)]
mod tests;
