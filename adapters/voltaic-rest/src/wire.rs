//! Voltaic's JSON as it arrives, before translation. Numbers stay the localised strings the
//! supplier sends (`"0,24 €"`, `"15243 In Stock"`); `translate` reads them exactly.

use serde::Deserialize;

/// One entry of Voltaic's `Errors` list; which optional fields are set depends on `Code`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ApiError {
    /// Machine-readable code (`InsufficientStock`, `PriceChanged`, …).
    pub code: String,
    /// Text for people.
    pub message: String,
    /// The request field concerned.
    pub property_name: Option<String>,
    /// The buyer's line id.
    pub customer_line_id: Option<String>,
    /// Voltaic part number.
    pub voltaic_part_number: Option<String>,
    /// Quantity asked for.
    pub requested: Option<u64>,
    /// Quantity available.
    pub available: Option<u64>,
    /// Next restock date, `YYYY-MM-DD`.
    pub next_restock_date: Option<String>,
    /// Whether the part may be backordered.
    pub backorderable: Option<bool>,
    /// Minimum order quantity.
    pub min: Option<String>,
    /// Order multiple.
    pub mult: Option<String>,
    /// The price the buyer expected, localised.
    pub expected_unit_price: Option<String>,
    /// The price now, localised.
    pub current_unit_price: Option<String>,
    /// The order total, localised.
    pub total: Option<String>,
    /// The ceiling that was set, localised.
    pub max_total: Option<String>,
    /// The order as it stands (with `CancelRefused`).
    pub order: Option<Order>,
}

/// An error answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// The entries.
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// A keyword search or part-number lookup answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchResponse {
    /// Supplier time of the answer, RFC 3339.
    pub as_of: String,
    /// Currency of all prices.
    pub currency_code: String,
    /// Locale of all numbers.
    pub locale: String,
    /// The results.
    pub search_results: SearchResults,
}

/// Results of a search.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchResults {
    /// Matches in total (all pages).
    pub number_of_result: u64,
    /// This page.
    #[serde(default)]
    pub parts: Vec<Part>,
}

/// A catalogue part.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Part {
    /// Voltaic part number.
    pub voltaic_part_number: String,
    /// Manufacturer part number.
    pub manufacturer_part_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Short description (title).
    pub description: String,
    /// Longer description.
    pub long_description: Option<String>,
    /// Product category.
    pub category: Option<String>,
    /// GTIN-13.
    #[serde(rename = "GTIN")]
    pub gtin: Option<String>,
    /// `"15243 In Stock"`.
    pub availability: String,
    /// Planned restocks.
    #[serde(default)]
    pub availability_on_order: Vec<OnOrder>,
    /// `"14 Days"`.
    pub lead_time: Option<String>,
    /// `"Discontinued"` or absent.
    pub lifecycle_status: Option<String>,
    /// Whether shortfalls may be backordered.
    #[serde(default = "yes")]
    pub backorderable: bool,
    /// Minimum order quantity, as a string.
    pub min: String,
    /// Order multiple, as a string.
    pub mult: String,
    /// Price breaks.
    #[serde(default)]
    pub price_breaks: Vec<PriceBreak>,
    /// Technical attributes.
    #[serde(default)]
    pub product_attributes: Vec<Attribute>,
    /// Product page.
    pub product_detail_url: Option<String>,
    /// Image.
    pub image_path: Option<String>,
}

fn yes() -> bool {
    true
}

/// A planned restock.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnOrder {
    /// Pieces, as a string.
    pub quantity: String,
    /// Arrival date, `YYYY-MM-DD`.
    pub date: String,
}

/// A price break.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PriceBreak {
    /// From this many pieces.
    pub quantity: u64,
    /// Localised unit price.
    pub price: String,
    /// ISO currency.
    pub currency: String,
}

/// A technical attribute.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    /// Name.
    pub attribute_name: String,
    /// Value.
    pub attribute_value: String,
}

/// A cart (the quote).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cart {
    /// Key, used as the quote id.
    pub cart_key: String,
    /// `Valid` or `Expired`.
    pub status: String,
    /// Currency.
    pub currency_code: String,
    /// Locale of the numbers.
    pub locale: String,
    /// Supplier time of the answer.
    pub as_of: String,
    /// When made.
    pub created_at: String,
    /// Prices guaranteed until.
    pub valid_until: String,
    /// Lines.
    pub cart_items: Vec<CartItem>,
    /// Sum of the lines.
    pub merchandise_total: String,
    /// Shipping.
    pub shipping_cost: String,
    /// VAT.
    pub tax: String,
    /// Grand total.
    pub total: String,
    /// How it ships.
    pub shipping_method: ShippingMethod,
    /// Payment terms.
    #[serde(default)]
    pub payment_terms: Vec<PaymentTerm>,
}

/// One cart line.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CartItem {
    /// Buyer's line id.
    pub customer_line_id: String,
    /// Part.
    pub voltaic_part_number: String,
    /// MPN.
    pub manufacturer_part_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// GTIN.
    #[serde(rename = "GTIN")]
    pub gtin: Option<String>,
    /// Title.
    pub description: String,
    /// Pieces.
    pub quantity: u64,
    /// Localised unit price.
    pub unit_price: String,
    /// Localised line total.
    pub extended_price: String,
    /// `"15243 In Stock"`.
    pub availability: String,
    /// `"14 Days"`.
    pub lead_time: Option<String>,
    /// Expected delivery, `YYYY-MM-DD`.
    pub expected_delivery_date: Option<String>,
    /// Stock and quantity problems.
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// The shipping method of a cart or order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShippingMethod {
    /// Method id.
    pub id: String,
    /// Carrier.
    pub carrier: String,
    /// Service level.
    pub service: String,
    /// Localised cost.
    pub cost: String,
}

/// A payment term.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentTerm {
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Days until due.
    pub net_days: Option<u32>,
}

/// An order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Order {
    /// Voltaic's order number.
    pub order_number: String,
    /// Buyer PO.
    pub purchase_order_number: String,
    /// The cart it came from.
    pub cart_key: Option<String>,
    /// `Confirmed`, `Backordered`, `AwaitingStock`, `PartiallyShipped`, `Shipped`,
    /// `Delivered`, `Cancelled`.
    pub status: String,
    /// Currency.
    pub currency_code: String,
    /// Locale of the numbers.
    pub locale: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Lines.
    pub order_lines: Vec<OrderLine>,
    /// Sum of the lines.
    pub merchandise_total: String,
    /// Shipping.
    pub shipping_cost: String,
    /// VAT.
    pub tax: String,
    /// Grand total.
    pub order_total: String,
    /// Notes from Voltaic.
    #[serde(default)]
    pub messages: Vec<String>,
    /// Order page.
    pub order_url: Option<String>,
}

/// One order line.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderLine {
    /// Buyer's line id.
    pub customer_line_id: String,
    /// Part.
    pub voltaic_part_number: String,
    /// MPN.
    pub manufacturer_part_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// GTIN.
    #[serde(rename = "GTIN")]
    pub gtin: Option<String>,
    /// Pieces ordered.
    pub quantity: u64,
    /// Pieces confirmed.
    pub quantity_confirmed: u64,
    /// Pieces shipped.
    pub quantity_shipped: u64,
    /// Pieces waiting for a restock.
    pub quantity_backordered: u64,
    /// Pieces cancelled.
    pub quantity_cancelled: u64,
    /// Localised unit price.
    pub unit_price: String,
    /// Localised line total.
    pub extended_price: String,
    /// `Confirmed`, `Backordered`, `PartiallyShipped`, `Shipped`, `Cancelled`.
    pub status: String,
    /// Expected delivery of what is outstanding, `YYYY-MM-DD`.
    pub expected_delivery_date: Option<String>,
    /// Voltaic's note.
    pub note: Option<String>,
}

/// A cancellation answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelResponse {
    /// `Cancelled` or `PartiallyCancelled`.
    pub result: String,
    /// The order afterwards.
    pub order: Order,
}

/// Orders carrying a PO number.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdersByPo {
    /// Oldest first.
    pub orders: Vec<Order>,
}

/// Shipments of an order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shipments {
    /// Oldest first.
    pub shipments: Vec<Shipment>,
}

/// A shipment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shipment {
    /// Id.
    pub shipment_id: String,
    /// Order.
    pub order_number: String,
    /// `Shipped`, `InTransit`, `OutForDelivery`, `Delivered`.
    pub status: String,
    /// Carrier.
    pub carrier: Option<String>,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Tracking page.
    pub tracking_url: Option<String>,
    /// Handed to the carrier, RFC 3339.
    pub shipped_at: Option<String>,
    /// Expected delivery, `YYYY-MM-DD`.
    pub estimated_delivery: Option<String>,
    /// Delivered, RFC 3339.
    pub delivered_at: Option<String>,
    /// Lines.
    #[serde(default)]
    pub lines: Vec<ShipmentLine>,
    /// Tracking events, oldest first.
    #[serde(default)]
    pub events: Vec<TrackingEvent>,
}

/// A shipment line.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShipmentLine {
    /// Order line.
    pub customer_line_id: String,
    /// Pieces in this shipment.
    pub quantity: u64,
    /// Pieces still to come.
    pub outstanding: Option<u64>,
    /// Why they are outstanding.
    pub outstanding_reason: Option<String>,
    /// Lot.
    pub lot_number: Option<String>,
}

/// A tracking event.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingEvent {
    /// When, RFC 3339.
    pub timestamp: String,
    /// Code.
    pub code: String,
    /// Text.
    pub description: Option<String>,
    /// Where.
    pub location: Option<String>,
}

/// Invoices of an order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoices {
    /// Oldest first.
    pub invoices: Vec<Invoice>,
}

/// An invoice.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    /// Number.
    pub invoice_number: String,
    /// Order.
    pub order_number: String,
    /// Issued, RFC 3339.
    pub issued_at: String,
    /// Due, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// `Open`, `Paid`, …
    pub status: String,
    /// Currency.
    pub currency_code: String,
    /// Locale of the numbers.
    pub locale: String,
    /// Lines.
    pub lines: Vec<InvoiceLine>,
    /// Net of the lines.
    pub net_amount: String,
    /// Shipping billed.
    pub shipping_cost: String,
    /// VAT.
    pub tax: String,
    /// Grand total.
    pub total: String,
    /// PDF.
    pub document_url: Option<String>,
}

/// An invoice line.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvoiceLine {
    /// Order line.
    pub customer_line_id: String,
    /// Pieces billed.
    pub quantity: u64,
    /// Localised unit price.
    pub unit_price: String,
    /// Localised net.
    pub net_amount: String,
    /// Localised VAT.
    pub tax_amount: String,
}

/// A return authorisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rma {
    /// RMA number.
    pub rma_number: String,
    /// `Authorized`, …
    pub status: String,
    /// Currency of the refund.
    pub currency_code: String,
    /// Locale of the refund amount.
    pub locale: String,
    /// Return label.
    pub label_url: Option<String>,
    /// What to do.
    pub instructions: Option<String>,
    /// Localised refund estimate.
    pub refund_estimate: Option<String>,
}

/// A webhook body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Webhook {
    /// Event id.
    pub event_id: String,
    /// `order.updated`, `shipment.created`, `invoice.issued`.
    pub event_type: String,
    /// The resource.
    pub data: WebhookData,
}

/// What a webhook carries; exactly one is set, matching the event type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct WebhookData {
    /// For `order.updated`.
    pub order: Option<Order>,
    /// For `shipment.created`.
    pub shipment: Option<Shipment>,
    /// For `invoice.issued`.
    pub invoice: Option<Invoice>,
}
