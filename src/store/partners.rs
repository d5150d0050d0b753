//! Partner networks' tokens and the feeds they register: tokens kept as hashes and checked in
//! constant time ([`crate::secret`]), registrations from pending to approved, rejected or
//! withdrawn. Approved registrations are polled as feeds `partner-<id>` (the caller turns them
//! into feeds with `Config::partner_feed` and gives them to `Store::sync_feeds`).
//!
//! A registration's row holds the version the operator approved (or that waits for a first
//! decision). A partner's change to an approved registration waits beside it, in
//! `registration_changes` (version 14), while the approved version stays what is polled:
//! approving the change copies it into the row, rejecting it leaves the row as it was.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{instant, Store, StoreError};
use crate::model::{
    rfc3339, ChangeState, PartnerToken, Registration, RegistrationChange, RegistrationState,
};
use crate::secret;

/// What a partner sends to register a feed, with the report of its check.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub network: String,
    pub token_id: Option<i64>,
    pub name: String,
    pub url: String,
    pub format: Option<String>,
    pub mapping: Option<serde_json::Map<String, serde_json::Value>>,
    pub report: serde_json::Value,
}

/// What a registration is polled as (once approved), as stored: its id, url, format, mapping
/// (JSON text) and state.
struct Polled {
    id: i64,
    url: String,
    format: Option<String>,
    mapping: Option<String>,
    state: String,
}

/// A registration's columns and its change's, read by [`registration`] from [`FROM`].
const REGISTRATION_COLUMNS: &str = "r.id, r.network, r.name, r.url, r.format, r.mapping,
    r.state, r.report, r.created_at, r.checked_at, r.decided_at, r.reason,
    c.url, c.format, c.mapping, c.state, c.report, c.checked_at, c.decided_at, c.reason";

/// The registrations with their change, if any.
const FROM: &str = "registrations r LEFT JOIN registration_changes c ON c.registration_id = r.id";

/// Stored JSON, read back (None when absent or, which the store never writes, unreadable).
fn json<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn registration(r: &Row<'_>) -> rusqlite::Result<Registration> {
    let id: i64 = r.get(0)?;
    let change = match r.get::<_, Option<String>>(12)? {
        None => None,
        Some(url) => Some(RegistrationChange {
            url,
            format: r.get(13)?,
            mapping: json(r.get(14)?),
            state: match r.get::<_, String>(15)?.as_str() {
                "rejected" => ChangeState::Rejected,
                _ => ChangeState::Pending,
            },
            report: json(r.get(16)?),
            checked_at: instant(&r.get::<_, String>(17)?),
            decided_at: r.get::<_, Option<String>>(18)?.map(|t| instant(&t)),
            reason: r.get(19)?,
        }),
    };
    Ok(Registration {
        id,
        feed_id: Registration::feed_id_of(id),
        network: r.get(1)?,
        name: r.get(2)?,
        url: r.get(3)?,
        format: r.get(4)?,
        mapping: json(r.get(5)?),
        state: r
            .get::<_, String>(6)?
            .parse()
            .unwrap_or(RegistrationState::Pending),
        report: json(r.get(7)?),
        created_at: instant(&r.get::<_, String>(8)?),
        checked_at: instant(&r.get::<_, String>(9)?),
        decided_at: r.get::<_, Option<String>>(10)?.map(|t| instant(&t)),
        reason: r.get(11)?,
        change,
    })
}

/// The live registration matching `condition`, as polled (the newest when several match).
fn polled_where(
    tx: &Transaction<'_>,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Option<Polled>, StoreError> {
    Ok(tx
        .query_row(
            &format!(
                "SELECT id, url, format, mapping, state FROM registrations
                 WHERE {condition} ORDER BY id DESC LIMIT 1"
            ),
            params,
            |r| {
                Ok(Polled {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    format: r.get(2)?,
                    mapping: r.get(3)?,
                    state: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Records `new` as [`Store::register_feed`] says, into `existing` (or as a new registration).
fn record_registration(
    tx: &Transaction<'_>,
    existing: Option<Polled>,
    new: &NewRegistration,
    now: DateTime<Utc>,
) -> Result<Registration, StoreError> {
    let mapping = new
        .mapping
        .as_ref()
        .map(|m| serde_json::Value::Object(m.clone()).to_string());
    let report = new.report.to_string();
    let now = rfc3339(now);
    let id = match existing {
        Some(Polled {
            id,
            url,
            format,
            mapping: old_mapping,
            state,
        }) => {
            let changed = url != new.url || format != new.format || old_mapping != mapping;
            if state == RegistrationState::Approved.as_str() {
                tx.execute(
                    "UPDATE registrations SET name = ?2, token_id = coalesce(?3, token_id)
                     WHERE id = ?1",
                    params![id, new.name, new.token_id],
                )?;
                if changed {
                    tx.execute(
                        "INSERT INTO registration_changes
                           (registration_id, url, format, mapping, report, checked_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (registration_id) DO UPDATE SET
                           url = excluded.url, format = excluded.format,
                           mapping = excluded.mapping, report = excluded.report,
                           checked_at = excluded.checked_at, state = 'pending',
                           decided_at = NULL, reason = NULL",
                        params![id, new.url, new.format, mapping, report, now],
                    )?;
                } else {
                    tx.execute(
                        "DELETE FROM registration_changes WHERE registration_id = ?1",
                        [id],
                    )?;
                    tx.execute(
                        "UPDATE registrations SET report = ?2, checked_at = ?3 WHERE id = ?1",
                        params![id, report, now],
                    )?;
                }
            } else {
                let back_to_pending = changed || state == "rejected";
                tx.execute(
                    "UPDATE registrations SET name = ?2, url = ?3, format = ?4, mapping = ?5,
                       report = ?6, checked_at = ?7, token_id = coalesce(?8, token_id),
                       state = CASE WHEN ?9 THEN 'pending' ELSE state END,
                       decided_at = CASE WHEN ?9 THEN NULL ELSE decided_at END,
                       reason = CASE WHEN ?9 THEN NULL ELSE reason END
                     WHERE id = ?1",
                    params![
                        id,
                        new.name,
                        new.url,
                        new.format,
                        mapping,
                        report,
                        now,
                        new.token_id,
                        back_to_pending
                    ],
                )?;
            }
            id
        }
        None => {
            tx.execute(
                "INSERT INTO registrations
                   (network, token_id, name, url, format, mapping, report, created_at, checked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    new.network,
                    new.token_id,
                    new.name,
                    new.url,
                    new.format,
                    mapping,
                    report,
                    now
                ],
            )?;
            tx.last_insert_rowid()
        }
    };
    registration_in(tx, id)
}

/// Registration `id` read within `tx`.
fn registration_in(tx: &Transaction<'_>, id: i64) -> Result<Registration, StoreError> {
    Ok(tx.query_row(
        &format!("SELECT {REGISTRATION_COLUMNS} FROM {FROM} WHERE r.id = ?1"),
        [id],
        registration,
    )?)
}

fn token(r: &Row<'_>) -> rusqlite::Result<PartnerToken> {
    Ok(PartnerToken {
        id: r.get(0)?,
        network: r.get(1)?,
        hash: r.get(2)?,
        created_at: instant(&r.get::<_, String>(3)?),
        last_used_at: r.get::<_, Option<String>>(4)?.map(|t| instant(&t)),
        revoked_at: r.get::<_, Option<String>>(5)?.map(|t| instant(&t)),
    })
}

impl Store {
    /// A new token for `network`: the token (to show once) and its row. Only its hash is kept.
    pub fn create_partner_token(
        &self,
        network: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, PartnerToken), StoreError> {
        let network = network.trim();
        if network.is_empty() {
            return Err(StoreError::Refused(
                "the network's name must not be empty".into(),
            ));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO partner_tokens (network, hash, created_at) VALUES (?1, '', ?2)",
            params![network, rfc3339(now)],
        )?;
        let id = tx.last_insert_rowid();
        let token_text = secret::new_partner_token(id).map_err(StoreError::Refused)?;
        tx.execute(
            "UPDATE partner_tokens SET hash = ?2 WHERE id = ?1",
            params![id, secret::hash(&token_text)],
        )?;
        let row = tx.query_row(
            "SELECT id, network, hash, created_at, last_used_at, revoked_at
             FROM partner_tokens WHERE id = ?1",
            [id],
            token,
        )?;
        tx.commit()?;
        Ok((token_text, row))
    }

    /// Every token, revoked ones included, oldest first.
    pub fn partner_tokens(&self) -> Result<Vec<PartnerToken>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, network, hash, created_at, last_used_at, revoked_at
             FROM partner_tokens ORDER BY id",
        )?;
        let rows = stmt.query_map([], token)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes token `id`: false when there is no such token or it was already revoked.
    pub fn revoke_partner_token(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "UPDATE partner_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, rfc3339(now)],
        )?;
        Ok(changed == 1)
    }

    /// The token a partner presented, when it is one of ours and not revoked: its row. An
    /// unknown token, a wrong secret and a revoked token all give None.
    pub fn partner_by_token(
        &self,
        presented: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PartnerToken>, StoreError> {
        // A token of the wrong shape is still hashed and compared, against a hash no token
        // has, so that it costs what a well-formed one does.
        let id = secret::partner_token_id(presented).unwrap_or(-1);
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT id, network, hash, created_at, last_used_at, revoked_at
                 FROM partner_tokens WHERE id = ?1",
                [id],
                token,
            )
            .optional()?;
        let stored = row.as_ref().map_or("-", |t| t.hash.as_str());
        let matches = secret::matches(presented, stored);
        match row {
            Some(t) if matches && t.revoked_at.is_none() => {
                conn.execute(
                    "UPDATE partner_tokens SET last_used_at = ?2 WHERE id = ?1",
                    params![t.id, rfc3339(now)],
                )?;
                Ok(Some(t))
            }
            _ => Ok(None),
        }
    }

    /// Records a partner's registration. The same network registering the same URL again
    /// updates its registration (report, name, format, mapping) rather than adding one. A
    /// pending registration is changed in place; a rejected one that is registered again goes
    /// back to pending. An approved registration whose change moves it to `new.url` (see
    /// [`Store::move_registration`]) is the one registered again there. An approved one keeps its approved version, polled as it was: a new
    /// format or mapping is recorded as its change, pending the operator's decision (a change
    /// waiting or rejected before is replaced), and registering it again as approved drops
    /// any change. A withdrawn registration is not reused.
    pub fn register_feed(
        &self,
        new: &NewRegistration,
        now: DateTime<Utc>,
    ) -> Result<Registration, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existing = match polled_where(
            &tx,
            "network = ?1 AND url = ?2 AND state != 'withdrawn'",
            params![new.network, new.url],
        )? {
            Some(at_url) => Some(at_url),
            // An approved registration moving there (its change is at that URL): that one.
            None => polled_where(
                &tx,
                "network = ?1 AND state = 'approved'
                 AND id IN (SELECT registration_id FROM registration_changes WHERE url = ?2)",
                params![new.network, new.url],
            )?,
        };
        let r = record_registration(&tx, existing, new, now)?;
        tx.commit()?;
        Ok(r)
    }

    /// Records registration `id` of `new.network` again, at `new.url` (another URL than its
    /// own: the partner's feed moved), as [`Store::register_feed`] records one registered again
    /// at its URL: an approved one keeps being polled at its approved URL, the move waiting as
    /// its change for the operator's decision; a pending or rejected one is changed in place and
    /// waits for the operator. The feed (`partner-<id>`) and its offers stay the same. Refused
    /// when the network has no such registration (or it was withdrawn), or when another of its
    /// registrations is at that URL.
    pub fn move_registration(
        &self,
        id: i64,
        new: &NewRegistration,
        now: DateTime<Utc>,
    ) -> Result<Registration, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(existing) = polled_where(
            &tx,
            "id = ?1 AND network = ?2 AND state != 'withdrawn'",
            params![id, new.network],
        )?
        else {
            return Err(StoreError::Refused(format!(
                "{} has no registration {id} (or it was withdrawn)",
                new.network
            )));
        };
        if let Some(other) = polled_where(
            &tx,
            "network = ?1 AND state != 'withdrawn' AND id != ?3
             AND (url = ?2
                  OR id IN (SELECT registration_id FROM registration_changes WHERE url = ?2))",
            params![new.network, new.url, id],
        )? {
            return Err(StoreError::Refused(format!(
                "{} is already registration {} of {}: withdraw one of them first",
                new.url, other.id, new.network
            )));
        }
        let r = record_registration(&tx, Some(existing), new, now)?;
        tx.commit()?;
        Ok(r)
    }

    /// The registrations of `network` (every network's when None), withdrawn ones left out,
    /// oldest first.
    pub fn registrations(&self, network: Option<&str>) -> Result<Vec<Registration>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM {FROM}
             WHERE r.state != 'withdrawn' AND (?1 IS NULL OR r.network = ?1) ORDER BY r.id"
        ))?;
        let rows = stmt.query_map([network], registration)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Registrations in `state`, oldest first (an approved one as it was approved, with its
    /// change if it has one).
    pub fn registrations_in(
        &self,
        state: RegistrationState,
    ) -> Result<Vec<Registration>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM {FROM} WHERE r.state = ?1 ORDER BY r.id"
        ))?;
        let rows = stmt.query_map([state.as_str()], registration)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What waits for the operator, oldest first: pending registrations, and approved ones
    /// with a pending change (still polled as approved meanwhile).
    pub fn registrations_waiting(&self) -> Result<Vec<Registration>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM {FROM}
             WHERE r.state = 'pending' OR (r.state = 'approved' AND c.state = 'pending')
             ORDER BY r.id"
        ))?;
        let rows = stmt.query_map([], registration)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Registration `id`, whatever its state.
    pub fn registration(&self, id: i64) -> Result<Option<Registration>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {REGISTRATION_COLUMNS} FROM {FROM} WHERE r.id = ?1"),
                [id],
                registration,
            )
            .optional()?)
    }

    /// `network` takes back its registration `id`: false when it has none of that id (another
    /// network's registration reads as none) or it was already withdrawn.
    pub fn withdraw_registration(
        &self,
        network: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE registrations SET state = 'withdrawn', decided_at = ?3
             WHERE id = ?1 AND network = ?2 AND state != 'withdrawn'",
            params![id, network, rfc3339(now)],
        )?;
        if changed == 1 {
            tx.execute(
                "DELETE FROM registration_changes WHERE registration_id = ?1",
                [id],
            )?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// The operator approves (or rejects, with a reason) registration `id`. A pending or
    /// rejected one may be approved, a pending or approved one rejected; a withdrawn one
    /// neither. The decision about an approved registration with a pending change is about
    /// the change: approving it makes the changed version the one polled, rejecting it keeps
    /// the approved version polled and records the reason with the change.
    pub fn decide_registration(
        &self,
        id: i64,
        approve: bool,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Registration, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(r) = tx
            .query_row(
                &format!("SELECT {REGISTRATION_COLUMNS} FROM {FROM} WHERE r.id = ?1"),
                [id],
                registration,
            )
            .optional()?
        else {
            return Err(StoreError::Refused(format!(
                "there is no registration {id}"
            )));
        };
        let to = if approve {
            RegistrationState::Approved
        } else {
            RegistrationState::Rejected
        };
        let now = rfc3339(now);
        match (r.state, r.pending_change().is_some()) {
            (RegistrationState::Withdrawn, _) => {
                return Err(StoreError::Refused(format!(
                    "registration {id} was withdrawn by {}",
                    r.network
                )))
            }
            (RegistrationState::Approved, true) if approve => {
                tx.execute(
                    "UPDATE registrations SET (url, format, mapping, report, checked_at) =
                       (SELECT url, format, mapping, report, checked_at
                        FROM registration_changes WHERE registration_id = ?1),
                       decided_at = ?2, reason = NULL
                     WHERE id = ?1",
                    params![id, now],
                )?;
                tx.execute(
                    "DELETE FROM registration_changes WHERE registration_id = ?1",
                    [id],
                )?;
            }
            (RegistrationState::Approved, true) => {
                tx.execute(
                    "UPDATE registration_changes SET state = 'rejected', decided_at = ?2,
                       reason = ?3
                     WHERE registration_id = ?1",
                    params![id, now, reason],
                )?;
            }
            (s, _) if s == to => {
                return Err(StoreError::Refused(format!(
                    "registration {id} is already {s}"
                )))
            }
            _ => {
                tx.execute(
                    "UPDATE registrations SET state = ?2, decided_at = ?3, reason = ?4
                     WHERE id = ?1",
                    params![id, to.as_str(), now, reason],
                )?;
                tx.execute(
                    "DELETE FROM registration_changes WHERE registration_id = ?1",
                    [id],
                )?;
            }
        }
        let r = registration_in(&tx, id)?;
        tx.commit()?;
        Ok(r)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn new(network: &str, url: &str) -> NewRegistration {
        NewRegistration {
            network: network.into(),
            token_id: None,
            name: "Offres".into(),
            url: url.into(),
            format: None,
            mapping: None,
            report: serde_json::json!({"offers": 3}),
        }
    }

    #[test]
    fn tokens_are_kept_as_hashes_and_revoked_ones_refused() {
        let store = Store::open_in_memory().unwrap();
        let now = at("2026-12-07T10:00:00Z");
        let (token_text, row) = store.create_partner_token("Cress Occitanie", now).unwrap();
        assert_eq!(row.network, "Cress Occitanie");
        assert_ne!(row.hash, token_text);
        assert!(!row.hash.contains(&token_text[12..]));
        let found = store.partner_by_token(&token_text, now).unwrap().unwrap();
        assert_eq!(found.id, row.id);
        let (other, _) = store.create_partner_token("Mutualité", now).unwrap();
        let forged = format!("{}{}", &token_text[..12], &other[12..]);
        assert!(store.partner_by_token(&forged, now).unwrap().is_none());
        assert!(store.partner_by_token("nope", now).unwrap().is_none());
        assert!(store.revoke_partner_token(row.id, now).unwrap());
        assert!(!store.revoke_partner_token(row.id, now).unwrap());
        assert!(store.partner_by_token(&token_text, now).unwrap().is_none());
        assert!(store.partner_by_token(&other, now).unwrap().is_some());
        assert!(store.create_partner_token("  ", now).is_err());
    }

    #[test]
    fn a_registration_goes_from_pending_to_approved_and_stays_its_networks() {
        let store = Store::open_in_memory().unwrap();
        let now = at("2026-12-07T10:00:00Z");
        let r = store
            .register_feed(&new("Cress", "https://cress.example/offres.xml"), now)
            .unwrap();
        assert_eq!(
            (r.state, r.feed_id.as_str()),
            (RegistrationState::Pending, "partner-1")
        );
        assert_eq!(r.report, Some(serde_json::json!({"offers": 3})));
        // The same URL again: the same registration, checked again.
        let again = store
            .register_feed(
                &new("Cress", "https://cress.example/offres.xml"),
                at("2026-12-07T11:00:00Z"),
            )
            .unwrap();
        assert_eq!(again.id, r.id);
        assert_eq!(again.checked_at, at("2026-12-07T11:00:00Z"));
        // Another network's registration is neither listed nor withdrawn for it.
        store
            .register_feed(&new("Mutualité", "https://mut.example/rss"), now)
            .unwrap();
        assert_eq!(store.registrations(Some("Cress")).unwrap().len(), 1);
        assert!(!store.withdraw_registration("Mutualité", r.id, now).unwrap());
        let approved = store.decide_registration(r.id, true, None, now).unwrap();
        assert_eq!(approved.state, RegistrationState::Approved);
        assert!(store.decide_registration(r.id, true, None, now).is_err());
        assert_eq!(
            store
                .registrations_in(RegistrationState::Approved)
                .unwrap()
                .len(),
            1
        );
        // A new format waits for the operator beside the approved version, still polled.
        let mut changed = new("Cress", "https://cress.example/offres.xml");
        changed.format = Some("rss".into());
        let back = store.register_feed(&changed, now).unwrap();
        assert_eq!(back.state, RegistrationState::Approved);
        assert_eq!(back.format, None);
        assert_eq!(
            back.pending_change().map(|c| c.format.as_deref()),
            Some(Some("rss"))
        );
        assert!(store.withdraw_registration("Cress", r.id, now).unwrap());
        let waiting = store.registrations_waiting().unwrap();
        let networks: Vec<&str> = waiting.iter().map(|w| w.network.as_str()).collect();
        assert_eq!(
            networks,
            ["Mutualité"],
            "the change went with its registration"
        );
        assert!(store.registrations(Some("Cress")).unwrap().is_empty());
        let refused = store
            .decide_registration(r.id, true, None, now)
            .unwrap_err();
        assert!(
            refused.to_string().contains("withdrawn by Cress"),
            "{refused}"
        );
    }

    /// What the registry polls: the approved registrations as the store reads them.
    fn polled(store: &Store) -> Vec<(String, Option<String>, Option<String>)> {
        store
            .registrations_in(RegistrationState::Approved)
            .unwrap()
            .into_iter()
            .map(|r| {
                let mapping = r.mapping.map(|m| serde_json::Value::Object(m).to_string());
                (r.url, r.format, mapping)
            })
            .collect()
    }

    /// A partner's feed moves: the approved registration keeps its feed and is polled at its
    /// old URL until the operator approves the move; a pending one moves at once (still
    /// pending); a URL another of its registrations has, a withdrawn registration and another
    /// network's are refused, and nothing changes.
    #[test]
    fn a_registration_moves_to_another_url_as_a_change() {
        let store = Store::open_in_memory().unwrap();
        let old_url = "https://www.urscop-aura.example/offres/rss";
        let new_url = "https://emplois.urscop-aura.example/flux.rss";
        let r = store
            .register_feed(&new("URSCOP AURA", old_url), at("2026-12-07T10:00:00Z"))
            .unwrap();
        store
            .decide_registration(r.id, true, None, at("2026-12-07T10:05:00Z"))
            .unwrap();
        let mut moved = new("URSCOP AURA", new_url);
        moved.report = serde_json::json!({"readable": true, "report": {"offers": 4}});
        let m = store
            .move_registration(r.id, &moved, at("2026-12-08T09:00:00Z"))
            .unwrap();
        assert_eq!((m.id, m.feed_id.as_str()), (r.id, r.feed_id.as_str()));
        assert_eq!(m.state, RegistrationState::Approved);
        assert_eq!(m.url, old_url, "polled at its approved URL meanwhile");
        assert_eq!(m.pending_change().unwrap().url, new_url);
        assert_eq!(m.what_changed(), [format!("url: {old_url} → {new_url}")]);
        // Registered at the new URL meanwhile (a POST rather than a PUT), it is the same
        // registration, its move checked again.
        let again = store
            .register_feed(&moved, at("2026-12-08T09:30:00Z"))
            .unwrap();
        assert_eq!((again.id, again.url.as_str()), (r.id, old_url));
        assert_eq!(
            again.pending_change().unwrap().checked_at,
            at("2026-12-08T09:30:00Z")
        );
        assert_eq!(store.registrations(None).unwrap().len(), 1);
        assert_eq!(polled(&store), [(old_url.to_string(), None, None)]);
        assert_eq!(
            store
                .registrations_waiting()
                .unwrap()
                .iter()
                .map(|w| w.id)
                .collect::<Vec<_>>(),
            [r.id]
        );
        let approved = store
            .decide_registration(r.id, true, None, at("2026-12-08T10:00:00Z"))
            .unwrap();
        assert_eq!(approved.url, new_url);
        assert_eq!(
            approved.feed_id, r.feed_id,
            "the same feed, the same offers"
        );
        assert!(approved.pending_change().is_none());
        assert_eq!(polled(&store), [(new_url.to_string(), None, None)]);

        // A pending registration moves in place, and stays pending.
        let p = store
            .register_feed(
                &new("URSCOP AURA", "https://scop-a.example/rss"),
                at("2026-12-08T11:00:00Z"),
            )
            .unwrap();
        let p2 = store
            .move_registration(
                p.id,
                &new("URSCOP AURA", "https://scop-a.example/emplois.rss"),
                at("2026-12-08T11:30:00Z"),
            )
            .unwrap();
        assert_eq!(p2.id, p.id);
        assert_eq!(p2.url, "https://scop-a.example/emplois.rss");
        assert_eq!(p2.state, RegistrationState::Pending);

        // Onto the URL another registration waits to move to: refused.
        let q = store
            .register_feed(
                &new("URSCOP AURA", "https://scop-b.example/rss"),
                at("2026-12-08T11:40:00Z"),
            )
            .unwrap();
        store
            .decide_registration(q.id, true, None, at("2026-12-08T11:41:00Z"))
            .unwrap();
        store
            .move_registration(
                q.id,
                &new("URSCOP AURA", "https://scop-b.example/nouveau.rss"),
                at("2026-12-08T11:42:00Z"),
            )
            .unwrap();
        let onto_move = store.move_registration(
            p.id,
            &new("URSCOP AURA", "https://scop-b.example/nouveau.rss"),
            at("2026-12-08T11:43:00Z"),
        );
        assert!(
            matches!(&onto_move, Err(StoreError::Refused(why)) if why.contains(&format!("already registration {}", q.id))),
            "{onto_move:?}"
        );

        // Onto another of its registrations, a withdrawn one, another network's: refused.
        let onto = store.move_registration(
            p.id,
            &new("URSCOP AURA", new_url),
            at("2026-12-08T12:00:00Z"),
        );
        assert!(
            matches!(&onto, Err(StoreError::Refused(why)) if why.contains(&format!("already registration {}", r.id))),
            "{onto:?}"
        );
        let foreign = store.move_registration(
            p.id,
            &new("Cress Bretagne", "https://cress.example/rss"),
            at("2026-12-08T12:00:00Z"),
        );
        assert!(
            matches!(foreign, Err(StoreError::Refused(_))),
            "{foreign:?}"
        );
        assert!(store
            .withdraw_registration("URSCOP AURA", p.id, at("2026-12-08T12:10:00Z"))
            .unwrap());
        let gone = store.move_registration(
            p.id,
            &new("URSCOP AURA", "https://scop-a.example/autre.rss"),
            at("2026-12-08T12:20:00Z"),
        );
        assert!(matches!(gone, Err(StoreError::Refused(_))), "{gone:?}");
        assert_eq!(
            store.registration(p.id).unwrap().unwrap().url,
            "https://scop-a.example/emplois.rss"
        );
        assert_eq!(
            polled(&store),
            [
                (new_url.to_string(), None, None),
                ("https://scop-b.example/rss".to_string(), None, None)
            ]
        );
    }

    #[test]
    fn a_change_to_an_approved_registration_waits_beside_it_until_decided() {
        let store = Store::open_in_memory().unwrap();
        let url = "https://cress-bretagne.example/export.xml";
        let mut first = new("Cress Bretagne", url);
        first.format = Some("xml".into());
        first.mapping = serde_json::json!({"items": "export/annonce", "title": "intitule"})
            .as_object()
            .cloned();
        let r = store
            .register_feed(&first, at("2026-12-07T10:00:00Z"))
            .unwrap();
        store
            .decide_registration(r.id, true, None, at("2026-12-07T10:05:00Z"))
            .unwrap();
        let approved = polled(&store);
        assert_eq!(approved.len(), 1);

        // The partner adds the town to its mapping: the approved version is still polled.
        let mut second = first.clone();
        second.mapping = serde_json::json!({
            "items": "export/annonce", "title": "intitule", "city": "ville"
        })
        .as_object()
        .cloned();
        second.report = serde_json::json!({"readable": true, "report": {"offers": 12}});
        let changed = store
            .register_feed(&second, at("2026-12-08T09:00:00Z"))
            .unwrap();
        assert_eq!(changed.state, RegistrationState::Approved);
        assert_eq!(changed.report, Some(serde_json::json!({"offers": 3})));
        assert_eq!(changed.checked_at, at("2026-12-07T10:00:00Z"));
        let change = changed.pending_change().unwrap();
        assert_eq!(change.mapping, second.mapping);
        assert_eq!(change.report, Some(second.report.clone()));
        assert_eq!(change.checked_at, at("2026-12-08T09:00:00Z"));
        assert_eq!(polled(&store), approved, "the approved version is polled");
        assert_eq!(
            changed.what_changed(),
            [
                r#"mapping: {"items":"export/annonce","title":"intitule"} → {"items":"export/annonce","title":"intitule","city":"ville"}"#
            ]
        );
        let waiting = store.registrations_waiting().unwrap();
        assert_eq!(waiting.iter().map(|w| w.id).collect::<Vec<_>>(), [r.id]);
        assert!(store
            .registrations_in(RegistrationState::Pending)
            .unwrap()
            .is_empty());

        // Rejected with a reason: the approved version stays polled, the partner reads why.
        let rejected = store
            .decide_registration(
                r.id,
                false,
                Some("la ville est déjà dans le titre"),
                at("2026-12-08T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(rejected.state, RegistrationState::Approved);
        let c = rejected.change.clone().unwrap();
        assert_eq!(c.state, ChangeState::Rejected);
        assert_eq!(c.reason.as_deref(), Some("la ville est déjà dans le titre"));
        assert_eq!(c.decided_at, Some(at("2026-12-08T10:00:00Z")));
        assert_eq!(polled(&store), approved);
        assert!(store.registrations_waiting().unwrap().is_empty());
        let listed = store.registrations(Some("Cress Bretagne")).unwrap();
        assert_eq!(
            listed[0].change.as_ref().map(|c| c.state),
            Some(ChangeState::Rejected)
        );

        // Sent again, the change waits again; approved, it replaces the approved version.
        let again = store
            .register_feed(&second, at("2026-12-09T09:00:00Z"))
            .unwrap();
        assert!(again.pending_change().is_some());
        let done = store
            .decide_registration(r.id, true, None, at("2026-12-09T10:00:00Z"))
            .unwrap();
        assert_eq!(done.state, RegistrationState::Approved);
        assert_eq!(done.change, None);
        assert_eq!(done.mapping, second.mapping);
        assert_eq!(done.report, Some(second.report.clone()));
        assert_eq!(done.decided_at, Some(at("2026-12-09T10:00:00Z")));
        assert_eq!(polled(&store).len(), 1);
        assert_ne!(polled(&store), approved);
        assert!(store
            .decide_registration(r.id, true, None, at("2026-12-09T10:01:00Z"))
            .is_err());

        // A change sent back to what is approved is dropped; then withdrawing stops it all.
        let third = store
            .register_feed(&first, at("2026-12-10T09:00:00Z"))
            .unwrap();
        assert!(
            third.pending_change().is_some(),
            "first's mapping differs now"
        );
        let back = store
            .register_feed(&second, at("2026-12-10T09:30:00Z"))
            .unwrap();
        assert_eq!(back.change, None);
        assert_eq!(back.checked_at, at("2026-12-10T09:30:00Z"));
        store
            .register_feed(&first, at("2026-12-10T09:40:00Z"))
            .unwrap();
        assert!(store
            .withdraw_registration("Cress Bretagne", r.id, at("2026-12-10T10:00:00Z"))
            .unwrap());
        assert!(polled(&store).is_empty());
        assert!(store.registrations_waiting().unwrap().is_empty());
        assert_eq!(store.registration(r.id).unwrap().unwrap().change, None);
    }

    #[test]
    fn a_rejected_registration_that_is_changed_goes_back_to_pending() {
        let store = Store::open_in_memory().unwrap();
        let now = at("2026-12-07T10:00:00Z");
        let url = "https://mutualite.example/offres.rss";
        let r = store.register_feed(&new("Mutualité", url), now).unwrap();
        store
            .decide_registration(r.id, false, Some("flux vide"), now)
            .unwrap();
        let mut changed = new("Mutualité", url);
        changed.format = Some("rss".into());
        let back = store.register_feed(&changed, now).unwrap();
        assert_eq!(back.state, RegistrationState::Pending);
        assert_eq!(back.format.as_deref(), Some("rss"));
        assert_eq!((back.change, back.reason), (None, None));
        assert_eq!(store.registrations_waiting().unwrap().len(), 1);
    }
}
