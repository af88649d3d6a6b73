//! Gateway errors and their RFC 9457 problem details: every failure a client sees carries a
//! typed [`ErrorCode`], an HTTP status chosen once here, and a retry hint where one exists.

use super::api::{ErrorCode, Problem, SupplierError};
use crate::broker::admission::Busy;
use crate::contract::CommerceError;
use crate::contract::supplier::CallError;
use crate::contract::supplier::SupplierId;
use crate::desk::DeskError;
use http::StatusCode;

/// Why a gateway request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// The client may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No adapter is loaded for the supplier.
    #[error("no adapter is loaded for supplier `{0}`")]
    UnknownSupplier(String),
    /// A mutating call came without an `Idempotency-Key`.
    #[error(
        "this call changes state at the supplier: send an Idempotency-Key header (1–255 visible ASCII characters) so a retry cannot order twice"
    )]
    IdempotencyKeyRequired,
    /// Every call slot is busy.
    #[error(transparent)]
    Busy(#[from] Busy),
    /// The adapter call failed.
    #[error("supplier {supplier}: {error}")]
    Call {
        /// Whose adapter.
        supplier: SupplierId,
        /// What failed.
        error: CallError,
    },
    /// No such route.
    #[error("no route {0}")]
    RouteNotFound(String),
    /// No such record in the host (an approval).
    #[error("{0}")]
    NotFound(String),
    /// Route exists, method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Body too large.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// URI too long.
    #[error("{0}")]
    UriTooLong(String),
    /// Headers too many or too large.
    #[error("{0}")]
    HeadersTooLarge(String),
    /// Wrong media type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The order desk's typed outcome.
    #[error(transparent)]
    Desk(#[from] DeskError),
    /// The gateway has its most client connections open (how many).
    #[error("the gateway has {0} client connections open, as many as it allows; retry later")]
    TooManyConnections(usize),
}

impl ApiError {
    /// The typed code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => ErrorCode::ClientForbidden,
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::UnknownSupplier(_) => ErrorCode::UnknownSupplier,
            ApiError::IdempotencyKeyRequired => ErrorCode::IdempotencyKeyRequired,
            ApiError::Busy(_) => ErrorCode::Busy,
            ApiError::Call { error, .. } => call_code(error),
            ApiError::RouteNotFound(_) => ErrorCode::RouteNotFound,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UriTooLong(_) => ErrorCode::UriTooLong,
            ApiError::HeadersTooLarge(_) => ErrorCode::HeadersTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::Desk(e) => ErrorCode::from_name(e.code()).unwrap_or(ErrorCode::Internal),
            ApiError::TooManyConnections(_) => ErrorCode::TooManyConnections,
        }
    }

    /// The HTTP status. Business answers from a supplier are 4xx; only a supplier or adapter
    /// that could not answer is 5xx.
    pub fn status(&self) -> StatusCode {
        use ErrorCode as C;
        match self.code() {
            C::InvalidRequest
            | C::QuantityRule
            | C::Undeliverable
            | C::SupplierRejected
            | C::CapRefused => StatusCode::UNPROCESSABLE_ENTITY,
            C::Unsupported => StatusCode::UNPROCESSABLE_ENTITY,
            C::NotFound | C::UnknownSupplier | C::RouteNotFound => StatusCode::NOT_FOUND,
            C::Forbidden | C::ClientForbidden | C::MandateDenied | C::ApprovalRejected => {
                StatusCode::FORBIDDEN
            }
            C::ApprovalRequired => StatusCode::CONFLICT,
            C::OutOfStock
            | C::PriceChanged
            | C::QuoteExpired
            | C::HumanRequired
            | C::IdempotencyConflict
            | C::InProgress
            | C::OrderCancelledByHost
            | C::OrderHeldForReview
            | C::CancelRefused => StatusCode::CONFLICT,
            C::PaymentDeclined => StatusCode::PAYMENT_REQUIRED,
            C::RateLimited | C::Busy => StatusCode::TOO_MANY_REQUESTS,
            C::Unauthenticated => StatusCode::UNAUTHORIZED,
            C::BadRequest | C::IdempotencyKeyRequired => StatusCode::BAD_REQUEST,
            C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            C::PayloadTooLarge | C::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            C::UriTooLong => StatusCode::URI_TOO_LONG,
            C::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            C::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            C::SupplierUnavailable
            | C::CircuitOpen
            | C::SupplierBusy
            | C::LedgerUnavailable
            | C::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
            C::Timeout => StatusCode::GATEWAY_TIMEOUT,
            // The supplier refused our credentials, or the adapter misbehaved: a bad gateway,
            // not the client's fault.
            C::Unauthorized
            | C::Internal
            | C::ResourceLimit
            | C::AdapterFault
            | C::InvalidOutput => StatusCode::BAD_GATEWAY,
        }
    }

    /// When a retry may succeed.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            ApiError::Busy(b) => Some(b.retry_after.as_millis() as u64),
            ApiError::TooManyConnections(_) => Some(1000),
            ApiError::Call { error, .. } => call_retry_after(error),
            ApiError::Desk(e) => e.retry_after_ms(),
            _ => None,
        }
    }

    /// The problem details, for the request at `instance`.
    pub fn to_problem(&self, instance: Option<String>) -> Problem {
        let code = self.code();
        let status = self.status();
        let (supplier, commerce) = match self {
            ApiError::Call { supplier, error } => (
                Some(supplier.to_string()),
                match error {
                    CallError::Commerce(c) => Some(c.clone()),
                    _ => None,
                },
            ),
            ApiError::Desk(e) => (e.supplier(), e.commerce().cloned()),
            _ => (None, None),
        };
        let desk = match self {
            ApiError::Desk(e) => Some(e),
            _ => None,
        };
        Problem {
            kind: format!("urn:mercato:problem:{}", code.as_str()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: withhold_addresses(&self.to_string()),
            instance,
            code,
            supplier,
            retry_after_ms: self.retry_after_ms(),
            commerce: commerce.map(public_commerce),
            mandate_rule: desk.and_then(|e| e.rule().cloned()),
            approval_id: desk.and_then(|e| e.approval_id().map(str::to_string)),
            cap: desk.and_then(|e| e.cap().cloned()),
            order: desk.and_then(|e| e.order().cloned()),
            breach: desk.and_then(|e| e.breach().cloned()),
            request_id: REQUEST_ID.try_with(Clone::clone).ok(),
        }
    }
}

tokio::task_local! {
    /// The id of the request being answered, for its problem details.
    static REQUEST_ID: String;
}

/// Run `answer` as the request `id`: problem details it produces carry the id.
pub async fn with_request_id<F: Future>(id: String, answer: F) -> F::Output {
    REQUEST_ID.scope(id, answer).await
}

/// What stands in a message for a URL it had: an adapter's or supplier's address is the
/// integrator's business, not the client's; the host's log keeps it under the request id.
pub const ADDRESS_WITHHELD: &str = "[address withheld; see the host log]";

/// `text` with every `http://` or `https://` URL replaced by [`ADDRESS_WITHHELD`].
pub fn withhold_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        out.push_str(&rest[..i]);
        out.push_str(ADDRESS_WITHHELD);
        let url = &rest[i..];
        let end = url
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ']' | '>'))
            .unwrap_or(url.len());
        rest = &url[end..];
    }
    out.push_str(rest);
    out
}

/// A supplier's commerce error as clients see it: its free texts without addresses (the
/// escalation's `continue_url` stays: it is where the buyer goes on).
fn public_commerce(c: CommerceError) -> crate::wire::CommerceError {
    use crate::wire::CommerceError as W;
    let mut shown = W::from(c);
    match &mut shown {
        W::NotFound { detail }
        | W::Unauthorized { detail }
        | W::Forbidden { detail }
        | W::QuoteExpired { detail }
        | W::Undeliverable { detail }
        | W::PaymentDeclined { detail }
        | W::IdempotencyConflict { detail }
        | W::Unsupported { detail }
        | W::Internal { detail }
        | W::SupplierRejected(crate::wire::Rejection { text: detail, .. })
        | W::InvalidRequest(crate::wire::FieldError { reason: detail, .. }) => {
            *detail = withhold_addresses(detail)
        }
        _ => {}
    }
    shown
}

impl From<crate::codes::CodeError> for ApiError {
    fn from(e: crate::codes::CodeError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

/// The typed code of an adapter call error.
pub fn call_code(e: &CallError) -> ErrorCode {
    ErrorCode::from_name(e.code()).unwrap_or(ErrorCode::Internal)
}

fn call_retry_after(e: &CallError) -> Option<u64> {
    match e {
        CallError::Commerce(c) => c.retry_hint().and_then(|h| h.retry_after_ms),
        CallError::CircuitOpen { retry_after } | CallError::SupplierBusy { retry_after, .. } => {
            Some(retry_after.as_millis() as u64)
        }
        _ => None,
    }
}

/// One supplier's error inside a fan-out response.
pub fn supplier_error(e: &CallError) -> SupplierError {
    SupplierError {
        code: call_code(e),
        detail: withhold_addresses(&e.to_string()),
        retry_after_ms: call_retry_after(e),
        commerce: match e {
            CallError::Commerce(c) => Some(public_commerce(c.clone())),
            _ => None,
        },
    }
}

impl From<CommerceError> for SupplierError {
    fn from(c: CommerceError) -> Self {
        supplier_error(&CallError::Commerce(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::RetryHint;
    use std::time::Duration;

    #[test]
    fn business_answers_are_4xx_and_a_down_supplier_is_5xx_with_its_hint() {
        let call = |error| ApiError::Call {
            supplier: SupplierId::parse("voltaic").unwrap(),
            error,
        };
        let out = call(CallError::Commerce(CommerceError::OutOfStock(vec![])));
        assert_eq!(out.status(), StatusCode::CONFLICT);
        assert_eq!(out.to_problem(None).code, ErrorCode::OutOfStock);
        let down = call(CallError::Commerce(CommerceError::SupplierUnavailable(
            RetryHint {
                retry_after_ms: Some(1500),
            },
        )));
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        let p = down.to_problem(Some("/v1/orders".into()));
        assert_eq!(p.retry_after_ms, Some(1500));
        assert_eq!(p.supplier.as_deref(), Some("voltaic"));
        assert_eq!(p.kind, "urn:mercato:problem:supplier_unavailable");
        let busy = ApiError::Busy(Busy {
            retry_after: Duration::from_millis(500),
            capacity: 4,
        });
        assert_eq!(busy.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(busy.retry_after_ms(), Some(500));
        let timeout = call(CallError::Timeout {
            elapsed: Duration::from_secs(1),
            limit: Duration::from_secs(1),
        });
        assert_eq!(timeout.status(), StatusCode::GATEWAY_TIMEOUT);
    }

    #[test]
    fn a_suppliers_internal_address_never_reaches_the_client() {
        let internal =
            "GET https://erp.internal.example:8443/api/orders/7?token=s3cret answered 500";
        let e = ApiError::Call {
            supplier: SupplierId::parse("voltaic").unwrap(),
            error: CallError::Commerce(CommerceError::Internal(internal.into())),
        };
        let p = e.to_problem(None);
        let shown = serde_json::to_string(&p).unwrap();
        assert!(!shown.contains("erp.internal"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(p.detail.contains(ADDRESS_WITHHELD), "{}", p.detail);
        assert!(p.detail.ends_with(" answered 500"), "{}", p.detail);
        let fan_out = serde_json::to_string(&supplier_error(&CallError::Commerce(
            CommerceError::NotFound(format!("no order at {internal}")),
        )))
        .unwrap();
        assert!(!fan_out.contains("erp.internal"), "{fan_out}");
        // Where a person continues is for the buyer: it stays.
        let human =
            CallError::Commerce(CommerceError::HumanRequired(crate::contract::Escalation {
                kind: crate::contract::Resolution::RequiresBuyerReview,
                reason: "sign the quote".into(),
                continue_url: Some("https://shop.example/continue/42".into()),
            }));
        let shown = serde_json::to_string(&supplier_error(&human)).unwrap();
        assert!(
            shown.contains("https://shop.example/continue/42"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn a_problem_carries_the_request_id_it_was_answered_under() {
        let p = with_request_id("req-7".into(), async {
            ApiError::BadRequest("x".into()).to_problem(None)
        })
        .await;
        assert_eq!(p.request_id.as_deref(), Some("req-7"));
        assert_eq!(
            ApiError::BadRequest("x".into()).to_problem(None).request_id,
            None
        );
    }
}
