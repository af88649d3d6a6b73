//! Building the UBL documents the adapter sends: RequestForQuotation, Order and
//! OrderCancellation. Pure functions from contract requests to XML text.

use mercato_sdk::contract::{
    Address, CallContext, ItemRef, OrderRequest, PartialDelivery, PaymentInstruction, Price,
    Quantity, QuoteRequest, TimeWindow,
};
use mercato_sdk::errors::{CommerceResult, invalid};
use mercato_sdk::exact::{self, UnitPrice};
use mercato_sdk::gtin::Gtin;
use mercato_sdk::time::{format_date, format_rfc3339};

use mercato_sdk::xml::XmlWriter;

const UBL_VERSION: &str = "2.1";
const ORDER_CUSTOMIZATION: &str = "urn:fdc:peppol.eu:poacc:trns:order:3";
const CANCELLATION_CUSTOMIZATION: &str = "urn:fdc:peppol.eu:poacc:trns:order_cancellation:3";
const RFQ_CUSTOMIZATION: &str = "urn:nordfast:ubl:trns:request_for_quotation:1";
const ORDERING_PROFILE: &str = "urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3";
/// The one unit Nordfast sells in.
const PIECES: &str = "C62";

/// How a line names its item on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ItemKey {
    /// `SellersItemIdentification/ID`.
    Sku(String),
    /// `StandardItemIdentification/ID schemeID="0160"`, 14 digits.
    Gtin(String),
}

impl ItemKey {
    /// The key for an item reference; Nordfast knows SKUs and GTINs only.
    pub fn of(item: &ItemRef, field: &str) -> CommerceResult<ItemKey> {
        match item {
            ItemRef::Sku(s) if !s.trim().is_empty() => Ok(ItemKey::Sku(s.trim().to_string())),
            ItemRef::Sku(_) => Err(invalid(field, "the SKU is empty")),
            ItemRef::Gtin(g) => Gtin::parse(g)
                .map(|g| ItemKey::Gtin(g.as_str().to_string()))
                .map_err(|e| invalid(field, format!("not a valid GTIN: {e}"))),
            ItemRef::Mpn(_) | ItemRef::BuyerPart(_) => Err(invalid(
                field,
                "Nordfast identifies items by SKU (seller item id) or GTIN only",
            )),
        }
    }
}

/// A whole number of pieces as UBL text, or the reason it cannot be ordered.
pub(crate) fn pieces(q: &Quantity, field: &str) -> CommerceResult<exact::Quantity> {
    let exact = exact::Quantity::try_from(q).map_err(|e| invalid(field, e.to_string()))?;
    if exact.unit().code() != PIECES {
        return Err(invalid(
            field,
            format!("Nordfast sells in C62 (pieces), not {}", exact.unit()),
        ));
    }
    let value = exact
        .to_decimal()
        .map_err(|e| invalid(field, e.to_string()))?;
    if value.normalized().scale() != 0 || exact.is_zero() {
        return Err(invalid(
            field,
            format!("expected a whole number of pieces above zero, got {value}"),
        ));
    }
    Ok(exact)
}

fn quantity_text(q: &exact::Quantity) -> String {
    q.to_decimal()
        .map(|d| d.normalized().to_string())
        .unwrap_or_else(|_| q.steps().to_string())
}

fn item_block(w: &mut XmlWriter, key: &ItemKey) {
    w.start("cac:Item");
    match key {
        ItemKey::Sku(s) => {
            w.start("cac:SellersItemIdentification")
                .leaf("cbc:ID", s)
                .end();
        }
        ItemKey::Gtin(g) => {
            w.start("cac:StandardItemIdentification")
                .leaf_with("cbc:ID", &[("schemeID", "0160")], g)
                .end();
        }
    }
    w.end();
}

fn price_block(w: &mut XmlWriter, price: &UnitPrice) {
    w.start("cac:Price");
    w.leaf_with(
        "cbc:PriceAmount",
        &[("currencyID", price.currency.code())],
        &price.amount.to_string(),
    );
    w.leaf_with(
        "cbc:BaseQuantity",
        &[("unitCode", price.basis.unit().code())],
        &quantity_text(&price.basis),
    );
    w.end();
}

/// A unit price from the contract, checked.
pub(crate) fn unit_price(p: &Price, field: &str) -> CommerceResult<UnitPrice> {
    UnitPrice::try_from(p).map_err(|e| invalid(field, e.to_string()))
}

fn header(w: &mut XmlWriter, customization: &str, id: &str, uuid: Option<&str>, now: i64) {
    w.leaf("cbc:UBLVersionID", UBL_VERSION)
        .leaf("cbc:CustomizationID", customization)
        .leaf("cbc:ProfileID", ORDERING_PROFILE)
        .leaf("cbc:ID", id);
    if let Some(u) = uuid {
        w.leaf("cbc:UUID", u);
    }
    let stamp = format_rfc3339(now);
    let time = stamp.split_once('T').map_or("00:00:00Z", |(_, t)| t);
    w.leaf("cbc:IssueDate", &format_date(now))
        .leaf("cbc:IssueTime", time);
}

/// `0088:7300010000001` → `("0088", "7300010000001")`; a bare id is taken as a GLN.
fn endpoint(setting: &str) -> (String, String) {
    match setting.split_once(':') {
        Some((scheme, id)) => (scheme.trim().to_string(), id.trim().to_string()),
        None => ("0088".to_string(), setting.trim().to_string()),
    }
}

fn buyer_party(w: &mut XmlWriter, ctx: &CallContext, endpoint_id: Option<&str>) {
    let b = &ctx.buyer;
    w.start("cac:BuyerCustomerParty").start("cac:Party");
    if let Some(e) = endpoint_id {
        let (scheme, id) = endpoint(e);
        w.leaf_with("cbc:EndpointID", &[("schemeID", &scheme)], &id);
    }
    if let Some(account) = &b.account_id {
        w.start("cac:PartyIdentification")
            .leaf("cbc:ID", account)
            .end();
    }
    let name = b
        .organization
        .as_deref()
        .or(b.account_id.as_deref())
        .unwrap_or("Mercato buyer");
    w.start("cac:PartyName").leaf("cbc:Name", name).end();
    if let Some(tax) = &b.tax_id {
        w.start("cac:PartyTaxScheme")
            .leaf("cbc:CompanyID", tax)
            .start("cac:TaxScheme")
            .leaf("cbc:ID", "VAT")
            .end()
            .end();
    }
    w.start("cac:PartyLegalEntity")
        .leaf("cbc:RegistrationName", name)
        .end();
    w.end().end();
}

fn originator_party(w: &mut XmlWriter, ctx: &CallContext) {
    let Some(originator) = &ctx.buyer.originator else {
        return;
    };
    w.start("cac:OriginatorCustomerParty").start("cac:Party");
    w.start("cac:PartyIdentification")
        .leaf("cbc:ID", originator)
        .end();
    w.start("cac:PartyName").leaf("cbc:Name", originator).end();
    if let Some(principal) = &ctx.buyer.on_behalf_of {
        w.start("cac:Contact").leaf("cbc:Name", principal).end();
    }
    w.end().end();
}

fn seller_party(w: &mut XmlWriter) {
    w.start("cac:SellerSupplierParty")
        .start("cac:Party")
        .start("cac:PartyName")
        .leaf("cbc:Name", "Nordfast Industrial")
        .end()
        .end()
        .end();
}

fn address_block(w: &mut XmlWriter, a: &Address) {
    w.start("cac:Address");
    if let Some(first) = a.lines.first() {
        w.leaf("cbc:StreetName", first);
    }
    if let Some(second) = a.lines.get(1) {
        w.leaf("cbc:AdditionalStreetName", second);
    }
    w.leaf("cbc:CityName", &a.city);
    if let Some(p) = &a.postal_code {
        w.leaf("cbc:PostalZone", p);
    }
    if let Some(r) = &a.region {
        w.leaf("cbc:CountrySubentity", r);
    }
    for extra in a.lines.iter().skip(2) {
        w.start("cac:AddressLine").leaf("cbc:Line", extra).end();
    }
    w.start("cac:Country")
        .leaf("cbc:IdentificationCode", &a.country.to_ascii_uppercase())
        .end();
    w.end();
}

fn delivery_block(w: &mut XmlWriter, ship_to: &Address, requested: Option<&TimeWindow>) {
    w.start("cac:Delivery").start("cac:DeliveryLocation");
    if let Some(id) = &ship_to.location_id {
        let id = id.trim();
        let id = id.strip_prefix("0088:").unwrap_or(id);
        if id.len() == 13 && Gtin::parse(id).is_ok() {
            w.leaf_with("cbc:ID", &[("schemeID", "0088")], id);
        } else {
            w.leaf("cbc:ID", id);
        }
    }
    address_block(w, ship_to);
    w.end();
    if let Some(window) = requested {
        w.start("cac:RequestedDeliveryPeriod")
            .leaf("cbc:StartDate", &format_date(window.earliest))
            .leaf("cbc:EndDate", &format_date(window.latest))
            .end();
    }
    let name = ship_to.name.as_deref().or(ship_to.organization.as_deref());
    if name.is_some() || ship_to.contact.is_some() {
        w.start("cac:DeliveryParty");
        if let Some(n) = name {
            w.start("cac:PartyName").leaf("cbc:Name", n).end();
        }
        if let Some(c) = &ship_to.contact {
            w.start("cac:Contact");
            if let Some(n) = &c.name {
                w.leaf("cbc:Name", n);
            }
            if let Some(p) = &c.phone {
                w.leaf("cbc:Telephone", p);
            }
            if let Some(e) = &c.email {
                w.leaf("cbc:ElectronicMail", e);
            }
            w.end();
        }
        w.end();
    }
    w.end();
}

/// One checked line of an RFQ or order.
#[derive(Debug, Clone)]
pub(crate) struct WireLine {
    /// Buyer's line id.
    pub line_id: String,
    /// The item.
    pub key: ItemKey,
    /// Pieces.
    pub quantity: exact::Quantity,
    /// Expected or target price.
    pub price: Option<UnitPrice>,
}

/// A RequestForQuotation.
pub(crate) fn request_for_quotation(
    ctx: &CallContext,
    req: &QuoteRequest,
    lines: &[WireLine],
    rfq_id: &str,
    endpoint_id: Option<&str>,
    now: i64,
) -> String {
    let mut w = XmlWriter::ubl("RequestForQuotation");
    header(&mut w, RFQ_CUSTOMIZATION, rfq_id, None, now);
    if let Some(n) = &req.notes {
        w.leaf("cbc:Note", n);
    }
    w.leaf("cbc:PricingCurrencyCode", "EUR");
    w.leaf("cbc:LineCountNumeric", &lines.len().to_string());
    if let Some(until) = req.requested_valid_until {
        w.start("cac:RequestedValidityPeriod")
            .leaf("cbc:EndDate", &format_date(until))
            .end();
    }
    seller_party(&mut w);
    buyer_party(&mut w, ctx, endpoint_id);
    originator_party(&mut w, ctx);
    delivery_block(&mut w, &req.ship_to, req.requested_delivery.as_ref());
    if let Some(incoterms) = &req.incoterms {
        w.start("cac:DeliveryTerms").leaf("cbc:ID", incoterms).end();
    }
    for l in lines {
        w.start("cac:RequestForQuotationLine").start("cac:LineItem");
        w.leaf("cbc:ID", &l.line_id);
        w.leaf_with(
            "cbc:Quantity",
            &[("unitCode", PIECES)],
            &quantity_text(&l.quantity),
        );
        if let Some(p) = &l.price {
            price_block(&mut w, p);
        }
        item_block(&mut w, &l.key);
        w.end().end();
    }
    w.finish()
}

/// An Order.
pub(crate) fn order(
    ctx: &CallContext,
    req: &OrderRequest,
    lines: &[WireLine],
    endpoint_id: Option<&str>,
    now: i64,
) -> String {
    let mut w = XmlWriter::ubl("Order");
    header(
        &mut w,
        ORDER_CUSTOMIZATION,
        &req.buyer_po,
        Some(&req.idempotency_key),
        now,
    );
    if let Some(n) = &req.notes {
        w.leaf("cbc:Note", n);
    }
    w.leaf("cbc:DocumentCurrencyCode", "EUR");
    if let Some(cc) = &ctx.buyer.cost_center {
        w.leaf("cbc:AccountingCost", cc);
    }
    w.leaf("cbc:LineCountNumeric", &lines.len().to_string());
    if let Some(q) = &req.quote_id {
        w.start("cac:QuotationDocumentReference")
            .leaf("cbc:ID", q)
            .end();
    }
    buyer_party(&mut w, ctx, endpoint_id);
    seller_party(&mut w);
    originator_party(&mut w, ctx);
    delivery_block(&mut w, &req.ship_to, req.requested_delivery.as_ref());
    if let PaymentInstruction::OnAccount(term) = &req.payment {
        w.start("cac:PaymentTerms")
            .leaf("cbc:Note", term.as_deref().unwrap_or("On account"))
            .end();
    }
    let (partial, backorder) = match req.partial_delivery {
        PartialDelivery::Allow => (true, true),
        PartialDelivery::ShipComplete => (false, true),
        PartialDelivery::CancelBackorders => (true, false),
    };
    for l in lines {
        w.start("cac:OrderLine").start("cac:LineItem");
        w.leaf("cbc:ID", &l.line_id);
        w.leaf_with(
            "cbc:Quantity",
            &[("unitCode", PIECES)],
            &quantity_text(&l.quantity),
        );
        w.leaf(
            "cbc:PartialDeliveryIndicator",
            if partial { "true" } else { "false" },
        );
        w.leaf(
            "cbc:BackOrderAllowedIndicator",
            if backorder { "true" } else { "false" },
        );
        if let Some(p) = &l.price {
            price_block(&mut w, p);
        }
        item_block(&mut w, &l.key);
        w.end().end();
    }
    w.finish()
}

/// An OrderCancellation for a whole order.
pub(crate) fn order_cancellation(
    ctx: &CallContext,
    key: &str,
    order_id: &str,
    buyer_po: &str,
    reason: Option<&str>,
    endpoint_id: Option<&str>,
    now: i64,
) -> String {
    let mut w = XmlWriter::ubl("OrderCancellation");
    header(&mut w, CANCELLATION_CUSTOMIZATION, key, Some(key), now);
    w.leaf(
        "cbc:CancellationNote",
        reason.unwrap_or("Cancelled by the buyer"),
    );
    w.start("cac:OrderReference")
        .leaf("cbc:ID", buyer_po)
        .leaf("cbc:SalesOrderID", order_id)
        .end();
    buyer_party(&mut w, ctx, endpoint_id);
    seller_party(&mut w);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_sdk::contract::{BuyerContext, Quantity};
    use mercato_sdk::xml::parse;

    fn ctx() -> CallContext {
        CallContext {
            request_id: "r-1".into(),
            buyer: BuyerContext {
                account_id: Some("ACC-9".into()),
                organization: Some("Plant 3 GmbH".into()),
                tax_id: Some("DE123456789".into()),
                cost_center: Some("CC-17".into()),
                originator: Some("maintenance-bot-7".into()),
                on_behalf_of: None,
            },
            locale: Some("de-DE".into()),
            currency: Some("EUR".into()),
            country: Some("DE".into()),
            deadline: 0,
        }
    }

    #[test]
    fn item_keys_accept_sku_and_gtin_only() {
        assert_eq!(
            ItemKey::of(&ItemRef::Gtin("4006381333931".into()), "f"),
            Ok(ItemKey::Gtin("04006381333931".into()))
        );
        assert!(ItemKey::of(&ItemRef::Gtin("4006381333932".into()), "f").is_err());
        assert!(ItemKey::of(&ItemRef::BuyerPart("X".into()), "f").is_err());
        assert!(ItemKey::of(&ItemRef::Sku(" ".into()), "f").is_err());
    }

    #[test]
    fn quantities_must_be_whole_pieces() {
        assert!(pieces(&Quantity::pieces(5), "q").is_ok());
        let fractional = Quantity {
            steps: 15,
            unit: "C62".into(),
            scale: 1,
        };
        assert!(pieces(&fractional, "q").is_err());
        let kilos = Quantity {
            steps: 1,
            unit: "KGM".into(),
            scale: 0,
        };
        assert!(pieces(&kilos, "q").is_err());
        assert!(pieces(&Quantity::pieces(0), "q").is_err());
    }

    #[test]
    fn the_cancellation_names_the_order_both_ways() {
        let xml = order_cancellation(
            &ctx(),
            "key-1",
            "NF-SO-000001",
            "PO-1",
            None,
            Some("0088:7300010000001"),
            0,
        );
        let root = parse(&xml).expect("well-formed");
        assert_eq!(root.name, "OrderCancellation");
        assert_eq!(root.text_at("OrderReference/ID"), Some("PO-1"));
        assert_eq!(
            root.text_at("OrderReference/SalesOrderID"),
            Some("NF-SO-000001")
        );
        assert_eq!(root.text_at("UUID"), Some("key-1"));
        assert_eq!(
            root.find("BuyerCustomerParty/Party/EndpointID")
                .and_then(|e| e.attr("schemeID")),
            Some("0088")
        );
    }
}
