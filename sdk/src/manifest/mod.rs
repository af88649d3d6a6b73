//! The adapter manifest: what an adapter needs, declared by its author and shipped inside the
//! component, so one file is the whole adapter and a reviewer can read what it asks for.
//!
//! Authors write it as `mercato.toml` next to their `Cargo.toml`;
//! [`register_adapter!`](crate::register_adapter) embeds it in the component as the custom
//! section [`SECTION`], and the SDK stamps the contract version it was built against in
//! [`CONTRACT_SECTION`]. The host reads both before compiling anything.
//!
//! ```toml
//! [adapter]
//! supplier = "voltaic"              # lower-case letters, digits, '-'
//! version = "1.4.0"                 # semantic version of the adapter
//! publisher = "Voltaic Components"  # who signs it
//!
//! [[outbound]]                      # every destination the adapter calls
//! url = "https://api.voltaic.example"
//! purpose = "catalogue, carts and orders"
//! # or url = "{{ base-url }}": the origin of whatever URL the integrator sets in that setting
//!
//! [settings.base-url]
//! description = "Root of the Voltaic API"
//! required = true
//!
//! [secrets.api-key]                 # attached by the host; the adapter never reads it
//! description = "Account API key"
//! attach = { header = "X-Api-Key", format = "{secret}" }
//!
//! [secrets.webhook-secret]          # no attach: only usable through host.hmac-sha256
//! description = "Verifies webhook signatures"
//!
//! [limits]                          # what the adapter asks for; the integrator may grant less
//! call-timeout-ms = 2000
//! memory-mib = 32
//! outbound-requests = 8
//! ```
//!
//! Every table rejects unknown keys, so a typo is an error, not a silently ignored wish.

pub mod hosts;

use hosts::{AllowedHost, AllowedHostError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Custom section holding the manifest's TOML text.
pub const SECTION: &str = "mercato:manifest";
/// Custom section holding the contract version the SDK built the adapter against.
pub const CONTRACT_SECTION: &str = "mercato:contract";
pub use crate::CONTRACT_VERSION;

/// Why a manifest is not acceptable. Each case names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not TOML, an unknown key, or a value of the wrong type.
    #[error("mercato.toml: {0}")]
    Syntax(String),
    /// A value has the right type but an unacceptable form.
    #[error("mercato.toml: `{key}`: {reason}")]
    Invalid {
        /// Dotted key (`adapter.supplier`, `outbound[1].url`).
        key: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// An outbound destination is malformed.
    #[error("mercato.toml: `outbound[{index}].url`: {source}")]
    Outbound {
        /// Position in the `[[outbound]]` list, from 0.
        index: usize,
        /// The parse error.
        source: AllowedHostError,
    },
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    /// Who the adapter is.
    pub adapter: AdapterSection,
    /// Destinations it calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbound: Vec<OutboundSpec>,
    /// Settings it reads, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, SettingSpec>,
    /// Secrets it needs, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, SecretSpec>,
    /// Limits it asks for.
    #[serde(default)]
    pub limits: RequestedLimits,
}

/// `[adapter]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AdapterSection {
    /// Supplier id; must equal what `describe` answers.
    pub supplier: String,
    /// Adapter version (semantic version).
    pub version: String,
    /// Publisher, as shown next to the signing key.
    pub publisher: String,
    /// Contract version the author targets; if given, must match the SDK's stamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
}

/// One `[[outbound]]` destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OutboundSpec {
    /// `scheme://host[:port]`, or `{{ setting-key }}` for the origin of a URL setting.
    pub url: String,
    /// Why the adapter calls it (for the audit report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// A parsed outbound destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A fixed destination.
    Fixed(AllowedHost),
    /// The origin of the URL the integrator configures in this setting.
    FromSetting(String),
}

impl OutboundSpec {
    /// Parse `url`.
    pub fn destination(&self) -> Result<Destination, AllowedHostError> {
        let trimmed = self.url.trim();
        if let Some(inner) = trimmed
            .strip_prefix("{{")
            .and_then(|r| r.strip_suffix("}}"))
        {
            let key = inner.trim();
            if key.is_empty() {
                return Err(AllowedHostError {
                    input: self.url.clone(),
                    reason: "an empty {{ }} template",
                });
            }
            return Ok(Destination::FromSetting(key.to_string()));
        }
        AllowedHost::parse(trimmed).map(Destination::Fixed)
    }
}

/// One `[settings.<key>]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SettingSpec {
    /// What the setting is for.
    pub description: String,
    /// Whether the adapter cannot work without it.
    #[serde(default)]
    pub required: bool,
}

/// One `[secrets.<name>]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretSpec {
    /// What the secret is for.
    pub description: String,
    /// How the host attaches it to requests; none = only usable through `host.hmac-sha256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<Attach>,
}

/// How a secret attaches to outgoing requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Attach {
    /// Header name.
    pub header: String,
    /// Header value, where `{secret}` stands for the secret ("Bearer {secret}").
    #[serde(default = "default_format")]
    pub format: String,
}

fn default_format() -> String {
    "{secret}".to_string()
}

/// `[limits]`: what the adapter asks for. Absent = the host's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequestedLimits {
    /// Wall-clock time per call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_timeout_ms: Option<u64>,
    /// Linear memory per instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u64>,
    /// Instructions per call (counted only when the host enables fuel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// Outbound requests per call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_requests: Option<u32>,
    /// Bytes of one upstream response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body_kib: Option<u64>,
}

/// Headers the host never lets an adapter or a secret binding set.
const RESERVED_HEADERS: [&str; 5] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
];

impl Manifest {
    /// Parse and validate a manifest.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            ManifestError::Syntax(e.message().to_string() + &location(text, e.span()))
        })?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// The manifest as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Check every value's form.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let invalid = |key: &str, reason: String| ManifestError::Invalid {
            key: key.to_string(),
            reason,
        };
        let a = &self.adapter;
        if !is_supplier_id(&a.supplier) {
            return Err(invalid(
                "adapter.supplier",
                format!(
                    "{:?} must be 1-64 lower-case letters, digits or '-', starting with a letter",
                    a.supplier
                ),
            ));
        }
        if !is_semver(&a.version) {
            return Err(invalid(
                "adapter.version",
                format!("{:?} is not a semantic version like 1.4.0", a.version),
            ));
        }
        if a.publisher.trim().is_empty() {
            return Err(invalid(
                "adapter.publisher",
                "must name who publishes the adapter".into(),
            ));
        }
        if let Some(contract) = &a.contract
            && !compatible_contract(contract)
        {
            return Err(invalid(
                "adapter.contract",
                format!(
                    "{contract:?} is not served by this SDK, which builds against {CONTRACT_VERSION}"
                ),
            ));
        }
        for (index, spec) in self.outbound.iter().enumerate() {
            match spec
                .destination()
                .map_err(|source| ManifestError::Outbound { index, source })?
            {
                Destination::FromSetting(key) if !self.settings.contains_key(&key) => {
                    return Err(invalid(
                        &format!("outbound[{index}].url"),
                        format!("{{{{ {key} }}}} names no declared setting; add [settings.{key}]"),
                    ));
                }
                _ => {}
            }
        }
        for key in self.settings.keys() {
            if !is_key(key) {
                return Err(invalid(
                    &format!("settings.{key}"),
                    "keys are lower-case letters, digits and '-'".into(),
                ));
            }
        }
        for (name, secret) in &self.secrets {
            if !is_key(name) {
                return Err(invalid(
                    &format!("secrets.{name}"),
                    "names are lower-case letters, digits and '-'".into(),
                ));
            }
            if let Some(attach) = &secret.attach {
                let header = attach.header.to_ascii_lowercase();
                if header.is_empty()
                    || !header
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(invalid(
                        &format!("secrets.{name}.attach.header"),
                        format!("{:?} is not a header name", attach.header),
                    ));
                }
                if RESERVED_HEADERS.contains(&header.as_str()) {
                    return Err(invalid(
                        &format!("secrets.{name}.attach.header"),
                        format!("{header} is set by the host's HTTP stack"),
                    ));
                }
                if attach.format.matches("{secret}").count() != 1 {
                    return Err(invalid(
                        &format!("secrets.{name}.attach.format"),
                        "must contain {secret} exactly once".into(),
                    ));
                }
            }
        }
        let l = &self.limits;
        for (key, zero) in [
            ("limits.call-timeout-ms", l.call_timeout_ms == Some(0)),
            ("limits.memory-mib", l.memory_mib == Some(0)),
            ("limits.response-body-kib", l.response_body_kib == Some(0)),
            ("limits.fuel", l.fuel == Some(0)),
        ] {
            if zero {
                return Err(invalid(key, "must be greater than zero".into()));
            }
        }
        Ok(())
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Supplier ids: 1-64 lower-case letters, digits or '-', starting with a letter.
pub fn is_supplier_id(s: &str) -> bool {
    is_key(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

fn is_semver(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a contract version is one this SDK builds (same major and minor for 0.x).
fn compatible_contract(v: &str) -> bool {
    let mine: Vec<&str> = CONTRACT_VERSION.split('.').collect();
    let theirs: Vec<&str> = v.split('.').collect();
    theirs.len() >= 2 && theirs.len() <= 3 && theirs[0] == mine[0] && theirs[1] == mine[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[adapter]
supplier = "voltaic"
version = "1.4.0"
publisher = "Voltaic Components"

[[outbound]]
url = "{{ base-url }}"
purpose = "the API"

[[outbound]]
url = "https://auth.voltaic.example"

[settings.base-url]
description = "API root"
required = true

[secrets.api-key]
description = "key"
attach = { header = "X-Api-Key" }

[secrets.webhook-secret]
description = "hmac only"

[limits]
call-timeout-ms = 1500
"#;

    #[test]
    fn a_complete_manifest_parses() {
        let m = Manifest::parse(GOOD).expect("valid");
        assert_eq!(m.adapter.supplier, "voltaic");
        assert_eq!(
            m.outbound[0].destination(),
            Ok(Destination::FromSetting("base-url".into()))
        );
        assert!(matches!(
            m.outbound[1].destination(),
            Ok(Destination::Fixed(_))
        ));
        assert_eq!(
            m.secrets["api-key"]
                .attach
                .as_ref()
                .map(|a| a.format.as_str()),
            Some("{secret}")
        );
        assert_eq!(m.limits.call_timeout_ms, Some(1500));
        assert_eq!(Manifest::parse(&m.to_toml()), Ok(m), "round-trips");
    }

    #[test]
    fn unknown_keys_are_errors_that_say_where() {
        let e = Manifest::parse(&GOOD.replace("publisher =", "publsher =")).expect_err("typo");
        let text = e.to_string();
        assert!(text.contains("publsher") && text.contains("line"), "{text}");
        let e = Manifest::parse(&format!("{GOOD}\n[extra]\nx = 1\n")).expect_err("unknown table");
        assert!(e.to_string().contains("extra"), "{e}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (from, to, key) in [
            (
                "supplier = \"voltaic\"",
                "supplier = \"Voltaic!\"",
                "adapter.supplier",
            ),
            (
                "version = \"1.4.0\"",
                "version = \"latest\"",
                "adapter.version",
            ),
            (
                "url = \"{{ base-url }}\"",
                "url = \"{{ nope }}\"",
                "outbound[0].url",
            ),
            (
                "header = \"X-Api-Key\"",
                "header = \"Host\"",
                "secrets.api-key.attach.header",
            ),
            (
                "call-timeout-ms = 1500",
                "call-timeout-ms = 0",
                "limits.call-timeout-ms",
            ),
        ] {
            let e = Manifest::parse(&GOOD.replace(from, to)).expect_err(to);
            assert!(e.to_string().contains(key), "{to}: {e}");
        }
        let e = Manifest::parse(
            &GOOD.replace("https://auth.voltaic.example", "https://user@evil.example"),
        )
        .expect_err("userinfo");
        assert!(
            matches!(e, ManifestError::Outbound { index: 1, .. }),
            "{e:?}"
        );
        let e = Manifest::parse(&GOOD.replace("[adapter]", "[adapter]\ncontract = \"2.0\""))
            .expect_err("contract");
        assert!(e.to_string().contains("adapter.contract"), "{e}");
    }
}
