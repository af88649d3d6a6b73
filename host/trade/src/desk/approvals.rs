//! The human in the loop: orders the mandate sends to a person before anything is sent, and
//! orders a supplier placed in breach of what was agreed, held for a person to accept or have
//! cancelled.
//!
//! An order above the mandate's approval threshold is parked (nothing goes to the supplier)
//! and the client gets `approval-required` with the approval's id; a retry with the same key
//! gets that again until a person decides. Approving places the order exactly as the client
//! asked, under its key, through the same path as any order; rejecting stores
//! `approval-rejected` as the key's answer. A held order already exists at the supplier: a
//! person accepts it (its real cost is booked if the budget and per-order maximum allow) or
//! has the host cancel it.
//!
//! Each approval keeps a summary of what is bought (titles, quantities, unit prices, totals),
//! so the approver's page shows it without asking the supplier again.

use super::error::{Breach, DeskError};
use super::once::{canonical, request_hash};
use super::request::{IdempotencyKey, PlaceOrder};
use super::rules::{Cost, LineCost};
use super::{Facts, OrderDesk, OrderRef, Placement, Sent};
use crate::clients::{Client, request_id};
use crate::codes;
use crate::contract::supplier::Operation;
use crate::contract::{Address, CancelRequest, CancelStatus, Money, Order, Price, Quantity};
use crate::ledger::{
    Approval, ApprovalKind, ApprovalState, KeyScope, ReservationChange, ReservationState,
};
use crate::mandate::Rule;
use crate::wire;
use mercato_sdk::exact;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most decided approvals a list shows.
const HISTORY: usize = 50;

/// One line as the approver sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LineView {
    /// The order line.
    pub line_id: String,
    /// The item, as the supplier names it.
    pub title: String,
    /// The quantity.
    pub quantity: wire::Quantity,
    /// The quantity in words (`2.5 kg`, `25 pcs`).
    pub quantity_text: String,
    /// The unit price that applies.
    pub unit_price: wire::Price,
    /// The unit price in words (`EUR 0.24`).
    pub unit_price_text: String,
    /// Unit price × quantity.
    pub line_total: wire::Money,
    /// The line total in words.
    pub line_total_text: String,
}

/// The mandate's budget as it stands for an approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BudgetView {
    /// The budget for the period.
    pub limit: wire::Money,
    /// `day`, `week`, `month`, `quarter`, `year` or `lifetime`.
    pub period: String,
    /// Committed this period: orders placed (at their cost) or in flight (at their cap).
    pub committed: wire::Money,
    /// Other orders waiting for approval under the same mandate, at their caps.
    pub other_pending: wire::Money,
    /// What is left once those are counted.
    pub left: wire::Money,
    /// What would be left if this order were approved at its cap.
    pub left_if_approved: wire::Money,
}

/// An order waiting for (or past) a person's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalView {
    /// Its id.
    pub id: String,
    /// `order` (nothing sent yet) or `review` (placed in breach of what was agreed).
    pub kind: String,
    /// `pending`, `approved`, `rejected`, `placed` or `failed`.
    pub state: String,
    /// The client that asked.
    pub client: String,
    /// The supplier.
    pub supplier: String,
    /// The supplier's name for people.
    pub supplier_name: String,
    /// When it was asked for (ms since the epoch).
    pub created_at: i64,
    /// The same, for people (`2026-12-06 14:05 UTC`).
    pub created_at_text: String,
    /// The order as the client asked for it.
    pub request: wire::PlaceOrder,
    /// What is bought: as priced before sending, or as the supplier charged.
    pub lines: Vec<LineView>,
    /// What the order costs (the quote's or the catalogue's figure, or what the supplier
    /// charged), in words too.
    pub total: wire::Money,
    /// `total` in words.
    pub total_text: String,
    /// Where `total` comes from.
    pub total_source: String,
    /// The most the order may cost.
    pub cap: wire::Money,
    /// Where the goods go.
    pub ship_to: wire::Address,
    /// The ship-to in one line.
    pub ship_to_text: String,
    /// Why a person is asked, in plain words.
    pub reason: String,
    /// The mandate rule that asked for approval (kind `order`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// How the supplier's order broke what was agreed (kind `review`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
    /// The mandate.
    pub mandate: String,
    /// The accepted quote as the supplier returned it, if the order names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<wire::Quote>,
    /// The mandate's budget, counting other pending approvals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetView>,
    /// Who decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// When (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<i64>,
    /// The approver's note or reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The order placed after approval, or the order under review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// `GET /v1/approvals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalsResponse {
    /// Pending approvals, oldest first.
    pub approvals: Vec<ApprovalView>,
    /// Decided approvals, newest first (the last 50).
    pub history: Vec<ApprovalView>,
}

/// What an approval keeps of the order for its approver.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Summary {
    lines: Vec<LineView>,
    total: Money,
    source: String,
    cap: Money,
    /// The order under review, as the supplier answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order: Option<Order>,
}

fn line_view(l: &LineCost) -> LineView {
    let quantity = Quantity::from(&l.quantity);
    let unit_price = Price {
        currency: l.unit_price.currency.code().to_string(),
        amount: l.unit_price.amount.into(),
        basis: Quantity::from(&l.unit_price.basis),
    };
    LineView {
        line_id: l.line_id.clone(),
        title: l.title.clone(),
        quantity_text: crate::display::quantity(&quantity),
        unit_price_text: crate::display::price(&unit_price),
        line_total_text: l.total.to_string(),
        quantity: quantity.into(),
        unit_price: unit_price.into(),
        line_total: l.total.into(),
    }
}

fn summary_of_cost(cost: &Cost, cap: exact::Money) -> Summary {
    Summary {
        lines: cost.lines.iter().map(line_view).collect(),
        total: cost.total.into(),
        source: cost.source.to_string(),
        cap: cap.into(),
        order: None,
    }
}

fn summary_of_order(order: &Order, cap: exact::Money) -> Summary {
    let lines = order
        .lines
        .iter()
        .map(|l| LineView {
            line_id: l.line_id.clone(),
            title: l.item.supplier_sku.clone(),
            quantity_text: crate::display::quantity(&l.ordered),
            quantity: l.ordered.clone().into(),
            unit_price_text: crate::display::price(&l.unit_price),
            unit_price: l.unit_price.clone().into(),
            line_total_text: crate::display::money(&l.line_total),
            line_total: l.line_total.clone().into(),
        })
        .collect();
    Summary {
        lines,
        total: order.totals.grand_total.clone(),
        source: "what the supplier charged".to_string(),
        cap: cap.into(),
        order: Some(order.clone()),
    }
}

impl OrderDesk {
    /// Park an order for a person's approval: the error the client gets says where it waits.
    pub(super) async fn park(
        &self,
        p: &Placement<'_>,
        rule: Rule,
        facts: &Facts,
        ceiling: exact::Money,
    ) -> DeskError {
        let m = &p.mutation;
        let approval = Approval {
            id: format!("apr-{}", &request_id()[..16]),
            kind: ApprovalKind::Order,
            client: m.client.id.to_string(),
            key: m.key.as_str().to_string(),
            supplier: m.adapter.supplier().to_string(),
            request: m.request.clone(),
            mandate: p.mandate.id.clone(),
            rule: serde_json::to_string(&rule).unwrap_or_default(),
            state: ApprovalState::Pending,
            created_at: self.now(),
            decided_by: None,
            decided_at: None,
            note: None,
            order_id: None,
            reservation: None,
            summary: serde_json::to_string(&summary_of_cost(&facts.cost, ceiling)).ok(),
        };
        let approval_id = approval.id.clone();
        if let Err(e) = self.book(move |l| l.park(&approval)).await {
            return e;
        }
        tracing::info!(client = %m.client.id, approval = %approval_id, "order parked for approval");
        DeskError::ApprovalRequired { rule, approval_id }
    }

    /// Hold an order the supplier placed in breach for a person, as it answered (the ledger
    /// may hold another order under its id); the approval's id.
    pub(super) async fn hold_for_review(
        &self,
        s: &Sent<'_>,
        answered: &Order,
        breach: &Breach,
    ) -> String {
        let supplier = s.adapter.supplier().to_string();
        let approval = Approval {
            id: format!("apr-{}", &request_id()[..16]),
            kind: ApprovalKind::Review,
            client: s.client.id.to_string(),
            key: s.key.as_str().to_string(),
            supplier: supplier.clone(),
            request: canonical(&PlaceOrder {
                deadline_ms: None,
                ..s.asked.clone()
            }),
            mandate: s.mandate.id.clone(),
            rule: serde_json::to_string(breach).unwrap_or_default(),
            state: ApprovalState::Pending,
            created_at: self.now(),
            decided_by: None,
            decided_at: None,
            note: None,
            order_id: Some(answered.order_id.clone()),
            reservation: s.reservation,
            summary: serde_json::to_string(&summary_of_order(answered, s.ceiling)).ok(),
        };
        let id = approval.id.clone();
        let order = format!("{supplier}/{}", answered.order_id);
        match self.book(move |l| l.park(&approval)).await {
            Ok(()) => tracing::warn!(order, approval = %id, "order held for a person's review"),
            Err(e) => {
                tracing::error!(error = %e, order, "the held order's review was not recorded");
                self.alert(&supplier, "review-not-recorded");
            }
        }
        id
    }

    /// How many approvals are pending (for the metrics; no approver needed to count them).
    pub async fn pending_approvals(&self) -> Result<usize, DeskError> {
        self.staged(|l| l.approvals(Some(ApprovalState::Pending)))
            .await
            .map(|pending| pending.len())
    }

    /// Pending approvals and the latest decisions, for approvers.
    pub async fn approvals(&self, approver: &Client) -> Result<ApprovalsResponse, DeskError> {
        must_approve(approver)?;
        let all = self.book(|l| l.approvals(None)).await?;
        let (pending, decided): (Vec<Approval>, Vec<Approval>) = all
            .into_iter()
            .partition(|a| a.state == ApprovalState::Pending);
        let mut approvals = Vec::with_capacity(pending.len());
        for a in &pending {
            approvals.push(self.view(a, &pending).await?);
        }
        let mut history = Vec::new();
        for a in decided.iter().rev().take(HISTORY) {
            history.push(self.view(a, &pending).await?);
        }
        Ok(ApprovalsResponse { approvals, history })
    }

    /// One approval: for approvers, and for the client whose order it is.
    pub async fn approval(&self, caller: &Client, id: &str) -> Result<ApprovalView, DeskError> {
        let a = self.find_approval(id).await?;
        if !caller.approver && caller.id.as_str() != a.client {
            return Err(DeskError::Forbidden(format!(
                "approval {id} belongs to another client"
            )));
        }
        self.view_of(&a).await
    }

    /// One approval as its approver sees it, the other pending approvals counted.
    async fn view_of(&self, a: &Approval) -> Result<ApprovalView, DeskError> {
        let pending = self
            .book(|l| l.approvals(Some(ApprovalState::Pending)))
            .await?;
        self.view(a, &pending).await
    }

    /// Approve: place a parked order as the client asked, or accept a held one. At most once
    /// per approver key.
    pub async fn approve(
        &self,
        approver: &Client,
        key: &IdempotencyKey,
        id: &str,
        note: Option<String>,
    ) -> Result<ApprovalView, DeskError> {
        let request = canonical(&(id, &note));
        self.keyed(approver, "approve-order", key, request, async || {
            must_approve(approver)?;
            let approval = self.find_approval(id).await?;
            not_its_own(approver, &approval)?;
            let result = match approval.kind {
                ApprovalKind::Order => {
                    let requester = self.requester(&approval)?;
                    self.approve_order(approver, &requester, &approval, note)
                        .await
                }
                ApprovalKind::Review => self.accept_review(approver, &approval, note).await,
            };
            let outcome = result.as_ref().err().map_or("ok", |e| e.code()).to_string();
            self.audit_decision(approver, "approve", &approval, &outcome)
                .await;
            result?;
            self.view_of(&self.find_approval(id).await?).await
        })
        .await
    }

    /// Reject: a parked order is never sent, a held one is cancelled at the supplier; the
    /// client's key answers with the rejection from then on. A reason is required. At most
    /// once per approver key.
    pub async fn reject(
        &self,
        approver: &Client,
        key: &IdempotencyKey,
        id: &str,
        reason: Option<String>,
    ) -> Result<ApprovalView, DeskError> {
        let request = canonical(&(id, &reason));
        self.keyed(approver, "reject-order", key, request, async || {
            must_approve(approver)?;
            let reason = reason
                .clone()
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| {
                    DeskError::BadRequest("note: say why the order is rejected".into())
                })?;
            let approval = self.find_approval(id).await?;
            if approval.state != ApprovalState::Pending {
                return Err(DeskError::BadRequest(format!(
                    "approval {id} is {}; only a pending approval can be rejected",
                    approval.state.as_str()
                )));
            }
            if approval.kind == ApprovalKind::Review {
                let breach: Breach = serde_json::from_str(&approval.rule).map_err(|e| {
                    DeskError::Ledger(format!("approval {id}: breach unreadable: {e}"))
                })?;
                if !breach.may_cancel() {
                    return Err(DeskError::BadRequest(format!(
                        "approval {id}: the host will not cancel this order, because its id may \
                         name another order ({breach}); settle it with the supplier, then accept it"
                    )));
                }
                self.cancel_held(&approval, &reason).await?;
            }
            let rejected = DeskError::ApprovalRejected {
                approval_id: id.to_string(),
                reason: reason.clone(),
            };
            let scope = client_scope(&approval);
            let hash = request_hash(&approval.request);
            let (by, aid, now) = (approver.id.to_string(), id.to_string(), self.now());
            let answer = super::once::stored::<Order>(&Err(rejected));
            let moved = self
                .book(move |l| {
                    let moved = l.decide(
                        &aid,
                        &[ApprovalState::Pending],
                        ApprovalState::Rejected,
                        Some(&by),
                        Some(&reason),
                        None,
                        now,
                    )?;
                    if let (true, Some(answer)) = (moved, &answer) {
                        l.finish(&scope, &hash, answer, now)?;
                    }
                    Ok(moved)
                })
                .await?;
            if !moved {
                return Err(DeskError::BadRequest(format!(
                    "approval {id} was decided by someone else meanwhile"
                )));
            }
            self.audit_decision(approver, "reject", &approval, "ok")
                .await;
            self.view_of(&self.find_approval(id).await?).await
        })
        .await
    }

    /// Place an approved order under its client's key.
    async fn approve_order(
        &self,
        approver: &Client,
        requester: &Client,
        approval: &Approval,
        note: Option<String>,
    ) -> Result<(), DeskError> {
        let id = approval.id.clone();
        let (by, aid, now) = (approver.id.to_string(), id.clone(), self.now());
        let moved = self
            .book(move |l| {
                l.decide(
                    &aid,
                    &[ApprovalState::Pending, ApprovalState::Failed],
                    ApprovalState::Approved,
                    Some(&by),
                    note.as_deref(),
                    None,
                    now,
                )
            })
            .await?;
        if !moved {
            return Err(DeskError::BadRequest(format!(
                "approval {id} is {}; only a pending (or failed) approval can be approved",
                approval.state.as_str()
            )));
        }
        let req: PlaceOrder = serde_json::from_str(&approval.request)
            .map_err(|e| DeskError::Ledger(format!("approval {id}: request unreadable: {e}")))?;
        let key = IdempotencyKey::parse(&approval.key).map_err(DeskError::Ledger)?;
        let p = self.placement(requester, &key, req)?;
        let result = self.place(&p, true).await;
        let (scope, hash) = (p.mutation.scope(), request_hash(&p.mutation.request));
        self.close(&scope, &hash, &result).await;
        let (state, order_id) = match &result {
            Ok(o) => (ApprovalState::Placed, Some(o.order_id.clone())),
            Err(_) => (ApprovalState::Failed, None),
        };
        let (aid, now) = (id, self.now());
        self.book(move |l| {
            l.decide(
                &aid,
                &[ApprovalState::Approved],
                state,
                None,
                None,
                order_id.as_deref(),
                now,
            )
        })
        .await?;
        result.map(|_| ())
    }

    /// Accept an order held for review: it stands, and its reservation settles to what it
    /// costs, never above the cap the mandate judged. What the supplier charges above that
    /// was never authorised: it is alerted and audited for a person to dispute, not booked.
    async fn accept_review(
        &self,
        approver: &Client,
        approval: &Approval,
        note: Option<String>,
    ) -> Result<(), DeskError> {
        if approval.state != ApprovalState::Pending {
            return Err(DeskError::BadRequest(format!(
                "approval {} is {}; only a pending review can be accepted",
                approval.id,
                approval.state.as_str()
            )));
        }
        let order = approval
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<Summary>(s).ok())
            .and_then(|s| s.order)
            .ok_or_else(|| {
                DeskError::BadRequest(format!(
                    "approval {}: the order under review is not on record; reject it to have it cancelled",
                    approval.id
                ))
            })?;
        let total = order.totals.grand_total.minor;
        let held = match approval.reservation {
            Some(r) => self.book(move |l| l.reservation(r)).await?,
            None => None,
        };
        if let Some(r) = &held
            && total > r.cap.minor()
        {
            self.alert(&approval.supplier, "charged-above-cap");
            let entry = crate::ledger::AuditEntry {
                at: self.now(),
                client: approver.id.to_string(),
                operation: "charge-above-cap".to_string(),
                target: format!("{}/{}", approval.supplier, order.order_id),
                outcome: "accepted-at-cap".to_string(),
                detail: format!(
                    "{} charged; {} authorised and booked",
                    crate::display::money(&order.totals.grand_total),
                    r.cap
                ),
            };
            let _ = self.book(move |l| l.audit(&entry)).await;
        }
        let settled = ReservationChange {
            state: ReservationState::Settled,
            order_id: Some(order.order_id.clone()),
            amount: Some(total),
        };
        self.move_reservation(approval.reservation, settled).await;
        let scope = client_scope(approval);
        let hash = request_hash(&approval.request);
        self.close(&scope, &hash, &Ok::<_, DeskError>(order.clone()))
            .await;
        let (by, aid, oid, now) = (
            approver.id.to_string(),
            approval.id.clone(),
            order.order_id.clone(),
            self.now(),
        );
        let moved = self
            .book(move |l| {
                l.decide(
                    &aid,
                    &[ApprovalState::Pending],
                    ApprovalState::Placed,
                    Some(&by),
                    note.as_deref(),
                    Some(&oid),
                    now,
                )
            })
            .await?;
        if !moved {
            return Err(DeskError::BadRequest(format!(
                "approval {} was decided by someone else meanwhile",
                approval.id
            )));
        }
        Ok(())
    }

    /// Have the supplier cancel an order held for review, and free its reservation.
    async fn cancel_held(&self, approval: &Approval, reason: &str) -> Result<(), DeskError> {
        let requester = self.requester(approval)?;
        let order_id = approval.order_id.clone().ok_or_else(|| {
            DeskError::BadRequest(format!("approval {} names no order", approval.id))
        })?;
        let adapter = self.adapter(&approval.supplier)?;
        let key = IdempotencyKey::parse(&approval.key).map_err(DeskError::Ledger)?;
        let ctx = self.context(&requester, None, None, None);
        let cancel = CancelRequest {
            idempotency_key: key.for_supplier(
                &requester,
                adapter.supplier(),
                Operation::CancelOrder,
            ),
            order_id: order_id.clone(),
            line_ids: Vec::new(),
            reason: Some(format!("rejected by the buyer's approver: {reason}")),
        };
        let outcome = self
            .send(
                &adapter,
                Operation::CancelOrder,
                &ctx,
                adapter.cancel_order(&ctx, &cancel),
            )
            .await?;
        if outcome.status != CancelStatus::Cancelled {
            return Err(DeskError::CancelRefused {
                order: Box::new(OrderRef {
                    supplier: approval.supplier.clone(),
                    order_id,
                    buyer_po: outcome.order.buyer_po.clone(),
                }),
                reason: format!(
                    "the supplier answered {:?}: the order stands and the review stays open",
                    outcome.status
                ),
            });
        }
        self.record_order(&requester, &approval.supplier, &outcome.order)
            .await;
        self.move_reservation(approval.reservation, super::released(&order_id))
            .await;
        Ok(())
    }

    fn requester(&self, approval: &Approval) -> Result<std::sync::Arc<Client>, DeskError> {
        self.clients.by_id(&approval.client).ok_or_else(|| {
            DeskError::Forbidden(format!(
                "client `{}` of approval {} is no longer configured",
                approval.client, approval.id
            ))
        })
    }

    async fn find_approval(&self, id: &str) -> Result<Approval, DeskError> {
        let aid = id.to_string();
        self.book(move |l| l.approval(&aid))
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("no approval {id}")))
    }

    /// What an approver needs to decide: what is bought, for whom, where, why, and the budget
    /// counting the other pending approvals.
    async fn view(&self, a: &Approval, pending: &[Approval]) -> Result<ApprovalView, DeskError> {
        let corrupt = |e: serde_json::Error| DeskError::Ledger(format!("approval {}: {e}", a.id));
        let request: PlaceOrder = serde_json::from_str(&a.request).map_err(corrupt)?;
        let (rule, breach) = match a.kind {
            ApprovalKind::Order => (
                Some(serde_json::from_str::<Rule>(&a.rule).map_err(corrupt)?),
                None,
            ),
            ApprovalKind::Review => (
                None,
                Some(serde_json::from_str::<Breach>(&a.rule).map_err(corrupt)?),
            ),
        };
        let summary: Option<Summary> = a
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        let cap = summary
            .as_ref()
            .map(|s| s.cap.clone())
            .unwrap_or_else(|| request.max_total.clone());
        let mandate = self
            .clients
            .by_id(&a.client)
            .and_then(|c| c.mandate.clone());
        let others: i64 = pending
            .iter()
            .filter(|p| p.id != a.id && p.kind == ApprovalKind::Order && p.mandate == a.mandate)
            .filter_map(|p| p.summary.as_deref())
            .filter_map(|s| serde_json::from_str::<Summary>(s).ok())
            .map(|s| s.cap.minor)
            .sum();
        let budget = mandate.as_ref().and_then(|m| {
            m.budget
                .as_ref()
                .map(|b| (m.id.clone(), b.period.start(self.now()), b.limit, b.period))
        });
        let (supplier, quote_id) = (a.supplier.clone(), request.quote_id.clone());
        let (quote, used) = self
            .book(move |l| {
                let quote = match &quote_id {
                    Some(q) => l.quote(&supplier, q)?,
                    None => None,
                };
                let used = match &budget {
                    Some((m, start, limit, period)) => {
                        Some((l.used(m, *start, limit.currency())?, *limit, *period))
                    }
                    None => None,
                };
                Ok((quote, used))
            })
            .await?;
        let this = if a.kind == ApprovalKind::Order && a.state == ApprovalState::Pending {
            cap.minor
        } else {
            0
        };
        let budget = used.map(|(used, limit, period)| {
            let m = |minor: i64| wire::Money::from(exact::Money::new(limit.currency(), minor));
            let left = limit.minor() - used.amount.minor() - others;
            BudgetView {
                limit: limit.into(),
                period: serde_json::to_value(period)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                committed: used.amount.into(),
                other_pending: m(others),
                left: m(left),
                left_if_approved: m(left - this),
            }
        });
        let reason = match (&rule, &breach) {
            (Some(r), _) => plain_rule(r),
            (_, Some(b)) => format!("The supplier placed the order, but {b}."),
            _ => String::new(),
        };
        let (lines, total, source) = match summary {
            Some(s) => (s.lines, s.total, s.source),
            None => (Vec::new(), cap.clone(), "not recorded".to_string()),
        };
        Ok(ApprovalView {
            id: a.id.clone(),
            kind: a.kind.as_str().to_string(),
            state: a.state.as_str().to_string(),
            client: a.client.clone(),
            supplier_name: self
                .broker
                .adapter(&a.supplier)
                .map(|ad| ad.profile().display_name.clone())
                .unwrap_or_else(|| a.supplier.clone()),
            supplier: a.supplier.clone(),
            created_at: a.created_at,
            created_at_text: format!("{} UTC", crate::display::date_time(a.created_at)),
            ship_to_text: address_line(&request.ship_to),
            ship_to: request.ship_to.clone().into(),
            request: request.into(),
            lines,
            total_text: crate::display::money(&total),
            total: total.into(),
            total_source: source,
            cap: cap.into(),
            reason,
            rule,
            breach,
            mandate: a.mandate.clone(),
            quote: quote.map(Into::into),
            budget,
            decided_by: a.decided_by.clone(),
            decided_at: a.decided_at,
            note: a.note.clone(),
            order_id: a.order_id.clone(),
        })
    }

    async fn audit_decision(&self, approver: &Client, what: &str, a: &Approval, outcome: &str) {
        let entry = crate::ledger::AuditEntry {
            at: self.now(),
            client: approver.id.to_string(),
            operation: format!("{what}-order"),
            target: format!("approval/{}", a.id),
            outcome: outcome.to_string(),
            detail: format!("{} for client {} key {}", a.kind.as_str(), a.client, a.key),
        };
        if let Err(e) = self.book(move |l| l.audit(&entry)).await {
            tracing::error!(error = %e, "audit entry not written");
        }
    }
}

/// The client's idempotency scope of the order an approval is about.
fn client_scope(a: &Approval) -> KeyScope {
    KeyScope {
        client: a.client.clone(),
        operation: Operation::PlaceOrder.name().to_string(),
        key: a.key.clone(),
    }
}

fn must_approve(client: &Client) -> Result<(), DeskError> {
    if client.approver {
        Ok(())
    } else {
        Err(DeskError::Forbidden(format!(
            "client `{}` is not an approver",
            client.id
        )))
    }
}

/// Four eyes: an approver never approves (or accepts a breach of) its own order, or a
/// client holding both roles could lift its own mandate. Rejecting its own order is fine.
fn not_its_own(approver: &Client, approval: &Approval) -> Result<(), DeskError> {
    if approval.client == approver.id.as_str() {
        Err(DeskError::Forbidden(format!(
            "client `{}` cannot approve its own order; another approver must decide",
            approver.id
        )))
    } else {
        Ok(())
    }
}

/// A mandate rule in plain words, for the person deciding.
fn plain_rule(rule: &Rule) -> String {
    match rule {
        Rule::ApprovalThreshold { total, threshold } => format!(
            "The order may cost up to {total}; the mandate lets the machine spend up to {threshold} an order on its own, so a person must approve anything above."
        ),
        other => format!("The mandate asks for a person: {other}."),
    }
}

/// An address on one line: `Plant 3, Acme, Industriestrasse 12, 70565 Stuttgart, Germany`.
fn address_line(a: &Address) -> String {
    let country = codes::country_name(&a.country).unwrap_or(&a.country);
    let place = [a.postal_code.as_deref(), Some(a.city.as_str())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [a.name.clone(), a.organization.clone()]
        .into_iter()
        .flatten()
        .chain(a.lines.iter().cloned())
        .chain([place, country.to_string()])
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
