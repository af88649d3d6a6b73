//! A loaded component as the rest of the host calls it: [`Supplier`] over the inherent
//! methods, which check and bound every call.

use super::LoadedAdapter;
use crate::contract::supplier::{
    Adapter, BreakerStatus, Call, Card, CardLimits, Digest, Supplier, SupplierId,
};
use crate::contract::*;
use crate::signing::Trust;
use std::time::Duration;

impl From<LoadedAdapter> for Adapter {
    fn from(adapter: LoadedAdapter) -> Self {
        std::sync::Arc::new(adapter)
    }
}

impl Supplier for LoadedAdapter {
    fn supplier(&self) -> &SupplierId {
        LoadedAdapter::supplier(self)
    }

    fn profile(&self) -> &AdapterProfile {
        LoadedAdapter::profile(self)
    }

    fn digest(&self) -> &Digest {
        LoadedAdapter::digest(self)
    }

    fn card(&self) -> Card {
        let effective = self.effective();
        let l = &effective.limits;
        Card {
            contract_version: self.contract_version(),
            signed_by: match self.trust() {
                Trust::Trusted(key) => Some(key.to_string()),
                _ => None,
            },
            outbound_hosts: effective
                .destinations
                .iter()
                .map(|d| d.host.to_string())
                .collect(),
            limits: CardLimits {
                call_timeout: l.call_timeout,
                memory_bytes: l.memory_bytes as u64,
                fuel: l.fuel,
                outbound_requests: l.outbound_requests,
                response_body_bytes: l.response_body_bytes,
                input_bytes: l.input_bytes as u64,
                output_bytes: l.output_bytes as u64,
            },
        }
    }

    fn breaker(&self) -> BreakerStatus {
        LoadedAdapter::breaker(self)
    }

    fn missed_deadline(&self, limit: Duration) {
        LoadedAdapter::missed_deadline(self, limit)
    }

    fn check_connection<'a>(&'a self, ctx: &'a CallContext) -> Call<'a, ()> {
        Box::pin(LoadedAdapter::check_connection(self, ctx))
    }

    fn search<'a>(&'a self, ctx: &'a CallContext, query: &'a SearchQuery) -> Call<'a, SearchPage> {
        Box::pin(LoadedAdapter::search(self, ctx, query))
    }

    fn get_items<'a>(
        &'a self,
        ctx: &'a CallContext,
        refs: &'a [ItemRef],
    ) -> Call<'a, Vec<CatalogItem>> {
        Box::pin(LoadedAdapter::get_items(self, ctx, refs))
    }

    fn check_availability<'a>(
        &'a self,
        ctx: &'a CallContext,
        lines: &'a [AvailabilityRequest],
        ship_to: Option<&'a Address>,
    ) -> Call<'a, Vec<AvailabilityAnswer>> {
        Box::pin(LoadedAdapter::check_availability(self, ctx, lines, ship_to))
    }

    fn request_quote<'a>(&'a self, ctx: &'a CallContext, req: &'a QuoteRequest) -> Call<'a, Quote> {
        Box::pin(LoadedAdapter::request_quote(self, ctx, req))
    }

    fn get_quote<'a>(&'a self, ctx: &'a CallContext, quote_id: &'a str) -> Call<'a, Quote> {
        Box::pin(LoadedAdapter::get_quote(self, ctx, quote_id))
    }

    fn place_order<'a>(&'a self, ctx: &'a CallContext, req: &'a OrderRequest) -> Call<'a, Order> {
        Box::pin(LoadedAdapter::place_order(self, ctx, req))
    }

    fn get_order<'a>(&'a self, ctx: &'a CallContext, order_id: &'a str) -> Call<'a, Order> {
        Box::pin(LoadedAdapter::get_order(self, ctx, order_id))
    }

    fn cancel_order<'a>(
        &'a self,
        ctx: &'a CallContext,
        req: &'a CancelRequest,
    ) -> Call<'a, CancelOutcome> {
        Box::pin(LoadedAdapter::cancel_order(self, ctx, req))
    }

    fn list_shipments<'a>(
        &'a self,
        ctx: &'a CallContext,
        order_id: &'a str,
    ) -> Call<'a, Vec<Shipment>> {
        Box::pin(LoadedAdapter::list_shipments(self, ctx, order_id))
    }

    fn list_invoices<'a>(
        &'a self,
        ctx: &'a CallContext,
        order_id: &'a str,
    ) -> Call<'a, Vec<Invoice>> {
        Box::pin(LoadedAdapter::list_invoices(self, ctx, order_id))
    }

    fn request_return<'a>(
        &'a self,
        ctx: &'a CallContext,
        req: &'a ReturnRequest,
    ) -> Call<'a, ReturnAuthorization> {
        Box::pin(LoadedAdapter::request_return(self, ctx, req))
    }

    fn handle_inbound<'a>(
        &'a self,
        ctx: &'a CallContext,
        doc: &'a InboundDocument,
    ) -> Call<'a, InboundResult> {
        Box::pin(LoadedAdapter::handle_inbound(self, ctx, doc))
    }
}
