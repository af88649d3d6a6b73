//! Keystone Industrial: a North-American industrial distributor (safety supplies, fasteners,
//! hose, tape, bearings) that trades ANSI ASC X12 004010 interchanges over HTTP the way AS2
//! does, without AS2's S/MIME layer. It sells in USD and ships to the US and Canada.
//!
//! Business endpoints need `Authorization: Bearer <partner key>` ([`KeystoneConfig::partner_key`]);
//! anything else is `401`. X12 travels as `application/edi-x12`; delimiters are read from each
//! ISA header. Keystone's interchange id is [`KEYSTONE_ID`]; an interchange from another sender
//! than the configured trading partner ([`KeystoneConfig::partner_id`]) is `403`.
//!
//! # Endpoints
//!
//! | Method and path | Request | Answer |
//! |---|---|---|
//! | `POST /as2` | interchange of 850s (GS `PO`) and/or 997s (GS `FA`) | `200` 997 for the 850 groups; `202` when it held only 997s; `409` TA1 `025` or `duplicate-buyer-po`; `400` not X12 |
//! | `GET /catalog/832` | – | the 832 Price/Sales Catalog, stock as of now |
//! | `GET /orders/{po or sales order}/855` | – | interchange with the order's latest 855 |
//! | `GET /orders/{po or sales order}/856` | – | interchange with every 856 of the order (none yet: an empty group) |
//! | `GET /_sim/keystone/outbox` | – | JSON list of every 855/856 produced, with its delivery |
//! | `GET /_sim/keystone/acks` | – | JSON list of the 997s the buyer sent back |
//! | `POST /_sim/keystone/run` | – | ship what is due on the simulated clock now; JSON of the documents produced |
//!
//! The shared [`sim`](crate::sim) control endpoints are mounted too; the `/_sim` endpoints need
//! no credential.
//!
//! ## 850 in, 997 out
//! Each 850 is checked against Keystone's implementation guide (BEG01 `00`/`05`, BEG02
//! `SA`/`NE`/`KN`, BEG03 1–22 characters, BEG05 a date, CUR02 `USD`, an `N1*ST` loop whose N402
//! is a US state or Canadian province and N403 a ZIP code or Canadian postal code, PO1 with a
//! number in PO102, a unit of `EA BX CA PK FT RL PR DZ LB` in PO103 and known qualifiers, CTT01
//! the PO1 count) and the envelope counts (SE01, GE01) and control numbers. The 997 answers
//! every group: `AK5*A`, or `AK3`/`AK4` naming the first error with `AK5*R`; `AK9` A, P or R.
//!
//! ## Idempotency
//! `REF*ZZ*IDEMPOTENCY*<key>` identifies an order (without it, the sender and ISA13). The same
//! key with the same 850 (only BEG05, the PO date, may differ) books nothing new and answers the
//! 997 again; the same key with another 850 is refused whole with `409` and a TA1 whose TA105 is
//! `025` (duplicate interchange control number); a PO already booked under another key is `409`
//! `duplicate-buyer-po: …`.
//!
//! ## 855 and 856
//! An accepted 850 is booked at once and acknowledged by an 855 (`BAK02` `AD` all accepted, `AC`
//! with changes, `RJ` all rejected; `BAK08` the sales order number `KS-SO-nnnnnn`). Per line:
//! `IA` from stock (scheduled ship date `068`), `IP` when the PO104 price is not Keystone's
//! price break (the 855 carries Keystone's price), `IB` for what stock cannot cover (with the
//! restock date), or with `CSH*N` `IQ`/`IR` (cut to stock), `IR` for unknown items, a unit
//! other than the item's, or a ship-to outside the US and Canada. Stock leaves at booking.
//!
//! [`KeystoneConfig::ship_after`] (one day) after the order, on the simulated clock, the stock
//! part ships: an 856 (BSN, HL S/O/P/I, `TD5` UPS Ground, `REF*CN` tracking number, `MAN*GM`
//! SSCC-18, `SN1` with quantity shipped to date and ordered). Backordered lines ship in a later
//! 856 once their restock arrived (`KI-10030` 5 days, `KI-40020` 10 days after start). With
//! `CSH*SC` the order waits and ships complete. A ticker checks the clock every 50 ms, so
//! `POST /_sim/clock/advance` alone makes the 856s; `POST /_sim/keystone/run` does it at once.
//!
//! ## Pushing
//! Every 855 and 856 is kept in the outbox and, when a push target is set
//! ([`KeystoneConfig::push_to`] or [`KeystoneBackend::set_push_target`]), POSTed to it in order
//! as `application/edi-x12` with `X-Keystone-Signature: sha256=<hex HMAC-SHA256 of the body
//! under the push secret>`, `AS2-From`/`AS2-To`, and the configured extra headers (for the
//! buyer's own authentication). A 997 in the reply is recorded ([`KeystoneBackend::acks_received`]),
//! as are 997s POSTed to `/as2`.

mod catalog;
mod store;
mod x12;

pub use store::{BookedLine, BookedOrder, Delivery, OutboxDocument, ReceivedAck};

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::sim::{self, RunningBackend, SimControl};
use store::Store;

/// Keystone's X12 interchange id.
pub const KEYSTONE_ID: &str = "KEYSTONE";
/// The push secret a default configuration signs with.
pub const DEFAULT_PUSH_SECRET: &[u8] = b"keystone-test-push-secret";
/// The header carrying a push's signature.
pub const SIGNATURE_HEADER: &str = "X-Keystone-Signature";
/// The X12 media type.
pub const X12_MEDIA_TYPE: &str = "application/edi-x12";

/// Where pushed documents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// `http://host:port/path` the documents are POSTed to.
    pub url: String,
    /// Extra headers on every push, e.g. `("Authorization", "Bearer <gateway key>")`.
    pub headers: Vec<(String, String)>,
}

/// How to start the backend.
#[derive(Debug, Clone)]
pub struct KeystoneConfig {
    /// The bearer key every business request must carry.
    pub partner_key: String,
    /// The buyer's X12 interchange id (ISA06 of its 850s, ISA08 of Keystone's documents).
    pub partner_id: String,
    /// Secret the pushes are signed with.
    pub push_secret: Vec<u8>,
    /// Where to push 855s and 856s; none = keep them in the outbox only.
    pub push_to: Option<PushTarget>,
    /// How long after an order its stock part ships, on the simulated clock.
    pub ship_after: Duration,
    /// Clock, rate limit and fault injection.
    pub control: SimControl,
}

impl KeystoneConfig {
    /// A partner with this key and interchange id, the default push secret, no push target.
    pub fn new(partner_key: impl Into<String>, partner_id: impl Into<String>) -> Self {
        KeystoneConfig {
            partner_key: partner_key.into(),
            partner_id: partner_id.into(),
            push_secret: DEFAULT_PUSH_SECRET.to_vec(),
            push_to: None,
            ship_after: Duration::from_secs(86_400),
            control: SimControl::default(),
        }
    }

    /// Push documents to `url` with these extra headers.
    pub fn push_to(mut self, url: impl Into<String>, headers: &[(&str, &str)]) -> Self {
        self.push_to = Some(PushTarget {
            url: url.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
                .collect(),
        });
        self
    }

    /// Use this control.
    pub fn with_control(mut self, control: SimControl) -> Self {
        self.control = control;
        self
    }
}

#[derive(Debug, Clone)]
struct Shared {
    store: Arc<Mutex<Store>>,
    control: SimControl,
    partner_key: Arc<str>,
    push: mpsc::UnboundedSender<usize>,
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    // A panic in one handler must not take the whole simulated supplier down.
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    fn enqueue(&self, seqs: &[usize]) {
        for seq in seqs {
            let _ = self.push.send(*seq);
        }
    }
}

/// A running Keystone backend with inspection of its state.
#[derive(Debug)]
pub struct KeystoneBackend {
    running: RunningBackend,
    shared: Shared,
    target: Arc<Mutex<Option<PushTarget>>>,
    secret: Arc<[u8]>,
}

impl KeystoneBackend {
    /// The server (address, base URL, control).
    pub fn running(&self) -> &RunningBackend {
        &self.running
    }

    /// `http://127.0.0.1:port`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// Clock, failures, delays.
    pub fn control(&self) -> &SimControl {
        self.running.control()
    }

    /// Push to this target from now on (none = stop pushing); documents produced earlier and
    /// not delivered stay in the outbox.
    pub fn set_push_target(&self, target: Option<PushTarget>) {
        *self.target.lock().unwrap_or_else(PoisonError::into_inner) = target;
    }

    /// Orders booked so far.
    pub fn orders(&self) -> Vec<BookedOrder> {
        self.shared.store().orders().to_vec()
    }

    /// The order with this buyer PO.
    pub fn order(&self, po: &str) -> Option<BookedOrder> {
        self.shared
            .store()
            .orders()
            .iter()
            .find(|o| o.po == po)
            .cloned()
    }

    /// Every 855 and 856 produced, oldest first, with its delivery.
    pub fn outbox(&self) -> Vec<OutboxDocument> {
        self.shared.store().outbox().to_vec()
    }

    /// 997s the buyer sent back, oldest first.
    pub fn acks_received(&self) -> Vec<ReceivedAck> {
        self.shared.store().acks().to_vec()
    }

    /// Units of an item in stock; none for an unknown SKU.
    pub fn stock_of(&self, sku: &str) -> Option<u64> {
        self.shared.store().stock_of(sku)
    }

    /// Ship what is due on the simulated clock now; the documents this produced (and queued).
    pub fn run_due(&self) -> Vec<OutboxDocument> {
        let now = self.shared.control.now_ms();
        let seqs = self.shared.store().tick(now);
        self.shared.enqueue(&seqs);
        let store = self.shared.store();
        seqs.iter()
            .filter_map(|s| store.outbox().get(s - 1).cloned())
            .collect()
    }

    /// Wait until every outbox document has a delivery outcome (or `timeout` passes);
    /// whether they all do.
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

    /// The `X-Keystone-Signature` value for any body, to build hand-made pushes in tests.
    pub fn signature(&self, body: &[u8]) -> String {
        signature(&self.secret, body)
    }
}

fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Start a Keystone backend on 127.0.0.1 (ephemeral port). Must run inside a tokio runtime.
pub async fn start(config: KeystoneConfig) -> std::io::Result<KeystoneBackend> {
    let control = config.control;
    let store = Arc::new(Mutex::new(Store::new(
        control.now_ms(),
        KEYSTONE_ID.to_string(),
        config.partner_id.clone(),
        i64::try_from(config.ship_after.as_millis()).unwrap_or(i64::MAX),
    )));
    let (tx, rx) = mpsc::unbounded_channel();
    let shared = Shared {
        store: store.clone(),
        control: control.clone(),
        partner_key: Arc::from(format!("Bearer {}", config.partner_key)),
        push: tx,
    };
    let target = Arc::new(Mutex::new(config.push_to));
    let secret: Arc<[u8]> = Arc::from(config.push_secret);
    tokio::spawn(deliver(
        Arc::downgrade(&store),
        rx,
        target.clone(),
        secret.clone(),
        config.partner_id,
    ));
    tokio::spawn(ticker(
        Arc::downgrade(&store),
        control.clone(),
        shared.push.clone(),
    ));
    let business = Router::new()
        .route("/as2", post(as2))
        .route("/catalog/832", get(catalog_832))
        .route("/orders/{id}/855", get(latest_855))
        .route("/orders/{id}/856", get(ship_notices))
        .route_layer(middleware::from_fn_with_state(shared.clone(), authenticate));
    let simulation = Router::new()
        .route("/_sim/keystone/outbox", get(outbox))
        .route("/_sim/keystone/acks", get(acks))
        .route("/_sim/keystone/run", post(run));
    let app = business.merge(simulation).with_state(shared.clone());
    let running = sim::serve(app, control).await?;
    Ok(KeystoneBackend {
        running,
        shared,
        target,
        secret,
    })
}

/// Ships what the clock makes due; ends when the backend is gone.
async fn ticker(
    store: Weak<Mutex<Store>>,
    control: SimControl,
    push: mpsc::UnboundedSender<usize>,
) {
    let mut interval = tokio::time::interval(Duration::from_millis(50));
    loop {
        interval.tick().await;
        let Some(store) = store.upgrade() else { return };
        let seqs = lock(&store).tick(control.now_ms());
        for seq in seqs {
            let _ = push.send(seq);
        }
    }
}

/// Pushes outbox documents in order; ends when every sender is gone.
async fn deliver(
    store: Weak<Mutex<Store>>,
    mut rx: mpsc::UnboundedReceiver<usize>,
    target: Arc<Mutex<Option<PushTarget>>>,
    secret: Arc<[u8]>,
    partner_id: String,
) {
    while let Some(seq) = rx.recv().await {
        let Some(store) = store.upgrade() else { return };
        let body = lock(&store).outbox_mut(seq).map(|d| d.body.clone());
        let Some(body) = body else { continue };
        let target = target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let outcome = match target {
            None => Delivery::NotConfigured,
            Some(t) => {
                let mut headers = vec![
                    ("Content-Type".to_string(), X12_MEDIA_TYPE.to_string()),
                    (
                        SIGNATURE_HEADER.to_string(),
                        signature(&secret, body.as_bytes()),
                    ),
                    ("AS2-From".to_string(), KEYSTONE_ID.to_string()),
                    ("AS2-To".to_string(), partner_id.clone()),
                ];
                headers.extend(t.headers.iter().cloned());
                match crate::push::post(&t.url, &headers, body.as_bytes()).await {
                    Ok(reply) => {
                        if let Ok(text) = std::str::from_utf8(&reply.body)
                            && let Ok(x) = x12::parse(text)
                        {
                            lock(&store).record_acks(&x, true);
                        }
                        Delivery::Answered(reply.status)
                    }
                    Err(e) => {
                        tracing::warn!("Keystone push of document {seq} failed: {e}");
                        Delivery::Failed(e)
                    }
                }
            }
        };
        if let Some(d) = lock(&store).outbox_mut(seq) {
            d.delivery = outcome;
        }
    }
}

async fn authenticate(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let ok = given.is_some_and(|g| {
        g.len() == shared.partner_key.len()
            && g.bytes()
                .zip(shared.partner_key.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if ok {
        next.run(request).await
    } else {
        sim::error_response(
            StatusCode::UNAUTHORIZED,
            "Keystone needs the trading partner's key as Authorization: Bearer <key>",
        )
    }
}

fn x12_response(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, X12_MEDIA_TYPE)
        .body(Body::from(body))
        .unwrap_or_else(|_| sim::error_response(StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

async fn as2(State(shared): State<Shared>, body: String) -> Response {
    let x = match x12::parse(&body) {
        Ok(x) => x,
        Err(e) => return sim::error_response(StatusCode::BAD_REQUEST, e),
    };
    let now = shared.control.now_ms();
    let answer = {
        let mut store = shared.store();
        if x.receiver != store.keystone_id || x.sender != store.partner_id {
            return sim::error_response(
                StatusCode::FORBIDDEN,
                format!(
                    "interchange from {:?} to {:?}: Keystone trades only with its partner {:?}",
                    x.sender, x.receiver, store.partner_id
                ),
            );
        }
        store.receive(&x, now)
    };
    shared.enqueue(&answer.produced);
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    match answer.status {
        202 => StatusCode::ACCEPTED.into_response(),
        409 if !answer.body.starts_with("ISA") => sim::error_response(status, answer.body),
        _ => x12_response(status, answer.body),
    }
}

async fn catalog_832(State(shared): State<Shared>) -> Response {
    let now = shared.control.now_ms();
    let body = shared.store().catalog_832(now);
    x12_response(StatusCode::OK, body)
}

fn unknown(id: &str) -> Response {
    sim::error_response(
        StatusCode::NOT_FOUND,
        format!("Keystone has no order with PO or sales order number {id:?}"),
    )
}

async fn latest_855(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    match shared.store().latest_855(&id) {
        Some(body) => x12_response(StatusCode::OK, body),
        None => unknown(&id),
    }
}

async fn ship_notices(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let now = shared.control.now_ms();
    match shared.store().ship_notices(&id, now) {
        Some(body) => x12_response(StatusCode::OK, body),
        None => unknown(&id),
    }
}

fn document_json(d: &OutboxDocument) -> serde_json::Value {
    let delivery = match &d.delivery {
        Delivery::Pending => serde_json::json!({"state": "pending"}),
        Delivery::NotConfigured => serde_json::json!({"state": "not-configured"}),
        Delivery::Answered(status) => serde_json::json!({"state": "answered", "status": status}),
        Delivery::Failed(e) => serde_json::json!({"state": "failed", "error": e}),
    };
    serde_json::json!({
        "seq": d.seq, "kind": d.kind, "po": d.po, "control": d.control,
        "delivery": delivery, "body": d.body,
    })
}

async fn outbox(State(shared): State<Shared>) -> axum::Json<serde_json::Value> {
    let docs: Vec<_> = shared.store().outbox().iter().map(document_json).collect();
    axum::Json(serde_json::Value::Array(docs))
}

async fn acks(State(shared): State<Shared>) -> axum::Json<serde_json::Value> {
    let list: Vec<_> = shared
        .store()
        .acks()
        .iter()
        .map(|a| {
            serde_json::json!({
                "functional_id": a.functional_id, "group_control": a.group_control,
                "code": a.code, "sets": a.sets, "in_reply": a.in_reply,
            })
        })
        .collect();
    axum::Json(serde_json::Value::Array(list))
}

async fn run(State(shared): State<Shared>) -> axum::Json<serde_json::Value> {
    let now = shared.control.now_ms();
    let seqs = shared.store().tick(now);
    shared.enqueue(&seqs);
    let store = shared.store();
    let docs: Vec<_> = seqs
        .iter()
        .filter_map(|s| store.outbox().get(s - 1))
        .map(document_json)
        .collect();
    axum::Json(serde_json::Value::Array(docs))
}
