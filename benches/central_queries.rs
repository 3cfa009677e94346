//! Central reads at warehouse scale (issue 10): `Central::trace_serial` and
//! `Central::trace_lot` against a central database holding `SCANTRAIL_BENCH_MOVEMENTS`
//! movements (default 10 million) from 20 stations, beside a bare primary-key lookup of one
//! movement by id in the same run (what one indexed round trip costs at least). Targets:
//! `trace serial` p99 < 5 ms, a lot recall < 50 ms.
//!
//! ```text
//! SCANTRAIL_BENCH_MOVEMENTS=10000000 cargo bench --bench central_queries
//! ```
//!
//! Without `PGHOST` it runs itself under Debian's `pg_virtualenv` (a throwaway cluster).
//!
//! **Filling the centre.** Pushing 10 M movements through `scantrail.push` would take about
//! forty minutes, so the centre is filled set-based after `Central::migrate`, with
//! `generate_series` into a staging table and one `INSERT … SELECT` per central table, writing
//! what push would have written: one group (scan) per movement, its JSON in the feed and its
//! sha256 in the scan log, UUIDv7-shaped ids in time order, gseqs after the catalog's, each
//! station's `last_seq`, and the projections (`stock`, `serials`, `lots`) computed from the
//! movements. The shape: serials of `LAP-X1` received at five docks, put away into bins,
//! then shipped (two in three, one order per three serials) or moved to packing, at fifteen
//! packing stations; lots of `ASP-500` and `GLV-M` (one per ten thousand movements, a tenth
//! of all movements), each received once and shipped in about a thousand lines, five lines to
//! an order. Then it checks the result against the real functions: a new station pushes a
//! duplicate receipt (a `serial_duplicate` conflict with the station that last moved it), a
//! shipment of a serial in stock and a lot shipment; it pulls the generated feed and parses
//! it; `stock` and `serials` are compared with a recomputation from the journal.

use anyhow::Context as _;
use chrono::Utc;
use scantrail::domain::{MovementKind, Outcome};
use scantrail::sync::central::Central;
use scantrail::sync::wire::{PushedGroup, WireMovement};
use std::time::Instant;
use uuid::Uuid;

#[path = "support/centre.rs"]
mod centre;
mod support;
use support::{Rng, Stats};

const STATIONS: usize = 20;

fn main() -> anyhow::Result<()> {
    centre::under_pg_virtualenv()?;
    let movements: i64 = env_or("SCANTRAIL_BENCH_MOVEMENTS", 10_000_000);
    let samples: usize = env_or("SCANTRAIL_BENCH_ITERS", 300);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(movements, samples))
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How the generated journal is cut: `serials` serials of three movements each, `lots` lots
/// and the rest of the movements (about a tenth) their receipts and shipments.
struct Shape {
    serials: i64,
    lots: i64,
    lot_movements: i64,
}

impl Shape {
    fn of(movements: i64) -> Shape {
        let lots = (movements / 10_000).max(10);
        let serials = (movements - movements / 10) / 3;
        Shape {
            serials,
            lots,
            lot_movements: movements - 3 * serials,
        }
    }
}

fn serial(s: i64) -> String {
    format!("SN-{:04}-{:04}", s / 10_000, s % 10_000)
}

fn lot(l: i64) -> (String, &'static str) {
    (
        format!("L{l:05}"),
        if l % 2 == 0 { "ASP-500" } else { "GLV-M" },
    )
}

/// The staging table `gen`: every movement with its gseq (after `base`), time, ids and
/// station, in a realistic interleaving (put-away within about a thousand receipts, shipment
/// within about a hundred thousand, lot shipments spread over the year).
fn staging_sql(shape: &Shape, base: i64) -> String {
    let Shape {
        serials: s_n,
        lots: l_n,
        lot_movements: lm,
    } = *shape;
    let per_lot = ((lm - l_n) / l_n).max(1);
    let spacing = (s_n / per_lot).max(1);
    format!(
        "CREATE UNLOGGED TABLE gen AS
         WITH sn AS (
             SELECT s, format('SN-%s-%s', lpad((s / 10000)::text, 4, '0'), lpad((s % 10000)::text, 4, '0')) AS serial,
                    (ARRAY['A-01-1', 'A-01-2', 'A-01-3', 'B-01', 'B-02'])[1 + s % 5] AS bin
             FROM generate_series(0::bigint, {s_n} - 1) s
         ), ev AS (
             SELECT s * 3000 AS t, 'receive' AS kind, 'LAP-X1' AS sku, NULL::text AS lot, NULL::date AS expiry,
                    serial, 1 AS qty, NULL::text AS from_loc, 'DOCK'::text AS to_loc,
                    'Supplier ' || (s / 50 % 40) AS partner, 'PO-' || lpad((s / 50)::text, 6, '0') AS document,
                    'dock' || (1 + s % 5) AS station
             FROM sn
             UNION ALL
             SELECT (s + 1 + (s * 7919) % 1000) * 3000 + 1, 'transfer', 'LAP-X1', NULL, NULL,
                    serial, 1, 'DOCK', bin, NULL, NULL, 'dock' || (1 + s % 5)
             FROM sn
             UNION ALL
             SELECT (s + 1000 + (s * 104729) % 100000) * 3000 + 2,
                    CASE WHEN s % 3 = 0 THEN 'transfer' ELSE 'ship' END, 'LAP-X1', NULL, NULL,
                    serial, 1, bin, CASE WHEN s % 3 = 0 THEN 'PACK' END,
                    CASE WHEN s % 3 <> 0 THEN 'Customer ' || (s / 3 % 500) END,
                    CASE WHEN s % 3 <> 0 THEN 'SO-S' || lpad((s / 3)::text, 7, '0') END,
                    'pack' || (1 + s % 15)
             FROM sn
             UNION ALL
             SELECT (l * {s_n} / {l_n}) * 3000 + 3, 'receive', CASE WHEN l % 2 = 0 THEN 'ASP-500' ELSE 'GLV-M' END,
                    'L' || lpad(l::text, 5, '0'), DATE '2028-01-01' + (l % 365)::integer,
                    NULL, 3 * {per_lot} + 100, NULL, 'A-01-' || (1 + l % 3),
                    'Supplier ' || (l % 40), 'PO-L' || lpad(l::text, 6, '0'), 'dock' || (1 + l % 5)
             FROM generate_series(0::bigint, {l_n} - 1) l
             UNION ALL
             SELECT (m % {l_n} * {s_n} / {l_n} + (m / {l_n} + 1) * {spacing}) * 3000 + 4, 'ship',
                    CASE WHEN m % {l_n} % 2 = 0 THEN 'ASP-500' ELSE 'GLV-M' END,
                    'L' || lpad((m % {l_n})::text, 5, '0'), NULL, NULL, 1 + (m % 3)::integer,
                    'A-01-' || (1 + m % {l_n} % 3), NULL, 'Customer ' || (m / 5 % 500),
                    'SO-L' || lpad((m / 5)::text, 7, '0'), 'pack' || (1 + m % 15)
             FROM generate_series(0::bigint, {lm} - {l_n} - 1) m
         )
         SELECT x.*, TIMESTAMPTZ '2026-01-01 00:00:00+00' + x.gseq * INTERVAL '3 seconds' AS at,
                (lpad(to_hex((extract(epoch FROM TIMESTAMPTZ '2026-01-01 00:00:00+00') * 1000)::bigint + x.gseq * 3000), 12, '0')
                 || '70008000' || lpad(to_hex(x.gseq), 12, '0'))::uuid AS scan_id,
                (lpad(to_hex((extract(epoch FROM TIMESTAMPTZ '2026-01-01 00:00:00+00') * 1000)::bigint + x.gseq * 3000), 12, '0')
                 || '70009000' || lpad(to_hex(x.gseq), 12, '0'))::uuid AS mov_id
         FROM (SELECT {base} + row_number() OVER (ORDER BY ev.t) AS gseq, ev.* FROM ev) x"
    )
}

/// A group's JSON as a station pushes it (wire::PushedGroup), from a `gen` row.
const GROUP: &str = "jsonb_build_object(
    'seq', gseq, 'id', scan_id, 'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
    'station', station, 'operator', 'op' || (gseq % 40), 'device', NULL,
    'raw', coalesce(serial, sku || ' ' || lot), 'outcome', 'ok',
    'message', initcap(kind) || ' ' || coalesce(serial, lot), 'close_document', NULL,
    'movements', jsonb_build_array(jsonb_build_object(
        'id', mov_id, 'kind', kind, 'sku', sku, 'lot', lot, 'expiry', expiry, 'serial', serial,
        'qty', qty, 'from', from_loc, 'to', to_loc, 'partner', partner, 'document', document,
        'reverses', NULL)))";

async fn step(db: &tokio_postgres::Client, what: &str, sql: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    db.batch_execute(sql)
        .await
        .with_context(|| what.to_owned())?;
    println!("  {what}: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn fill(db: &tokio_postgres::Client, shape: &Shape) -> anyhow::Result<()> {
    let base: i64 = db
        .query_one("SELECT last_value FROM scantrail.feed_gseq", &[])
        .await?
        .get(0);
    step(
        db,
        "staging (generate_series, ordered by time)",
        &staging_sql(shape, base),
    )
    .await?;
    // Secondary indexes are built once after the load; foreign keys are not re-checked row
    // by row (the rows are made consistent).
    let indexes: Vec<String> = db
        .query(
            "SELECT i.indexdef FROM pg_indexes i
             WHERE i.schemaname = 'scantrail' AND i.tablename IN ('movements', 'scans', 'feed', 'stock', 'serials')
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for def in &indexes {
        let name = def
            .split_whitespace()
            .nth(2)
            .context("an index definition without a name")?;
        db.batch_execute(&format!("DROP INDEX scantrail.{name}"))
            .await?;
    }
    db.batch_execute("SET session_replication_role = replica")
        .await?;
    step(
        db,
        "movements",
        "INSERT INTO scantrail.movements (id, scan_id, station, station_seq, gseq, at, kind, sku, lot, serial, qty,
                                          from_loc, to_loc, partner, document, reverses)
         SELECT mov_id, scan_id, station, gseq, gseq, at, kind, sku, lot, serial, qty, from_loc, to_loc, partner,
                document, NULL FROM gen ORDER BY gseq",
    )
    .await?;
    step(
        db,
        "scans",
        &format!(
            "INSERT INTO scantrail.scans (id, station, station_seq, gseq, hash, at, operator, device, raw, outcome,
                                          message, close_document)
             SELECT scan_id, station, gseq, gseq, sha256(convert_to(g::text, 'UTF8')), at, g->>'operator', NULL,
                    g->>'raw', 'ok', g->>'message', NULL
             FROM (SELECT gen.*, {GROUP} AS g FROM gen ORDER BY gseq) x"
        ),
    )
    .await?;
    step(
        db,
        "feed",
        &format!(
            "INSERT INTO scantrail.feed (gseq, kind, station, item)
             SELECT gseq, 'group', station, jsonb_build_object('type', 'group') || {GROUP} FROM gen ORDER BY gseq"
        ),
    )
    .await?;
    step(
        db,
        "projections and station sequences",
        &format!(
            "SELECT setval('scantrail.feed_gseq', {base} + (SELECT count(*) FROM gen));
             INSERT INTO scantrail.lots (sku, code, expiry)
             SELECT sku, lot, expiry FROM gen WHERE kind = 'receive' AND lot IS NOT NULL;
             INSERT INTO scantrail.stock (sku, location, lot, qty)
             SELECT sku, loc, coalesce(lot, ''), sum(q) FROM (
                 SELECT sku, to_loc AS loc, lot, qty AS q FROM gen WHERE to_loc IS NOT NULL
                 UNION ALL
                 SELECT sku, from_loc, lot, -qty FROM gen WHERE from_loc IS NOT NULL) d
             GROUP BY 1, 2, 3;
             INSERT INTO scantrail.serials (sku, serial, lot, status, location, station)
             SELECT DISTINCT ON (sku, serial) sku, serial, lot,
                    CASE WHEN kind = 'ship' THEN 'shipped' ELSE 'in_stock' END, to_loc, station
             FROM gen WHERE serial IS NOT NULL ORDER BY sku, serial, gseq DESC;
             UPDATE scantrail.stations s SET last_seq = g.last, last_push_at = now()
             FROM (SELECT station, max(gseq) AS last FROM gen GROUP BY 1) g WHERE g.station = s.name;"
        ),
    )
    .await?;
    db.batch_execute("RESET session_replication_role; DROP TABLE gen")
        .await?;
    step(db, "secondary indexes", &indexes.join(";\n")).await?;
    step(
        db,
        "vacuum analyze",
        "VACUUM ANALYZE scantrail.movements, scantrail.scans, scantrail.feed, scantrail.stock, scantrail.serials, scantrail.lots",
    )
    .await?;
    Ok(())
}

fn group(seq: i64, raw: &str, movement: WireMovement) -> PushedGroup {
    PushedGroup {
        seq,
        id: Uuid::now_v7(),
        at: Utc::now(),
        station: "check".to_owned(),
        operator: Some("bench".to_owned()),
        device: None,
        raw: raw.to_owned(),
        outcome: Outcome::Ok,
        message: raw.to_owned(),
        movements: vec![movement],
        close_document: None,
        count: None,
    }
}

fn movement(kind: MovementKind, sku: &str, from: Option<&str>, to: Option<&str>) -> WireMovement {
    WireMovement {
        id: Uuid::now_v7(),
        kind,
        sku: sku.to_owned(),
        lot: None,
        expiry: None,
        serial: None,
        qty: 1,
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
        partner: None,
        document: None,
        reverses: None,
    }
}

/// Real pushes and pulls against the generated centre, and the projections against the
/// journal: the generated rows must be what push would have written.
async fn check(centre: &Central, db: &tokio_postgres::Client, shape: &Shape) -> anyhow::Result<()> {
    let access = centre.add_station("check").await?;
    let station = Central::connect(&access.url, None).await?;
    let last: i64 = db
        .query_one("SELECT last_value FROM scantrail.feed_gseq", &[])
        .await?
        .get(0);
    let tail = station.pull(last - 5, 100).await?;
    anyhow::ensure!(
        tail.len() == 5,
        "pulled {} generated groups, not 5",
        tail.len()
    );
    let head = station.pull(0, 1000).await?;
    anyhow::ensure!(
        head.len() == 1000,
        "the head of the feed: {} items",
        head.len()
    );

    // Serials 0 and 3 were moved to packing (in stock, last at pack1 and pack4); lot 0 is in
    // its bin.
    let (dup, out) = (serial(0), serial(3));
    let (lot0, lot_sku) = lot(0);
    let mut receive = movement(MovementKind::Receive, "LAP-X1", None, Some("DOCK"));
    receive.serial = Some(dup.clone());
    let mut ship = movement(MovementKind::Ship, "LAP-X1", Some("PACK"), None);
    ship.serial = Some(out.clone());
    ship.partner = Some("Customer 1".to_owned());
    ship.document = Some("SO-CHECK".to_owned());
    let mut ship_lot = movement(MovementKind::Ship, lot_sku, Some("A-01-1"), None);
    ship_lot.lot = Some(lot0.clone());
    ship_lot.partner = Some("Customer 1".to_owned());
    ship_lot.document = Some("SO-CHECK".to_owned());
    let before = centre.trace_lot(&lot0, lot_sku).await?;
    let groups = [
        group(1, &dup, receive),
        group(2, &out, ship),
        group(3, &lot0, ship_lot),
    ];
    let acknowledged = station.push(Uuid::now_v7(), 0, &groups).await?;
    anyhow::ensure!(acknowledged == 3, "push acknowledged seq {acknowledged}");

    let conflicts = centre.conflicts().await?;
    anyhow::ensure!(
        conflicts.len() == 1
            && conflicts[0].serial.as_deref() == Some(dup.as_str())
            && conflicts[0].stations == ["check", "pack1"],
        "conflicts after a duplicate receipt: {conflicts:?}"
    );
    let shipped = centre.trace_serial(&out, None).await?;
    anyhow::ensure!(
        shipped["status"] == "shipped"
            && shipped["history"].as_array().map(Vec::len) == Some(4)
            && shipped["history"][3]["station"] == "check",
        "serial {out} after its shipment: {shipped}"
    );
    let after = centre.trace_lot(&lot0, lot_sku).await?;
    let on_hand = |v: &serde_json::Value| v["on_hand"][0]["qty"].as_i64();
    anyhow::ensure!(
        on_hand(&after) == on_hand(&before).map(|q| q - 1)
            && after["shipped"].as_array().map(Vec::len)
                == before["shipped"].as_array().map(|s| s.len() + 1),
        "lot {lot0} before {before} and after {after} a shipment"
    );
    anyhow::ensure!(
        before["shipped"].as_array().map(Vec::len)
            >= Some(shape.lot_movements as usize / shape.lots as usize - 2),
        "lot {lot0} shipped to too few orders: {before}"
    );

    let started = Instant::now();
    let mismatched: i64 = db
        .query_one(
            "WITH j AS (
                 SELECT sku, loc, coalesce(lot, '') AS lot, sum(q) AS qty FROM (
                     SELECT sku, to_loc AS loc, lot, qty AS q FROM scantrail.movements WHERE to_loc IS NOT NULL
                     UNION ALL
                     SELECT sku, from_loc, lot, -qty FROM scantrail.movements WHERE from_loc IS NOT NULL) d
                 GROUP BY 1, 2, 3)
             SELECT count(*) FROM j FULL JOIN scantrail.stock s
                 ON s.sku = j.sku AND s.location = j.loc AND s.lot = j.lot
             WHERE s.qty IS DISTINCT FROM j.qty",
            &[],
        )
        .await?
        .get(0);
    anyhow::ensure!(
        mismatched == 0,
        "{mismatched} stock keys differ from the journal"
    );
    let mismatched: i64 = db
        .query_one(
            "WITH last AS (
                 SELECT DISTINCT ON (sku, serial) sku, serial, kind, to_loc, station
                 FROM scantrail.movements WHERE serial IS NOT NULL ORDER BY sku, serial, gseq DESC, id DESC)
             SELECT count(*) FROM last l FULL JOIN scantrail.serials s ON s.sku = l.sku AND s.serial = l.serial
             WHERE s.status IS DISTINCT FROM CASE WHEN l.kind = 'ship' THEN 'shipped' ELSE 'in_stock' END
                OR s.location IS DISTINCT FROM l.to_loc OR s.station IS DISTINCT FROM l.station",
            &[],
        )
        .await?
        .get(0);
    anyhow::ensure!(
        mismatched == 0,
        "{mismatched} serials differ from the journal"
    );
    println!(
        "check: a new station's push (duplicate receipt → 1 conflict, a serial and a lot shipped) and \
         pulls of the generated feed agree; stock and serials equal the journal ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn report(what: &str, stats: &Stats) {
    println!(
        "  {what:<34} n {:>4}  p50 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        stats.n, stats.p50, stats.p99, stats.max
    );
}

async fn run(movements: i64, samples: usize) -> anyhow::Result<()> {
    let (url, centre) = centre::fresh_centre().await?;
    for k in 1..=STATIONS {
        let name = if k <= 5 {
            format!("dock{k}")
        } else {
            format!("pack{}", k - 5)
        };
        centre.add_station(&name).await?;
    }
    let (db, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);

    let shape = Shape::of(movements);
    println!(
        "filling the centre: {movements} movements from {STATIONS} stations \
         ({} serials, {} lots, {} lot movements)",
        shape.serials, shape.lots, shape.lot_movements
    );
    let started = Instant::now();
    fill(&db, &shape).await?;
    let fill_time = started.elapsed();
    let size: String = db
        .query_one(
            "SELECT pg_size_pretty(pg_database_size(current_database()))",
            &[],
        )
        .await?
        .get(0);
    println!(
        "filled in {:.1} s; database {size}",
        fill_time.as_secs_f64()
    );
    check(&centre, &db, &shape).await?;

    let mut rng = Rng(10);
    let ids: Vec<Uuid> = db
        .query(
            "SELECT id FROM scantrail.movements TABLESAMPLE SYSTEM (1) LIMIT 5000",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let by_id = db
        .prepare("SELECT id, kind, sku, serial, lot FROM scantrail.movements WHERE id = $1")
        .await?;
    let (mut base, mut serials, mut lots) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..samples {
        let id = *rng.pick(&ids);
        let t = Instant::now();
        db.query_one(&by_id, &[&id]).await?;
        base.push(t.elapsed());
        let s = serial(rng.range(0, shape.serials as u64 - 1) as i64);
        let t = Instant::now();
        centre.trace_serial(&s, None).await?;
        serials.push(t.elapsed());
        let (code, sku) = lot(rng.range(0, shape.lots as u64 - 1) as i64);
        let t = Instant::now();
        centre.trace_lot(&code, sku).await?;
        lots.push(t.elapsed());
    }
    let top = db
        .query_one(
            "SELECT sku, lot, count(DISTINCT document) FROM scantrail.movements
             WHERE kind = 'ship' AND lot IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
            &[],
        )
        .await?;
    let (top_sku, top_lot, top_orders): (String, String, i64) =
        (top.get(0), top.get(1), top.get(2));
    let mut widest = Vec::new();
    for _ in 0..samples.min(50) {
        let t = Instant::now();
        centre.trace_lot(&top_lot, &top_sku).await?;
        widest.push(t.elapsed());
    }
    println!(
        "machine: {} cores; PostgreSQL on loopback (pg_virtualenv); {movements} movements, {STATIONS} stations",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    report("baseline: movement by id", &Stats::of(&mut base));
    report("trace serial (random)", &Stats::of(&mut serials));
    report("trace lot (random)", &Stats::of(&mut lots));
    report(
        &format!("trace lot {top_lot} ({top_orders} orders)"),
        &Stats::of(&mut widest),
    );
    Ok(())
}
