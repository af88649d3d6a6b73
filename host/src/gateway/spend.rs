//! The client's spend mandate applied to an order: judged in deterministic code
//! ([`crate::mandate`]) and the amount reserved against the budget in the same ledger
//! transaction, before anything is sent to the supplier.

use super::api::PlaceOrderRequest;
use super::auth::Client;
use super::problem::ApiError;
use super::service::Service;
use crate::adapter::{LoadedAdapter, Operation};
use crate::contract::now_ms;
use crate::contract::{CallContext, ItemRef, Money, Order, OrderRequest, Quote, QuoteStatus};
use crate::ledger::{Reservation, ReservationState};
use crate::mandate::{self, Decision, ItemFacts, OrderFacts, QuoteFacts, Rule};

/// An order the mandate allows: its budget reservation and the quote it accepts.
pub(super) struct Authorized {
    pub reservation: i64,
    pub quote: Option<Quote>,
}

/// A line whose price the client expects is further from the quote than the tolerance.
fn expected_drift(quote: &Quote, req: &PlaceOrderRequest, tolerance_bp: u32) -> Option<Rule> {
    req.lines.iter().find_map(|l| {
        let expected = l.expected_unit_price.as_ref()?;
        let quoted = quote.lines.iter().find(|q| q.line_id == l.line_id)?;
        let (q, e) = (
            quoted.unit_price.to_exact().ok()?,
            expected.to_exact().ok()?,
        );
        mandate::drifted(&q, &e, tolerance_bp).then(|| Rule::PriceDrift {
            line_id: l.line_id.clone(),
            quoted: crate::display::price(&quoted.unit_price),
            actual: crate::display::price(expected),
            tolerance_bp,
        })
    })
}

/// The order as sent under a quote: each line expects the quoted unit price, and the total
/// may not exceed the quote's by more than the tolerance (nor the client's max-total), so a
/// supplier that honours expectations refuses drift itself.
pub(super) fn guarded(mut order: OrderRequest, quote: &Quote, tolerance_bp: u32) -> OrderRequest {
    for line in &mut order.lines {
        if line.expected_unit_price.is_none() {
            line.expected_unit_price = quote
                .lines
                .iter()
                .find(|q| q.line_id == line.line_id)
                .map(|q| q.unit_price.clone());
        }
    }
    let total = &quote.totals.grand_total;
    if total.currency == order.max_total.currency {
        let cap = i128::from(total.minor) * (10_000 + i128::from(tolerance_bp)) / 10_000;
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        order.max_total.minor = order.max_total.minor.min(cap);
    }
    order
}

/// The first way `order` drifted from `quote` beyond the tolerance, if it did.
pub(super) fn order_drift(
    order: &Order,
    quote: &Quote,
    max_total: &Money,
    tolerance_bp: u32,
) -> Option<Rule> {
    let line = order.lines.iter().find_map(|l| {
        let quoted = quote.lines.iter().find(|q| q.line_id == l.line_id)?;
        let (q, a) = (
            quoted.unit_price.to_exact().ok()?,
            l.unit_price.to_exact().ok()?,
        );
        mandate::drifted(&q, &a, tolerance_bp).then(|| Rule::PriceDrift {
            line_id: l.line_id.clone(),
            quoted: crate::display::price(&quoted.unit_price),
            actual: crate::display::price(&l.unit_price),
            tolerance_bp,
        })
    });
    line.or_else(|| {
        (order.totals.grand_total.minor > max_total.minor).then(|| Rule::PriceDrift {
            line_id: "total".to_string(),
            quoted: crate::display::money(max_total),
            actual: crate::display::money(&order.totals.grand_total),
            tolerance_bp,
        })
    })
}

impl Service {
    /// Judge `req` against `client`'s mandate and reserve its max-total against the budget.
    /// Returns the reservation; a denial or a needed approval (not yet parked: no id) is an
    /// error and nothing is reserved or sent.
    pub(super) async fn authorize(
        &self,
        client: &Client,
        adapter: &LoadedAdapter,
        ctx: &CallContext,
        req: &PlaceOrderRequest,
        approved: bool,
    ) -> Result<Authorized, ApiError> {
        let Some(mandate) = client.mandate.clone() else {
            return Err(ApiError::MandateDenied(Rule::NoMandate));
        };
        let total = req
            .max_total
            .to_exact()
            .map_err(|e| ApiError::BadRequest(format!("max_total: {e}")))?;
        let quote = match &req.quote_id {
            Some(id) => Some(self.quote_for(client, adapter, ctx, id).await?),
            None => None,
        };
        if let Some(q) = &quote
            && let Some(rule) = expected_drift(q, req, mandate.price_tolerance_bp)
        {
            return Err(ApiError::MandateDenied(rule));
        }
        let catalogue = if mandate
            .items
            .iter()
            .any(|r| matches!(r, mandate::ItemRule::Category(_)))
        {
            self.catalogue_entries(adapter, ctx, req).await
        } else {
            Vec::new()
        };
        let items: Vec<ItemFacts> = req
            .lines
            .iter()
            .map(|l| {
                let quoted = quote
                    .as_ref()
                    .and_then(|q| q.lines.iter().find(|ql| ql.line_id == l.line_id));
                let (mut sku, mut gtin) = match &l.item {
                    ItemRef::Sku(s) => (Some(s.clone()), None),
                    ItemRef::Gtin(g) => (None, Some(g.clone())),
                    _ => (None, None),
                };
                if let Some(q) = quoted {
                    sku = sku.or_else(|| Some(q.item.supplier_sku.clone()));
                    gtin = gtin.or_else(|| q.item.gtin.clone());
                }
                // Classification codes as the supplier's catalogue states them.
                let categories = catalogue
                    .iter()
                    .filter(|i| {
                        sku.as_ref() == Some(&i.ids.supplier_sku)
                            || (gtin.is_some() && gtin == i.ids.gtin)
                    })
                    .flat_map(|i| i.classifications.iter().map(|c| c.code.clone()))
                    .collect();
                ItemFacts {
                    line_id: l.line_id.clone(),
                    sku,
                    gtin,
                    categories,
                }
            })
            .collect();
        let now = now_ms();
        let facts = OrderFacts {
            supplier: adapter.supplier().to_string(),
            items,
            ship_to: req.ship_to.location_id.clone(),
            total,
            quote: quote.as_ref().map(|q| QuoteFacts {
                firm: q.status == QuoteStatus::Firm,
                valid_until: match q.status {
                    // A quote the supplier itself marks expired or rejected holds no longer.
                    QuoteStatus::Expired | QuoteStatus::Rejected => Some(0),
                    _ => q.valid_until,
                },
            }),
            now,
        };
        let reservation = Reservation {
            mandate: mandate.id.clone(),
            period_start: mandate
                .budget
                .as_ref()
                .map(|b| b.period.start(now))
                .unwrap_or(0),
            client: client.id.to_string(),
            supplier: adapter.supplier().to_string(),
            amount: total,
        };
        let (decision, id) = self
            .staged(move |l| {
                l.reserve(
                    &reservation,
                    &|used| match mandate::evaluate(&mandate, &facts, used) {
                        // A person approved: the threshold is met; every other rule holds.
                        Decision::RequireApproval(_) if approved => Decision::Allow,
                        decision => decision,
                    },
                    now,
                )
            })
            .await?;
        match (decision, id) {
            (Decision::Allow, Some(reservation)) => Ok(Authorized { reservation, quote }),
            (Decision::Deny(rule), _) => Err(ApiError::MandateDenied(rule)),
            (Decision::RequireApproval(rule), _) => Err(ApiError::ApprovalRequired {
                rule,
                approval_id: String::new(),
            }),
            (Decision::Allow, None) => Err(ApiError::Ledger("allowed but not reserved".into())),
        }
    }

    /// The ordered items as the supplier's catalogue describes them, for category rules. An
    /// item that cannot be looked up has no categories, so a category rule refuses it.
    async fn catalogue_entries(
        &self,
        adapter: &LoadedAdapter,
        ctx: &CallContext,
        req: &PlaceOrderRequest,
    ) -> Vec<crate::contract::CatalogItem> {
        let refs: Vec<ItemRef> = req.lines.iter().map(|l| l.item.clone()).collect();
        match self
            .broker()
            .call(
                adapter,
                Operation::GetItems,
                ctx,
                adapter.get_items(ctx, &refs),
            )
            .await
        {
            Ok(Ok(items)) => items,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "items not looked up for the mandate's category rules");
                Vec::new()
            }
            Err(busy) => {
                tracing::info!(error = %busy, "items not looked up for the mandate's category rules");
                Vec::new()
            }
        }
    }

    /// The quote an order accepts, as the supplier returned it (from the ledger, or asked for
    /// again and stored).
    async fn quote_for(
        &self,
        client: &Client,
        adapter: &LoadedAdapter,
        ctx: &CallContext,
        quote_id: &str,
    ) -> Result<Quote, ApiError> {
        let (supplier, id) = (adapter.supplier().to_string(), quote_id.to_string());
        if let Some(q) = self.staged(move |l| l.quote(&supplier, &id)).await? {
            return Ok(q);
        }
        let quote = self
            .broker()
            .call(
                adapter,
                Operation::GetQuote,
                ctx,
                adapter.get_quote(ctx, quote_id),
            )
            .await?
            .map_err(|error| ApiError::Call {
                supplier: adapter.supplier().clone(),
                error,
            })?;
        let (client, supplier, q) = (
            client.id.to_string(),
            adapter.supplier().to_string(),
            quote.clone(),
        );
        self.staged(move |l| l.store_quote(&client, &supplier, &q, now_ms()))
            .await?;
        Ok(quote)
    }

    /// Move the reservation of an order just sent along (placed, refused). Staged: the
    /// order's outcome, recorded next, makes it durable.
    pub(super) async fn settle_reservation(
        &self,
        id: i64,
        state: ReservationState,
        order_id: Option<String>,
    ) {
        let done = self
            .staged(move |l| l.update_reservation(id, state, order_id.as_deref(), now_ms()))
            .await;
        if let Err(e) = done {
            tracing::error!(error = %e, reservation = id, "reservation not updated");
        }
    }

    /// Move the reservation held for an order, if there is one (cancelled, invoiced).
    pub(super) async fn settle_order_reservation(
        &self,
        supplier: &str,
        order_id: &str,
        state: ReservationState,
    ) {
        let (s, o) = (supplier.to_string(), order_id.to_string());
        let done = self
            .in_ledger(move |l| match l.reservation_for_order(&s, &o)? {
                Some((id, current)) if current != state => {
                    l.update_reservation(id, state, None, now_ms())
                }
                _ => Ok(()),
            })
            .await;
        if let Err(e) = done {
            tracing::error!(error = %e, supplier, order_id, "reservation not updated");
        }
    }
}
