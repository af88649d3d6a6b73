//! The HTTP JSON API (axum). One route table, the host's own routes and the
//! [`catalog`](super::catalog)'s operations, builds both the router and the OpenAPI document,
//! so the two cannot drift apart; every operation is served by one generic handler.

use super::api::*;
use super::catalog::{self, Call, Operation, RequestBody as _, Verb, Visitor};
use super::openapi::{self, Endpoint, schema};
use super::problem::ApiError;
use super::service::Service;
use crate::clients::Client;
use crate::clients::request_id;
use crate::contract::InboundDocument;
use crate::desk::IdempotencyKey;
use crate::metrics::{Exposition, Metrics};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
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

/// Serve catalogue operation `O`: path and query parameters, then the idempotency key, then
/// the body, each refused in the API's words; then the operation, answered as JSON (201 with a
/// `Location` for what it creates).
async fn handle<O: Operation>(
    State(s): State<AppState>,
    Caller(c): Caller,
    request: Request,
) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let params = params::<O::Params>(&mut parts, O::SPEC.path).await?;
    let key = if O::SPEC.keyed {
        Some(IdemKey::from_request_parts(&mut parts, &()).await?.0)
    } else {
        None
    };
    let body = match O::Body::absent() {
        Some(nothing) => nothing,
        None => {
            Body::<O::Body>::from_request(Request::from_parts(parts, body), &())
                .await?
                .0
        }
    };
    let call = Call::new(params, body, key);
    let created = O::SPEC
        .created
        .then(|| (call.params.clone(), call.body.clone()));
    let output = O::run(&s.service, &c, call).await?;
    let location = created.and_then(|(params, body)| O::location(&params, &body, &output));
    let status = if O::SPEC.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, axum::Json(output)).into_response();
    if let Some(v) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// The path's `{name}`s and the query's parameters as one `P`, checked against its schema like
/// a body. A name given twice (in the query, or in both) is refused rather than picked.
async fn params<P: DeserializeOwned + schemars::JsonSchema + 'static>(
    parts: &mut Parts,
    template: &str,
) -> Result<P, ApiError> {
    let mut all = serde_json::Map::new();
    if template.contains('{') {
        let Path(path) = Path::<Vec<(String, String)>>::from_request_parts(parts, &())
            .await
            .map_err(|e: PathRejection| ApiError::BadRequest(e.body_text()))?;
        all.extend(
            path.into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v))),
        );
    }
    let Query(query) = Query::<Vec<(String, String)>>::from_request_parts(parts, &())
        .await
        .map_err(|e| ApiError::BadRequest(format!("the query string: {}", e.body_text())))?;
    for (name, value) in query {
        if all.contains_key(&name) {
            return Err(ApiError::BadRequest(format!(
                "{name}: given more than once; give each parameter once"
            )));
        }
        all.insert(name, serde_json::Value::String(value));
    }
    super::body::parse_value(serde_json::Value::Object(all), "parameter")
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
    Params(SupplierRef { supplier }): Params<SupplierRef>,
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

/// The base of a host route's documentation.
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
        tag: "host",
        public: true,
        idempotent_key: false,
        params: None,
        body: None,
        raw_body: false,
        ok: (200, "OK", None),
        ok_media: &[],
        errors: &[],
        links: &[],
    }
}

/// The catalogue's operations as routes.
struct CatalogRoutes(Vec<(Endpoint, MethodRouter<AppState>)>);

impl Visitor for CatalogRoutes {
    fn visit<O: Operation>(&mut self) {
        let handler = match O::SPEC.verb {
            Verb::Get => get(handle::<O>),
            Verb::Post => post(handle::<O>),
        };
        self.0.push((Endpoint::of::<O>(), handler));
    }
}

/// Every route: its documentation and its handler. The host's own routes, then the
/// catalogue's operations, then what suppliers and approvers reach.
fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use Method as M;
    let mut routes = vec![
        (
            Endpoint {
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
                public: false,
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
    ];
    let mut catalog = CatalogRoutes(Vec::new());
    catalog::visit(&mut catalog);
    routes.extend(catalog.0);
    routes.extend([
        (
            Endpoint {
                tag: "approvals",
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
                public: false,
                params: Some(openapi::params_schema::<SupplierRef>),
                raw_body: true,
                ok: (
                    200,
                    "The events found (JSON), or the adapter's reply document in its own media type",
                    Some(schema::<InboundAccepted>),
                ),
                errors: &[400, 402, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504],
                ..endpoint(
                    M::POST,
                    "/inbound/{supplier}",
                    "inbound",
                    "A document or webhook a supplier pushes, for its adapter",
                )
            },
            post(inbound),
        ),
    ]);
    routes
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
