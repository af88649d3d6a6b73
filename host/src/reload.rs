//! Hot reload for `mercato serve --watch DIR`: a new adapter version dropped into a folder
//! is loaded, verified, conformance-checked, and swapped in without a restart.
//!
//! The folder is polled: each `*.wasm` file is acted on once it has stopped changing for one
//! interval (a copy in progress is never loaded half-written), and once per content. A
//! version is installed only if:
//! 1. it loads under the policy: signature and trust, manifest, contract, the grants of the
//!    policy's entry for that file or supplier, `describe`;
//! 2. it is for the supplier the policy's entry names, if it names one;
//! 3. the conformance suite passes it, without placing orders and reading at most ten
//!    pages of the catalogue ([`conformance`]).
//!
//! Then it replaces the supplier's adapter in the broker in one step
//! ([`Broker::install`]): requests that started before finish on the old version. A version
//! that fails is not installed; the reason is logged, counted in
//! `mercato_adapter_reloads_total{outcome="refused"}`, and returned to the caller.

use crate::adapter::{self, AdapterHost};
use crate::broker::Broker;
use crate::conformance::{self, Outcome};
use crate::contract::supplier::Adapter;
use crate::error::LoadError;
use crate::policy::Policy;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often the folder is looked at by default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(1000);

/// What happened to one adapter file.
#[derive(Debug)]
pub enum Reload {
    /// The version is now served.
    Installed {
        /// The file.
        file: PathBuf,
        /// Its supplier.
        supplier: String,
        /// Its version, as described.
        version: String,
        /// The version it replaced; none for a supplier new to this host.
        replaced: Option<String>,
    },
    /// The version was not installed; the one served before (if any) still is.
    Refused {
        /// The file.
        file: PathBuf,
        /// Why.
        reason: Refusal,
    },
}

/// Why a version was not installed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Read(#[source] std::io::Error),
    /// The host refused to load it.
    #[error("it does not load: {0}")]
    Load(#[source] LoadError),
    /// It is for another supplier than the policy's entry for the file says.
    #[error("the policy serves this file as supplier `{expected}`, but it is `{found}`")]
    WrongSupplier {
        /// The policy's supplier.
        expected: String,
        /// The adapter's.
        found: String,
    },
    /// It loads but is not conformant.
    #[error("it is not conformant: {}", .failures.iter().map(|(c, r)| format!("{c}: {r}")).collect::<Vec<_>>().join("; "))]
    NotConformant {
        /// Each failed case and its reason.
        failures: Vec<(&'static str, String)>,
    },
}

/// Size and modification time: how a file is seen to change between two looks.
type Stamp = (u64, SystemTime);

/// What the watcher knows about one file.
struct Seen {
    stamp: Stamp,
    /// Whether this stamp of the file has been acted on.
    handled: bool,
}

/// Watches one folder and installs the adapter versions that appear in it.
pub struct Watcher {
    dir: PathBuf,
    policy: Arc<Policy>,
    host: AdapterHost,
    broker: Broker,
    seen: BTreeMap<PathBuf, Seen>,
}

impl Watcher {
    /// A watcher of `dir` that loads into `host` with `policy`'s grants and installs into
    /// `broker` (a clone sharing the served set).
    pub fn new(dir: PathBuf, policy: Arc<Policy>, host: AdapterHost, broker: Broker) -> Self {
        Watcher {
            dir,
            policy,
            host,
            broker,
            seen: BTreeMap::new(),
        }
    }

    /// Look at the folder once and act on every file that has settled since the last look.
    /// A folder that cannot be read is an error; a file that cannot, a [`Reload::Refused`].
    pub async fn scan(&mut self) -> std::io::Result<Vec<Reload>> {
        let mut present = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "wasm") && path.is_file() {
                present.push(path);
            }
        }
        present.sort();
        self.seen.retain(|p, _| present.contains(p));
        let mut reloads = Vec::new();
        for path in present {
            let Some(stamp) = stamp(&path) else { continue };
            match self.seen.get_mut(&path) {
                Some(seen) if seen.stamp == stamp => {
                    if seen.handled {
                        continue;
                    }
                    seen.handled = true;
                }
                _ => {
                    // New or still changing: act once it has held still for one look.
                    self.seen.insert(
                        path,
                        Seen {
                            stamp,
                            handled: false,
                        },
                    );
                    continue;
                }
            }
            if let Some(reload) = self.consider(&path).await {
                report(&reload, self.broker.metrics());
                reloads.push(reload);
            }
        }
        Ok(reloads)
    }

    /// Scan every `interval` until the task is dropped.
    pub async fn run(mut self, interval: Duration) {
        let mut every = tokio::time::interval(interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = self.scan().await {
                tracing::error!(dir = %self.dir.display(), error = %e, "cannot read the watched folder");
            }
        }
    }

    /// Load, check and install one settled file; none if it is the version already served.
    async fn consider(&self, path: &Path) -> Option<Reload> {
        let refused = |reason| {
            Some(Reload::Refused {
                file: path.to_path_buf(),
                reason,
            })
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return refused(Refusal::Read(e)),
        };
        if let Ok(inspected) = adapter::inspect(&bytes, &self.policy.host.trust)
            && let Some(served) = self.broker.adapter(&inspected.manifest.adapter.supplier)
            && *served.digest() == inspected.digest
        {
            return None;
        }
        let entry = self.policy.entry_for(path, &bytes);
        let grants = entry.map(|e| e.grants.clone()).unwrap_or_default();
        let loaded = match self.host.load(bytes, grants).await {
            Ok(a) => a,
            Err(e) => return refused(Refusal::Load(e)),
        };
        if let Some(expected) = entry.and_then(|e| e.supplier.as_ref())
            && loaded.supplier().as_str() != expected
        {
            return refused(Refusal::WrongSupplier {
                expected: expected.clone(),
                found: loaded.supplier().to_string(),
            });
        }
        // No orders, and a bounded look at the catalogue: this runs against the supplier's
        // live system, whose catalogue may be far larger than a test backend's.
        let options = conformance::Options {
            place_orders: false,
            page_size: 50,
            max_pages: 10,
            page_to_end: false,
            ..conformance::Options::default()
        };
        let report = conformance::run(&loaded, &options).await;
        if !report.passed() {
            let failures = report
                .cases
                .into_iter()
                .filter_map(|c| match c.outcome {
                    Outcome::Failed { reason } => Some((c.name, reason)),
                    _ => None,
                })
                .collect();
            return refused(Refusal::NotConformant { failures });
        }
        let supplier = loaded.supplier().to_string();
        let version = loaded.profile().adapter_version.clone();
        let installed: Adapter = loaded.into();
        let replaced = self
            .broker
            .install(installed.clone())
            .map(|old| old.profile().adapter_version.clone());
        // The suite checked the connection already; this records it for `/health`.
        self.broker.check_readiness(&installed).await;
        Some(Reload::Installed {
            file: path.to_path_buf(),
            supplier,
            version,
            replaced,
        })
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Log and count one outcome.
fn report(reload: &Reload, metrics: &crate::metrics::Metrics) {
    match reload {
        Reload::Installed {
            file,
            supplier,
            version,
            replaced,
        } => {
            metrics.adapter_reload("installed");
            // At warn, the default level: an operator sees every swap without asking.
            tracing::warn!(
                file = %file.display(),
                supplier,
                version,
                replaced = replaced.as_deref().unwrap_or("(new supplier)"),
                "adapter version installed"
            );
        }
        Reload::Refused { file, reason } => {
            metrics.adapter_reload("refused");
            tracing::error!(file = %file.display(), reason = %reason, "adapter version not installed");
        }
    }
}
