//! Quote requests and quotes.

#[allow(unused_imports, reason = "each file takes what it names")]
use super::*;
use crate::contract as c;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One line the buyer wants priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineRequest {
    /// Caller's id for the line, echoed in the quote.
    pub line_id: String,
    /// The item.
    pub item: ItemRef,
    /// Offer token from the catalogue, echoed to the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_token: Option<String>,
    /// Quantity wanted.
    #[schemars(with = "super::WantedQuantity")]
    pub quantity: Quantity,
    /// Price the buyer hopes for (RFQ target price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<super::WantedPrice>")]
    pub target_unit_price: Option<Price>,
}

impl From<c::QuoteLineRequest> for QuoteLineRequest {
    fn from(v: c::QuoteLineRequest) -> Self {
        QuoteLineRequest {
            line_id: v.line_id,
            item: v.item.into(),
            offer_token: v.offer_token,
            quantity: v.quantity.into(),
            target_unit_price: v.target_unit_price.map(Into::into),
        }
    }
}

impl From<QuoteLineRequest> for c::QuoteLineRequest {
    fn from(v: QuoteLineRequest) -> Self {
        c::QuoteLineRequest {
            line_id: v.line_id,
            item: v.item.into(),
            offer_token: v.offer_token,
            quantity: v.quantity.into(),
            target_unit_price: v.target_unit_price.map(Into::into),
        }
    }
}

/// A request for quotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// Lines to price.
    #[schemars(length(min = 1, max = 100))]
    pub lines: Vec<QuoteLineRequest>,
    /// Where the goods go; shipping and tax depend on it.
    pub ship_to: Address,
    /// When the buyer wants delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delivery: Option<TimeWindow>,
    /// Currency wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<super::CurrencyCode>")]
    pub currency: Option<String>,
    /// How long the buyer wants the quote to hold (UBL RequestedValidityPeriod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_valid_until: Option<i64>,
    /// Whether the supplier may propose substitutes.
    #[serde(default)]
    pub allow_substitutes: bool,
    /// Incoterms 2020 code ("DAP", "EXW").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoterms: Option<String>,
    /// Buyer's reference for the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// Free text for the supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl From<c::QuoteRequest> for QuoteRequest {
    fn from(v: c::QuoteRequest) -> Self {
        QuoteRequest {
            lines: v.lines.into_iter().map(Into::into).collect(),
            ship_to: v.ship_to.into(),
            requested_delivery: v.requested_delivery.map(Into::into),
            currency: v.currency,
            requested_valid_until: v.requested_valid_until,
            allow_substitutes: v.allow_substitutes,
            incoterms: v.incoterms,
            buyer_reference: v.buyer_reference,
            notes: v.notes,
        }
    }
}

impl From<QuoteRequest> for c::QuoteRequest {
    fn from(v: QuoteRequest) -> Self {
        c::QuoteRequest {
            lines: v.lines.into_iter().map(Into::into).collect(),
            ship_to: v.ship_to.into(),
            requested_delivery: v.requested_delivery.map(Into::into),
            currency: v.currency,
            requested_valid_until: v.requested_valid_until,
            allow_substitutes: v.allow_substitutes,
            incoterms: v.incoterms,
            buyer_reference: v.buyer_reference,
            notes: v.notes,
        }
    }
}

/// How binding a quote is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// The supplier has not priced it yet; poll `GET /v1/quotes/{supplier}/{quote_id}`.
    Pending,
    /// Binding until `valid_until`.
    Firm,
    /// Prices are current but may change before ordering.
    Indicative,
    /// Past its validity.
    Expired,
    /// The supplier declined to quote.
    Rejected,
}

impl From<c::QuoteStatus> for QuoteStatus {
    fn from(v: c::QuoteStatus) -> Self {
        match v {
            c::QuoteStatus::Pending => QuoteStatus::Pending,
            c::QuoteStatus::Firm => QuoteStatus::Firm,
            c::QuoteStatus::Indicative => QuoteStatus::Indicative,
            c::QuoteStatus::Expired => QuoteStatus::Expired,
            c::QuoteStatus::Rejected => QuoteStatus::Rejected,
        }
    }
}

impl From<QuoteStatus> for c::QuoteStatus {
    fn from(v: QuoteStatus) -> Self {
        match v {
            QuoteStatus::Pending => c::QuoteStatus::Pending,
            QuoteStatus::Firm => c::QuoteStatus::Firm,
            QuoteStatus::Indicative => c::QuoteStatus::Indicative,
            QuoteStatus::Expired => c::QuoteStatus::Expired,
            QuoteStatus::Rejected => c::QuoteStatus::Rejected,
        }
    }
}

/// One priced line of a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLine {
    /// The caller's line id.
    pub line_id: String,
    /// The item quoted (for a substitute, the substitute).
    pub item: ItemIds,
    /// Item title.
    pub title: String,
    /// Quantity quoted.
    pub quantity: Quantity,
    /// Unit price.
    pub unit_price: Price,
    /// Line total, rounded once by the supplier.
    pub line_total: Money,
    /// Tax on the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Money>,
    /// Stock facts for the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// Delivery the supplier promises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_delivery: Option<TimeWindow>,
    /// The line id this line substitutes for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute_for: Option<String>,
    /// Status of the line.
    pub status: LineStatus,
}

impl From<c::QuoteLine> for QuoteLine {
    fn from(v: c::QuoteLine) -> Self {
        QuoteLine {
            line_id: v.line_id,
            item: v.item.into(),
            title: v.title,
            quantity: v.quantity.into(),
            unit_price: v.unit_price.into(),
            line_total: v.line_total.into(),
            tax: v.tax.map(Into::into),
            availability: v.availability.map(Into::into),
            promised_delivery: v.promised_delivery.map(Into::into),
            substitute_for: v.substitute_for,
            status: v.status.into(),
        }
    }
}

impl From<QuoteLine> for c::QuoteLine {
    fn from(v: QuoteLine) -> Self {
        c::QuoteLine {
            line_id: v.line_id,
            item: v.item.into(),
            title: v.title,
            quantity: v.quantity.into(),
            unit_price: v.unit_price.into(),
            line_total: v.line_total.into(),
            tax: v.tax.map(Into::into),
            availability: v.availability.map(Into::into),
            promised_delivery: v.promised_delivery.map(Into::into),
            substitute_for: v.substitute_for,
            status: v.status.into(),
        }
    }
}

/// A supplier's quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// Supplier's quote id; pass it to `GET /v1/quotes/{supplier}/{quote_id}` and as an order's `quote_id`.
    pub quote_id: String,
    /// How binding it is.
    pub status: QuoteStatus,
    /// When it was made.
    pub created_at: i64,
    /// When it stops being valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
    /// Currency of all amounts.
    pub currency: String,
    /// Priced lines.
    #[serde(default)]
    pub lines: Vec<QuoteLine>,
    /// Itemised charges.
    #[serde(default)]
    pub charges: Vec<Charge>,
    /// Totals.
    pub totals: Totals,
    /// Delivery options.
    #[serde(default)]
    pub fulfillment_options: Vec<FulfillmentOption>,
    /// Payment terms offered.
    #[serde(default)]
    pub payment_terms: Vec<PaymentTerm>,
    /// Notes and soft problems.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Supplier signature over the quote (AP2 merchant-signed checkout JWT); opaque here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
    /// Page where a human can review the quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_url: Option<String>,
}

impl From<c::Quote> for Quote {
    fn from(v: c::Quote) -> Self {
        Quote {
            quote_id: v.quote_id,
            status: v.status.into(),
            created_at: v.created_at,
            valid_until: v.valid_until,
            currency: v.currency,
            lines: v.lines.into_iter().map(Into::into).collect(),
            charges: v.charges.into_iter().map(Into::into).collect(),
            totals: v.totals.into(),
            fulfillment_options: v.fulfillment_options.into_iter().map(Into::into).collect(),
            payment_terms: v.payment_terms.into_iter().map(Into::into).collect(),
            messages: v.messages.into_iter().map(Into::into).collect(),
            attestation: v.attestation,
            continue_url: v.continue_url,
        }
    }
}

impl From<Quote> for c::Quote {
    fn from(v: Quote) -> Self {
        c::Quote {
            quote_id: v.quote_id,
            status: v.status.into(),
            created_at: v.created_at,
            valid_until: v.valid_until,
            currency: v.currency,
            lines: v.lines.into_iter().map(Into::into).collect(),
            charges: v.charges.into_iter().map(Into::into).collect(),
            totals: v.totals.into(),
            fulfillment_options: v.fulfillment_options.into_iter().map(Into::into).collect(),
            payment_terms: v.payment_terms.into_iter().map(Into::into).collect(),
            messages: v.messages.into_iter().map(Into::into).collect(),
            attestation: v.attestation,
            continue_url: v.continue_url,
        }
    }
}
