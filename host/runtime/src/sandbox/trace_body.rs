//! Bodies of outbound exchanges in the trace (`mercato run --trace`, or
//! `RUST_LOG=mercato::outbound=trace`): an adapter's author debugging an XML or EDI
//! conversation needs to see what went over the wire, not only the status.
//!
//! A traced body passes every frame through unchanged and keeps a copy of the first
//! [`KEPT_BYTES`]; when the body ends or is dropped the copy is logged as text, with the
//! number of bytes that went through.
//! Only bodies the adapter and the supplier exchange are traced: credentials the host
//! attaches travel in headers, which are never logged.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime_wasi_http::Error as HttpError;

/// How much of each body the trace shows.
pub const KEPT_BYTES: usize = 16 * 1024;

/// Whether bodies are traced at all; checked once per exchange, so an untraced host pays a
/// single filter lookup.
pub fn enabled() -> bool {
    tracing::enabled!(target: "mercato::outbound", tracing::Level::TRACE)
}

/// `body`, logged as `which` ("request" or "response") of the exchange with `uri` once it
/// ends.
pub struct Traced<B> {
    inner: B,
    which: &'static str,
    uri: http::Uri,
    kept: Vec<u8>,
    total: u64,
    logged: bool,
}

impl<B> Traced<B> {
    /// Trace `inner`.
    pub fn new(inner: B, which: &'static str, uri: http::Uri) -> Self {
        Traced {
            inner,
            which,
            uri,
            kept: Vec::new(),
            total: 0,
            logged: false,
        }
    }

    fn log(&mut self) {
        if std::mem::replace(&mut self.logged, true) {
            return;
        }
        let cut = self.total > self.kept.len() as u64;
        tracing::trace!(
            target: "mercato::outbound",
            uri = %self.uri,
            bytes = self.total,
            "{} body{}:\n{}",
            self.which,
            if cut { " (start)" } else { "" },
            String::from_utf8_lossy(&self.kept)
        );
    }
}

impl<B> Body for Traced<B>
where
    B: Body<Data = Bytes, Error = HttpError> + Unpin,
{
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.total += data.len() as u64;
                    let room = KEPT_BYTES.saturating_sub(this.kept.len());
                    this.kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Poll::Ready(None) => this.log(),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for Traced<B> {
    fn drop(&mut self) {
        self.log();
    }
}
