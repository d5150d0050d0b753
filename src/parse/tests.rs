//! Unit tests of the parser's entry points: sniffing, decoding, items and warnings.

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn drain_freeing_yields_every_item_in_order_and_gives_memory_back() {
    let items: Vec<String> = (0..10_000).map(|i| format!("offre {i}")).collect();
    let mut drained = drain_freeing(items.clone());
    assert!(drained.capacity() >= 10_000);
    let first: Vec<String> = drained.by_ref().take(9_000).collect();
    assert_eq!(first[..], items[..9_000]);
    assert!(
        drained.capacity() <= 2_000,
        "the buffer shrinks as it empties: {} items of room for 1,000",
        drained.capacity()
    );
    let rest: Vec<String> = drained.collect();
    assert_eq!(rest[..], items[9_000..]);
    assert_eq!(drain_freeing(Vec::<u8>::new()).count(), 0);
}

#[test]
fn links_without_a_scheme_name_a_site_or_a_path() {
    let link = |l: &str, base: Option<&str>| {
        let mut item = RawItem {
            link: Some(l.into()),
            ..Default::default()
        };
        absolutise(&mut item, base);
        item.link.unwrap()
    };
    let base = Some("https://jobs.example.org/feeds/indeed.xml");
    assert_eq!(link("www.paretti.pl", base), "https://www.paretti.pl");
    assert_eq!(link("www.paretti.pl", None), "https://www.paretti.pl");
    assert_eq!(
        link("emploi.cress-bretagne.org/offres/12", base),
        "https://emploi.cress-bretagne.org/offres/12"
    );
    assert_eq!(
        link("offres/12.html", base),
        "https://jobs.example.org/feeds/offres/12.html"
    );
    assert_eq!(
        link("offre.php?id=3", base),
        "https://jobs.example.org/feeds/offre.php?id=3"
    );
    assert_eq!(
        link("/offres/12", base),
        "https://jobs.example.org/offres/12"
    );
    assert_eq!(link("https://a.fr/1", base), "https://a.fr/1");
}

#[test]
fn formats_are_sniffed() {
    for (text, want) in [
        ("<?xml version=\"1.0\"?><rss version=\"2.0\">", Format::Rss),
        ("<rdf:RDF xmlns:rdf=\"x\">", Format::Rss),
        ("<feed xmlns=\"http://www.w3.org/2005/Atom\">", Format::Atom),
        (
            "<?xml version=\"1.0\"?>\n<source><publisher>x</publisher><job>",
            Format::Indeed,
        ),
        ("<source><mission><title>", Format::ApiEngagement),
        (
            "{\"version\":\"https://jsonfeed.org/version/1.1\"}",
            Format::JsonFeed,
        ),
        ("{\"resultats\":[]}", Format::FranceTravail),
        (
            "{\"@context\":\"https://schema.org\",\"@type\":\"JobPosting\"}",
            Format::JsonLd,
        ),
        (
            "<!DOCTYPE html><html><script type=\"application/ld+json\">",
            Format::JsonLd,
        ),
    ] {
        assert_eq!(sniff(text).unwrap(), want, "{text}");
    }
}

#[test]
fn unreadable_bodies_are_errors_with_a_reason() {
    let ctx = ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap());
    assert_eq!(parse(b"   ", &ctx).unwrap_err().0, "the feed is empty");
    let e = parse(b"Bad Gateway", &ctx).unwrap_err().0;
    assert_eq!(
        e,
        "not a feed: the body is neither XML nor JSON (it starts with plain text)"
    );
    let e = parse(b"root:x:0:0:root:/root:/bin/bash\n", &ctx)
        .unwrap_err()
        .0;
    assert!(!e.contains("root:"), "{e}");
    let e = parse(b"\x89PNG\r\n\x1a\n\0\0", &ctx).unwrap_err().0;
    assert_eq!(
        e,
        "not a feed: the body is neither XML nor JSON (it starts with binary data)"
    );
    let e = parse(b"<html><body>maintenance</body></html>", &ctx)
        .unwrap_err()
        .0;
    assert!(
        e.starts_with("not a readable RSS, Atom or JSON feed"),
        "{e}"
    );
    let ctx = ParseContext {
        format: Some(Format::Xml),
        ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
    };
    let e = parse(b"<offres><offre/></offres>", &ctx).unwrap_err().0;
    assert!(e.contains("[feed.mapping]"), "{e}");
}

/// A parse that must fail, with its message.
fn error(body: &str, format: Option<Format>, mapping: Option<&Mapping>) -> String {
    let ctx = ParseContext {
        format,
        mapping,
        ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
    };
    parse(body.as_bytes(), &ctx).unwrap_err().0
}

fn una_mapping(items: &str) -> Mapping {
    Mapping {
        items: items.into(),
        fields: vec![
            (Field::Reference, "@ref".into()),
            (Field::Title, "intitule".into()),
            (Field::Link, "lien".into()),
        ],
        ..Mapping::default()
    }
}

const OFFRES: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<offres>\
    <offre ref=\"UNA-37-101\"><intitule>Aide à domicile (H/F)</intitule><lieu cp=\"37000\">Tours</lieu></offre>\
    <offre ref=\"UNA-37-102\"><intitule>Responsable de secteur</intitule><lieu cp=\"37100\">Tours</lieu></offre>\
    </offres>";

#[test]
fn a_mapping_that_matches_nothing_is_an_error_naming_what_was_found() {
    let m = una_mapping("jobs/item");
    assert_eq!(
        error(OFFRES, Some(Format::Xml), Some(&m)),
        format!(
            "the body ({} bytes, xml) yielded no offer: the mapping's items path `jobs/item` \
             matched nothing; root element is <offres>, which holds 2 <offre>",
            OFFRES.len()
        )
    );
    // The container is there but holds other records.
    let m = una_mapping("offres/annonce");
    let e = error(OFFRES, Some(Format::Xml), Some(&m));
    assert!(
        e.ends_with(
            "`offres/annonce` matched nothing; root element is <offres>, which holds 2 <offre>"
        ),
        "{e}"
    );
    // A deeper container names what it holds.
    let deep =
        "<export><meta>Réseau UNA</meta><liste><poste id=\"1\"/><poste id=\"2\"/></liste></export>";
    let m = una_mapping("export/liste/offre");
    let e = error(deep, Some(Format::Xml), Some(&m));
    assert!(
        e.ends_with("root element is <export>; <export/liste> holds 2 <poste>"),
        "{e}"
    );
    // One element name found anywhere: the root is where it was looked for.
    let m = una_mapping("offre");
    let e = error(deep, Some(Format::Xml), Some(&m));
    assert!(
        e.ends_with(
            "`offre` matched nothing; root element is <export>, which holds 1 <meta>, 1 <liste>"
        ),
        "{e}"
    );
    // The Indeed preset, declared.
    let e = error(OFFRES, Some(Format::Indeed), None);
    assert!(
        e.contains("(")
            && e.contains(
                "bytes, indeed) yielded no offer: the mapping's items path `job` matched nothing"
            ),
        "{e}"
    );
}

#[test]
fn auto_on_a_home_made_export_says_what_it_found_and_how_to_configure_it() {
    let jobs = "<?xml version=\"1.0\"?><jobs>\
        <item><titre>Animateur jeunesse (H/F)</titre><ville>Lyon</ville></item>\
        <item><titre>Éducateur spécialisé</titre><ville>Villeurbanne</ville></item></jobs>";
    let offers =
        "<offers><offer id=\"ADMR-51-12\"><intitule>Aide à domicile</intitule></offer></offers>";
    for (body, root, holds, items) in [
        (jobs, "<jobs>", "2 <item>", "jobs/item"),
        (offers, "<offers>", "1 <offer>", "offers/offer"),
    ] {
        for format in [None, Some(Format::Auto)] {
            let e = error(body, format, None);
            let want = format!(
                "the body ({} bytes, auto, read as indeed) yielded no offer: format = \"auto\" \
                 read it as Indeed-style XML, whose offers are <job> elements, and found none: \
                 root element is {root}, which holds {holds}. essaim does not recognise this \
                 format by itself: set format = \"xml\" with a [feed.mapping] saying where the \
                 offers and their fields are (for instance items = \"{items}\"): `essaim \
                 validate` proposes one for this body, fields included, and checks what \
                 essaim reads",
                body.len()
            );
            assert_eq!(e, want);
        }
    }
    // A root auto does not know at all.
    let e = error(OFFRES, None, None);
    assert!(
        e.starts_with(
            "not a readable RSS, Atom or JSON feed: root element is <offres>, which holds 2 <offre>. \
             essaim does not recognise this format by itself: set format = \"xml\""
        ) && e.contains("items = \"offres/offre\"")
            && e.ends_with("`essaim validate` proposes one for this body, fields included, and checks what essaim reads"),
        "{e}"
    );
    // JSON that is no JSON Feed.
    let e = error(
        "{\"offres\": [{\"intitule\": \"Médiateur social\"}]}",
        None,
        None,
    );
    assert!(
        e.contains("this JSON is no JSON Feed")
            && e.contains("set format = \"json\" with a [feed.mapping]"),
        "{e}"
    );
}

#[test]
fn documents_that_say_they_have_no_offer_are_empty_not_errors() {
    let empty = |body: &str, format: Option<Format>, mapping: Option<&Mapping>| {
        let ctx = ParseContext {
            format,
            mapping,
            ..ParseContext::at("2026-11-22T12:00:00Z".parse().unwrap())
        };
        let parsed = parse(body.as_bytes(), &ctx).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(parsed.items.is_empty(), "{body}");
    };
    empty(
        "<rss version=\"2.0\"><channel><title>Offres de la CRESS</title><link>https://cress.example/</link></channel></rss>",
        None,
        None,
    );
    empty(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Offres</title><id>urn:x</id><updated>2026-11-20T10:00:00Z</updated></feed>",
        Some(Format::Atom),
        None,
    );
    empty(
        "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Offres\",\"items\":[]}",
        None,
        None,
    );
    let m = una_mapping("offres/offre");
    empty("<offres/>", Some(Format::Xml), Some(&m));
    empty("<offres>\n</offres>", Some(Format::Xml), Some(&m));
    empty(
        "<offres><mise_a_jour>2026-11-20</mise_a_jour></offres>",
        Some(Format::Xml),
        Some(&m),
    );
    // An Indeed feed with its publisher and no job.
    let indeed = "<source><publisher>Coopérer pour l'emploi</publisher><publisherurl>https://cooperer.example</publisherurl></source>";
    empty(indeed, Some(Format::Indeed), None);
    empty(indeed, None, None);
    let m = Mapping {
        items: "/offres".into(),
        fields: vec![(Field::Title, "/intitule".into())],
        ..Mapping::default()
    };
    empty("{\"offres\": []}", Some(Format::Json), Some(&m));
    empty("{\"resultats\": []}", Some(Format::FranceTravail), None);
}

#[test]
fn json_and_json_ld_without_offers_are_errors() {
    let m = Mapping {
        items: "/offres".into(),
        fields: vec![(Field::Title, "/intitule".into())],
        ..Mapping::default()
    };
    let e = error(
        "{\"offres\": [\"Médiateur\", 3]}",
        Some(Format::Json),
        Some(&m),
    );
    assert!(
        e.ends_with("yielded no offer: the 2 values at the mapping's items pointer \"/offres\" are not JSON objects"),
        "{e}"
    );
    let e = error(
        "{\"@context\":\"https://schema.org\",\"@type\":\"Organization\",\"name\":\"Mutualité Française\"}",
        None,
        None,
    );
    assert!(
        e.ends_with("bytes, auto, read as json-ld) yielded no offer: no schema.org JobPosting in the JSON-LD"),
        "{e}"
    );
}

#[test]
fn mapping_override_replaces_fields_and_keeps_the_rest() {
    let preset = Mapping {
        items: "source/job".into(),
        fields: vec![(Field::Title, "title".into()), (Field::Link, "url".into())],
        ..Mapping::default()
    };
    let over = Mapping {
        items: String::new(),
        fields: vec![(Field::Link, "lien".into())],
        ..Mapping::default()
    };
    let m = preset.overridden_by(&over);
    assert_eq!(m.items, "source/job");
    assert_eq!(
        m.fields,
        vec![(Field::Title, "title".into()), (Field::Link, "lien".into())]
    );
}
