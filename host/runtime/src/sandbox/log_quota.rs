//! An adapter's share of the host's log.
//!
//! Every line the host writes on an adapter's behalf — the adapter's own log calls, what it
//! printed, and the host's warnings about it (refused requests, refused addresses, dropped
//! lines) — takes a token from that adapter's [`LogQuota`], and at most
//! [`MAX_LOG_LINES_PER_CALL`] per call. Each line is escaped onto one line and cut to
//! [`MAX_LOG_LINE_BYTES`], so one adapter costs the log a bounded number of bounded lines
//! however it behaves.

use crate::logline;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Longest line kept; longer lines are cut. With [`MAX_LOG_LINES_PER_CALL`], one call can
/// write at most about 600 KiB of log however it behaves.
pub const MAX_LOG_LINE_BYTES: usize = 2 * 1024;
/// Lines of the adapter's own (log calls, stdout, stderr) kept per call; the rest are counted
/// and dropped.
pub const MAX_LOG_LINES_PER_CALL: u32 = 256;
/// Lines the host writes about a call (its summary of refusals and drops) beyond the
/// adapter's own, so a call that used up its lines still reports what the host refused.
pub const MAX_HOST_LINES_PER_CALL: u32 = 4;

/// Who a line about an adapter comes from: the `source` field of the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The adapter's `log` calls.
    Log,
    /// What the adapter printed to stdout.
    Stdout,
    /// What the adapter printed to stderr.
    Stderr,
    /// The host, about the call (refusals, drops); counted apart from the adapter's lines.
    Host,
}

impl Source {
    /// The name in the log line's `source` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Log => "log",
            Source::Stdout => "stdout",
            Source::Stderr => "stderr",
            Source::Host => "host",
        }
    }
}

/// How serious a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine detail.
    Trace,
    /// Diagnostics.
    Debug,
    /// Normal events.
    Info,
    /// Something worth a look.
    Warn,
    /// A failure.
    Error,
}

/// One adapter's token bucket of log lines across all its calls: `rate` per second, bursts of
/// ten seconds' worth.
#[derive(Debug)]
pub struct LogQuota {
    supplier: Arc<str>,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    rate: f64,
    tokens: f64,
    at: Instant,
}

impl LogQuota {
    /// A full quota of `per_second` lines a second for `supplier`.
    pub fn new(supplier: Arc<str>, per_second: u32) -> Self {
        let rate = f64::from(per_second);
        LogQuota {
            supplier,
            bucket: Mutex::new(Bucket {
                rate,
                tokens: rate * 10.0,
                at: Instant::now(),
            }),
        }
    }

    fn take(&self) -> bool {
        let mut b = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * b.rate).min(b.rate * 10.0);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One call's lines, drawn from its adapter's quota.
#[derive(Debug)]
pub struct CallLines {
    quota: Arc<LogQuota>,
    written: u32,
    written_by_host: u32,
    dropped: u64,
}

impl CallLines {
    /// A call's share of `quota`, nothing written yet.
    pub fn new(quota: Arc<LogQuota>) -> Self {
        CallLines {
            quota,
            written: 0,
            written_by_host: 0,
            dropped: 0,
        }
    }

    /// Lines dropped so far because the call or the adapter was over its quota.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Write `text` as one line about this adapter (`source` says who wrote it: the adapter's
    /// log, its stdout, or the host), or count it as dropped. Whether it was written.
    pub fn write(&mut self, level: Level, source: Source, text: &str) -> bool {
        let (count, cap) = if source == Source::Host {
            (&mut self.written_by_host, MAX_HOST_LINES_PER_CALL)
        } else {
            (&mut self.written, MAX_LOG_LINES_PER_CALL)
        };
        if *count >= cap || !self.quota.take() {
            self.dropped += 1;
            return false;
        }
        *count += 1;
        let line = logline::cut(logline::escape(text).into_owned(), MAX_LOG_LINE_BYTES);
        let (supplier, source) = (&*self.quota.supplier, source.as_str());
        match level {
            Level::Trace => tracing::trace!(target: "adapter", supplier, source, "{line}"),
            Level::Debug => tracing::debug!(target: "adapter", supplier, source, "{line}"),
            Level::Info => tracing::info!(target: "adapter", supplier, source, "{line}"),
            Level::Warn => tracing::warn!(target: "adapter", supplier, source, "{line}"),
            Level::Error => tracing::error!(target: "adapter", supplier, source, "{line}"),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_writes_at_most_its_cap_and_counts_the_rest() {
        let quota = Arc::new(LogQuota::new(Arc::from("s"), 1_000));
        let mut call = CallLines::new(quota);
        let written = (0..1_000)
            .filter(|_| call.write(Level::Info, Source::Log, "x"))
            .count();
        assert_eq!(written, MAX_LOG_LINES_PER_CALL as usize);
        assert_eq!(call.dropped(), 1_000 - u64::from(MAX_LOG_LINES_PER_CALL));
        assert!(
            call.write(Level::Warn, Source::Host, "the host's summary"),
            "the host's own lines have room of their own"
        );
    }

    #[test]
    fn calls_share_their_adapters_quota() {
        let quota = Arc::new(LogQuota::new(Arc::from("s"), 10));
        let mut written = 0;
        for _ in 0..10 {
            let mut call = CallLines::new(quota.clone());
            written += (0..50)
                .filter(|_| call.write(Level::Warn, Source::Log, "x"))
                .count();
        }
        // Ten seconds' burst, plus what refilled while the test ran.
        assert!((100..110).contains(&written), "{written}");
    }
}
