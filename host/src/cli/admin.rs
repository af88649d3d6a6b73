//! Publisher and security-review commands: keys, signatures, audit reports.

use anyhow::{Context as _, bail};
use mercato::HostConfig;
use mercato::adapter::{self, package};
use mercato::inspect;
use mercato::policy::Policy;
use mercato::sandbox::Grants;
use mercato::signing::{self, SecretKey, Signature};
use std::path::Path;
use std::process::ExitCode;

pub fn keygen(name: &Path) -> anyhow::Result<ExitCode> {
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

pub fn sign(adapter: &Path, key: &Path, out: Option<&Path>) -> anyhow::Result<ExitCode> {
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

pub fn verify(adapter: &Path, policy: Option<&Path>) -> anyhow::Result<ExitCode> {
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

pub fn inspect(path: &Path, policy: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (config, grants) = match policy {
        None => (HostConfig::default(), Grants::default()),
        Some(p) => {
            let policy = Policy::load(p)?;
            let grants = policy.grants_for(path, &bytes);
            (policy.host, grants)
        }
    };
    let report = inspect::report(Some(&path.display().to_string()), &bytes, &config, &grants);
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
