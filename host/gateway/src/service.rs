//! The gateway's operations, shared by every front end (HTTP, MCP, the embedded CLI).
//!
//! A [`Service`] checks and normalises a client's request (every code through
//! [`crate::codes`]), fills it from the client's defaults, fans catalogue and quote requests
//! out through the broker, and hands everything about orders to the [`OrderDesk`]. Front ends
//! only translate transport.

use super::api::*;
use super::problem::{ApiError, supplier_error};
use crate::broker::offers::{self, OfferProblem};
use crate::broker::{Broker, FanOut, Ineligible};
use crate::clients::{Client, Clients};
use crate::codes::{CodeError, Normalize, optional_currency, path};
use crate::contract::supplier::CallError;
use crate::contract::supplier::{Adapter, BreakerStatus, Operation, SupplierId};
use crate::contract::{self as c, CallContext, CommerceError, InboundDocument, InboundResult};
use crate::contract::{SearchQuery, now_ms};
use crate::desk::{ApprovalView, ApprovalsResponse, CancelBody, IdempotencyKey, OrderDesk};
use crate::ledger::Ledger;
use crate::wire::{
    self, CancelOutcome, CatalogItem, Invoice, Order, OrderQuote, PlaceOrder, Quote,
    ReturnAuthorization, ReturnBody, SearchPage, Shipment,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most items per supplier a search may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Pages per supplier an offer comparison looks at unless told, and at most.
pub const DEFAULT_OFFER_PAGES: u32 = 3;
/// See [`DEFAULT_OFFER_PAGES`].
pub const MAX_OFFER_PAGES: u32 = 10;
/// Most references, lines or suppliers in one request.
pub const MAX_LIST: usize = 100;

/// The operations of one running gateway.
#[derive(Debug, Clone)]
pub struct Service {
    broker: Arc<Broker>,
    clients: Arc<Clients>,
    desk: OrderDesk,
}

impl Service {
    /// A service over `broker` for `clients`, recording into `ledger` (which the application
    /// opens: the gateway does not choose where orders are kept).
    pub fn new(broker: Broker, clients: Clients, ledger: Arc<dyn Ledger>) -> Self {
        let (broker, clients) = (Arc::new(broker), Arc::new(clients));
        let desk = OrderDesk::new(broker.clone(), clients.clone(), ledger);
        Service {
            broker,
            clients,
            desk,
        }
    }

    /// The same service with its order desk on another clock.
    pub fn with_clock(mut self, clock: Arc<dyn crate::desk::Clock>) -> Self {
        self.desk = self.desk.with_clock(clock);
        self
    }

    /// The order desk.
    pub fn desk(&self) -> &OrderDesk {
        &self.desk
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        self.desk.ledger()
    }

    /// The broker.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// The configured clients.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// Liveness, what is loaded and how ready it is; with `detail` (the caller is a known
    /// client), each supplier's readiness.
    pub fn health(&self, detail: bool) -> Health {
        let adapters = self.broker.adapters();
        let c = self.broker.readiness_counts();
        Health {
            status: if c.failing > 0 {
                HealthStatus::Degraded
            } else {
                HealthStatus::Ok
            },
            adapters: adapters.len() as u32,
            readiness: ReadinessCounts {
                ready: c.ready,
                failing: c.failing,
                not_checkable: c.not_checkable,
                unchecked: c.unchecked,
            },
            suppliers: detail.then(|| {
                adapters
                    .iter()
                    .map(|a| SupplierReadiness {
                        supplier: a.supplier().to_string(),
                        readiness: readiness_view(self.broker.readiness(a)),
                    })
                    .collect()
            }),
            version: env!("CARGO_PKG_VERSION").to_string(),
            contract: crate::contract::VERSION.to_string(),
        }
    }

    /// Set the gauges read at scrape time: each supplier's breaker and calls in flight, and
    /// the approvals pending (a ledger that cannot be read leaves the last count).
    pub async fn refresh_gauges(&self) {
        self.broker.refresh_gauges();
        match self.desk.pending_approvals().await {
            Ok(pending) => self.broker.metrics().set_approvals_pending(pending),
            Err(e) => tracing::warn!(error = %e, "cannot count the pending approvals"),
        }
    }

    /// The metrics this service reports into.
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        self.broker.metrics()
    }

    /// The loaded suppliers with their capabilities, hosts and limits: those that sell in
    /// the filter's currency and ship to its country.
    pub fn suppliers(&self, filter: &SupplierFilter) -> Result<SuppliersResponse, ApiError> {
        let currency = filter
            .currency
            .as_deref()
            .map(|c| crate::codes::currency("currency", c).map(|c| c.code().to_string()))
            .transpose()?;
        let country = filter
            .country
            .as_deref()
            .map(|c| crate::codes::country("country", c))
            .transpose()?;
        Ok(SuppliersResponse {
            suppliers: self
                .broker
                .adapters()
                .iter()
                .map(|a| supplier_view(a, self.broker.readiness(a)))
                .filter(|v| {
                    currency.as_ref().is_none_or(|c| v.currencies.contains(c))
                        && country
                            .as_ref()
                            .is_none_or(|c| v.ship_to_countries.contains(c))
                })
                .collect(),
        })
    }

    /// Search every eligible supplier.
    pub async fn search(
        &self,
        client: &Client,
        req: SearchRequest,
    ) -> Result<FanOutResponse<SearchPage>, ApiError> {
        Ok(self.search_pages(client, req).await?.map(Into::into))
    }

    /// [`Service::search`] in the contract's terms, for the offer ranking.
    async fn search_pages(
        &self,
        client: &Client,
        req: SearchRequest,
    ) -> Result<FanOutResponse<c::SearchPage>, ApiError> {
        let page_size = within("page_size", req.page_size, 20, MAX_PAGE_SIZE)?;
        let mut scope = req.scope;
        scope.normalize("scope")?;
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
        let mut scope = req.scope;
        scope.normalize("scope")?;
        let only = self.selection(scope.suppliers.as_deref())?;
        let ctx = self.context(client, &scope);
        let refs: Vec<c::ItemRef> = req.refs.into_iter().map(Into::into).collect();
        let started = Instant::now();
        let fan_out = self.broker.get_items(&ctx, &refs, only.as_deref()).await?;
        Ok(fan_out_response(fan_out, started).map(all_into))
    }

    /// Live availability at every eligible supplier.
    pub async fn availability(
        &self,
        client: &Client,
        req: AvailabilityBody,
    ) -> Result<FanOutResponse<Vec<wire::AvailabilityAnswer>>, ApiError> {
        bounded_list("lines", req.lines.len())?;
        let mut lines: Vec<c::AvailabilityRequest> =
            req.lines.into_iter().map(Into::into).collect();
        lines.normalize("lines")?;
        let mut ship_to: Option<c::Address> = req.ship_to.map(Into::into);
        ship_to.normalize("ship_to")?;
        let mut scope = req.scope;
        scope.normalize("scope")?;
        let only = self.selection(scope.suppliers.as_deref())?;
        if scope.country.is_none() {
            scope.country = ship_to.as_ref().map(|a| a.country.clone());
        }
        let ctx = self.context(client, &scope);
        let started = Instant::now();
        let fan_out = self
            .broker
            .check_availability(&ctx, &lines, ship_to.as_ref(), only.as_deref())
            .await?;
        Ok(fan_out_response(fan_out, started).map(all_into))
    }

    /// Search every eligible supplier and rank their offers for the wanted quantity.
    pub async fn offers(
        &self,
        client: &Client,
        mut req: OffersRequest,
    ) -> Result<OffersResponse, ApiError> {
        let mut quantity: c::Quantity = req.quantity.into();
        quantity.normalize("quantity")?;
        req.scope.normalize("scope")?;
        let wanted = quantity
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
        let currency = crate::codes::currency("scope.currency", &currency_code)?;
        let max_pages = within(
            "max_pages",
            req.max_pages,
            DEFAULT_OFFER_PAGES,
            MAX_OFFER_PAGES,
        )?;
        let search = SearchRequest {
            text: Some(req.text.clone()),
            page_size: Some(within("page_size", req.page_size, 50, MAX_PAGE_SIZE)?),
            scope: Scope {
                currency: Some(currency_code),
                ..req.scope
            },
            ..SearchRequest::default()
        };
        let found = self.pages(client, search, max_pages).await?;
        let words: Vec<String> = req.must_match.iter().map(|w| w.to_lowercase()).collect();
        let suppliers: Vec<(SupplierId, &c::CatalogItem)> = found
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
                    orderable: self.broker.adapter(o.supplier.as_str()).is_some_and(|a| {
                        a.profile()
                            .capabilities
                            .contains(c::Capabilities::PLACE_ORDER)
                    }),
                    rank: n as u32 + 1,
                    supplier: o.supplier.to_string(),
                    item: o.item.into(),
                    quantity: o.quantity.into(),
                    unit_price: o.unit_price.into(),
                    line_total: o.line_total.into(),
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
                        OfferProblem::NoPrice(_) => OfferProblemCode::NoPrice,
                        OfferProblem::CurrencyMismatch { .. } => OfferProblemCode::CurrencyMismatch,
                        OfferProblem::UnitMismatch { .. } => OfferProblemCode::UnitMismatch,
                        OfferProblem::Invalid(_) => OfferProblemCode::Invalid,
                    },
                    detail: p.to_string(),
                })
                .collect(),
            errors: found.errors,
            skipped: found.skipped,
            truncated: found.truncated,
            elapsed_ms: found.elapsed_ms,
        })
    }

    /// Search, then follow each supplier's cursor for up to `max_pages` pages in all, every
    /// page within what is left of the request's one deadline.
    async fn pages(
        &self,
        client: &Client,
        mut search: SearchRequest,
        max_pages: u32,
    ) -> Result<Pages, ApiError> {
        let started = Instant::now();
        let budget = search
            .scope
            .deadline_ms
            .map(Duration::from_millis)
            .unwrap_or(self.broker.config().deadline)
            .min(self.broker.config().deadline);
        let mut all = Pages::default();
        for page in 1..=max_pages {
            let found = self.search_pages(client, search.clone()).await?;
            if page == 1 {
                all.skipped = found.skipped;
            }
            all.errors.extend(found.errors);
            let mut cursors = std::collections::BTreeMap::new();
            for answer in found.answers {
                if let Some(cursor) = &answer.answer.next_cursor {
                    cursors.insert(answer.supplier.clone(), cursor.clone());
                }
                all.answers.push(answer);
            }
            let left = budget.saturating_sub(started.elapsed());
            if cursors.is_empty() || page == max_pages || left.is_zero() {
                all.truncated = cursors.into_keys().collect();
                break;
            }
            search.cursors = cursors;
            search.scope.deadline_ms = Some(left.as_millis().max(1) as u64);
        }
        all.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(all)
    }

    /// Ask every eligible supplier (or the named ones) to quote.
    pub async fn request_quotes(
        &self,
        client: &Client,
        req: QuotesRequest,
    ) -> Result<FanOutResponse<Quote>, ApiError> {
        let mut request: c::QuoteRequest = req.request.into();
        bounded_list("request.lines", request.lines.len())?;
        normalize_quote_request(&mut request, "request")?;
        if request.lines.is_empty() {
            return Err(ApiError::BadRequest(
                "request.lines: at least one line".into(),
            ));
        }
        let only = self.selection(req.suppliers.as_deref())?;
        let scope = Scope {
            currency: request.currency.clone(),
            country: Some(request.ship_to.country.clone()),
            suppliers: None,
            deadline_ms: req.deadline_ms,
        };
        let ctx = self.context(client, &scope);
        let started = Instant::now();
        let fan_out = self
            .broker
            .request_quote(&ctx, &request, only.as_deref())
            .await?;
        let quotes: Vec<(SupplierId, c::Quote)> = fan_out
            .answers()
            .map(|(s, q)| (s.clone(), q.clone()))
            .collect();
        self.desk.record_quotes(client, quotes).await;
        Ok(fan_out_response(fan_out, started).map(Into::into))
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
        self.desk
            .record_quotes(client, vec![(a.supplier().clone(), quote.clone())])
            .await;
        Ok(quote.into())
    }

    /// Place an order with one supplier (the order desk decides).
    pub async fn place_order(
        &self,
        client: &Client,
        key: &IdempotencyKey,
        req: PlaceOrder,
    ) -> Result<Order, ApiError> {
        Ok(self.desk.place_order(client, key, req.into()).await?.into())
    }

    /// Order what a quote priced: the quote as the supplier holds it now, every line it did
    /// not refuse, at the quoted prices, judged like any order.
    pub async fn order_quote(
        &self,
        client: &Client,
        key: &IdempotencyKey,
        supplier: &str,
        quote_id: &str,
        body: OrderQuote,
    ) -> Result<Order, ApiError> {
        let quote = self.get_quote(client, supplier, quote_id).await?;
        let supplier_id = self.adapter(supplier)?.supplier().clone();
        let order = body.order(supplier, quote).ok_or_else(|| ApiError::Call {
            supplier: supplier_id,
            error: CallError::Commerce(CommerceError::InvalidRequest(c::FieldError {
                field: "quote_id".into(),
                reason: format!("quote {quote_id} has no line the supplier accepted"),
            })),
        })?;
        self.place_order(client, key, order).await
    }

    /// An order's current state, by supplier order id or buyer PO.
    pub async fn get_order(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Order, ApiError> {
        Ok(self
            .desk
            .get_order(client, supplier, order_id)
            .await?
            .into())
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
        Ok(self
            .desk
            .cancel_order(client, supplier, order_id, key, body)
            .await?
            .into())
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
        let shipments = self
            .one(
                a,
                Operation::ListShipments,
                &ctx,
                a.list_shipments(&ctx, order_id),
            )
            .await?;
        Ok(all_into(shipments))
    }

    /// An order's invoices and credit notes.
    pub async fn invoices(
        &self,
        client: &Client,
        supplier: &str,
        order_id: &str,
    ) -> Result<Vec<Invoice>, ApiError> {
        Ok(all_into(
            self.desk.invoices(client, supplier, order_id).await?,
        ))
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
        Ok(self
            .desk
            .request_return(client, supplier, order_id, key, body.into())
            .await?
            .into())
    }

    /// The caller's mandate with its budget's use this period; every client's for an
    /// approver.
    pub async fn mandates(&self, caller: &Client) -> Result<MandatesResponse, ApiError> {
        Ok(self.desk.mandates(caller).await?)
    }

    /// Pending approvals and the latest decisions, for approvers.
    pub async fn approvals(&self, approver: &Client) -> Result<ApprovalsResponse, ApiError> {
        Ok(self.desk.approvals(approver).await?)
    }

    /// One approval: for approvers, and for the client whose order it is.
    pub async fn approval(&self, caller: &Client, id: &str) -> Result<ApprovalView, ApiError> {
        Ok(self.desk.approval(caller, id).await?)
    }

    /// Approve a parked order (it is placed) or accept a held one.
    pub async fn approve(
        &self,
        approver: &Client,
        key: &IdempotencyKey,
        id: &str,
        note: Option<String>,
    ) -> Result<ApprovalView, ApiError> {
        Ok(self.desk.approve(approver, key, id, note).await?)
    }

    /// Reject a parked order (never sent) or a held one (cancelled at the supplier).
    pub async fn reject(
        &self,
        approver: &Client,
        key: &IdempotencyKey,
        id: &str,
        reason: Option<String>,
    ) -> Result<ApprovalView, ApiError> {
        Ok(self.desk.reject(approver, key, id, reason).await?)
    }

    /// Recover after a stop (once at start-up, before serving): see [`OrderDesk::recover`].
    pub async fn recover(&self) -> Result<crate::desk::Recovery, ApiError> {
        Ok(self.desk.recover().await?)
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
        self.desk
            .record_events(client, a.supplier(), &result.events)
            .await;
        Ok(result)
    }

    pub(super) fn adapter(&self, supplier: &str) -> Result<Adapter, ApiError> {
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
        client.context(
            scope.currency.clone(),
            scope.country.clone(),
            scope.deadline_ms.map(Duration::from_millis),
            self.broker.config().deadline,
            now_ms(),
        )
    }

    pub(super) async fn one<T>(
        &self,
        adapter: &Adapter,
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

/// `asked` (or `default`) if it is within 1–`max`; otherwise a 400 naming `field`.
fn within(field: &str, asked: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match asked.unwrap_or(default) {
        n if (1..=max).contains(&n) => Ok(n),
        n => Err(ApiError::BadRequest(format!(
            "{field}: {n} is outside 1–{max}"
        ))),
    }
}

/// Each of a list's values in its other form (contract ↔ API).
fn all_into<A: Into<B>, B>(list: Vec<A>) -> Vec<B> {
    list.into_iter().map(Into::into).collect()
}

/// A quote request's codes and quantities, checked and in canonical form; `field` is where
/// it sits in the body.
fn normalize_quote_request(r: &mut c::QuoteRequest, field: &str) -> Result<(), CodeError> {
    let lines = path(field, "lines");
    for (n, line) in r.lines.iter_mut().enumerate() {
        let at = format!("{lines}[{n}]");
        crate::codes::wanted(&mut line.quantity, &path(&at, "quantity"))?;
        line.target_unit_price
            .normalize(&path(&at, "target_unit_price"))?;
    }
    r.ship_to.normalize(&path(field, "ship_to"))?;
    optional_currency(&path(field, "currency"), &mut r.currency)
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
                    Ineligible::Capability { .. } => SkipReason::Capability,
                    Ineligible::Currency { .. } => SkipReason::Currency,
                    Ineligible::Country { .. } => SkipReason::Country,
                    Ineligible::NotSelected => SkipReason::NotSelected,
                },
                detail: why.to_string(),
            })
            .collect(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

fn readiness_view(r: crate::broker::readiness::Readiness) -> Readiness {
    use crate::broker::readiness::Readiness as R;
    match r {
        R::Unchecked => Readiness::Unchecked,
        R::Ready { checked_at } => Readiness::Ready {
            checked_at_ms: checked_at,
        },
        R::NotCheckable => Readiness::NotCheckable,
        R::Failing { code, since } => Readiness::Failing {
            code: ErrorCode::from_name(code).unwrap_or(ErrorCode::Internal),
            since_ms: since,
        },
    }
}

fn supplier_view(a: &Adapter, readiness: crate::broker::readiness::Readiness) -> SupplierView {
    let p = a.profile();
    let card = a.card();
    let l = card.limits;
    SupplierView {
        supplier: a.supplier().to_string(),
        display_name: p.display_name.clone(),
        adapter_version: p.adapter_version.clone(),
        contract_version: card.contract_version.to_string(),
        protocols: p.protocols.clone(),
        capabilities: wire::capabilities(p.capabilities),
        currencies: p.currencies.clone(),
        ship_to_countries: p.ship_to_countries.clone(),
        max_lines_per_order: p.max_lines_per_order,
        digest: a.digest().as_hex().to_string(),
        signed_by: card.signed_by.unwrap_or_else(|| "unsigned".to_string()),
        outbound_hosts: card.outbound_hosts,
        limits: LimitsView {
            call_timeout_ms: l.call_timeout.as_millis() as u64,
            memory_bytes: l.memory_bytes,
            fuel: l.fuel,
            outbound_requests: l.outbound_requests,
            response_body_bytes: l.response_body_bytes,
            input_bytes: l.input_bytes,
            output_bytes: l.output_bytes,
        },
        breaker: match a.breaker() {
            BreakerStatus::Closed { .. } => "closed",
            _ => "open",
        }
        .to_string(),
        readiness: readiness_view(readiness),
    }
}

/// Every page an offer comparison looked at.
#[derive(Default)]
struct Pages {
    answers: Vec<SupplierAnswer<c::SearchPage>>,
    errors: Vec<SupplierFailure>,
    skipped: Vec<SkippedSupplier>,
    truncated: Vec<String>,
    elapsed_ms: u64,
}
