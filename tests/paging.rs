//! Every open offer reachable through next links: `essaim export`'s paged files, and the live
//! `/jobs.jsonld` (its `next` and its `Link` header), over more offers than one page holds.
//! The offers come from a feed the test writes; "now" is pinned, so their deadlines are ahead
//! whatever the machine's date.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use common::{FeedsToml, Fixture};
use essaim::clock::Clock;
use essaim::export;
use essaim::pipeline::{Outcome, Pipeline};
use essaim::publish::Output;
use essaim::store::Store;
use essaim::web;
use serde_json::Value;

const BASE: &str = "https://emplois.example.org";

fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

const ROLES: [&str; 25] = [
    "Éducateur spécialisé",
    "Animateur jeunesse",
    "Aide à domicile",
    "Chargé de mission",
    "Comptable",
    "Assistant de direction",
    "Coordinateur de projets",
    "Infirmier coordinateur",
    "Moniteur d'atelier",
    "Conseiller en insertion professionnelle",
    "Médiateur social",
    "Chef de service éducatif",
    "Agent d'entretien",
    "Cuisinier en restauration collective",
    "Jardinier maraîcher",
    "Chargé de communication",
    "Responsable administratif et financier",
    "Directeur d'établissement",
    "Travailleur social",
    "Psychologue clinicien",
    "Auxiliaire de vie sociale",
    "Encadrant technique d'insertion",
    "Chargé d'accueil",
    "Formateur en savoirs de base",
    "Agent de développement local",
];

const TEAMS: [&str; 10] = [
    "pôle enfance",
    "pôle seniors",
    "pôle handicap",
    "pôle insertion",
    "pôle logement",
    "pôle santé",
    "pôle culture",
    "pôle alimentation",
    "pôle mobilité",
    "pôle numérique",
];

const EMPLOYERS: [&str; 10] = [
    "Association Solidarité",
    "Coopérative Horizon",
    "Mutuelle Entraide",
    "Fondation Avenir",
    "Régie de quartier",
    "Maison des familles",
    "Centre social",
    "Entreprise d'insertion Rebond",
    "Ressourcerie",
    "Épicerie solidaire",
];

const PLACES: [(&str, &str); 25] = [
    ("Rennes", "35"),
    ("Nantes", "44"),
    ("Lyon", "69"),
    ("Lille", "59"),
    ("Toulouse", "31"),
    ("Bordeaux", "33"),
    ("Marseille", "13"),
    ("Strasbourg", "67"),
    ("Montpellier", "34"),
    ("Grenoble", "38"),
    ("Dijon", "21"),
    ("Brest", "29"),
    ("Angers", "49"),
    ("Tours", "37"),
    ("Limoges", "87"),
    ("Clermont-Ferrand", "63"),
    ("Rouen", "76"),
    ("Caen", "14"),
    ("Metz", "57"),
    ("Besançon", "25"),
    ("Poitiers", "86"),
    ("Amiens", "80"),
    ("Reims", "51"),
    ("Orléans", "45"),
    ("Perpignan", "66"),
];

/// An RSS feed of `count` (at most 250) offers, all different jobs: a distinct title and
/// employer each (no two employers' names share their distinctive words), a role in each of
/// 25 places, published a minute apart, open until the end of 2026.
fn offers_feed(count: usize) -> String {
    assert!(count <= ROLES.len() * TEAMS.len());
    let first: DateTime<Utc> = "2026-11-01T08:00:00Z".parse().unwrap();
    let mut items = String::new();
    for i in 0..count {
        let title = format!("{} {}", ROLES[i % 25], TEAMS[i / 25]);
        let (place, department) = PLACES[(i * 7 + i / 25) % 25];
        let employer = format!("{} {place}", EMPLOYERS[i / 25]);
        let published = (first + TimeDelta::minutes(i as i64)).to_rfc2822();
        items.push_str(&format!(
            "<item><title>{title}</title><link>https://emplois-solidaires.example/offres/{i}</link>\
             <guid>ess-{i}</guid><pubDate>{published}</pubDate><description>&lt;p&gt;{employer} \
             recrute pour son {team}.&lt;/p&gt;&lt;p&gt;Employeur : {employer}&lt;br&gt;Lieu : \
             {place} ({department})&lt;br&gt;Contrat : CDI&lt;br&gt;Date limite : 31/12/2026\
             &lt;/p&gt;</description></item>\n",
            team = TEAMS[i / 25],
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Emplois solidaires</title><link>https://emplois-solidaires.example/</link>\
         <description>Offres</description>\n{items}</channel></rss>\n"
    )
}

/// A store holding the offers of `offers_feed(count)` (fetched from a file in `dir` by a
/// pipeline whose clock is pinned), and that pipeline, to fetch the file again.
async fn fetched(dir: &Path, count: usize) -> (Arc<Store>, Arc<Pipeline>) {
    let feed = dir.join("emplois.xml");
    std::fs::write(&feed, offers_feed(count)).unwrap();
    let text = FeedsToml::new()
        .setting(&format!("public_url = \"{BASE}\""))
        .setting("close_after_missed_fetches = 1")
        .feed(
            "emplois",
            "Emplois solidaires",
            "Test",
            &feed.display().to_string(),
        )
        .to_string();
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir, &text, Clock::tokio_from(now()));
    refresh(&pipeline).await;
    assert_eq!(open_ids(&store).len(), count, "the offers were merged");
    (store, pipeline)
}

async fn refresh(pipeline: &Arc<Pipeline>) {
    let reports = pipeline.refresh_many(&[]).await;
    assert!(
        matches!(reports[0].outcome, Outcome::Updated(_)),
        "{:?}",
        reports[0].outcome
    );
}

/// The public ids of the open offers, as the outputs write them.
fn open_ids(store: &Store) -> BTreeSet<String> {
    store
        .open_offers(10_000)
        .unwrap()
        .iter()
        .map(|p| format!("urn:uuid:{}", p.id))
        .collect()
}

/// One page of an output: its item ids, and the links it names.
#[derive(Debug)]
struct Page {
    ids: Vec<String>,
    self_link: Option<String>,
    first: Option<String>,
    next: Option<String>,
}

/// Reads a page of `output` as a consumer would: feed-rs for RSS and Atom, JSON otherwise.
fn read_page(output: Output, bytes: &[u8]) -> Page {
    match output {
        Output::Rss | Output::Atom => {
            let feed = feed_rs::parser::parse(bytes).unwrap();
            let rel = |r: &str| {
                let mut links = feed.links.iter().filter(|l| l.rel.as_deref() == Some(r));
                let link = links.next().map(|l| l.href.clone());
                assert!(links.next().is_none(), "two {r} links");
                link
            };
            Page {
                ids: feed.entries.iter().map(|e| e.id.clone()).collect(),
                self_link: rel("self"),
                first: rel("first"),
                next: rel("next"),
            }
        }
        Output::JsonFeed => {
            let feed: Value = serde_json::from_slice(bytes).unwrap();
            let text = |k: &str| feed[k].as_str().map(String::from);
            Page {
                ids: feed["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_string())
                    .collect(),
                self_link: text("feed_url"),
                first: None,
                next: text("next_url"),
            }
        }
        Output::JsonLd => {
            let doc: Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(doc["@context"][0], "https://schema.org");
            let text = |k: &str| doc[k].as_str().map(String::from);
            Page {
                ids: doc["@graph"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        assert_eq!(p["@type"], "JobPosting");
                        format!("urn:uuid:{}", p["identifier"]["value"].as_str().unwrap())
                    })
                    .collect(),
                self_link: text("@id"),
                first: text("first"),
                next: text("next"),
            }
        }
    }
}

/// Follows an exported output's next links from its first file in `out`: each page's ids.
fn follow_files(out: &Path, output: Output) -> Vec<Vec<String>> {
    let first = format!("{BASE}/{}", output.file_name());
    let mut pages = Vec::new();
    let mut next = Some(first.clone());
    while let Some(url) = next {
        assert!(pages.len() < 20, "{url}: the links go round");
        let name = url.strip_prefix(&format!("{BASE}/")).unwrap();
        assert!(!name.contains('/'), "{url}");
        let page = read_page(output, &std::fs::read(out.join(name)).unwrap());
        assert_eq!(page.self_link.as_deref(), Some(url.as_str()));
        if output != Output::JsonFeed {
            // RFC 5005: every page but the first links back to it.
            let back = (url != first).then(|| first.clone());
            assert_eq!(page.first, back, "{url}");
        }
        pages.push(page.ids);
        next = page.next;
    }
    pages
}

/// Every page's ids, checked to hold each of `want` exactly once.
fn assert_each_once(pages: &[Vec<String>], want: &BTreeSet<String>, what: &str) {
    let all: Vec<&String> = pages.iter().flatten().collect();
    let unique: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "{what}: an offer is repeated");
    assert_eq!(
        unique,
        want.iter().collect(),
        "{what}: not every open offer"
    );
}

/// The non-hidden names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_every_offer_into_linked_pages_and_removes_stale_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (store, pipeline) = fetched(dir.path(), 250).await;
    let out = dir.path().join("public");
    std::fs::create_dir_all(&out).unwrap();
    // A page of an older, larger export, and files that are not pages of the outputs.
    let foreign = [
        "feed-1.rss",
        "feed-2.rss.bak",
        "feed-old.json",
        "index.html",
    ];
    for name in foreign.iter().chain(&["feed-9.json"]) {
        std::fs::write(out.join(name), "autre chose").unwrap();
    }

    let done = export::export(&store, BASE, &out, 100).unwrap();
    assert_eq!(done.offers, 250);
    assert_eq!(done.pages, 3);
    assert_eq!(done.removed, ["feed-9.json"]);
    let want = open_ids(&store);
    let rss = follow_files(&out, Output::Rss);
    assert_eq!(
        rss.iter().map(Vec::len).collect::<Vec<_>>(),
        [100, 100, 50],
        "pages of 100"
    );
    assert_each_once(&rss, &want, "feed.rss");
    for output in [Output::Atom, Output::JsonFeed, Output::JsonLd] {
        let pages = follow_files(&out, output);
        assert_eq!(pages, rss, "{output:?}: other pages than feed.rss");
    }
    let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
    for output in Output::ALL {
        for n in 1..=3 {
            expected.push(essaim::publish::page_file(output.file_name(), n));
        }
    }
    expected.sort();
    assert_eq!(
        names(&out),
        expected,
        "no temporary file left, no stale page"
    );

    // 130 offers close: a smaller export leaves no page of the larger one behind.
    std::fs::write(dir.path().join("emplois.xml"), offers_feed(120)).unwrap();
    refresh(&pipeline).await;
    // Closing more than half of a feed's offers at once is held until the next fetch agrees.
    assert_eq!(open_ids(&store).len(), 250);
    refresh(&pipeline).await;
    let want = open_ids(&store);
    assert_eq!(want.len(), 120);
    let done = export::export(&store, BASE, &out, 100).unwrap();
    assert_eq!((done.offers, done.pages), (120, 2));
    assert_eq!(
        done.removed,
        ["feed-3.atom", "feed-3.json", "feed-3.rss", "jobs-3.jsonld"]
    );
    for output in Output::ALL {
        let pages = follow_files(&out, output);
        assert_eq!(pages.len(), 2, "{output:?}");
        assert_each_once(&pages, &want, output.file_name());
    }
    let left = names(&out);
    assert_eq!(left.len(), foreign.len() + 8, "{left:?}");
    assert!(foreign.iter().all(|f| left.contains(&f.to_string())));

    // Everything in one page each when it fits; a page size of 0 is refused.
    let done = export::export(&store, BASE, &out, export::PAGE_SIZE).unwrap();
    assert_eq!((done.offers, done.pages, done.removed.len()), (120, 1, 4));
    assert_each_once(&follow_files(&out, Output::JsonLd), &want, "one page");
    assert!(export::export(&store, BASE, &out, 0).is_err());
}

/// The URLs of a `Link` header by relation.
fn link_header(response: &reqwest::Response) -> Vec<(String, String)> {
    let Some(value) = response.headers().get("link") else {
        return Vec::new();
    };
    value
        .to_str()
        .unwrap()
        .split(", ")
        .map(|link| {
            let (url, rel) = link.split_once(">; rel=").unwrap();
            let url = url.strip_prefix('<').unwrap();
            (rel.trim_matches('"').to_string(), url.to_string())
        })
        .collect()
}

fn link<'a>(links: &'a [(String, String)], rel: &str) -> Option<&'a str> {
    links
        .iter()
        .find(|(r, _)| r == rel)
        .map(|(_, url)| url.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_jobs_jsonld_pages_through_its_next_links() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _pipeline) = fetched(dir.path(), 250).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = web::AppState::new(Arc::clone(&store), base.clone());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let want = open_ids(&store);

    // The unfiltered output, 100 a page, and a filtered one in smaller pages.
    for (first, pages_wanted, want) in [
        (format!("{base}/jobs.jsonld"), 3, want.clone()),
        (
            format!("{base}/jobs.jsonld?department=35&limit=4"),
            3,
            store
                .open_offers(10_000)
                .unwrap()
                .iter()
                .filter(|p| p.offer.location.place.department.as_deref() == Some("35"))
                .map(|p| format!("urn:uuid:{}", p.id))
                .collect(),
        ),
    ] {
        let mut pages = Vec::new();
        let mut next = Some(first.clone());
        while let Some(url) = next {
            assert!(pages.len() < 20, "{url}: the links go round");
            let r = client.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{url}");
            let links = link_header(&r);
            let page = read_page(Output::JsonLd, &r.bytes().await.unwrap());
            assert_eq!(page.self_link.as_deref(), Some(url.as_str()));
            // The document and the header name the same pages.
            assert_eq!(link(&links, "next"), page.next.as_deref(), "{url}");
            assert_eq!(link(&links, "first"), page.first.as_deref(), "{url}");
            let back = (url != first).then_some(first.as_str());
            assert_eq!(page.first.as_deref(), back, "{url}");
            pages.push(page.ids);
            next = page.next;
        }
        assert_eq!(pages.len(), pages_wanted, "{first}");
        assert_each_once(&pages, &want, &first);
    }
    assert_eq!(want.len(), 250);

    // A HEAD names the next page too, and a browser may read the header; so do the feeds and
    // the API.
    let head = client
        .head(format!("{base}/jobs.jsonld"))
        .header("Origin", "https://portail.example")
        .send()
        .await
        .unwrap();
    assert!(link(&link_header(&head), "next").is_some());
    let exposed = head.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("link"), "{exposed}");
    for (path, output) in [
        ("/feed.json", Output::JsonFeed),
        ("/feed.rss", Output::Rss),
        ("/feed.atom", Output::Atom),
    ] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        let links = link_header(&r);
        let page = read_page(output, &r.bytes().await.unwrap());
        assert_eq!(page.ids.len(), 100, "{path}");
        assert!(page.next.is_some(), "{path}");
        assert_eq!(link(&links, "next"), page.next.as_deref(), "{path}");
    }
    let r = client
        .get(format!("{base}/api/offers?limit=200"))
        .send()
        .await
        .unwrap();
    let links = link_header(&r);
    let api: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(api["count"], 200);
    assert!(api["next"].is_string(), "{}", api["next"]);
    assert_eq!(link(&links, "next"), api["next"].as_str());
    assert_eq!(link(&links, "first"), None);
    // The last page links back to the first only; a single page names no other.
    let r = client
        .get(api["next"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let links = link_header(&r);
    let api: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(api["count"], 50);
    assert!(api["next"].is_null(), "{}", api["next"]);
    assert_eq!(
        links,
        [("first".to_string(), format!("{base}/api/offers?limit=200"))]
    );
    let r = client
        .get(format!("{base}/api/offers?limit=500"))
        .send()
        .await
        .unwrap();
    assert!(link_header(&r).is_empty());
}
