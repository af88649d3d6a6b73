//! The integrator's host policy (`mercato-host.toml`): host-wide caps, trusted publisher keys,
//! and per-adapter grants. Every table rejects unknown keys. `docs/policy.md` documents every
//! key with its default; a test below holds it to these structs.
//!
//! ```toml
//! [host]
//! allow-unsigned = false          # development only; every audit report says when it is on
//! pool-size = 256
//! cache-dir = "/var/cache/mercato"
//! compile-memory-mib = 1024       # what one compilation may use (a child process, capped)
//!
//! [host.caps]                     # the most any adapter gets; every limit can be set here
//! call-timeout-ms = 2000
//! memory-mib = 64
//! outbound-requests = 16
//! response-body-kib = 8192
//! fuel = 50000000                 # turns fuel metering on
//! # table-elements, hostcall-kib, max-handles, header-kib, connect-timeout-ms, first-byte-timeout-ms,
//! # between-bytes-timeout-ms, request-body-kib, input-kib, output-kib, list-len, stdio-kib,
//! # log-lines-per-second: see SECURITY.md for each default
//!
//! [[trust]]                       # who may sign which supplier's adapters
//! supplier = "voltaic"
//! key = "ed25519:…"
//! publisher = "Voltaic Components"
//!
//! [[adapter]]
//! file = "adapters/voltaic_rest_adapter.wasm"   # relative to this file
//! supplier = "voltaic"                           # optional check against the manifest
//! hosts = [
//!     "https://api.voltaic.example",
//!     { url = "http://127.0.0.1:8080", insecure-http = true, private-network = true },
//! ]
//! settings = { base-url = "https://api.voltaic.example/v1" }
//! # attach-to: the only requests the host adds the key to (destination and optional path
//! # prefix); a secret without it is attached to nothing and usable through HMAC only.
//! secrets = { api-key = { env = "VOLTAIC_API_KEY", attach-to = ["https://api.voltaic.example/v1/"] }, webhook-secret = { file = "/run/secrets/voltaic-hook" } }
//! limits = { call-timeout-ms = 1500 }
//!
//! [serve]                         # `mercato serve`
//! address = "127.0.0.1:8080"
//! request-deadline-ms = 3000      # the longest any request waits for its suppliers
//! max-concurrent-calls = 200      # at most the pool size; excess gets 429 with Retry-After
//! max-calls-per-supplier = 50     # one supplier's share (default a quarter); excess: supplier-busy
//! queue-wait-ms = 250
//! data-dir = "/var/lib/mercato"  # the ledger (default: mercato-data next to this file)
//! header-timeout-ms = 10000       # a request's headers, and the wait for a connection's next request
//! body-timeout-ms = 30000         # a request's body, from its headers
//! idle-timeout-ms = 60000         # no byte moved either way; must exceed the request deadline
//! max-connections = 1024          # open at once; beyond, 503 and close
//! # ledger-url = "postgresql://mercato@db.internal/mercato"   # shared by several replicas
//!
//! [[client]]                      # a machine client; every request runs as one
//! id = "press-line-7"
//! key = { env = "MERCATO_KEY_PRESS_LINE_7" }     # or key-sha256 = "<64 hex digits>"
//! currency = "EUR"                # defaults of its requests
//! country = "DE"
//! inbound = ["voltaic"]           # suppliers it may push documents for (webhook senders)
//! approver = false                # a person's key that may approve parked orders
//! buyer = { account-id = "ACME-4711", organization = "Acme Pressworks GmbH", cost-center = "MAINT-7" }
//! ```

use crate::adapter::breaker::BreakerConfig;
use crate::adapter::{AdapterHost, HostConfig, LoadedAdapter, SupplierId};
use crate::broker::{Broker, BrokerConfig};
use crate::clients::{Client, ClientId, Clients, KeyDigest};
use crate::contract::BuyerContext;
use crate::engine::EngineConfig;
use crate::error::{LoadError, StartError};
use crate::gateway::ConnectionLimits;
use crate::ledger::Location;
use crate::mandate::{Budget, DriftAction, ItemRule, Mandate, Period};
use crate::metrics::Metrics;
use crate::sandbox::limits::Limits;
use crate::sandbox::secrets::{AttachTarget, Secrets};
use crate::sandbox::{Grants, HostGrant, LimitGrants};
use crate::signing::{PublicKey, TrustStore};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Why a policy cannot be used. Each case says where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read host policy {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not TOML, an unknown key, or a wrong type.
    #[error("host policy: {0}")]
    Syntax(String),
    /// A value is unusable.
    #[error("host policy: `{key}`: {reason}")]
    Invalid {
        /// Where.
        key: String,
        /// Why.
        reason: String,
    },
    /// A secret's source could not be read.
    #[error("host policy: secret `{name}` of adapter {adapter}: {reason}")]
    Secret {
        /// The adapter's position or file.
        adapter: String,
        /// The secret.
        name: String,
        /// Why.
        reason: String,
    },
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PolicyFile {
    #[serde(default)]
    host: HostSection,
    #[serde(default)]
    trust: Vec<TrustEntry>,
    #[serde(default)]
    adapter: Vec<AdapterEntry>,
    #[serde(default)]
    serve: ServeSection,
    #[serde(default)]
    client: Vec<ClientEntry>,
    #[serde(default)]
    mandate: Vec<MandateEntry>,
}

/// `[[mandate]]`: what one client may buy.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MandateEntry {
    id: String,
    client: String,
    principal: String,
    #[serde(default)]
    suppliers: Vec<String>,
    #[serde(default)]
    items: Vec<ItemEntry>,
    #[serde(default)]
    ship_to: Vec<String>,
    max_per_order: String,
    budget: Option<BudgetEntry>,
    approval_above: Option<String>,
    #[serde(default)]
    price_tolerance_bp: u32,
    #[serde(default)]
    require_firm_quote: bool,
    #[serde(default)]
    on_drift: DriftAction,
    valid_from: Option<String>,
    valid_until: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ItemEntry {
    sku: Option<String>,
    gtin: Option<String>,
    category: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BudgetEntry {
    limit: String,
    period: Period,
    max_orders: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ServeSection {
    address: Option<String>,
    request_deadline_ms: Option<u64>,
    max_concurrent_calls: Option<usize>,
    max_calls_per_supplier: Option<usize>,
    queue_wait_ms: Option<u64>,
    data_dir: Option<PathBuf>,
    ledger_url: Option<String>,
    header_timeout_ms: Option<u64>,
    body_timeout_ms: Option<u64>,
    idle_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ClientEntry {
    id: String,
    key: Option<SecretSource>,
    key_sha256: Option<String>,
    currency: Option<String>,
    country: Option<String>,
    #[serde(default)]
    inbound: Vec<String>,
    #[serde(default)]
    buyer: BuyerEntry,
    #[serde(default)]
    approver: bool,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BuyerEntry {
    account_id: Option<String>,
    organization: Option<String>,
    tax_id: Option<String>,
    cost_center: Option<String>,
    originator: Option<String>,
    on_behalf_of: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct HostSection {
    #[serde(default)]
    allow_unsigned: bool,
    pool_size: Option<u32>,
    cache_dir: Option<PathBuf>,
    compile_timeout_ms: Option<u64>,
    compile_memory_mib: Option<u64>,
    max_component_mib: Option<u64>,
    wasm_stack_kib: Option<u64>,
    #[serde(default)]
    caps: CapsTable,
}

/// `[host.caps]`: every per-call limit can be set here; adapters get at most these.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CapsTable {
    call_timeout_ms: Option<u64>,
    memory_mib: Option<u64>,
    fuel: Option<u64>,
    outbound_requests: Option<u32>,
    response_body_kib: Option<u64>,
    table_elements: Option<usize>,
    hostcall_kib: Option<usize>,
    max_handles: Option<usize>,
    header_kib: Option<usize>,
    connect_timeout_ms: Option<u64>,
    first_byte_timeout_ms: Option<u64>,
    between_bytes_timeout_ms: Option<u64>,
    request_body_kib: Option<u64>,
    input_kib: Option<usize>,
    output_kib: Option<usize>,
    list_len: Option<usize>,
    stdio_kib: Option<usize>,
    log_lines_per_second: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LimitTable {
    call_timeout_ms: Option<u64>,
    memory_mib: Option<u64>,
    fuel: Option<u64>,
    outbound_requests: Option<u32>,
    response_body_kib: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TrustEntry {
    supplier: String,
    key: String,
    publisher: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct AdapterEntry {
    file: PathBuf,
    supplier: Option<String>,
    #[serde(default)]
    hosts: Vec<HostEntry>,
    #[serde(default)]
    settings: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, SecretSource>,
    #[serde(default)]
    limits: LimitTable,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(untagged)]
enum HostEntry {
    Url(String),
    Detailed(DetailedHost),
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DetailedHost {
    url: String,
    #[serde(default)]
    insecure_http: bool,
    #[serde(default)]
    private_network: bool,
}

/// Where a secret's value comes from. Values written into the policy file are allowed for
/// development; `env` and `file` keep them out of it.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SecretSource {
    value: Option<String>,
    env: Option<String>,
    file: Option<PathBuf>,
    /// Where the host may attach it: URLs with an optional path prefix.
    #[serde(default)]
    attach_to: Vec<String>,
}

/// One adapter the policy loads.
#[derive(Debug, Clone)]
pub struct AdapterPolicy {
    /// The component file.
    pub file: PathBuf,
    /// The supplier it must be for, if the policy says.
    pub supplier: Option<String>,
    /// What it is granted.
    pub grants: Grants,
}

/// How `mercato serve` runs.
#[derive(Debug, Clone)]
pub struct ServePolicy {
    /// Listen address.
    pub address: String,
    /// Request deadline, call concurrency and queueing.
    pub broker: BrokerConfig,
    /// Where the ledger lives (`ledger.sqlite`); relative to the policy file.
    pub data_dir: PathBuf,
    /// A PostgreSQL ledger shared by replicas, instead of the SQLite file.
    pub ledger_url: Option<String>,
    /// Bounds on client connections.
    pub connections: ConnectionLimits,
}

/// A parsed host policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Host configuration: engine, caps, trust.
    pub host: HostConfig,
    /// Adapters to load.
    pub adapters: Vec<AdapterPolicy>,
    /// The gateway.
    pub serve: ServePolicy,
    /// Machine clients of the gateway.
    pub clients: Clients,
    /// The memory limit of a compiling child process (`[host] compile-memory-mib`);
    /// the command line compiles in such a child.
    pub compile_memory_bytes: u64,
}

impl Policy {
    /// Read a policy file; relative adapter and secret paths are relative to it.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Policy::parse(&text, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parse a policy; relative paths are relative to `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, PolicyError> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        let caps = caps_from(&file.host.caps)?;
        let mut trust = TrustStore::new().allow_unsigned(file.host.allow_unsigned);
        for (i, t) in file.trust.iter().enumerate() {
            let key = PublicKey::parse(&t.key).map_err(|e| PolicyError::Invalid {
                key: format!("trust[{i}].key"),
                reason: e.to_string(),
            })?;
            trust = trust.trust(t.supplier.clone(), key, t.publisher.clone());
        }
        let mut engine = EngineConfig {
            consume_fuel: caps.fuel.is_some(),
            cache_dir: file.host.cache_dir.as_ref().map(|d| base.join(d)),
            ..EngineConfig::default()
        };
        if let Some(mib) = file.host.max_component_mib {
            engine.max_component_bytes =
                usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        }
        if let Some(kib) = file.host.wasm_stack_kib {
            engine.max_wasm_stack = usize::try_from(kib.saturating_mul(1024)).unwrap_or(usize::MAX);
        }
        if let Some(n) = file.host.pool_size {
            engine.pool_size = n;
        }
        let mut host = HostConfig {
            engine,
            caps: caps.clone(),
            trust,
            breaker: BreakerConfig::default(),
            ..HostConfig::default()
        };
        if let Some(ms) = file.host.compile_timeout_ms {
            host.compile_timeout = Duration::from_millis(ms);
        }

        let mut adapters = Vec::new();
        for (i, entry) in file.adapter.into_iter().enumerate() {
            adapters.push(adapter_policy(i, entry, &caps, base)?);
        }
        let serve = serve_policy(&file.serve, host.engine.pool_size, base)?;
        let mut clients = Vec::new();
        for (i, entry) in file.client.iter().enumerate() {
            clients.push(client_policy(i, entry, base)?);
        }
        for (i, entry) in file.mandate.iter().enumerate() {
            let mandate = mandate_policy(i, entry)?;
            let client = clients
                .iter_mut()
                .find(|c| c.id.as_str() == entry.client)
                .ok_or_else(|| PolicyError::Invalid {
                    key: format!("mandate[{i}].client"),
                    reason: format!("no [[client]] is named `{}`", entry.client),
                })?;
            if client.mandate.is_some() {
                return Err(PolicyError::Invalid {
                    key: format!("mandate[{i}].client"),
                    reason: format!("client `{}` already has a mandate", entry.client),
                });
            }
            client.mandate = Some(std::sync::Arc::new(mandate));
        }
        let clients = Clients::new(clients).map_err(|e| PolicyError::Invalid {
            key: "client".into(),
            reason: e.to_string(),
        })?;
        let compile_memory_bytes = match file.host.compile_memory_mib {
            Some(0) => {
                return Err(PolicyError::Invalid {
                    key: "host.compile-memory-mib".into(),
                    reason: "must be more than 0".into(),
                });
            }
            Some(mib) => mib.saturating_mul(1 << 20),
            None => crate::engine::isolate::DEFAULT_COMPILE_MEMORY_BYTES,
        };
        Ok(Policy {
            host,
            adapters,
            serve,
            clients,
            compile_memory_bytes,
        })
    }
}

impl Policy {
    /// The policy's entry for this adapter: the one for the same file, else the one naming
    /// the manifest's supplier.
    pub fn entry_for(&self, path: &Path, bytes: &[u8]) -> Option<&AdapterPolicy> {
        let canonical = |p: &Path| std::fs::canonicalize(p).ok();
        let wanted = canonical(path);
        if let Some(entry) = self
            .adapters
            .iter()
            .find(|a| wanted.is_some() && canonical(&a.file) == wanted)
        {
            return Some(entry);
        }
        let supplier = crate::adapter::inspect(bytes, &self.host.trust)
            .ok()
            .map(|i| i.manifest.adapter.supplier);
        self.adapters
            .iter()
            .find(|a| a.supplier.is_some() && a.supplier == supplier)
    }

    /// What the policy grants this adapter ([`Policy::entry_for`]); nothing if it has no
    /// entry.
    pub fn grants_for(&self, path: &Path, bytes: &[u8]) -> Grants {
        self.entry_for(path, bytes)
            .map(|e| e.grants.clone())
            .unwrap_or_default()
    }

    /// Load every adapter the policy lists into `host` (built from [`Policy::host`]). Each
    /// adapter's outcome is reported on its own, so one refused adapter does not stop the
    /// others; an adapter whose manifest names another supplier than the policy entry is
    /// refused.
    pub async fn load_all(
        &self,
        host: &AdapterHost,
    ) -> Vec<(PathBuf, Result<LoadedAdapter, LoadError>)> {
        let mut loaded = Vec::with_capacity(self.adapters.len());
        for entry in &self.adapters {
            let result = host
                .load_file(&entry.file, entry.grants.clone())
                .await
                .and_then(|a| match &entry.supplier {
                    Some(expected) if a.supplier().as_str() != expected => {
                        Err(LoadError::ManifestMismatch {
                            detail: format!(
                                "the policy loads {} as supplier `{expected}` but it is `{}`",
                                entry.file.display(),
                                a.supplier()
                            ),
                        })
                    }
                    _ => Ok(a),
                });
            loaded.push((entry.file.clone(), result));
        }
        loaded
    }

    /// Start the adapter host, load every adapter, and put those that loaded behind a
    /// broker with the policy's limits: what `mercato serve` runs. Adapters that did not
    /// load are returned with their reasons; the rest run without them.
    pub async fn broker(&self) -> Result<Assembled, StartError> {
        let host = AdapterHost::new(self.host.clone())?;
        let mut adapters = Vec::with_capacity(self.adapters.len());
        let mut not_loaded = Vec::new();
        for (file, result) in self.load_all(&host).await {
            match result {
                Ok(a) => {
                    tracing::info!(supplier = %a.supplier(), file = %file.display(), "adapter loaded");
                    adapters.push(a);
                }
                Err(e) => not_loaded.push((file, e)),
            }
        }
        let broker = Broker::with_config(
            adapters,
            self.serve.broker.clone(),
            Arc::new(Metrics::new()),
        );
        Ok(Assembled {
            broker,
            host,
            not_loaded,
        })
    }

    /// Where the policy keeps its ledger: its PostgreSQL URL, else `ledger.sqlite` in its
    /// data directory.
    pub fn ledger_location(&self) -> Location {
        match &self.serve.ledger_url {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Sqlite(self.serve.data_dir.join("ledger.sqlite")),
        }
    }
}

/// A policy's adapters behind a broker ([`Policy::broker`]).
pub struct Assembled {
    /// The loaded adapters, with the policy's broker limits.
    pub broker: Broker,
    /// The runtime they run in, to load new versions into.
    pub host: AdapterHost,
    /// Adapters that did not load, with the reason each was refused.
    pub not_loaded: Vec<(PathBuf, LoadError)>,
}

fn caps_from(t: &CapsTable) -> Result<Limits, PolicyError> {
    let mut caps = Limits::default();
    let ms = Duration::from_millis;
    if let Some(v) = t.table_elements {
        caps.table_elements = v;
    }
    if let Some(v) = t.hostcall_kib {
        caps.hostcall_bytes = v.saturating_mul(1024);
    }
    if let Some(v) = t.max_handles {
        caps.max_handles = v;
    }
    if let Some(v) = t.header_kib {
        caps.header_bytes = v.saturating_mul(1024);
    }
    if let Some(v) = t.connect_timeout_ms {
        caps.connect_timeout = ms(v);
    }
    if let Some(v) = t.first_byte_timeout_ms {
        caps.first_byte_timeout = ms(v);
    }
    if let Some(v) = t.between_bytes_timeout_ms {
        caps.between_bytes_timeout = ms(v);
    }
    if let Some(v) = t.request_body_kib {
        caps.request_body_bytes = v.saturating_mul(1024);
    }
    if let Some(v) = t.input_kib {
        caps.input_bytes = v.saturating_mul(1024);
    }
    if let Some(v) = t.output_kib {
        caps.output_bytes = v.saturating_mul(1024);
    }
    if let Some(v) = t.list_len {
        caps.list_len = v;
    }
    if let Some(v) = t.stdio_kib {
        caps.stdio_bytes = v.saturating_mul(1024);
    }
    if let Some(v) = t.log_lines_per_second {
        caps.log_lines_per_second = v;
    }
    if caps.table_elements > crate::sandbox::limits::DEFAULT_TABLE_ELEMENTS {
        return Err(PolicyError::Invalid {
            key: "host.caps.table-elements".into(),
            reason: format!(
                "the instance pool holds at most {} elements per table",
                crate::sandbox::limits::DEFAULT_TABLE_ELEMENTS
            ),
        });
    }
    if let Some(ms) = t.call_timeout_ms {
        caps.call_timeout = Duration::from_millis(ms);
    }
    if let Some(mib) = t.memory_mib {
        caps.memory_bytes = usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        if caps.memory_bytes > crate::engine::DEFAULT_MAX_MEMORY_BYTES {
            return Err(PolicyError::Invalid {
                key: "host.caps.memory-mib".into(),
                reason: format!(
                    "the instance pool holds at most {} MiB per instance",
                    crate::engine::DEFAULT_MAX_MEMORY_BYTES / (1024 * 1024)
                ),
            });
        }
    }
    caps.fuel = t.fuel;
    if let Some(n) = t.outbound_requests {
        caps.outbound_requests = n;
    }
    if let Some(kib) = t.response_body_kib {
        caps.response_body_bytes = kib.saturating_mul(1024);
    }
    Ok(caps)
}

fn adapter_policy(
    i: usize,
    entry: AdapterEntry,
    caps: &Limits,
    base: &Path,
) -> Result<AdapterPolicy, PolicyError> {
    let label = format!("adapter[{i}] ({})", entry.file.display());
    let mut hosts = Vec::new();
    for (j, h) in entry.hosts.iter().enumerate() {
        let (url, insecure_http, private_network) = match h {
            HostEntry::Url(u) => (u.as_str(), false, false),
            HostEntry::Detailed(d) => (d.url.as_str(), d.insecure_http, d.private_network),
        };
        let mut grant = HostGrant::parse(url).map_err(|e| PolicyError::Invalid {
            key: format!("adapter[{i}].hosts[{j}]"),
            reason: e.to_string(),
        })?;
        grant.insecure_http = insecure_http;
        grant.private_network = private_network;
        if !grant.scheme_allowed() {
            return Err(PolicyError::Invalid {
                key: format!("adapter[{i}].hosts[{j}]"),
                reason: format!(
                    "{url} is plain http; grant it as {{ url = \"{url}\", insecure-http = true }}"
                ),
            });
        }
        hosts.push(grant);
    }
    let mut secrets = Secrets::default();
    let mut secret_targets = BTreeMap::new();
    for (name, source) in &entry.secrets {
        let value = read_secret(source, base).map_err(|reason| PolicyError::Secret {
            adapter: label.clone(),
            name: name.clone(),
            reason,
        })?;
        let targets = source
            .attach_to
            .iter()
            .enumerate()
            .map(|(k, url)| {
                AttachTarget::parse(url).map_err(|reason| PolicyError::Invalid {
                    key: format!("adapter[{i}].secrets.{name}.attach-to[{k}]"),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        secret_targets.insert(name.clone(), targets);
        secrets.insert(name.clone(), value);
    }
    let l = &entry.limits;
    let limits = LimitGrants {
        call_timeout: l.call_timeout_ms.map(Duration::from_millis),
        memory_bytes: l
            .memory_mib
            .map(|m| usize::try_from(m.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)),
        fuel: l.fuel,
        outbound_requests: l.outbound_requests,
        response_body_bytes: l.response_body_kib.map(|k| k.saturating_mul(1024)),
    };
    check_under_caps(i, &limits, caps)?;
    Ok(AdapterPolicy {
        file: base.join(&entry.file),
        supplier: entry.supplier,
        grants: Grants {
            hosts,
            settings: entry.settings,
            secrets,
            secret_targets,
            limits,
        },
    })
}

fn serve_policy(s: &ServeSection, pool_size: u32, base: &Path) -> Result<ServePolicy, PolicyError> {
    let mut broker = BrokerConfig {
        max_concurrent_calls: pool_size as usize,
        ..BrokerConfig::default()
    };
    if let Some(ms) = s.request_deadline_ms {
        if ms == 0 {
            return Err(PolicyError::Invalid {
                key: "serve.request-deadline-ms".into(),
                reason: "must be more than 0".into(),
            });
        }
        broker.deadline = Duration::from_millis(ms);
    }
    if let Some(n) = s.max_concurrent_calls {
        if n == 0 || n > pool_size as usize {
            return Err(PolicyError::Invalid {
                key: "serve.max-concurrent-calls".into(),
                reason: format!(
                    "must be 1 to the instance pool size ({pool_size}); more would let a flood exhaust the pool"
                ),
            });
        }
        broker.max_concurrent_calls = n;
    }
    if let Some(n) = s.max_calls_per_supplier {
        if n == 0 || n > broker.max_concurrent_calls {
            return Err(PolicyError::Invalid {
                key: "serve.max-calls-per-supplier".into(),
                reason: format!(
                    "must be 1 to max-concurrent-calls ({})",
                    broker.max_concurrent_calls
                ),
            });
        }
        broker.max_calls_per_supplier = Some(n);
    }
    if let Some(ms) = s.queue_wait_ms {
        broker.queue_wait = Duration::from_millis(ms);
    }
    let address = s
        .address
        .clone()
        .unwrap_or_else(|| crate::gateway::DEFAULT_ADDRESS.to_string());
    address
        .parse::<std::net::SocketAddr>()
        .map_err(|e| PolicyError::Invalid {
            key: "serve.address".into(),
            reason: format!("{address:?} is not ip:port: {e}"),
        })?;
    let data_dir = base.join(s.data_dir.as_deref().unwrap_or(Path::new("mercato-data")));
    let connections = connection_limits(s, broker.deadline)?;
    Ok(ServePolicy {
        address,
        broker,
        data_dir,
        ledger_url: s.ledger_url.clone(),
        connections,
    })
}

/// `[serve]`'s connection bounds. The idle timeout must outlast the request deadline: a
/// connection waiting for its answer moves no byte.
fn connection_limits(
    s: &ServeSection,
    deadline: Duration,
) -> Result<ConnectionLimits, PolicyError> {
    let mut limits = ConnectionLimits::default();
    let positive = |key: &str, ms: Option<u64>, into: &mut Duration| match ms {
        Some(0) => Err(PolicyError::Invalid {
            key: format!("serve.{key}"),
            reason: "must be more than 0".into(),
        }),
        Some(ms) => {
            *into = Duration::from_millis(ms);
            Ok(())
        }
        None => Ok(()),
    };
    positive(
        "header-timeout-ms",
        s.header_timeout_ms,
        &mut limits.header_timeout,
    )?;
    positive(
        "body-timeout-ms",
        s.body_timeout_ms,
        &mut limits.body_timeout,
    )?;
    positive(
        "idle-timeout-ms",
        s.idle_timeout_ms,
        &mut limits.idle_timeout,
    )?;
    if limits.idle_timeout <= deadline {
        return Err(PolicyError::Invalid {
            key: "serve.idle-timeout-ms".into(),
            reason: format!(
                "{} ms would cut off clients waiting for an answer; it must exceed the request deadline ({} ms)",
                limits.idle_timeout.as_millis(),
                deadline.as_millis()
            ),
        });
    }
    match s.max_connections {
        Some(0) => {
            return Err(PolicyError::Invalid {
                key: "serve.max-connections".into(),
                reason: "must be more than 0".into(),
            });
        }
        Some(n) => limits.max_connections = n,
        None => {}
    }
    Ok(limits)
}

fn client_policy(i: usize, c: &ClientEntry, base: &Path) -> Result<Client, PolicyError> {
    let invalid = |field: &str, reason: String| PolicyError::Invalid {
        key: format!("client[{i}].{field}"),
        reason,
    };
    let id = ClientId::parse(&c.id).map_err(|e| invalid("id", e))?;
    let key = match (&c.key, &c.key_sha256) {
        (Some(source), None) => {
            let bytes = read_secret(source, base).map_err(|e| invalid("key", e))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| invalid("key", "an API key must be UTF-8 text".into()))?;
            if text.len() < 16 {
                return Err(invalid(
                    "key",
                    "an API key needs at least 16 characters".into(),
                ));
            }
            KeyDigest::of(&text)
        }
        (None, Some(hex)) => KeyDigest::parse_hex(hex).map_err(|e| invalid("key-sha256", e))?,
        _ => {
            return Err(invalid(
                "key",
                "give exactly one of key = { env | file | value } or key-sha256".into(),
            ));
        }
    };
    if let Some(cur) = &c.currency {
        mercato_sdk::exact::Currency::parse(cur).map_err(|e| invalid("currency", e.to_string()))?;
    }
    if let Some(country) = &c.country
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(invalid(
            "country",
            format!("{country:?} is not an ISO 3166-1 alpha-2 code"),
        ));
    }
    let inbound = c
        .inbound
        .iter()
        .map(|s| SupplierId::parse(s).map_err(|e| invalid("inbound", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let b = &c.buyer;
    Ok(Client {
        id,
        key,
        buyer: BuyerContext {
            account_id: b.account_id.clone(),
            organization: b.organization.clone(),
            tax_id: b.tax_id.clone(),
            cost_center: b.cost_center.clone(),
            originator: b.originator.clone().or_else(|| Some(c.id.clone())),
            on_behalf_of: b.on_behalf_of.clone(),
        },
        currency: c.currency.clone(),
        country: c.country.clone(),
        inbound,
        mandate: None,
        approver: c.approver,
    })
}

fn mandate_policy(i: usize, m: &MandateEntry) -> Result<Mandate, PolicyError> {
    let invalid = |field: &str, reason: String| PolicyError::Invalid {
        key: format!("mandate[{i}].{field}"),
        reason,
    };
    let money =
        |field: &str, text: &str| crate::display::parse_money(text).map_err(|e| invalid(field, e));
    let time = |field: &str, text: &Option<String>, default: i64| match text {
        None => Ok(default),
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .map_err(|e| invalid(field, format!("{t:?} is not an RFC 3339 time: {e}"))),
    };
    let max_per_order = money("max-per-order", &m.max_per_order)?;
    let budget = match &m.budget {
        None => None,
        Some(b) => Some(Budget {
            limit: money("budget.limit", &b.limit)?,
            period: b.period,
            max_orders: b.max_orders,
        }),
    };
    let approval_above = m
        .approval_above
        .as_deref()
        .map(|t| money("approval-above", t))
        .transpose()?;
    for (field, other) in [
        ("budget.limit", budget.as_ref().map(|b| b.limit)),
        ("approval-above", approval_above),
    ] {
        if other.is_some_and(|o| o.currency() != max_per_order.currency()) {
            return Err(invalid(
                field,
                "must be in the currency of max-per-order; amounts are never converted".into(),
            ));
        }
    }
    let items = m
        .items
        .iter()
        .map(|it| match (&it.sku, &it.gtin, &it.category) {
            (Some(s), None, None) => Ok(ItemRule::Sku(s.clone())),
            (None, Some(g), None) => Ok(ItemRule::Gtin(g.clone())),
            (None, None, Some(c)) => Ok(ItemRule::Category(c.clone())),
            _ => Err(invalid(
                "items",
                "each item names exactly one of sku, gtin or category".into(),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Mandate {
        id: m.id.clone(),
        principal: m.principal.clone(),
        suppliers: m.suppliers.clone(),
        items,
        ship_to: m.ship_to.clone(),
        max_per_order,
        budget,
        approval_above,
        price_tolerance_bp: m.price_tolerance_bp,
        require_firm_quote: m.require_firm_quote,
        on_drift: m.on_drift,
        not_before: time("valid-from", &m.valid_from, 0)?,
        not_after: time("valid-until", &m.valid_until, i64::MAX)?,
    })
}

fn check_under_caps(i: usize, l: &LimitGrants, caps: &Limits) -> Result<(), PolicyError> {
    let over = |name: &str, over: bool| {
        if over {
            Err(PolicyError::Invalid {
                key: format!("adapter[{i}].limits.{name}"),
                reason: "higher than the host's cap in [host.caps]".into(),
            })
        } else {
            Ok(())
        }
    };
    over(
        "call-timeout-ms",
        l.call_timeout.is_some_and(|t| t > caps.call_timeout),
    )?;
    over(
        "memory-mib",
        l.memory_bytes.is_some_and(|m| m > caps.memory_bytes),
    )?;
    over(
        "outbound-requests",
        l.outbound_requests
            .is_some_and(|n| n > caps.outbound_requests),
    )?;
    over(
        "response-body-kib",
        l.response_body_bytes
            .is_some_and(|n| n > caps.response_body_bytes),
    )?;
    over(
        "fuel",
        l.fuel.is_some_and(|f| caps.fuel.is_none_or(|c| f > c)),
    )?;
    Ok(())
}

fn read_secret(source: &SecretSource, base: &Path) -> Result<Vec<u8>, String> {
    match (&source.value, &source.env, &source.file) {
        (Some(v), None, None) => Ok(v.as_bytes().to_vec()),
        (None, Some(var), None) => std::env::var(var)
            .map(String::into_bytes)
            .map_err(|_| format!("environment variable {var} is not set")),
        (None, None, Some(path)) => {
            let path = base.join(path);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(text.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
        }
        _ => Err("give exactly one of value, env or file".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// `docs/policy.md` documents every key the parser accepts and no other, and every
    /// allowed value of an enum-valued key, so the reference cannot drift from the code.
    #[test]
    fn the_policy_reference_lists_every_key_and_only_those() {
        let schema = serde_json::to_value(schemars::schema_for!(PolicyFile)).expect("a schema");
        let mut parsed = BTreeMap::new();
        policy_keys(&schema, &schema, "", &mut parsed);
        // The sections themselves are the document's headings.
        parsed.retain(|key, _| key.contains('.'));
        assert!(
            parsed.contains_key("adapter.secrets.<name>.attach-to"),
            "{parsed:?}"
        );
        assert!(
            parsed.contains_key("adapter.hosts.private-network"),
            "{parsed:?}"
        );

        let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/policy.md"));
        let documented: BTreeMap<&str, &str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split_once('`'))
            .collect();
        let undocumented: Vec<&String> = parsed
            .keys()
            .filter(|k| !documented.contains_key(k.as_str()))
            .collect();
        let unknown: Vec<&&str> = documented
            .keys()
            .filter(|k| !parsed.contains_key(**k))
            .collect();
        assert!(
            undocumented.is_empty() && unknown.is_empty(),
            "docs/policy.md misses {undocumented:?} and lists keys the parser refuses: {unknown:?}"
        );
        for (key, values) in &parsed {
            for value in values {
                assert!(
                    documented[key.as_str()].contains(&format!("`{value}`")),
                    "docs/policy.md: `{key}` does not list the value `{value}`"
                );
            }
        }
    }

    /// Every TOML example in `docs/policy.md` is a policy the parser accepts.
    #[test]
    fn the_policy_references_examples_parse() {
        let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/policy.md"));
        let examples: Vec<&str> = doc
            .split("```toml\n")
            .skip(1)
            .filter_map(|rest| rest.split_once("```").map(|(toml, _)| toml))
            .collect();
        assert!(examples.len() >= 8, "{} examples", examples.len());
        for example in examples {
            if let Err(e) = Policy::parse(example, Path::new("/etc/mercato")) {
                panic!("docs/policy.md: {e} in\n{example}");
            }
        }
    }

    /// Every key path under `schema` (`host.caps.memory-mib`, `adapter.secrets.<name>.env`),
    /// with the allowed values of those that take one of a fixed set.
    fn policy_keys(
        root: &Value,
        schema: &Value,
        prefix: &str,
        out: &mut BTreeMap<String, Vec<String>>,
    ) {
        let schema = resolve(root, schema);
        let mut visit = |key: &str, sub: &Value| {
            let path = if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}.{key}")
            };
            let mut values = Vec::new();
            enum_values(root, sub, &mut values);
            out.insert(path.clone(), values);
            policy_keys(root, sub, &path, out);
        };
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, sub) in properties {
                visit(key, sub);
            }
        }
        if let Some(map) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            visit("<name>", map);
        }
        for alternatives in ["anyOf", "oneOf", "allOf"] {
            for sub in schema
                .get(alternatives)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                policy_keys(root, sub, prefix, out);
            }
        }
        if let Some(items) = schema.get("items") {
            policy_keys(root, items, prefix, out);
        }
    }

    /// The fixed values `schema` allows, if it is an enum (or an optional one).
    fn enum_values(root: &Value, schema: &Value, out: &mut Vec<String>) {
        let schema = resolve(root, schema);
        if let Some(c) = schema.get("const").and_then(Value::as_str) {
            out.push(c.to_string());
        }
        for v in schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(v.as_str().map(str::to_string));
        }
        for alternatives in ["anyOf", "oneOf"] {
            for sub in schema
                .get(alternatives)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                enum_values(root, sub, out);
            }
        }
    }

    /// `schema`, or what its `$ref` points to.
    fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/")
                .map(|p| p.split('/').fold(root, |v, seg| &v[seg]))
                .unwrap_or(schema),
            None => schema,
        }
    }

    const POLICY: &str = r#"
[host]
allow-unsigned = true
pool-size = 32

[host.caps]
call-timeout-ms = 1500
between-bytes-timeout-ms = 300
list-len = 500
header-kib = 8

[[trust]]
supplier = "acme"
key = "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

[[adapter]]
file = "acme.wasm"
hosts = ["https://api.acme.example", { url = "http://127.0.0.1:9000", insecure-http = true, private-network = true }]
settings = { base-url = "https://api.acme.example/v1" }
secrets = { api-key = { value = "k-1", attach-to = ["https://api.acme.example/v1/"] } }
limits = { call-timeout-ms = 1000 }
"#;

    #[test]
    fn a_policy_parses_into_host_config_and_grants() {
        let p = Policy::parse(POLICY, Path::new("/etc/mercato")).expect("valid");
        assert!(p.host.trust.allows_unsigned());
        assert_eq!(p.host.trust.keys().len(), 1);
        assert_eq!(p.host.caps.call_timeout, Duration::from_millis(1500));
        assert_eq!(
            p.host.caps.between_bytes_timeout,
            Duration::from_millis(300)
        );
        assert_eq!(p.host.caps.list_len, 500);
        assert_eq!(p.host.caps.header_bytes, 8 * 1024);
        assert_eq!(
            p.host.caps.host_bytes_bound(),
            p.host.caps.max_handles * 32 * 1024,
            "an unsent body's two 16 KiB chunks are the most one handle holds"
        );
        assert_eq!(p.host.engine.pool_size, 32);
        let a = &p.adapters[0];
        assert_eq!(a.file, Path::new("/etc/mercato/acme.wasm"));
        assert_eq!(a.grants.hosts.len(), 2);
        assert!(a.grants.hosts[1].insecure_http && a.grants.hosts[1].private_network);
        assert!(a.grants.secrets.contains("api-key"));
        assert_eq!(
            a.grants.secret_targets["api-key"],
            [AttachTarget::parse("https://api.acme.example/v1/").expect("valid")]
        );
        assert_eq!(
            a.grants.limits.call_timeout,
            Some(Duration::from_millis(1000))
        );
    }

    #[test]
    fn the_example_policy_is_valid() {
        // The example reads secrets from the environment; stand values in for the test.
        let text = include_str!("../examples/mercato-host.toml")
            .replace("env = \"VOLTAIC_API_KEY\"", "value = \"k\"")
            .replace("{ env = \"VOLTAIC_WEBHOOK_SECRET\" }", "{ value = \"w\" }")
            .replace(
                "{ env = \"MERCATO_KEY_PRESS_LINE_7\" }",
                "{ value = \"press-line-7-example-key\" }",
            );
        let p = Policy::parse(&text, Path::new("host/examples")).expect("the example parses");
        assert_eq!(p.adapters.len(), 2);
        assert!(!p.host.trust.allows_unsigned());
        assert_eq!(p.clients.len(), 2);
        assert_eq!(p.serve.broker.max_concurrent_calls, 200);
        assert!(p.clients.by_id("press-line-7").unwrap().mandate.is_some());
    }

    #[test]
    fn mistakes_are_named() {
        let e = Policy::parse(&POLICY.replace("pool-size", "pool-sise"), Path::new("."))
            .expect_err("typo");
        assert!(e.to_string().contains("pool-sise"), "{e}");
        let e = Policy::parse(
            &POLICY.replace("call-timeout-ms = 1000", "call-timeout-ms = 5000"),
            Path::new("."),
        )
        .expect_err("above cap");
        assert!(
            e.to_string().contains("adapter[0].limits.call-timeout-ms"),
            "{e}"
        );
        let e = Policy::parse(
            &POLICY.replace(", insecure-http = true", ""),
            Path::new("."),
        )
        .expect_err("http");
        assert!(e.to_string().contains("insecure-http"), "{e}");
        let e = Policy::parse(
            &POLICY.replace("value = \"k-1\"", "env = \"MERCATO_TEST_UNSET_VAR\""),
            Path::new("."),
        )
        .expect_err("unset env");
        assert!(e.to_string().contains("MERCATO_TEST_UNSET_VAR"), "{e}");
    }

    const SERVE: &str = r#"
[host]
pool-size = 32

[serve]
address = "127.0.0.1:9090"
request-deadline-ms = 1500
max-concurrent-calls = 24

[[client]]
id = "press-line-7"
key = { value = "a-long-enough-api-key" }
currency = "EUR"
country = "DE"
inbound = ["voltaic"]
buyer = { account-id = "ACME-4711", cost-center = "MAINT-7" }

[[client]]
id = "agent"
key-sha256 = "0000000000000000000000000000000000000000000000000000000000000001"

[[mandate]]
id = "m-press-line-7"
client = "press-line-7"
principal = "maintenance-lead@acme.example"
suppliers = ["voltaic", "nordfast"]
items = [{ sku = "VC-HN-M8-A2" }, { category = "3116" }]
ship-to = ["4012345000009"]
max-per-order = "EUR 500.00"
budget = { limit = "EUR 2000.00", period = "month", max-orders = 20 }
approval-above = "EUR 250.00"
price-tolerance-bp = 200
require-firm-quote = true
valid-from = "2026-01-01T00:00:00Z"
valid-until = "2027-01-01T00:00:00Z"
"#;

    #[test]
    fn serve_and_clients_parse() {
        let p = Policy::parse(SERVE, Path::new(".")).expect("valid");
        assert_eq!(p.serve.address, "127.0.0.1:9090");
        assert_eq!(p.serve.broker.deadline, Duration::from_millis(1500));
        assert_eq!(p.serve.broker.max_concurrent_calls, 24);
        assert_eq!(p.clients.len(), 2);
        let bot = p.clients.by_key("a-long-enough-api-key").expect("by key");
        assert_eq!(bot.id.as_str(), "press-line-7");
        assert_eq!(bot.buyer.account_id.as_deref(), Some("ACME-4711"));
        assert_eq!(bot.buyer.originator.as_deref(), Some("press-line-7"));
        assert_eq!(bot.inbound[0].as_str(), "voltaic");
        let agent = p.clients.by_id("agent").expect("agent");
        assert!(agent.mandate.is_none(), "no mandate: may look, not order");
        let m = bot.mandate.as_ref().expect("mandate");
        assert_eq!(m.max_per_order.minor(), 50_000);
        assert_eq!(m.budget.as_ref().unwrap().max_orders, Some(20));
        assert_eq!(m.items.len(), 2);
        assert_eq!(m.not_before, 1_767_225_600_000);
    }

    #[test]
    fn serve_and_client_mistakes_are_named() {
        for (from, to, expected) in [
            (
                "max-concurrent-calls = 24",
                "max-concurrent-calls = 64",
                "serve.max-concurrent-calls",
            ),
            ("127.0.0.1:9090", "localhost", "serve.address"),
            ("a-long-enough-api-key", "short", "client[0].key"),
            ("country = \"DE\"", "country = \"de\"", "client[0].country"),
            (
                "currency = \"EUR\"",
                "currency = \"EURO\"",
                "client[0].currency",
            ),
            (
                "id = \"agent\"",
                "id = \"press-line-7\"",
                "configured twice",
            ),
            (
                "key-sha256 = \"00",
                "key-sha256 = \"zz",
                "client[1].key-sha256",
            ),
            (
                "\"EUR 250.00\"",
                "\"USD 250.00\"",
                "mandate[0].approval-above",
            ),
            (
                "\"EUR 500.00\"",
                "\"EUR 500.001\"",
                "mandate[0].max-per-order",
            ),
            (
                "client = \"press-line-7\"",
                "client = \"nobody\"",
                "mandate[0].client",
            ),
            ("period = \"month\"", "period = \"fortnight\"", "fortnight"),
            (
                "2027-01-01T00:00:00Z",
                "next year",
                "mandate[0].valid-until",
            ),
        ] {
            let e = Policy::parse(&SERVE.replace(from, to), Path::new(".")).expect_err(expected);
            assert!(e.to_string().contains(expected), "{expected}: {e}");
        }
    }

    #[test]
    fn a_secret_destination_must_be_a_plain_url() {
        let bad = POLICY.replace(
            "attach-to = [\"https://api.acme.example/v1/\"]",
            "attach-to = [\"https://api.acme.example/v1/../admin\"]",
        );
        assert_ne!(bad, POLICY);
        let e = Policy::parse(&bad, Path::new("/etc/mercato")).expect_err("refused");
        let text = e.to_string();
        assert!(
            text.contains("adapter[0].secrets.api-key.attach-to[0]") && text.contains("dot"),
            "{text}"
        );
    }

    #[test]
    fn client_connections_are_bounded_by_default_and_configurable() {
        let p = Policy::parse(POLICY, Path::new("/etc/mercato")).expect("valid");
        assert_eq!(p.serve.connections, ConnectionLimits::default());
        let tuned = format!(
            "{POLICY}\n[serve]\nheader-timeout-ms = 500\nbody-timeout-ms = 700\nidle-timeout-ms = 9000\nmax-connections = 8\n"
        );
        let c = Policy::parse(&tuned, Path::new("/etc/mercato"))
            .expect("valid")
            .serve
            .connections;
        assert_eq!(
            (
                c.header_timeout,
                c.body_timeout,
                c.idle_timeout,
                c.max_connections
            ),
            (
                Duration::from_millis(500),
                Duration::from_millis(700),
                Duration::from_millis(9000),
                8
            )
        );
        let shorter =
            format!("{POLICY}\n[serve]\nrequest-deadline-ms = 5000\nidle-timeout-ms = 4000\n");
        let e = Policy::parse(&shorter, Path::new("/etc/mercato")).expect_err("refused");
        assert!(e.to_string().contains("serve.idle-timeout-ms"), "{e}");
    }
}
