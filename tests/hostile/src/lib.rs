//! An adapter that attacks the sandbox. Each attack is one row of the hostile-adapter matrix
//! in `shared/design/security.md`, chosen at load time by the integrator setting `attack`;
//! the integration tests in `tests/integration/tests/all/hostile.rs` load it once per row and
//! assert the host's exact answer while a healthy adapter keeps serving.
//!
//! Attacks that *probe* (files, environment, network) report what they saw as the attributes
//! of a single catalogue item, so the test reads the adapter's view of the sandbox directly.
//!
//! | attack | row | what it does |
//! |---|---|---|
//! | `infinite-loop` | S1 | spins forever |
//! | `sleep`, `hang-upstream` | S3 | waits on a clock for an hour; waits on an upstream that never answers |
//! | `slow-valid` | S31 | answers every search correctly, but only after `delay-ms` |
//! | `memory-bomb` | S4 | allocates until memory runs out |
//! | `deep-recursion` | S6 | recurses without end |
//! | `panic` | S7 | panics |
//! | `huge-output`, `long-string` | S9 | returns 2 000 items; one 16 MiB title |
//! | `invalid-utf8` | S10 | returns a string that is not UTF-8 |
//! | `log-flood`, `hmac-flood`, `handle-flood` | S11 | floods the host's imports |
//! | `header-hoard`, `unsent-bodies` | S34 | keeps headers and request bodies in host memory up to the handle cap |
//! | `fs-probe` | S12 | tries to read files and directories |
//! | `env-probe` | S13 | looks for environment, arguments, settings and secrets |
//! | `network-probe` | S15 | calls every URL in the `targets` setting |
//! | `slow-upstream`, `huge-body`, `request-flood`, `forbidden-headers` | S16 | reads a trickling or huge answer; sends many requests; sets the host's own headers |
//! | `stdout-flood` | S17 | prints 64 MiB |
//! | `huge-request` | S18 | sends a 32 MiB request body |
//! | `leak` | S19 | reads what an earlier call left in memory, then leaves a marker |
//! | `wrong-currency`, `other-order`, `undeclared-currency`, `bad-totals` | S25 | answers about another currency, order or total |
//! | `negative-price`, `unsorted-tiers`, `bad-scale`, `bad-line-total` | S30 | answers that lie about prices |
//! | `random-flood` | S32 | asks the host for 1 GiB of random bytes |
//! | `refusal-flood` | S26 | sends refused requests with 60 KB URLs for a second |
//! | `log-injection` | S27 | logs and prints line breaks and terminal controls to forge host lines |
//! | `secret-echo` | S28 | sends to a granted host that echoes headers, hoping to read the secret |

use mercato_sdk::http::{Client, Method};
use mercato_sdk::prelude::*;
use std::hint::black_box;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The hostile adapter.
#[derive(Default)]
pub struct Hostile;

/// A marker in the adapter's memory, to show the next call does not see it (S19).
static MARKER: AtomicU64 = AtomicU64::new(0);

fn attack() -> String {
    host::setting("attack").unwrap_or_default()
}

/// A page with one item whose attributes report what the probes saw.
fn report(findings: Vec<(String, String)>) -> SearchPage {
    let mut item = item("REPORT", "probe report");
    item.attributes = findings;
    SearchPage {
        items: vec![item],
        next_cursor: None,
    }
}

fn item(sku: &str, title: &str) -> CatalogItem {
    CatalogItem {
        ids: ItemIds::sku(sku),
        title: title.to_string(),
        description: None,
        brand: None,
        classifications: vec![],
        sale_unit: "C62".into(),
        content_per_sale_unit: None,
        rules: OrderRules {
            minimum: None,
            increment: None,
            maximum: None,
        },
        price_tiers: vec![],
        list_price: None,
        prices_include_tax: false,
        availability: None,
        url: None,
        image_urls: vec![],
        attributes: vec![],
        price_observed_at: 0,
    }
}

#[allow(unconditional_recursion, reason = "the attack is to never return")]
fn recurse(depth: u64) -> u64 {
    // black_box keeps the optimiser from turning the recursion into a loop.
    black_box(depth) + recurse(black_box(depth + 1))
}

fn upstream() -> CommerceResult<Client> {
    Ok(Client::from_setting("upstream")?.with_timeout(Duration::from_secs(3600)))
}

fn outcome<T>(r: Result<T, impl std::fmt::Display>, ok: impl FnOnce(T) -> String) -> String {
    match r {
        Ok(v) => ok(v),
        Err(e) => format!("error: {e}"),
    }
}

/// Whether an echoing upstream's answer carries the secret's header (S28).
fn echoed(r: Result<mercato_sdk::http::Response, impl std::fmt::Display>) -> String {
    outcome(r, |r| {
        let body = String::from_utf8_lossy(&r.body).to_ascii_lowercase();
        if body.contains("x-api-key") {
            "LEAKED".to_string()
        } else {
            "clean".to_string()
        }
    })
}

/// A quote for one piece at 10.00 whose line total is `line_total` and grand total `grand`.
fn quote(currency: &str, line_total: i64, grand: i64) -> Quote {
    let m = |minor| Money {
        currency: currency.into(),
        minor,
    };
    Quote {
        quote_id: "Q-1".into(),
        status: QuoteStatus::Firm,
        created_at: 0,
        valid_until: None,
        currency: currency.into(),
        lines: vec![QuoteLine {
            line_id: "L1".into(),
            item: ItemIds::sku("BOLT-1"),
            title: "a bolt".into(),
            quantity: Quantity::pieces(1),
            unit_price: Price {
                amount: Decimal {
                    mantissa: 1000,
                    scale: 2,
                },
                currency: currency.into(),
                basis: Quantity::pieces(1),
            },
            line_total: m(line_total),
            tax: None,
            availability: None,
            promised_delivery: None,
            substitute_for: None,
            status: LineStatus::Accepted,
        }],
        charges: vec![],
        totals: Totals {
            lines: m(1000),
            discounts: m(0),
            shipping: m(0),
            tax: m(0),
            fees: m(0),
            grand_total: m(grand),
            tax_included: false,
        },
        fulfillment_options: vec![],
        payment_terms: vec![],
        messages: vec![],
        attestation: None,
        continue_url: None,
    }
}

impl Adapter for Hostile {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: "hostile".into(),
            display_name: "Hostile test adapter".into(),
            adapter_version: "0.1.0".into(),
            protocols: vec![],
            capabilities: Capabilities::SEARCH
                | Capabilities::INSTANT_QUOTE
                | Capabilities::ORDER_STATUS,
            currencies: vec!["EUR".into()],
            ship_to_countries: vec!["DE".into()],
            max_lines_per_order: None,
        }
    }

    fn search(&self, _ctx: &CallContext, _q: SearchQuery) -> CommerceResult<SearchPage> {
        match attack().as_str() {
            "infinite-loop" => loop {
                black_box(());
            },
            "sleep" => {
                std::thread::sleep(Duration::from_secs(3600));
                Ok(report(vec![("slept".into(), "an hour".into())]))
            }
            "slow-valid" => {
                // Never an error, only late: the `delay-ms` setting, then an honest empty page.
                let ms = host::setting("delay-ms")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1_000);
                std::thread::sleep(Duration::from_millis(ms));
                Ok(SearchPage {
                    items: vec![],
                    next_cursor: None,
                })
            }
            "hang-upstream" => {
                let r = upstream()?.get("/hang").send();
                Ok(report(vec![(
                    "hang".into(),
                    outcome(r, |r| r.status.to_string()),
                )]))
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![0xAB; 1 << 20]);
                    black_box(&hoard);
                }
            }
            "deep-recursion" => Ok(report(vec![("depth".into(), recurse(0).to_string())])),
            "panic" => panic!("hostile adapter panics on purpose"),
            "huge-output" => Ok(SearchPage {
                items: (0..2_000).map(|i| item(&format!("X{i}"), "x")).collect(),
                next_cursor: None,
            }),
            "long-string" => Ok(SearchPage {
                items: vec![item("LONG", &"x".repeat(16 << 20))],
                next_cursor: None,
            }),
            "invalid-utf8" => {
                // SAFETY: deliberately not UTF-8; the point is to hand the host a malformed
                // canonical-ABI string and see it refused.
                #[allow(unsafe_code)]
                let bad = unsafe { String::from_utf8_unchecked(vec![0x66, 0xff, 0xfe, 0x6f]) };
                Ok(SearchPage {
                    items: vec![item("BAD", &bad)],
                    next_cursor: None,
                })
            }
            "log-flood" => {
                for i in 0..100_000 {
                    host::info(&format!("flood line {i} {}", "y".repeat(100)));
                }
                Ok(report(vec![("logged".into(), "100000".into())]))
            }
            "hmac-flood" => {
                let data = vec![7u8; 32 << 20];
                let mac = host::hmac_sha256("api-key", &data);
                Ok(report(vec![(
                    "hmac".into(),
                    format!("{:?}", mac.map(|m| m.len())),
                )]))
            }
            "handle-flood" => {
                for _ in 0..100_000 {
                    std::mem::forget(wasip2::http::types::Fields::new());
                }
                Ok(report(vec![("handles".into(), "100000 kept".into())]))
            }
            "header-hoard" => {
                // Keep sets of headers of 100 KB each (under wasmtime's own 128 KiB cap, where
                // a set that grows too large traps) until the host refuses another handle:
                // all of it lives in host memory.
                use wasip2::http::types::Fields;
                let value = vec![b'v'; 1000];
                let (mut sets, mut bytes) = (0u64, 0u64);
                loop {
                    let fields = Fields::new();
                    for i in 0..100 {
                        if fields.append(&format!("x-hoard-{i}"), &value).is_err() {
                            break;
                        }
                        bytes += value.len() as u64;
                    }
                    std::mem::forget(fields);
                    sets += 1;
                    if sets == 100_000 {
                        break;
                    }
                }
                Ok(report(vec![(
                    "hoarded".into(),
                    format!("{sets} sets, {bytes} bytes"),
                )]))
            }
            "unsent-bodies" => {
                // Write request bodies as far as the host takes them and never send them.
                use wasip2::http::types::{Fields, OutgoingRequest};
                let chunk = vec![b'b'; 1 << 20];
                let (mut bodies, mut bytes) = (0u64, 0u64);
                loop {
                    let request = OutgoingRequest::new(Fields::new());
                    let body = request.body().expect("a body");
                    let stream = body.write().expect("a stream");
                    while let Ok(room) = stream.check_write() {
                        let n = (room as usize).min(chunk.len());
                        if n == 0 || stream.write(&chunk[..n]).is_err() {
                            break;
                        }
                        bytes += n as u64;
                    }
                    std::mem::forget((request, body, stream));
                    bodies += 1;
                    if bodies == 100_000 {
                        break;
                    }
                }
                Ok(report(vec![(
                    "buffered".into(),
                    format!("{bodies} bodies, {bytes} bytes"),
                )]))
            }
            "fs-probe" => {
                let mut findings = Vec::new();
                for path in ["/", "/etc/passwd", "/proc/self/environ", ".", "/tmp"] {
                    findings.push((
                        format!("read {path}"),
                        outcome(std::fs::read(path), |b| format!("READ {} bytes", b.len())),
                    ));
                    findings.push((
                        format!("list {path}"),
                        outcome(std::fs::read_dir(path), |d| {
                            format!("LISTED {} entries", d.count())
                        }),
                    ));
                }
                findings.push((
                    "write /tmp/x".into(),
                    outcome(std::fs::write("/tmp/x", b"x"), |_| "WROTE".into()),
                ));
                Ok(report(findings))
            }
            "env-probe" => Ok(report(vec![
                ("env".into(), format!("{}", std::env::vars().count())),
                ("args".into(), format!("{}", std::env::args().count())),
                (
                    "cwd".into(),
                    outcome(std::env::current_dir(), |d| d.display().to_string()),
                ),
                (
                    "setting api-key".into(),
                    format!("{:?}", host::setting("api-key")),
                ),
                (
                    "hmac undeclared".into(),
                    format!(
                        "{:?}",
                        host::hmac_sha256("not-granted", b"x").map(|m| m.len())
                    ),
                ),
            ])),
            "network-probe" => {
                let targets = host::setting("targets").unwrap_or_default();
                let findings = targets
                    .split_whitespace()
                    .map(|url| {
                        let r = Client::new(url)
                            .map_err(CommerceError::from)
                            .and_then(|c| Ok(c.get("/probe").send()?));
                        (
                            url.to_string(),
                            outcome(r, |r| format!("REACHED {}", r.status)),
                        )
                    })
                    .collect();
                Ok(report(findings))
            }
            "slow-upstream" => {
                let r = upstream()?.get("/slow").send();
                Ok(report(vec![(
                    "slow".into(),
                    outcome(r, |r| format!("READ {} bytes", r.body.len())),
                )]))
            }
            "huge-body" => {
                let r = upstream()?.get("/huge").send();
                Ok(report(vec![(
                    "huge".into(),
                    outcome(r, |r| format!("READ {} bytes", r.body.len())),
                )]))
            }
            "request-flood" => {
                let client = upstream()?;
                let mut sent = 0;
                let mut refused = 0;
                for i in 0..100 {
                    match client.get(&format!("/flood/{i}")).send() {
                        Ok(_) => sent += 1,
                        Err(_) => refused += 1,
                    }
                }
                Ok(report(vec![
                    ("sent".into(), sent.to_string()),
                    ("refused".into(), refused.to_string()),
                ]))
            }
            "random-flood" => {
                // Ask the host to allocate 1 GiB of random bytes outside the memory limit.
                let got = wasip2::random::random::get_random_bytes(1 << 30).len();
                Ok(report(vec![("got".into(), got.to_string())]))
            }
            "refusal-flood" => {
                let long = format!("http://{}.example/", "a".repeat(60_000));
                let started = std::time::Instant::now();
                let mut tried = 0u64;
                while started.elapsed() < Duration::from_secs(1) {
                    let _ = Client::new(&long).and_then(|c| c.get("/x").send());
                    tried += 1;
                }
                Ok(report(vec![("tried".into(), tried.to_string())]))
            }
            "log-injection" => {
                host::warn("innocent\nFORGED ERROR mercato: from the log call");
                println!("a stdout line\r\nFORGED ERROR mercato: from stdout");
                eprintln!("\u{1b}[2K\rFORGED ERROR mercato: from stderr");
                Ok(report(vec![("logged".into(), "3".into())]))
            }
            "secret-echo" => {
                let api = Client::from_setting("api")?;
                Ok(report(vec![
                    ("echo".into(), echoed(upstream()?.get("/echo").send())),
                    ("api-v1".into(), echoed(api.get("/v1/echo").send())),
                    ("api-dots".into(), echoed(api.get("/v1/../echo").send())),
                    ("api-v2".into(), echoed(api.get("/v2/echo").send())),
                ]))
            }
            "forbidden-headers" => {
                let client = upstream()?;
                let host_header = client.get("/h").header("host", "metadata.internal").send();
                let key_header = client.get("/h").header("x-api-key", "stolen").send();
                Ok(report(vec![
                    (
                        "host".into(),
                        outcome(host_header, |r| format!("SENT {}", r.status)),
                    ),
                    (
                        "x-api-key".into(),
                        outcome(key_header, |r| format!("SENT {}", r.status)),
                    ),
                ]))
            }
            "stdout-flood" => {
                let chunk = vec![b'z'; 1 << 20];
                let mut out = std::io::stdout();
                let mut err = std::io::stderr();
                for _ in 0..32 {
                    let _ = out.write_all(&chunk);
                    let _ = err.write_all(&chunk);
                }
                Ok(report(vec![("printed".into(), "64 MiB".into())]))
            }
            "huge-request" => {
                let body = vec![b'q'; 32 << 20];
                let r = upstream()?
                    .request(Method::Post, "/upload")
                    .body("application/octet-stream", body)
                    .send();
                Ok(report(vec![(
                    "upload".into(),
                    outcome(r, |r| format!("SENT {}", r.status)),
                )]))
            }
            "leak" => {
                // Read what an earlier call left, then leave a marker for the next one.
                let before = MARKER.swap(0xDEAD_BEEF, Ordering::SeqCst);
                Ok(report(vec![(
                    "marker before".into(),
                    format!("{before:#x}"),
                )]))
            }
            "undeclared-currency" => {
                let mut i = item("JPY-1", "priced in yen");
                i.price_tiers.push(PriceTier {
                    min_quantity: Quantity::pieces(1),
                    unit_price: Price::per_piece(
                        exact::Currency::JPY,
                        exact::Decimal::from_int(100),
                    ),
                    valid_until: None,
                });
                Ok(SearchPage {
                    items: vec![i],
                    next_cursor: None,
                })
            }
            "negative-price" | "unsorted-tiers" | "bad-scale" => {
                let tier = |from: u64, mantissa: i64, scale: u8| PriceTier {
                    min_quantity: Quantity::pieces(from),
                    unit_price: Price {
                        amount: Decimal { mantissa, scale },
                        currency: "EUR".into(),
                        basis: Quantity::pieces(1),
                    },
                    valid_until: None,
                };
                let mut i = item("LIAR-1", "a price that lies");
                i.price_tiers = match attack().as_str() {
                    // Ranked first by any "cheapest" sort.
                    "negative-price" => vec![tier(1, -500, 2)],
                    // The 100-piece price first: a buyer of 1 piece gets the bulk price.
                    "unsorted-tiers" => vec![tier(100, 500, 2), tier(1, 900, 2)],
                    _ => vec![tier(1, 900, 40)],
                };
                Ok(SearchPage {
                    items: vec![i],
                    next_cursor: None,
                })
            }
            other => Err(errors::invalid(
                "attack",
                format!("unknown attack {other:?}"),
            )),
        }
    }

    fn request_quote(&self, _ctx: &CallContext, _req: QuoteRequest) -> CommerceResult<Quote> {
        match attack().as_str() {
            "wrong-currency" => Ok(quote("USD", 1000, 1000)),
            "bad-totals" => Ok(quote("EUR", 1000, 1)),
            // Lines that say 9.99 under totals that say 10.00: each total is "right" alone.
            "bad-line-total" => Ok(quote("EUR", 999, 1000)),
            _ => Ok(quote("EUR", 1000, 1000)),
        }
    }

    fn get_order(&self, _ctx: &CallContext, order_id: String) -> CommerceResult<Order> {
        let other = attack() == "other-order";
        Ok(Order {
            order_id: if other {
                "SOMEONE-ELSES-ORDER".into()
            } else {
                order_id.clone()
            },
            buyer_po: if other {
                "PO-OF-ANOTHER-BUYER".into()
            } else {
                order_id
            },
            quote_id: None,
            ack: AckStatus::Accepted,
            status: OrderStatus::Confirmed,
            created_at: 0,
            updated_at: 0,
            currency: "EUR".into(),
            lines: vec![],
            totals: Totals::lines_only(exact::Money::zero(exact::Currency::EUR)),
            messages: vec![],
            permalink: None,
        })
    }
}

mercato_sdk::register_adapter!(Hostile);
