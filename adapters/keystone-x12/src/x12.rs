//! ANSI ASC X12 syntax: reading an interchange into groups, transaction sets and segments, and
//! writing segments with the delimiters of an interchange.
//!
//! Delimiters are read from the ISA header, never assumed: the element separator is the 4th
//! byte, the component (sub-element) separator the 105th and the segment terminator the 106th
//! (the ISA is fixed-width, 106 bytes). Line breaks after segment terminators are tolerated, as
//! most translators add them.
//!
//! Reading is defensive: any byte sequence gives either a parsed interchange or a
//! [`SyntaxError`], never a panic. Problems inside a group or transaction set do not stop the
//! reader; they are recorded on the group or set, so a 997 can report them precisely.

use std::fmt;

/// Length of the fixed-width ISA segment, terminator included.
pub const ISA_LEN: usize = 106;

/// The delimiters of one interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// Separates elements (ISA byte 4).
    pub element: char,
    /// Separates components of a composite element (ISA16, byte 105).
    pub component: char,
    /// Ends a segment (byte 106).
    pub segment: char,
}

impl Delimiters {
    /// What Keystone's implementation guide asks for: `*`, `>` and `~`.
    pub const STANDARD: Delimiters = Delimiters {
        element: '*',
        component: '>',
        segment: '~',
    };

    fn contains(&self, c: char) -> bool {
        c == self.element || c == self.component || c == self.segment
    }
}

/// The interchange is not X12, or its envelope is broken beyond a 997's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One segment: its id and its elements (`elements[0]` is the `XX01` element).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Segment id ("BAK", "PO1").
    pub id: String,
    /// Elements in order, as written.
    pub elements: Vec<String>,
    /// Position in its transaction set, the ST segment being 1 (0 outside a set).
    pub position: usize,
}

impl Segment {
    /// Element `n` (1-based, as in `BAK03`), trimmed; empty when absent.
    pub fn get(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .map_or("", |s| s.trim())
    }

    /// Element `n` when present and not empty.
    pub fn opt(&self, n: usize) -> Option<&str> {
        Some(self.get(n)).filter(|s| !s.is_empty())
    }

    /// `PO1`-style id/qualifier pairs from element `from` on: (qualifier, value) for each pair
    /// with both present (`VP`, `KI-10010`, `UP`, `012345678905`).
    pub fn pairs(&self, from: usize) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let mut n = from;
        while n < self.elements.len() + 1 {
            if let (Some(q), Some(v)) = (self.opt(n), self.opt(n + 1)) {
                out.push((q, v));
            }
            n += 2;
        }
        out
    }

    /// The first component of element `n` (for composites such as `CTP05` = `EA>1`).
    pub fn first_component(&self, n: usize, d: &Delimiters) -> &str {
        self.get(n).split(d.component).next().unwrap_or("").trim()
    }
}

/// The ISA header facts the adapter uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// ISA05 sender id qualifier.
    pub sender_qualifier: String,
    /// ISA06, trimmed.
    pub sender: String,
    /// ISA07 receiver id qualifier.
    pub receiver_qualifier: String,
    /// ISA08, trimmed.
    pub receiver: String,
    /// ISA09 YYMMDD.
    pub date: String,
    /// ISA10 HHMM.
    pub time: String,
    /// ISA13 interchange control number.
    pub control: String,
    /// ISA15: `P` production, `T` test.
    pub usage: String,
    /// The delimiters of this interchange.
    pub delimiters: Delimiters,
}

/// A group-level problem, reported as an AK9 syntax error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupProblem {
    /// AK905 code (X12 716): 2 trailer missing, 4 control numbers differ, 5 set count wrong.
    pub code: &'static str,
    /// What is wrong, for people.
    pub text: String,
}

/// A set-level problem, reported as an AK5 syntax error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetProblem {
    /// AK502 code (X12 718): 2 trailer missing, 3 control numbers differ, 4 segment count wrong.
    pub code: &'static str,
    /// What is wrong, for people.
    pub text: String,
}

/// One transaction set: ST to SE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSet {
    /// ST01 ("855", "856", "997").
    pub id: String,
    /// ST02.
    pub control: String,
    /// Every segment from ST to SE inclusive, positions counted from ST = 1.
    pub segments: Vec<Segment>,
    /// An envelope problem of this set; such a set is rejected whole.
    pub problem: Option<SetProblem>,
}

impl TransactionSet {
    /// The segments between ST and SE.
    pub fn body(&self) -> &[Segment] {
        let end = self
            .segments
            .iter()
            .rposition(|s| s.id == "SE")
            .unwrap_or(self.segments.len());
        self.segments.get(1..end).unwrap_or(&[])
    }
}

/// One functional group: GS to GE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// GS01 functional identifier ("PR" for 855, "SH" for 856, "FA" for 997).
    pub functional_id: String,
    /// GS02 application sender.
    pub sender: String,
    /// GS03 application receiver.
    pub receiver: String,
    /// GS06 group control number.
    pub control: String,
    /// GS08 version ("004010").
    pub version: String,
    /// The sets in it.
    pub sets: Vec<TransactionSet>,
    /// An envelope problem of the group (its trailer).
    pub problem: Option<GroupProblem>,
}

/// A parsed interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    /// The ISA facts.
    pub envelope: Envelope,
    /// Functional groups in order.
    pub groups: Vec<Group>,
    /// TA1 segments (interchange acknowledgements) outside any group.
    pub ta1: Vec<Segment>,
}

/// Split raw bytes into an interchange. Only what a 997 cannot express (no ISA, broken
/// delimiters, a missing or wrong IEA, a segment outside any group) is an error.
pub fn parse(bytes: &[u8]) -> Result<Interchange, SyntaxError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    if bytes.len() < ISA_LEN || !bytes.starts_with(b"ISA") {
        return Err(SyntaxError(
            "not an X12 interchange: it must begin with a 106-byte ISA segment".into(),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SyntaxError("the interchange is not ASCII/UTF-8 text".into()))?;
    if !text.is_char_boundary(ISA_LEN) {
        return Err(SyntaxError("the ISA segment is not 106 ASCII bytes".into()));
    }
    let raw = text.as_bytes();
    let delimiters = Delimiters {
        element: char::from(raw[3]),
        component: char::from(raw[104]),
        segment: char::from(raw[105]),
    };
    let d = delimiters;
    let distinct = d.element != d.component && d.element != d.segment && d.component != d.segment;
    let usable = [d.element, d.component, d.segment]
        .iter()
        .all(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && *c != ' ');
    if !distinct || !usable {
        return Err(SyntaxError(format!(
            "the ISA declares unusable delimiters {:?}, {:?}, {:?}",
            d.element, d.component, d.segment
        )));
    }
    let isa_text = &text[..ISA_LEN - 1];
    let isa: Vec<&str> = isa_text.split(d.element).collect();
    if isa.len() != 17 {
        return Err(SyntaxError(format!(
            "the ISA segment has {} elements, not 16",
            isa.len().saturating_sub(1)
        )));
    }
    let envelope = Envelope {
        sender_qualifier: isa[5].trim().to_string(),
        sender: isa[6].trim().to_string(),
        receiver_qualifier: isa[7].trim().to_string(),
        receiver: isa[8].trim().to_string(),
        date: isa[9].to_string(),
        time: isa[10].to_string(),
        control: isa[13].to_string(),
        usage: isa[15].to_string(),
        delimiters,
    };
    if envelope.control.len() != 9 || !envelope.control.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SyntaxError(format!(
            "ISA13 {:?} is not a 9-digit control number",
            envelope.control
        )));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut ta1 = Vec::new();
    let mut iea: Option<Segment> = None;
    let mut open_set: Option<TransactionSet> = None;
    let mut open_group: Option<Group> = None;
    for raw_segment in text[ISA_LEN..].split(d.segment) {
        let seg_text = raw_segment.trim_matches(|c: char| c == '\r' || c == '\n');
        if seg_text.trim().is_empty() {
            continue;
        }
        if iea.is_some() {
            return Err(SyntaxError("segments follow the IEA trailer".into()));
        }
        let mut parts = seg_text.split(d.element);
        let id = parts.next().unwrap_or("").trim().to_string();
        if id.is_empty()
            || id.len() > 3
            || !id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(SyntaxError(format!(
                "{:?} is not an X12 segment",
                cut(seg_text)
            )));
        }
        let elements: Vec<String> = parts.map(str::to_string).collect();
        let mut segment = Segment {
            id,
            elements,
            position: 0,
        };
        match segment.id.as_str() {
            "GS" => {
                if let Some(g) = open_group.take() {
                    groups.push(close_group_without_trailer(g, &mut open_set));
                }
                open_group = Some(Group {
                    functional_id: segment.get(1).to_string(),
                    sender: segment.get(2).to_string(),
                    receiver: segment.get(3).to_string(),
                    control: segment.get(6).to_string(),
                    version: segment.get(8).to_string(),
                    sets: Vec::new(),
                    problem: None,
                });
            }
            "GE" => {
                let Some(mut g) = open_group.take() else {
                    return Err(SyntaxError("GE without a GS".into()));
                };
                if let Some(mut s) = open_set.take() {
                    s.problem = Some(SetProblem {
                        code: "2",
                        text: format!("transaction set {} has no SE trailer", s.control),
                    });
                    g.sets.push(s);
                }
                let count = g.sets.len().to_string();
                if segment.get(2) != g.control {
                    g.problem = Some(GroupProblem {
                        code: "4",
                        text: format!(
                            "GE02 {:?} does not match GS06 {:?}",
                            segment.get(2),
                            g.control
                        ),
                    });
                } else if segment.get(1) != count {
                    g.problem = Some(GroupProblem {
                        code: "5",
                        text: format!(
                            "GE01 says {} transaction sets; the group has {count}",
                            segment.get(1)
                        ),
                    });
                }
                groups.push(g);
            }
            "IEA" => {
                if let Some(g) = open_group.take() {
                    groups.push(close_group_without_trailer(g, &mut open_set));
                }
                iea = Some(segment);
            }
            "TA1" if open_group.is_none() => ta1.push(segment),
            _ => {
                let Some(group) = open_group.as_mut() else {
                    return Err(SyntaxError(format!(
                        "segment {} outside a functional group",
                        segment.id
                    )));
                };
                if segment.id == "ST" {
                    if let Some(mut s) = open_set.take() {
                        s.problem = Some(SetProblem {
                            code: "2",
                            text: format!("transaction set {} has no SE trailer", s.control),
                        });
                        group.sets.push(s);
                    }
                    segment.position = 1;
                    open_set = Some(TransactionSet {
                        id: segment.get(1).to_string(),
                        control: segment.get(2).to_string(),
                        segments: vec![segment],
                        problem: None,
                    });
                    continue;
                }
                let Some(set) = open_set.as_mut() else {
                    return Err(SyntaxError(format!(
                        "segment {} outside a transaction set",
                        segment.id
                    )));
                };
                segment.position = set.segments.len() + 1;
                let is_trailer = segment.id == "SE";
                set.segments.push(segment);
                if is_trailer && let Some(mut s) = open_set.take() {
                    check_set_trailer(&mut s);
                    group.sets.push(s);
                }
            }
        }
    }
    let Some(iea) = iea else {
        return Err(SyntaxError(
            "the interchange has no IEA trailer (truncated?)".into(),
        ));
    };
    if iea.get(2) != envelope.control {
        return Err(SyntaxError(format!(
            "IEA02 {:?} does not match ISA13 {:?}",
            iea.get(2),
            envelope.control
        )));
    }
    if iea.get(1) != groups.len().to_string() {
        return Err(SyntaxError(format!(
            "IEA01 says {} functional groups; the interchange has {}",
            iea.get(1),
            groups.len()
        )));
    }
    Ok(Interchange {
        envelope,
        groups,
        ta1,
    })
}

fn close_group_without_trailer(mut g: Group, open_set: &mut Option<TransactionSet>) -> Group {
    if let Some(mut s) = open_set.take() {
        s.problem = Some(SetProblem {
            code: "2",
            text: format!("transaction set {} has no SE trailer", s.control),
        });
        g.sets.push(s);
    }
    g.problem = Some(GroupProblem {
        code: "2",
        text: format!("functional group {} has no GE trailer", g.control),
    });
    g
}

fn check_set_trailer(s: &mut TransactionSet) {
    let Some(se) = s.segments.last() else {
        return;
    };
    let count = s.segments.len().to_string();
    if se.get(2) != s.control {
        s.problem = Some(SetProblem {
            code: "3",
            text: format!("SE02 {:?} does not match ST02 {:?}", se.get(2), s.control),
        });
    } else if se.get(1) != count {
        s.problem = Some(SetProblem {
            code: "4",
            text: format!(
                "SE01 says {} segments; the transaction set has {count}",
                se.get(1)
            ),
        });
    }
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Whether `value` can travel as an identifier under `d`: printable ASCII and no delimiter.
pub fn is_clean(value: &str, d: &Delimiters) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii() && !c.is_ascii_control() && !d.contains(c))
}

/// Free text made safe for an element: delimiters and control characters become spaces,
/// non-ASCII letters are dropped to `?`, runs of spaces collapse, and the text is cut to `max`
/// characters (X12 004010 has no escape mechanism, so this is the only honest option).
pub fn text(value: &str, max: usize, d: &Delimiters) -> String {
    let mut out = String::new();
    for c in value.chars() {
        let c = if d.contains(c) || c.is_control() {
            ' '
        } else if c.is_ascii() {
            c
        } else {
            '?'
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    let trimmed: String = out.trim_end().chars().take(max).collect();
    trimmed.trim_end().to_string()
}

/// Builds the segments of one transaction set, counting them for SE01.
#[derive(Debug, Clone)]
pub struct SetWriter {
    d: Delimiters,
    segments: Vec<String>,
    control: String,
}

impl SetWriter {
    /// Start a set with its ST segment.
    pub fn new(set_id: &str, control: &str, d: Delimiters) -> SetWriter {
        let mut w = SetWriter {
            d,
            segments: Vec::new(),
            control: control.to_string(),
        };
        w.segment("ST", &[set_id, control]);
        w
    }

    /// Add a segment; trailing empty elements are dropped. Returns its position (ST = 1).
    pub fn segment(&mut self, id: &str, elements: &[&str]) -> usize {
        let keep = elements
            .iter()
            .rposition(|e| !e.is_empty())
            .map_or(0, |i| i + 1);
        let mut s = id.to_string();
        for e in &elements[..keep] {
            s.push(self.d.element);
            s.push_str(e);
        }
        self.segments.push(s);
        self.segments.len()
    }

    /// Close the set with SE and return its segments.
    pub fn finish(mut self) -> Vec<String> {
        let count = (self.segments.len() + 1).to_string();
        let control = self.control.clone();
        self.segment("SE", &[&count, &control]);
        self.segments
    }
}

/// Envelope facts of an interchange to write.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// ISA06/GS02.
    pub sender: &'a str,
    /// ISA08/GS03.
    pub receiver: &'a str,
    /// ISA13, 1 to 999 999 999.
    pub control: u32,
    /// GS01 functional identifier.
    pub functional_id: &'a str,
    /// Unix ms for ISA09/ISA10 and GS04/GS05.
    pub at_ms: i64,
}

/// A whole interchange with one functional group holding `sets` (each from [`SetWriter`]).
pub fn interchange(o: &Outgoing<'_>, sets: &[Vec<String>], d: Delimiters) -> String {
    let (yymmdd, ccyymmdd, hhmm) = stamp(o.at_ms);
    let e = d.element;
    let t = d.segment;
    let control = format!("{:09}", o.control);
    let mut out = format!(
        "ISA{e}00{e}{:10}{e}00{e}{:10}{e}ZZ{e}{:<15}{e}ZZ{e}{:<15}{e}{yymmdd}{e}{hhmm}{e}U{e}00401{e}{control}{e}0{e}P{e}{}{t}\n",
        "", "", o.sender, o.receiver, d.component
    );
    out.push_str(&format!(
        "GS{e}{}{e}{}{e}{}{e}{ccyymmdd}{e}{hhmm}{e}{}{e}X{e}004010{t}\n",
        o.functional_id, o.sender, o.receiver, o.control
    ));
    for set in sets {
        for s in set {
            out.push_str(s);
            out.push(t);
            out.push('\n');
        }
    }
    out.push_str(&format!("GE{e}{}{e}{}{t}\n", sets.len(), o.control));
    out.push_str(&format!("IEA{e}1{e}{control}{t}\n"));
    out
}

/// YYMMDD, CCYYMMDD and HHMM of a timestamp, UTC.
pub fn stamp(ms: i64) -> (String, String, String) {
    let date = date8(ms);
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    let hhmm = format!("{:02}{:02}", minutes / 60, minutes % 60);
    (date[2..].to_string(), date, hhmm)
}

/// CCYYMMDD of a timestamp, UTC.
pub fn date8(ms: i64) -> String {
    mercato_sdk::time::format_date(ms).replace('-', "")
}

/// Midnight UTC of a CCYYMMDD date (or YYMMDD, taken as 20YY), or None.
pub fn parse_date(value: &str) -> Option<i64> {
    let v = value.trim();
    let full = match v.len() {
        8 => v.to_string(),
        6 => format!("20{v}"),
        _ => return None,
    };
    if !full.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    mercato_sdk::time::parse_date(&format!("{}-{}-{}", &full[..4], &full[4..6], &full[6..])).ok()
}

/// A control number (1 to 999 999 999) derived from `key`: FNV-1a 64 reduced, so the same key
/// always gives the same ISA13/GS06 and a retried interchange is recognisably the same one.
pub fn control_number(key: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    u32::try_from(h % 999_999_999).unwrap_or(0) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Delimiters = Delimiters::STANDARD;

    fn sample(sets: usize) -> String {
        let mut all = Vec::new();
        for n in 0..sets {
            let mut w = SetWriter::new("855", &format!("{:04}", n + 1), S);
            w.segment("BAK", &["00", "AD", "PO-1", "20260601"]);
            all.push(w.finish());
        }
        interchange(
            &Outgoing {
                sender: "KEYSTONE",
                receiver: "PLANT3",
                control: 42,
                functional_id: "PR",
                at_ms: 1_780_308_000_000,
            },
            &all,
            S,
        )
    }

    #[test]
    fn written_interchanges_read_back_with_counts_that_match() {
        let text = sample(2);
        assert_eq!(text.find('\n'), Some(ISA_LEN), "the ISA is fixed width");
        let x = parse(text.as_bytes()).expect("parses");
        assert_eq!(x.envelope.sender, "KEYSTONE");
        assert_eq!(x.envelope.control, "000000042");
        assert_eq!(x.envelope.date, "260601");
        assert_eq!(x.envelope.time, "1000");
        assert_eq!(x.groups.len(), 1);
        let g = &x.groups[0];
        assert_eq!((g.functional_id.as_str(), g.control.as_str()), ("PR", "42"));
        assert_eq!(g.problem, None);
        assert_eq!(g.sets.len(), 2);
        assert!(g.sets.iter().all(|s| s.problem.is_none()));
        assert_eq!(g.sets[1].body()[0].get(3), "PO-1");
        assert_eq!(g.sets[1].body()[0].position, 2);
    }

    #[test]
    fn delimiters_come_from_the_isa_header() {
        let text = sample(1)
            .replace('*', "|")
            .replace('~', "!")
            .replace("|>!", "|^!");
        let x = parse(text.as_bytes()).expect("parses with other delimiters");
        assert_eq!(
            x.envelope.delimiters,
            Delimiters {
                element: '|',
                component: '^',
                segment: '!'
            }
        );
        assert_eq!(x.groups[0].sets[0].body()[0].get(2), "AD");
    }

    #[test]
    fn count_and_control_mismatches_are_recorded_per_set_and_group() {
        let text = sample(1).replace("SE*3*0001", "SE*9*0001");
        let x = parse(text.as_bytes()).expect("envelope intact");
        assert_eq!(
            x.groups[0].sets[0].problem.as_ref().map(|p| p.code),
            Some("4")
        );
        let text = sample(1).replace("SE*3*0001", "SE*3*0002");
        let x = parse(text.as_bytes()).expect("envelope intact");
        assert_eq!(
            x.groups[0].sets[0].problem.as_ref().map(|p| p.code),
            Some("3")
        );
        let text = sample(1).replace("GE*1*42", "GE*2*42");
        let x = parse(text.as_bytes()).expect("envelope intact");
        assert_eq!(x.groups[0].problem.as_ref().map(|p| p.code), Some("5"));
    }

    #[test]
    fn garbage_and_broken_envelopes_are_syntax_errors() {
        for bad in [
            &b""[..],
            b"\x00\xffthis is not a document any supplier sends\x00",
            b"<?xml version=\"1.0\"?><Order/>",
        ] {
            assert!(parse(bad).is_err());
        }
        let truncated = sample(1);
        let truncated = &truncated[..truncated.len() - 20];
        assert!(parse(truncated.as_bytes()).is_err());
        let wrong_iea = sample(1).replace("IEA*1*000000042", "IEA*1*000000043");
        assert!(parse(wrong_iea.as_bytes()).unwrap_err().0.contains("IEA02"));
        // Arbitrary bytes never panic.
        let mut noise = sample(1).into_bytes();
        for i in (0..noise.len()).step_by(7) {
            noise[i] = noise[i].wrapping_mul(31);
            let _ = parse(&noise);
        }
    }

    #[test]
    fn text_is_made_safe_and_ids_are_checked() {
        assert_eq!(text("Dock 4 * Gate ~B", 20, &S), "Dock 4 Gate B");
        assert_eq!(text("Zürich", 10, &S), "Z?rich");
        assert_eq!(text("abcdef", 3, &S), "abc");
        assert!(is_clean("PO-2026-0001", &S));
        assert!(!is_clean("PO*1", &S));
    }

    #[test]
    fn control_numbers_are_stable_and_in_range() {
        let a = control_number("mrc-0123456789abcdef");
        assert_eq!(a, control_number("mrc-0123456789abcdef"));
        assert_ne!(a, control_number("mrc-0123456789abcdeg"));
        assert!((1..=999_999_999).contains(&a));
    }

    #[test]
    fn dates_read_both_widths() {
        assert_eq!(parse_date("20260601"), Some(1_780_272_000_000));
        assert_eq!(parse_date("260601"), Some(1_780_272_000_000));
        assert_eq!(parse_date("2026-06-01"), None);
        assert_eq!(parse_date("20261301"), None);
    }
}
