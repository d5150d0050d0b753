//! The partner API and its form as partner networks use them, on a server bound to
//! 127.0.0.1:0 whose partner feeds are served by a local server of the test: registering,
//! listing, reading and withdrawing one's own feeds; other networks', revoked and missing
//! tokens; private addresses; a home-made XML shape answered with a proposed mapping, then
//! read with it; the rate limit and the body limit; an approved registration polled as a
//! feed; and the operator's `essaim token` and `essaim feeds approve` through the binary.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Notify;

use common::{FeedsToml, ALLOW_LOOPBACK};
use essaim::model::RegistrationState;
use essaim::pipeline::Pipeline;
use essaim::store::Store;
use essaim::web;

/// A home-made XML export essaim has no format for.
const HOME_MADE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<export>\
    <annonce><intitule>Animateur jeunesse (H/F)</intitule><ville>Lyon</ville>\
    <lien>https://asso.example/offres/1</lien><reference>A-1</reference></annonce>\
    <annonce><intitule>Comptable</intitule><ville>Brest</ville>\
    <lien>https://asso.example/offres/2</lien><reference>A-2</reference></annonce>\
    </export>\n";

/// The partners' own web server: /rss (two offers), /maison.xml (a home-made shape).
async fn partner_feeds() -> SocketAddr {
    let app = Router::new()
        .route(
            "/rss",
            get(|| async { common::rss_response(common::rss(&["Animateur", "Comptable"])) }),
        )
        .route(
            "/maison.xml",
            get(|| async {
                ([(header::CONTENT_TYPE, "application/xml")], HOME_MADE).into_response()
            }),
        );
    common::serve(app).await
}

/// essaim's server on 127.0.0.1:0 with its store, configuration and registry signal.
struct Essaim {
    base: String,
    store: Arc<Store>,
    config: Arc<essaim::config::Config>,
    changed: Arc<Notify>,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Essaim {
    /// `loopback`: the operator's settings let partner URLs reach 127.0.0.1.
    async fn start(loopback: bool) -> Essaim {
        let mut toml = FeedsToml::new();
        if loopback {
            toml = toml.setting(ALLOW_LOOPBACK);
        }
        Essaim::start_with(toml, false).await.0
    }

    /// essaim configured by `toml`; with `daemon`, a pipeline whose fetcher the server checks
    /// partners' feeds with, as `essaim run` does.
    async fn start_with(toml: FeedsToml, daemon: bool) -> (Essaim, Option<Arc<Pipeline>>) {
        let dir = tempfile::tempdir().unwrap();
        let config = toml.load(dir.path());
        let store = Arc::new(Store::open(&config.settings.database).unwrap());
        let changed = Arc::new(Notify::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"))
            .with_clock(common::fixture_clock())
            .with_config(Arc::clone(&config))
            .with_registry_changed(Arc::clone(&changed));
        let pipeline = daemon.then(|| {
            Arc::new(
                Pipeline::with_clock(
                    Arc::clone(&config),
                    Arc::clone(&store),
                    common::fixture_clock(),
                )
                .unwrap(),
            )
        });
        if let Some(p) = &pipeline {
            state = state.with_fetcher(p.fetcher());
        }
        tokio::spawn(web::serve(listener, state, std::future::pending()));
        let essaim = Essaim {
            base: format!("http://{addr}"),
            store,
            config,
            changed,
            client: reqwest::Client::new(),
            _dir: dir,
        };
        (essaim, pipeline)
    }

    fn token(&self, network: &str) -> String {
        self.store
            .create_partner_token(network, common::fixture_now())
            .unwrap()
            .0
    }

    /// A request to `path` with `token` as Bearer (none when None): status, headers, body.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, value)
    }

    async fn post(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        let (s, _, v) = self
            .call(
                reqwest::Method::POST,
                "/api/partner/feeds",
                token,
                Some(body),
            )
            .await;
        (s, v)
    }

    async fn get(&self, token: Option<&str>, path: &str) -> (u16, Value) {
        let (s, _, v) = self.call(reqwest::Method::GET, path, token, None).await;
        (s, v)
    }

    async fn delete(&self, token: Option<&str>, path: &str) -> (u16, Value) {
        let (s, _, v) = self.call(reqwest::Method::DELETE, path, token, None).await;
        (s, v)
    }

    /// A form POST to /partner: status and page.
    async fn form(&self, fields: &[(&str, &str)]) -> (u16, String) {
        let resp = self
            .client
            .post(format!("{}/partner", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_registers_lists_reads_and_withdraws_its_own_feeds_only() {
    let feeds = partner_feeds().await;
    let essaim = Essaim::start(true).await;
    let cress = essaim.token("Cress Occitanie");
    let mutualite = essaim.token("Mutualité");
    let url = format!("http://{feeds}/rss");

    let (status, answer) = essaim
        .post(Some(&cress), json!({"url": url, "name": "Offres Cress"}))
        .await;
    assert_eq!(status, 201, "{answer}");
    let registration = &answer["registration"];
    assert_eq!(registration["id"], 1);
    assert_eq!(registration["feed_id"], "partner-1");
    assert_eq!(registration["state"], "pending");
    assert_eq!(registration["network"], "Cress Occitanie");
    assert_eq!(answer["check"]["readable"], true);
    assert_eq!(answer["check"]["report"]["offers"], 2);
    assert_eq!(registration.get("report"), None, "the check is said once");
    assert!(answer["message"].as_str().unwrap().contains("approval"));

    // The same URL again updates the same registration.
    let (status, again) = essaim.post(Some(&cress), json!({"url": url})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["registration"]["id"], 1);

    let (status, list) = essaim.get(Some(&cress), "/api/partner/feeds").await;
    assert_eq!(status, 200);
    let list = list["feeds"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "pending");
    assert_eq!(list[0]["report"]["report"]["offers"], 2);
    let (status, one) = essaim.get(Some(&cress), "/api/partner/feeds/1").await;
    assert_eq!((status, &one["url"]), (200, &json!(url)));

    // Another network sees nothing of it and cannot withdraw it: an id of another network
    // reads exactly as an unknown one.
    let (status, list) = essaim.get(Some(&mutualite), "/api/partner/feeds").await;
    assert_eq!((status, list), (200, json!({"feeds": []})));
    let (status, theirs) = essaim.get(Some(&mutualite), "/api/partner/feeds/1").await;
    let (unknown_status, unknown) = essaim.get(Some(&mutualite), "/api/partner/feeds/99").await;
    assert_eq!((status, &theirs), (404, &unknown));
    assert_eq!(unknown_status, 404);
    let (status, _) = essaim
        .delete(Some(&mutualite), "/api/partner/feeds/1")
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        essaim.store.registration(1).unwrap().unwrap().state,
        RegistrationState::Pending
    );

    // Its own network withdraws it; the daemon is told at once.
    let (status, gone) = essaim.delete(Some(&cress), "/api/partner/feeds/1").await;
    assert_eq!(status, 200, "{gone}");
    tokio::time::timeout(Duration::from_secs(10), essaim.changed.notified())
        .await
        .expect("a withdrawal pokes the registry");
    assert_eq!(
        essaim.store.registration(1).unwrap().unwrap().state,
        RegistrationState::Withdrawn
    );
    let (status, _) = essaim.get(Some(&cress), "/api/partner/feeds/1").await;
    assert_eq!(status, 404);
    let (status, _) = essaim.delete(Some(&cress), "/api/partner/feeds/1").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_token_gets_the_same_401() {
    let feeds = partner_feeds().await;
    let essaim = Essaim::start(true).await;
    let revoked = essaim.token("Cress");
    let revoked_id = essaim::secret::partner_token_id(&revoked).unwrap();
    assert!(essaim
        .store
        .revoke_partner_token(revoked_id, common::fixture_now())
        .unwrap());
    let unknown = format!("essaim_p77_{}", "ab".repeat(32));
    let body = json!({"url": format!("http://{feeds}/rss")});
    let mut answers = Vec::new();
    for token in [
        None,
        Some("nope"),
        Some(unknown.as_str()),
        Some(revoked.as_str()),
    ] {
        for (method, path) in [
            (reqwest::Method::POST, "/api/partner/feeds"),
            (reqwest::Method::GET, "/api/partner/feeds"),
            (reqwest::Method::GET, "/api/partner/feeds/1"),
            (reqwest::Method::DELETE, "/api/partner/feeds/1"),
        ] {
            let (status, headers, value) = essaim
                .call(method.clone(), path, token, Some(body.clone()))
                .await;
            assert_eq!(status, 401, "{method} {path} {token:?}: {value}");
            assert_eq!(headers[reqwest::header::WWW_AUTHENTICATE], "Bearer");
            answers.push(value);
        }
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    // A Basic header is no token either.
    let resp = essaim
        .client
        .get(format!("{}/api/partner/feeds", essaim.base))
        .basic_auth("Cress", Some(&revoked))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(essaim.store.registrations(None).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_address_is_refused_and_nothing_is_stored() {
    let feeds = partner_feeds().await;
    // The operator did not allow 127.0.0.1: a partner cannot reach it, nor ask to.
    let essaim = Essaim::start(false).await;
    let token = essaim.token("Cress");
    let (status, answer) = essaim
        .post(Some(&token), json!({"url": format!("http://{feeds}/rss")}))
        .await;
    assert_eq!(status, 422, "{answer}");
    let reason = answer["error"].as_str().unwrap();
    assert!(
        reason.starts_with("not registered: cannot fetch: "),
        "{reason}"
    );
    assert!(reason.contains("127.0.0.1"), "{reason}");
    let (status, answer) = essaim
        .post(Some(&token), json!({"url": "file:///etc/passwd"}))
        .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("http or https"));
    let (status, answer) = essaim
        .post(
            Some(&token),
            json!({"url": format!("http://{feeds}/rss"), "allow_private": true}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("allow_private"));
    assert!(essaim.store.registrations(None).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_shape_gets_a_mapping_that_then_reads_it() {
    let feeds = partner_feeds().await;
    let essaim = Essaim::start(true).await;
    let token = essaim.token("Cress");
    let url = format!("http://{feeds}/maison.xml");
    let (status, answer) = essaim.post(Some(&token), json!({"url": url})).await;
    // Stored as pending with its report: the operator decides, the partner is told.
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["registration"]["state"], "pending");
    assert_eq!(answer["check"]["readable"], false);
    assert!(answer["check"]["error"].is_string());
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("cannot be polled as is"));
    let proposed = answer["check"]["proposed_mapping"].clone();
    assert_eq!(proposed["format"], "xml");
    assert_eq!(proposed["mapping"]["items"], "export/annonce");
    assert_eq!(proposed["mapping"]["title"], "intitule");
    assert!(answer["check"]["proposed_toml"]
        .as_str()
        .unwrap()
        .contains("[feed.mapping]"));
    assert_eq!(
        essaim
            .store
            .registration(1)
            .unwrap()
            .unwrap()
            .report
            .unwrap()["readable"],
        false
    );

    // Registered again with the proposed mapping: the same registration, now read.
    let (status, answer) = essaim
        .post(
            Some(&token),
            json!({"url": url, "format": proposed["format"], "mapping": proposed["mapping"]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["registration"]["id"], 1);
    assert_eq!(answer["check"]["readable"], true, "{answer}");
    let report = &answer["check"]["report"];
    assert_eq!(report["offers"], 2);
    assert_eq!(report["format"], "xml");
    let titles = report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "title")
        .unwrap()["offers"]
        .clone();
    assert_eq!(titles, 2);
    let stored = essaim.store.registration(1).unwrap().unwrap();
    assert_eq!(stored.format.as_deref(), Some("xml"));
    assert!(essaim.config.partner_feed(&stored).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_registers_five_times_a_minute_and_bodies_are_limited() {
    let feeds = partner_feeds().await;
    // The server's clock starts at FIXTURE_NOW: six POSTs take far less than its minute.
    let essaim = Essaim::start(true).await;
    let token = essaim.token("Cress");
    for i in 0..5 {
        let (status, answer) = essaim
            .post(
                Some(&token),
                json!({"url": format!("http://{feeds}/rss?n={i}")}),
            )
            .await;
        assert_eq!(status, 201, "{i}: {answer}");
    }
    let (status, headers, answer) = essaim
        .call(
            reqwest::Method::POST,
            "/api/partner/feeds",
            Some(&token),
            Some(json!({"url": format!("http://{feeds}/rss?n=6")})),
        )
        .await;
    assert_eq!(status, 429, "{answer}");
    let retry: u64 = headers[reqwest::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(essaim.store.registrations(None).unwrap().len(), 5);
    // The form counts against the same limit.
    let (status, page) = essaim
        .form(&[
            ("token", &token),
            ("url", &format!("http://{feeds}/rss?n=7")),
        ])
        .await;
    assert_eq!(status, 429, "{page}");
    // Reading is not limited, and another token has its own minute.
    assert_eq!(essaim.get(Some(&token), "/api/partner/feeds").await.0, 200);
    let other = essaim.token("Mutualité");
    let (status, _) = essaim
        .post(Some(&other), json!({"url": format!("http://{feeds}/rss")}))
        .await;
    assert_eq!(status, 201);

    // A body over 16 KiB is refused before it is read, on the API and the form.
    let big = json!({"url": format!("http://{feeds}/rss"), "name": "x".repeat(17 * 1024)});
    let (status, _) = essaim.post(Some(&other), big).await;
    assert_eq!(status, 413);
    let (status, _) = essaim
        .form(&[("token", &other), ("url", &"x".repeat(17 * 1024))])
        .await;
    assert_eq!(status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_registration_is_a_polled_feed() {
    let feeds = partner_feeds().await;
    let essaim = Essaim::start(true).await;
    let token = essaim.token("Cress");
    let (status, _) = essaim
        .post(Some(&token), json!({"url": format!("http://{feeds}/rss")}))
        .await;
    assert_eq!(status, 201);
    let (before, _) = essaim::registry::all_feeds(&essaim.config, &essaim.store).unwrap();
    assert!(before.iter().all(|f| f.id != "partner-1"));
    essaim
        .store
        .decide_registration(1, true, None, common::fixture_now())
        .unwrap();
    let (after, _) = essaim::registry::all_feeds(&essaim.config, &essaim.store).unwrap();
    let feed = after.iter().find(|f| f.id == "partner-1").unwrap();
    assert_eq!(feed.network, "Cress");
    assert_eq!(feed.origin, essaim::model::FeedOrigin::Partner);
    assert!(!feed.allow_private);
    let (_, list) = essaim.get(Some(&token), "/api/partner/feeds").await;
    assert_eq!(list["feeds"][0]["state"], "approved");
}

/// The polled feeds' fingerprint as the daemon compares it (`registry::Approved`), read
/// from a store opened afresh on the database, as after a restart.
fn polled_after_restart(essaim: &Essaim) -> essaim::registry::Approved {
    let store = Store::open(&essaim.config.settings.database).unwrap();
    let (feeds, approved) = essaim::registry::all_feeds(&essaim.config, &store).unwrap();
    assert!(
        feeds.iter().any(|f| f.id == "partner-1"),
        "partner-1 is polled"
    );
    approved
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_after_approval_keeps_the_approved_feed_polled_until_the_operator_decides() {
    let feeds = partner_feeds().await;
    let essaim = Essaim::start(true).await;
    let token = essaim.token("Cress Auvergne-Rhône-Alpes");
    let url = format!("http://{feeds}/maison.xml");
    let first = json!({"url": url, "format": "xml",
        "mapping": {"items": "export/annonce", "title": "intitule", "link": "lien"}});
    assert_eq!(essaim.post(Some(&token), first.clone()).await.0, 201);
    essaim
        .store
        .decide_registration(1, true, None, common::fixture_now())
        .unwrap();
    let (_, approved_now) = essaim::registry::all_feeds(&essaim.config, &essaim.store).unwrap();
    let approved = polled_after_restart(&essaim);
    assert_eq!(approved, approved_now);

    // The partner maps the town too: the change waits, the approved version stays polled.
    let second = json!({"url": url, "format": "xml",
        "mapping": {"items": "export/annonce", "title": "intitule", "link": "lien",
                    "city": "ville"}});
    let (status, answer) = essaim.post(Some(&token), second.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["registration"]["state"], "approved", "{answer}");
    assert_eq!(
        answer["registration"]["change"]["state"], "pending",
        "{answer}"
    );
    assert_eq!(
        answer["registration"]["change"]["mapping"]["city"], "ville",
        "{answer}"
    );
    assert_eq!(
        answer["registration"]["mapping"].get("city"),
        None,
        "{answer}"
    );
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("keeps polling and publishing partner-1 as approved"),
        "{message}"
    );
    assert_eq!(answer["check"]["report"]["offers"], 2, "{answer}");
    assert_eq!(
        polled_after_restart(&essaim),
        approved,
        "polled as approved"
    );

    // Rejected with a reason: still polled as approved, and the partner reads why.
    essaim
        .store
        .decide_registration(
            1,
            false,
            Some("la ville est déjà dans l'intitulé"),
            common::fixture_now(),
        )
        .unwrap();
    let (status, one) = essaim.get(Some(&token), "/api/partner/feeds/1").await;
    assert_eq!(status, 200);
    assert_eq!(one["state"], "approved", "{one}");
    assert_eq!(one["change"]["state"], "rejected", "{one}");
    assert_eq!(
        one["change"]["reason"], "la ville est déjà dans l'intitulé",
        "{one}"
    );
    assert_eq!(polled_after_restart(&essaim), approved);

    // Sent again and approved: the changed version replaces the approved one.
    let (status, answer) = essaim.post(Some(&token), second).await;
    assert_eq!(
        (status, &answer["registration"]["change"]["state"]),
        (200, &json!("pending"))
    );
    essaim
        .store
        .decide_registration(1, true, None, common::fixture_now())
        .unwrap();
    let changed = polled_after_restart(&essaim);
    assert_ne!(changed, approved, "polled as changed");
    let (_, one) = essaim.get(Some(&token), "/api/partner/feeds/1").await;
    assert_eq!(one["mapping"]["city"], "ville", "{one}");
    assert_eq!(one.get("change"), None, "{one}");

    // Withdrawn: nothing of it is polled any more.
    assert_eq!(
        essaim.delete(Some(&token), "/api/partner/feeds/1").await.0,
        200
    );
    let (feeds, _) = essaim::registry::all_feeds(&essaim.config, &essaim.store).unwrap();
    assert!(feeds.iter().all(|f| f.id != "partner-1"));
}

/// A partner's feed moves to another address: `PUT /api/partner/feeds/{id}` checks the new
/// URL as a registration is checked; the approved feed stays polled at its old URL until the
/// operator approves the move, then it is the same feed (`partner-1`) at the new one. A URL
/// that cannot be read changes nothing; another network's registration is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_feed_is_registered_again_at_its_new_url_as_a_change() {
    let app = Router::new()
        .route(
            "/offres/rss",
            get(|| async { common::rss_response(common::rss(&["Animateur", "Comptable"])) }),
        )
        .route(
            "/emplois/flux.rss",
            get(|| async {
                common::rss_response(common::rss(&["Animateur", "Comptable", "Éducatrice"]))
            }),
        );
    let feeds = common::serve(app).await;
    let essaim = Essaim::start(true).await;
    let token = essaim.token("URSCOP Auvergne-Rhône-Alpes");
    let old_url = format!("http://{feeds}/offres/rss");
    let new_url = format!("http://{feeds}/emplois/flux.rss");
    assert_eq!(
        essaim.post(Some(&token), json!({"url": old_url})).await.0,
        201
    );
    essaim
        .store
        .decide_registration(1, true, None, common::fixture_now())
        .unwrap();

    let put = |body: Value, path: &'static str| {
        let (essaim, token) = (&essaim, token.clone());
        async move {
            let (status, _, answer) = essaim
                .call(reqwest::Method::PUT, path, Some(&token), Some(body))
                .await;
            (status, answer)
        }
    };
    let (status, answer) = put(json!({"url": new_url}), "/api/partner/feeds/1").await;
    assert_eq!(status, 200, "{answer}");
    let r = &answer["registration"];
    assert_eq!(
        (r["id"].as_i64(), &r["feed_id"]),
        (Some(1), &json!("partner-1"))
    );
    assert_eq!(r["state"], "approved", "{answer}");
    assert_eq!(r["url"], old_url.as_str(), "{answer}");
    assert_eq!(r["change"]["url"], new_url.as_str(), "{answer}");
    assert_eq!(r["change"]["state"], "pending", "{answer}");
    assert_eq!(answer["check"]["report"]["offers"], 3, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("keeps polling and publishing partner-1 as approved"),
        "{answer}"
    );
    // Listed once, not as a second registration.
    let (_, list) = essaim.get(Some(&token), "/api/partner/feeds").await;
    assert_eq!(list["feeds"].as_array().map(Vec::len), Some(1), "{list}");

    // The operator approves the move: the same feed, at the new URL.
    essaim
        .store
        .decide_registration(1, true, None, common::fixture_now())
        .unwrap();
    let (_, one) = essaim.get(Some(&token), "/api/partner/feeds/1").await;
    assert_eq!(one["url"], new_url.as_str(), "{one}");
    assert_eq!(one.get("change"), None, "{one}");
    let (polled, _) = essaim::registry::all_feeds(&essaim.config, &essaim.store).unwrap();
    assert_eq!(
        polled
            .iter()
            .filter(|f| f.id.starts_with("partner-"))
            .count(),
        1
    );

    // A URL that cannot be read is refused and changes nothing.
    let (status, answer) = put(
        json!({"url": format!("http://{feeds}/absent.rss")}),
        "/api/partner/feeds/1",
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    let (_, one) = essaim.get(Some(&token), "/api/partner/feeds/1").await;
    assert_eq!((&one["url"], one.get("change")), (&json!(new_url), None));

    // Another network's registration, or none: not found.
    let other = essaim.token("Cress Bretagne");
    let (status, _, _) = essaim
        .call(
            reqwest::Method::PUT,
            "/api/partner/feeds/1",
            Some(&other),
            Some(json!({"url": old_url})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = put(json!({"url": old_url}), "/api/partner/feeds/7").await;
    assert_eq!(status, 404);
    let (_, one) = essaim.get(Some(&token), "/api/partner/feeds/1").await;
    assert_eq!(one["url"], new_url.as_str(), "{one}");
}

/// A French feed of `items` offers, some 300 bytes each.
fn large_rss(items: usize) -> String {
    let mut body = String::with_capacity(items * 340 + 300);
    body.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Offres de l'ESS</title><link>https://partenaire.example/</link>\
         <description>Offres d'emploi</description>",
    );
    for i in 0..items {
        body.push_str(&format!(
            "<item><title>Accompagnant éducatif et social (H/F) n° {i}</title>\
             <link>https://partenaire.example/offres/{i}</link><guid>aes-{i}</guid>\
             <description>Lieu : Clermont-Ferrand. CDI à temps plein, convention collective \
             66, au sein d'un foyer d'accueil médicalisé associatif.</description></item>"
        ));
    }
    body.push_str("</channel></rss>\n");
    body
}

/// Partners' checks draw on the daemon's body budget: while the daemon holds a large body,
/// a partner's large feed is not read (503, Retry-After, in English and French, nothing
/// stored, and not counted toward the token's five POSTs a minute), a small one still is, and
/// once the daemon's body is applied the large one is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_the_daemons_body_budget_has_no_room_for_is_answered_503() {
    const MIB: usize = 1024 * 1024;
    const ITEMS: usize = 12_000;
    let big = large_rss(ITEMS);
    assert!((3 * MIB..4 * MIB).contains(&big.len()), "{}", big.len());
    let app = Router::new()
        .route(
            "/grand.rss",
            get({
                let big = big.clone();
                move || async move { common::rss_response(big) }
            }),
        )
        .route(
            "/petit.rss",
            get(|| async {
                common::rss_response(common::rss(&["Animateur socioculturel", "Comptable"]))
            }),
        );
    let feeds = common::serve(app).await;
    // A budget of one cap (4 MiB) and one small share (1 MiB).
    let toml = FeedsToml::new()
        .setting(ALLOW_LOOPBACK)
        .setting("max_body_bytes = 4194304\nmax_concurrent_fetches = 1")
        .feed(
            "daemon-grand",
            "Grand flux",
            "Réseau",
            &format!("http://{feeds}/grand.rss"),
        );
    let (essaim, pipeline) = Essaim::start_with(toml, true).await;
    let fetcher = pipeline.unwrap().fetcher().clone();
    let full = fetcher.budget().available();
    assert_eq!(full, 5 * MIB as u64);

    // The daemon reads a large body and holds it until applied.
    let feed = essaim
        .config
        .feeds
        .iter()
        .find(|f| f.id == "daemon-grand")
        .unwrap();
    let held = match fetcher
        .fetch(feed, &essaim::model::FetchMemory::default())
        .await
        .unwrap()
    {
        essaim::fetch::Fetched::Body(b) => b,
        other => panic!("{other:?}"),
    };
    assert!(fetcher.budget().available() < 3 * MIB as u64);

    let cress = essaim.token("Cress Auvergne-Rhône-Alpes");
    let large = json!({"url": format!("http://{feeds}/grand.rss")});
    let (status, headers, answer) = essaim
        .call(
            reqwest::Method::POST,
            "/api/partner/feeds",
            Some(&cress),
            Some(large.clone()),
        )
        .await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(headers[reqwest::header::RETRY_AFTER], "30");
    let english = answer["error"].as_str().unwrap();
    assert!(
        english.starts_with("not checked now:") && english.contains("retry in 30 s"),
        "{answer}"
    );
    let french = answer["error_fr"].as_str().unwrap();
    assert!(french.contains("réessayez dans 30 s"), "{answer}");
    assert!(
        essaim.store.registrations(None).unwrap().is_empty(),
        "nothing stored"
    );
    // The form says the same.
    let (status, page) = essaim
        .form(&[
            ("token", &cress),
            ("url", &format!("http://{feeds}/grand.rss")),
        ])
        .await;
    assert_eq!(status, 503, "{page}");
    assert!(
        page.contains("id=\"busy\"") && page.contains("réessayez"),
        "{page}"
    );
    // A partner retrying as told is not then refused for it: the POSTs answered 503 do not
    // count toward its five a minute (seven here, and a last one below).
    for _ in 0..5 {
        let (status, _, answer) = essaim
            .call(
                reqwest::Method::POST,
                "/api/partner/feeds",
                Some(&cress),
                Some(large.clone()),
            )
            .await;
        assert_eq!(status, 503, "{answer}");
    }

    // A small feed takes a small share, which is free.
    let mutualite = essaim.token("Mutualité Française");
    let (status, answer) = essaim
        .post(
            Some(&mutualite),
            json!({"url": format!("http://{feeds}/petit.rss")}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["check"]["report"]["offers"], 2, "{answer}");

    // The daemon's body applied, the large feed is read, and the check gives its share back.
    drop(held);
    assert_eq!(fetcher.budget().available(), full);
    let (status, answer) = essaim.post(Some(&cress), large).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["check"]["report"]["offers"], ITEMS, "{answer}");
    assert_eq!(fetcher.budget().available(), full);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_registers_and_shows_the_report_escaped() {
    let feeds = partner_feeds().await;
    let essaim = Essaim::start(true).await;
    let token = essaim.token("Cress");
    let resp = essaim
        .client
        .get(format!("{}/partner", essaim.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().get(reqwest::header::SET_COOKIE).is_none());
    let csp = resp.headers()[reqwest::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("<form method=\"post\" action=\"/partner\">"),
        "{page}"
    );

    let url = format!("http://{feeds}/maison.xml?x=\"><script>alert(1)</script>");
    let (status, page) = essaim.form(&[("token", &token), ("url", &url)]).await;
    assert_eq!(status, 201, "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("Proposed mapping"), "{page}");
    assert!(page.contains("<code>export/annonce</code>"), "{page}");
    assert!(page.contains("cannot be polled as is"), "{page}");

    let (status, page) = essaim
        .form(&[("token", &token), ("url", &format!("http://{feeds}/rss"))])
        .await;
    assert_eq!(status, 201, "{page}");
    assert!(page.contains("2 offers (rss"), "{page}");
    assert!(page.contains("<td>title</td><td>2 / 2</td>"), "{page}");

    let (status, page) = essaim
        .form(&[
            ("token", "essaim_p1_nope"),
            ("url", &format!("http://{feeds}/rss")),
        ])
        .await;
    assert_eq!(status, 401, "{page}");
    assert_eq!(essaim.store.registrations(None).unwrap().len(), 2);
}

/// `essaim` with `--config path` and `args`: exit code, standard output, standard error.
fn essaim_cli(config: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_essaim"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_operator_creates_lists_revokes_tokens_and_approves_feeds_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = FeedsToml::new().write(dir.path());
    let (code, out, err) = essaim_cli(&config, &["token", "create", "--network", "Cress"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("shown only this once"), "{out}");
    let token = out
        .split_whitespace()
        .find(|w| w.starts_with("essaim_p"))
        .unwrap()
        .to_string();
    assert_eq!(essaim::secret::partner_token_id(&token), Some(1));

    let (code, list, _) = essaim_cli(&config, &["token", "list"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("ID  NETWORK  CREATED"), "{list}");
    assert!(lines[1].starts_with("1   Cress    "), "{list}");
    assert!(lines[1].ends_with("  -          -"), "{list}");
    assert!(!list.contains(&token[12..]), "the token is never listed");
    assert!(
        !list.contains(&essaim::secret::hash(&token)),
        "nor its hash"
    );

    // A partner registers a feed (through the store, as the API does).
    let store = Store::open(&dir.path().join("essaim.db")).unwrap();
    let partner = store
        .partner_by_token(&token, common::fixture_now())
        .unwrap()
        .unwrap();
    store
        .register_feed(
            &essaim::store::NewRegistration {
                network: partner.network,
                token_id: Some(partner.id),
                name: "Offres".into(),
                url: "https://cress.example/offres.rss".into(),
                format: None,
                mapping: None,
                report: json!({"readable": true, "report": {"offers": 3, "problems": [{"problem": "x"}]}}),
            },
            common::fixture_now(),
        )
        .unwrap();
    drop(store);

    let (code, pending, _) = essaim_cli(&config, &["feeds", "pending"]);
    assert_eq!(code, Some(0));
    assert!(
        pending
            .lines()
            .next()
            .unwrap()
            .starts_with("ID  NETWORK  URL"),
        "{pending}"
    );
    assert!(
        pending.contains("https://cress.example/offres.rss"),
        "{pending}"
    );
    assert!(pending.contains("3 offers, 1 problem"), "{pending}");

    let (code, out, err) = essaim_cli(&config, &["feeds", "approve", "1"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("polled as feed partner-1"), "{out}");
    assert!(out.contains("within 30 seconds"), "{out}");
    let (code, _, err) = essaim_cli(&config, &["feeds", "approve", "1"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("already approved"), "{err}");
    let (_, pending, _) = essaim_cli(&config, &["feeds", "pending"]);
    assert_eq!(pending, "no registration is waiting\n");

    let (code, table, _) = essaim_cli(&config, &["feeds"]);
    assert_eq!(code, Some(0));
    assert!(table.lines().next().unwrap().contains("ORIGIN"), "{table}");
    let row = table.lines().find(|l| l.starts_with("partner-1")).unwrap();
    assert!(row.contains("  partner"), "{table}");
    let (_, details, _) = essaim_cli(&config, &["feeds", "partner-1"]);
    assert!(
        details.contains("origin                 partner"),
        "{details}"
    );

    let (code, out, _) = essaim_cli(&config, &["feeds", "reject", "1", "--reason", "doublon"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("rejected"), "{out}");

    let (code, out, _) = essaim_cli(&config, &["token", "revoke", "1"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("revoked"), "{out}");
    let (_, list, _) = essaim_cli(&config, &["token", "list"]);
    assert!(!list.lines().nth(1).unwrap().ends_with("-"), "{list}");
    let store = Store::open(&dir.path().join("essaim.db")).unwrap();
    assert!(store
        .partner_by_token(&token, common::fixture_now())
        .unwrap()
        .is_none());

    // The operator's token needs no database.
    let (code, out, _) = essaim_cli(&dir.path().join("absent.toml"), &["token", "admin"]);
    assert_eq!(code, Some(0));
    let admin = out
        .split_whitespace()
        .find(|w| w.starts_with("essaim_admin_"))
        .unwrap();
    assert!(out.contains(&format!(
        "admin_token_sha256 = \"{}\"",
        essaim::secret::hash(admin)
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_configuration_the_partner_surfaces_answer_503() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("essaim.db")).unwrap());
    let (token, _) = store
        .create_partner_token("Cress", common::fixture_now())
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = web::AppState::new(Arc::clone(&store), format!("http://{addr}"))
        .with_clock(common::fixture_clock());
    tokio::spawn(web::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();
    let resp = client
        .get(format!("http://{addr}/api/partner/feeds"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    let resp = client
        .get(format!("http://{addr}/partner"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    // The token was not even looked at.
    assert!(store.partner_tokens().unwrap()[0].last_used_at.is_none());
}
