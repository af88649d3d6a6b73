//! The Ostara cXML backend over real HTTP: authentication by header or document, payloadID
//! dedupe and conflicts, the catalogue Index, order histories, and pushing documents to a
//! buyer URL with the configured headers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use mercato_backends::ostara::{self, Delivery, OstaraBackend, OstaraConfig, SECRET_HEADER};
use mercato_sdk::xml::parse;

const SECRET: &str = "ostara-test-secret";

async fn call(
    b: &OstaraBackend,
    method: &str,
    path: &str,
    secret: Option<&str>,
    body: Option<String>,
) -> (u16, String) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", b.base_url());
    let mut request = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    if let Some(s) = secret {
        request = request.header(SECRET_HEADER, s);
    }
    if let Some(body) = body {
        request = request.header("content-type", "text/xml").body(body);
    }
    let response = request.send().await.expect("answered");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

/// An OrderRequest; `secret_element` puts the shared secret into the Sender credential.
fn order(payload_id: &str, po: &str, qty: u32, secret_element: Option<&str>) -> String {
    let shared =
        secret_element.map_or_else(String::new, |s| format!("<SharedSecret>{s}</SharedSecret>"));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="{payload_id}" timestamp="2026-06-01T10:00:00+02:00">
  <Header>
    <From><Credential domain="NetworkID"><Identity>buyer-1</Identity></Credential></From>
    <To><Credential domain="NetworkID"><Identity>ostara-supply</Identity></Credential></To>
    <Sender><Credential domain="NetworkID"><Identity>buyer-1</Identity>{shared}</Credential><UserAgent>test</UserAgent></Sender>
  </Header>
  <Request><OrderRequest>
    <OrderRequestHeader orderID="{po}" orderDate="2026-06-01T10:00:00+02:00" type="new">
      <Total><Money currency="EUR">1.00</Money></Total>
      <ShipTo><Address isoCountryCode="DE"><Name xml:lang="en">Plant</Name><PostalAddress><City>Köln</City><Country isoCountryCode="DE">DE</Country></PostalAddress></Address></ShipTo>
    </OrderRequestHeader>
    <ItemOut quantity="{qty}" lineNumber="1">
      <ItemID><SupplierPartID>OS-1001</SupplierPartID></ItemID>
      <ItemDetail><UnitPrice><Money currency="EUR">8.90</Money></UnitPrice><UnitOfMeasure>BX</UnitOfMeasure>
        <Extrinsic name="buyerLineID">A</Extrinsic></ItemDetail>
    </ItemOut>
  </OrderRequest></Request>
</cXML>"#
    )
}

fn status_code(xml: &str) -> (u16, String) {
    let stripped = xml.split_once("?>").map_or(xml, |(_, r)| r);
    let stripped = stripped
        .split_once("cXML.dtd\">")
        .map_or(stripped, |(_, r)| r);
    let root = parse(stripped).expect("a cXML Response");
    let s = root.find("Response/Status").expect("Status");
    (
        s.attr("code").and_then(|c| c.parse().ok()).expect("code"),
        s.value().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn orders_need_the_secret_by_header_or_document() {
    let b = ostara::start(OstaraConfig::new(SECRET))
        .await
        .expect("starts");
    let (status, body) = call(
        &b,
        "POST",
        "/cxml",
        None,
        Some(order("p1", "PO-1", 2, None)),
    )
    .await;
    assert_eq!((status, status_code(&body).0), (401, 401));
    let (status, _) = call(
        &b,
        "POST",
        "/cxml",
        None,
        Some(order("p1", "PO-1", 2, Some("guess"))),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = call(
        &b,
        "POST",
        "/cxml",
        None,
        Some(order("p1", "PO-1", 2, Some(SECRET))),
    )
    .await;
    assert_eq!((status, status_code(&body).0), (200, 200));
    let (status, _) = call(
        &b,
        "POST",
        "/cxml",
        Some(SECRET),
        Some(order("p2", "PO-2", 2, None)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(call(&b, "GET", "/catalog/index", None, None).await.0, 401);
    let (status, index) = call(&b, "GET", "/catalog/index", Some(SECRET), None).await;
    assert_eq!(status, 200);
    assert!(index.contains("<!DOCTYPE Index"));
    assert_eq!(index.matches("<IndexItem>").count(), 14);
    assert_eq!(b.order_count(), 2);
}

#[tokio::test]
async fn a_payload_id_is_one_order_and_other_content_conflicts() {
    let b = ostara::start(OstaraConfig::new(SECRET))
        .await
        .expect("starts");
    let (_, first) = call(
        &b,
        "POST",
        "/cxml",
        Some(SECRET),
        Some(order("p1", "PO-1", 3, None)),
    )
    .await;
    // The retry has another timestamp but the same order: the same Response, byte for byte.
    let retry_body = order("p1", "PO-1", 3, None).replace("10:00:00+02:00\">", "10:05:00+02:00\">");
    let (status, again) = call(&b, "POST", "/cxml", Some(SECRET), Some(retry_body)).await;
    assert_eq!((status, &again), (200, &first));
    let (status, conflict) = call(
        &b,
        "POST",
        "/cxml",
        Some(SECRET),
        Some(order("p1", "PO-1", 4, None)),
    )
    .await;
    assert_eq!(status, 409);
    assert!(status_code(&conflict).1.starts_with("payload-conflict:"));
    let (status, dup) = call(
        &b,
        "POST",
        "/cxml",
        Some(SECRET),
        Some(order("p2", "PO-1", 3, None)),
    )
    .await;
    assert_eq!(status, 409);
    assert!(status_code(&dup).1.starts_with("duplicate-order:"));
    assert_eq!(b.order_count(), 1);
    assert_eq!(b.stock_of("OS-1001"), Some(497));
    let summary = b.order("PO-1").expect("order");
    assert_eq!((summary.lines[0].accepted, summary.confirmations), (3, 1));
    let (status, history) = call(&b, "GET", "/orders/PO-1", Some(SECRET), None).await;
    assert_eq!(status, 200);
    assert!(history.contains("<OrderRequest>") && history.contains("<ConfirmationRequest>"));
    assert_eq!(
        call(&b, "GET", "/orders/PO-9", Some(SECRET), None).await.0,
        404
    );
    let (status, bad) = call(&b, "POST", "/cxml", Some(SECRET), Some("<cXML/>".into())).await;
    assert_eq!((status, status_code(&bad).0), (400, 400));
}

#[tokio::test]
async fn documents_are_pushed_to_the_buyer_with_the_configured_headers() {
    type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    let buyer = Router::new().route(
        "/inbound/ostara",
        post(move |headers: HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                sink.lock().expect("lock").push((auth, body));
                r#"<cXML payloadID="r"><Response><Status code="200" text="OK"/></Response></cXML>"#
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, buyer).await });

    let config = OstaraConfig::new(SECRET).push_to(
        format!("http://{addr}/inbound/ostara"),
        &[("authorization", "Bearer buyer-key")],
    );
    let b = ostara::start(config).await.expect("starts");
    call(
        &b,
        "POST",
        "/cxml",
        Some(SECRET),
        Some(order("p1", "PO-1", 2, None)),
    )
    .await;
    b.control().advance(Duration::from_secs(25 * 3600));
    let (status, ticked) = call(&b, "POST", "/_sim/ostara/tick", None, None).await;
    assert_eq!(status, 200);
    assert!(ticked.contains("ShipNoticeRequest"));
    assert!(b.settle(Duration::from_secs(5)).await, "deliveries settle");
    let docs = b.pushed_documents();
    let kinds: Vec<&str> = docs.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(kinds, ["ConfirmationRequest", "ShipNoticeRequest"]);
    for d in &docs {
        let Delivery::Delivered { status, reply } = &d.delivery else {
            panic!("{:?}", d.delivery);
        };
        assert_eq!(*status, 200);
        assert!(reply.contains("Status code=\"200\""));
        assert!(
            d.body
                .contains(&format!("<SharedSecret>{SECRET}</SharedSecret>"))
        );
    }
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|(auth, _)| auth.as_deref() == Some("Bearer buyer-key"))
    );
    assert_eq!(seen[0].1, docs[0].body);
    let (_, outbox) = call(&b, "GET", "/_sim/ostara/outbox", None, None).await;
    let outbox: serde_json::Value = serde_json::from_str(&outbox).expect("json");
    assert_eq!(outbox[1]["delivery"]["state"], "delivered");
    assert_eq!(b.order("PO-1").expect("order").ship_notices, 1);
}
