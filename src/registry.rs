//! The feeds essaim polls: feeds.toml's, then the partners' registrations the operator
//! approved (`partner-<id>`, see [`crate::model::Registration`]). Every command and the
//! daemon read the list from here, so an approved feed is fetched, listed and exported like
//! any other.

use crate::config::{Config, FeedConfig};
use crate::model::{Registration, RegistrationState};
use crate::store::{Store, StoreError};

/// What an approved registration is polled as, compared to notice a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved(Vec<(i64, String, String, Option<String>, String)>);

impl Approved {
    fn of(registrations: &[Registration]) -> Approved {
        Approved(
            registrations
                .iter()
                .map(|r| {
                    (
                        r.id,
                        r.url.clone(),
                        r.name.clone(),
                        r.format.clone(),
                        r.mapping
                            .as_ref()
                            .map(|m| serde_json::Value::Object(m.clone()).to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect(),
        )
    }
}

/// The approved registrations as `config`'s feeds, each with the problem that keeps it out
/// when it cannot be polled (a registration the store holds but this essaim cannot read).
pub fn partner_feeds(
    config: &Config,
    store: &Store,
) -> Result<(Vec<FeedConfig>, Vec<String>, Approved), StoreError> {
    let approved = store.registrations_in(RegistrationState::Approved)?;
    let mut feeds = Vec::new();
    let mut problems = Vec::new();
    for r in &approved {
        match config.partner_feed(r) {
            Ok(feed) => feeds.push(feed),
            Err(e) => problems.push(format!(
                "registration {} of {} ({}) is not polled: {e}",
                r.id, r.network, r.url
            )),
        }
    }
    Ok((feeds, problems, Approved::of(&approved)))
}

/// feeds.toml's feeds followed by the approved registrations; the problems are logged.
pub fn all_feeds(
    config: &Config,
    store: &Store,
) -> Result<(Vec<FeedConfig>, Approved), StoreError> {
    let (partners, problems, approved) = partner_feeds(config, store)?;
    for p in problems {
        tracing::warn!(message = "A partner's feed is left out.", problem = %p);
    }
    let mut feeds = config.feeds.clone();
    feeds.extend(partners);
    Ok((feeds, approved))
}
