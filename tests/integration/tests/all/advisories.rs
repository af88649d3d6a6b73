//! The dependency advisory check (SECURITY.md §8): `Cargo.lock` against a RustSec advisory
//! database, with `rustsec`, the library `cargo-audit` is built on. Part of the test suite, so
//! it needs no tool installed (compiling `cargo-audit` took CI seven minutes).
//!
//! The database is `.ci/advisory-db`, the restated snapshot for the wasmtime stack, unless
//! `MERCATO_ADVISORY_DB` names another: `.ci/run` points it at a clone of the live database
//! when GitHub can be reached.

use rustsec::advisory::Id;
use rustsec::report::{Report, Settings};
use rustsec::{Database, Lockfile};
use std::path::{Path, PathBuf};

/// Advisories that do not apply to Mercato, each with the reason.
///
/// RUSTSEC-2026-0648 (lists of zero-sized values cost no hostcall fuel) is fixed on the 48 line
/// only in 48.0.11, which crates.io cannot resolve. No function Mercato links or calls has such
/// a list, which `wit::tests::no_list_of_zero_sized_values_crosses_the_boundary` checks on
/// every build.
const NOT_APPLICABLE: [&str; 1] = ["RUSTSEC-2026-0648"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn database() -> (Database, PathBuf) {
    let path = std::env::var_os("MERCATO_ADVISORY_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".ci/advisory-db"));
    let db = Database::open(&path)
        .unwrap_or_else(|e| panic!("cannot read the advisory database {}: {e}", path.display()));
    (db, path)
}

/// Each vulnerability of `lock` that is not ignored, one line each.
fn vulnerabilities(db: &Database, lock: &Path, ignore: &[&str]) -> Vec<String> {
    let lockfile =
        Lockfile::load(lock).unwrap_or_else(|e| panic!("cannot read {}: {e}", lock.display()));
    let settings = Settings {
        ignore: ignore
            .iter()
            .map(|id| id.parse::<Id>().expect("a RustSec id"))
            .collect(),
        ..Settings::default()
    };
    Report::generate(db, &lockfile, &settings)
        .vulnerabilities
        .list
        .iter()
        .map(|v| {
            let patched: Vec<String> = v.versions.patched().iter().map(|r| r.to_string()).collect();
            format!(
                "{} {} {}: {} (patched: {})",
                v.advisory.id,
                v.package.name,
                v.package.version,
                v.advisory.title,
                patched.join(", ")
            )
        })
        .collect()
}

#[test]
fn no_dependency_has_a_known_vulnerability() {
    let (db, path) = database();
    let found = vulnerabilities(&db, &workspace().join("Cargo.lock"), &NOT_APPLICABLE);
    println!("advisories: {} in {}", db.iter().count(), path.display());
    assert!(
        found.is_empty(),
        "Cargo.lock has known vulnerabilities:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_flags_a_lock_file_with_a_vulnerable_wasmtime() {
    // A check that cannot fail proves nothing: wasmtime 48.0.3 has known advisories.
    let (db, _) = database();
    let found = vulnerabilities(&db, &workspace().join(".ci/vulnerable.lock"), &[]);
    assert!(
        found.iter().any(|v| v.contains(" wasmtime 48.0.3:")),
        "the advisory check did not flag wasmtime 48.0.3: {found:?}"
    );
}
