//! What one adapter may actually do: the intersection of what its manifest asks for and what
//! the integrator grants, under the host's caps, with a record of everything refused.

use super::allowed_hosts::AllowedHost;
use super::limits::Limits;
use super::secrets::{SecretBinding, Secrets};
use super::{Grants, HostGrant};
use mercato_sdk::manifest::{Destination, Manifest};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Something asked for or granted that does not take effect, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// What (`outbound https://x:443`, `setting debug`, `limits.call-timeout`).
    pub subject: String,
    /// Why.
    pub reason: String,
}

/// Why grants cannot be applied at all; loading stops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// The manifest requires a setting the integrator did not give.
    #[error("the adapter requires setting `{key}`, which the host policy does not give")]
    RequiredSettingMissing {
        /// The setting.
        key: String,
    },
    /// A setting that names an outbound destination is not a usable URL.
    #[error(
        "setting `{key}` names the adapter's destination but is not an absolute http(s) URL: {reason}"
    )]
    BadDestinationSetting {
        /// The setting.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The integrator granted more than the host allows.
    #[error("limit `{name}` is granted {granted} but the host caps it at {cap}")]
    LimitAboveCap {
        /// Which limit.
        name: &'static str,
        /// What was granted.
        granted: String,
        /// The host's cap.
        cap: String,
    },
}

/// The effective capabilities of one adapter.
#[derive(Debug, Clone, Default)]
pub struct Effective {
    /// Destinations it may call.
    pub destinations: Vec<HostGrant>,
    /// Settings it can read.
    pub settings: BTreeMap<String, String>,
    /// Secrets the host holds for it.
    pub secrets: Secrets,
    /// How the host attaches secrets to its requests.
    pub bindings: Vec<SecretBinding>,
    /// Its per-call limits.
    pub limits: Limits,
    /// What was asked or granted but does not take effect.
    pub refusals: Vec<Refusal>,
}

/// Compute the effective capabilities.
pub fn compute(
    manifest: &Manifest,
    grants: &Grants,
    caps: &Limits,
) -> Result<Effective, GrantError> {
    let mut refusals = Vec::new();

    let mut settings = BTreeMap::new();
    for (key, value) in &grants.settings {
        if manifest.settings.contains_key(key) {
            settings.insert(key.clone(), value.clone());
        } else {
            refuse(
                &mut refusals,
                format!("setting {key}"),
                "granted, but the adapter does not declare it; not passed on",
            );
        }
    }
    for (key, spec) in &manifest.settings {
        if spec.required && !settings.contains_key(key) {
            return Err(GrantError::RequiredSettingMissing { key: key.clone() });
        }
    }

    let mut destinations: Vec<HostGrant> = Vec::new();
    for spec in &manifest.outbound {
        // The manifest was validated when it was read, so the destination parses.
        let Ok(destination) = spec.destination() else {
            continue;
        };
        let wanted = match destination {
            Destination::Fixed(host) => host,
            Destination::FromSetting(key) => match settings.get(&key) {
                Some(url) => origin(url).map_err(|reason| GrantError::BadDestinationSetting {
                    key: key.clone(),
                    reason,
                })?,
                None => {
                    refuse(
                        &mut refusals,
                        format!("outbound {{{{ {key} }}}}"),
                        "the setting has no value, so there is no destination",
                    );
                    continue;
                }
            },
        };
        match grants.hosts.iter().find(|g| g.host == wanted) {
            Some(g) if !g.scheme_allowed() => refuse(
                &mut refusals,
                format!("outbound {wanted}"),
                "plain http needs an explicit insecure-http grant",
            ),
            Some(g) => {
                if !destinations.iter().any(|d| d.host == g.host) {
                    destinations.push(g.clone());
                }
            }
            None => refuse(
                &mut refusals,
                format!("outbound {wanted}"),
                "asked for by the adapter, not granted by the host policy",
            ),
        }
    }
    for g in &grants.hosts {
        if !destinations.iter().any(|d| d.host == g.host) && !refusals_mention(&refusals, &g.host) {
            refuse(
                &mut refusals,
                format!("outbound {}", g.host),
                "granted, but the adapter does not ask for it; unused",
            );
        }
    }

    let mut secrets = Secrets::default();
    for name in grants.secrets.names() {
        match (
            manifest.secrets.contains_key(name),
            grants.secrets.value(name),
        ) {
            (true, Some(value)) => secrets.insert(name.to_string(), value.to_vec()),
            _ => refuse(
                &mut refusals,
                format!("secret {name}"),
                "granted, but the adapter does not declare it; unused",
            ),
        }
    }
    let mut bindings = Vec::new();
    for (name, spec) in &manifest.secrets {
        if !secrets.contains(name) {
            refuse(
                &mut refusals,
                format!("secret {name}"),
                "declared by the adapter, no value in the host policy",
            );
            continue;
        }
        let Some(attach) = &spec.attach else { continue };
        let Ok(header) = http::HeaderName::from_bytes(attach.header.as_bytes()) else {
            continue;
        };
        let targets = grants
            .secret_targets
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if targets.is_empty() {
            refuse(
                &mut refusals,
                format!("secret {name}"),
                "the adapter attaches it to requests, but the host policy names no destination \
                 for it (attach-to); attached to nothing",
            );
        }
        for target in targets {
            if destinations.iter().any(|d| d.host == target.host) {
                bindings.push(SecretBinding {
                    secret: name.clone(),
                    header: header.clone(),
                    format: attach.format.clone(),
                    target: target.clone(),
                });
            } else {
                refuse(
                    &mut refusals,
                    format!("secret {name} -> {target}"),
                    "not a destination the adapter may call; never attached there",
                );
            }
        }
    }

    let limits = effective_limits(manifest, grants, caps, &mut refusals)?;
    Ok(Effective {
        destinations,
        settings,
        secrets,
        bindings,
        limits,
        refusals,
    })
}

fn refuse(refusals: &mut Vec<Refusal>, subject: String, reason: &str) {
    refusals.push(Refusal {
        subject,
        reason: reason.to_string(),
    });
}

fn refusals_mention(refusals: &[Refusal], host: &AllowedHost) -> bool {
    let subject = format!("outbound {host}");
    refusals.iter().any(|r| r.subject == subject)
}

/// `scheme://host:port` of a URL setting.
fn origin(url: &str) -> Result<AllowedHost, String> {
    let uri: http::Uri = url
        .trim()
        .parse()
        .map_err(|e: http::uri::InvalidUri| e.to_string())?;
    let scheme = uri.scheme_str().ok_or("no scheme")?;
    let authority = uri.authority().ok_or("no host")?;
    AllowedHost::parse(&format!("{scheme}://{authority}")).map_err(|e| e.to_string())
}

fn effective_limits(
    manifest: &Manifest,
    grants: &Grants,
    caps: &Limits,
    refusals: &mut Vec<Refusal>,
) -> Result<Limits, GrantError> {
    let g = &grants.limits;
    let asked = &manifest.limits;
    let mut limits = caps.clone();

    fn pick<T: Ord + Copy + std::fmt::Debug>(
        name: &'static str,
        cap: T,
        granted: Option<T>,
        asked: Option<T>,
        refusals: &mut Vec<Refusal>,
    ) -> Result<T, GrantError> {
        if let Some(granted) = granted
            && granted > cap
        {
            return Err(GrantError::LimitAboveCap {
                name,
                granted: format!("{granted:?}"),
                cap: format!("{cap:?}"),
            });
        }
        let allowed = granted.unwrap_or(cap);
        if let Some(asked) = asked
            && asked > allowed
        {
            refuse(
                refusals,
                format!("limits.{name}"),
                &format!("asked {asked:?}, limited to {allowed:?}"),
            );
        }
        Ok(asked.map_or(allowed, |a| a.min(allowed)))
    }

    limits.call_timeout = pick(
        "call-timeout",
        caps.call_timeout,
        g.call_timeout,
        asked.call_timeout_ms.map(Duration::from_millis),
        refusals,
    )?;
    limits.memory_bytes = pick(
        "memory",
        caps.memory_bytes,
        g.memory_bytes,
        asked
            .memory_mib
            .map(|m| usize::try_from(m.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)),
        refusals,
    )?;
    limits.outbound_requests = pick(
        "outbound-requests",
        caps.outbound_requests,
        g.outbound_requests,
        asked.outbound_requests,
        refusals,
    )?;
    limits.response_body_bytes = pick(
        "response-body",
        caps.response_body_bytes,
        g.response_body_bytes,
        asked.response_body_kib.map(|k| k.saturating_mul(1024)),
        refusals,
    )?;
    limits.fuel = match caps.fuel {
        Some(cap) => Some(pick("fuel", cap, g.fuel, asked.fuel, refusals)?),
        None => None,
    };
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::LimitGrants;
    use crate::sandbox::secrets::AttachTarget;

    fn manifest(extra: &str) -> Manifest {
        Manifest::parse(&format!(
            r#"
[adapter]
supplier = "acme"
version = "1.0.0"
publisher = "Acme"

[[outbound]]
url = "{{{{ base-url }}}}"

[[outbound]]
url = "https://auth.acme.example"

[settings.base-url]
description = "API"
required = true

[secrets.api-key]
description = "key"
attach = {{ header = "X-Api-Key" }}

[limits]
call-timeout-ms = 5000
{extra}
"#
        ))
        .expect("valid manifest")
    }

    fn grants() -> Grants {
        Grants::new()
            .host(HostGrant::parse("https://api.acme.example").expect("valid"))
            .setting("base-url", "https://api.acme.example/v2")
            .secret_for(
                "api-key",
                b"k".to_vec(),
                [AttachTarget::parse("https://api.acme.example/v2").expect("valid")],
            )
    }

    #[test]
    fn only_what_is_both_asked_and_granted_takes_effect() {
        let e = compute(
            &manifest(""),
            &grants().setting("debug", "1"),
            &Limits::default(),
        )
        .expect("grants apply");
        assert_eq!(e.destinations.len(), 1);
        assert_eq!(
            e.destinations[0].host.to_string(),
            "https://api.acme.example:443"
        );
        assert!(e.settings.contains_key("base-url") && !e.settings.contains_key("debug"));
        assert_eq!(
            e.bindings.len(),
            1,
            "the key attaches to the one effective destination"
        );
        let subjects: Vec<&str> = e.refusals.iter().map(|r| r.subject.as_str()).collect();
        assert!(subjects.contains(&"setting debug"), "{subjects:?}");
        assert!(
            subjects.contains(&"outbound https://auth.acme.example:443"),
            "{subjects:?}"
        );
    }

    #[test]
    fn limits_are_the_smallest_of_ask_grant_and_cap() {
        let caps = Limits::default();
        let e = compute(&manifest(""), &grants(), &caps).expect("ok");
        assert_eq!(
            e.limits.call_timeout, caps.call_timeout,
            "asked 5 s, capped at 2 s"
        );
        assert!(
            e.refusals
                .iter()
                .any(|r| r.subject == "limits.call-timeout")
        );

        let tighter = grants().limits(LimitGrants {
            call_timeout: Some(Duration::from_millis(700)),
            ..LimitGrants::default()
        });
        let e = compute(&manifest(""), &tighter, &caps).expect("ok");
        assert_eq!(e.limits.call_timeout, Duration::from_millis(700));

        let too_much = grants().limits(LimitGrants {
            memory_bytes: Some(caps.memory_bytes * 2),
            ..LimitGrants::default()
        });
        assert!(matches!(
            compute(&manifest(""), &too_much, &caps),
            Err(GrantError::LimitAboveCap { name: "memory", .. })
        ));
    }

    #[test]
    fn http_needs_its_own_grant() {
        let g = Grants::new()
            .host(HostGrant::parse("http://127.0.0.1:9000").expect("valid"))
            .setting("base-url", "http://127.0.0.1:9000");
        let e = compute(&manifest(""), &g, &Limits::default()).expect("ok");
        assert!(e.destinations.is_empty());
        assert!(
            e.refusals
                .iter()
                .any(|r| r.reason.contains("insecure-http"))
        );

        let g = Grants::new()
            .host(HostGrant::local("http://127.0.0.1:9000").expect("valid"))
            .setting("base-url", "http://127.0.0.1:9000");
        let e = compute(&manifest(""), &g, &Limits::default()).expect("ok");
        assert_eq!(e.destinations.len(), 1);
    }

    #[test]
    fn a_required_setting_must_be_given() {
        let e = compute(&manifest(""), &Grants::new(), &Limits::default());
        assert_eq!(
            e.err(),
            Some(GrantError::RequiredSettingMissing {
                key: "base-url".into()
            })
        );
    }

    #[test]
    fn a_secret_attaches_only_where_the_policy_names() {
        let nowhere = Grants::new()
            .host(HostGrant::parse("https://api.acme.example").expect("valid"))
            .setting("base-url", "https://api.acme.example/v2")
            .secret("api-key", b"k".to_vec());
        let e = compute(&manifest(""), &nowhere, &Limits::default()).expect("grants apply");
        assert!(e.bindings.is_empty());
        assert!(
            e.refusals
                .iter()
                .any(|r| r.subject == "secret api-key" && r.reason.contains("attach-to")),
            "{:?}",
            e.refusals
        );
        let elsewhere = grants().secret_for(
            "api-key",
            b"k".to_vec(),
            [AttachTarget::parse("https://echo.example").expect("valid")],
        );
        let e = compute(&manifest(""), &elsewhere, &Limits::default()).expect("grants apply");
        assert_eq!(e.bindings.len(), 1, "only the granted destination");
        assert!(
            e.refusals
                .iter()
                .any(|r| r.subject == "secret api-key -> https://echo.example:443"),
            "{:?}",
            e.refusals
        );
    }
}
