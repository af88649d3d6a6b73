//! Orders, cancellations, shipments, invoices and returns.

#[allow(unused_imports, reason = "each file takes what it names")]
use super::*;
use crate::contract as c;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the supplier may do when not everything is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartialDelivery {
    /// Ship what is available now, the rest later.
    Allow,
    /// Hold the order until everything can ship together.
    ShipComplete,
    /// Ship what is available and cancel the rest.
    CancelBackorders,
}

impl From<c::PartialDelivery> for PartialDelivery {
    fn from(v: c::PartialDelivery) -> Self {
        match v {
            c::PartialDelivery::Allow => PartialDelivery::Allow,
            c::PartialDelivery::ShipComplete => PartialDelivery::ShipComplete,
            c::PartialDelivery::CancelBackorders => PartialDelivery::CancelBackorders,
        }
    }
}

impl From<PartialDelivery> for c::PartialDelivery {
    fn from(v: PartialDelivery) -> Self {
        match v {
            PartialDelivery::Allow => c::PartialDelivery::Allow,
            PartialDelivery::ShipComplete => c::PartialDelivery::ShipComplete,
            PartialDelivery::CancelBackorders => c::PartialDelivery::CancelBackorders,
        }
    }
}

/// A scoped one-time payment token (ACP delegated payment allowance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegatedToken {
    /// Payment handler that issued it.
    pub handler: String,
    /// The token.
    pub token: String,
    /// Most it may be charged.
    pub max: Money,
    /// When it stops working.
    pub expires_at: i64,
}

impl From<c::DelegatedToken> for DelegatedToken {
    fn from(v: c::DelegatedToken) -> Self {
        DelegatedToken {
            handler: v.handler,
            token: v.token,
            max: v.max.into(),
            expires_at: v.expires_at,
        }
    }
}

impl From<DelegatedToken> for c::DelegatedToken {
    fn from(v: DelegatedToken) -> Self {
        c::DelegatedToken {
            handler: v.handler,
            token: v.token,
            max: v.max.into(),
            expires_at: v.expires_at,
        }
    }
}

/// How the order is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaymentInstruction {
    /// Invoice on the buyer's account (cXML, UBL, X12 default); optional payment-term id.
    OnAccount {
        /// The payment term's id, if not the account's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment_term: Option<String>,
    },
    /// A saved instrument the supplier holds, by its reference.
    SavedMethod {
        /// The supplier's reference of the saved instrument.
        reference: String,
    },
    /// A delegated one-time token.
    Delegated(DelegatedToken),
}

impl From<c::PaymentInstruction> for PaymentInstruction {
    fn from(v: c::PaymentInstruction) -> Self {
        match v {
            c::PaymentInstruction::OnAccount(v) => {
                PaymentInstruction::OnAccount { payment_term: v }
            }
            c::PaymentInstruction::SavedMethod(v) => {
                PaymentInstruction::SavedMethod { reference: v }
            }
            c::PaymentInstruction::Delegated(v) => PaymentInstruction::Delegated(v.into()),
        }
    }
}

impl From<PaymentInstruction> for c::PaymentInstruction {
    fn from(v: PaymentInstruction) -> Self {
        match v {
            PaymentInstruction::OnAccount { payment_term } => {
                c::PaymentInstruction::OnAccount(payment_term)
            }
            PaymentInstruction::SavedMethod { reference } => {
                c::PaymentInstruction::SavedMethod(reference)
            }
            PaymentInstruction::Delegated(v) => c::PaymentInstruction::Delegated(v.into()),
        }
    }
}

/// Proof that a principal authorised the purchase (AP2 mandate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationEvidence {
    /// Format, e.g. "ap2-checkout-mandate+sd-jwt".
    pub format: String,
    /// The encoded evidence.
    pub mandate: String,
}

impl From<c::AuthorizationEvidence> for AuthorizationEvidence {
    fn from(v: c::AuthorizationEvidence) -> Self {
        AuthorizationEvidence {
            format: v.format,
            mandate: v.mandate,
        }
    }
}

impl From<AuthorizationEvidence> for c::AuthorizationEvidence {
    fn from(v: AuthorizationEvidence) -> Self {
        c::AuthorizationEvidence {
            format: v.format,
            mandate: v.mandate,
        }
    }
}

/// One line to order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRequest {
    /// Caller's id for the line, echoed in the order: not blank, and unique in the order.
    #[schemars(regex(pattern = r"\S"))]
    pub line_id: String,
    /// The item.
    pub item: ItemRef,
    /// Offer token from catalogue or quote, echoed to the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_token: Option<String>,
    /// Quantity to order.
    #[schemars(with = "super::WantedQuantity")]
    pub quantity: Quantity,
    /// If the supplier's price differs, refuse with `price_changed` (Amazon ExpectedUnitPrice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<super::WantedPrice>")]
    pub expected_unit_price: Option<Price>,
}

impl From<c::OrderLineRequest> for OrderLineRequest {
    fn from(v: c::OrderLineRequest) -> Self {
        OrderLineRequest {
            line_id: v.line_id,
            item: v.item.into(),
            offer_token: v.offer_token,
            quantity: v.quantity.into(),
            expected_unit_price: v.expected_unit_price.map(Into::into),
        }
    }
}

impl From<OrderLineRequest> for c::OrderLineRequest {
    fn from(v: OrderLineRequest) -> Self {
        c::OrderLineRequest {
            line_id: v.line_id,
            item: v.item.into(),
            offer_token: v.offer_token,
            quantity: v.quantity.into(),
            expected_unit_price: v.expected_unit_price.map(Into::into),
        }
    }
}

/// The supplier's acknowledgement of an order as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Received; the decision comes later (through `GET /v1/orders/{supplier}/{order_id}` or inbound documents).
    Received,
    /// Accepted as ordered.
    Accepted,
    /// Accepted with changes to some lines.
    AcceptedWithChanges,
    /// Rejected.
    Rejected,
    /// Waiting for review by the supplier.
    PendingReview,
}

impl From<c::AckStatus> for AckStatus {
    fn from(v: c::AckStatus) -> Self {
        match v {
            c::AckStatus::Received => AckStatus::Received,
            c::AckStatus::Accepted => AckStatus::Accepted,
            c::AckStatus::AcceptedWithChanges => AckStatus::AcceptedWithChanges,
            c::AckStatus::Rejected => AckStatus::Rejected,
            c::AckStatus::PendingReview => AckStatus::PendingReview,
        }
    }
}

impl From<AckStatus> for c::AckStatus {
    fn from(v: AckStatus) -> Self {
        match v {
            AckStatus::Received => c::AckStatus::Received,
            AckStatus::Accepted => c::AckStatus::Accepted,
            AckStatus::AcceptedWithChanges => c::AckStatus::AcceptedWithChanges,
            AckStatus::Rejected => c::AckStatus::Rejected,
            AckStatus::PendingReview => c::AckStatus::PendingReview,
        }
    }
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Sent, not yet confirmed.
    Submitted,
    /// Confirmed by the supplier.
    Confirmed,
    /// Held by the supplier.
    OnHold,
    /// Being picked and packed.
    Processing,
    /// Some lines have shipped.
    PartiallyShipped,
    /// Everything has shipped.
    Shipped,
    /// Everything has been delivered.
    Delivered,
    /// Closed.
    Completed,
    /// Cancellation asked for, not yet confirmed.
    CancelRequested,
    /// Cancelled.
    Cancelled,
    /// Rejected by the supplier.
    Rejected,
}

impl From<c::OrderStatus> for OrderStatus {
    fn from(v: c::OrderStatus) -> Self {
        match v {
            c::OrderStatus::Submitted => OrderStatus::Submitted,
            c::OrderStatus::Confirmed => OrderStatus::Confirmed,
            c::OrderStatus::OnHold => OrderStatus::OnHold,
            c::OrderStatus::Processing => OrderStatus::Processing,
            c::OrderStatus::PartiallyShipped => OrderStatus::PartiallyShipped,
            c::OrderStatus::Shipped => OrderStatus::Shipped,
            c::OrderStatus::Delivered => OrderStatus::Delivered,
            c::OrderStatus::Completed => OrderStatus::Completed,
            c::OrderStatus::CancelRequested => OrderStatus::CancelRequested,
            c::OrderStatus::Cancelled => OrderStatus::Cancelled,
            c::OrderStatus::Rejected => OrderStatus::Rejected,
        }
    }
}

impl From<OrderStatus> for c::OrderStatus {
    fn from(v: OrderStatus) -> Self {
        match v {
            OrderStatus::Submitted => c::OrderStatus::Submitted,
            OrderStatus::Confirmed => c::OrderStatus::Confirmed,
            OrderStatus::OnHold => c::OrderStatus::OnHold,
            OrderStatus::Processing => c::OrderStatus::Processing,
            OrderStatus::PartiallyShipped => c::OrderStatus::PartiallyShipped,
            OrderStatus::Shipped => c::OrderStatus::Shipped,
            OrderStatus::Delivered => c::OrderStatus::Delivered,
            OrderStatus::Completed => c::OrderStatus::Completed,
            OrderStatus::CancelRequested => c::OrderStatus::CancelRequested,
            OrderStatus::Cancelled => c::OrderStatus::Cancelled,
            OrderStatus::Rejected => c::OrderStatus::Rejected,
        }
    }
}

/// One line of an order, with its quantities through fulfilment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// The caller's line id.
    pub line_id: String,
    /// The item.
    pub item: ItemIds,
    /// Quantity ordered.
    pub ordered: Quantity,
    /// Quantity the supplier confirmed.
    pub confirmed: Quantity,
    /// Quantity shipped so far.
    pub shipped: Quantity,
    /// Quantity cancelled.
    pub cancelled: Quantity,
    /// Unit price charged.
    pub unit_price: Price,
    /// Line total, rounded once by the supplier.
    pub line_total: Money,
    /// Status of the line.
    pub status: LineStatus,
    /// Delivery the supplier promises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_delivery: Option<TimeWindow>,
    /// Supplier's note on the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<c::OrderLine> for OrderLine {
    fn from(v: c::OrderLine) -> Self {
        OrderLine {
            line_id: v.line_id,
            item: v.item.into(),
            ordered: v.ordered.into(),
            confirmed: v.confirmed.into(),
            shipped: v.shipped.into(),
            cancelled: v.cancelled.into(),
            unit_price: v.unit_price.into(),
            line_total: v.line_total.into(),
            status: v.status.into(),
            promised_delivery: v.promised_delivery.map(Into::into),
            note: v.note,
        }
    }
}

impl From<OrderLine> for c::OrderLine {
    fn from(v: OrderLine) -> Self {
        c::OrderLine {
            line_id: v.line_id,
            item: v.item.into(),
            ordered: v.ordered.into(),
            confirmed: v.confirmed.into(),
            shipped: v.shipped.into(),
            cancelled: v.cancelled.into(),
            unit_price: v.unit_price.into(),
            line_total: v.line_total.into(),
            status: v.status.into(),
            promised_delivery: v.promised_delivery.map(Into::into),
            note: v.note,
        }
    }
}

/// An order as the supplier knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Supplier's order id.
    pub order_id: String,
    /// Buyer's purchase order number.
    pub buyer_po: String,
    /// The quote it accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_id: Option<String>,
    /// Acknowledgement.
    pub ack: AckStatus,
    /// Current status.
    pub status: OrderStatus,
    /// When the supplier created it.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// Currency of all amounts.
    pub currency: String,
    /// Lines.
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    /// Totals.
    pub totals: Totals,
    /// Notes and soft problems.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Page where a human can see the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
}

impl From<c::Order> for Order {
    fn from(v: c::Order) -> Self {
        Order {
            order_id: v.order_id,
            buyer_po: v.buyer_po,
            quote_id: v.quote_id,
            ack: v.ack.into(),
            status: v.status.into(),
            created_at: v.created_at,
            updated_at: v.updated_at,
            currency: v.currency,
            lines: v.lines.into_iter().map(Into::into).collect(),
            totals: v.totals.into(),
            messages: v.messages.into_iter().map(Into::into).collect(),
            permalink: v.permalink,
        }
    }
}

impl From<Order> for c::Order {
    fn from(v: Order) -> Self {
        c::Order {
            order_id: v.order_id,
            buyer_po: v.buyer_po,
            quote_id: v.quote_id,
            ack: v.ack.into(),
            status: v.status.into(),
            created_at: v.created_at,
            updated_at: v.updated_at,
            currency: v.currency,
            lines: v.lines.into_iter().map(Into::into).collect(),
            totals: v.totals.into(),
            messages: v.messages.into_iter().map(Into::into).collect(),
            permalink: v.permalink,
        }
    }
}

/// What became of a cancellation request (a supplier may refuse, as Peppol allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelStatus {
    /// Everything asked for is cancelled.
    Cancelled,
    /// Some of it is cancelled.
    PartiallyCancelled,
    /// Asked; the supplier decides later.
    Requested,
    /// The supplier refused.
    Refused,
}

impl From<c::CancelStatus> for CancelStatus {
    fn from(v: c::CancelStatus) -> Self {
        match v {
            c::CancelStatus::Cancelled => CancelStatus::Cancelled,
            c::CancelStatus::PartiallyCancelled => CancelStatus::PartiallyCancelled,
            c::CancelStatus::Requested => CancelStatus::Requested,
            c::CancelStatus::Refused => CancelStatus::Refused,
        }
    }
}

impl From<CancelStatus> for c::CancelStatus {
    fn from(v: CancelStatus) -> Self {
        match v {
            CancelStatus::Cancelled => c::CancelStatus::Cancelled,
            CancelStatus::PartiallyCancelled => c::CancelStatus::PartiallyCancelled,
            CancelStatus::Requested => c::CancelStatus::Requested,
            CancelStatus::Refused => c::CancelStatus::Refused,
        }
    }
}

/// Answer to a cancellation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOutcome {
    /// What happened.
    pub status: CancelStatus,
    /// The order afterwards.
    pub order: Order,
}

impl From<c::CancelOutcome> for CancelOutcome {
    fn from(v: c::CancelOutcome) -> Self {
        CancelOutcome {
            status: v.status.into(),
            order: v.order.into(),
        }
    }
}

impl From<CancelOutcome> for c::CancelOutcome {
    fn from(v: CancelOutcome) -> Self {
        c::CancelOutcome {
            status: v.status.into(),
            order: v.order.into(),
        }
    }
}

/// Where a shipment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Label printed, not yet collected.
    LabelCreated,
    /// Handed to the carrier.
    Shipped,
    /// On its way.
    InTransit,
    /// With the driver.
    OutForDelivery,
    /// Delivered.
    Delivered,
    /// A problem on the way.
    Exception,
    /// Coming back to the supplier.
    Returned,
}

impl From<c::ShipmentStatus> for ShipmentStatus {
    fn from(v: c::ShipmentStatus) -> Self {
        match v {
            c::ShipmentStatus::LabelCreated => ShipmentStatus::LabelCreated,
            c::ShipmentStatus::Shipped => ShipmentStatus::Shipped,
            c::ShipmentStatus::InTransit => ShipmentStatus::InTransit,
            c::ShipmentStatus::OutForDelivery => ShipmentStatus::OutForDelivery,
            c::ShipmentStatus::Delivered => ShipmentStatus::Delivered,
            c::ShipmentStatus::Exception => ShipmentStatus::Exception,
            c::ShipmentStatus::Returned => ShipmentStatus::Returned,
        }
    }
}

impl From<ShipmentStatus> for c::ShipmentStatus {
    fn from(v: ShipmentStatus) -> Self {
        match v {
            ShipmentStatus::LabelCreated => c::ShipmentStatus::LabelCreated,
            ShipmentStatus::Shipped => c::ShipmentStatus::Shipped,
            ShipmentStatus::InTransit => c::ShipmentStatus::InTransit,
            ShipmentStatus::OutForDelivery => c::ShipmentStatus::OutForDelivery,
            ShipmentStatus::Delivered => c::ShipmentStatus::Delivered,
            ShipmentStatus::Exception => c::ShipmentStatus::Exception,
            ShipmentStatus::Returned => c::ShipmentStatus::Returned,
        }
    }
}

/// One carrier scan or status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingEvent {
    /// When.
    pub at: i64,
    /// Carrier or ACP/UCP event code.
    pub code: String,
    /// What happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl From<c::TrackingEvent> for TrackingEvent {
    fn from(v: c::TrackingEvent) -> Self {
        TrackingEvent {
            at: v.at,
            code: v.code,
            description: v.description,
            location: v.location,
        }
    }
}

impl From<TrackingEvent> for c::TrackingEvent {
    fn from(v: TrackingEvent) -> Self {
        c::TrackingEvent {
            at: v.at,
            code: v.code,
            description: v.description,
            location: v.location,
        }
    }
}

/// One order line in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLine {
    /// The order line.
    pub line_id: String,
    /// Quantity in this shipment.
    pub quantity: Quantity,
    /// Quantity still to come for the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outstanding: Option<Quantity>,
    /// Why it is outstanding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outstanding_reason: Option<String>,
    /// Lot or batch number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Serial numbers.
    #[serde(default)]
    pub serials: Vec<String>,
    /// Best-before date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_before: Option<i64>,
}

impl From<c::ShipmentLine> for ShipmentLine {
    fn from(v: c::ShipmentLine) -> Self {
        ShipmentLine {
            line_id: v.line_id,
            quantity: v.quantity.into(),
            outstanding: v.outstanding.map(Into::into),
            outstanding_reason: v.outstanding_reason,
            lot: v.lot,
            serials: v.serials,
            best_before: v.best_before,
        }
    }
}

impl From<ShipmentLine> for c::ShipmentLine {
    fn from(v: ShipmentLine) -> Self {
        c::ShipmentLine {
            line_id: v.line_id,
            quantity: v.quantity.into(),
            outstanding: v.outstanding.map(Into::into),
            outstanding_reason: v.outstanding_reason,
            lot: v.lot,
            serials: v.serials,
            best_before: v.best_before,
        }
    }
}

/// A shipment (UBL DespatchAdvice, cXML ShipNotice, X12 856).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// Supplier's shipment id.
    pub shipment_id: String,
    /// The order.
    pub order_id: String,
    /// Where it is.
    pub status: ShipmentStatus,
    /// Carrier name or SCAC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Carrier service level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Tracking page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// SSCC-18 or carrier package ids.
    #[serde(default)]
    pub packages: Vec<String>,
    /// When it left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<i64>,
    /// Expected delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<TimeWindow>,
    /// When it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<i64>,
    /// Lines in it.
    #[serde(default)]
    pub lines: Vec<ShipmentLine>,
    /// Tracking events, oldest first.
    #[serde(default)]
    pub events: Vec<TrackingEvent>,
}

impl From<c::Shipment> for Shipment {
    fn from(v: c::Shipment) -> Self {
        Shipment {
            shipment_id: v.shipment_id,
            order_id: v.order_id,
            status: v.status.into(),
            carrier: v.carrier,
            service_level: v.service_level,
            tracking_number: v.tracking_number,
            tracking_url: v.tracking_url,
            packages: v.packages,
            shipped_at: v.shipped_at,
            estimated_delivery: v.estimated_delivery.map(Into::into),
            delivered_at: v.delivered_at,
            lines: v.lines.into_iter().map(Into::into).collect(),
            events: v.events.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Shipment> for c::Shipment {
    fn from(v: Shipment) -> Self {
        c::Shipment {
            shipment_id: v.shipment_id,
            order_id: v.order_id,
            status: v.status.into(),
            carrier: v.carrier,
            service_level: v.service_level,
            tracking_number: v.tracking_number,
            tracking_url: v.tracking_url,
            packages: v.packages,
            shipped_at: v.shipped_at,
            estimated_delivery: v.estimated_delivery.map(Into::into),
            delivered_at: v.delivered_at,
            lines: v.lines.into_iter().map(Into::into).collect(),
            events: v.events.into_iter().map(Into::into).collect(),
        }
    }
}

/// Where an invoice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// To be paid.
    Open,
    /// Paid.
    Paid,
    /// Credited.
    Credited,
    /// Disputed by the buyer.
    Disputed,
    /// Cancelled.
    Cancelled,
}

impl From<c::InvoiceStatus> for InvoiceStatus {
    fn from(v: c::InvoiceStatus) -> Self {
        match v {
            c::InvoiceStatus::Open => InvoiceStatus::Open,
            c::InvoiceStatus::Paid => InvoiceStatus::Paid,
            c::InvoiceStatus::Credited => InvoiceStatus::Credited,
            c::InvoiceStatus::Disputed => InvoiceStatus::Disputed,
            c::InvoiceStatus::Cancelled => InvoiceStatus::Cancelled,
        }
    }
}

impl From<InvoiceStatus> for c::InvoiceStatus {
    fn from(v: InvoiceStatus) -> Self {
        match v {
            InvoiceStatus::Open => c::InvoiceStatus::Open,
            InvoiceStatus::Paid => c::InvoiceStatus::Paid,
            InvoiceStatus::Credited => c::InvoiceStatus::Credited,
            InvoiceStatus::Disputed => c::InvoiceStatus::Disputed,
            InvoiceStatus::Cancelled => c::InvoiceStatus::Cancelled,
        }
    }
}

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    /// The order line.
    pub line_id: String,
    /// Quantity billed.
    pub quantity: Quantity,
    /// Unit price billed.
    pub unit_price: Price,
    /// Net amount.
    pub net: Money,
    /// Tax amount.
    pub tax: Money,
}

impl From<c::InvoiceLine> for InvoiceLine {
    fn from(v: c::InvoiceLine) -> Self {
        InvoiceLine {
            line_id: v.line_id,
            quantity: v.quantity.into(),
            unit_price: v.unit_price.into(),
            net: v.net.into(),
            tax: v.tax.into(),
        }
    }
}

impl From<InvoiceLine> for c::InvoiceLine {
    fn from(v: InvoiceLine) -> Self {
        c::InvoiceLine {
            line_id: v.line_id,
            quantity: v.quantity.into(),
            unit_price: v.unit_price.into(),
            net: v.net.into(),
            tax: v.tax.into(),
        }
    }
}

/// An invoice or credit note (UBL Invoice/CreditNote, cXML InvoiceDetailRequest, X12 810).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    /// Supplier's invoice number.
    pub invoice_id: String,
    /// The order.
    pub order_id: String,
    /// When issued.
    pub issued_at: i64,
    /// When due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<i64>,
    /// Where it is.
    pub status: InvoiceStatus,
    /// Whether this is a credit note.
    #[serde(default)]
    pub is_credit_note: bool,
    /// Lines.
    #[serde(default)]
    pub lines: Vec<InvoiceLine>,
    /// Totals.
    pub totals: Totals,
    /// Format of the original document: "ubl-2.1", "cxml", "x12-810", "pdf".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    /// Where the original document is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_url: Option<String>,
}

impl From<c::Invoice> for Invoice {
    fn from(v: c::Invoice) -> Self {
        Invoice {
            invoice_id: v.invoice_id,
            order_id: v.order_id,
            issued_at: v.issued_at,
            due_at: v.due_at,
            status: v.status.into(),
            is_credit_note: v.is_credit_note,
            lines: v.lines.into_iter().map(Into::into).collect(),
            totals: v.totals.into(),
            document_format: v.document_format,
            document_url: v.document_url,
        }
    }
}

impl From<Invoice> for c::Invoice {
    fn from(v: Invoice) -> Self {
        c::Invoice {
            invoice_id: v.invoice_id,
            order_id: v.order_id,
            issued_at: v.issued_at,
            due_at: v.due_at,
            status: v.status.into(),
            is_credit_note: v.is_credit_note,
            lines: v.lines.into_iter().map(Into::into).collect(),
            totals: v.totals.into(),
            document_format: v.document_format,
            document_url: v.document_url,
        }
    }
}

/// Why goods go back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Damaged on arrival.
    Damaged,
    /// Does not work.
    Defective,
    /// Not what was ordered.
    WrongItem,
    /// No longer needed.
    NotNeeded,
    /// Ordered by mistake.
    OrderedInError,
    /// Something else (see notes).
    Other,
}

impl From<c::ReturnReason> for ReturnReason {
    fn from(v: c::ReturnReason) -> Self {
        match v {
            c::ReturnReason::Damaged => ReturnReason::Damaged,
            c::ReturnReason::Defective => ReturnReason::Defective,
            c::ReturnReason::WrongItem => ReturnReason::WrongItem,
            c::ReturnReason::NotNeeded => ReturnReason::NotNeeded,
            c::ReturnReason::OrderedInError => ReturnReason::OrderedInError,
            c::ReturnReason::Other => ReturnReason::Other,
        }
    }
}

impl From<ReturnReason> for c::ReturnReason {
    fn from(v: ReturnReason) -> Self {
        match v {
            ReturnReason::Damaged => c::ReturnReason::Damaged,
            ReturnReason::Defective => c::ReturnReason::Defective,
            ReturnReason::WrongItem => c::ReturnReason::WrongItem,
            ReturnReason::NotNeeded => c::ReturnReason::NotNeeded,
            ReturnReason::OrderedInError => c::ReturnReason::OrderedInError,
            ReturnReason::Other => c::ReturnReason::Other,
        }
    }
}

/// One line to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    /// The order line.
    pub line_id: String,
    /// Quantity to return.
    #[schemars(with = "super::WantedQuantity")]
    pub quantity: Quantity,
    /// Why.
    pub reason: ReturnReason,
}

impl From<c::ReturnLine> for ReturnLine {
    fn from(v: c::ReturnLine) -> Self {
        ReturnLine {
            line_id: v.line_id,
            quantity: v.quantity.into(),
            reason: v.reason.into(),
        }
    }
}

impl From<ReturnLine> for c::ReturnLine {
    fn from(v: ReturnLine) -> Self {
        c::ReturnLine {
            line_id: v.line_id,
            quantity: v.quantity.into(),
            reason: v.reason.into(),
        }
    }
}

/// Where a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Asked for.
    Requested,
    /// Authorised; send the goods.
    Authorized,
    /// Refused.
    Refused,
    /// Goods received by the supplier.
    Received,
    /// Refunded.
    Refunded,
}

impl From<c::ReturnStatus> for ReturnStatus {
    fn from(v: c::ReturnStatus) -> Self {
        match v {
            c::ReturnStatus::Requested => ReturnStatus::Requested,
            c::ReturnStatus::Authorized => ReturnStatus::Authorized,
            c::ReturnStatus::Refused => ReturnStatus::Refused,
            c::ReturnStatus::Received => ReturnStatus::Received,
            c::ReturnStatus::Refunded => ReturnStatus::Refunded,
        }
    }
}

impl From<ReturnStatus> for c::ReturnStatus {
    fn from(v: ReturnStatus) -> Self {
        match v {
            ReturnStatus::Requested => c::ReturnStatus::Requested,
            ReturnStatus::Authorized => c::ReturnStatus::Authorized,
            ReturnStatus::Refused => c::ReturnStatus::Refused,
            ReturnStatus::Received => c::ReturnStatus::Received,
            ReturnStatus::Refunded => c::ReturnStatus::Refunded,
        }
    }
}

/// The supplier's answer to a return request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnAuthorization {
    /// Return merchandise authorisation number.
    pub rma_id: String,
    /// Where it is.
    pub status: ReturnStatus,
    /// Return label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_url: Option<String>,
    /// What to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Expected refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_estimate: Option<Money>,
}

impl From<c::ReturnAuthorization> for ReturnAuthorization {
    fn from(v: c::ReturnAuthorization) -> Self {
        ReturnAuthorization {
            rma_id: v.rma_id,
            status: v.status.into(),
            label_url: v.label_url,
            instructions: v.instructions,
            refund_estimate: v.refund_estimate.map(Into::into),
        }
    }
}

impl From<ReturnAuthorization> for c::ReturnAuthorization {
    fn from(v: ReturnAuthorization) -> Self {
        c::ReturnAuthorization {
            rma_id: v.rma_id,
            status: v.status.into(),
            label_url: v.label_url,
            instructions: v.instructions,
            refund_estimate: v.refund_estimate.map(Into::into),
        }
    }
}
