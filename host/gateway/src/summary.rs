//! What an answer holds, in a sentence or a few short lines: the text part of an MCP tool's
//! result, so a model reads who answered, the best offer or the order's status without
//! parsing the structured answer twice.

use super::api::{
    ApprovalView, ApprovalsResponse, FanOutResponse, MandatesResponse, OffersResponse,
    SuppliersResponse,
};
use crate::display;
use crate::wire::{
    AvailabilityAnswer, CancelOutcome, Capability, CatalogItem, Invoice, Order, Quote,
    ReturnAuthorization, SearchPage, Shipment,
};

/// What an answer holds, in a sentence or a few short lines.
pub trait Summary {
    /// The summary.
    fn summary(&self) -> String;
}

impl Summary for SuppliersResponse {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .suppliers
            .iter()
            .map(|s| {
                let can = |c| s.capabilities.contains(&c);
                let sells = if can(Capability::PlaceOrder) {
                    "quotes and orders"
                } else if can(Capability::InstantQuote) || can(Capability::AsyncQuote) {
                    "quotes only"
                } else {
                    "catalogue only"
                };
                format!(
                    "{} ({sells}; {}; ships to {})",
                    s.supplier,
                    s.currencies.join("/"),
                    s.ship_to_countries.join("/")
                )
            })
            .collect();
        format!("{} suppliers: {}.", self.suppliers.len(), each.join(", "))
    }
}

/// The tail every fan-out summary shares: who failed and who was not asked.
fn fan_out_tail<T>(f: &FanOutResponse<T>) -> String {
    let mut tail = String::new();
    if !f.errors.is_empty() {
        let failed: Vec<String> = f
            .errors
            .iter()
            .map(|e| format!("{} ({})", e.supplier, e.error.code.as_str()))
            .collect();
        tail.push_str(&format!(" Failed: {}.", failed.join(", ")));
    }
    if !f.skipped.is_empty() {
        let skipped: Vec<&str> = f.skipped.iter().map(|s| s.supplier.as_str()).collect();
        tail.push_str(&format!(" Not asked: {}.", skipped.join(", ")));
    }
    tail
}

impl Summary for FanOutResponse<SearchPage> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .answers
            .iter()
            .map(|a| {
                let more = if a.answer.next_cursor.is_some() {
                    ", more pages"
                } else {
                    ""
                };
                format!("{} {}{more}", a.supplier, a.answer.items.len())
            })
            .collect();
        let total: usize = self.answers.iter().map(|a| a.answer.items.len()).sum();
        format!(
            "{total} items ({}).{} Items are in structured content under answers[].answer.items.",
            each.join(", "),
            fan_out_tail(self)
        )
    }
}

impl Summary for OffersResponse {
    fn summary(&self) -> String {
        let best = match self.offers.first() {
            Some(o) => format!(
                "Best: {} \"{}\" from {} — {} for {}{}.",
                o.item.ids.supplier_sku,
                display::truncate(&o.item.title, 60),
                o.supplier,
                display::money(&o.line_total),
                display::quantity(&o.quantity),
                if o.orderable {
                    ""
                } else {
                    " (this supplier does not take orders)"
                }
            ),
            None => "No offer matched.".to_string(),
        };
        let mut s = format!(
            "{best} {} offers ranked, {} orderable; {} items left out.",
            self.offers.len(),
            self.offers.iter().filter(|o| o.orderable).count(),
            self.problems.len()
        );
        if !self.truncated.is_empty() {
            s.push_str(&format!(
                " More items not looked at from: {}.",
                self.truncated.join(", ")
            ));
        }
        s
    }
}

impl Summary for FanOutResponse<Quote> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .answers
            .iter()
            .map(|a| {
                let q = &a.answer;
                let until = q
                    .valid_until
                    .map(|t| format!(", valid until {} UTC", display::date_time(t)))
                    .unwrap_or_default();
                format!(
                    "{}: quote {} ({}), {}{until}",
                    a.supplier,
                    q.quote_id,
                    display::label(&q.status),
                    display::money(&q.totals.grand_total)
                )
            })
            .collect();
        format!("{}.{}", each.join("; "), fan_out_tail(self))
    }
}

impl Summary for Order {
    fn summary(&self) -> String {
        format!(
            "Order {} (PO {}): {}, acknowledgement {}, total {}.",
            self.order_id,
            self.buyer_po,
            display::label(&self.status),
            display::label(&self.ack),
            display::money(&self.totals.grand_total)
        )
    }
}

impl Summary for CancelOutcome {
    fn summary(&self) -> String {
        format!(
            "Cancellation {}; the order is now {}.",
            display::label(&self.status),
            display::label(&self.order.status)
        )
    }
}

impl Summary for FanOutResponse<Vec<CatalogItem>> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .answers
            .iter()
            .map(|a| format!("{} {}", a.supplier, a.answer.len()))
            .collect();
        format!("Items found: {}.{}", each.join(", "), fan_out_tail(self))
    }
}

impl Summary for FanOutResponse<Vec<AvailabilityAnswer>> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .answers
            .iter()
            .map(|a| format!("{} answered for {} items", a.supplier, a.answer.len()))
            .collect();
        format!("{}.{}", each.join("; "), fan_out_tail(self))
    }
}

impl Summary for Quote {
    fn summary(&self) -> String {
        let until = self
            .valid_until
            .map(|t| format!(", valid until {} UTC", display::date_time(t)))
            .unwrap_or_default();
        format!(
            "Quote {} ({}), {}{until}.",
            self.quote_id,
            display::label(&self.status),
            display::money(&self.totals.grand_total)
        )
    }
}

impl Summary for Vec<Shipment> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .iter()
            .map(|s| {
                let tracking = s
                    .tracking_number
                    .as_deref()
                    .map(|t| format!(", tracking {t}"))
                    .unwrap_or_default();
                format!(
                    "{} ({}{tracking})",
                    s.shipment_id,
                    display::label(&s.status)
                )
            })
            .collect();
        match each.len() {
            0 => "No shipments yet.".to_string(),
            n => format!("{n} shipments: {}.", each.join(", ")),
        }
    }
}

impl Summary for Vec<Invoice> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .iter()
            .map(|i| {
                let kind = if i.is_credit_note {
                    "credit note"
                } else {
                    "invoice"
                };
                format!(
                    "{kind} {} ({}), {}",
                    i.invoice_id,
                    display::label(&i.status),
                    display::money(&i.totals.grand_total)
                )
            })
            .collect();
        match each.len() {
            0 => "No invoices yet.".to_string(),
            n => format!("{n} documents: {}.", each.join(", ")),
        }
    }
}

impl Summary for ReturnAuthorization {
    fn summary(&self) -> String {
        format!("Return {}: {}.", self.rma_id, display::label(&self.status))
    }
}

impl Summary for MandatesResponse {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .mandates
            .iter()
            .map(|m| format!("{} ({})", m.mandate, m.client))
            .collect();
        format!("{} mandates: {}.", each.len(), each.join(", "))
    }
}

impl Summary for ApprovalView {
    fn summary(&self) -> String {
        let order = self
            .order_id
            .as_deref()
            .map(|o| format!(", order {o}"))
            .unwrap_or_default();
        format!(
            "Approval {} ({}): {}, {} from {}{order}.",
            self.id, self.kind, self.state, self.total_text, self.supplier
        )
    }
}

impl Summary for ApprovalsResponse {
    fn summary(&self) -> String {
        format!(
            "{} pending, {} decided lately.",
            self.approvals.len(),
            self.history.len()
        )
    }
}
