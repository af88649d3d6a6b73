//! Reading the buyer's UBL documents (RequestForQuotation, Order, OrderCancellation) and
//! writing Nordfast's (Catalogue, Quotation, OrderResponse, DespatchAdvice, Invoice,
//! ApplicationResponse, and the document-list envelope).

use super::catalogue::{Break, Item};
use super::numbers::{Dec, amount, gs1_check_digit, parse_ubl_date, ubl_date, ubl_time};
use super::state::{ApiError, OrderLineRecord, OrderRecord, QuotationRecord};
use mercato_sdk::xml::{Element, XmlWriter, parse};

/// Currency Nordfast trades in.
pub(crate) const CURRENCY: &str = "EUR";
/// Countries Nordfast delivers to.
pub(crate) const SHIP_TO: [&str; 7] = ["DE", "AT", "CH", "DK", "SE", "NO", "NL"];
/// Namespace of the envelope that lists several documents in one response.
pub(crate) const DOCUMENT_LIST_NS: &str = "urn:nordfast:api:document-list:1";
/// `listID` marking the availability properties on catalogue items.
pub(crate) const AVAILABILITY_LIST: &str = "nordfast-availability";

const UBL_VERSION: &str = "2.1";
const CATALOGUE_CUSTOMIZATION: &str = "urn:fdc:peppol.eu:poacc:trns:catalogue:3";
const CATALOGUE_PROFILE: &str = "urn:fdc:peppol.eu:poacc:bis:catalogue_only:3";
const QUOTATION_CUSTOMIZATION: &str = "urn:nordfast:ubl:trns:quotation:1";
const ORDERING_PROFILE: &str = "urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3";
const ORDER_RESPONSE_CUSTOMIZATION: &str = "urn:fdc:peppol.eu:poacc:trns:order_response:3";
const DESPATCH_CUSTOMIZATION: &str = "urn:fdc:peppol.eu:poacc:trns:despatch_advice:3";
const DESPATCH_PROFILE: &str = "urn:fdc:peppol.eu:poacc:bis:despatch_advice:3";
const INVOICE_CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const INVOICE_PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
const MLR_CUSTOMIZATION: &str = "urn:fdc:peppol.eu:poacc:trns:mlr:3";
const MLR_PROFILE: &str = "urn:fdc:peppol.eu:poacc:bis:mlr:3";

/// Nordfast's GLN (fictional company prefix).
fn supplier_gln() -> String {
    let body = "579999900001";
    format!("{body}{}", gs1_check_digit(body))
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// One requested line of an RFQ or an Order.
#[derive(Debug, Clone)]
pub(crate) struct RequestedLine {
    /// Buyer's line id.
    pub line_id: String,
    /// Seller's item id, if given.
    pub seller_id: Option<String>,
    /// GTIN, if given.
    pub gtin: Option<String>,
    /// Whole pieces wanted.
    pub quantity: u64,
    /// Price the buyer expects, with its base quantity.
    pub price: Option<(Dec, u64)>,
    /// `PartialDeliveryIndicator` (default true).
    pub partial_delivery: bool,
    /// `BackOrderAllowedIndicator` (default true).
    pub backorder_allowed: bool,
}

/// Who is buying, as far as the documents say.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buyer {
    /// Legal or party name.
    pub name: Option<String>,
    /// Peppol endpoint (`scheme:id`).
    pub endpoint: Option<String>,
    /// Originator (device or agent).
    pub originator: Option<String>,
}

/// A parsed RequestForQuotation.
#[derive(Debug, Clone)]
pub(crate) struct RfqDocument {
    /// Buyer's RFQ id.
    pub id: String,
    /// Delivery country.
    pub country: Option<String>,
    /// Buyer.
    pub buyer: Buyer,
    /// Lines.
    pub lines: Vec<RequestedLine>,
}

/// A parsed Order.
#[derive(Debug, Clone)]
pub(crate) struct OrderDocument {
    /// Buyer PO (`cbc:ID`).
    pub buyer_po: String,
    /// Idempotency key (`cbc:UUID`).
    pub uuid: String,
    /// Quotation accepted.
    pub quotation_id: Option<String>,
    /// Delivery country.
    pub country: Option<String>,
    /// Delivery location GLN.
    pub location_gln: Option<String>,
    /// Latest requested delivery (end of the requested period).
    pub requested_by: Option<i64>,
    /// Buyer.
    pub buyer: Buyer,
    /// Lines.
    pub lines: Vec<RequestedLine>,
}

impl OrderDocument {
    /// Everything that makes two orders the same order, in one string; issue date and time,
    /// notes and party details are left out so that a re-sent document still matches.
    pub fn fingerprint(&self) -> String {
        let mut s = format!(
            "{}|{:?}|{:?}|{:?}|{:?}",
            self.buyer_po, self.quotation_id, self.country, self.location_gln, self.requested_by
        );
        for l in &self.lines {
            let price = l.price.map(|(p, b)| format!("{p}/{b}"));
            s.push_str(&format!(
                "|{}:{:?}:{:?}:{}:{:?}:{}:{}",
                l.line_id,
                l.seller_id,
                l.gtin,
                l.quantity,
                price,
                l.partial_delivery,
                l.backorder_allowed
            ));
        }
        s
    }
}

/// A parsed OrderCancellation.
#[derive(Debug, Clone)]
pub(crate) struct CancellationDocument {
    /// Cancellation document id.
    pub id: String,
    /// Supplier order id from `OrderReference/SalesOrderID`.
    pub sales_order_id: Option<String>,
    /// Buyer PO from `OrderReference/ID`.
    pub buyer_po: Option<String>,
    /// `CancellationNote`.
    pub reason: Option<String>,
}

fn invalid(text: impl Into<String>) -> ApiError {
    ApiError::invalid_document(text)
}

fn root_of(body: &str, expected: &str) -> Result<Element, ApiError> {
    let root = parse(body).map_err(|e| invalid(format!("cannot read the {expected}: {e}")))?;
    let ns = format!("urn:oasis:names:specification:ubl:schema:xsd:{expected}-2");
    if root.name != expected || root.namespace.as_deref() != Some(ns.as_str()) {
        return Err(invalid(format!(
            "expected a UBL {expected} (root element {expected} in namespace {ns}), got {} in {}",
            root.name,
            root.namespace.as_deref().unwrap_or("no namespace")
        )));
    }
    Ok(root)
}

fn required<'a>(root: &'a Element, path: &str, doc: &str) -> Result<&'a str, ApiError> {
    root.text_at(path)
        .ok_or_else(|| invalid(format!("{doc}/{path} is missing or empty")))
}

fn check_currency(root: &Element, doc: &str) -> Result<(), ApiError> {
    for element in ["DocumentCurrencyCode", "PricingCurrencyCode"] {
        if let Some(c) = root.text_at(element)
            && !c.eq_ignore_ascii_case(CURRENCY)
        {
            return Err(ApiError::unsupported_currency(format!(
                "{doc}/{element} is {c}; Nordfast sells in EUR only"
            )));
        }
    }
    Ok(())
}

fn bool_at(element: &Element, path: &str, default: bool, what: &str) -> Result<bool, ApiError> {
    match element.text_at(path) {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(invalid(format!(
            "{what}/{path} is {other:?}, not true or false"
        ))),
    }
}

fn whole_pieces(element: &Element, what: &str) -> Result<u64, ApiError> {
    let unit = element.attr("unitCode").unwrap_or("C62");
    if unit != "C62" {
        return Err(invalid(format!(
            "{what} has unitCode {unit:?}; Nordfast sells every item in C62 (pieces)"
        )));
    }
    let text = element.value().unwrap_or("");
    let value = Dec::parse(text).map_err(|e| invalid(format!("{what}: {e}")))?;
    value
        .whole()
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| invalid(format!("{what} is {text:?}; expected whole pieces")))
}

fn line_item(item: &Element, what: &str) -> Result<RequestedLine, ApiError> {
    let line_id = required(item, "ID", what)?.to_string();
    let what = format!("{what}[{line_id}]");
    let qty_el = item
        .child("Quantity")
        .ok_or_else(|| invalid(format!("{what}/Quantity is missing")))?;
    let quantity = whole_pieces(qty_el, &format!("{what}/Quantity"))?;
    if quantity == 0 {
        return Err(invalid(format!("{what}/Quantity must be more than zero")));
    }
    let price = match item.child("Price") {
        None => None,
        Some(p) => {
            let amount_el = p
                .child("PriceAmount")
                .ok_or_else(|| invalid(format!("{what}/Price/PriceAmount is missing")))?;
            if let Some(c) = amount_el.attr("currencyID")
                && c != CURRENCY
            {
                return Err(ApiError::unsupported_currency(format!(
                    "{what}/Price/PriceAmount is in {c}; Nordfast sells in EUR only"
                )));
            }
            let value = Dec::parse(amount_el.value().unwrap_or(""))
                .map_err(|e| invalid(format!("{what}/Price/PriceAmount: {e}")))?;
            let basis = match p.child("BaseQuantity") {
                Some(b) => whole_pieces(b, &format!("{what}/Price/BaseQuantity"))?,
                None => 1,
            };
            if basis == 0 {
                return Err(invalid(format!(
                    "{what}/Price/BaseQuantity must not be zero"
                )));
            }
            Some((value, basis))
        }
    };
    let seller_id = item
        .text_at("Item/SellersItemIdentification/ID")
        .map(str::to_string);
    let gtin = item
        .find("Item/StandardItemIdentification/ID")
        .filter(|id| id.attr("schemeID").is_none_or(|s| s == "0160"))
        .and_then(Element::value)
        .map(str::to_string);
    if seller_id.is_none() && gtin.is_none() {
        return Err(invalid(format!(
            "{what}/Item names no item: give SellersItemIdentification/ID or \
             StandardItemIdentification/ID (schemeID 0160)"
        )));
    }
    Ok(RequestedLine {
        line_id,
        seller_id,
        gtin,
        quantity,
        price,
        partial_delivery: bool_at(item, "PartialDeliveryIndicator", true, &what)?,
        backorder_allowed: bool_at(item, "BackOrderAllowedIndicator", true, &what)?,
    })
}

fn buyer_of(root: &Element) -> Buyer {
    let party = root.find("BuyerCustomerParty/Party");
    let name = party.and_then(|p| {
        p.text_at("PartyLegalEntity/RegistrationName")
            .or_else(|| p.text_at("PartyName/Name"))
    });
    let endpoint = party.and_then(|p| p.child("EndpointID")).and_then(|e| {
        e.value()
            .map(|v| format!("{}:{v}", e.attr("schemeID").unwrap_or("0088")))
    });
    let originator = root.find("OriginatorCustomerParty/Party").and_then(|p| {
        p.text_at("PartyName/Name")
            .or_else(|| p.text_at("PartyIdentification/ID"))
    });
    Buyer {
        name: name.map(str::to_string),
        endpoint,
        originator: originator.map(str::to_string),
    }
}

fn country_of(delivery: Option<&Element>) -> Option<String> {
    let d = delivery?;
    d.text_at("DeliveryLocation/Address/Country/IdentificationCode")
        .or_else(|| d.text_at("DeliveryAddress/Country/IdentificationCode"))
        .map(str::to_ascii_uppercase)
}

fn distinct_line_ids(lines: &[RequestedLine], doc: &str) -> Result<(), ApiError> {
    let mut ids: Vec<&str> = lines.iter().map(|l| l.line_id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(invalid(format!("{doc} has two lines with ID {:?}", w[0])));
    }
    if lines.is_empty() {
        return Err(invalid(format!("{doc} has no lines")));
    }
    Ok(())
}

/// Read a RequestForQuotation.
pub(crate) fn read_rfq(body: &str) -> Result<RfqDocument, ApiError> {
    const DOC: &str = "RequestForQuotation";
    let root = root_of(body, DOC)?;
    check_currency(&root, DOC)?;
    let id = required(&root, "ID", DOC)?.to_string();
    let lines = root
        .children("RequestForQuotationLine")
        .map(|l| {
            l.child("LineItem")
                .ok_or_else(|| invalid(format!("{DOC}/RequestForQuotationLine has no LineItem")))
                .and_then(|li| line_item(li, "RequestForQuotationLine/LineItem"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    distinct_line_ids(&lines, DOC)?;
    Ok(RfqDocument {
        id,
        country: country_of(root.child("Delivery")),
        buyer: buyer_of(&root),
        lines,
    })
}

/// Read an Order.
pub(crate) fn read_order(body: &str) -> Result<OrderDocument, ApiError> {
    const DOC: &str = "Order";
    let root = root_of(body, DOC)?;
    check_currency(&root, DOC)?;
    let buyer_po = required(&root, "ID", DOC)?.to_string();
    let uuid = required(&root, "UUID", DOC)?.to_string();
    let lines = root
        .children("OrderLine")
        .map(|l| {
            l.child("LineItem")
                .ok_or_else(|| invalid(format!("{DOC}/OrderLine has no LineItem")))
                .and_then(|li| line_item(li, "OrderLine/LineItem"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    distinct_line_ids(&lines, DOC)?;
    let delivery = root.child("Delivery");
    let requested_by = match delivery.and_then(|d| d.text_at("RequestedDeliveryPeriod/EndDate")) {
        Some(d) => Some(parse_ubl_date(d).map_err(|e| {
            invalid(format!(
                "Order/Delivery/RequestedDeliveryPeriod/EndDate: {e}"
            ))
        })?),
        None => None,
    };
    Ok(OrderDocument {
        buyer_po,
        uuid,
        quotation_id: root
            .text_at("QuotationDocumentReference/ID")
            .map(str::to_string),
        country: country_of(delivery),
        location_gln: delivery
            .and_then(|d| d.text_at("DeliveryLocation/ID"))
            .map(str::to_string),
        requested_by,
        buyer: buyer_of(&root),
        lines,
    })
}

/// Read an OrderCancellation.
pub(crate) fn read_cancellation(body: &str) -> Result<CancellationDocument, ApiError> {
    const DOC: &str = "OrderCancellation";
    let root = root_of(body, DOC)?;
    let id = required(&root, "ID", DOC)?.to_string();
    let reference = root
        .child("OrderReference")
        .ok_or_else(|| invalid("OrderCancellation/OrderReference is missing"))?;
    let sales_order_id = reference.text_at("SalesOrderID").map(str::to_string);
    let buyer_po = reference.text_at("ID").map(str::to_string);
    if sales_order_id.is_none() && buyer_po.is_none() {
        return Err(invalid(
            "OrderCancellation/OrderReference names no order: give ID (buyer PO) or SalesOrderID",
        ));
    }
    Ok(CancellationDocument {
        id,
        sales_order_id,
        buyer_po,
        reason: root.text_at("CancellationNote").map(str::to_string),
    })
}

// ---------------------------------------------------------------------------------------------
// Writing: building blocks
// ---------------------------------------------------------------------------------------------

fn header(w: &mut XmlWriter, customization: &str, profile: &str, id: &str, issued_ms: i64) {
    w.leaf("cbc:UBLVersionID", UBL_VERSION)
        .leaf("cbc:CustomizationID", customization)
        .leaf("cbc:ProfileID", profile)
        .leaf("cbc:ID", id);
    w.leaf("cbc:IssueDate", &ubl_date(issued_ms))
        .leaf("cbc:IssueTime", &ubl_time(issued_ms));
}

fn money(w: &mut XmlWriter, name: &str, cents: i64) {
    w.leaf_with(name, &[("currencyID", CURRENCY)], &amount(cents));
}

fn pieces(w: &mut XmlWriter, name: &str, qty: u64) {
    w.leaf_with(name, &[("unitCode", "C62")], &qty.to_string());
}

fn price(w: &mut XmlWriter, value: Dec, basis: u64, valid_until: Option<i64>) {
    w.start("cac:Price");
    w.leaf_with(
        "cbc:PriceAmount",
        &[("currencyID", CURRENCY)],
        &value.to_string(),
    );
    pieces(w, "cbc:BaseQuantity", basis);
    if let Some(until) = valid_until {
        w.start("cac:ValidityPeriod")
            .leaf("cbc:EndDate", &ubl_date(until))
            .leaf("cbc:EndTime", &ubl_time(until))
            .end();
    }
    w.end();
}

fn period(w: &mut XmlWriter, name: &str, start_ms: i64, end_ms: i64) {
    w.start(name)
        .leaf("cbc:StartDate", &ubl_date(start_ms))
        .leaf("cbc:EndDate", &ubl_date(end_ms))
        .end();
}

fn supplier_party(w: &mut XmlWriter, name: &str) {
    let gln = supplier_gln();
    w.start(name).start("cac:Party");
    w.leaf_with("cbc:EndpointID", &[("schemeID", "0088")], &gln);
    w.start("cac:PartyIdentification")
        .leaf_with("cbc:ID", &[("schemeID", "0088")], &gln)
        .end();
    w.start("cac:PartyName")
        .leaf("cbc:Name", "Nordfast Industrial")
        .end();
    w.start("cac:PostalAddress")
        .leaf("cbc:StreetName", "Industrivej 12")
        .leaf("cbc:CityName", "Kolding")
        .leaf("cbc:PostalZone", "6000");
    w.start("cac:Country")
        .leaf("cbc:IdentificationCode", "DK")
        .end();
    w.end();
    w.start("cac:PartyLegalEntity")
        .leaf("cbc:RegistrationName", "Nordfast Industrial A/S")
        .end();
    w.end().end();
}

fn customer_party(w: &mut XmlWriter, name: &str, buyer: &Buyer) {
    w.start(name).start("cac:Party");
    if let Some((scheme, id)) = buyer.endpoint.as_deref().and_then(|e| e.split_once(':')) {
        w.leaf_with("cbc:EndpointID", &[("schemeID", scheme)], id);
    }
    let legal = buyer.name.as_deref().unwrap_or("Unnamed buyer");
    w.start("cac:PartyName").leaf("cbc:Name", legal).end();
    w.start("cac:PartyLegalEntity")
        .leaf("cbc:RegistrationName", legal)
        .end();
    w.end().end();
}

fn item_block(w: &mut XmlWriter, item: &Item) {
    w.start("cac:Item").leaf("cbc:Name", item.name);
    w.start("cac:SellersItemIdentification")
        .leaf("cbc:ID", item.id)
        .end();
    w.start("cac:StandardItemIdentification")
        .leaf_with("cbc:ID", &[("schemeID", "0160")], &item.gtin())
        .end();
    w.end();
}

/// How a delivery country is taxed (EN 16931 VAT category codes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaxCategory {
    /// `S` standard, `K` intra-community supply, `G` export.
    pub code: &'static str,
    /// Rate in percent.
    pub percent: u32,
    /// Why no VAT is charged, for `K` and `G`.
    pub exemption: Option<&'static str>,
}

/// VAT for goods shipped from Nordfast's German warehouse to `country`.
pub(crate) fn tax_for(country: &str) -> TaxCategory {
    match country {
        "DE" => TaxCategory {
            code: "S",
            percent: 19,
            exemption: None,
        },
        "CH" | "NO" => TaxCategory {
            code: "G",
            percent: 0,
            exemption: Some("Export outside the EU"),
        },
        _ => TaxCategory {
            code: "K",
            percent: 0,
            exemption: Some("Intra-community supply"),
        },
    }
}

/// Money of a document: net lines, freight, VAT.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocTotals {
    /// Sum of line extension amounts, cents.
    pub lines: i64,
    /// Freight charge, cents.
    pub freight: i64,
    /// VAT category.
    pub tax: TaxCategory,
}

impl DocTotals {
    /// Lines plus freight.
    pub fn taxable(&self) -> i64 {
        self.lines + self.freight
    }

    /// VAT, rounded once on the document total.
    pub fn tax_amount(&self) -> i64 {
        super::numbers::percent_of(self.taxable(), self.tax.percent)
    }

    /// What the buyer pays.
    pub fn payable(&self) -> i64 {
        self.taxable() + self.tax_amount()
    }
}

fn tax_category(w: &mut XmlWriter, name: &str, tax: TaxCategory) {
    w.start(name).leaf("cbc:ID", tax.code);
    w.leaf("cbc:Percent", &tax.percent.to_string());
    if let Some(reason) = tax.exemption {
        w.leaf("cbc:TaxExemptionReason", reason);
    }
    w.start("cac:TaxScheme").leaf("cbc:ID", "VAT").end();
    w.end();
}

fn freight_and_tax(w: &mut XmlWriter, totals: &DocTotals) {
    if totals.freight != 0 {
        w.start("cac:AllowanceCharge")
            .leaf("cbc:ChargeIndicator", "true")
            .leaf("cbc:AllowanceChargeReasonCode", "FC")
            .leaf("cbc:AllowanceChargeReason", "Freight");
        money(w, "cbc:Amount", totals.freight);
        tax_category(w, "cac:TaxCategory", totals.tax);
        w.end();
    }
    w.start("cac:TaxTotal");
    money(w, "cbc:TaxAmount", totals.tax_amount());
    w.start("cac:TaxSubtotal");
    money(w, "cbc:TaxableAmount", totals.taxable());
    money(w, "cbc:TaxAmount", totals.tax_amount());
    tax_category(w, "cac:TaxCategory", totals.tax);
    w.end().end();
}

fn monetary_total(w: &mut XmlWriter, name: &str, totals: &DocTotals) {
    w.start(name);
    money(w, "cbc:LineExtensionAmount", totals.lines);
    money(w, "cbc:TaxExclusiveAmount", totals.taxable());
    money(w, "cbc:TaxInclusiveAmount", totals.payable());
    money(w, "cbc:ChargeTotalAmount", totals.freight);
    money(w, "cbc:PayableAmount", totals.payable());
    w.end();
}

// ---------------------------------------------------------------------------------------------
// Writing: documents
// ---------------------------------------------------------------------------------------------

/// Stock facts of one item at the moment a catalogue is issued.
#[derive(Debug, Clone)]
pub(crate) struct CatalogueEntry<'a> {
    /// The item.
    pub item: &'a Item,
    /// Pieces on hand.
    pub on_hand: u64,
    /// Next scheduled restock `(at, pieces)`.
    pub restock: Option<(i64, u64)>,
    /// Break prices now.
    pub breaks: Vec<Break>,
    /// When index prices change next.
    pub price_valid_until: Option<i64>,
}

/// A `Catalogue` document with one `CatalogueLine` per entry.
pub(crate) fn catalogue(id: &str, now: i64, entries: &[CatalogueEntry<'_>]) -> String {
    let mut w = XmlWriter::ubl("Catalogue");
    header(&mut w, CATALOGUE_CUSTOMIZATION, CATALOGUE_PROFILE, id, now);
    w.leaf("cbc:Name", "Nordfast Industrial catalogue");
    w.leaf("cbc:LineCountNumeric", &entries.len().to_string());
    w.start("cac:ValidityPeriod")
        .leaf("cbc:StartDate", &ubl_date(now))
        .end();
    supplier_party(&mut w, "cac:ProviderParty");
    w.start("cac:ReceiverParty")
        .start("cac:PartyName")
        .leaf("cbc:Name", "Catalogue subscribers")
        .end()
        .end();
    supplier_party(&mut w, "cac:SellerSupplierParty");
    for e in entries {
        catalogue_line(&mut w, e);
    }
    w.finish()
}

fn catalogue_line(w: &mut XmlWriter, e: &CatalogueEntry<'_>) {
    let item = e.item;
    w.start("cac:CatalogueLine").leaf("cbc:ID", item.id);
    w.leaf("cbc:OrderableIndicator", "true")
        .leaf("cbc:OrderableUnit", "C62");
    pieces(w, "cbc:ContentUnitQuantity", 1);
    if let Some(inc) = item.increment {
        w.leaf("cbc:OrderQuantityIncrementNumeric", &inc.to_string());
    }
    if let Some(min) = item.minimum {
        pieces(w, "cbc:MinimumOrderQuantity", min);
    }
    for (i, b) in e.breaks.iter().enumerate() {
        w.start("cac:RequiredItemLocationQuantity");
        w.leaf_with(
            "cbc:LeadTimeMeasure",
            &[("unitCode", "DAY")],
            &item.lead_days.to_string(),
        );
        pieces(w, "cbc:MinimumQuantity", b.min);
        if let Some(next) = e.breaks.get(i + 1) {
            pieces(w, "cbc:MaximumQuantity", next.min.saturating_sub(1));
        }
        price(w, b.price, item.basis, e.price_valid_until);
        w.end();
    }
    w.start("cac:Item")
        .leaf("cbc:Description", item.description)
        .leaf("cbc:Name", item.name);
    for k in item.keywords {
        w.leaf("cbc:Keyword", k);
    }
    w.leaf("cbc:BrandName", item.brand);
    w.start("cac:SellersItemIdentification")
        .leaf("cbc:ID", item.id)
        .end();
    w.start("cac:ManufacturersItemIdentification")
        .leaf("cbc:ID", item.mpn)
        .end();
    w.start("cac:StandardItemIdentification")
        .leaf_with("cbc:ID", &[("schemeID", "0160")], &item.gtin())
        .end();
    w.start("cac:CommodityClassification")
        .leaf_with(
            "cbc:ItemClassificationCode",
            &[("listID", "UNSPSC")],
            item.unspsc,
        )
        .end();
    w.start("cac:CommodityClassification")
        .leaf_with(
            "cbc:ItemClassificationCode",
            &[("listID", "NORDFAST")],
            item.category,
        )
        .end();
    tax_category(w, "cac:ClassifiedTaxCategory", tax_for("DE"));
    for (name, value) in item.attributes {
        w.start("cac:AdditionalItemProperty")
            .leaf("cbc:Name", name)
            .leaf("cbc:Value", value)
            .end();
    }
    availability_property(
        w,
        "OnHandQuantity",
        "on-hand",
        &e.on_hand.to_string(),
        Some(e.on_hand),
    );
    if let Some((at, qty)) = e.restock {
        availability_property(
            w,
            "NextRestockDate",
            "next-restock-date",
            &ubl_date(at),
            None,
        );
        availability_property(
            w,
            "NextRestockQuantity",
            "next-restock-quantity",
            &qty.to_string(),
            Some(qty),
        );
    }
    w.start("cac:ManufacturerParty")
        .start("cac:PartyName")
        .leaf("cbc:Name", item.brand)
        .end()
        .end();
    w.end();
    w.end();
}

fn availability_property(w: &mut XmlWriter, name: &str, code: &str, value: &str, qty: Option<u64>) {
    w.start("cac:AdditionalItemProperty")
        .leaf("cbc:Name", name)
        .leaf_with("cbc:NameCode", &[("listID", AVAILABILITY_LIST)], code)
        .leaf("cbc:Value", value);
    if let Some(q) = qty {
        pieces(w, "cbc:ValueQuantity", q);
    }
    w.end();
}

/// A `Quotation` answering an RFQ.
pub(crate) fn quotation(q: &QuotationRecord) -> String {
    let mut w = XmlWriter::ubl("Quotation");
    header(
        &mut w,
        QUOTATION_CUSTOMIZATION,
        ORDERING_PROFILE,
        &q.id,
        q.created_ms,
    );
    w.leaf(
        "cbc:Note",
        "Firm quotation; prices hold until the end of the validity period.",
    );
    w.leaf("cbc:PricingCurrencyCode", CURRENCY);
    w.leaf("cbc:LineCountNumeric", &q.lines.len().to_string());
    w.start("cac:ValidityPeriod")
        .leaf("cbc:StartDate", &ubl_date(q.created_ms))
        .leaf("cbc:StartTime", &ubl_time(q.created_ms))
        .leaf("cbc:EndDate", &ubl_date(q.valid_until_ms))
        .leaf("cbc:EndTime", &ubl_time(q.valid_until_ms))
        .end();
    w.start("cac:RequestForQuotationDocumentReference")
        .leaf("cbc:ID", &q.rfq_id)
        .end();
    supplier_party(&mut w, "cac:SellerSupplierParty");
    customer_party(&mut w, "cac:BuyerCustomerParty", &q.buyer);
    w.start("cac:Delivery")
        .start("cac:DeliveryLocation")
        .start("cac:Address")
        .start("cac:Country")
        .leaf("cbc:IdentificationCode", &q.country)
        .end()
        .end()
        .end()
        .end();
    let totals = q.totals();
    freight_and_tax(&mut w, &totals);
    monetary_total(&mut w, "cac:QuotedMonetaryTotal", &totals);
    for l in &q.lines {
        w.start("cac:QuotationLine").leaf("cbc:ID", &l.line_id);
        for note in &l.notes {
            w.leaf("cbc:Note", note);
        }
        w.start("cac:LineItem").leaf("cbc:ID", &l.line_id);
        pieces(&mut w, "cbc:Quantity", l.quantity);
        money(&mut w, "cbc:LineExtensionAmount", l.total_cents());
        w.start("cac:Delivery");
        period(
            &mut w,
            "cac:PromisedDeliveryPeriod",
            l.promised.0,
            l.promised.1,
        );
        w.end();
        price(&mut w, l.price, l.item.basis, None);
        item_block(&mut w, &l.item);
        w.end();
        w.end();
    }
    w.finish()
}

/// What an OrderResponse answers: the Order itself or an OrderCancellation.
#[derive(Debug, Clone)]
pub(crate) enum Answering<'a> {
    /// The order (first answer, or a later change pushed by Nordfast).
    Order,
    /// A cancellation: its id, whether it was accepted, and why.
    Cancellation {
        /// Cancellation document id.
        id: &'a str,
        /// AP (true) or RE (false).
        accepted: bool,
        /// Nordfast's note.
        note: &'a str,
    },
}

/// An `OrderResponse` for an order in its current state.
pub(crate) fn order_response(
    order: &OrderRecord,
    response_id: &str,
    issued_ms: i64,
    answering: &Answering<'_>,
) -> String {
    let mut w = XmlWriter::ubl("OrderResponse");
    header(
        &mut w,
        ORDER_RESPONSE_CUSTOMIZATION,
        ORDERING_PROFILE,
        response_id,
        issued_ms,
    );
    let (code, note) = match answering {
        Answering::Order => (order.code.as_str(), order.note.clone()),
        Answering::Cancellation { accepted, note, .. } => (
            if *accepted { "AP" } else { "RE" },
            Some((*note).to_string()),
        ),
    };
    w.leaf_with(
        "cbc:OrderResponseCode",
        &[("listID", "UNCL4343OpSubset")],
        code,
    );
    if let Some(n) = note {
        w.leaf("cbc:Note", &n);
    }
    w.leaf("cbc:SalesOrderID", &order.id);
    w.leaf("cbc:DocumentCurrencyCode", CURRENCY);
    w.start("cac:OrderReference")
        .leaf("cbc:ID", &order.buyer_po)
        .leaf("cbc:SalesOrderID", &order.id)
        .leaf("cbc:UUID", &order.uuid)
        .leaf("cbc:IssueDate", &ubl_date(order.created_ms))
        .end();
    if let Some(q) = &order.quotation_id {
        w.start("cac:AdditionalDocumentReference")
            .leaf("cbc:ID", q)
            .leaf("cbc:DocumentType", "Quotation")
            .end();
    }
    if let Answering::Cancellation { id, .. } = answering {
        w.start("cac:AdditionalDocumentReference")
            .leaf("cbc:ID", id)
            .leaf("cbc:DocumentType", "OrderCancellation")
            .end();
    }
    supplier_party(&mut w, "cac:SellerSupplierParty");
    customer_party(&mut w, "cac:BuyerCustomerParty", &order.buyer);
    if let Some(originator) = &order.buyer.originator {
        w.start("cac:OriginatorCustomerParty")
            .start("cac:Party")
            .start("cac:PartyName")
            .leaf("cbc:Name", originator)
            .end()
            .end()
            .end();
    }
    let totals = order.totals();
    freight_and_tax(&mut w, &totals);
    monetary_total(&mut w, "cac:LegalMonetaryTotal", &totals);
    for line in &order.lines {
        order_response_line(&mut w, line);
    }
    w.finish()
}

fn order_response_line(w: &mut XmlWriter, line: &OrderLineRecord) {
    w.start("cac:OrderLine").start("cac:LineItem");
    w.leaf("cbc:ID", &line.line_id);
    for note in &line.notes {
        w.leaf("cbc:Note", note);
    }
    w.leaf("cbc:LineStatusCode", line.status.code());
    pieces(w, "cbc:Quantity", line.confirmed);
    money(w, "cbc:LineExtensionAmount", line.total_cents());
    // One Delivery per part: what ships from stock, and what waits for a restock.
    if line.confirmed > 0 {
        let from_stock = line.confirmed - line.waiting();
        if from_stock > 0 {
            w.start("cac:Delivery");
            pieces(w, "cbc:Quantity", from_stock);
            period(
                w,
                "cac:PromisedDeliveryPeriod",
                line.promised_from_stock.0,
                line.promised_from_stock.1,
            );
            w.end();
        }
        if line.waiting() > 0 {
            w.start("cac:Delivery");
            pieces(w, "cbc:Quantity", line.waiting());
            period(
                w,
                "cac:PromisedDeliveryPeriod",
                line.promised_later.0,
                line.promised_later.1,
            );
            w.end();
        }
    }
    w.start("cac:Price");
    w.leaf_with(
        "cbc:PriceAmount",
        &[("currencyID", CURRENCY)],
        &line.price.to_string(),
    );
    pieces(w, "cbc:BaseQuantity", line.basis);
    if let Some(reason) = &line.price_change_reason {
        w.leaf("cbc:PriceChangeReason", reason);
    }
    w.end();
    w.start("cac:Item").leaf("cbc:Name", &line.item_name);
    if let Some(id) = &line.item_id {
        w.start("cac:SellersItemIdentification")
            .leaf("cbc:ID", id)
            .end();
    }
    if let Some(g) = &line.gtin {
        w.start("cac:StandardItemIdentification")
            .leaf_with("cbc:ID", &[("schemeID", "0160")], g)
            .end();
    }
    w.end();
    w.end();
    w.start("cac:OrderLineReference")
        .leaf("cbc:LineID", &line.line_id)
        .end();
    w.end();
}

/// One line of a despatch.
#[derive(Debug, Clone)]
pub(crate) struct DespatchedLine {
    /// Buyer's order line id.
    pub line_id: String,
    /// Seller's item id.
    pub item_id: String,
    /// Item name.
    pub item_name: String,
    /// Pieces in this despatch.
    pub delivered: u64,
    /// Pieces still to come for the line.
    pub outstanding: u64,
    /// Lot number.
    pub lot: String,
    /// Unit price and basis, for the invoice.
    pub price: (Dec, u64),
}

/// Facts of one despatch.
#[derive(Debug, Clone)]
pub(crate) struct Despatch<'a> {
    /// Despatch advice id.
    pub id: &'a str,
    /// The order.
    pub order: &'a OrderRecord,
    /// When it left.
    pub at_ms: i64,
    /// Carrier.
    pub carrier: &'a str,
    /// Tracking number.
    pub tracking: &'a str,
    /// SSCC of the package.
    pub sscc: &'a str,
    /// Expected delivery window.
    pub estimated: (i64, i64),
    /// Lines.
    pub lines: &'a [DespatchedLine],
}

/// A `DespatchAdvice`.
pub(crate) fn despatch_advice(d: &Despatch<'_>) -> String {
    let mut w = XmlWriter::ubl("DespatchAdvice");
    header(
        &mut w,
        DESPATCH_CUSTOMIZATION,
        DESPATCH_PROFILE,
        d.id,
        d.at_ms,
    );
    w.leaf("cbc:DespatchAdviceTypeCode", "delivery");
    w.start("cac:OrderReference")
        .leaf("cbc:ID", &d.order.buyer_po)
        .leaf("cbc:SalesOrderID", &d.order.id)
        .end();
    supplier_party(&mut w, "cac:DespatchSupplierParty");
    customer_party(&mut w, "cac:DeliveryCustomerParty", &d.order.buyer);
    w.start("cac:Shipment").leaf("cbc:ID", d.id);
    w.start("cac:Consignment").leaf("cbc:ID", d.tracking);
    w.start("cac:CarrierParty")
        .start("cac:PartyName")
        .leaf("cbc:Name", d.carrier)
        .end()
        .end();
    w.end();
    w.start("cac:Delivery").leaf("cbc:TrackingID", d.tracking);
    period(
        &mut w,
        "cac:EstimatedDeliveryPeriod",
        d.estimated.0,
        d.estimated.1,
    );
    w.start("cac:Despatch")
        .leaf("cbc:ActualDespatchDate", &ubl_date(d.at_ms))
        .leaf("cbc:ActualDespatchTime", &ubl_time(d.at_ms))
        .end();
    w.end();
    w.start("cac:TransportHandlingUnit")
        .leaf_with("cbc:ID", &[("schemeID", "SSCC")], d.sscc)
        .end();
    w.end();
    for (i, l) in d.lines.iter().enumerate() {
        w.start("cac:DespatchLine")
            .leaf("cbc:ID", &(i + 1).to_string());
        pieces(&mut w, "cbc:DeliveredQuantity", l.delivered);
        if l.outstanding > 0 {
            pieces(&mut w, "cbc:OutstandingQuantity", l.outstanding);
            w.leaf("cbc:OutstandingReason", "Backorder: ships when restocked");
        }
        w.start("cac:OrderLineReference")
            .leaf("cbc:LineID", &l.line_id)
            .end();
        w.start("cac:Item").leaf("cbc:Name", &l.item_name);
        w.start("cac:SellersItemIdentification")
            .leaf("cbc:ID", &l.item_id)
            .end();
        w.start("cac:ItemInstance")
            .start("cac:LotIdentification")
            .leaf("cbc:LotNumberID", &l.lot)
            .end()
            .end();
        w.end();
        w.end();
    }
    w.finish()
}

/// Facts of one invoice.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceFacts<'a> {
    /// Invoice number.
    pub id: &'a str,
    /// The order.
    pub order: &'a OrderRecord,
    /// The despatch it bills.
    pub despatch_id: &'a str,
    /// When issued.
    pub issued_ms: i64,
    /// When due.
    pub due_ms: i64,
    /// Lines (delivered quantities are billed).
    pub lines: &'a [DespatchedLine],
    /// Freight billed with this invoice, cents.
    pub freight: i64,
}

/// An EN 16931 `Invoice` (Peppol BIS Billing 3.0).
pub(crate) fn invoice(inv: &InvoiceFacts<'_>) -> String {
    let net: Vec<i64> = inv
        .lines
        .iter()
        .map(|l| super::numbers::line_cents(l.delivered, l.price.0, l.price.1))
        .collect();
    let totals = DocTotals {
        lines: net.iter().sum(),
        freight: inv.freight,
        tax: tax_for(&inv.order.country),
    };
    let mut w = XmlWriter::ubl("Invoice");
    w.leaf("cbc:CustomizationID", INVOICE_CUSTOMIZATION)
        .leaf("cbc:ProfileID", INVOICE_PROFILE)
        .leaf("cbc:ID", inv.id)
        .leaf("cbc:IssueDate", &ubl_date(inv.issued_ms))
        .leaf("cbc:DueDate", &ubl_date(inv.due_ms))
        .leaf("cbc:InvoiceTypeCode", "380")
        .leaf("cbc:DocumentCurrencyCode", CURRENCY)
        .leaf("cbc:BuyerReference", &inv.order.buyer_po);
    w.start("cac:OrderReference")
        .leaf("cbc:ID", &inv.order.buyer_po)
        .leaf("cbc:SalesOrderID", &inv.order.id)
        .end();
    w.start("cac:DespatchDocumentReference")
        .leaf("cbc:ID", inv.despatch_id)
        .end();
    supplier_party(&mut w, "cac:AccountingSupplierParty");
    customer_party(&mut w, "cac:AccountingCustomerParty", &inv.order.buyer);
    w.start("cac:PaymentMeans")
        .leaf("cbc:PaymentMeansCode", "58")
        .leaf("cbc:PaymentID", inv.id)
        .end();
    w.start("cac:PaymentTerms")
        .leaf("cbc:Note", "Net 30 days")
        .end();
    freight_and_tax(&mut w, &totals);
    w.start("cac:LegalMonetaryTotal");
    money(&mut w, "cbc:LineExtensionAmount", totals.lines);
    money(&mut w, "cbc:TaxExclusiveAmount", totals.taxable());
    money(&mut w, "cbc:TaxInclusiveAmount", totals.payable());
    money(&mut w, "cbc:ChargeTotalAmount", totals.freight);
    money(&mut w, "cbc:PayableAmount", totals.payable());
    w.end();
    for (i, (l, cents)) in inv.lines.iter().zip(net).enumerate() {
        w.start("cac:InvoiceLine")
            .leaf("cbc:ID", &(i + 1).to_string());
        pieces(&mut w, "cbc:InvoicedQuantity", l.delivered);
        money(&mut w, "cbc:LineExtensionAmount", cents);
        w.start("cac:OrderLineReference")
            .leaf("cbc:LineID", &l.line_id)
            .end();
        w.start("cac:Item").leaf("cbc:Name", &l.item_name);
        w.start("cac:SellersItemIdentification")
            .leaf("cbc:ID", &l.item_id)
            .end();
        tax_category(&mut w, "cac:ClassifiedTaxCategory", totals.tax);
        w.end();
        price(&mut w, l.price.0, l.price.1, None);
        w.end();
    }
    w.finish()
}

/// A Peppol Message Level Response (`ApplicationResponse`, code `RE`) explaining an error.
pub(crate) fn application_response(id: &str, now: i64, error: &ApiError) -> String {
    let mut w = XmlWriter::ubl("ApplicationResponse");
    header(&mut w, MLR_CUSTOMIZATION, MLR_PROFILE, id, now);
    supplier_party(&mut w, "cac:SenderParty");
    w.start("cac:ReceiverParty")
        .start("cac:PartyName")
        .leaf("cbc:Name", "Buyer")
        .end()
        .end();
    w.start("cac:DocumentResponse");
    w.start("cac:Response")
        .leaf("cbc:ResponseCode", "RE")
        .leaf("cbc:Description", &error.text);
    w.start("cac:Status")
        .leaf_with(
            "cbc:StatusReasonCode",
            &[("listID", "nordfast")],
            error.code,
        )
        .leaf("cbc:StatusReason", &error.text)
        .end();
    w.end();
    w.start("cac:DocumentReference")
        .leaf("cbc:ID", error.document.as_deref().unwrap_or("unknown"))
        .end();
    if let Some(line) = &error.line {
        w.start("cac:LineResponse")
            .start("cac:LineReference")
            .leaf("cbc:LineID", line)
            .end()
            .start("cac:Response")
            .leaf("cbc:ResponseCode", "RE")
            .leaf("cbc:Description", &error.text)
            .end()
            .end();
    }
    w.end();
    w.finish()
}

/// The envelope listing several UBL documents in one response.
pub(crate) fn document_list(documents: &[&str]) -> String {
    let count = documents.len().to_string();
    let mut w = XmlWriter::with_root(
        "nf:DocumentList",
        &[("xmlns:nf", DOCUMENT_LIST_NS), ("count", &count)],
    );
    for d in documents {
        w.embed(d);
    }
    w.finish()
}
