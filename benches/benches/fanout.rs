//! P4: one look-up fanned out to N distinct offline suppliers, N = 1, 8, 32, 128: the wall
//! time of the whole fan-out, and the process CPU time it costs per adapter. The look-up is
//! `get-items` of one SKU, which the offline adapter answers by index, so what is measured is
//! the host's share: admission, a task, a fresh instance, lowering, lifting, validation,
//! metrics and tracing.

use cpu_time::ProcessTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mercato::broker::{Broker, BrokerConfig};
use mercato::contract::ItemRef;
use mercato::metrics::Metrics;
use mercato_benches::{self as b};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

const SIZES: [usize; 4] = [1, 8, 32, 128];

fn p4_fan_out(c: &mut Criterion) {
    let rt = b::runtime();
    let host = b::host(None);
    let max = SIZES[SIZES.len() - 1];
    let adapters: Vec<_> = rt.block_on(async {
        let mut loaded = Vec::with_capacity(max);
        for n in 0..max {
            loaded.push(b::load(&host, &b::offline_supplier(n)).await);
        }
        loaded
    });
    let (ctx, refs) = (b::ctx(), [ItemRef::Sku("OFF-00042".to_string())]);
    let config = BrokerConfig {
        max_concurrent_calls: mercato::engine::DEFAULT_POOL_SIZE as usize,
        ..BrokerConfig::default()
    };

    let mut wall = c.benchmark_group("P4 fan-out wall");
    let mut brokers = Vec::new();
    for n in SIZES {
        let broker = Broker::with_config(
            adapters[..n].to_vec(),
            config.clone(),
            Arc::new(Metrics::new()),
        );
        let fan_out = rt
            .block_on(broker.get_items(&ctx, &refs, None))
            .expect("admitted");
        assert_eq!(fan_out.answers().count(), n, "every supplier answers");
        wall.throughput(Throughput::Elements(n as u64));
        wall.bench_with_input(BenchmarkId::from_parameter(n), &broker, |bench, broker| {
            bench.to_async(&rt).iter(|| async {
                black_box(broker.get_items(&ctx, &refs, None).await.expect("admitted"))
            })
        });
        brokers.push((n, broker));
    }
    wall.finish();

    // Criterion's clock is the wall; this group's "time" is the process's CPU time (all
    // threads), so its throughput is adapters per CPU-second.
    let mut cpu = c.benchmark_group("P4 fan-out cpu");
    for (n, broker) in &brokers {
        cpu.throughput(Throughput::Elements(*n as u64));
        cpu.bench_with_input(BenchmarkId::from_parameter(n), broker, |bench, broker| {
            let (ctx, refs) = (&ctx, &refs);
            bench.to_async(&rt).iter_custom(|iters| async move {
                let started = ProcessTime::now();
                for _ in 0..iters {
                    black_box(broker.get_items(ctx, refs, None).await.expect("admitted"));
                }
                started.elapsed()
            })
        });
    }
    cpu.finish();

    if b::measuring() {
        for (n, broker) in &brokers {
            let rounds = (4096 / n).max(32);
            let (cpu, wall) = (ProcessTime::now(), Instant::now());
            rt.block_on(async {
                for _ in 0..rounds {
                    black_box(broker.get_items(&ctx, &refs, None).await.expect("admitted"));
                }
            });
            let (cpu, wall) = (cpu.elapsed(), wall.elapsed());
            println!(
                "P4 N = {n}: {:.1} µs CPU per adapter, {:.3} ms wall per fan-out ({rounds} rounds)",
                cpu.as_secs_f64() * 1e6 / (rounds * n) as f64,
                wall.as_secs_f64() * 1e3 / rounds as f64
            );
        }
    }
}

criterion_group!(benches, p4_fan_out);
criterion_main!(benches);
