//! `essaim export`: every open offer written into a directory, and what was written and
//! removed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use essaim::config::Config;
use essaim::publish::Output;
use essaim::store::Store;

pub async fn export(
    config: &Config,
    store: Arc<Store>,
    out: PathBuf,
    page_size: usize,
) -> anyhow::Result<ExitCode> {
    let base_url = config.base_url();
    if config.settings.public_url.is_none() {
        eprintln!(
            "essaim: settings.public_url is not set: the pages link to each other at {base_url}"
        );
    }
    let dir = out.clone();
    let done = tokio::task::spawn_blocking(move || {
        essaim::export::export(&store, &base_url, &dir, page_size)
    })
    .await
    .context("the export stopped")??;
    let names: Vec<&str> = Output::ALL.iter().map(|o| o.file_name()).collect();
    let pages = if done.pages > 1 {
        format!(" and their pages 2 to {}", done.pages)
    } else {
        String::new()
    };
    println!(
        "wrote {}{pages} ({} offers) into {}",
        names.join(", "),
        done.offers,
        out.display()
    );
    if !done.removed.is_empty() {
        println!(
            "removed the pages of a larger export: {}",
            done.removed.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
