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
//! - **Tools come from the [`catalog`]**: each operation that declares a [`ToolSpec`] is a
//!   tool (rather than rmcp's `#[tool]` macros), whose input schema is the operation's
//!   parameters and body in one object, plus a required `idempotency_key` where the HTTP API
//!   takes an `Idempotency-Key` header. Arguments are split back into parameters and body and
//!   parsed exactly as the HTTP API parses them (same error text), and every call first
//!   resolves who is calling.
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

use super::catalog::{self, Call, Effect, MONEY_NOTE, Operation, RequestBody as _, ToolSpec};
use super::http::MAX_BODY_BYTES;
use super::openapi::params_schema;
use super::problem::ApiError;
use super::service::Service;
use super::summary::Summary;
use crate::clients::Client;
use crate::desk::IdempotencyKey;
use futures::future::BoxFuture;
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
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

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
pub async fn serve_stdio(service: Service, client: Arc<Client>) -> Result<(), McpError> {
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
) -> Result<(), McpError>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    tracing::info!(client = %client.id, "serving MCP over a byte stream");
    let server = McpServer {
        service,
        identity: Identity::Fixed(client),
    };
    let running = server
        .serve((reader, writer))
        .await
        .map_err(|e| McpError::Start(e.to_string()))?;
    let reason = running
        .waiting()
        .await
        .map_err(|e| McpError::Stopped(e.to_string()))?;
    tracing::info!(?reason, "the MCP peer is gone");
    Ok(())
}

/// Why an MCP session over a byte stream failed.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The peer did not complete MCP's initialisation.
    #[error("the MCP session did not start: {0}")]
    Start(String),
    /// The session's task ended abnormally.
    #[error("the MCP session ended abnormally: {0}")]
    Stopped(String),
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
        Ok(ListToolsResult::with_all_items(
            tools().iter().map(|t| t.tool.clone()).collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools()
            .iter()
            .find(|t| t.tool.name == name)
            .map(|t| t.tool.clone())
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
        match tools().iter().find(|t| t.tool.name == name) {
            Some(t) => match unknown_argument(&t.tool, &args) {
                Some(e) => Ok(problem_result(&e)),
                None => (t.run)(&self.service, client, args).await,
            },
            None => Err(ErrorData::invalid_params(
                format!("there is no tool `{name}`"),
                None,
            )),
        }
    }
}

/// Run catalogue operation `O` as a tool: the key taken out of `args`, the parameters and the
/// body parsed from what is left (as the HTTP API parses them, with the same error text).
async fn run_tool<O: Operation>(
    service: &Service,
    client: &Client,
    mut args: JsonObject,
) -> Result<CallToolResult, ErrorData> {
    let call = (|| {
        let key = if O::SPEC.keyed {
            Some(take_key(&mut args)?)
        } else {
            None
        };
        let (params, body) = split::<O>(args);
        // Parameters first, as the HTTP API checks them.
        let params = parse(params)?;
        let body = match O::Body::absent() {
            Some(nothing) => nothing,
            None => parse(body)?,
        };
        Ok(Call::new(params, body, key))
    })();
    match call {
        Ok(call) => answer(O::run(service, client, call).await),
        Err(e) => Ok(problem_result(&e)),
    }
}

/// The refusal of an argument `tool` does not take, naming every one it does (its parameters,
/// its body's fields and its key, where a parse of either part alone would list only that
/// part's).
fn unknown_argument(tool: &Tool, args: &JsonObject) -> Option<ApiError> {
    let known = tool
        .input_schema
        .get("properties")
        .and_then(Value::as_object)?;
    let unknown = args.keys().find(|name| !known.contains_key(*name))?;
    let names: Vec<&str> = known.keys().map(String::as_str).collect();
    Some(ApiError::BadRequest(format!(
        "invalid arguments: {unknown}: not an argument of {}; the arguments are {}",
        tool.name,
        names.join(", ")
    )))
}

/// `args` split into `O`'s parameters and its body (all of it to the parameters when `O` takes
/// no body, so an unknown argument is refused with the parameters' names).
fn split<O: Operation>(args: JsonObject) -> (JsonObject, JsonObject) {
    if O::Body::absent().is_some() {
        return (args, JsonObject::new());
    }
    let names = params_schema::<O::Params>();
    let is_param = |name: &str| names["properties"].get(name).is_some();
    args.into_iter().partition(|(name, _)| is_param(name))
}

/// Parse tool arguments as the HTTP API parses a body (unknown fields refused), with the same
/// error text: the path of the offending field and what was wrong.
fn parse<T: serde::de::DeserializeOwned + JsonSchema + 'static>(
    args: JsonObject,
) -> Result<T, ApiError> {
    super::body::parse_value(Value::Object(args), "argument").map_err(|e| match e {
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
prices, delivery options and a quote_id; order_quote (the quote's supplier and quote_id, a \
buyer_po, the ship_to and a new idempotency_key) to buy exactly what it priced, or place_order \
for lines of your own; get_approval follows an order that waits for a person's approval; \
get_order follows an order; cancel_order if needed. Money is integer minor units of a currency ({\"currency\":\"EUR\",\"minor\":1234} is EUR 12.34); quantities are \
{\"steps\":25,\"unit\":\"C62\",\"scale\":0} = steps × 10^-scale of a UN/CEFACT unit (C62 = \
piece); unit prices are decimals {\"mantissa\":1234,\"scale\":3} = 1.234 per basis quantity; \
timestamps are milliseconds since the Unix epoch. Currencies and units are never converted. A \
failed call returns isError with an RFC 9457 problem: match on its `code`, and when it has \
`retry_after_ms`, wait that long before retrying. When a call that takes an idempotency_key \
fails or times out, retry with the same key: the supplier then acts at most once.";

/// A tool and how to run it.
struct Entry {
    tool: Tool,
    run: for<'a> fn(&'a Service, &'a Client, JsonObject) -> BoxFuture<'a, ToolOutcome>,
}

type ToolOutcome = Result<CallToolResult, ErrorData>;

fn runner<'a, O: Operation>(
    s: &'a Service,
    c: &'a Client,
    args: JsonObject,
) -> BoxFuture<'a, ToolOutcome> {
    Box::pin(run_tool::<O>(s, c, args))
}

/// The catalogue's operations that have a tool.
struct Tools(Vec<Entry>);

impl catalog::Visitor for Tools {
    fn visit<O: Operation>(&mut self) {
        if let Some(spec) = O::SPEC.tool {
            self.0.push(Entry {
                tool: tool::<O>(spec),
                run: runner::<O>,
            });
        }
    }
}

/// The tools, built once from the catalogue.
fn tools() -> &'static [Entry] {
    static TOOLS: LazyLock<Vec<Entry>> = LazyLock::new(|| {
        let mut tools = Tools(Vec::new());
        catalog::visit(&mut tools);
        tools.0
    });
    &TOOLS
}

/// Operation `O` as the tool `spec` describes.
fn tool<O: Operation>(spec: ToolSpec) -> Tool {
    let description = if spec.money {
        format!("{} {MONEY_NOTE}", spec.description)
    } else {
        spec.description.to_string()
    };
    let annotations = ToolAnnotations::new().open_world(spec.effect != Effect::ReadsHost);
    let annotations = match spec.effect {
        Effect::ReadsHost | Effect::Reads => annotations
            .read_only(true)
            .destructive(false)
            .idempotent(true),
        // Each call creates a quote at the supplier: not read-only, not idempotent, but
        // nothing is bought or lost.
        Effect::Creates => annotations
            .read_only(false)
            .destructive(false)
            .idempotent(false),
        // Keyed: a retry with the same key acts once.
        Effect::Commits => annotations
            .read_only(false)
            .destructive(true)
            .idempotent(true),
    };
    let mut tool = Tool::new(spec.name, description, input::<O>())
        .with_title(spec.title)
        .with_annotations(annotations);
    tool.output_schema = Some(output::<O::Output>());
    tool
}

/// The schema of a tool's structured answer `T`, lean: the shape of the answer and its enum
/// values, without descriptions, patterns, ranges, formats or defaults. The fields are the
/// ones the input schemas and the OpenAPI document describe, and the rest would more than
/// double the `tools/list` an agent host puts in the model's context.
fn output<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let mut schema = Value::Object(schema_for_output::<T>().as_ref().clone());
    lean(&mut schema);
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => unreachable!("a schema stays an object"),
    }
}

/// See [`output`]. A `oneOf` of constants becomes one `enum`.
fn lean(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.retain(|k, v| {
                !(matches!(
                    k.as_str(),
                    "pattern" | "minimum" | "maximum" | "format" | "default"
                ) || matches!(k.as_str(), "description" | "title") && v.is_string())
            });
            for (keyword, value) in map.iter_mut() {
                match (keyword.as_str(), value) {
                    // Maps of names to schemas: the names are not keywords.
                    ("properties" | "$defs", Value::Object(named)) => {
                        named.values_mut().for_each(lean)
                    }
                    (_, value) => lean(value),
                }
            }
            let constants: Option<Vec<Value>> = match map.get("oneOf") {
                Some(Value::Array(cases)) => cases
                    .iter()
                    .map(|c| match c.as_object() {
                        Some(case)
                            if case.len() == 2 && case.get("type") == Some(&json!("string")) =>
                        {
                            case.get("const").cloned()
                        }
                        _ => None,
                    })
                    .collect(),
                _ => None,
            };
            if let Some(values) = constants {
                map.remove("oneOf");
                map.insert("type".into(), json!("string"));
                map.insert("enum".into(), Value::Array(values));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(lean),
        _ => {}
    }
}

/// `schema` with its integers' ranges stated, as the OpenAPI document and the body check
/// state them, and its code patterns short (see [`short_codes`]).
fn bounded(mut schema: Value) -> Arc<JsonObject> {
    super::openapi::bound_integers(&mut schema);
    short_codes(&mut schema);
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => unreachable!("a schema stays an object"),
    }
}

/// `schema` with the currency and country patterns (every code the host knows, a few
/// kilobytes each, repeated in every tool) cut to their shape: three or two letters. A model
/// reads `tools/list` whole; the descriptions name the codes, and the server still checks
/// each argument against the exact pattern and says which code it does not know.
fn short_codes(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(pattern)) = map.get_mut("pattern") {
                if *pattern == *crate::wire::codes::CURRENCY_PATTERN {
                    *pattern = "^[ \\t\\r\\n]*[A-Za-z]{3}[ \\t\\r\\n]*$".into();
                } else if *pattern == *crate::wire::codes::COUNTRY_PATTERN {
                    *pattern = "^[ \\t\\r\\n]*[A-Za-z]{2}[ \\t\\r\\n]*$".into();
                }
            }
            map.values_mut().for_each(short_codes);
        }
        Value::Array(items) => items.iter_mut().for_each(short_codes),
        _ => {}
    }
}

/// The input schema of `O`: its parameters' and its body's properties in one object, and
/// `idempotency_key` when it is keyed.
fn input<O: Operation>() -> Arc<JsonObject> {
    let mut schema = match O::Body::absent() {
        Some(_) => JsonObject::new(),
        None => schema_for_input::<O::Body>()
            .unwrap_or_else(|e| panic!("tool input schema: {e}"))
            .as_ref()
            .clone(),
    };
    schema.insert("type".into(), json!("object"));
    let params = params_schema::<O::Params>();
    let mut properties = params["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(body)) = schema.remove("properties") {
        properties.extend(body);
    }
    let mut required: Vec<Value> = params["required"].as_array().cloned().unwrap_or_default();
    if let Some(Value::Array(body)) = schema.remove("required") {
        required.extend(body);
    }
    if O::SPEC.keyed {
        properties.insert(
            IDEMPOTENCY_KEY.to_string(),
            json!({
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[!-~]+$",
                "description": format!("Identifies this call for safe retries: {KEY_FORM}."),
            }),
        );
        required.push(json!(IDEMPOTENCY_KEY));
    }
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    if O::Body::absent().is_some() {
        schema.insert("additionalProperties".into(), json!(false));
    }
    bounded(Value::Object(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_with_object_schemas_and_the_key_where_state_changes() {
        let names: Vec<&str> = tools().iter().map(|t| t.tool.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "list_suppliers",
                "search_catalog",
                "compare_offers",
                "request_quote",
                "get_quote",
                "order_quote",
                "place_order",
                "get_order",
                "cancel_order",
                "get_approval",
            ]
        );
        for t in tools().iter().map(|t| &t.tool) {
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
            let creates = t.name == "request_quote";
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

    /// A model reads the whole list: its size is a cost on every conversation.
    #[test]
    fn the_tool_list_stays_small_and_keeps_the_code_shapes() {
        let listed: Vec<&Tool> = tools().iter().map(|t| &t.tool).collect();
        let text = serde_json::to_string(&listed).unwrap();
        // 206,777 bytes with every currency and country spelled out and full output schemas.
        assert!(
            text.len() < 128 * 1024,
            "tools/list is {} bytes",
            text.len()
        );
        assert!(text.contains("[A-Za-z]{3}"), "the currency shape is stated");
        assert!(!text.contains("[Ee][Uu][Rr]"), "no list of every currency");
    }

    #[test]
    fn a_tool_takes_its_parameters_and_its_body_as_one_object() {
        let cancel = tools()
            .iter()
            .find(|t| t.tool.name == "cancel_order")
            .expect("cancel_order");
        let properties = cancel.tool.input_schema["properties"].as_object().unwrap();
        for name in [
            "supplier",
            "order_id",
            "line_ids",
            "reason",
            IDEMPOTENCY_KEY,
        ] {
            assert!(properties.contains_key(name), "{name}");
        }
        let required = &cancel.tool.input_schema["required"];
        for name in ["supplier", "order_id", IDEMPOTENCY_KEY] {
            assert!(
                required.as_array().unwrap().contains(&json!(name)),
                "{name}"
            );
        }

        // An unknown argument is refused with every name the tool takes, not one part's.
        let colour = json!({"supplier": "voltaic", "colour": "red"});
        let e = unknown_argument(&cancel.tool, colour.as_object().unwrap()).expect("refused");
        let why = e.to_string();
        assert!(
            why.contains("colour: not an argument of cancel_order"),
            "{why}"
        );
        for name in [
            "supplier",
            "order_id",
            "line_ids",
            "reason",
            IDEMPOTENCY_KEY,
        ] {
            assert!(why.contains(name), "{name} in {why}");
        }
        let known = json!({"supplier": "voltaic", "order_id": "A-1"});
        assert!(unknown_argument(&cancel.tool, known.as_object().unwrap()).is_none());

        let args = json!({"supplier": "voltaic", "order_id": "A-1", "line_ids": ["1"]});
        let (params, body) = split::<catalog::CancelOrder>(args.as_object().cloned().unwrap());
        let params: super::super::api::OrderRef = parse(params).unwrap();
        let body: super::super::api::CancelBody = parse(body).unwrap();
        assert_eq!(params.order_id, "A-1");
        assert_eq!(body.line_ids, ["1"]);
    }

    #[test]
    fn arguments_are_checked_like_a_body_and_the_key_is_taken_out() {
        let mut args = json!({"supplier": "voltaic", "order_id": "A-1", "idempotency_key": "k-1"})
            .as_object()
            .cloned()
            .unwrap();
        let key = take_key(&mut args).unwrap();
        assert_eq!(key.as_str(), "k-1");

        let unknown = json!({"supplier": "voltaic", "order_id": "A-1", "colour": "red"});
        let (params, _) = split::<catalog::GetOrder>(unknown.as_object().cloned().unwrap());
        let e = parse::<super::super::api::OrderRef>(params).unwrap_err();
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
