//! `essaim fetch`: one pass over the feeds, with a progress line and an aligned summary on a
//! terminal, plain lines (the format scripts rely on) on a pipe.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::mpsc;

use super::check_ids;
use super::table::render_table;
use essaim::clock::Clock;
use essaim::config::Config;
use essaim::model::rfc3339;
use essaim::pipeline::{FeedReport, Outcome, Pipeline, Skipped};
use essaim::store::Store;

pub async fn fetch(
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
    // How much of the pass the store's one writer was busy: near the whole pass, fetching
    // waited for it (the write side's ceiling; see ARCHITECTURE.md).
    tracing::info!(
        message = "Fetch pass done.",
        feeds = reports.len(),
        writer_busy_s = %format!("{:.2}", essaim::metrics::writer_busy_seconds()),
    );
    println!("{}", totals_line(&reports, &skipped, failed));
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
}
