//! Spend mandates over real HTTP: each refusal names its rule and sends nothing to the
//! supplier, and concurrent orders never take a budget past its limit.

use crate::gateway::{KEY, Running, order_body};
use mercato::broker::BrokerConfig;
use mercato::contract::{Quote, QuoteStatus};
use mercato::demo::demo_client;
use mercato::mandate::{Budget, Mandate, Period};
use mercato_sdk::exact::{Currency, Money};
use serde_json::{Value, json};
use std::sync::Arc;

const NUT: &str = "VC-HN-M8-A2";
const PLANT_3: &str = "4012345000009";

fn eur(minor: i64) -> Money {
    Money::new(Currency::parse("EUR").unwrap(), minor)
}

fn strict() -> Mandate {
    Mandate {
        id: "m-strict".into(),
        principal: "maintenance-lead@acme.example".into(),
        suppliers: vec!["voltaic".into()],
        items: vec![],
        ship_to: vec![PLANT_3.into()],
        max_per_order: eur(20_000),
        budget: Some(Budget {
            limit: eur(50_000),
            period: Period::Month,
            max_orders: None,
        }),
        approval_above: Some(eur(15_000)),
        price_tolerance_bp: 200,
        require_firm_quote: true,
        not_before: 0,
        not_after: i64::MAX,
    }
}

async fn with_mandate(mandate: Mandate) -> Running {
    let mut client = demo_client(KEY);
    client.mandate = Some(Arc::new(mandate));
    Running::start_for(BrokerConfig::default(), None, client).await
}

async fn place(g: &Running, body: Value, key: &str) -> (u16, Value) {
    g.call(reqwest::Method::POST, "/v1/orders", Some(body), Some(key))
        .await
}

/// A firm quote for 100 nuts from Voltaic, through the API (so the ledger keeps it).
async fn firm_quote(g: &Running) -> Quote {
    let (status, quotes) = g
        .post(
            "/v1/quotes",
            json!({ "request": {
                "lines": [{ "line_id": "1", "item": { "Sku": NUT }, "offer_token": null,
                            "quantity": { "steps": 100, "unit": "C62", "scale": 0 },
                            "target_unit_price": null }],
                "ship_to": mercato::demo::plant_3(), "requested_delivery": null,
                "currency": "EUR", "requested_valid_until": null, "allow_substitutes": false,
                "incoterms": null, "buyer_reference": "RFQ-SPEND", "notes": null },
              "suppliers": ["voltaic"] }),
        )
        .await;
    assert_eq!(status, 200, "{quotes:#}");
    serde_json::from_value(quotes["answers"][0]["answer"].clone()).expect("a quote")
}

fn rule_of(problem: &Value) -> &str {
    problem["mandate_rule"]["rule"].as_str().unwrap_or("none")
}

#[tokio::test(flavor = "multi_thread")]
async fn each_refusal_names_its_rule_and_nothing_reaches_the_supplier() {
    let g = with_mandate(strict()).await;
    let quote = firm_quote(&g).await;
    assert_eq!(quote.status, QuoteStatus::Firm);
    let with_quote = |po: &str, quote_id: &str, max: i64| {
        let mut body = order_body("voltaic", po, NUT, 100, max);
        body["quote_id"] = json!(quote_id);
        body
    };

    // The ledger keeps quotes as returned: an indicative one, and one already expired.
    let ledger = g.service.ledger().clone();
    let mut indicative = quote.clone();
    indicative.quote_id = "Q-INDICATIVE".into();
    indicative.status = QuoteStatus::Indicative;
    let mut expired = quote.clone();
    expired.quote_id = "Q-EXPIRED".into();
    expired.valid_until = Some(1_000);
    for q in [&indicative, &expired] {
        ledger.store_quote("press-line-7", "voltaic", q, 1).unwrap();
    }
    let before = g.suppliers.voltaic.control().requests();

    let mut elsewhere = with_quote("PO-S-1", &quote.quote_id, 10_000);
    elsewhere["ship_to"]["location_id"] = json!("9999999999999");
    let other_supplier = order_body("nordfast", "PO-S-2", "NF-20001", 10, 10_000);
    let cases = [
        (elsewhere, "ship-to-not-allowed"),
        (
            with_quote("PO-S-3", "Q-INDICATIVE", 10_000),
            "firm-quote-required",
        ),
        (
            order_body("voltaic", "PO-S-4", NUT, 100, 10_000),
            "firm-quote-required",
        ),
        (with_quote("PO-S-5", "Q-EXPIRED", 10_000), "quote-expired"),
        (
            with_quote("PO-S-6", &quote.quote_id, 25_000),
            "max-per-order",
        ),
        (other_supplier, "supplier-not-allowed"),
    ];
    for (n, (body, rule)) in cases.into_iter().enumerate() {
        let (status, problem) = place(&g, body, &format!("s-{n}")).await;
        assert_eq!(status, 403, "{rule}: {problem:#}");
        assert_eq!(problem["code"], "mandate-denied");
        assert_eq!(rule_of(&problem), rule, "{problem:#}");
    }
    let (status, problem) = place(&g, with_quote("PO-S-7", &quote.quote_id, 16_000), "s-7").await;
    assert_eq!(status, 409, "{problem:#}");
    assert_eq!(problem["code"], "approval-required");
    assert_eq!(rule_of(&problem), "approval-threshold");
    assert_eq!(
        g.suppliers.voltaic.control().requests(),
        before,
        "no refused order reached the supplier"
    );
    assert_eq!(g.suppliers.nordfast.order_count(), 0);

    // Within every rule, the order goes through and holds its amount against the budget.
    let (status, order) = place(&g, with_quote("PO-S-8", &quote.quote_id, 14_000), "s-8").await;
    assert_eq!(status, 201, "{order:#}");
    // A refusal is the final answer for its key: replayed, not re-judged.
    let mut again = with_quote("PO-S-3", "Q-INDICATIVE", 10_000);
    again["notes"] = Value::Null;
    let (status, replayed) = place(&g, again, "s-1").await;
    assert_eq!(status, 403);
    assert_eq!(rule_of(&replayed), "firm-quote-required");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_orders_never_take_the_budget_past_its_limit() {
    let budget_for_five = Mandate {
        id: "m-budget".into(),
        suppliers: vec![],
        ship_to: vec![],
        require_firm_quote: false,
        approval_above: None,
        max_per_order: eur(10_000),
        budget: Some(Budget {
            limit: eur(50_000),
            period: Period::Month,
            max_orders: None,
        }),
        ..strict()
    };
    let g = with_mandate(budget_for_five).await;
    let orders = (0..12).map(|n| {
        let body = order_body("voltaic", &format!("PO-B-{n}"), NUT, 10, 10_000);
        let key = format!("b-{n}");
        let g = &g;
        async move { place(g, body, &key).await }
    });
    let answers = futures::future::join_all(orders).await;
    let placed = answers.iter().filter(|(s, _)| *s == 201).count();
    for (status, answer) in &answers {
        if *status != 201 {
            assert_eq!(*status, 403, "{answer:#}");
            assert_eq!(rule_of(answer), "budget", "{answer:#}");
        }
    }
    assert_eq!(placed, 5, "EUR 500 budget, EUR 100 per order");
    assert_eq!(g.suppliers.voltaic.order_count(), 5);
}
