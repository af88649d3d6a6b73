//! Quote and order cases. Orders are real: the suite places one order (and cancels it where
//! the adapter can), so it runs against the supplier's test backend.

use super::catalog::expect_not_found;
use super::{Check, QUOTE_POLL, Stop, Suite, UNKNOWN_ID, fail, failed_call, orderable_quantity};
use crate::contract::validate;
use crate::contract::*;
use crate::display::{self, label};
use mercato_sdk::exact::RoundingMode;

/// Quoting is offered in either of two ways.
fn quoting() -> Capabilities {
    Capabilities::INSTANT_QUOTE | Capabilities::ASYNC_QUOTE
}

impl Suite {
    /// Quote one orderable item; every line total is its unit price times its quantity,
    /// rounded once, and the lines add up to `totals.lines` (the host checks the grand total).
    pub(super) async fn quote_totals(&mut self) -> Check {
        self.requires(quoting(), "instant-quote` or `async-quote")?;
        let item = self.item_to_buy()?.clone();
        let request = QuoteRequest {
            lines: vec![QuoteLineRequest {
                line_id: "L1".to_string(),
                item: ItemRef::Sku(item.ids.supplier_sku.clone()),
                offer_token: item.ids.offer_token.clone(),
                quantity: orderable_quantity(&item),
                target_unit_price: None,
            }],
            ship_to: self.ship_to(),
            requested_delivery: None,
            currency: item
                .price_tiers
                .first()
                .map(|t| t.unit_price.currency.clone()),
            requested_valid_until: None,
            allow_substitutes: false,
            incoterms: None,
            buyer_reference: Some(format!("conformance-{}", self.run_id)),
            notes: None,
        };
        let mut quote = self
            .adapter
            .request_quote(&self.ctx(), &request)
            .await
            .map_err(|e| {
                failed_call(
                    format_args!("request-quote for {}", item.ids.supplier_sku),
                    e,
                )
            })?;
        let (interval, attempts) = QUOTE_POLL;
        for _ in 0..attempts {
            if quote.status != QuoteStatus::Pending {
                break;
            }
            tokio::time::sleep(interval).await;
            quote = self
                .adapter
                .get_quote(&self.ctx(), &quote.quote_id)
                .await
                .map_err(|e| failed_call("get-quote of a pending quote", e))?;
        }
        match quote.status {
            QuoteStatus::Pending => {
                return Err(fail(format!(
                    "quote {} is still pending after {attempts} polls",
                    quote.quote_id
                )));
            }
            QuoteStatus::Rejected | QuoteStatus::Expired => {
                return Err(fail(format!(
                    "quote {} for {} came back {}; the suite needs a quote it can order",
                    quote.quote_id,
                    item.ids.supplier_sku,
                    label(&quote.status)
                )));
            }
            QuoteStatus::Firm | QuoteStatus::Indicative => {}
        }
        if let Some(valid_until) = quote.valid_until
            && valid_until < quote.created_at
        {
            return Err(fail(format!(
                "quote {} is valid until before it was created",
                quote.quote_id
            )));
        }
        let what = format!("quote {}", quote.quote_id);
        for line in &quote.lines {
            validate::line_total(
                &line.unit_price,
                &line.quantity,
                &line.line_total,
                format_args!("{what} line {} line-total", line.line_id),
            )
            .map_err(|e| fail(e.to_string()))?;
        }
        validate::lines_sum(
            quote.lines.iter().map(|l| &l.line_total),
            &quote.totals,
            &what,
        )
        .map_err(|e| fail(e.to_string()))?;
        let note = format!(
            "quote {} for {} line(s), {}",
            quote.quote_id,
            quote.lines.len(),
            display::money(&quote.totals.grand_total)
        );
        self.quote = Some(quote);
        Ok(note)
    }

    /// `get-quote` with the id `request-quote` returned gives the same quote back.
    pub(super) async fn quote_round_trip(&mut self) -> Check {
        self.requires(quoting(), "instant-quote` or `async-quote")?;
        let quote = self.quote_made()?;
        let again = self
            .adapter
            .get_quote(&self.ctx(), &quote.quote_id)
            .await
            .map_err(|e| failed_call(format_args!("get-quote {}", quote.quote_id), e))?;
        let lines = |q: &Quote| -> Vec<(String, String, u64, String)> {
            q.lines
                .iter()
                .map(|l| {
                    (
                        l.line_id.clone(),
                        l.item.supplier_sku.clone(),
                        l.quantity.steps,
                        l.quantity.unit.clone(),
                    )
                })
                .collect()
        };
        if again.currency != quote.currency || lines(&again) != lines(quote) {
            return Err(fail(format!(
                "get-quote {} returned other lines or currency than request-quote made",
                quote.quote_id
            )));
        }
        if again.totals.grand_total != quote.totals.grand_total {
            return Err(fail(format!(
                "get-quote {} totals {} but request-quote said {}",
                quote.quote_id, again.totals.grand_total.minor, quote.totals.grand_total.minor
            )));
        }
        Ok(format!("quote {}", quote.quote_id))
    }

    /// An unknown quote id is `not-found`.
    pub(super) async fn quote_unknown(&mut self) -> Check {
        self.requires(quoting(), "instant-quote` or `async-quote")?;
        expect_not_found(
            "get-quote of an unknown id",
            self.adapter.get_quote(&self.ctx(), UNKNOWN_ID).await,
        )?;
        Ok(String::new())
    }

    /// An order placed twice with the same idempotency key is one order.
    pub(super) async fn order_retry(&mut self) -> Check {
        self.requires(Capabilities::PLACE_ORDER, "place-order")?;
        if !self.options.place_orders {
            return Err(Stop::Skip("placing orders is turned off".to_string()));
        }
        let request = self.order_request()?;
        let first = self
            .adapter
            .place_order(&self.ctx(), &request)
            .await
            .map_err(|e| failed_call("place-order", e))?;
        let retry = self
            .adapter
            .place_order(&self.ctx(), &request)
            .await
            .map_err(|e| failed_call("place-order retried with the same idempotency key", e))?;
        if retry.order_id != first.order_id {
            return Err(fail(format!(
                "the retry with idempotency key {} made order {} besides {}: a retry must \
                 return the first order",
                request.idempotency_key, retry.order_id, first.order_id
            )));
        }
        let line_ids = |o: &Order| {
            o.lines
                .iter()
                .map(|l| l.line_id.clone())
                .collect::<Vec<_>>()
        };
        if line_ids(&retry) != line_ids(&first) {
            return Err(fail(format!(
                "the retry of order {} returned other lines",
                first.order_id
            )));
        }
        let note = format!("order {} ({})", first.order_id, label(&first.ack));
        self.order = Some(first);
        Ok(note)
    }

    /// `get-order` finds the order placed, by its id.
    pub(super) async fn order_status(&mut self) -> Check {
        self.requires(Capabilities::ORDER_STATUS, "order-status")?;
        let order = self.order_placed()?;
        let found = self
            .adapter
            .get_order(&self.ctx(), &order.order_id)
            .await
            .map_err(|e| failed_call(format_args!("get-order {}", order.order_id), e))?;
        if found.buyer_po != order.buyer_po {
            return Err(fail(format!(
                "get-order {} has buyer PO {:?}; the order was placed as {:?}",
                order.order_id, found.buyer_po, order.buyer_po
            )));
        }
        Ok(format!(
            "order {} is {}",
            found.order_id,
            label(&found.status)
        ))
    }

    /// Shipments and invoices of the order placed can be listed (the host checks they are
    /// about that order).
    pub(super) async fn order_documents(&mut self) -> Check {
        let tracked = Capabilities::SHIPMENT_TRACKING | Capabilities::INVOICES;
        self.requires(tracked, "shipment-tracking` or `invoices")?;
        let order = self.order_placed()?;
        let mut note = Vec::new();
        if self
            .profile
            .capabilities
            .contains(Capabilities::SHIPMENT_TRACKING)
        {
            let list = self
                .adapter
                .list_shipments(&self.ctx(), &order.order_id)
                .await
                .map_err(|e| failed_call("list-shipments", e))?;
            note.push(format!("{} shipment(s)", list.len()));
        }
        if self.profile.capabilities.contains(Capabilities::INVOICES) {
            let list = self
                .adapter
                .list_invoices(&self.ctx(), &order.order_id)
                .await
                .map_err(|e| failed_call("list-invoices", e))?;
            note.push(format!("{} invoice(s)", list.len()));
        }
        Ok(note.join(", "))
    }

    /// Cancel the order the suite placed: answered with an outcome or a typed refusal.
    pub(super) async fn order_cancel(&mut self) -> Check {
        self.requires(Capabilities::CANCEL_ORDER, "cancel-order")?;
        let order = self.order_placed()?;
        let request = CancelRequest {
            idempotency_key: format!("mercato-conformance-cancel-{}", self.run_id),
            order_id: order.order_id.clone(),
            line_ids: Vec::new(),
            reason: Some("conformance test order".to_string()),
        };
        match self.adapter.cancel_order(&self.ctx(), &request).await {
            Ok(outcome) => Ok(format!(
                "order {}: {}, now {}",
                order.order_id,
                label(&outcome.status),
                label(&outcome.order.status)
            )),
            Err(crate::CallError::Commerce(e)) if !matches!(e, CommerceError::Internal(_)) => Ok(
                format!("order {}: refused as `{}`", order.order_id, e.code()),
            ),
            Err(e) => Err(failed_call(
                format_args!("cancel-order {}", order.order_id),
                e,
            )),
        }
    }

    /// An unknown order id is `not-found`.
    pub(super) async fn order_unknown(&mut self) -> Check {
        self.requires(Capabilities::ORDER_STATUS, "order-status")?;
        expect_not_found(
            "get-order of an unknown id",
            self.adapter.get_order(&self.ctx(), UNKNOWN_ID).await,
        )?;
        Ok(String::new())
    }

    /// Cancelling an unknown order is `not-found`.
    pub(super) async fn cancel_unknown(&mut self) -> Check {
        self.requires(Capabilities::CANCEL_ORDER, "cancel-order")?;
        let request = CancelRequest {
            idempotency_key: format!("mercato-conformance-cancel-unknown-{}", self.run_id),
            order_id: UNKNOWN_ID.to_string(),
            line_ids: Vec::new(),
            reason: None,
        };
        expect_not_found(
            "cancel-order of an unknown id",
            self.adapter.cancel_order(&self.ctx(), &request).await,
        )?;
        Ok(String::new())
    }

    /// The item quotes and orders are made for: the first found with a price that is not
    /// known to be unavailable.
    fn item_to_buy(&self) -> Result<&CatalogItem, Stop> {
        self.found_items()?;
        self.items
            .iter()
            .find(|i| {
                !i.price_tiers.is_empty()
                    && !matches!(
                        i.availability.as_ref().map(|a| a.status),
                        Some(StockStatus::OutOfStock | StockStatus::Discontinued)
                    )
            })
            .ok_or_else(|| Stop::Skip("no item found has a price and is available".to_string()))
    }

    fn quote_made(&self) -> Result<&Quote, Stop> {
        self.quote
            .as_ref()
            .ok_or_else(|| Stop::Skip("no quote was made (see quote.totals)".to_string()))
    }

    fn order_placed(&self) -> Result<&Order, Stop> {
        self.order.as_ref().ok_or_else(|| {
            Stop::Skip("no order was placed (see order.idempotent-retry)".to_string())
        })
    }

    /// An order for the quote made, or else for one orderable item, with a fresh key.
    fn order_request(&self) -> Result<OrderRequest, Stop> {
        let (lines, quote_id, max_total) = match &self.quote {
            Some(q) => (
                q.lines.iter().map(QuoteLine::to_order_line).collect(),
                Some(q.quote_id.clone()),
                Money {
                    currency: q.currency.clone(),
                    minor: q.totals.grand_total.minor.saturating_mul(2),
                },
            ),
            None => {
                let item = self.item_to_buy()?;
                let tier = &item.price_tiers[0];
                let quantity = orderable_quantity(item);
                let estimate = tier
                    .unit_price
                    .to_exact()
                    .and_then(|p| p.total_for(&quantity.to_exact()?, RoundingMode::Ceiling))
                    .map_err(|e| fail(format!("item {}: {e}", item.ids.supplier_sku)))?;
                (
                    vec![OrderLineRequest {
                        line_id: "L1".to_string(),
                        item: ItemRef::Sku(item.ids.supplier_sku.clone()),
                        offer_token: item.ids.offer_token.clone(),
                        quantity,
                        expected_unit_price: None,
                    }],
                    None,
                    Money {
                        currency: tier.unit_price.currency.clone(),
                        // Room for shipping and tax the catalogue price does not show.
                        minor: estimate.minor().saturating_mul(3).saturating_add(100_000),
                    },
                )
            }
        };
        Ok(OrderRequest {
            idempotency_key: format!("mercato-conformance-{}", self.run_id),
            buyer_po: format!("CONF-{}", self.run_id),
            quote_id,
            lines,
            ship_to: self.ship_to(),
            bill_to: None,
            fulfillment_option_id: None,
            requested_delivery: None,
            partial_delivery: PartialDelivery::Allow,
            max_total,
            payment: PaymentInstruction::OnAccount(None),
            authorization: None,
            notes: Some("Mercato conformance test order; cancel if it arrives".to_string()),
        })
    }
}
