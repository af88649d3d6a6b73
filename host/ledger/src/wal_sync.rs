//! Group commit for the SQLite ledger.
//!
//! SQLite commits into its write-ahead log without waiting for the disk
//! (`synchronous = NORMAL`). A caller that needs its commits to survive a power cut asks for
//! one `fdatasync` of the log, and every caller that asks while that sync runs shares the
//! next one. A commit is durable once the log's bytes are, because opening the database
//! replays every log frame up to the last valid commit frame. A process crash loses nothing
//! either way: the log's bytes are in the kernel once the commit returns.

use super::LedgerError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The write-ahead log of one database file, and how much of it is known to be on disk.
#[derive(Debug)]
pub(super) struct WalSync {
    path: PathBuf,
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// The connection's change count (`sqlite3_total_changes`) known to be on disk.
    durable: u64,
    /// A caller is syncing now; the others wait for it rather than sync the same bytes.
    syncing: bool,
    /// Syncs done so far.
    syncs: u64,
    /// The log, opened on first use (SQLite creates it) and reopened if it was replaced.
    file: Option<OpenLog>,
}

#[derive(Debug)]
struct OpenLog {
    file: File,
    identity: Option<u64>,
}

impl WalSync {
    /// The log SQLite keeps beside `database` in WAL mode.
    pub(super) fn new(database: &Path) -> Self {
        let mut name = database.as_os_str().to_owned();
        name.push("-wal");
        WalSync {
            path: PathBuf::from(name),
            state: Mutex::default(),
            done: Condvar::new(),
        }
    }

    /// Return once every change up to `wanted` (the connection's change count after the
    /// caller's commits) is on disk. `committed` reads the count now; it is read just before
    /// a sync starts, so that sync covers every change it counts.
    pub(super) fn sync_through(
        &self,
        wanted: u64,
        committed: impl Fn() -> u64,
    ) -> Result<(), LedgerError> {
        let mut state = self.lock();
        loop {
            if state.durable >= wanted {
                return Ok(());
            }
            if !state.syncing {
                break;
            }
            state = self.done.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.syncing = true;
        let log = state.file.take();
        drop(state);

        let covered = committed();
        let synced = self.sync_log(log);
        let mut state = self.lock();
        state.syncing = false;
        let result = synced.map(|log| {
            state.file = Some(log);
            state.durable = state.durable.max(covered);
            state.syncs += 1;
        });
        // Waiters re-check: covered ones return, the rest (or all, after a failure) sync again.
        self.done.notify_all();
        result
    }

    fn sync_log(&self, log: Option<OpenLog>) -> Result<OpenLog, LedgerError> {
        let failed = |what: &str, e: std::io::Error| {
            LedgerError::Database(format!("cannot {what} {}: {e}", self.path.display()))
        };
        let current = identity(&std::fs::metadata(&self.path).map_err(|e| failed("stat", e))?);
        let log = match log {
            Some(log) if log.identity.is_some() && log.identity == current => log,
            _ => {
                let file = File::open(&self.path).map_err(|e| failed("open", e))?;
                // The log's directory entry must be on disk too, or a power cut can lose the
                // whole file however well its bytes were synced.
                if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    File::open(dir)
                        .and_then(|d| d.sync_all())
                        .map_err(|e| failed("sync the directory of", e))?;
                }
                OpenLog {
                    file,
                    identity: current,
                }
            }
        };
        log.file.sync_data().map_err(|e| failed("sync", e))?;
        Ok(log)
    }

    /// Syncs done so far, and the change count known to be on disk.
    pub(super) fn progress(&self) -> (u64, u64) {
        let state = self.lock();
        (state.syncs, state.durable)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Which file a path names now, so a log SQLite deleted and created again is reopened.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    Some(meta.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<u64> {
    None
}
