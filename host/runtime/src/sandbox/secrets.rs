//! Credentials that stay on the host side.
//!
//! An adapter names a secret; it never reads one. The host either computes with it
//! (`host.hmac-sha256`) or attaches it to requests bound for the destinations (and path
//! prefixes) the integrator named for that one secret, and to no other request.

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

/// Where the integrator lets the host attach one secret: a destination and, optionally, a path
/// prefix under it (`https://api.voltaic.example/v1/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachTarget {
    /// The destination.
    pub host: AllowedHost,
    /// Only requests whose path is this prefix or lies under it; `None`: any path.
    pub path_prefix: Option<String>,
}

impl AttachTarget {
    /// Parse `scheme://host[:port][/path-prefix]`; no query, fragment, user information or
    /// dot segments.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: http::Uri = url.trim().parse().map_err(|e| format!("{url}: {e}"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(format!("{url}: not an absolute http(s) URL"));
        };
        if uri.query().is_some() || url.contains('#') {
            return Err(format!(
                "{url}: a secret's destination has no query or fragment"
            ));
        }
        let host =
            AllowedHost::parse(&format!("{scheme}://{authority}")).map_err(|e| e.to_string())?;
        let path = uri.path();
        if !plain_path(path) {
            return Err(format!(
                "{url}: the path may not hold dot segments, backslashes or their encodings"
            ));
        }
        let path_prefix = match path.trim_end_matches('/') {
            "" => None,
            _ => Some(path.to_string()),
        };
        Ok(AttachTarget { host, path_prefix })
    }

    /// Whether a request to `host` for `path` may carry the secret. Under a path prefix, a
    /// path with dot segments or backslashes never does: the server may resolve
    /// `/v1/../admin` outside the prefix. Without one, the whole destination is granted and
    /// any path is inside it.
    pub fn allows(&self, host: &AllowedHost, path: &str) -> bool {
        if self.host != *host {
            return false;
        }
        if self.path_prefix.is_some() && !plain_path(path) {
            return false;
        }
        match &self.path_prefix {
            None => true,
            Some(prefix) if prefix.ends_with('/') => {
                path.starts_with(prefix.as_str()) || path == prefix.trim_end_matches('/')
            }
            Some(prefix) => {
                path == prefix
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }
}

impl fmt::Display for AttachTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.host,
            self.path_prefix.as_deref().unwrap_or("")
        )
    }
}

/// Whether `path` has no `.`/`..` segment, no backslash, and no percent-encoding of either.
fn plain_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.contains('\\') || lower.contains("%5c") || lower.contains("%2f") {
        return false;
    }
    !lower
        .split('/')
        .map(|segment| segment.replace("%2e", "."))
        .any(|segment| segment == "." || segment == "..")
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
    /// Requests this target allows get the header; no other request does.
    pub target: AttachTarget,
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
    fn a_target_allows_its_destination_and_path_prefix_only() {
        let api = AllowedHost::parse("https://api.example").expect("host");
        let other = AllowedHost::parse("https://echo.example").expect("host");
        let whole = AttachTarget::parse("https://api.example").expect("target");
        assert!(whole.allows(&api, "/anything"));
        // The whole destination: an odd path (an id with a backslash) is still inside it.
        assert!(whole.allows(&api, "/quotes/\\"));
        assert!(!whole.allows(&other, "/anything"));
        let v1 = AttachTarget::parse("https://api.example/v1").expect("target");
        for allowed in ["/v1", "/v1/", "/v1/orders"] {
            assert!(v1.allows(&api, allowed), "{allowed}");
        }
        for refused in [
            "/v1evil",
            "/v2/orders",
            "/v1/../admin",
            "/v1/%2e%2E/admin",
            "/v1/.%2e/admin",
            "/v1/..\\admin",
            "/v1%2f..%2fadmin",
            "/",
        ] {
            assert!(!v1.allows(&api, refused), "{refused}");
        }
        let slash = AttachTarget::parse("https://api.example/v1/").expect("target");
        assert!(slash.allows(&api, "/v1/orders") && slash.allows(&api, "/v1"));
        assert!(!slash.allows(&api, "/v10"));
    }

    #[test]
    fn a_target_is_a_plain_url() {
        for bad in [
            "api.example",
            "https://api.example/v1?x=1",
            "https://api.example/v1#f",
            "https://user@api.example/",
            "https://api.example/v1/../admin",
            "ftp://api.example",
        ] {
            assert!(AttachTarget::parse(bad).is_err(), "{bad}");
        }
    }

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
