//! Many stations, one truth (SPEC §7): what a station and the central PostgreSQL database
//! exchange. A station keeps working on its own SQLite journal; its scans flow to the centre
//! and every other station's come back. `wire` is the exchange's vocabulary, in natural keys.

pub mod wire;
