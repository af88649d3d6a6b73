//! Ostara Supply: an MRO and office supplier that trades cXML 1.2 (EUR only; delivers to DE,
//! AT, NL, BE and FR).
//!
//! cXML has no search API: Ostara publishes its catalogue as a cXML `Index` file, takes
//! `OrderRequest`s on one cXML URL, answers each synchronously with a cXML `Response`, and
//! later pushes `ConfirmationRequest`s and `ShipNoticeRequest`s to the buyer.
//!
//! # Endpoints
//!
//! | Method and path | Request | Answer |
//! |---|---|---|
//! | `GET /catalog/index` | – | cXML `Index` of every item, with stock as extrinsics |
//! | `POST /cxml` | cXML `OrderRequest` (`type="new"` or `"delete"`) | cXML `Response` with `Status` |
//! | `GET /orders/{orderID}` | – | `OrderHistory`: the OrderRequest, its ConfirmationRequests and ShipNoticeRequests |
//! | `GET /_sim/ostara/outbox` | – | JSON list of every pushed document and how its delivery went |
//! | `POST /_sim/ostara/tick` | – | ship what is due on the simulated clock now; JSON list of the documents this pushed |
//!
//! The `/_sim/*` endpoints need no credential; the shared [`sim`](crate::sim) control
//! endpoints (clock, injected failures, delays) are mounted as well. Every answer carries a
//! `Date` header from the simulated clock.
//!
//! # Authentication
//! cXML authenticates a document by the `SharedSecret` in `Header/Sender/Credential`. A
//! Mercato adapter never sees its secrets, so it cannot write that element; the host attaches
//! the secret as the HTTP header `X-Ostara-Shared-Secret` instead. Ostara accepts either: the
//! header (required for the GET endpoints, which carry no document) or the document's
//! `SharedSecret`. Anything else is `401` with a cXML `Response` whose Status is 401.
//!
//! # Orders
//! The `payloadID` of an OrderRequest is Ostara's dedupe key: the same payloadID with the same
//! order (orderID, type, currency, country and every line; the envelope `timestamp` and the
//! `orderDate` may differ between retries) returns the stored Response byte for byte and creates
//! nothing; with other content it is `409` (`payload-conflict: …`). A second `type="new"` for an
//! orderID already ordered under another payloadID is `409` (`duplicate-order: …`). Other
//! refusals: `400` `invalid-document`, `unsupported-currency`, `undeliverable`; `404`
//! `unknown-order` for a delete of an unknown orderID. A refusal's Status text is
//! `reason: explanation`.
//!
//! The order's id on both sides is the buyer's `orderID`. Each line is decided at once:
//! unknown SKUs, discontinued items (`OS-1012`) and lines in another unit than the item's are
//! rejected; what is on hand is accepted and ships one simulated day later; the rest is
//! backordered and ships after the item's lead time (`OS-1006` has 12 on hand, `OS-1007` none
//! with 14 days lead time). A `UnitPrice` other than Ostara's makes the line `detail` with
//! Ostara's price (comment `price-changed: …`). Parcel shipping is 6.90 EUR below 100.00 EUR of
//! confirmed lines. The decision is a `ConfirmationRequest` (`accept`, `detail` or `reject`, one
//! `ConfirmationStatus` per accepted, backordered and rejected part of each line), pushed right
//! after the Response.
//!
//! `type="delete"` cancels the whole order while nothing has shipped (stock is released, a
//! `ConfirmationRequest type="reject" operation="update"` is pushed, Status 200
//! `cancelled: …`); after a shipment it is refused with Status 417 `cancel-refused: …`.
//!
//! # Pushed documents
//! Shipments go out when due on the simulated clock: on [`OstaraBackend::tick`], on
//! `POST /_sim/ostara/tick`, and before every business request. Each is a `ShipNoticeRequest`.
//! Every pushed document is signed the cXML way (Ostara's `Sender` credential carries the
//! shared secret), kept in the outbox ([`OstaraBackend::pushed_documents`]), and, if
//! [`OstaraConfig::push_to`] names a buyer URL, POSTed there as `text/xml` with the configured
//! headers (e.g. `Authorization: Bearer <key>` for Mercato's `POST /inbound/ostara`), in order,
//! one at a time; the buyer's answer is recorded as the document's [`Delivery`].

mod catalog;
mod cxml;
mod store;

pub use store::{Delivery, PushedDocument, SHIP_TO_COUNTRIES};

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::sync::mpsc;

use crate::sim::{self, RunningBackend, SimControl};
use store::{Outcome, Store};

/// The header the host attaches the shared secret in.
pub const SECRET_HEADER: &str = "x-ostara-shared-secret";
/// Ostara's identity (`From` and `Sender` of what it sends) unless configured otherwise.
pub const DEFAULT_SUPPLIER_IDENTITY: &str = "ostara-supply";

/// How to start the backend.
#[derive(Debug, Clone)]
pub struct OstaraConfig {
    /// The shared secret buyer and supplier agreed: expected from the buyer (header or
    /// document) and written into every document Ostara pushes.
    pub shared_secret: String,
    /// Ostara's `NetworkID` identity.
    pub supplier_identity: String,
    /// Where pushed documents are POSTed; none = outbox only.
    pub push_to: Option<String>,
    /// Headers sent with every push (e.g. `("authorization", "Bearer <key>")`).
    pub push_headers: Vec<(String, String)>,
    /// Clock, rate limit and fault injection.
    pub control: SimControl,
}

impl OstaraConfig {
    /// A backend that expects `shared_secret` and pushes to nobody.
    pub fn new(shared_secret: impl Into<String>) -> Self {
        OstaraConfig {
            shared_secret: shared_secret.into(),
            supplier_identity: DEFAULT_SUPPLIER_IDENTITY.to_string(),
            push_to: None,
            push_headers: Vec::new(),
            control: SimControl::default(),
        }
    }

    /// POST every pushed document to `url` with these headers.
    pub fn push_to(mut self, url: impl Into<String>, headers: &[(&str, &str)]) -> Self {
        self.push_to = Some(url.into());
        self.push_headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect();
        self
    }

    /// Use this control (for a custom rate limit).
    pub fn with_control(mut self, control: SimControl) -> Self {
        self.control = control;
        self
    }
}

/// One order line as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSummary {
    /// `SupplierPartID`.
    pub sku: String,
    /// Units ordered.
    pub ordered: u64,
    /// Units accepted from stock.
    pub accepted: u64,
    /// Units backordered.
    pub backordered: u64,
    /// Units rejected.
    pub rejected: u64,
}

/// One order as tests and the demo see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    /// The buyer's orderID.
    pub order_id: String,
    /// Ostara's own order number.
    pub supplier_order_id: String,
    /// payloadID of the OrderRequest that created it.
    pub payload_id: String,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Lines.
    pub lines: Vec<LineSummary>,
    /// ConfirmationRequests sent.
    pub confirmations: usize,
    /// ShipNoticeRequests sent.
    pub ship_notices: usize,
}

#[derive(Debug, Clone)]
struct Shared {
    store: Arc<Mutex<Store>>,
    control: SimControl,
    secret: Arc<str>,
    deliveries: Option<mpsc::UnboundedSender<usize>>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic in one handler must not take the whole simulated supplier down.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> i64 {
        self.control.now_ms()
    }

    fn deliver(&self, entries: &[usize]) {
        if let Some(tx) = &self.deliveries {
            for e in entries {
                // The worker lives as long as the backend; a send error means it is shutting down.
                let _ = tx.send(*e);
            }
        }
    }

    /// Ship what is due and deliver the notices.
    fn tick(&self) -> Vec<PushedDocument> {
        let now = self.now();
        let mut store = self.store();
        let entries = store.tick(now);
        let docs = entries
            .iter()
            .filter_map(|i| store.outbox().get(*i).cloned())
            .collect();
        drop(store);
        self.deliver(&entries);
        docs
    }
}

/// A running Ostara backend with read-only inspection of its state.
#[derive(Debug)]
pub struct OstaraBackend {
    running: RunningBackend,
    shared: Shared,
}

impl OstaraBackend {
    /// The server (address, base URL, control).
    pub fn running(&self) -> &RunningBackend {
        &self.running
    }

    /// `http://127.0.0.1:port`, the adapter's `base-url`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// Clock, failures, delays.
    pub fn control(&self) -> &SimControl {
        self.running.control()
    }

    /// Orders created so far (cancelled ones included).
    pub fn order_count(&self) -> usize {
        self.shared.store().orders().len()
    }

    /// The order with this buyer orderID.
    pub fn order(&self, order_id: &str) -> Option<OrderSummary> {
        let store = self.shared.store();
        let o = store.order(order_id)?;
        Some(OrderSummary {
            order_id: o.order_id.clone(),
            supplier_order_id: o.supplier_order_id.clone(),
            payload_id: o.payload_id.clone(),
            cancelled: o.cancelled,
            lines: o
                .lines
                .iter()
                .map(|l| LineSummary {
                    sku: l.sku.clone(),
                    ordered: l.ordered,
                    accepted: l.accepted,
                    backordered: l.backordered,
                    rejected: l.rejected,
                })
                .collect(),
            confirmations: o.confirmations.len(),
            ship_notices: o.ship_notices.len(),
        })
    }

    /// Units of an item on hand; `None` for an unknown SKU.
    pub fn stock_of(&self, sku: &str) -> Option<u64> {
        self.shared.store().on_hand(sku)
    }

    /// Every document pushed so far, oldest first, with its delivery state.
    pub fn pushed_documents(&self) -> Vec<PushedDocument> {
        self.shared.store().outbox().to_vec()
    }

    /// Ship what is due on the simulated clock now; the documents this pushed.
    pub fn tick(&self) -> Vec<PushedDocument> {
        self.shared.tick()
    }

    /// Wait until no pushed document is still [`Delivery::Pending`] (at most `timeout`);
    /// whether they all settled.
    pub async fn settle(&self, timeout: Duration) -> bool {
        crate::push::settle(timeout, || {
            self.shared
                .store()
                .outbox()
                .iter()
                .any(|d| d.delivery == Delivery::Pending)
        })
        .await
    }
}

/// Start an Ostara backend on 127.0.0.1 (ephemeral port). Must run inside a tokio runtime.
pub async fn start(config: OstaraConfig) -> std::io::Result<OstaraBackend> {
    let control = config.control;
    let store = Arc::new(Mutex::new(Store::new(
        &config.supplier_identity,
        &config.shared_secret,
        config.push_to.is_some(),
    )));
    let deliveries = config.push_to.map(|url| {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(deliver(store.clone(), url, config.push_headers, rx));
        tx
    });
    let shared = Shared {
        store,
        control: control.clone(),
        secret: Arc::from(config.shared_secret.as_str()),
        deliveries,
    };
    let business = Router::new()
        .route("/catalog/index", get(catalog_index))
        .route("/orders/{id}", get(order_history))
        .route("/cxml", post(cxml_post))
        .route_layer(middleware::from_fn_with_state(shared.clone(), tick_first));
    let simulation = Router::new()
        .route("/_sim/ostara/outbox", get(outbox))
        .route("/_sim/ostara/tick", post(tick));
    let app = business
        .merge(simulation)
        .layer(middleware::from_fn_with_state(shared.clone(), date_header))
        .with_state(shared.clone());
    let running = sim::serve(app, control).await?;
    Ok(OstaraBackend { running, shared })
}

/// Deliver outbox entries to the buyer one at a time, in order, recording each answer.
async fn deliver(
    store: Arc<Mutex<Store>>,
    url: String,
    headers: Vec<(String, String)>,
    mut rx: mpsc::UnboundedReceiver<usize>,
) {
    while let Some(index) = rx.recv().await {
        let body = {
            let s = store.lock().unwrap_or_else(PoisonError::into_inner);
            s.outbox().get(index).map(|d| d.body.clone())
        };
        let Some(body) = body else { continue };
        let mut all = vec![(
            "Content-Type".to_string(),
            "text/xml; charset=utf-8".to_string(),
        )];
        all.extend(headers.iter().cloned());
        let result = crate::push::post(&url, &all, body.as_bytes()).await;
        let delivery = match result {
            Ok(reply) => Delivery::Delivered {
                status: reply.status,
                reply: String::from_utf8_lossy(&reply.body).into_owned(),
            },
            Err(e) => Delivery::Failed(e),
        };
        let mut s = store.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = s.outbox_mut().get_mut(index) {
            d.delivery = delivery;
        }
    }
}

/// Before a business request, ship what has become due, as a real OMS would have meanwhile.
async fn tick_first(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    shared.tick();
    next.run(request).await
}

async fn date_header(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Ok(v) = HeaderValue::from_str(&http_date(shared.now())) {
        response.headers_mut().insert(header::DATE, v);
    }
    response
}

fn http_date(ms: i64) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

fn xml(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_else(|_| sim::error_response(StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

fn json(value: serde_json::Value) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(value.to_string()))
        .unwrap_or_else(|_| sim::error_response(StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

/// A cXML Response with this Status, as the HTTP answer with the same status.
fn status_answer(shared: &Shared, code: u16, reason: &str, text: &str) -> Response {
    let now = shared.now();
    let id = format!("{now}.status.ostara@ostara-supply.example");
    let body = cxml::response(&id, now, code, Some(&format!("{reason}: {text}")));
    xml(
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        cxml::with_doctype(&body, "cXML", cxml::DTD_CXML),
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header_secret_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    headers
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| constant_time_eq(v.trim().as_bytes(), shared.secret.as_bytes()))
}

fn unauthorized(shared: &Shared) -> Response {
    status_answer(
        shared,
        401,
        "unauthorized",
        "the shared secret (X-Ostara-Shared-Secret header or Sender/Credential/SharedSecret) \
         is missing or wrong",
    )
}

async fn catalog_index(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    if !header_secret_ok(&shared, &headers) {
        return unauthorized(&shared);
    }
    let now = shared.now();
    let store = shared.store();
    let body = catalog::index(
        &store.items,
        |sku| store.on_hand(sku).unwrap_or(0),
        store.supplier(),
        now,
    );
    xml(StatusCode::OK, body)
}

async fn order_history(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !header_secret_ok(&shared, &headers) {
        return unauthorized(&shared);
    }
    let found = shared.store().order(&id).map(cxml::history);
    match found {
        Some(body) => xml(StatusCode::OK, body),
        None => status_answer(
            &shared,
            404,
            "unknown-order",
            &format!("Ostara has no order {id}"),
        ),
    }
}

async fn cxml_post(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let stripped = match cxml::strip_doctype(&body) {
        Ok(s) => s,
        Err(e) => return status_answer(&shared, 400, "invalid-document", &e),
    };
    let root = match mercato_sdk::xml::parse(&stripped) {
        Ok(r) => r,
        Err(e) => return status_answer(&shared, 400, "invalid-document", &e.to_string()),
    };
    let doc = match cxml::read_order_request(&root) {
        Ok(d) => d,
        Err(e) => {
            // Unauthenticated senders learn nothing about the document's problems.
            if !header_secret_ok(&shared, &headers) {
                return unauthorized(&shared);
            }
            return status_answer(&shared, 400, "invalid-document", &e);
        }
    };
    let document_secret_ok = doc
        .sender
        .shared_secret
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), shared.secret.as_bytes()));
    if !document_secret_ok && !header_secret_ok(&shared, &headers) {
        return unauthorized(&shared);
    }
    let now = shared.now();
    let (Outcome { code, body }, pushes) = shared.store().order_request(doc, stripped, now);
    shared.deliver(&pushes);
    xml(
        StatusCode::from_u16(code).unwrap_or(StatusCode::OK),
        cxml::with_doctype(&body, "cXML", cxml::DTD_CXML),
    )
}

fn docs_json(docs: &[PushedDocument]) -> serde_json::Value {
    serde_json::Value::Array(
        docs.iter()
            .map(|d| {
                let delivery = match &d.delivery {
                    Delivery::NotConfigured => serde_json::json!({"state": "not-configured"}),
                    Delivery::Pending => serde_json::json!({"state": "pending"}),
                    Delivery::Delivered { status, reply } => {
                        serde_json::json!({"state": "delivered", "status": status, "reply": reply})
                    }
                    Delivery::Failed(e) => serde_json::json!({"state": "failed", "error": e}),
                };
                serde_json::json!({
                    "kind": d.kind,
                    "order_id": d.order_id,
                    "payload_id": d.payload_id,
                    "body": d.body,
                    "delivery": delivery,
                })
            })
            .collect(),
    )
}

async fn outbox(State(shared): State<Shared>) -> Response {
    let docs = shared.store().outbox().to_vec();
    json(docs_json(&docs))
}

async fn tick(State(shared): State<Shared>) -> Response {
    json(docs_json(&shared.tick()))
}
