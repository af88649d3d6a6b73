//! The HTTP gateway over real sockets: every endpoint, fan-out under a slow and a failing
//! supplier, authentication, backpressure, and the OpenAPI document.

use mercato::EngineConfig;
use mercato::broker::{Broker, BrokerConfig};
use mercato::clients::Clients;
use mercato::contract::*;
use mercato::demo::{Suppliers, demo_client, plant_3};
use mercato::gateway::{Gateway, Service};
use mercato::metrics::Metrics;
use mercato_backends::voltaic;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The demo client's API key in the gateway and MCP tests.
pub const KEY: &str = "gateway-test-key-0123456789";

/// Instances in each [`Running`] gateway's pool.
const POOL_SIZE: u32 = 64;

/// A compile cache shared by the suppliers of every [`Running`] gateway.
fn cache_dir() -> std::path::PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .to_path_buf()
}

/// A gateway on 127.0.0.1 over the demo suppliers, serving until dropped.
pub struct Running {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The simulated suppliers behind it.
    pub suppliers: Suppliers,
    /// The operations it serves, for the demo client with [`KEY`].
    pub service: Service,
    /// An HTTP client.
    pub http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Running {
    /// Start the demo suppliers and a gateway over them, bounded by `config`, with a ledger in
    /// memory.
    pub async fn start(config: BrokerConfig) -> Running {
        Running::start_with(config, None).await
    }

    /// Like [`Running::start`], recording into `ledger` when one is given.
    pub async fn start_with(
        config: BrokerConfig,
        ledger: Option<Arc<dyn mercato::ledger::Ledger>>,
    ) -> Running {
        Running::start_for(config, ledger, vec![demo_client(KEY)]).await
    }

    /// Like [`Running::start_with`], for `clients` (the first one's key must be [`KEY`]).
    pub async fn start_for(
        config: BrokerConfig,
        ledger: Option<Arc<dyn mercato::ledger::Ledger>>,
        clients: Vec<mercato::clients::Client>,
    ) -> Running {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let suppliers = Suppliers::start(EngineConfig {
            pool_size: POOL_SIZE,
            cache_dir: Some(cache_dir()),
            ..EngineConfig::default()
        })
        .await
        .expect("suppliers start");
        // Calls admitted at once never exceed the instance pool (as a policy's may not).
        let config = BrokerConfig {
            max_concurrent_calls: config.max_concurrent_calls.min(POOL_SIZE as usize),
            ..config
        };
        let broker = Broker::with_config(
            suppliers.broker.adapters().to_vec(),
            config,
            Arc::new(Metrics::new()),
        );
        let clients = Clients::new(clients).expect("clients");
        let service = match ledger {
            Some(l) => Service::new(broker, clients, l),
            None => Service::new(broker, clients, mercato::ledger::in_memory()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let gateway = Gateway::on(listener, service.clone());
        let base = format!("http://{}", gateway.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(gateway.serve(async {
            let _ = stopped.await;
        }));
        Running {
            base,
            suppliers,
            service,
            http: reqwest::Client::new(),
            _stop: stop,
        }
    }

    /// `method path` with the client's key and an optional JSON body; status and JSON answer.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        let response = req.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body), None)
            .await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None, None).await
    }

    /// `GET /metrics` with `accept` if any: the `Content-Type` and the exposition.
    pub async fn metrics(&self, accept: Option<&str>) -> (String, String) {
        let mut request = self
            .http
            .get(format!("{}/metrics", self.base))
            .bearer_auth(KEY);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.expect("a scrape");
        assert_eq!(response.status(), 200);
        let media = response.headers()["content-type"]
            .to_str()
            .expect("a media type")
            .to_string();
        (media, response.text().await.expect("the exposition"))
    }
}

fn suppliers_of(fan_out: &Value, key: &str) -> Vec<String> {
    fan_out[key]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["supplier"].as_str().expect("supplier").to_string())
        .collect()
}

fn error_of<'a>(fan_out: &'a Value, supplier: &str) -> &'a Value {
    fan_out["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["supplier"] == supplier)
        .unwrap_or_else(|| panic!("no error for {supplier} in {fan_out:#}"))
}

/// A place-order body for `pieces` of `sku`, shipped to Plant 3.
pub fn order_body(supplier: &str, po: &str, sku: &str, pieces: u64, max_minor: i64) -> Value {
    json!({
        "supplier": supplier,
        "buyer_po": po,
        "lines": [{
            "line_id": "1", "item": { "kind": "sku", "sku": sku },
            "quantity": Quantity::pieces(pieces)
        }],
        "ship_to": plant_3(),
        "partial_delivery": "allow",
        "max_total": { "currency": "EUR", "minor": max_minor },
        "payment": { "kind": "on_account" }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_answers_over_real_http() {
    let g = Running::start(BrokerConfig::default()).await;

    let (status, health) = g.get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["adapters"], 3);

    let (status, doc) = g.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/v1/search",
        "/v1/orders",
        "/v1/orders/{supplier}/{order_id}/cancel",
        "/inbound/{supplier}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }

    let (status, list) = g.get("/v1/suppliers").await;
    assert_eq!(status, 200);
    let voltaic = &list["suppliers"][0];
    assert_eq!(voltaic["supplier"], "voltaic");
    assert!(
        voltaic["capabilities"]
            .as_array()
            .unwrap()
            .contains(&json!("place_order"))
    );
    assert!(voltaic["limits"]["call_timeout_ms"].as_u64().unwrap() > 0);

    let (status, found) = g
        .post(
            "/v1/search",
            json!({ "text": "M8 hex bolt", "page_size": 5 }),
        )
        .await;
    assert_eq!(status, 200, "{found:#}");
    assert_eq!(
        suppliers_of(&found, "answers"),
        ["voltaic", "nordfast", "hansa"]
    );
    let sku = found["answers"][0]["answer"]["items"][0]["ids"]["supplier_sku"]
        .as_str()
        .unwrap()
        .to_string();
    let gtin = found["answers"][0]["answer"]["items"][0]["ids"]["gtin"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, items) = g
        .post(
            "/v1/items",
            json!({ "refs": [{ "kind": "gtin", "gtin": gtin }], "scope": { "suppliers": ["voltaic"] } }),
        )
        .await;
    assert_eq!(status, 200, "{items:#}");
    assert_eq!(items["answers"][0]["answer"][0]["ids"]["supplier_sku"], sku);
    assert_eq!(items["skipped"].as_array().unwrap().len(), 2);

    let (status, stock) = g
        .post(
            "/v1/availability",
            json!({ "lines": [{ "line_id": "a", "item": { "kind": "sku", "sku": sku }, "quantity": Quantity::pieces(10) }],
                    "scope": { "suppliers": ["voltaic"] } }),
        )
        .await;
    assert_eq!(status, 200, "{stock:#}");
    assert_eq!(stock["answers"][0]["answer"][0]["line_id"], "a");

    let (status, offers) = g
        .post(
            "/v1/offers",
            json!({ "text": "M8 hex bolt", "quantity": Quantity::pieces(250), "must_match": ["m8"] }),
        )
        .await;
    assert_eq!(status, 200, "{offers:#}");
    let ranked = offers["offers"].as_array().unwrap();
    assert!(ranked.len() >= 3);
    assert_eq!(ranked[0]["rank"], 1);

    let (status, quotes) = g
        .post(
            "/v1/quotes",
            json!({ "request": {
                "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": sku }, "offer_token": null,
                            "quantity": Quantity::pieces(100), "target_unit_price": null }],
                "ship_to": plant_3(), "requested_delivery": null, "currency": "EUR",
                "requested_valid_until": null, "allow_substitutes": false, "incoterms": null,
                "buyer_reference": "RFQ-GW-1", "notes": null },
              "suppliers": ["voltaic"] }),
        )
        .await;
    assert_eq!(status, 200, "{quotes:#}");
    let quote = &quotes["answers"][0]["answer"];
    let quote_id = quote["quote_id"].as_str().unwrap();
    let (status, again) = g.get(&format!("/v1/quotes/voltaic/{quote_id}")).await;
    assert_eq!(status, 200, "{again:#}");
    assert_eq!(again["quote_id"], quote_id);

    // Place, then the same key again: the same order, one order at the supplier.
    let body = order_body("voltaic", "PO-GW-1", &sku, 100, 100_000);
    let (status, order) = g
        .call(
            reqwest::Method::POST,
            "/v1/orders",
            Some(body.clone()),
            Some("gw-order-1"),
        )
        .await;
    assert_eq!(status, 201, "{order:#}");
    let order_id = order["order_id"].as_str().unwrap().to_string();
    let (status, replay) = g
        .call(
            reqwest::Method::POST,
            "/v1/orders",
            Some(body),
            Some("gw-order-1"),
        )
        .await;
    assert_eq!(status, 201, "{replay:#}");
    assert_eq!(replay["order_id"], order_id.as_str());
    assert_eq!(g.suppliers.voltaic.orders_for_po("PO-GW-1").len(), 1);

    let (status, missing_key) = g
        .post(
            "/v1/orders",
            order_body("voltaic", "PO-GW-2", &sku, 1, 10_000),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(missing_key["code"], "idempotency_key_required");

    let (status, got) = g.get(&format!("/v1/orders/voltaic/{order_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["buyer_po"], "PO-GW-1");
    let (status, shipments) = g
        .get(&format!("/v1/orders/voltaic/{order_id}/shipments"))
        .await;
    assert_eq!(status, 200);
    assert!(!shipments.as_array().unwrap().is_empty());
    let (status, invoices) = g
        .get(&format!("/v1/orders/voltaic/{order_id}/invoices"))
        .await;
    assert_eq!(status, 200);
    assert!(!invoices.as_array().unwrap().is_empty());
    let (status, cancel) = g
        .call(
            reqwest::Method::POST,
            &format!("/v1/orders/voltaic/{order_id}/cancel"),
            Some(json!({ "reason": "test" })),
            Some("gw-cancel-1"),
        )
        .await;
    // Shipped lines cannot be cancelled: a refusal is a typed problem naming the order.
    assert_eq!(status, 409, "{cancel:#}");
    assert_eq!(cancel["code"], "cancel_refused");
    assert_eq!(cancel["order"]["order_id"], order_id.as_str());
    let (status, rma) = g
        .call(
            reqwest::Method::POST,
            &format!("/v1/orders/voltaic/{order_id}/returns"),
            Some(json!({ "lines": [{ "line_id": "1", "quantity": Quantity::pieces(5), "reason": "damaged" }] })),
            Some("gw-return-1"),
        )
        .await;
    assert_eq!(status, 200, "{rma:#}");
    assert_eq!(rma["status"], "authorized");

    // A webhook Voltaic pushed, relayed to its adapter; a forged one is refused.
    let hook = g.suppliers.voltaic.webhooks(&order_id).remove(0);
    let push = |signature: String| {
        g.http
            .post(format!("{}/inbound/voltaic", g.base))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .header(voltaic::SIGNATURE_HEADER, signature)
            .body(hook.body.clone())
            .send()
    };
    let accepted = push(hook.signature.clone()).await.unwrap();
    assert_eq!(accepted.status(), 200);
    let events: Value = accepted.json().await.unwrap();
    assert!(
        !events["events"].as_array().unwrap().is_empty(),
        "{events:#}"
    );
    let forged = push("sha256=00".into()).await.unwrap();
    assert_eq!(forged.status(), 403);

    let (status, unknown) = g.get("/v1/orders/nobody/1").await;
    assert_eq!(status, 404);
    assert_eq!(unknown["code"], "unknown_supplier");
    let (status, not_found) = g.get("/v1/orders/voltaic/NO-SUCH-ORDER").await;
    assert_eq!(status, 404, "{not_found:#}");
    assert_eq!(not_found["code"], "not_found");
    assert_eq!(not_found["supplier"], "voltaic");

    let (media, metrics) = g.metrics(None).await;
    assert_eq!(media, "text/plain; version=0.0.4; charset=utf-8");
    for expected in [
        r#"mercato_adapter_call_duration_seconds_count{supplier="voltaic",operation="place-order",outcome="ok"} 1"#,
        r#"mercato_adapter_call_errors_total{supplier="voltaic",operation="get-order",code="not-found"} 1"#,
        "# TYPE mercato_adapter_call_errors_total counter",
        "mercato_pool_capacity 64",
        r#"route="/v1/search""#,
        r#"mercato_adapter_breaker_state{supplier="voltaic",state="closed"} 1"#,
        r#"mercato_supplier_calls_in_flight{supplier="voltaic"} 0"#,
        "mercato_approvals_pending 0",
    ] {
        assert!(
            metrics.contains(expected),
            "missing {expected} in\n{metrics}"
        );
    }
    assert!(!metrics.contains("# EOF"), "{metrics}");
    // The order above made its writes durable at least twice.
    let syncs: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mercato_ledger_sync_duration_seconds_count "))
        .and_then(|n| n.parse().ok())
        .expect("the ledger sync histogram");
    assert!(syncs >= 2, "{metrics}");

    // What Prometheus asks for by default gets OpenMetrics.
    let (media, open_metrics) = g.metrics(Some(
        "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
    ))
    .await;
    assert_eq!(
        media,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(open_metrics.ends_with("# EOF\n"), "{open_metrics}");
    assert!(open_metrics.contains("# TYPE mercato_adapter_call_errors counter"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_and_a_failing_supplier_do_not_hold_up_the_others() {
    let g = Running::start(BrokerConfig::default()).await;
    g.suppliers
        .voltaic
        .control()
        .set_delay(Duration::from_secs(10));
    g.suppliers.nordfast.control().fail_next(503, 100, Some(7));

    let started = Instant::now();
    let (status, found) = g
        .post(
            "/v1/search",
            json!({ "text": "M8 hex bolt", "scope": { "deadline_ms": 800 } }),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{found:#}");
    assert!(
        took < Duration::from_millis(2500),
        "the slow supplier held the response for {took:?}"
    );
    assert_eq!(suppliers_of(&found, "answers"), ["hansa"]);
    assert_eq!(error_of(&found, "voltaic")["error"]["code"], "timeout");
    let down = &error_of(&found, "nordfast")["error"];
    assert_eq!(down["code"], "supplier_unavailable", "{down:#}");
    assert_eq!(down["retry_after_ms"], 7000, "the supplier's Retry-After");
}

#[tokio::test(flavor = "multi_thread")]
async fn unauthenticated_requests_are_refused_everywhere_but_health_and_the_document() {
    let g = Running::start(BrokerConfig::default()).await;
    let doc: Value = g
        .http
        .get(format!("{}/openapi.json", g.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let public = item[method]["security"] == json!([]);
            let concrete = path
                .replace("{supplier}", "voltaic")
                .replace("{order_id}", "1")
                .replace("{quote_id}", "1");
            let url = format!("{}{concrete}", g.base);
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for key in [None, Some("wrong-key-0123456789")] {
                let mut req = g.http.request(method.clone(), &url).json(&json!({}));
                if let Some(k) = key {
                    req = req.bearer_auth(k);
                }
                let response = req.send().await.unwrap();
                if public {
                    assert_eq!(response.status(), 200, "{method} {path} is public");
                    continue;
                }
                assert_eq!(response.status(), 401, "{method} {path} with {key:?}");
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json"
                );
                let problem: Value = response.json().await.unwrap();
                assert_eq!(problem["code"], "unauthenticated");
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "every protected route was tried ({checked})");
    assert_eq!(
        g.suppliers.voltaic.order_count() + g.suppliers.nordfast.order_count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_gets_backpressure_with_a_retry_hint() {
    let g = Running::start(BrokerConfig {
        max_concurrent_calls: 3,
        queue_wait: Duration::from_millis(50),
        ..BrokerConfig::default()
    })
    .await;
    g.suppliers
        .voltaic
        .control()
        .set_delay(Duration::from_millis(1500));
    let slow = g.post("/v1/search", json!({ "text": "bolt" }));
    let flood = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        g.http
            .post(format!("{}/v1/search", g.base))
            .bearer_auth(KEY)
            .json(&json!({ "text": "nut" }))
            .send()
            .await
            .unwrap()
    };
    let ((status, first), refused) = tokio::join!(slow, flood);
    assert_eq!(status, 200, "{first:#}");
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "busy");
    // Once the slots are free, the same request goes through.
    let (status, _) = g.post("/v1/search", json!({ "text": "nut" })).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_typed_problems_and_reach_no_supplier() {
    let g = Running::start(BrokerConfig::default()).await;
    let before = g.suppliers.voltaic.control().requests();
    let (status, p) = g.post("/v1/search", json!({ "txet": "typo" })).await;
    assert_eq!(status, 400, "{p:#}");
    assert_eq!(p["code"], "bad_request");
    let (status, p) = g
        .post("/v1/search", json!({ "text": "x", "page_size": 5000 }))
        .await;
    assert_eq!(status, 400);
    assert!(p["detail"].as_str().unwrap().contains("page_size"));
    let (status, p) = g
        .post(
            "/v1/offers",
            json!({ "text": "bolt", "quantity": Quantity::pieces(0) }),
        )
        .await;
    assert_eq!(status, 400, "{p:#}");
    let (status, p) = g
        .post(
            "/v1/search",
            json!({ "text": "x", "scope": { "suppliers": ["nobody"] } }),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(p["code"], "unknown_supplier");
    let response = g
        .http
        .post(format!("{}/v1/search", g.base))
        .bearer_auth(KEY)
        .body("text=bolt")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let (status, p) = g.get("/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(p["code"], "route_not_found");
    let (status, p) = g
        .call(reqwest::Method::DELETE, "/v1/search", None, None)
        .await;
    assert_eq!(status, 405);
    assert_eq!(p["code"], "method_not_allowed");
    assert_eq!(g.suppliers.voltaic.control().requests(), before);
}

/// Every name a client reads (object keys) and every value the schema enumerates is
/// snake_case: `in_stock`, `{"kind": "sku", …}`, `out_of_stock`, never `InStock` or `out-of-stock`.
fn snake(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Object keys in `v` that are not snake_case, with where they are. Keys under `cursors`
/// (supplier ids) are data, not names.
fn unsnaked_keys(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if !snake(k) {
                    out.push(format!("{at}.{k}"));
                }
                if k != "cursors" {
                    unsnaked_keys(v, &format!("{at}.{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                unsnaked_keys(v, &format!("{at}[{n}]"), out);
            }
        }
        _ => {}
    }
}

/// Values the OpenAPI document enumerates (`enum`, `const`) that are not snake_case.
fn unsnaked_enum_values(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{k}");
                match (k.as_str(), v) {
                    ("enum", Value::Array(values)) => out.extend(
                        values
                            .iter()
                            // Names only: a number (a scale's `const`) is no name.
                            .filter(|e| e.as_str().is_some_and(|s| !snake(s)))
                            .map(|e| format!("{here}: {e}")),
                    ),
                    ("const", e) if e.as_str().is_some_and(|s| !snake(s)) => {
                        out.push(format!("{here}: {e}"))
                    }
                    _ => unsnaked_enum_values(v, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                unsnaked_enum_values(v, &format!("{at}/{n}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_speaks_one_naming_convention() {
    const NUT: &str = "VC-HN-M8-A2";
    let g = Running::start(BrokerConfig::default()).await;

    let (status, doc) = g.get("/openapi.json").await;
    assert_eq!(status, 200);
    let mut bad = Vec::new();
    unsnaked_enum_values(&doc["components"], "#/components", &mut bad);
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let mut keys = Vec::new();
        unsnaked_keys(&schema["properties"], name, &mut keys);
        // Property names only: the values under them are schemas, whose keys are JSON Schema's.
        bad.extend(keys.into_iter().filter(|k| k.matches('.').count() == 1));
    }
    assert!(bad.is_empty(), "not snake_case in /openapi.json: {bad:#?}");

    // A search, an offer comparison, a quote, an order and the errors on the way: every key
    // and every enumerated value a client reads.
    let mut answers = Vec::new();
    let (status, found) = g
        .post(
            "/v1/search",
            json!({ "text": "bolt", "scope": { "currency": "EUR" } }),
        )
        .await;
    assert_eq!(status, 200, "{found:#}");
    let stock = &found["answers"][0]["answer"]["items"][0]["availability"]["status"];
    assert!(stock.as_str().is_some_and(snake), "{stock}");
    answers.push(found);
    let (status, offers) = g
        .post(
            "/v1/offers",
            json!({ "text": "hex nut", "quantity": Quantity::pieces(100),
                    "scope": { "currency": "EUR" } }),
        )
        .await;
    assert_eq!(status, 200, "{offers:#}");
    // Each offer says whether its supplier takes orders, as its capabilities say.
    let (_, suppliers) = g.get("/v1/suppliers").await;
    let takes_orders = |name: &Value| {
        suppliers["suppliers"].as_array().unwrap().iter().any(|s| {
            &s["supplier"] == name
                && s["capabilities"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("place_order"))
        })
    };
    let ranked = offers["offers"].as_array().unwrap();
    assert!(ranked.iter().any(|o| o["orderable"] == false), "{offers:#}");
    for o in ranked {
        assert_eq!(o["orderable"], takes_orders(&o["supplier"]), "{o:#}");
    }
    answers.push(offers);
    let (status, quotes) = g
        .post(
            "/v1/quotes",
            json!({ "request": {
                        "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": NUT },
                                    "quantity": Quantity::pieces(100) }],
                        "ship_to": plant_3(), "currency": "EUR" },
                    "suppliers": ["voltaic"] }),
        )
        .await;
    assert_eq!(status, 200, "{quotes:#}");
    let quote = quotes["answers"][0]["answer"].clone();
    assert_eq!(quote["status"], "firm", "{quote:#}");
    answers.push(quotes);
    let mut order = order_body("voltaic", "PO-SNAKE-1", NUT, 100, 100_000);
    order["quote_id"] = quote["quote_id"].clone();
    let (status, placed) = g
        .call(
            reqwest::Method::POST,
            "/v1/orders",
            Some(order),
            Some("snake-1"),
        )
        .await;
    assert_eq!(status, 201, "{placed:#}");
    assert!(placed["status"].as_str().is_some_and(snake), "{placed:#}");
    answers.push(placed);
    let (status, missing) = g
        .post(
            "/v1/items",
            json!({ "refs": [{ "kind": "sku", "sku": "VC-NO-SUCH" }],
                    "scope": { "suppliers": ["voltaic"] } }),
        )
        .await;
    assert_eq!(status, 200, "{missing:#}");
    answers.push(missing);
    let (status, unknown) = g.get("/v1/orders/voltaic/NO-SUCH-ORDER").await;
    assert_eq!(status, 404, "{unknown:#}");
    assert_eq!(unknown["code"], "not_found", "{unknown:#}");
    assert_eq!(unknown["commerce"]["kind"], "not_found", "{unknown:#}");
    answers.push(unknown);
    let (status, suppliers) = g.get("/v1/suppliers").await;
    assert_eq!(status, 200);
    let caps = &suppliers["suppliers"][0]["capabilities"];
    assert!(
        caps.as_array()
            .unwrap()
            .iter()
            .all(|c| c.as_str().is_some_and(snake)),
        "{caps}"
    );
    answers.push(suppliers);

    let mut bad = Vec::new();
    for (n, a) in answers.iter().enumerate() {
        unsnaked_keys(a, &format!("answer {n}"), &mut bad);
    }
    assert!(bad.is_empty(), "keys not in snake_case: {bad:#?}");
}

/// A request's problem details, content type and `X-Request-Id`.
async fn problem_of(response: reqwest::Response) -> (u16, String, Option<String>, Value) {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (media, id) = (
        header("content-type").unwrap_or_default(),
        header("x-request-id"),
    );
    let body = response.json().await.expect("a JSON body");
    (status, media, id, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_problem_details_in_the_apis_words() {
    let g = Running::start(BrokerConfig::default()).await;
    let search = format!("{}/v1/search", g.base);

    // A value of the wrong type: the field and the allowed form, not a Rust type.
    let response = g
        .http
        .post(&search)
        .bearer_auth(KEY)
        .header("x-request-id", "req-words-1")
        .json(&json!({ "text": "bolt", "page_size": "many" }))
        .send()
        .await
        .unwrap();
    let (status, media, id, p) = problem_of(response).await;
    assert_eq!((status, media.as_str()), (400, "application/problem+json"));
    assert_eq!(
        p["detail"],
        r#"page_size: expected a whole number from 0 to 4294967295, got the string "many""#
    );
    assert_eq!(id.as_deref(), Some("req-words-1"));
    assert_eq!(p["request_id"], "req-words-1", "{p:#}");

    // Not JSON at all, and an enum value in another convention.
    for (body, detail) in [
        (
            r#"{"text": "bolt",}"#.to_string(),
            "the body is not valid JSON: trailing comma (line 1, column 17)",
        ),
        (
            order_body("voltaic", "PO-W-1", "VC-HN-M8-A2", 1, 100)
                .to_string()
                .replace(r#""allow""#, r#""Allow""#),
            "partial_delivery: `Allow` is not an allowed value; use one of allow, ship_complete, cancel_backorders",
        ),
    ] {
        let path = if body.contains("buyer_po") {
            "/v1/orders"
        } else {
            "/v1/search"
        };
        let response = g
            .http
            .post(format!("{}{path}", g.base))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .header("idempotency-key", "w-1")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, _, id, p) = problem_of(response).await;
        assert_eq!(status, 400, "{p:#}");
        assert_eq!(p["detail"], detail);
        assert!(id.is_some_and(|id| p["request_id"] == id.as_str()), "{p:#}");
        let detail = p["detail"].as_str().unwrap();
        for rust in ["u32", "u64", "struct ", "at line", "variant"] {
            assert!(!detail.contains(rust), "{detail}");
        }
    }

    // A URI or headers past the limits: problem details, not a bare status line.
    let long = format!("{search}?q={}", "x".repeat(10_000));
    let response = g.http.get(&long).bearer_auth(KEY).send().await.unwrap();
    let (status, media, _, p) = problem_of(response).await;
    assert_eq!((status, media.as_str()), (414, "application/problem+json"));
    assert_eq!(p["code"], "uri_too_long");
    let mut many = g.http.get(&search).bearer_auth(KEY);
    for n in 0..150 {
        many = many.header(format!("x-filler-{n}"), "1");
    }
    let (status, media, _, p) = problem_of(many.send().await.unwrap()).await;
    assert_eq!((status, media.as_str()), (431, "application/problem+json"));
    assert_eq!(p["code"], "headers_too_large");
    let big = g
        .http
        .get(&search)
        .bearer_auth(KEY)
        .header("x-filler", "y".repeat(40_000))
        .send()
        .await
        .unwrap();
    let (status, _, _, p) = problem_of(big).await;
    assert_eq!(status, 431, "{p:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_states_the_constraints_and_headers_the_server_enforces() {
    let g = Running::start(BrokerConfig::default()).await;
    let (_, doc) = g.get("/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    let field = |schema: &str, name: &str| schemas[schema]["properties"][name].clone();
    assert_eq!(
        field("SearchRequest", "page_size")["maximum"],
        100,
        "{doc:#}"
    );
    assert_eq!(field("SearchRequest", "page_size")["minimum"], 1);
    assert_eq!(field("QuoteRequest", "lines")["minItems"], 1);
    assert_eq!(field("PlaceOrder", "lines")["minItems"], 1);
    assert_eq!(field("PlaceOrder", "lines")["maxItems"], 100);
    assert_eq!(field("Quantity", "scale")["maximum"], 15);
    assert_eq!(field("Decimal", "scale")["maximum"], 18);
    assert_eq!(
        field("Quantity", "unit")["$ref"],
        "#/components/schemas/UnitCode"
    );
    assert_eq!(
        field("Money", "currency")["$ref"],
        "#/components/schemas/CurrencyCode"
    );
    for code in ["UnitCode", "CurrencyCode", "CountryCode"] {
        assert!(schemas[code]["pattern"].is_string(), "{code}");
    }
    assert_eq!(
        field("PlaceOrder", "lines")["items"]["$ref"],
        "#/components/schemas/OrderLineRequest"
    );
    assert_eq!(
        field("OrderLineRequest", "quantity")["$ref"],
        "#/components/schemas/WantedQuantity"
    );
    assert_eq!(schemas["RejectBody"]["required"], json!(["note"]));
    // Defaults an agent may leave out are not required.
    let required = schemas["PlaceOrder"]["required"].as_array().unwrap();
    for optional in ["partial_delivery", "payment", "quote_id"] {
        assert!(!required.contains(&json!(optional)), "{required:?}");
    }

    let order = &doc["paths"]["/v1/orders"]["post"]["responses"];
    assert!(order["201"]["headers"]["Location"].is_object(), "{order:#}");
    for status in ["201", "400", "409", "429", "503"] {
        assert!(
            order[status]["headers"]["X-Request-Id"].is_object(),
            "{status}"
        );
    }
    for status in ["409", "429", "503"] {
        assert!(
            order[status]["headers"]["Retry-After"].is_object(),
            "{status}"
        );
    }
    assert!(order["401"]["headers"]["WWW-Authenticate"].is_object());

    // Links lead from a quote to its order and from an order to what follows, and name only
    // operations and parameters that exist.
    let mut operations = std::collections::HashMap::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            operations.insert(op["operationId"].as_str().unwrap().to_string(), op.clone());
        }
    }
    let mut followed = std::collections::BTreeSet::new();
    for (id, op) in &operations {
        for response in op["responses"].as_object().unwrap().values() {
            let Some(links) = response["links"].as_object() else {
                continue;
            };
            for (name, link) in links {
                let target = &operations[link["operationId"].as_str().unwrap()];
                for parameter in link["parameters"].as_object().unwrap().keys() {
                    let declared = target["parameters"].as_array().unwrap();
                    assert!(
                        declared.iter().any(|p| p["name"] == json!(parameter)),
                        "{id} → {name}: no parameter {parameter}"
                    );
                }
                followed.insert(format!("{id}→{}", link["operationId"].as_str().unwrap()));
            }
        }
    }
    for edge in [
        "requestQuotes→orderQuote",
        "getQuote→orderQuote",
        "orderQuote→getOrder",
        "orderQuote→listShipments",
        "placeOrder→getOrder",
        "placeOrder→cancelOrder",
    ] {
        assert!(followed.contains(edge), "{edge}: {followed:?}");
    }

    // And the server refuses what the schema refuses, with the field named.
    let (status, p) = g
        .post("/v1/search", json!({ "text": "bolt", "page_size": 101 }))
        .await;
    assert_eq!(status, 400);
    assert!(
        p["detail"].as_str().unwrap().starts_with("page_size:"),
        "{p:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_reference_page_is_rendered_from_the_document_with_nothing_from_elsewhere() {
    let g = Running::start(BrokerConfig::default()).await;
    let (_, doc) = g.get("/openapi.json").await;
    // Public, like the document.
    let response = g
        .http
        .get(format!("{}/reference", g.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let media = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(media.starts_with("text/html"), "{media}");
    let page = response.text().await.unwrap();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                page.contains(&format!("id=\"{id}\"")),
                "no section for {id}"
            );
        }
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            page.contains(&format!("id=\"schema-{name}\"")),
            "no section for {name}"
        );
    }
    assert!(page.contains("page_size"), "fields are listed");
    for external in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(external), "{external} in the page");
    }
}
