//! Description HTML: an allowlist sanitiser (ammonia) for the HTML version, and a plain-text
//! version that keeps one line per paragraph, line break or list item, so that labelled lines
//! ("Lieu : ...") stay readable.

use std::sync::OnceLock;

/// Sanitises partner HTML: no scripts, styles, event attributes, images (tracking pixels) or
/// iframes; links made absolute against `base` and marked `noopener noreferrer nofollow`.
/// Plain text (no tags) is escaped and its line breaks kept as `<br>`.
pub fn sanitise(input: &str, base: Option<&str>) -> String {
    let input = input.trim();
    if input.is_empty() {
        return String::new();
    }
    if !looks_like_html(input) {
        return text_to_html(input);
    }
    let mut builder = ammonia::Builder::default();
    builder.rm_tags(["img"]);
    builder.link_rel(Some("noopener noreferrer nofollow"));
    let parsed_base = base.and_then(|b| url::Url::parse(b).ok());
    match parsed_base {
        Some(b) => builder.url_relative(ammonia::UrlRelative::RewriteWithBase(b)),
        None => builder.url_relative(ammonia::UrlRelative::Deny),
    };
    builder.clean(input).to_string().trim().to_string()
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
/// decoded, one line per block.
pub fn to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return tidy_lines(html);
    }
    // The sanitiser's HTML parser with no allowed tags gives well-formed text with entities
    // normalised (including HTML ones such as &eacute; and &#8211;).
    let marked = mark_blocks(html);
    let stripped = text_cleaner().clean(&marked).to_string();
    tidy_lines(&unescape_basic(&stripped))
}

/// Plain text of HTML that [`sanitise`] produced: a single cheap pass, since its markup is
/// well-formed and its only entities are the few the serialiser writes.
pub fn sanitised_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag = &rest[i + 1..];
        let end = tag.find('>').map_or(tag.len(), |e| e + 1);
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if BLOCKS.contains(&name.as_str()) {
            out.push('\n');
        }
        rest = tag.get(end..).unwrap_or("");
    }
    out.push_str(rest);
    tidy_lines(&unescape_basic(&out))
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
        }
        out.push('<');
        rest = tag;
    }
    out.push_str(rest);
    out
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
        let line = super::collapse_ws(line);
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn text_keeps_one_line_per_block() {
        assert_eq!(
            to_text("<p>Lieu&nbsp;: Lyon (69)</p><ul><li>CDI</li><li>Temps&nbsp;plein</li></ul>Salaire : 2&nbsp;000&nbsp;&euro;<br/>Fin &amp; suite<script>x()</script>"),
            "Lieu : Lyon (69)\nCDI\nTemps plein\nSalaire : 2 000 €\nFin & suite"
        );
    }
}
