//! `mercato serve` and the buyer's CLI commands, run as a user would: a real server process on
//! 127.0.0.1, the CLI talking to it over HTTP, and the same commands embedded.

use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Output, Stdio};

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("MERCATO_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
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
    assert!(!over.status.success());
    let problem: Value = serde_json::from_slice(&over.stdout).expect("problem JSON");
    assert_eq!(problem["supplier"], "voltaic", "{problem:#}");

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
