//! Ostara's cXML `Index` catalogue: reading it into catalogue items, searching and paging it.
//!
//! cXML has no search API, so the adapter reads the whole Index (a few hundred items at most
//! for a supplier of Ostara's size) and filters it itself.

use mercato_sdk::contract::{
    Availability, CatalogItem, Classification, ItemIds, ItemRef, OrderRules, PriceTier, StockStatus,
};
use mercato_sdk::errors::{CommerceResult, invalid};
use mercato_sdk::exact::{self, Unit, UnitPrice};
use mercato_sdk::gtin::Gtin;
use mercato_sdk::xml::Element;

use crate::doc::{self, DocError};

/// Read every `IndexItem/IndexItemAdd` of an `Index`, sorted by SKU (the paging order).
pub(crate) fn items(root: &Element, observed_at: i64) -> Result<Vec<CatalogItem>, DocError> {
    if root.name != "Index" {
        return Err(DocError::WrongDocument {
            expected: "a cXML Index".to_string(),
            found: format!("<{}>", root.name),
        });
    }
    let mut out = Vec::new();
    for (i, entry) in root.children("IndexItem").enumerate() {
        for add in entry.children("IndexItemAdd") {
            out.push(item(
                add,
                &format!("Index/IndexItem[{}]/IndexItemAdd", i + 1),
                observed_at,
            )?);
        }
    }
    out.sort_by(|a, b| a.ids.supplier_sku.cmp(&b.ids.supplier_sku));
    out.dedup_by(|a, b| a.ids.supplier_sku == b.ids.supplier_sku);
    Ok(out)
}

fn item(add: &Element, path: &str, observed_at: i64) -> Result<CatalogItem, DocError> {
    let sku = doc::text(add, path, "ItemID/SupplierPartID")?.to_string();
    let detail_path = format!("{path}/ItemDetail");
    let detail = add
        .child("ItemDetail")
        .ok_or_else(|| DocError::missing(&detail_path))?;
    let money_path = format!("{detail_path}/UnitPrice/Money");
    let money = detail
        .find("UnitPrice/Money")
        .ok_or_else(|| DocError::missing(&money_path))?;
    let (currency, amount) = doc::money_value(money, &money_path)?;
    if amount.is_negative() {
        return Err(DocError::invalid(
            &money_path,
            &amount.to_string(),
            "a price cannot be negative",
        ));
    }
    let uom = doc::text(detail, &detail_path, "UnitOfMeasure")?;
    let unit = Unit::parse(uom).map_err(|e| {
        DocError::invalid(format!("{detail_path}/UnitOfMeasure"), uom, e.to_string())
    })?;
    let basis = match detail.text_at("PriceBasisQuantity") {
        Some(q) => doc::quantity(q, uom, &format!("{detail_path}/PriceBasisQuantity"))?,
        None => exact::Quantity::new(1, unit.clone(), 0)
            .map_err(|e| DocError::invalid(&detail_path, uom, e.to_string()))?,
    };
    let one = exact::Quantity::new(1, unit, 0)
        .map_err(|e| DocError::invalid(&detail_path, uom, e.to_string()))?;
    let title = detail
        .text_at("Description/ShortName")
        .or_else(|| detail.text_at("Description"))
        .ok_or_else(|| DocError::missing(format!("{detail_path}/Description")))?
        .to_string();
    let mut ids = ItemIds::sku(&sku);
    ids.offer_token = add
        .text_at("ItemID/SupplierPartAuxiliaryID")
        .map(str::to_string);
    ids.mpn = detail.text_at("ManufacturerPartID").map(str::to_string);
    ids.manufacturer = detail.text_at("ManufacturerName").map(str::to_string);
    if let Some(ean) = detail.text_at("ItemDetailIndustry/ItemDetailRetail/EANID") {
        let gtin = Gtin::parse(ean).map_err(|e| {
            DocError::invalid(
                format!("{detail_path}/ItemDetailIndustry/ItemDetailRetail/EANID"),
                ean,
                e.to_string(),
            )
        })?;
        ids.gtin = Some(gtin.as_str().to_string());
    }
    let classifications = detail
        .children("Classification")
        .filter_map(|c| {
            Some(Classification {
                scheme: c.attr("domain")?.to_string(),
                code: c.value()?.to_string(),
            })
        })
        .collect();
    let lead_time_days = detail
        .text_at("LeadTime")
        .or_else(|| add.text_at("IndexItemDetail/LeadTime"))
        .map(|t| {
            t.parse::<u32>().map_err(|_| {
                DocError::invalid(format!("{detail_path}/LeadTime"), t, "expected whole days")
            })
        })
        .transpose()?;
    let on_hand = doc::extrinsic(detail, "QuantityAvailable")
        .map(|q| {
            doc::quantity(
                q,
                uom,
                &format!("{detail_path}/Extrinsic[QuantityAvailable]"),
            )
        })
        .transpose()?;
    let status = match doc::extrinsic(detail, "StockStatus") {
        Some("in-stock") => StockStatus::InStock,
        Some("limited") => StockStatus::Limited,
        Some("backorder") => StockStatus::Backorder,
        Some("discontinued") => StockStatus::Discontinued,
        Some("out-of-stock") => StockStatus::OutOfStock,
        _ => StockStatus::Unknown,
    };
    let description = doc::extrinsic(detail, "LongDescription").map(str::to_string);
    let mut keywords = Vec::new();
    if let Some(k) = doc::extrinsic(detail, "Keywords") {
        keywords.push(("keywords".to_string(), k.to_string()));
    }
    Ok(CatalogItem {
        ids,
        title,
        description,
        brand: detail.text_at("ManufacturerName").map(str::to_string),
        classifications,
        sale_unit: one.unit().code().to_string(),
        content_per_sale_unit: None,
        rules: OrderRules {
            minimum: None,
            increment: None,
            maximum: None,
        },
        price_tiers: vec![PriceTier {
            min_quantity: one.into(),
            unit_price: UnitPrice {
                currency,
                amount,
                basis,
            }
            .into(),
            valid_until: None,
        }],
        list_price: None,
        prices_include_tax: false,
        availability: Some(Availability {
            status,
            on_hand: on_hand.map(Into::into),
            lead_time_days,
            next_restock: Vec::new(),
            observed_at,
        }),
        url: None,
        image_urls: Vec::new(),
        attributes: keywords,
        price_observed_at: observed_at,
    })
}

/// Whether an item matches every word of `text` (SKU, title, description, brand, MPN, GTIN,
/// classification codes), case-insensitively.
pub(crate) fn matches_text(item: &CatalogItem, text: &str) -> bool {
    let hay = [
        Some(item.ids.supplier_sku.as_str()),
        Some(item.title.as_str()),
        item.description.as_deref(),
        item.brand.as_deref(),
        item.ids.mpn.as_deref(),
        item.ids.gtin.as_deref(),
    ]
    .into_iter()
    .flatten()
    .chain(item.classifications.iter().map(|c| c.code.as_str()))
    .chain(item.attributes.iter().map(|(_, v)| v.as_str()))
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    text.split_whitespace()
        .all(|word| hay.contains(&word.to_lowercase()))
}

/// Whether an item is in one of `categories` (UNSPSC code or prefix); all when empty.
pub(crate) fn in_categories(item: &CatalogItem, categories: &[String]) -> bool {
    categories.is_empty()
        || categories.iter().any(|c| {
            item.classifications
                .iter()
                .any(|k| k.code.starts_with(c.trim()))
        })
}

/// Whether the item can ship from stock.
pub(crate) fn in_stock(item: &CatalogItem) -> bool {
    matches!(
        item.availability.as_ref().map(|a| a.status),
        Some(StockStatus::InStock | StockStatus::Limited)
    )
}

/// A cursor: `o{offset}` into the filtered, SKU-ordered list, plus the SKU the page before
/// ended with, so a catalogue that changed between pages is noticed rather than skipped.
pub(crate) fn cursor(offset: usize, last_sku: &str) -> String {
    format!("o{offset}:{last_sku}")
}

/// Where a cursor continues: the index of the first item after the cursor's last SKU.
pub(crate) fn resume(cursor: &str, items: &[CatalogItem]) -> CommerceResult<usize> {
    let bad = || {
        invalid(
            "cursor",
            format!("{cursor:?} is not a cursor this adapter issued"),
        )
    };
    let (offset, last) = cursor
        .strip_prefix('o')
        .and_then(|c| c.split_once(':'))
        .ok_or_else(bad)?;
    let offset: usize = offset.parse().map_err(|_| bad())?;
    if offset == 0 || last.is_empty() {
        return Err(bad());
    }
    // SKUs are sorted, so the next page starts after the last SKU seen even if items were
    // added or removed before it in the meantime: no repeats, no skips.
    Ok(items.partition_point(|i| i.ids.supplier_sku.as_str() <= last))
}

/// How an item reference is looked up in the Index.
pub(crate) fn find<'a>(items: &'a [CatalogItem], r: &ItemRef) -> Option<&'a CatalogItem> {
    match r {
        ItemRef::Sku(s) => items
            .iter()
            .find(|i| i.ids.supplier_sku.eq_ignore_ascii_case(s.trim())),
        ItemRef::Gtin(g) => {
            let g = Gtin::parse(g).ok()?;
            items
                .iter()
                .find(|i| i.ids.gtin.as_deref() == Some(g.as_str()))
        }
        ItemRef::Mpn(m) => items.iter().find(|i| {
            i.ids
                .mpn
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(m.mpn.trim()))
                && m.manufacturer.as_deref().is_none_or(|want| {
                    i.ids
                        .manufacturer
                        .as_deref()
                        .is_some_and(|have| have.eq_ignore_ascii_case(want.trim()))
                })
        }),
        ItemRef::BuyerPart(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"<?xml version="1.0"?>
<!DOCTYPE Index SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<Index>
  <SupplierID domain="NetworkID">ostara-supply</SupplierID>
  <IndexItem><IndexItemAdd>
    <ItemID><SupplierPartID>B-2</SupplierPartID></ItemID>
    <ItemDetail>
      <UnitPrice><Money currency="EUR">12.50</Money></UnitPrice>
      <Description xml:lang="en"><ShortName>Hex key set</ShortName></Description>
      <UnitOfMeasure>EA</UnitOfMeasure>
      <PriceBasisQuantity>1</PriceBasisQuantity>
      <Classification domain="UNSPSC">27111701</Classification>
      <ManufacturerPartID>HK-9</ManufacturerPartID><ManufacturerName>Fixa</ManufacturerName>
      <LeadTime>5</LeadTime>
      <Extrinsic name="StockStatus">limited</Extrinsic>
      <Extrinsic name="QuantityAvailable">3</Extrinsic>
      <ItemDetailIndustry><ItemDetailRetail><EANID>4006381333931</EANID></ItemDetailRetail></ItemDetailIndustry>
    </ItemDetail>
  </IndexItemAdd></IndexItem>
  <IndexItem><IndexItemAdd>
    <ItemID><SupplierPartID>A-1</SupplierPartID></ItemID>
    <ItemDetail>
      <UnitPrice><Money currency="EUR">0.125</Money></UnitPrice>
      <Description xml:lang="en">Cable tie</Description>
      <UnitOfMeasure>PK</UnitOfMeasure>
    </ItemDetail>
  </IndexItemAdd></IndexItem>
</Index>"#;

    fn read(xml: &str) -> Result<Vec<CatalogItem>, DocError> {
        items(&doc::parse_body(xml.as_bytes()).expect("xml"), 1_000)
    }

    #[test]
    fn index_items_are_read_exactly_and_sorted() {
        let items = read(INDEX).expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].ids.supplier_sku, "A-1");
        assert_eq!(items[0].sale_unit, "PK");
        assert_eq!(items[0].price_tiers[0].unit_price.amount.mantissa, 125);
        assert_eq!(items[0].price_tiers[0].unit_price.amount.scale, 3);
        let b = &items[1];
        assert_eq!(b.ids.gtin.as_deref(), Some("04006381333931"));
        assert_eq!(b.title, "Hex key set");
        let a = b.availability.as_ref().expect("availability");
        assert_eq!(
            (a.status, a.lead_time_days),
            (StockStatus::Limited, Some(5))
        );
        assert_eq!(a.on_hand.as_ref().map(|q| q.steps), Some(3));
        assert!(matches_text(b, "fixa HEX"));
        assert!(!matches_text(b, "hex bolt"));
        assert!(in_categories(b, &["2711".to_string()]));
        assert!(!in_categories(b, &["44".to_string()]));
        assert!(find(&items, &ItemRef::Gtin("4006381333931".into())).is_some());
    }

    #[test]
    fn bad_entries_are_named() {
        let bad_gtin = INDEX.replace("4006381333931", "4006381333932");
        let e = read(&bad_gtin).expect_err("bad check digit");
        assert!(e.element().ends_with("EANID"), "{e}");
        let no_price = INDEX.replace(
            r#"<UnitPrice><Money currency="EUR">0.125</Money></UnitPrice>"#,
            "",
        );
        let e = read(&no_price).expect_err("no price");
        assert!(e.element().ends_with("UnitPrice/Money"), "{e}");
        assert!(read("<Catalog/>").is_err());
    }

    #[test]
    fn cursors_resume_after_the_last_sku() {
        let items = read(INDEX).expect("items");
        assert_eq!(resume(&cursor(1, "A-1"), &items).expect("cursor"), 1);
        assert_eq!(resume(&cursor(1, "A-0"), &items).expect("cursor"), 0);
        assert_eq!(resume(&cursor(2, "Z"), &items).expect("cursor"), 2);
        for bad in ["", "o", "o0:A", "x1:A", "o1:", "o-1:A"] {
            assert!(resume(bad, &items).is_err(), "{bad}");
        }
    }
}
