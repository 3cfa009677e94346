//! What the benchmarks against the central PostgreSQL share: running under Debian's
//! `pg_virtualenv` (a throwaway cluster) when no `PGHOST` is set, and a fresh, migrated
//! central database with the demo catalog.

use anyhow::Context as _;
use scantrail::sync::central::Central;
use std::path::Path;

/// Without `PGHOST`, runs this benchmark again under `pg_virtualenv -t` and exits with its
/// status; with it, returns.
pub fn under_pg_virtualenv() -> anyhow::Result<()> {
    if std::env::var_os("PGHOST").is_some() {
        return Ok(());
    }
    let status = std::process::Command::new("pg_virtualenv")
        .arg("-t")
        .arg(std::env::current_exe()?)
        .args(std::env::args_os().skip(1))
        .status()
        .context("this benchmark needs Debian's postgresql (apt-get install postgresql)")?;
    std::process::exit(status.code().unwrap_or(1));
}

/// The URL of `database` in the cluster the `PG*` variables name, as its superuser.
pub fn admin_url(database: &str) -> String {
    let var = |n: &str| std::env::var(n).unwrap_or_default();
    format!(
        "postgresql://{}:{}@{}:{}/{database}",
        var("PGUSER"),
        var("PGPASSWORD"),
        var("PGHOST"),
        var("PGPORT")
    )
}

/// A new database `scantrail_bench` (dropped first if there), migrated, with the demo's
/// locations and products imported; its URL and the admin's connection to it.
pub async fn fresh_centre() -> anyhow::Result<(String, Central)> {
    let (admin, conn) =
        tokio_postgres::connect(&admin_url("postgres"), tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    admin
        .batch_execute("DROP DATABASE IF EXISTS scantrail_bench WITH (FORCE)")
        .await?;
    admin
        .batch_execute("CREATE DATABASE scantrail_bench")
        .await?;
    let url = admin_url("scantrail_bench");
    let mut centre = Central::connect(&url, None).await?;
    centre.migrate().await?;
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let open = |f: &str| std::fs::File::open(demo.join(f));
    centre
        .import_locations(
            "locations.csv",
            &scantrail::import::read_locations("locations.csv", open("locations.csv")?)?,
        )
        .await?;
    centre
        .import_products(
            "products.csv",
            &scantrail::import::read_products("products.csv", open("products.csv")?)?,
        )
        .await?;
    Ok((url, centre))
}
