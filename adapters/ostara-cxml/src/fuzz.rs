//! Fuzzing the cXML reader and the inbound handler with near-valid documents: a pushed
//! document ends in a value or a typed error, never a panic. Long campaign:
//! `PROPTEST_CASES=1000000 cargo test --release -p ostara-cxml-adapter fuzz`.

use crate::doc;
use crate::inbound::{self, tests};
use mercato_sdk::testing::mutated_by;
use proptest::prelude::*;

proptest! {
    #[test]
    fn fuzz_pushed_documents(edits in prop::collection::vec(any::<(u8, usize, u8)>(), 0..12)) {
        let mut pushed = tests::confirmation("ostara-shared-secret", "ostara-supply");
        pushed.body = mutated_by(&pushed.body, &edits);
        let _ = doc::parse_body(&pushed.body);
        let _ = inbound::handle(&pushed, "ostara-supply", &tests::host, 0);
    }

    #[test]
    fn fuzz_raw_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = doc::parse_body(&body);
    }
}
