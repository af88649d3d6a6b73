//! Voltaic's HTTP routes: API-key check, body parsing into Voltaic-style errors, and the
//! idempotency handling of orders, cancellations and returns.

use super::VoltaicConfig;
use super::money::Cur;
use super::store::{Failure, Slot, Store};
use super::wire::{self, ApiError};
use crate::sim::SimControl;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Header carrying the API key.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// Header carrying the idempotency key.
pub(crate) const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Most part numbers one lookup may name.
const MAX_LOOKUP_TERMS: usize = 10;
/// Largest search page.
const MAX_RECORDS: u32 = 50;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    /// The state.
    pub store: Arc<Mutex<Store>>,
    /// Clock and fault injection.
    pub control: SimControl,
    /// Keys and delays.
    pub config: Arc<VoltaicConfig>,
}

impl App {
    /// The store, with restocks due by now booked.
    fn store(&self) -> (MutexGuard<'_, Store>, i64) {
        let now = self.control.now_ms();
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.tick(now);
        (store, now)
    }
}

/// The router with every business and Voltaic-specific control route.
pub(crate) fn router(app: App) -> Router {
    let api = Router::new()
        .route("/api/v1/search/keyword", post(search_keyword))
        .route("/api/v1/search/partnumber", post(search_partnumber))
        .route("/api/v1/cart", post(create_cart))
        .route("/api/v1/cart/{key}", get(get_cart))
        .route("/api/v1/order", post(place_order))
        .route("/api/v1/orders", get(orders_by_po))
        .route("/api/v1/order/{number}", get(get_order))
        .route("/api/v1/order/{number}/cancel", post(cancel_order))
        .route("/api/v1/order/{number}/shipments", get(shipments))
        .route("/api/v1/order/{number}/invoices", get(invoices))
        .route("/api/v1/order/{number}/returns", post(create_return))
        .route_layer(middleware::from_fn_with_state(app.clone(), require_api_key));
    let sim = Router::new()
        .route("/_sim/voltaic/webhooks/{number}", get(webhooks))
        .route(
            "/_sim/voltaic/webhooks/{number}/latest",
            get(latest_webhook),
        );
    api.merge(sim).with_state(app)
}

async fn require_api_key(State(app): State<App>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok());
    match given {
        Some(key) if key == app.config.api_key => next.run(request).await,
        Some(_) => failure(Failure::one(
            401,
            "Unauthorized",
            "the X-Api-Key is not valid",
        )),
        None => failure(Failure::one(
            401,
            "Unauthorized",
            "the X-Api-Key header is missing",
        )),
    }
}

/// A JSON answer.
fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(bytes))
        .unwrap_or_else(|_| status.into_response())
}

/// An error answer.
fn failure(f: Failure) -> Response {
    let mut response = json_response(f.status, &wire::errors_body(&f.errors));
    if let Some(seconds) = f.retry_after
        && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Parses a body as JSON and as `T`, keeping the JSON for idempotency fingerprints.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<(Value, T), Failure> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Failure::one(400, "InvalidRequest", format!("the body is not JSON: {e}")))?;
    let typed = serde_json::from_value(value.clone()).map_err(|e| {
        Failure::one(
            400,
            "InvalidRequest",
            format!("the body does not match the request schema: {e}"),
        )
    })?;
    Ok((value, typed))
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, Failure> {
    headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            let mut e = ApiError::new(
                "IdempotencyKeyRequired",
                "this request needs an Idempotency-Key header",
            );
            e.property_name = Some("Idempotency-Key".into());
            Failure::many(400, vec![e])
        })
}

fn conflict(key: &str) -> Failure {
    Failure::one(
        422,
        "IdempotencyConflict",
        format!("Idempotency-Key {key:?} was already used with a different request body"),
    )
}

fn currency_and_locale(
    currency: Option<&str>,
    locale: Option<&str>,
) -> Result<(Cur, String), Failure> {
    let code = currency.unwrap_or("EUR");
    let cur = Cur::parse(code).ok_or_else(|| {
        Failure::one(
            400,
            "UnsupportedCurrency",
            format!("currency {code:?} is not sold; use EUR or USD"),
        )
    })?;
    let locale = locale.map_or_else(|| cur.default_locale().to_string(), str::to_string);
    Ok((cur, locale))
}

async fn search_keyword(State(app): State<App>, body: Bytes) -> Response {
    let run = || -> Result<Value, Failure> {
        let (_, wire::KeywordEnvelope { request: req }) = parse(&body)?;
        let (cur, locale) =
            currency_and_locale(req.currency_code.as_deref(), req.locale.as_deref())?;
        if req.records == 0 {
            return Err(Failure::one(
                400,
                "InvalidRequest",
                "records must be between 1 and 50",
            ));
        }
        let records = req.records.min(MAX_RECORDS) as usize;
        let in_stock = req
            .search_options
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("InStock"));
        let (store, now) = app.store();
        let hits = store.search(&req.keyword, &req.categories, in_stock);
        let page: Vec<usize> = hits
            .iter()
            .copied()
            .skip(req.starting_record as usize)
            .take(records)
            .collect();
        Ok(wire::search_json(
            &store,
            &page,
            hits.len(),
            cur,
            &locale,
            &[],
            now,
        ))
    };
    match run() {
        Ok(v) => json_response(200, &v),
        Err(f) => failure(f),
    }
}

async fn search_partnumber(State(app): State<App>, body: Bytes) -> Response {
    let run = || -> Result<Value, Failure> {
        let (_, wire::PartEnvelope { request: req }) = parse(&body)?;
        let (cur, locale) =
            currency_and_locale(req.currency_code.as_deref(), req.locale.as_deref())?;
        let terms: Vec<&str> = req
            .part_number
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if terms.is_empty() || terms.len() > MAX_LOOKUP_TERMS {
            return Err(Failure::one(
                400,
                "InvalidRequest",
                format!(
                    "partNumber must name 1 to {MAX_LOOKUP_TERMS} parts separated by '|', got {}",
                    terms.len()
                ),
            ));
        }
        let (store, now) = app.store();
        let mut found = Vec::new();
        let mut errors = Vec::new();
        for term in terms {
            match store.lookup(term) {
                Some(i) if !found.contains(&i) => found.push(i),
                Some(_) => {}
                None => {
                    let mut e = ApiError::new("PartNotFound", format!("no part matches {term:?}"));
                    e.property_name = Some(term.to_string());
                    errors.push(e);
                }
            }
        }
        Ok(wire::search_json(
            &store,
            &found,
            found.len(),
            cur,
            &locale,
            &errors,
            now,
        ))
    };
    match run() {
        Ok(v) => json_response(200, &v),
        Err(f) => failure(f),
    }
}

async fn create_cart(State(app): State<App>, body: Bytes) -> Response {
    let run = || -> Result<Value, Failure> {
        let (_, req) = parse::<wire::CartReq>(&body)?;
        let (mut store, now) = app.store();
        let key = store.create_cart(req, now)?;
        let cart = store
            .carts
            .get(&key)
            .ok_or_else(|| Failure::one(500, "Internal", "cart vanished"))?;
        Ok(wire::cart_json(&store, cart, now))
    };
    match run() {
        Ok(v) => json_response(201, &v),
        Err(f) => failure(f),
    }
}

async fn get_cart(State(app): State<App>, Path(key): Path<String>) -> Response {
    let (store, now) = app.store();
    match store.carts.get(&key) {
        Some(cart) => json_response(200, &wire::cart_json(&store, cart, now)),
        None => failure(Failure::one(
            404,
            "CartNotFound",
            format!("cart {key} does not exist"),
        )),
    }
}

async fn place_order(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let prepared = (|| -> Result<(String, Value, wire::OrderReq), Failure> {
        let key = idempotency_key(&headers)?;
        let (value, req) = parse::<wire::OrderReq>(&body)?;
        Ok((key, value, req))
    })();
    let (key, value, req) = match prepared {
        Ok(p) => p,
        Err(f) => return failure(f),
    };
    {
        let (mut store, now) = app.store();
        match store.order_keys.get(&key) {
            Some(Slot::InFlight(first)) if *first == value => {
                let mut f = Failure::one(
                    409,
                    "IdempotencyInFlight",
                    format!(
                        "an order with Idempotency-Key {key:?} is still being processed; retry shortly"
                    ),
                );
                f.retry_after = Some(1);
                return failure(f);
            }
            Some(Slot::Done(first, index)) if *first == value => {
                let mut response = json_response(200, &wire::order_json(&store, *index, now));
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return response;
            }
            Some(_) => return failure(conflict(&key)),
            None => {
                store
                    .order_keys
                    .insert(key.clone(), Slot::InFlight(value.clone()));
            }
        }
    }
    if !app.config.order_processing_delay.is_zero() {
        tokio::time::sleep(app.config.order_processing_delay).await;
    }
    let (mut store, now) = app.store();
    match store.place_order(req, now) {
        Ok(index) => {
            store.order_keys.insert(key, Slot::Done(value, index));
            let mut answer = wire::order_json(&store, index, now);
            if let Some(po) = &store.dishonesty.answer_with_po {
                answer["PurchaseOrderNumber"] = Value::from(po.clone());
            }
            json_response(201, &answer)
        }
        Err(f) => {
            // A refused order does not consume its key: the buyer may fix the cause and retry.
            store.order_keys.remove(&key);
            failure(f)
        }
    }
}

#[derive(Deserialize)]
struct PoQuery {
    #[serde(rename = "purchaseOrderNumber")]
    purchase_order_number: String,
}

async fn orders_by_po(State(app): State<App>, Query(q): Query<PoQuery>) -> Response {
    let (store, now) = app.store();
    let orders: Vec<Value> = store
        .orders
        .iter()
        .enumerate()
        .filter(|(_, o)| o.po == q.purchase_order_number.trim())
        .map(|(i, _)| wire::order_json(&store, i, now))
        .collect();
    json_response(
        200,
        &serde_json::json!({"PurchaseOrderNumber": q.purchase_order_number, "Orders": orders}),
    )
}

#[derive(Deserialize)]
struct LocaleQuery {
    locale: Option<String>,
}

async fn get_order(
    State(app): State<App>,
    Path(number): Path<String>,
    Query(q): Query<LocaleQuery>,
) -> Response {
    let (store, now) = app.store();
    match store.order_index(&number) {
        Ok(i) => {
            let order = &store.orders[i];
            let locale = q.locale.unwrap_or_else(|| order.locale.clone());
            json_response(200, &wire::order_json_in(&store, order, &locale, now))
        }
        Err(f) => failure(f),
    }
}

async fn cancel_order(
    State(app): State<App>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = || -> Result<(u16, Value), Failure> {
        let key = idempotency_key(&headers)?;
        let (value, req) = if body.is_empty() {
            (Value::Null, wire::CancelReq::default())
        } else {
            parse::<wire::CancelReq>(&body)?
        };
        let (mut store, now) = app.store();
        let index = store.order_index(&number)?;
        if let Some((first_order, first_body, response)) = store.cancel_keys.get(&key) {
            return if *first_order == index && *first_body == value {
                Ok((200, response.clone()))
            } else {
                Err(conflict(&key))
            };
        }
        let result = store.cancel(index, &req.customer_line_ids, now)?;
        if let Some(reason) = req.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            store.orders[index]
                .messages
                .push(format!("Cancellation reason: {}", reason.trim()));
        }
        let response =
            serde_json::json!({"Result": result, "Order": wire::order_json(&store, index, now)});
        store
            .cancel_keys
            .insert(key, (index, value, response.clone()));
        Ok((200, response))
    };
    match run() {
        Ok((status, v)) => json_response(status, &v),
        Err(f) => failure(f),
    }
}

async fn shipments(State(app): State<App>, Path(number): Path<String>) -> Response {
    let (store, now) = app.store();
    match store.order_index(&number) {
        Ok(i) => json_response(200, &wire::shipments_json(&store.orders[i], now)),
        Err(f) => failure(f),
    }
}

async fn invoices(State(app): State<App>, Path(number): Path<String>) -> Response {
    let (store, _) = app.store();
    match store.order_index(&number) {
        Ok(i) => json_response(200, &wire::invoices_json(&store.orders[i])),
        Err(f) => failure(f),
    }
}

async fn create_return(
    State(app): State<App>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = || -> Result<(u16, Value), Failure> {
        let key = idempotency_key(&headers)?;
        let (value, req) = parse::<wire::ReturnReq>(&body)?;
        let (mut store, _) = app.store();
        let index = store.order_index(&number)?;
        if let Some((first_order, first_body, rma)) = store.return_keys.get(&key) {
            return if *first_order == index && *first_body == value {
                let order = &store.orders[index];
                Ok((200, wire::rma_json(order, &order.returns[*rma])))
            } else {
                Err(conflict(&key))
            };
        }
        let rma = store.create_return(index, &req)?;
        store.return_keys.insert(key, (index, value, rma));
        let order = &store.orders[index];
        Ok((201, wire::rma_json(order, &order.returns[rma])))
    };
    match run() {
        Ok((status, v)) => json_response(status, &v),
        Err(f) => failure(f),
    }
}

async fn webhooks(State(app): State<App>, Path(number): Path<String>) -> Response {
    let list: Vec<Value> = super::signed_webhooks(&app, &number)
        .into_iter()
        .map(|w| {
            serde_json::json!({
                "EventType": w.event_type,
                "Signature": w.signature,
                "Body": String::from_utf8_lossy(&w.body),
            })
        })
        .collect();
    json_response(200, &serde_json::json!({"Webhooks": list}))
}

async fn latest_webhook(State(app): State<App>, Path(number): Path<String>) -> Response {
    let Some(w) = super::signed_webhooks(&app, &number).pop() else {
        return failure(Failure::one(
            404,
            "NoWebhooks",
            format!("no webhooks for order {number}"),
        ));
    };
    let mut response = Response::new(Body::from(w.body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&w.signature) {
        response.headers_mut().insert(super::SIGNATURE_HEADER, v);
    }
    response
}
