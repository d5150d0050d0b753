//! Dates that are true (issue 16, part 3): each partner snippet, read through the parser and
//! the normaliser as a fetch reads it, and the field it must give.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Utc};
use common::fixture_now;
use essaim::model::Offer;
use essaim::model::PublishedOffer;
use essaim::normalise;
use essaim::parse::{parse, ParseContext};
use essaim::publish;
use essaim::text::dates;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// One RSS item with `inner` as its elements, parsed and normalised at `now`.
fn rss_item(inner: &str, now: DateTime<Utc>) -> Offer {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Offres</title>\
         <item><title>Apprenti·e jardinier·e paysagiste</title>\
         <link>https://jardins-cocagne.example/offres/12</link>{inner}</item></channel></rss>"
    );
    let parsed = parse(body.as_bytes(), &ParseContext::at(now)).unwrap();
    assert_eq!(parsed.items.len(), 1);
    normalise::normalise(
        &parsed.items[0],
        &normalise::Context {
            feed_id: "cocagne",
            base_url: None,
            now,
        },
    )
}

#[test]
fn java_date_to_string_keeps_its_year() {
    assert_eq!(
        dates::parse_date("Tue Dec 22 23:59:22 CET 2015", fixture_now()),
        Some(t("2015-12-22T22:59:22Z"))
    );
    assert_eq!(
        dates::parse_date("Wed Jul 01 08:00:00 CEST 2026", fixture_now()),
        Some(t("2026-07-01T06:00:00Z"))
    );
    let o = rss_item(
        "<pubDate>Tue Dec 22 23:59:22 CET 2015</pubDate>",
        fixture_now(),
    );
    assert_eq!(o.published, Some(t("2015-12-22T22:59:22Z")));
    assert!(
        o.warnings.iter().all(|w| !w.contains("date")),
        "{:?}",
        o.warnings
    );
}

#[test]
fn an_offset_without_colon_is_read() {
    let o = rss_item("<pubDate>2025-02-26T16:40:27+0100</pubDate>", fixture_now());
    assert_eq!(o.published, Some(t("2025-02-26T15:40:27Z")));
}

#[test]
fn pub_date_wins_over_dc_date_whatever_their_order() {
    // dc:date holds the apprenticeship's start, after or before pubDate.
    for inner in [
        "<pubDate>2025-02-26T16:40:27+0100</pubDate><dc:date>2025-09-01</dc:date>",
        "<dc:date>2025-09-01</dc:date><pubDate>2025-02-26T16:40:27+0100</pubDate>",
    ] {
        let o = rss_item(inner, fixture_now());
        assert_eq!(o.published, Some(t("2025-02-26T15:40:27Z")), "{inner}");
    }
    // Without pubDate, dc:date is the publication date.
    let o = rss_item(
        "<dc:date>2026-11-16T08:00:00+01:00</dc:date>",
        fixture_now(),
    );
    assert_eq!(o.published, Some(t("2026-11-16T07:00:00Z")));
}

#[test]
fn an_unreadable_pub_date_is_a_warning_and_dc_date_does_not_replace_it() {
    let o = rss_item(
        "<pubDate>le mardi qui vient</pubDate><dc:date>2025-09-01</dc:date>",
        fixture_now(),
    );
    assert_eq!(o.published, None);
    assert!(
        o.warnings
            .contains(&"unparseable published date \"le mardi qui vient\"".to_string()),
        "{:?}",
        o.warnings
    );
}

#[test]
fn a_publication_date_beyond_a_day_after_the_fetch_is_not_believed() {
    let now = fixture_now(); // 2026-11-22T12:00:00Z
    let o = rss_item("<pubDate>Mon, 01 Mar 2027 09:00:00 +0100</pubDate>", now);
    assert_eq!(o.published, None);
    assert!(
        o.warnings.contains(
            &"published date 2027-03-01T08:00:00Z is in the future (more than a day after the \
              fetch at 2026-11-22T12:00:00Z): ignored, the offer is dated when first seen"
                .to_string()
        ),
        "{:?}",
        o.warnings
    );
    // Within a day (a partner's clock or zone a few hours ahead): kept.
    let o = rss_item("<pubDate>Mon, 23 Nov 2026 08:00:00 +0100</pubDate>", now);
    assert_eq!(o.published, Some(t("2026-11-23T07:00:00Z")));
    assert!(o.warnings.iter().all(|w| !w.contains("future")));
    // The year dropped by a misread Java date lands in the future: now it is read right.
    let o = rss_item("<pubDate>Tue Dec 22 23:59:22 CET 2026</pubDate>", now);
    assert_eq!(o.published, None);
}

fn published(offer: Offer, first_seen: &str, changed: &str) -> PublishedOffer {
    PublishedOffer {
        id: "6f1c2b4e-0000-5000-8000-000000000001".into(),
        network: "Jardins de Cocagne".into(),
        feed_name: "Cocagne".into(),
        first_seen: t(first_seen),
        changed: t(changed),
        offer,
        sources: vec![],
    }
}

#[test]
fn without_a_publication_date_the_output_says_it_is_estimated() {
    let undated = rss_item("", fixture_now());
    assert_eq!(undated.published, None);
    // Dated when first seen.
    let p = published(
        undated.clone(),
        "2026-11-20T10:00:00Z",
        "2026-11-21T10:00:00Z",
    );
    assert_eq!(publish::date_published(&p), t("2026-11-20T10:00:00Z"));
    assert_eq!(publish::job_object(&p)["date_estimated"], true);
    // Never later than the modification date the partner gave.
    let mut modified = undated;
    modified.updated = Some(t("2026-11-18T09:00:00Z"));
    let p = published(modified, "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z");
    assert_eq!(publish::date_published(&p), t("2026-11-18T09:00:00Z"));
    // A dated offer says nothing.
    let dated = rss_item(
        "<pubDate>Mon, 16 Nov 2026 10:00:00 +0100</pubDate>",
        fixture_now(),
    );
    let p = published(dated, "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z");
    assert_eq!(publish::date_published(&p), t("2026-11-16T09:00:00Z"));
    assert!(publish::job_object(&p).get("date_estimated").is_none());
}

/// Through a whole fetch: the future date is a warning of the fetch naming the item, and the
/// outputs date that offer and the undated one when first seen, saying it was estimated.
#[tokio::test(start_paused = true)]
async fn a_fetch_dates_future_and_undated_offers_when_first_seen() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cocagne.xml"),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Offres</title>\
         <item><title>Encadrant·e technique maraîchage</title><link>https://cocagne.example/o/1</link>\
         <pubDate>Tue Dec 22 23:59:22 CET 2026</pubDate></item>\
         <item><title>Apprenti·e paysagiste</title><link>https://cocagne.example/o/2</link>\
         <pubDate>2025-02-26T16:40:27+0100</pubDate><dc:date>2027-09-01</dc:date></item>\
         <item><title>Accompagnateur·rice socio-professionnel·le</title>\
         <link>https://cocagne.example/o/3</link></item></channel></rss>",
    )
    .unwrap();
    let text = common::FeedsToml::new()
        .feed("cocagne", "Cocagne", "Jardins de Cocagne", "cocagne.xml")
        .to_string();
    let common::Fixture {
        store, pipeline, ..
    } = common::Fixture::load(dir.path(), &text, common::fixture_clock());
    let report = pipeline
        .refresh_many(&["cocagne".to_string()])
        .await
        .remove(0);
    assert!(
        report.warnings.iter().any(|w| w.starts_with("item 1 ")
            && w.contains("published date 2026-12-22T22:59:22Z is in the future")),
        "{:?}",
        report.warnings
    );
    let offers = store.open_offers(10).unwrap();
    let by_url = |u: &str| {
        offers
            .iter()
            .find(|p| p.offer.url.as_deref() == Some(u))
            .unwrap()
    };
    let first_seen = fixture_now();
    for (url, date, estimated) in [
        ("https://cocagne.example/o/1", first_seen, true),
        (
            "https://cocagne.example/o/2",
            t("2025-02-26T15:40:27Z"),
            false,
        ),
        ("https://cocagne.example/o/3", first_seen, true),
    ] {
        let p = by_url(url);
        assert_eq!(publish::date_published(p), date, "{url}");
        assert_eq!(
            publish::job_object(p).get("date_estimated") == Some(&serde_json::json!(true)),
            estimated,
            "{url}"
        );
    }
}
