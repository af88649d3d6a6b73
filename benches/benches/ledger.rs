//! P8: orders placed through the gateway's service with the SQLite ledger, durable before the
//! order leaves and before it is acknowledged (WAL, group commit): idempotency claim,
//! write-ahead intent, the offline supplier's place-order, the recorded order and its audit
//! line. Each order has a fresh key, so every
//! one reaches the supplier. One at a time, and 16 in flight.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::future::join_all;
use mercato::desk::IdempotencyKey;
use mercato_benches::{self as b};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

fn p8_orders(c: &mut Criterion) {
    let rt = b::runtime();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let policy = b::write_offline_policy(dir.path(), 1, "127.0.0.1:0").expect("policy written");
    let service = rt.block_on(b::service(&policy));
    let client = service
        .clients()
        .by_id("bench-bot")
        .expect("the bench client");
    let next = AtomicU64::new(0);
    let place = async || {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let key = IdempotencyKey::parse(&format!("bench-order-{n}")).expect("a valid key");
        service
            .place_order(&client, &key, b::order_request(0, &format!("PO-{n}")))
            .await
            .expect("the order is placed")
    };
    let placed = rt.block_on(place());
    assert_eq!(placed.buyer_po, "PO-0");

    let mut g = c.benchmark_group("P8 durable orders (SQLite)");
    g.throughput(Throughput::Elements(1));
    g.bench_function("one at a time", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { black_box(place().await) })
    });
    const IN_FLIGHT: usize = 16;
    g.throughput(Throughput::Elements(IN_FLIGHT as u64));
    g.bench_function("16 in flight", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { black_box(join_all((0..IN_FLIGHT).map(|_| place())).await) })
    });
    g.finish();
}

criterion_group!(benches, p8_orders);
criterion_main!(benches);
