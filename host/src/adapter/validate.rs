//! Host-side checks of what an adapter returns, before anyone downstream trusts it.
//!
//! An adapter may be buggy or hostile; it must not be able to answer about another order, in a
//! currency it does not trade in, with totals that do not add up, or with identifiers that are
//! not what they claim. Each check names what is wrong; a failed check turns the result into
//! [`CallError::InvalidOutput`](crate::CallError::InvalidOutput). Where a check is, is written
//! with `format_args!`: it is only formatted when the check fails, never on the hot path.

use crate::contract::*;
use mercato_sdk::exact::Currency;
use mercato_sdk::gtin::Gtin;
use std::collections::BTreeSet;
use std::fmt;

/// Why an output is refused.
pub type Invalid = String;

/// What an adapter declared about itself, for the checks.
pub struct Declared<'a> {
    /// Currencies it trades in.
    pub currencies: &'a [String],
}

fn currency(code: &str, declared: &Declared<'_>, what: impl fmt::Display) -> Result<(), Invalid> {
    Currency::parse(code).map_err(|e| format!("{what}: {e}"))?;
    if code.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(format!("{what}: currency {code:?} is not upper case"));
    }
    if !declared.currencies.iter().any(|c| c == code) {
        return Err(format!(
            "{what}: currency {code} is not one the adapter declared ({})",
            declared.currencies.join(", ")
        ));
    }
    Ok(())
}

fn same_currency(m: &Money, doc: &str, what: impl fmt::Display) -> Result<(), Invalid> {
    if m.currency != doc {
        return Err(format!(
            "{what} is in {} but the document is in {doc}",
            m.currency
        ));
    }
    Ok(())
}

fn totals(t: &Totals, doc: &str, what: impl fmt::Display) -> Result<(), Invalid> {
    for (name, m) in [
        ("lines", &t.lines),
        ("discounts", &t.discounts),
        ("shipping", &t.shipping),
        ("tax", &t.tax),
        ("fees", &t.fees),
        ("grand-total", &t.grand_total),
    ] {
        same_currency(m, doc, format_args!("{what} totals.{name}"))?;
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
    .ok_or_else(|| format!("{what} totals overflow"))?;
    if sum != t.grand_total.minor {
        return Err(format!(
            "{what} totals do not add up: lines {} + discounts {} + shipping {} + fees {} + tax {} = {sum}, grand total says {}",
            t.lines.minor,
            t.discounts.minor,
            t.shipping.minor,
            t.fees.minor,
            tax,
            t.grand_total.minor
        ));
    }
    Ok(())
}

fn line_ids<'a>(
    answered: impl Iterator<Item = &'a str>,
    asked: &BTreeSet<&str>,
    what: impl fmt::Display,
) -> Result<(), Invalid> {
    for id in answered {
        if !asked.contains(id) {
            return Err(format!("{what}: line {id:?} was not in the request"));
        }
    }
    Ok(())
}

fn item(i: &CatalogItem, d: &Declared<'_>) -> Result<(), Invalid> {
    let sku = &i.ids.supplier_sku;
    if sku.trim().is_empty() {
        return Err("an item has an empty supplier-sku".into());
    }
    if let Some(g) = &i.ids.gtin {
        let parsed = Gtin::parse(g).map_err(|e| format!("item {sku}: gtin: {e}"))?;
        if parsed.as_str() != g {
            return Err(format!(
                "item {sku}: gtin {g} is not normalised to 14 digits"
            ));
        }
    }
    for (n, t) in i.price_tiers.iter().enumerate() {
        currency(
            &t.unit_price.currency,
            d,
            format_args!("item {sku} price-tiers[{n}]"),
        )?;
        if t.unit_price.basis.steps == 0 {
            return Err(format!(
                "item {sku} price-tiers[{n}]: a price for zero units"
            ));
        }
    }
    Ok(())
}

/// `search`.
pub fn search(page: &SearchPage, q: &SearchQuery, d: &Declared<'_>) -> Result<(), Invalid> {
    let max = usize::try_from(q.page_size.max(1)).unwrap_or(usize::MAX);
    if page.items.len() > max {
        return Err(format!(
            "{} items returned for a page of {}",
            page.items.len(),
            q.page_size
        ));
    }
    page.items.iter().try_for_each(|i| item(i, d))
}

/// `get-items`.
pub fn items(items: &[CatalogItem], d: &Declared<'_>) -> Result<(), Invalid> {
    items.iter().try_for_each(|i| item(i, d))
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
    currency(&q.currency, d, &what)?;
    if let Some(c) = asked_currency
        && c != q.currency
    {
        return Err(format!("{what} is in {} but {c} was asked for", q.currency));
    }
    if let Some(asked) = asked_lines {
        let asked: BTreeSet<&str> = asked.iter().map(|l| l.line_id.as_str()).collect();
        line_ids(q.lines.iter().map(|l| l.line_id.as_str()), &asked, &what)?;
    }
    for l in &q.lines {
        same_currency(
            &l.line_total,
            &q.currency,
            format_args!("{what} line {}", l.line_id),
        )?;
        same_currency_price(
            &l.unit_price,
            &q.currency,
            format_args!("{what} line {}", l.line_id),
        )?;
    }
    for c in &q.charges {
        same_currency(
            &c.amount,
            &q.currency,
            format_args!("{what} charge {}", c.label),
        )?;
    }
    totals(&q.totals, &q.currency, &what)
}

fn same_currency_price(p: &Price, doc: &str, what: impl fmt::Display) -> Result<(), Invalid> {
    if p.currency != doc {
        return Err(format!(
            "{what} unit price is in {} but the document is in {doc}",
            p.currency
        ));
    }
    Ok(())
}

fn order_body(o: &Order, d: &Declared<'_>) -> Result<(), Invalid> {
    let what = format!("order {}", o.order_id);
    currency(&o.currency, d, &what)?;
    for l in &o.lines {
        same_currency(
            &l.line_total,
            &o.currency,
            format_args!("{what} line {}", l.line_id),
        )?;
        same_currency_price(
            &l.unit_price,
            &o.currency,
            format_args!("{what} line {}", l.line_id),
        )?;
    }
    totals(&o.totals, &o.currency, &what)
}

/// `place-order`: the answer is about this request's order.
pub fn placed(o: &Order, req: &OrderRequest, d: &Declared<'_>) -> Result<(), Invalid> {
    if o.buyer_po != req.buyer_po {
        return Err(format!(
            "an order for PO {} was returned for PO {}",
            o.buyer_po, req.buyer_po
        ));
    }
    if o.currency != req.max_total.currency {
        return Err(format!(
            "order in {} for a ceiling in {}",
            o.currency, req.max_total.currency
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
            return Err(format!(
                "order {} line {} is {:?} but confirms {} of {}",
                o.order_id, l.line_id, l.status, l.confirmed.steps, l.ordered.steps
            ));
        }
    }
    Ok(())
}

/// `get-order` and the order in a cancel outcome: the answer is about the asked order.
pub fn order_about(o: &Order, asked: &str, d: &Declared<'_>) -> Result<(), Invalid> {
    if o.order_id != asked && o.buyer_po != asked {
        return Err(format!(
            "order {} (PO {}) was returned for {asked}",
            o.order_id, o.buyer_po
        ));
    }
    order_body(o, d)
}

/// `list-shipments`.
pub fn shipments(list: &[Shipment], order_id: &str) -> Result<(), Invalid> {
    match list.iter().find(|s| s.order_id != order_id) {
        Some(s) => Err(format!(
            "shipment {} of order {} was returned for order {order_id}",
            s.shipment_id, s.order_id
        )),
        None => Ok(()),
    }
}

/// `list-invoices`.
pub fn invoices(list: &[Invoice], order_id: &str, d: &Declared<'_>) -> Result<(), Invalid> {
    for inv in list {
        if inv.order_id != order_id {
            return Err(format!(
                "invoice {} of order {} was returned for order {order_id}",
                inv.invoice_id, inv.order_id
            ));
        }
        let doc = &inv.totals.grand_total.currency;
        currency(doc, d, format_args!("invoice {}", inv.invoice_id))?;
        totals(&inv.totals, doc, format_args!("invoice {}", inv.invoice_id))?;
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
