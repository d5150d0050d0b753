//! A large RSS or Atom body read a window of items at a time (`essaim::parse::windows`, issue
//! 20) reads what the whole parse reads: the same items, fields, audit copies, format,
//! encoding and warnings (items named by their place in the whole feed), on every fixture
//! and on awkward documents (namespaces declared on the root, CDATA holding "<item>",
//! comments, entities, Latin-1, xml:base); and whatever it cannot be sure of (a DTD, channel
//! elements after the items, a body cut short, JSON, mapped XML) is parsed whole.
#![allow(clippy::unwrap_used)]

use essaim::parse::{self, Body, ParseContext, ParseError, Parsed};

fn ctx() -> ParseContext<'static> {
    ParseContext {
        base_url: Some("https://www.exemple-asso.fr/emplois/"),
        ..ParseContext::at("2026-12-07T12:00:00Z".parse().unwrap())
    }
}

/// A body read through [`parse::parse_in_windows`] with windows of `window` items (from one
/// item on); when `twice`, each window read a second time, as the pipeline's second pass
/// reads them; and whether it was read in windows.
fn windowed(bytes: &[u8], window: usize, twice: bool) -> (Result<Parsed, ParseError>, bool) {
    let ctx = ctx();
    let mut w = match parse::parse_in_windows(bytes.to_vec(), &ctx, window, 1) {
        Err(e) => return (Err(e), false),
        Ok(Body::Whole(p)) => return (Ok(p), false),
        Ok(Body::Windows(w)) => w,
    };
    let read = |w: &mut parse::windows::Windows| {
        let mut items = Vec::new();
        let mut warnings = w.head_warnings().to_vec();
        for k in 0..w.count() {
            let win = w.window(k, &ctx)?;
            assert_eq!(win.first, items.len());
            assert!(win.items.len() <= window);
            warnings.extend(win.warnings);
            items.extend(win.items);
        }
        Some((items, warnings))
    };
    let Some(first) = read(&mut w) else {
        // Parsed whole from the packed segments: the body as it was.
        return (w.into_whole(&ctx), false);
    };
    let (items, warnings) = if twice {
        let again = read(&mut w).expect("a window read cleanly reads cleanly again");
        assert_eq!(again, first);
        again
    } else {
        first
    };
    let parsed = Parsed {
        format: w.format(),
        encoding: w.encoding(),
        items,
        warnings,
    };
    (Ok(parsed), true)
}

/// Asserts that `bytes` read in windows of 1, 2 and 3 items reads as the whole parse does;
/// returns whether it was read in windows.
fn same_as_whole(name: &str, bytes: &[u8]) -> bool {
    let whole = parse::parse(bytes, &ctx());
    let mut in_windows = None;
    for window in [1, 2, 3] {
        for twice in [false, true] {
            let (read, was) = windowed(bytes, window, twice);
            match (&whole, &read) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.format, b.format, "{name}");
                    assert_eq!(a.encoding, b.encoding, "{name}");
                    assert_eq!(a.warnings, b.warnings, "{name}, windows of {window}");
                    assert_eq!(a.items.len(), b.items.len(), "{name}");
                    for (x, y) in a.items.iter().zip(&b.items) {
                        assert_eq!(x, y, "{name}, windows of {window}");
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
                (a, b) => panic!("{name}: whole {a:?}, in windows {b:?}"),
            }
            assert!(in_windows.is_none_or(|w| w == was), "{name}");
            in_windows = Some(was);
        }
    }
    in_windows.unwrap_or(false)
}

#[test]
fn every_fixture_reads_the_same_in_windows() {
    let mut read_in_windows = Vec::new();
    for dir in [
        "fixtures/partners",
        "fixtures/liberal",
        "fixtures/hostile/parse",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                !matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("expect") | None
                )
            })
            .collect();
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            if same_as_whole(&name, &bytes) {
                read_in_windows.push(name);
            } else {
                eprintln!("whole: {name}");
            }
        }
    }
    // The well-formed RSS and Atom fixtures are read in windows (the test compares
    // something); the others, whole.
    for expected in [
        "fixtures/partners/cress-bretagne.atom",
        "fixtures/partners/ressources-solidaires-rhone.xml",
        "fixtures/partners/wp-restos-marne.xml",
    ] {
        assert!(
            read_in_windows.iter().any(|n| n == expected),
            "{expected} not read in windows: {read_in_windows:?}"
        );
    }
    for whole in [
        "fixtures/liberal/rss-truncated.xml",
        "fixtures/liberal/rss-mismatched-tags.xml",
        "fixtures/partners/france-travail.json",
        "fixtures/partners/indeed-cooperer.xml",
    ] {
        assert!(!read_in_windows.iter().any(|n| n == whole), "{whole}");
    }
}

/// An RSS document of `n` items with what trips a careless reader: namespaces declared on
/// the root only, CDATA holding "<item>" and "</channel>", comments between and inside
/// items, entities, an item without title every 4th (its warning names its place in the
/// whole feed), WP Job Manager's elements and relative links.
fn awkward_rss(n: usize) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet href=\"s.xsl\"?>\n\
         <rss version=\"2.0\" xmlns:job_listing=\"https://wpjobmanager.com\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\
         <title>Offres &amp; missions</title><link>https://a.fr/</link>\
         <!-- <item><title>not an item</title></item> -->\n",
    );
    for i in 0..n {
        let title = if i % 4 == 3 {
            String::new()
        } else {
            format!("<title>Animateur n&#176; {i} &amp; co</title>")
        };
        x.push_str(&format!(
            "  <item>{title}<link>offre-{i}.html</link><guid>g-{i}</guid>\
             <dc:date>2026-12-0{}T08:00:00Z</dc:date>\
             <description><![CDATA[<p>Poste {i}</p><item>x</item></channel>]]></description>\
             <!-- </item> --><job_listing:location>Lyon (69)</job_listing:location>\
             <job_listing:company>L&#233;o &amp; Lagrange</job_listing:company></item>\n\
             <!-- between -->\n",
            1 + i % 7
        ));
    }
    x.push_str("</channel>\n</rss>\n<!-- the end -->\n");
    x
}

#[test]
fn awkward_documents_read_the_same_in_windows() {
    assert!(same_as_whole("awkward rss", awkward_rss(11).as_bytes()));
    let (read, _) = windowed(awkward_rss(11).as_bytes(), 2, true);
    let read = read.unwrap();
    assert!(
        read.warnings.contains(
            &"item 8 (https://www.exemple-asso.fr/emplois/offre-7.html): no title".to_string()
        ),
        "{:?}",
        read.warnings
    );
    assert_eq!(
        read.items[10].title.as_deref(),
        Some("Animateur n° 10 & co")
    );
    assert_eq!(read.items[10].employer.as_deref(), Some("Léo & Lagrange"));

    // Latin-1, said by the declaration.
    let latin1: Vec<u8> = awkward_rss(5)
        .replace("UTF-8", "ISO-8859-1")
        .replace("Animateur", "Animateur p\u{e9}riscolaire")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    assert!(same_as_whole("latin-1 rss", &latin1));
    let (read, _) = windowed(&latin1, 2, false);
    assert_eq!(
        read.unwrap().items[0].title.as_deref(),
        Some("Animateur périscolaire n° 0 & co")
    );

    // Atom with xml:base on the root and on an entry, and XHTML content.
    let mut atom = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" \
         xml:base=\"https://cress.example/offres/\"><title>t</title><id>urn:x</id>\
         <updated>2026-11-01T10:00:00Z</updated>",
    );
    for i in 0..7 {
        let base = if i == 4 {
            " xml:base=\"https://autre.example/\""
        } else {
            ""
        };
        atom.push_str(&format!(
            "<entry{base}><id>urn:offre:{i}</id><title>Chargée de mission {i}</title>\
             <link href=\"o/{i}\"/><updated>2026-11-02T10:00:00+01:00</updated>\
             <author><name>CRESS</name></author><content type=\"xhtml\"><div \
             xmlns=\"http://www.w3.org/1999/xhtml\"><p>Poste <a href=\"p/{i}\">ici</a></p>\
             </div></content></entry>"
        ));
    }
    atom.push_str("</feed>");
    assert!(same_as_whole("atom", atom.as_bytes()));
}

#[test]
fn what_windows_cannot_be_sure_of_is_parsed_whole() {
    let rss = awkward_rss(6);
    for (name, odd) in [
        (
            "a DTD declaring entities",
            rss.replace(
                "<rss version",
                "<!DOCTYPE rss [<!ENTITY org \"Léo Lagrange\">]>\n<rss version",
            )
            .replace("<title>Offres &amp; missions", "<title>&org;"),
        ),
        (
            "channel elements after the items",
            rss.replace("</channel>\n</rss>", "<ttl>60</ttl></channel>\n</rss>"),
        ),
        (
            "items under two parents",
            rss.replace(
                "</channel>\n</rss>",
                "</channel><item><title>B</title></item></rss>",
            ),
        ),
        ("cut short", rss[..rss.len() - 40].to_string()),
        (
            "an element feed-rs cannot read in one item",
            rss.replace("<guid>g-2</guid>", "<guid>g-2</guid><enclosure url=\"x\">"),
        ),
    ] {
        let (_, was) = windowed(odd.as_bytes(), 2, false);
        assert!(!was, "{name}: read in windows");
        same_as_whole(name, odd.as_bytes());
    }
    // A prologue too large to be parsed with every window: whole.
    let large = rss.replace(
        "<title>Offres &amp; missions</title>",
        &format!(
            "<title>Offres</title><description>{}</description>",
            "x".repeat(parse::windows::MAX_PROLOGUE)
        ),
    );
    let (_, was) = windowed(large.as_bytes(), 2, false);
    assert!(!was, "a large prologue read in windows");
    same_as_whole("a large prologue", large.as_bytes());

    // Below the threshold: whole.
    let ctx = ctx();
    assert!(matches!(
        parse::parse_in_windows(rss.clone().into_bytes(), &ctx, 2, 7),
        Ok(Body::Whole(_))
    ));
    assert!(matches!(
        parse::parse_in_windows(rss.into_bytes(), &ctx, 2, 6),
        Ok(Body::Windows(_))
    ));
}
