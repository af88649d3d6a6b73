//! Prometheus metrics of one host: adapter call latency per supplier and operation, errors by
//! typed code, traps by kind, breaker state and call slots per supplier, instance-pool use,
//! ledger syncs, approvals waiting, gateway requests, MCP tool calls and backpressure.
//!
//! One [`Metrics`] is shared by the broker (which times every adapter call), the order desk
//! (which times every ledger sync) and the gateway (which times every HTTP request and MCP
//! tool call, and serves the exposition at `/metrics`). Gauges of state that changes without
//! an event (a breaker's, the approvals waiting) are set just before each scrape.
//!
//! Two expositions, as Prometheus negotiates them ([`Exposition::negotiate`]): OpenMetrics
//! 1.0, which the registry writes, and the Prometheus text format 0.0.4 (what `promtool` and
//! older scrapers read), derived from it by [`to_prometheus_text`].

use crate::contract::supplier::BreakerStatus;
use crate::contract::supplier::CallError;
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

/// Labels of a per-supplier gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SupplierLabels {
    supplier: String,
}

/// Labels of one breaker state of one supplier.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BreakerLabels {
    supplier: String,
    state: &'static str,
}

/// Labels of one MCP tool call.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    tool: String,
    outcome: &'static str,
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

/// Sync buckets from 50 µs to about 1.6 s: an fsync on a fast disk to a stalled one.
fn sync_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
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
    breaker_state: Family<BreakerLabels, Gauge>,
    supplier_calls: Family<SupplierLabels, Gauge>,
    supplier_share: Gauge,
    ledger_sync_seconds: Histogram,
    approvals_pending: Gauge,
    mcp_tool_calls: Family<ToolLabels, Counter>,
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
        let breaker_state = Family::<BreakerLabels, Gauge>::default();
        registry.register(
            "adapter_breaker_state",
            "Each supplier's circuit breaker: 1 for its current state (closed, half_open or \
             open), 0 for the others",
            breaker_state.clone(),
        );
        let supplier_calls = Family::<SupplierLabels, Gauge>::default();
        registry.register(
            "supplier_calls_in_flight",
            "Adapter calls running now for each supplier, out of its share of the call slots",
            supplier_calls.clone(),
        );
        let supplier_share = Gauge::default();
        registry.register(
            "supplier_call_share",
            "Call slots any one supplier may hold at once; its excess calls fail for it alone",
            supplier_share.clone(),
        );
        let ledger_sync_seconds = sync_histogram();
        registry.register(
            "ledger_sync_duration_seconds",
            "Time to make the ledger's writes durable, twice per order (before it leaves and \
             before its answer)",
            ledger_sync_seconds.clone(),
        );
        let approvals_pending = Gauge::default();
        registry.register(
            "approvals_pending",
            "Orders parked for a human approver's decision",
            approvals_pending.clone(),
        );
        let mcp_tool_calls = Family::<ToolLabels, Counter>::default();
        registry.register(
            "mcp_tool_calls",
            "MCP tool calls by tool and outcome (ok, or error when the result is an error)",
            mcp_tool_calls.clone(),
        );
        Metrics {
            registry,
            breaker_state,
            supplier_calls,
            supplier_share,
            ledger_sync_seconds,
            approvals_pending,
            mcp_tool_calls,
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

    /// Set `supplier`'s breaker state: one series per state, 1 for the current one.
    pub fn set_breaker(&self, supplier: &str, now: &BreakerStatus) {
        for state in BreakerStatus::NAMES {
            self.breaker_state
                .get_or_create(&BreakerLabels {
                    supplier: supplier.to_string(),
                    state,
                })
                .set(i64::from(state == now.name()));
        }
    }

    /// Set how many calls `supplier` has running, out of `share`.
    pub fn set_supplier_calls(&self, supplier: &str, in_flight: usize, share: usize) {
        self.supplier_calls
            .get_or_create(&SupplierLabels {
                supplier: supplier.to_string(),
            })
            .set(i64::try_from(in_flight).unwrap_or(i64::MAX));
        self.supplier_share
            .set(i64::try_from(share).unwrap_or(i64::MAX));
    }

    /// Forget every per-supplier gauge, before they are set for the suppliers loaded now (a
    /// supplier removed by a reload leaves no stale series).
    pub fn clear_supplier_gauges(&self) {
        self.breaker_state.clear();
        self.supplier_calls.clear();
    }

    /// Record one ledger sync.
    pub fn ledger_sync(&self, elapsed: Duration) {
        self.ledger_sync_seconds.observe(elapsed.as_secs_f64());
    }

    /// Set how many approvals are pending.
    pub fn set_approvals_pending(&self, pending: usize) {
        self.approvals_pending
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
    }

    /// Record one MCP tool call and whether its result was an error.
    pub fn mcp_tool_call(&self, tool: &str, is_error: bool) {
        self.mcp_tool_calls
            .get_or_create(&ToolLabels {
                tool: tool.to_string(),
                outcome: if is_error { "error" } else { "ok" },
            })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The exposition in `format`.
    pub fn encode_as(&self, format: Exposition) -> String {
        match format {
            Exposition::OpenMetrics => self.encode(),
            Exposition::Prometheus => to_prometheus_text(&self.encode()),
        }
    }
}

/// A text format of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    /// The Prometheus text format 0.0.4: the default, and what `promtool` checks.
    Prometheus,
    /// OpenMetrics 1.0.0, for a scraper that asks for it.
    OpenMetrics,
}

impl Exposition {
    /// The format an `Accept` header prefers: OpenMetrics when it ranks
    /// `application/openmetrics-text` above `text/plain` (as Prometheus does by default),
    /// else the 0.0.4 text format (for `curl`, browsers, `*/*` or no header).
    pub fn negotiate(accept: Option<&str>) -> Self {
        let (mut open_metrics, mut text) = (0.0_f32, 0.0_f32);
        for range in accept.unwrap_or("").split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, v)| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => open_metrics = open_metrics.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if open_metrics > 0.0 && open_metrics > text {
            Exposition::OpenMetrics
        } else {
            Exposition::Prometheus
        }
    }

    /// Its `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// The Prometheus 0.0.4 text form of an OpenMetrics exposition written by the registry: a
/// counter's `HELP` and `TYPE` name its `_total` samples (in 0.0.4 a family is named as its
/// samples are), `UNIT` lines and the closing `# EOF` go, `unknown` becomes `untyped`.
/// Samples pass unchanged: this registry writes no exemplars, timestamps or `_created`.
pub fn to_prometheus_text(open_metrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = open_metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let family = |name: &str| -> String {
        if counters.contains(name) && !name.ends_with("_total") {
            format!("{name}_total")
        } else {
            name.to_string()
        }
    };
    let mut out = String::with_capacity(open_metrics.len());
    for line in open_metrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            out.push_str(&format!("# HELP {} {}\n", family(name), help));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let kind = match kind {
                "counter" | "gauge" | "histogram" | "summary" => kind,
                _ => "untyped",
            };
            out.push_str(&format!("# TYPE {} {kind}\n", family(name)));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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
    use crate::contract::supplier::ResourceKind;

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

    #[test]
    fn breakers_slots_syncs_approvals_and_tools_are_exported() {
        let m = Metrics::new();
        m.set_breaker(
            "voltaic",
            &BreakerStatus::Open {
                retry_after_ms: 1_000,
                last_fault: "timeout".into(),
            },
        );
        m.set_supplier_calls("voltaic", 3, 16);
        m.ledger_sync(Duration::from_micros(300));
        m.set_approvals_pending(2);
        m.mcp_tool_call("search_products", false);
        m.mcp_tool_call("place_order", true);
        let text = m.encode();
        for line in [
            r#"mercato_adapter_breaker_state{supplier="voltaic",state="open"} 1"#,
            r#"mercato_adapter_breaker_state{supplier="voltaic",state="closed"} 0"#,
            r#"mercato_supplier_calls_in_flight{supplier="voltaic"} 3"#,
            "mercato_supplier_call_share 16",
            "mercato_ledger_sync_duration_seconds_count 1",
            "mercato_approvals_pending 2",
            r#"mercato_mcp_tool_calls_total{tool="place_order",outcome="error"} 1"#,
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        m.clear_supplier_gauges();
        assert!(!m.encode().contains(r#"supplier="voltaic""#));
    }

    #[test]
    fn the_text_format_names_counters_by_their_samples() {
        let m = Metrics::new();
        m.backpressure_rejection();
        m.mcp_tool_call("search_products", false);
        let text = to_prometheus_text(&m.encode());
        assert!(text.contains("# HELP mercato_backpressure_rejections_total Requests refused"));
        assert!(text.contains("# TYPE mercato_backpressure_rejections_total counter\n"));
        assert!(text.contains("mercato_backpressure_rejections_total 1\n"));
        assert!(text.contains("# TYPE mercato_mcp_tool_calls_total counter\n"));
        assert!(text.contains("# TYPE mercato_pool_in_use gauge\n"));
        assert!(text.contains("# TYPE mercato_ledger_sync_duration_seconds histogram\n"));
        assert!(!text.contains("# EOF"), "{text}");
        assert!(!text.contains("# UNIT"), "{text}");
        // Every family has help, and every sample belongs to a family declared before it.
        let mut declared = std::collections::HashSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').expect("name and help");
                assert!(!help.trim().is_empty(), "{name} has no help");
                declared.insert(name.to_string());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap_or_default();
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s).filter(|f| declared.contains(*f)))
                    .unwrap_or(name);
                assert!(declared.contains(family), "{name} has no HELP: {text}");
            }
        }
    }

    #[test]
    fn the_format_follows_the_accept_header() {
        use Exposition::*;
        // What Prometheus 2.x and 3.x send by default.
        let prometheus = "application/openmetrics-text;version=1.0.0;q=0.5,\
            application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        for (accept, format) in [
            (Some(prometheus), OpenMetrics),
            (Some("application/openmetrics-text"), OpenMetrics),
            (Some("text/plain;version=0.0.4"), Prometheus),
            (Some("*/*"), Prometheus),
            (None, Prometheus),
            (
                Some("text/plain, application/openmetrics-text;q=0.9"),
                Prometheus,
            ),
            (Some("application/openmetrics-text;q=0"), Prometheus),
        ] {
            assert_eq!(Exposition::negotiate(accept), format, "{accept:?}");
        }
    }
}
