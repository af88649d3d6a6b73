//! The outbound gate: the one door from an adapter to the network.
//!
//! Every `wasi:http/outgoing-handler.handle` call lands in [`OutboundGate::send_request`],
//! which refuses what the adapter was not effectively granted, clamps timeouts, caps request
//! and response bodies and the number of requests per call, attaches the adapter's secrets
//! only to requests bound for the destination each secret belongs to, and hands the request to
//! [`connect`](super::connect), which resolves and checks the address itself. Redirects are
//! never followed: a 3xx goes back to the adapter like any other answer.

use super::HostGrant;
use super::allowed_hosts::{GrantScheme, split_host_port};
use super::limits::{Limits, OUTGOING_BODY_BUFFER_CHUNKS, OUTGOING_BODY_CHUNK_BYTES};
use super::secrets::{SecretBinding, Secrets};
use super::trace_body::{self, Traced};
use crate::logline;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::{Arc, Mutex, PoisonError};
use wasmtime_wasi_http::{
    DEFAULT_FORBIDDEN_HEADERS, Error as HttpError, ForbiddenHeaderFilter, RequestOptions, WasiBody,
    WasiHttpHooks,
};

/// Why the gate refused a request; kept per call so the host can report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The destination is not granted.
    HostNotGranted {
        /// `scheme://authority` of the request.
        destination: String,
    },
    /// The request has no usable scheme or authority.
    MalformedUri {
        /// The URI as given.
        uri: String,
    },
    /// More requests than one call may make.
    RequestCap {
        /// The cap.
        limit: u32,
    },
    /// The destination is granted, but its name resolved to an address the grant does not
    /// allow (internal, or cloud metadata).
    AddressNotAllowed {
        /// The host name asked for.
        host: String,
        /// Whether the grant allows internal addresses (then only a metadata address is
        /// refused).
        private_network: bool,
    },
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Each says which grant would allow the request, so an author or integrator
            // fixes the policy rather than guesses.
            Denial::HostNotGranted { destination } => {
                write!(
                    f,
                    "a request to {destination}, which is not granted: the adapter's manifest \
                     must ask for it and the host policy grant it (`hosts = [\"{destination}\"]` \
                     in its [[adapter]] entry; `mercato run --allow URL`)"
                )?;
                if destination.starts_with("http://") {
                    write!(
                        f,
                        "; plain http also needs `insecure-http = true` on that host"
                    )?;
                }
                Ok(())
            }
            Denial::MalformedUri { uri } => write!(f, "a request to {uri:?}, not a usable URL"),
            Denial::RequestCap { limit } => write!(
                f,
                "a request beyond the {limit} one call may make (`outbound-requests` in the \
                 adapter's `limits`, at most `[host.caps] outbound-requests`)"
            ),
            Denial::AddressNotAllowed {
                host,
                private_network: true,
            } => write!(
                f,
                "a request to {host}, which resolves to a cloud metadata address: never allowed"
            ),
            Denial::AddressNotAllowed {
                host,
                private_network: false,
            } => write!(
                f,
                "a request to {host}, which resolves to an internal address (loopback, private, \
                 link-local) or a cloud metadata one: `private-network = true` on that host in \
                 the policy allows internal ones (`mercato run --allow` does); metadata \
                 addresses are never allowed"
            ),
        }
    }
}

/// Refused requests kept per call as examples; the rest are only counted, so a guest looping
/// on refused requests costs the host a counter, not memory or log lines.
pub const DENIAL_SAMPLES: usize = 8;
/// Longest URL or destination a kept denial quotes.
const MAX_DENIAL_TEXT: usize = 256;

/// The requests the gate refused during one call: how many, and the first few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denials {
    /// The first [`DENIAL_SAMPLES`] refusals, URLs cut to a bounded length.
    pub sample: Vec<Denial>,
    /// Every refusal, kept or not.
    pub total: u64,
}

impl Denials {
    fn record(&mut self, denial: Denial) {
        self.total += 1;
        if self.sample.len() < DENIAL_SAMPLES {
            self.sample.push(denial.bounded());
        }
    }

    /// Whether nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl Denial {
    /// The same denial with any quoted URL cut to [`MAX_DENIAL_TEXT`] bytes.
    fn bounded(self) -> Denial {
        match self {
            Denial::HostNotGranted { destination } => Denial::HostNotGranted {
                destination: logline::cut(destination, MAX_DENIAL_TEXT),
            },
            Denial::MalformedUri { uri } => Denial::MalformedUri {
                uri: logline::cut(uri, MAX_DENIAL_TEXT),
            },
            Denial::AddressNotAllowed {
                host,
                private_network,
            } => Denial::AddressNotAllowed {
                host: logline::cut(host, MAX_DENIAL_TEXT),
                private_network,
            },
            other => other,
        }
    }
}

fn record(denials: &Mutex<Denials>, denial: Denial) {
    denials
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .record(denial);
}

/// Per-call state of the gate.
pub struct OutboundGate {
    supplier: Arc<str>,
    hosts: Arc<[HostGrant]>,
    secrets: Arc<Secrets>,
    bindings: Arc<[SecretBinding]>,
    limits: Arc<Limits>,
    sent: u32,
    /// Shared with the requests in flight, which record refused addresses.
    denials: Arc<Mutex<Denials>>,
}

/// A request the gate lets through.
struct Admitted {
    grant: HostGrant,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl OutboundGate {
    /// A gate for one call of `supplier`'s adapter.
    pub fn new(
        supplier: Arc<str>,
        hosts: Arc<[HostGrant]>,
        secrets: Arc<Secrets>,
        bindings: Arc<[SecretBinding]>,
        limits: Arc<Limits>,
    ) -> Self {
        OutboundGate {
            supplier,
            hosts,
            secrets,
            bindings,
            limits,
            sent: 0,
            denials: Arc::default(),
        }
    }

    /// Requests refused during this call.
    pub fn denials(&self) -> Denials {
        self.denials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Requests let through during this call.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// Refuse a request. Not logged here: the call reports its refusals once, when it ends,
    /// under the adapter's log budget.
    fn deny(&mut self, denial: Denial) -> HttpError {
        record(&self.denials, denial);
        HttpError::HttpRequestDenied
    }

    /// Decide on a request; on success return its grant and the secret headers to attach.
    fn admit(&mut self, request: &http::Request<WasiBody>) -> Result<Admitted, HttpError> {
        let uri = request.uri();
        let scheme = match uri.scheme_str() {
            Some("http") => GrantScheme::Http,
            Some("https") => GrantScheme::Https,
            _ => {
                return Err(self.deny(Denial::MalformedUri {
                    uri: uri.to_string(),
                }));
            }
        };
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        let parsed = if authority.contains('@') {
            None
        } else {
            split_host_port(authority)
        };
        let Some((host, port)) = parsed.filter(|(h, _)| !h.is_empty()) else {
            return Err(self.deny(Denial::MalformedUri {
                uri: uri.to_string(),
            }));
        };
        let Some(grant) = self
            .hosts
            .iter()
            .find(|g| g.host.matches(scheme, host, port))
            .cloned()
        else {
            return Err(self.deny(Denial::HostNotGranted {
                destination: format!("{}://{}", scheme.as_str(), authority),
            }));
        };
        if self.sent >= self.limits.outbound_requests {
            return Err(self.deny(Denial::RequestCap {
                limit: self.limits.outbound_requests,
            }));
        }
        self.sent += 1;
        let path = uri.path();
        let headers = self
            .bindings
            .iter()
            .filter(|b| b.target.allows(&grant.host, path))
            .filter_map(|b| Some((b.header.clone(), b.header_value(&self.secrets)?)))
            .collect();
        Ok(Admitted { grant, headers })
    }

    fn clamp(&self, options: Option<RequestOptions>) -> RequestOptions {
        let asked = options.unwrap_or_default();
        let clamp =
            |asked: Option<std::time::Duration>, cap| Some(asked.map_or(cap, |a| a.min(cap)));
        RequestOptions {
            connect_timeout: clamp(asked.connect_timeout, self.limits.connect_timeout),
            first_byte_timeout: clamp(asked.first_byte_timeout, self.limits.first_byte_timeout),
            between_bytes_timeout: clamp(
                asked.between_bytes_timeout,
                self.limits.between_bytes_timeout,
            ),
        }
    }
}

type IoFuture = Box<dyn Future<Output = Result<(), HttpError>> + Send>;
type SendFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), HttpError>> + Send>;

impl WasiHttpHooks for OutboundGate {
    fn forbidden_header_filter(&mut self) -> ForbiddenHeaderFilter {
        // Headers the host sets itself may not come from the adapter: refused, not merged. The
        // Host header is the authority the gate checked; an adapter may not name another.
        let mut reserved: Vec<http::HeaderName> =
            self.bindings.iter().map(|b| b.header.clone()).collect();
        reserved.push(http::header::HOST);
        Arc::new(move |name| DEFAULT_FORBIDDEN_HEADERS.contains(name) || reserved.contains(name))
    }

    /// A request body the adapter writes is buffered in the host until it is sent; small
    /// writes keep what an unsent request can hold small.
    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        OUTGOING_BODY_CHUNK_BYTES
    }

    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        OUTGOING_BODY_BUFFER_CHUNKS
    }

    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: IoFuture,
    ) -> SendFuture {
        let admitted = match self.admit(&request) {
            Ok(a) => a,
            Err(e) => return Box::new(async move { Err(e) }),
        };
        for (name, value) in admitted.headers {
            request.headers_mut().insert(name, value);
        }
        let options = self.clamp(options);
        let (supplier, method, uri) = (
            self.supplier.clone(),
            request.method().clone(),
            request.uri().clone(),
        );
        let max_response = self.limits.response_body_bytes;
        let max_request = self.limits.request_body_bytes;
        let trace_bodies = trace_body::enabled();
        let denials = self.denials.clone();
        let request = request.map(|body| {
            let body = capped(
                body,
                max_request,
                HttpError::HttpRequestBodySize(Some(max_request)),
            );
            if trace_bodies {
                Traced::new(body, "request", uri.clone()).boxed_unsync()
            } else {
                body
            }
        });
        Box::new(async move {
            let started = std::time::Instant::now();
            let private_network = admitted.grant.private_network;
            let sent = super::connect::send(request, options, admitted.grant).await;
            // `mercato run --trace` shows these; in `serve`, RUST_LOG=mercato::outbound=debug.
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            match &sent {
                Ok((response, _)) => tracing::debug!(
                    target: "mercato::outbound",
                    %supplier, %method, %uri, status = response.status().as_u16(), elapsed_ms,
                    "outbound exchange"
                ),
                Err(error) => tracing::debug!(
                    target: "mercato::outbound",
                    %supplier, %method, %uri, %error, elapsed_ms,
                    "outbound exchange failed"
                ),
            }
            if let Err(HttpError::DestinationIpProhibited) = &sent {
                let host = uri.host().unwrap_or_default().to_string();
                record(
                    &denials,
                    Denial::AddressNotAllowed {
                        host,
                        private_network,
                    },
                );
            }
            let (response, io) = sent?;
            let response = response.map(|body| {
                let body = capped(
                    body,
                    max_response,
                    HttpError::HttpResponseBodySize(Some(max_response)),
                );
                if trace_bodies {
                    Traced::new(body, "response", uri.clone()).boxed_unsync()
                } else {
                    body
                }
            });
            Ok((response, Box::new(io) as IoFuture))
        })
    }
}

/// `body`, failing with `too_large` once it passes `max` bytes.
fn capped<B>(body: B, max: u64, too_large: HttpError) -> WasiBody
where
    B: http_body::Body<Data = bytes::Bytes, Error = HttpError> + Send + 'static,
{
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    Limited::new(body, cap)
        .map_err(move |e| {
            if e.is::<LengthLimitError>() {
                return clone_error(&too_large);
            }
            match e.downcast::<HttpError>() {
                Ok(inner) => *inner,
                Err(other) => HttpError::InternalError(Some(other.to_string())),
            }
        })
        .boxed_unsync()
}

fn clone_error(e: &HttpError) -> HttpError {
    match e {
        HttpError::HttpRequestBodySize(n) => HttpError::HttpRequestBodySize(*n),
        HttpError::HttpResponseBodySize(n) => HttpError::HttpResponseBodySize(*n),
        other => HttpError::InternalError(Some(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::HostGrant;
    use crate::sandbox::secrets::AttachTarget;
    use http_body_util::Empty;

    fn gate(limit: u32) -> OutboundGate {
        let hosts: Vec<HostGrant> = vec![
            HostGrant::local("http://127.0.0.1:9000").expect("valid"),
            HostGrant::parse("https://api.supplier.example").expect("valid"),
        ];
        let mut secrets = Secrets::default();
        secrets.insert("api-key".into(), b"k-123".to_vec());
        let binding = SecretBinding {
            secret: "api-key".into(),
            header: http::HeaderName::from_static("x-api-key"),
            format: "{secret}".into(),
            target: AttachTarget::parse("https://api.supplier.example/v1").expect("valid"),
        };
        OutboundGate::new(
            Arc::from("test"),
            Arc::from(hosts),
            Arc::new(secrets),
            Arc::from(vec![binding]),
            Arc::new(Limits {
                outbound_requests: limit,
                ..Limits::default()
            }),
        )
    }

    fn request(uri: &str) -> http::Request<WasiBody> {
        http::Request::builder()
            .uri(uri)
            .body(Empty::new().map_err(|never| match never {}).boxed_unsync())
            .expect("valid request")
    }

    #[test]
    fn only_granted_destinations_pass() {
        let mut g = gate(16);
        assert!(g.admit(&request("http://127.0.0.1:9000/x")).is_ok());
        for denied in [
            "http://127.0.0.1:9001/x",
            "https://127.0.0.1:9000/x",
            "http://localhost:9000/x",
            "https://api.supplier.example.evil/x",
            "http://169.254.169.254/latest/meta-data",
        ] {
            assert!(
                matches!(g.admit(&request(denied)), Err(HttpError::HttpRequestDenied)),
                "{denied} was let through"
            );
        }
        assert_eq!(g.denials().total, 5);
        assert!(matches!(
            g.denials().sample[0],
            Denial::HostNotGranted { .. }
        ));
    }

    #[test]
    fn secrets_attach_only_to_their_own_destination() {
        let mut g = gate(16);
        let headers = g
            .admit(&request("https://api.supplier.example/v1/search"))
            .expect("granted")
            .headers;
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[0].0, "x-api-key");
        assert_eq!(headers[0].1, "k-123");
        let other = g
            .admit(&request("http://127.0.0.1:9000/"))
            .expect("granted")
            .headers;
        assert!(other.is_empty(), "the key must not travel to another host");
        for outside in [
            "https://api.supplier.example/v2/echo",
            "https://api.supplier.example/v1/../echo",
        ] {
            let headers = g.admit(&request(outside)).expect("granted").headers;
            assert!(headers.is_empty(), "{outside} is outside the key's prefix");
        }
    }

    #[test]
    fn adapters_cannot_set_the_headers_the_host_sets() {
        let mut g = gate(16);
        let forbidden = g.forbidden_header_filter();
        assert!(forbidden(&http::HeaderName::from_static("x-api-key")));
        assert!(forbidden(&http::HeaderName::from_static("connection")));
        assert!(
            forbidden(&http::header::HOST),
            "the Host header is the checked authority"
        );
        assert!(!forbidden(&http::HeaderName::from_static("accept")));
    }

    #[test]
    fn each_denial_names_the_grant_that_would_allow_it() {
        let mut g = gate(1);
        let _ = g.admit(&request("http://127.0.0.1:9001/x"));
        let _ = g.admit(&request("https://api.other.example/x"));
        let _ = g.admit(&request("http://127.0.0.1:9000/x"));
        let _ = g.admit(&request("http://127.0.0.1:9000/y"));
        let said: Vec<String> = g.denials().sample.iter().map(ToString::to_string).collect();
        assert!(
            said[0].contains(r#"`hosts = ["http://127.0.0.1:9001"]`"#),
            "{}",
            said[0]
        );
        assert!(said[0].contains("--allow URL"), "{}", said[0]);
        assert!(said[0].contains("insecure-http = true"), "{}", said[0]);
        assert!(
            !said[1].contains("insecure-http"),
            "https needs no more: {}",
            said[1]
        );
        assert!(said[2].contains("`outbound-requests`"), "{}", said[2]);
        let internal = Denial::AddressNotAllowed {
            host: "rebound.example".into(),
            private_network: false,
        };
        assert!(internal.to_string().contains("`private-network = true`"));
        let metadata = Denial::AddressNotAllowed {
            host: "rebound.example".into(),
            private_network: true,
        };
        assert!(metadata.to_string().contains("never allowed"));
        assert!(!metadata.to_string().contains("private-network"));
    }

    #[test]
    fn the_request_cap_holds_per_call() {
        let mut g = gate(2);
        assert!(g.admit(&request("http://127.0.0.1:9000/1")).is_ok());
        assert!(g.admit(&request("http://127.0.0.1:9000/2")).is_ok());
        assert!(g.admit(&request("http://127.0.0.1:9000/3")).is_err());
        assert_eq!(g.denials().sample, [Denial::RequestCap { limit: 2 }]);
    }

    #[test]
    fn refusals_are_counted_and_only_a_few_kept_short() {
        let mut g = gate(16);
        let long = format!("http://{}.example/", "a".repeat(60_000));
        for _ in 0..100_000 {
            assert!(g.admit(&request(&long)).is_err());
        }
        assert_eq!(g.denials().total, 100_000);
        assert_eq!(g.denials().sample.len(), DENIAL_SAMPLES);
        for d in &g.denials().sample {
            // The URL, quoted at most twice, and the advice.
            assert!(d.to_string().len() < 2 * MAX_DENIAL_TEXT + 300, "{d}");
        }
    }

    #[test]
    fn user_information_in_the_authority_is_refused() {
        let mut g = gate(16);
        assert!(g.admit(&request("http://user@127.0.0.1:9000/")).is_err());
    }

    #[test]
    fn timeouts_are_clamped_never_raised() {
        let g = gate(16);
        let asked = RequestOptions {
            connect_timeout: Some(std::time::Duration::from_secs(600)),
            first_byte_timeout: Some(std::time::Duration::from_millis(100)),
            between_bytes_timeout: None,
        };
        let got = g.clamp(Some(asked));
        assert_eq!(got.connect_timeout, Some(Limits::default().connect_timeout));
        assert_eq!(
            got.first_byte_timeout,
            Some(std::time::Duration::from_millis(100))
        );
        assert_eq!(
            got.between_bytes_timeout,
            Some(Limits::default().between_bytes_timeout)
        );
    }
}
