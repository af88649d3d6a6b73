//! Voltaic's JSON: request bodies, error entries, and the rendering of parts, carts, orders,
//! shipments, invoices and webhook events in the request's currency and locale.
//!
//! Requests carry canonical decimals (`{"Amount": "0.24", "Currency": "EUR"}`); answers carry
//! localised strings (`"0,24 €"`), as the Mouser-style APIs it imitates do.

use super::catalog::Part;
use super::money::{Cur, format_cents, format_price, line_cents, parse_plain, percent_of, plain};
use super::store::{
    Cart, DAY_MS, Failure, NET_DAYS, Order, Policy, Shortage, Store, shipping_cents,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Return reasons Voltaic accepts.
pub(crate) const RETURN_REASONS: &[&str] = &[
    "Damaged",
    "Defective",
    "WrongItem",
    "NotNeeded",
    "OrderedInError",
    "Other",
];

/// RFC 3339 UTC form of a timestamp.
pub(crate) fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// ISO calendar date (UTC) of a timestamp.
pub(crate) fn date(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_else(|_| ms.to_string())
}

/// One entry of an `Errors` list; the optional fields depend on the code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApiError {
    /// Machine-readable code.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_name: Option<String>,
    /// The customer's line id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_line_id: Option<String>,
    /// Voltaic part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voltaic_part_number: Option<String>,
    /// Quantity asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<u64>,
    /// Quantity available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<u64>,
    /// Next restock date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_restock_date: Option<String>,
    /// Whether a shortfall may be backordered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backorderable: Option<bool>,
    /// Minimum order quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    /// Order multiple.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mult: Option<String>,
    /// Price the customer expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_unit_price: Option<String>,
    /// Price Voltaic charges now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_unit_price: Option<String>,
    /// The order total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// The ceiling the customer set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_total: Option<String>,
    /// The order as it stands (with refusals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Value>,
}

impl ApiError {
    /// An entry with a code and a message.
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_string(),
            message: message.into(),
            ..ApiError::default()
        }
    }
}

/// The body of every error answer.
pub(crate) fn errors_body(errors: &[ApiError]) -> Value {
    json!({ "Errors": errors })
}

/// An amount in a request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MoneyInput {
    /// Canonical decimal, `"0.24"`.
    pub amount: String,
    /// ISO code.
    pub currency: String,
}

/// Reads a [`MoneyInput`] into a currency and ten-thousandths.
pub(crate) fn money_input(m: &MoneyInput, field: &str) -> Result<(Cur, i64), Failure> {
    let cur = Cur::parse(&m.currency).ok_or_else(|| {
        Failure::one(
            400,
            "UnsupportedCurrency",
            format!("{field}.Currency {:?} is not EUR or USD", m.currency),
        )
    })?;
    let amount = parse_plain(&m.amount).ok_or_else(|| {
        Failure::one(
            400,
            "InvalidRequest",
            format!(
                "{field}.Amount {:?} is not a plain decimal such as \"0.24\" (at most 4 decimals)",
                m.amount
            ),
        )
    })?;
    Ok((cur, amount))
}

/// `POST /api/v1/search/keyword`.
#[derive(Debug, Deserialize)]
pub(crate) struct KeywordEnvelope {
    /// The request.
    #[serde(rename = "SearchByKeywordRequest")]
    pub request: KeywordReq,
}

/// A keyword search.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeywordReq {
    /// Words to match; empty browses everything.
    #[serde(default)]
    pub keyword: String,
    /// Page size (1–50).
    #[serde(default = "default_records")]
    pub records: u32,
    /// Zero-based offset of the first record.
    #[serde(default)]
    pub starting_record: u32,
    /// `"InStock"` restricts to parts on hand.
    #[serde(default)]
    pub search_options: Option<String>,
    /// Categories to restrict to.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Currency for prices.
    #[serde(default)]
    pub currency_code: Option<String>,
    /// Locale for prices.
    #[serde(default)]
    pub locale: Option<String>,
}

fn default_records() -> u32 {
    10
}

/// `POST /api/v1/search/partnumber`.
#[derive(Debug, Deserialize)]
pub(crate) struct PartEnvelope {
    /// The request.
    #[serde(rename = "SearchByPartRequest")]
    pub request: PartReq,
}

/// A part-number lookup.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PartReq {
    /// Part numbers, MPNs or GTINs separated by `|`.
    pub part_number: String,
    /// Currency for prices.
    #[serde(default)]
    pub currency_code: Option<String>,
    /// Locale for prices.
    #[serde(default)]
    pub locale: Option<String>,
}

/// `POST /api/v1/cart`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CartReq {
    /// Currency.
    pub currency_code: String,
    /// Locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Destination country.
    pub ship_to_country: String,
    /// Lines.
    pub cart_items: Vec<CartItemReq>,
}

/// One cart line requested.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CartItemReq {
    /// Part.
    pub voltaic_part_number: String,
    /// Pieces.
    pub quantity: u64,
    /// Customer's line id.
    #[serde(default)]
    pub customer_line_id: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AddressReq {
    /// Recipient or place name.
    #[serde(default)]
    pub name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Street lines.
    #[serde(default)]
    pub address_lines: Vec<String>,
    /// City.
    pub city: String,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO country.
    pub country: String,
}

/// `POST /api/v1/order`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct OrderReq {
    /// Cart to order; its prices hold until `ValidUntil`.
    #[serde(default)]
    pub cart_key: Option<String>,
    /// Customer's PO number.
    pub purchase_order_number: String,
    /// Currency.
    pub currency_code: String,
    /// Locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Destination.
    pub ship_to: AddressReq,
    /// Lines (optional with a cart).
    #[serde(default)]
    pub order_lines: Vec<OrderLineReq>,
    /// Ceiling for the order total.
    #[serde(default)]
    pub max_total: Option<MoneyInput>,
    /// `Allow`, `ShipComplete` or `CancelBackorders`.
    #[serde(default)]
    pub backorder_policy: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// One order line requested.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct OrderLineReq {
    /// Customer's line id.
    #[serde(default)]
    pub customer_line_id: Option<String>,
    /// Part.
    pub voltaic_part_number: String,
    /// Pieces.
    pub quantity: u64,
    /// Refuse with PriceChanged if the price differs.
    #[serde(default)]
    pub expected_unit_price: Option<MoneyInput>,
}

/// `POST /api/v1/order/{n}/cancel`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CancelReq {
    /// Lines to cancel; empty = all.
    #[serde(default)]
    pub customer_line_ids: Vec<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/order/{n}/returns`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ReturnReq {
    /// Lines to return.
    pub lines: Vec<ReturnLineReq>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// One line to return.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ReturnLineReq {
    /// The order line.
    pub customer_line_id: String,
    /// Pieces.
    pub quantity: u64,
    /// One of [`RETURN_REASONS`].
    pub reason: String,
}

/// `"15243 In Stock"`.
fn availability_text(stock: u64) -> String {
    format!("{stock} In Stock")
}

/// `"14 Days"`.
fn lead_time_text(days: u32) -> String {
    if days == 1 {
        "1 Day".to_string()
    } else {
        format!("{days} Days")
    }
}

/// A catalogue part in `cur`/`locale`.
pub(crate) fn part_json(store: &Store, index: usize, cur: Cur, locale: &str, now: i64) -> Value {
    let p = &store.parts[index];
    let cheat = &store.dishonesty;
    let mut breaks: Vec<Value> = p
        .breaks(cur, now, store.started)
        .into_iter()
        .map(|(q, price)| {
            let price = if cheat.negative_prices { -price } else { price };
            json!({"Quantity": q, "Price": format_price(cur, locale, price), "Currency": cur.code()})
        })
        .collect();
    if cheat.unsorted_price_breaks {
        breaks.reverse();
    }
    let on_order: Vec<Value> = store
        .pending_restocks(index)
        .into_iter()
        .map(|r| json!({"Quantity": r.quantity.to_string(), "Date": date(r.at)}))
        .collect();
    let attributes: Vec<Value> = p
        .attributes
        .iter()
        .map(|(k, v)| json!({"AttributeName": k, "AttributeValue": v}))
        .collect();
    json!({
        "VoltaicPartNumber": p.number,
        "ManufacturerPartNumber": p.mpn,
        "Manufacturer": p.manufacturer,
        "Description": p.title,
        "LongDescription": p.description,
        "Category": p.category,
        "Keywords": p.keywords,
        "GTIN": p.gtin(),
        "Availability": availability_text(store.stock[index]),
        "AvailabilityInStock": store.stock[index].to_string(),
        "AvailabilityOnOrder": on_order,
        "LeadTime": lead_time_text(p.lead_days),
        "LifecycleStatus": if p.discontinued { Value::from("Discontinued") } else { Value::Null },
        "Backorderable": p.backorderable,
        "Min": p.min.to_string(),
        "Mult": p.mult.to_string(),
        "PriceBreaks": breaks,
        "ProductAttributes": attributes,
        "ProductDetailUrl": format!("https://www.voltaic.example/p/{}", p.number),
        "ImagePath": format!("https://www.voltaic.example/img/{}.jpg", p.number),
    })
}

/// A search or lookup answer.
pub(crate) fn search_json(
    store: &Store,
    parts: &[usize],
    total: usize,
    cur: Cur,
    locale: &str,
    errors: &[ApiError],
    now: i64,
) -> Value {
    let parts: Vec<Value> = parts
        .iter()
        .map(|&i| part_json(store, i, cur, locale, now))
        .collect();
    json!({
        "Errors": errors,
        "AsOf": rfc3339(now),
        "CurrencyCode": cur.code(),
        "Locale": locale,
        "SearchResults": {"NumberOfResult": total, "Parts": parts},
    })
}

fn shipping_method_json(
    cart_country: &super::store::Country,
    cur: Cur,
    locale: &str,
    cost: i64,
) -> Value {
    json!({
        "Id": cart_country.method_id,
        "Carrier": cart_country.carrier,
        "Service": cart_country.service,
        "TransitDays": cart_country.transit_days,
        "Cost": format_cents(cur, locale, cost),
    })
}

/// A cart, with per-line stock and quantity problems.
pub(crate) fn cart_json(store: &Store, cart: &Cart, now: i64) -> Value {
    let (cur, locale) = (cart.cur, cart.locale.as_str());
    let stock = store.cart_line_stock(cart, now);
    let transit = i64::from(cart.country.transit_days) * DAY_MS;
    let mut merchandise = 0;
    let mut tax = 0;
    let items: Vec<Value> = cart
        .items
        .iter()
        .zip(stock)
        .map(|(item, (shortage, ship))| {
            let p = &store.parts[item.part];
            let extended = line_cents(item.unit4, item.qty);
            merchandise += extended;
            tax += percent_of(extended, cart.country.tax_bp);
            let mut errors = Vec::new();
            if !p.quantity_ok(item.qty) {
                errors.push(quantity_rule_error(&item.line_id, p, item.qty));
            }
            if let Some(s) = &shortage {
                errors.push(insufficient_stock_error(&item.line_id, p, item.qty, s));
            }
            json!({
                "CustomerLineId": item.line_id,
                "VoltaicPartNumber": p.number,
                "ManufacturerPartNumber": p.mpn,
                "Manufacturer": p.manufacturer,
                "GTIN": p.gtin(),
                "Description": p.title,
                "Quantity": item.qty,
                "UnitPrice": format_price(cur, locale, item.unit4),
                "ExtendedPrice": format_cents(cur, locale, extended),
                "Availability": availability_text(store.stock[item.part]),
                "LeadTime": lead_time_text(p.lead_days),
                "ExpectedShipDate": date(ship),
                "ExpectedDeliveryDate": date(ship + transit),
                "Errors": errors,
            })
        })
        .collect();
    let shipping = shipping_cents(cur, merchandise);
    tax += percent_of(shipping, cart.country.tax_bp);
    json!({
        "CartKey": cart.key,
        "Status": if now > cart.valid_until { "Expired" } else { "Valid" },
        "CurrencyCode": cur.code(),
        "Locale": locale,
        "ShipToCountry": cart.country.code,
        "AsOf": rfc3339(now),
        "CreatedAt": rfc3339(cart.created),
        "ValidUntil": rfc3339(cart.valid_until),
        "CartItems": items,
        "MerchandiseTotal": format_cents(cur, locale, merchandise),
        "ShippingCost": format_cents(cur, locale, shipping),
        "TaxRate": format!("{}.{:02} %", cart.country.tax_bp / 100, cart.country.tax_bp % 100),
        "Tax": format_cents(cur, locale, tax),
        "Total": format_cents(cur, locale, merchandise + shipping + tax),
        "ShippingMethod": shipping_method_json(cart.country, cur, locale, shipping),
        "PaymentTerms": [{"Id": "NET30", "Label": "Net 30 days", "NetDays": NET_DAYS}],
        "Errors": [],
    })
}

fn line_status(order: &Order, line: &super::store::OrderLine) -> &'static str {
    let active = line.qty - line.cancelled;
    if active == 0 {
        "Cancelled"
    } else if line.shipped >= active {
        "Shipped"
    } else if line.shipped > 0 {
        "PartiallyShipped"
    } else if line.backordered > 0
        || (order.policy == Policy::ShipComplete
            && line.outstanding() > 0
            && order.lines.iter().any(|l| l.backordered > 0))
    {
        "Backordered"
    } else {
        "Confirmed"
    }
}

fn delivered_at(shipment: &super::store::Shipment) -> i64 {
    shipment.shipped_at + i64::from(shipment.country.transit_days) * DAY_MS
}

/// The order's status at `now`.
pub(crate) fn order_status(order: &Order, now: i64) -> &'static str {
    let active: u64 = order.lines.iter().map(|l| l.qty - l.cancelled).sum();
    let shipped: u64 = order.lines.iter().map(|l| l.shipped).sum();
    let outstanding: u64 = order.lines.iter().map(|l| l.outstanding()).sum();
    if active == 0 {
        "Cancelled"
    } else if outstanding == 0 {
        if order.shipments.iter().all(|s| delivered_at(s) <= now) {
            "Delivered"
        } else {
            "Shipped"
        }
    } else if shipped > 0 {
        "PartiallyShipped"
    } else if order.policy == Policy::ShipComplete {
        "AwaitingStock"
    } else if order.lines.iter().any(|l| l.backordered > 0) {
        "Backordered"
    } else {
        "Confirmed"
    }
}

/// An order in its own locale.
pub(crate) fn order_json(store: &Store, index: usize, now: i64) -> Value {
    let order = &store.orders[index];
    order_json_in(store, order, &order.locale, now)
}

/// An order rendered in `locale`.
pub(crate) fn order_json_in(store: &Store, order: &Order, locale: &str, now: i64) -> Value {
    let cur = order.cur;
    let transit = i64::from(order.country.transit_days) * DAY_MS;
    let lines: Vec<Value> = order
        .lines
        .iter()
        .map(|l| {
            let p = &store.parts[l.part];
            let outstanding = l.outstanding();
            json!({
                "CustomerLineId": l.line_id,
                "VoltaicPartNumber": p.number,
                "ManufacturerPartNumber": p.mpn,
                "Manufacturer": p.manufacturer,
                "GTIN": p.gtin(),
                "Description": p.title,
                "Quantity": l.qty,
                "QuantityConfirmed": l.qty - l.cancelled,
                "QuantityShipped": l.shipped,
                "QuantityBackordered": l.backordered,
                "QuantityCancelled": l.cancelled,
                "UnitPrice": format_price(cur, locale, l.unit4),
                "ExtendedPrice": format_cents(cur, locale, order.extended(l)),
                "Status": line_status(order, l),
                "ExpectedShipDate": if outstanding > 0 { Value::from(date(l.expected_ship)) } else { Value::Null },
                "ExpectedDeliveryDate": if outstanding > 0 { Value::from(date(l.expected_ship + transit)) } else { Value::Null },
                "Note": if l.backordered > 0 {
                    Value::from(format!("{} backordered, expected to ship {}", l.backordered, date(l.expected_ship)))
                } else if l.cancelled > 0 && l.cancelled < l.qty {
                    Value::from(format!("{} cancelled", l.cancelled))
                } else {
                    Value::Null
                },
            })
        })
        .collect();
    let merchandise = order.merchandise();
    let tax = order.tax();
    json!({
        "OrderNumber": order.number,
        "PurchaseOrderNumber": order.po,
        "CartKey": order.cart_key,
        "Status": order_status(order, now),
        "BackorderPolicy": match order.policy {
            Policy::Allow => "Allow",
            Policy::ShipComplete => "ShipComplete",
            Policy::CancelBackorders => "CancelBackorders",
        },
        "CurrencyCode": cur.code(),
        "Locale": locale,
        "AsOf": rfc3339(now),
        "CreatedAt": rfc3339(order.created),
        "UpdatedAt": rfc3339(order.updated),
        "ShipTo": order.ship_to,
        "OrderLines": lines,
        "MerchandiseTotal": format_cents(cur, locale, merchandise),
        "ShippingCost": format_cents(cur, locale, order.shipping),
        "Tax": format_cents(cur, locale, tax),
        "OrderTotal": format_cents(cur, locale, merchandise + order.shipping + tax),
        "ShippingMethod": shipping_method_json(order.country, cur, locale, order.shipping),
        "Messages": order.messages,
        "OrderUrl": format!("https://www.voltaic.example/account/orders/{}", order.number),
    })
}

/// The tracking events of a shipment that have happened by `now`.
fn tracking_events(s: &super::store::Shipment, now: i64) -> Vec<Value> {
    let delivered = delivered_at(s);
    let steps = [
        (
            s.shipped_at,
            "Shipped",
            "Handed to the carrier",
            "Munich, DE",
        ),
        (
            s.shipped_at + 6 * 3_600_000,
            "InTransit",
            "In transit to the destination hub",
            "Hub",
        ),
        (
            delivered - 4 * 3_600_000,
            "OutForDelivery",
            "With the driver",
            "Destination",
        ),
        (delivered, "Delivered", "Delivered", "Destination"),
    ];
    steps
        .iter()
        .filter(|(at, ..)| *at <= now)
        .map(|(at, code, text, place)| json!({"Timestamp": rfc3339(*at), "Code": code, "Description": text, "Location": place}))
        .collect()
}

/// The shipments of an order.
pub(crate) fn shipments_json(order: &Order, now: i64) -> Value {
    let list: Vec<Value> = order
        .shipments
        .iter()
        .map(|s| {
            let events = tracking_events(s, now);
            let status = events
                .last()
                .and_then(|e| e.get("Code"))
                .cloned()
                .unwrap_or_else(|| Value::from("LabelCreated"));
            let delivered = delivered_at(s);
            let tracking_url = match s.country.carrier {
                "UPS" => format!("https://www.ups.com/track?tracknum={}", s.tracking),
                _ => format!("https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}", s.tracking),
            };
            let lines: Vec<Value> = s
                .lines
                .iter()
                .map(|(id, q, outstanding)| {
                    json!({"CustomerLineId": id, "Quantity": q, "Outstanding": outstanding,
                           "OutstandingReason": if *outstanding > 0 { Value::from("Backordered") } else { Value::Null },
                           "LotNumber": s.lot})
                })
                .collect();
            json!({
                "ShipmentId": s.id,
                "OrderNumber": order.number,
                "Status": status,
                "Carrier": s.country.carrier,
                "Service": s.country.service,
                "TrackingNumber": s.tracking,
                "TrackingUrl": tracking_url,
                "ShippedAt": rfc3339(s.shipped_at),
                "EstimatedDelivery": date(delivered),
                "DeliveredAt": if delivered <= now { Value::from(rfc3339(delivered)) } else { Value::Null },
                "Lines": lines,
                "Events": events,
            })
        })
        .collect();
    json!({"OrderNumber": order.number, "Shipments": list})
}

/// One invoice.
fn invoice_json(order: &Order, inv: &super::store::Invoice, locale: &str) -> Value {
    let cur = order.cur;
    let mut net = 0;
    let mut tax = 0;
    let lines: Vec<Value> = inv
        .lines
        .iter()
        .map(|(id, q, unit4)| {
            let amount = line_cents(*unit4, *q);
            let line_tax = percent_of(amount, inv.tax_bp);
            net += amount;
            tax += line_tax;
            json!({"CustomerLineId": id, "Quantity": q, "UnitPrice": format_price(cur, locale, *unit4),
                   "NetAmount": format_cents(cur, locale, amount), "TaxAmount": format_cents(cur, locale, line_tax)})
        })
        .collect();
    tax += percent_of(inv.shipping, inv.tax_bp);
    json!({
        "InvoiceNumber": inv.number,
        "OrderNumber": order.number,
        "IssuedAt": rfc3339(inv.issued),
        "DueDate": date(inv.issued + i64::from(NET_DAYS) * DAY_MS),
        "Status": "Open",
        "CurrencyCode": cur.code(),
        "Locale": locale,
        "Lines": lines,
        "NetAmount": format_cents(cur, locale, net),
        "ShippingCost": format_cents(cur, locale, inv.shipping),
        "Tax": format_cents(cur, locale, tax),
        "Total": format_cents(cur, locale, net + inv.shipping + tax),
        "DocumentUrl": format!("https://www.voltaic.example/account/invoices/{}.pdf", inv.number),
    })
}

/// The invoices of an order.
pub(crate) fn invoices_json(order: &Order) -> Value {
    let list: Vec<Value> = order
        .invoices
        .iter()
        .map(|i| invoice_json(order, i, &order.locale))
        .collect();
    json!({"OrderNumber": order.number, "Invoices": list})
}

/// A return authorisation.
pub(crate) fn rma_json(order: &Order, rma: &super::store::Rma) -> Value {
    let lines: Vec<Value> = rma
        .lines
        .iter()
        .map(|(id, q, reason)| json!({"CustomerLineId": id, "Quantity": q, "Reason": reason}))
        .collect();
    json!({
        "RmaNumber": rma.number,
        "OrderNumber": order.number,
        "Status": "Authorized",
        "CurrencyCode": order.cur.code(),
        "Locale": order.locale,
        "Lines": lines,
        "LabelUrl": format!("https://www.voltaic.example/returns/{}/label.pdf", rma.number),
        "Instructions": format!("Pack the goods with the RMA number {} on the parcel and ship within 14 days.", rma.number),
        "RefundEstimate": format_cents(order.cur, &order.locale, rma.refund_cents),
        "CustomerNotes": rma.notes,
    })
}

/// Webhook data: the order.
pub(crate) fn order_event(store: &Store, index: usize, now: i64) -> Value {
    json!({"Order": order_json(store, index, now)})
}

/// Webhook data: the order's latest shipment.
pub(crate) fn shipment_event(store: &Store, index: usize, now: i64) -> Value {
    let order = &store.orders[index];
    let all = shipments_json(order, now);
    let latest = all
        .get("Shipments")
        .and_then(Value::as_array)
        .and_then(|l| l.last())
        .cloned()
        .unwrap_or(Value::Null);
    json!({"Shipment": latest})
}

/// Webhook data: the order's latest invoice.
pub(crate) fn invoice_event(store: &Store, index: usize, _now: i64) -> Value {
    let order = &store.orders[index];
    let latest = order
        .invoices
        .last()
        .map(|i| invoice_json(order, i, &order.locale))
        .unwrap_or(Value::Null);
    json!({"Invoice": latest})
}

/// The raw body of a webhook.
pub(crate) fn event_body(seq: u64, kind: &str, data: Value) -> Vec<u8> {
    let created = data
        .pointer("/Order/UpdatedAt")
        .or_else(|| data.pointer("/Shipment/ShippedAt"))
        .or_else(|| data.pointer("/Invoice/IssuedAt"))
        .cloned()
        .unwrap_or(Value::Null);
    let body = json!({"EventId": format!("evt_{seq:08}"), "EventType": kind, "CreatedAt": created, "Data": data});
    serde_json::to_vec(&body).unwrap_or_default()
}

/// `QuantityRule` for a line.
pub(crate) fn quantity_rule_error(line_id: &str, p: &Part, qty: u64) -> ApiError {
    let mut e = ApiError::new(
        "QuantityRule",
        format!(
            "line {line_id}: {qty} x {} does not meet Min {} / Mult {}",
            p.number, p.min, p.mult
        ),
    );
    e.customer_line_id = Some(line_id.to_string());
    e.voltaic_part_number = Some(p.number.to_string());
    e.requested = Some(qty);
    e.min = Some(p.min.to_string());
    e.mult = Some(p.mult.to_string());
    e
}

/// `InsufficientStock` for a line.
pub(crate) fn insufficient_stock_error(
    line_id: &str,
    p: &Part,
    qty: u64,
    s: &Shortage,
) -> ApiError {
    let restock = s.next_restock.map(date);
    let mut e = ApiError::new(
        "InsufficientStock",
        format!(
            "line {line_id}: {qty} x {} wanted, {} available{}{}",
            p.number,
            s.available,
            restock
                .as_ref()
                .map(|d| format!(", next restock {d}"))
                .unwrap_or_default(),
            if p.backorderable {
                ""
            } else {
                "; this part cannot be backordered"
            }
        ),
    );
    e.customer_line_id = Some(line_id.to_string());
    e.voltaic_part_number = Some(p.number.to_string());
    e.requested = Some(qty);
    e.available = Some(s.available);
    e.next_restock_date = restock;
    e.backorderable = Some(p.backorderable);
    e
}

/// `PriceChanged` for a line.
pub(crate) fn price_changed_error(
    line_id: &str,
    exp_cur: Cur,
    exp4: i64,
    cur: Cur,
    unit4: i64,
    locale: &str,
) -> ApiError {
    let expected = format_price(exp_cur, locale, exp4);
    let current = format_price(cur, locale, unit4);
    let mut e = ApiError::new(
        "PriceChanged",
        format!(
            "line {line_id}: expected {} {}, the price is now {} {}",
            plain(exp4),
            exp_cur.code(),
            plain(unit4),
            cur.code()
        ),
    );
    e.customer_line_id = Some(line_id.to_string());
    e.expected_unit_price = Some(expected);
    e.current_unit_price = Some(current);
    e
}

/// `MaxTotalExceeded`.
pub(crate) fn max_total_error(
    cur: Cur,
    total: i64,
    max_cur: Cur,
    max4: i64,
    locale: &str,
) -> ApiError {
    let mut e = ApiError::new(
        "MaxTotalExceeded",
        format!(
            "order total {} exceeds MaxTotal {} {}",
            format_cents(cur, "en-US", total),
            plain(max4),
            max_cur.code()
        ),
    );
    e.total = Some(format_cents(cur, locale, total));
    e.max_total = Some(format_price(max_cur, locale, max4));
    e
}
