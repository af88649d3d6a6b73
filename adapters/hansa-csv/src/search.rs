//! Matching search text against a price-list row.
//!
//! Every word of the query must occur in the row's title, keywords, SKU or MPN, ignoring case.
//! The list is German with English keywords, and buyers say "bolt" for what the trade calls a
//! hexagon head *screw* (Schraube), so those words stand for each other.

use crate::pricelist::Row;

/// Words that name the same thing for a buyer.
const SYNONYMS: &[&[&str]] = &[
    &["bolt", "screw", "schraube"],
    &["nut", "mutter"],
    &["washer", "scheibe"],
    &["stainless", "edelstahl", "a2"],
];

/// Whether `row` matches the query text and category filter.
pub(crate) fn matches(row: &Row, text: Option<&str>, categories: &[String]) -> bool {
    if !categories.is_empty()
        && !categories
            .iter()
            .any(|c| row.category().eq_ignore_ascii_case(c))
    {
        return false;
    }
    let Some(text) = text else {
        return true;
    };
    let haystack = format!("{} {} {} {}", row.title, row.keywords, row.sku, row.mpn).to_lowercase();
    text.split_whitespace().all(|word| {
        let word = word.to_lowercase();
        alternatives(&word)
            .iter()
            .any(|w| haystack.contains(w.as_str()))
    })
}

fn alternatives(word: &str) -> Vec<String> {
    SYNONYMS
        .iter()
        .find(|group| group.contains(&word))
        .map(|group| group.iter().map(|w| (*w).to_string()).collect())
        .unwrap_or_else(|| vec![word.to_string()])
}
