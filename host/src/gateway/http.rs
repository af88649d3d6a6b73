//! The HTTP JSON API (axum). One route table builds both the router and the OpenAPI
//! document, so the two cannot drift apart.

use super::api::*;
use super::openapi::{self, Endpoint, Link, schema};
use super::problem::ApiError;
use super::service::Service;
use crate::clients::Client;
use crate::clients::request_id;
use crate::contract::InboundDocument;
use crate::desk::IdempotencyKey;
use crate::metrics::{Exposition, Metrics};
use crate::wire::{
    AvailabilityAnswer, CancelOutcome, CatalogItem, Invoice, Order, OrderQuote, Quote,
    ReturnAuthorization, SearchPage, Shipment,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument as _;

/// Largest request body the gateway reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest URI (path and query) the gateway reads.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header fields, and most header bytes, the gateway reads. The HTTP server's own
/// limits sit above these (see `listen`), so a client over them gets problem details from
/// here rather than the server's bare status line.
pub const MAX_HEADERS: usize = 100;
/// See [`MAX_HEADERS`].
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The operations.
    pub service: Service,
    /// Where requests are counted.
    pub metrics: Arc<Metrics>,
    /// The generated OpenAPI document.
    pub openapi: Arc<serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.to_problem(None);
        if problem.detail != self.to_string() || self.status().is_server_error() {
            // The client's detail may leave a supplier's address out; the log keeps it all,
            // under the request's span (and so its id).
            tracing::warn!(code = problem.code.as_str(), error = %self, "request failed");
        }
        let mut response = (self.status(), axum::Json(&problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(ms) = problem.retry_after_ms {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(ms.div_ceil(1000)));
        }
        if self.status() == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"mercato\""),
            );
        }
        response
    }
}

type Answer<T> = Result<axum::Json<T>, ApiError>;

/// The authenticated client of a request.
pub struct Caller(pub Arc<Client>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Arc<Client>>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| ApiError::Unauthenticated("no client identity".into()))
    }
}

/// The `Idempotency-Key` header of a mutating call.
pub struct IdemKey(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for IdemKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get("idempotency-key")
            .ok_or(ApiError::IdempotencyKeyRequired)?;
        let text = value.to_str().map_err(|_| {
            ApiError::BadRequest("Idempotency-Key must be visible ASCII".to_string())
        })?;
        IdempotencyKey::parse(text)
            .map(IdemKey)
            .map_err(ApiError::BadRequest)
    }
}

/// A JSON body whose rejections are problem details.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + schemars::JsonSchema + 'static, S: Send + Sync> FromRequest<S>
    for Body<T>
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!("the body is larger than {MAX_BODY_BYTES} bytes"))
            } else {
                ApiError::BadRequest("the body could not be read".into())
            }
        })?;
        super::body::parse(&bytes).map(Body)
    }
}

/// `application/json` or any `application/*+json`, parameters aside.
fn json_content_type(headers: &HeaderMap) -> bool {
    media_essence(headers).is_some_and(|essence| {
        essence == "application/json"
            || essence
                .strip_prefix("application/")
                .is_some_and(|sub| sub.ends_with("+json"))
    })
}

/// The request's media type without its parameters, in lower case (`application/json` of
/// `Application/JSON; charset=utf-8`).
pub(super) fn media_essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Path parameters whose rejections are problem details.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Params(v))
            .map_err(|e: PathRejection| ApiError::BadRequest(e.body_text()))
    }
}

fn ok<T: Serialize>(r: Result<T, ApiError>) -> Answer<T> {
    r.map(axum::Json)
}

/// Public, so a load balancer can probe it; a known client's key adds each supplier's state.
async fn health(State(s): State<AppState>, headers: HeaderMap) -> axum::Json<Health> {
    let known = super::auth::authenticate(s.service.clients(), &headers).is_ok();
    axum::Json(s.service.health(known))
}

async fn openapi_doc(State(s): State<AppState>) -> Response {
    axum::Json(s.openapi.as_ref()).into_response()
}

/// The API reference page, rendered from the OpenAPI document.
async fn reference_page(State(s): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        super::reference::render(&s.openapi),
    )
        .into_response()
}

async fn metrics(State(s): State<AppState>, _: Caller, headers: HeaderMap) -> Response {
    let format = Exposition::negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    s.service.refresh_gauges().await;
    (
        [(header::CONTENT_TYPE, format.content_type())],
        s.metrics.encode_as(format),
    )
        .into_response()
}

async fn suppliers(State(s): State<AppState>, _: Caller) -> axum::Json<SuppliersResponse> {
    axum::Json(s.service.suppliers())
}

async fn search(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(req): Body<SearchRequest>,
) -> Answer<FanOutResponse<SearchPage>> {
    ok(s.service.search(&c, req).await)
}

async fn items(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(req): Body<ItemsRequest>,
) -> Answer<FanOutResponse<Vec<CatalogItem>>> {
    ok(s.service.items(&c, req).await)
}

async fn availability(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(req): Body<AvailabilityBody>,
) -> Answer<FanOutResponse<Vec<AvailabilityAnswer>>> {
    ok(s.service.availability(&c, req).await)
}

async fn offers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(req): Body<OffersRequest>,
) -> Answer<OffersResponse> {
    ok(s.service.offers(&c, req).await)
}

async fn request_quotes(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(req): Body<QuotesRequest>,
) -> Answer<FanOutResponse<Quote>> {
    ok(s.service.request_quotes(&c, req).await)
}

async fn get_quote(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, quote_id)): Params<(String, String)>,
) -> Answer<Quote> {
    ok(s.service.get_quote(&c, &supplier, &quote_id).await)
}

async fn place_order(
    State(s): State<AppState>,
    Caller(c): Caller,
    IdemKey(key): IdemKey,
    Body(req): Body<PlaceOrder>,
) -> Result<Response, ApiError> {
    let supplier = req.supplier.clone();
    let order = s.service.place_order(&c, &key, req).await?;
    Ok(created(&supplier, order))
}

async fn order_quote(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, quote_id)): Params<(String, String)>,
    IdemKey(key): IdemKey,
    Body(body): Body<OrderQuote>,
) -> Result<Response, ApiError> {
    let order = s
        .service
        .order_quote(&c, &key, &supplier, &quote_id, body)
        .await?;
    Ok(created(&supplier, order))
}

/// 201 with the order and its `Location`.
fn created(supplier: &str, order: Order) -> Response {
    let location = format!("/v1/orders/{supplier}/{}", order.order_id);
    let mut response = (StatusCode::CREATED, axum::Json(order)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

async fn get_order(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, order_id)): Params<(String, String)>,
) -> Answer<Order> {
    ok(s.service.get_order(&c, &supplier, &order_id).await)
}

async fn cancel_order(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, order_id)): Params<(String, String)>,
    IdemKey(key): IdemKey,
    Body(body): Body<CancelBody>,
) -> Answer<CancelOutcome> {
    ok(s.service
        .cancel_order(&c, &supplier, &order_id, &key, body)
        .await)
}

async fn shipments(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, order_id)): Params<(String, String)>,
) -> Answer<Vec<Shipment>> {
    ok(s.service.shipments(&c, &supplier, &order_id).await)
}

async fn invoices(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, order_id)): Params<(String, String)>,
) -> Answer<Vec<Invoice>> {
    ok(s.service.invoices(&c, &supplier, &order_id).await)
}

async fn request_return(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params((supplier, order_id)): Params<(String, String)>,
    IdemKey(key): IdemKey,
    Body(body): Body<ReturnBody>,
) -> Answer<ReturnAuthorization> {
    ok(s.service
        .request_return(&c, &supplier, &order_id, &key, body)
        .await)
}

async fn list_mandates(State(s): State<AppState>, Caller(c): Caller) -> Answer<MandatesResponse> {
    ok(s.service.mandates(&c).await)
}

async fn list_approvals(State(s): State<AppState>, Caller(c): Caller) -> Answer<ApprovalsResponse> {
    ok(s.service.approvals(&c).await)
}

async fn get_approval(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params(id): Params<String>,
) -> Answer<ApprovalView> {
    ok(s.service.approval(&c, &id).await)
}

async fn approve(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params(id): Params<String>,
    IdemKey(key): IdemKey,
    Body(d): Body<Decision>,
) -> Answer<ApprovalView> {
    ok(s.service.approve(&c, &key, &id, d.note).await)
}

async fn reject(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params(id): Params<String>,
    IdemKey(key): IdemKey,
    Body(d): Body<RejectDecision>,
) -> Answer<ApprovalView> {
    ok(s.service.reject(&c, &key, &id, Some(d.note)).await)
}

/// The approvers' page: static; it asks for the approver's key and calls the API with it.
async fn approvals_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
            ),
        ],
        include_str!("approvals.html"),
    )
        .into_response()
}

/// `POST /inbound/{supplier}`: the body and headers go to the adapter as they came. The
/// adapter's reply document, if any, is the response; otherwise the events it found.
async fn inbound(
    State(s): State<AppState>,
    Caller(c): Caller,
    Params(supplier): Params<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::UnsupportedMediaType("an inbound document needs a Content-Type".into())
        })?
        .to_string();
    let forwarded = headers
        .iter()
        .filter(|(name, _)| {
            // Credentials for Mercato stay with Mercato.
            *name != header::AUTHORIZATION && name.as_str() != "x-api-key"
        })
        .filter_map(|(name, v)| Some((name.to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let doc = InboundDocument {
        content_type,
        headers: forwarded,
        body: body.to_vec(),
    };
    let result = s.service.inbound(&c, &supplier, doc).await?;
    Ok(match result.reply {
        Some(reply) => {
            let mut response = (StatusCode::OK, reply.body).into_response();
            if let Ok(v) = HeaderValue::from_str(&reply.content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            response
        }
        None => axum::Json(InboundAccepted {
            supplier,
            events: result.events.into_iter().map(Into::into).collect(),
        })
        .into_response(),
    })
}

async fn route_not_found(method: Method, uri: http::Uri) -> ApiError {
    ApiError::RouteNotFound(format!("{method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: http::Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}", uri.path()))
}

const SUPPLIER: (&str, &str) = ("supplier", "Supplier id, as listed by /v1/suppliers.");
const ORDER_ID: (&str, &str) = ("order_id", "The supplier's order id or the buyer PO.");
const QUOTE_ID: (&str, &str) = ("quote_id", "The supplier's quote id.");
const APPROVAL_ID: (&str, &str) = ("approval_id", "The approval's id (`apr-…`).");
/// Errors of the approval routes.
const APPROVAL_ERRORS: &[u16] = &[400, 402, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504];

/// Errors of a fan-out: bad input, unknown supplier in the selection, no call slot.
const FAN_OUT_ERRORS: &[u16] = &[400, 404, 413, 415, 429];
/// Errors of a call to one supplier.
const ONE_SUPPLIER_ERRORS: &[u16] = &[400, 402, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504];

/// From the suppliers to a quote request: the flow an agent or a stateful test follows.
const ASK_FOR_QUOTES: Link = Link {
    name: "RequestQuotes",
    operation: "requestQuotes",
    parameters: &[],
    description: "Ask suppliers whose capabilities include instant_quote to quote (name them \
                  in `suppliers`)",
};

/// From a fan-out of quotes to the first quote.
const FIRST_QUOTE: &[(&str, &str)] = &[
    ("supplier", "$response.body#/answers/0/supplier"),
    ("quote_id", "$response.body#/answers/0/answer/quote_id"),
];
const QUOTE_AGAIN: Link = Link {
    name: "GetQuote",
    operation: "getQuote",
    parameters: FIRST_QUOTE,
    description: "The first supplier's quote again",
};
const ORDER_QUOTED: Link = Link {
    name: "OrderQuote",
    operation: "orderQuote",
    parameters: FIRST_QUOTE,
    description: "Order what the first supplier quoted",
};
const ORDER_THIS_QUOTE: Link = Link {
    name: "OrderQuote",
    operation: "orderQuote",
    parameters: &[
        ("supplier", "$request.path.supplier"),
        ("quote_id", "$request.path.quote_id"),
    ],
    description: "Order what this quote priced",
};

/// What can be done with an order once placed: follow it, cancel it, return goods.
macro_rules! follow_order {
    ($supplier:expr) => {
        &[
            follow_order!(
                $supplier,
                "GetOrder",
                "getOrder",
                "The order's current state"
            ),
            follow_order!($supplier, "ListShipments", "listShipments", "Its shipments"),
            follow_order!($supplier, "ListInvoices", "listInvoices", "Its invoices"),
            follow_order!($supplier, "CancelOrder", "cancelOrder", "Cancel it"),
            follow_order!(
                $supplier,
                "RequestReturn",
                "requestReturn",
                "Return goods of it"
            ),
        ]
    };
    ($supplier:expr, $name:expr, $op:expr, $what:expr) => {
        Link {
            name: $name,
            operation: $op,
            parameters: &[
                ("supplier", $supplier),
                ("order_id", "$response.body#/order_id"),
            ],
            description: $what,
        }
    };
}
const FOLLOW_PLACED_ORDER: &[Link] = follow_order!("$request.body#/supplier");
const FOLLOW_ORDER_OF_QUOTE: &[Link] = follow_order!("$request.path.supplier");

fn endpoint(
    method: Method,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        id,
        summary,
        tag: "catalog",
        public: false,
        idempotent_key: false,
        params: &[],
        body: None,
        raw_body: false,
        ok: (200, "OK", None),
        ok_media: &[],
        errors: &[],
        links: &[],
    }
}

/// Every route: its documentation and its handler.
fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use Method as M;
    vec![
        (
            Endpoint {
                tag: "host",
                public: true,
                ok: (200, "The host is up", Some(schema::<Health>)),
                ..endpoint(
                    M::GET,
                    "/health",
                    "health",
                    "Liveness, what is loaded and whether each supplier's connection check \
                     passes (per supplier only with a client's API key)",
                )
            },
            get(health),
        ),
        (
            Endpoint {
                tag: "host",
                public: true,
                ok: (200, "This document", None),
                ok_media: &["application/json"],
                ..endpoint(
                    M::GET,
                    "/openapi.json",
                    "openapi",
                    "The OpenAPI 3.1 document",
                )
            },
            get(openapi_doc),
        ),
        (
            Endpoint {
                tag: "host",
                public: true,
                ok: (200, "The API reference for people", None),
                ok_media: &["text/html"],
                ..endpoint(
                    M::GET,
                    "/reference",
                    "reference",
                    "This document as one HTML page (no scripts, no external assets)",
                )
            },
            get(reference_page),
        ),
        (
            Endpoint {
                tag: "host",
                ok: (
                    200,
                    "The Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when `Accept` \
                     prefers `application/openmetrics-text`",
                    None,
                ),
                ok_media: &["text/plain", "application/openmetrics-text"],
                ..endpoint(
                    M::GET,
                    "/metrics",
                    "metrics",
                    "Adapter latency histograms, error and trap counters, breaker state and \
                     call slots per supplier, pool use, ledger syncs, approvals pending, MCP \
                     tool calls",
                )
            },
            get(metrics),
        ),
        (
            Endpoint {
                tag: "suppliers",
                ok: (200, "Loaded suppliers", Some(schema::<SuppliersResponse>)),
                links: &[ASK_FOR_QUOTES],
                ..endpoint(
                    M::GET,
                    "/v1/suppliers",
                    "listSuppliers",
                    "Suppliers with their capabilities, hosts and limits",
                )
            },
            get(suppliers),
        ),
        (
            Endpoint {
                body: Some(schema::<SearchRequest>),
                ok: (
                    200,
                    "Every supplier's page, typed errors, skipped suppliers",
                    Some(schema::<FanOutResponse<SearchPage>>),
                ),
                errors: FAN_OUT_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/search",
                    "search",
                    "Search every eligible supplier at once",
                )
            },
            post(search),
        ),
        (
            Endpoint {
                body: Some(schema::<ItemsRequest>),
                ok: (
                    200,
                    "Every supplier's items",
                    Some(schema::<FanOutResponse<Vec<CatalogItem>>>),
                ),
                errors: FAN_OUT_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/items",
                    "getItems",
                    "Look items up by SKU, GTIN, MPN or buyer part at every eligible supplier",
                )
            },
            post(items),
        ),
        (
            Endpoint {
                body: Some(schema::<AvailabilityBody>),
                ok: (
                    200,
                    "Every supplier's availability",
                    Some(schema::<FanOutResponse<Vec<AvailabilityAnswer>>>),
                ),
                errors: FAN_OUT_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/availability",
                    "checkAvailability",
                    "Live availability at every eligible supplier",
                )
            },
            post(availability),
        ),
        (
            Endpoint {
                body: Some(schema::<OffersRequest>),
                ok: (200, "Ranked offers", Some(schema::<OffersResponse>)),
                errors: FAN_OUT_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/offers",
                    "compareOffers",
                    "Rank every supplier's offer for a wanted quantity",
                )
            },
            post(offers),
        ),
        (
            Endpoint {
                tag: "quotes",
                body: Some(schema::<QuotesRequest>),
                ok: (
                    200,
                    "Every supplier's quote",
                    Some(schema::<FanOutResponse<Quote>>),
                ),
                errors: FAN_OUT_ERRORS,
                links: &[QUOTE_AGAIN, ORDER_QUOTED],
                ..endpoint(
                    M::POST,
                    "/v1/quotes",
                    "requestQuotes",
                    "Ask every eligible (or each named) supplier to quote",
                )
            },
            post(request_quotes),
        ),
        (
            Endpoint {
                tag: "quotes",
                params: &[SUPPLIER, QUOTE_ID],
                ok: (200, "The quote", Some(schema::<Quote>)),
                errors: ONE_SUPPLIER_ERRORS,
                links: &[ORDER_THIS_QUOTE],
                ..endpoint(
                    M::GET,
                    "/v1/quotes/{supplier}/{quote_id}",
                    "getQuote",
                    "A quote again, by id",
                )
            },
            get(get_quote),
        ),
        (
            Endpoint {
                tag: "quotes",
                params: &[SUPPLIER, QUOTE_ID],
                idempotent_key: true,
                body: Some(schema::<OrderQuote>),
                ok: (
                    201,
                    "The order as the supplier acknowledged it",
                    Some(schema::<Order>),
                ),
                errors: ONE_SUPPLIER_ERRORS,
                links: FOLLOW_ORDER_OF_QUOTE,
                ..endpoint(
                    M::POST,
                    "/v1/quotes/{supplier}/{quote_id}/order",
                    "orderQuote",
                    "Order exactly what a quote priced: its lines, items, quantities and unit \
                     prices come from the quote; the cap defaults to its grand total",
                )
            },
            post(order_quote),
        ),
        (
            Endpoint {
                tag: "orders",
                idempotent_key: true,
                body: Some(schema::<PlaceOrder>),
                ok: (
                    201,
                    "The order as the supplier acknowledged it",
                    Some(schema::<Order>),
                ),
                errors: ONE_SUPPLIER_ERRORS,
                links: FOLLOW_PLACED_ORDER,
                ..endpoint(
                    M::POST,
                    "/v1/orders",
                    "placeOrder",
                    "Place an order with one supplier",
                )
            },
            post(place_order),
        ),
        (
            Endpoint {
                tag: "orders",
                params: &[SUPPLIER, ORDER_ID],
                ok: (200, "The order", Some(schema::<Order>)),
                errors: ONE_SUPPLIER_ERRORS,
                ..endpoint(
                    M::GET,
                    "/v1/orders/{supplier}/{order_id}",
                    "getOrder",
                    "An order's current state",
                )
            },
            get(get_order),
        ),
        (
            Endpoint {
                tag: "orders",
                params: &[SUPPLIER, ORDER_ID],
                idempotent_key: true,
                body: Some(schema::<CancelBody>),
                ok: (200, "What was cancelled", Some(schema::<CancelOutcome>)),
                errors: ONE_SUPPLIER_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/orders/{supplier}/{order_id}/cancel",
                    "cancelOrder",
                    "Cancel an order or some of its lines",
                )
            },
            post(cancel_order),
        ),
        (
            Endpoint {
                tag: "orders",
                params: &[SUPPLIER, ORDER_ID],
                ok: (200, "The order's shipments", Some(schema::<Vec<Shipment>>)),
                errors: ONE_SUPPLIER_ERRORS,
                ..endpoint(
                    M::GET,
                    "/v1/orders/{supplier}/{order_id}/shipments",
                    "listShipments",
                    "An order's shipments with tracking",
                )
            },
            get(shipments),
        ),
        (
            Endpoint {
                tag: "orders",
                params: &[SUPPLIER, ORDER_ID],
                ok: (200, "The order's invoices", Some(schema::<Vec<Invoice>>)),
                errors: ONE_SUPPLIER_ERRORS,
                ..endpoint(
                    M::GET,
                    "/v1/orders/{supplier}/{order_id}/invoices",
                    "listInvoices",
                    "An order's invoices and credit notes",
                )
            },
            get(invoices),
        ),
        (
            Endpoint {
                tag: "orders",
                params: &[SUPPLIER, ORDER_ID],
                idempotent_key: true,
                body: Some(schema::<ReturnBody>),
                ok: (
                    200,
                    "The return authorization",
                    Some(schema::<ReturnAuthorization>),
                ),
                errors: ONE_SUPPLIER_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/orders/{supplier}/{order_id}/returns",
                    "requestReturn",
                    "Ask to return goods of an order",
                )
            },
            post(request_return),
        ),
        (
            Endpoint {
                tag: "approvals",
                ok: (
                    200,
                    "The mandates and their budgets",
                    Some(schema::<MandatesResponse>),
                ),
                ..endpoint(
                    M::GET,
                    "/v1/mandates",
                    "listMandates",
                    "The caller's spend mandate and its budget's use this period (an \
                     approver's: every client's)",
                )
            },
            get(list_mandates),
        ),
        (
            Endpoint {
                tag: "approvals",
                ok: (200, "Pending approvals", Some(schema::<ApprovalsResponse>)),
                errors: &[403],
                ..endpoint(
                    M::GET,
                    "/v1/approvals",
                    "listApprovals",
                    "Orders waiting for a person's approval (approvers only)",
                )
            },
            get(list_approvals),
        ),
        (
            Endpoint {
                tag: "approvals",
                params: &[APPROVAL_ID],
                ok: (200, "The approval", Some(schema::<ApprovalView>)),
                errors: &[400, 403, 404],
                ..endpoint(
                    M::GET,
                    "/v1/approvals/{approval_id}",
                    "getApproval",
                    "One approval, for approvers and the client whose order it is",
                )
            },
            get(get_approval),
        ),
        (
            Endpoint {
                tag: "approvals",
                params: &[APPROVAL_ID],
                idempotent_key: true,
                body: Some(schema::<Decision>),
                ok: (200, "Approved and placed", Some(schema::<ApprovalView>)),
                errors: APPROVAL_ERRORS,
                ..endpoint(
                    M::POST,
                    "/v1/approvals/{approval_id}/approve",
                    "approveOrder",
                    "Approve a parked order; it is placed as the client asked",
                )
            },
            post(approve),
        ),
        (
            Endpoint {
                tag: "approvals",
                params: &[APPROVAL_ID],
                idempotent_key: true,
                body: Some(schema::<RejectDecision>),
                ok: (200, "Rejected", Some(schema::<ApprovalView>)),
                errors: &[400, 403, 404, 409, 413, 415, 503],
                ..endpoint(
                    M::POST,
                    "/v1/approvals/{approval_id}/reject",
                    "rejectOrder",
                    "Reject a parked order (a reason is required); nothing is sent",
                )
            },
            post(reject),
        ),
        (
            Endpoint {
                tag: "approvals",
                public: true,
                ok: (200, "The approvers' web page", None),
                ok_media: &["text/html"],
                ..endpoint(
                    M::GET,
                    "/approvals",
                    "approvalsPage",
                    "A page listing pending approvals with approve and reject buttons",
                )
            },
            get(approvals_page),
        ),
        (
            Endpoint {
                tag: "inbound",
                params: &[SUPPLIER],
                raw_body: true,
                ok: (
                    200,
                    "The events found (JSON), or the adapter's reply document in its own media type",
                    Some(schema::<InboundAccepted>),
                ),
                errors: ONE_SUPPLIER_ERRORS,
                ..endpoint(
                    M::POST,
                    "/inbound/{supplier}",
                    "inbound",
                    "A document or webhook a supplier pushes, for its adapter",
                )
            },
            post(inbound),
        ),
    ]
}

/// The OpenAPI document of the gateway's routes.
pub fn openapi_document() -> serde_json::Value {
    let endpoints: Vec<Endpoint> = routes().into_iter().map(|(e, _)| e).collect();
    openapi::document(&endpoints)
}

/// The router, with `extra` (the MCP endpoint) mounted behind the same authentication.
pub fn router(state: AppState, extra: Option<(&'static str, Router)>) -> Router {
    let mut public = Router::new();
    let mut protected = Router::new();
    for (e, handler) in routes() {
        if e.public {
            public = public.route(e.path, handler);
        } else {
            protected = protected.route(e.path, handler);
        }
    }
    let mut protected = protected.with_state(state.clone());
    if let Some((path, extra)) = extra {
        protected = protected.nest_service(path, extra);
    }
    let protected =
        protected.route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    public
        .with_state(state.clone())
        .merge(protected)
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(bounded_head))
        .layer(middleware::from_fn_with_state(state, observe))
}

/// Refuse a request whose URI or headers pass the gateway's limits, as problem details.
async fn bounded_head(req: Request, next: Next) -> Response {
    let uri = req.uri().to_string().len();
    if uri > MAX_URI_BYTES {
        return ApiError::UriTooLong(format!("the URI is {uri} bytes; at most {MAX_URI_BYTES}"))
            .into_response();
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge(format!(
            "{} header fields in {bytes} bytes; at most {MAX_HEADERS} fields and {MAX_HEADER_BYTES} bytes",
            headers.len()
        ))
        .into_response();
    }
    next.run(req).await
}

/// Refuse requests without a known client's key; attach the client to the request.
async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    match super::auth::authenticate(s.service.clients(), req.headers()) {
        Ok(client) => {
            tracing::Span::current().record("client", client.id.as_str());
            req.extensions_mut().insert(client);
            next.run(req).await
        }
        Err(why) => ApiError::Unauthenticated(why).into_response(),
    }
}

/// One span per request (method, route, client, request id, status, duration) and the
/// request metrics; echoes or assigns `X-Request-Id`.
async fn observe(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(request_id);
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = %route,
        request_id = %id,
        client = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let mut response = super::problem::with_request_id(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.record("status", status);
    span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| tracing::info!("request finished"));
    s.metrics
        .http_request(method.as_str(), &route, status, elapsed);
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
