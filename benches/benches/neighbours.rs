//! P10: a healthy adapter beside a hostile one. The Hansa adapter searches its price list
//! alone, then while the hostile fixture (`tests/hostile`) runs one attack after another in a
//! loop on the same host: spinning, allocating, flooding its output, logs, refused requests
//! and host allocations. The target (issue 15) is the healthy search's p99 within 3× of its
//! p99 alone; the hostile tests assert the bounds themselves (memory, log bytes, time).

use criterion::{Criterion, criterion_group, criterion_main};
use mercato::sandbox::Grants;
use mercato_benches::{self as b, Latencies};
use std::hint::black_box;

/// One attack per class of the sandbox matrix that a call can mount (S1, S4, S6, S11, S17,
/// S26, S32, S34); what each does is in `tests/hostile/src/lib.rs`.
const ATTACKS: [&str; 10] = [
    "infinite-loop",
    "memory-bomb",
    "deep-recursion",
    "stdout-flood",
    "log-flood",
    "handle-flood",
    "refusal-flood",
    "random-flood",
    "header-hoard",
    "unsent-bodies",
];

/// Searches timed for each percentile figure.
const RUNS: usize = 2_000;

/// How far the p99 beside an attack may be from the p99 alone.
const TARGET_RATIO: f64 = 3.0;

fn p10_neighbours(c: &mut Criterion) {
    let rt = b::runtime();
    let host = b::host(None);
    let healthy = rt.block_on(b::load(&host, b::hansa()));
    let (ctx, query) = (b::ctx(), b::query(Some("M8 hex bolt"), 50));
    let search = || async {
        black_box(healthy.search(&ctx, &query).await.expect("answers"));
    };

    let mut g = c.benchmark_group("P10 healthy search beside a hostile neighbour");
    g.bench_function("alone", |bench| bench.to_async(&rt).iter(search));
    let alone = rt.block_on(b::latencies(RUNS, search));
    report("alone", alone, alone);

    for attack in ATTACKS {
        let hostile = rt.block_on(async {
            host.load(
                mercato_artifacts::HOSTILE.bytes.to_vec(),
                Grants::new().setting("attack", attack),
            )
            .await
            .expect("the hostile adapter loads")
        });
        // The attack runs again as soon as each call ends, for as long as the healthy
        // adapter is measured beside it.
        let attacker = rt.spawn({
            let (ctx, query) = (b::ctx(), b::query(Some("x"), 10));
            async move {
                loop {
                    let _ = hostile.search(&ctx, &query).await;
                }
            }
        });
        g.bench_function(attack, |bench| bench.to_async(&rt).iter(search));
        let beside = rt.block_on(b::latencies(RUNS, search));
        attacker.abort();
        report(attack, beside, alone);
    }
    g.finish();
}

/// Print one row of the p99 comparison; nothing outside benchmark mode.
fn report(attack: &str, beside: Option<Latencies>, alone: Option<Latencies>) {
    let (Some(beside), Some(alone)) = (beside, alone) else {
        return;
    };
    let ratio = beside.p99.as_secs_f64() / alone.p99.as_secs_f64();
    println!(
        "P10 beside {attack}: p50 {:.0} µs, p99 {:.0} µs over {RUNS} searches = {ratio:.2}× the p99 alone ({})",
        beside.p50.as_secs_f64() * 1e6,
        beside.p99.as_secs_f64() * 1e6,
        if ratio <= TARGET_RATIO {
            "within 3×"
        } else {
            "OVER 3×"
        }
    );
}

criterion_group!(benches, p10_neighbours);
criterion_main!(benches);
