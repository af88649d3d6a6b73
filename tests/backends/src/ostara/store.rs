//! Ostara's state: stock, orders keyed by the buyer's orderID, payloadIDs already answered,
//! and the documents pushed to the buyer.

use std::collections::HashMap;

use super::catalog::{Item, Lifecycle, assortment};
use super::cxml::{self, Credential, LineIn, OrderDoc, OrderKind, equals_cents, with_doctype};

/// Milliseconds in one day.
pub(crate) const DAY_MS: i64 = 86_400_000;
/// What is accepted from stock ships this long after the order.
pub(crate) const SHIP_AFTER_MS: i64 = DAY_MS;
/// Parcel rate below [`FREE_SHIPPING_FROM_CENTS`] of confirmed lines.
pub(crate) const SHIPPING_CENTS: i64 = 690;
/// Confirmed lines worth this much or more ship free.
pub(crate) const FREE_SHIPPING_FROM_CENTS: i64 = 10_000;
/// Countries Ostara delivers to.
pub const SHIP_TO_COUNTRIES: [&str; 5] = ["DE", "AT", "NL", "BE", "FR"];

/// Part of a line that ships at one time.
#[derive(Debug, Clone)]
pub(crate) struct Portion {
    /// Units.
    pub quantity: u64,
    /// When it ships on the simulated clock.
    pub due: i64,
    /// Whether a ShipNotice went out for it.
    pub shipped: bool,
}

/// One order line as Ostara decided it.
#[derive(Debug, Clone)]
pub(crate) struct LineState {
    pub line_number: u32,
    pub buyer_line_id: Option<String>,
    pub sku: String,
    pub name: String,
    pub uom: String,
    pub ordered: u64,
    /// Ostara's unit price, in cents.
    pub price_cents: i64,
    /// Confirmed from stock.
    pub accepted: u64,
    /// Confirmed, shipping after the lead time.
    pub backordered: u64,
    /// Not accepted.
    pub rejected: u64,
    /// `reason: text` for a rejected quantity.
    pub reject_reason: Option<String>,
    /// `price-changed: …` when the buyer's price was not Ostara's.
    pub price_changed: Option<String>,
    pub accepted_due: i64,
    pub backorder_due: i64,
    pub portions: Vec<Portion>,
}

impl LineState {
    /// Accepted in full at the buyer's price.
    pub fn is_plain_accept(&self) -> bool {
        self.accepted == self.ordered && self.price_changed.is_none()
    }

    fn confirmed_cents(&self) -> i64 {
        let units = i64::try_from(self.accepted + self.backordered).unwrap_or(i64::MAX);
        self.price_cents.saturating_mul(units)
    }
}

/// One order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    /// The buyer's orderID.
    pub order_id: String,
    /// Ostara's own number, reported as an `IdReference`.
    pub supplier_order_id: String,
    /// payloadID of the OrderRequest that created it.
    pub payload_id: String,
    /// The buyer's `From` credential; pushed documents are addressed `To` it.
    pub from: Credential,
    pub created_at: i64,
    /// The OrderRequest as received, DOCTYPE removed.
    pub request_xml: String,
    pub lines: Vec<LineState>,
    pub shipping_cents: i64,
    pub cancelled: bool,
    /// ConfirmationRequests sent, oldest first (without DOCTYPE).
    pub confirmations: Vec<String>,
    /// ShipNoticeRequests sent, oldest first (without DOCTYPE).
    pub ship_notices: Vec<String>,
}

impl Order {
    /// Sum of confirmed line amounts, in cents.
    pub fn lines_cents(&self) -> i64 {
        self.lines.iter().map(LineState::confirmed_cents).sum()
    }

    fn shipped_anything(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.portions.iter().any(|p| p.shipped))
    }
}

/// How a document Ostara pushed fared at the buyer's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// No `push_to` URL is configured: the document is only in the outbox.
    NotConfigured,
    /// Not sent yet.
    Pending,
    /// The buyer answered with this HTTP status and body.
    Delivered {
        /// HTTP status.
        status: u16,
        /// Body of the answer (the buyer's cXML Response).
        reply: String,
    },
    /// The buyer could not be reached.
    Failed(String),
}

/// A document Ostara pushed (or would push) to the buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedDocument {
    /// `ConfirmationRequest` or `ShipNoticeRequest`.
    pub kind: String,
    /// The buyer's orderID it is about.
    pub order_id: String,
    /// The document's payloadID.
    pub payload_id: String,
    /// The exact body, DOCTYPE included.
    pub body: String,
    /// How its delivery went.
    pub delivery: Delivery,
}

/// A refusal: the cXML Status code and `reason: text`.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub code: u16,
    pub detail: String,
}

impl Refusal {
    pub fn new(code: u16, reason: &str, text: impl std::fmt::Display) -> Self {
        Refusal {
            code,
            detail: format!("{reason}: {text}"),
        }
    }
}

/// An answered OrderRequest: its Status code and the Response body.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub code: u16,
    pub body: String,
}

/// Everything Ostara knows.
#[derive(Debug)]
pub(crate) struct Store {
    pub items: Vec<Item>,
    stock: HashMap<String, u64>,
    orders: Vec<Order>,
    /// payloadID → (fingerprint, the answer given).
    payloads: HashMap<String, (String, Outcome)>,
    outbox: Vec<PushedDocument>,
    seq: u64,
    supplier: String,
    secret: String,
    push_configured: bool,
}

impl Store {
    pub fn new(supplier: &str, secret: &str, push_configured: bool) -> Self {
        let items = assortment();
        let stock = items
            .iter()
            .map(|i| (i.sku.to_string(), i.initial_stock))
            .collect();
        Store {
            items,
            stock,
            orders: Vec::new(),
            payloads: HashMap::new(),
            outbox: Vec::new(),
            seq: 0,
            supplier: supplier.to_string(),
            secret: secret.to_string(),
            push_configured,
        }
    }

    pub fn on_hand(&self, sku: &str) -> Option<u64> {
        self.stock.get(sku).copied()
    }

    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    pub fn order(&self, order_id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.order_id == order_id)
    }

    pub fn outbox(&self) -> &[PushedDocument] {
        &self.outbox
    }

    pub fn outbox_mut(&mut self) -> &mut [PushedDocument] {
        &mut self.outbox
    }

    pub fn supplier(&self) -> &str {
        &self.supplier
    }

    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn payload_id(&mut self, now: i64) -> String {
        let n = self.next();
        format!("{now}.{n}.ostara@ostara-supply.example")
    }

    fn push(&mut self, kind: &str, order_id: &str, payload_id: String, xml: &str) -> usize {
        self.outbox.push(PushedDocument {
            kind: kind.to_string(),
            order_id: order_id.to_string(),
            payload_id,
            body: with_doctype(xml, "cXML", cxml::DTD_CXML),
            delivery: if self.push_configured {
                Delivery::Pending
            } else {
                Delivery::NotConfigured
            },
        });
        self.outbox.len() - 1
    }

    /// Handle an OrderRequest (new or delete). The answer is the Status and Response; the
    /// indices are outbox entries to deliver.
    pub fn order_request(
        &mut self,
        doc: OrderDoc,
        request_xml: String,
        now: i64,
    ) -> (Outcome, Vec<usize>) {
        if let Some((fingerprint, outcome)) = self.payloads.get(&doc.payload_id) {
            if *fingerprint == doc.fingerprint {
                return (outcome.clone(), Vec::new());
            }
            let r = Refusal::new(
                409,
                "payload-conflict",
                format!(
                    "payloadID {} was already used for a different document",
                    doc.payload_id
                ),
            );
            return (self.refuse(&r, now), Vec::new());
        }
        let payload_id = doc.payload_id.clone();
        let fingerprint = doc.fingerprint.clone();
        let result = match doc.kind {
            OrderKind::New => self.create(doc, request_xml, now),
            OrderKind::Delete => self.delete(&doc, now),
        };
        let (outcome, pushes) = match result {
            Ok((outcome, pushes)) => (outcome, pushes),
            Err(r) => return (self.refuse(&r, now), Vec::new()),
        };
        // Only answers that changed (or decided) something are replayed for the payloadID; a
        // malformed document may be corrected and sent again under the same id.
        self.payloads
            .insert(payload_id, (fingerprint, outcome.clone()));
        (outcome, pushes)
    }

    fn refuse(&mut self, r: &Refusal, now: i64) -> Outcome {
        let id = self.payload_id(now);
        Outcome {
            code: r.code,
            body: cxml::response(&id, now, r.code, Some(&r.detail)),
        }
    }

    fn ok(&mut self, now: i64, code: u16, detail: Option<&str>) -> Outcome {
        let id = self.payload_id(now);
        Outcome {
            code,
            body: cxml::response(&id, now, code, detail),
        }
    }

    fn create(
        &mut self,
        doc: OrderDoc,
        request_xml: String,
        now: i64,
    ) -> Result<(Outcome, Vec<usize>), Refusal> {
        if self.order(&doc.order_id).is_some() {
            return Err(Refusal::new(
                409,
                "duplicate-order",
                format!(
                    "orderID {} was already ordered under another payloadID",
                    doc.order_id
                ),
            ));
        }
        if !doc.currency.eq_ignore_ascii_case("EUR") {
            return Err(Refusal::new(
                400,
                "unsupported-currency",
                format!("Ostara sells in EUR only, not {}", doc.currency),
            ));
        }
        if !SHIP_TO_COUNTRIES.contains(&doc.country.as_str()) {
            return Err(Refusal::new(
                400,
                "undeliverable",
                format!(
                    "Ostara does not deliver to {:?}; it delivers to {}",
                    doc.country,
                    SHIP_TO_COUNTRIES.join(", ")
                ),
            ));
        }
        let mut numbers = std::collections::HashSet::new();
        for l in &doc.lines {
            if !numbers.insert(l.line_number) {
                return Err(Refusal::new(
                    400,
                    "invalid-document",
                    format!("lineNumber {} is used twice", l.line_number),
                ));
            }
        }
        let lines = doc.lines.iter().map(|l| self.decide(l, now)).collect();
        let n = self.next();
        let mut order = Order {
            order_id: doc.order_id.clone(),
            supplier_order_id: format!("OST-SO-{n:06}"),
            payload_id: doc.payload_id.clone(),
            from: doc.from.clone(),
            created_at: now,
            request_xml,
            lines,
            shipping_cents: 0,
            cancelled: false,
            confirmations: Vec::new(),
            ship_notices: Vec::new(),
        };
        let lines_cents = order.lines_cents();
        order.shipping_cents = if lines_cents > 0 && lines_cents < FREE_SHIPPING_FROM_CENTS {
            SHIPPING_CENTS
        } else {
            0
        };
        let push = self.confirm(&mut order, now);
        self.orders.push(order);
        Ok((self.ok(now, 200, None), vec![push]))
    }

    /// Accept from stock, backorder the rest, reject what cannot be sold.
    fn decide(&mut self, l: &LineIn, now: i64) -> LineState {
        let item = self.items.iter().find(|i| i.sku == l.sku).cloned();
        let mut line = LineState {
            line_number: l.line_number,
            buyer_line_id: l.buyer_line_id.clone(),
            sku: l.sku.clone(),
            name: item
                .as_ref()
                .map_or_else(String::new, |i| i.name.to_string()),
            uom: if l.uom.is_empty() {
                item.as_ref().map_or("EA", |i| i.uom).to_string()
            } else {
                l.uom.clone()
            },
            ordered: l.quantity,
            price_cents: item.as_ref().map_or(0, |i| i.price_cents),
            accepted: 0,
            backordered: 0,
            rejected: 0,
            reject_reason: None,
            price_changed: None,
            accepted_due: now + SHIP_AFTER_MS,
            backorder_due: now,
            portions: Vec::new(),
        };
        let reject = |line: &mut LineState, reason: String| {
            line.rejected = line.ordered;
            line.reject_reason = Some(reason);
        };
        let Some(item) = item else {
            reject(
                &mut line,
                format!("unknown-item: Ostara has no item {}", l.sku),
            );
            return line;
        };
        if item.lifecycle == Lifecycle::Discontinued {
            reject(
                &mut line,
                format!("discontinued: {} is no longer sold", item.sku),
            );
            return line;
        }
        if line.uom != item.uom {
            let unit = line.uom.clone();
            reject(
                &mut line,
                format!(
                    "wrong-unit: {} is sold per {}, not {}",
                    item.sku, item.uom, unit
                ),
            );
            return line;
        }
        if let Some(p) = l.price
            && !equals_cents(p, item.price_cents)
        {
            line.price_changed = Some(format!(
                "price-changed: the price of {} is {} EUR per {}",
                item.sku,
                cxml::amount(item.price_cents),
                item.uom
            ));
        }
        let on_hand = self.stock.get(item.sku).copied().unwrap_or(0);
        line.accepted = on_hand.min(l.quantity);
        line.backordered = l.quantity - line.accepted;
        line.backorder_due = now + i64::from(item.lead_days) * DAY_MS;
        self.stock
            .insert(item.sku.to_string(), on_hand - line.accepted);
        if line.accepted > 0 {
            line.portions.push(Portion {
                quantity: line.accepted,
                due: line.accepted_due,
                shipped: false,
            });
        }
        if line.backordered > 0 {
            line.portions.push(Portion {
                quantity: line.backordered,
                due: line.backorder_due,
                shipped: false,
            });
        }
        line
    }

    /// Write the order's current ConfirmationRequest into its history and the outbox.
    fn confirm(&mut self, order: &mut Order, now: i64) -> usize {
        let payload_id = self.payload_id(now);
        let n = self.next();
        let xml = cxml::confirmation(
            order,
            &format!("OST-CF-{n:06}"),
            &payload_id,
            now,
            &self.supplier,
            &self.secret,
        );
        order.confirmations.push(xml.clone());
        self.push("ConfirmationRequest", &order.order_id, payload_id, &xml)
    }

    fn delete(&mut self, doc: &OrderDoc, now: i64) -> Result<(Outcome, Vec<usize>), Refusal> {
        let Some(index) = self.orders.iter().position(|o| o.order_id == doc.order_id) else {
            return Err(Refusal::new(
                404,
                "unknown-order",
                format!("Ostara has no order {}", doc.order_id),
            ));
        };
        let order = &self.orders[index];
        if order.cancelled {
            return Ok((
                self.ok(now, 200, Some("cancelled: already cancelled")),
                Vec::new(),
            ));
        }
        if order.shipped_anything() {
            let outcome = self.ok(
                now,
                417,
                Some("cancel-refused: part of the order has already shipped"),
            );
            return Ok((outcome, Vec::new()));
        }
        let mut order = self.orders.remove(index);
        for line in &order.lines {
            if let Some(s) = self.stock.get_mut(&line.sku) {
                *s += line.accepted;
            }
        }
        order.cancelled = true;
        for line in &mut order.lines {
            line.portions.clear();
        }
        let push = self.confirm(&mut order, now);
        self.orders.insert(index, order);
        Ok((
            self.ok(now, 200, Some("cancelled: the order is cancelled")),
            vec![push],
        ))
    }

    /// Ship every portion that is due at `now`: one ShipNoticeRequest per order. Returns the
    /// outbox entries to deliver.
    pub fn tick(&mut self, now: i64) -> Vec<usize> {
        let mut pushes = Vec::new();
        for index in 0..self.orders.len() {
            let mut due = Vec::new();
            {
                let order = &mut self.orders[index];
                if order.cancelled {
                    continue;
                }
                for (li, line) in order.lines.iter_mut().enumerate() {
                    for p in line
                        .portions
                        .iter_mut()
                        .filter(|p| !p.shipped && p.due <= now)
                    {
                        p.shipped = true;
                        due.push((li, p.clone()));
                    }
                }
            }
            if due.is_empty() {
                continue;
            }
            let payload_id = self.payload_id(now);
            let n = self.next();
            let order = &self.orders[index];
            let xml = cxml::ship_notice(
                order,
                &due,
                &format!("OST-SN-{n:06}"),
                &format!("00340434{n:010}"),
                &payload_id,
                now,
                &self.supplier,
                &self.secret,
            );
            let order_id = order.order_id.clone();
            self.orders[index].ship_notices.push(xml.clone());
            pushes.push(self.push("ShipNoticeRequest", &order_id, payload_id, &xml));
        }
        pushes
    }
}
