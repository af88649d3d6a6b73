//! The gateway's operations, shared by every front end (HTTP, MCP, the embedded CLI).
//!
//! A [`Service`] turns a client's request into broker calls: it checks and fills the request
//! from the client's defaults, builds the call context (the client's buyer identity, currency,
//! country, deadline), derives the key an adapter sees from the client's idempotency key, and
//! shapes the answer. Front ends only translate transport.

use super::api::*;
use super::approvals::Placement;
use super::auth::{Client, Clients};
use super::idempotent::Mutation;
use super::problem::{ApiError, supplier_error};
use crate::adapter::{LoadedAdapter, Operation, SupplierId};
use crate::broker::offers::{self, OfferProblem};
use crate::broker::{Broker, FanOut, Ineligible};
use crate::contract::now_ms;
use crate::contract::{
    CallContext, CancelOutcome, CancelRequest, CancelStatus, CatalogItem, CommerceError,
    InboundDocument, InboundResult, Invoice, Order, OrderEvent, Quote, ReturnAuthorization,
    ReturnRequest, SearchPage, SearchQuery, Shipment,
};
use crate::error::CallError;
use crate::ledger::ReservationState;
use crate::ledger::sqlite::SqliteLedger;
use crate::ledger::{AuditEntry, Ledger};
use sha2::{Digest as _, Sha256};
use std::sync::Arc;
use std::time::Instant;

/// Most items per supplier a search may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Most references, lines or suppliers in one request.
pub const MAX_LIST: usize = 100;

/// A client's idempotency key: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Check the form of a presented key.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::BadRequest(
                "Idempotency-Key must be 1–255 visible ASCII characters".to_string(),
            ));
        }
        Ok(IdempotencyKey(s.to_string()))
    }

    /// The key as presented.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the adapter (and so the supplier) sees: derived deterministically from the
    /// client, supplier, operation and the client's key, so a retry reaches the supplier with
    /// the same key and the supplier can dedupe, while two clients' keys never collide.
    pub fn for_supplier(&self, client: &Client, supplier: &SupplierId, op: Operation) -> String {
        let mut h = Sha256::new();
        for part in [
            "mercato-idempotency/v1",
            client.id.as_str(),
            supplier.as_str(),
            op.name(),
            &self.0,
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        format!("mrc-{}", &hex::encode(h.finalize())[..40])
    }
}

/// The operations of one running gateway.
#[derive(Debug, Clone)]
pub struct Service {
    broker: Arc<Broker>,
    clients: Arc<Clients>,
    ledger: Arc<dyn Ledger>,
}

impl Service {
    /// A service over `broker` for `clients`, with a ledger in memory (gone when the process
    /// ends: for tests and throwaway runs; `mercato serve` keeps its ledger on disk).
    pub fn new(broker: Broker, clients: Clients) -> Self {
        // Opening an in-memory SQLite database fails only when memory is exhausted.
        let ledger = SqliteLedger::in_memory().expect("an in-memory SQLite ledger opens");
        Service::with_ledger(broker, clients, Arc::new(ledger))
    }

    /// A service over `broker` for `clients`, recording into `ledger`.
    pub fn with_ledger(broker: Broker, clients: Clients, ledger: Arc<dyn Ledger>) -> Self {
        Service {
            broker: Arc::new(broker),
            clients: Arc::new(clients),
            ledger,
        }
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }

    /// The broker.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// The configured clients.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// Liveness and what is loaded.
    pub fn health(&self) -> Health {
        Health {
            status: "ok".to_string(),
            adapters: self.broker.adapters().len() as u32,
            version: env!("CARGO_PKG_VERSION").to_string(),
            contract: crate::wit::latest::VERSION.to_string(),
        }
    }

    /// Every loaded supplier with its capabilities, hosts and limits.
    pub fn suppliers(&self) -> SuppliersResponse {
        SuppliersResponse {
            suppliers: self.broker.adapters().iter().map(supplier_view).collect(),
        }
    }

    /// Search every eligible supplier.
    pub async fn search(
        &self,
        client: &Client,
        req: SearchRequest,
    ) -> Result<FanOutResponse<SearchPage>, ApiError> {
        let page_size = page_size(req.page_size, 20)?;
        let mut scope = req.scope;
        if !req.cursors.is_empty() {
            scope.suppliers = Some(req.cursors.keys().cloned().collect());
        }
        let only = self.selection(scope.suppliers.as_deref())?;
        let ctx = self.context(client, &scope);
        let started = Instant::now();
        let query_for = |supplier: &SupplierId| SearchQuery {
            text: req.text.clone(),
            categories: req.categories.clone(),
            in_stock_only: req.in_stock_only,
            page_size,
            cursor: req.cursors.get(supplier.as_str()).cloned(),
        };
        let fan_out = self
            .broker
            .search_each(&ctx, query_for, only.as_deref())
            .await?;
        Ok(fan_out_response(fan_out, started))
    }

    /// Look items up by reference at every eligible supplier.
    pub async fn items(
        &self,
        client: &Client,
        req: ItemsRequest,
    ) -> Result<FanOutResponse<Vec<CatalogItem>>, ApiError> {
        bounded_list("refs", req.refs.len())?;
        let only = self.selection(req.scope.suppliers.as_deref())?;
        let ctx = self.context(client, &req.scope);
        let started = Instant::now();
        let fan_out = self
            .broker
            .get_items(&ctx, &req.refs, only.as_deref())
            .await?;
        Ok(fan_out_response(fan_out, started))
    }

    /// Live availability at every eligible supplier.
    pub async fn availability(
        &self,
        client: &Client,
        req: AvailabilityBody,
    ) -> Result<FanOutResponse<Vec<crate::contract::AvailabilityAnswer>>, ApiError> {
        bounded_list("lines", req.lines.len())?;
        let only = self.selection(req.scope.suppliers.as_deref())?;
        let mut scope = req.scope;
        if scope.country.is_none() {
            scope.country = req.ship_to.as_ref().map(|a| a.country.clone());
        }
        let ctx = self.context(client, &scope);
        let started = Instant::now();
        let fan_out = self
            .broker
            .check_availability(&ctx, &req.lines, req.ship_to.as_ref(), only.as_deref())
            .await?;
        Ok(fan_out_response(fan_out, started))
    }

    /// Search every eligible supplier and rank their offers for the wanted quantity.
    pub async fn offers(
        &self,
        client: &Client,
        req: OffersRequest,
    ) -> Result<OffersResponse, ApiError> {
        let wanted = req
            .quantity
            .to_exact()
            .map_err(|e| ApiError::BadRequest(format!("quantity: {e}")))?;
        if wanted.steps() == 0 {
            return Err(ApiError::BadRequest(
                "quantity: must be more than zero".into(),
            ));
        }
        let currency_code = req
            .scope
            .currency
            .clone()
            .or_else(|| client.currency.clone())
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "scope.currency: offers are compared in one currency; name it".into(),
                )
            })?;
        let currency = mercato_sdk::exact::Currency::parse(&currency_code)
            .map_err(|e| ApiError::BadRequest(format!("scope.currency: {e}")))?;
        let search = SearchRequest {
            text: Some(req.text.clone()),
            page_size: Some(page_size(req.page_size, 50)?),
            scope: Scope {
                currency: Some(currency_code),
                ..req.scope
            },
            ..SearchRequest::default()
        };
        let found = self.search(client, search).await?;
        let words: Vec<String> = req.must_match.iter().map(|w| w.to_lowercase()).collect();
        let suppliers: Vec<(SupplierId, &CatalogItem)> = found
            .answers
            .iter()
            .filter_map(|a| SupplierId::parse(&a.supplier).ok().map(|s| (s, &a.answer)))
            .flat_map(|(s, page)| page.items.iter().map(move |i| (s.clone(), i)))
            .filter(|(_, i)| {
                let title = i.title.to_lowercase();
                words.iter().all(|w| title.contains(w))
            })
            .collect();
        let ranking = offers::rank(suppliers.iter().map(|(s, i)| (s, *i)), &wanted, currency);
        Ok(OffersResponse {
            offers: ranking
                .offers
                .into_iter()
                .enumerate()
                .map(|(n, o)| OfferView {
                    rank: n as u32 + 1,
                    supplier: o.supplier.to_string(),
                    item: o.item,
                    quantity: o.quantity,
                    unit_price: o.unit_price,
                    line_total: o.line_total,
                    ships_in_days: o.ships_in_days,
                    on_hand: o.on_hand,
                })
                .collect(),
            problems: ranking
                .problems
                .into_iter()
                .map(|(supplier, sku, p)| OfferProblemView {
                    supplier: supplier.to_string(),
                    sku,
                    code: match &p {
                        OfferProblem::NoPrice(_) => "no-price",
                        OfferProblem::CurrencyMismatch { .. } => "currency-mismatch",
                        OfferProblem::UnitMismatch { .. } => "unit-mismatch",
                        OfferProblem::Invalid(_) => "invalid",
                    }
                    .to_string(),
                    detail: p.to_string(),
                })
                .collect(),
            errors: found.errors,
            skipped: found.skipped,
            elapsed_ms: found.elapsed_ms,
        })
    }

    /// Ask every eligible supplier (or the named ones) to quote.
    pub async fn request_quotes(
        &self,
        client: &Client,
        req: QuotesRequest,
    ) -> Result<FanOutResponse<Quote>, ApiError> {
        bounded_list("request.lines", req.request.lines.len())?;
        if req.request.lines.is_empty() {
            return Err(ApiError::BadRequest(
                "request.lines: at least one line".into(),
            ));
        }
        let only = self.selection(req.suppliers.as_deref())?;
        let scope = Scope {
            currency: req.request.currency.clone(),
            country: Some(req.request.ship_to.country.clone()),
            suppliers: None,
            deadline_ms: req.deadline_ms,
        };
        let ctx = self.context(client, &scope);
        let started = Instant::now();
        let fan_out = self
            .broker
            .request_quote(&ctx, &req.request, only.as_deref())
            .await?;
        let quotes: Vec<(String, Quote)> = fan_out
            .answers()
            .map(|(s, q)| (s.to_string(), q.clone()))
            .collect();
        self.keep_quotes(client, quotes).await;
        Ok(fan_out_response(fan_out, started))
    }

    /// Store quotes as returned, with their expiry: the ledger issue's rules check orders
    /// against them. A ledger failure does not withhold the quotes from the client.
    async fn keep_quotes(&self, client: &Client, quotes: Vec<(String, Quote)>) {
        let client = client.id.to_string();
        let stored = self
            .in_ledger(move |l| {
                for (supplier, q) in &quotes {
                    l.store_quote(&client, supplier, q, now_ms())?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = stored {
            tracing::error!(error = %e, "quotes not stored in the ledger");
        }
    }

    /// Record an order's latest state as the supplier reported it.
    async fn keep_order(&self, client: &Client, supplier: &str, order: &Order) {
        let (client, supplier, order) =
            (client.id.to_string(), supplier.to_string(), order.clone());
        let stored = self
            .in_ledger(move |l| {
                // An order someone else placed keeps its owner.
                let owner = l
                    .order(&supplier, &order.order_id)?
                    .map(|r| r.client)
                    .unwrap_or(client);
                l.upsert_order(&owner, &supplier, &order, now_ms())
            })
            .await;
        if let Err(e) = stored {
            tracing::error!(error = %e, "order state not stored in the ledger");
        }
    }

    /// A quote again, by id.
    pub async fn get_quote(
        &self,
        client: &Client,
        supplier: &str,
        quote_id: &str,
    ) -> Result<Quote, ApiError> {
        let a = &self.adapter(supplier)?;
        let ctx = self.context(client, &Scope::default());
        let quote = self
            .one(a, Operation::GetQuote, &ctx, a.get_quote(&ctx, quote_id))
            .await?;
        self.keep_quotes(client, vec![(supplier.to_string(), quote.clone())])
            .await;
        Ok(quote)
    }

    /// Place an order with one supplier. The same client and key always reach the supplier
    /// with the same derived key, so a retry cannot create a second order there.
    pub async fn place_order(
        &self,
        client: &Client,
        key: &IdempotencyKey,
        req: PlaceOrderRequest,
    ) -> Result<Order, ApiError> {
        let Placement {
            adapter,
            ctx,
            mutation,
            order,
        } = self.placement(client, key, &req)?;
        let call = self.send_order(client, &adapter, &ctx, key, &req, &order, false);
        self.idempotent(mutation, &ctx, 201, call, |o: &Order| Some(o))
            .await
    }

    /// An order's current state, by supplier order id or buyer PO.
    pub async fn get_order(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Order, ApiError> {
        let a = &self.adapter(supplier)?;
        let ctx = self.context(client, &Scope::default());
        let order = self
            .one(a, Operation::GetOrder, &ctx, a.get_order(&ctx, order_id))
            .await?;
        self.keep_order(client, supplier, &order).await;
        Ok(order)
    }

    /// Cancel an order or some of its lines.
    pub async fn cancel_order(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
        key: &IdempotencyKey,
        body: CancelBody,
    ) -> Result<CancelOutcome, ApiError> {
        let a = &self.adapter(supplier)?;
        bounded_list("line_ids", body.line_ids.len())?;
        let ctx = self.context(client, &Scope::default());
        let mutation = Mutation::on_order(client, Operation::CancelOrder, key, a, order_id, &body);
        let req = CancelRequest {
            idempotency_key: mutation.supplier_key.clone(),
            order_id: order_id.to_string(),
            line_ids: body.line_ids,
            reason: body.reason,
        };
        let call = self.send(a, Operation::CancelOrder, &ctx, a.cancel_order(&ctx, &req));
        let outcome = self
            .idempotent(mutation, &ctx, 200, call, |c: &CancelOutcome| {
                Some(&c.order)
            })
            .await?;
        if outcome.status == CancelStatus::Cancelled {
            self.settle_order_reservation(supplier, order_id, ReservationState::Released)
                .await;
        }
        Ok(outcome)
    }

    /// An order's shipments.
    pub async fn shipments(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Vec<Shipment>, ApiError> {
        let a = &self.adapter(supplier)?;
        let ctx = self.context(client, &Scope::default());
        self.one(
            a,
            Operation::ListShipments,
            &ctx,
            a.list_shipments(&ctx, order_id),
        )
        .await
    }

    /// An order's invoices and credit notes.
    pub async fn invoices(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Vec<Invoice>, ApiError> {
        let a = &self.adapter(supplier)?;
        let ctx = self.context(client, &Scope::default());
        let invoices = self
            .one(
                a,
                Operation::ListInvoices,
                &ctx,
                a.list_invoices(&ctx, order_id),
            )
            .await?;
        // Invoiced: the budget reservation becomes spending.
        if invoices.iter().any(|i| !i.is_credit_note) {
            self.settle_order_reservation(supplier, order_id, ReservationState::Settled)
                .await;
        }
        Ok(invoices)
    }

    /// Ask to return goods of an order.
    pub async fn request_return(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
        key: &IdempotencyKey,
        body: ReturnBody,
    ) -> Result<ReturnAuthorization, ApiError> {
        let a = &self.adapter(supplier)?;
        if body.lines.is_empty() {
            return Err(ApiError::BadRequest("lines: at least one line".into()));
        }
        bounded_list("lines", body.lines.len())?;
        let ctx = self.context(client, &Scope::default());
        let mutation =
            Mutation::on_order(client, Operation::RequestReturn, key, a, order_id, &body);
        let req = ReturnRequest {
            idempotency_key: mutation.supplier_key.clone(),
            order_id: order_id.to_string(),
            lines: body.lines,
            notes: body.notes,
        };
        let call = self.send(
            a,
            Operation::RequestReturn,
            &ctx,
            a.request_return(&ctx, &req),
        );
        self.idempotent(mutation, &ctx, 200, call, |_: &ReturnAuthorization| None)
            .await
    }

    /// Hand a document a supplier pushed (webhook, order response, despatch advice) to that
    /// supplier's adapter. Only clients the policy lets push for this supplier may.
    pub async fn inbound(
        &self,
        client: &Client,
        supplier: &str,
        doc: InboundDocument,
    ) -> Result<InboundResult, ApiError> {
        let a = &self.adapter(supplier)?;
        if !client.inbound.contains(a.supplier()) {
            return Err(ApiError::Forbidden(format!(
                "client `{}` may not push documents for supplier `{supplier}`",
                client.id
            )));
        }
        let ctx = self.context(client, &Scope::default());
        let result = self
            .one(
                a,
                Operation::HandleInbound,
                &ctx,
                a.handle_inbound(&ctx, &doc),
            )
            .await
            .map_err(|e| match e {
                // The adapter found the document's signature or sender wrong: that is the
                // pusher's fault, not a failing upstream.
                ApiError::Call {
                    error: CallError::Commerce(CommerceError::Unauthorized(why)),
                    ..
                } => ApiError::Forbidden(format!(
                    "the {supplier} adapter refused the document: {why}"
                )),
                other => other,
            })?;
        tracing::info!(
            supplier,
            client = %client.id,
            events = result.events.len(),
            "inbound document handled"
        );
        for event in &result.events {
            match event {
                OrderEvent::OrderUpdated(order) => self.keep_order(client, supplier, order).await,
                // Invoiced: the budget reservation becomes spending.
                OrderEvent::InvoiceIssued(invoice) if !invoice.is_credit_note => {
                    self.settle_order_reservation(
                        supplier,
                        &invoice.order_id,
                        ReservationState::Settled,
                    )
                    .await
                }
                _ => {}
            }
        }
        let audit = AuditEntry {
            at: now_ms(),
            client: client.id.to_string(),
            operation: Operation::HandleInbound.name().to_string(),
            target: supplier.to_string(),
            outcome: "ok".to_string(),
            detail: format!("{} event(s)", result.events.len()),
        };
        if let Err(e) = self.in_ledger(move |l| l.audit(&audit)).await {
            tracing::error!(error = %e, "audit entry not written");
        }
        Ok(result)
    }

    pub(super) fn adapter(&self, supplier: &str) -> Result<LoadedAdapter, ApiError> {
        self.broker
            .adapter(supplier)
            .ok_or_else(|| ApiError::UnknownSupplier(supplier.to_string()))
    }

    /// Check a supplier selection names loaded suppliers only.
    fn selection(&self, names: Option<&[String]>) -> Result<Option<Vec<SupplierId>>, ApiError> {
        let Some(names) = names else { return Ok(None) };
        bounded_list("suppliers", names.len())?;
        names
            .iter()
            .map(|n| self.adapter(n).map(|a| a.supplier().clone()))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The call context of one request by `client`.
    pub(super) fn context(&self, client: &Client, scope: &Scope) -> CallContext {
        let limit = self.broker.config().deadline;
        let wanted = scope
            .deadline_ms
            .map(std::time::Duration::from_millis)
            .unwrap_or(limit)
            .min(limit);
        CallContext {
            request_id: request_id(),
            buyer: client.buyer.clone(),
            locale: None,
            currency: scope.currency.clone().or_else(|| client.currency.clone()),
            country: scope.country.clone().or_else(|| client.country.clone()),
            deadline: now_ms() + wanted.as_millis() as i64,
        }
    }

    /// Make a call that changes something at the supplier (places, cancels, returns). What
    /// the ledger has staged for it (the claim, the write-ahead intent, the budget
    /// reservation) is made durable first: a power cut after the call leaves cannot lose the
    /// record that it may have.
    pub(super) async fn send<T>(
        &self,
        adapter: &LoadedAdapter,
        operation: Operation,
        ctx: &CallContext,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, ApiError> {
        self.durable().await?;
        self.one(adapter, operation, ctx, call).await
    }

    pub(super) async fn one<T>(
        &self,
        adapter: &LoadedAdapter,
        operation: Operation,
        ctx: &CallContext,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, ApiError> {
        self.broker
            .call(adapter, operation, ctx, call)
            .await?
            .map_err(|error| ApiError::Call {
                supplier: adapter.supplier().clone(),
                error,
            })
    }
}

fn page_size(asked: Option<u32>, default: u32) -> Result<u32, ApiError> {
    match asked.unwrap_or(default) {
        n @ 1..=MAX_PAGE_SIZE => Ok(n),
        n => Err(ApiError::BadRequest(format!(
            "page_size: {n} is outside 1–{MAX_PAGE_SIZE}"
        ))),
    }
}

pub(super) fn bounded_list(field: &str, len: usize) -> Result<(), ApiError> {
    if len > MAX_LIST {
        return Err(ApiError::BadRequest(format!(
            "{field}: {len} entries; at most {MAX_LIST} per request"
        )));
    }
    Ok(())
}

fn fan_out_response<T>(fan_out: FanOut<T>, started: Instant) -> FanOutResponse<T> {
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for o in fan_out.outcomes {
        let elapsed_ms = o.elapsed.as_millis() as u64;
        let supplier = o.supplier.to_string();
        match o.result {
            Ok(answer) => answers.push(SupplierAnswer {
                supplier,
                elapsed_ms,
                answer,
            }),
            Err(e) => errors.push(SupplierFailure {
                supplier,
                elapsed_ms,
                error: supplier_error(&e),
            }),
        }
    }
    FanOutResponse {
        answers,
        errors,
        skipped: fan_out
            .skipped
            .into_iter()
            .map(|(s, why)| SkippedSupplier {
                supplier: s.to_string(),
                reason: match why {
                    Ineligible::Capability { .. } => "capability",
                    Ineligible::Currency { .. } => "currency",
                    Ineligible::Country { .. } => "country",
                    Ineligible::NotSelected => "not-selected",
                }
                .to_string(),
                detail: why.to_string(),
            })
            .collect(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

fn supplier_view(a: &LoadedAdapter) -> SupplierView {
    let p = a.profile();
    let l = &a.effective().limits;
    SupplierView {
        supplier: a.supplier().to_string(),
        display_name: p.display_name.clone(),
        adapter_version: p.adapter_version.clone(),
        contract_version: a.contract_version().to_string(),
        protocols: p.protocols.clone(),
        capabilities: p.capabilities,
        currencies: p.currencies.clone(),
        ship_to_countries: p.ship_to_countries.clone(),
        max_lines_per_order: p.max_lines_per_order,
        digest: a.digest().as_hex().to_string(),
        signed_by: match a.trust() {
            crate::signing::Trust::Trusted(key) => key.to_string(),
            _ => "unsigned".to_string(),
        },
        outbound_hosts: a
            .effective()
            .destinations
            .iter()
            .map(|d| d.host.to_string())
            .collect(),
        limits: LimitsView {
            call_timeout_ms: l.call_timeout.as_millis() as u64,
            memory_bytes: l.memory_bytes as u64,
            fuel: l.fuel,
            outbound_requests: l.outbound_requests,
            response_body_bytes: l.response_body_bytes,
            input_bytes: l.input_bytes as u64,
            output_bytes: l.output_bytes as u64,
        },
        breaker: match a.breaker() {
            crate::adapter::breaker::BreakerStatus::Closed { .. } => "closed",
            _ => "open",
        }
        .to_string(),
    }
}

/// A fresh request id: 16 random bytes in hex.
pub fn request_id() -> String {
    let mut bytes = [0u8; 16];
    // The OS generator failing is not recoverable in a meaningful way; fall back to the clock.
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&now_ms().to_be_bytes());
    }
    hex::encode(bytes)
}
