//! Prometheus metrics of one host: adapter call latency per supplier and operation, errors by
//! typed code, traps by kind, instance-pool use, gateway requests and backpressure.
//!
//! One [`Metrics`] is shared by the broker (which times every adapter call) and the gateway
//! (which times every HTTP request and serves the text exposition at `/metrics`).

use crate::error::CallError;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// Labels of one adapter call.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    supplier: String,
    operation: &'static str,
    outcome: &'static str,
}

/// Labels of one failed adapter call.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    supplier: String,
    operation: &'static str,
    code: &'static str,
}

/// Labels of a trap: the sandbox stopped the adapter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TrapLabels {
    supplier: String,
    kind: String,
}

/// Labels of one hot-reload attempt.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    outcome: &'static str,
}

/// Labels of one order alert: a supplier's answer the order desk could not accept as it was.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    supplier: String,
    kind: String,
}

/// Labels of one gateway request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// Latency buckets from 1 ms to about 33 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Every metric the host exports.
pub struct Metrics {
    registry: Registry,
    call_seconds: Family<CallLabels, Histogram>,
    call_errors: Family<ErrorLabels, Counter>,
    traps: Family<TrapLabels, Counter>,
    pool_in_use: Gauge,
    pool_capacity: Gauge,
    backpressure: Counter,
    request_seconds: Family<RequestLabels, Histogram>,
    reloads: Family<ReloadLabels, Counter>,
    order_alerts: Family<AlertLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered under the `mercato_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mercato");
        let call_seconds =
            Family::<CallLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> _);
        let call_errors = Family::<ErrorLabels, Counter>::default();
        let traps = Family::<TrapLabels, Counter>::default();
        let pool_in_use = Gauge::default();
        let pool_capacity = Gauge::default();
        let backpressure = Counter::default();
        let request_seconds = Family::<RequestLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> _,
        );
        registry.register(
            "adapter_call_duration_seconds",
            "Duration of adapter calls by supplier, operation and outcome (ok or error)",
            call_seconds.clone(),
        );
        registry.register(
            "adapter_call_errors",
            "Failed adapter calls by supplier, operation and typed error code",
            call_errors.clone(),
        );
        registry.register(
            "adapter_traps",
            "Adapter calls the sandbox stopped (fault, timeout, or a resource limit), by kind",
            traps.clone(),
        );
        registry.register(
            "pool_in_use",
            "Adapter calls running now, each holding one pooled instance",
            pool_in_use.clone(),
        );
        registry.register(
            "pool_capacity",
            "Adapter calls the host admits at once (at most the instance pool size)",
            pool_capacity.clone(),
        );
        registry.register(
            "backpressure_rejections",
            "Requests refused with a retry hint because every call slot was busy",
            backpressure.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Gateway requests by method, route template and status",
            request_seconds.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "adapter_reloads",
            "Adapter versions found by `serve --watch`, by outcome (installed or refused)",
            reloads.clone(),
        );
        let order_alerts = Family::<AlertLabels, Counter>::default();
        registry.register(
            "order_alerts",
            "Supplier answers about orders the order desk could not accept as they were (over \
             the cap, drifted from the quote, a reused order id, an unverifiable answer, an \
             invoice above what was authorised), by supplier and kind",
            order_alerts.clone(),
        );
        Metrics {
            registry,
            order_alerts,
            call_seconds,
            call_errors,
            traps,
            pool_in_use,
            pool_capacity,
            backpressure,
            request_seconds,
            reloads,
        }
    }

    /// Count one order alert of `kind` about `supplier`.
    pub fn order_alert(&self, supplier: &str, kind: &str) {
        self.order_alerts
            .get_or_create(&AlertLabels {
                supplier: supplier.to_string(),
                kind: kind.to_string(),
            })
            .inc();
    }

    /// How many order alerts of `kind` about `supplier` were counted.
    pub fn order_alerts(&self, supplier: &str, kind: &str) -> u64 {
        self.order_alerts
            .get_or_create(&AlertLabels {
                supplier: supplier.to_string(),
                kind: kind.to_string(),
            })
            .get()
    }

    /// Record one hot-reload attempt: `installed` or `refused`.
    pub fn adapter_reload(&self, outcome: &'static str) {
        self.reloads.get_or_create(&ReloadLabels { outcome }).inc();
    }

    /// Record one adapter call's outcome and duration.
    pub fn adapter_call<T>(
        &self,
        supplier: &str,
        operation: &'static str,
        result: &Result<T, CallError>,
        elapsed: Duration,
    ) {
        let outcome = if result.is_ok() { "ok" } else { "error" };
        self.call_seconds
            .get_or_create(&CallLabels {
                supplier: supplier.to_string(),
                operation,
                outcome,
            })
            .observe(elapsed.as_secs_f64());
        if let Err(e) = result {
            self.call_errors
                .get_or_create(&ErrorLabels {
                    supplier: supplier.to_string(),
                    operation,
                    code: e.code(),
                })
                .inc();
            if let Some(kind) = trap_kind(e) {
                self.traps
                    .get_or_create(&TrapLabels {
                        supplier: supplier.to_string(),
                        kind,
                    })
                    .inc();
            }
        }
    }

    /// Set how many calls the host admits at once.
    pub fn set_pool_capacity(&self, slots: usize) {
        self.pool_capacity
            .set(i64::try_from(slots).unwrap_or(i64::MAX));
    }

    /// A call took (`+1`) or gave back (`-1`) pool slots.
    pub fn pool_delta(&self, delta: i64) {
        self.pool_in_use.inc_by(delta);
    }

    /// A request was refused for lack of call slots.
    pub fn backpressure_rejection(&self) {
        self.backpressure.inc();
    }

    /// Record one gateway request.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.request_seconds
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The kind label of a call the sandbox stopped, or `None` for an ordinary error.
fn trap_kind(e: &CallError) -> Option<String> {
    match e {
        CallError::AdapterFault { .. } => Some("fault".to_string()),
        CallError::Timeout { .. } => Some("timeout".to_string()),
        CallError::ResourceLimit { kind, .. } => Some(
            serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "resource".to_string()),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ResourceKind;

    #[test]
    fn calls_errors_and_traps_are_exported_by_supplier() {
        let m = Metrics::new();
        m.set_pool_capacity(8);
        m.pool_delta(2);
        m.adapter_call::<()>("voltaic", "search", &Ok(()), Duration::from_millis(3));
        m.adapter_call::<()>(
            "nordfast",
            "search",
            &Err(CallError::ResourceLimit {
                kind: ResourceKind::Fuel,
                detail: String::new(),
            }),
            Duration::from_millis(40),
        );
        let text = m.encode();
        assert!(text.contains(
            r#"mercato_adapter_call_duration_seconds_count{supplier="voltaic",operation="search",outcome="ok"} 1"#
        ), "{text}");
        assert!(text.contains(
            r#"mercato_adapter_call_errors_total{supplier="nordfast",operation="search",code="resource-limit"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"mercato_adapter_traps_total{supplier="nordfast",kind="fuel"} 1"#),
            "{text}"
        );
        assert!(text.contains("mercato_pool_in_use 2"), "{text}");
        assert!(text.contains("mercato_pool_capacity 8"), "{text}");
    }
}
