//! What downstream sites consume: every output parsed back by a real parser and checked
//! against the stored offers, filters on feeds and API, stable paging while offers arrive,
//! conditional requests, compression, CORS, and hostile partner text made harmless.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

use common::{FeedsToml, Fixture};
use essaim::pipeline::Pipeline;
use essaim::store::Store;
use essaim::web;
use serde_json::Value;

struct Site {
    addr: SocketAddr,
    store: Arc<Store>,
    pipeline: Arc<Pipeline>,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Site {
    /// The bundled fixture feeds fetched into a fresh database, plus `extra` feeds (TOML), and
    /// the web server on 127.0.0.1:0.
    async fn start(extra: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let text = common::bundled_feeds_toml() + extra;
        let Fixture {
            config,
            store,
            pipeline,
        } = Fixture::load(dir.path(), &text, common::fixture_clock());
        let ids: Vec<String> = config
            .feeds
            .iter()
            .filter(|f| !f.id.starts_with("later-"))
            .map(|f| f.id.clone())
            .collect();
        pipeline.refresh_many(&ids).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"))
            .with_clock(common::fixture_clock());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(web::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .build()
            .unwrap();
        Site {
            addr,
            store,
            pipeline,
            client,
            _dir: dir,
            _stop: stop,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .unwrap()
    }

    async fn json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
    }

    /// The path of an API page's `next` link, when there is one.
    fn next_page(&self, page: &Value) -> Option<String> {
        page["next"].as_str().map(|n| {
            n.trim_start_matches(&format!("http://{}", self.addr))
                .to_string()
        })
    }

    /// Items of a JSON Feed page.
    async fn feed_items(&self, path: &str) -> Vec<Value> {
        self.json(path).await["items"].as_array().unwrap().clone()
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_parse_back_and_match_the_store() {
    let site = Site::start("").await;
    let stored = site.store.open_offers(500).unwrap();
    assert_eq!(stored.len(), 28);
    let want_links: BTreeSet<String> = stored.iter().filter_map(|p| p.offer.url.clone()).collect();
    for path in ["/feed.rss", "/feed.atom", "/feed.json"] {
        let body = site.get(path).await.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(feed.entries.len(), 28, "{path}");
        let links: BTreeSet<String> = feed
            .entries
            .iter()
            .filter_map(|e| e.links.first().map(|l| l.href.clone()))
            .collect();
        // Relative links of file fixtures are kept as written; every absolute one is there.
        assert!(
            want_links
                .iter()
                .filter(|l| l.starts_with("http"))
                .all(|l| links.contains(l)),
            "{path}"
        );
        let titles: BTreeSet<String> = feed
            .entries
            .iter()
            .map(|e| e.title.clone().unwrap().content)
            .collect();
        let want: BTreeSet<String> = stored.iter().map(|p| p.offer.title.clone()).collect();
        assert_eq!(titles, want, "{path}");
    }
    // JSON Feed carries the job fields.
    let items = site.feed_items("/feed.json").await;
    let lyon = items
        .iter()
        .find(|i| i["title"] == "Educateur spécialisé")
        .unwrap();
    assert_eq!(lyon["_job"]["location"]["insee"], "69383");
    assert_eq!(lyon["_job"]["location"]["region"], "84");
    assert_eq!(lyon["_job"]["contract"], "cdi");
    // JSON-LD: Google's required properties on every posting.
    let ld = site.json("/jobs.jsonld").await;
    let postings = ld["@graph"].as_array().unwrap();
    // 28 open offers; the 7 that name no employer are left out (never credited to the
    // network), and counted by /api/stats.
    assert_eq!(postings.len(), 21);
    assert_eq!(site.json("/api/stats").await["without_employer"], 7);
    for p in postings {
        for key in [
            "title",
            "description",
            "datePosted",
            "hiringOrganization",
            "jobLocation",
        ] {
            assert!(!p[key].is_null(), "{key} missing in {p}");
        }
        assert_eq!(p["@type"], "JobPosting");
    }
    let toulouse = postings
        .iter()
        .find(|p| p["title"] == "Délégué régional")
        .unwrap();
    assert_eq!(toulouse["baseSalary"]["value"]["minValue"], 34000.0);
    assert_eq!(toulouse["baseSalary"]["value"]["unitText"], "YEAR");
    assert_eq!(toulouse["jobLocation"]["address"]["postalCode"], "31000");
    // The API shows the same offers, and one by id.
    let api = site.json("/api/offers?limit=500").await;
    assert_eq!(api["count"], 28);
    let first = &api["offers"][0];
    let one = site
        .json(&format!("/api/offers/{}", first["id"].as_str().unwrap()))
        .await;
    assert_eq!(one["title"], first["title"]);
    let missing = site
        .get("/api/offers/00000000-0000-5000-8000-000000000000")
        .await;
    assert_eq!(missing.status(), 404);
    let networks = site.json("/api/networks").await;
    let cress = networks["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["network"] == "CRESS")
        .unwrap();
    assert_eq!(cress["open_offers"], 5);
    assert_eq!(
        cress["feeds"],
        serde_json::json!(["cress-bretagne", "ess-finistere"])
    );
    let stats = site.json("/api/stats").await;
    assert_eq!(stats["open_offers"], 28);
    assert_eq!(stats["by_region"]["84"]["name"], "Auvergne-Rhône-Alpes");
    let by_contract_total: u64 = stats["by_contract"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_contract_total, 28);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_on_feeds_and_api() {
    let site = Site::start("").await;
    let all = site.feed_items("/feed.json?limit=500").await;
    let count = |pred: &dyn Fn(&Value) -> bool| all.iter().filter(|i| pred(i)).count();

    let region84 = site.feed_items("/feed.json?region=84&limit=500").await;
    assert_eq!(
        region84.len(),
        count(&|i| i["_job"]["location"]["region"] == "84")
    );
    assert!(region84.len() >= 6, "{}", region84.len());
    // Names work as well as codes, on every output.
    let by_name = site
        .feed_items("/feed.json?region=Auvergne-Rh%C3%B4ne-Alpes&limit=500")
        .await;
    assert_eq!(ids(&by_name), ids(&region84));
    let rss = site
        .get("/feed.rss?region=84&contract=CDI")
        .await
        .bytes()
        .await
        .unwrap();
    let rss = feed_rs::parser::parse(&rss[..]).unwrap();
    let cdi84 =
        count(&|i| i["_job"]["location"]["region"] == "84" && i["_job"]["contract"] == "cdi");
    assert_eq!(rss.entries.len(), cdi84);
    assert!(cdi84 >= 3);

    // Full text, accent- and case-insensitive, over title, employer and description.
    let q = site.json("/api/offers?q=EDUCATEUR").await;
    let titles: Vec<&str> = q["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Educateur spécialisé"), "{titles:?}");
    assert!(titles.contains(&"Moniteur éducateur"), "{titles:?}");
    let q = site.json("/api/offers?q=b%C3%A9n%C3%A9voles+reims").await;
    assert_eq!(q["count"], 1, "{q}");
    // Words found in most offers are read newest first from the full-text index; paging
    // through them in small pages gives the same offers in the same order as one big page.
    let all = site.json("/api/offers?q=de&limit=500").await;
    let all = ids(all["offers"].as_array().unwrap());
    assert!(all.len() >= 10, "{all:?}");
    let mut paged = Vec::new();
    let mut next = Some("/api/offers?q=de&limit=3".to_string());
    while let Some(path) = next {
        let page = site.json(&path).await;
        paged.extend(ids(page["offers"].as_array().unwrap()));
        next = site.next_page(&page);
    }
    assert_eq!(paged, all);
    let unfiltered = site.json("/api/offers?limit=500").await;
    let newest_first: Vec<String> = ids(unfiltered["offers"].as_array().unwrap())
        .into_iter()
        .filter(|id| all.contains(id))
        .collect();
    assert_eq!(all, newest_first, "matches not in the API's order");
    let employer = site.json("/api/offers?employer=restos").await;
    assert_eq!(employer["count"], 3);
    let dept = site.json("/api/offers?department=51&limit=500").await;
    assert_eq!(
        dept["count"].as_u64().unwrap() as usize,
        count(&|i| i["_job"]["location"]["department"] == "51")
    );
    // A city's code finds its arrondissements.
    let lyon = site.json("/api/offers?commune=Lyon").await;
    assert_eq!(lyon["offers"][0]["location"]["insee"], "69383");
    let part = site
        .json("/api/offers?working_time=part_time&limit=500")
        .await;
    assert_eq!(
        part["count"].as_u64().unwrap() as usize,
        count(&|i| i["_job"]["working_time"] == "part_time")
    );
    let net = site
        .json("/api/offers?network=mutualit%C3%A9+fran%C3%A7aise")
        .await;
    assert_eq!(net["count"], 3);
    let since = site.json("/api/offers?since=2026-11-21&limit=500").await;
    assert!(since["count"].as_u64().unwrap() >= 1);
    let future = site.json("/api/offers?since=2099-01-01").await;
    assert_eq!(future["count"], 0);

    // Mistakes get a 400 that says which parameter and why.
    for (path, want) in [
        ("/feed.rss?regoin=84", "unknown parameter \"regoin\""),
        (
            "/api/offers?contract=CDZ",
            "contract=\"CDZ\": unknown contract",
        ),
        (
            "/feed.json?since=demain",
            "since=\"demain\": expected a date",
        ),
        ("/api/offers?after=bogus", "after=\"bogus\": not a cursor"),
    ] {
        let r = site.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(
            body["error"].as_str().unwrap().starts_with(want),
            "{path}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_loses_and_repeats_nothing_while_offers_arrive() {
    // Three new offers that arrive while a consumer pages.
    let dir = tempfile::tempdir().unwrap();
    let arrivals = dir.path().join("arrivals.xml");
    let items: String = [
        ("Jardinier en maraîchage biologique", "Jardins de Cocagne de Nantes", "Nantes (44)"),
        ("Chargé d'accueil en ressourcerie", "Ressourcerie Le Tri Porteur", "Dijon (21)"),
        ("Coordinatrice d'épicerie solidaire", "Épicerie Solidaire du Mirail", "Toulouse (31)"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (t, e, l))| {
        format!("<item><title>{t}</title><link>https://arrivees.example/o/{i}</link><guid>arr-{i}</guid><description>&lt;p&gt;{e} recrute.&lt;/p&gt;&lt;p&gt;Lieu : {l}&lt;br&gt;Contrat : CDI&lt;/p&gt;</description></item>")
    })
    .collect();
    std::fs::write(
        &arrivals,
        format!("<rss version=\"2.0\"><channel><title>a</title>{items}</channel></rss>"),
    )
    .unwrap();
    let later = FeedsToml::new()
        .feed(
            "later-arrivals",
            "Arrivées",
            "Test",
            &arrivals.display().to_string(),
        )
        .feeds()
        .to_string();
    let site = Site::start(&later).await;
    // Filtered answers are cached too; the cache must follow the new data.
    let nantes = "/api/offers?department=44&limit=500";
    let before = site.json(nantes).await["count"].as_u64().unwrap();
    let rss_before = site.get("/feed.rss?contract=CDI&limit=500").await;
    let rss_etag = rss_before.headers()["etag"].clone();
    let rss_before = feed_rs::parser::parse(&rss_before.bytes().await.unwrap()[..]).unwrap();
    let mut seen = Vec::new();
    let mut next = Some("/api/offers?limit=6".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let page = site.json(&path).await;
        seen.extend(ids(page["offers"].as_array().unwrap()));
        next = site.next_page(&page);
        pages += 1;
        if pages == 2 {
            site.pipeline
                .refresh_many(&["later-arrivals".to_string()])
                .await;
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an offer was repeated");
    assert_eq!(
        seen.len(),
        28,
        "every offer present at the start is seen once"
    );
    assert_eq!(site.json("/api/offers?limit=500").await["count"], 31);
    assert_eq!(
        site.json(nantes).await["count"].as_u64().unwrap(),
        before + 1,
        "the cached filtered answer was not renewed"
    );
    let rss_after = site
        .client
        .get(format!(
            "http://{}/feed.rss?contract=CDI&limit=500",
            site.addr
        ))
        .header("If-None-Match", &rss_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(rss_after.status(), 200, "a stale ETag must not get a 304");
    let rss_after = feed_rs::parser::parse(&rss_after.bytes().await.unwrap()[..]).unwrap();
    assert_eq!(rss_after.entries.len(), rss_before.entries.len() + 3);

    // Feeds page the same way, with RFC 5005 links.
    let body = site.get("/feed.atom?limit=10").await.text().await.unwrap();
    assert!(body.contains("rel=\"next\""), "{body}");
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    let next = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("next"))
        .unwrap()
        .href
        .clone();
    let page2 = site
        .client
        .get(next)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let feed2 = feed_rs::parser::parse(page2.as_bytes()).unwrap();
    assert!(page2.contains("rel=\"first\""));
    assert_eq!(feed2.entries.len(), 10);
    let a: BTreeSet<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
    assert!(feed2.entries.iter().all(|e| !a.contains(&e.id)));
    // The cached unfiltered feed follows the new data.
    assert_eq!(site.feed_items("/feed.json").await.len(), 31);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_requests_compression_head_and_cors() {
    let site = Site::start("").await;
    for path in [
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/jobs.jsonld",
        "/feed.rss?region=84",
        "/api/offers",
    ] {
        let r = site.get(path).await;
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let lm = r.headers()["last-modified"].to_str().unwrap().to_string();
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "{path}"
        );
        let plain = r.bytes().await.unwrap();
        let again = site
            .client
            .get(format!("http://{}{path}", site.addr))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let again = site
            .client
            .get(format!("http://{}{path}", site.addr))
            .header("If-Modified-Since", &lm)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} If-Modified-Since");
        let stale = site
            .client
            .get(format!("http://{}{path}", site.addr))
            .header("If-None-Match", "\"autre\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200, "{path}");

        for encoding in ["br", "gzip"] {
            let r = site
                .client
                .get(format!("http://{}{path}", site.addr))
                .header("Accept-Encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(r.headers()["content-encoding"], encoding, "{path}");
            let packed = r.bytes().await.unwrap();
            assert!(packed.len() < plain.len(), "{path} {encoding}");
            let mut unpacked = Vec::new();
            if encoding == "br" {
                brotli::Decompressor::new(&packed[..], 4096)
                    .read_to_end(&mut unpacked)
                    .unwrap();
            } else {
                flate2::read::GzDecoder::new(&packed[..])
                    .read_to_end(&mut unpacked)
                    .unwrap();
            }
            assert_eq!(unpacked, plain.to_vec(), "{path} {encoding}");
        }
    }
    let head = site
        .client
        .head(format!("http://{}/feed.rss", site.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/rss+xml"));
    assert!(head.bytes().await.unwrap().is_empty());
    let cors = site
        .client
        .get(format!("http://{}/api/offers", site.addr))
        .header("Origin", "https://portail.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cors.headers()["access-control-allow-origin"], "*");
    let exposed = cors.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag") && exposed.contains("last-modified"));
    // A 304 and an error are readable from a browser too.
    let etag = site.get("/feed.json").await.headers()["etag"].clone();
    let current = site
        .client
        .get(format!("http://{}/feed.json", site.addr))
        .header("Origin", "https://portail.example")
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), 304);
    assert_eq!(current.headers()["access-control-allow-origin"], "*");
    let bad = site.get("/api/offers?region=Atlantide").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["access-control-allow-origin"], "*");
    let missing = site.get("/feed.xml").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["access-control-allow-origin"], "*");
    // Preflight: a site sending If-None-Match from a browser asks first.
    let preflight = site
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{}/api/offers", site.addr),
        )
        .header("Origin", "https://portail.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "if-none-match")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("GET"), "{methods}");
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("if-none-match"), "{allowed}");
    for (path, ct) in [
        ("/feed.rss", "application/rss+xml"),
        ("/feed.atom", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
        ("/jobs.jsonld", "application/ld+json"),
    ] {
        let r = site.get(path).await;
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(ct),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_partner_text_is_harmless_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("hostile.xml");
    std::fs::write(
        &hostile,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>x</title>\
         <item><title>Animateur &lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; \u{1}fin</title>\
         <link>https://hostile.example/o/1?a=1&amp;b=\"2\"</link><guid>h-1</guid>\
         <description><![CDATA[<p onmouseover=\"steal()\">Lieu : Lyon</p><p>Employeur : Test &lt;/script&gt;</p><script>document.cookie</script><iframe src=\"https://evil\"></iframe>]]> ]]&gt;</description>\
         </item></channel></rss>",
    )
    .unwrap();
    let extra = FeedsToml::new()
        .feed(
            "hostile",
            "Hostile",
            "Test </script>",
            &hostile.display().to_string(),
        )
        .feeds()
        .to_string();
    let site = Site::start(&extra).await;
    for path in [
        "/feed.rss?network=Test+%3C%2Fscript%3E",
        "/feed.atom?network=Test+%3C%2Fscript%3E",
        "/feed.json?network=Test+%3C%2Fscript%3E",
    ] {
        let body = site.get(path).await.text().await.unwrap();
        let feed =
            feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(feed.entries.len(), 1, "{path}");
        let e = &feed.entries[0];
        // Markup in a title is removed (titles are text); "]]>" survives as text, the control
        // character does not.
        let title = &e.title.as_ref().unwrap().content;
        assert!(
            title.starts_with("Animateur") && title.ends_with("]]> fin"),
            "{path}: {title}"
        );
        assert!(
            !title.contains("script") && !title.contains('\u{1}'),
            "{path}: {title}"
        );
        let html = e
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
            .unwrap();
        assert!(
            !html.contains("<script") && !html.contains("onmouseover") && !html.contains("<iframe"),
            "{path}: {html}"
        );
        assert!(!body.contains('\u{1}'), "{path}");
    }
    let ld = site.get("/jobs.jsonld").await.text().await.unwrap();
    assert!(
        !ld.contains("</script") && !ld.contains("<script"),
        "JSON-LD must stay inert in a <script>"
    );
    let parsed: Value = serde_json::from_str(&ld).unwrap();
    let posting = parsed["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"].as_str().unwrap().ends_with("]]> fin"))
        .unwrap();
    // The employer's "</script>" (text in the partner's description) is still there as text,
    // escaped in the document so that it cannot close the tag around it.
    assert_eq!(
        posting["hiringOrganization"]["name"], "Test </script>",
        "{posting}"
    );
    assert!(!posting["description"].as_str().unwrap().contains("<script"));
}
