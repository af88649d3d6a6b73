//! What an adapter may do: limits, network grants and secrets, and the code that enforces them.
//!
//! The rules live here, apart from the runtime plumbing: [`allowed_hosts`] is pure parsing and
//! matching, [`limits`] is the numbers, [`outbound`] is the one door to the network,
//! [`secrets`] keeps credentials on the host side, and [`Grants`] ties them together per adapter.

pub mod allowed_hosts;
pub mod limits;
pub mod outbound;
pub mod secrets;
pub mod stdio;

use allowed_hosts::AllowedHosts;
use limits::Limits;
use secrets::{SecretBinding, Secrets};
use std::collections::BTreeMap;

/// What the integrator grants one adapter.
///
/// Everything defaults to nothing: no hosts, no settings, no secrets, the default limits.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// Hosts the adapter may call.
    pub allowed_hosts: AllowedHosts,
    /// Non-secret settings, readable by the adapter (`host.get-setting`).
    pub settings: BTreeMap<String, String>,
    /// Secrets: usable through `host.hmac-sha256` and attached to requests by the host,
    /// never readable by the adapter.
    pub secrets: Secrets,
    /// How secrets attach to outgoing requests.
    pub secret_bindings: Vec<SecretBinding>,
    /// Limits for each call.
    pub limits: Limits,
}

impl Grants {
    /// Grants with these hosts and settings and the default limits.
    pub fn new(allowed_hosts: AllowedHosts) -> Self {
        Grants {
            allowed_hosts,
            ..Grants::default()
        }
    }

    /// Add a setting.
    pub fn setting(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// Add a secret.
    pub fn secret(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.secrets.insert(name.into(), value.into());
        self
    }

    /// Attach a secret to requests as a header.
    pub fn bind_secret(mut self, binding: SecretBinding) -> Self {
        self.secret_bindings.push(binding);
        self
    }

    /// Use these limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}
