//! The contract's data types as the host sees them, re-exported from the bindings of the
//! latest contract version under short names.
//!
//! These are plain data (no wasmtime handles), so the broker, ledger and gateways use them
//! without touching the runtime.

pub use crate::wit::latest::exports::mercato::supplier::adapter_info::{
    AdapterProfile, Capabilities,
};
pub use crate::wit::latest::exports::mercato::supplier::catalog::{
    AvailabilityAnswer, AvailabilityRequest, SearchPage, SearchQuery,
};
pub use crate::wit::latest::exports::mercato::supplier::inbound::{
    InboundDocument, InboundResult, OrderEvent,
};
pub use crate::wit::latest::exports::mercato::supplier::ordering::{
    AckStatus, AuthorizationEvidence, CancelOutcome, CancelRequest, CancelStatus, DelegatedToken,
    Invoice, InvoiceLine, InvoiceStatus, Order, OrderLine, OrderLineRequest, OrderRequest,
    OrderStatus, PartialDelivery, PaymentInstruction, ReturnAuthorization, ReturnLine,
    ReturnReason, ReturnRequest, ReturnStatus, Shipment, ShipmentLine, ShipmentStatus,
    TrackingEvent,
};
pub use crate::wit::latest::exports::mercato::supplier::quoting::{
    Quote, QuoteLine, QuoteLineRequest, QuoteRequest, QuoteStatus,
};
pub use crate::wit::latest::mercato::supplier::types::{
    Address, Availability, BuyerContext, CallContext, CatalogItem, Charge, ChargeKind,
    Classification, CommerceError, Contact, Decimal, Escalation, FieldError, FulfillmentMethod,
    FulfillmentOption, ItemIds, ItemRef, LineStatus, Message, Money, MpnRef, OrderRules,
    PaymentTerm, Price, PriceChange, PriceTier, Quantity, QuantityViolation, Rejection, Resolution,
    Restock, RetryHint, Severity, Shortfall, StockStatus, TimeWindow, Timestamp, Totals,
};

use mercato_sdk::exact;
use std::time::{SystemTime, UNIX_EPOCH};

/// The host's wall clock as a contract [`Timestamp`]: milliseconds since the Unix epoch (0
/// for a clock set before 1970).
pub fn now_ms() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl CommerceError {
    /// Stable machine-readable name of the case, as in the WIT (`"out-of-stock"`).
    pub fn code(&self) -> &'static str {
        match self {
            CommerceError::InvalidRequest(_) => "invalid-request",
            CommerceError::NotFound(_) => "not-found",
            CommerceError::Unauthorized(_) => "unauthorized",
            CommerceError::Forbidden(_) => "forbidden",
            CommerceError::OutOfStock(_) => "out-of-stock",
            CommerceError::QuantityRule(_) => "quantity-rule",
            CommerceError::PriceChanged(_) => "price-changed",
            CommerceError::QuoteExpired(_) => "quote-expired",
            CommerceError::Undeliverable(_) => "undeliverable",
            CommerceError::PaymentDeclined(_) => "payment-declined",
            CommerceError::HumanRequired(_) => "human-required",
            CommerceError::IdempotencyConflict(_) => "idempotency-conflict",
            CommerceError::InProgress(_) => "in-progress",
            CommerceError::RateLimited(_) => "rate-limited",
            CommerceError::SupplierUnavailable(_) => "supplier-unavailable",
            CommerceError::SupplierRejected(_) => "supplier-rejected",
            CommerceError::Unsupported(_) => "unsupported",
            CommerceError::Internal(_) => "internal",
        }
    }

    /// The retry hint of the retryable cases.
    pub fn retry_hint(&self) -> Option<&RetryHint> {
        match self {
            CommerceError::InProgress(h)
            | CommerceError::RateLimited(h)
            | CommerceError::SupplierUnavailable(h) => Some(h),
            _ => None,
        }
    }
}

impl Quantity {
    /// `n` pieces (UN/CEFACT "C62").
    pub fn pieces(n: u64) -> Self {
        Quantity {
            steps: n,
            unit: "C62".to_string(),
            scale: 0,
        }
    }

    /// The exact form, for arithmetic.
    pub fn to_exact(&self) -> Result<exact::Quantity, exact::ExactError> {
        exact::Quantity::new(self.steps, exact::Unit::parse(&self.unit)?, self.scale)
    }
}

impl From<&exact::Quantity> for Quantity {
    fn from(q: &exact::Quantity) -> Self {
        Quantity {
            steps: q.steps(),
            unit: q.unit().code().to_string(),
            scale: q.scale(),
        }
    }
}

impl QuoteLine {
    /// The order line that accepts this quote line: same line id, item, offer token and
    /// quantity, refusing any price other than the one quoted.
    pub fn to_order_line(&self) -> OrderLineRequest {
        OrderLineRequest {
            line_id: self.line_id.clone(),
            item: ItemRef::Sku(self.item.supplier_sku.clone()),
            offer_token: self.item.offer_token.clone(),
            quantity: self.quantity.clone(),
            expected_unit_price: Some(self.unit_price.clone()),
        }
    }
}

impl OrderRules {
    /// The exact form, for arithmetic.
    pub fn to_exact(&self) -> Result<exact::OrderRules, exact::ExactError> {
        let exact = |q: &Option<Quantity>| q.as_ref().map(Quantity::to_exact).transpose();
        Ok(exact::OrderRules {
            minimum: exact(&self.minimum)?,
            increment: exact(&self.increment)?,
            maximum: exact(&self.maximum)?,
        })
    }
}

impl Decimal {
    /// The exact form, for arithmetic.
    pub fn to_exact(&self) -> Result<exact::Decimal, exact::ExactError> {
        exact::Decimal::new(self.mantissa, self.scale)
    }
}

impl From<exact::Decimal> for Decimal {
    fn from(d: exact::Decimal) -> Self {
        Decimal {
            mantissa: d.mantissa(),
            scale: d.scale(),
        }
    }
}

impl Price {
    /// The exact form, for arithmetic.
    pub fn to_exact(&self) -> Result<exact::UnitPrice, exact::ExactError> {
        Ok(exact::UnitPrice {
            currency: exact::Currency::parse(&self.currency)?,
            amount: self.amount.to_exact()?,
            basis: self.basis.to_exact()?,
        })
    }
}

impl Money {
    /// The exact form, for arithmetic.
    pub fn to_exact(&self) -> Result<exact::Money, exact::ExactError> {
        Ok(exact::Money::new(
            exact::Currency::parse(&self.currency)?,
            self.minor,
        ))
    }
}

impl From<exact::Money> for Money {
    fn from(m: exact::Money) -> Self {
        Money {
            currency: m.currency().code().to_string(),
            minor: m.minor(),
        }
    }
}

impl Capabilities {
    /// Names of the set flags, as in the WIT (`"instant-quote"`).
    pub fn names(&self) -> Vec<&'static str> {
        CAPABILITY_NAMES
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name)
            .collect()
    }
}

/// Every capability flag with its WIT name.
pub const CAPABILITY_NAMES: [(Capabilities, &str); 15] = [
    (Capabilities::SEARCH, "search"),
    (Capabilities::BATCH_LOOKUP, "batch-lookup"),
    (Capabilities::LIVE_AVAILABILITY, "live-availability"),
    (Capabilities::PRICE_TIERS, "price-tiers"),
    (Capabilities::INSTANT_QUOTE, "instant-quote"),
    (Capabilities::ASYNC_QUOTE, "async-quote"),
    (Capabilities::PLACE_ORDER, "place-order"),
    (Capabilities::CANCEL_ORDER, "cancel-order"),
    (Capabilities::ORDER_STATUS, "order-status"),
    (Capabilities::SHIPMENT_TRACKING, "shipment-tracking"),
    (Capabilities::INVOICES, "invoices"),
    (Capabilities::RETURNS, "returns"),
    (Capabilities::INBOUND_DOCUMENTS, "inbound-documents"),
    (Capabilities::PARTIAL_DELIVERY, "partial-delivery"),
    (Capabilities::SUBSTITUTIONS, "substitutions"),
];

/// Capabilities travel as a list of their WIT names (`["search", "instant-quote"]`).
impl serde::Serialize for Capabilities {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> serde::Deserialize<'de> for Capabilities {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names.iter().try_fold(Capabilities::empty(), |acc, name| {
            CAPABILITY_NAMES
                .iter()
                .find(|(_, n)| n == name)
                .map(|(flag, _)| acc | *flag)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown capability {name:?}")))
        })
    }
}

/// In JSON, capabilities are a list of their WIT names.
impl schemars::JsonSchema for Capabilities {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Capabilities".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = CAPABILITY_NAMES.iter().map(|(_, n)| *n).collect();
        schemars::json_schema!({
            "type": "array",
            "description": "What the adapter offers, by WIT capability name.",
            "items": { "type": "string", "enum": names },
            "uniqueItems": true
        })
    }
}

/// The capabilities of an adapter built against contract 0.1, flag by flag (0.2 kept every
/// flag of 0.1).
pub mod v0_1 {
    use super::Capabilities;
    use crate::wit::since_v0_1_0::exports::mercato::supplier::adapter_info::Capabilities as Old;

    const FLAGS: [(Old, Capabilities); 15] = [
        (Old::SEARCH, Capabilities::SEARCH),
        (Old::BATCH_LOOKUP, Capabilities::BATCH_LOOKUP),
        (Old::LIVE_AVAILABILITY, Capabilities::LIVE_AVAILABILITY),
        (Old::PRICE_TIERS, Capabilities::PRICE_TIERS),
        (Old::INSTANT_QUOTE, Capabilities::INSTANT_QUOTE),
        (Old::ASYNC_QUOTE, Capabilities::ASYNC_QUOTE),
        (Old::PLACE_ORDER, Capabilities::PLACE_ORDER),
        (Old::CANCEL_ORDER, Capabilities::CANCEL_ORDER),
        (Old::ORDER_STATUS, Capabilities::ORDER_STATUS),
        (Old::SHIPMENT_TRACKING, Capabilities::SHIPMENT_TRACKING),
        (Old::INVOICES, Capabilities::INVOICES),
        (Old::RETURNS, Capabilities::RETURNS),
        (Old::INBOUND_DOCUMENTS, Capabilities::INBOUND_DOCUMENTS),
        (Old::PARTIAL_DELIVERY, Capabilities::PARTIAL_DELIVERY),
        (Old::SUBSTITUTIONS, Capabilities::SUBSTITUTIONS),
    ];

    impl From<Old> for Capabilities {
        fn from(old: Old) -> Self {
            FLAGS
                .iter()
                .filter(|(o, _)| old.contains(*o))
                .fold(Capabilities::empty(), |acc, (_, new)| acc | *new)
        }
    }

    impl From<Capabilities> for Old {
        fn from(new: Capabilities) -> Self {
            FLAGS
                .iter()
                .filter(|(_, n)| new.contains(*n))
                .fold(Old::empty(), |acc, (old, _)| acc | *old)
        }
    }

    impl serde::Serialize for Old {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Capabilities::from(*self).serialize(serializer)
        }
    }

    impl<'de> serde::Deserialize<'de> for Old {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Capabilities::deserialize(deserializer).map(Old::from)
        }
    }
}
