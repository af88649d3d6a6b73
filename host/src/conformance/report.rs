//! What a conformance run found: one case per invariant, printed for a person or written as
//! JUnit XML for a CI server.

use std::fmt;
use std::time::Duration;

/// How one case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The invariant holds; the note says what was looked at.
    Passed {
        /// What was checked ("37 items in 8 pages"), or empty.
        note: String,
    },
    /// The invariant does not hold.
    Failed {
        /// What is wrong, naming the call and the data.
        reason: String,
    },
    /// The case does not apply (capability not declared, nothing to check it on).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One invariant checked.
#[derive(Debug, Clone)]
pub struct Case {
    /// Dotted name: the area, then the invariant ("search.paging").
    pub name: &'static str,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took.
    pub time: Duration,
}

impl Case {
    /// The area of the contract the case belongs to ("search" of "search.paging").
    pub fn area(&self) -> &'static str {
        self.name
            .split_once('.')
            .map_or(self.name, |(area, _)| area)
    }
}

/// The adapter a report is about.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Supplier id.
    pub supplier: String,
    /// Adapter version, as described.
    pub version: String,
    /// SHA-256 of the component.
    pub digest: String,
}

/// Every case of one run, in the order they ran.
#[derive(Debug, Clone)]
pub struct Report {
    /// The adapter.
    pub subject: Subject,
    /// The cases.
    pub cases: Vec<Case>,
    /// Wall time of the whole run.
    pub time: Duration,
}

impl Report {
    /// Whether no case failed.
    pub fn passed(&self) -> bool {
        self.failed() == 0
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }

    /// Cases that were skipped.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped { .. }))
    }

    /// The case named `name`.
    pub fn case(&self, name: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.name == name)
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }

    /// The report as JUnit XML: one test suite named after the supplier, one test case per
    /// invariant, classed by area.
    pub fn junit(&self) -> Result<String, quick_junit::SerializeError> {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let mut suite = TestSuite::new(format!("mercato-conformance.{}", self.subject.supplier));
        suite.set_time(self.time);
        suite.add_property(("adapter-version", self.subject.version.as_str()));
        suite.add_property(("sha256", self.subject.digest.as_str()));
        for case in &self.cases {
            let status = match &case.outcome {
                Outcome::Passed { .. } => TestCaseStatus::success(),
                Outcome::Failed { reason } => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(reason.as_str()).set_type("conformance");
                    s
                }
                Outcome::Skipped { reason } => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(reason.as_str());
                    s
                }
            };
            let mut test = TestCase::new(case.name, status);
            test.set_classname(format!("{}.{}", self.subject.supplier, case.area()))
                .set_time(case.time);
            if let Outcome::Passed { note } = &case.outcome
                && !note.is_empty()
            {
                test.set_system_out(note.as_str());
            }
            suite.add_test_case(test);
        }
        let mut report = quick_junit::Report::new("mercato test-adapter");
        report.set_time(self.time).add_test_suite(suite);
        report.to_string()
    }
}

/// The human report: a line per case, the reason under each failure, a summary.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.subject;
        let short = s.digest.get(..12).unwrap_or(&s.digest);
        writeln!(
            f,
            "Conformance of {} {} (sha256 {short}…)",
            s.supplier, s.version
        )?;
        let width = self.cases.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for case in &self.cases {
            let (label, detail) = match &case.outcome {
                Outcome::Passed { note } => ("pass", note),
                Outcome::Failed { reason } => ("FAIL", reason),
                Outcome::Skipped { reason } => ("skip", reason),
            };
            let ms = case.time.as_secs_f64() * 1000.0;
            write!(f, "  {label}  {:width$}  {ms:>8.1} ms", case.name)?;
            if detail.is_empty() {
                writeln!(f)?;
            } else if matches!(case.outcome, Outcome::Failed { .. }) {
                writeln!(f)?;
                for line in detail.lines() {
                    writeln!(f, "        {line}")?;
                }
            } else {
                writeln!(f, "  {detail}")?;
            }
        }
        let total = self.cases.len();
        writeln!(
            f,
            "{} passed, {} failed, {} skipped of {total} in {:.2} s: {}",
            total - self.failed() - self.skipped(),
            self.failed(),
            self.skipped(),
            self.time.as_secs_f64(),
            if self.passed() {
                "conformant"
            } else {
                "NOT conformant"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let case = |name, outcome| Case {
            name,
            outcome,
            time: Duration::from_millis(3),
        };
        Report {
            subject: Subject {
                supplier: "acme".into(),
                version: "1.2.0".into(),
                digest: "ab".repeat(32),
            },
            cases: vec![
                case(
                    "search.paging",
                    Outcome::Passed {
                        note: "12 items in 3 pages".into(),
                    },
                ),
                case(
                    "quote.totals",
                    Outcome::Failed {
                        reason: "line L1 total 1000 <is> not 1200".into(),
                    },
                ),
                case(
                    "order.idempotent-retry",
                    Outcome::Skipped {
                        reason: "place-order is not declared".into(),
                    },
                ),
            ],
            time: Duration::from_millis(9),
        }
    }

    #[test]
    fn counts_and_summary_name_the_failure() {
        let r = report();
        assert!(!r.passed());
        assert_eq!((r.failed(), r.skipped()), (1, 1));
        let text = r.to_string();
        assert!(text.contains("FAIL  quote.totals"), "{text}");
        assert!(
            text.contains("        line L1 total 1000 <is> not 1200"),
            "{text}"
        );
        assert!(
            text.ends_with("1 passed, 1 failed, 1 skipped of 3 in 0.01 s: NOT conformant\n"),
            "{text}"
        );
    }

    #[test]
    fn junit_has_one_case_per_invariant_with_escaped_failures() {
        let xml = report().junit().expect("serialises");
        assert!(xml.contains(r#"<testsuite name="mercato-conformance.acme" tests="3" skipped="1" errors="0" failures="1""#), "{xml}");
        assert!(xml.contains(r#"classname="acme.quote""#), "{xml}");
        assert!(
            xml.contains("line L1 total 1000 &lt;is&gt; not 1200"),
            "{xml}"
        );
        assert!(
            xml.contains("<skipped message=\"place-order is not declared\""),
            "{xml}"
        );
    }
}
