//! Hostile partners and clients against what essaim publishes. Every case of
//! `fixtures/hostile/web/` is one file: a header of `key: value` lines saying what the case is
//! and the outcome it must have, then `---`, then what the partner publishes (a feed case)
//! or nothing (a request case: what a client sends is in `request:`). All feed cases are
//! fetched into one database by the pipeline, each as its own feed and network, and every
//! output (RSS, Atom, JSON Feed, JSON-LD, `/api/offers`, `/api/feeds`) is read back and
//! checked; request cases are sent as raw HTTP to the same server. Beside them, a bounded
//! slowloris, the connection cap and the idle timeout are checked on real sockets.
//!
//! Keys of a feed case: `format` (as in feeds.toml), `via: http` (served by a partner server
//! on 127.0.0.1 at `url`, where `{partner}` is its address; `status` is what it answers),
//! and the outcomes: `offers: N`, `title: T` and `employer: T` (exactly, in every output),
//! `link: none|URL`, `apply-link: none`, `absent: TEXT` (in no output, `/api/feeds` included),
//! `warning: TEXT` (in the fetch's warnings), `error: TEXT` (the fetch failed and the public
//! `last_error` says so), `feed-url: URL` (the URL `/api/feeds` shows).
//! Keys of a request case: `request: METHOD PATH`, `status: N`, `contains: TEXT`,
//! `lacks: TEXT`, `header: NAME: VALUE`.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use common::{FeedsToml, Fixture};
use essaim::pipeline::{FeedReport, Outcome};
use essaim::web::{self, Limits};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FEED_KEYS: [&str; 13] = [
    "what",
    "format",
    "via",
    "url",
    "status",
    "offers",
    "title",
    "employer",
    "link",
    "apply-link",
    "absent",
    "warning",
    "error",
];
const MORE_FEED_KEYS: [&str; 1] = ["feed-url"];
const REQUEST_KEYS: [&str; 6] = ["what", "request", "status", "contains", "lacks", "header"];

struct Case {
    name: String,
    fields: Vec<(String, String)>,
    body: String,
}

impl Case {
    fn read(path: &Path) -> Case {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let (head, body) = text
            .split_once("\n---\n")
            .unwrap_or_else(|| panic!("{name}: no `---` line after the header"));
        let mut fields = Vec::new();
        for line in head.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("{name}: {line:?} is not `key: value`"));
            fields.push((key.trim().to_string(), value.trim().to_string()));
        }
        let case = Case {
            name,
            fields,
            body: body.to_string(),
        };
        let known: Vec<&str> = if case.is_request() {
            REQUEST_KEYS.to_vec()
        } else {
            FEED_KEYS.iter().chain(&MORE_FEED_KEYS).copied().collect()
        };
        for (key, _) in &case.fields {
            assert!(
                known.contains(&key.as_str()),
                "{}: unknown key {key:?}",
                case.name
            );
        }
        assert!(
            case.get("what").is_some(),
            "{}: says not what it is",
            case.name
        );
        case
    }

    fn is_request(&self) -> bool {
        self.get("request").is_some()
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn network(&self) -> String {
        format!("hostile-{}", self.name)
    }
}

fn cases() -> Vec<Case> {
    let dir = common::fixtures().join("hostile").join("web");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Case::read(p)).collect()
}

/// Serves each HTTP feed case's body at any path under `/{case name}/`, with its `status`.
async fn partner(cases: &[Case]) -> SocketAddr {
    let bodies: Arc<HashMap<String, (u16, String)>> = Arc::new(
        cases
            .iter()
            .filter(|c| c.get("via") == Some("http"))
            .map(|c| {
                let status = c.get("status").map_or(200, |s| s.parse().unwrap());
                (c.name.clone(), (status, c.body.clone()))
            })
            .collect(),
    );
    let app = Router::new().fallback(move |uri: axum::http::Uri| {
        let bodies = Arc::clone(&bodies);
        async move {
            let name = uri
                .path()
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            match bodies.get(name) {
                Some((status, body)) => (
                    StatusCode::from_u16(*status).unwrap(),
                    [("content-type", "application/xml")],
                    body.clone(),
                )
                    .into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    common::serve(app).await
}

/// A raw HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as written (no client normalises its path) and reads the whole answer.
async fn raw_request(addr: SocketAddr, method: &str, target: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("the answer took more than 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 || after.len() < size {
                break;
            }
            out.push_str(&after[..size]);
            rest = after[size..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_string()
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// What every output says of one feed case's network.
struct Outputs {
    raw: Vec<(&'static str, String)>,
    /// (output, title, link) of every item of the RSS, Atom and JSON Feed outputs, read by
    /// feed-rs as a reader would.
    entries: Vec<(&'static str, String, Option<String>)>,
    jsonld: Vec<Value>,
    api: Vec<Value>,
    json_feed: Vec<Value>,
}

async fn outputs(client: &reqwest::Client, addr: SocketAddr, network: &str) -> Outputs {
    let get = |path: String| async move {
        let r = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.text().await.unwrap()
    };
    let q = format!("network={network}");
    let mut raw = Vec::new();
    for (name, path) in [
        ("rss", "/feed.rss"),
        ("atom", "/feed.atom"),
        ("json-feed", "/feed.json"),
        ("json-ld", "/jobs.jsonld"),
        ("api", "/api/offers"),
    ] {
        raw.push((name, get(format!("{path}?{q}")).await));
    }
    raw.push(("api-feeds", get("/api/feeds".into()).await));
    let mut entries = Vec::new();
    for (name, body) in &raw[..3] {
        let feed = feed_rs::parser::parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{name} does not parse back: {e}\n{body}"));
        for e in feed.entries {
            let title = e.title.map(|t| t.content).unwrap_or_default();
            let link = e.links.first().map(|l| l.href.clone());
            entries.push((*name, title, link));
        }
    }
    let json = |i: usize| serde_json::from_str::<Value>(&raw[i].1).unwrap();
    let jsonld = json(3)["@graph"].as_array().cloned().unwrap_or_default();
    let api = json(4)["offers"].as_array().cloned().unwrap();
    let json_feed = json(2)["items"].as_array().cloned().unwrap();
    Outputs {
        raw,
        entries,
        jsonld,
        api,
        json_feed,
    }
}

#[tokio::test]
async fn every_hostile_case_has_its_outcome() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let dir = tempfile::tempdir().unwrap();
    let partner = partner(&cases).await.to_string();
    let mut toml = FeedsToml::new()
        .setting(common::ALLOW_LOOPBACK)
        .setting("request_timeout_secs = 5");
    for case in cases.iter().filter(|c| !c.is_request()) {
        let url = if case.get("via") == Some("http") {
            case.get("url")
                .unwrap_or_else(|| panic!("{}: via http needs a url", case.name))
                .replace("{partner}", &partner)
        } else {
            let path = dir.path().join(format!("{}.feed", case.name));
            std::fs::write(&path, &case.body).unwrap();
            path.display().to_string()
        };
        toml = toml.feed(
            &case.name,
            &format!("Cas {}", case.name),
            &case.network(),
            &url,
        );
        if let Some(format) = case.get("format") {
            toml = toml.with(&format!("format = {format:?}"));
        }
    }
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir.path(), &toml.to_string(), common::fixture_clock());
    let started = Instant::now();
    let reports: HashMap<String, FeedReport> = pipeline
        .refresh_many(&[])
        .await
        .into_iter()
        .map(|r| (r.feed_id.clone(), r))
        .collect();
    // Entity expansion and the like cost no time.
    assert!(started.elapsed() < Duration::from_secs(20));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"))
        .with_clock(common::fixture_clock());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let feeds: Vec<Value> = serde_json::from_str(
        &client
            .get(format!("http://{addr}/api/feeds"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();

    let mut failures = Vec::new();
    for case in &cases {
        let mut fail = |what: String| failures.push(format!("{}: {what}", case.name));
        if case.is_request() {
            let request = case.get("request").unwrap();
            let (method, target) = request.split_once(' ').unwrap();
            let answer = raw_request(addr, method, target).await;
            if let Some(status) = case.get("status") {
                if answer.status.to_string() != status {
                    fail(format!("status {} instead of {status}", answer.status));
                }
            }
            for text in case.all("contains") {
                if !answer.body.contains(text) {
                    fail(format!("the body lacks {text:?}: {}", answer.body));
                }
            }
            for text in case.all("lacks") {
                if answer.body.contains(text) {
                    fail(format!("the body has {text:?}: {}", answer.body));
                }
            }
            for header in case.all("header") {
                let (name, value) = header.split_once(':').unwrap();
                let got = answer.header(name.trim());
                if got != Some(value.trim()) {
                    fail(format!(
                        "header {name}: {got:?} instead of {:?}",
                        value.trim()
                    ));
                }
            }
            continue;
        }
        let report = reports.get(&case.name).unwrap();
        let status = feeds
            .iter()
            .find(|f| f["id"] == case.name.as_str())
            .unwrap();
        let out = outputs(&client, addr, &case.network()).await;
        if let Some(n) = case.get("offers") {
            let n: usize = n.parse().unwrap();
            // JSON-LD leaves out the offers that name no employer (hiringOrganization is
            // never the network): exactly those.
            let named = out
                .api
                .iter()
                .filter(|o| {
                    o["employer"]
                        .as_str()
                        .is_some_and(|e| !essaim::model::is_posting_agency(e))
                })
                .count();
            if out.jsonld.len() != named {
                fail(format!(
                    "json-ld has {} offers instead of the {named} with an employer",
                    out.jsonld.len()
                ));
            }
            let counts = [
                ("api", out.api.len()),
                ("rss", out.entries.iter().filter(|e| e.0 == "rss").count()),
                ("atom", out.entries.iter().filter(|e| e.0 == "atom").count()),
                (
                    "json-feed",
                    out.entries.iter().filter(|e| e.0 == "json-feed").count(),
                ),
            ];
            for (output, count) in counts {
                if count != n {
                    fail(format!("{output} has {count} offers instead of {n}"));
                }
            }
        }
        for title in case.all("title") {
            for (output, got, _) in &out.entries {
                if got != title {
                    fail(format!("{output} title {got:?} instead of {title:?}"));
                }
            }
            for (output, items) in [("json-ld", &out.jsonld), ("api", &out.api)] {
                for item in items {
                    if item["title"] != title {
                        fail(format!(
                            "{output} title {} instead of {title:?}",
                            item["title"]
                        ));
                    }
                }
            }
            // The title as written, gender marks and all, is as plain as the title.
            for item in &out.api {
                if !item["title_raw"].as_str().unwrap_or("").starts_with(title) {
                    fail(format!(
                        "api title_raw {} is not {title:?}...",
                        item["title_raw"]
                    ));
                }
            }
        }
        for employer in case.all("employer") {
            for item in &out.api {
                if item["employer"] != employer {
                    fail(format!(
                        "api employer {} instead of {employer:?}",
                        item["employer"]
                    ));
                }
            }
            for item in &out.json_feed {
                if item["_job"]["employer"] != employer {
                    fail(format!(
                        "json-feed employer {} instead of {employer:?}",
                        item["_job"]["employer"]
                    ));
                }
            }
            for item in &out.jsonld {
                if item["hiringOrganization"]["name"] != employer {
                    fail(format!(
                        "json-ld employer {} instead of {employer:?}",
                        item["hiringOrganization"]["name"]
                    ));
                }
            }
        }
        if let Some(link) = case.get("link") {
            let want = (link != "none").then_some(link);
            for (output, _, got) in &out.entries {
                if got.as_deref() != want {
                    fail(format!("{output} link {got:?} instead of {want:?}"));
                }
            }
            // Without the partner's link, a JobPosting's url is its page in essaim's API.
            let own = format!("http://{addr}/api/offers/");
            for (output, items, key) in [
                ("json-ld", &out.jsonld, "url"),
                ("api", &out.api, "url"),
                ("json-feed", &out.json_feed, "url"),
            ] {
                for item in items {
                    let got = item[key].as_str();
                    let own_page = output == "json-ld"
                        && want.is_none()
                        && got.is_some_and(|u| u.starts_with(&own));
                    if got != want && !own_page {
                        fail(format!("{output} {key} {} instead of {want:?}", item[key]));
                    }
                }
            }
        }
        if case.get("apply-link") == Some("none") {
            for item in &out.api {
                if !item["apply_url"].is_null() {
                    fail(format!("api apply_url {}", item["apply_url"]));
                }
            }
            for item in &out.json_feed {
                if !item["_job"]["apply_url"].is_null() {
                    fail(format!("json-feed apply_url {}", item["_job"]["apply_url"]));
                }
            }
        }
        for text in case.all("absent") {
            for (output, body) in &out.raw {
                if body.contains(text) {
                    fail(format!("{output} shows {text:?}"));
                }
            }
        }
        for text in case.all("warning") {
            if !report.warnings.iter().any(|w| w.contains(text)) {
                fail(format!("no warning with {text:?}: {:?}", report.warnings));
            }
        }
        for text in case.all("error") {
            if !matches!(report.outcome, Outcome::Failed(_)) {
                fail(format!("the fetch did not fail: {:?}", report.outcome));
            }
            let error = status["last_error"].as_str().unwrap_or("");
            if !error.contains(text) {
                fail(format!("last_error {error:?} lacks {text:?}"));
            }
        }
        if case.get("error").is_none() {
            if let Outcome::Failed(e) = &report.outcome {
                fail(format!("the fetch failed: {e}"));
            }
        }
        if let Some(url) = case.get("feed-url") {
            let want = url.replace("{partner}", &partner);
            if status["url"] != want.as_str() {
                fail(format!(
                    "/api/feeds url {} instead of {want:?}",
                    status["url"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The web server on 127.0.0.1:0 with `limits`, over a store holding one fixture feed.
async fn server(
    limits: Limits,
) -> (
    SocketAddr,
    tempfile::TempDir,
    tokio::sync::oneshot::Sender<()>,
) {
    let (addr, dir, stop, _) = server_task(limits).await;
    (addr, dir, stop)
}

type ServerTask = tokio::task::JoinHandle<std::io::Result<()>>;

/// [`server`], with the task serving it.
async fn server_task(
    limits: Limits,
) -> (
    SocketAddr,
    tempfile::TempDir,
    tokio::sync::oneshot::Sender<()>,
    ServerTask,
) {
    let dir = tempfile::tempdir().unwrap();
    let feed = common::fixtures()
        .join("partners")
        .join("cress-bretagne.atom");
    let text = FeedsToml::new()
        .feed(
            "cress-bretagne",
            "CRESS Bretagne",
            "CRESS",
            &feed.display().to_string(),
        )
        .to_string();
    let Fixture {
        store, pipeline, ..
    } = Fixture::load(dir.path(), &text, common::fixture_clock());
    pipeline.refresh_many(&[]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = web::AppState::new(store, format!("http://{addr}"))
        .with_clock(common::fixture_clock())
        .with_limits(limits);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    (addr, dir, stop, task)
}

/// A complete request for the JSON Feed, answered within `bound`; returns how long it took.
async fn normal_client(addr: SocketAddr, bound: Duration) -> Duration {
    let started = Instant::now();
    let answer = tokio::time::timeout(bound, raw_request(addr, "GET", "/feed.json"))
        .await
        .unwrap_or_else(|_| panic!("a normal client waited more than {bound:?}"));
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("CRESS"), "{}", answer.body);
    started.elapsed()
}

/// Waits until the server closes `stream` (end of file or reset), at most `bound`.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(bound, read).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_leaves_room_for_a_normal_client() {
    let limits = Limits {
        max_connections: 1000,
        header_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_secs(30),
    };
    let (addr, _dir, _stop) = server(limits).await;
    // 300 connections that send half a request head and then nothing.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /feed.rss HTTP/1.1\r\nHost: essaim\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    normal_client(addr, Duration::from_secs(1)).await;
    // Every half-sent head is given up after the header timeout: the server closes them all.
    let started = Instant::now();
    for s in &mut slow {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "a half-sent connection is still open after {:?}",
            started.elapsed()
        );
    }
    normal_client(addr, Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_one() {
    let header_timeout = Duration::from_millis(600);
    let limits = Limits {
        max_connections: 8,
        header_timeout,
        idle_timeout: Duration::from_secs(30),
    };
    let (addr, _dir, _stop) = server(limits).await;
    // Eight silent connections take every place...
    let mut silent = Vec::new();
    for _ in 0..8 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // ...so a ninth client waits in the accept queue until the header timeout frees them.
    let waited = normal_client(addr, Duration::from_secs(5)).await;
    assert!(
        waited >= header_timeout / 2,
        "answered after {waited:?}: the cap of 8 connections did not hold"
    );
    for s in &mut silent {
        assert!(closed_within(s, Duration::from_secs(5)).await);
    }
    // The places are given back: eight clients at once are answered at once.
    let clients: Vec<_> = (0..8)
        .map(|_| tokio::spawn(normal_client(addr, Duration::from_secs(1))))
        .collect();
    for c in clients {
        c.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_connection_is_closed_after_the_idle_timeout() {
    let idle = Duration::from_millis(500);
    let limits = Limits {
        max_connections: 100,
        header_timeout: Duration::from_secs(60),
        idle_timeout: idle,
    };
    let (addr, _dir, _stop) = server(limits).await;
    let started = Instant::now();
    let mut quiet = TcpStream::connect(addr).await.unwrap();
    quiet
        .write_all(b"GET /feed.rss HTTP/1.1\r\n")
        .await
        .unwrap();
    assert!(closed_within(&mut quiet, Duration::from_secs(5)).await);
    let after = started.elapsed();
    assert!(
        after >= idle,
        "closed after {after:?}, before the idle timeout"
    );
    normal_client(addr, Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_head_does_not_hold_the_shutdown() {
    let idle = Duration::from_millis(800);
    let limits = Limits {
        max_connections: 100,
        header_timeout: Duration::from_secs(60),
        idle_timeout: idle,
    };
    let (addr, _dir, stop, task) = server_task(limits).await;
    // A slowloris that sends a header line every 200 ms: never idle, its head never ends.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /feed.rss HTTP/1.1\r\nHost: essaim\r\n")
        .await
        .unwrap();
    let (mut slow_read, mut slow_write) = slow.into_split();
    let trickle = tokio::spawn(async move {
        while slow_write.write_all(b"X-Slow: 1\r\n").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A kept-alive client that has had its answer is closed at once by the shutdown.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: essaim\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the server still runs 5 s after it was told to stop")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(closed_within(&mut kept, Duration::from_secs(1)).await);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(1), slow_read.read_to_end(&mut rest));
    assert!(closed.await.is_ok(), "the slowloris is still connected");
    trickle.abort();
}
