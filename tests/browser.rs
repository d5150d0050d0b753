//! What a person sees of `/admin` in a real browser: headless Chromium, driven through
//! chromedriver (`common::browser`), logs in with the operator token, sees every feed in the
//! table and the failing one shown as failing, filters the table as it types, and approves
//! the pending registration by clicking, which then leaves the pending list. Skipped with a
//! `skipped:` line where Chromium is not installed, unless `ESSAIM_REQUIRE_BROWSER=1`.
//!
//! A partner without curl does the same on `/partner`: pastes its token and a home-made XML
//! feed's URL, reads that essaim cannot read it and the mapping it proposes, sends it back with
//! that mapping, and reads the report of the offers found.
#![allow(clippy::unwrap_used)]

mod common;

use common::admin_site::{AdminSite, SiteOptions, ADMIN_TOKEN};
use common::browser::Browser;
use essaim::model::RegistrationState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_logs_in_sees_the_feeds_and_approves_a_registration() {
    let Some(browser) = Browser::start("browser::admin").await else {
        return;
    };
    let site = AdminSite::start(SiteOptions::default()).await;

    // Without a session, the page is the login form.
    browser.goto(&site.url("/admin")).await;
    assert!(browser.current_url().await.ends_with("/admin/login"));
    assert_eq!(browser.title().await, "Log in · essaim");
    let token = browser.find("#token").await;
    browser.send_keys(&token, "not the token").await;
    browser.click(&browser.find("#login").await).await;
    let alert = browser.find(".flash.error").await;
    assert_eq!(browser.text(&alert).await, "Wrong token.");
    browser
        .send_keys(&browser.find("#token").await, ADMIN_TOKEN)
        .await;
    browser.click(&browser.find("#login").await).await;

    // The overview: every feed, the failing one shown as failing.
    let table = browser.find("#feeds").await;
    assert!(browser.current_url().await.ends_with("/admin"));
    let rows = browser.find_in(&table, "tbody tr").await;
    assert_eq!(rows.len(), 3);
    let mut seen = Vec::new();
    for row in &rows {
        let id = browser.attribute(row, "id").await.unwrap();
        let class = browser.attribute(row, "class").await.unwrap();
        let text = browser.text(row).await;
        seen.push(id.clone());
        if id == "feed-panne" {
            assert_eq!(class, "failing");
            assert!(text.contains("⚠ failing"), "{text}");
            assert!(text.contains("backing off"), "{text}");
            assert!(text.contains("Réseau <test> & co"), "{text}");
        } else {
            assert_eq!(class, "ok", "{id}: {text}");
            assert!(!text.contains("failing"), "{id}: {text}");
        }
    }
    seen.sort();
    assert_eq!(seen, ["feed-cress-bretagne", "feed-panne", "feed-rs-rhone"]);
    let totals = browser.text(&browser.find("#totals").await).await;
    assert!(totals.contains("1 failing"), "{totals}");
    let today = browser.find("#chart rect[data-day=\"2026-11-22\"]").await;
    assert_eq!(
        browser.attribute(&today, "data-count").await.unwrap(),
        site.offers_added.to_string()
    );

    // Typing in the filter hides the rows that do not match (the script), and the form
    // filters on the server too.
    browser.send_keys(&browser.find("#q").await, "cress").await;
    let shown: Vec<String> = {
        let mut shown = Vec::new();
        for row in browser.find_all("#feeds tbody tr").await {
            if !browser.text(&row).await.is_empty() {
                shown.push(browser.attribute(&row, "id").await.unwrap());
            }
        }
        shown
    };
    assert_eq!(shown, ["feed-cress-bretagne"]);

    // The pending registration, its partner text shown as text; approved by a click.
    let pending = format!("#registration-{}", site.pending.id);
    let row = browser.find(&pending).await;
    let text = browser.text(&row).await;
    assert!(text.contains("Offres <script>alert(1)</script>"), "{text}");
    assert!(text.contains("Cress <Occitanie>"), "{text}");
    let approve = browser.find(&format!("{pending} button.approve")).await;
    browser.click(&approve).await;
    let flash = browser.find(".flash").await;
    let said = browser.text(&flash).await;
    assert!(
        said.contains("approved: it is polled as partner-"),
        "{said}"
    );
    assert!(browser.absent(&pending).await);
    browser.find("#no-pending").await;
    let stored = site
        .dir
        .store
        .registration(site.pending.id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, RegistrationState::Approved);

    // A feed's page, from its link.
    browser.click(&browser.find("#feed-panne a").await).await;
    let state = browser.text(&browser.find("#feed-state").await).await;
    assert!(state.contains("⚠ failing"), "{state}");
    let attempts = browser.find_all("#attempts tbody tr").await;
    assert_eq!(attempts.len(), 1);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_registers_a_home_made_feed_with_the_proposed_mapping() {
    let Some(browser) = Browser::start("browser::partner").await else {
        return;
    };
    let site = AdminSite::start(SiteOptions::default()).await;
    let (token, _) = site
        .dir
        .store
        .create_partner_token("UNA Touraine", common::fixture_now())
        .unwrap();
    // The fixture partners' server, where una-touraine.xml (a home-made XML) is served.
    let feed_url = site
        .dir
        .config
        .feeds
        .iter()
        .find(|f| f.id == "rs-rhone")
        .unwrap()
        .source
        .to_string()
        .replace("ressources-solidaires-rhone.xml", "una-touraine.xml");

    browser.goto(&site.url("/partner")).await;
    assert_eq!(browser.title().await, "essaim: register a feed");
    browser
        .send_keys(&browser.find("#token").await, &token)
        .await;
    browser
        .send_keys(&browser.find("#url").await, &feed_url)
        .await;
    browser
        .click(&browser.find("form button[type=submit]").await)
        .await;

    // Stored as pending, unreadable as is, with a mapping proposed.
    let heading = browser.text(&browser.find("#registration").await).await;
    assert!(heading.ends_with(": pending"), "{heading}");
    let unreadable = browser.text(&browser.find("#unreadable").await).await;
    assert!(
        unreadable.starts_with("essaim cannot read it"),
        "{unreadable}"
    );
    let format = browser.text(&browser.find("#proposed-format").await).await;
    assert_eq!(format, "xml");
    let mapping = browser.text(&browser.find("#proposed-mapping").await).await;
    let proposed: serde_json::Value = serde_json::from_str(&mapping).unwrap();
    assert!(proposed["items"].is_string(), "{mapping}");
    assert!(proposed["title"].is_string(), "{mapping}");

    // Sent back with that mapping (the URL is still in the form): the offers are read.
    browser
        .send_keys(&browser.find("#token").await, &token)
        .await;
    browser
        .send_keys(&browser.find("#format").await, &format)
        .await;
    browser
        .send_keys(&browser.find("#mapping").await, &mapping)
        .await;
    browser
        .click(&browser.find("form button[type=submit]").await)
        .await;
    let offers = browser.text(&browser.find("#offers").await).await;
    assert!(offers.contains(" offers (xml, "), "{offers}");
    let found: usize = offers.split(' ').next().unwrap().parse().unwrap();
    assert!(found >= 2, "{offers}");
    let fields = browser.text(&browser.find("#fields").await).await;
    assert!(
        fields.contains(&format!("title {found} / {found}")),
        "{fields}"
    );
    assert!(browser.absent("#unreadable").await);

    // One registration, pending, with the mapping the partner sent.
    let registrations = site.dir.store.registrations(Some("UNA Touraine")).unwrap();
    assert_eq!(registrations.len(), 1);
    let r = &registrations[0];
    assert_eq!(r.state, RegistrationState::Pending);
    assert_eq!(r.format.as_deref(), Some("xml"));
    assert_eq!(
        r.mapping.clone().map(serde_json::Value::Object),
        Some(proposed)
    );
    browser.quit().await;
}
