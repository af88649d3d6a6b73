//! Keystone's 832 Price/Sales Catalog → catalogue items, and searching it.
//!
//! Keystone publishes its whole catalogue as one 832 (`GET /catalog/832`). Per item, the
//! `LIN` loop carries:
//! - `LIN` id/qualifier pairs: `VP` vendor part (the SKU), `UP`/`EN`/`UK` GTIN-12/13/14,
//!   `MG` manufacturer part number, `MF` manufacturer name, `CG` UNSPSC commodity code;
//! - `PID*F` free-form descriptions: the first (no PID02) is the title, `PID*F*GEN` the
//!   longer description;
//! - `PO4` pack: `PO402` of `PO403` per sale unit (50 EA per BX);
//! - `QTY*33` quantity available for sale, `LDT*AE` lead time in days after the order;
//! - `CTP**RES` resale price breaks (`CTP03` price per one `CTP05` unit from `CTP04` on),
//!   `CTP**MSR` the manufacturer's suggested price (kept as the list price).
//!
//! The catalogue's currency is `CUR*SE`, its date `DTM*007` (effective), which is also when
//! prices and stock were observed.

use mercato_sdk::contract::{
    Availability, CatalogItem, Classification, ItemIds, ItemRef, OrderRules, Price, PriceTier,
    StockStatus,
};
use mercato_sdk::exact::{self, Currency};
use mercato_sdk::gtin::Gtin;

use crate::units;
use crate::x12::{self, Delimiters, Segment};

/// Stock below this is `limited`.
const LIMITED_BELOW: u64 = 10;

/// A catalogue as read from one 832.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Items, ordered by SKU (the paging order).
    pub items: Vec<CatalogItem>,
}

/// Read Keystone's 832. Errors name the segment; they are Keystone's fault.
pub fn read_832(bytes: &[u8]) -> Result<Catalog, String> {
    let interchange = x12::parse(bytes).map_err(|e| e.to_string())?;
    let d = interchange.envelope.delimiters;
    let set = interchange
        .groups
        .iter()
        .flat_map(|g| &g.sets)
        .find(|s| s.id == "832")
        .ok_or("the interchange holds no 832 transaction set")?;
    if let Some(p) = &set.problem {
        return Err(format!("832 {}: {}", set.control, p.text));
    }
    let mut currency = Currency::USD;
    let mut observed_at = None;
    let mut items = Vec::new();
    let mut current: Option<Draft> = None;
    for s in set.body() {
        match s.id.as_str() {
            "CUR" if current.is_none() => {
                currency =
                    Currency::parse(s.get(2)).map_err(|e| format!("CUR02 {:?}: {e}", s.get(2)))?;
            }
            "DTM" if current.is_none() && s.get(1) == "007" => {
                observed_at = Some(
                    x12::parse_date(s.get(2))
                        .ok_or_else(|| format!("DTM*007 {:?} is not a date", s.get(2)))?,
                );
            }
            "LIN" => {
                if let Some(draft) = current.take() {
                    items.push(draft);
                }
                current = Some(Draft::from_lin(s)?);
            }
            "CTT" => {
                if let Some(draft) = current.take() {
                    items.push(draft);
                }
                let count = s.get(1);
                if count != items.len().to_string() {
                    return Err(format!(
                        "CTT01 says {count} items; the 832 has {}",
                        items.len()
                    ));
                }
            }
            _ => {
                if let Some(draft) = current.as_mut() {
                    draft.add(s, &d)?;
                }
            }
        }
    }
    if let Some(draft) = current.take() {
        items.push(draft);
    }
    let observed_at = observed_at.ok_or("the 832 has no DTM*007 effective date")?;
    let mut items = items
        .into_iter()
        .map(|d| d.finish(currency, observed_at))
        .collect::<Result<Vec<_>, _>>()?;
    items.sort_by(|a, b| a.ids.supplier_sku.cmp(&b.ids.supplier_sku));
    Ok(Catalog { items })
}

/// One LIN loop being read.
#[derive(Debug, Default)]
struct Draft {
    sku: String,
    gtin: Option<String>,
    mpn: Option<String>,
    manufacturer: Option<String>,
    unspsc: Option<String>,
    title: Option<String>,
    description: Option<String>,
    pack: Option<(String, String)>,
    on_hand: Option<u64>,
    lead_days: Option<u32>,
    tiers: Vec<(exact::Decimal, exact::Decimal, String)>,
    list_price: Option<(exact::Decimal, String)>,
}

impl Draft {
    fn from_lin(s: &Segment) -> Result<Draft, String> {
        let mut d = Draft::default();
        for (q, v) in s.pairs(2) {
            match q {
                "VP" => d.sku = v.to_string(),
                "UP" | "EN" | "UK" => {
                    let g = Gtin::parse(v).map_err(|e| format!("LIN {q} {v:?}: {e}"))?;
                    d.gtin = Some(g.as_str().to_string());
                }
                "MG" => d.mpn = Some(v.to_string()),
                "MF" => d.manufacturer = Some(v.to_string()),
                "CG" => d.unspsc = Some(v.to_string()),
                _ => {}
            }
        }
        if d.sku.is_empty() {
            return Err(format!("LIN {} has no VP vendor part number", s.get(1)));
        }
        Ok(d)
    }

    fn add(&mut self, s: &Segment, d: &Delimiters) -> Result<(), String> {
        let sku = &self.sku;
        match s.id.as_str() {
            "PID" if s.get(1) == "F" => {
                let text = s.get(5).to_string();
                match s.get(2) {
                    "" if self.title.is_none() => self.title = Some(text),
                    "GEN" => self.description = Some(text),
                    _ => {}
                }
            }
            "PO4" => {
                self.pack = Some((s.get(2).to_string(), s.get(3).to_string()));
            }
            "QTY" if s.get(1) == "33" => {
                let n = exact::Decimal::parse(s.get(2))
                    .ok()
                    .and_then(|q| q.to_i128_scaled(0))
                    .and_then(|q| u64::try_from(q).ok())
                    .ok_or_else(|| format!("{sku}: QTY*33 {:?} is not a count", s.get(2)))?;
                self.on_hand = Some(n);
            }
            "LDT" if s.get(1) == "AE" && s.get(3) == "DA" => {
                self.lead_days = Some(
                    s.get(2)
                        .parse()
                        .map_err(|_| format!("{sku}: LDT02 {:?} is not days", s.get(2)))?,
                );
            }
            "CTP" => {
                let price = exact::Decimal::parse(s.get(3))
                    .map_err(|e| format!("{sku}: CTP03 {:?}: {e}", s.get(3)))?;
                let unit = s.first_component(5, d).to_string();
                match s.get(2) {
                    "RES" => {
                        let min = exact::Decimal::parse(s.get(4))
                            .map_err(|e| format!("{sku}: CTP04 {:?}: {e}", s.get(4)))?;
                        self.tiers.push((min, price, unit));
                    }
                    "MSR" => self.list_price = Some((price, unit)),
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self, currency: Currency, observed_at: i64) -> Result<CatalogItem, String> {
        let sku = self.sku.clone();
        let rec20 = |x: &str| {
            units::from_x12(x).ok_or_else(|| format!("{sku}: unit {x:?} has no Rec 20 code"))
        };
        self.tiers.sort_by_key(|t| t.0);
        self.tiers.dedup_by(|b, a| a.0 == b.0);
        let sale_unit = match self.tiers.first() {
            Some((_, _, u)) => rec20(u)?,
            None => return Err(format!("{sku}: no CTP*RES price")),
        };
        let one = |unit: &str| -> Result<exact::Quantity, String> {
            exact::Quantity::new(1, exact::Unit::parse(unit).map_err(|e| e.to_string())?, 0)
                .map_err(|e| e.to_string())
        };
        let price = |amount: exact::Decimal, unit: &str| -> Result<Price, String> {
            Ok(exact::UnitPrice {
                currency,
                amount,
                basis: one(unit)?,
            }
            .into())
        };
        let mut price_tiers = Vec::new();
        for (min, amount, unit) in &self.tiers {
            let unit = rec20(unit)?;
            if unit != sale_unit {
                return Err(format!("{sku}: price breaks in {unit} and {sale_unit}"));
            }
            let min_quantity = exact::Quantity::from_decimal(
                *min,
                exact::Unit::parse(unit).map_err(|e| e.to_string())?,
            )
            .map_err(|e| format!("{sku}: CTP04 {min}: {e}"))?;
            price_tiers.push(PriceTier {
                min_quantity: min_quantity.into(),
                unit_price: price(*amount, unit)?,
                valid_until: None,
            });
        }
        let list_price = match &self.list_price {
            Some((amount, unit)) => Some(price(*amount, rec20(unit)?)?),
            None => None,
        };
        let content_per_sale_unit = match &self.pack {
            Some((size, unit)) if !size.is_empty() => {
                let size = exact::Decimal::parse(size).map_err(|e| format!("{sku}: PO402: {e}"))?;
                let unit = exact::Unit::parse(rec20(unit)?).map_err(|e| e.to_string())?;
                Some(
                    exact::Quantity::from_decimal(size, unit)
                        .map_err(|e| format!("{sku}: PO402: {e}"))?
                        .into(),
                )
            }
            _ => None,
        };
        let availability = self.on_hand.map(|n| Availability {
            status: match n {
                0 => StockStatus::Backorder,
                n if n < LIMITED_BELOW => StockStatus::Limited,
                _ => StockStatus::InStock,
            },
            on_hand: exact::Unit::parse(sale_unit)
                .and_then(|u| exact::Quantity::new(n, u, 0))
                .ok()
                .map(Into::into),
            lead_time_days: self.lead_days,
            next_restock: Vec::new(),
            observed_at,
        });
        let mut attributes = Vec::new();
        if let Some(n) = self.on_hand {
            attributes.push(("quantity-available".to_string(), n.to_string()));
        }
        Ok(CatalogItem {
            ids: ItemIds {
                supplier_sku: self.sku.clone(),
                offer_token: None,
                gtin: self.gtin.clone(),
                mpn: self.mpn.clone(),
                manufacturer: self.manufacturer.clone(),
                buyer_part_id: None,
                other: Vec::new(),
            },
            title: self.title.clone().unwrap_or_else(|| self.sku.clone()),
            description: self.description.clone(),
            brand: self.manufacturer.clone(),
            classifications: self
                .unspsc
                .iter()
                .map(|c| Classification {
                    scheme: "UNSPSC".to_string(),
                    code: c.clone(),
                })
                .collect(),
            sale_unit: sale_unit.to_string(),
            content_per_sale_unit,
            rules: OrderRules {
                minimum: None,
                increment: None,
                maximum: None,
            },
            price_tiers,
            list_price,
            prices_include_tax: false,
            availability,
            url: None,
            image_urls: Vec::new(),
            attributes,
            price_observed_at: observed_at,
        })
    }
}

/// Whether `item` matches the query text (every word, ignoring case, in title, description,
/// SKU, MPN or manufacturer), the categories (UNSPSC prefixes) and the stock filter.
pub fn matches(
    item: &CatalogItem,
    text: Option<&str>,
    categories: &[String],
    in_stock: bool,
) -> bool {
    if in_stock
        && !item
            .availability
            .as_ref()
            .is_some_and(|a| matches!(a.status, StockStatus::InStock | StockStatus::Limited))
    {
        return false;
    }
    if !categories.is_empty()
        && !item.classifications.iter().any(|c| {
            categories
                .iter()
                .any(|wanted| !wanted.trim().is_empty() && c.code.starts_with(wanted.trim()))
        })
    {
        return false;
    }
    let Some(text) = text else {
        return true;
    };
    let haystack = [
        Some(item.title.as_str()),
        item.description.as_deref(),
        Some(item.ids.supplier_sku.as_str()),
        item.ids.mpn.as_deref(),
        item.ids.manufacturer.as_deref(),
    ]
    .iter()
    .flatten()
    .map(|s| s.to_lowercase())
    .collect::<Vec<_>>()
    .join(" ");
    text.split_whitespace()
        .all(|w| haystack.contains(&w.to_lowercase()))
}

/// Whether `item` is the one `r` names. Buyer part numbers are unknown to Keystone.
pub fn is(item: &CatalogItem, r: &ItemRef) -> bool {
    match r {
        ItemRef::Sku(s) => s.trim().eq_ignore_ascii_case(&item.ids.supplier_sku),
        ItemRef::Gtin(g) => Gtin::parse(g)
            .ok()
            .is_some_and(|g| item.ids.gtin.as_deref() == Some(g.as_str())),
        ItemRef::Mpn(m) => {
            item.ids
                .mpn
                .as_deref()
                .is_some_and(|mpn| mpn.eq_ignore_ascii_case(m.mpn.trim()))
                && m.manufacturer.as_deref().is_none_or(|want| {
                    item.ids
                        .manufacturer
                        .as_deref()
                        .is_some_and(|have| have.eq_ignore_ascii_case(want.trim()))
                })
        }
        ItemRef::BuyerPart(_) => false,
    }
}

/// The cursor that continues after `sku`.
pub fn cursor_after(sku: &str) -> String {
    format!("after:{sku}")
}

/// The SKU a cursor continues after, if this adapter could have issued it.
pub fn parse_cursor(cursor: &str) -> Option<&str> {
    cursor.strip_prefix("after:").filter(|s| !s.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::x12::{Outgoing, SetWriter, interchange};

    /// A small 832 as Keystone writes it.
    pub(crate) fn sample_832() -> String {
        let d = Delimiters::STANDARD;
        let mut w = SetWriter::new("832", "0001", d);
        w.segment("BCT", &["PC", "KI-2026", "1"]);
        w.segment("DTM", &["007", "20261101"]);
        w.segment("CUR", &["SE", "USD"]);
        w.segment(
            "LIN",
            &[
                "1",
                "VP",
                "KI-20020",
                "UP",
                "036000291452",
                "MG",
                "HCS-38-16",
                "MF",
                "Keystone Fastening",
                "CG",
                "31161500",
            ],
        );
        w.segment(
            "PID",
            &["F", "", "", "", "Hex cap screw 3/8-16 x 1 grade 5"],
        );
        w.segment("PID", &["F", "GEN", "", "", "Zinc plated, box of 50"]);
        w.segment("PO4", &["1", "50", "EA"]);
        w.segment("QTY", &["33", "4", "BX"]);
        w.segment("LDT", &["AE", "3", "DA"]);
        w.segment("CTP", &["", "RES", "11.25", "10", "BX"]);
        w.segment("CTP", &["", "RES", "12.50", "1", "BX"]);
        w.segment("CTP", &["", "MSR", "15.00", "1", "BX"]);
        w.segment("LIN", &["2", "VP", "KI-10010", "MG", "GLV-L"]);
        w.segment("PID", &["F", "", "", "", "Nitrile gloves size L"]);
        w.segment("QTY", &["33", "0", "EA"]);
        w.segment("CTP", &["", "RES", "0.0873", "1", "EA"]);
        w.segment("CTT", &["2"]);
        interchange(
            &Outgoing {
                sender: "KEYSTONE",
                receiver: "PLANT3",
                control: 7,
                functional_id: "SC",
                at_ms: 1_780_308_000_000,
            },
            &[w.finish()],
            d,
        )
    }

    #[test]
    fn the_832_becomes_items_with_ascending_tiers_and_normalised_gtins() {
        let c = read_832(sample_832().as_bytes()).expect("832");
        let skus: Vec<&str> = c
            .items
            .iter()
            .map(|i| i.ids.supplier_sku.as_str())
            .collect();
        assert_eq!(skus, ["KI-10010", "KI-20020"], "ordered by SKU");
        let screw = &c.items[1];
        assert_eq!(screw.ids.gtin.as_deref(), Some("00036000291452"));
        assert_eq!(screw.sale_unit, "BX");
        assert_eq!(screw.title, "Hex cap screw 3/8-16 x 1 grade 5");
        assert_eq!(screw.description.as_deref(), Some("Zinc plated, box of 50"));
        let tiers: Vec<(u64, i64, u8)> = screw
            .price_tiers
            .iter()
            .map(|t| {
                (
                    t.min_quantity.steps,
                    t.unit_price.amount.mantissa,
                    t.unit_price.amount.scale,
                )
            })
            .collect();
        assert_eq!(tiers, [(1, 1250, 2), (10, 1125, 2)]);
        assert_eq!(screw.price_tiers[0].unit_price.currency, "USD");
        assert_eq!(
            screw
                .content_per_sale_unit
                .as_ref()
                .map(|q| (q.steps, q.unit.as_str())),
            Some((50, "C62"))
        );
        let a = screw.availability.as_ref().expect("stock");
        assert_eq!(
            (a.status, a.lead_time_days),
            (StockStatus::Limited, Some(3))
        );
        assert_eq!(screw.classifications[0].code, "31161500");
        let gloves = &c.items[0];
        assert_eq!(gloves.sale_unit, "C62", "EA is the piece");
        assert_eq!(
            gloves.availability.as_ref().map(|a| a.status),
            Some(StockStatus::Backorder)
        );
    }

    #[test]
    fn search_matches_words_categories_and_stock() {
        let c = read_832(sample_832().as_bytes()).expect("832");
        let screw = &c.items[1];
        assert!(matches(screw, Some("HEX screw"), &[], false));
        assert!(!matches(screw, Some("hex nut"), &[], false));
        assert!(matches(screw, None, &["3116".into()], true));
        assert!(!matches(&c.items[0], None, &[], true));
        assert!(is(screw, &ItemRef::Gtin("036000291452".into())));
        assert!(is(screw, &ItemRef::Sku("ki-20020".into())));
        assert!(!is(screw, &ItemRef::BuyerPart("KI-20020".into())));
    }

    #[test]
    fn a_wrong_item_count_is_refused() {
        let text = sample_832().replace("CTT*2", "CTT*3");
        assert!(read_832(text.as_bytes()).unwrap_err().contains("CTT01"));
    }
}
