//! `mercato new adapter` as a supplier's engineer uses it: the crate it makes passes its own
//! tests, builds for wasm32-wasip2 as it is, and the component loads in the host and answers.

use mercato::contract::SearchQuery;
use mercato::demo::buyer_context;
use mercato::sandbox::Grants;
use mercato::signing::TrustStore;
use mercato::{AdapterHost, HostConfig};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ sits in the workspace")
        .to_path_buf()
}

/// `cargo` in the new crate, as a plain build: none of the outer test build's flags, with a
/// target directory of its own under the workspace's (the outer build holds the usual one).
fn cargo(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir)
        .args(args)
        .arg("--target-dir")
        .arg(workspace().join("target").join("new-adapter"));
    for var in mercato_artifacts::OUTER_BUILD_ENV {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("cargo runs");
    assert!(
        status.success(),
        "cargo {args:?} failed in {}",
        dir.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_adapter_tests_builds_loads_and_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme-tools");
    let made = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["new", "adapter", "acme-tools", "--dir"])
        .arg(&dir)
        .output()
        .expect("mercato runs");
    assert!(made.status.success(), "{made:?}");

    // A second run would overwrite it: refused, and nothing is touched.
    let again = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["new", "adapter", "acme-tools", "--dir"])
        .arg(&dir)
        .output()
        .expect("mercato runs");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    // The workspace's lock file pins the SDK's dependencies to what this repository builds
    // with, so the test does not depend on what crates.io published today.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    cargo(&dir, &["test", "--quiet"]);
    cargo(
        &dir,
        &["build", "--quiet", "--release", "--target", "wasm32-wasip2"],
    );

    let wasm = workspace().join("target/new-adapter/wasm32-wasip2/release/acme_tools_adapter.wasm");
    let host = AdapterHost::new(HostConfig {
        trust: TrustStore::new().allow_unsigned(true),
        ..HostConfig::default()
    })
    .expect("host starts");
    let adapter = host
        .load(std::fs::read(&wasm).unwrap(), Grants::default())
        .await
        .expect("the new adapter loads: manifest, contract, describe");
    assert_eq!(adapter.supplier().as_str(), "acme-tools");
    let query = SearchQuery {
        text: Some("m8".into()),
        categories: Vec::new(),
        in_stock_only: false,
        page_size: 10,
        cursor: None,
    };
    let page = adapter
        .search(&buyer_context("new-adapter"), &query)
        .await
        .expect("the host accepts the answer");
    assert_eq!(page.items.len(), 3);

    // The template is conformant out of the box: `mercato test-adapter` passes it.
    let suite = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["test-adapter", wasm.to_str().unwrap()])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&suite.stdout);
    assert!(suite.status.success(), "{report}");
    assert!(report.contains("pass  search.paging"), "{report}");
}
