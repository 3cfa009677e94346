//! Many stations, one truth (SPEC §7): what a station and the central PostgreSQL database
//! exchange. A station keeps working on its own SQLite journal; its scans flow to the centre
//! and every other station's come back. `wire` is the exchange's vocabulary, in natural keys;
//! `central` is the client of the central database, the only place that speaks PostgreSQL;
//! `round` is one sync round, push then pull.

pub mod central;
pub mod round;
pub mod wire;
