//! Issue 16, item 7: each supplier's connection check shows in `/health` and
//! `/v1/suppliers`, and an offer comparison follows each supplier's pages and says where it
//! stopped.

use crate::gateway::Running;
use mercato::broker::BrokerConfig;
use mercato::broker::readiness::Counts;
use mercato::contract::Quantity;
use mercato::sandbox::secrets::AttachTarget;
use mercato::sandbox::{Grants, HostGrant};
use mercato::signing;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `GET /health`, with or without the demo client's key.
async fn health(g: &Running, with_key: bool) -> Value {
    let mut request = g.http.get(format!("{}/health", g.base));
    if with_key {
        request = request.bearer_auth(crate::gateway::KEY);
    }
    let response = request.send().await.expect("health answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("health is JSON")
}

/// `supplier`'s readiness in a `/health` answer that lists them.
fn readiness_of<'a>(health: &'a Value, supplier: &str) -> &'a Value {
    let listed = health["suppliers"].as_array().expect("suppliers listed");
    &listed
        .iter()
        .find(|s| s["supplier"] == supplier)
        .unwrap_or_else(|| panic!("{supplier} listed: {health:#}"))["readiness"]
}

/// Voltaic's adapter as the demo loads it, but granted `key` as its API key.
async fn voltaic_with_key(g: &Running, key: &[u8]) -> mercato::LoadedAdapter {
    let base = g.suppliers.voltaic.base_url();
    let grants = Grants::new()
        .host(HostGrant::local(&base).expect("local grant"))
        .setting("base-url", base.clone())
        .secret_for(
            "api-key",
            key.to_vec(),
            [AttachTarget::parse(&base).expect("target")],
        );
    let signed = signing::sign(
        mercato_artifacts::VOLTAIC_REST.bytes,
        &g.suppliers.publisher_key,
    )
    .expect("signs");
    g.suppliers
        .host
        .load(signed, grants)
        .await
        .expect("Voltaic loads")
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_each_suppliers_connection_check() {
    let g = Running::start(BrokerConfig::default()).await;
    let broker = g.service.broker();

    // Before any check: unchecked, and that is not a reason to call the host degraded.
    let h = health(&g, false).await;
    assert_eq!(h["status"], "ok", "{h:#}");
    assert_eq!(h["readiness"]["unchecked"], 3, "{h:#}");

    // Voltaic checks with a one-record search; Nordfast and Hansa have nothing to check.
    let searches = g.suppliers.voltaic.control().requests();
    let counts = broker.check_unready().await;
    assert_eq!(
        counts,
        Counts {
            ready: 1,
            failing: 0,
            not_checkable: 2,
            unchecked: 0
        }
    );
    assert_eq!(g.suppliers.voltaic.control().requests(), searches + 1);
    let (status, list) = g.get("/v1/suppliers").await;
    assert_eq!(status, 200);
    let states: BTreeMap<String, String> = list["suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["supplier"].as_str().unwrap().to_string(),
                s["readiness"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(states["voltaic"], "ready");
    assert_eq!(states["nordfast"], "not_checkable");
    assert_eq!(states["hansa"], "not_checkable");

    // A revoked key: the new version starts unchecked, and its check fails as unauthorized.
    broker.install(voltaic_with_key(&g, b"revoked-key").await);
    assert_eq!(health(&g, false).await["readiness"]["unchecked"], 1);
    let counts = broker.check_unready().await;
    assert_eq!((counts.failing, counts.not_checkable), (1, 2));
    let h = health(&g, false).await;
    assert_eq!(h["status"], "degraded", "{h:#}");
    assert_eq!(h["readiness"]["failing"], 1);
    assert!(
        h.get("suppliers").is_none(),
        "which suppliers a host uses is not public: {h:#}"
    );
    let h = health(&g, true).await;
    let voltaic = readiness_of(&h, "voltaic");
    assert_eq!(voltaic["state"], "failing", "{h:#}");
    assert_eq!(voltaic["code"], "unauthorized");
    let since = voltaic["since_ms"].as_i64().unwrap();
    assert!(since > 0);
    assert!(
        !h.to_string().contains(&g.suppliers.voltaic.base_url()),
        "the supplier's address stays in the log: {h:#}"
    );

    // Still failing a minute later: the same run of failures, since the same time.
    broker.check_unready().await;
    let h = health(&g, true).await;
    assert_eq!(
        readiness_of(&h, "voltaic")["since_ms"].as_i64(),
        Some(since)
    );

    // The key fixed: a new install is checked afresh and the host is whole again.
    let right_key = g.suppliers.voltaic.api_key().as_bytes().to_vec();
    broker.install(voltaic_with_key(&g, &right_key).await);
    let counts = broker.check_unready().await;
    assert_eq!((counts.ready, counts.failing), (1, 0));
    assert_eq!(health(&g, false).await["status"], "ok");
}

/// Each supplier's offers (ranked or left out with a reason) in one comparison.
fn items_per_supplier(offers: &Value) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for o in offers["offers"].as_array().unwrap() {
        *n.entry(o["supplier"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for p in offers["problems"].as_array().unwrap() {
        *n.entry(p["supplier"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    n
}

#[tokio::test(flavor = "multi_thread")]
async fn offers_follow_each_suppliers_pages_and_say_where_they_stopped() {
    let g = Running::start(BrokerConfig::default()).await;
    let ask = |page_size: u32, max_pages: u32| {
        json!({ "text": "bolt", "quantity": Quantity::pieces(100),
                "page_size": page_size, "max_pages": max_pages,
                "scope": { "currency": "EUR" } })
    };

    // One item per page, one page: every supplier with a second bolt is cut, and says so.
    let (status, one) = g.post("/v1/offers", ask(1, 1)).await;
    assert_eq!(status, 200, "{one:#}");
    let first = items_per_supplier(&one);
    assert!(first.values().all(|&n| n <= 1), "{first:?}");
    let cut: Vec<String> = serde_json::from_value(one["truncated"].clone()).unwrap();
    assert!(
        !cut.is_empty(),
        "some supplier has more than one bolt: {one:#}"
    );

    // Four pages of one: more items from the suppliers that were cut, never more than four,
    // and a supplier is listed as cut only if it really had more.
    let (status, four) = g.post("/v1/offers", ask(1, 4)).await;
    assert_eq!(status, 200, "{four:#}");
    let more = items_per_supplier(&four);
    assert!(more.values().all(|&n| n <= 4), "{more:?}");
    for supplier in &cut {
        assert!(more[supplier] > 1, "{supplier} was followed: {more:?}");
    }
    let still_cut: Vec<String> = serde_json::from_value(four["truncated"].clone()).unwrap();
    for supplier in &still_cut {
        assert_eq!(
            more[supplier], 4,
            "{supplier} is cut only at the page limit"
        );
    }

    // The same items as one page of forty: paging loses and repeats nothing.
    let (status, all) = g.post("/v1/offers", ask(40, 1)).await;
    assert_eq!(status, 200, "{all:#}");
    let whole = items_per_supplier(&all);
    for (supplier, n) in &more {
        if !still_cut.contains(supplier) {
            assert_eq!(whole[supplier], *n, "{supplier}: {more:?} vs {whole:?}");
        }
    }

    // Out of bounds: a typed 400 naming the field, and no supplier asked.
    let before = g.suppliers.voltaic.control().requests();
    let (status, p) = g.post("/v1/offers", ask(1, 11)).await;
    assert_eq!(status, 400, "{p:#}");
    assert!(p["detail"].as_str().unwrap().contains("max_pages"), "{p:#}");
    let (status, _) = g.post("/v1/offers", ask(1, 0)).await;
    assert_eq!(status, 400);
    assert_eq!(g.suppliers.voltaic.control().requests(), before);
}
