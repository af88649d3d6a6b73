//! The Hansa CSV price-list adapter as a component: catalogue only, no network at all.

use crate::common::{host, page_through, query};
use mercato::contract::*;
use mercato::demo::buyer_context;
use mercato::{CallError, LoadedAdapter, sandbox::Grants};
use mercato_sdk::exact::{self, RoundingMode};

async fn adapter() -> LoadedAdapter {
    // No grants: the price list is inside the component.
    host()
        .load(
            mercato_artifacts::HANSA_CSV.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("loads")
}

#[tokio::test]
async fn search_pages_and_prices_per_hundred() {
    let a = adapter().await;
    let ctx = buyer_context("it-hansa");
    let page = a
        .search(&ctx, &query("M8 hex bolt", 50))
        .await
        .expect("search");
    let bolt = page
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == "H-933-8-30-VZ")
        .expect("found with English words in a German list");
    let tier = &bolt.price_tiers[1];
    assert_eq!(tier.min_quantity, Quantity::pieces(500));
    assert_eq!(
        tier.unit_price.basis,
        Quantity::pieces(100),
        "the price basis is kept, not divided"
    );
    let total = tier
        .unit_price
        .to_exact()
        .expect("exact")
        .total_for(&exact::Quantity::pieces(500), RoundingMode::HalfUp)
        .expect("total");
    assert_eq!(total.minor(), 7_950, "500 at 15,90 per 100");
    assert_eq!(bolt.rules.increment, Some(Quantity::pieces(100)));

    let seen = page_through(&a, &ctx, query("DIN", 9), 1000).await;
    assert!(seen.len() >= 50, "{}", seen.len());

    let mut forged = query("DIN", 9);
    forged.cursor = Some("not-a-cursor".into());
    let e = a.search(&ctx, &forged).await.expect_err("forged cursor");
    assert!(
        matches!(e, CallError::Commerce(ref c) if c.code() == "invalid-request"),
        "{e:?}"
    );
}

#[tokio::test]
async fn lookups_by_sku_gtin_and_mpn() {
    let a = adapter().await;
    let ctx = buyer_context("it-hansa-lookup");
    let items = a
        .get_items(
            &ctx,
            &[
                ItemRef::Sku("H-934-8-VZ".into()),
                ItemRef::Gtin("4012345000191".into()),
                ItemRef::Mpn(MpnRef {
                    manufacturer: Some("Hansa Schrauben".into()),
                    mpn: "125-A8-ZN".into(),
                }),
            ],
        )
        .await
        .expect("lookup");
    let skus: Vec<_> = items.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
    assert_eq!(skus, ["H-934-8-VZ", "H-933-8-30-VZ", "H-125-8-VZ"]);
    assert_eq!(
        items[1].ids.gtin.as_deref(),
        Some("04012345000191"),
        "GTIN normalised to 14 digits"
    );

    let e = a
        .get_items(&ctx, &[ItemRef::Sku("H-NOPE".into())])
        .await
        .expect_err("unknown");
    assert!(
        matches!(e, CallError::Commerce(ref c) if c.code() == "not-found"),
        "{e:?}"
    );
}

#[tokio::test]
async fn operations_it_does_not_declare_are_not_called() {
    let a = adapter().await;
    let ctx = buyer_context("it-hansa-undeclared");
    assert!(a.profile().capabilities.names() == ["search", "batch-lookup", "price-tiers"]);
    let e = a.get_order(&ctx, "4711").await.expect_err("not declared");
    assert!(
        matches!(
            e,
            CallError::NotDeclared {
                capability: "order-status"
            }
        ),
        "{e:?}"
    );
    let e = a.get_quote(&ctx, "Q-1").await.expect_err("not declared");
    assert!(matches!(e, CallError::NotDeclared { .. }), "{e:?}");
}
