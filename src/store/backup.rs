//! `db backup`: a consistent copy of the database while the kiosk keeps writing.
//!
//! SQLite's online backup copies every page in one step inside one read transaction; in WAL
//! mode that read never blocks the kiosk's writes and sees one consistent moment. The copy is
//! written beside its destination and renamed into place only once it is complete and passes
//! SQLite's quick check, so a half-written backup never carries the final name.

use super::{Result, Store, StoreError};
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use std::path::Path;

impl Store {
    /// Copies the database to `dest` (replacing a file there).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup.db".into());
        let partial = dest.with_file_name(format!(".{name}.partial"));
        let _ = std::fs::remove_file(&partial);
        let result = (|| -> Result<()> {
            let mut out = Connection::open(&partial)?;
            {
                let backup = Backup::new(&self.conn, &mut out)?;
                loop {
                    // -1: every page in one step, so one consistent snapshot. Busy or
                    // locked only while another connection checkpoints; wait and go on.
                    if backup.step(-1)? == StepResult::Done {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
            // The copy keeps the WAL mode of its source; make it a single self-contained file.
            let _mode: String = out.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            let check: String = out.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(StoreError::Io(format!(
                    "the backup failed SQLite's quick check: {check}"
                )));
            }
            Ok(())
        })();
        match result {
            Ok(()) => std::fs::rename(&partial, dest).map_err(|e| {
                StoreError::Io(format!(
                    "cannot move the backup into place at {}: {e}",
                    dest.display()
                ))
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }
}
