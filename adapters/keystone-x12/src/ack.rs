//! Acknowledgements: reading Keystone's 997 (and TA1) for an 850, and writing the 997 the
//! buyer owes Keystone for every functional group it receives.
//!
//! A 997 says whether a functional group was syntactically acceptable, nothing about the
//! business: `AK1` names the group, `AK2`…`AK5` each transaction set (with `AK3` segment and
//! `AK4` element errors), `AK9` the group's verdict (`A` accepted, `E` accepted with errors,
//! `P` partially accepted, `R` rejected).

use crate::x12::{self, Delimiters, Group, Interchange, Outgoing, SetWriter};

/// One error a 997 reports: an AK3 segment and, when given, its first AK4 element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedError {
    /// AK301 segment id.
    pub segment: String,
    /// AK302 position in the set.
    pub position: usize,
    /// AK304 segment error code.
    pub segment_code: String,
    /// AK401 element position.
    pub element: Option<usize>,
    /// AK402 data element reference number.
    pub element_ref: Option<String>,
    /// AK403 element error code.
    pub element_code: Option<String>,
    /// AK404 the bad data.
    pub data: Option<String>,
}

impl ReportedError {
    /// Human reading of the error, with X12's code meanings.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "segment {} at position {} ({})",
            self.segment,
            self.position,
            segment_code_text(&self.segment_code)
        );
        if let Some(n) = self.element {
            s.push_str(&format!(", element {}{:02}", self.segment, n));
            if let Some(r) = &self.element_ref {
                s.push_str(&format!(" (data element {r})"));
            }
            if let Some(c) = &self.element_code {
                s.push_str(&format!(": {}", element_code_text(c)));
            }
            if let Some(d) = &self.data {
                s.push_str(&format!(" {d:?}"));
            }
        }
        s
    }
}

/// Keystone's verdict on a group the adapter sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// AK9 `A` or `E`: accepted.
    Accepted,
    /// AK9 `R` or `P`, or an AK5 `R`: the errors found (possibly none named).
    Rejected {
        /// AK9 (or AK5) codes with their meaning.
        summary: String,
        /// Segment and element errors.
        errors: Vec<ReportedError>,
    },
}

/// An interchange acknowledgement (TA1): Keystone refused the envelope itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeRefusal {
    /// TA105 note code (X12 I18): 025 duplicate control number, 001/021 envelope errors …
    pub code: String,
}

/// Read Keystone's answer to an 850 sent with group control `control`.
pub fn read_answer(x: &Interchange, control: u32) -> Result<Verdict, String> {
    let control = control.to_string();
    let set = x
        .groups
        .iter()
        .filter(|g| g.functional_id == "FA")
        .flat_map(|g| &g.sets)
        .find(|s| s.id == "997")
        .ok_or("the answer holds no 997 functional acknowledgement")?;
    if let Some(p) = &set.problem {
        return Err(format!("997 {}: {}", set.control, p.text));
    }
    let body = set.body();
    let ak1 = body
        .iter()
        .find(|s| s.id == "AK1")
        .ok_or("the 997 has no AK1")?;
    if ak1.get(1) != "PO" || ak1.get(2) != control {
        return Err(format!(
            "the 997 acknowledges group {} {}, not PO {control}",
            ak1.get(1),
            ak1.get(2)
        ));
    }
    let ak9 = body
        .iter()
        .find(|s| s.id == "AK9")
        .ok_or("the 997 has no AK9")?;
    let mut errors = Vec::new();
    let mut set_codes = Vec::new();
    let mut current: Option<ReportedError> = None;
    for s in body {
        match s.id.as_str() {
            "AK3" => {
                errors.extend(current.take());
                current = Some(ReportedError {
                    segment: s.get(1).to_string(),
                    position: s.get(2).parse().unwrap_or(0),
                    segment_code: s.get(4).to_string(),
                    element: None,
                    element_ref: None,
                    element_code: None,
                    data: None,
                });
            }
            "AK4" => {
                if let Some(e) = current.as_mut()
                    && e.element.is_none()
                {
                    let position = s.get(1).split(|c: char| !c.is_ascii_digit()).next();
                    e.element = position.and_then(|p| p.parse().ok());
                    e.element_ref = s.opt(2).map(str::to_string);
                    e.element_code = s.opt(3).map(str::to_string);
                    e.data = s.opt(4).map(str::to_string);
                }
            }
            "AK5" => {
                errors.extend(current.take());
                if s.get(1) == "R" {
                    set_codes.extend(s.elements.iter().skip(1).filter(|c| !c.is_empty()).cloned());
                }
            }
            _ => {}
        }
    }
    errors.extend(current.take());
    match ak9.get(1) {
        "A" | "E" if set_codes.is_empty() => Ok(Verdict::Accepted),
        code @ ("A" | "E" | "R" | "P" | "M" | "W" | "X") => {
            let mut codes: Vec<String> = set_codes.iter().map(|c| set_code_text(c)).collect();
            codes.extend(
                ak9.elements
                    .iter()
                    .skip(4)
                    .filter(|c| !c.is_empty())
                    .map(|c| group_code_text(c)),
            );
            Ok(Verdict::Rejected {
                summary: if codes.is_empty() {
                    format!("AK9 {code}")
                } else {
                    format!("AK9 {code}: {}", codes.join("; "))
                },
                errors,
            })
        }
        other => Err(format!("AK901 {other:?} is not an acknowledgement code")),
    }
}

/// A TA1 refusal in the answer, if there is one (TA104 `R` or `E`).
pub fn read_ta1(x: &Interchange) -> Option<InterchangeRefusal> {
    x.ta1
        .iter()
        .find(|s| matches!(s.get(4), "R" | "E"))
        .map(|s| InterchangeRefusal {
            code: s.get(5).to_string(),
        })
}

/// One transaction set's outcome, for the 997 the adapter writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// ST01.
    pub set_id: String,
    /// ST02.
    pub control: String,
    /// None = accepted; otherwise the AK5 code and the segment error, if one is known.
    pub rejection: Option<(String, Option<ReportedError>)>,
}

/// One group's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOutcome {
    /// GS01.
    pub functional_id: String,
    /// GS06.
    pub control: String,
    /// AK905 code of a group envelope problem.
    pub group_problem: Option<String>,
    /// Its sets.
    pub sets: Vec<SetOutcome>,
}

impl GroupOutcome {
    /// The outcome of `g` before its contents are judged: set envelope problems only.
    pub fn of(g: &Group) -> GroupOutcome {
        GroupOutcome {
            functional_id: g.functional_id.clone(),
            control: g.control.clone(),
            group_problem: g.problem.as_ref().map(|p| p.code.to_string()),
            sets: g
                .sets
                .iter()
                .map(|s| SetOutcome {
                    set_id: s.id.clone(),
                    control: s.control.clone(),
                    rejection: s.problem.as_ref().map(|p| (p.code.to_string(), None)),
                })
                .collect(),
        }
    }

    /// AK901: A, P or R.
    pub fn verdict(&self) -> &'static str {
        let accepted = self.sets.iter().filter(|s| s.rejection.is_none()).count();
        if self.group_problem.is_some() || accepted == 0 {
            "R"
        } else if accepted < self.sets.len() {
            "P"
        } else {
            "A"
        }
    }
}

/// The 997 interchange answering `received` (sender and receiver swapped), one group with
/// one 997 per received functional group. Its control number is derived from the received
/// ISA, so a re-delivered document gets the very same acknowledgement.
pub fn write_997(received: &Interchange, groups: &[GroupOutcome], now_ms: i64) -> String {
    let d: Delimiters = received.envelope.delimiters;
    let mut sets = Vec::new();
    for (n, g) in groups.iter().enumerate() {
        let mut w = SetWriter::new("997", &format!("{:04}", n + 1), d);
        w.segment("AK1", &[&g.functional_id, &g.control]);
        for s in &g.sets {
            w.segment("AK2", &[&s.set_id, &s.control]);
            match &s.rejection {
                None => {
                    w.segment("AK5", &["A"]);
                }
                Some((code, error)) => {
                    if let Some(e) = error {
                        let position = e.position.to_string();
                        w.segment("AK3", &[&e.segment, &position, "", &e.segment_code]);
                        if let Some(element) = e.element {
                            let element = element.to_string();
                            let data = e
                                .data
                                .as_deref()
                                .map(|v| x12::text(v, 99, &d))
                                .unwrap_or_default();
                            w.segment(
                                "AK4",
                                &[
                                    &element,
                                    e.element_ref.as_deref().unwrap_or(""),
                                    e.element_code.as_deref().unwrap_or(""),
                                    &data,
                                ],
                            );
                        }
                    }
                    w.segment("AK5", &["R", code]);
                }
            }
        }
        let included = g.sets.len().to_string();
        let accepted = g
            .sets
            .iter()
            .filter(|s| s.rejection.is_none())
            .count()
            .to_string();
        let mut ak9 = vec![g.verdict(), &included, &included, &accepted];
        if let Some(code) = &g.group_problem {
            ak9.push(code);
        }
        w.segment("AK9", &ak9);
        sets.push(w.finish());
    }
    let e = &received.envelope;
    x12::interchange(
        &Outgoing {
            sender: &e.receiver,
            receiver: &e.sender,
            control: x12::control_number(&format!("997:{}:{}", e.sender, e.control)),
            functional_id: "FA",
            at_ms: now_ms,
        },
        &sets,
        d,
    )
}

fn segment_code_text(code: &str) -> String {
    let text = match code {
        "1" => "unrecognized segment id",
        "2" => "unexpected segment",
        "3" => "mandatory segment missing",
        "4" => "loop occurs over maximum times",
        "5" => "segment exceeds maximum use",
        "6" => "segment not in defined transaction set",
        "7" => "segment not in proper sequence",
        "8" => "segment has data element errors",
        _ => return format!("error code {code}"),
    };
    format!("{text}, code {code}")
}

fn element_code_text(code: &str) -> String {
    let text = match code {
        "1" => "mandatory data element missing",
        "2" => "conditional required data element missing",
        "3" => "too many data elements",
        "4" => "data element too short",
        "5" => "data element too long",
        "6" => "invalid character in data element",
        "7" => "invalid code value",
        "8" => "invalid date",
        "9" => "invalid time",
        "10" => "exclusion condition violated",
        _ => return format!("error code {code}"),
    };
    text.to_string()
}

fn set_code_text(code: &str) -> String {
    let text = match code {
        "1" => "transaction set not supported",
        "2" => "transaction set trailer missing",
        "3" => "transaction set control numbers differ",
        "4" => "number of included segments does not match",
        "5" => "one or more segments in error",
        _ => return format!("AK5 code {code}"),
    };
    text.to_string()
}

fn group_code_text(code: &str) -> String {
    let text = match code {
        "1" => "functional group not supported",
        "2" => "functional group version not supported",
        "3" => "functional group trailer missing",
        "4" => "group control numbers differ",
        "5" => "number of included transaction sets does not match",
        _ => return format!("AK9 code {code}"),
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(segments: &[&[&str]]) -> Interchange {
        let mut w = SetWriter::new("997", "0001", Delimiters::STANDARD);
        for s in segments {
            w.segment(s[0], &s[1..]);
        }
        let text = x12::interchange(
            &Outgoing {
                sender: "KEYSTONE",
                receiver: "PLANT3",
                control: 9,
                functional_id: "FA",
                at_ms: 0,
            },
            &[w.finish()],
            Delimiters::STANDARD,
        );
        x12::parse(text.as_bytes()).expect("997")
    }

    #[test]
    fn an_accepting_997_is_accepted() {
        let x = answer(&[
            &["AK1", "PO", "123"],
            &["AK2", "850", "0001"],
            &["AK5", "A"],
            &["AK9", "A", "1", "1", "1"],
        ]);
        assert_eq!(read_answer(&x, 123), Ok(Verdict::Accepted));
        assert!(
            read_answer(&x, 124).is_err(),
            "another group's 997 is not an answer"
        );
    }

    #[test]
    fn a_rejecting_997_names_segment_and_element() {
        let x = answer(&[
            &["AK1", "PO", "123"],
            &["AK2", "850", "0001"],
            &["AK3", "N4", "12", "N1", "8"],
            &["AK4", "3", "116", "7", "ABC"],
            &["AK5", "R", "5"],
            &["AK9", "R", "1", "1", "0"],
        ]);
        let Ok(Verdict::Rejected { summary, errors }) = read_answer(&x, 123) else {
            panic!("rejected expected");
        };
        assert!(
            summary.contains("one or more segments in error"),
            "{summary}"
        );
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(
            (e.segment.as_str(), e.position, e.element),
            ("N4", 12, Some(3))
        );
        assert_eq!(
            e.describe(),
            "segment N4 at position 12 (segment has data element errors, code 8), element N403 \
             (data element 116): invalid code value \"ABC\""
        );
    }

    #[test]
    fn the_997_written_answers_every_group_and_set() {
        let inbound = answer(&[&["AK1", "PO", "1"], &["AK9", "A", "0", "0", "0"]]);
        let outcome = GroupOutcome {
            functional_id: "PR".into(),
            control: "55".into(),
            group_problem: None,
            sets: vec![
                SetOutcome {
                    set_id: "855".into(),
                    control: "0001".into(),
                    rejection: None,
                },
                SetOutcome {
                    set_id: "855".into(),
                    control: "0002".into(),
                    rejection: Some((
                        "5".into(),
                        Some(ReportedError {
                            segment: "BAK".into(),
                            position: 2,
                            segment_code: "8".into(),
                            element: Some(3),
                            element_ref: Some("324".into()),
                            element_code: Some("1".into()),
                            data: None,
                        }),
                    )),
                },
            ],
        };
        let text = write_997(&inbound, &[outcome], 0);
        let x = x12::parse(text.as_bytes()).expect("our 997 parses");
        assert_eq!(x.envelope.sender, "PLANT3", "sender and receiver swap");
        assert_eq!(x.envelope.receiver, "KEYSTONE");
        let set = &x.groups[0].sets[0];
        assert_eq!(set.problem, None);
        let lines: Vec<String> = set
            .body()
            .iter()
            .map(|s| format!("{}*{}", s.id, s.elements.join("*")))
            .collect();
        assert_eq!(
            lines,
            [
                "AK1*PR*55",
                "AK2*855*0001",
                "AK5*A",
                "AK2*855*0002",
                "AK3*BAK*2**8",
                "AK4*3*324*1",
                "AK5*R*5",
                "AK9*P*2*2*1"
            ]
        );
        let again = write_997(&inbound, &[GroupOutcome::of(&x.groups[0])], 0);
        let again = x12::parse(again.as_bytes()).expect("997");
        assert_eq!(
            again.envelope.control, x.envelope.control,
            "a re-delivery gets the same control number"
        );
    }
}
