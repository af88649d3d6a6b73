//! A small HTTP client for calling the supplier, over `wasi:http/outgoing-handler`.
//!
//! The host decides where requests may go (the adapter's granted hosts) and attaches the
//! supplier credentials itself, so an adapter never builds an `Authorization` header from a
//! secret: it names the upstream path and the host does the rest.
//!
//! ```ignore
//! let client = Client::from_setting("base-url")?;
//! let page: SearchResults = client.post("/api/v1/search").json(&query)?.send()?.json()?;
//! ```

use crate::contract::CommerceError;
use crate::errors::{CommerceResult, bad_upstream, from_status};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Most bytes of a response body the client reads; the host caps bodies as well.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Default time to wait for the first byte of a response. The host clamps it further.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Why a request got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The URL is not an absolute http(s) URL.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The host's outbound policy refused the request (host not granted, header forbidden).
    #[error("the host refused the outbound request: {detail}")]
    Denied {
        /// What the host said.
        detail: String,
    },
    /// No answer in time.
    #[error("the supplier did not answer in time")]
    Timeout,
    /// The supplier could not be reached.
    #[error("the supplier could not be reached: {detail}")]
    Unreachable {
        /// What went wrong.
        detail: String,
    },
    /// The exchange broke off or was malformed.
    #[error("HTTP exchange failed: {detail}")]
    Protocol {
        /// What went wrong.
        detail: String,
    },
    /// The request body could not be encoded.
    #[error("cannot encode the request body: {0}")]
    Encode(String),
}

impl From<HttpError> for CommerceError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Denied { .. } => CommerceError::Forbidden(e.to_string()),
            HttpError::Timeout | HttpError::Unreachable { .. } | HttpError::Protocol { .. } => {
                CommerceError::SupplierUnavailable(crate::contract::RetryHint {
                    retry_after_ms: None,
                })
            }
            HttpError::InvalidUrl { .. } | HttpError::Encode(_) => {
                CommerceError::Internal(e.to_string())
            }
        }
    }
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// `http` or `https`.
    pub scheme: String,
    /// `host[:port]`.
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path_and_query: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes (empty for none).
    pub body: Vec<u8>,
    /// Time to wait for the first byte and between bytes of the response.
    pub timeout: Duration,
}

impl Request {
    /// The full URL.
    pub fn url(&self) -> String {
        format!(
            "{}://{}{}",
            self.scheme, self.authority, self.path_and_query
        )
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a status and a body, for tests and stand-ins.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("content-type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Self if 2xx, otherwise the typed error for the status
    /// (see [`errors::from_status`](crate::errors::from_status)).
    pub fn error_for_status(self) -> CommerceResult<Self> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(from_status(
                self.status,
                self.header("retry-after"),
                &self.body,
            ))
        }
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> CommerceResult<&str> {
        std::str::from_utf8(&self.body).map_err(|e| bad_upstream(format!("body is not UTF-8: {e}")))
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> CommerceResult<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| bad_upstream(format!("JSON body from {} : {e}", self.status)))
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A client bound to one supplier base URL.
#[derive(Debug, Clone)]
pub struct Client {
    scheme: String,
    authority: String,
    base_path: String,
    headers: Vec<(String, String)>,
    timeout: Duration,
}

impl Client {
    /// A client for `base_url` (`https://api.example.com/v1`); paths given to the request
    /// methods are appended to its path.
    pub fn new(base_url: &str) -> Result<Self, HttpError> {
        let invalid = |reason: &str| HttpError::InvalidUrl {
            url: base_url.to_string(),
            reason: reason.to_string(),
        };
        let uri: http::Uri = base_url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        let scheme = match uri.scheme_str() {
            Some("http") => "http",
            Some("https") => "https",
            Some(_) => return Err(invalid("scheme must be http or https")),
            None => return Err(invalid("an absolute URL with a scheme is needed")),
        };
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("user information in URLs is not allowed"));
        }
        if uri.query().is_some() {
            return Err(invalid("a base URL has no query"));
        }
        Ok(Client {
            scheme: scheme.to_string(),
            authority: authority.as_str().to_string(),
            base_path: uri.path().trim_end_matches('/').to_string(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// A client for the URL in the adapter setting `key`.
    pub fn from_setting(key: &str) -> CommerceResult<Self> {
        let url = crate::host::required_setting(key)?;
        Client::new(&url).map_err(|e| {
            CommerceError::Internal(format!("setting `{key}` is not a usable base URL: {e}"))
        })
    }

    /// Send this header with every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Wait at most this long for each response.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Start a request.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        RequestBuilder {
            request: Request {
                method,
                scheme: self.scheme.clone(),
                authority: self.authority.clone(),
                path_and_query: format!("{}{}", self.base_path, path),
                headers: self.headers.clone(),
                body: Vec::new(),
                timeout: self.timeout,
            },
            has_query: path.contains('?'),
        }
    }

    /// Start a GET.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::Get, path)
    }

    /// Start a POST.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::Post, path)
    }

    /// Start a DELETE.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::Delete, path)
    }
}

/// A request being built; finish with [`send`](RequestBuilder::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    request: Request,
    has_query: bool,
}

impl RequestBuilder {
    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request
            .headers
            .push((name.to_string(), value.to_string()));
        self
    }

    /// Append query parameters, percent-encoded.
    pub fn query(mut self, params: &[(&str, &str)]) -> Self {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        if !encoded.is_empty() {
            self.request
                .path_and_query
                .push(if self.has_query { '&' } else { '?' });
            self.request.path_and_query.push_str(&encoded);
            self.has_query = true;
        }
        self
    }

    /// A JSON body.
    pub fn json<T: Serialize>(self, body: &T) -> Result<Self, HttpError> {
        let bytes = serde_json::to_vec(body).map_err(|e| HttpError::Encode(e.to_string()))?;
        Ok(self.body("application/json", bytes))
    }

    /// A body with its content type.
    pub fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.request
            .headers
            .push(("content-type".to_string(), content_type.to_string()));
        self.request.body = bytes.into();
        self
    }

    /// Wait at most this long for the response.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request.timeout = timeout;
        self
    }

    /// The request as it would be sent.
    pub fn build(self) -> Request {
        self.request
    }

    /// Send the request and read the whole response.
    pub fn send(self) -> Result<Response, HttpError> {
        send(self.request)
    }
}

/// Send a request through the host (or the native stand-in under tests). A failure without a
/// response is also written to the host's log, with the request line, for whoever debugs it.
pub fn send(request: Request) -> Result<Response, HttpError> {
    let line = format!("{} {}", request.method.as_str(), request.url());
    #[cfg(target_arch = "wasm32")]
    let result = wasi::send(request);
    #[cfg(not(target_arch = "wasm32"))]
    let result = crate::testing::stand_in::send(request);
    if let Err(e) = &result {
        crate::host::warn(&format!("{line}: {e}"));
    }
    result
}

#[cfg(target_arch = "wasm32")]
mod wasi {
    //! The `wasi:http` transport.
    use super::{HttpError, MAX_RESPONSE_BYTES, Method, Request, Response};
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{
        ErrorCode, Fields, Method as WasiMethod, OutgoingBody, OutgoingRequest, RequestOptions,
        Scheme,
    };
    use wasip2::io::streams::StreamError;

    /// Largest write the output stream accepts at once (wasi:io guarantees 4096).
    const WRITE_CHUNK: usize = 4096;

    pub(super) fn send(req: Request) -> Result<Response, HttpError> {
        let protocol = |detail: String| HttpError::Protocol { detail };
        let entries: Vec<(String, Vec<u8>)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.as_bytes().to_vec()))
            .collect();
        let headers = Fields::from_list(&entries).map_err(|e| HttpError::Denied {
            detail: format!("header refused: {e:?}"),
        })?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match req.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
        };
        let scheme = if req.scheme == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let bad = |what: &str| HttpError::InvalidUrl {
            url: req.url(),
            reason: format!("{what} refused"),
        };
        outgoing.set_method(&method).map_err(|()| bad("method"))?;
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| bad("scheme"))?;
        outgoing
            .set_authority(Some(&req.authority))
            .map_err(|()| bad("authority"))?;
        outgoing
            .set_path_with_query(Some(&req.path_and_query))
            .map_err(|()| bad("path"))?;

        let options = RequestOptions::new();
        let nanos = u64::try_from(req.timeout.as_nanos()).unwrap_or(u64::MAX);
        // The host clamps these; setting them only makes an adapter's own wish explicit.
        let _ = options.set_first_byte_timeout(Some(nanos));
        let _ = options.set_between_bytes_timeout(Some(nanos));

        let body = outgoing
            .body()
            .map_err(|()| protocol("request body already taken".into()))?;
        let pending = outgoing_handler::handle(outgoing, Some(options)).map_err(map_error)?;
        // A server may answer before it has read the body (401, 429, 503 are often sent at
        // once) and close the connection, so a failed write is kept and reported only when
        // there is no response to read either.
        let body_error = write_body(body, &req.body).err();

        pending.subscribe().block();
        let incoming = match pending.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(body_error.unwrap_or_else(|| map_error(code))),
            Some(Err(())) => return Err(protocol("response already taken".into())),
            None => return Err(protocol("response not ready after waiting".into())),
        };
        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let body = incoming
            .consume()
            .map_err(|()| protocol("response body already taken".into()))?;
        let mut bytes = Vec::new();
        {
            let stream = body
                .stream()
                .map_err(|()| protocol("response body stream unavailable".into()))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => {
                        if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                            return Err(protocol(format!(
                                "response body larger than {MAX_RESPONSE_BYTES} bytes"
                            )));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(e)) => {
                        return Err(protocol(format!(
                            "reading response body: {}",
                            e.to_debug_string()
                        )));
                    }
                }
            }
        }
        Ok(Response {
            status,
            headers,
            body: bytes,
        })
    }

    fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), HttpError> {
        let protocol = |detail: String| HttpError::Protocol { detail };
        {
            let stream = body
                .write()
                .map_err(|()| protocol("request body stream unavailable".into()))?;
            for chunk in bytes.chunks(WRITE_CHUNK) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| protocol(format!("writing request body: {e:?}")))?;
            }
        }
        OutgoingBody::finish(body, None).map_err(map_error)
    }

    fn map_error(code: ErrorCode) -> HttpError {
        match code {
            ErrorCode::HttpRequestDenied | ErrorCode::DestinationIpProhibited => {
                HttpError::Denied {
                    detail: format!("{code:?}"),
                }
            }
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionWriteTimeout
            | ErrorCode::HttpResponseTimeout => HttpError::Timeout,
            ErrorCode::DnsTimeout
            | ErrorCode::DnsError(_)
            | ErrorCode::DestinationNotFound
            | ErrorCode::DestinationUnavailable
            | ErrorCode::DestinationIpUnroutable
            | ErrorCode::ConnectionRefused
            | ErrorCode::ConnectionTerminated
            | ErrorCode::ConnectionLimitReached
            | ErrorCode::TlsProtocolError
            | ErrorCode::TlsCertificateError
            | ErrorCode::TlsAlertReceived(_) => HttpError::Unreachable {
                detail: format!("{code:?}"),
            },
            other => HttpError::Protocol {
                detail: format!("{other:?}"),
            },
        }
    }
}

/// An identifier from a caller (an order number, a quote id) as one URL path segment, so it
/// cannot change the path: every byte but RFC 3986's unreserved characters (letters, digits,
/// `-`, `.`, `_`, `~`) is percent-encoded, and the empty segment and the dot segments `.` and
/// `..`, which a server resolves as "here" and "up one level", are refused as
/// `invalid-request` naming `field`.
///
/// ```
/// use mercato_sdk::http::path_segment;
/// assert_eq!(path_segment("order-id", "PO 7/1").unwrap(), "PO%207%2F1");
/// assert!(path_segment("order-id", "..").is_err());
/// ```
pub fn path_segment(field: &str, value: &str) -> CommerceResult<String> {
    if matches!(value, "" | "." | "..") {
        return Err(crate::errors::invalid(
            field,
            format!("{value:?} cannot name anything in a URL path"),
        ));
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_unreserved_characters_and_refuse_dot_segments() {
        assert_eq!(path_segment("id", "VC-2026.1_a~").unwrap(), "VC-2026.1_a~");
        assert_eq!(path_segment("id", "../x y").unwrap(), "..%2Fx%20y");
        assert_eq!(path_segment("id", "ä?#%").unwrap(), "%C3%A4%3F%23%25");
        assert_eq!(path_segment("id", "...").unwrap(), "...");
        for bad in ["", ".", ".."] {
            match path_segment("order-id", bad) {
                Err(CommerceError::InvalidRequest(f)) => assert_eq!(f.field, "order-id"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn paths_join_the_base_and_queries_are_encoded() {
        let c = Client::new("http://127.0.0.1:8080/api/").expect("url");
        let r = c
            .get("v1/search")
            .query(&[("q", "M8 hex bolt"), ("page", "2")])
            .build();
        assert_eq!(
            r.url(),
            "http://127.0.0.1:8080/api/v1/search?q=M8+hex+bolt&page=2"
        );
    }

    #[test]
    fn base_urls_are_checked() {
        assert!(matches!(
            Client::new("ftp://x"),
            Err(HttpError::InvalidUrl { .. })
        ));
        assert!(matches!(
            Client::new("/relative"),
            Err(HttpError::InvalidUrl { .. })
        ));
        assert!(matches!(
            Client::new("https://user@evil.example"),
            Err(HttpError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn error_statuses_become_typed_errors() {
        let r = Response {
            status: 429,
            headers: vec![("retry-after".into(), "2".into())],
            body: Vec::new(),
        };
        let e = r.error_for_status().expect_err("429");
        assert_eq!(e.retry_hint().and_then(|h| h.retry_after_ms), Some(2000));
    }
}
