//! The walking skeleton end to end: partner feeds served over HTTP on 127.0.0.1, one `fetch`
//! pass, then the merged outputs read from the running web server and parsed back.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{FeedsToml, Fixture};
use essaim::pipeline::Outcome;
use essaim::web;

/// The links of every fixture item, read with feed-rs straight from the fixture files.
fn fixture_links() -> BTreeSet<String> {
    let mut links = BTreeSet::new();
    for name in [
        "ressources-solidaires-rhone.xml",
        "wp-restos-marne.xml",
        "cress-bretagne.atom",
        "mutualite-francaise.json",
        "reseau-ess-finistere.rdf",
    ] {
        let bytes = std::fs::read(common::fixtures().join("partners").join(name)).unwrap();
        let feed = feed_rs::parser::parse(&bytes[..]).unwrap();
        for e in feed.entries {
            links.insert(e.links[0].href.clone());
        }
    }
    links
}

/// The fixture titles once cleaned (gender markers and trailing "- CDI" / "- Lyon" noise gone).
const EXPECTED_TITLES: &[&str] = &[
    "Educateur spécialisé",
    "Animateur périscolaire",
    "Chargé de mission économie circulaire",
    "Directeur/Directrice de crèche associative",
    "Accompagnateur socio-professionnel en chantier d'insertion",
    "Responsable de centre de distribution",
    "Service civique – Lutte contre la précarité alimentaire",
    "Chauffeur-livreur poids lourd",
    "Coordinateur de tiers-lieu",
    "Conseiller en insertion professionnelle",
    "Stage — Communication et vie coopérative",
    "Infirmier en centre de santé mutualiste",
    "Opticien — Magasin mutualiste Écouter Voir",
    "Chargé de prévention santé",
    "Animateur de réseau – Pôle ESS du Pays de Morlaix",
    "Comptable « œuvres sociales »",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_then_serve_the_merged_feeds() {
    let partners = common::partner_server().await;
    let dir = tempfile::tempdir().unwrap();
    let text = common::fixture_partners(partners, true)
        .feed(
            "broken",
            "Partenaire en panne",
            "Test",
            &format!("http://{partners}/broken"),
        )
        .to_string();
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir.path(), &text, common::fixture_clock());

    let reports = pipeline.refresh_many(&[]).await;
    assert_eq!(reports.len(), 6);
    for r in &reports {
        match (&r.outcome, r.feed_id.as_str()) {
            (Outcome::Failed(e), "broken") => {
                assert!(e.contains("HTTP 500"), "{e}");
            }
            (Outcome::Updated(s), _) => assert_eq!(s.new, r.items_found, "{}", r.feed_id),
            (other, id) => panic!("{id}: {other:?}"),
        }
    }
    // Every attempt is recorded, the failure with its error text.
    let broken = store.attempts("broken").unwrap();
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].0, "error");
    assert!(broken[0].1.as_deref().unwrap().contains("HTTP 500"));
    assert_eq!(store.attempts("rs-rhone").unwrap()[0].0, "ok");

    // Serve and read back.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"))
        .with_clock(common::fixture_clock());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let want_links = fixture_links();
    assert_eq!(want_links.len(), 16);
    let want_titles: BTreeSet<String> = EXPECTED_TITLES.iter().map(|t| t.to_string()).collect();
    for (path, content_type) in [
        ("/feed.rss", "application/rss+xml"),
        ("/feed.atom", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let resp = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(content_type), "{path}: {ct}");
        let body = resp.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(feed.entries.len(), 16, "{path}");
        let links: BTreeSet<String> = feed
            .entries
            .iter()
            .map(|e| e.links[0].href.clone())
            .collect();
        assert_eq!(links, want_links, "{path}");
        let titles: BTreeSet<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert_eq!(titles, want_titles, "{path}");
        // Newest first.
        let dates: Vec<_> = feed.entries.iter().map(|e| e.published.unwrap()).collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{path}: {dates:?}");
        // Stable ids of their own, unique.
        let ids: BTreeSet<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 16, "{path}");
        assert!(ids.iter().all(|id| id.starts_with("urn:uuid:")), "{path}");
        // The network of each offer is named.
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("Ressources solidaires") && text.contains("Mutualité Française"),
            "{path}"
        );
        // Latin-1 and Windows-1252 feeds come out with correct accents.
        assert!(
            text.contains("Educateur spécialisé") && text.contains("« œuvres sociales »"),
            "{path}"
        );
    }

    // A second pass changes nothing: identical bodies are not re-applied.
    let again = pipeline.refresh_many(&[]).await;
    for r in again.iter().filter(|r| r.feed_id != "broken") {
        assert_eq!(r.outcome, Outcome::NotModified, "{}", r.feed_id);
    }
    let body = client
        .get(format!("http://{addr}/feed.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 16);
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_by_default() {
    let partners = common::partner_server().await;
    let dir = tempfile::tempdir().unwrap();
    let text = common::fixture_partners(partners, false).to_string();
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir.path(), &text, common::fixture_clock());
    let reports = pipeline.refresh_many(&["rs-rhone".to_string()]).await;
    assert_eq!(reports.len(), 1);
    match &reports[0].outcome {
        Outcome::Failed(e) => assert!(e.contains("refused") && e.contains("127.0.0.1"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(store.open_offers(100).unwrap().is_empty());
}

/// Runs the bundled `feeds.toml` (every fixture partner, read from its file) plus `extra`
/// feeds with the clock set to `at`: one pass, then `/feed.rss` read back. Returns the
/// published items' links and titles. Every feed must be read without failure.
async fn bundled_feeds_published_at(
    at: chrono::DateTime<chrono::Utc>,
    extra: &str,
) -> BTreeSet<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}\n{extra}", common::bundled_feeds_toml());
    let clock = common::clock_at(at);
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir.path(), &text, clock);
    for r in pipeline.refresh_many(&[]).await {
        assert!(
            matches!(r.outcome, Outcome::Updated(_)),
            "{at}: {}: {:?}",
            r.feed_id,
            r.outcome
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}")).with_clock(clock);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let body = reqwest::get(format!("http://{addr}/feed.rss?limit=500"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let feed = feed_rs::parser::parse(&body[..]).unwrap();
    feed.entries
        .into_iter()
        .map(|e| {
            (
                e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                e.title.map(|t| t.content).unwrap_or_default(),
            )
        })
        .collect()
}

/// The suite's premise: the bundled fixtures state no expiry, so a newcomer running the
/// bundled `feeds.toml` in 2030 sees every fixture offer, exactly as on the day they were
/// written; an offer whose deadline has passed by then is left out, one still open stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_feeds_still_publish_their_offers_in_2030() {
    let dir = tempfile::tempdir().unwrap();
    let dated = dir.path().join("dated.xml");
    std::fs::write(
        &dated,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Offres datées</title><link>https://emploi.exemple-ess.fr/</link>\
         <description>Offres</description>\
         <item><title>Médiateur numérique (H/F)</title>\
         <link>https://emploi.exemple-ess.fr/offres/mediateur-numerique</link>\
         <guid>ESS-2029-041</guid><pubDate>Thu, 19 Nov 2026 09:00:00 +0100</pubDate>\
         <description>Lieu : Nantes (44)&lt;br/&gt;Contrat : CDI&lt;br/&gt;\
         Date limite : 31/12/2029</description></item>\
         <item><title>Cheffe de projet habitat participatif</title>\
         <link>https://emploi.exemple-ess.fr/offres/habitat-participatif</link>\
         <guid>ESS-2029-042</guid><pubDate>Fri, 20 Nov 2026 10:00:00 +0100</pubDate>\
         <description>Lieu : Rennes (35)&lt;br/&gt;Contrat : CDD 18 mois&lt;br/&gt;\
         Date limite : 15/03/2030</description></item>\
         </channel></rss>\n",
    )
    .unwrap();
    let dated = dated.display().to_string();
    let extra = FeedsToml::new()
        .feed("dated", "Offres datées", "Test", &dated)
        .feeds()
        .to_string();
    let expired = "https://emploi.exemple-ess.fr/offres/mediateur-numerique";
    let still_open = "https://emploi.exemple-ess.fr/offres/habitat-participatif";

    // On the day after the fixtures were written, and three years later.
    let then = bundled_feeds_published_at(common::fixture_now(), &extra).await;
    let in_2030 = bundled_feeds_published_at("2030-01-01T00:00:00Z".parse().unwrap(), &extra).await;

    let links = |set: &BTreeSet<(String, String)>| -> BTreeSet<String> {
        set.iter().map(|(l, _)| l.clone()).collect()
    };
    // Every offer of the five RSS/Atom/JSON fixtures, read independently by feed-rs, is there
    // at both dates, and so is everything else the bundled feeds publish.
    for link in fixture_links() {
        assert!(links(&in_2030).contains(&link), "{link} missing in 2030");
    }
    let bundled = |set: &BTreeSet<(String, String)>| -> BTreeSet<(String, String)> {
        set.iter()
            .filter(|(l, _)| l != expired && l != still_open)
            .cloned()
            .collect()
    };
    assert!(bundled(&then).len() >= 25, "{then:?}");
    assert_eq!(bundled(&in_2030), bundled(&then));
    // The dated feed: both open at the fixtures' date, only the later deadline in 2030.
    assert!(links(&then).contains(expired) && links(&then).contains(still_open));
    assert!(!links(&in_2030).contains(expired), "{in_2030:?}");
    assert!(links(&in_2030).contains(still_open), "{in_2030:?}");
}
