//! What a client asks the desk for: an order, a cancellation, a return, each under the
//! client's idempotency key.

use crate::clients::Client;
use crate::codes::{CodeError, Normalize, path};
use crate::contract::supplier::{Operation, SupplierId};
use crate::contract::{
    Address, Money, OrderLineRequest, PartialDelivery, PaymentInstruction, ReturnLine, TimeWindow,
};
use crate::wire;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Most lines in one order, cancellation or return.
pub const MAX_LINES: usize = 100;

/// A client's idempotency key: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Check the form of a presented key.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("Idempotency-Key must be 1–255 visible ASCII characters".to_string());
        }
        Ok(IdempotencyKey(s.to_string()))
    }

    /// The key as presented.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the adapter (and so the supplier) sees: derived deterministically from the
    /// client, supplier, operation and the client's key, so a retry reaches the supplier with
    /// the same key and the supplier can dedupe, while two clients' keys never collide.
    pub fn for_supplier(&self, client: &Client, supplier: &SupplierId, op: Operation) -> String {
        let mut h = Sha256::new();
        for part in [
            "mercato-idempotency/v1",
            client.id.as_str(),
            supplier.as_str(),
            op.name(),
            &self.0,
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        format!("mrc-{}", &hex::encode(h.finalize())[..40])
    }
}

/// An order for one supplier, in the contract's terms: [`wire::PlaceOrder`] as the desk
/// judges it and the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The lines (1 to 100).
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
    /// What to do with lines that cannot all ship now.
    pub partial_delivery: PartialDelivery,
    /// The most the order may cost in total: above zero, in the currency the order is priced
    /// in, and at least what the quote (or the supplier's catalogue) says it costs. The
    /// mandate judges it; the supplier is told it; an order the supplier prices above it is
    /// cancelled or held for a person, never accepted.
    pub max_total: Money,
    /// How it is paid.
    pub payment: PaymentInstruction,
    /// Free text for the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Answer within this many milliseconds at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
}

impl Normalize for OrderLineRequest {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        crate::codes::wanted(&mut self.quantity, &path(field, "quantity"))?;
        self.expected_unit_price
            .normalize(&path(field, "expected_unit_price"))
    }
}

impl Normalize for PlaceOrder {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        let lines = path(field, "lines");
        if self.lines.is_empty() {
            return Err(CodeError {
                field: lines,
                reason: "at least one line".into(),
            });
        }
        if self.lines.len() > MAX_LINES {
            return Err(CodeError {
                field: lines,
                reason: format!("{} lines; at most {MAX_LINES}", self.lines.len()),
            });
        }
        if let Some(n) = self.lines.iter().position(|l| l.line_id.trim().is_empty()) {
            return Err(CodeError {
                field: format!("{lines}[{n}].line_id"),
                reason: format!("{:?} is blank; a line needs an id", self.lines[n].line_id),
            });
        }
        if self.buyer_po.trim().is_empty() {
            return Err(CodeError {
                field: path(field, "buyer_po"),
                reason: "a purchase order number is needed".into(),
            });
        }
        self.lines.normalize(&lines)?;
        self.ship_to.normalize(&path(field, "ship_to"))?;
        self.bill_to.normalize(&path(field, "bill_to"))?;
        self.max_total.normalize(&path(field, "max_total"))
    }
}

impl From<wire::PlaceOrder> for PlaceOrder {
    fn from(o: wire::PlaceOrder) -> Self {
        PlaceOrder {
            supplier: o.supplier,
            buyer_po: o.buyer_po,
            quote_id: o.quote_id,
            lines: o.lines.into_iter().map(Into::into).collect(),
            ship_to: o.ship_to.into(),
            bill_to: o.bill_to.map(Into::into),
            fulfillment_option_id: o.fulfillment_option_id,
            requested_delivery: o.requested_delivery.map(Into::into),
            partial_delivery: o.partial_delivery.into(),
            max_total: o.max_total.into(),
            payment: o.payment.into(),
            notes: o.notes,
            deadline_ms: o.deadline_ms,
        }
    }
}

impl From<PlaceOrder> for wire::PlaceOrder {
    fn from(o: PlaceOrder) -> Self {
        wire::PlaceOrder {
            supplier: o.supplier,
            buyer_po: o.buyer_po,
            quote_id: o.quote_id,
            lines: o.lines.into_iter().map(Into::into).collect(),
            ship_to: o.ship_to.into(),
            bill_to: o.bill_to.map(Into::into),
            fulfillment_option_id: o.fulfillment_option_id,
            requested_delivery: o.requested_delivery.map(Into::into),
            partial_delivery: o.partial_delivery.into(),
            max_total: o.max_total.into(),
            payment: o.payment.into(),
            notes: o.notes,
            deadline_ms: o.deadline_ms,
        }
    }
}

/// A cancellation (`POST /v1/orders/{supplier}/{order_id}/cancel`, with an
/// `Idempotency-Key`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Lines to cancel; empty cancels the whole order.
    #[serde(default)]
    pub line_ids: Vec<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A return in the contract's terms ([`wire::ReturnBody`] as the desk sends it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// What goes back (1 or more lines).
    pub lines: Vec<ReturnLine>,
    /// Free text for the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl From<wire::ReturnBody> for ReturnBody {
    fn from(r: wire::ReturnBody) -> Self {
        ReturnBody {
            lines: r.lines.into_iter().map(Into::into).collect(),
            notes: r.notes,
        }
    }
}

impl Normalize for ReturnLine {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        self.quantity.normalize(&path(field, "quantity"))
    }
}

impl Normalize for ReturnBody {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        let lines = path(field, "lines");
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(CodeError {
                field: lines,
                reason: format!("{} lines; 1 to {MAX_LINES}", self.lines.len()),
            });
        }
        self.lines.normalize(&lines)
    }
}
