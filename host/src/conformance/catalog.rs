//! Catalogue cases: paging, and what every item found carries.

use super::{Check, Stop, Suite, UNKNOWN_ID, fail, failed_call, orderable_quantity};
use crate::CallError;
use crate::contract::validate;
use crate::contract::*;
use mercato_sdk::exact::Currency;
use mercato_sdk::gtin::Gtin;
use std::collections::{BTreeMap, BTreeSet};

impl Suite {
    /// Follow `next-cursor` from the first page until it ends: no item twice, no cursor
    /// twice, an end within the page budget. The items found feed the later cases.
    pub(super) async fn search_paging(&mut self) -> Check {
        self.requires(Capabilities::SEARCH, "search")?;
        let mut query = SearchQuery {
            text: self.options.search_text.clone(),
            categories: Vec::new(),
            in_stock_only: false,
            page_size: self.options.page_size,
            cursor: None,
        };
        let mut first_seen: BTreeMap<String, u32> = BTreeMap::new();
        let mut cursors = BTreeSet::new();
        for page_no in 1..=self.options.max_pages {
            let page = self
                .adapter
                .search(&self.ctx(), &query)
                .await
                .map_err(|e| failed_call(format_args!("search page {page_no}"), e))?;
            for item in page.items {
                let sku = item.ids.supplier_sku.clone();
                if let Some(earlier) = first_seen.insert(sku.clone(), page_no) {
                    return Err(fail(format!(
                        "page {page_no} repeats item {sku}, already on page {earlier}"
                    )));
                }
                self.items.push(item);
            }
            match page.next_cursor {
                None => {
                    if self.items.is_empty() {
                        return Err(fail(match &query.text {
                            None => "browsing (search without text) found no items; give a \
                                     search text that finds some"
                                .to_string(),
                            Some(t) => format!("searching for {t:?} found no items"),
                        }));
                    }
                    return Ok(format!(
                        "{} items in {page_no} page(s) of at most {}",
                        self.items.len(),
                        query.page_size
                    ));
                }
                Some(cursor) => {
                    if !cursors.insert(cursor.clone()) {
                        return Err(fail(format!(
                            "page {page_no} hands out cursor {cursor:?} again: paging would loop"
                        )));
                    }
                    query.cursor = Some(cursor);
                }
            }
        }
        if !self.options.page_to_end {
            return Ok(format!(
                "{} items in the first {} pages, not followed to the end",
                self.items.len(),
                self.options.max_pages
            ));
        }
        Err(fail(format!(
            "paging did not end within {} pages ({} items); the last page must have no \
             next-cursor",
            self.options.max_pages,
            self.items.len()
        )))
    }

    /// Price breaks ascend strictly by minimum quantity, in one unit, at non-negative prices.
    pub(super) async fn price_tiers(&mut self) -> Check {
        self.found_items()?;
        let mut multi = 0;
        for item in &self.items {
            let sku = &item.ids.supplier_sku;
            validate::price_tiers(&item.price_tiers, format_args!("item {sku} price-tiers"))
                .map_err(|e| fail(e.to_string()))?;
            if item.price_tiers.len() > 1 {
                multi += 1;
            }
        }
        Ok(format!(
            "{} items, {multi} with several price breaks",
            self.items.len()
        ))
    }

    /// Every price is in an ISO 4217 currency the adapter declared.
    pub(super) async fn currencies(&mut self) -> Check {
        self.found_items()?;
        let mut seen = BTreeSet::new();
        for item in &self.items {
            let sku = &item.ids.supplier_sku;
            let prices = item
                .price_tiers
                .iter()
                .map(|t| &t.unit_price)
                .chain(item.list_price.as_ref());
            for price in prices {
                let code = price.currency.as_str();
                Currency::parse(code).map_err(|e| fail(format!("item {sku}: {e}")))?;
                if !self.profile.currencies.iter().any(|c| c == code) {
                    return Err(fail(format!(
                        "item {sku} is priced in {code}, which describe does not list ({})",
                        self.profile.currencies.join(", ")
                    )));
                }
                seen.insert(code.to_string());
            }
        }
        Ok(format!(
            "prices in {}",
            seen.into_iter().collect::<Vec<_>>().join(", ")
        ))
    }

    /// Every GTIN has 14 digits and a correct GS1 check digit.
    pub(super) async fn gtins(&mut self) -> Check {
        self.found_items()?;
        let mut checked = 0;
        for item in &self.items {
            if let Some(g) = &item.ids.gtin {
                let sku = &item.ids.supplier_sku;
                let parsed = Gtin::parse(g).map_err(|e| fail(format!("item {sku}: gtin: {e}")))?;
                if parsed.as_str() != g {
                    return Err(fail(format!(
                        "item {sku}: gtin {g} is not normalised to 14 digits"
                    )));
                }
                checked += 1;
            }
        }
        if checked == 0 {
            return Err(Stop::Skip("no item carries a GTIN".to_string()));
        }
        Ok(format!("{checked} GTINs"))
    }

    /// Known references come back once each; unknown ones are left out, and alone they are
    /// `not-found`.
    pub(super) async fn get_items(&mut self) -> Check {
        self.requires(Capabilities::BATCH_LOOKUP, "batch-lookup")?;
        self.found_items()?;
        let known: Vec<String> = self
            .items
            .iter()
            .take(3)
            .map(|i| i.ids.supplier_sku.clone())
            .collect();
        let mut refs: Vec<ItemRef> = known.iter().cloned().map(ItemRef::Sku).collect();
        refs.push(ItemRef::Sku(UNKNOWN_ID.to_string()));
        let answer = self
            .adapter
            .get_items(&self.ctx(), &refs)
            .await
            .map_err(|e| failed_call("get-items of known skus and one unknown", e))?;
        let mut returned: Vec<&str> = answer.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
        returned.sort_unstable();
        let mut expected: Vec<&str> = known.iter().map(String::as_str).collect();
        expected.sort_unstable();
        if returned != expected {
            return Err(fail(format!(
                "get-items of {expected:?} and {UNKNOWN_ID:?} returned {returned:?}; each known \
                 sku once, unknown ones left out"
            )));
        }
        let alone = [ItemRef::Sku(UNKNOWN_ID.to_string())];
        expect_not_found(
            "get-items of only an unknown sku",
            self.adapter.get_items(&self.ctx(), &alone).await,
        )?;
        Ok(format!("{} known skus and an unknown one", known.len()))
    }

    /// Every line asked about is answered, once.
    pub(super) async fn availability(&mut self) -> Check {
        self.requires(Capabilities::LIVE_AVAILABILITY, "live-availability")?;
        self.found_items()?;
        let lines: Vec<AvailabilityRequest> = self
            .items
            .iter()
            .take(2)
            .enumerate()
            .map(|(n, item)| AvailabilityRequest {
                line_id: format!("A{}", n + 1),
                item: ItemRef::Sku(item.ids.supplier_sku.clone()),
                quantity: orderable_quantity(item),
            })
            .collect();
        let ship_to = self.ship_to();
        let answers = self
            .adapter
            .check_availability(&self.ctx(), &lines, Some(&ship_to))
            .await
            .map_err(|e| failed_call("check-availability", e))?;
        for line in &lines {
            let n = answers.iter().filter(|a| a.line_id == line.line_id).count();
            if n != 1 {
                return Err(fail(format!(
                    "check-availability answered line {} {n} times; every line once",
                    line.line_id
                )));
            }
        }
        Ok(format!("{} lines", lines.len()))
    }

    /// Skip a case that needs items when search found none.
    pub(super) fn found_items(&self) -> Result<(), Stop> {
        if self.items.is_empty() {
            Err(Stop::Skip("search found no items to check".to_string()))
        } else {
            Ok(())
        }
    }
}

/// The answer must be the typed `not-found`.
pub(super) fn expect_not_found<T>(what: &str, answer: Result<T, CallError>) -> Result<(), Stop> {
    match answer {
        Err(CallError::Commerce(CommerceError::NotFound(_))) => Ok(()),
        Err(e) => Err(fail(format!(
            "{what} answered `{}` ({e}); expected `not-found`",
            e.code()
        ))),
        Ok(_) => Err(fail(format!("{what} succeeded; expected `not-found`"))),
    }
}
