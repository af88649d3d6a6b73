//! Suppliers that trade in documents, through the whole host: the cXML supplier (Ostara) and
//! the X12 supplier (Keystone) take orders from their adapters in the sandbox, then push
//! their confirmations and ship notices to the gateway's `/inbound/{supplier}` as real HTTP
//! requests; the adapter turns each into order events the ledger keeps, and its reply (a cXML
//! Response, an X12 997) goes back to the supplier. Both adapters also pass the conformance
//! suite against their backends.

use crate::common::host;
use mercato::LoadedAdapter;
use mercato::broker::Broker;
use mercato::clients::{Client, ClientId, Clients, KeyDigest};
use mercato::conformance::{self, Options};
use mercato::contract::*;
use mercato::demo::buyer_context;
use mercato::gateway::{Gateway, Service};
use mercato::sandbox::secrets::AttachTarget;
use mercato::sandbox::{Grants, HostGrant};
use mercato_backends::keystone::{self, KeystoneBackend, KeystoneConfig, PushTarget};
use mercato_backends::ostara::{self, Delivery, OstaraBackend, OstaraConfig};
use std::time::Duration;

/// The key the suppliers push documents with: a client that may push for them.
const PUSHER_KEY: &str = "supplier-push-key-0123456789";
const OSTARA_SECRET: &str = "plant3-ostara-shared-secret";
const KEYSTONE_KEY: &str = "plant3-keystone-partner-key";
const KEYSTONE_BUYER: &str = "PLANT3";

/// A gateway over `adapter`, on `listener`, whose one client pushes for `supplier`.
fn serve(listener: tokio::net::TcpListener, adapter: LoadedAdapter) -> Service {
    let pusher = Client {
        id: ClientId::parse("supplier-documents").unwrap(),
        key: KeyDigest::of(PUSHER_KEY),
        buyer: buyer_context("pusher").buyer,
        currency: None,
        country: None,
        inbound: vec![adapter.supplier().clone()],
        mandate: None,
        approver: false,
    };
    let service = Service::new(
        Broker::new(vec![adapter]),
        Clients::new(vec![pusher]).unwrap(),
        mercato::ledger::in_memory(),
    );
    let gateway = Gateway::on(listener, service.clone());
    tokio::spawn(gateway.serve(std::future::pending()));
    service
}

async fn listener() -> (tokio::net::TcpListener, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    (l, base)
}

/// A line of `steps` of `sku` in `unit` (UN/CEFACT Rec 20, as the supplier sells it).
fn line(id: &str, sku: &str, steps: u64, unit: &str) -> OrderLineRequest {
    OrderLineRequest {
        line_id: id.into(),
        item: ItemRef::Sku(sku.into()),
        offer_token: None,
        quantity: Quantity {
            steps,
            unit: unit.into(),
            scale: 0,
        },
        expected_unit_price: None,
    }
}

fn order(key: &str, po: &str, lines: Vec<OrderLineRequest>, ship_to: Address) -> OrderRequest {
    let currency = if ship_to.country == "US" {
        "USD"
    } else {
        "EUR"
    };
    OrderRequest {
        idempotency_key: key.into(),
        buyer_po: po.into(),
        quote_id: None,
        lines,
        ship_to,
        bill_to: None,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: PartialDelivery::Allow,
        max_total: Money {
            currency: currency.into(),
            minor: 1_000_000,
        },
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: None,
    }
}

fn ostara_grants(b: &OstaraBackend) -> Grants {
    Grants::new()
        .host(HostGrant::local(&b.base_url()).unwrap())
        .setting("base-url", b.base_url())
        .setting("buyer-identity", "plant3-buyer")
        .secret_for(
            "shared-secret",
            OSTARA_SECRET.as_bytes().to_vec(),
            [AttachTarget::parse(&b.base_url()).unwrap()],
        )
}

fn keystone_grants(b: &KeystoneBackend) -> Grants {
    Grants::new()
        .host(HostGrant::local(&b.base_url()).unwrap())
        .setting("base-url", b.base_url())
        .setting("interchange-id", KEYSTONE_BUYER)
        .secret_for(
            "partner-key",
            KEYSTONE_KEY.as_bytes().to_vec(),
            [AttachTarget::parse(&b.base_url()).unwrap()],
        )
        .secret("push-secret", keystone::DEFAULT_PUSH_SECRET.to_vec())
}

fn dayton() -> Address {
    Address {
        country: "US".into(),
        city: "Dayton".into(),
        region: Some("OH".into()),
        postal_code: Some("45402".into()),
        ..mercato::demo::plant_3()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cxml_confirmations_and_ship_notices_reach_the_ledger_through_the_gateway() {
    let (listener, base) = listener().await;
    let backend = ostara::start(OstaraConfig::new(OSTARA_SECRET).push_to(
        format!("{base}/inbound/ostara"),
        &[("authorization", &format!("Bearer {PUSHER_KEY}"))],
    ))
    .await
    .expect("backend");
    let adapter = host()
        .load(
            mercato_artifacts::OSTARA_CXML.bytes.to_vec(),
            ostara_grants(&backend),
        )
        .await
        .expect("loads");
    let service = serve(listener, adapter.clone());
    let ctx = buyer_context("cxml-flow");

    // OS-1006 has 12 on hand: 20 ordered is 12 now and 8 backordered.
    let request = order(
        "cxml-key-1",
        "PO-CXML-1",
        vec![
            line("1", "OS-1002", 5, "EA"),
            line("2", "OS-1006", 20, "EA"),
        ],
        mercato::demo::plant_3(),
    );
    let placed = adapter.place_order(&ctx, &request).await.expect("ordered");
    let again = adapter.place_order(&ctx, &request).await.expect("retried");
    assert_eq!(again.order_id, placed.order_id, "payloadID deduplicates");
    assert_eq!(backend.order_count(), 1);

    assert!(backend.settle(Duration::from_secs(10)).await);
    backend.control().advance(Duration::from_secs(2 * 86_400));
    backend.tick();
    assert!(backend.settle(Duration::from_secs(10)).await);
    let pushed = backend.pushed_documents();
    let kinds: Vec<&str> = pushed.iter().map(|d| d.kind.as_str()).collect();
    assert!(kinds.contains(&"ConfirmationRequest"), "{kinds:?}");
    assert!(kinds.contains(&"ShipNoticeRequest"), "{kinds:?}");
    for doc in &pushed {
        match &doc.delivery {
            Delivery::Delivered { status: 200, reply } => {
                assert!(reply.contains(r#"<Status code="200""#), "{reply}")
            }
            other => panic!("{} not accepted: {other:?}", doc.kind),
        }
    }

    // The events are in the ledger: the order as the supplier last described it.
    let stored = service
        .ledger()
        .order("ostara", &placed.order_id)
        .unwrap()
        .expect("the pushed order is kept");
    let backordered = stored
        .order
        .lines
        .iter()
        .find(|l| l.line_id == "2")
        .unwrap();
    assert_eq!(
        backordered.confirmed.steps + backordered.cancelled.steps,
        20
    );
    assert_eq!(
        stored.order.ack,
        AckStatus::AcceptedWithChanges,
        "the confirmation's backorder: {:?}",
        stored.order
    );
    assert!(
        !service
            .ledger()
            .order_history("ostara", &placed.order_id)
            .unwrap()
            .is_empty()
    );

    // A document with the wrong shared secret is refused at the gateway.
    let forged = pushed[0].body.replace(OSTARA_SECRET, "not-the-secret");
    let refused = reqwest::Client::new()
        .post(format!("{base}/inbound/ostara"))
        .bearer_auth(PUSHER_KEY)
        .header("content-type", "text/xml")
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let report = conformance::run(&adapter, &Options::default()).await;
    assert!(report.passed(), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn x12_855_and_856_reach_the_ledger_and_are_acknowledged_with_997s() {
    let (listener, base) = listener().await;
    let backend = keystone::start(KeystoneConfig::new(KEYSTONE_KEY, KEYSTONE_BUYER))
        .await
        .expect("backend");
    backend.set_push_target(Some(PushTarget {
        url: format!("{base}/inbound/keystone"),
        headers: vec![("Authorization".into(), format!("Bearer {PUSHER_KEY}"))],
    }));
    let adapter = host()
        .load(
            mercato_artifacts::KEYSTONE_X12.bytes.to_vec(),
            keystone_grants(&backend),
        )
        .await
        .expect("loads");
    let service = serve(listener, adapter.clone());
    let ctx = buyer_context("x12-flow");

    let request = order(
        "x12-key-1",
        "PO-X12-1",
        vec![
            line("1", "KI-10020", 24, "C62"),
            line("2", "KI-40010", 10, "C62"),
        ],
        dayton(),
    );
    let placed = adapter
        .place_order(&ctx, &request)
        .await
        .expect("850 accepted");
    let again = adapter.place_order(&ctx, &request).await.expect("retried");
    assert_eq!(again.order_id, placed.order_id);
    assert_eq!(backend.orders().len(), 1, "one order at Keystone");

    assert!(backend.settle(Duration::from_secs(10)).await);
    backend.control().advance(Duration::from_secs(2 * 86_400));
    backend.run_due();
    assert!(backend.settle(Duration::from_secs(10)).await);
    let outbox = backend.outbox();
    let kinds: Vec<&str> = outbox.iter().map(|d| d.kind.as_str()).collect();
    assert!(
        kinds.contains(&"855") && kinds.contains(&"856"),
        "{kinds:?}"
    );
    for doc in &outbox {
        assert_eq!(
            doc.delivery,
            keystone::Delivery::Answered(200),
            "{}",
            doc.kind
        );
    }
    // Every pushed group was acknowledged with an accepting 997 in the push's reply.
    let acks = backend.acks_received();
    for functional_id in ["PR", "SH"] {
        assert!(
            acks.iter()
                .any(|a| a.functional_id == functional_id && a.code == "A" && a.in_reply),
            "{functional_id} acknowledged: {acks:?}"
        );
    }

    let stored = service
        .ledger()
        .order("keystone", &placed.order_id)
        .unwrap()
        .expect("the 855 is kept");
    assert_ne!(stored.order.ack, AckStatus::Received, "{:?}", stored.order);

    // A push with a forged signature is refused at the gateway.
    let refused = reqwest::Client::new()
        .post(format!("{base}/inbound/keystone"))
        .bearer_auth(PUSHER_KEY)
        .header("content-type", keystone::X12_MEDIA_TYPE)
        .header(keystone::SIGNATURE_HEADER, "sha256=00")
        .body(outbox[0].body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let report = conformance::run(&adapter, &Options::default()).await;
    assert!(report.passed(), "{report}");
}
