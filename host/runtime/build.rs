//! Writes the moves between wasmtime's bindings and the plain contract types
//! (`src/adapter/cross.rs`), from the same WIT and generator as `mercato-contract`.

#[allow(dead_code, reason = "the contract's build script uses the rest")]
#[path = "../contract/codegen.rs"]
mod codegen;

use std::path::{Path, PathBuf};

fn main() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
    println!("cargo::rerun-if-changed={}", wit.display());
    println!("cargo::rerun-if-changed=../contract/codegen.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source = codegen::cross(&codegen::resolve(&wit), "crate::wit::latest");
    std::fs::write(out.join("cross.rs"), source).expect("OUT_DIR is writable");
}
