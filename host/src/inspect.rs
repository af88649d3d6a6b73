//! `mercato inspect`: the audit report a security reviewer reads before loading an adapter.
//!
//! The report is built from the file alone (nothing is compiled or run) plus, optionally, the
//! integrator's policy: identity, signature and trust, contract, every import and export,
//! what the manifest asks for, what is effectively granted and under which limits, and
//! everything that would be refused and why.
//!
//! The JSON form is stable: its `schema` field is [`SCHEMA`], fields are only ever added
//! within a schema version, and every field is documented on the types below.

use crate::adapter::HostConfig;
use crate::adapter::{self, world};
use crate::error::LoadError;
use crate::sandbox::Grants;
use crate::sandbox::effective::{self, Refusal};
use crate::signing::Trust;
use mercato_sdk::manifest::Manifest;
use serde::Serialize;
use std::fmt::Write as _;

/// Identifier of the report format.
pub const SCHEMA: &str = "mercato.audit/v1";

/// The audit report.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The file.
    pub file: FileInfo,
    /// Signature and trust.
    pub signature: SignatureInfo,
    /// Contract the adapter was built against.
    pub contract: ContractInfo,
    /// Every top-level import, and whether the host links it.
    pub imports: Vec<ImportInfo>,
    /// Every top-level export.
    pub exports: Vec<String>,
    /// The manifest as shipped, if readable.
    pub manifest: Option<Manifest>,
    /// What the adapter may do under the policy, if the grants apply.
    pub effective: Option<EffectiveInfo>,
    /// Things asked or granted that do not take effect.
    pub refusals: Vec<Refusal>,
    /// Whether the host would load it, and if not why.
    pub verdict: Verdict,
}

/// The file.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    /// Path as given.
    pub path: Option<String>,
    /// Size in bytes.
    pub size: usize,
    /// `sha256:<hex>` of the unsigned component: the adapter's identity.
    pub digest: Option<String>,
}

/// Signature and trust.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureInfo {
    /// `trusted`, `unsigned-allowed` (development flag), `unsigned`, `unknown-key` or
    /// `tampered`.
    pub status: String,
    /// The signing key, `ed25519:<base64>`.
    pub key: Option<String>,
    /// Who the policy says holds the key.
    pub publisher: Option<String>,
    /// Why the signature fails, when it does.
    pub detail: Option<String>,
}

/// Contract.
#[derive(Debug, Clone, Serialize)]
pub struct ContractInfo {
    /// The world adapters implement.
    pub world: &'static str,
    /// Version the SDK stamped into the component.
    pub stamped: Option<String>,
    /// Versions this host serves.
    pub supported: &'static str,
}

/// One import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportInfo {
    /// Full name (`wasi:http/outgoing-handler@0.2.12`).
    pub name: String,
    /// Whether the host links it; an unlinked import refuses the adapter.
    pub linked: bool,
}

/// Effective capabilities.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveInfo {
    /// Destinations it may call.
    pub destinations: Vec<DestinationInfo>,
    /// Setting keys it can read (values are not reported).
    pub settings: Vec<String>,
    /// Secrets the host holds for it, with how each is attached.
    pub secrets: Vec<SecretInfo>,
    /// Per-call limits.
    pub limits: LimitsInfo,
}

/// One destination.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationInfo {
    /// `scheme://host:port`.
    pub url: String,
    /// Plain http allowed.
    pub insecure_http: bool,
    /// Private and loopback addresses allowed.
    pub private_network: bool,
}

/// One secret (never its value).
#[derive(Debug, Clone, Serialize)]
pub struct SecretInfo {
    /// Its name.
    pub name: String,
    /// Header the host sets with it, if any; else it is only usable through HMAC.
    pub header: Option<String>,
}

/// The effective limits, in plain units.
#[derive(Debug, Clone, Serialize)]
pub struct LimitsInfo {
    /// Wall clock per call.
    pub call_timeout_ms: u128,
    /// Linear memory per instance.
    pub memory_bytes: usize,
    /// Table elements per table.
    pub table_elements: usize,
    /// Instructions per call, when fuel is on.
    pub fuel: Option<u64>,
    /// Guest-to-host bytes per host call.
    pub hostcall_bytes: usize,
    /// Live resource handles.
    pub max_handles: usize,
    /// One set of HTTP headers the adapter builds.
    pub header_bytes: usize,
    /// The most host memory the call's resources can hold (`Limits::host_bytes_bound`).
    pub host_bytes_bound: usize,
    /// Outbound requests per call.
    pub outbound_requests: u32,
    /// Upstream connect timeout.
    pub connect_timeout_ms: u128,
    /// Upstream first-byte timeout.
    pub first_byte_timeout_ms: u128,
    /// Upstream between-bytes timeout.
    pub between_bytes_timeout_ms: u128,
    /// Outbound request body.
    pub request_body_bytes: u64,
    /// Upstream response body.
    pub response_body_bytes: u64,
    /// Call arguments.
    pub input_bytes: usize,
    /// Call results.
    pub output_bytes: usize,
    /// Elements of any list crossing the boundary.
    pub list_len: usize,
    /// Captured stdout/stderr per call.
    pub stdio_bytes: usize,
    /// Log lines per second across calls.
    pub log_lines_per_second: u32,
}

/// The verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Whether the host would load it (compilation not attempted).
    pub loadable: bool,
    /// Why not.
    pub reasons: Vec<String>,
}

/// Build the report for `bytes` under `config` and `grants`.
pub fn report(
    path: Option<&str>,
    bytes: &[u8],
    config: &HostConfig,
    grants: &Grants,
) -> AuditReport {
    let mut r = AuditReport {
        schema: SCHEMA,
        file: FileInfo {
            path: path.map(str::to_string),
            size: bytes.len(),
            digest: None,
        },
        signature: SignatureInfo {
            status: "unknown".into(),
            key: None,
            publisher: None,
            detail: None,
        },
        contract: ContractInfo {
            world: "mercato:supplier/supplier-adapter",
            stamped: None,
            supported: world::SUPPORTED_CONTRACTS,
        },
        imports: Vec::new(),
        exports: Vec::new(),
        manifest: None,
        effective: None,
        refusals: Vec::new(),
        verdict: Verdict {
            loadable: false,
            reasons: Vec::new(),
        },
    };
    let mut reasons = Vec::new();
    if bytes.len() > config.engine.max_component_bytes {
        reasons.push(
            LoadError::TooLarge {
                size: bytes.len(),
                max: config.engine.max_component_bytes,
            }
            .to_string(),
        );
    }
    if crate::engine::is_precompiled(bytes) {
        reasons.push(LoadError::Precompiled.to_string());
    }
    if let Ok(package) = adapter::package::read(bytes) {
        r.imports = package
            .imports
            .iter()
            .map(|n| ImportInfo {
                name: n.clone(),
                linked: world::import_allowed(n),
            })
            .collect();
        r.exports = package.exports.clone();
        if let Err(e) = world::check_names(&package.imports, &package.exports) {
            reasons.push(e.to_string());
        }
    }
    match adapter::inspect(bytes, &config.trust) {
        Err(e) => reasons.push(e.to_string()),
        Ok(i) => {
            r.file.digest = Some(i.digest.to_string());
            r.contract.stamped = i.contract.clone();
            r.signature = signature_info(&i.trust, config);
            if !i.trust.admits() {
                reasons.push(
                    r.signature
                        .detail
                        .clone()
                        .unwrap_or_else(|| r.signature.status.clone()),
                );
            } else if let Err(e) = adapter::check_structure(bytes, &config.engine) {
                // The same pass loading runs, so "loadable" here means loadable there.
                reasons.push(e.to_string());
            }
            match effective::compute(&i.manifest, grants, &config.caps) {
                Ok(e) => {
                    r.refusals = e.refusals.clone();
                    r.effective = Some(effective_info(&e));
                }
                Err(e) => reasons.push(e.to_string()),
            }
            r.manifest = Some(i.manifest);
        }
    }
    r.verdict = Verdict {
        loadable: reasons.is_empty(),
        reasons,
    };
    r
}

fn signature_info(trust: &Trust, config: &HostConfig) -> SignatureInfo {
    let publisher_of = |key: &crate::signing::PublicKey| {
        config
            .trust
            .keys()
            .iter()
            .find(|t| t.key == *key)
            .and_then(|t| t.publisher.clone())
    };
    match trust {
        Trust::Trusted(k) => SignatureInfo {
            status: "trusted".into(),
            key: Some(k.to_string()),
            publisher: publisher_of(k),
            detail: None,
        },
        Trust::UnsignedAllowed => SignatureInfo {
            status: "unsigned-allowed".into(),
            key: None,
            publisher: None,
            detail: Some(
                "unsigned, accepted only because the host allows unsigned adapters (development)"
                    .into(),
            ),
        },
        Trust::Unsigned => SignatureInfo {
            status: "unsigned".into(),
            key: None,
            publisher: None,
            detail: Some("unsigned adapters are refused".into()),
        },
        Trust::UnknownKey(k) => SignatureInfo {
            status: "unknown-key".into(),
            key: Some(k.to_string()),
            publisher: None,
            detail: Some(format!(
                "signed by {k}, which the policy does not trust for this supplier"
            )),
        },
        Trust::Tampered(reason) => SignatureInfo {
            status: "tampered".into(),
            key: None,
            publisher: None,
            detail: Some(reason.clone()),
        },
    }
}

fn effective_info(e: &effective::Effective) -> EffectiveInfo {
    let l = &e.limits;
    EffectiveInfo {
        destinations: e
            .destinations
            .iter()
            .map(|d| DestinationInfo {
                url: d.host.to_string(),
                insecure_http: d.insecure_http,
                private_network: d.private_network,
            })
            .collect(),
        settings: e.settings.keys().cloned().collect(),
        secrets: e
            .secrets
            .names()
            .map(|name| SecretInfo {
                name: name.to_string(),
                header: e
                    .bindings
                    .iter()
                    .find(|b| b.secret == name)
                    .map(|b| b.header.to_string()),
            })
            .collect(),
        limits: LimitsInfo {
            call_timeout_ms: l.call_timeout.as_millis(),
            memory_bytes: l.memory_bytes,
            table_elements: l.table_elements,
            fuel: l.fuel,
            hostcall_bytes: l.hostcall_bytes,
            max_handles: l.max_handles,
            header_bytes: l.header_bytes,
            host_bytes_bound: l.host_bytes_bound(),
            outbound_requests: l.outbound_requests,
            connect_timeout_ms: l.connect_timeout.as_millis(),
            first_byte_timeout_ms: l.first_byte_timeout.as_millis(),
            between_bytes_timeout_ms: l.between_bytes_timeout.as_millis(),
            request_body_bytes: l.request_body_bytes,
            response_body_bytes: l.response_body_bytes,
            input_bytes: l.input_bytes,
            output_bytes: l.output_bytes,
            list_len: l.list_len,
            stdio_bytes: l.stdio_bytes,
            log_lines_per_second: l.log_lines_per_second,
        },
    }
}

impl AuditReport {
    /// The human-readable form.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Adapter {}",
            self.file.path.as_deref().unwrap_or("(bytes)")
        );
        let _ = writeln!(t, "  size      {} bytes", self.file.size);
        let _ = writeln!(
            t,
            "  digest    {}",
            self.file.digest.as_deref().unwrap_or("-")
        );
        if let Some(m) = &self.manifest {
            let _ = writeln!(
                t,
                "  supplier  {} {} by {}",
                m.adapter.supplier, m.adapter.version, m.adapter.publisher
            );
        }
        let _ = writeln!(t, "\nSignature  {}", self.signature.status);
        if let Some(k) = &self.signature.key {
            let _ = writeln!(t, "  key       {k}");
        }
        if let Some(p) = &self.signature.publisher {
            let _ = writeln!(t, "  publisher {p}");
        }
        if let Some(d) = &self.signature.detail {
            let _ = writeln!(t, "  note      {d}");
        }
        let _ = writeln!(
            t,
            "\nContract   {} {} (host serves {})",
            self.contract.world,
            self.contract.stamped.as_deref().unwrap_or("(not stamped)"),
            self.contract.supported
        );
        let _ = writeln!(t, "\nImports ({})", self.imports.len());
        for i in &self.imports {
            let _ = writeln!(
                t,
                "  {} {}",
                if i.linked { "ok     " } else { "REFUSED" },
                i.name
            );
        }
        let _ = writeln!(t, "\nExports ({})", self.exports.len());
        for e in &self.exports {
            let _ = writeln!(t, "  {e}");
        }
        if let Some(m) = &self.manifest {
            let _ = writeln!(t, "\nManifest asks for");
            for o in &m.outbound {
                let _ = writeln!(
                    t,
                    "  outbound  {}{}",
                    o.url,
                    o.purpose
                        .as_ref()
                        .map(|p| format!("  ({p})"))
                        .unwrap_or_default()
                );
            }
            for (k, s) in &m.settings {
                let _ = writeln!(
                    t,
                    "  setting   {k}{}  {}",
                    if s.required { " (required)" } else { "" },
                    s.description
                );
            }
            for (k, s) in &m.secrets {
                let how = s
                    .attach
                    .as_ref()
                    .map(|a| format!("attached as {}: {}", a.header, a.format))
                    .unwrap_or_else(|| "HMAC only".into());
                let _ = writeln!(t, "  secret    {k}  {how}  {}", s.description);
            }
        }
        if let Some(e) = &self.effective {
            let _ = writeln!(t, "\nEffective grants");
            if e.destinations.is_empty() {
                let _ = writeln!(t, "  network   none");
            }
            for d in &e.destinations {
                let mut flags = Vec::new();
                if d.insecure_http {
                    flags.push("insecure-http");
                }
                if d.private_network {
                    flags.push("private-network");
                }
                let _ = writeln!(t, "  network   {} {}", d.url, flags.join(" "));
            }
            let _ = writeln!(
                t,
                "  settings  {}",
                if e.settings.is_empty() {
                    "none".to_string()
                } else {
                    e.settings.join(", ")
                }
            );
            for s in &e.secrets {
                let _ = writeln!(
                    t,
                    "  secret    {} {}",
                    s.name,
                    s.header
                        .as_ref()
                        .map(|h| format!("-> header {h}"))
                        .unwrap_or_else(|| "(HMAC only)".into())
                );
            }
            let l = &e.limits;
            let _ = writeln!(t, "\nLimits per call");
            for (name, value) in [
                ("wall clock", format!("{} ms", l.call_timeout_ms)),
                ("memory", format!("{} MiB", l.memory_bytes / (1024 * 1024))),
                ("table elements", l.table_elements.to_string()),
                (
                    "fuel",
                    l.fuel
                        .map(|f| f.to_string())
                        .unwrap_or_else(|| "off".into()),
                ),
                ("host-call bytes", l.hostcall_bytes.to_string()),
                ("resource handles", l.max_handles.to_string()),
                ("headers built", format!("{} bytes", l.header_bytes)),
                (
                    "host memory held by resources, at most",
                    format!("{} MiB", l.host_bytes_bound / (1024 * 1024)),
                ),
                ("outbound requests", l.outbound_requests.to_string()),
                (
                    "connect / first byte / between bytes",
                    format!(
                        "{} / {} / {} ms",
                        l.connect_timeout_ms, l.first_byte_timeout_ms, l.between_bytes_timeout_ms
                    ),
                ),
                ("request body", format!("{} bytes", l.request_body_bytes)),
                ("response body", format!("{} bytes", l.response_body_bytes)),
                (
                    "arguments / results",
                    format!("{} / {} bytes", l.input_bytes, l.output_bytes),
                ),
                ("list length", l.list_len.to_string()),
                ("stdout+stderr kept", format!("{} bytes", l.stdio_bytes)),
                ("log lines", format!("{}/s", l.log_lines_per_second)),
            ] {
                let _ = writeln!(t, "  {name:<38} {value}");
            }
        }
        if !self.refusals.is_empty() {
            let _ = writeln!(t, "\nRefused");
            for r in &self.refusals {
                let _ = writeln!(t, "  {}: {}", r.subject, r.reason);
            }
        }
        let _ = writeln!(
            t,
            "\nVerdict    {}",
            if self.verdict.loadable {
                "loadable"
            } else {
                "REFUSED"
            }
        );
        for reason in &self.verdict.reasons {
            let _ = writeln!(t, "  {reason}");
        }
        t
    }
}
