//! A feed's state: how it is polled, what the fetcher remembers between fetches, and what
//! operators are shown.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The polling state of a feed, persisted in `feeds.state`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedState {
    /// Polled on its schedule.
    #[default]
    Active,
    /// The last fetch failed: polled again after an exponential backoff.
    BackingOff,
    /// The partner answered 410 Gone: not polled until an operator re-enables it.
    Gone,
}

impl FeedState {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedState::Active => "active",
            FeedState::BackingOff => "backing_off",
            FeedState::Gone => "gone",
        }
    }
}

impl fmt::Display for FeedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FeedState {
    type Err = String;
    fn from_str(s: &str) -> Result<FeedState, String> {
        match s {
            "active" => Ok(FeedState::Active),
            "backing_off" => Ok(FeedState::BackingOff),
            "gone" => Ok(FeedState::Gone),
            other => Err(format!("unknown feed state {other:?}")),
        }
    }
}

/// What the fetcher needs to remember between fetches of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchMemory {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub effective_url: Option<String>,
    pub consecutive_errors: u32,
    pub state: FeedState,
    /// A closing is held: the next fetch must read the whole body to decide it.
    pub closing_held: bool,
}

/// What the scheduler reads back at start: the state and timing each attempt left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScheduleState {
    pub state: FeedState,
    pub next_fetch_at: Option<DateTime<Utc>>,
    pub not_before: Option<DateTime<Utc>>,
}

/// A feed's state as shown to operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedStatus {
    pub id: String,
    pub name: String,
    pub network: String,
    pub url: String,
    /// Where the feed is fetched from after permanent redirects (`None`: `url`).
    pub effective_url: Option<String>,
    pub enabled: bool,
    pub state: FeedState,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub last_attempt_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub consecutive_errors: u32,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Earliest next fetch the partner or the backoff allows.
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub not_before: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Offers read by the last fetch that was parsed (a 304 or an identical body keeps it).
    pub offers_seen: Option<usize>,
    pub open_offers: usize,
    /// A closing held as suspicious, waiting for the next fetch.
    pub held_closing: Option<HeldClosing>,
    /// feeds.toml or a partner's approved registration.
    pub origin: super::FeedOrigin,
}

/// A feed's held closing: the fetch that would have closed most of its offers at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldClosing {
    /// When that fetch finished.
    #[serde(serialize_with = "super::time::serialize")]
    pub at: DateTime<Utc>,
    /// Offers it would have closed (they stay open).
    pub offers: usize,
    /// The feed's open offers before it.
    pub open: usize,
}
