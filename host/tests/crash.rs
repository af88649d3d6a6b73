//! `kill -9` of `mercato serve` while an order is in flight, then a restart and a retry with
//! the same key: exactly one supplier order, and the ledger shows it. Twenty times, at
//! random kill points (before the order leaves, while the supplier holds its answer, after
//! it answered).
//!
//! The supplier backend runs in this test process, so it outlives every kill; the server is
//! a real child process with a policy, a signed adapter and a ledger on disk.

mod common;

use common::{KEY, order, policy, start};
use mercato_backends::voltaic;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: u32 = 20;

/// A small pseudo-random sequence (xorshift), seeded from the clock and printed, so a
/// failing run can be repeated with MERCATO_CRASH_SEED.
fn kill_points() -> (u64, impl FnMut(u32) -> u64) {
    let seed = std::env::var("MERCATO_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut x = seed;
    (seed, move |round| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Three bands, in turn: as the order leaves, while the supplier holds its answer,
        // and after it answered (while or after the outcome is recorded).
        match round % 3 {
            0 => x % 30,
            1 => 100 + x % 400,
            _ => 600 + x % 900,
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_server_never_loses_or_duplicates_an_order() {
    let backend = voltaic::start(voltaic::VoltaicConfig::default())
        .await
        .expect("backend");
    // The supplier holds every answer for 400 ms: kills land before, during and after.
    backend.control().set_delay(Duration::from_millis(400));
    let dir = tempfile::tempdir().unwrap();
    let policy = policy(dir.path(), &backend, "", "EUR 5000.00");
    let http = reqwest::Client::new();
    let (seed, mut next) = kill_points();
    eprintln!("kill points from MERCATO_CRASH_SEED={seed}");

    // How many kills found the order already at the supplier, and how many before it was.
    let (mut after, mut before) = (0, 0);
    for round in 0..ROUNDS {
        let po = format!("PO-CRASH-{round}");
        let key = format!("crash-{round}");
        let mut server = start(&policy);
        let url = format!("{}/v1/orders", server.base);
        let send = http
            .post(&url)
            .bearer_auth(KEY)
            .header("idempotency-key", &key)
            .json(&order(&po))
            .send();
        let kill_after = Duration::from_millis(next(round));
        let in_flight = tokio::spawn(send);
        tokio::time::sleep(kill_after).await;
        server.child.kill().expect("kill -9");
        server.child.wait().unwrap();
        let _ = in_flight.await;
        // Let a request the backend already took finish there before looking.
        tokio::time::sleep(Duration::from_millis(450)).await;
        if backend.orders_for_po(&po).is_empty() {
            before += 1;
        } else {
            after += 1;
        }

        // Restart on the same ledger and retry with the same key until it is final.
        let mut server = start(&policy);
        let url = format!("{}/v1/orders", server.base);
        let deadline = Instant::now() + Duration::from_secs(30);
        let placed = loop {
            let response = http
                .post(&url)
                .bearer_auth(KEY)
                .header("idempotency-key", &key)
                .json(&order(&po))
                .send()
                .await
                .expect("retry sent");
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("JSON");
            match status {
                201 => break body,
                409 if body["code"] == "in_progress" => {}
                other => panic!("round {round} (kill at {kill_after:?}): {other} {body:#}"),
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: still in progress"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let order_id = placed["order_id"].as_str().expect("order id");
        assert_eq!(
            backend.orders_for_po(&po).len(),
            1,
            "round {round} (kill at {kill_after:?}): exactly one supplier order"
        );
        let recorded = http
            .get(format!("{}/v1/orders/voltaic/{order_id}", server.base))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(recorded.status(), 200);
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }

    eprintln!("{before} kills before the supplier had the order, {after} after");
    assert!(before > 0 && after > 0, "the kill points cover both sides");
    let export = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args([
            "ledger",
            "export",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(export.status.success(), "{export:?}");
    let orders: Vec<Value> = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(
        orders.len(),
        ROUNDS as usize,
        "every order is in the ledger once"
    );
    assert_eq!(backend.order_count(), ROUNDS as usize);
}
