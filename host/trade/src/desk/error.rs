//! The desk's typed outcomes: why an order, a cancellation, a return or a decision did not go
//! through, each a case a caller can match on. No transport is named here; the gateway turns
//! each case into an HTTP problem, an MCP error result or a CLI exit status.

use crate::broker::admission::Busy;
use crate::contract::CommerceError;
use crate::contract::supplier::CallError;
use crate::contract::supplier::SupplierId;
use crate::mandate::Rule;
use serde::{Deserialize, Serialize};

/// The order a typed outcome is about: it exists at the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderRef {
    /// The supplier.
    pub supplier: String,
    /// The supplier's order id.
    pub order_id: String,
    /// The buyer's PO it was placed under.
    pub buyer_po: String,
}

impl std::fmt::Display for OrderRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} (PO {})",
            self.supplier, self.order_id, self.buyer_po
        )
    }
}

/// Why an order's cap is refused before anything is sent. Amounts are written as `EUR 12.34`.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CapRefusal {
    /// The cap is zero or negative.
    #[error("max_total {cap} is not above zero")]
    NotPositive {
        /// The cap.
        cap: String,
    },
    /// The cap is in another currency than the order is priced in; nothing is converted.
    #[error("max_total is in {cap}, but the order is priced in {priced}")]
    Currency {
        /// The cap's currency.
        cap: String,
        /// The currency of the quote or of the supplier's prices.
        priced: String,
    },
    /// The cap is below what the order is known to cost.
    #[error("max_total {cap} is below the {expected} the order costs ({cost_source})")]
    BelowCost {
        /// The cap.
        cap: String,
        /// What the order costs.
        expected: String,
        /// Where that cost comes from: the quote, or the supplier's catalogue prices.
        cost_source: String,
    },
    /// What a line costs cannot be established, so no cap can be checked.
    #[error("line {line_id}: {why}")]
    CostUnknown {
        /// The line.
        line_id: String,
        /// Why.
        why: String,
    },
}

/// How a supplier's answer to an order broke what was agreed: the cap, the quote, the
/// mandate or the request itself. Amounts are written as `EUR 12.34`.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Breach {
    /// The order costs more than its cap (the client's, or the quote's with the tolerance).
    #[error("the order totals {total}, above its cap of {cap}")]
    OverCap {
        /// What the supplier charges.
        total: String,
        /// The cap.
        cap: String,
    },
    /// The order is in another currency than its cap.
    #[error("the order is in {order}, its cap in {cap}")]
    Currency {
        /// The order's currency.
        order: String,
        /// The cap's.
        cap: String,
    },
    /// A unit price drifted from the quote beyond the mandate's tolerance.
    #[error("line {line_id}: {charged} charged against {quoted} quoted, beyond {tolerance_bp} bp")]
    PriceDrift {
        /// The line.
        line_id: String,
        /// The quoted unit price.
        quoted: String,
        /// The unit price charged.
        charged: String,
        /// The mandate's tolerance.
        tolerance_bp: u32,
    },
    /// A line's total is not its unit price times its quantity.
    #[error("line {line_id} totals {charged}, but its unit price times its quantity is {expected}")]
    LineTotal {
        /// The line.
        line_id: String,
        /// The line total charged.
        charged: String,
        /// Unit price × quantity.
        expected: String,
    },
    /// The line totals do not add up to the order's lines total.
    #[error("the lines add up to {sum}, but the order's lines total says {lines}")]
    LinesSum {
        /// The lines total the supplier states.
        lines: String,
        /// What the lines add up to.
        sum: String,
    },
    /// A price or total is negative.
    #[error("{what} is negative ({amount})")]
    Negative {
        /// Which amount.
        what: String,
        /// Its value.
        amount: String,
    },
    /// The order has a line that was not asked for, or more of a line than was asked.
    #[error("line {line_id}: {why}")]
    NotAsked {
        /// The line.
        line_id: String,
        /// What is wrong with it.
        why: String,
    },
    /// The supplier answered with an order under another buyer's PO.
    #[error("the supplier answered with an order for PO {answered}, not {asked}")]
    WrongBuyerPo {
        /// The PO asked for.
        asked: String,
        /// The PO answered.
        answered: String,
    },
    /// The supplier reused an order id already recorded for another PO.
    #[error("the supplier reused order id {order_id}, recorded for PO {recorded_po}")]
    OrderIdReused {
        /// The order id.
        order_id: String,
        /// The PO it was first recorded for.
        recorded_po: String,
    },
    /// The answer about the order failed the host's checks, so none of its figures can be
    /// trusted.
    #[error("the answer about the order failed validation: {reason}")]
    Unverified {
        /// What was wrong.
        reason: String,
    },
}

impl Breach {
    /// Whether the host may cancel the order it answered with. Not when the order id or PO
    /// may be another order's: a cancellation could hit an order someone else relies on.
    pub fn may_cancel(&self) -> bool {
        !matches!(
            self,
            Breach::WrongBuyerPo { .. } | Breach::OrderIdReused { .. }
        )
    }

    /// A short name for logs and metrics (`over-cap`).
    pub fn kind(&self) -> &'static str {
        match self {
            Breach::OverCap { .. } => "over-cap",
            Breach::Currency { .. } => "currency",
            Breach::PriceDrift { .. } => "price-drift",
            Breach::LineTotal { .. } => "line-total",
            Breach::LinesSum { .. } => "lines-sum",
            Breach::Negative { .. } => "negative",
            Breach::NotAsked { .. } => "not-asked",
            Breach::WrongBuyerPo { .. } => "wrong-buyer-po",
            Breach::OrderIdReused { .. } => "order-id-reused",
            Breach::Unverified { .. } => "unverified",
        }
    }
}

/// What happens to a retry of a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The supplier may have acted: reconcile before sending again.
    Unknown,
    /// Nothing reached the supplier, and a retry may succeed.
    NotSent,
    /// A final answer: a retry with the same key gets it again.
    Final,
}

/// Why the order desk did not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// The request is malformed or names something that cannot be (a field is named).
    #[error("{0}")]
    BadRequest(String),
    /// The request is well formed but does not hold together (two lines with one id).
    #[error("{0}")]
    InvalidRequest(String),
    /// No adapter is loaded for the supplier.
    #[error("no adapter is loaded for supplier `{0}`")]
    UnknownSupplier(String),
    /// No such record at the host (an approval).
    #[error("{0}")]
    NotFound(String),
    /// The client may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Every call slot is busy.
    #[error(transparent)]
    Busy(#[from] Busy),
    /// The adapter call failed, and no order came of it.
    #[error("supplier {supplier}: {error}")]
    Call {
        /// Whose adapter.
        supplier: SupplierId,
        /// What failed.
        error: CallError,
    },
    /// The idempotency key was used before with a different request.
    #[error(
        "Idempotency-Key {0:?} was used before with a different request; use a new key for a new request"
    )]
    IdempotencyConflict(String),
    /// The first request with this idempotency key is still running.
    #[error(
        "the first request with Idempotency-Key {key:?} is still running; retry after the hint"
    )]
    InProgress {
        /// The key.
        key: String,
        /// When to retry.
        retry_after_ms: u64,
    },
    /// The final answer an earlier request with the same key and body got, again.
    #[error("{}", .0.detail)]
    Replayed(Box<Refusal>),
    /// The ledger failed; nothing was sent.
    #[error("the ledger could not record the call, so it was not sent: {0}")]
    Ledger(String),
    /// The client's mandate refuses the order; nothing was sent.
    #[error("the spend mandate refuses the order: {0}")]
    MandateDenied(Rule),
    /// The order needs a person's approval; it is parked as `approval_id`.
    #[error(
        "the order needs approval under the spend mandate ({rule}); it waits as approval {approval_id}: retry with the same key for the outcome"
    )]
    ApprovalRequired {
        /// The rule.
        rule: Rule,
        /// Where it waits.
        approval_id: String,
    },
    /// A person rejected the order.
    #[error("approval {approval_id} was rejected: {reason}")]
    ApprovalRejected {
        /// The approval.
        approval_id: String,
        /// The approver's reason.
        reason: String,
    },
    /// The order's cap is missing its facts, or does not fit them; nothing was sent.
    #[error("the order's max_total is refused: {0}")]
    Cap(CapRefusal),
    /// The supplier rejected the order (an unknown item, a closed account): it exists at the
    /// supplier as rejected and costs nothing.
    #[error("supplier rejected order {order}: {reason}")]
    SupplierRejected {
        /// The rejected order.
        order: Box<OrderRef>,
        /// The supplier's reason.
        reason: String,
    },
    /// The supplier's order broke its cap, quote or mandate, and the host cancelled it.
    #[error("order {order} was cancelled by the host: {breach}")]
    CancelledByHost {
        /// The cancelled order.
        order: Box<OrderRef>,
        /// What it broke.
        breach: Box<Breach>,
    },
    /// The supplier's order broke its cap, quote or mandate and could not (or, by the
    /// mandate, may not) be cancelled: a person decides as approval `approval_id`.
    #[error("order {order} is held for a person's review as approval {approval_id}: {breach}")]
    HeldForReview {
        /// The held order.
        order: Box<OrderRef>,
        /// What it broke.
        breach: Box<Breach>,
        /// Where it waits.
        approval_id: String,
    },
    /// The supplier refused to cancel.
    #[error("supplier refused to cancel order {order}: {reason}")]
    CancelRefused {
        /// The order, still standing.
        order: Box<OrderRef>,
        /// Why, as far as the supplier said.
        reason: String,
    },
}

impl DeskError {
    /// The typed code, as every front end names it (`"supplier-rejected"`).
    pub fn code(&self) -> &str {
        match self {
            DeskError::BadRequest(_) => "bad-request",
            DeskError::InvalidRequest(_) => "invalid-request",
            DeskError::UnknownSupplier(_) => "unknown-supplier",
            DeskError::NotFound(_) => "not-found",
            DeskError::Forbidden(_) => "client-forbidden",
            DeskError::Busy(_) => "busy",
            DeskError::Call { error, .. } => error.code(),
            DeskError::IdempotencyConflict(_) => "idempotency-conflict",
            DeskError::InProgress { .. } => "in-progress",
            DeskError::Replayed(r) => &r.code,
            DeskError::Ledger(_) => "ledger-unavailable",
            DeskError::MandateDenied(_) => "mandate-denied",
            DeskError::ApprovalRequired { .. } => "approval-required",
            DeskError::ApprovalRejected { .. } => "approval-rejected",
            DeskError::Cap(_) => "cap-refused",
            DeskError::SupplierRejected { .. } => "supplier-rejected",
            DeskError::CancelledByHost { .. } => "order-cancelled-by-host",
            DeskError::HeldForReview { .. } => "order-held-for-review",
            DeskError::CancelRefused { .. } => "cancel-refused",
        }
    }

    /// What a retry with the same key should find.
    pub fn failure(&self) -> Failure {
        match self {
            DeskError::Busy(_) | DeskError::Ledger(_) | DeskError::InProgress { .. } => {
                Failure::NotSent
            }
            DeskError::Call { error, .. } => match error {
                CallError::CircuitOpen { .. } | CallError::SupplierBusy { .. } => Failure::NotSent,
                CallError::Commerce(
                    CommerceError::SupplierUnavailable(_)
                    | CommerceError::RateLimited(_)
                    | CommerceError::InProgress(_),
                ) => Failure::Unknown,
                e if e.is_fault() => Failure::Unknown,
                _ => Failure::Final,
            },
            _ => Failure::Final,
        }
    }

    /// The supplier whose adapter or order the outcome is about.
    pub fn supplier(&self) -> Option<String> {
        match self {
            DeskError::Call { supplier, .. } => Some(supplier.to_string()),
            DeskError::Replayed(r) => r.supplier.clone(),
            _ => self.order().map(|o| o.supplier.clone()),
        }
    }

    /// The supplier's commerce error, with its structured details.
    pub fn commerce(&self) -> Option<&CommerceError> {
        match self {
            DeskError::Call {
                error: CallError::Commerce(c),
                ..
            } => Some(c),
            DeskError::Replayed(r) => r.commerce.as_ref(),
            _ => None,
        }
    }

    /// The mandate rule that refused the order or asks for approval.
    pub fn rule(&self) -> Option<&Rule> {
        match self {
            DeskError::MandateDenied(rule) | DeskError::ApprovalRequired { rule, .. } => Some(rule),
            DeskError::Replayed(r) => r.mandate_rule.as_ref(),
            _ => None,
        }
    }

    /// The approval the outcome waits on or came from.
    pub fn approval_id(&self) -> Option<&str> {
        match self {
            DeskError::ApprovalRequired { approval_id, .. }
            | DeskError::ApprovalRejected { approval_id, .. }
            | DeskError::HeldForReview { approval_id, .. } => Some(approval_id),
            DeskError::Replayed(r) => r.approval_id.as_deref(),
            _ => None,
        }
    }

    /// Why the cap was refused.
    pub fn cap(&self) -> Option<&CapRefusal> {
        match self {
            DeskError::Cap(c) => Some(c),
            DeskError::Replayed(r) => r.cap.as_ref(),
            _ => None,
        }
    }

    /// The order at the supplier the outcome is about.
    pub fn order(&self) -> Option<&OrderRef> {
        match self {
            DeskError::SupplierRejected { order, .. }
            | DeskError::CancelledByHost { order, .. }
            | DeskError::HeldForReview { order, .. }
            | DeskError::CancelRefused { order, .. } => Some(order),
            DeskError::Replayed(r) => r.order.as_ref(),
            _ => None,
        }
    }

    /// How the supplier's answer broke what was agreed.
    pub fn breach(&self) -> Option<&Breach> {
        match self {
            DeskError::CancelledByHost { breach, .. } | DeskError::HeldForReview { breach, .. } => {
                Some(breach)
            }
            DeskError::Replayed(r) => r.breach.as_ref(),
            _ => None,
        }
    }

    /// When a retry may succeed.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            DeskError::Busy(b) => {
                Some(u64::try_from(b.retry_after.as_millis()).unwrap_or(u64::MAX))
            }
            DeskError::Call { error, .. } => match error {
                CallError::Commerce(c) => c.retry_hint().and_then(|h| h.retry_after_ms),
                CallError::CircuitOpen { retry_after }
                | CallError::SupplierBusy { retry_after, .. } => {
                    Some(u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX))
                }
                _ => None,
            },
            DeskError::InProgress { retry_after_ms, .. } => Some(*retry_after_ms),
            _ => None,
        }
    }

    /// The outcome as the ledger keeps a final answer, to give it again to a retry.
    pub fn to_refusal(&self) -> Refusal {
        if let DeskError::Replayed(r) = self {
            return (**r).clone();
        }
        Refusal {
            code: self.code().to_string(),
            detail: self.to_string(),
            supplier: self.supplier(),
            commerce: self.commerce().cloned(),
            mandate_rule: self.rule().cloned(),
            approval_id: self.approval_id().map(str::to_string),
            cap: self.cap().cloned(),
            order: self.order().cloned(),
            breach: self.breach().cloned(),
        }
    }
}

impl From<crate::ledger::LedgerError> for DeskError {
    fn from(e: crate::ledger::LedgerError) -> Self {
        DeskError::Ledger(e.to_string())
    }
}

impl From<crate::codes::CodeError> for DeskError {
    fn from(e: crate::codes::CodeError) -> Self {
        DeskError::BadRequest(e.to_string())
    }
}

/// A final refusal as the ledger keeps it, so a retry with the same key gets the same answer
/// however the front ends come to word it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    /// The typed code.
    pub code: String,
    /// What went wrong, in words.
    pub detail: String,
    /// The supplier it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// The supplier's commerce error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commerce: Option<CommerceError>,
    /// The mandate rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_rule: Option<Rule>,
    /// The approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Why the cap was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<CapRefusal>,
    /// The order at the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderRef>,
    /// How the supplier's answer broke what was agreed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
}
