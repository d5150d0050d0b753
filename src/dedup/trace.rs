//! Diagnostics of cross-feed deduplication: why a posting did not join a cluster. Switched on
//! for the current thread only (by the evaluation, `tests/dedup_eval.rs`, `DEDUP_EVAL_WHY`
//! or `DEDUP_EVAL_ERRORS`), [`crate::dedup::similar::plan_join`] records each of its decisions:
//! the clusters a filed posting matched and what it did with each. Off, it costs one
//! thread-local read per posting filed; it never changes a decision.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use super::similar::{encode, Features, Refusal};

/// What a posting did with one cluster it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Joined (unless the plan was cancelled, see [`Plan::ambiguous`]).
    Joined,
    /// Fewer than half of the cluster's members are the same job as the posting.
    Half,
    /// A member conflicts with the posting itself (by this rule); the members that are the
    /// same job as the posting leave the cluster.
    Direct(Refusal),
    /// A member conflicts (by this rule) with a cluster joined before; `decided` when the
    /// figures the posting states told the two apart, else the plan is ambiguous.
    Clash { reason: Refusal, decided: bool },
}

/// One decision of `plan_join`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// [`fingerprint`] of the posting filed.
    pub posting: u64,
    /// Each cluster matched: its members' fingerprints and the outcome.
    pub clusters: Vec<(Vec<u64>, Outcome)>,
    /// The posting could be either of two clusters known to be different jobs: it joined
    /// none.
    pub ambiguous: bool,
}

thread_local! {
    static LOG: RefCell<Option<Vec<Plan>>> = const { RefCell::new(None) };
}

/// Starts recording on this thread (and forgets what was recorded).
pub fn start() {
    LOG.with(|l| *l.borrow_mut() = Some(Vec::new()));
}

/// What was recorded since the last call (recording goes on).
pub fn take() -> Vec<Plan> {
    LOG.with(|l| {
        l.borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}

/// Stops recording on this thread.
pub fn stop() {
    LOG.with(|l| *l.borrow_mut() = None);
}

pub(crate) fn on() -> bool {
    LOG.with(|l| l.borrow().is_some())
}

pub(crate) fn record(plan: Plan) {
    LOG.with(|l| {
        if let Some(v) = l.borrow_mut().as_mut() {
            v.push(plan);
        }
    });
}

/// Identifies a posting by its stored features (the slot aside): postings with the same
/// features share it.
pub fn fingerprint(f: &Features) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    encode(f).hash(&mut h);
    h.finish()
}
