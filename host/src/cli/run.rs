//! `mercato run`: call one operation of one adapter in the real sandbox and print the answer,
//! for an adapter's author debugging it. `--trace` logs every outbound HTTP exchange.

use super::adapter_args::AdapterArgs;
use anyhow::Context as _;
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use mercato::contract::*;
use mercato::{LoadedAdapter, Operation};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::process::ExitCode;

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    target: AdapterArgs,
    /// The operation, as the contract names it.
    #[arg(value_parser = operation())]
    operation: Operation,
    /// The operation's arguments as JSON (e.g. search: `{"text":"hex bolt","page_size":5}`).
    #[arg(long, default_value = "{}")]
    json: String,
    /// Log every outbound HTTP exchange to stderr: method, URL, status, time, and the first
    /// 16 KiB of each request and response body (never the credentials the host attaches).
    #[arg(long)]
    pub trace: bool,
}

/// The contract's operation names, which `--help` lists.
fn operation() -> impl clap::builder::TypedValueParser<Value = Operation> {
    PossibleValuesParser::new(Operation::ALL.map(Operation::name))
        .map(|name| Operation::parse(&name).expect("a possible value names an operation"))
}

/// `search`'s arguments, with the defaults a person typing them expects.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    text: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    in_stock_only: bool,
    #[serde(default = "default_page_size")]
    page_size: u32,
    cursor: Option<String>,
}

fn default_page_size() -> u32 {
    10
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefsArgs {
    refs: Vec<ItemRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityArgs {
    lines: Vec<AvailabilityRequest>,
    ship_to: Option<Address>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteIdArgs {
    quote_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderIdArgs {
    order_id: String,
}

/// One call, its arguments parsed from `--json` before anything is loaded.
enum Call {
    Describe,
    CheckConnection,
    Search(SearchQuery),
    GetItems(Vec<ItemRef>),
    CheckAvailability(Vec<AvailabilityRequest>, Option<Address>),
    RequestQuote(QuoteRequest),
    GetQuote(String),
    /// Boxed: an order request is several times larger than any other call.
    PlaceOrder(Box<OrderRequest>),
    GetOrder(String),
    CancelOrder(CancelRequest),
    ListShipments(String),
    ListInvoices(String),
    RequestReturn(ReturnRequest),
    HandleInbound(InboundDocument),
}

impl Call {
    fn parse(operation: Operation, json: &str) -> anyhow::Result<Call> {
        Ok(match operation {
            Operation::Describe => Call::Describe,
            Operation::CheckConnection => Call::CheckConnection,
            Operation::Search => {
                let a: SearchArgs = parse(json)?;
                Call::Search(SearchQuery {
                    text: a.text,
                    categories: a.categories,
                    in_stock_only: a.in_stock_only,
                    page_size: a.page_size,
                    cursor: a.cursor,
                })
            }
            Operation::GetItems => Call::GetItems(parse::<RefsArgs>(json)?.refs),
            Operation::CheckAvailability => {
                let a: AvailabilityArgs = parse(json)?;
                Call::CheckAvailability(a.lines, a.ship_to)
            }
            Operation::RequestQuote => Call::RequestQuote(parse(json)?),
            Operation::GetQuote => Call::GetQuote(parse::<QuoteIdArgs>(json)?.quote_id),
            Operation::PlaceOrder => Call::PlaceOrder(Box::new(parse(json)?)),
            Operation::GetOrder => Call::GetOrder(parse::<OrderIdArgs>(json)?.order_id),
            Operation::CancelOrder => Call::CancelOrder(parse(json)?),
            Operation::ListShipments => Call::ListShipments(parse::<OrderIdArgs>(json)?.order_id),
            Operation::ListInvoices => Call::ListInvoices(parse::<OrderIdArgs>(json)?.order_id),
            Operation::RequestReturn => Call::RequestReturn(parse(json)?),
            Operation::HandleInbound => Call::HandleInbound(parse(json)?),
        })
    }

    async fn send(self, a: &LoadedAdapter, ctx: &CallContext) -> anyhow::Result<ExitCode> {
        match self {
            Call::Describe => print(a.describe().await),
            Call::CheckConnection => print(a.check_connection(ctx).await),
            Call::Search(q) => print(a.search(ctx, &q).await),
            Call::GetItems(refs) => print(a.get_items(ctx, &refs).await),
            Call::CheckAvailability(lines, ship_to) => {
                print(a.check_availability(ctx, &lines, ship_to.as_ref()).await)
            }
            Call::RequestQuote(req) => print(a.request_quote(ctx, &req).await),
            Call::GetQuote(id) => print(a.get_quote(ctx, &id).await),
            Call::PlaceOrder(req) => print(a.place_order(ctx, &req).await),
            Call::GetOrder(id) => print(a.get_order(ctx, &id).await),
            Call::CancelOrder(req) => print(a.cancel_order(ctx, &req).await),
            Call::ListShipments(id) => print(a.list_shipments(ctx, &id).await),
            Call::ListInvoices(id) => print(a.list_invoices(ctx, &id).await),
            Call::RequestReturn(req) => print(a.request_return(ctx, &req).await),
            Call::HandleInbound(doc) => print(a.handle_inbound(ctx, &doc).await),
        }
    }
}

pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let call = Call::parse(args.operation, &args.json)?;
    let adapter = args.target.load().await?;
    call.send(&adapter, &context()).await
}

fn parse<T: DeserializeOwned>(json: &str) -> anyhow::Result<T> {
    serde_json::from_str(json).context("--json does not match the operation's arguments")
}

/// The answer as JSON on stdout; a failure as the contract's typed error on stderr, exit 1.
fn print<T: serde::Serialize>(answer: Result<T, mercato::CallError>) -> anyhow::Result<ExitCode> {
    match answer {
        Ok(value) => {
            use std::io::Write as _;
            let text = serde_json::to_string_pretty(&value)?;
            match writeln!(std::io::stdout().lock(), "{text}") {
                // `mercato run … | head` closed the pipe: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                written => written.context("writing the answer")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A buyer for a debugging call: identified as such, with a deadline the sandbox enforces.
fn context() -> CallContext {
    CallContext {
        request_id: format!("mercato-run-{}", now_ms()),
        buyer: BuyerContext {
            account_id: Some("MERCATO-RUN".to_string()),
            organization: Some("mercato run".to_string()),
            tax_id: None,
            cost_center: None,
            originator: Some("mercato run".to_string()),
            on_behalf_of: None,
        },
        locale: None,
        currency: Some("EUR".to_string()),
        country: Some("DE".to_string()),
        deadline: now_ms() + 30_000,
    }
}
