//! The MCP server end to end: a real rmcp client over streamable HTTP (through the gateway's
//! authentication, with both the `initialize` and the `server/discover` lifecycle) and over a
//! stdio-style byte stream, against the demo suppliers. Tool answers must equal the HTTP
//! API's answers to the same request.

use crate::common::quote_request;
use crate::gateway::{KEY, Running};
use mercato::broker::BrokerConfig;
use mercato::contract::{PartialDelivery, QuoteLine};
use mercato::contract::{PaymentInstruction, QuoteStatus};
use mercato::demo::plant_3;
use mercato::desk::PlaceOrder;
use mercato::gateway::api::QuotesRequest;
use mercato::gateway::mcp;
use rmcp::model::{CallToolRequestParams, CallToolResult, ProtocolVersion, Tool};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt as _, ServiceExt as _};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Voltaic's M8x30 hex bolt.
const BOLT: &str = "VC-HB-M8X30-A2";

type McpClient = RunningService<RoleClient, ()>;

/// MCP clients of a [`Running`] gateway.
trait Mcp {
    /// The streamable HTTP transport to the gateway's `/mcp`, with `key` if any.
    fn mcp_transport(&self, key: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client>;

    /// An MCP client over streamable HTTP with the legacy `initialize` handshake.
    async fn mcp(&self) -> McpClient {
        ().serve(self.mcp_transport(Some(KEY)))
            .await
            .expect("MCP initialize")
    }

    /// An MCP client over streamable HTTP with the `server/discover` lifecycle (per-request
    /// protocol metadata, no handshake).
    async fn mcp_discover(&self) -> McpClient {
        ().serve_with_lifecycle(
            self.mcp_transport(Some(KEY)),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("MCP discover")
    }
}

impl Mcp for Running {
    fn mcp_transport(&self, key: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client> {
        let mut config =
            StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", self.base));
        if let Some(key) = key {
            config = config.auth_header(key);
        }
        StreamableHttpClientTransport::from_config(config)
    }
}

/// Call a tool; a protocol error fails the test.
async fn call(client: &McpClient, name: &'static str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(name).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The structured answer of a successful call; its text part is a short summary of it.
fn answer(result: &CallToolResult) -> Value {
    let text = result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .expect("text content");
    assert_ne!(result.is_error, Some(true), "the call failed: {text}");
    let structured = result
        .structured_content
        .clone()
        .expect("structured content");
    assert!(
        text.len() < 600 && serde_json::from_str::<Value>(&text).is_err(),
        "the text part summarises, it does not repeat the answer: {text}"
    );
    structured
}

/// The problem details of a failed call.
fn problem(result: &CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(true), "expected an error: {result:?}");
    let text = &result.content[0].as_text().expect("text content").text;
    let problem: Value = serde_json::from_str(text).expect("problem JSON");
    assert!(
        problem["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:mercato:problem:")),
        "{problem}"
    );
    problem
}

/// A fan-out answer without its timings: per supplier, what it answered.
fn by_supplier(fan_out: &Value) -> Vec<(String, Value)> {
    fan_out["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| {
            (
                a["supplier"].as_str().unwrap().to_string(),
                a["answer"].clone(),
            )
        })
        .collect()
}

/// `value` without what differs from one call to the next: when stock and prices were read,
/// and timings.
fn stable(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.ends_with("observed_at") && k.as_str() != "elapsed_ms")
                .map(|(k, v)| (k.clone(), stable(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(stable).collect()),
        other => other.clone(),
    }
}

/// Whether two answers agree, ignoring [`stable`]'s volatile fields; on a difference, the
/// message names the first path that differs.
fn assert_same(what: &str, a: &Value, b: &Value) {
    fn first_difference(path: String, a: &Value, b: &Value) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => first_difference(format!("{path}.{k}"), v, w),
                    _ => Some(format!("{path}.{k} is on one side only")),
                })
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(n, (v, w))| first_difference(format!("{path}[{n}]"), v, w)),
            _ if a == b => None,
            _ => Some(format!("{path}: {a} vs {b}")),
        }
    }
    if let Some(difference) = first_difference(String::new(), &stable(a), &stable(b)) {
        panic!("{what}: MCP and HTTP answers differ at {difference}");
    }
}

/// (supplier, SKU) of every item of a search answer.
fn items(search: &Value) -> BTreeSet<(String, String)> {
    by_supplier(search)
        .into_iter()
        .flat_map(|(supplier, page)| {
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    (
                        supplier.clone(),
                        i["ids"]["supplier_sku"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Who failed and who was skipped, by supplier and code or reason.
fn left_out(fan_out: &Value) -> (Vec<Value>, Vec<Value>) {
    let errors = fan_out["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| json!([e["supplier"], e["error"]["code"]]))
        .collect();
    let skipped = fan_out["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| json!([s["supplier"], s["reason"]]))
        .collect();
    (errors, skipped)
}

fn annotations(tool: &Tool) -> (Option<bool>, Option<bool>, Option<bool>, Option<bool>) {
    let a = tool
        .annotations
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no annotations", tool.name));
    (
        a.read_only_hint,
        a.destructive_hint,
        a.idempotent_hint,
        a.open_world_hint,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_over_http_lists_the_tools_and_answers_as_the_http_api_does() {
    let gw = Running::start(BrokerConfig::default()).await;
    let client = gw.mcp().await;

    // The server introduces itself.
    let info = client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("implementation");
    assert_eq!(server.name, "mercato");
    assert!(!server.version.is_empty());
    assert!(
        info.instructions
            .as_deref()
            .is_some_and(|i| i.contains("idempotency_key")),
        "{:?}",
        info.instructions
    );

    // The tools with their annotations and object input schemas.
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: BTreeSet<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
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
        ])
    );
    for tool in &tools {
        let (read_only, destructive, idempotent, open_world) = annotations(tool);
        let mutating = matches!(
            tool.name.as_ref(),
            "order_quote" | "place_order" | "cancel_order"
        );
        // Every request_quote call creates a quote: neither read-only nor idempotent.
        let creates = tool.name == "request_quote";
        assert_eq!(
            read_only,
            Some(!mutating && !creates),
            "{}: readOnlyHint",
            tool.name
        );
        assert_eq!(
            destructive,
            Some(mutating),
            "{}: destructiveHint",
            tool.name
        );
        assert_eq!(idempotent, Some(!creates), "{}: idempotentHint", tool.name);
        // Listing the suppliers and following an approval ask none of them.
        assert_eq!(
            open_world,
            Some(!matches!(
                tool.name.as_ref(),
                "list_suppliers" | "get_approval"
            )),
            "{}: openWorldHint",
            tool.name
        );
        assert_eq!(
            tool.input_schema.get("type"),
            Some(&json!("object")),
            "{}: input schema",
            tool.name
        );
        assert!(
            tool.input_schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty()),
            "{}: input schema properties",
            tool.name
        );
        let required = tool
            .input_schema
            .get("required")
            .cloned()
            .unwrap_or(json!([]));
        assert_eq!(
            required
                .as_array()
                .unwrap()
                .contains(&json!("idempotency_key")),
            mutating,
            "{}: idempotency_key is required exactly where state changes",
            tool.name
        );
        assert!(
            tool.description.as_deref().is_some_and(|d| d.len() > 80),
            "{}: a description an agent can use",
            tool.name
        );
    }

    // list_suppliers = GET /v1/suppliers, filtered by what a supplier sells in and ships to.
    let listed = answer(&call(&client, "list_suppliers", json!({})).await);
    let (status, by_http) = gw.get("/v1/suppliers").await;
    assert_eq!(status, 200, "{by_http}");
    // The same answer as the HTTP API (whose test checks its content).
    assert_eq!(listed, by_http);
    assert!(
        listed["suppliers"][0]["readiness"]["state"].is_string(),
        "{listed:#}"
    );
    let in_usd = answer(&call(&client, "list_suppliers", json!({"currency": "usd"})).await);
    let sellers: Vec<&str> = in_usd["suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["supplier"].as_str().unwrap())
        .collect();
    assert!(sellers.contains(&"voltaic"), "{in_usd:#}");
    for s in in_usd["suppliers"].as_array().unwrap() {
        assert!(
            s["currencies"].as_array().unwrap().contains(&json!("USD")),
            "{s:#}"
        );
    }
    assert!(
        sellers.len() < listed["suppliers"].as_array().unwrap().len(),
        "{in_usd:#}"
    );
    let wrong = call(&client, "list_suppliers", json!({"currency": "euro"})).await;
    assert_eq!(wrong.is_error, Some(true), "{wrong:?}");
    // The same filter over HTTP, as query parameters: one operation, two front ends.
    let (status, in_usd_by_http) = gw.get("/v1/suppliers?currency=usd").await;
    assert_eq!(status, 200, "{in_usd_by_http}");
    assert_eq!(in_usd, in_usd_by_http);
    let (status, both) = gw.get("/v1/suppliers?currency=EUR&country=de").await;
    assert_eq!(status, 200, "{both}");
    let (status, wrong) = gw.get("/v1/suppliers?currency=euro").await;
    assert_eq!(status, 400, "{wrong}");
    assert!(
        wrong["detail"].as_str().unwrap().starts_with("currency: "),
        "{wrong}"
    );
    let (status, unknown) = gw.get("/v1/suppliers?colour=red").await;
    assert_eq!(status, 400, "{unknown}");
    assert_eq!(
        unknown["detail"],
        "colour: not a parameter here; the parameters are currency, country"
    );
    let (status, twice) = gw.get("/v1/orders/voltaic/A-1?supplier=nordfast").await;
    assert_eq!(status, 400, "{twice}");
    assert!(
        twice["detail"].as_str().unwrap().contains("more than once"),
        "{twice}"
    );

    // search_catalog = POST /v1/search with the same body.
    let search = json!({"text": "M8 hex bolt", "page_size": 50});
    let by_mcp = answer(&call(&client, "search_catalog", search.clone()).await);
    let (status, by_http) = gw.post("/v1/search", search.clone()).await;
    assert_eq!(status, 200, "{by_http}");
    assert!(!items(&by_mcp).is_empty(), "{by_mcp}");
    assert!(
        items(&by_mcp).contains(&("voltaic".to_string(), BOLT.to_string())),
        "{by_mcp}"
    );
    assert_eq!(items(&by_mcp), items(&by_http));
    assert_same("search", &by_mcp, &by_http);
    assert_eq!(left_out(&by_mcp), left_out(&by_http));

    // compare_offers = POST /v1/offers.
    let wanted = json!({
        "text": "M8 hex bolt",
        "quantity": {"steps": 500, "unit": "C62", "scale": 0},
        "must_match": ["m8x30"]
    });
    let by_mcp = answer(&call(&client, "compare_offers", wanted.clone()).await);
    let (status, by_http) = gw.post("/v1/offers", wanted.clone()).await;
    assert_eq!(status, 200, "{by_http}");
    assert!(!by_mcp["offers"].as_array().unwrap().is_empty(), "{by_mcp}");
    assert_same("offers", &by_mcp, &by_http);
    assert_eq!(left_out(&by_mcp), left_out(&by_http));

    // request_quote: a firm quote from Voltaic.
    let quote_body = serde_json::to_value(QuotesRequest {
        request: quote_request(&[("1", BOLT, 500)]).into(),
        suppliers: Some(vec!["voltaic".into()]),
        deadline_ms: None,
    })
    .unwrap();
    let quotes = answer(&call(&client, "request_quote", quote_body).await);
    let answers = by_supplier(&quotes);
    assert_eq!(answers.len(), 1, "{quotes}");
    let quote: mercato::contract::Quote =
        serde_json::from_value::<mercato::wire::Quote>(answers[0].1.clone())
            .expect("a quote")
            .into();
    assert_eq!(quote.status, QuoteStatus::Firm);

    // place_order from the quote, with an idempotency key.
    let order = PlaceOrder {
        supplier: "voltaic".into(),
        buyer_po: "PO-MCP-1".into(),
        quote_id: Some(quote.quote_id.clone()),
        lines: quote.lines.iter().map(QuoteLine::to_order_line).collect(),
        ship_to: plant_3(),
        bill_to: None,
        fulfillment_option_id: quote.fulfillment_options.first().map(|f| f.id.clone()),
        requested_delivery: None,
        partial_delivery: PartialDelivery::Allow,
        max_total: quote.totals.grand_total.clone(),
        payment: PaymentInstruction::OnAccount(None),
        notes: Some("placed by an MCP test".into()),
        deadline_ms: None,
    };
    let order_body = serde_json::to_value(mercato::wire::PlaceOrder::from(order)).unwrap();
    let mut keyed = order_body.clone();
    keyed["idempotency_key"] = json!("mcp-order-1");
    let placed = answer(&call(&client, "place_order", keyed.clone()).await);
    let order_id = placed["order_id"].as_str().expect("order id").to_string();
    assert_eq!(placed["buyer_po"], "PO-MCP-1");

    // The same key again: the same order, and the supplier holds one.
    let again = answer(&call(&client, "place_order", keyed.clone()).await);
    assert_eq!(again["order_id"], placed["order_id"]);
    assert_eq!(gw.suppliers.voltaic.orders_for_po("PO-MCP-1").len(), 1);
    // The HTTP API with the same client and key reaches the supplier with the same derived
    // key: still the one order.
    let (status, by_http) = gw
        .call(
            reqwest::Method::POST,
            "/v1/orders",
            Some(order_body.clone()),
            Some("mcp-order-1"),
        )
        .await;
    assert_eq!(status, 201, "{by_http}");
    assert_eq!(by_http["order_id"], placed["order_id"]);
    assert_eq!(gw.suppliers.voltaic.orders_for_po("PO-MCP-1").len(), 1);

    // get_order = GET /v1/orders/{supplier}/{order_id}.
    let got = answer(
        &call(
            &client,
            "get_order",
            json!({"supplier": "voltaic", "order_id": order_id}),
        )
        .await,
    );
    assert_eq!(got["order_id"], placed["order_id"]);
    let (status, by_http) = gw.get(&format!("/v1/orders/voltaic/{order_id}")).await;
    assert_eq!(status, 200, "{by_http}");
    assert_same("order", &got, &by_http);

    // cancel_order: the in-stock lines shipped at once, so the supplier refuses: an error
    // result with the typed code and the order it is about.
    let cancel = json!({
        "supplier": "voltaic",
        "order_id": order_id,
        "idempotency_key": "mcp-cancel-1",
        "reason": "test"
    });
    let refused = problem(&call(&client, "cancel_order", cancel).await);
    assert_eq!(refused["code"], "cancel_refused", "{refused}");
    assert_eq!(refused["order"]["order_id"], order_id.as_str(), "{refused}");

    // An order for an item the supplier does not list is an error result, never a success.
    let mut unknown = order_body.clone();
    unknown["idempotency_key"] = json!("mcp-unknown-1");
    unknown["buyer_po"] = json!("PO-MCP-UNKNOWN");
    unknown["lines"][0]["item"] = json!({ "kind": "sku", "sku": "VC-NO-SUCH-PART" });
    let p = problem(&call(&client, "place_order", unknown).await);
    assert_eq!(p["code"], "cap_refused", "{p}");
    assert_eq!(p["cap"]["kind"], "cost_unknown", "{p}");

    // Errors are tool results with the problem details and their typed code.
    let mut unkeyed = order_body.clone();
    unkeyed.as_object_mut().unwrap().remove("idempotency_key");
    let p = problem(&call(&client, "place_order", unkeyed).await);
    assert_eq!(p["code"], "idempotency_key_required", "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("idempotency_key"),
        "{p}"
    );
    let p = problem(
        &call(
            &client,
            "get_order",
            json!({"supplier": "acme-nails", "order_id": "1"}),
        )
        .await,
    );
    assert_eq!(p["code"], "unknown_supplier", "{p}");
    assert_eq!(p["status"], 404, "{p}");
    let p = problem(
        &call(
            &client,
            "get_order",
            json!({"supplier": "voltaic", "order_id": order_id, "colour": "red"}),
        )
        .await,
    );
    assert_eq!(p["code"], "bad_request", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");
    let p = problem(
        &call(
            &client,
            "compare_offers",
            json!({"text": "M8 hex bolt", "quantity": {"steps": "many"}}),
        )
        .await,
    );
    assert_eq!(p["code"], "bad_request", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("quantity"), "{p}");
    // An unknown tool is a protocol error.
    let e = client
        .call_tool(CallToolRequestParams::new("drop_tables"))
        .await
        .expect_err("unknown tool");
    assert!(e.to_string().contains("drop_tables"), "{e}");

    // The 2026-07-28 lifecycle (server/discover, no handshake) runs as the same client.
    let discover = gw.mcp_discover().await;
    assert_eq!(
        discover.peer_info().expect("server info").protocol_version,
        ProtocolVersion::V_2026_07_28
    );
    let tools = discover.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), 10);
    let got = answer(
        &call(
            &discover,
            "get_order",
            json!({"supplier": "voltaic", "order_id": "PO-MCP-1"}),
        )
        .await,
    );
    assert_eq!(got["order_id"], placed["order_id"], "found by buyer PO");
    let again = answer(&call(&discover, "place_order", keyed).await);
    assert_eq!(again["order_id"], placed["order_id"]);
    assert_eq!(gw.suppliers.voltaic.orders_for_po("PO-MCP-1").len(), 1);

    client.cancel().await.expect("close");
    discover.cancel().await.expect("close");

    // Tool calls are counted by tool and outcome; an unknown tool's name is not a label.
    let (_, metrics) = gw.metrics(None).await;
    for expected in [
        r#"mercato_mcp_tool_calls_total{tool="place_order",outcome="ok"} 3"#,
        r#"mercato_mcp_tool_calls_total{tool="place_order",outcome="error"} 2"#,
        r#"mercato_mcp_tool_calls_total{tool="compare_offers",outcome="error"}"#,
    ] {
        assert!(metrics.contains(expected), "{expected} in {metrics}");
    }
    assert!(!metrics.contains("drop_tables"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_over_http_refuses_a_connection_without_a_valid_key() {
    let gw = Running::start(BrokerConfig::default()).await;
    let initialize = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "curl", "version": "1"}
        }
    });
    let post = |key: Option<&'static str>| {
        let mut request = gw
            .http
            .post(format!("{}/mcp", gw.base))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    for key in [None, Some("not-a-key")] {
        let response = post(key).await.expect("HTTP");
        assert_eq!(response.status().as_u16(), 401, "key {key:?}");
        assert!(response.headers().contains_key("www-authenticate"));
        let p: Value = response.json().await.expect("problem");
        assert_eq!(p["code"], "unauthenticated");
    }
    // The rmcp client cannot connect without the key either.
    assert!(().serve(gw.mcp_transport(None)).await.is_err());
    assert!(().serve(gw.mcp_transport(Some("not-a-key"))).await.is_err());

    // With the key, a plain JSON-RPC client (no rmcp) gets a stateless JSON answer.
    let response = post(Some(KEY)).await.expect("HTTP");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers().get("mcp-session-id").is_none(),
        "stateless: no session"
    );
    let answer: Value = response.json().await.expect("JSON-RPC answer");
    assert_eq!(
        answer["result"]["serverInfo"]["name"], "mercato",
        "{answer}"
    );
    let tools = gw
        .http
        .post(format!("{}/mcp", gw.base))
        .bearer_auth(KEY)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .send()
        .await
        .expect("HTTP");
    assert_eq!(tools.status().as_u16(), 200);
    let tools: Value = tools.json().await.expect("JSON-RPC answer");
    assert_eq!(
        tools["result"]["tools"].as_array().map(Vec::len),
        Some(10),
        "{tools}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_over_a_byte_stream_acts_as_the_given_client() {
    let gw = Running::start(BrokerConfig::default()).await;
    let service = &gw.service;
    let client = service.clients().by_key(KEY).expect("demo client");
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(theirs);
    let server = tokio::spawn(mcp::serve_io(
        service.clone(),
        Arc::clone(&client),
        read,
        write,
    ));

    let agent = ().serve(ours).await.expect("MCP initialize");
    let tools = agent.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), 10);
    let search = json!({"text": "M8 hex bolt"});
    let found = answer(&call(&agent, "search_catalog", search.clone()).await);
    let direct = serde_json::to_value(
        service
            .search(&client, serde_json::from_value(search).unwrap())
            .await
            .expect("search"),
    )
    .unwrap();
    assert_eq!(items(&found), items(&direct));
    assert!(!items(&found).is_empty());

    // The peer closing the stream ends the server.
    agent.cancel().await.expect("close");
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("the server stops when the peer is gone")
        .expect("no panic")
        .expect("clean end");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_mcp_messages_get_json_rpc_errors() {
    let g = Running::start(BrokerConfig::default()).await;
    let send = |body: String, media: &'static str| {
        g.http
            .post(format!("{}/mcp", g.base))
            .bearer_auth(KEY)
            .header("content-type", media)
            .header("accept", "application/json, text/event-stream")
            .body(body)
            .send()
    };
    let cases = [
        ("{not json".to_string(), "application/json", 400, -32700),
        (r#"{"id": 1}"#.to_string(), "application/json", 400, -32600),
        (
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                   "params": {"name": "search_catalog", "arguments": "bolt"}})
            .to_string(),
            "application/json",
            200,
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 8, "method": "tools/list"}).to_string(),
            "text/plain",
            415,
            -32600,
        ),
        // A media type that only starts like JSON's is not JSON's.
        (
            json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}).to_string(),
            "application/jsonp",
            415,
            -32600,
        ),
    ];
    for (body, media, status, code) in cases {
        let response = send(body.clone(), media).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let answer: Value = response.json().await.expect("a JSON-RPC answer");
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }
}
