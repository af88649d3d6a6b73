//! Property tests of the order desk against honest and dishonest suppliers and careless
//! clients: random sequences of quotes, orders (valid and hostile input, bursts, retries),
//! cancels, approvals, invoices, supplier faults and host restarts, through the real adapters
//! and backends, on SQLite and on PostgreSQL. After every step and at the end:
//!
//! - committed spend never exceeds a mandate's budget, per-order maximum or order count;
//! - no answer is a 5xx while the ledger records an order for its PO;
//!
//! and once everything has settled (faults healed, the host restarted, every approval
//! decided):
//!
//! - every order a supplier holds appears in the ledger exactly once (by supplier, order id
//!   and PO, across recorded orders and kept-apart collisions);
//! - every reservation is settled or released.
//!
//! CI runs a bounded number of cases; the seed is printed (and written to
//! `target/proptest-seed.txt`) so a failure can be replayed. Longer runs:
//! `MERCATO_PROPERTY_CASES=400 MERCATO_PROPERTY_OPS=25 cargo test -p mercato-integration
//! --test all -- properties --nocapture` (10,000 operations), with `MERCATO_PROPTEST_SEED=<hex>`
//! to replay one; add `--ignored postgres` and `MERCATO_TEST_POSTGRES` for PostgreSQL.

use mercato::EngineConfig;
use mercato::adapter::breaker::BreakerConfig;
use mercato::broker::{Broker, BrokerConfig};
use mercato::clients::{Client, ClientId, Clients};
use mercato::demo::{Suppliers, demo_approver, demo_client, plant_3};
use mercato::desk::IdempotencyKey;
use mercato::gateway::Service;
use mercato::gateway::api::QuotesRequest;
use mercato::ledger::{Ledger, ReservationState};
use mercato::mandate::{Budget, DriftAction, Mandate, Period};
use mercato::metrics::Metrics;
use mercato::wire::PlaceOrder;
use mercato::wire::Quantity;
use mercato_backends::voltaic::Dishonesty;
use mercato_sdk::exact::{Currency, Money};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const BOT_KEY: &str = "property-bot-key-0123456789";
const LEAD_KEY: &str = "property-lead-key-0123456789";
const BUDGET: i64 = 300_000;
const MAX_PER_ORDER: i64 = 100_000;
const APPROVAL_ABOVE: i64 = 60_000;
const MAX_ORDERS: u32 = 30;
/// The breakers' cool-down: `serve` reconciles every minute, past the default's 30 s, and
/// this test lets that time pass in a moment.
const COOL_DOWN: Duration = Duration::from_millis(200);

/// What can be ordered: (supplier, SKU).
const ITEMS: [(&str, &str); 5] = [
    ("voltaic", "VC-HN-M8-A2"),
    ("voltaic", "VC-WS-M8-A2"),
    ("voltaic", "VC-TL072CP"),
    ("nordfast", "NF-10001"),
    ("nordfast", "NF-10004"),
];

/// How a client states its cap, relative to what the order costs.
#[derive(Debug, Clone, Copy)]
enum Cap {
    /// Exactly the cost.
    Cost,
    /// The cost plus this many percent.
    Above(u32),
    /// A cent below the cost.
    Below,
    Zero,
    Negative,
    /// Far above any mandate.
    Huge,
    /// In another currency.
    Dollars,
}

/// What a careless or hostile client gets wrong.
#[derive(Debug, Clone, Copy)]
enum Careless {
    Nothing,
    LowerCaseCodes,
    HalfPiece,
    UnknownItem,
    DuplicateLines,
    UnknownSupplier,
}

#[derive(Debug, Clone)]
enum Op {
    Quote {
        item: usize,
        pieces: u64,
    },
    Order {
        item: usize,
        pieces: u64,
        cap: Cap,
        /// Accept the n-th quote (of those for this item), if there is one.
        quote: Option<usize>,
        careless: Careless,
        ship_complete: bool,
    },
    /// Several orders at once.
    Burst(Vec<(usize, u64, u32)>),
    /// The same request under the same key again.
    Retry(usize),
    Cancel(usize),
    Invoices(usize),
    Decide {
        approve: bool,
        which: usize,
    },
    Cheat(Dishonesty),
    Renumber,
    Outage,
    /// The supplier slows down past the next order's deadline.
    Slow,
    Heal,
    Restart,
}

fn cap() -> impl Strategy<Value = Cap> {
    prop_oneof![
        4 => Just(Cap::Cost),
        6 => (1u32..300).prop_map(Cap::Above),
        1 => Just(Cap::Below),
        1 => Just(Cap::Zero),
        1 => Just(Cap::Negative),
        1 => Just(Cap::Huge),
        1 => Just(Cap::Dollars),
    ]
}

fn careless() -> impl Strategy<Value = Careless> {
    prop_oneof![
        12 => Just(Careless::Nothing),
        2 => Just(Careless::LowerCaseCodes),
        1 => Just(Careless::HalfPiece),
        1 => Just(Careless::UnknownItem),
        1 => Just(Careless::DuplicateLines),
        1 => Just(Careless::UnknownSupplier),
    ]
}

fn dishonesty() -> impl Strategy<Value = Dishonesty> {
    (
        any::<bool>(),
        prop_oneof![Just(0u32), 1u32..30, Just(900)],
        prop_oneof![3 => Just(0i64), 1 => 1i64..2_000],
        prop_oneof![4 => Just(false), 1 => Just(true)],
        any::<bool>(),
        prop_oneof![3 => Just(0i64), 1 => 1i64..50_000],
    )
        .prop_map(
            |(ignore_max_total, overcharge_percent, pad, negative, unsorted, surcharge)| {
                Dishonesty {
                    ignore_max_total,
                    overcharge_percent,
                    pad_line_totals_cents: pad,
                    answer_with_po: None,
                    negative_prices: negative,
                    unsorted_price_breaks: unsorted,
                    invoice_surcharge_cents: surcharge,
                }
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    let pieces = prop_oneof![1u64..50, 50u64..2_000, 8_000u64..9_500];
    prop_oneof![
        3 => (0..ITEMS.len(), pieces.clone()).prop_map(|(item, pieces)| Op::Quote { item, pieces }),
        12 => (0..ITEMS.len(), pieces.clone(), cap(), proptest::option::of(0usize..4), careless(), any::<bool>())
            .prop_map(|(item, pieces, cap, quote, careless, ship_complete)| Op::Order {
                item, pieces, cap, quote, careless, ship_complete
            }),
        1 => proptest::collection::vec((0..ITEMS.len(), 1u64..500, 1u32..200), 2..6).prop_map(Op::Burst),
        2 => (0usize..64).prop_map(Op::Retry),
        2 => (0usize..64).prop_map(Op::Cancel),
        2 => (0usize..64).prop_map(Op::Invoices),
        3 => (any::<bool>(), 0usize..8).prop_map(|(approve, which)| Op::Decide { approve, which }),
        2 => dishonesty().prop_map(Op::Cheat),
        1 => Just(Op::Renumber),
        1 => Just(Op::Outage),
        1 => Just(Op::Slow),
        2 => Just(Op::Heal),
        1 => Just(Op::Restart),
    ]
}

fn eur(minor: i64) -> Money {
    Money::new(Currency::EUR, minor)
}

fn mandate(on_drift: DriftAction) -> Mandate {
    Mandate {
        id: "m-property".into(),
        principal: "maintenance-lead@acme.example".into(),
        suppliers: vec![],
        items: vec![],
        ship_to: vec![],
        max_per_order: eur(MAX_PER_ORDER),
        budget: Some(Budget {
            limit: eur(BUDGET),
            period: Period::Lifetime,
            max_orders: Some(MAX_ORDERS),
        }),
        approval_above: Some(eur(APPROVAL_ABOVE)),
        price_tolerance_bp: 200,
        require_firm_quote: false,
        on_drift,
        not_before: 0,
        not_after: i64::MAX,
    }
}

/// One order the case placed: what it sent, under which key.
struct Placed {
    key: String,
    body: PlaceOrder,
}

/// The suppliers, the ledger and the host serving them; the host can be restarted.
struct World {
    suppliers: Suppliers,
    ledger: Arc<dyn Ledger>,
    clients: Clients,
    service: Service,
    bot: Arc<Client>,
    lead: Arc<Client>,
    quotes: Vec<(usize, String)>,
    placed: Vec<Placed>,
    pos: BTreeSet<String>,
    deadline_ms: Option<u64>,
    next: u32,
}

fn host(suppliers: &Suppliers, ledger: &Arc<dyn Ledger>, clients: &Clients) -> Service {
    let broker = Broker::with_config(
        suppliers.broker.adapters().to_vec(),
        BrokerConfig {
            max_concurrent_calls: 32,
            queue_wait: Duration::from_secs(5),
            ..BrokerConfig::default()
        },
        Arc::new(Metrics::new()),
    );
    Service::new(broker, clients.clone(), ledger.clone())
}

fn cache_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .to_path_buf()
}

impl World {
    async fn start(ledger: Arc<dyn Ledger>, on_drift: DriftAction) -> World {
        let suppliers = Suppliers::start_with_breaker(
            EngineConfig {
                pool_size: 32,
                cache_dir: Some(cache_dir()),
                ..EngineConfig::default()
            },
            BreakerConfig {
                cool_down: COOL_DOWN,
                ..BreakerConfig::default()
            },
        )
        .await
        .expect("suppliers start");
        let mut bot = demo_client(BOT_KEY);
        bot.id = ClientId::parse("property-bot").unwrap();
        bot.mandate = Some(Arc::new(mandate(on_drift)));
        let clients = Clients::new(vec![bot, demo_approver(LEAD_KEY)]).expect("clients");
        let service = host(&suppliers, &ledger, &clients);
        let bot = clients.by_key(BOT_KEY).unwrap();
        let lead = clients.by_key(LEAD_KEY).unwrap();
        World {
            suppliers,
            ledger,
            clients,
            service,
            bot,
            lead,
            quotes: Vec::new(),
            placed: Vec::new(),
            pos: BTreeSet::new(),
            deadline_ms: None,
            next: 0,
        }
    }

    fn fresh(&mut self, what: &str) -> String {
        self.next += 1;
        format!("{what}-{}", self.next)
    }

    /// What `pieces` of `item` cost at the supplier's list price, in cents, if it says.
    async fn cost(&self, item: usize, pieces: u64) -> Option<i64> {
        let (supplier, sku) = ITEMS[item];
        let req: mercato::gateway::api::ItemsRequest = serde_json::from_value(json!({
            "refs": [{ "kind": "sku", "sku": sku }], "scope": { "suppliers": [supplier], "currency": "EUR" }
        }))
        .ok()?;
        let found = self.service.items(&self.bot, req).await.ok()?;
        let item = found.answers.first()?.answer.first()?;
        let tiers: Vec<mercato_sdk::exact::PriceTier> = item
            .price_tiers
            .iter()
            .filter_map(|t| {
                Some(mercato_sdk::exact::PriceTier {
                    min_quantity: t.min_quantity.to_exact().ok()?,
                    price: t.unit_price.to_exact().ok()?,
                })
            })
            .collect();
        let q = mercato_sdk::exact::Quantity::pieces(pieces);
        let tier = mercato_sdk::exact::tier_for(&tiers, &q)?;
        tier.price
            .total_for(&q, mercato_sdk::exact::RoundingMode::HalfUp)
            .ok()
            .map(|m| m.minor())
    }

    fn body(
        &mut self,
        item: usize,
        pieces: u64,
        cap_minor: i64,
        ship_complete: bool,
    ) -> PlaceOrder {
        let (supplier, sku) = ITEMS[item];
        let po = self.fresh("PO-P");
        self.pos.insert(po.clone());
        serde_json::from_value(json!({
            "supplier": supplier,
            "buyer_po": po,
            "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": sku },
                        "quantity": Quantity::pieces(pieces) }],
            "ship_to": plant_3(),
            "partial_delivery": if ship_complete { "ship_complete" } else { "allow" },
            "max_total": { "currency": "EUR", "minor": cap_minor },
            "payment": { "kind": "on_account" },
            "deadline_ms": self.deadline_ms,
        }))
        .expect("an order")
    }

    /// Place `body` under `key`; the answer's status, checked against the ledger.
    async fn place(&self, key: &str, body: PlaceOrder) -> Result<u16, TestCaseError> {
        let po = body.buyer_po.clone();
        let key = IdempotencyKey::parse(key).unwrap();
        let status = match self.service.place_order(&self.bot, &key, body).await {
            Ok(_) => 201,
            Err(e) => e.status().as_u16(),
        };
        if status >= 500 {
            let recorded = blocking(|| {
                self.ledger
                    .orders()
                    .unwrap()
                    .into_iter()
                    .chain(self.ledger.collisions().unwrap())
                    .any(|r| r.order.buyer_po == po)
            });
            prop_assert!(
                !recorded,
                "a {status} for PO {po}, whose order the ledger records"
            );
        }
        Ok(status)
    }

    async fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Quote { item, pieces } => {
                let (supplier, sku) = ITEMS[*item];
                let req: QuotesRequest = serde_json::from_value(json!({ "request": {
                    "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": sku },
                                "quantity": Quantity::pieces(*pieces), "target_unit_price": null }],
                    "ship_to": plant_3(), "requested_delivery": null, "currency": "EUR",
                    "requested_valid_until": null, "allow_substitutes": false,
                    "incoterms": null, "buyer_reference": null, "notes": null },
                  "suppliers": [supplier] }))
                .unwrap();
                if let Ok(answer) = self.service.request_quotes(&self.bot, req).await {
                    for q in answer.answers {
                        self.quotes.push((*item, q.answer.quote_id));
                    }
                }
            }
            Op::Order {
                item,
                pieces,
                cap,
                quote,
                careless,
                ship_complete,
            } => {
                // The test's own price lookup may meet an outage: then it guesses.
                let known = self.cost(*item, *pieces).await;
                let cost = known.unwrap_or(10_000);
                let cap_minor = match cap {
                    Cap::Cost => cost,
                    Cap::Above(pct) => cost + cost * i64::from(*pct) / 100 + 1_500,
                    Cap::Below => cost - 1,
                    Cap::Zero => 0,
                    Cap::Negative => -cost,
                    Cap::Huge => 100 * MAX_PER_ORDER,
                    Cap::Dollars => cost * 2,
                };
                let mut body = self.body(*item, *pieces, cap_minor, *ship_complete);
                if let Some(n) = quote {
                    let mine: Vec<&String> = self
                        .quotes
                        .iter()
                        .filter(|(i, _)| i == item)
                        .map(|(_, q)| q)
                        .collect();
                    if let Some(q) = mine.get(n % mine.len().max(1)) {
                        body.quote_id = Some((*q).clone());
                    }
                }
                if let Cap::Dollars = cap {
                    body.max_total.currency = "USD".into();
                }
                match careless {
                    Careless::Nothing => {}
                    Careless::LowerCaseCodes => {
                        body.max_total.currency = body.max_total.currency.to_lowercase();
                        body.ship_to.country = body.ship_to.country.to_lowercase();
                        body.lines[0].quantity.unit = "c62".into();
                    }
                    Careless::HalfPiece => {
                        body.lines[0].quantity = Quantity {
                            steps: pieces * 10 + 5,
                            unit: "C62".into(),
                            scale: 1,
                        }
                    }
                    Careless::UnknownItem => {
                        body.lines[0].item = mercato::wire::ItemRef::Sku {
                            sku: "NO-SUCH-ITEM".into(),
                        }
                    }
                    Careless::DuplicateLines => body.lines.push(body.lines[0].clone()),
                    Careless::UnknownSupplier => body.supplier = "acme-nails".into(),
                }
                let key = self.fresh("key");
                let status = self.place(&key, body.clone()).await?;
                if matches!(
                    careless,
                    Careless::HalfPiece | Careless::DuplicateLines | Careless::UnknownSupplier
                ) {
                    prop_assert!(
                        (400..500).contains(&status),
                        "hostile input answered {status}"
                    );
                }
                let below = matches!(cap, Cap::Below) && body.quote_id.is_none() && known.is_some();
                if below || matches!(cap, Cap::Zero | Cap::Negative | Cap::Huge | Cap::Dollars) {
                    prop_assert!(status != 201, "a {cap:?} cap was placed");
                }
                self.placed.push(Placed { key, body });
            }
            Op::Burst(orders) => {
                let mut bodies = Vec::new();
                for (item, pieces, pct) in orders {
                    let cost = self.cost(*item, *pieces).await.unwrap_or(10_000);
                    let cap = cost + cost * i64::from(*pct) / 100 + 1_500;
                    let body = self.body(*item, *pieces, cap, false);
                    bodies.push((self.fresh("key"), body));
                }
                let this = &*self;
                let statuses =
                    futures::future::join_all(bodies.iter().map(|(k, b)| this.place(k, b.clone())))
                        .await;
                for s in statuses {
                    s?;
                }
                for (key, body) in bodies {
                    self.placed.push(Placed { key, body });
                }
            }
            Op::Retry(n) => {
                if let Some(p) = self.placed.get(n % self.placed.len().max(1)) {
                    self.place(&p.key, p.body.clone()).await?;
                }
            }
            Op::Cancel(n) => {
                if let Some((supplier, order_id)) = self.some_order(*n) {
                    let key = IdempotencyKey::parse(&self.fresh("cancel")).unwrap();
                    let _ = self
                        .service
                        .cancel_order(&self.bot, &supplier, &order_id, &key, Default::default())
                        .await;
                }
            }
            Op::Invoices(n) => {
                if let Some((supplier, order_id)) = self.some_order(*n) {
                    let _ = self.service.invoices(&self.bot, &supplier, &order_id).await;
                }
            }
            Op::Decide { approve, which } => {
                let pending = self.service.approvals(&self.lead).await.unwrap().approvals;
                if let Some(a) = pending.get(which % pending.len().max(1)) {
                    self.decide(&a.id, *approve).await;
                }
            }
            Op::Cheat(d) => self.suppliers.voltaic.set_dishonesty(d.clone()),
            Op::Renumber => self.suppliers.voltaic.restart_order_numbering(),
            Op::Outage => {
                self.suppliers.voltaic.control().fail_next(503, 1, Some(1));
                self.suppliers.nordfast.control().fail_next(503, 1, Some(1));
            }
            Op::Slow => {
                self.suppliers
                    .voltaic
                    .control()
                    .set_delay(Duration::from_millis(300));
                self.suppliers
                    .nordfast
                    .control()
                    .set_delay(Duration::from_millis(300));
                self.deadline_ms = Some(150);
            }
            Op::Heal => self.heal(),
            Op::Restart => self.restart().await,
        }
        self.check_spend()
    }

    /// The id of one order the ledger records (the n-th, cycling).
    fn some_order(&self, n: usize) -> Option<(String, String)> {
        let orders = blocking(|| self.ledger.orders().unwrap());
        orders
            .get(n % orders.len().max(1))
            .map(|r| (r.supplier.clone(), r.order.order_id.clone()))
    }

    async fn decide(&mut self, id: &str, approve: bool) {
        let key = IdempotencyKey::parse(&self.fresh("decision")).unwrap();
        if approve {
            let _ = self.service.approve(&self.lead, &key, id, None).await;
        } else {
            let _ = self
                .service
                .reject(&self.lead, &key, id, Some("not now".into()))
                .await;
        }
    }

    fn heal(&mut self) {
        for control in [
            self.suppliers.voltaic.control(),
            self.suppliers.nordfast.control(),
        ] {
            control.set_delay(Duration::ZERO);
        }
        self.deadline_ms = None;
    }

    /// Stop the host and start a new one over the same ledger and suppliers.
    async fn restart(&mut self) {
        self.service = host(&self.suppliers, &self.ledger, &self.clients);
        let _ = self.service.recover().await;
    }

    /// Committed spend within the mandate: the budget, the per-order maximum, the order count.
    fn check_spend(&self) -> Result<(), TestCaseError> {
        let held: Vec<_> = blocking(|| self.ledger.reservations().unwrap())
            .into_iter()
            .filter(|r| r.state != ReservationState::Released)
            .collect();
        let committed: i64 = held.iter().map(|r| r.amount.minor()).sum();
        prop_assert!(
            committed <= BUDGET,
            "{committed} committed, budget {BUDGET}"
        );
        for r in &held {
            prop_assert!(
                r.amount.minor() <= MAX_PER_ORDER,
                "{r:?} above the per-order maximum"
            );
            prop_assert!(r.amount.minor() <= r.cap.minor(), "{r:?} above its cap");
            prop_assert!(r.amount.minor() >= 0, "{r:?} negative");
        }
        prop_assert!(
            held.len() <= MAX_ORDERS as usize,
            "{} orders, at most {MAX_ORDERS}",
            held.len()
        );
        Ok(())
    }

    /// Heal every fault, restart, reconcile until no order's fate is unknown (as `serve`
    /// does every minute), and decide every approval until none is left.
    async fn settle(&mut self) {
        self.heal();
        self.suppliers.voltaic.set_dishonesty(Dishonesty::default());
        self.restart().await;
        // A breaker opened by the supplier's faults (its lies) cools down meanwhile.
        for _ in 0..20 {
            match self.service.desk().reconcile().await {
                Ok((_, 0)) => break,
                _ => tokio::time::sleep(COOL_DOWN / 4).await,
            }
        }
        for _ in 0..10 {
            let pending = self.service.approvals(&self.lead).await.unwrap().approvals;
            if pending.is_empty() {
                break;
            }
            for a in pending {
                // An order waiting to be sent is approved; a held one is accepted.
                self.decide(&a.id, true).await;
            }
        }
        let pending = self.service.approvals(&self.lead).await.unwrap().approvals;
        for a in pending {
            self.decide(&a.id, false).await;
        }
    }

    /// Every supplier order exactly once in the ledger; every reservation ended.
    fn check_settled(&self) -> Result<(), TestCaseError> {
        let recorded: Vec<(String, String, String)> = blocking(|| {
            self.ledger
                .orders()
                .unwrap()
                .into_iter()
                .chain(self.ledger.collisions().unwrap())
                .map(|r| (r.supplier, r.order.order_id, r.order.buyer_po))
                .collect()
        });
        let mut at_suppliers: Vec<(String, String, String)> = self
            .suppliers
            .voltaic
            .orders()
            .into_iter()
            .map(|(number, po, _)| ("voltaic".to_string(), number, po))
            .collect();
        for po in &self.pos {
            for o in self.suppliers.nordfast.orders_for_buyer_po(po) {
                at_suppliers.push(("nordfast".to_string(), o.order_id, o.buyer_po));
            }
        }
        for order in &at_suppliers {
            let n = recorded.iter().filter(|r| *r == order).count();
            prop_assert_eq!(
                n,
                1,
                "{:?} recorded {} times; ledger: {:?}",
                order,
                n,
                recorded
            );
        }
        for r in blocking(|| self.ledger.reservations().unwrap()) {
            prop_assert!(r.state != ReservationState::Reserved, "{r:?} never ended");
        }
        Ok(())
    }
}

/// Run a blocking ledger call (the PostgreSQL client blocks) from the async test.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The seed of this run: `MERCATO_PROPTEST_SEED` (64 hex digits) or a fresh one, printed
/// and written to `target/proptest-seed.txt`.
fn seed(name: &str) -> [u8; 32] {
    let mut seed = [0u8; 32];
    match std::env::var("MERCATO_PROPTEST_SEED") {
        Ok(hex) => {
            for (i, b) in seed.iter_mut().enumerate() {
                *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("00"), 16)
                    .expect("MERCATO_PROPTEST_SEED is 64 hex digits");
            }
        }
        Err(_) => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                .to_le_bytes();
            seed[..16].copy_from_slice(&t);
            seed[16..20].copy_from_slice(&std::process::id().to_le_bytes());
        }
    }
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    eprintln!("{name}: proptest seed {hex} (MERCATO_PROPTEST_SEED={hex} to replay)");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("proptest-seed.txt"))
        .and_then(|mut f| {
            use std::io::Write as _;
            writeln!(f, "{name}: MERCATO_PROPTEST_SEED={hex}")
        });
    seed
}

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Run the cases, each on a fresh ledger from `ledger`, and say how many operations ran.
fn run(name: &str, ledger: impl Fn() -> Arc<dyn Ledger>) {
    let cases = env_number("MERCATO_PROPERTY_CASES", 6);
    let ops = env_number("MERCATO_PROPERTY_OPS", 20) as usize;
    let seed = seed(name);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let counted = std::sync::atomic::AtomicUsize::new(0);
    let strategy = (
        proptest::collection::vec(op(), 1..=ops),
        prop_oneof![Just(DriftAction::Cancel), Just(DriftAction::Escalate)],
    );
    let result = runner.run(&strategy, |(steps, on_drift)| {
        counted.fetch_add(steps.len(), std::sync::atomic::Ordering::Relaxed);
        rt.block_on(async {
            let mut world = World::start(ledger(), on_drift).await;
            for (n, op) in steps.iter().enumerate() {
                world
                    .step(op)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("after step {n} ({op:?}): {e}")))?;
            }
            world.settle().await;
            world.check_spend()?;
            world.check_settled()
        })
    });
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    eprintln!(
        "{name}: {} operations in {cases} cases",
        counted.load(std::sync::atomic::Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("{name}: {e}\nreplay with MERCATO_PROPTEST_SEED={hex}");
    }
}

#[test]
fn spend_invariants_hold_against_dishonest_suppliers_and_careless_clients() {
    run("sqlite", mercato::ledger::in_memory);
}

#[test]
#[ignore = "needs PostgreSQL: MERCATO_TEST_POSTGRES (.ci/run starts one)"]
fn postgres_spend_invariants_hold_against_dishonest_suppliers_and_careless_clients() {
    run("postgres", crate::ledger::fresh_postgres);
}
