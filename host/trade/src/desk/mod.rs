//! The order desk: the one room where Mercato decides about orders.
//!
//! Everything that makes an order safe to place lives here and nowhere else: the client's
//! idempotency key claimed at most once, the write-ahead intent recorded before anything
//! leaves, the facts the order is judged on (the quote it accepts, or prices the desk looks
//! up itself), the cap refused unless it covers them, the mandate's judgement and the budget
//! reservation in one ledger transaction, the supplier's answer checked against the cap, the
//! quote and the request, and the reservation settled to what the order really costs. An
//! order that breaks what was agreed is cancelled by the host or held for a person, never
//! answered as a success. After a crash the same code reconciles with the supplier before
//! anything is sent again.
//!
//! The desk speaks no transport: HTTP, MCP and the CLI call it and turn its [`DeskError`]
//! into their own answers. It reaches suppliers through the [`Broker`] and records through
//! the [`Ledger`] trait, never a database.
//!
//! [`OrderDesk::place_order`] reads top to bottom: prepare, claim, (reconcile an earlier
//! try), facts, cap, intent, mandate and reservation, send, judge, settle, record.

mod approvals;
mod error;
mod facts;
mod mandates;
mod once;
mod recovery;
mod request;
pub mod rules;
mod settle;

pub use approvals::{ApprovalView, ApprovalsResponse, BudgetView, LineView};
pub use error::{Breach, CapRefusal, DeskError, Failure, OrderRef, Refusal};
pub use mandates::{
    ItemRuleView, MandateBudget, MandateView, MandatesResponse, mandate_view, mandates_of,
};
pub use once::{canonical, request_hash};
pub use recovery::Recovery;
pub use request::{CancelBody, IdempotencyKey, MAX_LINES, PlaceOrder, ReturnBody};

use crate::broker::Broker;
use crate::clients::{Client, Clients};
use crate::codes::Normalize as _;
use crate::contract::supplier::CallError;
use crate::contract::supplier::{Adapter, Operation};
use crate::contract::{
    AckStatus, CallContext, CancelRequest, CancelStatus, Order, OrderRequest, OrderStatus, Quote,
    Timestamp, now_ms,
};
use crate::ledger::{
    Ledger, LedgerError, Outcome, Reservation, ReservationChange, ReservationState,
};
use crate::mandate::{self, DriftAction, Mandate, Rule, Verdict};
use facts::Facts;
use mercato_sdk::exact;
use once::Mutation;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The desk's business time: mandate windows, budget periods, quote expiry and what the
/// ledger records. (Call deadlines run on the real clock.) Tests put the desk on a
/// [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        now_ms()
    }
}

/// A clock that moves only when told.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: Timestamp) -> Self {
        ManualClock(AtomicI64::new(at))
    }

    /// Move it forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.load(Ordering::SeqCst)
    }
}

/// The order desk over one broker, one set of clients and one ledger. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OrderDesk {
    broker: Arc<Broker>,
    clients: Arc<Clients>,
    ledger: Arc<dyn Ledger>,
    clock: Arc<dyn Clock>,
}

/// An order about to be placed: checked, normalised, and bound to its supplier and key.
struct Placement<'a> {
    mutation: Mutation<'a>,
    ctx: CallContext,
    order: PlaceOrder,
    mandate: Arc<Mandate>,
}

/// An order that has been (or may have been) sent, with everything its answer is judged on.
struct Sent<'a> {
    client: &'a Client,
    key: IdempotencyKey,
    adapter: Adapter,
    ctx: CallContext,
    asked: PlaceOrder,
    mandate: Arc<Mandate>,
    ceiling: exact::Money,
    quote: Option<Quote>,
    intent: i64,
    reservation: Option<i64>,
}

impl OrderDesk {
    /// A desk over `broker` for `clients`, recording into `ledger`, on the system clock.
    pub fn new(broker: Arc<Broker>, clients: Arc<Clients>, ledger: Arc<dyn Ledger>) -> Self {
        OrderDesk {
            broker,
            clients,
            ledger,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same desk on another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }

    /// The broker.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// The configured clients.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Place an order with one supplier, at most once for `client`'s `key`: the same key
    /// always reaches the supplier with the same derived key, so a retry cannot create a
    /// second order there. An order that needs a person's approval is parked instead.
    pub async fn place_order(
        &self,
        client: &Client,
        key: &IdempotencyKey,
        req: PlaceOrder,
    ) -> Result<Order, DeskError> {
        let p = self.placement(client, key, req)?;
        self.once(&p.mutation, placed_id, async || self.place(&p, false).await)
            .await
    }

    /// Check and normalise `req`, and bind it to its supplier, mandate and key.
    fn placement<'a>(
        &self,
        client: &'a Client,
        key: &'a IdempotencyKey,
        mut order: PlaceOrder,
    ) -> Result<Placement<'a>, DeskError> {
        let adapter = self.adapter(&order.supplier)?;
        order.normalize("")?;
        // Line ids are how the supplier's answer is matched to the order: one id, one line.
        // Any schema allows two lines with one id, so this is 422, not a malformed body.
        let mut ids = std::collections::BTreeSet::new();
        if let Some(n) = order
            .lines
            .iter()
            .position(|l| !ids.insert(l.line_id.trim()))
        {
            return Err(DeskError::InvalidRequest(format!(
                "lines[{n}].line_id: {:?} is the id of another line; each line needs its own",
                order.lines[n].line_id
            )));
        }
        let mandate = client
            .mandate
            .clone()
            .ok_or(DeskError::MandateDenied(Rule::NoMandate))?;
        let ctx = self.context(
            client,
            Some(order.max_total.currency.clone()),
            Some(order.ship_to.country.clone()),
            order.deadline_ms,
        );
        let mutation = Mutation {
            client,
            operation: Operation::PlaceOrder,
            key,
            supplier_key: key.for_supplier(client, adapter.supplier(), Operation::PlaceOrder),
            buyer_po: Some(order.buyer_po.clone()),
            request: canonical(&PlaceOrder {
                deadline_ms: None,
                ..order.clone()
            }),
            target: adapter.supplier().to_string(),
            adapter,
        };
        Ok(Placement {
            mutation,
            ctx,
            order,
            mandate,
        })
    }

    /// Everything that happens to an order whose key this call holds, in order. `approved`:
    /// a person approved it, so the mandate's approval threshold is met (nothing else is).
    async fn place(&self, p: &Placement<'_>, approved: bool) -> Result<Order, DeskError> {
        let m = &p.mutation;
        // An earlier try under this key may have reached the supplier: ask before sending.
        if let Some(answer) = self.earlier_try(m).await? {
            return answer;
        }
        // What the order costs: from the quote it accepts, or the supplier's own prices.
        let facts = self.facts(p).await?;
        let tolerance = p.mandate.price_tolerance_bp;
        if let Some(rule) = facts
            .quote
            .as_ref()
            .and_then(|q| rules::expected_drift(q, &p.order.lines, tolerance))
        {
            return Err(DeskError::MandateDenied(rule));
        }
        // The cap the desk enforces: refused unless it covers that cost.
        let ceiling =
            rules::ceiling(&p.order.max_total, &facts.cost, tolerance).map_err(DeskError::Cap)?;
        // Write-ahead: the intent, then the mandate's judgement of the cap and its
        // reservation against the budget, in one ledger step.
        let (intent, reservation) = self.reserve(p, &facts, ceiling, approved).await?;
        // Send, everything above made durable first; then judge what came back.
        let request = supplier_request(m, &p.order, ceiling, facts.quote.as_ref());
        let answer = self
            .send(
                &m.adapter,
                Operation::PlaceOrder,
                &p.ctx,
                m.adapter.place_order(&p.ctx, &request),
            )
            .await;
        let sent = Sent {
            client: m.client,
            key: m.key.clone(),
            adapter: m.adapter.clone(),
            ctx: p.ctx.clone(),
            asked: p.order.clone(),
            mandate: p.mandate.clone(),
            ceiling,
            quote: facts.quote,
            intent,
            reservation: Some(reservation),
        };
        self.conclude(&sent, answer).await
    }

    /// Record the order's intent, judge the client's cap against the mandate (per-order
    /// maximum, approval threshold, budget) and reserve the ceiling the desk enforces (never
    /// more than the cap) against the budget: one ledger step. Returns the intent and the
    /// reservation; a refusal closes the intent, and an order a person must approve is
    /// parked.
    async fn reserve(
        &self,
        p: &Placement<'_>,
        facts: &Facts,
        ceiling: exact::Money,
        approved: bool,
    ) -> Result<(i64, i64), DeskError> {
        let now = self.now();
        let m = &p.mutation;
        // Normalised and checked positive in the cost's currency by `rules::ceiling`.
        let cap = exact::Money::new(ceiling.currency(), p.order.max_total.minor);
        let judged = mandate::OrderFacts {
            supplier: m.adapter.supplier().to_string(),
            items: facts.items.clone(),
            ship_to: p.order.ship_to.location_id.clone(),
            total: cap,
            quote: facts.quote.as_ref().map(|q| mandate::QuoteFacts {
                firm: q.status == crate::contract::QuoteStatus::Firm,
                valid_until: match q.status {
                    // A quote the supplier itself marks expired or rejected holds no longer.
                    crate::contract::QuoteStatus::Expired
                    | crate::contract::QuoteStatus::Rejected => Some(0),
                    _ => q.valid_until,
                },
            }),
            now,
        };
        let mut reservation = Reservation {
            mandate: p.mandate.id.clone(),
            period_start: p.mandate.budget.as_ref().map_or(0, |b| b.period.start(now)),
            client: m.client.id.to_string(),
            supplier: m.adapter.supplier().to_string(),
            amount: ceiling,
            intent: None,
        };
        let (mandate, intent) = (p.mandate.clone(), m.intent());
        let (intent, verdict, id) = self
            .staged(move |l| {
                let intent = l.record_intent(&intent, now)?;
                reservation.intent = Some(intent);
                let mut verdict = Verdict::Allow;
                let id = l.reserve(
                    &reservation,
                    &mut |used| {
                        verdict = match mandate::evaluate(&mandate, &judged, used) {
                            Verdict::RequireApproval(_) if approved => Verdict::Allow,
                            other => other,
                        };
                        verdict == Verdict::Allow
                    },
                    now,
                )?;
                let refused = match &verdict {
                    Verdict::Allow => None,
                    Verdict::Deny(_) => Some("mandate-denied"),
                    Verdict::RequireApproval(_) => Some("approval-required"),
                };
                if let Some(code) = refused {
                    l.record_outcome(intent, &Outcome::Refused(code.to_string()), now)?;
                }
                Ok((intent, verdict, id))
            })
            .await?;
        match (verdict, id) {
            (Verdict::Allow, Some(id)) => Ok((intent, id)),
            (Verdict::Deny(rule), _) => Err(DeskError::MandateDenied(rule)),
            (Verdict::RequireApproval(rule), _) => Err(self.park(p, rule, facts, ceiling).await),
            (Verdict::Allow, None) => Err(DeskError::Ledger("allowed but not reserved".into())),
        }
    }

    /// What the supplier's answer (or its absence) means for the order: recorded, judged
    /// against the cap, the quote and the request, and the reservation settled, released, or
    /// held for a person.
    async fn conclude(
        &self,
        s: &Sent<'_>,
        answer: Result<Order, DeskError>,
    ) -> Result<Order, DeskError> {
        let (order, unverified) = match answer {
            Ok(order) => (order, None),
            Err(DeskError::Call {
                error: CallError::UnverifiedOrder { order, reason },
                ..
            }) => (*order, Some(reason)),
            Err(e) => (self.after_failure(s, e).await?, None),
        };
        let supplier = s.adapter.supplier().to_string();
        // The verdict first, then one ledger step records the order and, unless its id
        // collides with another PO's, settles or releases the reservation and closes the
        // intent.
        let verdict = match unverified {
            // An answer naming another PO may be about someone else's order.
            Some(_) if order.buyer_po != s.asked.buyer_po => Err(Breach::WrongBuyerPo {
                asked: s.asked.buyer_po.clone(),
                answered: order.buyer_po.clone(),
            }),
            Some(reason) => Err(Breach::Unverified { reason }),
            None if rejected(&order) => Ok(false),
            None => match rules::breach(
                &order,
                &rules::Agreed {
                    asked: &s.asked,
                    ceiling: s.ceiling,
                    quote: s.quote.as_ref(),
                    tolerance_bp: s.mandate.price_tolerance_bp,
                },
            ) {
                Some(breach) => Err(breach),
                None => Ok(true),
            },
        };
        let then = match verdict {
            Ok(true) => settle::Then {
                reservation: s.reservation,
                change: Some(ReservationChange {
                    state: ReservationState::Settled,
                    order_id: Some(order.order_id.clone()),
                    amount: Some(order.totals.grand_total.minor),
                }),
                intent: Some((s.intent, Outcome::Placed(order.order_id.clone()))),
            },
            Ok(false) => settle::Then {
                reservation: s.reservation,
                change: Some(released(&order.order_id)),
                intent: Some((s.intent, Outcome::Refused("supplier-rejected".into()))),
            },
            // What happens to a breach's reservation is decided below.
            Err(_) => settle::Then::default(),
        };
        if let Some(recorded_po) = self.record_then(s.client, &supplier, &order, then).await {
            let breach = Breach::OrderIdReused {
                order_id: order.order_id.clone(),
                recorded_po,
            };
            return Err(self.breached(s, order, breach).await);
        }
        match verdict {
            Ok(true) => Ok(order),
            Ok(false) => Err(DeskError::SupplierRejected {
                order: Box::new(order_ref(&supplier, &order)),
                reason: rejection_reason(&order),
            }),
            Err(breach) => Err(self.breached(s, order, breach).await),
        }
    }

    /// A placement failed: release what it held, or, when the supplier may have acted, ask
    /// it for the order once before answering. `Ok` only when the supplier has it.
    async fn after_failure(&self, s: &Sent<'_>, e: DeskError) -> Result<Order, DeskError> {
        let code = e.code().to_string();
        match e.failure() {
            Failure::Unknown => match self.lookup(s).await {
                Ok(Some(order)) => return Ok(order),
                Ok(None) => {
                    self.close_intent(s.intent, Outcome::NotPlaced).await;
                    self.move_reservation(s.reservation, released_unplaced())
                        .await;
                }
                // Still unknown: the reservation holds until reconciliation says.
                Err(_) => self.close_intent(s.intent, Outcome::Unknown(code)).await,
            },
            Failure::NotSent => {
                self.close_intent(s.intent, Outcome::NotPlaced).await;
                self.move_reservation(s.reservation, released_unplaced())
                    .await;
            }
            Failure::Final => {
                self.close_intent(s.intent, Outcome::Refused(code)).await;
                self.move_reservation(s.reservation, released_unplaced())
                    .await;
            }
        }
        Err(e)
    }

    /// The supplier's order for `s`'s PO, if it has one; an error when it cannot say.
    async fn lookup(&self, s: &Sent<'_>) -> Result<Option<Order>, DeskError> {
        let po = &s.asked.buyer_po;
        match self
            .call(
                &s.adapter,
                Operation::GetOrder,
                &s.ctx,
                s.adapter.get_order(&s.ctx, po),
            )
            .await
        {
            Ok(order) => {
                tracing::info!(supplier = %s.adapter.supplier(), order = %order.order_id, po, "the supplier has the order");
                Ok(Some(order))
            }
            Err(DeskError::Call {
                error: CallError::Commerce(crate::contract::CommerceError::NotFound(_)),
                ..
            }) => {
                tracing::info!(supplier = %s.adapter.supplier(), po, "the supplier has no such order");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The supplier's order broke what was agreed: counted, audited, then cancelled by the
    /// host (when the mandate says so and the order is surely this one), else held for a
    /// person with its reservation. Never a success.
    async fn breached(&self, s: &Sent<'_>, answered: Order, breach: Breach) -> DeskError {
        let supplier = s.adapter.supplier().to_string();
        let order = order_ref(&supplier, &answered);
        tracing::warn!(client = %s.client.id, %order, %breach, "the supplier's order breaks what was agreed");
        let linked = !matches!(breach, Breach::OrderIdReused { .. });
        // A reused id was alerted when the order was recorded.
        if linked {
            self.alert(&supplier, breach.kind());
        }
        self.audit_event(
            s.client,
            "order-breach",
            &order,
            breach.kind(),
            &breach.to_string(),
        )
        .await;
        if breach.may_cancel() && s.mandate.on_drift == DriftAction::Cancel {
            match self.cancel_at_supplier(s, &order, &breach).await {
                Ok(cancelled) => {
                    self.record_order(s.client, &supplier, &cancelled).await;
                    self.move_reservation(s.reservation, released(&order.order_id))
                        .await;
                    self.close_intent(s.intent, Outcome::Placed(order.order_id.clone()))
                        .await;
                    self.audit_event(s.client, "host-cancel", &order, "ok", &breach.to_string())
                        .await;
                    return DeskError::CancelledByHost {
                        order: Box::new(order),
                        breach: Box::new(breach),
                    };
                }
                Err(why) => {
                    tracing::error!(%order, why, "the host could not cancel the order: a person must decide");
                    self.audit_event(s.client, "host-cancel", &order, "failed", &why)
                        .await;
                }
            }
        }
        if linked {
            let held = ReservationChange {
                state: ReservationState::Reserved,
                order_id: Some(order.order_id.clone()),
                amount: None,
            };
            self.move_reservation(s.reservation, held).await;
        }
        self.close_intent(s.intent, Outcome::Placed(order.order_id.clone()))
            .await;
        let approval_id = self.hold_for_review(s, &answered, &breach).await;
        DeskError::HeldForReview {
            order: Box::new(order),
            breach: Box::new(breach),
            approval_id,
        }
    }

    /// Ask the supplier to cancel the whole order; the cancelled order, or why not.
    async fn cancel_at_supplier(
        &self,
        s: &Sent<'_>,
        order: &OrderRef,
        breach: &Breach,
    ) -> Result<Order, String> {
        let cancel = CancelRequest {
            idempotency_key: s.key.for_supplier(
                s.client,
                s.adapter.supplier(),
                Operation::CancelOrder,
            ),
            order_id: order.order_id.clone(),
            line_ids: Vec::new(),
            reason: Some(format!("cancelled by the buyer's system: {breach}")),
        };
        let outcome = self
            .send(
                &s.adapter,
                Operation::CancelOrder,
                &s.ctx,
                s.adapter.cancel_order(&s.ctx, &cancel),
            )
            .await
            .map_err(|e| e.to_string())?;
        match outcome.status {
            CancelStatus::Cancelled => Ok(outcome.order),
            other => Err(format!("the supplier answered {other:?}")),
        }
    }

    /// The adapter serving `supplier`.
    fn adapter(&self, supplier: &str) -> Result<Adapter, DeskError> {
        self.broker
            .adapter(supplier)
            .ok_or_else(|| DeskError::UnknownSupplier(supplier.to_string()))
    }

    /// The call context of one request by `client`, on the real clock.
    fn context(
        &self,
        client: &Client,
        currency: Option<String>,
        country: Option<String>,
        deadline_ms: Option<u64>,
    ) -> CallContext {
        client.context(
            currency,
            country,
            deadline_ms.map(Duration::from_millis),
            self.broker.config().deadline,
            now_ms(),
        )
    }

    /// One adapter call through the broker's admission control.
    async fn call<T>(
        &self,
        adapter: &Adapter,
        operation: Operation,
        ctx: &CallContext,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, DeskError> {
        self.broker
            .call(adapter, operation, ctx, call)
            .await?
            .map_err(|error| DeskError::Call {
                supplier: adapter.supplier().clone(),
                error,
            })
    }

    /// A call that changes something at the supplier (places, cancels, returns). What the
    /// ledger has staged for it (the claim, the intent, the reservation) is made durable
    /// first: a power cut after the call leaves cannot lose the record that it may have.
    async fn send<T>(
        &self,
        adapter: &Adapter,
        operation: Operation,
        ctx: &CallContext,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, DeskError> {
        self.durable().await?;
        self.call(adapter, operation, ctx, call).await
    }

    /// Run `f` against the ledger on the blocking pool. What it wrote, and every write
    /// staged before, is durable when this returns.
    async fn book<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, DeskError> {
        self.on_ledger(true, f).await
    }

    /// Run `f` against the ledger, leaving its writes for the next durable step: an order
    /// syncs twice, before it leaves ([`OrderDesk::send`]) and before its answer goes out,
    /// so many writes share one sync and orders go through at disk speed.
    async fn staged<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, DeskError> {
        self.on_ledger(false, f).await
    }

    /// Make every staged write durable.
    async fn durable(&self) -> Result<(), DeskError> {
        self.book(|_| Ok(())).await
    }

    async fn on_ledger<T: Send + 'static>(
        &self,
        sync: bool,
        f: impl FnOnce(&dyn Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, DeskError> {
        let ledger = self.ledger.clone();
        let metrics = self.broker.metrics().clone();
        tokio::task::spawn_blocking(move || {
            let value = f(ledger.as_ref())?;
            if sync {
                let started = std::time::Instant::now();
                ledger.sync()?;
                metrics.ledger_sync(started.elapsed());
            }
            Ok(value)
        })
        .await
        .map_err(|e| DeskError::Ledger(format!("ledger task failed: {e}")))?
    }
}

/// The request the adapter gets: each line expects the quoted unit price (so a supplier that
/// honours expectations refuses drift itself), and the cap is the desk's ceiling.
fn supplier_request(
    m: &Mutation<'_>,
    order: &PlaceOrder,
    ceiling: exact::Money,
    quote: Option<&Quote>,
) -> OrderRequest {
    let mut lines = order.lines.clone();
    if let Some(q) = quote {
        for line in &mut lines {
            if line.expected_unit_price.is_none() {
                line.expected_unit_price = q
                    .lines
                    .iter()
                    .find(|ql| ql.line_id == line.line_id)
                    .map(|ql| ql.unit_price.clone());
            }
        }
    }
    OrderRequest {
        idempotency_key: m.supplier_key.clone(),
        buyer_po: order.buyer_po.clone(),
        quote_id: order.quote_id.clone(),
        lines,
        ship_to: order.ship_to.clone(),
        bill_to: order.bill_to.clone(),
        fulfillment_option_id: order.fulfillment_option_id.clone(),
        requested_delivery: order.requested_delivery,
        partial_delivery: order.partial_delivery,
        max_total: ceiling.into(),
        payment: order.payment.clone(),
        authorization: None,
        notes: order.notes.clone(),
    }
}

/// The supplier said no to the order as a whole.
fn rejected(order: &Order) -> bool {
    order.status == OrderStatus::Rejected || order.ack == AckStatus::Rejected
}

/// The supplier's words for a rejection, from its messages.
fn rejection_reason(order: &Order) -> String {
    let said: Vec<&str> = order.messages.iter().map(|m| m.text.as_str()).collect();
    if said.is_empty() {
        "the supplier gave no reason".to_string()
    } else {
        said.join("; ")
    }
}

fn order_ref(supplier: &str, order: &Order) -> OrderRef {
    OrderRef {
        supplier: supplier.to_string(),
        order_id: order.order_id.clone(),
        buyer_po: order.buyer_po.clone(),
    }
}

/// A placement's answer is the order: its id for the audit trail.
fn placed_id(order: &Order) -> Option<String> {
    Some(order.order_id.clone())
}

/// The reservation is free again; the order it was for, if any, is named.
fn released(order_id: &str) -> ReservationChange {
    ReservationChange {
        state: ReservationState::Released,
        order_id: Some(order_id.to_string()),
        amount: None,
    }
}

fn released_unplaced() -> ReservationChange {
    ReservationChange {
        state: ReservationState::Released,
        order_id: None,
        amount: None,
    }
}
