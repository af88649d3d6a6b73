//! The adapter against the real Voltaic backend over HTTP, for every operation and every
//! error case it maps. The adapter's calls block, so each runs on a blocking thread whose
//! host stand-ins send requests with the `X-Api-Key` header the host would attach.

use mercato_backends::voltaic::{self, DEFAULT_WEBHOOK_SECRET, VoltaicBackend, VoltaicConfig};
use mercato_sdk::contract::{Decimal as WitDecimal, Money as WitMoney};
use mercato_sdk::prelude::*;
use mercato_sdk::testing;
use std::time::Duration;
use voltaic_rest_adapter::VoltaicRest;

const BOLT: &str = "VC-HB-M8X30-A2";
const NUT: &str = "VC-HN-M8-A2";

async fn backend() -> VoltaicBackend {
    voltaic::start(VoltaicConfig::default())
        .await
        .expect("backend starts")
}

/// Runs `f` on a blocking thread set up like the host: base URL, webhook secret, API key.
async fn adapter<T: Send + 'static>(
    b: &VoltaicBackend,
    f: impl FnOnce(VoltaicRest) -> T + Send + 'static,
) -> T {
    let base = b.base_url();
    let key = b.api_key().to_string();
    tokio::task::spawn_blocking(move || {
        testing::reset();
        testing::set_setting("base-url", &base);
        testing::set_secret("webhook-secret", DEFAULT_WEBHOOK_SECRET);
        testing::use_network_with_headers(&[("X-Api-Key", &key)]);
        let result = f(VoltaicRest);
        assert!(
            testing::sent()
                .iter()
                .all(|r| r.header("x-api-key").is_none()),
            "the adapter must not set the API key itself"
        );
        result
    })
    .await
    .expect("adapter thread")
}

fn ctx() -> CallContext {
    let mut c = testing::call_context();
    c.currency = Some("EUR".to_string());
    c.locale = Some("de-DE".to_string());
    c.country = Some("DE".to_string());
    c
}

fn plant3(country: &str) -> Address {
    Address {
        location_id: None,
        name: Some("Plant 3".to_string()),
        organization: Some("Acme Maschinenbau GmbH".to_string()),
        lines: vec!["Werkstraße 3".to_string()],
        city: "Stuttgart".to_string(),
        region: None,
        postal_code: Some("70173".to_string()),
        country: country.to_string(),
        contact: None,
    }
}

fn quote_line(id: &str, sku: &str, n: u64) -> QuoteLineRequest {
    QuoteLineRequest {
        line_id: id.to_string(),
        item: ItemRef::Sku(sku.to_string()),
        offer_token: None,
        quantity: Quantity::pieces(n),
        target_unit_price: None,
    }
}

fn quote_request(lines: Vec<QuoteLineRequest>, country: &str) -> QuoteRequest {
    QuoteRequest {
        lines,
        ship_to: plant3(country),
        requested_delivery: None,
        currency: Some("EUR".to_string()),
        requested_valid_until: None,
        allow_substitutes: false,
        incoterms: None,
        buyer_reference: None,
        notes: None,
    }
}

fn order_line(id: &str, sku: &str, n: u64, expected: Option<(i64, u8)>) -> OrderLineRequest {
    OrderLineRequest {
        line_id: id.to_string(),
        item: ItemRef::Sku(sku.to_string()),
        offer_token: None,
        quantity: Quantity::pieces(n),
        expected_unit_price: expected.map(|(m, s)| Price {
            currency: "EUR".to_string(),
            amount: WitDecimal {
                mantissa: m,
                scale: s,
            },
            basis: Quantity::pieces(1),
        }),
    }
}

fn order_request(
    key: &str,
    po: &str,
    quote_id: Option<String>,
    lines: Vec<OrderLineRequest>,
    max_minor: i64,
) -> OrderRequest {
    OrderRequest {
        idempotency_key: key.to_string(),
        buyer_po: po.to_string(),
        quote_id,
        lines,
        ship_to: plant3("DE"),
        bill_to: None,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: PartialDelivery::Allow,
        max_total: WitMoney {
            currency: "EUR".to_string(),
            minor: max_minor,
        },
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: None,
    }
}

fn search(text: &str, page_size: u32, cursor: Option<String>) -> SearchQuery {
    SearchQuery {
        text: Some(text.to_string()),
        categories: Vec::new(),
        in_stock_only: false,
        page_size,
        cursor,
    }
}

fn dec(m: i64, s: u8) -> WitDecimal {
    WitDecimal {
        mantissa: m,
        scale: s,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_the_demo_items_with_exact_tier_prices() {
    let b = backend().await;
    let (bolts, nuts) = adapter(&b, |a| {
        (
            a.search(&ctx(), search("M8 hex bolt", 10, None)),
            a.search(&ctx(), search("m8 HEX nut", 10, None)),
        )
    })
    .await;
    let bolts = bolts.expect("bolts");
    assert_eq!(bolts.items.len(), 1);
    assert_eq!(bolts.next_cursor, None);
    let bolt = &bolts.items[0];
    assert_eq!(bolt.title, "Hex bolt M8x30 DIN 933 A2 stainless");
    let tier_500 = bolt
        .price_tiers
        .iter()
        .find(|t| t.min_quantity == Quantity::pieces(500))
        .expect("tier");
    assert_eq!(
        (
            tier_500.unit_price.currency.as_str(),
            tier_500.unit_price.amount
        ),
        ("EUR", dec(24, 2))
    );
    let avail = bolt.availability.as_ref().expect("availability");
    assert_eq!(
        (avail.status, avail.on_hand.clone(), avail.lead_time_days),
        (
            StockStatus::InStock,
            Some(Quantity::pieces(15_243)),
            Some(14)
        )
    );
    assert_eq!(bolt.ids.gtin.as_ref().map(String::len), Some(14));
    let nuts = nuts.expect("nuts");
    assert_eq!(nuts.items[0].ids.supplier_sku, NUT);
    assert_eq!(nuts.items[0].price_tiers[1].unit_price.amount, dec(65, 3));
}

#[tokio::test(flavor = "multi_thread")]
async fn search_pages_terminate_without_repeats_in_any_currency() {
    let b = backend().await;
    let (pages, usd, in_stock, bad) = adapter(&b, |a| {
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = a
                .search(&ctx(), search("stainless", 2, cursor))
                .expect("page");
            assert!(page.items.len() <= 2);
            for item in page.items {
                assert!(
                    !seen.contains(&item.ids.supplier_sku),
                    "{} repeated",
                    item.ids.supplier_sku
                );
                seen.push(item.ids.supplier_sku);
            }
            pages += 1;
            cursor = page.next_cursor;
            if cursor.is_none() || pages > 20 {
                break;
            }
        }
        let mut usd_ctx = ctx();
        usd_ctx.currency = Some("USD".to_string());
        usd_ctx.locale = Some("en-US".to_string());
        let usd = a.search(&usd_ctx, search("TL072CP", 5, None)).expect("usd");
        let mut everything = search("", 50, None);
        everything.text = None;
        everything.in_stock_only = true;
        let in_stock = a.search(&ctx(), everything).expect("browse");
        let bad = a.search(&ctx(), search("bolt", 5, Some("page-two".to_string())));
        ((pages, seen.len()), usd, in_stock, bad)
    })
    .await;
    assert!(pages.0 >= 3 && pages.1 >= 5, "{pages:?}");
    assert_eq!(usd.items[0].price_tiers[0].unit_price.currency, "USD");
    assert_eq!(usd.items[0].price_tiers[0].unit_price.amount, dec(87, 2));
    assert!(
        in_stock
            .items
            .iter()
            .all(|i| i.ids.supplier_sku != "VC-ESP32-WROOM")
    );
    assert_eq!(
        bad.map(|_| ()).map_err(|e| e.code()),
        Err("invalid-request")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_items_takes_skus_gtins_and_mpns_and_leaves_unknowns_out() {
    let b = backend().await;
    let (found, none) = adapter(&b, |a| {
        let gtin = a
            .search(&ctx(), search("M8 hex nut", 1, None))
            .expect("nut")
            .items[0]
            .ids
            .gtin
            .clone()
            .expect("gtin");
        let refs = vec![
            ItemRef::Sku(BOLT.to_string()),
            ItemRef::Gtin(gtin),
            ItemRef::Mpn(MpnRef {
                manufacturer: Some("Texas Instruments".to_string()),
                mpn: "NE555P".to_string(),
            }),
            ItemRef::Sku("VC-DOES-NOT-EXIST".to_string()),
            ItemRef::BuyerPart("ACME-4711".to_string()),
        ];
        let none = a.get_items(
            &ctx(),
            vec![
                ItemRef::Sku("VC-NOPE".to_string()),
                ItemRef::BuyerPart("B".to_string()),
            ],
        );
        (a.get_items(&ctx(), refs), none)
    })
    .await;
    let skus: Vec<String> = found
        .expect("items")
        .into_iter()
        .map(|i| i.ids.supplier_sku)
        .collect();
    assert_eq!(skus, vec![BOLT, NUT, "VC-NE555P"]);
    assert_eq!(none.map_err(|e| e.code()).err(), Some("not-found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn availability_is_live_and_judged_against_the_quantity() {
    let b = backend().await;
    let (answers, abroad) = adapter(&b, |a| {
        let line = |id: &str, sku: &str, n: u64| AvailabilityRequest {
            line_id: id.to_string(),
            item: ItemRef::Sku(sku.to_string()),
            quantity: Quantity::pieces(n),
        };
        let lines = vec![
            line("b", BOLT, 500),
            line("esp", "VC-ESP32-WROOM", 2),
            line("relay", "VC-G5LE-1-24", 100),
            line("old", "VC-LM741CN", 5),
        ];
        let abroad = a.check_availability(&ctx(), vec![line("b", BOLT, 1)], Some(plant3("BR")));
        (
            a.check_availability(&ctx(), lines, Some(plant3("DE"))),
            abroad,
        )
    })
    .await;
    let answers = answers.expect("answers");
    let status: Vec<StockStatus> = answers.iter().map(|a| a.availability.status).collect();
    assert_eq!(
        status,
        vec![
            StockStatus::InStock,
            StockStatus::Backorder,
            StockStatus::Limited,
            StockStatus::InStock
        ]
    );
    assert_eq!(answers[1].availability.lead_time_days, Some(84));
    assert_eq!(answers[1].availability.next_restock.len(), 1);
    assert_eq!(abroad.map_err(|e| e.code()).err(), Some("undeliverable"));
}

#[tokio::test(flavor = "multi_thread")]
async fn quotes_are_firm_carts_with_consistent_totals() {
    let b = backend().await;
    let (quote, again) = adapter(&b, |a| {
        let q = a.request_quote(
            &ctx(),
            quote_request(
                vec![quote_line("bolts", BOLT, 500), quote_line("nuts", NUT, 500)],
                "DE",
            ),
        );
        let again = q
            .as_ref()
            .ok()
            .map(|q| a.get_quote(&ctx(), q.quote_id.clone()));
        (q, again)
    })
    .await;
    let quote = quote.expect("quote");
    assert_eq!(quote.status, QuoteStatus::Firm);
    assert_eq!(quote.valid_until, Some(quote.created_at + 86_400_000));
    assert_eq!(quote.lines[0].unit_price.amount, dec(24, 2));
    assert_eq!(quote.lines[0].line_total.minor, 12_000);
    assert_eq!(quote.lines[1].line_total.minor, 3_250);
    let t = &quote.totals;
    assert_eq!(t.lines.minor, 15_250);
    assert_eq!(
        t.grand_total.minor,
        t.lines.minor + t.discounts.minor + t.shipping.minor + t.tax.minor + t.fees.minor
    );
    assert_eq!(t.tax.minor, 2_280 + 618);
    assert_eq!(quote.fulfillment_options[0].carrier.as_deref(), Some("DHL"));
    let window = quote.fulfillment_options[0].delivery.expect("delivery");
    assert!(
        window.latest - quote.created_at < 7 * 86_400_000,
        "delivered within 7 days"
    );
    let again = again.expect("fetched").expect("same quote");
    assert_eq!(
        (again.quote_id, again.totals),
        (quote.quote_id, quote.totals)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quote_errors_name_rules_parts_countries_and_expiry() {
    let b = backend().await;
    let (rules, unknown, abroad, missing) = adapter(&b, |a| {
        (
            a.request_quote(
                &ctx(),
                quote_request(vec![quote_line("r", "VC-RES-10K-0805", 150)], "DE"),
            ),
            a.request_quote(
                &ctx(),
                quote_request(vec![quote_line("x", "VC-NOPE", 1)], "DE"),
            ),
            a.request_quote(&ctx(), quote_request(vec![quote_line("b", BOLT, 1)], "BR")),
            a.get_quote(&ctx(), "no-such-cart".to_string()),
        )
    })
    .await;
    let Err(CommerceError::QuantityRule(v)) = rules else {
        panic!("quantity-rule expected, got {rules:?}");
    };
    assert_eq!(v[0].line_id, "r");
    assert_eq!(
        (v[0].rules.minimum.clone(), v[0].rules.increment.clone()),
        (Some(Quantity::pieces(100)), Some(Quantity::pieces(100)))
    );
    assert_eq!(unknown.map_err(|e| e.code()).err(), Some("not-found"));
    assert_eq!(abroad.map_err(|e| e.code()).err(), Some("undeliverable"));
    assert_eq!(missing.map_err(|e| e.code()).err(), Some("not-found"));

    let q = adapter(&b, |a| {
        a.request_quote(&ctx(), quote_request(vec![quote_line("b", BOLT, 10)], "DE"))
    })
    .await
    .expect("quote");
    b.control().advance(Duration::from_secs(25 * 3_600));
    let id = q.quote_id.clone();
    let (expired, order) = adapter(&b, move |a| {
        let expired = a.get_quote(&ctx(), id.clone());
        let order = a.place_order(
            &ctx(),
            order_request(
                "k-exp",
                "PO-EXP",
                Some(id),
                vec![order_line("b", BOLT, 10, None)],
                10_000,
            ),
        );
        (expired, order)
    })
    .await;
    assert_eq!(expired.expect("quote").status, QuoteStatus::Expired);
    assert_eq!(order.map_err(|e| e.code()).err(), Some("quote-expired"));
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_from_quotes_are_idempotent() {
    let b = backend().await;
    let (first, replay, conflict) = adapter(&b, |a| {
        let q = a
            .request_quote(
                &ctx(),
                quote_request(
                    vec![quote_line("bolts", BOLT, 500), quote_line("nuts", NUT, 500)],
                    "DE",
                ),
            )
            .expect("quote");
        let lines = || {
            vec![
                order_line("bolts", BOLT, 500, Some((24, 2))),
                order_line("nuts", NUT, 500, Some((65, 3))),
            ]
        };
        let req = order_request(
            "host-key-1",
            "PO-PLANT3-1",
            Some(q.quote_id.clone()),
            lines(),
            q.totals.grand_total.minor,
        );
        let first = a.place_order(&ctx(), req.clone());
        let replay = a.place_order(&ctx(), req.clone());
        let mut changed = req;
        changed.lines.truncate(1);
        (first, replay, a.place_order(&ctx(), changed))
    })
    .await;
    let first = first.expect("order");
    assert_eq!(first.ack, AckStatus::Accepted);
    assert_eq!(first.status, OrderStatus::Shipped);
    assert_eq!(first.lines[0].shipped, Quantity::pieces(500));
    assert_eq!(first.lines[0].status, LineStatus::Shipped);
    assert!(first.quote_id.is_some());
    let replay = replay.expect("replayed");
    assert_eq!(replay.order_id, first.order_id);
    assert_eq!(b.order_count(), 1);
    assert_eq!(b.stock_of(BOLT), Some(15_243 - 500));
    assert_eq!(
        conflict.map_err(|e| e.code()).err(),
        Some("idempotency-conflict")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn order_refusals_map_to_their_cases() {
    let b = backend().await;
    b.control().advance(Duration::from_secs(2 * 3_600));
    let (price, stock, rules, ceiling, payment) = adapter(&b, |a| {
        let price = a.place_order(
            &ctx(),
            order_request(
                "p",
                "PO-P",
                None,
                vec![order_line("cu", "VC-CU-BUSBAR-10X3", 1, Some((480, 2)))],
                100_000,
            ),
        );
        let stock = a.place_order(
            &ctx(),
            order_request(
                "s",
                "PO-S",
                None,
                vec![order_line("relay", "VC-G5LE-1-24", 100, None)],
                1_000_000,
            ),
        );
        let rules = a.place_order(
            &ctx(),
            order_request(
                "r",
                "PO-R",
                None,
                vec![order_line("res", "VC-RES-10K-0805", 150, None)],
                100_000,
            ),
        );
        let ceiling = a.place_order(
            &ctx(),
            order_request(
                "m",
                "PO-M",
                None,
                vec![order_line("b", BOLT, 500, None)],
                10_000,
            ),
        );
        let mut card = order_request(
            "c",
            "PO-C",
            None,
            vec![order_line("b", BOLT, 1, None)],
            10_000,
        );
        card.payment = PaymentInstruction::SavedMethod("visa-1".to_string());
        (price, stock, rules, ceiling, a.place_order(&ctx(), card))
    })
    .await;
    let Err(CommerceError::PriceChanged(changes)) = price else {
        panic!("price-changed expected, got {price:?}");
    };
    assert_eq!(changes[0].line_id, "cu");
    assert_eq!(changes[0].expected.amount, dec(480, 2));
    // 4.80 × 1.02 × 1.02, each hour rounded to 4 decimals: 4.896, 4.9939.
    assert_eq!(changes[0].actual.amount, dec(49_939, 4));
    let Err(CommerceError::OutOfStock(short)) = stock else {
        panic!("out-of-stock expected, got {stock:?}");
    };
    assert_eq!(
        (short[0].line_id.as_str(), short[0].available.clone()),
        ("relay", Some(Quantity::pieces(25)))
    );
    assert!(short[0].next_restock.is_some());
    assert_eq!(rules.map_err(|e| e.code()).err(), Some("quantity-rule"));
    let Err(CommerceError::SupplierRejected(r)) = ceiling else {
        panic!("supplier-rejected expected, got {ceiling:?}");
    };
    assert_eq!(r.code, "MaxTotalExceeded");
    assert!(r.text.contains("142,80"), "{}", r.text);
    assert_eq!(
        payment.map_err(|e| e.code()).err(),
        Some("payment-declined")
    );
    assert_eq!(b.order_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_while_the_first_is_processed_is_in_progress() {
    let config = VoltaicConfig {
        order_processing_delay: Duration::from_millis(800),
        ..VoltaicConfig::default()
    };
    let b = voltaic::start(config).await.expect("backend");
    let place = || {
        order_request(
            "slow-key",
            "PO-SLOW",
            None,
            vec![order_line("n", NUT, 10, None)],
            10_000,
        )
    };
    let first = {
        let req = place();
        let base = b.base_url();
        let key = b.api_key().to_string();
        tokio::task::spawn_blocking(move || {
            testing::set_setting("base-url", &base);
            testing::use_network_with_headers(&[("X-Api-Key", &key)]);
            VoltaicRest.place_order(&ctx(), req)
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = adapter(&b, move |a| a.place_order(&ctx(), place())).await;
    assert!(
        matches!(
            second,
            Err(CommerceError::InProgress(RetryHint {
                retry_after_ms: Some(1000)
            }))
        ),
        "{second:?}"
    );
    assert!(first.await.expect("join").is_ok());
    assert_eq!(b.order_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_outages_and_bad_keys_are_typed() {
    let b = backend().await;
    b.control().fail_next(429, 1, Some(2));
    let limited = adapter(&b, |a| a.search(&ctx(), search("nut", 5, None))).await;
    assert!(
        matches!(
            limited,
            Err(CommerceError::RateLimited(RetryHint {
                retry_after_ms: Some(2000)
            }))
        ),
        "{limited:?}"
    );
    b.control().fail_next(503, 1, None);
    let down = adapter(&b, |a| a.get_order(&ctx(), "VC-1".to_string())).await;
    assert_eq!(
        down.map_err(|e| e.code()).err(),
        Some("supplier-unavailable")
    );

    let other = voltaic::start(VoltaicConfig {
        api_key: "another-account".to_string(),
        ..VoltaicConfig::default()
    })
    .await
    .expect("backend");
    let base = other.base_url();
    let refused = adapter(&b, move |a| {
        testing::set_setting("base-url", &base);
        a.search(&ctx(), search("nut", 5, None))
    })
    .await;
    assert_eq!(refused.map_err(|e| e.code()).err(), Some("unauthorized"));
    let gone = other.base_url();
    other.stop().await;
    let unreachable = adapter(&b, move |a| {
        testing::set_setting("base-url", &gone);
        a.search(&ctx(), search("nut", 5, None))
    })
    .await;
    assert_eq!(
        unreachable.map_err(|e| e.code()).err(),
        Some("supplier-unavailable")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_are_found_by_number_or_by_po_and_tracked() {
    let b = backend().await;
    let (placed, by_number, by_po, missing, shipments, invoices) = adapter(&b, |a| {
        let placed = a
            .place_order(
                &ctx(),
                order_request(
                    "t",
                    "PO-TRACK",
                    None,
                    vec![order_line("b", BOLT, 500, Some((24, 2)))],
                    20_000,
                ),
            )
            .expect("order");
        let by_number = a.get_order(&ctx(), placed.order_id.clone());
        let by_po = a.get_order(&ctx(), "PO-TRACK".to_string());
        let missing = a.get_order(&ctx(), "PO-NEVER-SENT".to_string());
        let shipments = a.list_shipments(&ctx(), placed.order_id.clone());
        let invoices = a.list_invoices(&ctx(), placed.order_id.clone());
        (placed, by_number, by_po, missing, shipments, invoices)
    })
    .await;
    assert_eq!(by_number.expect("by number").order_id, placed.order_id);
    assert_eq!(by_po.expect("by PO").order_id, placed.order_id);
    assert_eq!(missing.map_err(|e| e.code()).err(), Some("not-found"));
    let shipments = shipments.expect("shipments");
    let s = &shipments[0];
    assert_eq!(
        (s.carrier.as_deref(), s.status),
        (Some("DHL"), ShipmentStatus::Shipped)
    );
    assert!(
        s.tracking_url
            .as_deref()
            .is_some_and(|u| u.contains(s.tracking_number.as_deref().unwrap_or("-")))
    );
    assert_eq!(s.lines[0].quantity, Quantity::pieces(500));
    let invoices = invoices.expect("invoices");
    assert_eq!(invoices[0].totals.lines.minor, 12_000);
    assert_eq!(invoices[0].totals.grand_total.minor, 14_280);

    b.control().advance(Duration::from_secs(2 * 86_400));
    let id = placed.order_id.clone();
    let (later, tracked) = adapter(&b, move |a| {
        (
            a.get_order(&ctx(), id.clone()),
            a.list_shipments(&ctx(), id),
        )
    })
    .await;
    assert_eq!(later.expect("order").status, OrderStatus::Delivered);
    assert_eq!(
        tracked.expect("shipments")[0].status,
        ShipmentStatus::Delivered
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn backorders_hold_or_wait_and_cancellation_follows_the_rules() {
    let b = backend().await;
    let (placed, held, refused, partial, whole) = adapter(&b, |a| {
        let lines = || {
            vec![
                order_line("esp", "VC-ESP32-WROOM", 3, None),
                order_line("nut", NUT, 50, None),
            ]
        };
        let placed = a
            .place_order(&ctx(), order_request("bo", "PO-BO", None, lines(), 100_000))
            .expect("order");
        let mut complete = order_request("sc", "PO-SC", None, lines(), 100_000);
        complete.partial_delivery = PartialDelivery::ShipComplete;
        let held = a.place_order(&ctx(), complete).expect("held order");
        let cancel = |key: &str, ids: &[&str], order: &str| CancelRequest {
            idempotency_key: key.to_string(),
            order_id: order.to_string(),
            line_ids: ids.iter().map(|s| s.to_string()).collect(),
            reason: Some("plan changed".to_string()),
        };
        let refused = a.cancel_order(&ctx(), cancel("c1", &["nut"], &placed.order_id));
        let partial = a.cancel_order(&ctx(), cancel("c2", &[], &placed.order_id));
        let whole = a.cancel_order(&ctx(), cancel("c3", &[], &held.order_id));
        (placed, held, refused, partial, whole)
    })
    .await;
    assert_eq!(placed.ack, AckStatus::AcceptedWithChanges);
    assert_eq!(placed.status, OrderStatus::PartiallyShipped);
    assert_eq!(placed.lines[0].status, LineStatus::Backordered);
    assert!(placed.lines[0].promised_delivery.is_some());
    assert_eq!(held.status, OrderStatus::OnHold);
    let refused = refused.expect("refusal is an answer");
    assert_eq!(refused.status, CancelStatus::Refused);
    assert_eq!(refused.order.order_id, placed.order_id);
    let partial = partial.expect("partial cancel");
    assert_eq!(partial.status, CancelStatus::PartiallyCancelled);
    assert_eq!(partial.order.lines[0].status, LineStatus::Cancelled);
    assert_eq!(partial.order.lines[0].cancelled, Quantity::pieces(3));
    let whole = whole.expect("cancel");
    assert_eq!(
        (whole.status, whole.order.status),
        (CancelStatus::Cancelled, OrderStatus::Cancelled)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn returns_are_authorised_for_shipped_lines() {
    let b = backend().await;
    let (rma, too_many) = adapter(&b, |a| {
        let placed = a
            .place_order(
                &ctx(),
                order_request(
                    "rt",
                    "PO-RT",
                    None,
                    vec![order_line("nut", NUT, 100, None)],
                    10_000,
                ),
            )
            .expect("order");
        let ret = |key: &str, n: u64| ReturnRequest {
            idempotency_key: key.to_string(),
            order_id: placed.order_id.clone(),
            lines: vec![ReturnLine {
                line_id: "nut".to_string(),
                quantity: Quantity::pieces(n),
                reason: ReturnReason::Damaged,
            }],
            notes: Some("crushed box".to_string()),
        };
        (
            a.request_return(&ctx(), ret("r1", 10)),
            a.request_return(&ctx(), ret("r2", 500)),
        )
    })
    .await;
    let rma = rma.expect("rma");
    assert_eq!(rma.status, ReturnStatus::Authorized);
    assert_eq!(
        rma.refund_estimate,
        Some(WitMoney {
            currency: "EUR".to_string(),
            minor: 65
        })
    );
    assert!(rma.label_url.is_some());
    assert_eq!(
        too_many.map_err(|e| e.code()).err(),
        Some("supplier-rejected")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_webhooks_become_order_events_and_forgeries_are_refused() {
    let b = backend().await;
    let placed = adapter(&b, |a| {
        a.place_order(
            &ctx(),
            order_request(
                "wh",
                "PO-WH",
                None,
                vec![order_line("n", NUT, 20, None)],
                10_000,
            ),
        )
    })
    .await
    .expect("order");
    let hooks = b.webhooks(&placed.order_id);
    assert_eq!(hooks.len(), 3);
    let docs: Vec<InboundDocument> = hooks
        .iter()
        .map(|w| InboundDocument {
            content_type: "application/json".to_string(),
            headers: vec![(voltaic::SIGNATURE_HEADER.to_string(), w.signature.clone())],
            body: w.body.clone(),
        })
        .collect();
    let mut forged = docs[2].clone();
    forged.body = String::from_utf8_lossy(&forged.body)
        .replace("PO-WH", "PO-EVIL")
        .into_bytes();
    let mut unsigned = docs[2].clone();
    unsigned.headers.clear();
    let (events, forged, unsigned) = adapter(&b, move |a| {
        let events: Vec<CommerceResult<InboundResult>> = docs
            .into_iter()
            .map(|d| a.handle_inbound(&ctx(), d))
            .collect();
        (
            events,
            a.handle_inbound(&ctx(), forged),
            a.handle_inbound(&ctx(), unsigned),
        )
    })
    .await;
    let events: Vec<OrderEvent> = events
        .into_iter()
        .flat_map(|r| r.expect("verified").events)
        .collect();
    assert!(matches!(&events[0], OrderEvent::ShipmentUpdated(s) if s.order_id == placed.order_id));
    assert!(matches!(&events[1], OrderEvent::InvoiceIssued(i) if i.totals.lines.minor == 180));
    assert!(matches!(&events[2], OrderEvent::OrderUpdated(o) if o.buyer_po == "PO-WH"));
    assert_eq!(forged.map_err(|e| e.code()).err(), Some("unauthorized"));
    assert_eq!(unsigned.map_err(|e| e.code()).err(), Some("unauthorized"));
}

/// An order id of `..` or `.` would name another resource once the path is resolved; the
/// adapter refuses it as the caller's error instead of asking the supplier.
#[tokio::test(flavor = "multi_thread")]
async fn dot_segment_ids_are_refused_not_sent() {
    let b = backend().await;
    let (order, invoices, shipments, quote) = adapter(&b, |a| {
        (
            a.get_order(&ctx(), "..".to_string()),
            a.list_invoices(&ctx(), ".".to_string()),
            a.list_shipments(&ctx(), String::new()),
            a.get_quote(&ctx(), "..".to_string()),
        )
    })
    .await;
    for (what, code) in [
        ("get-order", order.map(|_| ()).map_err(|e| e.code()).err()),
        (
            "list-invoices",
            invoices.map(|_| ()).map_err(|e| e.code()).err(),
        ),
        (
            "list-shipments",
            shipments.map(|_| ()).map_err(|e| e.code()).err(),
        ),
        ("get-quote", quote.map(|_| ()).map_err(|e| e.code()).err()),
    ] {
        assert_eq!(code, Some("invalid-request"), "{what}");
    }
}
