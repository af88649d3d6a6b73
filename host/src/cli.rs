//! Command-line interface of the `mercato` binary: parse arguments, run one command.

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use mercato::HostConfig;
use mercato::adapter::{self, package};
use mercato::audit;
use mercato::policy::Policy;
use mercato::sandbox::Grants;
use mercato::signing::{self, SecretKey, Signature};
use std::path::{Path, PathBuf};
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
        Command::Keygen { name } => keygen(&name),
        Command::Sign { adapter, key, out } => sign(&adapter, &key, out.as_deref()),
        Command::Verify { adapter, policy } => verify(&adapter, policy.as_deref()),
        Command::Inspect {
            adapter,
            policy,
            json,
        } => inspect(&adapter, policy.as_deref(), json),
    }
}

fn keygen(name: &Path) -> anyhow::Result<ExitCode> {
    let key = SecretKey::generate()?;
    let secret_path = name.with_extension("key");
    let public_path = name.with_extension("pub");
    if secret_path.exists() {
        bail!(
            "{} exists; refusing to overwrite a key",
            secret_path.display()
        );
    }
    write_private(&secret_path, format!("{}\n", key.to_text()).as_bytes())?;
    std::fs::write(&public_path, format!("{}\n", key.public()))
        .with_context(|| format!("writing {}", public_path.display()))?;
    println!("secret key: {} (keep it private)", secret_path.display());
    println!("public key: {}", key.public());
    Ok(ExitCode::SUCCESS)
}

fn sign(adapter: &Path, key: &Path, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let key_text =
        std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
    let key = SecretKey::parse(&key_text)?;
    let bytes = std::fs::read(adapter).with_context(|| format!("reading {}", adapter.display()))?;
    let signed = signing::sign(&bytes, &key)?;
    let target = out.unwrap_or(adapter);
    std::fs::write(target, &signed).with_context(|| format!("writing {}", target.display()))?;
    let unsigned = package::read(&signed)?.unsigned;
    println!(
        "signed {} ({}) with {}",
        target.display(),
        adapter::Digest::of(unsigned),
        key.public()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(adapter: &Path, policy: Option<&Path>) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(adapter).with_context(|| format!("reading {}", adapter.display()))?;
    let package = package::read(&bytes)?;
    let signature = signing::check(&package);
    let Some(policy) = policy else {
        return Ok(match signature {
            Signature::Valid(key) => {
                println!("valid signature by {key} (no policy given: trust not checked)");
                ExitCode::SUCCESS
            }
            Signature::Unsigned => {
                println!("unsigned");
                ExitCode::FAILURE
            }
            Signature::Invalid { reason, .. } => {
                println!("INVALID signature: {reason}");
                ExitCode::FAILURE
            }
        });
    };
    let policy = Policy::load(policy)?;
    match adapter::inspect(&bytes, &policy.host.trust) {
        Ok(inspected) if inspected.trust.admits() => {
            println!(
                "accepted: {:?} for supplier {}",
                inspected.trust, inspected.manifest.adapter.supplier
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(inspected) => {
            println!(
                "REFUSED: {:?} for supplier {}",
                inspected.trust, inspected.manifest.adapter.supplier
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            println!("REFUSED: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn inspect(path: &Path, policy: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (config, grants) = match policy {
        None => (HostConfig::default(), Grants::default()),
        Some(p) => {
            let policy = Policy::load(p)?;
            let grants = grants_for(&policy, path, &bytes);
            (policy.host, grants)
        }
    };
    let report = audit::report(Some(&path.display().to_string()), &bytes, &config, &grants);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(if report.verdict.loadable {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The policy's grants for this adapter: the entry for the same file, else the one naming the
/// manifest's supplier.
fn grants_for(policy: &Policy, path: &Path, bytes: &[u8]) -> Grants {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let wanted = canonical(path);
    if let Some(entry) = policy
        .adapters
        .iter()
        .find(|a| wanted.is_some() && canonical(&a.file) == wanted)
    {
        return entry.grants.clone();
    }
    let supplier = adapter::inspect(bytes, &policy.host.trust)
        .ok()
        .map(|i| i.manifest.adapter.supplier);
    policy
        .adapters
        .iter()
        .find(|a| a.supplier.is_some() && a.supplier == supplier)
        .map(|a| a.grants.clone())
        .unwrap_or_default()
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
