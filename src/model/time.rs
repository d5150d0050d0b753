//! The one text form of instants used across essaim.

use chrono::{DateTime, SecondsFormat, Utc};

/// The one text form of instants used across essaim: RFC 3339, UTC, whole seconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
