//! The sync task (SPEC §7): a thread of its own with a small tokio runtime, its own
//! connection to the station's SQLite database and one connection to the centre. It runs a
//! round (push, then pull) when the station starts, when the core has recorded a scan, when
//! another station's push is announced (`LISTEN`/`NOTIFY`), and every `[sync] interval_s`;
//! after every round it tells the core thread where the station stands.
//!
//! It never sits between a scan and its outcome: a scan waits only for its own durable
//! commit. The centre gone is no error for the station: the round says so, the task waits
//! and connects again, and the first round after that catches up (a NOTIFY sent while the
//! station was away is lost, so nothing relies on one).

use super::CoreInput;
use crate::config::{DatabaseConfig, SyncConfig};
use crate::store::{Store, SyncStatus};
use crate::sync::central::Central;
use crate::sync::round::{self, Round};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;
use tokio::sync::Notify;

/// What the core thread learns after a round.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncNews {
    pub at: DateTime<Utc>,
    /// What the round moved, or why it did not finish.
    pub round: Result<Round, String>,
    /// The station's sync state after the round, if its database could be read.
    pub status: Option<SyncStatus>,
}

/// Where the sync task works.
pub(super) struct SyncTask {
    pub db: PathBuf,
    pub database: DatabaseConfig,
    pub sync: SyncConfig,
    pub station: String,
    pub url: String,
}

/// Starts the sync thread.
pub(super) fn start(
    task: SyncTask,
    inputs: Sender<CoreInput>,
    nudge: Arc<Notify>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("scantrail-sync".into())
        .spawn(move || runtime.block_on(run(task, inputs, nudge)))?;
    Ok(())
}

async fn run(task: SyncTask, inputs: Sender<CoreInput>, nudge: Arc<Notify>) {
    let every = Duration::from_secs(u64::from(task.sync.interval_s.max(1)));
    let tell = |round: Result<Round, String>, store: Option<&Store>| {
        let status = store.and_then(|s| s.sync_status().ok());
        inputs
            .send(CoreInput::Synced(SyncNews {
                at: Utc::now(),
                round,
                status,
            }))
            .is_ok()
    };
    let mut store = match Store::open(&task.db, &task.database) {
        Ok(store) => store,
        Err(e) => {
            tell(
                Err(format!("sync cannot open the station's database: {e}")),
                None,
            );
            return;
        }
    };
    loop {
        let central = Central::connect(&task.url, task.sync.password_file.as_deref()).await;
        let mut central = match central {
            Ok(central) => central,
            Err(e) => {
                let _ = store.record_sync_error(&e.to_string());
                if !tell(Err(e.to_string()), Some(&store)) {
                    return;
                }
                wait(every, &nudge, None, &task.station).await;
                continue;
            }
        };
        let mut wakeups = match central.listen().await {
            Ok(()) => central.wakeups(),
            Err(_) => None,
        };
        loop {
            let outcome = round::round(&mut store, &central, Utc::now()).await;
            let failed = outcome.is_err();
            if !tell(outcome.map_err(|e| e.to_string()), Some(&store)) {
                return;
            }
            if failed {
                // Connect anew after a pause: the connection may be what broke.
                wait(every, &nudge, None, &task.station).await;
                break;
            }
            if !wait(every, &nudge, wakeups.as_mut(), &task.station).await {
                break;
            }
        }
    }
}

/// Waits for the next reason to run a round: the interval, a scan recorded here, or another
/// station's push. `false` when the centre's connection closed (connect again).
async fn wait(
    every: Duration,
    nudge: &Notify,
    wakeups: Option<&mut tokio::sync::mpsc::UnboundedReceiver<String>>,
    station: &str,
) -> bool {
    let sleep = tokio::time::sleep(every);
    tokio::pin!(sleep);
    let Some(wakeups) = wakeups else {
        tokio::select! {
            _ = &mut sleep => {}
            _ = nudge.notified() => {}
        }
        return true;
    };
    loop {
        tokio::select! {
            _ = &mut sleep => return true,
            _ = nudge.notified() => return true,
            pushed = wakeups.recv() => match pushed {
                // Our own push is announced to us too: nothing new to pull.
                Some(name) if name == station => {}
                Some(_) => return true,
                None => return false,
            },
        }
    }
}
