//! A fetch that reads nothing closes nothing. A partner's export that changes shape, or that
//! `format = "auto"` does not recognise, is a failed fetch (backoff, the reason on the feed),
//! never "ok, 0 items" followed by the closing of every offer.
//!
//! Partners are served by the tests on 127.0.0.1:0, and "now" is pinned
//! (`Clock::tokio_from`): nothing here depends on the machine's date.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use common::{failure, FeedsToml, FixtureDir};
use essaim::clock::Clock;
use essaim::model::FeedState;
use essaim::model::{rfc3339, HeldClosing};
use essaim::pipeline::{FeedReport, Outcome};
use essaim::store::ApplyStats;

/// "Now" for every test: 20 November 2026, 10:00 UTC.
fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The bodies a partner serves, by path; tests change them between fetches.
#[derive(Clone, Default)]
struct Partner {
    bodies: Arc<Mutex<HashMap<String, String>>>,
}

impl Partner {
    fn serve(&self, name: &str, body: String) {
        self.bodies.lock().unwrap().insert(name.to_string(), body);
    }
}

/// Serves the partner's current bodies at /NAME on 127.0.0.1:0.
async fn partner_server(partner: &Partner) -> std::net::SocketAddr {
    let bodies = Arc::clone(&partner.bodies);
    let app = Router::new().route(
        "/{name}",
        get(move |Path(name): Path<String>| {
            let body = bodies.lock().unwrap().get(&name).cloned();
            async move {
                match body {
                    Some(b) => ([(header::CONTENT_TYPE, "application/xml")], b).into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }
        }),
    );
    common::serve(app).await
}

/// The network of every feed here.
const NETWORK: &str = "UNA";

/// The registry `toml` (its settings and feeds), that may reach 127.0.0.1, on a pinned clock.
fn env(toml: FeedsToml) -> FixtureDir {
    let text = toml.setting(common::ALLOW_LOOPBACK).to_string();
    FixtureDir::load(&text, Clock::tokio_from(base()))
}

fn stats(r: &FeedReport) -> ApplyStats {
    match &r.outcome {
        Outcome::Updated(s) => *s,
        other => panic!("{}: expected a success, got {other:?}", r.feed_id),
    }
}

fn new_offers(r: &FeedReport) -> usize {
    stats(r).new
}

/// Offers of a home care network: (reference, title, employer, commune).
const UNA: &[(&str, &str, &str, &str)] = &[
    (
        "UNA-37-101",
        "Aide à domicile (H/F)",
        "UNA Touraine",
        "Tours",
    ),
    (
        "UNA-37-102",
        "Responsable de secteur",
        "UNA Touraine",
        "Joué-lès-Tours",
    ),
    (
        "UNA-37-103",
        "Auxiliaire de vie sociale",
        "ADMR de Loches",
        "Loches",
    ),
    (
        "UNA-37-104",
        "Infirmier coordinateur (F/H)",
        "SSIAD du Chinonais",
        "Chinon",
    ),
    (
        "UNA-37-105",
        "Assistante administrative",
        "UNA Touraine",
        "Amboise",
    ),
];

/// The export as the mapping knows it: `<jobs><item id>`.
fn jobs_items(offers: &[(&str, &str, &str, &str)]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<jobs>\n");
    for (reference, title, employer, commune) in offers {
        xml.push_str(&format!(
            "<item id=\"{reference}\"><titre>{title}</titre><structure>{employer}</structure>\
             <ville>{commune}</ville><url>https://www.una-touraine.example/offres/{reference}</url>\
             <description>Poste en CDI, temps plein.</description></item>\n"
        ));
    }
    xml.push_str("</jobs>\n");
    xml
}

/// The same offers after the partner's new website: `<offres><offre ref>`.
fn offres_offre(offers: &[(&str, &str, &str, &str)]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<offres>\n");
    for (reference, title, employer, commune) in offers {
        xml.push_str(&format!(
            "<offre ref=\"{reference}\"><intitule>{title}</intitule><employeur>{employer}</employeur>\
             <lieu>{commune}</lieu><lien>https://www.una-touraine.example/o/{reference}</lien></offre>\n"
        ));
    }
    xml.push_str("</offres>\n");
    xml
}

/// `<offers><offer>`, as another aggregator exports them.
fn offers_offer(offers: &[(&str, &str, &str, &str)]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<offers>\n");
    for (reference, title, employer, commune) in offers {
        xml.push_str(&format!(
            "<offer><id>{reference}</id><name>{title}</name><company>{employer}</company>\
             <place>{commune}</place></offer>\n"
        ));
    }
    xml.push_str("</offers>\n");
    xml
}

const UNA_MAPPING: &str = "format = \"xml\"\n[feed.mapping]\nitems = \"jobs/item\"\nreference = \"@id\"\ntitle = \"titre\"\nemployer = \"structure\"\ncity = \"ville\"\nlink = \"url\"\ndescription = \"description\"";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_that_matches_nothing_fails_backs_off_and_closes_nothing() {
    let partner = Partner::default();
    partner.serve("offres.xml", jobs_items(UNA));
    let addr = partner_server(&partner).await;
    let e = env(FeedsToml::new()
        .feed(
            "una-touraine",
            "UNA Touraine",
            NETWORK,
            &format!("http://{addr}/offres.xml"),
        )
        .with(UNA_MAPPING));
    assert_eq!(new_offers(&e.refresh("una-touraine").await), 5);

    // The partner's new website exports <offres><offre>: the mapping reads nothing.
    let body = offres_offre(UNA);
    partner.serve("offres.xml", body.clone());
    for attempt in 1..=3u32 {
        let r = e.refresh("una-touraine").await;
        let error = failure(&r);
        assert_eq!(
            error,
            format!(
                "the body ({} bytes, xml) yielded no offer: the mapping's items path `jobs/item` \
                 matched nothing; root element is <offres>, which holds 5 <offre>",
                body.len()
            )
        );
        let st = e.status("una-touraine");
        assert_eq!(st.state, FeedState::BackingOff, "the normal failure path");
        assert_eq!(st.consecutive_errors, attempt);
        assert_eq!(st.last_error.as_deref(), Some(error));
        assert_eq!(st.last_status, Some(200), "the partner answered");
        assert_eq!(e.offers("una-touraine"), (5, 0), "nothing closed");
    }
    // Every offer is still published, none of them missed by a fetch.
    assert_eq!(e.store.open_offers(100).unwrap().len(), 5);
    let marks = e.store.offer_marks("una-touraine").unwrap();
    assert!(marks.iter().all(|m| m.missed_fetches == 0), "{marks:?}");
    let outcomes: Vec<String> = e
        .store
        .attempts("una-touraine")
        .unwrap()
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert_eq!(outcomes, ["ok", "error", "error", "error"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_on_jobs_item_and_offers_offer_fails_with_advice_and_closes_nothing() {
    let partner = Partner::default();
    partner.serve(
        "rs-touraine.xml",
        common::rss(&[
            "Animateur jeunesse (H/F)",
            "Educateur spécialisé - CDI",
            "Chargée de mission ESS",
            "Coordinateur de tiers-lieu",
        ]),
    );
    partner.serve(
        "cooperer.xml",
        common::rss(&[
            "Comptable associatif",
            "Moniteur d'atelier en ESAT",
            "Conseillère en insertion professionnelle",
            "Directeur de centre social",
        ]),
    );
    let addr = partner_server(&partner).await;
    let feeds = FeedsToml::new()
        .feed(
            "rs-touraine",
            "Ressources solidaires, Touraine",
            NETWORK,
            &format!("http://{addr}/rs-touraine.xml"),
        )
        .feed(
            "cooperer",
            "Coopérer pour l'emploi",
            NETWORK,
            &format!("http://{addr}/cooperer.xml"),
        )
        .with("format = \"auto\"");
    let e = env(feeds);
    assert_eq!(new_offers(&e.refresh("rs-touraine").await), 4);
    assert_eq!(new_offers(&e.refresh("cooperer").await), 4);

    // Both partners switch to a home-made export.
    let jobs = jobs_items(UNA);
    let offers = offers_offer(UNA);
    partner.serve("rs-touraine.xml", jobs.clone());
    partner.serve("cooperer.xml", offers.clone());
    for (id, body, root, holds, items) in [
        ("rs-touraine", &jobs, "<jobs>", "5 <item>", "jobs/item"),
        ("cooperer", &offers, "<offers>", "5 <offer>", "offers/offer"),
    ] {
        for attempt in 1..=2u32 {
            let r = e.refresh(id).await;
            let error = failure(&r);
            assert!(
                error.starts_with(&format!(
                    "the body ({} bytes, auto, read as indeed) yielded no offer: ",
                    body.len()
                )),
                "{error}"
            );
            for part in [
                format!("root element is {root}, which holds {holds}"),
                "set format = \"xml\" with a [feed.mapping]".to_string(),
                format!("items = \"{items}\""),
                "`essaim validate`".to_string(),
            ] {
                assert!(error.contains(&part), "{id}: {part:?} in {error}");
            }
            let st = e.status(id);
            assert_eq!(st.state, FeedState::BackingOff);
            assert_eq!(st.consecutive_errors, attempt);
            assert_eq!(e.offers(id), (4, 0), "{id}: nothing closed");
        }
    }
    assert_eq!(e.store.open_offers(100).unwrap().len(), 8);
}

/// An RSS item with only a description and a guid: neither title nor link.
const ITEM_WITHOUT_TITLE_OR_LINK: &str = "<item><guid isPermaLink=\"false\">rs-69-2210</guid>\
    <description>Le centre social recrute. Lieu : Vénissieux</description></item>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_without_title_or_link_is_a_warning_not_an_offer() {
    let partner = Partner::default();
    let rss = common::rss(&["Animateur périscolaire (H/F)", "Médiatrice sociale"]);
    partner.serve(
        "rs-rhone.xml",
        rss.replace(
            "</channel>",
            &format!("{ITEM_WITHOUT_TITLE_OR_LINK}</channel>"),
        ),
    );
    let addr = partner_server(&partner).await;
    let e = env(FeedsToml::new().feed(
        "rs-rhone",
        "Ressources solidaires, Rhône",
        NETWORK,
        &format!("http://{addr}/rs-rhone.xml"),
    ));
    let r = e.refresh("rs-rhone").await;
    assert_eq!(new_offers(&r), 2);
    assert_eq!(r.items_found, 3);
    assert!(
        r.warnings.contains(
            &"item 3 (reference \"rs-69-2210\"): neither title nor link, so it is not published"
                .to_string()
        ),
        "{:?}",
        r.warnings
    );
    assert_eq!(e.offers("rs-rhone"), (2, 0));
    let published = e.store.open_offers(100).unwrap();
    assert_eq!(published.len(), 2);
    assert!(published
        .iter()
        .all(|p| !p.offer.title.is_empty() && p.offer.url.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_whose_items_all_lack_title_and_link_fails_and_closes_nothing() {
    let partner = Partner::default();
    partner.serve(
        "cooperer.xml",
        common::rss(&[
            "Aide-soignante en EHPAD associatif",
            "Chef de service éducatif",
            "Agent d'entretien en chantier d'insertion",
        ]),
    );
    let addr = partner_server(&partner).await;
    let e = env(FeedsToml::new()
        .setting("close_after_missed_fetches = 1")
        .feed(
            "cooperer",
            "Coopérer pour l'emploi",
            NETWORK,
            &format!("http://{addr}/cooperer.xml"),
        ));
    assert_eq!(new_offers(&e.refresh("cooperer").await), 3);
    // Indeed-shaped, but in French: `auto` finds the <job> items, and none of their fields.
    let body = "<?xml version=\"1.0\"?>\n<source><publisher>Coopérer pour l'emploi</publisher>\
        <job id=\"C-51-1\"><intitule>Aide-soignante</intitule><lien>https://cooperer.example/o/1</lien></job>\
        <job id=\"C-51-2\"><intitule>Chef de service</intitule><lien>https://cooperer.example/o/2</lien></job>\
        </source>";
    partner.serve("cooperer.xml", body.to_string());
    let r = e.refresh("cooperer").await;
    assert_eq!(
        failure(&r),
        format!(
            "the body ({} bytes, auto, read as indeed) yielded no offer: none of its 2 items has \
             a title or a link; check the feed's format and [feed.mapping] (`essaim validate` \
             shows what essaim reads)",
            body.len()
        )
    );
    assert_eq!(e.status("cooperer").state, FeedState::BackingOff);
    assert_eq!(e.offers("cooperer"), (3, 0), "nothing closed");
    assert!(e
        .store
        .open_offers(100)
        .unwrap()
        .iter()
        .all(|p| !p.offer.title.is_empty()));
}

/// Ten offers of the Mouvement associatif d'Occitanie: (guid, title, commune).
const OCCITANIE: &[(&str, &str, &str)] = &[
    ("lma-3101", "Chargé d'accompagnement associatif", "Toulouse"),
    ("lma-3102", "Animatrice de réseau bénévole", "Montpellier"),
    ("lma-3103", "Coordinateur de projets jeunesse", "Nîmes"),
    ("lma-3104", "Comptable associatif (H/F)", "Perpignan"),
    ("lma-3105", "Chargée de communication", "Albi"),
    (
        "lma-3106",
        "Responsable de formation des bénévoles",
        "Carcassonne",
    ),
    ("lma-3107", "Assistant de direction", "Montauban"),
    ("lma-3108", "Éducatrice de jeunes enfants", "Rodez"),
    ("lma-3109", "Médiateur numérique", "Béziers"),
    ("lma-3110", "Directrice de centre social", "Tarbes"),
];

/// The partner's RSS with these offers.
fn occitanie_rss(offers: &[(&str, &str, &str)]) -> String {
    let mut items = String::new();
    for (guid, title, commune) in offers {
        items.push_str(&format!(
            "<item><title>{title}</title><link>https://lmaoccitanie.example/emploi/{guid}</link>\
             <guid isPermaLink=\"false\">{guid}</guid><pubDate>Tue, 17 Nov 2026 09:00:00 GMT</pubDate>\
             <description>Lieu : {commune}. Contrat : CDI.</description></item>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Offres du Mouvement associatif Occitanie</title><link>https://lmaoccitanie.example/</link>\
         <description>Emplois associatifs</description>{items}</channel></rss>\n"
    )
}

/// A feed of ten open offers, then a fetch that lists two of them: with
/// `close_after_missed_fetches = 1`, it would close eight of the ten at once. Returns that
/// fetch's report.
async fn held_feed() -> (Partner, FixtureDir, FeedReport) {
    let partner = Partner::default();
    partner.serve("lma.xml", occitanie_rss(OCCITANIE));
    let addr = partner_server(&partner).await;
    let e = env(FeedsToml::new()
        .setting("close_after_missed_fetches = 1")
        .feed(
            "lma-occitanie",
            "Le Mouvement associatif Occitanie",
            NETWORK,
            &format!("http://{addr}/lma.xml"),
        ));
    assert_eq!(new_offers(&e.refresh("lma-occitanie").await), 10);
    // The export is cut short: two offers of ten.
    partner.serve("lma.xml", occitanie_rss(&OCCITANIE[..2]));
    let r = e.refresh("lma-occitanie").await;
    let s = stats(&r);
    assert_eq!((s.new, s.closed, s.held, s.open_before), (0, 0, 8, 10));
    (partner, e, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_dropping_most_offers_is_held_shown_and_closes_nothing() {
    let (_partner, e, r) = held_feed().await;
    assert!(
        r.warnings.contains(
            &"closing held: this fetch (2 items) would close 8 of the feed's 10 open offers at \
              once; they stay open, and are closed only if the next fetch lacks them too"
                .to_string()
        ),
        "{:?}",
        r.warnings
    );
    assert_eq!(e.offers("lma-occitanie"), (10, 0), "the offers stay open");
    assert_eq!(e.store.open_offers(100).unwrap().len(), 10, "and published");
    let st = e.status("lma-occitanie");
    assert_eq!(
        st.state,
        FeedState::Active,
        "a held closing is no fetch error"
    );
    assert_eq!(st.consecutive_errors, 0);
    let held = st.held_closing.clone().unwrap();
    assert_eq!((held.offers, held.open), (8, 10));
    assert!(rfc3339(held.at).starts_with("2026-11-20T10:0"), "{held:?}");

    // /api/feeds says so.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = essaim::web::AppState::new(Arc::clone(&e.store), format!("http://{addr}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(essaim::web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let body = reqwest::get(format!("http://{addr}/api/feeds"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let feeds: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let shown = feeds
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "lma-occitanie")
        .unwrap();
    assert_eq!(shown["held_closing"]["offers"], 8);
    assert_eq!(shown["held_closing"]["open"], 10);
    assert_eq!(shown["held_closing"]["at"], rfc3339(held.at).as_str());
    let _ = stop.send(());
    server.await.unwrap().unwrap();

    // So does `essaim feeds`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_essaim"))
        .arg("--config")
        .arg(e.path())
        .arg("feeds")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("lma-occitanie"))
        .unwrap();
    assert!(
        row.ends_with(&format!(
            "closing held: the fetch of {} would have closed 8 of 10 open offers at once; they \
             stay open unless the next fetch lacks them too",
            rfc3339(held.at)
        )),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_fetch_agreeing_closes_the_held_offers_even_after_a_restart() {
    let (_partner, e, _) = held_feed().await;
    let held_at = e.status("lma-occitanie").held_closing.unwrap().at;
    // The daemon restarts: the hold is in the database.
    let e = e.reopen(Clock::tokio_from(base()));
    assert_eq!(
        e.status("lma-occitanie").held_closing.map(|h| h.at),
        Some(held_at)
    );
    // The partner serves the same two offers, byte for byte: the fetch reads them anyway
    // (an identical body would otherwise not be read), and agrees.
    let s = stats(&e.refresh("lma-occitanie").await);
    assert_eq!((s.new, s.unchanged, s.closed, s.held), (0, 2, 8, 0));
    assert_eq!(e.offers("lma-occitanie"), (2, 8));
    assert_eq!(e.store.open_offers(100).unwrap().len(), 2);
    assert_eq!(e.status("lma-occitanie").held_closing, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_fetch_listing_the_offers_again_closes_nothing_and_clears_the_hold() {
    let (partner, e, _) = held_feed().await;
    // The export is whole again, with one more offer.
    let mut all = OCCITANIE.to_vec();
    all.push(("lma-3111", "Juriste en droit associatif", "Toulouse"));
    partner.serve("lma.xml", occitanie_rss(&all));
    let s = stats(&e.refresh("lma-occitanie").await);
    assert_eq!((s.new, s.closed, s.held), (1, 0, 0));
    assert_eq!(e.offers("lma-occitanie"), (11, 0));
    assert_eq!(e.status("lma-occitanie").held_closing, None::<HeldClosing>);
    let marks = e.store.offer_marks("lma-occitanie").unwrap();
    assert!(marks.iter().all(|m| m.missed_fetches == 0), "{marks:?}");

    // An ordinary closing afterwards is not held: one offer filled.
    partner.serve("lma.xml", occitanie_rss(&all[1..]));
    let s = stats(&e.refresh("lma-occitanie").await);
    assert_eq!((s.closed, s.held), (1, 0));
    assert_eq!(e.offers("lma-occitanie"), (10, 1));
}
