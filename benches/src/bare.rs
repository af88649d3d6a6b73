//! The floor: the same component instantiated and called with nothing but wasmtime.
//!
//! The same embedding as Mercato's (async calls on the pooling allocator with a pre-linked
//! `InstancePre`, no component-model concurrency), WASI and WASI HTTP from
//! `wasmtime-wasi(-http)`, and Mercato's host interface answering every call with a trap, so
//! an adapter that calls it fails loudly instead of being measured wrong. No limits, no deadline, no
//! validation: what any wasmtime host of this kind pays at the least.

use self::mercato::supplier::{host, types};
use wasmtime::component::{Component, HasSelf, Instance, InstancePre, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({
    path: "../wit",
    world: "mercato:supplier/supplier-adapter@0.2.0",
    with: {
        "wasi": wasmtime_wasi::p2::bindings,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
    },
    imports: { default: trappable },
    exports: { default: async },
    require_store_data_send: true,
});

pub use self::mercato::supplier::types::CallContext;
pub use exports::mercato::supplier::catalog::{SearchPage, SearchQuery};
pub use exports::mercato::supplier::quoting::Quote;
use exports::mercato::supplier::{catalog, quoting};

/// What a bare store holds: WASI, WASI HTTP and their resource table.
pub struct BareState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for BareState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for BareState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

impl types::Host for BareState {}

/// The floor measures adapters that need nothing from the host.
fn not_here(service: &str) -> wasmtime::Error {
    wasmtime::format_err!("the bare floor offers no `{service}`")
}

impl host::Host for BareState {
    fn log(&mut self, _: host::LogLevel, _: String) -> wasmtime::Result<()> {
        Err(not_here("log"))
    }

    fn get_setting(&mut self, _: String) -> wasmtime::Result<Option<String>> {
        Err(not_here("get-setting"))
    }

    fn hmac_sha256(&mut self, _: String, _: Vec<u8>) -> wasmtime::Result<Option<Vec<u8>>> {
        Err(not_here("hmac-sha256"))
    }
}

/// What the bare engine turns on besides the component model and the pooling allocator.
#[derive(Debug, Clone, Copy, Default)]
pub struct Features {
    /// Check epoch deadlines as Mercato's engine does (the deadline is never reached here).
    pub epoch_interruption: bool,
    /// Component-model async machinery, which Mercato turns off because it uses none of it.
    pub concurrency_support: bool,
}

/// A bare engine and one pre-linked component.
pub struct BareAdapter {
    engine: Engine,
    pre: InstancePre<BareState>,
    catalog: catalog::GuestIndices,
    quoting: quoting::GuestIndices,
    epoch: bool,
}

impl BareAdapter {
    /// Compile `bytes` on an engine with the pooling allocator and `features`.
    pub fn new(bytes: &[u8], features: Features) -> wasmtime::Result<Self> {
        // Mercato's default pool, slot reuse included: the floor is the same allocator
        // without Mercato's layers.
        let pool = ::mercato::engine::pooling(&::mercato::engine::EngineConfig::default());
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(features.epoch_interruption)
            .concurrency_support(features.concurrency_support)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;
        let component = Component::new(&engine, bytes)?;
        let mut linker = Linker::<BareState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        types::add_to_linker::<_, HasSelf<BareState>>(&mut linker, |s| s)?;
        host::add_to_linker::<_, HasSelf<BareState>>(&mut linker, |s| s)?;
        let pre = linker.instantiate_pre(&component)?;
        Ok(BareAdapter {
            engine,
            catalog: catalog::GuestIndices::new(&pre)?,
            quoting: quoting::GuestIndices::new(&pre)?,
            pre,
            epoch: features.epoch_interruption,
        })
    }

    /// A fresh store and instance. Like Mercato, a call type-checks only the interface it
    /// uses (the generated `SupplierAdapterPre` checks all thirteen functions every time).
    pub async fn instantiate(&self) -> wasmtime::Result<(Store<BareState>, Instance)> {
        let mut store = Store::new(
            &self.engine,
            BareState {
                wasi: WasiCtx::builder().build(),
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
            },
        );
        if self.epoch {
            store.set_epoch_deadline(u64::MAX / 2);
        }
        let instance = self.pre.instantiate_async(&mut store).await?;
        Ok((store, instance))
    }

    /// Instantiate, search, drop.
    pub async fn search(
        &self,
        ctx: &CallContext,
        query: &SearchQuery,
    ) -> wasmtime::Result<SearchPage> {
        let (mut store, instance) = self.instantiate().await?;
        self.catalog
            .load(&mut store, &instance)?
            .call_search(&mut store, ctx, query)
            .await?
            .map_err(|e| wasmtime::format_err!("search refused: {e:?}"))
    }

    /// Instantiate, get a quote, drop.
    pub async fn get_quote(&self, ctx: &CallContext, quote_id: &str) -> wasmtime::Result<Quote> {
        let (mut store, instance) = self.instantiate().await?;
        self.quoting
            .load(&mut store, &instance)?
            .call_get_quote(&mut store, ctx, quote_id)
            .await?
            .map_err(|e| wasmtime::format_err!("get-quote refused: {e:?}"))
    }
}

/// A bare call context equal to [`crate::ctx`].
pub fn ctx() -> CallContext {
    let c = crate::ctx();
    let b = c.buyer;
    CallContext {
        request_id: c.request_id,
        buyer: types::BuyerContext {
            account_id: b.account_id,
            organization: b.organization,
            tax_id: b.tax_id,
            cost_center: b.cost_center,
            originator: b.originator,
            on_behalf_of: b.on_behalf_of,
        },
        locale: c.locale,
        currency: c.currency,
        country: c.country,
        deadline: c.deadline,
    }
}

/// A bare first-page search equal to [`crate::query`].
pub fn query(text: Option<&str>, page_size: u32) -> SearchQuery {
    let q = crate::query(text, page_size);
    SearchQuery {
        text: q.text,
        categories: q.categories,
        in_stock_only: q.in_stock_only,
        page_size: q.page_size,
        cursor: q.cursor,
    }
}
