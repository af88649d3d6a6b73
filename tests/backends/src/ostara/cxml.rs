//! Reading the buyer's cXML and writing Ostara's: `Response`, `ConfirmationRequest`,
//! `ShipNoticeRequest` and the order history envelope.

use mercato_sdk::xml::{Element, XmlWriter};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::store::{LineState, Order, Portion};

/// The cXML DTD Ostara's documents name.
pub(crate) const DTD_CXML: &str = "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd";
/// The catalogue DTD.
pub(crate) const DTD_CATALOG: &str = "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd";
/// Namespace of Ostara's order-history envelope.
pub(crate) const HISTORY_NS: &str = "urn:ostara:cxml:order-history:1";
/// The version of cXML Ostara speaks.
pub(crate) const VERSION: &str = "1.2.014";

/// Whole euro cents as a cXML `Money` value ("12.50").
pub(crate) fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// An ISO 8601 timestamp with offset, as cXML writes them.
pub(crate) fn timestamp(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Put a `<!DOCTYPE root SYSTEM "dtd">` after the XML declaration, as real cXML has.
pub(crate) fn with_doctype(xml: &str, root: &str, dtd: &str) -> String {
    xml.replacen(
        "?>\n",
        &format!("?>\n<!DOCTYPE {root} SYSTEM \"{dtd}\">\n"),
        1,
    )
}

/// The text without a `<!DOCTYPE … SYSTEM "…">` declaration (the XML reader refuses DTDs,
/// and Ostara never resolves them). An internal subset is refused.
pub(crate) fn strip_doctype(text: &str) -> Result<String, String> {
    let Some(start) = text.find("<!DOCTYPE") else {
        return Ok(text.to_string());
    };
    let end = text[start..]
        .find('>')
        .ok_or_else(|| "unterminated DOCTYPE".to_string())?;
    if text[start..start + end].contains('[') {
        return Err("DOCTYPE internal subsets are not accepted".to_string());
    }
    Ok(format!("{}{}", &text[..start], &text[start + end + 1..]))
}

/// A credential: `<Credential domain><Identity>…</Identity><SharedSecret>…</SharedSecret>`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credential {
    /// `domain` attribute.
    pub domain: String,
    /// `Identity`.
    pub identity: String,
    /// `SharedSecret`, if sent.
    pub shared_secret: Option<String>,
}

fn credential(el: Option<&Element>) -> Credential {
    let Some(c) = el.and_then(|e| e.child("Credential")) else {
        return Credential::default();
    };
    Credential {
        domain: c.attr("domain").unwrap_or_default().to_string(),
        identity: c.text_at("Identity").unwrap_or_default().to_string(),
        shared_secret: c.text_at("SharedSecret").map(str::to_string),
    }
}

/// What an `OrderRequest` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderKind {
    /// `type="new"`.
    New,
    /// `type="delete"`: cancel the order with this orderID.
    Delete,
}

/// One `ItemOut`.
#[derive(Debug, Clone)]
pub(crate) struct LineIn {
    /// `lineNumber`.
    pub line_number: u32,
    /// `ItemID/SupplierPartID`.
    pub sku: String,
    /// `quantity`, whole units.
    pub quantity: u64,
    /// `ItemDetail/UnitOfMeasure`.
    pub uom: String,
    /// `ItemDetail/UnitPrice/Money` as exact (mantissa, scale).
    pub price: Option<(i128, u32)>,
    /// `ItemDetail/Extrinsic name="buyerLineID"`.
    pub buyer_line_id: Option<String>,
}

/// A buyer's OrderRequest, read.
#[derive(Debug, Clone)]
pub(crate) struct OrderDoc {
    /// The envelope's `payloadID`: Ostara's dedupe key.
    pub payload_id: String,
    /// `Header/From`.
    pub from: Credential,
    /// `Header/Sender`.
    pub sender: Credential,
    /// `OrderRequestHeader/@orderID`: the buyer's PO and the order's id on both sides.
    pub order_id: String,
    /// `type`.
    pub kind: OrderKind,
    /// `Total/Money/@currency`.
    pub currency: String,
    /// `ShipTo/Address/PostalAddress/Country/@isoCountryCode`.
    pub country: String,
    /// `ItemOut`s.
    pub lines: Vec<LineIn>,
    /// Everything that makes two requests the same order, for the payloadID check; the
    /// envelope timestamp and the order date may differ between retries.
    pub fingerprint: String,
}

/// Parse `text` as an exact decimal (mantissa, scale).
pub(crate) fn decimal(text: &str) -> Option<(i128, u32)> {
    let t = text.trim();
    let (neg, body) = t.strip_prefix('-').map_or((false, t), |b| (true, b));
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.len() + frac.len() > 30 {
        return None;
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m * 10 + i128::from(b - b'0');
    }
    Some((if neg { -m } else { m }, u32::try_from(frac.len()).ok()?))
}

/// Whether an exact decimal equals `cents` / 100.
pub(crate) fn equals_cents((m, scale): (i128, u32), cents: i64) -> bool {
    let c = i128::from(cents);
    if scale >= 2 {
        10i128
            .checked_pow(scale - 2)
            .and_then(|f| c.checked_mul(f))
            .is_some_and(|v| v == m)
    } else {
        10i128
            .checked_pow(2 - scale)
            .and_then(|f| m.checked_mul(f))
            .is_some_and(|v| v == c)
    }
}

/// Read a cXML OrderRequest; the error is the text of a `400` Status.
pub(crate) fn read_order_request(root: &Element) -> Result<OrderDoc, String> {
    if root.name != "cXML" {
        return Err(format!("expected a cXML document, got <{}>", root.name));
    }
    let payload_id = root
        .attr("payloadID")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or("the cXML element has no payloadID")?
        .to_string();
    let header = root
        .child("Header")
        .ok_or("the cXML document has no Header")?;
    let request = root
        .find("Request/OrderRequest")
        .ok_or("the document is not an OrderRequest")?;
    let head = request
        .child("OrderRequestHeader")
        .ok_or("OrderRequest has no OrderRequestHeader")?;
    let order_id = head
        .attr("orderID")
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .ok_or("OrderRequestHeader has no orderID")?
        .to_string();
    let kind = match head.attr("type").unwrap_or("new") {
        "new" => OrderKind::New,
        "delete" => OrderKind::Delete,
        other => {
            return Err(format!(
                "OrderRequestHeader type {other:?} is not supported"
            ));
        }
    };
    let currency = head
        .find("Total/Money")
        .and_then(|m| m.attr("currency"))
        .unwrap_or("EUR")
        .to_string();
    let country = head
        .find("ShipTo/Address/PostalAddress/Country")
        .and_then(|c| c.attr("isoCountryCode"))
        .unwrap_or_default()
        .to_ascii_uppercase();
    let mut lines = Vec::new();
    for (i, item) in request.children("ItemOut").enumerate() {
        let n = i + 1;
        let line_number = item
            .attr("lineNumber")
            .and_then(|l| l.trim().parse().ok())
            .ok_or(format!("ItemOut {n} has no numeric lineNumber"))?;
        let quantity = item
            .attr("quantity")
            .and_then(decimal)
            .and_then(|(m, s)| (s == 0 || m % 10i128.pow(s) == 0).then(|| m / 10i128.pow(s)))
            .and_then(|q| u64::try_from(q).ok())
            .filter(|q| *q > 0)
            .ok_or(format!(
                "ItemOut {n}: quantity must be a whole number above zero"
            ))?;
        let sku = item
            .text_at("ItemID/SupplierPartID")
            .ok_or(format!("ItemOut {n} has no ItemID/SupplierPartID"))?
            .to_string();
        let detail = item.child("ItemDetail");
        let uom = detail
            .and_then(|d| d.text_at("UnitOfMeasure"))
            .unwrap_or_default()
            .to_string();
        let price = match detail.and_then(|d| d.text_at("UnitPrice/Money")) {
            Some(t) => Some(decimal(t).ok_or(format!("ItemOut {n}: UnitPrice {t:?}"))?),
            None => None,
        };
        let buyer_line_id = detail.and_then(|d| {
            d.children("Extrinsic")
                .find(|e| e.attr("name") == Some("buyerLineID"))
                .and_then(|e| e.value())
                .map(str::to_string)
        });
        lines.push(LineIn {
            line_number,
            sku,
            quantity,
            uom,
            price,
            buyer_line_id,
        });
    }
    if kind == OrderKind::New && lines.is_empty() {
        return Err("an OrderRequest needs at least one ItemOut".to_string());
    }
    let mut fingerprint = format!("{order_id}|{kind:?}|{currency}|{country}");
    for l in &lines {
        fingerprint.push_str(&format!(
            "|{}:{}:{}:{}:{:?}:{:?}",
            l.line_number, l.sku, l.quantity, l.uom, l.price, l.buyer_line_id
        ));
    }
    Ok(OrderDoc {
        payload_id,
        from: credential(header.child("From")),
        sender: credential(header.child("Sender")),
        order_id,
        kind,
        currency,
        country,
        lines,
        fingerprint,
    })
}

/// The synchronous cXML `Response` with a Status; `detail` is `"reason: text"` for errors.
pub(crate) fn response(payload_id: &str, now: i64, code: u16, detail: Option<&str>) -> String {
    let text = match code {
        200 => "OK",
        201 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        417 => "Expectation Failed",
        _ => "Error",
    };
    let mut w = envelope(payload_id, now);
    w.start("Response");
    let code = code.to_string();
    match detail {
        Some(d) => w.leaf_with(
            "Status",
            &[("code", &code), ("text", text), ("xml:lang", "en")],
            d,
        ),
        None => w.leaf_with("Status", &[("code", &code), ("text", text)], ""),
    };
    w.finish()
}

fn envelope(payload_id: &str, now: i64) -> XmlWriter {
    XmlWriter::with_root(
        "cXML",
        &[
            ("payloadID", payload_id),
            ("timestamp", &timestamp(now)),
            ("version", VERSION),
            ("xml:lang", "en-US"),
        ],
    )
}

/// `Header` of a document Ostara sends to the buyer: From Ostara, To the buyer, Sender Ostara
/// with the shared secret the buyer checks.
fn header(w: &mut XmlWriter, supplier: &str, buyer: &Credential, secret: &str) {
    let buyer_domain = if buyer.domain.is_empty() {
        "NetworkID"
    } else {
        &buyer.domain
    };
    w.start("Header");
    w.start("From")
        .start_with("Credential", &[("domain", "NetworkID")])
        .leaf("Identity", supplier)
        .end()
        .end();
    w.start("To")
        .start_with("Credential", &[("domain", buyer_domain)])
        .leaf("Identity", &buyer.identity)
        .end()
        .end();
    w.start("Sender")
        .start_with("Credential", &[("domain", "NetworkID")])
        .leaf("Identity", supplier)
        .leaf("SharedSecret", secret)
        .end()
        .leaf("UserAgent", "Ostara Supply OMS 4.2")
        .end();
    w.end();
}

fn order_reference(w: &mut XmlWriter, order: &Order) {
    w.start_with(
        "OrderReference",
        &[
            ("orderID", &order.order_id),
            ("orderDate", &timestamp(order.created_at)),
        ],
    )
    .leaf_with("DocumentReference", &[("payloadID", &order.payload_id)], "")
    .end();
}

fn item_in(w: &mut XmlWriter, line: &LineState, quantity: u64) {
    w.start_with("ItemIn", &[("quantity", &quantity.to_string())]);
    w.start("ItemID").leaf("SupplierPartID", &line.sku).end();
    w.start("ItemDetail");
    w.start("UnitPrice")
        .leaf_with("Money", &[("currency", "EUR")], &amount(line.price_cents))
        .end();
    w.start_with("Description", &[("xml:lang", "en")])
        .leaf("ShortName", &line.name)
        .end();
    w.leaf("UnitOfMeasure", &line.uom);
    if let Some(id) = &line.buyer_line_id {
        w.leaf_with("Extrinsic", &[("name", "buyerLineID")], id);
    }
    w.end().end();
}

fn status(
    w: &mut XmlWriter,
    line: &LineState,
    kind: &str,
    quantity: u64,
    delivery: Option<i64>,
    comment: Option<&str>,
) {
    let q = quantity.to_string();
    let mut attrs = vec![("type", kind), ("quantity", q.as_str())];
    let date = delivery.map(timestamp);
    if let Some(d) = &date {
        attrs.push(("deliveryDate", d.as_str()));
    }
    w.start_with("ConfirmationStatus", &attrs);
    w.leaf("UnitOfMeasure", &line.uom);
    if kind != "reject" {
        item_in(w, line, quantity);
    }
    if let Some(c) = comment {
        w.leaf_with("Comments", &[("xml:lang", "en")], c);
    }
    w.end();
}

/// A `ConfirmationRequest` for the order as it stands: `type="reject"` with
/// `operation="update"` once cancelled, otherwise `accept` when every line is accepted
/// unchanged, `reject` when none is, `detail` in between.
pub(crate) fn confirmation(
    order: &Order,
    confirm_id: &str,
    payload_id: &str,
    now: i64,
    supplier: &str,
    secret: &str,
) -> String {
    let all_plain = order.lines.iter().all(|l| l.is_plain_accept());
    let none = order.lines.iter().all(|l| l.accepted + l.backordered == 0);
    let (kind, operation) = if order.cancelled {
        ("reject", "update")
    } else if none {
        ("reject", "new")
    } else if all_plain {
        ("accept", "new")
    } else {
        ("detail", "new")
    };
    let mut w = envelope(payload_id, now);
    header(&mut w, supplier, &order.from, secret);
    w.start_with("Request", &[("deploymentMode", "production")]);
    w.start("ConfirmationRequest");
    w.start_with(
        "ConfirmationHeader",
        &[
            ("type", kind),
            ("operation", operation),
            ("noticeDate", &timestamp(now)),
            ("confirmID", confirm_id),
        ],
    );
    let lines_cents = if order.cancelled {
        0
    } else {
        order.lines_cents()
    };
    let shipping = if order.cancelled {
        0
    } else {
        order.shipping_cents
    };
    w.start("Total")
        .leaf_with("Money", &[("currency", "EUR")], &amount(lines_cents))
        .end();
    w.start("Shipping")
        .leaf_with("Money", &[("currency", "EUR")], &amount(shipping))
        .leaf_with(
            "Description",
            &[("xml:lang", "en")],
            "Parcel, free from 100.00 EUR",
        )
        .end();
    w.leaf_with(
        "IdReference",
        &[
            ("identifier", &order.supplier_order_id),
            ("domain", "supplierOrderID"),
        ],
        "",
    );
    if order.cancelled {
        w.leaf_with(
            "Comments",
            &[("xml:lang", "en")],
            "cancelled: the order was cancelled at the buyer's request",
        );
    }
    w.end();
    order_reference(&mut w, order);
    for line in &order.lines {
        w.start_with(
            "ConfirmationItem",
            &[
                ("lineNumber", &line.line_number.to_string()),
                ("quantity", &line.ordered.to_string()),
            ],
        );
        w.leaf("UnitOfMeasure", &line.uom);
        if order.cancelled {
            status(
                &mut w,
                line,
                "reject",
                line.ordered,
                None,
                Some("cancelled: cancelled at the buyer's request"),
            );
        } else {
            if line.accepted > 0 {
                let kind = if line.price_changed.is_some() {
                    "detail"
                } else {
                    "accept"
                };
                status(
                    &mut w,
                    line,
                    kind,
                    line.accepted,
                    Some(line.accepted_due),
                    line.price_changed.as_deref(),
                );
            }
            if line.backordered > 0 {
                status(
                    &mut w,
                    line,
                    "backordered",
                    line.backordered,
                    Some(line.backorder_due),
                    Some(&format!(
                        "backordered: {} {} ship when restocked",
                        line.backordered, line.uom
                    )),
                );
            }
            if line.rejected > 0 {
                status(
                    &mut w,
                    line,
                    "reject",
                    line.rejected,
                    None,
                    line.reject_reason.as_deref(),
                );
            }
        }
        w.end();
    }
    w.finish()
}

/// A `ShipNoticeRequest` for the portions shipped together.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ship_notice(
    order: &Order,
    shipped: &[(usize, Portion)],
    shipment_id: &str,
    tracking: &str,
    payload_id: &str,
    now: i64,
    supplier: &str,
    secret: &str,
) -> String {
    let mut w = envelope(payload_id, now);
    header(&mut w, supplier, &order.from, secret);
    w.start_with("Request", &[("deploymentMode", "production")]);
    w.start("ShipNoticeRequest");
    w.start_with(
        "ShipNoticeHeader",
        &[
            ("shipmentID", shipment_id),
            ("operation", "new"),
            ("shipmentType", "actual"),
            ("noticeDate", &timestamp(now)),
            ("shipmentDate", &timestamp(now)),
            ("deliveryDate", &timestamp(now + 2 * super::store::DAY_MS)),
        ],
    )
    .leaf_with("ServiceLevel", &[("xml:lang", "en")], "Standard")
    .end();
    w.start("ShipControl")
        .leaf_with(
            "CarrierIdentifier",
            &[("domain", "companyName")],
            "DHL Paket",
        )
        .leaf_with("CarrierIdentifier", &[("domain", "SCAC")], "DHLP")
        .leaf("ShipmentIdentifier", tracking)
        .end();
    w.start("ShipNoticePortion");
    order_reference(&mut w, order);
    for (index, portion) in shipped {
        let line = &order.lines[*index];
        w.start_with(
            "ShipNoticeItem",
            &[
                ("lineNumber", &line.line_number.to_string()),
                ("quantity", &portion.quantity.to_string()),
            ],
        );
        w.start("ItemID").leaf("SupplierPartID", &line.sku).end();
        w.leaf("UnitOfMeasure", &line.uom);
        if let Some(id) = &line.buyer_line_id {
            w.leaf_with("Extrinsic", &[("name", "buyerLineID")], id);
        }
        w.end();
    }
    w.finish()
}

/// Ostara's order history: the OrderRequest as received, every ConfirmationRequest and every
/// ShipNoticeRequest, oldest first, inside one envelope.
pub(crate) fn history(order: &Order) -> String {
    let mut w = XmlWriter::with_root(
        "OrderHistory",
        &[
            ("xmlns", HISTORY_NS),
            ("orderID", &order.order_id),
            ("supplierOrderID", &order.supplier_order_id),
        ],
    );
    // Documents are embedded without their DOCTYPE: a DTD declaration cannot appear inside
    // an element.
    w.embed(&order.request_xml);
    for doc in order.confirmations.iter().chain(&order.ship_notices) {
        w.embed(doc);
    }
    w.finish()
}
