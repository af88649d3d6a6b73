//! Fuzzing the X12 reader and the inbound handler with near-valid interchanges: a pushed
//! document ends in a value or a typed error, never a panic. The signature check is passed,
//! as for a supplier that knows the secret. Long campaign: `PROPTEST_CASES=1000000 cargo test
//! --release -p keystone-x12-adapter fuzz`.

use crate::inbound::{self, Expected, SIGNATURE_HEADER};
use crate::notices::tests::{sample_855, sample_856};
use crate::x12;
use mercato_sdk::contract::InboundDocument;
use mercato_sdk::testing::mutated_by;
use proptest::prelude::*;

proptest! {
    #[test]
    fn fuzz_pushed_interchanges(edits in prop::collection::vec(any::<(u8, usize, u8)>(), 0..12), which in any::<bool>()) {
        let sample = if which { sample_855("PO-1") } else { sample_856("PO-1") };
        let body = mutated_by(sample.as_bytes(), &edits);
        let _ = x12::parse(&body);
        let doc = InboundDocument {
            content_type: "application/edi-x12".to_string(),
            headers: vec![(SIGNATURE_HEADER.to_string(), "sha256=ab".to_string())],
            body,
        };
        let expected = Expected { keystone: "KEYSTONE", buyer: "PLANT3" };
        let _ = inbound::handle(&doc, &expected, |_, _| true, 0);
    }

    #[test]
    fn fuzz_raw_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = x12::parse(&body);
    }
}
