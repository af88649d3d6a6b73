//! Shared set-up of Mercato's benchmarks (targets P1–P9 in `../shared/design/performance.md`).
//!
//! Each figure is measured three ways in one run where the target asks for a ratio: through
//! Mercato's call path ([`mercato::LoadedAdapter`]), as the same adapter logic compiled for the
//! host and called natively, and as a [`bare`] wasmtime instantiate-and-call of the same
//! component, the floor of this stack. `BENCHMARKS.md` holds the results and the commands.
//!
//! The adapters are the bundled Hansa price-list adapter (a real adapter with no network) and
//! the offline supplier fixture (`tests/fixtures/offline`), which searches, quotes and orders
//! without any I/O so that only the host's cost is measured. [`offline_supplier`] relabels it
//! so that fan-out and gateway benchmarks have many distinct suppliers from one build.

pub mod bare;

use mercato::adapter::breaker::BreakerConfig;
use mercato::contract::{BuyerContext, CallContext, SearchQuery, now_ms};
use mercato::gateway::Service;
use mercato::ledger;
use mercato::policy::Policy;
use mercato::signing::TrustStore;
use mercato::{AdapterHost, EngineConfig, Grants, HostConfig, LoadedAdapter};
use std::path::{Path, PathBuf};

/// The Hansa price-list adapter as shipped.
pub fn hansa() -> &'static [u8] {
    mercato_artifacts::HANSA_CSV.bytes
}

/// The offline supplier fixture as built: supplier `offline-00`.
pub fn offline() -> &'static [u8] {
    mercato_artifacts::OFFLINE_SUPPLIER.bytes
}

/// The supplier id the offline fixture is built with (see its `SUPPLIER_ID`).
const BUILT_LABEL: &[u8] = offline_supplier::SUPPLIER_ID.as_bytes();
/// Digits of a relabelled supplier id: `offline-` and two base-36 digits.
const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The id of the `n`th offline supplier: `offline-00`, `offline-01`, … `offline-zz`.
pub fn offline_id(n: usize) -> String {
    assert!(n < 36 * 36, "at most 1296 offline suppliers");
    let digit = |d: usize| char::from(DIGITS[d]);
    format!("offline-{}{}", digit(n / 36), digit(n % 36))
}

/// The offline supplier as supplier [`offline_id`]`(n)`. Its id is written in the component
/// only where the supplier is named (the embedded manifest, the SDK's copy of it, and
/// `describe`'s answer) and the new id has the same length, so rewriting every occurrence
/// gives a valid, distinct adapter without a rebuild.
pub fn offline_supplier(n: usize) -> Vec<u8> {
    let label = offline_id(n);
    let mut bytes = offline().to_vec();
    let at: Vec<usize> = bytes
        .windows(BUILT_LABEL.len())
        .enumerate()
        .filter(|(_, w)| *w == BUILT_LABEL)
        .map(|(i, _)| i)
        .collect();
    assert!(
        at.len() >= 2,
        "the offline fixture must carry its supplier id in its manifest and in describe"
    );
    for i in at {
        bytes[i..i + label.len()].copy_from_slice(label.as_bytes());
    }
    bytes
}

/// A tokio runtime with one worker per core, as `mercato serve` runs.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A host with the default engine (pooling allocator, epoch deadlines) that accepts the
/// unsigned bench adapters; with `cache_dir`, compiled artefacts are cached there.
pub fn host(cache_dir: Option<PathBuf>) -> AdapterHost {
    host_with_breaker(cache_dir, BreakerConfig::default())
}

/// [`host`] with its adapters' circuit breakers set to `breaker`.
pub fn host_with_breaker(cache_dir: Option<PathBuf>, breaker: BreakerConfig) -> AdapterHost {
    AdapterHost::new(HostConfig {
        engine: EngineConfig {
            cache_dir,
            ..EngineConfig::default()
        },
        trust: TrustStore::new().allow_unsigned(true),
        breaker,
        ..HostConfig::default()
    })
    .expect("the host starts")
}

/// Load `bytes` with no grants (neither bench adapter asks for any).
pub async fn load(host: &AdapterHost, bytes: &[u8]) -> LoadedAdapter {
    host.load(bytes.to_vec(), Grants::new())
        .await
        .expect("the bench adapter loads")
}

/// A call context in EUR to Germany whose deadline is an hour away, so a long benchmark run
/// never reaches it.
pub fn ctx() -> CallContext {
    CallContext {
        request_id: "bench".to_string(),
        buyer: BuyerContext {
            account_id: Some("BENCH-1".to_string()),
            organization: Some("Bench Buyer GmbH".to_string()),
            tax_id: None,
            cost_center: None,
            originator: Some("bench-bot".to_string()),
            on_behalf_of: None,
        },
        locale: None,
        currency: Some("EUR".to_string()),
        country: Some("DE".to_string()),
        deadline: now_ms() + 3_600_000,
    }
}

/// A first-page search.
pub fn query(text: Option<&str>, page_size: u32) -> SearchQuery {
    SearchQuery {
        text: text.map(str::to_string),
        categories: Vec::new(),
        in_stock_only: false,
        page_size,
        cursor: None,
    }
}

/// The API key of the bench client in [`write_offline_policy`].
pub const BENCH_KEY: &str = "bench-client-key-0123456789abcdef";

/// Write `suppliers` relabelled offline suppliers into `dir` with a host policy that serves
/// them on `address` to one client ([`BENCH_KEY`]) whose mandate lets it order; the ledger
/// goes to `dir/data`. Returns the policy's path.
pub fn write_offline_policy(
    dir: &Path,
    suppliers: usize,
    address: &str,
) -> std::io::Result<PathBuf> {
    let mut policy = String::from(
        "# Written by mercato-benches: offline suppliers for the gateway and ledger benchmarks.\n\
         [host]\nallow-unsigned = true\npool-size = 256\n\n",
    );
    for n in 0..suppliers {
        let id = offline_id(n);
        std::fs::write(dir.join(format!("{id}.wasm")), offline_supplier(n))?;
        policy.push_str(&format!(
            "[[adapter]]\nfile = \"{id}.wasm\"\nsupplier = \"{id}\"\n\n"
        ));
    }
    policy.push_str(&format!(
        "[serve]\naddress = \"{address}\"\nrequest-deadline-ms = 3000\n\
         max-concurrent-calls = 256\nqueue-wait-ms = 2000\ndata-dir = \"data\"\n\n\
         [[client]]\nid = \"bench-bot\"\nkey = {{ value = \"{BENCH_KEY}\" }}\n\
         currency = \"EUR\"\ncountry = \"DE\"\n\
         buyer = {{ account-id = \"BENCH-1\", organization = \"Bench Buyer GmbH\" }}\n\n\
         [[mandate]]\nid = \"m-bench\"\nclient = \"bench-bot\"\n\
         principal = \"buyer@bench.invalid\"\nmax-per-order = \"EUR 1000000.00\"\n"
    ));
    let path = dir.join("mercato-host.toml");
    std::fs::write(&path, policy)?;
    Ok(path)
}

/// The gateway's service for the policy at `path`, as `mercato serve` assembles it, with its
/// SQLite ledger in the policy's data directory.
pub async fn service(path: &Path) -> Service {
    let policy = Policy::load(path).expect("the bench policy parses");
    let assembled = policy.broker().await.expect("the host starts");
    assert!(
        assembled.not_loaded.is_empty(),
        "every bench adapter loads: {:?}",
        assembled.not_loaded
    );
    let ledger = ledger::open(&policy.ledger_location()).expect("the ledger opens");
    Service::new(assembled.broker, policy.clients, ledger)
}

/// Whether the binary runs as `cargo bench` (criterion's benchmark mode) rather than as
/// `cargo test --benches`, which runs every benchmark once to prove it still works.
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Time `runs` single runs of `f` one by one and print the p50 and p99 (criterion reports
/// means and medians, the targets also name p99). Only in benchmark mode.
pub async fn percentiles<F: AsyncFnMut()>(label: &str, runs: usize, f: F) {
    if let Some(l) = latencies(runs, f).await {
        println!(
            "{label}: p50 {:.1} µs, p99 {:.1} µs over {runs} runs",
            l.p50.as_secs_f64() * 1e6,
            l.p99.as_secs_f64() * 1e6
        );
    }
}

/// The median and 99th percentile of a run of timings.
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    pub p50: std::time::Duration,
    pub p99: std::time::Duration,
}

/// Time `runs` single runs of `f` one by one; `None` outside benchmark mode, where the
/// numbers would mean nothing.
pub async fn latencies<F: AsyncFnMut()>(runs: usize, mut f: F) -> Option<Latencies> {
    if !measuring() {
        return None;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(timed(&mut f).await);
    }
    Latencies::of(times)
}

/// How long one run of `f` takes.
pub async fn timed<F: AsyncFnMut()>(f: &mut F) -> std::time::Duration {
    let started = std::time::Instant::now();
    f().await;
    started.elapsed()
}

impl Latencies {
    /// The percentiles of `times`; `None` if there are none.
    pub fn of(mut times: Vec<std::time::Duration>) -> Option<Latencies> {
        if times.is_empty() {
            return None;
        }
        times.sort_unstable();
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        Some(Latencies {
            p50: at(0.50),
            p99: at(0.99),
        })
    }
}

/// The bench buyer's plant in Hamburg, as the API's JSON.
fn ship_to() -> serde_json::Value {
    serde_json::json!({
        "location_id": null, "name": null, "organization": "Bench Buyer GmbH",
        "lines": ["Werkstrasse 1"], "city": "Hamburg", "region": null,
        "postal_code": "20095", "country": "DE", "contact": null
    })
}

/// Ten flat washers (`OFF-00042`) and 250 resistors (`OFF-00007`) from an offline supplier.
const BASKET: [(&str, u64); 2] = [("OFF-00042", 10), ("OFF-00007", 250)];

/// [`BASKET`] as request lines, with no price named in the field `price` (quote and order
/// lines differ only in its name).
fn basket_lines(price: &str) -> Vec<serde_json::Value> {
    (1..)
        .zip(BASKET)
        .map(|(n, (sku, pieces))| {
            serde_json::json!({
                "line_id": n.to_string(), "item": { "Sku": sku }, "offer_token": null,
                "quantity": { "steps": pieces, "unit": "C62", "scale": 0 },
                price: null
            })
        })
        .collect()
}

/// A quote request for [`BASKET`].
pub fn quote_request() -> mercato::contract::QuoteRequest {
    serde_json::from_value(serde_json::json!({
        "lines": basket_lines("target_unit_price"), "ship_to": ship_to(), "requested_delivery": null, "currency": "EUR",
        "requested_valid_until": null, "allow_substitutes": false, "incoterms": null,
        "buyer_reference": null, "notes": null
    }))
    .expect("a valid quote request")
}

/// An order for [`BASKET`] from offline supplier `supplier`, through the gateway's API.
pub fn order_request(supplier: usize, po: &str) -> mercato::wire::PlaceOrder {
    let order: mercato::desk::PlaceOrder = serde_json::from_value(serde_json::json!({
        "supplier": offline_id(supplier), "buyer_po": po,
        "lines": basket_lines("expected_unit_price"),
        "ship_to": ship_to(), "partial_delivery": "Allow",
        "max_total": { "currency": "EUR", "minor": 100_000_000 },
        "payment": { "OnAccount": null }
    }))
    .expect("a valid order request");
    order.into()
}
