//! A successful fetch applied as its postings come, part after part, in the one transaction
//! of [`Store::record_success`]: a feed of 100,000 items is built and applied a part at a
//! time, so that its postings never sit in memory all at once, and what a fetch means is
//! unchanged. Its offers are closed only after its last part, and a part that does not come
//! (the builder failed or stopped, the process died) rolls the whole fetch back: nothing of it
//! is stored and nothing is closed, and the next fetch applies the feed whole.

use super::{close_missing, expire, open_offers_of, record_applied, Applied};
use crate::dedup::cluster::Filing;
use crate::model::rfc3339;
use crate::store::feeds::{insert_attempt, set_plan};
use crate::store::{ApplyStats, Attempt, Posting, Store, StoreError};

impl Store {
    /// [`Store::record_success`] of a fetch whose postings come in `parts`: `identities` are
    /// those of every posting the fetch lists (the filing needs them all from the first
    /// part: two postings of one feed listed at once are never one job), and the parts must
    /// bring exactly that many postings. Each part is applied and dropped before the next is
    /// asked for. A part that is an error, or parts that end short, roll the fetch back and
    /// return the error: the transaction is the fetch's, so a crash half-way leaves the store
    /// as it was before it, with no offer closed.
    pub fn record_success_in_parts(
        &self,
        feed_id: &str,
        attempt: &Attempt,
        identities: &[String],
        parts: impl IntoIterator<Item = Result<Vec<Posting>, StoreError>>,
        close_after: u32,
    ) -> Result<ApplyStats, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        recent.ready(&tx)?;
        let attempt_id = insert_attempt(&tx, feed_id, attempt, "ok", None)?;
        let now = rfc3339(attempt.finished_at);
        let mut stats = ApplyStats {
            open_before: open_offers_of(&tx, feed_id)?,
            ..Default::default()
        };
        let fetch = Applied {
            feed_id,
            attempt_id,
            now: &now,
        };
        let filing = Filing::new(feed_id, identities.iter().map(String::as_str));
        let mut applied = 0;
        for part in parts {
            // An error drops the transaction: the fetch is rolled back whole.
            let part = part?;
            applied += part.len();
            if applied > identities.len() {
                break;
            }
            self.upsert_postings(&tx, &mut recent, &fetch, &filing, &part, &mut stats)?;
        }
        if applied != identities.len() {
            return Err(StoreError::Refused(format!(
                "the fetch's parts brought {applied} postings where it lists {}; nothing of \
                 it was applied",
                identities.len()
            )));
        }
        close_missing(&tx, &fetch, close_after, &mut stats)?;
        stats.expired = expire(&tx, &now)?;
        record_applied(&tx, &fetch, attempt, applied, &stats)?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        if self.is_stopping() {
            return Err(StoreError::Stopping);
        }
        tx.commit()?;
        recent.committed();
        if stats.new + stats.updated + stats.closed > 0 {
            self.changed();
        }
        self.flush_if_due(&mut conn, &mut recent);
        Ok(stats)
    }
}
