//! Keystone's state: stock, orders, the documents it produced, and what the buyer
//! acknowledged.

use std::collections::HashMap;

use mercato_sdk::exact::Decimal;

use super::catalog::{self, Item};
use super::x12::{self, Interchange, Seg, Set, SetW};

const DAY_MS: i64 = 86_400_000;
/// X12 unit codes Keystone's implementation guide allows in PO103.
const UNITS: [&str; 9] = ["EA", "BX", "CA", "PK", "FT", "RL", "PR", "DZ", "LB"];
/// US states and territories, and Canadian provinces, Keystone's guide allows in N402.
const REGIONS: [&str; 66] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK",
    "YT", "GU",
];

/// A document Keystone sent (or would send) to the buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxDocument {
    /// Order of production, from 1.
    pub seq: usize,
    /// `855` or `856`.
    pub kind: String,
    /// The buyer PO it concerns.
    pub po: String,
    /// Its ISA13 (and GS06).
    pub control: u32,
    /// The whole interchange.
    pub body: String,
    /// What became of pushing it.
    pub delivery: Delivery,
}

/// The push of one outbox document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Not tried yet.
    Pending,
    /// No push target is configured; the document waits in the outbox.
    NotConfigured,
    /// The buyer answered with this HTTP status.
    Answered(u16),
    /// The buyer could not be reached.
    Failed(String),
}

/// A 997 the buyer sent back, in a push reply or posted to `/as2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedAck {
    /// AK101: the functional id acknowledged (`PR` for 855s, `SH` for 856s).
    pub functional_id: String,
    /// AK102: the group control number acknowledged (the ISA13 of Keystone's document).
    pub group_control: String,
    /// AK901: A, E, P or R.
    pub code: String,
    /// (ST02, AK501) per acknowledged set.
    pub sets: Vec<(String, String)>,
    /// Whether it came as the reply to a push (else posted separately).
    pub in_reply: bool,
}

/// One line as Keystone booked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedLine {
    /// PO101.
    pub line_id: String,
    /// Keystone SKU, when the item is known.
    pub sku: Option<String>,
    /// Quantity ordered (PO102), whole units.
    pub ordered: u64,
    /// PO103.
    pub unit: String,
    /// Keystone's price per unit.
    pub price: String,
    /// ACK01 codes sent for the line.
    pub ack_codes: Vec<String>,
    /// Shipping from stock.
    pub accepted: u64,
    /// Waiting for a restock.
    pub backordered: u64,
    /// Not accepted.
    pub rejected: u64,
    /// Shipped so far.
    pub shipped: u64,
}

/// One order as Keystone keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedOrder {
    /// BEG03.
    pub po: String,
    /// Keystone's sales order number.
    pub sales_order: String,
    /// The `REF*ZZ*IDEMPOTENCY` key, or `ISA:<sender>:<ISA13>` without one.
    pub key: String,
    /// ISA13 of the 850.
    pub interchange_control: String,
    /// BAK02 of the 855: AD, AC or RJ.
    pub ack_type: String,
    /// CSH01 of the 850, if any (`SC` ship complete, `N` no backorders).
    pub sales_requirement: Option<String>,
    /// Lines.
    pub lines: Vec<BookedLine>,
    /// How many times the 850 arrived (retries included).
    pub received: u32,
    fingerprint: String,
    placed_at: i64,
    po_date: String,
    ship_to: String,
    acks: Vec<String>,
    notices: Vec<Vec<String>>,
    first_shipment_done: bool,
}

/// What `/as2` answers.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
    /// Outbox sequence numbers produced.
    pub produced: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct Store {
    items: Vec<Item>,
    stock: HashMap<&'static str, u64>,
    restocked: HashMap<&'static str, bool>,
    started: i64,
    orders: Vec<BookedOrder>,
    outbox: Vec<OutboxDocument>,
    acks: Vec<ReceivedAck>,
    next_control: u32,
    pub keystone_id: String,
    pub partner_id: String,
    pub ship_after_ms: i64,
}

/// One AK3/AK4 error found in an 850.
#[derive(Debug, Clone)]
struct Error {
    seg: String,
    pos: usize,
    seg_code: &'static str,
    element: Option<(usize, &'static str, &'static str, String)>,
}

fn element_error(s: &Seg, n: usize, r: &'static str, code: &'static str) -> Error {
    Error {
        seg: s.id.clone(),
        pos: s.pos,
        seg_code: "8",
        element: Some((n, r, code, s.get(n).to_string())),
    }
}

fn missing(id: &str) -> Error {
    Error {
        seg: id.to_string(),
        pos: 2,
        seg_code: "3",
        element: None,
    }
}

fn whole(s: &str) -> Option<u64> {
    let d = Decimal::parse(s).ok()?;
    let v = d.to_i128_scaled(0)?;
    (Decimal::new(i64::try_from(v).ok()?, 0).ok()? == d)
        .then_some(v)
        .and_then(|v| u64::try_from(v).ok())
}

/// The Keystone implementation guide's syntax rules for an 850.
fn validate(set: &Set) -> Result<(), Error> {
    let body = &set.segs[1..set.segs.len().saturating_sub(1)];
    let beg = body
        .iter()
        .find(|s| s.id == "BEG")
        .ok_or_else(|| missing("BEG"))?;
    if !matches!(beg.get(1), "00" | "05") {
        return Err(element_error(beg, 1, "353", "7"));
    }
    if !matches!(beg.get(2), "SA" | "NE" | "KN") {
        return Err(element_error(beg, 2, "92", "7"));
    }
    if beg.get(3).is_empty() {
        return Err(element_error(beg, 3, "324", "1"));
    }
    if beg.get(3).len() > 22 {
        return Err(element_error(beg, 3, "324", "5"));
    }
    if x12::parse_date8(beg.get(5)).is_none() {
        return Err(element_error(beg, 5, "373", "8"));
    }
    let mut po1 = 0;
    let mut in_ship_to = false;
    let mut ship_to = false;
    for s in body {
        match s.id.as_str() {
            "CUR" if s.get(2) != "USD" => return Err(element_error(s, 2, "100", "7")),
            "N1" => {
                in_ship_to = s.get(1) == "ST";
                ship_to |= in_ship_to;
            }
            "N4" if in_ship_to => {
                let country = s.get(4);
                if !s.get(2).is_empty() && !REGIONS.contains(&s.get(2)) {
                    return Err(element_error(s, 2, "156", "7"));
                }
                let postal = s.get(3);
                let ok = match country {
                    "US" | "" => {
                        postal.len() == 5 && postal.bytes().all(|b| b.is_ascii_digit())
                            || postal.len() == 10
                                && postal.as_bytes()[5] == b'-'
                                && postal.bytes().filter(u8::is_ascii_digit).count() == 9
                    }
                    "CA" => {
                        let p: Vec<u8> = postal.bytes().filter(|b| *b != b' ').collect();
                        p.len() == 6
                            && p.iter().enumerate().all(|(i, b)| {
                                if i % 2 == 0 {
                                    b.is_ascii_alphabetic()
                                } else {
                                    b.is_ascii_digit()
                                }
                            })
                    }
                    _ => true,
                };
                if !ok {
                    return Err(element_error(s, 3, "116", "7"));
                }
            }
            "PO1" => {
                po1 += 1;
                if s.get(1).is_empty() {
                    return Err(element_error(s, 1, "350", "1"));
                }
                if Decimal::parse(s.get(2)).is_err() {
                    return Err(element_error(s, 2, "330", "6"));
                }
                if !UNITS.contains(&s.get(3)) {
                    return Err(element_error(s, 3, "355", "7"));
                }
                if !s.get(4).is_empty() && Decimal::parse(s.get(4)).is_err() {
                    return Err(element_error(s, 4, "212", "6"));
                }
                let mut n = 6;
                while n <= s.el.len() {
                    if !s.get(n).is_empty()
                        && !matches!(s.get(n), "VP" | "UP" | "EN" | "UK" | "BP" | "MG")
                    {
                        return Err(element_error(s, n, "235", "7"));
                    }
                    n += 2;
                }
            }
            "CTT" if s.get(1) != po1.to_string() => return Err(element_error(s, 1, "354", "7")),
            _ => {}
        }
    }
    if !ship_to {
        return Err(missing("N1"));
    }
    if po1 == 0 {
        return Err(missing("PO1"));
    }
    Ok(())
}

impl Store {
    pub fn new(started: i64, keystone_id: String, partner_id: String, ship_after_ms: i64) -> Store {
        let items = catalog::items();
        let stock = items.iter().map(|i| (i.sku, i.stock)).collect();
        Store {
            items,
            stock,
            restocked: HashMap::new(),
            started,
            orders: Vec::new(),
            outbox: Vec::new(),
            acks: Vec::new(),
            next_control: 1,
            keystone_id,
            partner_id,
            ship_after_ms,
        }
    }

    fn control(&mut self) -> u32 {
        let c = self.next_control;
        self.next_control += 1;
        c
    }

    pub fn orders(&self) -> &[BookedOrder] {
        &self.orders
    }

    pub fn outbox(&self) -> &[OutboxDocument] {
        &self.outbox
    }

    pub fn outbox_mut(&mut self, seq: usize) -> Option<&mut OutboxDocument> {
        self.outbox.get_mut(seq.checked_sub(1)?)
    }

    pub fn acks(&self) -> &[ReceivedAck] {
        &self.acks
    }

    pub fn stock_of(&self, sku: &str) -> Option<u64> {
        self.stock.iter().find(|(k, _)| **k == sku).map(|(_, v)| *v)
    }

    /// The 832 interchange as of `now`.
    pub fn catalog_832(&mut self, now: i64) -> String {
        let date = x12::date8(now);
        let stock = self.stock.clone();
        let set = catalog::write_832(
            &self.items,
            &|sku| stock.get(sku).copied().unwrap_or(0),
            &date,
        );
        let control = self.control();
        x12::envelope(
            &self.keystone_id,
            &self.partner_id,
            control,
            "SC",
            now,
            &[set],
        )
    }

    fn find(&self, id: &str) -> Option<&BookedOrder> {
        self.orders
            .iter()
            .find(|o| o.po == id || o.sales_order == id)
    }

    /// The latest 855 for a PO or sales order number.
    pub fn latest_855(&self, id: &str) -> Option<String> {
        self.find(id).and_then(|o| o.acks.last().cloned())
    }

    /// Every 856 for an order, in one interchange.
    pub fn ship_notices(&mut self, id: &str, now: i64) -> Option<String> {
        let sets = self.find(id)?.notices.clone();
        let control = self.control();
        Some(x12::envelope(
            &self.keystone_id,
            &self.partner_id,
            control,
            "SH",
            now,
            &sets,
        ))
    }

    /// Record 997s the buyer sent.
    pub fn record_acks(&mut self, x: &Interchange, in_reply: bool) {
        for set in x
            .groups
            .iter()
            .filter(|g| g.fid == "FA")
            .flat_map(|g| &g.sets)
        {
            let mut ack = ReceivedAck {
                functional_id: String::new(),
                group_control: String::new(),
                code: String::new(),
                sets: Vec::new(),
                in_reply,
            };
            let mut st02 = String::new();
            for s in &set.segs {
                match s.id.as_str() {
                    "AK1" => {
                        ack.functional_id = s.get(1).to_string();
                        ack.group_control = s.get(2).to_string();
                    }
                    "AK2" => st02 = s.get(2).to_string(),
                    "AK5" => ack.sets.push((st02.clone(), s.get(1).to_string())),
                    "AK9" => ack.code = s.get(1).to_string(),
                    _ => {}
                }
            }
            self.acks.push(ack);
        }
    }

    /// Handle a POSTed interchange: 850s are validated (997), deduplicated and booked; 997s
    /// are recorded.
    pub fn receive(&mut self, x: &Interchange, now: i64) -> Answer {
        self.record_acks(x, false);
        let business: Vec<_> = x.groups.iter().filter(|g| g.fid != "FA").collect();
        if business.is_empty() {
            return Answer {
                status: 202,
                body: String::new(),
                produced: Vec::new(),
            };
        }
        // Judge every set first, so a conflict refuses the interchange before anything is booked.
        let mut verdicts = Vec::new();
        for g in &business {
            let mut sets = Vec::new();
            for set in &g.sets {
                let verdict = if g.fid != "PO" || g.version != "004010" {
                    Err((if g.fid != "PO" { "1" } else { "2" }, None))
                } else if set.id != "850" {
                    Err(("1", None))
                } else if let Some(code) = set.problem {
                    Err((code, None))
                } else {
                    validate(set).map_err(|e| ("5", Some(e)))
                };
                sets.push((set, verdict));
            }
            verdicts.push((g, sets));
        }
        let mut new_orders = Vec::new();
        for (g, sets) in &verdicts {
            if g.problem.is_some() {
                continue;
            }
            for (set, verdict) in sets {
                if verdict.is_err() {
                    continue;
                }
                let key = set
                    .segs
                    .iter()
                    .find(|s| s.id == "REF" && s.get(1) == "ZZ" && s.get(2) == "IDEMPOTENCY")
                    .map(|s| s.get(3).to_string())
                    .unwrap_or_else(|| format!("ISA:{}:{}", x.sender, x.control));
                let fingerprint: Vec<String> = set.segs[1..set.segs.len() - 1]
                    .iter()
                    .map(|s| {
                        let mut s = s.clone();
                        if s.id == "BEG" && s.el.len() >= 5 {
                            s.el[4].clear();
                        }
                        s.canonical()
                    })
                    .collect();
                let fingerprint = fingerprint.join("~");
                let po = set
                    .segs
                    .iter()
                    .find(|s| s.id == "BEG")
                    .map(|s| s.get(3).to_string())
                    .unwrap_or_default();
                if let Some(o) = self.orders.iter().find(|o| o.key == key) {
                    if o.fingerprint != fingerprint {
                        let control = self.control();
                        return Answer {
                            status: 409,
                            body: x12::ta1(&self.keystone_id, &x.sender, control, x, "025", now),
                            produced: Vec::new(),
                        };
                    }
                    continue;
                }
                if self.orders.iter().any(|o| o.po == po) {
                    return Answer {
                        status: 409,
                        body: format!(
                            "duplicate-buyer-po: PO {po} was placed under another interchange"
                        ),
                        produced: Vec::new(),
                    };
                }
                new_orders.push((*set, key, fingerprint, x.control.clone()));
            }
        }
        for order in self.orders.iter_mut() {
            if verdicts.iter().flat_map(|(_, s)| s).any(|(set, v)| {
                v.is_ok()
                    && set.segs.iter().any(|s| {
                        s.id == "REF"
                            && s.get(1) == "ZZ"
                            && s.get(2) == "IDEMPOTENCY"
                            && s.get(3) == order.key
                    })
            }) {
                order.received += 1;
            }
        }
        let mut produced = Vec::new();
        for (set, key, fingerprint, control) in new_orders {
            produced.push(self.book(set, key, fingerprint, control, now));
        }
        let mut sets997 = Vec::new();
        for (n, (g, sets)) in verdicts.iter().enumerate() {
            let mut w = SetW::new("997", &format!("{:04}", n + 1));
            w.seg("AK1", &[&g.fid, &g.control]);
            let mut accepted = 0;
            for (set, verdict) in sets {
                w.seg("AK2", &[&set.id, &set.control]);
                match verdict {
                    Ok(()) => {
                        accepted += 1;
                        w.seg("AK5", &["A"]);
                    }
                    Err((code, error)) => {
                        if let Some(e) = error {
                            w.seg("AK3", &[&e.seg, &e.pos.to_string(), "", e.seg_code]);
                            if let Some((n, r, c, data)) = &e.element {
                                w.seg("AK4", &[&n.to_string(), r, c, data]);
                            }
                        }
                        w.seg("AK5", &["R", code]);
                    }
                }
            }
            let code = match (g.problem, accepted) {
                (Some(_), _) | (None, 0) => "R",
                (None, a) if a < sets.len() => "P",
                _ => "A",
            };
            let n = sets.len().to_string();
            let accepted = if g.problem.is_some() { 0 } else { accepted };
            w.seg(
                "AK9",
                &[code, &n, &n, &accepted.to_string(), g.problem.unwrap_or("")],
            );
            sets997.push(w.finish());
        }
        let control = self.control();
        Answer {
            status: 200,
            body: x12::envelope(&self.keystone_id, &x.sender, control, "FA", now, &sets997),
            produced,
        }
    }

    fn item_for(&self, po1: &Seg) -> Option<usize> {
        let mut n = 6;
        while n <= po1.el.len() {
            let (q, v) = (po1.get(n), po1.get(n + 1));
            let found = self.items.iter().position(|i| match q {
                "VP" => i.sku.eq_ignore_ascii_case(v),
                "UP" | "EN" | "UK" => i
                    .gtin()
                    .is_some_and(|g| g.trim_start_matches('0') == v.trim_start_matches('0')),
                _ => false,
            });
            if found.is_some() {
                return found;
            }
            n += 2;
        }
        None
    }

    /// Book an accepted 850 and produce its 855; the outbox sequence number.
    fn book(
        &mut self,
        set: &Set,
        key: String,
        fingerprint: String,
        control: String,
        now: i64,
    ) -> usize {
        let get = |id: &str| set.segs.iter().find(|s| s.id == id);
        let beg = get("BEG").cloned();
        let po = beg
            .as_ref()
            .map(|b| b.get(3).to_string())
            .unwrap_or_default();
        let po_date = beg
            .as_ref()
            .map(|b| b.get(5).to_string())
            .unwrap_or_default();
        let csh = get("CSH").map(|s| s.get(1).to_string());
        let mut ship_to_country = String::new();
        let mut in_st = false;
        for s in &set.segs {
            match s.id.as_str() {
                "N1" => in_st = s.get(1) == "ST",
                "N4" if in_st => ship_to_country = s.get(4).to_string(),
                _ => {}
            }
        }
        let deliverable = matches!(ship_to_country.as_str(), "US" | "CA" | "");
        let mut lines = Vec::new();
        for s in set.segs.iter().filter(|s| s.id == "PO1") {
            let ordered = whole(s.get(2)).unwrap_or(0);
            let mut line = BookedLine {
                line_id: s.get(1).to_string(),
                sku: None,
                ordered,
                unit: s.get(3).to_string(),
                price: s.get(4).to_string(),
                ack_codes: Vec::new(),
                accepted: 0,
                backordered: 0,
                rejected: 0,
                shipped: 0,
            };
            let item = self.item_for(s).map(|i| self.items[i].clone());
            match item {
                Some(item) if deliverable && ordered > 0 && item.unit == line.unit => {
                    line.sku = Some(item.sku.to_string());
                    let price = item
                        .tiers
                        .iter()
                        .rev()
                        .find(|(min, _)| *min <= ordered)
                        .or(item.tiers.first())
                        .map_or("0", |(_, p)| *p);
                    let price_changed =
                        Decimal::parse(&line.price).ok() != Decimal::parse(price).ok();
                    line.price = price.to_string();
                    let stock = self.stock.entry(item.sku).or_insert(0);
                    let available = (*stock).min(ordered);
                    *stock -= available;
                    line.accepted = available;
                    let short = ordered - available;
                    if short > 0 && csh.as_deref() == Some("N") {
                        line.rejected = short;
                        line.ack_codes
                            .push(if available > 0 { "IQ" } else { "IR" }.to_string());
                    } else if short > 0 {
                        line.backordered = short;
                        if available > 0 {
                            line.ack_codes
                                .push(if price_changed { "IP" } else { "IA" }.to_string());
                        }
                        line.ack_codes.push("IB".to_string());
                    } else {
                        line.ack_codes
                            .push(if price_changed { "IP" } else { "IA" }.to_string());
                    }
                }
                Some(item) => {
                    line.sku = Some(item.sku.to_string());
                    line.rejected = ordered;
                    line.ack_codes.push("IR".to_string());
                }
                None => {
                    line.rejected = ordered;
                    line.ack_codes.push("IR".to_string());
                }
            }
            lines.push(line);
        }
        let all_rejected = lines.iter().all(|l| l.rejected == l.ordered);
        let unchanged = lines.iter().all(|l| l.ack_codes == ["IA"]);
        let ack_type = if all_rejected {
            "RJ"
        } else if unchanged {
            "AD"
        } else {
            "AC"
        };
        let sales_order = format!("KS-SO-{:06}", self.orders.len() + 1);
        let mut order = BookedOrder {
            po,
            sales_order,
            key,
            interchange_control: control,
            ack_type: ack_type.to_string(),
            sales_requirement: csh,
            lines,
            received: 1,
            fingerprint,
            placed_at: now,
            po_date,
            ship_to: ship_to_country,
            acks: Vec::new(),
            notices: Vec::new(),
            first_shipment_done: false,
        };
        let seq = self.push_855(&mut order, now);
        self.orders.push(order);
        seq
    }

    fn restock_date(&self, sku: &str) -> i64 {
        self.items
            .iter()
            .find(|i| i.sku == sku)
            .and_then(|i| i.restock)
            .map_or(self.started + 14 * DAY_MS, |(days, _)| {
                self.started + days * DAY_MS
            })
    }

    fn push_855(&mut self, order: &mut BookedOrder, now: i64) -> usize {
        let today = x12::date8(now);
        let ship = x12::date8(now + self.ship_after_ms);
        let mut w = SetW::new("855", "0001");
        w.seg(
            "BAK",
            &[
                "00",
                &order.ack_type,
                &order.po,
                &order.po_date,
                "",
                "",
                "",
                &order.sales_order,
                &today,
            ],
        );
        w.seg("CUR", &["SE", "USD"]);
        for l in &order.lines {
            let item = l
                .sku
                .as_deref()
                .and_then(|s| self.items.iter().find(|i| i.sku == s));
            let ordered = l.ordered.to_string();
            let mut po1 = vec![
                l.line_id.clone(),
                ordered,
                l.unit.clone(),
                l.price.clone(),
                "PE".into(),
            ];
            if let Some(i) = item {
                po1.extend(["VP".to_string(), i.sku.to_string()]);
                if let Some(g) = i.gtin() {
                    po1.extend([i.gtin_qualifier().to_string(), g]);
                }
            }
            let refs: Vec<&str> = po1.iter().map(String::as_str).collect();
            w.seg("PO1", &refs);
            let restock = l
                .sku
                .as_deref()
                .map(|s| x12::date8(self.restock_date(s).max(now)));
            for code in &l.ack_codes {
                let (qty, date) = match code.as_str() {
                    "IB" => (l.backordered, restock.clone()),
                    "IR" => (l.rejected, None),
                    _ => (l.accepted, Some(ship.clone())),
                };
                let qty = qty.to_string();
                match date {
                    Some(d) => w.seg("ACK", &[code, &qty, &l.unit, "068", &d]),
                    None => w.seg("ACK", &[code, &qty, &l.unit]),
                }
            }
        }
        w.seg("CTT", &[&order.lines.len().to_string()]);
        let set = w.finish();
        let control = self.control();
        let body = x12::envelope(
            &self.keystone_id,
            &self.partner_id,
            control,
            "PR",
            now,
            &[set],
        );
        order.acks.push(body.clone());
        self.add_outbox("855", &order.po, control, body)
    }

    fn add_outbox(&mut self, kind: &str, po: &str, control: u32, body: String) -> usize {
        let seq = self.outbox.len() + 1;
        self.outbox.push(OutboxDocument {
            seq,
            kind: kind.to_string(),
            po: po.to_string(),
            control,
            body,
            delivery: Delivery::Pending,
        });
        seq
    }

    /// Ship what is due on the clock: stock lines `ship_after` after the order, backordered
    /// lines once their restock has arrived. The outbox sequence numbers of the 856s.
    pub fn tick(&mut self, now: i64) -> Vec<usize> {
        for i in &self.items {
            if let Some((days, qty)) = i.restock
                && now >= self.started + days * DAY_MS
                && !self.restocked.get(i.sku).copied().unwrap_or(false)
            {
                *self.stock.entry(i.sku).or_insert(0) += qty;
                self.restocked.insert(i.sku, true);
            }
        }
        let mut produced = Vec::new();
        for n in 0..self.orders.len() {
            let mut order = self.orders[n].clone();
            let mut ship: Vec<(usize, u64, bool)> = Vec::new();
            let hold = order.sales_requirement.as_deref() == Some("SC")
                && order.lines.iter().any(|l| l.backordered > 0);
            if !order.first_shipment_done && now >= order.placed_at + self.ship_after_ms && !hold {
                order.first_shipment_done = true;
                for (i, l) in order.lines.iter().enumerate() {
                    if l.accepted > 0 {
                        ship.push((i, l.accepted, false));
                    }
                }
            }
            if order.first_shipment_done || hold {
                for (i, l) in order.lines.iter().enumerate() {
                    let Some(sku) = l.sku.as_deref() else {
                        continue;
                    };
                    if l.backordered == 0 || now < self.restock_date(sku) {
                        continue;
                    }
                    let Some(stock) = self
                        .stock
                        .iter_mut()
                        .find(|(k, _)| **k == sku)
                        .map(|(_, v)| v)
                    else {
                        continue;
                    };
                    let n = (*stock).min(l.backordered);
                    if n > 0 {
                        *stock -= n;
                        ship.push((i, n, true));
                    }
                }
                if hold && !ship.is_empty() {
                    order.first_shipment_done = true;
                    for (i, l) in order.lines.iter().enumerate() {
                        if l.accepted > 0 {
                            ship.push((i, l.accepted, false));
                        }
                    }
                }
            }
            if ship.is_empty() {
                continue;
            }
            for (i, q, from_restock) in &ship {
                let l = &mut order.lines[*i];
                if *from_restock {
                    l.backordered -= q;
                }
                l.shipped += q;
            }
            produced.push(self.push_856(&mut order, &ship, now));
            self.orders[n] = order;
        }
        produced
    }

    fn push_856(
        &mut self,
        order: &mut BookedOrder,
        ship: &[(usize, u64, bool)],
        now: i64,
    ) -> usize {
        let number = self.outbox.iter().filter(|d| d.kind == "856").count() + 1;
        let shipment = format!("KS-SH-{number:06}");
        let date = x12::date8(now);
        let minutes = now.rem_euclid(DAY_MS) / 60_000;
        let hhmm = format!("{:02}{:02}", minutes / 60, minutes % 60);
        let tracking = format!("1ZKS{:014}", 4_200_000 + number);
        let sscc_body = format!("00614141{:09}", number);
        let sscc = format!("{sscc_body}{}", x12::gs1_check(&sscc_body));
        let mut w = SetW::new("856", "0001");
        w.seg("BSN", &["00", &shipment, &date, &hhmm, "0001"]);
        w.seg("HL", &["1", "", "S"]);
        w.seg("TD1", &["CTN25", "1"]);
        w.seg("TD5", &["B", "2", "UPSN", "M", "UPS Ground"]);
        w.seg("REF", &["CN", &tracking]);
        w.seg("DTM", &["011", &date]);
        w.seg("DTM", &["017", &x12::date8(now + 3 * DAY_MS)]);
        w.seg("N1", &["ST", "Ship-to", "", ""]);
        w.seg("N4", &["", "", "", &order.ship_to]);
        w.seg("HL", &["2", "1", "O"]);
        w.seg("PRF", &[&order.po, "", "", &order.po_date]);
        w.seg("HL", &["3", "2", "P"]);
        w.seg("MAN", &["GM", &sscc]);
        let mut hl = 3;
        for (i, q, _) in ship {
            let l = &order.lines[*i];
            hl += 1;
            w.seg("HL", &[&hl.to_string(), "3", "I"]);
            w.seg("LIN", &["", "VP", l.sku.as_deref().unwrap_or("")]);
            let to_date = l.shipped.to_string();
            let ordered = (l.ordered - l.rejected).to_string();
            w.seg(
                "SN1",
                &[
                    &l.line_id,
                    &q.to_string(),
                    &l.unit,
                    &to_date,
                    &ordered,
                    &l.unit,
                ],
            );
        }
        w.seg("CTT", &[&hl.to_string()]);
        let set = w.finish();
        order.notices.push(set.clone());
        let control = self.control();
        let body = x12::envelope(
            &self.keystone_id,
            &self.partner_id,
            control,
            "SH",
            now,
            &[set],
        );
        self.add_outbox("856", &order.po, control, body)
    }
}
