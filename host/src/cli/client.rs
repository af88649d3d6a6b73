//! The buyer's commands — `search`, `offers`, `quote`, `order`, `orders` — against a running
//! `mercato serve` (`--server URL`, key in MERCATO_API_KEY) or an embedded host (`--policy`
//! or `--demo`). Both paths return the API's own types, so output is the same either way:
//! tables for people, `--json` for scripts.

use super::render;
use super::serve::{Host, Source, assemble};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use futures::future::BoxFuture;
use indicatif::{ProgressBar, ProgressStyle};
use mercato::clients::Client;
use mercato::desk::IdempotencyKey;
use mercato::gateway::api::*;
use mercato::gateway::body;
use mercato::gateway::catalog::{self as op, Call, Empty, Operation, RequestBody as _, Verb};
use mercato::wire::{
    Address, ItemRef, Money, OrderLineRequest, PartialDelivery, PaymentInstruction, Quantity,
    QuoteLineRequest, QuoteRequest, ReturnLine, ReturnReason,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Where a command runs: a server, or an embedded host.
#[derive(Args, Debug)]
pub struct Target {
    /// URL of a running `mercato serve` (e.g. http://127.0.0.1:8080). Without it, the host
    /// runs embedded from --policy or --demo.
    #[arg(long, env = "MERCATO_SERVER", global = true)]
    server: Option<String>,
    /// The client's API key (for the server; embedded, it picks the policy client).
    #[arg(long, env = "MERCATO_API_KEY", hide_env_values = true, global = true)]
    key: Option<String>,
    /// Embedded: act as this policy client.
    #[arg(long, global = true)]
    client: Option<String>,
    #[command(flatten)]
    source: Source,
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
}

/// Which suppliers, in which currency and country.
#[derive(Args, Debug)]
pub struct ScopeArgs {
    /// Only ask this supplier (repeatable).
    #[arg(long = "supplier")]
    suppliers: Vec<String>,
    /// ISO 4217 currency (default: the client's).
    #[arg(long)]
    currency: Option<String>,
    /// Ship-to country, ISO 3166-1 alpha-2 (default: the client's).
    #[arg(long)]
    country: Option<String>,
}

impl ScopeArgs {
    fn scope(&self) -> Scope {
        Scope {
            currency: self.currency.clone(),
            country: self.country.clone(),
            suppliers: (!self.suppliers.is_empty()).then(|| self.suppliers.clone()),
            deadline_ms: None,
        }
    }
}

/// `mercato search`.
#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    scope: ScopeArgs,
    /// What to look for.
    #[arg(required = true)]
    text: Vec<String>,
    /// Only items in stock.
    #[arg(long)]
    in_stock: bool,
    /// Items per supplier.
    #[arg(long, default_value_t = 20)]
    page_size: u32,
}

/// `mercato offers`.
#[derive(Args, Debug)]
pub struct OffersArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    scope: ScopeArgs,
    /// What to look for.
    #[arg(required = true)]
    text: Vec<String>,
    /// How many are wanted.
    #[arg(long)]
    quantity: u64,
    /// UN/CEFACT unit of the quantity (C62 = piece).
    #[arg(long, default_value = "C62")]
    unit: String,
    /// Only items whose title contains this word (repeatable).
    #[arg(long)]
    must_match: Vec<String>,
    /// Pages per supplier to look at (1–10); suppliers with more are reported as truncated.
    #[arg(long)]
    max_pages: Option<u32>,
}

/// `mercato quote`.
#[derive(Args, Debug)]
pub struct QuoteArgs {
    #[command(flatten)]
    target: Target,
    /// Only ask this supplier (repeatable; default: every supplier that quotes).
    #[arg(long = "supplier")]
    suppliers: Vec<String>,
    /// A line: SKU=QUANTITY, in pieces (repeatable).
    #[arg(long = "line", required = true, value_parser = parse_line)]
    lines: Vec<(String, u64)>,
    /// Where the goods go: the address as JSON, or @FILE.
    #[arg(long, value_parser = parse_address)]
    ship_to: Address,
    /// ISO 4217 currency to quote in.
    #[arg(long)]
    currency: Option<String>,
    /// The buyer's reference for the quote.
    #[arg(long)]
    reference: Option<String>,
}

/// `mercato order`.
#[derive(Args, Debug)]
pub struct OrderArgs {
    #[command(flatten)]
    target: Target,
    /// The supplier to order from.
    #[arg(long)]
    supplier: String,
    /// The buyer's purchase order number.
    #[arg(long)]
    po: String,
    /// The quote this order accepts.
    #[arg(long)]
    quote: Option<String>,
    /// A line: SKU=QUANTITY, in pieces (repeatable).
    #[arg(long = "line", required = true, value_parser = parse_line)]
    lines: Vec<(String, u64)>,
    /// Where the goods go: the address as JSON, or @FILE.
    #[arg(long, value_parser = parse_address)]
    ship_to: Address,
    /// The most the order may cost, e.g. "EUR 250.00".
    #[arg(long, value_parser = parse_money)]
    max_total: Money,
    /// Your key for this order: run the same command again with the same key and no second
    /// order is placed.
    #[arg(long)]
    idempotency_key: String,
    /// Ship only complete (`ship-complete`), cancel what cannot ship now
    /// (`cancel-backorders`), or allow partial deliveries (`allow`).
    #[arg(long, default_value = "allow", value_parser = parse_partial)]
    partial: PartialDelivery,
}

/// `mercato api`: any operation of the catalogue, by its `operationId`.
#[derive(Args, Debug)]
pub struct ApiArgs {
    #[command(flatten)]
    target: Target,
    /// The operation's id, as in /openapi.json (`listSuppliers`, `getOrder`); without it, the
    /// operations are listed.
    operation: Option<String>,
    /// A path or query parameter: NAME=VALUE (repeatable).
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// The request body: JSON, or @FILE.
    #[arg(long)]
    body: Option<String>,
    /// Your key, for an operation that changes state: the same key again acts once.
    #[arg(long)]
    idempotency_key: Option<String>,
}

/// `mercato orders`.
#[derive(Args, Debug)]
pub struct OrdersArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    action: OrdersAction,
}

/// `mercato approvals`.
#[derive(Args, Debug)]
pub struct ApprovalsArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    action: Option<ApprovalsAction>,
}

#[derive(Subcommand, Debug)]
enum ApprovalsAction {
    /// Orders waiting for a decision (the default).
    List,
    /// One approval.
    Show {
        /// The approval id (`apr-…`).
        id: String,
    },
    /// Approve: the order is placed as the client asked.
    Approve {
        /// The approval id.
        id: String,
        /// A note for the record.
        #[arg(long)]
        note: Option<String>,
        /// Your key for this decision (default: a fresh one; the approval itself can only
        /// be decided once).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Reject: nothing is sent.
    Reject {
        /// The approval id.
        id: String,
        /// Your key for this decision (default: a fresh one).
        #[arg(long)]
        idempotency_key: Option<String>,
        /// Why (required): recorded with the decision, as the API's `note`.
        #[arg(long)]
        note: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrdersAction {
    /// An order's current state.
    Get {
        /// Supplier.
        supplier: String,
        /// The supplier's order id or the buyer PO.
        order: String,
    },
    /// Cancel an order, or some of its lines.
    Cancel {
        /// Supplier.
        supplier: String,
        /// The supplier's order id.
        order: String,
        /// Your key for this cancellation.
        #[arg(long)]
        idempotency_key: String,
        /// Cancel only this line (repeatable).
        #[arg(long = "line")]
        lines: Vec<String>,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// An order's shipments.
    Shipments {
        /// Supplier.
        supplier: String,
        /// The supplier's order id.
        order: String,
    },
    /// An order's invoices.
    Invoices {
        /// Supplier.
        supplier: String,
        /// The supplier's order id.
        order: String,
    },
    /// Ask to return goods.
    Return {
        /// Supplier.
        supplier: String,
        /// The supplier's order id.
        order: String,
        /// Your key for this return.
        #[arg(long)]
        idempotency_key: String,
        /// A line: LINE-ID=QUANTITY (repeatable).
        #[arg(long = "line", required = true, value_parser = parse_line)]
        lines: Vec<(String, u64)>,
        /// Why (damaged, defective, wrong-item, not-needed, ordered-in-error, other).
        #[arg(long, default_value = "other", value_parser = parse_reason)]
        reason: ReturnReason,
    },
}

/// A connected backend.
enum Backend {
    Remote {
        http: ureq::Agent,
        base: String,
        key: String,
    },
    Embedded {
        host: Box<Host>,
        client: Arc<Client>,
    },
}

/// A failed call: the problem details, whichever way they came.
struct Failed(Problem);

impl Backend {
    /// The running server at `server`, called with the client's API `key`.
    fn remote(server: &str, key: Option<String>) -> anyhow::Result<Self> {
        let key = key.context("a server needs the client's API key: --key or MERCATO_API_KEY")?;
        let http: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            // Problem details come with 4xx and 5xx statuses: read them, not error out.
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Backend::Remote {
            http,
            base: server.trim_end_matches('/').to_string(),
            key,
        })
    }

    async fn connect(t: &Target) -> anyhow::Result<Self> {
        if let Some(server) = &t.server {
            return Backend::remote(server, t.key.clone());
        }
        let host = assemble(&t.source).await?;
        let clients = host.service.clients();
        let client = match (&t.client, &t.key) {
            (Some(id), _) => clients
                .by_id(id)
                .with_context(|| format!("no client `{id}` in the policy"))?,
            (None, Some(key)) => clients
                .by_key(key)
                .context("the API key is not the key of any client in the policy")?,
            (None, None) if host.generated_key.is_some() => clients
                .by_key(host.generated_key.as_deref().unwrap_or_default())
                .context("the demo client")?,
            (None, None) => bail!("say which client to act as: --client ID or --key KEY"),
        };
        Ok(Backend::Embedded {
            host: Box::new(host),
            client,
        })
    }

    /// Call operation `O`, on the server or in the embedded host.
    async fn call<O: Operation>(
        &self,
        params: O::Params,
        body: O::Body,
        key: Option<IdempotencyKey>,
    ) -> anyhow::Result<Result<O::Output, Failed>> {
        match self {
            Backend::Embedded { host, client } => {
                let outcome = O::run(&host.service, client, Call::new(params, body, key)).await;
                Ok(outcome.map_err(|e| Failed(e.to_problem(None))))
            }
            Backend::Remote { .. } => {
                let (path, query) = locate(O::SPEC.path, &params)?;
                let body = O::Body::absent().is_none().then_some(&body);
                self.send(O::SPEC.verb, &path, &query, body, key.as_ref())
                    .await
            }
        }
    }

    /// One HTTP exchange with the server: the answer, or the problem it sent.
    async fn send<R: DeserializeOwned>(
        &self,
        verb: Verb,
        path: &str,
        query: &[(String, String)],
        body: Option<&(impl Serialize + ?Sized)>,
        key: Option<&IdempotencyKey>,
    ) -> anyhow::Result<Result<R, Failed>> {
        let Backend::Remote {
            http,
            base,
            key: api_key,
        } = self
        else {
            unreachable!("only remote backends send HTTP");
        };
        let url = format!("{base}{path}");
        let auth = format!("Bearer {api_key}");
        let body = body.map(serde_json::to_value).transpose()?;
        let idempotency = key.map(|k| k.as_str().to_string());
        let http = http.clone();
        let query = query.to_vec();
        // ureq is blocking: run the exchange on the blocking pool.
        let (status, bytes) = tokio::task::spawn_blocking(move || {
            let response = match verb {
                Verb::Get => http
                    .get(&url)
                    .header("authorization", &auth)
                    .query_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .call(),
                Verb::Post => {
                    let mut req = http
                        .post(&url)
                        .header("authorization", &auth)
                        .query_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    if let Some(k) = &idempotency {
                        req = req.header("idempotency-key", k);
                    }
                    match &body {
                        Some(b) => req.send_json(b),
                        None => req.send_empty(),
                    }
                }
            };
            let response = response.with_context(|| format!("calling {url}"))?;
            let status = response.status();
            let bytes = response
                .into_body()
                .read_to_vec()
                .context("reading the response")?;
            anyhow::Ok((status, bytes))
        })
        .await??;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map(Ok).with_context(|| {
                format!("the server's answer to {path} is not what the API defines")
            });
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) => Ok(Err(Failed(p))),
            Err(_) => bail!(
                "HTTP {status} from {path}: {}",
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ),
        }
    }
}

/// The path of an operation's URL with `params` in it, and the parameters left for the
/// query: the path template's `{name}`s take the parameters of that name, percent-encoded.
fn locate(
    template: &str,
    params: &impl Serialize,
) -> anyhow::Result<(String, Vec<(String, String)>)> {
    let serde_json::Value::Object(params) = serde_json::to_value(params)? else {
        bail!("the parameters of {template} are not an object");
    };
    let mut path = template.to_string();
    let mut query = Vec::new();
    for (name, value) in params {
        let value = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        let slot = format!("{{{name}}}");
        if path.contains(&slot) {
            let Some(encoded) = op::path_segment(&value) else {
                bail!("{name}: {value:?} cannot be a path segment");
            };
            path = path.replace(&slot, &encoded);
        } else {
            query.push((name, value));
        }
    }
    Ok((path, query))
}

/// Print `outcome` as JSON or with `table`; a failure prints its problem and exits non-zero.
fn finish<T: Serialize>(
    json: bool,
    outcome: Result<T, Failed>,
    table: impl FnOnce(&T) -> String,
) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(value) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print!("{}", table(&value));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Failed(problem)) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&problem)?);
            } else {
                eprintln!("{}", render::problem(&problem));
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A spinner on stderr while suppliers are asked (hidden when stderr is not a terminal).
fn progress(what: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(what.to_string());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(80));
    bar
}

/// `mercato search`.
pub async fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::connect(&args.target).await?;
    let req = SearchRequest {
        text: Some(args.text.join(" ")),
        in_stock_only: args.in_stock,
        page_size: Some(args.page_size),
        scope: args.scope.scope(),
        ..SearchRequest::default()
    };
    let bar = progress("asking every supplier");
    let outcome = backend.call::<op::Search>(Empty {}, req, None).await?;
    bar.finish_and_clear();
    finish(args.target.json, outcome, render::search)
}

/// `mercato offers`.
pub async fn offers(args: OffersArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::connect(&args.target).await?;
    let req = OffersRequest {
        text: args.text.join(" "),
        quantity: Quantity {
            steps: args.quantity,
            unit: args.unit.clone(),
            scale: 0,
        },
        must_match: args.must_match.clone(),
        page_size: None,
        max_pages: args.max_pages,
        scope: args.scope.scope(),
    };
    let bar = progress("asking every supplier and ranking");
    let outcome = backend
        .call::<op::CompareOffers>(Empty {}, req, None)
        .await?;
    bar.finish_and_clear();
    finish(args.target.json, outcome, render::offers)
}

/// `mercato quote`.
pub async fn quote(args: QuoteArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::connect(&args.target).await?;
    let req = QuotesRequest {
        request: QuoteRequest {
            lines: numbered(&args.lines, |line_id, item, quantity| QuoteLineRequest {
                line_id,
                item,
                offer_token: None,
                quantity,
                target_unit_price: None,
            }),
            ship_to: args.ship_to.clone(),
            requested_delivery: None,
            currency: args.currency.clone(),
            requested_valid_until: None,
            allow_substitutes: false,
            incoterms: None,
            buyer_reference: args.reference.clone(),
            notes: None,
        },
        suppliers: (!args.suppliers.is_empty()).then(|| args.suppliers.clone()),
        deadline_ms: None,
    };
    let bar = progress("asking suppliers to quote");
    let outcome = backend
        .call::<op::RequestQuotes>(Empty {}, req, None)
        .await?;
    bar.finish_and_clear();
    finish(args.target.json, outcome, render::quotes)
}

/// `mercato order`.
pub async fn order(args: OrderArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::connect(&args.target).await?;
    let key = IdempotencyKey::parse(&args.idempotency_key).map_err(|e| anyhow::anyhow!("{e}"))?;
    let req = PlaceOrder {
        supplier: args.supplier.clone(),
        buyer_po: args.po.clone(),
        quote_id: args.quote.clone(),
        lines: numbered(&args.lines, |line_id, item, quantity| OrderLineRequest {
            line_id,
            item,
            offer_token: None,
            quantity,
            expected_unit_price: None,
        }),
        ship_to: args.ship_to.clone(),
        bill_to: None,
        fulfillment_option_id: None,
        requested_delivery: None,
        partial_delivery: args.partial,
        max_total: args.max_total.clone(),
        payment: PaymentInstruction::OnAccount { payment_term: None },
        notes: None,
        deadline_ms: None,
    };
    let outcome = backend
        .call::<op::PlaceOrder>(Empty {}, req, Some(key))
        .await?;
    finish(args.target.json, outcome, render::order)
}

/// `mercato orders`.
pub async fn orders(args: OrdersArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::connect(&args.target).await?;
    let json = args.target.json;
    match args.action {
        OrdersAction::Get { supplier, order } => {
            let outcome = backend
                .call::<op::GetOrder>(order_ref(supplier, order), Empty {}, None)
                .await?;
            finish(json, outcome, render::order)
        }
        OrdersAction::Cancel {
            supplier,
            order,
            idempotency_key,
            lines,
            reason,
        } => {
            let key =
                IdempotencyKey::parse(&idempotency_key).map_err(|e| anyhow::anyhow!("{e}"))?;
            let body = CancelBody {
                line_ids: lines,
                reason,
            };
            let outcome = backend
                .call::<op::CancelOrder>(order_ref(supplier, order), body, Some(key))
                .await?;
            finish(json, outcome, render::cancel)
        }
        OrdersAction::Shipments { supplier, order } => {
            let outcome = backend
                .call::<op::ListShipments>(order_ref(supplier, order), Empty {}, None)
                .await?;
            finish(json, outcome, |v| render::shipments(v))
        }
        OrdersAction::Invoices { supplier, order } => {
            let outcome = backend
                .call::<op::ListInvoices>(order_ref(supplier, order), Empty {}, None)
                .await?;
            finish(json, outcome, |v| render::invoices(v))
        }
        OrdersAction::Return {
            supplier,
            order,
            idempotency_key,
            lines,
            reason,
        } => {
            let key =
                IdempotencyKey::parse(&idempotency_key).map_err(|e| anyhow::anyhow!("{e}"))?;
            let body = ReturnBody {
                lines: lines
                    .iter()
                    .map(|(line_id, qty)| ReturnLine {
                        line_id: line_id.clone(),
                        quantity: Quantity::pieces(*qty),
                        reason,
                    })
                    .collect(),
                notes: None,
            };
            let outcome = backend
                .call::<op::RequestReturn>(order_ref(supplier, order), body, Some(key))
                .await?;
            finish(json, outcome, render::return_authorization)
        }
    }
}

/// `mercato mandates --server URL`: the mandates the key's client may see on a running
/// server, with what each budget has used this period.
pub async fn mandates(server: &str, key: Option<String>, json: bool) -> anyhow::Result<ExitCode> {
    let backend = Backend::remote(server, key)?;
    let outcome = backend
        .call::<op::ListMandates>(Empty {}, Empty {}, None)
        .await?;
    finish(json, outcome, render::mandates)
}

/// `mercato approvals`.
pub async fn approvals(args: ApprovalsArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::connect(&args.target).await?;
    let json = args.target.json;
    match args.action.unwrap_or(ApprovalsAction::List) {
        ApprovalsAction::List => {
            let outcome = backend
                .call::<op::ListApprovals>(Empty {}, Empty {}, None)
                .await?;
            finish(json, outcome, |r| {
                if r.approvals.is_empty() {
                    "No orders are waiting for approval.".to_string()
                } else {
                    render::approvals(&r.approvals)
                }
            })
        }
        ApprovalsAction::Show { id } => {
            let outcome = backend
                .call::<op::GetApproval>(ApprovalRef { approval_id: id }, Empty {}, None)
                .await?;
            finish(json, outcome, |a| {
                render::approvals(std::slice::from_ref(a))
            })
        }
        ApprovalsAction::Approve {
            id,
            note,
            idempotency_key,
        } => {
            let key = decision_key(idempotency_key)?;
            let outcome = backend
                .call::<op::ApproveOrder>(
                    ApprovalRef { approval_id: id },
                    ApproveBody { note },
                    Some(key),
                )
                .await?;
            finish(json, outcome, |a| {
                render::approvals(std::slice::from_ref(a))
            })
        }
        ApprovalsAction::Reject {
            id,
            note,
            idempotency_key,
        } => {
            let key = decision_key(idempotency_key)?;
            let outcome = backend
                .call::<op::RejectOrder>(
                    ApprovalRef { approval_id: id },
                    RejectBody { note },
                    Some(key),
                )
                .await?;
            finish(json, outcome, |a| {
                render::approvals(std::slice::from_ref(a))
            })
        }
    }
}

/// `mercato api`: call one operation by id and print its JSON answer (or problem); without
/// an id, list the operations.
pub async fn api(args: ApiArgs) -> anyhow::Result<ExitCode> {
    let Some(id) = args.operation.as_deref() else {
        let mut list = Listing(Vec::new());
        op::visit(&mut list);
        println!("{}", list.0.join("\n"));
        return Ok(ExitCode::SUCCESS);
    };
    let mut find = Find { id, found: None };
    op::visit(&mut find);
    let Some(call) = find.found else {
        bail!("there is no operation `{id}`; `mercato api` lists them");
    };
    let backend = Backend::connect(&args.target).await?;
    call(&backend, &args).await
}

/// Each operation in a line: id, method, path, summary.
struct Listing(Vec<String>);

impl op::Visitor for Listing {
    fn visit<O: Operation>(&mut self) {
        let s = O::SPEC;
        self.0.push(format!(
            "{:<18} {:<5} {:<42} {}",
            s.id,
            s.verb.method().as_str(),
            s.path,
            s.summary
        ));
    }
}

/// How `mercato api` calls the operation it names.
type ApiCall = for<'a> fn(&'a Backend, &'a ApiArgs) -> BoxFuture<'a, anyhow::Result<ExitCode>>;

/// Finds the operation with id `id`.
struct Find<'i> {
    id: &'i str,
    found: Option<ApiCall>,
}

impl op::Visitor for Find<'_> {
    fn visit<O: Operation>(&mut self) {
        if O::SPEC.id == self.id {
            self.found = Some(api_call::<O>);
        }
    }
}

/// Call `O` with the arguments' parameters, body and key, checked here as the server checks
/// them (same words), and print the JSON answer.
fn api_call<'a, O: Operation>(
    backend: &'a Backend,
    args: &'a ApiArgs,
) -> BoxFuture<'a, anyhow::Result<ExitCode>> {
    Box::pin(async move {
        let id = O::SPEC.id;
        let mut params = serde_json::Map::new();
        for (name, value) in &args.params {
            if params
                .insert(name.clone(), serde_json::Value::String(value.clone()))
                .is_some()
            {
                bail!("--param {name} is given more than once");
            }
        }
        let params: O::Params = body::parse_value(serde_json::Value::Object(params), "parameter")
            .map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
        let body = match (O::Body::absent(), &args.body) {
            (Some(_), Some(_)) => bail!("{id} takes no body"),
            (Some(nothing), None) => nothing,
            (None, None) => bail!("{id} needs a body: --body JSON or --body @FILE"),
            (None, Some(text)) => {
                let text = match text.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path)
                        .with_context(|| format!("reading the body from {path}"))?,
                    None => text.clone(),
                };
                body::parse(text.as_bytes()).map_err(|e| anyhow::anyhow!("{id}: {e}"))?
            }
        };
        let key = match (O::SPEC.keyed, &args.idempotency_key) {
            (true, Some(k)) => Some(IdempotencyKey::parse(k).map_err(|e| anyhow::anyhow!("{e}"))?),
            (true, None) => bail!("{id} changes state: pass --idempotency-key"),
            (false, Some(_)) => bail!("{id} changes nothing and takes no --idempotency-key"),
            (false, None) => None,
        };
        let outcome = backend.call::<O>(params, body, key).await?;
        finish(true, outcome, |_| String::new())
    })
}

/// The parameters naming an order.
fn order_ref(supplier: String, order_id: String) -> OrderRef {
    OrderRef { supplier, order_id }
}

/// The key of a person's decision: the one given, or a fresh one.
fn decision_key(given: Option<String>) -> anyhow::Result<IdempotencyKey> {
    let key = given.unwrap_or_else(|| format!("decision-{}", mercato::clients::request_id()));
    IdempotencyKey::parse(&key).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The `--line SKU=QTY` arguments as request lines numbered from 1; `line` makes one from its
/// id, the SKU and the pieces (quote and order lines differ only in their price field).
fn numbered<T>(lines: &[(String, u64)], line: impl Fn(String, ItemRef, Quantity) -> T) -> Vec<T> {
    (1..)
        .zip(lines)
        .map(|(n, (sku, qty))| {
            line(
                n.to_string(),
                ItemRef::Sku { sku: sku.clone() },
                Quantity::pieces(*qty),
            )
        })
        .collect()
}

fn parse_line(s: &str) -> Result<(String, u64), String> {
    let (id, qty) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("{s:?}: write ID=QUANTITY"))?;
    let qty: u64 = qty
        .parse()
        .map_err(|_| format!("{s:?}: {qty:?} is not a whole number"))?;
    if id.is_empty() || qty == 0 {
        return Err(format!("{s:?}: needs an id and a quantity above 0"));
    }
    Ok((id.to_string(), qty))
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("{s:?}: write NAME=VALUE")),
    }
}

fn parse_address(s: &str) -> Result<Address, String> {
    let text = match s.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
        None => s.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "not an address ({e}); e.g. {{\"location_id\":null,\"name\":null,\"organization\":\"Acme\",\"lines\":[\"Street 1\"],\"city\":\"Stuttgart\",\"region\":null,\"postal_code\":\"70173\",\"country\":\"DE\",\"contact\":null}}"
        )
    })
}

fn parse_money(s: &str) -> Result<Money, String> {
    mercato::display::parse_money(s).map(Money::from)
}

fn parse_partial(s: &str) -> Result<PartialDelivery, String> {
    api_value(s, "allow, ship_complete, cancel_backorders")
}

fn parse_reason(s: &str) -> Result<ReturnReason, String> {
    api_value(
        s,
        "damaged, defective, wrong_item, not_needed, ordered_in_error, other",
    )
}

/// An enum value as the API writes it (`ship_complete`; `ship-complete` is taken too).
fn api_value<T: DeserializeOwned>(s: &str, allowed: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.replace('-', "_")))
        .map_err(|_| format!("{s:?}: one of {allowed}"))
}
