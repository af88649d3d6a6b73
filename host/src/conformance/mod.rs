//! The conformance suite behind `mercato test-adapter`: the contract's invariants checked
//! against a loaded adapter, in the real sandbox, through the same calls production makes.
//!
//! A supplier's engineer runs it against their test backend and knows they are done when it
//! passes. Each case checks one invariant the WIT states in prose and the host cannot check
//! on a single answer: paging terminates without repeats, price tiers ascend, quote totals add
//! up, a quote id round-trips, a retried order is the same order, unknown ids are `not-found`,
//! undeclared operations are `unsupported`, errors are typed, and the adapter stays inside its
//! declared hosts and limits. Cases that need a capability the adapter does not declare are
//! skipped, saying so.
//!
//! - [`catalog`]: search paging and what the items carry;
//! - [`trade`]: quotes and orders (orders are real: run it against a test backend);
//! - [`contract`]: describe, the connection check, undeclared operations, inbound documents;
//! - [`sandbox`]: what every call did, from the host's call log;
//! - [`report`]: the human report and JUnit XML.

mod catalog;
mod contract;
mod report;
mod sandbox;
mod trade;

pub use report::{Case, Outcome, Report, Subject};

use crate::adapter::{CallLog, CapabilityGate};
use crate::contract::*;
use crate::{CallError, LoadedAdapter};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// What a run may do and how far it goes.
#[derive(Debug, Clone)]
pub struct Options {
    /// Place (and then cancel) a real order to check idempotent retries. Off: the ordering
    /// cases that need an order are skipped.
    pub place_orders: bool,
    /// Text to search for; none = browse the whole catalogue.
    pub search_text: Option<String>,
    /// Items asked for per search page.
    pub page_size: u32,
    /// Pages followed before paging is judged not to terminate.
    pub max_pages: u32,
    /// Whether paging must reach its end within `max_pages`. Off, the suite checks the
    /// pages it reads and stops there (a reload check of a large catalogue).
    pub page_to_end: bool,
    /// Where quotes and orders ship to; none = an address in the first country the adapter
    /// ships to.
    pub ship_to: Option<Address>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            place_orders: true,
            search_text: None,
            page_size: 20,
            max_pages: 500,
            page_to_end: true,
            ship_to: None,
        }
    }
}

/// Ids the suite asks for that no supplier should know.
const UNKNOWN_ID: &str = "MERCATO-CONFORMANCE-DOES-NOT-EXIST";

/// Run every case against `adapter`.
pub async fn run(adapter: &LoadedAdapter, options: &Options) -> Report {
    let started = Instant::now();
    let log = CallLog::new();
    let mut suite = Suite {
        adapter: adapter.watched(log.clone(), CapabilityGate::Enforce),
        ungated: adapter.watched(log.clone(), CapabilityGate::Bypass),
        log,
        profile: adapter.profile().clone(),
        options: options.clone(),
        run_id: now_ms().to_string(),
        calls: AtomicU32::new(0),
        items: Vec::new(),
        quote: None,
        order: None,
        cases: Vec::new(),
    };
    macro_rules! case {
        ($name:literal, $check:ident) => {{
            let t = Instant::now();
            let result = suite.$check().await;
            suite.push($name, t, result);
        }};
    }
    case!("describe.profile", describe_profile);
    case!("connection.check", check_connection);
    case!("search.paging", search_paging);
    case!("catalog.price-tiers", price_tiers);
    case!("catalog.currencies", currencies);
    case!("catalog.gtin", gtins);
    case!("catalog.get-items", get_items);
    case!("catalog.availability", availability);
    case!("quote.totals", quote_totals);
    case!("quote.round-trip", quote_round_trip);
    case!("quote.unknown-id", quote_unknown);
    case!("order.idempotent-retry", order_retry);
    case!("order.status", order_status);
    case!("order.documents", order_documents);
    case!("order.cancel", order_cancel);
    case!("order.unknown-id", order_unknown);
    case!("order.cancel-unknown", cancel_unknown);
    case!("inbound.garbage", inbound_garbage);
    case!("capabilities.undeclared", undeclared);
    case!("errors.typed", errors_typed);
    case!("output.valid", output_valid);
    case!("sandbox.hosts", sandbox_hosts);
    case!("sandbox.limits", sandbox_limits);
    Report {
        subject: Subject {
            supplier: suite.profile.supplier_id.clone(),
            version: suite.profile.adapter_version.clone(),
            digest: adapter.digest().as_hex().to_string(),
        },
        cases: suite.cases,
        time: started.elapsed(),
    }
}

/// Why a check did not pass.
enum Stop {
    Fail(String),
    Skip(String),
}

/// A check's result: passed with a note, or stopped.
type Check = Result<String, Stop>;

fn fail(reason: impl Into<String>) -> Stop {
    Stop::Fail(reason.into())
}

/// A call that had to succeed for the case to go on.
fn failed_call(what: impl std::fmt::Display, e: CallError) -> Stop {
    Stop::Fail(format!("{what} failed: {e}"))
}

/// The state of one run: the adapter seen two ways, and what earlier cases found for later
/// ones (items to quote, the quote to order, the order to look up).
struct Suite {
    adapter: LoadedAdapter,
    ungated: LoadedAdapter,
    log: Arc<CallLog>,
    profile: AdapterProfile,
    options: Options,
    run_id: String,
    calls: AtomicU32,
    items: Vec<CatalogItem>,
    quote: Option<Quote>,
    order: Option<Order>,
    cases: Vec<Case>,
}

impl Suite {
    fn push(&mut self, name: &'static str, started: Instant, result: Check) {
        let outcome = match result {
            Ok(note) => Outcome::Passed { note },
            Err(Stop::Fail(reason)) => Outcome::Failed { reason },
            Err(Stop::Skip(reason)) => Outcome::Skipped { reason },
        };
        self.cases.push(Case {
            name,
            outcome,
            time: started.elapsed(),
        });
    }

    /// Skip unless the adapter declares one of `flags`.
    fn requires(&self, flags: Capabilities, name: &str) -> Result<(), Stop> {
        if self.profile.capabilities.intersects(flags) {
            Ok(())
        } else {
            Err(Stop::Skip(format!("the adapter does not declare `{name}`")))
        }
    }

    /// A buyer for one call of the suite, with a request id that names the run.
    fn ctx(&self) -> CallContext {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        CallContext {
            request_id: format!("conformance-{}-{n}", self.run_id),
            buyer: BuyerContext {
                account_id: None,
                organization: Some("Mercato conformance suite".to_string()),
                tax_id: None,
                cost_center: None,
                originator: Some("mercato test-adapter".to_string()),
                on_behalf_of: None,
            },
            locale: None,
            currency: self.profile.currencies.first().cloned(),
            country: self.profile.ship_to_countries.first().cloned(),
            deadline: now_ms() + 30_000,
        }
    }

    /// Where quotes and orders go.
    fn ship_to(&self) -> Address {
        self.options.ship_to.clone().unwrap_or_else(|| Address {
            location_id: None,
            name: Some("Goods receiving".to_string()),
            organization: Some("Mercato conformance suite".to_string()),
            lines: vec!["1 Test Street".to_string()],
            city: "Teststadt".to_string(),
            region: None,
            postal_code: Some("10115".to_string()),
            country: self
                .profile
                .ship_to_countries
                .first()
                .cloned()
                .unwrap_or_else(|| "DE".to_string()),
            contact: None,
        })
    }
}

/// The smallest quantity of `item` its rules allow: one sale unit raised to the minimum and
/// the increment.
fn orderable_quantity(item: &CatalogItem) -> Quantity {
    let one = Quantity {
        steps: 1,
        unit: item.sale_unit.clone(),
        scale: 0,
    };
    let raised = item
        .rules
        .to_exact()
        .and_then(|rules| rules.smallest_valid_at_least(&one.to_exact()?));
    match raised {
        Ok(q) => Quantity::from(&q),
        Err(_) => item.rules.minimum.clone().unwrap_or(one),
    }
}

/// Poll interval and attempts for a pending quote.
const QUOTE_POLL: (Duration, u32) = (Duration::from_millis(200), 25);
