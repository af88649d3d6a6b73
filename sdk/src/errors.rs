//! Typed commerce errors: constructors, and the mapping from upstream HTTP answers.
//!
//! The contract's [`CommerceError`] is closed on purpose: the host and the machine customer
//! branch on it (retry after a hint, ask a human, pick another supplier), so every supplier
//! failure must land in one of its cases, never in free text.

use crate::contract::{CommerceError, FieldError, Rejection, RetryHint};
use crate::exact::ExactError;
use crate::formats::FormatError;
use crate::gtin::GtinError;
use std::fmt::Display;

/// Result of a contract operation.
pub type CommerceResult<T> = Result<T, CommerceError>;

/// The operation is not offered.
pub fn unsupported(operation: &str) -> CommerceError {
    CommerceError::Unsupported(format!("`{operation}` is not offered by this adapter"))
}

/// The named thing does not exist.
pub fn not_found(what: impl Display) -> CommerceError {
    CommerceError::NotFound(what.to_string())
}

/// A request field is wrong.
pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> CommerceError {
    CommerceError::InvalidRequest(FieldError {
        field: field.into(),
        reason: reason.into(),
    })
}

/// The adapter failed in a way it cannot classify. Use sparingly: the conformance suite
/// counts these as adapter bugs.
pub fn internal(message: impl Display) -> CommerceError {
    CommerceError::Internal(message.to_string())
}

/// The supplier answered with something the adapter cannot read.
pub fn bad_upstream(what: impl Display) -> CommerceError {
    CommerceError::Internal(format!("unreadable supplier response: {what}"))
}

/// Map an upstream HTTP status that is not a success to a commerce error.
///
/// `retry_after` is the raw `Retry-After` header, if any (delta-seconds or an HTTP date);
/// `body` is used for the error text, cut to a readable length. Adapters that know their
/// supplier's error bodies should look at those first and fall back to this.
pub fn from_status(status: u16, retry_after: Option<&str>, body: &[u8]) -> CommerceError {
    let text = body_excerpt(body);
    let hint = || RetryHint {
        retry_after_ms: retry_after.and_then(|v| parse_retry_after(v, crate::time::now_ms())),
    };
    match status {
        400 | 422 => invalid(
            "",
            format!("supplier refused the request ({status}): {text}"),
        ),
        401 => CommerceError::Unauthorized(format!("supplier refused the credentials: {text}")),
        403 => CommerceError::Forbidden(format!("supplier forbids this for the account: {text}")),
        404 | 410 => not_found(format!("supplier answered {status}: {text}")),
        409 => CommerceError::InProgress(hint()),
        429 => CommerceError::RateLimited(hint()),
        501 => CommerceError::Unsupported(format!("supplier does not implement this: {text}")),
        500..=599 => CommerceError::SupplierUnavailable(hint()),
        _ => CommerceError::SupplierRejected(Rejection {
            code: format!("http-{status}"),
            text,
        }),
    }
}

/// Milliseconds to wait according to a `Retry-After` value (RFC 9110 §10.2.3): either
/// delta-seconds or an HTTP date, relative to `now_ms`. None if the value is neither.
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return seconds.checked_mul(1000);
    }
    let at = crate::time::parse_http_date(value).ok()?;
    Some(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0))
}

fn body_excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

impl From<FormatError> for CommerceError {
    fn from(e: FormatError) -> Self {
        bad_upstream(e)
    }
}

impl From<GtinError> for CommerceError {
    fn from(e: GtinError) -> Self {
        bad_upstream(e)
    }
}

impl From<ExactError> for CommerceError {
    fn from(e: ExactError) -> Self {
        internal(format!("arithmetic: {e}"))
    }
}

impl From<crate::time::TimeError> for CommerceError {
    fn from(e: crate::time::TimeError) -> Self {
        bad_upstream(e)
    }
}

impl From<serde_json::Error> for CommerceError {
    fn from(e: serde_json::Error) -> Self {
        bad_upstream(format!("JSON: {e}"))
    }
}

impl CommerceError {
    /// Whether retrying later may succeed, and after how long at least.
    pub fn retry_hint(&self) -> Option<&RetryHint> {
        match self {
            CommerceError::InProgress(h)
            | CommerceError::RateLimited(h)
            | CommerceError::SupplierUnavailable(h) => Some(h),
            _ => None,
        }
    }

    /// Stable machine-readable name of the case (`"out-of-stock"`), as in the WIT.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_carries_retry_after_seconds() {
        let e = from_status(429, Some("3"), b"slow down");
        assert!(matches!(
            e,
            CommerceError::RateLimited(RetryHint {
                retry_after_ms: Some(3000)
            })
        ));
    }

    #[test]
    fn server_errors_are_supplier_unavailable() {
        for status in [500, 502, 503, 504] {
            let e = from_status(status, None, b"");
            assert!(
                matches!(
                    e,
                    CommerceError::SupplierUnavailable(RetryHint {
                        retry_after_ms: None
                    })
                ),
                "{status} gave {e:?}"
            );
        }
    }

    #[test]
    fn client_errors_map_to_their_cases() {
        assert_eq!(from_status(400, None, b"bad").code(), "invalid-request");
        assert_eq!(from_status(401, None, b"").code(), "unauthorized");
        assert_eq!(from_status(403, None, b"").code(), "forbidden");
        assert_eq!(from_status(404, None, b"").code(), "not-found");
        assert_eq!(from_status(409, None, b"").code(), "in-progress");
        assert_eq!(from_status(501, None, b"").code(), "unsupported");
        assert_eq!(
            from_status(418, None, b"teapot").code(),
            "supplier-rejected"
        );
    }

    #[test]
    fn retry_after_accepts_http_dates() {
        // 2026-06-01T10:00:00Z is 1780308000000 ms.
        let now = 1_780_308_000_000;
        assert_eq!(
            parse_retry_after("Mon, 01 Jun 2026 10:00:05 GMT", now),
            Some(5000)
        );
        assert_eq!(
            parse_retry_after("Mon, 01 Jun 2026 09:00:00 GMT", now),
            Some(0)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(1000);
        let CommerceError::SupplierRejected(r) = from_status(418, None, body.as_bytes()) else {
            panic!("wrong case");
        };
        assert!(r.text.chars().count() <= 201);
    }
}
