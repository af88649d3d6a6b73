//! A trap in one adapter is contained: typed error, no host panic, other adapters and later
//! calls unaffected.

use crate::common::{host, query};
use mercato::contract::ItemRef;
use mercato::demo::buyer_context;
use mercato::{CallError, sandbox::Grants};

fn ctx() -> mercato::contract::CallContext {
    buyer_context("it-faults")
}

#[tokio::test]
async fn a_panicking_adapter_faults_alone() {
    let host = host();
    let panicking = host
        .load(
            mercato_artifacts::FIXTURE_PANICKING.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("loads");
    let healthy = host
        .load(
            mercato_artifacts::HANSA_CSV.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("loads");

    // Both at once: the panic must not disturb the concurrent healthy call.
    let (c1, q1, c2, q2) = (ctx(), query("M8", 10), ctx(), query("M8 hex bolt", 10));
    let (bad, good) = tokio::join!(panicking.search(&c1, &q1), healthy.search(&c2, &q2));
    match bad {
        Err(CallError::AdapterFault { detail }) => assert!(detail.contains("panicked"), "{detail}"),
        other => panic!("expected an adapter fault, got {other:?}"),
    }
    let page = good.expect("healthy adapter answers");
    assert!(
        page.items
            .iter()
            .any(|i| i.ids.supplier_sku == "H-933-8-30-VZ")
    );

    // After the trap: the same adapter still serves its other operations (fresh instance),
    // and the healthy one is unchanged.
    let again = panicking
        .get_items(&ctx(), &[ItemRef::Sku("X".into())])
        .await
        .expect_err("no catalogue");
    assert!(
        matches!(again, CallError::Commerce(ref e) if e.code() == "not-found"),
        "{again:?}"
    );
    let page = healthy
        .search(&ctx(), &query("M8 hex nut", 10))
        .await
        .expect("still healthy");
    assert!(
        page.items
            .iter()
            .any(|i| i.ids.supplier_sku == "H-934-8-VZ")
    );
}
