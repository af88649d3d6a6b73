//! `mercato test-adapter`'s suite against every bundled adapter and the offline fixture, each
//! with its backend: all of them must be conformant.

use crate::common::host;
use mercato::LoadedAdapter;
use mercato::conformance::{self, Options, Outcome, Report};
use mercato::demo::{NORDFAST_DEMO_TOKEN, nordfast_grants, voltaic_grants};
use mercato::sandbox::Grants;
use mercato_backends::{nordfast, voltaic};

async fn load(bytes: &[u8], grants: Grants) -> LoadedAdapter {
    host()
        .load(bytes.to_vec(), grants)
        .await
        .expect("adapter loads")
}

/// The report must pass, and the listed cases must have run rather than been skipped.
fn assert_conformant(report: &Report, ran: &[&str]) {
    println!("{report}");
    assert!(report.passed(), "{report}");
    for name in ran {
        let case = report
            .case(name)
            .unwrap_or_else(|| panic!("no case {name}"));
        assert!(
            matches!(case.outcome, Outcome::Passed { .. }),
            "{name} did not run: {report}"
        );
    }
}

/// Cases every adapter that searches runs.
const ALWAYS: [&str; 8] = [
    "describe.profile",
    "search.paging",
    "catalog.price-tiers",
    "catalog.currencies",
    "errors.typed",
    "output.valid",
    "sandbox.hosts",
    "sandbox.limits",
];

/// Cases of an adapter that quotes, orders, tracks and cancels.
const TRADING: [&str; 9] = [
    "quote.totals",
    "quote.round-trip",
    "quote.unknown-id",
    "order.idempotent-retry",
    "order.status",
    "order.documents",
    "order.cancel",
    "order.unknown-id",
    "order.cancel-unknown",
];

#[tokio::test(flavor = "multi_thread")]
async fn voltaic_is_conformant_against_its_backend() {
    let backend = voltaic::start(voltaic::VoltaicConfig::default())
        .await
        .expect("backend");
    let adapter = load(
        mercato_artifacts::VOLTAIC_REST.bytes,
        voltaic_grants(&backend).expect("grants"),
    )
    .await;
    // Voltaic checks its connection with a one-record search; the case must run, not skip.
    assert_trader_conformant(&adapter, &["connection.check"]).await;
}

/// A supplier that quotes and orders passes, running the catalogue and trading cases and
/// those in `extra`.
async fn assert_trader_conformant(adapter: &LoadedAdapter, extra: &[&str]) {
    let report = conformance::run(adapter, &Options::default()).await;
    assert_conformant(&report, &ALWAYS);
    assert_conformant(&report, &TRADING);
    assert_conformant(
        &report,
        &[
            "catalog.get-items",
            "catalog.availability",
            "inbound.garbage",
        ],
    );
    assert_conformant(&report, extra);
}

#[tokio::test(flavor = "multi_thread")]
async fn nordfast_is_conformant_against_its_backend() {
    let backend = nordfast::start(nordfast::NordfastConfig::bearer(NORDFAST_DEMO_TOKEN))
        .await
        .expect("backend");
    let adapter = load(
        mercato_artifacts::NORDFAST_UBL.bytes,
        nordfast_grants(&backend).expect("grants"),
    )
    .await;
    assert_trader_conformant(&adapter, &["capabilities.undeclared"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hansa_is_conformant() {
    let adapter = load(mercato_artifacts::HANSA_CSV.bytes, Grants::default()).await;
    let report = conformance::run(&adapter, &Options::default()).await;
    assert_conformant(&report, &ALWAYS);
    assert_conformant(
        &report,
        &[
            "catalog.gtin",
            "catalog.get-items",
            "capabilities.undeclared",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_offline_fixture_is_conformant() {
    let adapter = load(mercato_artifacts::OFFLINE_SUPPLIER.bytes, Grants::default()).await;
    let report = conformance::run(&adapter, &Options::default()).await;
    assert_conformant(&report, &ALWAYS);
    assert_conformant(
        &report,
        &[
            "quote.totals",
            "quote.round-trip",
            "order.idempotent-retry",
            "capabilities.undeclared",
        ],
    );
}

/// The suite's report on the defective fixture with `defect` set.
async fn defective(defect: Option<&str>) -> Report {
    let mut grants = Grants::new();
    if let Some(d) = defect {
        grants = grants.setting("defect", d);
    }
    let adapter = load(mercato_artifacts::FIXTURE_DEFECTIVE.bytes, grants).await;
    let options = Options {
        max_pages: 40,
        ..Options::default()
    };
    conformance::run(&adapter, &options).await
}

/// Exactly the cases in `failing` fail, each with a reason containing its text.
fn assert_fails(report: &Report, failing: &[(&str, &str)]) {
    println!("{report}");
    for case in &report.cases {
        let expected = failing.iter().find(|(name, _)| *name == case.name);
        match (&case.outcome, expected) {
            (Outcome::Failed { reason }, Some((_, text))) => {
                assert!(
                    reason.contains(text),
                    "{}: {reason:?} lacks {text:?}",
                    case.name
                )
            }
            (Outcome::Failed { reason }, None) => panic!("{} failed too: {reason}", case.name),
            (_, Some(_)) => panic!("{} did not fail: {report}", case.name),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_defective_fixture_without_a_defect_is_conformant() {
    let report = defective(None).await;
    assert_conformant(
        &report,
        &[
            "search.paging",
            "catalog.price-tiers",
            "quote.totals",
            "quote.round-trip",
            "quote.unknown-id",
            "order.idempotent-retry",
            "capabilities.undeclared",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_invariant_fails_its_own_case() {
    let cases: [(&str, &[(&str, &str)]); 9] = [
        (
            "repeats-items",
            &[(
                "search.paging",
                "page 2 repeats item DF-003, already on page 1",
            )],
        ),
        (
            "endless-paging",
            &[("search.paging", "paging did not end within 40 pages")],
        ),
        // Rules the host also enforces on every call: the answer is refused at the boundary,
        // so the case that reads it and `output.valid` fail, naming the rule.
        (
            "tiers-descending",
            &[
                ("search.paging", "tiers must ascend by min-quantity"),
                ("output.valid", "tiers must ascend by min-quantity"),
            ],
        ),
        (
            "bad-line-total",
            &[
                ("quote.totals", "10 is not unit price × quantity (9)"),
                ("output.valid", "10 is not unit price × quantity (9)"),
            ],
        ),
        (
            "forgets-quotes",
            &[(
                "quote.round-trip",
                "get-quote Q:L1~DF-001~1 failed: not-found",
            )],
        ),
        (
            "new-order-per-retry",
            &[(
                "order.idempotent-retry",
                "a retry must return the first order",
            )],
        ),
        (
            "internal-errors",
            &[
                ("quote.unknown-id", "answered `internal`"),
                ("errors.typed", "get-quote: internal"),
            ],
        ),
        (
            "answers-undeclared",
            &[("capabilities.undeclared", "get-order answered `not-found`")],
        ),
        (
            "undeclared-host",
            &[(
                "sandbox.hosts",
                "search: a request to http://192.0.2.1, which is not granted: the adapter's \
                 manifest must ask for it and the host policy grant it \
                 (`hosts = [\"http://192.0.2.1\"]` in its [[adapter]] entry; \
                 `mercato run --allow URL`); plain http also needs \
                 `insecure-http = true` on that host (×",
            )],
        ),
    ];
    for (defect, failing) in cases {
        let report = defective(Some(defect)).await;
        assert!(!report.passed(), "{defect} passed: {report}");
        assert_fails(&report, failing);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bounded_look_at_paging_checks_the_pages_it_reads() {
    let mut grants = Grants::new().setting("defect", "endless-paging");
    let adapter = load(mercato_artifacts::FIXTURE_DEFECTIVE.bytes, grants.clone()).await;
    let bounded = Options {
        max_pages: 5,
        page_to_end: false,
        ..Options::default()
    };
    let report = conformance::run(&adapter, &bounded).await;
    match &report.case("search.paging").unwrap().outcome {
        Outcome::Passed { note } => assert!(note.contains("not followed to the end"), "{note}"),
        other => panic!("{other:?}"),
    }

    grants = Grants::new().setting("defect", "repeats-items");
    let adapter = load(mercato_artifacts::FIXTURE_DEFECTIVE.bytes, grants).await;
    let report = conformance::run(&adapter, &bounded).await;
    assert_fails(&report, &[("search.paging", "page 2 repeats item")]);
}
