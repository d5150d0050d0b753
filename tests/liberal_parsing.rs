//! Liberal parsing (issue 16, part 1): feeds feed-rs refuses, or reads without their items, in
//! the broken shapes partners publish (fixtures/liberal/), are read by the lenient reader,
//! which names what it forgave; a truncated document is an error, never a complete read.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fixture_now, fixtures};
use essaim::parse::{parse, Format, ParseContext, Parsed, RawItem};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("liberal").join(name)).unwrap()
}

fn parse_fixture(name: &str) -> Parsed {
    parse(&read(name), &ParseContext::at(fixture_now())).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn titles(p: &Parsed) -> Vec<&str> {
    p.items
        .iter()
        .map(|i| i.title.as_deref().unwrap_or(""))
        .collect()
}

fn field(item: &RawItem, f: fn(&RawItem) -> &Option<String>) -> Option<&str> {
    f(item).as_deref()
}

#[test]
fn rss_without_channel_keeps_its_items() {
    let p = parse_fixture("rss-without-channel.xml");
    assert_eq!(p.format, Some(Format::Rss));
    assert_eq!(
        titles(&p),
        ["Animateur·rice famille (H/F)", "Coordinateur jeunesse"]
    );
    let first = &p.items[0];
    assert_eq!(first.reference.as_deref(), Some("CS42-2026-031"));
    assert_eq!(
        first.link.as_deref(),
        Some("https://centres-sociaux-loire.example/offres/animateur-famille-roanne")
    );
    assert_eq!(first.published.as_deref(), Some("2026-11-16T08:15:00Z"));
    assert_eq!(
        first.description.as_deref(),
        Some("<p>Lieu : Roanne (42)</p><p>Contrat : CDI, 28h/semaine</p>")
    );
    assert_eq!(
        p.warnings,
        [
            "the strict feed parser failed (unable to parse feed: no root element); the lenient \
             reader recovered 2 items, forgiving items outside <channel>"
        ]
    );
    // The audit copy is the item as the partner wrote it.
    let xml = first.source["xml"].as_str().unwrap();
    assert!(
        xml.starts_with("<item>") && xml.ends_with("</item>"),
        "{xml}"
    );
}

#[test]
fn atom_0_3_is_read_with_its_base64_title_and_dates() {
    let p = parse_fixture("atom03.xml");
    assert_eq!(p.format, Some(Format::Atom));
    assert_eq!(
        titles(&p),
        [
            "Infirmier·e coordinateur·rice - SSIAD de Lorient",
            "Aide-soignant · EHPAD de Quimper"
        ]
    );
    let a = &p.items[0];
    assert_eq!(
        a.link.as_deref(),
        Some("https://mutualite-bretagne.example/emplois/ssiad-lorient-ide")
    );
    assert_eq!(
        a.reference.as_deref(),
        Some("tag:mutualite-bretagne.example,2026:emploi-5521")
    );
    // issued is Atom 0.3's published, modified its updated.
    assert_eq!(a.published.as_deref(), Some("2026-11-18T09:30:00Z"));
    assert_eq!(a.updated.as_deref(), Some("2026-11-19T15:00:00Z"));
    assert_eq!(a.employer.as_deref(), Some("Mutualité Française Bretagne"));
    assert_eq!(
        a.description.as_deref(),
        Some("<p>CDI temps plein à Lorient (56).</p>")
    );
    assert_eq!(
        field(&p.items[1], |i| &i.description),
        Some("<p>CDD de 6 mois, Quimper (29).</p>")
    );
    assert_eq!(
        p.warnings,
        [
            "the strict feed parser read 0 of the 2 items; the lenient reader recovered 2 items, \
             forgiving Atom 0.3",
            "item 2 (https://mutualite-bretagne.example/emplois/ehpad-quimper-as): <title> \
             decoded from base64 (mode=\"base64\")"
        ]
    );
}

#[test]
fn atom_with_empty_base64_and_unknown_types_loses_no_entry() {
    let p = parse_fixture("atom-odd-types.xml");
    assert_eq!(
        titles(&p),
        [
            "Chef·fe de chantier gros œuvre",
            "Conducteur·rice de travaux",
            "Menuisier·e agenceur·se"
        ]
    );
    assert_eq!(
        field(&p.items[0], |i| &i.description),
        Some("SCOP de 40 salariés, Toulouse (31), CDI.")
    );
    assert_eq!(
        field(&p.items[1], |i| &i.description),
        Some("<p>CDI à Albi (81), statut ETAM.</p>")
    );
    assert_eq!(
        field(&p.items[2], |i| &i.description),
        Some("**CDD 12 mois**, Montpellier (34)")
    );
    assert_eq!(
        field(&p.items[0], |i| &i.published),
        Some("2026-11-17T07:00:00Z")
    );
    assert_eq!(p.warnings.len(), 3, "{:?}", p.warnings);
    assert!(
        p.warnings[0].starts_with("the strict feed parser failed (")
            && p.warnings[0].ends_with("the lenient reader recovered 3 items"),
        "{}",
        p.warnings[0]
    );
    assert_eq!(
        p.warnings[1],
        "item 1 (https://scop-btp-occitanie.example/offres/chef-chantier-toulouse): <title> with \
         type=\"\" read as text; <summary> with type=\"\" read as text"
    );
    assert_eq!(
        p.warnings[2],
        "item 2 (https://scop-btp-occitanie.example/offres/conducteur-travaux-albi): <summary> \
         decoded from base64 (type=\"application/octet-stream\")"
    );
}

#[test]
fn mismatched_end_tags_are_forgiven_and_named() {
    let p = parse_fixture("rss-mismatched-tags.xml");
    assert_eq!(
        titles(&p),
        ["Responsable logistique bénévole", "Chargé·e d'accueil"]
    );
    assert_eq!(
        field(&p.items[0], |i| &i.description),
        Some("Entrepôt de Clermont-Ferrand (63).<br>Permis B souhaité.")
    );
    assert_eq!(
        field(&p.items[1], |i| &i.description),
        Some("<p>Vichy (03), 20h/semaine.</p>")
    );
    assert_eq!(field(&p.items[1], |i| &i.reference), Some("RDC-03-022"));
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(
        p.warnings[0].ends_with(
            "the lenient reader recovered 2 items, forgiving 1 mismatched end tag (<br> closed \
             by </description>)"
        ),
        "{}",
        p.warnings[0]
    );
}

#[test]
fn rdf_with_dc_date_and_creator() {
    let p = parse_fixture("rdf.xml");
    assert_eq!(p.format, Some(Format::Rss));
    assert_eq!(titles(&p), ["Éducateur·rice spécialisé·e"]);
    let it = &p.items[0];
    // Without pubDate, dc:date is the publication date.
    assert_eq!(it.published.as_deref(), Some("2026-11-16T07:00:00Z"));
    assert_eq!(it.employer.as_deref(), Some("ADAPEI du Bas-Rhin"));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_truncated_document_is_an_error_not_a_shorter_feed() {
    let e = parse(&read("rss-truncated.xml"), &ParseContext::at(fixture_now()))
        .unwrap_err()
        .0;
    assert!(
        e.starts_with("the document is cut short") && e.contains("<rss>"),
        "{e}"
    );
    // Cut after a complete item, between elements, and inside a tag: errors too, on the
    // strict path (a well-formed prefix feed-rs would read) as on the lenient one.
    let whole = String::from_utf8(read("rss-without-channel.xml")).unwrap();
    let well_formed = String::from_utf8(read("rss-mismatched-tags.xml"))
        .unwrap()
        .replace("<br>", "<br/>");
    assert!(parse(well_formed.as_bytes(), &ParseContext::at(fixture_now())).is_ok());
    for text in [&whole, &well_formed] {
        for marker in ["</item>", "<pubDate>"] {
            let cut = text.rfind(marker).unwrap() + marker.len();
            let e = parse(&text.as_bytes()[..cut], &ParseContext::at(fixture_now()))
                .unwrap_err()
                .0;
            assert!(e.contains("cut short"), "{marker}: {e}");
        }
        let cut = text.rfind("</title>").unwrap() + 4;
        let e = parse(&text.as_bytes()[..cut], &ParseContext::at(fixture_now()))
            .unwrap_err()
            .0;
        assert!(e.contains("cut short"), "inside a tag: {e}");
    }
}

#[test]
fn what_no_reader_can_read_keeps_the_strict_error() {
    let ctx = ParseContext::at(fixture_now());
    // Another root: the advice about mappings, not a lenient read.
    let e = parse(
        b"<offres><offre><intitule>Aide</intitule></offre></offres>",
        &ctx,
    )
    .unwrap_err()
    .0;
    assert!(e.contains("[feed.mapping]"), "{e}");
    // An RSS document without any item is no "empty feed" when it is broken.
    let e = parse(b"<rss><title>x</titre></rss>", &ctx).unwrap_err().0;
    assert!(
        e.starts_with("not a readable RSS, Atom or JSON feed"),
        "{e}"
    );
}

#[test]
fn a_json_feed_with_a_bare_version_is_read() {
    let body = r#"{"version": "1.1", "title": "Offres de la Ligue de l'enseignement",
        "items": [{"id": 77, "url": "https://laligue.example/offres/77", "title": "Animateur·rice périscolaire",
        "content_html": "<p>Nantes (44), CDD</p>", "date_published": "2026-11-18T10:00:00+01:00",
        "authors": [{"name": "Ligue 44"}]}]}"#;
    let p = parse(body.as_bytes(), &ParseContext::at(fixture_now())).unwrap();
    assert_eq!(p.format, Some(Format::JsonFeed));
    let it = &p.items[0];
    assert_eq!(it.reference.as_deref(), Some("77"));
    assert_eq!(it.title.as_deref(), Some("Animateur·rice périscolaire"));
    assert_eq!(it.published.as_deref(), Some("2026-11-18T09:00:00Z"));
    assert_eq!(it.employer.as_deref(), Some("Ligue 44"));
    assert_eq!(p.warnings.len(), 1);
    assert!(
        p.warnings[0].ends_with(
            "the lenient reader recovered 1 item, forgiving the version \"1.1\" (not the JSON \
             Feed URL)"
        ),
        "{}",
        p.warnings[0]
    );
}

#[test]
fn relative_links_in_content_follow_xml_base() {
    // Valid Atom (feed-rs reads it) and the same entry made lenient by a `type=""` title.
    for title in [
        "<title>Agent·e d'accueil</title>",
        "<title type=\"\">Agent·e d'accueil</title>",
    ] {
        let body = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://emplois.apf.example/\">\
             <title>APF France handicap</title><id>urn:apf</id><updated>2026-11-20T08:00:00Z</updated>\
             <entry xml:base=\"offres/\">{title}<id>urn:apf:1</id><updated>2026-11-20T08:00:00Z</updated>\
             <link href=\"accueil-angers.html\"/>\
             <content type=\"html\">Voir &lt;a href=\"fiche-poste.pdf\"&gt;la fiche&lt;/a&gt; et \
             &lt;a href=\"https://apf.example/\"&gt;le site&lt;/a&gt;</content></entry></feed>"
        );
        let p = parse(body.as_bytes(), &ParseContext::at(fixture_now())).unwrap();
        // The second is read by the lenient reader, which says so.
        assert_eq!(
            p.warnings.is_empty(),
            !title.contains("type"),
            "{:?}",
            p.warnings
        );
        let it = &p.items[0];
        assert_eq!(
            it.link.as_deref(),
            Some("https://emplois.apf.example/offres/accueil-angers.html"),
            "{title}"
        );
        assert_eq!(
            it.description.as_deref(),
            Some(
                "Voir <a href=\"https://emplois.apf.example/offres/fiche-poste.pdf\">la fiche</a> \
                 et <a href=\"https://apf.example/\">le site</a>"
            ),
            "{title}"
        );
    }
}
