//! # Keystone Industrial adapter (ANSI ASC X12 004010 over HTTP)
//!
//! Keystone Industrial is a North-American industrial distributor (fasteners, safety supplies,
//! hose, tape) that sells in USD, ships to the US and Canada, and trades X12 004010
//! interchanges over HTTP the way AS2 does (without AS2's S/MIME layer).
//!
//! Settings: `base-url` (required; Keystone's endpoint root), `interchange-id` (required; the
//! buyer's X12 interchange id, ISA06/GS02 of what it sends, ISA08 of what it receives) and
//! `keystone-interchange-id` (optional, default `KEYSTONE`). Secrets: `partner-key`, the
//! trading-partner key the host attaches as `Authorization: Bearer …` to every request, and
//! `push-secret`, with which the host checks the `X-Keystone-Signature` of pushed documents
//! (the adapter never sees either).
//!
//! ## Upstream and mapping
//!
//! | Operation | Keystone | Mapping |
//! |---|---|---|
//! | `search`, `get-items` | `GET /catalog/832` → 832 Price/Sales Catalog | `LIN` loop → `catalog-item` (see [`catalog`]); paged locally in SKU order, cursor `after:<sku>` |
//! | `place-order` | `POST /as2` 850 → synchronous 997 | see below |
//! | `get-order` | `GET /orders/{po}/855` (latest 855) + `GET /orders/{po}/856` | 855 → order, 856 `SN1` → shipped quantities |
//! | `list-shipments` | `GET /orders/{po}/856` | each 856 → `shipment` |
//! | `handle-inbound` | 855 and 856 Keystone pushes | `order-updated`, `shipment-updated`; the reply is the 997 |
//!
//! Not offered (and not declared): quotes (X12 840/843 are not part of Keystone's guide),
//! cancellation (an 860 change order; Keystone does not take them), invoices (810), returns
//! and live availability (the 832's stock is as of its date).
//!
//! ## Orders
//! The 850 ([`order`]) carries the buyer PO in `BEG03`, the host's idempotency key in
//! `REF*ZZ*IDEMPOTENCY` and, derived from it, the ISA13/GS06 control numbers, so a retry is
//! the same interchange: Keystone answers with its first 997 and books nothing twice, and
//! the same key with another order is refused with a TA1 `025` → `idempotency-conflict`.
//! Lines are priced from the buyer's expected price or else Keystone's 832 price break for the
//! quantity; every line names the item by `VP` (Keystone SKU) and, where known, `UP`/`EN`/`UK`
//! (GTIN). Units map from Rec 20 to X12 (`C62` → `EA`, see [`units`]).
//!
//! X12 gives no order number synchronously: the 997 only says the 850 was readable. So the
//! order returned is the order as sent (`ack: received`, lines `pending`) and its id is the
//! buyer PO, the key every later X12 document (855 `BAK03`, 856 `PRF01`) uses. A rejecting 997
//! is `invalid-request` naming the field behind the segment and element it points at (for
//! example `ship-to.postal-code` for `AK3*N4` / `AK4*3*116`). Keystone's decision per line
//! arrives in the 855, pushed or fetched by `get-order`.
#![deny(missing_docs)]

pub mod ack;
mod api;
pub mod catalog;
#[cfg(test)]
mod fuzz;
pub mod inbound;
pub mod notices;
pub mod order;
pub mod units;
pub mod x12;

use mercato_sdk::contract::{
    AdapterProfile, Address, CallContext, Capabilities, CatalogItem, CommerceError, ItemRef,
    LineStatus, Message, Order, OrderLine, OrderRequest, OrderStatus, PaymentInstruction,
    SearchPage, SearchQuery, Severity, Shipment, Totals,
};
use mercato_sdk::errors::{CommerceResult, bad_upstream, invalid, not_found};
use mercato_sdk::exact::{self, Currency, RoundingMode};
use mercato_sdk::http::path_segment;
use mercato_sdk::time::now_ms;

use api::Api;

/// Countries Keystone ships to.
pub const SHIP_TO_COUNTRIES: [&str; 2] = ["US", "CA"];
/// Largest page the adapter returns.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size when the caller asks for none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Keystone's interchange id unless configured otherwise.
pub const DEFAULT_KEYSTONE_ID: &str = "KEYSTONE";

/// The Keystone Industrial adapter.
#[derive(Debug, Default)]
pub struct KeystoneAdapter;

mercato_sdk::register_adapter!(KeystoneAdapter);

/// Both partners' interchange ids from the settings.
fn partners() -> CommerceResult<order::Partners> {
    let buyer = mercato_sdk::host::required_setting("interchange-id")?;
    let keystone = mercato_sdk::host::setting("keystone-interchange-id")
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_KEYSTONE_ID.to_string());
    for (name, id) in [
        ("interchange-id", &buyer),
        ("keystone-interchange-id", &keystone),
    ] {
        let id = id.trim();
        if id.is_empty() || id.len() > 15 || !x12::is_clean(id, &order::DELIMITERS) {
            return Err(mercato_sdk::errors::internal(format!(
                "setting `{name}` must be an X12 interchange id of 1 to 15 characters, not {id:?}"
            )));
        }
    }
    Ok(order::Partners {
        buyer: buyer.trim().to_string(),
        keystone: keystone.trim().to_string(),
    })
}

fn check_country(address: &Address, field: &str) -> CommerceResult<()> {
    let country = address.country.trim().to_ascii_uppercase();
    if SHIP_TO_COUNTRIES.contains(&country.as_str()) {
        Ok(())
    } else if country.len() != 2 {
        Err(invalid(
            format!("{field}.country"),
            "an ISO 3166-1 alpha-2 code",
        ))
    } else {
        Err(CommerceError::Undeliverable(format!(
            "Keystone ships to the US and Canada only, not {country}"
        )))
    }
}

fn check_usd(code: &str, field: &str) -> CommerceResult<()> {
    if code.trim().eq_ignore_ascii_case("USD") {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("Keystone sells in USD only, not {code}"),
        ))
    }
}

/// Read Keystone's 832 catalogue.
fn catalog(api: &Api) -> CommerceResult<catalog::Catalog> {
    let body = api.get("/catalog/832")?;
    catalog::read_832(&body).map_err(|e| bad_upstream(format!("Keystone 832: {e}")))
}

/// Read the transaction sets of type `id` in an interchange Keystone served.
fn served_sets(
    body: &[u8],
    id: &str,
) -> CommerceResult<(x12::Interchange, Vec<x12::TransactionSet>)> {
    let x = x12::parse(body).map_err(|e| bad_upstream(format!("Keystone {id}: {e}")))?;
    let sets = x
        .groups
        .iter()
        .flat_map(|g| &g.sets)
        .filter(|s| s.id == id)
        .cloned()
        .collect();
    Ok((x, sets))
}

impl KeystoneAdapter {
    fn fetch_order(&self, api: &Api, id: &str) -> CommerceResult<Order> {
        let body = match api.get(&format!("/orders/{}/855", path_segment("order-id", id)?)) {
            Err(CommerceError::NotFound(_)) => {
                return Err(not_found(format!(
                    "Keystone has no order with buyer PO or sales order number {id:?}"
                )));
            }
            other => other?,
        };
        let (x, sets) = served_sets(&body, "855")?;
        let set = sets
            .last()
            .ok_or_else(|| bad_upstream("Keystone's order status holds no 855"))?;
        notices::read_855(set, &x.envelope)
            .map_err(|e| bad_upstream(format!("Keystone 855: {}", e.reason)))
    }

    fn shipments_of(&self, api: &Api, id: &str) -> CommerceResult<Vec<Shipment>> {
        let body = match api.get(&format!("/orders/{}/856", path_segment("order-id", id)?)) {
            Err(CommerceError::NotFound(_)) => {
                return Err(not_found(format!(
                    "Keystone has no order with buyer PO or sales order number {id:?}"
                )));
            }
            other => other?,
        };
        let (_, sets) = served_sets(&body, "856")?;
        sets.iter()
            .map(|s| {
                notices::read_856(s)
                    .map_err(|e| bad_upstream(format!("Keystone 856: {}", e.reason)))
            })
            .collect()
    }

    /// Match each request line to a catalogue item, unit and price.
    fn order_lines(&self, api: &Api, req: &OrderRequest) -> CommerceResult<Vec<order::Line>> {
        let catalog = catalog(api)?;
        let mut lines = Vec::new();
        for (i, l) in req.lines.iter().enumerate() {
            let field = format!("lines[{i}]");
            let item = catalog
                .items
                .iter()
                .find(|c| catalog::is(c, &l.item))
                .ok_or_else(|| {
                    not_found(format!(
                        "{field}: Keystone's catalogue has no item {}",
                        describe_ref(&l.item)
                    ))
                })?;
            let x12_unit = units::to_x12(&l.quantity.unit).ok_or_else(|| {
                invalid(
                    format!("{field}.quantity.unit"),
                    format!("{} has no X12 unit code", l.quantity.unit),
                )
            })?;
            if units::to_x12(&item.sale_unit) != Some(x12_unit) {
                return Err(invalid(
                    format!("{field}.quantity.unit"),
                    format!(
                        "Keystone sells {} in {}, not {}",
                        item.ids.supplier_sku, item.sale_unit, l.quantity.unit
                    ),
                ));
            }
            if l.quantity.steps == 0 {
                return Err(invalid(format!("{field}.quantity"), "must be above zero"));
            }
            // The quantity in the catalogue's unit code, so it compares with the price breaks.
            let quantity = exact::Unit::parse(&item.sale_unit)
                .and_then(|u| exact::Quantity::new(l.quantity.steps, u, l.quantity.scale))
                .map_err(|e| invalid(format!("{field}.quantity"), e.to_string()))?;
            let unit_price = match &l.expected_unit_price {
                Some(p) => per_unit(p, x12_unit, &format!("{field}.expected-unit-price"))?,
                None => catalogue_price(item, &quantity).ok_or_else(|| {
                    invalid(
                        format!("{field}.quantity"),
                        format!(
                            "{} has no price break for {quantity}",
                            item.ids.supplier_sku
                        ),
                    )
                })?,
            };
            lines.push(order::Line {
                line_id: l.line_id.clone(),
                item: item.clone(),
                quantity,
                x12_unit,
                unit_price,
            });
        }
        Ok(lines)
    }
}

fn describe_ref(r: &ItemRef) -> String {
    match r {
        ItemRef::Sku(s) => format!("with SKU {s}"),
        ItemRef::Gtin(g) => format!("with GTIN {g}"),
        ItemRef::Mpn(m) => format!("with MPN {}", m.mpn),
        ItemRef::BuyerPart(b) => format!("for buyer part {b} (Keystone keeps no cross-reference)"),
    }
}

/// The buyer's expected price per one unit of the ordered unit.
fn per_unit(
    p: &mercato_sdk::contract::Price,
    x12_unit: &str,
    field: &str,
) -> CommerceResult<exact::Decimal> {
    check_usd(&p.currency, &format!("{field}.currency"))?;
    let price = exact::UnitPrice::try_from(p).map_err(|e| invalid(field, e.to_string()))?;
    if units::to_x12(price.basis.unit().code()) != Some(x12_unit) {
        return Err(invalid(
            format!("{field}.basis"),
            "the price basis must be in the unit ordered",
        ));
    }
    if price.basis.steps() == 1 && price.basis.scale() == 0 {
        return Ok(price.amount);
    }
    let scale = price.amount.scale().max(4);
    price
        .per_basis_unit(scale, RoundingMode::HalfUp)
        .map_err(|e| invalid(field, e.to_string()))
}

/// Keystone's price break for `quantity`.
fn catalogue_price(item: &CatalogItem, quantity: &exact::Quantity) -> Option<exact::Decimal> {
    let tiers: Vec<exact::PriceTier> = item
        .price_tiers
        .iter()
        .filter_map(|t| {
            Some(exact::PriceTier {
                min_quantity: exact::Quantity::try_from(&t.min_quantity).ok()?,
                price: exact::UnitPrice::try_from(&t.unit_price).ok()?,
            })
        })
        .collect();
    exact::tier_for(&tiers, quantity).map(|t| t.price.amount)
}

/// The order as sent, before Keystone's 855 decides it.
fn order_as_sent(req: &OrderRequest, lines: &[order::Line], now: i64) -> CommerceResult<Order> {
    let currency = Currency::USD;
    let mut total = exact::Money::zero(currency);
    let mut order_lines = Vec::new();
    for (line, l) in lines.iter().zip(&req.lines) {
        let price = exact::UnitPrice {
            currency,
            amount: line.unit_price,
            basis: exact::Quantity::new(1, line.quantity.unit().clone(), 0)?,
        };
        let line_total = price.total_for(&line.quantity, RoundingMode::HalfUp)?;
        total = total.checked_add(line_total)?;
        let zero = exact::Quantity::new(0, line.quantity.unit().clone(), 0)?;
        order_lines.push(OrderLine {
            line_id: l.line_id.clone(),
            item: line.item.ids.clone(),
            ordered: line.quantity.clone().into(),
            confirmed: zero.clone().into(),
            shipped: zero.clone().into(),
            cancelled: zero.into(),
            unit_price: price.into(),
            line_total: line_total.into(),
            status: LineStatus::Pending,
            promised_delivery: None,
            note: None,
        });
    }
    Ok(Order {
        order_id: req.buyer_po.trim().to_string(),
        buyer_po: req.buyer_po.trim().to_string(),
        quote_id: req.quote_id.clone(),
        ack: mercato_sdk::contract::AckStatus::Received,
        status: OrderStatus::Submitted,
        created_at: now,
        updated_at: now,
        currency: currency.code().to_string(),
        lines: order_lines,
        totals: Totals::lines_only(total),
        messages: Vec::new(),
        permalink: None,
    })
}

impl mercato_sdk::Adapter for KeystoneAdapter {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: "keystone".to_string(),
            display_name: "Keystone Industrial".to_string(),
            adapter_version: env!("CARGO_PKG_VERSION").to_string(),
            protocols: vec!["x12-004010".to_string()],
            capabilities: Capabilities::SEARCH
                | Capabilities::BATCH_LOOKUP
                | Capabilities::PRICE_TIERS
                | Capabilities::PLACE_ORDER
                | Capabilities::ORDER_STATUS
                | Capabilities::SHIPMENT_TRACKING
                | Capabilities::INBOUND_DOCUMENTS
                | Capabilities::PARTIAL_DELIVERY,
            currencies: vec![Currency::USD.code().to_string()],
            ship_to_countries: SHIP_TO_COUNTRIES.iter().map(|c| (*c).to_string()).collect(),
            max_lines_per_order: None,
        }
    }

    fn search(&self, ctx: &CallContext, query: SearchQuery) -> CommerceResult<SearchPage> {
        let after = match &query.cursor {
            Some(c) => Some(catalog::parse_cursor(c).ok_or_else(|| {
                invalid(
                    "cursor",
                    format!("{c:?} is not a cursor this adapter issued"),
                )
            })?),
            None => None,
        };
        let size = match query.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        };
        let size = usize::try_from(size).unwrap_or(20);
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let catalog = catalog(&Api::new(ctx)?)?;
        let mut hits = catalog
            .items
            .into_iter()
            .filter(|i| after.is_none_or(|a| i.ids.supplier_sku.as_str() > a))
            .filter(|i| catalog::matches(i, text, &query.categories, query.in_stock_only));
        let items: Vec<CatalogItem> = hits.by_ref().take(size).collect();
        let more = hits.next().is_some();
        let next_cursor = match items.last() {
            Some(last) if more => Some(catalog::cursor_after(&last.ids.supplier_sku)),
            _ => None,
        };
        Ok(SearchPage { items, next_cursor })
    }

    fn get_items(&self, ctx: &CallContext, refs: Vec<ItemRef>) -> CommerceResult<Vec<CatalogItem>> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        for (i, r) in refs.iter().enumerate() {
            if let ItemRef::Gtin(g) = r
                && let Err(e) = mercato_sdk::gtin::Gtin::parse(g)
            {
                return Err(invalid(
                    format!("refs[{i}]"),
                    format!("not a valid GTIN: {e}"),
                ));
            }
        }
        let catalog = catalog(&Api::new(ctx)?)?;
        let found: Vec<CatalogItem> = catalog
            .items
            .into_iter()
            .filter(|item| refs.iter().any(|r| catalog::is(item, r)))
            .collect();
        if found.is_empty() {
            let names: Vec<String> = refs.iter().map(describe_ref).collect();
            return Err(not_found(format!(
                "Keystone's catalogue has no item {}",
                names.join(", ")
            )));
        }
        Ok(found)
    }

    fn place_order(&self, ctx: &CallContext, req: OrderRequest) -> CommerceResult<Order> {
        check_usd(&req.max_total.currency, "max-total.currency")?;
        check_country(&req.ship_to, "ship-to")?;
        if req.lines.is_empty() {
            return Err(invalid("lines", "an order needs at least one line"));
        }
        let partners = partners()?;
        let api = Api::new(ctx)?;
        let lines = self.order_lines(&api, &req)?;
        let now = now_ms();
        let mut order = order_as_sent(&req, &lines, now)?;
        if order.totals.grand_total.minor > req.max_total.minor {
            return Err(invalid(
                "max-total",
                format!(
                    "the order comes to {} at Keystone's prices, above the ceiling of {}",
                    exact::Money::try_from(&order.totals.grand_total)?,
                    exact::Money::try_from(&req.max_total)?
                ),
            ));
        }
        let written = order::write_850(ctx, &req, &lines, &partners, now)?;
        let response =
            api.post_interchange(written.text.clone(), &partners.buyer, &partners.keystone)?;
        let parsed = x12::parse(&response.body).ok();
        if let Some(refusal) = parsed.as_ref().and_then(ack::read_ta1) {
            return Err(match refusal.code.as_str() {
                "025" => CommerceError::IdempotencyConflict(format!(
                    "Keystone already has interchange {:09} (idempotency key {}) with other content",
                    written.control, req.idempotency_key
                )),
                code => invalid(
                    "document",
                    format!("Keystone refused the interchange envelope (TA1 note code {code})"),
                ),
            });
        }
        if response.status == 409 {
            let text = String::from_utf8_lossy(&response.body).to_string();
            if text.starts_with("duplicate-buyer-po") {
                return Err(invalid("buyer-po", format!("Keystone: {text}")));
            }
        }
        if !response.is_success() {
            return Err(api::transport_error(&response));
        }
        let answer = parsed.ok_or_else(|| {
            bad_upstream("Keystone answered the 850 with something that is not X12")
        })?;
        match ack::read_answer(&answer, written.control).map_err(bad_upstream)? {
            ack::Verdict::Accepted => {}
            ack::Verdict::Rejected { summary, errors } => {
                let field = errors
                    .first()
                    .map(|e| written.field_for(e.position, &e.segment, e.element))
                    .unwrap_or_else(|| "document".to_string());
                let detail: Vec<String> = errors.iter().map(ack::ReportedError::describe).collect();
                return Err(invalid(
                    field,
                    format!(
                        "Keystone's 997 rejected the 850 ({summary}){}{}",
                        if detail.is_empty() { "" } else { ": " },
                        detail.join("; ")
                    ),
                ));
            }
        }
        order.messages.push(Message {
            severity: Severity::Info,
            code: "edi_accepted".to_string(),
            line_id: None,
            text: format!(
                "Keystone's 997 accepted interchange {:09}; its 855 acknowledgement decides each line",
                written.control
            ),
            resolution: None,
        });
        if !matches!(req.payment, PaymentInstruction::OnAccount(_)) {
            order.messages.push(Message {
                severity: Severity::Info,
                code: "payment_on_account".to_string(),
                line_id: None,
                text: "Keystone invoices every order on account; the payment instruction was not \
                       forwarded"
                    .to_string(),
                resolution: None,
            });
        }
        Ok(order)
    }

    fn get_order(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Order> {
        let api = Api::new(ctx)?;
        let mut order = self.fetch_order(&api, order_id.trim())?;
        let shipments = self.shipments_of(&api, &order.order_id)?;
        notices::apply_shipments(&mut order, &shipments);
        Ok(order)
    }

    fn list_shipments(&self, ctx: &CallContext, order_id: String) -> CommerceResult<Vec<Shipment>> {
        self.shipments_of(&Api::new(ctx)?, order_id.trim())
    }

    fn handle_inbound(
        &self,
        _ctx: &CallContext,
        doc: mercato_sdk::contract::InboundDocument,
    ) -> CommerceResult<mercato_sdk::contract::InboundResult> {
        let partners = partners()?;
        inbound::handle(
            &doc,
            &inbound::Expected {
                keystone: &partners.keystone,
                buyer: &partners.buyer,
            },
            |body, hex| mercato_sdk::host::verify_hmac_sha256_hex(inbound::PUSH_SECRET, body, hex),
            now_ms(),
        )
    }
}
