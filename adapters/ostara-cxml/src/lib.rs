//! # Ostara Supply adapter (cXML 1.2)
//!
//! Ostara sells MRO and office supplies in EUR and delivers to DE, AT, NL, BE and FR. It
//! trades cXML 1.2: a published catalogue (`Index`), `OrderRequest`s answered by a synchronous
//! `Response`, and `ConfirmationRequest`s and `ShipNoticeRequest`s pushed to the buyer later.
//!
//! Settings: `base-url` (required), `buyer-identity` (the buyer's cXML identity in `From` and
//! `Sender`; default the call's `buyer.account-id`), `buyer-domain` (its credential domain,
//! default `NetworkID`), `supplier-identity` (Ostara's identity in `To`, and the `Sender` a
//! pushed document must name; default `ostara-supply`).
//!
//! Secret `shared-secret`: cXML puts the shared secret inside the document
//! (`Sender/Credential/SharedSecret`), which an adapter that never sees secrets cannot write.
//! So the host attaches it to every request as `X-Ostara-Shared-Secret` (Ostara accepts the
//! header in place of the element), and pushed documents are checked against it through
//! `host.hmac-sha256` without the adapter learning it (see [`inbound`]).
//!
//! | Operation | Ostara call | Mapping |
//! |---|---|---|
//! | `search` | `GET /catalog/index` → `Index` | filtered here (words, UNSPSC prefix, stock); pages in SKU order, cursor `o{n}:{last SKU}` |
//! | `get-items` | `GET /catalog/index` | by SKU, GTIN or MPN; unknown left out, `not-found` when none is known |
//! | `place-order` | `GET /catalog/index`, `POST /cxml` `OrderRequest`, `GET /orders/{orderID}` | `payloadID` = `{idempotency-key}@{buyer-identity}` |
//! | `get-order` | `GET /orders/{orderID}` → `OrderHistory` | OrderRequest + latest ConfirmationRequest + ShipNoticeRequests |
//! | `cancel-order` | `POST /cxml` `OrderRequest type="delete"` | Status 200 → `cancelled`, 417 → `refused` |
//! | `list-shipments` | `GET /orders/{orderID}` | each ShipNoticeRequest |
//! | `handle-inbound` | pushed ConfirmationRequest / ShipNoticeRequest | `order-updated` / `shipment-updated`, reply: cXML Response Status 200 |
//!
//! The order id is the cXML `orderID`, which is the buyer's PO on both sides, so `get-order`
//! by PO and by id are the same call. Ostara dedupes on `payloadID`: a retry with the same
//! idempotency key is the same payloadID and returns the first order; the same key with a
//! different order is `idempotency-conflict`. Order lines carry the caller's line id as
//! `ItemDetail/Extrinsic name="buyerLineID"`, which Ostara echoes in its documents. Unit
//! prices come from the caller's expected price, else from the catalogue; Ostara answers a
//! different price with a `detail` confirmation (`accepted-price-changed`).
//!
//! ConfirmationStatus `accept` → confirmed, `detail` with a `price-changed` comment →
//! `accepted-price-changed`, `backordered` → `backordered`, `reject` → `rejected` (or
//! `cancelled` for a cancellation), fewer units confirmed than ordered →
//! `accepted-quantity-changed`. ShipNoticeRequests make lines `partially-shipped`/`shipped`.
//!
//! Errors: Ostara's cXML Status code and reason token (`payload-conflict` →
//! `idempotency-conflict`, `duplicate-order` → `invalid-request` on `buyer-po`, 404 →
//! `not-found`, 401 → `unauthorized`, `undeliverable`, other 400s → `invalid-request`); plain
//! HTTP failures by status (429 → `rate-limited`, 5xx → `supplier-unavailable`). Quotes,
//! availability checks, invoices and returns are not offered (cXML QuoteRequest is not
//! something Ostara speaks) and answer `unsupported`.
#![deny(missing_docs)]

mod api;
mod catalog;
mod doc;
#[cfg(test)]
mod fuzz;
pub mod inbound;
mod order;

use mercato_sdk::contract::{
    AdapterProfile, Address, CallContext, CancelOutcome, CancelRequest, CancelStatus, Capabilities,
    CatalogItem, CommerceError, InboundDocument, InboundResult, ItemRef, Message, Order,
    OrderRequest, PaymentInstruction, Resolution, SearchPage, SearchQuery, Severity, Shipment,
};
use mercato_sdk::errors::{CommerceResult, bad_upstream, invalid, not_found};
use mercato_sdk::exact::{self, Currency, RoundingMode, UnitPrice};
use mercato_sdk::time::now_ms;

use api::Api;
use doc::DocError;
use order::{LineOut, Parties};

/// Countries Ostara delivers to.
pub const SHIP_TO_COUNTRIES: [&str; 5] = ["DE", "AT", "NL", "BE", "FR"];
/// Largest search page served.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size when the caller asks for none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Ostara's identity unless the `supplier-identity` setting says otherwise.
pub const DEFAULT_SUPPLIER_IDENTITY: &str = "ostara-supply";

/// The Ostara Supply adapter.
#[derive(Debug, Default)]
pub struct OstaraAdapter;

mercato_sdk::register_adapter!(OstaraAdapter);

/// A supplier document that could not be read: the supplier's fault, named by element.
fn upstream(e: DocError) -> CommerceError {
    bad_upstream(format!("Ostara document: {e}"))
}

fn setting(key: &str) -> Option<String> {
    mercato_sdk::host::setting(key)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn supplier_identity() -> String {
    setting("supplier-identity").unwrap_or_else(|| DEFAULT_SUPPLIER_IDENTITY.to_string())
}

fn parties(ctx: &CallContext) -> Parties {
    Parties {
        buyer: setting("buyer-identity")
            .or_else(|| ctx.buyer.account_id.clone())
            .unwrap_or_else(|| "mercato-buyer".to_string()),
        buyer_domain: setting("buyer-domain").unwrap_or_else(|| "NetworkID".to_string()),
        supplier: supplier_identity(),
    }
}

fn check_country(address: &Address) -> CommerceResult<()> {
    let country = address.country.trim().to_ascii_uppercase();
    if SHIP_TO_COUNTRIES.contains(&country.as_str()) {
        Ok(())
    } else {
        Err(CommerceError::Undeliverable(format!(
            "Ostara does not deliver to {country}; it delivers to {}",
            SHIP_TO_COUNTRIES.join(", ")
        )))
    }
}

fn catalogue(api: &Api) -> CommerceResult<Vec<CatalogItem>> {
    let reply = api.index()?;
    let root = doc::parse_body(&reply.body).map_err(upstream)?;
    catalog::items(&root, reply.supplier_now).map_err(upstream)
}

fn history(api: &Api, order_id: &str) -> CommerceResult<(Order, Vec<Shipment>)> {
    if order_id.trim().is_empty() {
        return Err(invalid("order-id", "the order id is empty"));
    }
    let reply = api.history(order_id.trim())?;
    let root = doc::parse_body(&reply.body).map_err(upstream)?;
    let h = order::history(&root).map_err(upstream)?;
    order::order_from_history(&h).map_err(upstream)
}

/// `price` as the price of one unit of `unit`, exactly.
fn per_unit(price: &UnitPrice, unit: &exact::Unit, field: &str) -> CommerceResult<UnitPrice> {
    if price.basis.unit() != unit {
        return Err(invalid(
            field,
            format!(
                "the price is per {}, the quantity in {unit}",
                price.basis.unit()
            ),
        ));
    }
    let one =
        exact::Quantity::new(1, unit.clone(), 0).map_err(|e| invalid(field, e.to_string()))?;
    if price.basis == one {
        return Ok(UnitPrice {
            basis: one,
            ..price.clone()
        });
    }
    let scale = (price.amount.scale() + 6).min(exact::Decimal::MAX_SCALE);
    let amount = price
        .per_basis_unit(scale, RoundingMode::HalfUp)
        .map_err(|e| invalid(field, e.to_string()))?
        .normalized();
    Ok(UnitPrice {
        currency: price.currency,
        amount,
        basis: one,
    })
}

impl mercato_sdk::Adapter for OstaraAdapter {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: "ostara".to_string(),
            display_name: "Ostara Supply".to_string(),
            adapter_version: env!("CARGO_PKG_VERSION").to_string(),
            protocols: vec!["cxml-1.2".to_string()],
            capabilities: Capabilities::SEARCH
                | Capabilities::BATCH_LOOKUP
                | Capabilities::PLACE_ORDER
                | Capabilities::CANCEL_ORDER
                | Capabilities::ORDER_STATUS
                | Capabilities::SHIPMENT_TRACKING
                | Capabilities::INBOUND_DOCUMENTS
                | Capabilities::PARTIAL_DELIVERY,
            currencies: vec![Currency::EUR.code().to_string()],
            ship_to_countries: SHIP_TO_COUNTRIES.iter().map(|c| (*c).to_string()).collect(),
            max_lines_per_order: None,
        }
    }

    fn search(&self, ctx: &CallContext, query: SearchQuery) -> CommerceResult<SearchPage> {
        let size = match query.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        } as usize;
        let all = catalogue(&Api::new(ctx)?)?;
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let hits: Vec<CatalogItem> = all
            .into_iter()
            .filter(|i| text.is_none_or(|t| catalog::matches_text(i, t)))
            .filter(|i| catalog::in_categories(i, &query.categories))
            .filter(|i| !query.in_stock_only || catalog::in_stock(i))
            .collect();
        let (start, page_no) = match &query.cursor {
            Some(c) => {
                let start = catalog::resume(c, &hits)?;
                let n: usize = c[1..]
                    .split(':')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                (start, n + 1)
            }
            None => (0, 1),
        };
        let items: Vec<CatalogItem> = hits.iter().skip(start).take(size).cloned().collect();
        let next_cursor = (start + items.len() < hits.len())
            .then(|| items.last())
            .flatten()
            .map(|last| catalog::cursor(page_no, &last.ids.supplier_sku));
        Ok(SearchPage { items, next_cursor })
    }

    fn get_items(&self, ctx: &CallContext, refs: Vec<ItemRef>) -> CommerceResult<Vec<CatalogItem>> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        let all = catalogue(&Api::new(ctx)?)?;
        let mut found: Vec<CatalogItem> = Vec::new();
        for r in &refs {
            if let Some(item) = catalog::find(&all, r)
                && !found
                    .iter()
                    .any(|f| f.ids.supplier_sku == item.ids.supplier_sku)
            {
                found.push(item.clone());
            }
        }
        if found.is_empty() {
            return Err(not_found(format!(
                "Ostara's catalogue has none of the {} item(s) asked for",
                refs.len()
            )));
        }
        Ok(found)
    }

    fn place_order(&self, ctx: &CallContext, req: OrderRequest) -> CommerceResult<Order> {
        let currency = Currency::parse(&req.max_total.currency)
            .map_err(|e| invalid("max-total.currency", e.to_string()))?;
        if currency != Currency::EUR {
            return Err(invalid(
                "max-total.currency",
                format!("Ostara sells in EUR only, not {currency}"),
            ));
        }
        check_country(&req.ship_to)?;
        if req.lines.is_empty() {
            return Err(invalid("lines", "an order needs at least one line"));
        }
        if req.buyer_po.trim().is_empty() {
            return Err(invalid("buyer-po", "the buyer PO (cXML orderID) is empty"));
        }
        if req.idempotency_key.trim().is_empty() {
            return Err(invalid("idempotency-key", "the idempotency key is empty"));
        }
        let api = Api::new(ctx)?;
        let all = catalogue(&api)?;
        let mut lines = Vec::new();
        for (i, l) in req.lines.iter().enumerate() {
            let field = format!("lines[{i}]");
            let item = catalog::find(&all, &l.item).ok_or_else(|| {
                not_found(format!(
                    "{field}: Ostara's catalogue has no item {:?}",
                    l.item
                ))
            })?;
            let quantity = exact::Quantity::try_from(&l.quantity)
                .map_err(|e| invalid(format!("{field}.quantity"), e.to_string()))?;
            if quantity.unit().code() != item.sale_unit {
                return Err(invalid(
                    format!("{field}.quantity"),
                    format!(
                        "{} is sold per {}, not {}",
                        item.ids.supplier_sku,
                        item.sale_unit,
                        quantity.unit()
                    ),
                ));
            }
            if quantity.is_zero() {
                return Err(invalid(format!("{field}.quantity"), "the quantity is zero"));
            }
            let price = match &l.expected_unit_price {
                Some(p) => UnitPrice::try_from(p)
                    .map_err(|e| invalid(format!("{field}.expected-unit-price"), e.to_string()))?,
                None => item
                    .price_tiers
                    .first()
                    .map(|t| UnitPrice::try_from(&t.unit_price))
                    .transpose()
                    .map_err(|e| {
                        bad_upstream(format!("Ostara price of {}: {e}", item.ids.supplier_sku))
                    })?
                    .ok_or_else(|| {
                        bad_upstream(format!(
                            "Ostara lists {} without a price",
                            item.ids.supplier_sku
                        ))
                    })?,
            };
            if price.currency != currency {
                return Err(invalid(
                    format!("{field}.expected-unit-price"),
                    format!(
                        "the price is in {}, the order in {currency}",
                        price.currency
                    ),
                ));
            }
            lines.push(LineOut {
                line_id: l.line_id.clone(),
                sku: item.ids.supplier_sku.clone(),
                offer_token: l
                    .offer_token
                    .clone()
                    .or_else(|| item.ids.offer_token.clone()),
                title: item.title.clone(),
                unit_price: per_unit(
                    &price,
                    quantity.unit(),
                    &format!("{field}.expected-unit-price"),
                )?,
                quantity,
            });
        }
        let body = order::order_request(ctx, &req, &lines, currency, &parties(ctx), now_ms())
            .map_err(|e| invalid("lines", e.to_string()))?;
        api.post(body)?;
        let (mut order, _) = history(&api, &req.buyer_po)?;
        order.quote_id = req.quote_id.clone();
        if let Ok(max) = exact::Money::try_from(&req.max_total)
            && let Ok(total) = exact::Money::try_from(&order.totals.grand_total)
            && total.currency() == max.currency()
            && total.minor() > max.minor()
        {
            order.messages.push(Message {
                severity: Severity::Warning,
                code: "max_total_exceeded".to_string(),
                line_id: None,
                text: format!("Ostara's total {total} is above the ceiling {max}"),
                resolution: Some(Resolution::RequiresBuyerReview),
            });
        }
        if !matches!(req.payment, PaymentInstruction::OnAccount(_)) {
            order.messages.push(Message {
                severity: Severity::Info,
                code: "payment_on_account".to_string(),
                line_id: None,
                text: "Ostara invoices every order on account; the payment instruction was not \
                       forwarded"
                    .to_string(),
                resolution: None,
            });
        }
        Ok(order)
    }

    fn get_order(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Order> {
        Ok(history(&Api::new(ctx)?, &order_id)?.0)
    }

    fn cancel_order(&self, ctx: &CallContext, req: CancelRequest) -> CommerceResult<CancelOutcome> {
        let api = Api::new(ctx)?;
        let (current, _) = history(&api, &req.order_id)?;
        if !req.line_ids.is_empty()
            && !current
                .lines
                .iter()
                .all(|l| req.line_ids.contains(&l.line_id))
        {
            return Err(invalid(
                "line-ids",
                "Ostara cancels whole orders only (cXML OrderRequest type=\"delete\"); leave \
                 line-ids empty or name every line",
            ));
        }
        if req.idempotency_key.trim().is_empty() {
            return Err(invalid("idempotency-key", "the idempotency key is empty"));
        }
        let currency = Currency::parse(&current.currency).unwrap_or(Currency::EUR);
        let body = order::delete_request(
            &req.idempotency_key,
            &current.order_id,
            currency,
            req.reason.as_deref(),
            &parties(ctx),
            now_ms(),
        );
        let status = api.post(body)?;
        let outcome = match status.code {
            200..=299 => CancelStatus::Cancelled,
            _ => CancelStatus::Refused,
        };
        let (mut order, _) = history(&api, &current.order_id)?;
        if outcome == CancelStatus::Refused {
            order.messages.push(Message {
                severity: Severity::Warning,
                code: "cancel_refused".to_string(),
                line_id: None,
                text: format!("Ostara: {}", status.text),
                resolution: None,
            });
        }
        Ok(CancelOutcome {
            status: outcome,
            order,
        })
    }

    fn list_shipments(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Vec<Shipment>> {
        Ok(history(&Api::new(ctx)?, &order_id)?.1)
    }

    fn handle_inbound(
        &self,
        _ctx: &CallContext,
        doc: InboundDocument,
    ) -> CommerceResult<InboundResult> {
        let host_hmac =
            |message: &[u8]| mercato_sdk::host::hmac_sha256(inbound::SHARED_SECRET, message);
        inbound::handle(&doc, &supplier_identity(), &host_hmac, now_ms())
    }
}
