//! A successful fetch applied as its postings come, part after part, in the one transaction
//! of [`Store::record_success`]: a feed of 100,000 items is built and applied a part at a
//! time, so that its postings never sit in memory all at once, and what a fetch means is
//! unchanged. Its offers are closed only after its last part, and a part that does not come
//! (the builder failed or stopped, the process died) rolls the whole fetch back: nothing of it
//! is stored and nothing is closed, and the next fetch applies the feed whole.

use crate::dedup::cluster::Filing;
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
        let filing = Filing::new(feed_id, identities.iter().map(String::as_str));
        self.apply_fetch(
            feed_id,
            attempt,
            &filing,
            identities.len(),
            parts,
            close_after,
        )
    }
}
