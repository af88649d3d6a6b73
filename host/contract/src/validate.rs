//! Host-side checks of what an adapter returns, before anyone downstream trusts it.
//!
//! An adapter may be buggy or hostile; it must not be able to answer about another order, in a
//! currency it does not trade in, at a negative price, with price breaks out of order, with
//! decimals out of range, or with totals that do not add up. Each check names the field that is
//! wrong and why; a failed check turns the result into
//! `CallError::InvalidOutput` in the runtime. These are the rules the
//! conformance suite holds an adapter to, applied on every call; the suite reuses them. Field
//! paths are built with `format_args!`, so they are only formatted when a check fails.

use crate::*;
use mercato_sdk::exact::{Currency, ExactError, RoundingMode};
use mercato_sdk::gtin::Gtin;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

/// Why an output is refused: the field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// Where in the answer (`items[2].price-tiers[1].unit-price`, `quote Q-7 totals`).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

fn invalid(field: impl fmt::Display, reason: impl Into<String>) -> Invalid {
    Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// What an adapter declared about itself, for the checks.
pub struct Declared<'a> {
    /// Currencies it trades in.
    pub currencies: &'a [String],
}

fn currency(code: &str, declared: &Declared<'_>, field: impl fmt::Display) -> Result<(), Invalid> {
    Currency::parse(code).map_err(|e| invalid(&field, e.to_string()))?;
    if code.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(invalid(
            field,
            format!("currency {code:?} is not upper case"),
        ));
    }
    if !declared.currencies.iter().any(|c| c == code) {
        return Err(invalid(
            field,
            format!(
                "currency {code} is not one the adapter declared ({})",
                declared.currencies.join(", ")
            ),
        ));
    }
    Ok(())
}

fn same_currency(m: &Money, doc: &str, field: impl fmt::Display) -> Result<(), Invalid> {
    if m.currency != doc {
        return Err(invalid(
            field,
            format!("in {} but the document is in {doc}", m.currency),
        ));
    }
    Ok(())
}

/// A price: in the document's currency (when there is one), not negative, for a positive
/// quantity, with the amount's and the basis's decimal scales in range.
pub fn price(p: &Price, doc: Option<&str>, field: impl fmt::Display) -> Result<(), Invalid> {
    if let Some(doc) = doc
        && p.currency != doc
    {
        return Err(invalid(
            field,
            format!("in {} but the document is in {doc}", p.currency),
        ));
    }
    if p.amount.mantissa < 0 {
        return Err(invalid(
            field,
            format!("a negative price ({})", p.amount.mantissa),
        ));
    }
    if p.basis.steps == 0 {
        return Err(invalid(field, "a price for zero units"));
    }
    p.to_exact()
        .map(drop)
        .map_err(|e| invalid(field, e.to_string()))
}

/// Price breaks ascend strictly by minimum quantity, in one unit, at valid prices.
pub fn price_tiers(tiers: &[PriceTier], field: impl fmt::Display) -> Result<(), Invalid> {
    for (n, t) in tiers.iter().enumerate() {
        price(&t.unit_price, None, format_args!("{field}[{n}].unit-price"))?;
        t.min_quantity
            .to_exact()
            .map_err(|e| invalid(format_args!("{field}[{n}].min-quantity"), e.to_string()))?;
    }
    for (n, pair) in tiers.windows(2).enumerate() {
        let (low, high) = (&pair[0].min_quantity, &pair[1].min_quantity);
        let order = low
            .to_exact()
            .and_then(|l| l.compare(&high.to_exact()?))
            .map_err(|e| {
                invalid(
                    format_args!("{field}[{}].min-quantity", n + 1),
                    format!("cannot be compared with [{n}]: {e}"),
                )
            })?;
        if order != Ordering::Less {
            return Err(invalid(
                format_args!("{field}[{}].min-quantity", n + 1),
                format!(
                    "{} {} is not above [{n}]'s {} {}; tiers must ascend by min-quantity",
                    high.steps, high.unit, low.steps, low.unit
                ),
            ));
        }
    }
    Ok(())
}

/// A line total is the unit price times `quantity`, rounded once (either way) by the supplier,
/// and not negative. A price per another unit than the quantity's cannot be checked here.
pub fn line_total(
    unit_price: &Price,
    quantity: &Quantity,
    total: &Money,
    field: impl fmt::Display,
) -> Result<(), Invalid> {
    let (low, high) = match line_bounds(unit_price, quantity) {
        Ok(b) => b,
        Err(ExactError::UnitMismatch { .. }) => (0, i64::MAX),
        Err(e) => return Err(invalid(field, e.to_string())),
    };
    if total.minor < low.max(0) || total.minor > high {
        let expected = if low == high {
            low.to_string()
        } else {
            format!("{low}–{high}")
        };
        return Err(invalid(
            field,
            format!("{} is not unit price × quantity ({expected})", total.minor),
        ));
    }
    Ok(())
}

fn line_bounds(p: &Price, q: &Quantity) -> Result<(i64, i64), ExactError> {
    let (p, q) = (p.to_exact()?, q.to_exact()?);
    Ok((
        p.total_for(&q, RoundingMode::Floor)?.minor(),
        p.total_for(&q, RoundingMode::Ceiling)?.minor(),
    ))
}

/// The line totals add up to `totals.lines`.
pub fn lines_sum<'a>(
    mut line_totals: impl Iterator<Item = &'a Money>,
    totals: &Totals,
    field: impl fmt::Display,
) -> Result<(), Invalid> {
    let sum = line_totals
        .try_fold(0i64, |acc, m| acc.checked_add(m.minor))
        .ok_or_else(|| invalid(&field, "line totals overflow"))?;
    if sum != totals.lines.minor {
        return Err(invalid(
            field,
            format!(
                "line totals add up to {sum} but totals.lines is {}",
                totals.lines.minor
            ),
        ));
    }
    Ok(())
}

fn totals(t: &Totals, doc: &str, field: impl fmt::Display) -> Result<(), Invalid> {
    for (name, m, sign) in [
        ("lines", &t.lines, 1),
        ("discounts", &t.discounts, -1),
        ("shipping", &t.shipping, 1),
        ("tax", &t.tax, 1),
        ("fees", &t.fees, 1),
        ("grand-total", &t.grand_total, 1),
    ] {
        same_currency(m, doc, format_args!("{field} totals.{name}"))?;
        if m.minor.signum() == -sign {
            let must = if sign > 0 { "negative" } else { "positive" };
            return Err(invalid(
                format_args!("{field} totals.{name}"),
                format!(
                    "{must} ({}); discounts are negative, everything else is not",
                    m.minor
                ),
            ));
        }
    }
    let tax = if t.tax_included { 0 } else { t.tax.minor };
    let sum = [
        t.lines.minor,
        t.discounts.minor,
        t.shipping.minor,
        t.fees.minor,
        tax,
    ]
    .iter()
    .try_fold(0i64, |acc, v| acc.checked_add(*v))
    .ok_or_else(|| invalid(format_args!("{field} totals"), "overflow"))?;
    if sum != t.grand_total.minor {
        return Err(invalid(
            format_args!("{field} totals"),
            format!(
                "do not add up: lines {} + discounts {} + shipping {} + fees {} + tax {} = {sum}, grand total says {}",
                t.lines.minor,
                t.discounts.minor,
                t.shipping.minor,
                t.fees.minor,
                tax,
                t.grand_total.minor
            ),
        ));
    }
    Ok(())
}

fn line_ids<'a>(
    answered: impl Iterator<Item = &'a str>,
    asked: &BTreeSet<&str>,
    field: impl fmt::Display,
) -> Result<(), Invalid> {
    for id in answered {
        if !asked.contains(id) {
            return Err(invalid(
                &field,
                format!("line {id:?} was not in the request"),
            ));
        }
    }
    Ok(())
}

fn item(i: &CatalogItem, n: usize, d: &Declared<'_>) -> Result<(), Invalid> {
    let sku = &i.ids.supplier_sku;
    if sku.trim().is_empty() {
        return Err(invalid(
            format_args!("items[{n}].ids.supplier-sku"),
            "empty",
        ));
    }
    if let Some(g) = &i.ids.gtin {
        let field = format_args!("items[{n}] ({sku}).ids.gtin");
        let parsed = Gtin::parse(g).map_err(|e| invalid(field, e.to_string()))?;
        if parsed.as_str() != g {
            return Err(invalid(
                field,
                format!("{g} is not normalised to 14 digits"),
            ));
        }
    }
    for (t, tier) in i.price_tiers.iter().enumerate() {
        currency(
            &tier.unit_price.currency,
            d,
            format_args!("items[{n}] ({sku}).price-tiers[{t}].unit-price"),
        )?;
    }
    price_tiers(
        &i.price_tiers,
        format_args!("items[{n}] ({sku}).price-tiers"),
    )
}

/// `search`.
pub fn search(page: &SearchPage, q: &SearchQuery, d: &Declared<'_>) -> Result<(), Invalid> {
    let max = usize::try_from(q.page_size.max(1)).unwrap_or(usize::MAX);
    if page.items.len() > max {
        return Err(invalid(
            "items",
            format!(
                "{} items returned for a page of {}",
                page.items.len(),
                q.page_size
            ),
        ));
    }
    items(&page.items, d)
}

/// `get-items`.
pub fn items(items: &[CatalogItem], d: &Declared<'_>) -> Result<(), Invalid> {
    items
        .iter()
        .enumerate()
        .try_for_each(|(n, i)| item(i, n, d))
}

/// `check-availability`.
pub fn availability(
    answers: &[AvailabilityAnswer],
    asked: &[AvailabilityRequest],
) -> Result<(), Invalid> {
    let asked: BTreeSet<&str> = asked.iter().map(|l| l.line_id.as_str()).collect();
    line_ids(
        answers.iter().map(|a| a.line_id.as_str()),
        &asked,
        "availability",
    )
}

/// `request-quote` and `get-quote`.
pub fn quote(
    q: &Quote,
    asked_lines: Option<&[QuoteLineRequest]>,
    asked_currency: Option<&str>,
    d: &Declared<'_>,
) -> Result<(), Invalid> {
    let what = format!("quote {}", q.quote_id);
    currency(&q.currency, d, format_args!("{what} currency"))?;
    if let Some(c) = asked_currency
        && c != q.currency
    {
        return Err(invalid(
            format_args!("{what} currency"),
            format!("{} but {c} was asked for", q.currency),
        ));
    }
    if let Some(asked) = asked_lines {
        let asked: BTreeSet<&str> = asked.iter().map(|l| l.line_id.as_str()).collect();
        line_ids(q.lines.iter().map(|l| l.line_id.as_str()), &asked, &what)?;
    }
    for l in &q.lines {
        let line = format_args!("{what} line {}", l.line_id);
        same_currency(
            &l.line_total,
            &q.currency,
            format_args!("{line} line-total"),
        )?;
        price(
            &l.unit_price,
            Some(&q.currency),
            format_args!("{line} unit-price"),
        )?;
        line_total(
            &l.unit_price,
            &l.quantity,
            &l.line_total,
            format_args!("{line} line-total"),
        )?;
    }
    for c in &q.charges {
        same_currency(
            &c.amount,
            &q.currency,
            format_args!("{what} charge {}", c.label),
        )?;
    }
    lines_sum(q.lines.iter().map(|l| &l.line_total), &q.totals, &what)?;
    totals(&q.totals, &q.currency, &what)
}

/// `get-quote`: the answer is about the asked quote.
pub fn quote_about(q: &Quote, asked: &str) -> Result<(), Invalid> {
    if q.quote_id != asked {
        return Err(invalid(
            "quote-id",
            format!("quote {} was returned for {asked}", q.quote_id),
        ));
    }
    Ok(())
}

fn order_body(o: &Order, d: &Declared<'_>) -> Result<(), Invalid> {
    let what = format!("order {}", o.order_id);
    currency(&o.currency, d, format_args!("{what} currency"))?;
    for l in &o.lines {
        let line = format_args!("{what} line {}", l.line_id);
        same_currency(
            &l.line_total,
            &o.currency,
            format_args!("{line} line-total"),
        )?;
        price(
            &l.unit_price,
            Some(&o.currency),
            format_args!("{line} unit-price"),
        )?;
        // Whether a line's total is its price times its quantity is the order desk's fact
        // check (`desk::rules`), which alerts and cancels with the breach named; here only
        // what no answer may hold.
        if l.line_total.minor < 0 {
            return Err(invalid(
                format_args!("{line} line-total"),
                format!("negative ({})", l.line_total.minor),
            ));
        }
    }
    lines_sum(o.lines.iter().map(|l| &l.line_total), &o.totals, &what)?;
    totals(&o.totals, &o.currency, &what)
}

/// `place-order`: the answer is about this request's order.
pub fn placed(o: &Order, req: &OrderRequest, d: &Declared<'_>) -> Result<(), Invalid> {
    if o.buyer_po != req.buyer_po {
        return Err(invalid(
            format_args!("order {} buyer-po", o.order_id),
            format!(
                "an order for PO {} was returned for PO {}",
                o.buyer_po, req.buyer_po
            ),
        ));
    }
    if o.currency != req.max_total.currency {
        return Err(invalid(
            format_args!("order {} currency", o.order_id),
            format!(
                "order in {} for a ceiling in {}",
                o.currency, req.max_total.currency
            ),
        ));
    }
    let asked: BTreeSet<&str> = req.lines.iter().map(|l| l.line_id.as_str()).collect();
    line_ids(
        o.lines.iter().map(|l| l.line_id.as_str()),
        &asked,
        format_args!("order {}", o.order_id),
    )?;
    line_statuses(o)?;
    order_body(o, d)
}

/// A line's status agrees with its quantities: accepted as ordered means all of it is
/// confirmed; a rejected or cancelled line confirms nothing.
fn line_statuses(o: &Order) -> Result<(), Invalid> {
    for l in &o.lines {
        let confirmed = (l.confirmed.steps, l.confirmed.scale, &l.confirmed.unit);
        let ordered = (l.ordered.steps, l.ordered.scale, &l.ordered.unit);
        let wrong = match l.status {
            LineStatus::Accepted => confirmed != ordered,
            LineStatus::Rejected => l.confirmed.steps > 0,
            _ => false,
        };
        if wrong {
            return Err(invalid(
                format_args!("order {} line {} status", o.order_id, l.line_id),
                format!(
                    "{:?} but confirms {} of {}",
                    l.status, l.confirmed.steps, l.ordered.steps
                ),
            ));
        }
    }
    Ok(())
}

/// `get-order` and the order in a cancel outcome: the answer is about the asked order.
pub fn order_about(o: &Order, asked: &str, d: &Declared<'_>) -> Result<(), Invalid> {
    if o.order_id != asked && o.buyer_po != asked {
        return Err(invalid(
            "order-id",
            format!(
                "order {} (PO {}) was returned for {asked}",
                o.order_id, o.buyer_po
            ),
        ));
    }
    order_body(o, d)
}

/// `list-shipments`.
pub fn shipments(list: &[Shipment], order_id: &str) -> Result<(), Invalid> {
    match list.iter().find(|s| s.order_id != order_id) {
        Some(s) => Err(invalid(
            format_args!("shipment {} order-id", s.shipment_id),
            format!("of order {}, returned for order {order_id}", s.order_id),
        )),
        None => Ok(()),
    }
}

/// `list-invoices`.
pub fn invoices(list: &[Invoice], order_id: &str, d: &Declared<'_>) -> Result<(), Invalid> {
    for inv in list {
        let what = format!("invoice {}", inv.invoice_id);
        if inv.order_id != order_id {
            return Err(invalid(
                format_args!("{what} order-id"),
                format!("of order {}, returned for order {order_id}", inv.order_id),
            ));
        }
        let doc = &inv.totals.grand_total.currency;
        currency(doc, d, format_args!("{what} currency"))?;
        totals(&inv.totals, doc, &what)?;
    }
    Ok(())
}

/// `handle-inbound`: documents about orders are checked like orders.
pub fn inbound(result: &InboundResult, d: &Declared<'_>) -> Result<(), Invalid> {
    for event in &result.events {
        match event {
            OrderEvent::OrderUpdated(o) => order_body(o, d)?,
            OrderEvent::InvoiceIssued(inv) => {
                invoices(std::slice::from_ref(inv), &inv.order_id, d)?
            }
            OrderEvent::ShipmentUpdated(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(mantissa: i64, scale: u8) -> Price {
        Price {
            amount: Decimal { mantissa, scale },
            currency: "EUR".into(),
            basis: Quantity::pieces(1),
        }
    }

    fn tier(from: u64, mantissa: i64) -> PriceTier {
        PriceTier {
            min_quantity: Quantity::pieces(from),
            unit_price: eur(mantissa, 2),
            valid_until: None,
        }
    }

    #[test]
    fn prices_are_not_negative_and_scales_are_in_range() {
        assert!(price(&eur(150, 2), Some("EUR"), "p").is_ok());
        let e = price(&eur(-1, 2), Some("EUR"), "p").expect_err("negative");
        assert!(e.reason.contains("negative"), "{e}");
        let e = price(&eur(1, 19), None, "p").expect_err("scale 19");
        assert!(e.reason.contains("scale"), "{e}");
        assert!(price(&eur(1, 2), Some("USD"), "p").is_err());
    }

    #[test]
    fn tiers_ascend_strictly() {
        assert!(price_tiers(&[tier(1, 900), tier(10, 800)], "t").is_ok());
        for wrong in [
            vec![tier(10, 800), tier(1, 900)],
            vec![tier(5, 800), tier(5, 700)],
        ] {
            let e = price_tiers(&wrong, "t").expect_err("out of order");
            assert_eq!(e.field, "t[1].min-quantity");
        }
    }

    #[test]
    fn a_line_total_is_price_times_quantity_rounded_once() {
        let m = |minor| Money {
            currency: "EUR".into(),
            minor,
        };
        let third = Price {
            amount: Decimal {
                mantissa: 1000,
                scale: 2,
            },
            currency: "EUR".into(),
            basis: Quantity::pieces(3),
        };
        // 10.00 per 3 pieces, 1 piece: 3.33 or 3.34 depending on the supplier's rounding.
        for ok in [333, 334] {
            assert!(line_total(&third, &Quantity::pieces(1), &m(ok), "l").is_ok());
        }
        for wrong in [332, 335, -333] {
            assert!(line_total(&third, &Quantity::pieces(1), &m(wrong), "l").is_err());
        }
    }

    #[test]
    fn totals_have_their_signs() {
        let m = |minor| Money {
            currency: "EUR".into(),
            minor,
        };
        let good = Totals {
            lines: m(1000),
            discounts: m(-100),
            shipping: m(50),
            tax: m(0),
            fees: m(0),
            grand_total: m(950),
            tax_included: false,
        };
        assert!(totals(&good, "EUR", "q").is_ok());
        let positive_discount = Totals {
            discounts: m(100),
            grand_total: m(1150),
            ..good.clone()
        };
        let e = totals(&positive_discount, "EUR", "q").expect_err("discount above 0");
        assert_eq!(e.field, "q totals.discounts");
        let negative_shipping = Totals {
            shipping: m(-50),
            grand_total: m(850),
            ..good
        };
        assert!(totals(&negative_shipping, "EUR", "q").is_err());
    }
}
