//! What a component file says about itself, read without compiling or running anything: its
//! manifest, the contract version the SDK stamped, its signature, and the names it imports and
//! exports.
//!
//! A signature is a top-level custom section [`SIGNATURE_SECTION`] that must come last; the
//! bytes before it are the *unsigned* component, whose SHA-256 is the adapter's identity (so
//! re-signing does not change it).

use super::structure::{self, COMPONENT_HEADER, StructureError};
use mercato_sdk::manifest::{CONTRACT_SECTION, SECTION as MANIFEST_SECTION};
use std::ops::Range;
use wasmparser::{BinaryReader, ComponentExportSectionReader, ComponentImportSectionReader};

/// Custom section holding a publisher's signature.
pub const SIGNATURE_SECTION: &str = "mercato:signature";

/// Why a file is not a component this host can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    /// Not a component binary (a core module, text, or something else).
    #[error("not a WebAssembly component binary: {0}")]
    NotAComponent(String),
    /// A section is cut off or malformed.
    #[error("malformed component: {0}")]
    Malformed(String),
    /// The structure is beyond what the host reads (nesting, section counts).
    #[error(transparent)]
    Structure(StructureError),
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

/// Read `bytes` as a component file: framing only ([`structure::frame`]), then the top-level
/// import and export names. Nothing else is parsed here.
pub fn read(bytes: &[u8]) -> Result<Package<'_>, PackageError> {
    if bytes.len() < COMPONENT_HEADER.len() || bytes[..COMPONENT_HEADER.len()] != COMPONENT_HEADER {
        let what = if bytes.starts_with(b"\0asm\x01\0\0\0") {
            "a core module (build a component, e.g. with the wasm32-wasip2 target)".to_string()
        } else {
            "the file does not start with the component header".to_string()
        };
        return Err(PackageError::NotAComponent(what));
    }
    let framing = structure::frame(bytes).map_err(|e| match e {
        StructureError::Malformed(m) => PackageError::Malformed(m),
        other => PackageError::Structure(other),
    })?;
    if framing.after_signature {
        return Err(PackageError::SignatureNotLast);
    }
    let (unsigned, signature) = match &framing.signature {
        Some((whole, payload)) => (&bytes[..whole.start], Some(&bytes[payload.clone()])),
        None => (bytes, None),
    };
    let one = |ranges: &[Range<usize>], name| -> Result<Option<&[u8]>, PackageError> {
        let mut found: Option<&[u8]> = None;
        for r in ranges {
            let data = &bytes[r.clone()];
            match found {
                Some(existing) if existing != data => return Err(PackageError::Duplicate(name)),
                _ => found = Some(data),
            }
        }
        Ok(found)
    };
    let malformed = |e: wasmparser::BinaryReaderError| PackageError::Malformed(e.to_string());
    let mut imports = Vec::new();
    for r in &framing.imports {
        let reader =
            ComponentImportSectionReader::new(BinaryReader::new(&bytes[r.clone()], r.start as u64))
                .map_err(malformed)?;
        for import in reader {
            imports.push(import.map_err(malformed)?.name.name.to_string());
        }
    }
    let mut exports = Vec::new();
    for r in &framing.exports {
        let reader =
            ComponentExportSectionReader::new(BinaryReader::new(&bytes[r.clone()], r.start as u64))
                .map_err(malformed)?;
        for export in reader {
            exports.push(export.map_err(malformed)?.name.name.to_string());
        }
    }
    Ok(Package {
        unsigned,
        signature,
        manifest: one(&framing.manifests, MANIFEST_SECTION)?,
        contract: one(&framing.contracts, CONTRACT_SECTION)?,
        imports,
        exports,
    })
}

/// `bytes` with a custom section appended at the top level.
pub fn append_custom_section(bytes: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(name.len() + data.len() + 5);
    leb128(&mut payload, name.len());
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    append_section(bytes, 0, &payload)
}

/// `bytes` with a section of id `id` holding `payload` appended: id byte, LEB128 length,
/// payload.
pub fn append_section(bytes: &[u8], id: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + payload.len() + 6);
    out.extend_from_slice(bytes);
    out.push(id);
    leb128(&mut out, payload.len());
    out.extend_from_slice(payload);
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
