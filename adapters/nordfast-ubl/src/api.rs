//! Nordfast's HTTP endpoints and how their failures map to commerce errors.

use std::time::Duration;

use mercato_sdk::contract::{CallContext, CommerceError, Rejection};
use mercato_sdk::errors::{CommerceResult, from_status, invalid};
use mercato_sdk::http::{Client, RequestBuilder, Response};
use mercato_sdk::time::{now_ms, parse_http_date};

use crate::read::refusal;

/// Longest the adapter waits for Nordfast, whatever the call's deadline.
const MAX_TIMEOUT_MS: i64 = 30_000;
/// Shortest wait, so a nearly spent deadline still gets a real attempt.
const MIN_TIMEOUT_MS: i64 = 500;

/// A successful answer: the body and the supplier's clock at the time.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// Body bytes.
    pub body: Vec<u8>,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The `Date` header (Nordfast's clock), or the local clock when absent.
    pub supplier_now: i64,
}

/// The Nordfast API at the configured `base-url`.
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

    /// GET with query parameters.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> CommerceResult<Reply> {
        send(self.client.get(path).query(query))
    }

    /// POST a UBL document.
    pub fn post(&self, path: &str, document: String) -> CommerceResult<Reply> {
        send(
            self.client
                .post(path)
                .header("accept", "application/xml")
                .body("application/xml; charset=utf-8", document),
        )
    }
}

fn send(request: RequestBuilder) -> CommerceResult<Reply> {
    let response = request.header("accept", "application/xml").send()?;
    if !response.is_success() {
        return Err(error_for(&response));
    }
    let supplier_now = response
        .header("date")
        .and_then(|d| parse_http_date(d).ok())
        .unwrap_or_else(now_ms);
    Ok(Reply {
        body: response.body,
        headers: response.headers,
        supplier_now,
    })
}

/// The commerce error for a failed answer: Nordfast's ApplicationResponse reason code first,
/// the HTTP status otherwise.
pub(crate) fn error_for(response: &Response) -> CommerceError {
    let status = response.status;
    let generic = || from_status(status, response.header("retry-after"), &response.body);
    if status == 401 || status == 403 || status == 429 || status >= 500 {
        return generic();
    }
    let Some(r) = refusal(&response.body) else {
        return generic();
    };
    let field = || match &r.line {
        Some(line) => format!("lines[{line}]"),
        None => "document".to_string(),
    };
    match r.code.as_str() {
        "unknown-item" | "unknown-order" | "unknown-quotation" => {
            CommerceError::NotFound(format!("Nordfast: {}", r.text))
        }
        "idempotency-conflict" => {
            CommerceError::IdempotencyConflict(format!("Nordfast: {}", r.text))
        }
        "duplicate-buyer-po" => invalid("buyer-po", r.text.clone()),
        "undeliverable" => CommerceError::Undeliverable(r.text.clone()),
        "unsupported-currency" => invalid("currency", r.text.clone()),
        "invalid-document" | "invalid-parameter" => invalid(field(), r.text.clone()),
        other => CommerceError::SupplierRejected(Rejection {
            code: other.to_string(),
            text: r.text.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mlr(code: &str, text: &str) -> Vec<u8> {
        format!(
            r#"<ApplicationResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
                 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
                 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
               <cbc:ID>E1</cbc:ID>
               <cac:DocumentResponse><cac:Response><cbc:ResponseCode>RE</cbc:ResponseCode>
                 <cbc:Description>{text}</cbc:Description>
                 <cac:Status><cbc:StatusReasonCode listID="nordfast">{code}</cbc:StatusReasonCode></cac:Status>
               </cac:Response></cac:DocumentResponse></ApplicationResponse>"#
        )
        .into_bytes()
    }

    fn answer(status: u16, body: Vec<u8>) -> Response {
        Response::new(status, "application/xml", body)
    }

    #[test]
    fn nordfast_reason_codes_become_precise_errors() {
        let e = error_for(&answer(
            404,
            mlr("unknown-item", "line 1: no catalogue item NF-9"),
        ));
        assert!(
            matches!(&e, CommerceError::NotFound(t) if t.contains("NF-9")),
            "{e:?}"
        );
        let e = error_for(&answer(409, mlr("idempotency-conflict", "UUID k")));
        assert_eq!(e.code(), "idempotency-conflict");
        assert_eq!(
            error_for(&answer(422, mlr("undeliverable", "US"))).code(),
            "undeliverable"
        );
        assert_eq!(
            error_for(&answer(409, mlr("duplicate-buyer-po", "PO"))).code(),
            "invalid-request"
        );
        assert_eq!(
            error_for(&answer(418, mlr("odd", "?"))).code(),
            "supplier-rejected"
        );
    }

    #[test]
    fn transport_statuses_map_by_status() {
        assert_eq!(
            error_for(&answer(401, b"no".to_vec())).code(),
            "unauthorized"
        );
        let mut limited = answer(429, b"slow".to_vec());
        limited.headers.push(("retry-after".into(), "3".into()));
        let e = error_for(&limited);
        assert_eq!(e.retry_hint().and_then(|h| h.retry_after_ms), Some(3000));
        assert_eq!(
            error_for(&answer(503, Vec::new())).code(),
            "supplier-unavailable"
        );
        assert_eq!(
            error_for(&answer(404, b"plain".to_vec())).code(),
            "not-found"
        );
    }
}
