//! Shared by the tests that run `mercato serve` as a child process from a policy: a signed
//! Voltaic adapter, its grants, one client with a mandate, and the server's address.

use mercato::signing::{self, SecretKey};
use mercato_backends::voltaic;
use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The client's API key.
pub const KEY: &str = "child-process-client-key-0123456789";

/// A `mercato serve` child process.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:port`.
    pub base: String,
}

/// Start `mercato serve --policy` on a free port and wait for its address.
pub fn start(policy: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args([
            "serve",
            "--policy",
            policy.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mercato serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("address line");
    let base = line
        .trim()
        .strip_prefix("mercato listening on ")
        .unwrap_or_else(|| panic!("unexpected {line:?}"))
        .to_string();
    Server { child, base }
}

/// Write a signed Voltaic adapter and a policy for it into `dir`; `serve_extra` goes into
/// `[serve]`; the client's mandate allows EUR 1,000 an order and `budget` a month.
pub fn policy(
    dir: &Path,
    backend: &voltaic::VoltaicBackend,
    serve_extra: &str,
    budget: &str,
) -> std::path::PathBuf {
    let key = SecretKey::generate().unwrap();
    let signed = signing::sign(mercato_artifacts::VOLTAIC_REST.bytes, &key).unwrap();
    std::fs::write(dir.join("voltaic.wasm"), signed).unwrap();
    let path = dir.join("host.toml");
    let base = backend.base_url();
    std::fs::write(
        &path,
        format!(
            r#"
[host]
cache-dir = "cache"

[[trust]]
supplier = "voltaic"
key = "{public}"

[[adapter]]
file = "voltaic.wasm"
supplier = "voltaic"
hosts = [{{ url = "{base}", insecure-http = true, private-network = true }}]
settings = {{ base-url = "{base}" }}
secrets = {{ api-key = {{ value = "{api_key}", attach-to = ["{base}"] }}, webhook-secret = {{ value = "unused" }} }}

[serve]
data-dir = "data"
{serve_extra}

[[client]]
id = "press-line-7"
key = {{ value = "{KEY}" }}
currency = "EUR"
country = "DE"

[[mandate]]
id = "m-crash"
client = "press-line-7"
principal = "tests"
max-per-order = "EUR 1000.00"
budget = {{ limit = "{budget}", period = "month" }}
"#,
            public = key.public(),
            api_key = backend.api_key(),
        ),
    )
    .unwrap();
    path
}

/// An order for ten Voltaic M8 nuts (EUR 100.00 at most), buyer PO `po`.
pub fn order(po: &str) -> Value {
    json!({
        "supplier": "voltaic",
        "buyer_po": po,
        "lines": [{ "line_id": "1", "item": { "kind": "sku", "sku": "VC-HN-M8-A2" }, "offer_token": null,
                    "quantity": { "steps": 10, "unit": "C62", "scale": 0 },
                    "expected_unit_price": null }],
        "ship_to": mercato::demo::plant_3(),
        "partial_delivery": "allow",
        "max_total": { "currency": "EUR", "minor": 10_000 },
        "payment": { "kind": "on_account" }
    })
}
