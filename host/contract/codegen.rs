//! Rust source that follows from the latest contract's WIT, written by build scripts: its
//! data types as plain Rust (`mercato-contract`, which every room uses without wasmtime) and
//! the moves between those and wasmtime's bindings (the runtime's `adapter/cross`).
//!
//! A build script includes this file as a module; the WIT is its only input, so the types
//! cannot drift from the contract.

use std::fmt::Write as _;
use std::path::Path;
use wit_parser::{Docs, Resolve, Type, TypeDefKind, TypeId};

/// The interfaces the world exports; every other one is imported (`types`).
const EXPORTED: [&str; 5] = ["adapter-info", "catalog", "quoting", "ordering", "inbound"];

/// Host services: their types belong to the runtime alone.
const RUNTIME_ONLY: [&str; 1] = ["host"];

fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn snake(name: &str) -> String {
    let s = name.replace('-', "_");
    match s.as_str() {
        "type" | "ref" | "use" | "match" | "in" | "as" | "fn" | "mod" | "move" | "loop"
        | "self" | "static" | "struct" | "trait" | "where" | "impl" | "enum" | "for" | "if"
        | "let" | "mut" | "pub" | "return" | "super" | "true" | "false" | "while" | "async"
        | "await" | "dyn" | "break" | "const" | "continue" | "crate" | "else" | "extern" => s + "_",
        _ => s,
    }
}

fn screaming(name: &str) -> String {
    name.replace('-', "_").to_ascii_uppercase()
}

/// Whether `def` is a `use` of a type from another interface (an alias of the same name),
/// not a type of its own.
fn is_use(resolve: &Resolve, def: &wit_parser::TypeDef) -> Option<TypeId> {
    match def.kind {
        TypeDefKind::Type(Type::Id(target)) if resolve.types[target].name == def.name => {
            Some(target)
        }
        _ => None,
    }
}

struct Gen<'a> {
    resolve: &'a Resolve,
    /// The contract's version (`0.2.0`).
    version: String,
    /// Named types with their interface, in WIT order.
    named: Vec<(TypeId, String)>,
}

impl<'a> Gen<'a> {
    fn new(resolve: &'a Resolve) -> Self {
        let pkg = resolve
            .package_names
            .iter()
            .find(|(n, _)| n.namespace == "mercato" && n.name == "supplier")
            .map(|(_, id)| *id)
            .expect("the mercato:supplier package");
        let version = resolve.packages[pkg]
            .name
            .version
            .as_ref()
            .expect("the contract package is versioned")
            .to_string();
        let mut named = Vec::new();
        for (iface_name, iface) in &resolve.packages[pkg].interfaces {
            if RUNTIME_ONLY.contains(&iface_name.as_str()) {
                continue;
            }
            for id in resolve.interfaces[*iface].types.values() {
                if is_use(resolve, &resolve.types[*id]).is_none() {
                    named.push((*id, iface_name.clone()));
                }
            }
        }
        let generator = Gen {
            resolve,
            version,
            named,
        };
        let names: std::collections::HashSet<String> = generator
            .named
            .iter()
            .map(|(id, _)| generator.name(*id))
            .collect();
        assert_eq!(
            names.len(),
            generator.named.len(),
            "two WIT types share a Rust name"
        );
        generator
    }

    fn name(&self, id: TypeId) -> String {
        camel(
            self.resolve.types[id]
                .name
                .as_deref()
                .expect("a named type"),
        )
    }

    /// The Rust spelling of `ty` in the plain types.
    fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "String".into(),
            Type::ErrorContext => panic!("error-context has no plain form"),
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                match (is_use(self.resolve, def), &def.name) {
                    (Some(target), _) => self.ty(&Type::Id(target)),
                    (None, Some(_)) => self.name(*id),
                    (None, None) => self.anonymous(&def.kind),
                }
            }
        }
    }

    fn anonymous(&self, kind: &TypeDefKind) -> String {
        let opt = |t: &Option<Type>| t.as_ref().map_or("()".into(), |t| self.ty(t));
        match kind {
            TypeDefKind::List(t) => format!("Vec<{}>", self.ty(t)),
            TypeDefKind::Option(t) => format!("Option<{}>", self.ty(t)),
            TypeDefKind::Tuple(t) => {
                let items: Vec<String> = t.types.iter().map(|t| self.ty(t)).collect();
                format!("({},)", items.join(", "))
            }
            TypeDefKind::Result(r) => format!("Result<{}, {}>", opt(&r.ok), opt(&r.err)),
            TypeDefKind::Type(t) => self.ty(t),
            other => panic!("no plain form for an anonymous {}", other.as_str()),
        }
    }

    /// Whether values of `ty` can be `Copy` (no strings or lists inside), as bindgen decides.
    fn is_copy(&self, ty: &Type) -> bool {
        match ty {
            Type::String => false,
            Type::Id(id) => self.kind_is_copy(&self.resolve.types[*id].kind),
            _ => true,
        }
    }

    fn kind_is_copy(&self, kind: &TypeDefKind) -> bool {
        let opt = |t: &Option<Type>| t.as_ref().is_none_or(|t| self.is_copy(t));
        match kind {
            TypeDefKind::Record(r) => r.fields.iter().all(|f| self.is_copy(&f.ty)),
            TypeDefKind::Variant(v) => v.cases.iter().all(|c| opt(&c.ty)),
            TypeDefKind::Enum(_) | TypeDefKind::Flags(_) => true,
            TypeDefKind::Option(t) | TypeDefKind::Type(t) => self.is_copy(t),
            TypeDefKind::Tuple(t) => t.types.iter().all(|t| self.is_copy(t)),
            TypeDefKind::Result(r) => opt(&r.ok) && opt(&r.err),
            _ => false,
        }
    }

    /// The plain types, one per named WIT type.
    fn plain(&self) -> String {
        let mut out = String::new();
        out.push_str(HEADER);
        out.push_str("\nuse schemars::JsonSchema;\nuse serde::{Deserialize, Serialize};\n");
        writeln!(
            out,
            "\n/// The contract version these types follow.\npub const VERSION: &str = {:?};",
            self.version
        )
        .unwrap();
        for (id, _) in &self.named {
            let def = &self.resolve.types[*id];
            let name = self.name(*id);
            out.push('\n');
            match &def.kind {
                TypeDefKind::Record(r) => {
                    docs(&mut out, "", &def.docs);
                    let copy = if self.kind_is_copy(&def.kind) {
                        "Copy, "
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "#[derive(Debug, Clone, {copy}PartialEq, Serialize, Deserialize, JsonSchema)]\npub struct {name} {{"
                    )
                    .unwrap();
                    for f in &r.fields {
                        docs(&mut out, "    ", &f.docs);
                        writeln!(out, "    pub {}: {},", snake(&f.name), self.ty(&f.ty)).unwrap();
                    }
                    out.push_str("}\n");
                }
                TypeDefKind::Variant(v) => {
                    docs(&mut out, "", &def.docs);
                    let copy = if self.kind_is_copy(&def.kind) {
                        "Copy, "
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "#[derive(Debug, Clone, {copy}PartialEq, Serialize, Deserialize, JsonSchema)]\npub enum {name} {{"
                    )
                    .unwrap();
                    for c in &v.cases {
                        docs(&mut out, "    ", &c.docs);
                        match &c.ty {
                            Some(t) => {
                                writeln!(out, "    {}({}),", camel(&c.name), self.ty(t))
                            }
                            None => writeln!(out, "    {},", camel(&c.name)),
                        }
                        .unwrap();
                    }
                    out.push_str("}\n");
                }
                TypeDefKind::Enum(e) => {
                    docs(&mut out, "", &def.docs);
                    writeln!(
                        out,
                        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]\npub enum {name} {{"
                    )
                    .unwrap();
                    for c in &e.cases {
                        docs(&mut out, "    ", &c.docs);
                        writeln!(out, "    {},", camel(&c.name)).unwrap();
                    }
                    out.push_str("}\n");
                }
                TypeDefKind::Flags(f) => {
                    let bits = if f.flags.len() <= 16 { "u16" } else { "u32" };
                    out.push_str("bitflags::bitflags! {\n");
                    docs(&mut out, "    ", &def.docs);
                    writeln!(
                        out,
                        "    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n    pub struct {name}: {bits} {{"
                    )
                    .unwrap();
                    for (i, flag) in f.flags.iter().enumerate() {
                        docs(&mut out, "        ", &flag.docs);
                        writeln!(out, "        const {} = 1 << {i};", screaming(&flag.name))
                            .unwrap();
                    }
                    out.push_str("    }\n}\n");
                }
                kind => {
                    docs(&mut out, "", &def.docs);
                    writeln!(out, "pub type {name} = {};", self.anonymous(kind)).unwrap();
                }
            }
        }
        out
    }

    /// `Cross` both ways between each plain type and wasmtime's binding of it.
    fn cross(&self, bindings: &str) -> String {
        let mut out = String::new();
        out.push_str(HEADER);
        out.push_str("\nuse super::Cross;\nuse mercato_contract as c;\n");
        writeln!(out, "use {bindings}::exports::mercato::supplier as e;").unwrap();
        writeln!(out, "use {bindings}::mercato::supplier as i;").unwrap();
        for (id, iface) in &self.named {
            let def = &self.resolve.types[*id];
            let name = self.name(*id);
            let side = if EXPORTED.contains(&iface.as_str()) {
                "e"
            } else {
                "i"
            };
            let bound = format!("{side}::{}::{name}", snake(iface));
            let plain = format!("c::{name}");
            for (from, to) in [(&bound, &plain), (&plain, &bound)] {
                let body = match &def.kind {
                    TypeDefKind::Record(r) => {
                        let fields: Vec<String> = r
                            .fields
                            .iter()
                            .map(|f| format!("{0}: self.{0}.cross()", snake(&f.name)))
                            .collect();
                        format!("{to} {{ {} }}", fields.join(", "))
                    }
                    TypeDefKind::Variant(v) => {
                        let arms: Vec<String> = v
                            .cases
                            .iter()
                            .map(|c| {
                                let case = camel(&c.name);
                                match c.ty {
                                    Some(_) => {
                                        format!("{from}::{case}(v) => {to}::{case}(v.cross())")
                                    }
                                    None => format!("{from}::{case} => {to}::{case}"),
                                }
                            })
                            .collect();
                        format!("match self {{ {} }}", arms.join(", "))
                    }
                    TypeDefKind::Enum(e) => {
                        let arms: Vec<String> = e
                            .cases
                            .iter()
                            .map(|c| format!("{from}::{0} => {to}::{0}", camel(&c.name)))
                            .collect();
                        format!("match self {{ {} }}", arms.join(", "))
                    }
                    TypeDefKind::Flags(f) => {
                        let steps: String = f
                            .flags
                            .iter()
                            .map(|flag| {
                                let n = screaming(&flag.name);
                                format!("if self.contains({from}::{n}) {{ out |= {to}::{n}; }}\n")
                            })
                            .collect();
                        format!("let mut out = {to}::empty(); {steps}out")
                    }
                    // Aliases cross as what they name.
                    _ => continue,
                };
                writeln!(
                    out,
                    "\nimpl Cross<{to}> for {from} {{\n    fn cross(self) -> {to} {{\n        {body}\n    }}\n}}"
                )
                .unwrap();
            }
        }
        out
    }
}

const HEADER: &str = "// Generated from the contract's WIT by `host/contract/codegen.rs`.\n";

fn docs(out: &mut String, indent: &str, docs: &Docs) {
    if let Some(text) = &docs.contents {
        for line in text.trim_end().lines() {
            let line = line.trim_end();
            if line.is_empty() {
                writeln!(out, "{indent}///").unwrap();
            } else {
                writeln!(out, "{indent}/// {line}").unwrap();
            }
        }
    }
}

/// The WIT package in `wit` (the directory), resolved.
pub fn resolve(wit: &Path) -> Resolve {
    let mut resolve = Resolve::default();
    resolve.push_dir(wit).expect("the contract's WIT resolves");
    resolve
}

/// The plain types of every contract type (`mercato-contract`).
pub fn plain(resolve: &Resolve) -> String {
    Gen::new(resolve).plain()
}

/// `Cross` both ways between the plain types (as `mercato_contract`) and wasmtime's bindings
/// (at `bindings`, such as `crate::wit::latest`).
pub fn cross(resolve: &Resolve, bindings: &str) -> String {
    Gen::new(resolve).cross(bindings)
}
