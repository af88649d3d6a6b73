//! Orders through the ledger over real HTTP: at most one supplier order per key, replays,
//! conflicts, in-progress duplicates, outages that are not final, and intents left open by a
//! stopped host reconciled with the supplier instead of being sent again.

use crate::gateway::{KEY, Running, order_body};
use mercato::broker::BrokerConfig;
use mercato::contract::{OrderRequest, PaymentInstruction};
use mercato::demo::{buyer_context, demo_client};
use mercato::desk::{IdempotencyKey, PlaceOrder, canonical, request_hash};
use mercato::ledger::{Intent, KeyScope, Ledger};
use mercato::{Operation, SupplierId};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const NUT: &str = "VC-HN-M8-A2";

/// A SQLite ledger in `dir`.
fn sqlite_at(dir: &std::path::Path) -> Arc<dyn Ledger> {
    mercato::ledger::open(&mercato::ledger::Location::Sqlite(
        dir.join("ledger.sqlite"),
    ))
    .unwrap()
}

/// A ledger in a new, empty database on the PostgreSQL server at `MERCATO_TEST_POSTGRES`
/// (a connection string to a database the user may create databases from).
pub fn fresh_postgres() -> Arc<dyn Ledger> {
    let admin = std::env::var("MERCATO_TEST_POSTGRES")
        .expect("MERCATO_TEST_POSTGRES names the test server (.ci/run starts one)");
    // Tests run in parallel and the clock can give two of them the same reading: the
    // process id and a counter keep every name unique.
    static CREATED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "mercato_test_{}_{}_{}",
        std::process::id(),
        CREATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let create = {
        let (admin, name) = (admin.clone(), name.clone());
        move || {
            let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create database");
        }
    };
    std::thread::spawn(create).join().expect("created");
    let url = format!("{admin} dbname={name}");
    mercato::ledger::open(&mercato::ledger::Location::Postgres(url)).expect("ledger")
}

async fn place(g: &Running, body: &Value, key: &str) -> (u16, Value) {
    g.call(
        reqwest::Method::POST,
        "/v1/orders",
        Some(body.clone()),
        Some(key),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_replays_and_another_body_under_it_is_a_conflict() {
    replay_and_conflict(None).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: MERCATO_TEST_POSTGRES (.ci/run starts one)"]
async fn postgres_the_same_key_replays_and_another_body_under_it_is_a_conflict() {
    replay_and_conflict(Some(fresh_postgres())).await;
}

async fn replay_and_conflict(ledger: Option<Arc<dyn Ledger>>) {
    let g = Running::start_with(BrokerConfig::default(), ledger).await;
    let body = order_body("voltaic", "PO-L-1", NUT, 50, 100_000);
    let (status, first) = place(&g, &body, "l-1").await;
    assert_eq!(status, 201, "{first:#}");
    let sent = g.suppliers.voltaic.control().requests();

    let (status, again) = place(&g, &body, "l-1").await;
    assert_eq!(status, 201);
    assert_eq!(again, first, "the stored response, byte for byte");
    let other = order_body("voltaic", "PO-L-1", NUT, 60, 100_000);
    let (status, conflict) = place(&g, &other, "l-1").await;
    assert_eq!(status, 409, "{conflict:#}");
    assert_eq!(conflict["code"], "idempotency_conflict");
    assert_eq!(
        g.suppliers.voltaic.control().requests(),
        sent,
        "neither the replay nor the conflict reached the supplier"
    );

    let ledger = g.service.ledger();
    // The ledger is blocking (PostgreSQL's client runs its own runtime): off the async thread.
    let orders = tokio::task::block_in_place(|| ledger.orders()).unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(
        orders[0].order.order_id,
        first["order_id"].as_str().unwrap()
    );
    assert_eq!(orders[0].client, "press-line-7");
    let trail: Vec<(String, String)> = tokio::task::block_in_place(|| ledger.audit_trail())
        .unwrap()
        .into_iter()
        .map(|e| (e.outcome, e.detail.split(';').next().unwrap().to_string()))
        .collect();
    assert_eq!(
        trail,
        [
            ("ok".to_string(), "sent".to_string()),
            ("ok".to_string(), "replayed".to_string()),
            ("idempotency-conflict".to_string(), "refused".to_string()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_duplicates_make_one_supplier_order() {
    one_order_for_duplicates(None).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: MERCATO_TEST_POSTGRES (.ci/run starts one)"]
async fn postgres_concurrent_duplicates_make_one_supplier_order() {
    one_order_for_duplicates(Some(fresh_postgres())).await;
}

async fn one_order_for_duplicates(ledger: Option<Arc<dyn Ledger>>) {
    let g = Running::start_with(BrokerConfig::default(), ledger).await;
    g.suppliers
        .voltaic
        .control()
        .set_delay(Duration::from_millis(400));
    let body = order_body("voltaic", "PO-L-2", NUT, 10, 100_000);
    let calls = (0..200).map(|_| place(&g, &body, "l-2"));
    let answers = futures::future::join_all(calls).await;
    let placed: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, v)| v)
        .collect();
    assert!(!placed.is_empty());
    for (status, answer) in &answers {
        match status {
            201 => assert_eq!(answer["order_id"], placed[0]["order_id"]),
            409 => assert_eq!(answer["code"], "in_progress", "{answer:#}"),
            other => panic!("unexpected {other}: {answer:#}"),
        }
    }
    assert_eq!(g.suppliers.voltaic.orders_for_po("PO-L-2").len(), 1);
}

/// The ledger commits without waiting for the disk and syncs twice per order: before the
/// order leaves (so the intent survives a power cut while the supplier has it) and before
/// the answer goes out (so an acknowledged order does too).
#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_durable_before_it_leaves_and_before_it_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_at(dir.path());
    let g = Running::start_with(BrokerConfig::default(), Some(sqlite.clone())).await;
    let voltaic = g.suppliers.voltaic.control();
    voltaic.set_delay(Duration::from_millis(300));
    let before = sqlite.durability();
    let asked = voltaic.requests();

    let body = order_body("voltaic", "PO-L-9", NUT, 10, 100_000);
    // Looked at while the supplier holds the order: the desk's price lookup is the first
    // request, the order the second.
    let at_supplier = async {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while voltaic.requests() < asked + 2 {
            assert!(std::time::Instant::now() < deadline, "the order never left");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        sqlite.durability()
    };
    let ((status, placed), at_supplier) = tokio::join!(place(&g, &body, "l-9"), at_supplier);
    assert_eq!(
        at_supplier.syncs,
        before.syncs + 1,
        "one sync before it left"
    );
    assert_eq!(
        at_supplier.unsynced_changes, 0,
        "claim and intent durable while the supplier holds the order"
    );
    assert_eq!(status, 201, "{placed:#}");
    let answered = sqlite.durability();
    assert_eq!(
        answered.syncs,
        before.syncs + 2,
        "one more before the answer"
    );
    assert_eq!(
        answered.unsynced_changes, 0,
        "the outcome and audit line durable"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplier_outage_is_not_stored_as_the_final_answer() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers.voltaic.control().fail_next(503, 1, Some(1));
    let body = order_body("voltaic", "PO-L-3", NUT, 10, 100_000);
    let (status, down) = place(&g, &body, "l-3").await;
    assert_eq!(status, 503, "{down:#}");
    assert_eq!(down["code"], "supplier_unavailable");
    // The retry asks the supplier first (nothing there), then places once.
    let (status, placed) = place(&g, &body, "l-3").await;
    assert_eq!(status, 201, "{placed:#}");
    assert_eq!(g.suppliers.voltaic.orders_for_po("PO-L-3").len(), 1);
}

/// Leave the ledger as a host that stopped mid-call leaves it: the key claimed, the intent
/// recorded, no outcome. Returns the supplier-facing request.
fn stopped_mid_call(ledger: &dyn Ledger, body: &Value, key: &str) -> OrderRequest {
    recorded_mid_call(ledger, body, key, 1)
}

/// An order intent recorded at `at` and never given an outcome: a host stopped mid-call, or
/// (recorded just now) an order still in flight.
fn recorded_mid_call(ledger: &dyn Ledger, body: &Value, key: &str, at: i64) -> OrderRequest {
    let request: PlaceOrder = serde_json::from_value::<mercato::wire::PlaceOrder>(body.clone())
        .unwrap()
        .into();
    let client = demo_client(KEY);
    let idem = IdempotencyKey::parse(key).unwrap();
    let supplier = SupplierId::parse(&request.supplier).unwrap();
    let supplier_key = idem.for_supplier(&client, &supplier, Operation::PlaceOrder);
    let text = canonical(&request);
    let scope = KeyScope {
        client: client.id.to_string(),
        operation: "place-order".into(),
        key: key.into(),
    };
    ledger.claim(&scope, &request_hash(&text), at).unwrap();
    ledger
        .record_intent(
            &Intent {
                scope,
                supplier: request.supplier.clone(),
                supplier_key: supplier_key.clone(),
                buyer_po: Some(request.buyer_po.clone()),
                request: text,
            },
            at,
        )
        .unwrap();
    OrderRequest {
        idempotency_key: supplier_key,
        buyer_po: request.buyer_po,
        quote_id: request.quote_id,
        lines: request.lines,
        ship_to: request.ship_to,
        bill_to: request.bill_to,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: request.partial_delivery,
        max_total: request.max_total,
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_periodic_pass_leaves_orders_in_flight_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = sqlite_at(dir.path());
    let g = Running::start_with(BrokerConfig::default(), Some(ledger.clone())).await;
    // Recorded just now, as the intent of an order this host or a replica is placing: the
    // supplier does not have the order yet, because the request is still on its way.
    let body = order_body("voltaic", "PO-L-6", NUT, 20, 100_000);
    recorded_mid_call(ledger.as_ref(), &body, "l-6", mercato::contract::now_ms());

    // Reconciling it would free its key while the order is about to exist.
    assert_eq!(g.service.desk().reconcile_stale().await.unwrap(), (0, 1));
    assert_eq!(ledger.open_intents().unwrap().len(), 1);
    let (status, waiting) = place(&g, &body, "l-6").await;
    assert_eq!(
        (status, &waiting["code"]),
        (409, &Value::from("in_progress")),
        "a retry waits; it is not sent a second time"
    );
    assert!(g.suppliers.voltaic.orders_for_po("PO-L-6").is_empty());
    assert!(
        g.service.desk().in_flight_max() > BrokerConfig::default().deadline,
        "no order stays in flight longer than the pass waits"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn intents_left_open_by_a_stopped_host_are_reconciled_not_resent() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = sqlite_at(dir.path());
    let g = Running::start_with(BrokerConfig::default(), Some(ledger.clone())).await;

    // Stopped after the supplier took the order, before the answer was recorded.
    let reached = order_body("voltaic", "PO-L-4", NUT, 20, 100_000);
    let sent = stopped_mid_call(ledger.as_ref(), &reached, "l-4");
    let voltaic = g.suppliers.adapter("voltaic").unwrap();
    let at_supplier = voltaic
        .place_order(&buyer_context("before-the-stop"), &sent)
        .await
        .expect("the supplier took it");
    // Stopped before the request left.
    let lost = order_body("voltaic", "PO-L-5", NUT, 20, 100_000);
    stopped_mid_call(ledger.as_ref(), &lost, "l-5");

    // While open, a retry is told to wait rather than sent twice.
    let (status, waiting) = place(&g, &reached, "l-4").await;
    assert_eq!(
        (status, &waiting["code"]),
        (409, &Value::from("in_progress"))
    );

    // Start-up reconciliation asks the supplier by buyer PO.
    assert_eq!(g.service.desk().reconcile().await.unwrap(), (2, 0));
    assert!(ledger.open_intents().unwrap().is_empty());

    let (status, replayed) = place(&g, &reached, "l-4").await;
    assert_eq!(status, 201, "{replayed:#}");
    assert_eq!(replayed["order_id"], at_supplier.order_id.as_str());
    assert_eq!(g.suppliers.voltaic.orders_for_po("PO-L-4").len(), 1);

    let (status, placed) = place(&g, &lost, "l-5").await;
    assert_eq!(status, 201, "{placed:#}");
    assert_eq!(g.suppliers.voltaic.orders_for_po("PO-L-5").len(), 1);
    let recorded = ledger
        .order("voltaic", placed["order_id"].as_str().unwrap())
        .unwrap()
        .expect("recorded");
    assert_eq!(recorded.order.buyer_po, "PO-L-5");
    assert!(
        !ledger
            .order_history("voltaic", &at_supplier.order_id)
            .unwrap()
            .is_empty()
    );
}
