//! `essaim backup`: a consistent copy of the database while the daemon writes it, through
//! SQLite's online backup API.
//!
//! The copy is taken in one step on a connection of its own, inside one read transaction: in
//! WAL mode that sees the database as of one commit (every fetch committed before it, none of
//! a fetch being applied) and never blocks the daemon's writer. It is written under a
//! temporary name beside the destination, switched to a single-file journal (no `-wal` to
//! carry along), checked (`PRAGMA quick_check`), synced, and only then given its name: a
//! backup interrupted half-way never leaves a file under the name asked for. An existing file
//! is replaced only when asked to (`force`), and never the database itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// How long a copy waits for the database while it is locked (a writer's checkpoint, the
/// recovery of a write-ahead log) before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// Pause between two tries of a copy that found the database locked.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// What a backup copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Where the copy is.
    pub path: PathBuf,
    /// The copy's size in bytes.
    pub bytes: u64,
    /// Offers in the copy, whatever their status, and those of them open.
    pub offers: u64,
    pub open_offers: u64,
    /// Feeds in the copy.
    pub feeds: u64,
}

/// Why a backup could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; give --force to replace it")]
    Exists(PathBuf),
    #[error("{0} is the database itself; a backup goes elsewhere")]
    SameFile(PathBuf),
    #[error("database {path}: no database there")]
    NoDatabase { path: PathBuf },
    #[error("database {path}: {source}")]
    Source {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} holds no essaim data (no schema yet); nothing was copied")]
    NotEssaim { path: PathBuf },
    #[error("database {path} stayed locked for {secs} s; nothing was copied", secs = BUSY_WAIT.as_secs())]
    Busy { path: PathBuf },
    #[error("backup {path}: {source}")]
    Copy {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("backup {path}: the copy does not pass SQLite's check: {report}")]
    Check { path: PathBuf, report: String },
    #[error("backup {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The temporary file of a copy in progress, removed unless it was given its name.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
            for suffix in ["-journal", "-wal", "-shm"] {
                let mut companion = self.path.clone().into_os_string();
                companion.push(suffix);
                let _ = std::fs::remove_file(companion);
            }
        }
    }
}

/// Copies the database at `database` to `dest` while other connections (the daemon) may be
/// writing it, and says what the copy holds. `dest` must not exist unless `force`.
pub fn backup(database: &Path, dest: &Path, force: bool) -> Result<Copied, BackupError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BackupError::Io { path, source }
    };
    if !database.is_file() {
        return Err(BackupError::NoDatabase {
            path: database.to_path_buf(),
        });
    }
    if dest.is_dir() {
        return Err(BackupError::Io {
            path: dest.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory; name the file to write",
            ),
        });
    }
    if dest.exists() {
        let same = match (std::fs::canonicalize(database), std::fs::canonicalize(dest)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return Err(BackupError::SameFile(dest.to_path_buf()));
        }
        if !force {
            return Err(BackupError::Exists(dest.to_path_buf()));
        }
    }
    let name = dest.file_name().ok_or_else(|| BackupError::Io {
        path: dest.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".partial-{}", std::process::id()));
    let partial = Partial {
        path: dir.join(temp_name),
        kept: false,
    };
    // A leftover of an earlier backup of this process id that stopped half-way.
    let _ = std::fs::remove_file(&partial.path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // The copy is readable by its owner only, whatever the umask: it holds everything the
    // database holds.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&partial.path).map_err(io(&partial.path))?;

    // Opened for writing though it only reads: a read-only connection that is the last to
    // close (the daemon stopped) leaves the `-wal` and `-shm` files it had to create behind,
    // owned by whoever ran the backup; a writable one removes them as it closes. Where the
    // database cannot be written, it is read only.
    let open = |flags: OpenFlags| {
        Connection::open_with_flags(database, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(|c| c.busy_timeout(BUSY_WAIT).map(|()| c))
    };
    let source = open(OpenFlags::SQLITE_OPEN_READ_WRITE)
        .or_else(|_| open(OpenFlags::SQLITE_OPEN_READ_ONLY))
        .map_err(|source| BackupError::Source {
            path: database.to_path_buf(),
            source,
        })?;
    let copy_err = |source| BackupError::Copy {
        path: dest.to_path_buf(),
        source,
    };
    let mut copy = Connection::open(&partial.path).map_err(copy_err)?;
    copy_all(&source, &mut copy, database)?;
    drop(source);
    // One file, whatever the journal of the live database: the copy can be moved, mailed or
    // opened read-only without a write-ahead log beside it.
    copy.pragma_update(None, "journal_mode", "DELETE")
        .map_err(copy_err)?;
    let report: String = copy
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(copy_err)?;
    if report != "ok" {
        return Err(BackupError::Check {
            path: dest.to_path_buf(),
            report,
        });
    }
    // A database essaim never finished creating (its first migration not committed yet).
    let version: i64 = copy
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(copy_err)?;
    if version == 0 {
        return Err(BackupError::NotEssaim {
            path: database.to_path_buf(),
        });
    }
    let (offers, open_offers, feeds) = copy
        .query_row(
            "SELECT (SELECT count(*) FROM offers),
                    (SELECT count(*) FROM offers WHERE status = 'open'),
                    (SELECT count(*) FROM feeds)",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .map_err(copy_err)?;
    copy.close().map_err(|(_, source)| copy_err(source))?;
    let file = std::fs::File::open(&partial.path).map_err(io(&partial.path))?;
    file.sync_all().map_err(io(&partial.path))?;
    let bytes = file.metadata().map_err(io(&partial.path))?.len();
    drop(file);
    give_name(&partial, dest, force)?;
    let mut partial = partial;
    partial.kept = true;
    // The new name is durable once the directory is synced (where a directory can be).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(Copied {
        path: dest.to_path_buf(),
        bytes,
        offers: u64::try_from(offers).unwrap_or(0),
        open_offers: u64::try_from(open_offers).unwrap_or(0),
        feeds: u64::try_from(feeds).unwrap_or(0),
    })
}

/// Copies every page of `source` into `copy` in one step, so within one read transaction
/// (one commit's state); tries again while the database is locked, up to [`BUSY_WAIT`].
fn copy_all(
    source: &Connection,
    copy: &mut Connection,
    database: &Path,
) -> Result<(), BackupError> {
    let copy_err = |source| BackupError::Copy {
        path: database.to_path_buf(),
        source,
    };
    let backup = Backup::new(source, copy).map_err(copy_err)?;
    let tries = BUSY_WAIT.as_millis() / RETRY_PAUSE.as_millis();
    for _ in 0..tries {
        match backup.step(-1).map_err(copy_err)? {
            StepResult::Done => return Ok(()),
            // A step of -1 pages copies everything or reports why it could not.
            StepResult::More | StepResult::Busy | StepResult::Locked => {
                std::thread::sleep(RETRY_PAUSE)
            }
            _ => std::thread::sleep(RETRY_PAUSE),
        }
    }
    Err(BackupError::Busy {
        path: database.to_path_buf(),
    })
}

/// Gives the finished copy its name: without `force`, only if the name is still free (a
/// hard link cannot replace a file); with it, by a rename that replaces what was there.
fn give_name(partial: &Partial, dest: &Path, force: bool) -> Result<(), BackupError> {
    let io = |source| BackupError::Io {
        path: dest.to_path_buf(),
        source,
    };
    if force {
        return std::fs::rename(&partial.path, dest).map_err(io);
    }
    match std::fs::hard_link(&partial.path, dest) {
        Ok(()) => {
            let _ = std::fs::remove_file(&partial.path);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(BackupError::Exists(dest.to_path_buf()))
        }
        // A file system without hard links: the name was free a moment ago.
        Err(_) if !dest.exists() => std::fs::rename(&partial.path, dest).map_err(io),
        Err(_) => Err(BackupError::Exists(dest.to_path_buf())),
    }
}
