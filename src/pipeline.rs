//! One refresh of one feed, end to end: fetch -> parse -> normalise -> identify -> store.
//! This is the glue the scheduler and the `fetch` command call. A feed's failure is recorded
//! on that feed and returned in its report; it never stops the other feeds.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::config::{Config, FeedConfig};
use crate::dedup;
use crate::fetch::{Fetched, Fetcher};
use crate::normalise;
use crate::parse::{self, ParseContext};
use crate::store::{ApplyStats, Attempt, Posting, Store, StoreError};

/// How one feed's refresh ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Updated(ApplyStats),
    NotModified,
    Failed(String),
}

/// The result of refreshing one feed.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub feed_id: String,
    pub outcome: Outcome,
    pub items_found: usize,
    pub warnings: Vec<String>,
}

/// Everything a refresh needs, shared by the scheduler, the commands and the web server.
pub struct Pipeline {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    fetcher: Fetcher,
    limit: Arc<Semaphore>,
}

impl Pipeline {
    pub fn new(config: Arc<Config>, store: Arc<Store>) -> anyhow::Result<Pipeline> {
        let fetcher = Fetcher::new(&config.settings)?;
        let limit = Arc::new(Semaphore::new(config.settings.max_concurrent_fetches));
        Ok(Pipeline {
            config,
            store,
            fetcher,
            limit,
        })
    }

    /// Refreshes the given feeds (all enabled ones when `ids` is empty), at most
    /// `max_concurrent_fetches` at once, and returns one report per feed in config order.
    pub async fn refresh_many(self: &Arc<Self>, ids: &[String]) -> Vec<FeedReport> {
        let feeds: Vec<FeedConfig> = self
            .config
            .feeds
            .iter()
            .filter(|f| {
                if ids.is_empty() {
                    f.enabled
                } else {
                    ids.contains(&f.id)
                }
            })
            .cloned()
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, feed) in feeds.into_iter().enumerate() {
            let me = Arc::clone(self);
            tasks.spawn(async move { (i, me.refresh(&feed).await) });
        }
        let mut reports = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(r) => reports.push(r),
                Err(e) => warn!(message = "A refresh task ended abnormally.", error = %e),
            }
        }
        reports.sort_by_key(|(i, _)| *i);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    /// Refreshes one feed and records the attempt, whatever its outcome.
    #[tracing::instrument(skip_all, fields(feed = %feed.id))]
    pub async fn refresh(&self, feed: &FeedConfig) -> FeedReport {
        let _permit = self.limit.acquire().await.ok();
        let started_at = Utc::now();
        let report = match self.try_refresh(feed, started_at).await {
            Ok(report) => report,
            Err(Failure {
                message,
                http_status,
            }) => {
                let attempt = Attempt {
                    started_at,
                    finished_at: Utc::now(),
                    http_status,
                    ..Default::default()
                };
                let store = Arc::clone(&self.store);
                let id = feed.id.clone();
                let msg = message.clone();
                if let Err(e) = blocking(move || store.record_failure(&id, &attempt, &msg)).await {
                    warn!(message = "Could not record a failed fetch.", error = %e);
                }
                FeedReport {
                    feed_id: feed.id.clone(),
                    outcome: Outcome::Failed(message),
                    items_found: 0,
                    warnings: Vec::new(),
                }
            }
        };
        match &report.outcome {
            Outcome::Updated(s) => info!(
                message = "Feed refreshed.",
                items = report.items_found,
                new = s.new,
                updated = s.updated,
                closed = s.closed,
                warnings = report.warnings.len()
            ),
            Outcome::NotModified => info!(message = "Feed not modified."),
            Outcome::Failed(error) => warn!(message = "Feed refresh failed.", %error),
        }
        report
    }

    async fn try_refresh(
        &self,
        feed: &FeedConfig,
        started_at: chrono::DateTime<Utc>,
    ) -> Result<FeedReport, Failure> {
        let store = Arc::clone(&self.store);
        let id = feed.id.clone();
        let memory = blocking(move || store.fetch_memory(&id)).await?;
        let fetched = self
            .fetcher
            .fetch(feed, &memory)
            .await
            .map_err(|e| Failure {
                message: e.message,
                http_status: e.http_status,
            })?;
        let body = match fetched {
            Fetched::NotModified {
                http_status,
                etag,
                last_modified,
            } => {
                let attempt = Attempt {
                    started_at,
                    finished_at: Utc::now(),
                    http_status: Some(http_status),
                    etag,
                    last_modified,
                    ..Default::default()
                };
                return self.not_modified(feed, attempt).await;
            }
            Fetched::Body(body) => body,
        };
        let body_hash = hex::encode(Sha256::digest(&body.bytes));
        let mut attempt = Attempt {
            started_at,
            finished_at: started_at,
            http_status: body.http_status,
            etag: body.etag.clone(),
            last_modified: body.last_modified.clone(),
            body_hash: Some(body_hash.clone()),
            moved_to: body.moved_to.clone(),
            ..Default::default()
        };
        if memory.body_hash.as_deref() == Some(body_hash.as_str()) && body.moved_to.is_none() {
            attempt.finished_at = Utc::now();
            return self.not_modified(feed, attempt).await;
        }
        let store = Arc::clone(&self.store);
        let id = feed.id.clone();
        let known = blocking(move || store.known_postings(&id)).await?;
        let feed_for_parse = feed.clone();
        let (postings, items_found, warnings) =
            tokio::task::spawn_blocking(move || build_postings(&feed_for_parse, &body, &known))
                .await
                .map_err(|e| Failure::from(format!("parser task failed: {e}")))??;
        attempt.finished_at = Utc::now();
        attempt.items_found = Some(items_found);
        attempt.warnings = warnings.clone();
        let store = Arc::clone(&self.store);
        let id = feed.id.clone();
        let close_after = self.config.settings.close_after_missed_fetches;
        let stats =
            blocking(move || store.record_success(&id, &attempt, &postings, close_after)).await?;
        Ok(FeedReport {
            feed_id: feed.id.clone(),
            outcome: Outcome::Updated(stats),
            items_found,
            warnings,
        })
    }

    async fn not_modified(
        &self,
        feed: &FeedConfig,
        attempt: Attempt,
    ) -> Result<FeedReport, Failure> {
        let store = Arc::clone(&self.store);
        let id = feed.id.clone();
        blocking(move || store.record_not_modified(&id, &attempt)).await?;
        Ok(FeedReport {
            feed_id: feed.id.clone(),
            outcome: Outcome::NotModified,
            items_found: 0,
            warnings: Vec::new(),
        })
    }
}

/// Parses and normalises a body into postings (CPU only, no I/O). `known` is what the store
/// holds of the feed, to notice references that cannot be trusted.
fn build_postings(
    feed: &FeedConfig,
    body: &crate::fetch::Body,
    known: &dedup::KnownPostings,
) -> Result<(Vec<Posting>, usize, Vec<String>), Failure> {
    let base = body.final_url.clone().or_else(|| match &feed.source {
        crate::config::FeedSource::Http(u) => Some(u.to_string()),
        crate::config::FeedSource::File(_) => None,
    });
    let now = Utc::now();
    let ctx = ParseContext {
        format: Some(feed.format),
        http_charset: body.charset.as_deref(),
        base_url: base.as_deref(),
        mapping: feed.mapping.as_ref(),
        elements: &feed.elements,
        now: Some(now),
    };
    let parsed = parse::parse(&body.bytes, &ctx).map_err(|e| Failure::from(e.0))?;
    let mut warnings = parsed.warnings;
    let nctx = normalise::Context {
        feed_id: &feed.id,
        base_url: base.as_deref(),
        now,
    };
    let items_found = parsed.items.len();
    let mut postings: Vec<Posting> = Vec::with_capacity(items_found);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let offers: Vec<_> = parsed
        .items
        .iter()
        .map(|item| normalise::normalise(item, &nctx))
        .collect();
    let (identities, identity_warnings) = dedup::assign_identities(&offers, known);
    warnings.extend(identity_warnings);
    for (index, ((item, offer), identity)) in parsed
        .items
        .into_iter()
        .zip(offers)
        .zip(identities)
        .enumerate()
    {
        let label = item_label(index, &offer);
        for w in &offer.warnings {
            warnings.push(format!("{label}: {w}"));
        }
        if let Some(first) = seen.get(&identity) {
            warnings.push(format!(
                "{label}: same identity ({identity}) as item {}; kept the first",
                first + 1
            ));
            continue;
        }
        seen.insert(identity.clone(), index);
        postings.push(Posting {
            public_id: dedup::public_id(&feed.id, &identity),
            content_hash: dedup::content_hash(&offer),
            identity,
            offer,
            source: item.source,
        });
    }
    Ok((postings, items_found, warnings))
}

/// "item 3 \"Animateur (H/F)\"": how messages name an item.
fn item_label(index: usize, offer: &crate::model::Offer) -> String {
    let mut title: String = offer.title_raw.chars().take(60).collect();
    if title.is_empty() {
        title = offer.url.clone().unwrap_or_default();
    }
    format!("item {} {title:?}", index + 1)
}

/// A refresh failure, before it is recorded.
struct Failure {
    message: String,
    http_status: Option<u16>,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            http_status: None,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::from(format!("database: {e}"))
    }
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T, F>(f: F) -> Result<T, StoreError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(StoreError::Task(e.to_string())),
    }
}
