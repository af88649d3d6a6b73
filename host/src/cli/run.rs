//! `mercato run`: call one operation of one adapter in the real sandbox and print the answer,
//! for an adapter's author debugging it. `--trace` logs every outbound HTTP exchange.

use anyhow::{Context as _, bail};
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use mercato::contract::*;
use mercato::policy::Policy;
use mercato::sandbox::{Grants, HostGrant};
use mercato::signing::TrustStore;
use mercato::{AdapterHost, HostConfig, LoadedAdapter, Operation};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RunArgs {
    /// The adapter's `.wasm` file.
    adapter: PathBuf,
    /// The operation, as the contract names it.
    #[arg(value_parser = operation())]
    operation: Operation,
    /// The operation's arguments as JSON (e.g. search: `{"text":"hex bolt","page_size":5}`).
    #[arg(long, default_value = "{}")]
    json: String,
    /// Load the adapter with this host policy's grants and limits, as `mercato serve` would.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Give a setting the manifest declares (repeatable): `--setting base-url=http://…`.
    #[arg(long = "setting", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Give a secret the manifest declares (repeatable): `--secret api-key=…`.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    secrets: Vec<String>,
    /// Grant a destination the manifest asks for (repeatable); loopback and private
    /// addresses are allowed, for a supplier's test backend.
    #[arg(long = "allow", value_name = "URL")]
    allow: Vec<String>,
    /// Log every outbound HTTP exchange (method, URL, status, time) to stderr.
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

pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let adapter = load(&args).await?;
    let ctx = context();
    let json = args.json.as_str();
    match args.operation {
        Operation::Describe => print(adapter.describe().await),
        Operation::Search => {
            let a: SearchArgs = parse(json)?;
            let query = SearchQuery {
                text: a.text,
                categories: a.categories,
                in_stock_only: a.in_stock_only,
                page_size: a.page_size,
                cursor: a.cursor,
            };
            print(adapter.search(&ctx, &query).await)
        }
        Operation::GetItems => {
            let a: RefsArgs = parse(json)?;
            print(adapter.get_items(&ctx, &a.refs).await)
        }
        Operation::CheckAvailability => {
            let a: AvailabilityArgs = parse(json)?;
            print(
                adapter
                    .check_availability(&ctx, &a.lines, a.ship_to.as_ref())
                    .await,
            )
        }
        Operation::RequestQuote => print(adapter.request_quote(&ctx, &parse(json)?).await),
        Operation::GetQuote => {
            let a: QuoteIdArgs = parse(json)?;
            print(adapter.get_quote(&ctx, &a.quote_id).await)
        }
        Operation::PlaceOrder => print(adapter.place_order(&ctx, &parse(json)?).await),
        Operation::GetOrder => {
            let a: OrderIdArgs = parse(json)?;
            print(adapter.get_order(&ctx, &a.order_id).await)
        }
        Operation::CancelOrder => print(adapter.cancel_order(&ctx, &parse(json)?).await),
        Operation::ListShipments => {
            let a: OrderIdArgs = parse(json)?;
            print(adapter.list_shipments(&ctx, &a.order_id).await)
        }
        Operation::ListInvoices => {
            let a: OrderIdArgs = parse(json)?;
            print(adapter.list_invoices(&ctx, &a.order_id).await)
        }
        Operation::RequestReturn => print(adapter.request_return(&ctx, &parse(json)?).await),
        Operation::HandleInbound => print(adapter.handle_inbound(&ctx, &parse(json)?).await),
    }
}

/// Load the adapter under the policy's grants, or the command line's. Without a policy an
/// unsigned adapter is accepted: this is its author's machine.
async fn load(args: &RunArgs) -> anyhow::Result<LoadedAdapter> {
    let bytes = std::fs::read(&args.adapter)
        .with_context(|| format!("reading {}", args.adapter.display()))?;
    let (config, mut grants) = match &args.policy {
        Some(path) => {
            let policy = Policy::load(path)?;
            let grants = super::admin::grants_for(&policy, &args.adapter, &bytes);
            (policy.host, grants)
        }
        None => (
            HostConfig {
                trust: TrustStore::new().allow_unsigned(true),
                ..HostConfig::default()
            },
            Grants::default(),
        ),
    };
    for (key, value) in pairs("--setting", &args.settings)? {
        grants = grants.setting(key, value);
    }
    for (name, value) in pairs("--secret", &args.secrets)? {
        grants = grants.secret(name, value.into_bytes());
    }
    for url in &args.allow {
        let grant = HostGrant::local(url).map_err(|e| anyhow::anyhow!("--allow {url}: {e}"))?;
        grants = grants.host(grant);
    }
    let host = AdapterHost::new(config)?;
    host.load(bytes, grants)
        .await
        .with_context(|| format!("loading {}", args.adapter.display()))
}

fn pairs(flag: &str, values: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|v| match v.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("{flag} {v:?}: expected NAME=VALUE"),
        })
        .collect()
}

fn parse<T: DeserializeOwned>(json: &str) -> anyhow::Result<T> {
    serde_json::from_str(json).context("--json does not match the operation's arguments")
}

/// The answer as JSON on stdout; a failure as the contract's typed error on stderr, exit 1.
fn print<T: serde::Serialize>(answer: Result<T, mercato::CallError>) -> anyhow::Result<ExitCode> {
    match answer {
        Ok(value) => {
            println!("{}", serde_json::to_string_pretty(&value)?);
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
