//! What a client may spend, and what it has spent: the mandates of the host policy with each
//! budget's use this period, for `GET /v1/mandates` and `mercato mandates`.
//!
//! A client sees its own mandate; an approver, whose job is to watch budgets, sees every
//! client's. The view is computed by one function, [`mandate_view`], whether the desk reads
//! its ledger for a running server or `mercato mandates` reads the ledger file directly.

use super::{DeskError, OrderDesk};
use crate::clients::Client;
use crate::contract::Timestamp;
use crate::ledger::{Ledger, LedgerError};
use crate::mandate::{ItemRule, Mandate, Used};
use crate::wire::Money;
use mercato_sdk::exact;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `GET /v1/mandates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MandatesResponse {
    /// The caller's mandate, or every client's for an approver; by client id.
    pub mandates: Vec<MandateView>,
}

/// One client's spend mandate and its budget this period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MandateView {
    /// The client it binds.
    pub client: String,
    /// The mandate's id.
    pub mandate: String,
    /// The person or role who granted it.
    pub principal: String,
    /// Suppliers it may buy from; empty: any.
    pub suppliers: Vec<String>,
    /// Items it may buy; empty: any.
    pub items: Vec<ItemRuleView>,
    /// Ship-to location ids it may deliver to; empty: any.
    pub ship_to: Vec<String>,
    /// Most one order may cost.
    pub max_per_order: Money,
    /// The budget per period, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<MandateBudget>,
    /// Orders above this total wait for a person's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_above: Option<Money>,
    /// Most a unit price may rise over the quote, in basis points.
    pub price_tolerance_bp: u32,
    /// Whether orders must accept a firm quote.
    pub require_firm_quote: bool,
    /// What happens to an order the supplier placed beyond the tolerance: `cancel` or
    /// `escalate`.
    pub on_drift: String,
    /// Valid from (milliseconds since the Unix epoch, inclusive).
    pub not_before_ms: i64,
    /// Valid until (milliseconds since the Unix epoch, exclusive).
    pub not_after_ms: i64,
}

/// Items a mandate allows: one documented shape for every variant, its `kind` and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemRuleView {
    /// This supplier SKU.
    Sku {
        /// The SKU.
        sku: String,
    },
    /// This GTIN.
    Gtin {
        /// The GTIN.
        gtin: String,
    },
    /// Items of this category.
    Category {
        /// The category code.
        category: String,
    },
}

/// A mandate's budget this period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MandateBudget {
    /// Spent plus reserved may not exceed this.
    pub limit: Money,
    /// `day`, `week`, `month`, `quarter`, `year` or `lifetime` (calendar periods in UTC).
    pub period: String,
    /// Most orders per period, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orders: Option<u32>,
    /// Committed this period (orders placed at their cost, in flight at their cap); absent
    /// when the ledger could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed: Option<Money>,
    /// Orders placed or in flight this period; absent with `committed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<u32>,
    /// What is left of the limit; absent with `committed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<Money>,
}

/// `client`'s mandate `m` as the API shows it, with its budget's use this period if known.
pub fn mandate_view(client: &str, m: &Mandate, used: Option<&Used>) -> MandateView {
    let word = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    MandateView {
        client: client.to_string(),
        mandate: m.id.clone(),
        principal: m.principal.clone(),
        suppliers: m.suppliers.clone(),
        items: m
            .items
            .iter()
            .map(|i| match i {
                ItemRule::Sku(sku) => ItemRuleView::Sku { sku: sku.clone() },
                ItemRule::Gtin(gtin) => ItemRuleView::Gtin { gtin: gtin.clone() },
                ItemRule::Category(category) => ItemRuleView::Category {
                    category: category.clone(),
                },
            })
            .collect(),
        ship_to: m.ship_to.clone(),
        max_per_order: m.max_per_order.into(),
        budget: m.budget.as_ref().map(|b| {
            let left = used.map(|u| {
                let minor = b.limit.minor().saturating_sub(u.amount.minor());
                Money::from(exact::Money::new(b.limit.currency(), minor))
            });
            MandateBudget {
                limit: b.limit.into(),
                period: word(serde_json::to_value(b.period)),
                max_orders: b.max_orders,
                committed: used.map(|u| u.amount.into()),
                orders: used.map(|u| u.orders),
                left,
            }
        }),
        approval_above: m.approval_above.map(Into::into),
        price_tolerance_bp: m.price_tolerance_bp,
        require_firm_quote: m.require_firm_quote,
        on_drift: word(serde_json::to_value(m.on_drift)),
        not_before_ms: m.not_before,
        not_after_ms: m.not_after,
    }
}

/// The mandates of `clients` in client order, each with its budget's use this period read
/// from `ledger` (none without one). The server's answer and `mercato mandates`'s local
/// mode are both this.
pub fn mandates_of(
    clients: impl IntoIterator<Item = Arc<Client>>,
    ledger: Option<&dyn Ledger>,
    now: Timestamp,
) -> Result<MandatesResponse, LedgerError> {
    let mut bound: Vec<(String, Arc<Mandate>)> = clients
        .into_iter()
        .filter_map(|c| c.mandate.clone().map(|m| (c.id.to_string(), m)))
        .collect();
    bound.sort_by(|a, b| a.0.cmp(&b.0));
    let mut mandates = Vec::with_capacity(bound.len());
    for (client, m) in &bound {
        let used = match (ledger, &m.budget) {
            (Some(l), Some(b)) => Some(l.used(&m.id, b.period.start(now), b.limit.currency())?),
            _ => None,
        };
        mandates.push(mandate_view(client, m, used.as_ref()));
    }
    Ok(MandatesResponse { mandates })
}

impl OrderDesk {
    /// The mandates `caller` may see, each with its budget's use this period: its own, or
    /// every client's for an approver.
    pub async fn mandates(&self, caller: &Client) -> Result<MandatesResponse, DeskError> {
        let visible: Vec<Arc<Client>> = self
            .clients()
            .all()
            .into_iter()
            .filter(|c| caller.approver || c.id == caller.id)
            .collect();
        let now = self.now();
        self.staged(move |l| mandates_of(visible, Some(l), now))
            .await
    }
}
