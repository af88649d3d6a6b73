//! Suppliers that are not honest, through the real gateway: one that ignores the cap, one that
//! charges more than it quoted, one whose order numbering restarts, one with negative or
//! unsorted prices, one whose lines do not add up, one that answers with another buyer's PO,
//! and one that invoices more than was authorised. Each gets a typed answer (never a success,
//! never a 5xx for an order that exists) and leaves the ledger telling the truth.

use crate::gateway::{Running, order_body};
use mercato::broker::BrokerConfig;
use mercato::ledger::{Ledger, ReservationRecord, ReservationState};
use mercato_backends::voltaic::Dishonesty;
use serde_json::{Value, json};
use std::sync::Arc;

const NUT: &str = "VC-HN-M8-A2";
/// Nordfast's sold-out screw: an order for it waits for stock, so it can still be cancelled.
const WAITING_SCREW: &str = "NF-10004";

async fn place(g: &Running, body: Value, key: &str) -> (u16, Value) {
    g.call(reqwest::Method::POST, "/v1/orders", Some(body), Some(key))
        .await
}

fn ledger(g: &Running) -> &Arc<dyn Ledger> {
    g.service.ledger()
}

/// The one reservation made for the order with `po`.
fn reservation_of(g: &Running, order_id: &str) -> ReservationRecord {
    let all = ledger(g).reservations().unwrap();
    let mine: Vec<_> = all
        .into_iter()
        .filter(|r| r.order_id.as_deref() == Some(order_id))
        .collect();
    assert_eq!(mine.len(), 1, "one reservation for {order_id}: {mine:#?}");
    mine.into_iter().next().unwrap()
}

fn alerts(g: &Running, supplier: &str, kind: &str) -> u64 {
    g.service.broker().metrics().order_alerts(supplier, kind)
}

/// Audit lines whose operation is `operation`, as (target, outcome).
fn audited(g: &Running, operation: &str) -> Vec<(String, String)> {
    ledger(g)
        .audit_trail()
        .unwrap()
        .into_iter()
        .filter(|e| e.operation == operation)
        .map(|e| (e.target, e.outcome))
        .collect()
}

/// An order for `pieces` of `sku` that waits until it can ship complete: nothing ships at
/// once, so the supplier can still cancel it.
fn waiting_order(supplier: &str, po: &str, sku: &str, pieces: u64, cap: i64) -> Value {
    let mut body = order_body(supplier, po, sku, pieces, cap);
    body["partial_delivery"] = json!("ship_complete");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_above_its_cap_is_cancelled_by_the_host_and_nothing_is_committed() {
    let g = Running::start(BrokerConfig::default()).await;
    // Ten sold-out screws at EUR 0.62 are EUR 6.20 of lines: the cap covers them, but
    // Nordfast adds freight and VAT and, ignoring the ceiling, confirms at about EUR 19.
    let (status, problem) = place(
        &g,
        waiting_order("nordfast", "PO-D-CAP", WAITING_SCREW, 10, 620),
        "d-cap",
    )
    .await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_cancelled_by_host");
    assert_eq!(problem["breach"]["kind"], "over_cap", "{problem:#}");
    let order_id = problem["order"]["order_id"].as_str().unwrap().to_string();
    assert_eq!(problem["order"]["buyer_po"], "PO-D-CAP");

    let at_supplier = g.suppliers.nordfast.orders_for_buyer_po("PO-D-CAP");
    assert_eq!(at_supplier.len(), 1);
    assert!(
        at_supplier[0].cancelled,
        "the host cancelled it at Nordfast"
    );
    let recorded = ledger(&g).order("nordfast", &order_id).unwrap().unwrap();
    assert_eq!(recorded.order.buyer_po, "PO-D-CAP");
    assert_eq!(
        reservation_of(&g, &order_id).state,
        ReservationState::Released,
        "nothing is committed for a cancelled order"
    );
    assert_eq!(alerts(&g, "nordfast", "over-cap"), 1);
    let target = format!("nordfast/{order_id}");
    assert!(audited(&g, "order-breach").contains(&(target.clone(), "over-cap".into())));
    assert!(audited(&g, "host-cancel").contains(&(target, "ok".into())));

    // The answer is final for the key: a retry gets it again, and orders nothing.
    let (status, again) = place(
        &g,
        waiting_order("nordfast", "PO-D-CAP", WAITING_SCREW, 10, 620),
        "d-cap",
    )
    .await;
    assert_eq!(
        (status, &again["code"]),
        (409, &json!("order_cancelled_by_host"))
    );
    assert_eq!(
        g.suppliers.nordfast.orders_for_buyer_po("PO-D-CAP").len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_times_the_cap_is_held_for_a_person_at_the_cap_when_it_cannot_be_cancelled() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        ignore_max_total: true,
        overcharge_percent: 900,
        ..Dishonesty::default()
    });
    // In stock: Voltaic ships at once and then refuses to cancel.
    let (status, problem) = place(
        &g,
        order_body("voltaic", "PO-D-10X", NUT, 100, 2_000),
        "d-10x",
    )
    .await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_held_for_review");
    assert_eq!(problem["breach"]["kind"], "over_cap", "{problem:#}");
    let order_id = problem["order"]["order_id"].as_str().unwrap().to_string();
    let approval = problem["approval_id"].as_str().unwrap().to_string();

    // Held at the cap the mandate judged, never at what the supplier charged.
    let r = reservation_of(&g, &order_id);
    assert_eq!(r.state, ReservationState::Reserved);
    assert_eq!((r.amount.minor(), r.cap.minor()), (2_000, 2_000));
    let charged = g.suppliers.voltaic.orders()[0].2;
    assert!(charged > 10 * 650, "ten times the price: {charged}");
    assert!(
        audited(&g, "host-cancel")
            .iter()
            .any(|(_, o)| o == "failed")
    );

    // The approver sees the order as charged, and why it waits.
    let lead = mercato::demo::demo_approver("approver-key-0123456789");
    let view = g.service.approval(&lead, &approval).await.unwrap();
    assert_eq!(view.kind, "review");
    assert!(view.reason.contains("above its cap"), "{}", view.reason);
    assert_eq!(view.total.minor, charged);
    assert_eq!(view.lines[0].quantity_text, "100 pcs");

    // The person accepts it: it stands, booked at the cap, the rest alerted for a dispute.
    let key = mercato::desk::IdempotencyKey::parse("lead-accept-1").unwrap();
    let accepted = g
        .service
        .approve(
            &lead,
            &key,
            &approval,
            Some("shipped already; disputing the excess".into()),
        )
        .await
        .unwrap();
    assert_eq!(accepted.state, "placed");
    let r = reservation_of(&g, &order_id);
    assert_eq!(
        (r.state, r.amount.minor()),
        (ReservationState::Settled, 2_000)
    );
    assert_eq!(alerts(&g, "voltaic", "charged-above-cap"), 1);
    // The client's key now answers with the order.
    let (status, order) = place(
        &g,
        order_body("voltaic", "PO-D-10X", NUT, 100, 2_000),
        "d-10x",
    )
    .await;
    assert_eq!(status, 201, "{order:#}");
    assert_eq!(order["order_id"], order_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn charging_more_than_quoted_is_caught_as_price_drift_and_cancelled() {
    let g = Running::start(BrokerConfig::default()).await;
    let (status, quotes) = g
        .post(
            "/v1/quotes",
            json!({ "request": {
                "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": NUT }, "offer_token": null,
                            "quantity": { "steps": 9_000, "unit": "C62", "scale": 0 },
                            "target_unit_price": null }],
                "ship_to": mercato::demo::plant_3(), "requested_delivery": null,
                "currency": "EUR", "requested_valid_until": null, "allow_substitutes": false,
                "incoterms": null, "buyer_reference": "RFQ-DRIFT", "notes": null },
              "suppliers": ["voltaic"] }),
        )
        .await;
    assert_eq!(status, 200, "{quotes:#}");
    let quote = &quotes["answers"][0]["answer"];
    let total = quote["totals"]["grand_total"]["minor"].as_i64().unwrap();
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        overcharge_percent: 10,
        ignore_max_total: true,
        ..Dishonesty::default()
    });
    let mut body = waiting_order("voltaic", "PO-D-DRIFT", NUT, 9_000, total);
    body["quote_id"] = quote["quote_id"].clone();
    let (status, problem) = place(&g, body, "d-drift").await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_cancelled_by_host", "{problem:#}");
    assert_eq!(problem["breach"]["kind"], "price_drift", "{problem:#}");
    let order_id = problem["order"]["order_id"].as_str().unwrap();
    assert_eq!(
        g.suppliers.voltaic.order_status(order_id).as_deref(),
        Some("Cancelled")
    );
    assert_eq!(
        reservation_of(&g, order_id).state,
        ReservationState::Released
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplier_that_restarts_its_numbering_never_overwrites_a_recorded_order() {
    let g = Running::start(BrokerConfig::default()).await;
    let (status, first) = place(&g, order_body("voltaic", "PO-D-N1", NUT, 10, 5_000), "d-n1").await;
    assert_eq!(status, 201, "{first:#}");
    let number = first["order_id"].as_str().unwrap().to_string();
    let first_total = first["totals"]["grand_total"]["minor"].as_i64().unwrap();

    g.suppliers.voltaic.restart_order_numbering();
    let (status, problem) =
        place(&g, order_body("voltaic", "PO-D-N2", NUT, 20, 5_000), "d-n2").await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_held_for_review");
    assert_eq!(problem["breach"]["kind"], "order_id_reused", "{problem:#}");
    assert_eq!(problem["order"]["order_id"], number.as_str());
    assert_eq!(problem["order"]["buyer_po"], "PO-D-N2");

    // The first order is as it was; the second is kept apart; neither was cancelled.
    let l = ledger(&g);
    let kept = l.order("voltaic", &number).unwrap().unwrap();
    assert_eq!(kept.order.buyer_po, "PO-D-N1");
    assert_eq!(kept.order.totals.grand_total.minor, first_total);
    let orders = l.orders().unwrap();
    assert_eq!(
        orders.iter().filter(|o| o.order.order_id == number).count(),
        1
    );
    let apart = l.collisions().unwrap();
    assert_eq!(apart.len(), 1, "{apart:#?}");
    assert_eq!(apart[0].order.buyer_po, "PO-D-N2");
    assert_eq!(alerts(&g, "voltaic", "order-id-reused"), 1);
    assert!(
        audited(&g, "host-cancel").is_empty(),
        "no order is cancelled by a reused id"
    );
    assert_eq!(g.suppliers.voltaic.orders_for_po("PO-D-N2").len(), 1);
    assert_ne!(
        g.suppliers.voltaic.order_status(&number).as_deref(),
        Some("Cancelled")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn negative_prices_are_refused_before_ordering_and_never_ranked() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        negative_prices: true,
        ..Dishonesty::default()
    });
    let (status, problem) = place(
        &g,
        order_body("voltaic", "PO-D-NEG", NUT, 10, 5_000),
        "d-neg",
    )
    .await;
    // The supplier's catalogue answer is refused at the boundary, naming the field.
    assert_eq!(status, 502, "{problem:#}");
    assert_eq!(problem["code"], "invalid_output");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("price-tiers[0].unit-price") && detail.contains("negative"),
        "{problem:#}"
    );
    assert_eq!(g.suppliers.voltaic.order_count(), 0);
    assert!(ledger(&g).reservations().unwrap().is_empty());

    let (status, offers) = g
        .post(
            "/v1/offers",
            json!({ "text": "M8 hex nut", "quantity": { "steps": 100, "unit": "C62", "scale": 0 },
                    "scope": { "currency": "EUR" } }),
        )
        .await;
    assert_eq!(status, 200, "{offers:#}");
    for o in offers["offers"].as_array().unwrap() {
        assert_ne!(
            o["supplier"], "voltaic",
            "a negative price is never an offer: {o:#}"
        );
        assert!(o["line_total"]["minor"].as_i64().unwrap() > 0, "{o:#}");
    }
    assert!(
        offers["errors"].as_array().unwrap().iter().any(|e| {
            e["supplier"] == "voltaic"
                && e["error"]["code"] == "invalid_output"
                && e["error"]["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("negative price"))
        }),
        "{offers:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unsorted_price_breaks_are_priced_at_the_tier_the_quantity_reaches() {
    let g = Running::start(BrokerConfig::default()).await;
    let (status, items) = g
        .post(
            "/v1/items",
            json!({ "refs": [{ "kind": "sku", "sku": NUT }], "scope": { "suppliers": ["voltaic"] } }),
        )
        .await;
    assert_eq!(status, 200, "{items:#}");
    let tiers = items["answers"][0]["answer"][0]["price_tiers"]
        .as_array()
        .unwrap()
        .clone();
    assert!(tiers.len() > 1, "{tiers:#?}");
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        unsorted_price_breaks: true,
        ..Dishonesty::default()
    });
    // 1000 nuts: the tier with the largest minimum at or below 1000, whatever the order.
    let tier = tiers
        .iter()
        .filter(|t| t["min_quantity"]["steps"].as_u64().unwrap() <= 1000)
        .max_by_key(|t| t["min_quantity"]["steps"].as_u64().unwrap())
        .unwrap();
    let price = &tier["unit_price"]["amount"];
    let cost = (price["mantissa"].as_i64().unwrap() * 1000 * 100)
        / 10i64.pow(price["scale"].as_u64().unwrap() as u32);
    let (status, refused) = place(
        &g,
        order_body("voltaic", "PO-D-T1", NUT, 1000, cost - 1),
        "d-t1",
    )
    .await;
    assert_eq!(status, 422, "{refused:#}");
    assert_eq!(refused["cap"]["kind"], "below_cost", "{refused:#}");
    let (status, order) = place(
        &g,
        order_body("voltaic", "PO-D-T2", NUT, 1000, cost * 2),
        "d-t2",
    )
    .await;
    assert_eq!(status, 201, "{order:#}");
    let order_id = order["order_id"].as_str().unwrap();
    let r = reservation_of(&g, order_id);
    assert_eq!(r.state, ReservationState::Settled);
    assert_eq!(
        r.amount.minor(),
        order["totals"]["grand_total"]["minor"].as_i64().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn line_totals_that_are_not_price_times_quantity_are_cancelled() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        pad_line_totals_cents: 500,
        ..Dishonesty::default()
    });
    let (status, problem) = place(
        &g,
        waiting_order("voltaic", "PO-D-PAD", NUT, 9_000, 200_000),
        "d-pad",
    )
    .await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_cancelled_by_host", "{problem:#}");
    assert_eq!(problem["breach"]["kind"], "line_total", "{problem:#}");
    let order_id = problem["order"]["order_id"].as_str().unwrap();
    assert_eq!(
        reservation_of(&g, order_id).state,
        ReservationState::Released
    );
    assert_eq!(alerts(&g, "voltaic", "line-total"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_with_another_buyers_po_is_held_and_nothing_is_cancelled() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        answer_with_po: Some("PO-SOMEONE-ELSE".into()),
        ..Dishonesty::default()
    });
    let (status, problem) = place(
        &g,
        waiting_order("voltaic", "PO-D-PO", NUT, 9_000, 200_000),
        "d-po",
    )
    .await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_held_for_review", "{problem:#}");
    assert_eq!(problem["breach"]["kind"], "wrong_buyer_po", "{problem:#}");
    let order_id = problem["order"]["order_id"].as_str().unwrap();
    // The order exists at the supplier: recorded once, its reservation held, not cancelled.
    let orders = ledger(&g).orders().unwrap();
    assert_eq!(
        orders
            .iter()
            .filter(|o| o.order.order_id == order_id)
            .count(),
        1
    );
    assert_eq!(
        reservation_of(&g, order_id).state,
        ReservationState::Reserved
    );
    assert!(audited(&g, "host-cancel").is_empty());
    assert_ne!(
        g.suppliers.voltaic.order_status(order_id).as_deref(),
        Some("Cancelled")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invoice_above_what_was_authorised_is_alerted_and_never_booked() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers.voltaic.set_dishonesty(Dishonesty {
        invoice_surcharge_cents: 10_000,
        ..Dishonesty::default()
    });
    let (status, order) = place(
        &g,
        order_body("voltaic", "PO-D-INV", NUT, 100, 5_000),
        "d-inv",
    )
    .await;
    assert_eq!(status, 201, "{order:#}");
    let order_id = order["order_id"].as_str().unwrap().to_string();
    assert_eq!(
        reservation_of(&g, &order_id).amount.minor(),
        order["totals"]["grand_total"]["minor"].as_i64().unwrap(),
        "settled to the order's total on acceptance"
    );
    let (status, invoices) = g
        .get(&format!("/v1/orders/voltaic/{order_id}/invoices"))
        .await;
    assert_eq!(status, 200, "{invoices:#}");
    let invoiced: i64 = invoices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["totals"]["grand_total"]["minor"].as_i64().unwrap())
        .sum();
    assert!(invoiced > 5_000, "{invoiced}");
    let r = reservation_of(&g, &order_id);
    assert_eq!(r.state, ReservationState::Settled);
    assert_eq!(r.amount.minor(), 5_000, "never more than the cap is booked");
    assert_eq!(alerts(&g, "voltaic", "charged-above-cap"), 1);
    assert_eq!(
        ledger(&g).invoices_for("voltaic", &order_id).unwrap().len(),
        invoices.as_array().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_item_or_a_rejected_order_is_a_typed_problem_never_a_success() {
    let g = Running::start(BrokerConfig::default()).await;
    // An item the supplier's catalogue does not list is refused before anything is sent.
    let (status, problem) = place(
        &g,
        order_body("nordfast", "PO-D-UNKNOWN", "NF-99999", 10, 100_000),
        "d-unknown",
    )
    .await;
    assert_eq!(status, 422, "{problem:#}");
    assert_eq!(problem["cap"]["kind"], "cost_unknown", "{problem:#}");
    assert_eq!(
        g.suppliers
            .nordfast
            .orders_for_buyer_po("PO-D-UNKNOWN")
            .len(),
        0
    );

    // A quote Nordfast lets expire on its own clock: it then stores the order as rejected.
    let (status, quotes) = g
        .post(
            "/v1/quotes",
            json!({ "request": {
                "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": "NF-10001" }, "offer_token": null,
                            "quantity": { "steps": 10, "unit": "C62", "scale": 0 },
                            "target_unit_price": null }],
                "ship_to": mercato::demo::plant_3(), "requested_delivery": null,
                "currency": "EUR", "requested_valid_until": null, "allow_substitutes": false,
                "incoterms": null, "buyer_reference": "RFQ-REJECT", "notes": null },
              "suppliers": ["nordfast"] }),
        )
        .await;
    assert_eq!(status, 200, "{quotes:#}");
    let quote = &quotes["answers"][0]["answer"];
    g.suppliers
        .nordfast
        .control()
        .advance(std::time::Duration::from_secs(49 * 3600));
    let mut body = order_body("nordfast", "PO-D-RE", "NF-10001", 10, 100_000);
    body["quote_id"] = quote["quote_id"].clone();
    let (status, problem) = place(&g, body, "d-re").await;
    assert!((400..500).contains(&status), "{status}: {problem:#}");
    assert!(
        ["supplier_rejected", "quote_expired"].contains(&problem["code"].as_str().unwrap()),
        "{problem:#}"
    );
    // Nothing is committed for it.
    assert!(
        ledger(&g)
            .reservations()
            .unwrap()
            .iter()
            .all(|r| r.state == ReservationState::Released),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_order_the_client_then_cancels_frees_its_reservation_and_its_review() {
    let mut client = mercato::demo::demo_client(crate::gateway::KEY);
    client.mandate = Some(Arc::new(mercato::mandate::Mandate {
        on_drift: mercato::mandate::DriftAction::Escalate,
        ..mercato::demo::demo_mandate()
    }));
    let g = Running::start_for(BrokerConfig::default(), None, vec![client]).await;
    let (status, problem) = place(
        &g,
        waiting_order("nordfast", "PO-D-HELD", WAITING_SCREW, 10, 620),
        "d-held",
    )
    .await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "order_held_for_review", "{problem:#}");
    let order_id = problem["order"]["order_id"].as_str().unwrap().to_string();
    assert_eq!(
        reservation_of(&g, &order_id).state,
        ReservationState::Reserved
    );

    let (status, cancelled) = g
        .call(
            reqwest::Method::POST,
            &format!("/v1/orders/nordfast/{order_id}/cancel"),
            Some(json!({ "reason": "not at that price" })),
            Some("d-held-cancel"),
        )
        .await;
    assert_eq!(status, 200, "{cancelled:#}");
    assert_eq!(
        reservation_of(&g, &order_id).state,
        ReservationState::Released
    );
    let lead = mercato::demo::demo_approver("approver-key-0123456789");
    let open = g.service.approvals(&lead).await.unwrap();
    assert!(open.approvals.is_empty(), "{:#?}", open.approvals);
    assert_eq!(open.history[0].state, "rejected");
}
