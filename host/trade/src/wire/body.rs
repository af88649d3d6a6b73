//! The bodies a client sends to order and to return goods: the host's requests, not the
//! contract's, since the host judges an order (cap, mandate, quote) before any supplier
//! sees it.

use super::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An order for one supplier (`POST /v1/orders`, with an `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// The supplier to order from.
    pub supplier: String,
    /// The buyer's purchase order number (not blank).
    #[schemars(regex(pattern = r"\S"))]
    pub buyer_po: String,
    /// The quote this order accepts, if any. Its lines and prices are what the order is
    /// judged against; without one, the host looks the supplier's catalogue prices up itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_id: Option<String>,
    /// The lines (1 to 100), each with a line id unique in the order.
    #[schemars(length(min = 1, max = 100))]
    pub lines: Vec<OrderLineRequest>,
    /// Where the goods go.
    pub ship_to: Address,
    /// Where the invoice goes, if not the ship-to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_to: Option<Address>,
    /// One of the quote's fulfillment options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_option_id: Option<String>,
    /// When delivery is wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delivery: Option<TimeWindow>,
    /// What to do with lines that cannot all ship now (default `ship_complete`: one
    /// delivery, nothing split or dropped without being asked).
    #[serde(default = "ship_complete")]
    pub partial_delivery: PartialDelivery,
    /// The most the order may cost in total: above zero, in the currency the order is priced
    /// in, and at least what the quote (or the supplier's catalogue) says it costs. The
    /// mandate judges it; the supplier is told it; an order the supplier prices above it is
    /// cancelled or held for a person, never accepted.
    pub max_total: Money,
    /// How it is paid (default `{"kind": "on_account"}`: invoiced to the buyer's account).
    #[serde(default = "on_account")]
    pub payment: PaymentInstruction,
    /// Free text for the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Answer within this many milliseconds at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
}

/// An order for exactly what a quote priced (`POST /v1/quotes/{supplier}/{quote_id}/order`,
/// with an `Idempotency-Key`): the quote's lines, items, quantities and unit prices are taken
/// from the quote itself, so a client cannot copy one wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderQuote {
    /// The buyer's purchase order number (not blank).
    #[schemars(regex(pattern = r"\S"))]
    pub buyer_po: String,
    /// Where the goods go (the address the quote was asked for).
    pub ship_to: Address,
    /// Where the invoice goes, if not the ship-to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_to: Option<Address>,
    /// One of the quote's fulfillment options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_option_id: Option<String>,
    /// What to do with lines that cannot all ship now (default `ship_complete`).
    #[serde(default = "ship_complete")]
    pub partial_delivery: PartialDelivery,
    /// The most the order may cost in total (default: the quote's grand total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total: Option<Money>,
    /// How it is paid (default `{"kind": "on_account"}`).
    #[serde(default = "on_account")]
    pub payment: PaymentInstruction,
    /// Free text for the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Answer within this many milliseconds at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
}

impl OrderQuote {
    /// The order for `quote` from `supplier`: every line the supplier did not refuse, at its
    /// quoted unit price. `None` when no line is left to order.
    pub fn order(self, supplier: &str, quote: Quote) -> Option<PlaceOrder> {
        let lines: Vec<OrderLineRequest> = quote
            .lines
            .into_iter()
            .filter(|l| !matches!(l.status, LineStatus::Rejected | LineStatus::Cancelled))
            .map(|l| OrderLineRequest {
                line_id: l.line_id,
                item: ItemRef::Sku {
                    sku: l.item.supplier_sku,
                },
                offer_token: l.item.offer_token,
                quantity: l.quantity,
                expected_unit_price: Some(l.unit_price),
            })
            .collect();
        if lines.is_empty() {
            return None;
        }
        Some(PlaceOrder {
            supplier: supplier.to_string(),
            buyer_po: self.buyer_po,
            quote_id: Some(quote.quote_id),
            lines,
            ship_to: self.ship_to,
            bill_to: self.bill_to,
            fulfillment_option_id: self.fulfillment_option_id,
            requested_delivery: None,
            partial_delivery: self.partial_delivery,
            max_total: self.max_total.unwrap_or(quote.totals.grand_total),
            payment: self.payment,
            notes: self.notes,
            deadline_ms: self.deadline_ms,
        })
    }
}

fn ship_complete() -> PartialDelivery {
    PartialDelivery::ShipComplete
}

fn on_account() -> PaymentInstruction {
    PaymentInstruction::OnAccount { payment_term: None }
}

/// A return (`POST /v1/orders/{supplier}/{order_id}/returns`, with an `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// What goes back (1 to 100 lines).
    #[schemars(length(min = 1, max = 100))]
    pub lines: Vec<ReturnLine>,
    /// Free text for the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}
