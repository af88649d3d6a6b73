//! The [`Adapter`] trait and the glue that exports it as the contract's interfaces.

use crate::contract::*;
use crate::errors::unsupported;

/// A supplier adapter.
///
/// Implement [`describe`](Adapter::describe) and the operations your supplier offers, declare
/// them in the profile's [`Capabilities`], and register the type with
/// [`register_adapter!`](crate::register_adapter). Every operation you leave out answers
/// `unsupported`, which is exactly what the contract asks of an undeclared capability.
///
/// The host builds a fresh instance for every call, so `Self` is made with [`Default`] each
/// time and keeps no state between calls: state belongs to the supplier's system.
pub trait Adapter: Default {
    /// Who the adapter speaks for and what it offers. Called at load time; must not touch the
    /// network.
    fn describe(&self) -> AdapterProfile;

    /// Check that the supplier's endpoint and the credentials the host attaches work, with the
    /// cheapest authenticated request the supplier offers. The host calls it when it loads or
    /// reloads the adapter; answer `unsupported` (the default) if there is nothing to check.
    fn check_connection(&self, ctx: &CallContext) -> Result<(), CommerceError> {
        let _ = ctx;
        Err(unsupported("check-connection"))
    }

    /// Search the catalogue ([`Capabilities::SEARCH`]).
    fn search(&self, ctx: &CallContext, query: SearchQuery) -> Result<SearchPage, CommerceError> {
        let _ = (ctx, query);
        Err(unsupported("search"))
    }

    /// Look items up by reference ([`Capabilities::BATCH_LOOKUP`]).
    fn get_items(
        &self,
        ctx: &CallContext,
        refs: Vec<ItemRef>,
    ) -> Result<Vec<CatalogItem>, CommerceError> {
        let _ = (ctx, refs);
        Err(unsupported("get-items"))
    }

    /// Check live stock and lead time ([`Capabilities::LIVE_AVAILABILITY`]).
    fn check_availability(
        &self,
        ctx: &CallContext,
        lines: Vec<AvailabilityRequest>,
        ship_to: Option<Address>,
    ) -> Result<Vec<AvailabilityAnswer>, CommerceError> {
        let _ = (ctx, lines, ship_to);
        Err(unsupported("check-availability"))
    }

    /// Ask for a quote ([`Capabilities::INSTANT_QUOTE`] or [`Capabilities::ASYNC_QUOTE`]).
    fn request_quote(&self, ctx: &CallContext, req: QuoteRequest) -> Result<Quote, CommerceError> {
        let _ = (ctx, req);
        Err(unsupported("request-quote"))
    }

    /// Fetch a quote again.
    fn get_quote(&self, ctx: &CallContext, quote_id: String) -> Result<Quote, CommerceError> {
        let _ = (ctx, quote_id);
        Err(unsupported("get-quote"))
    }

    /// Place an order ([`Capabilities::PLACE_ORDER`]). A retry with the same idempotency key
    /// must return the same order.
    fn place_order(&self, ctx: &CallContext, req: OrderRequest) -> Result<Order, CommerceError> {
        let _ = (ctx, req);
        Err(unsupported("place-order"))
    }

    /// Fetch an order by supplier order id or buyer PO ([`Capabilities::ORDER_STATUS`]).
    fn get_order(&self, ctx: &CallContext, order_id: String) -> Result<Order, CommerceError> {
        let _ = (ctx, order_id);
        Err(unsupported("get-order"))
    }

    /// Ask to cancel ([`Capabilities::CANCEL_ORDER`]).
    fn cancel_order(
        &self,
        ctx: &CallContext,
        req: CancelRequest,
    ) -> Result<CancelOutcome, CommerceError> {
        let _ = (ctx, req);
        Err(unsupported("cancel-order"))
    }

    /// Shipments of an order ([`Capabilities::SHIPMENT_TRACKING`]).
    fn list_shipments(
        &self,
        ctx: &CallContext,
        order_id: String,
    ) -> Result<Vec<Shipment>, CommerceError> {
        let _ = (ctx, order_id);
        Err(unsupported("list-shipments"))
    }

    /// Invoices of an order ([`Capabilities::INVOICES`]).
    fn list_invoices(
        &self,
        ctx: &CallContext,
        order_id: String,
    ) -> Result<Vec<Invoice>, CommerceError> {
        let _ = (ctx, order_id);
        Err(unsupported("list-invoices"))
    }

    /// Ask for a return authorisation ([`Capabilities::RETURNS`]).
    fn request_return(
        &self,
        ctx: &CallContext,
        req: ReturnRequest,
    ) -> Result<ReturnAuthorization, CommerceError> {
        let _ = (ctx, req);
        Err(unsupported("request-return"))
    }

    /// Parse a document the supplier pushed ([`Capabilities::INBOUND_DOCUMENTS`]).
    fn handle_inbound(
        &self,
        ctx: &CallContext,
        doc: InboundDocument,
    ) -> Result<InboundResult, CommerceError> {
        let _ = (ctx, doc);
        Err(unsupported("handle-inbound"))
    }
}

/// Register an [`Adapter`] as the component's exports, and embed the crate's `mercato.toml`
/// (see [`manifest`](crate::manifest)) and the contract version in the component.
///
/// ```ignore
/// #[derive(Default)]
/// struct Acme;
/// impl mercato_sdk::Adapter for Acme { /* ... */ }
/// mercato_sdk::register_adapter!(Acme);
/// ```
#[macro_export]
macro_rules! register_adapter {
    ($adapter:ty) => {
        // Exports exist only in the component; natively the adapter is a plain type that tests
        // call directly, and two adapters can link into one test binary without clashing.
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        type __MercatoAdapterExports = $crate::__private::Exports<$adapter>;
        #[cfg(target_arch = "wasm32")]
        $crate::bindings::__export_supplier_adapter!(__MercatoAdapterExports with_types_in $crate::bindings);

        // The crate's mercato.toml, shipped inside the component so one file is the whole
        // adapter; the host reads it before compiling anything.
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        #[used]
        #[unsafe(link_section = "mercato:manifest")]
        static __MERCATO_MANIFEST: [u8; include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/mercato.toml")).len()] =
            *include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/mercato.toml"));

        // The contract version this SDK builds against, stamped by the SDK, not the author.
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        #[used]
        #[unsafe(link_section = "mercato:contract")]
        static __MERCATO_CONTRACT: [u8; $crate::__private::CONTRACT_VERSION.len()] =
            $crate::__private::contract_stamp();
    };
}

#[doc(hidden)]
pub mod __private {
    //! Forwarding from the generated per-interface `Guest` traits to [`Adapter`].
    use super::Adapter;
    use crate::bindings::exports::mercato::supplier::{
        adapter_info, catalog, inbound, ordering, quoting,
    };
    use crate::contract::*;
    use std::marker::PhantomData;

    pub use crate::CONTRACT_VERSION;

    /// The contract version as a byte array, for the custom section `register_adapter!` emits.
    pub const fn contract_stamp<const N: usize>() -> [u8; N] {
        let bytes = CONTRACT_VERSION.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N && i < bytes.len() {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }

    /// The type handed to the generated export macro for adapter `A`.
    pub struct Exports<A>(PhantomData<A>);

    impl<A: Adapter> adapter_info::Guest for Exports<A> {
        fn describe() -> AdapterProfile {
            A::default().describe()
        }
        fn check_connection(ctx: CallContext) -> Result<(), CommerceError> {
            A::default().check_connection(&ctx)
        }
    }

    impl<A: Adapter> catalog::Guest for Exports<A> {
        fn search(ctx: CallContext, query: SearchQuery) -> Result<SearchPage, CommerceError> {
            A::default().search(&ctx, query)
        }
        fn get_items(
            ctx: CallContext,
            refs: Vec<ItemRef>,
        ) -> Result<Vec<CatalogItem>, CommerceError> {
            A::default().get_items(&ctx, refs)
        }
        fn check_availability(
            ctx: CallContext,
            lines: Vec<AvailabilityRequest>,
            ship_to: Option<Address>,
        ) -> Result<Vec<AvailabilityAnswer>, CommerceError> {
            A::default().check_availability(&ctx, lines, ship_to)
        }
    }

    impl<A: Adapter> quoting::Guest for Exports<A> {
        fn request_quote(ctx: CallContext, req: QuoteRequest) -> Result<Quote, CommerceError> {
            A::default().request_quote(&ctx, req)
        }
        fn get_quote(ctx: CallContext, quote_id: String) -> Result<Quote, CommerceError> {
            A::default().get_quote(&ctx, quote_id)
        }
    }

    impl<A: Adapter> ordering::Guest for Exports<A> {
        fn place_order(ctx: CallContext, req: OrderRequest) -> Result<Order, CommerceError> {
            A::default().place_order(&ctx, req)
        }
        fn get_order(ctx: CallContext, order_id: String) -> Result<Order, CommerceError> {
            A::default().get_order(&ctx, order_id)
        }
        fn cancel_order(
            ctx: CallContext,
            req: CancelRequest,
        ) -> Result<CancelOutcome, CommerceError> {
            A::default().cancel_order(&ctx, req)
        }
        fn list_shipments(
            ctx: CallContext,
            order_id: String,
        ) -> Result<Vec<Shipment>, CommerceError> {
            A::default().list_shipments(&ctx, order_id)
        }
        fn list_invoices(
            ctx: CallContext,
            order_id: String,
        ) -> Result<Vec<Invoice>, CommerceError> {
            A::default().list_invoices(&ctx, order_id)
        }
        fn request_return(
            ctx: CallContext,
            req: ReturnRequest,
        ) -> Result<ReturnAuthorization, CommerceError> {
            A::default().request_return(&ctx, req)
        }
    }

    impl<A: Adapter> inbound::Guest for Exports<A> {
        fn handle_inbound(
            ctx: CallContext,
            doc: InboundDocument,
        ) -> Result<InboundResult, CommerceError> {
            A::default().handle_inbound(&ctx, doc)
        }
    }
}
