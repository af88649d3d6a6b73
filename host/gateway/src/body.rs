//! Request bodies read as JSON, with refusals in the API's words: the field's path, what
//! the API expects there and what came instead. Clients are programs and agents that read
//! the message; "expected u64 at line 1 column 33" names a Rust type and a byte position,
//! `page_size: expected a whole number from 0 to 4294967295, got the string "x"` names the fix.

use super::problem::ApiError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// `bytes` as a `T`, or a 400 saying where and why not.
///
/// Three steps, each refusing in the API's words: the bytes must be a JSON object; serde
/// reads it (naming the field and what it expected); then the body is checked against `T`'s
/// JSON Schema, the one the OpenAPI document and the MCP tools publish, so whatever the
/// document forbids is refused even where serde would take it (a struct written as a list,
/// a currency no one issues, a quantity of zero). Numbers written with a zero fraction
/// (`25.0`) are whole numbers, as JSON Schema counts them.
pub fn parse<T: DeserializeOwned + JsonSchema + 'static>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(explain(&path_error(e))))?;
    if !value.is_object() {
        return Err(ApiError::BadRequest(format!(
            "the body: expected an object, got {}",
            json_kind(&value)
        )));
    }
    checked(value)
}

/// `value`, an object of parameters or tool arguments, as a `T`: read and checked like a body
/// (see [`parse`]); the refusal calls the object's members `member`s ("parameter") and the
/// whole object "the `member`s".
pub fn parse_value<T: DeserializeOwned + JsonSchema + 'static>(
    value: Value,
    member: &str,
) -> Result<T, ApiError> {
    checked(value).map_err(|e| match e {
        ApiError::BadRequest(why) => {
            let why = match why.strip_prefix("the body") {
                Some(rest) => format!("the {member}s{rest}"),
                None => why,
            };
            let article = if member.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            ApiError::BadRequest(
                why.replace("not a field here", &format!("not {article} {member} here"))
                    .replace("the fields are", &format!("the {member}s are")),
            )
        }
        other => other,
    })
}

/// The object `value` as a `T`, read by serde and checked against `T`'s schema.
fn checked<T: DeserializeOwned + JsonSchema + 'static>(mut value: Value) -> Result<T, ApiError> {
    whole_numbers(&mut value);
    let parsed =
        serde_path_to_error::deserialize(&value).map_err(|e| ApiError::BadRequest(explain(&e)))?;
    if let Err(e) = validator::<T>().validate(&value) {
        return Err(ApiError::BadRequest(explain_schema(&value, &e)));
    }
    Ok(parsed)
}

/// `T`'s schema, compiled once.
fn validator<T: JsonSchema + 'static>() -> Arc<Validator> {
    static COMPILED: LazyLock<Mutex<HashMap<TypeId, Arc<Validator>>>> =
        LazyLock::new(Default::default);
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    compiled
        .entry(TypeId::of::<T>())
        .or_insert_with(|| {
            let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
            let mut schema = schema.to_value();
            super::openapi::bound_integers(&mut schema);
            Arc::new(
                jsonschema::draft202012::new(&schema)
                    .unwrap_or_else(|e| panic!("the schema of {}: {e}", T::schema_name())),
            )
        })
        .clone()
}

/// Floats with no fraction become integers, so `25.0` reads as 25 where a whole number is
/// expected (JSON Schema's `integer` includes it; serde's u64 does not). Only up to 2^53,
/// where every integer has its own float: a larger one may be a rounded neighbour of what the
/// client wrote (`-9223372036854775809` reads as -2^63), so it stays a float and is refused.
fn whole_numbers(value: &mut Value) {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() <= EXACT
            {
                // In ±2^53 the casts are exact.
                *n = if f >= 0.0 {
                    serde_json::Number::from(f as u64)
                } else {
                    serde_json::Number::from(f as i64)
                };
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// What a JSON value is, in words.
fn json_kind(v: &Value) -> &'static str {
    type_words(match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Object(_) => "object",
    })
}

/// A JSON pointer (`/lines/0/quantity`) as the API writes a field (`lines[0].quantity`).
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

/// A schema refusal in the API's words. Codes and quantities get the host's own wording
/// (the one [`crate::codes`] gives the other front ends).
fn explain_schema(root: &Value, e: &ValidationError<'_>) -> String {
    let pointer = e.instance_path().as_str().to_string();
    let at = field_path(&pointer);
    let here = place(&at).to_string();
    let instance = e.instance();
    if let Some(why) = quantity_refusal(root, &pointer) {
        return why;
    }
    match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => type_words(&t.to_string()).to_string(),
                TypeKind::Multiple(ts) => {
                    let words: Vec<&str> = ts.iter().map(|t| type_words(&t.to_string())).collect();
                    words.join(" or ")
                }
            };
            format!("{here}: expected {expected}, got {}", json_kind(instance))
        }
        ValidationErrorKind::Required { property } => {
            format!("{}: required", join(&at, property.as_str().unwrap_or("?")))
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => format!(
            "{}: not a field here",
            join(&at, unexpected.first().map_or("?", String::as_str))
        ),
        ValidationErrorKind::Enum { options } => {
            let names: Vec<String> = options
                .as_array()
                .map(|o| {
                    o.iter()
                        .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{here}: {instance} is not an allowed value; use one of {}",
                names.join(", ")
            )
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("{here}: must be {expected_value}")
        }
        ValidationErrorKind::Pattern { pattern } => {
            let text = instance.as_str().unwrap_or_default();
            let code = if *pattern == *crate::wire::codes::CURRENCY_PATTERN {
                crate::codes::currency(&here, text).err()
            } else if *pattern == *crate::wire::codes::COUNTRY_PATTERN {
                crate::codes::country(&here, text).err()
            } else if pattern == crate::wire::codes::UNIT_PATTERN {
                crate::codes::unit(&here, text).err()
            } else {
                None
            };
            match code {
                Some(refusal) => refusal.to_string(),
                None if pattern == "\\S" => format!("{here}: must not be blank"),
                None => format!("{here}: {instance} does not match the pattern {pattern}"),
            }
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("{here}: must be at least {limit} characters long")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{here}: must be at most {limit} characters long")
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("{here}: needs at least {limit} entries")
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("{here}: takes at most {limit} entries")
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{here}: {instance} is out of range; the least is {limit}")
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{here}: {instance} is out of range; the most is {limit}")
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // The alternative the value came closest to: not one refused for its type alone
            // (`null` in an optional field's `anyOf` is such an alternative).
            let nearest = context.iter().find(|errors| {
                !errors.iter().all(|err| {
                    matches!(err.kind(), ValidationErrorKind::Type { .. })
                        && err.instance_path().as_str() == pointer
                })
            });
            match nearest.and_then(|errors| errors.first()) {
                Some(inner) => explain_schema(root, inner),
                None => format!(
                    "{here}: {} is not one of the forms allowed here",
                    json_kind(instance)
                ),
            }
        }
        _ => format!("{here}: {e}"),
    }
}

/// JSON Schema's type names, in the API's words.
fn type_words(t: &str) -> &'static str {
    match t {
        "object" => "an object",
        "array" => "a list",
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "null" => "null",
        _ => "a value of another type",
    }
}

/// The host's refusal of the wanted quantity at or around `pointer`, if the refusal is
/// about one: `lines[0].quantity: must be more than zero`.
fn quantity_refusal(root: &Value, pointer: &str) -> Option<String> {
    let mut at = pointer;
    loop {
        if let Some(q) = root.pointer(at).and_then(as_quantity) {
            let field = field_path(at);
            let mut q = q;
            return crate::codes::wanted(&mut q, place(&field))
                .err()
                .map(|e| e.to_string());
        }
        at = &at[..at.rfind('/')?];
    }
}

/// `v` as a contract quantity, when it has exactly a quantity's shape.
fn as_quantity(v: &Value) -> Option<crate::contract::Quantity> {
    let o = v.as_object()?;
    if o.len() != 3 {
        return None;
    }
    Some(crate::contract::Quantity {
        steps: o.get("steps")?.as_u64()?,
        unit: o.get("unit")?.as_str()?.to_string(),
        scale: u8::try_from(o.get("scale")?.as_u64()?).ok()?,
    })
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
    use crate::api::{OffersRequest, SearchRequest};
    use crate::wire::PlaceOrder;

    fn refusal<T: DeserializeOwned + JsonSchema + std::fmt::Debug + 'static>(body: &str) -> String {
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

    /// Findings of schemathesis' negative and positive checks: serde took what the document
    /// forbids, and refused what it allows.
    #[test]
    fn what_the_document_forbids_is_refused_and_what_it_allows_is_taken() {
        let availability = |scope: &str| {
            format!(
                r#"{{"lines": [{{"line_id": "1", "item": {{"kind": "sku", "sku": "X"}},
                "quantity": {{"steps": 1, "unit": "C62", "scale": 0}}}}], "scope": {scope}}}"#
            )
        };
        let why = refusal::<crate::api::AvailabilityBody>(&availability("[null, null]"));
        assert_eq!(why, "scope: expected an object, got a list");
        let why = refusal::<SearchRequest>(r#"{"scope": {"country": "AA"}}"#);
        assert!(
            why.starts_with("scope.country: \"AA\" is not an ISO 3166-1"),
            "{why}"
        );
        let why = refusal::<SearchRequest>(r#"{"scope": {"currency": "AAA"}}"#);
        assert!(
            why.starts_with("scope.currency: \"AAA\" is not an active ISO 4217"),
            "{why}"
        );
        // Codes in any case and between blanks are the server's, and the schema's.
        assert!(
            parse::<SearchRequest>(br#"{"scope": {"country": " de ", "currency": "eur"}}"#).is_ok()
        );
        // 25.0 is a whole number.
        let ok: SearchRequest = parse(br#"{"page_size": 25.0, "scope": {"deadline_ms": 12975.0}}"#)
            .expect("whole floats");
        assert_eq!(ok.page_size, Some(25));
        assert!(refusal::<SearchRequest>(r#"{"page_size": 2.5}"#).starts_with("page_size: "));
        // Wanted quantities: more than zero, whole for counted units, in the host's words.
        let offers = |q: &str| format!(r#"{{"text": "nut", "quantity": {q}}}"#);
        let why = refusal::<OffersRequest>(&offers(r#"{"steps": 0, "unit": "C62", "scale": 0}"#));
        assert_eq!(why, "quantity: must be more than zero");
        let why = refusal::<OffersRequest>(&offers(r#"{"steps": 25, "unit": "C62", "scale": 1}"#));
        assert!(
            why.starts_with("quantity: 2.5 C62 is not a whole number"),
            "{why}"
        );
        assert!(
            parse::<OffersRequest>(
                offers(r#"{"steps": 20, "unit": "c62", "scale": 1}"#).as_bytes()
            )
            .is_ok()
        );
        assert!(
            parse::<OffersRequest>(
                offers(r#"{"steps": 25, "unit": "KGM", "scale": 1}"#).as_bytes()
            )
            .is_ok()
        );
    }
}
