//! The `essaim` command: thin glue from the command line to the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use tokio::sync::watch;

use essaim::config::{self, Config};
use essaim::pipeline::{blocking, Outcome, Pipeline};
use essaim::store::Store;
use essaim::{publish, web};

#[derive(Parser)]
#[command(
    name = "essaim",
    version,
    about = "Aggregates the job-offer feeds of the social and solidarity economy"
)]
struct Cli {
    /// The partner registry.
    #[arg(
        long,
        global = true,
        default_value = "feeds.toml",
        env = "ESSAIM_CONFIG"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: the scheduler and the HTTP server.
    Run,
    /// Fetch feeds once and exit (all enabled feeds, or the ones named).
    Fetch {
        /// A feed id; repeat for several.
        #[arg(long = "feed", value_name = "ID")]
        feeds: Vec<String>,
    },
    /// Write feed.rss, feed.atom and feed.json into a directory.
    Export {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Validate the configuration and exit.
    Check,
    /// Show every feed's state as a table.
    Feeds,
    /// Expire offers past their validThrough, and delete closed and expired offers older
    /// than settings.retention_days (the daemon does this daily).
    Purge,
    /// Fetch and normalise a feed without storing it, and report what essaim understood:
    /// offers found, how many have each field, and every problem with its offer.
    Validate {
        /// An http(s) URL or a file path.
        source: String,
        /// The feed's format (default: detected).
        #[arg(long, value_parser = parse_format)]
        format: Option<essaim::parse::Format>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Allow a URL that resolves to a private or loopback address.
        #[arg(long)]
        allow_private: bool,
    },
}

fn parse_format(s: &str) -> Result<essaim::parse::Format, String> {
    s.parse()
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Command::Validate { .. } = cli.command {
        // A partner checking its feed needs no registry: defaults apply when there is none.
        let config = if cli.config.exists() {
            config::load(&cli.config)
        } else {
            config::parse("", &cli.config)
        };
        return match config {
            Ok(config) => run_async(validate(cli.command, config)),
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        };
    }
    let config = match config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("essaim: the configuration has errors; nothing was done");
            return ExitCode::from(2);
        }
    };
    if let Command::Check = cli.command {
        println!(
            "{}: ok, {} feeds ({} enabled)",
            cli.config.display(),
            config.feeds.len(),
            config.feeds.iter().filter(|f| f.enabled).count()
        );
        return ExitCode::SUCCESS;
    }
    run_async(dispatch(cli.command, config))
}

fn run_async(work: impl std::future::Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("essaim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("essaim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn validate(command: Command, mut config: Config) -> anyhow::Result<ExitCode> {
    let Command::Validate {
        source,
        format,
        json,
        allow_private,
    } = command
    else {
        bail!("not a validate command");
    };
    config.settings.allow_private_addresses |= allow_private;
    let fetcher = essaim::fetch::Fetcher::new(&config.settings)?;
    let (bytes, charset, base) = match url::Url::parse(&source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            match fetcher.fetch_url_once(url.clone()).await {
                Ok(essaim::fetch::Fetched::Body(b)) => (b.bytes, b.charset, b.final_url),
                Ok(essaim::fetch::Fetched::NotModified { .. }) => {
                    bail!("{source}: the server answered 304 Not Modified to a plain request")
                }
                Err(e) => {
                    eprintln!("essaim: {source}: cannot fetch: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        _ => match std::fs::read(&source) {
            Ok(b) => (b, None, None),
            Err(e) => {
                eprintln!("essaim: {source}: cannot read: {e}");
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    let now = chrono::Utc::now();
    let ctx = essaim::parse::ParseContext {
        format,
        http_charset: charset.as_deref(),
        base_url: base.as_deref(),
        now: Some(now),
        ..Default::default()
    };
    let parsed = match essaim::parse::parse(&bytes, &ctx) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("essaim: {source}: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let nctx = essaim::normalise::Context {
        feed_id: "validate",
        base_url: base.as_deref(),
        now,
    };
    let offers: Vec<_> = parsed
        .items
        .iter()
        .map(|i| essaim::normalise::normalise(i, &nctx))
        .collect();
    let report = essaim::validate::report(&source, &parsed, &offers);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

async fn dispatch(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    let store = Arc::new(open_store(&config)?);
    match command {
        Command::Run => run(config, store).await,
        Command::Fetch { feeds } => fetch(config, store, feeds).await,
        Command::Export { out } => export(&config, store, &out).await,
        Command::Feeds => feeds_table(store).await,
        Command::Purge => {
            let days = config.settings.retention_days;
            let s = blocking(move || store.purge(chrono::Utc::now(), days)).await?;
            println!(
                "{} offers expired, {} closed or expired offers older than {days} days deleted",
                s.expired, s.deleted
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check | Command::Validate { .. } => Ok(ExitCode::SUCCESS),
    }
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::open(&config.settings.database)?;
    store.sync_feeds(&config.feeds)?;
    Ok(store)
}

async fn run(config: Config, store: Arc<Store>) -> anyhow::Result<ExitCode> {
    let listen = config.settings.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (settings.listen)"))?;
    tracing::info!(message = "Listening.", address = %listen);
    let base_url = config.base_url();
    let retention_days = config.settings.retention_days;
    let pipeline = Arc::new(Pipeline::new(Arc::new(config), Arc::clone(&store))?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = tokio::spawn(essaim::scheduler::run(pipeline, stop_rx.clone()));
    let purger = tokio::spawn(purge_daily(
        Arc::clone(&store),
        retention_days,
        stop_rx.clone(),
    ));
    let mut web_stop = stop_rx;
    let server = tokio::spawn(web::serve(
        listener,
        web::AppState { store, base_url },
        async move {
            let _ = web_stop.wait_for(|stop| *stop).await;
        },
    ));
    shutdown_signal().await;
    tracing::info!(message = "Shutting down.");
    let _ = stop_tx.send(true);
    let _ = scheduler.await;
    let _ = purger.await;
    match server.await {
        Ok(Ok(())) => Ok(ExitCode::SUCCESS),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => bail!("web server task failed: {e}"),
    }
}

/// The daemon's retention task: a purge shortly after start, then every 24 hours.
async fn purge_daily(store: Arc<Store>, retention_days: u32, mut stop: watch::Receiver<bool>) {
    let mut wait = std::time::Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let s = Arc::clone(&store);
        match blocking(move || s.purge(chrono::Utc::now(), retention_days)).await {
            Ok(p) => tracing::info!(
                message = "Purged old offers.",
                expired = p.expired,
                deleted = p.deleted
            ),
            Err(e) => tracing::warn!(message = "Purge failed.", error = %e),
        }
        wait = std::time::Duration::from_secs(24 * 3600);
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn fetch(config: Config, store: Arc<Store>, ids: Vec<String>) -> anyhow::Result<ExitCode> {
    let unknown: Vec<&String> = ids
        .iter()
        .filter(|id| !config.feeds.iter().any(|f| &f.id == *id))
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = config.feeds.iter().map(|f| f.id.as_str()).collect();
        bail!(
            "unknown feed id {unknown:?}; {} has: {}",
            config.path.display(),
            known.join(", ")
        );
    }
    let pipeline = Arc::new(Pipeline::new(Arc::new(config), store)?);
    let reports = pipeline.refresh_many(&ids).await;
    let mut failed = 0;
    for r in &reports {
        match &r.outcome {
            Outcome::Updated(s) => println!(
                "{}: ok, {} items, {} new, {} updated, {} closed, {} warnings",
                r.feed_id,
                r.items_found,
                s.new,
                s.updated,
                s.closed,
                r.warnings.len()
            ),
            Outcome::NotModified => println!("{}: not modified", r.feed_id),
            Outcome::Failed(e) => {
                failed += 1;
                println!("{}: FAILED: {e}", r.feed_id);
            }
        }
        for w in &r.warnings {
            println!("  {}: warning: {w}", r.feed_id);
        }
    }
    println!(
        "{} feeds, {} ok, {} failed",
        reports.len(),
        reports.len() - failed,
        failed
    );
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn export(config: &Config, store: Arc<Store>, out: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let offers = blocking(move || store.open_offers(web::FEED_ITEMS)).await?;
    let base_url = config.base_url();
    let channel = web::channel(&base_url, &offers);
    for (name, body) in [
        ("feed.rss", publish::rss(&channel, &offers)),
        ("feed.atom", publish::atom(&channel, &offers)),
        ("feed.json", publish::json_feed(&channel, &offers)),
    ] {
        write_atomically(&out.join(name), body.as_bytes())?;
    }
    println!(
        "wrote feed.rss, feed.atom, feed.json ({} offers) into {}",
        offers.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary name in the same directory, then renames: readers never see half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))?;
    Ok(())
}

async fn feeds_table(store: Arc<Store>) -> anyhow::Result<ExitCode> {
    let feeds = blocking(move || store.feed_statuses()).await?;
    println!(
        "{:<24} {:<11} {:>5} {:>6} {:<20} {:<20} {:<20} ERROR",
        "FEED", "STATE", "OPEN", "ERRORS", "LAST ATTEMPT", "LAST SUCCESS", "NEXT FETCH"
    );
    for f in feeds {
        let state = if f.enabled {
            f.state.as_str()
        } else {
            "disabled"
        };
        println!(
            "{:<24} {:<11} {:>5} {:>6} {:<20} {:<20} {:<20} {}",
            f.id,
            state,
            f.open_offers,
            f.consecutive_errors,
            f.last_attempt_at.as_deref().unwrap_or("-"),
            f.last_success_at.as_deref().unwrap_or("-"),
            f.next_fetch_at.as_deref().unwrap_or("-"),
            f.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
