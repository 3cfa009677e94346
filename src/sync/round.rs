//! One sync round (SPEC §7, `scantrail sync`): push everything the centre has not yet
//! acknowledged, in batches in the station's own order, then pull everything new, in batches
//! in the centre's order, and keep the round's outcome in the station's sync state.
//!
//! Push comes before pull, so what a station pulls is judged by the centre with the
//! station's own latest scans already in. A round cut anywhere loses nothing: an
//! unacknowledged batch is sent again (the centre takes a group once) and an unapplied pull
//! is asked again from the same cursor (a station applies an item once).

use crate::store::{Store, StoreError};
use crate::sync::central::{Central, CentralError, PULL_MAX};
use chrono::{DateTime, Utc};

/// Groups in one push: one round trip and one central transaction each.
pub const PUSH_BATCH: usize = 500;

/// Feed items applied in one station transaction. A pull brings up to `PULL_MAX` items; they
/// are applied in slices of this many, each its own transaction with the cursor moved to its
/// end, so that a scan at the station never waits for more than one slice (the write lock
/// is the station's one) and a round cut between slices goes on from the last one applied.
pub const APPLY_BATCH: usize = 500;

/// What one round moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Round {
    /// Own groups the centre acknowledged in this round.
    pub pushed: usize,
    /// Feed items applied in this round (catalog changes, other stations' groups, conflicts).
    pub pulled: usize,
}

/// Why a round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Central(#[from] CentralError),
    #[error("the station's database: {0}")]
    Store(#[from] StoreError),
    #[error(
        "the centre took none of the scans sent after #{after}: nothing is lost, they are sent again next round; if this goes on, tell the admin"
    )]
    Stalled { after: i64 },
}

impl SyncError {
    /// Whether the centre could not be reached (the station goes on alone) rather than
    /// refused what was sent (an admin must look).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SyncError::Central(e) if e.is_unreachable())
    }
}

/// Runs one round and records its outcome at the station (`now` for a good one, the
/// message for a failed one).
pub async fn round(
    store: &mut Store,
    central: &Central,
    now: DateTime<Utc>,
) -> Result<Round, SyncError> {
    match exchange(store, central).await {
        Ok(done) => {
            store.record_sync_ok(now)?;
            Ok(done)
        }
        Err(e) => {
            // The database may be what failed; the round's error is what to report.
            let _ = store.record_sync_error(&e.to_string());
            Err(e)
        }
    }
}

async fn exchange(store: &mut Store, central: &Central) -> Result<Round, SyncError> {
    let instance = store.instance_id()?;
    let mut done = Round::default();
    loop {
        let outbox = store.outbox(PUSH_BATCH)?;
        if outbox.groups.is_empty() {
            break;
        }
        let acked = central
            .push(instance, outbox.prev_seq, &outbox.groups)
            .await?;
        if acked <= outbox.prev_seq {
            return Err(SyncError::Stalled {
                after: outbox.prev_seq,
            });
        }
        store.acknowledge(acked)?;
        done.pushed += outbox.groups.len();
    }
    loop {
        let items = central.pull(store.pull_cursor()?, PULL_MAX).await?;
        if items.is_empty() {
            break;
        }
        for slice in items.chunks(APPLY_BATCH) {
            store.apply_feed(slice)?;
        }
        done.pulled += items.len();
    }
    Ok(done)
}
