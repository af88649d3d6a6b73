//! The offline benchmark supplier as a component: the host accepts every answer it gives, and
//! rewriting its supplier id in the bytes makes another supplier, as the benchmarks do.

use crate::common::{eur, host, order_line, order_request, page_through, quote_request, rewritten};
use mercato::LoadedAdapter;
use mercato::contract::*;
use mercato::demo::buyer_context;
use mercato::sandbox::Grants;

/// The supplier id compiled into the component.
const SUPPLIER: &[u8] = b"offline-00";

/// The component with every occurrence of its supplier id replaced by `id` (same length).
fn renamed(id: &str) -> Vec<u8> {
    assert_eq!(id.len(), SUPPLIER.len());
    let (bytes, replaced) = rewritten(
        mercato_artifacts::OFFLINE_SUPPLIER.bytes,
        SUPPLIER,
        id.as_bytes(),
    );
    assert!(
        replaced >= 2,
        "the manifest and describe both name the supplier"
    );
    bytes
}

async fn adapter() -> LoadedAdapter {
    // No grants: nothing leaves the component.
    host()
        .load(
            mercato_artifacts::OFFLINE_SUPPLIER.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("loads")
}

fn browse(page_size: u32) -> SearchQuery {
    SearchQuery {
        text: None,
        categories: vec![],
        in_stock_only: false,
        page_size,
        cursor: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn search_quote_and_order_pass_the_host_checks() {
    let a = adapter().await;
    let ctx = buyer_context("it-offline");
    assert_eq!(a.supplier().as_str(), "offline-00");
    assert_eq!(
        a.profile().capabilities.names(),
        [
            "search",
            "batch-lookup",
            "price-tiers",
            "instant-quote",
            "place-order"
        ]
    );

    let page = a.search(&ctx, &browse(50)).await.expect("search");
    assert_eq!(page.items.len(), 50);
    assert_eq!(page.next_cursor.as_deref(), Some("50"));
    let seen = page_through(&a, &ctx, browse(100), 1000).await;
    assert_eq!(seen.len(), 500);

    let items = a
        .get_items(
            &ctx,
            &[
                ItemRef::Sku("OFF-00042".into()),
                ItemRef::Gtin("4260999000078".into()),
            ],
        )
        .await
        .expect("lookup");
    assert_eq!(items.len(), 2);

    let lines = [("1", "OFF-00042", 10), ("2", "OFF-00007", 250)];
    let quote = a
        .request_quote(&ctx, &quote_request(&lines))
        .await
        .expect("quote");
    assert_eq!(quote.status, QuoteStatus::Firm);
    let again = a.get_quote(&ctx, &quote.quote_id).await.expect("get-quote");
    assert_eq!(again, quote, "get-quote rebuilds the quote from its id");
    let e = a.get_quote(&ctx, "Q-NOPE").await.expect_err("not issued");
    assert!(
        matches!(e, mercato::CallError::Commerce(ref c) if c.code() == "not-found"),
        "{e:?}"
    );

    let mut req = order_request(
        "it-offline-key-1",
        "PO-OFFLINE-1",
        lines
            .iter()
            .zip(&quote.lines)
            .map(|((id, sku, n), q)| order_line(id, sku, *n, Some(q.unit_price.clone())))
            .collect(),
        eur(quote.totals.grand_total.minor),
    );
    req.quote_id = Some(quote.quote_id.clone());
    let first = a.place_order(&ctx, &req).await.expect("order");
    let retry = a.place_order(&ctx, &req).await.expect("retry");
    assert_eq!(retry.order_id, first.order_id, "same key, same order");
    assert_eq!(retry.lines, first.lines);
    assert_eq!(first.totals, quote.totals);
    assert_eq!(first.buyer_po, "PO-OFFLINE-1");
    assert!(first.lines.iter().all(|l| l.status == LineStatus::Accepted));
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_the_supplier_in_the_bytes_makes_another_supplier() {
    let h = host();
    let mut names = Vec::new();
    for id in ["offline-01", "offline-07"] {
        let a = h.load(renamed(id), Grants::default()).await.expect("loads");
        assert_eq!(a.profile().supplier_id, id);
        let page = a
            .search(&buyer_context("it-offline-renamed"), &browse(5))
            .await
            .expect("search");
        assert_eq!(page.items.len(), 5);
        names.push(a.supplier().as_str().to_string());
    }
    assert_eq!(names, ["offline-01", "offline-07"]);
}
