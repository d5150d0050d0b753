//! The global byte budget over the bodies being read at once, so that concurrent large bodies
//! wait instead of multiplying memory. The daemon's fetches wait for their share; a partner's
//! check takes its share only if it is free at once (`try_start`, `try_cover`), else is
//! refused, so that checks never queue behind, nor in front of, the daemon's bodies.

use std::sync::Arc;

/// A global budget over the bytes of the bodies being read and processed at once, so that
/// concurrent large bodies wait for each other instead of multiplying memory (a body costs
/// several times its size while it is parsed and normalised).
///
/// Every body first takes a small share ([`BodyBudget::SMALL`]); one that outgrows it takes
/// its whole size when known (Content-Length, a file's length), else the body cap, waiting
/// until the budget has that much free. Growing happens one body at a time, under a lock, and
/// a body that has grown never grows again, so the bodies waiting hold only small shares:
/// with a budget of one cap plus a small share per concurrent fetch, a growing body always
/// ends up with its share, and nothing waits in a cycle. Permits count KiB.
#[derive(Clone, Debug)]
pub struct BodyBudget {
    permits: Arc<tokio::sync::Semaphore>,
    grow: Arc<tokio::sync::Mutex<()>>,
    small: u64,
    cap: u64,
}

/// What one body holds of the [`BodyBudget`]; clones share it. Compares equal to any other
/// (it is bookkeeping, not content).
#[derive(Clone, Debug, Default)]
pub struct BudgetHold(Option<Arc<tokio::sync::OwnedSemaphorePermit>>);

impl BudgetHold {
    /// KiB of the budget held (0 without a budget).
    pub fn kib(&self) -> usize {
        self.0.as_ref().map_or(0, |p| p.num_permits())
    }
}

impl PartialEq for BudgetHold {
    fn eq(&self, _: &BudgetHold) -> bool {
        true
    }
}
impl Eq for BudgetHold {}

/// A share of the budget while a body is read.
pub(super) struct Share {
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    /// Bytes the share covers.
    pub(super) bytes: u64,
    /// It has grown: it covers the body whatever its size.
    grown: bool,
}

impl BodyBudget {
    /// The share every body takes first: bodies up to this size never wait for others.
    pub const SMALL: u64 = 1024 * 1024;

    /// A budget for bodies of at most `cap` bytes, `concurrent` fetches at once: one cap plus
    /// a small share per fetch.
    pub fn new(cap: u64, concurrent: usize) -> BodyBudget {
        let small = Self::SMALL.min(cap);
        let total = cap + small * concurrent.max(1) as u64;
        BodyBudget {
            permits: Arc::new(tokio::sync::Semaphore::new(
                (kib(total) as usize).min(tokio::sync::Semaphore::MAX_PERMITS),
            )),
            grow: Arc::new(tokio::sync::Mutex::new(())),
            small,
            cap,
        }
    }

    /// Bytes free in the budget now (for tests and diagnostics).
    pub fn available(&self) -> u64 {
        self.permits.available_permits() as u64 * 1024
    }

    pub(super) async fn start(&self) -> Share {
        let permit = Arc::clone(&self.permits)
            .acquire_many_owned(kib(self.small))
            .await
            .ok();
        Share {
            permit,
            bytes: self.small,
            grown: false,
        }
    }

    /// A small share if the budget has it free now, without waiting (a partner's check, which
    /// is refused rather than queued when the daemon's bodies hold the budget).
    pub(super) fn try_start(&self) -> Option<Share> {
        let permit = Arc::clone(&self.permits)
            .try_acquire_many_owned(kib(self.small))
            .ok()?;
        Some(Share {
            permit: Some(permit),
            bytes: self.small,
            grown: false,
        })
    }

    /// [`BodyBudget::cover`] without waiting: false, `share` unchanged, when another body is
    /// growing or the budget lacks the bytes now.
    pub(super) fn try_cover(&self, share: &mut Share, needed: u64, exact: bool) -> bool {
        if needed <= share.bytes || share.grown {
            return true;
        }
        let target = if exact {
            needed.min(self.cap)
        } else {
            self.cap
        };
        let Ok(_one_at_a_time) = self.grow.try_lock() else {
            return false;
        };
        let more = kib(target).saturating_sub(kib(share.bytes));
        if more > 0 {
            let Ok(p) = Arc::clone(&self.permits).try_acquire_many_owned(more) else {
                return false;
            };
            match &mut share.permit {
                Some(held) => held.merge(p),
                None => share.permit = Some(p),
            }
        }
        share.bytes = target;
        share.grown = true;
        true
    }

    /// Makes `share` cover `needed` bytes: the exact size when `exact` (a known length), else
    /// the cap. Waits while other large bodies hold the budget.
    pub(super) async fn cover(&self, share: &mut Share, needed: u64, exact: bool) {
        if needed <= share.bytes || share.grown {
            return;
        }
        let target = if exact {
            needed.min(self.cap)
        } else {
            self.cap
        };
        let _one_at_a_time = self.grow.lock().await;
        let more = kib(target).saturating_sub(kib(share.bytes));
        if more > 0 {
            if let Ok(p) = Arc::clone(&self.permits).acquire_many_owned(more).await {
                match &mut share.permit {
                    Some(held) => held.merge(p),
                    None => share.permit = Some(p),
                }
            }
        }
        share.bytes = target;
        share.grown = true;
    }
}

impl Share {
    pub(super) fn hold(self) -> BudgetHold {
        BudgetHold(self.permit.map(Arc::new))
    }
}

/// Permits (KiB) for `bytes`, rounded up.
fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}
