//! Placing orders, and the human in the loop.
//!
//! An order the client's mandate sends to approval is parked in the ledger (nothing goes to
//! the supplier) and the client gets `approval-required` with the approval's id; a retry with
//! the same key replays that until a person decides. An approver (a client with
//! `approver = true`) approves or rejects it through the API, the CLI or the web page. Approval
//! places the order exactly as the client asked, under its key, through the same write-ahead
//! path; from then on the client's key answers with the order. Rejection stores
//! `approval-rejected` as the key's final answer.

use super::api::{ApprovalView, ApprovalsResponse, PlaceOrderRequest, Scope};
use super::auth::Client;
use super::idempotent::{Failure, Mutation, canonical, failure, request_hash};
use super::problem::ApiError;
use super::service::{IdempotencyKey, Service, bounded_list, request_id};
use super::spend::{Authorized, guarded, order_drift};
use crate::adapter::{LoadedAdapter, Operation};
use crate::contract::now_ms;
use crate::contract::{
    CallContext, CancelRequest, CancelStatus, Message, Order, OrderRequest, Resolution, Severity,
};
use crate::ledger::{Approval, ApprovalState, ReservationState, StoredResponse};
use crate::mandate::DriftAction;
use crate::mandate::Rule;

/// An order ready to be sent: the adapter, its call context, the ledger's view of the
/// mutation, and the request the adapter gets.
pub(super) struct Placement<'a> {
    pub adapter: LoadedAdapter,
    pub ctx: CallContext,
    pub mutation: Mutation<'a>,
    pub order: OrderRequest,
}

impl Service {
    /// Check `req` and prepare it for sending as `client` under `key`.
    pub(super) fn placement<'a>(
        &'a self,
        client: &'a Client,
        key: &'a IdempotencyKey,
        req: &PlaceOrderRequest,
    ) -> Result<Placement<'a>, ApiError> {
        let adapter = self.adapter(&req.supplier)?;
        if req.lines.is_empty() {
            return Err(ApiError::BadRequest("lines: at least one line".into()));
        }
        bounded_list("lines", req.lines.len())?;
        let scope = Scope {
            currency: Some(req.max_total.currency.clone()),
            country: Some(req.ship_to.country.clone()),
            suppliers: None,
            deadline_ms: req.deadline_ms,
        };
        let ctx = self.context(client, &scope);
        let supplier_key = key.for_supplier(client, adapter.supplier(), Operation::PlaceOrder);
        let mutation = Mutation {
            client,
            operation: Operation::PlaceOrder,
            key,
            adapter: adapter.clone(),
            supplier_key: supplier_key.clone(),
            buyer_po: Some(req.buyer_po.clone()),
            request: canonical(&PlaceOrderRequest {
                deadline_ms: None,
                ..req.clone()
            }),
            target: adapter.supplier().to_string(),
        };
        let order = OrderRequest {
            idempotency_key: supplier_key,
            buyer_po: req.buyer_po.clone(),
            quote_id: req.quote_id.clone(),
            lines: req.lines.clone(),
            ship_to: req.ship_to.clone(),
            bill_to: req.bill_to.clone(),
            fulfillment_option_id: req.fulfillment_option_id.clone(),
            requested_delivery: req.requested_delivery,
            partial_delivery: req.partial_delivery,
            max_total: req.max_total.clone(),
            payment: req.payment.clone(),
            authorization: None,
            notes: req.notes.clone(),
        };
        Ok(Placement {
            adapter,
            ctx,
            mutation,
            order,
        })
    }

    /// Judge the order against the mandate (an `approved` one skips the approval threshold,
    /// nothing else), reserve its amount, send it, and settle the reservation by the outcome.
    /// An order that needs approval is parked instead.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn send_order(
        &self,
        client: &Client,
        adapter: &LoadedAdapter,
        ctx: &CallContext,
        key: &IdempotencyKey,
        req: &PlaceOrderRequest,
        order: &OrderRequest,
        approved: bool,
    ) -> Result<Order, ApiError> {
        let Authorized { reservation, quote } =
            match self.authorize(client, adapter, ctx, req, approved).await {
                Ok(a) => a,
                Err(ApiError::ApprovalRequired { rule, .. }) => {
                    return Err(self.park(client, key, req, rule).await?);
                }
                Err(e) => return Err(e),
            };
        let tolerance = client
            .mandate
            .as_ref()
            .map(|m| m.price_tolerance_bp)
            .unwrap_or(0);
        let order = match &quote {
            Some(q) => guarded(order.clone(), q, tolerance),
            None => order.clone(),
        };
        let mut result = self
            .send(
                adapter,
                Operation::PlaceOrder,
                ctx,
                adapter.place_order(ctx, &order),
            )
            .await;
        if let (Ok(placed), Some(q)) = (&mut result, &quote)
            && let Some(rule) = order_drift(placed, q, &order.max_total, tolerance)
        {
            result = self.on_drift(client, adapter, ctx, key, placed, rule).await;
        }
        match &result {
            Ok(o) => {
                let id = Some(o.order_id.clone());
                self.settle_reservation(reservation, ReservationState::Reserved, id)
                    .await
            }
            // The order may exist at the supplier: the amount stays reserved.
            Err(e) if failure(e) == Failure::Unknown => {}
            Err(_) => {
                self.settle_reservation(reservation, ReservationState::Released, None)
                    .await
            }
        }
        result
    }

    /// The supplier's order drifted from the quote beyond the tolerance: cancel it, or keep it
    /// flagged for review, as the client's mandate says.
    async fn on_drift(
        &self,
        client: &Client,
        adapter: &LoadedAdapter,
        ctx: &CallContext,
        key: &IdempotencyKey,
        placed: &mut Order,
        rule: Rule,
    ) -> Result<Order, ApiError> {
        let action = client
            .mandate
            .as_ref()
            .map(|m| m.on_drift)
            .unwrap_or_default();
        tracing::warn!(client = %client.id, order = %placed.order_id, %rule, ?action, "order drifted from its quote");
        let entry = crate::ledger::AuditEntry {
            at: now_ms(),
            client: client.id.to_string(),
            operation: "price-drift".to_string(),
            target: format!("{}/{}", adapter.supplier(), placed.order_id),
            outcome: format!("{action:?}").to_lowercase(),
            detail: rule.to_string(),
        };
        let _ = self.in_ledger(move |l| l.audit(&entry)).await;
        match action {
            DriftAction::Escalate => {
                placed.messages.push(Message {
                    severity: Severity::Warning,
                    code: "price-drift".to_string(),
                    line_id: None,
                    text: rule.to_string(),
                    resolution: Some(Resolution::RequiresBuyerReview),
                });
                Ok(placed.clone())
            }
            DriftAction::Cancel => {
                let cancel = CancelRequest {
                    idempotency_key: key.for_supplier(
                        client,
                        adapter.supplier(),
                        Operation::CancelOrder,
                    ),
                    order_id: placed.order_id.clone(),
                    line_ids: Vec::new(),
                    reason: Some(format!("price drift: {rule}")),
                };
                let cancelled = self
                    .one(
                        adapter,
                        Operation::CancelOrder,
                        ctx,
                        adapter.cancel_order(ctx, &cancel),
                    )
                    .await;
                let state = match &cancelled {
                    Ok(c) => c.order.clone(),
                    Err(_) => placed.clone(),
                };
                let (c, s) = (client.id.to_string(), adapter.supplier().to_string());
                let _ = self
                    .in_ledger(move |l| l.upsert_order(&c, &s, &state, now_ms()))
                    .await;
                match cancelled {
                    Ok(c) if c.status == CancelStatus::Cancelled => {
                        Err(ApiError::MandateDenied(rule))
                    }
                    // Could not cancel: a person has to sort it out.
                    _ => {
                        placed.messages.push(Message {
                            severity: Severity::Error,
                            code: "price-drift-not-cancelled".to_string(),
                            line_id: None,
                            text: format!("{rule}; the supplier did not cancel it"),
                            resolution: Some(Resolution::RequiresBuyerReview),
                        });
                        Ok(placed.clone())
                    }
                }
            }
        }
    }

    /// Park an order for approval; the error the client gets says where it waits.
    async fn park(
        &self,
        client: &Client,
        key: &IdempotencyKey,
        req: &PlaceOrderRequest,
        rule: Rule,
    ) -> Result<ApiError, ApiError> {
        let approval = Approval {
            id: format!("apr-{}", &request_id()[..16]),
            client: client.id.to_string(),
            key: key.as_str().to_string(),
            supplier: req.supplier.clone(),
            request: canonical(&PlaceOrderRequest {
                deadline_ms: None,
                ..req.clone()
            }),
            mandate: client
                .mandate
                .as_ref()
                .map(|m| m.id.clone())
                .unwrap_or_default(),
            rule: serde_json::to_string(&rule).unwrap_or_default(),
            state: ApprovalState::Pending,
            created_at: now_ms(),
            decided_by: None,
            decided_at: None,
            note: None,
            order_id: None,
        };
        let approval_id = approval.id.clone();
        self.in_ledger(move |l| l.park(&approval)).await?;
        tracing::info!(client = %client.id, approval = %approval_id, "order parked for approval");
        Ok(ApiError::ApprovalRequired { rule, approval_id })
    }

    /// Pending approvals, for approvers.
    pub async fn approvals(&self, approver: &Client) -> Result<ApprovalsResponse, ApiError> {
        must_approve(approver)?;
        let pending = self
            .in_ledger(|l| l.approvals(Some(ApprovalState::Pending)))
            .await?;
        let mut approvals = Vec::with_capacity(pending.len());
        for a in pending {
            approvals.push(self.view(a).await?);
        }
        Ok(ApprovalsResponse { approvals })
    }

    /// One approval: for approvers, and for the client whose order it is.
    pub async fn approval(&self, caller: &Client, id: &str) -> Result<ApprovalView, ApiError> {
        let a = self.find_approval(id).await?;
        if !caller.approver && caller.id.as_str() != a.client {
            return Err(ApiError::Forbidden(format!(
                "approval {id} belongs to another client"
            )));
        }
        self.view(a).await
    }

    /// Approve a parked order and place it as the client asked, under its key; at most once
    /// per approver key (`Idempotency-Key`).
    pub async fn approve(
        &self,
        approver: &Client,
        key: &IdempotencyKey,
        id: &str,
        note: Option<String>,
    ) -> Result<ApprovalView, ApiError> {
        let request = canonical(&(id, &note));
        let run = self.approve_once(approver, id, note.clone());
        self.keyed(approver, "approve-order", key, request, run)
            .await
    }

    async fn approve_once(
        &self,
        approver: &Client,
        id: &str,
        note: Option<String>,
    ) -> Result<ApprovalView, ApiError> {
        must_approve(approver)?;
        let approval = self.find_approval(id).await?;
        let requester = self.clients().by_id(&approval.client).ok_or_else(|| {
            ApiError::Forbidden(format!(
                "client `{}` of approval {id} is no longer configured",
                approval.client
            ))
        })?;
        let (by, n, aid) = (approver.id.to_string(), note.clone(), id.to_string());
        let moved = self
            .in_ledger(move |l| {
                l.decide(
                    &aid,
                    &[ApprovalState::Pending, ApprovalState::Failed],
                    ApprovalState::Approved,
                    Some(&by),
                    n.as_deref(),
                    None,
                    now_ms(),
                )
            })
            .await?;
        if !moved {
            return Err(ApiError::BadRequest(format!(
                "approval {id} is {}; only a pending (or failed) approval can be approved",
                approval.state.as_str()
            )));
        }
        let req: PlaceOrderRequest = serde_json::from_str(&approval.request)
            .map_err(|e| ApiError::Ledger(format!("approval {id}: request unreadable: {e}")))?;
        let key = IdempotencyKey::parse(&approval.key)?;
        let Placement {
            adapter,
            ctx,
            mutation,
            order,
        } = self.placement(&requester, &key, &req)?;
        let call = self.send_order(&requester, &adapter, &ctx, &key, &req, &order, true);
        let result = self
            .run_claimed(&mutation, &ctx, 201, call, &placed_order)
            .await;
        let (state, order_id, outcome) = match &result {
            Ok(o) => (ApprovalState::Placed, Some(o.order_id.clone()), "ok".into()),
            Err(e) => (ApprovalState::Failed, None, e.code().as_str().to_string()),
        };
        let aid = id.to_string();
        self.in_ledger(move |l| {
            l.decide(
                &aid,
                &[ApprovalState::Approved],
                state,
                None,
                None,
                order_id.as_deref(),
                now_ms(),
            )
        })
        .await?;
        self.audit_decision(approver, "approve", &approval, &outcome)
            .await;
        result?;
        self.view(self.find_approval(id).await?).await
    }

    /// Reject a parked order: nothing is sent, and the client's key answers with the
    /// rejection from now on; at most once per approver key (`Idempotency-Key`).
    pub async fn reject(
        &self,
        approver: &Client,
        key: &IdempotencyKey,
        id: &str,
        reason: Option<String>,
    ) -> Result<ApprovalView, ApiError> {
        let request = canonical(&(id, &reason));
        let run = self.reject_once(approver, id, reason.clone());
        self.keyed(approver, "reject-order", key, request, run)
            .await
    }

    async fn reject_once(
        &self,
        approver: &Client,
        id: &str,
        reason: Option<String>,
    ) -> Result<ApprovalView, ApiError> {
        must_approve(approver)?;
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| ApiError::BadRequest("note: say why the order is rejected".into()))?;
        let approval = self.find_approval(id).await?;
        let rejected = ApiError::ApprovalRejected {
            approval_id: id.to_string(),
            reason: reason.clone(),
        }
        .to_problem(None);
        let stored = StoredResponse {
            status: rejected.status,
            body: serde_json::to_string(&rejected).unwrap_or_default(),
        };
        let scope = crate::ledger::KeyScope {
            client: approval.client.clone(),
            operation: Operation::PlaceOrder.name().to_string(),
            key: approval.key.clone(),
        };
        let hash = request_hash(&approval.request);
        let (by, aid) = (approver.id.to_string(), id.to_string());
        let moved = self
            .in_ledger(move |l| {
                let moved = l.decide(
                    &aid,
                    &[ApprovalState::Pending],
                    ApprovalState::Rejected,
                    Some(&by),
                    Some(&reason),
                    None,
                    now_ms(),
                )?;
                if moved {
                    l.finish(&scope, &hash, &stored, now_ms())?;
                }
                Ok(moved)
            })
            .await?;
        if !moved {
            return Err(ApiError::BadRequest(format!(
                "approval {id} is {}; only a pending approval can be rejected",
                approval.state.as_str()
            )));
        }
        self.audit_decision(approver, "reject", &approval, "ok")
            .await;
        self.view(self.find_approval(id).await?).await
    }

    async fn find_approval(&self, id: &str) -> Result<Approval, ApiError> {
        let aid = id.to_string();
        self.in_ledger(move |l| l.approval(&aid))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no approval {id}")))
    }

    /// What an approver needs to decide: the order, the quote, the rule, the budget left.
    async fn view(&self, a: Approval) -> Result<ApprovalView, ApiError> {
        let request: PlaceOrderRequest = serde_json::from_str(&a.request)
            .map_err(|e| ApiError::Ledger(format!("approval {}: {e}", a.id)))?;
        let rule: Rule = serde_json::from_str(&a.rule)
            .map_err(|e| ApiError::Ledger(format!("approval {}: {e}", a.id)))?;
        let mandate = self
            .clients()
            .by_id(&a.client)
            .and_then(|c| c.mandate.clone());
        let (supplier, quote_id) = (a.supplier.clone(), request.quote_id.clone());
        let budget = mandate.as_ref().and_then(|m| {
            m.budget
                .as_ref()
                .map(|b| (m.id.clone(), b.period.start(now_ms()), b.limit))
        });
        let (quote, used) = self
            .in_ledger(move |l| {
                let quote = match &quote_id {
                    Some(q) => l.quote(&supplier, q)?,
                    None => None,
                };
                let used = match &budget {
                    Some((m, start, limit)) => Some((l.used(m, *start, limit.currency())?, *limit)),
                    None => None,
                };
                Ok((quote, used))
            })
            .await?;
        Ok(ApprovalView {
            id: a.id,
            state: a.state.as_str().to_string(),
            client: a.client,
            supplier: a.supplier,
            request,
            rule,
            mandate: a.mandate,
            quote,
            budget_left: used.map(|(used, limit)| {
                mercato_sdk::exact::Money::new(
                    limit.currency(),
                    limit.minor().saturating_sub(used.amount.minor()),
                )
                .into()
            }),
            created_at: a.created_at,
            decided_by: a.decided_by,
            note: a.note,
            order_id: a.order_id,
        })
    }

    async fn audit_decision(&self, approver: &Client, what: &str, a: &Approval, outcome: &str) {
        let entry = crate::ledger::AuditEntry {
            at: now_ms(),
            client: approver.id.to_string(),
            operation: format!("{what}-order"),
            target: format!("approval/{}", a.id),
            outcome: outcome.to_string(),
            detail: format!("for client {} key {}", a.client, a.key),
        };
        if let Err(e) = self.in_ledger(move |l| l.audit(&entry)).await {
            tracing::error!(error = %e, "audit entry not written");
        }
    }
}

/// An order placement's answer is the order.
fn placed_order(o: &Order) -> Option<&Order> {
    Some(o)
}

fn must_approve(client: &Client) -> Result<(), ApiError> {
    if client.approver {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "client `{}` is not an approver",
            client.id
        )))
    }
}
