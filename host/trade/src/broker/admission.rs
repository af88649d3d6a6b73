//! Admission control: how many adapter calls run at once.
//!
//! Each adapter call holds one pooled instance while it runs, so a flood of requests could
//! otherwise exhaust the instance pool and make every call fail at once. The broker takes one
//! slot per adapter call before fanning out; a request that cannot get its slots within a short
//! queue wait is refused with [`Busy`] and a retry hint, and the calls already running finish
//! untouched.
//!
//! Inside that bound each supplier has a share ([`Admission::supplier_slot`]): at most a
//! fraction of the slots run its calls at once, so a supplier that answers slowly (but validly)
//! fills its own share and its excess calls fail with a per-supplier error, while requests that
//! never needed it keep their slots.

use crate::metrics::Metrics;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The host is at its concurrency bound; retry after the hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("every adapter call slot is busy ({capacity} in use); retry after {retry_after:?}")]
pub struct Busy {
    /// When a retry is likely to be admitted.
    pub retry_after: Duration,
    /// How many calls the host admits at once.
    pub capacity: usize,
}

/// A supplier has its share of the slots in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the supplier has its {share} call slots in use; retry after {retry_after:?}")]
pub struct ShareFull {
    /// Calls it may have running at once.
    pub share: usize,
    /// When a retry is likely to be admitted.
    pub retry_after: Duration,
}

/// A shared bound on concurrent adapter calls, and each supplier's share of it.
#[derive(Debug, Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
    capacity: usize,
    queue_wait: Duration,
    share: usize,
    shares: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// Slots held by one request; given back when dropped.
#[derive(Debug)]
pub struct Permit {
    _slots: Option<OwnedSemaphorePermit>,
    held: i64,
    metrics: Arc<Metrics>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.metrics.pool_delta(-self.held);
    }
}

impl Admission {
    /// Admit at most `capacity` calls at once (at least one), at most `share` of them for any
    /// one supplier (at least one, at most `capacity`); wait at most `queue_wait` for slots.
    pub fn new(capacity: usize, share: usize, queue_wait: Duration) -> Self {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        Admission {
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            queue_wait,
            share: share.clamp(1, capacity),
            shares: Arc::default(),
        }
    }

    /// How many calls run at once at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Calls one supplier may have running at once.
    pub fn share(&self) -> usize {
        self.share
    }

    /// Calls `supplier` has running now.
    pub fn in_flight(&self, supplier: &str) -> usize {
        self.shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(supplier)
            .map_or(0, |slots| {
                self.share.saturating_sub(slots.available_permits())
            })
    }

    /// One slot of `supplier`'s share, held for one call. Never waits: a supplier whose share
    /// is in use answers for itself at once, and the request's other calls go on.
    pub fn supplier_slot(&self, supplier: &str) -> Result<OwnedSemaphorePermit, ShareFull> {
        let slots = self
            .shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(supplier.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.share)))
            .clone();
        slots.try_acquire_owned().map_err(|_| ShareFull {
            share: self.share,
            retry_after: self.queue_wait.max(Duration::from_millis(100)) * 2,
        })
    }

    /// Take `calls` slots, waiting at most the queue wait. A request needing more slots than
    /// exist is refused at once: it could never run.
    pub async fn admit(&self, calls: usize, metrics: &Arc<Metrics>) -> Result<Permit, Busy> {
        let busy = || {
            metrics.backpressure_rejection();
            Busy {
                retry_after: self.queue_wait.max(Duration::from_millis(100)) * 2,
                capacity: self.capacity,
            }
        };
        if calls == 0 {
            return Ok(Permit {
                _slots: None,
                held: 0,
                metrics: metrics.clone(),
            });
        }
        let n = u32::try_from(calls)
            .ok()
            .filter(|_| calls <= self.capacity)
            .ok_or_else(busy)?;
        let slots =
            match tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_many_owned(n))
                .await
            {
                Ok(Ok(slots)) => slots,
                // Timed out in the queue; the semaphore is never closed.
                _ => return Err(busy()),
            };
        let held = i64::from(n);
        metrics.pool_delta(held);
        Ok(Permit {
            _slots: Some(slots),
            held,
            metrics: metrics.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_host_refuses_with_a_retry_hint_and_recovers() {
        let metrics = Arc::new(Metrics::new());
        let admission = Admission::new(4, 4, Duration::from_millis(20));
        let held = admission.admit(3, &metrics).await.expect("3 of 4");
        let busy = admission.admit(2, &metrics).await.expect_err("only 1 left");
        assert!(busy.retry_after >= Duration::from_millis(100));
        assert_eq!(busy.capacity, 4);
        assert!(metrics.encode().contains("mercato_pool_in_use 3"));
        drop(held);
        admission.admit(4, &metrics).await.expect("all free again");
        assert!(
            admission.admit(5, &metrics).await.is_err(),
            "more than capacity"
        );
        assert!(
            metrics
                .encode()
                .contains("mercato_backpressure_rejections_total 2")
        );
    }

    #[test]
    fn a_supplier_gets_its_share_and_no_more() {
        let admission = Admission::new(8, 2, Duration::from_millis(20));
        let a1 = admission.supplier_slot("slow").expect("1 of 2");
        let _a2 = admission.supplier_slot("slow").expect("2 of 2");
        let full = admission
            .supplier_slot("slow")
            .expect_err("its share is used");
        assert_eq!(full.share, 2);
        assert_eq!(admission.in_flight("slow"), 2);
        assert_eq!(admission.in_flight("never-called"), 0);
        let _quick = admission
            .supplier_slot("quick")
            .expect("another supplier is unaffected");
        drop(a1);
        let _again = admission.supplier_slot("slow").expect("freed");
    }
}
