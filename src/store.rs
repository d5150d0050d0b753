//! The SQLite store: the only module that writes SQL. It applies the numbered migrations in
//! `schema/` at start-up (tracked by `PRAGMA user_version`), runs in WAL mode with foreign keys
//! on, and applies the whole result of one fetch in one transaction, so that a crash mid-way
//! leaves the previous state intact.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

mod checkpoint;
mod keys;
mod search;

pub use search::{Cursor, NetworkStats, OfferFilter, Order, Stats};

use crate::config::FeedConfig;
use crate::dedup::similar::{self, Features};
use crate::dedup::KnownPostings;
use crate::model::Offer;
use crate::model::{rfc3339, FeedState};
use crate::politeness::Plan;

pub use crate::model::{
    FeedStatus, FetchMemory, HeldClosing, PublishedOffer, ScheduleState, Source,
};

/// Read-only connections opened next to the writer.
const READERS: usize = 4;

/// The migrations, in order; the position + 1 is the schema version.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../schema/0001_init.sql")),
    (
        "0002_fetch_state.sql",
        include_str!("../schema/0002_fetch_state.sql"),
    ),
    ("0003_search.sql", include_str!("../schema/0003_search.sql")),
    ("0004_dedup.sql", include_str!("../schema/0004_dedup.sql")),
    (
        "0005_dedup_pending.sql",
        include_str!("../schema/0005_dedup_pending.sql"),
    ),
    (
        "0006_dedup_features.sql",
        include_str!("../schema/0006_dedup_features.sql"),
    ),
    (
        "0007_public_id_buckets.sql",
        include_str!("../schema/0007_public_id_buckets.sql"),
    ),
    (
        "0008_held_closings.sql",
        include_str!("../schema/0008_held_closings.sql"),
    ),
    (
        "0009_fetch_started.sql",
        include_str!("../schema/0009_fetch_started.sql"),
    ),
];

/// SQLite page cache of the writer, in KiB when negative: 16 MiB. With 256 MiB (before issue
/// 17) the `dedup_insert` ratio was 1.45; with 16 MiB it is 1.36-1.51 (the bench's noise), and
/// a fetch of eight large feeds keeps 200 MB less resident.
const PAGE_CACHE_KIB: i64 = -16_384;
/// Page cache of each reader connection (negative: KiB), 16 MiB.
const READER_CACHE_KIB: i64 = -16_384;

/// No memory map of the database file (SQLite's `mmap_size`): pages come through the page
/// cache and the kernel's file cache. Mapped, every page a connection ever read counted in
/// the process's resident memory (745 MB for a fetch of eight 16 MiB feeds whose own
/// allocations peaked at 185 MB), for no measurable gain: the `dedup_insert` ratio was 1.41
/// mapped and 1.36-1.51 not.
const MMAP_BYTES: i64 = 0;

/// The writer copies the write-ahead log into the database (and syncs both) itself once it
/// holds this many pages (SQLite's default is 1,000): a fetch of a hundred new offers dirties
/// hundreds of scattered index pages, and with the default every fetch paid a checkpoint.
/// Normally the checkpointing thread (`store::checkpoint`) has copied most of them by then;
/// this bounds the log (64 MiB) should it fall behind.
const WAL_CHECKPOINT_PAGES: i64 = 16_000;

/// A fetch that would close more than half of its feed's open offers at once is held as
/// suspicious when the feed has at least this many open: below, one or two offers filled or
/// withdrawn are half of the feed, and nothing suggests an export cut short.
pub const HOLD_MIN_OPEN: usize = 4;

/// True when closing `closing` of a feed's `open` offers at once is suspicious (see
/// [`HOLD_MIN_OPEN`]): the closing is then held until the next fetch agrees.
pub fn closing_is_suspicious(closing: usize, open: usize) -> bool {
    open >= HOLD_MIN_OPEN && closing * 2 > open
}

/// A purge keeps at least this many of each feed's latest fetch attempts, however old, so that
/// a feed fetched rarely (or no longer) still shows its recent history.
pub const ATTEMPTS_KEPT: usize = 20;

/// At most this many postings of a cluster are read to check a join (a guard: clusters are a
/// handful of postings). A literal in the SQL rather than a bound parameter: SQLite prepares
/// a statement again on every run when its LIMIT is bound, which profiling showed costing a
/// third of an API query's time.
macro_rules! cluster_read_limit {
    () => {
        "500"
    };
}

/// A store failure, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "database schema version {found} is newer than this essaim knows ({known}); upgrade essaim"
    )]
    TooNew { found: i64, known: i64 },
    #[error("migration {name}: {source}")]
    Migration {
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error(
        "migration {name} would leave rows of table {table} pointing to rows that do not exist; \
         the database was left as it was"
    )]
    MigrationForeignKeys { name: &'static str, table: String },
    /// The database cannot be written where it is (a read-only directory or file).
    #[error(
        "database {path}: {reason}; essaim needs to write there (`essaim feeds` and \
         `essaim export` can still read it)"
    )]
    ReadOnly { path: String, reason: String },
    /// A read-only open of a database that needs a schema upgrade (or does not exist).
    #[error("database {path}: {reason}")]
    NotReadable { path: String, reason: String },
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database task stopped: {0}")]
    Task(String),
    /// The process is shutting down: the fetch was rolled back, nothing of it applied.
    #[error("not applied: essaim is shutting down (the feed is fetched again at the next start)")]
    Stopping,
    #[error("stored offer {public_id} cannot be read: {source}")]
    Corrupt {
        public_id: String,
        source: serde_json::Error,
    },
}

/// One posting ready to be stored: the normalised offer with its identity.
#[derive(Debug, Clone)]
pub struct Posting {
    pub public_id: String,
    pub identity: String,
    pub content_hash: String,
    pub offer: Offer,
    /// The partner's item as JSON text, kept for audit (at most about 1 MiB of it: see
    /// `pipeline::source_text`).
    pub source: String,
}

/// What one fetch attempt did, recorded whatever its outcome.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub http_status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    /// New address of a feed that answered with a permanent redirect.
    pub moved_to: Option<String>,
    pub items_found: Option<usize>,
    pub warnings: Vec<String>,
    /// When to fetch next and in which state the feed is left (see `politeness::plan`).
    pub plan: Plan,
}

/// Counts of what a successful fetch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplyStats {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub closed: usize,
    /// Offers this fetch would have closed, held because that was suspicious (see
    /// [`closing_is_suspicious`]): they stay open until the next fetch agrees.
    pub held: usize,
    /// The feed's open offers before this fetch (what `held` is compared with).
    pub open_before: usize,
    /// Open offers (of any feed) found past their validThrough.
    pub expired: usize,
}

/// What a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeStats {
    /// Open offers found past their validThrough and expired first.
    pub expired: usize,
    /// Closed and expired offers deleted after the retention period.
    pub deleted: usize,
    /// Fetch attempts deleted after the retention period.
    pub attempts: usize,
}

/// One recorded fetch attempt (for status and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// ok | not_modified | error
    pub outcome: String,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub next_fetch_at: Option<DateTime<Utc>>,
}

/// Where an offer stands, without its content (for diagnostics and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferMark {
    pub public_id: String,
    pub status: String,
    pub last_seen_at: String,
    /// `fetch_attempts.id` of the last fetch that listed it.
    pub last_seen_attempt: Option<i64>,
    pub missed_fetches: u32,
}

/// Why the database at `path` cannot be written, when that is why it cannot be opened: its
/// directory refuses new files (SQLite creates the write-ahead log and its index beside the
/// database), or the file itself refuses writes.
fn read_only_reason(path: &Path) -> Option<String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let refused = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        )
    };
    let probe = dir.join(format!(".essaim-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) if refused(&e) => {
            return Some(format!(
                "the directory {} is read-only for this user ({e}), and SQLite must create \
                 the database's -wal and -shm files beside it",
                dir.display()
            ))
        }
        Err(_) => {}
    }
    match std::fs::OpenOptions::new().write(true).open(path) {
        Err(e) if refused(&e) => Some(format!("the file is read-only for this user ({e})")),
        _ => None,
    }
}

/// The database. Cheap to share behind an `Arc`; calls are blocking and serialised.
///
/// Fields are dropped in order: the writer goes last, so that the connection closing last is
/// one that has opened the write-ahead log, which SQLite then copies into the database file
/// and deletes (a connection that never read leaves it behind).
pub struct Store {
    /// Read-only connections for the web server's queries.
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    /// Bumped by every write that changes what the outputs show (see [`Store::generation`]).
    writes: std::sync::atomic::AtomicU64,
    /// Blocking keys not yet written into `dedup_keys`. Locked only while holding `conn`.
    recent: Mutex<keys::RecentKeys>,
    /// Copies the write-ahead log into the database file off the writer's path (a file
    /// database, when its thread could start).
    checkpointer: Option<checkpoint::Checkpointer>,
    /// The one writer (and the reader of the commands).
    conn: Mutex<Connection>,
    /// Set at shutdown ([`Store::stop_applying`]): a fetch being applied is rolled back at
    /// its next posting, and none is applied after.
    stopping: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`. When that fails
    /// because the directory or the file is read-only, the error says so
    /// ([`StoreError::ReadOnly`]) rather than SQLite's "unable to open database file".
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_writable(path).map_err(|e| match read_only_reason(path) {
            Some(reason) => StoreError::ReadOnly {
                path: path.display().to_string(),
                reason,
            },
            None => e,
        })
    }

    /// A store on one connection, with no reader pool nor checkpointer (yet).
    fn on(conn: Connection) -> Store {
        Store {
            conn: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            writes: std::sync::atomic::AtomicU64::new(0),
            recent: Mutex::new(keys::RecentKeys::default()),
            checkpointer: None,
            stopping: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Opens the database at `path` for reading only, for commands that only read
    /// (`essaim feeds`, `essaim export`) where the database cannot be written: nothing is
    /// created, migrated or synced, and every write fails. A database without its
    /// write-ahead index, in a directory where it cannot be created, is opened as immutable
    /// (no writer can be running: it would have created it).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let not_readable = |reason: String| StoreError::NotReadable {
            path: path.display().to_string(),
            reason,
        };
        if !path.is_file() {
            return Err(not_readable("no database there yet".into()));
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let version = |conn: &Connection| -> rusqlite::Result<i64> {
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        };
        let plain =
            Connection::open_with_flags(path, flags).and_then(|c| version(&c).map(|v| (c, v)));
        let (conn, found) = match plain {
            Ok(opened) => opened,
            Err(first) => {
                let absolute =
                    std::path::absolute(path).map_err(|e| not_readable(e.to_string()))?;
                let uri = url::Url::from_file_path(&absolute)
                    .map_err(|()| not_readable("not a file path".into()))?;
                Connection::open_with_flags(format!("{uri}?immutable=1"), flags)
                    .and_then(|c| version(&c).map(|v| (c, v)))
                    .map_err(|_| not_readable(format!("cannot be read: {first}")))?
            }
        };
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        if found < known {
            return Err(not_readable(format!(
                "its schema (version {found}) needs an upgrade to version {known}, which \
                 reading only cannot do: run essaim once where it can write the database"
            )));
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Store::on(conn))
    }

    fn open_writable(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        let mut store = Self::setup(conn, &path.display().to_string())?;
        // Readers for the web server: WAL lets them read while the writer writes, so API
        // queries neither wait for a fetch being applied nor for each other.
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|r| {
                r.busy_timeout(std::time::Duration::from_secs(10))?;
                // Each reader keeps its own page cache; pages beyond it come from the
                // kernel's file cache (see `MMAP_BYTES`).
                r.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
                r.pragma_update(None, "mmap_size", MMAP_BYTES)?;
                Ok(r)
            })
            .map_err(|source| StoreError::Open {
                path: path.display().to_string(),
                source,
            })?;
            store.readers.push(Mutex::new(reader));
        }
        let checkpointer = checkpoint::Checkpointer::start(path, &store.conn());
        store.checkpointer = checkpointer;
        Ok(store)
    }

    /// A private in-memory database, for tests and `validate`.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        Self::setup(conn, ":memory:")
    }

    fn setup(mut conn: Connection, path: &str) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_string(),
            source,
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        // The write path uses a dozen cached statements per posting, a purge or a fold a few
        // more: room for all of them (rusqlite keeps 16 by default, evicting the oldest).
        conn.set_prepared_statement_cache_capacity(64);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "cache_size", PAGE_CACHE_KIB)
            .map_err(open_err)?;
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)
            .map_err(open_err)?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(open_err)?;
        migrate(&mut conn)?;
        // After an upgrade that listed every posting for its keys, fold them in bounded
        // chunks now, rather than hold all their keys in memory at the first write. Should
        // that fail, the store still works (the first write holds them all, as before).
        match keys::catch_up(&mut conn, keys::FOLD_MAX) {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                postings = n,
                path,
                "blocking keys of postings listed by an upgrade folded into dedup_keys"
            ),
            Err(error) => tracing::warn!(
                %error,
                path,
                "folding the blocking keys of postings listed by an upgrade failed; they stay listed"
            ),
        }
        Ok(Store::on(conn))
    }

    /// A connection for reading: a free reader when there is one (a private in-memory
    /// database has none and reads through the writer).
    fn reader(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.conn();
        }
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction half-applied (SQLite rolls
        // back an unfinished transaction when it is dropped), so the connection stays usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The recent blocking keys; to be locked after [`Store::conn`]. A panic while they were
    /// being changed leaves them marked as changing, so they are rebuilt before the next use.
    fn recent(&self) -> MutexGuard<'_, keys::RecentKeys> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the blocking keys of the postings filed since the last fold into `dedup_keys`
    /// (the store does it by itself once enough have gathered; see `store/keys.rs`). Returns
    /// how many postings were folded.
    pub fn fold_dedup_keys(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        self.fold(&mut conn, &mut recent)
    }

    /// Folds the blocking keys held in memory into `dedup_keys` (see `store/keys.rs`). A fold
    /// rewrites most pages of the table (some 100,000 at a million offers), more than the
    /// bound on the write-ahead log: with the checkpointing thread running, the fold's commit
    /// leaves copying them into the database file to the thread, woken at once, rather than
    /// holding up the fetch that triggered the fold for it (about 0.8 s at a million offers).
    fn fold(
        &self,
        conn: &mut Connection,
        recent: &mut keys::RecentKeys,
    ) -> Result<usize, StoreError> {
        let Some(checkpointer) = &self.checkpointer else {
            return recent.fold(conn);
        };
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let folded = recent.fold(conn);
        checkpointer.now();
        // Restored whatever the fold did; a failure to restore is the error reported.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        folded
    }

    /// Sets how many filed postings trigger a fold of their keys, instead of the threshold
    /// computed from the database's size. For tests, which check that folding at any moment
    /// changes no decision.
    #[doc(hidden)]
    pub fn set_key_fold_threshold(&self, postings: usize) {
        let _conn = self.conn();
        self.recent().fold_at(postings);
    }

    /// Waits until the checkpointing thread has copied the write-ahead log as it stands into
    /// the database file (at once when there is no such thread). For tests.
    #[doc(hidden)]
    pub fn wait_for_checkpoint(&self) {
        if let Some(c) = &self.checkpointer {
            c.wait();
        }
    }

    /// How many filed postings have their keys in memory, not yet in `dedup_keys`.
    pub fn dedup_keys_pending(&self) -> Result<usize, StoreError> {
        let conn = self.conn();
        let mut recent = self.recent();
        recent.ready(&conn)?;
        Ok(recent.listed())
    }

    /// Notes a write that changed what the outputs show.
    fn changed(&self) {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Changes with every write through this store that changed what the outputs show.
    /// Lock-free: the web server checks it on every request.
    pub fn local_generation(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// SQLite's `data_version`: changes when another connection (another process, such as
    /// `essaim fetch` from cron while `essaim run` serves) committed to the database.
    /// Always asked of the writer: the counter is per connection, so asking whichever reader
    /// is free would see changes that are not there.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Makes the feeds table match the configuration; feeds no longer configured are marked
    /// out of config (their offers are kept but no longer published). A feed whose URL changed
    /// starts afresh: its fetch memory, errors, backoff and `gone` state are forgotten.
    pub fn sync_feeds(&self, feeds: &[FeedConfig]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE feeds SET in_config = 0", [])?;
        for f in feeds {
            tx.execute(
                "INSERT INTO feeds (id, name, network, url, enabled, in_config)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, network = excluded.network,
                   enabled = excluded.enabled, in_config = 1,
                   effective_url = CASE WHEN feeds.url = excluded.url THEN feeds.effective_url END,
                   etag = CASE WHEN feeds.url = excluded.url THEN feeds.etag END,
                   last_modified = CASE WHEN feeds.url = excluded.url THEN feeds.last_modified END,
                   body_hash = CASE WHEN feeds.url = excluded.url THEN feeds.body_hash END,
                   state = CASE WHEN feeds.url = excluded.url THEN feeds.state ELSE 'active' END,
                   consecutive_errors = CASE WHEN feeds.url = excluded.url
                     THEN feeds.consecutive_errors ELSE 0 END,
                   next_fetch_at = CASE WHEN feeds.url = excluded.url THEN feeds.next_fetch_at END,
                   not_before = CASE WHEN feeds.url = excluded.url THEN feeds.not_before END,
                   url = excluded.url",
                params![f.id, f.name, f.network, f.source.to_string(), f.enabled],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Conditional-request memory of a feed.
    pub fn fetch_memory(&self, feed_id: &str) -> Result<FetchMemory, StoreError> {
        let m = self
            .conn()
            .query_row(
                "SELECT etag, last_modified, body_hash, effective_url, consecutive_errors, state,
                   held_closing_at IS NOT NULL
                 FROM feeds WHERE id = ?1",
                [feed_id],
                |r| {
                    Ok(FetchMemory {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        body_hash: r.get(2)?,
                        effective_url: r.get(3)?,
                        consecutive_errors: r.get(4)?,
                        state: state(&r.get::<_, String>(5)?),
                        closing_held: r.get(6)?,
                    })
                },
            )
            .optional()?;
        Ok(m.unwrap_or_default())
    }

    /// Applies a successful fetch in one transaction: records the attempt, upserts every
    /// posting, and closes the feed's open offers missing from `close_after` consecutive
    /// successful fetches, unless closing them is suspicious (more than half of the feed's
    /// open offers at once, see [`closing_is_suspicious`]): that closing is held, the offers
    /// stay open, and the next successful fetch decides. It closes those it lacks again, and
    /// keeps (and clears the hold of) those it lists.
    pub fn record_success(
        &self,
        feed_id: &str,
        attempt: &Attempt,
        postings: &[Posting],
        close_after: u32,
    ) -> Result<ApplyStats, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        // Immediate: the write lock is taken first, so the recent keys checked next are those
        // of the latest commit, whoever made it.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        recent.ready(&tx)?;
        let attempt_id = insert_attempt(&tx, feed_id, attempt, "ok", None)?;
        let now = rfc3339(attempt.finished_at);
        let mut stats = ApplyStats {
            open_before: tx.query_row(
                "SELECT count(*) FROM offers WHERE feed_id = ?1 AND status = 'open'",
                [feed_id],
                |r| r.get(0),
            )?,
            ..Default::default()
        };
        // Features of another version are filed again (see `similar::FEATURES_VERSION`).
        let version = [similar::FEATURES_VERSION];
        let filing = Filing {
            feed: feed_id,
            current: postings.iter().map(|p| p.identity.as_str()).collect(),
        };
        {
            let mut existing = tx.prepare_cached(
                "SELECT o.id, o.content_hash, f.features IS NULL OR substr(f.features, 1, 1) <> ?3
                 FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
                 WHERE o.feed_id = ?1 AND o.identity = ?2",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO offers (public_id, feed_id, identity, content_hash, title, url,
                   employer, published_at, updated_at, sort_at, first_seen_at, last_seen_at,
                   changed_at, last_seen_attempt, data, source, valid_through)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, coalesce(?8, ?10), ?10, ?10, ?10,
                   ?11, ?12, ?13, ?14)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE offers SET status = 'open', closed_at = NULL, missed_fetches = 0,
                   closing_held = 0, last_seen_at = ?3, last_seen_attempt = ?4,
                   changed_at = CASE WHEN content_hash = ?5 THEN changed_at ELSE ?3 END,
                   content_hash = ?5, title = ?6, url = ?7, employer = ?8, published_at = ?9,
                   updated_at = ?10, data = ?11, source = ?12, valid_through = ?13
                 WHERE feed_id = ?1 AND identity = ?2",
            )?;
            for p in postings {
                if self.is_stopping() {
                    // Dropping the transaction rolls the fetch back whole.
                    return Err(StoreError::Stopping);
                }
                let o = &p.offer;
                let data = serde_json::to_string(o).unwrap_or_default();
                let published = o.published.map(rfc3339);
                let updated = o.updated.map(rfc3339);
                let valid_through = o.valid_through.map(rfc3339);
                let before: Option<(i64, String, bool)> = existing
                    .query_row(params![feed_id, p.identity, version], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .optional()?;
                match before {
                    None => {
                        insert.execute(params![
                            p.public_id,
                            feed_id,
                            p.identity,
                            p.content_hash,
                            o.title,
                            o.url,
                            o.employer,
                            published,
                            updated,
                            now,
                            attempt_id,
                            data,
                            p.source,
                            valid_through
                        ])?;
                        let id = tx.last_insert_rowid();
                        search::index_offer(&tx, id, o, false)?;
                        file_posting(&tx, &mut recent, id, &filing.features(o), &filing)?;
                        stats.new += 1;
                    }
                    Some((id, hash, stale_features)) => {
                        update.execute(params![
                            feed_id,
                            p.identity,
                            now,
                            attempt_id,
                            p.content_hash,
                            o.title,
                            o.url,
                            o.employer,
                            published,
                            updated,
                            data,
                            p.source,
                            valid_through
                        ])?;
                        if hash != p.content_hash || stale_features {
                            file_posting(&tx, &mut recent, id, &filing.features(o), &filing)?;
                        }
                        if hash == p.content_hash {
                            stats.unchanged += 1;
                        } else {
                            search::index_offer(&tx, id, o, true)?;
                            stats.updated += 1;
                        }
                    }
                }
            }
        }
        tx.execute(
            "UPDATE offers SET missed_fetches = missed_fetches + 1
             WHERE feed_id = ?1 AND status = 'open' AND last_seen_attempt IS NOT ?2",
            params![feed_id, attempt_id],
        )?;
        // Offers whose closing the last fetch held, and that this one lacks again: it agrees.
        // (Those it lists had their hold cleared above.)
        let confirmed = tx.execute(
            "UPDATE offers SET status = 'closed', closed_at = ?2, closing_held = 0
             WHERE feed_id = ?1 AND status = 'open' AND closing_held = 1",
            params![feed_id, now],
        )?;
        let due: usize = tx.query_row(
            "SELECT count(*) FROM offers
             WHERE feed_id = ?1 AND status = 'open' AND missed_fetches >= ?2",
            params![feed_id, close_after],
            |r| r.get(0),
        )?;
        if closing_is_suspicious(due, stats.open_before) {
            tx.execute(
                "UPDATE offers SET closing_held = 1
                 WHERE feed_id = ?1 AND status = 'open' AND missed_fetches >= ?2",
                params![feed_id, close_after],
            )?;
            tx.execute(
                "UPDATE feeds SET held_closing_at = ?2, held_closing_offers = ?3,
                   held_closing_open = ?4
                 WHERE id = ?1",
                params![feed_id, now, due, stats.open_before],
            )?;
            stats.held = due;
            stats.closed = confirmed;
        } else {
            stats.closed = confirmed
                + tx.execute(
                    "UPDATE offers SET status = 'closed', closed_at = ?2
                     WHERE feed_id = ?1 AND status = 'open' AND missed_fetches >= ?3",
                    params![feed_id, now, close_after],
                )?;
            tx.execute(
                "UPDATE feeds SET held_closing_at = NULL, held_closing_offers = NULL,
                   held_closing_open = NULL
                 WHERE id = ?1",
                [feed_id],
            )?;
        }
        stats.expired = expire(&tx, &now)?;
        tx.execute(
            "UPDATE fetch_attempts SET offers_new = ?2, offers_updated = ?3, offers_closed = ?4
             WHERE id = ?1",
            params![attempt_id, stats.new, stats.updated, stats.closed],
        )?;
        tx.execute(
            "UPDATE feeds SET last_attempt_at = ?2, last_success_at = ?2,
               last_status = ?3, last_error = NULL, consecutive_errors = 0,
               etag = ?4, last_modified = ?5, body_hash = ?6, offers_seen = ?7,
               effective_url = coalesce(?8, effective_url)
             WHERE id = ?1",
            params![
                feed_id,
                now,
                attempt.http_status,
                attempt.etag,
                attempt.last_modified,
                attempt.body_hash,
                postings.len(),
                attempt.moved_to
            ],
        )?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        if self.is_stopping() {
            return Err(StoreError::Stopping);
        }
        tx.commit()?;
        recent.committed();
        if stats.new + stats.updated + stats.closed > 0 {
            self.changed();
        }
        if recent.fold_due() {
            // The fetch is stored whatever happens here; keys not folded stay listed.
            let started = std::time::Instant::now();
            match self.fold(&mut conn, &mut recent) {
                Ok(n) => tracing::info!(
                    postings = n,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "blocking keys folded into dedup_keys"
                ),
                Err(e) => {
                    recent.fold_failed();
                    tracing::warn!(
                        error = %e,
                        "writing the blocking keys held in memory into dedup_keys failed; they stay listed, and the store tries again after a few more fetches"
                    );
                }
            }
        }
        Ok(stats)
    }

    /// Records a fetch that found nothing new (304, or a body identical to the last one).
    /// No offer is touched.
    pub fn record_not_modified(&self, feed_id: &str, attempt: &Attempt) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        insert_attempt(&tx, feed_id, attempt, "not_modified", None)?;
        let now = rfc3339(attempt.finished_at);
        tx.execute(
            "UPDATE feeds SET last_attempt_at = ?2, last_success_at = ?2,
               last_status = ?3, last_error = NULL, consecutive_errors = 0,
               etag = coalesce(?4, etag), last_modified = coalesce(?5, last_modified),
               effective_url = coalesce(?6, effective_url)
             WHERE id = ?1",
            params![
                feed_id,
                now,
                attempt.http_status,
                attempt.etag,
                attempt.last_modified,
                attempt.moved_to
            ],
        )?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a failed fetch, with the backoff (or `gone` state) its plan says. Offers are
    /// never touched by a failure.
    pub fn record_failure(
        &self,
        feed_id: &str,
        attempt: &Attempt,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        insert_attempt(&tx, feed_id, attempt, "error", Some(error))?;
        tx.execute(
            "UPDATE feeds SET last_attempt_at = ?2, last_status = ?3, last_error = ?4,
               consecutive_errors = consecutive_errors + 1
             WHERE id = ?1",
            params![
                feed_id,
                rfc3339(attempt.finished_at),
                attempt.http_status,
                error
            ],
        )?;
        set_plan(&tx, feed_id, &attempt.plan)?;
        tx.commit()?;
        Ok(())
    }

    /// From now on no fetch is applied: one being applied is rolled back at its next posting
    /// (or before its commit) with [`StoreError::Stopping`]. Called once, at shutdown, so that
    /// the process stops within its deadline and says truly what was applied.
    pub fn stop_applying(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Applies fetches again after [`Store::stop_applying`] (a scheduler started again on the
    /// same store, in tests).
    pub fn resume_applying(&self) {
        self.stopping
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// True once [`Store::stop_applying`] was called.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Clears the started mark of a fetch that was stopped on purpose (at shutdown) before it
    /// was applied: the feed is simply due again, not suspected of having stopped the process.
    pub fn clear_fetch_started(&self, feed_id: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feeds SET fetch_started_at = NULL WHERE id = ?1",
            [feed_id],
        )?;
        Ok(())
    }

    /// Records that a fetch of `feed_id`, started at `started_at`, is about to parse and apply
    /// its body; recording its attempt (success, not modified or failure) clears the mark. A
    /// mark still there when the process starts is a fetch it stopped during
    /// ([`Store::unfinished_fetches`]).
    pub fn mark_fetch_started(
        &self,
        feed_id: &str,
        started_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feeds SET fetch_started_at = ?2 WHERE id = ?1",
            params![feed_id, rfc3339(started_at)],
        )?;
        Ok(())
    }

    /// Configured feeds whose last fetch started and never finished, with when it started.
    pub fn unfinished_fetches(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, fetch_started_at FROM feeds
             WHERE fetch_started_at IS NOT NULL AND in_config = 1 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, instant(&r.get::<_, String>(1)?)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remembers when the scheduler will next fetch a feed (shown in status).
    pub fn set_next_fetch(&self, feed_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feeds SET next_fetch_at = ?2 WHERE id = ?1",
            params![feed_id, rfc3339(at)],
        )?;
        Ok(())
    }

    /// Re-enables a feed: forgets its `gone` state, errors, backoff, partner floor and fetch
    /// memory (validators, body hash, effective URL), so that it is fetched from its configured
    /// URL at the next pass. Offers are kept. Returns false when no such feed is known.
    pub fn reset_feed(&self, feed_id: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE feeds SET state = 'active', consecutive_errors = 0, next_fetch_at = NULL,
               not_before = NULL, etag = NULL, last_modified = NULL, body_hash = NULL,
               effective_url = NULL
             WHERE id = ?1",
            [feed_id],
        )?;
        Ok(n > 0)
    }

    /// State and timing of every configured feed, as the last attempts left them.
    pub fn schedule_states(&self) -> Result<Vec<(String, ScheduleState)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, state, next_fetch_at, not_before FROM feeds WHERE in_config = 1",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ScheduleState {
                    state: state(&r.get::<_, String>(1)?),
                    next_fetch_at: r.get::<_, Option<String>>(2)?.as_deref().map(instant),
                    not_before: r.get::<_, Option<String>>(3)?.as_deref().map(instant),
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Open offers of configured feeds, newest first.
    pub fn open_offers(&self, limit: usize) -> Result<Vec<PublishedOffer>, StoreError> {
        let (offers, _) =
            self.query_offers(&OfferFilter::default(), Order::Published, limit, None)?;
        Ok(offers)
    }

    /// Every stored posting's public id with the public id of its cluster (for evaluation
    /// and tests).
    pub fn cluster_ids(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT o.public_id, coalesce(a.public_id, o.public_id) FROM offers o
             LEFT JOIN offers a ON a.id = o.cluster_id ORDER BY o.id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What the store knows of a feed's postings (identities and links), for
    /// [`crate::dedup::assign_identities`].
    pub fn known_postings(&self, feed_id: &str) -> Result<KnownPostings, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT identity, url FROM offers WHERE feed_id = ?1")?;
        let rows = stmt.query_map([feed_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(KnownPostings {
            postings: rows.collect::<Result<_, _>>()?,
        })
    }

    /// Expires open offers past their validThrough, then deletes closed and expired offers
    /// whose closing is older than `retention_days`, and fetch attempts started before then
    /// but the latest [`ATTEMPTS_KEPT`] of each feed, in one transaction. Clusters that lose a
    /// posting are regrouped.
    pub fn purge(&self, now: DateTime<Utc>, retention_days: u32) -> Result<PurgeStats, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        recent.ready(&tx)?;
        let expired = expire(&tx, &rfc3339(now))?;
        let cutoff = rfc3339(now - chrono::Duration::days(i64::from(retention_days)));
        let doomed: Vec<(i64, Option<i64>, Option<Vec<u8>>)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT o.id, o.cluster_id, f.features
                 FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
                 WHERE o.status <> 'open' AND o.closed_at < ?1",
            )?;
            let rows = stmt.query_map([&cutoff], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut touched = BTreeSet::new();
        for (id, cluster, features) in &doomed {
            if let Some(f) = features.as_deref().and_then(similar::decode) {
                recent.remove(&tx, *id, &similar::keys(&f))?;
            }
            tx.execute("DELETE FROM offers WHERE id = ?1", [id])?;
            if let Some(c) = cluster {
                touched.insert(*c);
            }
        }
        for c in touched {
            let members = cluster_members(&tx, c, None, None)?;
            regroup(&tx, &members)?;
        }
        // No row refers to an attempt by key (offers.last_seen_attempt is only compared with
        // the attempt being applied), and each feed's latest attempts stay, so ids are not
        // reused.
        let attempts = tx.execute(
            "DELETE FROM fetch_attempts WHERE id IN (
               SELECT id FROM (
                 SELECT id, started_at, row_number() OVER (
                   PARTITION BY feed_id ORDER BY started_at DESC, id DESC) AS latest
                 FROM fetch_attempts)
               WHERE latest > ?2 AND started_at < ?1)",
            params![cutoff, ATTEMPTS_KEPT as i64],
        )?;
        tx.commit()?;
        recent.committed();
        Ok(PurgeStats {
            expired,
            deleted: doomed.len(),
            attempts,
        })
    }

    /// Loads postings in bulk, as new open offers of `feed_id` seen at `at`: the same rows,
    /// search index, features and blocking keys as [`Store::record_success`], in one
    /// transaction, but each posting is its own cluster (no candidate lookup). For benchmarks
    /// and imports; a posting whose identity is already stored is skipped.
    pub fn bulk_load(
        &self,
        feed_id: &str,
        postings: &[Posting],
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        // A large page cache while loading; back to the usual one after.
        conn.pragma_update(None, "cache_size", -1_048_576)?;
        let tx = conn.transaction()?;
        let now = rfc3339(at);
        let mut loaded = 0;
        let mut keys: Vec<(i64, i64)> = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO offers (public_id, feed_id, identity, content_hash, title,
                   url, employer, published_at, sort_at, first_seen_at, last_seen_at, changed_at,
                   data, source, valid_through)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?8, ?9), ?9, ?9, ?9, ?10, ?11,
                   ?12)",
            )?;
            let mut cluster =
                tx.prepare_cached("UPDATE offers SET cluster_id = id WHERE id = ?1")?;
            let mut features = tx.prepare_cached(
                "INSERT INTO dedup_features (offer_id, features) VALUES (?1, ?2)",
            )?;
            for p in postings {
                let o = &p.offer;
                let f = similar::features(o);
                let n = insert.execute(params![
                    p.public_id,
                    feed_id,
                    p.identity,
                    p.content_hash,
                    o.title,
                    o.url,
                    o.employer,
                    o.published.map(rfc3339),
                    now,
                    serde_json::to_string(o).unwrap_or_default(),
                    p.source,
                    o.valid_through.map(rfc3339)
                ])?;
                if n == 0 {
                    continue;
                }
                let id = tx.last_insert_rowid();
                cluster.execute([id])?;
                features.execute(params![id, similar::encode(&f)])?;
                search::index_offer(&tx, id, o, false)?;
                keys.extend(similar::keys(&f).into_iter().map(|k| (k, id)));
                loaded += 1;
            }
            // In a scattered (but deterministic) order, as postings filed one by one write
            // them: sorted keys would leave every index page full, and the first postings
            // filed afterwards would split a page each, which a database grown by fetches
            // does not do.
            keys.sort_unstable_by_key(|&(k, id)| {
                (k ^ id.rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15_u64 as i64)
            });
            let mut key = tx.prepare_cached(
                "INSERT OR IGNORE INTO dedup_keys (key, offer_id) VALUES (?1, ?2)",
            )?;
            for (k, id) in &keys {
                key.execute(params![k, id])?;
            }
        }
        // Other connections read their key filter again.
        tx.execute("UPDATE dedup_folds SET folds = folds + 1", [])?;
        tx.commit()?;
        self.recent().table_written();
        conn.pragma_update(None, "cache_size", PAGE_CACHE_KIB)?;
        Ok(loaded)
    }

    /// Every configured feed with its state.
    pub fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT f.id, f.name, f.network, f.url, f.effective_url, f.enabled, f.state,
               f.last_attempt_at, f.last_success_at, f.last_status, f.last_error,
               f.consecutive_errors, f.next_fetch_at, f.offers_seen,
               (SELECT count(*) FROM offers o WHERE o.feed_id = f.id AND o.status = 'open'),
               f.not_before, f.etag, f.last_modified, f.held_closing_at, f.held_closing_offers,
               f.held_closing_open
             FROM feeds f WHERE f.in_config = 1 ORDER BY f.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FeedStatus {
                id: r.get(0)?,
                name: r.get(1)?,
                network: r.get(2)?,
                url: r.get(3)?,
                effective_url: r.get(4)?,
                enabled: r.get(5)?,
                state: r.get(6)?,
                last_attempt_at: r.get(7)?,
                last_success_at: r.get(8)?,
                last_status: r.get(9)?,
                last_error: r.get(10)?,
                consecutive_errors: r.get(11)?,
                next_fetch_at: r.get(12)?,
                offers_seen: r.get(13)?,
                open_offers: r.get(14)?,
                not_before: r.get(15)?,
                etag: r.get(16)?,
                last_modified: r.get(17)?,
                held_closing: match r.get::<_, Option<String>>(18)? {
                    Some(at) => Some(HeldClosing {
                        at,
                        offers: r.get::<_, Option<usize>>(19)?.unwrap_or_default(),
                        open: r.get::<_, Option<usize>>(20)?.unwrap_or_default(),
                    }),
                    None => None,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of fetch attempts recorded for a feed, by outcome (for tests and status).
    pub fn attempts(&self, feed_id: &str) -> Result<Vec<(String, Option<String>)>, StoreError> {
        Ok(self
            .attempt_log(feed_id)?
            .into_iter()
            .map(|a| (a.outcome, a.error))
            .collect())
    }

    /// Every fetch attempt of a feed, oldest first.
    pub fn attempt_log(&self, feed_id: &str) -> Result<Vec<AttemptRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT started_at, finished_at, outcome, http_status, error, next_fetch_at
             FROM fetch_attempts WHERE feed_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([feed_id], |r| {
            Ok(AttemptRow {
                started_at: instant(&r.get::<_, String>(0)?),
                finished_at: instant(&r.get::<_, String>(1)?),
                outcome: r.get(2)?,
                http_status: r.get(3)?,
                error: r.get(4)?,
                next_fetch_at: r.get::<_, Option<String>>(5)?.as_deref().map(instant),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Where each offer of a feed stands (no content), by public id.
    pub fn offer_marks(&self, feed_id: &str) -> Result<Vec<OfferMark>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT public_id, status, last_seen_at, last_seen_attempt, missed_fetches
             FROM offers WHERE feed_id = ?1 ORDER BY public_id",
        )?;
        let rows = stmt.query_map([feed_id], |r| {
            Ok(OfferMark {
                public_id: r.get(0)?,
                status: r.get(1)?,
                last_seen_at: r.get(2)?,
                last_seen_attempt: r.get(3)?,
                missed_fetches: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Writes the plan an attempt decided: state, next fetch and partner floor. Every attempt
/// recorded ends the fetch: its started mark is cleared.
fn set_plan(tx: &Transaction<'_>, feed_id: &str, plan: &Plan) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE feeds SET state = ?2, next_fetch_at = ?3, not_before = ?4,
           fetch_started_at = NULL
         WHERE id = ?1",
        params![
            feed_id,
            plan.state.as_str(),
            plan.next_fetch_at.map(rfc3339),
            plan.not_before.map(rfc3339)
        ],
    )?;
    Ok(())
}

/// A stored state; an unknown value (written by a newer essaim) reads as active.
fn state(text: &str) -> FeedState {
    text.parse().unwrap_or_default()
}

fn insert_attempt(
    tx: &Transaction<'_>,
    feed_id: &str,
    a: &Attempt,
    outcome: &str,
    error: Option<&str>,
) -> Result<i64, StoreError> {
    let warnings = serde_json::to_string(&a.warnings).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO fetch_attempts (feed_id, started_at, finished_at, outcome, http_status,
           error, items_found, warnings, next_fetch_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            feed_id,
            rfc3339(a.started_at),
            rfc3339(a.finished_at),
            outcome,
            a.http_status,
            error,
            a.items_found,
            warnings,
            a.plan.next_fetch_at.map(rfc3339)
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Expires the open offers past their validThrough; returns how many.
fn expire(tx: &Transaction<'_>, now: &str) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE offers INDEXED BY offers_expiry SET status = 'expired', closed_at = ?1
         WHERE status = 'open' AND valid_through IS NOT NULL AND valid_through < ?1",
        [now],
    )?)
}

/// The published item of a cluster: None when none of its postings is open on a configured
/// feed any more.
fn published_cluster(
    conn: &Connection,
    cluster: i64,
) -> Result<Option<PublishedOffer>, StoreError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT o.id, o.public_id, o.feed_id, f.name, f.network, o.status = 'open' AND f.in_config = 1,
           o.first_seen_at, o.changed_at, o.data
         FROM offers o JOIN feeds f ON f.id = o.feed_id
         WHERE o.cluster_id = ?1 OR o.id = ?1
         ORDER BY o.id LIMIT ",
        cluster_read_limit!()
    ))?;
    let mut rows = stmt.query(params![cluster])?;
    let mut id = None;
    let mut first_seen: Option<DateTime<Utc>> = None;
    let mut changed: Option<DateTime<Utc>> = None;
    let mut best: Option<(usize, String, String)> = None;
    let mut open = Vec::new();
    let mut sources = Vec::new();
    while let Some(r) = rows.next()? {
        let row_id: i64 = r.get(0)?;
        let public_id: String = r.get(1)?;
        if row_id == cluster || id.is_none() {
            id = Some(public_id.clone());
        }
        let seen = instant(&r.get::<_, String>(6)?);
        first_seen = Some(first_seen.map_or(seen, |f| f.min(seen)));
        if !r.get::<_, bool>(5)? {
            continue;
        }
        let feed: String = r.get(2)?;
        let feed_name: String = r.get(3)?;
        let network: String = r.get(4)?;
        let data: String = r.get(8)?;
        let offer: Offer = serde_json::from_str(&data).map_err(|source| StoreError::Corrupt {
            public_id: public_id.clone(),
            source,
        })?;
        let c = instant(&r.get::<_, String>(7)?);
        changed = Some(changed.map_or(c, |x| x.max(c)));
        sources.push(Source {
            id: public_id,
            feed,
            feed_name: feed_name.clone(),
            network: network.clone(),
            reference: offer.reference.clone(),
            url: offer.url.clone(),
        });
        let rich = similar::richness(&offer);
        if best.as_ref().is_none_or(|(b, ..)| rich > *b) {
            best = Some((rich, network, feed_name));
        }
        open.push(offer);
    }
    let (Some(id), Some(first_seen), Some(changed), Some((_, network, feed_name)), Some(offer)) =
        (id, first_seen, changed, best, similar::merged(open))
    else {
        return Ok(None);
    };
    Ok(Some(PublishedOffer {
        id,
        network,
        feed_name,
        first_seen,
        changed,
        offer,
        sources,
    }))
}

/// Files a posting for deduplication: stores its features and blocking keys (replacing the
/// old ones), takes it out of its cluster (which splits if it held it together), then joins
/// it to the clusters of the candidates it matches (see `similar::plan_join`). Does nothing
/// when its features are unchanged.
/// The fetch whose postings are being filed: its feed, and the identities it publishes now.
/// Two postings of one feed published at once are two jobs (their features share a
/// [`similar::slot`]); a posting of the feed that this fetch no longer publishes may be the
/// same job under a new reference.
struct Filing<'a> {
    feed: &'a str,
    current: HashSet<&'a str>,
}

impl Filing<'_> {
    /// The features of a posting of this fetch.
    fn features(&self, o: &crate::model::Offer) -> Features {
        let mut f = similar::features(o);
        f.slot = Some(similar::slot(self.feed));
        f
    }

    /// The slot of another stored posting: its feed's when that feed publishes it now (for
    /// this fetch's feed, when this fetch does; for another feed, when it is open).
    fn slot_of(filing: Option<&Self>, feed: &str, identity: &str, open: bool) -> Option<u64> {
        let now = match filing {
            Some(f) if f.feed == feed => f.current.contains(identity),
            _ => open,
        };
        now.then(|| similar::slot(feed))
    }
}

fn file_posting(
    tx: &Transaction<'_>,
    recent: &mut keys::RecentKeys,
    id: i64,
    features: &Features,
    filing: &Filing<'_>,
) -> Result<(), StoreError> {
    let bytes = similar::encode(features);
    let old: Option<Option<Vec<u8>>> = tx
        .prepare_cached("SELECT features FROM dedup_features WHERE offer_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let old = old.flatten();
    if old.as_deref() == Some(bytes.as_slice()) {
        return Ok(());
    }
    if let Some(f) = old.as_deref().and_then(similar::decode) {
        recent.remove(tx, id, &similar::keys(&f))?;
    }
    // Leave the current cluster; what remains is regrouped.
    let cluster: Option<i64> = tx
        .prepare_cached("SELECT cluster_id FROM offers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    tx.prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE id = ?1")?
        .execute([id])?;
    tx.prepare_cached(
        "INSERT INTO dedup_features (offer_id, features) VALUES (?1, ?2)
         ON CONFLICT (offer_id) DO UPDATE SET features = excluded.features",
    )?
    .execute(params![id, bytes])?;
    if let Some(c) = cluster {
        let rest = cluster_members(tx, c, Some(id), Some(filing))?;
        if !rest.is_empty() {
            regroup(tx, &rest)?;
        }
    }
    // Candidates: postings sharing a key, newest first, a bounded number per key (from
    // dedup_keys, index reads only, and from the keys not yet folded into it); then the ones
    // sharing the most keys are read, a bounded number.
    let keys = similar::keys(features);
    let mut shared: BTreeMap<i64, u32> = BTreeMap::new();
    let mut sharing: Vec<i64> = Vec::with_capacity(2 * similar::CANDIDATES_PER_KEY);
    for k in &keys {
        recent.newest(tx, *k, &mut sharing)?;
        for &other in &sharing {
            if other != id {
                *shared.entry(other).or_default() += 1;
            }
        }
    }
    recent.add(tx, id, &keys)?;
    let mut ranked: Vec<(u32, i64)> = shared.into_iter().map(|(o, n)| (n, o)).collect();
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    let candidates = ranked
        .into_iter()
        .take(similar::CANDIDATES_READ)
        .map(|(_, o)| o);
    // The clusters of the candidates that are the same job, with their best score (the
    // cluster is read only for those: most candidates are not).
    let mut best: BTreeMap<i64, f64> = BTreeMap::new();
    for other in candidates {
        let Some(f) = recent.candidate(tx, other)? else {
            continue;
        };
        let Some(score) = similar::same_job(features, f) else {
            continue;
        };
        // Another posting of this fetch (two references published at once) is another job.
        let published: Option<(String, String, bool)> = tx
            .prepare_cached("SELECT feed_id, identity, status = 'open' FROM offers WHERE id = ?1")?
            .query_row([other], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((feed, identity, open)) = &published {
            if Filing::slot_of(Some(filing), feed, identity, *open) == features.slot {
                continue;
            }
        }
        // Through the index (id, cluster_id): in the row, cluster_id sits behind the JSON,
        // on overflow pages.
        let cluster: Option<i64> = tx
            .prepare_cached(
                "SELECT coalesce(cluster_id, id) FROM offers INDEXED BY offers_dedup WHERE id = ?1",
            )?
            .query_row([other], |r| r.get(0))
            .optional()?;
        if let Some(c) = cluster {
            let e = best.entry(c).or_insert(score);
            *e = e.max(score);
        }
    }
    if best.is_empty() {
        return Ok(());
    }
    let mut loaded: Vec<(i64, f64, Members)> = Vec::new();
    for (c, score) in best {
        loaded.push((c, score, cluster_members(tx, c, Some(id), Some(filing))?));
    }
    let matches: Vec<(f64, Vec<&Features>)> = loaded
        .iter()
        .map(|(_, s, m)| (*s, m.iter().map(|(_, f)| f).collect()))
        .collect();
    let plan = similar::plan_join(features, &matches);
    // Postings shown to be ambiguous stand alone; the rest of their cluster is regrouped.
    for (i, (_, _, members)) in loaded.iter().enumerate() {
        let gone: Vec<i64> = plan
            .detach
            .iter()
            .filter(|(c, _)| *c == i)
            .filter_map(|&(_, k)| members.get(k).map(|m| m.0))
            .collect();
        if gone.is_empty() {
            continue;
        }
        let mut alone = tx.prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE id = ?1")?;
        for g in &gone {
            alone.execute([g])?;
        }
        let rest: Members = members
            .iter()
            .filter(|m| !gone.contains(&m.0))
            .cloned()
            .collect();
        regroup(tx, &rest)?;
    }
    let chosen = plan.join;
    let anchor = chosen
        .iter()
        .map(|&i| loaded[i].0)
        .chain([id])
        .min()
        .unwrap_or(id);
    let mut set = tx.prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE cluster_id = ?2")?;
    for &i in &chosen {
        set.execute(params![anchor, loaded[i].0])?;
    }
    tx.prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE id = ?2")?
        .execute(params![anchor, id])?;
    Ok(())
}

/// Postings with their features, in id order.
type Members = Vec<(i64, Features)>;

/// The postings of a cluster (but `except`), in id order, with their features (default
/// features, which match nothing, when they have none) and their slot as `filing` sees it.
fn cluster_members(
    tx: &Transaction<'_>,
    cluster: i64,
    except: Option<i64>,
    filing: Option<&Filing<'_>>,
) -> Result<Members, StoreError> {
    let mut stmt = tx.prepare_cached(concat!(
        "SELECT o.id, f.features, o.feed_id, o.identity, o.status = 'open'
         FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
         WHERE o.cluster_id = ?1 AND o.id IS NOT ?2 ORDER BY o.id LIMIT ",
        cluster_read_limit!()
    ))?;
    let rows = stmt.query_map(params![cluster, except], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<Vec<u8>>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (id, b, feed, identity, open) = r?;
        let mut f = b.as_deref().and_then(similar::decode).unwrap_or_default();
        f.slot = Filing::slot_of(filing, &feed, &identity, open);
        out.push((id, f));
    }
    Ok(out)
}

/// Regroups postings (in id order) into clusters from scratch; each takes the id of its
/// cluster's first posting.
fn regroup(tx: &Transaction<'_>, members: &[(i64, Features)]) -> Result<(), StoreError> {
    let features: Vec<&Features> = members.iter().map(|(_, f)| f).collect();
    let labels = similar::components(&features);
    let mut set = tx.prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE id = ?2")?;
    for (i, (id, _)) in members.iter().enumerate() {
        let anchor = members.get(labels[i]).map_or(*id, |m| m.0);
        set.execute(params![anchor, id])?;
    }
    Ok(())
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_with(conn, MIGRATIONS)
}

/// Brings the database to the last of `migrations` (the schema's, but for tests).
fn migrate_with(
    conn: &mut Connection,
    migrations: &[(&'static str, &str)],
) -> Result<(), StoreError> {
    let known = migrations.len() as i64;
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StoreError::Sql)?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    if found == known {
        return Ok(());
    }
    if found > 0 {
        tracing::info!(
            from = found,
            to = known,
            "upgrading the database schema; a large database may take minutes \
             (about 80 s for a million offers)"
        );
    }
    // Foreign keys are off while migrations run, as SQLite advises for a migration that
    // rebuilds a table (dropping the old one would otherwise run the ON DELETE CASCADE of
    // the rows pointing to it), and each migration checks them before it commits. The
    // setting cannot change inside a transaction, hence here.
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply_migrations(conn, migrations, found as usize);
    if enforced {
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    applied
}

/// Applies `migrations` from the `from`th on, each in a transaction of its own that leaves
/// the database as it was should the migration fail or break a foreign key.
fn apply_migrations(
    conn: &mut Connection,
    migrations: &[(&'static str, &str)],
    from: usize,
) -> Result<(), StoreError> {
    for (i, (name, sql)) in migrations.iter().enumerate().skip(from) {
        let started = std::time::Instant::now();
        let failed = |source| StoreError::Migration { name, source };
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(sql)
            .and_then(|_| tx.pragma_update(None, "user_version", i as i64 + 1))
            .map_err(failed)?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(failed)?;
        if let Some(table) = broken {
            // Dropping the transaction rolls the migration back.
            return Err(StoreError::MigrationForeignKeys { name, table });
        }
        tx.commit().map_err(failed)?;
        if from > 0 {
            tracing::info!(
                migration = name,
                seconds = started.elapsed().as_secs_f64(),
                "database schema upgraded"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A migration that would leave rows pointing nowhere (here, offers of a feed it drops,
    /// run with foreign keys off as every migration is) fails with a message naming the
    /// table, and the database is left as it was.
    #[test]
    fn a_migration_that_breaks_a_foreign_key_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO feeds (id, name, network, url) VALUES ('a', 'A', 'N', 'a.xml');
             INSERT INTO offers (public_id, feed_id, identity, content_hash, title, sort_at,
               first_seen_at, last_seen_at, changed_at, data, source)
             VALUES ('p', 'a', 'ref:1', '', 'Comptable', '', '', '', '', '{}', 'null');",
        )
        .unwrap();
        let mut broken = MIGRATIONS.to_vec();
        broken.push(("0099_drop_feed.sql", "DELETE FROM feeds WHERE id = 'a';"));
        let error = migrate_with(&mut conn, &broken).unwrap_err();
        assert!(
            matches!(&error, StoreError::MigrationForeignKeys { name: "0099_drop_feed.sql", table }
                if table == "offers"),
            "{error}"
        );
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM feeds"), 1);
        assert_eq!(count("SELECT count(*) FROM offers"), 1);
        assert_eq!(count("PRAGMA user_version"), MIGRATIONS.len() as i64);
        assert_eq!(count("PRAGMA foreign_keys"), 1, "enforced again");
    }

    #[test]
    fn a_version_1_database_is_migrated_and_keeps_its_feeds() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO feeds (id, name, network, url, state, consecutive_errors)
             VALUES ('a', 'A', 'N', 'https://a.example/rss', 'backing_off', 3)",
            [],
        )
        .unwrap();
        let store = Store::setup(conn, ":memory:").unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let states = store.schedule_states().unwrap();
        assert_eq!(states[0].0, "a");
        assert_eq!(states[0].1.state, FeedState::BackingOff);
        assert_eq!(states[0].1.not_before, None);
        let memory = store.fetch_memory("a").unwrap();
        assert_eq!(memory.consecutive_errors, 3);
    }

    /// The checkpointing thread copies what the writer commits into the database file: once
    /// it has run, the file alone (without its write-ahead log, as a backup tool that ignores
    /// the log would copy it) holds the commits. Closing the store stops the thread.
    #[test]
    fn the_checkpointing_thread_copies_commits_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("essaim.db");
        let toml = "[[feed]]\nid = \"cress-bretagne\"\nname = \"CRESS Bretagne\"\n\
                    network = \"CRESS\"\nurl = \"a.xml\"\n";
        let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
        let store = Store::open(&path).unwrap();
        assert!(store.checkpointer.is_some());
        store.sync_feeds(&config.feeds).unwrap();
        store.wait_for_checkpoint();
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let feeds: i64 = Connection::open(&copy)
            .unwrap()
            .query_row("SELECT count(*) FROM feeds", [], |r| r.get(0))
            .unwrap();
        assert_eq!(feeds, 1);
        // Closed, the store leaves the database file alone: the log is copied and deleted.
        drop(store);
        assert!(path.exists());
        assert!(!dir.path().join("essaim.db-wal").exists());
    }

    /// A store that only read (a command such as `essaim feeds`) leaves the database file
    /// alone when closed, as one that wrote does: the log of its migrations is copied into
    /// the file and deleted.
    #[test]
    fn a_closed_store_leaves_no_log_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("essaim.db");
        let store = Store::open(&path).unwrap();
        assert!(store.feed_statuses().unwrap().is_empty());
        assert!(dir.path().join("essaim.db-wal").exists());
        drop(store);
        assert!(!dir.path().join("essaim.db-wal").exists());
        let version: i64 = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    /// A read-only open reads what is there (even without the write-ahead index, as in a
    /// read-only directory, through an immutable open), writes nothing, and refuses a
    /// database it would have to create or upgrade.
    #[test]
    fn a_read_only_open_reads_and_never_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("essaim.db");
        let missing = Store::open_read_only(&path).err().unwrap();
        assert!(
            missing.to_string().contains("no database there yet"),
            "{missing}"
        );
        assert!(!path.exists());
        let toml = "[[feed]]\nid = \"cress-bretagne\"\nname = \"CRESS Bretagne\"\n\
                    network = \"CRESS\"\nurl = \"a.xml\"\n";
        let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
        let store = Store::open(&path).unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        drop(store);
        assert!(!dir.path().join("essaim.db-shm").exists());
        let reader = Store::open_read_only(&path).unwrap();
        let feeds = reader.feed_statuses().unwrap();
        assert_eq!(feeds.len(), 1);
        assert_eq!(feeds[0].id, "cress-bretagne");
        assert!(reader.sync_feeds(&[]).is_err(), "a read-only store wrote");
        drop(reader);
        assert_eq!(
            Store::open(&path).unwrap().feed_statuses().unwrap().len(),
            1
        );
        // An older schema is not upgraded by a reader.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        drop(conn);
        let old = Store::open_read_only(&path).err().unwrap();
        assert!(old.to_string().contains("needs an upgrade"), "{old}");
    }

    /// A database of version 4 kept its keys in dedup_keys, 16 bands' worth: version 5 drops
    /// them and lists every posting, whose keys are then derived afresh; a new posting of the
    /// same job still joins the stored one.
    #[test]
    fn version_5_lists_every_stored_posting_for_its_keys() {
        upgrade_from(4);
    }

    /// A database of version 5 kept the features in offers: version 6 moves them into a
    /// table of their own, where a new posting of the same job finds them.
    #[test]
    fn version_6_moves_the_features_into_their_table() {
        upgrade_from(5);
    }

    /// A database of version 6 had a unique index of public ids: version 7 rebuilds the
    /// offers table with an index in buckets of ids instead, and loses nothing (the features
    /// pointing to the offers survive the old table's drop, search and lookups still work).
    #[test]
    fn version_7_rebuilds_the_offers_with_public_ids_in_buckets() {
        upgrade_from(6);
    }

    /// Version 8 adds the held closings to a database of version 7; its offers hold none.
    #[test]
    fn version_8_adds_held_closings() {
        upgrade_from(7);
    }

    /// An offer is found by its public id whatever bucket of 16,384 ids it falls in, the
    /// first, a middle one or the last.
    #[test]
    fn offers_are_found_by_public_id_in_every_bucket() {
        let store = memory_store(&["a", "b", "c"]);
        let attempt = attempt_at("2026-11-20T10:00:00Z");
        let mut postings = Vec::new();
        for (feed, gap) in [("a", None), ("b", Some(20_000)), ("c", Some(40_000))] {
            if let Some(id) = gap {
                // A closed offer at `id`, so that the next one is filed in a later bucket.
                store
                    .conn()
                    .execute(
                        "INSERT INTO offers (id, public_id, feed_id, identity, content_hash,
                           status, title, sort_at, first_seen_at, last_seen_at, changed_at,
                           data, source)
                         VALUES (?1, 'closed-' || ?1, 'a', 'ref:gap-' || ?1, '', 'closed',
                           'Comptable', '', '', '', '', '{}', 'null')",
                        [id],
                    )
                    .unwrap();
            }
            let p = cress_posting(feed);
            store
                .record_success(feed, &attempt, std::slice::from_ref(&p), 2)
                .unwrap();
            postings.push(p);
        }
        let ids: Vec<i64> = column(
            &store.conn(),
            "SELECT id >> 14 FROM offers WHERE status = 'open' ORDER BY id",
        );
        assert_eq!(ids, [0, 1, 2]);
        for p in &postings {
            let found = store.offer_by_id(&p.public_id).unwrap();
            let found = found.unwrap_or_else(|| panic!("{} not found", p.public_id));
            // One job on three feeds: any posting's id finds it, under its first posting's id.
            assert_eq!(found.id, postings[0].public_id);
            assert_eq!(found.sources.len(), 3);
        }
        assert!(store.offer_by_id("closed-20000").unwrap().is_none());
        assert!(store
            .offer_by_id("00000000-0000-5000-8000-000000000000")
            .unwrap()
            .is_none());
    }

    /// A store in memory with feeds named `feeds`, of one network.
    fn memory_store(feeds: &[&str]) -> Store {
        let mut toml = String::new();
        for feed in feeds {
            toml.push_str(&format!(
                "[[feed]]\nid = \"{feed}\"\nname = \"{feed}\"\nnetwork = \"N\"\nurl = \"{feed}.xml\"\n\n"
            ));
        }
        let config = crate::config::parse(&toml, std::path::Path::new("feeds.toml")).unwrap();
        let store = Store::open_in_memory().unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        store
    }

    /// A successful fetch's attempt, at `at` (RFC 3339).
    fn attempt_at(at: &str) -> Attempt {
        let at: DateTime<Utc> = at.parse().unwrap();
        Attempt {
            started_at: at,
            finished_at: at,
            ..Default::default()
        }
    }

    /// The first column of every row `sql` reads.
    fn column<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> Vec<T> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A posting of the CRESS Bretagne's job offer on feed `feed`.
    fn cress_posting(feed: &str) -> Posting {
        use crate::model::{Contract, Location, Offer, Place};
        let o = Offer {
            feed_id: feed.into(),
            reference: Some("1".into()),
            title: "Chargée de mission économie sociale et solidaire".into(),
            employer: Some("Chambre régionale de l'ESS Bretagne".into()),
            location: Location {
                place: Place {
                    commune: Some("Rennes".into()),
                    department: Some("35".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            contract: Some(Contract::Cdi),
            description_text: "La CRESS Bretagne recrute une chargée de mission pour animer le \
                réseau des acteurs de l'économie sociale et solidaire, accompagner les porteurs \
                de projets et organiser le mois de l'ESS sur le territoire breton."
                .into(),
            ..Default::default()
        };
        let identity = crate::dedup::identity(&o);
        Posting {
            public_id: crate::dedup::public_id(&o.feed_id, &identity),
            content_hash: crate::dedup::content_hash(&o),
            identity,
            offer: o,
            source: "null".into(),
        }
    }

    /// A fold commits more pages than the writer's bound on the log: it leaves them to the
    /// checkpointing thread, and puts the bound back. (That the fetch does not wait for them
    /// is measured by `benches/dedup_insert.rs`, not here.) The thread copies them into the
    /// database file.
    #[test]
    fn a_fold_leaves_its_pages_to_the_checkpointing_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("essaim.db");
        let toml = "[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\n";
        let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
        let store = Store::open(&path).unwrap();
        store.sync_feeds(&config.feeds).unwrap();
        let attempt = attempt_at("2026-11-20T10:00:00Z");
        store
            .record_success("a", &attempt, &[cress_posting("a")], 2)
            .unwrap();
        assert_eq!(store.fold_dedup_keys().unwrap(), 1);
        let bound: i64 = store
            .conn()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bound, WAL_CHECKPOINT_PAGES);
        store.wait_for_checkpoint();
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let keys = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM dedup_keys", [], |r| r.get(0))
                .unwrap()
        };
        let folded = keys(&store.conn());
        assert!(folded > 0);
        assert_eq!(keys(&Connection::open(&copy).unwrap()), folded);
    }

    /// Postings listed beyond a fold's worth (an upgrade to version 5 lists them all) are
    /// folded in chunks, lowest ids first, until at most a chunk stays listed; lookups then
    /// find every posting, from the table or from memory. (The store does this when it opens,
    /// with chunks of `keys::FOLD_MAX`.)
    #[test]
    fn postings_listed_beyond_a_fold_are_folded_in_chunks() {
        let store = memory_store(&["a", "b", "c", "d", "e"]);
        store.set_key_fold_threshold(1000);
        let attempt = attempt_at("2026-11-20T10:00:00Z");
        for feed in ["a", "b", "c", "d", "e"] {
            store
                .record_success(feed, &attempt, &[cress_posting(feed)], 2)
                .unwrap();
        }
        assert_eq!(store.dedup_keys_pending().unwrap(), 5);
        let mut conn = store.conn();
        assert_eq!(keys::catch_up(&mut conn, 2).unwrap(), 4);
        let in_table: Vec<i64> = column(
            &conn,
            "SELECT DISTINCT offer_id FROM dedup_keys ORDER BY offer_id",
        );
        let ids: Vec<i64> = column(&conn, "SELECT id FROM offers ORDER BY id");
        assert_eq!(in_table, ids[..4]);
        let features: Vec<u8> = conn
            .query_row(
                "SELECT features FROM dedup_features WHERE offer_id = ?1",
                [ids[0]],
                |r| r.get(0),
            )
            .unwrap();
        let key = similar::keys(&similar::decode(&features).unwrap())[0];
        let mut recent = store.recent();
        // As at opening, where nothing is held yet: what is in memory is read afresh.
        recent.table_written();
        let tx = conn.transaction().unwrap();
        recent.ready(&tx).unwrap();
        assert_eq!(recent.listed(), 1);
        let mut found = Vec::new();
        recent.newest(&tx, key, &mut found).unwrap();
        found.sort_unstable();
        assert_eq!(found, ids);
    }

    /// Files a posting, folds its keys, takes the database back to `version` (as that version
    /// of essaim left it) and opens it again.
    fn upgrade_from(version: i64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("essaim.db");
        let toml = "[[feed]]\nid = \"a\"\nname = \"A\"\nnetwork = \"N\"\nurl = \"a.xml\"\n\n\
                    [[feed]]\nid = \"b\"\nname = \"B\"\nnetwork = \"M\"\nurl = \"b.xml\"\n";
        let config = crate::config::parse(toml, &dir.path().join("feeds.toml")).unwrap();
        let attempt = attempt_at("2026-11-20T10:00:00Z");
        {
            let store = Store::open(&path).unwrap();
            store.sync_feeds(&config.feeds).unwrap();
            store
                .record_success("a", &attempt, &[cress_posting("a")], 2)
                .unwrap();
            assert_eq!(store.fold_dedup_keys().unwrap(), 1);
        }
        let conn = Connection::open(&path).unwrap();
        // Back to version 7: no fetch started mark, no held closings.
        conn.execute_batch(
            "ALTER TABLE feeds DROP COLUMN fetch_started_at;
             ALTER TABLE offers DROP COLUMN closing_held;
             ALTER TABLE feeds DROP COLUMN held_closing_at;
             ALTER TABLE feeds DROP COLUMN held_closing_offers;
             ALTER TABLE feeds DROP COLUMN held_closing_open;
             PRAGMA user_version = 7;",
        )
        .unwrap();
        // Back to version 6: the table is rebuilt again whatever its index of public ids.
        if version <= 6 {
            conn.execute_batch("DROP INDEX offers_public; PRAGMA user_version = 6;")
                .unwrap();
        }
        // Back to version 5: the features in offers, read through an index.
        if version <= 5 {
            conn.execute_batch(
                "DROP INDEX offers_dedup;
             ALTER TABLE offers ADD COLUMN dedup_features BLOB;
             UPDATE offers SET dedup_features =
               (SELECT features FROM dedup_features WHERE offer_id = offers.id);
             DROP TABLE dedup_features;
             CREATE INDEX offers_dedup ON offers(id, cluster_id, dedup_features);
             PRAGMA user_version = 5;",
            )
            .unwrap();
        }
        if version == 4 {
            // Keys in the table (and one of another scheme), nothing listed.
            conn.execute_batch(
                "DROP TABLE dedup_pending; DROP TABLE dedup_folds; DROP INDEX offers_dedup;
                 INSERT INTO dedup_keys (key, offer_id) VALUES (42, 1);
                 PRAGMA user_version = 4;",
            )
            .unwrap();
        }
        drop(conn);

        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let count = |table: &str| -> i64 {
            store
                .conn()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count("dedup_features"), 1);
        if version == 4 {
            assert_eq!(count("dedup_keys"), 0, "keys of the old scheme dropped");
            assert_eq!(store.dedup_keys_pending().unwrap(), 1);
        } else {
            assert!(count("dedup_keys") > 0, "folded keys kept");
            assert_eq!(store.dedup_keys_pending().unwrap(), 0);
        }
        store
            .record_success("b", &attempt, &[cress_posting("b")], 2)
            .unwrap();
        let items = store.open_offers(10).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].sources.len(), 2);
        let posting = cress_posting("a");
        let found = store.offer_by_id(&posting.public_id).unwrap();
        assert_eq!(found.map(|o| o.sources.len()), Some(2));
        let words = OfferFilter {
            q: Some("économie bretagne".into()),
            ..Default::default()
        };
        let (matched, _) = store
            .query_offers(&words, Order::Discovered, 10, None)
            .unwrap();
        assert_eq!(
            matched.len(),
            1,
            "the full-text index still points to the offer"
        );
        let unique: Vec<String> = column(
            &store.conn(),
            "SELECT name FROM pragma_index_list('offers') WHERE \"unique\" = 1",
        );
        assert_eq!(unique.len(), 1, "(feed_id, identity) alone: {unique:?}");
        assert!(store
            .feed_statuses()
            .unwrap()
            .iter()
            .all(|f| f.held_closing.is_none()));
        let held: Vec<i64> = column(&store.conn(), "SELECT closing_held FROM offers");
        assert_eq!(held, [0, 0]);
    }

    #[test]
    fn closing_more_than_half_of_four_or_more_open_offers_is_suspicious() {
        for (closing, open, suspicious) in [
            (3, 4, true),
            (2, 4, false),
            (3, 3, false),
            (1, 1, false),
            (6, 10, true),
            (5, 10, false),
            (10, 10, true),
            (0, 0, false),
        ] {
            assert_eq!(
                closing_is_suspicious(closing, open),
                suspicious,
                "{closing} of {open}"
            );
        }
    }

    /// Postings of ten different jobs of an association on feed `feed`.
    fn ten_postings(feed: &str) -> Vec<Posting> {
        let titles = [
            "Animateur périscolaire",
            "Éducatrice spécialisée",
            "Comptable associatif",
            "Chargée de communication",
            "Directeur de crèche",
            "Médiateur numérique",
            "Aide à domicile",
            "Moniteur d'atelier",
            "Juriste en droit du logement",
            "Coordinatrice de bénévoles",
        ];
        titles
            .iter()
            .enumerate()
            .map(|(i, title)| {
                let mut p = cress_posting(feed);
                p.offer.reference = Some(format!("ASSO-{i}"));
                p.offer.title = title.to_string();
                p.offer.description_text = format!("{title} : poste numéro {i}.");
                p.identity = crate::dedup::identity(&p.offer);
                p.public_id = crate::dedup::public_id(feed, &p.identity);
                p.content_hash = crate::dedup::content_hash(&p.offer);
                p
            })
            .collect()
    }

    /// With offers closed after 2 missed fetches, the second fetch lacking eight of ten would
    /// close them: it is held; the third, lacking them too, closes them.
    #[test]
    fn a_suspicious_closing_is_held_until_the_next_fetch_agrees() {
        let store = memory_store(&["asso"]);
        let all = ten_postings("asso");
        let at = |minute: u32| attempt_at(&format!("2026-11-20T10:{minute:02}:00Z"));
        let stats = store.record_success("asso", &at(0), &all, 2).unwrap();
        assert_eq!(stats.new, 10);
        let stats = store.record_success("asso", &at(10), &all[..2], 2).unwrap();
        assert_eq!((stats.closed, stats.held), (0, 0), "missed once");
        let stats = store.record_success("asso", &at(20), &all[..2], 2).unwrap();
        assert_eq!((stats.closed, stats.held, stats.open_before), (0, 8, 10));
        let status = &store.feed_statuses().unwrap()[0];
        assert_eq!(
            status.held_closing,
            Some(HeldClosing {
                at: "2026-11-20T10:20:00Z".into(),
                offers: 8,
                open: 10
            })
        );
        assert_eq!(status.open_offers, 10);
        assert!(store.fetch_memory("asso").unwrap().closing_held);
        let stats = store.record_success("asso", &at(30), &all[..2], 2).unwrap();
        assert_eq!((stats.closed, stats.held), (8, 0));
        let status = &store.feed_statuses().unwrap()[0];
        assert_eq!((status.open_offers, &status.held_closing), (2, &None));
        assert!(!store.fetch_memory("asso").unwrap().closing_held);
    }

    /// A hold is about the offers it held: those the next fetch lists again stay open, those
    /// it lacks again close, and a feed with few open offers closes them as before.
    #[test]
    fn the_next_fetch_decides_each_held_offer_and_small_feeds_are_not_held() {
        let store = memory_store(&["asso", "petite"]);
        let all = ten_postings("asso");
        let at = |minute: u32| attempt_at(&format!("2026-11-20T10:{minute:02}:00Z"));
        store.record_success("asso", &at(0), &all, 1).unwrap();
        let stats = store.record_success("asso", &at(10), &all[..3], 1).unwrap();
        assert_eq!((stats.closed, stats.held), (0, 7));
        // Four of the seven come back.
        let stats = store.record_success("asso", &at(20), &all[..7], 1).unwrap();
        assert_eq!((stats.closed, stats.held), (3, 0));
        let marks = store.offer_marks("asso").unwrap();
        assert_eq!(marks.iter().filter(|m| m.status == "open").count(), 7);
        assert_eq!(store.feed_statuses().unwrap()[0].held_closing, None);

        let few = ten_postings("petite");
        store
            .record_success("petite", &at(0), &few[..3], 1)
            .unwrap();
        let stats = store.record_success("petite", &at(10), &[], 1).unwrap();
        assert_eq!(
            (stats.closed, stats.held),
            (3, 0),
            "3 open: below HOLD_MIN_OPEN"
        );
    }

    #[test]
    fn an_unknown_state_reads_as_active() {
        assert_eq!(state("paused"), FeedState::Active);
        assert_eq!(state("gone"), FeedState::Gone);
    }
}
