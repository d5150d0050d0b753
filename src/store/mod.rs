//! The SQLite store: the only module that writes SQL. It applies the numbered migrations in
//! `schema/` at start-up (tracked by `PRAGMA user_version`), runs in WAL mode with foreign keys
//! on, and applies the whole result of one fetch in one transaction, so that a crash mid-way
//! leaves the previous state intact.
//!
//! Here: [`Store`], opening and set-up, errors, the types a fetch is applied with. By what
//! they keep: `feeds` (feed rows, fetch memory, attempts, schedule states, statuses),
//! `offers` (a successful fetch applied, closings, expiry, purge, published jobs),
//! `clusters` (what `dedup::cluster` reads and writes of clusters), `keys` (blocking keys),
//! `search` (the read side of the API), `migrations`, `checkpoint`. [`Shared`] is the
//! async face of the store. Methods only tests and benches use are behind the `testing`
//! feature.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

/// At most this many postings of a cluster are read to check a join (a guard: clusters are a
/// handful of postings). A literal in the SQL rather than a bound parameter: SQLite prepares
/// a statement again on every run when its LIMIT is bound, a large part of an API query's
/// cost.
macro_rules! cluster_read_limit {
    () => {
        "500"
    };
}

pub mod admin;
pub mod backup;
mod checkpoint;
mod clusters;
mod feeds;
mod keys;
mod migrations;
mod offers;
mod packed;
mod partners;
mod search;
mod shared;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod unchanged_tests;

pub use offers::{closing_is_suspicious, ATTEMPTS_KEPT, HOLD_MIN_OPEN};
pub use partners::NewRegistration;
pub use search::{Counts, Cursor, NetworkStats, OfferFilter, Order, Stats};
pub use shared::Shared;

#[cfg(any(test, feature = "testing"))]
pub use feeds::AttemptRow;
#[cfg(any(test, feature = "testing"))]
pub use offers::OfferMark;

use crate::model::Offer;
use crate::politeness::Plan;
use migrations::{migrate, MIGRATIONS};

use crate::model::PublishedOffer;

/// Read-only connections opened next to the writer.
const READERS: usize = 4;

/// SQLite page cache of the writer, in KiB when negative: 16 MiB. A larger one files postings
/// no faster (`benches/dedup_insert.rs`) and keeps far more of a large fetch resident.
const PAGE_CACHE_KIB: i64 = -16_384;
/// Page cache of each reader connection (negative: KiB), 2 MiB. The readers answer the web
/// server, whose answers are rendered once per change of the data and then served from the
/// answer cache; with 16 MiB each, the four readers kept up to 64 MiB resident in an idle
/// daemon for pages the kernel's file cache holds anyway (`bench/idle-memory.sh`).
const READER_CACHE_KIB: i64 = -2_048;

/// No memory map of the database file (SQLite's `mmap_size`): pages come through the page
/// cache and the kernel's file cache. Mapped, every page a connection ever read counts in the
/// process's resident memory (several times what its own allocations take), for no
/// measurable gain in filing (`benches/dedup_insert.rs`).
const MMAP_BYTES: i64 = 0;

/// The writer copies the write-ahead log into the database (and syncs both) itself once it
/// holds this many pages (SQLite's default is 1,000): a fetch of a hundred new offers dirties
/// hundreds of scattered index pages, and with the default every fetch paid a checkpoint.
/// Normally the checkpointing thread (`store::checkpoint`) has copied most of them by then;
/// this bounds the log (64 MiB) should it fall behind.
const WAL_CHECKPOINT_PAGES: i64 = 16_000;

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
    /// The store refused what was asked, for the reason given (no such registration...).
    #[error("{0}")]
    Refused(String),
    #[error("stored offer {public_id} cannot be read: {source}")]
    Corrupt {
        public_id: String,
        source: serde_json::Error,
    },
    /// A stored offer's compressed column could not be read back (src/store/packed.rs).
    #[error("stored offer {public_id} cannot be unpacked: {source}")]
    Unpack {
        public_id: String,
        source: std::io::Error,
    },
    /// An offer could not be compressed for storing (zstd refused: out of memory).
    #[error("offer {public_id} cannot be packed for storing: {source}")]
    Pack {
        public_id: String,
        source: std::io::Error,
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
    /// What deduplication compares of `offer` ([`crate::dedup::similar::features`]; the
    /// feed's slot once identified), computed when the posting is built, like
    /// `content_hash`: in the pipeline, off the writer and a feed per thread, so that the
    /// store's transaction only looks up, decides and writes. `None` when the pipeline left
    /// them out because the store said it holds this posting unchanged, with features of the
    /// current version ([`crate::dedup::KnownPostings::current`]): should the store find
    /// otherwise when applying the fetch, it computes them itself. A caller that changes
    /// `offer` afterwards builds the posting again.
    pub features: Option<crate::dedup::similar::Features>,
    /// The row's bytes made from the posting alone ([`Prepared`]), computed off the writer by
    /// [`Posting::prepare`]; `None` when not prepared (the store then makes them itself, if
    /// it writes the row at all).
    pub prepared: Option<Prepared>,
    /// The offer's JSON, written once for `content_hash` and kept for the packed `data`
    /// column until the posting is prepared (see [`Posting::forget_json`]).
    offer_json: Option<String>,
}

/// What the store writes of a new or changed posting that depends on the posting alone,
/// computed where the posting is built (the pipeline's blocking threads, a feed per thread)
/// rather than in the store's one writing transaction: the packed columns
/// (src/store/packed.rs), the encoded features and their blocking keys. The same bytes the
/// store would make itself.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `offers.data`: the offer's JSON, packed.
    data: Vec<u8>,
    /// `offers.source`: the partner's item, packed beside `data`.
    source: Vec<u8>,
    /// `dedup_features.features`: [`crate::dedup::similar::encode`] of the features.
    features: Vec<u8>,
    /// [`crate::dedup::similar::keys`] of the features.
    keys: Vec<i64>,
}

impl Posting {
    /// The posting of `offer` before the feed's identities are assigned (see
    /// [`crate::dedup::assign_identities`]): no identity nor public id yet, and neither
    /// features nor prepared bytes ([`Posting::prepare`] computes them once the posting is
    /// identified, when the store does not hold it unchanged).
    pub fn unidentified(offer: Offer, source: String) -> Posting {
        let json = serde_json::to_string(&offer).unwrap_or_default();
        Posting {
            public_id: String::new(),
            identity: String::new(),
            content_hash: crate::dedup::content_hash_of_json(json.as_bytes()),
            features: None,
            prepared: None,
            offer,
            source,
            offer_json: Some(json),
        }
    }

    /// Lets go of the offer's JSON kept since the posting was made (for a posting the store
    /// holds unchanged, which it does not write): should it be written after all, the JSON
    /// is made again.
    pub fn forget_json(&mut self) {
        self.offer_json = None;
    }

    /// Gives the posting its `identity` within its feed `feed_id`, and the public id that
    /// follows from them (see [`crate::dedup::public_id`]); its features, when computed, take
    /// the feed's slot ([`crate::dedup::similar::slot`]).
    pub fn identify(&mut self, feed_id: &str, identity: String) {
        self.public_id = crate::dedup::public_id(feed_id, &identity);
        self.identity = identity;
        if let Some(f) = self.features.as_mut() {
            f.slot = Some(crate::dedup::similar::slot(feed_id));
        }
    }

    /// Computes what the store writes of this posting when it is new or changed: its
    /// features (in its feed's slot: call after [`Posting::identify`]), their encoding and
    /// blocking keys, and the packed `data` and `source` columns. Pure CPU, for the
    /// pipeline's threads; `feed_id` is the feed the posting was identified in. Should
    /// packing fail (zstd out of memory), the posting is left unprepared and the store,
    /// packing it again, reports the error.
    pub fn prepare(&mut self, feed_id: &str) {
        use crate::dedup::similar;
        let mut features = self
            .features
            .take()
            .unwrap_or_else(|| similar::features(&self.offer));
        features.slot = Some(similar::slot(feed_id));
        let encoded = similar::encode(&features);
        let keys = similar::keys(&features);
        self.features = Some(features);
        self.prepared = packed_columns(self).ok().map(|(data, source)| Prepared {
            data,
            source,
            features: encoded,
            keys,
        });
        self.offer_json = None;
    }

    /// The posting of `offer` under `identity` within its feed `feed_id`, prepared.
    pub fn identified(feed_id: &str, identity: String, offer: Offer, source: String) -> Posting {
        let mut p = Posting::unidentified(offer, source);
        p.identify(feed_id, identity);
        p.prepare(feed_id);
        p
    }

    /// The posting of `offer` on its own feed, under the identity it gives by itself
    /// ([`crate::dedup::identity`]: no other posting of the feed to compare it with).
    pub fn new(offer: Offer, source: String) -> Posting {
        let identity = crate::dedup::identity(&offer);
        let feed_id = offer.feed_id.clone();
        Posting::identified(&feed_id, identity, offer, source)
    }
}

impl Posting {
    /// What the store writes of this posting: as the pipeline prepared it, or made now, the
    /// same bytes, when it did not (a posting the pipeline thought the store held unchanged,
    /// one of a feed too large to prepare ahead, or one built by hand).
    fn prepared_bytes(&self) -> Result<std::borrow::Cow<'_, Prepared>, StoreError> {
        match &self.prepared {
            Some(prepared) => Ok(std::borrow::Cow::Borrowed(prepared)),
            None => Prepared::of(self).map(std::borrow::Cow::Owned),
        }
    }
}

impl Prepared {
    /// What the store writes of `p`, made now (by the writer, when the pipeline did not).
    fn of(p: &Posting) -> Result<Prepared, StoreError> {
        let (data, source) = packed_columns(p)?;
        let computed;
        let features = match &p.features {
            Some(f) => f,
            None => {
                computed = crate::dedup::similar::features(&p.offer);
                &computed
            }
        };
        Ok(Prepared {
            data,
            source,
            features: crate::dedup::similar::encode(features),
            keys: crate::dedup::similar::keys(features),
        })
    }
}

/// The offer's JSON and the partner's raw item of `p`, as stored (src/store/packed.rs).
fn packed_columns(p: &Posting) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let written;
    let json = match &p.offer_json {
        Some(json) => json.as_str(),
        None => {
            written = serde_json::to_string(&p.offer).unwrap_or_default();
            written.as_str()
        }
    };
    let failed = |source| StoreError::Pack {
        public_id: p.public_id.clone(),
        source,
    };
    Ok((
        packed::pack_data(json).map_err(failed)?,
        packed::pack_source(&p.source, json).map_err(failed)?,
    ))
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
        // The write path uses a dozen cached statements per posting, a purge or a flush a few
        // more: room for all of them (rusqlite keeps 16 by default, evicting the oldest).
        conn.set_prepared_statement_cache_capacity(64);
        wal_mode(&conn).map_err(open_err)?;
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
        // After an upgrade that listed every posting for its keys, flush them in bounded
        // chunks now, rather than hold all their keys in memory at the first write. Should
        // that fail, the store still works (the first write holds them all, as before).
        match keys::catch_up(&mut conn, keys::FLUSH_MAX) {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                postings = n,
                path,
                "blocking keys of postings listed by an upgrade flushed into dedup_keys"
            ),
            Err(error) => tracing::warn!(
                %error,
                path,
                "flushing the blocking keys of postings listed by an upgrade failed; they stay listed"
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

    /// Gives back the memory SQLite holds for the pages it cached, every connection's that is
    /// free (`sqlite3_db_release_memory`): for a daemon gone quiet, whose next reads and
    /// writes find the pages in the kernel's file cache. A connection in use keeps its cache.
    pub fn release_memory(&self) {
        let free = self
            .readers
            .iter()
            .chain(std::iter::once(&self.conn))
            .filter_map(|c| c.try_lock().ok());
        for conn in free {
            if let Err(error) = conn.release_memory() {
                tracing::debug!(%error, "SQLite kept its cache");
            }
        }
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

    /// Writes the blocking keys of the postings filed since the last flush into `dedup_keys`
    /// (the store does it by itself once enough have gathered; see `store/keys.rs`). Returns
    /// how many postings were flushed.
    #[cfg(any(test, feature = "testing"))]
    pub fn flush_dedup_keys(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let mut recent = self.recent();
        self.flush(&mut conn, &mut recent)
    }

    /// Flushes the blocking keys held in memory into `dedup_keys` (see `store/keys.rs`). A flush
    /// rewrites most pages of the table (some 100,000 at a million offers), more than the
    /// bound on the write-ahead log: with the checkpointing thread running, the flush's commit
    /// leaves copying them into the database file to the thread, woken at once, rather than
    /// holding up the fetch that triggered the flush for it.
    fn flush(
        &self,
        conn: &mut Connection,
        recent: &mut keys::RecentKeys,
    ) -> Result<usize, StoreError> {
        let Some(checkpointer) = &self.checkpointer else {
            return recent.flush(conn);
        };
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let flushed = recent.flush(conn);
        checkpointer.now();
        // Restored whatever the flush did; a failure to restore is the error reported.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        flushed
    }

    /// Sets how many filed postings trigger a flush of their keys, instead of the threshold
    /// computed from the database's size. For tests, which check that flushing at any moment
    /// changes no decision.
    #[cfg(any(test, feature = "testing"))]
    pub fn set_key_flush_threshold(&self, postings: usize) {
        let _conn = self.conn();
        self.recent().flush_at(postings);
    }

    /// Waits until the checkpointing thread has copied the write-ahead log as it stands into
    /// the database file (at once when there is no such thread). For tests.
    #[cfg(any(test, feature = "testing"))]
    pub fn wait_for_checkpoint(&self) {
        if let Some(c) = &self.checkpointer {
            c.wait();
        }
    }

    /// How many filed postings have their keys in memory, not yet in `dedup_keys`.
    #[cfg(any(test, feature = "testing"))]
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
    #[cfg(any(test, feature = "testing"))]
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
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
}

/// Puts the database in WAL mode. On a new file that another process is opening at the same
/// moment, SQLite answers "busy" at once rather than through the busy timeout (the change of
/// journal mode needs the file to itself): tried again for up to 10 s.
fn wal_mode(conn: &Connection) -> rusqlite::Result<()> {
    let mut tries = 0;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && tries < 200 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            done => return done,
        }
    }
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}
