//! Fields that mean what they say, end to end (issue 16, part 4): fixture feeds in partners'
//! shapes (fixtures/fields/) fetched into a store and read back through the web outputs.
//! Remote work as none / partial / full and its `remote=` filter, schema.org's coarse
//! employmentType refined by the French contract the text states, `addressCountry` from the
//! place, and offers without a named employer left out of `/jobs.jsonld` and counted by
//! `/api/stats`.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use common::{FeedsToml, Fixture};
use essaim::web;
use serde_json::Value;

struct Site {
    addr: SocketAddr,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Site {
    async fn start() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str| {
            common::fixtures()
                .join("fields")
                .join(name)
                .display()
                .to_string()
        };
        let text = FeedsToml::new()
            .feed(
                "emplois-solidaires",
                "Emplois solidaires",
                "Emplois solidaires",
                &file("teletravail-indeed.xml"),
            )
            .with("format = \"indeed\"")
            .feed(
                "petits-pas",
                "Petits Pas",
                "Réseau petite enfance",
                &file("coarse-jobpostings.jsonld"),
            )
            .with("format = \"json-ld\"")
            .feed(
                "france-travail-normandie",
                "France Travail Normandie",
                "France Travail",
                &file("france-travail-agency.json"),
            )
            .with("format = \"france-travail\"")
            .to_string();
        let Fixture {
            config,
            store,
            pipeline,
        } = Fixture::load(dir.path(), &text, common::fixture_clock());
        let ids: Vec<String> = config.feeds.iter().map(|f| f.id.clone()).collect();
        pipeline.refresh_many(&ids).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"))
            .with_clock(common::fixture_clock());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(web::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        Site {
            addr,
            client: reqwest::Client::new(),
            _dir: dir,
            _stop: stop,
        }
    }

    async fn json(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
    }

    /// The API's offers, by the partner's reference.
    async fn offers(&self, query: &str) -> BTreeMap<String, Value> {
        let page = self.json(&format!("/api/offers?limit=500{query}")).await;
        page["offers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["reference"].as_str().unwrap().to_string(), o.clone()))
            .collect()
    }
}

fn refs(offers: &BTreeMap<String, Value>) -> Vec<&str> {
    offers.keys().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_mean_what_they_say_in_every_output() {
    let site = Site::start().await;
    let all = site.offers("").await;
    assert_eq!(all.len(), 22, "{:?}", refs(&all));

    // Remote work: structured values first, then the job's own sentences.
    let remote = |r: &str| all[r]["location"].get("remote").cloned();
    for (reference, want) in [
        ("TT-01", Some("none")),      // <remote>Pas_teletravail</remote>
        ("TT-02", Some("partial")),   // Occasionnel
        ("TT-03", Some("full")),      // Total
        ("TT-04", Some("partial")),   // 2 jours par semaine
        ("TT-05", Some("full")),      // "Poste 100 % en télétravail"
        ("TT-06", None),              // "formation à distance" is about the tasks; "2 100 €"
        ("PP-2026-08", Some("full")), // TELECOMMUTE, "Télétravail complet"
        ("PP-2026-01", None),
    ] {
        assert_eq!(
            remote(reference),
            want.map(Value::from),
            "{reference}: {}",
            all[reference]["location"]
        );
    }
    // The filter: true is partial or full; each level alone; false is none or not said.
    let yes = site.offers("&remote=true").await;
    assert_eq!(
        refs(&yes),
        ["PP-2026-08", "TT-02", "TT-03", "TT-04", "TT-05"]
    );
    assert_eq!(
        refs(&site.offers("&remote=full").await),
        ["PP-2026-08", "TT-03", "TT-05"]
    );
    assert_eq!(
        refs(&site.offers("&remote=partial").await),
        ["TT-02", "TT-04"]
    );
    assert_eq!(refs(&site.offers("&remote=none").await), ["TT-01"]);
    assert_eq!(
        site.offers("&remote=false").await.len(),
        all.len() - yes.len()
    );
    // RSS and Atom say the level too.
    for (path, level, n) in [
        ("/feed.rss?remote=full", "full", 3),
        ("/feed.atom?remote=partial", "partial", 2),
        ("/feed.rss?remote=none", "none", 1),
    ] {
        let body = site
            .client
            .get(format!("http://{}{path}", site.addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let tag = format!("<job:remote>{level}</job:remote>");
        assert_eq!(body.matches(&tag).count(), n, "{path}: {body}");
        assert_eq!(body.matches("<job:remote>").count(), n, "{path}");
    }
    let bad = site
        .client
        .get(format!("http://{}/api/offers?remote=maybe", site.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // schema.org's coarse employmentType refined by the contract the text states.
    let contract = |r: &str| all[r]["contract"].as_str().map(String::from);
    for (reference, want) in [
        ("PP-2026-01", Some("cdi")),             // FULL_TIME + "Contrat : CDI"
        ("PP-2026-02", Some("interim")),         // TEMPORARY + "Mission d'intérim"
        ("PP-2026-03", Some("alternance")),      // OTHER + "contrat d'apprentissage"
        ("PP-2026-04", Some("contrat_aide")),    // PART_TIME + "PEC"
        ("PP-2026-05", Some("service_civique")), // VOLUNTEER + "service civique"
        ("PP-2026-06", Some("cdd")),             // FULL_TIME, PART_TIME + "CDD de 6 mois"
    ] {
        assert_eq!(
            contract(reference).as_deref(),
            want,
            "{reference}: {}",
            all[reference]
        );
    }
    // TEMPORARY is no CDI, whatever the text says.
    assert_ne!(contract("PP-2026-07").as_deref(), Some("cdi"));
    // FULL_TIME and PART_TIME together: the text's "temps partiel, 28 heures" decides.
    assert_eq!(
        all["PP-2026-06"]["working_time"], "part_time",
        "{}",
        all["PP-2026-06"]
    );
    assert_eq!(all["PP-2026-06"]["hours_per_week"], 28.0);
    assert_eq!(all["PP-2026-06"]["contract_duration"]["amount"], 6.0);
    assert_eq!(all["PP-2026-01"]["working_time"], "full_time");

    // schema.org output.
    let doc = site.json("/jobs.jsonld?limit=500").await;
    let postings: BTreeMap<String, &Value> = doc["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let url = p["url"].as_str().unwrap();
            let id = all
                .iter()
                .find(|(_, o)| o["url"] == url)
                .map(|(r, _)| r.clone())
                .unwrap();
            (id, p)
        })
        .collect();
    let country = |r: &str| {
        postings[r]["jobLocation"]["address"]
            .get("addressCountry")
            .cloned()
    };
    for (reference, want) in [
        ("TT-07", Some("PL")), // Opole, Polska
        ("TT-08", Some("DE")), // Stuttgart, Deutschland
        ("TT-09", Some("CH")), // Genève, Suisse
        ("TT-10", Some("BE")), // Bruxelles, Belgique
        ("TT-01", Some("FR")), // Nantes
        ("202NAMD", Some("FR")),
    ] {
        assert_eq!(country(reference), want.map(Value::from), "{reference}");
    }
    // TELECOMMUTE only for a fully remote job.
    assert_eq!(postings["TT-03"]["jobLocationType"], "TELECOMMUTE");
    assert_eq!(postings["TT-05"]["jobLocationType"], "TELECOMMUTE");
    assert!(postings["TT-02"].get("jobLocationType").is_none());
    // hiringOrganization is never the network: an offer without an employer (TT-11) and
    // France Travail offers posted as "FRANCE TRAVAIL" or "Pôle emploi" are left out.
    for left_out in ["TT-11", "202AGCY", "202PEMP"] {
        assert!(!postings.contains_key(left_out), "{left_out}");
    }
    assert_eq!(postings.len(), all.len() - 3);
    assert_eq!(
        postings["202NAMD"]["hiringOrganization"]["name"],
        "ASSOCIATION LA SAUVEGARDE DE L'ORNE"
    );
    for p in postings.values() {
        let name = p["hiringOrganization"]["name"].as_str().unwrap();
        assert!(
            ![
                "Emplois solidaires",
                "Réseau petite enfance",
                "France Travail"
            ]
            .contains(&name),
            "{p}"
        );
    }
    let stats = site.json("/api/stats").await;
    assert_eq!(stats["without_employer"], 3, "{stats}");
    assert_eq!(stats["open_offers"], 22);
}
