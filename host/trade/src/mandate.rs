//! Spend mandates: what a machine client may buy, evaluated in deterministic code.
//!
//! Modelled on AP2 open mandates, ACP's delegated allowance and Amazon Business order
//! safeguards (see `../shared/design/spend-policy-draft.wit`): allowed suppliers, items or
//! categories and ship-to locations, a maximum per order, a budget per period with a maximum
//! order count, an approval threshold, a price tolerance, a firm-quote requirement and a
//! validity window. [`evaluate`] turns a mandate, an order's facts and the budget used so far
//! into [`Verdict::Allow`], [`Verdict::RequireApproval`] or [`Verdict::Deny`], each with a
//! typed [`Rule`] saying why. The verifying role is this code, never a model.

use crate::contract::Timestamp;
pub use crate::ledger::Used;
use mercato_sdk::exact::Money;
use time::{Date, Duration, Month, OffsetDateTime, Time};

/// A budget period. Periods are calendar periods in UTC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A calendar day.
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// January–March, April–June, …
    Quarter,
    /// A calendar year.
    Year,
    /// The mandate's whole life.
    Lifetime,
}

impl Period {
    /// When the period containing `at` began.
    pub fn start(self, at: Timestamp) -> Timestamp {
        let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000) else {
            return 0;
        };
        let date = t.date();
        let first = |d: Option<Date>| {
            d.map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
                .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as Timestamp)
                .unwrap_or(0)
        };
        match self {
            Period::Day => first(Some(date)),
            Period::Week => first(date.checked_sub(Duration::days(i64::from(
                date.weekday().number_days_from_monday(),
            )))),
            Period::Month => first(Date::from_calendar_date(date.year(), date.month(), 1).ok()),
            Period::Quarter => {
                let q = (u8::from(date.month()) - 1) / 3 * 3 + 1;
                first(
                    Month::try_from(q)
                        .ok()
                        .and_then(|m| Date::from_calendar_date(date.year(), m, 1).ok()),
                )
            }
            Period::Year => first(Date::from_calendar_date(date.year(), Month::January, 1).ok()),
            Period::Lifetime => 0,
        }
    }
}

/// A budget: at most `limit` per period, and at most `max_orders` orders in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Spent plus reserved may not exceed this.
    pub limit: Money,
    /// Over which period.
    pub period: Period,
    /// Most orders per period.
    pub max_orders: Option<u32>,
}

/// Which items a mandate allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRule {
    /// This supplier SKU.
    Sku(String),
    /// This GTIN.
    Gtin(String),
    /// A classification code starting with this prefix (UNSPSC, eCl@ss).
    Category(String),
}

/// What a machine client may buy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    /// Its id.
    pub id: String,
    /// The person or role who granted it.
    pub principal: String,
    /// Suppliers it may buy from; empty: any.
    pub suppliers: Vec<String>,
    /// Items it may buy; empty: any.
    pub items: Vec<ItemRule>,
    /// Ship-to location ids it may deliver to; empty: any.
    pub ship_to: Vec<String>,
    /// Most one order may cost.
    pub max_per_order: Money,
    /// Budget per period.
    pub budget: Option<Budget>,
    /// Above this total a person must approve.
    pub approval_above: Option<Money>,
    /// Most a unit price may drift from the quote, in basis points.
    pub price_tolerance_bp: u32,
    /// Orders must accept a firm quote.
    pub require_firm_quote: bool,
    /// What to do when the supplier's order drifts from the quote beyond the tolerance.
    pub on_drift: DriftAction,
    /// Valid from (inclusive).
    pub not_before: Timestamp,
    /// Valid until (exclusive).
    pub not_after: Timestamp,
}

impl Mandate {
    /// The mandate as JSON, amounts as `EUR 500.00`: what the ledger records of each mandate
    /// in force. (The API's view of a mandate is `desk::MandateView`.)
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|i| match i {
                ItemRule::Sku(s) => serde_json::json!({ "sku": s }),
                ItemRule::Gtin(g) => serde_json::json!({ "gtin": g }),
                ItemRule::Category(c) => serde_json::json!({ "category": c }),
            })
            .collect();
        serde_json::json!({
            "id": self.id,
            "principal": self.principal,
            "suppliers": self.suppliers,
            "items": items,
            "ship_to": self.ship_to,
            "max_per_order": self.max_per_order.to_string(),
            "budget": self.budget.as_ref().map(|b| serde_json::json!({
                "limit": b.limit.to_string(),
                "period": b.period,
                "max_orders": b.max_orders,
            })),
            "approval_above": self.approval_above.map(|a| a.to_string()),
            "price_tolerance_bp": self.price_tolerance_bp,
            "require_firm_quote": self.require_firm_quote,
            "on_drift": self.on_drift,
            "not_before": self.not_before,
            "not_after": self.not_after,
        })
    }
}

/// An item of an order, as the mandate sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemFacts {
    /// The order line.
    pub line_id: String,
    /// Supplier SKU, if known.
    pub sku: Option<String>,
    /// GTIN, if known.
    pub gtin: Option<String>,
    /// Classification codes, if known.
    pub categories: Vec<String>,
}

/// The quote an order accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteFacts {
    /// Firm (binding) or not.
    pub firm: bool,
    /// Until when it holds.
    pub valid_until: Option<Timestamp>,
}

/// What is being ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    /// The supplier.
    pub supplier: String,
    /// The items.
    pub items: Vec<ItemFacts>,
    /// The ship-to location id.
    pub ship_to: Option<String>,
    /// The most the order may cost (its max-total).
    pub total: Money,
    /// The accepted quote, if any.
    pub quote: Option<QuoteFacts>,
    /// Now.
    pub now: Timestamp,
}

/// The mandate rule that decided.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    thiserror::Error,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// Outside the mandate's validity window.
    #[error("the mandate is valid from {not_before} to {not_after} (ms since epoch)")]
    OutsideWindow {
        /// Valid from.
        not_before: Timestamp,
        /// Valid until.
        not_after: Timestamp,
    },
    /// The supplier is not allowed.
    #[error("supplier {supplier} is not allowed by the mandate")]
    SupplierNotAllowed {
        /// The supplier.
        supplier: String,
    },
    /// An item is not allowed.
    #[error("line {line_id} is not an item the mandate allows")]
    ItemNotAllowed {
        /// The line.
        line_id: String,
    },
    /// The ship-to location is not allowed.
    #[error("ship-to {ship_to} is not allowed by the mandate")]
    ShipToNotAllowed {
        /// The location (or `unnamed`).
        ship_to: String,
    },
    /// The order's currency is not the mandate's; nothing is converted.
    #[error("the order is in {found}; the mandate's limits are in {expected}")]
    Currency {
        /// The mandate's currency.
        expected: String,
        /// The order's.
        found: String,
    },
    /// Above the maximum per order.
    #[error("{total} is above the {max} per-order maximum")]
    MaxPerOrder {
        /// The order's total.
        total: String,
        /// The maximum.
        max: String,
    },
    /// The budget would be exceeded.
    #[error("{total} would take the budget past {limit} ({used} used this period)")]
    Budget {
        /// The order's total.
        total: String,
        /// Used so far.
        used: String,
        /// The limit.
        limit: String,
    },
    /// A unit price drifted from the quote by more than the mandate's tolerance.
    #[error(
        "line {line_id}: {actual} against {quoted} quoted is more than {tolerance_bp} bp of drift"
    )]
    PriceDrift {
        /// The line.
        line_id: String,
        /// The quoted unit price.
        quoted: String,
        /// The price expected or charged.
        actual: String,
        /// The tolerance.
        tolerance_bp: u32,
    },
    /// The client has no mandate: it may look and quote, not order.
    #[error("client has no spend mandate, so it may not place orders")]
    NoMandate,
    /// Too many orders this period.
    #[error("{max} orders per period are allowed and {used} were placed")]
    MaxOrders {
        /// The limit.
        max: u32,
        /// Used.
        used: u32,
    },
    /// The mandate needs a firm quote.
    #[error("the mandate requires accepting a firm quote")]
    FirmQuoteRequired,
    /// The quote has expired (allowing for clock skew).
    #[error("the quote expired at {valid_until} (ms since epoch)")]
    QuoteExpired {
        /// When it expired.
        valid_until: Timestamp,
    },
    /// Above the approval threshold.
    #[error("{total} is above {threshold}: a person must approve")]
    ApprovalThreshold {
        /// The order's total.
        total: String,
        /// The threshold.
        threshold: String,
    },
}

/// What the mandate says about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Park it until a person approves.
    RequireApproval(Rule),
    /// Refuse; nothing goes to the supplier.
    Deny(Rule),
}

/// What the host does with a placed order whose answer breaks what was agreed (prices
/// drifted from the quote, over the cap, totals that do not add up, another currency).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DriftAction {
    /// Cancel it at the supplier and answer `order-cancelled-by-host` with the breach; if the
    /// supplier refuses the cancel, hold it for a person as `Escalate` does.
    #[default]
    Cancel,
    /// Keep it, flag it for a person's review, and record it in the audit trail.
    Escalate,
}

/// Whether `actual` is more than `tolerance_bp` basis points above `quoted`, compared per
/// basis unit. Another currency or unit is always drift: nothing is converted.
pub fn drifted(
    quoted: &mercato_sdk::exact::UnitPrice,
    actual: &mercato_sdk::exact::UnitPrice,
    tolerance_bp: u32,
) -> bool {
    use mercato_sdk::exact::RoundingMode;
    if quoted.currency != actual.currency || quoted.basis.unit() != actual.basis.unit() {
        return true;
    }
    let per_unit = |p: &mercato_sdk::exact::UnitPrice| {
        p.per_basis_unit(8, RoundingMode::HalfUp)
            .ok()
            .and_then(|d| d.to_i128_scaled(8))
    };
    match (per_unit(quoted), per_unit(actual)) {
        (Some(q), Some(a)) => a * 10_000 > q * (10_000 + i128::from(tolerance_bp)),
        _ => true,
    }
}

/// Quotes count as expired this long before their `valid-until`, for clocks that differ.
pub const CLOCK_SKEW_MS: Timestamp = 30_000;

/// Evaluate `order` against `mandate` with `used` of the budget spent or reserved.
pub fn evaluate(mandate: &Mandate, order: &OrderFacts, used: Used) -> Verdict {
    match check(mandate, order, used) {
        Err(rule) => Verdict::Deny(rule),
        Ok(()) => match &mandate.approval_above {
            Some(t) if order.total.minor() > t.minor() => {
                Verdict::RequireApproval(Rule::ApprovalThreshold {
                    total: order.total.to_string(),
                    threshold: t.to_string(),
                })
            }
            _ => Verdict::Allow,
        },
    }
}

fn check(m: &Mandate, o: &OrderFacts, used: Used) -> Result<(), Rule> {
    if o.now < m.not_before || o.now >= m.not_after {
        return Err(Rule::OutsideWindow {
            not_before: m.not_before,
            not_after: m.not_after,
        });
    }
    if !m.suppliers.is_empty() && !m.suppliers.contains(&o.supplier) {
        return Err(Rule::SupplierNotAllowed {
            supplier: o.supplier.clone(),
        });
    }
    if !m.items.is_empty()
        && let Some(item) = o
            .items
            .iter()
            .find(|i| !m.items.iter().any(|r| allows(r, i)))
    {
        return Err(Rule::ItemNotAllowed {
            line_id: item.line_id.clone(),
        });
    }
    if !m.ship_to.is_empty() && !o.ship_to.as_ref().is_some_and(|s| m.ship_to.contains(s)) {
        return Err(Rule::ShipToNotAllowed {
            ship_to: o.ship_to.clone().unwrap_or_else(|| "unnamed".into()),
        });
    }
    if o.total.currency() != m.max_per_order.currency() {
        return Err(Rule::Currency {
            expected: m.max_per_order.currency().to_string(),
            found: o.total.currency().to_string(),
        });
    }
    if o.total.minor() > m.max_per_order.minor() {
        return Err(Rule::MaxPerOrder {
            total: o.total.to_string(),
            max: m.max_per_order.to_string(),
        });
    }
    match &o.quote {
        None if m.require_firm_quote => return Err(Rule::FirmQuoteRequired),
        Some(q) if m.require_firm_quote && !q.firm => return Err(Rule::FirmQuoteRequired),
        Some(QuoteFacts {
            valid_until: Some(until),
            ..
        }) if o.now + CLOCK_SKEW_MS >= *until => {
            return Err(Rule::QuoteExpired {
                valid_until: *until,
            });
        }
        _ => {}
    }
    if let Some(b) = &m.budget {
        if let Some(max) = b.max_orders
            && used.orders >= max
        {
            return Err(Rule::MaxOrders {
                max,
                used: used.orders,
            });
        }
        let after = used.amount.minor().saturating_add(o.total.minor());
        if after > b.limit.minor() {
            return Err(Rule::Budget {
                total: o.total.to_string(),
                used: used.amount.to_string(),
                limit: b.limit.to_string(),
            });
        }
    }
    Ok(())
}

fn allows(rule: &ItemRule, item: &ItemFacts) -> bool {
    match rule {
        ItemRule::Sku(s) => item.sku.as_ref() == Some(s),
        ItemRule::Gtin(g) => item.gtin.as_ref() == Some(g),
        ItemRule::Category(prefix) => item.categories.iter().any(|c| c.starts_with(prefix)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_sdk::exact::Currency;

    fn eur(minor: i64) -> Money {
        Money::new(Currency::parse("EUR").unwrap(), minor)
    }

    fn mandate() -> Mandate {
        Mandate {
            id: "m-1".into(),
            principal: "maintenance-lead@acme.example".into(),
            suppliers: vec!["voltaic".into(), "nordfast".into()],
            items: vec![
                ItemRule::Sku("VC-HN-M8-A2".into()),
                ItemRule::Category("3116".into()),
            ],
            ship_to: vec!["4012345000009".into()],
            max_per_order: eur(50_000),
            budget: Some(Budget {
                limit: eur(100_000),
                period: Period::Month,
                max_orders: Some(3),
            }),
            approval_above: Some(eur(20_000)),
            price_tolerance_bp: 200,
            require_firm_quote: true,
            on_drift: DriftAction::Cancel,
            not_before: 0,
            not_after: 10_000_000,
        }
    }

    fn order(total: i64) -> OrderFacts {
        OrderFacts {
            supplier: "voltaic".into(),
            items: vec![ItemFacts {
                line_id: "1".into(),
                sku: Some("VC-HN-M8-A2".into()),
                ..ItemFacts::default()
            }],
            ship_to: Some("4012345000009".into()),
            total: eur(total),
            quote: Some(QuoteFacts {
                firm: true,
                valid_until: Some(5_000_000),
            }),
            now: 1_000_000,
        }
    }

    fn fresh() -> Used {
        Used {
            amount: eur(0),
            orders: 0,
        }
    }

    #[test]
    fn each_rule_decides_with_its_reason() {
        let m = mandate();
        assert_eq!(evaluate(&m, &order(10_000), fresh()), Verdict::Allow);
        assert!(matches!(
            evaluate(&m, &order(30_000), fresh()),
            Verdict::RequireApproval(Rule::ApprovalThreshold { .. })
        ));
        let deny = |o: OrderFacts, used: Used| match evaluate(&m, &o, used) {
            Verdict::Deny(rule) => rule,
            other => panic!("expected a denial, got {other:?}"),
        };
        assert!(matches!(
            deny(order(60_000), fresh()),
            Rule::MaxPerOrder { .. }
        ));
        let spent = Used {
            amount: eur(95_000),
            orders: 1,
        };
        assert!(matches!(deny(order(10_000), spent), Rule::Budget { .. }));
        let many = Used {
            amount: eur(0),
            orders: 3,
        };
        assert!(matches!(
            deny(order(10), many),
            Rule::MaxOrders { max: 3, .. }
        ));
        let mut o = order(10);
        o.supplier = "hansa".into();
        assert!(matches!(deny(o, fresh()), Rule::SupplierNotAllowed { .. }));
        let mut o = order(10);
        o.items[0].sku = Some("OTHER".into());
        assert!(matches!(
            deny(o.clone(), fresh()),
            Rule::ItemNotAllowed { .. }
        ));
        o.items[0].categories = vec!["31161500".into()];
        assert_eq!(evaluate(&m, &o, fresh()), Verdict::Allow, "category prefix");
        let mut o = order(10);
        o.ship_to = Some("elsewhere".into());
        assert!(matches!(deny(o, fresh()), Rule::ShipToNotAllowed { .. }));
        let mut o = order(10);
        o.quote = Some(QuoteFacts {
            firm: false,
            valid_until: None,
        });
        assert_eq!(deny(o, fresh()), Rule::FirmQuoteRequired);
        let mut o = order(10);
        o.now = 5_000_000 - CLOCK_SKEW_MS;
        assert!(matches!(deny(o, fresh()), Rule::QuoteExpired { .. }));
        let mut o = order(10);
        o.now = 10_000_000;
        assert!(matches!(deny(o, fresh()), Rule::OutsideWindow { .. }));
        let mut o = order(10);
        o.total = Money::new(Currency::parse("USD").unwrap(), 10);
        assert!(matches!(deny(o, fresh()), Rule::Currency { .. }));
    }

    #[test]
    fn drift_is_measured_per_unit_against_the_tolerance() {
        use mercato_sdk::exact::{Decimal, Quantity, Unit, UnitPrice};
        let price = |amount: &str, per: u64| UnitPrice {
            currency: Currency::parse("EUR").unwrap(),
            amount: Decimal::parse(amount).unwrap(),
            basis: Quantity::new(per, Unit::parse("C62").unwrap(), 0).unwrap(),
        };
        let quoted = price("0.50", 1);
        assert!(
            !drifted(&quoted, &price("0.51", 1), 200),
            "2 % is within 200 bp"
        );
        assert!(drifted(&quoted, &price("0.52", 1), 200), "4 % is not");
        assert!(
            !drifted(&quoted, &price("50.00", 100), 0),
            "same price per 100"
        );
        assert!(
            !drifted(&quoted, &price("0.40", 1), 0),
            "cheaper is never drift"
        );
        let mut usd = price("0.50", 1);
        usd.currency = Currency::parse("USD").unwrap();
        assert!(drifted(&quoted, &usd, 10_000), "never converted");
    }

    #[test]
    fn periods_start_on_calendar_boundaries_in_utc() {
        // 2026-11-24 (a Tuesday) 15:30:00 UTC.
        let at = 1_795_534_200_000;
        let day = Period::Day.start(at);
        assert_eq!(day, 1_795_478_400_000, "2026-11-24 00:00");
        assert_eq!(
            Period::Week.start(at),
            day - 86_400_000,
            "Monday 2026-11-23"
        );
        assert_eq!(Period::Month.start(at), 1_793_491_200_000, "2026-11-01");
        assert_eq!(Period::Quarter.start(at), 1_790_812_800_000, "2026-10-01");
        assert_eq!(Period::Year.start(at), 1_767_225_600_000, "2026-01-01");
        assert_eq!(Period::Lifetime.start(at), 0);
    }
}
