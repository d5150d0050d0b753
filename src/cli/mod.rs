//! The command line: clap's definitions of the commands ([`Cli`], [`Command`]) and, in its
//! modules, what each command does and prints: the daemon ([`run`]), `fetch` with its
//! progress line and summary ([`fetch`]), the `feeds` table ([`feeds`]), `export`
//! ([`export`]), `validate` and `parse` ([`validate`]), `backup` ([`backup`]), partner and
//! operator tokens ([`token`]).

pub mod backup;
pub mod export;
pub mod feeds;
pub mod fetch;
pub mod notify;
pub mod run;
mod table;
pub mod token;
pub mod validate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use clap::{Parser, Subcommand};

use essaim::clock::Clock;
use essaim::config::Config;
use essaim::store::Shared;
use essaim::store::Store;

#[derive(Parser)]
#[command(
    name = "essaim",
    version,
    about = "Aggregates the job-offer feeds of the social and solidarity economy"
)]
pub struct Cli {
    /// The partner registry.
    #[arg(
        long,
        global = true,
        default_value = "feeds.toml",
        env = "ESSAIM_CONFIG"
    )]
    pub config: PathBuf,
    /// How log lines are written on standard error: `text` for a person (coloured only on
    /// a terminal), `json` for a log shipper (one JSON object a line).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = LogFormat::Text,
        env = "ESSAIM_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// The form of the log lines (`--log-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text an event; ANSI colours only when standard error is a terminal.
    Text,
    /// One JSON object a line: `timestamp`, `level`, `target`, `fields` (the message and
    /// the event's fields) and the spans.
    Json,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Copy the database to PATH, consistently, even while the daemon writes it (SQLite's
    /// online backup): written under a temporary name, checked, then renamed; prints its
    /// size and how many offers it holds.
    Backup {
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// Replace PATH if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Show every feed's state as a table, one feed in detail, or re-enable a feed; list,
    /// approve or reject the feeds partners registered.
    #[command(args_conflicts_with_subcommands = true)]
    Feeds {
        /// Show every recorded field of this feed.
        #[arg(value_name = "ID")]
        id: Option<String>,
        /// Re-enable a feed (a gone one, or one to retry from scratch): forget its state,
        /// errors, backoff and fetch memory; its offers are kept.
        #[arg(long, value_name = "ID", conflicts_with = "id")]
        reset: Option<String>,
        #[command(subcommand)]
        action: Option<FeedsAction>,
    },
    /// Print one stored posting as JSON: the offer as essaim normalised it and the partner's
    /// item as read (`source`), by its public id (`/api/offers/{id}`, the feeds' `guid`).
    Offer {
        #[arg(value_name = "PUBLIC_ID")]
        id: String,
    },
    /// Partner networks' tokens (the partner API), and the operator's token (`/admin`).
    Token {
        #[command(subcommand)]
        action: TokenAction,
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

/// `essaim feeds` on partners' registrations.
#[derive(Subcommand)]
pub enum FeedsAction {
    /// The registrations waiting for a decision: network, URL, when it was checked and what
    /// the check found.
    Pending,
    /// Approve registration ID: it is polled as feed `partner-ID`.
    Approve {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Reject registration ID (its partner sees the reason).
    Reject {
        #[arg(value_name = "ID")]
        id: i64,
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}

/// `essaim token`.
#[derive(Subcommand)]
pub enum TokenAction {
    /// A new token for a partner network, printed once (only its hash is kept).
    Create {
        #[arg(long, value_name = "NAME")]
        network: String,
    },
    /// Every partner token: id, network, created, last used, revoked (never the token).
    List,
    /// Revoke partner token ID: it is refused from now on.
    Revoke {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// A new operator token for `/admin`, and the hash to put in feeds.toml's [settings]
    /// (or in ESSAIM_ADMIN_TOKEN_SHA256). Needs no database.
    Admin,
}

fn parse_format(s: &str) -> Result<essaim::parse::Format, String> {
    s.parse()
}

/// `essaim offer ID`: the stored posting (normalised offer and partner's item) as JSON; exit 1
/// when no posting has that public id.
pub async fn offer(store: Arc<Store>, id: String) -> anyhow::Result<ExitCode> {
    let wanted = id.clone();
    let Some((offer, source)) = Shared::new(store)
        .run(move |s| s.stored_posting(&wanted))
        .await?
    else {
        eprintln!("essaim: no stored posting has the public id {id:?}");
        return Ok(ExitCode::FAILURE);
    };
    // The item as read is JSON for every format; shown as it was stored otherwise.
    let source = serde_json::from_str::<serde_json::Value>(&source)
        .unwrap_or(serde_json::Value::String(source));
    let out = serde_json::json!({ "public_id": id, "offer": offer, "source": source });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}

/// Time beyond `settings.shutdown_deadline` the process allows itself to exit, after the
/// fetches in flight had their deadline.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// `essaim purge`: one purge now, and what it did.
pub async fn purge(config: &Config, store: Arc<Store>, clock: Clock) -> anyhow::Result<ExitCode> {
    let days = config.settings.retention_days;
    let s = Shared::new(store).purge(clock.now(), days).await?;
    println!(
        "{} offers expired, {} closed or expired offers older than {days} days deleted, \
                 {} fetch attempts older than {days} days deleted",
        s.expired, s.deleted, s.attempts
    );
    Ok(ExitCode::SUCCESS)
}

/// An error naming the ids that are not feeds of the configuration, and those that are.
pub fn check_ids(config: &Config, ids: &[String]) -> anyhow::Result<()> {
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
