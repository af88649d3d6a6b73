//! The Nordfast UBL backend over real HTTP: catalogue paging, quotations, idempotent orders,
//! AP/CA/RE responses, stock, backorders, moving prices, quotation expiry, cancellation and
//! authentication.

use std::time::Duration;

use mercato_backends::nordfast::{self, NordfastBackend, NordfastConfig};
use mercato_sdk::xml::{Element, parse};

const TOKEN: &str = "nordfast-test-token";

async fn backend() -> NordfastBackend {
    nordfast::start(NordfastConfig::bearer(TOKEN))
        .await
        .expect("backend starts")
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn call(b: &NordfastBackend, method: &str, path: &str, body: Option<String>) -> Answer {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", b.base_url());
    let mut request = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    }
    .bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.header("content-type", "application/xml").body(body);
    }
    let response = request.send().await.expect("request is answered");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

async fn get(b: &NordfastBackend, path: &str) -> Answer {
    call(b, "GET", path, None).await
}

async fn post(b: &NordfastBackend, path: &str, body: String) -> Answer {
    call(b, "POST", path, Some(body)).await
}

/// Texts of every element with this local name (its own and its descendants' text), in
/// document order.
fn texts(xml: &str, local: &str) -> Vec<String> {
    fn all_text(e: &Element, into: &mut String) {
        into.push_str(&e.text);
        for child in &e.children {
            all_text(child, into);
        }
    }
    fn walk(e: &Element, local: &str, out: &mut Vec<String>) {
        if e.name == local {
            let mut text = String::new();
            all_text(e, &mut text);
            out.push(text.trim().to_string());
        }
        for child in &e.children {
            walk(child, local, out);
        }
    }
    let mut out = Vec::new();
    walk(&parse(xml).expect("well-formed XML"), local, &mut out);
    out
}

fn first(xml: &str, local: &str) -> String {
    texts(xml, local)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {local} in\n{xml}"))
}

fn header_num(a: &Answer, name: &str) -> usize {
    a.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric {name} header"))
}

const NS: &str = r#"xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2""#;

fn line_item(id: &str, item: &str, qty: u64, price: Option<&str>) -> String {
    let price = price
        .map(|p| {
            format!(
                r#"<cac:Price><cbc:PriceAmount currencyID="EUR">{p}</cbc:PriceAmount><cbc:BaseQuantity unitCode="C62">1</cbc:BaseQuantity></cac:Price>"#
            )
        })
        .unwrap_or_default();
    format!(
        r#"<cac:LineItem><cbc:ID>{id}</cbc:ID><cbc:Quantity unitCode="C62">{qty}</cbc:Quantity>{price}<cac:Item><cbc:Name>x</cbc:Name><cac:SellersItemIdentification><cbc:ID>{item}</cbc:ID></cac:SellersItemIdentification></cac:Item></cac:LineItem>"#
    )
}

fn rfq(id: &str, country: &str, currency: &str, lines: &[(&str, &str, u64)]) -> String {
    let lines: String = lines
        .iter()
        .map(|(l, i, q)| {
            format!(
                "<cac:RequestForQuotationLine>{}</cac:RequestForQuotationLine>",
                line_item(l, i, *q, None)
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<RequestForQuotation xmlns="urn:oasis:names:specification:ubl:schema:xsd:RequestForQuotation-2" {NS}>
  <cbc:ID>{id}</cbc:ID><cbc:IssueDate>2026-06-01</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  <cac:Delivery><cac:DeliveryLocation><cac:Address><cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country></cac:Address></cac:DeliveryLocation></cac:Delivery>
  {lines}
</RequestForQuotation>"#
    )
}

struct OrderSpec<'a> {
    po: &'a str,
    uuid: &'a str,
    quotation: Option<&'a str>,
    lines: Vec<(&'a str, &'a str, u64, Option<&'a str>)>,
}

fn order(spec: &OrderSpec<'_>) -> String {
    let quote = spec
        .quotation
        .map(|q| format!("<cac:QuotationDocumentReference><cbc:ID>{q}</cbc:ID></cac:QuotationDocumentReference>"))
        .unwrap_or_default();
    let lines: String = spec
        .lines
        .iter()
        .map(|(l, i, q, p)| format!("<cac:OrderLine>{}</cac:OrderLine>", line_item(l, i, *q, *p)))
        .collect();
    // A different prefix for the basic components, to show prefixes do not matter.
    let body = format!(
        r#"<?xml version="1.0"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" {NS}>
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
  <cbc:ID>{}</cbc:ID>
  <cbc:UUID>{}</cbc:UUID>
  <cbc:IssueDate>2026-06-01</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  {quote}
  <cac:BuyerCustomerParty><cac:Party><cac:PartyName><cbc:Name>Plant 3</cbc:Name></cac:PartyName></cac:Party></cac:BuyerCustomerParty>
  <cac:OriginatorCustomerParty><cac:Party><cac:PartyName><cbc:Name>maintenance-bot-7</cbc:Name></cac:PartyName></cac:Party></cac:OriginatorCustomerParty>
  <cac:Delivery><cac:DeliveryLocation><cbc:ID schemeID="0088">4000001000005</cbc:ID><cac:Address><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:Address></cac:DeliveryLocation></cac:Delivery>
  {lines}
</Order>"#,
        spec.po, spec.uuid
    );
    body.replace("cbc:", "b:").replace("xmlns:cbc=", "xmlns:b=")
}

fn cancellation(id: &str, sales_order_id: &str) -> String {
    format!(
        r#"<OrderCancellation xmlns="urn:oasis:names:specification:ubl:schema:xsd:OrderCancellation-2" {NS}>
  <cbc:ID>{id}</cbc:ID><cbc:IssueDate>2026-06-01</cbc:IssueDate>
  <cbc:CancellationNote>not needed any more</cbc:CancellationNote>
  <cac:OrderReference><cbc:ID>unknown-po</cbc:ID><cbc:SalesOrderID>{sales_order_id}</cbc:SalesOrderID></cac:OrderReference>
</OrderCancellation>"#
    )
}

fn reason_code(a: &Answer) -> String {
    first(&a.body, "StatusReasonCode")
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_the_credential_are_refused() {
    let b = backend().await;
    let client = reqwest::Client::new();
    let none = client
        .get(format!("{}/catalogue", b.base_url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(none.status().as_u16(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let wrong = client
        .get(format!("{}/catalogue", b.base_url()))
        .bearer_auth("guess")
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(get(&b, "/catalogue").await.status, 200);

    let basic = nordfast::start(NordfastConfig::basic("plant3", "s3cret"))
        .await
        .expect("starts");
    let ok = client
        .get(format!("{}/catalogue", basic.base_url()))
        .basic_auth("plant3", Some("s3cret"))
        .send()
        .await
        .expect("answered");
    assert_eq!(ok.status().as_u16(), 200);
    let bad = client
        .get(format!("{}/catalogue", basic.base_url()))
        .basic_auth("plant3", Some("wrong"))
        .send()
        .await
        .expect("answered");
    assert_eq!(bad.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogue_search_pages_without_repeating_and_matches_forgivingly() {
    let b = backend().await;
    let hits = get(&b, "/catalogue?q=M8%20hex%20bolt").await;
    assert_eq!(hits.status, 200);
    let ids = texts(&hits.body, "SellersItemIdentification");
    assert!(ids.contains(&"NF-10001".to_string()), "{ids:?}");
    assert!(ids.contains(&"NF-10004".to_string()));
    assert!(
        !ids.contains(&"NF-20001".to_string()),
        "a nut is not a bolt"
    );
    assert!(
        hits.body
            .contains("<cbc:PriceAmount currencyID=\"EUR\">0.170</cbc:PriceAmount>")
    );
    assert!(
        hits.body
            .contains("<cbc:LeadTimeMeasure unitCode=\"DAY\">3</cbc:LeadTimeMeasure>")
    );

    let in_stock = get(&b, "/catalogue?q=M8%20hex%20bolt&in_stock=true").await;
    let ids = texts(&in_stock.body, "SellersItemIdentification");
    assert!(
        !ids.contains(&"NF-10004".to_string()),
        "sold out item excluded: {ids:?}"
    );

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let a = get(&b, &format!("/catalogue?page={page}&page_size=4")).await;
        assert_eq!(a.status, 200);
        let ids = texts(&a.body, "SellersItemIdentification");
        assert!(ids.len() <= 4);
        seen.extend(ids);
        if page >= header_num(&a, "x-page-count") {
            assert_eq!(header_num(&a, "x-total-count"), seen.len());
            break;
        }
        page += 1;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no item twice: {seen:?}");
    assert!((12..=20).contains(&seen.len()));

    let bad = get(&b, "/catalogue?page_size=500").await;
    assert_eq!(bad.status, 400);
    assert_eq!(reason_code(&bad), "invalid-parameter");
}

#[tokio::test(flavor = "multi_thread")]
async fn items_are_looked_up_by_id_and_gtin_with_live_stock() {
    let b = backend().await;
    let all = get(&b, "/catalogue?q=hexagon%20nut%20M8").await;
    let gtin = first(&all.body, "StandardItemIdentification");
    let a = get(
        &b,
        &format!("/catalogue/items?id=NF-10001&id=NF-99999&gtin={gtin}"),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        texts(&a.body, "SellersItemIdentification"),
        ["NF-10001", "NF-20001"]
    );
    let stock = get(&b, "/availability?id=NF-10004").await;
    assert!(
        stock
            .body
            .contains("listID=\"nordfast-availability\">on-hand</cbc:NameCode>")
    );
    assert!(texts(&stock.body, "Name").contains(&"NextRestockDate".to_string()));
    assert_eq!(get(&b, "/catalogue/items").await.status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn quotations_add_up_to_the_cent_and_hold_48_hours() {
    let b = backend().await;
    let q = post(
        &b,
        "/rfq",
        rfq(
            "RFQ-1",
            "DE",
            "EUR",
            &[("1", "NF-10001", 500), ("2", "NF-20001", 500)],
        ),
    )
    .await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert_eq!(
        texts(&q.body, "LineExtensionAmount")[..2],
        ["105.00", "85.00"]
    );
    assert_eq!(first(&q.body, "ChargeTotalAmount"), "9.90");
    assert_eq!(first(&q.body, "TaxAmount"), "21.83");
    assert_eq!(first(&q.body, "PayableAmount"), "136.73");
    let start = format!(
        "{}T{}",
        first(&q.body, "StartDate"),
        first(&q.body, "StartTime")
    );
    let end = format!(
        "{}T{}",
        texts(&q.body, "EndDate")[0],
        first(&q.body, "EndTime")
    );
    assert_ne!(start, end);
    let id = first(&q.body, "ID");
    assert!(id.starts_with("NF-Q-"));
    let again = get(&b, &format!("/quotations/{id}")).await;
    assert_eq!(again.body, q.body);
    assert_eq!(
        reason_code(&get(&b, "/quotations/NF-Q-999999").await),
        "unknown-quotation"
    );

    let quantity = post(
        &b,
        "/rfq",
        rfq("RFQ-2", "DE", "EUR", &[("a", "NF-50002", 5)]),
    )
    .await;
    assert_eq!(first(&quantity.body, "Quantity"), "10");
    assert!(quantity.body.contains("QUANTITY-CHANGED"));

    let unknown = post(
        &b,
        "/rfq",
        rfq("RFQ-3", "DE", "EUR", &[("1", "NF-99999", 5)]),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(reason_code(&unknown), "unknown-item");
    assert!(first(&unknown.body, "Description").contains("NF-99999"));
    let far = post(
        &b,
        "/rfq",
        rfq("RFQ-4", "US", "EUR", &[("1", "NF-10001", 5)]),
    )
    .await;
    assert_eq!(
        (far.status, reason_code(&far)),
        (422, "undeliverable".to_string())
    );
    let dollars = post(
        &b,
        "/rfq",
        rfq("RFQ-5", "DE", "USD", &[("1", "NF-10001", 5)]),
    )
    .await;
    assert_eq!(reason_code(&dollars), "unsupported-currency");
    let garbage = post(
        &b,
        "/rfq",
        "<RequestForQuotation><oops></RequestForQuotation>".into(),
    )
    .await;
    assert_eq!(
        (garbage.status, reason_code(&garbage)),
        (400, "invalid-document".to_string())
    );
    let wrong_type = post(&b, "/rfq", cancellation("C-1", "x")).await;
    assert!(first(&wrong_type.body, "Description").contains("expected a UBL RequestForQuotation"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_idempotent_by_uuid_and_takes_stock_once() {
    let b = backend().await;
    let spec = OrderSpec {
        po: "PO-1",
        uuid: "key-1",
        quotation: None,
        lines: vec![
            ("1", "NF-10001", 500, Some("0.170")),
            ("2", "NF-20001", 500, Some("0.040")),
        ],
    };
    let first_answer = post(&b, "/orders", order(&spec)).await;
    assert_eq!(first_answer.status, 200, "{}", first_answer.body);
    assert_eq!(first(&first_answer.body, "OrderResponseCode"), "AP");
    assert_eq!(texts(&first_answer.body, "LineStatusCode"), ["5", "5"]);
    let again = post(&b, "/orders", order(&spec)).await;
    assert_eq!(
        again.body, first_answer.body,
        "the stored response, byte for byte"
    );
    assert_eq!(b.order_count(), 1);
    assert_eq!(b.stock_of("NF-10001"), Some(19_500));
    assert_eq!(b.stock_of("NF-20001"), Some(29_500));
    let summary = &b.orders_for_buyer_po("PO-1")[0];
    assert_eq!(summary.originator.as_deref(), Some("maintenance-bot-7"));
    assert_eq!(summary.delivery_location.as_deref(), Some("4000001000005"));
    assert_eq!((summary.despatches, summary.invoices), (1, 1));

    let changed = OrderSpec {
        lines: vec![("1", "NF-10001", 600, Some("0.170"))],
        ..spec
    };
    let conflict = post(&b, "/orders", order(&changed)).await;
    assert_eq!(
        (conflict.status, reason_code(&conflict)),
        (409, "idempotency-conflict".into())
    );
    let other_key = OrderSpec {
        uuid: "key-2",
        ..changed
    };
    let duplicate = post(&b, "/orders", order(&other_key)).await;
    assert_eq!(reason_code(&duplicate), "duplicate-buyer-po");
    assert_eq!(b.order_count(), 1);

    let order_id = first(&first_answer.body, "SalesOrderID");
    assert_eq!(
        get(&b, &format!("/orders/{order_id}")).await.body,
        first_answer.body
    );
    assert_eq!(
        get(&b, "/orders?buyer_po=PO-1").await.body,
        first_answer.body
    );
    assert_eq!(
        reason_code(&get(&b, "/orders?buyer_po=PO-404").await),
        "unknown-order"
    );
    let das = get(&b, &format!("/orders/{order_id}/despatch-advices")).await;
    assert_eq!(texts(&das.body, "DeliveredQuantity"), ["500", "500"]);
    assert!(!first(&das.body, "TrackingID").is_empty());
    assert_eq!(texts(&das.body, "LotNumberID").len(), 2);
    let invoices = get(&b, &format!("/orders/{order_id}/invoices")).await;
    assert_eq!(first(&invoices.body, "PayableAmount"), "136.73");
    assert_eq!(first(&invoices.body, "InvoiceTypeCode"), "380");
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_are_ap_ca_or_re_with_line_statuses() {
    let b = backend().await;
    let changed = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-CA",
            uuid: "k-ca",
            quotation: None,
            lines: vec![
                ("1", "NF-50002", 5, None),
                ("2", "NF-50001", 2, Some("3.900")),
                ("3", "NF-99999", 1, None),
            ],
        }),
    )
    .await;
    assert_eq!(first(&changed.body, "OrderResponseCode"), "CA");
    assert_eq!(texts(&changed.body, "LineStatusCode"), ["3", "5", "7"]);
    assert!(
        changed
            .body
            .contains("QUANTITY-CHANGED: ordered 5 C62, confirmed 10 C62")
    );
    assert_eq!(b.stock_of("NF-50002"), Some(240));

    let rejected = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-RE",
            uuid: "k-re",
            quotation: None,
            lines: vec![("1", "NF-99999", 1, None)],
        }),
    )
    .await;
    assert_eq!(first(&rejected.body, "OrderResponseCode"), "RE");
    assert_eq!(texts(&rejected.body, "LineStatusCode"), ["7"]);
    assert_eq!(first(&rejected.body, "PayableAmount"), "0.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sold_out_item_is_backordered_and_ships_after_the_restock() {
    let b = backend().await;
    let answer = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-BO",
            uuid: "k-bo",
            quotation: None,
            lines: vec![("1", "NF-10004", 200, None)],
        }),
    )
    .await;
    assert_eq!(first(&answer.body, "OrderResponseCode"), "CA");
    assert_eq!(texts(&answer.body, "LineStatusCode"), ["3"]);
    assert!(answer.body.contains("BACKORDER: 200 C62 on backorder"));
    assert_eq!(b.stock_of("NF-10004"), Some(0));
    assert!(b.pushed_documents().is_empty(), "nothing despatched yet");
    let order_id = first(&answer.body, "SalesOrderID");

    assert!(b.restock().is_empty(), "the restock is three weeks away");
    b.control().advance(Duration::from_secs(21 * 86_400));
    let pushed = post(&b, "/_sim/nordfast/restock", String::new()).await;
    assert_eq!(pushed.status, 200);
    assert_eq!(texts(&pushed.body, "OrderResponseCode"), ["AP"]);
    assert_eq!(texts(&pushed.body, "DeliveredQuantity"), ["200"]);
    assert_eq!(texts(&pushed.body, "InvoicedQuantity"), ["200"]);
    assert_eq!(b.stock_of("NF-10004"), Some(4_800));
    let current = get(&b, &format!("/orders/{order_id}")).await;
    assert_eq!(texts(&current.body, "LineStatusCode"), ["5"]);
    let outbox = get(&b, "/_sim/nordfast/outbox").await;
    assert!(outbox.body.contains("count=\"3\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_price_rise_between_quote_and_order_is_reported_or_honoured() {
    let b = backend().await;
    let q = post(
        &b,
        "/rfq",
        rfq("RFQ-P", "DE", "EUR", &[("1", "NF-50003", 4)]),
    )
    .await;
    assert_eq!(first(&q.body, "PriceAmount"), "12.500");
    let quote_id = first(&q.body, "ID");
    b.control().advance(Duration::from_secs(3_600));

    let unquoted = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-P1",
            uuid: "k-p1",
            quotation: None,
            lines: vec![("1", "NF-50003", 4, Some("12.500"))],
        }),
    )
    .await;
    assert_eq!(first(&unquoted.body, "OrderResponseCode"), "CA");
    assert_eq!(texts(&unquoted.body, "LineStatusCode"), ["3"]);
    assert_eq!(first(&unquoted.body, "PriceAmount"), "12.750");
    assert!(unquoted.body.contains("<cbc:PriceChangeReason>"));

    let quoted = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-P2",
            uuid: "k-p2",
            quotation: Some(&quote_id),
            lines: vec![("1", "NF-50003", 4, Some("12.500"))],
        }),
    )
    .await;
    assert_eq!(first(&quoted.body, "OrderResponseCode"), "AP");
    assert_eq!(first(&quoted.body, "PriceAmount"), "12.500");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_quotation_rejects_the_order() {
    let b = backend().await;
    let q = post(
        &b,
        "/rfq",
        rfq("RFQ-E", "DE", "EUR", &[("1", "NF-10001", 100)]),
    )
    .await;
    let quote_id = first(&q.body, "ID");
    b.control().advance(Duration::from_secs(49 * 3_600));
    let answer = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-E",
            uuid: "k-e",
            quotation: Some(&quote_id),
            lines: vec![("1", "NF-10001", 100, Some("0.210"))],
        }),
    )
    .await;
    assert_eq!(first(&answer.body, "OrderResponseCode"), "RE");
    assert!(first(&answer.body, "Note").starts_with("QUOTATION-EXPIRED"));
    assert!(first(&answer.body, "Note").contains(&quote_id));
    assert_eq!(texts(&answer.body, "LineStatusCode"), ["7"]);
    assert_eq!(b.stock_of("NF-10001"), Some(20_000));
    let unknown = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-E2",
            uuid: "k-e2",
            quotation: Some("NF-Q-424242"),
            lines: vec![("1", "NF-10001", 100, None)],
        }),
    )
    .await;
    assert_eq!(reason_code(&unknown), "unknown-quotation");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancellation_is_accepted_before_despatch_and_refused_after() {
    let b = backend().await;
    let waiting = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-C1",
            uuid: "k-c1",
            quotation: None,
            lines: vec![("1", "NF-10004", 10, None)],
        }),
    )
    .await;
    let waiting_id = first(&waiting.body, "SalesOrderID");
    let accepted = post(
        &b,
        "/order-cancellations",
        cancellation("CAN-1", &waiting_id),
    )
    .await;
    assert_eq!(first(&accepted.body, "OrderResponseCode"), "AP");
    assert!(first(&accepted.body, "Note").starts_with("CANCELLED"));
    assert_eq!(
        post(
            &b,
            "/order-cancellations",
            cancellation("CAN-1", &waiting_id)
        )
        .await
        .body,
        accepted.body
    );
    assert!(b.orders_for_buyer_po("PO-C1")[0].cancelled);
    assert_eq!(
        get(&b, &format!("/orders/{waiting_id}")).await.body,
        accepted.body
    );

    let shipped = post(
        &b,
        "/orders",
        order(&OrderSpec {
            po: "PO-C2",
            uuid: "k-c2",
            quotation: None,
            lines: vec![("1", "NF-10001", 10, None)],
        }),
    )
    .await;
    let shipped_id = first(&shipped.body, "SalesOrderID");
    let refused = post(
        &b,
        "/order-cancellations",
        cancellation("CAN-2", &shipped_id),
    )
    .await;
    assert_eq!(first(&refused.body, "OrderResponseCode"), "RE");
    assert!(first(&refused.body, "Note").starts_with("REFUSED"));
    assert!(!b.orders_for_buyer_po("PO-C2")[0].cancelled);
    let unknown = post(
        &b,
        "/order-cancellations",
        cancellation("CAN-3", "NF-SO-999999"),
    )
    .await;
    assert_eq!(
        (unknown.status, reason_code(&unknown)),
        (404, "unknown-order".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shared_gate_injects_failures() {
    let b = backend().await;
    b.control().fail_next(503, 1, Some(2));
    let failed = get(&b, "/catalogue").await;
    assert_eq!(failed.status, 503);
    assert_eq!(
        failed
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    let ok = get(&b, "/catalogue").await;
    assert_eq!(ok.status, 200);
    assert!(ok.headers.contains_key("date"));
}
