//! One call into an adapter: a fresh store and instance, bounded by the adapter's limits,
//! with every way it can fail turned into a [`CallError`].

use super::exports::{ExportResult, Exports, ExportsPre};
use super::state::{AdapterGrants, AdapterState, LimitExceeded};
use super::watch::{CallFacts, CallRecord, CapabilityGate};
use super::{HostInner, LoadedAdapter};
use crate::contract::*;
use crate::error::{CallError, ResourceKind};
use crate::sandbox::log_quota::{Level, Source};
use crate::sandbox::size;
use mercato_contract::validate::{self, Declared, Invalid};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Store, Trap, UpdateDeadline};

pub use mercato_contract::supplier::Operation;

/// Extra time the outer timeout allows beyond the call deadline, so that a CPU-bound guest is
/// stopped by the epoch (a precise trap) and only a guest parked in host I/O by the timeout.
const OUTER_GRACE: Duration = Duration::from_millis(50);

/// Run `f` against a fresh instance of `pre`, bounded by `grants.limits`; when `facts` is
/// given, fill it with what the call did in the sandbox.
async fn invoke<T>(
    host: &HostInner,
    pre: &ExportsPre,
    grants: &Arc<AdapterGrants>,
    operation: Operation,
    facts: Option<&mut CallFacts>,
    f: impl AsyncFnOnce(&Exports<'_>, &mut Store<AdapterState>) -> wasmtime::Result<T>,
) -> Result<T, CallError> {
    let limits = &grants.limits;
    let started = Instant::now();
    let mut store = new_store(host, grants, started + limits.call_timeout)?;

    // Boxed: an export call's future holds a lowering state machine per contract version,
    // and inlined into every caller's future it overflowed a worker's stack in debug builds.
    let run = Box::pin(async {
        let instance = pre.instantiate(&mut store).await?;
        f(&instance, &mut store).await
    });
    let result = within(limits.call_timeout, started, run).await;
    let elapsed = started.elapsed();
    report_call(operation, store.data_mut());
    if let Some(facts) = facts {
        let state = store.data();
        *facts = CallFacts {
            requests_sent: state.gate.sent(),
            denials: state.gate.denials(),
            peak_memory_bytes: state.limiter.peak_memory_bytes,
            elapsed,
        };
    }
    match &result {
        Ok(_) => {
            tracing::debug!(supplier = %grants.supplier, op = operation.name(), ?elapsed, "adapter call ok")
        }
        Err(e) => {
            tracing::info!(supplier = %grants.supplier, op = operation.name(), ?elapsed, error = %e, "adapter call failed")
        }
    }
    result
}

/// Run `work` within a call's time limit. The epoch stops a busy guest at the deadline (a
/// trap, classified with the rest); the outer timeout stops one parked in host I/O.
async fn within<T>(
    limit: Duration,
    started: Instant,
    work: impl Future<Output = wasmtime::Result<T>>,
) -> Result<T, CallError> {
    match tokio::time::timeout(limit + OUTER_GRACE, work).await {
        Err(_) => Err(CallError::Timeout {
            elapsed: started.elapsed(),
            limit,
        }),
        Ok(result) => result.map_err(|e| classify(e, started.elapsed(), limit)),
    }
}

/// A fresh store for one instance of an adapter: its state, memory limiter, host-call and
/// handle budgets, fuel if the engine counts it, and an epoch callback that traps the guest
/// once `deadline` has passed.
fn new_store(
    host: &HostInner,
    grants: &Arc<AdapterGrants>,
    deadline: Instant,
) -> Result<Store<AdapterState>, CallError> {
    let limits = &grants.limits;
    let mut store = Store::new(host.runtime.engine(), AdapterState::new(grants.clone()));
    store.limiter(|s| &mut s.limiter);
    store.set_hostcall_fuel(limits.hostcall_bytes);
    store.set_max_component_handles(limits.max_handles);
    if host.runtime.config().consume_fuel {
        // Without a configured budget the engine still counts, so give effectively unlimited.
        let fuel = limits.fuel.unwrap_or(u64::MAX);
        store.set_fuel(fuel).map_err(|e| CallError::AdapterFault {
            detail: format!("cannot set fuel: {e}"),
        })?;
    }
    // Yield to the executor every tick so other calls and the outer timeout run; stop the
    // guest with a trap once its deadline has passed.
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    });
    store.set_epoch_deadline(1);
    Ok(store)
}

/// Turn a trap or host error from a call into the typed error a caller can match on.
fn classify(e: wasmtime::Error, elapsed: Duration, limit: Duration) -> CallError {
    if let Some(l) = e.downcast_ref::<LimitExceeded>() {
        return CallError::ResourceLimit {
            kind: l.kind,
            detail: l.detail.clone(),
        };
    }
    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
        .is_some()
    {
        return CallError::ResourceLimit {
            kind: ResourceKind::Pool,
            detail: "no free instance slot; retry shortly".to_string(),
        };
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return match trap {
            Trap::Interrupt => CallError::Timeout { elapsed, limit },
            Trap::OutOfFuel => CallError::ResourceLimit {
                kind: ResourceKind::Fuel,
                detail: "instruction budget exhausted".to_string(),
            },
            Trap::StackOverflow => CallError::ResourceLimit {
                kind: ResourceKind::Stack,
                detail: "wasm stack exhausted (runaway recursion)".to_string(),
            },
            Trap::UnreachableCodeReached => CallError::AdapterFault {
                detail: "the adapter panicked (unreachable instruction)".to_string(),
            },
            other => CallError::AdapterFault {
                detail: format!("trap: {other}"),
            },
        };
    }
    let text = format!("{e:#}");
    if text.contains("fuel allocated for hostcalls has been exhausted")
        || text.contains("store handle limit exceeded")
        || (text.contains("requested len") && text.contains("exceeds limit"))
        // wasmtime-wasi-http's header caps (`WasiHttpCtx::set_field_size_limit`).
        || text.contains("total size of fields exceeds limit")
        || text.contains("too many fields in the field map")
    {
        return CallError::ResourceLimit {
            kind: ResourceKind::HostCalls,
            detail: text,
        };
    }
    CallError::AdapterFault { detail: text }
}

/// What the call printed, one host line per adapter line, and the host's warnings about it,
/// all under the adapter's log quota.
fn report_call(operation: Operation, state: &mut AdapterState) {
    for (source, captured) in [
        (Source::Stdout, &state.stdout),
        (Source::Stderr, &state.stderr),
    ] {
        let (bytes, dropped) = captured.take();
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            state.lines.write(Level::Info, source, line);
        }
        if dropped > 0 {
            let note = format!(
                "{}: {dropped} bytes of {} over the cap dropped",
                operation.name(),
                source.as_str()
            );
            state.lines.write(Level::Warn, Source::Host, &note);
        }
    }
    let denials = state.gate.denials();
    if let Some(first) = denials.sample.first() {
        let note = format!(
            "{}: {} outbound request(s) refused; the first: {first}",
            operation.name(),
            denials.total
        );
        state.lines.write(Level::Warn, Source::Host, &note);
    }
    if state.lines.dropped() > 0 {
        let note = format!(
            "{}: {} log line(s) dropped over the adapter's quota",
            operation.name(),
            state.lines.dropped()
        );
        // Past the quota this note is dropped as well: the quota bounds the host too.
        state.lines.write(Level::Warn, Source::Host, &note);
    }
}

/// Call `describe` on a freshly loaded adapter.
pub(super) async fn describe(
    host: &HostInner,
    pre: &ExportsPre,
    grants: &Arc<AdapterGrants>,
    facts: Option<&mut CallFacts>,
) -> Result<AdapterProfile, CallError> {
    let profile = invoke(
        host,
        pre,
        grants,
        Operation::Describe,
        facts,
        async |a, s| {
            // Rare (load, and on request): check every interface, so a mismatch refuses the load.
            a.check_all(s)?;
            a.describe(s).await
        },
    )
    .await?;
    size::check(&profile, grants.limits.output_caps()).map_err(|e| CallError::InvalidOutput {
        field: "describe".to_string(),
        reason: e.to_string(),
    })?;
    Ok(profile)
}

/// An adapter instantiated under its limits and not yet called. Dropping it frees its
/// instance slot.
pub struct IdleInstance {
    /// The store owns the instance.
    _store: Store<AdapterState>,
}

impl LoadedAdapter {
    /// A call of this adapter ran into the request's deadline and was abandoned: a fault for
    /// its breaker, so a supplier that keeps answering too late is suspended like one that
    /// fails.
    pub fn missed_deadline(&self, limit: Duration) {
        self.inner.breaker.record(Some(format!(
            "no answer within the request deadline of {} ms",
            limit.as_millis()
        )));
    }

    fn declared(&self, operation: Operation) -> Result<(), CallError> {
        if matches!(&self.watch, Some(w) if w.gate == CapabilityGate::Bypass) {
            return Ok(());
        }
        match operation.capability() {
            Some((flags, name)) if !self.inner.profile.capabilities.intersects(flags) => {
                Err(CallError::NotDeclared { capability: name })
            }
            _ => Ok(()),
        }
    }

    /// One operation: capability and breaker checks, the request measured before it goes in,
    /// the answer (or commerce error) measured and validated after it comes out.
    async fn call<T: Serialize>(
        &self,
        operation: Operation,
        input: &(impl Serialize + ?Sized),
        f: impl AsyncFnOnce(&Exports<'_>, &mut Store<AdapterState>) -> ExportResult<T>,
        check: impl FnOnce(&T, &Declared<'_>) -> Result<(), Invalid>,
    ) -> Result<T, CallError> {
        self.call_refusing(operation, input, f, check, |_, refused| {
            CallError::InvalidOutput {
                field: refused.field,
                reason: refused.reason,
            }
        })
        .await
    }

    /// [`call`](Self::call), with `refused` turning an answer that failed its check (and
    /// why) into the error.
    async fn call_refusing<T: Serialize>(
        &self,
        operation: Operation,
        input: &(impl Serialize + ?Sized),
        f: impl AsyncFnOnce(&Exports<'_>, &mut Store<AdapterState>) -> ExportResult<T>,
        check: impl FnOnce(&T, &Declared<'_>) -> Result<(), Invalid>,
        refused: impl FnOnce(T, Invalid) -> CallError,
    ) -> Result<T, CallError> {
        self.declared(operation)?;
        let i = &self.inner;
        let limits = &i.grants.limits;
        size::check(input, limits.input_caps()).map_err(|e| CallError::RequestTooLarge {
            reason: format!("{}: {e}", operation.name()),
        })?;
        let ticket = i
            .breaker
            .admit()
            .map_err(|retry_after| CallError::CircuitOpen { retry_after })?;
        let mut facts = self.watch.as_ref().map(|_| CallFacts::default());
        let result = invoke(&i.host, &i.pre, &i.grants, operation, facts.as_mut(), f)
            .await
            .and_then(|answer| {
                size::check(&answer, limits.output_caps()).map_err(|e| {
                    CallError::InvalidOutput {
                        field: operation.name().to_string(),
                        reason: e.to_string(),
                    }
                })?;
                let value = answer.map_err(CallError::Commerce)?;
                let declared = Declared {
                    currencies: &i.profile.currencies,
                };
                match check(&value, &declared) {
                    Ok(()) => Ok(value),
                    Err(why) => Err(refused(
                        value,
                        Invalid {
                            field: format!("{}: {}", operation.name(), why.field),
                            reason: why.reason,
                        },
                    )),
                }
            });
        ticket.record(match &result {
            Err(e) if e.is_fault() => Some(e.to_string()),
            _ => None,
        });
        self.record(operation, facts, &result);
        result
    }

    /// A fresh instance in a fresh store, exactly as a call gets one, without calling any
    /// export: a readiness probe that the adapter still instantiates under its limits. The
    /// instantiation benchmark (P1) and the memory-per-instance measurement (P7) hold these.
    pub async fn instantiate(&self) -> Result<IdleInstance, CallError> {
        let i = &self.inner;
        let limits = &i.grants.limits;
        let started = Instant::now();
        let mut store = new_store(&i.host, &i.grants, started + limits.call_timeout)?;
        within(limits.call_timeout, started, i.pre.instantiate(&mut store)).await?;
        Ok(IdleInstance { _store: store })
    }

    /// Ask the adapter to describe itself again (the load-time answer is in
    /// [`profile`](LoadedAdapter::profile)).
    pub async fn describe(&self) -> Result<AdapterProfile, CallError> {
        let i = &self.inner;
        let mut facts = self.watch.as_ref().map(|_| CallFacts::default());
        let result = describe(&i.host, &i.pre, &i.grants, facts.as_mut()).await;
        self.record(Operation::Describe, facts, &result);
        result
    }

    /// Add a watched call's record to its log.
    fn record<T>(
        &self,
        operation: Operation,
        facts: Option<CallFacts>,
        result: &Result<T, CallError>,
    ) {
        if let (Some(watch), Some(facts)) = (&self.watch, facts) {
            watch.log.push(CallRecord {
                operation,
                elapsed: facts.elapsed,
                requests_sent: facts.requests_sent,
                denials: facts.denials,
                peak_memory_bytes: facts.peak_memory_bytes,
                error: result.as_ref().err().cloned(),
            });
        }
    }

    /// `adapter-info.check-connection`: one cheap authenticated round trip to the supplier.
    /// `unsupported` when the adapter has nothing to check or was built against contract 0.1.
    pub async fn check_connection(&self, ctx: &CallContext) -> Result<(), CallError> {
        self.call(
            Operation::CheckConnection,
            ctx,
            async |a, s| a.check_connection(s, ctx).await,
            |_, _| Ok(()),
        )
        .await
    }

    /// `catalog.search`.
    pub async fn search(
        &self,
        ctx: &CallContext,
        query: &SearchQuery,
    ) -> Result<SearchPage, CallError> {
        self.call(
            Operation::Search,
            &(ctx, query),
            async |a, s| a.search(s, ctx, query).await,
            |page, d| validate::search(page, query, d),
        )
        .await
    }

    /// `catalog.get-items`.
    pub async fn get_items(
        &self,
        ctx: &CallContext,
        refs: &[ItemRef],
    ) -> Result<Vec<CatalogItem>, CallError> {
        self.call(
            Operation::GetItems,
            &(ctx, refs),
            async |a, s| a.get_items(s, ctx, refs).await,
            |items, d| validate::items(items, d),
        )
        .await
    }

    /// `catalog.check-availability`.
    pub async fn check_availability(
        &self,
        ctx: &CallContext,
        lines: &[AvailabilityRequest],
        ship_to: Option<&Address>,
    ) -> Result<Vec<AvailabilityAnswer>, CallError> {
        self.call(
            Operation::CheckAvailability,
            &(ctx, lines, ship_to),
            async |a, s| a.check_availability(s, ctx, lines, ship_to).await,
            |answers, _| validate::availability(answers, lines),
        )
        .await
    }

    /// `quoting.request-quote`.
    pub async fn request_quote(
        &self,
        ctx: &CallContext,
        req: &QuoteRequest,
    ) -> Result<Quote, CallError> {
        self.call(
            Operation::RequestQuote,
            &(ctx, req),
            async |a, s| a.request_quote(s, ctx, req).await,
            |q, d| validate::quote(q, Some(&req.lines), req.currency.as_deref(), d),
        )
        .await
    }

    /// `quoting.get-quote`.
    pub async fn get_quote(&self, ctx: &CallContext, quote_id: &str) -> Result<Quote, CallError> {
        self.call(
            Operation::GetQuote,
            &(ctx, quote_id),
            async |a, s| a.get_quote(s, ctx, quote_id).await,
            |q, d| {
                validate::quote_about(q, quote_id)?;
                validate::quote(q, None, None, d)
            },
        )
        .await
    }

    /// `ordering.place-order`.
    pub async fn place_order(
        &self,
        ctx: &CallContext,
        req: &OrderRequest,
    ) -> Result<Order, CallError> {
        self.call_refusing(
            Operation::PlaceOrder,
            &(ctx, req),
            async |a, s| a.place_order(s, ctx, req).await,
            |o, d| validate::placed(o, req, d),
            // The order the answer names may exist: the caller decides what to do with it.
            |order, why| CallError::UnverifiedOrder {
                reason: why.to_string(),
                order: Box::new(order),
            },
        )
        .await
    }

    /// `ordering.get-order`, by supplier order id or buyer PO.
    pub async fn get_order(&self, ctx: &CallContext, order_id: &str) -> Result<Order, CallError> {
        self.call(
            Operation::GetOrder,
            &(ctx, order_id),
            async |a, s| a.get_order(s, ctx, order_id).await,
            |o, d| validate::order_about(o, order_id, d),
        )
        .await
    }

    /// `ordering.cancel-order`.
    pub async fn cancel_order(
        &self,
        ctx: &CallContext,
        req: &CancelRequest,
    ) -> Result<CancelOutcome, CallError> {
        self.call(
            Operation::CancelOrder,
            &(ctx, req),
            async |a, s| a.cancel_order(s, ctx, req).await,
            |c, d| validate::order_about(&c.order, &req.order_id, d),
        )
        .await
    }

    /// `ordering.list-shipments`.
    pub async fn list_shipments(
        &self,
        ctx: &CallContext,
        order_id: &str,
    ) -> Result<Vec<Shipment>, CallError> {
        self.call(
            Operation::ListShipments,
            &(ctx, order_id),
            async |a, s| a.list_shipments(s, ctx, order_id).await,
            |list, _| validate::shipments(list, order_id),
        )
        .await
    }

    /// `ordering.list-invoices`.
    pub async fn list_invoices(
        &self,
        ctx: &CallContext,
        order_id: &str,
    ) -> Result<Vec<Invoice>, CallError> {
        self.call(
            Operation::ListInvoices,
            &(ctx, order_id),
            async |a, s| a.list_invoices(s, ctx, order_id).await,
            |list, d| validate::invoices(list, order_id, d),
        )
        .await
    }

    /// `ordering.request-return`.
    pub async fn request_return(
        &self,
        ctx: &CallContext,
        req: &ReturnRequest,
    ) -> Result<ReturnAuthorization, CallError> {
        self.call(
            Operation::RequestReturn,
            &(ctx, req),
            async |a, s| a.request_return(s, ctx, req).await,
            |_, _| Ok(()),
        )
        .await
    }

    /// `inbound.handle-inbound`.
    pub async fn handle_inbound(
        &self,
        ctx: &CallContext,
        doc: &InboundDocument,
    ) -> Result<InboundResult, CallError> {
        self.call(
            Operation::HandleInbound,
            &(ctx, doc),
            async |a, s| a.handle_inbound(s, ctx, doc).await,
            validate::inbound,
        )
        .await
    }
}
