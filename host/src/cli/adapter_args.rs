//! Loading one adapter file on its author's machine, for `mercato run` and
//! `mercato test-adapter`: the grants come from a host policy or from the command line.

use anyhow::{Context as _, bail};
use clap::Args;
use mercato::policy::Policy;
use mercato::sandbox::secrets::AttachTarget;
use mercato::sandbox::{Grants, HostGrant};
use mercato::signing::TrustStore;
use mercato::{AdapterHost, HostConfig, LoadedAdapter};
use std::path::PathBuf;

#[derive(Args)]
pub struct AdapterArgs {
    /// The adapter's `.wasm` file.
    pub adapter: PathBuf,
    /// Load the adapter with this host policy's grants and limits, as `mercato serve` would.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Give a setting the manifest declares (repeatable): `--setting base-url=http://…`.
    #[arg(long = "setting", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Give a secret the manifest declares (repeatable): `--secret api-key=…`. The host
    /// attaches it only to the `--allow` destinations; a policy can narrow that to paths.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    secrets: Vec<String>,
    /// Grant a destination the manifest asks for (repeatable); loopback and private
    /// addresses are allowed, for a supplier's test backend.
    #[arg(long = "allow", value_name = "URL")]
    allow: Vec<String>,
}

impl AdapterArgs {
    /// Load the adapter under the policy's grants, or the command line's. Without a policy
    /// an unsigned adapter is accepted: this is its author's machine.
    pub async fn load(&self) -> anyhow::Result<LoadedAdapter> {
        let bytes = std::fs::read(&self.adapter)
            .with_context(|| format!("reading {}", self.adapter.display()))?;
        let (mut config, mut grants, compile_memory) = match &self.policy {
            Some(path) => {
                let policy = Policy::load(path)?;
                let grants = policy.grants_for(&self.adapter, &bytes);
                (policy.host, grants, policy.compile_memory_bytes)
            }
            None => (
                HostConfig {
                    trust: TrustStore::new().allow_unsigned(true),
                    ..HostConfig::default()
                },
                Grants::default(),
                mercato::engine::isolate::DEFAULT_COMPILE_MEMORY_BYTES,
            ),
        };
        crate::cli::isolate_compilation(&mut config.engine, compile_memory)?;
        for (key, value) in pairs("--setting", &self.settings)? {
            grants = grants.setting(key, value);
        }
        let mut targets = Vec::new();
        for url in &self.allow {
            let grant = HostGrant::local(url).map_err(|e| anyhow::anyhow!("--allow {url}: {e}"))?;
            targets.push(AttachTarget {
                host: grant.host.clone(),
                path_prefix: None,
            });
            grants = grants.host(grant);
        }
        for (name, value) in pairs("--secret", &self.secrets)? {
            grants = grants.secret_for(name, value.into_bytes(), targets.clone());
        }
        let host = AdapterHost::new(config)?;
        host.load(bytes, grants)
            .await
            .with_context(|| format!("loading {}", self.adapter.display()))
    }
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
