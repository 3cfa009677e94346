//! The central PostgreSQL database, as a station and as the warehouse's administration see
//! it: [`Central`] is a client over one tokio-postgres connection and the only place in
//! scantrail that speaks PostgreSQL's SQL.
//!
//! The schema comes from numbered migrations (`src/sync/migrations/NNN_name.sql`). Stations
//! call two functions only, `scantrail.push` and `scantrail.pull` (SECURITY DEFINER, identity
//! from `session_user`); the administration imports the catalog, quarantines lots, adds
//! stations and resolves conflicts. Everything that enters the feed takes its `gseq` under one
//! transaction-level advisory lock, so that a cursor `gseq > last` never skips a row (see
//! docs/architecture.md, "Many stations").

mod target;

pub use target::{Target, TlsMode, read_password_file};

use crate::domain::LotStatus;
use crate::store::{
    EpcisFilter, EpcisLotChange, EpcisMovement, ExportMovement, ExportScan, ImportSummary,
    LocationRow, OrderRow, ProductRow, StockFilter, StockRow, Undone,
};
use crate::sync::wire::{Feed, FeedItem, PushedGroup, WireConflict};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, Client, Connection, NoTls};
use uuid::Uuid;

/// The migrations, in order: `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
/// Released migrations are never edited: a change is a new file.
const MIGRATIONS: &[(&str, &str)] = &[
    ("central", include_str!("../migrations/001_central.sql")),
    ("export", include_str!("../migrations/002_export.sql")),
    (
        "push_by_batch",
        include_str!("../migrations/003_push_by_batch.sql"),
    ),
    (
        "journal_without_keys",
        include_str!("../migrations/004_journal_without_keys.sql"),
    ),
    ("epcis", include_str!("../migrations/005_epcis.sql")),
    (
        "serials_missing",
        include_str!("../migrations/006_serials_missing.sql"),
    ),
    ("scan_rows", include_str!("../migrations/007_scan_rows.sql")),
    (
        "push_by_key",
        include_str!("../migrations/008_push_by_key.sql"),
    ),
];

/// The central schema version this binary writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The channel notified when the feed grows: the pushing station's name as payload, or
/// `centre` for a catalog change, a lot's status or a conflict.
pub const FEED_CHANNEL: &str = "scantrail_feed";

/// Most feed items one `pull` returns (the function caps it too).
pub const PULL_MAX: i32 = 10_000;

/// Most movements one page of the central export holds (the function caps it at 10,000).
pub const EXPORT_PAGE: i32 = 5_000;

/// How many connections one station's role may hold at once.
const STATION_CONNECTIONS: i32 = 4;

/// The longest a station's statement may run at the centre.
const STATION_STATEMENT_TIMEOUT: &str = "30s";

/// What went wrong with the central database, said for the person at the kiosk or the admin.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("the central URL is not usable: {reason}")]
    BadUrl { reason: String },
    #[error(
        "the central database at {host} would be reached without TLS: add sslmode=verify-full&sslrootcert=FILE (or sslmode=require) to the URL, or sslmode=disable if this network is trusted"
    )]
    PlaintextRefused { host: String },
    #[error("the root certificate {} cannot be used: {reason}", file.display())]
    RootCert { file: PathBuf, reason: String },
    #[error("the password file {} cannot be read: {reason}", file.display())]
    PasswordFile { file: PathBuf, reason: String },
    #[error(
        "the password file {} can be read by other users (mode {mode:03o}): run chmod 600 {}",
        file.display(),
        file.display()
    )]
    PasswordFileOpen { file: PathBuf, mode: u32 },
    #[error("the central database at {host} cannot be reached: {reason}")]
    Unreachable { host: String, reason: String },
    #[error(
        "the central database at {host} has no scantrail schema (or an older one): run scantrail central migrate"
    )]
    NotMigrated { host: String },
    #[error(
        "the central schema at {host} is at version {found}, newer than this scantrail knows ({known}): upgrade scantrail"
    )]
    NewerSchema {
        host: String,
        found: i32,
        known: i32,
    },
    /// The centre refused a request on purpose (`scantrail:CODE: message`): a station
    /// database that diverged or was copied, a gap in a station's sequence, an unknown lot.
    #[error("the central database refused: {message}")]
    Refused { code: String, message: String },
    #[error("{file} line {line}: {message}; nothing was imported")]
    Import {
        file: String,
        line: u64,
        message: String,
    },
    #[error("the central database at {host} answered with an error: {reason}")]
    Database { host: String, reason: String },
    #[error(
        "the centre sent a feed item (gseq {gseq}) that this scantrail cannot read: {reason}; upgrade scantrail"
    )]
    BadFeed { gseq: i64, reason: String },
    #[error(
        "the centre holds a conflict ({id}) that this scantrail cannot read: {reason}; upgrade scantrail"
    )]
    BadConflict { id: i64, reason: String },
    #[error("{0}")]
    BadName(String),
}

impl CentralError {
    /// The centre's refusal code (`diverged`, `gap`, `other_instance`, …), if it refused.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            CentralError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the centre could not be reached (the next round may succeed).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, CentralError::Unreachable { .. })
    }
}

pub type Result<T, E = CentralError> = std::result::Result<T, E>;

/// What `migrate` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    pub from: i32,
    pub to: i32,
}

/// A station's access to the centre, from `add_station`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationAccess {
    pub station: String,
    pub role: String,
    pub password: String,
    /// The URL for the station's `[sync] url`, password included.
    pub url: String,
}

/// Where a page of the central export ends: the next page starts after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovementKey {
    pub gseq: i64,
    pub id: Uuid,
}

/// One page of the central export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementPage {
    pub movements: Vec<ExportMovement>,
    /// Where the next page starts (the last row of this one; `after` when it is empty).
    pub next: Option<MovementKey>,
}

/// One connection to the central database.
pub struct Central {
    client: Client,
    target: Target,
    wakeups: Option<mpsc::UnboundedReceiver<String>>,
}

impl Central {
    /// Connects as the URL says, with its TLS rules (see [`Target`]); the password comes
    /// from the URL or from `password_file`. Must run inside a tokio runtime: the
    /// connection is driven by a task of its own.
    pub async fn connect(url: &str, password_file: Option<&Path>) -> Result<Central> {
        let target = Target::parse(url)?;
        let mut pg = target.pg.clone();
        if let Some(file) = password_file {
            pg.password(read_password_file(file)?);
        }
        let (tx, wakeups) = mpsc::unbounded_channel();
        let unreachable = |e: tokio_postgres::Error| CentralError::Unreachable {
            host: target.host().to_owned(),
            reason: reason(&e),
        };
        let client = match target.rustls()? {
            None => {
                let (client, conn) = pg.connect(NoTls).await.map_err(unreachable)?;
                tokio::spawn(drive(conn, tx));
                client
            }
            Some(config) => {
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
                let (client, conn) = pg.connect(tls).await.map_err(unreachable)?;
                tokio::spawn(drive(conn, tx));
                client
            }
        };
        Ok(Central {
            client,
            target,
            wakeups: Some(wakeups),
        })
    }

    /// The host as the URL names it.
    pub fn host(&self) -> &str {
        self.target.host()
    }

    /// Where this client is connected.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Whether this connection is encrypted, as the server sees it.
    pub async fn ssl_in_use(&self) -> Result<bool> {
        self.client
            .query_one(
                "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
                &[],
            )
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.error(e))
    }

    /// Starts listening for other stations' pushes; they arrive on [`Central::wakeups`].
    pub async fn listen(&self) -> Result<()> {
        self.client
            .batch_execute(&format!("LISTEN {FEED_CHANNEL}"))
            .await
            .map_err(|e| self.error(e))
    }

    /// The names of the stations that pushed since `listen`, as they are announced; taken
    /// once. The channel closes when the connection does.
    pub fn wakeups(&mut self) -> Option<mpsc::UnboundedReceiver<String>> {
        self.wakeups.take()
    }

    /// Creates or upgrades the central schema; running it again changes nothing. Each
    /// migration runs in its own transaction under an advisory lock, so two admins
    /// migrating at once apply each migration once.
    pub async fn migrate(&mut self) -> Result<Migrated> {
        let mut from = None;
        let mut now = 0;
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let version = index as i32 + 1;
            let host = self.target.host().to_owned();
            let err = |e: tokio_postgres::Error| classify(&host, e);
            let tx = self.client.transaction().await.map_err(err)?;
            tx.batch_execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('scantrail.migrate', 0));
                 CREATE SCHEMA IF NOT EXISTS scantrail;
                 CREATE TABLE IF NOT EXISTS scantrail.schema_migrations (
                     version     integer PRIMARY KEY,
                     name        text NOT NULL,
                     applied_at  timestamptz NOT NULL DEFAULT now()
                 );",
            )
            .await
            .map_err(err)?;
            let found: i32 = tx
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM scantrail.schema_migrations",
                    &[],
                )
                .await
                .and_then(|row| row.try_get(0))
                .map_err(err)?;
            from.get_or_insert(found);
            if found > SCHEMA_VERSION {
                return Err(CentralError::NewerSchema {
                    host,
                    found,
                    known: SCHEMA_VERSION,
                });
            }
            if found >= version {
                tx.commit().await.map_err(err)?;
                now = found;
                continue;
            }
            tx.batch_execute(&format!("SET LOCAL search_path = scantrail;\n{sql}"))
                .await
                .map_err(err)?;
            tx.execute(
                "INSERT INTO scantrail.schema_migrations (version, name) VALUES ($1, $2)",
                &[&version, name],
            )
            .await
            .map_err(err)?;
            tx.commit().await.map_err(err)?;
            now = version;
        }
        Ok(Migrated {
            from: from.unwrap_or(0),
            to: now,
        })
    }

    /// A station hands in its groups, in its own order, after `prev_seq` (the last seq it
    /// believes acknowledged); returns the seq the centre now acknowledges.
    pub async fn push(&self, instance: Uuid, prev_seq: i64, groups: &[PushedGroup]) -> Result<i64> {
        // Json writes the groups straight into the parameter's bytes (no serde_json::Value
        // tree in between: that tree cost as much as reading the outbox).
        let body = tokio_postgres::types::Json(groups);
        self.client
            .query_one(
                "SELECT scantrail.push($1, $2, $3)",
                &[&instance, &prev_seq, &body],
            )
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.error(e))
    }

    pub async fn pull(&self, after: i64, max: i32) -> Result<Vec<FeedItem>> {
        let rows = self
            .client
            .query(
                "SELECT gseq, item FROM scantrail.pull($1, $2)",
                &[&after, &max],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| {
                let gseq: i64 = row.try_get(0).map_err(|e| self.error(e))?;
                let item: Value = row.try_get(1).map_err(|e| self.error(e))?;
                let item: Feed =
                    serde_json::from_value(item).map_err(|e| CentralError::BadFeed {
                        gseq,
                        reason: e.to_string(),
                    })?;
                Ok(FeedItem { gseq, item })
            })
            .collect()
    }

    /// Makes a login role for station `name` that may only execute push and pull, as that
    /// station, with a statement timeout and a connection limit.
    pub async fn add_station(&self, name: &str) -> Result<StationAccess> {
        let valid = !name.is_empty()
            && name.len() <= 40
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(CentralError::BadName(format!(
                "'{name}' cannot be a station name: use 1 to 40 letters, digits, '-', '_' or '.'"
            )));
        }
        let database: String = self
            .client
            .query_one("SELECT current_database()", &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.error(e))?;
        // Roles belong to the whole cluster: the database's name keeps two warehouses'
        // stations apart.
        let role = format!("{database}.{name}");
        if role.len() > 63 {
            return Err(CentralError::BadName(format!(
                "the role '{role}' would be longer than PostgreSQL's 63 bytes: use a shorter station name"
            )));
        }
        // Made here, and only its SCRAM verifier goes to the centre (migration 004): 244
        // random bits from the system's generator, as two version-4 UUIDs.
        let password = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        self.client
            .execute(
                "SELECT scantrail.station_add($1, $2, $3, $4, $5)",
                &[
                    &name,
                    &role,
                    &STATION_CONNECTIONS,
                    &STATION_STATEMENT_TIMEOUT,
                    &verifier,
                ],
            )
            .await
            .map_err(|e| self.error(e))?;
        Ok(StationAccess {
            station: name.to_owned(),
            url: self.target.station_url(&role, &password),
            role,
            password,
        })
    }

    /// Imports `products.csv` rows into the central catalog, all or nothing.
    pub async fn import_products(&self, file: &str, rows: &[ProductRow]) -> Result<ImportSummary> {
        let rows: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "line": r.line, "sku": r.sku, "name": r.name, "tracking": r.tracking,
                    "serial_pattern": r.serial_pattern,
                    "barcodes": r.barcodes.iter()
                        .map(|(code, units)| json!({"code": code, "units": units}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        self.import("import_products", file, rows).await
    }

    /// Imports `locations.csv` rows into the central catalog, all or nothing.
    pub async fn import_locations(
        &self,
        file: &str,
        rows: &[LocationRow],
    ) -> Result<ImportSummary> {
        let rows = rows
            .iter()
            .map(|r| json!({"line": r.line, "code": r.code, "name": r.name, "parent": r.parent}))
            .collect();
        self.import("import_locations", file, rows).await
    }

    /// Imports `orders.csv` rows as central documents, all or nothing.
    pub async fn import_orders(&self, file: &str, rows: &[OrderRow]) -> Result<ImportSummary> {
        let rows = rows
            .iter()
            .map(|r| {
                json!({"line": r.line, "ref": r.reference, "kind": r.kind, "partner": r.partner,
                       "sku": r.sku, "qty": r.qty})
            })
            .collect();
        self.import("import_orders", file, rows).await
    }

    async fn import(&self, function: &str, file: &str, rows: Vec<Value>) -> Result<ImportSummary> {
        let rows = Value::Array(rows);
        let row = self
            .client
            .query_one(
                &format!("SELECT added, updated FROM scantrail.{function}($1)"),
                &[&rows],
            )
            .await
            .map_err(|e| match self.error(e) {
                CentralError::Refused { code, message } if code == "import" => {
                    let (line, message) = split_line(&message);
                    CentralError::Import {
                        file: file.to_owned(),
                        line,
                        message: message.to_owned(),
                    }
                }
                other => other,
            })?;
        let count = |i: usize| -> Result<usize> {
            let n: i32 = row.try_get(i).map_err(|e| self.error(e))?;
            Ok(usize::try_from(n).unwrap_or(0))
        };
        Ok(ImportSummary {
            added: count(0)?,
            updated: count(1)?,
        })
    }

    /// Quarantines a lot centrally (stations hear of it by pull); returns its status before.
    pub async fn lot_quarantine(
        &self,
        sku: &str,
        lot: &str,
        reason: &str,
        who: Option<&str>,
    ) -> Result<LotStatus> {
        self.lot_set_status(sku, lot, LotStatus::Quarantined, reason, who)
            .await
    }

    /// Releases a lot centrally; returns its status before.
    pub async fn lot_release(
        &self,
        sku: &str,
        lot: &str,
        reason: &str,
        who: Option<&str>,
    ) -> Result<LotStatus> {
        self.lot_set_status(sku, lot, LotStatus::Active, reason, who)
            .await
    }

    async fn lot_set_status(
        &self,
        sku: &str,
        lot: &str,
        status: LotStatus,
        reason: &str,
        who: Option<&str>,
    ) -> Result<LotStatus> {
        let before: String = self
            .client
            .query_one(
                "SELECT scantrail.lot_set_status($1, $2, $3, $4, $5)",
                &[&sku, &lot, &status.as_str(), &reason, &who],
            )
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.error(e))?;
        before
            .parse()
            .map_err(|e: crate::domain::UnknownWord| CentralError::Database {
                host: self.host().to_owned(),
                reason: e.to_string(),
            })
    }

    /// Every conflict the centre has recorded, open and resolved, oldest first.
    pub async fn conflicts(&self) -> Result<Vec<WireConflict>> {
        let rows = self
            .client
            .query("SELECT c FROM scantrail.conflict_list() AS c", &[])
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| {
                let item: Value = row.try_get(0).map_err(|e| self.error(e))?;
                let id = item.get("id").and_then(Value::as_i64).unwrap_or(0);
                serde_json::from_value(item).map_err(|e| CentralError::BadConflict {
                    id,
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    /// The whole warehouse's stock by product, location (with the locations under it) and
    /// lot: every key that is not zero, negative ones (disputed) included.
    pub async fn stock(&self, filter: &StockFilter) -> Result<Vec<StockRow>> {
        let rows = self
            .client
            .query(
                "SELECT sku, lot, location, qty FROM scantrail.stock_rows($1, $2, $3)",
                &[&filter.sku, &filter.location, &filter.lot],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| {
                Ok(StockRow {
                    sku: row.try_get(0).map_err(|e| self.error(e))?,
                    lot: row.try_get(1).map_err(|e| self.error(e))?,
                    location: row.try_get(2).map_err(|e| self.error(e))?,
                    qty: row.try_get(3).map_err(|e| self.error(e))?,
                })
            })
            .collect()
    }

    /// A serial's story at every station, in SPEC §6's `trace serial --json` shape.
    pub async fn trace_serial(&self, serial: &str, sku: Option<&str>) -> Result<Value> {
        self.client
            .query_one("SELECT scantrail.serial_trace($1, $2)", &[&serial, &sku])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.error(e))
    }

    /// A lot's recall view at every station, in SPEC §6's `trace lot --json` shape.
    pub async fn trace_lot(&self, lot: &str, sku: &str) -> Result<Value> {
        self.client
            .query_one("SELECT scantrail.lot_trace($1, $2)", &[&sku, &lot])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| self.error(e))
    }

    /// One page of every station's scan log in the centre's order, in the columns of a
    /// station's own export: the scans after gseq `after` (0 from the start), at most `max`,
    /// with the gseq of the last. An empty page is the end.
    pub async fn scans_page(&self, after: i64, max: i32) -> Result<(Vec<ExportScan>, i64)> {
        let rows = self
            .client
            .query(
                "SELECT gseq, id, at, station, operator, device, raw, outcome, message
                 FROM scantrail.scan_rows($1, $2)",
                &[&after, &max],
            )
            .await
            .map_err(|e| self.error(e))?;
        let mut last = after;
        let mut scans = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = |e| self.error(e);
            last = row.try_get(0).map_err(get)?;
            scans.push(ExportScan {
                id: row.try_get::<_, Uuid>(1).map_err(get)?.to_string(),
                at: row.try_get(2).map_err(get)?,
                station: row.try_get(3).map_err(get)?,
                operator: row.try_get(4).map_err(get)?,
                device: row.try_get(5).map_err(get)?,
                raw: row.try_get(6).map_err(get)?,
                outcome: row.try_get(7).map_err(get)?,
                message: row.try_get(8).map_err(get)?,
            });
        }
        Ok((scans, last))
    }

    /// One page of every station's journal in the centre's order, in the columns of a
    /// station's own export: the movements after `after` (the [`MovementPage::next`] of the
    /// page before; `None` from the start), at most `max`. An empty page is the end.
    pub async fn movements_page(
        &self,
        after: Option<MovementKey>,
        max: i32,
    ) -> Result<MovementPage> {
        let (gseq, id) = after.map_or((0, Uuid::nil()), |k| (k.gseq, k.id));
        let rows = self
            .client
            .query(
                "SELECT gseq, id, grp, at, station, operator, kind, document, sku, lot, serial, qty,
                        from_loc, to_loc, partner, reverses
                 FROM scantrail.movement_rows($1, $2, $3)",
                &[&gseq, &id, &max],
            )
            .await
            .map_err(|e| self.error(e))?;
        let mut page = MovementPage {
            movements: Vec::with_capacity(rows.len()),
            next: after,
        };
        for row in &rows {
            let get = |e| self.error(e);
            let id: Uuid = row.try_get(1).map_err(get)?;
            let kind: String = row.try_get(6).map_err(get)?;
            let kind =
                kind.parse()
                    .map_err(|e: crate::domain::UnknownWord| CentralError::Database {
                        host: self.host().to_owned(),
                        reason: e.to_string(),
                    })?;
            let qty: i32 = row.try_get(11).map_err(get)?;
            page.movements.push(ExportMovement {
                id: id.to_string(),
                group: row.try_get::<_, Uuid>(2).map_err(get)?.to_string(),
                at: row.try_get(3).map_err(get)?,
                station: row.try_get(4).map_err(get)?,
                operator: row.try_get(5).map_err(get)?,
                kind,
                document: row.try_get(7).map_err(get)?,
                sku: row.try_get(8).map_err(get)?,
                lot: row.try_get(9).map_err(get)?,
                serial: row.try_get(10).map_err(get)?,
                qty: i64::from(qty),
                from: row.try_get(12).map_err(get)?,
                to: row.try_get(13).map_err(get)?,
                partner: row.try_get(14).map_err(get)?,
                reverses: row
                    .try_get::<_, Option<Uuid>>(15)
                    .map_err(get)?
                    .map(|u| u.to_string()),
            });
            page.next = Some(MovementKey {
                gseq: row.try_get(0).map_err(get)?,
                id,
            });
        }
        Ok(page)
    }

    /// One page of every station's movements for an EPCIS export, in the centre's order: the
    /// movements `filter` takes after `after` (`None` from the start), at most `max`, and
    /// where the next page starts. An empty page is the end.
    pub async fn epcis_movements_page(
        &self,
        filter: &EpcisFilter,
        after: Option<MovementKey>,
        max: i32,
    ) -> Result<(Vec<EpcisMovement>, Option<MovementKey>)> {
        let (gseq, id) = after.map_or((0, Uuid::nil()), |k| (k.gseq, k.id));
        let rows = self
            .client
            .query(
                "SELECT gseq, id, at, kind, sku, gtin, lot, serial, qty, from_loc, to_loc, partner,
                        document, document_kind, undone_kind, undone_at
                 FROM scantrail.epcis_movements($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &gseq,
                    &id,
                    &max,
                    &filter.since,
                    &filter.sku,
                    &filter.lot,
                    &filter.serial,
                ],
            )
            .await
            .map_err(|e| self.error(e))?;
        let mut next = after;
        let mut movements = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = |e| self.error(e);
            let document: Option<String> = row.try_get(12).map_err(get)?;
            let document_kind: Option<String> = row.try_get(13).map_err(get)?;
            let document = match (document, document_kind) {
                (Some(reference), Some(kind)) => Some((reference.into(), self.word(&kind)?)),
                // A document the central catalog does not know yet has no kind: the event
                // names no business transaction rather than a wrong one.
                _ => None,
            };
            let undone_kind: Option<String> = row.try_get(14).map_err(get)?;
            let undoes = match undone_kind {
                Some(kind) => Some(Undone {
                    kind: self.word(&kind)?,
                    at: row.try_get(15).map_err(get)?,
                }),
                None => None,
            };
            let qty: i32 = row.try_get(8).map_err(get)?;
            // The station's export shares its catalog's names ([`EpcisMovement`]); a page
            // of the centre's has names of its own.
            let name = |i| -> Result<Option<std::rc::Rc<str>>> {
                let text: Option<String> = row.try_get(i).map_err(get)?;
                Ok(text.map(Into::into))
            };
            movements.push(EpcisMovement {
                at: row.try_get(2).map_err(get)?,
                kind: self.word(&row.try_get::<_, String>(3).map_err(get)?)?,
                sku: row.try_get::<_, String>(4).map_err(get)?.into(),
                gtin: name(5)?,
                lot: name(6)?,
                serial: row.try_get(7).map_err(get)?,
                qty: i64::from(qty),
                from: name(9)?,
                to: name(10)?,
                partner: name(11)?,
                document,
                undoes,
            });
            next = Some(MovementKey {
                gseq: row.try_get(0).map_err(get)?,
                id: row.try_get(1).map_err(get)?,
            });
        }
        Ok((movements, next))
    }

    /// The lots' quarantines and releases that `filter` takes, oldest first; an unknown lot
    /// or serial is refused (`not_found`).
    pub async fn epcis_lot_changes(&self, filter: &EpcisFilter) -> Result<Vec<EpcisLotChange>> {
        let rows = self
            .client
            .query(
                "SELECT at, sku, gtin, lot, status, reason FROM scantrail.epcis_lot_changes($1, $2, $3, $4)",
                &[&filter.since, &filter.sku, &filter.lot, &filter.serial],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| {
                let get = |e| self.error(e);
                Ok(EpcisLotChange {
                    at: row.try_get(0).map_err(get)?,
                    sku: row.try_get(1).map_err(get)?,
                    gtin: row.try_get(2).map_err(get)?,
                    lot: row.try_get(3).map_err(get)?,
                    status: self.word(&row.try_get::<_, String>(4).map_err(get)?)?,
                    reason: row.try_get(5).map_err(get)?,
                })
            })
            .collect()
    }

    /// Resolves a conflict with a note saying why, and who did (by default, the role).
    pub async fn resolve_conflict(&self, id: i64, note: &str, who: Option<&str>) -> Result<()> {
        self.client
            .execute(
                "SELECT scantrail.conflict_resolve($1, $2, $3)",
                &[&id, &note, &who],
            )
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// A word of ours (a movement kind, a status) as the centre stores it.
    fn word<T: std::str::FromStr<Err = crate::domain::UnknownWord>>(
        &self,
        text: &str,
    ) -> Result<T> {
        text.parse()
            .map_err(|e: crate::domain::UnknownWord| CentralError::Database {
                host: self.host().to_owned(),
                reason: e.to_string(),
            })
    }

    fn error(&self, e: tokio_postgres::Error) -> CentralError {
        classify(self.target.host(), e)
    }
}

/// Drives the connection and forwards `NOTIFY scantrail_feed` payloads until it closes.
async fn drive<S, T>(mut conn: Connection<S, T>, wakeups: mpsc::UnboundedSender<String>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(message) = std::future::poll_fn(|cx| conn.poll_message(cx)).await {
        match message {
            Ok(AsyncMessage::Notification(n)) if n.channel() == FEED_CHANNEL => {
                // Nobody listening any more is fine: the wake-up was only a hint.
                let _ = wakeups.send(n.payload().to_owned());
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}

/// Turns a tokio-postgres error into what the person at the kiosk or the admin reads.
fn classify(host: &str, e: tokio_postgres::Error) -> CentralError {
    let Some(db) = e.as_db_error() else {
        return CentralError::Unreachable {
            host: host.to_owned(),
            reason: reason(&e),
        };
    };
    if let Some(rest) = db.message().strip_prefix("scantrail:")
        && let Some((code, message)) = rest.split_once(": ")
    {
        let message = match db.hint() {
            Some(hint) => format!("{message} ({hint})"),
            None => message.to_owned(),
        };
        return CentralError::Refused {
            code: code.to_owned(),
            message,
        };
    }
    let code = db.code();
    if *code == SqlState::UNDEFINED_FUNCTION
        || *code == SqlState::INVALID_SCHEMA_NAME
        || *code == SqlState::UNDEFINED_TABLE
    {
        return CentralError::NotMigrated {
            host: host.to_owned(),
        };
    }
    if *code == SqlState::QUERY_CANCELED
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
        || *code == SqlState::TOO_MANY_CONNECTIONS
    {
        return CentralError::Unreachable {
            host: host.to_owned(),
            reason: db.message().to_owned(),
        };
    }
    CentralError::Database {
        host: host.to_owned(),
        reason: db.message().to_owned(),
    }
}

/// A tokio-postgres error with its causes, on one line.
fn reason(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `line N: message` → (N, message).
fn split_line(message: &str) -> (u64, &str) {
    message
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(n, m)| n.parse().ok().map(|n| (n, m)))
        .unwrap_or((0, message))
}
