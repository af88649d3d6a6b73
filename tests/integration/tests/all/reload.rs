//! Hot reload (`serve --watch`): new versions dropped into a folder are installed only once
//! they load, belong to the policy's supplier and pass the conformance suite; requests that
//! started before a swap finish on the old version.

use crate::common::{host, query, rewritten};
use mercato::adapter::package::append_custom_section;
use mercato::adapter::{CallLog, CapabilityGate};
use mercato::broker::Broker;
use mercato::demo::{buyer_context, voltaic_grants};
use mercato::policy::Policy;
use mercato::reload::{Refusal, Reload, Watcher};
use mercato_backends::voltaic;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const OFFLINE: &[u8] = mercato_artifacts::OFFLINE_SUPPLIER.bytes;

/// The offline fixture with a build note: other bytes, other digest, same behaviour.
fn rebuilt(note: &str) -> Vec<u8> {
    append_custom_section(OFFLINE, "mercato-test-build", note.as_bytes())
}

/// The offline fixture whose manifest claims a version its `describe` does not: it loads,
/// and the conformance suite refuses it. (The manifest text is in the component twice: in
/// its custom section and in the data the SDK keeps it in.)
fn mislabelled() -> Vec<u8> {
    let (bytes, replaced) = rewritten(OFFLINE, br#"version = "0.1.0""#, br#"version = "0.1.1""#);
    assert!(replaced > 0, "the manifest names its version");
    bytes
}

/// Write `bytes` to `path` the way a deployment should: a temporary name, then a rename.
fn deploy(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Scan until a look produces outcomes (a file settles after one unchanged look).
async fn settle(w: &mut Watcher) -> Vec<Reload> {
    for _ in 0..5 {
        let found = w.scan().await.expect("the folder reads");
        if !found.is_empty() {
            return found;
        }
        // Modification times have a coarse grain on some file systems.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Vec::new()
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_are_installed_only_when_they_load_belong_and_conform() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("offline.wasm");
    deploy(&file, OFFLINE);
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(
        &policy_file,
        "[host]\nallow-unsigned = true\n\n[[adapter]]\nfile = \"offline.wasm\"\nsupplier = \"offline-00\"\n",
    )
    .unwrap();
    let policy = Arc::new(Policy::load(&policy_file).expect("policy"));
    let assembled = policy.broker().await.expect("assembled");
    let broker = assembled.broker.clone();
    let first = broker
        .adapter("offline-00")
        .expect("served")
        .digest()
        .clone();
    let mut watcher = Watcher::new(
        dir.path().to_path_buf(),
        policy.clone(),
        assembled.host.clone(),
        broker.clone(),
    );

    // What is already served is not reloaded.
    assert!(settle(&mut watcher).await.is_empty());

    deploy(&file, &rebuilt("2"));
    match settle(&mut watcher).await.as_slice() {
        [
            Reload::Installed {
                supplier, replaced, ..
            },
        ] => {
            assert_eq!(supplier, "offline-00");
            assert_eq!(replaced.as_deref(), Some("0.1.0"));
        }
        other => panic!("expected one installation, got {other:?}"),
    }
    let second = broker.adapter("offline-00").unwrap().digest().clone();
    assert_ne!(second, first);

    deploy(&file, &mislabelled());
    match settle(&mut watcher).await.as_slice() {
        [
            Reload::Refused {
                reason: Refusal::NotConformant { failures },
                ..
            },
        ] => {
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert_eq!(failures[0].0, "describe.profile");
            assert!(
                failures[0]
                    .1
                    .contains("describe says version 0.1.0 but the manifest says 0.1.1")
            );
        }
        other => panic!("expected a conformance refusal, got {other:?}"),
    }
    assert_eq!(
        *broker.adapter("offline-00").unwrap().digest(),
        second,
        "still the second version"
    );

    deploy(&file, mercato_artifacts::HANSA_CSV.bytes);
    match settle(&mut watcher).await.as_slice() {
        [
            Reload::Refused {
                reason: Refusal::WrongSupplier { expected, found },
                ..
            },
        ] => {
            assert_eq!((expected.as_str(), found.as_str()), ("offline-00", "hansa"));
        }
        other => panic!("expected a wrong-supplier refusal, got {other:?}"),
    }

    deploy(&dir.path().join("broken.wasm"), b"\0asm not really");
    match settle(&mut watcher).await.as_slice() {
        [
            Reload::Refused {
                reason: Refusal::Load(_),
                file,
            },
        ] => {
            assert!(file.ends_with("broken.wasm"));
        }
        other => panic!("expected a load refusal, got {other:?}"),
    }

    // A supplier the policy does not name joins the set with no grants.
    deploy(
        &dir.path().join("hansa.wasm"),
        mercato_artifacts::HANSA_CSV.bytes,
    );
    match settle(&mut watcher).await.as_slice() {
        [
            Reload::Installed {
                supplier,
                replaced: None,
                ..
            },
        ] => assert_eq!(supplier, "hansa"),
        other => panic!("expected hansa to join, got {other:?}"),
    }
    assert_eq!(broker.adapters().len(), 2);
    assert!(
        broker
            .metrics()
            .encode()
            .contains(r#"mercato_adapter_reloads_total{outcome="refused"} 3"#)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_in_flight_finishes_on_the_version_it_started_with() {
    let backend = voltaic::start(voltaic::VoltaicConfig::default())
        .await
        .expect("backend");
    let h = host();
    let bytes = mercato_artifacts::VOLTAIC_REST.bytes;
    let load = |bytes: Vec<u8>| {
        let h = h.clone();
        let grants = voltaic_grants(&backend).expect("grants");
        async move { h.load(bytes, grants).await.expect("loads") }
    };
    let (old_log, new_log) = (CallLog::new(), CallLog::new());
    let old = load(bytes.to_vec())
        .await
        .watched(old_log.clone(), CapabilityGate::Enforce);
    let new = load(append_custom_section(bytes, "mercato-test-build", b"2"))
        .await
        .watched(new_log.clone(), CapabilityGate::Enforce);
    let broker = Broker::new(vec![old]);

    backend.control().set_delay(Duration::from_millis(400));
    let slow = tokio::spawn({
        let broker = broker.clone();
        async move {
            broker
                .search(&buyer_context("in-flight"), &query("M8", 5), None)
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let replaced = broker.install(new).expect("the old version is replaced");
    backend.control().set_delay(Duration::ZERO);
    let fast = broker
        .search(&buyer_context("after"), &query("M8", 5), None)
        .await
        .expect("admitted");
    let slow = slow.await.unwrap().expect("admitted");

    for fan_out in [&slow, &fast] {
        assert_eq!(fan_out.errors().count(), 0, "{:?}", fan_out.outcomes);
        assert_eq!(fan_out.answers().count(), 1);
    }
    assert_eq!(
        old_log.records().len(),
        1,
        "the request in flight ran on the old version"
    );
    assert_eq!(
        new_log.records().len(),
        1,
        "the next request ran on the new one"
    );
    assert_ne!(
        replaced.digest(),
        broker.adapter("voltaic").unwrap().digest()
    );
}
