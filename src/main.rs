//! The `essaim` command: thin glue from the command line to the library. The commands, their
//! arguments and the text an operator reads (the `fetch` progress and summary, the `feeds`
//! table) are in [`cli`]; here the allocator, the logger, the clock and the runtime are set
//! up and each command is sent on its way.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use cli::{Cli, Command, LogFormat, SHUTDOWN_GRACE};
use essaim::clock::Clock;
use essaim::config::{self, Config};
use essaim::store::Store;

/// jemalloc rather than mimalloc (before 7 December 2026) or the system allocator: with the
/// options below it keeps the least memory once the daemon is idle (36-37 MB against 72-76 MB
/// with mimalloc, `bench/idle-memory.sh`) and files a first ingest with a lower peak and less
/// CPU (157-163 MB and 20-21 s of CPU against 168-179 MB and 25-27 s); ARCHITECTURE.md
/// ("Memory") has the figures. It is not the C code's `malloc` (the crate's
/// `unprefixed_malloc_on_supported_platforms`), though SQLite's released page caches then
/// idled 5 MB lower: that jemalloc deadlocks at start under libfaketime (its first `malloc`
/// asks libfaketime the time, whose own start-up calls `malloc`), which CI's shifted-date pass
/// preloads into every `essaim` the tests run.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: pages freed are given back to the system by a
/// background thread 200 ms after (`dirty_decay_ms:200`, `muzzy_decay_ms:0`) rather than over
/// the next 10 seconds, so that a parse, a transaction or a render leaves no retained memory
/// behind it and several large feeds fetched at once do not add up. At once (decay 0) kept a
/// few MB less but cost three to four times the system time (every page SQLite's cache freed
/// was given back and faulted in again). An operator's `_RJEM_MALLOC_CONF` environment variable
/// is read after this and wins (e.g. `_RJEM_MALLOC_CONF=dirty_decay_ms:10000`).
#[allow(unsafe_code)]
// SAFETY: jemalloc reads this symbol (`malloc_conf`, with the crate's `_rjem_` prefix) as a `const char *` to a NUL-terminated
// string; a reference to a byte array is one thin pointer to bytes that end with NUL and
// live for the whole program.
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8; 59] = b"background_thread:true,dirty_decay_ms:200,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The one place the wall clock is chosen: everything below decides with `clock`.
    let clock = Clock::wall();
    // `fetch` on a terminal draws a progress line: only errors are logged over it.
    let default_level = match cli.command {
        Command::Fetch { .. } if std::io::stdout().is_terminal() => "error",
        _ => "info",
    };
    init_logs(cli.log_format, default_level);
    if let Command::Token {
        action: cli::TokenAction::Admin,
    } = &cli.command
    {
        // Needs neither the registry nor the database.
        return match cli::token::admin() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("essaim: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Command::Parse { file, format } = &cli.command {
        return cli::validate::parse_file(file, *format, clock);
    }
    if let Command::Validate { .. } = cli.command {
        // A partner checking its feed needs no registry: defaults apply when there is none.
        let config = if cli.config.exists() {
            config::load(&cli.config)
        } else {
            config::parse("", &cli.config)
        };
        return match config {
            Ok(config) => run_async(
                cli.log_format,
                cli::validate::validate(cli.command, config, clock),
            ),
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        };
    }
    let config = match config::load(&cli.config).and_then(config::with_environment) {
        Ok(c) => c,
        Err(e) => {
            if cli.log_format == LogFormat::Json {
                // One event per problem, so that a log shipper reads each.
                for problem in &e.problems {
                    tracing::error!(
                        problem = %problem,
                        "the configuration has errors; nothing was done"
                    );
                }
            } else {
                eprintln!("{e}");
                eprintln!("essaim: the configuration has errors; nothing was done");
            }
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
    if let Command::Backup { path, force } = &cli.command {
        // Reads the database as it is: nothing is migrated or synced into it.
        return cli::backup::backup(&config, path, *force);
    }
    run_async(cli.log_format, dispatch(cli.command, config, clock))
}

/// The logger: on standard error, at `default_level` unless `RUST_LOG` says otherwise. Text
/// is coloured only on a terminal (a log written to a file or to journald holds no escape
/// sequence), and never when `NO_COLOR` is set; JSON is one object a line.
fn init_logs(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => {
            let colour = std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            builder.with_ansi(colour).init();
        }
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

/// Runs `work` on the runtime; an error it ends with is said on standard error (a log event
/// when the logs are JSON, so that a log shipper reads it too).
fn run_async(
    logs: LogFormat,
    work: impl std::future::Future<Output = anyhow::Result<ExitCode>>,
) -> ExitCode {
    // Few blocking threads: parsing and the store's work run there, and each thread that
    // allocates keeps its own heap; with tokio's default (up to 512) several large feeds
    // fetched at once leave much more memory resident (bench/hostile-memory.sh).
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
        Err(e) if logs == LogFormat::Json => {
            tracing::error!(error = format!("{e:#}"), "essaim stopped on an error");
            ExitCode::FAILURE
        }
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

async fn dispatch(command: Command, mut config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    // Commands that only read work where the database cannot be written (a read-only
    // directory): they read it as it is, feeds.toml's changes not synced into it.
    let reads_only = matches!(
        command,
        Command::Export { .. }
            | Command::Offer { .. }
            | Command::Feeds {
                reset: None,
                action: None | Some(cli::FeedsAction::Pending),
                ..
            }
            | Command::Token {
                action: cli::TokenAction::List,
            }
    );
    let store = match open_store(&mut config) {
        Ok(store) => store,
        Err(e) if reads_only && is_read_only(&e) => {
            eprintln!("essaim: {e:#}; reading it without writing");
            let store = Store::open_read_only(&config.settings.database)?;
            if let Ok((feeds, _)) = essaim::registry::all_feeds(&config, &store) {
                config.feeds = feeds;
            }
            store
        }
        Err(e) => return Err(e),
    };
    let store = Arc::new(store);
    match command {
        Command::Run => cli::run::run(config, store, clock).await,
        Command::Fetch { feeds } => cli::fetch::fetch(config, store, feeds, clock).await,
        Command::Export { out, page_size } => {
            cli::export::export(&config, store, out, page_size).await
        }
        Command::Feeds { id, reset, action } => {
            cli::feeds::feeds(&config, store, id, reset, action, clock).await
        }
        Command::Token { action } => cli::token::token(store, action, clock).await,
        Command::Offer { id } => cli::offer(store, id).await,
        Command::Purge => cli::purge(&config, store, clock).await,
        Command::Check
        | Command::Backup { .. }
        | Command::Validate { .. }
        | Command::Parse { .. } => Ok(ExitCode::SUCCESS),
    }
}

fn is_read_only(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<essaim::store::StoreError>(),
        Some(essaim::store::StoreError::ReadOnly { .. })
    )
}

/// Opens the database and makes its feeds those of feeds.toml and the approved partners'
/// registrations (`config.feeds` then holds both).
fn open_store(config: &mut Config) -> anyhow::Result<Store> {
    let store = Store::open(&config.settings.database)?;
    let (feeds, _) = essaim::registry::all_feeds(config, &store)?;
    config.feeds = feeds;
    store.sync_feeds(&config.feeds)?;
    Ok(store)
}
