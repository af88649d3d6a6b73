//! Credentials that stay on the host side.
//!
//! An adapter names a secret; it never reads one. The host either computes with it
//! (`host.hmac-sha256`) or attaches it to requests bound for the adapter's own granted hosts.

use super::allowed_hosts::AllowedHost;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt;

/// A secret value. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Vec<u8>);

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue(<{} bytes>)", self.0.len())
    }
}

/// Secrets granted to one adapter, by name.
#[derive(Debug, Clone, Default)]
pub struct Secrets(BTreeMap<String, SecretValue>);

impl Secrets {
    /// Grant a secret under `name`.
    pub fn insert(&mut self, name: String, value: Vec<u8>) {
        self.0.insert(name, SecretValue(value));
    }

    /// Whether a secret of that name is granted.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Names of the granted secrets (for audit reports; never the values).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// HMAC-SHA256 of `data` under the named secret.
    pub fn hmac_sha256(&self, name: &str, data: &[u8]) -> Option<Vec<u8>> {
        let secret = self.0.get(name)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret.0).ok()?;
        mac.update(data);
        Some(mac.finalize().into_bytes().to_vec())
    }

    pub(crate) fn value(&self, name: &str) -> Option<&[u8]> {
        self.0.get(name).map(|v| v.0.as_slice())
    }
}

/// How the host attaches a secret to outgoing requests: as header `header`, with the value
/// written by `format` where `{secret}` stands for the secret ("Bearer {secret}").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretBinding {
    /// The secret's name.
    pub secret: String,
    /// Header to set.
    pub header: http::HeaderName,
    /// Header value template; `{secret}` is replaced by the secret.
    pub format: String,
    /// Requests to this destination get the header; no other request does.
    pub destination: AllowedHost,
}

impl SecretBinding {
    /// The header value for `secrets`, or None if the secret is not granted or not valid in a
    /// header.
    pub fn header_value(&self, secrets: &Secrets) -> Option<http::HeaderValue> {
        let secret = std::str::from_utf8(secrets.value(&self.secret)?).ok()?;
        let mut value =
            http::HeaderValue::from_str(&self.format.replace("{secret}", secret)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values() {
        let mut s = Secrets::default();
        s.insert("api-key".into(), b"hunter2".to_vec());
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mut s = Secrets::default();
        s.insert("k".into(), b"Jefe".to_vec());
        let mac = s
            .hmac_sha256("k", b"what do ya want for nothing?")
            .expect("granted");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(s.hmac_sha256("other", b"x").is_none());
    }
}
