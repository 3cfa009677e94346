//! The journal as GS1 EPCIS 2.0 events (SPEC §9): one `EPCISDocument` in JSON-LD whose
//! `eventList` holds an `ObjectEvent` per movement and per lot status change, mapped as
//! `docs/epcis.md` says, each with the eventID of GS1's event hash algorithm.
//!
//! The document is written as it is read: [`Document`] takes the lots' status changes (few,
//! a person's commands) up front and then one movement at a time, in journal order, putting
//! each status change before the first movement recorded after it. Nothing grows with the
//! journal, so ten million movements export in the memory of one. `ids` makes the
//! identifiers, `event` the events; the station's export is [`export`], the centre's is the
//! same [`Document`] fed a page at a time (`cli::export`).

mod event;
mod ids;

pub use event::{Action, Meaning, ObjectEvent, lot_meaning, movement_meaning, transaction_type};
pub use ids::{Id, IdCache, Ids};

use crate::config::{EpcisConfig, parse_offset};
use crate::store::{EpcisFilter, EpcisLotChange, EpcisMovement, Store, StoreError};
use chrono::{DateTime, Local, Offset, SecondsFormat, Utc};
use std::collections::VecDeque;
use std::io::Write;
use std::rc::Rc;

/// The JSON-LD context of EPCIS 2.0, as GS1 publishes it.
pub const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// What can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum EpcisError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the EPCIS document: {0}")]
    Write(#[from] std::io::Error),
}

/// The `eventTimeZoneOffset` of an event's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZone {
    /// This machine's zone, as it was at each event's time.
    Local,
    /// Seconds east of UTC.
    Fixed(i32),
}

impl TimeZone {
    /// From `[epcis] time_zone_offset` (checked when the config was read; anything else is
    /// UTC).
    pub fn from_config(config: &EpcisConfig) -> TimeZone {
        match config.time_zone_offset.as_str() {
            "local" => TimeZone::Local,
            text => TimeZone::Fixed(parse_offset(text).unwrap_or(0)),
        }
    }

    /// `±HH:MM` at the RFC 3339 time `at`.
    pub fn offset_at(self, at: &str) -> String {
        let seconds = match self {
            TimeZone::Fixed(s) => s,
            TimeZone::Local => DateTime::parse_from_rfc3339(at)
                .map(|t| t.with_timezone(&Local).offset().fix().local_minus_utc())
                .unwrap_or(0),
        };
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// The offsets of an export's events: a fixed one written once and shared, the local one
/// worked out at each event's time.
struct Offsets {
    zone: TimeZone,
    fixed: Option<Rc<str>>,
}

impl Offsets {
    fn new(zone: TimeZone) -> Offsets {
        let fixed = match zone {
            TimeZone::Fixed(_) => Some(zone.offset_at("").into()),
            TimeZone::Local => None,
        };
        Offsets { zone, fixed }
    }

    fn at(&self, at: &str) -> Rc<str> {
        match &self.fixed {
            Some(fixed) => Rc::clone(fixed),
            None => self.zone.offset_at(at).into(),
        }
    }
}

/// An EPCIS document being written: the header, then events, then the end.
pub struct Document<W: Write> {
    out: W,
    ids: IdCache,
    offsets: Offsets,
    /// Status changes not yet written, oldest first.
    lot_changes: VecDeque<EpcisLotChange>,
    events: u64,
    /// The pre-hash string and the JSON of the event being written, kept for their capacity.
    pre_hash: String,
    json: Vec<u8>,
}

impl<W: Write> Document<W> {
    /// Writes the document's header, created at `created`.
    pub fn begin(
        mut out: W,
        config: &EpcisConfig,
        created: DateTime<Utc>,
        lot_changes: Vec<EpcisLotChange>,
    ) -> std::io::Result<Self> {
        let created = created.to_rfc3339_opts(SecondsFormat::Millis, true);
        write!(
            out,
            "{{\"@context\":[\"{CONTEXT}\"],\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\
             \"creationDate\":\"{created}\",\"epcisBody\":{{\"eventList\":["
        )?;
        Ok(Document {
            out,
            ids: IdCache::new(Ids::new(config)),
            offsets: Offsets::new(TimeZone::from_config(config)),
            lot_changes: lot_changes.into(),
            events: 0,
            pre_hash: String::with_capacity(1024),
            json: Vec::with_capacity(2048),
        })
    }

    /// Writes the event of one movement, after the status changes recorded before it.
    pub fn movement(&mut self, m: &EpcisMovement) -> std::io::Result<()> {
        while self.lot_changes.front().is_some_and(|c| c.at <= m.at) {
            if let Some(change) = self.lot_changes.pop_front() {
                self.lot_change(&change)?;
            }
        }
        let offsets = &self.offsets;
        let event = ObjectEvent::from_movement(&mut self.ids, m, &|at| offsets.at(at));
        self.write(&event)
    }

    fn lot_change(&mut self, change: &EpcisLotChange) -> std::io::Result<()> {
        let offsets = &self.offsets;
        let event = ObjectEvent::from_lot_change(&mut self.ids, change, &|at| offsets.at(at));
        self.write(&event)
    }

    fn write(&mut self, event: &ObjectEvent) -> std::io::Result<()> {
        self.json.clear();
        self.json
            .extend_from_slice(if self.events == 0 { b"\n" } else { b",\n" });
        event.write_json(&mut self.pre_hash, &mut self.json);
        self.out.write_all(&self.json)?;
        self.events += 1;
        Ok(())
    }

    /// Writes the status changes left and the end of the document; the number of events.
    pub fn finish(mut self) -> std::io::Result<u64> {
        while let Some(change) = self.lot_changes.pop_front() {
            self.lot_change(&change)?;
        }
        self.out.write_all(b"\n]}}\n")?;
        self.out.flush()?;
        Ok(self.events)
    }
}

/// The station's journal as one EPCIS document: the events `filter` takes, written to `out`;
/// the number of events. An unknown lot or serial is an error before anything is written.
pub fn export<W: Write>(
    store: &Store,
    config: &EpcisConfig,
    filter: &EpcisFilter,
    created: DateTime<Utc>,
    out: W,
) -> Result<u64, EpcisError> {
    store.epcis_check(filter)?;
    let changes = store.epcis_lot_changes(filter)?;
    let mut document = Document::begin(out, config, created, changes)?;
    store.epcis_movements(filter, &mut |m| document.movement(&m))?;
    Ok(document.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_written_as_plus_or_minus_hours_and_minutes() {
        assert_eq!(
            TimeZone::Fixed(3600).offset_at("2026-01-01T00:00:00.000Z"),
            "+01:00"
        );
        assert_eq!(TimeZone::Fixed(-16200).offset_at("x"), "-04:30");
        assert_eq!(TimeZone::Fixed(0).offset_at("x"), "+00:00");
    }

    #[test]
    fn an_empty_journal_is_a_document_with_no_events() {
        let mut out = Vec::new();
        let created = DateTime::from_timestamp(0, 0).unwrap();
        let document =
            Document::begin(&mut out, &EpcisConfig::default(), created, Vec::new()).unwrap();
        assert_eq!(document.finish().unwrap(), 0);
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["epcisBody"]["eventList"], serde_json::json!([]));
        assert_eq!(value["creationDate"], "1970-01-01T00:00:00.000Z");
    }
}
