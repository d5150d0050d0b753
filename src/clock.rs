//! The time the scheduler and the pipeline decide with. In production it is the wall clock; in
//! tests it follows tokio's clock, so that `tokio::time::pause` and
//! `#[tokio::test(start_paused = true)]` drive scheduling decisions too (`chrono::Utc::now()`
//! does not follow the paused clock).

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

/// Where "now" comes from. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// `None`: the wall clock. `Some`: tokio's clock, mapped to UTC from a base.
    base: Option<(Instant, DateTime<Utc>)>,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::wall()
    }
}

impl Clock {
    /// The system's wall clock (production).
    pub fn wall() -> Clock {
        Clock { base: None }
    }

    /// Tokio's clock, reading `base_utc` now and advancing with `tokio::time::Instant` from
    /// here on. Under a paused tokio clock, time only moves when the runtime advances it.
    pub fn tokio_from(base_utc: DateTime<Utc>) -> Clock {
        Clock {
            base: Some((Instant::now(), base_utc)),
        }
    }

    /// The current instant in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        match self.base {
            None => Utc::now(),
            Some((base_instant, base_utc)) => {
                let elapsed = Instant::now().saturating_duration_since(base_instant);
                add(base_utc, elapsed)
            }
        }
    }

    /// How long from now until `at` (zero when `at` is past).
    pub fn until(&self, at: DateTime<Utc>) -> Duration {
        (at - self.now()).to_std().unwrap_or(Duration::ZERO)
    }
}

/// `t + d`, saturating at the largest representable instant instead of overflowing.
pub fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_follows_the_paused_clock() {
        let base = DateTime::parse_from_rfc3339("2026-01-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::tokio_from(base);
        assert_eq!(clock.now(), base);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(clock.now(), base + TimeDelta::hours(1));
        assert_eq!(
            clock.until(base + TimeDelta::hours(2)),
            Duration::from_secs(3600)
        );
        assert_eq!(clock.until(base), Duration::ZERO);
    }

    #[test]
    fn add_saturates() {
        let t = Utc::now();
        assert_eq!(add(t, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(add(t, Duration::from_secs(60)), t + TimeDelta::seconds(60));
    }
}
