//! The contract's exports of one adapter: found once at load, type-checked on each instance
//! only for the interface a call uses.
//!
//! The generated `SupplierAdapterPre::instantiate` type-checks all thirteen exported functions
//! of every fresh instance, which measured a third of instantiation (benchmark P1). A call
//! needs one interface, so each call checks only that one; at load, [`Exports::check_all`]
//! checks them all once, so a component whose exports do not match is still refused there.

use super::state::AdapterState;
use crate::wit::latest::exports::mercato::supplier::{
    adapter_info, catalog, inbound, ordering, quoting,
};
use wasmtime::Store;
use wasmtime::component::{Instance, InstancePre};

/// An adapter's pre-linked component and where each exported interface's functions are.
pub(crate) struct ExportsPre {
    pre: InstancePre<AdapterState>,
    info: adapter_info::GuestIndices,
    catalog: catalog::GuestIndices,
    quoting: quoting::GuestIndices,
    ordering: ordering::GuestIndices,
    inbound: inbound::GuestIndices,
}

impl ExportsPre {
    /// Find every export the world requires in `pre`'s component: the five interfaces are
    /// all of the world's exports.
    pub(crate) fn new(pre: InstancePre<AdapterState>) -> wasmtime::Result<Self> {
        Ok(ExportsPre {
            info: adapter_info::GuestIndices::new(&pre)?,
            catalog: catalog::GuestIndices::new(&pre)?,
            quoting: quoting::GuestIndices::new(&pre)?,
            ordering: ordering::GuestIndices::new(&pre)?,
            inbound: inbound::GuestIndices::new(&pre)?,
            pre,
        })
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

/// One instance's exported interfaces, each type-checked when it is asked for.
pub(crate) struct Exports<'a> {
    pre: &'a ExportsPre,
    instance: Instance,
}

impl Exports<'_> {
    /// Type-check every exported interface.
    pub(crate) fn check_all(&self, store: &mut Store<AdapterState>) -> wasmtime::Result<()> {
        self.info(store)?;
        self.catalog(store)?;
        self.quoting(store)?;
        self.ordering(store)?;
        self.inbound(store)?;
        Ok(())
    }

    /// `adapter-info`.
    pub(crate) fn info(
        &self,
        store: &mut Store<AdapterState>,
    ) -> wasmtime::Result<adapter_info::Guest> {
        self.pre.info.load(store, &self.instance)
    }

    /// `catalog`.
    pub(crate) fn catalog(
        &self,
        store: &mut Store<AdapterState>,
    ) -> wasmtime::Result<catalog::Guest> {
        self.pre.catalog.load(store, &self.instance)
    }

    /// `quoting`.
    pub(crate) fn quoting(
        &self,
        store: &mut Store<AdapterState>,
    ) -> wasmtime::Result<quoting::Guest> {
        self.pre.quoting.load(store, &self.instance)
    }

    /// `ordering`.
    pub(crate) fn ordering(
        &self,
        store: &mut Store<AdapterState>,
    ) -> wasmtime::Result<ordering::Guest> {
        self.pre.ordering.load(store, &self.instance)
    }

    /// `inbound`.
    pub(crate) fn inbound(
        &self,
        store: &mut Store<AdapterState>,
    ) -> wasmtime::Result<inbound::Guest> {
        self.pre.inbound.load(store, &self.instance)
    }
}
