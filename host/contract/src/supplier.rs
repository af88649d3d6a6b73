//! What the rest of the host knows of a supplier's adapter: its identity, the operations it
//! may be called for, how a call fails, and the [`Supplier`] trait through which the broker
//! and the order desk call it. The runtime implements the trait for a loaded WebAssembly
//! component; nothing here knows how.

use crate::*;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// SHA-256 of an adapter's unsigned component bytes: its identity, unchanged by re-signing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(hex::encode(Sha256::digest(bytes)))
    }

    /// Lower-case hex form.
    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.0)
    }
}

/// A supplier's stable id as the adapter declares it ("nordfast").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SupplierId(String);

impl SupplierId {
    /// Check the form: 1–64 characters of lower-case letters, digits and '-', starting with a
    /// letter.
    pub fn parse(s: &str) -> Result<Self, String> {
        if mercato_sdk::manifest::is_supplier_id(s) {
            Ok(SupplierId(s.to_string()))
        } else {
            Err(format!(
                "supplier id {s:?} must be 1-64 lower-case letters, digits or '-', starting with a letter"
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SupplierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The operations of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// `adapter-info.describe`.
    Describe,
    /// `adapter-info.check-connection` (since contract 0.2).
    CheckConnection,
    /// `catalog.search`.
    Search,
    /// `catalog.get-items`.
    GetItems,
    /// `catalog.check-availability`.
    CheckAvailability,
    /// `quoting.request-quote`.
    RequestQuote,
    /// `quoting.get-quote`.
    GetQuote,
    /// `ordering.place-order`.
    PlaceOrder,
    /// `ordering.get-order`.
    GetOrder,
    /// `ordering.cancel-order`.
    CancelOrder,
    /// `ordering.list-shipments`.
    ListShipments,
    /// `ordering.list-invoices`.
    ListInvoices,
    /// `ordering.request-return`.
    RequestReturn,
    /// `inbound.handle-inbound`.
    HandleInbound,
}

impl Operation {
    /// Every operation, in the contract's order.
    pub const ALL: [Operation; 14] = [
        Operation::Describe,
        Operation::CheckConnection,
        Operation::Search,
        Operation::GetItems,
        Operation::CheckAvailability,
        Operation::RequestQuote,
        Operation::GetQuote,
        Operation::PlaceOrder,
        Operation::GetOrder,
        Operation::CancelOrder,
        Operation::ListShipments,
        Operation::ListInvoices,
        Operation::RequestReturn,
        Operation::HandleInbound,
    ];

    /// The operation the WIT names `name`.
    pub fn parse(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The function's name in the WIT.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Describe => "describe",
            Operation::CheckConnection => "check-connection",
            Operation::Search => "search",
            Operation::GetItems => "get-items",
            Operation::CheckAvailability => "check-availability",
            Operation::RequestQuote => "request-quote",
            Operation::GetQuote => "get-quote",
            Operation::PlaceOrder => "place-order",
            Operation::GetOrder => "get-order",
            Operation::CancelOrder => "cancel-order",
            Operation::ListShipments => "list-shipments",
            Operation::ListInvoices => "list-invoices",
            Operation::RequestReturn => "request-return",
            Operation::HandleInbound => "handle-inbound",
        }
    }

    /// The capabilities of which one must be declared for the host to call this operation.
    pub fn capability(self) -> Option<(Capabilities, &'static str)> {
        Some(match self {
            Operation::Describe | Operation::CheckConnection => return None,
            Operation::Search => (Capabilities::SEARCH, "search"),
            Operation::GetItems => (Capabilities::BATCH_LOOKUP, "batch-lookup"),
            Operation::CheckAvailability => (Capabilities::LIVE_AVAILABILITY, "live-availability"),
            Operation::RequestQuote | Operation::GetQuote => (
                Capabilities::INSTANT_QUOTE | Capabilities::ASYNC_QUOTE,
                "instant-quote",
            ),
            Operation::PlaceOrder => (Capabilities::PLACE_ORDER, "place-order"),
            Operation::GetOrder => (Capabilities::ORDER_STATUS, "order-status"),
            Operation::CancelOrder => (Capabilities::CANCEL_ORDER, "cancel-order"),
            Operation::ListShipments => (Capabilities::SHIPMENT_TRACKING, "shipment-tracking"),
            Operation::ListInvoices => (Capabilities::INVOICES, "invoices"),
            Operation::RequestReturn => (Capabilities::RETURNS, "returns"),
            Operation::HandleInbound => (Capabilities::INBOUND_DOCUMENTS, "inbound-documents"),
        })
    }
}

/// The breaker's state, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum BreakerStatus {
    /// Calls flow; `consecutive_faults` so far.
    Closed {
        /// Faults since the last good call.
        consecutive_faults: u32,
    },
    /// Calls are refused for `retry_after_ms` more.
    Open {
        /// Time left before a trial call.
        retry_after_ms: u64,
        /// The fault that opened it.
        last_fault: String,
    },
    /// One trial call is in flight; its outcome closes or reopens the breaker.
    HalfOpen,
}

impl BreakerStatus {
    /// Every state's name, as `name` gives it.
    pub const NAMES: [&'static str; 3] = ["closed", "half_open", "open"];

    /// The state's name, for metrics.
    pub fn name(&self) -> &'static str {
        match self {
            BreakerStatus::Closed { .. } => Self::NAMES[0],
            BreakerStatus::HalfOpen => Self::NAMES[1],
            BreakerStatus::Open { .. } => Self::NAMES[2],
        }
    }
}

/// A resource an adapter call ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// Linear memory beyond the limit.
    Memory,
    /// Table elements beyond the limit.
    Table,
    /// More instances, memories or tables than allowed.
    Instances,
    /// Wasm stack overflow (deep recursion).
    Stack,
    /// The instruction budget (fuel).
    Fuel,
    /// Resource handles, or bytes handed to the host in one call.
    HostCalls,
    /// No free instance slot in the pool.
    Pool,
}

/// Why a call to an adapter returned no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The adapter answered with one of the contract's commerce errors.
    #[error("{}: {}", .0.code(), commerce_text(.0))]
    Commerce(CommerceError),
    /// The call ran past its deadline and was stopped.
    #[error("adapter call stopped after {elapsed:?} (deadline {limit:?})")]
    Timeout {
        /// How long it ran.
        elapsed: Duration,
        /// The deadline.
        limit: Duration,
    },
    /// The call hit a sandbox limit.
    #[error("adapter call hit the {kind:?} limit: {detail}")]
    ResourceLimit {
        /// Which resource.
        kind: ResourceKind,
        /// Details for the log.
        detail: String,
    },
    /// The adapter trapped (panic, unreachable, out-of-bounds access) or broke the ABI.
    #[error("adapter fault: {detail}")]
    AdapterFault {
        /// The trap and its context.
        detail: String,
    },
    /// The operation's capability is not declared, so the host does not call it.
    #[error("adapter does not declare the `{capability}` capability")]
    NotDeclared {
        /// The capability.
        capability: &'static str,
    },
    /// The adapter returned something the host refuses to pass on.
    #[error("adapter output refused: {field}: {reason}")]
    InvalidOutput {
        /// Where in the answer (`search: items[2] (M8-30).price-tiers[1].unit-price`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The adapter's answer to an order placement failed the host's checks, but names an
    /// order that exists at the supplier: the order is kept (unverified) so the host can
    /// record it, hold it for a person or cancel it, rather than lose track of it.
    #[error("adapter output refused: {reason}")]
    UnverifiedOrder {
        /// Why the answer was refused.
        reason: String,
        /// The order as the adapter answered it.
        order: Box<Order>,
    },
    /// The request is larger than the adapter may be given; it was not sent.
    #[error("request refused before reaching the adapter: {reason}")]
    RequestTooLarge {
        /// Which cap.
        reason: String,
    },
    /// This supplier already has its share of the host's call slots in use (its calls are
    /// slow, or many); the call was not made. Other suppliers are unaffected.
    #[error(
        "this supplier already has {in_flight} calls running, its share of the host; retry in {retry_after:?}"
    )]
    SupplierBusy {
        /// Its share: calls it may have running at once.
        in_flight: usize,
        /// When a retry is likely to be admitted.
        retry_after: Duration,
    },
    /// The adapter's circuit breaker is open after repeated faults.
    #[error("adapter is suspended after repeated faults; retry in {retry_after:?}")]
    CircuitOpen {
        /// When a trial call will be let through.
        retry_after: Duration,
    },
}

fn commerce_text(e: &CommerceError) -> String {
    match e {
        CommerceError::InvalidRequest(f) => format!("{} {}", f.field, f.reason),
        CommerceError::NotFound(s)
        | CommerceError::Unauthorized(s)
        | CommerceError::Forbidden(s)
        | CommerceError::QuoteExpired(s)
        | CommerceError::Undeliverable(s)
        | CommerceError::PaymentDeclined(s)
        | CommerceError::IdempotencyConflict(s)
        | CommerceError::Unsupported(s)
        | CommerceError::Internal(s) => s.clone(),
        CommerceError::OutOfStock(lines) => format!("{} line(s) short", lines.len()),
        CommerceError::QuantityRule(lines) => {
            format!("{} line(s) break quantity rules", lines.len())
        }
        CommerceError::PriceChanged(lines) => format!("{} line(s) changed price", lines.len()),
        CommerceError::HumanRequired(e) => e.reason.clone(),
        CommerceError::InProgress(h)
        | CommerceError::RateLimited(h)
        | CommerceError::SupplierUnavailable(h) => match h.retry_after_ms {
            Some(ms) => format!("retry after {ms} ms"),
            None => "retry later".to_string(),
        },
        CommerceError::SupplierRejected(r) => format!("{}: {}", r.code, r.text),
    }
}

impl CallError {
    /// Stable machine-readable name of the error (`"timeout"`, or the commerce case).
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Commerce(e) => e.code(),
            CallError::Timeout { .. } => "timeout",
            CallError::ResourceLimit { .. } => "resource-limit",
            CallError::AdapterFault { .. } => "adapter-fault",
            CallError::NotDeclared { .. } => "unsupported",
            CallError::InvalidOutput { .. } | CallError::UnverifiedOrder { .. } => "invalid-output",
            CallError::RequestTooLarge { .. } => "request-too-large",
            CallError::CircuitOpen { .. } => "circuit-open",
            CallError::SupplierBusy { .. } => "supplier-busy",
        }
    }

    /// Whether the failure is the adapter's misbehaviour (counted by the circuit breaker),
    /// as opposed to a business answer from the supplier.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            CallError::Timeout { .. }
                | CallError::ResourceLimit { .. }
                | CallError::AdapterFault { .. }
                | CallError::InvalidOutput { .. }
                | CallError::UnverifiedOrder { .. }
        )
    }
}

/// What a call to a supplier's adapter gives back, some time later.
pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>;

/// A supplier's adapter as the broker, the order desk and the gateways call it: the
/// contract's operations, each checked and bounded by whoever implements it (the runtime, for a
/// WebAssembly component), and what it is and may do.
///
/// Handles are shared as [`Adapter`]s; a call never outlives the values it borrows.
pub trait Supplier: fmt::Debug + Send + Sync + 'static {
    /// The supplier's id, as its adapter declares it.
    fn supplier(&self) -> &SupplierId;
    /// What the adapter says of itself.
    fn profile(&self) -> &AdapterProfile;
    /// The identity of the adapter's code.
    fn digest(&self) -> &Digest;
    /// What it is allowed to do, for people.
    fn card(&self) -> Card;
    /// Its circuit breaker's state.
    fn breaker(&self) -> BreakerStatus;
    /// A call of this adapter ran into the request's deadline and was abandoned: a fault for
    /// its breaker.
    fn missed_deadline(&self, limit: Duration);

    /// `adapter-info.check-connection`.
    fn check_connection<'a>(&'a self, ctx: &'a CallContext) -> Call<'a, ()>;
    /// `catalog.search`.
    fn search<'a>(&'a self, ctx: &'a CallContext, query: &'a SearchQuery) -> Call<'a, SearchPage>;
    /// `catalog.get-items`.
    fn get_items<'a>(
        &'a self,
        ctx: &'a CallContext,
        refs: &'a [ItemRef],
    ) -> Call<'a, Vec<CatalogItem>>;
    /// `catalog.check-availability`.
    fn check_availability<'a>(
        &'a self,
        ctx: &'a CallContext,
        lines: &'a [AvailabilityRequest],
        ship_to: Option<&'a Address>,
    ) -> Call<'a, Vec<AvailabilityAnswer>>;
    /// `quoting.request-quote`.
    fn request_quote<'a>(&'a self, ctx: &'a CallContext, req: &'a QuoteRequest) -> Call<'a, Quote>;
    /// `quoting.get-quote`.
    fn get_quote<'a>(&'a self, ctx: &'a CallContext, quote_id: &'a str) -> Call<'a, Quote>;
    /// `ordering.place-order`.
    fn place_order<'a>(&'a self, ctx: &'a CallContext, req: &'a OrderRequest) -> Call<'a, Order>;
    /// `ordering.get-order`.
    fn get_order<'a>(&'a self, ctx: &'a CallContext, order_id: &'a str) -> Call<'a, Order>;
    /// `ordering.cancel-order`.
    fn cancel_order<'a>(
        &'a self,
        ctx: &'a CallContext,
        req: &'a CancelRequest,
    ) -> Call<'a, CancelOutcome>;
    /// `ordering.list-shipments`.
    fn list_shipments<'a>(
        &'a self,
        ctx: &'a CallContext,
        order_id: &'a str,
    ) -> Call<'a, Vec<Shipment>>;
    /// `ordering.list-invoices`.
    fn list_invoices<'a>(
        &'a self,
        ctx: &'a CallContext,
        order_id: &'a str,
    ) -> Call<'a, Vec<Invoice>>;
    /// `ordering.request-return`.
    fn request_return<'a>(
        &'a self,
        ctx: &'a CallContext,
        req: &'a ReturnRequest,
    ) -> Call<'a, ReturnAuthorization>;
    /// `inbound.handle-inbound`.
    fn handle_inbound<'a>(
        &'a self,
        ctx: &'a CallContext,
        doc: &'a InboundDocument,
    ) -> Call<'a, InboundResult>;
}

/// A shared handle on a supplier's adapter.
pub type Adapter = std::sync::Arc<dyn Supplier>;

/// What a supplier's adapter is allowed to do, as an operator or a client is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The contract version it was built against.
    pub contract_version: &'static str,
    /// The publisher key that signed it, if a trusted one did.
    pub signed_by: Option<String>,
    /// Hosts it may reach.
    pub outbound_hosts: Vec<String>,
    /// Its sandbox limits.
    pub limits: CardLimits,
}

/// The sandbox limits on a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardLimits {
    /// How long one call may run.
    pub call_timeout: Duration,
    /// Linear memory, in bytes.
    pub memory_bytes: u64,
    /// The instruction budget of a call, if fuel is on.
    pub fuel: Option<u64>,
    /// Outbound requests per call.
    pub outbound_requests: u32,
    /// Bytes of one outbound response body.
    pub response_body_bytes: u64,
    /// Bytes of a call's arguments.
    pub input_bytes: u64,
    /// Bytes of a call's answer.
    pub output_bytes: u64,
}
