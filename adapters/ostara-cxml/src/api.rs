//! Ostara's HTTP endpoints and how their answers map to commerce errors.

use std::time::Duration;

use mercato_sdk::contract::{CallContext, CommerceError, Rejection};
use mercato_sdk::errors::{CommerceResult, from_status, invalid, not_found};
use mercato_sdk::http::{Client, RequestBuilder, Response, path_segment};
use mercato_sdk::time::{now_ms, parse_http_date};

use crate::doc::{self, Status};

/// Longest the adapter waits for Ostara, whatever the call's deadline.
const MAX_TIMEOUT_MS: i64 = 30_000;
/// Shortest wait, so a nearly spent deadline still gets a real attempt.
const MIN_TIMEOUT_MS: i64 = 500;

/// A successful answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// Body bytes.
    pub body: Vec<u8>,
    /// The `Date` header (Ostara's clock), or the local clock.
    pub supplier_now: i64,
}

/// Ostara's service at the configured `base-url`. The host attaches the shared secret as
/// `X-Ostara-Shared-Secret` to every request.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    client: Client,
}

impl Api {
    /// A client whose timeout fits the call's deadline.
    pub fn new(ctx: &CallContext) -> CommerceResult<Api> {
        let remaining = (ctx.deadline - now_ms()).clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
        let timeout = Duration::from_millis(u64::try_from(remaining).unwrap_or(5_000));
        Ok(Api {
            client: Client::from_setting("base-url")?.with_timeout(timeout),
        })
    }

    /// The catalogue `Index`.
    pub fn index(&self) -> CommerceResult<Reply> {
        send(self.client.get("/catalog/index"))
    }

    /// An order's history (`OrderHistory`), by the buyer's orderID.
    pub fn history(&self, order_id: &str) -> CommerceResult<Reply> {
        send(
            self.client
                .get(&format!("/orders/{}", path_segment("order-id", order_id)?)),
        )
    }

    /// POST a cXML request; the Status of Ostara's Response (2xx or a refusal Ostara decided,
    /// such as 417 for a refused cancellation). Transport and authentication failures are
    /// errors.
    pub fn post(&self, document: String) -> CommerceResult<Status> {
        let response = self
            .client
            .post("/cxml")
            .header("accept", "text/xml")
            .body("text/xml; charset=utf-8", document)
            .send()?;
        match doc::status(&response.body) {
            Some(s) if (200..300).contains(&s.code) || s.code == 417 => Ok(s),
            _ => Err(error_for(&response)),
        }
    }
}

fn send(request: RequestBuilder) -> CommerceResult<Reply> {
    let response = request.header("accept", "text/xml").send()?;
    if !response.is_success() {
        return Err(error_for(&response));
    }
    let supplier_now = response
        .header("date")
        .and_then(|d| parse_http_date(d).ok())
        .unwrap_or_else(now_ms);
    Ok(Reply {
        body: response.body,
        supplier_now,
    })
}

/// The commerce error for a failed answer: the cXML Status (code and Ostara's reason token)
/// where the body is a cXML Response, the HTTP status otherwise (429, 5xx, plain-text errors).
pub(crate) fn error_for(response: &Response) -> CommerceError {
    let generic = || {
        from_status(
            response.status,
            response.header("retry-after"),
            &response.body,
        )
    };
    if response.status == 429 || response.status >= 500 {
        return generic();
    }
    let Some(s) = doc::status(&response.body) else {
        return generic();
    };
    status_error(&s).unwrap_or_else(generic)
}

/// The error a cXML Status stands for; `None` for a success.
pub(crate) fn status_error(s: &Status) -> Option<CommerceError> {
    let text = format!("Ostara: {}", s.text);
    Some(match (s.code, s.reason.as_deref()) {
        (200..=299, _) => return None,
        (409, Some("payload-conflict")) => CommerceError::IdempotencyConflict(text),
        (409, Some("duplicate-order")) => invalid("buyer-po", text),
        (404, _) => not_found(text),
        (401, _) => CommerceError::Unauthorized(text),
        (403, _) => CommerceError::Forbidden(text),
        (400 | 406, Some("undeliverable")) => CommerceError::Undeliverable(text),
        (400 | 406, Some("unsupported-currency")) => invalid("max-total.currency", text),
        (400 | 406, _) => invalid("document", text),
        (429, _) => CommerceError::RateLimited(mercato_sdk::contract::RetryHint {
            retry_after_ms: None,
        }),
        (500..=599, _) => CommerceError::SupplierUnavailable(mercato_sdk::contract::RetryHint {
            retry_after_ms: None,
        }),
        (code, reason) => CommerceError::SupplierRejected(Rejection {
            code: reason.map_or_else(|| code.to_string(), str::to_string),
            text: s.text.clone(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, code: u16, detail: &str) -> Response {
        Response::new(
            status,
            "text/xml",
            format!(
                r#"<?xml version="1.0"?><!DOCTYPE cXML SYSTEM "x.dtd"><cXML payloadID="p"><Response><Status code="{code}" text="x">{detail}</Status></Response></cXML>"#
            ),
        )
    }

    #[test]
    fn cxml_statuses_become_typed_errors() {
        let cases = [
            (409, "payload-conflict: used before", "idempotency-conflict"),
            (409, "duplicate-order: PO-1", "invalid-request"),
            (404, "unknown-order: PO-9", "not-found"),
            (401, "unauthorized: wrong secret", "unauthorized"),
            (400, "undeliverable: US", "undeliverable"),
            (400, "unsupported-currency: USD", "invalid-request"),
            (400, "invalid-document: no ItemOut", "invalid-request"),
            (451, "odd: reason", "supplier-rejected"),
        ];
        for (code, detail, expected) in cases {
            assert_eq!(
                error_for(&answer(code, code, detail)).code(),
                expected,
                "{detail}"
            );
            // Suppliers that answer HTTP 200 with an error Status are read the same way.
            assert_eq!(
                error_for(&answer(200, code, detail)).code(),
                expected,
                "{detail}"
            );
        }
    }

    #[test]
    fn transport_failures_map_by_http_status() {
        let mut limited = Response::new(429, "text/plain", "slow down");
        limited.headers.push(("retry-after".into(), "2".into()));
        let e = error_for(&limited);
        assert_eq!(e.code(), "rate-limited");
        assert_eq!(e.retry_hint().and_then(|h| h.retry_after_ms), Some(2000));
        assert_eq!(
            error_for(&Response::new(503, "text/plain", "down")).code(),
            "supplier-unavailable"
        );
        assert_eq!(
            error_for(&Response::new(401, "text/plain", "no")).code(),
            "unauthorized"
        );
    }
}
