//! The `mercato` binary's supply-chain commands, run as a user would: keygen, sign, verify,
//! inspect (text and JSON).

use std::path::Path;
use std::process::{Command, Output};

fn mercato(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A policy trusting `public` for Voltaic and granting what its manifest asks for.
fn policy(dir: &Path, public: &str) -> String {
    let path = dir.join("mercato-host.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[host.caps]
call-timeout-ms = 1500

[[trust]]
supplier = "voltaic"
key = "{public}"
publisher = "Voltaic Components"

[[adapter]]
file = "voltaic.wasm"
hosts = ["https://api.voltaic.example", "https://unused.example"]
settings = {{ base-url = "https://api.voltaic.example/v1" }}
secrets = {{ api-key = {{ value = "k-1", attach-to = ["https://api.voltaic.example/v1/"] }} }}
"#
        ),
    )
    .expect("policy written");
    path.display().to_string()
}

#[test]
fn keygen_sign_verify_and_inspect_work_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let prefix = dir.path().join("voltaic-publisher");
    let out = mercato(&["keygen", prefix.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{out:?}");
    let secret = dir.path().join("voltaic-publisher.key");
    let public = std::fs::read_to_string(dir.path().join("voltaic-publisher.pub"))
        .expect("public key")
        .trim()
        .to_string();
    assert!(public.starts_with("ed25519:"), "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&secret)
            .expect("key")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the secret key is private");
    }
    // A second keygen never overwrites a key.
    assert!(
        !mercato(&["keygen", prefix.to_str().expect("utf-8")])
            .status
            .success()
    );

    let adapter = dir.path().join("voltaic.wasm");
    std::fs::write(&adapter, mercato_artifacts::VOLTAIC_REST.bytes).expect("copy");
    let adapter_arg = adapter.to_str().expect("utf-8");
    let policy = policy(dir.path(), &public);

    let unsigned = mercato(&["verify", adapter_arg]);
    assert!(!unsigned.status.success());
    assert!(
        stdout(&unsigned).contains("unsigned"),
        "{}",
        stdout(&unsigned)
    );

    let signed = mercato(&[
        "sign",
        adapter_arg,
        "--key",
        secret.to_str().expect("utf-8"),
    ]);
    assert!(signed.status.success(), "{signed:?}");
    let verified = mercato(&["verify", adapter_arg, "--policy", &policy]);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert!(stdout(&verified).contains("accepted"));

    let inspect = mercato(&["inspect", adapter_arg, "--policy", &policy, "--json"]);
    assert!(inspect.status.success(), "{}", stdout(&inspect));
    let report: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("JSON report");
    assert_eq!(report["schema"], "mercato.audit/v1");
    assert_eq!(report["signature"]["status"], "trusted");
    assert_eq!(report["signature"]["publisher"], "Voltaic Components");
    assert_eq!(report["contract"]["stamped"], mercato::contract::VERSION);
    assert_eq!(report["manifest"]["adapter"]["supplier"], "voltaic");
    assert!(
        report["imports"]
            .as_array()
            .expect("imports")
            .iter()
            .all(|i| i["linked"] == true)
    );
    assert_eq!(report["exports"].as_array().expect("exports").len(), 5);
    let effective = &report["effective"];
    assert_eq!(
        effective["destinations"][0]["url"],
        "https://api.voltaic.example:443"
    );
    assert_eq!(effective["secrets"][0]["header"], "x-api-key");
    assert_eq!(effective["limits"]["call_timeout_ms"], 1500);
    let refusals: Vec<String> = report["refusals"]
        .as_array()
        .expect("refusals")
        .iter()
        .map(|r| format!("{} {}", r["subject"], r["reason"]))
        .collect();
    assert!(
        refusals.iter().any(|r| r.contains("unused.example")),
        "{refusals:?}"
    );
    assert!(
        refusals.iter().any(|r| r.contains("webhook-secret")),
        "{refusals:?}"
    );
    assert_eq!(report["verdict"]["loadable"], true);

    let text = mercato(&["inspect", adapter_arg, "--policy", &policy]);
    let text = stdout(&text);
    for expected in [
        "Signature  trusted",
        "Effective grants",
        "x-api-key",
        "Limits per call",
        "Verdict    loadable",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }

    // Change one byte of the signed manifest: verify and inspect both refuse it.
    let mut bytes = std::fs::read(&adapter).expect("read");
    let at = bytes
        .windows(19)
        .position(|w| w == b"Voltaic Components\"")
        .expect("publisher in the manifest");
    bytes[at] = b'W';
    std::fs::write(&adapter, &bytes).expect("write");
    let tampered = mercato(&["verify", adapter_arg, "--policy", &policy]);
    assert!(!tampered.status.success());
    let inspect = mercato(&["inspect", adapter_arg, "--policy", &policy, "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("JSON report");
    assert_eq!(report["signature"]["status"], "tampered");
    assert_eq!(report["verdict"]["loadable"], false);
}

#[test]
fn inspect_without_a_policy_reports_what_would_be_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let adapter = dir.path().join("hostile_sockets.wasm");
    std::fs::write(&adapter, mercato_artifacts::HOSTILE_SOCKETS.bytes).expect("copy");
    let out = mercato(&["inspect", adapter.to_str().expect("utf-8"), "--json"]);
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let refused: Vec<&str> = report["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .filter(|i| i["linked"] == false)
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(
        refused.iter().any(|n| n.starts_with("wasi:sockets/")),
        "{refused:?}"
    );
    let reasons = report["verdict"]["reasons"].to_string();
    assert!(
        reasons.contains("wasi:sockets/") && reasons.contains("unsigned"),
        "{reasons}"
    );
}

/// `mercato run` as an adapter's author debugs it: one operation against the supplier's test
/// backend, with the settings, secret and destination on the command line, and `--trace`
/// showing the outbound exchange; bad arguments are named.
#[tokio::test(flavor = "multi_thread")]
async fn run_calls_one_operation_and_traces_its_http() {
    use mercato_backends::voltaic;
    let backend = voltaic::start(voltaic::VoltaicConfig::default())
        .await
        .expect("the Voltaic backend starts");
    let base = backend.base_url();
    let adapter = mercato_artifacts::VOLTAIC_REST.path;
    let setting = format!("base-url={base}");
    let secret = format!("api-key={}", backend.api_key());
    let args = [
        "run",
        adapter,
        "search",
        "--json",
        r#"{"text":"M8","page_size":2}"#,
        "--setting",
        &setting,
        "--secret",
        &secret,
        "--allow",
        &base,
        "--trace",
    ];
    let out = tokio::task::spawn_blocking({
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            mercato(&args)
        }
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let items = page["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.len() <= 2, "{page:#}");
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(
        trace.contains("outbound exchange") && trace.contains("POST") && trace.contains(&base),
        "the exchange is traced: {trace}"
    );
    assert!(
        trace.contains("request body") && trace.contains("response body"),
        "both bodies are traced: {trace}"
    );
    let sku = items[0]["ids"]["supplier_sku"].as_str().expect("a sku");
    assert!(
        trace.contains(sku),
        "the response body shows the item: {trace}"
    );
    assert!(
        !trace.contains(backend.api_key()),
        "the secret never shows: {trace}"
    );

    // The arguments are checked before the adapter is even read.
    let wrong = mercato(&[
        "run",
        "no-such.wasm",
        "get-order",
        "--json",
        r#"{"id":"1"}"#,
    ]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("unknown field `id`"));
}

#[tokio::test(flavor = "multi_thread")]
async fn test_adapter_passes_a_bundled_adapter_and_writes_junit() {
    use mercato_backends::voltaic;
    let backend = voltaic::start(voltaic::VoltaicConfig::default())
        .await
        .expect("the Voltaic backend starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("voltaic.xml");
    let base = backend.base_url();
    let args: Vec<String> = vec![
        "test-adapter".into(),
        mercato_artifacts::VOLTAIC_REST.path.into(),
        "--setting".into(),
        format!("base-url={base}"),
        "--secret".into(),
        format!("api-key={}", backend.api_key()),
        "--allow".into(),
        base.clone(),
        "--junit".into(),
        junit.display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mercato(&args)
    })
    .await
    .unwrap();
    let report = stdout(&out);
    assert!(out.status.success(), "{report}\n{out:?}");
    assert!(report.contains("pass  order.idempotent-retry"), "{report}");
    assert!(report.contains("0 failed"), "{report}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(
        xml.contains(r#"<testsuite name="mercato-conformance.voltaic""#),
        "{xml}"
    );
    assert!(xml.contains(r#"failures="0""#), "{xml}");
    assert!(
        xml.contains(r#"<testcase name="quote.round-trip" classname="voltaic.quote""#),
        "{xml}"
    );
}

#[test]
fn test_adapter_fails_a_broken_invariant_with_exit_1_and_a_junit_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("report.xml");
    let junit_arg = junit.display().to_string();
    let adapter = mercato_artifacts::FIXTURE_DEFECTIVE.path;
    let broken = mercato(&[
        "test-adapter",
        adapter,
        "--setting",
        "defect=bad-line-total",
        "--junit",
        &junit_arg,
    ]);
    let report = stdout(&broken);
    assert_eq!(broken.status.code(), Some(1), "{report}");
    assert!(report.contains("FAIL  quote.totals"), "{report}");
    assert!(report.ends_with("NOT conformant\n"), "{report}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    // The host refuses the quote on the call too: `quote.totals` and `output.valid` fail.
    assert!(xml.contains(r#"failures="2""#), "{xml}");
    assert!(xml.contains("10 is not unit price × quantity (9)"), "{xml}");

    let without_orders = mercato(&["test-adapter", adapter, "--no-orders"]);
    let report = stdout(&without_orders);
    assert!(without_orders.status.success(), "{report}");
    assert!(
        report.contains("skip  order.idempotent-retry")
            && report.contains("placing orders is turned off"),
        "{report}"
    );
}
