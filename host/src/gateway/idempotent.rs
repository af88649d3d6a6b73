//! Mutating calls through the ledger: at most once per client, operation and key.
//!
//! ACP's idempotency semantics: the same key and body replay the stored response; the same
//! key with another body is `idempotency-conflict`; a duplicate while the first runs is
//! `in-progress` with a retry hint; an outcome that leaves it open whether the supplier acted
//! (timeout, fault, supplier down) is never stored as final.
//!
//! Write-ahead: the intent is recorded before the adapter is called and the outcome after. An
//! intent whose outcome is missing or unknown is reconciled — the adapter is asked for the
//! order by its buyer PO — before anything is sent again, at start-up
//! ([`Service::reconcile`]) and when the client retries.

use super::api::Problem;
use super::auth::Client;
use super::problem::ApiError;
use super::service::{IdempotencyKey, Service};
use crate::adapter::{LoadedAdapter, Operation};
use crate::contract::now_ms;
use crate::contract::{CallContext, CommerceError, Order};
use crate::error::CallError;
use crate::ledger::StoredResponse;
use crate::ledger::{
    AuditEntry, Claim, Intent, KeyScope, Ledger, LedgerError, OpenIntent, Outcome,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};
use std::sync::Arc;

/// How long a duplicate should wait before retrying while the first request runs.
const IN_PROGRESS_RETRY_MS: u64 = 1000;

/// A mutating call as the ledger records it.
pub(super) struct Mutation<'a> {
    pub client: &'a Client,
    pub operation: Operation,
    pub key: &'a IdempotencyKey,
    /// Owned: the broker's set may change while the call runs; this is the adapter it uses.
    pub adapter: LoadedAdapter,
    pub supplier_key: String,
    pub buyer_po: Option<String>,
    /// The client's request (what the hash covers).
    pub request: String,
    /// What it acts on, for the audit trail (`voltaic/ORD-1`, `voltaic` for a new order).
    pub target: String,
}

impl<'a> Mutation<'a> {
    /// A change to an existing order (cancel, return), keyed by its own operation; its
    /// request is the order and the body.
    pub(super) fn on_order(
        client: &'a Client,
        operation: Operation,
        key: &'a IdempotencyKey,
        adapter: &'a LoadedAdapter,
        order_id: &str,
        body: &impl Serialize,
    ) -> Self {
        let supplier = adapter.supplier().as_str();
        Mutation {
            client,
            operation,
            key,
            adapter: adapter.clone(),
            supplier_key: key.for_supplier(client, adapter.supplier(), operation),
            buyer_po: None,
            request: canonical(&(supplier, order_id, body)),
            target: format!("{supplier}/{order_id}"),
        }
    }

    fn scope(&self) -> KeyScope {
        KeyScope {
            client: self.client.id.to_string(),
            operation: self.operation.name().to_string(),
            key: self.key.as_str().to_string(),
        }
    }

    fn intent(&self) -> Intent {
        Intent {
            scope: self.scope(),
            supplier: self.adapter.supplier().to_string(),
            supplier_key: self.supplier_key.clone(),
            buyer_po: self.buyer_po.clone(),
            request: self.request.clone(),
        }
    }
}

/// The canonical JSON of a client's request (struct fields in declaration order), which its
/// idempotency record and write-ahead intent keep.
pub fn canonical<T: Serialize>(request: &T) -> String {
    serde_json::to_string(request).unwrap_or_default()
}

/// SHA-256 (hex) of a request's canonical JSON: the same key with another hash is a conflict.
pub fn request_hash(request: &str) -> String {
    hex::encode(Sha256::digest(request.as_bytes()))
}

/// What a failed call means for the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// The supplier may have acted: reconcile before sending again.
    Unknown,
    /// Nothing reached the supplier, and a retry may succeed.
    NotSent,
    /// A final answer: store it.
    Final,
}

pub(super) fn failure(e: &ApiError) -> Failure {
    match e {
        ApiError::Busy(_) | ApiError::Ledger(_) => Failure::NotSent,
        ApiError::Call { error, .. } => match error {
            CallError::CircuitOpen { .. } => Failure::NotSent,
            CallError::Commerce(
                CommerceError::SupplierUnavailable(_)
                | CommerceError::RateLimited(_)
                | CommerceError::InProgress(_),
            ) => Failure::Unknown,
            e if e.is_fault() => Failure::Unknown,
            _ => Failure::Final,
        },
        _ => Failure::Final,
    }
}

impl Service {
    /// Run `f` against the ledger on the blocking pool. What it wrote, and every write
    /// staged before, is durable when this returns.
    pub(super) async fn in_ledger<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.on_ledger(true, f).await
    }

    /// Run `f` against the ledger, leaving its writes for the next durable step: for the
    /// steps of a mutation, which syncs twice, before the call leaves ([`Service::send`])
    /// and before the answer goes out. Durability is what a commit costs, so one sync for
    /// many writes is what lets orders through at disk speed rather than a sync per step.
    pub(super) async fn staged<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.on_ledger(false, f).await
    }

    /// Make every staged write durable.
    pub(super) async fn durable(&self) -> Result<(), ApiError> {
        self.in_ledger(|_| Ok(())).await
    }

    async fn on_ledger<T: Send + 'static>(
        &self,
        sync: bool,
        f: impl FnOnce(&dyn Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let ledger: Arc<dyn Ledger> = self.ledger().clone();
        tokio::task::spawn_blocking(move || {
            let value = f(ledger.as_ref())?;
            if sync {
                ledger.sync()?;
            }
            Ok(value)
        })
        .await
        .map_err(|e| ApiError::Ledger(format!("ledger task failed: {e}")))?
        .map_err(|e: LedgerError| ApiError::Ledger(e.to_string()))
    }

    /// Run a mutation that calls no adapter (a person's decision) at most once for its key:
    /// the same key and request replay the stored answer, another request under the key is a
    /// conflict, and a failure that may pass on retry gives the key back.
    pub(super) async fn keyed<T: Serialize + DeserializeOwned + Send + 'static>(
        &self,
        client: &Client,
        operation: &str,
        key: &IdempotencyKey,
        request: String,
        run: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let scope = KeyScope {
            client: client.id.to_string(),
            operation: operation.to_string(),
            key: key.as_str().to_string(),
        };
        let hash = request_hash(&request);
        let claim = {
            let (scope, hash) = (scope.clone(), hash.clone());
            self.in_ledger(move |l| l.claim(&scope, &hash, now_ms()))
                .await?
        };
        match claim {
            Claim::Fresh => {}
            Claim::Replay(stored) => return replay(&stored),
            Claim::Conflict => return Err(ApiError::IdempotencyConflict(scope.key)),
            Claim::InProgress => {
                return Err(ApiError::InProgress {
                    key: scope.key,
                    retry_after_ms: IN_PROGRESS_RETRY_MS,
                });
            }
        }
        let result = run.await;
        let stored = match &result {
            Ok(value) => Some(StoredResponse {
                status: 200,
                body: serde_json::to_string(value).unwrap_or_default(),
            }),
            Err(e) if failure(e) == Failure::Final => {
                let problem = e.to_problem(None);
                Some(StoredResponse {
                    status: problem.status,
                    body: serde_json::to_string(&problem).unwrap_or_default(),
                })
            }
            Err(_) => None,
        };
        let recorded = self
            .in_ledger(move |l| match &stored {
                Some(s) => l.finish(&scope, &hash, s, now_ms()),
                None => l.release(&scope),
            })
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, operation, "idempotency record not written");
        }
        result
    }

    /// Run the mutation `m` at most once for its key: claim, write-ahead intent, the call,
    /// the outcome, the audit line. `call` runs only on a fresh claim and must make its
    /// supplier call through [`Service::send`]; `placed` says which order an answer is (for
    /// order placements, so the order is recorded). The ledger syncs twice: in `send`, and
    /// with the audit line before the answer is returned.
    pub(super) async fn idempotent<T: Serialize + DeserializeOwned + Send + 'static>(
        &self,
        m: Mutation<'_>,
        ctx: &CallContext,
        success_status: u16,
        call: impl Future<Output = Result<T, ApiError>>,
        placed: impl Fn(&T) -> Option<&Order>,
    ) -> Result<T, ApiError> {
        let scope = m.scope();
        let hash = request_hash(&m.request);
        let claim = {
            let (scope, hash) = (scope.clone(), hash.clone());
            self.staged(move |l| l.claim(&scope, &hash, now_ms()))
                .await?
        };
        let (result, how) = match claim {
            Claim::Fresh => (
                self.run_claimed(&m, ctx, success_status, call, &placed)
                    .await,
                "sent",
            ),
            Claim::Replay(stored) => (replay(&stored), "replayed"),
            Claim::Conflict => (
                Err(ApiError::IdempotencyConflict(scope.key.clone())),
                "refused",
            ),
            Claim::InProgress => (
                Err(ApiError::InProgress {
                    key: scope.key.clone(),
                    retry_after_ms: IN_PROGRESS_RETRY_MS,
                }),
                "refused",
            ),
        };
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => e.code().as_str().to_string(),
        };
        let audit = AuditEntry {
            at: now_ms(),
            client: m.client.id.to_string(),
            operation: m.operation.name().to_string(),
            target: match result.as_ref().ok().and_then(&placed) {
                Some(o) => format!("{}/{}", m.adapter.supplier(), o.order_id),
                None => m.target.clone(),
            },
            outcome,
            detail: format!("{how}; idempotency-key={} request-sha256={hash}", scope.key),
        };
        if let Err(e) = self.in_ledger(move |l| l.audit(&audit)).await {
            tracing::error!(error = %e, "audit entry not written");
        }
        result
    }

    /// The claimed part of [`Service::idempotent`]. Its last writes are staged: the caller
    /// makes them durable with its own next write.
    pub(super) async fn run_claimed<T: Serialize + DeserializeOwned + Send + 'static>(
        &self,
        m: &Mutation<'_>,
        ctx: &CallContext,
        success_status: u16,
        call: impl Future<Output = Result<T, ApiError>>,
        placed: &impl Fn(&T) -> Option<&Order>,
    ) -> Result<T, ApiError> {
        let scope = m.scope();
        // An earlier try under this key may have reached the supplier: ask before sending.
        if m.operation == Operation::PlaceOrder {
            let last = {
                let scope = scope.clone();
                self.staged(move |l| l.last_intent(&scope)).await
            };
            let last = match last {
                Ok(last) => last,
                Err(e) => return self.give_back(&scope, e).await,
            };
            if let Some((open, None | Some(Outcome::Unknown(_)))) = last {
                match self.reconcile_one(&m.adapter, ctx, m.client, &open).await {
                    Ok(Some(order)) => {
                        let body = serde_json::to_string(&order).unwrap_or_default();
                        let stored = StoredResponse {
                            status: success_status,
                            body,
                        };
                        let hash = request_hash(&m.request);
                        let finish = self
                            .in_ledger(move |l| l.finish(&scope, &hash, &stored, now_ms()))
                            .await;
                        if let Err(e) = finish {
                            tracing::error!(error = %e, "reconciled order not stored as final");
                        }
                        let value = serde_json::to_value(&order)
                            .and_then(serde_json::from_value)
                            .map_err(|e| ApiError::Ledger(e.to_string()))?;
                        return Ok(value);
                    }
                    Ok(None) => {}
                    Err(e) => return self.give_back(&scope, e).await,
                }
            }
        }
        let intent = m.intent();
        let id = match self
            .staged(move |l| l.record_intent(&intent, now_ms()))
            .await
        {
            Ok(id) => id,
            Err(e) => return self.give_back(&scope, e).await,
        };
        let result = call.await;
        let supplier = m.adapter.supplier().to_string();
        let client = m.client.id.to_string();
        let record = match &result {
            Ok(value) => {
                let order = placed(value).cloned();
                let outcome = match &order {
                    Some(o) => Outcome::Placed(o.order_id.clone()),
                    None => Outcome::Done("ok".into()),
                };
                let stored = StoredResponse {
                    status: success_status,
                    body: serde_json::to_string(value).unwrap_or_default(),
                };
                let scope = scope.clone();
                let hash = request_hash(&m.request);
                self.staged(move |l| {
                    if let Some(o) = &order {
                        l.upsert_order(&client, &supplier, o, now_ms())?;
                    }
                    l.record_outcome(id, &outcome, now_ms())?;
                    l.finish(&scope, &hash, &stored, now_ms())
                })
                .await
            }
            Err(e) => {
                let code = e.code().as_str().to_string();
                let scope = scope.clone();
                match failure(e) {
                    Failure::Unknown => {
                        self.staged(move |l| {
                            l.record_outcome(id, &Outcome::Unknown(code), now_ms())?;
                            l.release(&scope)
                        })
                        .await
                    }
                    Failure::NotSent => {
                        self.staged(move |l| {
                            l.record_outcome(id, &Outcome::NotPlaced, now_ms())?;
                            l.release(&scope)
                        })
                        .await
                    }
                    Failure::Final => {
                        let problem = e.to_problem(None);
                        let stored = StoredResponse {
                            status: problem.status,
                            body: serde_json::to_string(&problem).unwrap_or_default(),
                        };
                        let hash = request_hash(&m.request);
                        self.staged(move |l| {
                            l.record_outcome(id, &Outcome::Refused(code), now_ms())?;
                            l.finish(&scope, &hash, &stored, now_ms())
                        })
                        .await
                    }
                }
            }
        };
        if let Err(e) = record {
            // The supplier's answer stands; the open intent is reconciled on the next try.
            tracing::error!(error = %e, %scope, "outcome not recorded; left for reconciliation");
        }
        result
    }

    /// Give the claim back after a ledger failure before anything was sent.
    async fn give_back<T>(&self, scope: &KeyScope, e: ApiError) -> Result<T, ApiError> {
        let scope = scope.clone();
        let _ = self.in_ledger(move |l| l.release(&scope)).await;
        Err(e)
    }

    /// Ask the supplier whether the order of `open` exists; record what it says. `Ok(None)`:
    /// it does not, so sending is safe.
    async fn reconcile_one(
        &self,
        adapter: &LoadedAdapter,
        ctx: &CallContext,
        client: &Client,
        open: &OpenIntent,
    ) -> Result<Option<Order>, ApiError> {
        let Some(po) = open.intent.buyer_po.clone() else {
            return Ok(None);
        };
        let answer = self
            .broker()
            .call(
                adapter,
                Operation::GetOrder,
                ctx,
                adapter.get_order(ctx, &po),
            )
            .await?;
        let id = open.id;
        match answer {
            Ok(order) => {
                let (client, supplier, o) = (
                    client.id.to_string(),
                    adapter.supplier().to_string(),
                    order.clone(),
                );
                self.in_ledger(move |l| {
                    l.upsert_order(&client, &supplier, &o, now_ms())?;
                    l.record_outcome(id, &Outcome::Placed(o.order_id.clone()), now_ms())
                })
                .await?;
                tracing::info!(supplier = %adapter.supplier(), order = %order.order_id, po, "reconciled: the supplier has the order");
                Ok(Some(order))
            }
            Err(CallError::Commerce(CommerceError::NotFound(_))) => {
                self.in_ledger(move |l| l.record_outcome(id, &Outcome::NotPlaced, now_ms()))
                    .await?;
                tracing::info!(supplier = %adapter.supplier(), po, "reconciled: the supplier has no such order");
                Ok(None)
            }
            Err(error) => Err(ApiError::Call {
                supplier: adapter.supplier().clone(),
                error,
            }),
        }
    }

    /// Recover after a stop (call once at start-up, before serving): reconcile open intents,
    /// then give up claims the stopped process held without having sent anything. Returns
    /// (settled, still open, claims released).
    pub async fn recover(&self) -> Result<(usize, usize, usize), ApiError> {
        self.record_mandates().await?;
        let (settled, open) = self.reconcile().await?;
        let released = self.in_ledger(|l| l.release_orphaned_claims()).await?;
        Ok((settled, open, released))
    }

    /// Record every client's mandate as it is in force now: the ledger keeps each version,
    /// so an order can be judged later against the mandate it was placed under.
    pub async fn record_mandates(&self) -> Result<(), ApiError> {
        let mandates: Vec<(String, String, String)> = self
            .clients()
            .all()
            .iter()
            .filter_map(|c| {
                let m = c.mandate.as_ref()?;
                Some((m.id.clone(), c.id.to_string(), m.to_json().to_string()))
            })
            .collect();
        self.in_ledger(move |l| {
            for (id, client, definition) in &mandates {
                l.record_mandate(id, client, definition, now_ms())?;
            }
            Ok(())
        })
        .await
    }

    /// Reconcile every open order intent with its supplier (at start-up): an order the
    /// supplier has is recorded and its key answers with it from now on; one it does not have
    /// frees its key for a retry. Intents whose supplier cannot answer now stay open.
    /// Returns how many were settled and how many are still open.
    pub async fn reconcile(&self) -> Result<(usize, usize), ApiError> {
        let open = self.in_ledger(|l| l.open_intents()).await?;
        let (mut settled, mut still_open) = (0, 0);
        for intent in open {
            if intent.intent.scope.operation != Operation::PlaceOrder.name() {
                continue;
            }
            let (Some(adapter), Some(client)) = (
                self.broker().adapter(&intent.intent.supplier),
                self.clients().by_id(&intent.intent.scope.client),
            ) else {
                still_open += 1;
                continue;
            };
            let ctx = self.context(&client, &super::api::Scope::default());
            let scope = intent.intent.scope.clone();
            let hash = request_hash(&intent.intent.request);
            match self.reconcile_one(&adapter, &ctx, &client, &intent).await {
                Ok(Some(order)) => {
                    let stored = StoredResponse {
                        status: 201,
                        body: serde_json::to_string(&order).unwrap_or_default(),
                    };
                    self.in_ledger(move |l| l.finish(&scope, &hash, &stored, now_ms()))
                        .await?;
                    settled += 1;
                }
                Ok(None) => {
                    self.in_ledger(move |l| l.release(&scope)).await?;
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

/// The stored answer of an earlier request with the same key and body.
fn replay<T: DeserializeOwned>(stored: &StoredResponse) -> Result<T, ApiError> {
    if (200..300).contains(&stored.status) {
        return serde_json::from_str(&stored.body)
            .map_err(|e| ApiError::Ledger(format!("stored response unreadable: {e}")));
    }
    let problem: Problem = serde_json::from_str(&stored.body)
        .map_err(|e| ApiError::Ledger(format!("stored problem unreadable: {e}")))?;
    Err(ApiError::Replayed(Box::new(problem)))
}
