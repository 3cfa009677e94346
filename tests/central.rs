//! The central PostgreSQL side of SPEC §7 against a real PostgreSQL 15: migrations, the
//! station role's least privilege, idempotent and continuous push, a cursor that never skips
//! a row, the conflicts only the centre can see, and the TLS refusal.
//!
//! `harness = false`: without `PGHOST`, this binary runs itself again under Debian's
//! `pg_virtualenv`, which starts a throwaway cluster and sets `PG*`. Each case gets a fresh
//! database of its own; the closing line is `N passed, N failed`.

use scantrail::domain::{MovementKind, Outcome};
use scantrail::store::Store;
use scantrail::sync::central::{Central, CentralError, StationAccess};
use scantrail::sync::wire::{ConflictKind, ConflictStatus, Feed, PushedGroup, WireMovement};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use uuid::Uuid;

type CaseResult = Result<(), String>;
type Case = fn(Db) -> Pin<Box<dyn Future<Output = CaseResult>>>;

macro_rules! case {
    ($name:ident) => {
        (stringify!($name), (|db| Box::pin($name(db))) as Case)
    };
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn main() -> ExitCode {
    if std::env::var_os("PGHOST").is_none() {
        return under_pg_virtualenv();
    }
    // Like libtest: plain arguments are name filters; the values of its options are not.
    let mut filters = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if matches!(
            arg.as_str(),
            "--test-threads" | "--skip" | "--format" | "--color" | "-Z"
        ) {
            args.next();
        } else if !arg.starts_with('-') {
            filters.push(arg);
        }
    }
    let cases = [
        case!(migrate_on_empty_and_twice),
        case!(a_newer_schema_is_refused),
        case!(a_station_role_can_push_and_pull_but_not_touch_tables),
        case!(the_same_push_twice_is_one_row_each),
        case!(the_same_id_with_other_content_is_refused),
        case!(a_gap_is_refused),
        case!(a_batch_is_checked_group_by_group),
        case!(another_instance_is_refused),
        case!(a_cursor_never_skips_a_row),
        case!(a_serial_received_at_two_stations_is_one_conflict),
        case!(a_shipment_of_a_quarantined_lot_is_a_conflict),
        case!(stock_below_zero_is_a_conflict_until_corrected),
        case!(the_catalog_flows_through_pull),
        case!(a_push_wakes_listening_stations),
        case!(a_remote_host_without_tls_is_refused),
        case!(tls_is_verified_against_the_root_certificate),
        case!(the_cli_administers_the_centre),
        case!(stations_share_one_truth_through_the_centre),
        case!(a_serial_a_count_missed_is_missing_everywhere_until_found),
        case!(a_copy_of_a_station_database_is_refused),
        case!(a_sync_killed_mid_batch_neither_loses_nor_duplicates),
        case!(the_centre_stopped_mid_round_loses_nothing),
        case!(a_station_offline_for_a_day_catches_up),
        case!(headless_stations_sync_in_the_background),
        case!(a_headless_station_rides_out_the_centre_going_away),
        case!(the_read_commands_answer_from_the_centre),
        case!(the_central_export_pages_never_skip_or_repeat_a_movement),
        case!(the_centre_s_answers_escape_stored_texts_as_a_station_does),
        case!(a_station_added_before_migration_2_may_export_after_it),
        case!(a_group_is_pulled_as_it_was_pushed),
        case!(a_station_password_never_reaches_the_centre),
        case!(groups_pushed_before_migration_4_are_pulled_the_same_after_it),
        case!(the_centre_s_epcis_events_are_the_stations_own),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (index, (name, case)) in cases.iter().enumerate() {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let started = Instant::now();
        let outcome = run_case(index, *case);
        let ms = started.elapsed().as_millis();
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("case {name} ... ok ({ms} ms)");
            }
            Err(e) => {
                failed += 1;
                println!("case {name} ... FAILED ({ms} ms)\n    {e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn under_pg_virtualenv() -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("cannot find this test binary: {e}");
            return ExitCode::FAILURE;
        }
    };
    match std::process::Command::new("pg_virtualenv")
        // -t: the cluster in a folder of its own, so runs side by side do not clash (as
        // root pg_virtualenv would otherwise always make the cluster 15/regress).
        .arg("-t")
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .status()
    {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("the central tests failed under pg_virtualenv ({status})");
            ExitCode::FAILURE
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "these tests need PostgreSQL: install Debian's postgresql (apt-get install postgresql), which brings pg_virtualenv"
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot run pg_virtualenv: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_case(index: usize, case: Case) -> CaseResult {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let name = format!("scantrail_case_{index}_{}", std::process::id());
        let (client, conn) =
            tokio_postgres::connect(&admin_url(&env("PGDATABASE")), tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| e.to_string())?;
        let result = tokio::time::timeout(Duration::from_secs(60), case(Db { name: name.clone() }))
            .await
            .unwrap_or_else(|_| Err("timed out after 60 s".into()));
        // A case may have restarted the cluster under the first connection.
        let client = match client.is_closed() {
            false => client,
            true => raw(&admin_url(&env("PGDATABASE"))).await?,
        };
        // Station roles belong to the cluster: dropped with the database's objects.
        let _ = client
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await;
        let roles = client
            .query(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE $1",
                &[&format!("{name}.%")],
            )
            .await
            .map_err(|e| e.to_string())?;
        for role in roles {
            let role: String = role.get(0);
            let _ = client.batch_execute(&format!("DROP ROLE \"{role}\"")).await;
        }
        result
    })
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

fn admin_url(database: &str) -> String {
    format!(
        "postgresql://{}:{}@{}:{}/{database}",
        env("PGUSER"),
        env("PGPASSWORD"),
        env("PGHOST"),
        env("PGPORT")
    )
}

/// The case's own database.
struct Db {
    name: String,
}

impl Db {
    fn url(&self) -> String {
        admin_url(&self.name)
    }

    /// The administration's connection, on a migrated schema.
    async fn central(&self) -> Result<Central, String> {
        let mut central = Central::connect(&self.url(), None)
            .await
            .map_err(|e| e.to_string())?;
        central.migrate().await.map_err(|e| e.to_string())?;
        Ok(central)
    }

    /// A plain client as the administration, to look at tables directly.
    async fn sql(&self) -> Result<tokio_postgres::Client, String> {
        raw(&self.url()).await
    }
}

async fn raw(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(client)
}

async fn station(central: &Central, name: &str) -> Result<(StationAccess, Central), String> {
    let access = central.add_station(name).await.map_err(|e| e.to_string())?;
    let client = Central::connect(&access.url, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok((access, client))
}

async fn count(sql: &tokio_postgres::Client, query: &str) -> Result<i64, String> {
    sql.query_one(query, &[])
        .await
        .map(|row| row.get(0))
        .map_err(|e| e.to_string())
}

fn movement(
    kind: MovementKind,
    sku: &str,
    lot: Option<&str>,
    serial: Option<&str>,
    qty: u32,
    from: Option<&str>,
    to: Option<&str>,
) -> WireMovement {
    WireMovement {
        id: Uuid::now_v7(),
        kind,
        sku: sku.into(),
        lot: lot.map(Into::into),
        expiry: None,
        serial: serial.map(Into::into),
        qty,
        from: from.map(Into::into),
        to: to.map(Into::into),
        partner: None,
        document: None,
        reverses: None,
    }
}

fn group(station: &str, seq: i64, raw: &str, movements: Vec<WireMovement>) -> PushedGroup {
    PushedGroup {
        seq,
        id: Uuid::now_v7(),
        at: chrono::Utc::now(),
        station: station.into(),
        operator: Some("OP-ANNA".into()),
        device: None,
        raw: raw.into(),
        outcome: Outcome::Ok,
        message: "Received".into(),
        movements,
        close_document: None,
        count: None,
    }
}

fn receive(
    station: &str,
    seq: i64,
    sku: &str,
    lot: Option<&str>,
    serial: Option<&str>,
    qty: u32,
    to: &str,
) -> PushedGroup {
    group(
        station,
        seq,
        serial.unwrap_or(sku),
        vec![movement(
            MovementKind::Receive,
            sku,
            lot,
            serial,
            qty,
            None,
            Some(to),
        )],
    )
}

fn ship(
    station: &str,
    seq: i64,
    sku: &str,
    lot: Option<&str>,
    qty: u32,
    from: &str,
) -> PushedGroup {
    group(
        station,
        seq,
        sku,
        vec![movement(
            MovementKind::Ship,
            sku,
            lot,
            None,
            qty,
            Some(from),
            None,
        )],
    )
}

fn refusal(result: Result<i64, CentralError>, code: &str) -> Result<String, String> {
    match result {
        Err(e) if e.refusal() == Some(code) => Ok(e.to_string()),
        Err(e) => Err(format!("expected the refusal {code}, got: {e}")),
        Ok(seq) => Err(format!(
            "expected the refusal {code}, the push was acknowledged up to {seq}"
        )),
    }
}

const INSTANCE: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);

async fn migrate_on_empty_and_twice(db: Db) -> CaseResult {
    let mut central = Central::connect(&db.url(), None)
        .await
        .map_err(|e| e.to_string())?;
    let first = central.migrate().await.map_err(|e| e.to_string())?;
    ensure!(first.from == 0 && first.to >= 1, "first migrate: {first:?}");
    let sql = db.sql().await?;
    let objects = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'scantrail'";
    let before = count(&sql, objects).await?;
    let second = central.migrate().await.map_err(|e| e.to_string())?;
    ensure!(
        second.from == first.to && second.to == first.to,
        "second migrate: {second:?}"
    );
    let after = count(&sql, objects).await?;
    ensure!(
        before == after && before > 10,
        "objects {before} then {after}"
    );
    let versions = count(&sql, "SELECT count(*) FROM scantrail.schema_migrations").await?;
    ensure!(
        versions == i64::from(first.to),
        "{versions} versions recorded"
    );
    Ok(())
}

async fn a_newer_schema_is_refused(db: Db) -> CaseResult {
    let mut central = db.central().await?;
    let sql = db.sql().await?;
    sql.batch_execute(
        "INSERT INTO scantrail.schema_migrations (version, name) VALUES (999, 'from the future')",
    )
    .await
    .map_err(|e| e.to_string())?;
    match central.migrate().await {
        Err(CentralError::NewerSchema { found: 999, .. }) => Ok(()),
        other => Err(format!("expected a newer schema refusal, got {other:?}")),
    }
}

async fn a_station_role_can_push_and_pull_but_not_touch_tables(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (access, dock) = station(&central, "dock1").await?;
    ensure!(
        access.url.contains(&format!("{}.dock1", db.name)),
        "url {}",
        access.url
    );
    let seq = dock
        .push(
            INSTANCE,
            0,
            &[receive("dock1", 3, "SKU-1", None, None, 5, "LOC-A")],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(seq == 3, "acknowledged {seq}");
    dock.pull(0, 100).await.map_err(|e| e.to_string())?;
    // The whole warehouse's stock and conflicts, through their functions only.
    let stock = dock
        .stock(&scantrail::store::StockFilter::default())
        .await
        .map_err(|e| e.to_string())?;
    ensure!(stock.len() == 1 && stock[0].qty == 5, "stock {stock:?}");
    dock.conflicts().await.map_err(|e| e.to_string())?;
    let sql = raw(&access.url).await?;
    for statement in [
        "SELECT * FROM scantrail.movements",
        "SELECT * FROM scantrail.stations",
        "UPDATE scantrail.stations SET last_seq = 0",
        "DELETE FROM scantrail.scans",
        "DELETE FROM scantrail.conflicts",
        "SELECT scantrail.import_locations('[]')",
        "SELECT scantrail.feed_append('group', NULL, '{}')",
        "CREATE TABLE public.mine (x int)",
    ] {
        match sql.batch_execute(statement).await {
            Err(e)
                if e.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) => {}
            Err(e) => return Err(format!("{statement}: expected permission denied, got {e}")),
            Ok(()) => return Err(format!("the station role could run: {statement}")),
        }
    }
    let timeout: String = sql
        .query_one("SHOW statement_timeout", &[])
        .await
        .map(|r| r.get(0))
        .map_err(|e| e.to_string())?;
    ensure!(timeout == "30s", "statement_timeout {timeout}");
    let limit = count(
        &db.sql().await?,
        &format!(
            "SELECT rolconnlimit::bigint FROM pg_roles WHERE rolname = '{}'",
            access.role
        ),
    )
    .await?;
    ensure!(limit > 0, "connection limit {limit}");
    Ok(())
}

async fn the_same_push_twice_is_one_row_each(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let (_, pack) = station(&central, "pack1").await?;
    let groups = [
        receive("dock1", 1, "SKU-1", Some("L1"), None, 5, "LOC-A"),
        receive("dock1", 4, "SKU-1", Some("L1"), None, 2, "LOC-A"),
    ];
    let first = dock
        .push(INSTANCE, 0, &groups)
        .await
        .map_err(|e| e.to_string())?;
    // A round cut after the commit: the station did not hear the answer and sends again.
    let again = dock
        .push(INSTANCE, 0, &groups)
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        first == 4 && again == 4,
        "acknowledged {first} then {again}"
    );
    let sql = db.sql().await?;
    ensure!(
        count(&sql, "SELECT count(*) FROM scantrail.scans").await? == 2,
        "scans"
    );
    ensure!(
        count(&sql, "SELECT count(*) FROM scantrail.movements").await? == 2,
        "movements"
    );
    ensure!(
        count(&sql, "SELECT qty FROM scantrail.stock").await? == 7,
        "stock"
    );
    let pulled = pack.pull(0, 100).await.map_err(|e| e.to_string())?;
    let groups_pulled = pulled
        .iter()
        .filter(|i| matches!(i.item, Feed::Group(_)))
        .count();
    ensure!(groups_pulled == 2, "pack1 pulled {groups_pulled} groups");
    let own = dock.pull(0, 100).await.map_err(|e| e.to_string())?;
    ensure!(own.is_empty(), "dock1 pulled its own groups: {own:?}");
    Ok(())
}

async fn the_same_id_with_other_content_is_refused(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let original = receive("dock1", 1, "SKU-1", None, None, 5, "LOC-A");
    dock.push(INSTANCE, 0, std::slice::from_ref(&original))
        .await
        .map_err(|e| e.to_string())?;
    let mut other = original.clone();
    other.movements[0].qty = 50;
    let message = refusal(dock.push(INSTANCE, 0, &[other]).await, "diverged")?;
    ensure!(
        message.contains("dock1") && message.contains(&original.id.to_string()),
        "the refusal names neither station nor group: {message}"
    );
    let sql = db.sql().await?;
    ensure!(
        count(&sql, "SELECT qty FROM scantrail.stock").await? == 5,
        "stock changed"
    );
    Ok(())
}

async fn a_gap_is_refused(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    dock.push(
        INSTANCE,
        0,
        &[receive("dock1", 2, "SKU-1", None, None, 1, "LOC-A")],
    )
    .await
    .map_err(|e| e.to_string())?;
    let message = refusal(
        dock.push(
            INSTANCE,
            7,
            &[receive("dock1", 9, "SKU-1", None, None, 1, "LOC-A")],
        )
        .await,
        "gap",
    )?;
    ensure!(
        message.contains("dock1") && message.contains('2'),
        "{message}"
    );
    // The right continuation is taken.
    let seq = dock
        .push(
            INSTANCE,
            2,
            &[receive("dock1", 9, "SKU-1", None, None, 1, "LOC-A")],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(seq == 9, "acknowledged {seq}");
    Ok(())
}

async fn a_batch_is_checked_group_by_group(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let orders = scantrail::import::read_orders(
        "orders.csv",
        "ref,kind,partner,sku,qty\nPO-1,purchase,Supplier,SKU-1,3\n".as_bytes(),
        &scantrail::config::BarcodeConfig::default(),
    )
    .map_err(|e| e.to_string())?;
    let products = scantrail::import::read_products(
        "products.csv",
        "sku,name,tracking,barcodes\nSKU-1,Widget,lot,W-1\n".as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    central
        .import_products("products.csv", &products)
        .await
        .map_err(|e| e.to_string())?;
    central
        .import_orders("orders.csv", &orders)
        .await
        .map_err(|e| e.to_string())?;
    let mut first = receive("dock1", 1, "SKU-1", Some("L1"), None, 2, "A-01");
    first.movements[0].expiry = chrono::NaiveDate::from_ymd_opt(2027, 3, 1);
    let mut second = receive("dock1", 2, "SKU-1", Some("L1"), None, 1, "A-01");
    second.movements[0].expiry = chrono::NaiveDate::from_ymd_opt(2029, 1, 1);
    second.close_document = Some("PO-1".into());
    // Out of the station's order: refused whole.
    let message = refusal(
        dock.push(INSTANCE, 0, &[second.clone(), first.clone()])
            .await,
        "bad_push",
    )?;
    ensure!(message.contains("order"), "{message}");
    dock.push(INSTANCE, 0, std::slice::from_ref(&first))
        .await
        .map_err(|e| e.to_string())?;
    // A resend of the first with the second: the first skipped, the second taken.
    let seq = dock
        .push(INSTANCE, 0, &[first.clone(), second.clone()])
        .await
        .map_err(|e| e.to_string())?;
    ensure!(seq == 2, "acknowledged {seq}");
    let sql = db.sql().await?;
    let expiry: String = sql
        .query_one(
            "SELECT expiry::text FROM scantrail.lots WHERE code = 'L1'",
            &[],
        )
        .await
        .map(|r| r.get(0))
        .map_err(|e| e.to_string())?;
    ensure!(
        expiry == "2027-03-01",
        "the lot's expiry is {expiry}, not its first"
    );
    let status: String = sql
        .query_one(
            "SELECT status FROM scantrail.documents WHERE reference = 'PO-1'",
            &[],
        )
        .await
        .map(|r| r.get(0))
        .map_err(|e| e.to_string())?;
    ensure!(status == "closed", "PO-1 is {status}");
    // A new group that carries a movement the centre has in another group.
    let mut copied = receive("dock1", 3, "SKU-1", Some("L1"), None, 1, "A-01");
    copied.movements[0].id = first.movements[0].id;
    let message = refusal(dock.push(INSTANCE, 2, &[copied]).await, "diverged")?;
    ensure!(
        message.contains(&first.movements[0].id.to_string()),
        "{message}"
    );
    ensure!(
        count(&sql, "SELECT qty FROM scantrail.stock").await? == 3,
        "stock"
    );
    Ok(())
}

async fn another_instance_is_refused(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (access, dock) = station(&central, "dock1").await?;
    dock.push(
        INSTANCE,
        0,
        &[receive("dock1", 1, "SKU-1", None, None, 1, "LOC-A")],
    )
    .await
    .map_err(|e| e.to_string())?;
    let copy = Central::connect(&access.url, None)
        .await
        .map_err(|e| e.to_string())?;
    let message = refusal(
        copy.push(
            Uuid::now_v7(),
            1,
            &[receive("dock1", 2, "SKU-1", None, None, 1, "LOC-A")],
        )
        .await,
        "other_instance",
    )?;
    ensure!(
        message.contains("a copy of a station database"),
        "{message}"
    );
    Ok(())
}

async fn a_cursor_never_skips_a_row(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (a, _) = station(&central, "dock1").await?;
    let (_, b) = station(&central, "dock2").await?;
    let (_, reader) = station(&central, "pack1").await?;
    // Station A's push stays open, holding the feed lock.
    let a_sql = raw(&a.url).await?;
    let group_a = receive("dock1", 1, "SKU-1", None, None, 1, "LOC-A");
    let body = serde_json::to_value([&group_a]).map_err(|e| e.to_string())?;
    a_sql
        .batch_execute("BEGIN")
        .await
        .map_err(|e| e.to_string())?;
    a_sql
        .query_one("SELECT scantrail.push($1, 0, $2)", &[&INSTANCE, &body])
        .await
        .map_err(|e| e.to_string())?;
    // Station B pushes meanwhile: it must wait for A.
    let group_b = receive("dock2", 1, "SKU-1", None, None, 1, "LOC-B");
    let (id_a, id_b) = (group_a.id, group_b.id);
    let pushing = tokio::spawn(async move { b.push(INSTANCE, 0, &[group_b]).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    ensure!(
        !pushing.is_finished(),
        "B's push did not wait for A's open transaction"
    );
    let seen = reader.pull(0, 100).await.map_err(|e| e.to_string())?;
    ensure!(
        seen.is_empty(),
        "a pull saw rows before A committed: {seen:?}"
    );
    a_sql
        .batch_execute("COMMIT")
        .await
        .map_err(|e| e.to_string())?;
    pushing
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let seen = reader.pull(0, 100).await.map_err(|e| e.to_string())?;
    let gseq_of = |id: Uuid| {
        seen.iter()
            .find(|i| matches!(&i.item, Feed::Group(g) if g.id == id))
            .map(|i| i.gseq)
    };
    match (gseq_of(id_a), gseq_of(id_b)) {
        (Some(ga), Some(gb)) if ga < gb => Ok(()),
        other => Err(format!("gseq of A and B: {other:?}")),
    }
}

async fn a_serial_received_at_two_stations_is_one_conflict(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock1) = station(&central, "dock1").await?;
    let (_, dock2) = station(&central, "dock2").await?;
    let (_, dock3) = station(&central, "dock3").await?;
    for (client, name) in [(&dock1, "dock1"), (&dock2, "dock2"), (&dock3, "dock3")] {
        client
            .push(
                INSTANCE,
                0,
                &[receive(name, 1, "SKU-S", None, Some("SN-0001"), 1, "DOCK")],
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    let conflicts = central.conflicts().await.map_err(|e| e.to_string())?;
    ensure!(conflicts.len() == 1, "conflicts: {conflicts:?}");
    let c = &conflicts[0];
    ensure!(
        c.kind == ConflictKind::SerialDuplicate
            && c.serial.as_deref() == Some("SN-0001")
            && c.product == "SKU-S"
            && c.stations == ["dock1", "dock2", "dock3"]
            && c.status == ConflictStatus::Open,
        "{c:?}"
    );
    // Every station hears of it, with its latest state last.
    let pulled = dock1.pull(0, 100).await.map_err(|e| e.to_string())?;
    let last = pulled.iter().rev().find_map(|i| match &i.item {
        Feed::Conflict(c) => Some(c.clone()),
        _ => None,
    });
    ensure!(last.as_ref() == Some(c), "dock1 pulled {last:?}");
    // Its story at every station, from a station's own role.
    let trace = dock1
        .trace_serial("SN-0001", None)
        .await
        .map_err(|e| e.to_string())?;
    let stations: Vec<&str> = trace["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["station"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        stations == ["dock1", "dock2", "dock3"]
            && trace["product"]["sku"] == "SKU-S"
            && trace["status"] == "in_stock",
        "trace {trace}"
    );
    let missing = dock1
        .trace_serial("SN-404", None)
        .await
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    ensure!(missing.contains("SN-404"), "an unknown serial: '{missing}'");
    central
        .resolve_conflict(
            c.id,
            "dock2 and dock3 scanned the same label twice",
            Some("anna"),
        )
        .await
        .map_err(|e| e.to_string())?;
    let resolved = central.conflicts().await.map_err(|e| e.to_string())?;
    ensure!(
        resolved[0].status == ConflictStatus::Resolved
            && resolved[0]
                .resolution
                .as_deref()
                .is_some_and(|r| r.contains("anna") && r.contains("twice")),
        "{resolved:?}"
    );
    let sql = db.sql().await?;
    ensure!(
        count(&sql, "SELECT count(*) FROM scantrail.conflicts").await? == 1,
        "rows"
    );
    Ok(())
}

async fn a_shipment_of_a_quarantined_lot_is_a_conflict(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let (_, pack) = station(&central, "pack1").await?;
    dock.push(
        INSTANCE,
        0,
        &[receive(
            "dock1",
            1,
            "SKU-L",
            Some("LOT-7"),
            None,
            10,
            "A-01",
        )],
    )
    .await
    .map_err(|e| e.to_string())?;
    central
        .lot_quarantine("SKU-L", "LOT-7", "supplier recall", None)
        .await
        .map_err(|e| e.to_string())?;
    // The packing station had not pulled the quarantine yet.
    pack.push(
        INSTANCE,
        0,
        &[ship("pack1", 1, "SKU-L", Some("LOT-7"), 2, "A-01")],
    )
    .await
    .map_err(|e| e.to_string())?;
    let conflicts = central.conflicts().await.map_err(|e| e.to_string())?;
    ensure!(
        conflicts.len() == 1
            && conflicts[0].kind == ConflictKind::ShippedQuarantined
            && conflicts[0].lot.as_deref() == Some("LOT-7")
            && conflicts[0].stations == ["pack1"],
        "{conflicts:?}"
    );
    let recall = pack
        .trace_lot("LOT-7", "SKU-L")
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        recall["received"] == 10
            && recall["status"] == "quarantined"
            && recall["on_hand"] == serde_json::json!([{"location": "A-01", "qty": 8}])
            && recall["shipped"]
                == serde_json::json!([{"document": null, "partner": null, "qty": 2}]),
        "recall {recall}"
    );
    let err = central
        .lot_release("SKU-L", "LOT-404", "x", None)
        .await
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    ensure!(err.contains("LOT-404"), "an unknown lot: '{err}'");
    Ok(())
}

async fn stock_below_zero_is_a_conflict_until_corrected(db: Db) -> CaseResult {
    let central = db.central().await?;
    let locations = scantrail::import::read_locations(
        "locations.csv",
        "code,name,parent\nA,Aisle A,\nA-01,Shelf,A\n".as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    central
        .import_locations("locations.csv", &locations)
        .await
        .map_err(|e| e.to_string())?;
    let (_, dock) = station(&central, "dock1").await?;
    let (_, pack) = station(&central, "pack1").await?;
    dock.push(
        INSTANCE,
        0,
        &[receive("dock1", 1, "SKU-N", None, None, 2, "A-01")],
    )
    .await
    .map_err(|e| e.to_string())?;
    pack.push(INSTANCE, 0, &[ship("pack1", 1, "SKU-N", None, 3, "A-01")])
        .await
        .map_err(|e| e.to_string())?;
    let sql = db.sql().await?;
    ensure!(
        count(&sql, "SELECT qty FROM scantrail.stock").await? == -1,
        "stock"
    );
    let conflicts = central.conflicts().await.map_err(|e| e.to_string())?;
    ensure!(
        conflicts.len() == 1
            && conflicts[0].kind == ConflictKind::NegativeStock
            && conflicts[0].location.as_deref() == Some("A-01")
            && conflicts[0].status == ConflictStatus::Open,
        "{conflicts:?}"
    );
    // A count that finds one more brings it back: resolved by the movement.
    dock.push(
        INSTANCE,
        1,
        &[receive("dock1", 2, "SKU-N", None, None, 1, "A-01")],
    )
    .await
    .map_err(|e| e.to_string())?;
    let conflicts = central.conflicts().await.map_err(|e| e.to_string())?;
    ensure!(
        conflicts.len() == 1
            && conflicts[0].status == ConflictStatus::Resolved
            && conflicts[0]
                .resolution
                .as_deref()
                .is_some_and(|r| r.contains("dock1")),
        "{conflicts:?}"
    );
    Ok(())
}

async fn the_catalog_flows_through_pull(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let config = scantrail::config::BarcodeConfig::default();
    let products = scantrail::import::read_products(
        "products.csv",
        "sku,name,tracking,barcodes\nSKU-1,Widget,serial,4006381333931\nSKU-2,Bolt,none,BOLT-2\n"
            .as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let locations = scantrail::import::read_locations(
        "locations.csv",
        "code,name,parent\nA-01,Shelf,A\nA,Aisle A,\n".as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let orders = scantrail::import::read_orders(
        "orders.csv",
        "ref,kind,partner,sku,qty\nSO-1,sale,ACME,SKU-1,2\nSO-1,sale,ACME,SKU-2,5\n".as_bytes(),
        &config,
    )
    .map_err(|e| e.to_string())?;
    let summary = central
        .import_products("products.csv", &products)
        .await
        .map_err(|e| e.to_string())?;
    ensure!(summary.added == 2 && summary.updated == 0, "{summary:?}");
    central
        .import_locations("locations.csv", &locations)
        .await
        .map_err(|e| e.to_string())?;
    central
        .import_orders("orders.csv", &orders)
        .await
        .map_err(|e| e.to_string())?;
    // All or nothing, and the error names the line.
    let bad = scantrail::import::read_orders(
        "bad.csv",
        "ref,kind,partner,sku,qty\nSO-2,sale,ACME,SKU-1,1\nSO-2,sale,ACME,SKU-404,1\n".as_bytes(),
        &config,
    )
    .map_err(|e| e.to_string())?;
    let err = central
        .import_orders("bad.csv", &bad)
        .await
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    ensure!(
        err.contains("bad.csv line 3") && err.contains("SKU-404"),
        "'{err}'"
    );
    let sql = db.sql().await?;
    ensure!(
        count(&sql, "SELECT count(*) FROM scantrail.documents").await? == 1,
        "SO-2 was half imported"
    );

    let pulled = dock.pull(0, 100).await.map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    let mut last = 0;
    for item in &pulled {
        ensure!(item.gseq > last, "feed out of order: {pulled:?}");
        last = item.gseq;
        seen.push(match &item.item {
            Feed::Product(p) => format!("product {} {}", p.sku, p.barcodes.len()),
            Feed::Location(l) => format!("location {} {:?}", l.code, l.parent),
            Feed::Document(d) => format!("document {} {}", d.reference, d.lines.len()),
            other => format!("{other:?}"),
        });
    }
    let expected = [
        "product SKU-1 1",
        "product SKU-2 1",
        "location A-01 Some(\"A\")",
        "location A None",
        "document SO-1 2",
    ];
    ensure!(seen == expected, "pulled {seen:?}");
    let page = dock
        .pull(pulled[1].gseq, 2)
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        page.len() == 2 && page[0].gseq == pulled[2].gseq,
        "a page after the cursor: {page:?}"
    );
    Ok(())
}

async fn a_push_wakes_listening_stations(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let (_, mut pack) = station(&central, "pack1").await?;
    pack.listen().await.map_err(|e| e.to_string())?;
    let mut wakeups = pack.wakeups().ok_or("no wake-up channel")?;
    dock.push(
        INSTANCE,
        0,
        &[receive("dock1", 1, "SKU-1", Some("L-1"), None, 1, "A-01")],
    )
    .await
    .map_err(|e| e.to_string())?;
    match tokio::time::timeout(Duration::from_secs(2), wakeups.recv()).await {
        Ok(Some(who)) if who == "dock1" => {}
        other => return Err(format!("no wake-up within 2 s: {other:?}")),
    }
    // A change at the centre wakes stations too.
    central
        .lot_quarantine("SKU-1", "L-1", "damaged pallet", None)
        .await
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(Duration::from_secs(2), wakeups.recv()).await {
        Ok(Some(who)) if who == "centre" => Ok(()),
        other => Err(format!(
            "no wake-up for the quarantine within 2 s: {other:?}"
        )),
    }
}

async fn a_remote_host_without_tls_is_refused(_db: Db) -> CaseResult {
    let started = Instant::now();
    match Central::connect(
        "postgresql://dock1:x@central.warehouse.example/scantrail",
        None,
    )
    .await
    {
        Err(e @ CentralError::PlaintextRefused { .. }) => {
            let text = e.to_string();
            ensure!(
                text.contains("central.warehouse.example") && text.contains("sslmode"),
                "{text}"
            );
            ensure!(
                started.elapsed() < Duration::from_secs(1),
                "it tried to connect first"
            );
            Ok(())
        }
        Err(e) => Err(format!("expected a plaintext refusal, got: {e}")),
        Ok(_) => Err("connected without TLS".into()),
    }
}

/// Debian's clusters serve the `ssl-cert` package's self-signed certificate for `localhost`:
/// it is its own root.
const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

async fn encrypted(central: &Central) -> Result<bool, String> {
    central.ssl_in_use().await.map_err(|e| e.to_string())
}

async fn tls_is_verified_against_the_root_certificate(db: Db) -> CaseResult {
    let base = |host: &str, tls: &str| {
        format!(
            "postgresql://{}:{}@{host}:{}/{}?{tls}",
            env("PGUSER"),
            env("PGPASSWORD"),
            env("PGPORT"),
            db.name
        )
    };
    let full = format!("sslmode=verify-full&sslrootcert={SNAKEOIL}");
    let central = Central::connect(&base("localhost", &full), None)
        .await
        .map_err(|e| format!("verify-full for localhost: {e}"))?;
    ensure!(
        encrypted(&central).await?,
        "verify-full connected without TLS"
    );
    // The certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca takes it.
    match Central::connect(&base("127.0.0.1", &full), None).await {
        Err(e) if e.is_unreachable() => {}
        Err(e) => return Err(format!("verify-full for 127.0.0.1: {e}")),
        Ok(_) => return Err("verify-full accepted a certificate for another name".into()),
    }
    let ca = format!("sslmode=verify-ca&sslrootcert={SNAKEOIL}");
    let central = Central::connect(&base("127.0.0.1", &ca), None)
        .await
        .map_err(|e| format!("verify-ca: {e}"))?;
    ensure!(
        encrypted(&central).await?,
        "verify-ca connected without TLS"
    );
    let central = Central::connect(&base("127.0.0.1", "sslmode=require"), None)
        .await
        .map_err(|e| format!("require: {e}"))?;
    ensure!(encrypted(&central).await?, "require connected without TLS");
    Ok(())
}

/// `scantrail central …` with a config of its own, from a scratch directory.
fn cli(dir: &std::path::Path, args: &[&str], url_env: Option<&str>) -> (i32, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scantrail"));
    command
        .current_dir(dir)
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env_remove("SCANTRAIL_CENTRAL_URL");
    if let Some(url) = url_env {
        command.env("SCANTRAIL_CENTRAL_URL", url);
    }
    match command.output() {
        Ok(out) => (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        Err(e) => (-1, String::new(), e.to_string()),
    }
}

async fn the_cli_administers_the_centre(db: Db) -> CaseResult {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path();
    std::fs::write(path.join("config.toml"), "[station]\nname = \"office\"\n")
        .map_err(|e| e.to_string())?;
    let url = db.url();
    let (code, out, err) = cli(path, &["central", "--url", &url, "migrate"], None);
    ensure!(
        code == 0
            && out.contains(&format!(
                "version {}",
                scantrail::sync::central::SCHEMA_VERSION
            )),
        "migrate: {code} {out} {err}"
    );
    let (code, out, err) = cli(path, &["central", "migrate"], Some(&url));
    ensure!(
        code == 0 && out.contains("up to date"),
        "migrate again: {code} {out} {err}"
    );
    let (code, out, err) = cli(path, &["central", "station", "add", "dock1"], Some(&url));
    let station_url = out.trim();
    ensure!(
        code == 0
            && station_url.starts_with("postgresql://")
            && station_url.contains(".dock1:")
            && err.contains("[sync] url"),
        "station add: {code} {out} {err}"
    );
    let dock = Central::connect(station_url, None)
        .await
        .map_err(|e| e.to_string())?;
    std::fs::write(
        path.join("products.csv"),
        "sku,name,tracking,barcodes\nSKU-1,Widget,lot,W-1\n",
    )
    .map_err(|e| e.to_string())?;
    let (code, out, err) = cli(
        path,
        &["central", "import", "products", "products.csv"],
        Some(&url),
    );
    ensure!(
        code == 0 && out.contains("1 products added"),
        "import: {code} {out} {err}"
    );
    dock.push(
        INSTANCE,
        0,
        &[receive("dock1", 1, "SKU-1", Some("L-9"), None, 4, "A-01")],
    )
    .await
    .map_err(|e| e.to_string())?;
    let (code, out, err) = cli(
        path,
        &[
            "central",
            "lot",
            "quarantine",
            "L-9",
            "--product",
            "SKU-1",
            "--reason",
            "recall 12",
        ],
        Some(&url),
    );
    ensure!(
        code == 0 && out.contains("quarantined"),
        "quarantine: {code} {out} {err}"
    );
    let pulled = dock.pull(0, 100).await.map_err(|e| e.to_string())?;
    let lot = pulled.iter().find_map(|i| match &i.item {
        Feed::Lot(l) => Some(l.clone()),
        _ => None,
    });
    ensure!(
        lot.as_ref()
            .is_some_and(|l| l.code == "L-9" && l.reason.as_deref() == Some("recall 12")),
        "pulled {pulled:?}"
    );
    let (code, _, err) = cli(
        path,
        &[
            "central",
            "lot",
            "release",
            "L-404",
            "--product",
            "SKU-1",
            "--reason",
            "x",
        ],
        Some(&url),
    );
    ensure!(
        code == 1 && err.contains("L-404"),
        "an unknown lot: {code} {err}"
    );
    let (code, _, err) = cli(
        path,
        &[
            "central",
            "--url",
            "postgresql://x@central.example/wh",
            "migrate",
        ],
        None,
    );
    ensure!(
        code == 1 && err.contains("without TLS"),
        "plaintext: {code} {err}"
    );
    let (code, _, err) = cli(path, &["central", "migrate"], None);
    ensure!(
        code == 1 && err.contains("[sync] url"),
        "no URL: {code} {err}"
    );
    Ok(())
}

/// One station of the warehouse: its own folder, config and SQLite database, driven through
/// the real binary.
struct Station {
    dir: tempfile::TempDir,
}

impl Station {
    async fn new(central: &Central, name: &str) -> Result<Station, String> {
        let access = central.add_station(name).await.map_err(|e| e.to_string())?;
        Station::with_url(name, &access.url)
    }

    fn with_url(name: &str, url: &str) -> Result<Station, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        std::fs::write(
            dir.path().join("config.toml"),
            format!("[station]\nname = \"{name}\"\n\n[sync]\nurl = \"{url}\"\n"),
        )
        .map_err(|e| e.to_string())?;
        let station = Station { dir };
        station.ok(&["init"])?;
        Ok(station)
    }

    /// The binary with this station's config and database.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let db = self.dir.path().join("station.db");
        let mut all = vec!["--db", db.to_str().unwrap_or_default()];
        all.extend_from_slice(args);
        cli(self.dir.path(), &all, None)
    }

    fn ok(&self, args: &[&str]) -> Result<String, String> {
        match self.run(args) {
            (0, out, _) => Ok(out),
            (code, out, err) => Err(format!("{args:?}: exit {code}: {out} {err}")),
        }
    }

    /// Scans through the station's state machine; every outcome must be `want`.
    fn scan(&self, scans: &str, want: &str) -> Result<(), String> {
        let file = self.dir.path().join("scans.scan");
        std::fs::write(&file, scans).map_err(|e| e.to_string())?;
        let out = self.ok(&["replay", file.to_str().unwrap_or_default(), "--json"])?;
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
            ensure!(
                v["outcome"] == want || v["scan"].as_str().is_some_and(|s| s.starts_with("CMD-")),
                "{} at {}: {line}",
                v["scan"],
                self.dir.path().display()
            );
        }
        Ok(())
    }

    fn json(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let out = self.ok(args)?;
        serde_json::from_str(&out).map_err(|e| format!("{args:?}: {e}: {out}"))
    }
}

/// The demo catalog, imported at the centre.
fn central_catalog(dir: &std::path::Path, url: &str) -> Result<(), String> {
    std::fs::write(dir.join("config.toml"), "[station]\nname = \"office\"\n")
        .map_err(|e| e.to_string())?;
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    for what in ["locations", "products", "orders"] {
        let file = demo.join(format!("{what}.csv"));
        let (code, out, err) = cli(
            dir,
            &["central", "import", what, file.to_str().unwrap_or_default()],
            Some(url),
        );
        ensure!(code == 0, "central import {what}: {code} {out} {err}");
    }
    Ok(())
}

const LAPTOP: &str = "0614141000029";

async fn stations_share_one_truth_through_the_centre(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    let dock2 = Station::new(&central, "dock2").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    for s in [&dock1, &dock2, &pack3] {
        let out = s.ok(&["sync"])?;
        ensure!(out.contains("up to date"), "first sync: {out}");
    }
    // A local import on a synced station would fork the catalog: refused, naming the way.
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/products.csv");
    let (code, _, err) = dock1.run(&["import", "products", demo.to_str().unwrap_or_default()]);
    ensure!(
        code == 1 && err.contains("scantrail central import products"),
        "local import on a synced station: {code} {err}"
    );
    // Received at dock 1 …
    dock1.scan(
        &format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9000-0001\nSN-9000-0002\n"),
        "ok",
    )?;
    let status = dock1.json(&["sync", "status", "--json"])?;
    ensure!(
        status["pending"].as_u64() >= Some(4),
        "pending before sync: {status}"
    );
    dock1.ok(&["sync"])?;
    let status = dock1.json(&["sync", "status", "--json"])?;
    ensure!(
        status["pending"] == 0 && status["last_sync"].is_string() && status["station"] == "dock1",
        "status after sync: {status}"
    );
    // … picked at packing station 3, which knows the serial from the pull.
    pack3.ok(&["sync"])?;
    pack3.scan(
        &format!("CMD-PICK\nSO-7781\nLOC-DOCK\n{LAPTOP}\nSN-9000-0001\n"),
        "ok",
    )?;
    pack3.ok(&["sync"])?;
    // Dock 2 went offline (a port where no centre listens) and received while away.
    let offline = dock2.dir.path().join("config.toml");
    let config = std::fs::read_to_string(&offline).map_err(|e| e.to_string())?;
    let port = env("PGPORT");
    std::fs::write(&offline, config.replace(&format!(":{port}/"), ":1/"))
        .map_err(|e| e.to_string())?;
    dock2.scan(
        &format!("CMD-RECEIVE\nLOC-B-01\n{LAPTOP}\nSN-9000-0002\nSN-9000-0003\n"),
        "ok",
    )?;
    let (code, _, err) = dock2.run(&["sync"]);
    ensure!(
        code == 1 && err.contains("cannot be reached") && err.contains("next round"),
        "sync while the centre is away: {code} {err}"
    );
    let status = dock2.json(&["sync", "status", "--json"])?;
    ensure!(
        status["pending"].as_u64() >= Some(4),
        "pending offline: {status}"
    );
    std::fs::write(&offline, config).map_err(|e| e.to_string())?;
    dock2.ok(&["sync"])?;
    for s in [&dock1, &pack3, &dock2] {
        s.ok(&["sync"])?;
    }
    // Every station's books are the same, and every station's projections are its journal's.
    let books = dock1.json(&["stock", "--json"])?;
    for s in [&dock2, &pack3] {
        ensure!(
            s.json(&["stock", "--json"])? == books,
            "stock differs: {books}"
        );
    }
    for s in [&dock1, &dock2, &pack3] {
        s.ok(&["db", "verify"])?;
    }
    let trace = pack3.json(&["trace", "serial", "SN-9000-0001", "--json"])?;
    ensure!(
        trace["status"] == "shipped",
        "SN-9000-0001 at pack3: {trace}"
    );
    // SN-9000-0002 was received at both docks while they were apart: one conflict, seen by
    // every station and at the centre.
    for s in [&dock1, &dock2, &pack3] {
        let list = s.json(&["conflicts", "--json"])?;
        let dup: Vec<_> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["kind"] == "serial_duplicate" && c["serial"] == "SN-9000-0002")
            .collect();
        ensure!(
            dup.len() == 1 && dup[0]["status"] == "open",
            "conflicts: {list}"
        );
    }
    let list = dock1.json(&["conflicts", "--central", "--url", &db.url(), "--json"])?;
    let id = list
        .as_array()
        .and_then(|l| l.iter().find(|c| c["serial"] == "SN-9000-0002"))
        .and_then(|c| c["id"].as_i64())
        .ok_or(format!("central conflicts: {list}"))?;
    let id = id.to_string();
    // The trace text marks the disputed serial, at a station and from the centre.
    let mark = format!("CONFLICT #{id} serial_duplicate");
    for args in [
        vec!["trace", "serial", "SN-9000-0002"],
        vec![
            "trace",
            "serial",
            "SN-9000-0002",
            "--central",
            "--url",
            &db.url(),
        ],
    ] {
        let text = pack3.ok(&args)?;
        ensure!(text.contains(&mark), "{args:?} does not mark it: {text}");
    }
    let text = pack3.ok(&["trace", "serial", "SN-9000-0001"])?;
    ensure!(!text.contains("CONFLICT"), "an undisputed serial: {text}");
    dock1.ok(&[
        "conflicts",
        "resolve",
        &id,
        "--note",
        "dock2 relabelled its unit",
        "--url",
        &db.url(),
    ])?;
    dock2.ok(&["sync"])?;
    let list = dock2.json(&["conflicts", "--json"])?;
    ensure!(
        list.as_array().is_some_and(|l| l
            .iter()
            .all(|c| c["serial"] != "SN-9000-0002" || c["status"] == "resolved")),
        "resolved at the centre, seen at dock2: {list}"
    );
    let text = dock2.ok(&["trace", "serial", "SN-9000-0002"])?;
    ensure!(!text.contains("CONFLICT"), "resolved, still marked: {text}");
    Ok(())
}

/// A count at one station that does not find a serial makes it missing at the centre and at
/// every other station; a transfer from where it turned up, at another station, brings it back
/// in stock everywhere, and nothing of it is a conflict.
async fn a_serial_a_count_missed_is_missing_everywhere_until_found(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    dock1.ok(&["sync"])?;
    dock1.scan(
        &format!("OP-ann\nCMD-RECEIVE\nLOC-A-01-3\n{LAPTOP}\nSN-9100-0001\nSN-9100-0002\n"),
        "ok",
    )?;
    // SN-9100-0002 is at the centre before the count, SN-9100-0003 comes with it (the push
    // takes a serial that moves once by its batch statements, one that moves twice one
    // movement at a time: both must come out missing).
    dock1.ok(&["sync"])?;
    dock1.scan(
        &format!("OP-ann\nCMD-RECEIVE\nLOC-A-01-3\n{LAPTOP}\nSN-9100-0003\n"),
        "ok",
    )?;
    dock1.scan(
        &format!("OP-ann\nCMD-COUNT\nLOC-A-01-3\n{LAPTOP}\nSN-9100-0001\nCMD-DONE\nCMD-DONE\n"),
        "ok",
    )?;
    dock1.ok(&["sync"])?;
    pack3.ok(&["sync"])?;
    let url = db.url();
    let central_trace = || {
        dock1.json(&[
            "trace",
            "serial",
            "SN-9100-0002",
            "--central",
            "--url",
            &url,
            "--json",
        ])
    };
    let trace = central_trace()?;
    ensure!(
        trace["status"] == "missing" && trace["location"].is_null(),
        "at the centre after the count: {trace}"
    );
    let text = dock1.ok(&[
        "trace",
        "serial",
        "SN-9100-0002",
        "--central",
        "--url",
        &url,
    ])?;
    ensure!(
        text.contains("missing since") && text.contains("count at A-01-3 by ann"),
        "the centre's words: {text}"
    );
    let trace = dock1.json(&[
        "trace",
        "serial",
        "SN-9100-0003",
        "--central",
        "--url",
        &url,
        "--json",
    ])?;
    ensure!(
        trace["status"] == "missing",
        "SN-9100-0003 at the centre: {trace}"
    );
    let trace = pack3.json(&["trace", "serial", "SN-9100-0002", "--json"])?;
    ensure!(trace["status"] == "missing", "at pack3: {trace}");
    // It turns up at B-01 and pack3 moves it to packing.
    pack3.scan("CMD-TRANSFER\nLOC-B-01\nSN-9100-0002\nLOC-PACK\n", "ok")?;
    pack3.ok(&["sync"])?;
    dock1.ok(&["sync"])?;
    let trace = central_trace()?;
    ensure!(
        trace["status"] == "in_stock" && trace["location"] == "PACK",
        "at the centre after the transfer: {trace}"
    );
    let trace = dock1.json(&["trace", "serial", "SN-9100-0002", "--json"])?;
    ensure!(
        trace["status"] == "in_stock" && trace["location"] == "PACK",
        "at dock1 after the transfer: {trace}"
    );
    let list = dock1.json(&["conflicts", "--central", "--url", &url, "--json"])?;
    ensure!(
        list.as_array().is_some_and(|l| l.is_empty()),
        "a count and a find are no conflict: {list}"
    );
    ensure!(
        dock1.json(&["stock", "--json"])? == pack3.json(&["stock", "--json"])?,
        "the stations' books differ"
    );
    for s in [&dock1, &pack3] {
        s.ok(&["db", "verify"])?;
    }
    Ok(())
}

async fn a_copy_of_a_station_database_is_refused(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let access = central
        .add_station("dock1")
        .await
        .map_err(|e| e.to_string())?;
    let dock1 = Station::with_url("dock1", &access.url)?;
    dock1.ok(&["sync"])?;
    dock1.scan(
        &format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9100-0001\n"),
        "ok",
    )?;
    dock1.ok(&["sync"])?;
    // A second database set up as the same station (re-installed, or a copy of the config).
    let twin = Station::with_url("dock1", &access.url)?;
    // It may read the catalog (pull asks no instance)…
    twin.ok(&["sync"])?;
    // … but what it scanned is refused: the centre is fed by dock 1's database.
    twin.scan(
        &format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9100-0002\n"),
        "ok",
    )?;
    let (code, _, err) = twin.run(&["sync"]);
    ensure!(
        code == 1 && err.contains("another station database"),
        "a new database as dock1: {code} {err}"
    );
    // A file copy of dock 1's database (same instance id): once the two have scanned apart,
    // the one that pushes second is refused, never merged silently.
    let copy = Station::with_url("dock1", &access.url)?;
    std::fs::copy(
        dock1.dir.path().join("station.db"),
        copy.dir.path().join("station.db"),
    )
    .map_err(|e| e.to_string())?;
    dock1.scan(
        &format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9100-0003\n"),
        "ok",
    )?;
    copy.scan(
        &format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9100-0004\n"),
        "ok",
    )?;
    dock1.ok(&["sync"])?;
    let (code, _, err) = copy.run(&["sync"]);
    ensure!(code == 1, "a copy of dock1's database pushed: {err}");
    // The original goes on.
    dock1.scan(
        &format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9100-0005\n"),
        "ok",
    )?;
    dock1.ok(&["sync"])?;
    Ok(())
}

/// Receipts of `count` laptops into the dock, serials `SN-{block}-0001` on: one group per
/// serial, so that a few thousand make several push batches.
fn receipts(block: u32, count: u32) -> String {
    let mut scans = format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\n");
    for n in 1..=count {
        scans.push_str(&format!("SN-{block}-{n:04}\n"));
    }
    scans
}

/// The ids of a station's own movements, from its journal.
fn own_movements(station: &Station, name: &str) -> Result<Vec<String>, String> {
    let all = station.json(&["export", "movements", "--format", "json"])?;
    let mut ids: Vec<String> = all
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["station"] == name)
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    Ok(ids)
}

/// The ids of a station's movements at the centre, one per row (a duplicate would show).
async fn central_movements(db: &Db, name: &str) -> Result<Vec<String>, String> {
    let sql = db.sql().await?;
    let rows = sql
        .query(
            "SELECT id::text FROM scantrail.movements WHERE station = $1 ORDER BY id::text",
            &[&name],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The centre holds exactly the station's own movements: same count, same ids.
async fn centre_holds_exactly(db: &Db, station: &Station, name: &str) -> Result<usize, String> {
    let here = own_movements(station, name)?;
    let there = central_movements(db, name).await?;
    ensure!(
        here == there,
        "{name}: {} movement(s) in its journal, {} at the centre{}",
        here.len(),
        there.len(),
        here.iter()
            .zip(&there)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!(", first difference {a} / {b}"))
            .unwrap_or_default()
    );
    Ok(here.len())
}

/// Rows waiting, read from the station's database directly: fast enough to catch a round
/// between two batches, which a `sync status` process may not be.
fn pending_now(station: &Station) -> Result<u64, String> {
    let store = Store::open(
        &station.dir.path().join("station.db"),
        &scantrail::config::DatabaseConfig::default(),
    )
    .map_err(|e| e.to_string())?;
    Ok(store.sync_status().map_err(|e| e.to_string())?.pending)
}

fn pending(station: &Station) -> Result<u64, String> {
    let status = station.json(&["sync", "status", "--json"])?;
    status["pending"]
        .as_u64()
        .ok_or(format!("sync status: {status}"))
}

/// A pause between `low` and `high` milliseconds, different every time (the clock's
/// nanoseconds: the kills need not be reproducible, only scattered).
fn some_ms(low: u64, high: u64) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    Duration::from_millis(low + nanos % (high - low))
}

impl Station {
    /// The binary with this station's config and database, running on its own; its stderr
    /// goes to `log` in the station's folder.
    fn spawn(&self, args: &[&str], log: &str) -> Result<std::process::Child, String> {
        let db = self.dir.path().join("station.db");
        let log = std::fs::File::create(self.dir.path().join(log)).map_err(|e| e.to_string())?;
        std::process::Command::new(env!("CARGO_BIN_EXE_scantrail"))
            .current_dir(self.dir.path())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("SCANTRAIL_CENTRAL_URL")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())
    }

    fn log(&self, log: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default()
    }

    /// Adds a line to the config's `[sync]` section (the last one).
    fn sync_setting(&self, line: &str) -> Result<(), String> {
        let path = self.dir.path().join("config.toml");
        let config = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        std::fs::write(&path, format!("{config}{line}\n")).map_err(|e| e.to_string())
    }
}

async fn a_sync_killed_mid_batch_neither_loses_nor_duplicates(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    dock1.ok(&["sync"])?;
    dock1.scan(&receipts(2000, 1800), "ok")?;
    let waiting = pending(&dock1)?;
    // kill -9 of `sync`: first, and every other time after, right after the station has seen
    // a batch acknowledged, so that kills surely land between two batches of a round whatever
    // the machine's speed; in between at a scattered moment (before it connects, in a push
    // batch, between the centre's commit and the station's acknowledgement) — such a kill may
    // also come after the round has finished.
    let (mut before, mut cut) = (waiting, 0);
    for attempt in 0..12 {
        let mut sync = dock1.spawn(&["sync"], "sync.log")?;
        if attempt % 2 == 1 {
            std::thread::sleep(some_ms(50, 900));
        } else {
            let deadline = Instant::now() + Duration::from_secs(20);
            while pending_now(&dock1)? >= before && Instant::now() < deadline {
                if sync.try_wait().map_err(|e| e.to_string())?.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let _ = sync.kill();
        let _ = sync.wait();
        let left = pending(&dock1)?;
        println!("    killed a sync: {left} of {waiting} row(s) still waiting");
        if left > 0 && left < before {
            cut += 1;
        }
        before = left;
        if left == 0 {
            break;
        }
    }
    ensure!(cut > 0, "no kill landed between two batches of a round");
    let out = dock1.ok(&["sync"])?;
    ensure!(out.contains("up to date"), "the clean sync: {out}");
    ensure!(pending(&dock1)? == 0, "rows waiting after a clean sync");
    let movements = centre_holds_exactly(&db, &dock1, "dock1").await?;
    ensure!(
        movements == 1800,
        "{movements} movements in dock1's journal"
    );
    dock1.ok(&["db", "verify"])?;
    // The station that pulls is cut too: a pull is applied whole or not at all.
    for _ in 0..3 {
        let mut sync = pack3.spawn(&["sync"], "sync.log")?;
        std::thread::sleep(some_ms(50, 600));
        let _ = sync.kill();
        let _ = sync.wait();
    }
    pack3.ok(&["sync"])?;
    pack3.ok(&["db", "verify"])?;
    let books = dock1.json(&["stock", "--json"])?;
    ensure!(
        pack3.json(&["stock", "--json"])? == books,
        "pack3's stock differs from dock1's: {books}"
    );
    Ok(())
}

/// The cluster pg_virtualenv made, as `pg_ctlcluster` names it: version and name.
fn this_cluster() -> Result<(String, String), String> {
    let out = std::process::Command::new("pg_lsclusters")
        .arg("--no-header")
        .output()
        .map_err(|e| format!("pg_lsclusters: {e}"))?;
    let port = env("PGPORT");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cols| cols.get(2) == Some(&port.as_str()))
        .map(|cols| (cols[0].to_owned(), cols[1].to_owned()))
        .ok_or(format!("no cluster listens on port {port}"))
}

fn pg_ctlcluster(cluster: &(String, String), args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("pg_ctlcluster")
        .arg(&cluster.0)
        .arg(&cluster.1)
        .args(args)
        .output()
        .map_err(|e| format!("pg_ctlcluster: {e}"))?;
    ensure!(
        out.status.success(),
        "pg_ctlcluster {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

async fn the_centre_stopped_mid_round_loses_nothing(db: Db) -> CaseResult {
    let cluster = this_cluster()?;
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    dock1.ok(&["sync"])?;
    dock1.scan(&receipts(2100, 1500), "ok")?;
    let waiting = pending(&dock1)?;
    // Stopped once the round's first batch is in and before its last.
    let mut sync = dock1.spawn(&["sync"], "sync.log")?;
    let mut left = waiting;
    while left == waiting && sync.try_wait().map_err(|e| e.to_string())?.is_none() {
        left = pending_now(&dock1)?;
    }
    let stopped = pg_ctlcluster(&cluster, &["stop", "-m", "immediate"]);
    let outcome = sync.wait().map_err(|e| e.to_string());
    let result = async {
        stopped?;
        let code = outcome?.code();
        let left = pending(&dock1)?;
        let err = dock1.log("sync.log");
        println!(
            "    the centre stopped in a round: exit {code:?}, {left} of {waiting} row(s) waiting: {}",
            err.trim()
        );
        ensure!(
            left > 0 && left < waiting,
            "the centre was not stopped mid-round: {left} of {waiting} waiting"
        );
        ensure!(
            code == Some(1) && err.contains("kept here"),
            "the round cut by the centre's stop: {code:?} {err}"
        );
        // The station goes on scanning; its rows wait.
        dock1.scan(&receipts(2101, 20), "ok")?;
        let more = pending(&dock1)?;
        ensure!(more >= left + 20, "pending {left} → {more} after 20 scans");
        let (code, _, err) = dock1.run(&["sync"]);
        ensure!(
            code == 1 && err.contains("cannot be reached") && err.contains("kept here"),
            "sync with the centre down: {code} {err}"
        );
        let status = dock1.json(&["sync", "status", "--json"])?;
        ensure!(status["pending"] == more, "status with the centre down: {status}");
        Ok::<_, String>(())
    }
    .await;
    // The cases after this one need the cluster, whatever happened here.
    pg_ctlcluster(&cluster, &["start"])?;
    result?;
    let out = dock1.ok(&["sync"])?;
    ensure!(
        out.contains("up to date"),
        "sync with the centre back: {out}"
    );
    ensure!(pending(&dock1)? == 0, "rows waiting with the centre back");
    let movements = centre_holds_exactly(&db, &dock1, "dock1").await?;
    ensure!(
        movements == 1520,
        "{movements} movements in dock1's journal"
    );
    dock1.ok(&["db", "verify"])?;
    pack3.ok(&["sync"])?;
    ensure!(
        pack3.json(&["stock", "--json"])? == dock1.json(&["stock", "--json"])?,
        "pack3's stock differs from dock1's"
    );
    Ok(())
}

async fn a_station_offline_for_a_day_catches_up(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock2 = Station::new(&central, "dock2").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    for s in [&dock2, &pack3] {
        s.ok(&["sync"])?;
    }
    // The network goes: the config points at a port where no centre listens.
    let config_path = dock2.dir.path().join("config.toml");
    let config = std::fs::read_to_string(&config_path).map_err(|e| e.to_string())?;
    let port = env("PGPORT");
    std::fs::write(&config_path, config.replace(&format!(":{port}/"), ":1/"))
        .map_err(|e| e.to_string())?;
    let scans = 2000;
    let started = Instant::now();
    dock2.scan(&receipts(2200, scans), "ok")?;
    let scanning = started.elapsed();
    let (code, _, err) = dock2.run(&["sync"]);
    ensure!(code == 1, "sync offline: {code} {err}");
    let waiting = pending(&dock2)?;
    ensure!(
        waiting >= u64::from(scans),
        "{waiting} row(s) waiting after {scans} scans"
    );
    std::fs::write(&config_path, config).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let out = dock2.ok(&["sync"])?;
    let push = started.elapsed();
    let started = Instant::now();
    pack3.ok(&["sync"])?;
    let pull = started.elapsed();
    println!(
        "    {scans} scans offline ({:.1} s to scan): the catch-up round sent {waiting} row(s) in {:.2} s, pack3 pulled them in {:.2} s ({out})",
        scanning.as_secs_f64(),
        push.as_secs_f64(),
        pull.as_secs_f64(),
        out = out.trim()
    );
    let movements = centre_holds_exactly(&db, &dock2, "dock2").await?;
    ensure!(
        movements == scans as usize,
        "{movements} movements at dock2"
    );
    let books = dock2.json(&["stock", "--json"])?;
    ensure!(
        pack3.json(&["stock", "--json"])? == books,
        "pack3's stock differs from dock2's"
    );
    pack3.ok(&["db", "verify"])?;
    Ok(())
}

async fn headless_stations_sync_in_the_background(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    // dock1 polls every second (a replay on its database does not nudge its sync task);
    // pack3 hardly ever polls: only the centre's NOTIFY can wake it in time.
    dock1.sync_setting("interval_s = 1")?;
    pack3.sync_setting("interval_s = 600")?;
    let mut running = Vec::new();
    let result = async {
        for s in [&dock1, &pack3] {
            running.push(s.spawn(&["run", "--headless"], "headless.log")?);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while ![&dock1, &pack3]
            .iter()
            .all(|s| s.log("headless.log").contains("in touch with the centre"))
        {
            for child in &mut running {
                if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                    return Err(format!(
                        "a headless station stopped ({status}): {} / {}",
                        dock1.log("headless.log"),
                        pack3.log("headless.log")
                    ));
                }
            }
            ensure!(
                Instant::now() < deadline,
                "not in touch after 10 s: dock1: {} pack3: {}",
                dock1.log("headless.log"),
                pack3.log("headless.log")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        dock1.scan(&receipts(2300, 5), "ok")?;
        let scanned = Instant::now();
        let want = dock1.json(&["stock", "--json"])?;
        loop {
            if pack3.json(&["stock", "--json"])? == want {
                break;
            }
            ensure!(
                scanned.elapsed() < Duration::from_secs(5),
                "pack3 has not received dock1's scans after 5 s: {}",
                pack3.log("headless.log")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "    scanned at dock1, in pack3's database {} ms later",
            scanned.elapsed().as_millis()
        );
        ensure!(pending(&dock1)? == 0, "dock1 has rows waiting");
        Ok(())
    }
    .await;
    for child in &mut running {
        let _ = child.kill();
        let _ = child.wait();
    }
    result?;
    centre_holds_exactly(&db, &dock1, "dock1").await?;
    pack3.ok(&["db", "verify"])?;
    Ok(())
}

/// Waits up to `secs` seconds for `done`, checking every tenth of a second.
async fn within(
    secs: u64,
    what: &str,
    mut done: impl FnMut() -> Result<bool, String>,
) -> CaseResult {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done()? {
        ensure!(Instant::now() < deadline, "{what}: not after {secs} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

async fn a_headless_station_rides_out_the_centre_going_away(db: Db) -> CaseResult {
    let cluster = this_cluster()?;
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    dock1.sync_setting("interval_s = 1")?;
    let mut headless = dock1.spawn(&["run", "--headless"], "headless.log")?;
    let touch = |times: usize| {
        dock1
            .log("headless.log")
            .matches("in touch with the centre")
            .count()
            >= times
    };
    let result = async {
        within(10, "in touch with the centre", || Ok(touch(1))).await?;
        pg_ctlcluster(&cluster, &["stop", "-m", "immediate"])?;
        let stopped = async {
            within(10, "the log says the centre went away", || {
                Ok(dock1.log("headless.log").contains("goes on alone"))
            })
            .await?;
            dock1.scan(&receipts(2400, 10), "ok")?;
            ensure!(pending(&dock1)? >= 10, "scans while the centre is away");
            ensure!(
                headless.try_wait().map_err(|e| e.to_string())?.is_none(),
                "the headless station stopped with the centre: {}",
                dock1.log("headless.log")
            );
            Ok::<_, String>(())
        }
        .await;
        pg_ctlcluster(&cluster, &["start"])?;
        stopped?;
        within(15, "in touch again and nothing waiting", || {
            Ok(touch(2) && pending(&dock1)? == 0)
        })
        .await?;
        Ok::<_, String>(())
    }
    .await;
    let _ = headless.kill();
    let _ = headless.wait();
    println!(
        "    the headless log: {}",
        dock1
            .log("headless.log")
            .lines()
            .filter(|l| l.contains("sync"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    result?;
    let movements = centre_holds_exactly(&db, &dock1, "dock1").await?;
    ensure!(movements == 10, "{movements} movements at dock1");
    Ok(())
}

/// A JSON array of movements, by id: a station's journal and the centre's list the same rows
/// in orders of their own.
fn by_id(list: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut rows = list.as_array().cloned().unwrap_or_default();
    rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    rows
}

/// CSV output: its header, then its lines sorted (the first column is the movement's id).
fn csv_sorted(out: &str) -> (String, Vec<String>) {
    let mut lines = out.lines().map(str::to_owned);
    let header = lines.next().unwrap_or_default();
    let mut rows: Vec<String> = lines.collect();
    rows.sort();
    (header, rows)
}

const ASPIRIN_LOT: &str = "]d2010061414100001210L-CEN-7\u{1d}17280229";

async fn the_read_commands_answer_from_the_centre(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock_access = central
        .add_station("dock1")
        .await
        .map_err(|e| e.to_string())?;
    let dock1 = Station::with_url("dock1", &dock_access.url)?;
    let pack3 = Station::new(&central, "pack3").await?;
    dock1.ok(&["sync"])?;
    dock1.scan(
        &format!(
            "CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9200-0001\nSN-9200-0002\n{ASPIRIN_LOT}\n{ASPIRIN_LOT}\n{ASPIRIN_LOT}\n"
        ),
        "ok",
    )?;
    dock1.ok(&["sync"])?;
    pack3.ok(&["sync"])?;
    pack3.scan(
        &format!("CMD-PICK\nSO-7781\nLOC-DOCK\n{LAPTOP}\nSN-9200-0001\n{ASPIRIN_LOT}\n"),
        "ok",
    )?;
    // An error has its row in the scan log too, at the station and at the centre.
    pack3.scan("LOC-NOWHERE\n", "error")?;
    pack3.ok(&["sync"])?;
    // Dock 1 has pulled everything: its books are the warehouse's, and the centre's answers
    // (through dock 1's own role, from its [sync] url) must be the same documents.
    dock1.ok(&["sync"])?;
    let admin = db.url();
    for args in [
        vec!["stock", "--json"],
        vec!["stock", "--product", "ASP-500", "--json"],
        vec!["trace", "serial", "SN-9200-0001", "--json"],
        vec!["trace", "lot", "L-CEN-7", "--product", "ASP-500", "--json"],
        vec!["export", "stock", "--format", "json"],
        vec!["export", "stock", "--format", "csv"],
        vec!["trace", "serial", "SN-9200-0001"],
        vec!["trace", "lot", "L-CEN-7", "--product", "ASP-500"],
        vec!["stock"],
    ] {
        let local = dock1.ok(&args)?;
        let mut asked = args.clone();
        asked.push("--central");
        ensure!(
            dock1.ok(&asked)? == local,
            "{asked:?} differs from the local answer:\n{local}\n{}",
            dock1.ok(&asked)?
        );
        asked.extend(["--url", admin.as_str()]);
        ensure!(
            pack3.ok(&asked)? == local,
            "{asked:?} as the administration differs"
        );
    }
    let trace = dock1.json(&["trace", "serial", "SN-9200-0001", "--central", "--json"])?;
    let stations: Vec<_> = trace["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["station"].clone())
        .collect();
    ensure!(
        trace["status"] == "shipped" && stations == ["dock1", "pack3"],
        "the centre's trace: {trace}"
    );
    let recall = dock1.json(&[
        "trace",
        "lot",
        "L-CEN-7",
        "--product",
        "ASP-500",
        "--central",
        "--json",
    ])?;
    ensure!(
        recall["received"] == 3 && recall["shipped"][0]["qty"] == 1,
        "the centre's recall: {recall}"
    );
    // The journal: every station's movements, in a station's own columns.
    let local = by_id(&dock1.json(&["export", "movements", "--format", "json"])?);
    let centre = by_id(&dock1.json(&["export", "movements", "--format", "json", "--central"])?);
    ensure!(
        local.len() == 7 && centre == local,
        "export movements --central:\n{centre:?}\nlocal:\n{local:?}"
    );
    ensure!(
        centre.iter().any(|m| m["station"] == "dock1")
            && centre.iter().any(|m| m["station"] == "pack3"),
        "both stations' movements: {centre:?}"
    );
    let local = csv_sorted(&dock1.ok(&["export", "movements", "--format", "csv"])?);
    let centre = csv_sorted(&pack3.ok(&["export", "movements", "--format", "csv", "--central"])?);
    ensure!(
        centre == local && local.0.starts_with("id,group,at,station"),
        "CSV export --central: {centre:?}\nlocal: {local:?}"
    );
    // The scan log: every station's scans, whatever their outcome, in a station's columns.
    let local = by_id(&dock1.json(&["export", "scans", "--format", "json"])?);
    let centre = by_id(&pack3.json(&["export", "scans", "--format", "json", "--central"])?);
    ensure!(
        centre == local
            && local.iter().any(|s| s["station"] == "pack3"
                && s["raw"] == "LOC-NOWHERE"
                && s["outcome"] == "error")
            && local
                .iter()
                .any(|s| s["station"] == "dock1" && s["raw"] == ASPIRIN_LOT),
        "export scans --central:\n{centre:?}\nlocal:\n{local:?}"
    );
    let local = csv_sorted(&dock1.ok(&["export", "scans", "--format", "csv"])?);
    let centre = csv_sorted(&dock1.ok(&["export", "scans", "--format", "csv", "--central"])?);
    ensure!(
        centre == local
            && local.0 == "id,at,station,operator,device,raw,outcome,message"
            && local.1.iter().any(|l| l.contains("L-CEN-7<GS>17280229")),
        "CSV export scans --central: {centre:?}\nlocal: {local:?}"
    );
    // Not known anywhere: the centre says so, and the command fails.
    let (code, _, err) = dock1.run(&["trace", "serial", "SN-404", "--central"]);
    ensure!(
        code == 1 && err.contains("no serial 'SN-404' has ever been scanned"),
        "an unknown serial: {code} {err}"
    );
    let (code, _, err) = dock1.run(&["trace", "lot", "NOPE", "--product", "ASP-500", "--central"]);
    ensure!(
        code == 1 && err.contains("SKU 'ASP-500' has no lot 'NOPE'"),
        "an unknown lot: {code} {err}"
    );
    // A station's role reads all this through the functions only: the tables stay shut.
    let sql = raw(&dock_access.url).await?;
    for table in ["movements", "stock", "scans"] {
        let read = sql
            .query(&format!("SELECT * FROM scantrail.{table} LIMIT 1"), &[])
            .await;
        ensure!(read.is_err(), "dock1's role read scantrail.{table}");
    }
    let rows = sql
        .query(
            "SELECT * FROM scantrail.movement_rows(0, '00000000-0000-0000-0000-000000000000', 10)",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        rows.len() == 7,
        "movement_rows as dock1: {} rows",
        rows.len()
    );
    Ok(())
}

async fn the_central_export_pages_never_skip_or_repeat_a_movement(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    // Groups of several movements share one gseq: a page may end inside one.
    let three = (1..=3)
        .map(|n| {
            let serial = format!("SN-77-{n}");
            movement(
                MovementKind::Receive,
                "SKU-S",
                None,
                Some(&serial),
                1,
                None,
                Some("LOC-A"),
            )
        })
        .collect();
    let two = (4..=5)
        .map(|n| {
            let serial = format!("SN-77-{n}");
            movement(
                MovementKind::Receive,
                "SKU-S",
                None,
                Some(&serial),
                1,
                None,
                Some("LOC-A"),
            )
        })
        .collect();
    let groups = [
        group("dock1", 1, "SN-77-1..3", three),
        receive("dock1", 5, "SKU-1", Some("L1"), None, 5, "LOC-A"),
        group("dock1", 7, "SN-77-4..5", two),
    ];
    dock.push(INSTANCE, 0, &groups)
        .await
        .map_err(|e| e.to_string())?;
    let whole = dock
        .movements_page(None, 100)
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        whole.movements.len() == 6,
        "one page: {:?}",
        whole.movements
    );
    let mut paged = Vec::new();
    let mut after = None;
    for _ in 0..10 {
        let page = dock
            .movements_page(after, 2)
            .await
            .map_err(|e| e.to_string())?;
        if page.movements.is_empty() {
            break;
        }
        ensure!(
            page.movements.len() <= 2,
            "a page of {}",
            page.movements.len()
        );
        paged.extend(page.movements);
        after = page.next;
    }
    ensure!(
        paged == whole.movements,
        "pages of 2:\n{paged:?}\none page:\n{:?}",
        whole.movements
    );
    let operators: Vec<_> = paged.iter().map(|m| m.operator.as_deref()).collect();
    ensure!(
        operators.iter().all(|o| *o == Some("OP-ANNA")),
        "operators: {operators:?}"
    );
    Ok(())
}

async fn the_centre_s_answers_escape_stored_texts_as_a_station_does(db: Db) -> CaseResult {
    let central = db.central().await?;
    let (_, dock) = station(&central, "dock1").await?;
    let serial = "HS\u{1b}[2J\u{1b}]0;pwned\u{7}-1";
    let lot = "L\u{1b}[31m-9";
    let mut unit = receive("dock1", 1, "HS-200", None, Some(serial), 1, "DOCK");
    unit.operator = Some("\u{1b}[5mmaria".into());
    let groups = [
        unit,
        receive("dock1", 2, "ASP-500", Some(lot), None, 4, "DOCK"),
    ];
    dock.push(INSTANCE, 0, &groups)
        .await
        .map_err(|e| e.to_string())?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(
        office.path().join("config.toml"),
        "[station]\nname = \"office\"\n",
    )
    .map_err(|e| e.to_string())?;
    let url = db.url();
    let ask = |args: &[&str]| -> Result<String, String> {
        let mut all = args.to_vec();
        all.push("--central");
        match cli(office.path(), &all, Some(&url)) {
            (0, out, _) => Ok(out),
            (code, out, err) => Err(format!("{all:?}: exit {code}: {out} {err}")),
        }
    };
    for (args, stored) in [
        (vec!["trace", "serial", serial], serial),
        (vec!["trace", "lot", lot, "--product", "ASP-500"], lot),
        (vec!["stock"], lot),
    ] {
        let text = ask(&args)?;
        ensure!(
            !text.chars().any(|c| c == '\u{1b}' || c == '\u{7}'),
            "{args:?} sent a raw control character: {text:?}"
        );
        ensure!(
            text.contains(&scantrail::session::shown(stored)),
            "{args:?} does not show the stored text escaped: {text}"
        );
    }
    ensure!(
        ask(&["trace", "serial", serial])?.contains(&scantrail::session::shown("\u{1b}[5mmaria")),
        "the operator is not escaped"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ask(&["trace", "serial", serial, "--json"])?)
            .map_err(|e| e.to_string())?;
    ensure!(
        json["serial"] == serial && json["history"][0]["operator"] == "\u{1b}[5mmaria",
        "--json keeps stored texts exact: {json}"
    );
    Ok(())
}

async fn a_station_added_before_migration_2_may_export_after_it(db: Db) -> CaseResult {
    // A centre at schema version 1, as released, with a station added then.
    let sql = db.sql().await?;
    sql.batch_execute(&format!(
        "BEGIN;
         CREATE SCHEMA scantrail;
         CREATE TABLE scantrail.schema_migrations (
             version     integer PRIMARY KEY,
             name        text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         );
         SET LOCAL search_path = scantrail;
         {}
         INSERT INTO scantrail.schema_migrations (version, name) VALUES (1, 'central');
         COMMIT;",
        include_str!("../src/sync/migrations/001_central.sql")
    ))
    .await
    .map_err(|e| e.to_string())?;
    let mut central = Central::connect(&db.url(), None)
        .await
        .map_err(|e| e.to_string())?;
    let dock = old_station(&db, "dock1").await?;
    dock.push(
        INSTANCE,
        0,
        &[receive("dock1", 1, "SKU-1", Some("L1"), None, 5, "LOC-A")],
    )
    .await
    .map_err(|e| e.to_string())?;
    let done = central.migrate().await.map_err(|e| e.to_string())?;
    ensure!(done.from == 1, "migrated from {done:?}");
    let page = dock
        .movements_page(None, 10)
        .await
        .map_err(|e| format!("dock1 after the upgrade: {e}"))?;
    ensure!(page.movements.len() == 1, "{:?}", page.movements);
    Ok(())
}

/// A group of three movements in an order that is not their ids' order, with a lot's expiry,
/// a partner, a document and a reversal: everything a pull must give back as it was pushed.
fn a_full_group(station: &str, seq: i64) -> PushedGroup {
    let mut first = movement(
        MovementKind::Receive,
        "ASP-500",
        Some("L-7"),
        None,
        4,
        None,
        Some("DOCK"),
    );
    first.expiry = chrono::NaiveDate::from_ymd_opt(2027, 3, 31);
    first.document = Some("PO-4711".into());
    first.partner = Some("Acme Medical".into());
    let second = movement(
        MovementKind::Receive,
        "LAP-X1",
        None,
        Some("SN-1"),
        1,
        None,
        Some("DOCK"),
    );
    let mut third = movement(
        MovementKind::Reversal,
        "GLV-M",
        None,
        None,
        2,
        Some("A-01"),
        None,
    );
    third.reverses = Some(Uuid::now_v7());
    let mut g = group(station, seq, "\u{1d}01 mixed", vec![third, first, second]);
    g.device = Some("usb-scanner-1".into());
    g.close_document = Some("PO-4711".into());
    // A station's times have milliseconds (its journal's text form).
    g.at = chrono::DateTime::from_timestamp_millis(g.at.timestamp_millis()).unwrap_or(g.at);
    g
}

async fn pulled_group(pack: &Central, id: Uuid) -> Result<PushedGroup, String> {
    let items = pack.pull(0, 100).await.map_err(|e| e.to_string())?;
    items
        .into_iter()
        .find_map(|i| match i.item {
            Feed::Group(g) if g.id == id => Some(g),
            _ => None,
        })
        .ok_or(format!("group {id} not pulled"))
}

async fn a_group_is_pulled_as_it_was_pushed(db: Db) -> CaseResult {
    let mut central = db.central().await?;
    central.migrate().await.map_err(|e| e.to_string())?;
    let (_, dock) = station(&central, "dock1").await?;
    let (_, pack) = station(&central, "pack3").await?;
    let sent = a_full_group("dock1", 1);
    dock.push(INSTANCE, 0, std::slice::from_ref(&sent))
        .await
        .map_err(|e| e.to_string())?;
    let got = pulled_group(&pack, sent.id).await?;
    ensure!(got == sent, "sent {sent:?}\npulled {got:?}");
    // Its own group does not come back to the station that pushed it.
    let own = dock.pull(0, 100).await.map_err(|e| e.to_string())?;
    ensure!(
        !own.iter()
            .any(|i| matches!(&i.item, Feed::Group(g) if g.id == sent.id)),
        "dock1 pulled its own group: {own:?}"
    );
    Ok(())
}

async fn groups_pushed_before_migration_4_are_pulled_the_same_after_it(db: Db) -> CaseResult {
    // A centre at schema version 3, as released, holding a group.
    let sql = db.sql().await?;
    sql.batch_execute(&format!(
        "BEGIN;
         CREATE SCHEMA scantrail;
         CREATE TABLE scantrail.schema_migrations (
             version     integer PRIMARY KEY,
             name        text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         );
         SET LOCAL search_path = scantrail;
         {}
         {}
         {}
         INSERT INTO scantrail.schema_migrations (version, name)
         VALUES (1, 'central'), (2, 'export'), (3, 'push_by_batch');
         COMMIT;",
        include_str!("../src/sync/migrations/001_central.sql"),
        include_str!("../src/sync/migrations/002_export.sql"),
        include_str!("../src/sync/migrations/003_push_by_batch.sql")
    ))
    .await
    .map_err(|e| e.to_string())?;
    let mut central = Central::connect(&db.url(), None)
        .await
        .map_err(|e| e.to_string())?;
    let dock = old_station(&db, "dock1").await?;
    let pack = old_station(&db, "pack3").await?;
    let sent = a_full_group("dock1", 1);
    dock.push(INSTANCE, 0, std::slice::from_ref(&sent))
        .await
        .map_err(|e| e.to_string())?;
    let before = pulled_group(&pack, sent.id).await?;
    let done = central.migrate().await.map_err(|e| e.to_string())?;
    ensure!(done.from == 3, "migrated from {done:?}");
    let after = pulled_group(&pack, sent.id).await?;
    ensure!(
        after == before && after == sent,
        "before {before:?}\nafter {after:?}"
    );
    // A resend after the upgrade is still recognised as the same group.
    let acked = dock
        .push(INSTANCE, 0, std::slice::from_ref(&sent))
        .await
        .map_err(|e| e.to_string())?;
    ensure!(acked == 1, "resend acknowledged {acked}");
    Ok(())
}

async fn a_station_password_never_reaches_the_centre(db: Db) -> CaseResult {
    let mut central = db.central().await?;
    central.migrate().await.map_err(|e| e.to_string())?;
    let (access, dock) = station(&central, "dock1").await?;
    let sql = db.sql().await?;
    let stored: String = sql
        .query_one(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
            &[&access.role],
        )
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    ensure!(
        stored.starts_with("SCRAM-SHA-256$4096:") && !stored.contains(&access.password),
        "the centre stores {stored}"
    );
    // The password logs in.
    dock.pull(0, 1).await.map_err(|e| e.to_string())?;
    // A plain password is never taken.
    let plain = sql
        .execute(
            "SELECT scantrail.station_add('dock9', 'x.dock9', 4, '30s', 'secret-password')",
            &[],
        )
        .await;
    ensure!(
        plain
            .as_ref()
            .is_err_and(|e| format!("{e:?}").contains("bad_verifier")),
        "a plain password: {plain:?}"
    );
    Ok(())
}

/// A station added as the released scantrail of an older schema did (`station_add` of
/// migration 2, which made the password at the centre): a login for `name`.
async fn old_station(db: &Db, name: &str) -> Result<Central, String> {
    let sql = db.sql().await?;
    let role = format!("{}.{name}", db.name);
    let password: String = sql
        .query_one(
            "SELECT scantrail.station_add($1, $2, 4, '30s')",
            &[&name, &role],
        )
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let url = format!(
        "postgresql://{role}:{password}@{}:{}/{}",
        env("PGHOST"),
        env("PGPORT"),
        db.name
    );
    Central::connect(&url, None)
        .await
        .map_err(|e| e.to_string())
}
/// The events of one EPCIS document by eventID (the document's creationDate aside).
fn epcis_events(document: &serde_json::Value) -> Result<Vec<serde_json::Value>, String> {
    let mut events = document["epcisBody"]["eventList"]
        .as_array()
        .cloned()
        .ok_or_else(|| format!("no eventList in {document}"))?;
    events.sort_by(|a, b| a["eventID"].as_str().cmp(&b["eventID"].as_str()));
    Ok(events)
}

async fn the_centre_s_epcis_events_are_the_stations_own(db: Db) -> CaseResult {
    let central = db.central().await?;
    let office = tempfile::tempdir().map_err(|e| e.to_string())?;
    central_catalog(office.path(), &db.url())?;
    let dock1 = Station::new(&central, "dock1").await?;
    let pack3 = Station::new(&central, "pack3").await?;
    dock1.ok(&["sync"])?;
    dock1.scan(
        &format!(
            "CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-9300-0001\nSN-9300-0002\n{ASPIRIN_LOT}\n{ASPIRIN_LOT}\n"
        ),
        "ok",
    )?;
    dock1.ok(&["sync"])?;
    pack3.ok(&["sync"])?;
    pack3.scan(
        &format!("CMD-PICK\nSO-7781\nLOC-DOCK\n{LAPTOP}\nSN-9300-0001\n{ASPIRIN_LOT}\nCMD-UNDO\n"),
        "ok",
    )?;
    pack3.ok(&["sync"])?;
    dock1.ok(&["sync"])?;
    // Dock 1 has pulled everything: the centre's document holds the very events of dock 1's
    // own, eventIDs included, whichever station recorded them.
    for filter in [
        vec![],
        vec!["--lot", "L-CEN-7", "--product", "ASP-500"],
        vec!["--serial", "SN-9300-0001"],
    ] {
        let mut args = vec!["export", "epcis"];
        args.extend(&filter);
        let local = epcis_events(&dock1.json(&args)?)?;
        args.push("--central");
        let centre = epcis_events(&dock1.json(&args)?)?;
        ensure!(
            local == centre && !local.is_empty(),
            "{args:?}: the centre's events differ from dock 1's:\n{local:?}\n{centre:?}"
        );
    }
    let all = epcis_events(&dock1.json(&["export", "epcis", "--central"])?)?;
    // Receipts of two laptops and two cases, a laptop shipped, and the undone aspirin pick
    // twice: the shipment and its error declaration, under one eventID.
    ensure!(all.len() == 7, "events: {all:?}");
    let declared: Vec<_> = all
        .iter()
        .filter(|e| e.get("errorDeclaration").is_some())
        .collect();
    ensure!(
        declared.len() == 1
            && all
                .iter()
                .filter(|e| e["eventID"] == declared[0]["eventID"])
                .count()
                == 2,
        "the undo's error declaration: {declared:?}"
    );
    // Pack 3 recorded the shipment; its own export names it by the same eventID.
    let packed = epcis_events(&pack3.json(&["export", "epcis", "--serial", "SN-9300-0001"])?)?;
    let shipped = packed
        .iter()
        .find(|e| e["bizStep"] == "shipping")
        .ok_or("pack 3 exported no shipment")?;
    ensure!(
        all.iter().any(|e| e == shipped),
        "pack 3's shipment is not the centre's: {shipped}"
    );
    // The recall package of a lot nobody has is refused, as at a station.
    let (code, _, err) = dock1.run(&[
        "trace",
        "lot",
        "L-NONE",
        "--product",
        "ASP-500",
        "--format",
        "epcis",
        "--central",
    ]);
    ensure!(
        code == 1 && err.contains("has no lot 'L-NONE'"),
        "an unknown lot: exit {code}: {err}"
    );
    Ok(())
}
