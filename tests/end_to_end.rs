//! The walking skeleton end to end: partner feeds served over HTTP on 127.0.0.1, one `fetch`
//! pass, then the merged outputs read from the running web server and parsed back.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use essaim::config;
use essaim::pipeline::{Outcome, Pipeline};
use essaim::store::Store;
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
    let extra = format!(
        "\n[[feed]]\nid = \"broken\"\nname = \"Partenaire en panne\"\nnetwork = \"Test\"\nurl = \"http://{partners}/broken\"\n"
    );
    let path = common::write_config(dir.path(), &common::fixture_config(partners, true, &extra));
    let config = Arc::new(config::load(&path).unwrap());
    let store = Arc::new(Store::open(&config.settings.database).unwrap());
    store.sync_feeds(&config.feeds).unwrap();
    let pipeline = Arc::new(Pipeline::new(Arc::clone(&config), Arc::clone(&store)).unwrap());

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
    let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"));
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
    let path = common::write_config(dir.path(), &common::fixture_config(partners, false, ""));
    let config = Arc::new(config::load(&path).unwrap());
    let store = Arc::new(Store::open(&config.settings.database).unwrap());
    store.sync_feeds(&config.feeds).unwrap();
    let pipeline = Arc::new(Pipeline::new(Arc::clone(&config), Arc::clone(&store)).unwrap());
    let reports = pipeline.refresh_many(&["rs-rhone".to_string()]).await;
    assert_eq!(reports.len(), 1);
    match &reports[0].outcome {
        Outcome::Failed(e) => assert!(e.contains("refused") && e.contains("127.0.0.1"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(store.open_offers(100).unwrap().is_empty());
}
