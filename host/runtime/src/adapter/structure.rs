//! The cheap structural passes a component goes through before anything expensive.
//!
//! Compiling is where an input can cost the host most: a few hundred KB of deeply nested empty
//! components took gigabytes to compile, and millions of tiny custom sections took seconds and
//! hundreds of MB just to parse. So the host reads a component in two passes first, each linear
//! in its size and bounded in memory:
//!
//! 1. [`frame`] only follows section framing (id, length) down through nested modules and
//!    components: it finds the signature, the manifest and the contract stamp, and refuses too
//!    deep a nesting or too many sections. Trust is judged on what it found, before any other
//!    parse.
//! 2. [`shape`] (for a component whose signature is accepted) reads the section contents
//!    without validating them and refuses what could never be instantiated in the pool (more
//!    core instances, memories or tables than a pool slot holds, a memory or table larger than
//!    its limit) or costs out of proportion (too many types, instances, functions or
//!    canonical definitions).
//!
//! `mercato inspect` runs the same passes as loading, so it agrees with it.

use super::package::SIGNATURE_SECTION;
use crate::engine::{self, EngineConfig};
use mercato_sdk::manifest::{CONTRACT_SECTION, SECTION as MANIFEST_SECTION};
use std::ops::Range;
use wasmparser::{Instance, Parser, Payload, TypeRef};

/// How deep components and modules may nest (a plain adapter is 2: component, core module).
pub const MAX_NESTING: usize = 8;
/// Sections at all levels together.
pub const MAX_SECTIONS: u64 = 20_000;
/// Custom sections at all levels together (names, producers, debug information).
pub const MAX_CUSTOM_SECTIONS: u64 = 2_000;
/// Type definitions (core and component) at all levels.
pub const MAX_TYPES: u64 = 100_000;
/// Component instances and nested components at all levels.
pub const MAX_COMPONENT_INSTANCES: u64 = 1_000;
/// Functions defined in core modules, and canonical definitions, at all levels.
pub const MAX_FUNCTIONS: u64 = 200_000;

/// The component header: magic number, version 0x0d, layer 1.
pub(crate) const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/// The core module header: magic number, version 1.
const MODULE_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/// Component section ids that hold a nested core module or component.
const CORE_MODULE_SECTION: u8 = 1;
const COMPONENT_SECTION: u8 = 4;
/// Component import and export section ids.
const IMPORT_SECTION: u8 = 10;
const EXPORT_SECTION: u8 = 11;

/// Why a component is refused by a structural pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    /// The framing is broken: a length runs past its container, or a header is wrong.
    #[error("malformed component: {0}")]
    Malformed(String),
    /// More of something than the host accepts.
    #[error("the component has {found} {what}; the host accepts at most {limit}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many there are (at least).
        found: u64,
        /// The most accepted.
        limit: u64,
    },
    /// Something is larger than a pool slot can hold.
    #[error("{what} is {found}; a pool slot holds at most {limit}")]
    TooLarge {
        /// What.
        what: String,
        /// Its size.
        found: u64,
        /// The most a slot holds.
        limit: u64,
    },
}

/// What framing found: where the sections the host reads lie in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Framing {
    /// The top-level signature section: the whole section, and its payload after the name.
    pub signature: Option<(Range<usize>, Range<usize>)>,
    /// Payloads of every `mercato:manifest` custom section, at any depth.
    pub manifests: Vec<Range<usize>>,
    /// Payloads of every `mercato:contract` custom section, at any depth.
    pub contracts: Vec<Range<usize>>,
    /// Payloads of the top-level import sections.
    pub imports: Vec<Range<usize>>,
    /// Payloads of the top-level export sections.
    pub exports: Vec<Range<usize>>,
    /// Whether a top-level section follows the signature.
    pub after_signature: bool,
    /// Sections at all levels.
    pub sections: u64,
    /// Custom sections at all levels.
    pub custom_sections: u64,
    /// The deepest nesting (the outer component is 1).
    pub depth: usize,
}

/// Pass 1: follow the section framing of `bytes` (a component) to its end, at every depth.
pub fn frame(bytes: &[u8]) -> Result<Framing, StructureError> {
    if bytes.get(..8) != Some(&COMPONENT_HEADER[..]) {
        return Err(StructureError::Malformed("no component header".to_string()));
    }
    let mut framing = Framing::default();
    walk(bytes, 8..bytes.len(), true, 1, &mut framing)?;
    Ok(framing)
}

/// Walk the sections in `range` of a component (`component`) or core module, `depth` deep.
fn walk(
    bytes: &[u8],
    range: Range<usize>,
    component: bool,
    depth: usize,
    f: &mut Framing,
) -> Result<(), StructureError> {
    if depth > MAX_NESTING {
        return Err(StructureError::TooMany {
            what: "levels of nesting",
            found: depth as u64,
            limit: MAX_NESTING as u64,
        });
    }
    f.depth = f.depth.max(depth);
    let cut = || StructureError::Malformed("a section runs past its container".to_string());
    let mut at = range.start;
    while at < range.end {
        let start = at;
        let id = bytes[at];
        at += 1;
        let (size, used) = leb128(&bytes[at..range.end]).ok_or_else(cut)?;
        at += used;
        let end = at
            .checked_add(size)
            .filter(|e| *e <= range.end)
            .ok_or_else(cut)?;
        add(&mut f.sections, 1, "sections", MAX_SECTIONS)?;
        if depth == 1 && f.signature.is_some() {
            f.after_signature = true;
        }
        if id == 0 {
            add(
                &mut f.custom_sections,
                1,
                "custom sections",
                MAX_CUSTOM_SECTIONS,
            )?;
            let (len, used) = leb128(&bytes[at..end]).ok_or_else(cut)?;
            let name_end = (at + used)
                .checked_add(len)
                .filter(|e| *e <= end)
                .ok_or_else(cut)?;
            let payload = name_end..end;
            let name = &bytes[at + used..name_end];
            if depth == 1 && name == SIGNATURE_SECTION.as_bytes() {
                f.signature = Some((start..end, payload));
            } else if name == MANIFEST_SECTION.as_bytes() {
                f.manifests.push(payload);
            } else if name == CONTRACT_SECTION.as_bytes() {
                f.contracts.push(payload);
            }
        } else if depth == 1 && id == IMPORT_SECTION {
            f.imports.push(at..end);
        } else if depth == 1 && id == EXPORT_SECTION {
            f.exports.push(at..end);
        } else if component && (id == CORE_MODULE_SECTION || id == COMPONENT_SECTION) {
            let (header, nested_component) = if id == COMPONENT_SECTION {
                (COMPONENT_HEADER, true)
            } else {
                (MODULE_HEADER, false)
            };
            if bytes.get(at..at + 8) != Some(&header[..]) {
                return Err(StructureError::Malformed(
                    "a nested module or component has a wrong header".to_string(),
                ));
            }
            walk(bytes, at + 8..end, nested_component, depth + 1, f)?;
        }
        at = end;
    }
    Ok(())
}

fn leb128(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, byte) in bytes.iter().enumerate().take(5) {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// What a pool slot holds, from the engine's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotLimits {
    /// Core instances per component instance.
    pub core_instances: u64,
    /// Linear memories per component instance.
    pub memories: u64,
    /// Tables per component instance.
    pub tables: u64,
    /// Bytes of one linear memory.
    pub memory_bytes: u64,
    /// Elements of one table.
    pub table_elements: u64,
}

impl SlotLimits {
    /// The limits of the pool `config` builds.
    pub fn of(config: &EngineConfig) -> Self {
        SlotLimits {
            core_instances: u64::from(engine::MAX_CORE_INSTANCES_PER_COMPONENT),
            memories: u64::from(engine::MAX_MEMORIES_PER_COMPONENT),
            tables: u64::from(engine::MAX_TABLES_PER_COMPONENT),
            memory_bytes: config.max_memory_bytes as u64,
            table_elements: crate::sandbox::limits::DEFAULT_TABLE_ELEMENTS as u64,
        }
    }
}

/// What pass 2 counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Core instances (instantiations and bundles of exports).
    pub core_instances: u64,
    /// Memories defined by core modules.
    pub memories: u64,
    /// Tables defined by core modules.
    pub tables: u64,
    /// Core and component type definitions.
    pub types: u64,
    /// Component instances and nested components.
    pub component_instances: u64,
    /// Core functions and canonical definitions.
    pub functions: u64,
}

/// Pass 2: count what `bytes` defines and check it against `slot` and the host's limits.
/// Reads section contents without validating them; stops at the first limit passed.
pub fn shape(bytes: &[u8], slot: &SlotLimits) -> Result<Shape, StructureError> {
    let mut s = Shape::default();
    let malformed = |e: wasmparser::BinaryReaderError| StructureError::Malformed(e.to_string());
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::InstanceSection(r) => {
                // Bundles of exports cost no instance; instantiations take a pool slot's room.
                for instance in r {
                    if let Instance::Instantiate { .. } = instance.map_err(malformed)? {
                        add(
                            &mut s.core_instances,
                            1,
                            "core instances",
                            slot.core_instances,
                        )?;
                    }
                }
            }
            Payload::ComponentInstanceSection(r) => add(
                &mut s.component_instances,
                r.count(),
                "component instances",
                MAX_COMPONENT_INSTANCES,
            )?,
            Payload::ComponentSection { .. } => add(
                &mut s.component_instances,
                1,
                "component instances",
                MAX_COMPONENT_INSTANCES,
            )?,
            Payload::TypeSection(r) => add(&mut s.types, r.count(), "types", MAX_TYPES)?,
            Payload::CoreTypeSection(r) => add(&mut s.types, r.count(), "types", MAX_TYPES)?,
            Payload::ComponentTypeSection(r) => add(&mut s.types, r.count(), "types", MAX_TYPES)?,
            Payload::FunctionSection(r) => {
                add(&mut s.functions, r.count(), "functions", MAX_FUNCTIONS)?
            }
            Payload::ComponentCanonicalSection(r) => {
                add(&mut s.functions, r.count(), "functions", MAX_FUNCTIONS)?
            }
            Payload::MemorySection(r) => {
                add(&mut s.memories, r.count(), "memories", slot.memories)?;
                for memory in r {
                    let m = memory.map_err(malformed)?;
                    check_size(
                        "a memory's initial size",
                        memory_bytes(m.initial, m.page_size_log2),
                        slot.memory_bytes,
                    )?;
                }
            }
            Payload::TableSection(r) => {
                add(&mut s.tables, r.count(), "tables", slot.tables)?;
                for table in r {
                    let t = table.map_err(malformed)?;
                    check_size("a table's initial size", t.ty.initial, slot.table_elements)?;
                }
            }
            Payload::ImportSection(r) => {
                for import in r.into_imports() {
                    match import.map_err(malformed)?.ty {
                        TypeRef::Memory(m) => check_size(
                            "an imported memory's initial size",
                            memory_bytes(m.initial, m.page_size_log2),
                            slot.memory_bytes,
                        )?,
                        TypeRef::Table(t) => check_size(
                            "an imported table's initial size",
                            t.initial,
                            slot.table_elements,
                        )?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

/// Add `more` to `count`; refuse once it passes `limit` (of `what`).
fn add(count: &mut u64, more: u32, what: &'static str, limit: u64) -> Result<(), StructureError> {
    *count = count.saturating_add(u64::from(more));
    if *count > limit {
        return Err(StructureError::TooMany {
            what,
            found: *count,
            limit,
        });
    }
    Ok(())
}

/// Bytes of `initial` pages of 2^`log2` bytes (64 KiB unless a custom page size is given).
fn memory_bytes(initial: u64, log2: Option<u32>) -> u64 {
    initial.saturating_mul(1u64.checked_shl(log2.unwrap_or(16)).unwrap_or(u64::MAX))
}

fn check_size(what: &str, found: u64, limit: u64) -> Result<(), StructureError> {
    if found > limit {
        return Err(StructureError::TooLarge {
            what: what.to_string(),
            found,
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> Vec<u8> {
        let mut wat = String::new();
        for _ in 0..depth {
            wat.push_str("(component ");
        }
        for _ in 0..depth {
            wat.push(')');
        }
        wat::parse_str(&wat).expect("valid wat")
    }

    #[test]
    fn nesting_is_bounded_before_anything_is_parsed() {
        assert!(frame(&nested(MAX_NESTING)).is_ok());
        assert_eq!(
            frame(&nested(MAX_NESTING + 1)),
            Err(StructureError::TooMany {
                what: "levels of nesting",
                found: MAX_NESTING as u64 + 1,
                limit: MAX_NESTING as u64,
            })
        );
    }

    #[test]
    fn millions_of_tiny_sections_stop_at_the_limit() {
        let mut bytes = wat::parse_str("(component)").expect("wat");
        for _ in 0..1_000_000 {
            bytes.extend_from_slice(&[0, 1, 0]); // a custom section with an empty name
        }
        let e = frame(&bytes).expect_err("refused");
        assert!(
            matches!(
                e,
                StructureError::TooMany {
                    what: "custom sections",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn what_a_slot_cannot_hold_is_refused() {
        let slot = SlotLimits::of(&EngineConfig::default());
        let ok =
            wat::parse_str("(component (core module (memory 1) (table 10 funcref)))").expect("wat");
        assert_eq!(
            shape(&ok, &slot).map(|s| (s.memories, s.tables)),
            Ok((1, 1))
        );
        let huge = wat::parse_str("(component (core module (memory 65536)))").expect("wat");
        assert!(matches!(
            shape(&huge, &slot),
            Err(StructureError::TooLarge { .. })
        ));
        let mut many = String::from("(component (core module $m)");
        for i in 0..=slot.core_instances {
            many.push_str(&format!(" (core instance $i{i} (instantiate $m))"));
        }
        many.push(')');
        let many = wat::parse_str(&many).expect("wat");
        assert!(matches!(
            shape(&many, &slot),
            Err(StructureError::TooMany {
                what: "core instances",
                ..
            })
        ));
    }

    #[test]
    fn framing_finds_the_sections_the_host_reads() {
        let base = wat::parse_str("(component (core module (@custom \"mercato:manifest\" \"m\")))")
            .expect("wat");
        let signed = super::super::package::append_custom_section(&base, SIGNATURE_SECTION, b"s");
        let f = frame(&signed).expect("framed");
        assert_eq!(f.manifests.len(), 1);
        assert_eq!(&signed[f.manifests[0].clone()], b"m");
        let (_, sig) = f.signature.expect("signed");
        assert_eq!(&signed[sig], b"s");
        assert!(!f.after_signature);
        assert_eq!(f.depth, 2);
    }
}
