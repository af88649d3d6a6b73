//! What a component file says about itself, read without compiling or running anything: its
//! manifest, the contract version the SDK stamped, its signature, and the names it imports and
//! exports.
//!
//! A signature is a top-level custom section [`SIGNATURE_SECTION`] that must come last; the
//! bytes before it are the *unsigned* component, whose SHA-256 is the adapter's identity (so
//! re-signing does not change it).

use mercato_sdk::manifest::{CONTRACT_SECTION, SECTION as MANIFEST_SECTION};
use std::ops::Range;
use wasmparser::{Parser, Payload};

/// Custom section holding a publisher's signature.
pub const SIGNATURE_SECTION: &str = "mercato:signature";

/// The magic number and version of a component binary (layer 1).
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// Why a file is not a component this host can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    /// Not a component binary (a core module, text, or something else).
    #[error("not a WebAssembly component binary: {0}")]
    NotAComponent(String),
    /// A section is cut off or malformed.
    #[error("malformed component: {0}")]
    Malformed(String),
    /// A signature section is followed by more bytes, so what it signs is not what follows.
    #[error("a mercato:signature section is not the last section: bytes were added after signing")]
    SignatureNotLast,
    /// More than one signature, or two different manifests.
    #[error("more than one `{0}` section with different contents")]
    Duplicate(&'static str),
}

/// The readable parts of a component file.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// The bytes without a trailing signature section.
    pub unsigned: &'a [u8],
    /// The signature section's payload, if signed.
    pub signature: Option<&'a [u8]>,
    /// The embedded `mercato.toml`, if any.
    pub manifest: Option<&'a [u8]>,
    /// The contract version the SDK stamped, if any.
    pub contract: Option<&'a [u8]>,
    /// Full names of the top-level imports, in order.
    pub imports: Vec<String>,
    /// Full names of the top-level exports, in order.
    pub exports: Vec<String>,
}

/// Read `bytes` as a component file.
pub fn read(bytes: &[u8]) -> Result<Package<'_>, PackageError> {
    if bytes.len() < COMPONENT_HEADER.len() || bytes[..COMPONENT_HEADER.len()] != COMPONENT_HEADER {
        let what = if bytes.starts_with(b"\0asm\x01\0\0\0") {
            "a core module (build a component, e.g. with the wasm32-wasip2 target)".to_string()
        } else {
            "the file does not start with the component header".to_string()
        };
        return Err(PackageError::NotAComponent(what));
    }

    let sections = top_level_sections(bytes)?;
    let mut unsigned = bytes;
    let mut signature = None;
    for (i, s) in sections.iter().enumerate() {
        if s.custom_name.as_deref() == Some(SIGNATURE_SECTION) {
            if i + 1 != sections.len() {
                return Err(PackageError::SignatureNotLast);
            }
            unsigned = &bytes[..s.whole.start];
            signature = Some(&bytes[s.data.clone()]);
        }
    }

    let mut package = Package {
        unsigned,
        signature,
        manifest: None,
        contract: None,
        imports: Vec::new(),
        exports: Vec::new(),
    };
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(unsigned) {
        let payload = payload.map_err(|e| PackageError::Malformed(e.to_string()))?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::CustomSection(c) => {
                let slot = match c.name() {
                    MANIFEST_SECTION => Some((&mut package.manifest, MANIFEST_SECTION)),
                    CONTRACT_SECTION => Some((&mut package.contract, CONTRACT_SECTION)),
                    _ => None,
                };
                if let Some((slot, name)) = slot {
                    match slot {
                        Some(existing) if *existing != c.data() => {
                            return Err(PackageError::Duplicate(name));
                        }
                        _ => *slot = Some(c.data()),
                    }
                }
            }
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| PackageError::Malformed(e.to_string()))?;
                    package.imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| PackageError::Malformed(e.to_string()))?;
                    package.exports.push(export.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(package)
}

/// `bytes` with a custom section appended at the top level.
pub fn append_custom_section(bytes: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(name.len() + data.len() + 5);
    leb128(&mut payload, name.len());
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    let mut out = Vec::with_capacity(bytes.len() + payload.len() + 6);
    out.extend_from_slice(bytes);
    out.push(0);
    leb128(&mut out, payload.len());
    out.extend_from_slice(&payload);
    out
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct Section {
    /// From the section id byte to the end of its payload.
    whole: Range<usize>,
    /// The custom section's data, after its name.
    data: Range<usize>,
    custom_name: Option<String>,
}

/// The framing of the top-level sections: id byte, LEB128 size, payload.
fn top_level_sections(bytes: &[u8]) -> Result<Vec<Section>, PackageError> {
    let cut = || PackageError::Malformed("a section runs past the end of the file".into());
    let mut sections = Vec::new();
    let mut at = COMPONENT_HEADER.len();
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let (size, used) = read_leb128(&bytes[at..]).ok_or_else(cut)?;
        at += used;
        let end = at
            .checked_add(size)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(cut)?;
        let (custom_name, data) = if id == 0 {
            let (len, used) = read_leb128(&bytes[at..end]).ok_or_else(cut)?;
            let name_end = (at + used)
                .checked_add(len)
                .filter(|e| *e <= end)
                .ok_or_else(cut)?;
            let name = String::from_utf8_lossy(&bytes[at + used..name_end]).into_owned();
            (Some(name), name_end..end)
        } else {
            (None, at..end)
        };
        sections.push(Section {
            whole: start..end,
            data,
            custom_name,
        });
        at = end;
    }
    Ok(sections)
}

fn read_leb128(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, byte) in bytes.iter().enumerate().take(5) {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).expect("valid wat")
    }

    #[test]
    fn sections_are_found_and_the_signature_is_split_off() {
        let base = component(r#"(component (import "mercato:supplier/host@0.1.0" (instance)))"#);
        let with_manifest = append_custom_section(&base, MANIFEST_SECTION, b"[adapter]\n");
        let signed = append_custom_section(&with_manifest, SIGNATURE_SECTION, b"sig");
        let p = read(&signed).expect("readable");
        assert_eq!(p.unsigned, &with_manifest[..]);
        assert_eq!(p.signature, Some(&b"sig"[..]));
        assert_eq!(p.manifest, Some(&b"[adapter]\n"[..]));
        assert_eq!(p.imports, ["mercato:supplier/host@0.1.0"]);
    }

    #[test]
    fn bytes_after_the_signature_are_refused() {
        let base = component("(component)");
        let signed = append_custom_section(&base, SIGNATURE_SECTION, b"sig");
        let tampered = append_custom_section(&signed, "extra", b"x");
        assert_eq!(
            read(&tampered).map(|_| ()),
            Err(PackageError::SignatureNotLast)
        );
    }

    #[test]
    fn two_different_manifests_are_refused() {
        let base = component("(component)");
        let one = append_custom_section(&base, MANIFEST_SECTION, b"a");
        let two = append_custom_section(&one, MANIFEST_SECTION, b"b");
        assert_eq!(
            read(&two).map(|_| ()),
            Err(PackageError::Duplicate(MANIFEST_SECTION))
        );
    }

    #[test]
    fn core_modules_and_junk_are_not_components() {
        assert!(
            matches!(read(&component("(module)")), Err(PackageError::NotAComponent(m)) if m.contains("core module"))
        );
        assert!(matches!(
            read(b"hello"),
            Err(PackageError::NotAComponent(_))
        ));
        let mut cut = component("(component)");
        cut.extend_from_slice(&[0, 0x7f]);
        assert!(matches!(read(&cut), Err(PackageError::Malformed(_))));
    }
}
