//! The Voltaic REST JSON adapter as a component in the sandbox, against its backend over real
//! HTTP: every operation it declares, and every typed error it maps.

use crate::common::{
    commerce, dec, host, order_line, order_request, page_through, query, quote_request,
};
use mercato::LoadedAdapter;
use mercato::contract::*;
use mercato::demo::{buyer_context, plant_3, voltaic_grants};
use mercato_backends::voltaic::{self, VoltaicBackend, VoltaicConfig};
use std::time::Duration;

const BOLT: &str = "VC-HB-M8X30-A2";
const NUT: &str = "VC-HN-M8-A2";

async fn setup() -> (VoltaicBackend, LoadedAdapter) {
    let backend = voltaic::start(VoltaicConfig::default())
        .await
        .expect("backend");
    let adapter = host()
        .load(
            mercato_artifacts::VOLTAIC_REST.bytes.to_vec(),
            voltaic_grants(&backend).expect("grants"),
        )
        .await
        .expect("adapter loads");
    (backend, adapter)
}

fn assert_totals_consistent(t: &Totals) {
    let sum = t.lines.minor
        + t.discounts.minor
        + t.shipping.minor
        + t.fees.minor
        + if t.tax_included { 0 } else { t.tax.minor };
    assert_eq!(sum, t.grand_total.minor, "totals do not add up: {t:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogue_operations_through_the_sandbox() {
    let (_backend, a) = setup().await;
    let ctx = buyer_context("it-voltaic-catalog");
    let caps = &a.profile().capabilities;
    for needed in [
        Capabilities::SEARCH,
        Capabilities::BATCH_LOOKUP,
        Capabilities::LIVE_AVAILABILITY,
        Capabilities::INSTANT_QUOTE,
        Capabilities::PLACE_ORDER,
        Capabilities::CANCEL_ORDER,
        Capabilities::ORDER_STATUS,
        Capabilities::SHIPMENT_TRACKING,
        Capabilities::INVOICES,
        Capabilities::RETURNS,
        Capabilities::INBOUND_DOCUMENTS,
    ] {
        assert!(caps.contains(needed), "{needed:?} not declared");
    }
    assert_eq!(a.describe().await.expect("describe"), *a.profile());

    let page = a
        .search(&ctx, &query("M8 hex bolt", 10))
        .await
        .expect("search");
    let bolt = page
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == BOLT)
        .expect("the M8x30 bolt is found");
    let tier_500 = bolt
        .price_tiers
        .iter()
        .find(|t| t.min_quantity == Quantity::pieces(500))
        .expect("a 500 tier");
    assert_eq!(
        tier_500.unit_price.amount,
        dec(24, 2),
        "0,24 € read exactly"
    );
    assert_eq!(tier_500.unit_price.currency, "EUR");

    // Browse everything in pages of 4: the cursor terminates and never repeats an item.
    let seen = page_through(
        &a,
        &ctx,
        {
            let mut q = query("", 4);
            q.text = None;
            q
        },
        50,
    )
    .await;
    assert!(seen.len() >= 12, "{} items browsed", seen.len());

    let items = a
        .get_items(
            &ctx,
            &[
                ItemRef::Sku(NUT.into()),
                ItemRef::Gtin(bolt.ids.gtin.clone().expect("bolt has a GTIN")),
                ItemRef::Sku("VC-NO-SUCH-PART".into()),
            ],
        )
        .await
        .expect("lookup");
    let skus: Vec<_> = items.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
    assert!(skus.contains(&NUT) && skus.contains(&BOLT), "{skus:?}");
    assert_eq!(items.len(), 2, "the unknown part is left out");

    let answers = a
        .check_availability(
            &ctx,
            &[AvailabilityRequest {
                line_id: "1".into(),
                item: ItemRef::Sku(BOLT.into()),
                quantity: Quantity::pieces(500),
            }],
            Some(&plant_3()),
        )
        .await
        .expect("availability");
    assert_eq!(answers[0].line_id, "1");
    assert_eq!(answers[0].availability.status, StockStatus::InStock);
    assert_eq!(
        answers[0].availability.on_hand,
        Some(Quantity::pieces(15243))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quote_order_and_after_sales_through_the_sandbox() {
    let (backend, a) = setup().await;
    let ctx = buyer_context("it-voltaic-order");
    let quote = a
        .request_quote(&ctx, &quote_request(&[("1", BOLT, 500), ("2", NUT, 500)]))
        .await
        .expect("quote");
    assert_eq!(quote.status, QuoteStatus::Firm);
    assert_eq!(quote.lines.len(), 2);
    assert_totals_consistent(&quote.totals);
    let again = a.get_quote(&ctx, &quote.quote_id).await.expect("get-quote");
    assert_eq!(again.quote_id, quote.quote_id);
    assert_eq!(again.totals, quote.totals);

    let lines = quote
        .lines
        .iter()
        .map(|l| {
            order_line(
                &l.line_id,
                &l.item.supplier_sku,
                l.quantity.steps,
                Some(l.unit_price.clone()),
            )
        })
        .collect();
    let mut req = order_request(
        "key-voltaic-1",
        "PO-IT-V1",
        lines,
        quote.totals.grand_total.clone(),
    );
    req.quote_id = Some(quote.quote_id.clone());
    let order = a.place_order(&ctx, &req).await.expect("order");
    assert_eq!(order.buyer_po, "PO-IT-V1");
    assert!(matches!(order.ack, AckStatus::Accepted), "{:?}", order.ack);
    assert_totals_consistent(&order.totals);

    // The same request again: the supplier dedupes on the forwarded key.
    let replay = a.place_order(&ctx, &req).await.expect("replay");
    assert_eq!(replay.order_id, order.order_id);
    assert_eq!(backend.orders_for_po("PO-IT-V1").len(), 1);
    assert_eq!(
        backend.stock_of(BOLT),
        Some(15243 - 500),
        "stock went down once"
    );

    // Found by order id and by buyer PO (crash recovery asks by PO).
    let by_id = a.get_order(&ctx, &order.order_id).await.expect("by id");
    let by_po = a.get_order(&ctx, "PO-IT-V1").await.expect("by PO");
    assert_eq!(by_id.order_id, order.order_id);
    assert_eq!(by_po.order_id, order.order_id);

    let shipments = a
        .list_shipments(&ctx, &order.order_id)
        .await
        .expect("shipments");
    assert!(!shipments.is_empty(), "in-stock lines ship at once");
    assert!(shipments[0].tracking_number.is_some());
    let invoices = a
        .list_invoices(&ctx, &order.order_id)
        .await
        .expect("invoices");
    assert!(!invoices.is_empty(), "shipped quantities are invoiced");
    assert_totals_consistent(&invoices[0].totals);

    // Shipped lines cannot be cancelled any more; the supplier refuses and says so.
    let cancel = a
        .cancel_order(
            &ctx,
            &CancelRequest {
                idempotency_key: "cancel-it-v1".into(),
                order_id: order.order_id.clone(),
                line_ids: vec![],
                reason: Some("test".into()),
            },
        )
        .await
        .expect("cancel answered");
    assert_eq!(cancel.status, CancelStatus::Refused);

    let rma = a
        .request_return(
            &ctx,
            &ReturnRequest {
                idempotency_key: "return-it-v1".into(),
                order_id: order.order_id.clone(),
                lines: vec![ReturnLine {
                    line_id: "1".into(),
                    quantity: Quantity::pieces(20),
                    reason: ReturnReason::Damaged,
                }],
                notes: None,
            },
        )
        .await
        .expect("return");
    assert_eq!(rma.status, ReturnStatus::Authorized);

    // A webhook the supplier pushed, verified with a secret the adapter never sees.
    let hooks = backend.webhooks(&order.order_id);
    assert!(!hooks.is_empty(), "the backend produced webhooks");
    let doc = |body: Vec<u8>, signature: &str| InboundDocument {
        content_type: "application/json".into(),
        headers: vec![(voltaic::SIGNATURE_HEADER.into(), signature.into())],
        body,
    };
    let result = a
        .handle_inbound(&ctx, &doc(hooks[0].body.clone(), &hooks[0].signature))
        .await
        .expect("signed webhook accepted");
    assert!(!result.events.is_empty());
    let forged = a
        .handle_inbound(&ctx, &doc(hooks[0].body.clone(), "sha256=00"))
        .await
        .expect_err("forged webhook");
    assert_eq!(commerce(forged).code(), "unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn backordered_lines_can_be_cancelled() {
    let (_backend, a) = setup().await;
    let ctx = buyer_context("it-voltaic-backorder");
    // The ESP32 module is out of stock (84 days lead time) but takes backorders.
    let req = order_request(
        "key-voltaic-bo",
        "PO-IT-BO",
        vec![order_line("1", "VC-ESP32-WROOM", 10, None)],
        Money {
            currency: "EUR".into(),
            minor: 10_000_000,
        },
    );
    let order = a.place_order(&ctx, &req).await.expect("order");
    assert!(
        order
            .lines
            .iter()
            .all(|l| l.status == LineStatus::Backordered),
        "{:?}",
        order.lines
    );
    let cancel = a
        .cancel_order(
            &ctx,
            &CancelRequest {
                idempotency_key: "cancel-bo".into(),
                order_id: order.order_id.clone(),
                line_ids: vec!["1".into()],
                reason: None,
            },
        )
        .await
        .expect("cancel");
    assert!(
        matches!(
            cancel.status,
            CancelStatus::Cancelled | CancelStatus::PartiallyCancelled
        ),
        "{:?}",
        cancel.status
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn supplier_errors_reach_the_caller_typed() {
    let (backend, a) = setup().await;
    let ctx = buyer_context("it-voltaic-errors");
    let big = Money {
        currency: "EUR".into(),
        minor: 100_000_000,
    };

    let e = commerce(
        a.get_order(&ctx, "VC-NO-SUCH-ORDER")
            .await
            .expect_err("unknown"),
    );
    assert_eq!(e.code(), "not-found");

    // The discontinued op-amp has 40 left and takes no backorders.
    let e = commerce(
        a.place_order(
            &ctx,
            &order_request(
                "k-oos",
                "PO-OOS",
                vec![order_line("1", "VC-LM741CN", 100, None)],
                big.clone(),
            ),
        )
        .await
        .expect_err("short"),
    );
    let CommerceError::OutOfStock(short) = e else {
        panic!("out-of-stock expected, got {e:?}");
    };
    assert_eq!(short[0].line_id, "1");
    assert_eq!(short[0].available, Some(Quantity::pieces(40)));

    // The 10k resistor is sold in multiples of 100.
    let e = commerce(
        a.place_order(
            &ctx,
            &order_request(
                "k-qty",
                "PO-QTY",
                vec![order_line("1", "VC-RES-10K-0805", 150, None)],
                big.clone(),
            ),
        )
        .await
        .expect_err("rules"),
    );
    let CommerceError::QuantityRule(v) = e else {
        panic!("quantity-rule expected, got {e:?}");
    };
    assert_eq!(v[0].rules.increment, Some(Quantity::pieces(100)));

    // The copper busbar's price moves with the metal market: read it, wait an hour, order.
    let busbar = a
        .get_items(&ctx, &[ItemRef::Sku("VC-CU-BUSBAR-10X3".into())])
        .await
        .expect("busbar");
    let seen = busbar[0].price_tiers[0].unit_price.clone();
    backend.control().advance(Duration::from_secs(3_600));
    let e = commerce(
        a.place_order(
            &ctx,
            &order_request(
                "k-price",
                "PO-PRICE",
                vec![order_line("1", "VC-CU-BUSBAR-10X3", 1, Some(seen.clone()))],
                big.clone(),
            ),
        )
        .await
        .expect_err("price moved"),
    );
    let CommerceError::PriceChanged(changes) = e else {
        panic!("price-changed expected, got {e:?}");
    };
    assert_eq!(changes[0].expected, seen);
    assert_ne!(changes[0].actual.amount, seen.amount);

    // A quote (cart) holds 24 hours.
    let quote = a
        .request_quote(&ctx, &quote_request(&[("1", NUT, 100)]))
        .await
        .expect("quote");
    backend.control().advance(Duration::from_secs(25 * 3_600));
    let mut late = order_request(
        "k-late",
        "PO-LATE",
        vec![order_line("1", NUT, 100, None)],
        big.clone(),
    );
    late.quote_id = Some(quote.quote_id.clone());
    let e = commerce(a.place_order(&ctx, &late).await.expect_err("expired"));
    assert_eq!(e.code(), "quote-expired");

    backend.control().fail_next(429, 1, Some(7));
    let e = commerce(
        a.search(&ctx, &query("nut", 5))
            .await
            .expect_err("throttled"),
    );
    assert_eq!(
        e,
        CommerceError::RateLimited(RetryHint {
            retry_after_ms: Some(7_000)
        })
    );

    backend.control().fail_next(503, 1, Some(2));
    let e = commerce(a.search(&ctx, &query("nut", 5)).await.expect_err("down"));
    assert_eq!(
        e,
        CommerceError::SupplierUnavailable(RetryHint {
            retry_after_ms: Some(2_000)
        })
    );
    assert_eq!(backend.order_count(), 0, "no refused order was stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_key_comes_from_the_host_not_the_adapter() {
    let backend = voltaic::start(VoltaicConfig::default())
        .await
        .expect("backend");
    // The same grants without the key: the adapter cannot authenticate by itself, because it
    // never holds the key; the host would have attached it.
    let mut grants = voltaic_grants(&backend).expect("grants");
    grants.secrets = Default::default();
    let a = host()
        .load(mercato_artifacts::VOLTAIC_REST.bytes.to_vec(), grants)
        .await
        .expect("loads");
    let e = commerce(
        a.search(&buyer_context("it-key"), &query("nut", 5))
            .await
            .expect_err("no key"),
    );
    assert_eq!(e.code(), "unauthorized");

    // And with the backend gone, the failure is typed and retryable.
    let (backend, a) = setup().await;
    backend.stop().await;
    let e = commerce(
        a.search(&buyer_context("it-gone"), &query("nut", 5))
            .await
            .expect_err("gone"),
    );
    assert_eq!(e.code(), "supplier-unavailable");
}
