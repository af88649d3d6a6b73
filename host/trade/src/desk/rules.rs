//! The desk's pure rules: what an order is known to cost, what its cap may be, and whether a
//! supplier's answer keeps to both. No I/O, no clock: every fact comes in as an argument, so
//! each rule is tested on its own.
//!
//! - [`cost_from_quote`] and [`cost_from_catalogue`]: the most an order can cost, from the
//!   quote it accepts or from the supplier's own catalogue prices, line by line.
//! - [`ceiling`]: the cap the desk enforces: the client's `max_total`, refused when it is not
//!   above zero, in another currency or below the cost, and lowered to the quote's total
//!   plus the mandate's price tolerance when the order accepts a quote.
//! - [`breach`]: the first way a supplier's order breaks the request, the quote or the
//!   ceiling.

use super::error::{Breach, CapRefusal};
use super::request::PlaceOrder;
use crate::contract::{CatalogItem, ItemRef, Order, OrderLineRequest, Quote};
use crate::mandate;
use mercato_sdk::exact::{self, Currency, RoundingMode};
use mercato_sdk::gtin::Gtin;
use std::cmp::Ordering;

/// Where an order's cost comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostSource {
    /// The quote it accepts, charges included.
    Quote(String),
    /// The supplier's catalogue prices for the quantities ordered (shipping and tax, which a
    /// catalogue does not state, are not in it).
    Catalogue,
}

impl std::fmt::Display for CostSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CostSource::Quote(id) => write!(f, "quote {id}"),
            CostSource::Catalogue => f.write_str("the supplier's catalogue prices"),
        }
    }
}

/// One line as priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCost {
    /// The order line.
    pub line_id: String,
    /// The item's title, as the supplier gives it.
    pub title: String,
    /// The quantity ordered.
    pub quantity: exact::Quantity,
    /// The unit price that applies to it.
    pub unit_price: exact::UnitPrice,
    /// Unit price × quantity.
    pub total: exact::Money,
}

/// What an order is known to cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    /// Where the figures come from.
    pub source: CostSource,
    /// Each line.
    pub lines: Vec<LineCost>,
    /// The lines and, from a quote, its charges.
    pub total: exact::Money,
}

fn unknown(line_id: &str, why: impl Into<String>) -> CapRefusal {
    CapRefusal::CostUnknown {
        line_id: line_id.to_string(),
        why: why.into(),
    }
}

/// The order's cost from the quote it accepts: each line must be a line of the quote, for
/// the quoted item; its cost is the quoted line total (or the quoted unit price times another
/// quantity). The quote's charges (shipping, tax, fees, discounts) count in full, or, when
/// only part of the quote is ordered, as far as they add to the cost.
pub fn cost_from_quote(quote: &Quote, lines: &[OrderLineRequest]) -> Result<Cost, CapRefusal> {
    let bad = |why: String| unknown("quote", format!("quote {}: {why}", quote.quote_id));
    let currency = Currency::parse(&quote.currency).map_err(|e| bad(e.to_string()))?;
    let mut priced = Vec::with_capacity(lines.len());
    let mut all_as_quoted = lines.len() == quote.lines.len();
    for line in lines {
        let quoted = quote
            .lines
            .iter()
            .find(|q| q.line_id == line.line_id)
            .ok_or_else(|| {
                unknown(
                    &line.line_id,
                    format!("quote {} has no line {}", quote.quote_id, line.line_id),
                )
            })?;
        if let ItemRef::Sku(sku) = &line.item
            && *sku != quoted.item.supplier_sku
        {
            return Err(unknown(
                &line.line_id,
                format!(
                    "quote {} line {} is for {}, not {sku}",
                    quote.quote_id, line.line_id, quoted.item.supplier_sku
                ),
            ));
        }
        let wrong = |e: exact::ExactError| unknown(&line.line_id, e.to_string());
        let unit_price = quoted.unit_price.to_exact().map_err(wrong)?;
        let quantity = line.quantity.to_exact().map_err(wrong)?;
        let same = quoted
            .quantity
            .to_exact()
            .ok()
            .and_then(|q| q.compare(&quantity).ok())
            == Some(Ordering::Equal);
        let total = if same {
            quoted.line_total.to_exact().map_err(wrong)?
        } else {
            all_as_quoted = false;
            unit_price
                .total_for(&quantity, RoundingMode::HalfUp)
                .map_err(wrong)?
        };
        if unit_price.amount.is_negative() || total.minor() < 0 {
            return Err(unknown(&line.line_id, "the quote prices it below zero"));
        }
        priced.push(LineCost {
            line_id: line.line_id.clone(),
            title: quoted.title.clone(),
            quantity,
            unit_price,
            total,
        });
    }
    let money = |m: &crate::contract::Money| m.to_exact().map_err(|e| bad(e.to_string()));
    let charges = money(&quote.totals.grand_total)?
        .checked_sub(money(&quote.totals.lines)?)
        .map_err(|e| bad(e.to_string()))?;
    // Ordering less than the quote may lose a discount, never add a charge.
    let charges = if all_as_quoted {
        charges
    } else {
        exact::Money::new(currency, charges.minor().max(0))
    };
    let total = exact::Money::sum(currency, priced.iter().map(|l| l.total))
        .and_then(|lines| lines.checked_add(charges))
        .map_err(|e| bad(e.to_string()))?;
    Ok(Cost {
        source: CostSource::Quote(quote.quote_id.clone()),
        lines: priced,
        total,
    })
}

/// Whether catalogue `item` is what `wanted` names.
fn names(wanted: &ItemRef, item: &CatalogItem) -> bool {
    let ids = &item.ids;
    match wanted {
        ItemRef::Sku(s) => ids.supplier_sku == *s,
        ItemRef::Gtin(g) => match (Gtin::parse(g), ids.gtin.as_deref().map(Gtin::parse)) {
            (Ok(a), Some(Ok(b))) => a.as_str() == b.as_str(),
            _ => false,
        },
        ItemRef::Mpn(m) => {
            ids.mpn.as_deref() == Some(m.mpn.as_str())
                && m.manufacturer
                    .as_ref()
                    .is_none_or(|want| ids.manufacturer.as_ref() == Some(want))
        }
        ItemRef::BuyerPart(p) => ids.buyer_part_id.as_deref() == Some(p.as_str()),
    }
}

/// The order's cost from the supplier's catalogue: each line's item, its tier price for the
/// quantity in `currency`, times the quantity. Shipping and tax are not in a catalogue, so
/// they are not in this cost; the supplier's answer is still held to the cap as a whole.
pub fn cost_from_catalogue(
    items: &[CatalogItem],
    lines: &[OrderLineRequest],
    currency: Currency,
) -> Result<Cost, CapRefusal> {
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        let id = &line.line_id;
        let item = items.iter().find(|i| names(&line.item, i)).ok_or_else(|| {
            unknown(
                id,
                "the supplier's catalogue does not list the item, so its price is unknown: \
                 check the item or request a quote",
            )
        })?;
        let wrong = |e: exact::ExactError| unknown(id, format!("unusable price data: {e}"));
        let quantity = line.quantity.to_exact().map_err(wrong)?;
        if item.sale_unit != quantity.unit().code() {
            return Err(unknown(
                id,
                format!(
                    "sold per {}, ordered in {}; units are not converted",
                    item.sale_unit,
                    quantity.unit()
                ),
            ));
        }
        let mut tiers = Vec::with_capacity(item.price_tiers.len());
        let mut other = None;
        for t in &item.price_tiers {
            let price = t.unit_price.to_exact().map_err(wrong)?;
            if price.amount.is_negative() {
                return Err(unknown(id, "the supplier lists a negative price"));
            }
            if price.currency != currency {
                other = Some(price.currency);
                continue;
            }
            tiers.push(exact::PriceTier {
                min_quantity: t.min_quantity.to_exact().map_err(wrong)?,
                price,
            });
        }
        if tiers.is_empty()
            && let Some(priced_in) = other
        {
            return Err(CapRefusal::Currency {
                cap: currency.code().to_string(),
                priced: priced_in.code().to_string(),
            });
        }
        let tier = exact::tier_for(&tiers, &quantity)
            .ok_or_else(|| unknown(id, format!("no price applies to {quantity}")))?;
        let total = tier
            .price
            .total_for(&quantity, RoundingMode::HalfUp)
            .map_err(wrong)?;
        priced.push(LineCost {
            line_id: id.clone(),
            title: item.title.clone(),
            quantity,
            unit_price: tier.price.clone(),
            total,
        });
    }
    let total = exact::Money::sum(currency, priced.iter().map(|l| l.total))
        .map_err(|e| unknown("total", e.to_string()))?;
    Ok(Cost {
        source: CostSource::Catalogue,
        lines: priced,
        total,
    })
}

/// The cap the desk enforces on an order: the client's `cap`, refused unless it is above
/// zero, in the cost's currency and at least the cost; lowered, for an order accepting a
/// quote, to the quote's cost plus `tolerance_bp`.
pub fn ceiling(
    cap: &crate::contract::Money,
    cost: &Cost,
    tolerance_bp: u32,
) -> Result<exact::Money, CapRefusal> {
    let shown = crate::display::money(cap);
    if cap.minor <= 0 {
        return Err(CapRefusal::NotPositive { cap: shown });
    }
    let currency = Currency::parse(&cap.currency).map_err(|_| CapRefusal::Currency {
        cap: cap.currency.clone(),
        priced: cost.total.currency().code().to_string(),
    })?;
    if currency != cost.total.currency() {
        return Err(CapRefusal::Currency {
            cap: currency.code().to_string(),
            priced: cost.total.currency().code().to_string(),
        });
    }
    if cap.minor < cost.total.minor() {
        return Err(CapRefusal::BelowCost {
            cap: shown,
            expected: cost.total.to_string(),
            cost_source: cost.source.to_string(),
        });
    }
    let cap = exact::Money::new(currency, cap.minor);
    Ok(match cost.source {
        CostSource::Quote(_) => {
            let tolerated =
                i128::from(cost.total.minor()) * (10_000 + i128::from(tolerance_bp)) / 10_000;
            exact::Money::new(
                currency,
                cap.minor()
                    .min(i64::try_from(tolerated).unwrap_or(i64::MAX)),
            )
        }
        CostSource::Catalogue => cap,
    })
}

/// The first line whose price the client expects is further from the quote than
/// `tolerance_bp`: the order would be judged on a price the quote does not give.
pub fn expected_drift(
    quote: &Quote,
    lines: &[OrderLineRequest],
    tolerance_bp: u32,
) -> Option<mandate::Rule> {
    lines.iter().find_map(|l| {
        let expected = l.expected_unit_price.as_ref()?;
        let quoted = quote.lines.iter().find(|q| q.line_id == l.line_id)?;
        let drifted = match (quoted.unit_price.to_exact(), expected.to_exact()) {
            (Ok(q), Ok(e)) => mandate::drifted(&q, &e, tolerance_bp),
            _ => true,
        };
        drifted.then(|| mandate::Rule::PriceDrift {
            line_id: l.line_id.clone(),
            quoted: crate::display::price(&quoted.unit_price),
            actual: crate::display::price(expected),
            tolerance_bp,
        })
    })
}

/// What a supplier's order is judged against.
pub struct Agreed<'a> {
    /// The order as the client asked for it.
    pub asked: &'a PlaceOrder,
    /// The cap the desk enforced.
    pub ceiling: exact::Money,
    /// The quote the order accepts.
    pub quote: Option<&'a Quote>,
    /// The mandate's price tolerance against the quote.
    pub tolerance_bp: u32,
}

fn shown(m: &crate::contract::Money) -> String {
    crate::display::money(m)
}

/// The first way `order` breaks what was `agreed`, if it does: another buyer's PO, another
/// currency, lines not asked for, negative amounts, line totals that are not price ×
/// quantity, lines that do not add up, prices drifted from the quote, a total above the cap.
pub fn breach(order: &Order, agreed: &Agreed<'_>) -> Option<Breach> {
    let asked = agreed.asked;
    if order.buyer_po != asked.buyer_po {
        return Some(Breach::WrongBuyerPo {
            asked: asked.buyer_po.clone(),
            answered: order.buyer_po.clone(),
        });
    }
    let currency = agreed.ceiling.currency();
    if order.currency != currency.code() {
        return Some(Breach::Currency {
            order: order.currency.clone(),
            cap: currency.code().to_string(),
        });
    }
    for line in &order.lines {
        if let Some(b) = line_breach(line, asked, currency) {
            return Some(b);
        }
    }
    let t = &order.totals;
    for (what, m) in [
        ("the lines total", &t.lines),
        ("the grand total", &t.grand_total),
    ] {
        if m.minor < 0 {
            return Some(Breach::Negative {
                what: what.to_string(),
                amount: shown(m),
            });
        }
    }
    let sum = order
        .lines
        .iter()
        .try_fold(0i64, |acc, l| acc.checked_add(l.line_total.minor));
    if sum != Some(t.lines.minor) {
        return Some(Breach::LinesSum {
            lines: shown(&t.lines),
            sum: sum.map_or_else(
                || "more than can be counted".to_string(),
                |s| exact::Money::new(currency, s).to_string(),
            ),
        });
    }
    if let Some(quote) = agreed.quote {
        for line in &order.lines {
            let Some(quoted) = quote.lines.iter().find(|q| q.line_id == line.line_id) else {
                continue;
            };
            let drifted = match (quoted.unit_price.to_exact(), line.unit_price.to_exact()) {
                (Ok(q), Ok(a)) => mandate::drifted(&q, &a, agreed.tolerance_bp),
                _ => true,
            };
            if drifted {
                return Some(Breach::PriceDrift {
                    line_id: line.line_id.clone(),
                    quoted: crate::display::price(&quoted.unit_price),
                    charged: crate::display::price(&line.unit_price),
                    tolerance_bp: agreed.tolerance_bp,
                });
            }
        }
    }
    if t.grand_total.minor > agreed.ceiling.minor() {
        return Some(Breach::OverCap {
            total: shown(&t.grand_total),
            cap: agreed.ceiling.to_string(),
        });
    }
    None
}

/// How one line of the supplier's order breaks the request, if it does.
fn line_breach(
    line: &crate::contract::OrderLine,
    asked: &PlaceOrder,
    currency: Currency,
) -> Option<Breach> {
    let id = &line.line_id;
    let not_asked = |why: String| {
        Some(Breach::NotAsked {
            line_id: id.clone(),
            why,
        })
    };
    let Some(request) = asked.lines.iter().find(|l| l.line_id == *id) else {
        return not_asked("the order has a line that was not asked for".into());
    };
    let (Ok(ordered), Ok(wanted)) = (line.ordered.to_exact(), request.quantity.to_exact()) else {
        return not_asked("its quantity is not a valid quantity".into());
    };
    match ordered.compare(&wanted) {
        Ok(Ordering::Less | Ordering::Equal) => {}
        Ok(Ordering::Greater) => {
            return not_asked(format!("{ordered} ordered, {wanted} asked for"));
        }
        Err(_) => {
            return not_asked(format!(
                "ordered in {}, asked in {}",
                ordered.unit(),
                wanted.unit()
            ));
        }
    }
    if line.unit_price.amount.mantissa < 0 || line.line_total.minor < 0 {
        return Some(Breach::Negative {
            what: format!("line {id}'s price"),
            amount: crate::display::price(&line.unit_price),
        });
    }
    let Ok(price) = line.unit_price.to_exact() else {
        return not_asked("its unit price is not a valid price".into());
    };
    if price.currency != currency || line.line_total.currency != currency.code() {
        return Some(Breach::Currency {
            order: line.line_total.currency.clone(),
            cap: currency.code().to_string(),
        });
    }
    // A line may be charged on what was ordered, confirmed, or not cancelled, rounded any way.
    let candidates = [
        Some(ordered.clone()),
        line.confirmed.to_exact().ok(),
        line.cancelled
            .to_exact()
            .ok()
            .and_then(|c| ordered.checked_sub(&c).ok()),
    ];
    let charged = line.line_total.minor;
    let fits = candidates.iter().flatten().any(|q| {
        let at = |mode| price.total_for(q, mode).map(|m| m.minor());
        matches!((at(RoundingMode::Floor), at(RoundingMode::Ceiling)),
                 (Ok(lo), Ok(hi)) if lo <= charged && charged <= hi)
    });
    if !fits {
        return Some(Breach::LineTotal {
            line_id: id.clone(),
            charged: crate::display::money(&line.line_total),
            expected: price
                .total_for(&ordered, RoundingMode::HalfUp)
                .map(|m| m.to_string())
                .unwrap_or_else(|e| e.to_string()),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::*;

    fn eur(minor: i64) -> Money {
        Money {
            currency: "EUR".into(),
            minor,
        }
    }

    fn price(amount: i64, scale: u8) -> Price {
        Price {
            currency: "EUR".into(),
            amount: Decimal {
                mantissa: amount,
                scale,
            },
            basis: Quantity::pieces(1),
        }
    }

    fn ids(sku: &str) -> ItemIds {
        ItemIds {
            supplier_sku: sku.into(),
            offer_token: None,
            gtin: None,
            mpn: None,
            manufacturer: None,
            buyer_part_id: None,
            other: vec![],
        }
    }

    fn totals(lines: i64, shipping: i64, tax: i64) -> Totals {
        Totals {
            lines: eur(lines),
            discounts: eur(0),
            shipping: eur(shipping),
            tax: eur(tax),
            fees: eur(0),
            grand_total: eur(lines + shipping + tax),
            tax_included: false,
        }
    }

    fn request_line(id: &str, sku: &str, pieces: u64) -> OrderLineRequest {
        OrderLineRequest {
            line_id: id.into(),
            item: ItemRef::Sku(sku.into()),
            offer_token: None,
            quantity: Quantity::pieces(pieces),
            expected_unit_price: None,
        }
    }

    /// A quote for 100 nuts at EUR 0.24 and 10 washers at EUR 0.05, shipping 4.90, tax 19 %.
    fn quote() -> Quote {
        let line = |id: &str, sku: &str, n, cents| QuoteLine {
            line_id: id.into(),
            item: ids(sku),
            title: format!("{sku} title"),
            quantity: Quantity::pieces(n),
            unit_price: price(cents, 2),
            line_total: eur(cents * n as i64),
            tax: None,
            availability: None,
            promised_delivery: None,
            substitute_for: None,
            status: LineStatus::Accepted,
        };
        Quote {
            quote_id: "Q-1".into(),
            status: QuoteStatus::Firm,
            created_at: 0,
            valid_until: Some(10_000),
            currency: "EUR".into(),
            lines: vec![line("1", "NUT", 100, 24), line("2", "WASHER", 10, 5)],
            charges: vec![],
            totals: totals(2_450, 490, 559),
            fulfillment_options: vec![],
            payment_terms: vec![],
            messages: vec![],
            attestation: None,
            continue_url: None,
        }
    }

    #[test]
    fn a_quote_prices_its_lines_and_charges_and_refuses_lines_it_does_not_have() {
        let q = quote();
        let all = cost_from_quote(
            &q,
            &[
                request_line("1", "NUT", 100),
                request_line("2", "WASHER", 10),
            ],
        )
        .unwrap();
        assert_eq!(all.total.minor(), 3_499, "the quote's grand total");
        assert_eq!(all.source, CostSource::Quote("Q-1".into()));
        // Half the nuts, no washers: the lines re-priced, the charges counted in full.
        let part = cost_from_quote(&q, &[request_line("1", "NUT", 50)]).unwrap();
        assert_eq!(part.total.minor(), 1_200 + 490 + 559);
        let missing = cost_from_quote(&q, &[request_line("3", "NUT", 1)]).unwrap_err();
        assert!(matches!(missing, CapRefusal::CostUnknown { ref line_id, .. } if line_id == "3"));
        let other_item = cost_from_quote(&q, &[request_line("1", "BOLT", 100)]).unwrap_err();
        assert!(other_item.to_string().contains("NUT"), "{other_item}");
    }

    fn catalog_item(sku: &str, unit: &str, tiers: &[(u64, i64)]) -> CatalogItem {
        CatalogItem {
            ids: ids(sku),
            title: format!("{sku} title"),
            description: None,
            brand: None,
            classifications: vec![],
            attributes: vec![],
            sale_unit: unit.into(),
            content_per_sale_unit: None,
            rules: OrderRules {
                minimum: None,
                increment: None,
                maximum: None,
            },
            price_tiers: tiers
                .iter()
                .map(|(min, cents)| PriceTier {
                    min_quantity: Quantity::pieces(*min),
                    unit_price: price(*cents, 2),
                    valid_until: None,
                })
                .collect(),
            list_price: None,
            prices_include_tax: false,
            availability: None,
            image_urls: vec![],
            url: None,
            price_observed_at: 0,
        }
    }

    #[test]
    fn catalogue_prices_take_the_tier_the_quantity_reaches() {
        let items = [catalog_item("NUT", "C62", &[(1, 30), (100, 24)])];
        let cost =
            cost_from_catalogue(&items, &[request_line("1", "NUT", 150)], Currency::EUR).unwrap();
        assert_eq!(cost.total.minor(), 3_600, "150 × 0.24");
        assert_eq!(cost.lines[0].title, "NUT title");
        let unknown = cost_from_catalogue(&items, &[request_line("1", "BOLT", 1)], Currency::EUR);
        assert!(matches!(unknown, Err(CapRefusal::CostUnknown { .. })));
        let usd = cost_from_catalogue(&items, &[request_line("1", "NUT", 1)], Currency::USD);
        assert!(matches!(usd, Err(CapRefusal::Currency { .. })), "{usd:?}");
        let negative = [catalog_item("NUT", "C62", &[(1, -30)])];
        let refused = cost_from_catalogue(&negative, &[request_line("1", "NUT", 1)], Currency::EUR);
        assert!(refused.unwrap_err().to_string().contains("negative"));
        let kilos = [catalog_item("NUT", "KGM", &[(1, 30)])];
        let refused = cost_from_catalogue(&kilos, &[request_line("1", "NUT", 1)], Currency::EUR);
        assert!(refused.unwrap_err().to_string().contains("sold per KGM"));
    }

    #[test]
    fn a_cap_must_be_positive_in_the_currency_and_cover_the_cost_and_a_quote_lowers_it() {
        let q = quote();
        let lines = [
            request_line("1", "NUT", 100),
            request_line("2", "WASHER", 10),
        ];
        let cost = cost_from_quote(&q, &lines).unwrap();
        for cap in [0, -100] {
            assert!(matches!(
                ceiling(&eur(cap), &cost, 200),
                Err(CapRefusal::NotPositive { .. })
            ));
        }
        let usd = Money {
            currency: "USD".into(),
            minor: 10_000,
        };
        assert!(matches!(
            ceiling(&usd, &cost, 200),
            Err(CapRefusal::Currency { .. })
        ));
        let below = ceiling(&eur(3_498), &cost, 200).unwrap_err();
        assert!(matches!(below, CapRefusal::BelowCost { .. }), "{below}");
        assert_eq!(ceiling(&eur(3_499), &cost, 200).unwrap().minor(), 3_499);
        // Ten times the quote is capped at the quote plus 2 %.
        assert_eq!(ceiling(&eur(34_990), &cost, 200).unwrap().minor(), 3_568);
        let items = [catalog_item("NUT", "C62", &[(1, 24)])];
        let from_prices =
            cost_from_catalogue(&items, &[request_line("1", "NUT", 100)], Currency::EUR).unwrap();
        assert_eq!(
            ceiling(&eur(50_000), &from_prices, 200).unwrap().minor(),
            50_000,
            "without a quote, shipping and tax are unknown: the client's cap stands"
        );
    }

    fn asked() -> PlaceOrder {
        PlaceOrder {
            supplier: "voltaic".into(),
            buyer_po: "PO-1".into(),
            quote_id: Some("Q-1".into()),
            lines: vec![
                request_line("1", "NUT", 100),
                request_line("2", "WASHER", 10),
            ],
            ship_to: Address {
                location_id: None,
                name: None,
                organization: None,
                lines: vec![],
                city: "Stuttgart".into(),
                region: None,
                postal_code: None,
                country: "DE".into(),
                contact: None,
            },
            bill_to: None,
            fulfillment_option_id: None,
            requested_delivery: None,
            partial_delivery: PartialDelivery::Allow,
            max_total: eur(3_600),
            payment: PaymentInstruction::OnAccount(None),
            notes: None,
            deadline_ms: None,
        }
    }

    /// The order exactly as quoted.
    fn order() -> Order {
        let line = |id: &str, sku: &str, n: u64, cents: i64| OrderLine {
            line_id: id.into(),
            item: ids(sku),
            ordered: Quantity::pieces(n),
            confirmed: Quantity::pieces(n),
            shipped: Quantity::pieces(0),
            cancelled: Quantity::pieces(0),
            unit_price: price(cents, 2),
            line_total: eur(cents * n as i64),
            status: LineStatus::Accepted,
            promised_delivery: None,
            note: None,
        };
        Order {
            order_id: "ORD-1".into(),
            buyer_po: "PO-1".into(),
            quote_id: Some("Q-1".into()),
            ack: AckStatus::Accepted,
            status: OrderStatus::Confirmed,
            created_at: 0,
            updated_at: 0,
            currency: "EUR".into(),
            lines: vec![line("1", "NUT", 100, 24), line("2", "WASHER", 10, 5)],
            totals: totals(2_450, 490, 559),
            messages: vec![],
            permalink: None,
        }
    }

    #[test]
    fn an_honest_answer_keeps_to_everything_and_each_dishonesty_is_named() {
        let q = quote();
        let a = asked();
        let agreed = Agreed {
            asked: &a,
            ceiling: exact::Money::new(Currency::EUR, 3_568),
            quote: Some(&q),
            tolerance_bp: 200,
        };
        assert_eq!(breach(&order(), &agreed), None);
        let kind = |change: &dyn Fn(&mut Order)| {
            let mut o = order();
            change(&mut o);
            breach(&o, &agreed).map(|b| b.kind())
        };
        assert_eq!(
            kind(&|o| o.buyer_po = "PO-OTHER".into()),
            Some("wrong-buyer-po")
        );
        assert_eq!(kind(&|o| o.currency = "USD".into()), Some("currency"));
        assert_eq!(
            kind(&|o| o.lines[0].line_id = "9".into()),
            Some("not-asked")
        );
        assert_eq!(
            kind(&|o| o.lines[0].ordered = Quantity::pieces(1_000)),
            Some("not-asked")
        );
        assert_eq!(
            kind(&|o| {
                o.lines[0].unit_price.amount.mantissa = -24;
            }),
            Some("negative")
        );
        // Line total inflated, the totals made to agree with it.
        assert_eq!(
            kind(&|o| {
                o.lines[0].line_total.minor += 500;
                o.totals = totals(2_950, 490, 559);
            }),
            Some("line-total")
        );
        assert_eq!(
            kind(&|o| {
                o.totals = totals(2_000, 940, 559);
            }),
            Some("lines-sum")
        );
        // Charging 10 % more than quoted per nut.
        assert_eq!(
            kind(&|o| {
                o.lines[0].unit_price.amount.mantissa = 27;
                o.lines[0].line_total.minor = 2_700;
                o.totals = totals(2_750, 490, 559);
            }),
            Some("price-drift")
        );
        // Shipping ten times what was quoted: every line as quoted, the total over the cap.
        assert_eq!(
            kind(&|o| o.totals = totals(2_450, 4_900, 559)),
            Some("over-cap")
        );
        // Confirming fewer and charging only for those is honest; rounding either way too.
        assert_eq!(
            kind(&|o| {
                o.lines[0].confirmed = Quantity::pieces(60);
                o.lines[0].line_total.minor = 1_440;
                o.totals = totals(1_490, 490, 559);
                o.ack = AckStatus::AcceptedWithChanges;
            }),
            None
        );
    }

    #[test]
    fn whole_cents_either_side_of_an_exact_line_total_are_rounding_not_dishonesty() {
        let a = PlaceOrder {
            quote_id: None,
            lines: vec![request_line("1", "NUT", 3)],
            ..asked()
        };
        let agreed = Agreed {
            asked: &a,
            ceiling: exact::Money::new(Currency::EUR, 100),
            quote: None,
            tolerance_bp: 0,
        };
        let mut o = order();
        o.quote_id = None;
        o.lines.truncate(1);
        o.lines[0].ordered = Quantity::pieces(3);
        o.lines[0].confirmed = Quantity::pieces(3);
        // 3 × 0.125 = 0.375: 37 or 38 cents.
        o.lines[0].unit_price.amount = Decimal {
            mantissa: 125,
            scale: 3,
        };
        for cents in [37, 38] {
            o.lines[0].line_total.minor = cents;
            o.totals = totals(cents, 0, 0);
            assert_eq!(breach(&o, &agreed), None, "{cents}");
        }
        o.lines[0].line_total.minor = 39;
        o.totals = totals(39, 0, 0);
        assert_eq!(breach(&o, &agreed).map(|b| b.kind()), Some("line-total"));
    }
}
