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
    /// The buyer's purchase order number.
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
