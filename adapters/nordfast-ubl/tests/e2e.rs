//! The adapter against the real Nordfast backend over HTTP, natively: every operation and its
//! error cases, with the backend's clock steered where time matters.
//!
//! Requests go over the network with the `Authorization` header added, as the host attaches the
//! credential for a granted adapter; the adapter itself never sets it.

use std::sync::Arc;
use std::time::Duration;

use mercato_backends::nordfast::{self, NordfastBackend, NordfastConfig};
use mercato_sdk::Adapter;
use mercato_sdk::contract::*;
use mercato_sdk::testing;
use nordfast_ubl_adapter::NordfastAdapter;

const TOKEN: &str = "plant3-nordfast-token";
const GLN: &str = "4006381333931";

async fn backend() -> Arc<NordfastBackend> {
    Arc::new(
        nordfast::start(NordfastConfig::bearer(TOKEN))
            .await
            .expect("backend starts"),
    )
}

fn context() -> CallContext {
    let mut ctx = testing::call_context();
    ctx.buyer.organization = Some("Plant 3 GmbH".into());
    ctx.buyer.originator = Some("maintenance-bot-7".into());
    ctx.currency = Some("EUR".into());
    ctx.country = Some("DE".into());
    ctx.locale = Some("de-DE".into());
    ctx
}

/// Run adapter calls on a blocking thread with the settings and transport installed there.
async fn run<T: Send + 'static>(
    base_url: String,
    f: impl FnOnce(&NordfastAdapter, &CallContext) -> T + Send + 'static,
) -> T {
    tokio::task::spawn_blocking(move || {
        testing::reset();
        testing::set_setting("base-url", &base_url);
        testing::set_setting("buyer-endpoint-id", "0088:7300010000001");
        testing::use_network_with_headers(&[("authorization", &format!("Bearer {TOKEN}"))]);
        f(&NordfastAdapter, &context())
    })
    .await
    .expect("the adapter thread finishes")
}

fn plant3() -> Address {
    Address {
        location_id: Some(GLN.into()),
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

fn eur(s: &str) -> Price {
    let d = mercato_sdk::exact::Decimal::parse(s).expect("decimal");
    Price::per_piece(mercato_sdk::exact::Currency::EUR, d)
}

fn quote_request(lines: &[(&str, &str, u64)]) -> QuoteRequest {
    QuoteRequest {
        lines: lines
            .iter()
            .map(|(id, sku, qty)| QuoteLineRequest {
                line_id: (*id).into(),
                item: ItemRef::Sku((*sku).into()),
                offer_token: None,
                quantity: Quantity::pieces(*qty),
                target_unit_price: None,
            })
            .collect(),
        ship_to: plant3(),
        requested_delivery: None,
        currency: Some("EUR".into()),
        requested_valid_until: None,
        allow_substitutes: false,
        incoterms: Some("DAP".into()),
        buyer_reference: None,
        notes: None,
    }
}

fn order_request(
    po: &str,
    key: &str,
    quote_id: Option<&str>,
    lines: &[(&str, &str, u64, Option<&str>)],
) -> OrderRequest {
    OrderRequest {
        idempotency_key: key.into(),
        buyer_po: po.into(),
        quote_id: quote_id.map(str::to_string),
        lines: lines
            .iter()
            .map(|(id, sku, qty, price)| OrderLineRequest {
                line_id: (*id).into(),
                item: ItemRef::Sku((*sku).into()),
                offer_token: None,
                quantity: Quantity::pieces(*qty),
                expected_unit_price: price.map(eur),
            })
            .collect(),
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
        notes: None,
    }
}

fn decimal_text(p: &Price) -> String {
    mercato_sdk::exact::Decimal::try_from(&p.amount)
        .expect("decimal")
        .to_string()
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
fn describe_declares_what_nordfast_offers() {
    let p = NordfastAdapter.describe();
    assert_eq!(p.supplier_id, "nordfast");
    assert_eq!(p.display_name, "Nordfast Industrial");
    assert_eq!(p.currencies, ["EUR"]);
    assert_eq!(
        p.ship_to_countries,
        ["DE", "AT", "CH", "DK", "SE", "NO", "NL"]
    );
    assert!(
        p.capabilities
            .contains(Capabilities::PLACE_ORDER | Capabilities::INBOUND_DOCUMENTS)
    );
    assert!(!p.capabilities.contains(Capabilities::RETURNS));
    assert!(!p.capabilities.contains(Capabilities::ASYNC_QUOTE));
    let e = NordfastAdapter
        .request_return(
            &testing::call_context(),
            ReturnRequest {
                idempotency_key: "k".into(),
                order_id: "o".into(),
                lines: Vec::new(),
                notes: None,
            },
        )
        .expect_err("no returns");
    assert_eq!(e.code(), "unsupported");
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_the_bolt_with_tiers_stock_and_lead_time() {
    let b = backend().await;
    let page = run(b.base_url(), |a, ctx| {
        a.search(ctx, query(Some("M8 hex bolt"), 20, None))
    })
    .await;
    let page = page.expect("search");
    let bolt = page
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == "NF-10001")
        .expect("the M8x30 bolt is found");
    assert_eq!(
        bolt.title,
        "Hexagon head screw ISO 4017 M8x30 8.8 zinc plated"
    );
    let tiers: Vec<(u64, String)> = bolt
        .price_tiers
        .iter()
        .map(|t| (t.min_quantity.steps, decimal_text(&t.unit_price)))
        .collect();
    assert_eq!(
        tiers,
        [
            (1, "0.290".into()),
            (100, "0.210".into()),
            (500, "0.170".into())
        ]
    );
    let availability = bolt.availability.as_ref().expect("stock facts");
    assert_eq!(availability.status, StockStatus::InStock);
    assert_eq!(availability.on_hand.as_ref().map(|q| q.steps), Some(20_000));
    assert_eq!(availability.lead_time_days, Some(3));
    assert_eq!(bolt.ids.gtin.as_deref().map(str::len), Some(14));
    assert!(
        bolt.attributes
            .iter()
            .any(|(k, v)| k == "keywords" && v.contains("hex bolt"))
    );
    let sold_out = page
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == "NF-10004")
        .expect("the sold-out stainless bolt is listed");
    let a = sold_out.availability.as_ref().expect("stock facts");
    assert_eq!(a.status, StockStatus::Backorder);
    assert_eq!(a.next_restock.len(), 1);
    assert!(
        page.items
            .iter()
            .all(|i| !i.ids.supplier_sku.starts_with("NF-2")),
        "no nuts"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_pages_terminate_and_never_repeat() {
    let b = backend().await;
    let (seen, bad_cursor) = run(b.base_url(), |a, ctx| {
        let mut seen = Vec::new();
        let mut cursor = None;
        for _ in 0..20 {
            let page = a.search(ctx, query(None, 3, cursor.take())).expect("page");
            assert!(page.items.len() <= 3);
            seen.extend(page.items.into_iter().map(|i| i.ids.supplier_sku));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert!(cursor.is_none(), "paging ended");
        let bad = a.search(ctx, query(None, 3, Some("banana".into())));
        (seen, bad)
    })
    .await;
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    assert_eq!(seen.len(), 17);
    assert_eq!(
        bad_cursor.expect_err("bad cursor").code(),
        "invalid-request"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn items_and_availability_are_looked_up_live() {
    let b = backend().await;
    let (items, unknown, by_mpn, availability, far) = run(b.base_url(), |a, ctx| {
        let found = a
            .search(ctx, query(Some("hexagon nut M8"), 5, None))
            .expect("search");
        let nut_gtin = found.items[0].ids.gtin.clone().expect("gtin");
        let items = a.get_items(
            ctx,
            vec![
                ItemRef::Sku("NF-10001".into()),
                ItemRef::Gtin(nut_gtin),
                ItemRef::Sku("NF-00000".into()),
            ],
        );
        let unknown = a.get_items(ctx, vec![ItemRef::Sku("NF-00000".into())]);
        let by_mpn = a.get_items(
            ctx,
            vec![ItemRef::Mpn(MpnRef {
                manufacturer: None,
                mpn: "4017-M8X30-88-ZN".into(),
            })],
        );
        let line = |id: &str, sku: &str, n: u64| AvailabilityRequest {
            line_id: id.into(),
            item: ItemRef::Sku(sku.into()),
            quantity: Quantity::pieces(n),
        };
        let availability = a.check_availability(
            ctx,
            vec![
                line("a", "NF-10001", 500),
                line("b", "NF-10004", 10),
                line("c", "NF-60002", 50),
            ],
            Some(plant3()),
        );
        let mut us = plant3();
        us.country = "US".into();
        let far = a.check_availability(ctx, vec![line("a", "NF-10001", 1)], Some(us));
        (items, unknown, by_mpn, availability, far)
    })
    .await;
    let items = items.expect("items");
    let skus: Vec<&str> = items.iter().map(|i| i.ids.supplier_sku.as_str()).collect();
    assert_eq!(skus, ["NF-10001", "NF-20001"]);
    assert_eq!(unknown.expect_err("unknown").code(), "not-found");
    assert_eq!(by_mpn.expect_err("mpn").code(), "invalid-request");
    let answers = availability.expect("availability");
    let status: Vec<(String, StockStatus)> = answers
        .iter()
        .map(|a| (a.line_id.clone(), a.availability.status))
        .collect();
    assert_eq!(
        status,
        [
            ("a".into(), StockStatus::InStock),
            ("b".into(), StockStatus::Backorder),
            ("c".into(), StockStatus::Limited)
        ]
    );
    assert_eq!(far.expect_err("US").code(), "undeliverable");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quote_is_firm_for_48_hours_and_adds_up() {
    let b = backend().await;
    let control = b.control().clone();
    let (quote, again, expired, unknown, dollars) = run(b.base_url(), move |a, ctx| {
        let quote = a
            .request_quote(
                ctx,
                quote_request(&[("bolts", "NF-10001", 500), ("nuts", "NF-20001", 500)]),
            )
            .expect("quote");
        let again = a.get_quote(ctx, quote.quote_id.clone()).expect("get-quote");
        control.advance(Duration::from_secs(49 * 3600));
        let expired = a
            .get_quote(ctx, quote.quote_id.clone())
            .expect("get-quote later");
        let unknown = a.get_quote(ctx, "NF-Q-999999".into());
        let mut req = quote_request(&[("bolts", "NF-10001", 5)]);
        req.currency = Some("USD".into());
        let dollars = a.request_quote(ctx, req);
        (quote, again, expired, unknown, dollars)
    })
    .await;
    assert_eq!(quote.status, QuoteStatus::Firm);
    assert_eq!(quote.valid_until, Some(quote.created_at + 48 * 3_600_000));
    let lines: Vec<(&str, String, i64)> = quote
        .lines
        .iter()
        .map(|l| {
            (
                l.line_id.as_str(),
                decimal_text(&l.unit_price),
                l.line_total.minor,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("bolts", "0.170".into(), 8500),
            ("nuts", "0.040".into(), 2000)
        ]
    );
    assert_eq!(quote.totals.lines.minor, 10_500);
    assert_eq!(quote.totals.shipping.minor, 990);
    assert_eq!(quote.totals.tax.minor, 2183);
    assert_eq!(quote.totals.grand_total.minor, 13_673);
    assert!(
        quote
            .charges
            .iter()
            .any(|c| c.kind == ChargeKind::Shipping && c.amount.minor == 990)
    );
    let latest = quote.lines[0]
        .promised_delivery
        .as_ref()
        .expect("promise")
        .latest;
    assert!(
        latest <= quote.created_at + 4 * 86_400_000,
        "three days' lead time"
    );
    assert_eq!(again.quote_id, quote.quote_id);
    assert_eq!(again.totals, quote.totals);
    assert_eq!(
        expired.status,
        QuoteStatus::Expired,
        "judged by Nordfast's clock"
    );
    assert_eq!(unknown.expect_err("unknown").code(), "not-found");
    assert_eq!(dollars.expect_err("USD").code(), "invalid-request");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_order_is_accepted_once_whatever_the_retries() {
    let b = backend().await;
    let (first, retry, conflict, shipments, invoices, by_po) = run(b.base_url(), |a, ctx| {
        let quote = a
            .request_quote(
                ctx,
                quote_request(&[("bolts", "NF-10001", 500), ("nuts", "NF-20001", 500)]),
            )
            .expect("quote");
        let req = order_request(
            "PLANT3-PO-1",
            "idem-1",
            Some(&quote.quote_id),
            &[
                ("bolts", "NF-10001", 500, Some("0.170")),
                ("nuts", "NF-20001", 500, Some("0.040")),
            ],
        );
        let first = a.place_order(ctx, req.clone()).expect("order");
        let retry = a.place_order(ctx, req.clone()).expect("retry");
        let mut changed = req;
        changed.lines[0].quantity = Quantity::pieces(600);
        let conflict = a.place_order(ctx, changed);
        let shipments = a
            .list_shipments(ctx, first.order_id.clone())
            .expect("shipments");
        let invoices = a
            .list_invoices(ctx, first.order_id.clone())
            .expect("invoices");
        let by_po = a.get_order(ctx, "PLANT3-PO-1".into()).expect("by PO");
        (first, retry, conflict, shipments, invoices, by_po)
    })
    .await;
    assert_eq!(first.ack, AckStatus::Accepted);
    assert_eq!(first.buyer_po, "PLANT3-PO-1");
    assert!(first.quote_id.is_some());
    assert!(first.lines.iter().all(|l| l.status == LineStatus::Accepted));
    assert_eq!(first.totals.grand_total.minor, 13_673);
    assert_eq!(retry.order_id, first.order_id);
    assert_eq!(retry.lines, first.lines);
    assert_eq!(
        conflict.expect_err("conflict").code(),
        "idempotency-conflict"
    );
    assert_eq!(b.order_count(), 1);
    assert_eq!(b.stock_of("NF-10001"), Some(19_500));
    let summary = &b.orders_for_buyer_po("PLANT3-PO-1")[0];
    assert_eq!(summary.originator.as_deref(), Some("maintenance-bot-7"));
    assert_eq!(summary.delivery_location.as_deref(), Some(GLN));

    assert_eq!(shipments.len(), 1);
    let s = &shipments[0];
    assert_eq!(s.order_id, first.order_id);
    assert!(s.carrier.is_some() && s.tracking_number.is_some());
    assert_eq!(s.packages.len(), 1);
    assert_eq!(s.lines.iter().map(|l| l.quantity.steps).sum::<u64>(), 1000);
    assert!(s.lines.iter().all(|l| l.lot.is_some()));
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].totals.grand_total.minor, 13_673);
    assert_eq!(invoices[0].lines.len(), 2);
    assert_eq!(invoices[0].document_format.as_deref(), Some("ubl-2.1"));

    assert_eq!(by_po.order_id, first.order_id);
    assert_eq!(by_po.status, OrderStatus::Shipped);
    assert!(
        by_po
            .lines
            .iter()
            .all(|l| l.status == LineStatus::Shipped && l.shipped.steps == 500)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn line_changes_map_to_precise_line_statuses() {
    let b = backend().await;
    let control = b.control().clone();
    let (price, quantity, backorder, date, rejected) = run(b.base_url(), move |a, ctx| {
        control.advance(Duration::from_secs(3600));
        let price = a
            .place_order(
                ctx,
                order_request("PO-P", "k-p", None, &[("1", "NF-50003", 4, Some("12.500"))]),
            )
            .expect("price");
        let quantity = a
            .place_order(
                ctx,
                order_request("PO-Q", "k-q", None, &[("1", "NF-50002", 5, None)]),
            )
            .expect("quantity");
        let backorder = a
            .place_order(
                ctx,
                order_request("PO-B", "k-b", None, &[("1", "NF-10004", 100, None)]),
            )
            .expect("backorder");
        let mut soon = order_request("PO-D", "k-d", None, &[("1", "NF-50002", 20, None)]);
        let now = mercato_sdk::time::now_ms();
        soon.requested_delivery = Some(TimeWindow {
            earliest: now,
            latest: now + 3_600_000,
        });
        let date = a.place_order(ctx, soon).expect("date");
        let rejected = a
            .place_order(
                ctx,
                order_request("PO-R", "k-r", None, &[("1", "NF-00000", 1, None)]),
            )
            .expect("rejected order");
        (price, quantity, backorder, date, rejected)
    })
    .await;
    assert_eq!(price.ack, AckStatus::AcceptedWithChanges);
    assert_eq!(price.lines[0].status, LineStatus::AcceptedPriceChanged);
    assert_eq!(decimal_text(&price.lines[0].unit_price), "12.750");
    assert!(price.messages.iter().any(|m| m.code == "price_change"));
    assert_eq!(
        quantity.lines[0].status,
        LineStatus::AcceptedQuantityChanged
    );
    assert_eq!(
        (
            quantity.lines[0].ordered.steps,
            quantity.lines[0].confirmed.steps
        ),
        (5, 10)
    );
    assert_eq!(backorder.lines[0].status, LineStatus::Backordered);
    assert!(
        backorder.lines[0]
            .promised_delivery
            .as_ref()
            .expect("promise")
            .latest
            > mercato_sdk::time::now_ms() + 20 * 86_400_000
    );
    assert_eq!(date.lines[0].status, LineStatus::AcceptedDateChanged);
    assert_eq!(rejected.ack, AckStatus::Rejected);
    assert_eq!(rejected.status, OrderStatus::Rejected);
    assert_eq!(rejected.lines[0].status, LineStatus::Rejected);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_quote_is_a_quote_expired_error() {
    let b = backend().await;
    let control = b.control().clone();
    let e = run(b.base_url(), move |a, ctx| {
        let quote = a
            .request_quote(ctx, quote_request(&[("1", "NF-10001", 100)]))
            .expect("quote");
        control.advance(Duration::from_secs(49 * 3600));
        a.place_order(
            ctx,
            order_request(
                "PO-X",
                "k-x",
                Some(&quote.quote_id),
                &[("1", "NF-10001", 100, Some("0.210"))],
            ),
        )
    })
    .await
    .expect_err("expired");
    assert!(
        matches!(&e, CommerceError::QuoteExpired(t) if t.contains("NF-Q-")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancellation_is_cancelled_before_despatch_and_refused_after() {
    let b = backend().await;
    let (cancelled, refused, partial, unknown) = run(b.base_url(), |a, ctx| {
        let waiting = a
            .place_order(
                ctx,
                order_request("PO-C1", "k-c1", None, &[("1", "NF-10004", 10, None)]),
            )
            .expect("backordered order");
        assert_eq!(waiting.lines[0].status, LineStatus::Backordered);
        let cancel = |id: &str, key: &str, lines: Vec<String>| CancelRequest {
            idempotency_key: key.into(),
            order_id: id.into(),
            line_ids: lines,
            reason: Some("plan changed".into()),
        };
        let cancelled = a.cancel_order(ctx, cancel("PO-C1", "c-1", Vec::new()));
        let shipped = a
            .place_order(
                ctx,
                order_request(
                    "PO-C2",
                    "k-c2",
                    None,
                    &[("1", "NF-10001", 10, None), ("2", "NF-20001", 10, None)],
                ),
            )
            .expect("shipped order");
        let refused = a.cancel_order(ctx, cancel(&shipped.order_id, "c-2", Vec::new()));
        let partial = a.cancel_order(ctx, cancel(&shipped.order_id, "c-3", vec!["1".into()]));
        let unknown = a.cancel_order(ctx, cancel("NF-SO-999999", "c-4", Vec::new()));
        (cancelled, refused, partial, unknown)
    })
    .await;
    let cancelled = cancelled.expect("cancel");
    assert_eq!(cancelled.status, CancelStatus::Cancelled);
    assert_eq!(cancelled.order.status, OrderStatus::Cancelled);
    assert!(
        cancelled
            .order
            .lines
            .iter()
            .all(|l| l.status == LineStatus::Cancelled)
    );
    assert!(b.orders_for_buyer_po("PO-C1")[0].cancelled);
    let refused = refused.expect("refusal is an answer");
    assert_eq!(refused.status, CancelStatus::Refused);
    assert_eq!(refused.order.status, OrderStatus::Shipped);
    assert_eq!(partial.expect_err("partial").code(), "invalid-request");
    assert_eq!(unknown.expect_err("unknown").code(), "not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_documents_become_order_events() {
    let b = backend().await;
    let url = b.base_url();
    let order = run(url.clone(), |a, ctx| {
        a.place_order(
            ctx,
            order_request("PO-I", "k-i", None, &[("1", "NF-10004", 200, None)]),
        )
        .expect("backordered")
    })
    .await;
    b.control().advance(Duration::from_secs(21 * 86_400));
    let pushed = b.restock();
    assert_eq!(pushed.len(), 3);
    let bodies: Vec<Vec<u8>> = pushed.iter().map(|d| d.xml.clone().into_bytes()).collect();
    let outbox_url = format!("{url}/_sim/nordfast/outbox");
    let (singles, all, odd, broken) = run(url, move |a, ctx| {
        let list = ureq::get(&outbox_url)
            .call()
            .expect("outbox")
            .body_mut()
            .read_to_vec()
            .expect("outbox body");
        let doc = |body: Vec<u8>| InboundDocument {
            content_type: "application/xml".into(),
            headers: Vec::new(),
            body,
        };
        let singles: Vec<_> = bodies
            .into_iter()
            .map(|b| a.handle_inbound(ctx, doc(b)).expect("pushed document"))
            .collect();
        let all = a.handle_inbound(ctx, doc(list)).expect("document list");
        let odd = a.handle_inbound(
            ctx,
            doc(br#"<ReceiptAdvice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2"/>"#.to_vec()),
        );
        let broken = a.handle_inbound(ctx, doc(b"<OrderResponse><oops></OrderResponse>".to_vec()));
        (singles, all, odd, broken)
    })
    .await;
    match &singles[0].events[..] {
        [OrderEvent::OrderUpdated(o)] => {
            assert_eq!(o.order_id, order.order_id);
            assert_eq!(o.lines[0].status, LineStatus::Accepted);
        }
        other => panic!("expected order-updated, got {other:?}"),
    }
    match &singles[1].events[..] {
        [OrderEvent::ShipmentUpdated(s)] => assert_eq!(s.lines[0].quantity.steps, 200),
        other => panic!("expected shipment-updated, got {other:?}"),
    }
    match &singles[2].events[..] {
        [OrderEvent::InvoiceIssued(i)] => {
            assert_eq!(i.order_id, order.order_id);
            assert_eq!(i.lines[0].quantity.steps, 200);
        }
        other => panic!("expected invoice-issued, got {other:?}"),
    }
    assert_eq!(
        all.events.len(),
        3,
        "the outbox holds the three pushed documents"
    );
    let e = odd.expect_err("unknown type");
    assert!(
        matches!(&e, CommerceError::InvalidRequest(f) if f.reason.contains("ReceiptAdvice")),
        "{e:?}"
    );
    assert_eq!(broken.expect_err("malformed").code(), "invalid-request");
}

#[tokio::test(flavor = "multi_thread")]
async fn transport_failures_are_typed() {
    let b = backend().await;
    let control = b.control().clone();
    let url = b.base_url();
    let (limited, down, unknown_order) = run(url.clone(), move |a, ctx| {
        control.fail_next(429, 1, Some(2));
        let limited = a.get_items(ctx, vec![ItemRef::Sku("NF-10001".into())]);
        control.fail_next(503, 1, None);
        let down = a.get_items(ctx, vec![ItemRef::Sku("NF-10001".into())]);
        let unknown_order = a.get_order(ctx, "NO-SUCH-ORDER".into());
        (limited, down, unknown_order)
    })
    .await;
    let limited = limited.expect_err("429");
    assert_eq!(limited.code(), "rate-limited");
    assert_eq!(
        limited.retry_hint().and_then(|h| h.retry_after_ms),
        Some(2000)
    );
    assert_eq!(down.expect_err("503").code(), "supplier-unavailable");
    assert_eq!(unknown_order.expect_err("unknown").code(), "not-found");

    let unauthorized = tokio::task::spawn_blocking(move || {
        testing::reset();
        testing::set_setting("base-url", &url);
        testing::use_network();
        NordfastAdapter.get_items(&context(), vec![ItemRef::Sku("NF-10001".into())])
    })
    .await
    .expect("thread");
    assert_eq!(
        unauthorized.expect_err("no credential").code(),
        "unauthorized"
    );

    drop(b);
    let gone = tokio::task::spawn_blocking(|| {
        testing::reset();
        testing::set_setting("base-url", "http://127.0.0.1:9");
        testing::use_network();
        let unreachable =
            NordfastAdapter.get_items(&context(), vec![ItemRef::Sku("NF-10001".into())]);
        testing::reset();
        let unconfigured =
            NordfastAdapter.get_items(&context(), vec![ItemRef::Sku("NF-10001".into())]);
        (unreachable, unconfigured)
    })
    .await
    .expect("thread");
    assert_eq!(
        gone.0.expect_err("unreachable").code(),
        "supplier-unavailable"
    );
    let e = gone.1.expect_err("no base-url");
    assert!(
        matches!(&e, CommerceError::Internal(t) if t.contains("base-url")),
        "{e:?}"
    );
}
