//! # Hansa Schrauben: a price-list supplier
//!
//! Hansa Schrauben is a fastener wholesaler that publishes a CSV price list and takes orders
//! by e-mail, so this adapter is catalogue only: it declares `search`, `batch-lookup` and
//! `price-tiers`, and nothing to quote or order with. The list (`data/preisliste.csv`) is
//! embedded in the component, so the adapter works with no network grant at all.
//!
//! The file is what such suppliers really send: semicolon separated, German headers, decimal
//! commas (`18,50`), three tier columns (`menge_n`/`preis_n`), and prices per
//! `preiseinheit` pieces (per 100), which become the price basis rather than being divided
//! out. Stock and lead time are as of the list date, so availability carries that date.

#[cfg(test)]
mod fuzz;
mod pricelist;
mod search;

use mercato_sdk::errors;
use mercato_sdk::prelude::*;
use pricelist::PriceList;

/// The embedded price list.
const PRICE_LIST: &str = include_str!("../data/preisliste.csv");
/// The date printed on the list; prices and stock were observed then.
const PRICE_LIST_DATE: &str = "2026-11-01";
/// Largest page the adapter returns.
const MAX_PAGE: u32 = 100;

/// The adapter.
#[derive(Default)]
pub struct HansaCsv;

impl HansaCsv {
    fn list(&self) -> CommerceResult<PriceList> {
        PriceList::parse(PRICE_LIST, PRICE_LIST_DATE)
    }
}

impl Adapter for HansaCsv {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: "hansa".to_string(),
            display_name: "Hansa Schrauben".to_string(),
            adapter_version: env!("CARGO_PKG_VERSION").to_string(),
            protocols: vec!["csv-price-list".to_string()],
            capabilities: Capabilities::SEARCH
                | Capabilities::BATCH_LOOKUP
                | Capabilities::PRICE_TIERS,
            currencies: vec!["EUR".to_string()],
            ship_to_countries: vec!["DE".to_string(), "AT".to_string(), "CH".to_string()],
            max_lines_per_order: None,
        }
    }

    fn search(&self, _ctx: &CallContext, query: SearchQuery) -> CommerceResult<SearchPage> {
        let list = self.list()?;
        let offset = match &query.cursor {
            None => 0,
            Some(c) => c.parse::<usize>().map_err(|_| {
                errors::invalid(
                    "cursor",
                    format!("{c:?} is not a cursor this adapter issued"),
                )
            })?,
        };
        let size = usize::try_from(query.page_size.clamp(1, MAX_PAGE)).unwrap_or(1);
        let matches: Vec<&pricelist::Row> = list
            .rows()
            .iter()
            .filter(|r| search::matches(r, query.text.as_deref(), &query.categories))
            .filter(|r| !query.in_stock_only || r.stock > 0)
            .collect();
        let items = matches
            .iter()
            .skip(offset)
            .take(size)
            .map(|r| list.item(r))
            .collect::<CommerceResult<Vec<_>>>()?;
        let next = offset + items.len();
        Ok(SearchPage {
            items,
            next_cursor: (next < matches.len()).then(|| next.to_string()),
        })
    }

    fn get_items(
        &self,
        _ctx: &CallContext,
        refs: Vec<ItemRef>,
    ) -> CommerceResult<Vec<CatalogItem>> {
        let list = self.list()?;
        let mut found = Vec::new();
        for r in &refs {
            if let Some(row) = list.find(r)? {
                found.push(list.item(row)?);
            }
        }
        if found.is_empty() && !refs.is_empty() {
            return Err(errors::not_found(format!(
                "none of the {} requested item(s) is on the Hansa price list",
                refs.len()
            )));
        }
        Ok(found)
    }
}

mercato_sdk::register_adapter!(HansaCsv);

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_sdk::testing::call_context;

    fn query(text: &str, page_size: u32, cursor: Option<String>) -> SearchQuery {
        SearchQuery {
            text: Some(text.to_string()),
            categories: Vec::new(),
            in_stock_only: false,
            page_size,
            cursor,
        }
    }

    #[test]
    fn finds_the_m8_bolt_with_english_words() {
        let page = HansaCsv
            .search(&call_context(), query("M8 hex bolt", 50, None))
            .expect("search");
        let skus: Vec<&str> = page
            .items
            .iter()
            .map(|i| i.ids.supplier_sku.as_str())
            .collect();
        assert!(skus.contains(&"H-933-8-30-VZ"), "{skus:?}");
        assert!(skus.iter().all(|s| s.starts_with("H-933-8-")), "{skus:?}");
    }

    #[test]
    fn paging_terminates_without_repeats() {
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = HansaCsv
                .search(&call_context(), query("DIN", 7, cursor))
                .expect("page");
            for item in &page.items {
                assert!(
                    seen.insert(item.ids.supplier_sku.clone()),
                    "repeated {}",
                    item.ids.supplier_sku
                );
            }
            pages += 1;
            assert!(pages < 100, "paging does not terminate");
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let all = HansaCsv.list().expect("list").rows().len();
        assert_eq!(seen.len(), all, "every row has DIN in its title");
    }

    #[test]
    fn a_forged_cursor_is_an_invalid_request() {
        let e = HansaCsv
            .search(&call_context(), query("M8", 5, Some("abc".into())))
            .expect_err("bad cursor");
        assert_eq!(e.code(), "invalid-request");
    }

    #[test]
    fn lookup_by_sku_gtin_and_mpn() {
        let refs = vec![
            ItemRef::Sku("H-934-8-VZ".into()),
            ItemRef::Gtin("4012345000191".into()),
            ItemRef::Mpn(MpnRef {
                manufacturer: None,
                mpn: "125-A8-ZN".into(),
            }),
            ItemRef::Sku("NOPE".into()),
        ];
        let items = HansaCsv.get_items(&call_context(), refs).expect("lookup");
        let skus: Vec<&str> = items.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
        assert_eq!(skus, ["H-934-8-VZ", "H-933-8-30-VZ", "H-125-8-VZ"]);
    }

    #[test]
    fn unknown_items_are_not_found() {
        let e = HansaCsv
            .get_items(&call_context(), vec![ItemRef::Sku("NOPE".into())])
            .expect_err("unknown");
        assert_eq!(e.code(), "not-found");
    }

    #[test]
    fn ordering_is_not_offered() {
        let e = HansaCsv
            .get_order(&call_context(), "1".into())
            .expect_err("catalogue only");
        assert_eq!(e.code(), "unsupported");
        assert!(
            !HansaCsv
                .describe()
                .capabilities
                .contains(Capabilities::PLACE_ORDER)
        );
    }
}
