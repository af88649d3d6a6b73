//! Writes the plain contract types from the latest WIT (see `codegen.rs`).

#[allow(dead_code, reason = "the runtime's build script uses the rest")]
mod codegen;

use std::path::{Path, PathBuf};

fn main() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
    println!("cargo::rerun-if-changed={}", wit.display());
    println!("cargo::rerun-if-changed=codegen.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source = codegen::plain(&codegen::resolve(&wit));
    std::fs::write(out.join("contract.rs"), source).expect("OUT_DIR is writable");
}
