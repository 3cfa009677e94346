//! Scanner input: from key strokes to [`AssembledScan`]s, for USB scanners read through
//! evdev and for scans typed into the terminal (keyboard-wedge mode).
//!
//! `keymap` turns key positions into characters for the layout a scanner is set to;
//! `assembler` keeps one device's key state and cuts its keys into scans by the rules of
//! SPEC §2, sans-IO; `wedge` does the same for terminal keys. The I/O lives in `scanners`
//! (grab, one reader task per device, hot-plug) and `select` (which devices are
//! scanners, from `[[input.scanners]]`). What leaves this module for the core is an
//! [`InputEvent`] on a tokio channel.

pub mod assembler;
pub mod keymap;
pub mod scanners;
pub mod select;
pub mod wedge;

pub use assembler::{
    Assembled, AssembledScan, KeyAction, KeyAssembler, KeyInput, ScanError, ScanRules,
};
pub use scanners::{InputError, InputEvent, ScannerInfo, spawn_scanners};
pub use wedge::{TermKey, WedgeAssembler};
