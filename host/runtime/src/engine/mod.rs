//! The one wasmtime [`Engine`] every adapter shares: its configuration, the epoch ticker that
//! drives call deadlines, and the on-disk compile cache.

mod cache;
pub mod isolate;

pub use cache::CacheError;
pub(crate) use cache::CompileCache;
pub use isolate::{CompileError, CompileIn};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Instances that may be live at once across all adapters (the pooling allocator's slots).
pub const DEFAULT_POOL_SIZE: u32 = 256;
/// Core instances one component instance may create (a pool slot's room).
pub const MAX_CORE_INSTANCES_PER_COMPONENT: u32 = 16;
/// Linear memories one component instance may have.
pub const MAX_MEMORIES_PER_COMPONENT: u32 = 4;
/// Tables one component instance may have.
pub const MAX_TABLES_PER_COMPONENT: u32 = 8;
/// Largest linear memory a pool slot holds; per-adapter limits can only be lower.
pub const DEFAULT_MAX_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// Wasm stack per call. Deep recursion traps with a stack overflow instead of taking the host.
pub const DEFAULT_MAX_WASM_STACK: usize = 512 * 1024;
/// How often the epoch advances; call deadlines are checked at this granularity.
pub const DEFAULT_EPOCH_TICK: Duration = Duration::from_millis(10);
/// Dirtied bytes of a freed slot's linear memory that are reset in place rather than unmapped.
pub const DEFAULT_KEEP_RESIDENT_BYTES: usize = 1024 * 1024;
/// Tables are small: a Rust component's tables fit in a few pages.
const TABLE_KEEP_RESIDENT: usize = 64 * 1024;
/// Largest component accepted for compilation.
pub const DEFAULT_MAX_COMPONENT_BYTES: usize = 32 * 1024 * 1024;

/// How the shared engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Live instances across all adapters.
    pub pool_size: u32,
    /// Largest linear memory of any instance.
    pub max_memory_bytes: usize,
    /// Wasm stack per call.
    pub max_wasm_stack: usize,
    /// Count instructions so per-call fuel budgets can be enforced (costs ~40 % speed).
    pub consume_fuel: bool,
    /// Epoch tick.
    pub epoch_tick: Duration,
    /// Largest component accepted.
    pub max_component_bytes: usize,
    /// Per memory slot: dirtied bytes reset in place when an instance is dropped; beyond
    /// this the slot is unmapped. Costs resident memory per warm slot, saves TLB flushes.
    pub keep_resident_bytes: usize,
    /// Where compiled artefacts are cached; None = compile on every load.
    pub cache_dir: Option<PathBuf>,
    /// Where components are compiled: in this process, or in a memory-capped child.
    pub compile_in: CompileIn,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            pool_size: DEFAULT_POOL_SIZE,
            max_memory_bytes: DEFAULT_MAX_MEMORY_BYTES,
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
            consume_fuel: false,
            epoch_tick: DEFAULT_EPOCH_TICK,
            max_component_bytes: DEFAULT_MAX_COMPONENT_BYTES,
            keep_resident_bytes: DEFAULT_KEEP_RESIDENT_BYTES,
            cache_dir: None,
            compile_in: CompileIn::Process,
        }
    }
}

/// The engine, its ticker and its cache.
pub(crate) struct RuntimeEngine {
    engine: Engine,
    config: EngineConfig,
    cache: Option<CompileCache>,
    _ticker: EpochTicker,
}

impl RuntimeEngine {
    /// Build the engine: component model, epoch interruption, pooling allocator.
    pub fn new(config: EngineConfig) -> wasmtime::Result<Self> {
        let pool = pooling(&config);
        let mut wasm = codegen_config(&config);
        wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&wasm)?;
        let cache = match &config.cache_dir {
            Some(dir) => Some(CompileCache::open(dir, &engine).map_err(wasmtime::Error::new)?),
            None => None,
        };
        let ticker = EpochTicker::start(engine.clone(), config.epoch_tick);
        Ok(RuntimeEngine {
            engine,
            config,
            cache,
            _ticker: ticker,
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The compile cache, if one is configured.
    pub fn cache(&self) -> Option<&CompileCache> {
        self.cache.as_ref()
    }
}

/// Whether `bytes` are wasmtime's precompiled machine code rather than a component: never
/// loaded, because only the compiler's own output may become code (see `LoadError::Precompiled`).
pub fn is_precompiled(bytes: &[u8]) -> bool {
    wasmtime::Engine::detect_precompiled(bytes).is_some()
}

/// Everything of the engine's configuration that shapes compiled code; a compiling child
/// builds its engine from this alone, so its artefacts load in the host's engine.
pub(crate) fn codegen_config(config: &EngineConfig) -> Config {
    let mut wasm = Config::new();
    wasm.wasm_component_model(true)
        .epoch_interruption(true)
        .consume_fuel(config.consume_fuel)
        .max_wasm_stack(config.max_wasm_stack)
        // The fiber stack carries the wasm stack plus host frames.
        .async_stack_size(config.max_wasm_stack + 1024 * 1024)
        // No component-model async is used: the cheaper synchronous call path applies.
        .concurrency_support(false);
    wasm
}

/// The pooling allocator for `config`: slots for `pool_size` live instances, each within the
/// sandbox's memory and table limits, reused so that an instance costs microseconds. Public
/// so benchmarks can build a bare wasmtime engine on the same pool.
pub fn pooling(config: &EngineConfig) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::new();
    let slots = config.pool_size.max(1);
    pool.total_component_instances(slots)
        // A Rust component is a handful of core instances (the program, the WASI
        // adapter, shims); leave room for other toolchains.
        .max_core_instances_per_component(MAX_CORE_INSTANCES_PER_COMPONENT)
        .total_core_instances(slots.saturating_mul(8))
        .max_memories_per_component(MAX_MEMORIES_PER_COMPONENT)
        .total_memories(slots.saturating_mul(2))
        .max_tables_per_component(MAX_TABLES_PER_COMPONENT)
        .total_tables(slots.saturating_mul(4))
        .total_stacks(slots)
        .max_memory_size(config.max_memory_bytes)
        .table_elements(super::sandbox::limits::DEFAULT_TABLE_ELEMENTS)
        // Every slot may stay warm, so a slot goes back to the adapter that used it last
        // and its memory image stays mapped: remapping an image costs an `mmap` and a TLB
        // shootdown on every core (P4 at N = 128: 171 -> 83 us CPU per adapter).
        .max_unused_warm_slots(slots.saturating_mul(2))
        // Reset a freed slot by rewriting only the pages the guest dirtied (found with the
        // PAGEMAP_SCAN ioctl where the kernel has it) instead of `madvise`, which unmaps
        // pages and interrupts every core to flush its TLB. The contents are reset either
        // way; only the cost differs (P4 at N = 8: 131 -> 46 us CPU per adapter).
        .linear_memory_keep_resident(config.keep_resident_bytes)
        .table_keep_resident(config.keep_resident_bytes.min(TABLE_KEEP_RESIDENT))
        .pagemap_scan(wasmtime::Enabled::Auto);
    pool
}

/// A thread that advances the engine's epoch every tick until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    fn start(engine: Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("mercato-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                }
            })
            .map(drop)
            .unwrap_or_else(|e| tracing::error!("cannot start the epoch ticker: {e}; calls will time out only by the outer timeout"));
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
