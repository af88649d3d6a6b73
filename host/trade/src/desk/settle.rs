//! What the desk keeps after an answer: orders as suppliers report them (never one written
//! over another PO's), invoices, quotes, and each order's reservation settled to what the
//! order really costs: its total on acceptance, its invoices once invoiced, nothing once
//! cancelled. An amount above what was authorised is never booked: it is alerted and left
//! for a person.

use super::{DeskError, OrderDesk, OrderRef};
use crate::clients::Client;
use crate::contract::supplier::{Operation, SupplierId};
use crate::contract::{Invoice, Order, OrderEvent, OrderStatus, Quote};
use crate::ledger::{
    ApprovalKind, ApprovalState, AuditEntry, OrderWrite, ReservationChange, ReservationState,
};

/// What follows recording a placed order, in the same ledger step.
#[derive(Debug, Default)]
pub(super) struct Then {
    /// The order's reservation.
    pub reservation: Option<i64>,
    /// Where it moves.
    pub change: Option<ReservationChange>,
    /// The placement's intent and how it ended.
    pub intent: Option<(i64, crate::ledger::Outcome)>,
}

/// What re-settling an order's reservation found.
enum Resettled {
    /// Nothing to move, or moved.
    Done,
    /// The supplier now wants more than the order was authorised for.
    AboveCap { amount: i64, cap: String },
}

impl OrderDesk {
    /// Record an order as the supplier reported it. An order id already recorded for
    /// another PO is not written over: the order is kept as a collision, alerted and audited,
    /// and the PO it was recorded for is returned. A ledger failure is logged: the order
    /// exists whether or not it is recorded.
    pub(super) async fn record_order(
        &self,
        client: &Client,
        supplier: &str,
        order: &Order,
    ) -> Option<String> {
        self.record_then(client, supplier, order, Then::default())
            .await
    }

    /// [`record_order`](Self::record_order), and in the same ledger step (the order recorded,
    /// not collided) what follows for its placement: its reservation moved, its intent closed.
    pub(super) async fn record_then(
        &self,
        client: &Client,
        supplier: &str,
        order: &Order,
        then: Then,
    ) -> Option<String> {
        let (c, s, o, now) = (
            client.id.to_string(),
            supplier.to_string(),
            order.clone(),
            self.now(),
        );
        let write = self
            .staged(move |l| {
                // An order someone else placed keeps its owner.
                let owner = l.order(&s, &o.order_id)?.map(|r| r.client).unwrap_or(c);
                let write = l.upsert_order(&owner, &s, &o, now)?;
                if write == OrderWrite::Recorded {
                    if let (Some(id), Some(change)) = (then.reservation, &then.change) {
                        l.update_reservation(id, change, now)?;
                    }
                    if let Some((intent, outcome)) = &then.intent {
                        l.record_outcome(*intent, outcome, now)?;
                    }
                }
                Ok(write)
            })
            .await;
        match write {
            Ok(OrderWrite::Recorded) => None,
            Ok(OrderWrite::Collision { recorded_po }) => {
                tracing::error!(supplier, order = %order.order_id, po = %order.buyer_po, recorded_po, "the supplier reused an order id: kept apart, not written over");
                self.alert(supplier, "order-id-reused");
                let order = OrderRef {
                    supplier: supplier.to_string(),
                    order_id: order.order_id.clone(),
                    buyer_po: order.buyer_po.clone(),
                };
                self.audit_event(
                    client,
                    "order-id-reused",
                    &order,
                    "kept-apart",
                    &format!("recorded for PO {recorded_po}"),
                )
                .await;
                Some(recorded_po)
            }
            Err(e) => {
                tracing::error!(error = %e, supplier, order = %order.order_id, "order not recorded in the ledger");
                self.alert(supplier, "order-not-recorded");
                None
            }
        }
    }

    /// Move a reservation (staged: the answer's durable step follows).
    pub(super) async fn move_reservation(&self, id: Option<i64>, change: ReservationChange) {
        let Some(id) = id else { return };
        let now = self.now();
        if let Err(e) = self
            .staged(move |l| l.update_reservation(id, &change, now))
            .await
        {
            tracing::error!(error = %e, reservation = id, "reservation not moved");
        }
    }

    /// Settle an order's reservation to what the order costs now: released once it is
    /// cancelled or rejected; its invoices (net of credit notes) once invoiced, else its
    /// total. A reservation held for a person's review stays as it is. An amount above the
    /// cap is alerted, never booked.
    pub(super) async fn resettle(&self, supplier: &str, order_id: &str) {
        let (s, o) = (supplier.to_string(), order_id.to_string());
        let now = self.now();
        let done = self
            .book(move |l| {
                let Some(r) = l.reservation_for_order(&s, &o)? else {
                    return Ok(Resettled::Done);
                };
                let Some(record) = l.order(&s, &o)? else {
                    return Ok(Resettled::Done);
                };
                let order = &record.order;
                let gone = matches!(order.status, OrderStatus::Cancelled | OrderStatus::Rejected);
                let change = match (r.state, gone) {
                    (ReservationState::Released, _) => return Ok(Resettled::Done),
                    (_, true) => ReservationChange {
                        state: ReservationState::Released,
                        order_id: None,
                        amount: None,
                    },
                    (ReservationState::Reserved, false) => return Ok(Resettled::Done),
                    (ReservationState::Settled, false) => {
                        let invoices = l.invoices_for(&s, &o)?;
                        ReservationChange {
                            state: ReservationState::Settled,
                            order_id: None,
                            amount: Some(cost_of(order, &invoices)),
                        }
                    }
                };
                let wanted = change.amount;
                l.update_reservation(r.id, &change, now)?;
                if gone && r.state == ReservationState::Reserved {
                    // An order held for review is gone: nobody needs to decide about it now.
                    for a in l.approvals(Some(ApprovalState::Pending))? {
                        if a.kind == ApprovalKind::Review && a.reservation == Some(r.id) {
                            l.decide(
                                &a.id,
                                &[ApprovalState::Pending],
                                ApprovalState::Rejected,
                                Some("host"),
                                Some("the supplier cancelled or rejected the order"),
                                None,
                                now,
                            )?;
                        }
                    }
                }
                Ok(match wanted {
                    Some(amount) if amount > r.cap.minor() => Resettled::AboveCap {
                        amount,
                        cap: r.cap.to_string(),
                    },
                    _ => Resettled::Done,
                })
            })
            .await;
        match done {
            Ok(Resettled::Done) => {}
            Ok(Resettled::AboveCap { amount, cap }) => {
                tracing::error!(
                    supplier,
                    order_id,
                    amount,
                    cap,
                    "the supplier charges more than was authorised: only the cap is booked"
                );
                self.alert(supplier, "charged-above-cap");
                let entry = AuditEntry {
                    at: self.now(),
                    client: "host".to_string(),
                    operation: "charge-above-cap".to_string(),
                    target: format!("{supplier}/{order_id}"),
                    outcome: "alerted".to_string(),
                    detail: format!("{amount} minor units charged; {cap} authorised"),
                };
                let _ = self.book(move |l| l.audit(&entry)).await;
            }
            Err(e) => tracing::error!(error = %e, supplier, order_id, "reservation not settled"),
        }
    }

    /// An order's current state, by supplier order id or buyer PO: recorded, and its
    /// reservation settled to it.
    pub async fn get_order(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Order, DeskError> {
        let a = self.adapter(supplier)?;
        let ctx = self.context(client, None, None, None);
        let order = self
            .call(&a, Operation::GetOrder, &ctx, a.get_order(&ctx, order_id))
            .await?;
        if self.record_order(client, supplier, &order).await.is_none() {
            self.resettle(supplier, &order.order_id).await;
        }
        Ok(order)
    }

    /// An order's invoices and credit notes: recorded, and its reservation settled to them.
    pub async fn invoices(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Vec<Invoice>, DeskError> {
        let a = self.adapter(supplier)?;
        let ctx = self.context(client, None, None, None);
        let invoices = self
            .call(
                &a,
                Operation::ListInvoices,
                &ctx,
                a.list_invoices(&ctx, order_id),
            )
            .await?;
        self.record_invoices(client, supplier, &invoices).await;
        Ok(invoices)
    }

    async fn record_invoices(&self, client: &Client, supplier: &str, invoices: &[Invoice]) {
        let (c, s, list, now) = (
            client.id.to_string(),
            supplier.to_string(),
            invoices.to_vec(),
            self.now(),
        );
        let recorded = self
            .staged(move |l| {
                list.iter()
                    .try_for_each(|i| l.record_invoice(&c, &s, i, now))
            })
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, supplier, "invoices not recorded");
        }
        let mut orders: Vec<&str> = invoices.iter().map(|i| i.order_id.as_str()).collect();
        orders.dedup();
        for order_id in orders {
            self.resettle(supplier, order_id).await;
        }
    }

    /// What a supplier's pushed document said about orders: each updated order recorded and
    /// settled, each invoice recorded and settled.
    pub async fn record_events(
        &self,
        client: &Client,
        supplier: &SupplierId,
        events: &[OrderEvent],
    ) {
        let supplier = supplier.as_str();
        for event in events {
            match event {
                OrderEvent::OrderUpdated(order) => {
                    if self.record_order(client, supplier, order).await.is_none() {
                        self.resettle(supplier, &order.order_id).await;
                    }
                }
                OrderEvent::InvoiceIssued(invoice) => {
                    self.record_invoices(client, supplier, std::slice::from_ref(invoice))
                        .await
                }
                OrderEvent::ShipmentUpdated(_) => {}
            }
        }
        let entry = AuditEntry {
            at: self.now(),
            client: client.id.to_string(),
            operation: Operation::HandleInbound.name().to_string(),
            target: supplier.to_string(),
            outcome: "ok".to_string(),
            detail: format!("{} event(s)", events.len()),
        };
        if let Err(e) = self.book(move |l| l.audit(&entry)).await {
            tracing::error!(error = %e, "audit entry not written");
        }
    }

    /// Keep quotes as returned, with their expiry: orders accepting them are judged on them.
    /// A ledger failure does not withhold the quotes from the client.
    pub async fn record_quotes(&self, client: &Client, quotes: Vec<(SupplierId, Quote)>) {
        let (client, now) = (client.id.to_string(), self.now());
        let stored = self
            .book(move |l| {
                quotes
                    .iter()
                    .try_for_each(|(s, q)| l.store_quote(&client, s.as_str(), q, now))
            })
            .await;
        if let Err(e) = stored {
            tracing::error!(error = %e, "quotes not stored in the ledger");
        }
    }

    /// Count an alert about `supplier`.
    pub(super) fn alert(&self, supplier: &str, kind: &str) {
        self.broker.metrics().order_alert(supplier, kind);
    }

    /// One line of the audit trail about an order (durable).
    pub(super) async fn audit_event(
        &self,
        client: &Client,
        operation: &str,
        order: &OrderRef,
        outcome: &str,
        detail: &str,
    ) {
        let entry = AuditEntry {
            at: self.now(),
            client: client.id.to_string(),
            operation: operation.to_string(),
            target: format!("{}/{}", order.supplier, order.order_id),
            outcome: outcome.to_string(),
            detail: format!("PO {}: {detail}", order.buyer_po),
        };
        if let Err(e) = self.book(move |l| l.audit(&entry)).await {
            tracing::error!(error = %e, "audit entry not written");
        }
    }
}

/// What an order costs now: its invoices net of credit notes once it has any, else its total.
fn cost_of(order: &Order, invoices: &[Invoice]) -> i64 {
    let (charged, credited) = invoices.iter().fold((0i64, 0i64), |(c, r), i| {
        let amount = i.totals.grand_total.minor.abs();
        if i.is_credit_note {
            (c, r.saturating_add(amount))
        } else {
            (c.saturating_add(amount), r)
        }
    });
    if charged > 0 {
        charged.saturating_sub(credited).max(0)
    } else {
        order.totals.grand_total.minor
    }
}
