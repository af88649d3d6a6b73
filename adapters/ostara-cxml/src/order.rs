//! Orders in cXML: writing the `OrderRequest` (new and delete), and reading Ostara's order
//! history, `ConfirmationRequest` and `ShipNoticeRequest` into orders and shipments.

use std::collections::BTreeMap;

use mercato_sdk::contract::{
    AckStatus, Address, CallContext, LineStatus, Message, Order, OrderLine, OrderRequest,
    OrderStatus, PartialDelivery, Severity, Shipment, ShipmentLine, ShipmentStatus, TimeWindow,
    Totals, TrackingEvent,
};
use mercato_sdk::exact::{self, Currency, RoundingMode, UnitPrice};
use mercato_sdk::time::{DAY_MS, format_rfc3339};
use mercato_sdk::xml::{Element, XmlWriter};

use crate::doc::{self, DocError};

/// The cXML version written.
pub(crate) const VERSION: &str = "1.2.014";
/// The DTD written documents name.
pub(crate) const DTD: &str = "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd";
/// Namespace of Ostara's order history envelope.
pub(crate) const HISTORY_NS: &str = "urn:ostara:cxml:order-history:1";
/// Name of the extrinsic that carries the caller's line id through Ostara's documents.
pub(crate) const LINE_ID: &str = "buyerLineID";

/// Who the documents are from and to.
#[derive(Debug, Clone)]
pub(crate) struct Parties {
    /// Buyer identity (From and Sender).
    pub buyer: String,
    /// Its credential domain.
    pub buyer_domain: String,
    /// Ostara's identity (To).
    pub supplier: String,
}

/// One line to write, already checked and priced.
#[derive(Debug, Clone)]
pub(crate) struct LineOut {
    pub line_id: String,
    pub sku: String,
    pub offer_token: Option<String>,
    pub title: String,
    pub quantity: exact::Quantity,
    /// Price per one unit of the quantity's unit.
    pub unit_price: UnitPrice,
}

/// Text of an exact quantity ("12", "1.5").
pub(crate) fn quantity_text(q: &exact::Quantity) -> String {
    q.to_decimal()
        .map(|d| d.normalized().to_string())
        .unwrap_or_else(|_| q.steps().to_string())
}

/// The `payloadID` for an idempotency key: the key itself is the unique part, so the same key
/// is always the same payloadID, which is Ostara's dedupe key.
pub(crate) fn payload_id(idempotency_key: &str, parties: &Parties) -> String {
    format!("{}@{}", idempotency_key.trim(), parties.buyer)
}

fn envelope(payload_id: &str, now: i64, parties: &Parties) -> XmlWriter {
    let mut w = XmlWriter::with_root(
        "cXML",
        &[
            ("payloadID", payload_id),
            ("timestamp", &format_rfc3339(now)),
            ("version", VERSION),
            ("xml:lang", "en-US"),
        ],
    );
    w.start("Header");
    w.start("From")
        .start_with("Credential", &[("domain", &parties.buyer_domain)])
        .leaf("Identity", &parties.buyer)
        .end()
        .end();
    w.start("To")
        .start_with("Credential", &[("domain", "NetworkID")])
        .leaf("Identity", &parties.supplier)
        .end()
        .end();
    // No SharedSecret: the adapter never sees it; the host attaches it as a header.
    w.start("Sender")
        .start_with("Credential", &[("domain", &parties.buyer_domain)])
        .leaf("Identity", &parties.buyer)
        .end()
        .leaf(
            "UserAgent",
            concat!("Mercato ostara-cxml-adapter ", env!("CARGO_PKG_VERSION")),
        )
        .end();
    w.end();
    w
}

fn finish(w: XmlWriter) -> String {
    w.finish().replacen(
        "?>\n",
        &format!("?>\n<!DOCTYPE cXML SYSTEM \"{DTD}\">\n"),
        1,
    )
}

fn address(w: &mut XmlWriter, element: &str, a: &Address, fallback_name: &str) {
    let country = a.country.trim().to_ascii_uppercase();
    let mut attrs = vec![("isoCountryCode", country.as_str())];
    if let Some(id) = &a.location_id {
        attrs.push(("addressID", id.as_str()));
    }
    let name = a
        .name
        .as_deref()
        .or(a.organization.as_deref())
        .unwrap_or(fallback_name);
    w.start(element).start_with("Address", &attrs);
    w.leaf_with("Name", &[("xml:lang", "en")], name);
    w.start("PostalAddress");
    if let Some(org) = &a.organization {
        w.leaf("DeliverTo", org);
    }
    if let Some(person) = a.contact.as_ref().and_then(|c| c.name.as_deref()) {
        w.leaf("DeliverTo", person);
    }
    for line in &a.lines {
        w.leaf("Street", line);
    }
    w.leaf("City", &a.city);
    if let Some(r) = &a.region {
        w.leaf("State", r);
    }
    if let Some(p) = &a.postal_code {
        w.leaf("PostalCode", p);
    }
    w.leaf_with("Country", &[("isoCountryCode", &country)], &country);
    w.end();
    if let Some(email) = a.contact.as_ref().and_then(|c| c.email.as_deref()) {
        w.leaf("Email", email);
    }
    w.end().end();
}

/// A cXML `OrderRequest type="new"`.
pub(crate) fn order_request(
    ctx: &CallContext,
    req: &OrderRequest,
    lines: &[LineOut],
    currency: Currency,
    parties: &Parties,
    now: i64,
) -> Result<String, exact::ExactError> {
    let mut total = exact::Money::zero(currency);
    for l in lines {
        total = total.checked_add(l.unit_price.total_for(&l.quantity, RoundingMode::HalfUp)?)?;
    }
    let mut w = envelope(&payload_id(&req.idempotency_key, parties), now, parties);
    w.start_with("Request", &[("deploymentMode", "production")]);
    w.start("OrderRequest");
    w.start_with(
        "OrderRequestHeader",
        &[
            ("orderID", &req.buyer_po),
            ("orderDate", &format_rfc3339(now)),
            ("type", "new"),
            ("orderType", "regular"),
        ],
    );
    w.start("Total")
        .leaf_with(
            "Money",
            &[("currency", currency.code())],
            &total.to_decimal().to_string(),
        )
        .end();
    address(&mut w, "ShipTo", &req.ship_to, "Goods receiving");
    let bill_to = req.bill_to.as_ref().unwrap_or(&req.ship_to);
    let fallback = ctx
        .buyer
        .organization
        .as_deref()
        .unwrap_or("Accounts payable");
    address(&mut w, "BillTo", bill_to, fallback);
    if let Some(notes) = &req.notes {
        w.leaf_with("Comments", &[("xml:lang", "en")], notes);
    }
    let partial = match req.partial_delivery {
        PartialDelivery::Allow => "allow",
        PartialDelivery::ShipComplete => "ship-complete",
        PartialDelivery::CancelBackorders => "cancel-backorders",
    };
    let mut extrinsics = vec![("partialDelivery", partial.to_string())];
    if let Some(q) = &req.quote_id {
        extrinsics.push(("quoteID", q.clone()));
    }
    if let Some(o) = &ctx.buyer.originator {
        extrinsics.push(("originator", o.clone()));
    }
    if let Some(p) = &ctx.buyer.on_behalf_of {
        extrinsics.push(("onBehalfOf", p.clone()));
    }
    if let Some(c) = &ctx.buyer.cost_center {
        extrinsics.push(("costCenter", c.clone()));
    }
    for (name, value) in &extrinsics {
        w.leaf_with("Extrinsic", &[("name", name)], value);
    }
    w.end();
    for (i, l) in lines.iter().enumerate() {
        let number = (i + 1).to_string();
        w.start_with(
            "ItemOut",
            &[
                ("quantity", &quantity_text(&l.quantity)),
                ("lineNumber", &number),
            ],
        );
        w.start("ItemID").leaf("SupplierPartID", &l.sku);
        if let Some(t) = &l.offer_token {
            w.leaf("SupplierPartAuxiliaryID", t);
        }
        w.end();
        w.start("ItemDetail");
        w.start("UnitPrice")
            .leaf_with(
                "Money",
                &[("currency", currency.code())],
                &l.unit_price.amount.to_string(),
            )
            .end();
        w.leaf_with("Description", &[("xml:lang", "en")], &l.title);
        w.leaf("UnitOfMeasure", l.quantity.unit().code());
        w.leaf_with("Extrinsic", &[("name", LINE_ID)], &l.line_id);
        w.end().end();
    }
    Ok(finish(w))
}

/// A cXML `OrderRequest type="delete"`: Ostara's cancellation of a whole order.
pub(crate) fn delete_request(
    idempotency_key: &str,
    order_id: &str,
    currency: Currency,
    reason: Option<&str>,
    parties: &Parties,
    now: i64,
) -> String {
    let mut w = envelope(&payload_id(idempotency_key, parties), now, parties);
    w.start_with("Request", &[("deploymentMode", "production")]);
    w.start("OrderRequest");
    w.start_with(
        "OrderRequestHeader",
        &[
            ("orderID", order_id),
            ("orderDate", &format_rfc3339(now)),
            ("type", "delete"),
        ],
    );
    w.start("Total")
        .leaf_with("Money", &[("currency", currency.code())], "0.00")
        .end();
    if let Some(r) = reason {
        w.leaf_with("Comments", &[("xml:lang", "en")], r);
    }
    w.end();
    finish(w)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// The cXML documents of an order: what Ostara's order history holds.
#[derive(Debug, Default)]
pub(crate) struct History<'a> {
    pub order_id: String,
    pub request: Option<&'a Element>,
    pub confirmations: Vec<&'a Element>,
    pub ship_notices: Vec<&'a Element>,
}

/// Split Ostara's `OrderHistory` envelope into its documents.
pub(crate) fn history(root: &Element) -> Result<History<'_>, DocError> {
    if root.name != "OrderHistory" || root.namespace.as_deref() != Some(HISTORY_NS) {
        return Err(DocError::WrongDocument {
            expected: "Ostara's OrderHistory".to_string(),
            found: format!("<{}>", root.name),
        });
    }
    let mut h = History {
        order_id: doc::attr(root, "OrderHistory", "orderID")?.to_string(),
        ..History::default()
    };
    for d in &root.children {
        match doc::message_kind(d) {
            Some("OrderRequest") => h.request = h.request.or(Some(d)),
            Some("ConfirmationRequest") => h.confirmations.push(d),
            Some("ShipNoticeRequest") => h.ship_notices.push(d),
            _ => {
                return Err(DocError::WrongDocument {
                    expected: "OrderRequest, ConfirmationRequest or ShipNoticeRequest".to_string(),
                    found: format!("<{}> in OrderHistory", d.name),
                });
            }
        }
    }
    Ok(h)
}

/// A line being assembled from the documents.
#[derive(Debug, Clone)]
struct Draft {
    number: String,
    line_id: String,
    sku: String,
    ordered: exact::Quantity,
    price: Option<UnitPrice>,
    confirmed: exact::Quantity,
    rejected: exact::Quantity,
    shipped: exact::Quantity,
    backordered: bool,
    price_changed: bool,
    cancelled: bool,
    promised: Option<TimeWindow>,
    notes: Vec<String>,
}

impl Draft {
    fn new(number: String, line_id: String, sku: String, ordered: exact::Quantity) -> Self {
        let zero = exact::Quantity::new(0, ordered.unit().clone(), ordered.scale())
            .unwrap_or_else(|_| exact::Quantity::pieces(0));
        Draft {
            number,
            line_id,
            sku,
            price: None,
            confirmed: zero.clone(),
            rejected: zero.clone(),
            shipped: zero,
            ordered,
            backordered: false,
            price_changed: false,
            cancelled: false,
            promised: None,
            notes: Vec::new(),
        }
    }
}

fn unit_price_of(
    detail: &Element,
    path: &str,
    unit: &exact::Quantity,
) -> Result<UnitPrice, DocError> {
    let money_path = format!("{path}/UnitPrice/Money");
    let money = detail
        .find("UnitPrice/Money")
        .ok_or_else(|| DocError::missing(&money_path))?;
    let (currency, amount) = doc::money_value(money, &money_path)?;
    let basis = exact::Quantity::new(1, unit.unit().clone(), 0)
        .map_err(|e| DocError::invalid(path, unit.unit().code(), e.to_string()))?;
    Ok(UnitPrice {
        currency,
        amount,
        basis,
    })
}

/// Lines of an OrderRequest, by lineNumber.
fn request_lines(request: &Element) -> Result<Vec<Draft>, DocError> {
    let order = request
        .find("Request/OrderRequest")
        .ok_or_else(|| DocError::missing("cXML/Request/OrderRequest"))?;
    let mut out = Vec::new();
    for (i, item) in order.children("ItemOut").enumerate() {
        let path = format!("OrderRequest/ItemOut[{}]", i + 1);
        let number = doc::attr(item, &path, "lineNumber")?.to_string();
        let detail = item
            .child("ItemDetail")
            .ok_or_else(|| DocError::missing(format!("{path}/ItemDetail")))?;
        let uom = doc::text(detail, &path, "UnitOfMeasure")?;
        let ordered = doc::quantity(doc::attr(item, &path, "quantity")?, uom, &path)?;
        let line_id = doc::extrinsic(detail, LINE_ID)
            .unwrap_or(&number)
            .to_string();
        let sku = doc::text(item, &path, "ItemID/SupplierPartID")?.to_string();
        let mut d = Draft::new(number, line_id, sku, ordered);
        d.price = Some(unit_price_of(
            detail,
            &format!("{path}/ItemDetail"),
            &d.ordered,
        )?);
        out.push(d);
    }
    Ok(out)
}

/// What a ConfirmationRequest says about the order as a whole.
#[derive(Debug)]
struct Confirmation {
    kind: String,
    cancelled: bool,
    notice: i64,
    order_date: Option<i64>,
    total: Option<exact::Money>,
    shipping: Option<exact::Money>,
    supplier_order_id: Option<String>,
}

fn day_window(at: i64) -> TimeWindow {
    let start = at - at.rem_euclid(DAY_MS);
    TimeWindow {
        earliest: start,
        latest: start + DAY_MS - 1,
    }
}

/// Apply a ConfirmationRequest to the drafts (creating drafts for lines not yet known, as
/// for a pushed confirmation read on its own).
fn apply_confirmation(root: &Element, drafts: &mut Vec<Draft>) -> Result<Confirmation, DocError> {
    let base = "ConfirmationRequest";
    let c = root
        .find("Request/ConfirmationRequest")
        .ok_or_else(|| DocError::missing("cXML/Request/ConfirmationRequest"))?;
    let head = c
        .child("ConfirmationHeader")
        .ok_or_else(|| DocError::missing(format!("{base}/ConfirmationHeader")))?;
    let hp = format!("{base}/ConfirmationHeader");
    let kind = doc::attr(head, &hp, "type")?.to_string();
    if !matches!(
        kind.as_str(),
        "accept" | "reject" | "detail" | "except" | "allDetail" | "requestToPay"
    ) {
        return Err(DocError::invalid(
            format!("{hp}/@type"),
            &kind,
            "not a cXML confirmation type",
        ));
    }
    let notice = doc::timestamp(
        doc::attr(head, &hp, "noticeDate")?,
        &format!("{hp}/@noticeDate"),
    )?;
    let operation = head.attr("operation").unwrap_or("new");
    let total = head
        .find("Total/Money")
        .map(|m| doc::money(m, &format!("{hp}/Total/Money")))
        .transpose()?;
    let shipping = head
        .find("Shipping/Money")
        .map(|m| doc::money(m, &format!("{hp}/Shipping/Money")))
        .transpose()?;
    let supplier_order_id = head
        .children("IdReference")
        .find(|r| r.attr("domain") == Some("supplierOrderID"))
        .and_then(|r| r.attr("identifier"))
        .map(str::to_string);
    let order_date = c
        .child("OrderReference")
        .and_then(|r| r.attr("orderDate"))
        .map(|d| doc::timestamp(d, &format!("{base}/OrderReference/@orderDate")))
        .transpose()?;
    let cancelled = kind == "reject" && operation == "update";
    for (i, item) in c.children("ConfirmationItem").enumerate() {
        let path = format!("{base}/ConfirmationItem[{}]", i + 1);
        let number = doc::attr(item, &path, "lineNumber")?.to_string();
        let uom = doc::text(item, &path, "UnitOfMeasure")?;
        let ordered = doc::quantity(doc::attr(item, &path, "quantity")?, uom, &path)?;
        let index = match drafts.iter().position(|d| d.number == number) {
            Some(i) => i,
            None => {
                drafts.push(Draft::new(
                    number.clone(),
                    number.clone(),
                    String::new(),
                    ordered,
                ));
                drafts.len() - 1
            }
        };
        let d = &mut drafts[index];
        for (j, st) in item.children("ConfirmationStatus").enumerate() {
            let sp = format!("{path}/ConfirmationStatus[{}]", j + 1);
            let st_kind = doc::attr(st, &sp, "type")?;
            let st_uom = st.text_at("UnitOfMeasure").unwrap_or(uom);
            let q = doc::quantity(doc::attr(st, &sp, "quantity")?, st_uom, &sp)?;
            let add = |a: &exact::Quantity| {
                a.checked_add(&q)
                    .map_err(|e| DocError::invalid(&sp, &quantity_text(&q), e.to_string()))
            };
            let comment = st.text_at("Comments").map(str::to_string);
            match st_kind {
                "accept" | "detail" => d.confirmed = add(&d.confirmed)?,
                "backordered" => {
                    d.confirmed = add(&d.confirmed)?;
                    d.backordered = true;
                }
                "reject" => {
                    d.rejected = add(&d.rejected)?;
                    if comment
                        .as_deref()
                        .is_some_and(|c| c.starts_with("cancelled"))
                    {
                        d.cancelled = true;
                    }
                }
                other => {
                    return Err(DocError::invalid(
                        format!("{sp}/@type"),
                        other,
                        "expected accept, detail, backordered or reject",
                    ));
                }
            }
            if comment
                .as_deref()
                .is_some_and(|c| c.starts_with("price-changed"))
            {
                d.price_changed = true;
            }
            if let Some(date) = st.attr("deliveryDate") {
                let at = doc::timestamp(date, &format!("{sp}/@deliveryDate"))?;
                let w = day_window(at);
                d.promised = Some(match d.promised {
                    Some(p) => TimeWindow {
                        earliest: p.earliest.min(w.earliest),
                        latest: p.latest.max(w.latest),
                    },
                    None => w,
                });
            }
            if let Some(item_in) = st.child("ItemIn") {
                let ip = format!("{sp}/ItemIn");
                let detail = item_in
                    .child("ItemDetail")
                    .ok_or_else(|| DocError::missing(format!("{ip}/ItemDetail")))?;
                d.price = Some(unit_price_of(
                    detail,
                    &format!("{ip}/ItemDetail"),
                    &d.ordered,
                )?);
                if let Some(id) = doc::extrinsic(detail, LINE_ID) {
                    d.line_id = id.to_string();
                }
                if let Some(sku) = item_in.text_at("ItemID/SupplierPartID") {
                    d.sku = sku.to_string();
                }
            }
            if let Some(c) = comment {
                d.notes.push(c);
            }
        }
    }
    Ok(Confirmation {
        kind,
        cancelled,
        notice,
        order_date,
        total,
        shipping,
        supplier_order_id,
    })
}

/// A ShipNoticeRequest as a shipment; `line_ids` maps lineNumber to the caller's line id.
pub(crate) fn shipment(
    root: &Element,
    line_ids: &BTreeMap<String, String>,
) -> Result<Shipment, DocError> {
    let base = "ShipNoticeRequest";
    let s = root
        .find("Request/ShipNoticeRequest")
        .ok_or_else(|| DocError::missing("cXML/Request/ShipNoticeRequest"))?;
    let head = s
        .child("ShipNoticeHeader")
        .ok_or_else(|| DocError::missing(format!("{base}/ShipNoticeHeader")))?;
    let hp = format!("{base}/ShipNoticeHeader");
    let shipment_id = doc::attr(head, &hp, "shipmentID")?.to_string();
    let notice = doc::timestamp(
        doc::attr(head, &hp, "noticeDate")?,
        &format!("{hp}/@noticeDate"),
    )?;
    let shipped_at = head
        .attr("shipmentDate")
        .map(|d| doc::timestamp(d, &format!("{hp}/@shipmentDate")))
        .transpose()?;
    let delivery = head
        .attr("deliveryDate")
        .map(|d| doc::timestamp(d, &format!("{hp}/@deliveryDate")))
        .transpose()?;
    let portion = s
        .child("ShipNoticePortion")
        .ok_or_else(|| DocError::missing(format!("{base}/ShipNoticePortion")))?;
    let pp = format!("{base}/ShipNoticePortion");
    let order_ref = portion
        .child("OrderReference")
        .ok_or_else(|| DocError::missing(format!("{pp}/OrderReference")))?;
    let order_id = doc::attr(order_ref, &format!("{pp}/OrderReference"), "orderID")?.to_string();
    let mut lines = Vec::new();
    for (i, item) in portion.children("ShipNoticeItem").enumerate() {
        let path = format!("{pp}/ShipNoticeItem[{}]", i + 1);
        let number = doc::attr(item, &path, "lineNumber")?;
        let uom = doc::text(item, &path, "UnitOfMeasure")?;
        let quantity = doc::quantity(doc::attr(item, &path, "quantity")?, uom, &path)?;
        let line_id = doc::extrinsic(item, LINE_ID)
            .map(str::to_string)
            .or_else(|| line_ids.get(number).cloned())
            .unwrap_or_else(|| number.to_string());
        lines.push(ShipmentLine {
            line_id,
            quantity: quantity.into(),
            outstanding: None,
            outstanding_reason: None,
            lot: None,
            serials: Vec::new(),
            best_before: None,
        });
    }
    let control = s.child("ShipControl");
    let carrier = control.and_then(|c| {
        c.children("CarrierIdentifier")
            .find(|k| k.attr("domain") == Some("companyName"))
            .or_else(|| c.child("CarrierIdentifier"))
            .and_then(Element::value)
            .map(str::to_string)
    });
    let status = match head.attr("shipmentType").unwrap_or("actual") {
        "planned" => ShipmentStatus::LabelCreated,
        _ => ShipmentStatus::Shipped,
    };
    Ok(Shipment {
        shipment_id,
        order_id,
        status,
        carrier,
        service_level: head.text_at("ServiceLevel").map(str::to_string),
        tracking_number: control
            .and_then(|c| c.text_at("ShipmentIdentifier"))
            .map(str::to_string),
        tracking_url: None,
        packages: Vec::new(),
        shipped_at,
        estimated_delivery: delivery.map(day_window),
        delivered_at: None,
        lines,
        events: vec![TrackingEvent {
            at: shipped_at.unwrap_or(notice),
            code: "shipped".to_string(),
            description: Some("ShipNoticeRequest".to_string()),
            location: None,
        }],
    })
}

/// The order an order history describes.
pub(crate) fn order_from_history(h: &History<'_>) -> Result<(Order, Vec<Shipment>), DocError> {
    let request = h
        .request
        .ok_or_else(|| DocError::missing("OrderHistory/cXML[OrderRequest]"))?;
    let mut drafts = request_lines(request)?;
    let head = request
        .find("Request/OrderRequest/OrderRequestHeader")
        .ok_or_else(|| DocError::missing("OrderRequest/OrderRequestHeader"))?;
    let created = doc::timestamp(
        doc::attr(head, "OrderRequestHeader", "orderDate")?,
        "OrderRequestHeader/@orderDate",
    )?;
    let confirmation = match h.confirmations.last() {
        Some(c) => Some(apply_confirmation(c, &mut drafts)?),
        None => None,
    };
    let line_ids: BTreeMap<String, String> = drafts
        .iter()
        .map(|d| (d.number.clone(), d.line_id.clone()))
        .collect();
    let shipments = h
        .ship_notices
        .iter()
        .map(|s| shipment(s, &line_ids))
        .collect::<Result<Vec<_>, _>>()?;
    for s in &shipments {
        for l in &s.lines {
            if let Some(d) = drafts.iter_mut().find(|d| d.line_id == l.line_id) {
                let q = exact::Quantity::try_from(&l.quantity)
                    .map_err(|e| DocError::invalid("ShipNoticeItem", &l.line_id, e.to_string()))?;
                d.shipped = d
                    .shipped
                    .checked_add(&q)
                    .map_err(|e| DocError::invalid("ShipNoticeItem", &l.line_id, e.to_string()))?;
            }
        }
    }
    let updated = shipments
        .iter()
        .filter_map(|s| s.shipped_at)
        .chain(confirmation.as_ref().map(|c| c.notice))
        .max()
        .unwrap_or(created)
        .max(created);
    let order = assemble(&h.order_id, drafts, confirmation.as_ref(), created, updated)?;
    Ok((order, shipments))
}

/// The order a pushed ConfirmationRequest describes on its own.
pub(crate) fn order_from_confirmation(root: &Element) -> Result<Order, DocError> {
    let order_id = root
        .find("Request/ConfirmationRequest/OrderReference")
        .ok_or_else(|| DocError::missing("ConfirmationRequest/OrderReference"))
        .and_then(|r| doc::attr(r, "ConfirmationRequest/OrderReference", "orderID"))?
        .to_string();
    let mut drafts = Vec::new();
    let c = apply_confirmation(root, &mut drafts)?;
    let created = c.order_date.unwrap_or(c.notice);
    assemble(&order_id, drafts, Some(&c), created, c.notice)
}

fn line_status(d: &Draft, confirmation: Option<&Confirmation>) -> LineStatus {
    let Some(_) = confirmation else {
        return LineStatus::Pending;
    };
    if d.cancelled {
        return LineStatus::Cancelled;
    }
    if d.confirmed.is_zero() {
        return if d.rejected.is_zero() {
            LineStatus::Pending
        } else {
            LineStatus::Rejected
        };
    }
    if !d.shipped.is_zero() {
        return if d.shipped.compare(&d.confirmed).is_ok_and(|o| o.is_ge()) {
            LineStatus::Shipped
        } else {
            LineStatus::PartiallyShipped
        };
    }
    if d.backordered {
        LineStatus::Backordered
    } else if d.price_changed {
        LineStatus::AcceptedPriceChanged
    } else if d.confirmed != d.ordered {
        LineStatus::AcceptedQuantityChanged
    } else {
        LineStatus::Accepted
    }
}

fn assemble(
    order_id: &str,
    drafts: Vec<Draft>,
    confirmation: Option<&Confirmation>,
    created: i64,
    updated: i64,
) -> Result<Order, DocError> {
    let currency = drafts
        .iter()
        .find_map(|d| d.price.as_ref().map(|p| p.currency))
        .or_else(|| confirmation.and_then(|c| c.total.map(|t| t.currency())))
        .unwrap_or(Currency::EUR);
    let mut lines = Vec::new();
    let mut messages = Vec::new();
    let mut sum = exact::Money::zero(currency);
    let cancelled_order = confirmation.is_some_and(|c| c.cancelled);
    for d in &drafts {
        let status = line_status(d, confirmation);
        let price = match &d.price {
            Some(p) => p.clone(),
            // A line rejected outright carries no ItemIn and so no price: nothing is charged.
            None => UnitPrice {
                currency,
                amount: exact::Decimal::ZERO,
                basis: exact::Quantity::new(1, d.ordered.unit().clone(), 0)
                    .map_err(|e| DocError::invalid("ConfirmationItem", &d.number, e.to_string()))?,
            },
        };
        if price.currency != currency {
            return Err(DocError::invalid(
                format!("line {} UnitPrice/Money/@currency", d.number),
                price.currency.code(),
                format!("the order is in {currency}"),
            ));
        }
        // Before a confirmation the buyer's price for the ordered quantity is what is owed.
        let charged = if confirmation.is_some() {
            &d.confirmed
        } else {
            &d.ordered
        };
        let line_total = price
            .total_for(charged, RoundingMode::HalfUp)
            .map_err(|e| DocError::invalid(format!("line {}", d.number), &d.sku, e.to_string()))?;
        sum = sum
            .checked_add(line_total)
            .map_err(|e| DocError::invalid("Total", &d.number, e.to_string()))?;
        let code = match status {
            LineStatus::AcceptedPriceChanged => Some(("price_change", Severity::Warning)),
            LineStatus::Backordered => Some(("backordered", Severity::Warning)),
            LineStatus::Rejected => Some(("line_rejected", Severity::Error)),
            LineStatus::AcceptedQuantityChanged => Some(("quantity_change", Severity::Warning)),
            _ => None,
        };
        if let Some((code, severity)) = code {
            messages.push(Message {
                severity,
                code: code.to_string(),
                line_id: Some(d.line_id.clone()),
                text: d.notes.join("; "),
                resolution: None,
            });
        }
        let cancelled = if cancelled_order || d.cancelled {
            d.ordered.clone()
        } else {
            exact::Quantity::new(0, d.ordered.unit().clone(), d.ordered.scale())
                .map_err(|e| DocError::invalid("ConfirmationItem", &d.number, e.to_string()))?
        };
        lines.push(OrderLine {
            line_id: d.line_id.clone(),
            item: mercato_sdk::contract::ItemIds::sku(&d.sku),
            ordered: d.ordered.clone().into(),
            confirmed: if cancelled_order {
                cancelled.clone().into()
            } else {
                d.confirmed.clone().into()
            },
            shipped: d.shipped.clone().into(),
            cancelled: cancelled.into(),
            unit_price: price.into(),
            line_total: line_total.into(),
            status,
            promised_delivery: d.promised,
            note: (!d.notes.is_empty()).then(|| d.notes.join("; ")),
        });
    }
    if cancelled_order {
        for l in &mut lines {
            l.confirmed.steps = 0;
        }
    }
    if let Some(total) = confirmation.and_then(|c| c.total)
        && total != sum
    {
        return Err(DocError::invalid(
            "ConfirmationHeader/Total/Money",
            &total.to_decimal().to_string(),
            format!("the confirmed lines add up to {sum}"),
        ));
    }
    let shipping = confirmation
        .and_then(|c| c.shipping)
        .unwrap_or_else(|| exact::Money::zero(currency));
    let grand = sum
        .checked_add(shipping)
        .map_err(|e| DocError::invalid("Shipping/Money", "", e.to_string()))?;
    let zero: mercato_sdk::contract::Money = exact::Money::zero(currency).into();
    let (ack, status) = match confirmation {
        None => (AckStatus::Received, OrderStatus::Submitted),
        Some(c) if c.cancelled => (AckStatus::Accepted, OrderStatus::Cancelled),
        Some(c) => {
            let ack = match c.kind.as_str() {
                "reject" => AckStatus::Rejected,
                "accept" => AckStatus::Accepted,
                _ if lines.iter().all(|l| l.status == LineStatus::Accepted) => AckStatus::Accepted,
                _ => AckStatus::AcceptedWithChanges,
            };
            let live: Vec<&OrderLine> = lines.iter().filter(|l| l.confirmed.steps > 0).collect();
            let status = if ack == AckStatus::Rejected {
                OrderStatus::Rejected
            } else if !live.is_empty() && live.iter().all(|l| l.status == LineStatus::Shipped) {
                OrderStatus::Shipped
            } else if live.iter().any(|l| l.shipped.steps > 0) {
                OrderStatus::PartiallyShipped
            } else {
                OrderStatus::Confirmed
            };
            (ack, status)
        }
    };
    if let Some(id) = confirmation.and_then(|c| c.supplier_order_id.as_deref()) {
        messages.push(Message {
            severity: Severity::Info,
            code: "supplier_order_id".to_string(),
            line_id: None,
            text: format!("Ostara's order number is {id}"),
            resolution: None,
        });
    }
    Ok(Order {
        order_id: order_id.to_string(),
        buyer_po: order_id.to_string(),
        quote_id: None,
        ack,
        status,
        created_at: created,
        updated_at: updated,
        currency: currency.code().to_string(),
        lines,
        totals: Totals {
            lines: sum.into(),
            discounts: zero.clone(),
            shipping: shipping.into(),
            tax: zero.clone(),
            fees: zero,
            grand_total: grand.into(),
            tax_included: false,
        },
        messages,
        permalink: None,
    })
}
