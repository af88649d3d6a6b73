//! Request bodies read as JSON, with refusals in the API's words: the field's path, what
//! the API expects there and what came instead. Clients are programs and agents that read
//! the message; "expected u64 at line 1 column 33" names a Rust type and a byte position,
//! `page_size: expected a whole number from 0 to 4294967295, got the string "x"` names the fix.

use super::problem::ApiError;
use serde::de::DeserializeOwned;

/// `bytes` as a `T`, or a 400 saying where and why not. Every body is a JSON object (serde
/// would also take a struct's fields as a list, in order: a client's mistake, not a form).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes)
    {
        let got = match v {
            serde_json::Value::Array(_) => "a list",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::Bool(_) => "true or false",
            serde_json::Value::Null => "null",
            serde_json::Value::Object(_) => "an object",
        };
        return Err(ApiError::BadRequest(format!(
            "the body: expected an object, got {got}"
        )));
    }
    let mut json = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut json)
        .and_then(|v| json.end().map(|()| v).map_err(path_error))
        .map_err(|e| ApiError::BadRequest(explain(&e)))
}

/// A trailing-data error has no path: it is about the body as a whole.
fn path_error(e: serde_json::Error) -> serde_path_to_error::Error<serde_json::Error> {
    serde_path_to_error::Error::new(serde_path_to_error::Track::new().path(), e)
}

/// The refusal in words, starting with the field it is about.
pub fn explain(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = e.inner();
    let at = match e.path().to_string().as_str() {
        "." | "" => String::new(),
        p => p.to_string(),
    };
    if inner.is_syntax() || inner.is_eof() {
        let what = if inner.is_eof() {
            "it ends before the JSON is complete".to_string()
        } else {
            bare(&inner.to_string())
        };
        return format!(
            "the body is not valid JSON: {what} (line {}, column {})",
            inner.line(),
            inner.column()
        );
    }
    let message = bare(&inner.to_string());
    let field = |name: &str| join(&at, name);
    if let Some(name) = between(&message, "missing field `", "`") {
        return format!("{}: required", field(name));
    }
    if let Some(name) = between(&message, "unknown field `", "`") {
        // The path already ends at the unknown key.
        let at = if at == name || at.ends_with(&format!(".{name}")) {
            at.clone()
        } else {
            field(name)
        };
        return format!(
            "{at}: not a field here{}",
            allowed(&message, "; the fields are ")
        );
    }
    if let Some(value) = between(&message, "unknown variant `", "`") {
        return format!(
            "{}: `{value}` is not an allowed value{}",
            place(&at),
            allowed(&message, "; use one of ")
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((got, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "{}: expected {}, got {}",
            place(&at),
            expectation(expected),
            found(got)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((got, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "{}: {} is out of range; expected {}",
            place(&at),
            found(got),
            expectation(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((n, expected)) = rest.split_once(", expected ")
    {
        return format!("{}: {n} entries; expected {expected}", place(&at));
    }
    // The host's own checks inside deserialisation already speak the API's language.
    format!("{}: {message}", place(&at))
}

/// The message without serde_json's " at line L column C".
fn bare(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn place(at: &str) -> &str {
    if at.is_empty() { "the body" } else { at }
}

/// The allowed names serde lists (`expected one of `a`, `b``), as `a, b`.
fn allowed(message: &str, lead: &str) -> String {
    let Some(i) = message.find("expected ") else {
        return String::new();
    };
    let names: Vec<&str> = message[i..]
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("{lead}{}", names.join(", "))
    }
}

/// What serde expected, as the API describes it.
fn expectation(expected: &str) -> String {
    let whole = |max: &str| format!("a whole number from 0 to {max}");
    match expected {
        "u8" => whole("255"),
        "u16" => whole("65535"),
        "u32" => whole("4294967295"),
        "u64" => whole("18446744073709551615"),
        "i8" | "i16" | "i32" | "i64" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" | "bool" => "true or false".to_string(),
        "a string" | "string" | "a borrowed string" | "a char" => "a string".to_string(),
        "a sequence" | "a list" => "a list".to_string(),
        "unit" => "null".to_string(),
        e if e.starts_with("struct ") || e == "a map" || e == "map" => "an object".to_string(),
        e if e.starts_with("internally tagged enum") || e.starts_with("enum ") => {
            "an object with a `kind`".to_string()
        }
        e if e.starts_with("tuple") => "a list".to_string(),
        other => other.to_string(),
    }
}

/// What came instead, as JSON calls it.
fn found(got: &str) -> String {
    let quoted = |s: &str| s.trim_matches('`').to_string();
    if let Some(s) = got.strip_prefix("string ") {
        return format!("the string {s}");
    }
    if let Some(n) = got
        .strip_prefix("integer ")
        .or_else(|| got.strip_prefix("floating point "))
    {
        return format!("the number {}", quoted(n));
    }
    if let Some(b) = got.strip_prefix("boolean ") {
        return quoted(b);
    }
    match got {
        "map" => "an object".to_string(),
        "sequence" => "a list".to_string(),
        "null" | "unit value" => "null".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::api::{OffersRequest, SearchRequest};
    use crate::wire::PlaceOrder;

    fn refusal<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> String {
        match parse::<T>(body.as_bytes()) {
            Err(ApiError::BadRequest(why)) => why,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn refusals_name_the_field_and_speak_json_not_rust() {
        let cases = [
            (
                refusal::<SearchRequest>(r#"{"page_size": "x"}"#),
                r#"page_size: expected a whole number from 0 to 4294967295, got the string "x""#,
            ),
            (
                refusal::<SearchRequest>(r#"{"page_size": -1}"#),
                "page_size: the number -1 is out of range; expected a whole number from 0 to 4294967295",
            ),
            (
                refusal::<SearchRequest>(r#"{"scope": {"colour": "red"}}"#),
                "scope.colour: not a field here; the fields are currency, country, suppliers, deadline_ms",
            ),
            (
                refusal::<OffersRequest>(r#"{"text": "bolt"}"#),
                "quantity: required",
            ),
            (
                refusal::<SearchRequest>(r#"{"in_stock_only": "yes"}"#),
                r#"in_stock_only: expected true or false, got the string "yes""#,
            ),
            (
                refusal::<SearchRequest>(r#"["bolt"]"#),
                "the body: expected an object, got a list",
            ),
            (
                refusal::<SearchRequest>(r#"{"text": "bolt"} {}"#),
                "the body is not valid JSON: trailing characters (line 1, column 18)",
            ),
            (
                refusal::<SearchRequest>(r#"{"text": "bolt""#),
                "the body is not valid JSON: it ends before the JSON is complete (line 1, column 15)",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn variants_and_enum_values_list_what_is_allowed() {
        let order = |lines: &str, partial: &str| {
            format!(
                r#"{{"supplier": "voltaic", "buyer_po": "PO-1", "lines": {lines},
                   "ship_to": {{"lines": [], "city": "Stuttgart", "country": "DE"}},
                   "partial_delivery": {partial},
                   "max_total": {{"currency": "EUR", "minor": 100}}}}"#
            )
        };
        let line = r#"[{"line_id": "1", "item": {"kind": "part", "sku": "X"},
                        "quantity": {"steps": 1, "unit": "C62", "scale": 0}}]"#;
        let why = refusal::<PlaceOrder>(&order(line, r#""allow""#));
        assert_eq!(
            why,
            "lines[0].item.kind: `part` is not an allowed value; use one of sku, gtin, mpn, buyer_part"
        );
        let line = line.replace(r#""kind": "part", "#, "");
        let why = refusal::<PlaceOrder>(&order(&line, r#""allow""#));
        assert_eq!(why, "lines[0].item.kind: required");
        let line = line.replace(r#"{"sku""#, r#"{"kind": "sku", "sku""#);
        let why = refusal::<PlaceOrder>(&order(&line, r#""Allow""#));
        assert_eq!(
            why,
            "partial_delivery: `Allow` is not an allowed value; use one of allow, ship_complete, cancel_backorders"
        );
        assert!(parse::<PlaceOrder>(order(&line, r#""allow""#).as_bytes()).is_ok());
    }
}
