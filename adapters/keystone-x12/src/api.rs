//! Keystone's HTTP endpoints and how their answers map to commerce errors.
//!
//! Keystone trades X12 over HTTP the way AS2 does, without AS2's S/MIME: an interchange is
//! POSTed to `/as2` as `application/edi-x12` and the synchronous answer is a 997 (or a TA1
//! when the envelope itself is refused). The trading partner is authenticated by the bearer
//! key the host attaches (secret `partner-key`); the adapter never sees it.

use std::time::Duration;

use mercato_sdk::contract::{CallContext, CommerceError};
use mercato_sdk::errors::{CommerceResult, from_status};
use mercato_sdk::http::{Client, RequestBuilder, Response};
use mercato_sdk::time::now_ms;

/// Longest the adapter waits for Keystone, whatever the call's deadline.
const MAX_TIMEOUT_MS: i64 = 30_000;
/// Shortest wait, so a nearly spent deadline still gets a real attempt.
const MIN_TIMEOUT_MS: i64 = 500;
/// The media type of X12 on the wire (RFC 1767).
pub const X12_MEDIA_TYPE: &str = "application/edi-x12";

/// The Keystone endpoint at the configured `base-url`.
#[derive(Debug, Clone)]
pub struct Api {
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

    /// GET an X12 document; anything but 2xx is a typed error.
    pub fn get(&self, path: &str) -> CommerceResult<Vec<u8>> {
        let response = accept_x12(self.client.get(path)).send()?;
        if !response.is_success() {
            return Err(from_status(
                response.status,
                response.header("retry-after"),
                &response.body,
            ));
        }
        Ok(response.body)
    }

    /// POST an interchange from `sender` to `receiver`; the answer whatever its status, as
    /// 997s and TA1s travel with 200, 400 and 409.
    pub fn post_interchange(
        &self,
        text: String,
        sender: &str,
        receiver: &str,
    ) -> CommerceResult<Response> {
        Ok(accept_x12(
            self.client
                .post("/as2")
                .header("as2-from", sender)
                .header("as2-to", receiver)
                .body(X12_MEDIA_TYPE, text),
        )
        .send()?)
    }
}

fn accept_x12(request: RequestBuilder) -> RequestBuilder {
    request.header("accept", X12_MEDIA_TYPE)
}

/// A transport failure of the POST (no 997, no TA1 in the body).
pub fn transport_error(response: &Response) -> CommerceError {
    from_status(
        response.status,
        response.header("retry-after"),
        &response.body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_are_typed() {
        let r = Response::new(503, "text/plain", "down");
        assert_eq!(transport_error(&r).code(), "supplier-unavailable");
        let r = Response::new(401, "text/plain", "who");
        assert_eq!(transport_error(&r).code(), "unauthorized");
    }
}
