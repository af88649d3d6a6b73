//! Stand-ins for the host's services, so adapter logic runs natively under `cargo test`.
//!
//! Everything here is per thread (each `#[test]` runs on its own thread), so tests do not see
//! each other's settings or HTTP handlers.
//!
//! ```ignore
//! use mercato_sdk::testing;
//! testing::set_setting("base-url", "http://supplier.test");
//! testing::on_http(|req| Ok(Response::new(200, "application/json", r#"{"parts":[]}"#)));
//! let page = MyAdapter::default().search(&testing::call_context(), query)?;
//! assert_eq!(testing::sent()[0].path_and_query, "/search?q=bolt");
//! ```

use crate::contract::{BuyerContext, CallContext, LogLevel};
use crate::http::{HttpError, Request, Response};
use std::cell::RefCell;
use std::collections::HashMap;

type Handler = Box<dyn FnMut(&Request) -> Result<Response, HttpError>>;

#[derive(Default)]
struct StandIn {
    settings: HashMap<String, String>,
    secrets: HashMap<String, Vec<u8>>,
    logs: Vec<(LogLevel, String)>,
    sent: Vec<Request>,
    handler: Option<Handler>,
}

thread_local! {
    static STATE: RefCell<StandIn> = RefCell::new(StandIn::default());
}

/// Forget every setting, secret, log line, request and handler of this thread.
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = StandIn::default());
}

/// Configure a setting, as the integrator's policy would.
pub fn set_setting(key: &str, value: &str) {
    STATE.with(|s| {
        s.borrow_mut()
            .settings
            .insert(key.to_string(), value.to_string())
    });
}

/// Grant a secret for [`host::hmac_sha256`](crate::host::hmac_sha256).
pub fn set_secret(name: &str, value: &[u8]) {
    STATE.with(|s| {
        s.borrow_mut()
            .secrets
            .insert(name.to_string(), value.to_vec())
    });
}

/// Answer outbound HTTP requests with `handler`.
pub fn on_http(handler: impl FnMut(&Request) -> Result<Response, HttpError> + 'static) {
    STATE.with(|s| s.borrow_mut().handler = Some(Box::new(handler)));
}

/// Send this thread's requests over the real network (plain HTTP only), to test adapter logic
/// natively against a sandbox supplier. The host's outbound policy does not apply here.
pub fn use_network() {
    on_http(|req| network::send(req, &[]));
}

/// Like [`use_network`], adding `headers` to every request the way the host attaches an
/// adapter's secrets (an API key, a bearer token) that the adapter itself never sets.
pub fn use_network_with_headers(headers: &[(&str, &str)]) {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    on_http(move |req| network::send(req, &headers));
}

/// Requests sent so far, oldest first.
pub fn sent() -> Vec<Request> {
    STATE.with(|s| s.borrow().sent.clone())
}

/// Log lines written so far.
pub fn logs() -> Vec<(LogLevel, String)> {
    STATE.with(|s| s.borrow().logs.clone())
}

/// Check an adapter's `mercato.toml`: it parses and validates, and its supplier id is the one
/// [`Adapter::describe`](crate::Adapter::describe) answers (the host refuses a mismatch).
///
/// ```ignore
/// testing::check_manifest::<MyAdapter>(include_str!("../mercato.toml")).unwrap();
/// ```
#[cfg(feature = "manifest")]
pub fn check_manifest<A: crate::Adapter>(
    toml_text: &str,
) -> Result<crate::manifest::Manifest, String> {
    let manifest = crate::manifest::Manifest::parse(toml_text).map_err(|e| e.to_string())?;
    let described = A::default().describe().supplier_id;
    if manifest.adapter.supplier != described {
        return Err(format!(
            "mercato.toml says supplier {:?} but describe() answers {described:?}",
            manifest.adapter.supplier
        ));
    }
    Ok(manifest)
}

/// A call context as the host would pass it, with a deadline a minute from now.
pub fn call_context() -> CallContext {
    CallContext {
        request_id: "test-request".to_string(),
        buyer: BuyerContext {
            account_id: Some("ACCT-1".to_string()),
            organization: Some("Test Buyer GmbH".to_string()),
            tax_id: None,
            cost_center: None,
            originator: Some("sensor-17".to_string()),
            on_behalf_of: None,
        },
        locale: None,
        currency: None,
        country: None,
        deadline: crate::time::now_ms() + 60_000,
    }
}

pub(crate) mod stand_in {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    pub(crate) fn setting(key: &str) -> Option<String> {
        STATE.with(|s| s.borrow().settings.get(key).cloned())
    }

    pub(crate) fn hmac_sha256(secret_name: &str, data: &[u8]) -> Option<Vec<u8>> {
        let secret = STATE.with(|s| s.borrow().secrets.get(secret_name).cloned())?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).ok()?;
        mac.update(data);
        Some(mac.finalize().into_bytes().to_vec())
    }

    pub(crate) fn log(level: LogLevel, message: &str) {
        STATE.with(|s| s.borrow_mut().logs.push((level, message.to_string())));
    }

    pub(crate) fn send(request: Request) -> Result<Response, HttpError> {
        // Take the handler out while it runs so it may itself use the stand-ins.
        let handler = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.sent.push(request.clone());
            s.handler.take()
        });
        let Some(mut handler) = handler else {
            return Err(HttpError::Denied {
                detail: format!(
                    "no HTTP outside the host: install a stand-in with testing::on_http before \
                     sending {} {}",
                    request.method.as_str(),
                    request.url()
                ),
            });
        };
        let result = handler(&request);
        STATE.with(|s| s.borrow_mut().handler = Some(handler));
        result
    }
}

mod network {
    use crate::http::{HttpError, Request, Response};
    use std::io::Read;

    pub(super) fn send(
        req: &Request,
        extra_headers: &[(String, String)],
    ) -> Result<Response, HttpError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(req.timeout))
            .build()
            .into();
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url());
        for (name, value) in req.headers.iter().chain(extra_headers) {
            builder = builder.header(name, value);
        }
        let request = builder
            .body(req.body.clone())
            .map_err(|e| HttpError::InvalidUrl {
                url: req.url(),
                reason: e.to_string(),
            })?;
        let mut response = agent.run(request).map_err(|e| match e {
            ureq::Error::Timeout(_) => HttpError::Timeout,
            ureq::Error::Io(io) => HttpError::Unreachable {
                detail: io.to_string(),
            },
            other => HttpError::Protocol {
                detail: other.to_string(),
            },
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .read_to_end(&mut body)
            .map_err(|e| HttpError::Protocol {
                detail: e.to_string(),
            })?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// One edit of a sample document, for fuzzing a parser with near-valid input: `at` is taken
/// modulo the sample's length, `byte` is what to write or insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Overwrite the byte at `at`.
    Set {
        /// Where (modulo the length).
        at: usize,
        /// The new byte.
        byte: u8,
    },
    /// Insert `byte` before `at`.
    Insert {
        /// Where (modulo the length + 1).
        at: usize,
        /// The inserted byte.
        byte: u8,
    },
    /// Remove the byte at `at`.
    Remove {
        /// Where (modulo the length).
        at: usize,
    },
    /// Cut the sample off at `at`.
    Truncate {
        /// Where (modulo the length + 1).
        at: usize,
    },
    /// Repeat the bytes from `at` to the end once more at the end.
    Repeat {
        /// Where (modulo the length).
        at: usize,
    },
}

/// `sample` with `edits` applied in order: near-valid input that reaches a parser's inner
/// branches, where random bytes stop at the first one.
pub fn mutated(sample: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = sample.to_vec();
    for edit in edits {
        let len = out.len();
        match *edit {
            Edit::Set { at, byte } if len > 0 => out[at % len] = byte,
            Edit::Insert { at, byte } => out.insert(at % (len + 1), byte),
            Edit::Remove { at } if len > 0 => {
                out.remove(at % len);
            }
            Edit::Truncate { at } => out.truncate(at % (len + 1)),
            Edit::Repeat { at } if len > 0 && len < 1 << 20 => {
                let tail = out[at % len..].to_vec();
                out.extend_from_slice(&tail);
            }
            _ => {}
        }
    }
    out
}

/// [`mutated`] with edits given as plain `(kind, at, byte)` triples, as a property-test
/// framework generates them (`kind` modulo 5 picks the [`Edit`]).
pub fn mutated_by(sample: &[u8], parts: &[(u8, usize, u8)]) -> Vec<u8> {
    let edits: Vec<Edit> = parts
        .iter()
        .map(|&(kind, at, byte)| match kind % 5 {
            0 => Edit::Set { at, byte },
            1 => Edit::Insert { at, byte },
            2 => Edit::Remove { at },
            3 => Edit::Truncate { at },
            _ => Edit::Repeat { at },
        })
        .collect();
    mutated(sample, &edits)
}
