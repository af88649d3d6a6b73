//! What an adapter may do, and the code that enforces it.
//!
//! Two keys open every capability (Zed's and Spin's model): the adapter's manifest *asks*
//! (`mercato.toml`, shipped in the component) and the integrator *grants* ([`Grants`], from the
//! host policy). [`effective`] intersects them under the host's caps into what one adapter may
//! actually do, and records everything it refused and why. Enforcement: [`limits`] are the
//! numbers, [`outbound`] is the one door to the network (with [`connect`] resolving and
//! re-checking addresses), [`secrets`] keep credentials on the host side, [`stdio`] bounds what
//! an adapter prints, [`log_quota`] bounds what the host logs
//! about it, and [`size`] measures what crosses the boundary.

pub(crate) mod connect;
pub mod effective;
pub mod limits;
pub(crate) mod log_quota;
pub mod outbound;
pub mod secrets;
pub(crate) mod size;
pub(crate) mod stdio;
pub(crate) mod trace_body;

pub use mercato_sdk::manifest::hosts as allowed_hosts;

use allowed_hosts::{AllowedHost, AllowedHostError, GrantScheme};
use secrets::{AttachTarget, Secrets};
use std::collections::BTreeMap;

/// One destination the integrator grants.
///
/// By default a destination is https only and must resolve to a public address; plain http
/// and loopback/private/link-local addresses each need their own explicit flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGrant {
    /// `scheme://host:port`.
    pub host: AllowedHost,
    /// Allow plain `http://` to this destination.
    pub insecure_http: bool,
    /// Allow it to resolve to loopback, private, link-local or shared addresses.
    pub private_network: bool,
}

impl HostGrant {
    /// Grant `scheme://host[:port]` with the strict defaults.
    pub fn parse(url: &str) -> Result<Self, AllowedHostError> {
        Ok(HostGrant {
            host: AllowedHost::parse(url)?,
            insecure_http: false,
            private_network: false,
        })
    }

    /// Allow plain http as well (for a test supplier on the integrator's own network).
    pub fn insecure_http(mut self) -> Self {
        self.insecure_http = true;
        self
    }

    /// Allow private and loopback addresses (for a supplier inside the integrator's network).
    pub fn private_network(mut self) -> Self {
        self.private_network = true;
        self
    }

    /// A local test supplier at `http://127.0.0.1:port`: both flags set.
    pub fn local(url: &str) -> Result<Self, AllowedHostError> {
        Ok(HostGrant::parse(url)?.insecure_http().private_network())
    }

    /// Whether the grant is usable at all: http needs its flag.
    pub fn scheme_allowed(&self) -> bool {
        self.host.scheme() == GrantScheme::Https || self.insecure_http
    }
}

/// Limits the integrator grants one adapter; absent fields take the host's cap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitGrants {
    /// Wall-clock time per call.
    pub call_timeout: Option<std::time::Duration>,
    /// Linear memory per instance, bytes.
    pub memory_bytes: Option<usize>,
    /// Instructions per call.
    pub fuel: Option<u64>,
    /// Outbound requests per call.
    pub outbound_requests: Option<u32>,
    /// Bytes of one upstream response body.
    pub response_body_bytes: Option<u64>,
}

/// What the integrator grants one adapter. Everything defaults to nothing: no destinations, no
/// settings, no secrets, and the host's caps as limits.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// Destinations the adapter may call (only those its manifest asks for take effect).
    pub hosts: Vec<HostGrant>,
    /// Setting values, by key (only keys the manifest declares are passed on).
    pub settings: BTreeMap<String, String>,
    /// Secret values, by name (only names the manifest declares are used).
    pub secrets: Secrets,
    /// Where each secret may be attached to requests, by name. A secret with no targets is
    /// attached to nothing (the adapter can still use it through HMAC).
    pub secret_targets: BTreeMap<String, Vec<AttachTarget>>,
    /// Limits, each no higher than the host's cap.
    pub limits: LimitGrants,
}

impl Grants {
    /// No grants.
    pub fn new() -> Self {
        Grants::default()
    }

    /// Grant a destination.
    pub fn host(mut self, grant: HostGrant) -> Self {
        self.hosts.push(grant);
        self
    }

    /// Give a setting a value.
    pub fn setting(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// Give a secret a value, attached to no request: usable through HMAC only.
    pub fn secret(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.secrets.insert(name.into(), value.into());
        self
    }

    /// Give a secret a value and let the host attach it (as the manifest says) to the requests
    /// one of `targets` allows, and to no other.
    pub fn secret_for(
        mut self,
        name: impl Into<String>,
        value: impl Into<Vec<u8>>,
        targets: impl IntoIterator<Item = AttachTarget>,
    ) -> Self {
        let name = name.into();
        self.secret_targets
            .entry(name.clone())
            .or_default()
            .extend(targets);
        self.secrets.insert(name, value.into());
        self
    }

    /// Grant these limits.
    pub fn limits(mut self, limits: LimitGrants) -> Self {
        self.limits = limits;
        self
    }
}
