//! Tables for people: one function per answer type of the API.

use comfy_table::{Cell, CellAlignment};
use mercato::display::{self, table};
use mercato::gateway::api::{
    ApprovalView, FanOutResponse, MandatesResponse, OffersResponse, Problem, SkippedSupplier,
    SupplierFailure,
};
use mercato::wire::{
    CancelOutcome, Invoice, Order, Quote, ReturnAuthorization, SearchPage, Shipment,
};
use std::fmt::Write as _;

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// Errors and skipped suppliers under a fan-out table.
fn footer(
    out: &mut String,
    errors: &[SupplierFailure],
    skipped: &[SkippedSupplier],
    elapsed_ms: u64,
) {
    for e in errors {
        let _ = writeln!(
            out,
            "  {} failed after {} ms: [{}] {}",
            e.supplier,
            e.elapsed_ms,
            e.error.code.as_str(),
            e.error.detail
        );
    }
    for s in skipped {
        let _ = writeln!(out, "  {} not asked: {}", s.supplier, s.detail);
    }
    let _ = writeln!(out, "  ({elapsed_ms} ms)");
}

/// `mercato search`.
pub fn search(r: &FanOutResponse<SearchPage>) -> String {
    let mut t = table(&["supplier", "sku", "title", "price", "stock", "lead days"]);
    for a in &r.answers {
        for i in &a.answer.items {
            let availability = i.availability.as_ref();
            t.add_row(vec![
                Cell::new(&a.supplier),
                Cell::new(&i.ids.supplier_sku),
                Cell::new(display::truncate(&i.title, 48)),
                right(
                    i.price_tiers
                        .first()
                        .map(|p| display::price(&p.unit_price))
                        .unwrap_or_default(),
                ),
                Cell::new(
                    availability
                        .map(|a| display::label(&a.status))
                        .unwrap_or_default(),
                ),
                right(
                    availability
                        .and_then(|a| a.lead_time_days)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ),
            ]);
        }
    }
    let mut out = format!("{t}\n");
    footer(&mut out, &r.errors, &r.skipped, r.elapsed_ms);
    out
}

/// `mercato offers`.
pub fn offers(r: &OffersResponse) -> String {
    let mut t = table(&[
        "#",
        "supplier",
        "sku",
        "title",
        "qty",
        "unit price",
        "line total",
        "ships in",
        "on hand",
    ]);
    for o in &r.offers {
        t.add_row(vec![
            right(o.rank.to_string()),
            Cell::new(&o.supplier),
            Cell::new(&o.item.ids.supplier_sku),
            Cell::new(display::truncate(&o.item.title, 40)),
            right(o.quantity.steps.to_string()),
            right(display::price(&o.unit_price)),
            right(display::money(&o.line_total)),
            right(
                o.ships_in_days
                    .map(|d| format!("{d} d"))
                    .unwrap_or_else(|| "?".into()),
            ),
            right(o.on_hand.map(|n| n.to_string()).unwrap_or_default()),
        ]);
    }
    let mut out = format!("{t}\n");
    for p in &r.problems {
        let _ = writeln!(out, "  {} {} left out: {}", p.supplier, p.sku, p.detail);
    }
    if !r.truncated.is_empty() {
        let _ = writeln!(
            out,
            "  more items than the pages looked at (not ranked): {}; try --max-pages",
            r.truncated.join(", ")
        );
    }
    footer(&mut out, &r.errors, &r.skipped, r.elapsed_ms);
    out
}

/// `mercato quote`.
pub fn quotes(r: &FanOutResponse<Quote>) -> String {
    let mut t = table(&[
        "supplier",
        "quote",
        "status",
        "valid until",
        "lines",
        "shipping",
        "tax",
        "total",
    ]);
    for a in &r.answers {
        let q = &a.answer;
        t.add_row(vec![
            Cell::new(&a.supplier),
            Cell::new(&q.quote_id),
            Cell::new(display::label(&q.status)),
            Cell::new(q.valid_until.map(display::date_time).unwrap_or_default()),
            right(display::money(&q.totals.lines)),
            right(display::money(&q.totals.shipping)),
            right(display::money(&q.totals.tax)),
            right(display::money(&q.totals.grand_total)),
        ]);
    }
    let mut out = format!("{t}\n");
    footer(&mut out, &r.errors, &r.skipped, r.elapsed_ms);
    out
}

/// `mercato order`, `mercato orders get`.
pub fn order(o: &Order) -> String {
    let mut out = format!(
        "order {} (PO {}): {}, acknowledged {}, total {}\n",
        o.order_id,
        o.buyer_po,
        display::label(&o.status),
        display::label(&o.ack),
        display::money(&o.totals.grand_total)
    );
    let mut t = table(&[
        "line",
        "sku",
        "ordered",
        "confirmed",
        "shipped",
        "unit price",
        "total",
        "status",
    ]);
    for l in &o.lines {
        t.add_row(vec![
            Cell::new(&l.line_id),
            Cell::new(&l.item.supplier_sku),
            right(l.ordered.steps.to_string()),
            right(l.confirmed.steps.to_string()),
            right(l.shipped.steps.to_string()),
            right(display::price(&l.unit_price)),
            right(display::money(&l.line_total)),
            Cell::new(display::label(&l.status)),
        ]);
    }
    let _ = writeln!(out, "{t}");
    for m in &o.messages {
        let _ = writeln!(out, "  {}: {}", m.code, m.text);
    }
    out
}

/// `mercato orders cancel`.
pub fn cancel(c: &CancelOutcome) -> String {
    format!(
        "cancellation {}\n{}",
        display::label(&c.status),
        order(&c.order)
    )
}

/// `mercato orders shipments`.
pub fn shipments(list: &[Shipment]) -> String {
    let mut t = table(&[
        "shipment", "status", "carrier", "tracking", "shipped", "lines",
    ]);
    for s in list {
        t.add_row(vec![
            Cell::new(&s.shipment_id),
            Cell::new(display::label(&s.status)),
            Cell::new(s.carrier.clone().unwrap_or_default()),
            Cell::new(s.tracking_number.clone().unwrap_or_default()),
            Cell::new(s.shipped_at.map(display::date_time).unwrap_or_default()),
            right(s.lines.len().to_string()),
        ]);
    }
    format!("{t}\n")
}

/// `mercato orders invoices`.
pub fn invoices(list: &[Invoice]) -> String {
    let mut t = table(&["invoice", "status", "issued", "due", "total", "credit note"]);
    for i in list {
        t.add_row(vec![
            Cell::new(&i.invoice_id),
            Cell::new(display::label(&i.status)),
            Cell::new(display::date(i.issued_at)),
            Cell::new(i.due_at.map(display::date).unwrap_or_default()),
            right(display::money(&i.totals.grand_total)),
            Cell::new(if i.is_credit_note { "yes" } else { "" }),
        ]);
    }
    format!("{t}\n")
}

/// `mercato orders return`.
pub fn return_authorization(r: &ReturnAuthorization) -> String {
    let mut out = format!("return {}: {}\n", r.rma_id, display::label(&r.status));
    if let Some(m) = &r.refund_estimate {
        let _ = writeln!(out, "  refund estimate {}", display::money(m));
    }
    if let Some(i) = &r.instructions {
        let _ = writeln!(out, "  {i}");
    }
    out
}

/// `mercato approvals`.
pub fn approvals(list: &[ApprovalView]) -> String {
    let mut t = table(&[
        "approval",
        "state",
        "client",
        "supplier",
        "PO",
        "total",
        "cap",
        "why",
        "budget left",
        "order",
    ]);
    for a in list {
        t.add_row(vec![
            Cell::new(&a.id),
            Cell::new(&a.state),
            Cell::new(&a.client),
            Cell::new(&a.supplier),
            Cell::new(&a.request.buyer_po),
            right(display::money(&a.total)),
            right(display::money(&a.cap)),
            Cell::new(
                a.rule
                    .as_ref()
                    .map(|r| r.to_string())
                    .or_else(|| a.breach.as_ref().map(|b| b.to_string()))
                    .unwrap_or_default(),
            ),
            right(
                a.budget
                    .as_ref()
                    .map(|b| display::money(&b.left))
                    .unwrap_or_default(),
            ),
            Cell::new(a.order_id.clone().unwrap_or_default()),
        ]);
    }
    format!("{t}\n")
}

/// `mercato mandates`.
pub fn mandates(r: &MandatesResponse) -> String {
    if r.mandates.is_empty() {
        return "No mandate binds this client.\n".to_string();
    }
    let mut t = table(&[
        "client",
        "mandate",
        "suppliers",
        "max/order",
        "budget",
        "used",
        "left",
        "orders",
        "approval above",
        "firm quote",
    ]);
    for m in &r.mandates {
        let budget = m.budget.as_ref();
        let money = |v: Option<&mercato::wire::Money>| v.map(display::money).unwrap_or_default();
        t.add_row(vec![
            Cell::new(&m.client),
            Cell::new(&m.mandate),
            Cell::new(if m.suppliers.is_empty() {
                "any".to_string()
            } else {
                m.suppliers.join(", ")
            }),
            right(display::money(&m.max_per_order)),
            Cell::new(
                budget
                    .map(|b| format!("{} / {}", display::money(&b.limit), b.period))
                    .unwrap_or_else(|| "none".to_string()),
            ),
            right(money(budget.and_then(|b| b.committed.as_ref()))),
            right(money(budget.and_then(|b| b.left.as_ref()))),
            right(
                budget
                    .and_then(|b| {
                        b.orders.map(|n| match b.max_orders {
                            Some(max) => format!("{n} of {max}"),
                            None => n.to_string(),
                        })
                    })
                    .unwrap_or_default(),
            ),
            right(money(m.approval_above.as_ref())),
            Cell::new(if m.require_firm_quote { "yes" } else { "no" }),
        ]);
    }
    format!("{t}\n")
}

/// A failure, for people.
pub fn problem(p: &Problem) -> String {
    let mut out = format!("error [{}] {}", p.code.as_str(), p.detail);
    if let Some(ms) = p.retry_after_ms {
        let _ = write!(out, " (retry after {ms} ms)");
    }
    out
}
