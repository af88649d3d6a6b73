//! After a stop: every order intent left without an outcome is reconciled with its supplier
//! before the host serves again. An order the supplier has is recorded, judged and settled
//! exactly as a fresh answer would be, and its key answers with it from then on; an order it
//! does not have frees its key and its reservation. Intents whose supplier cannot answer now
//! stay open for the client's retry or the next start.
//!
//! While serving, the same reconciliation runs periodically, but only over intents older than
//! any order can stay in flight ([`OrderDesk::in_flight_max`]): a younger one may belong to an
//! order this host or another replica is placing right now, and reconciling it would free the
//! reservation and the key of an order about to exist (over budget, and sent twice on retry).

use super::once::request_hash;
use super::{DeskError, OrderDesk};
use crate::contract::supplier::Operation;
use crate::ledger::{Outcome, ReservationChange, ReservationState};

/// What a recovery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Intents settled: the supplier had the order, or said it had none.
    pub settled: usize,
    /// Intents left open: their supplier could not answer.
    pub still_open: usize,
    /// Claims a stopped process held without having sent anything, given back.
    pub claims_released: usize,
}

impl OrderDesk {
    /// Recover after a stop (call once at start-up, before serving): record the mandates in
    /// force, reconcile open intents, then give back claims the stopped process held without
    /// having sent anything.
    pub async fn recover(&self) -> Result<Recovery, DeskError> {
        self.record_mandates().await?;
        let (settled, still_open) = self.reconcile().await?;
        let claims_released = self.book(|l| l.release_orphaned_claims()).await?;
        Ok(Recovery {
            settled,
            still_open,
            claims_released,
        })
    }

    /// Record every client's mandate as it is in force now: the ledger keeps each version,
    /// so an order can be judged later against the mandate it was placed under.
    pub async fn record_mandates(&self) -> Result<(), DeskError> {
        let mandates: Vec<(String, String, String)> = self
            .clients
            .all()
            .iter()
            .filter_map(|c| {
                let m = c.mandate.as_ref()?;
                Some((m.id.clone(), c.id.to_string(), m.to_json().to_string()))
            })
            .collect();
        let now = self.now();
        self.book(move |l| {
            mandates.iter().try_for_each(|(id, client, definition)| {
                l.record_mandate(id, client, definition, now)
            })
        })
        .await
    }

    /// Reconcile every open order intent with its supplier; (settled, still open). Only at
    /// start-up, when no order of this process can be in flight.
    pub async fn reconcile(&self) -> Result<(usize, usize), DeskError> {
        self.reconcile_older_than(None).await
    }

    /// Reconcile the open order intents no order in flight can still own: those recorded more
    /// than [`Self::in_flight_max`] ago; (settled, still open), the younger ones counted as
    /// still open. What `serve` runs every minute.
    pub async fn reconcile_stale(&self) -> Result<(usize, usize), DeskError> {
        self.reconcile_older_than(Some(self.in_flight_max())).await
    }

    /// The longest an order intent stays open while its order is in flight: the broker's
    /// deadline bounds the supplier call, twice over for the ledger work around it, plus a
    /// minute for a slow or paused replica.
    pub fn in_flight_max(&self) -> std::time::Duration {
        self.broker.config().deadline * 2 + std::time::Duration::from_secs(60)
    }

    async fn reconcile_older_than(
        &self,
        age: Option<std::time::Duration>,
    ) -> Result<(usize, usize), DeskError> {
        let open = self.book(|l| l.open_intents()).await?;
        let (mut settled, mut still_open) = (0, 0);
        let recorded_before = age.map(|age| {
            self.now()
                .saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
        });
        for intent in open {
            if recorded_before.is_some_and(|before| intent.at > before) {
                still_open += 1;
                continue;
            }
            if intent.intent.scope.operation != Operation::PlaceOrder.name() {
                continue;
            }
            let (Some(adapter), Some(client)) = (
                self.broker.adapter(&intent.intent.supplier),
                self.clients.by_id(&intent.intent.scope.client),
            ) else {
                still_open += 1;
                continue;
            };
            let Some(sent) = self.sent_of(&intent, &client, &adapter).await? else {
                continue;
            };
            let scope = intent.intent.scope.clone();
            let hash = request_hash(&intent.intent.request);
            match self.lookup(&sent).await {
                Ok(Some(order)) => {
                    let result = self.conclude(&sent, Ok(order)).await;
                    self.close(&scope, &hash, &result).await;
                    self.durable().await?;
                    settled += 1;
                }
                Ok(None) => {
                    self.close_intent(intent.id, Outcome::NotPlaced).await;
                    let released = ReservationChange {
                        state: ReservationState::Released,
                        order_id: None,
                        amount: None,
                    };
                    self.move_reservation(sent.reservation, released).await;
                    self.book(move |l| l.release(&scope)).await?;
                    settled += 1;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "intent left open: the supplier cannot answer now");
                    still_open += 1;
                }
            }
        }
        Ok((settled, still_open))
    }
}
