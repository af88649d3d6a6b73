//! Two `mercato serve` processes on one PostgreSQL ledger: a key claimed on one is in progress
//! or replayed on the other, never sent twice, and one mandate's budget holds across both.
//! Needs a PostgreSQL server (`MERCATO_TEST_POSTGRES`, which `.ci/run` starts), so it is run
//! with `--ignored`.

mod common;

use common::{KEY, order, policy, start};
use mercato_backends::voltaic;
use serde_json::Value;
use std::time::Duration;

/// A connection string to a new, empty database on the test server.
fn fresh_database() -> String {
    let admin = std::env::var("MERCATO_TEST_POSTGRES")
        .expect("MERCATO_TEST_POSTGRES names the test server (.ci/run starts one)");
    // The process id and a counter keep names unique even when the clock repeats a reading.
    static CREATED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "mercato_replicas_{}_{}_{}",
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
                .expect("create");
        }
    };
    std::thread::spawn(create).join().unwrap();
    // The policy takes a URL; the test server trusts local connections.
    let param = |k: &str| {
        admin
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap_or_default()
            .to_string()
    };
    format!(
        "postgresql://{}@{}:{}/{name}",
        param("user"),
        param("host"),
        param("port")
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: MERCATO_TEST_POSTGRES (.ci/run starts one)"]
async fn two_replicas_share_keys_and_budgets() {
    let backend = voltaic::start(voltaic::VoltaicConfig::default())
        .await
        .expect("backend");
    backend.control().set_delay(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database();
    // EUR 130 a month. Reservations settle to what an order costs, so the budget binds on
    // real costs: ten nuts cost far less than the EUR 100 cap of the first order.
    const BUDGET_MINOR: i64 = 13_000;
    let policy = policy(
        dir.path(),
        &backend,
        &format!("ledger-url = \"{url}\""),
        "EUR 130.00",
    );
    let mut a = start(&policy);
    let mut b = start(&policy);
    let http = reqwest::Client::new();
    let send = |base: &str, po: &str, key: &str, cap: i64| {
        let mut body = order(po);
        body["max_total"]["minor"] = cap.into();
        http.post(format!("{base}/v1/orders"))
            .bearer_auth(KEY)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };

    // The same key to both replicas at once: one supplier order.
    let same = (0..40).map(|n| {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        send(base, "PO-REPLICA-1", "replica-1", 10_000)
    });
    let (mut placed, mut cost) = (None, 0);
    for response in futures::future::join_all(same).await {
        let response = response.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        match status {
            201 => {
                let id = body["order_id"].as_str().unwrap().to_string();
                assert!(placed.get_or_insert(id.clone()) == &id, "one order id");
                cost = body["totals"]["grand_total"]["minor"].as_i64().unwrap();
            }
            409 => assert_eq!(body["code"], "in_progress", "{body:#}"),
            other => panic!("{other}: {body:#}"),
        }
    }
    assert!(placed.is_some());
    assert_eq!(backend.orders_for_po("PO-REPLICA-1").len(), 1);

    // Forty different orders across both replicas, each capped at exactly what it costs, so
    // each holds the same amount from reservation to settlement: exactly `fit` of them fit.
    let fit = usize::try_from((BUDGET_MINOR - cost) / cost).unwrap();
    assert!(
        (1..40).contains(&fit),
        "the budget binds: {fit} orders of {cost} fit"
    );
    let many = (0..40).map(|n| {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        send(
            base,
            &format!("PO-REPLICA-B{n}"),
            &format!("replica-b{n}"),
            cost,
        )
    });
    let mut statuses = Vec::new();
    for response in futures::future::join_all(many).await {
        let response = response.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if status != 201 {
            assert_eq!(status, 403, "{body:#}");
            assert_eq!(body["mandate_rule"]["kind"], "budget", "{body:#}");
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), fit);
    assert_eq!(
        backend.order_count(),
        fit + 1,
        "never over the EUR 130 budget"
    );
    for server in [&mut a, &mut b] {
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }
}
