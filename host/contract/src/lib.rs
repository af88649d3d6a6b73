//! The supplier contract's data types as plain Rust values.
//!
//! The types follow the latest contract version's WIT one for one (generated into
//! by `codegen.rs` when the crate builds; the runtime's `adapter/cross` moves values between them and wasmtime's
//! bindings). So the broker, the order desk, the ledger and the gateways pass contract values
//! around without depending on the runtime. Their JSON form is the one the ledger stores.
#![deny(missing_docs)]
#![deny(unsafe_code)]

#[allow(
    missing_docs,
    reason = "the WIT's documentation is carried over where it has any"
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/contract.rs"));
}

pub use generated::*;

pub mod supplier;
pub mod validate;

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

/// As wasmtime's bindings print it: the case and its payload.
impl std::fmt::Display for CommerceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for CommerceError {}
