//! The SQLite journal store: opening the database, migrations, the catalog, the append-only
//! movement journal with its projections, and the reports. All SQL of scantrail lives here.
