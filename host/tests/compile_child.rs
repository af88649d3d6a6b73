//! Compiling in a memory-capped child process (`mercato compile-worker`): artefacts load in
//! the host's engine and serve calls, a compilation that needs more than its limit is stopped
//! with a typed error, and the host's own memory is untouched either way.

use mercato::engine::CompileIn;
use mercato::sandbox::Grants;
use mercato::signing::TrustStore;
use mercato::{AdapterHost, EngineConfig, HostConfig, LoadError};
use std::time::Duration;

fn host(memory_bytes: u64, compile_timeout: Duration) -> AdapterHost {
    AdapterHost::new(HostConfig {
        engine: EngineConfig {
            pool_size: 8,
            compile_in: CompileIn::Child {
                program: env!("CARGO_BIN_EXE_mercato").into(),
                memory_bytes,
            },
            ..EngineConfig::default()
        },
        trust: TrustStore::new().allow_unsigned(true),
        compile_timeout,
        ..HostConfig::default()
    })
    .expect("host")
}

/// Resident memory of this process, bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .expect("resident pages")
        * 4096
}

#[tokio::test]
async fn a_component_compiled_in_the_child_loads_and_answers() {
    let host = host(1 << 30, Duration::from_secs(120));
    let hansa = host
        .load(
            mercato_artifacts::HANSA_CSV.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect("compiled in the child, loaded in the host");
    assert_eq!(hansa.supplier().as_str(), "hansa");
    assert!(!hansa.loaded_from_cache());
}

#[tokio::test]
async fn a_compilation_over_its_memory_limit_is_stopped_and_costs_the_host_nothing() {
    let host = host(8 << 20, Duration::from_secs(120));
    let before = rss();
    let err = host
        .load(
            mercato_artifacts::HANSA_CSV.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect_err("8 MiB is not enough to compile an adapter");
    assert!(
        matches!(err, LoadError::CompileMemory { limit_bytes } if limit_bytes == 8 << 20),
        "{err:?}"
    );
    let grown = rss().saturating_sub(before);
    assert!(grown < 32 << 20, "host memory grew by {} MiB", grown >> 20);
}

#[tokio::test]
async fn a_compilation_past_its_time_limit_is_killed() {
    let host = host(1 << 30, Duration::from_millis(1));
    let err = host
        .load(
            mercato_artifacts::HANSA_CSV.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect_err("no compilation takes 1 ms");
    assert!(matches!(err, LoadError::CompileTimeout { .. }), "{err:?}");
}
