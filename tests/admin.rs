//! The operator's status page over HTTP (`/admin`), on a server whose store real fetches
//! filled (`common::admin_site`): closed without a token, no data without a session, wrong
//! tokens refused and limited (per client, behind a trusted proxy the client it names, as
//! the log does), the session cookie's attributes, CSRF and origin checks,
//! approving and rejecting registrations (the store and the registry's poke), "fetch now"
//! answered by a scheduler the test plays, the table's filter and order, the chart's counts.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::admin_site::{AdminSite, SiteOptions, ADMIN_TOKEN};
use essaim::model::RegistrationState;
use essaim::scheduler::{Control, FetchNow};
use essaim::store::NewRegistration;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::StatusCode;

/// A client that shows redirects rather than following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Set-Cookie` header of `name`, whole.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(&format!("{name}=")))
}

/// `name=value` of a `Set-Cookie` header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// The value of the first hidden field `name` of a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..][..page[start..].find('"').unwrap()].to_string()
}

/// The login form: its cookie (`name=value`) and its CSRF field.
async fn login_form(site: &AdminSite) -> (String, String) {
    let r = client().get(site.url("/admin/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = pair(&set_cookie(&r, "essaim_admin_login").unwrap());
    let page = r.text().await.unwrap();
    (cookie, hidden(&page, "csrf"))
}

/// What this binary's tests log, as text: one subscriber for the process, since the server
/// logs on the threads of its own runtimes.
fn logs() -> String {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let logs = LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(Arc::clone(&sink)))
            .init();
        logs
    });
    String::from_utf8_lossy(&logs.lock().unwrap()).into_owned()
}

/// Where [`logs`] writes.
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Posts the login form with `token`.
async fn post_login(site: &AdminSite, token: &str) -> reqwest::Response {
    post_login_forwarded(site, token, None).await
}

/// Posts the login form with `token`, with `X-Forwarded-For: forwarded` when given (as nginx,
/// or a client forging it, would send it).
async fn post_login_forwarded(
    site: &AdminSite,
    token: &str,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let (cookie, csrf) = login_form(site).await;
    let mut request = client()
        .post(site.url("/admin/login"))
        .header(COOKIE, cookie)
        .form(&[("csrf", csrf.as_str()), ("token", token)]);
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    request.send().await.unwrap()
}

/// A logged-in operator: the session cookie (`name=value`) and the session's CSRF token.
struct Operator {
    cookie: String,
    csrf: String,
}

async fn log_in(site: &AdminSite) -> Operator {
    let r = post_login(site, ADMIN_TOKEN).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = pair(&set_cookie(&r, "essaim_admin").unwrap());
    let page = get(site, &cookie, "/admin").await.1;
    Operator {
        csrf: hidden(&page, "csrf"),
        cookie,
    }
}

/// GET `path` with `cookie`: the status and the body.
async fn get(site: &AdminSite, cookie: &str, path: &str) -> (StatusCode, String) {
    let r = client()
        .get(site.url(path))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// POST `fields` to `path` as `operator`, from this site's origin.
async fn post(
    site: &AdminSite,
    operator: &Operator,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client()
        .post(site.url(path))
        .header(COOKIE, &operator.cookie)
        .header(ORIGIN, format!("http://{}", site.addr))
        .form(fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_without_a_token_and_unavailable_without_a_configuration() {
    let site = AdminSite::start(SiteOptions {
        token: false,
        ..SiteOptions::default()
    })
    .await;
    for path in ["/admin", "/admin/login", "/admin/feeds/rs-rhone"] {
        let (status, page) = get(&site, "", path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains("essaim token admin"), "{path}: {page}");
        assert!(page.contains("admin_token_sha256"), "{path}: {page}");
        assert!(!page.contains("CRESS Bretagne"), "{path}: {page}");
    }
    let r = client()
        .post(site.url("/admin/login"))
        .form(&[("token", ADMIN_TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(set_cookie(&r, "essaim_admin").is_none());

    let site = AdminSite::start(SiteOptions {
        config: false,
        ..SiteOptions::default()
    })
    .await;
    let (status, page) = get(&site, "", "/admin").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("essaim run"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_every_page_redirects_to_the_login_form() {
    let site = AdminSite::start(SiteOptions::default()).await;
    for cookie in ["", "essaim_admin=0123456789abcdef", "essaim_admin="] {
        for path in ["/admin", "/admin/feeds/rs-rhone", "/admin/feeds/nope"] {
            let r = client()
                .get(site.url(path))
                .header(COOKIE, cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path} with {cookie:?}");
            assert_eq!(r.headers()[LOCATION], "/admin/login");
            let body = r.text().await.unwrap();
            assert!(!body.contains("rs-rhone"), "{body}");
        }
    }
    // A POST without a session changes nothing.
    let r = client()
        .post(site.url(&format!("/admin/registrations/{}/approve", site.pending.id)))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = site
        .dir
        .store
        .registration(site.pending.id)
        .unwrap()
        .unwrap();
    assert_eq!(r.state, RegistrationState::Pending);
    // The login form itself is open, and sets its own CSRF cookie.
    let (cookie, csrf) = login_form(&site).await;
    assert!(cookie.starts_with("essaim_admin_login="));
    assert_eq!(csrf.len(), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_refused_and_limited() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let wrong = post_login(&site, "essaim_admin_wrong").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&wrong, "essaim_admin").is_none());
    assert!(wrong.text().await.unwrap().contains("Wrong token."));
    // The hash itself is not the token.
    let hash = essaim::secret::hash(ADMIN_TOKEN);
    assert_eq!(
        post_login(&site, &hash).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The login form's CSRF token must come with its cookie.
    let (_, csrf) = login_form(&site).await;
    let r = client()
        .post(site.url("/admin/login"))
        .form(&[("csrf", csrf.as_str()), ("token", ADMIN_TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&r, "essaim_admin").is_none());
    // Ten failures a minute from one address; then even the right token waits.
    for _ in 2..essaim::web::admin::FAILED_LOGINS_PER_MINUTE {
        assert_eq!(
            post_login(&site, "nope").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = post_login(&site, ADMIN_TOKEN).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "60");
    assert!(set_cookie(&limited, "essaim_admin").is_none());
}

/// Behind nginx on this host (`trusted_proxies`), each client nginx names in
/// `X-Forwarded-For` has its own failed-login count: a stranger who spent his ten tries is
/// refused, and the operator, from another address, still logs in. What the stranger writes
/// left of the address nginx appends changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_has_its_own_failed_login_limit() {
    logs();
    let site = AdminSite::start(SiteOptions {
        trusted_proxies: Some(r#"["127.0.0.1", "::1"]"#),
        ..SiteOptions::default()
    })
    .await;
    // The stranger's requests, each with another forged address before the one nginx saw.
    for i in 0..essaim::web::admin::FAILED_LOGINS_PER_MINUTE {
        let forwarded = format!("198.51.100.{i}, 203.0.113.66");
        let r = post_login_forwarded(&site, "essaim_admin_guess", Some(&forwarded)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "try {i}");
    }
    let limited = post_login_forwarded(&site, ADMIN_TOKEN, Some("203.0.113.66")).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookie(&limited, "essaim_admin").is_none());
    // The operator, through the same nginx, from another address.
    let operator = post_login_forwarded(&site, ADMIN_TOKEN, Some("192.0.2.10")).await;
    assert_eq!(operator.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&operator, "essaim_admin").is_some());
    // A right-most hop that is not a trusted proxy is the client, whoever stands left of it:
    // this one has made no failed login.
    let chained = post_login_forwarded(&site, "nope", Some("203.0.113.66, 2001:db8::8")).await;
    assert_eq!(chained.status(), StatusCode::UNAUTHORIZED);
    // The log names the clients, not the proxy.
    let logs = logs();
    let line = |client: &str, what: &str| {
        logs.lines()
            .filter(|l| l.contains(what) && l.ends_with(&format!("client={client}")))
            .count()
    };
    let wrong = "a wrong operator token was given to /admin/login";
    assert_eq!(line("203.0.113.66", wrong), 10, "{logs}");
    assert_eq!(line("2001:db8::8", wrong), 1, "{logs}");
    assert_eq!(
        line("192.0.2.10", "operator logged in to /admin"),
        1,
        "{logs}"
    );
}

/// Without `trusted_proxies`, `X-Forwarded-For` is a client's word and is never read: a
/// client that writes another address in each request still has one count, its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let site = AdminSite::start(SiteOptions::default()).await;
    for i in 0..essaim::web::admin::FAILED_LOGINS_PER_MINUTE {
        let forwarded = format!("198.51.100.{i}");
        let r = post_login_forwarded(&site, "essaim_admin_guess", Some(&forwarded)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "try {i}");
    }
    for forwarded in [None, Some("192.0.2.10"), Some("192.0.2.10, 127.0.0.1")] {
        let limited = post_login_forwarded(&site, ADMIN_TOKEN, forwarded).await;
        assert_eq!(
            limited.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{forwarded:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_sets_a_strict_session_cookie_and_a_logout_ends_it() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let r = post_login(&site, &format!("  {ADMIN_TOKEN}\n")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/admin");
    let cookie = set_cookie(&r, "essaim_admin").unwrap();
    let value = pair(&cookie)["essaim_admin=".len()..].to_string();
    assert_eq!(value.len(), 64, "{cookie}");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=43200",
    ] {
        assert!(
            cookie.split("; ").any(|a| a == attribute),
            "{attribute} in {cookie}"
        );
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // Behind a proxy that terminates https, the cookie is Secure.
    let (login_cookie, csrf) = login_form(&site).await;
    let r = client()
        .post(site.url("/admin/login"))
        .header(COOKIE, login_cookie)
        .header("x-forwarded-proto", "https")
        .form(&[("csrf", csrf.as_str()), ("token", ADMIN_TOKEN)])
        .send()
        .await
        .unwrap();
    let secure = set_cookie(&r, "essaim_admin").unwrap();
    assert!(secure.ends_with("; Secure"), "{secure}");

    let operator = Operator {
        cookie: pair(&cookie),
        csrf: String::new(),
    };
    let (status, page) = get(&site, &operator.cookie, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("CRESS Bretagne"), "{page}");
    let operator = Operator {
        csrf: hidden(&page, "csrf"),
        ..operator
    };
    // The login form sends a logged-in operator to the page.
    let r = client()
        .get(site.url("/admin/login"))
        .header(COOKIE, &operator.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(
        &site,
        &operator,
        "/admin/logout",
        &[("csrf", &operator.csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&r, "essaim_admin")
        .unwrap()
        .contains("Max-Age=0"));
    let (status, _) = get(&site, &operator.cookie, "/admin").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_an_https_public_url_the_cookie_is_secure_and_its_origin_accepted() {
    let site = AdminSite::start(SiteOptions {
        public_url: Some("https://emplois.example.org"),
        ..SiteOptions::default()
    })
    .await;
    let r = post_login(&site, ADMIN_TOKEN).await;
    let cookie = set_cookie(&r, "essaim_admin").unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    let page = get(&site, &pair(&cookie), "/admin").await.1;
    let operator = Operator {
        csrf: hidden(&page, "csrf"),
        cookie: pair(&cookie),
    };
    // A proxy that passes its own Host: the public URL's origin is this site's.
    let approve = format!("/admin/registrations/{}/approve", site.pending.id);
    for (origin, status) in [
        (
            "https://emplois.example.org.evil.example",
            StatusCode::FORBIDDEN,
        ),
        ("http://emplois.example.org", StatusCode::FORBIDDEN),
        ("https://emplois.example.org", StatusCode::SEE_OTHER),
    ] {
        let r = client()
            .post(site.url(&approve))
            .header(COOKIE, &operator.cookie)
            .header(ORIGIN, origin)
            .form(&[("csrf", operator.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{origin}");
    }
    let stored = site
        .dir
        .store
        .registration(site.pending.id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, RegistrationState::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_need_the_sessions_csrf_token_and_this_origin() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let operator = log_in(&site).await;
    let approve = format!("/admin/registrations/{}/approve", site.pending.id);
    let still_pending = || {
        site.dir
            .store
            .registration(site.pending.id)
            .unwrap()
            .unwrap()
            .state
            == RegistrationState::Pending
    };
    let r = post(&site, &operator, &approve, &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("CSRF"));
    let wrong = "0".repeat(64);
    let r = post(&site, &operator, &approve, &[("csrf", &wrong)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(still_pending());
    // The right token, sent from another site.
    for origin in ["https://evil.example", "null", "http://127.0.0.1:1"] {
        let r = client()
            .post(site.url(&approve))
            .header(COOKIE, &operator.cookie)
            .header(ORIGIN, origin)
            .form(&[("csrf", operator.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(still_pending());
    }
    // Another session's token is not this one's.
    let other = log_in(&site).await;
    assert_ne!(other.csrf, operator.csrf);
    let r = post(&site, &operator, &approve, &[("csrf", &other.csrf)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(still_pending());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_and_rejecting_registrations_pokes_the_registry() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let operator = log_in(&site).await;
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    // Partner text is escaped, and the URL's key hidden.
    assert!(page.contains("Offres &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("Cress &lt;Occitanie&gt;"));
    assert!(
        page.contains("apikey=***") && !page.contains("SECRET"),
        "{page}"
    );
    assert!(page.contains(&format!("id=\"registration-{}\"", site.pending.id)));

    let poked = site.registry_changed.notified();
    let r = post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/approve", site.pending.id),
        &[("csrf", &operator.csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/admin");
    tokio::time::timeout(Duration::from_secs(10), poked)
        .await
        .expect("the registry was not poked");
    let stored = site
        .dir
        .store
        .registration(site.pending.id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, RegistrationState::Approved);
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    assert!(
        page.contains("approved: it is polled as partner-"),
        "{page}"
    );
    assert!(page.contains("Pending registrations (0)"), "{page}");
    assert!(!page.contains(&format!("id=\"registration-{}\"", site.pending.id)));
    // The message is shown once.
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    assert!(!page.contains("approved: it is polled"));
    // Approving it again says why not.
    post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/approve", site.pending.id),
        &[("csrf", &operator.csrf)],
    )
    .await;
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    assert!(
        page.contains("Not done: registration 1 is already approved."),
        "{page}"
    );

    let other = site
        .dir
        .store
        .register_feed(
            &NewRegistration {
                network: "Mutualité".into(),
                token_id: None,
                name: "Offres".into(),
                url: "https://mutualite.example/rss".into(),
                format: None,
                mapping: None,
                report: serde_json::json!({}),
            },
            common::fixture_now(),
        )
        .unwrap();
    let poked = site.registry_changed.notified();
    post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/reject", other.id),
        &[
            ("csrf", &operator.csrf),
            ("reason", "  pas une offre d'emploi "),
        ],
    )
    .await;
    tokio::time::timeout(Duration::from_secs(10), poked)
        .await
        .expect("the registry was not poked");
    let stored = site.dir.store.registration(other.id).unwrap().unwrap();
    assert_eq!(stored.state, RegistrationState::Rejected);
    assert_eq!(stored.reason.as_deref(), Some("pas une offre d'emploi"));
}

/// A registration the registry could not poll as registered (a home-made XML format without
/// its mapping) is not approved from `/admin`, as `essaim feeds approve` refuses it: the
/// operator is told why, and it stays pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_that_cannot_be_polled_is_not_approved() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let operator = log_in(&site).await;
    let unpollable = site
        .dir
        .store
        .register_feed(
            &NewRegistration {
                network: "Cress Bretagne".into(),
                token_id: None,
                name: "Offres maison".into(),
                url: "https://cress-bretagne.example/offres.xml".into(),
                format: Some("xml".into()),
                mapping: None,
                report: serde_json::json!({}),
            },
            common::fixture_now(),
        )
        .unwrap();
    let r = post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/approve", unpollable.id),
        &[("csrf", &operator.csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    assert!(
        page.contains(&format!(
            "Not done: registration {} cannot be polled as registered: format &quot;xml&quot; \
             needs a mapping",
            unpollable.id
        )),
        "{page}"
    );
    assert!(
        page.contains("ask Cress Bretagne to register it again"),
        "{page}"
    );
    let stored = site.dir.store.registration(unpollable.id).unwrap().unwrap();
    assert_eq!(stored.state, RegistrationState::Pending);
    // Rejecting it still works.
    post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/reject", unpollable.id),
        &[
            ("csrf", &operator.csrf),
            ("reason", "format sans correspondance"),
        ],
    )
    .await;
    let stored = site.dir.store.registration(unpollable.id).unwrap().unwrap();
    assert_eq!(stored.state, RegistrationState::Rejected);
}

/// A partner's change to an approved registration waits on the overview beside what is
/// approved; rejected with a reason, the approved version stays polled; sent again and
/// approved, it replaces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_after_approval_is_shown_beside_the_approved_version_and_decided() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let store = &site.dir.store;
    let url = "https://cress-occitanie.example/export.xml?apikey=SECRET";
    let mut registration = NewRegistration {
        network: "Cress Occitanie".into(),
        token_id: None,
        name: "Offres de la Cress".into(),
        url: url.into(),
        format: Some("xml".into()),
        mapping: serde_json::json!({"items": "export/annonce", "title": "intitule"})
            .as_object()
            .cloned(),
        report: serde_json::json!({"readable": true, "report": {"offers": 8, "problems": []}}),
    };
    let r = store
        .register_feed(&registration, common::fixture_now())
        .unwrap();
    store
        .decide_registration(r.id, true, None, common::fixture_now())
        .unwrap();
    let polled = || {
        essaim::registry::all_feeds(&site.dir.config, store)
            .unwrap()
            .1
    };
    let approved = polled();
    registration.mapping = serde_json::json!({
        "items": "export/annonce", "title": "intitule", "city": "ville"
    })
    .as_object()
    .cloned();
    registration.report =
        serde_json::json!({"readable": true, "report": {"offers": 9, "problems": []}});
    store
        .register_feed(&registration, common::fixture_now())
        .unwrap();
    assert_eq!(
        polled(),
        approved,
        "polled as approved while the change waits"
    );

    let operator = log_in(&site).await;
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    let row_start = page
        .find(&format!("<tr id=\"registration-{}\"", r.id))
        .unwrap_or_else(|| panic!("no row for the change: {page}"));
    let row = &page[row_start..row_start + page[row_start..].find("</tr>").unwrap()];
    assert!(
        row.contains("<strong>change</strong> of approved partner-"),
        "{row}"
    );
    assert!(
        row.contains(
            "mapping: {&quot;items&quot;:&quot;export/annonce&quot;,&quot;title&quot;:&quot;intitule&quot;} \
             → {&quot;items&quot;:&quot;export/annonce&quot;,&quot;title&quot;:&quot;intitule&quot;,&quot;city&quot;:&quot;ville&quot;}"
        ),
        "{row}"
    );
    assert!(
        row.contains("&quot;offers&quot;: 9"),
        "the change's report: {row}"
    );
    assert!(
        row.contains("apikey=***") && !row.contains("SECRET"),
        "{row}"
    );

    post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/reject", r.id),
        &[
            ("csrf", &operator.csrf),
            ("reason", "la ville est déjà dans l'intitulé"),
        ],
    )
    .await;
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    assert!(
        page.contains("is still polled as approved, and the partner sees the reason"),
        "{page}"
    );
    assert!(!page.contains(&format!("id=\"registration-{}\"", r.id)));
    let stored = store.registration(r.id).unwrap().unwrap();
    assert_eq!(stored.state, RegistrationState::Approved);
    let change = stored.change.unwrap();
    assert_eq!(
        change.reason.as_deref(),
        Some("la ville est déjà dans l'intitulé")
    );
    assert_eq!(polled(), approved);

    store
        .register_feed(&registration, common::fixture_now())
        .unwrap();
    let poked = site.registry_changed.notified();
    post(
        &site,
        &operator,
        &format!("/admin/registrations/{}/approve", r.id),
        &[("csrf", &operator.csrf)],
    )
    .await;
    tokio::time::timeout(Duration::from_secs(10), poked)
        .await
        .expect("the registry was not poked");
    let (_, page) = get(&site, &operator.cookie, "/admin").await;
    assert!(page.contains("is polled as changed from now on"), "{page}");
    let stored = store.registration(r.id).unwrap().unwrap();
    assert_eq!(
        (stored.state, stored.change),
        (RegistrationState::Approved, None)
    );
    assert_eq!(stored.mapping, registration.mapping);
    assert_ne!(polled(), approved, "polled as changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_now_asks_the_scheduler_and_says_what_it_did() {
    let mut site = AdminSite::start(SiteOptions {
        scheduler: true,
        ..SiteOptions::default()
    })
    .await;
    let mut control = site.control.take().unwrap();
    let scheduler = tokio::spawn(async move {
        let mut asked = Vec::new();
        for answer in [FetchNow::Started, FetchNow::InFlight, FetchNow::Unknown] {
            match control.recv().await {
                Some(Control::FetchNow { feed, answer: tx }) => {
                    asked.push(feed);
                    tx.send(answer).unwrap();
                }
                other => panic!("{other:?}"),
            }
        }
        asked
    });
    let operator = log_in(&site).await;
    let (status, page) = get(&site, &operator.cookie, "/admin/feeds/panne").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"fetch-now\""), "{page}");
    for expected in [
        "The fetch of panne started",
        "panne is being fetched already",
        "The scheduler does not poll panne",
    ] {
        let r = post(
            &site,
            &operator,
            "/admin/feeds/panne/fetch",
            &[("csrf", &operator.csrf)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/admin/feeds/panne");
        let (_, page) = get(&site, &operator.cookie, "/admin/feeds/panne").await;
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert_eq!(scheduler.await.unwrap(), ["panne", "panne", "panne"]);
    // An unknown feed is not sent to the scheduler.
    let r = post(
        &site,
        &operator,
        "/admin/feeds/nope/fetch",
        &[("csrf", &operator.csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Without a scheduler, the page says so.
    let site = AdminSite::start(SiteOptions::default()).await;
    let operator = log_in(&site).await;
    post(
        &site,
        &operator,
        "/admin/feeds/rs-rhone/fetch",
        &[("csrf", &operator.csrf)],
    )
    .await;
    let (_, page) = get(&site, &operator.cookie, "/admin/feeds/rs-rhone").await;
    assert!(page.contains("No scheduler runs in this process"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_shows_totals_the_chart_and_every_feed_sorted_and_filtered() {
    let site = AdminSite::start(SiteOptions::default()).await;
    let operator = log_in(&site).await;
    let (status, page) = get(&site, &operator.cookie, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    let added = site.offers_added;
    assert!(added > 2, "{added}");
    // Totals.
    assert!(
        page.contains(
            "<strong id=\"total-feeds\">3</strong>2 active, 1 backing off, 0 gone (1 failing)"
        ),
        "{page}"
    );
    assert!(page.contains(&format!("<strong id=\"total-open\">{added}</strong>")));
    assert!(page.contains(&format!("<strong id=\"total-added\">{added}</strong>")));
    let jobs = site.dir.store.counts().unwrap().jobs;
    assert!(page.contains(&format!("<strong id=\"total-jobs\">{jobs}</strong>")));
    // The chart: every offer first seen on the fixture day.
    assert!(
        page.contains(&format!("<title>2026-11-22: {added} offers</title>")),
        "{page}"
    );
    assert!(page.contains("<title>2026-11-21: 0 offers</title>"));
    assert!(page.contains("<title id=\"chart-title\">Offers added per day, last 30 days</title>"));
    // Every feed; the failing one marked, its network escaped.
    let row = |id: &str| {
        let start = page.find(&format!("<tr id=\"feed-{id}\"")).unwrap();
        page[start..][..page[start..].find("</tr>").unwrap()].to_string()
    };
    assert!(row("panne").contains("class=\"failing\""));
    assert!(row("panne").contains("⚠ failing"));
    assert!(row("panne").contains("Réseau &lt;test&gt; &amp; co"));
    assert!(row("rs-rhone").contains("class=\"ok\""));
    assert!(!row("rs-rhone").contains("failing"));
    // Sorted by open offers, most first; filtered by state or text.
    let order = |page: &str| -> Vec<String> {
        page.match_indices("<tr id=\"feed-")
            .map(|(i, m)| {
                let rest = &page[i + m.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
            .collect()
    };
    let (_, sorted) = get(&site, &operator.cookie, "/admin?sort=-open_offers").await;
    let ids = order(&sorted);
    assert_eq!(ids.len(), 3);
    assert_eq!(ids.last().unwrap(), "panne");
    let open = |id: &str| site.dir.status(id).open_offers;
    assert!(open(&ids[0]) >= open(&ids[1]));
    let (_, by_name) = get(&site, &operator.cookie, "/admin?sort=name").await;
    assert_eq!(order(&by_name), ["cress-bretagne", "panne", "rs-rhone"]);
    let (_, failing) = get(&site, &operator.cookie, "/admin?state=failing").await;
    assert_eq!(order(&failing), ["panne"]);
    let (_, found) = get(&site, &operator.cookie, "/admin?q=rhone").await;
    assert_eq!(order(&found), ["rs-rhone"], "accents folded");
    let (_, nothing) = get(
        &site,
        &operator.cookie,
        "/admin?state=bogus&sort=%3Cx%3E&q=%3Czz%3E",
    )
    .await;
    assert_eq!(order(&nothing), Vec::<String>::new());
    assert!(nothing.contains("value=\"&lt;zz&gt;\""));
    assert!(!nothing.contains("<zz>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feeds_page_shows_its_fetch_history() {
    let site = AdminSite::start(SiteOptions::default()).await;
    site.dir.refresh("panne").await;
    let operator = log_in(&site).await;
    let (status, page) = get(&site, &operator.cookie, "/admin/feeds/panne").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("<tr class=\"failing\">").count(), 2, "{page}");
    assert!(page.contains("<td>500</td>"), "{page}");
    assert!(page.contains("2 failed fetches in a row"), "{page}");
    let (_, page) = get(&site, &operator.cookie, "/admin/feeds/rs-rhone").await;
    let new = site.dir.status("rs-rhone").open_offers;
    assert!(page.contains("<td>ok</td><td>200</td>"), "{page}");
    assert!(
        page.contains(&format!("<td class=\"num\">{new}</td>")),
        "{page}"
    );
    let (status, _) = get(&site, &operator.cookie, "/admin/feeds/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
