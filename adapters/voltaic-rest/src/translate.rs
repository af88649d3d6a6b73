//! Voltaic's answers → contract values. Pure functions over [`wire`] types, so every rule
//! is unit-tested on fixture payloads.
//!
//! Every localised number goes through `mercato_sdk::formats` with the locale the answer
//! names; a string that cannot be read exactly is an error, never a zero.

use crate::wire;
use mercato_sdk::errors::bad_upstream;
use mercato_sdk::exact::{self, Currency, Decimal};
use mercato_sdk::formats::{
    NumberLocale, StockState, parse_decimal, parse_lead_time_days, parse_price, parse_stock,
};
use mercato_sdk::gtin::Gtin;
use mercato_sdk::prelude::*;
use mercato_sdk::time::{DAY_MS, parse_date, parse_rfc3339};

/// How to read the numbers of one answer: its currency and its locale's separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbers {
    /// Currency every amount must be in.
    pub currency: Currency,
    /// Decimal separator convention.
    pub locale: NumberLocale,
}

impl Numbers {
    /// The convention for an answer in `currency_code` rendered for `locale` (a BCP 47 tag).
    pub fn new(currency_code: &str, locale: &str) -> CommerceResult<Self> {
        let currency = Currency::parse(currency_code)
            .map_err(|e| bad_upstream(format!("currency {currency_code:?}: {e}")))?;
        Ok(Numbers {
            currency,
            locale: number_locale(locale),
        })
    }
}

/// The separator convention of a BCP 47 locale as Voltaic renders it: German, Dutch,
/// Spanish, Italian, Danish and French write decimal commas; everything else decimal points.
pub fn number_locale(locale: &str) -> NumberLocale {
    let language = locale
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match language.as_str() {
        "de" | "nl" | "es" | "it" | "da" | "fr" => NumberLocale::CommaDecimal,
        _ => NumberLocale::PointDecimal,
    }
}

/// A localised unit price (`"0,065 €"`) as an exact decimal in the answer's currency.
pub fn amount(text: &str, n: Numbers) -> CommerceResult<Decimal> {
    let parsed = parse_price(text, n.locale)?;
    match parsed.currency {
        Some(c) if c != n.currency => Err(bad_upstream(format!(
            "price {text:?} is in {c}, the answer is in {}",
            n.currency
        ))),
        _ => Ok(parsed.amount),
    }
}

/// A localised unit price as a contract price per piece.
pub fn unit_price(text: &str, n: Numbers) -> CommerceResult<Price> {
    Ok(Price::per_piece(n.currency, amount(text, n)?))
}

/// A localised total (`"1.234,50 €"`) as exact money; more digits than the currency's minor
/// unit is an error.
pub fn money(text: &str, n: Numbers) -> CommerceResult<exact::Money> {
    let value = amount(text, n)?;
    let m = exact::Money::from_decimal(n.currency, value, RoundingMode::HalfUp)?;
    if m.to_decimal() != value {
        return Err(bad_upstream(format!(
            "amount {text:?} has more decimals than {} allows",
            n.currency
        )));
    }
    Ok(m)
}

/// A whole count written as a string (`"100"`, `"1.000"` in a comma locale).
pub fn count(text: &str, what: &str, n: Numbers) -> CommerceResult<u64> {
    let d = parse_decimal(text, n.locale)?;
    let whole = d.rescale(0, RoundingMode::TowardZero)?;
    if whole != d || d.is_negative() {
        return Err(bad_upstream(format!(
            "{what} {text:?} is not a whole number of pieces"
        )));
    }
    u64::try_from(whole.mantissa())
        .map_err(|_| bad_upstream(format!("{what} {text:?} is negative")))
}

/// An RFC 3339 timestamp from the supplier.
pub fn instant(text: &str, what: &str) -> CommerceResult<Timestamp> {
    parse_rfc3339(text).map_err(|e| bad_upstream(format!("{what}: {e}")))
}

/// A `YYYY-MM-DD` date from the supplier, as midnight UTC.
pub fn day(text: &str, what: &str) -> CommerceResult<Timestamp> {
    parse_date(text).map_err(|e| bad_upstream(format!("{what}: {e}")))
}

/// The whole UTC day of a date, as a delivery window.
fn day_window(text: &str, what: &str) -> CommerceResult<TimeWindow> {
    let start = day(text, what)?;
    Ok(TimeWindow {
        earliest: start,
        latest: start + DAY_MS - 1,
    })
}

/// A GTIN normalised to 14 digits; a GTIN with a wrong check digit is an error.
fn gtin(text: Option<&str>) -> CommerceResult<Option<String>> {
    text.filter(|g| !g.trim().is_empty())
        .map(|g| Gtin::parse(g).map(|g| g.as_str().to_string()))
        .transpose()
        .map_err(CommerceError::from)
}

/// The identifiers Voltaic gives for a part.
pub fn item_ids(
    sku: &str,
    mpn: Option<&str>,
    manufacturer: Option<&str>,
    gtin_text: Option<&str>,
) -> CommerceResult<ItemIds> {
    Ok(ItemIds {
        gtin: gtin(gtin_text)?,
        mpn: mpn.map(str::to_string),
        manufacturer: manufacturer.map(str::to_string),
        ..ItemIds::sku(sku)
    })
}

/// The stock facts one answer gives for an item (a catalogue part or a cart line).
#[derive(Debug, Clone, Copy)]
pub struct StockFacts<'a> {
    /// `"15243 In Stock"`.
    pub availability: &'a str,
    /// `"14 Days"`.
    pub lead_time: Option<&'a str>,
    /// Planned restocks.
    pub on_order: &'a [wire::OnOrder],
    /// Whether shortfalls may be backordered.
    pub backorderable: bool,
    /// Whether the item is no longer made.
    pub discontinued: bool,
}

impl<'a> StockFacts<'a> {
    /// The facts of a catalogue part.
    pub fn of_part(part: &'a wire::Part) -> Self {
        StockFacts {
            availability: &part.availability,
            lead_time: part.lead_time.as_deref(),
            on_order: &part.availability_on_order,
            backorderable: part.backorderable,
            discontinued: part
                .lifecycle_status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("discontinued")),
        }
    }
}

/// Stock facts as the contract's availability, judged against `wanted` pieces when a
/// quantity is known.
pub fn availability(
    facts: &StockFacts<'_>,
    n: Numbers,
    observed_at: Timestamp,
    wanted: Option<u64>,
) -> CommerceResult<Availability> {
    let stock = parse_stock(facts.availability, n.locale)?;
    let on_hand = stock.on_hand;
    let lead = facts.lead_time.map(parse_lead_time_days).transpose()?;
    let mut next_restock = Vec::new();
    for r in facts.on_order {
        next_restock.push(Restock {
            quantity: Quantity::pieces(count(&r.quantity, "AvailabilityOnOrder.Quantity", n)?),
            expected_at: day(&r.date, "AvailabilityOnOrder.Date")?,
        });
    }
    next_restock.sort_by_key(|r| r.expected_at);
    let status = stock_status(
        stock.state,
        on_hand,
        wanted,
        facts.backorderable,
        facts.discontinued,
    );
    Ok(Availability {
        status,
        on_hand: on_hand.map(Quantity::pieces),
        lead_time_days: lead,
        next_restock,
        observed_at,
    })
}

/// The contract's stock status from Voltaic's facts.
fn stock_status(
    state: StockState,
    on_hand: Option<u64>,
    wanted: Option<u64>,
    backorderable: bool,
    discontinued: bool,
) -> StockStatus {
    let have = on_hand.unwrap_or(0);
    match state {
        StockState::InStock if wanted.is_some_and(|w| w > have) && on_hand.is_some() => {
            if discontinued {
                StockStatus::Discontinued
            } else {
                StockStatus::Limited
            }
        }
        StockState::InStock => StockStatus::InStock,
        _ if discontinued => StockStatus::Discontinued,
        StockState::OutOfStock | StockState::OnOrder if backorderable => StockStatus::Backorder,
        StockState::OutOfStock | StockState::OnOrder => StockStatus::OutOfStock,
        StockState::Unknown => StockStatus::Unknown,
    }
}

/// A catalogue part as a contract item.
pub fn catalog_item(
    part: &wire::Part,
    n: Numbers,
    observed_at: Timestamp,
) -> CommerceResult<CatalogItem> {
    let min = count(&part.min, "Min", n)?;
    let mult = count(&part.mult, "Mult", n)?;
    let mut tiers = Vec::new();
    for b in &part.price_breaks {
        if !b.currency.eq_ignore_ascii_case(n.currency.code()) {
            return Err(bad_upstream(format!(
                "price break of {} is in {}, the answer is in {}",
                part.voltaic_part_number, b.currency, n.currency
            )));
        }
        tiers.push(PriceTier {
            min_quantity: Quantity::pieces(b.quantity),
            unit_price: unit_price(&b.price, n)?,
            valid_until: None,
        });
    }
    tiers.sort_by_key(|t| t.min_quantity.steps);
    let mut other = Vec::new();
    if let Some(c) = &part.category {
        other.push(("voltaic-category".to_string(), c.clone()));
    }
    Ok(CatalogItem {
        ids: ItemIds {
            other,
            ..item_ids(
                &part.voltaic_part_number,
                part.manufacturer_part_number.as_deref(),
                part.manufacturer.as_deref(),
                part.gtin.as_deref(),
            )?
        },
        title: part.description.clone(),
        description: part.long_description.clone(),
        brand: part.manufacturer.clone(),
        classifications: part
            .category
            .iter()
            .map(|c| Classification {
                scheme: "Voltaic".to_string(),
                code: c.clone(),
            })
            .collect(),
        sale_unit: "C62".to_string(),
        content_per_sale_unit: None,
        rules: OrderRules {
            minimum: Some(Quantity::pieces(min)),
            increment: Some(Quantity::pieces(mult)),
            maximum: None,
        },
        price_tiers: tiers,
        list_price: None,
        prices_include_tax: false,
        availability: Some(availability(
            &StockFacts::of_part(part),
            n,
            observed_at,
            None,
        )?),
        url: part.product_detail_url.clone(),
        image_urls: part.image_path.iter().cloned().collect(),
        attributes: part
            .product_attributes
            .iter()
            .map(|a| (a.attribute_name.clone(), a.attribute_value.clone()))
            .collect(),
        price_observed_at: observed_at,
    })
}

/// The items of a search or lookup answer.
pub fn catalog_items(resp: &wire::SearchResponse) -> CommerceResult<Vec<CatalogItem>> {
    let n = Numbers::new(&resp.currency_code, &resp.locale)?;
    let observed = instant(&resp.as_of, "AsOf")?;
    resp.search_results
        .parts
        .iter()
        .map(|p| catalog_item(p, n, observed))
        .collect()
}

/// The cursor of the page after one that started at `start` and held `returned` of `total`
/// matches; None when nothing follows (or nothing came back, so paging always ends).
pub fn next_cursor(start: u64, returned: usize, total: u64) -> Option<String> {
    let next = start + u64::try_from(returned).unwrap_or(u64::MAX);
    (returned > 0 && next < total).then(|| next.to_string())
}

/// Checks that totals add up: grand = lines + shipping + tax, and lines = the sum of the
/// line totals.
fn check_totals(
    line_totals: &[exact::Money],
    lines: exact::Money,
    shipping: exact::Money,
    tax: exact::Money,
    grand: exact::Money,
) -> CommerceResult<Totals> {
    let sum = exact::Money::sum(lines.currency(), line_totals.iter().copied())?;
    if sum != lines {
        return Err(bad_upstream(format!(
            "line totals add up to {sum}, the supplier says {lines}"
        )));
    }
    let expected = lines.checked_add(shipping)?.checked_add(tax)?;
    if expected != grand {
        return Err(bad_upstream(format!(
            "total {grand} is not lines {lines} + shipping {shipping} + tax {tax}"
        )));
    }
    let zero = exact::Money::zero(lines.currency());
    Ok(Totals {
        lines: lines.into(),
        discounts: zero.into(),
        shipping: shipping.into(),
        tax: tax.into(),
        fees: zero.into(),
        grand_total: grand.into(),
        tax_included: false,
    })
}

/// A hard problem of a cart line that makes the quote unusable as it stands.
pub fn cart_hard_error(cart: &wire::Cart) -> CommerceResult<Option<CommerceError>> {
    let n = Numbers::new(&cart.currency_code, &cart.locale)?;
    let mut violations = Vec::new();
    for item in &cart.cart_items {
        for e in item.errors.iter().filter(|e| e.code == "QuantityRule") {
            violations.push(crate::failures::quantity_violation(
                e,
                &item.customer_line_id,
                n,
            )?);
        }
    }
    Ok((!violations.is_empty()).then_some(CommerceError::QuantityRule(violations)))
}

/// A cart as a firm quote (or an expired one).
pub fn quote(cart: &wire::Cart) -> CommerceResult<Quote> {
    let n = Numbers::new(&cart.currency_code, &cart.locale)?;
    let observed = instant(&cart.as_of, "AsOf")?;
    let mut lines = Vec::new();
    let mut messages = Vec::new();
    let mut line_totals = Vec::new();
    let mut delivery: Option<TimeWindow> = None;
    for item in &cart.cart_items {
        let total = money(&item.extended_price, n)?;
        line_totals.push(total);
        let facts = StockFacts {
            availability: &item.availability,
            lead_time: item.lead_time.as_deref(),
            on_order: &[],
            backorderable: item.errors.iter().all(|e| e.backorderable != Some(false)),
            discontinued: false,
        };
        let mut avail = availability(&facts, n, observed, Some(item.quantity))?;
        let mut status = LineStatus::Accepted;
        for e in &item.errors {
            match e.code.as_str() {
                "InsufficientStock" => {
                    let backorderable = e.backorderable != Some(false);
                    if let Some(date) = &e.next_restock_date {
                        let at = day(date, "NextRestockDate")?;
                        if !avail.next_restock.iter().any(|r| r.expected_at == at) {
                            avail.next_restock.push(Restock {
                                quantity: Quantity::pieces(
                                    item.quantity.saturating_sub(e.available.unwrap_or(0)),
                                ),
                                expected_at: at,
                            });
                        }
                    }
                    status = if backorderable {
                        LineStatus::Backordered
                    } else {
                        LineStatus::Rejected
                    };
                    messages.push(Message {
                        severity: if backorderable {
                            Severity::Warning
                        } else {
                            Severity::Error
                        },
                        code: if backorderable {
                            "low_stock"
                        } else {
                            "out_of_stock"
                        }
                        .to_string(),
                        line_id: Some(item.customer_line_id.clone()),
                        text: e.message.clone(),
                        resolution: Some(if backorderable {
                            Resolution::RequiresBuyerReview
                        } else {
                            Resolution::RequiresBuyerInput
                        }),
                    });
                }
                "QuantityRule" => {
                    status = LineStatus::Rejected;
                    messages.push(Message {
                        severity: Severity::Error,
                        code: "quantity_rule".to_string(),
                        line_id: Some(item.customer_line_id.clone()),
                        text: e.message.clone(),
                        resolution: Some(Resolution::Recoverable),
                    });
                }
                _ => messages.push(Message {
                    severity: Severity::Warning,
                    code: e.code.clone(),
                    line_id: Some(item.customer_line_id.clone()),
                    text: e.message.clone(),
                    resolution: None,
                }),
            }
        }
        let promised = item
            .expected_delivery_date
            .as_deref()
            .map(|d| day_window(d, "ExpectedDeliveryDate"))
            .transpose()?;
        if let Some(w) = promised {
            delivery = Some(match delivery {
                None => w,
                Some(d) => TimeWindow {
                    earliest: d.earliest.min(w.earliest),
                    latest: d.latest.max(w.latest),
                },
            });
        }
        lines.push(QuoteLine {
            line_id: item.customer_line_id.clone(),
            item: item_ids(
                &item.voltaic_part_number,
                item.manufacturer_part_number.as_deref(),
                item.manufacturer.as_deref(),
                item.gtin.as_deref(),
            )?,
            title: item.description.clone(),
            quantity: Quantity::pieces(item.quantity),
            unit_price: unit_price(&item.unit_price, n)?,
            line_total: total.into(),
            tax: None,
            availability: Some(avail),
            promised_delivery: promised,
            substitute_for: None,
            status,
        });
    }
    let merchandise = money(&cart.merchandise_total, n)?;
    let shipping = money(&cart.shipping_cost, n)?;
    let tax = money(&cart.tax, n)?;
    let grand = money(&cart.total, n)?;
    let totals = check_totals(&line_totals, merchandise, shipping, tax, grand)?;
    let method = &cart.shipping_method;
    let method_cost = money(&method.cost, n)?;
    let status = match cart.status.as_str() {
        "Valid" => QuoteStatus::Firm,
        "Expired" => QuoteStatus::Expired,
        other => {
            return Err(bad_upstream(format!(
                "cart status {other:?} is not Valid or Expired"
            )));
        }
    };
    let mut charges = vec![Charge {
        kind: ChargeKind::Shipping,
        label: format!("{} {}", method.carrier, method.service),
        amount: shipping.into(),
    }];
    if tax.minor() != 0 {
        charges.push(Charge {
            kind: ChargeKind::Tax,
            label: "VAT".to_string(),
            amount: tax.into(),
        });
    }
    Ok(Quote {
        quote_id: cart.cart_key.clone(),
        status,
        created_at: instant(&cart.created_at, "CreatedAt")?,
        valid_until: Some(instant(&cart.valid_until, "ValidUntil")?),
        currency: n.currency.code().to_string(),
        lines,
        charges,
        totals,
        fulfillment_options: vec![FulfillmentOption {
            id: method.id.clone(),
            method: FulfillmentMethod::Parcel,
            carrier: Some(method.carrier.clone()),
            service_level: Some(method.service.clone()),
            cost: method_cost.into(),
            delivery,
        }],
        payment_terms: cart
            .payment_terms
            .iter()
            .map(|t| PaymentTerm {
                id: t.id.clone(),
                label: t.label.clone(),
                net_days: t.net_days,
            })
            .collect(),
        messages,
        attestation: None,
        continue_url: None,
    })
}

fn line_status(text: &str, order_delivered: bool) -> CommerceResult<LineStatus> {
    Ok(match text {
        "Confirmed" => LineStatus::Accepted,
        "Backordered" => LineStatus::Backordered,
        "PartiallyShipped" => LineStatus::PartiallyShipped,
        "Shipped" if order_delivered => LineStatus::Delivered,
        "Shipped" => LineStatus::Shipped,
        "Delivered" => LineStatus::Delivered,
        "Cancelled" => LineStatus::Cancelled,
        other => {
            return Err(bad_upstream(format!(
                "order line status {other:?} is unknown"
            )));
        }
    })
}

fn order_status(text: &str) -> CommerceResult<OrderStatus> {
    Ok(match text {
        "Confirmed" | "Backordered" => OrderStatus::Confirmed,
        "AwaitingStock" => OrderStatus::OnHold,
        "PartiallyShipped" => OrderStatus::PartiallyShipped,
        "Shipped" => OrderStatus::Shipped,
        "Delivered" => OrderStatus::Delivered,
        "Cancelled" => OrderStatus::Cancelled,
        other => return Err(bad_upstream(format!("order status {other:?} is unknown"))),
    })
}

/// An order as the contract has it.
pub fn order(o: &wire::Order) -> CommerceResult<Order> {
    let n = Numbers::new(&o.currency_code, &o.locale)?;
    let status = order_status(&o.status)?;
    let delivered = status == OrderStatus::Delivered;
    let mut lines = Vec::new();
    let mut line_totals = Vec::new();
    let mut messages = Vec::new();
    let mut changed = false;
    for l in &o.order_lines {
        let total = money(&l.extended_price, n)?;
        line_totals.push(total);
        if l.quantity_confirmed < l.quantity || l.quantity_backordered > 0 {
            changed = true;
        }
        if l.quantity_backordered > 0 {
            messages.push(Message {
                severity: Severity::Warning,
                code: "shipping_delay".to_string(),
                line_id: Some(l.customer_line_id.clone()),
                text: l
                    .note
                    .clone()
                    .unwrap_or_else(|| format!("{} pieces backordered", l.quantity_backordered)),
                resolution: None,
            });
        }
        let sum = l.quantity_shipped.checked_add(l.quantity_cancelled);
        if sum.is_none_or(|s| s > l.quantity) {
            return Err(bad_upstream(format!(
                "line {}: shipped {} + cancelled {} exceed the {} ordered",
                l.customer_line_id, l.quantity_shipped, l.quantity_cancelled, l.quantity
            )));
        }
        lines.push(OrderLine {
            line_id: l.customer_line_id.clone(),
            item: item_ids(
                &l.voltaic_part_number,
                l.manufacturer_part_number.as_deref(),
                l.manufacturer.as_deref(),
                l.gtin.as_deref(),
            )?,
            ordered: Quantity::pieces(l.quantity),
            confirmed: Quantity::pieces(l.quantity_confirmed),
            shipped: Quantity::pieces(l.quantity_shipped),
            cancelled: Quantity::pieces(l.quantity_cancelled),
            unit_price: unit_price(&l.unit_price, n)?,
            line_total: total.into(),
            status: line_status(&l.status, delivered)?,
            promised_delivery: l
                .expected_delivery_date
                .as_deref()
                .map(|d| day_window(d, "ExpectedDeliveryDate"))
                .transpose()?,
            note: l.note.clone(),
        });
    }
    for text in &o.messages {
        messages.push(Message {
            severity: Severity::Info,
            code: "supplier_note".to_string(),
            line_id: None,
            text: text.clone(),
            resolution: None,
        });
    }
    let totals = check_totals(
        &line_totals,
        money(&o.merchandise_total, n)?,
        money(&o.shipping_cost, n)?,
        money(&o.tax, n)?,
        money(&o.order_total, n)?,
    )?;
    Ok(Order {
        order_id: o.order_number.clone(),
        buyer_po: o.purchase_order_number.clone(),
        quote_id: o.cart_key.clone(),
        ack: if changed {
            AckStatus::AcceptedWithChanges
        } else {
            AckStatus::Accepted
        },
        status,
        created_at: instant(&o.created_at, "CreatedAt")?,
        updated_at: instant(&o.updated_at, "UpdatedAt")?,
        currency: n.currency.code().to_string(),
        lines,
        totals,
        messages,
        permalink: o.order_url.clone(),
    })
}

fn shipment_status(text: &str) -> CommerceResult<ShipmentStatus> {
    Ok(match text {
        "LabelCreated" => ShipmentStatus::LabelCreated,
        "Shipped" => ShipmentStatus::Shipped,
        "InTransit" => ShipmentStatus::InTransit,
        "OutForDelivery" => ShipmentStatus::OutForDelivery,
        "Delivered" => ShipmentStatus::Delivered,
        "Exception" => ShipmentStatus::Exception,
        "Returned" => ShipmentStatus::Returned,
        other => {
            return Err(bad_upstream(format!(
                "shipment status {other:?} is unknown"
            )));
        }
    })
}

/// A shipment as the contract has it.
pub fn shipment(s: &wire::Shipment) -> CommerceResult<Shipment> {
    let mut events = Vec::new();
    for e in &s.events {
        events.push(TrackingEvent {
            at: instant(&e.timestamp, "Events.Timestamp")?,
            code: e.code.clone(),
            description: e.description.clone(),
            location: e.location.clone(),
        });
    }
    events.sort_by_key(|e| e.at);
    Ok(Shipment {
        shipment_id: s.shipment_id.clone(),
        order_id: s.order_number.clone(),
        status: shipment_status(&s.status)?,
        carrier: s.carrier.clone(),
        service_level: s.service.clone(),
        tracking_number: s.tracking_number.clone(),
        tracking_url: s.tracking_url.clone(),
        packages: s.tracking_number.iter().cloned().collect(),
        shipped_at: s
            .shipped_at
            .as_deref()
            .map(|t| instant(t, "ShippedAt"))
            .transpose()?,
        estimated_delivery: s
            .estimated_delivery
            .as_deref()
            .map(|d| day_window(d, "EstimatedDelivery"))
            .transpose()?,
        delivered_at: s
            .delivered_at
            .as_deref()
            .map(|t| instant(t, "DeliveredAt"))
            .transpose()?,
        lines: s
            .lines
            .iter()
            .map(|l| ShipmentLine {
                line_id: l.customer_line_id.clone(),
                quantity: Quantity::pieces(l.quantity),
                outstanding: l.outstanding.map(Quantity::pieces),
                outstanding_reason: l.outstanding_reason.clone(),
                lot: l.lot_number.clone(),
                serials: Vec::new(),
                best_before: None,
            })
            .collect(),
        events,
    })
}

/// An invoice as the contract has it.
pub fn invoice(i: &wire::Invoice) -> CommerceResult<Invoice> {
    let n = Numbers::new(&i.currency_code, &i.locale)?;
    let mut lines = Vec::new();
    let mut nets = Vec::new();
    let mut taxes = Vec::new();
    for l in &i.lines {
        let net = money(&l.net_amount, n)?;
        let tax = money(&l.tax_amount, n)?;
        nets.push(net);
        taxes.push(tax);
        lines.push(InvoiceLine {
            line_id: l.customer_line_id.clone(),
            quantity: Quantity::pieces(l.quantity),
            unit_price: unit_price(&l.unit_price, n)?,
            net: net.into(),
            tax: tax.into(),
        });
    }
    let tax = money(&i.tax, n)?;
    let line_tax = exact::Money::sum(n.currency, taxes)?;
    if line_tax.minor() > tax.minor() {
        return Err(bad_upstream(format!(
            "invoice {}: line VAT {line_tax} exceeds the invoice VAT {tax}",
            i.invoice_number
        )));
    }
    let status = match i.status.as_str() {
        "Open" => InvoiceStatus::Open,
        "Paid" => InvoiceStatus::Paid,
        "Credited" => InvoiceStatus::Credited,
        "Disputed" => InvoiceStatus::Disputed,
        "Cancelled" => InvoiceStatus::Cancelled,
        other => return Err(bad_upstream(format!("invoice status {other:?} is unknown"))),
    };
    Ok(Invoice {
        invoice_id: i.invoice_number.clone(),
        order_id: i.order_number.clone(),
        issued_at: instant(&i.issued_at, "IssuedAt")?,
        due_at: i
            .due_date
            .as_deref()
            .map(|d| day(d, "DueDate"))
            .transpose()?,
        status,
        is_credit_note: false,
        lines,
        totals: check_totals(
            &nets,
            money(&i.net_amount, n)?,
            money(&i.shipping_cost, n)?,
            tax,
            money(&i.total, n)?,
        )?,
        document_format: Some("pdf".to_string()),
        document_url: i.document_url.clone(),
    })
}

/// A return authorisation; the refund is read in the order's currency and locale.
pub fn return_authorization(r: &wire::Rma, n: Numbers) -> CommerceResult<ReturnAuthorization> {
    let status = match r.status.as_str() {
        "Requested" => ReturnStatus::Requested,
        "Authorized" => ReturnStatus::Authorized,
        "Refused" => ReturnStatus::Refused,
        "Received" => ReturnStatus::Received,
        "Refunded" => ReturnStatus::Refunded,
        other => return Err(bad_upstream(format!("return status {other:?} is unknown"))),
    };
    Ok(ReturnAuthorization {
        rma_id: r.rma_number.clone(),
        status,
        label_url: r.label_url.clone(),
        instructions: r.instructions.clone(),
        refund_estimate: r
            .refund_estimate
            .as_deref()
            .map(|t| money(t, n).map(Into::into))
            .transpose()?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mercato_sdk::contract::Decimal as WitDecimal;
    use serde_json::json;

    fn eur_de() -> Numbers {
        Numbers::new("EUR", "de-DE").expect("numbers")
    }

    fn part_fixture() -> serde_json::Value {
        json!({
            "VoltaicPartNumber": "VC-HB-M8X30-A2", "ManufacturerPartNumber": "933-A2-M8X30",
            "Manufacturer": "Steelwerk", "Description": "Hex bolt M8x30 DIN 933 A2 stainless",
            "LongDescription": "Hexagon head bolt", "Category": "Fasteners", "GTIN": "4260123450014",
            "Availability": "15243 In Stock", "AvailabilityInStock": "15243",
            "AvailabilityOnOrder": [{"Quantity": "20000", "Date": "2026-07-01"}],
            "LeadTime": "14 Days", "LifecycleStatus": null, "Backorderable": true, "Min": "1", "Mult": "1",
            "PriceBreaks": [
                {"Quantity": 1, "Price": "0,42 €", "Currency": "EUR"},
                {"Quantity": 100, "Price": "0,31 €", "Currency": "EUR"},
                {"Quantity": 500, "Price": "0,24 €", "Currency": "EUR"},
                {"Quantity": 1000, "Price": "1.234,21 €", "Currency": "EUR"}],
            "ProductAttributes": [{"AttributeName": "thread", "AttributeValue": "M8"}],
            "ProductDetailUrl": "https://voltaic.example/p/1", "ImagePath": "https://voltaic.example/i/1.jpg"
        })
    }

    fn part(v: serde_json::Value) -> wire::Part {
        serde_json::from_value(v).expect("fixture parses")
    }

    #[test]
    fn a_part_becomes_an_item_with_exact_tiers_and_stock() {
        let item = catalog_item(&part(part_fixture()), eur_de(), 1_000).expect("item");
        assert_eq!(item.ids.supplier_sku, "VC-HB-M8X30-A2");
        assert_eq!(item.ids.gtin.as_deref(), Some("04260123450014"));
        assert_eq!(item.price_tiers.len(), 4);
        assert_eq!(
            item.price_tiers[2].unit_price.amount,
            WitDecimal {
                mantissa: 24,
                scale: 2
            }
        );
        assert_eq!(
            item.price_tiers[3].unit_price.amount,
            WitDecimal {
                mantissa: 123_421,
                scale: 2
            }
        );
        assert_eq!(item.price_tiers[2].unit_price.currency, "EUR");
        let avail = item.availability.expect("availability");
        assert_eq!(avail.status, StockStatus::InStock);
        assert_eq!(avail.on_hand, Some(Quantity::pieces(15_243)));
        assert_eq!(avail.lead_time_days, Some(14));
        assert_eq!(avail.next_restock.len(), 1);
        assert_eq!(item.rules.increment, Some(Quantity::pieces(1)));
        assert_eq!(
            item.attributes,
            vec![("thread".to_string(), "M8".to_string())]
        );
    }

    #[test]
    fn usd_prices_read_with_decimal_points() {
        let mut v = part_fixture();
        v["PriceBreaks"] = json!([{"Quantity": 1, "Price": "$0.87", "Currency": "USD"}]);
        let n = Numbers::new("USD", "en-US").expect("numbers");
        let item = catalog_item(&part(v), n, 0).expect("item");
        assert_eq!(
            item.price_tiers[0].unit_price.amount,
            WitDecimal {
                mantissa: 87,
                scale: 2
            }
        );
        assert_eq!(item.price_tiers[0].unit_price.currency, "USD");
    }

    #[test]
    fn malformed_numbers_are_errors_not_zeros() {
        for (field, value) in [
            ("Availability", json!("lots")),
            ("LeadTime", json!("soon")),
            ("Min", json!("1,5")),
            ("GTIN", json!("4260123450015")),
        ] {
            let mut v = part_fixture();
            v[field] = value;
            let e = catalog_item(&part(v), eur_de(), 0).expect_err(field);
            assert_eq!(e.code(), "internal", "{field}: {e:?}");
        }
        let mut v = part_fixture();
        v["PriceBreaks"][0]["Price"] = json!("n/a");
        assert!(catalog_item(&part(v), eur_de(), 0).is_err());
        let mut v = part_fixture();
        v["PriceBreaks"][0]["Price"] = json!("0,42 $");
        let e = catalog_item(&part(v), eur_de(), 0).expect_err("dollar price in a euro answer");
        assert!(format!("{e:?}").contains("USD"), "{e:?}");
    }

    #[test]
    fn stock_states_follow_the_facts() {
        let mut v = part_fixture();
        v["Availability"] = json!("0 In Stock");
        let a = availability(&StockFacts::of_part(&part(v.clone())), eur_de(), 0, None)
            .expect("availability");
        assert_eq!(a.status, StockStatus::Backorder);
        v["Backorderable"] = json!(false);
        assert_eq!(
            availability(&StockFacts::of_part(&part(v.clone())), eur_de(), 0, None)
                .expect("a")
                .status,
            StockStatus::OutOfStock
        );
        v["LifecycleStatus"] = json!("Discontinued");
        assert_eq!(
            availability(&StockFacts::of_part(&part(v)), eur_de(), 0, None)
                .expect("a")
                .status,
            StockStatus::Discontinued
        );
        let a = availability(
            &StockFacts::of_part(&part(part_fixture())),
            eur_de(),
            0,
            Some(20_000),
        )
        .expect("a");
        assert_eq!(a.status, StockStatus::Limited);
    }

    #[test]
    fn money_must_fit_the_minor_unit() {
        assert_eq!(
            money("1.234,50 €", eur_de()).map(|m| m.minor()),
            Ok(123_450)
        );
        assert!(money("0,065 €", eur_de()).is_err());
        assert_eq!(count("1.000", "Min", eur_de()), Ok(1000));
        assert!(count("-1", "Min", eur_de()).is_err());
    }

    #[test]
    fn paging_ends_and_advances() {
        assert_eq!(next_cursor(0, 2, 5), Some("2".to_string()));
        assert_eq!(next_cursor(4, 1, 5), None);
        assert_eq!(next_cursor(10, 0, 50), None);
    }

    pub(crate) fn cart_fixture() -> serde_json::Value {
        json!({
            "CartKey": "c-1", "Status": "Valid", "CurrencyCode": "EUR", "Locale": "de-DE", "ShipToCountry": "DE",
            "AsOf": "2026-06-01T10:00:00Z", "CreatedAt": "2026-06-01T10:00:00Z", "ValidUntil": "2026-06-02T10:00:00Z",
            "CartItems": [
                {"CustomerLineId": "bolts", "VoltaicPartNumber": "VC-HB-M8X30-A2", "GTIN": "4260123450014",
                 "Description": "Hex bolt", "Quantity": 500, "UnitPrice": "0,24 €", "ExtendedPrice": "120,00 €",
                 "Availability": "15243 In Stock", "LeadTime": "14 Days", "ExpectedShipDate": "2026-06-01",
                 "ExpectedDeliveryDate": "2026-06-02", "Errors": []},
                {"CustomerLineId": "esp", "VoltaicPartNumber": "VC-ESP32-WROOM", "Description": "ESP32",
                 "Quantity": 2, "UnitPrice": "3,20 €", "ExtendedPrice": "6,40 €", "Availability": "0 In Stock",
                 "LeadTime": "84 Days", "ExpectedShipDate": "2026-08-24", "ExpectedDeliveryDate": "2026-08-25",
                 "Errors": [{"Code": "InsufficientStock", "Message": "2 wanted, 0 available", "Available": 0,
                             "NextRestockDate": "2026-08-24", "Backorderable": true}]}],
            "MerchandiseTotal": "126,40 €", "ShippingCost": "0,00 €", "Tax": "24,02 €", "Total": "150,42 €",
            "ShippingMethod": {"Id": "DHL-PAKET", "Carrier": "DHL", "Service": "Paket", "TransitDays": 1, "Cost": "0,00 €"},
            "PaymentTerms": [{"Id": "NET30", "Label": "Net 30 days", "NetDays": 30}], "Errors": []
        })
    }

    #[test]
    fn a_cart_becomes_a_firm_quote_with_consistent_totals() {
        let cart: wire::Cart = serde_json::from_value(cart_fixture()).expect("cart");
        let q = quote(&cart).expect("quote");
        assert_eq!(q.status, QuoteStatus::Firm);
        assert_eq!(q.quote_id, "c-1");
        assert_eq!(q.totals.grand_total.minor, 15_042);
        assert_eq!(q.totals.tax.minor, 2_402);
        assert_eq!(q.lines[0].status, LineStatus::Accepted);
        assert_eq!(q.lines[1].status, LineStatus::Backordered);
        assert_eq!(q.messages[0].code, "low_stock");
        assert_eq!(q.fulfillment_options[0].id, "DHL-PAKET");
        let window = q.fulfillment_options[0].delivery.expect("delivery");
        assert!(window.latest > window.earliest);
        assert_eq!(
            cart_hard_error(&cart).expect("checked").map(|e| e.code()),
            None
        );
    }

    #[test]
    fn inconsistent_cart_totals_are_refused() {
        let mut v = cart_fixture();
        v["Total"] = json!("150,43 €");
        let cart: wire::Cart = serde_json::from_value(v).expect("cart");
        assert!(quote(&cart).is_err());
        let mut v = cart_fixture();
        v["MerchandiseTotal"] = json!("126,41 €");
        v["Total"] = json!("150,43 €");
        let cart: wire::Cart = serde_json::from_value(v).expect("cart");
        assert!(quote(&cart).is_err());
    }

    #[test]
    fn quantity_rule_lines_make_the_cart_unusable() {
        let mut v = cart_fixture();
        v["CartItems"][0]["Errors"] = json!([{"Code": "QuantityRule", "Message": "Min 100 / Mult 100", "Min": "100", "Mult": "100"}]);
        let cart: wire::Cart = serde_json::from_value(v).expect("cart");
        let Some(CommerceError::QuantityRule(v)) = cart_hard_error(&cart).expect("checked") else {
            panic!("quantity rule expected");
        };
        assert_eq!(v[0].line_id, "bolts");
        assert_eq!(v[0].rules.increment, Some(Quantity::pieces(100)));
    }

    pub(crate) fn order_fixture() -> serde_json::Value {
        json!({
            "OrderNumber": "VC-100001", "PurchaseOrderNumber": "PO-1", "CartKey": null, "Status": "PartiallyShipped",
            "CurrencyCode": "EUR", "Locale": "de-DE", "CreatedAt": "2026-06-01T10:00:00Z", "UpdatedAt": "2026-06-01T10:00:00Z",
            "OrderLines": [
                {"CustomerLineId": "1", "VoltaicPartNumber": "VC-HB-M8X30-A2", "Quantity": 500, "QuantityConfirmed": 500,
                 "QuantityShipped": 500, "QuantityBackordered": 0, "QuantityCancelled": 0, "UnitPrice": "0,24 €",
                 "ExtendedPrice": "120,00 €", "Status": "Shipped", "ExpectedDeliveryDate": null, "Note": null},
                {"CustomerLineId": "2", "VoltaicPartNumber": "VC-ESP32-WROOM", "Quantity": 2, "QuantityConfirmed": 2,
                 "QuantityShipped": 0, "QuantityBackordered": 2, "QuantityCancelled": 0, "UnitPrice": "3,20 €",
                 "ExtendedPrice": "6,40 €", "Status": "Backordered", "ExpectedDeliveryDate": "2026-08-25",
                 "Note": "2 backordered, expected to ship 2026-08-24"}],
            "MerchandiseTotal": "126,40 €", "ShippingCost": "0,00 €", "Tax": "24,02 €", "OrderTotal": "150,42 €",
            "Messages": [], "OrderUrl": "https://voltaic.example/o/VC-100001"
        })
    }

    #[test]
    fn an_order_keeps_line_quantities_and_statuses() {
        let o: wire::Order = serde_json::from_value(order_fixture()).expect("order");
        let order = order(&o).expect("order");
        assert_eq!(order.status, OrderStatus::PartiallyShipped);
        assert_eq!(order.ack, AckStatus::AcceptedWithChanges);
        assert_eq!(order.lines[0].status, LineStatus::Shipped);
        assert_eq!(order.lines[1].status, LineStatus::Backordered);
        assert!(order.lines[1].promised_delivery.is_some());
        assert_eq!(order.messages[0].code, "shipping_delay");
        assert_eq!(order.totals.grand_total.minor, 15_042);
    }

    #[test]
    fn impossible_orders_are_refused() {
        let mut v = order_fixture();
        v["OrderLines"][0]["QuantityShipped"] = json!(600);
        let o: wire::Order = serde_json::from_value(v).expect("order");
        assert!(order(&o).is_err());
        let mut v = order_fixture();
        v["Status"] = json!("Teleported");
        let o: wire::Order = serde_json::from_value(v).expect("order");
        assert!(order(&o).is_err());
    }

    #[test]
    fn invoices_and_shipments_translate() {
        let inv: wire::Invoice = serde_json::from_value(json!({
            "InvoiceNumber": "INV-1", "OrderNumber": "VC-1", "IssuedAt": "2026-06-01T10:00:00Z", "DueDate": "2026-07-01",
            "Status": "Open", "CurrencyCode": "EUR", "Locale": "de-DE",
            "Lines": [{"CustomerLineId": "1", "Quantity": 500, "UnitPrice": "0,24 €", "NetAmount": "120,00 €", "TaxAmount": "22,80 €"}],
            "NetAmount": "120,00 €", "ShippingCost": "0,00 €", "Tax": "22,80 €", "Total": "142,80 €", "DocumentUrl": null
        })).expect("invoice");
        let i = invoice(&inv).expect("invoice");
        assert_eq!(i.totals.grand_total.minor, 14_280);
        assert_eq!(i.lines[0].tax.minor, 2_280);
        let s: wire::Shipment = serde_json::from_value(json!({
            "ShipmentId": "S1", "OrderNumber": "VC-1", "Status": "InTransit", "Carrier": "DHL", "Service": "Paket",
            "TrackingNumber": "0034", "TrackingUrl": "https://dhl.example/0034", "ShippedAt": "2026-06-01T10:00:00Z",
            "EstimatedDelivery": "2026-06-02", "DeliveredAt": null,
            "Lines": [{"CustomerLineId": "1", "Quantity": 500, "Outstanding": 0, "LotNumber": "L1"}],
            "Events": [{"Timestamp": "2026-06-01T16:00:00Z", "Code": "InTransit"}, {"Timestamp": "2026-06-01T10:00:00Z", "Code": "Shipped"}]
        })).expect("shipment");
        let s = shipment(&s).expect("shipment");
        assert_eq!(s.status, ShipmentStatus::InTransit);
        assert_eq!(s.events[0].code, "Shipped");
        assert_eq!(s.lines[0].quantity, Quantity::pieces(500));
    }
}
