//! Nordfast's business state and rules: stock, quotations, orders, despatches, invoices and
//! the documents it pushes to buyers.

use std::collections::HashMap;

use axum::http::StatusCode;

use super::catalogue::{Item, items};
use super::documents::{
    self, Answering, Buyer, CancellationDocument, CatalogueEntry, Despatch, DespatchedLine,
    DocTotals, InvoiceFacts, OrderDocument, RequestedLine, RfqDocument, SHIP_TO, tax_for,
};
use super::numbers::{
    DAY_MS, Dec, end_of_day, gs1_check_digit, line_cents, same_unit_price, ubl_date, ubl_time,
};

/// How long a quotation is binding.
pub(crate) const QUOTATION_VALIDITY_MS: i64 = 48 * 3_600_000;
/// Days until an item without a scheduled restock is replenished.
const REPLENISH_DAYS: i64 = 30;
/// Orders below this net amount (cents) pay freight.
const FREE_FREIGHT_FROM: i64 = 15_000;
/// Freight for small orders, cents.
const FREIGHT: i64 = 990;
/// Days from invoice to payment.
const PAYMENT_DAYS: i64 = 30;

/// Freight for a document whose lines come to `lines` cents.
fn freight_for(lines: i64) -> i64 {
    if lines > 0 && lines < FREE_FREIGHT_FROM {
        FREIGHT
    } else {
        0
    }
}

/// An error answered with an HTTP status and an `ApplicationResponse`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Nordfast reason code (`StatusReasonCode listID="nordfast"`).
    pub code: &'static str,
    /// What was wrong.
    pub text: String,
    /// The buyer's line it concerns.
    pub line: Option<String>,
    /// The buyer's document it concerns.
    pub document: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, text: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            text: text.into(),
            line: None,
            document: None,
        }
    }

    /// The document is not a readable UBL document of the expected type.
    pub fn invalid_document(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-document", text)
    }

    /// A query parameter is wrong.
    pub fn invalid_parameter(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-parameter", text)
    }

    /// Not EUR.
    pub fn unsupported_currency(text: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported-currency",
            text,
        )
    }

    /// A country Nordfast does not deliver to.
    fn undeliverable(country: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "undeliverable",
            format!(
                "Nordfast does not deliver to {country}; it delivers to {}",
                SHIP_TO.join(", ")
            ),
        )
    }

    /// An item that is not in the catalogue.
    fn unknown_item(line: &RequestedLine) -> Self {
        let what = line
            .seller_id
            .as_deref()
            .map(|s| format!("seller item id {s}"))
            .or_else(|| line.gtin.as_deref().map(|g| format!("GTIN {g}")))
            .unwrap_or_default();
        let mut e = Self::new(
            StatusCode::NOT_FOUND,
            "unknown-item",
            format!("line {}: no catalogue item with {what}", line.line_id),
        );
        e.line = Some(line.line_id.clone());
        e
    }

    /// No such order.
    pub fn unknown_order(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown-order",
            format!("no order {what}"),
        )
    }

    /// No such quotation.
    pub fn unknown_quotation(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown-quotation",
            format!("no quotation {id}"),
        )
    }

    /// With the buyer document it concerns.
    pub fn about(mut self, document: &str) -> Self {
        self.document = Some(document.to_string());
        self
    }
}

/// Stock of one item.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stock {
    /// Pieces on hand.
    pub on_hand: u64,
    /// Scheduled restock `(at, pieces)`.
    pub restock: Option<(i64, u64)>,
}

/// One priced line of a quotation.
#[derive(Debug, Clone)]
pub(crate) struct QuotedLine {
    /// Buyer's line id.
    pub line_id: String,
    /// The item.
    pub item: Item,
    /// Quoted pieces.
    pub quantity: u64,
    /// Price per `item.basis`.
    pub price: Dec,
    /// Notes (quantity adjusted, backorder).
    pub notes: Vec<String>,
    /// Promised delivery window.
    pub promised: (i64, i64),
}

impl QuotedLine {
    /// Line extension amount.
    pub fn total_cents(&self) -> i64 {
        line_cents(self.quantity, self.price, self.item.basis)
    }
}

/// A quotation as issued.
#[derive(Debug, Clone)]
pub(crate) struct QuotationRecord {
    /// Quotation id.
    pub id: String,
    /// RFQ it answers.
    pub rfq_id: String,
    /// Issued.
    pub created_ms: i64,
    /// Binding until.
    pub valid_until_ms: i64,
    /// Buyer.
    pub buyer: Buyer,
    /// Delivery country.
    pub country: String,
    /// Lines.
    pub lines: Vec<QuotedLine>,
    /// The document as issued.
    pub xml: String,
}

impl QuotationRecord {
    /// Lines, freight and VAT.
    pub fn totals(&self) -> DocTotals {
        let lines = self.lines.iter().map(QuotedLine::total_cents).sum();
        DocTotals {
            lines,
            freight: freight_for(lines),
            tax: tax_for(&self.country),
        }
    }
}

/// UNCL1229 status of an order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineStatus {
    /// 5: accepted as ordered.
    Accepted,
    /// 3: accepted with changes (see the notes).
    Changed,
    /// 7: not accepted.
    NotAccepted,
}

impl LineStatus {
    /// The code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            LineStatus::Accepted => "5",
            LineStatus::Changed => "3",
            LineStatus::NotAccepted => "7",
        }
    }
}

/// What a line note reports; every note starts with the kind's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteKind {
    /// `PRICE-CHANGED:`
    Price,
    /// `QUANTITY-CHANGED:`
    Quantity,
    /// `BACKORDER:`
    Backorder,
    /// `DATE-CHANGED:`
    Date,
    /// `NOT-ACCEPTED:`
    NotAccepted,
    /// `INFO:` (no change)
    Info,
}

impl NoteKind {
    fn prefix(self) -> &'static str {
        match self {
            NoteKind::Price => "PRICE-CHANGED",
            NoteKind::Quantity => "QUANTITY-CHANGED",
            NoteKind::Backorder => "BACKORDER",
            NoteKind::Date => "DATE-CHANGED",
            NoteKind::NotAccepted => "NOT-ACCEPTED",
            NoteKind::Info => "INFO",
        }
    }
}

/// One line of an order in its current state.
#[derive(Debug, Clone)]
pub(crate) struct OrderLineRecord {
    /// Buyer's line id.
    pub line_id: String,
    /// Seller's item id (none for an unknown item).
    pub item_id: Option<String>,
    /// Item name.
    pub item_name: String,
    /// GTIN.
    pub gtin: Option<String>,
    /// Pieces the price is for.
    pub basis: u64,
    /// Unit price charged.
    pub price: Dec,
    /// Why the price differs from the order.
    pub price_change_reason: Option<String>,
    /// Pieces confirmed.
    pub confirmed: u64,
    /// Status.
    pub status: LineStatus,
    /// Notes with their kinds.
    notes_kinds: Vec<(NoteKind, String)>,
    /// Notes as written to documents.
    pub notes: Vec<String>,
    /// Pieces despatched so far.
    pub despatched: u64,
    /// Pieces waiting for stock.
    pub backordered: u64,
    /// Pieces reserved from stock, waiting for the rest of a ship-complete order.
    pub held: u64,
    /// Promised window of the part shipped from stock.
    pub promised_from_stock: (i64, i64),
    /// Promised window of the part that waits.
    pub promised_later: (i64, i64),
    /// Lead time of the item, days.
    lead_days: u32,
}

impl OrderLineRecord {
    /// Pieces not yet despatched that wait for a restock.
    pub fn waiting(&self) -> u64 {
        self.backordered + self.held
    }

    /// Line extension amount.
    pub fn total_cents(&self) -> i64 {
        line_cents(self.confirmed, self.price, self.basis)
    }

    fn note(&mut self, kind: NoteKind, text: String) {
        self.notes_kinds
            .push((kind, format!("{}: {text}", kind.prefix())));
        self.refresh();
    }

    fn refresh(&mut self) {
        self.notes = self.notes_kinds.iter().map(|(_, t)| t.clone()).collect();
        self.status = if self
            .notes_kinds
            .iter()
            .any(|(k, _)| *k == NoteKind::NotAccepted)
        {
            LineStatus::NotAccepted
        } else if self.notes_kinds.iter().any(|(k, _)| *k != NoteKind::Info) {
            LineStatus::Changed
        } else {
            LineStatus::Accepted
        };
    }
}

/// An order in its current state.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecord {
    /// Nordfast's order id.
    pub id: String,
    /// Buyer PO.
    pub buyer_po: String,
    /// Idempotency key.
    pub uuid: String,
    fingerprint: String,
    /// Quotation accepted.
    pub quotation_id: Option<String>,
    /// Created.
    pub created_ms: i64,
    /// UNCL4343 response code of the current state: AP, CA or RE.
    pub code: String,
    /// Order-level note.
    pub note: Option<String>,
    /// Buyer.
    pub buyer: Buyer,
    /// Delivery country.
    pub country: String,
    /// Delivery location GLN.
    pub location_gln: Option<String>,
    /// Lines.
    pub lines: Vec<OrderLineRecord>,
    /// The first OrderResponse, returned again for the same UUID.
    pub original_response: String,
    /// The latest OrderResponse.
    pub current_response: String,
    /// Whether a cancellation was accepted.
    pub cancelled: bool,
    /// DespatchAdvice documents.
    pub despatch_advices: Vec<String>,
    /// Invoice documents.
    pub invoices: Vec<String>,
}

impl OrderRecord {
    /// Lines, freight and VAT over the confirmed lines.
    pub fn totals(&self) -> DocTotals {
        let lines = self
            .lines
            .iter()
            .filter(|l| l.status != LineStatus::NotAccepted)
            .map(OrderLineRecord::total_cents)
            .sum();
        DocTotals {
            lines,
            freight: freight_for(lines),
            tax: tax_for(&self.country),
        }
    }

    fn recompute_code(&mut self) {
        let statuses: Vec<LineStatus> = self.lines.iter().map(|l| l.status).collect();
        self.code = if statuses.iter().all(|s| *s == LineStatus::NotAccepted) {
            "RE"
        } else if statuses.iter().all(|s| *s == LineStatus::Accepted) {
            "AP"
        } else {
            "CA"
        }
        .to_string();
    }
}

/// A document Nordfast pushes to the buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedDocument {
    /// UBL document type: `OrderResponse`, `DespatchAdvice` or `Invoice`.
    pub kind: String,
    /// Nordfast's order id it concerns.
    pub order_id: String,
    /// The document.
    pub xml: String,
}

/// Everything the backend knows.
#[derive(Debug)]
pub(crate) struct Store {
    items: Vec<Item>,
    stock: HashMap<&'static str, Stock>,
    started_ms: i64,
    seq: u64,
    quotations: Vec<QuotationRecord>,
    orders: Vec<OrderRecord>,
    cancellations: HashMap<String, String>,
    outbox: Vec<PushedDocument>,
}

fn gtin14(text: &str) -> String {
    format!("{:0>14}", text.trim())
}

impl Store {
    /// Opening stock, with restocks scheduled relative to `now`.
    pub fn new(now: i64) -> Self {
        let items = items();
        let stock = items
            .iter()
            .map(|i| {
                (
                    i.id,
                    Stock {
                        on_hand: i.opening_stock,
                        restock: i.restock.map(|(days, qty)| (now + days * DAY_MS, qty)),
                    },
                )
            })
            .collect();
        Store {
            items,
            stock,
            started_ms: now,
            seq: 0,
            quotations: Vec::new(),
            orders: Vec::new(),
            cancellations: HashMap::new(),
            outbox: Vec::new(),
        }
    }

    fn next_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}-{:06}", self.seq)
    }

    fn stock(&self, item_id: &str) -> Stock {
        self.stock.get(item_id).copied().unwrap_or(Stock {
            on_hand: 0,
            restock: None,
        })
    }

    fn stock_mut(&mut self, item_id: &str) -> Option<&mut Stock> {
        self.stock.get_mut(item_id)
    }

    /// Pieces of an item on hand.
    pub fn on_hand(&self, item_id: &str) -> Option<u64> {
        self.stock.get(item_id).map(|s| s.on_hand)
    }

    /// When more of an item arrives: its scheduled restock, or the usual replenishment time.
    fn next_supply(&self, item: &Item, now: i64) -> i64 {
        self.stock(item.id)
            .restock
            .map_or(now + REPLENISH_DAYS * DAY_MS, |(at, _)| at.max(now))
    }

    fn find_item(&self, seller_id: Option<&str>, gtin: Option<&str>) -> Option<&Item> {
        self.items.iter().find(|i| {
            seller_id.is_some_and(|s| s.eq_ignore_ascii_case(i.id))
                || gtin.is_some_and(|g| gtin14(g) == gtin14(&i.gtin()))
        })
    }

    /// Catalogue facts of one item now.
    pub fn entry<'a>(&'a self, item: &'a Item, now: i64) -> CatalogueEntry<'a> {
        let elapsed = now - self.started_ms;
        let stock = self.stock(item.id);
        CatalogueEntry {
            item,
            on_hand: stock.on_hand,
            restock: stock.restock,
            breaks: item.breaks_at(elapsed),
            price_valid_until: item.price_valid_until(elapsed, now),
        }
    }

    /// Items matching a search, in id order.
    pub fn search(&self, text: Option<&str>, categories: &[String], in_stock: bool) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|i| text.is_none_or(|t| i.matches(t)))
            .filter(|i| categories.is_empty() || categories.iter().any(|c| i.in_category(c)))
            .filter(|i| !in_stock || self.stock(i.id).on_hand > 0)
            .collect()
    }

    /// Items by seller id or GTIN; unknown ones are left out.
    pub fn lookup(&self, ids: &[String], gtins: &[String]) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|i| {
                ids.iter().any(|id| id.eq_ignore_ascii_case(i.id))
                    || gtins.iter().any(|g| gtin14(g) == gtin14(&i.gtin()))
            })
            .collect()
    }

    /// A stored quotation.
    pub fn quotation(&self, id: &str) -> Option<&QuotationRecord> {
        self.quotations.iter().find(|q| q.id == id)
    }

    /// An order by Nordfast id.
    pub fn order(&self, id: &str) -> Option<&OrderRecord> {
        self.orders.iter().find(|o| o.id == id)
    }

    /// An order by buyer PO.
    pub fn order_by_po(&self, po: &str) -> Option<&OrderRecord> {
        self.orders.iter().find(|o| o.buyer_po == po)
    }

    /// Every order, oldest first.
    pub fn orders(&self) -> &[OrderRecord] {
        &self.orders
    }

    /// Every document pushed so far.
    pub fn outbox(&self) -> &[PushedDocument] {
        &self.outbox
    }

    fn delivery_country(country: Option<&String>) -> Result<String, ApiError> {
        let c = country.map_or("DE", String::as_str);
        if SHIP_TO.contains(&c) {
            Ok(c.to_string())
        } else {
            Err(ApiError::undeliverable(c))
        }
    }

    /// Answer an RFQ with a firm quotation.
    pub fn quote(&mut self, rfq: RfqDocument, now: i64) -> Result<String, ApiError> {
        let country = Self::delivery_country(rfq.country.as_ref()).map_err(|e| e.about(&rfq.id))?;
        let elapsed = now - self.started_ms;
        let mut lines = Vec::new();
        for l in &rfq.lines {
            let item = self
                .find_item(l.seller_id.as_deref(), l.gtin.as_deref())
                .ok_or_else(|| ApiError::unknown_item(l).about(&rfq.id))?
                .clone();
            let quantity = item.valid_quantity_at_least(l.quantity);
            let mut notes = Vec::new();
            if quantity != l.quantity {
                notes.push(format!(
                    "QUANTITY-CHANGED: requested {} C62, quoted {quantity} C62 ({})",
                    l.quantity,
                    rules_text(&item)
                ));
            }
            let on_hand = self.stock(item.id).on_hand;
            let lead = i64::from(item.lead_days) * DAY_MS;
            let promised = if on_hand >= quantity {
                (now + DAY_MS, now + lead)
            } else {
                let supply = self.next_supply(&item, now);
                notes.push(format!(
                    "BACKORDER: {on_hand} C62 in stock; the rest ships after the restock on {}",
                    ubl_date(supply)
                ));
                (supply + DAY_MS, supply + lead)
            };
            lines.push(QuotedLine {
                line_id: l.line_id.clone(),
                price: item.price_for(quantity, elapsed),
                item,
                quantity,
                notes,
                promised,
            });
        }
        let id = self.next_id("NF-Q");
        let mut record = QuotationRecord {
            id,
            rfq_id: rfq.id,
            created_ms: now,
            valid_until_ms: now + QUOTATION_VALIDITY_MS,
            buyer: rfq.buyer,
            country,
            lines,
            xml: String::new(),
        };
        record.xml = documents::quotation(&record);
        let xml = record.xml.clone();
        self.quotations.push(record);
        Ok(xml)
    }

    /// Take an order; answer with the OrderResponse (the stored one for a repeated UUID).
    pub fn place_order(&mut self, doc: OrderDocument, now: i64) -> Result<String, ApiError> {
        let fingerprint = doc.fingerprint();
        if let Some(existing) = self.orders.iter().find(|o| o.uuid == doc.uuid) {
            return if existing.fingerprint == fingerprint {
                Ok(existing.original_response.clone())
            } else {
                Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency-conflict",
                    format!(
                        "UUID {} was already used for order {} (buyer PO {}) with different content",
                        doc.uuid, existing.id, existing.buyer_po
                    ),
                )
                .about(&doc.buyer_po))
            };
        }
        if let Some(existing) = self.order_by_po(&doc.buyer_po) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "duplicate-buyer-po",
                format!(
                    "buyer PO {} is already order {} (sent with UUID {})",
                    doc.buyer_po, existing.id, existing.uuid
                ),
            )
            .about(&doc.buyer_po));
        }
        let country =
            Self::delivery_country(doc.country.as_ref()).map_err(|e| e.about(&doc.buyer_po))?;
        let quotation = match &doc.quotation_id {
            None => None,
            Some(qid) => Some(
                self.quotation(qid)
                    .ok_or_else(|| ApiError::unknown_quotation(qid).about(&doc.buyer_po))?
                    .clone(),
            ),
        };
        let id = self.next_id("NF-SO");
        let mut order = OrderRecord {
            id,
            buyer_po: doc.buyer_po.clone(),
            uuid: doc.uuid.clone(),
            fingerprint,
            quotation_id: doc.quotation_id.clone(),
            created_ms: now,
            code: String::new(),
            note: None,
            buyer: doc.buyer.clone(),
            country,
            location_gln: doc.location_gln.clone(),
            lines: Vec::new(),
            original_response: String::new(),
            current_response: String::new(),
            cancelled: false,
            despatch_advices: Vec::new(),
            invoices: Vec::new(),
        };
        let mut despatch_now: Vec<(usize, u64)> = Vec::new();
        match &quotation {
            Some(q) if now > q.valid_until_ms => {
                let expired = format!(
                    "quotation {} expired at {}T{}",
                    q.id,
                    ubl_date(q.valid_until_ms),
                    ubl_time(q.valid_until_ms)
                );
                for l in &doc.lines {
                    let mut line = self.blank_line(
                        l,
                        self.find_item(l.seller_id.as_deref(), l.gtin.as_deref())
                            .cloned(),
                        now,
                    );
                    line.note(
                        NoteKind::NotAccepted,
                        format!("{expired}; its prices are no longer binding"),
                    );
                    order.lines.push(line);
                }
                order.note = Some(format!(
                    "QUOTATION-EXPIRED: order rejected because {expired}; ask for a new quotation"
                ));
            }
            _ => {
                self.take_lines(&doc, quotation.as_ref(), now, &mut order, &mut despatch_now);
            }
        }
        order.recompute_code();
        if order.code == "RE" && order.note.is_none() {
            order.note = Some("REJECTED: no line of the order can be supplied".to_string());
        }
        let response_id = self.next_id("NF-OR");
        let xml = documents::order_response(&order, &response_id, now, &Answering::Order);
        order.original_response = xml.clone();
        order.current_response = xml.clone();
        self.orders.push(order);
        let idx = self.orders.len() - 1;
        if !despatch_now.is_empty() {
            self.despatch(idx, &despatch_now, now);
        }
        Ok(xml)
    }

    fn blank_line(&self, l: &RequestedLine, item: Option<Item>, now: i64) -> OrderLineRecord {
        let (item_id, item_name, gtin, basis, lead_days) = match &item {
            Some(i) => (
                Some(i.id.to_string()),
                i.name.to_string(),
                Some(i.gtin()),
                i.basis,
                i.lead_days,
            ),
            None => (
                l.seller_id.clone(),
                "Unknown item".to_string(),
                l.gtin.clone(),
                l.price.map_or(1, |(_, b)| b),
                0,
            ),
        };
        OrderLineRecord {
            line_id: l.line_id.clone(),
            item_id,
            item_name,
            gtin,
            basis,
            price: l.price.map_or(Dec::int(0), |(p, _)| p),
            price_change_reason: None,
            confirmed: 0,
            status: LineStatus::Accepted,
            notes_kinds: Vec::new(),
            notes: Vec::new(),
            despatched: 0,
            backordered: 0,
            held: 0,
            promised_from_stock: (now, now),
            promised_later: (now, now),
            lead_days,
        }
    }

    /// Price, adjust and allocate every line of an order that is not rejected outright.
    fn take_lines(
        &mut self,
        doc: &OrderDocument,
        quotation: Option<&QuotationRecord>,
        now: i64,
        order: &mut OrderRecord,
        despatch_now: &mut Vec<(usize, u64)>,
    ) {
        let elapsed = now - self.started_ms;
        let items: Vec<Option<Item>> = doc
            .lines
            .iter()
            .map(|l| {
                self.find_item(l.seller_id.as_deref(), l.gtin.as_deref())
                    .cloned()
            })
            .collect();
        // Ship-complete orders (any line without PartialDeliveryIndicator) wait as a whole
        // when some line cannot be served from stock.
        let partial = doc.lines.iter().all(|l| l.partial_delivery);
        let mut tentative: HashMap<&str, u64> = HashMap::new();
        let mut all_available = true;
        for (l, item) in doc.lines.iter().zip(&items) {
            if let Some(item) = item {
                let qty = item.valid_quantity_at_least(l.quantity);
                let left = tentative
                    .entry(item.id)
                    .or_insert_with(|| self.stock(item.id).on_hand);
                if *left >= qty {
                    *left -= qty;
                } else if l.backorder_allowed {
                    all_available = false;
                }
            }
        }
        let hold = !partial && !all_available;
        let hold_until = if hold {
            doc.lines
                .iter()
                .zip(&items)
                .filter_map(|(_, i)| i.as_ref())
                .map(|i| self.next_supply(i, now) + i64::from(i.lead_days) * DAY_MS)
                .max()
                .unwrap_or(now)
        } else {
            now
        };

        for (l, item) in doc.lines.iter().zip(items) {
            let mut line = self.blank_line(l, item.clone(), now);
            let Some(item) = item else {
                line.note(
                    NoteKind::NotAccepted,
                    format!(
                        "no catalogue item {}",
                        l.seller_id.as_deref().or(l.gtin.as_deref()).unwrap_or("?")
                    ),
                );
                order.lines.push(line);
                continue;
            };
            let mut qty = item.valid_quantity_at_least(l.quantity);
            if qty != l.quantity {
                line.note(
                    NoteKind::Quantity,
                    format!(
                        "ordered {} C62, confirmed {qty} C62 ({})",
                        l.quantity,
                        rules_text(&item)
                    ),
                );
            }
            let quoted = quotation.and_then(|q| q.lines.iter().find(|ql| ql.item.id == item.id));
            let (price, basis) = match quoted {
                Some(ql) => (ql.price, ql.item.basis),
                None => (item.price_for(qty, elapsed), item.basis),
            };
            line.price = price;
            line.basis = basis;
            if let Some((expected, expected_basis)) = l.price
                && !same_unit_price(expected, expected_basis, price, basis)
            {
                let reason = if item.pricing == super::catalogue::Pricing::HourlyIndex {
                    "Steel index price update"
                } else {
                    "Current list price"
                };
                line.price_change_reason = Some(reason.to_string());
                line.note(
                    NoteKind::Price,
                    format!(
                        "ordered at {expected} EUR per {expected_basis} C62; the price is {price} \
                         EUR per {basis} C62 ({reason})"
                    ),
                );
            }
            let lead = i64::from(item.lead_days) * DAY_MS;
            let supply = self.next_supply(&item, now);
            line.promised_from_stock = (now + DAY_MS, now + lead);
            line.promised_later = (supply + DAY_MS, supply + lead);
            let on_hand = self.stock(item.id).on_hand;
            let ship_now;
            if on_hand >= qty {
                if hold {
                    line.held = qty;
                    ship_now = 0;
                    line.promised_later = (hold_until - lead + DAY_MS, hold_until);
                    line.note(
                        NoteKind::Date,
                        format!(
                            "in stock, but the order ships complete on {} with its backordered lines",
                            ubl_date(hold_until)
                        ),
                    );
                } else {
                    ship_now = qty;
                }
                self.take_stock(item.id, qty);
            } else if l.backorder_allowed {
                if hold || on_hand == 0 {
                    line.backordered = qty;
                    ship_now = 0;
                } else {
                    ship_now = on_hand;
                    line.backordered = qty - on_hand;
                    self.take_stock(item.id, on_hand);
                }
                if hold {
                    line.promised_later = (hold_until - lead + DAY_MS, hold_until);
                }
                line.note(
                    NoteKind::Backorder,
                    format!(
                        "{} C62 on backorder; they ship after the restock on {}",
                        line.backordered,
                        ubl_date(supply)
                    ),
                );
            } else if on_hand > 0 {
                line.note(
                    NoteKind::Quantity,
                    format!(
                        "ordered {} C62, confirmed the {on_hand} C62 in stock; backorders were \
                         not allowed",
                        l.quantity
                    ),
                );
                qty = on_hand;
                if hold {
                    line.held = qty;
                    ship_now = 0;
                    line.promised_later = (hold_until - lead + DAY_MS, hold_until);
                } else {
                    ship_now = qty;
                }
                self.take_stock(item.id, qty);
            } else {
                line.note(
                    NoteKind::NotAccepted,
                    "out of stock and backorders were not allowed".to_string(),
                );
                order.lines.push(line);
                continue;
            }
            line.confirmed = qty;
            if let Some(by) = doc.requested_by {
                let latest = if line.waiting() > 0 {
                    line.promised_later.1
                } else {
                    line.promised_from_stock.1
                };
                if line.waiting() == 0 && end_of_day(latest) > end_of_day(by) {
                    line.note(
                        NoteKind::Date,
                        format!(
                            "delivery by {}, later than the requested {}",
                            ubl_date(latest),
                            ubl_date(by)
                        ),
                    );
                }
            }
            if ship_now > 0 {
                despatch_now.push((order.lines.len(), ship_now));
            }
            order.lines.push(line);
        }
    }

    fn take_stock(&mut self, item_id: &str, qty: u64) {
        if let Some(s) = self.stock_mut(item_id) {
            s.on_hand = s.on_hand.saturating_sub(qty);
        }
    }

    /// Despatch `parts` (line index, pieces) of an order now: a DespatchAdvice and its Invoice,
    /// both pushed to the buyer.
    fn despatch(&mut self, idx: usize, parts: &[(usize, u64)], now: i64) {
        let da_id = self.next_id("NF-DA");
        let inv_id = self.next_id("NF-INV");
        let serial = self.seq;
        let sscc_body = format!("0579999{serial:010}");
        let sscc = format!("{sscc_body}{}", gs1_check_digit(&sscc_body));
        let tracking = format!("NF{serial:010}DK");
        let Some(order) = self.orders.get_mut(idx) else {
            return;
        };
        for (line_idx, qty) in parts {
            if let Some(line) = order.lines.get_mut(*line_idx) {
                line.despatched += qty;
            }
        }
        let order = &self.orders[idx];
        let lines: Vec<DespatchedLine> = parts
            .iter()
            .filter_map(|(line_idx, qty)| {
                let line = order.lines.get(*line_idx)?;
                let item_id = line.item_id.clone()?;
                Some(DespatchedLine {
                    line_id: line.line_id.clone(),
                    item_name: line.item_name.clone(),
                    delivered: *qty,
                    outstanding: line.confirmed.saturating_sub(line.despatched),
                    lot: format!("L{}-{}", ubl_date(now).replace('-', ""), item_id),
                    item_id,
                    price: (line.price, line.basis),
                })
            })
            .collect();
        let max_lead = parts
            .iter()
            .filter_map(|(i, _)| order.lines.get(*i))
            .map(|l| i64::from(l.lead_days))
            .max()
            .unwrap_or(1)
            .max(1);
        let pieces: u64 = lines.iter().map(|l| l.delivered).sum();
        let carrier = if pieces > 5_000 {
            "DHL Freight"
        } else {
            "DHL Paket"
        };
        let despatch = Despatch {
            id: &da_id,
            order,
            at_ms: now,
            carrier,
            tracking: &tracking,
            sscc: &sscc,
            estimated: (now + DAY_MS, now + max_lead * DAY_MS),
            lines: &lines,
        };
        let da_xml = documents::despatch_advice(&despatch);
        let freight = if order.invoices.is_empty() {
            order.totals().freight
        } else {
            0
        };
        let inv_xml = documents::invoice(&InvoiceFacts {
            id: &inv_id,
            order,
            despatch_id: &da_id,
            issued_ms: now,
            due_ms: now + PAYMENT_DAYS * DAY_MS,
            lines: &lines,
            freight,
        });
        let order_id = order.id.clone();
        let order = &mut self.orders[idx];
        order.despatch_advices.push(da_xml.clone());
        order.invoices.push(inv_xml.clone());
        self.outbox.push(PushedDocument {
            kind: "DespatchAdvice".into(),
            order_id: order_id.clone(),
            xml: da_xml,
        });
        self.outbox.push(PushedDocument {
            kind: "Invoice".into(),
            order_id,
            xml: inv_xml,
        });
    }

    /// Answer an OrderCancellation: AP when nothing has been despatched yet, RE otherwise.
    pub fn cancel(&mut self, c: CancellationDocument, now: i64) -> Result<String, ApiError> {
        if let Some(xml) = self.cancellations.get(&c.id) {
            return Ok(xml.clone());
        }
        let idx = self
            .orders
            .iter()
            .position(|o| c.sales_order_id.as_deref() == Some(o.id.as_str()))
            .or_else(|| {
                self.orders
                    .iter()
                    .position(|o| c.buyer_po.as_deref() == Some(o.buyer_po.as_str()))
            })
            .ok_or_else(|| {
                let what = c
                    .sales_order_id
                    .as_deref()
                    .or(c.buyer_po.as_deref())
                    .unwrap_or("?");
                ApiError::unknown_order(what).about(&c.id)
            })?;
        let response_id = self.next_id("NF-OR");
        let order = &self.orders[idx];
        let (accepted, note) = if order.code == "RE" {
            (
                false,
                format!(
                    "REFUSED: order {} was rejected; there is nothing to cancel",
                    order.id
                ),
            )
        } else if order.cancelled {
            (
                true,
                format!("CANCELLED: order {} was already cancelled", order.id),
            )
        } else if !order.despatch_advices.is_empty() {
            (
                false,
                format!(
                    "REFUSED: order {} has already been despatched ({} despatch advice(s)); \
                     cancellation refused",
                    order.id,
                    order.despatch_advices.len()
                ),
            )
        } else {
            let why = c
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            (
                true,
                format!("CANCELLED: order {} cancelled as requested{why}", order.id),
            )
        };
        if accepted && !order.cancelled {
            let released: Vec<(String, u64)> = order
                .lines
                .iter()
                .filter_map(|l| Some((l.item_id.clone()?, l.held)))
                .collect();
            for (item_id, held) in released {
                if let Some(s) = self.stock_mut(&item_id) {
                    s.on_hand += held;
                }
            }
            let order = &mut self.orders[idx];
            order.cancelled = true;
            for l in &mut order.lines {
                l.held = 0;
                l.backordered = 0;
            }
        }
        let order = &self.orders[idx];
        let xml = documents::order_response(
            order,
            &response_id,
            now,
            &Answering::Cancellation {
                id: &c.id,
                accepted,
                note: &note,
            },
        );
        if accepted {
            self.orders[idx].current_response = xml.clone();
        }
        self.cancellations.insert(c.id, xml.clone());
        Ok(xml)
    }

    /// Receive every restock that is due, then ship each waiting order that can now be served
    /// completely: a new OrderResponse, a DespatchAdvice and an Invoice are pushed for it.
    /// Returns the documents pushed by this call.
    pub fn restock(&mut self, now: i64) -> Vec<PushedDocument> {
        for s in self.stock.values_mut() {
            if let Some((at, qty)) = s.restock
                && at <= now
            {
                s.on_hand += qty;
                s.restock = None;
            }
        }
        let first_new = self.outbox.len();
        for idx in 0..self.orders.len() {
            let order = &self.orders[idx];
            if order.cancelled || order.code == "RE" || order.lines.iter().all(|l| l.waiting() == 0)
            {
                continue;
            }
            let mut needs: HashMap<String, u64> = HashMap::new();
            for l in &order.lines {
                if let Some(id) = &l.item_id {
                    *needs.entry(id.clone()).or_default() += l.backordered;
                }
            }
            if needs
                .iter()
                .any(|(id, need)| self.on_hand(id).unwrap_or(0) < *need)
            {
                continue;
            }
            for (id, need) in &needs {
                self.take_stock(id, *need);
            }
            let order = &mut self.orders[idx];
            let mut parts = Vec::new();
            for (i, l) in order.lines.iter_mut().enumerate() {
                let waiting = l.waiting();
                if waiting == 0 {
                    continue;
                }
                parts.push((i, waiting));
                l.backordered = 0;
                l.held = 0;
                l.notes_kinds
                    .retain(|(k, _)| !matches!(k, NoteKind::Backorder | NoteKind::Date));
                let lead = i64::from(l.lead_days.max(1)) * DAY_MS;
                l.promised_from_stock = (now + DAY_MS, now + lead);
                l.note(
                    NoteKind::Info,
                    format!(
                        "backorder released; {waiting} C62 despatched on {}",
                        ubl_date(now)
                    ),
                );
            }
            order.recompute_code();
            order.note = Some("UPDATED: backordered lines released and despatched".to_string());
            let response_id = self.next_id("NF-OR");
            let order = &mut self.orders[idx];
            let xml = documents::order_response(order, &response_id, now, &Answering::Order);
            order.current_response = xml.clone();
            let order_id = order.id.clone();
            self.outbox.push(PushedDocument {
                kind: "OrderResponse".into(),
                order_id,
                xml,
            });
            self.despatch(idx, &parts, now);
        }
        self.outbox[first_new..].to_vec()
    }
}

fn rules_text(item: &Item) -> String {
    match (item.minimum, item.increment) {
        (Some(m), Some(i)) => format!("minimum order quantity {m} C62, in multiples of {i}"),
        (Some(m), None) => format!("minimum order quantity {m} C62"),
        (None, Some(i)) => format!("sold in multiples of {i} C62"),
        (None, None) => "order rules".to_string(),
    }
}
