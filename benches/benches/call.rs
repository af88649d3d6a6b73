//! One adapter call, three ways in the same run: through Mercato, as the adapter's own crate
//! called natively, and as a bare wasmtime instantiate-and-call of the same component.
//!
//! - P1: instantiate (store, WASI context, instance) and drop, without a call.
//! - P2: the full call cycle of `get-quote`: instantiate, call, validate, drop.
//! - P3: a search returning 50 catalogue items (Hansa's price list and the offline catalogue).
//! - P9: what epoch deadlines cost a real adapter: the bare call with and without them.
//! - Whether turning component-model concurrency support off (as Mercato does) pays.

use criterion::{Criterion, criterion_group, criterion_main};
use mercato_benches::bare::{self, BareAdapter, Features};
use mercato_benches::{self as b};
use mercato_sdk::Adapter as _;
use std::hint::black_box;

fn p1_instantiate(c: &mut Criterion) {
    let rt = b::runtime();
    let host = b::host(None);
    let adapter = rt.block_on(b::load(&host, b::offline()));
    let floor = BareAdapter::new(b::offline(), Features::default())
        .expect("bare wasmtime loads the component");

    let mut g = c.benchmark_group("P1 instantiate");
    g.bench_function("mercato", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { drop(adapter.instantiate().await.expect("instantiates")) })
    });
    g.bench_function("bare wasmtime", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { drop(floor.instantiate().await.expect("instantiates")) })
    });
    g.finish();
    rt.block_on(b::percentiles(
        "P1 instantiate, mercato",
        20_000,
        async || {
            drop(adapter.instantiate().await.expect("instantiates"));
        },
    ));
}

fn p2_call_cycle(c: &mut Criterion) {
    let rt = b::runtime();
    let host = b::host(None);
    let adapter = rt.block_on(b::load(&host, b::offline()));
    let floor = BareAdapter::new(b::offline(), Features::default())
        .expect("bare wasmtime loads the component");
    let native = offline_supplier::OfflineSupplier;
    let (ctx, bare_ctx, native_ctx) = (b::ctx(), bare::ctx(), mercato_sdk::testing::call_context());
    // The id carries the basket and its validity, so every side rebuilds the same quote.
    let quote = rt
        .block_on(adapter.request_quote(&ctx, &b::quote_request()))
        .expect("quoted");
    let quote_id = quote.quote_id.as_str();

    let mut g = c.benchmark_group("P2 get-quote cycle");
    g.bench_function("mercato", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { black_box(adapter.get_quote(&ctx, quote_id).await.expect("quoted")) })
    });
    g.bench_function("bare wasmtime", |bench| {
        bench.to_async(&rt).iter(|| async {
            black_box(floor.get_quote(&bare_ctx, quote_id).await.expect("quoted"))
        })
    });
    g.bench_function("native", |bench| {
        bench.iter(|| {
            black_box(
                native
                    .get_quote(&native_ctx, quote_id.to_string())
                    .expect("quoted"),
            )
        })
    });
    g.finish();
    rt.block_on(b::percentiles(
        "P2 get-quote cycle, mercato",
        20_000,
        async || {
            black_box(adapter.get_quote(&ctx, quote_id).await.expect("quoted"));
        },
    ));
}

/// A first page of 50 items from the adapter `bytes`, whose native logic is `native`.
fn search_50(c: &mut Criterion, group: &str, bytes: &[u8], native: &impl mercato_sdk::Adapter) {
    let rt = b::runtime();
    let host = b::host(None);
    let adapter = rt.block_on(b::load(&host, bytes));
    let floor =
        BareAdapter::new(bytes, Features::default()).expect("bare wasmtime loads the component");
    let (ctx, query) = (b::ctx(), b::query(None, 50));
    let (bare_ctx, bare_query) = (bare::ctx(), bare::query(None, 50));
    let native_ctx = mercato_sdk::testing::call_context();
    let native_query = || mercato_sdk::contract::SearchQuery {
        text: None,
        categories: Vec::new(),
        in_stock_only: false,
        page_size: 50,
        cursor: None,
    };
    let page = rt.block_on(adapter.search(&ctx, &query)).expect("searched");
    assert_eq!(page.items.len(), 50, "{group}: the page holds 50 items");

    let mut g = c.benchmark_group(group);
    g.bench_function("mercato", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { black_box(adapter.search(&ctx, &query).await.expect("searched")) })
    });
    g.bench_function("bare wasmtime", |bench| {
        bench.to_async(&rt).iter(|| async {
            black_box(
                floor
                    .search(&bare_ctx, &bare_query)
                    .await
                    .expect("searched"),
            )
        })
    });
    g.bench_function("native", |bench| {
        bench.iter(|| {
            black_box(
                native
                    .search(&native_ctx, native_query())
                    .expect("searched"),
            )
        })
    });
    g.finish();
}

fn p3_search_50(c: &mut Criterion) {
    search_50(
        c,
        "P3 search 50 items (hansa)",
        b::hansa(),
        &hansa_csv_adapter::HansaCsv,
    );
    search_50(
        c,
        "P3 search 50 items (offline)",
        b::offline(),
        &offline_supplier::OfflineSupplier,
    );
}

fn p9_epoch(c: &mut Criterion) {
    let rt = b::runtime();
    let (ctx, query) = (bare::ctx(), bare::query(None, 50));
    let with = BareAdapter::new(
        b::hansa(),
        Features {
            epoch_interruption: true,
            ..Features::default()
        },
    )
    .expect("bare wasmtime loads the component");
    let without = BareAdapter::new(b::hansa(), Features::default())
        .expect("bare wasmtime loads the component");
    let mut g = c.benchmark_group("P9 epoch deadlines (hansa search 50)");
    g.bench_function("epoch interruption", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { black_box(with.search(&ctx, &query).await.expect("searched")) })
    });
    g.bench_function("no interruption", |bench| {
        bench
            .to_async(&rt)
            .iter(|| async { black_box(without.search(&ctx, &query).await.expect("searched")) })
    });
    g.finish();
}

/// Whether `Config::concurrency_support(false)` pays: the bare get-quote cycle with the
/// component-model async machinery off (Mercato's setting) and, with the crate's
/// `concurrency-support` feature (wasmtime cannot turn it on without), on.
fn concurrency_support(c: &mut Criterion) {
    let rt = b::runtime();
    let host = b::host(None);
    let adapter = rt.block_on(b::load(&host, b::offline()));
    let (ctx, bare_ctx) = (b::ctx(), bare::ctx());
    let quote = rt
        .block_on(adapter.request_quote(&ctx, &b::quote_request()))
        .expect("quoted");
    let quote_id = quote.quote_id.as_str();
    let mut g = c.benchmark_group("concurrency_support (bare get-quote cycle)");
    let settings: &[bool] = if cfg!(feature = "concurrency-support") {
        &[false, true]
    } else {
        &[false]
    };
    for &on in settings {
        let features = Features {
            concurrency_support: on,
            ..Features::default()
        };
        let floor = BareAdapter::new(b::offline(), features).expect("bare wasmtime loads it");
        g.bench_function(if on { "on" } else { "off" }, |bench| {
            bench.to_async(&rt).iter(|| async {
                black_box(floor.get_quote(&bare_ctx, quote_id).await.expect("quoted"))
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    p1_instantiate,
    p2_call_cycle,
    p3_search_50,
    p9_epoch,
    concurrency_support
);
criterion_main!(benches);
