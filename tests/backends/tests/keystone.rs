//! The Keystone X12 backend over real HTTP: authentication, the 832, 850 validation answered by
//! 997s, envelope counts, idempotent interchanges and TA1 conflicts, 997s posted back, and 856s
//! made by the simulated clock alone, backorders shipping after their restock.

use std::time::Duration;

use mercato_backends::keystone::{self, Delivery, KeystoneBackend, KeystoneConfig};

const KEY: &str = "keystone-test-key";
const BUYER: &str = "PLANT3";

async fn backend() -> KeystoneBackend {
    keystone::start(KeystoneConfig::new(KEY, BUYER))
        .await
        .expect("backend starts")
}

async fn call(
    b: &KeystoneBackend,
    method: &str,
    path: &str,
    body: Option<String>,
    key: &str,
) -> (u16, String) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", b.base_url());
    let mut request = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    }
    .bearer_auth(key);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/edi-x12")
            .body(body);
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    // Keystone ends each segment with a line break after the terminator; tests match flat text.
    (
        status,
        response.text().await.expect("body").replace('\n', ""),
    )
}

/// An 850 interchange with control `control`, key `key`, PO `po` and `lines` (sku, qty, unit).
fn po(control: u32, key: &str, po: &str, lines: &[(&str, u32, &str)], postal: &str) -> String {
    let mut segs = vec![
        "ST*850*0001".to_string(),
        format!("BEG*00*SA*{po}**20260601"),
        "CUR*BY*USD".to_string(),
        format!("REF*ZZ*IDEMPOTENCY*{key}"),
        "N1*ST*Plant 3 Inc".to_string(),
        "N3*100 Main St".to_string(),
        format!("N4*Dayton*OH*{postal}*US"),
    ];
    for (n, (sku, qty, unit)) in lines.iter().enumerate() {
        segs.push(format!("PO1*{}*{qty}*{unit}***VP*{sku}", n + 1));
    }
    segs.push(format!("CTT*{}", lines.len()));
    segs.push(format!("SE*{}*0001", segs.len() + 1));
    let mut out = format!(
        "ISA*00*          *00*          *ZZ*{BUYER:<15}*ZZ*KEYSTONE       *260601*1000*U*00401*{control:09}*0*P*>~"
    );
    out.push_str(&format!(
        "GS*PO*{BUYER}*KEYSTONE*20260601*1000*{control}*X*004010~"
    ));
    for s in segs {
        out.push_str(&s);
        out.push('~');
    }
    out.push_str(&format!("GE*1*{control}~IEA*1*{control:09}~"));
    out
}

#[tokio::test]
async fn the_partner_key_is_required_and_the_832_is_served() {
    let b = backend().await;
    assert_eq!(call(&b, "GET", "/catalog/832", None, "wrong").await.0, 401);
    let (status, body) = call(&b, "GET", "/catalog/832", None, KEY).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("ISA*00*"));
    assert_eq!(body.find("GS*"), Some(106), "a fixed-width ISA");
    assert!(body.contains("ST*832*0001~") && body.contains("CTT*12~"));
    assert!(
        body.contains("*VP*KI-30010*UP*"),
        "GTINs travel with their qualifier"
    );
    assert!(body.contains("CTP**RES*3.40*100*FT~"));
}

#[tokio::test]
async fn an_850_is_booked_and_answered_by_an_accepting_997() {
    let b = backend().await;
    let (status, body) = call(
        &b,
        "POST",
        "/as2",
        Some(po(
            77,
            "k-77",
            "PO-77",
            &[("KI-10020", 20, "EA"), ("KI-10030", 2, "EA")],
            "45402",
        )),
        KEY,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("GS*FA*KEYSTONE*PLANT3*"), "{body}");
    assert!(
        body.contains("AK1*PO*77~AK2*850*0001~AK5*A~AK9*A*1*1*1~"),
        "{body}"
    );
    let order = b.order("PO-77").expect("booked");
    assert_eq!(order.ack_type, "AC", "the sold-out vest is backordered");
    assert_eq!(
        order.lines[0].ack_codes,
        ["IP"],
        "no price sent: Keystone's price"
    );
    assert_eq!(order.lines[1].ack_codes, ["IB"]);
    assert_eq!(b.stock_of("KI-10020"), Some(780));
    let outbox: Vec<String> = b
        .outbox()
        .iter()
        .map(|d| d.body.replace('\n', ""))
        .collect();
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].contains("BAK*00*AC*PO-77*20260601****KS-SO-000001*"));
    assert!(outbox[0].contains("PO1*1*20*EA*5.80*PE*VP*KI-10020*UP*"));
    assert!(b.settle(Duration::from_secs(5)).await);
    assert_eq!(
        b.outbox()[0].delivery,
        Delivery::NotConfigured,
        "no push target configured"
    );
    let (status, latest) = call(&b, "GET", "/orders/KS-SO-000001/855", None, KEY).await;
    assert_eq!(status, 200);
    assert!(latest.contains("BAK*00*AC*PO-77"));
    assert_eq!(
        call(&b, "GET", "/orders/PO-404/855", None, KEY).await.0,
        404
    );
}

#[tokio::test]
async fn syntax_errors_and_bad_counts_are_rejected_in_the_997() {
    let b = backend().await;
    let (_, body) = call(
        &b,
        "POST",
        "/as2",
        Some(po(1, "k-1", "PO-1", &[("KI-10020", 1, "KG")], "45402")),
        KEY,
    )
    .await;
    assert!(
        body.contains("AK3*PO1*8**8~AK4*3*355*7*KG~AK5*R*5~AK9*R*1*1*0~"),
        "{body}"
    );
    let (_, body) = call(
        &b,
        "POST",
        "/as2",
        Some(po(2, "k-2", "PO-2", &[("KI-10020", 1, "EA")], "OH-1")),
        KEY,
    )
    .await;
    assert!(body.contains("AK3*N4*7**8~AK4*3*116*7*OH-1~"), "{body}");
    let miscounted =
        po(3, "k-3", "PO-3", &[("KI-10020", 1, "EA")], "45402").replace("SE*10*0001", "SE*9*0001");
    let (_, body) = call(&b, "POST", "/as2", Some(miscounted), KEY).await;
    assert!(body.contains("AK5*R*4~"), "{body}");
    assert!(b.orders().is_empty());
    let (status, _) = call(&b, "POST", "/as2", Some("hello".into()), KEY).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_retried_interchange_books_once_and_a_changed_one_is_a_ta1_conflict() {
    let b = backend().await;
    let first = po(9, "k-9", "PO-9", &[("KI-40010", 5, "EA")], "45402");
    for _ in 0..2 {
        let (status, body) = call(&b, "POST", "/as2", Some(first.clone()), KEY).await;
        assert_eq!(status, 200);
        assert!(body.contains("AK9*A*1*1*1~"));
    }
    assert_eq!(b.orders().len(), 1);
    assert_eq!(b.order("PO-9").expect("booked").received, 2);
    assert_eq!(b.stock_of("KI-40010"), Some(90), "stock left once");
    let changed = po(9, "k-9", "PO-9", &[("KI-40010", 6, "EA")], "45402");
    let (status, body) = call(&b, "POST", "/as2", Some(changed), KEY).await;
    assert_eq!(status, 409);
    assert!(
        body.contains("TA1*000000009*") && body.contains("*R*025~"),
        "{body}"
    );
    let other_key = po(10, "k-10", "PO-9", &[("KI-40010", 5, "EA")], "45402");
    let (status, body) = call(&b, "POST", "/as2", Some(other_key), KEY).await;
    assert_eq!(status, 409);
    assert!(body.starts_with("duplicate-buyer-po"));
    assert_eq!(b.orders().len(), 1);
}

#[tokio::test]
async fn the_clock_alone_ships_stock_then_backorders_after_the_restock() {
    let b = backend().await;
    call(
        &b,
        "POST",
        "/as2",
        Some(po(
            5,
            "k-5",
            "PO-5",
            &[("KI-10020", 10, "EA"), ("KI-10030", 3, "EA")],
            "45402",
        )),
        KEY,
    )
    .await;
    b.control().advance(Duration::from_secs(86_400 + 60));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while b.outbox().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let outbox = b.outbox();
    assert_eq!(outbox.len(), 2, "the ticker made the 856");
    let first = &outbox[1].body.replace('\n', "");
    assert!(
        first.contains("ST*856*0001~BSN*00*KS-SH-000001*"),
        "{first}"
    );
    assert!(
        first.contains("PRF*PO-5*") && first.contains("SN1*1*10*EA*10*10*EA~"),
        "{first}"
    );
    assert!(!first.contains("SN1*2*"), "the vest waits for its restock");
    b.control().advance(Duration::from_secs(5 * 86_400));
    let shipped = b.run_due();
    assert_eq!(shipped.len(), 1);
    let second = shipped[0].body.replace('\n', "");
    assert!(second.contains("SN1*2*3*EA*3*3*EA~"), "{second}");
    let order = b.order("PO-5").expect("order");
    assert_eq!((order.lines[1].shipped, order.lines[1].backordered), (3, 0));
    let (_, notices) = call(&b, "GET", "/orders/PO-5/856", None, KEY).await;
    assert_eq!(notices.matches("ST*856*").count(), 2);
}

#[tokio::test]
async fn a_997_posted_back_is_recorded() {
    let b = backend().await;
    let ack = format!(
        "ISA*00*          *00*          *ZZ*{BUYER:<15}*ZZ*KEYSTONE       *260601*1000*U*00401*000000044*0*P*>~\
         GS*FA*{BUYER}*KEYSTONE*20260601*1000*44*X*004010~ST*997*0001~AK1*PR*3~AK2*855*0001~AK5*A~\
         AK9*A*1*1*1~SE*6*0001~GE*1*44~IEA*1*000000044~"
    );
    let (status, _) = call(&b, "POST", "/as2", Some(ack), KEY).await;
    assert_eq!(status, 202);
    let acks = b.acks_received();
    assert_eq!(acks.len(), 1);
    assert_eq!(
        (
            acks[0].functional_id.as_str(),
            acks[0].group_control.as_str(),
            acks[0].code.as_str()
        ),
        ("PR", "3", "A")
    );
    assert!(!acks[0].in_reply);
    let stranger = po(1, "k", "PO-1", &[("KI-10020", 1, "EA")], "45402")
        .replace("ZZ*PLANT3         ", "ZZ*ACME           ");
    assert_eq!(call(&b, "POST", "/as2", Some(stranger), KEY).await.0, 403);
}
