//! Loading adapters and calling them.
//!
//! Loading, in order, each step refusing with an error that names what is wrong:
//! 1. size cap, and no precompiled native code;
//! 2. read the file without compiling it ([`package`]): manifest, contract stamp, signature;
//! 3. the signature is judged against the integrator's trust store — before compilation;
//! 4. the manifest's asks are intersected with the integrator's grants under the host's caps;
//! 5. compile once (or take the host's own cached artefact), with a time limit;
//! 6. check the component against the world ([`world`]), pre-link it into an `InstancePre`;
//! 7. ask it to `describe` itself, in the sandbox, and check that against the manifest.
//!
//! Calling: a fresh `Store` and instance from the pool for every call, bounded by the
//! adapter's effective limits; the request is measured before it is lowered and the result
//! measured and validated after it is lifted; any trap becomes a typed
//! [`CallError`](crate::CallError), the instance is thrown away, and repeated faults open the
//! adapter's circuit [`breaker`].

pub mod breaker;
mod call;
mod cross;
mod exports;
mod linker;
pub mod package;
pub(crate) mod state;
pub mod structure;
mod supplier;
mod watch;
pub mod world;

pub use mercato_contract::supplier::{Digest, SupplierId};

pub use call::{IdleInstance, Operation};
pub use state::AdapterState;
pub use watch::{CallLog, CallRecord, CapabilityGate};

use crate::contract::AdapterProfile;
use crate::engine::{CompileError, EngineConfig, RuntimeEngine};
use crate::error::LoadError;
use crate::sandbox::Grants;
use crate::sandbox::effective::{self, Effective};
use crate::sandbox::limits::Limits;
use crate::signing::{self, Trust, TrustStore};
use breaker::{Breaker, BreakerConfig, BreakerStatus};
use mercato_sdk::manifest::Manifest;
use state::AdapterGrants;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker};

/// How long compiling one adapter may take before it is refused.
pub const DEFAULT_COMPILE_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything the host is configured with.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// The engine.
    pub engine: EngineConfig,
    /// The most any adapter may get; grants and manifests can only lower these.
    pub caps: Limits,
    /// Which publisher keys are trusted for which suppliers, and whether unsigned adapters
    /// are accepted (development only).
    pub trust: TrustStore,
    /// How long compiling one adapter may take.
    pub compile_timeout: Duration,
    /// When an adapter's circuit breaker opens.
    pub breaker: BreakerConfig,
}

impl Default for HostConfig {
    /// Default engine and caps, no trusted keys, unsigned adapters refused.
    fn default() -> Self {
        HostConfig {
            engine: EngineConfig::default(),
            caps: Limits::default(),
            trust: TrustStore::new(),
            compile_timeout: DEFAULT_COMPILE_TIMEOUT,
            breaker: BreakerConfig::default(),
        }
    }
}

/// The runtime every adapter shares: one engine, one linker, one trust store.
#[derive(Clone)]
pub struct AdapterHost {
    inner: Arc<HostInner>,
}

pub(crate) struct HostInner {
    pub(crate) runtime: RuntimeEngine,
    linker: Linker<AdapterState>,
    config: HostConfig,
}

impl AdapterHost {
    /// Start the engine (and its epoch ticker).
    pub fn new(config: HostConfig) -> Result<Self, crate::error::StartError> {
        let start = |e: wasmtime::Error| crate::error::StartError(format!("{e:#}"));
        let runtime = RuntimeEngine::new(config.engine.clone()).map_err(start)?;
        let linker = linker::build(runtime.engine()).map_err(start)?;
        Ok(AdapterHost {
            inner: Arc::new(HostInner {
                runtime,
                linker,
                config,
            }),
        })
    }

    /// The host's configuration.
    pub fn config(&self) -> &HostConfig {
        &self.inner.config
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

    /// Load an adapter from its component bytes, with what the integrator grants it.
    pub async fn load(&self, bytes: Vec<u8>, grants: Grants) -> Result<LoadedAdapter, LoadError> {
        let config = &self.inner.config;
        let max = config.engine.max_component_bytes;
        if bytes.len() > max {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                max,
            });
        }
        if crate::engine::is_precompiled(&bytes) {
            return Err(LoadError::Precompiled);
        }
        let inspected = inspect(&bytes, &config.trust)?;
        match &inspected.trust {
            Trust::Trusted(_) | Trust::UnsignedAllowed => {}
            Trust::Unsigned => {
                return Err(LoadError::Unsigned {
                    supplier: inspected.manifest.adapter.supplier.clone(),
                });
            }
            Trust::UnknownKey(key) => {
                return Err(LoadError::UnknownKey {
                    supplier: inspected.manifest.adapter.supplier.clone(),
                    key: key.to_string(),
                });
            }
            Trust::Tampered(reason) => {
                return Err(LoadError::Tampered {
                    reason: reason.clone(),
                });
            }
        }
        check_structure(&bytes, &config.engine)?;
        let effective = effective::compute(&inspected.manifest, &grants, &config.caps)?;
        let size = bytes.len();
        let digest = inspected.digest.clone();
        let (component, from_cache) = self.compile(&digest, bytes).await?;
        let engine = self.inner.runtime.engine();
        world::check(engine, &component)?;
        let instance_pre = self.inner.linker.instantiate_pre(&component).map_err(|e| {
            LoadError::ExportMismatch {
                detail: format!("{e:#}"),
            }
        })?;
        let pre =
            exports::ExportsPre::new(instance_pre).map_err(|e| LoadError::ExportMismatch {
                detail: format!("{e:#}"),
            })?;

        let supplier_name = inspected.manifest.adapter.supplier.clone();
        let grants = Arc::new(AdapterGrants::new(&supplier_name, &effective));
        let profile = call::describe(&self.inner, &pre, &grants, None)
            .await
            .map_err(|e| LoadError::Describe {
                detail: e.to_string(),
            })?;
        let supplier =
            validate_profile(&profile).map_err(|detail| LoadError::Describe { detail })?;
        if profile.supplier_id != supplier_name {
            return Err(LoadError::ManifestMismatch {
                detail: format!(
                    "the manifest names supplier `{supplier_name}` but describe answers `{}`",
                    profile.supplier_id
                ),
            });
        }
        Ok(LoadedAdapter {
            inner: Arc::new(AdapterInner {
                host: self.inner.clone(),
                grants,
                supplier,
                digest,
                size,
                from_cache,
                pre,
                profile,
                manifest: inspected.manifest,
                trust: inspected.trust,
                effective,
                breaker: Breaker::new(config.breaker),
            }),
            watch: None,
        })
    }

    /// The compiled component, and whether it came from the cache. Compilation runs off the
    /// async workers and is abandoned (refused) after the compile timeout.
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
        let limit = self.inner.config.compile_timeout;
        let component =
            crate::engine::isolate::compile(&engine, self.inner.runtime.config(), bytes, limit)
                .await
                .map_err(|e| match e {
                    CompileError::Timeout(limit) => LoadError::CompileTimeout { limit },
                    CompileError::Invalid(detail) => LoadError::Invalid { detail },
                    CompileError::OutOfMemory(limit_bytes) => {
                        LoadError::CompileMemory { limit_bytes }
                    }
                    CompileError::Failed(detail) => LoadError::Compile { detail },
                })?;
        if let Some(cache) = self.inner.runtime.cache() {
            cache.store(digest.as_hex(), &component);
        }
        Ok((component, false))
    }
}

/// What the host reads from a component file before compiling it.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// Identity: SHA-256 of the unsigned bytes.
    pub digest: Digest,
    /// The embedded manifest.
    pub manifest: Manifest,
    /// The contract version the SDK stamped, if any.
    pub contract: Option<String>,
    /// The trust verdict.
    pub trust: Trust,
    /// Top-level import names.
    pub imports: Vec<String>,
    /// Top-level export names.
    pub exports: Vec<String>,
}

/// Read a component's manifest, contract stamp and signature, and judge the signature —
/// without compiling or running anything.
pub fn inspect(bytes: &[u8], trust: &TrustStore) -> Result<Inspected, LoadError> {
    let package = package::read(bytes).map_err(|e| match e {
        package::PackageError::SignatureNotLast => LoadError::Tampered {
            reason: e.to_string(),
        },
        package::PackageError::Structure(s) => LoadError::Structure(s),
        other => LoadError::Invalid {
            detail: other.to_string(),
        },
    })?;
    let text = package.manifest.ok_or(LoadError::MissingManifest)?;
    let text = std::str::from_utf8(text).map_err(|_| LoadError::ManifestMismatch {
        detail: "the manifest section is not UTF-8 text".into(),
    })?;
    let manifest = Manifest::parse(text)?;
    let contract = package
        .contract
        .map(|c| String::from_utf8_lossy(c).into_owned());
    if let Some(stamped) = &contract
        && !world::serves_version(stamped)
    {
        return Err(world::unsupported(stamped));
    }
    let verdict = trust.judge(&signing::check(&package), &manifest.adapter.supplier);
    Ok(Inspected {
        digest: Digest::of(package.unsigned),
        manifest,
        contract,
        trust: verdict,
        imports: package.imports,
        exports: package.exports,
    })
}

/// The second structural pass ([`structure::shape`]) against the pool `engine` builds: run by
/// loading and by `mercato inspect` once the signature is accepted, so both agree.
pub fn check_structure(
    bytes: &[u8],
    engine: &crate::engine::EngineConfig,
) -> Result<structure::Shape, LoadError> {
    structure::shape(bytes, &structure::SlotLimits::of(engine)).map_err(LoadError::Structure)
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
    /// Set on a view made by [`LoadedAdapter::watched`].
    watch: Option<watch::Watch>,
}

struct AdapterInner {
    host: Arc<HostInner>,
    grants: Arc<AdapterGrants>,
    supplier: SupplierId,
    digest: Digest,
    size: usize,
    from_cache: bool,
    pre: exports::ExportsPre,
    profile: AdapterProfile,
    manifest: Manifest,
    trust: Trust,
    effective: Effective,
    breaker: Breaker,
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

    /// Its manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Its identity.
    pub fn digest(&self) -> &Digest {
        &self.inner.digest
    }

    /// The contract version the adapter was built against (`"0.1.0"`), as its exports name it.
    pub fn contract_version(&self) -> &'static str {
        self.inner.pre.version()
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

    /// Who signed it and whether that key is trusted.
    pub fn trust(&self) -> &Trust {
        &self.inner.trust
    }

    /// What it may actually do, and what was refused.
    pub fn effective(&self) -> &Effective {
        &self.inner.effective
    }

    /// Its circuit breaker's state.
    pub fn breaker(&self) -> BreakerStatus {
        self.inner.breaker.status()
    }

    /// A view of the same adapter whose calls are recorded in `log`, for the conformance
    /// suite; with [`CapabilityGate::Bypass`] it also calls operations the adapter does not
    /// declare. The adapter's limits, grants and breaker are the same as in production.
    pub fn watched(&self, log: Arc<CallLog>, gate: CapabilityGate) -> LoadedAdapter {
        LoadedAdapter {
            inner: self.inner.clone(),
            watch: Some(watch::Watch { log, gate }),
        }
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
