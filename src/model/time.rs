//! The one text form of instants used across essaim.

use chrono::{DateTime, SecondsFormat, Utc};

/// The one text form of instants used across essaim: RFC 3339, UTC, whole seconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Serialises an instant as [`rfc3339`] text (for `#[serde(serialize_with)]`).
pub(crate) fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

/// Serialises an optional instant as [`rfc3339`] text, or null.
pub(crate) fn serialize_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}
