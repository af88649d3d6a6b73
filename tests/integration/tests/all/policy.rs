//! A host policy file loads the adapters it lists, with their grants, and refuses what it must.

use mercato::AdapterHost;
use mercato::LoadError;
use mercato::policy::Policy;
use mercato::signing::{self, SecretKey};

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_loads_signed_adapters_and_refuses_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = SecretKey::generate().expect("key");
    let signed = signing::sign(mercato_artifacts::HANSA_CSV.bytes, &key).expect("sign");
    std::fs::write(dir.path().join("hansa.wasm"), signed).expect("write");
    std::fs::write(
        dir.path().join("unsigned.wasm"),
        mercato_artifacts::HANSA_CSV.bytes,
    )
    .expect("write");
    let text = format!(
        r#"
[host]
pool-size = 16

[[trust]]
supplier = "hansa"
key = "{public}"

[[adapter]]
file = "hansa.wasm"
supplier = "hansa"

[[adapter]]
file = "unsigned.wasm"

[[adapter]]
file = "hansa.wasm"
supplier = "voltaic"
"#,
        public = key.public()
    );
    let path = dir.path().join("mercato-host.toml");
    std::fs::write(&path, text).expect("write");

    let policy = Policy::load(&path).expect("policy");
    let host = AdapterHost::new(policy.host.clone()).expect("host");
    let results = policy.load_all(&host).await;
    assert_eq!(results.len(), 3);
    let adapter = results[0].1.as_ref().expect("signed and trusted");
    assert_eq!(adapter.supplier().as_str(), "hansa");
    assert!(
        matches!(results[1].1, Err(LoadError::Unsigned { .. })),
        "{:?}",
        results[1].1
    );
    assert!(
        matches!(results[2].1, Err(LoadError::ManifestMismatch { .. })),
        "{:?}",
        results[2].1
    );
}
