//! Cases over every call the run made, read from the host's call log: how calls ended, where
//! requests went, and how close the adapter came to its limits.

use super::{Check, Suite, fail};
use crate::CallError;
use crate::contract::CommerceError;
use std::collections::BTreeMap;
use std::fmt::Write as _;

impl Suite {
    /// No call ended in `internal` or in a fault the adapter could not classify.
    pub(super) async fn errors_typed(&mut self) -> Check {
        let records = self.log.records();
        let untyped: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.error {
                Some(e @ CallError::Commerce(CommerceError::Internal(_)))
                | Some(e @ CallError::AdapterFault { .. }) => {
                    Some(format!("{}: {e}", r.operation.name()))
                }
                _ => None,
            })
            .collect();
        if !untyped.is_empty() {
            return Err(fail(format!(
                "calls must fail with one of the contract's typed errors, not `internal` or a \
                 trap:\n{}",
                untyped.join("\n")
            )));
        }
        let errors = records.iter().filter(|r| r.error.is_some()).count();
        Ok(format!(
            "{} calls, {errors} typed error(s), none internal",
            records.len()
        ))
    }

    /// No answer was refused by the host's output checks.
    pub(super) async fn output_valid(&mut self) -> Check {
        let refused: Vec<String> = self
            .log
            .records()
            .iter()
            .filter_map(|r| match &r.error {
                Some(CallError::InvalidOutput { field, reason }) => {
                    Some(format!("{field}: {reason}"))
                }
                Some(CallError::UnverifiedOrder { reason, .. }) => Some(reason.clone()),
                _ => None,
            })
            .collect();
        if refused.is_empty() {
            Ok(String::new())
        } else {
            Err(fail(format!(
                "the host refused answers that break the contract:\n{}",
                refused.join("\n")
            )))
        }
    }

    /// Every outbound request went to a host the manifest declares and the grants allow.
    pub(super) async fn sandbox_hosts(&mut self) -> Check {
        let records = self.log.records();
        let mut counted: BTreeMap<String, usize> = BTreeMap::new();
        for r in &records {
            for d in &r.denials.sample {
                *counted
                    .entry(format!("{}: {d}", r.operation.name()))
                    .or_default() += 1;
            }
            let unshown = r.denials.total - r.denials.sample.len() as u64;
            if unshown > 0 {
                *counted
                    .entry(format!("{}: more refused requests", r.operation.name()))
                    .or_default() += unshown as usize;
            }
        }
        let mut denied = String::new();
        for (what, n) in counted {
            let _ = writeln!(denied, "{what} (×{n})");
        }
        if !denied.is_empty() {
            return Err(fail(format!(
                "the sandbox refused outbound requests:\n{}",
                denied.trim_end()
            )));
        }
        let sent: u32 = records.iter().map(|r| r.requests_sent).sum();
        Ok(format!("{sent} request(s), all to granted hosts"))
    }

    /// No call hit a limit; the note says how close the run came to each.
    pub(super) async fn sandbox_limits(&mut self) -> Check {
        let records = self.log.records();
        let hit: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.error {
                Some(e @ (CallError::Timeout { .. } | CallError::ResourceLimit { .. })) => {
                    Some(format!("{}: {e}", r.operation.name()))
                }
                _ => None,
            })
            .collect();
        if !hit.is_empty() {
            return Err(fail(format!(
                "calls hit the adapter's limits:\n{}",
                hit.join("\n")
            )));
        }
        let limits = &self.adapter.effective().limits;
        let peak = records
            .iter()
            .map(|r| r.peak_memory_bytes)
            .max()
            .unwrap_or(0);
        let slowest = records.iter().map(|r| r.elapsed).max().unwrap_or_default();
        let requests = records.iter().map(|r| r.requests_sent).max().unwrap_or(0);
        let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
        Ok(format!(
            "peak memory {:.1} of {:.0} MiB, slowest call {:.1} of {} ms, most requests in a \
             call {requests} of {}",
            mib(peak),
            mib(limits.memory_bytes),
            slowest.as_secs_f64() * 1000.0,
            limits.call_timeout.as_millis(),
            limits.outbound_requests
        ))
    }
}
