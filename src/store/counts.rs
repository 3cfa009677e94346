//! The supervisor's report of booked cycle counts (`scantrail count report`): each count's
//! document, who counted where and when, and what it changed, in units, net of an undo.

use super::{Result, Store};
use serde::Serialize;

/// One booked count and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountSummary {
    /// `COUNT-A-01-3-2026-12-01`.
    pub reference: String,
    pub location: String,
    /// When it was booked (UTC, RFC 3339).
    pub at: String,
    pub station: String,
    pub operator: Option<String>,
    /// Movements the count booked (one per difference).
    pub differences: i64,
    /// Units found beyond the books (gains).
    pub gained: i64,
    /// Units the books had that were not found (losses).
    pub lost: i64,
    /// Serials moved here from where the books had them.
    pub moved: i64,
    /// Whether the count was undone since.
    pub undone: bool,
}

impl Store {
    /// The counts booked at or after `since` (a date, `YYYY-MM-DD`, UTC), oldest first.
    pub fn count_report(&self, since: Option<&str>) -> Result<Vec<CountSummary>> {
        let mut st = self.conn.prepare_cached(
            "SELECT c.ref, l.code, s.at, s.station, s.operator,
                    count(m.id),
                    ifnull(sum(CASE WHEN m.kind = 'adjust' AND m.to_location_id IS NOT NULL THEN m.qty END), 0),
                    ifnull(sum(CASE WHEN m.kind = 'adjust' AND m.from_location_id IS NOT NULL THEN m.qty END), 0),
                    ifnull(sum(CASE WHEN m.kind = 'transfer' THEN m.qty END), 0),
                    ifnull(max(EXISTS (SELECT 1 FROM movements r WHERE r.reverses = m.id)), 0)
             FROM counts c
             JOIN scans s ON s.id = c.scan_id
             JOIN locations l ON l.id = c.location_id
             LEFT JOIN movements m ON m.group_id = c.scan_id
             WHERE ?1 IS NULL OR s.at >= ?1
             GROUP BY c.scan_id
             ORDER BY s.at, s.seq",
        )?;
        let rows = st.query_map([since], |r| {
            Ok(CountSummary {
                reference: r.get(0)?,
                location: r.get(1)?,
                at: r.get(2)?,
                station: r.get(3)?,
                operator: r.get(4)?,
                differences: r.get(5)?,
                gained: r.get(6)?,
                lost: r.get(7)?,
                moved: r.get(8)?,
                undone: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
