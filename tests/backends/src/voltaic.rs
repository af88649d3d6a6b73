//! Voltaic Components: a REST JSON electronics distributor in the style of the Mouser Search
//! API and DigiKey, which also sells stainless fasteners.
//!
//! Every `/api/v1/*` request needs the `X-Api-Key` header (401 otherwise). Answers carry
//! numbers as localised strings in the request's currency and locale (EUR + de-DE →
//! `"0,24 €"`, USD + en-US → `"$0.26"`), `Availability` like `"15243 In Stock"`, `LeadTime`
//! like `"14 Days"`, `Min`/`Mult` and `PriceBreaks`. Errors are `{"Errors": [{"Code", "Message",
//! ...}]}` with the details of each code as extra fields.
//!
//! | Route | What it does |
//! |---|---|
//! | `POST /api/v1/search/keyword` | `{"SearchByKeywordRequest": {"keyword", "records", "startingRecord", "searchOptions": "InStock", "categories", "currencyCode", "locale"}}` |
//! | `POST /api/v1/search/partnumber` | `{"SearchByPartRequest": {"partNumber": "A\|B", "currencyCode", "locale"}}`; part numbers, MPNs or GTINs |
//! | `POST /api/v1/cart` | prices lines for a ship-to country; guaranteed 24 h (`ValidUntil`); per-line `Errors` |
//! | `GET /api/v1/cart/{key}` | the cart, `Status` `Valid` or `Expired` |
//! | `POST /api/v1/order` | needs `Idempotency-Key`; from a cart or direct with `ExpectedUnitPrice` |
//! | `GET /api/v1/order/{n}` | the order (`?locale=` to re-render) |
//! | `GET /api/v1/orders?purchaseOrderNumber=` | orders carrying a PO number |
//! | `POST /api/v1/order/{n}/cancel` | needs `Idempotency-Key`; outstanding quantities only |
//! | `GET /api/v1/order/{n}/shipments`, `/invoices` | fulfilment documents |
//! | `POST /api/v1/order/{n}/returns` | needs `Idempotency-Key`; RMA for shipped quantities |
//! | `GET /_sim/voltaic/webhooks/{n}` (`/latest`) | the order's signed webhooks |
//!
//! Order errors: `PartNotFound` (404), `CartNotFound` (404), `CartExpired` (410),
//! `QuantityRule`, `PriceChanged`, `InsufficientStock`, `MaxTotalExceeded`, `CartMismatch`,
//! `CountryNotServed`, `IdempotencyConflict` (422), `IdempotencyInFlight` (409 with
//! `Retry-After`). Webhooks are signed with `X-Voltaic-Signature: sha256=<hex HMAC-SHA256 of
//! the raw body>` under the configured secret.

mod api;
mod catalog;
mod money;
mod store;
mod wire;

use crate::sim::{self, RunningBackend, SimControl};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The API key a default-configured backend accepts.
pub const DEFAULT_API_KEY: &str = "voltaic-test-api-key";
/// The webhook secret a default-configured backend signs with.
pub const DEFAULT_WEBHOOK_SECRET: &[u8] = b"voltaic-test-webhook-secret";
/// The header carrying a webhook's signature.
pub const SIGNATURE_HEADER: &str = "x-voltaic-signature";

/// How to start a Voltaic backend.
#[derive(Debug, Clone)]
pub struct VoltaicConfig {
    /// The key required in `X-Api-Key`.
    pub api_key: String,
    /// The secret webhooks are signed with.
    pub webhook_secret: Vec<u8>,
    /// How long an order takes to process; a duplicate arriving meanwhile gets 409. Zero by
    /// default.
    pub order_processing_delay: Duration,
    /// Requests per second before 429.
    pub rate_per_second: u32,
    /// Burst above the rate.
    pub burst: u32,
}

impl Default for VoltaicConfig {
    /// [`DEFAULT_API_KEY`], [`DEFAULT_WEBHOOK_SECRET`], no processing delay and the shared
    /// default rate limit.
    fn default() -> Self {
        VoltaicConfig {
            api_key: DEFAULT_API_KEY.to_string(),
            webhook_secret: DEFAULT_WEBHOOK_SECRET.to_vec(),
            order_processing_delay: Duration::ZERO,
            rate_per_second: sim::DEFAULT_RATE_PER_SECOND,
            burst: sim::DEFAULT_BURST,
        }
    }
}

/// Ways a Voltaic backend can be made to cheat, to test the host against a supplier that is
/// not honest ([`VoltaicBackend::set_dishonesty`]). All off by default; each one keeps the
/// answers well-formed, so only the host's own checks can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dishonesty {
    /// Accept an order whatever its `MaxTotal` says (a note in its messages, nothing more).
    pub ignore_max_total: bool,
    /// Charge this many percent above the catalogue or cart price, ignoring every
    /// `ExpectedUnitPrice`.
    pub overcharge_percent: u32,
    /// Add this many cents to every order line's `ExtendedPrice`, and to the totals so they
    /// still add up.
    pub pad_line_totals_cents: i64,
    /// Answer a new order with this purchase order number instead of the buyer's.
    pub answer_with_po: Option<String>,
    /// List every catalogue price below zero.
    pub negative_prices: bool,
    /// List price breaks from the largest quantity down.
    pub unsorted_price_breaks: bool,
    /// Add this many cents to every invoice.
    pub invoice_surcharge_cents: i64,
}

/// A webhook as Voltaic would POST it: the exact body and its signature header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// `order.updated`, `shipment.created` or `invoice.issued`.
    pub event_type: String,
    /// The raw JSON body the signature covers.
    pub body: Vec<u8>,
    /// The `X-Voltaic-Signature` value, `sha256=<hex>`.
    pub signature: String,
}

/// A running Voltaic backend and read-only views of its state for tests and the demo.
#[derive(Debug)]
pub struct VoltaicBackend {
    running: RunningBackend,
    store: Arc<Mutex<store::Store>>,
    config: Arc<VoltaicConfig>,
}

/// Starts a Voltaic backend on 127.0.0.1 (ephemeral port). Must be called within a tokio
/// runtime; the server stops when the returned value is dropped.
pub async fn start(config: VoltaicConfig) -> std::io::Result<VoltaicBackend> {
    let control = SimControl::new(config.rate_per_second, config.burst);
    let store = Arc::new(Mutex::new(store::Store::new(control.now_ms())));
    let config = Arc::new(config);
    let app = api::App {
        store: Arc::clone(&store),
        control: control.clone(),
        config: Arc::clone(&config),
    };
    let running = sim::serve(api::router(app), control).await?;
    Ok(VoltaicBackend {
        running,
        store,
        config,
    })
}

impl VoltaicBackend {
    fn with_store<T>(&self, f: impl FnOnce(&store::Store) -> T) -> T {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.tick(self.running.control().now_ms());
        f(&store)
    }

    /// The server, for its address and clock.
    pub fn running(&self) -> &RunningBackend {
        &self.running
    }

    /// Stops the server; see [`RunningBackend::stop`].
    pub async fn stop(self) {
        self.running.stop().await;
    }

    /// `http://127.0.0.1:port`, the adapter's `base-url`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The clock and fault injection.
    pub fn control(&self) -> &SimControl {
        self.running.control()
    }

    /// The API key the server requires.
    pub fn api_key(&self) -> &str {
        &self.config.api_key
    }

    /// Cheat from now on as `d` says.
    pub fn set_dishonesty(&self, d: Dishonesty) {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .dishonesty = d;
    }

    /// Restart order numbering, as after a botched restore: the next orders get the numbers
    /// of the first ones again.
    pub fn restart_order_numbering(&self) {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .restart_order_numbering();
    }

    /// Orders stored so far (a replayed order is not a new one).
    pub fn order_count(&self) -> usize {
        self.with_store(|s| s.orders.len())
    }

    /// Every order as (number, purchase order number, total in cents), oldest first.
    pub fn orders(&self) -> Vec<(String, String, i64)> {
        self.with_store(|s| {
            s.orders
                .iter()
                .map(|o| (o.number.clone(), o.po.clone(), o.total()))
                .collect()
        })
    }

    /// Order numbers carrying a purchase order number, oldest first.
    pub fn orders_for_po(&self, po: &str) -> Vec<String> {
        self.with_store(|s| {
            s.orders
                .iter()
                .filter(|o| o.po == po)
                .map(|o| o.number.clone())
                .collect()
        })
    }

    /// Pieces of a part on hand now; None for an unknown part number.
    pub fn stock_of(&self, part_number: &str) -> Option<u64> {
        self.with_store(|s| s.part_by_number(part_number).map(|i| s.stock[i]))
    }

    /// The status of an order now (`Confirmed`, `PartiallyShipped`, `Shipped`, …).
    pub fn order_status(&self, order_number: &str) -> Option<String> {
        let now = self.control().now_ms();
        self.with_store(|s| {
            s.order_index(order_number)
                .ok()
                .map(|i| wire::order_status(&s.orders[i], now).to_string())
        })
    }

    /// Every webhook Voltaic has produced for an order, oldest first, signed.
    pub fn webhooks(&self, order_number: &str) -> Vec<SignedWebhook> {
        self.with_store(|s| collect_webhooks(s, &self.config.webhook_secret, order_number))
    }

    /// The `X-Voltaic-Signature` value for any body, to build hand-made webhooks in tests.
    pub fn sign(&self, body: &[u8]) -> String {
        signature(&self.config.webhook_secret, body)
    }
}

fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) {
        mac.update(body);
        for byte in mac.finalize().into_bytes() {
            let _ = write!(hex, "{byte:02x}");
        }
    }
    format!("sha256={hex}")
}

fn collect_webhooks(store: &store::Store, secret: &[u8], order_number: &str) -> Vec<SignedWebhook> {
    store
        .events
        .iter()
        .filter(|e| e.order.eq_ignore_ascii_case(order_number))
        .map(|e| SignedWebhook {
            event_type: e.kind.to_string(),
            signature: signature(secret, &e.body),
            body: e.body.clone(),
        })
        .collect()
}

fn signed_webhooks(app: &api::App, order_number: &str) -> Vec<SignedWebhook> {
    let now = app.control.now_ms();
    let mut store = app.store.lock().unwrap_or_else(PoisonError::into_inner);
    store.tick(now);
    collect_webhooks(&store, &app.config.webhook_secret, order_number)
}
