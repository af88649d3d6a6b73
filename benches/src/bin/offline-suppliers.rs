//! Write N offline suppliers and a host policy serving them, for the gateway load run (P5):
//! `mercato serve --policy DIR/mercato-host.toml` then serves them, and the bench client's key
//! is printed.

use clap::Parser;
use std::path::PathBuf;

/// Write offline suppliers and a host policy that serves them.
#[derive(Parser)]
struct Args {
    /// Directory to write the adapters, the policy and (when served) the ledger into.
    dir: PathBuf,
    /// How many distinct suppliers.
    #[arg(long, default_value_t = 10)]
    suppliers: usize,
    /// Where `mercato serve` listens.
    #[arg(long, default_value = "127.0.0.1:18080")]
    address: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir)?;
    let policy = mercato_benches::write_offline_policy(&args.dir, args.suppliers, &args.address)?;
    println!("policy: {}", policy.display());
    println!("key: {}", mercato_benches::BENCH_KEY);
    Ok(())
}
