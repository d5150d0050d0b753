//! `/metrics` behind a reverse proxy (`trusted_proxies`): the client the proxy names is
//! judged, not the proxy. A binary of its own, since the metrics registry is the process's and
//! `tests/observability.rs` counts its own scrapes of `/metrics`. (`/admin`'s failed-login
//! limit behind a proxy is in `tests/admin.rs`; how `X-Forwarded-For` is read, in
//! `src/web/client.rs`.)
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{FeedsToml, FixtureDir};
use essaim::web;

/// Behind a proxy the operator trusts, `/metrics` judges the client the proxy names, not the
/// proxy: a public client that reaches it through nginx on this host is refused, while a
/// scraper on this host (no `X-Forwarded-For`) is answered. Without `trusted_proxies` the
/// header is never read, so a client cannot make itself a loopback client by writing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_metrics_judge_the_client_it_names() {
    let toml = FeedsToml::new().partner("obs-proxied", "https://partenaire.example/rss");
    let fx = FixtureDir::load(&toml.to_string(), common::fixture_clock());
    let scrape = |addr: SocketAddr, forwarded: Option<&'static str>| async move {
        let mut request = reqwest::Client::new().get(format!("http://{addr}/metrics"));
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        request.send().await.unwrap().status().as_u16()
    };
    let serve = |trusted: &[&str]| {
        let state = web::AppState::new(Arc::clone(&fx.store), String::new())
            .with_clock(common::fixture_clock())
            .with_trusted_proxies(trusted.iter().map(|n| n.parse().unwrap()).collect());
        async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(web::serve(listener, state, async move {
                let _ = stopped.await;
            }));
            (addr, stop)
        }
    };

    let (proxied, _stop) = serve(&["127.0.0.1/32", "::1/128"]).await;
    assert_eq!(scrape(proxied, None).await, 200, "a scraper on this host");
    assert_eq!(scrape(proxied, Some("203.0.113.7")).await, 403);
    assert_eq!(
        scrape(proxied, Some("127.0.0.1, 203.0.113.7")).await,
        403,
        "what the client wrote left of nginx's entry is not read"
    );
    assert_eq!(
        scrape(proxied, Some("::1")).await,
        200,
        "a loopback client of nginx"
    );

    let (direct, _stop) = serve(&[]).await;
    assert_eq!(scrape(direct, Some("203.0.113.7")).await, 200);
}
