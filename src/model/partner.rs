//! Partner networks' own feeds: the tokens an operator gives them, the feeds they register
//! with those tokens, and where a polled feed comes from.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a polled feed comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOrigin {
    /// feeds.toml, edited by the operator.
    #[default]
    Config,
    /// A partner's registration, approved by the operator.
    Partner,
}

impl FeedOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedOrigin::Config => "config",
            FeedOrigin::Partner => "partner",
        }
    }
}

impl fmt::Display for FeedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A partner network's token, as the operator lists them (the token itself is never kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerToken {
    pub id: i64,
    pub network: String,
    /// Hex SHA-256 of the token.
    #[serde(skip)]
    pub hash: String,
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// Waiting for the operator.
    Pending,
    /// Polled like a feed of feeds.toml.
    Approved,
    /// Refused by the operator.
    Rejected,
    /// Taken back by the partner.
    Withdrawn,
}

impl RegistrationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationState::Pending => "pending",
            RegistrationState::Approved => "approved",
            RegistrationState::Rejected => "rejected",
            RegistrationState::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for RegistrationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RegistrationState {
    type Err = String;
    fn from_str(s: &str) -> Result<RegistrationState, String> {
        match s {
            "pending" => Ok(RegistrationState::Pending),
            "approved" => Ok(RegistrationState::Approved),
            "rejected" => Ok(RegistrationState::Rejected),
            "withdrawn" => Ok(RegistrationState::Withdrawn),
            other => Err(format!("unknown registration state {other:?}")),
        }
    }
}

/// A feed a partner network registered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registration {
    pub id: i64,
    /// The feed id it is polled under once approved: `partner-<id>`.
    pub feed_id: String,
    pub network: String,
    pub name: String,
    pub url: String,
    /// The declared format's name (`rss`, `xml`...); None: sniffed.
    pub format: Option<String>,
    /// The `[feed.mapping]` given, as a JSON object of strings.
    pub mapping: Option<serde_json::Map<String, serde_json::Value>>,
    pub state: RegistrationState,
    /// The validation report of the last check, as JSON (see `validate`).
    pub report: Option<serde_json::Value>,
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize")]
    pub checked_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub decided_at: Option<DateTime<Utc>>,
    /// The operator's reason, for a rejection.
    pub reason: Option<String>,
    /// A change the partner made to the registration once approved, waiting for the operator
    /// (or rejected by them): meanwhile the fields above, as approved, are what is polled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<RegistrationChange>,
}

/// Where a change to an approved registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Waiting for the operator; the approved version is polled meanwhile.
    Pending,
    /// Refused by the operator (with `reason`); the approved version is still polled.
    Rejected,
}

impl ChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Pending => "pending",
            ChangeState::Rejected => "rejected",
        }
    }
}

/// A partner's change to an approved registration: the URL, format and mapping it would be
/// polled with, and the check of that version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistrationChange {
    pub url: String,
    pub format: Option<String>,
    pub mapping: Option<serde_json::Map<String, serde_json::Value>>,
    pub state: ChangeState,
    /// The validation report of the changed version's check, as JSON.
    pub report: Option<serde_json::Value>,
    #[serde(serialize_with = "super::time::serialize")]
    pub checked_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub decided_at: Option<DateTime<Utc>>,
    /// The operator's reason, for a rejected change.
    pub reason: Option<String>,
}

impl Registration {
    /// The registration as it would be polled once its pending change is approved (itself
    /// when no change waits).
    pub fn as_changed(&self) -> Registration {
        let mut r = self.clone();
        if let Some(c) = self
            .change
            .as_ref()
            .filter(|c| c.state == ChangeState::Pending)
        {
            r.url = c.url.clone();
            r.format = c.format.clone();
            r.mapping = c.mapping.clone();
            r.report = c.report.clone();
            r.checked_at = c.checked_at;
            r.change = None;
        }
        r
    }

    /// What the pending change changes, one line a field ("format: auto → rss"); empty when
    /// no change waits.
    pub fn what_changed(&self) -> Vec<String> {
        let Some(c) = self.pending_change() else {
            return Vec::new();
        };
        let format = |f: &Option<String>| f.clone().unwrap_or_else(|| "auto".into());
        let mapping = |m: &Option<serde_json::Map<String, serde_json::Value>>| {
            m.as_ref().map_or_else(
                || "none".into(),
                |m| serde_json::Value::Object(m.clone()).to_string(),
            )
        };
        let mut lines = Vec::new();
        if c.url != self.url {
            lines.push(format!("url: {} → {}", self.url, c.url));
        }
        if c.format != self.format {
            lines.push(format!(
                "format: {} → {}",
                format(&self.format),
                format(&c.format)
            ));
        }
        if c.mapping != self.mapping {
            lines.push(format!(
                "mapping: {} → {}",
                mapping(&self.mapping),
                mapping(&c.mapping)
            ));
        }
        lines
    }

    /// The change waiting for the operator, if any.
    pub fn pending_change(&self) -> Option<&RegistrationChange> {
        self.change
            .as_ref()
            .filter(|c| c.state == ChangeState::Pending)
    }
}

impl Registration {
    /// The feed id of registration `id`.
    pub fn feed_id_of(id: i64) -> String {
        format!("partner-{id}")
    }
}
