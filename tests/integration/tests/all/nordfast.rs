//! The Nordfast UBL 2.1 adapter as a component in the sandbox, against its backend over real
//! HTTP: every operation it declares, the UBL line statuses, and its typed errors.

use crate::common::{
    commerce, eur, host, order_line, order_request, page_through, query, quote_request,
};
use mercato::contract::*;
use mercato::demo::{NORDFAST_DEMO_TOKEN, buyer_context, nordfast_grants, plant_3};
use mercato::{CallError, LoadedAdapter};
use mercato_backends::nordfast::{self, NordfastBackend, NordfastConfig};
use std::time::Duration;

const BOLT: &str = "NF-10001";
const NUT: &str = "NF-20001";
/// Stainless bolt with no stock: orders for it are backordered.
const NO_STOCK: &str = "NF-10004";
/// Roller bearing whose price follows an index, rising 2 % an hour.
const INDEXED: &str = "NF-50003";

async fn setup() -> (NordfastBackend, LoadedAdapter) {
    let backend = nordfast::start(NordfastConfig::bearer(NORDFAST_DEMO_TOKEN))
        .await
        .expect("backend");
    let adapter = host()
        .load(
            mercato_artifacts::NORDFAST_UBL.bytes.to_vec(),
            nordfast_grants(&backend).expect("grants"),
        )
        .await
        .expect("adapter loads");
    (backend, adapter)
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogue_operations_through_the_sandbox() {
    let (backend, a) = setup().await;
    let ctx = buyer_context("it-nordfast-catalog");
    assert_eq!(a.supplier().as_str(), "nordfast");
    assert!(!a.profile().capabilities.contains(Capabilities::RETURNS));

    let page = a
        .search(&ctx, &query("M8 hex bolt", 10))
        .await
        .expect("search");
    let bolt = page
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == BOLT)
        .expect("the M8x30 screw is found by the buyer's words");
    let tiers: Vec<(u64, i64, u8)> = bolt
        .price_tiers
        .iter()
        .map(|t| {
            (
                t.min_quantity.steps,
                t.unit_price.amount.mantissa,
                t.unit_price.amount.scale,
            )
        })
        .collect();
    assert_eq!(
        tiers,
        [(1, 290, 3), (100, 210, 3), (500, 170, 3)],
        "UBL price breaks, exact"
    );
    assert_eq!(
        bolt.availability.as_ref().and_then(|a| a.lead_time_days),
        Some(3)
    );

    let seen = page_through(
        &a,
        &ctx,
        {
            let mut q = query("", 3);
            q.text = None;
            q
        },
        50,
    )
    .await;
    assert!(seen.len() >= 15, "{} items browsed", seen.len());

    let items = a
        .get_items(
            &ctx,
            &[ItemRef::Sku(NUT.into()), ItemRef::Sku("NF-99999".into())],
        )
        .await
        .expect("lookup");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].ids.supplier_sku, NUT);

    let answers = a
        .check_availability(
            &ctx,
            &[
                AvailabilityRequest {
                    line_id: "a".into(),
                    item: ItemRef::Sku(BOLT.into()),
                    quantity: Quantity::pieces(500),
                },
                AvailabilityRequest {
                    line_id: "b".into(),
                    item: ItemRef::Sku(NO_STOCK.into()),
                    quantity: Quantity::pieces(10),
                },
            ],
            Some(&plant_3()),
        )
        .await
        .expect("availability");
    assert_eq!(answers.len(), 2);
    assert_eq!(
        answers[0].availability.on_hand,
        Some(Quantity::pieces(backend.stock_of(BOLT).expect("known")))
    );
    assert_ne!(answers[1].availability.status, StockStatus::InStock);
}

#[tokio::test(flavor = "multi_thread")]
async fn quote_order_and_fulfilment_through_the_sandbox() {
    let (backend, a) = setup().await;
    let ctx = buyer_context("it-nordfast-order");
    let quote = a
        .request_quote(&ctx, &quote_request(&[("1", BOLT, 500), ("2", NUT, 500)]))
        .await
        .expect("quote");
    assert_eq!(quote.status, QuoteStatus::Firm);
    assert_eq!(
        quote.totals.grand_total,
        eur(13_673),
        "the demo basket, to the cent"
    );
    let t = &quote.totals;
    assert_eq!(
        t.lines.minor + t.shipping.minor + t.fees.minor + t.discounts.minor + t.tax.minor,
        t.grand_total.minor
    );
    let again = a.get_quote(&ctx, &quote.quote_id).await.expect("get-quote");
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
        "key-nordfast-1",
        "PO-IT-N1",
        lines,
        quote.totals.grand_total.clone(),
    );
    req.quote_id = Some(quote.quote_id.clone());
    let order = a.place_order(&ctx, &req).await.expect("order");
    assert_eq!(order.ack, AckStatus::Accepted);
    assert!(order.lines.iter().all(|l| l.status == LineStatus::Accepted));
    let replay = a.place_order(&ctx, &req).await.expect("replay");
    assert_eq!(replay.order_id, order.order_id);
    let held = backend.orders_for_buyer_po("PO-IT-N1");
    assert_eq!(held.len(), 1, "the UBL UUID deduplicated the retry");
    assert_eq!(held[0].uuid, "key-nordfast-1");
    assert_eq!(
        held[0].originator.as_deref(),
        Some("press-line-7-maintenance-bot")
    );

    let by_po = a.get_order(&ctx, "PO-IT-N1").await.expect("by PO");
    assert_eq!(by_po.order_id, order.order_id);
    let shipments = a
        .list_shipments(&ctx, &order.order_id)
        .await
        .expect("despatch advices");
    assert_eq!(shipments.len(), 1);
    assert!(shipments[0].tracking_number.is_some());
    let invoices = a
        .list_invoices(&ctx, &order.order_id)
        .await
        .expect("invoices");
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].totals.grand_total, eur(13_673));

    let refused = a
        .cancel_order(
            &ctx,
            &CancelRequest {
                idempotency_key: "cancel-n1".into(),
                order_id: order.order_id.clone(),
                line_ids: vec![],
                reason: None,
            },
        )
        .await
        .expect("an answer");
    assert_eq!(
        refused.status,
        CancelStatus::Refused,
        "despatched orders cannot be cancelled"
    );

    let returns = a
        .request_return(
            &ctx,
            &ReturnRequest {
                idempotency_key: "r".into(),
                order_id: order.order_id.clone(),
                lines: vec![],
                notes: None,
            },
        )
        .await
        .expect_err("returns are not declared");
    assert!(
        matches!(
            returns,
            CallError::NotDeclared {
                capability: "returns"
            }
        ),
        "{returns:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn line_changes_backorders_and_pushed_documents() {
    let (backend, a) = setup().await;
    let ctx = buyer_context("it-nordfast-lines");

    // The indexed bearing: seen at one price, ordered an hour later at the old price.
    let seen = a
        .get_items(&ctx, &[ItemRef::Sku(INDEXED.into())])
        .await
        .expect("bearing")[0]
        .price_tiers[0]
        .unit_price
        .clone();
    backend.control().advance(Duration::from_secs(3_600));
    let order = a
        .place_order(
            &ctx,
            &order_request(
                "k-price",
                "PO-IT-PRICE",
                vec![order_line("1", INDEXED, 4, Some(seen.clone()))],
                eur(1_000_000),
            ),
        )
        .await
        .expect("accepted with changes");
    assert_eq!(order.ack, AckStatus::AcceptedWithChanges);
    assert_eq!(order.lines[0].status, LineStatus::AcceptedPriceChanged);
    assert_ne!(order.lines[0].unit_price.amount, seen.amount);

    // No stock: backordered, and cancellable while nothing is despatched.
    let waiting = a
        .place_order(
            &ctx,
            &order_request(
                "k-bo",
                "PO-IT-BO",
                vec![order_line("1", NO_STOCK, 200, None)],
                eur(1_000_000),
            ),
        )
        .await
        .expect("backordered");
    assert_eq!(waiting.lines[0].status, LineStatus::Backordered);
    let cancellable = a
        .place_order(
            &ctx,
            &order_request(
                "k-bo2",
                "PO-IT-BO2",
                vec![order_line("1", NO_STOCK, 50, None)],
                eur(1_000_000),
            ),
        )
        .await
        .expect("backordered too");
    let cancel = a
        .cancel_order(
            &ctx,
            &CancelRequest {
                idempotency_key: "cancel-bo2".into(),
                order_id: cancellable.order_id.clone(),
                line_ids: vec![],
                reason: Some("plan changed".into()),
            },
        )
        .await
        .expect("cancel");
    assert_eq!(cancel.status, CancelStatus::Cancelled);
    assert_eq!(cancel.order.status, OrderStatus::Cancelled);

    // Three weeks later the restock arrives and the supplier pushes its documents.
    backend.control().advance(Duration::from_secs(21 * 86_400));
    let pushed = backend.restock();
    assert_eq!(pushed.len(), 3, "OrderResponse, DespatchAdvice, Invoice");
    let mut kinds = Vec::new();
    for doc in pushed {
        let result = a
            .handle_inbound(
                &ctx,
                &InboundDocument {
                    content_type: "application/xml".into(),
                    headers: vec![],
                    body: doc.xml.into_bytes(),
                },
            )
            .await
            .expect("document parsed");
        for event in result.events {
            kinds.push(match event {
                OrderEvent::OrderUpdated(o) => {
                    assert_eq!(o.order_id, waiting.order_id);
                    "order"
                }
                OrderEvent::ShipmentUpdated(s) => {
                    assert_eq!(s.lines[0].quantity, Quantity::pieces(200));
                    "shipment"
                }
                OrderEvent::InvoiceIssued(_) => "invoice",
            });
        }
    }
    assert_eq!(kinds, ["order", "shipment", "invoice"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn supplier_errors_reach_the_caller_typed() {
    let (backend, a) = setup().await;
    let ctx = buyer_context("it-nordfast-errors");

    let e = commerce(
        a.get_order(&ctx, "NF-SO-999999")
            .await
            .expect_err("unknown"),
    );
    assert_eq!(e.code(), "not-found");

    let quote = a
        .request_quote(&ctx, &quote_request(&[("1", BOLT, 100)]))
        .await
        .expect("quote");
    backend.control().advance(Duration::from_secs(49 * 3_600));
    let mut late = order_request(
        "k-late",
        "PO-IT-LATE",
        vec![order_line("1", BOLT, 100, None)],
        eur(1_000_000),
    );
    late.quote_id = Some(quote.quote_id.clone());
    let e = commerce(a.place_order(&ctx, &late).await.expect_err("expired"));
    assert!(
        matches!(&e, CommerceError::QuoteExpired(text) if text.contains(&quote.quote_id)),
        "{e:?}"
    );

    backend.control().fail_next(429, 1, Some(4));
    let e = commerce(
        a.search(&ctx, &query("nut", 5))
            .await
            .expect_err("throttled"),
    );
    assert_eq!(
        e,
        CommerceError::RateLimited(RetryHint {
            retry_after_ms: Some(4_000)
        })
    );

    backend.control().fail_next(502, 1, None);
    let e = commerce(
        a.search(&ctx, &query("nut", 5))
            .await
            .expect_err("bad gateway"),
    );
    assert_eq!(
        e,
        CommerceError::SupplierUnavailable(RetryHint {
            retry_after_ms: None
        })
    );

    // A grant without the token: the supplier refuses, typed.
    let mut grants = nordfast_grants(&backend).expect("grants");
    grants.secrets = Default::default();
    let anonymous = host()
        .load(mercato_artifacts::NORDFAST_UBL.bytes.to_vec(), grants)
        .await
        .expect("loads");
    let e = commerce(
        anonymous
            .search(&ctx, &query("nut", 5))
            .await
            .expect_err("no token"),
    );
    assert_eq!(e.code(), "unauthorized");
}
