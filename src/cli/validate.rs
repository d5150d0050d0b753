//! `essaim validate`: a feed fetched (or read) and read as essaim would, without storing it,
//! and the partner-facing report of what was understood; for a body in no known format, the
//! `[feed.mapping]` that would read it. Also the developer's `essaim parse`.

use std::process::ExitCode;

use anyhow::bail;

use super::Command;
use essaim::clock::Clock;
use essaim::config::Config;
use essaim::validate::check;

/// `essaim parse FILE`: the parser's raw items and warnings as JSON, or the error (exit 1).
pub fn parse_file(
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

pub async fn validate(
    command: Command,
    mut config: Config,
    clock: Clock,
) -> anyhow::Result<ExitCode> {
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
    let body = match url::Url::parse(&source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            match check::fetch_once(&fetcher, url).await {
                Ok(body) => body,
                Err(e) => {
                    eprintln!("essaim: {source}: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        _ => match read_capped(
            std::path::Path::new(&source),
            config.settings.max_body_bytes,
        ) {
            Ok(bytes) => check::Body {
                bytes,
                charset: None,
                base: None,
                budget: Default::default(),
            },
            Err(e) => {
                eprintln!("essaim: {source}: {e}");
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    let outcome = check::outcome(&source, &body, feed.as_ref(), format, clock.now());
    let Some(report) = outcome.report else {
        eprintln!(
            "essaim: {source}: {}",
            outcome.error.as_deref().unwrap_or("unreadable")
        );
        if let Some(proposal) = &outcome.proposal {
            print_proposal(proposal, feed.as_ref().map(|f| f.id.as_str()));
        }
        return Ok(ExitCode::FAILURE);
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

/// For a body essaim could not read: the `[feed.mapping]` that would read it, printed as
/// TOML ready to paste (see `essaim::validate::propose`).
fn print_proposal(proposal: &essaim::validate::propose::Proposal, feed: Option<&str>) {
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

/// A local file's bytes, refused beyond `cap` bytes (`max_body_bytes`), as a fetch of the
/// same file by the pipeline would be.
fn read_capped(path: &std::path::Path, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "too large: the file exceeds {cap} bytes (settings.max_body_bytes)"
        ));
    }
    Ok(bytes)
}
