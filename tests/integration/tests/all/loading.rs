//! Loading: the world check names what is wrong; the compile cache is used and trusted only
//! when the host wrote it.

use crate::common::{host, measuring_memory, rss, wat_component};
use mercato::{LoadError, sandbox::Grants};

async fn load_wat(wat: &str) -> Result<mercato::LoadedAdapter, LoadError> {
    host().load(wat_component(wat), Grants::default()).await
}

#[tokio::test]
async fn a_component_without_the_contract_exports_is_refused_naming_the_first_missing() {
    let err = load_wat("(component)").await.expect_err("empty component");
    match err {
        LoadError::MissingExport { name } => {
            assert_eq!(
                name,
                format!(
                    "mercato:supplier/adapter-info@{}",
                    mercato::contract::VERSION
                )
            )
        }
        other => panic!("expected MissingExport, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_interface_is_named_even_when_others_are_present() {
    let wat = r#"(component
        (instance $empty)
        (export "mercato:supplier/adapter-info@0.1.0" (instance $empty))
        (export "mercato:supplier/catalog@0.1.0" (instance $empty))
        (export "mercato:supplier/ordering@0.1.0" (instance $empty))
        (export "mercato:supplier/inbound@0.1.0" (instance $empty))
    )"#;
    let err = load_wat(wat).await.expect_err("quoting missing");
    assert!(
        matches!(&err, LoadError::MissingExport { name } if name == "mercato:supplier/quoting@0.1.0"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("mercato:supplier/quoting@0.1.0"),
        "{err}"
    );
}

#[tokio::test]
async fn interfaces_without_their_functions_are_an_export_mismatch() {
    let wat = r#"(component
        (instance $empty)
        (export "mercato:supplier/adapter-info@0.1.0" (instance $empty))
        (export "mercato:supplier/catalog@0.1.0" (instance $empty))
        (export "mercato:supplier/quoting@0.1.0" (instance $empty))
        (export "mercato:supplier/ordering@0.1.0" (instance $empty))
        (export "mercato:supplier/inbound@0.1.0" (instance $empty))
    )"#;
    let err = load_wat(wat).await.expect_err("no functions");
    assert!(matches!(err, LoadError::ExportMismatch { .. }), "{err:?}");
    assert!(
        err.to_string().contains("describe"),
        "names the missing function: {err}"
    );
}

#[tokio::test]
async fn an_import_outside_the_world_is_refused_naming_it() {
    let wat = r#"(component (import "wasi:sockets/tcp@0.2.0" (instance)))"#;
    let err = load_wat(wat).await.expect_err("sockets import");
    match &err {
        LoadError::UnexpectedImport { name, .. } => assert_eq!(name, "wasi:sockets/tcp@0.2.0"),
        other => panic!("expected UnexpectedImport, got {other:?}"),
    }
    assert!(err.to_string().contains("wasi:sockets/tcp@0.2.0"), "{err}");
}

#[tokio::test]
async fn a_newer_wasi_than_the_host_implements_is_refused() {
    let wat = r#"(component (import "wasi:http/outgoing-handler@0.2.99" (instance)))"#;
    let err = load_wat(wat).await.expect_err("too new");
    assert!(matches!(err, LoadError::UnexpectedImport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_contract_of_another_major_version_is_refused_with_the_version() {
    let wat = r#"(component
        (instance $empty)
        (export "mercato:supplier/adapter-info@1.0.0" (instance $empty))
    )"#;
    let err = load_wat(wat).await.expect_err("1.0.0");
    assert!(
        matches!(&err, LoadError::UnsupportedContract { found, .. } if found == "1.0.0"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_core_module_is_not_a_component() {
    let module = wat::parse_str("(module)").expect("wat");
    let err = host()
        .load(module, Grants::default())
        .await
        .expect_err("core module");
    assert!(
        matches!(&err, LoadError::Invalid { detail } if detail.contains("core module")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_component_without_a_manifest_is_refused() {
    let bare = wat::parse_str("(component)").expect("wat");
    let err = host()
        .load(bare, Grants::default())
        .await
        .expect_err("no manifest");
    assert!(matches!(err, LoadError::MissingManifest), "{err:?}");
}

#[tokio::test]
async fn the_compile_cache_is_used_and_a_tampered_artefact_is_recompiled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = || mercato::EngineConfig {
        pool_size: 8,
        cache_dir: Some(dir.path().to_path_buf()),
        ..mercato::EngineConfig::default()
    };
    let bytes = mercato_artifacts::HANSA_CSV.bytes.to_vec();

    let first = host_from(config());
    let a = first
        .load(bytes.clone(), Grants::default())
        .await
        .expect("compiles");
    let artefacts: Vec<_> = std::fs::read_dir(dir.path())
        .expect("cache dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".cwasm"))
        .collect();
    assert_eq!(artefacts.len(), 1, "one artefact for one adapter");
    let artefact = artefacts[0].path();
    assert!(artefact.to_string_lossy().contains(a.digest().as_hex()));

    // A second host loads from the cache and behaves the same.
    let second = host_from(config());
    let b = second
        .load(bytes.clone(), Grants::default())
        .await
        .expect("from cache");
    assert_eq!(a.profile(), b.profile());

    // Flip one byte of the artefact: the tag no longer matches, so the host recompiles
    // instead of running native code it did not write.
    let mut tampered = std::fs::read(&artefact).expect("read");
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0xff;
    std::fs::write(&artefact, &tampered).expect("write");
    let third = host_from(config());
    let c = third
        .load(bytes, Grants::default())
        .await
        .expect("recompiled");
    assert_eq!(a.profile(), c.profile());
    assert_ne!(
        std::fs::read(&artefact).expect("read"),
        tampered,
        "the bad artefact was replaced"
    );
}

#[tokio::test]
async fn precompiled_native_code_is_refused() {
    let engine = wasmtime_engine();
    let native = engine
        .precompile_component(mercato_artifacts::HANSA_CSV.bytes)
        .expect("precompile");
    let err = host()
        .load(native, Grants::default())
        .await
        .expect_err("native code");
    assert!(matches!(err, LoadError::Precompiled), "{err:?}");
}

fn host_from(engine: mercato::EngineConfig) -> mercato::AdapterHost {
    mercato::AdapterHost::new(mercato::HostConfig {
        engine,
        trust: mercato::signing::TrustStore::new().allow_unsigned(true),
        ..mercato::HostConfig::default()
    })
    .expect("host")
}

fn wasmtime_engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    wasmtime::Engine::new(&config).expect("engine")
}

/// `depth` components nested one in another, built byte by byte (a text parser would recurse).
fn nested_components(depth: usize) -> Vec<u8> {
    const HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    let mut inner = HEADER.to_vec();
    for _ in 1..depth {
        // A component section (id 4) holding the component so far.
        inner = mercato::adapter::package::append_section(&HEADER, 4, &inner);
    }
    mercato::adapter::package::append_custom_section(
        &inner,
        mercato_sdk::manifest::SECTION,
        crate::common::manifest_for("bomb").as_bytes(),
    )
}

/// S33: components built to make compiling or parsing expensive are refused by a linear pass
/// before anything expensive, in bounded memory, and `mercato inspect`'s verdict agrees.
#[tokio::test]
async fn s33_compile_bombs_are_refused_before_compiling() {
    let _memory = measuring_memory().await;
    let host = host();
    let before = rss();
    let started = std::time::Instant::now();
    let deep = nested_components(2_000);
    let err = host
        .load(deep.clone(), Grants::default())
        .await
        .expect_err("2,000 levels of nesting");
    assert!(
        matches!(&err, LoadError::Structure(_)) && err.to_string().contains("nesting"),
        "{err}"
    );

    let mut sections = wat_component("(component)");
    for _ in 0..2_000_000 {
        sections.extend_from_slice(&[0, 1, 0]); // an empty-named custom section
    }
    let err = host
        .load(sections, Grants::default())
        .await
        .expect_err("millions of sections");
    assert!(err.to_string().contains("custom sections"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let grown = rss().saturating_sub(before);
    assert!(grown < 64 << 20, "host memory grew by {} MiB", grown >> 20);

    // What a pool slot cannot hold: 17 instantiations of a module.
    let mut wat = String::from("(component (core module $m)");
    for i in 0..=mercato::engine::MAX_CORE_INSTANCES_PER_COMPONENT {
        wat.push_str(&format!(" (core instance $i{i} (instantiate $m))"));
    }
    wat.push(')');
    let crowded = wat_component(&wat);
    let err = host
        .load(crowded.clone(), Grants::default())
        .await
        .expect_err("more core instances than a slot holds");
    assert!(err.to_string().contains("core instances"), "{err}");
    for refused in [deep, crowded] {
        let config = mercato::HostConfig {
            trust: mercato::signing::TrustStore::new().allow_unsigned(true),
            ..mercato::HostConfig::default()
        };
        let report = mercato::inspect::report(None, &refused, &config, &Grants::default());
        assert!(!report.verdict.loadable, "inspect must agree with load");
        assert!(
            report
                .verdict
                .reasons
                .iter()
                .any(|r| r.contains("nesting") || r.contains("core instances")),
            "{:?}",
            report.verdict.reasons
        );
    }
}
