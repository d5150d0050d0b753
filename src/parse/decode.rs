//! Turns feed bytes into UTF-8 text before any parser sees them.
//!
//! The charset is taken from, in order of trust: a byte-order mark, the HTTP `Content-Type`
//! charset, the XML prolog's `encoding`. Bytes that are not valid in the chosen charset (the
//! usual case being a feed that claims UTF-8 but is Windows-1252) fall back to Windows-1252,
//! which maps every byte. The XML prolog is rewritten to say UTF-8 so that a parser reading it
//! does not decode a second time.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// Text decoded from a feed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Name of the encoding actually used ("UTF-8", "windows-1252", ...).
    pub encoding: &'static str,
    /// Set when the declared charset was wrong or unknown and another one was used.
    pub warning: Option<String>,
}

/// Decodes `bytes`; `http_charset` is the `charset` parameter of the HTTP Content-Type, if any.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    decode_cow(Cow::Borrowed(bytes), http_charset)
}

/// [`decode`] of bytes the caller gives away: UTF-8 without a byte-order mark (nearly every
/// feed) becomes the text in place, without a second copy of the body.
pub fn decode_owned(bytes: Vec<u8>, http_charset: Option<&str>) -> Decoded {
    decode_cow(Cow::Owned(bytes), http_charset)
}

fn decode_cow(mut bytes: Cow<'_, [u8]>, http_charset: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(&bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        let warning = had_errors.then(|| {
            format!(
                "invalid {} bytes after the byte-order mark were replaced",
                enc.name()
            )
        });
        return finish(text.into_owned(), enc, warning);
    }
    let mut warning = None;
    let declared = http_charset
        .map(|c| (c, "HTTP Content-Type"))
        .or_else(|| xml_prolog_encoding(&bytes).map(|c| (c, "XML prolog")));
    let mut chosen = UTF_8;
    if let Some((label, origin)) = declared {
        match Encoding::for_label(label.trim().as_bytes()) {
            // A page cannot really be UTF-16 without a BOM once we are reading ASCII-compatible
            // prologs; encoding_rs maps such labels to UTF-8 per the WHATWG standard.
            Some(enc) => chosen = enc.output_encoding(),
            None => {
                warning = Some(format!(
                    "unknown charset {label:?} in the {origin}; decoded as UTF-8 or Windows-1252"
                ))
            }
        }
    }
    // Valid UTF-8 with multi-byte sequences is, in practice, never Latin-1 text: a feed that
    // declares a single-byte charset but sends such bytes was mislabelled.
    let maybe_mislabelled = chosen != UTF_8 && !bytes.is_ascii();
    if chosen == UTF_8 || maybe_mislabelled {
        match utf8_text(bytes) {
            Ok(text) if maybe_mislabelled => {
                let w = format!(
                    "declared charset {} but the bytes are UTF-8; decoded as UTF-8",
                    chosen.name()
                );
                return finish(text, UTF_8, Some(w));
            }
            Ok(text) => return finish(text, chosen, warning),
            Err(not_utf8) => bytes = not_utf8,
        }
    }
    if let Some(text) = decode_strict(chosen, &bytes) {
        return finish(text, chosen, warning);
    }
    // The declared charset is wrong (most often: UTF-8 declared, Windows-1252 sent).
    let (text, _, _) = WINDOWS_1252.decode(&bytes);
    let mut w = format!(
        "bytes are not valid {}; decoded as Windows-1252",
        chosen.name()
    );
    if let Some(first) = warning {
        w = format!("{first}; {w}");
    }
    finish(text.into_owned(), WINDOWS_1252, Some(w))
}

/// The bytes as a string if they are UTF-8 (the owned buffer itself when given away, checked
/// once), else the bytes back.
fn utf8_text(bytes: Cow<'_, [u8]>) -> Result<String, Cow<'_, [u8]>> {
    match bytes {
        Cow::Owned(v) => String::from_utf8(v).map_err(|e| Cow::Owned(e.into_bytes())),
        Cow::Borrowed(b) => std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| Cow::Borrowed(b)),
    }
}

fn decode_strict(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

fn finish(text: String, enc: &'static Encoding, warning: Option<String>) -> Decoded {
    Decoded {
        text: rewrite_prolog(text),
        encoding: enc.name(),
        warning,
    }
}

/// The `encoding="..."` of an XML declaration at the start of the bytes.
pub fn xml_prolog_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(256)];
    let start = skip_ws(head);
    let rest = head.get(start..)?;
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let end = rest.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let at = decl.find("encoding")?;
    let after = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let after = after.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    value.find(quote).map(|i| &value[..i])
}

fn skip_ws(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

/// Replaces the prolog's declared encoding by UTF-8, since the text is now UTF-8.
fn rewrite_prolog(mut text: String) -> String {
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with("<?xml") {
        return text;
    }
    let Some(end) = text[start..].find("?>").map(|e| e + start) else {
        return text;
    };
    let decl = &text[start..end];
    if let Some(at) = decl.find("encoding") {
        let from = start + at;
        let after = &text[from..end];
        // encoding = "x" : find the closing quote of the value.
        let q1 = after.find(['"', '\'']);
        if let Some(q1) = q1 {
            let quote = &after[q1..=q1];
            if let Some(q2) = after[q1 + 1..].find(quote) {
                let to = from + q1 + 1 + q2 + 1;
                text.replace_range(from..to, "encoding=\"UTF-8\"");
            }
        }
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const LATIN1: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><title>\xc9ducateur sp\xe9cialis\xe9</title></rss>";

    #[test]
    fn latin1_from_prolog_and_prolog_rewritten() {
        let d = decode(LATIN1, None);
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><title>Éducateur spécialisé</title></rss>"
        );
        assert_eq!(d.encoding, "windows-1252"); // WHATWG: ISO-8859-1 is windows-1252
        assert_eq!(d.warning, None);
    }

    /// A body given away decodes exactly as one lent: every charset path, same text,
    /// encoding and warning; UTF-8 keeps its buffer.
    #[test]
    fn owned_bodies_decode_like_borrowed_ones() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("<t>Médiateur</t>".as_bytes());
        let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
            (LATIN1.to_vec(), None),
            (
                "<?xml version='1.0'?><t>Aide-soignant·e à Besançon</t>".into(),
                None,
            ),
            (
                "<?xml version='1.0' encoding='ISO-8859-1'?><t>Crèche</t>".into(),
                None,
            ),
            ("<t>Crèche</t>".into(), Some("windows-1252")),
            (b"<t>Cr\xe8che</t>".to_vec(), Some("utf-8")),
            (b"<t>Cr\xe8che</t>".to_vec(), Some("x-unknown")),
            (bom, Some("iso-8859-1")),
        ];
        for (bytes, charset) in cases {
            let lent = decode(&bytes, charset);
            let given = decode_owned(bytes.clone(), charset);
            assert_eq!(given.text, lent.text, "{bytes:?}");
            assert_eq!(given.encoding, lent.encoding, "{bytes:?}");
            assert_eq!(given.warning, lent.warning, "{bytes:?}");
        }
        let body = "<rss><title>Éducatrice de jeunes enfants</title></rss>".repeat(1000);
        let bytes = body.clone().into_bytes();
        let at = bytes.as_ptr();
        let given = decode_owned(bytes, None);
        assert_eq!(given.text, body);
        assert_eq!(given.text.as_ptr(), at, "a UTF-8 body is not copied");
    }

    #[test]
    fn http_charset_wins_over_prolog() {
        let bytes = "<?xml version='1.0' encoding='ISO-8859-1'?><t>Crèche — été</t>".as_bytes();
        let d = decode(bytes, Some("utf-8"));
        assert_eq!(
            d.text,
            "<?xml version='1.0' encoding=\"UTF-8\"?><t>Crèche — été</t>"
        );
        assert_eq!(d.warning, None);
    }

    #[test]
    fn bom_wins_over_everything() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(
            "<?xml version=\"1.0\" encoding=\"windows-1252\"?><t>Médiateur</t>".as_bytes(),
        );
        let d = decode(&bytes, Some("iso-8859-1"));
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>Médiateur</t>"
        );
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<t>Aide-soignant·e</t>".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes, None).text, "<t>Aide-soignant·e</t>");
    }

    #[test]
    fn false_utf8_claim_falls_back_to_windows_1252() {
        let bytes =
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>Coop\xe9rative \x96 \x80 2 000</t>";
        let d = decode(bytes, None);
        assert!(
            d.text.ends_with("<t>Coopérative – € 2 000</t>"),
            "{}",
            d.text
        );
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.warning.unwrap().contains("not valid UTF-8"));
    }

    #[test]
    fn false_latin1_claim_that_is_really_utf8() {
        let bytes = "<t>Éducatrice de jeunes enfants</t>".as_bytes();
        let d = decode(bytes, Some("ISO-8859-15"));
        assert_eq!(d.text, "<t>Éducatrice de jeunes enfants</t>");
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.warning.unwrap().contains("bytes are UTF-8"));
        let d = decode(bytes, Some("us-ascii"));
        assert_eq!(d.text, "<t>Éducatrice de jeunes enfants</t>");
    }

    #[test]
    fn unknown_label_warns_and_still_decodes() {
        let d = decode(b"<t>caf\xe9</t>", Some("latin-9000"));
        assert_eq!(d.text, "<t>café</t>");
        assert!(d.warning.unwrap().contains("latin-9000"));
    }

    #[test]
    fn prolog_encoding_is_read() {
        assert_eq!(
            xml_prolog_encoding(b"  <?xml version=\"1.0\" encoding = 'Windows-1252' ?>"),
            Some("Windows-1252")
        );
        assert_eq!(xml_prolog_encoding(b"<?xml version=\"1.0\"?>"), None);
        assert_eq!(xml_prolog_encoding(b"{\"version\": 1}"), None);
    }
}
