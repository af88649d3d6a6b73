//! `mercato serve` and the buyer's CLI commands, run as a user would: a real server process on
//! 127.0.0.1, the CLI talking to it over HTTP, and the same commands embedded.

use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const KEY: &str = "cli-test-key-0123456789";

/// A `mercato serve --demo` process; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    serve_with(&[], &[])
}

fn serve_with(args: &[&str], env: &[(&str, &str)]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .env("MERCATO_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    listening(child)
}

/// The server once it prints the address it listens on (its first line on stdout).
fn listening(mut child: Child) -> Server {
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("the server prints its address");
    let base = first
        .trim()
        .strip_prefix("mercato listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Server { child, base }
}

fn mercato(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mercato"));
    cmd.args(args)
        .env_remove("MERCATO_API_KEY")
        .env_remove("MERCATO_SERVER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

const PLANT: &str = r#"{"location_id":null,"name":"Plant 3","organization":"Acme Pressworks GmbH","lines":["Industriestraße 12"],"city":"Stuttgart","region":null,"postal_code":"70565","country":"DE","contact":null}"#;

#[test]
fn the_cli_searches_ranks_and_orders_through_a_running_server() {
    let server = serve();
    let env = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", KEY),
    ];

    let found = json(&mercato(&["search", "M8", "hex", "nut", "--json"], &env));
    let suppliers: Vec<&str> = found["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["supplier"].as_str().unwrap())
        .collect();
    assert_eq!(suppliers, ["voltaic", "nordfast", "hansa"]);

    let table = mercato(
        &[
            "offers",
            "M8",
            "hex",
            "bolt",
            "--quantity",
            "250",
            "--must-match",
            "m8",
        ],
        &env,
    );
    assert!(table.status.success(), "{table:?}");
    let text = String::from_utf8_lossy(&table.stdout);
    for column in ["supplier", "unit price", "line total", "ships in"] {
        assert!(text.contains(column), "{column} in\n{text}");
    }

    let order_args = [
        "order",
        "--supplier",
        "nordfast",
        "--po",
        "PO-CLI-1",
        "--line",
        "NF-20001=100",
        "--ship-to",
        PLANT,
        "--max-total",
        "EUR 100.00",
        "--idempotency-key",
        "cli-order-1",
        "--json",
    ];
    let first = json(&mercato(&order_args, &env));
    let again = json(&mercato(&order_args, &env));
    assert_eq!(
        first["order_id"], again["order_id"],
        "the same key, one order"
    );
    let order_id = first["order_id"].as_str().unwrap();

    let got = json(&mercato(
        &["orders", "get", "nordfast", order_id, "--json"],
        &env,
    ));
    assert_eq!(got["buyer_po"], "PO-CLI-1");
    let shown = mercato(&["orders", "get", "nordfast", order_id], &env);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("PO-CLI-1"));

    // A business refusal: the problem is printed and the exit status says it failed.
    let over = mercato(
        &[
            "order",
            "--supplier",
            "voltaic",
            "--po",
            "PO-CLI-2",
            "--line",
            "VC-HN-M8-A2=100",
            "--ship-to",
            PLANT,
            "--max-total",
            "EUR 0.01",
            "--idempotency-key",
            "cli-order-2",
            "--json",
        ],
        &env,
    );
    // A cap below what the catalogue says the order costs is refused before anything leaves.
    assert!(!over.status.success());
    let problem: Value = serde_json::from_slice(&over.stdout).expect("problem JSON");
    assert_eq!(problem["code"], "cap_refused", "{problem:#}");
    assert_eq!(problem["cap"]["kind"], "below_cost", "{problem:#}");

    let refused = mercato(
        &["search", "nut", "--json"],
        &[
            ("MERCATO_SERVER", server.base.as_str()),
            ("MERCATO_API_KEY", "not-the-key-0123456789"),
        ],
    );
    assert!(!refused.status.success());
    let problem: Value = serde_json::from_slice(&refused.stdout).expect("problem JSON");
    assert_eq!(problem["code"], "unauthenticated");
}

/// `mercato api` calls any operation of the catalogue by its id, on a server or embedded,
/// and checks parameters and bodies before sending, in the server's words.
#[test]
fn the_cli_calls_any_operation_by_its_id() {
    let listed = mercato(&["api"], &[]);
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    for id in ["listSuppliers", "orderQuote", "getApproval", "rejectOrder"] {
        assert!(text.contains(id), "{id} in\n{text}");
    }

    let server = serve();
    let env = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", KEY),
    ];
    let in_usd = json(&mercato(
        &["api", "listSuppliers", "--param", "currency=usd"],
        &env,
    ));
    let all = json(&mercato(&["api", "listSuppliers"], &env));
    let count = |v: &Value| v["suppliers"].as_array().map_or(0, Vec::len);
    assert!(
        0 < count(&in_usd) && count(&in_usd) < count(&all),
        "{in_usd:#}"
    );
    let embedded = json(&mercato(
        &["api", "listSuppliers", "--demo", "--param", "currency=USD"],
        &[],
    ));
    assert_eq!(count(&embedded), count(&in_usd));

    // A quote and its order through the generic command: path parameters, a body, a key.
    let quote_body = format!(
        r#"{{"request":{{"lines":[{{"line_id":"1","item":{{"kind":"sku","sku":"NF-20001"}},"quantity":{{"steps":100,"unit":"C62","scale":0}}}}],"ship_to":{PLANT},"currency":"EUR"}},"suppliers":["nordfast"]}}"#
    );
    let quotes = json(&mercato(
        &["api", "requestQuotes", "--body", &quote_body],
        &env,
    ));
    let quote_id = quotes["answers"][0]["answer"]["quote_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{quotes:#}"))
        .to_string();
    let order_body = format!(r#"{{"buyer_po":"PO-CLI-API","ship_to":{PLANT}}}"#);
    let order = json(&mercato(
        &[
            "api",
            "orderQuote",
            "--param",
            "supplier=nordfast",
            "--param",
            &format!("quote_id={quote_id}"),
            "--body",
            &order_body,
            "--idempotency-key",
            "cli-api-1",
        ],
        &env,
    ));
    assert_eq!(order["buyer_po"], "PO-CLI-API", "{order:#}");

    // Refused before anything is sent, in the server's words.
    for (args, says) in [
        (
            vec!["api", "listSuppliers", "--param", "colour=red"],
            "colour: not a parameter here",
        ),
        (
            vec!["api", "getOrder", "--param", "supplier=nordfast"],
            "order_id: required",
        ),
        (vec!["api", "placeOrder"], "placeOrder needs a body"),
        (vec!["api", "buyEverything"], "no operation `buyEverything`"),
    ] {
        let out = mercato(&args, &env);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn the_cli_runs_embedded_without_a_server() {
    let found = json(&mercato(&["search", "--demo", "hex", "nut", "--json"], &[]));
    assert_eq!(found["answers"].as_array().unwrap().len(), 3, "{found:#}");
    let bad = mercato(&["order", "--demo", "--supplier", "voltaic"], &[]);
    assert!(!bad.status.success(), "missing arguments are refused");
}

#[test]
fn serve_refuses_a_policy_without_clients() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("host.toml");
    std::fs::write(&policy, "[host]\nallow-unsigned = true\n").unwrap();
    let out = mercato(&["serve", "--policy", policy.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no [[client]]"), "{err}");
}

const APPROVER: &str = "cli-approver-key-0123456789";

#[test]
fn approvals_mandates_and_the_ledger_export_through_the_cli() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let server = serve_with(&["--data-dir", dir], &[("MERCATO_APPROVER_KEY", APPROVER)]);
    let bot = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", KEY),
    ];
    let lead = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", APPROVER),
    ];
    // Above the demo mandate's EUR 2,500 threshold: parked for a person.
    let order = [
        "order",
        "--supplier",
        "voltaic",
        "--po",
        "PO-CLI-APPROVE",
        "--line",
        "VC-HN-M8-A2=100",
        "--ship-to",
        PLANT,
        "--max-total",
        "EUR 3000.00",
        "--idempotency-key",
        "cli-approve-1",
        "--json",
    ];
    let parked = mercato(&order, &bot);
    assert!(!parked.status.success());
    let problem: Value = serde_json::from_slice(&parked.stdout).expect("problem JSON");
    assert_eq!(problem["code"], "approval_required", "{problem:#}");
    let id = problem["approval_id"].as_str().unwrap().to_string();

    let list = json(&mercato(&["approvals", "--json"], &lead));
    assert_eq!(list["approvals"][0]["id"], id.as_str());
    let table = mercato(&["approvals"], &lead);
    let shown = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(shown.contains(&id), "{shown}");
    assert!(shown.contains("a person must approve"), "{shown}");
    let approved = json(&mercato(
        &[
            "approvals",
            "approve",
            &id,
            "--note",
            "press down",
            "--json",
        ],
        &lead,
    ));
    assert_eq!(approved["state"], "placed", "{approved:#}");
    let order_id = approved["order_id"].as_str().unwrap().to_string();
    assert_eq!(json(&mercato(&order, &bot))["order_id"], order_id.as_str());
    let none = mercato(&["approvals"], &lead);
    assert!(none.status.success(), "{none:?}");
    assert_eq!(
        String::from_utf8_lossy(&none.stdout).trim(),
        "No orders are waiting for approval."
    );

    // A rejection takes a note, as the API's field is named.
    let second = order.map(|a| match a {
        "PO-CLI-APPROVE" => "PO-CLI-REJECT",
        "cli-approve-1" => "cli-reject-1",
        other => other,
    });
    let parked = mercato(&second, &bot);
    let problem: Value = serde_json::from_slice(&parked.stdout).expect("problem JSON");
    let id = problem["approval_id"].as_str().unwrap().to_string();
    let rejected = json(&mercato(
        &[
            "approvals",
            "reject",
            &id,
            "--note",
            "not this month",
            "--json",
        ],
        &lead,
    ));
    assert_eq!(rejected["state"], "rejected", "{rejected:#}");
    assert_eq!(rejected["note"], "not this month", "{rejected:#}");

    let csv = mercato(&["ledger", "export", "--data-dir", dir], &[]);
    assert!(csv.status.success(), "{csv:?}");
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.starts_with("supplier,order_id,client,buyer_po"),
        "{csv}"
    );
    assert!(
        csv.lines().any(|l| l.contains(&order_id)
            && l.contains("PO-CLI-APPROVE")
            && l.contains("press-line-7")),
        "{csv}"
    );
    let exported = json(&mercato(
        &["ledger", "export", "--data-dir", dir, "--format", "json"],
        &[],
    ));
    assert_eq!(exported[0]["order"]["order_id"], order_id.as_str());
    // The ledger keeps the mandate the order was placed under.
    let ledger = mercato::ledger::open(&mercato::ledger::Location::Sqlite(
        data.path().join("ledger.sqlite"),
    ))
    .unwrap();
    let recorded = ledger.mandates().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].0, "demo-press-line-7");
    assert!(recorded[0].2.contains("EUR 2500.00"), "{}", recorded[0].2);

    let policy = data.path().join("host.toml");
    std::fs::write(
        &policy,
        format!(
            r#"
[serve]
data-dir = "{dir}"

[[client]]
id = "press-line-7"
key = {{ value = "{KEY}" }}

[[mandate]]
id = "demo-press-line-7"
client = "press-line-7"
principal = "maintenance-lead@acme.example"
max-per-order = "EUR 5000.00"
budget = {{ limit = "EUR 20000.00", period = "month" }}
"#
        ),
    )
    .unwrap();
    let mandates = json(&mercato(
        &["mandates", "--policy", policy.to_str().unwrap(), "--json"],
        &[],
    ));
    let mandate = &mandates["mandates"][0];
    assert_eq!(mandate["mandate"], "demo-press-line-7", "{mandates:#}");
    // The order was approved at a cap of EUR 3000.00; what is used is what it really cost.
    let cost = exported[0]["order"]["totals"]["grand_total"]["minor"]
        .as_i64()
        .unwrap();
    assert!(cost < 300_000);
    assert_eq!(
        mandate["budget"]["committed"]["minor"], cost,
        "{mandates:#}"
    );
    assert_eq!(mandate["budget"]["orders"], 1);

    // The same from the running server, with no policy file: the bot sees its own mandate
    // with the same figures; the lead, an approver, sees it too (the rejected order cost
    // nothing).
    let served = json(&mercato(&["mandates", "--json"], &bot));
    assert_eq!(
        served["mandates"].as_array().unwrap().len(),
        1,
        "{served:#}"
    );
    let own = &served["mandates"][0];
    assert_eq!(own["mandate"], "demo-press-line-7", "{served:#}");
    assert_eq!(own["budget"]["committed"], mandate["budget"]["committed"]);
    assert_eq!(own["budget"]["orders"], 1);
    let table = mercato(&["mandates"], &lead);
    assert!(table.status.success(), "{table:?}");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("demo-press-line-7") && table.contains("1 "),
        "{table}"
    );
}

/// A PO is whatever the client wrote: the CSV export never hands a spreadsheet a formula.
#[test]
fn the_ledger_export_opens_in_a_spreadsheet_as_text() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let server = serve_with(&["--data-dir", dir], &[]);
    let bot = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", KEY),
    ];
    let po = "=HYPERLINK(\"http://evil.example\",\"pay\")";
    let placed = mercato(
        &[
            "order",
            "--supplier",
            "voltaic",
            "--po",
            po,
            "--line",
            "VC-HN-M8-A2=10",
            "--ship-to",
            PLANT,
            "--max-total",
            "EUR 50.00",
            "--idempotency-key",
            "cli-formula-1",
            "--json",
        ],
        &bot,
    );
    assert!(placed.status.success(), "{placed:?}");
    let csv = mercato(&["ledger", "export", "--data-dir", dir], &[]);
    assert!(csv.status.success(), "{csv:?}");
    let mut rows = csv::Reader::from_reader(csv.stdout.as_slice());
    let row = rows.records().next().expect("one order").unwrap();
    assert_eq!(
        &row[3],
        format!("'{po}"),
        "the PO cell is text, not a formula"
    );
    assert!(
        row.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])),
        "{row:?}"
    );
    // JSON keeps the PO as it is.
    let exported = json(&mercato(
        &["ledger", "export", "--data-dir", dir, "--format", "json"],
        &[],
    ));
    assert_eq!(exported[0]["order"]["buyer_po"], po);
}

/// `serve --watch`: a new version written into the folder is swapped in while serving; one
/// that fails the conformance suite is refused, reported, and the previous version stays.
#[tokio::test(flavor = "multi_thread")]
async fn serve_watch_swaps_in_new_versions_and_reports_refused_ones() {
    let dir = tempfile::tempdir().unwrap();
    let adapters = dir.path().join("adapters");
    std::fs::create_dir(&adapters).unwrap();
    let offline = mercato_artifacts::OFFLINE_SUPPLIER.bytes;
    std::fs::write(adapters.join("offline.wasm"), offline).unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[host]\nallow-unsigned = true\n\n[[adapter]]\nfile = \"adapters/offline.wasm\"\n\
             supplier = \"offline-00\"\n\n[serve]\ndata-dir = \"data\"\n\n[[client]]\nid = \"bot\"\n\
             key = {{ value = \"{KEY}\" }}\ncurrency = \"EUR\"\ncountry = \"DE\"\n"
        ),
    )
    .unwrap();
    let log = dir.path().join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--watch-interval-ms",
            "100",
        ])
        .arg("--policy")
        .arg(&policy)
        .arg("--watch")
        .arg(&adapters)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("the server starts");
    let server = listening(child);
    let http = reqwest::Client::new();
    let digest = || async {
        let v: Value = http
            .get(format!("{}/v1/suppliers", server.base))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["suppliers"][0]["digest"].as_str().unwrap().to_string()
    };
    let wait_for = |what: &'static str| {
        let log = log.clone();
        async move {
            for _ in 0..100 {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                if text.contains(what) {
                    return text;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!(
                "{what:?} never logged: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
    };
    let before = digest().await;

    let v2 = mercato::adapter::package::append_custom_section(offline, "mercato-test-build", b"2");
    let tmp = adapters.join("offline.part");
    std::fs::write(&tmp, &v2).unwrap();
    std::fs::rename(&tmp, adapters.join("offline.wasm")).unwrap();
    wait_for("adapter version installed").await;
    let after = digest().await;
    assert_ne!(after, before, "the new version is served");

    std::fs::write(adapters.join("broken.wasm"), b"\0asm not an adapter").unwrap();
    let text = wait_for("adapter version not installed").await;
    assert!(text.contains("broken.wasm"), "{text}");
    assert_eq!(digest().await, after, "the served version is unchanged");
    let metrics = http
        .get(format!("{}/metrics", server.base))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mercato_adapter_reloads_total{outcome="installed"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"mercato_adapter_reloads_total{outcome="refused"} 1"#),
        "{metrics}"
    );
}

/// The example policy in `docs/examples` serves the demo's suppliers as it says: the bot
/// orders within its mandate, an order above the approval line waits for the lead, and an
/// address outside the mandate is refused.
#[test]
fn the_example_policy_orders_out_of_the_box_with_the_demo() {
    const BOT: &str = "example-bot-key-0123456789";
    const LEAD: &str = "example-lead-key-0123456789";
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/examples/demo-policy.toml"
    );
    let server = serve_with(
        &["--policy", policy],
        &[("MERCATO_BOT_KEY", BOT), ("MERCATO_LEAD_KEY", LEAD)],
    );
    let as_bot = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", BOT),
    ];
    let plant_3 = r#"{"location_id":"4012345000009","name":"Plant 3","lines":["Industriestraße 12"],"city":"Stuttgart","postal_code":"70565","country":"DE"}"#;
    let order = |po: &str, line: &str, cap: &str, ship_to: &str| {
        mercato(
            &[
                "order",
                "--supplier",
                "nordfast",
                "--po",
                po,
                "--line",
                line,
                "--ship-to",
                ship_to,
                "--max-total",
                cap,
                "--idempotency-key",
                po,
                "--json",
            ],
            &as_bot,
        )
    };
    let placed = json(&order("PO-EX-1", "NF-20001=100", "EUR 100.00", plant_3));
    assert_eq!(placed["buyer_po"], "PO-EX-1", "{placed:#}");

    // Above the mandate's EUR 250 approval line: parked, nothing sent.
    let parked = order("PO-EX-2", "NF-20001=5000", "EUR 499.00", plant_3);
    assert!(!parked.status.success());
    let problem: Value = serde_json::from_slice(&parked.stdout).expect("the problem as JSON");
    assert_eq!(problem["code"], "approval_required", "{problem:#}");

    // Another address: the mandate allows plant 3 only.
    let elsewhere = order("PO-EX-3", "NF-20001=100", "EUR 100.00", PLANT);
    let problem: Value = serde_json::from_slice(&elsewhere.stdout).expect("the problem as JSON");
    assert_eq!(
        problem["mandate_rule"]["kind"], "ship_to_not_allowed",
        "{problem:#}"
    );

    // The lead sees the parked order; the demo's own clients are gone.
    let as_lead = [
        ("MERCATO_SERVER", server.base.as_str()),
        ("MERCATO_API_KEY", LEAD),
    ];
    let pending = json(&mercato(&["approvals", "--json"], &as_lead));
    assert_eq!(
        pending["approvals"].as_array().unwrap().len(),
        1,
        "{pending:#}"
    );
    let demo_key = mercato(
        &["mandates", "--json"],
        &[
            ("MERCATO_SERVER", server.base.as_str()),
            ("MERCATO_API_KEY", KEY),
        ],
    );
    assert!(
        !demo_key.status.success(),
        "the demo's generated client is not served"
    );

    // A policy with adapters cannot be mixed with the demo's.
    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("mixed.toml");
    std::fs::write(
        &mixed,
        "[[adapter]]\nfile = \"x.wasm\"\nsupplier = \"x\"\n\n[[client]]\nid = \"c\"\nkey = { value = \"0123456789abcdef\" }\n",
    )
    .unwrap();
    let refused = mercato(
        &["serve", "--demo", "--policy", mixed.to_str().unwrap()],
        &[],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("[[adapter]]"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
