//! New adapter crates from the built-in template (`mercato new adapter`).
//!
//! The template (`host/templates/adapter/`) is compiled into the binary, so a supplier's
//! engineer needs nothing but `mercato` and the Rust toolchain. What it makes builds for
//! `wasm32-wasip2` as it is, passes its own tests, and loads in the host.

use std::path::{Path, PathBuf};

/// The template's files: (path in the new crate, text with `{{placeholders}}`).
const FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../templates/adapter/Cargo.toml.tmpl"),
    ),
    (
        "mercato.toml",
        include_str!("../templates/adapter/mercato.toml.tmpl"),
    ),
    (
        "README.md",
        include_str!("../templates/adapter/README.md.tmpl"),
    ),
    (
        ".gitignore",
        include_str!("../templates/adapter/gitignore.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../templates/adapter/src/lib.rs.tmpl"),
    ),
    (
        "tests/manifest.rs",
        include_str!("../templates/adapter/tests/manifest.rs.tmpl"),
    ),
];

/// Why a new adapter crate was not made.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot be a supplier id.
    #[error(
        "`{0}` cannot be a supplier id: use up to 64 lowercase letters, digits and hyphens, starting with a letter"
    )]
    BadName(String),
    /// The target directory exists and is not empty: nothing is overwritten.
    #[error("{0} exists and is not empty; choose another --dir")]
    NotEmpty(PathBuf),
    /// Writing a file failed.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        reason: String,
    },
}

/// Where the new crate gets the Mercato SDK from.
#[derive(Debug, Clone)]
pub enum SdkSource {
    /// A local checkout of the SDK crate (`sdk/` of the Mercato repository).
    Path(PathBuf),
    /// A git repository holding the Mercato workspace.
    Git(String),
}

impl SdkSource {
    /// The SDK crate in the folder `dir`, made absolute (the new crate may live anywhere);
    /// none if `dir` holds no crate.
    pub fn local(dir: &Path) -> Option<SdkSource> {
        dir.join("Cargo.toml")
            .is_file()
            .then(|| SdkSource::Path(dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())))
    }
}

/// What to make.
#[derive(Debug, Clone)]
pub struct AdapterSpec {
    /// The supplier id, which also names the crate (`{name}-adapter`).
    pub name: String,
    /// The supplier's name as people read it (profile display name, manifest publisher).
    pub display_name: String,
    /// Where the SDK comes from.
    pub sdk: SdkSource,
}

impl AdapterSpec {
    /// A spec for supplier `name`, its display name derived from it (`acme-tools` → "Acme Tools").
    pub fn new(name: &str, sdk: SdkSource) -> Result<Self, ScaffoldError> {
        if !mercato_sdk::manifest::is_supplier_id(name) {
            return Err(ScaffoldError::BadName(name.to_string()));
        }
        let display_name = words(name).join(" ");
        Ok(AdapterSpec {
            name: name.to_string(),
            display_name,
            sdk,
        })
    }

    /// The crate's package name.
    pub fn crate_name(&self) -> String {
        format!("{}-adapter", self.name)
    }

    /// The crate's library name, which names the built component (`{lib}.wasm`).
    pub fn lib_name(&self) -> String {
        self.crate_name().replace('-', "_")
    }

    /// The adapter type's name (`acme-tools` → `AcmeTools`).
    pub fn type_name(&self) -> String {
        words(&self.name).concat()
    }

    /// Every file of the new crate, rendered: (relative path, contents).
    pub fn render(&self) -> Vec<(&'static str, String)> {
        let sdk = match &self.sdk {
            SdkSource::Path(p) => format!("path = {}", toml_string(&p.display().to_string())),
            SdkSource::Git(url) => format!("git = {}", toml_string(url)),
        };
        let values = [
            ("{{name}}", self.name.clone()),
            ("{{display}}", self.display_name.clone()),
            ("{{crate}}", self.crate_name()),
            ("{{lib}}", self.lib_name()),
            ("{{Type}}", self.type_name()),
            ("{{sdk}}", sdk),
        ];
        FILES
            .iter()
            .map(|(path, text)| {
                let rendered = values
                    .iter()
                    .fold(text.to_string(), |t, (key, value)| t.replace(key, value));
                (*path, rendered)
            })
            .collect()
    }

    /// Write the new crate into `dir`, which must not exist or be empty.
    pub fn write(&self, dir: &Path) -> Result<(), ScaffoldError> {
        let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
        if occupied {
            return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
        }
        for (relative, text) in self.render() {
            let path = dir.join(relative);
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, text));
            written.map_err(|e| ScaffoldError::Write {
                path,
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

/// The SDK this `mercato` was built from, if its source is still where it was built.
pub fn bundled_sdk() -> Option<SdkSource> {
    SdkSource::local(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk"))
}

/// The hyphen-separated words of a supplier id, capitalised.
fn words(name: &str) -> Vec<String> {
    name.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> AdapterSpec {
        AdapterSpec::new(name, SdkSource::Path("/opt/mercato/sdk".into())).unwrap()
    }

    #[test]
    fn names_follow_the_supplier_id() {
        let s = spec("acme-tools");
        assert_eq!(s.crate_name(), "acme-tools-adapter");
        assert_eq!(s.lib_name(), "acme_tools_adapter");
        assert_eq!(s.type_name(), "AcmeTools");
        assert_eq!(s.display_name, "Acme Tools");
    }

    #[test]
    fn every_placeholder_is_filled() {
        for (path, text) in spec("acme").render() {
            assert!(!text.contains("{{"), "{path} keeps a placeholder:\n{text}");
        }
        let files = spec("acme").render();
        let cargo = &files.iter().find(|(p, _)| *p == "Cargo.toml").unwrap().1;
        assert!(
            cargo.contains(r#"mercato-sdk = { path = "/opt/mercato/sdk", features = ["guest"] }"#)
        );
        let manifest = &files.iter().find(|(p, _)| *p == "mercato.toml").unwrap().1;
        assert!(manifest.contains(r#"supplier = "acme""#));
    }

    #[test]
    fn a_name_that_cannot_be_a_supplier_id_is_refused() {
        for bad in ["Acme", "acme tools", "1acme", "", "acme_tools"] {
            let refused = AdapterSpec::new(bad, SdkSource::Git("https://example.invalid".into()));
            assert!(
                matches!(refused, Err(ScaffoldError::BadName(_))),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn nothing_is_written_over_an_existing_crate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]").unwrap();
        let refused = spec("acme").write(dir.path());
        assert!(matches!(refused, Err(ScaffoldError::NotEmpty(_))));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(),
            "[package]"
        );
    }
}
