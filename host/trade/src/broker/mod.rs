//! Fan-out to many suppliers at once, and ranking of what comes back.
//!
//! The broker never touches wasmtime types: it holds [`Adapter`]s and calls their typed
//! operations. Every eligible adapter is asked concurrently; each answer or typed error comes
//! back in one [`FanOut`], together with the suppliers that were not asked and why, and no
//! adapter can hold the response past the request's deadline.
//!
//! Every adapter call — fanned out or to one supplier — goes through [`Broker::call`], which
//! takes a call slot (see [`admission`]), bounds the call by the request's deadline, records
//! its latency and outcome in [`Metrics`], and runs it in a tracing span.

pub mod admission;
pub mod offers;
pub mod readiness;

use crate::contract::now_ms;
use crate::contract::supplier::CallError;
use crate::contract::supplier::{Adapter, Operation, SupplierId};
use crate::contract::{
    Address, AvailabilityAnswer, AvailabilityRequest, CallContext, Capabilities, CatalogItem,
    ItemRef, Quote, QuoteRequest, SearchPage, SearchQuery,
};
use crate::metrics::Metrics;
use admission::{Admission, Busy};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};
use tokio_util::task::AbortOnDropHandle;
use tracing::Instrument as _;

/// How long a fan-out waits for the slowest supplier unless told otherwise.
pub const DEFAULT_REQUEST_DEADLINE: Duration = Duration::from_secs(3);

/// Adapter calls in flight at once across every supplier: the runtime's default instance
/// pool, so a call that is admitted finds a free instance slot (the application checks that
/// the two agree).
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 256;

/// One supplier's part of a fan-out.
#[derive(Debug, Clone)]
pub struct SupplierOutcome<T> {
    /// Who answered.
    pub supplier: SupplierId,
    /// The answer or the typed reason there is none.
    pub result: Result<T, CallError>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Why a supplier was not asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Ineligible {
    /// Its adapter does not declare the capability the operation needs.
    #[error("does not declare the `{capability}` capability")]
    Capability {
        /// The capability.
        capability: &'static str,
    },
    /// It does not sell in the request's currency.
    #[error("does not sell in {currency}")]
    Currency {
        /// The wanted currency.
        currency: String,
    },
    /// It does not ship to the request's country.
    #[error("does not ship to {country}")]
    Country {
        /// The ship-to country.
        country: String,
    },
    /// The request named other suppliers.
    #[error("not among the suppliers the request named")]
    NotSelected,
}

/// Every supplier's outcome of one fan-out, in the order the adapters are registered.
#[derive(Debug, Clone)]
pub struct FanOut<T> {
    /// Outcomes, one per asked supplier.
    pub outcomes: Vec<SupplierOutcome<T>>,
    /// Suppliers not asked, and why.
    pub skipped: Vec<(SupplierId, Ineligible)>,
}

impl<T> FanOut<T> {
    /// The successful answers.
    pub fn answers(&self) -> impl Iterator<Item = (&SupplierId, &T)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok().map(|t| (&o.supplier, t)))
    }

    /// The failures.
    pub fn errors(&self) -> impl Iterator<Item = (&SupplierId, &CallError)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| (&o.supplier, e)))
    }
}

/// How the broker bounds requests.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// The longest any request waits for its suppliers; a caller's earlier deadline wins.
    pub deadline: Duration,
    /// Adapter calls running at once across all requests. Keep it at or below the engine's
    /// instance pool size so a flood gets backpressure instead of pool exhaustion.
    pub max_concurrent_calls: usize,
    /// How long a request may queue for call slots before it is refused with a retry hint.
    pub queue_wait: Duration,
    /// Calls one supplier may have running at once; `None`: [`DEFAULT_SUPPLIER_SHARE`] of
    /// `max_concurrent_calls`.
    pub max_calls_per_supplier: Option<usize>,
}

/// The fraction of the call slots one supplier gets unless configured: a slow supplier can
/// hold a quarter of the host, never all of it.
pub const DEFAULT_SUPPLIER_SHARE: f64 = 0.25;

impl BrokerConfig {
    /// Calls one supplier may have running at once.
    pub fn supplier_share(&self) -> usize {
        self.max_calls_per_supplier.unwrap_or_else(|| {
            (self.max_concurrent_calls as f64 * DEFAULT_SUPPLIER_SHARE).ceil() as usize
        })
    }
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            deadline: DEFAULT_REQUEST_DEADLINE,
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            queue_wait: Duration::from_millis(250),
            max_calls_per_supplier: None,
        }
    }
}

/// The set of loaded adapters requests fan out to.
///
/// The set can change while serving ([`Broker::install`], hot reload): each request takes a
/// snapshot of it when it starts, so calls in flight finish on the adapters they started with.
/// Clones share one set.
#[derive(Debug, Clone)]
pub struct Broker {
    adapters: Arc<RwLock<Arc<[Adapter]>>>,
    config: BrokerConfig,
    admission: Admission,
    metrics: Arc<Metrics>,
    readiness: readiness::Board,
}

impl Default for Broker {
    fn default() -> Self {
        Broker::new(Vec::<Adapter>::new())
    }
}

impl Broker {
    /// A broker over `adapters` with the default bounds.
    pub fn new(adapters: impl IntoIterator<Item = impl Into<Adapter>>) -> Self {
        Broker::with_config(adapters, BrokerConfig::default(), Arc::new(Metrics::new()))
    }

    /// A broker over `adapters`, bounded by `config`, reporting into `metrics`.
    pub fn with_config(
        adapters: impl IntoIterator<Item = impl Into<Adapter>>,
        config: BrokerConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        let admission = Admission::new(
            config.max_concurrent_calls,
            config.supplier_share(),
            config.queue_wait,
        );
        metrics.set_pool_capacity(admission.capacity());
        Broker {
            adapters: Arc::new(RwLock::new(adapters.into_iter().map(Into::into).collect())),
            config,
            admission,
            metrics,
            readiness: readiness::Board::default(),
        }
    }

    /// Wait at most `deadline` for any request.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.config.deadline = deadline;
        self
    }

    /// Every adapter, as the set is now.
    pub fn adapters(&self) -> Arc<[Adapter]> {
        self.adapters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The adapter of `supplier`, as the set is now.
    pub fn adapter(&self, supplier: &str) -> Option<Adapter> {
        self.adapters()
            .iter()
            .find(|a| a.supplier().as_str() == supplier)
            .cloned()
    }

    /// Serve `adapter` from now on: it replaces the adapter of the same supplier (returned),
    /// or joins the set. Requests already running keep the adapters they started with.
    pub fn install(&self, adapter: impl Into<Adapter>) -> Option<Adapter> {
        let adapter = adapter.into();
        let mut set = self
            .adapters
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut next: Vec<Adapter> = set.to_vec();
        let adapter_supplier = adapter.supplier().clone();
        let replaced = match next.iter_mut().find(|a| a.supplier() == adapter.supplier()) {
            Some(slot) => Some(std::mem::replace(slot, adapter)),
            None => {
                next.push(adapter);
                None
            }
        };
        *set = next.into();
        // Its grants may differ even where its digest does not: check it afresh.
        self.readiness.forget(&adapter_supplier);
        replaced
    }

    /// The bounds this broker applies.
    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// The metrics it reports into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Set the per-supplier gauges (breaker state, calls in flight) for the suppliers loaded
    /// now: a breaker opens or cools down with no event to count, so they are read at scrape.
    pub fn refresh_gauges(&self) {
        self.metrics.clear_supplier_gauges();
        for adapter in self.adapters().iter() {
            let supplier = adapter.supplier().as_str();
            self.metrics.set_breaker(supplier, &adapter.breaker());
            self.metrics.set_supplier_calls(
                supplier,
                self.admission.in_flight(supplier),
                self.admission.share(),
            );
        }
    }

    /// Whether `adapter` may be asked to do what `capability` names for `ctx`: it declares one
    /// of the capability's flags and, where the context names them, sells in its currency and
    /// ships to its country.
    pub fn eligibility(
        adapter: &Adapter,
        capability: (Capabilities, &'static str),
        ctx: &CallContext,
    ) -> Result<(), Ineligible> {
        let p = adapter.profile();
        if !p.capabilities.intersects(capability.0) {
            return Err(Ineligible::Capability {
                capability: capability.1,
            });
        }
        if let Some(c) = ctx.currency.as_ref().filter(|c| !p.currencies.contains(c)) {
            return Err(Ineligible::Currency {
                currency: c.clone(),
            });
        }
        if let Some(c) = ctx
            .country
            .as_ref()
            .filter(|c| !p.ship_to_countries.contains(c))
        {
            return Err(Ineligible::Country { country: c.clone() });
        }
        Ok(())
    }

    /// Adapters that declare `capability` and, where the context names them, sell in its
    /// currency and ship to its country.
    pub fn eligible(&self, capability: Capabilities, ctx: &CallContext) -> Vec<Adapter> {
        self.adapters()
            .iter()
            .filter(|a| Broker::eligibility(a, (capability, ""), ctx).is_ok())
            .cloned()
            .collect()
    }

    /// Search every eligible supplier at once (all of them, or those in `only`).
    pub async fn search(
        &self,
        ctx: &CallContext,
        query: &SearchQuery,
        only: Option<&[SupplierId]>,
    ) -> Result<FanOut<SearchPage>, Busy> {
        self.search_each(ctx, |_| query.clone(), only).await
    }

    /// Search every eligible supplier at once, each with its own query (its own cursor when
    /// paging).
    pub async fn search_each(
        &self,
        ctx: &CallContext,
        query_for: impl Fn(&SupplierId) -> SearchQuery,
        only: Option<&[SupplierId]>,
    ) -> Result<FanOut<SearchPage>, Busy> {
        self.fan_out(Operation::Search, ctx, only, |a, ctx| {
            let query = query_for(a.supplier());
            async move { a.search(&ctx, &query).await }
        })
        .await
    }

    /// Look items up by reference at every eligible supplier at once.
    pub async fn get_items(
        &self,
        ctx: &CallContext,
        refs: &[ItemRef],
        only: Option<&[SupplierId]>,
    ) -> Result<FanOut<Vec<CatalogItem>>, Busy> {
        let refs: Arc<[ItemRef]> = refs.into();
        self.fan_out(Operation::GetItems, ctx, only, |a, ctx| {
            let refs = refs.clone();
            async move { a.get_items(&ctx, &refs).await }
        })
        .await
    }

    /// Ask every eligible supplier for live availability at once.
    pub async fn check_availability(
        &self,
        ctx: &CallContext,
        lines: &[AvailabilityRequest],
        ship_to: Option<&Address>,
        only: Option<&[SupplierId]>,
    ) -> Result<FanOut<Vec<AvailabilityAnswer>>, Busy> {
        let lines: Arc<[AvailabilityRequest]> = lines.into();
        let ship_to = ship_to.cloned().map(Arc::new);
        self.fan_out(Operation::CheckAvailability, ctx, only, |a, ctx| {
            let (lines, ship_to) = (lines.clone(), ship_to.clone());
            async move { a.check_availability(&ctx, &lines, ship_to.as_deref()).await }
        })
        .await
    }

    /// Ask every eligible supplier to quote the same request at once.
    pub async fn request_quote(
        &self,
        ctx: &CallContext,
        request: &QuoteRequest,
        only: Option<&[SupplierId]>,
    ) -> Result<FanOut<Quote>, Busy> {
        let request = Arc::new(request.clone());
        self.fan_out(Operation::RequestQuote, ctx, only, |a, ctx| {
            let request = request.clone();
            async move { a.request_quote(&ctx, &request).await }
        })
        .await
    }

    /// Ask each named supplier for its own quote at once.
    pub async fn request_quotes(
        &self,
        ctx: &CallContext,
        requests: &[(SupplierId, QuoteRequest)],
    ) -> Result<FanOut<Quote>, Busy> {
        let permit = self.admission.admit(requests.len(), &self.metrics).await?;
        let deadline = self.deadline_for(ctx);
        let ctx = Arc::new(ctx.clone());
        let calls = requests
            .iter()
            .map(|(supplier, req)| {
                let call = match self.adapter(supplier.as_str()) {
                    Some(a) => {
                        let (adapter, ctx, req) = (a.clone(), ctx.clone(), req.clone());
                        let fut = async move { adapter.request_quote(&ctx, &req).await };
                        self.owned_timed(a.clone(), Operation::RequestQuote, deadline, fut)
                    }
                    None => {
                        let missing =
                            CallError::Commerce(crate::contract::CommerceError::NotFound(format!(
                                "no adapter is loaded for supplier {supplier}"
                            )));
                        std::future::ready(Err(missing)).boxed()
                    }
                };
                (supplier.clone(), call)
            })
            .collect();
        let outcomes = in_parallel(calls).await;
        drop(permit);
        Ok(FanOut {
            outcomes,
            skipped: Vec::new(),
        })
    }

    /// One call to one adapter, through the same admission, deadline, metrics and tracing as a
    /// fan-out. The capability check is the adapter's own.
    pub async fn call<T>(
        &self,
        adapter: &Adapter,
        operation: Operation,
        ctx: &CallContext,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<Result<T, CallError>, Busy> {
        let permit = self.admission.admit(1, &self.metrics).await?;
        let result = timed(
            &self.metrics,
            &self.admission,
            adapter,
            operation,
            self.deadline_for(ctx),
            call,
        )
        .await;
        drop(permit);
        Ok(result)
    }

    async fn fan_out<T, F, Fut>(
        &self,
        operation: Operation,
        ctx: &CallContext,
        only: Option<&[SupplierId]>,
        call: F,
    ) -> Result<FanOut<T>, Busy>
    where
        F: Fn(Adapter, Arc<CallContext>) -> Fut,
        Fut: Future<Output = Result<T, CallError>> + Send + 'static,
        T: Send + 'static,
    {
        let capability = operation
            .capability()
            .expect("fan-out operations need a capability");
        let mut targets = Vec::new();
        let mut skipped = Vec::new();
        let adapters = self.adapters();
        for a in adapters.iter() {
            if only.is_some_and(|only| !only.contains(a.supplier())) {
                skipped.push((a.supplier().clone(), Ineligible::NotSelected));
                continue;
            }
            match Broker::eligibility(a, capability, ctx) {
                Ok(()) => targets.push(a),
                Err(why) => skipped.push((a.supplier().clone(), why)),
            }
        }
        let permit = self.admission.admit(targets.len(), &self.metrics).await?;
        let deadline = self.deadline_for(ctx);
        let ctx = Arc::new(ctx.clone());
        let calls = targets
            .into_iter()
            .map(|a| {
                let fut = call(a.clone(), ctx.clone());
                (
                    a.supplier().clone(),
                    self.owned_timed(a.clone(), operation, deadline, fut),
                )
            })
            .collect();
        let outcomes = in_parallel(calls).await;
        drop(permit);
        Ok(FanOut { outcomes, skipped })
    }

    /// The time left for a request: the broker's bound, or less if the caller's deadline
    /// (`ctx.deadline`, milliseconds since the epoch) comes first.
    fn deadline_for(&self, ctx: &CallContext) -> Deadline {
        let left = Duration::from_millis(ctx.deadline.saturating_sub(now_ms()).max(0) as u64);
        Deadline {
            left: left.min(self.config.deadline),
            ample: left >= self.config.deadline / 2,
        }
    }

    /// [`timed`] as a future that owns what it needs, so it can run as its own task.
    fn owned_timed<T: Send + 'static>(
        &self,
        adapter: Adapter,
        operation: Operation,
        deadline: Deadline,
        call: impl Future<Output = Result<T, CallError>> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, CallError>> {
        let (metrics, admission) = (self.metrics.clone(), self.admission.clone());
        async move { timed(&metrics, &admission, &adapter, operation, deadline, call).await }
            .boxed()
    }
}

/// How long a request's calls may take, and whether that is long enough to blame a miss on
/// the supplier.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    left: Duration,
    /// At least half the broker's own bound: time enough that missing it is the supplier's
    /// fault, not that of a caller in a hurry or of a request that spent its time elsewhere.
    ample: bool,
}

/// Run one adapter call within its supplier's share of the slots, bounded by `deadline`,
/// timed, counted in `metrics` and traced. A call that runs into an ample deadline counts
/// against the adapter's breaker, as a fault of its own would; one cut shorter does not, or
/// one client with a tight deadline could suspend a supplier for everyone.
async fn timed<T>(
    metrics: &Metrics,
    admission: &Admission,
    adapter: &Adapter,
    operation: Operation,
    deadline: Deadline,
    call: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    let supplier = adapter.supplier().as_str();
    let span = tracing::info_span!(
        "adapter_call",
        supplier,
        operation = operation.name(),
        outcome = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = match admission.supplier_slot(supplier) {
        Ok(_slot) => {
            let result = bounded(deadline.left, call).instrument(span.clone()).await;
            if let Err(BoundedOut::Deadline { limit, .. }) = &result
                && deadline.ample
            {
                adapter.missed_deadline(*limit);
            }
            result.map_err(CallError::from)
        }
        Err(full) => Err(CallError::SupplierBusy {
            in_flight: full.share,
            retry_after: full.retry_after,
        }),
    };
    let elapsed = started.elapsed();
    span.record(
        "outcome",
        match &result {
            Ok(_) => "ok",
            Err(e) => e.code(),
        },
    );
    span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| tracing::info!("adapter call finished"));
    metrics.adapter_call(supplier, operation.name(), &result, elapsed);
    result
}

/// Run each call as its own task, so one fan-out uses every core; outcomes come back in the
/// order given. Dropping the future (the client went away) aborts the calls still running.
/// A single call runs in place: a task would only wake an idle worker to spin for it.
async fn in_parallel<T: Send + 'static>(
    mut calls: Vec<(SupplierId, BoxFuture<'static, Result<T, CallError>>)>,
) -> Vec<SupplierOutcome<T>> {
    if calls.len() == 1
        && let Some((supplier, call)) = calls.pop()
    {
        let started = Instant::now();
        let result = call.await;
        return vec![SupplierOutcome {
            supplier,
            result,
            elapsed: started.elapsed(),
        }];
    }
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(supplier, call)| {
            let task = tokio::spawn(async move {
                let started = Instant::now();
                (call.await, started.elapsed())
            });
            (supplier, AbortOnDropHandle::new(task))
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (supplier, task) in tasks {
        let (result, elapsed) = task.await.unwrap_or_else(|e| {
            let detail = format!("the host's task for this call failed: {e}");
            (Err(CallError::AdapterFault { detail }), Duration::ZERO)
        });
        outcomes.push(SupplierOutcome {
            supplier,
            result,
            elapsed,
        });
    }
    outcomes
}

/// How a bounded call ended without an answer: its own error, or the request's deadline.
enum BoundedOut {
    Call(CallError),
    Deadline { limit: Duration, elapsed: Duration },
}

impl From<BoundedOut> for CallError {
    fn from(out: BoundedOut) -> Self {
        match out {
            BoundedOut::Call(e) => e,
            BoundedOut::Deadline { limit, elapsed } => CallError::Timeout { elapsed, limit },
        }
    }
}

/// Run `fut`, but give up after `deadline`.
async fn bounded<T>(
    deadline: Duration,
    fut: impl Future<Output = Result<T, CallError>>,
) -> Result<T, BoundedOut> {
    let started = Instant::now();
    match tokio::time::timeout(deadline, fut).await {
        Ok(r) => r.map_err(BoundedOut::Call),
        Err(_) => Err(BoundedOut::Deadline {
            limit: deadline,
            elapsed: started.elapsed(),
        }),
    }
}
