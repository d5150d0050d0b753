//! Tests of the sanitiser and of the text extraction, each fast path against the code it
//! replaced or against ammonia.

use super::sanitise::*;
use super::text::*;

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
                if super::super::text::BLOCKS
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
    for html in crate::text::glued_pieces(&PIECES, 14, 20_000, 0x2545_f491_4f6c_dd1d) {
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
