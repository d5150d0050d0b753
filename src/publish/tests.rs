//! Unit tests of the outputs.

use super::jsonld::IANA_NEXT;
use super::*;
use crate::model::{Offer, Source};
use serde_json::Value;

fn sample() -> (Channel, Vec<PublishedOffer>) {
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let offer = Offer {
        feed_id: "cress-bzh".into(),
        reference: Some("42".into()),
        url: Some("https://cress-bretagne.org/offres/42?a=1&b=2".into()),
        title: "Chargé·e de mission <ESS> ]]>\u{1} fin".into(),
        title_raw: "Chargé·e de mission <ESS> (H/F)".into(),
        employer: Some("Coop & Co".into()),
        categories: vec!["Animation".into()],
        published: Some(t("2026-11-20T09:00:00Z")),
        updated: None,
        description_html: "<p>Poste à Rennes</p>".into(),
        description_text: "Poste à Rennes".into(),
        warnings: vec![],
        ..Default::default()
    };
    let channel = Channel {
        title: "essaim".into(),
        description: "Offres".into(),
        base_url: "https://emplois.example.org".into(),
        updated: t("2026-11-21T09:00:00Z"),
        paging: Paging::Query {
            this: String::new(),
            first: None,
            next: None,
        },
    };
    let p = PublishedOffer {
        id: "0b7c7e1c-2f5e-5d3a-9a43-3b6b2f1d4c55".into(),
        network: "CRESS".into(),
        feed_name: "CRESS Bretagne".into(),
        first_seen: t("2026-11-20T10:00:00Z"),
        changed: t("2026-11-20T10:00:00Z"),
        offer,
        sources: vec![],
    };
    (channel, vec![p])
}

#[test]
fn outputs_parse_back_with_escaped_hostile_text() {
    let (c, offers) = sample();
    for (text, kind) in [
        (rss(&c, &offers), "rss"),
        (atom(&c, &offers), "atom"),
        (json_feed(&c, &offers), "json"),
    ] {
        let feed = feed_rs::parser::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
        assert_eq!(feed.entries.len(), 1, "{kind}");
        let e = &feed.entries[0];
        // XML 1.0 cannot carry U+0001 at all, so it is dropped; JSON escapes it as \u0001.
        let want = if kind == "json" {
            "Chargé·e de mission <ESS> ]]>\u{1} fin"
        } else {
            "Chargé·e de mission <ESS> ]]> fin"
        };
        assert_eq!(e.title.as_ref().unwrap().content, want, "{kind}");
        assert_eq!(
            e.links[0].href, "https://cress-bretagne.org/offres/42?a=1&b=2",
            "{kind}"
        );
        assert_eq!(
            e.id, "urn:uuid:0b7c7e1c-2f5e-5d3a-9a43-3b6b2f1d4c55",
            "{kind}"
        );
        assert!(!text.contains('\u{1}'), "{kind}");
    }
}

#[test]
fn api_offers_carry_every_documented_field_in_order() {
    let (_, mut offers) = sample();
    let p = &mut offers[0];
    p.offer.contract = Some(crate::model::Contract::Cdi);
    p.offer.location.place.region = Some("53".into());
    p.offer.valid_through = Some("2026-12-31T22:59:59Z".parse().unwrap());
    p.sources.push(Source {
        id: p.id.clone(),
        feed: "cress-bzh".into(),
        feed_name: "CRESS Bretagne".into(),
        network: "CRESS".into(),
        reference: Some("42".into()),
        url: p.offer.url.clone(),
    });
    let page: Value = serde_json::from_str(&api_page(
        &offers,
        Some("https://e.example/next"),
        Some("c1"),
    ))
    .unwrap();
    let offer = &page["offers"][0];
    let keys: Vec<&str> = offer
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "url",
            "title",
            "date_published",
            "date_modified",
            "first_seen",
            "description_html",
            "description_text",
            "categories",
            "network",
            "feed",
            "feed_name",
            "reference",
            "title_raw",
            "apply_url",
            "employer",
            "employer_family",
            "location",
            "contract",
            "contract_label",
            "contract_raw",
            "contract_duration",
            "employment_types",
            "working_time",
            "hours_per_week",
            "working_time_raw",
            "salary",
            "salary_raw",
            "sector",
            "valid_through",
            "start_date",
            "sources"
        ]
    );
    assert_eq!(offer, &api_offer(&offers[0]));
    assert_eq!(page["count"], 1);
    assert_eq!(page["next"], "https://e.example/next");
    assert_eq!(page["next_cursor"], "c1");
    assert_eq!(offer["date_published"], "2026-11-20T09:00:00Z");
    assert_eq!(offer["date_modified"], "2026-11-20T10:00:00Z");
    assert_eq!(offer["contract"], "cdi");
    assert_eq!(offer["valid_through"], "2026-12-31T22:59:59Z");
    assert_eq!(offer["location"]["region"], "53");
    assert!(
        offer["location"].get("remote").is_none(),
        "unknown remote work is left out"
    );
    assert!(offer["location"]["commune"].is_null());
    assert_eq!(offer["sources"][0]["feed_name"], "CRESS Bretagne");
    assert_eq!(offer["title"], "Chargé·e de mission <ESS> ]]>\u{1} fin");
    let job = job_object(&offers[0]);
    assert_eq!(job["employer"], "Coop & Co");
    assert_eq!(job.as_object().unwrap().len(), 23);
}

#[test]
fn pages_link_to_their_neighbours_in_every_output() {
    let (mut c, offers) = sample();
    let base = "https://emplois.example.org";
    // The second of three exported pages.
    c.paging = Paging::File {
        number: 2,
        next: true,
    };
    for (text, name, media) in [
        (rss(&c, &offers), "rss", "application/rss+xml"),
        (atom(&c, &offers), "atom", "application/atom+xml"),
    ] {
        let feed = feed_rs::parser::parse(text.as_bytes()).unwrap();
        let rel = |r: &str| -> Vec<String> {
            feed.links
                .iter()
                .filter(|l| l.rel.as_deref() == Some(r))
                .map(|l| l.href.clone())
                .collect()
        };
        assert_eq!(rel("self"), [format!("{base}/feed-2.{name}")], "{text}");
        assert_eq!(rel("first"), [format!("{base}/feed.{name}")], "{text}");
        assert_eq!(rel("next"), [format!("{base}/feed-3.{name}")], "{text}");
        assert!(
            text.contains(&format!("rel=\"next\" type=\"{media}\"")),
            "{text}"
        );
    }
    let json: Value = serde_json::from_str(&json_feed(&c, &offers)).unwrap();
    assert_eq!(json["feed_url"], format!("{base}/feed-2.json"));
    assert_eq!(json["next_url"], format!("{base}/feed-3.json"));
    let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
    assert_eq!(ld["@id"], format!("{base}/jobs-2.jsonld"));
    assert_eq!(ld["first"], format!("{base}/jobs.jsonld"));
    assert_eq!(ld["next"], format!("{base}/jobs-3.jsonld"));
    assert_eq!(ld["@context"][0], "https://schema.org");
    assert_eq!(ld["@context"][1]["next"]["@id"], IANA_NEXT);
    assert_eq!(ld["@context"][1]["next"]["@type"], "@id");
    assert_eq!(ld["@graph"].as_array().unwrap().len(), 1);

    // The last page links back to the first only.
    c.paging = Paging::File {
        number: 3,
        next: false,
    };
    let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
    assert_eq!(ld["first"], format!("{base}/jobs.jsonld"));
    assert!(ld.get("next").is_none(), "{ld}");
    let json: Value = serde_json::from_str(&json_feed(&c, &offers)).unwrap();
    assert!(json.get("next_url").is_none(), "{json}");
    assert!(!rss(&c, &offers).contains("rel=\"next\""));
    assert!(!atom(&c, &offers).contains("rel=\"next\""));

    // Live pages are told apart by their query string.
    c.paging = Paging::Query {
        this: "region=84&after=7_20261122T100000Z".into(),
        first: Some("region=84".into()),
        next: Some("region=84&after=3_20261120T100000Z".into()),
    };
    let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
    assert_eq!(
        ld["@id"],
        format!("{base}/jobs.jsonld?region=84&after=7_20261122T100000Z")
    );
    assert_eq!(ld["first"], format!("{base}/jobs.jsonld?region=84"));
    assert_eq!(
        c.next_url("jobs.jsonld").unwrap(),
        format!("{base}/jobs.jsonld?region=84&after=3_20261120T100000Z")
    );
    assert_eq!(ld["next"], c.next_url("jobs.jsonld").unwrap());

    // Without a base URL no output links anywhere.
    c.base_url = String::new();
    let ld: Value = serde_json::from_str(&jobs_jsonld(&c, &offers)).unwrap();
    for key in ["@id", "first", "next"] {
        assert!(ld.get(key).is_none(), "{key} in {ld}");
    }
    assert!(!rss(&c, &offers).contains("atom:link"));
    assert!(!atom(&c, &offers).contains("<link rel=\"next\""));
}

#[test]
fn page_files_are_numbered_from_the_second() {
    assert_eq!(page_file("feed.rss", 1), "feed.rss");
    assert_eq!(page_file("feed.rss", 2), "feed-2.rss");
    assert_eq!(page_file("feed.atom", 10), "feed-10.atom");
    assert_eq!(page_file("jobs.jsonld", 3), "jobs-3.jsonld");
}

#[test]
fn xml_escape_drops_forbidden_characters() {
    assert_eq!(
        xml_escape("a<b>&\"'\u{0}\u{8}\tc"),
        "a&lt;b&gt;&amp;&quot;&apos;\tc"
    );
}
