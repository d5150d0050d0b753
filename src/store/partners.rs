//! Partner networks' tokens and the feeds they register: tokens kept as hashes and checked in
//! constant time ([`crate::secret`]), registrations from pending to approved, rejected or
//! withdrawn. Approved registrations are polled as feeds `partner-<id>` (the caller turns them
//! into feeds with `Config::partner_feed` and gives them to `Store::sync_feeds`).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{instant, Store, StoreError};
use crate::model::{rfc3339, PartnerToken, Registration, RegistrationState};
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

const REGISTRATION_COLUMNS: &str = "id, network, name, url, format, mapping, state, report,
    created_at, checked_at, decided_at, reason";

/// Stored JSON, read back (None when absent or, which the store never writes, unreadable).
fn json<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn registration(r: &Row<'_>) -> rusqlite::Result<Registration> {
    let id: i64 = r.get(0)?;
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
    })
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
    /// updates its registration (report, name, format, mapping) rather than adding one; a
    /// change of format or mapping, or a registration that was rejected, goes back to pending.
    /// A withdrawn registration is not reused.
    pub fn register_feed(
        &self,
        new: &NewRegistration,
        now: DateTime<Utc>,
    ) -> Result<Registration, StoreError> {
        let mapping = new
            .mapping
            .as_ref()
            .map(|m| serde_json::Value::Object(m.clone()).to_string());
        let report = new.report.to_string();
        let now = rfc3339(now);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existing: Option<(i64, Option<String>, Option<String>, String)> = tx
            .query_row(
                "SELECT id, format, mapping, state FROM registrations
                 WHERE network = ?1 AND url = ?2 AND state != 'withdrawn'
                 ORDER BY id DESC LIMIT 1",
                params![new.network, new.url],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let id = match existing {
            Some((id, format, old_mapping, state)) => {
                let changed = format != new.format || old_mapping != mapping;
                let back_to_pending = changed || state == "rejected";
                tx.execute(
                    "UPDATE registrations SET name = ?2, format = ?3, mapping = ?4, report = ?5,
                       checked_at = ?6, token_id = coalesce(?7, token_id),
                       state = CASE WHEN ?8 THEN 'pending' ELSE state END,
                       decided_at = CASE WHEN ?8 THEN NULL ELSE decided_at END,
                       reason = CASE WHEN ?8 THEN NULL ELSE reason END
                     WHERE id = ?1",
                    params![
                        id,
                        new.name,
                        new.format,
                        mapping,
                        report,
                        now,
                        new.token_id,
                        back_to_pending
                    ],
                )?;
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
        let r = tx.query_row(
            &format!("SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE id = ?1"),
            [id],
            registration,
        )?;
        tx.commit()?;
        Ok(r)
    }

    /// The registrations of `network` (every network's when None), withdrawn ones left out,
    /// oldest first.
    pub fn registrations(&self, network: Option<&str>) -> Result<Vec<Registration>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations
             WHERE state != 'withdrawn' AND (?1 IS NULL OR network = ?1) ORDER BY id"
        ))?;
        let rows = stmt.query_map([network], registration)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Registrations in `state`, oldest first.
    pub fn registrations_in(
        &self,
        state: RegistrationState,
    ) -> Result<Vec<Registration>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE state = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([state.as_str()], registration)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Registration `id`, whatever its state.
    pub fn registration(&self, id: i64) -> Result<Option<Registration>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE id = ?1"),
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
        let changed = self.conn().execute(
            "UPDATE registrations SET state = 'withdrawn', decided_at = ?3
             WHERE id = ?1 AND network = ?2 AND state != 'withdrawn'",
            params![id, network, rfc3339(now)],
        )?;
        Ok(changed == 1)
    }

    /// The operator approves (or rejects, with a reason) registration `id`. A pending or
    /// rejected one may be approved, a pending or approved one rejected; a withdrawn one
    /// neither.
    pub fn decide_registration(
        &self,
        id: i64,
        approve: bool,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Registration, StoreError> {
        let Some(r) = self.registration(id)? else {
            return Err(StoreError::Refused(format!(
                "there is no registration {id}"
            )));
        };
        let to = if approve {
            RegistrationState::Approved
        } else {
            RegistrationState::Rejected
        };
        match (r.state, approve) {
            (RegistrationState::Withdrawn, _) => {
                return Err(StoreError::Refused(format!(
                    "registration {id} was withdrawn by {}",
                    r.network
                )))
            }
            (s, _) if s == to => {
                return Err(StoreError::Refused(format!(
                    "registration {id} is already {s}"
                )))
            }
            _ => {}
        }
        self.conn().execute(
            "UPDATE registrations SET state = ?2, decided_at = ?3, reason = ?4 WHERE id = ?1",
            params![id, to.as_str(), rfc3339(now), reason],
        )?;
        self.registration(id)?
            .ok_or_else(|| StoreError::Refused(format!("there is no registration {id}")))
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
        // A new mapping sends it back to the operator.
        let mut changed = new("Cress", "https://cress.example/offres.xml");
        changed.format = Some("rss".into());
        let back = store.register_feed(&changed, now).unwrap();
        assert_eq!(back.state, RegistrationState::Pending);
        assert!(store.withdraw_registration("Cress", r.id, now).unwrap());
        assert!(store.registrations(Some("Cress")).unwrap().is_empty());
        let refused = store
            .decide_registration(r.id, true, None, now)
            .unwrap_err();
        assert!(
            refused.to_string().contains("withdrawn by Cress"),
            "{refused}"
        );
    }
}
