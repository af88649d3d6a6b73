/// Environment variables of an outer cargo build that must not reach a nested one: its
/// flags and wrappers (clippy, coverage, host RUSTFLAGS) and its target directory are for
/// the outer build, and a nested build wants a plain one.
pub const OUTER_BUILD_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_WRAPPER",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_LLVM_COV",
    "CARGO_PRIMARY_PACKAGE",
];
