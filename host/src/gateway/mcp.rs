//! The MCP server: the gateway's operations as tools an AI agent can call, over stdio
//! (`mercato mcp`, one agent acting as one client) and streamable HTTP (`/mcp` on the
//! gateway, behind the same API-key authentication as the JSON API).
//!
//! Why a second front end: agents discover and call MCP tools without reading an OpenAPI
//! document, and each tool carries a description and annotations (read-only, destructive,
//! idempotent) the agent's host uses to decide what needs a person's confirmation. The tools
//! are thin: each one calls the same [`Service`] operation as the HTTP route, so both front
//! ends check, scope, key and answer identically.
//!
//! How it is built:
//! - **Tools are declared by hand** ([`Tool`] values whose input schemas are generated from
//!   the [`api`](super::api) types with schemars) rather than with rmcp's `#[tool]` macros:
//!   `place_order` and `cancel_order` add an `idempotency_key` property to a request type the
//!   HTTP API takes with a header, arguments are parsed exactly as the HTTP API parses a body
//!   (same error text), and every call first resolves who is calling.
//! - **Identity.** Over stdio the process acts as the one client chosen at start. Over HTTP
//!   the gateway's middleware has already authenticated the request and put the client's
//!   `Arc<Client>` into the request's extensions; rmcp's [`StreamableHttpService`] hands the
//!   request's [`http::request::Parts`] to the handler in the request context's extensions,
//!   so every tool call runs as the client of the HTTP request that carried it.
//! - **Stateless HTTP.** No MCP session is kept: each POST is answered on its own (as JSON),
//!   so there is no session state to expire or clean up and no session id another client
//!   could present; identity is per request anyway. rmcp's `Host` allow-list (protection
//!   against DNS rebinding for unauthenticated local servers) is off: every request has passed
//!   API-key authentication, which a rebinding page cannot supply, and the gateway may listen
//!   on any name.
//! - **Results** are the JSON the HTTP API returns for the same operation, as structured
//!   content whose schema each tool declares as its `outputSchema` (without descriptions, to
//!   keep `tools/list` small), and a text part that only summarises it (who answered, the
//!   best offer, the quote's total, the order's status), so the model does not read the
//!   answer twice. **Errors** from the service are results with
//!   `isError: true` whose text is the RFC 9457 problem JSON with its typed `code`, so the
//!   agent can read and act on them. Invalid arguments are such a result too (code
//!   `bad_request`, with the path of the offending field, as the HTTP API words it). Malformed
//!   messages get JSON-RPC errors on `/mcp` (parse error, invalid request, invalid params for
//!   arguments that are not an object), as does an unknown tool name.

use super::api::{CancelBody, FanOutResponse, OffersRequest, OffersResponse, PlaceOrder};
use super::api::{QuotesRequest, SearchRequest, SuppliersResponse};
use super::http::MAX_BODY_BYTES;
use super::problem::ApiError;
use super::service::Service;
use crate::clients::Client;
use crate::desk::IdempotencyKey;
use crate::wire::{CancelOutcome, Capability, Order, Quote, SearchPage};
use rmcp::handler::server::tool::{schema_for_input, schema_for_output};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

/// Tool name: the suppliers, what each can do and whether it is reachable.
pub const LIST_SUPPLIERS: &str = "list_suppliers";
/// Tool name: search every supplier's catalogue.
pub const SEARCH_CATALOG: &str = "search_catalog";
/// Tool name: rank every supplier's offer for a wanted quantity.
pub const COMPARE_OFFERS: &str = "compare_offers";
/// Tool name: ask suppliers for quotes.
pub const REQUEST_QUOTE: &str = "request_quote";
/// Tool name: place an order with one supplier.
pub const PLACE_ORDER: &str = "place_order";
/// Tool name: an order's current state.
pub const GET_ORDER: &str = "get_order";
/// Tool name: cancel an order or some of its lines.
pub const CANCEL_ORDER: &str = "cancel_order";

/// The streamable HTTP MCP endpoint, mounted under `/mcp` behind the gateway's authentication:
/// each tool call runs as the client the gateway authenticated for its HTTP request.
///
/// The router answers its root path; the gateway mounts it with `Router::nest_service`, so
/// both `/mcp` and `/mcp/` reach it.
pub fn http_service(service: Service) -> axum::Router {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .disable_allowed_hosts();
    let mcp = StreamableHttpService::new(
        move || {
            Ok(McpServer {
                service: service.clone(),
                identity: Identity::PerRequest,
            })
        },
        Arc::new(NeverSessionManager::default()),
        config,
    );
    axum::Router::new()
        .route_service("/", mcp)
        .layer(axum::middleware::from_fn(jsonrpc_guard))
}

/// A JSON-RPC error response (`id` null when the request's could not be read).
fn jsonrpc_error(
    status: http::StatusCode,
    id: Value,
    code: i32,
    message: String,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    (status, axum::Json(body)).into_response()
}

/// Answer what rmcp would answer in plain text or as the wrong error with JSON-RPC errors: a
/// body that is not JSON (-32700, parse error), not a JSON-RPC message (-32600, invalid
/// request), or a `tools/call` whose `arguments` is not an object (-32602, invalid params).
/// An agent's client library reads these; it cannot read `415 text/plain`.
async fn jsonrpc_guard(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use http::StatusCode;
    if req.method() != http::Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // rmcp takes `application/json` itself, parameters aside; nothing else is a message.
    if super::http::media_essence(&parts.headers).as_deref() != Some("application/json") {
        return jsonrpc_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Value::Null,
            -32600,
            "send JSON-RPC messages as application/json".into(),
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return jsonrpc_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            Value::Null,
            -32600,
            format!("the message is larger than {MAX_BODY_BYTES} bytes"),
        );
    };
    let message: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return jsonrpc_error(
                StatusCode::BAD_REQUEST,
                Value::Null,
                -32700,
                format!("parse error: the body is not JSON ({e})"),
            );
        }
    };
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    let well_formed = message.get("jsonrpc") == Some(&json!("2.0"))
        && (message.get("method").is_some_and(Value::is_string)
            || message.get("result").is_some()
            || message.get("error").is_some());
    if !well_formed {
        return jsonrpc_error(
            StatusCode::BAD_REQUEST,
            id,
            -32600,
            "invalid request: a JSON-RPC 2.0 message has \"jsonrpc\": \"2.0\" and a string \"method\""
                .into(),
        );
    }
    if message["method"] == "tools/call" {
        let params = &message["params"];
        let arguments = params.get("arguments");
        if !params.is_object()
            || !params.get("name").is_some_and(Value::is_string)
            || arguments.is_some_and(|a| !a.is_object() && !a.is_null())
        {
            return jsonrpc_error(
                StatusCode::OK,
                id,
                -32602,
                "invalid params: tools/call takes {\"name\": string, \"arguments\": object}".into(),
            );
        }
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// Serve MCP on stdin and stdout as `client` until the peer closes the stream. Nothing else
/// may write to stdout meanwhile (logs go to stderr).
pub async fn serve_stdio(service: Service, client: Arc<Client>) -> anyhow::Result<()> {
    let (stdin, stdout) = rmcp::transport::stdio();
    serve_io(service, client, stdin, stdout).await
}

/// Serve MCP as `client` over a byte stream pair (newline-delimited JSON-RPC, as on stdio)
/// until the peer closes it: stdin and stdout, a child process's pipes, a socket.
pub async fn serve_io<R, W>(
    service: Service,
    client: Arc<Client>,
    reader: R,
    writer: W,
) -> anyhow::Result<()>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    tracing::info!(client = %client.id, "serving MCP over a byte stream");
    let server = McpServer {
        service,
        identity: Identity::Fixed(client),
    };
    let running = server.serve((reader, writer)).await?;
    let reason = running.waiting().await?;
    tracing::info!(?reason, "the MCP peer is gone");
    Ok(())
}

/// Who a connection's tool calls act for.
#[derive(Clone)]
enum Identity {
    /// One client for the whole connection (stdio).
    Fixed(Arc<Client>),
    /// The client the gateway authenticated for the HTTP request of each call.
    PerRequest,
}

/// The MCP handler over the gateway's operations.
#[derive(Clone)]
struct McpServer {
    service: Service,
    identity: Identity,
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("mercato", env!("CARGO_PKG_VERSION"))
                    .with_title("Mercato")
                    .with_description(
                        "Search, compare, quote and order from many industrial suppliers through one API.",
                    ),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools().to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools().iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        if self.get_tool(name).is_none() {
            return Err(ErrorData::invalid_params(
                format!("there is no tool `{name}`; tools/list names them"),
                None,
            ));
        }
        let client = match self.client(&context) {
            Ok(client) => client,
            Err(e) => return Ok(problem_result(&e).into()),
        };
        let started = Instant::now();
        let args = request.arguments.unwrap_or_default();
        // Boxed: a tool's future (an order: claim, intent, mandate, the call, the outcome) is
        // large, and rmcp polls it inside its own; on the heap it does not eat the worker's
        // stack.
        let result = Box::pin(self.run(&client, name, args)).await;
        // The tool name is one of ours (checked above), so the label set stays bounded.
        let failed = result
            .as_ref()
            .map_or(true, |r| r.is_error.unwrap_or(false));
        self.service.metrics().mcp_tool_call(name, failed);
        let result = result?;
        tracing::info!(
            tool = name,
            client = %client.id,
            is_error = result.is_error.unwrap_or(false),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "MCP tool call finished"
        );
        Ok(result.into())
    }
}

impl McpServer {
    /// The client a call acts for.
    fn client(&self, context: &RequestContext<RoleServer>) -> Result<Arc<Client>, ApiError> {
        match &self.identity {
            Identity::Fixed(client) => Ok(client.clone()),
            Identity::PerRequest => context
                .extensions
                .get::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Arc<Client>>())
                .cloned()
                .ok_or_else(|| {
                    ApiError::Unauthenticated(
                        "this MCP request carries no authenticated client".into(),
                    )
                }),
        }
    }

    /// Run tool `name`: its answer as a result, or its error as a problem result.
    async fn run(
        &self,
        client: &Client,
        name: &str,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let s = &self.service;
        match name {
            LIST_SUPPLIERS => answer(suppliers(s, args)),
            SEARCH_CATALOG => answer(search(s, client, args).await),
            COMPARE_OFFERS => answer(offers(s, client, args).await),
            REQUEST_QUOTE => answer(quotes(s, client, args).await),
            PLACE_ORDER => answer(place_order(s, client, args).await),
            GET_ORDER => answer(get_order(s, client, args).await),
            CANCEL_ORDER => answer(cancel_order(s, client, args).await),
            other => Err(ErrorData::invalid_params(
                format!("there is no tool `{other}`"),
                None,
            )),
        }
    }
}

fn suppliers(s: &Service, args: JsonObject) -> Result<SuppliersResponse, ApiError> {
    let SuppliersArgs { currency, country } = parse(args)?;
    let currency = currency
        .map(|c| crate::codes::currency("currency", &c).map(|c| c.code().to_string()))
        .transpose()?;
    let country = country
        .map(|c| crate::codes::country("country", &c))
        .transpose()?;
    let mut all = s.suppliers();
    all.suppliers.retain(|v| {
        currency.as_ref().is_none_or(|c| v.currencies.contains(c))
            && country
                .as_ref()
                .is_none_or(|c| v.ship_to_countries.contains(c))
    });
    Ok(all)
}

async fn search(
    s: &Service,
    client: &Client,
    args: JsonObject,
) -> Result<FanOutResponse<SearchPage>, ApiError> {
    s.search(client, parse(args)?).await
}

async fn offers(
    s: &Service,
    client: &Client,
    args: JsonObject,
) -> Result<OffersResponse, ApiError> {
    s.offers(client, parse(args)?).await
}

async fn quotes(
    s: &Service,
    client: &Client,
    args: JsonObject,
) -> Result<FanOutResponse<Quote>, ApiError> {
    s.request_quotes(client, parse(args)?).await
}

async fn place_order(
    s: &Service,
    client: &Client,
    mut args: JsonObject,
) -> Result<Order, ApiError> {
    let key = take_key(&mut args)?;
    let req: PlaceOrder = parse(args)?;
    s.place_order(client, &key, req).await
}

async fn get_order(s: &Service, client: &Client, args: JsonObject) -> Result<Order, ApiError> {
    let OrderArgs { supplier, order_id } = parse(args)?;
    s.get_order(client, &supplier, &order_id).await
}

async fn cancel_order(
    s: &Service,
    client: &Client,
    mut args: JsonObject,
) -> Result<CancelOutcome, ApiError> {
    let key = take_key(&mut args)?;
    let CancelArgs {
        supplier,
        order_id,
        line_ids,
        reason,
    } = parse(args)?;
    let body = CancelBody { line_ids, reason };
    s.cancel_order(client, &supplier, &order_id, &key, body)
        .await
}

/// Arguments of `list_suppliers`: both optional filters.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SuppliersArgs {
    /// Only suppliers that sell in this ISO 4217 currency (`EUR`).
    #[serde(default)]
    currency: Option<String>,
    /// Only suppliers that ship to this ISO 3166-1 alpha-2 country (`DE`).
    #[serde(default)]
    country: Option<String>,
}

/// Arguments of `get_order`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct OrderArgs {
    /// Supplier id (`voltaic`), as in the `supplier` field of search, offer and quote answers.
    supplier: String,
    /// The supplier's order id (`order_id` of place_order's answer) or the buyer PO.
    order_id: String,
}

/// Arguments of `cancel_order` besides the idempotency key.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CancelArgs {
    /// Supplier id of the order.
    supplier: String,
    /// The supplier's order id or the buyer PO.
    order_id: String,
    /// Ids of the lines to cancel (`line_id` of the order's lines); empty or absent cancels the
    /// whole order.
    #[serde(default)]
    line_ids: Vec<String>,
    /// Why, in words, for the supplier.
    #[serde(default)]
    reason: Option<String>,
}

/// Parse tool arguments as the HTTP API parses a body (unknown fields refused), with the same
/// error text: the path of the offending field and what was wrong.
fn parse<T: DeserializeOwned + JsonSchema + 'static>(args: JsonObject) -> Result<T, ApiError> {
    let bytes = serde_json::to_vec(&Value::Object(args))
        .map_err(|e| ApiError::BadRequest(format!("the arguments are not JSON: {e}")))?;
    super::body::parse(&bytes).map_err(|e| match e {
        ApiError::BadRequest(why) => ApiError::BadRequest(format!("invalid arguments: {why}")),
        other => other,
    })
}

/// Take the `idempotency_key` argument out of `args`.
fn take_key(args: &mut JsonObject) -> Result<IdempotencyKey, ApiError> {
    match args.remove(IDEMPOTENCY_KEY) {
        None | Some(Value::Null) => Err(ApiError::IdempotencyKeyRequired),
        Some(Value::String(key)) => IdempotencyKey::parse(&key)
            .map_err(|_| ApiError::BadRequest(format!("{IDEMPOTENCY_KEY}: {KEY_FORM}"))),
        Some(_) => Err(ApiError::BadRequest(format!(
            "{IDEMPOTENCY_KEY}: must be a string; {KEY_FORM}"
        ))),
    }
}

/// A service answer as a tool result: the answer as structured content (its schema is the
/// tool's `outputSchema`), and a few lines of text saying what it holds, for the model to
/// read without parsing the whole answer twice.
fn answer<T: Serialize + Summary>(
    result: Result<T, ApiError>,
) -> Result<CallToolResult, ErrorData> {
    match result {
        Ok(value) => {
            let summary = value.summary();
            serde_json::to_value(&value)
                .map(|structured| {
                    let mut result = CallToolResult::structured(structured);
                    result.content = vec![ContentBlock::text(summary)];
                    result
                })
                .map_err(|e| {
                    ErrorData::internal_error(format!("the answer could not be encoded: {e}"), None)
                })
        }
        Err(e) => Ok(problem_result(&e)),
    }
}

/// What an answer holds, in a sentence or a few short lines.
trait Summary {
    fn summary(&self) -> String;
}

impl Summary for SuppliersResponse {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .suppliers
            .iter()
            .map(|s| {
                let can = |c| s.capabilities.contains(&c);
                let sells = if can(Capability::PlaceOrder) {
                    "quotes and orders"
                } else if can(Capability::InstantQuote) || can(Capability::AsyncQuote) {
                    "quotes only"
                } else {
                    "catalogue only"
                };
                format!(
                    "{} ({sells}; {}; ships to {})",
                    s.supplier,
                    s.currencies.join("/"),
                    s.ship_to_countries.join("/")
                )
            })
            .collect();
        format!("{} suppliers: {}.", self.suppliers.len(), each.join(", "))
    }
}

/// The tail every fan-out summary shares: who failed and who was not asked.
fn fan_out_tail<T>(f: &FanOutResponse<T>) -> String {
    let mut tail = String::new();
    if !f.errors.is_empty() {
        let failed: Vec<String> = f
            .errors
            .iter()
            .map(|e| format!("{} ({})", e.supplier, e.error.code.as_str()))
            .collect();
        tail.push_str(&format!(" Failed: {}.", failed.join(", ")));
    }
    if !f.skipped.is_empty() {
        let skipped: Vec<&str> = f.skipped.iter().map(|s| s.supplier.as_str()).collect();
        tail.push_str(&format!(" Not asked: {}.", skipped.join(", ")));
    }
    tail
}

impl Summary for FanOutResponse<SearchPage> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .answers
            .iter()
            .map(|a| {
                let more = if a.answer.next_cursor.is_some() {
                    ", more pages"
                } else {
                    ""
                };
                format!("{} {}{more}", a.supplier, a.answer.items.len())
            })
            .collect();
        let total: usize = self.answers.iter().map(|a| a.answer.items.len()).sum();
        format!(
            "{total} items ({}).{} Items are in structured content under answers[].answer.items.",
            each.join(", "),
            fan_out_tail(self)
        )
    }
}

impl Summary for OffersResponse {
    fn summary(&self) -> String {
        let best = match self.offers.first() {
            Some(o) => format!(
                "Best: {} \"{}\" from {} — {} for {}{}.",
                o.item.ids.supplier_sku,
                crate::display::truncate(&o.item.title, 60),
                o.supplier,
                crate::display::money(&o.line_total),
                crate::display::quantity(&o.quantity),
                if o.orderable {
                    ""
                } else {
                    " (this supplier does not take orders)"
                }
            ),
            None => "No offer matched.".to_string(),
        };
        let mut s = format!(
            "{best} {} offers ranked, {} orderable; {} items left out.",
            self.offers.len(),
            self.offers.iter().filter(|o| o.orderable).count(),
            self.problems.len()
        );
        if !self.truncated.is_empty() {
            s.push_str(&format!(
                " More items not looked at from: {}.",
                self.truncated.join(", ")
            ));
        }
        s
    }
}

impl Summary for FanOutResponse<Quote> {
    fn summary(&self) -> String {
        let each: Vec<String> = self
            .answers
            .iter()
            .map(|a| {
                let q = &a.answer;
                let until = q
                    .valid_until
                    .map(|t| format!(", valid until {} UTC", crate::display::date_time(t)))
                    .unwrap_or_default();
                format!(
                    "{}: quote {} ({}), {}{until}",
                    a.supplier,
                    q.quote_id,
                    crate::display::label(&q.status),
                    crate::display::money(&q.totals.grand_total)
                )
            })
            .collect();
        format!("{}.{}", each.join("; "), fan_out_tail(self))
    }
}

impl Summary for Order {
    fn summary(&self) -> String {
        format!(
            "Order {} (PO {}): {}, acknowledgement {}, total {}.",
            self.order_id,
            self.buyer_po,
            crate::display::label(&self.status),
            crate::display::label(&self.ack),
            crate::display::money(&self.totals.grand_total)
        )
    }
}

impl Summary for CancelOutcome {
    fn summary(&self) -> String {
        format!(
            "Cancellation {}; the order is now {}.",
            crate::display::label(&self.status),
            crate::display::label(&self.order.status)
        )
    }
}

/// An error as a tool result: `isError` with the problem details as JSON text.
fn problem_result(e: &ApiError) -> CallToolResult {
    let mut problem = e.to_problem(None);
    if matches!(e, ApiError::IdempotencyKeyRequired) {
        // The HTTP wording names a header; over MCP the key is an argument.
        problem.detail = format!(
            "this call changes state at the supplier: pass `{IDEMPOTENCY_KEY}` so a retry cannot act twice; {KEY_FORM}"
        );
    }
    let text = serde_json::to_string(&problem)
        .unwrap_or_else(|_| json!({"code": problem.code, "detail": problem.detail}).to_string());
    CallToolResult::error(vec![ContentBlock::text(text)])
}

const IDEMPOTENCY_KEY: &str = "idempotency_key";
const KEY_FORM: &str =
    "1–255 visible ASCII characters, new for each distinct operation and the same when retrying it";

const INSTRUCTIONS: &str = "Mercato is one API to many industrial suppliers. Typical flow: \
list_suppliers to learn who can quote and order, in which currencies and countries; \
search_catalog or compare_offers to find items, prices and stock; request_quote for binding \
prices, delivery options and a quote_id; place_order (with the quote_id, a max_total and a new \
idempotency_key); get_order to follow it; cancel_order if needed. Money is integer minor units \
of a currency ({\"currency\":\"EUR\",\"minor\":1234} is EUR 12.34); quantities are \
{\"steps\":25,\"unit\":\"C62\",\"scale\":0} = steps × 10^-scale of a UN/CEFACT unit (C62 = \
piece); unit prices are decimals {\"mantissa\":1234,\"scale\":3} = 1.234 per basis quantity; \
timestamps are milliseconds since the Unix epoch. Currencies and units are never converted. A \
failed call returns isError with an RFC 9457 problem: match on its `code`, and when it has \
`retry_after_ms`, wait that long before retrying. When a place_order or cancel_order call fails \
or times out, retry with the same idempotency_key: the supplier then acts at most once.";

const MONEY_NOTE: &str = "Money is {\"currency\":\"EUR\",\"minor\":1234} (integer minor units: \
EUR 12.34); quantities are {\"steps\":n,\"unit\":\"C62\",\"scale\":0} (steps × 10^-scale of a \
UN/CEFACT unit, C62 = piece); unit prices are {\"mantissa\":m,\"scale\":s} per basis quantity.";

/// The tools, built once.
fn tools() -> &'static [Tool] {
    static TOOLS: LazyLock<Vec<Tool>> = LazyLock::new(|| {
        let lookup = || {
            ToolAnnotations::new()
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(true)
        };
        // Each call creates a quote at the supplier: not read-only, not idempotent, but
        // nothing is bought or lost.
        let creating = || {
            ToolAnnotations::new()
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(true)
        };
        let mutating = || {
            ToolAnnotations::new()
                .read_only(false)
                .destructive(true)
                .idempotent(true)
                .open_world(true)
        };
        vec![
            tool(
                LIST_SUPPLIERS,
                "List the suppliers",
                "The suppliers this host buys from, and what each can do: `capabilities` \
                 (search, instant_quote, place_order, cancel_order, …), the `currencies` it \
                 sells in, the `ship_to_countries` it delivers to, `max_lines_per_order`, \
                 whether its `breaker` is closed (calls flow) or open (suspended after \
                 faults), and its `readiness` (its connection check: ready, failing, \
                 not_checkable or unchecked). Call it first: quote and order only with \
                 suppliers whose capabilities include instant_quote and place_order (pass \
                 them as compare_offers' scope.suppliers). \
                 `currency` and `country` keep only the suppliers that sell in or ship to \
                 them. Read-only; asks no supplier."
                    .to_string(),
                (input::<SuppliersArgs>(), output::<SuppliersResponse>()),
                ToolAnnotations::new()
                    .read_only(true)
                    .destructive(false)
                    .idempotent(true)
                    .open_world(false),
            ),
            tool(
                SEARCH_CATALOG,
                "Search the catalogues",
                format!(
                    "Search every eligible supplier's catalogue at once (free text such as \"M8 hex \
                     bolt\", category codes, in-stock only). Returns each supplier's page of items \
                     (SKU, title, identifiers, price tiers, order rules, stock) under `answers`, \
                     suppliers that failed under `errors` with a typed code, and suppliers not \
                     asked under `skipped` (they do not sell in the currency or ship to the \
                     country). `scope` picks currency, ship-to country and suppliers; the \
                     caller's defaults fill what is left out. For the next page pass each \
                     supplier's `next_cursor` in `cursors`. Read-only. {MONEY_NOTE}"
                ),
                (
                    input::<SearchRequest>(),
                    output::<FanOutResponse<SearchPage>>(),
                ),
                lookup(),
            ),
            tool(
                COMPARE_OFFERS,
                "Compare offers for a quantity",
                format!(
                    "Search every eligible supplier for `text` and rank what they offer for the \
                     wanted `quantity`, best first: the quantity is rounded up to each item's \
                     order rules (minimum, increment) and priced at the tier it reaches, then \
                     ranked by unit price, ship time and stock. `must_match` keeps only items \
                     whose title contains every word (the buyer's specification, e.g. \
                     [\"m8x30\"]). Offers are compared in one currency (scope.currency or the \
                     caller's default); items in another currency or unit are listed under \
                     `problems`, never converted. Each offer says whether its supplier is \
                     `orderable` (takes orders here); order only those. Read-only; prices are \
                     list prices, use request_quote for binding ones. {MONEY_NOTE}"
                ),
                (input::<OffersRequest>(), output::<OffersResponse>()),
                lookup(),
            ),
            tool(
                REQUEST_QUOTE,
                "Request quotes",
                format!(
                    "Ask every eligible supplier (or those named in `suppliers`) to quote the \
                     same lines for delivery to `request.ship_to`. Each answer is a quote with \
                     its `quote_id`, status (firm or indicative), validity, line prices, \
                     shipping, tax, totals and fulfillment options. A quote commits to nothing; \
                     to buy, pass its quote_id, lines and grand total to place_order before it \
                     expires. Suppliers that cannot quote are under `errors` or `skipped`. \
                     {MONEY_NOTE}"
                ),
                (input::<QuotesRequest>(), output::<FanOutResponse<Quote>>()),
                creating(),
            ),
            tool(
                PLACE_ORDER,
                "Place an order",
                format!(
                    "Place a binding purchase order with one supplier. This spends money. \
                     The flow: request_quote, then pass its `quote_id`, its lines (each with \
                     its `line_id`, item as {{\"kind\":\"sku\",\"sku\":…}}, quantity, and the \
                     quoted unit price as `expected_unit_price`) and its grand total as \
                     `max_total`, before the quote's valid_until. `max_total` caps the total: \
                     an order priced above it is refused or cancelled, never accepted. A price \
                     other than the expected one is refused with code `price_changed`. \
                     `{IDEMPOTENCY_KEY}` is required: a new key for each new order, the same key \
                     when retrying after an error or timeout, so the supplier acts once. \
                     `partial_delivery` defaults to ship_complete and `payment` to \
                     {{\"kind\":\"on_account\"}}. The buyer's spend mandate judges every order \
                     first: code `mandate_denied` (with `mandate_rule`) means it may not be \
                     placed; code `approval_required` (with `approval_id`) means nothing was sent \
                     and a person must approve it — tell the user, and once approved the host \
                     places it; follow it with get_order by the buyer_po. Returns the order as \
                     acknowledged (order_id, status, lines, totals). {MONEY_NOTE}"
                ),
                (
                    with_idempotency_key(input::<PlaceOrder>(), "the order"),
                    output::<Order>(),
                ),
                mutating(),
            ),
            tool(
                GET_ORDER,
                "Get an order",
                "An order's current state at the supplier: status, acknowledgement, each line's \
                 ordered, confirmed and shipped quantities, prices and totals. Look it up by the \
                 supplier's order id or by the buyer PO. Read-only."
                    .to_string(),
                (input::<OrderArgs>(), output::<Order>()),
                lookup(),
            ),
            tool(
                CANCEL_ORDER,
                "Cancel an order",
                format!(
                    "Ask the supplier to cancel an order, or only the lines named in \
                     `line_ids`. Returns what was cancelled and what could not be (for example \
                     lines already shipped). `{IDEMPOTENCY_KEY}` is required: a new key for \
                     each cancellation, the same key when retrying it."
                ),
                (
                    with_idempotency_key(input::<CancelArgs>(), "the cancellation"),
                    output::<CancelOutcome>(),
                ),
                mutating(),
            ),
        ]
    });
    &TOOLS
}

fn tool(
    name: &'static str,
    title: &'static str,
    description: String,
    (input_schema, output_schema): (Arc<JsonObject>, Arc<JsonObject>),
    annotations: ToolAnnotations,
) -> Tool {
    let mut tool = Tool::new(name, description, input_schema)
        .with_title(title)
        .with_annotations(annotations);
    tool.output_schema = Some(output_schema);
    tool
}

/// The schema of a tool's structured answer `T`, without its descriptions: the fields are
/// the ones the input schemas and the OpenAPI document describe, and the descriptions would
/// double the `tools/list` an agent host puts in the model's context.
fn output<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let mut schema = Value::Object(schema_for_output::<T>().as_ref().clone());
    undescribed(&mut schema);
    bounded(schema)
}

/// `schema` with its integers' ranges stated, as the OpenAPI document and the body check
/// state them.
fn bounded(mut schema: Value) -> Arc<JsonObject> {
    super::openapi::bound_integers(&mut schema);
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => unreachable!("a schema stays an object"),
    }
}

/// `schema` without `description` and `title` keywords (string-valued; a property that is
/// itself named `description` has a schema object as its value and stays).
fn undescribed(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.retain(|k, v| !(matches!(k.as_str(), "description" | "title") && v.is_string()));
            map.values_mut().for_each(undescribed);
        }
        Value::Array(items) => items.iter_mut().for_each(undescribed),
        _ => {}
    }
}

/// The input schema of `T` (an object; the api types are).
fn input<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let schema = schema_for_input::<T>().unwrap_or_else(|e| panic!("tool input schema: {e}"));
    bounded(Value::Object(schema.as_ref().clone()))
}

/// `schema` with a required `idempotency_key` string property.
fn with_idempotency_key(schema: Arc<JsonObject>, what: &str) -> Arc<JsonObject> {
    let mut schema = schema.as_ref().clone();
    let key = json!({
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[!-~]+$",
        "description": format!(
            "Identifies {what} for safe retries: {KEY_FORM}."
        ),
    });
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert(IDEMPOTENCY_KEY.to_string(), key);
    } else {
        schema.insert("properties".into(), json!({ IDEMPOTENCY_KEY: key }));
    }
    match schema.get_mut("required") {
        Some(Value::Array(required)) => required.push(json!(IDEMPOTENCY_KEY)),
        _ => {
            schema.insert("required".into(), json!([IDEMPOTENCY_KEY]));
        }
    }
    Arc::new(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_with_object_schemas_and_the_key_where_state_changes() {
        let tools = tools();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                LIST_SUPPLIERS,
                SEARCH_CATALOG,
                COMPARE_OFFERS,
                REQUEST_QUOTE,
                PLACE_ORDER,
                GET_ORDER,
                CANCEL_ORDER
            ]
        );
        for t in tools {
            assert_eq!(
                t.input_schema.get("type"),
                Some(&json!("object")),
                "{}",
                t.name
            );
            let required = t.input_schema.get("required").cloned().unwrap_or(json!([]));
            let keyed = required
                .as_array()
                .is_some_and(|r| r.contains(&json!(IDEMPOTENCY_KEY)));
            let a = t.annotations.as_ref().expect("annotations");
            assert_eq!(keyed, a.destructive_hint == Some(true), "{}", t.name);
            // Only a quote request changes state without a key: it buys nothing.
            let creates = t.name == REQUEST_QUOTE;
            assert_eq!(
                a.read_only_hint == Some(true),
                !keyed && !creates,
                "{}",
                t.name
            );
            assert_eq!(a.idempotent_hint == Some(true), !creates, "{}", t.name);
            assert!(
                t.input_schema["properties"]
                    .as_object()
                    .is_some_and(|p| !p.is_empty()),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn arguments_are_checked_like_a_body_and_the_key_is_taken_out() {
        let mut args = json!({"supplier": "voltaic", "order_id": "A-1", "idempotency_key": "k-1", "line_ids": ["1"]})
            .as_object()
            .cloned()
            .unwrap();
        let key = take_key(&mut args).unwrap();
        assert_eq!(key.as_str(), "k-1");
        let parsed: CancelArgs = parse(args).unwrap();
        assert_eq!(parsed.line_ids, ["1"]);

        let unknown = json!({"supplier": "voltaic", "order_id": "A-1", "colour": "red"});
        let e = parse::<OrderArgs>(unknown.as_object().cloned().unwrap()).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");

        let mut none = JsonObject::new();
        let problem = problem_result(&take_key(&mut none).unwrap_err());
        assert_eq!(problem.is_error, Some(true));
        let text = problem.content[0].as_text().unwrap().text.clone();
        let p: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(p["code"], "idempotency_key_required");
        assert!(p["detail"].as_str().unwrap().contains(IDEMPOTENCY_KEY));
    }
}
