//! Data shared by every operation: money, quantities, items, addresses, errors.

#[allow(unused_imports, reason = "each file takes what it names")]
use super::*;
use crate::contract as c;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An exact decimal number: value = mantissa × 10^-scale.
///
/// Used for unit prices, where B2B suppliers quote below the minor unit
/// (UBL `PriceAmount` "50.000", OCI prices with three decimals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decimal {
    /// The digits of the number, as an integer.
    pub mantissa: i64,
    /// How many of those digits are after the decimal point (0–18).
    #[schemars(range(max = 18))]
    pub scale: u8,
}

impl From<c::Decimal> for Decimal {
    fn from(v: c::Decimal) -> Self {
        Decimal {
            mantissa: v.mantissa,
            scale: v.scale,
        }
    }
}

impl From<Decimal> for c::Decimal {
    fn from(v: Decimal) -> Self {
        c::Decimal {
            mantissa: v.mantissa,
            scale: v.scale,
        }
    }
}

/// An amount of money in ISO 4217 minor units (cents for EUR/USD, yen for JPY).
///
/// Used for totals, charges and limits. Signed: discounts and credits are negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Currency of the amount.
    #[schemars(with = "super::CurrencyCode")]
    pub currency: String,
    /// Amount in minor units of `currency`.
    pub minor: i64,
}

impl From<c::Money> for Money {
    fn from(v: c::Money) -> Self {
        Money {
            currency: v.currency,
            minor: v.minor,
        }
    }
}

impl From<Money> for c::Money {
    fn from(v: Money) -> Self {
        c::Money {
            currency: v.currency,
            minor: v.minor,
        }
    }
}

/// A quantity as integer steps of 10^-scale of a UN/CEFACT Rec 20 unit.
///
/// 250 pieces = { steps: 250, unit: "C62", scale: 0 }; 1.5 kg = { steps: 15, unit: "KGM", scale: 1 }.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// Number of steps.
    pub steps: u64,
    /// UN/CEFACT Recommendation 20 unit code ("C62" one, "EA" each, "KGM", "MTR", "PK", "BX").
    #[schemars(with = "super::UnitCode")]
    pub unit: String,
    /// Decimal places of `steps` (0–15).
    #[schemars(range(max = 15))]
    pub scale: u8,
}

impl From<c::Quantity> for Quantity {
    fn from(v: c::Quantity) -> Self {
        Quantity {
            steps: v.steps,
            unit: v.unit,
            scale: v.scale,
        }
    }
}

impl From<Quantity> for c::Quantity {
    fn from(v: Quantity) -> Self {
        c::Quantity {
            steps: v.steps,
            unit: v.unit,
            scale: v.scale,
        }
    }
}

/// A unit price: `amount` in `currency` buys `basis` of the item.
///
/// Usually basis = 1 C62; per-100 and per-1000 prices keep their basis
/// (UBL `BaseQuantity`, OCI `PRICEUNIT`, cXML `PriceBasisQuantity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Currency of the amount.
    #[schemars(with = "super::CurrencyCode")]
    pub currency: String,
    /// Price for one `basis`, exact.
    pub amount: Decimal,
    /// The quantity the amount buys.
    pub basis: Quantity,
}

impl From<c::Price> for Price {
    fn from(v: c::Price) -> Self {
        Price {
            currency: v.currency,
            amount: v.amount.into(),
            basis: v.basis.into(),
        }
    }
}

impl From<Price> for c::Price {
    fn from(v: Price) -> Self {
        c::Price {
            currency: v.currency,
            amount: v.amount.into(),
            basis: v.basis.into(),
        }
    }
}

/// A span of time, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Earliest moment.
    pub earliest: i64,
    /// Latest moment.
    pub latest: i64,
}

impl From<c::TimeWindow> for TimeWindow {
    fn from(v: c::TimeWindow) -> Self {
        TimeWindow {
            earliest: v.earliest,
            latest: v.latest,
        }
    }
}

impl From<TimeWindow> for c::TimeWindow {
    fn from(v: TimeWindow) -> Self {
        c::TimeWindow {
            earliest: v.earliest,
            latest: v.latest,
        }
    }
}

/// A manufacturer part number, optionally qualified by its manufacturer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MpnRef {
    /// Manufacturer name as the supplier spells it; none matches any manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// The manufacturer's part number.
    pub mpn: String,
}

impl From<c::MpnRef> for MpnRef {
    fn from(v: c::MpnRef) -> Self {
        MpnRef {
            manufacturer: v.manufacturer,
            mpn: v.mpn,
        }
    }
}

impl From<MpnRef> for c::MpnRef {
    fn from(v: MpnRef) -> Self {
        c::MpnRef {
            manufacturer: v.manufacturer,
            mpn: v.mpn,
        }
    }
}

/// How a request names an item.
///
/// Every adapter supports `sku`; the other forms may answer `not_found` or `unsupported`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ItemRef {
    /// The supplier's own part number.
    Sku {
        /// The supplier's SKU.
        sku: String,
    },
    /// A GTIN-8/12/13/14, in any of its lengths.
    Gtin {
        /// The GTIN.
        gtin: String,
    },
    /// A manufacturer part number.
    Mpn(MpnRef),
    /// The buyer's own part number, where the supplier keeps a cross-reference.
    BuyerPart {
        /// The buyer's part number.
        buyer_part: String,
    },
}

impl From<c::ItemRef> for ItemRef {
    fn from(v: c::ItemRef) -> Self {
        match v {
            c::ItemRef::Sku(v) => ItemRef::Sku { sku: v },
            c::ItemRef::Gtin(v) => ItemRef::Gtin { gtin: v },
            c::ItemRef::Mpn(v) => ItemRef::Mpn(v.into()),
            c::ItemRef::BuyerPart(v) => ItemRef::BuyerPart { buyer_part: v },
        }
    }
}

impl From<ItemRef> for c::ItemRef {
    fn from(v: ItemRef) -> Self {
        match v {
            ItemRef::Sku { sku } => c::ItemRef::Sku(sku),
            ItemRef::Gtin { gtin } => c::ItemRef::Gtin(gtin),
            ItemRef::Mpn(v) => c::ItemRef::Mpn(v.into()),
            ItemRef::BuyerPart { buyer_part } => c::ItemRef::BuyerPart(buyer_part),
        }
    }
}

/// Every known identifier of one orderable item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemIds {
    /// Supplier's own part number (cXML SupplierPartID, UBL SellersItemIdentification,
    /// X12 VP, OCI VENDORMAT, schema.org sku).
    pub supplier_sku: String,
    /// Opaque offer or pricing token to echo on quote and order lines
    /// (cXML SupplierPartAuxiliaryID, Amazon BuyingOptionIdentifier, OCI EXT_PRODUCT_ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_token: Option<String>,
    /// GTIN normalised to 14 digits with a verified check digit (GS1; UBL schemeID 0160).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Manufacturer part number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn: Option<String>,
    /// Manufacturer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// The buyer's part number, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_part_id: Option<String>,
    /// Further identifiers, keyed by scheme (e.g. "eclass", "unspsc", "customs-tariff").
    #[serde(default)]
    pub other: Vec<Property>,
}

impl From<c::ItemIds> for ItemIds {
    fn from(v: c::ItemIds) -> Self {
        ItemIds {
            supplier_sku: v.supplier_sku,
            offer_token: v.offer_token,
            gtin: v.gtin,
            mpn: v.mpn,
            manufacturer: v.manufacturer,
            buyer_part_id: v.buyer_part_id,
            other: v.other.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<ItemIds> for c::ItemIds {
    fn from(v: ItemIds) -> Self {
        c::ItemIds {
            supplier_sku: v.supplier_sku,
            offer_token: v.offer_token,
            gtin: v.gtin,
            mpn: v.mpn,
            manufacturer: v.manufacturer,
            buyer_part_id: v.buyer_part_id,
            other: v.other.into_iter().map(Into::into).collect(),
        }
    }
}

/// A code from a classification scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// Scheme name: "UNSPSC", "eCl@ss", "GPC", or the supplier's own.
    pub scheme: String,
    /// Code within the scheme.
    pub code: String,
}

impl From<c::Classification> for Classification {
    fn from(v: c::Classification) -> Self {
        Classification {
            scheme: v.scheme,
            code: v.code,
        }
    }
}

impl From<Classification> for c::Classification {
    fn from(v: Classification) -> Self {
        c::Classification {
            scheme: v.scheme,
            code: v.code,
        }
    }
}

/// Quantities the supplier accepts for one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRules {
    /// Smallest quantity per line (minimum order quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Quantity>,
    /// Quantities must be a whole multiple of this ("Mult", pack size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<Quantity>,
    /// Largest quantity per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Quantity>,
}

impl From<c::OrderRules> for OrderRules {
    fn from(v: c::OrderRules) -> Self {
        OrderRules {
            minimum: v.minimum.map(Into::into),
            increment: v.increment.map(Into::into),
            maximum: v.maximum.map(Into::into),
        }
    }
}

impl From<OrderRules> for c::OrderRules {
    fn from(v: OrderRules) -> Self {
        c::OrderRules {
            minimum: v.minimum.map(Into::into),
            increment: v.increment.map(Into::into),
            maximum: v.maximum.map(Into::into),
        }
    }
}

/// One price break: from `min_quantity` upwards the unit price is `unit_price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceTier {
    /// Smallest line quantity this tier applies to.
    pub min_quantity: Quantity,
    /// Unit price within this tier.
    pub unit_price: Price,
    /// When the tier price stops being valid, if the supplier says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
}

impl From<c::PriceTier> for PriceTier {
    fn from(v: c::PriceTier) -> Self {
        PriceTier {
            min_quantity: v.min_quantity.into(),
            unit_price: v.unit_price.into(),
            valid_until: v.valid_until,
        }
    }
}

impl From<PriceTier> for c::PriceTier {
    fn from(v: PriceTier) -> Self {
        c::PriceTier {
            min_quantity: v.min_quantity.into(),
            unit_price: v.unit_price.into(),
            valid_until: v.valid_until,
        }
    }
}

/// Stock situation of an item, as the supplier reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StockStatus {
    /// Available from stock.
    InStock,
    /// Available from stock, but little is left.
    Limited,
    /// Orderable; ships when restocked.
    Backorder,
    /// Orderable before first availability.
    Preorder,
    /// Not available now and not orderable on backorder.
    OutOfStock,
    /// No longer sold.
    Discontinued,
    /// The supplier does not say.
    Unknown,
}

impl From<c::StockStatus> for StockStatus {
    fn from(v: c::StockStatus) -> Self {
        match v {
            c::StockStatus::InStock => StockStatus::InStock,
            c::StockStatus::Limited => StockStatus::Limited,
            c::StockStatus::Backorder => StockStatus::Backorder,
            c::StockStatus::Preorder => StockStatus::Preorder,
            c::StockStatus::OutOfStock => StockStatus::OutOfStock,
            c::StockStatus::Discontinued => StockStatus::Discontinued,
            c::StockStatus::Unknown => StockStatus::Unknown,
        }
    }
}

impl From<StockStatus> for c::StockStatus {
    fn from(v: StockStatus) -> Self {
        match v {
            StockStatus::InStock => c::StockStatus::InStock,
            StockStatus::Limited => c::StockStatus::Limited,
            StockStatus::Backorder => c::StockStatus::Backorder,
            StockStatus::Preorder => c::StockStatus::Preorder,
            StockStatus::OutOfStock => c::StockStatus::OutOfStock,
            StockStatus::Discontinued => c::StockStatus::Discontinued,
            StockStatus::Unknown => c::StockStatus::Unknown,
        }
    }
}

/// An expected inbound delivery at the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restock {
    /// Quantity expected.
    pub quantity: Quantity,
    /// When it is expected.
    pub expected_at: i64,
}

impl From<c::Restock> for Restock {
    fn from(v: c::Restock) -> Self {
        Restock {
            quantity: v.quantity.into(),
            expected_at: v.expected_at,
        }
    }
}

impl From<Restock> for c::Restock {
    fn from(v: Restock) -> Self {
        c::Restock {
            quantity: v.quantity.into(),
            expected_at: v.expected_at,
        }
    }
}

/// Stock and delivery facts of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// Overall status.
    pub status: StockStatus,
    /// Quantity on hand, where the supplier publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<Quantity>,
    /// Days from order to despatch when not shipped from stock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<u32>,
    /// Known restocks, earliest first.
    #[serde(default)]
    pub next_restock: Vec<Restock>,
    /// When the supplier observed these facts (the price-list date for files).
    pub observed_at: i64,
}

impl From<c::Availability> for Availability {
    fn from(v: c::Availability) -> Self {
        Availability {
            status: v.status.into(),
            on_hand: v.on_hand.map(Into::into),
            lead_time_days: v.lead_time_days,
            next_restock: v.next_restock.into_iter().map(Into::into).collect(),
            observed_at: v.observed_at,
        }
    }
}

impl From<Availability> for c::Availability {
    fn from(v: Availability) -> Self {
        c::Availability {
            status: v.status.into(),
            on_hand: v.on_hand.map(Into::into),
            lead_time_days: v.lead_time_days,
            next_restock: v.next_restock.into_iter().map(Into::into).collect(),
            observed_at: v.observed_at,
        }
    }
}

/// One orderable item of a supplier's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    /// All identifiers of the item.
    pub ids: ItemIds,
    /// Short title.
    pub title: String,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Brand or manufacturer shown to buyers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Classification codes.
    #[serde(default)]
    pub classifications: Vec<Classification>,
    /// Rec 20 code of the unit the item is sold in ("C62", "PK", "BX").
    pub sale_unit: String,
    /// What one sale unit contains, e.g. 100 C62 per PK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_per_sale_unit: Option<Quantity>,
    /// Minimum, increment and maximum per line.
    pub rules: OrderRules,
    /// Price breaks, ascending by `min_quantity`; the first tier is the base price.
    #[serde(default)]
    pub price_tiers: Vec<PriceTier>,
    /// Recommended or list price, for comparison only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price: Option<Price>,
    /// Whether the tier prices include tax.
    #[serde(default)]
    pub prices_include_tax: bool,
    /// Stock facts, when the catalogue carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// Product page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Product images.
    #[serde(default)]
    pub image_urls: Vec<String>,
    /// Technical attributes ("thread" = "M8", "length-mm" = "30").
    #[serde(default)]
    pub attributes: Vec<Property>,
    /// When the prices were observed (the price-list date for files).
    pub price_observed_at: i64,
}

impl From<c::CatalogItem> for CatalogItem {
    fn from(v: c::CatalogItem) -> Self {
        CatalogItem {
            ids: v.ids.into(),
            title: v.title,
            description: v.description,
            brand: v.brand,
            classifications: v.classifications.into_iter().map(Into::into).collect(),
            sale_unit: v.sale_unit,
            content_per_sale_unit: v.content_per_sale_unit.map(Into::into),
            rules: v.rules.into(),
            price_tiers: v.price_tiers.into_iter().map(Into::into).collect(),
            list_price: v.list_price.map(Into::into),
            prices_include_tax: v.prices_include_tax,
            availability: v.availability.map(Into::into),
            url: v.url,
            image_urls: v.image_urls,
            attributes: v.attributes.into_iter().map(Into::into).collect(),
            price_observed_at: v.price_observed_at,
        }
    }
}

impl From<CatalogItem> for c::CatalogItem {
    fn from(v: CatalogItem) -> Self {
        c::CatalogItem {
            ids: v.ids.into(),
            title: v.title,
            description: v.description,
            brand: v.brand,
            classifications: v.classifications.into_iter().map(Into::into).collect(),
            sale_unit: v.sale_unit,
            content_per_sale_unit: v.content_per_sale_unit.map(Into::into),
            rules: v.rules.into(),
            price_tiers: v.price_tiers.into_iter().map(Into::into).collect(),
            list_price: v.list_price.map(Into::into),
            prices_include_tax: v.prices_include_tax,
            availability: v.availability.map(Into::into),
            url: v.url,
            image_urls: v.image_urls,
            attributes: v.attributes.into_iter().map(Into::into).collect(),
            price_observed_at: v.price_observed_at,
        }
    }
}

/// A person to contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl From<c::Contact> for Contact {
    fn from(v: c::Contact) -> Self {
        Contact {
            name: v.name,
            email: v.email,
            phone: v.phone,
        }
    }
}

impl From<Contact> for c::Contact {
    fn from(v: Contact) -> Self {
        c::Contact {
            name: v.name,
            email: v.email,
            phone: v.phone,
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Stable ship-to id: GLN (UBL schemeID 0088), cXML addressID or a supplier ship-to number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Name of the place ("Plant 3").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Organisation at the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Street lines, in order.
    #[serde(default)]
    pub lines: Vec<String>,
    /// City.
    pub city: String,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[schemars(with = "super::CountryCode")]
    pub country: String,
    /// Who receives deliveries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

impl From<c::Address> for Address {
    fn from(v: c::Address) -> Self {
        Address {
            location_id: v.location_id,
            name: v.name,
            organization: v.organization,
            lines: v.lines,
            city: v.city,
            region: v.region,
            postal_code: v.postal_code,
            country: v.country,
            contact: v.contact.map(Into::into),
        }
    }
}

impl From<Address> for c::Address {
    fn from(v: Address) -> Self {
        c::Address {
            location_id: v.location_id,
            name: v.name,
            organization: v.organization,
            lines: v.lines,
            city: v.city,
            region: v.region,
            postal_code: v.postal_code,
            country: v.country,
            contact: v.contact.map(Into::into),
        }
    }
}

/// How a problem described by a message can be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Retrying or adjusting automatically can fix it.
    Recoverable,
    /// The buyer must supply something (an address, a choice).
    RequiresBuyerInput,
    /// The buyer must look at and accept a change.
    RequiresBuyerReview,
    /// Nothing the buyer does will fix it.
    Unrecoverable,
}

impl From<c::Resolution> for Resolution {
    fn from(v: c::Resolution) -> Self {
        match v {
            c::Resolution::Recoverable => Resolution::Recoverable,
            c::Resolution::RequiresBuyerInput => Resolution::RequiresBuyerInput,
            c::Resolution::RequiresBuyerReview => Resolution::RequiresBuyerReview,
            c::Resolution::Unrecoverable => Resolution::Unrecoverable,
        }
    }
}

impl From<Resolution> for c::Resolution {
    fn from(v: Resolution) -> Self {
        match v {
            Resolution::Recoverable => c::Resolution::Recoverable,
            Resolution::RequiresBuyerInput => c::Resolution::RequiresBuyerInput,
            Resolution::RequiresBuyerReview => c::Resolution::RequiresBuyerReview,
            Resolution::Unrecoverable => c::Resolution::Unrecoverable,
        }
    }
}

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Something changed or may go wrong; the resource is still valid.
    Warning,
    /// Part of the resource is not valid.
    Error,
}

impl From<c::Severity> for Severity {
    fn from(v: c::Severity) -> Self {
        match v {
            c::Severity::Info => Severity::Info,
            c::Severity::Warning => Severity::Warning,
            c::Severity::Error => Severity::Error,
        }
    }
}

impl From<Severity> for c::Severity {
    fn from(v: Severity) -> Self {
        match v {
            Severity::Info => c::Severity::Info,
            Severity::Warning => c::Severity::Warning,
            Severity::Error => c::Severity::Error,
        }
    }
}

/// A soft problem or note attached to a valid quote or order (ACP/UCP messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// How serious.
    pub severity: Severity,
    /// ACP/UCP code vocabulary where possible: low_stock, price_change, shipping_delay…
    pub code: String,
    /// The line it concerns; none = whole document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id: Option<String>,
    /// Human-readable text.
    pub text: String,
    /// How it can be resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

impl From<c::Message> for Message {
    fn from(v: c::Message) -> Self {
        Message {
            severity: v.severity.into(),
            code: v.code,
            line_id: v.line_id,
            text: v.text,
            resolution: v.resolution.map(Into::into),
        }
    }
}

impl From<Message> for c::Message {
    fn from(v: Message) -> Self {
        c::Message {
            severity: v.severity.into(),
            code: v.code,
            line_id: v.line_id,
            text: v.text,
            resolution: v.resolution.map(Into::into),
        }
    }
}

/// Kind of an itemised charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Transport to the ship-to address.
    Shipping,
    /// Handling or packing.
    Handling,
    /// Tax.
    Tax,
    /// Other fee (small-order fee, hazmat fee).
    Fee,
    /// Discount (negative amount).
    Discount,
    /// Surcharge (metal, energy).
    Surcharge,
    /// Refundable deposit (pallets, containers).
    Deposit,
}

impl From<c::ChargeKind> for ChargeKind {
    fn from(v: c::ChargeKind) -> Self {
        match v {
            c::ChargeKind::Shipping => ChargeKind::Shipping,
            c::ChargeKind::Handling => ChargeKind::Handling,
            c::ChargeKind::Tax => ChargeKind::Tax,
            c::ChargeKind::Fee => ChargeKind::Fee,
            c::ChargeKind::Discount => ChargeKind::Discount,
            c::ChargeKind::Surcharge => ChargeKind::Surcharge,
            c::ChargeKind::Deposit => ChargeKind::Deposit,
        }
    }
}

impl From<ChargeKind> for c::ChargeKind {
    fn from(v: ChargeKind) -> Self {
        match v {
            ChargeKind::Shipping => c::ChargeKind::Shipping,
            ChargeKind::Handling => c::ChargeKind::Handling,
            ChargeKind::Tax => c::ChargeKind::Tax,
            ChargeKind::Fee => c::ChargeKind::Fee,
            ChargeKind::Discount => c::ChargeKind::Discount,
            ChargeKind::Surcharge => c::ChargeKind::Surcharge,
            ChargeKind::Deposit => c::ChargeKind::Deposit,
        }
    }
}

/// One itemised charge of a quote or order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Charge {
    /// What kind.
    pub kind: ChargeKind,
    /// Supplier's label.
    pub label: String,
    /// Amount; negative for discounts.
    pub amount: Money,
}

impl From<c::Charge> for Charge {
    fn from(v: c::Charge) -> Self {
        Charge {
            kind: v.kind.into(),
            label: v.label,
            amount: v.amount.into(),
        }
    }
}

impl From<Charge> for c::Charge {
    fn from(v: Charge) -> Self {
        c::Charge {
            kind: v.kind.into(),
            label: v.label,
            amount: v.amount.into(),
        }
    }
}

/// Totals of a quote, order or invoice, all in the document currency.
///
/// grand-total = lines + discounts + shipping + tax + fees (discounts negative), except that
/// tax is already inside the other amounts when `tax_included` is true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Sum of line totals.
    pub lines: Money,
    /// Sum of discounts (zero or negative).
    pub discounts: Money,
    /// Shipping and handling.
    pub shipping: Money,
    /// Tax.
    pub tax: Money,
    /// Fees and surcharges.
    pub fees: Money,
    /// What the buyer pays.
    pub grand_total: Money,
    /// Whether line amounts already include tax.
    #[serde(default)]
    pub tax_included: bool,
}

impl From<c::Totals> for Totals {
    fn from(v: c::Totals) -> Self {
        Totals {
            lines: v.lines.into(),
            discounts: v.discounts.into(),
            shipping: v.shipping.into(),
            tax: v.tax.into(),
            fees: v.fees.into(),
            grand_total: v.grand_total.into(),
            tax_included: v.tax_included,
        }
    }
}

impl From<Totals> for c::Totals {
    fn from(v: Totals) -> Self {
        c::Totals {
            lines: v.lines.into(),
            discounts: v.discounts.into(),
            shipping: v.shipping.into(),
            tax: v.tax.into(),
            fees: v.fees.into(),
            grand_total: v.grand_total.into(),
            tax_included: v.tax_included,
        }
    }
}

/// How goods reach the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentMethod {
    /// Parcel carrier.
    Parcel,
    /// Pallet or freight carrier.
    Freight,
    /// Buyer collects.
    Pickup,
    /// Delivered electronically.
    Digital,
    /// Supplier's own vehicles.
    LocalDelivery,
}

impl From<c::FulfillmentMethod> for FulfillmentMethod {
    fn from(v: c::FulfillmentMethod) -> Self {
        match v {
            c::FulfillmentMethod::Parcel => FulfillmentMethod::Parcel,
            c::FulfillmentMethod::Freight => FulfillmentMethod::Freight,
            c::FulfillmentMethod::Pickup => FulfillmentMethod::Pickup,
            c::FulfillmentMethod::Digital => FulfillmentMethod::Digital,
            c::FulfillmentMethod::LocalDelivery => FulfillmentMethod::LocalDelivery,
        }
    }
}

impl From<FulfillmentMethod> for c::FulfillmentMethod {
    fn from(v: FulfillmentMethod) -> Self {
        match v {
            FulfillmentMethod::Parcel => c::FulfillmentMethod::Parcel,
            FulfillmentMethod::Freight => c::FulfillmentMethod::Freight,
            FulfillmentMethod::Pickup => c::FulfillmentMethod::Pickup,
            FulfillmentMethod::Digital => c::FulfillmentMethod::Digital,
            FulfillmentMethod::LocalDelivery => c::FulfillmentMethod::LocalDelivery,
        }
    }
}

/// One way the supplier offers to deliver a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfillmentOption {
    /// Id to pass back in an order.
    pub id: String,
    /// Method.
    pub method: FulfillmentMethod,
    /// Carrier name or SCAC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Carrier service level ("express").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level: Option<String>,
    /// Cost of this option.
    pub cost: Money,
    /// Expected delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<TimeWindow>,
}

impl From<c::FulfillmentOption> for FulfillmentOption {
    fn from(v: c::FulfillmentOption) -> Self {
        FulfillmentOption {
            id: v.id,
            method: v.method.into(),
            carrier: v.carrier,
            service_level: v.service_level,
            cost: v.cost.into(),
            delivery: v.delivery.map(Into::into),
        }
    }
}

impl From<FulfillmentOption> for c::FulfillmentOption {
    fn from(v: FulfillmentOption) -> Self {
        c::FulfillmentOption {
            id: v.id,
            method: v.method.into(),
            carrier: v.carrier,
            service_level: v.service_level,
            cost: v.cost.into(),
            delivery: v.delivery.map(Into::into),
        }
    }
}

/// Payment terms the supplier offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentTerm {
    /// Id to pass back in an order.
    pub id: String,
    /// Label ("Net 30").
    pub label: String,
    /// Days until payment is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_days: Option<u32>,
}

impl From<c::PaymentTerm> for PaymentTerm {
    fn from(v: c::PaymentTerm) -> Self {
        PaymentTerm {
            id: v.id,
            label: v.label,
            net_days: v.net_days,
        }
    }
}

impl From<PaymentTerm> for c::PaymentTerm {
    fn from(v: PaymentTerm) -> Self {
        c::PaymentTerm {
            id: v.id,
            label: v.label,
            net_days: v.net_days,
        }
    }
}

/// Status of one quote or order line (X12 855 ACK01, UBL UNCL1229, ACP line status, collapsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Not yet decided by the supplier.
    Pending,
    /// Accepted as requested.
    Accepted,
    /// Accepted at a different price.
    AcceptedPriceChanged,
    /// Accepted for a different quantity.
    AcceptedQuantityChanged,
    /// Accepted with a different delivery date.
    AcceptedDateChanged,
    /// Another item is supplied instead.
    Substituted,
    /// Accepted; ships when restocked.
    Backordered,
    /// Not accepted.
    Rejected,
    /// Cancelled after acceptance.
    Cancelled,
    /// Part of the quantity has shipped.
    PartiallyShipped,
    /// All of the quantity has shipped.
    Shipped,
    /// Delivered.
    Delivered,
}

impl From<c::LineStatus> for LineStatus {
    fn from(v: c::LineStatus) -> Self {
        match v {
            c::LineStatus::Pending => LineStatus::Pending,
            c::LineStatus::Accepted => LineStatus::Accepted,
            c::LineStatus::AcceptedPriceChanged => LineStatus::AcceptedPriceChanged,
            c::LineStatus::AcceptedQuantityChanged => LineStatus::AcceptedQuantityChanged,
            c::LineStatus::AcceptedDateChanged => LineStatus::AcceptedDateChanged,
            c::LineStatus::Substituted => LineStatus::Substituted,
            c::LineStatus::Backordered => LineStatus::Backordered,
            c::LineStatus::Rejected => LineStatus::Rejected,
            c::LineStatus::Cancelled => LineStatus::Cancelled,
            c::LineStatus::PartiallyShipped => LineStatus::PartiallyShipped,
            c::LineStatus::Shipped => LineStatus::Shipped,
            c::LineStatus::Delivered => LineStatus::Delivered,
        }
    }
}

impl From<LineStatus> for c::LineStatus {
    fn from(v: LineStatus) -> Self {
        match v {
            LineStatus::Pending => c::LineStatus::Pending,
            LineStatus::Accepted => c::LineStatus::Accepted,
            LineStatus::AcceptedPriceChanged => c::LineStatus::AcceptedPriceChanged,
            LineStatus::AcceptedQuantityChanged => c::LineStatus::AcceptedQuantityChanged,
            LineStatus::AcceptedDateChanged => c::LineStatus::AcceptedDateChanged,
            LineStatus::Substituted => c::LineStatus::Substituted,
            LineStatus::Backordered => c::LineStatus::Backordered,
            LineStatus::Rejected => c::LineStatus::Rejected,
            LineStatus::Cancelled => c::LineStatus::Cancelled,
            LineStatus::PartiallyShipped => c::LineStatus::PartiallyShipped,
            LineStatus::Shipped => c::LineStatus::Shipped,
            LineStatus::Delivered => c::LineStatus::Delivered,
        }
    }
}

/// When a caller may try again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryHint {
    /// Wait at least this long; none = the supplier did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl From<c::RetryHint> for RetryHint {
    fn from(v: c::RetryHint) -> Self {
        RetryHint {
            retry_after_ms: v.retry_after_ms,
        }
    }
}

impl From<RetryHint> for c::RetryHint {
    fn from(v: RetryHint) -> Self {
        c::RetryHint {
            retry_after_ms: v.retry_after_ms,
        }
    }
}

/// A request field that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    /// Path of the field ("lines[2].quantity").
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl From<c::FieldError> for FieldError {
    fn from(v: c::FieldError) -> Self {
        FieldError {
            field: v.field,
            reason: v.reason,
        }
    }
}

impl From<FieldError> for c::FieldError {
    fn from(v: FieldError) -> Self {
        c::FieldError {
            field: v.field,
            reason: v.reason,
        }
    }
}

/// A line that cannot be served from stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shortfall {
    /// The line.
    pub line_id: String,
    /// Quantity that is available, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Quantity>,
    /// When more is expected, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_restock: Option<i64>,
}

impl From<c::Shortfall> for Shortfall {
    fn from(v: c::Shortfall) -> Self {
        Shortfall {
            line_id: v.line_id,
            available: v.available.map(Into::into),
            next_restock: v.next_restock,
        }
    }
}

impl From<Shortfall> for c::Shortfall {
    fn from(v: Shortfall) -> Self {
        c::Shortfall {
            line_id: v.line_id,
            available: v.available.map(Into::into),
            next_restock: v.next_restock,
        }
    }
}

/// A line whose quantity breaks the supplier's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityViolation {
    /// The line.
    pub line_id: String,
    /// The rules it must meet.
    pub rules: OrderRules,
}

impl From<c::QuantityViolation> for QuantityViolation {
    fn from(v: c::QuantityViolation) -> Self {
        QuantityViolation {
            line_id: v.line_id,
            rules: v.rules.into(),
        }
    }
}

impl From<QuantityViolation> for c::QuantityViolation {
    fn from(v: QuantityViolation) -> Self {
        c::QuantityViolation {
            line_id: v.line_id,
            rules: v.rules.into(),
        }
    }
}

/// A line whose price is no longer what the buyer expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceChange {
    /// The line.
    pub line_id: String,
    /// The price the buyer expected (from the request or quote).
    pub expected: Price,
    /// The price the supplier charges now.
    pub actual: Price,
}

impl From<c::PriceChange> for PriceChange {
    fn from(v: c::PriceChange) -> Self {
        PriceChange {
            line_id: v.line_id,
            expected: v.expected.into(),
            actual: v.actual.into(),
        }
    }
}

impl From<PriceChange> for c::PriceChange {
    fn from(v: PriceChange) -> Self {
        c::PriceChange {
            line_id: v.line_id,
            expected: v.expected.into(),
            actual: v.actual.into(),
        }
    }
}

/// The supplier needs a human before going on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// What the human must do.
    pub kind: Resolution,
    /// Why.
    pub reason: String,
    /// Where the human continues, if the supplier offers a page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_url: Option<String>,
}

impl From<c::Escalation> for Escalation {
    fn from(v: c::Escalation) -> Self {
        Escalation {
            kind: v.kind.into(),
            reason: v.reason,
            continue_url: v.continue_url,
        }
    }
}

impl From<Escalation> for c::Escalation {
    fn from(v: Escalation) -> Self {
        c::Escalation {
            kind: v.kind.into(),
            reason: v.reason,
            continue_url: v.continue_url,
        }
    }
}

/// A business rejection in the supplier's own terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Supplier's code.
    pub code: String,
    /// Supplier's text.
    pub text: String,
}

impl From<c::Rejection> for Rejection {
    fn from(v: c::Rejection) -> Self {
        Rejection {
            code: v.code,
            text: v.text,
        }
    }
}

impl From<Rejection> for c::Rejection {
    fn from(v: Rejection) -> Self {
        c::Rejection {
            code: v.code,
            text: v.text,
        }
    }
}

/// Why an operation returned no resource.
///
/// Conversational problems with a still-valid quote or order travel as `message`s instead.
/// The variant is closed so that adapters classify every supplier error; new cases come
/// only with a new minor version of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommerceError {
    /// The request is malformed.
    InvalidRequest(FieldError),
    /// The named item, quote or order does not exist (the text names what).
    NotFound {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// The supplier did not accept the credentials.
    Unauthorized {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// The account may not do this.
    Forbidden {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// Lines that cannot be served from stock.
    OutOfStock {
        /// Each line that cannot be served, with what is short.
        shortfalls: Vec<Shortfall>,
    },
    /// Lines whose quantity breaks minimum, increment or maximum.
    QuantityRule {
        /// Each line whose quantity breaks a rule, with the rule.
        violations: Vec<QuantityViolation>,
    },
    /// Lines whose price differs from the expected price.
    PriceChanged {
        /// Each line whose price moved, with the old and new price.
        changes: Vec<PriceChange>,
    },
    /// The quote is past its validity (the text names the quote).
    QuoteExpired {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// The supplier cannot deliver to the address.
    Undeliverable {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// The payment instruction was refused.
    PaymentDeclined {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// A human must act first.
    HumanRequired {
        /// What a person must do, and where.
        escalation: Escalation,
    },
    /// The idempotency key was already used for a different request.
    IdempotencyConflict {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// The same request is still being processed.
    InProgress(RetryHint),
    /// The supplier throttles this account.
    RateLimited(RetryHint),
    /// The supplier is down or answered with a server error.
    SupplierUnavailable(RetryHint),
    /// The supplier refused for a business reason of its own.
    SupplierRejected(Rejection),
    /// The adapter or supplier does not offer this operation.
    Unsupported {
        /// What the supplier said, in its words.
        detail: String,
    },
    /// The adapter failed in a way it could not classify (a bug to report).
    Internal {
        /// What the supplier said, in its words.
        detail: String,
    },
}

impl From<c::CommerceError> for CommerceError {
    fn from(v: c::CommerceError) -> Self {
        match v {
            c::CommerceError::InvalidRequest(v) => CommerceError::InvalidRequest(v.into()),
            c::CommerceError::NotFound(v) => CommerceError::NotFound { detail: v },
            c::CommerceError::Unauthorized(v) => CommerceError::Unauthorized { detail: v },
            c::CommerceError::Forbidden(v) => CommerceError::Forbidden { detail: v },
            c::CommerceError::OutOfStock(v) => CommerceError::OutOfStock {
                shortfalls: v.into_iter().map(Into::into).collect(),
            },
            c::CommerceError::QuantityRule(v) => CommerceError::QuantityRule {
                violations: v.into_iter().map(Into::into).collect(),
            },
            c::CommerceError::PriceChanged(v) => CommerceError::PriceChanged {
                changes: v.into_iter().map(Into::into).collect(),
            },
            c::CommerceError::QuoteExpired(v) => CommerceError::QuoteExpired { detail: v },
            c::CommerceError::Undeliverable(v) => CommerceError::Undeliverable { detail: v },
            c::CommerceError::PaymentDeclined(v) => CommerceError::PaymentDeclined { detail: v },
            c::CommerceError::HumanRequired(v) => CommerceError::HumanRequired {
                escalation: v.into(),
            },
            c::CommerceError::IdempotencyConflict(v) => {
                CommerceError::IdempotencyConflict { detail: v }
            }
            c::CommerceError::InProgress(v) => CommerceError::InProgress(v.into()),
            c::CommerceError::RateLimited(v) => CommerceError::RateLimited(v.into()),
            c::CommerceError::SupplierUnavailable(v) => {
                CommerceError::SupplierUnavailable(v.into())
            }
            c::CommerceError::SupplierRejected(v) => CommerceError::SupplierRejected(v.into()),
            c::CommerceError::Unsupported(v) => CommerceError::Unsupported { detail: v },
            c::CommerceError::Internal(v) => CommerceError::Internal { detail: v },
        }
    }
}

impl From<CommerceError> for c::CommerceError {
    fn from(v: CommerceError) -> Self {
        match v {
            CommerceError::InvalidRequest(v) => c::CommerceError::InvalidRequest(v.into()),
            CommerceError::NotFound { detail } => c::CommerceError::NotFound(detail),
            CommerceError::Unauthorized { detail } => c::CommerceError::Unauthorized(detail),
            CommerceError::Forbidden { detail } => c::CommerceError::Forbidden(detail),
            CommerceError::OutOfStock { shortfalls } => {
                c::CommerceError::OutOfStock(shortfalls.into_iter().map(Into::into).collect())
            }
            CommerceError::QuantityRule { violations } => {
                c::CommerceError::QuantityRule(violations.into_iter().map(Into::into).collect())
            }
            CommerceError::PriceChanged { changes } => {
                c::CommerceError::PriceChanged(changes.into_iter().map(Into::into).collect())
            }
            CommerceError::QuoteExpired { detail } => c::CommerceError::QuoteExpired(detail),
            CommerceError::Undeliverable { detail } => c::CommerceError::Undeliverable(detail),
            CommerceError::PaymentDeclined { detail } => c::CommerceError::PaymentDeclined(detail),
            CommerceError::HumanRequired { escalation } => {
                c::CommerceError::HumanRequired(escalation.into())
            }
            CommerceError::IdempotencyConflict { detail } => {
                c::CommerceError::IdempotencyConflict(detail)
            }
            CommerceError::InProgress(v) => c::CommerceError::InProgress(v.into()),
            CommerceError::RateLimited(v) => c::CommerceError::RateLimited(v.into()),
            CommerceError::SupplierUnavailable(v) => {
                c::CommerceError::SupplierUnavailable(v.into())
            }
            CommerceError::SupplierRejected(v) => c::CommerceError::SupplierRejected(v.into()),
            CommerceError::Unsupported { detail } => c::CommerceError::Unsupported(detail),
            CommerceError::Internal { detail } => c::CommerceError::Internal(detail),
        }
    }
}
