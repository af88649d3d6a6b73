//! What a component must export and may import to be a `mercato:supplier` adapter, checked
//! before anything is instantiated so the error can name the offending item.

use crate::error::LoadError;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The contract package.
pub const CONTRACT_PACKAGE: &str = "mercato:supplier";
/// Contract versions this host serves, for messages ([`crate::wit::SERVED`] names each).
pub const SUPPORTED_CONTRACTS: &str = "0.1.x and 0.2.x";

/// The error for an adapter built against contract `found` (`"1.0.0"`), which this host does
/// not serve, with advice that depends on whether it is newer or older than what is served.
pub fn unsupported(found: &str) -> LoadError {
    let newer = match (
        parse_version(found),
        parse_version(crate::wit::latest::VERSION),
    ) {
        (Some(f), Some(l)) => f > l,
        _ => false,
    };
    LoadError::UnsupportedContract {
        found: found.to_string(),
        supported: SUPPORTED_CONTRACTS,
        advice: if newer {
            "it needs a newer Mercato host"
        } else {
            "rebuild it with a current mercato-sdk"
        },
    }
}

/// Whether the host has bindings for contract `version` (`"0.1.0"`): its major and minor
/// are those of a version in [`crate::wit::SERVED`] (patch releases only add documentation).
pub fn serves_version(version: &str) -> bool {
    parse_version(version).is_some_and(|(major, minor, _)| serves(major, minor))
}

/// Whether the host has bindings for contract version `major.minor`.
pub fn serves(major: u32, minor: u32) -> bool {
    crate::wit::SERVED
        .iter()
        .filter_map(|v| parse_version(v))
        .any(|(a, b, _)| (a, b) == (major, minor))
}

/// Interfaces every adapter exports.
pub const REQUIRED_EXPORTS: [&str; 5] =
    ["adapter-info", "catalog", "quoting", "ordering", "inbound"];
/// Newest `wasi:*@0.2.x` patch release the host implements.
const WASI_PATCH: u32 = 12;

/// Imports the host links, without versions. Besides the contract's own `host` interface and
/// outbound HTTP, these are the WASI interfaces a language runtime needs to start; the host
/// links them with nothing behind them (no files, no environment, empty stdin).
pub const ALLOWED_IMPORTS: &[&str] = &[
    "mercato:supplier/host",
    "mercato:supplier/types",
    "wasi:http/outgoing-handler",
    "wasi:http/types",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
];

const ALLOWED_SUMMARY: &str = "mercato:supplier/host, wasi:http outgoing requests, and the WASI \
    clocks, random, io, cli and filesystem interfaces (linked empty)";

/// A parsed interface name: `namespace:package/interface@version`.
struct InterfaceName<'a> {
    path: &'a str,
    version: Option<(u32, u32, u32)>,
}

fn parse_name(name: &str) -> InterfaceName<'_> {
    let (path, version) = match name.split_once('@') {
        Some((path, v)) => (path, parse_version(v)),
        None => (name, None),
    };
    InterfaceName { path, version }
}

fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let core = v.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// Whether the host links an import of this name.
pub fn import_allowed(name: &str) -> bool {
    let parsed = parse_name(name);
    ALLOWED_IMPORTS.contains(&parsed.path)
        && match parsed.version {
            Some((0, 2, patch)) if parsed.path.starts_with("wasi:") => patch <= WASI_PATCH,
            Some((major, minor, _)) if parsed.path.starts_with(CONTRACT_PACKAGE) => {
                serves(major, minor)
            }
            _ => false,
        }
}

/// Check a compiled component's exports and imports against the world.
pub(crate) fn check(engine: &Engine, component: &Component) -> Result<(), LoadError> {
    let ty = component.component_type();
    let imports: Vec<&str> = ty.imports(engine).map(|(n, _)| n).collect();
    let exports: Vec<&str> = ty.exports(engine).map(|(n, _)| n).collect();
    check_names(&imports, &exports)
}

/// Check import and export names against the world (imports first: an unexpected import is
/// the more serious finding).
pub fn check_names<S: AsRef<str>>(imports: &[S], exports: &[S]) -> Result<(), LoadError> {
    if let Some(name) = imports
        .iter()
        .map(AsRef::as_ref)
        .find(|n| !import_allowed(n))
    {
        let parsed = parse_name(name);
        // The contract's own interfaces at a version the host lacks: say which versions it has.
        if parsed.path.starts_with(CONTRACT_PACKAGE)
            && ALLOWED_IMPORTS.contains(&parsed.path)
            && let Some((a, b, c)) = parsed.version
        {
            return Err(unsupported(&format!("{a}.{b}.{c}")));
        }
        return Err(LoadError::UnexpectedImport {
            name: name.to_string(),
            allowed: ALLOWED_SUMMARY,
        });
    }
    // A missing interface is named at the version the others claim, else the latest.
    let claimed = exports
        .iter()
        .map(|e| parse_name(e.as_ref()))
        .find(|e| e.path.starts_with(CONTRACT_PACKAGE))
        .and_then(|e| e.version)
        .map_or_else(
            || crate::wit::latest::VERSION.to_string(),
            |(a, b, c)| format!("{a}.{b}.{c}"),
        );
    for required in REQUIRED_EXPORTS {
        let path = format!("{CONTRACT_PACKAGE}/{required}");
        let found = exports
            .iter()
            .map(|e| parse_name(e.as_ref()))
            .find(|e| e.path == path);
        match found {
            Some(InterfaceName {
                version: Some((major, minor, _)),
                ..
            }) if serves(major, minor) => {}
            Some(InterfaceName { version, .. }) => {
                return Err(unsupported(
                    &version
                        .map(|(a, b, c)| format!("{a}.{b}.{c}"))
                        .unwrap_or_else(|| "an unversioned contract".to_string()),
                ));
            }
            None => {
                return Err(LoadError::MissingExport {
                    name: format!("{path}@{claimed}"),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("0.2.12"), Some((0, 2, 12)));
        assert_eq!(parse_version("0.2.0-rc-2023-11-10"), Some((0, 2, 0)));
        assert_eq!(parse_version("x"), None);
    }
}
