//! # Nordfast Industrial adapter (UBL 2.1 / Peppol BIS 3 over HTTP)
//!
//! Nordfast sells fasteners, bearings and tools in EUR and delivers to DE, AT, CH, DK, SE, NO and
//! NL. It speaks OASIS UBL 2.1 documents as profiled by Peppol BIS 3 over plain HTTP; the host
//! attaches Nordfast's credential (basic auth or bearer token) to every request, so the adapter
//! never sees it.
//!
//! Settings: `base-url` (required; the Nordfast API root) and `buyer-endpoint-id` (optional;
//! the buyer's Peppol participant id such as `0088:7300010000001`, sent as
//! `BuyerCustomerParty/Party/EndpointID`). No secrets.
//!
//! ## Upstream API and mapping
//!
//! | Operation | Nordfast call | Mapping |
//! |---|---|---|
//! | `search` | `GET /catalogue?q&page&page_size&in_stock&category` → `Catalogue` | `CatalogueLine` → `catalog-item`; cursor `"{page}:{size}"` from the `X-Page-Count` header |
//! | `get-items` | `GET /catalogue/items?id&gtin` | unknown refs left out; `not-found` if none is known |
//! | `check-availability` | `GET /availability?id&gtin` | stock properties → `availability` for the wanted quantity |
//! | `request-quote` | `POST /rfq` `RequestForQuotation` → `Quotation` | `firm` until `ValidityPeriod` end |
//! | `get-quote` | `GET /quotations/{id}` | `expired` once Nordfast's clock (`Date`) is past the validity |
//! | `place-order` | `POST /orders` `Order` → `OrderResponse` | see below |
//! | `get-order` | `GET /orders/{id}`, else `GET /orders?buyer_po=`, plus despatch advices | shipped quantities from `DespatchAdvice` |
//! | `cancel-order` | `POST /order-cancellations` `OrderCancellation` → `OrderResponse` | AP → `cancelled`, RE → `refused` |
//! | `list-shipments` | `GET /orders/{id}/despatch-advices` | `DespatchAdvice` → `shipment` |
//! | `list-invoices` | `GET /orders/{id}/invoices` | EN 16931 `Invoice` → `invoice` |
//! | `handle-inbound` | pushed `OrderResponse`, `DespatchAdvice`, `Invoice` (or Nordfast's `DocumentList` of them) | `order-updated`, `shipment-updated`, `invoice-issued` |
//!
//! Item data: `SellersItemIdentification` → SKU, `StandardItemIdentification schemeID="0160"` →
//! GTIN (normalised to 14 digits), `ManufacturersItemIdentification` → MPN, `Keyword`s → the
//! `keywords` attribute, each `RequiredItemLocationQuantity` → a price tier (`PriceAmount` for
//! `BaseQuantity` kept as the price basis), `MinimumOrderQuantity` / `OrderQuantityIncrementNumeric`
//! → order rules, `LeadTimeMeasure unitCode="DAY"` → lead time. Stock travels as
//! `AdditionalItemProperty` with `NameCode listID="nordfast-availability"` (`on-hand`,
//! `next-restock-date`, `next-restock-quantity`).
//!
//! Orders: `cbc:ID` = buyer PO, `cbc:UUID` = idempotency key (a retry returns Nordfast's stored
//! response), `QuotationDocumentReference` = quote id, line `Price` = expected unit price,
//! `PartialDeliveryIndicator`/`BackOrderAllowedIndicator` from `partial-delivery` (allow →
//! true/true, ship-complete → false/true, cancel-backorders → true/false),
//! `OriginatorCustomerParty` = `buyer.originator`, `DeliveryLocation/ID schemeID="0088"` = the
//! ship-to GLN. `OrderResponseCode` AP → `accepted`, CA → `accepted-with-changes`, RE →
//! `rejected`; `LineStatusCode` 5 → `accepted`, 7 → `rejected`, 3 → by what changed: a price
//! different from the expected one (or a `PRICE-CHANGED` note / `PriceChangeReason`) →
//! `accepted-price-changed`, a different quantity (`QUANTITY-CHANGED`) →
//! `accepted-quantity-changed`, a `BACKORDER` note → `backordered`, otherwise (only a later
//! `PromisedDeliveryPeriod`) → `accepted-date-changed`.
//!
//! An `RE` because the quotation expired (order note `QUOTATION-EXPIRED`) is the
//! `quote-expired` error: nothing was bought and the buyer must ask for a new quote. Any other
//! `RE` is returned as an order with `ack: rejected`, because Nordfast did create an order
//! record (it has an id, a retry with the same key returns it, `get-order` finds it), and the
//! per-line statuses say why each line could not be supplied.
//!
//! `check-availability` answers `unknown` for a line whose item Nordfast does not know (and
//! `not-found` when it knows none of them). Pushed documents arrive through the host, which owns
//! the transport (Peppol AS4 or HTTPS) and its authentication, so `handle-inbound` checks no
//! signature; it accepts single UBL documents and Nordfast's `DocumentList` envelope.
//!
//! Errors: Nordfast answers refusals with a Peppol `ApplicationResponse` whose
//! `StatusReasonCode` is mapped precisely (unknown item/order/quotation → `not-found`,
//! `idempotency-conflict`, `undeliverable`, invalid documents → `invalid-request`); otherwise
//! the HTTP status decides (401 → `unauthorized`, 429 → `rate-limited` with the `Retry-After`
//! hint, 5xx or no answer → `supplier-unavailable`). A document that cannot be read is
//! `internal` ("unreadable supplier response") naming the element, or `invalid-request` for a
//! pushed document.
#![deny(missing_docs)]

mod api;
#[cfg(test)]
mod fuzz;
mod read;
mod write;

use mercato_sdk::contract::{
    AdapterProfile, Address, Availability, AvailabilityAnswer, AvailabilityRequest, CallContext,
    CancelOutcome, CancelRequest, CancelStatus, Capabilities, CatalogItem, CommerceError,
    InboundDocument, InboundResult, Invoice, ItemRef, Message, Order, OrderEvent, OrderRequest,
    PaymentInstruction, Quote, QuoteRequest, Resolution, SearchPage, SearchQuery, Severity,
    Shipment, StockStatus,
};
use mercato_sdk::errors::{CommerceResult, bad_upstream, invalid, not_found};
use mercato_sdk::exact::{self, Currency};
use mercato_sdk::time::now_ms;

use api::Api;
use mercato_sdk::http::path_segment;
use read::{AskedLine, DocError, OrderAnswer};
use write::{ItemKey, WireLine};

/// Countries Nordfast delivers to.
pub const SHIP_TO_COUNTRIES: [&str; 7] = ["DE", "AT", "CH", "DK", "SE", "NO", "NL"];
/// Largest catalogue page Nordfast serves.
pub const MAX_PAGE_SIZE: u32 = 50;
/// Page size when the caller asks for none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// The Nordfast Industrial adapter.
#[derive(Debug, Default)]
pub struct NordfastAdapter;

mercato_sdk::register_adapter!(NordfastAdapter);

/// A supplier document that could not be read: the supplier's fault, named by element.
fn upstream(e: DocError) -> CommerceError {
    bad_upstream(format!("Nordfast document: {e}"))
}

/// A pushed document that could not be read: the sender's fault, named by element.
fn inbound_error(e: DocError) -> CommerceError {
    invalid(e.element(), e.to_string())
}

fn endpoint_id() -> Option<String> {
    mercato_sdk::host::setting("buyer-endpoint-id").filter(|s| !s.trim().is_empty())
}

fn check_currency(code: Option<&str>, field: &str) -> CommerceResult<()> {
    match code {
        Some(c) if !c.eq_ignore_ascii_case("EUR") => Err(invalid(
            field,
            format!("Nordfast sells in EUR only, not {c}"),
        )),
        _ => Ok(()),
    }
}

fn check_country(address: &Address) -> CommerceResult<()> {
    let country = address.country.trim().to_ascii_uppercase();
    if SHIP_TO_COUNTRIES.contains(&country.as_str()) {
        Ok(())
    } else {
        Err(CommerceError::Undeliverable(format!(
            "Nordfast does not deliver to {country}; it delivers to {}",
            SHIP_TO_COUNTRIES.join(", ")
        )))
    }
}

/// Split item references into Nordfast ids and GTINs (14 digits).
fn keys(refs: &[ItemRef], field: &str) -> CommerceResult<(Vec<String>, Vec<String>)> {
    let mut ids = Vec::new();
    let mut gtins = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        match ItemKey::of(r, &format!("{field}[{i}]"))? {
            ItemKey::Sku(s) => ids.push(s),
            ItemKey::Gtin(g) => gtins.push(g),
        }
    }
    Ok((ids, gtins))
}

fn lookup_query<'a>(ids: &'a [String], gtins: &'a [String]) -> Vec<(&'a str, &'a str)> {
    ids.iter()
        .map(|i| ("id", i.as_str()))
        .chain(gtins.iter().map(|g| ("gtin", g.as_str())))
        .collect()
}

fn matches_key(key: &ItemKey, ids: &mercato_sdk::contract::ItemIds) -> bool {
    match key {
        ItemKey::Sku(s) => s.eq_ignore_ascii_case(&ids.supplier_sku),
        ItemKey::Gtin(g) => ids.gtin.as_deref() == Some(g.as_str()),
    }
}

/// Parse `"{page}:{size}"`.
fn parse_cursor(cursor: &str) -> CommerceResult<(u32, u32)> {
    let bad = || {
        invalid(
            "cursor",
            format!("{cursor:?} is not a cursor this adapter issued"),
        )
    };
    let (page, size) = cursor.split_once(':').ok_or_else(bad)?;
    let page: u32 = page.parse().map_err(|_| bad())?;
    let size: u32 = size.parse().map_err(|_| bad())?;
    if page < 2 || size == 0 || size > MAX_PAGE_SIZE {
        return Err(bad());
    }
    Ok((page, size))
}

fn header_number(headers: &[(String, String)], name: &str) -> Option<u32> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn wire_lines<'a>(
    lines: impl Iterator<
        Item = (
            &'a str,
            &'a ItemRef,
            &'a mercato_sdk::contract::Quantity,
            Option<&'a mercato_sdk::contract::Price>,
        ),
    >,
) -> CommerceResult<Vec<WireLine>> {
    lines
        .enumerate()
        .map(|(i, (line_id, item, quantity, price))| {
            let price = price
                .map(|p| write::unit_price(p, &format!("lines[{i}].price")))
                .transpose()?;
            if let Some(p) = &price {
                check_currency(
                    Some(p.currency.code()),
                    &format!("lines[{i}].price.currency"),
                )?;
            }
            Ok(WireLine {
                line_id: line_id.to_string(),
                key: ItemKey::of(item, &format!("lines[{i}].item"))?,
                quantity: write::pieces(quantity, &format!("lines[{i}].quantity"))?,
                price,
            })
        })
        .collect()
}

impl NordfastAdapter {
    /// Read an order's current OrderResponse, by Nordfast id or else by buyer PO.
    fn fetch_order(&self, api: &Api, id_or_po: &str) -> CommerceResult<OrderAnswer> {
        let reply = match api.get(
            &format!("/orders/{}", path_segment("order-id", id_or_po)?),
            &[],
        ) {
            Ok(r) => r,
            Err(CommerceError::NotFound(_)) => {
                match api.get("/orders", &[("buyer_po", id_or_po)]) {
                    Ok(r) => r,
                    Err(CommerceError::NotFound(_)) => {
                        return Err(not_found(format!(
                            "Nordfast has no order with order id or buyer PO {id_or_po:?}"
                        )));
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let root = read::document(&reply.body, "OrderResponse").map_err(upstream)?;
        read::order_response(&root, &[]).map_err(upstream)
    }

    fn shipments_of(&self, api: &Api, order_id: &str) -> CommerceResult<Vec<Shipment>> {
        let reply = api.get(
            &format!(
                "/orders/{}/despatch-advices",
                path_segment("order-id", order_id)?
            ),
            &[],
        )?;
        read::document_list(&reply.body, "DespatchAdvice")
            .map_err(upstream)?
            .iter()
            .map(|d| read::shipment(d).map_err(upstream))
            .collect()
    }

    /// Nordfast's order id for an order id or buyer PO, by reading the order.
    fn resolve_order_id(&self, api: &Api, id_or_po: &str) -> CommerceResult<String> {
        Ok(self.fetch_order(api, id_or_po)?.order.order_id)
    }
}

impl mercato_sdk::Adapter for NordfastAdapter {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: "nordfast".to_string(),
            display_name: "Nordfast Industrial".to_string(),
            adapter_version: env!("CARGO_PKG_VERSION").to_string(),
            protocols: vec!["ubl-2.1/peppol-bis-3".to_string()],
            capabilities: Capabilities::SEARCH
                | Capabilities::BATCH_LOOKUP
                | Capabilities::LIVE_AVAILABILITY
                | Capabilities::PRICE_TIERS
                | Capabilities::INSTANT_QUOTE
                | Capabilities::PLACE_ORDER
                | Capabilities::CANCEL_ORDER
                | Capabilities::ORDER_STATUS
                | Capabilities::SHIPMENT_TRACKING
                | Capabilities::INVOICES
                | Capabilities::INBOUND_DOCUMENTS
                | Capabilities::PARTIAL_DELIVERY,
            currencies: vec![Currency::EUR.code().to_string()],
            ship_to_countries: SHIP_TO_COUNTRIES.iter().map(|c| (*c).to_string()).collect(),
            max_lines_per_order: None,
        }
    }

    fn search(&self, ctx: &CallContext, query: SearchQuery) -> CommerceResult<SearchPage> {
        let (page, size) = match &query.cursor {
            Some(c) => parse_cursor(c)?,
            None => {
                let size = if query.page_size == 0 {
                    DEFAULT_PAGE_SIZE
                } else {
                    query.page_size.min(MAX_PAGE_SIZE)
                };
                (1, size)
            }
        };
        let page_text = page.to_string();
        let size_text = size.to_string();
        let mut params: Vec<(&str, &str)> = vec![("page", &page_text), ("page_size", &size_text)];
        if let Some(text) = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            params.push(("q", text));
        }
        if query.in_stock_only {
            params.push(("in_stock", "true"));
        }
        for c in &query.categories {
            params.push(("category", c));
        }
        let api = Api::new(ctx)?;
        let reply = api.get("/catalogue", &params)?;
        let root = read::document(&reply.body, "Catalogue").map_err(upstream)?;
        let items = read::catalogue_items(&root).map_err(upstream)?;
        let page_count = header_number(&reply.headers, "x-page-count").ok_or_else(|| {
            bad_upstream("Nordfast catalogue page without an X-Page-Count header")
        })?;
        let next_cursor =
            (page < page_count && !items.is_empty()).then(|| format!("{}:{size}", page + 1));
        Ok(SearchPage { items, next_cursor })
    }

    fn get_items(&self, ctx: &CallContext, refs: Vec<ItemRef>) -> CommerceResult<Vec<CatalogItem>> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, gtins) = keys(&refs, "refs")?;
        let api = Api::new(ctx)?;
        let reply = api.get("/catalogue/items", &lookup_query(&ids, &gtins))?;
        let root = read::document(&reply.body, "Catalogue").map_err(upstream)?;
        let items = read::catalogue_items(&root).map_err(upstream)?;
        if items.is_empty() {
            let wanted: Vec<String> = ids.into_iter().chain(gtins).collect();
            return Err(not_found(format!(
                "Nordfast knows none of the items {}",
                wanted.join(", ")
            )));
        }
        Ok(items)
    }

    fn check_availability(
        &self,
        ctx: &CallContext,
        lines: Vec<AvailabilityRequest>,
        ship_to: Option<Address>,
    ) -> CommerceResult<Vec<AvailabilityAnswer>> {
        if let Some(address) = &ship_to {
            check_country(address)?;
        }
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let refs: Vec<ItemRef> = lines.iter().map(|l| l.item.clone()).collect();
        let (ids, gtins) = keys(&refs, "lines")?;
        let wanted: Vec<exact::Quantity> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                exact::Quantity::try_from(&l.quantity)
                    .map_err(|e| invalid(format!("lines[{i}].quantity"), e.to_string()))
            })
            .collect::<CommerceResult<_>>()?;
        let api = Api::new(ctx)?;
        let reply = api.get("/availability", &lookup_query(&ids, &gtins))?;
        let root = read::document(&reply.body, "Catalogue").map_err(upstream)?;
        let observed_at = read::catalogue_time(&root).map_err(upstream)?;
        let stock = read::stock_lines(&root).map_err(upstream)?;
        if stock.is_empty() {
            let names: Vec<String> = ids.into_iter().chain(gtins).collect();
            return Err(not_found(format!(
                "Nordfast knows none of the items {}",
                names.join(", ")
            )));
        }
        lines
            .iter()
            .zip(&wanted)
            .enumerate()
            .map(|(i, (l, q))| {
                let key = ItemKey::of(&l.item, &format!("lines[{i}].item"))?;
                let availability = match stock.iter().find(|s| matches_key(&key, &s.ids)) {
                    Some(s) => s.stock.availability(Some(q), s.lead_time_days, observed_at),
                    None => Availability {
                        status: StockStatus::Unknown,
                        on_hand: None,
                        lead_time_days: None,
                        next_restock: Vec::new(),
                        observed_at,
                    },
                };
                Ok(AvailabilityAnswer {
                    line_id: l.line_id.clone(),
                    availability,
                })
            })
            .collect()
    }

    fn request_quote(&self, ctx: &CallContext, req: QuoteRequest) -> CommerceResult<Quote> {
        check_currency(req.currency.as_deref(), "currency")?;
        check_currency(ctx.currency.as_deref(), "ctx.currency")?;
        check_country(&req.ship_to)?;
        if req.lines.is_empty() {
            return Err(invalid(
                "lines",
                "a request for quotation needs at least one line",
            ));
        }
        let lines = wire_lines(req.lines.iter().map(|l| {
            (
                l.line_id.as_str(),
                &l.item,
                &l.quantity,
                l.target_unit_price.as_ref(),
            )
        }))?;
        let rfq_id = req
            .buyer_reference
            .clone()
            .unwrap_or_else(|| format!("RFQ-{}", ctx.request_id));
        let endpoint = endpoint_id();
        let body =
            write::request_for_quotation(ctx, &req, &lines, &rfq_id, endpoint.as_deref(), now_ms());
        let api = Api::new(ctx)?;
        let reply = api.post("/rfq", body)?;
        let root = read::document(&reply.body, "Quotation").map_err(upstream)?;
        let quote = read::quote(&root, reply.supplier_now).map_err(upstream)?;
        for l in &req.lines {
            if !quote.lines.iter().any(|q| q.line_id == l.line_id) {
                return Err(bad_upstream(format!(
                    "Nordfast quotation {} has no line {}",
                    quote.quote_id, l.line_id
                )));
            }
        }
        Ok(quote)
    }

    fn get_quote(&self, ctx: &CallContext, quote_id: String) -> CommerceResult<Quote> {
        let api = Api::new(ctx)?;
        let reply = api.get(
            &format!("/quotations/{}", path_segment("quote-id", &quote_id)?),
            &[],
        )?;
        let root = read::document(&reply.body, "Quotation").map_err(upstream)?;
        read::quote(&root, reply.supplier_now).map_err(upstream)
    }

    fn place_order(&self, ctx: &CallContext, req: OrderRequest) -> CommerceResult<Order> {
        check_currency(Some(&req.max_total.currency), "max-total.currency")?;
        check_country(&req.ship_to)?;
        if req.lines.is_empty() {
            return Err(invalid("lines", "an order needs at least one line"));
        }
        if req.buyer_po.trim().is_empty() || req.idempotency_key.trim().is_empty() {
            return Err(invalid(
                "buyer-po",
                "buyer PO and idempotency key must not be empty",
            ));
        }
        let lines = wire_lines(req.lines.iter().map(|l| {
            (
                l.line_id.as_str(),
                &l.item,
                &l.quantity,
                l.expected_unit_price.as_ref(),
            )
        }))?;
        let asked: Vec<AskedLine> = lines
            .iter()
            .map(|l| AskedLine {
                line_id: l.line_id.clone(),
                quantity: l.quantity.clone(),
                price: l.price.clone(),
            })
            .collect();
        let endpoint = endpoint_id();
        let body = write::order(ctx, &req, &lines, endpoint.as_deref(), now_ms());
        let api = Api::new(ctx)?;
        let reply = api.post("/orders", body)?;
        let root = read::document(&reply.body, "OrderResponse").map_err(upstream)?;
        let answer = read::order_response(&root, &asked).map_err(upstream)?;
        if answer.code == "RE"
            && let Some(note) = answer
                .notes
                .iter()
                .find(|n| n.to_ascii_uppercase().starts_with("QUOTATION-EXPIRED"))
        {
            let quote = req.quote_id.as_deref().unwrap_or("the referenced quote");
            return Err(CommerceError::QuoteExpired(format!(
                "Nordfast quote {quote}: {note}"
            )));
        }
        let mut order = answer.order;
        if order.quote_id.is_none() {
            order.quote_id = req.quote_id.clone();
        }
        if let Ok(max) = exact::Money::try_from(&req.max_total)
            && let Ok(total) = exact::Money::try_from(&order.totals.grand_total)
            && total.currency() == max.currency()
            && total.minor() > max.minor()
        {
            order.messages.push(Message {
                severity: Severity::Warning,
                code: "max_total_exceeded".to_string(),
                line_id: None,
                text: format!("Nordfast's total {total} is above the ceiling {max}"),
                resolution: Some(Resolution::RequiresBuyerReview),
            });
        }
        if !matches!(req.payment, PaymentInstruction::OnAccount(_)) {
            order.messages.push(Message {
                severity: Severity::Info,
                code: "payment_on_account".to_string(),
                line_id: None,
                text: "Nordfast invoices every order on account (UBL Invoice); the payment \
                       instruction was not forwarded"
                    .to_string(),
                resolution: None,
            });
        }
        Ok(order)
    }

    fn get_order(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Order> {
        let api = Api::new(ctx)?;
        let mut order = self.fetch_order(&api, &order_id)?.order;
        let shipments = self.shipments_of(&api, &order.order_id)?;
        read::apply_shipments(&mut order, &shipments);
        Ok(order)
    }

    fn cancel_order(&self, ctx: &CallContext, req: CancelRequest) -> CommerceResult<CancelOutcome> {
        let api = Api::new(ctx)?;
        let current = self.fetch_order(&api, &req.order_id)?.order;
        if !req.line_ids.is_empty() {
            let all = current
                .lines
                .iter()
                .all(|l| req.line_ids.contains(&l.line_id));
            if !all {
                return Err(invalid(
                    "line-ids",
                    "Nordfast cancels whole orders only (a UBL OrderCancellation has no lines); \
                     leave line-ids empty or name every line",
                ));
            }
        }
        let body = write::order_cancellation(
            ctx,
            &req.idempotency_key,
            &current.order_id,
            &current.buyer_po,
            req.reason.as_deref(),
            endpoint_id().as_deref(),
            now_ms(),
        );
        let reply = api.post("/order-cancellations", body)?;
        let root = read::document(&reply.body, "OrderResponse").map_err(upstream)?;
        let answer = read::order_response(&root, &[]).map_err(upstream)?;
        if !answer.answers_cancellation {
            return Err(bad_upstream(
                "Nordfast answered the OrderCancellation with an OrderResponse that does not \
                 reference it",
            ));
        }
        let status = match answer.code.as_str() {
            "AP" => CancelStatus::Cancelled,
            "RE" => CancelStatus::Refused,
            other => {
                return Err(bad_upstream(format!(
                    "Nordfast answered the cancellation with OrderResponseCode {other}, not AP or RE"
                )));
            }
        };
        let mut order = answer.order;
        if status == CancelStatus::Refused {
            // The refusal carries the order's lines as they stand; restore the acknowledgement
            // of the order itself and add what has shipped.
            order.ack = current.ack;
            let shipments = self.shipments_of(&api, &order.order_id)?;
            read::apply_shipments(&mut order, &shipments);
        }
        Ok(CancelOutcome { status, order })
    }

    fn list_shipments(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Vec<Shipment>> {
        let api = Api::new(ctx)?;
        match self.shipments_of(&api, &order_id) {
            Err(CommerceError::NotFound(_)) => {
                let id = self.resolve_order_id(&api, &order_id)?;
                self.shipments_of(&api, &id)
            }
            other => other,
        }
    }

    fn list_invoices(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Vec<Invoice>> {
        let api = Api::new(ctx)?;
        let fetch = |id: &str| -> CommerceResult<Vec<Invoice>> {
            let reply = api.get(
                &format!("/orders/{}/invoices", path_segment("order-id", id)?),
                &[],
            )?;
            read::document_list(&reply.body, "Invoice")
                .map_err(upstream)?
                .iter()
                .map(|d| read::invoice(d).map_err(upstream))
                .collect()
        };
        match fetch(&order_id) {
            Err(CommerceError::NotFound(_)) => {
                let id = self.resolve_order_id(&api, &order_id)?;
                fetch(&id)
            }
            other => other,
        }
    }

    fn handle_inbound(
        &self,
        _ctx: &CallContext,
        doc: InboundDocument,
    ) -> CommerceResult<InboundResult> {
        let root = read::parse_body(&doc.body).map_err(inbound_error)?;
        let documents = if root.name == "DocumentList"
            && root.namespace.as_deref() == Some(read::DOCUMENT_LIST_NS)
        {
            root.children
        } else {
            vec![root]
        };
        let mut events = Vec::new();
        for d in &documents {
            let event = match read::ubl_kind(d) {
                Some("OrderResponse") => OrderEvent::OrderUpdated(
                    read::order_response(d, &[]).map_err(inbound_error)?.order,
                ),
                Some("DespatchAdvice") => {
                    OrderEvent::ShipmentUpdated(read::shipment(d).map_err(inbound_error)?)
                }
                Some("Invoice" | "CreditNote") => {
                    OrderEvent::InvoiceIssued(read::invoice(d).map_err(inbound_error)?)
                }
                _ => {
                    return Err(invalid(
                        "body",
                        format!(
                            "unsupported document type {}; Nordfast pushes UBL OrderResponse, \
                             DespatchAdvice and Invoice documents",
                            read::describe(d)
                        ),
                    ));
                }
            };
            events.push(event);
        }
        Ok(InboundResult {
            events,
            reply: None,
        })
    }
}
