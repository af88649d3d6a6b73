//! The facts an order is judged on, gathered by the desk itself rather than taken from the
//! client: the quote it accepts (as the supplier returned it), or the supplier's catalogue
//! prices for what it orders, and the items as the mandate sees them.

use super::rules::{self, Cost};
use super::{DeskError, OrderDesk, Placement};
use crate::contract::supplier::Operation;
use crate::contract::{CatalogItem, ItemRef, Quote};
use crate::mandate::{ItemFacts, ItemRule};
use mercato_sdk::exact::Currency;

/// What the desk knows about an order before it is sent.
pub(super) struct Facts {
    /// The quote it accepts.
    pub quote: Option<Quote>,
    /// What it costs.
    pub cost: Cost,
    /// Its items, for the mandate's item rules.
    pub items: Vec<ItemFacts>,
}

impl OrderDesk {
    /// The quote or the catalogue prices, and the items.
    pub(super) async fn facts(&self, p: &Placement<'_>) -> Result<Facts, DeskError> {
        let quote = match &p.order.quote_id {
            Some(id) => Some(self.quote_for(p, id).await?),
            None => None,
        };
        let categories = p
            .mandate
            .items
            .iter()
            .any(|r| matches!(r, ItemRule::Category(_)));
        let catalogue = match (&quote, categories) {
            (None, _) => self.catalogue(p).await?,
            // Category rules read the catalogue; an item it cannot show has no categories,
            // so such a rule refuses it.
            (Some(_), true) => self.catalogue(p).await.unwrap_or_else(|e| {
                tracing::info!(error = %e, "items not looked up for the mandate's category rules");
                Vec::new()
            }),
            (Some(_), false) => Vec::new(),
        };
        let cost = match &quote {
            Some(q) => rules::cost_from_quote(q, &p.order.lines),
            None => {
                let currency = Currency::parse(&p.order.max_total.currency)
                    .map_err(|e| DeskError::BadRequest(format!("max_total.currency: {e}")))?;
                rules::cost_from_catalogue(&catalogue, &p.order.lines, currency)
            }
        }
        .map_err(DeskError::Cap)?;
        let items = p
            .order
            .lines
            .iter()
            .map(|l| item_facts(l, quote.as_ref(), &catalogue))
            .collect();
        Ok(Facts { quote, cost, items })
    }

    /// The ordered items as the supplier's catalogue lists them: one lookup for every line.
    async fn catalogue(&self, p: &Placement<'_>) -> Result<Vec<CatalogItem>, DeskError> {
        let refs: Vec<ItemRef> = p.order.lines.iter().map(|l| l.item.clone()).collect();
        let a = &p.mutation.adapter;
        match self
            .call(a, Operation::GetItems, &p.ctx, a.get_items(&p.ctx, &refs))
            .await
        {
            Ok(items) => Ok(items),
            // None of the items is known: each line's cost is unknown, said per line.
            Err(DeskError::Call {
                error:
                    crate::contract::supplier::CallError::Commerce(
                        crate::contract::CommerceError::NotFound(_),
                    ),
                ..
            }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The quote an order accepts, as the supplier returned it: from the ledger, or asked
    /// for again and kept.
    async fn quote_for(&self, p: &Placement<'_>, quote_id: &str) -> Result<Quote, DeskError> {
        let a = &p.mutation.adapter;
        let (supplier, id) = (a.supplier().to_string(), quote_id.to_string());
        if let Some(q) = self.staged(move |l| l.quote(&supplier, &id)).await? {
            return Ok(q);
        }
        let quote = self
            .call(
                a,
                Operation::GetQuote,
                &p.ctx,
                a.get_quote(&p.ctx, quote_id),
            )
            .await?;
        let (client, supplier, q, now) = (
            p.mutation.client.id.to_string(),
            a.supplier().to_string(),
            quote.clone(),
            self.now(),
        );
        self.staged(move |l| l.store_quote(&client, &supplier, &q, now))
            .await?;
        Ok(quote)
    }
}

/// One line as the mandate sees it: SKU and GTIN from the request, else the quote; its
/// classification codes as the supplier's catalogue states them.
fn item_facts(
    line: &crate::contract::OrderLineRequest,
    quote: Option<&Quote>,
    catalogue: &[CatalogItem],
) -> ItemFacts {
    let (mut sku, mut gtin) = match &line.item {
        ItemRef::Sku(s) => (Some(s.clone()), None),
        ItemRef::Gtin(g) => (None, Some(g.clone())),
        _ => (None, None),
    };
    if let Some(q) = quote.and_then(|q| q.lines.iter().find(|ql| ql.line_id == line.line_id)) {
        sku = sku.or_else(|| Some(q.item.supplier_sku.clone()));
        gtin = gtin.or_else(|| q.item.gtin.clone());
    }
    let categories = catalogue
        .iter()
        .filter(|i| {
            sku.as_ref() == Some(&i.ids.supplier_sku) || (gtin.is_some() && gtin == i.ids.gtin)
        })
        .flat_map(|i| i.classifications.iter().map(|c| c.code.clone()))
        .collect();
    ItemFacts {
        line_id: line.line_id.clone(),
        sku,
        gtin,
        categories,
    }
}
