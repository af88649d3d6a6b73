//! Watching an adapter's calls from outside the sandbox, for the conformance suite: what each
//! call did (requests sent, requests refused, memory reached, how it ended), and calls to
//! operations the adapter does not declare, which the host never makes on its own.

use super::Operation;
use crate::error::CallError;
use crate::sandbox::outbound::Denials;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Whether a watched adapter's calls pass the capability check first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapabilityGate {
    /// As in production: an undeclared operation is answered by the host with
    /// [`CallError::NotDeclared`] and never reaches the adapter.
    Enforce,
    /// Every operation reaches the adapter, so a suite can check that it answers
    /// `unsupported` for what it does not declare.
    Bypass,
}

/// What one call did in the sandbox.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// The operation.
    pub operation: Operation,
    /// Wall time from instantiation to the answer.
    pub elapsed: Duration,
    /// Outbound requests the gate let through.
    pub requests_sent: u32,
    /// Outbound requests the gate refused: how many, and the first few.
    pub denials: Denials,
    /// The most linear memory the instance grew to, in bytes.
    pub peak_memory_bytes: usize,
    /// How it ended: the error, if it failed (after the host's output checks).
    pub error: Option<CallError>,
}

/// The records of every call made through adapters watched with one log, in call order.
#[derive(Debug, Default)]
pub struct CallLog {
    records: Mutex<Vec<CallRecord>>,
}

impl CallLog {
    /// A new, empty log, shared with the watched adapters.
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// The calls recorded so far.
    pub fn records(&self) -> Vec<CallRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn push(&self, record: CallRecord) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

/// How a watched view of an adapter behaves.
#[derive(Debug, Clone)]
pub(super) struct Watch {
    pub log: Arc<CallLog>,
    pub gate: CapabilityGate,
}

/// The sandbox facts of one call, read from its store before the store is dropped.
#[derive(Debug, Default)]
pub(super) struct CallFacts {
    pub requests_sent: u32,
    pub denials: Denials,
    pub peak_memory_bytes: usize,
    pub elapsed: Duration,
}
