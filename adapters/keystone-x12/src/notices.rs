//! Reading Keystone's 855 Purchase Order Acknowledgment into an order and its 856 Ship Notice
//! into a shipment.
//!
//! 855: `BAK02` is the acknowledgement of the whole order (`AD` accepted, `AC` accepted with
//! changes, `AK` accepted without detail, `RJ`/`RD` rejected), `BAK03` the buyer PO, `BAK08`
//! Keystone's sales order number. Each `PO1` repeats an ordered line (price as Keystone
//! charges it) and its `ACK` segments say what became of it (X12 668): `IA` accepted, `IB`
//! backordered, `IQ` quantity changed, `IP` price changed, `DR` date rescheduled, `IS`
//! substituted, `IR` rejected, `ID` deleted; `ACK05` with `ACK04` = `068` is the scheduled ship
//! date.
//!
//! 856: `BSN02` shipment id, `HL` levels S (shipment: `TD5` carrier SCAC and service,
//! `REF*CN`/`REF*2I` tracking number, `DTM*011` shipped, `DTM*017` estimated delivery), O
//! (order: `PRF01` buyer PO), P (pack: `MAN*GM` SSCC-18) and I (item: `LIN`, `SN1` line id,
//! quantity shipped, quantity shipped to date, quantity ordered).
//!
//! A set that breaks these rules is reported as a [`ReportedError`] for the 997.

use mercato_sdk::contract::{
    AckStatus, LineStatus, Message, Order, OrderLine, OrderStatus, Quantity, Severity, Shipment,
    ShipmentLine, ShipmentStatus, TimeWindow, Totals,
};
use mercato_sdk::exact::{self, Currency, RoundingMode};
use mercato_sdk::time::DAY_MS;

use crate::ack::ReportedError;
use crate::units;
use crate::x12::{self, Envelope, Segment, TransactionSet};

/// A segment or element that breaks the rules, with its 997 codes and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    /// What the 997 reports (boxed: errors travel through every `?`).
    pub error: Box<ReportedError>,
    /// For people.
    pub reason: String,
}

fn element_error(s: &Segment, n: usize, element_ref: &str, code: &str, reason: String) -> SetError {
    SetError {
        error: Box::new(ReportedError {
            segment: s.id.clone(),
            position: s.position,
            segment_code: "8".to_string(),
            element: Some(n),
            element_ref: Some(element_ref.to_string()),
            element_code: Some(code.to_string()),
            data: s.opt(n).map(str::to_string),
        }),
        reason,
    }
}

fn missing_segment(set: &TransactionSet, id: &str) -> SetError {
    SetError {
        error: Box::new(ReportedError {
            segment: id.to_string(),
            position: 2,
            segment_code: "3".to_string(),
            element: None,
            element_ref: None,
            element_code: None,
            data: None,
        }),
        reason: format!("{} {} has no {id} segment", set.id, set.control),
    }
}

fn required<'a>(s: &'a Segment, n: usize, element_ref: &str) -> Result<&'a str, SetError> {
    s.opt(n).ok_or_else(|| {
        element_error(
            s,
            n,
            element_ref,
            "1",
            format!("{}{n:02} is mandatory", s.id),
        )
    })
}

fn date(s: &Segment, n: usize) -> Result<i64, SetError> {
    let value = required(s, n, "373")?;
    x12::parse_date(value).ok_or_else(|| {
        element_error(
            s,
            n,
            "373",
            "8",
            format!("{}{n:02} {value:?} is not a CCYYMMDD date", s.id),
        )
    })
}

fn decimal(s: &Segment, n: usize, element_ref: &str) -> Result<exact::Decimal, SetError> {
    let value = required(s, n, element_ref)?;
    exact::Decimal::parse(value).map_err(|_| {
        element_error(
            s,
            n,
            element_ref,
            "6",
            format!("{}{n:02} {value:?} is not a number", s.id),
        )
    })
}

fn quantity(
    s: &Segment,
    n: usize,
    element_ref: &str,
    unit_at: usize,
) -> Result<exact::Quantity, SetError> {
    let value = decimal(s, n, element_ref)?;
    let code = required(s, unit_at, "355")?;
    let unit = units::from_x12(code)
        .and_then(|u| exact::Unit::parse(u).ok())
        .ok_or_else(|| {
            element_error(
                s,
                unit_at,
                "355",
                "7",
                format!("{}{unit_at:02} {code:?} is not a unit Keystone uses", s.id),
            )
        })?;
    exact::Quantity::from_decimal(value, unit)
        .map_err(|e| element_error(s, n, element_ref, "6", format!("{}{n:02}: {e}", s.id)))
}

/// When the envelope was written (ISA09 + ISA10), UTC.
pub fn envelope_time(e: &Envelope) -> Option<i64> {
    let day = x12::parse_date(&e.date)?;
    let hh: i64 = e.time.get(..2)?.parse().ok()?;
    let mm: i64 = e.time.get(2..4)?.parse().ok()?;
    Some(day + (hh * 60 + mm) * 60_000)
}

/// One line's ACK segments as read.
#[derive(Debug, Default)]
struct LineAcks {
    codes: Vec<String>,
    confirmed: Option<exact::Quantity>,
    cancelled: Option<exact::Quantity>,
    ship_date: Option<i64>,
}

/// The order an 855 describes.
pub fn read_855(set: &TransactionSet, e: &Envelope) -> Result<Order, SetError> {
    let body = set.body();
    let bak = body
        .iter()
        .find(|s| s.id == "BAK")
        .ok_or_else(|| missing_segment(set, "BAK"))?;
    let (ack, status) = match required(bak, 2, "587")? {
        "AD" | "AK" | "AT" => (AckStatus::Accepted, OrderStatus::Confirmed),
        "AC" | "AE" => (AckStatus::AcceptedWithChanges, OrderStatus::Confirmed),
        "RJ" | "RD" => (AckStatus::Rejected, OrderStatus::Rejected),
        other => {
            return Err(element_error(
                bak,
                2,
                "587",
                "7",
                format!("BAK02 {other:?} is not an acknowledgment type"),
            ));
        }
    };
    let po = required(bak, 3, "324")?.to_string();
    let created_at = date(bak, 4)?;
    let updated_at = match bak.opt(9) {
        Some(_) => date(bak, 9)?,
        None => envelope_time(e).unwrap_or(created_at),
    };
    let mut currency = Currency::USD;
    let mut messages = Vec::new();
    if let Some(so) = bak.opt(8) {
        messages.push(Message {
            severity: Severity::Info,
            code: "supplier_order_number".to_string(),
            line_id: None,
            text: format!("Keystone sales order {so}"),
            resolution: None,
        });
    }
    let mut lines: Vec<(OrderLine, LineAcks)> = Vec::new();
    for s in body {
        match s.id.as_str() {
            "CUR" if s.get(1) == "SE" => {
                currency = Currency::parse(s.get(2)).map_err(|_| {
                    element_error(
                        s,
                        2,
                        "100",
                        "7",
                        format!("CUR02 {:?} is not a currency", s.get(2)),
                    )
                })?;
            }
            "PO1" => {
                let line_id = required(s, 1, "350")?.to_string();
                let ordered = quantity(s, 2, "330", 3)?;
                let amount = decimal(s, 4, "212")?;
                let basis = exact::Quantity::new(1, ordered.unit().clone(), 0)
                    .map_err(|e| element_error(s, 3, "355", "7", e.to_string()))?;
                let price = exact::UnitPrice {
                    currency,
                    amount,
                    basis,
                };
                let mut item = mercato_sdk::contract::ItemIds::sku("");
                for (q, v) in s.pairs(6) {
                    match q {
                        "VP" => item.supplier_sku = v.to_string(),
                        "UP" | "EN" | "UK" => {
                            item.gtin = mercato_sdk::gtin::Gtin::parse(v)
                                .ok()
                                .map(|g| g.as_str().to_string());
                        }
                        "BP" => item.buyer_part_id = Some(v.to_string()),
                        _ => {}
                    }
                }
                let zero: Quantity = exact::Quantity::new(0, ordered.unit().clone(), 0)
                    .map(Into::into)
                    .map_err(|e| element_error(s, 3, "355", "7", e.to_string()))?;
                lines.push((
                    OrderLine {
                        line_id,
                        item,
                        ordered: ordered.into(),
                        confirmed: zero.clone(),
                        shipped: zero.clone(),
                        cancelled: zero,
                        unit_price: price.into(),
                        line_total: exact::Money::zero(currency).into(),
                        status: LineStatus::Pending,
                        promised_delivery: None,
                        note: None,
                    },
                    LineAcks::default(),
                ));
            }
            "ACK" => {
                let Some((line, acks)) = lines.last_mut() else {
                    return Err(SetError {
                        error: Box::new(ReportedError {
                            segment: "ACK".into(),
                            position: s.position,
                            segment_code: "7".into(),
                            element: None,
                            element_ref: None,
                            element_code: None,
                            data: None,
                        }),
                        reason: "ACK before any PO1".into(),
                    });
                };
                let code = required(s, 1, "668")?;
                if !matches!(
                    code,
                    "IA" | "IB" | "IC" | "ID" | "IP" | "IQ" | "IR" | "IS" | "DR" | "AC"
                ) {
                    return Err(element_error(
                        s,
                        1,
                        "668",
                        "7",
                        format!("ACK01 {code:?} is not a line item status"),
                    ));
                }
                let q = match s.opt(2) {
                    Some(_) => quantity(s, 2, "380", 3)?,
                    None => exact::Quantity::try_from(&line.ordered)
                        .map_err(|e| element_error(s, 2, "380", "6", e.to_string()))?,
                };
                let add = |sum: &mut Option<exact::Quantity>,
                           q: &exact::Quantity|
                 -> Result<(), SetError> {
                    *sum = Some(match sum.take() {
                        None => q.clone(),
                        Some(before) => before.checked_add(q).map_err(|e| {
                            element_error(
                                s,
                                3,
                                "355",
                                "7",
                                format!("ACK quantities in different units: {e}"),
                            )
                        })?,
                    });
                    Ok(())
                };
                if matches!(code, "IR" | "ID") {
                    add(&mut acks.cancelled, &q)?;
                } else {
                    add(&mut acks.confirmed, &q)?;
                }
                if s.get(4) == "068" || s.get(4) == "067" {
                    acks.ship_date = Some(date(s, 5)?);
                }
                acks.codes.push(code.to_string());
            }
            _ => {}
        }
    }
    let mut total = exact::Money::zero(currency);
    let mut order_lines = Vec::new();
    for (mut line, acks) in lines {
        let ordered = exact::Quantity::try_from(&line.ordered).ok();
        let has = |c: &str| acks.codes.iter().any(|x| x == c);
        line.status = if acks.codes.is_empty() {
            // `AK` (no detail): every line accepted as ordered.
            if ack == AckStatus::Rejected {
                LineStatus::Rejected
            } else {
                LineStatus::Accepted
            }
        } else if acks.confirmed.is_none() {
            if has("ID") {
                LineStatus::Cancelled
            } else {
                LineStatus::Rejected
            }
        } else if has("IB") {
            LineStatus::Backordered
        } else if has("IQ") || acks.cancelled.is_some() {
            LineStatus::AcceptedQuantityChanged
        } else if has("IP") {
            LineStatus::AcceptedPriceChanged
        } else if has("IS") {
            LineStatus::Substituted
        } else if has("DR") {
            LineStatus::AcceptedDateChanged
        } else {
            LineStatus::Accepted
        };
        let confirmed = match (&acks.confirmed, acks.codes.is_empty(), line.status) {
            (Some(q), _, _) => Some(q.clone()),
            (None, true, LineStatus::Accepted) => ordered.clone(),
            _ => None,
        };
        if let Some(q) = &confirmed {
            line.confirmed = q.clone().into();
        }
        let cancelled = match (&acks.cancelled, &ordered, &confirmed) {
            (Some(c), _, _) => Some(c.clone()),
            (None, Some(o), Some(c)) if has("IQ") => o.checked_sub(c).ok(),
            (None, Some(o), None) if line.status == LineStatus::Rejected => Some(o.clone()),
            _ => None,
        };
        if let Some(c) = cancelled {
            line.cancelled = c.into();
        }
        if let (Ok(price), Some(q)) = (exact::UnitPrice::try_from(&line.unit_price), &confirmed)
            && let Ok(amount) = price.total_for(q, RoundingMode::HalfUp)
        {
            total = total.checked_add(amount).unwrap_or(total);
            line.line_total = amount.into();
        }
        line.promised_delivery = acks.ship_date.map(|d| TimeWindow {
            earliest: d,
            latest: d + DAY_MS - 1,
        });
        let note = |code: &str, text: String, severity: Severity| Message {
            severity,
            code: code.to_string(),
            line_id: Some(line.line_id.clone()),
            text,
            resolution: None,
        };
        line.note = match line.status {
            LineStatus::Backordered => {
                messages.push(note(
                    "shipping_delay",
                    format!("line {} is partly or wholly backordered", line.line_id),
                    Severity::Warning,
                ));
                Some(format!("ACK {}", acks.codes.join("+")))
            }
            LineStatus::Rejected => {
                messages.push(note(
                    "item_rejected",
                    format!("Keystone rejected line {}", line.line_id),
                    Severity::Warning,
                ));
                Some(format!("ACK {}", acks.codes.join("+")))
            }
            LineStatus::AcceptedPriceChanged => {
                messages.push(note(
                    "price_change",
                    format!("Keystone charges another price on line {}", line.line_id),
                    Severity::Warning,
                ));
                Some(format!("ACK {}", acks.codes.join("+")))
            }
            LineStatus::AcceptedQuantityChanged => {
                messages.push(note(
                    "quantity_change",
                    format!(
                        "Keystone confirmed another quantity on line {}",
                        line.line_id
                    ),
                    Severity::Warning,
                ));
                Some(format!("ACK {}", acks.codes.join("+")))
            }
            _ => None,
        };
        order_lines.push(line);
    }
    Ok(Order {
        order_id: po.clone(),
        buyer_po: po,
        quote_id: None,
        ack,
        status,
        created_at,
        updated_at,
        currency: currency.code().to_string(),
        lines: order_lines,
        totals: Totals::lines_only(total),
        messages,
        permalink: None,
    })
}

/// The shipment an 856 describes.
pub fn read_856(set: &TransactionSet) -> Result<Shipment, SetError> {
    let body = set.body();
    let bsn = body
        .iter()
        .find(|s| s.id == "BSN")
        .ok_or_else(|| missing_segment(set, "BSN"))?;
    let shipment_id = required(bsn, 2, "396")?.to_string();
    let bsn_date = date(bsn, 3)?;
    let mut shipment = Shipment {
        shipment_id,
        order_id: String::new(),
        status: ShipmentStatus::Shipped,
        carrier: None,
        service_level: None,
        tracking_number: None,
        tracking_url: None,
        packages: Vec::new(),
        shipped_at: None,
        estimated_delivery: None,
        delivered_at: None,
        lines: Vec::new(),
        events: Vec::new(),
    };
    let mut level = "";
    for s in body {
        match s.id.as_str() {
            "HL" => {
                level = match required(s, 3, "735")? {
                    code @ ("S" | "O" | "P" | "T" | "I") => code,
                    other => {
                        return Err(element_error(
                            s,
                            3,
                            "735",
                            "7",
                            format!("HL03 {other:?} is not a level Keystone uses"),
                        ));
                    }
                };
            }
            "TD5" if level == "S" => {
                shipment.carrier = s.opt(3).map(str::to_string);
                shipment.service_level = s.opt(5).map(str::to_string);
            }
            "REF" if level == "S" && matches!(s.get(1), "CN" | "2I") => {
                shipment.tracking_number = s.opt(2).map(str::to_string);
            }
            "DTM" if level == "S" && s.get(1) == "011" => {
                shipment.shipped_at = Some(date(s, 2)?);
            }
            "DTM" if level == "S" && s.get(1) == "017" => {
                let d = date(s, 2)?;
                shipment.estimated_delivery = Some(TimeWindow {
                    earliest: d,
                    latest: d + DAY_MS - 1,
                });
            }
            "PRF" => shipment.order_id = required(s, 1, "324")?.to_string(),
            "MAN" if s.get(1) == "GM" => {
                shipment.packages.extend(s.opt(2).map(str::to_string));
            }
            "SN1" => {
                let line_id = required(s, 1, "350")?.to_string();
                let shipped = quantity(s, 2, "382", 3)?;
                let outstanding = match (s.opt(4), s.opt(5)) {
                    (Some(_), Some(_)) => {
                        let to_date = quantity(s, 4, "646", 6)?;
                        let ordered = quantity(s, 5, "330", 6)?;
                        ordered.checked_sub(&to_date).ok().filter(|q| !q.is_zero())
                    }
                    _ => None,
                };
                shipment.lines.push(ShipmentLine {
                    line_id,
                    quantity: shipped.into(),
                    outstanding_reason: outstanding.as_ref().map(|_| "backordered".to_string()),
                    outstanding: outstanding.map(Into::into),
                    lot: None,
                    serials: Vec::new(),
                    best_before: None,
                });
            }
            _ => {}
        }
    }
    if shipment.order_id.is_empty() {
        return Err(missing_segment(set, "PRF"));
    }
    if shipment.shipped_at.is_none() {
        shipment.shipped_at = Some(bsn_date);
    }
    Ok(shipment)
}

/// Add what `shipments` shipped to the order's lines and statuses.
pub fn apply_shipments(order: &mut Order, shipments: &[Shipment]) {
    for line in &mut order.lines {
        let Ok(mut shipped) = exact::Quantity::try_from(&line.shipped) else {
            continue;
        };
        for s in shipments
            .iter()
            .flat_map(|s| &s.lines)
            .filter(|l| l.line_id == line.line_id)
        {
            if let Ok(q) = exact::Quantity::try_from(&s.quantity)
                && let Ok(sum) = shipped.checked_add(&q)
            {
                shipped = sum;
            }
        }
        if shipped.is_zero() {
            continue;
        }
        let complete = exact::Quantity::try_from(&line.confirmed)
            .ok()
            .and_then(|c| shipped.compare(&c).ok())
            .is_some_and(|o| o != std::cmp::Ordering::Less);
        line.status = if complete {
            LineStatus::Shipped
        } else {
            LineStatus::PartiallyShipped
        };
        line.shipped = shipped.into();
    }
    let open: Vec<&OrderLine> = order
        .lines
        .iter()
        .filter(|l| !matches!(l.status, LineStatus::Rejected | LineStatus::Cancelled))
        .collect();
    if open
        .iter()
        .any(|l| matches!(l.status, LineStatus::Shipped | LineStatus::PartiallyShipped))
    {
        order.status = if open.iter().all(|l| l.status == LineStatus::Shipped) {
            OrderStatus::Shipped
        } else {
            OrderStatus::PartiallyShipped
        };
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::x12::{Delimiters, Outgoing, SetWriter, interchange, parse};

    pub(crate) fn wrap(functional_id: &str, set: Vec<String>) -> String {
        interchange(
            &Outgoing {
                sender: "KEYSTONE",
                receiver: "PLANT3",
                control: 5,
                functional_id,
                at_ms: 1_780_308_000_000,
            },
            &[set],
            Delimiters::STANDARD,
        )
    }

    pub(crate) fn sample_855(po: &str) -> String {
        let mut w = SetWriter::new("855", "0001", Delimiters::STANDARD);
        w.segment(
            "BAK",
            &[
                "00",
                "AC",
                po,
                "20260601",
                "",
                "",
                "",
                "KS-SO-000007",
                "20260601",
            ],
        );
        w.segment("CUR", &["SE", "USD"]);
        w.segment("PO1", &["1", "3", "BX", "12.50", "PE", "VP", "KI-20020"]);
        w.segment("ACK", &["IA", "3", "BX", "068", "20260602"]);
        w.segment("PO1", &["2", "100", "EA", "0.0873", "PE", "VP", "KI-10010"]);
        w.segment("ACK", &["IA", "60", "EA", "068", "20260602"]);
        w.segment("ACK", &["IB", "40", "EA", "068", "20260610"]);
        w.segment("PO1", &["3", "5", "EA", "4.00", "PE", "VP", "KI-99999"]);
        w.segment("ACK", &["IR", "5", "EA"]);
        w.segment("CTT", &["3"]);
        wrap("PR", w.finish())
    }

    pub(crate) fn sample_856(po: &str) -> String {
        let mut w = SetWriter::new("856", "0001", Delimiters::STANDARD);
        w.segment("BSN", &["00", "KS-SH-000001", "20260602", "1000", "0001"]);
        w.segment("HL", &["1", "", "S"]);
        w.segment("TD5", &["B", "2", "UPSN", "M", "UPS Ground"]);
        w.segment("REF", &["CN", "1Z999AA10123456784"]);
        w.segment("DTM", &["011", "20260602"]);
        w.segment("DTM", &["017", "20260605"]);
        w.segment("HL", &["2", "1", "O"]);
        w.segment("PRF", &[po]);
        w.segment("HL", &["3", "2", "P"]);
        w.segment("MAN", &["GM", "000123456000000018"]);
        w.segment("HL", &["4", "3", "I"]);
        w.segment("LIN", &["", "VP", "KI-10010"]);
        w.segment("SN1", &["2", "60", "EA", "60", "100", "EA"]);
        w.segment("CTT", &["4"]);
        wrap("SH", w.finish())
    }

    #[test]
    fn the_855_sets_line_statuses_quantities_and_totals() {
        let x = parse(sample_855("PO-77").as_bytes()).expect("855");
        let order = read_855(&x.groups[0].sets[0], &x.envelope).expect("order");
        assert_eq!(order.order_id, "PO-77");
        assert_eq!(order.ack, AckStatus::AcceptedWithChanges);
        assert_eq!(order.status, OrderStatus::Confirmed);
        let statuses: Vec<LineStatus> = order.lines.iter().map(|l| l.status).collect();
        assert_eq!(
            statuses,
            [
                LineStatus::Accepted,
                LineStatus::Backordered,
                LineStatus::Rejected
            ]
        );
        let back = &order.lines[1];
        assert_eq!(
            (back.ordered.steps, back.ordered.unit.as_str()),
            (100, "C62")
        );
        assert_eq!(back.confirmed.steps, 100, "accepted now plus backordered");
        assert_eq!(back.line_total.minor, 873);
        assert_eq!(order.lines[2].cancelled.steps, 5);
        assert_eq!(order.lines[2].line_total.minor, 0);
        assert_eq!(order.totals.grand_total.minor, 3750 + 873);
        assert!(
            order
                .messages
                .iter()
                .any(|m| m.text.contains("KS-SO-000007"))
        );
        assert_eq!(
            back.promised_delivery.map(|w| w.earliest),
            x12::parse_date("20260610")
        );
    }

    #[test]
    fn an_855_without_po_number_names_bak03() {
        let text = sample_855("PO-77").replace("BAK*00*AC*PO-77*", "BAK*00*AC**");
        let x = parse(text.as_bytes()).expect("855");
        let e = read_855(&x.groups[0].sets[0], &x.envelope).expect_err("BAK03 missing");
        assert_eq!(
            (e.error.segment.as_str(), e.error.position, e.error.element),
            ("BAK", 2, Some(3))
        );
        assert_eq!(e.error.element_code.as_deref(), Some("1"));
        let text = sample_855("PO-77").replace("ACK*IB", "ACK*XX");
        let x = parse(text.as_bytes()).expect("855");
        let e = read_855(&x.groups[0].sets[0], &x.envelope).expect_err("bad ACK01");
        assert_eq!(
            (e.error.segment.as_str(), e.error.element_code.as_deref()),
            ("ACK", Some("7"))
        );
    }

    #[test]
    fn the_856_becomes_a_shipment_that_updates_the_order() {
        let x = parse(sample_856("PO-77").as_bytes()).expect("856");
        let s = read_856(&x.groups[0].sets[0]).expect("shipment");
        assert_eq!(s.shipment_id, "KS-SH-000001");
        assert_eq!(s.order_id, "PO-77");
        assert_eq!(s.carrier.as_deref(), Some("UPSN"));
        assert_eq!(s.tracking_number.as_deref(), Some("1Z999AA10123456784"));
        assert_eq!(s.packages, ["000123456000000018"]);
        assert_eq!(s.lines[0].quantity.steps, 60);
        assert_eq!(s.lines[0].outstanding.as_ref().map(|q| q.steps), Some(40));
        let x855 = parse(sample_855("PO-77").as_bytes()).expect("855");
        let mut order = read_855(&x855.groups[0].sets[0], &x855.envelope).expect("order");
        apply_shipments(&mut order, &[s]);
        assert_eq!(order.lines[1].status, LineStatus::PartiallyShipped);
        assert_eq!(order.lines[1].shipped.steps, 60);
        assert_eq!(order.status, OrderStatus::PartiallyShipped);
    }
}
