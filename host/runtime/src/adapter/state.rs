//! The per-call state of an adapter instance: the `T` in `Store<T>`.
//!
//! Everything here lives exactly as long as one call; nothing is shared with another call
//! except the read-only grants behind the `Arc`s.

use crate::error::ResourceKind;
use crate::sandbox::HostGrant;
use crate::sandbox::effective::Effective;
use crate::sandbox::limits::Limits;
use crate::sandbox::log_quota::{CallLines, Level, LogQuota, Source};
use crate::sandbox::outbound::OutboundGate;
use crate::sandbox::secrets::{SecretBinding, Secrets};
use crate::sandbox::stdio::CapturedOutput;
use crate::wit::latest::mercato::supplier::{host, types};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The most random bytes one `wasi:random` request may ask for (wasmtime's default is 64 MiB);
/// more traps as a host-call limit. Key material needs tens of bytes.
pub const MAX_RANDOM_BYTES: u64 = 64 * 1024;

/// What one adapter may do, shared by all its calls.
#[derive(Debug)]
pub(crate) struct AdapterGrants {
    pub supplier: Arc<str>,
    pub settings: BTreeMap<String, String>,
    pub destinations: Arc<[HostGrant]>,
    pub secrets: Arc<Secrets>,
    pub bindings: Arc<[SecretBinding]>,
    pub limits: Arc<Limits>,
    log_quota: Arc<LogQuota>,
}

impl AdapterGrants {
    pub(crate) fn new(supplier: &str, effective: &Effective) -> Self {
        let supplier: Arc<str> = Arc::from(supplier);
        AdapterGrants {
            log_quota: Arc::new(LogQuota::new(
                supplier.clone(),
                effective.limits.log_lines_per_second,
            )),
            supplier,
            settings: effective.settings.clone(),
            destinations: Arc::from(effective.destinations.clone()),
            secrets: Arc::new(effective.secrets.clone()),
            bindings: Arc::from(effective.bindings.clone()),
            limits: Arc::new(effective.limits.clone()),
        }
    }
}

/// A sandbox limit that stopped the guest; raised as the trap's error so the host can tell
/// limits from faults without parsing messages.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?} limit exceeded: {detail}")]
pub(crate) struct LimitExceeded {
    pub kind: ResourceKind,
    pub detail: String,
}

/// Enforces memory and table growth limits and instance counts for one call.
pub(crate) struct CallLimiter {
    memory_bytes: usize,
    table_elements: usize,
    /// The most memory any growth asked for and got, in bytes.
    pub(crate) peak_memory_bytes: usize,
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            return Err(wasmtime::Error::new(LimitExceeded {
                kind: ResourceKind::Memory,
                detail: format!(
                    "memory growth to {desired} bytes refused; the limit is {} bytes",
                    self.memory_bytes
                ),
            }));
        }
        self.peak_memory_bytes = self.peak_memory_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            return Err(wasmtime::Error::new(LimitExceeded {
                kind: ResourceKind::Table,
                detail: format!(
                    "table growth to {desired} elements refused; the limit is {}",
                    self.table_elements
                ),
            }));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        32
    }

    fn tables(&self) -> usize {
        32
    }

    fn memories(&self) -> usize {
        8
    }
}

/// The store data of one call.
pub struct AdapterState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    pub(crate) gate: OutboundGate,
    pub(crate) limiter: CallLimiter,
    grants: Arc<AdapterGrants>,
    pub(crate) stdout: CapturedOutput,
    pub(crate) stderr: CapturedOutput,
    /// Every line logged about this call: the adapter's, and the host's about it.
    pub(crate) lines: CallLines,
}

impl AdapterState {
    pub(crate) fn new(grants: Arc<AdapterGrants>) -> Self {
        let limits = &grants.limits;
        let stdout = CapturedOutput::new(limits.stdio_bytes);
        let stderr = CapturedOutput::new(limits.stdio_bytes);
        // Deny by default: no arguments, no environment, no preopened directories, no
        // sockets and no name lookup (the builder's defaults), stdin empty.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            // The host allocates random bytes before the guest gets them, outside the memory
            // limit and in one step the deadline cannot interrupt: keep each request small.
            .max_random_size(MAX_RANDOM_BYTES)
            .build();
        // Headers the adapter builds live in host memory, outside its memory limit: each set
        // is capped, and so is the number of handles that can hold one.
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(limits.header_bytes);
        AdapterState {
            table: ResourceTable::new(),
            wasi,
            http,
            gate: OutboundGate::new(
                grants.supplier.clone(),
                grants.destinations.clone(),
                grants.secrets.clone(),
                grants.bindings.clone(),
                grants.limits.clone(),
            ),
            limiter: CallLimiter {
                memory_bytes: limits.memory_bytes,
                table_elements: limits.table_elements,
                peak_memory_bytes: 0,
            },
            lines: CallLines::new(grants.log_quota.clone()),
            grants,
            stdout,
            stderr,
        }
    }

    /// The supplier this state belongs to.
    pub fn supplier(&self) -> &str {
        &self.grants.supplier
    }
}

impl WasiView for AdapterState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for AdapterState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.gate,
        }
    }
}

impl types::Host for AdapterState {}

impl host::Host for AdapterState {
    fn log(&mut self, level: host::LogLevel, message: String) -> wasmtime::Result<()> {
        let level = match level {
            host::LogLevel::Trace => Level::Trace,
            host::LogLevel::Debug => Level::Debug,
            host::LogLevel::Info => Level::Info,
            host::LogLevel::Warn => Level::Warn,
            host::LogLevel::Error => Level::Error,
        };
        self.lines.write(level, Source::Log, &message);
        Ok(())
    }

    fn get_setting(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.grants.settings.get(&key).cloned())
    }

    fn hmac_sha256(
        &mut self,
        secret_name: String,
        data: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.grants.secrets.hmac_sha256(&secret_name, &data))
    }
}

/// Contract 0.1's host services are 0.2's: the same three functions.
mod v0_1 {
    use super::AdapterState;
    use crate::wit::latest::mercato::supplier::host::{Host as Latest, LogLevel};
    use crate::wit::since_v0_1_0::mercato::supplier::{host, types};

    impl types::Host for AdapterState {}

    impl host::Host for AdapterState {
        fn log(&mut self, level: host::LogLevel, message: String) -> wasmtime::Result<()> {
            let level = match level {
                host::LogLevel::Trace => LogLevel::Trace,
                host::LogLevel::Debug => LogLevel::Debug,
                host::LogLevel::Info => LogLevel::Info,
                host::LogLevel::Warn => LogLevel::Warn,
                host::LogLevel::Error => LogLevel::Error,
            };
            Latest::log(self, level, message)
        }

        fn get_setting(&mut self, key: String) -> wasmtime::Result<Option<String>> {
            Latest::get_setting(self, key)
        }

        fn hmac_sha256(
            &mut self,
            secret_name: String,
            data: Vec<u8>,
        ) -> wasmtime::Result<Option<Vec<u8>>> {
            Latest::hmac_sha256(self, secret_name, data)
        }
    }
}

#[cfg(test)]
mod tests {
    //! Matrix row S5: table, instance and memory count bombs, refused at instantiation or at
    //! growth. Core modules stand in for an adapter here: a component's world cannot express
    //! a table or instance count, so the limits are exercised on the same engine, store data
    //! and limiter every adapter call uses.
    use super::*;
    use crate::engine::{EngineConfig, RuntimeEngine};
    use wasmtime::{Instance, Module, Store};

    fn store(runtime: &RuntimeEngine) -> Store<AdapterState> {
        store_with(runtime, Limits::default())
    }

    fn store_with(runtime: &RuntimeEngine, limits: Limits) -> Store<AdapterState> {
        let effective = Effective {
            limits,
            ..Effective::default()
        };
        let grants = Arc::new(AdapterGrants::new("s5", &effective));
        let mut store = Store::new(runtime.engine(), AdapterState::new(grants));
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(1_000);
        store
    }

    fn runtime() -> RuntimeEngine {
        RuntimeEngine::new(EngineConfig {
            pool_size: 64,
            ..EngineConfig::default()
        })
        .expect("engine")
    }

    fn limit_of(e: &wasmtime::Error) -> Option<ResourceKind> {
        e.downcast_ref::<LimitExceeded>().map(|l| l.kind)
    }

    #[test]
    fn an_initial_memory_above_the_pool_is_refused_before_it_runs() {
        let rt = runtime();
        // 2000 pages = 125 MiB: no pool slot holds it, so it does not even compile.
        let e = Module::new(rt.engine(), "(module (memory 2000))").expect_err("too big");
        assert!(format!("{e:#}").contains("pooling allocator"), "{e:#}");
    }

    #[test]
    fn an_initial_memory_above_the_adapter_limit_is_refused_at_instantiation() {
        let rt = runtime();
        // 500 pages = 31 MiB: fits the pool, not an adapter limited to 16 MiB.
        let module = Module::new(rt.engine(), "(module (memory 500))").expect("module");
        let limits = Limits {
            memory_bytes: 16 << 20,
            ..Limits::default()
        };
        let e = Instance::new(&mut store_with(&rt, limits), &module, &[]).expect_err("too big");
        assert_eq!(limit_of(&e), Some(ResourceKind::Memory), "{e:?}");
    }

    #[test]
    fn table_growth_past_the_limit_traps_with_the_table_kind() {
        let rt = runtime();
        let module = Module::new(
            rt.engine(),
            r#"(module
                (table 1 funcref)
                (func (export "bomb")
                    (loop
                        (drop (table.grow (ref.null func) (i32.const 10000)))
                        (br 0))))"#,
        )
        .expect("module");
        let mut store = store(&rt);
        let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
        let bomb = instance
            .get_typed_func::<(), ()>(&mut store, "bomb")
            .expect("export");
        let e = bomb.call(&mut store, ()).expect_err("bomb stopped");
        assert_eq!(limit_of(&e), Some(ResourceKind::Table), "{e:?}");
    }

    #[test]
    fn more_memories_than_a_pool_slot_holds_are_refused_before_they_run() {
        let rt = runtime();
        let memories = "(memory 1) ".repeat(12);
        let e = Module::new(rt.engine(), format!("(module {memories})")).expect_err("12 memories");
        assert!(format!("{e:#}").contains("pooling allocator"), "{e:#}");
    }

    #[test]
    fn more_instances_than_allowed_are_refused() {
        let rt = runtime();
        let module = Module::new(rt.engine(), "(module (memory 1))").expect("module");
        let mut store = store(&rt);
        let made = (0..64)
            .take_while(|_| Instance::new(&mut store, &module, &[]).is_ok())
            .count();
        assert!(made <= 8, "{made} instances with memories in one store");
    }
}
