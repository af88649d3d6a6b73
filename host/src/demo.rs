//! `mercato demo`: one machine customer's purchase across three suppliers, end to end.
//!
//! It starts two simulated supplier backends on 127.0.0.1 (a REST JSON distributor and a UBL
//! 2.1 industrial supplier), loads the three bundled adapters into the sandbox (the third, a
//! CSV price list, needs no network), and then tells the story: search, compare offers,
//! request quotes, pick the cheapest firm quote that meets the lead time, order with an
//! idempotency key, show the acknowledgement and the shipment, and retry the order to show that
//! the supplier made no duplicate.
//!
//! [`Suppliers`] is public so the integration tests run against exactly the set-up the demo
//! shows.

use crate::adapter::breaker::BreakerConfig;
use crate::adapter::{AdapterHost, HostConfig, LoadedAdapter, SupplierId};
use crate::broker::offers::{Offer, rank};
use crate::broker::{Broker, FanOut};
use crate::contract::*;
use crate::display;
use crate::engine::EngineConfig;
use crate::sandbox::secrets::AttachTarget;
use crate::sandbox::{Grants, HostGrant};
use crate::signing::{self, SecretKey, Trust, TrustStore};
use anyhow::{Context as _, anyhow};
use comfy_table::{Cell, CellAlignment};
use mercato_backends::{nordfast, voltaic};
use mercato_sdk::exact::{self, Currency};
use std::io::Write;
use std::time::{Duration, Instant};

/// Secret name of Voltaic's API key in the host's policy; the host sends it as `X-Api-Key`.
const VOLTAIC_API_KEY: &str = "api-key";
/// Secret name Voltaic's adapter verifies webhooks with.
const VOLTAIC_WEBHOOK_SECRET: &str = "webhook-secret";
/// Secret name of Nordfast's access token; the host sends it as a bearer token.
const NORDFAST_TOKEN: &str = "access-token";
/// The token the simulated Nordfast backend issues to Acme.
pub const NORDFAST_DEMO_TOKEN: &str = "acme-plant3-nordfast-token";

/// The publisher named for the demo's signing key.
const DEMO_PUBLISHER: &str = "Mercato demo publisher";

/// The running simulated suppliers and the adapters loaded for them.
pub struct Suppliers {
    /// The REST JSON distributor's backend.
    pub voltaic: voltaic::VoltaicBackend,
    /// The UBL supplier's backend.
    pub nordfast: nordfast::NordfastBackend,
    /// The runtime the adapters are loaded in.
    pub host: AdapterHost,
    /// The three adapters.
    pub broker: Broker,
    /// The same adapters as the runtime loaded them, with how long loading took.
    pub loaded: Vec<(LoadedAdapter, Duration)>,
    /// The key the bundled adapters were signed with for this run.
    pub publisher_key: SecretKey,
}

impl Suppliers {
    /// Start both backends, sign the three bundled adapters with a fresh publisher key that the
    /// host trusts for their suppliers, and load them with the grants an integrator would give.
    pub async fn start(engine: EngineConfig) -> anyhow::Result<Self> {
        Self::start_with_breaker(engine, BreakerConfig::default()).await
    }

    /// [`start`](Self::start) with the adapters' circuit breakers set to `breaker`: a test
    /// that lets minutes pass in a moment shortens the cool-down with it.
    pub async fn start_with_breaker(
        engine: EngineConfig,
        breaker: BreakerConfig,
    ) -> anyhow::Result<Self> {
        let voltaic = voltaic::start(voltaic::VoltaicConfig::default())
            .await
            .context("starting the Voltaic backend")?;
        let nordfast = nordfast::start(nordfast::NordfastConfig::bearer(NORDFAST_DEMO_TOKEN))
            .await
            .context("starting the Nordfast backend")?;
        let publisher_key = SecretKey::generate()?;
        let mut trust = TrustStore::new();
        for supplier in ["voltaic", "nordfast", "hansa"] {
            trust = trust.trust(
                supplier,
                publisher_key.public(),
                Some(DEMO_PUBLISHER.to_string()),
            );
        }
        let host = AdapterHost::new(HostConfig {
            engine,
            trust,
            breaker,
            ..HostConfig::default()
        })?;
        let plan = [
            (mercato_artifacts::VOLTAIC_REST, voltaic_grants(&voltaic)?),
            (mercato_artifacts::NORDFAST_UBL, nordfast_grants(&nordfast)?),
            (mercato_artifacts::HANSA_CSV, Grants::default()),
        ];
        let mut loaded = Vec::new();
        for (component, grants) in plan {
            let started = Instant::now();
            let signed = signing::sign(component.bytes, &publisher_key)?;
            let adapter = host
                .load(signed, grants)
                .await
                .with_context(|| format!("loading {}", component.name))?;
            loaded.push((adapter, started.elapsed()));
        }
        Ok(Suppliers {
            voltaic,
            nordfast,
            host,
            broker: Broker::new(loaded.iter().map(|(a, _)| a.clone())),
            loaded,
            publisher_key,
        })
    }

    /// The adapter of `supplier`.
    pub fn adapter(&self, supplier: &str) -> anyhow::Result<LoadedAdapter> {
        self.loaded
            .iter()
            .find(|(a, _)| a.supplier().as_str() == supplier)
            .map(|(a, _)| a.clone())
            .ok_or_else(|| anyhow!("no adapter for {supplier}"))
    }
}

/// What Voltaic's adapter is granted: its backend (a local test server, hence plain http on
/// loopback), the API key the host attaches to every request to it, and the webhook secret it
/// may use only through HMAC. How the key attaches comes from the adapter's manifest.
pub fn voltaic_grants(backend: &voltaic::VoltaicBackend) -> anyhow::Result<Grants> {
    Ok(Grants::new()
        .host(HostGrant::local(&backend.base_url())?)
        .setting("base-url", backend.base_url())
        .secret_for(
            VOLTAIC_API_KEY,
            backend.api_key().as_bytes().to_vec(),
            [AttachTarget::parse(&backend.base_url()).map_err(anyhow::Error::msg)?],
        )
        .secret(
            VOLTAIC_WEBHOOK_SECRET,
            voltaic::DEFAULT_WEBHOOK_SECRET.to_vec(),
        ))
}

/// What Nordfast's adapter is granted: its backend and the bearer token the host attaches. The
/// backend must have been started with [`NORDFAST_DEMO_TOKEN`] as its bearer token.
pub fn nordfast_grants(backend: &nordfast::NordfastBackend) -> anyhow::Result<Grants> {
    Ok(Grants::new()
        .host(HostGrant::local(&backend.base_url())?)
        .setting("base-url", backend.base_url())
        .setting("buyer-endpoint-id", "0088:4012345000009")
        .secret_for(
            NORDFAST_TOKEN,
            NORDFAST_DEMO_TOKEN.as_bytes().to_vec(),
            [AttachTarget::parse(&backend.base_url()).map_err(anyhow::Error::msg)?],
        ))
}

/// The buyer: a maintenance bot at Plant 3 of Acme Pressworks in Stuttgart, paying in EUR.
pub fn buyer_context(request_id: &str) -> CallContext {
    CallContext {
        request_id: request_id.to_string(),
        buyer: BuyerContext {
            account_id: Some("ACME-4711".to_string()),
            organization: Some("Acme Pressworks GmbH".to_string()),
            tax_id: Some("DE123456789".to_string()),
            cost_center: Some("MAINT-7".to_string()),
            originator: Some("press-line-7-maintenance-bot".to_string()),
            on_behalf_of: Some("maintenance-lead@acme.example".to_string()),
        },
        locale: Some("de-DE".to_string()),
        currency: Some("EUR".to_string()),
        country: Some("DE".to_string()),
        deadline: now_ms() + 5_000,
    }
}

/// The gateway client of the demo: the Plant 3 maintenance bot, with key `key`. It may also
/// push inbound documents for the demo suppliers (standing in for their webhook senders).
pub fn demo_client(key: &str) -> crate::clients::Client {
    let ctx = buyer_context("demo");
    crate::clients::Client {
        id: crate::clients::ClientId::parse("press-line-7").expect("valid id"),
        key: crate::clients::KeyDigest::of(key),
        buyer: ctx.buyer,
        currency: ctx.currency,
        country: ctx.country,
        inbound: ["voltaic", "nordfast", "hansa"]
            .iter()
            .filter_map(|s| SupplierId::parse(s).ok())
            .collect(),
        mandate: Some(std::sync::Arc::new(demo_mandate())),
        approver: false,
    }
}

/// The person who approves what the bot's mandate sends to approval, with key `key`.
pub fn demo_approver(key: &str) -> crate::clients::Client {
    crate::clients::Client {
        id: crate::clients::ClientId::parse("maintenance-lead").expect("valid id"),
        key: crate::clients::KeyDigest::of(key),
        mandate: None,
        approver: true,
        inbound: Vec::new(),
        ..demo_client(key)
    }
}

/// What the demo's maintenance bot may buy: from any supplier, up to EUR 5,000 an order and
/// EUR 20,000 and 100 orders a month, a person approving anything above EUR 2,500.
pub fn demo_mandate() -> crate::mandate::Mandate {
    let eur = |minor| exact::Money::new(Currency::parse("EUR").expect("EUR"), minor);
    crate::mandate::Mandate {
        id: "demo-press-line-7".to_string(),
        principal: "maintenance-lead@acme.example".to_string(),
        suppliers: Vec::new(),
        items: Vec::new(),
        ship_to: Vec::new(),
        max_per_order: eur(500_000),
        budget: Some(crate::mandate::Budget {
            limit: eur(2_000_000),
            period: crate::mandate::Period::Month,
            max_orders: Some(100),
        }),
        approval_above: Some(eur(250_000)),
        price_tolerance_bp: 200,
        require_firm_quote: false,
        on_drift: crate::mandate::DriftAction::Cancel,
        not_before: 0,
        not_after: i64::MAX,
    }
}

/// Plant 3, where the parts go.
pub fn plant_3() -> Address {
    Address {
        location_id: Some("4012345000009".to_string()),
        name: Some("Plant 3".to_string()),
        organization: Some("Acme Pressworks GmbH".to_string()),
        lines: vec!["Industriestraße 12".to_string()],
        city: "Stuttgart".to_string(),
        region: Some("BW".to_string()),
        postal_code: Some("70565".to_string()),
        country: "DE".to_string(),
        contact: Some(Contact {
            name: Some("Goods receipt".to_string()),
            email: Some("receiving@acme.example".to_string()),
            phone: None,
        }),
    }
}

/// One thing the buyer needs.
struct Need {
    label: &'static str,
    query: &'static str,
    /// Every word must appear in the item title: the buyer's specification.
    spec: &'static [&'static str],
    pieces: u64,
}

const NEEDS: [Need; 2] = [
    Need {
        label: "M8x30 hex bolts",
        query: "M8 hex bolt",
        spec: &["m8x30"],
        pieces: 500,
    },
    Need {
        label: "M8 hex nuts",
        query: "M8 hex nut",
        spec: &["m8"],
        pieces: 500,
    },
];

/// How many days the buyer can wait.
const NEEDED_WITHIN_DAYS: i64 = 7;

/// What the demo did, for tests to check.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// The supplier ordered from.
    pub supplier: SupplierId,
    /// The order.
    pub order: Order,
    /// The order id the retry returned.
    pub retried_order_id: String,
    /// Orders the supplier holds for the PO after the retry.
    pub supplier_orders_for_po: usize,
    /// Shipments of the order.
    pub shipments: Vec<Shipment>,
}

/// Run the story, writing it to `out`.
pub async fn run(out: &mut impl Write) -> anyhow::Result<DemoOutcome> {
    let cache_dir = std::env::temp_dir().join("mercato-demo-cache");
    let suppliers = Suppliers::start(EngineConfig {
        cache_dir: Some(cache_dir),
        ..EngineConfig::default()
    })
    .await?;
    run_with(&suppliers, out).await
}

/// Run the story against already started suppliers.
pub async fn run_with(s: &Suppliers, out: &mut impl Write) -> anyhow::Result<DemoOutcome> {
    let ctx = buyer_context("demo-1");
    writeln!(
        out,
        "Mercato demo: press-line-7's maintenance bot at Acme Pressworks, Plant 3 (Stuttgart, DE)\n\
         needs 500 M8x30 hex bolts and 500 M8 hex nuts within {NEEDED_WITHIN_DAYS} days, paid in EUR.\n"
    )?;

    writeln!(out, "1. Suppliers loaded into the sandbox")?;
    let mut table = display::table(&[
        "supplier",
        "speaks",
        "signed",
        "network",
        "operations",
        "component",
        "loaded in",
    ]);
    for (a, took) in &s.loaded {
        let p = a.profile();
        let how = if a.loaded_from_cache() {
            "from cache"
        } else {
            "compiled"
        };
        let took = format!("{} ms, {how}", took.as_millis());
        let signed = match a.trust() {
            Trust::Trusted(_) => format!("yes, {DEMO_PUBLISHER}"),
            other => format!("{other:?}"),
        };
        let network: Vec<String> = a
            .effective()
            .destinations
            .iter()
            .map(|d| d.host.to_string())
            .collect();
        table.add_row(vec![
            Cell::new(&p.display_name),
            Cell::new(p.protocols.join(", ")),
            Cell::new(signed),
            Cell::new(if network.is_empty() {
                "none".to_string()
            } else {
                network.join(" ")
            }),
            Cell::new(p.capabilities.names().len()),
            Cell::new(format!(
                "{}… {} KiB",
                &a.digest().as_hex()[..12],
                a.size() / 1024
            )),
            Cell::new(took).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{table}\n")?;

    let currency = Currency::EUR;
    let mut chosen_offers: Vec<Vec<Offer>> = Vec::new();
    for (n, need) in NEEDS.iter().enumerate() {
        writeln!(
            out,
            "{}. {} {}: search \"{}\" at every supplier at once and rank the offers",
            n + 2,
            need.pieces,
            need.label,
            need.query,
        )?;
        let query = SearchQuery {
            text: Some(need.query.to_string()),
            categories: Vec::new(),
            in_stock_only: false,
            page_size: 50,
            cursor: None,
        };
        let started = Instant::now();
        let fan_out = s.broker.search(&ctx, &query, None).await?;
        let took = started.elapsed();
        report_errors(out, &fan_out)?;
        let items = fan_out.answers().flat_map(|(supplier, page)| {
            page.items
                .iter()
                .filter(|i| {
                    let title = i.title.to_lowercase();
                    need.spec.iter().all(|w| title.contains(w))
                })
                .map(move |i| (supplier, i))
        });
        let ranking = rank(items, &exact::Quantity::pieces(need.pieces), currency);
        let mut table = display::table(&[
            "#",
            "supplier",
            "item",
            "qty",
            "unit price",
            "line total",
            "stock",
            "ships in",
        ]);
        for (i, o) in ranking.offers.iter().take(8).enumerate() {
            table.add_row(vec![
                Cell::new(i + 1),
                Cell::new(o.supplier.as_str()),
                Cell::new(format!(
                    "{} {}",
                    o.item.ids.supplier_sku,
                    display::truncate(&o.item.title, 44)
                )),
                Cell::new(o.quantity.steps).set_alignment(CellAlignment::Right),
                Cell::new(display::price(&o.unit_price)).set_alignment(CellAlignment::Right),
                Cell::new(display::money(&o.line_total)).set_alignment(CellAlignment::Right),
                Cell::new(
                    o.on_hand
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "?".into()),
                )
                .set_alignment(CellAlignment::Right),
                Cell::new(match o.ships_in_days {
                    Some(0) => "from stock".to_string(),
                    Some(d) => format!("{d} days"),
                    None => "unknown".to_string(),
                }),
            ]);
        }
        writeln!(
            out,
            "{table}\n{} offers from {} suppliers in {} ms{}\n",
            ranking.offers.len(),
            fan_out.answers().count(),
            took.as_millis(),
            if ranking.problems.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} items not comparable (other currency or unit)",
                    ranking.problems.len()
                )
            }
        )?;
        chosen_offers.push(ranking.offers);
    }

    // Quote from every supplier that quotes: its best offer for each need.
    writeln!(
        out,
        "{}. Request quotes from the suppliers that quote",
        NEEDS.len() + 2
    )?;
    for a in s.broker.adapters().iter() {
        if !a
            .profile()
            .capabilities
            .intersects(Capabilities::INSTANT_QUOTE | Capabilities::ASYNC_QUOTE)
        {
            writeln!(
                out,
                "   {} sells from a price list only (no quotes or orders through its adapter)",
                a.profile().display_name
            )?;
        }
    }
    let mut requests = Vec::new();
    for a in s.broker.eligible(Capabilities::INSTANT_QUOTE, &ctx) {
        let mut lines = Vec::new();
        for (n, offers) in chosen_offers.iter().enumerate() {
            if let Some(best) = offers.iter().find(|o| &o.supplier == a.supplier()) {
                lines.push(QuoteLineRequest {
                    line_id: format!("{}", n + 1),
                    item: ItemRef::Sku(best.item.ids.supplier_sku.clone()),
                    offer_token: best.item.ids.offer_token.clone(),
                    quantity: best.quantity.clone(),
                    target_unit_price: None,
                });
            }
        }
        if lines.len() == NEEDS.len() {
            requests.push((a.supplier().clone(), quote_request(lines)));
        }
    }
    let quotes = s.broker.request_quotes(&ctx, &requests).await?;
    report_errors(out, &quotes)?;
    let deadline = now_ms() + NEEDED_WITHIN_DAYS * 86_400_000;
    let mut table = display::table(&[
        "supplier",
        "quote",
        "status",
        "valid until",
        "lines",
        "shipping",
        "tax",
        "total",
        "delivery by",
        "meets need",
    ]);
    for (supplier, q) in quotes.answers() {
        let by = delivery_by(q);
        table.add_row(vec![
            Cell::new(supplier.as_str()),
            Cell::new(&q.quote_id),
            Cell::new(display::label(&q.status)),
            Cell::new(q.valid_until.map(display::date_time).unwrap_or_default()),
            Cell::new(display::money(&q.totals.lines)).set_alignment(CellAlignment::Right),
            Cell::new(display::money(&q.totals.shipping)).set_alignment(CellAlignment::Right),
            Cell::new(display::money(&q.totals.tax)).set_alignment(CellAlignment::Right),
            Cell::new(display::money(&q.totals.grand_total)).set_alignment(CellAlignment::Right),
            Cell::new(by.map(display::date).unwrap_or_else(|| "unknown".into())),
            Cell::new(if by.is_some_and(|t| t <= deadline) {
                "yes"
            } else {
                "no"
            }),
        ]);
    }
    writeln!(out, "{table}\n")?;

    let (supplier, quote) = quotes
        .answers()
        .filter(|(_, q)| q.status == QuoteStatus::Firm)
        .filter(|(_, q)| q.valid_until.is_some_and(|t| t > now_ms()))
        .filter(|(_, q)| delivery_by(q).is_some_and(|t| t <= deadline))
        .min_by_key(|(_, q)| q.totals.grand_total.minor)
        .ok_or_else(|| anyhow!("no firm quote delivers within {NEEDED_WITHIN_DAYS} days"))?;
    writeln!(
        out,
        "{}. Cheapest firm quote that delivers in time: {} from {} for {}\n",
        NEEDS.len() + 3,
        quote.quote_id,
        supplier,
        display::money(&quote.totals.grand_total)
    )?;

    let adapter = s.adapter(supplier.as_str())?;
    let po = format!("PO-{}-0001", display::date(now_ms()).replace('-', ""));
    let order_request = OrderRequest {
        idempotency_key: format!("mercato-{po}-demo"),
        buyer_po: po.clone(),
        quote_id: Some(quote.quote_id.clone()),
        lines: quote.lines.iter().map(QuoteLine::to_order_line).collect(),
        ship_to: plant_3(),
        bill_to: None,
        fulfillment_option_id: quote.fulfillment_options.first().map(|f| f.id.clone()),
        requested_delivery: None,
        partial_delivery: PartialDelivery::Allow,
        max_total: quote.totals.grand_total.clone(),
        payment: PaymentInstruction::OnAccount(None),
        authorization: None,
        notes: Some("Deliver to goods receipt, gate 2.".to_string()),
    };
    writeln!(
        out,
        "{}. Place order {po} with idempotency key {}",
        NEEDS.len() + 4,
        order_request.idempotency_key
    )?;
    let order = adapter
        .place_order(&ctx, &order_request)
        .await
        .map_err(|e| anyhow!("placing the order failed: {e}"))?;
    writeln!(
        out,
        "supplier order {}: acknowledgement {}, status {}, total {}",
        order.order_id,
        display::label(&order.ack),
        display::label(&order.status),
        display::money(&order.totals.grand_total)
    )?;
    let mut table = display::table(&[
        "line",
        "item",
        "ordered",
        "confirmed",
        "shipped",
        "unit price",
        "line total",
        "status",
    ]);
    for l in &order.lines {
        table.add_row(vec![
            Cell::new(&l.line_id),
            Cell::new(&l.item.supplier_sku),
            Cell::new(l.ordered.steps).set_alignment(CellAlignment::Right),
            Cell::new(l.confirmed.steps).set_alignment(CellAlignment::Right),
            Cell::new(l.shipped.steps).set_alignment(CellAlignment::Right),
            Cell::new(display::price(&l.unit_price)).set_alignment(CellAlignment::Right),
            Cell::new(display::money(&l.line_total)).set_alignment(CellAlignment::Right),
            Cell::new(display::label(&l.status)),
        ]);
    }
    writeln!(out, "{table}\n")?;

    let shipments = if adapter
        .profile()
        .capabilities
        .contains(Capabilities::SHIPMENT_TRACKING)
    {
        adapter
            .list_shipments(&ctx, &order.order_id)
            .await
            .map_err(|e| anyhow!("listing shipments failed: {e}"))?
    } else {
        Vec::new()
    };
    writeln!(out, "{}. Shipments", NEEDS.len() + 5)?;
    let mut table = display::table(&[
        "shipment",
        "status",
        "carrier",
        "tracking",
        "lines",
        "estimated delivery",
    ]);
    for sh in &shipments {
        table.add_row(vec![
            Cell::new(&sh.shipment_id),
            Cell::new(display::label(&sh.status)),
            Cell::new(sh.carrier.clone().unwrap_or_default()),
            Cell::new(sh.tracking_number.clone().unwrap_or_default()),
            Cell::new(
                sh.lines
                    .iter()
                    .map(|l| format!("{}×{}", l.line_id, l.quantity.steps))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Cell::new(
                sh.estimated_delivery
                    .as_ref()
                    .map(|w| display::date(w.latest))
                    .unwrap_or_default(),
            ),
        ]);
    }
    if adapter
        .profile()
        .capabilities
        .contains(Capabilities::ORDER_STATUS)
    {
        let now = adapter
            .get_order(&ctx, &order.order_id)
            .await
            .map_err(|e| anyhow!("fetching the order failed: {e}"))?;
        writeln!(
            out,
            "{table}\norder {} is now {}\n",
            now.order_id,
            display::label(&now.status)
        )?;
    } else {
        writeln!(out, "{table}\n")?;
    }

    writeln!(
        out,
        "{}. The bot's connection drops and it sends the same order again (same key)",
        NEEDS.len() + 6
    )?;
    let retried = adapter
        .place_order(&ctx, &order_request)
        .await
        .map_err(|e| anyhow!("retrying the order failed: {e}"))?;
    let held = match supplier.as_str() {
        "voltaic" => s.voltaic.orders_for_po(&po).len(),
        "nordfast" => s.nordfast.orders_for_buyer_po(&po).len(),
        other => return Err(anyhow!("the demo cannot inspect {other}'s backend")),
    };
    writeln!(
        out,
        "the supplier answered with order {} again and holds {held} order for {po}: {}\n",
        retried.order_id,
        if retried.order_id == order.order_id && held == 1 {
            "no duplicate was made"
        } else {
            "A DUPLICATE WAS MADE"
        }
    )?;
    Ok(DemoOutcome {
        supplier: supplier.clone(),
        order,
        retried_order_id: retried.order_id,
        supplier_orders_for_po: held,
        shipments,
    })
}

fn quote_request(lines: Vec<QuoteLineRequest>) -> QuoteRequest {
    QuoteRequest {
        lines,
        ship_to: plant_3(),
        requested_delivery: Some(TimeWindow {
            earliest: now_ms(),
            latest: now_ms() + NEEDED_WITHIN_DAYS * 86_400_000,
        }),
        currency: Some("EUR".to_string()),
        requested_valid_until: None,
        allow_substitutes: false,
        incoterms: Some("DAP".to_string()),
        buyer_reference: Some("press-line-7 spare parts".to_string()),
        notes: None,
    }
}

/// When everything in the quote arrives: the latest promised line delivery, else the fastest
/// delivery option. None if the supplier promises nothing.
fn delivery_by(q: &Quote) -> Option<Timestamp> {
    let lines: Option<Vec<i64>> = q
        .lines
        .iter()
        .map(|l| l.promised_delivery.as_ref().map(|w| w.latest))
        .collect();
    match lines {
        Some(l) if !l.is_empty() => l.into_iter().max(),
        _ => q
            .fulfillment_options
            .iter()
            .filter_map(|f| f.delivery.as_ref().map(|w| w.latest))
            .min(),
    }
}

fn report_errors<T>(out: &mut impl Write, fan_out: &FanOut<T>) -> std::io::Result<()> {
    for (supplier, e) in fan_out.errors() {
        writeln!(out, "  {supplier} did not answer: [{}] {e}", e.code())?;
    }
    Ok(())
}
