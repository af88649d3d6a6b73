//! One event, one log line. Text that reaches the host's log from an adapter (its log calls,
//! its stdout and stderr, URLs it asked for, messages in its errors) may hold line breaks and
//! terminal controls; written as they are, one adapter line could forge several host lines.
//! [`escape`] makes such text safe at its source, and [`OneLine`] guarantees the property for
//! every event the command line writes, whatever its origin.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether `c` would break a line or control a terminal if written as it is.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` with line breaks and control characters written as escapes (`\n`, `\r`, `\u{1b}`),
/// so it prints on one line and cannot drive a terminal.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, unsafe_char)
}

/// `text` with the characters `needs` picks written as escapes.
fn escape_where(text: &str, needs: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The runtime's own crates log every host call with its arguments at `trace`, and what a
/// guest writes to stdout at `debug`: bytes an adapter chooses, in sizes no quota bounds. A
/// filter that does not name them explicitly keeps them at `info`.
const RUNTIME_CRATES: [&str; 4] = [
    "wasmtime",
    "wasmtime_wasi",
    "wasmtime_wasi_http",
    "wasmtime_wasi_io",
];

/// `filter` (an `EnvFilter` directive list) with the runtime's crates kept at `info` unless
/// it names them itself.
pub fn with_quiet_runtime(filter: &str) -> String {
    if filter.contains("wasmtime") {
        return filter.to_string();
    }
    let mut out = filter.to_string();
    for krate in RUNTIME_CRATES {
        out.push_str(&format!(",{krate}=info"));
    }
    out
}

/// `text` cut to at most `max` bytes on a character boundary, with an ellipsis when cut.
pub fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// A writer for `tracing_subscriber::fmt` that keeps each event on one line: a line break
/// inside an event becomes `\n`, and only the event's final newline is written as one.
///
/// The formatter renders an event into one buffer and writes it with one `write_all`, so every
/// `write` here is exactly one event.
#[derive(Debug, Clone, Copy)]
pub struct OneLine<M> {
    inner: M,
    /// Whether the terminal colours are on; then escape sequences are the formatter's own.
    ansi: bool,
}

impl<M> OneLine<M> {
    /// Wrap `inner`; `ansi` says whether the formatter writes terminal colours.
    pub fn new(inner: M, ansi: bool) -> Self {
        OneLine { inner, ansi }
    }
}

/// The writer [`OneLine`] hands out for one event.
#[derive(Debug)]
pub struct OneLineWriter<W> {
    inner: W,
    ansi: bool,
}

impl<W: Write> Write for OneLineWriter<W> {
    fn write(&mut self, event: &[u8]) -> io::Result<usize> {
        let (body, newline) = match event.strip_suffix(b"\n") {
            Some(body) => (body, true),
            None => (event, false),
        };
        let text = String::from_utf8_lossy(body);
        let ansi = self.ansi;
        match escape_where(&text, |c| unsafe_char(c) && !(ansi && c == '\u{1b}')) {
            Cow::Borrowed(_) => self.inner.write_all(event)?,
            Cow::Owned(mut line) => {
                if newline {
                    line.push('\n');
                }
                self.inner.write_all(line.as_bytes())?;
            }
        }
        Ok(event.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<'a, M> tracing_subscriber::fmt::MakeWriter<'a> for OneLine<M>
where
    M: tracing_subscriber::fmt::MakeWriter<'a>,
{
    type Writer = OneLineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        OneLineWriter {
            inner: self.inner.make_writer(),
            ansi: self.ansi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_has_no_line_breaks_or_controls() {
        let forged = "ok\n2026-12-06T00:00:00Z ERROR mercato: forged\r\x1b[2Kgone\u{2028}x";
        let escaped = escape(forged);
        assert!(!escaped.chars().any(unsafe_char), "{escaped}");
        assert_eq!(
            escaped,
            "ok\\n2026-12-06T00:00:00Z ERROR mercato: forged\\r\\u{1b}[2Kgone\\u{2028}x"
        );
        assert!(matches!(escape("plain\ttext"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_runtime_stays_at_info_unless_named() {
        assert_eq!(
            with_quiet_runtime("debug"),
            "debug,wasmtime=info,wasmtime_wasi=info,wasmtime_wasi_http=info,wasmtime_wasi_io=info"
        );
        assert_eq!(with_quiet_runtime("wasmtime=trace"), "wasmtime=trace");
    }

    #[test]
    fn cut_keeps_characters_whole() {
        assert_eq!(cut("ééé".to_string(), 3), "é…");
        assert_eq!(cut("abc".to_string(), 3), "abc");
    }

    #[test]
    fn the_writer_keeps_one_event_on_one_line() {
        let mut out = Vec::new();
        let mut w = OneLineWriter {
            inner: &mut out,
            ansi: false,
        };
        w.write_all(b"INFO adapter: line one\nERROR forged\r\n")
            .expect("written");
        w.write_all(b"INFO next\n").expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "INFO adapter: line one\\nERROR forged\\r\nINFO next\n"
        );
    }

    #[test]
    fn the_writer_keeps_the_formatters_colours_only_when_they_are_on() {
        let coloured = b"\x1b[32mINFO\x1b[0m x\n";
        let mut out = Vec::new();
        OneLineWriter {
            inner: &mut out,
            ansi: true,
        }
        .write_all(coloured)
        .expect("written");
        assert_eq!(out, coloured);
        let mut out = Vec::new();
        OneLineWriter {
            inner: &mut out,
            ansi: false,
        }
        .write_all(coloured)
        .expect("written");
        assert!(!out.contains(&0x1b));
    }
}
