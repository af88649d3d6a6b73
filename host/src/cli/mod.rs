//! Command-line interface of the `mercato` binary: parse arguments, run one command.
//!
//! - [`admin`]: keys, signatures and audit reports (publishers and security reviewers).
//! - [`serve`]: `mercato serve` and `mercato mcp`, and assembling a host from a policy or the
//!   demo.
//! - [`client`]: `search`, `offers`, `quote`, `order`, `orders` against a running server or an
//!   embedded host; [`render`] prints their answers as tables.

mod adapter_args;
mod admin;
mod client;
mod ledger;
mod new;
mod render;
mod run;
mod serve;
mod test_adapter;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Mercato: one interface for machine customers to search, quote and order across suppliers.
#[derive(Parser)]
#[command(name = "mercato", version, about)]
struct Cli {
    /// Log filter (e.g. `info`, `mercato=debug`); also read from RUST_LOG.
    #[arg(long, global = true, env = "RUST_LOG", default_value = "warn")]
    log: String,
    /// Log format: human-readable text or one JSON object per line.
    #[arg(
        long,
        global = true,
        env = "MERCATO_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Start simulated suppliers, load the bundled adapters and walk one machine customer's
    /// purchase from search to a deduplicated order.
    #[cfg(feature = "demo")]
    Demo,
    /// Serve the HTTP API (OpenAPI at /openapi.json, MCP at /mcp, metrics at /metrics).
    Serve(serve::ServeArgs),
    /// Serve MCP on stdin/stdout for one AI agent, as one client of the policy.
    Mcp(serve::McpArgs),
    /// Search every supplier at once.
    Search(client::SearchArgs),
    /// Rank every supplier's offer for a wanted quantity.
    Offers(client::OffersArgs),
    /// Ask suppliers for quotes.
    Quote(client::QuoteArgs),
    /// Place an order with one supplier.
    Order(client::OrderArgs),
    /// Look up, cancel, track, and return orders.
    Orders(client::OrdersArgs),
    /// Orders waiting for a person: list, approve, reject.
    Approvals(client::ApprovalsArgs),
    /// Any operation of the API by its operationId (without one, they are listed):
    /// parameters as --param NAME=VALUE, the body as --body JSON; prints the JSON answer.
    Api(client::ApiArgs),
    /// Spend mandates and what each has used this period (policy and ledger, or a server).
    Mandates(ledger::MandatesArgs),
    /// The ledger: export orders for accounting.
    Ledger(ledger::LedgerArgs),
    /// Start something new from a built-in template: `mercato new adapter NAME`.
    New(new::NewArgs),
    /// Call one operation of an adapter in the sandbox and print the answer, for debugging.
    Run(run::RunArgs),
    /// Run the conformance suite against an adapter in the sandbox: a report, optionally
    /// JUnit XML, and a non-zero exit unless every case passes.
    TestAdapter(test_adapter::TestAdapterArgs),
    /// Create a publisher signing key: NAME.key (secret, mode 0600) and NAME.pub.
    Keygen {
        /// Path prefix of the two files.
        name: PathBuf,
    },
    /// Sign an adapter with a publisher key (replacing any signature it carries).
    Sign {
        /// The adapter's `.wasm` file.
        adapter: PathBuf,
        /// The secret key file from `mercato keygen`.
        #[arg(long)]
        key: PathBuf,
        /// Where to write the signed adapter; default: in place.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check an adapter's signature, and with a policy whether its key is trusted. Exits
    /// non-zero unless the adapter would be accepted.
    Verify {
        /// The adapter's `.wasm` file.
        adapter: PathBuf,
        /// The host policy whose trust store to use.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Internal: compile one component read from stdin under a memory limit and write the
    /// artefact to stdout. The host runs this as its compiling child process.
    #[command(hide = true)]
    CompileWorker {
        /// The memory limit to set before compiling.
        #[arg(long)]
        memory_bytes: u64,
        /// The engine's wasm stack size.
        #[arg(long)]
        max_wasm_stack: usize,
        /// Whether the engine meters fuel.
        #[arg(long)]
        consume_fuel: bool,
    },
    /// Print the audit report of an adapter: identity, signature and trust, contract, imports
    /// and exports, what it asks for, what the policy grants, the limits, what is refused.
    Inspect {
        /// The adapter's `.wasm` file.
        adapter: PathBuf,
        /// The host policy to evaluate it under; without one, the host's defaults and no grants.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The report as JSON (schema `mercato.audit/v1`).
        #[arg(long)]
        json: bool,
    },
}

/// Run the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The compiling child: no logs, no async runtime, nothing that takes address space.
    if let Command::CompileWorker {
        memory_bytes,
        max_wasm_stack,
        consume_fuel,
    } = cli.command
    {
        return mercato::engine::isolate::worker(memory_bytes, max_wasm_stack, consume_fuel);
    }
    let mut filter = cli.log.clone();
    if matches!(&cli.command, Command::Run(run) if run.trace) {
        filter.push_str(",mercato::outbound=trace");
    }
    let filter = tracing_subscriber::EnvFilter::new(mercato::logline::with_quiet_runtime(&filter));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(mercato::logline::OneLine::new(std::io::stderr, ansi));
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        #[cfg(feature = "demo")]
        Command::Demo => {
            let mut out = std::io::stdout().lock();
            mercato::demo::run(&mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve::serve(args).await,
        Command::Mcp(args) => serve::mcp(args).await,
        Command::Search(args) => client::search(args).await,
        Command::Offers(args) => client::offers(args).await,
        Command::Quote(args) => client::quote(args).await,
        Command::Order(args) => client::order(args).await,
        Command::Orders(args) => client::orders(args).await,
        Command::Approvals(args) => client::approvals(args).await,
        Command::Api(args) => client::api(args).await,
        Command::Mandates(args) => ledger::mandates(args).await,
        Command::Ledger(args) => ledger::ledger(args),
        Command::New(args) => new::run(args),
        Command::Run(args) => run::run(args).await,
        Command::TestAdapter(args) => test_adapter::run(args).await,
        Command::Keygen { name } => admin::keygen(&name),
        Command::Sign { adapter, key, out } => admin::sign(&adapter, &key, out.as_deref()),
        Command::Verify { adapter, policy } => admin::verify(&adapter, policy.as_deref()),
        Command::CompileWorker {
            memory_bytes,
            max_wasm_stack,
            consume_fuel,
        } => Ok(mercato::engine::isolate::worker(
            memory_bytes,
            max_wasm_stack,
            consume_fuel,
        )),
        Command::Inspect {
            adapter,
            policy,
            json,
        } => admin::inspect(&adapter, policy.as_deref(), json),
    }
}

/// Compile adapters in a child of this executable whose memory is capped at `memory_bytes`,
/// so no component can take the host's memory while it compiles.
pub fn isolate_compilation(
    engine: &mut mercato::EngineConfig,
    memory_bytes: u64,
) -> anyhow::Result<()> {
    engine.compile_in = mercato::engine::CompileIn::Child {
        program: std::env::current_exe()?,
        memory_bytes,
    };
    Ok(())
}
