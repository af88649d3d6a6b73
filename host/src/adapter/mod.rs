//! Loading adapters and calling them.
//!
//! Loading = read the bytes, hash them, compile once (or take the host's own cached
//! artefact), check the component against the world, pre-link it into an `InstancePre`, ask it
//! to `describe` itself. Calling = a fresh `Store` and instance from the pool for every call,
//! bounded by the adapter's limits; any trap becomes a typed [`CallError`](crate::CallError)
//! and the instance is thrown away.

mod call;
mod linker;
pub(crate) mod state;
pub mod world;

pub use call::Operation;
pub use state::AdapterState;

use crate::contract::AdapterProfile;
use crate::engine::{EngineConfig, RuntimeEngine};
use crate::error::LoadError;
use crate::sandbox::Grants;
use crate::wit::latest::SupplierAdapterPre;
use sha2::{Digest as _, Sha256};
use state::AdapterGrants;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use wasmtime::component::{Component, Linker};

/// SHA-256 of an adapter's component bytes: its identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(hex::encode(Sha256::digest(bytes)))
    }

    /// Lower-case hex form.
    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.0)
    }
}

/// A supplier's stable id as the adapter declares it ("nordfast").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SupplierId(String);

impl SupplierId {
    /// Check the form: 1–64 characters of lower-case letters, digits and '-', starting with a
    /// letter.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(SupplierId(s.to_string()))
        } else {
            Err(format!(
                "supplier id {s:?} must be 1-64 lower-case letters, digits or '-', starting with a letter"
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SupplierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The runtime every adapter shares: one engine, one linker.
#[derive(Clone)]
pub struct AdapterHost {
    inner: Arc<HostInner>,
}

pub(crate) struct HostInner {
    pub(crate) runtime: RuntimeEngine,
    linker: Linker<AdapterState>,
}

impl AdapterHost {
    /// Start the engine (and its epoch ticker) with `config`.
    pub fn new(config: EngineConfig) -> Result<Self, crate::error::StartError> {
        let runtime =
            RuntimeEngine::new(config).map_err(|e| crate::error::StartError(format!("{e:#}")))?;
        let linker = linker::build(runtime.engine())
            .map_err(|e| crate::error::StartError(format!("{e:#}")))?;
        Ok(AdapterHost {
            inner: Arc::new(HostInner { runtime, linker }),
        })
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        self.inner.runtime.config()
    }

    /// Load the adapter in the file at `path`.
    pub async fn load_file(&self, path: &Path, grants: Grants) -> Result<LoadedAdapter, LoadError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| LoadError::Read {
                path: path.display().to_string(),
                source,
            })?;
        self.load(bytes, grants).await
    }

    /// Load an adapter from its component bytes.
    pub async fn load(&self, bytes: Vec<u8>, grants: Grants) -> Result<LoadedAdapter, LoadError> {
        let max = self.config().max_component_bytes;
        if bytes.len() > max {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                max,
            });
        }
        if wasmtime::Engine::detect_precompiled(&bytes).is_some() {
            return Err(LoadError::Precompiled);
        }
        let digest = Digest::of(&bytes);
        let size = bytes.len();
        let (component, from_cache) = self.compile(&digest, bytes).await?;
        let engine = self.inner.runtime.engine();
        world::check(engine, &component)?;
        let instance_pre = self.inner.linker.instantiate_pre(&component).map_err(|e| {
            LoadError::ExportMismatch {
                detail: format!("{e:#}"),
            }
        })?;
        let pre = SupplierAdapterPre::new(instance_pre).map_err(|e| LoadError::ExportMismatch {
            detail: format!("{e:#}"),
        })?;

        // `describe` runs under the same sandbox, with the grants but under a provisional
        // name; the adapter's real supplier id is only known from its answer.
        let provisional = Arc::new(AdapterGrants::new(
            &format!("sha256:{}", &digest.as_hex()[..12]),
            grants.clone(),
        ));
        let profile = call::describe(&self.inner, &pre, &provisional)
            .await
            .map_err(|e| LoadError::Describe {
                detail: e.to_string(),
            })?;
        let supplier =
            validate_profile(&profile).map_err(|detail| LoadError::Describe { detail })?;
        Ok(LoadedAdapter {
            inner: Arc::new(AdapterInner {
                host: self.inner.clone(),
                grants: Arc::new(AdapterGrants::new(supplier.as_str(), grants)),
                supplier,
                digest,
                size,
                from_cache,
                pre,
                profile,
            }),
        })
    }

    /// The compiled component, and whether it came from the cache.
    async fn compile(
        &self,
        digest: &Digest,
        bytes: Vec<u8>,
    ) -> Result<(Component, bool), LoadError> {
        let engine = self.inner.runtime.engine().clone();
        if let Some(cache) = self.inner.runtime.cache()
            && let Some(component) = cache.load(&engine, digest.as_hex())
        {
            return Ok((component, true));
        }
        // Compilation is CPU-heavy; keep it off the async workers.
        let component = tokio::task::spawn_blocking(move || Component::new(&engine, &bytes))
            .await
            .map_err(|e| LoadError::Compile {
                detail: e.to_string(),
            })?
            .map_err(|e| LoadError::Invalid {
                detail: format!("{e:#}"),
            })?;
        if let Some(cache) = self.inner.runtime.cache() {
            cache.store(digest.as_hex(), &component);
        }
        Ok((component, false))
    }
}

fn validate_profile(profile: &AdapterProfile) -> Result<SupplierId, String> {
    let supplier = SupplierId::parse(&profile.supplier_id)?;
    for code in &profile.currencies {
        mercato_sdk::exact::Currency::parse(code).map_err(|e| format!("currencies: {e}"))?;
        if code.as_str() != code.to_ascii_uppercase() {
            return Err(format!("currencies: {code:?} must be upper case"));
        }
    }
    for country in &profile.ship_to_countries {
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "ship-to-countries: {country:?} is not an ISO 3166-1 alpha-2 code"
            ));
        }
    }
    Ok(supplier)
}

/// A loaded adapter. Cheap to clone; every call gets its own instance.
#[derive(Clone)]
pub struct LoadedAdapter {
    inner: Arc<AdapterInner>,
}

struct AdapterInner {
    host: Arc<HostInner>,
    grants: Arc<AdapterGrants>,
    supplier: SupplierId,
    digest: Digest,
    size: usize,
    from_cache: bool,
    pre: SupplierAdapterPre<AdapterState>,
    profile: AdapterProfile,
}

impl LoadedAdapter {
    /// The supplier it speaks for.
    pub fn supplier(&self) -> &SupplierId {
        &self.inner.supplier
    }

    /// What it said about itself at load time.
    pub fn profile(&self) -> &AdapterProfile {
        &self.inner.profile
    }

    /// Its identity.
    pub fn digest(&self) -> &Digest {
        &self.inner.digest
    }

    /// Component size in bytes.
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// Whether the compiled code came from the host's compile cache rather than a fresh
    /// compilation.
    pub fn loaded_from_cache(&self) -> bool {
        self.inner.from_cache
    }

    /// What the integrator granted it.
    pub fn grants(&self) -> &Grants {
        &self.inner.grants.grants
    }
}

impl fmt::Debug for LoadedAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedAdapter")
            .field("supplier", &self.inner.supplier)
            .field("digest", &self.inner.digest)
            .finish_non_exhaustive()
    }
}
