//! Copies the write-ahead log into the database file on a thread of its own (a checkpoint),
//! so that the writer does not stop for it.
//!
//! In WAL mode a commit appends pages to the log; a checkpoint copies them into the database
//! file and syncs it. SQLite runs one in the committing connection once the log holds
//! `wal_autocheckpoint` pages: the fetch whose commit crossed that line then waits for some
//! 64 MB of scattered writes and two syncs, longer than the fetch itself in a large database.
//! Here the writer's commits wake a thread that runs a passive checkpoint on its own
//! connection (passive: it never blocks the writer or the readers, and copies what no reader
//! still needs), a moment later so that the commits of a busy spell share one. The writer's
//! own automatic checkpoint stays as a bound on the log, should this thread fall behind; it
//! then finds little left to copy.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How long the thread waits after being woken before it checkpoints: the commits of that
/// moment are copied (and the file synced) once.
const GATHER: Duration = Duration::from_millis(250);

/// How soon a stop, or a call for a checkpoint now, ends the gathering.
const GATHER_SLICE: Duration = Duration::from_millis(10);

#[derive(Debug, Default)]
struct State {
    /// A commit happened since the last checkpoint began.
    wrote: bool,
    /// The next checkpoint begins without waiting for more commits.
    now: bool,
    stop: bool,
    /// Checkpoints begun, and ended.
    started: u64,
    done: u64,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The checkpointing thread of one database file; stopped (and joined) when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread, with a connection of its own to the database at `path`, and wakes
    /// it at every commit of `writer`. When that fails (a warning says why), there is none:
    /// the writer's automatic checkpoints do the work.
    pub(super) fn start(path: &Path, writer: &Connection) -> Option<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| c.busy_timeout(Duration::from_secs(10)).map(|()| c));
        let shared = Arc::new(Shared::default());
        let theirs = Arc::clone(&shared);
        let thread = conn.map_err(|e| e.to_string()).and_then(|conn| {
            std::thread::Builder::new()
                .name("essaim-checkpoint".into())
                .spawn(move || run(&conn, &theirs))
                .map_err(|e| e.to_string())
        });
        let thread = match thread {
            Ok(t) => t,
            Err(error) => {
                tracing::warn!(
                    %error,
                    path = %path.display(),
                    "the checkpointing thread could not start; fetches will checkpoint the write-ahead log themselves"
                );
                return None;
            }
        };
        let hook = Arc::clone(&shared);
        // Called as each transaction commits (false: let it commit).
        writer.commit_hook(Some(move || {
            hook.lock().wrote = true;
            hook.wake.notify_all();
            false
        }));
        Some(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// Has the thread checkpoint at once, without waiting for more commits to gather: the
    /// writer has just committed a large transaction (a flush of the blocking keys) and left
    /// its pages to the thread.
    pub(super) fn now(&self) {
        let mut state = self.shared.lock();
        state.wrote = true;
        state.now = true;
        self.shared.wake.notify_all();
    }

    /// Waits until a checkpoint that begins after this call has ended (for tests).
    #[cfg(any(test, feature = "testing"))]
    pub(super) fn wait(&self) {
        let mut state = self.shared.lock();
        let target = state.started + 1;
        state.wrote = true;
        self.shared.wake.notify_all();
        while state.done < target && !state.stop {
            state = self
                .shared
                .wake
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Lets the commits of the moment gather for [`GATHER`]; a stop ends the wait, and so does a
/// call for a checkpoint now. Slept in slices of [`GATHER_SLICE`], not a timed wait on the
/// condition variable: that waits until an absolute time of the monotonic clock, which under
/// a faked clock (libfaketime with the monotonic clock shifted) is years away.
fn gather(shared: &Shared) {
    let mut waited = Duration::ZERO;
    while waited < GATHER {
        {
            let state = shared.lock();
            if state.stop || state.now {
                return;
            }
        }
        std::thread::sleep(GATHER_SLICE);
        waited += GATHER_SLICE;
    }
}

fn run(conn: &Connection, shared: &Shared) {
    // A lasting failure (a full disk) is logged once, not at every commit, and its end too.
    let mut failing = false;
    loop {
        {
            let mut state = shared.lock();
            while !state.wrote && !state.stop {
                state = shared.wake.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            if state.stop {
                return;
            }
        }
        gather(shared);
        {
            let mut state = shared.lock();
            if state.stop {
                return;
            }
            state.wrote = false;
            state.now = false;
            state.started += 1;
        }
        // Busy (another connection checkpointing) is not an error: the next one copies.
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0)) {
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(
                    error = %e,
                    "copying the write-ahead log into the database file failed; the writer's own checkpoints still bound the log"
                );
            }
            Ok(_) if failing => {
                failing = false;
                tracing::info!("copying the write-ahead log into the database file works again");
            }
            _ => {}
        }
        shared.lock().done += 1;
        shared.wake.notify_all();
    }
}
