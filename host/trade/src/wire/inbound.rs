//! What a document a supplier pushes tells the buyer.

#[allow(unused_imports, reason = "each file takes what it names")]
use super::*;
use crate::contract as c;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a document tells the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderEvent {
    /// An order changed (acknowledgement, line status, cancellation).
    OrderUpdated {
        /// The order as it now stands.
        order: Order,
    },
    /// A shipment was created or moved.
    ShipmentUpdated {
        /// The shipment as it now stands.
        shipment: Shipment,
    },
    /// An invoice or credit note was issued.
    InvoiceIssued {
        /// The invoice or credit note.
        invoice: Invoice,
    },
}

impl From<c::OrderEvent> for OrderEvent {
    fn from(v: c::OrderEvent) -> Self {
        match v {
            c::OrderEvent::OrderUpdated(v) => OrderEvent::OrderUpdated { order: v.into() },
            c::OrderEvent::ShipmentUpdated(v) => OrderEvent::ShipmentUpdated { shipment: v.into() },
            c::OrderEvent::InvoiceIssued(v) => OrderEvent::InvoiceIssued { invoice: v.into() },
        }
    }
}

impl From<OrderEvent> for c::OrderEvent {
    fn from(v: OrderEvent) -> Self {
        match v {
            OrderEvent::OrderUpdated { order } => c::OrderEvent::OrderUpdated(order.into()),
            OrderEvent::ShipmentUpdated { shipment } => {
                c::OrderEvent::ShipmentUpdated(shipment.into())
            }
            OrderEvent::InvoiceIssued { invoice } => c::OrderEvent::InvoiceIssued(invoice.into()),
        }
    }
}
