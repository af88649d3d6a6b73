//! `mercato new adapter`: start a supplier adapter from the built-in template.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use mercato::scaffold::{self, AdapterSpec, SdkSource};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct NewArgs {
    #[command(subcommand)]
    what: New,
}

#[derive(Subcommand)]
enum New {
    /// A supplier adapter crate: the SDK, a manifest, an example catalogue and tests. It
    /// builds for wasm32-wasip2 as it is.
    Adapter(AdapterArgs),
}

#[derive(Args)]
struct AdapterArgs {
    /// The supplier id: lowercase letters, digits and hyphens, starting with a letter.
    name: String,
    /// Where to make the crate (must not exist or be empty); default: ./NAME.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// A local copy of the Mercato SDK crate to depend on; default: the SDK this mercato
    /// was built from.
    #[arg(long, conflicts_with = "sdk_git")]
    sdk: Option<PathBuf>,
    /// A git repository of the Mercato workspace to take the SDK from.
    #[arg(long)]
    sdk_git: Option<String>,
    /// The supplier's name as people read it; default: from the id (`acme-tools` → Acme Tools).
    #[arg(long)]
    display_name: Option<String>,
}

pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let New::Adapter(a) = args.what;
    let sdk = match (a.sdk, a.sdk_git) {
        (Some(path), _) => match SdkSource::local(&path) {
            Some(sdk) => sdk,
            None => bail!("--sdk {}: no Cargo.toml there", path.display()),
        },
        (None, Some(url)) => SdkSource::Git(url),
        (None, None) => match scaffold::bundled_sdk() {
            Some(sdk) => sdk,
            None => bail!(
                "this mercato was built without its SDK source at hand: name one with --sdk PATH or --sdk-git URL"
            ),
        },
    };
    let mut spec = AdapterSpec::new(&a.name, sdk)?;
    if let Some(display) = a.display_name {
        spec.display_name = display;
    }
    let dir = a.dir.unwrap_or_else(|| PathBuf::from(&spec.name));
    spec.write(&dir)
        .with_context(|| format!("making the adapter crate in {}", dir.display()))?;
    println!(
        "made {} in {}: supplier `{}`, type {}",
        spec.crate_name(),
        dir.display(),
        spec.name,
        spec.type_name()
    );
    println!("next:");
    println!("  cd {}", dir.display());
    println!("  rustup target add wasm32-wasip2   # once per machine");
    println!("  cargo test");
    println!("  cargo build --release --target wasm32-wasip2");
    println!(
        "  mercato inspect target/wasm32-wasip2/release/{}.wasm",
        spec.lib_name()
    );
    Ok(ExitCode::SUCCESS)
}
