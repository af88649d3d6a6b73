//! Bounded capture of an adapter's stdout and stderr.
//!
//! Output beyond the cap is dropped and counted rather than trapping the adapter, so a chatty
//! adapter keeps working and a flooding one costs the host at most the cap per call.
//!
//! The WASIp2 stream writes straight into the buffer. wasmtime's default wraps an
//! `AsyncWrite` in a pipe fed by a background task, 8 KiB per hand-over: a 64 MiB flood then
//! costs thousands of task switches, enough on a loaded host to run the call out of time.

use bytes::Bytes;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How much a guest may write per step; the capture never blocks, so any size will do, and
/// this one lets a guest's 4 KiB writes go through without waiting.
const WRITE_BUDGET: usize = 1 << 20;

#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    dropped: u64,
}

/// One captured stream; clones share the buffer.
#[derive(Debug, Clone)]
pub struct CapturedOutput {
    capacity: usize,
    buffer: Arc<Mutex<Buffer>>,
}

impl CapturedOutput {
    /// A capture that keeps at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        CapturedOutput {
            capacity,
            buffer: Arc::default(),
        }
    }

    /// Keep what fits, count the rest as dropped.
    fn keep(&self, bytes: &[u8]) {
        let mut b = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        let room = self.capacity.saturating_sub(b.bytes.len());
        let kept = room.min(bytes.len());
        b.bytes.extend_from_slice(&bytes[..kept]);
        b.dropped += (bytes.len() - kept) as u64;
    }

    /// What was kept, and how many bytes were dropped.
    pub fn take(&self) -> (Vec<u8>, u64) {
        let mut b = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        (std::mem::take(&mut b.bytes), std::mem::take(&mut b.dropped))
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

impl OutputStream for CapturedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.keep(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_BUDGET)
    }
}

impl Pollable for CapturedOutput {
    /// Always ready: writes never wait.
    fn ready<'a, 'b>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(std::future::ready(()))
    }
}

impl AsyncWrite for CapturedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.keep(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guest_stream_keeps_up_to_the_cap_and_counts_the_rest() {
        let capture = CapturedOutput::new(10);
        let mut stream = capture.p2_stream();
        assert_eq!(stream.check_write().expect("writable"), WRITE_BUDGET);
        stream.write(Bytes::from_static(b"0123456")).expect("write");
        stream
            .write(Bytes::from_static(b"789abcdef"))
            .expect("write");
        assert_eq!(
            stream.check_write().expect("still writable"),
            WRITE_BUDGET,
            "a full capture still takes writes, so the adapter is not stopped"
        );
        let (kept, dropped) = capture.take();
        assert_eq!(kept, b"0123456789");
        assert_eq!(dropped, 6);
    }
}
