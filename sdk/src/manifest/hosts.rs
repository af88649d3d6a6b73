//! Outbound destinations in Spin's `scheme://host:port` form, parsed and matched without any
//! runtime types, so the host, the manifest and tooling agree on what a grant means.

use std::fmt;

/// Why a grant string is not a valid `scheme://host:port`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid allowed host {input:?}: {reason}; expected the form scheme://host:port, e.g. https://api.supplier.example:443"
)]
pub struct AllowedHostError {
    /// The text given.
    pub input: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// URL scheme of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantScheme {
    /// `http://` — plain text, only where the integrator grants it explicitly.
    Http,
    /// `https://`.
    Https,
}

impl GrantScheme {
    fn default_port(self) -> u16 {
        match self {
            GrantScheme::Http => 80,
            GrantScheme::Https => 443,
        }
    }

    /// The scheme's name.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantScheme::Http => "http",
            GrantScheme::Https => "https",
        }
    }
}

/// One granted destination: exact scheme, exact host (lower-cased), exact port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedHost {
    scheme: GrantScheme,
    host: String,
    port: u16,
}

impl AllowedHost {
    /// Parse `scheme://host[:port]`. Wildcards, paths, user information and queries are
    /// refused: a grant names one destination.
    pub fn parse(input: &str) -> Result<Self, AllowedHostError> {
        let err = |reason| AllowedHostError {
            input: input.to_string(),
            reason,
        };
        let (scheme, rest) = input.split_once("://").ok_or_else(|| err("no scheme"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => GrantScheme::Http,
            "https" => GrantScheme::Https,
            _ => return Err(err("scheme must be http or https")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(err("a grant has no path, query or fragment"));
        }
        if rest.contains('@') {
            return Err(err("user information is not allowed"));
        }
        if rest.contains('*') {
            return Err(err("wildcards are not allowed; grant each host"));
        }
        let (host, port) = split_host_port(rest).ok_or_else(|| err("malformed host or port"))?;
        if host.is_empty() {
            return Err(err("empty host"));
        }
        Ok(AllowedHost {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(scheme.default_port()),
        })
    }

    /// Whether a request to `scheme://authority` goes to this destination.
    pub fn matches(&self, scheme: GrantScheme, host: &str, port: Option<u16>) -> bool {
        self.scheme == scheme
            && self.host.eq_ignore_ascii_case(host)
            && self.port == port.unwrap_or(scheme.default_port())
    }

    /// Scheme of the grant.
    pub fn scheme(&self) -> GrantScheme {
        self.scheme
    }

    /// Host of the grant, lower case.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Port of the grant.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(
                f,
                "{}://[{}]:{}",
                self.scheme.as_str(),
                self.host,
                self.port
            )
        } else {
            write!(f, "{}://{}:{}", self.scheme.as_str(), self.host, self.port)
        }
    }
}

/// Split `host[:port]`, with IPv6 literals in brackets.
pub fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host, Some(port.parse().ok()?))),
        Some(_) => None,
        None => Some((authority, None)),
    }
}

/// The set of destinations one adapter may reach. Empty means no network at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts(Vec<AllowedHost>);

impl AllowedHosts {
    /// No network.
    pub fn none() -> Self {
        AllowedHosts(Vec::new())
    }

    /// Parse a list of grants.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, AllowedHostError> {
        entries
            .iter()
            .map(|e| AllowedHost::parse(e.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(AllowedHosts)
    }

    /// The grant a request matches, if any.
    pub fn find(&self, scheme: GrantScheme, host: &str, port: Option<u16>) -> Option<&AllowedHost> {
        self.0.iter().find(|h| h.matches(scheme, host, port))
    }

    /// Every grant.
    pub fn iter(&self) -> impl Iterator<Item = &AllowedHost> {
        self.0.iter()
    }

    /// Whether nothing is granted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ports_follow_the_scheme() {
        let h = AllowedHost::parse("https://API.Supplier.example").expect("valid");
        assert!(h.matches(GrantScheme::Https, "api.supplier.example", None));
        assert!(h.matches(GrantScheme::Https, "api.supplier.example", Some(443)));
        assert!(!h.matches(GrantScheme::Https, "api.supplier.example", Some(8443)));
        assert!(!h.matches(GrantScheme::Http, "api.supplier.example", Some(443)));
    }

    #[test]
    fn explicit_port_and_ipv6() {
        let h = AllowedHost::parse("http://127.0.0.1:8080").expect("valid");
        assert!(h.matches(GrantScheme::Http, "127.0.0.1", Some(8080)));
        assert!(!h.matches(GrantScheme::Http, "127.0.0.1", None));
        let v6 = AllowedHost::parse("http://[::1]:9000").expect("valid");
        assert!(v6.matches(GrantScheme::Http, "::1", Some(9000)));
        assert_eq!(v6.to_string(), "http://[::1]:9000");
    }

    #[test]
    fn lookalikes_are_refused() {
        for bad in [
            "api.example.com",
            "ftp://api.example.com",
            "https://allowed@evil.example",
            "https://*.example.com",
            "https://api.example.com/path",
            "https://api.example.com:notaport",
            "https://",
        ] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_subdomain_is_not_its_parent() {
        let hosts = AllowedHosts::parse(&["https://example.com"]).expect("valid");
        assert!(
            hosts
                .find(GrantScheme::Https, "evil.example.com", None)
                .is_none()
        );
        assert!(
            hosts
                .find(GrantScheme::Https, "example.com.evil", None)
                .is_none()
        );
        assert!(
            hosts
                .find(GrantScheme::Https, "example.com", None)
                .is_some()
        );
    }
}
