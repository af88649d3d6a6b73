//! The gateway's accept loop: what `axum::serve` does, plus the bounds a server facing careless
//! or hostile clients needs. A client may take at most `header_timeout` to send a request's
//! headers (and to start its next request on a kept-alive connection), at most `body_timeout`
//! to send its body, and may leave its connection without a byte moving for at most
//! `idle_timeout`; beyond `max_connections` open at once, a new connection gets `503` and is
//! closed, so slow or idle clients exhaust their own connections, never the host's memory.
//!
//! Every error here is problem details, as the router's are: the refusal of a connection
//! over the limit, and the HTTP server's own answer to a request it cannot read (a malformed
//! request line or header, an HTTP version it does not speak), which hyper writes with an empty body
//! before any router sees the request and offers no hook for (hyperium/hyper#3225), so
//! [`Problems`] rewrites it on its way out.

use super::api::PROBLEM_JSON;
use super::problem::ApiError;
use axum::Router;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// How long and how many: the bounds on the gateway's client connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From a connection's first byte (or the end of its previous request) to the end of a
    /// request's headers.
    pub header_timeout: Duration,
    /// From a request's headers to the end of its body.
    pub body_timeout: Duration,
    /// The longest a connection may go without a byte read or written.
    pub idle_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// Default [`ConnectionLimits::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`ConnectionLimits::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`ConnectionLimits::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default [`ConnectionLimits::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// The HTTP server's read buffer: room for a request head at the gateway's limits (URI and
/// headers), so the gateway, not the server, refuses one over them.
const HEAD_BUFFER_BYTES: usize = 4 * (super::http::MAX_URI_BYTES + super::http::MAX_HEADER_BYTES);

/// Serve `router` on `listener` within `limits` until `shutdown` completes; connections in
/// flight finish first.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Problems::new(Idle::new(stream, limits.idle_timeout)));
        let router = router.clone();
        let body_timeout = limits.body_timeout;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let request =
                request.map(|body| axum::body::Body::new(Deadline::new(body, body_timeout)));
            router.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            // Above the gateway's own limits, which answer with problem details.
            .max_headers(4 * super::http::MAX_HEADERS)
            .max_buf_size(HEAD_BUFFER_BYTES)
            .header_read_timeout(limits.header_timeout)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "client connection ended");
            }
            drop(permit);
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// Answer a connection over the limit, briefly, and close it.
async fn refuse(mut stream: TcpStream, open: usize) {
    let busy = problem_response(&ApiError::TooManyConnections(open), None);
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&busy)).await;
}

/// A whole HTTP/1.1 response carrying `error`'s problem details, closing the connection;
/// `date` is the `Date` header's value when there is one to keep.
fn problem_response(error: &ApiError, date: Option<&str>) -> Vec<u8> {
    let id = crate::clients::request_id();
    let mut problem = error.to_problem(None);
    problem.request_id = Some(id.clone());
    tracing::debug!(
        request_id = %id, code = problem.code.as_str(), detail = %problem.detail, "refused before routing");
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let status = error.status();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nconnection: close\r\ncontent-type: {PROBLEM_JSON}\r\n\
         content-length: {}\r\nx-request-id: {id}\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    );
    if let Some(ms) = problem.retry_after_ms {
        head.push_str(&format!("retry-after: {}\r\n", ms.div_ceil(1000)));
    }
    if let Some(date) = date {
        head.push_str(&format!("date: {date}\r\n"));
    }
    head.push_str("\r\n");
    let mut response = head.into_bytes();
    response.extend_from_slice(&body);
    response
}

/// The problem details to send instead of `written`, when it is the HTTP server's own bare
/// error response: a status line of 400, 414 or 431 with `connection: close`,
/// `content-length: 0` and no `content-type` (every response the router makes has one).
fn instead_of_bare_error(written: &[u8]) -> Option<Vec<u8>> {
    // hyper's error responses are a short head; anything longer (a response with its body,
    // written again and again to a slow reader) is passed on without a look.
    if written.len() > 512 || !written.starts_with(b"HTTP/1.1 ") {
        return None;
    }
    let text = std::str::from_utf8(written).ok()?;
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    if !rest.is_empty() {
        return None;
    }
    let (mut close, mut empty, mut date) = (false, false, None);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match (name.to_ascii_lowercase().as_str(), value.trim()) {
            ("connection", "close") => close = true,
            ("content-length", "0") => empty = true,
            ("date", d) => date = Some(d),
            ("content-type", _) => return None,
            _ => {}
        }
    }
    if !(close && empty) {
        return None;
    }
    let error = match status {
        "400" => ApiError::BadRequest(
            "the request is not HTTP/1.1 the gateway can read: its request line or a header is \
             malformed"
                .into(),
        ),
        "414" => ApiError::UriTooLong(format!(
            "the request's URI is longer than {} bytes",
            super::http::MAX_URI_BYTES
        )),
        "431" => ApiError::HeadersTooLarge(format!(
            "the request's headers are more than {} or larger than {} bytes",
            super::http::MAX_HEADERS,
            super::http::MAX_HEADER_BYTES
        )),
        _ => return None,
    };
    Some(problem_response(&error, date))
}

/// A connection whose HTTP server's own bare error responses go out as problem details (see
/// [`instead_of_bare_error`]). Writes are not vectored, so hyper hands over a response head
/// whole.
struct Problems<S> {
    inner: S,
    /// A replacement being written, and how much of it is out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> Problems<S> {
    fn new(inner: S) -> Self {
        Problems {
            inner,
            pending: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Problems<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Problems<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (replacement, mut sent) = match self.pending.take() {
            Some(pending) => pending,
            None => match instead_of_bare_error(buf) {
                Some(replacement) => (replacement, 0),
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            },
        };
        while sent < replacement.len() {
            match Pin::new(&mut self.inner).poll_write(cx, &replacement[sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    self.pending = Some((replacement, sent));
                    return Poll::Pending;
                }
            }
        }
        // The server's bytes count as written: they went out as the problem.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A connection that fails once no byte has moved either way for `timeout`.
struct Idle<S> {
    inner: S,
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
}

impl<S> Idle<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Idle {
            inner,
            timeout,
            timer: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    fn moved(&mut self) {
        self.timer.as_mut().reset(Instant::now() + self.timeout);
    }

    /// After the inner stream said Pending: an error if the connection has been idle too long.
    fn expired(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client connection was idle too long",
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Idle<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                self.moved();
                Poll::Ready(r)
            }
            Poll::Pending => self.expired(cx).map(Err),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Idle<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                self.moved();
                Poll::Ready(r)
            }
            Poll::Pending => self.expired(cx).map(Err),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending => self.expired(cx).map(Err),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Why a request body stopped: it did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
struct BodyTimeout(Duration);

/// A request body that fails once `timeout` has passed since its request's headers.
struct Deadline {
    inner: Incoming,
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
}

impl Deadline {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Deadline {
            inner,
            timeout,
            timer: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Body for Deadline {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimeout(self.timeout).into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_bare_errors_are_rewritten() {
        let bare = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\
                     date: Tue, 08 Dec 2026 01:03:32 GMT\r\n\r\n";
        let rewritten = String::from_utf8(instead_of_bare_error(bare).expect("rewritten")).unwrap();
        assert!(
            rewritten.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{rewritten}"
        );
        assert!(rewritten.contains("\r\ndate: Tue, 08 Dec 2026 01:03:32 GMT\r\n"));
        let (head, body) = rewritten.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["code"], "bad_request");

        // The router's own answers always name their media type, and carry a body.
        for ours in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\n\
               connection: close\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            b"{\"not\": \"a head\"}",
        ] {
            assert!(
                instead_of_bare_error(ours).is_none(),
                "{}",
                String::from_utf8_lossy(ours)
            );
        }
    }
}
