//! The global budget of body bytes (issue 17): concurrent large bodies wait for each other
//! instead of multiplying memory; small ones never wait.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use essaim::config;
use essaim::fetch::{BodyBudget, Fetched, Fetcher};
use essaim::model::FetchMemory;

const MIB: u64 = 1024 * 1024;

fn body(f: Fetched) -> essaim::fetch::Body {
    match f {
        Fetched::Body(b) => b,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_large_body_waits_while_another_holds_the_budget_and_small_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let offer =
        "<item><title>Aide à domicile (H/F)</title><link>https://a.example/o</link></item>\n";
    for (name, size) in [
        ("grand-a.xml", 3 * MIB),
        ("grand-b.xml", 3 * MIB),
        ("petit.xml", 0),
    ] {
        let items = offer.repeat((size as usize) / offer.len() + 1);
        std::fs::write(
            dir.path().join(name),
            format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"),
        )
        .unwrap();
    }
    let mut toml = String::from(
        "[settings]\ndatabase = \"essaim.db\"\nmax_body_bytes = 4194304\nmax_concurrent_fetches = 2\n",
    );
    for id in ["grand-a", "grand-b", "petit"] {
        toml.push_str(&format!(
            "\n[[feed]]\nid = \"{id}\"\nname = \"{id}\"\nnetwork = \"T\"\nurl = \"{id}.xml\"\n"
        ));
    }
    let path = dir.path().join("feeds.toml");
    std::fs::write(&path, toml).unwrap();
    let config = config::load(&path).unwrap();
    let fetcher = Fetcher::new(&config.settings).unwrap();
    let feed = |id: &str| config.feeds.iter().find(|f| f.id == id).unwrap().clone();
    let memory = FetchMemory::default();
    // One cap (4 MiB) plus a small share (1 MiB) per concurrent fetch.
    assert_eq!(fetcher.budget().available(), 6 * MIB);

    let a = body(fetcher.fetch(&feed("grand-a"), &memory).await.unwrap());
    assert!(a.budget.kib() as u64 * 1024 >= a.bytes.len() as u64);
    assert!(fetcher.budget().available() < 3 * MIB);

    // A small body still gets its share at once.
    let small = body(fetcher.fetch(&feed("petit"), &memory).await.unwrap());
    assert_eq!(small.budget.kib() as u64 * 1024, BodyBudget::SMALL);
    drop(small);

    // The second large body cannot be read while the first is held...
    let f2 = fetcher.clone();
    let b_feed = feed("grand-b");
    let mut second =
        tokio::spawn(
            async move { body(f2.fetch(&b_feed, &FetchMemory::default()).await.unwrap()) },
        );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut second)
            .await
            .is_err(),
        "the second large body was read while the first held the budget"
    );
    // ...and is as soon as the first is applied and dropped.
    drop(a);
    let b = tokio::time::timeout(Duration::from_secs(30), second)
        .await
        .unwrap()
        .unwrap();
    assert!(b.bytes.len() as u64 > 3 * MIB);
    drop(b);
    assert_eq!(fetcher.budget().available(), 6 * MIB);
}
