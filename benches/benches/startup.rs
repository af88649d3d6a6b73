//! - P6: a registered adapter's cold start (verify, deserialize, pre-link, `describe`) from
//!   the host's compile cache, against the same load that compiles.
//! - P7: host memory per live instance: heap bytes the host allocates for each instance it
//!   holds (counted by this binary's allocator) and resident memory, with a bare wasmtime
//!   instance of the same component as the floor.

use criterion::{Criterion, criterion_group, criterion_main};
use mercato_benches::bare::{BareAdapter, Features};
use mercato_benches::{self as b};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is only
// arithmetic on the sizes it was asked for.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Resident set size of this process, from /proc (0 where there is none).
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn p6_cold_start(c: &mut Criterion) {
    let rt = b::runtime();
    let cache = tempfile::tempdir().expect("a temporary cache directory");
    let cached = b::host(Some(cache.path().to_path_buf()));
    let compiling = b::host(None);
    for (name, bytes) in [("hansa", b::hansa()), ("offline", b::offline())] {
        let first = rt.block_on(b::load(&cached, bytes));
        assert!(!first.loaded_from_cache(), "the first load compiles");
        let mut g = c.benchmark_group(format!(
            "P6 cold start ({name}, {} KiB)",
            bytes.len() / 1024
        ));
        g.bench_function("from the compile cache", |bench| {
            bench.to_async(&rt).iter(|| async {
                let a = b::load(&cached, bytes).await;
                assert!(a.loaded_from_cache());
                black_box(a)
            })
        });
        g.sample_size(10);
        g.bench_function("compiling", |bench| {
            bench
                .to_async(&rt)
                .iter(|| async { black_box(b::load(&compiling, bytes).await) })
        });
        g.finish();
    }
}

/// Live instances held at once for the memory figures.
const LIVE: usize = 100;

/// Heap and resident bytes per instance while `LIVE` of them, made by `make`, are held.
fn per_instance<T>(mut make: impl FnMut() -> T) -> (usize, usize) {
    drop(make()); // touch the pool slot and any lazily built state first
    let (heap, rss) = (LIVE_BYTES.load(Ordering::Relaxed), resident_bytes());
    let held: Vec<T> = (0..LIVE).map(|_| make()).collect();
    let heap = LIVE_BYTES.load(Ordering::Relaxed).saturating_sub(heap) / LIVE;
    let rss = resident_bytes().saturating_sub(rss) / LIVE;
    drop(held);
    (heap, rss)
}

fn p7_memory(c: &mut Criterion) {
    let rt = b::runtime();
    let host = b::host(None);
    for (name, bytes) in [("offline", b::offline()), ("hansa", b::hansa())] {
        let adapter = rt.block_on(b::load(&host, bytes));
        let floor = BareAdapter::new(bytes, Features::default())
            .expect("bare wasmtime loads the component");
        let (heap, rss) =
            per_instance(|| rt.block_on(adapter.instantiate()).expect("instantiates"));
        let (bare_heap, bare_rss) =
            per_instance(|| rt.block_on(floor.instantiate()).expect("instantiates"));
        println!(
            "P7 {name}: per live instance, mercato {:.1} KiB heap, {:.1} KiB resident; \
             bare wasmtime {:.1} KiB heap, {:.1} KiB resident ({LIVE} held)",
            heap as f64 / 1024.0,
            rss as f64 / 1024.0,
            bare_heap as f64 / 1024.0,
            bare_rss as f64 / 1024.0
        );
        c.bench_function(
            &format!("P7 hold {LIVE} live instances ({name})"),
            |bench| {
                bench.to_async(&rt).iter(|| async {
                    let mut held = Vec::with_capacity(LIVE);
                    for _ in 0..LIVE {
                        held.push(adapter.instantiate().await.expect("instantiates"));
                    }
                    black_box(held)
                })
            },
        );
    }
}

criterion_group!(benches, p6_cold_start, p7_memory);
criterion_main!(benches);
