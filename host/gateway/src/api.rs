//! The gateway's request and response bodies: what a machine client sends and gets back over
//! HTTP, MCP and the CLI. Catalogue, quote and order data are the host's public mirror of the
//! contract's types ([`crate::wire`]), so every front end shows the same data with the same
//! schema, and the WIT can change without changing it.
//!
//! Representation, stated once in [`crate::wire`] and used everywhere: `snake_case` field
//! names, enum values and error codes; variants as objects with a `kind`; money in integer
//! minor units; quantities in steps of a UN/CEFACT unit; timestamps in Unix milliseconds.
//! Currencies and units are never converted: a mismatch is reported.

use crate::codes::{CodeError, Normalize, optional_country, optional_currency, path};
use crate::wire::{
    Address, AvailabilityRequest, Capabilities, CatalogItem, CommerceError, ItemRef, Money,
    OrderEvent, Price, Quantity, QuoteRequest,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::desk::{ApprovalView, ApprovalsResponse, CancelBody};
pub use crate::desk::{ItemRuleView, MandateBudget, MandateView, MandatesResponse};
pub use crate::wire::{PlaceOrder, ReturnBody};

/// The mime type of error bodies (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every error code a caller can match on: the contract's commerce errors, the host's call
/// errors, and the gateway's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The supplier found the request invalid (a field is named).
    InvalidRequest,
    /// The item, quote or order does not exist.
    NotFound,
    /// The supplier refused the host's credentials.
    Unauthorized,
    /// The supplier does not allow this for this buyer.
    Forbidden,
    /// Not enough stock.
    OutOfStock,
    /// Quantity below the minimum, off the increment, or above the maximum.
    QuantityRule,
    /// The price moved from what was expected.
    PriceChanged,
    /// The quote is no longer valid.
    QuoteExpired,
    /// Cannot deliver to the address.
    Undeliverable,
    /// The payment was declined.
    PaymentDeclined,
    /// A person must continue the purchase.
    HumanRequired,
    /// The idempotency key was used with a different request.
    IdempotencyConflict,
    /// The same request is still running; retry after the hint.
    InProgress,
    /// The supplier is rate limiting; retry after the hint.
    RateLimited,
    /// The supplier is down; retry after the hint.
    SupplierUnavailable,
    /// The supplier rejected the request for a business reason.
    SupplierRejected,
    /// The supplier or adapter does not offer this operation.
    Unsupported,
    /// The adapter reported an internal error.
    Internal,
    /// The adapter did not answer within the deadline.
    Timeout,
    /// The adapter hit a sandbox limit (memory, fuel, stack, …).
    ResourceLimit,
    /// The adapter crashed.
    AdapterFault,
    /// The adapter's answer broke the contract and was not passed on.
    InvalidOutput,
    /// The request is larger than an adapter may be given.
    RequestTooLarge,
    /// The adapter is suspended after repeated faults; retry after the hint.
    CircuitOpen,
    /// This supplier has its share of the host's call slots in use; retry after the hint.
    SupplierBusy,
    /// No valid API key or bearer token was presented.
    Unauthenticated,
    /// The client may not do this.
    ClientForbidden,
    /// The request is malformed (body, parameters or headers).
    BadRequest,
    /// No adapter is loaded for the named supplier.
    UnknownSupplier,
    /// A mutating call came without an `Idempotency-Key` header.
    IdempotencyKeyRequired,
    /// Every adapter call slot is busy; retry after the hint.
    Busy,
    /// No such route.
    RouteNotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// The request body is larger than the gateway accepts.
    PayloadTooLarge,
    /// The request's URI (path and query) is longer than the gateway accepts.
    UriTooLong,
    /// The request's headers are more or larger than the gateway accepts.
    HeadersTooLarge,
    /// The request body is not of a media type the route accepts.
    UnsupportedMediaType,
    /// The ledger could not record the call; nothing was sent to a supplier.
    LedgerUnavailable,
    /// The client's spend mandate does not allow the order; nothing was sent.
    MandateDenied,
    /// The order needs a person's approval under the client's mandate; nothing was sent.
    ApprovalRequired,
    /// A person rejected the order; nothing was sent (or the held order was cancelled).
    ApprovalRejected,
    /// The order's `max_total` is not above zero, in another currency than the order is
    /// priced in, or below what the quote or the supplier's prices say it costs (`cap` says
    /// which); nothing was sent.
    CapRefused,
    /// The supplier's order broke its cap, quote or mandate (`breach` says how) and the host
    /// cancelled it; nothing is owed (`order` names it).
    OrderCancelledByHost,
    /// The supplier's order broke its cap, quote or mandate (`breach` says how) and waits for
    /// a person as approval `approval_id` (`order` names it).
    OrderHeldForReview,
    /// The supplier refused to cancel; the order stands (`order` names it).
    CancelRefused,
    /// The gateway has as many client connections open as it allows; retry after the hint.
    TooManyConnections,
}

impl ErrorCode {
    /// The name as it appears in JSON (`"out_of_stock"`).
    pub fn as_str(self) -> &'static str {
        // The host's internal names are the WIT's kebab-case ones; the API's are snake_case.
        ALL_CODES
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or("internal", |(_, _, name)| *name)
    }

    /// The code of a host or commerce error's internal name (`CallError::code`,
    /// `"out-of-stock"`).
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ALL_CODES
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(c, _, _)| *c)
    }
}

/// Every code with its internal (WIT) name and its JSON name, for lookups both ways.
const ALL_CODES: [(ErrorCode, &str, &str); 46] = [
    (
        ErrorCode::InvalidRequest,
        "invalid-request",
        "invalid_request",
    ),
    (ErrorCode::NotFound, "not-found", "not_found"),
    (ErrorCode::Unauthorized, "unauthorized", "unauthorized"),
    (ErrorCode::Forbidden, "forbidden", "forbidden"),
    (ErrorCode::OutOfStock, "out-of-stock", "out_of_stock"),
    (ErrorCode::QuantityRule, "quantity-rule", "quantity_rule"),
    (ErrorCode::PriceChanged, "price-changed", "price_changed"),
    (ErrorCode::QuoteExpired, "quote-expired", "quote_expired"),
    (ErrorCode::Undeliverable, "undeliverable", "undeliverable"),
    (
        ErrorCode::PaymentDeclined,
        "payment-declined",
        "payment_declined",
    ),
    (ErrorCode::HumanRequired, "human-required", "human_required"),
    (
        ErrorCode::IdempotencyConflict,
        "idempotency-conflict",
        "idempotency_conflict",
    ),
    (ErrorCode::InProgress, "in-progress", "in_progress"),
    (ErrorCode::RateLimited, "rate-limited", "rate_limited"),
    (
        ErrorCode::SupplierUnavailable,
        "supplier-unavailable",
        "supplier_unavailable",
    ),
    (
        ErrorCode::SupplierRejected,
        "supplier-rejected",
        "supplier_rejected",
    ),
    (ErrorCode::Unsupported, "unsupported", "unsupported"),
    (ErrorCode::Internal, "internal", "internal"),
    (ErrorCode::Timeout, "timeout", "timeout"),
    (ErrorCode::ResourceLimit, "resource-limit", "resource_limit"),
    (ErrorCode::AdapterFault, "adapter-fault", "adapter_fault"),
    (ErrorCode::InvalidOutput, "invalid-output", "invalid_output"),
    (
        ErrorCode::RequestTooLarge,
        "request-too-large",
        "request_too_large",
    ),
    (ErrorCode::CircuitOpen, "circuit-open", "circuit_open"),
    (ErrorCode::SupplierBusy, "supplier-busy", "supplier_busy"),
    (
        ErrorCode::Unauthenticated,
        "unauthenticated",
        "unauthenticated",
    ),
    (
        ErrorCode::ClientForbidden,
        "client-forbidden",
        "client_forbidden",
    ),
    (ErrorCode::BadRequest, "bad-request", "bad_request"),
    (
        ErrorCode::UnknownSupplier,
        "unknown-supplier",
        "unknown_supplier",
    ),
    (
        ErrorCode::IdempotencyKeyRequired,
        "idempotency-key-required",
        "idempotency_key_required",
    ),
    (ErrorCode::Busy, "busy", "busy"),
    (
        ErrorCode::RouteNotFound,
        "route-not-found",
        "route_not_found",
    ),
    (
        ErrorCode::MethodNotAllowed,
        "method-not-allowed",
        "method_not_allowed",
    ),
    (
        ErrorCode::PayloadTooLarge,
        "payload-too-large",
        "payload_too_large",
    ),
    (ErrorCode::UriTooLong, "uri-too-long", "uri_too_long"),
    (
        ErrorCode::HeadersTooLarge,
        "headers-too-large",
        "headers_too_large",
    ),
    (
        ErrorCode::UnsupportedMediaType,
        "unsupported-media-type",
        "unsupported_media_type",
    ),
    (
        ErrorCode::LedgerUnavailable,
        "ledger-unavailable",
        "ledger_unavailable",
    ),
    (ErrorCode::MandateDenied, "mandate-denied", "mandate_denied"),
    (
        ErrorCode::ApprovalRequired,
        "approval-required",
        "approval_required",
    ),
    (
        ErrorCode::ApprovalRejected,
        "approval-rejected",
        "approval_rejected",
    ),
    (ErrorCode::CapRefused, "cap-refused", "cap_refused"),
    (
        ErrorCode::OrderCancelledByHost,
        "order-cancelled-by-host",
        "order_cancelled_by_host",
    ),
    (
        ErrorCode::OrderHeldForReview,
        "order-held-for-review",
        "order_held_for_review",
    ),
    (ErrorCode::CancelRefused, "cancel-refused", "cancel_refused"),
    (
        ErrorCode::TooManyConnections,
        "too-many-connections",
        "too_many_connections",
    ),
];

/// An error as RFC 9457 problem details, extended with the typed code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:mercato:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The typed error code to match on.
    pub code: ErrorCode,
    /// The supplier whose adapter produced the error, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// When a retry may succeed (also sent as `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The supplier's commerce error with its structured details (shortfalls, price changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commerce: Option<CommerceError>,
    /// The mandate rule that refused the order or asks for approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_rule: Option<crate::mandate::Rule>,
    /// The approval the order waits for (`/v1/approvals/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Why the order's `max_total` was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<crate::desk::CapRefusal>,
    /// The order at the supplier the problem is about: it exists there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<crate::desk::OrderRef>,
    /// How the supplier's order broke its cap, quote or mandate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breach: Option<crate::desk::Breach>,
    /// The request's id (also the `X-Request-Id` header): the host's log has the full
    /// detail under it, including any supplier address left out of `detail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One supplier's error inside a fan-out response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupplierError {
    /// The typed error code.
    pub code: ErrorCode,
    /// What went wrong.
    pub detail: String,
    /// When a retry may succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The supplier's commerce error with its structured details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commerce: Option<CommerceError>,
}

/// One supplier's answer in a fan-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SupplierAnswer_for_{T}")]
pub struct SupplierAnswer<T> {
    /// The supplier.
    pub supplier: String,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
    /// What it answered.
    pub answer: T,
}

/// One supplier's failure in a fan-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupplierFailure {
    /// The supplier.
    pub supplier: String,
    /// How long it took to fail, in milliseconds.
    pub elapsed_ms: u64,
    /// Why there is no answer.
    pub error: SupplierError,
}

/// A supplier that was not asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SkippedSupplier {
    /// The supplier.
    pub supplier: String,
    /// Why.
    pub reason: SkipReason,
    /// In words.
    pub detail: String,
}

/// Why a supplier was not asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// It does not offer the operation.
    Capability,
    /// It does not sell in the request's currency.
    Currency,
    /// It does not ship to the request's country.
    Country,
    /// The request named other suppliers.
    NotSelected,
}

/// Every supplier's part of one fan-out: answers, typed errors, and who was not asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "FanOutResponse_for_{T}")]
pub struct FanOutResponse<T> {
    /// Suppliers that answered, in registration order.
    pub answers: Vec<SupplierAnswer<T>>,
    /// Suppliers that were asked and failed.
    pub errors: Vec<SupplierFailure>,
    /// Suppliers not asked, and why.
    pub skipped: Vec<SkippedSupplier>,
    /// Wall time of the whole fan-out, in milliseconds.
    pub elapsed_ms: u64,
}

impl<T> FanOutResponse<T> {
    /// The same fan-out with each answer turned into another form.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> FanOutResponse<U> {
        FanOutResponse {
            answers: self
                .answers
                .into_iter()
                .map(|a| SupplierAnswer {
                    supplier: a.supplier,
                    elapsed_ms: a.elapsed_ms,
                    answer: f(a.answer),
                })
                .collect(),
            errors: self.errors,
            skipped: self.skipped,
            elapsed_ms: self.elapsed_ms,
        }
    }
}

/// Where a request applies: its currency, ship-to country and suppliers. The client's
/// defaults from the host policy fill what is left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// ISO 4217 currency the buyer pays in; suppliers not selling in it are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::wire::CurrencyCode>")]
    pub currency: Option<String>,
    /// ISO 3166-1 alpha-2 ship-to country; suppliers not shipping there are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::wire::CountryCode>")]
    pub country: Option<String>,
    /// Only ask these suppliers (default: every eligible one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 100))]
    pub suppliers: Option<Vec<String>>,
    /// Answer within this many milliseconds at most (capped by the host's request deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
}

/// `POST /v1/search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Free text, matched by each supplier its own way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Category codes to restrict to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Only items in stock.
    #[serde(default)]
    pub in_stock_only: bool,
    /// Items per supplier (1–100, default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: Option<u32>,
    /// Next pages: the `next_cursor` each supplier returned. When given, only those
    /// suppliers are asked.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub cursors: std::collections::BTreeMap<String, String>,
    /// Currency, country, suppliers, deadline.
    #[serde(default)]
    pub scope: Scope,
}

/// `POST /v1/items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemsRequest {
    /// The items, by SKU, GTIN, MPN or buyer part number (1–100).
    #[schemars(length(max = 100))]
    pub refs: Vec<ItemRef>,
    /// Currency, country, suppliers, deadline.
    #[serde(default)]
    pub scope: Scope,
}

/// `POST /v1/availability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityBody {
    /// Lines to check (1–100).
    #[schemars(length(max = 100))]
    pub lines: Vec<AvailabilityRequest>,
    /// Where the goods would go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
    /// Currency, country, suppliers, deadline.
    #[serde(default)]
    pub scope: Scope,
}

/// `POST /v1/offers`: search every supplier and rank what they offer for a wanted quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffersRequest {
    /// What to look for.
    pub text: String,
    /// How much is wanted, in the unit prices are compared in.
    #[schemars(with = "crate::wire::WantedQuantity")]
    pub quantity: Quantity,
    /// Only items whose title contains every one of these words (case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_match: Vec<String>,
    /// Items per page each supplier is asked for (1–100, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: Option<u32>,
    /// Pages per supplier to look at, following each supplier's cursor (1–10, default 3).
    /// Suppliers with more left are listed in `truncated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10))]
    pub max_pages: Option<u32>,
    /// Currency (required here, from the body or the client's default), country, suppliers,
    /// and a deadline for all the pages together.
    #[serde(default)]
    pub scope: Scope,
}

/// One ranked offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OfferView {
    /// Rank, 1 = best.
    pub rank: u32,
    /// The supplier.
    pub supplier: String,
    /// The catalogue item.
    pub item: CatalogItem,
    /// The quantity to order: the wanted quantity rounded up to the item's order rules.
    pub quantity: Quantity,
    /// The tier price that quantity reaches.
    pub unit_price: Price,
    /// Price of the line.
    pub line_total: Money,
    /// Days until it ships: 0 when stock covers the quantity; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ships_in_days: Option<u32>,
    /// Quantity on hand in the sale unit, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<u64>,
    /// Whether this supplier takes orders through the host (`place_order` in its
    /// capabilities); an offer from one that does not is for reference only.
    pub orderable: bool,
}

/// An item that could not be offered, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OfferProblemView {
    /// The supplier.
    pub supplier: String,
    /// The supplier's SKU.
    pub sku: String,
    /// What kept it out.
    pub code: OfferProblemCode,
    /// In words.
    pub detail: String,
}

/// Why an item could not be ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferProblemCode {
    /// No price tier applies to the quantity.
    NoPrice,
    /// Priced in another currency (never converted).
    CurrencyMismatch,
    /// Sold in a unit the wanted quantity cannot be expressed in.
    UnitMismatch,
    /// Its data breaks the contract's rules.
    Invalid,
}

/// The answer of `POST /v1/offers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OffersResponse {
    /// Best first: tier-aware unit price, then ship time, then stock.
    pub offers: Vec<OfferView>,
    /// Items left out (another currency or unit, no applicable price), never converted.
    pub problems: Vec<OfferProblemView>,
    /// Suppliers that failed.
    pub errors: Vec<SupplierFailure>,
    /// Suppliers not asked.
    pub skipped: Vec<SkippedSupplier>,
    /// Suppliers that had more items than the pages looked at (`max_pages`, or the deadline,
    /// was reached first): those items were not ranked. Ask again with more pages or narrower
    /// text.
    pub truncated: Vec<String>,
    /// Wall time, in milliseconds.
    pub elapsed_ms: u64,
}

/// `POST /v1/quotes`: the same request to every eligible supplier, or the named ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotesRequest {
    /// What to quote. Its ship-to country and currency decide which suppliers are eligible.
    pub request: QuoteRequest,
    /// Only ask these suppliers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppliers: Option<Vec<String>>,
    /// Answer within this many milliseconds at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
}

/// The limits an adapter runs under, as the gateway lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LimitsView {
    /// Wall-clock limit per call, in milliseconds.
    pub call_timeout_ms: u64,
    /// Linear memory per instance, in bytes.
    pub memory_bytes: u64,
    /// Instruction budget per call, if metered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// Outbound HTTP requests per call.
    pub outbound_requests: u32,
    /// Largest upstream response body, in bytes.
    pub response_body_bytes: u64,
    /// Largest request handed to the adapter, in bytes.
    pub input_bytes: u64,
    /// Largest answer accepted from the adapter, in bytes.
    pub output_bytes: u64,
}

/// A loaded supplier adapter: who, what it can do, where it may connect, and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupplierView {
    /// The supplier id.
    pub supplier: String,
    /// Its name for people.
    pub display_name: String,
    /// The adapter's own version.
    pub adapter_version: String,
    /// Contract version the adapter was built against ("0.1.0"); older ones are served too.
    pub contract_version: String,
    /// Upstream protocols it speaks (`rest-json`, `ubl-2.1`, …).
    pub protocols: Vec<String>,
    /// What it offers.
    pub capabilities: Capabilities,
    /// Currencies it sells in.
    pub currencies: Vec<String>,
    /// Countries it ships to.
    pub ship_to_countries: Vec<String>,
    /// Most lines per order, if limited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_lines_per_order: Option<u32>,
    /// SHA-256 of the component.
    pub digest: String,
    /// Who signed it (a key the host trusts), or `unsigned`.
    pub signed_by: String,
    /// Hosts it may call.
    pub outbound_hosts: Vec<String>,
    /// Its per-call limits.
    pub limits: LimitsView,
    /// `closed` (calls flow) or `open` (suspended after repeated faults).
    pub breaker: String,
    /// What its connection check last said.
    pub readiness: Readiness,
}

/// `GET /v1/suppliers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SuppliersResponse {
    /// Every loaded supplier.
    pub suppliers: Vec<SupplierView>,
}

/// `POST /v1/approvals/{id}/approve`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// A note for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `POST /v1/approvals/{id}/reject`: a reason is required, for the client and the record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why the order is rejected (not blank).
    #[schemars(regex(pattern = r"\S"))]
    pub note: String,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    /// `ok`, or `degraded` while a supplier fails its connection check (the host still
    /// serves the others).
    pub status: HealthStatus,
    /// Adapters loaded.
    pub adapters: u32,
    /// How many suppliers are in each readiness state.
    pub readiness: ReadinessCounts,
    /// Each supplier's readiness; only for a request with a client's API key, because which
    /// suppliers a host uses is its integrator's business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppliers: Option<Vec<SupplierReadiness>>,
    /// The host's version.
    pub version: String,
    /// The contract version adapters are called with.
    pub contract: String,
}

/// The host's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Every supplier passed its connection check, has none, or is not checked yet.
    Ok,
    /// At least one supplier fails its connection check.
    Degraded,
}

/// How many suppliers are in each readiness state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReadinessCounts {
    /// Passed their last connection check.
    pub ready: u32,
    /// Failed it.
    pub failing: u32,
    /// Have nothing to check.
    pub not_checkable: u32,
    /// Not checked yet.
    pub unchecked: u32,
}

/// One supplier's readiness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupplierReadiness {
    /// The supplier id.
    pub supplier: String,
    /// What its connection check last said.
    pub readiness: Readiness,
}

/// What a supplier's connection check (its endpoint and the credentials the host attaches)
/// last said. The host checks at start, after a reload, and each minute while failing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Readiness {
    /// Not checked yet.
    Unchecked,
    /// The check passed.
    Ready {
        /// When, in milliseconds since the Unix epoch.
        checked_at_ms: i64,
    },
    /// The adapter has nothing to check.
    NotCheckable,
    /// The check failed; the detail is in the host's log.
    Failing {
        /// The error's code, as in problem details (`unauthorized`, `timeout`, …).
        code: ErrorCode,
        /// Failing since, in milliseconds since the Unix epoch.
        since_ms: i64,
    },
}

/// What an inbound supplier document turned into (when the adapter sends no reply document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InboundAccepted {
    /// The supplier.
    pub supplier: String,
    /// Order, shipment and invoice events the document carried.
    pub events: Vec<OrderEvent>,
}

impl Normalize for Scope {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        optional_currency(&path(field, "currency"), &mut self.currency)?;
        optional_country(&path(field, "country"), &mut self.country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_serde_name_in_the_table() {
        for (code, internal, name) in ALL_CODES {
            assert_eq!(serde_json::to_value(code).unwrap(), name);
            assert_eq!(code.as_str(), name);
            assert_eq!(ErrorCode::from_name(internal), Some(code));
            assert_eq!(internal.replace('-', "_"), name);
        }
    }
}

/// `GET /v1/suppliers`' filters (query parameters), both optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierFilter {
    /// Only suppliers that sell in this ISO 4217 currency (`EUR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::wire::CurrencyCode>")]
    pub currency: Option<String>,
    /// Only suppliers that ship to this ISO 3166-1 alpha-2 country (`DE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::wire::CountryCode>")]
    pub country: Option<String>,
}

/// A quote of one supplier (path parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRef {
    /// Supplier id (`voltaic`), as `/v1/suppliers` and every fan-out answer name it.
    #[schemars(length(min = 1, max = 256))]
    pub supplier: String,
    /// The supplier's quote id (`quote_id` of a quote).
    #[schemars(length(min = 1, max = 256))]
    pub quote_id: String,
}

/// An order of one supplier (path parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    /// Supplier id (`voltaic`), as `/v1/suppliers` and every fan-out answer name it.
    #[schemars(length(min = 1, max = 256))]
    pub supplier: String,
    /// The supplier's order id (`order_id` of an order) or the buyer PO.
    #[schemars(length(min = 1, max = 256))]
    pub order_id: String,
}

/// An approval (path parameter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRef {
    /// The approval's id (`apr-…`), as a refusal with code `approval_required` names it.
    #[schemars(length(min = 1, max = 256))]
    pub approval_id: String,
}

/// A supplier (path parameter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierRef {
    /// Supplier id (`voltaic`), as `/v1/suppliers` names it.
    #[schemars(length(min = 1, max = 256))]
    pub supplier: String,
}
