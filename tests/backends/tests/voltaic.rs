//! Voltaic backend over real HTTP: search and paging, localisation, carts, orders with
//! idempotency keys, stock, price moves and cart expiry on the simulated clock, cancellation
//! rules, returns, webhooks, authentication and injected failures.

use mercato_backends::voltaic::{self, VoltaicBackend, VoltaicConfig};
use serde_json::{Value, json};
use std::time::Duration;

const BOLT: &str = "VC-HB-M8X30-A2";
const NUT: &str = "VC-HN-M8-A2";

struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Client {
    fn new(backend: &VoltaicBackend) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: backend.base_url(),
            key: backend.api_key().to_string(),
        }
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    async fn post_idem(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let response = req
            .header("X-Api-Key", &self.key)
            .send()
            .await
            .expect("request reaches the backend");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

async fn backend() -> VoltaicBackend {
    voltaic::start(VoltaicConfig::default())
        .await
        .expect("backend starts")
}

fn keyword(word: &str, start: u32, records: u32) -> Value {
    json!({"SearchByKeywordRequest": {"keyword": word, "startingRecord": start, "records": records,
           "currencyCode": "EUR", "locale": "de-DE"}})
}

fn ship_to(country: &str) -> Value {
    json!({"Name": "Plant 3", "Company": "Acme GmbH", "AddressLines": ["Werkstr. 3"], "City": "Stuttgart",
           "PostalCode": "70173", "Country": country})
}

fn direct_order(po: &str, lines: Value) -> Value {
    json!({"PurchaseOrderNumber": po, "CurrencyCode": "EUR", "Locale": "de-DE", "ShipTo": ship_to("DE"),
           "OrderLines": lines})
}

fn code(body: &Value) -> &str {
    body["Errors"][0]["Code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn keyword_search_pages_without_repeats_and_is_localised() {
    let b = backend().await;
    let c = Client::new(&b);
    let (status, first) = c
        .post("/api/v1/search/keyword", &keyword("stainless", 0, 2))
        .await;
    assert_eq!(status, 200);
    let total = first["SearchResults"]["NumberOfResult"]
        .as_u64()
        .expect("count");
    assert!(total >= 5, "{first}");
    let mut seen = Vec::new();
    let mut start = 0;
    while start < total {
        let (_, page) = c
            .post(
                "/api/v1/search/keyword",
                &keyword("stainless", start as u32, 2),
            )
            .await;
        let parts = page["SearchResults"]["Parts"]
            .as_array()
            .expect("parts")
            .clone();
        assert!(!parts.is_empty() && parts.len() <= 2);
        for p in parts {
            let number = p["VoltaicPartNumber"].as_str().expect("number").to_string();
            assert!(!seen.contains(&number), "{number} repeated");
            seen.push(number);
        }
        start += 2;
    }
    assert_eq!(seen.len() as u64, total);

    let (_, hits) = c
        .post("/api/v1/search/keyword", &keyword("M8 hex bolt", 0, 10))
        .await;
    let bolt = &hits["SearchResults"]["Parts"][0];
    assert_eq!(hits["SearchResults"]["NumberOfResult"], 1);
    assert_eq!(bolt["VoltaicPartNumber"], BOLT);
    assert_eq!(bolt["Availability"], "15243 In Stock");
    assert_eq!(bolt["LeadTime"], "14 Days");
    assert_eq!(
        bolt["PriceBreaks"][2],
        json!({"Quantity": 500, "Price": "0,24 €", "Currency": "EUR"})
    );

    let usd = json!({"SearchByKeywordRequest": {"keyword": "M8 hex bolt", "currencyCode": "USD", "locale": "en-US"}});
    let (_, hits) = c.post("/api/v1/search/keyword", &usd).await;
    assert_eq!(
        hits["SearchResults"]["Parts"][0]["PriceBreaks"][2]["Price"],
        "$0.26"
    );

    let in_stock = json!({"SearchByKeywordRequest": {"keyword": "", "records": 50, "searchOptions": "InStock"}});
    let (_, hits) = c.post("/api/v1/search/keyword", &in_stock).await;
    let parts = hits["SearchResults"]["Parts"].as_array().expect("parts");
    assert!(parts.iter().all(|p| p["Availability"] != "0 In Stock"));
    assert!(
        !parts
            .iter()
            .any(|p| p["VoltaicPartNumber"] == "VC-ESP32-WROOM")
    );
}

#[tokio::test]
async fn part_number_lookup_takes_several_numbers_mpns_and_reports_unknowns() {
    let b = backend().await;
    let c = Client::new(&b);
    let body = json!({"SearchByPartRequest": {"partNumber": format!("{BOLT}|TL072CP|NOPE-1"), "currencyCode": "USD", "locale": "en-US"}});
    let (status, found) = c.post("/api/v1/search/partnumber", &body).await;
    assert_eq!(status, 200);
    let parts = found["SearchResults"]["Parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1]["PriceBreaks"][0]["Price"], "$0.87");
    assert_eq!(parts[1]["Manufacturer"], "Texas Instruments");
    assert_eq!(found["Errors"][0]["Code"], "PartNotFound");
    assert_eq!(found["Errors"][0]["PropertyName"], "NOPE-1");
    let gtin = parts[0]["GTIN"].as_str().expect("gtin").to_string();
    let (_, by_gtin) = c
        .post(
            "/api/v1/search/partnumber",
            &json!({"SearchByPartRequest": {"partNumber": gtin}}),
        )
        .await;
    assert_eq!(
        by_gtin["SearchResults"]["Parts"][0]["VoltaicPartNumber"],
        BOLT
    );
}

#[tokio::test]
async fn cart_prices_lines_and_reports_stock_and_quantity_problems() {
    let b = backend().await;
    let c = Client::new(&b);
    let body = json!({"CurrencyCode": "EUR", "Locale": "de-DE", "ShipToCountry": "DE", "CartItems": [
        {"VoltaicPartNumber": BOLT, "Quantity": 500, "CustomerLineId": "bolts"},
        {"VoltaicPartNumber": NUT, "Quantity": 500, "CustomerLineId": "nuts"},
        {"VoltaicPartNumber": "VC-RES-10K-0805", "Quantity": 150, "CustomerLineId": "res"},
        {"VoltaicPartNumber": "VC-ESP32-WROOM", "Quantity": 2, "CustomerLineId": "esp"}]});
    let (status, cart) = c.post("/api/v1/cart", &body).await;
    assert_eq!(status, 201, "{cart}");
    assert_eq!(cart["CartItems"][0]["UnitPrice"], "0,24 €");
    assert_eq!(cart["CartItems"][0]["ExtendedPrice"], "120,00 €");
    assert_eq!(cart["CartItems"][1]["UnitPrice"], "0,065 €");
    assert_eq!(cart["CartItems"][1]["ExtendedPrice"], "32,50 €");
    assert_eq!(cart["CartItems"][2]["Errors"][0]["Code"], "QuantityRule");
    assert_eq!(cart["CartItems"][2]["Errors"][0]["Min"], "100");
    assert_eq!(
        cart["CartItems"][3]["Errors"][0]["Code"],
        "InsufficientStock"
    );
    assert_eq!(cart["CartItems"][3]["Errors"][0]["Available"], 0);
    assert!(cart["CartItems"][3]["Errors"][0]["NextRestockDate"].is_string());
    // 120 + 32.50 + 1.80 (150 × 0.012) + 6.40 = 160.70, free shipping; 19 % VAT rounded per
    // line: 22.80 + 6.18 + 0.34 + 1.22.
    assert_eq!(cart["MerchandiseTotal"], "160,70 €");
    assert_eq!(cart["ShippingCost"], "0,00 €");
    assert_eq!(cart["Tax"], "30,54 €");
    assert_eq!(cart["Total"], "191,24 €");
    assert_eq!(cart["Status"], "Valid");
    let key = cart["CartKey"].as_str().expect("key");
    let (status, again) = c.get(&format!("/api/v1/cart/{key}")).await;
    assert_eq!(status, 200);
    assert_eq!(again["ValidUntil"], cart["ValidUntil"]);

    let bad_country = json!({"CurrencyCode": "EUR", "ShipToCountry": "BR", "CartItems": [{"VoltaicPartNumber": BOLT, "Quantity": 1}]});
    let (status, e) = c.post("/api/v1/cart", &bad_country).await;
    assert_eq!((status, code(&e)), (422, "CountryNotServed"));
    let unknown = json!({"CurrencyCode": "EUR", "ShipToCountry": "DE", "CartItems": [{"VoltaicPartNumber": "VC-NOPE", "Quantity": 1}]});
    let (status, e) = c.post("/api/v1/cart", &unknown).await;
    assert_eq!((status, code(&e)), (404, "PartNotFound"));
}

#[tokio::test]
async fn orders_are_idempotent_and_take_stock() {
    let b = backend().await;
    let c = Client::new(&b);
    let order = direct_order(
        "PO-IDEM",
        json!([
        {"CustomerLineId": "1", "VoltaicPartNumber": BOLT, "Quantity": 500, "ExpectedUnitPrice": {"Amount": "0.24", "Currency": "EUR"}}]),
    );
    let (status, first) = c.post_idem("/api/v1/order", "key-1", &order).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["Status"], "Shipped");
    assert_eq!(first["OrderLines"][0]["QuantityShipped"], 500);
    assert_eq!(b.stock_of(BOLT), Some(15_243 - 500));

    let (status, replay) = c.post_idem("/api/v1/order", "key-1", &order).await;
    assert_eq!(status, 200);
    assert_eq!(replay["OrderNumber"], first["OrderNumber"]);
    assert_eq!(b.order_count(), 1);
    assert_eq!(b.stock_of(BOLT), Some(15_243 - 500));

    let mut changed = order.clone();
    changed["OrderLines"][0]["Quantity"] = json!(600);
    let (status, e) = c.post_idem("/api/v1/order", "key-1", &changed).await;
    assert_eq!((status, code(&e)), (422, "IdempotencyConflict"));

    let (status, e) = c.post("/api/v1/order", &order).await;
    assert_eq!((status, code(&e)), (400, "IdempotencyKeyRequired"));

    let (_, by_po) = c.get("/api/v1/orders?purchaseOrderNumber=PO-IDEM").await;
    assert_eq!(by_po["Orders"][0]["OrderNumber"], first["OrderNumber"]);
    assert_eq!(b.orders_for_po("PO-IDEM").len(), 1);
    let number = first["OrderNumber"].as_str().expect("number");
    let (_, shipments) = c.get(&format!("/api/v1/order/{number}/shipments")).await;
    let shipment = &shipments["Shipments"][0];
    assert_eq!(shipment["Carrier"], "DHL");
    assert!(
        shipment["TrackingUrl"]
            .as_str()
            .expect("url")
            .contains(shipment["TrackingNumber"].as_str().expect("no"))
    );
    let (_, invoices) = c.get(&format!("/api/v1/order/{number}/invoices")).await;
    assert_eq!(invoices["Invoices"][0]["NetAmount"], "120,00 €");
    assert_eq!(invoices["Invoices"][0]["Total"], "142,80 €");
}

#[tokio::test]
async fn a_duplicate_during_processing_gets_409_with_retry_after() {
    let config = VoltaicConfig {
        order_processing_delay: Duration::from_millis(600),
        ..VoltaicConfig::default()
    };
    let b = voltaic::start(config).await.expect("backend");
    let order = direct_order(
        "PO-SLOW",
        json!([{"VoltaicPartNumber": NUT, "Quantity": 10}]),
    );
    let url = format!("{}/api/v1/order", b.base_url());
    let http = reqwest::Client::new();
    let send = || {
        http.post(&url)
            .header("X-Api-Key", b.api_key())
            .header("Idempotency-Key", "slow")
            .json(&order)
            .send()
    };
    let first = tokio::spawn(send());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = send().await.expect("second");
    assert_eq!(second.status().as_u16(), 409);
    assert_eq!(
        second
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let first = first.await.expect("join").expect("first");
    assert_eq!(first.status().as_u16(), 201);
    assert_eq!(b.order_count(), 1);
}

#[tokio::test]
async fn order_errors_name_lines_rules_and_stock() {
    let b = backend().await;
    let c = Client::new(&b);
    let rules = direct_order(
        "PO-R",
        json!([{"CustomerLineId": "r", "VoltaicPartNumber": "VC-RES-10K-0805", "Quantity": 150}]),
    );
    let (status, e) = c.post_idem("/api/v1/order", "r", &rules).await;
    assert_eq!((status, code(&e)), (422, "QuantityRule"));
    assert_eq!(e["Errors"][0]["Mult"], "100");
    assert_eq!(e["Errors"][0]["CustomerLineId"], "r");

    let relay = direct_order(
        "PO-S",
        json!([{"CustomerLineId": "s", "VoltaicPartNumber": "VC-G5LE-1-24", "Quantity": 100}]),
    );
    let (status, e) = c.post_idem("/api/v1/order", "s", &relay).await;
    assert_eq!((status, code(&e)), (422, "InsufficientStock"));
    assert_eq!(e["Errors"][0]["Available"], 25);
    assert!(e["Errors"][0]["NextRestockDate"].is_string());
    // A refused order does not use up its key.
    let fixed = direct_order(
        "PO-S",
        json!([{"CustomerLineId": "s", "VoltaicPartNumber": "VC-G5LE-1-24", "Quantity": 20}]),
    );
    let (status, _) = c.post_idem("/api/v1/order", "s-2", &fixed).await;
    assert_eq!(status, 201);

    let discontinued = direct_order(
        "PO-D",
        json!([{"VoltaicPartNumber": "VC-LM741CN", "Quantity": 41}]),
    );
    let (_, e) = c.post_idem("/api/v1/order", "d", &discontinued).await;
    assert_eq!(code(&e), "InsufficientStock");
    assert_eq!(e["Errors"][0]["Available"], 40);
    assert!(e["Errors"][0].get("NextRestockDate").is_none());

    let mut capped = direct_order(
        "PO-M",
        json!([{"VoltaicPartNumber": BOLT, "Quantity": 500}]),
    );
    capped["MaxTotal"] = json!({"Amount": "100.00", "Currency": "EUR"});
    let (status, e) = c.post_idem("/api/v1/order", "m", &capped).await;
    assert_eq!((status, code(&e)), (422, "MaxTotalExceeded"));
    assert_eq!(e["Errors"][0]["Total"], "142,80 €");
    assert_eq!(b.order_count(), 1);
}

#[tokio::test]
async fn backorders_ship_when_the_restock_arrives() {
    let b = backend().await;
    let c = Client::new(&b);
    let order = direct_order(
        "PO-B",
        json!([
        {"CustomerLineId": "esp", "VoltaicPartNumber": "VC-ESP32-WROOM", "Quantity": 5},
        {"CustomerLineId": "nut", "VoltaicPartNumber": NUT, "Quantity": 100}]),
    );
    let (status, placed) = c.post_idem("/api/v1/order", "b", &order).await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["Status"], "PartiallyShipped");
    assert_eq!(placed["OrderLines"][0]["Status"], "Backordered");
    assert_eq!(placed["OrderLines"][0]["QuantityBackordered"], 5);
    assert_eq!(placed["OrderLines"][1]["Status"], "Shipped");
    let number = placed["OrderNumber"].as_str().expect("number").to_string();

    let mut complete = order.clone();
    complete["PurchaseOrderNumber"] = json!("PO-C");
    complete["BackorderPolicy"] = json!("ShipComplete");
    let (_, held) = c.post_idem("/api/v1/order", "c", &complete).await;
    assert_eq!(held["Status"], "AwaitingStock");
    assert_eq!(held["OrderLines"][1]["QuantityShipped"], 0);

    b.control().advance(Duration::from_secs(85 * 86_400));
    let (_, later) = c.get(&format!("/api/v1/order/{number}")).await;
    assert_eq!(later["OrderLines"][0]["QuantityShipped"], 5);
    let (_, shipments) = c.get(&format!("/api/v1/order/{number}/shipments")).await;
    assert_eq!(shipments["Shipments"].as_array().map(Vec::len), Some(2));
    assert_eq!(shipments["Shipments"][0]["Status"], "Delivered");
    let held_number = held["OrderNumber"].as_str().expect("number");
    assert_eq!(b.order_status(held_number).as_deref(), Some("Shipped"));
}

#[tokio::test]
async fn a_volatile_price_changes_and_expected_prices_are_checked() {
    let b = backend().await;
    let c = Client::new(&b);
    let bar = "VC-CU-BUSBAR-10X3";
    let line = |amount: &str| {
        json!([{"CustomerLineId": "cu", "VoltaicPartNumber": bar, "Quantity": 1,
                                        "ExpectedUnitPrice": {"Amount": amount, "Currency": "EUR"}}])
    };
    b.control().advance(Duration::from_secs(3 * 3_600));
    let (status, e) = c
        .post_idem(
            "/api/v1/order",
            "cu-1",
            &direct_order("PO-CU", line("4.80")),
        )
        .await;
    assert_eq!((status, code(&e)), (422, "PriceChanged"));
    assert_eq!(e["Errors"][0]["ExpectedUnitPrice"], "4,80 €");
    // 4.80 × 1.02³ with each step rounded: 4.896, 4.99392 → 4.9939, 5.093778 → 5.0938.
    assert_eq!(e["Errors"][0]["CurrentUnitPrice"], "5,0938 €");
    let (status, _) = c
        .post_idem(
            "/api/v1/order",
            "cu-2",
            &direct_order("PO-CU", line("5.0938")),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn cart_prices_hold_until_the_cart_expires() {
    let b = backend().await;
    let c = Client::new(&b);
    let bar = "VC-CU-BUSBAR-10X3";
    let (_, cart) = c
        .post(
            "/api/v1/cart",
            &json!({"CurrencyCode": "EUR", "ShipToCountry": "DE",
        "CartItems": [{"VoltaicPartNumber": bar, "Quantity": 2, "CustomerLineId": "cu"}]}),
        )
        .await;
    assert_eq!(cart["CartItems"][0]["UnitPrice"], "4,80 €");
    let key = cart["CartKey"].as_str().expect("key").to_string();
    let from_cart = |po: &str| json!({"CartKey": key, "PurchaseOrderNumber": po, "CurrencyCode": "EUR", "ShipTo": ship_to("DE")});

    b.control().advance(Duration::from_secs(5 * 3_600));
    let (status, order) = c
        .post_idem("/api/v1/order", "cart-1", &from_cart("PO-CART"))
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["OrderLines"][0]["UnitPrice"], "4,80 €");

    b.control().advance(Duration::from_secs(20 * 3_600));
    let (_, expired) = c.get(&format!("/api/v1/cart/{key}")).await;
    assert_eq!(expired["Status"], "Expired");
    let (status, e) = c
        .post_idem("/api/v1/order", "cart-2", &from_cart("PO-CART-2"))
        .await;
    assert_eq!((status, code(&e)), (410, "CartExpired"));
}

#[tokio::test]
async fn cancellation_only_touches_what_has_not_shipped() {
    let b = backend().await;
    let c = Client::new(&b);
    let order = direct_order(
        "PO-X",
        json!([
        {"CustomerLineId": "esp", "VoltaicPartNumber": "VC-ESP32-WROOM", "Quantity": 3},
        {"CustomerLineId": "nut", "VoltaicPartNumber": NUT, "Quantity": 50}]),
    );
    let (_, placed) = c.post_idem("/api/v1/order", "x", &order).await;
    let number = placed["OrderNumber"].as_str().expect("number");
    let cancel = format!("/api/v1/order/{number}/cancel");

    let (status, e) = c
        .post_idem(&cancel, "cx-1", &json!({"CustomerLineIds": ["nut"]}))
        .await;
    assert_eq!((status, code(&e)), (422, "CancelRefused"));
    assert_eq!(e["Errors"][0]["Order"]["OrderNumber"], number);

    let (status, partial) = c
        .post_idem(
            &cancel,
            "cx-2",
            &json!({"CustomerLineIds": ["esp"], "Reason": "not needed"}),
        )
        .await;
    assert_eq!(status, 200, "{partial}");
    assert_eq!(partial["Result"], "Cancelled");
    assert_eq!(partial["Order"]["OrderLines"][0]["Status"], "Cancelled");
    assert_eq!(partial["Order"]["Status"], "Shipped");
    let (status, replay) = c
        .post_idem(
            &cancel,
            "cx-2",
            &json!({"CustomerLineIds": ["esp"], "Reason": "not needed"}),
        )
        .await;
    assert_eq!((status, &replay["Result"]), (200, &json!("Cancelled")));
    let (status, e) = c
        .post_idem(&cancel, "cx-2", &json!({"CustomerLineIds": []}))
        .await;
    assert_eq!((status, code(&e)), (422, "IdempotencyConflict"));

    let whole = direct_order(
        "PO-Y",
        json!([
        {"CustomerLineId": "esp", "VoltaicPartNumber": "VC-ESP32-WROOM", "Quantity": 1},
        {"CustomerLineId": "nut", "VoltaicPartNumber": NUT, "Quantity": 5}]),
    );
    let (_, placed) = c.post_idem("/api/v1/order", "y", &whole).await;
    let number = placed["OrderNumber"].as_str().expect("number");
    let (_, partial) = c
        .post_idem(&format!("/api/v1/order/{number}/cancel"), "cy", &json!({}))
        .await;
    assert_eq!(partial["Result"], "PartiallyCancelled");
}

#[tokio::test]
async fn returns_are_authorised_for_shipped_quantities_only() {
    let b = backend().await;
    let c = Client::new(&b);
    let (_, placed) = c
        .post_idem(
            "/api/v1/order",
            "ret",
            &direct_order(
                "PO-RET",
                json!([
        {"CustomerLineId": "nut", "VoltaicPartNumber": NUT, "Quantity": 100}]),
            ),
        )
        .await;
    let number = placed["OrderNumber"].as_str().expect("number");
    let path = format!("/api/v1/order/{number}/returns");
    let body = json!({"Lines": [{"CustomerLineId": "nut", "Quantity": 10, "Reason": "Damaged"}]});
    let (status, rma) = c.post_idem(&path, "rma-1", &body).await;
    assert_eq!(status, 201, "{rma}");
    assert_eq!(rma["Status"], "Authorized");
    assert_eq!(rma["RefundEstimate"], "0,65 €");
    let (status, again) = c.post_idem(&path, "rma-1", &body).await;
    assert_eq!((status, &again["RmaNumber"]), (200, &rma["RmaNumber"]));
    let too_many =
        json!({"Lines": [{"CustomerLineId": "nut", "Quantity": 91, "Reason": "Damaged"}]});
    let (status, e) = c.post_idem(&path, "rma-2", &too_many).await;
    assert_eq!((status, code(&e)), (422, "ReturnNotAllowed"));
    assert_eq!(e["Errors"][0]["Available"], 90);
}

#[tokio::test]
async fn webhooks_are_signed_over_the_raw_body() {
    let b = backend().await;
    let c = Client::new(&b);
    let (_, placed) = c
        .post_idem(
            "/api/v1/order",
            "wh",
            &direct_order(
                "PO-WH",
                json!([
        {"VoltaicPartNumber": NUT, "Quantity": 10}]),
            ),
        )
        .await;
    let number = placed["OrderNumber"].as_str().expect("number");
    let hooks = b.webhooks(number);
    let kinds: Vec<&str> = hooks.iter().map(|w| w.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["shipment.created", "invoice.issued", "order.updated"]
    );
    for w in &hooks {
        assert_eq!(w.signature, b.sign(&w.body));
        assert!(w.signature.starts_with("sha256=") && w.signature.len() == 7 + 64);
    }
    let response = reqwest::get(format!(
        "{}/_sim/voltaic/webhooks/{number}/latest",
        b.base_url()
    ))
    .await
    .expect("latest");
    let signature = response
        .headers()
        .get(voltaic::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.bytes().await.expect("body");
    assert_eq!(signature, Some(b.sign(&body)));
    let event: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(event["Data"]["Order"]["OrderNumber"], number);
}

#[tokio::test]
async fn requests_without_the_right_key_are_refused() {
    let b = backend().await;
    let url = format!("{}/api/v1/search/keyword", b.base_url());
    let http = reqwest::Client::new();
    let missing = http
        .post(&url)
        .json(&keyword("nut", 0, 5))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status().as_u16(), 401);
    let wrong = http
        .post(&url)
        .header("X-Api-Key", "guess")
        .json(&keyword("nut", 0, 5))
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status().as_u16(), 401);
    let body: Value = wrong.json().await.expect("json");
    assert_eq!(code(&body), "Unauthorized");
}

#[tokio::test]
async fn injected_failures_answer_with_their_status_and_retry_after() {
    let b = backend().await;
    let c = Client::new(&b);
    b.control().fail_next(429, 1, Some(3));
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/search/keyword", b.base_url()))
        .header("X-Api-Key", b.api_key())
        .json(&keyword("nut", 0, 5))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    let (status, _) = c
        .post("/api/v1/search/keyword", &keyword("nut", 0, 5))
        .await;
    assert_eq!(status, 200);
}

/// A test that drops a backend and then expects "unreachable" raced the server task: the
/// listener stayed open until that task next ran. `stop` returns only once it is closed, even
/// with a client holding a kept-alive connection.
#[tokio::test(flavor = "current_thread")]
async fn a_stopped_backend_refuses_connections_at_once() {
    let b = voltaic::start(VoltaicConfig::default())
        .await
        .expect("backend");
    let client = Client::new(&b);
    let (status, _) = client.get("/_sim/stats").await;
    assert_eq!(status, 200);
    let addr = b.running().addr();
    b.stop().await;
    // A blocking connect: it does not yield to the server task before the kernel answers.
    let refused = std::net::TcpStream::connect(addr);
    assert!(refused.is_err(), "connected to a stopped backend");
    let pooled = client
        .http
        .get(format!("{}/_sim/stats", client.base))
        .send()
        .await;
    assert!(
        pooled.is_err(),
        "a kept-alive connection outlived the backend"
    );
}
