//! When to fetch a feed next: pure functions of time, the feed's cron schedule and what the
//! partner said. No I/O here; the pipeline feeds these functions the outcome of a fetch and
//! records the resulting [`Plan`] with the attempt, and the scheduler follows it.
//!
//! The rules:
//! - a feed runs on its cron schedule plus a deterministic per-feed jitter ([`next_run`]);
//! - after a success, `Cache-Control: max-age` (minus `Age`) or `Expires` is a floor;
//! - after an error, the wait doubles from the feed's schedule interval with each consecutive
//!   error ([`backoff`]), and `Retry-After` (429, 503) is a floor;
//! - partner floors and backoff are capped (`settings.max_delay_secs`) so that a bad header
//!   or a long outage never mutes a feed for good; the feed recovers by itself;
//! - only 410 Gone stops polling ([`FeedState::Gone`]), until an operator re-enables the feed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::clock::add;
use crate::config::FeedConfig;

use crate::model::FeedState;

/// Interval assumed when a cron expression has fewer than two future runs.
const FALLBACK_INTERVAL: Duration = Duration::from_secs(3600);

/// What a fetch told us, as far as timing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A body or a 304, with the freshness the partner declared (max-age / Expires).
    Fresh { freshness: Option<Duration> },
    /// Any failure but 410; `consecutive_errors` counts this one.
    Failed {
        consecutive_errors: u32,
        retry_after: Option<Duration>,
    },
    /// 410 Gone.
    Gone,
}

/// The decision recorded with an attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plan {
    pub state: FeedState,
    /// When the scheduler fetches the feed next; `None` for a gone feed (or a cron expression
    /// with no future run).
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Earliest instant the partner (Retry-After, max-age, Expires) or the backoff allows; a
    /// pass that is not forced leaves the feed alone until then.
    pub not_before: Option<DateTime<Utc>>,
}

/// Next run of `feed` strictly after `after`, jitter included.
pub fn next_run(feed: &FeedConfig, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut upcoming = feed.schedule.cron.after(&after);
    let first = upcoming.next()?;
    let period = upcoming
        .next()
        .map(|second| (second - first).num_seconds().max(1))
        .unwrap_or(FALLBACK_INTERVAL.as_secs() as i64);
    Some(first + chrono::Duration::seconds(jitter_secs(&feed.id, period)))
}

/// The feed's schedule interval around `at`: the gap between its next two cron runs.
pub fn interval(feed: &FeedConfig, at: DateTime<Utc>) -> Duration {
    let mut upcoming = feed.schedule.cron.after(&at);
    match (upcoming.next(), upcoming.next()) {
        (Some(a), Some(b)) => (b - a).to_std().unwrap_or(FALLBACK_INTERVAL),
        _ => FALLBACK_INTERVAL,
    }
    .max(Duration::from_secs(1))
}

/// Deterministic jitter: up to a tenth of the period, at most five minutes.
pub fn jitter_secs(feed_id: &str, period_secs: i64) -> i64 {
    let spread = (period_secs / 10).clamp(0, 300);
    if spread == 0 {
        return 0;
    }
    let h = Sha256::digest(feed_id.as_bytes());
    let n = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    (n % spread as u64) as i64
}

/// Wait after `consecutive_errors` errors in a row: the interval, doubled for each error
/// after the first, capped at `cap`.
pub fn backoff(interval: Duration, consecutive_errors: u32, cap: Duration) -> Duration {
    2u32.checked_pow(consecutive_errors.saturating_sub(1))
        .and_then(|factor| interval.checked_mul(factor))
        .unwrap_or(cap)
        .min(cap)
}

/// The decision after a fetch that ended at `now`. `cron_next` is [`next_run`] after `now`.
pub fn plan(
    now: DateTime<Utc>,
    cron_next: Option<DateTime<Utc>>,
    interval: Duration,
    verdict: Verdict,
    cap: Duration,
) -> Plan {
    let (state, wait) = match verdict {
        Verdict::Gone => {
            return Plan {
                state: FeedState::Gone,
                next_fetch_at: None,
                not_before: None,
            }
        }
        Verdict::Fresh { freshness } => (FeedState::Active, freshness.unwrap_or(Duration::ZERO)),
        Verdict::Failed {
            consecutive_errors,
            retry_after,
        } => (
            FeedState::BackingOff,
            backoff(interval, consecutive_errors, cap).max(retry_after.unwrap_or(Duration::ZERO)),
        ),
    };
    let wait = wait.min(cap);
    let not_before = (!wait.is_zero()).then(|| add(now, wait));
    let next_fetch_at = match (cron_next, not_before) {
        (Some(c), Some(n)) => Some(c.max(n)),
        (Some(c), None) => Some(c),
        // A schedule with no future run: a failed feed is still retried after its backoff.
        (None, n) if state == FeedState::BackingOff => n,
        (None, _) => None,
    };
    Plan {
        state,
        next_fetch_at,
        not_before,
    }
}

/// `Retry-After`: delay-seconds or an HTTP date, relative to `now`. A past date is zero.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Huge numbers saturate; the cap applies later.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Response headers that say how long a response stays fresh, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Freshness<'a> {
    pub cache_control: Option<&'a str>,
    pub expires: Option<&'a str>,
    pub date: Option<&'a str>,
    pub age: Option<&'a str>,
}

/// How long the partner says its response stays fresh: `max-age` minus `Age` (it wins over
/// `Expires`), else `Expires` minus `Date` (or minus `now` without a usable `Date`).
/// `no-cache` / `no-store` and unusable or past values mean no floor.
pub fn freshness(h: &Freshness<'_>, now: DateTime<Utc>) -> Option<Duration> {
    let mut max_age = None;
    for directive in h.cache_control.unwrap_or("").split(',') {
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive.trim(), None),
        };
        if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            return None;
        }
        if name.eq_ignore_ascii_case("max-age") {
            max_age = value.and_then(|v| v.parse::<u64>().ok());
        }
    }
    if let Some(secs) = max_age {
        let age = h
            .age
            .and_then(|a| a.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let left = secs.saturating_sub(age);
        return (left > 0).then(|| Duration::from_secs(left));
    }
    let expires = http_date(h.expires?)?;
    let base = h.date.and_then(http_date).unwrap_or(now);
    (expires - base).to_std().ok().filter(|d| !d.is_zero())
}

/// An HTTP date (IMF-fixdate, RFC 850 or asctime).
pub fn http_date(value: &str) -> Option<DateTime<Utc>> {
    httpdate::parse_http_date(value.trim())
        .ok()
        .map(DateTime::<Utc>::from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const MIN: Duration = Duration::from_secs(60);
    const DAY: Duration = Duration::from_secs(86400);

    #[test]
    fn jitter_is_stable_and_bounded() {
        assert_eq!(jitter_secs("rs-rhone", 1800), jitter_secs("rs-rhone", 1800));
        assert!(jitter_secs("rs-rhone", 1800) < 180);
        assert_eq!(jitter_secs("rs-rhone", 5), 0);
        assert!(jitter_secs("a", 86400) < 300);
        let spread: HashSet<i64> = (0..20)
            .map(|i| jitter_secs(&format!("feed-{i}"), 3600))
            .collect();
        assert!(spread.len() > 10, "{spread:?}");
    }

    #[test]
    fn backoff_doubles_from_the_interval_up_to_the_cap() {
        let i = 30 * MIN;
        let waits: Vec<u64> = (1..=8).map(|n| backoff(i, n, DAY).as_secs() / 60).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(backoff(i, 0, DAY), i);
        assert_eq!(backoff(i, u32::MAX, DAY), DAY);
        assert_eq!(backoff(Duration::MAX, 3, DAY), DAY);
    }

    #[test]
    fn success_follows_the_schedule_with_freshness_as_a_floor() {
        let now = t("2026-01-05T10:00:00Z");
        let cron = Some(t("2026-01-05T10:30:07Z"));
        let p = plan(now, cron, 30 * MIN, Verdict::Fresh { freshness: None }, DAY);
        assert_eq!(
            p,
            Plan {
                state: FeedState::Active,
                next_fetch_at: cron,
                not_before: None
            }
        );
        // max-age shorter than the schedule: the schedule wins, the floor is still recorded.
        let p = plan(
            now,
            cron,
            30 * MIN,
            Verdict::Fresh {
                freshness: Some(10 * MIN),
            },
            DAY,
        );
        assert_eq!(p.next_fetch_at, cron);
        assert_eq!(p.not_before, Some(t("2026-01-05T10:10:00Z")));
        // max-age longer than the schedule: never earlier than the partner asked.
        let p = plan(
            now,
            cron,
            30 * MIN,
            Verdict::Fresh {
                freshness: Some(2 * 60 * MIN),
            },
            DAY,
        );
        assert_eq!(p.next_fetch_at, Some(t("2026-01-05T12:00:00Z")));
        // A year of max-age is capped.
        let p = plan(
            now,
            cron,
            30 * MIN,
            Verdict::Fresh {
                freshness: Some(365 * DAY),
            },
            DAY,
        );
        assert_eq!(p.next_fetch_at, Some(t("2026-01-06T10:00:00Z")));
    }

    #[test]
    fn errors_back_off_and_retry_after_is_a_floor() {
        let now = t("2026-01-05T10:00:00Z");
        let cron = Some(t("2026-01-05T10:30:07Z"));
        let failed = |n, ra| Verdict::Failed {
            consecutive_errors: n,
            retry_after: ra,
        };
        let p = plan(now, cron, 30 * MIN, failed(1, None), DAY);
        assert_eq!(p.state, FeedState::BackingOff);
        // The first retry waits one interval: here, the next slot of the schedule.
        assert_eq!(p.next_fetch_at, cron);
        let p = plan(now, cron, 30 * MIN, failed(3, None), DAY);
        assert_eq!(p.next_fetch_at, Some(t("2026-01-05T12:00:00Z")));
        assert_eq!(p.not_before, p.next_fetch_at);
        let p = plan(now, cron, 30 * MIN, failed(30, None), DAY);
        assert_eq!(p.next_fetch_at, Some(t("2026-01-06T10:00:00Z")));
        let p = plan(now, cron, 30 * MIN, failed(1, Some(5 * 60 * MIN)), DAY);
        assert_eq!(p.next_fetch_at, Some(t("2026-01-05T15:00:00Z")));
        let p = plan(now, cron, 30 * MIN, failed(1, Some(Duration::MAX)), DAY);
        assert_eq!(p.next_fetch_at, Some(t("2026-01-06T10:00:00Z")));
        // A schedule without a future run still retries a failed feed.
        let p = plan(now, None, 30 * MIN, failed(2, None), DAY);
        assert_eq!(p.next_fetch_at, Some(t("2026-01-05T11:00:00Z")));
    }

    #[test]
    fn gone_is_never_scheduled() {
        let now = t("2026-01-05T10:00:00Z");
        let p = plan(now, Some(now), MIN, Verdict::Gone, DAY);
        assert_eq!(p.state, FeedState::Gone);
        assert_eq!(p.next_fetch_at, None);
    }

    #[test]
    fn retry_after_in_both_forms() {
        let now = t("2015-10-21T07:20:00Z");
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(480))
        );
        // RFC 850 and asctime forms are HTTP dates too.
        assert_eq!(
            retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now),
            Some(Duration::from_secs(480))
        );
        assert_eq!(
            retry_after("Wed Oct 21 07:28:00 2015", now),
            Some(Duration::from_secs(480))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(retry_after("-5", now), None);
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("", now), None);
    }

    #[test]
    fn freshness_from_max_age_age_and_expires() {
        let now = t("2015-10-21T07:20:00Z");
        let f = |cc, expires, date, age| {
            freshness(
                &Freshness {
                    cache_control: cc,
                    expires,
                    date,
                    age,
                },
                now,
            )
        };
        let s = |n| Some(Duration::from_secs(n));
        assert_eq!(f(Some("public, max-age=3600"), None, None, None), s(3600));
        assert_eq!(f(Some("max-age=\"600\""), None, None, None), s(600));
        assert_eq!(f(Some("MAX-AGE=600"), None, None, Some("100")), s(500));
        assert_eq!(f(Some("max-age=600"), None, None, Some("900")), None);
        assert_eq!(f(Some("max-age=0"), None, None, None), None);
        assert_eq!(f(Some("no-cache, max-age=600"), None, None, None), None);
        assert_eq!(
            f(
                Some("no-store"),
                Some("Wed, 21 Oct 2015 09:20:00 GMT"),
                None,
                None
            ),
            None
        );
        // max-age wins over Expires.
        assert_eq!(
            f(
                Some("max-age=60"),
                Some("Wed, 21 Oct 2015 09:20:00 GMT"),
                None,
                None
            ),
            s(60)
        );
        // Expires relative to Date when there is one, else to now.
        assert_eq!(
            f(None, Some("Wed, 21 Oct 2015 09:20:00 GMT"), None, None),
            s(7200)
        );
        assert_eq!(
            f(
                None,
                Some("Wed, 21 Oct 2015 09:20:00 GMT"),
                Some("Wed, 21 Oct 2015 09:00:00 GMT"),
                None
            ),
            s(1200)
        );
        assert_eq!(f(None, Some("0"), None, None), None);
        assert_eq!(
            f(None, Some("Wed, 21 Oct 2015 07:00:00 GMT"), None, None),
            None
        );
        assert_eq!(f(Some("max-age=abc"), None, None, None), None);
        assert_eq!(f(None, None, None, None), None);
    }

    #[test]
    fn state_round_trips() {
        for s in [FeedState::Active, FeedState::BackingOff, FeedState::Gone] {
            assert_eq!(s.as_str().parse::<FeedState>(), Ok(s));
        }
        assert!("paused".parse::<FeedState>().is_err());
    }
}
