//! Ranking catalogue offers for a wanted quantity.
//!
//! An offer is what a supplier would charge for the wanted quantity today: the quantity
//! rounded up to the supplier's minimum and increment, the price tier that quantity reaches,
//! and the line total. Offers rank by unit price, then lead time, then stock. Prices are only
//! compared in the same currency and unit: an offer in another currency or unit is reported,
//! never converted.

use crate::contract::supplier::SupplierId;
use crate::contract::{CatalogItem, Money, Price, Quantity, StockStatus};
use mercato_sdk::exact::{self, Currency, RoundingMode};
use std::cmp::Ordering;

/// Decimal places used to compare unit prices with different bases.
const COMPARE_SCALE: u8 = 8;

/// One supplier's offer for the wanted quantity.
#[derive(Debug, Clone)]
pub struct Offer {
    /// Supplier.
    pub supplier: SupplierId,
    /// The catalogue item.
    pub item: CatalogItem,
    /// Quantity to order: the wanted quantity rounded up to the item's rules.
    pub quantity: Quantity,
    /// The tier price that quantity reaches.
    pub unit_price: Price,
    /// Price of the line.
    pub line_total: Money,
    /// Days until it ships: 0 when stock covers the quantity, else the supplier's lead time.
    pub ships_in_days: Option<u32>,
    /// Quantity on hand, where known.
    pub on_hand: Option<u64>,
    unit_price_compare: exact::Decimal,
}

/// Why an item could not be offered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferProblem {
    /// The item has no price tier for the wanted unit, or below the quantity.
    #[error("no price applies to {0}")]
    NoPrice(String),
    /// Priced in another currency; not converted.
    #[error("priced in {found}, wanted {wanted}; currencies are not converted")]
    CurrencyMismatch {
        /// Wanted currency.
        wanted: String,
        /// Offered currency.
        found: String,
    },
    /// Sold in another unit; not converted.
    #[error("sold per {found}, wanted {wanted}; units are not converted")]
    UnitMismatch {
        /// Wanted unit.
        wanted: String,
        /// Offered unit.
        found: String,
    },
    /// Data the supplier sent is not usable.
    #[error("unusable data: {0}")]
    Invalid(String),
}

/// The ranked offers and the items that could not be offered, with why.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    /// Best first.
    pub offers: Vec<Offer>,
    /// Items left out, by supplier and SKU.
    pub problems: Vec<(SupplierId, String, OfferProblem)>,
}

/// Rank every item of every supplier for `wanted` in `currency`.
pub fn rank<'a>(
    items: impl IntoIterator<Item = (&'a SupplierId, &'a CatalogItem)>,
    wanted: &exact::Quantity,
    currency: Currency,
) -> Ranking {
    let mut ranking = Ranking::default();
    for (supplier, item) in items {
        match offer(supplier, item, wanted, currency) {
            Ok(o) => ranking.offers.push(o),
            Err(p) => ranking
                .problems
                .push((supplier.clone(), item.ids.supplier_sku.clone(), p)),
        }
    }
    ranking.offers.sort_by(compare);
    ranking
}

fn compare(a: &Offer, b: &Offer) -> Ordering {
    a.unit_price_compare
        .cmp(&b.unit_price_compare)
        .then_with(|| {
            let days = |o: &Offer| o.ships_in_days.unwrap_or(u32::MAX);
            days(a).cmp(&days(b))
        })
        .then_with(|| b.on_hand.unwrap_or(0).cmp(&a.on_hand.unwrap_or(0)))
}

fn offer(
    supplier: &SupplierId,
    item: &CatalogItem,
    wanted: &exact::Quantity,
    currency: Currency,
) -> Result<Offer, OfferProblem> {
    let invalid = |e: exact::ExactError| OfferProblem::Invalid(e.to_string());
    if item.sale_unit != wanted.unit().code() {
        return Err(OfferProblem::UnitMismatch {
            wanted: wanted.unit().code().to_string(),
            found: item.sale_unit.clone(),
        });
    }
    let rules = item.rules.to_exact().map_err(invalid)?;
    let quantity = rules.smallest_valid_at_least(wanted).map_err(invalid)?;
    rules
        .check(&quantity)
        .map_err(|v| OfferProblem::NoPrice(format!("{quantity}: {v}")))?;

    let mut tiers = Vec::with_capacity(item.price_tiers.len());
    for t in &item.price_tiers {
        let price = t.unit_price.to_exact().map_err(invalid)?;
        if price.amount.is_negative() {
            return Err(OfferProblem::Invalid(format!(
                "a price below zero ({})",
                crate::display::price(&t.unit_price)
            )));
        }
        if price.currency != currency {
            return Err(OfferProblem::CurrencyMismatch {
                wanted: currency.code().to_string(),
                found: price.currency.code().to_string(),
            });
        }
        tiers.push(exact::PriceTier {
            min_quantity: t.min_quantity.to_exact().map_err(invalid)?,
            price,
        });
    }
    let tier = exact::tier_for(&tiers, &quantity)
        .ok_or_else(|| OfferProblem::NoPrice(quantity.to_string()))?;
    let line_total = tier
        .price
        .total_for(&quantity, RoundingMode::HalfUp)
        .map_err(invalid)?;
    let unit_price_compare = tier
        .price
        .per_basis_unit(COMPARE_SCALE, RoundingMode::HalfUp)
        .map_err(invalid)?;

    let availability = item.availability.as_ref();
    let on_hand = availability
        .and_then(|a| a.on_hand.as_ref())
        .filter(|q| q.unit == item.sale_unit && q.scale == quantity.scale())
        .map(|q| q.steps);
    let covered = on_hand.is_some_and(|n| n >= quantity.steps());
    let ships_in_days = match availability {
        Some(a) if matches!(a.status, StockStatus::InStock | StockStatus::Limited) && covered => {
            Some(0)
        }
        Some(a) if matches!(a.status, StockStatus::Discontinued) => None,
        Some(a) => a.lead_time_days,
        None => None,
    };
    Ok(Offer {
        supplier: supplier.clone(),
        item: item.clone(),
        quantity: Quantity::from(&quantity),
        unit_price: Price {
            currency: tier.price.currency.code().to_string(),
            amount: tier.price.amount.into(),
            basis: Quantity::from(&tier.price.basis),
        },
        line_total: line_total.into(),
        ships_in_days,
        on_hand,
        unit_price_compare,
    })
}
