//! Fuzzing the webhook reader with near-valid events: a pushed event ends in a value or a
//! typed error, never a panic. The signature check is passed, as for a sender that knows the
//! secret. Long campaign: `PROPTEST_CASES=1000000 cargo test --release -p voltaic-rest-adapter fuzz`.

use crate::inbound::{self, SIGNATURE_HEADER, tests};
use mercato_sdk::contract::InboundDocument;
use mercato_sdk::testing::mutated_by;
use proptest::prelude::*;

proptest! {
    #[test]
    fn fuzz_webhook_events(edits in prop::collection::vec(any::<(u8, usize, u8)>(), 0..12)) {
        let sample = serde_json::to_vec(&tests::order_hook()).expect("json");
        let doc = InboundDocument {
            content_type: "application/json".to_string(),
            headers: vec![(SIGNATURE_HEADER.to_string(), "sha256=ab".to_string())],
            body: mutated_by(&sample, &edits),
        };
        let _ = inbound::handle(&doc, |_, _| true);
    }
}
