//! The `essaim` command: thin glue from the command line to the library, plus the text an
//! operator reads (the `fetch` progress and summary, the `feeds` table).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use tokio::sync::{mpsc, watch};

use essaim::clock::Clock;
use essaim::config::{self, Config};
use essaim::model::rfc3339;
use essaim::model::{FeedStatus, HeldClosing};
use essaim::pipeline::{blocking, FeedReport, Outcome, Pipeline, Skipped};
use essaim::store::Store;
use essaim::web;

/// mimalloc rather than the system allocator: the store keeps the blocking keys of recent
/// postings in memory (many small, long-lived tree nodes) while fetches allocate and free
/// short-lived values around them, and glibc's allocator slowed down as its heap fragmented
/// (malloc's own time grew from 0.2 s to 0.5 s per 10,000 offers filed, found with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc gives freed memory back to the system at once rather than a second later, and
/// commits arena memory as it is used: eight 16 MiB feeds fetched at once
/// peaked at 254-281 MB of anonymous memory with mimalloc's defaults, 151-153 MB so
/// (`bench/hostile-memory.sh`), in the same time. The option numbers are those of mimalloc
/// 3.3 (`mi_option_e` in its `mimalloc.h`); with another version nothing is changed.
fn tune_allocator() {
    use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t, mi_version};
    const ARENA_EAGER_COMMIT: mi_option_t = 4;
    const PURGE_DELAY: mi_option_t = 15;
    const ARENA_PURGE_MULT: mi_option_t = 24;
    #[allow(unsafe_code)]
    // SAFETY: these functions only read and write integers in mimalloc's table of options,
    // which is initialised before `main` and safe to use from any thread; the numbers are
    // checked to be those of the linked version, whose defaults they still hold.
    unsafe {
        let known = mi_version() / 100 == 303
            && mi_option_get(ARENA_EAGER_COMMIT) == 2
            && mi_option_get(PURGE_DELAY) == 1000
            && mi_option_get(ARENA_PURGE_MULT) == 1;
        if known {
            mi_option_set(ARENA_EAGER_COMMIT, 0);
            mi_option_set(PURGE_DELAY, 0);
            mi_option_set(ARENA_PURGE_MULT, 0);
        }
    }
}

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
    /// Fetch feeds once and exit: the enabled feeds that are due (not gone, not held back by
    /// a partner's Retry-After / max-age or by backoff), or the ones named, now, whatever
    /// their state.
    Fetch {
        /// A feed id to fetch now; repeat for several.
        #[arg(long = "feed", value_name = "ID")]
        feeds: Vec<String>,
    },
    /// Write every open offer into a directory: feed.rss, feed.atom, feed.json and
    /// jobs.jsonld, each paged into files (feed-2.rss, ...) that link to the next one.
    Export {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Offers per file.
        #[arg(long, value_name = "N", default_value_t = essaim::export::PAGE_SIZE)]
        page_size: usize,
    },
    /// Validate the configuration and exit.
    Check,
    /// Show every feed's state as a table, one feed in detail, or re-enable a feed.
    Feeds {
        /// Show every recorded field of this feed.
        #[arg(value_name = "ID")]
        id: Option<String>,
        /// Re-enable a feed (a gone one, or one to retry from scratch): forget its state,
        /// errors, backoff and fetch memory; its offers are kept.
        #[arg(long, value_name = "ID", conflicts_with = "id")]
        reset: Option<String>,
    },
    /// Expire offers past their validThrough, and delete closed and expired offers older
    /// than settings.retention_days (the daemon does this daily).
    Purge,
    /// Fetch and normalise a feed without storing it, and report what essaim understood:
    /// offers found, how many have each field, and every problem with its offer.
    Validate {
        /// An http(s) URL or a file path (default with --feed: the feed's own).
        #[arg(required_unless_present = "feed")]
        source: Option<String>,
        /// Validate with this feed of the configuration: its URL (unless SOURCE is given),
        /// format, [feed.mapping] and [feed.elements].
        #[arg(long, value_name = "ID")]
        feed: Option<String>,
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
    /// Developer tool: parse a local file and print the raw items and warnings as JSON
    /// (`scripts/gofeed-conformance.py` uses it).
    #[command(hide = true)]
    Parse {
        file: PathBuf,
        #[arg(long, value_parser = parse_format)]
        format: Option<essaim::parse::Format>,
    },
}

fn parse_format(s: &str) -> Result<essaim::parse::Format, String> {
    s.parse()
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    // The one place the wall clock is chosen: everything below decides with `clock`.
    let clock = Clock::wall();
    // `fetch` on a terminal draws a progress line: only errors are logged over it.
    let default_level = match cli.command {
        Command::Fetch { .. } if std::io::stdout().is_terminal() => "error",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Command::Parse { file, format } = &cli.command {
        return parse_file(file, *format, clock);
    }
    if let Command::Validate { .. } = cli.command {
        // A partner checking its feed needs no registry: defaults apply when there is none.
        let config = if cli.config.exists() {
            config::load(&cli.config)
        } else {
            config::parse("", &cli.config)
        };
        return match config {
            Ok(config) => run_async(validate(cli.command, config, clock)),
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
    run_async(dispatch(cli.command, config, clock))
}

fn run_async(work: impl std::future::Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    // Few blocking threads: parsing and the store's work run there, and each thread that
    // allocates keeps its own heap; with tokio's default (up to 512) eight large feeds fetched
    // at once left 50-60 MB more resident (bench/hostile-memory.sh).
    let blocking_threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .saturating_mul(2)
        .max(4);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("essaim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(work) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("essaim: {e:#}");
            ExitCode::FAILURE
        }
    };
    // Dropping the runtime would wait for every blocking task without end (a parse or a
    // transaction still running after the shutdown deadline): the work done is done, the
    // rest stops here (SQLite rolls back what was not committed).
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    code
}

/// `essaim parse FILE`: the parser's raw items and warnings as JSON, or the error (exit 1).
fn parse_file(
    file: &std::path::Path,
    format: Option<essaim::parse::Format>,
    clock: Clock,
) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("essaim: {}: cannot read: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let ctx = essaim::parse::ParseContext {
        format,
        ..essaim::parse::ParseContext::at(clock.now())
    };
    match essaim::parse::parse(&bytes, &ctx) {
        Ok(p) => {
            let out = serde_json::json!({
                "format": p.format.map(|f| f.name()),
                "items": p.items,
                "warnings": p.warnings,
            });
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("essaim: {}: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}

async fn validate(command: Command, mut config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    let Command::Validate {
        source,
        feed,
        format,
        json,
        allow_private,
    } = command
    else {
        bail!("not a validate command");
    };
    config.settings.allow_private_addresses |= allow_private;
    let feed = match feed {
        None => None,
        Some(id) => match config.feeds.iter().find(|f| f.id == id) {
            Some(f) => Some(f.clone()),
            None => {
                let ids: Vec<&str> = config.feeds.iter().map(|f| f.id.as_str()).collect();
                eprintln!(
                    "essaim: {}: no feed {id:?} (feeds: {})",
                    config.path.display(),
                    ids.join(", ")
                );
                return Ok(ExitCode::from(2));
            }
        },
    };
    if let Some(f) = &feed {
        config.settings.allow_private_addresses |= f.allow_private;
    }
    let Some(source) = source.or_else(|| feed.as_ref().map(|f| f.source.to_string())) else {
        bail!("validate needs a URL, a file or --feed");
    };
    let format = format.or_else(|| feed.as_ref().map(|f| f.format));
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
    let now = clock.now();
    let ctx = essaim::parse::ParseContext {
        format,
        http_charset: charset.as_deref(),
        base_url: base.as_deref(),
        mapping: feed.as_ref().and_then(|f| f.mapping.as_ref()),
        elements: feed.as_ref().map_or(&[], |f| f.elements.as_slice()),
        ..essaim::parse::ParseContext::at(now)
    };
    let parsed = match essaim::parse::parse(&bytes, &ctx) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("essaim: {source}: {e}");
            propose_mapping(
                &bytes,
                charset.as_deref(),
                feed.as_ref().map(|f| f.id.as_str()),
            );
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

/// For a body essaim could not read: the `[feed.mapping]` that would read it, printed as
/// TOML ready to paste (see `essaim::validate::propose`), when one can be guessed.
fn propose_mapping(bytes: &[u8], charset: Option<&str>, feed: Option<&str>) {
    let text = essaim::parse::decode::decode(bytes, charset).text;
    let Some(proposal) = essaim::validate::propose::propose(&text) else {
        return;
    };
    let check = match feed {
        Some(id) => format!("essaim validate --feed {id}"),
        None => "essaim validate --feed ID".to_string(),
    };
    println!(
        "# A mapping that reads this body ({} items found at {:?}). Paste it into the feed's\n\
         # [[feed]] entry in feeds.toml, check each path, then run `{check}`.\n{}",
        proposal.item_count,
        proposal.items,
        proposal.to_toml()
    );
}

async fn dispatch(command: Command, config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    // Commands that only read work where the database cannot be written (a read-only
    // directory): they read it as it is, feeds.toml's changes not synced into it.
    let reads_only = matches!(
        command,
        Command::Export { .. } | Command::Feeds { reset: None, .. }
    );
    let store = match open_store(&config) {
        Ok(store) => store,
        Err(e) if reads_only && is_read_only(&e) => {
            eprintln!("essaim: {e:#}; reading it without writing");
            Store::open_read_only(&config.settings.database)?
        }
        Err(e) => return Err(e),
    };
    let store = Arc::new(store);
    match command {
        Command::Run => run(config, store, clock).await,
        Command::Fetch { feeds } => fetch(config, store, feeds, clock).await,
        Command::Export { out, page_size } => export(&config, store, out, page_size).await,
        Command::Feeds { id, reset } => feeds_command(&config, store, id, reset).await,
        Command::Purge => {
            let days = config.settings.retention_days;
            let s = blocking(move || store.purge(clock.now(), days)).await?;
            println!(
                "{} offers expired, {} closed or expired offers older than {days} days deleted, \
                 {} fetch attempts older than {days} days deleted",
                s.expired, s.deleted, s.attempts
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check | Command::Validate { .. } | Command::Parse { .. } => Ok(ExitCode::SUCCESS),
    }
}

fn is_read_only(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<essaim::store::StoreError>(),
        Some(essaim::store::StoreError::ReadOnly { .. })
    )
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::open(&config.settings.database)?;
    store.sync_feeds(&config.feeds)?;
    Ok(store)
}

async fn run(config: Config, store: Arc<Store>, clock: Clock) -> anyhow::Result<ExitCode> {
    let listen = config.settings.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (settings.listen)"))?;
    tracing::info!(message = "Listening.", address = %listen);
    let base_url = config.base_url();
    let max_age = config.settings.cache_max_age_secs;
    let retention_days = config.settings.retention_days;
    let limits = web::Limits {
        max_connections: config
            .settings
            .max_connections
            .unwrap_or_else(web::Limits::connections_for_file_limit),
        header_timeout: config.settings.header_timeout,
        idle_timeout: config.settings.idle_timeout,
    };
    let deadline = config.settings.shutdown_deadline;
    let pipeline = Arc::new(Pipeline::with_clock(
        Arc::new(config),
        Arc::clone(&store),
        clock,
    )?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = tokio::spawn(essaim::scheduler::run(pipeline, stop_rx.clone()));
    let purger = tokio::spawn(purge_daily(
        Arc::clone(&store),
        retention_days,
        clock,
        stop_rx.clone(),
    ));
    let mut web_stop = stop_rx;
    let server = tokio::spawn(web::serve(
        listener,
        web::AppState::new(store, base_url)
            .with_max_age(max_age)
            .with_clock(clock)
            .with_limits(limits),
        async move {
            let _ = web_stop.wait_for(|stop| *stop).await;
        },
    ));
    shutdown_signal().await;
    tracing::info!(message = "Shutting down.");
    let _ = stop_tx.send(true);
    // The scheduler gives fetches in flight the deadline; the web server and the purge get
    // the same, and what is still running after it is left (the process exits: a transaction
    // not committed is rolled back by SQLite).
    let stopping = async {
        let _ = scheduler.await;
        let _ = purger.await;
        server.await
    };
    match tokio::time::timeout(deadline + SHUTDOWN_GRACE, stopping).await {
        Ok(Ok(Ok(()))) => Ok(ExitCode::SUCCESS),
        Ok(Ok(Err(e))) => Err(e.into()),
        Ok(Err(e)) => bail!("web server task failed: {e}"),
        Err(_) => {
            tracing::warn!(
                message = "Shutdown deadline passed; exiting without waiting further (the web server's open connections or the purge were still running).",
                deadline_secs = deadline.as_secs()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Time beyond `settings.shutdown_deadline` the process allows itself to exit, after the
/// fetches in flight had their deadline.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// The daemon's retention task: a purge shortly after start, then every 24 hours.
async fn purge_daily(
    store: Arc<Store>,
    retention_days: u32,
    clock: Clock,
    mut stop: watch::Receiver<bool>,
) {
    let mut wait = std::time::Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let s = Arc::clone(&store);
        match blocking(move || s.purge(clock.now(), retention_days)).await {
            Ok(p) => tracing::info!(
                message = "Purged old offers.",
                expired = p.expired,
                deleted = p.deleted,
                attempts = p.attempts
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

async fn fetch(
    config: Config,
    store: Arc<Store>,
    ids: Vec<String>,
    clock: Clock,
) -> anyhow::Result<ExitCode> {
    check_ids(&config, &ids)?;
    let pipeline = Arc::new(Pipeline::with_clock(Arc::new(config), store, clock)?);
    let (feeds, skipped) = pipeline.select_for_pass(&ids).await?;
    let tty = std::io::stdout().is_terminal();
    let reports = if tty {
        let total = feeds.len();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let p = Arc::clone(&pipeline);
        let pass = tokio::spawn(async move { p.refresh_feeds(feeds, Some(tx)).await });
        let mut progress = Progress::default();
        let mut out = std::io::stdout();
        let _ = write!(out, "\r\x1b[2K{}", progress.line(total));
        let _ = out.flush();
        while let Some(report) = rx.recv().await {
            progress.add(&report);
            let _ = write!(out, "\r\x1b[2K{}", progress.line(total));
            let _ = out.flush();
        }
        let _ = write!(out, "\r\x1b[2K");
        let reports = pass.await.context("the fetch pass stopped abnormally")?;
        print!("{}", summary_table(&reports));
        reports
    } else {
        let reports = pipeline.refresh_feeds(feeds, None).await;
        for r in &reports {
            println!("{}", plain_line(r));
            for w in &r.warnings {
                println!("  {}: warning: {w}", r.feed_id);
            }
        }
        reports
    };
    for s in &skipped {
        println!("{}: skipped: {}", s.feed_id, s.reason);
    }
    let failed = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    println!("{}", totals_line(&reports, &skipped, failed));
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn check_ids(config: &Config, ids: &[String]) -> anyhow::Result<()> {
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
    Ok(())
}

/// One line per feed for pipes and logs (the format scripts rely on).
fn plain_line(r: &FeedReport) -> String {
    match &r.outcome {
        Outcome::Updated(s) => format!(
            "{}: ok, {} items, {} new, {} updated, {} closed, {} warnings",
            r.feed_id,
            r.items_found,
            s.new,
            s.updated,
            s.closed,
            r.warnings.len()
        ),
        Outcome::NotModified => format!("{}: not modified", r.feed_id),
        Outcome::Failed(e) => format!("{}: FAILED: {e}", r.feed_id),
    }
}

fn totals_line(reports: &[FeedReport], skipped: &[Skipped], failed: usize) -> String {
    let mut line = format!(
        "{} feeds, {} ok, {} failed",
        reports.len(),
        reports.len() - failed,
        failed
    );
    if !skipped.is_empty() {
        line.push_str(&format!(", {} skipped", skipped.len()));
    }
    line
}

/// Running totals of a pass, for the progress line.
#[derive(Debug, Default)]
struct Progress {
    done: usize,
    new: usize,
    updated: usize,
    closed: usize,
    failed: usize,
}

impl Progress {
    fn add(&mut self, r: &FeedReport) {
        self.done += 1;
        match &r.outcome {
            Outcome::Updated(s) => {
                self.new += s.new;
                self.updated += s.updated;
                self.closed += s.closed;
            }
            Outcome::NotModified => {}
            Outcome::Failed(_) => self.failed += 1,
        }
    }

    fn line(&self, total: usize) -> String {
        format!(
            "fetching: {}/{total} feeds done, offers: {} new, {} updated, {} closed; {} failed",
            self.done, self.new, self.updated, self.closed, self.failed
        )
    }
}

/// Warnings listed per feed under the terminal summary; the rest are counted.
const WARNINGS_SHOWN: usize = 3;

/// The end of a pass on a terminal: one aligned line per feed, then a few warnings per feed.
fn summary_table(reports: &[FeedReport]) -> String {
    let mut rows = vec![[
        "FEED",
        "RESULT",
        "ITEMS",
        "NEW",
        "UPDATED",
        "CLOSED",
        "WARNINGS",
        "NEXT FETCH",
        "ERROR",
    ]
    .map(String::from)
    .to_vec()];
    for r in reports {
        let next = r
            .plan
            .next_fetch_at
            .map(rfc3339)
            .unwrap_or_else(|| "-".into());
        let (result, counts, error) = match &r.outcome {
            Outcome::Updated(s) => (
                "ok",
                [r.items_found, s.new, s.updated, s.closed, r.warnings.len()]
                    .map(|n| n.to_string()),
                String::new(),
            ),
            Outcome::NotModified => ("not modified", ["-"; 5].map(String::from), String::new()),
            Outcome::Failed(e) => (
                if r.plan.state == essaim::model::FeedState::Gone {
                    "GONE"
                } else {
                    "FAILED"
                },
                ["-"; 5].map(String::from),
                e.clone(),
            ),
        };
        let mut row = vec![r.feed_id.clone(), result.to_string()];
        row.extend(counts);
        row.push(next);
        row.push(error);
        rows.push(row);
    }
    let mut out = render_table(&rows);
    for r in reports.iter().filter(|r| !r.warnings.is_empty()) {
        for w in r.warnings.iter().take(WARNINGS_SHOWN) {
            out.push_str(&format!("  {}: warning: {w}\n", r.feed_id));
        }
        if r.warnings.len() > WARNINGS_SHOWN {
            out.push_str(&format!(
                "  {}: {} more warnings (`essaim fetch --feed {} | cat` lists them all)\n",
                r.feed_id,
                r.warnings.len() - WARNINGS_SHOWN,
                r.feed_id
            ));
        }
    }
    out
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
fn render_table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

async fn export(
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
    let names: Vec<&str> = web::Output::ALL.iter().map(|o| o.file_name()).collect();
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

async fn feeds_command(
    config: &Config,
    store: Arc<Store>,
    id: Option<String>,
    reset: Option<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(id) = reset {
        check_ids(config, std::slice::from_ref(&id))?;
        let s = Arc::clone(&store);
        let feed = id.clone();
        blocking(move || s.reset_feed(&feed)).await?;
        println!(
            "{id}: re-enabled; it is fetched at the next pass (a running daemon picks it up within a minute)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let feeds = blocking(move || store.feed_statuses()).await?;
    match id {
        Some(id) => {
            check_ids(config, std::slice::from_ref(&id))?;
            match feeds.iter().find(|f| f.id == id) {
                Some(f) => print!("{}", feed_details(f)),
                None => bail!("feed {id} has no recorded state yet"),
            }
        }
        None => print!("{}", feeds_table(&feeds)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The state shown for a feed: `disabled` when the configuration says so.
fn shown_state(f: &FeedStatus) -> &str {
    if f.enabled {
        f.state.as_str()
    } else {
        "disabled"
    }
}

/// `essaim feeds`: one line per feed.
fn feeds_table(feeds: &[FeedStatus]) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let mut rows = vec![[
        "FEED",
        "STATE",
        "HTTP",
        "ERRORS",
        "SEEN",
        "OPEN",
        "LAST ATTEMPT",
        "LAST SUCCESS",
        "NEXT FETCH",
        "NOTE",
    ]
    .map(String::from)
    .to_vec()];
    for f in feeds {
        let mut note = Vec::new();
        if let Some(e) = &f.last_error {
            note.push(e.clone());
        }
        if let Some(moved) = f.effective_url.as_ref().filter(|u| **u != f.url) {
            note.push(format!("moved to {moved}"));
        }
        if let Some(held) = &f.held_closing {
            note.push(held_closing_note(held));
        }
        rows.push(vec![
            f.id.clone(),
            shown_state(f).to_string(),
            dash(f.last_status.map(|s| s.to_string())),
            f.consecutive_errors.to_string(),
            dash(f.offers_seen.map(|n| n.to_string())),
            f.open_offers.to_string(),
            dash(f.last_attempt_at.clone()),
            dash(f.last_success_at.clone()),
            dash(f.next_fetch_at.clone()),
            note.join("; "),
        ]);
    }
    render_table(&rows)
}

/// What `essaim feeds` says of a held closing.
fn held_closing_note(h: &HeldClosing) -> String {
    format!(
        "closing held: the fetch of {} would have closed {} of {} open offers at once; they \
         stay open unless the next fetch lacks them too",
        h.at, h.offers, h.open
    )
}

/// `essaim feeds ID`: every recorded field of one feed.
fn feed_details(f: &FeedStatus) -> String {
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    let fields = [
        ("feed", f.id.clone()),
        ("name", f.name.clone()),
        ("network", f.network.clone()),
        ("url", f.url.clone()),
        (
            "effective url",
            f.effective_url
                .clone()
                .unwrap_or_else(|| "(the configured url)".into()),
        ),
        ("state", shown_state(f).to_string()),
        ("last attempt", v(&f.last_attempt_at)),
        ("last success", v(&f.last_success_at)),
        ("last http status", v(&f.last_status.map(|s| s.to_string()))),
        ("last error", v(&f.last_error)),
        ("consecutive errors", f.consecutive_errors.to_string()),
        ("next fetch", v(&f.next_fetch_at)),
        ("not before", v(&f.not_before)),
        ("etag", v(&f.etag)),
        ("last-modified", v(&f.last_modified)),
        (
            "offers seen last time",
            v(&f.offers_seen.map(|n| n.to_string())),
        ),
        ("open offers", f.open_offers.to_string()),
        (
            "held closing",
            f.held_closing
                .as_ref()
                .map(held_closing_note)
                .unwrap_or_else(|| "-".into()),
        ),
    ];
    fields
        .iter()
        .map(|(k, val)| format!("{k:<22} {val}\n"))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use essaim::model::FeedState;
    use essaim::politeness::Plan;
    use essaim::store::ApplyStats;

    fn report(id: &str, outcome: Outcome, warnings: usize) -> FeedReport {
        FeedReport {
            feed_id: id.into(),
            outcome,
            items_found: 4,
            warnings: (0..warnings).map(|i| format!("w{i}")).collect(),
            plan: Plan::default(),
        }
    }

    #[test]
    fn progress_counts_offers_and_failures() {
        let mut p = Progress::default();
        let stats = ApplyStats {
            new: 3,
            updated: 1,
            unchanged: 0,
            closed: 2,
            held: 0,
            open_before: 0,
            expired: 0,
        };
        p.add(&report("a", Outcome::Updated(stats), 0));
        p.add(&report("b", Outcome::Failed("HTTP 500".into()), 0));
        assert_eq!(
            p.line(5),
            "fetching: 2/5 feeds done, offers: 3 new, 1 updated, 2 closed; 1 failed"
        );
    }

    #[test]
    fn terminal_summary_has_one_aligned_line_per_feed() {
        let mut gone = report("parti", Outcome::Failed("410 Gone".into()), 0);
        gone.plan.state = FeedState::Gone;
        let out = summary_table(&[
            report("a", Outcome::Updated(ApplyStats::default()), 5),
            report("bbbbbb", Outcome::NotModified, 0),
            gone,
        ]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("FEED    RESULT"), "{out}");
        assert!(lines[1].starts_with("a       ok "), "{out}");
        assert!(lines[2].starts_with("bbbbbb  not modified"), "{out}");
        assert!(
            lines[3].starts_with("parti   GONE") && lines[3].ends_with("410 Gone"),
            "{out}"
        );
        assert_eq!(lines[4], "  a: warning: w0");
        assert!(lines[7].contains("2 more warnings"), "{out}");
        assert_eq!(lines.len(), 8, "{out}");
    }

    #[test]
    fn feeds_table_shows_state_and_moves() {
        let f = FeedStatus {
            id: "rs".into(),
            name: "RS".into(),
            network: "N".into(),
            url: "http://a.example/old".into(),
            effective_url: Some("https://a.example/new".into()),
            enabled: true,
            state: "backing_off".into(),
            last_attempt_at: Some("2026-01-05T10:00:00Z".into()),
            last_success_at: None,
            last_status: Some(503),
            last_error: Some("HTTP 503 Service Unavailable from https://a.example/new".into()),
            consecutive_errors: 2,
            next_fetch_at: Some("2026-01-05T11:00:00Z".into()),
            not_before: Some("2026-01-05T11:00:00Z".into()),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            offers_seen: Some(12),
            open_offers: 10,
            held_closing: None,
        };
        let out = feeds_table(std::slice::from_ref(&f));
        let row = out.lines().nth(1).unwrap();
        assert!(row.starts_with("rs    backing_off  503   2       12    10    2026-01-05T10:00:00Z  -             2026-01-05T11:00:00Z  HTTP 503"), "{out}");
        assert!(row.ends_with("; moved to https://a.example/new"), "{out}");
        let details = feed_details(&f);
        assert!(
            details.contains("effective url          https://a.example/new\n"),
            "{details}"
        );
        assert!(
            details.contains("etag                   \"v1\"\n"),
            "{details}"
        );
    }
}
