//! Nordfast Industrial: a Nordic/German industrial supplier (fasteners, bearings, tools) that
//! trades in OASIS UBL 2.1 documents as profiled by Peppol BIS 3, over plain HTTP.
//!
//! Every business endpoint needs the credential given in [`NordfastConfig`] (HTTP basic auth
//! or a bearer token; anything else is `401` with `WWW-Authenticate`). Bodies are UBL XML
//! (`application/xml`); element prefixes, whitespace and namespace declarations in the buyer's
//! documents may be chosen freely, only the local names and the root namespace count. Every
//! response carries a `Date` header from the backend's *simulated* clock, so a client can judge
//! quotation validity by the supplier's time. Nordfast sells in EUR only and delivers to DE, AT,
//! CH, DK, SE, NO and NL.
//!
//! # Endpoints
//!
//! | Method and path | Request | Answer |
//! |---|---|---|
//! | `GET /catalogue?q=&page=1&page_size=20&in_stock=true&category=` | query | `Catalogue` page |
//! | `GET /catalogue/items?id=NF-10001&id=…&gtin=…` | query | `Catalogue` with the known items |
//! | `GET /availability?id=…&gtin=…` | query | the same, read for stock (see below) |
//! | `POST /rfq` | `RequestForQuotation` | `Quotation` |
//! | `GET /quotations/{id}` | – | the `Quotation` as issued |
//! | `POST /orders` | `Order` | `OrderResponse` (AP, CA or RE) |
//! | `GET /orders/{id}` | – | the order's latest `OrderResponse` |
//! | `GET /orders?buyer_po=PO-1` | – | the same, found by the buyer's PO |
//! | `GET /orders/{id}/despatch-advices` | – | `nf:DocumentList` of `DespatchAdvice` |
//! | `GET /orders/{id}/invoices` | – | `nf:DocumentList` of `Invoice` |
//! | `POST /order-cancellations` | `OrderCancellation` | `OrderResponse` AP or RE |
//! | `GET /_sim/nordfast/outbox` | – | `nf:DocumentList` of every pushed document |
//! | `POST /_sim/nordfast/restock` | – | `nf:DocumentList` of the documents this pushed |
//!
//! The `/_sim/nordfast/*` endpoints need no credential, like the shared [`sim`](crate::sim)
//! control endpoints (clock, injected failures, delays), which are mounted as well.
//!
//! ## Catalogue
//! Search matches every query word case-insensitively against name, description and keywords;
//! "bolt" also finds "screw" and "Schraube", "nut" finds "Mutter", "hex" finds "hexagon" and
//! "Sechskant". `category` (repeatable) is a UNSPSC code or prefix, or one of Nordfast's own
//! categories `fasteners`, `bearings`, `tools`. Pages follow the item id order; the page facts
//! are in the headers `X-Page`, `X-Page-Size`, `X-Page-Count` and `X-Total-Count` (a UBL
//! Catalogue has no paging elements). `page_size` is 1 to 50.
//!
//! Each `CatalogueLine` has `OrderableUnit` (always `C62`), `MinimumOrderQuantity` and
//! `OrderQuantityIncrementNumeric` where the item has them, and one
//! `RequiredItemLocationQuantity` per price break (`MinimumQuantity`, `MaximumQuantity`,
//! `LeadTimeMeasure unitCode="DAY"`, `Price` with `PriceAmount currencyID="EUR"` for
//! `BaseQuantity`, and for index-priced items a `Price/ValidityPeriod` ending when the price
//! changes next). Stock is not part of a UBL catalogue: Nordfast carries it as
//! `cac:AdditionalItemProperty` whose `cbc:NameCode listID="nordfast-availability"` is
//! `on-hand` (`ValueQuantity`), `next-restock-date` (`Value`, a date) or
//! `next-restock-quantity`. Technical attributes are further `AdditionalItemProperty`s without
//! that `NameCode`. `/availability` reads the same live state as `/catalogue/items`.
//!
//! ## Quotations
//! A `Quotation` is firm: `ValidityPeriod/EndDate`+`EndTime` is 48 hours after issue on the
//! simulated clock. Lines (`QuotationLine/LineItem`, `ID` = the RFQ line's id) carry
//! `Quantity`, `LineExtensionAmount`, `Price`/`BaseQuantity` and a `PromisedDeliveryPeriod`;
//! quantities below an item's minimum or off its increment are raised (note
//! `QUANTITY-CHANGED: …`), lines short of stock say `BACKORDER: …`. Freight of 9.90 EUR
//! (`AllowanceCharge`, reason code `FC`) applies below 150.00 EUR of lines; VAT is charged on
//! lines and freight (DE 19 % `S`; AT, DK, SE, NL 0 % `K`; CH, NO 0 % `G`), rounded once on the
//! total; `QuotedMonetaryTotal` adds up to the cent.
//!
//! ## Orders
//! `cbc:ID` is the buyer's PO and `cbc:UUID` the idempotency key: the same UUID with the same
//! content returns the stored `OrderResponse` byte for byte, never a second order; the same UUID
//! with other content is `409 idempotency-conflict`, a PO already used under another UUID is
//! `409 duplicate-buyer-po`. A `QuotationDocumentReference` makes the quoted prices binding
//! while the quotation is valid; after it expired the order is stored as rejected (`RE`, order
//! note `QUOTATION-EXPIRED: …`, every line `7`). Otherwise each line is priced at today's break
//! price and checked:
//! - the price differs from the line's `Price` → status `3`, note `PRICE-CHANGED: …`, and
//!   `Price/PriceChangeReason`;
//! - the quantity breaks the order rules → raised, status `3`, note `QUANTITY-CHANGED: ordered
//!   N C62, confirmed M C62 …`;
//! - not enough stock → backordered: status `3`, note `BACKORDER: …`, and a second
//!   `LineItem/Delivery` with the waiting quantity and a later `PromisedDeliveryPeriod`
//!   (restock date plus lead time). With `BackOrderAllowedIndicator` false the quantity is cut
//!   to the stock (`QUANTITY-CHANGED`) or the line is not accepted (`7`, `NOT-ACCEPTED: …`);
//!   with `PartialDeliveryIndicator` false on any line the whole order waits for the restock;
//! - delivery later than `Delivery/RequestedDeliveryPeriod/EndDate` → status `3`, note
//!   `DATE-CHANGED: …`;
//! - unknown item → status `7`.
//!
//! `OrderResponseCode` is `AP` when every line is `5`, `RE` when every line is `7`, otherwise
//! `CA`. Accepted quantities leave stock at once; what is in stock is despatched at once: a
//! `DespatchAdvice` (carrier, `TrackingID`, SSCC, lot numbers, `OutstandingQuantity` for the
//! backordered rest) and an EN 16931 `Invoice` for the despatched quantities (freight on the
//! first invoice) are pushed to the buyer (see the outbox).
//!
//! ## Cancellation
//! UBL `OrderCancellation` cancels a whole order, named by `OrderReference/SalesOrderID` or
//! `OrderReference/ID` (the buyer PO). The answer is an `OrderResponse` with an
//! `AdditionalDocumentReference` (`DocumentType` `OrderCancellation`) and code `AP` (cancelled,
//! note `CANCELLED: …`) or `RE` (refused because something was already despatched or the order
//! was rejected, note `REFUSED: …`). The same cancellation `ID` again returns the same answer.
//!
//! ## Pushed documents
//! Documents Nordfast would push to the buyer's access point are kept in an outbox
//! ([`NordfastBackend::pushed_documents`], `GET /_sim/nordfast/outbox`).
//! [`NordfastBackend::restock`] (`POST /_sim/nordfast/restock`) receives every restock that is
//! due on the simulated clock (the sold-out stainless screw `NF-10004` restocks 21 days after
//! start) and releases waiting orders: a new `OrderResponse`, a `DespatchAdvice` and an
//! `Invoice` each.
//!
//! ## Errors
//! Errors are a Peppol Message Level Response (`ApplicationResponse`, `ResponseCode` `RE`) whose
//! `cac:Status/cbc:StatusReasonCode listID="nordfast"` says what went wrong: `invalid-document`
//! and `invalid-parameter` (400), `unknown-item`, `unknown-order`, `unknown-quotation` (404),
//! `idempotency-conflict`, `duplicate-buyer-po` (409), `unsupported-currency`, `undeliverable`
//! (422); `Description` explains it. The shared gate answers `429` (with `Retry-After`) and
//! injected failures in plain text.
//!
//! ## Prices that move
//! The tapered roller bearing `NF-50003` is priced on a steel index that rises 2 % every full
//! simulated hour after start (compounded, rounded to 0.001 EUR, at most a week of rises), so an
//! order at an old price without a quotation gets `CA` with line status `3` and the new price.

mod catalogue;
mod documents;
mod numbers;
mod state;

pub use state::PushedDocument;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::sim::{self, RunningBackend, SimControl};
use state::{ApiError, Store};

/// Largest page of a catalogue search.
pub const MAX_PAGE_SIZE: usize = 50;
/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// How clients must authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NordfastAuth {
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
}

impl NordfastAuth {
    /// The exact `Authorization` header value a client must send.
    pub fn header_value(&self) -> String {
        match self {
            NordfastAuth::Basic { username, password } => {
                format!(
                    "Basic {}",
                    numbers::base64(format!("{username}:{password}").as_bytes())
                )
            }
            NordfastAuth::Bearer(token) => format!("Bearer {token}"),
        }
    }
}

/// How to start the backend.
#[derive(Debug, Clone)]
pub struct NordfastConfig {
    /// The credential every business request must carry.
    pub auth: NordfastAuth,
    /// Clock, rate limit and fault injection; a fresh default control unless given.
    pub control: SimControl,
}

impl NordfastConfig {
    /// Require HTTP basic auth with these credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        NordfastConfig {
            auth: NordfastAuth::Basic {
                username: username.into(),
                password: password.into(),
            },
            control: SimControl::default(),
        }
    }

    /// Require this bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        NordfastConfig {
            auth: NordfastAuth::Bearer(token.into()),
            control: SimControl::default(),
        }
    }

    /// Use this control (for a custom rate limit).
    pub fn with_control(mut self, control: SimControl) -> Self {
        self.control = control;
        self
    }
}

/// One order as tests and the demo see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    /// Nordfast's order id.
    pub order_id: String,
    /// The buyer's PO.
    pub buyer_po: String,
    /// The idempotency key it was placed with.
    pub uuid: String,
    /// UNCL4343 code of its current state: `AP`, `CA` or `RE`.
    pub response_code: String,
    /// Whether a cancellation was accepted.
    pub cancelled: bool,
    /// The device or agent named in `OriginatorCustomerParty`.
    pub originator: Option<String>,
    /// The delivery location GLN from `Delivery/DeliveryLocation/ID`.
    pub delivery_location: Option<String>,
    /// DespatchAdvices issued.
    pub despatches: usize,
    /// Invoices issued.
    pub invoices: usize,
}

#[derive(Debug, Clone)]
struct Shared {
    store: Arc<Mutex<Store>>,
    control: SimControl,
    authorization: Arc<str>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic in one handler must not take the whole simulated supplier down.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> i64 {
        self.control.now_ms()
    }
}

/// A running Nordfast backend with read-only inspection of its state.
#[derive(Debug)]
pub struct NordfastBackend {
    running: RunningBackend,
    shared: Shared,
}

impl NordfastBackend {
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

    /// Orders placed so far (rejected ones included).
    pub fn order_count(&self) -> usize {
        self.shared.store().orders().len()
    }

    /// Orders with this buyer PO (at most one, since POs are unique).
    pub fn orders_for_buyer_po(&self, buyer_po: &str) -> Vec<OrderSummary> {
        self.shared
            .store()
            .orders()
            .iter()
            .filter(|o| o.buyer_po == buyer_po)
            .map(|o| OrderSummary {
                order_id: o.id.clone(),
                buyer_po: o.buyer_po.clone(),
                uuid: o.uuid.clone(),
                response_code: o.code.clone(),
                cancelled: o.cancelled,
                originator: o.buyer.originator.clone(),
                delivery_location: o.location_gln.clone(),
                despatches: o.despatch_advices.len(),
                invoices: o.invoices.len(),
            })
            .collect()
    }

    /// Pieces of an item on hand; `None` for an unknown item.
    pub fn stock_of(&self, item_id: &str) -> Option<u64> {
        self.shared.store().on_hand(item_id)
    }

    /// Every document pushed to the buyer so far, oldest first.
    pub fn pushed_documents(&self) -> Vec<PushedDocument> {
        self.shared.store().outbox().to_vec()
    }

    /// Receive due restocks and release waiting orders; the documents this pushed.
    pub fn restock(&self) -> Vec<PushedDocument> {
        let now = self.shared.now();
        self.shared.store().restock(now)
    }
}

/// Start a Nordfast backend on 127.0.0.1 (ephemeral port). Must run inside a tokio runtime.
pub async fn start(config: NordfastConfig) -> std::io::Result<NordfastBackend> {
    let control = config.control;
    let shared = Shared {
        store: Arc::new(Mutex::new(Store::new(control.now_ms()))),
        control: control.clone(),
        authorization: Arc::from(config.auth.header_value()),
    };
    let business = Router::new()
        .route("/catalogue", get(search))
        .route("/catalogue/items", get(lookup))
        .route("/availability", get(lookup))
        .route("/rfq", post(rfq))
        .route("/quotations/{id}", get(quotation))
        .route("/orders", post(place_order).get(order_by_po))
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/despatch-advices", get(despatch_advices))
        .route("/orders/{id}/invoices", get(invoices))
        .route("/order-cancellations", post(cancel))
        .route_layer(middleware::from_fn_with_state(shared.clone(), authenticate));
    let simulation = Router::new()
        .route("/_sim/nordfast/outbox", get(outbox))
        .route("/_sim/nordfast/restock", post(restock));
    let app = business
        .merge(simulation)
        .layer(middleware::from_fn_with_state(shared.clone(), date_header))
        .with_state(shared.clone());
    let running = sim::serve(app, control).await?;
    Ok(NordfastBackend { running, shared })
}

async fn authenticate(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let ok = given
        .is_some_and(|g| constant_time_eq(g.trim().as_bytes(), shared.authorization.as_bytes()));
    if ok {
        return next.run(request).await;
    }
    let text = if given.is_some() {
        "the credential in Authorization is not valid for Nordfast"
    } else {
        "Nordfast needs an Authorization header (basic auth or a bearer token)"
    };
    let mut response = sim::error_response(StatusCode::UNAUTHORIZED, text);
    let challenge = if shared.authorization.starts_with("Basic") {
        "Basic realm=\"nordfast\""
    } else {
        "Bearer realm=\"nordfast\""
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn date_header(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Ok(v) = HeaderValue::from_str(&numbers::http_date(shared.now())) {
        response.headers_mut().insert(header::DATE, v);
    }
    response
}

fn xml_response(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/xml; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_else(|_| sim::error_response(StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

fn error(shared: &Shared, e: &ApiError) -> Response {
    let now = shared.now();
    let id = format!("NF-MLR-{now}");
    xml_response(e.status, documents::application_response(&id, now, e))
}

type Params = Query<Vec<(String, String)>>;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn all_params(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn number_param(
    params: &[(String, String)],
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match param(params, name) {
        None => Ok(default),
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            ApiError::invalid_parameter(format!(
                "query parameter {name}={v:?} is not a whole number"
            ))
        }),
    }
}

fn bool_param(params: &[(String, String)], name: &str) -> Result<bool, ApiError> {
    match param(params, name).map(str::trim) {
        None | Some("false" | "0" | "") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(v) => Err(ApiError::invalid_parameter(format!(
            "query parameter {name}={v:?} must be true or false"
        ))),
    }
}

async fn search(State(shared): State<Shared>, Query(params): Params) -> Response {
    let parsed = (|| {
        let page = number_param(&params, "page", 1)?;
        let size = number_param(&params, "page_size", DEFAULT_PAGE_SIZE)?;
        if page == 0 {
            return Err(ApiError::invalid_parameter("page starts at 1"));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(ApiError::invalid_parameter(format!(
                "page_size must be 1 to {MAX_PAGE_SIZE}, not {size}"
            )));
        }
        Ok((page, size, bool_param(&params, "in_stock")?))
    })();
    let (page, size, in_stock) = match parsed {
        Ok(p) => p,
        Err(e) => return error(&shared, &e),
    };
    let text = param(&params, "q").map(str::trim).filter(|q| !q.is_empty());
    let categories = all_params(&params, "category");
    let now = shared.now();
    let store = shared.store();
    let hits = store.search(text, &categories, in_stock);
    let total = hits.len();
    let page_count = total.div_ceil(size);
    let entries: Vec<_> = hits
        .into_iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|i| store.entry(i, now))
        .collect();
    let body = documents::catalogue(&format!("NF-CAT-{now}-P{page}"), now, &entries);
    let mut response = xml_response(StatusCode::OK, body);
    for (name, value) in [
        ("x-page", page),
        ("x-page-size", size),
        ("x-page-count", page_count),
        ("x-total-count", total),
    ] {
        response
            .headers_mut()
            .insert(name, HeaderValue::from(value));
    }
    response
}

async fn lookup(State(shared): State<Shared>, Query(params): Params) -> Response {
    let ids = all_params(&params, "id");
    let gtins = all_params(&params, "gtin");
    if ids.is_empty() && gtins.is_empty() {
        return error(
            &shared,
            &ApiError::invalid_parameter("name at least one item with id= or gtin="),
        );
    }
    let now = shared.now();
    let store = shared.store();
    let entries: Vec<_> = store
        .lookup(&ids, &gtins)
        .into_iter()
        .map(|i| store.entry(i, now))
        .collect();
    xml_response(
        StatusCode::OK,
        documents::catalogue(&format!("NF-CAT-{now}"), now, &entries),
    )
}

async fn rfq(State(shared): State<Shared>, body: String) -> Response {
    let now = shared.now();
    let result = documents::read_rfq(&body).and_then(|doc| shared.store().quote(doc, now));
    match result {
        Ok(xml) => xml_response(StatusCode::OK, xml),
        Err(e) => error(&shared, &e),
    }
}

async fn quotation(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let found = shared.store().quotation(&id).map(|q| q.xml.clone());
    match found {
        Some(xml) => xml_response(StatusCode::OK, xml),
        None => error(&shared, &ApiError::unknown_quotation(&id)),
    }
}

async fn place_order(State(shared): State<Shared>, body: String) -> Response {
    let now = shared.now();
    let result = documents::read_order(&body).and_then(|doc| shared.store().place_order(doc, now));
    match result {
        Ok(xml) => xml_response(StatusCode::OK, xml),
        Err(e) => error(&shared, &e),
    }
}

async fn order(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let found = shared
        .store()
        .order(&id)
        .map(|o| o.current_response.clone());
    match found {
        Some(xml) => xml_response(StatusCode::OK, xml),
        None => error(&shared, &ApiError::unknown_order(&id)),
    }
}

async fn order_by_po(State(shared): State<Shared>, Query(params): Params) -> Response {
    let Some(po) = param(&params, "buyer_po").filter(|p| !p.trim().is_empty()) else {
        return error(
            &shared,
            &ApiError::invalid_parameter("GET /orders needs buyer_po=<the buyer's PO>"),
        );
    };
    let found = shared
        .store()
        .order_by_po(po.trim())
        .map(|o| o.current_response.clone());
    match found {
        Some(xml) => xml_response(StatusCode::OK, xml),
        None => error(
            &shared,
            &ApiError::unknown_order(&format!("with buyer PO {}", po.trim())),
        ),
    }
}

async fn despatch_advices(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let found = shared
        .store()
        .order(&id)
        .map(|o| o.despatch_advices.clone());
    match found {
        Some(docs) => {
            let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
            xml_response(StatusCode::OK, documents::document_list(&refs))
        }
        None => error(&shared, &ApiError::unknown_order(&id)),
    }
}

async fn invoices(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let found = shared.store().order(&id).map(|o| o.invoices.clone());
    match found {
        Some(docs) => {
            let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
            xml_response(StatusCode::OK, documents::document_list(&refs))
        }
        None => error(&shared, &ApiError::unknown_order(&id)),
    }
}

async fn cancel(State(shared): State<Shared>, body: String) -> Response {
    let now = shared.now();
    let result =
        documents::read_cancellation(&body).and_then(|doc| shared.store().cancel(doc, now));
    match result {
        Ok(xml) => xml_response(StatusCode::OK, xml),
        Err(e) => error(&shared, &e),
    }
}

async fn outbox(State(shared): State<Shared>) -> Response {
    let docs = shared.store().outbox().to_vec();
    let refs: Vec<&str> = docs.iter().map(|d| d.xml.as_str()).collect();
    xml_response(StatusCode::OK, documents::document_list(&refs))
}

async fn restock(State(shared): State<Shared>) -> Response {
    let now = shared.now();
    let docs = shared.store().restock(now);
    let refs: Vec<&str> = docs.iter().map(|d| d.xml.as_str()).collect();
    xml_response(StatusCode::OK, documents::document_list(&refs))
}
