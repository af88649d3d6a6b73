//! The OpenAPI 3.1 document, generated from the same route table that builds the router (the
//! host's routes and the [`catalog`](super::catalog)'s operations) and from the parameter,
//! request and response types' JSON Schemas (schemars, draft 2020-12, which is
//! OpenAPI 3.1's schema dialect). Nothing in it is written by hand except summaries.

use super::api::{PROBLEM_JSON, Problem};
use super::catalog::{Operation, RequestBody as _};
use http::Method;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

/// How a route's schema is produced.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as a reference into `#/components/schemas`.
pub fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// What a route accepts and answers, for the document.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Path template, `{name}` for parameters (axum uses the same syntax).
    pub path: &'static str,
    /// `operationId`.
    pub id: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Grouping tag.
    pub tag: &'static str,
    /// Reachable without credentials.
    pub public: bool,
    /// Requires an `Idempotency-Key` header.
    pub idempotent_key: bool,
    /// Path and query parameters: an object schema whose properties are the parameters (a
    /// property named in the path template is a path parameter, the others query
    /// parameters); see [`params_schema`].
    pub params: Option<fn() -> Value>,
    /// JSON request body, if any.
    pub body: Option<SchemaFn>,
    /// Media type of a non-JSON body (inbound documents): accepted as raw bytes.
    pub raw_body: bool,
    /// Success status, description and JSON schema (`None`: not JSON).
    pub ok: (u16, &'static str, Option<SchemaFn>),
    /// Success media types when not JSON (the first is the default).
    pub ok_media: &'static [&'static str],
    /// Error statuses the route can answer with (besides 401 for protected routes).
    pub errors: &'static [u16],
    /// Operations a success leads to, with where their parameters come from.
    pub links: &'static [Link],
}

impl Endpoint {
    /// The documentation of catalogue operation `O`.
    pub fn of<O: Operation>() -> Self {
        let spec = O::SPEC;
        Endpoint {
            method: spec.verb.method(),
            path: spec.path,
            id: spec.id,
            summary: spec.summary,
            tag: spec.tag,
            public: false,
            idempotent_key: spec.keyed,
            params: Some(params_schema::<O::Params>),
            body: O::Body::absent()
                .is_none()
                .then_some(schema::<O::Body> as SchemaFn),
            raw_body: false,
            ok: (
                if spec.created { 201 } else { 200 },
                spec.ok,
                Some(schema::<O::Output>),
            ),
            ok_media: &[],
            errors: spec.errors,
            links: spec.links,
        }
    }
}

/// The schema of a parameters type, inline (no references), with integer ranges stated.
pub fn params_schema<T: JsonSchema>() -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    bound_integers(&mut schema);
    schema
}

/// The OpenAPI parameters of an operation at `path` whose parameters have the object schema
/// `params`: each property's description moves to the parameter, and an optional value's
/// `null` goes (a query parameter is absent, never null).
fn parameters(path: &str, params: &Value) -> Vec<Value> {
    let required: Vec<&str> = params["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = params["properties"].as_object() else {
        return Vec::new();
    };
    // Path parameters in the template's order, then query parameters.
    let mut names: Vec<(&String, &Value)> = properties.iter().collect();
    names.sort_by_key(|(name, _)| path.find(&format!("{{{name}}}")).unwrap_or(usize::MAX));
    names
        .into_iter()
        .map(|(name, schema)| {
            let mut schema = schema.clone();
            let description = schema
                .as_object_mut()
                .and_then(|s| s.remove("description"))
                .unwrap_or(Value::Null);
            not_null(&mut schema);
            let in_path = path.contains(&format!("{{{name}}}"));
            let mut parameter = json!({
                "name": name,
                "in": if in_path { "path" } else { "query" },
                "required": in_path || required.contains(&name.as_str()),
                "schema": schema,
            });
            if !description.is_null() {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

/// `schema` without the `null` an `Option` adds (`"type": ["string", "null"]`, or a
/// `{"type": "null"}` branch of `anyOf`).
fn not_null(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            map.insert("type".into(), only);
        }
    }
    let null = json!({"type": "null"});
    let branch = match map.get("anyOf") {
        Some(Value::Array(branches)) if branches.len() == 2 && branches.contains(&null) => {
            branches.iter().find(|b| **b != null).cloned()
        }
        _ => None,
    };
    if let Some(Value::Object(other)) = branch {
        map.remove("anyOf");
        for (k, v) in other {
            map.entry(k).or_insert(v);
        }
    }
}

/// An OpenAPI link: from a response to the operation it leads to (quote → order → shipments),
/// so a client or a stateful test can follow the flow.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// The link's name in the response.
    pub name: &'static str,
    /// The `operationId` it leads to.
    pub operation: &'static str,
    /// Each parameter of that operation and the runtime expression giving its value.
    pub parameters: &'static [(&'static str, &'static str)],
    /// One line.
    pub description: &'static str,
}

/// Build the document for `endpoints`.
pub fn document(endpoints: &[Endpoint]) -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let problem = g.subschema_for::<Problem>();
    let mut paths: Map<String, Value> = Map::new();
    for e in endpoints {
        let mut op = Map::new();
        op.insert("operationId".into(), json!(e.id));
        op.insert("summary".into(), json!(e.summary));
        op.insert("tags".into(), json!([e.tag]));
        let mut params = e
            .params
            .map(|p| parameters(e.path, &p()))
            .unwrap_or_default();
        if e.idempotent_key {
            params.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": true,
                "description": "The client's key for this mutation. A retry with the same key \
                    reaches the supplier with the same derived key, so it cannot order twice.",
                "schema": { "type": "string", "minLength": 1, "maxLength": 255,
                            "pattern": "^[!-~]+$" }
            }));
        }
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(body) = e.body {
            op.insert(
                "requestBody".into(),
                json!({ "required": true,
                        "content": { "application/json": { "schema": body(&mut g) } } }),
            );
        } else if e.raw_body {
            op.insert(
                "requestBody".into(),
                json!({ "required": true, "description": "The document as the supplier sends it.",
                        "content": { "*/*": { "schema": { "type": "string", "format": "binary" } } } }),
            );
        }
        let mut responses = Map::new();
        let (status, description, ok_schema) = e.ok;
        let mut ok = match (ok_schema, e.ok_media) {
            (Some(s), _) => {
                json!({ "description": description,
                        "content": { "application/json": { "schema": s(&mut g) } } })
            }
            (None, []) => json!({ "description": description }),
            (None, media) => {
                let content: Map<String, Value> = media
                    .iter()
                    .map(|m| (m.to_string(), json!({ "schema": { "type": "string" } })))
                    .collect();
                json!({ "description": description, "content": content })
            }
        };
        ok["headers"] = headers(&["X-Request-Id"]);
        if status == 201 {
            ok["headers"]["Location"] = header_ref("Location");
        }
        if !e.links.is_empty() {
            let links: Map<String, Value> = e
                .links
                .iter()
                .map(|l| {
                    let parameters: Map<String, Value> = l
                        .parameters
                        .iter()
                        .map(|(name, expr)| (name.to_string(), json!(expr)))
                        .collect();
                    let link = json!({ "operationId": l.operation, "parameters": parameters,
                                       "description": l.description });
                    (l.name.to_string(), link)
                })
                .collect();
            ok["links"] = Value::Object(links);
        }
        responses.insert(status.to_string(), ok);
        let mut errors: Vec<u16> = e.errors.to_vec();
        if !e.public {
            errors.push(401);
        }
        if e.params.is_some() {
            // Parameters are checked (an unknown or repeated one too), even on no-param routes.
            errors.push(400);
        }
        // Any request whose URI or headers pass the gateway's limits.
        errors.extend([414, 431]);
        errors.sort_unstable();
        errors.dedup();
        for status in errors {
            let named: &[&str] = match status {
                401 => &["X-Request-Id", "WWW-Authenticate"],
                // in_progress (409), busy or rate limited (429), unavailable (503).
                409 | 429 | 503 => &["X-Request-Id", "Retry-After"],
                _ => &["X-Request-Id"],
            };
            responses.insert(
                status.to_string(),
                json!({
                    "description": http::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Error"),
                    "headers": headers(named),
                    "content": { PROBLEM_JSON: { "schema": problem } }
                }),
            );
        }
        op.insert("responses".into(), Value::Object(responses));
        if e.public {
            op.insert("security".into(), json!([]));
        }
        let item = paths
            .entry(e.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        item[e.method.as_str().to_ascii_lowercase()] = Value::Object(op);
    }
    let mut schemas = Value::Object(g.take_definitions(true));
    bound_integers(&mut schemas);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mercato",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "One API for machine customers to search, quote and order across suppliers.",
            "description": REPRESENTATION,
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [ { "url": "/" } ],
        "security": [ { "bearer": [] }, { "apiKey": [] } ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "headers": {
                "X-Request-Id": {
                    "description": "The request's id: the one the client sent (1–128 visible \
                        ASCII characters), or one the gateway made. The host's log lines and a \
                        problem's `request_id` carry it.",
                    "schema": { "type": "string" }
                },
                "Retry-After": {
                    "description": "Seconds to wait before retrying (a problem's \
                        `retry_after_ms`, rounded up); sent when a retry may succeed.",
                    "schema": { "type": "integer", "minimum": 0 }
                },
                "Location": {
                    "description": "The created order: `/v1/orders/{supplier}/{order_id}`.",
                    "schema": { "type": "string" }
                },
                "WWW-Authenticate": {
                    "description": "`Bearer realm=\"mercato\"`.",
                    "schema": { "type": "string" }
                }
            },
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer",
                            "description": "The client's API key as a bearer token." },
                "apiKey": { "type": "apiKey", "in": "header", "name": "X-Api-Key" }
            }
        }
    })
}

/// `schema` with the range of every integer whose `format` names its width (`uint64`,
/// `int32`, …) stated as `minimum` and `maximum`: schemars names the width but bounds only
/// the unsigned types' minimum, so a client would think `1e24` is a valid `steps`.
pub fn bound_integers(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let range: Option<(Value, Value)> = match map.get("format").and_then(Value::as_str) {
                Some("uint8") => Some((json!(0), json!(u8::MAX))),
                Some("uint16") => Some((json!(0), json!(u16::MAX))),
                Some("uint32") => Some((json!(0), json!(u32::MAX))),
                Some("uint64") => Some((json!(0), json!(u64::MAX))),
                Some("int8") => Some((json!(i8::MIN), json!(i8::MAX))),
                Some("int16") => Some((json!(i16::MIN), json!(i16::MAX))),
                Some("int32") => Some((json!(i32::MIN), json!(i32::MAX))),
                Some("int64") => Some((json!(i64::MIN), json!(i64::MAX))),
                _ => None,
            };
            if let Some((min, max)) = range {
                map.entry("minimum").or_insert(min);
                map.entry("maximum").or_insert(max);
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// A response's `headers`, each a reference to `#/components/headers`.
fn headers(names: &[&str]) -> Value {
    Value::Object(
        names
            .iter()
            .map(|n| (n.to_string(), header_ref(n)))
            .collect(),
    )
}

fn header_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/headers/{name}") })
}

/// How values are represented, stated once (also in `gateway::api`).
const REPRESENTATION: &str = "\
Every request runs as a machine client identified by its API key \
(`Authorization: Bearer <key>` or `X-Api-Key: <key>`); only `/health` and `/openapi.json` \
are public.\n\n\
Representation, the same everywhere: names and enum values are snake_case, and a variant \
is an object whose `kind` names the case (`{\"kind\": \"sku\", \"sku\": \"VC-1\"}`); **money** is `{\"currency\": \"EUR\", \"minor\": 1234}` \
(integer minor units of an ISO 4217 currency); **quantities** are \
`{\"steps\": 25, \"unit\": \"C62\", \"scale\": 0}` (`steps × 10^-scale` of a UN/CEFACT Rec 20 \
unit); **decimals** are `{\"mantissa\": 1234, \"scale\": 3}` = 1.234; **prices** are an amount \
per basis quantity; **timestamps** are milliseconds since the Unix epoch (UTC). Currencies and \
units are never converted: a mismatch is reported.\n\n\
Fan-out endpoints answer 200 with every supplier's answer, typed per-supplier errors and the \
suppliers not asked; single-supplier endpoints answer with the supplier's data or an RFC 9457 \
problem (`application/problem+json`) whose `code` is typed. Mutating calls need an \
`Idempotency-Key` header.";
