//! Numbered, append-only schema migrations. `PRAGMA user_version` holds the version of the
//! schema in the file; each migration runs once, in its own IMMEDIATE transaction with the
//! version bump, so a crash leaves the database at one version or the next. A database newer
//! than this binary is refused rather than guessed at. Migrations are never edited or removed
//! once released: a change is a new file.

use super::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// The migrations, in order: `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_drop_unused_indexes.sql"),
    include_str!("migrations/003_serials_found_through_the_journal.sql"),
    include_str!("migrations/004_sync_pulled_facts.sql"),
    include_str!("migrations/005_counts.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`], or refuses a newer one.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now > index as i64 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseConfig;
    use crate::store::Store;
    use rusqlite::OptionalExtension;

    #[test]
    fn empty_database_migrates_and_reopening_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let store = Store::open(&path, &DatabaseConfig::default()).unwrap();
        assert_eq!(store.schema_version().ok(), Some(SCHEMA_VERSION));
        let tables = |s: &Store| -> Vec<String> {
            let mut st = s
                .conn
                .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table','trigger','index') ORDER BY name")
                .unwrap();
            st.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<Vec<String>>>()
                .unwrap()
        };
        let before = tables(&store);
        assert!(before.iter().any(|t| t == "movements"));
        assert!(before.iter().any(|t| t == "movements_append_only_update"));
        drop(store);
        let again = Store::open(&path, &DatabaseConfig::default()).unwrap();
        assert_eq!(again.schema_version().ok(), Some(SCHEMA_VERSION));
        assert_eq!(tables(&again), before);
    }

    /// A database made at version 1 (with its data) is brought up to date in place.
    #[test]
    fn upgrade_from_version_1_keeps_the_data_and_drops_the_unread_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO products (sku, name, tracking) VALUES ('A', 'a', 'none')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path, &DatabaseConfig::default()).unwrap();
        assert_eq!(store.schema_version().ok(), Some(SCHEMA_VERSION));
        let has = |name: &str| -> bool {
            store
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE name = ?1",
                    [name],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n == 1)
                .unwrap_or(false)
        };
        assert!(!has("serials_by_location"));
        assert!(!has("movements_by_group"));
        assert!(!has("serials_by_serial"));
        assert!(has("movements_by_document"));
        assert!(store.product_by_sku("A").ok().flatten().is_some());
    }

    #[test]
    fn newer_schema_is_refused_with_a_message_that_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = Store::open(&path, &DatabaseConfig::default()).err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
            "{msg}"
        );
        assert!(msg.contains("newer scantrail"), "{msg}");
    }

    #[test]
    fn pragmas_are_set_on_every_connection() {
        let (_dir, store) = crate::store::testing::fresh();
        let get = |p: &str| -> String {
            store
                .conn
                .query_row(&format!("PRAGMA {p}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap_or_default()
        };
        assert_eq!(get("journal_mode"), "Text(\"wal\")");
        assert_eq!(get("foreign_keys"), "Integer(1)");
        assert_eq!(get("synchronous"), "Integer(2)"); // FULL
        assert_eq!(get("busy_timeout"), "Integer(5000)");
    }

    /// A statement from the cache is not compiled again at its next use. SQLite 3.54 marks
    /// every `column = ?` that the planner weighs as "re-prepare when rebound", and the cache
    /// clears a statement's bindings when it takes it back: without the query planner
    /// stability guarantee, each lookup of a scan was parsed and planned anew every time.
    #[test]
    fn cached_statements_are_not_prepared_again_for_each_use() {
        let (_dir, store) = crate::store::testing::fresh();
        let sql = "SELECT s.status FROM serials s JOIN products p ON p.id = s.product_id
                   LEFT JOIN locations l ON l.id = s.location_id
                   WHERE p.sku = ?1 AND s.serial = ?2";
        for i in 0..5 {
            let mut st = store.conn.prepare_cached(sql).unwrap();
            let _: Option<String> = st
                .query_row(rusqlite::params!["SKU-1", format!("SN-{i}")], |r| r.get(0))
                .optional()
                .unwrap();
        }
        let st = store.conn.prepare_cached(sql).unwrap();
        assert_eq!(
            st.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "the cached statement was compiled again"
        );
    }
}
