//! Fuzzing on stable Rust, as wasmtime's embedders do: the loader and the host's parsers of
//! untrusted input fed generated and mutated inputs. Each must end in a value or a typed
//! error — never a panic, never unbounded memory.
//!
//! CI runs a bounded number of cases (`MERCATO_FUZZ_CASES`, default 24 for the loader, which
//! compiles, and `PROPTEST_CASES` or 256 for the parsers). A long campaign:
//! `MERCATO_FUZZ_CASES=100000 PROPTEST_CASES=1000000 cargo test --release -p mercato-integration fuzz_`.

use crate::common::{host, manifest_for, measuring_memory_blocking};
use arbitrary::Unstructured;
use mercato::adapter::structure::{self, SlotLimits};
use mercato::sandbox::Grants;
use proptest::prelude::*;
use std::path::Path;

fn loader_cases() -> u32 {
    std::env::var("MERCATO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// A component holding `module` as its one core module (instantiated when it has no imports),
/// with a manifest, so the loader goes all the way to compiling it.
fn wrap(module: &[u8], instantiate: bool) -> Vec<u8> {
    use mercato::adapter::package::{append_custom_section, append_section};
    let header = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    let mut c = append_section(&header, 1, module);
    if instantiate {
        // A core instance section: one instantiation of module 0 with no arguments.
        c = append_section(&c, 2, &[1, 0x00, 0x00, 0x00]);
    }
    append_custom_section(
        &c,
        mercato_sdk::manifest::SECTION,
        manifest_for("fuzzed").as_bytes(),
    )
}

fn smith_config(u: &mut Unstructured<'_>) -> arbitrary::Result<wasm_smith::Config> {
    let mut config: wasm_smith::Config = u.arbitrary()?;
    // Keep each case quick to compile; size is not what this campaign is after.
    config.max_funcs = config.max_funcs.min(20);
    config.max_instructions = config.max_instructions.min(500);
    config.max_memories = config.max_memories.min(2);
    config.max_memory32_bytes = config.max_memory32_bytes.min(1 << 24);
    config.threads_enabled = false;
    config.gc_enabled = false;
    config.exceptions_enabled = false;
    Ok(config)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: loader_cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn fuzz_the_loader_with_generated_modules(seed in prop::collection::vec(any::<u8>(), 64..4096)) {
        let mut u = Unstructured::new(&seed);
        let Ok(config) = smith_config(&mut u) else { return Ok(()) };
        let Ok(module) = wasm_smith::Module::new(config, &mut u) else { return Ok(()) };
        let bytes = module.to_bytes();
        let _memory = measuring_memory_blocking();
        let instantiate = u.arbitrary::<bool>().unwrap_or(false);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let result = runtime.block_on(host().load(wrap(&bytes, instantiate), Grants::default()));
        // No generated module exports the contract: loading ends in a typed refusal.
        prop_assert!(result.is_err());
    }

    #[test]
    fn fuzz_the_loader_with_mutated_adapters(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let _memory = measuring_memory_blocking();
        let mut bytes = mercato_artifacts::HANSA_CSV.bytes.to_vec();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        // Loads (a flip in a string or data) or is refused with a typed error.
        let _ = runtime.block_on(host().load(bytes, Grants::default()));
    }
}

proptest! {
    #[test]
    fn fuzz_the_structural_passes(bytes in prop::collection::vec(any::<u8>(), 0..2048), header in any::<bool>()) {
        let mut input = if header {
            vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]
        } else {
            Vec::new()
        };
        input.extend_from_slice(&bytes);
        let _ = structure::frame(&input);
        let _ = structure::shape(&input, &SlotLimits::of(&mercato::EngineConfig::default()));
        let _ = mercato::adapter::package::read(&input);
    }

    #[test]
    fn fuzz_the_host_policy(text in policyish(), any in ".{0,300}") {
        let _ = mercato::policy::Policy::parse(&text, Path::new("/nonexistent"));
        let _ = mercato::policy::Policy::parse(&any, Path::new("/nonexistent"));
    }
}

/// Policy-shaped text: its tables and keys, values of every kind.
fn policyish() -> impl Strategy<Value = String> {
    let table = prop_oneof![
        Just("[host]"),
        Just("[host.caps]"),
        Just("[[trust]]"),
        Just("[[adapter]]"),
        Just("[serve]"),
        Just("[[client]]"),
        Just("[[mandate]]"),
    ];
    let key = prop_oneof![
        Just("pool-size"),
        Just("allow-unsigned"),
        Just("call-timeout-ms"),
        Just("memory-mib"),
        Just("supplier"),
        Just("key"),
        Just("file"),
        Just("hosts"),
        Just("settings"),
        Just("secrets"),
        Just("limits"),
        Just("address"),
        Just("max-concurrent-calls"),
        Just("idle-timeout-ms"),
        Just("max-connections"),
        Just("id"),
        Just("currency"),
        Just("compile-memory-mib"),
        Just("max-calls-per-supplier"),
    ];
    let value = prop_oneof![
        "-?[0-9]{1,22}".prop_map(|s| s),
        "\"[ -~]{0,24}\"".prop_map(|s| s),
        Just("true".to_string()),
        Just(
            "[\"https://a.example\", { url = \"http://127.0.0.1:1\", insecure-http = true }]"
                .to_string()
        ),
        Just(
            "{ api-key = { value = \"k\", attach-to = [\"https://a.example/v1/../x\"] } }"
                .to_string()
        ),
        Just("{ env = \"NOPE\" }".to_string()),
    ];
    prop::collection::vec(
        prop_oneof![
            table.prop_map(str::to_string),
            (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        ],
        0..20,
    )
    .prop_map(|lines| lines.join("\n"))
}
