//! Contract versioning: the host serves adapters built against an older minor version of the
//! contract through that version's bindings, and refuses a newer one with advice.

use crate::common::{host, query, rewritten};
use mercato::LoadError;
use mercato::conformance::{self, Options, Outcome};
use mercato::contract::*;
use mercato::demo::{buyer_context, plant_3};
use mercato::sandbox::Grants;
use mercato::{CallError, LoadedAdapter};

async fn legacy() -> LoadedAdapter {
    host()
        .load(
            mercato_artifacts::FIXTURE_CONTRACT_V0_1.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("an adapter built against contract 0.1.0 loads")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adapter_built_against_contract_0_1_is_served() {
    let a = legacy().await;
    assert_eq!(a.contract_version(), "0.1.0");
    assert_eq!(a.supplier().as_str(), "legacy");
    assert!(
        a.profile()
            .capabilities
            .contains(Capabilities::INSTANT_QUOTE)
    );
    let ctx = buyer_context("contract-0.1");

    let page = a.search(&ctx, &query("m10", 2)).await.expect("search");
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_cursor.as_deref(), Some("2"));
    assert_eq!(page.items[0].attributes, [("thread".into(), "M10".into())]);
    let found = a
        .get_items(&ctx, &[ItemRef::Sku("LG-3".into())])
        .await
        .expect("get-items");
    assert_eq!(found[0].title, "Washer M10");

    let request = QuoteRequest {
        lines: vec![QuoteLineRequest {
            line_id: "L1".into(),
            item: ItemRef::Sku("LG-1".into()),
            offer_token: None,
            quantity: Quantity::pieces(10),
            target_unit_price: None,
        }],
        ship_to: plant_3(),
        requested_delivery: None,
        currency: Some("EUR".into()),
        requested_valid_until: None,
        allow_substitutes: false,
        incoterms: None,
        buyer_reference: None,
        notes: None,
    };
    let quote = a.request_quote(&ctx, &request).await.expect("quote");
    assert_eq!(quote.status, QuoteStatus::Firm);
    assert_eq!(quote.totals.grand_total.minor, 210);
    assert_eq!(
        a.get_quote(&ctx, &quote.quote_id).await.expect("again"),
        quote
    );

    // Errors cross as the same typed errors.
    let unknown = a.get_quote(&ctx, "Q~L1~NOPE~1").await;
    assert!(
        matches!(
            unknown,
            Err(CallError::Commerce(CommerceError::NotFound(_)))
        ),
        "{unknown:?}"
    );
    // 0.2's check-connection does not exist in 0.1: the host answers for the adapter.
    match a.check_connection(&ctx).await {
        Err(CallError::Commerce(CommerceError::Unsupported(why))) => {
            assert!(why.contains("contract 0.1.0"), "{why}")
        }
        other => panic!("expected unsupported, got {other:?}"),
    }

    let report = conformance::run(&a, &Options::default()).await;
    assert!(report.passed(), "{report}");
    assert!(matches!(
        report.case("connection.check").unwrap().outcome,
        Outcome::Skipped { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn adapters_built_with_today_s_sdk_speak_the_latest_contract() {
    let a = host()
        .load(
            mercato_artifacts::OFFLINE_SUPPLIER.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("loads");
    assert_eq!(a.contract_version(), mercato::contract::VERSION);
    // The SDK's default: nothing to check.
    let checked = a.check_connection(&buyer_context("latest")).await;
    assert!(
        matches!(
            checked,
            Err(CallError::Commerce(CommerceError::Unsupported(_)))
        ),
        "{checked:?}"
    );
}

/// The offline fixture with every `from` in its bytes (export names, the SDK's stamp) made
/// `to`, of the same length.
fn relabelled(from: &[u8], to: &[u8]) -> Vec<u8> {
    let (bytes, replaced) = rewritten(mercato_artifacts::OFFLINE_SUPPLIER.bytes, from, to);
    assert!(replaced > 0);
    bytes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_contract_is_refused_with_advice_to_update_the_host() {
    let bytes = relabelled(b"@0.2.0", b"@1.0.0");
    let err = host()
        .load(bytes, Grants::default())
        .await
        .expect_err("1.0.0 is refused");
    match &err {
        LoadError::UnsupportedContract { found, .. } => assert_eq!(found, "1.0.0"),
        other => panic!("expected UnsupportedContract, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("this host serves 0.1.x and 0.2.x"), "{text}");
    assert!(text.contains("needs a newer Mercato host"), "{text}");
}
