//! The contract's exports of one adapter, in whichever contract version it was built against:
//! found once at load, type-checked on each instance only for the interface a call uses.
//!
//! The generated `SupplierAdapterPre::instantiate` type-checks all exported functions of every
//! fresh instance, which measured a third of instantiation (benchmark P1). A call needs one
//! interface, so each call checks only that one; at load, [`Exports::check_all`] checks them
//! all once, so a component whose exports do not match is still refused there.
//!
//! The rest of the host speaks the latest contract. An adapter built against contract 0.1 is
//! called through the 0.1 bindings: arguments and answers cross between the two versions'
//! types through their JSON form, which is the same for every type 0.1 has (0.2 only added
//! `check-connection`, which such an adapter answers `unsupported` through the host).

use super::cross::Cross;
use super::state::AdapterState;
use crate::contract::*;
use crate::wit::latest::exports::mercato::supplier::{
    adapter_info, catalog, inbound, ordering, quoting,
};
use crate::wit::since_v0_1_0;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasmtime::Store;
use wasmtime::component::{Instance, InstancePre};

/// The 0.1 bindings, under short names.
mod v0_1 {
    pub use crate::wit::since_v0_1_0::exports::mercato::supplier::{
        adapter_info, catalog, inbound, ordering, quoting,
    };
    pub use crate::wit::since_v0_1_0::mercato::supplier::types;
}

/// The result type of an export call: a trap, or the adapter's answer.
pub(crate) type ExportResult<T> = wasmtime::Result<Result<T, CommerceError>>;

/// Where each exported interface's functions are, per contract version.
struct Indices<I, C, Q, O, N> {
    info: I,
    catalog: C,
    quoting: Q,
    ordering: O,
    inbound: N,
}

/// The exports of an adapter, in the version it was built against.
enum Versioned {
    /// `mercato:supplier@0.2.x`, the latest.
    Latest(
        Indices<
            adapter_info::GuestIndices,
            catalog::GuestIndices,
            quoting::GuestIndices,
            ordering::GuestIndices,
            inbound::GuestIndices,
        >,
    ),
    /// `mercato:supplier@0.1.x`.
    V0_1(
        Indices<
            v0_1::adapter_info::GuestIndices,
            v0_1::catalog::GuestIndices,
            v0_1::quoting::GuestIndices,
            v0_1::ordering::GuestIndices,
            v0_1::inbound::GuestIndices,
        >,
    ),
}

/// An adapter's pre-linked component and where each exported interface's functions are.
pub(crate) struct ExportsPre {
    pre: InstancePre<AdapterState>,
    exports: Versioned,
}

impl ExportsPre {
    /// Find every export the world requires in `pre`'s component, in the contract version
    /// its exports name (the world check has already refused versions the host lacks).
    pub(crate) fn new(pre: InstancePre<AdapterState>) -> wasmtime::Result<Self> {
        let v0_1_prefix = format!(
            "mercato:supplier/adapter-info@{}",
            &since_v0_1_0::VERSION[..4]
        );
        let built_for_v0_1 = pre
            .component()
            .component_type()
            .exports(pre.engine())
            .any(|(name, _)| name.starts_with(&v0_1_prefix));
        let exports = if built_for_v0_1 {
            Versioned::V0_1(Indices {
                info: v0_1::adapter_info::GuestIndices::new(&pre)?,
                catalog: v0_1::catalog::GuestIndices::new(&pre)?,
                quoting: v0_1::quoting::GuestIndices::new(&pre)?,
                ordering: v0_1::ordering::GuestIndices::new(&pre)?,
                inbound: v0_1::inbound::GuestIndices::new(&pre)?,
            })
        } else {
            Versioned::Latest(Indices {
                info: adapter_info::GuestIndices::new(&pre)?,
                catalog: catalog::GuestIndices::new(&pre)?,
                quoting: quoting::GuestIndices::new(&pre)?,
                ordering: ordering::GuestIndices::new(&pre)?,
                inbound: inbound::GuestIndices::new(&pre)?,
            })
        };
        Ok(ExportsPre { pre, exports })
    }

    /// The contract version the adapter's exports speak.
    pub(crate) fn version(&self) -> &'static str {
        match self.exports {
            Versioned::Latest(_) => crate::wit::latest::VERSION,
            Versioned::V0_1(_) => since_v0_1_0::VERSION,
        }
    }

    /// A fresh instance in `store`.
    pub(crate) async fn instantiate(
        &self,
        store: &mut Store<AdapterState>,
    ) -> wasmtime::Result<Exports<'_>> {
        let instance = self.pre.instantiate_async(store).await?;
        Ok(Exports {
            pre: self,
            instance,
        })
    }
}

/// A value of one contract version as the same value of another, through its JSON form.
fn through_json<T: Serialize + ?Sized, U: DeserializeOwned>(value: &T) -> wasmtime::Result<U> {
    let json = serde_json::to_value(value)?;
    Ok(serde_json::from_value(json)?)
}

/// A plain argument as the bindings' value of it.
fn arg<T: Clone + Cross<U>, U>(value: &T) -> U {
    value.clone().cross()
}

/// The latest bindings' answer as plain values.
fn latest<T: Cross<U>, U>(
    a: wasmtime::Result<Result<T, crate::wit::latest::mercato::supplier::types::CommerceError>>,
) -> ExportResult<U> {
    Ok(a?.cross())
}

/// A 0.1 answer as the plain contract types.
fn answer<T: Serialize, U: DeserializeOwned>(
    a: Result<T, v0_1::types::CommerceError>,
) -> ExportResult<U> {
    Ok(match a {
        Ok(v) => Ok(through_json(&v)?),
        Err(e) => Err(through_json(&e)?),
    })
}

/// One instance's exported interfaces, each type-checked when a call asks for it.
pub(crate) struct Exports<'a> {
    pre: &'a ExportsPre,
    instance: Instance,
}

type S = Store<AdapterState>;

impl Exports<'_> {
    /// Type-check every exported interface.
    pub(crate) fn check_all(&self, s: &mut S) -> wasmtime::Result<()> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                x.info.load(&mut *s, i)?;
                x.catalog.load(&mut *s, i)?;
                x.quoting.load(&mut *s, i)?;
                x.ordering.load(&mut *s, i)?;
                x.inbound.load(&mut *s, i)?;
            }
            Versioned::V0_1(x) => {
                x.info.load(&mut *s, i)?;
                x.catalog.load(&mut *s, i)?;
                x.quoting.load(&mut *s, i)?;
                x.ordering.load(&mut *s, i)?;
                x.inbound.load(&mut *s, i)?;
            }
        }
        Ok(())
    }

    /// `adapter-info.describe`.
    pub(crate) async fn describe(&self, s: &mut S) -> wasmtime::Result<AdapterProfile> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => Ok(x.info.load(&mut *s, i)?.call_describe(s).await?.cross()),
            Versioned::V0_1(x) => through_json(&x.info.load(&mut *s, i)?.call_describe(s).await?),
        }
    }

    /// `adapter-info.check-connection`; an adapter built against 0.1 does not have it.
    pub(crate) async fn check_connection(&self, s: &mut S, ctx: &CallContext) -> ExportResult<()> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.info.load(&mut *s, i)?;
                latest(g.call_check_connection(s, &arg(ctx)).await)
            }
            Versioned::V0_1(_) => Ok(Err(CommerceError::Unsupported(format!(
                "check-connection: the adapter was built against contract {}, which does not have it",
                since_v0_1_0::VERSION
            )))),
        }
    }

    /// `catalog.search`.
    pub(crate) async fn search(
        &self,
        s: &mut S,
        ctx: &CallContext,
        q: &SearchQuery,
    ) -> ExportResult<SearchPage> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.catalog.load(&mut *s, i)?;
                latest(g.call_search(s, &arg(ctx), &arg(q)).await)
            }
            Versioned::V0_1(x) => {
                let g = x.catalog.load(&mut *s, i)?;
                answer(
                    g.call_search(s, &through_json(ctx)?, &through_json(q)?)
                        .await?,
                )
            }
        }
    }

    /// `catalog.get-items`.
    pub(crate) async fn get_items(
        &self,
        s: &mut S,
        ctx: &CallContext,
        refs: &[ItemRef],
    ) -> ExportResult<Vec<CatalogItem>> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.catalog.load(&mut *s, i)?;
                latest(g.call_get_items(s, &arg(ctx), &refs.to_vec().cross()).await)
            }
            Versioned::V0_1(x) => {
                let g = x.catalog.load(&mut *s, i)?;
                let refs: Vec<v0_1::types::ItemRef> = through_json(refs)?;
                answer(g.call_get_items(s, &through_json(ctx)?, &refs).await?)
            }
        }
    }

    /// `catalog.check-availability`.
    pub(crate) async fn check_availability(
        &self,
        s: &mut S,
        ctx: &CallContext,
        lines: &[AvailabilityRequest],
        ship_to: Option<&Address>,
    ) -> ExportResult<Vec<AvailabilityAnswer>> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.catalog.load(&mut *s, i)?;
                let ship_to: Option<_> = ship_to.cloned().cross();
                let lines = lines.to_vec().cross();
                latest(
                    g.call_check_availability(s, &arg(ctx), &lines, ship_to.as_ref())
                        .await,
                )
            }
            Versioned::V0_1(x) => {
                let g = x.catalog.load(&mut *s, i)?;
                let lines: Vec<v0_1::catalog::AvailabilityRequest> = through_json(lines)?;
                let ship_to: Option<v0_1::types::Address> = through_json(&ship_to)?;
                let ctx = through_json(ctx)?;
                answer(
                    g.call_check_availability(s, &ctx, &lines, ship_to.as_ref())
                        .await?,
                )
            }
        }
    }

    /// `quoting.request-quote`.
    pub(crate) async fn request_quote(
        &self,
        s: &mut S,
        ctx: &CallContext,
        req: &QuoteRequest,
    ) -> ExportResult<Quote> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.quoting.load(&mut *s, i)?;
                latest(g.call_request_quote(s, &arg(ctx), &arg(req)).await)
            }
            Versioned::V0_1(x) => {
                let g = x.quoting.load(&mut *s, i)?;
                answer(
                    g.call_request_quote(s, &through_json(ctx)?, &through_json(req)?)
                        .await?,
                )
            }
        }
    }

    /// `quoting.get-quote`.
    pub(crate) async fn get_quote(
        &self,
        s: &mut S,
        ctx: &CallContext,
        id: &str,
    ) -> ExportResult<Quote> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.quoting.load(&mut *s, i)?;
                latest(g.call_get_quote(s, &arg(ctx), id).await)
            }
            Versioned::V0_1(x) => {
                let g = x.quoting.load(&mut *s, i)?;
                answer(g.call_get_quote(s, &through_json(ctx)?, id).await?)
            }
        }
    }

    /// `ordering.place-order`.
    pub(crate) async fn place_order(
        &self,
        s: &mut S,
        ctx: &CallContext,
        req: &OrderRequest,
    ) -> ExportResult<Order> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                latest(g.call_place_order(s, &arg(ctx), &arg(req)).await)
            }
            Versioned::V0_1(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                answer(
                    g.call_place_order(s, &through_json(ctx)?, &through_json(req)?)
                        .await?,
                )
            }
        }
    }

    /// `ordering.get-order`.
    pub(crate) async fn get_order(
        &self,
        s: &mut S,
        ctx: &CallContext,
        id: &str,
    ) -> ExportResult<Order> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                latest(g.call_get_order(s, &arg(ctx), id).await)
            }
            Versioned::V0_1(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                answer(g.call_get_order(s, &through_json(ctx)?, id).await?)
            }
        }
    }

    /// `ordering.cancel-order`.
    pub(crate) async fn cancel_order(
        &self,
        s: &mut S,
        ctx: &CallContext,
        req: &CancelRequest,
    ) -> ExportResult<CancelOutcome> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                latest(g.call_cancel_order(s, &arg(ctx), &arg(req)).await)
            }
            Versioned::V0_1(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                answer(
                    g.call_cancel_order(s, &through_json(ctx)?, &through_json(req)?)
                        .await?,
                )
            }
        }
    }

    /// `ordering.list-shipments`.
    pub(crate) async fn list_shipments(
        &self,
        s: &mut S,
        ctx: &CallContext,
        id: &str,
    ) -> ExportResult<Vec<Shipment>> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                latest(g.call_list_shipments(s, &arg(ctx), id).await)
            }
            Versioned::V0_1(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                answer(g.call_list_shipments(s, &through_json(ctx)?, id).await?)
            }
        }
    }

    /// `ordering.list-invoices`.
    pub(crate) async fn list_invoices(
        &self,
        s: &mut S,
        ctx: &CallContext,
        id: &str,
    ) -> ExportResult<Vec<Invoice>> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                latest(g.call_list_invoices(s, &arg(ctx), id).await)
            }
            Versioned::V0_1(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                answer(g.call_list_invoices(s, &through_json(ctx)?, id).await?)
            }
        }
    }

    /// `ordering.request-return`.
    pub(crate) async fn request_return(
        &self,
        s: &mut S,
        ctx: &CallContext,
        req: &ReturnRequest,
    ) -> ExportResult<ReturnAuthorization> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                latest(g.call_request_return(s, &arg(ctx), &arg(req)).await)
            }
            Versioned::V0_1(x) => {
                let g = x.ordering.load(&mut *s, i)?;
                answer(
                    g.call_request_return(s, &through_json(ctx)?, &through_json(req)?)
                        .await?,
                )
            }
        }
    }

    /// `inbound.handle-inbound`.
    pub(crate) async fn handle_inbound(
        &self,
        s: &mut S,
        ctx: &CallContext,
        doc: &InboundDocument,
    ) -> ExportResult<InboundResult> {
        let i = &self.instance;
        match &self.pre.exports {
            Versioned::Latest(x) => {
                let g = x.inbound.load(&mut *s, i)?;
                latest(g.call_handle_inbound(s, &arg(ctx), &arg(doc)).await)
            }
            Versioned::V0_1(x) => {
                let g = x.inbound.load(&mut *s, i)?;
                answer(
                    g.call_handle_inbound(s, &through_json(ctx)?, &through_json(doc)?)
                        .await?,
                )
            }
        }
    }
}
