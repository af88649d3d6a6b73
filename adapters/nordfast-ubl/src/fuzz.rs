//! Fuzzing the UBL reader with near-valid documents (a quotation, an order response, a
//! despatch advice): each ends in a value or a typed error, never a panic. Long campaign:
//! `PROPTEST_CASES=1000000 cargo test --release -p nordfast-ubl-adapter fuzz`.

use crate::read;
use mercato_sdk::testing::mutated_by;
use proptest::prelude::*;

const SAMPLES: [(&str, &str); 3] = [
    (include_str!("../tests/fixtures/quotation.xml"), "Quotation"),
    (
        include_str!("../tests/fixtures/order_response.xml"),
        "OrderResponse",
    ),
    (
        include_str!("../tests/fixtures/despatch_advice.xml"),
        "DespatchAdvice",
    ),
];

proptest! {
    #[test]
    fn fuzz_documents(edits in prop::collection::vec(any::<(u8, usize, u8)>(), 0..12), which in 0usize..3) {
        let (sample, kind) = SAMPLES[which];
        let body = mutated_by(sample.as_bytes(), &edits);
        let _ = read::parse_body(&body);
        if let Ok(root) = read::document(&body, kind) {
            match kind {
                "Quotation" => drop(read::quote(&root, 0)),
                "OrderResponse" => drop(read::order_response(&root, &[])),
                _ => drop(read::shipment(&root)),
            }
        }
    }

    #[test]
    fn fuzz_raw_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read::parse_body(&body);
    }
}
