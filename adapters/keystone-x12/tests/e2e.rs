//! The adapter against the real Keystone backend over HTTP, natively: the 832 catalogue, 850s
//! answered by 997s, idempotent retries, and 855/856 pushed to a buyer endpoint that runs the
//! adapter's handle-inbound (as the gateway's `POST /inbound/keystone` does) and answers 997s.
//!
//! Requests carry `Authorization: Bearer <partner key>` added the way the host attaches the
//! `partner-key` secret; the adapter itself never sets it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keystone_x12_adapter::KeystoneAdapter;
use mercato_backends::keystone::{self, Delivery, KeystoneBackend, KeystoneConfig, PushTarget};
use mercato_sdk::Adapter;
use mercato_sdk::contract::*;
use mercato_sdk::testing;

const KEY: &str = "plant3-keystone-partner-key";
const BUYER: &str = "PLANT3";

async fn backend() -> Arc<KeystoneBackend> {
    Arc::new(
        keystone::start(KeystoneConfig::new(KEY, BUYER))
            .await
            .expect("backend starts"),
    )
}

fn install(base_url: &str) {
    testing::reset();
    testing::set_setting("base-url", base_url);
    testing::set_setting("interchange-id", BUYER);
    testing::set_secret("push-secret", keystone::DEFAULT_PUSH_SECRET);
    testing::use_network_with_headers(&[("authorization", &format!("Bearer {KEY}"))]);
}

/// Run adapter calls on a blocking thread with the settings and transport installed there.
async fn run<T: Send + 'static>(
    base_url: String,
    f: impl FnOnce(&KeystoneAdapter, &CallContext) -> T + Send + 'static,
) -> T {
    tokio::task::spawn_blocking(move || {
        install(&base_url);
        f(&KeystoneAdapter, &testing::call_context())
    })
    .await
    .expect("the adapter thread finishes")
}

/// The buyer's receiving endpoint: hands each push to the adapter and answers with its reply.
async fn buyer_endpoint(events: Arc<Mutex<Vec<OrderEvent>>>) -> String {
    let app = axum::Router::new().route(
        "/inbound/keystone",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let events = events.clone();
            async move {
                let doc = InboundDocument {
                    content_type: headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string(),
                    headers: headers
                        .iter()
                        .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_string())))
                        .collect(),
                    body: body.to_vec(),
                };
                let result = tokio::task::spawn_blocking(move || {
                    install("http://unused.invalid");
                    KeystoneAdapter.handle_inbound(&testing::call_context(), doc)
                })
                .await
                .expect("adapter thread");
                let response: Response = match result {
                    Ok(r) => {
                        events.lock().unwrap().extend(r.events);
                        let reply = r.reply.expect("a 997 for every push");
                        ([(header::CONTENT_TYPE, reply.content_type)], reply.body).into_response()
                    }
                    Err(e) => (StatusCode::BAD_REQUEST, e.code().to_string()).into_response(),
                };
                response
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}/inbound/keystone")
}

fn dayton() -> Address {
    Address {
        location_id: Some("DOCK4".into()),
        name: Some("Dock 4".into()),
        organization: Some("Plant 3 Inc".into()),
        lines: vec!["100 Main St".into()],
        city: "Dayton".into(),
        region: Some("OH".into()),
        postal_code: Some("45402".into()),
        country: "US".into(),
        contact: None,
    }
}

fn order(
    po: &str,
    key: &str,
    lines: &[(&str, &str, u64)],
    partial: PartialDelivery,
) -> OrderRequest {
    OrderRequest {
        idempotency_key: key.into(),
        buyer_po: po.into(),
        quote_id: None,
        lines: lines
            .iter()
            .map(|(id, sku, qty)| OrderLineRequest {
                line_id: (*id).into(),
                item: ItemRef::Sku((*sku).into()),
                offer_token: None,
                quantity: Quantity::pieces(*qty),
                expected_unit_price: None,
            })
            .collect(),
        ship_to: dayton(),
        bill_to: None,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: partial,
        max_total: Money {
            currency: "USD".into(),
            minor: 1_000_000,
        },
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: Some("Deliver to dock 4 * before noon".into()),
    }
}

fn query(text: Option<&str>, page_size: u32, cursor: Option<String>) -> SearchQuery {
    SearchQuery {
        text: text.map(str::to_string),
        categories: Vec::new(),
        in_stock_only: false,
        page_size,
        cursor,
    }
}

#[test]
fn describe_declares_only_what_is_implemented() {
    let p = KeystoneAdapter.describe();
    assert_eq!(
        (p.supplier_id.as_str(), p.display_name.as_str()),
        ("keystone", "Keystone Industrial")
    );
    assert_eq!(p.protocols, ["x12-004010"]);
    assert_eq!(p.currencies, ["USD"]);
    assert_eq!(p.ship_to_countries, ["US", "CA"]);
    assert!(p.capabilities.contains(
        Capabilities::PLACE_ORDER | Capabilities::INBOUND_DOCUMENTS | Capabilities::ORDER_STATUS
    ));
    for undeclared in [
        Capabilities::INSTANT_QUOTE,
        Capabilities::CANCEL_ORDER,
        Capabilities::INVOICES,
        Capabilities::RETURNS,
    ] {
        assert!(!p.capabilities.contains(undeclared));
    }
    let ctx = testing::call_context();
    let e = KeystoneAdapter
        .get_quote(&ctx, "q".into())
        .expect_err("no quotes");
    assert_eq!(e.code(), "unsupported");
    let e = KeystoneAdapter
        .cancel_order(
            &ctx,
            CancelRequest {
                idempotency_key: "k".into(),
                order_id: "o".into(),
                line_ids: vec![],
                reason: None,
            },
        )
        .expect_err("no cancellation");
    assert_eq!(e.code(), "unsupported");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_832_pages_to_the_end_without_repeats() {
    let b = backend().await;
    let pages = run(b.base_url(), |a, ctx| {
        let mut pages = Vec::new();
        let mut cursor = None;
        for _ in 0..10 {
            let page = a.search(ctx, query(None, 5, cursor)).expect("page");
            cursor = page.next_cursor.clone();
            pages.push(page);
            if cursor.is_none() {
                break;
            }
        }
        pages
    })
    .await;
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [5, 5, 2]
    );
    assert!(pages.last().unwrap().next_cursor.is_none(), "paging ends");
    let items: Vec<&CatalogItem> = pages.iter().flat_map(|p| &p.items).collect();
    let mut skus: Vec<&str> = items.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
    skus.dedup();
    assert_eq!(skus.len(), 12, "no item twice");
    for i in &items {
        assert!(
            i.price_tiers
                .windows(2)
                .all(|w| w[0].min_quantity.steps < w[1].min_quantity.steps)
        );
        assert!(i.price_tiers.iter().all(|t| t.unit_price.currency == "USD"));
        if let Some(g) = &i.ids.gtin {
            assert!(g.len() == 14 && mercato_sdk::gtin::is_valid(g), "{g}");
        }
    }
    let hose = items
        .iter()
        .find(|i| i.ids.supplier_sku == "KI-30010")
        .expect("hose");
    assert_eq!(hose.sale_unit, "FOT", "X12 FT is Rec 20 FOT");
    let tiers: Vec<(u64, i64)> = hose
        .price_tiers
        .iter()
        .map(|t| (t.min_quantity.steps, t.unit_price.amount.mantissa))
        .collect();
    assert_eq!(tiers, [(1, 385), (100, 340), (500, 295)]);
    let gloves = items
        .iter()
        .find(|i| i.ids.supplier_sku == "KI-10010")
        .expect("gloves");
    assert_eq!(
        gloves.content_per_sale_unit.as_ref().map(|q| q.steps),
        Some(100)
    );
    let found = run(b.base_url(), |a, ctx| {
        a.search(ctx, query(Some("ball bearing"), 20, None))
    })
    .await
    .expect("search");
    assert_eq!(found.items.len(), 2);
    let forged = run(b.base_url(), |a, ctx| {
        a.search(ctx, query(None, 5, Some("3".into())))
    })
    .await;
    assert_eq!(forged.expect_err("forged cursor").code(), "invalid-request");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_items_leaves_unknown_skus_out() {
    let b = backend().await;
    let (both, unknown, by_gtin) = run(b.base_url(), |a, ctx| {
        let both = a.get_items(
            ctx,
            vec![
                ItemRef::Sku("KI-40010".into()),
                ItemRef::Sku("NOPE-1".into()),
            ],
        );
        let unknown = a.get_items(ctx, vec![ItemRef::Sku("NOPE-1".into())]);
        let gtin = both
            .as_ref()
            .ok()
            .and_then(|i| i[0].ids.gtin.clone())
            .expect("bearing has a GTIN");
        let by_gtin = a.get_items(ctx, vec![ItemRef::Gtin(gtin[2..].into())]);
        (both, unknown, by_gtin)
    })
    .await;
    assert_eq!(both.expect("known").len(), 1);
    assert_eq!(unknown.expect_err("unknown").code(), "not-found");
    assert_eq!(by_gtin.expect("gtin")[0].ids.supplier_sku, "KI-40010");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_850_is_accepted_once_and_a_retry_is_the_same_order() {
    let b = backend().await;
    let req = order(
        "PO-1001",
        "mrc-key-1001",
        &[("1", "KI-10020", 24), ("2", "KI-40010", 10)],
        PartialDelivery::Allow,
    );
    let retry = req.clone();
    let (first, second) = run(b.base_url(), move |a, ctx| {
        (a.place_order(ctx, req), a.place_order(ctx, retry))
    })
    .await;
    let first = first.expect("accepted by the 997");
    let second = second.expect("the retry answers too");
    assert_eq!(first.order_id, "PO-1001");
    assert_eq!(second.order_id, first.order_id);
    assert_eq!(first.ack, AckStatus::Received);
    assert!(first.lines.iter().all(|l| l.status == LineStatus::Pending));
    // 24 × 5.80 (break at 12) + 10 × 4.10 (break at 10).
    assert_eq!(first.totals.grand_total.minor, 13_920 + 4_100);
    let orders = b.orders();
    assert_eq!(orders.len(), 1, "one order at Keystone");
    let booked = &orders[0];
    assert_eq!(
        booked.received, 2,
        "the retry reached Keystone and was recognised"
    );
    assert_eq!(booked.key, "mrc-key-1001");
    assert_eq!(
        booked.interchange_control,
        format!(
            "{:09}",
            keystone_x12_adapter::x12::control_number("mrc-key-1001")
        )
    );
    assert_eq!(booked.ack_type, "AD");
    assert_eq!(b.stock_of("KI-10020"), Some(800 - 24), "stock left once");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_with_another_order_is_an_idempotency_conflict() {
    let b = backend().await;
    let req = order(
        "PO-2001",
        "mrc-key-2001",
        &[("1", "KI-10020", 5)],
        PartialDelivery::Allow,
    );
    let mut changed = req.clone();
    changed.lines[0].quantity = Quantity::pieces(6);
    let (first, second) = run(b.base_url(), move |a, ctx| {
        (a.place_order(ctx, req), a.place_order(ctx, changed))
    })
    .await;
    first.expect("first order");
    let e = second.expect_err("conflict");
    assert_eq!(e.code(), "idempotency-conflict", "{e:?}");
    assert_eq!(b.orders().len(), 1);
    assert_eq!(b.order("PO-2001").expect("booked").lines[0].ordered, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejecting_997_is_an_invalid_request_naming_the_field() {
    let b = backend().await;
    let mut req = order(
        "PO-3001",
        "mrc-key-3001",
        &[("1", "KI-10020", 5)],
        PartialDelivery::Allow,
    );
    req.ship_to.postal_code = Some("ABCDE".into());
    let e = run(b.base_url(), move |a, ctx| a.place_order(ctx, req))
        .await
        .expect_err("997 R");
    let CommerceError::InvalidRequest(f) = &e else {
        panic!("invalid-request expected, got {e:?}");
    };
    assert_eq!(f.field, "ship-to.postal-code");
    assert!(
        f.reason.contains("N403") && f.reason.contains("invalid code value"),
        "{}",
        f.reason
    );
    assert!(b.orders().is_empty(), "nothing booked");
    let mut abroad = order(
        "PO-3002",
        "mrc-key-3002",
        &[("1", "KI-10020", 5)],
        PartialDelivery::Allow,
    );
    abroad.ship_to.country = "DE".into();
    let e = run(b.base_url(), move |a, ctx| a.place_order(ctx, abroad))
        .await
        .expect_err("abroad");
    assert_eq!(e.code(), "undeliverable");
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_855_and_856_become_events_and_keystone_gets_997s() {
    let b = backend().await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let url = buyer_endpoint(events.clone()).await;
    b.set_push_target(Some(PushTarget {
        url,
        headers: vec![("Authorization".into(), "Bearer gateway-client-key".into())],
    }));
    // Gloves in stock, the hi-vis vest sold out (backordered), bearings 6205 sold out with no
    // backorders allowed (rejected).
    let mixed = order(
        "PO-4001",
        "mrc-key-4001",
        &[("1", "KI-10020", 10), ("2", "KI-10030", 4)],
        PartialDelivery::Allow,
    );
    let strict = order(
        "PO-4002",
        "mrc-key-4002",
        &[("1", "KI-40020", 3)],
        PartialDelivery::CancelBackorders,
    );
    run(b.base_url(), move |a, ctx| {
        a.place_order(ctx, mixed).expect("PO-4001");
        a.place_order(ctx, strict).expect("PO-4002");
    })
    .await;
    assert!(b.settle(Duration::from_secs(10)).await, "855s delivered");
    {
        let events = events.lock().unwrap();
        let orders: Vec<&Order> = events
            .iter()
            .filter_map(|e| match e {
                OrderEvent::OrderUpdated(o) => Some(o),
                _ => None,
            })
            .collect();
        assert_eq!(orders.len(), 2);
        let mixed = orders
            .iter()
            .find(|o| o.order_id == "PO-4001")
            .expect("855 for PO-4001");
        assert_eq!(mixed.ack, AckStatus::AcceptedWithChanges);
        let statuses: Vec<LineStatus> = mixed.lines.iter().map(|l| l.status).collect();
        assert_eq!(statuses, [LineStatus::Accepted, LineStatus::Backordered]);
        assert!(
            mixed.lines[1].promised_delivery.is_some(),
            "the restock date"
        );
        let strict = orders
            .iter()
            .find(|o| o.order_id == "PO-4002")
            .expect("855 for PO-4002");
        assert_eq!(strict.ack, AckStatus::Rejected);
        assert_eq!(strict.lines[0].status, LineStatus::Rejected);
        assert_eq!(strict.lines[0].cancelled.steps, 3);
    }
    let outbox = b.outbox();
    assert!(
        outbox
            .iter()
            .all(|d| d.kind == "855" && d.delivery == Delivery::Answered(200))
    );
    let acks = b.acks_received();
    assert_eq!(acks.len(), 2, "a 997 for each 855");
    for (ack, doc) in acks.iter().zip(&outbox) {
        assert_eq!((ack.functional_id.as_str(), ack.code.as_str()), ("PR", "A"));
        assert_eq!(ack.group_control, doc.control.to_string());
        assert!(ack.in_reply);
    }
    // A day later the stock part ships.
    b.control().advance(Duration::from_secs(86_400 + 60));
    let shipped = b.run_due();
    assert_eq!(shipped.len(), 1, "only PO-4001 has something to ship");
    assert!(b.settle(Duration::from_secs(10)).await, "856 delivered");
    let shipment = events
        .lock()
        .unwrap()
        .iter()
        .find_map(|e| match e {
            OrderEvent::ShipmentUpdated(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a shipment event");
    assert_eq!(shipment.order_id, "PO-4001");
    assert_eq!(shipment.carrier.as_deref(), Some("UPSN"));
    assert!(
        shipment
            .tracking_number
            .as_deref()
            .is_some_and(|t| t.starts_with("1ZKS"))
    );
    assert_eq!(shipment.lines.len(), 1);
    assert_eq!(
        (
            shipment.lines[0].line_id.as_str(),
            shipment.lines[0].quantity.steps
        ),
        ("1", 10)
    );
    let last = b.acks_received().last().cloned().expect("997 for the 856");
    assert_eq!(
        (last.functional_id.as_str(), last.code.as_str()),
        ("SH", "A")
    );
    // get-order combines the latest 855 with the 856s.
    let (status, shipments, unknown) = run(b.base_url(), |a, ctx| {
        (
            a.get_order(ctx, "PO-4001".into()),
            a.list_shipments(ctx, "KS-SO-000001".into()),
            a.get_order(ctx, "MERCATO-CONFORMANCE-DOES-NOT-EXIST".into()),
        )
    })
    .await;
    let status = status.expect("get-order");
    assert_eq!(status.status, OrderStatus::PartiallyShipped);
    assert_eq!(status.lines[0].status, LineStatus::Shipped);
    assert_eq!(status.lines[1].status, LineStatus::Backordered);
    assert_eq!(shipments.expect("by sales order number").len(), 1);
    assert_eq!(unknown.expect_err("unknown").code(), "not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_broken_and_garbage_pushes_are_refused() {
    let b = backend().await;
    let req = order(
        "PO-5001",
        "mrc-key-5001",
        &[("1", "KI-10020", 2)],
        PartialDelivery::Allow,
    );
    run(b.base_url(), move |a, ctx| {
        a.place_order(ctx, req).expect("order")
    })
    .await;
    let body = b.outbox()[0].body.clone();
    let doc = |body: &str, signature: String| InboundDocument {
        content_type: "application/edi-x12".into(),
        headers: vec![("x-keystone-signature".into(), signature)],
        body: body.as_bytes().to_vec(),
    };
    let forged = doc(
        &body,
        keystone::KeystoneBackend::signature(&b, b"another body"),
    );
    let broken_body = body.replace("BAK*00*AD*PO-5001", "BAK*00*ZZ*PO-5001");
    let broken = doc(&broken_body, b.signature(broken_body.as_bytes()));
    let garbage = doc("\u{0}not x12 at all", b.signature(b"\x00not x12 at all"));
    let (forged, broken, garbage) = run(b.base_url(), move |a, ctx| {
        (
            a.handle_inbound(ctx, forged),
            a.handle_inbound(ctx, broken),
            a.handle_inbound(ctx, garbage),
        )
    })
    .await;
    assert_eq!(forged.expect_err("forged").code(), "unauthorized");
    assert_eq!(garbage.expect_err("garbage").code(), "invalid-request");
    let broken = broken.expect("a broken set is answered with a rejecting 997");
    assert!(broken.events.is_empty());
    let reply = String::from_utf8(broken.reply.expect("997").body).expect("text");
    assert!(
        reply.contains("AK3*BAK*2**8~") && reply.contains("AK4*2*587*7*ZZ~"),
        "{reply}"
    );
    assert!(reply.contains("AK9*R*1*1*0~"), "{reply}");
}
