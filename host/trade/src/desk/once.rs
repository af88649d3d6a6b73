//! Mutating calls at most once per client, operation and key.
//!
//! ACP's idempotency semantics: the same key and body get the stored answer again; the same
//! key with another body is `idempotency-conflict`; a duplicate while the first runs is
//! `in-progress` with a retry hint; an outcome that leaves it open whether the supplier acted
//! (timeout, fault, supplier down) is never stored as final.
//!
//! Write-ahead: the intent is recorded before the adapter is called and its outcome after.
//! An intent whose outcome is missing or unknown is reconciled (the supplier is asked for the
//! order by its buyer PO) before anything is sent again: when the client retries, and at
//! start-up ([`OrderDesk::recover`]).

use super::error::{DeskError, Failure, Refusal};
use super::request::{CancelBody, IdempotencyKey, MAX_LINES, ReturnBody};
use super::{OrderDesk, OrderRef, Sent};
use crate::clients::Client;
use crate::codes::Normalize as _;
use crate::contract::supplier::{Adapter, Operation};
use crate::contract::{
    CancelOutcome, CancelRequest, CancelStatus, Order, ReturnAuthorization, ReturnRequest,
};
use crate::ledger::{AuditEntry, Claim, Intent, KeyScope, OpenIntent, Outcome, StoredResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};

/// How long a duplicate should wait before retrying while the first request runs.
const IN_PROGRESS_RETRY_MS: u64 = 1000;

/// A mutating call as the ledger records it.
pub(super) struct Mutation<'a> {
    pub client: &'a Client,
    pub operation: Operation,
    pub key: &'a IdempotencyKey,
    /// Owned: the broker's set may change while the call runs; this is the adapter it uses.
    pub adapter: Adapter,
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
    fn on_order(
        client: &'a Client,
        operation: Operation,
        key: &'a IdempotencyKey,
        adapter: Adapter,
        order_id: &str,
        body: &impl Serialize,
    ) -> Self {
        let supplier = adapter.supplier().to_string();
        Mutation {
            client,
            operation,
            key,
            supplier_key: key.for_supplier(client, adapter.supplier(), operation),
            buyer_po: None,
            request: canonical(&(supplier.as_str(), order_id, body)),
            target: format!("{supplier}/{order_id}"),
            adapter,
        }
    }

    /// The write-ahead intent of this call.
    pub(super) fn intent(&self) -> Intent {
        Intent {
            scope: self.scope(),
            supplier: self.adapter.supplier().to_string(),
            supplier_key: self.supplier_key.clone(),
            buyer_po: self.buyer_po.clone(),
            request: self.request.clone(),
        }
    }

    pub(super) fn scope(&self) -> KeyScope {
        KeyScope {
            client: self.client.id.to_string(),
            operation: self.operation.name().to_string(),
            key: self.key.as_str().to_string(),
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

/// A call's final answer as the ledger keeps it.
pub(super) fn stored<T: Serialize>(result: &Result<T, DeskError>) -> Option<StoredResponse> {
    match result {
        Ok(value) => Some(StoredResponse {
            ok: true,
            body: serde_json::to_string(value).unwrap_or_default(),
        }),
        Err(e) if e.failure() == Failure::Final => Some(StoredResponse {
            ok: false,
            body: serde_json::to_string(&e.to_refusal()).unwrap_or_default(),
        }),
        Err(_) => None,
    }
}

/// The stored answer of an earlier request with the same key and body.
fn replay<T: DeserializeOwned>(stored: &StoredResponse) -> Result<T, DeskError> {
    if stored.ok {
        return serde_json::from_str(&stored.body)
            .map_err(|e| DeskError::Ledger(format!("stored answer unreadable: {e}")));
    }
    let refusal: Refusal = serde_json::from_str(&stored.body)
        .map_err(|e| DeskError::Ledger(format!("stored refusal unreadable: {e}")))?;
    Err(DeskError::Replayed(Box::new(refusal)))
}

/// What a claim on a key found: go ahead, or the answer already.
enum Claimed<T> {
    Fresh,
    Answered(Result<T, DeskError>, &'static str),
}

impl OrderDesk {
    /// Run `run` at most once for `m`'s key: claim it, run, keep the final answer (or give
    /// the key back when a retry may do better), and write the audit line. `target` names
    /// the order an answer is about, for the audit trail.
    pub(super) async fn once<T: Serialize + DeserializeOwned + Send + 'static>(
        &self,
        m: &Mutation<'_>,
        target: impl Fn(&T) -> Option<String>,
        run: impl AsyncFnOnce() -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let scope = m.scope();
        let hash = request_hash(&m.request);
        let (result, how) = match self.claim(&scope, &hash).await? {
            Claimed::Fresh => (run().await, "sent"),
            Claimed::Answered(result, how) => (result, how),
        };
        let audit = AuditEntry {
            at: self.now(),
            client: m.client.id.to_string(),
            operation: m.operation.name().to_string(),
            target: match result.as_ref().ok().and_then(&target) {
                Some(id) => format!("{}/{id}", m.adapter.supplier()),
                None => m.target.clone(),
            },
            outcome: match &result {
                Ok(_) => "ok".to_string(),
                Err(e) => e.code().to_string(),
            },
            detail: format!("{how}; idempotency-key={} request-sha256={hash}", scope.key),
        };
        // A fresh call's answer is kept under its key (or the key given back) with its audit
        // line, durably, before the answer goes out.
        let closing = (how == "sent").then(|| stored(&result));
        let now = self.now();
        let closed = self
            .book(move |l| {
                match closing {
                    Some(Some(answer)) => l.finish(&scope, &hash, &answer, now)?,
                    Some(None) => l.release(&scope)?,
                    None => {}
                }
                l.audit(&audit)
            })
            .await;
        if let Err(e) = closed {
            // The answer stands; an open intent is reconciled on the next try.
            tracing::error!(error = %e, "idempotency record or audit entry not written");
        }
        result
    }

    /// Claim `scope` for a request hashing to `hash` (staged: the call's own steps follow).
    async fn claim<T: DeserializeOwned>(
        &self,
        scope: &KeyScope,
        hash: &str,
    ) -> Result<Claimed<T>, DeskError> {
        let (s, h, now) = (scope.clone(), hash.to_string(), self.now());
        Ok(match self.staged(move |l| l.claim(&s, &h, now)).await? {
            Claim::Fresh => Claimed::Fresh,
            Claim::Replay(stored) => Claimed::Answered(replay(&stored), "replayed"),
            Claim::Conflict => Claimed::Answered(
                Err(DeskError::IdempotencyConflict(scope.key.clone())),
                "refused",
            ),
            Claim::InProgress => Claimed::Answered(
                Err(DeskError::InProgress {
                    key: scope.key.clone(),
                    retry_after_ms: IN_PROGRESS_RETRY_MS,
                }),
                "refused",
            ),
        })
    }

    /// Keep a claimed call's final answer under its key, or give the key back for a retry.
    pub(super) async fn close<T: Serialize>(
        &self,
        scope: &KeyScope,
        hash: &str,
        result: &Result<T, DeskError>,
    ) {
        let (scope, hash, now) = (scope.clone(), hash.to_string(), self.now());
        let answer = stored(result);
        let closed = self
            .staged(move |l| match &answer {
                Some(s) => l.finish(&scope, &hash, s, now),
                None => l.release(&scope),
            })
            .await;
        if let Err(e) = closed {
            // The answer stands; an open intent is reconciled on the next try.
            tracing::error!(error = %e, "idempotency record not written");
        }
    }

    /// Record the intent of a call about to be sent; its id.
    pub(super) async fn write_intent(&self, m: &Mutation<'_>) -> Result<i64, DeskError> {
        let intent = m.intent();
        let now = self.now();
        self.staged(move |l| l.record_intent(&intent, now)).await
    }

    /// Record how an intent ended (staged: the answer's own durable step follows).
    pub(super) async fn close_intent(&self, intent: i64, outcome: Outcome) {
        let now = self.now();
        if let Err(e) = self
            .staged(move |l| l.record_outcome(intent, &outcome, now))
            .await
        {
            tracing::error!(error = %e, intent, "intent outcome not recorded; left for reconciliation");
        }
    }

    /// The answer of an earlier try under `m`'s key whose outcome the host never learnt, if
    /// the supplier has its order: reconciled, judged and settled like a fresh answer.
    /// `None`: it does not (or there was no such try), so sending is safe.
    pub(super) async fn earlier_try(
        &self,
        m: &Mutation<'_>,
    ) -> Result<Option<Result<Order, DeskError>>, DeskError> {
        let scope = m.scope();
        let Some((open, None | Some(Outcome::Unknown(_)))) =
            self.staged(move |l| l.last_intent(&scope)).await?
        else {
            return Ok(None);
        };
        let Some(sent) = self.sent_of(&open, m.client, &m.adapter).await? else {
            return Ok(None);
        };
        match self.lookup(&sent).await? {
            Some(order) => Ok(Some(self.conclude(&sent, Ok(order)).await)),
            None => {
                self.close_intent(open.id, Outcome::NotPlaced).await;
                self.move_reservation(sent.reservation, super::released_unplaced())
                    .await;
                Ok(None)
            }
        }
    }

    /// An open intent as the order it was going to send, with what its answer is judged on;
    /// `None` for an intent without a buyer PO (nothing to reconcile by).
    pub(super) async fn sent_of<'a>(
        &self,
        open: &OpenIntent,
        client: &'a Client,
        adapter: &Adapter,
    ) -> Result<Option<Sent<'a>>, DeskError> {
        if open.intent.buyer_po.is_none() {
            return Ok(None);
        }
        let asked: super::PlaceOrder = serde_json::from_str(&open.intent.request).map_err(|e| {
            DeskError::Ledger(format!("intent {}: request unreadable: {e}", open.id))
        })?;
        let key = IdempotencyKey::parse(&open.intent.scope.key).map_err(DeskError::Ledger)?;
        let mandate = client
            .mandate
            .clone()
            .ok_or(DeskError::MandateDenied(crate::mandate::Rule::NoMandate))?;
        let (id, supplier, quote_id) = (
            open.id,
            adapter.supplier().to_string(),
            asked.quote_id.clone(),
        );
        let (reservation, quote) = self
            .staged(move |l| {
                let quote = match &quote_id {
                    Some(q) => l.quote(&supplier, q)?,
                    None => None,
                };
                Ok((l.reservation_for_intent(id)?, quote))
            })
            .await?;
        let ceiling = match &reservation {
            Some(r) => r.cap,
            None => asked.max_total.to_exact().map_err(|e| {
                DeskError::Ledger(format!("intent {}: max_total unreadable: {e}", open.id))
            })?,
        };
        let ctx = self.context(
            client,
            Some(asked.max_total.currency.clone()),
            Some(asked.ship_to.country.clone()),
            None,
        );
        Ok(Some(Sent {
            client,
            key,
            adapter: adapter.clone(),
            ctx,
            asked,
            mandate,
            ceiling,
            quote,
            intent: open.id,
            reservation: reservation.map(|r| r.id),
        }))
    }

    /// Cancel an order or some of its lines, at most once per key. A cancellation the
    /// supplier refuses is [`DeskError::CancelRefused`], never a success; a cancelled order's
    /// reservation is released, a partly cancelled one settles to what is left.
    pub async fn cancel_order(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
        key: &IdempotencyKey,
        body: CancelBody,
    ) -> Result<CancelOutcome, DeskError> {
        let adapter = self.adapter(supplier)?;
        if body.line_ids.len() > MAX_LINES {
            return Err(DeskError::BadRequest(format!(
                "line_ids: {} entries; at most {MAX_LINES}",
                body.line_ids.len()
            )));
        }
        let m = Mutation::on_order(
            client,
            Operation::CancelOrder,
            key,
            adapter,
            order_id,
            &body,
        );
        let ctx = self.context(client, None, None, None);
        let req = CancelRequest {
            idempotency_key: m.supplier_key.clone(),
            order_id: order_id.to_string(),
            line_ids: body.line_ids,
            reason: body.reason,
        };
        let outcome = self
            .once(
                &m,
                |c: &CancelOutcome| Some(c.order.order_id.clone()),
                async || {
                    let intent = self.write_intent(&m).await?;
                    let result = self
                        .send(
                            &m.adapter,
                            Operation::CancelOrder,
                            &ctx,
                            m.adapter.cancel_order(&ctx, &req),
                        )
                        .await;
                    let result = result.and_then(|c| match c.status {
                        CancelStatus::Refused => Err(DeskError::CancelRefused {
                            order: Box::new(OrderRef {
                                supplier: supplier.to_string(),
                                order_id: c.order.order_id.clone(),
                                buyer_po: c.order.buyer_po.clone(),
                            }),
                            reason: super::rejection_reason(&c.order),
                        }),
                        _ => Ok(c),
                    });
                    self.close_intent(intent, outcome_of(&result, "cancelled"))
                        .await;
                    result
                },
            )
            .await?;
        self.record_order(client, supplier, &outcome.order).await;
        self.resettle(supplier, &outcome.order.order_id).await;
        Ok(outcome)
    }

    /// Ask to return goods of an order, at most once per key.
    pub async fn request_return(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
        key: &IdempotencyKey,
        mut body: ReturnBody,
    ) -> Result<ReturnAuthorization, DeskError> {
        let adapter = self.adapter(supplier)?;
        body.normalize("")?;
        let m = Mutation::on_order(
            client,
            Operation::RequestReturn,
            key,
            adapter,
            order_id,
            &body,
        );
        let ctx = self.context(client, None, None, None);
        let req = ReturnRequest {
            idempotency_key: m.supplier_key.clone(),
            order_id: order_id.to_string(),
            lines: body.lines,
            notes: body.notes,
        };
        self.once(
            &m,
            |_: &ReturnAuthorization| None,
            async || {
                let intent = self.write_intent(&m).await?;
                let result = self
                    .send(
                        &m.adapter,
                        Operation::RequestReturn,
                        &ctx,
                        m.adapter.request_return(&ctx, &req),
                    )
                    .await;
                self.close_intent(intent, outcome_of(&result, "requested"))
                    .await;
                result
            },
        )
        .await
    }

    /// Run a decision that calls no adapter (a person's approval or rejection) at most once
    /// for its key.
    pub(super) async fn keyed<T: Serialize + DeserializeOwned + Send + 'static>(
        &self,
        client: &Client,
        operation: &str,
        key: &IdempotencyKey,
        request: String,
        run: impl AsyncFnOnce() -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let scope = KeyScope {
            client: client.id.to_string(),
            operation: operation.to_string(),
            key: key.as_str().to_string(),
        };
        let hash = request_hash(&request);
        match self.claim(&scope, &hash).await? {
            Claimed::Answered(result, _) => result,
            Claimed::Fresh => {
                let result = run().await;
                self.close(&scope, &hash, &result).await;
                self.durable().await?;
                result
            }
        }
    }
}

/// How a cancel's or return's intent ended.
fn outcome_of<T>(result: &Result<T, DeskError>, done: &str) -> Outcome {
    match result {
        Ok(_) => Outcome::Done(done.to_string()),
        Err(e) => match e.failure() {
            Failure::Unknown => Outcome::Unknown(e.code().to_string()),
            Failure::NotSent => Outcome::NotPlaced,
            Failure::Final => Outcome::Refused(e.code().to_string()),
        },
    }
}
