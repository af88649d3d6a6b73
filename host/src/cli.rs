//! Command-line interface of the `mercato` binary: parse arguments, run one command.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use mercato::{AdapterHost, EngineConfig, Grants};
use std::path::PathBuf;
use std::process::ExitCode;

/// Mercato: one interface for machine customers to search, quote and order across suppliers.
#[derive(Parser)]
#[command(name = "mercato", version, about)]
struct Cli {
    /// Log filter (e.g. `info`, `mercato=debug`); also read from RUST_LOG.
    #[arg(long, global = true, env = "RUST_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start simulated suppliers, load the bundled adapters and walk one machine customer's
    /// purchase from search to a deduplicated order.
    #[cfg(feature = "demo")]
    Demo,
    /// Load an adapter component and print what it declares about itself.
    Describe {
        /// The adapter's `.wasm` file.
        adapter: PathBuf,
    },
}

/// Run the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        #[cfg(feature = "demo")]
        Command::Demo => {
            let mut out = std::io::stdout().lock();
            mercato::demo::run(&mut out).await?;
            Ok(())
        }
        Command::Describe { adapter } => {
            let host = AdapterHost::new(EngineConfig::default())?;
            let loaded = host
                .load_file(&adapter, Grants::default())
                .await
                .with_context(|| format!("loading {}", adapter.display()))?;
            println!("{}", serde_json::to_string_pretty(loaded.profile())?);
            println!("digest {} ({} bytes)", loaded.digest(), loaded.size());
            Ok(())
        }
    }
}
