//! Build every adapter and test fixture as a `wasm32-wasip2` component, so that a plain
//! `cargo test` or `cargo run` on a fresh machine needs nothing but the Rust toolchain.
//!
//! The components are built by a nested `cargo build --release --target wasm32-wasip2` into
//! their own target directory (the outer build holds a lock on the usual one). The target's
//! standard library is added with `rustup target add` when it is missing.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

include!("src/plain_cargo.rs");

/// (constant name, cargo package, library file stem, folder to watch)
const COMPONENTS: &[(&str, &str, &str, &str)] = &[
    (
        "VOLTAIC_REST",
        "voltaic-rest-adapter",
        "voltaic_rest_adapter",
        "adapters/voltaic-rest",
    ),
    (
        "NORDFAST_UBL",
        "nordfast-ubl-adapter",
        "nordfast_ubl_adapter",
        "adapters/nordfast-ubl",
    ),
    (
        "HANSA_CSV",
        "hansa-csv-adapter",
        "hansa_csv_adapter",
        "adapters/hansa-csv",
    ),
    (
        "OSTARA_CXML",
        "ostara-cxml-adapter",
        "ostara_cxml_adapter",
        "adapters/ostara-cxml",
    ),
    (
        "KEYSTONE_X12",
        "keystone-x12-adapter",
        "keystone_x12_adapter",
        "adapters/keystone-x12",
    ),
    (
        "FIXTURE_PANICKING",
        "fixture-panicking",
        "fixture_panicking",
        "tests/fixtures/panicking",
    ),
    (
        "FIXTURE_CONTRACT_V0_1",
        "fixture-contract-v0-1",
        "fixture_contract_v0_1",
        "tests/fixtures/contract-v0-1",
    ),
    (
        "FIXTURE_DEFECTIVE",
        "fixture-defective",
        "fixture_defective",
        "tests/fixtures/defective",
    ),
    (
        "OFFLINE_SUPPLIER",
        "offline-supplier",
        "offline_supplier",
        "tests/fixtures/offline",
    ),
    (
        "HOSTILE",
        "hostile-adapter",
        "hostile_adapter",
        "tests/hostile",
    ),
    (
        "HOSTILE_SOCKETS",
        "hostile-sockets",
        "hostile_sockets",
        "tests/hostile/sockets",
    ),
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("tests/artifacts sits two levels below the workspace root")
        .to_path_buf();
    for watched in [
        "wit",
        "sdk/src",
        "sdk/Cargo.toml",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    for (_, _, _, folder) in COMPONENTS {
        println!("cargo:rerun-if-changed={}", root.join(folder).display());
    }

    ensure_target();

    let target_dir = root.join("target").join("wasm-components");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args(["build", "--release", "--target", TARGET, "--target-dir"])
        .arg(&target_dir);
    for (_, package, _, _) in COMPONENTS {
        cmd.args(["-p", package]);
    }
    // The components get a plain release build.
    for var in OUTER_BUILD_ENV {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("cannot run cargo to build the wasm components");
    assert!(
        status.success(),
        "building the wasm components failed (see the cargo output above)"
    );

    let out_dir = target_dir.join(TARGET).join("release");
    let mut code = String::new();
    for (constant, package, stem, _) in COMPONENTS {
        let path = out_dir.join(format!("{stem}.wasm"));
        assert!(path.exists(), "{} was not produced", path.display());
        let path = path.display().to_string();
        writeln!(
            code,
            "/// The `{package}` component.\npub const {constant}: Component = Component {{ name: {package:?}, path: {path:?}, bytes: include_bytes!({path:?}) }};"
        )
        .expect("writing to a String cannot fail");
    }
    let generated =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("components.rs");
    std::fs::write(&generated, code).expect("cannot write components.rs");
}

/// Make sure the `wasm32-wasip2` standard library is installed, adding it with rustup if not.
fn ensure_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let installed = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|dir| {
            std::fs::read_dir(&dir)
                .map(|mut entries| {
                    entries.any(|e| {
                        e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libstd"))
                    })
                })
                .unwrap_or(false)
        });
    if installed {
        return;
    }
    println!("cargo:warning=installing the {TARGET} target with rustup (first build only)");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .unwrap_or_else(|e| {
            panic!("the {TARGET} target is missing and rustup could not be run to add it: {e}")
        });
    assert!(status.success(), "`rustup target add {TARGET}` failed");
}
