//! The SQLite journal store: opening the database, migrations, the catalog, the append-only
//! movement journal with its projections, and the reports. All SQL of scantrail lives here.
//!
//! A [`Store`] owns one connection. Every connection gets the same pragmas (WAL, foreign
//! keys, busy timeout, the configured `synchronous`); they are not part of the migrations
//! because SQLite keeps most of them per connection. Writes run in IMMEDIATE transactions so
//! a writer never fails half-way for a lock it could have waited for. The database itself
//! refuses what must never happen (a changed journal row, a duplicate serial, negative
//! stock): see `migrations/001_initial.sql`.

mod backup;
mod catalog;
mod counts;
mod documents;
mod epcis;
mod journal;
mod labels;
mod migrations;
mod picking;
mod reports;
mod sync;
mod verify;
mod world;

pub use catalog::{
    DocumentInfo, DocumentLineInfo, ImportSummary, LocationInfo, LocationRow, LotInfo, OrderRow,
    ProductInfo, ProductRow,
};
pub use counts::CountSummary;
pub use documents::{DocumentBooked, DocumentHead, DocumentSheet, DocumentSheetLine};
pub use epcis::{EpcisFilter, EpcisLotChange, EpcisMovement, Undone};
pub use journal::{Committed, CountDocument, Group, NewMovement, Refusal, ScanRecord};
pub use labels::ReceivedSerial;
pub use migrations::SCHEMA_VERSION;
pub use picking::PickStock;
pub use reports::{
    CountedQty, ExportMovement, ExportScan, LotTrace, OnHand, PartnerQty, SerialEvent, SerialTrace,
    StockFilter, StockRow,
};
pub use sync::{Applied, Outbox, SyncStatus};
pub use verify::Difference;

use crate::config::DatabaseConfig;
use crate::domain::{DocumentId, LocationId, LotId, PartnerId, ProductId};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What can go wrong with the database, in words for the person who has to act on it. Each
/// message is whole (the kiosk shows it as it is): an error it comes from is part of the text
/// and not handed out again as [`std::error::Error::source`], so a chain printed by anyhow
/// says it once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error(
        "cannot open the database {path}: {cause}; nothing was written. Check that the disk \
         is not full (`df`) and that the folder is writable, then try again"
    )]
    OpenIo { path: PathBuf, cause: String },
    #[error(
        "cannot write the database {path}: {why}; nothing was written. Make the file and its \
         folder writable for this user (SQLite keeps its -wal and -shm files beside the \
         database), then try again"
    )]
    ReadOnly { path: PathBuf, why: String },
    #[error(
        "the database cannot be written: its file, or the file system it is on, is read-only; \
         nothing was written. Make it writable for this user, then try again"
    )]
    NotWritable,
    #[error("cannot create the folder {path} for the database: {cause}")]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "the database {path} has schema version {found}, newer than this scantrail knows \
         ({known}); it was written by a newer scantrail. Install that version, or open a copy \
         made before the upgrade"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("there is no database at {0}; create one with `scantrail init`")]
    Missing(PathBuf),
    #[error(
        "the database {0} is an empty file (0 bytes), not a scantrail database; nothing was \
         changed. If it should hold this station's journal, restore it from a backup; to start \
         anew, remove it and run `scantrail init`"
    )]
    Empty(PathBuf),
    #[error(
        "the database {path} is damaged or is not a scantrail database ({cause}); nothing was \
         changed. Keep the file for support and restore the last backup (`scantrail db backup` \
         makes one)"
    )]
    DamagedFile { path: PathBuf, cause: String },
    #[error(
        "the database is damaged ({0}); nothing was written. Stop this station, keep the file \
         for support and restore the last backup"
    )]
    Damaged(String),
    #[error(
        "the database is busy: another program holds it longer than busy_timeout_ms; try again"
    )]
    Busy,
    #[error("the disk is full: nothing was written; free some space and try again")]
    DiskFull,
    #[error("{0}")]
    Refused(Refusal),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Import(String),
    #[error("{0}")]
    Io(String),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::ReadOnly) => StoreError::NotWritable,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Damaged(sqlite_cause(&e))
            }
            _ => match Refusal::from_sqlite(&e) {
                Some(r) => StoreError::Refused(r),
                None => StoreError::Sqlite(e),
            },
        }
    }
}

/// SQLite's own words for an error, without rusqlite's wrapping.
fn sqlite_cause(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqliteFailure(f, None) => f.to_string(),
        other => other.to_string(),
    }
}

/// An error met while opening `path`: a damaged file or one that is no database is said
/// as such, whatever step of the opening met it.
fn open_error(path: &Path, e: StoreError) -> StoreError {
    // Could not open or could not write: ask the file and its folder once whether that is
    // because they are read-only, and say so if it is.
    let may_be_read_only = match &e {
        StoreError::Open { cause, .. } => matches!(
            cause.sqlite_error_code(),
            Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
        ),
        StoreError::NotWritable => true,
        _ => false,
    };
    if may_be_read_only && let Some(why) = read_only(path) {
        return StoreError::ReadOnly {
            path: path.to_owned(),
            why,
        };
    }
    match e {
        StoreError::Damaged(cause) => StoreError::DamagedFile {
            path: path.to_owned(),
            cause,
        },
        StoreError::Open { cause, .. }
            if matches!(
                cause.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ) =>
        {
            StoreError::DamagedFile {
                path: path.to_owned(),
                cause: sqlite_cause(&cause),
            }
        }
        StoreError::Open { cause, .. }
            if cause.sqlite_error_code() == Some(rusqlite::ErrorCode::SystemIoFailure) =>
        {
            StoreError::OpenIo {
                path: path.to_owned(),
                cause: sqlite_cause(&cause),
            }
        }
        other => other,
    }
}

/// Why the database at `path` cannot be written, when SQLite could not open it: the file or
/// its folder on a read-only file system, or not writable for this user. `None` when both
/// can be written (the cause is something else). Asked only after an open has failed; it
/// creates nothing that was not there (a probe file beside the database is removed again).
fn read_only(path: &Path) -> Option<String> {
    let says = |e: &std::io::Error, what: &str| match (e.raw_os_error(), e.kind()) {
        (Some(30), _) => Some(format!("{what} is on a read-only file system")),
        (_, std::io::ErrorKind::PermissionDenied) => {
            Some(format!("{what} may not be written by this user"))
        }
        _ => None,
    };
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().write(true).open(path)
    {
        return says(&e, "the file");
    }
    let folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut probe = path.as_os_str().to_owned();
    probe.push(format!(".probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => says(&e, &format!("its folder {}", folder.display())),
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The journal database of one station.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the database at `path`, creating it (and its folder) if need be, and brings its
    /// schema up to date.
    pub fn open(path: &Path, config: &DatabaseConfig) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|cause| StoreError::CreateDir {
                path: dir.to_owned(),
                cause,
            })?;
        }
        let conn = Connection::open(path).map_err(|cause| {
            open_error(
                path,
                StoreError::Open {
                    path: path.to_owned(),
                    cause,
                },
            )
        })?;
        Store::setup(conn, path, config)
    }

    /// Opens an existing database; a missing file is an error that says how to create one.
    pub fn open_existing(path: &Path, config: &DatabaseConfig) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        match std::fs::metadata(path) {
            Err(_) => return Err(StoreError::Missing(path.to_owned())),
            // SQLite would take an empty file for a new database and write one into it.
            Ok(m) if m.is_file() && m.len() == 0 => {
                return Err(StoreError::Empty(path.to_owned()));
            }
            Ok(_) => {}
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|cause| {
            open_error(
                path,
                StoreError::Open {
                    path: path.to_owned(),
                    cause,
                },
            )
        })?;
        Store::setup(conn, path, config)
    }

    fn setup(conn: Connection, path: &Path, config: &DatabaseConfig) -> Result<Store> {
        Store::setup_inner(conn, path, config).map_err(|e| open_error(path, e))
    }

    fn setup_inner(mut conn: Connection, path: &Path, config: &DatabaseConfig) -> Result<Store> {
        apply_pragmas(&conn, config).map_err(|cause| StoreError::Open {
            path: path.to_owned(),
            cause,
        })?;
        migrations::migrate(&mut conn, path)?;
        conn.set_prepared_statement_cache_capacity(256);
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the WAL checkpoints off the commit path: SQLite no longer checkpoints inside
    /// whichever commit crosses its threshold, and the owner calls [`Store::checkpoint`]
    /// when it has time (the core: after a scan's outcome has been shown).
    pub fn checkpoint_on_demand(&self) -> Result<()> {
        let _frames: i64 = self
            .conn
            .query_row("PRAGMA wal_autocheckpoint = 0", [], |r| r.get(0))?;
        Ok(())
    }

    /// Copies what the WAL holds into the database file, without waiting for readers (a
    /// report running beside the kiosk keeps its snapshot; the rest is copied next time).
    pub fn checkpoint(&self) -> Result<()> {
        let (_busy, _log, _done): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        Ok(())
    }

    /// SQLite's quick check of every page and index: empty when the file is sound, else
    /// what it found damaged (at most 20 lines).
    pub fn damage(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("PRAGMA quick_check(20)")?;
        let lines = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

/// Per-connection settings: WAL (readers never block the writer), foreign keys, how long to
/// wait for a lock, how hard to wait for the disk, and room to keep the hot part of the
/// journal's indexes in memory (a 64 MiB page cache and 256 MiB of memory-mapped reads:
/// a scan's lookups then rarely leave the process).
///
/// And the query planner stability guarantee: a statement's plan never depends on the values
/// bound to it. SQLite (3.54) otherwise marks every `column = ?` it weighs as "plan again
/// when rebound", and the statement cache clears the bindings of every statement it takes
/// back, so each cached lookup was parsed and planned again at every scan: half of a serial
/// receipt's CPU (docs/benchmarks.md, "Scan core"). The one plan that needs a value
/// (`stock_by_lot`, a partial index on `lot_id <> 0`) is asked for with that term written out.
fn apply_pragmas(conn: &Connection, config: &DatabaseConfig) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.busy_timeout(Duration::from_millis(u64::from(config.busy_timeout_ms)))?;
    // journal_mode answers with a row; read it rather than execute it.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = {}; PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;",
        config.synchronous.as_pragma()
    ))?;
    Ok(())
}

macro_rules! sql_id {
    ($($name:ident),+) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }
    )+};
}
sql_id!(ProductId, LocationId, PartnerId, DocumentId, LotId);

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the store's own tests: a fresh database in a temporary folder.
    use super::*;

    pub fn fresh() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &DatabaseConfig::default()).unwrap();
        (dir, store)
    }
}
