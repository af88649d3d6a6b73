//! The demo's story, run as a test against the same set-up `mercato demo` uses.

use mercato::EngineConfig;
use mercato::demo::{Suppliers, run_with};

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_orders_once_from_the_cheapest_timely_firm_quote() {
    let suppliers = Suppliers::start(EngineConfig {
        pool_size: 64,
        ..EngineConfig::default()
    })
    .await
    .expect("suppliers start");
    let mut out = Vec::new();
    let outcome = run_with(&suppliers, &mut out)
        .await
        .expect("the story runs");
    let text = String::from_utf8(out).expect("utf-8");

    // Nordfast's firm quote (136.73 EUR) beats Voltaic's (181.48 EUR); Hansa does not quote.
    assert_eq!(outcome.supplier.as_str(), "nordfast", "{text}");
    assert_eq!(outcome.order.totals.grand_total.minor, 13_673, "{text}");
    assert_eq!(outcome.retried_order_id, outcome.order.order_id);
    assert_eq!(outcome.supplier_orders_for_po, 1);
    assert!(!outcome.shipments.is_empty());
    for expected in [
        "Hansa Schrauben sells from a price list only",
        "H-933-8-30-VZ",
        "no duplicate was made",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert_eq!(
        suppliers.voltaic.order_count(),
        0,
        "nothing was ordered from Voltaic"
    );
}
