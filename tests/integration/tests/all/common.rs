//! Shared set-up: a host and request builders.

use mercato::contract::*;
use mercato::signing::TrustStore;
use mercato::{AdapterHost, EngineConfig, HostConfig, LoadedAdapter};
use std::sync::OnceLock;

/// A compile cache shared by every host of this test run, so each component is compiled once.
fn shared_cache() -> std::path::PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .to_path_buf()
}

/// A host with a small pool and the shared compile cache that accepts unsigned adapters (the
/// signing tests use [`host_with`]). Logs go to the test output when `RUST_LOG` is set.
pub fn host() -> AdapterHost {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    host_with(TrustStore::new().allow_unsigned(true))
}

/// A host like [`host`] with this trust store.
pub fn host_with(trust: TrustStore) -> AdapterHost {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    AdapterHost::new(HostConfig {
        engine: EngineConfig {
            pool_size: 64,
            cache_dir: Some(shared_cache()),
            ..EngineConfig::default()
        },
        trust,
        ..HostConfig::default()
    })
    .expect("host starts")
}

/// A minimal valid manifest for supplier `supplier`.
pub fn manifest_for(supplier: &str) -> String {
    format!(
        "[adapter]\nsupplier = \"{supplier}\"\nversion = \"0.1.0\"\npublisher = \"Mercato tests\"\n"
    )
}

/// A component from WAT text, with a manifest section so it gets past the manifest check.
pub fn wat_component(wat: &str) -> Vec<u8> {
    let bytes = wat::parse_str(wat).expect("valid WAT");
    mercato::adapter::package::append_custom_section(
        &bytes,
        mercato_sdk::manifest::SECTION,
        manifest_for("wat-fixture").as_bytes(),
    )
}

/// A decimal `mantissa × 10^-scale`.
pub fn dec(mantissa: i64, scale: u8) -> Decimal {
    Decimal { mantissa, scale }
}

/// A first-page search for `text`.
pub fn query(text: &str, page_size: u32) -> SearchQuery {
    SearchQuery {
        text: Some(text.to_string()),
        categories: vec![],
        in_stock_only: false,
        page_size,
        cursor: None,
    }
}

/// An order line of `pieces` of `sku`.
pub fn order_line(id: &str, sku: &str, pieces: u64, expected: Option<Price>) -> OrderLineRequest {
    OrderLineRequest {
        line_id: id.to_string(),
        item: ItemRef::Sku(sku.to_string()),
        offer_token: None,
        quantity: Quantity::pieces(pieces),
        expected_unit_price: expected,
    }
}

/// An on-account order to Plant 3 with partial delivery allowed.
pub fn order_request(
    key: &str,
    po: &str,
    lines: Vec<OrderLineRequest>,
    max_total: Money,
) -> OrderRequest {
    OrderRequest {
        idempotency_key: key.to_string(),
        buyer_po: po.to_string(),
        quote_id: None,
        lines,
        ship_to: mercato::demo::plant_3(),
        bill_to: None,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: PartialDelivery::Allow,
        max_total,
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: None,
    }
}

/// The commerce error inside a call error; anything else fails the test.
pub fn commerce(e: mercato::CallError) -> CommerceError {
    match e {
        mercato::CallError::Commerce(c) => c,
        other => panic!("expected a commerce error, got {other:?}"),
    }
}

/// An amount in euro cents.
pub fn eur(minor: i64) -> Money {
    Money {
        currency: "EUR".into(),
        minor,
    }
}

/// A quote request for Plant 3: `(line id, sku, pieces)` per line.
pub fn quote_request(lines: &[(&str, &str, u64)]) -> QuoteRequest {
    QuoteRequest {
        lines: lines
            .iter()
            .map(|(id, sku, n)| QuoteLineRequest {
                line_id: id.to_string(),
                item: ItemRef::Sku(sku.to_string()),
                offer_token: None,
                quantity: Quantity::pieces(*n),
                target_unit_price: None,
            })
            .collect(),
        ship_to: mercato::demo::plant_3(),
        requested_delivery: None,
        currency: Some("EUR".into()),
        requested_valid_until: None,
        allow_substitutes: false,
        incoterms: None,
        buyer_reference: None,
        notes: None,
    }
}

/// Every page of a search, from `first` until the adapter gives no next cursor (at most
/// `max_pages`): the SKUs seen, asserting that none repeats.
pub async fn page_through(
    a: &LoadedAdapter,
    ctx: &CallContext,
    first: SearchQuery,
    max_pages: usize,
) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut q = first;
    for _ in 0..max_pages {
        let page = a.search(ctx, &q).await.expect("page");
        for i in &page.items {
            assert!(
                seen.insert(i.ids.supplier_sku.clone()),
                "{} repeated",
                i.ids.supplier_sku
            );
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    seen
}

/// `bytes` with every occurrence of `from` replaced by `to` (the same length, so a component
/// stays valid), and how many there were: a supplier id, version or export name relabelled
/// without a rebuild.
pub fn rewritten(bytes: &[u8], from: &[u8], to: &[u8]) -> (Vec<u8>, usize) {
    assert_eq!(from.len(), to.len(), "a rewrite keeps the length");
    let mut bytes = bytes.to_vec();
    let (mut at, mut replaced) = (0, 0);
    while let Some(found) = bytes[at..].windows(from.len()).position(|w| w == from) {
        let start = at + found;
        bytes[start..start + from.len()].copy_from_slice(to);
        at = start + from.len();
        replaced += 1;
    }
    (bytes, replaced)
}

/// Tests that measure this process's resident memory hold this while they run, and so do the
/// tests that use the most of it: RSS is one number for the whole test binary.
pub async fn measuring_memory() -> tokio::sync::MutexGuard<'static, ()> {
    MEMORY.lock().await
}

/// [`measuring_memory`] for a synchronous test.
pub fn measuring_memory_blocking() -> tokio::sync::MutexGuard<'static, ()> {
    MEMORY.blocking_lock()
}

static MEMORY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Run `work` and measure how far this process's resident memory rose above where it started
/// while it ran, sampling every 2 ms: memory already freed when `work` ends still counts.
pub async fn peak_growth<T>(work: impl std::future::Future<Output = T>) -> (T, u64) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let before = rss();
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = before;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss());
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            peak.max(rss())
        })
    };
    let out = work.await;
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().expect("the sampler does not panic");
    (out, peak.saturating_sub(before))
}

/// Resident memory of this process, bytes.
pub fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .expect("resident pages")
        * 4096
}
