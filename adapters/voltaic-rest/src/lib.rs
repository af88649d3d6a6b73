//! # Voltaic Components: a REST JSON distributor
//!
//! Voltaic is an electronics distributor (which also sells stainless fasteners) with a
//! Mouser-style JSON API under `/api/v1`. The host attaches the account's `X-Api-Key` header
//! to every request; the adapter never sees or sets it.
//!
//! | Contract | Voltaic |
//! |---|---|
//! | `search` | `POST /search/keyword` (`keyword`, `records` = page size ≤ 50, `startingRecord` = the cursor, `searchOptions: "InStock"`) |
//! | `get-items`, `check-availability` | `POST /search/partnumber` with up to 10 `|`-separated part numbers, MPNs or GTINs |
//! | `request-quote` / `get-quote` | `POST /cart` / `GET /cart/{key}`: a cart priced for a ship-to country and guaranteed 24 h; its key is the quote id |
//! | `place-order` | `POST /order` with `Idempotency-Key`, the cart key, `ExpectedUnitPrice` per line, `MaxTotal` and a `BackorderPolicy` |
//! | `get-order` | `GET /order/{n}`, falling back to `GET /orders?purchaseOrderNumber=` (crash recovery asks by PO) |
//! | `cancel-order` | `POST /order/{n}/cancel` with `Idempotency-Key`; a refusal is `cancel-status.refused` |
//! | `list-shipments`, `list-invoices` | `GET /order/{n}/shipments`, `GET /order/{n}/invoices` |
//! | `request-return` | `POST /order/{n}/returns` with `Idempotency-Key` |
//! | `handle-inbound` | webhooks signed `X-Voltaic-Signature: sha256=<hex HMAC-SHA256>` under the `webhook-secret` |
//!
//! Prices, totals, stock and lead times arrive as localised strings (`"0,24 €"`, `"$0.87"`,
//! `"15243 In Stock"`, `"14 Days"`) in the currency and locale the request asked for (the
//! caller's, default EUR and de-DE); the adapter reads them with `mercato_sdk::formats` in
//! the locale the answer names, and any string it cannot read exactly is an error, never 0.
//!
//! Errors map as: unknown part/order/cart → `not-found`; `InsufficientStock` → `out-of-stock`
//! with a shortfall per line; `QuantityRule` → `quantity-rule` with Min/Mult; `PriceChanged`
//! → `price-changed` with both prices; `CartExpired` → `quote-expired`; `IdempotencyConflict`
//! → `idempotency-conflict`; `IdempotencyInFlight` (409) → `in-progress`; `CountryNotServed`
//! → `undeliverable`; `MaxTotalExceeded` → `supplier-rejected`; 429 → `rate-limited`; 5xx or
//! no answer → `supplier-unavailable` (each with the `Retry-After` hint).
//!
//! Settings: `base-url` (required). Secret: `webhook-secret` (for `handle-inbound`).
#![deny(missing_docs)]

mod failures;
#[cfg(test)]
mod fuzz;
mod inbound;
mod requests;
mod translate;
mod wire;

use mercato_sdk::errors::{self, invalid, not_found};
use mercato_sdk::gtin::Gtin;
use mercato_sdk::host;
use mercato_sdk::http::{Client, RequestBuilder, Response, path_segment};
use mercato_sdk::prelude::*;
use requests::{ResolvedLine, pieces};
use serde::de::DeserializeOwned;
use serde_json::json;
use translate::Numbers;

/// The supplier id the adapter registers under.
pub const SUPPLIER_ID: &str = "voltaic";
/// Countries Voltaic ships to.
pub const SHIP_TO_COUNTRIES: &[&str] = &["US", "CA", "DE", "AT", "FR", "NL", "GB"];
/// Largest search page Voltaic serves.
const MAX_PAGE: u32 = 50;
/// Most part numbers one lookup may carry.
const LOOKUP_BATCH: usize = 10;

/// The Voltaic adapter.
#[derive(Debug, Default)]
pub struct VoltaicRest;

mercato_sdk::register_adapter!(VoltaicRest);

/// One call's connection and number conventions.
struct Session {
    client: Client,
    currency: String,
    locale: String,
    numbers: Numbers,
}

impl Session {
    /// A session in `currency` (or the caller's, default EUR) and the caller's locale (default
    /// de-DE, en-US for dollars).
    fn new(ctx: &CallContext, currency: Option<&str>) -> CommerceResult<Self> {
        let currency = currency
            .or(ctx.currency.as_deref())
            .unwrap_or("EUR")
            .trim()
            .to_ascii_uppercase();
        let locale = ctx
            .locale
            .clone()
            .unwrap_or_else(|| if currency == "USD" { "en-US" } else { "de-DE" }.to_string());
        let numbers = Numbers::new(&currency, &locale).map_err(|_| {
            invalid(
                "currency",
                format!("{currency:?} is not an ISO 4217 currency code"),
            )
        })?;
        Ok(Session {
            client: Client::from_setting("base-url")?,
            currency,
            locale,
            numbers,
        })
    }

    /// Sends a request; a non-2xx answer becomes its commerce error.
    fn send(&self, request: RequestBuilder) -> CommerceResult<Response> {
        let response = request.send()?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(failures::from_response(&response, self.numbers))
        }
    }

    /// Sends a request and reads the JSON answer.
    fn fetch<T: DeserializeOwned>(&self, request: RequestBuilder) -> CommerceResult<T> {
        self.send(request)?.json()
    }

    fn post_json(&self, path: &str, body: &serde_json::Value) -> CommerceResult<RequestBuilder> {
        Ok(self.client.post(path).json(body)?)
    }

    /// Looks parts up by part number, MPN or GTIN, in batches.
    fn lookup(&self, terms: &[String]) -> CommerceResult<Vec<(wire::Part, Numbers, Timestamp)>> {
        let mut found: Vec<(wire::Part, Numbers, Timestamp)> = Vec::new();
        for batch in terms.chunks(LOOKUP_BATCH) {
            let body = json!({"SearchByPartRequest": {
                "partNumber": batch.join("|"), "currencyCode": self.currency, "locale": self.locale}});
            let resp: wire::SearchResponse =
                self.fetch(self.post_json("/api/v1/search/partnumber", &body)?)?;
            let n = Numbers::new(&resp.currency_code, &resp.locale)?;
            let at = translate::instant(&resp.as_of, "AsOf")?;
            for part in resp.search_results.parts {
                if !found
                    .iter()
                    .any(|(p, ..)| p.voltaic_part_number == part.voltaic_part_number)
                {
                    found.push((part, n, at));
                }
            }
        }
        Ok(found)
    }

    /// The Voltaic part numbers of `refs` (one per line, in order); SKUs are taken as they are,
    /// GTINs and MPNs are looked up.
    fn resolve(&self, refs: &[(&str, &ItemRef)]) -> CommerceResult<Vec<String>> {
        let mut terms = Vec::new();
        for (i, (_, r)) in refs.iter().enumerate() {
            if !matches!(r, ItemRef::Sku(_))
                && let Some(term) = lookup_term(r, &format!("lines[{i}].item"))?
                && !terms.contains(&term)
            {
                terms.push(term);
            }
        }
        let parts = if terms.is_empty() {
            Vec::new()
        } else {
            self.lookup(&terms)?
        };
        refs.iter()
            .map(|(line, r)| match r {
                ItemRef::Sku(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                ItemRef::Sku(_) => Err(invalid(format!("line {line}"), "the SKU is empty")),
                ItemRef::BuyerPart(p) => Err(not_found(format!(
                    "line {line}: Voltaic keeps no cross-reference for buyer part {p:?}; use its SKU, GTIN or MPN"
                ))),
                other => parts
                    .iter()
                    .find(|(p, ..)| matches(p, other))
                    .map(|(p, ..)| p.voltaic_part_number.clone())
                    .ok_or_else(|| not_found(format!("line {line}: no Voltaic part for {}", describe_ref(other)))),
            })
            .collect()
    }
}

/// The lookup term for a reference; None for buyer part numbers (Voltaic has none).
fn lookup_term(r: &ItemRef, field: &str) -> CommerceResult<Option<String>> {
    Ok(match r {
        ItemRef::Sku(s) => Some(s.trim().to_string()),
        ItemRef::Gtin(g) => Some(
            Gtin::parse(g)
                .map_err(|e| invalid(field, format!("GTIN {g:?}: {e}")))?
                .as_str()
                .to_string(),
        ),
        ItemRef::Mpn(m) => Some(m.mpn.trim().to_string()),
        ItemRef::BuyerPart(_) => None,
    })
}

/// Whether a Voltaic part is the item a reference names.
fn matches(part: &wire::Part, r: &ItemRef) -> bool {
    match r {
        ItemRef::Sku(s) => part.voltaic_part_number.eq_ignore_ascii_case(s.trim()),
        ItemRef::Gtin(g) => match (Gtin::parse(g), part.gtin.as_deref().map(Gtin::parse)) {
            (Ok(wanted), Some(Ok(have))) => wanted == have,
            _ => false,
        },
        ItemRef::Mpn(m) => {
            let mpn_ok = part
                .manufacturer_part_number
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(m.mpn.trim()));
            let maker_ok = match (&m.manufacturer, &part.manufacturer) {
                (None, _) => true,
                (Some(want), Some(have)) => want.trim().eq_ignore_ascii_case(have),
                (Some(_), None) => false,
            };
            mpn_ok && maker_ok
        }
        ItemRef::BuyerPart(_) => false,
    }
}

fn describe_ref(r: &ItemRef) -> String {
    match r {
        ItemRef::Sku(s) => format!("SKU {s:?}"),
        ItemRef::Gtin(g) => format!("GTIN {g:?}"),
        ItemRef::Mpn(m) => match &m.manufacturer {
            Some(maker) => format!("MPN {:?} by {maker}", m.mpn),
            None => format!("MPN {:?}", m.mpn),
        },
        ItemRef::BuyerPart(p) => format!("buyer part {p:?}"),
    }
}

fn served(country: &str) -> CommerceResult<()> {
    if SHIP_TO_COUNTRIES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(country.trim()))
    {
        Ok(())
    } else {
        Err(CommerceError::Undeliverable(format!(
            "Voltaic does not ship to {country:?}; it ships to {}",
            SHIP_TO_COUNTRIES.join(", ")
        )))
    }
}

impl Adapter for VoltaicRest {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: SUPPLIER_ID.to_string(),
            display_name: "Voltaic Components".to_string(),
            adapter_version: env!("CARGO_PKG_VERSION").to_string(),
            protocols: vec!["rest-json".to_string()],
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
                | Capabilities::RETURNS
                | Capabilities::INBOUND_DOCUMENTS
                | Capabilities::PARTIAL_DELIVERY,
            currencies: vec!["EUR".to_string(), "USD".to_string()],
            ship_to_countries: SHIP_TO_COUNTRIES.iter().map(|c| c.to_string()).collect(),
            max_lines_per_order: None,
        }
    }

    /// Voltaic has no ping endpoint; a one-record keyword search is its cheapest request that
    /// needs the API key, so a wrong key or base URL shows here.
    fn check_connection(&self, ctx: &CallContext) -> CommerceResult<()> {
        let one = SearchQuery {
            text: None,
            categories: Vec::new(),
            in_stock_only: false,
            page_size: 1,
            cursor: None,
        };
        self.search(ctx, one).map(|_| ())
    }

    fn search(&self, ctx: &CallContext, query: SearchQuery) -> CommerceResult<SearchPage> {
        let session = Session::new(ctx, None)?;
        let start: u64 = match &query.cursor {
            None => 0,
            Some(c) => c.parse().map_err(|_| {
                invalid(
                    "cursor",
                    format!("{c:?} is not a cursor this adapter issued"),
                )
            })?,
        };
        let body = json!({"SearchByKeywordRequest": {
            "keyword": query.text.as_deref().unwrap_or("").trim(),
            "records": query.page_size.clamp(1, MAX_PAGE),
            "startingRecord": start,
            "searchOptions": if query.in_stock_only { "InStock" } else { "None" },
            "categories": query.categories,
            "currencyCode": session.currency,
            "locale": session.locale,
        }});
        let resp: wire::SearchResponse =
            session.fetch(session.post_json("/api/v1/search/keyword", &body)?)?;
        let items = translate::catalog_items(&resp)?;
        Ok(SearchPage {
            next_cursor: translate::next_cursor(
                start,
                items.len(),
                resp.search_results.number_of_result,
            ),
            items,
        })
    }

    fn get_items(&self, ctx: &CallContext, refs: Vec<ItemRef>) -> CommerceResult<Vec<CatalogItem>> {
        let session = Session::new(ctx, None)?;
        let mut terms = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            if let Some(t) = lookup_term(r, &format!("refs[{i}]"))?
                && !terms.contains(&t)
            {
                terms.push(t);
            }
        }
        let parts = if terms.is_empty() {
            Vec::new()
        } else {
            session.lookup(&terms)?
        };
        let mut items: Vec<CatalogItem> = Vec::new();
        for r in &refs {
            if let Some((part, n, at)) = parts.iter().find(|(p, ..)| matches(p, r))
                && !items
                    .iter()
                    .any(|i| i.ids.supplier_sku == part.voltaic_part_number)
            {
                items.push(translate::catalog_item(part, *n, *at)?);
            }
        }
        if items.is_empty() {
            let names: Vec<String> = refs.iter().map(describe_ref).collect();
            return Err(not_found(format!(
                "no Voltaic part matches {}",
                names.join(", ")
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
            served(&address.country)?;
        }
        let session = Session::new(ctx, None)?;
        let refs: Vec<(&str, &ItemRef)> = lines
            .iter()
            .map(|l| (l.line_id.as_str(), &l.item))
            .collect();
        let skus = session.resolve(&refs)?;
        let parts = session.lookup(&skus)?;
        lines
            .iter()
            .zip(&skus)
            .enumerate()
            .map(|(i, (line, sku))| {
                let wanted = pieces(&line.quantity, &format!("lines[{i}].quantity"))?;
                let (part, n, at) = parts
                    .iter()
                    .find(|(p, ..)| p.voltaic_part_number.eq_ignore_ascii_case(sku))
                    .ok_or_else(|| {
                        not_found(format!("line {}: no Voltaic part {sku:?}", line.line_id))
                    })?;
                Ok(AvailabilityAnswer {
                    line_id: line.line_id.clone(),
                    availability: translate::availability(
                        &translate::StockFacts::of_part(part),
                        *n,
                        *at,
                        Some(wanted),
                    )?,
                })
            })
            .collect()
    }

    fn request_quote(&self, ctx: &CallContext, req: QuoteRequest) -> CommerceResult<Quote> {
        if req.lines.is_empty() {
            return Err(invalid("lines", "a quote needs at least one line"));
        }
        let session = Session::new(ctx, req.currency.as_deref())?;
        let refs: Vec<(&str, &ItemRef)> = req
            .lines
            .iter()
            .map(|l| (l.line_id.as_str(), &l.item))
            .collect();
        let skus = session.resolve(&refs)?;
        let mut resolved = Vec::new();
        for (i, (line, sku)) in req.lines.iter().zip(skus).enumerate() {
            resolved.push(ResolvedLine {
                line_id: line.line_id.clone(),
                sku,
                quantity: pieces(&line.quantity, &format!("lines[{i}].quantity"))?,
            });
        }
        let body = requests::cart_body(
            &resolved,
            &session.currency,
            &session.locale,
            &req.ship_to.country,
        );
        let cart: wire::Cart = session.fetch(session.post_json("/api/v1/cart", &body)?)?;
        if let Some(e) = translate::cart_hard_error(&cart)? {
            return Err(e);
        }
        let mut quote = translate::quote(&cart)?;
        if let (Some(wanted), Some(until)) = (req.requested_valid_until, quote.valid_until)
            && wanted > until
        {
            quote.messages.push(Message {
                severity: Severity::Info,
                code: "validity_shortened".to_string(),
                line_id: None,
                text: "Voltaic guarantees cart prices for 24 hours only".to_string(),
                resolution: None,
            });
        }
        Ok(quote)
    }

    fn get_quote(&self, ctx: &CallContext, quote_id: String) -> CommerceResult<Quote> {
        let session = Session::new(ctx, None)?;
        let cart: wire::Cart = session.fetch(session.client.get(&format!(
            "/api/v1/cart/{}",
            path_segment("quote-id", &quote_id)?
        )))?;
        translate::quote(&cart)
    }

    fn place_order(&self, ctx: &CallContext, req: OrderRequest) -> CommerceResult<Order> {
        if req.idempotency_key.trim().is_empty() {
            return Err(invalid(
                "idempotency-key",
                "an order needs the host's idempotency key",
            ));
        }
        if req.lines.is_empty() && req.quote_id.is_none() {
            return Err(invalid("lines", "an order needs lines or a quote"));
        }
        served(&req.ship_to.country)?;
        let session = Session::new(ctx, Some(&req.max_total.currency))?;
        let refs: Vec<(&str, &ItemRef)> = req
            .lines
            .iter()
            .map(|l| (l.line_id.as_str(), &l.item))
            .collect();
        let skus = session.resolve(&refs)?;
        let mut resolved = Vec::new();
        for (i, (line, sku)) in req.lines.iter().zip(skus).enumerate() {
            resolved.push(ResolvedLine {
                line_id: line.line_id.clone(),
                sku,
                quantity: pieces(&line.quantity, &format!("lines[{i}].quantity"))?,
            });
        }
        let body = requests::order_body(&req, &resolved, &session.locale)?;
        let request = session
            .post_json("/api/v1/order", &body)?
            .header("Idempotency-Key", req.idempotency_key.trim());
        let order: wire::Order = session.fetch(request)?;
        translate::order(&order)
    }

    fn get_order(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Order> {
        let session = Session::new(ctx, None)?;
        let direct = session.fetch::<wire::Order>(session.client.get(&format!(
            "/api/v1/order/{}",
            path_segment("order-id", &order_id)?
        )));
        match direct {
            Ok(order) => translate::order(&order),
            Err(CommerceError::NotFound(_)) => {
                let by_po: wire::OrdersByPo = session.fetch(
                    session
                        .client
                        .get("/api/v1/orders")
                        .query(&[("purchaseOrderNumber", order_id.as_str())]),
                )?;
                let count = by_po.orders.len();
                let first = by_po.orders.first().ok_or_else(|| {
                    not_found(format!(
                        "Voltaic has no order numbered {order_id:?} and none with that PO"
                    ))
                })?;
                let mut order = translate::order(first)?;
                if count > 1 {
                    order.messages.push(Message {
                        severity: Severity::Warning,
                        code: "duplicate_po".to_string(),
                        line_id: None,
                        text: format!(
                            "{count} Voltaic orders carry PO {order_id}; this is the oldest"
                        ),
                        resolution: Some(Resolution::RequiresBuyerReview),
                    });
                }
                Ok(order)
            }
            Err(e) => Err(e),
        }
    }

    fn cancel_order(&self, ctx: &CallContext, req: CancelRequest) -> CommerceResult<CancelOutcome> {
        if req.idempotency_key.trim().is_empty() {
            return Err(invalid(
                "idempotency-key",
                "a cancellation needs the host's idempotency key",
            ));
        }
        let session = Session::new(ctx, None)?;
        let body = json!({"CustomerLineIds": req.line_ids, "Reason": req.reason});
        let request = session
            .post_json(
                &format!(
                    "/api/v1/order/{}/cancel",
                    path_segment("order-id", &req.order_id)?
                ),
                &body,
            )?
            .header("Idempotency-Key", req.idempotency_key.trim());
        let response = request.send()?;
        if !response.is_success() {
            if let Ok(body) = serde_json::from_slice::<wire::ErrorBody>(&response.body)
                && let Some(refusal) = body.errors.iter().find(|e| e.code == "CancelRefused")
            {
                let order = match &refusal.order {
                    Some(o) => translate::order(o)?,
                    None => self.get_order(ctx, req.order_id.clone())?,
                };
                return Ok(CancelOutcome {
                    status: CancelStatus::Refused,
                    order,
                });
            }
            return Err(failures::from_response(&response, session.numbers));
        }
        let answer: wire::CancelResponse = response.json()?;
        let status = match answer.result.as_str() {
            "Cancelled" => CancelStatus::Cancelled,
            "PartiallyCancelled" => CancelStatus::PartiallyCancelled,
            other => {
                return Err(errors::bad_upstream(format!(
                    "cancel result {other:?} is unknown"
                )));
            }
        };
        Ok(CancelOutcome {
            status,
            order: translate::order(&answer.order)?,
        })
    }

    fn list_shipments(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Vec<Shipment>> {
        let session = Session::new(ctx, None)?;
        let list: wire::Shipments = session.fetch(session.client.get(&format!(
            "/api/v1/order/{}/shipments",
            path_segment("order-id", &order_id)?
        )))?;
        list.shipments.iter().map(translate::shipment).collect()
    }

    fn list_invoices(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Vec<Invoice>> {
        let session = Session::new(ctx, None)?;
        let list: wire::Invoices = session.fetch(session.client.get(&format!(
            "/api/v1/order/{}/invoices",
            path_segment("order-id", &order_id)?
        )))?;
        list.invoices.iter().map(translate::invoice).collect()
    }

    fn request_return(
        &self,
        ctx: &CallContext,
        req: ReturnRequest,
    ) -> CommerceResult<ReturnAuthorization> {
        if req.idempotency_key.trim().is_empty() {
            return Err(invalid(
                "idempotency-key",
                "a return needs the host's idempotency key",
            ));
        }
        let session = Session::new(ctx, None)?;
        let body = requests::return_body(&req)?;
        let request = session
            .post_json(
                &format!(
                    "/api/v1/order/{}/returns",
                    path_segment("order-id", &req.order_id)?
                ),
                &body,
            )?
            .header("Idempotency-Key", req.idempotency_key.trim());
        let rma: wire::Rma = session.fetch(request)?;
        let n = Numbers::new(&rma.currency_code, &rma.locale)?;
        translate::return_authorization(&rma, n)
    }

    fn handle_inbound(
        &self,
        _ctx: &CallContext,
        doc: InboundDocument,
    ) -> CommerceResult<InboundResult> {
        inbound::handle(&doc, |body, hex| {
            host::verify_hmac_sha256_hex(inbound::WEBHOOK_SECRET, body, hex)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn part(gtin: &str) -> wire::Part {
        serde_json::from_value(json!({
            "VoltaicPartNumber": "VC-TL072CP", "ManufacturerPartNumber": "TL072CP", "Manufacturer": "Texas Instruments",
            "Description": "op-amp", "GTIN": gtin, "Availability": "5 In Stock", "Min": "1", "Mult": "1"
        }))
        .expect("part")
    }

    #[test]
    fn references_match_by_sku_gtin_and_mpn() {
        let p = part("4260123451011");
        assert!(matches(&p, &ItemRef::Sku("vc-tl072cp".into())));
        assert!(matches(&p, &ItemRef::Gtin("04260123451011".into())));
        assert!(!matches(&p, &ItemRef::Gtin("4006381333931".into())));
        let mpn = |maker: Option<&str>| {
            ItemRef::Mpn(MpnRef {
                manufacturer: maker.map(str::to_string),
                mpn: "tl072cp".into(),
            })
        };
        assert!(matches(&p, &mpn(None)));
        assert!(matches(&p, &mpn(Some("texas instruments"))));
        assert!(!matches(&p, &mpn(Some("ST"))));
        assert!(!matches(&p, &ItemRef::BuyerPart("X".into())));
    }

    #[test]
    fn malformed_gtins_are_invalid_requests() {
        let e = lookup_term(&ItemRef::Gtin("12345".into()), "refs[0]").expect_err("bad gtin");
        assert_eq!(e.code(), "invalid-request");
        assert_eq!(
            lookup_term(&ItemRef::BuyerPart("B-1".into()), "refs[0]"),
            Ok(None)
        );
    }

    #[test]
    fn describe_declares_everything_offered_without_the_network() {
        let profile = VoltaicRest.describe();
        assert_eq!(profile.supplier_id, "voltaic");
        assert!(
            profile
                .capabilities
                .contains(Capabilities::PLACE_ORDER | Capabilities::INBOUND_DOCUMENTS)
        );
        assert!(!profile.capabilities.contains(Capabilities::ASYNC_QUOTE));
        assert_eq!(profile.currencies, vec!["EUR", "USD"]);
        assert!(served("de").is_ok());
        assert_eq!(served("BR").map_err(|e| e.code()), Err("undeliverable"));
    }
}
