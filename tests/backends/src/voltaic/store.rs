//! Voltaic's in-memory state and its business rules: search, carts, orders with their
//! idempotency keys, stock, restocks that fill backorders, shipments, invoices, returns and
//! the webhook outbox.
//!
//! Every function takes `now` from the simulation clock, so tests that advance the clock see
//! carts expire, prices move and restocks arrive.

use super::catalog::{Part, SYNONYMS, catalogue};
use super::money::{Cur, line_cents, percent_of};
use super::wire::{self, ApiError, OrderLineReq, OrderReq};
use serde_json::Value;
use std::collections::HashMap;

/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;
/// How long a cart's prices are guaranteed.
pub(crate) const CART_VALIDITY_MS: i64 = DAY_MS;
/// Merchandise total from which shipping is free, in cents.
const FREE_SHIPPING_FROM_CENTS: i64 = 5_000;
/// Smallest factory replenishment Voltaic places for backorders.
const REPLENISHMENT_LOT: u64 = 1_000;
/// Payment terms on every invoice.
pub(crate) const NET_DAYS: u32 = 30;

/// A country Voltaic ships to, with its VAT rate and carrier.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    /// ISO 3166-1 alpha-2.
    pub code: &'static str,
    /// VAT Voltaic charges, in basis points (intra-EU B2B and exports are zero-rated).
    pub tax_bp: u32,
    /// Carrier.
    pub carrier: &'static str,
    /// Service level.
    pub service: &'static str,
    /// Shipping method id.
    pub method_id: &'static str,
    /// Days in transit.
    pub transit_days: u32,
}

/// The ship-to countries.
pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        code: "DE",
        tax_bp: 1_900,
        carrier: "DHL",
        service: "Paket",
        method_id: "DHL-PAKET",
        transit_days: 1,
    },
    Country {
        code: "AT",
        tax_bp: 0,
        carrier: "DHL",
        service: "Paket International",
        method_id: "DHL-INTL",
        transit_days: 3,
    },
    Country {
        code: "FR",
        tax_bp: 0,
        carrier: "DHL",
        service: "Paket International",
        method_id: "DHL-INTL",
        transit_days: 3,
    },
    Country {
        code: "NL",
        tax_bp: 0,
        carrier: "DHL",
        service: "Paket International",
        method_id: "DHL-INTL",
        transit_days: 2,
    },
    Country {
        code: "GB",
        tax_bp: 0,
        carrier: "UPS",
        service: "Standard",
        method_id: "UPS-STANDARD",
        transit_days: 4,
    },
    Country {
        code: "US",
        tax_bp: 0,
        carrier: "UPS",
        service: "Worldwide Expedited",
        method_id: "UPS-EXPEDITED",
        transit_days: 5,
    },
    Country {
        code: "CA",
        tax_bp: 0,
        carrier: "UPS",
        service: "Worldwide Expedited",
        method_id: "UPS-EXPEDITED",
        transit_days: 5,
    },
];

/// The country entry for a code (any case).
pub(crate) fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code.trim()))
}

/// Shipping for a merchandise total.
pub(crate) fn shipping_cents(cur: Cur, merchandise: i64) -> i64 {
    if merchandise >= FREE_SHIPPING_FROM_CENTS {
        0
    } else {
        match cur {
            Cur::Eur => 990,
            Cur::Usd => 1_070,
        }
    }
}

/// An answer that is not a success: status, Voltaic error entries and an optional
/// `Retry-After`.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// HTTP status.
    pub status: u16,
    /// Error entries.
    pub errors: Vec<ApiError>,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
}

impl Failure {
    /// A failure with one entry.
    pub(crate) fn one(status: u16, code: &str, message: impl Into<String>) -> Self {
        Failure {
            status,
            errors: vec![ApiError::new(code, message)],
            retry_after: None,
        }
    }

    /// A failure with several entries.
    pub(crate) fn many(status: u16, errors: Vec<ApiError>) -> Self {
        Failure {
            status,
            errors,
            retry_after: None,
        }
    }
}

/// What to do with quantities that are not in stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Ship what is there, backorder the rest.
    Allow,
    /// Hold everything until all of it can ship.
    ShipComplete,
    /// Ship what is there, cancel the rest.
    CancelBackorders,
}

/// A planned inbound delivery.
#[derive(Debug, Clone)]
pub(crate) struct PendingRestock {
    /// Part index.
    pub part: usize,
    /// Arrival.
    pub at: i64,
    /// Pieces.
    pub quantity: u64,
    /// Already booked into stock.
    pub arrived: bool,
}

/// A stock problem of one cart or order line.
#[derive(Debug, Clone)]
pub(crate) struct Shortage {
    /// Pieces that are on hand for the line.
    pub available: u64,
    /// Earliest planned restock.
    pub next_restock: Option<i64>,
}

/// A priced cart line.
#[derive(Debug, Clone)]
pub(crate) struct CartItem {
    /// Customer's line id.
    pub line_id: String,
    /// Part index.
    pub part: usize,
    /// Pieces.
    pub qty: u64,
    /// Guaranteed unit price (ten-thousandths).
    pub unit4: i64,
}

/// A cart: prices guaranteed for [`CART_VALIDITY_MS`].
#[derive(Debug, Clone)]
pub(crate) struct Cart {
    /// The key, which is the quote id.
    pub key: String,
    /// Currency.
    pub cur: Cur,
    /// Locale for rendering.
    pub locale: String,
    /// Destination.
    pub country: &'static Country,
    /// When made.
    pub created: i64,
    /// Prices hold until then.
    pub valid_until: i64,
    /// Lines.
    pub items: Vec<CartItem>,
}

/// One order line and its quantities through fulfilment.
#[derive(Debug, Clone)]
pub(crate) struct OrderLine {
    /// Customer's line id.
    pub line_id: String,
    /// Part index.
    pub part: usize,
    /// Ordered pieces.
    pub qty: u64,
    /// Unit price charged (ten-thousandths).
    pub unit4: i64,
    /// Shipped so far.
    pub shipped: u64,
    /// Waiting for a restock.
    pub backordered: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Authorised for return.
    pub returned: u64,
    /// When the outstanding quantity is expected to ship.
    pub expected_ship: i64,
}

impl OrderLine {
    /// Pieces still to ship.
    pub(crate) fn outstanding(&self) -> u64 {
        self.qty - self.shipped - self.cancelled
    }
}

/// A shipment.
#[derive(Debug, Clone)]
pub(crate) struct Shipment {
    /// Shipment id.
    pub id: String,
    /// Destination country entry (carrier, transit).
    pub country: &'static Country,
    /// Carrier tracking number.
    pub tracking: String,
    /// Handed to the carrier.
    pub shipped_at: i64,
    /// (line id, pieces, still outstanding after this shipment).
    pub lines: Vec<(String, u64, u64)>,
    /// Lot number of the goods.
    pub lot: String,
}

/// An invoice for shipped quantities.
#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    /// Invoice number.
    pub number: String,
    /// Issued.
    pub issued: i64,
    /// (line id, pieces, unit price).
    pub lines: Vec<(String, u64, i64)>,
    /// Shipping billed on this invoice.
    pub shipping: i64,
    /// VAT rate.
    pub tax_bp: u32,
}

/// A return authorisation.
#[derive(Debug, Clone)]
pub(crate) struct Rma {
    /// RMA number.
    pub number: String,
    /// (line id, pieces, reason).
    pub lines: Vec<(String, u64, String)>,
    /// Refund expected, in cents.
    pub refund_cents: i64,
    /// The customer's notes.
    pub notes: Option<String>,
}

/// An order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    /// Voltaic's order number.
    pub number: String,
    /// Customer's purchase order number.
    pub po: String,
    /// The cart it came from.
    pub cart_key: Option<String>,
    /// Currency.
    pub cur: Cur,
    /// Locale it was placed in.
    pub locale: String,
    /// Destination.
    pub country: &'static Country,
    /// The ship-to address as sent.
    pub ship_to: Value,
    /// Created.
    pub created: i64,
    /// Last changed.
    pub updated: i64,
    /// Backorder policy.
    pub policy: Policy,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Shipping charged.
    pub shipping: i64,
    /// Cents added to every line's extended price (a cheating supplier).
    pub line_padding: i64,
    /// Shipments, oldest first.
    pub shipments: Vec<Shipment>,
    /// Invoices, oldest first.
    pub invoices: Vec<Invoice>,
    /// Return authorisations.
    pub returns: Vec<Rma>,
    /// Notes for the buyer.
    pub messages: Vec<String>,
}

impl Order {
    /// Merchandise total of the non-cancelled quantities.
    pub(crate) fn merchandise(&self) -> i64 {
        self.lines.iter().map(|l| self.extended(l)).sum()
    }

    /// A line's extended price, as this order states it.
    pub(crate) fn extended(&self, l: &OrderLine) -> i64 {
        line_cents(l.unit4, l.qty - l.cancelled) + self.line_padding
    }

    /// What the order costs: merchandise, shipping and tax.
    pub(crate) fn total(&self) -> i64 {
        self.merchandise() + self.shipping + self.tax()
    }

    /// VAT: per line, plus on shipping.
    pub(crate) fn tax(&self) -> i64 {
        let lines: i64 = self
            .lines
            .iter()
            .map(|l| {
                percent_of(
                    line_cents(l.unit4, l.qty - l.cancelled),
                    self.country.tax_bp,
                )
            })
            .sum();
        lines + percent_of(self.shipping, self.country.tax_bp)
    }
}

/// A webhook waiting to be fetched: its type, order and exact body.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Order number.
    pub order: String,
    /// `order.updated`, `shipment.created`, `invoice.issued`.
    pub kind: &'static str,
    /// The raw JSON body.
    pub body: Vec<u8>,
}

/// Where an idempotency key is.
#[derive(Debug, Clone)]
pub(crate) enum Slot {
    /// The first request is being processed.
    InFlight(Value),
    /// Done; the body and the resource index it produced.
    Done(Value, usize),
}

/// All of Voltaic's state.
#[derive(Debug)]
pub(crate) struct Store {
    /// Catalogue, sorted by part number.
    pub parts: Vec<Part>,
    /// Pieces on hand, by part index.
    pub stock: Vec<u64>,
    /// Planned inbound deliveries.
    pub restocks: Vec<PendingRestock>,
    /// When the backend started (restocks and the volatile price count from here).
    pub started: i64,
    /// Carts by key.
    pub carts: HashMap<String, Cart>,
    /// Orders, oldest first.
    pub orders: Vec<Order>,
    /// Order idempotency keys.
    pub order_keys: HashMap<String, Slot>,
    /// Cancel idempotency keys: key → (order index, body, response).
    pub cancel_keys: HashMap<String, (usize, Value, Value)>,
    /// Return idempotency keys: key → (order index, body, RMA index).
    pub return_keys: HashMap<String, (usize, Value, usize)>,
    /// Webhook outbox.
    pub events: Vec<Event>,
    /// How it cheats, if it does.
    pub dishonesty: super::Dishonesty,
    /// After a restart of its numbering: the order whose number the next order takes.
    reused_number: Option<usize>,
    seq: u64,
}

impl Store {
    /// A fresh store with the catalogue's opening stock.
    pub(crate) fn new(started: i64) -> Self {
        let parts = catalogue();
        let stock = parts.iter().map(|p| p.stock).collect();
        let restocks = parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.restock.map(|r| PendingRestock {
                    part: i,
                    at: started + i64::from(r.after_days) * DAY_MS,
                    quantity: r.quantity,
                    arrived: false,
                })
            })
            .collect();
        Store {
            parts,
            stock,
            restocks,
            started,
            carts: HashMap::new(),
            orders: Vec::new(),
            order_keys: HashMap::new(),
            cancel_keys: HashMap::new(),
            return_keys: HashMap::new(),
            events: Vec::new(),
            dishonesty: super::Dishonesty::default(),
            reused_number: None,
            seq: 0,
        }
    }

    /// The next orders take the numbers of the first ones again.
    pub(crate) fn restart_order_numbering(&mut self) {
        self.reused_number = Some(0);
    }

    /// The number of a new order: the next in sequence, or, after a restart of numbering,
    /// one already given.
    fn order_number(&mut self) -> String {
        if let Some(i) = self.reused_number
            && let Some(taken) = self.orders.get(i)
        {
            let number = taken.number.clone();
            self.reused_number = Some(i + 1);
            return number;
        }
        format!("VC-{}", 100_000 + self.next_seq())
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The part with this Voltaic number (any case).
    pub(crate) fn part_by_number(&self, number: &str) -> Option<usize> {
        let number = number.trim();
        self.parts
            .iter()
            .position(|p| p.number.eq_ignore_ascii_case(number))
    }

    /// The part a lookup term names: Voltaic number, manufacturer part number or GTIN (any
    /// length).
    pub(crate) fn lookup(&self, term: &str) -> Option<usize> {
        let term = term.trim();
        if let Some(i) = self.part_by_number(term) {
            return Some(i);
        }
        if let Some(i) = self
            .parts
            .iter()
            .position(|p| p.mpn.eq_ignore_ascii_case(term))
        {
            return Some(i);
        }
        if !term.is_empty() && term.bytes().all(|b| b.is_ascii_digit()) {
            let wanted = term.trim_start_matches('0');
            return self
                .parts
                .iter()
                .position(|p| p.gtin().trim_start_matches('0') == wanted);
        }
        None
    }

    /// Parts matching every word of `keyword` (case-insensitive, with synonyms) in title,
    /// description, keywords, manufacturer, numbers and attributes; in part-number order.
    pub(crate) fn search(
        &self,
        keyword: &str,
        categories: &[String],
        in_stock_only: bool,
    ) -> Vec<usize> {
        let words: Vec<String> = keyword.split_whitespace().map(str::to_lowercase).collect();
        self.parts
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                let haystack = haystack(p);
                let category_ok = categories.is_empty()
                    || categories
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(p.category));
                let stock_ok = !in_stock_only || self.stock[*i] > 0;
                category_ok && stock_ok && words.iter().all(|w| word_matches(&haystack, w))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Pending restocks of a part, earliest first.
    pub(crate) fn pending_restocks(&self, part: usize) -> Vec<&PendingRestock> {
        let mut list: Vec<&PendingRestock> = self
            .restocks
            .iter()
            .filter(|r| r.part == part && !r.arrived)
            .collect();
        list.sort_by_key(|r| r.at);
        list
    }

    /// Pieces of a part already promised to backorders.
    fn backordered(&self, part: usize) -> u64 {
        self.orders
            .iter()
            .flat_map(|o| o.lines.iter())
            .filter(|l| l.part == part)
            .map(|l| l.backordered)
            .sum()
    }

    /// When `shortfall` more pieces of `part` could ship: the restock that covers them after
    /// the backorders already waiting, or the factory lead time from now.
    pub(crate) fn projected_ship(&self, part: usize, shortfall: u64, now: i64) -> i64 {
        let needed = self.backordered(part) + shortfall;
        let mut cumulative = 0;
        for r in self.pending_restocks(part) {
            cumulative += r.quantity;
            if cumulative >= needed {
                return r.at.max(now);
            }
        }
        now + i64::from(self.parts[part].lead_days) * DAY_MS
    }

    /// Makes sure restocks cover every backorder of `part`, ordering the difference from the
    /// factory (arriving after the lead time).
    fn replenish(&mut self, part: usize, now: i64) {
        let planned: u64 = self.pending_restocks(part).iter().map(|r| r.quantity).sum();
        let needed = self.backordered(part);
        if needed > planned {
            let missing = needed - planned;
            let lot = missing.div_ceil(REPLENISHMENT_LOT) * REPLENISHMENT_LOT;
            self.restocks.push(PendingRestock {
                part,
                at: now + i64::from(self.parts[part].lead_days.max(1)) * DAY_MS,
                quantity: lot,
                arrived: false,
            });
        }
    }

    /// Books restocks that have arrived by `now` and ships the backorders they cover.
    pub(crate) fn tick(&mut self, now: i64) {
        let mut arrived_any = false;
        for r in self
            .restocks
            .iter_mut()
            .filter(|r| !r.arrived && r.at <= now)
        {
            r.arrived = true;
            self.stock[r.part] += r.quantity;
            arrived_any = true;
        }
        if !arrived_any {
            return;
        }
        for index in 0..self.orders.len() {
            let order = &self.orders[index];
            let mut ship: Vec<(usize, u64)> = Vec::new();
            match order.policy {
                Policy::Allow | Policy::CancelBackorders => {
                    let mut stock = self.stock.clone();
                    for (li, line) in order.lines.iter().enumerate() {
                        let n = line.backordered.min(stock[line.part]);
                        if n > 0 {
                            stock[line.part] -= n;
                            ship.push((li, n));
                        }
                    }
                }
                Policy::ShipComplete => {
                    let mut need = vec![0u64; self.parts.len()];
                    for line in &order.lines {
                        need[line.part] += line.outstanding();
                    }
                    let any = need.iter().any(|&n| n > 0);
                    if any && need.iter().zip(&self.stock).all(|(n, s)| n <= s) {
                        for (li, line) in order.lines.iter().enumerate() {
                            if line.outstanding() > 0 {
                                ship.push((li, line.outstanding()));
                            }
                        }
                    }
                }
            }
            if !ship.is_empty() {
                self.ship(index, &ship, now);
                self.emit_order(index, now);
            }
        }
    }

    /// Ships quantities of order lines: takes stock, creates the shipment and its invoice,
    /// and queues their webhooks.
    fn ship(&mut self, index: usize, quantities: &[(usize, u64)], now: i64) {
        let seq = self.next_seq();
        let first_invoice = self.orders[index].invoices.is_empty();
        let order = &mut self.orders[index];
        let mut shipment_lines = Vec::new();
        let mut invoice_lines = Vec::new();
        for &(li, n) in quantities {
            let line = &mut order.lines[li];
            line.shipped += n;
            line.backordered = line.backordered.saturating_sub(n);
            self.stock[line.part] -= n.min(self.stock[line.part]);
            shipment_lines.push((line.line_id.clone(), n, line.outstanding()));
            invoice_lines.push((line.line_id.clone(), n, line.unit4));
        }
        let tracking = match order.country.carrier {
            "UPS" => format!("1Z999AA1{seq:010}"),
            _ => format!("00340434{seq:012}"),
        };
        order.shipments.push(Shipment {
            id: format!("SHP-{}-{}", order.number, order.shipments.len() + 1),
            country: order.country,
            tracking,
            shipped_at: now,
            lines: shipment_lines,
            lot: format!("L{}", wire::date(now).replace('-', "")),
        });
        order.invoices.push(Invoice {
            number: format!("INV-{seq:06}"),
            issued: now,
            lines: invoice_lines,
            shipping: if first_invoice { order.shipping } else { 0 }
                + self.dishonesty.invoice_surcharge_cents,
            tax_bp: order.country.tax_bp,
        });
        order.updated = now;
        let shipment = wire::shipment_event(self, index, now);
        self.push_event(index, "shipment.created", shipment);
        let invoice = wire::invoice_event(self, index, now);
        self.push_event(index, "invoice.issued", invoice);
    }

    fn push_event(&mut self, index: usize, kind: &'static str, data: Value) {
        let seq = self.next_seq();
        let body = wire::event_body(seq, kind, data);
        self.events.push(Event {
            order: self.orders[index].number.clone(),
            kind,
            body,
        });
    }

    /// Queues an `order.updated` webhook with the order as it is now.
    pub(crate) fn emit_order(&mut self, index: usize, now: i64) {
        let data = wire::order_event(self, index, now);
        self.push_event(index, "order.updated", data);
    }

    /// Stock check for a line wanting `qty` of `part` when `taken` pieces of it are already
    /// claimed by earlier lines of the same request.
    fn shortage(&self, part: usize, qty: u64, taken: u64) -> Option<Shortage> {
        let available = self.stock[part].saturating_sub(taken);
        (qty > available).then(|| Shortage {
            available,
            next_restock: self.pending_restocks(part).first().map(|r| r.at),
        })
    }

    /// Stock facts of each cart line: (shortage, expected ship date).
    pub(crate) fn cart_line_stock(&self, cart: &Cart, now: i64) -> Vec<(Option<Shortage>, i64)> {
        let mut taken = vec![0u64; self.parts.len()];
        cart.items
            .iter()
            .map(|item| {
                let shortage = self.shortage(item.part, item.qty, taken[item.part]);
                taken[item.part] += item.qty;
                let ship = match &shortage {
                    None => now,
                    Some(s) => self.projected_ship(item.part, item.qty - s.available, now),
                };
                (shortage, ship)
            })
            .collect()
    }

    /// Creates a cart for `req`, priced now.
    pub(crate) fn create_cart(&mut self, req: wire::CartReq, now: i64) -> Result<String, Failure> {
        let cur = currency(&req.currency_code)?;
        let locale = req
            .locale
            .unwrap_or_else(|| cur.default_locale().to_string());
        let country = served(&req.ship_to_country)?;
        if req.cart_items.is_empty() {
            return Err(Failure::one(
                400,
                "InvalidRequest",
                "CartItems must not be empty",
            ));
        }
        let mut items = Vec::new();
        let mut unknown = Vec::new();
        for (i, item) in req.cart_items.iter().enumerate() {
            let Some(part) = self.part_by_number(&item.voltaic_part_number) else {
                unknown.push(part_not_found(&item.voltaic_part_number));
                continue;
            };
            if item.quantity == 0 {
                return Err(Failure::one(
                    400,
                    "InvalidRequest",
                    format!("CartItems[{i}].Quantity must be at least 1"),
                ));
            }
            items.push(CartItem {
                line_id: item
                    .customer_line_id
                    .clone()
                    .unwrap_or_else(|| (i + 1).to_string()),
                part,
                qty: item.quantity,
                unit4: self.parts[part].unit_price(cur, item.quantity, now, self.started),
            });
        }
        if !unknown.is_empty() {
            return Err(Failure::many(404, unknown));
        }
        let key = format!(
            "{:08x}-c{:06}",
            (now as u64).wrapping_mul(2_654_435_761) as u32,
            self.next_seq()
        );
        self.carts.insert(
            key.clone(),
            Cart {
                key: key.clone(),
                cur,
                locale,
                country,
                created: now,
                valid_until: now + CART_VALIDITY_MS,
                items,
            },
        );
        Ok(key)
    }

    /// Places an order, or says precisely why not. The idempotency key is handled by the
    /// caller.
    pub(crate) fn place_order(&mut self, req: OrderReq, now: i64) -> Result<usize, Failure> {
        let cur = currency(&req.currency_code)?;
        let locale = req
            .locale
            .clone()
            .unwrap_or_else(|| cur.default_locale().to_string());
        let country = served(&req.ship_to.country)?;
        if req.purchase_order_number.trim().is_empty() {
            return Err(Failure::one(
                400,
                "InvalidRequest",
                "PurchaseOrderNumber must not be empty",
            ));
        }
        let policy = match req.backorder_policy.as_deref().unwrap_or("Allow") {
            "Allow" => Policy::Allow,
            "ShipComplete" => Policy::ShipComplete,
            "CancelBackorders" => Policy::CancelBackorders,
            other => {
                return Err(Failure::one(
                    400,
                    "InvalidRequest",
                    format!(
                        "BackorderPolicy {other:?} is not one of Allow, ShipComplete, CancelBackorders"
                    ),
                ));
            }
        };
        let mut lines = self.resolve_lines(&req, cur, country, now)?;
        let cheat = self.dishonesty.clone();
        if cheat.overcharge_percent > 0 {
            for (_, _, _, unit4, expected) in &mut lines {
                *unit4 = *unit4 * (100 + i64::from(cheat.overcharge_percent)) / 100;
                *expected = None;
            }
        }

        // Quantity rules, then prices, then stock: each check reports every line it concerns.
        let rule_errors: Vec<ApiError> = lines
            .iter()
            .filter(|(_, part, qty, _, _)| !self.parts[*part].quantity_ok(*qty))
            .map(|(id, part, qty, _, _)| wire::quantity_rule_error(id, &self.parts[*part], *qty))
            .collect();
        if !rule_errors.is_empty() {
            return Err(Failure::many(422, rule_errors));
        }
        let mut price_errors = Vec::new();
        for (id, _, _, unit4, expected) in &lines {
            if let Some(expected) = expected {
                let (exp_cur, exp4) = wire::money_input(expected, "ExpectedUnitPrice")?;
                if exp_cur != cur || exp4 != *unit4 {
                    price_errors.push(wire::price_changed_error(
                        id, exp_cur, exp4, cur, *unit4, &locale,
                    ));
                }
            }
        }
        if !price_errors.is_empty() {
            return Err(Failure::many(422, price_errors));
        }

        let mut taken = vec![0u64; self.parts.len()];
        let mut plan = Vec::new();
        let mut stock_errors = Vec::new();
        for (id, part, qty, _, _) in &lines {
            let shortage = self.shortage(*part, *qty, taken[*part]);
            let available = self.stock[*part].saturating_sub(taken[*part]);
            let ship_now = (*qty).min(available);
            taken[*part] += ship_now;
            if let Some(s) = &shortage
                && !self.parts[*part].backorderable
                && policy != Policy::CancelBackorders
            {
                stock_errors.push(wire::insufficient_stock_error(
                    id,
                    &self.parts[*part],
                    *qty,
                    s,
                ));
            }
            plan.push((shortage, ship_now));
        }
        if policy == Policy::CancelBackorders && plan.iter().all(|(_, n)| *n == 0) {
            for ((id, part, qty, _, _), (shortage, _)) in lines.iter().zip(&plan) {
                if let Some(s) = shortage {
                    stock_errors.push(wire::insufficient_stock_error(
                        id,
                        &self.parts[*part],
                        *qty,
                        s,
                    ));
                }
            }
        }
        if !stock_errors.is_empty() {
            return Err(Failure::many(422, stock_errors));
        }

        let complete = plan.iter().all(|(s, _)| s.is_none());
        let mut order_lines = Vec::new();
        for ((id, part, qty, unit4, _), (_, ship_now)) in lines.iter().zip(&plan) {
            let short = qty - ship_now;
            let (shipped, backordered, cancelled) = match policy {
                Policy::Allow => (*ship_now, short, 0),
                Policy::ShipComplete if complete => (*qty, 0, 0),
                Policy::ShipComplete => (0, short, 0),
                Policy::CancelBackorders => (*ship_now, 0, short),
            };
            order_lines.push(OrderLine {
                line_id: id.clone(),
                part: *part,
                qty: *qty,
                unit4: *unit4,
                shipped,
                backordered,
                cancelled,
                returned: 0,
                expected_ship: now,
            });
        }
        let merchandise: i64 = order_lines
            .iter()
            .map(|l| line_cents(l.unit4, l.qty - l.cancelled))
            .sum();
        let shipping = shipping_cents(cur, merchandise);
        let mut order = Order {
            number: self.order_number(),
            po: req.purchase_order_number.trim().to_string(),
            cart_key: req.cart_key.clone(),
            cur,
            locale,
            country,
            ship_to: serde_json::to_value(&req.ship_to).unwrap_or(Value::Null),
            created: now,
            updated: now,
            policy,
            lines: order_lines,
            shipping,
            line_padding: cheat.pad_line_totals_cents,
            shipments: Vec::new(),
            invoices: Vec::new(),
            returns: Vec::new(),
            messages: Vec::new(),
        };
        if let Some(max) = req.max_total.as_ref().filter(|_| !cheat.ignore_max_total) {
            let (max_cur, max4) = wire::money_input(max, "MaxTotal")?;
            let total = merchandise + shipping + order.tax();
            if max_cur != cur || i128::from(total) * 100 > i128::from(max4) {
                return Err(Failure::many(
                    422,
                    vec![wire::max_total_error(
                        cur,
                        total,
                        max_cur,
                        max4,
                        &order.locale,
                    )],
                ));
            }
        }
        if let Some(notes) = &req.notes
            && !notes.trim().is_empty()
        {
            order
                .messages
                .push(format!("Customer note received: {}", notes.trim()));
        }

        // Everything checked: commit. Shipped quantities leave stock in `ship`.
        let index = self.orders.len();
        let to_ship: Vec<(usize, u64)> = order
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.shipped > 0)
            .map(|(i, l)| (i, l.shipped))
            .collect();
        for line in &mut order.lines {
            line.shipped = 0;
        }
        self.orders.push(order);
        for line in 0..self.orders[index].lines.len() {
            let part = self.orders[index].lines[line].part;
            if self.orders[index].lines[line].backordered > 0 {
                self.replenish(part, now);
            }
        }
        self.update_expected_dates(index, now);
        if !to_ship.is_empty() {
            self.ship(index, &to_ship, now);
        }
        self.emit_order(index, now);
        Ok(index)
    }

    /// Expected ship dates of an order's outstanding lines; a ship-complete order waits for
    /// its latest line.
    fn update_expected_dates(&mut self, index: usize, now: i64) {
        let dates: Vec<i64> = self.orders[index]
            .lines
            .iter()
            .map(|l| {
                if l.backordered > 0 {
                    // This line's own backorder is already counted in `backordered(part)`.
                    self.projected_ship(l.part, 0, now)
                } else {
                    now
                }
            })
            .collect();
        let latest = dates.iter().copied().max().unwrap_or(now);
        let order = &mut self.orders[index];
        let hold = order.policy == Policy::ShipComplete;
        for (line, date) in order.lines.iter_mut().zip(dates) {
            line.expected_ship = if hold { latest } else { date };
        }
    }

    /// The order's lines as (id, part, quantity, unit price, expected price), from the cart
    /// or priced now.
    #[allow(clippy::type_complexity)]
    fn resolve_lines(
        &self,
        req: &OrderReq,
        cur: Cur,
        country: &'static Country,
        now: i64,
    ) -> Result<Vec<(String, usize, u64, i64, Option<wire::MoneyInput>)>, Failure> {
        let mut unknown = Vec::new();
        let mut requested: Vec<(String, usize, u64, Option<wire::MoneyInput>)> = Vec::new();
        for (i, line) in req.order_lines.iter().enumerate() {
            if line.quantity == 0 {
                return Err(Failure::one(
                    400,
                    "InvalidRequest",
                    format!("OrderLines[{i}].Quantity must be at least 1"),
                ));
            }
            match self.part_by_number(&line.voltaic_part_number) {
                Some(part) => requested.push((
                    line_id(line, i),
                    part,
                    line.quantity,
                    line.expected_unit_price.clone(),
                )),
                None => unknown.push(part_not_found(&line.voltaic_part_number)),
            }
        }
        if !unknown.is_empty() {
            return Err(Failure::many(404, unknown));
        }
        let Some(key) = &req.cart_key else {
            if requested.is_empty() {
                return Err(Failure::one(
                    400,
                    "InvalidRequest",
                    "an order needs a CartKey or OrderLines",
                ));
            }
            return Ok(requested
                .into_iter()
                .map(|(id, part, qty, exp)| {
                    let unit4 = self.parts[part].unit_price(cur, qty, now, self.started);
                    (id, part, qty, unit4, exp)
                })
                .collect());
        };
        let Some(cart) = self.carts.get(key) else {
            return Err(Failure::one(
                404,
                "CartNotFound",
                format!("cart {key} does not exist"),
            ));
        };
        if now > cart.valid_until {
            let mut e = ApiError::new(
                "CartExpired",
                format!(
                    "cart {key} expired at {}; create a new cart",
                    wire::rfc3339(cart.valid_until)
                ),
            );
            e.property_name = Some("CartKey".into());
            return Err(Failure::many(410, vec![e]));
        }
        if cart.cur != cur || cart.country.code != country.code {
            return Err(Failure::one(
                422,
                "CartMismatch",
                format!(
                    "cart {key} is priced in {} for {}, the order asks for {} to {}",
                    cart.cur.code(),
                    cart.country.code,
                    cur.code(),
                    country.code
                ),
            ));
        }
        if requested.is_empty() {
            return Ok(cart
                .items
                .iter()
                .map(|it| (it.line_id.clone(), it.part, it.qty, it.unit4, None))
                .collect());
        }
        let mut free: Vec<&CartItem> = cart.items.iter().collect();
        let mut out = Vec::new();
        for (id, part, qty, exp) in requested {
            let Some(pos) = free.iter().position(|it| it.part == part && it.qty == qty) else {
                return Err(Failure::one(
                    422,
                    "CartMismatch",
                    format!(
                        "line {id}: cart {key} has no line of {qty} x {}",
                        self.parts[part].number
                    ),
                ));
            };
            let item = free.remove(pos);
            out.push((id, part, qty, item.unit4, exp));
        }
        if let Some(left) = free.first() {
            return Err(Failure::one(
                422,
                "CartMismatch",
                format!(
                    "cart {key} line {} ({}) is missing from the order",
                    left.line_id, self.parts[left.part].number
                ),
            ));
        }
        Ok(out)
    }

    /// Index of an order by number.
    pub(crate) fn order_index(&self, number: &str) -> Result<usize, Failure> {
        self.orders
            .iter()
            .position(|o| o.number.eq_ignore_ascii_case(number.trim()))
            .ok_or_else(|| {
                Failure::one(
                    404,
                    "OrderNotFound",
                    format!("order {number} does not exist"),
                )
            })
    }

    /// Cancels the outstanding quantity of the named lines (all lines when empty). Shipped
    /// quantities cannot be cancelled. Returns "Cancelled" or "PartiallyCancelled".
    pub(crate) fn cancel(
        &mut self,
        index: usize,
        line_ids: &[String],
        now: i64,
    ) -> Result<&'static str, Failure> {
        let order = &self.orders[index];
        for id in line_ids {
            if !order.lines.iter().any(|l| &l.line_id == id) {
                return Err(Failure::one(
                    404,
                    "LineNotFound",
                    format!("order {} has no line {id}", order.number),
                ));
            }
        }
        let selected: Vec<usize> = order
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| line_ids.is_empty() || line_ids.contains(&l.line_id))
            .map(|(i, _)| i)
            .collect();
        let cancellable: u64 = selected.iter().map(|&i| order.lines[i].outstanding()).sum();
        let shipped: u64 = selected.iter().map(|&i| order.lines[i].shipped).sum();
        if cancellable == 0 {
            let mut e = ApiError::new(
                "CancelRefused",
                if shipped > 0 {
                    format!(
                        "order {}: the requested lines have already shipped",
                        order.number
                    )
                } else {
                    format!(
                        "order {}: the requested lines are already cancelled",
                        order.number
                    )
                },
            );
            e.order = Some(wire::order_json(self, index, now));
            return Err(Failure::many(422, vec![e]));
        }
        let order = &mut self.orders[index];
        for &i in &selected {
            let line = &mut order.lines[i];
            line.cancelled += line.outstanding();
            line.backordered = 0;
        }
        order.updated = now;
        if order.lines.iter().all(|l| l.outstanding() == 0) && order.shipments.is_empty() {
            order.shipping = 0;
        }
        self.emit_order(index, now);
        Ok(if shipped == 0 {
            "Cancelled"
        } else {
            "PartiallyCancelled"
        })
    }

    /// Authorises a return of shipped quantities.
    pub(crate) fn create_return(
        &mut self,
        index: usize,
        req: &wire::ReturnReq,
    ) -> Result<usize, Failure> {
        if req.lines.is_empty() {
            return Err(Failure::one(
                400,
                "InvalidRequest",
                "Lines must not be empty",
            ));
        }
        let order = &self.orders[index];
        let mut errors = Vec::new();
        let mut refund = 0;
        for (i, r) in req.lines.iter().enumerate() {
            let Some(line) = order.lines.iter().find(|l| l.line_id == r.customer_line_id) else {
                errors.push(ApiError::new(
                    "LineNotFound",
                    format!(
                        "Lines[{i}]: order {} has no line {}",
                        order.number, r.customer_line_id
                    ),
                ));
                continue;
            };
            let returnable = line.shipped - line.returned;
            if r.quantity == 0 || r.quantity > returnable {
                let mut e = ApiError::new(
                    "ReturnNotAllowed",
                    format!(
                        "Lines[{i}]: line {} has {returnable} shipped pieces that can be returned, {} asked",
                        line.line_id, r.quantity
                    ),
                );
                e.customer_line_id = Some(line.line_id.clone());
                e.available = Some(returnable);
                e.requested = Some(r.quantity);
                errors.push(e);
                continue;
            }
            if !wire::RETURN_REASONS.contains(&r.reason.as_str()) {
                errors.push(ApiError::new(
                    "InvalidRequest",
                    format!(
                        "Lines[{i}].Reason {:?} is not one of {}",
                        r.reason,
                        wire::RETURN_REASONS.join(", ")
                    ),
                ));
                continue;
            }
            refund += line_cents(line.unit4, r.quantity);
        }
        if !errors.is_empty() {
            let status = if errors.iter().any(|e| e.code == "LineNotFound") {
                404
            } else {
                422
            };
            return Err(Failure::many(status, errors));
        }
        let seq = self.next_seq();
        let order = &mut self.orders[index];
        for r in &req.lines {
            if let Some(line) = order
                .lines
                .iter_mut()
                .find(|l| l.line_id == r.customer_line_id)
            {
                line.returned += r.quantity;
            }
        }
        order.returns.push(Rma {
            number: format!("RMA-{seq:06}"),
            lines: req
                .lines
                .iter()
                .map(|r| (r.customer_line_id.clone(), r.quantity, r.reason.clone()))
                .collect(),
            refund_cents: refund,
            notes: req.notes.clone(),
        });
        Ok(order.returns.len() - 1)
    }
}

fn line_id(line: &OrderLineReq, i: usize) -> String {
    line.customer_line_id
        .clone()
        .unwrap_or_else(|| (i + 1).to_string())
}

fn part_not_found(number: &str) -> ApiError {
    let mut e = ApiError::new(
        "PartNotFound",
        format!("no part {number:?} in the Voltaic catalogue"),
    );
    e.voltaic_part_number = Some(number.to_string());
    e
}

fn currency(code: &str) -> Result<Cur, Failure> {
    Cur::parse(code).ok_or_else(|| {
        Failure::one(
            400,
            "UnsupportedCurrency",
            format!("currency {code:?} is not sold; use EUR or USD"),
        )
    })
}

fn served(code: &str) -> Result<&'static Country, Failure> {
    country(code).ok_or_else(|| {
        let list: Vec<&str> = COUNTRIES.iter().map(|c| c.code).collect();
        Failure::one(
            422,
            "CountryNotServed",
            format!(
                "Voltaic does not ship to {code:?}; it ships to {}",
                list.join(", ")
            ),
        )
    })
}

fn haystack(p: &Part) -> String {
    let mut text = format!(
        "{} {} {} {} {} {} {}",
        p.title,
        p.description,
        p.manufacturer,
        p.mpn,
        p.number,
        p.category,
        p.keywords.join(" ")
    );
    for (k, v) in p.attributes {
        text.push(' ');
        text.push_str(k);
        text.push(' ');
        text.push_str(v);
    }
    text.to_lowercase()
}

fn word_matches(haystack: &str, word: &str) -> bool {
    if haystack.contains(word) {
        return true;
    }
    SYNONYMS
        .iter()
        .filter(|group| group.contains(&word))
        .flat_map(|group| group.iter())
        .any(|syn| haystack.contains(syn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_all_words_with_synonyms() {
        let store = Store::new(0);
        let hits: Vec<&str> = store
            .search("M8 hex bolt", &[], false)
            .iter()
            .map(|&i| store.parts[i].number)
            .collect();
        assert_eq!(hits, vec!["VC-HB-M8X30-A2"]);
        let screws: Vec<&str> = store
            .search("m8 SCHRAUBE", &[], false)
            .iter()
            .map(|&i| store.parts[i].number)
            .collect();
        assert_eq!(screws, vec!["VC-HB-M8X30-A2"]);
        let nuts: Vec<&str> = store
            .search("M8 hex nut", &[], false)
            .iter()
            .map(|&i| store.parts[i].number)
            .collect();
        assert_eq!(nuts, vec!["VC-HN-M8-A2"]);
        assert!(
            store
                .search("", &[], true)
                .iter()
                .all(|&i| store.stock[i] > 0)
        );
    }

    #[test]
    fn lookup_accepts_numbers_mpns_and_gtins() {
        let store = Store::new(0);
        let bolt = store.part_by_number("vc-hb-m8x30-a2");
        assert!(bolt.is_some());
        assert_eq!(store.lookup("TL072CP"), store.part_by_number("VC-TL072CP"));
        let gtin = bolt.map(|i| format!("0{}", store.parts[i].gtin()));
        assert_eq!(gtin.and_then(|g| store.lookup(&g)), bolt);
        assert_eq!(store.lookup("nothing"), None);
    }
}
