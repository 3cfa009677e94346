//! scantrail: a barcode scan journal for warehouse kiosk terminals.
//!
//! The library holds everything the `scantrail` binary does, so that tests and benchmarks
//! drive the very same code: `config` (the one config file), `domain` (the warehouse nouns),
//! `barcode` (pure text → meaning), `store` (the SQLite journal and its projections; all SQL
//! lives there) and `cli` (the command-line edge, the only place that uses `anyhow`).

pub mod barcode;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod epcis;
pub mod import;
pub mod input;
pub mod labels;
pub mod notify;
pub mod session;
pub mod station;
pub mod store;
pub mod sync;
pub mod ui;
