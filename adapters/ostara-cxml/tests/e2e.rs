//! The adapter against the real Ostara backend over HTTP, natively.
//!
//! Requests go over the network with `X-Ostara-Shared-Secret` added, as the host attaches the
//! granted secret; the adapter itself never sets it. Pushed documents are taken from the
//! backend's outbox and handed to `handle-inbound` the way the host's `POST /inbound/ostara`
//! would, with the same secret granted for `host.hmac-sha256`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use mercato_backends::ostara::{self, OstaraBackend, OstaraConfig};
use mercato_sdk::Adapter;
use mercato_sdk::contract::*;
use mercato_sdk::testing;
use ostara_cxml_adapter::OstaraAdapter;

const SECRET: &str = "plant3-ostara-shared-secret";

async fn backend() -> Arc<OstaraBackend> {
    Arc::new(
        ostara::start(OstaraConfig::new(SECRET))
            .await
            .expect("backend starts"),
    )
}

/// Run adapter calls on a blocking thread with settings, secret and transport installed.
async fn run<T: Send + 'static>(
    base_url: String,
    secret: &'static str,
    f: impl FnOnce(&OstaraAdapter, &CallContext) -> T + Send + 'static,
) -> T {
    tokio::task::spawn_blocking(move || {
        testing::reset();
        testing::set_setting("base-url", &base_url);
        testing::set_setting("buyer-identity", "plant3-buyer");
        testing::set_secret("shared-secret", secret.as_bytes());
        testing::use_network_with_headers(&[("x-ostara-shared-secret", secret)]);
        let mut ctx = testing::call_context();
        ctx.currency = Some("EUR".into());
        f(&OstaraAdapter, &ctx)
    })
    .await
    .expect("the adapter thread finishes")
}

fn plant3() -> Address {
    Address {
        location_id: Some("4006381333931".into()),
        name: Some("Plant 3".into()),
        organization: Some("Plant 3 GmbH".into()),
        lines: vec!["Industriestrasse 3".into()],
        city: "Stuttgart".into(),
        region: None,
        postal_code: Some("70565".into()),
        country: "DE".into(),
        contact: None,
    }
}

fn qty(n: u64, unit: &str) -> Quantity {
    Quantity {
        steps: n,
        unit: unit.into(),
        scale: 0,
    }
}

fn line(id: &str, sku: &str, n: u64, unit: &str) -> OrderLineRequest {
    OrderLineRequest {
        line_id: id.into(),
        item: ItemRef::Sku(sku.into()),
        offer_token: None,
        quantity: qty(n, unit),
        expected_unit_price: None,
    }
}

fn order_request(key: &str, po: &str, lines: Vec<OrderLineRequest>) -> OrderRequest {
    OrderRequest {
        idempotency_key: key.into(),
        buyer_po: po.into(),
        quote_id: None,
        lines,
        ship_to: plant3(),
        bill_to: None,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: PartialDelivery::Allow,
        max_total: Money {
            currency: "EUR".into(),
            minor: 100_000,
        },
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: Some("dock 4".into()),
    }
}

fn inbound(body: &str) -> InboundDocument {
    InboundDocument {
        content_type: "text/xml".into(),
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalogue_pages_to_the_end_without_repeats() {
    let b = backend().await;
    let pages = run(b.base_url(), SECRET, |a, ctx| {
        let mut query = SearchQuery {
            text: None,
            categories: Vec::new(),
            in_stock_only: false,
            page_size: 4,
            cursor: None,
        };
        let mut pages = Vec::new();
        loop {
            let page = a.search(ctx, query.clone()).expect("page");
            let next = page.next_cursor.clone();
            pages.push(page);
            match next {
                Some(c) => query.cursor = Some(c),
                None => break pages,
            }
            assert!(pages.len() < 10, "paging must end");
        }
    })
    .await;
    assert_eq!(pages.len(), 4, "14 items in pages of 4");
    let skus: Vec<String> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|i| i.ids.supplier_sku.clone()))
        .collect();
    let unique: BTreeSet<&String> = skus.iter().collect();
    assert_eq!((skus.len(), unique.len()), (14, 14));
    for item in pages.iter().flat_map(|p| &p.items) {
        assert_eq!(item.price_tiers.len(), 1);
        assert_eq!(item.price_tiers[0].unit_price.currency, "EUR");
        if let Some(g) = &item.ids.gtin {
            assert!(mercato_sdk::gtin::is_valid(g) && g.len() == 14, "{g}");
        }
    }
    let gloves = pages[0]
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == "OS-1001");
    let gloves = gloves.expect("OS-1001 on the first page");
    assert_eq!(gloves.sale_unit, "BX");
    assert_eq!(gloves.price_tiers[0].unit_price.amount.mantissa, 890);

    let (found, stocked, filtered, unknown, bad_cursor) = run(b.base_url(), SECRET, |a, ctx| {
        let q = |text: Option<&str>, in_stock: bool, categories: Vec<String>| SearchQuery {
            text: text.map(str::to_string),
            categories,
            in_stock_only: in_stock,
            page_size: 50,
            cursor: None,
        };
        let found = a
            .search(ctx, q(Some("gloves NITRILE"), false, vec![]))
            .expect("search");
        let stocked = a.search(ctx, q(None, true, vec![])).expect("in stock");
        let filtered = a
            .search(ctx, q(None, false, vec!["4412".into()]))
            .expect("category");
        let unknown = a
            .get_items(ctx, vec![ItemRef::Sku("OS-9999".into())])
            .expect_err("unknown");
        let bad = a
            .search(
                ctx,
                SearchQuery {
                    cursor: Some("page-two".into()),
                    ..q(None, false, vec![])
                },
            )
            .expect_err("foreign cursor");
        (found, stocked, filtered, unknown, bad)
    })
    .await;
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].ids.supplier_sku, "OS-1001");
    assert!(found.next_cursor.is_none());
    let stocked: Vec<&str> = stocked
        .items
        .iter()
        .map(|i| i.ids.supplier_sku.as_str())
        .collect();
    assert!(!stocked.contains(&"OS-1007") && !stocked.contains(&"OS-1012"));
    assert_eq!(stocked.len(), 12);
    assert!(
        filtered
            .items
            .iter()
            .all(|i| i.classifications[0].code.starts_with("4412"))
    );
    assert_eq!(filtered.items.len(), 3, "pens, stapler and markers");
    assert_eq!(unknown.code(), "not-found");
    assert_eq!(bad_cursor.code(), "invalid-request");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_items_finds_by_sku_and_gtin_and_leaves_unknown_out() {
    let b = backend().await;
    let items = run(b.base_url(), SECRET, |a, ctx| {
        let gtin = a
            .get_items(ctx, vec![ItemRef::Sku("OS-1002".into())])
            .expect("by sku")[0]
            .ids
            .gtin
            .clone()
            .expect("OS-1002 has a GTIN");
        a.get_items(
            ctx,
            vec![
                ItemRef::Gtin(gtin),
                ItemRef::Sku("OS-1010".into()),
                ItemRef::Sku("NOPE".into()),
            ],
        )
        .expect("lookup")
    })
    .await;
    let skus: Vec<&str> = items.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
    assert_eq!(skus, ["OS-1002", "OS-1010"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_deduplicated_by_payload_id_and_conflicts_on_other_content() {
    let b = backend().await;
    let (first, retry, conflict, other_key_same_po) = run(b.base_url(), SECRET, |a, ctx| {
        let req = order_request("key-1", "PO-1", vec![line("L1", "OS-1002", 5, "EA")]);
        let first = a.place_order(ctx, req.clone()).expect("placed");
        let retry = a.place_order(ctx, req.clone()).expect("retried");
        let mut changed = req.clone();
        changed.lines[0].quantity = qty(6, "EA");
        let conflict = a.place_order(ctx, changed).expect_err("conflict");
        let other = order_request("key-2", "PO-1", vec![line("L1", "OS-1002", 5, "EA")]);
        let dup = a.place_order(ctx, other).expect_err("PO used");
        (first, retry, conflict, dup)
    })
    .await;
    assert_eq!(first.order_id, "PO-1");
    assert_eq!(retry.order_id, first.order_id);
    assert_eq!(retry.lines.len(), 1);
    assert_eq!(first.ack, AckStatus::Accepted);
    assert_eq!(first.status, OrderStatus::Confirmed);
    assert_eq!(first.lines[0].line_id, "L1");
    assert_eq!(first.lines[0].status, LineStatus::Accepted);
    // 5 × 4.35 = 21.75, plus 6.90 parcel below 100.00.
    assert_eq!(first.totals.lines.minor, 2175);
    assert_eq!(first.totals.shipping.minor, 690);
    assert_eq!(first.totals.grand_total.minor, 2865);
    assert_eq!(conflict.code(), "idempotency-conflict");
    assert_eq!(other_key_same_po.code(), "invalid-request");
    assert_eq!(b.order_count(), 1, "one order for one payloadID");
    let summary = b.order("PO-1").expect("order");
    assert_eq!(summary.payload_id, "key-1@plant3-buyer");
    assert_eq!(summary.confirmations, 1);
    assert_eq!(b.stock_of("OS-1002"), Some(495), "stock left once");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_is_polled_and_pushed_documents_become_events() {
    let b = backend().await;
    let placed = run(b.base_url(), SECRET, |a, ctx| {
        let mut lines = vec![
            line("L1", "OS-1006", 20, "EA"),
            line("L2", "OS-1012", 1, "EA"),
            line("L3", "OS-1003", 10, "PK"),
        ];
        lines[2].expected_unit_price = Some(Price::per_piece(
            mercato_sdk::exact::Currency::EUR,
            mercato_sdk::exact::Decimal::parse("4.50").expect("decimal"),
        ));
        lines[2].expected_unit_price.as_mut().expect("price").basis = qty(1, "PK");
        a.place_order(ctx, order_request("key-7", "PO-7", lines))
            .expect("placed")
    })
    .await;
    assert_eq!(placed.ack, AckStatus::AcceptedWithChanges);
    let by_id = |id: &str| placed.lines.iter().find(|l| l.line_id == id).expect("line");
    assert_eq!(by_id("L1").status, LineStatus::Backordered);
    assert_eq!(by_id("L1").confirmed.steps, 20);
    assert_eq!(by_id("L2").status, LineStatus::Rejected);
    assert_eq!(by_id("L2").confirmed.steps, 0);
    assert_eq!(by_id("L3").status, LineStatus::AcceptedPriceChanged);
    assert_eq!(by_id("L3").unit_price.amount.mantissa, 479);

    // The confirmation was pushed: the adapter reads it with the host's HMAC check.
    let docs = b.pushed_documents();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].kind, "ConfirmationRequest");
    let confirmation = docs[0].body.clone();
    let event = run(b.base_url(), SECRET, move |a, ctx| {
        a.handle_inbound(ctx, inbound(&confirmation))
            .expect("verified")
    })
    .await;
    let [OrderEvent::OrderUpdated(pushed)] = event.events.as_slice() else {
        panic!("one order event");
    };
    assert_eq!(pushed.order_id, "PO-7");
    assert_eq!(pushed.totals, placed.totals);
    let statuses: Vec<LineStatus> = pushed.lines.iter().map(|l| l.status).collect();
    assert_eq!(
        statuses,
        [
            LineStatus::Backordered,
            LineStatus::Rejected,
            LineStatus::AcceptedPriceChanged
        ]
    );
    let reply = event.reply.expect("a cXML Response for Ostara");
    assert!(String::from_utf8_lossy(&reply.body).contains(r#"<Status code="200""#));

    // A day later the stock part ships; polling sees it.
    b.control().advance(Duration::from_secs(26 * 3600));
    let shipped = b.tick();
    assert_eq!(shipped.len(), 1);
    let notice = shipped[0].body.clone();
    let (order, shipments, event) = run(b.base_url(), SECRET, move |a, ctx| {
        let order = a.get_order(ctx, "PO-7".into()).expect("status");
        let shipments = a.list_shipments(ctx, "PO-7".into()).expect("shipments");
        let event = a
            .handle_inbound(ctx, inbound(&notice))
            .expect("ship notice");
        (order, shipments, event)
    })
    .await;
    assert_eq!(order.status, OrderStatus::PartiallyShipped);
    let l1 = order.lines.iter().find(|l| l.line_id == "L1").expect("L1");
    assert_eq!(
        (l1.shipped.steps, l1.status),
        (12, LineStatus::PartiallyShipped)
    );
    let l3 = order.lines.iter().find(|l| l.line_id == "L3").expect("L3");
    assert_eq!(l3.status, LineStatus::Shipped);
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].order_id, "PO-7");
    assert_eq!(shipments[0].carrier.as_deref(), Some("DHL Paket"));
    let [OrderEvent::ShipmentUpdated(s)] = event.events.as_slice() else {
        panic!("one shipment event");
    };
    assert_eq!(s, &shipments[0]);
    let lines: Vec<(&str, u64)> = s
        .lines
        .iter()
        .map(|l| (l.line_id.as_str(), l.quantity.steps))
        .collect();
    assert_eq!(lines, [("L1", 12), ("L3", 10)]);

    // After the lead time the backorder ships too.
    b.control().advance(Duration::from_secs(5 * 24 * 3600));
    let order = run(b.base_url(), SECRET, |a, ctx| {
        a.get_order(ctx, "PO-7".into()).expect("status")
    })
    .await;
    assert_eq!(order.status, OrderStatus::Shipped);
    assert_eq!(b.order("PO-7").expect("order").ship_notices, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_documents_with_a_wrong_secret_or_garbage_are_refused() {
    let b = backend().await;
    run(b.base_url(), SECRET, |a, ctx| {
        a.place_order(
            ctx,
            order_request("k", "PO-3", vec![line("L1", "OS-1005", 2, "PK")]),
        )
        .expect("placed");
    })
    .await;
    let body = b.pushed_documents()[0].body.clone();
    let forged = body.replace(SECRET, "guessed-secret");
    let (wrong_grant, forged, garbage, order_request_doc) =
        run(b.base_url(), "another-secret", move |a, ctx| {
            (
                a.handle_inbound(ctx, inbound(&body))
                    .expect_err("other secret granted"),
                a.handle_inbound(ctx, inbound(&forged)).expect_err("forged"),
                a.handle_inbound(ctx, inbound("\u{0}garbage"))
                    .expect_err("garbage"),
                a.handle_inbound(
                    ctx,
                    inbound("<cXML payloadID='p'><Request><OrderRequest/></Request></cXML>"),
                )
                .expect_err("not pushed by Ostara"),
            )
        })
        .await;
    assert_eq!(wrong_grant.code(), "unauthorized");
    assert_eq!(forged.code(), "unauthorized");
    assert_eq!(garbage.code(), "invalid-request");
    assert_eq!(order_request_doc.code(), "invalid-request");
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_cancel_until_shipped_and_unknown_ids_are_not_found() {
    let b = backend().await;
    let (cancelled, again, unknown, unknown_cancel) = run(b.base_url(), SECRET, |a, ctx| {
        a.place_order(
            ctx,
            order_request("c1", "PO-C1", vec![line("L1", "OS-1010", 2, "EA")]),
        )
        .expect("placed");
        let cancel = |key: &str, id: &str| CancelRequest {
            idempotency_key: key.into(),
            order_id: id.into(),
            line_ids: Vec::new(),
            reason: Some("not needed".into()),
        };
        let cancelled = a
            .cancel_order(ctx, cancel("x1", "PO-C1"))
            .expect("cancelled");
        let again = a.cancel_order(ctx, cancel("x1", "PO-C1")).expect("retried");
        let unknown = a.get_order(ctx, "PO-NONE".into()).expect_err("unknown");
        let unknown_cancel = a
            .cancel_order(ctx, cancel("x2", "PO-NONE"))
            .expect_err("unknown");
        (cancelled, again, unknown, unknown_cancel)
    })
    .await;
    assert_eq!(cancelled.status, CancelStatus::Cancelled);
    assert_eq!(cancelled.order.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.order.lines[0].status, LineStatus::Cancelled);
    assert_eq!(cancelled.order.totals.grand_total.minor, 0);
    assert_eq!(again.status, CancelStatus::Cancelled);
    assert_eq!(b.stock_of("OS-1010"), Some(500), "stock released");
    assert_eq!(unknown.code(), "not-found");
    assert_eq!(unknown_cancel.code(), "not-found");

    run(b.base_url(), SECRET, |a, ctx| {
        a.place_order(
            ctx,
            order_request("c2", "PO-C2", vec![line("L1", "OS-1011", 1, "EA")]),
        )
        .expect("placed");
    })
    .await;
    b.control().advance(Duration::from_secs(2 * 24 * 3600));
    let refused = run(b.base_url(), SECRET, |a, ctx| {
        a.cancel_order(
            ctx,
            CancelRequest {
                idempotency_key: "x3".into(),
                order_id: "PO-C2".into(),
                line_ids: Vec::new(),
                reason: None,
            },
        )
        .expect("answered")
    })
    .await;
    assert_eq!(refused.status, CancelStatus::Refused);
    assert_eq!(refused.order.status, OrderStatus::Shipped);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_shared_secret_and_outages_are_typed() {
    let b = backend().await;
    let (unauthorized, undeliverable, unsupported) = run(b.base_url(), "wrong", |a, ctx| {
        let unauthorized = a
            .place_order(
                ctx,
                order_request("k", "PO-U", vec![line("L1", "OS-1002", 1, "EA")]),
            )
            .expect_err("wrong secret");
        let mut req = order_request("k", "PO-U", vec![line("L1", "OS-1002", 1, "EA")]);
        req.ship_to.country = "US".into();
        let undeliverable = a.place_order(ctx, req).expect_err("US");
        let unsupported = a
            .request_quote(
                ctx,
                QuoteRequest {
                    lines: Vec::new(),
                    ship_to: plant3(),
                    requested_delivery: None,
                    currency: None,
                    requested_valid_until: None,
                    allow_substitutes: false,
                    incoterms: None,
                    buyer_reference: None,
                    notes: None,
                },
            )
            .expect_err("no quotes");
        (unauthorized, undeliverable, unsupported)
    })
    .await;
    assert_eq!(unauthorized.code(), "unauthorized");
    assert_eq!(undeliverable.code(), "undeliverable");
    assert_eq!(unsupported.code(), "unsupported");
    assert_eq!(b.order_count(), 0);
    b.control().fail_next(503, 1, Some(3));
    let e = run(b.base_url(), SECRET, |a, ctx| {
        a.get_order(ctx, "PO-1".into()).expect_err("down")
    })
    .await;
    assert_eq!(e.code(), "supplier-unavailable");
}
