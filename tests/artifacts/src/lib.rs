//! The WebAssembly components of this repository — the bundled adapters and the test
//! fixtures — built for `wasm32-wasip2` by this crate's build script and embedded here.
//!
//! Depending on this crate is all a test or the demo needs to get real components; the build
//! script adds the `wasm32-wasip2` target with rustup when it is missing.

/// One built component.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    /// Cargo package it was built from.
    pub name: &'static str,
    /// Where the build left the `.wasm` file.
    pub path: &'static str,
    /// The component's bytes.
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/components.rs"));

include!("plain_cargo.rs");

/// The adapters `mercato demo` bundles, one per upstream style.
pub const BUNDLED: [Component; 3] = [VOLTAIC_REST, NORDFAST_UBL, HANSA_CSV];
