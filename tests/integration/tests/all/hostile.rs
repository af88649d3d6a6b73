//! The hostile-adapter matrix (shared/design/security.md, S1–S25): each row's attack against
//! the real sandbox, the exact outcome asserted, and a healthy adapter answering correctly
//! both while the attack runs and after it.
//!
//! Rows covered elsewhere: S5 (count bombs) in `host/runtime/src/adapter/state.rs` on core modules,
//! because a component's world cannot express a table or instance count; S22 and S24 in
//! `loading.rs`; S2 and S20 are properties of the call path (fresh store per call, pool
//! exhaustion as a typed error) exercised by every test here.

use crate::common::{host, measuring_memory, peak_growth, query, quote_request, rss};
use mercato::adapter::{CallLog, CapabilityGate};
use mercato::broker::{Broker, BrokerConfig};
use mercato::contract::*;
use mercato::demo::buyer_context;
use mercato::metrics::Metrics;
use mercato::sandbox::limits::{DEFAULT_REQUEST_BODY_BYTES, Limits};
use mercato::sandbox::outbound::DENIAL_SAMPLES;
use mercato::sandbox::secrets::AttachTarget;
use mercato::sandbox::{Grants, HostGrant, LimitGrants};
use mercato::signing::{self, SecretKey, TrustStore};
use mercato::{
    AdapterHost, CallError, EngineConfig, HostConfig, LoadError, LoadedAdapter, ResourceKind,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SHORT: Duration = Duration::from_millis(400);

fn attack(name: &str) -> Grants {
    Grants::new().setting("attack", name)
}

fn short(grants: Grants) -> Grants {
    grants.limits(LimitGrants {
        call_timeout: Some(SHORT),
        ..LimitGrants::default()
    })
}

async fn hostile(host: &AdapterHost, grants: Grants) -> LoadedAdapter {
    host.load(mercato_artifacts::HOSTILE.bytes.to_vec(), grants)
        .await
        .expect("the hostile adapter loads")
}

async fn healthy(host: &AdapterHost) -> LoadedAdapter {
    host.load(
        mercato_artifacts::HANSA_CSV.bytes.to_vec(),
        Grants::default(),
    )
    .await
    .expect("the healthy adapter loads")
}

/// The healthy adapter's answer is exactly right.
async fn answers_correctly(h: &LoadedAdapter) {
    let page = h
        .search(&buyer_context("healthy"), &query("M8 hex bolt", 50))
        .await
        .expect("the healthy adapter answers");
    let bolt = page
        .items
        .iter()
        .find(|i| i.ids.supplier_sku == "H-933-8-30-VZ")
        .expect("with the M8x30 bolt");
    assert_eq!(bolt.price_tiers[1].unit_price.amount.mantissa, 1590);
}

/// Run `attack` while the healthy adapter answers, then check the healthy adapter again.
async fn contained<T>(h: &LoadedAdapter, attack: impl Future<Output = T>) -> T {
    let (result, ()) = tokio::join!(attack, answers_correctly(h));
    answers_correctly(h).await;
    result
}

async fn search(a: &LoadedAdapter) -> Result<SearchPage, CallError> {
    a.search(&buyer_context("hostile"), &query("x", 10)).await
}

/// The probe report of an attack that reports: attribute name → value.
fn findings(page: SearchPage) -> BTreeMap<String, String> {
    page.items
        .into_iter()
        .next()
        .expect("a report item")
        .attributes
        .into_iter()
        .collect()
}

/// A TCP listener on 127.0.0.1 that counts connections and answers with `behaviour`.
async fn upstream(behaviour: Behaviour) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                match behaviour {
                    Behaviour::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
                    Behaviour::Trickle => {
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nx")
                            .await;
                        for _ in 0..99 {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            if socket.write_all(b"x").await.is_err() {
                                return;
                            }
                        }
                    }
                    Behaviour::Huge => {
                        let size = 20 << 20;
                        let _ = socket
                            .write_all(
                                format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n")
                                    .as_bytes(),
                            )
                            .await;
                        let chunk = vec![b'h'; 1 << 16];
                        for _ in 0..(size / chunk.len()) {
                            if socket.write_all(&chunk).await.is_err() {
                                return;
                            }
                        }
                    }
                    Behaviour::Echo => {
                        let asked = &buf[..n];
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            asked.len()
                        );
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(asked).await;
                    }
                    Behaviour::Ok => {
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                            .await;
                    }
                }
            });
        }
    });
    (url, accepted)
}

/// A server that reads a request until the client ends or drops it, then answers 200: it
/// never answers early, so what the host cut off decides the outcome, not a race with the
/// answer. The counter holds the bytes it received, head and body.
async fn draining_upstream() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let received = Arc::new(AtomicUsize::new(0));
    let count = received.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    count.fetch_add(n, Ordering::SeqCst);
                }
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    (url, received)
}

#[derive(Clone, Copy)]
enum Behaviour {
    Hang,
    Trickle,
    Huge,
    Ok,
    /// Answers with the request it was sent, headers and all.
    Echo,
}

#[tokio::test(flavor = "multi_thread")]
async fn s01_an_infinite_loop_stops_at_its_deadline() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, short(attack("infinite-loop"))).await;
    let started = Instant::now();
    let e = contained(&h, search(&a)).await.expect_err("stopped");
    let took = started.elapsed();
    assert!(
        matches!(e, CallError::Timeout { limit, .. } if limit == SHORT),
        "{e:?}"
    );
    // Deadline plus one 10 ms epoch tick; the rest is slack for a loaded 2-core machine.
    assert!(
        took >= SHORT && took < SHORT + Duration::from_millis(600),
        "stopped after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s01_with_fuel_on_the_instruction_budget_stops_the_loop_deterministically() {
    let host = AdapterHost::new(HostConfig {
        engine: EngineConfig {
            pool_size: 16,
            consume_fuel: true,
            ..EngineConfig::default()
        },
        caps: Limits {
            fuel: Some(50_000_000),
            ..Limits::default()
        },
        trust: TrustStore::new().allow_unsigned(true),
        ..HostConfig::default()
    })
    .expect("host");
    let h = healthy(&host).await;
    let a = hostile(&host, attack("infinite-loop")).await;
    let e = contained(&h, search(&a)).await.expect_err("out of fuel");
    assert!(
        matches!(
            e,
            CallError::ResourceLimit {
                kind: ResourceKind::Fuel,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s03_waiting_on_a_clock_or_a_silent_upstream_is_cut_off() {
    let host = host();
    let h = healthy(&host).await;
    let sleeper = hostile(&host, short(attack("sleep"))).await;
    let e = contained(&h, search(&sleeper)).await.expect_err("stopped");
    assert!(matches!(e, CallError::Timeout { .. }), "{e:?}");

    let (url, accepted) = upstream(Behaviour::Hang).await;
    let waiter = hostile(
        &host,
        short(attack("hang-upstream"))
            .setting("upstream", &url)
            .host(HostGrant::local(&url).expect("grant")),
    )
    .await;
    let started = Instant::now();
    let e = contained(&h, search(&waiter)).await.expect_err("stopped");
    assert!(matches!(e, CallError::Timeout { .. }), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "the request did go out");
    // The abandoned call left nothing behind: the adapter answers the next call normally.
    let e = search(&waiter).await.expect_err("hangs again");
    assert!(matches!(e, CallError::Timeout { .. }), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s04_a_memory_bomb_is_refused_and_host_memory_stays_flat() {
    let _memory = measuring_memory().await;
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(
        &host,
        attack("memory-bomb").limits(LimitGrants {
            memory_bytes: Some(16 << 20),
            ..LimitGrants::default()
        }),
    )
    .await;
    let before = rss();
    for _ in 0..5 {
        let e = contained(&h, search(&a)).await.expect_err("refused");
        assert!(
            matches!(
                e,
                CallError::ResourceLimit {
                    kind: ResourceKind::Memory,
                    ..
                }
            ),
            "{e:?}"
        );
    }
    let grown = rss().saturating_sub(before);
    assert!(
        grown < 48 << 20,
        "host memory grew by {} MiB over five bombs",
        grown >> 20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s06_runaway_recursion_overflows_the_wasm_stack_only() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("deep-recursion")).await;
    let e = contained(&h, search(&a)).await.expect_err("overflow");
    assert!(
        matches!(
            e,
            CallError::ResourceLimit {
                kind: ResourceKind::Stack,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s07_panics_are_faults_and_open_the_breaker() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("panic")).await;
    for _ in 0..5 {
        let e = contained(&h, search(&a)).await.expect_err("panic");
        assert!(matches!(e, CallError::AdapterFault { .. }), "{e:?}");
    }
    let e = search(&a).await.expect_err("suspended");
    assert!(matches!(e, CallError::CircuitOpen { .. }), "{e:?}");
    assert!(matches!(
        a.breaker(),
        mercato::adapter::breaker::BreakerStatus::Open { .. }
    ));
    answers_correctly(&h).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn s09_huge_results_are_refused_by_the_output_caps() {
    let _memory = measuring_memory().await;
    let host = AdapterHost::new(HostConfig {
        caps: Limits {
            list_len: 1_000,
            ..Limits::default()
        },
        trust: TrustStore::new().allow_unsigned(true),
        engine: EngineConfig {
            pool_size: 32,
            ..EngineConfig::default()
        },
        ..HostConfig::default()
    })
    .expect("host");
    let h = healthy(&host).await;
    // 2 000 small items: under the host-call byte budget, over a list cap of 1 000, refused
    // after lifting.
    let many = hostile(&host, attack("huge-output")).await;
    let e = contained(&h, search(&many)).await.expect_err("too many");
    assert!(
        matches!(&e, CallError::InvalidOutput { reason, .. } if reason.contains("list")),
        "{e:?}"
    );

    // A 16 MiB string: over the host-call byte budget, stopped while it is being copied out,
    // so the host never holds it.
    let long = hostile(&host, attack("long-string")).await;
    let before = rss();
    for _ in 0..3 {
        let e = contained(&h, search(&long)).await.expect_err("too long");
        assert!(
            matches!(
                e,
                CallError::ResourceLimit {
                    kind: ResourceKind::HostCalls,
                    ..
                }
            ),
            "{e:?}"
        );
    }
    let grown = rss().saturating_sub(before);
    assert!(grown < 48 << 20, "host memory grew by {} MiB", grown >> 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn s10_malformed_abi_values_are_typed_faults() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("invalid-utf8")).await;
    let e = contained(&h, search(&a)).await.expect_err("not UTF-8");
    assert!(
        matches!(&e, CallError::AdapterFault { detail } if detail.to_lowercase().contains("utf")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s11_host_import_floods_are_bounded() {
    let host = host();
    let h = healthy(&host).await;
    let logs = hostile(&host, attack("log-flood")).await;
    let started = Instant::now();
    let page = contained(&h, search(&logs))
        .await
        .expect("the call completes; excess lines are dropped");
    assert_eq!(findings(page)["logged"], "100000");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let hmac = hostile(&host, attack("hmac-flood").secret("api-key", b"k".to_vec())).await;
    let e = contained(&h, search(&hmac))
        .await
        .expect_err("32 MiB into one host call");
    assert!(
        matches!(
            e,
            CallError::ResourceLimit {
                kind: ResourceKind::HostCalls,
                ..
            }
        ),
        "{e:?}"
    );

    let handles = hostile(&host, attack("handle-flood")).await;
    let e = contained(&h, search(&handles))
        .await
        .expect_err("handle cap");
    assert!(
        matches!(
            e,
            CallError::ResourceLimit {
                kind: ResourceKind::HostCalls,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s12_the_filesystem_is_not_there() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("fs-probe")).await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert!(report.len() >= 11);
    for (probe, outcome) in &report {
        assert!(outcome.starts_with("error"), "{probe}: {outcome}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn s13_no_environment_and_no_secrets_are_visible() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(
        &host,
        attack("env-probe").secret("api-key", b"super-secret".to_vec()),
    )
    .await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert_eq!(report["env"], "0");
    assert_eq!(report["args"], "0");
    assert_eq!(
        report["setting api-key"], "None",
        "secrets are not settings"
    );
    assert_eq!(report["hmac undeclared"], "None");
    assert!(!report.values().any(|v| v.contains("super-secret")));
}

#[tokio::test(flavor = "multi_thread")]
async fn s14_raw_sockets_are_not_linked() {
    let err = host()
        .load(
            mercato_artifacts::HOSTILE_SOCKETS.bytes.to_vec(),
            Grants::default(),
        )
        .await
        .expect_err("imports sockets");
    assert!(
        matches!(&err, LoadError::UnexpectedImport { name, .. } if name.starts_with("wasi:sockets/")),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s15_nothing_leaves_for_hosts_that_are_not_granted() {
    let host = host();
    let h = healthy(&host).await;
    let (url, accepted) = upstream(Behaviour::Ok).await;
    let port = url.rsplit(':').next().expect("port");
    let rebinding = format!("http://localhost:{port}");
    let targets = [
        url.clone(),                          // loopback, not granted
        "http://169.254.169.254".to_string(), // cloud metadata
        "http://10.20.30.40".to_string(),     // private range
        "http://192.168.1.1".to_string(),     // private range
        "http://[::1]:1".to_string(),         // IPv6 loopback
        rebinding.clone(),                    // granted name that resolves to loopback
        "https://example.com".to_string(),    // public, not granted
    ];
    // The only grant: `localhost` over http, without the private-network flag.
    let a = hostile(
        &host,
        attack("network-probe")
            .setting("upstream", &rebinding)
            .setting("targets", targets.join(" "))
            .host(HostGrant::parse(&rebinding).expect("grant").insecure_http()),
    )
    .await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert_eq!(report.len(), targets.len());
    for (target, outcome) in &report {
        assert!(outcome.starts_with("error"), "{target}: {outcome}");
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "a connection reached the listener"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s16_slow_huge_flooding_and_header_tricks_upstream_are_clamped() {
    let caps = Limits {
        between_bytes_timeout: Duration::from_millis(300),
        response_body_bytes: 1 << 20,
        outbound_requests: 16,
        ..Limits::default()
    };
    let host = AdapterHost::new(HostConfig {
        caps,
        trust: TrustStore::new().allow_unsigned(true),
        engine: EngineConfig {
            pool_size: 32,
            ..EngineConfig::default()
        },
        ..HostConfig::default()
    })
    .expect("host");
    let h = healthy(&host).await;
    let with = |name: &str, url: &str| {
        attack(name)
            .setting("upstream", url)
            .host(HostGrant::local(url).expect("grant"))
            .secret_for(
                "api-key",
                b"host-held".to_vec(),
                [AttachTarget::parse(url).expect("target")],
            )
    };

    let (slow, _) = upstream(Behaviour::Trickle).await;
    let a = hostile(&host, with("slow-upstream", &slow)).await;
    let started = Instant::now();
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert!(report["slow"].starts_with("error"), "{report:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );

    let (huge, _) = upstream(Behaviour::Huge).await;
    let a = hostile(&host, with("huge-body", &huge)).await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert!(report["huge"].starts_with("error"), "{report:?}");

    let (ok, accepted) = upstream(Behaviour::Ok).await;
    let a = hostile(&host, with("request-flood", &ok)).await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert_eq!(
        (report["sent"].as_str(), report["refused"].as_str()),
        ("16", "84")
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 16);

    let (ok, accepted) = upstream(Behaviour::Ok).await;
    let a = hostile(&host, with("forbidden-headers", &ok)).await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert!(report["host"].starts_with("error"), "{report:?}");
    assert!(
        report["x-api-key"].starts_with("error"),
        "the host's own header: refused, not merged"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn s17_printing_floods_are_bounded() {
    let _memory = measuring_memory().await;
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("stdout-flood")).await;
    let before = rss();
    let report = findings(contained(&h, search(&a)).await.expect("the call completes"));
    assert_eq!(report["printed"], "64 MiB");
    let grown = rss().saturating_sub(before);
    assert!(grown < 32 << 20, "host memory grew by {} MiB", grown >> 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn s18_a_huge_request_body_is_cut_off() {
    let host = host();
    let h = healthy(&host).await;
    let (sink, received) = draining_upstream().await;
    let a = hostile(
        &host,
        attack("huge-request")
            .setting("upstream", &sink)
            .host(HostGrant::local(&sink).expect("grant")),
    )
    .await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert!(report["upload"].starts_with("error"), "{report:?}");
    // The 32 MiB body stopped at the 1 MiB cap: what left the host is the cap, the request
    // head and chunk framing (a few bytes per chunk), not the rest.
    let sent = received.load(Ordering::SeqCst) as u64;
    assert!(
        sent <= DEFAULT_REQUEST_BODY_BYTES + (64 << 10),
        "{sent} bytes reached the server"
    );

    // And a huge request from a client never reaches the adapter (S8's host side).
    let mut huge = query("x", 10);
    huge.text = Some("x".repeat(2 << 20));
    let e = a
        .search(&buyer_context("big"), &huge)
        .await
        .expect_err("too big");
    assert!(matches!(e, CallError::RequestTooLarge { .. }), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s19_a_reused_slot_shows_only_its_initial_image() {
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("leak")).await;
    for _ in 0..4 {
        let report = findings(contained(&h, search(&a)).await.expect("report"));
        assert_eq!(
            report["marker before"], "0x0",
            "an earlier call's marker leaked"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn s21_unsigned_unknown_key_and_tampered_adapters_are_refused_before_compilation() {
    let publisher = SecretKey::generate().expect("key");
    let stranger = SecretKey::generate().expect("key");
    // A fresh compile cache: if anything were compiled, an artefact would appear in it.
    let cache = tempfile::tempdir().expect("temp dir");
    let strict = AdapterHost::new(HostConfig {
        engine: EngineConfig {
            pool_size: 8,
            cache_dir: Some(cache.path().to_path_buf()),
            ..EngineConfig::default()
        },
        trust: TrustStore::new().trust("hostile", publisher.public(), None),
        ..HostConfig::default()
    })
    .expect("host");
    let compiled = || {
        std::fs::read_dir(cache.path())
            .expect("cache dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".cwasm"))
            })
            .count()
    };
    let h = healthy(&host()).await;
    let bytes = mercato_artifacts::HOSTILE.bytes;
    let grants = || attack("leak");

    let e = contained(&h, strict.load(bytes.to_vec(), grants()))
        .await
        .expect_err("unsigned");
    assert!(
        matches!(&e, LoadError::Unsigned { supplier } if supplier == "hostile"),
        "{e:?}"
    );

    let by_stranger = signing::sign(bytes, &stranger).expect("sign");
    let e = contained(&h, strict.load(by_stranger, grants()))
        .await
        .expect_err("unknown key");
    assert!(
        matches!(&e, LoadError::UnknownKey { key, .. } if *key == stranger.public().to_string()),
        "{e:?}"
    );

    // Change the publisher named in the signed manifest: still valid TOML, no longer signed.
    let mut tampered = signing::sign(bytes, &publisher).expect("sign");
    let at = tampered
        .windows(13)
        .position(|w| w == b"Mercato tests")
        .expect("the manifest's publisher");
    tampered[at] = b'X';
    let e = contained(&h, strict.load(tampered, grants()))
        .await
        .expect_err("tampered");
    assert!(matches!(e, LoadError::Tampered { .. }), "{e:?}");
    assert_eq!(compiled(), 0, "a refused adapter was compiled");

    let genuine = signing::sign(bytes, &publisher).expect("sign");
    let a = strict.load(genuine, grants()).await.expect("trusted");
    assert!(matches!(a.trust(), signing::Trust::Trusted(k) if *k == publisher.public()));
    assert_eq!(compiled(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn s23_oversized_and_slow_to_compile_components_are_refused_at_load() {
    let h = healthy(&host()).await;
    let small = AdapterHost::new(HostConfig {
        engine: EngineConfig {
            pool_size: 8,
            max_component_bytes: 256 * 1024,
            ..EngineConfig::default()
        },
        trust: TrustStore::new().allow_unsigned(true),
        ..HostConfig::default()
    })
    .expect("host");
    let e = contained(
        &h,
        small.load(
            mercato_artifacts::VOLTAIC_REST.bytes.to_vec(),
            Grants::default(),
        ),
    )
    .await
    .expect_err("too big");
    assert!(matches!(e, LoadError::TooLarge { .. }), "{e:?}");

    // No cache and a compile budget no real component meets: compilation is abandoned at load,
    // never on a call's path.
    let impatient = AdapterHost::new(HostConfig {
        engine: EngineConfig {
            pool_size: 8,
            ..EngineConfig::default()
        },
        trust: TrustStore::new().allow_unsigned(true),
        compile_timeout: Duration::from_millis(1),
        ..HostConfig::default()
    })
    .expect("host");
    let e = contained(
        &h,
        impatient.load(
            mercato_artifacts::HANSA_CSV.bytes.to_vec(),
            Grants::default(),
        ),
    )
    .await
    .expect_err("too slow");
    assert!(matches!(e, LoadError::CompileTimeout { .. }), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s25_answers_about_another_currency_order_or_total_are_refused() {
    let host = host();
    let h = healthy(&host).await;
    let ctx = buyer_context("s25");
    let request = quote_request(&[("L1", "BOLT-1", 1)]);
    let usd = hostile(&host, attack("wrong-currency")).await;
    let e = contained(&h, usd.request_quote(&ctx, &request))
        .await
        .expect_err("USD");
    assert!(
        matches!(&e, CallError::InvalidOutput { reason, .. } if reason.contains("USD")),
        "{e:?}"
    );

    let totals = hostile(&host, attack("bad-totals")).await;
    let e = contained(&h, totals.request_quote(&ctx, &request))
        .await
        .expect_err("totals");
    assert!(
        matches!(&e, CallError::InvalidOutput { reason, .. } if reason.contains("add up")),
        "{e:?}"
    );

    let other = hostile(&host, attack("other-order")).await;
    let e = contained(&h, other.get_order(&ctx, "PO-MINE"))
        .await
        .expect_err("someone else's");
    assert!(
        matches!(&e, CallError::InvalidOutput { reason, .. } if reason.contains("PO-MINE")),
        "{e:?}"
    );

    let yen = hostile(&host, attack("undeclared-currency")).await;
    let e = contained(&h, search(&yen)).await.expect_err("JPY");
    assert!(
        matches!(&e, CallError::InvalidOutput { reason, .. } if reason.contains("JPY")),
        "{e:?}"
    );

    // The same adapter answering honestly passes the same checks.
    let honest = hostile(&host, attack("none")).await;
    let q = honest
        .request_quote(&ctx, &request)
        .await
        .expect("honest quote");
    assert_eq!(q.currency, "EUR");
}

/// Everything logged on this thread while the guard lives, at every level and as the command
/// line's text format writes it (without colours, the runtime's crates at `info` as there). The test runs on a current-thread runtime, so every call it
/// makes logs here.
fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(mercato::logline::with_quiet_runtime("trace"))
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

fn logged(buffer: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buffer.lock().expect("log buffer")).into_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn s26_refused_requests_cost_a_counter_not_memory_or_log() {
    let _memory = measuring_memory().await;
    let (logs, _guard) = capture_logs();
    let host = host();
    let h = healthy(&host).await;
    let calls = CallLog::new();
    let a = hostile(&host, attack("refusal-flood"))
        .await
        .watched(calls.clone(), CapabilityGate::Enforce);
    let before = rss();
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    let grown = rss().saturating_sub(before);
    let tried: u64 = report["tried"].parse().expect("a count");
    assert!(tried > 100, "only {tried} refused requests were tried");
    let record = calls.records().pop().expect("the call is recorded");
    assert_eq!(record.denials.total, tried, "every refusal is counted");
    assert!(record.denials.sample.len() <= DENIAL_SAMPLES);
    // The guest's own linear memory (up to its 64 MiB limit) is resident too; the host's
    // records of the refusals are what must not grow.
    assert!(grown < 128 << 20, "host memory grew by {} MiB", grown >> 20);
    let text = logged(&logs);
    // The adapter's own warnings (its SDK logs each failed request) fill its lines for the
    // call; the host adds one summary, not one line per refusal.
    assert!(
        text.len() < 1 << 20,
        "{} KiB logged for one call",
        text.len() >> 10
    );
    assert!(
        text.contains(&format!("{tried} outbound request(s) refused")),
        "one summary line names the count: {text}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn s27_an_adapter_cannot_forge_host_log_lines() {
    let (logs, _guard) = capture_logs();
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("log-injection")).await;
    contained(&h, search(&a)).await.expect("report");
    let text = logged(&logs);
    let forged: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" adapter: ") && l.contains("FORGED"))
        .collect();
    assert_eq!(
        forged.len(),
        3,
        "each adapter line is one host line: {text}"
    );
    for line in forged {
        assert!(
            !line.starts_with("FORGED") && line.contains("hostile"),
            "a line the adapter forged: {line:?}"
        );
    }
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s28_a_secret_goes_only_where_its_grant_says() {
    let host = host();
    let h = healthy(&host).await;
    let (echo, _) = upstream(Behaviour::Echo).await;
    let (api, _) = upstream(Behaviour::Echo).await;
    let a = hostile(
        &host,
        attack("secret-echo")
            .setting("upstream", &echo)
            .setting("api", &api)
            .host(HostGrant::local(&echo).expect("grant"))
            .host(HostGrant::local(&api).expect("grant"))
            .secret_for(
                "api-key",
                b"host-held".to_vec(),
                [AttachTarget::parse(&format!("{api}/v1")).expect("target")],
            ),
    )
    .await;
    let report = findings(contained(&h, search(&a)).await.expect("report"));
    assert_eq!(report["echo"], "clean", "another granted host: {report:?}");
    assert_eq!(report["api-dots"], "clean", "/v1/../ leaves the prefix");
    assert_eq!(report["api-v2"], "clean", "outside the prefix");
    // What SECURITY.md §5 warns of: a destination that reflects headers hands the secret
    // back to the adapter. Only the integrator's choice of destination and prefix limits it.
    assert_eq!(report["api-v1"], "LEAKED", "{report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s29_ipv6_addresses_are_judged_by_the_ipv4_address_they_carry() {
    let host = host();
    let h = healthy(&host).await;
    let targets = [
        "http://[::127.0.0.1]:9",               // IPv4-compatible loopback
        "http://[::ffff:0:a9fe:a9fe]:80",       // IPv4-translated metadata
        "http://[2002:7f00:1::1]:9",            // 6to4 of 127.0.0.1
        "http://[2001:0:808:808::80ff:fffe]:9", // Teredo client 127.0.0.1
    ];
    for target in targets {
        // Each one the adapter's granted upstream, public as far as the grant goes.
        let a = hostile(
            &host,
            attack("network-probe")
                .setting("upstream", target)
                .setting("targets", target)
                .host(HostGrant::parse(target).expect("grant").insecure_http()),
        )
        .await;
        let report = findings(contained(&h, search(&a)).await.expect("report"));
        assert!(
            report[target].contains("DestinationIpProhibited"),
            "{target}: {report:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn s30_answers_that_lie_about_prices_are_refused_naming_the_field() {
    let host = host();
    let h = healthy(&host).await;
    for (lie, field, why) in [
        ("negative-price", "price-tiers[0].unit-price", "negative"),
        ("unsorted-tiers", "price-tiers[1].min-quantity", "ascend"),
        ("bad-scale", "price-tiers[0].unit-price", "scale"),
    ] {
        let a = hostile(&host, attack(lie)).await;
        let e = contained(&h, search(&a)).await.expect_err(lie);
        match &e {
            CallError::InvalidOutput { field: f, reason } => {
                assert!(
                    f.starts_with("search: items[0]") && f.ends_with(field),
                    "{lie}: {f}"
                );
                assert!(reason.contains(why), "{lie}: {reason}");
            }
            other => panic!("{lie}: {other:?}"),
        }
    }
    let request = quote_request(&[("L1", "BOLT-1", 1)]);
    let a = hostile(&host, attack("bad-line-total")).await;
    let e = contained(&h, a.request_quote(&buyer_context("s30"), &request))
        .await
        .expect_err("line totals that do not add up");
    assert!(
        matches!(&e, CallError::InvalidOutput { field, reason }
            if field.contains("line L1 line-total") && reason.contains("unit price × quantity")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s31_a_slow_supplier_fills_its_own_share_not_the_hosts() {
    let host = host();
    let healthy = healthy(&host).await;
    // Valid answers, 1.5 s late: never a fault of its own, only slow.
    let slow = hostile(&host, attack("slow-valid").setting("delay-ms", "1500")).await;
    let broker = Broker::with_config(
        vec![healthy.clone(), slow.clone()],
        BrokerConfig {
            max_concurrent_calls: 8,
            max_calls_per_supplier: Some(2),
            queue_wait: Duration::from_millis(100),
            deadline: Duration::from_secs(3),
        },
        Arc::new(Metrics::new()),
    );
    let ctx = buyer_context("s31");
    let q = query("M8 hex bolt", 10);
    // Twelve requests at once, each fanning out to both suppliers.
    let requests = (0..12).map(|_| broker.search(&ctx, &q, None));
    let answers = futures::future::join_all(requests).await;
    let mut slow_busy = 0;
    for fan_out in answers {
        let fan_out = fan_out.expect("no request is refused for the whole host");
        for o in &fan_out.outcomes {
            match (o.supplier.as_str(), &o.result) {
                ("hansa", Ok(page)) => assert!(!page.items.is_empty()),
                ("hostile", Ok(_)) => {}
                ("hostile", Err(CallError::SupplierBusy { in_flight: 2, .. })) => slow_busy += 1,
                (supplier, other) => panic!("{supplier}: {other:?}"),
            }
        }
    }
    assert_eq!(
        slow_busy, 10,
        "the slow supplier ran its share of 2, the rest were its own"
    );

    // A client in a hurry gives up on it again and again: its own choice, not the supplier's
    // fault, so the supplier stays open to everyone else (it used to be suspended).
    let only = [slow.supplier().clone()];
    for _ in 0..mercato::adapter::breaker::DEFAULT_FAILURE_THRESHOLD + 2 {
        let mut hurried = buyer_context("s31-hurried");
        hurried.deadline = mercato::contract::now_ms() + 200;
        let out = broker
            .search(&hurried, &q, Some(&only))
            .await
            .expect("admitted");
        assert!(
            matches!(out.outcomes[0].result, Err(CallError::Timeout { .. })),
            "{:?}",
            out.outcomes[0].result
        );
    }
    assert!(
        matches!(
            slow.breaker(),
            mercato::adapter::breaker::BreakerStatus::Closed {
                consecutive_faults: 0
            }
        ),
        "a client's tight deadline is not the supplier's fault: {:?}",
        slow.breaker()
    );

    // A supplier that runs into the host's own deadline every time is suspended.
    let late = Broker::with_config(
        vec![slow],
        BrokerConfig {
            deadline: Duration::from_millis(300),
            ..BrokerConfig::default()
        },
        Arc::new(Metrics::new()),
    );
    for _ in 0..mercato::adapter::breaker::DEFAULT_FAILURE_THRESHOLD {
        let out = late.search(&ctx, &q, None).await.expect("admitted");
        assert!(
            matches!(out.outcomes[0].result, Err(CallError::Timeout { .. })),
            "{:?}",
            out.outcomes[0].result
        );
    }
    let out = late.search(&ctx, &q, None).await.expect("admitted");
    assert!(
        matches!(out.outcomes[0].result, Err(CallError::CircuitOpen { .. })),
        "the breaker opened on deadline misses: {:?}",
        out.outcomes[0].result
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s34_headers_and_bodies_the_host_holds_are_bounded() {
    let _memory = measuring_memory().await;
    let host = host();
    let h = healthy(&host).await;
    let bound = Limits::default().host_bytes_bound() as u64;
    assert_eq!(
        bound,
        32 << 20,
        "1 024 handles, each holding at most 32 KiB"
    );
    for attack_name in ["header-hoard", "unsent-bodies"] {
        let a = hostile(&host, attack(attack_name)).await;
        let (result, grown) = peak_growth(contained(&h, search(&a))).await;
        let e = result.expect_err("the handle cap ends the hoard");
        assert!(
            matches!(
                e,
                CallError::ResourceLimit {
                    kind: ResourceKind::HostCalls,
                    ..
                }
            ),
            "{attack_name}: {e:?}"
        );
        assert!(
            grown < 48 << 20,
            "{attack_name}: host memory peaked {} MiB up; resources may hold {} MiB",
            grown >> 20,
            bound >> 20
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn s32_random_bytes_the_host_allocates_are_bounded() {
    let _memory = measuring_memory().await;
    let host = host();
    let h = healthy(&host).await;
    let a = hostile(&host, attack("random-flood")).await;
    let before = rss();
    let e = contained(&h, search(&a))
        .await
        .expect_err("1 GiB of random bytes is refused");
    let grown = rss().saturating_sub(before);
    assert!(
        matches!(
            e,
            CallError::ResourceLimit {
                kind: ResourceKind::HostCalls,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(grown < 32 << 20, "host memory grew by {} MiB", grown >> 20);
}
