//! Keystone's own X12 reader and writer (independent of the adapter's, as a real trading
//! partner's translator would be).

/// One segment; `el[0]` is element 01.
#[derive(Debug, Clone)]
pub(crate) struct Seg {
    pub id: String,
    pub el: Vec<String>,
    /// Position in its transaction set (ST = 1).
    pub pos: usize,
}

impl Seg {
    /// Element `n` (1-based), trimmed, empty when absent.
    pub fn get(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.el.get(i))
            .map_or("", |s| s.trim())
    }

    /// `*`-joined form with its id, independent of the sender's delimiters.
    pub fn canonical(&self) -> String {
        let mut s = self.id.clone();
        for e in &self.el {
            s.push('*');
            s.push_str(e.trim());
        }
        s
    }
}

/// A transaction set, ST to SE.
#[derive(Debug, Clone)]
pub(crate) struct Set {
    pub id: String,
    pub control: String,
    pub segs: Vec<Seg>,
    /// AK5 code of an envelope problem (2 no SE, 3 control mismatch, 4 count mismatch).
    pub problem: Option<&'static str>,
}

/// A functional group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub fid: String,
    pub control: String,
    pub version: String,
    pub sets: Vec<Set>,
    /// AK9 code of an envelope problem (3 no GE, 4 control mismatch, 5 count mismatch).
    pub problem: Option<&'static str>,
}

/// An interchange as received.
#[derive(Debug, Clone)]
pub(crate) struct Interchange {
    pub sender: String,
    pub receiver: String,
    pub control: String,
    pub groups: Vec<Group>,
}

/// Parse an interchange, delimiters from the ISA (bytes 4, 105, 106).
pub(crate) fn parse(text: &str) -> Result<Interchange, String> {
    let text = text.trim_start();
    let raw = text.as_bytes();
    if raw.len() < 106 || !text.starts_with("ISA") || !text.is_char_boundary(106) {
        return Err("not an X12 interchange: no 106-byte ISA segment".into());
    }
    let (e, c, t) = (
        char::from(raw[3]),
        char::from(raw[104]),
        char::from(raw[105]),
    );
    if e == c || e == t || c == t || e.is_ascii_alphanumeric() || t.is_ascii_alphanumeric() {
        return Err("the ISA declares unusable delimiters".into());
    }
    let isa: Vec<&str> = text[..105].split(e).collect();
    if isa.len() != 17 {
        return Err("the ISA segment does not have 16 elements".into());
    }
    let mut x = Interchange {
        sender: isa[6].trim().to_string(),
        receiver: isa[8].trim().to_string(),
        control: isa[13].to_string(),
        groups: Vec::new(),
    };
    let mut group: Option<Group> = None;
    let mut set: Option<Set> = None;
    let mut iea = None;
    for seg in text[106..].split(t) {
        let seg = seg.trim_matches(|ch: char| ch == '\r' || ch == '\n');
        if seg.trim().is_empty() {
            continue;
        }
        let mut parts = seg.split(e);
        let id = parts.next().unwrap_or("").trim().to_string();
        if id.is_empty() || id.len() > 3 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "{:?} is not a segment",
                seg.chars().take(30).collect::<String>()
            ));
        }
        let mut s = Seg {
            id,
            el: parts.map(str::to_string).collect(),
            pos: 0,
        };
        match s.id.as_str() {
            "GS" => {
                group = Some(Group {
                    fid: s.get(1).to_string(),
                    control: s.get(6).to_string(),
                    version: s.get(8).to_string(),
                    sets: Vec::new(),
                    problem: None,
                });
            }
            "GE" => {
                let mut g = group.take().ok_or("GE without GS")?;
                if let Some(mut open) = set.take() {
                    open.problem = Some("2");
                    g.sets.push(open);
                }
                if s.get(2) != g.control {
                    g.problem = Some("4");
                } else if s.get(1) != g.sets.len().to_string() {
                    g.problem = Some("5");
                }
                x.groups.push(g);
            }
            "IEA" => {
                if let Some(mut g) = group.take() {
                    g.problem = Some("3");
                    x.groups.push(g);
                }
                iea = Some(s);
            }
            "ST" => {
                s.pos = 1;
                set = Some(Set {
                    id: s.get(1).to_string(),
                    control: s.get(2).to_string(),
                    segs: vec![s],
                    problem: None,
                });
            }
            _ => {
                let g = group.as_mut().ok_or("segment outside a functional group")?;
                let open = set.as_mut().ok_or("segment outside a transaction set")?;
                s.pos = open.segs.len() + 1;
                let trailer = s.id == "SE";
                open.segs.push(s);
                if trailer && let Some(mut done) = set.take() {
                    let se = &done.segs[done.segs.len() - 1];
                    if se.get(2) != done.control {
                        done.problem = Some("3");
                    } else if se.get(1) != done.segs.len().to_string() {
                        done.problem = Some("4");
                    }
                    g.sets.push(done);
                }
            }
        }
    }
    let iea = iea.ok_or("no IEA trailer")?;
    if iea.get(2) != x.control || iea.get(1) != x.groups.len().to_string() {
        return Err("IEA does not match the ISA control number or the group count".into());
    }
    Ok(x)
}

/// Builds one transaction set with `*`, `>`, `~`.
#[derive(Debug)]
pub(crate) struct SetW {
    segs: Vec<String>,
    control: String,
}

impl SetW {
    pub fn new(id: &str, control: &str) -> SetW {
        let mut w = SetW {
            segs: Vec::new(),
            control: control.to_string(),
        };
        w.seg("ST", &[id, control]);
        w
    }

    /// Add a segment, dropping trailing empty elements.
    pub fn seg(&mut self, id: &str, el: &[&str]) {
        let keep = el.iter().rposition(|e| !e.is_empty()).map_or(0, |i| i + 1);
        let mut s = id.to_string();
        for e in &el[..keep] {
            s.push('*');
            s.push_str(&clean(e));
        }
        self.segs.push(s);
    }

    pub fn finish(mut self) -> Vec<String> {
        let n = (self.segs.len() + 1).to_string();
        let c = self.control.clone();
        self.seg("SE", &[&n, &c]);
        self.segs
    }
}

/// Text without delimiters (X12 004010 has no escape).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '*' | '>' | '~') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A whole interchange with one group of `sets`.
pub(crate) fn envelope(
    from: &str,
    to: &str,
    control: u32,
    fid: &str,
    now: i64,
    sets: &[Vec<String>],
) -> String {
    let d = date8(now);
    let minutes = now.rem_euclid(86_400_000) / 60_000;
    let hhmm = format!("{:02}{:02}", minutes / 60, minutes % 60);
    let mut out = format!(
        "ISA*00*{:10}*00*{:10}*ZZ*{from:<15}*ZZ*{to:<15}*{}*{hhmm}*U*00401*{control:09}*0*P*>~\n",
        "",
        "",
        &d[2..]
    );
    out.push_str(&format!(
        "GS*{fid}*{from}*{to}*{d}*{hhmm}*{control}*X*004010~\n"
    ));
    for set in sets {
        for s in set {
            out.push_str(s);
            out.push_str("~\n");
        }
    }
    out.push_str(&format!(
        "GE*{}*{control}~\nIEA*1*{control:09}~\n",
        sets.len()
    ));
    out
}

/// A TA1-only interchange refusing `received` with note code `code`.
pub(crate) fn ta1(
    from: &str,
    to: &str,
    control: u32,
    received: &Interchange,
    code: &str,
    now: i64,
) -> String {
    let d = date8(now);
    format!(
        "ISA*00*{:10}*00*{:10}*ZZ*{from:<15}*ZZ*{to:<15}*{}*0000*U*00401*{control:09}*0*P*>~\nTA1*{}*{}*0000*R*{code}~\nIEA*0*{control:09}~\n",
        "",
        "",
        &d[2..],
        received.control,
        &d[2..]
    )
}

/// CCYYMMDD, UTC.
pub(crate) fn date8(ms: i64) -> String {
    mercato_sdk_date(ms)
}

fn mercato_sdk_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Midnight UTC of CCYYMMDD.
pub(crate) fn parse_date8(s: &str) -> Option<i64> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    let month: u8 = s[4..6].parse().ok()?;
    let day: u8 = s[6..].parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = date.midnight().assume_utc();
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// GS1 mod-10 check digit of `body` digits (SSCC, GTIN).
pub(crate) fn gs1_check(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + u8::try_from((10 - sum % 10) % 10).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_interchanges_parse_with_matching_counts() {
        let mut w = SetW::new("855", "0001");
        w.seg("BAK", &["00", "AD", "PO*1", "20260601", "", ""]);
        let text = envelope(
            "KEYSTONE",
            "PLANT3",
            12,
            "PR",
            1_780_308_000_000,
            &[w.finish()],
        );
        let x = parse(&text).expect("parses");
        assert_eq!(
            (x.sender.as_str(), x.control.as_str()),
            ("KEYSTONE", "000000012")
        );
        let set = &x.groups[0].sets[0];
        assert!(set.problem.is_none() && x.groups[0].problem.is_none());
        assert_eq!(set.segs[1].canonical(), "BAK*00*AD*PO 1*20260601");
        assert_eq!(parse_date8("20260601"), Some(1_780_272_000_000));
        assert_eq!(gs1_check("03600029145"), '2');
    }
}
