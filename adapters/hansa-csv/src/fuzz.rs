//! Fuzzing the price list reader with near-valid lists: each ends in a list or an error
//! naming the line and column, never a panic. Long campaign:
//! `PROPTEST_CASES=1000000 cargo test --release -p hansa-csv-adapter fuzz`.

use crate::pricelist::PriceList;
use mercato_sdk::testing::mutated_by;
use proptest::prelude::*;

proptest! {
    #[test]
    fn fuzz_price_lists(edits in prop::collection::vec(any::<(u8, usize, u8)>(), 0..12), date in "[0-9-]{0,12}") {
        // The first 4 KiB of the real list keeps each case quick.
        let sample = &crate::PRICE_LIST.as_bytes()[..crate::PRICE_LIST.len().min(4096)];
        let text = String::from_utf8_lossy(&mutated_by(sample, &edits)).into_owned();
        let _ = PriceList::parse(&text, crate::PRICE_LIST_DATE);
        let _ = PriceList::parse(&text, &date);
    }
}
