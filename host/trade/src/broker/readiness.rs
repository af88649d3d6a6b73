//! Whether each supplier's endpoint and credentials work, as its adapter's connection check
//! last said.
//!
//! A wrong credential or a moved endpoint would otherwise stay invisible until a buyer's order
//! failed. The host checks each adapter when it starts serving, again after a reload installs a
//! new version, and each minute for the suppliers still failing or unchecked; `/health` and
//! `/v1/suppliers` report the result. A check is an ordinary adapter call through
//! [`Broker::call`](super::Broker::call): it takes a slot, obeys the deadline and the breaker,
//! and is counted in the metrics like any other.

use super::Broker;
use crate::contract::supplier::CallError;
use crate::contract::supplier::{Adapter, Digest, Operation, SupplierId};
use crate::contract::{BuyerContext, CallContext, CommerceError, Timestamp, now_ms};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How often suppliers that are failing (or not yet checked) are checked again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(60);

/// What the last connection check of one adapter version said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Not checked yet (the host has just started, or a new version was just installed).
    Unchecked,
    /// The check passed at `checked_at` (milliseconds since the epoch).
    Ready {
        /// When.
        checked_at: Timestamp,
    },
    /// The adapter has nothing to check (it answers `unsupported`, or predates the check).
    NotCheckable,
    /// The check failed: the typed error's code, and since when it has been failing.
    Failing {
        /// The error's code (`unauthorized`, `timeout`, …); its detail is logged, not kept,
        /// because it may carry the supplier's internal address.
        code: &'static str,
        /// First failure of this run of failures (milliseconds since the epoch).
        since: Timestamp,
    },
}

impl Readiness {
    /// What a check's outcome at `now` means, given the state before it.
    pub fn after(previous: &Readiness, outcome: &Result<(), CallError>, now: Timestamp) -> Self {
        match outcome {
            Ok(()) => Readiness::Ready { checked_at: now },
            Err(CallError::Commerce(CommerceError::Unsupported(_)))
            | Err(CallError::NotDeclared { .. }) => Readiness::NotCheckable,
            Err(e) => Readiness::Failing {
                code: e.code(),
                since: match previous {
                    Readiness::Failing { since, .. } => *since,
                    _ => now,
                },
            },
        }
    }

    /// Whether the periodic pass should check again: only what is not known to work.
    pub fn needs_check(&self) -> bool {
        matches!(self, Readiness::Unchecked | Readiness::Failing { .. })
    }
}

/// How many suppliers are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed their last check.
    pub ready: u32,
    /// Failed it.
    pub failing: u32,
    /// Have nothing to check.
    pub not_checkable: u32,
    /// Not checked yet.
    pub unchecked: u32,
}

/// The readiness of every served adapter version, shared by the broker's clones.
#[derive(Debug, Clone, Default)]
pub(super) struct Board {
    states: Arc<Mutex<HashMap<SupplierId, (Digest, Readiness)>>>,
}

impl Board {
    /// The state of `supplier`'s version `digest`; a version never checked is unchecked.
    pub(super) fn get(&self, supplier: &SupplierId, digest: &Digest) -> Readiness {
        match self.lock().get(supplier) {
            Some((d, r)) if d == digest => r.clone(),
            _ => Readiness::Unchecked,
        }
    }

    /// Record a check of `supplier`'s version `digest` and return the new state. The state is
    /// keyed by digest, so a check of a version since replaced is never read as the new one's.
    pub(super) fn record(
        &self,
        supplier: &SupplierId,
        digest: &Digest,
        outcome: &Result<(), CallError>,
        now: Timestamp,
    ) -> Readiness {
        let mut states = self.lock();
        let previous = match states.get(supplier) {
            Some((d, r)) if d == digest => r.clone(),
            _ => Readiness::Unchecked,
        };
        let next = Readiness::after(&previous, outcome, now);
        states.insert(supplier.clone(), (digest.clone(), next.clone()));
        next
    }

    /// Forget what was said of `supplier`: a version was just installed for it.
    pub(super) fn forget(&self, supplier: &SupplierId) {
        self.lock().remove(supplier);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SupplierId, (Digest, Readiness)>> {
        self.states.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Counts {
    /// Count `states`.
    pub fn of<'a>(states: impl IntoIterator<Item = &'a Readiness>) -> Self {
        let mut c = Counts::default();
        for r in states {
            match r {
                Readiness::Ready { .. } => c.ready += 1,
                Readiness::Failing { .. } => c.failing += 1,
                Readiness::NotCheckable => c.not_checkable += 1,
                Readiness::Unchecked => c.unchecked += 1,
            }
        }
        c
    }
}

impl Broker {
    /// What the last connection check of `adapter` (this version of it) said.
    pub fn readiness(&self, adapter: &Adapter) -> Readiness {
        self.readiness.get(adapter.supplier(), adapter.digest())
    }

    /// Run `adapter`'s connection check now, record what it said and return it. With no call
    /// slot free the state stays as it was, to be checked again on the next pass.
    pub async fn check_readiness(&self, adapter: &Adapter) -> Readiness {
        let ctx = self.check_context();
        let call = adapter.check_connection(&ctx);
        let Ok(outcome) = self
            .call(adapter, Operation::CheckConnection, &ctx, call)
            .await
        else {
            return self.readiness(adapter);
        };
        let before = self.readiness(adapter);
        let after = self
            .readiness
            .record(adapter.supplier(), adapter.digest(), &outcome, now_ms());
        let supplier = adapter.supplier().as_str();
        match (&outcome, &after) {
            // The detail may name the supplier's internal address: the log may have it,
            // the API keeps the code only.
            (Err(e), Readiness::Failing { code, .. })
                if !matches!(before, Readiness::Failing { .. }) =>
            {
                tracing::warn!(supplier, code, error = %e, "supplier connection check failed");
            }
            (Ok(()), _) if matches!(before, Readiness::Failing { .. }) => {
                tracing::warn!(supplier, "supplier connection check passes again");
            }
            _ => tracing::debug!(supplier, state = ?after, "supplier connection checked"),
        }
        after
    }

    /// Check, at once, every adapter the periodic pass should: those failing or unchecked
    /// (at start, all of them). Returns the counts over every adapter afterwards.
    pub async fn check_unready(&self) -> Counts {
        let adapters = self.adapters();
        let due = adapters
            .iter()
            .filter(|a| self.readiness(a).needs_check())
            .map(|a| self.check_readiness(a));
        futures::future::join_all(due).await;
        self.readiness_counts()
    }

    /// How many loaded suppliers are in each state.
    pub fn readiness_counts(&self) -> Counts {
        let states: Vec<Readiness> = self.adapters().iter().map(|a| self.readiness(a)).collect();
        Counts::of(&states)
    }

    /// Check what is due now and then every `every`, for as long as the host serves.
    pub async fn watch_readiness(self, every: Duration) {
        loop {
            let counts = self.check_unready().await;
            if counts.failing > 0 {
                tracing::info!(
                    failing = counts.failing,
                    ready = counts.ready,
                    "suppliers failing their connection check"
                );
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The context of a check the host makes on its own behalf, bounded by the broker's
    /// deadline.
    fn check_context(&self) -> CallContext {
        CallContext {
            request_id: crate::clients::request_id(),
            buyer: BuyerContext {
                account_id: None,
                organization: None,
                tax_id: None,
                cost_center: None,
                originator: Some("mercato connection check".to_string()),
                on_behalf_of: None,
            },
            locale: None,
            currency: None,
            country: None,
            deadline: now_ms().saturating_add(
                i64::try_from(self.config.deadline.as_millis()).unwrap_or(i64::MAX),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn failure() -> Result<(), CallError> {
        Err(CallError::Commerce(CommerceError::Unauthorized(
            "key revoked".into(),
        )))
    }

    #[test]
    fn a_failure_keeps_the_time_it_started_and_a_pass_clears_it() {
        let first = Readiness::after(&Readiness::Unchecked, &failure(), 1_000);
        assert_eq!(
            first,
            Readiness::Failing {
                code: "unauthorized",
                since: 1_000
            }
        );
        let still = Readiness::after(&first, &failure(), 61_000);
        assert_eq!(
            still,
            Readiness::Failing {
                code: "unauthorized",
                since: 1_000
            }
        );
        assert!(still.needs_check());
        let fixed = Readiness::after(&still, &Ok(()), 121_000);
        assert_eq!(
            fixed,
            Readiness::Ready {
                checked_at: 121_000
            }
        );
        assert!(!fixed.needs_check());
    }

    #[test]
    fn unsupported_means_nothing_to_check_and_a_timeout_is_a_failure() {
        let unsupported = Err(CallError::Commerce(CommerceError::Unsupported(
            "check-connection".into(),
        )));
        assert_eq!(
            Readiness::after(&Readiness::Unchecked, &unsupported, 5),
            Readiness::NotCheckable
        );
        let timeout = Err(CallError::Timeout {
            elapsed: Duration::from_secs(3),
            limit: Duration::from_secs(3),
        });
        assert!(matches!(
            Readiness::after(&Readiness::Unchecked, &timeout, 5),
            Readiness::Failing {
                code: "timeout",
                ..
            }
        ));
    }

    #[test]
    fn a_new_version_starts_unchecked_whatever_the_old_one_said() {
        let board = Board::default();
        let supplier = SupplierId::parse("acme").unwrap();
        let (old, new) = (Digest::of(b"v1"), Digest::of(b"v2"));
        board.record(&supplier, &old, &failure(), 7);
        assert!(matches!(
            board.get(&supplier, &old),
            Readiness::Failing { .. }
        ));
        assert_eq!(board.get(&supplier, &new), Readiness::Unchecked);
        board.record(&supplier, &new, &Ok(()), 9);
        assert_eq!(
            board.get(&supplier, &new),
            Readiness::Ready { checked_at: 9 }
        );
        assert_eq!(
            Counts::of([
                &Readiness::Unchecked,
                &Readiness::NotCheckable,
                &board.get(&supplier, &new)
            ]),
            Counts {
                ready: 1,
                failing: 0,
                not_checkable: 1,
                unchecked: 1
            }
        );
    }
}
