//! The API reference for people, at `GET /reference`: one HTML page rendered from the same
//! OpenAPI document clients read, so the two cannot disagree. Everything is in the page
//! (inline style, no script, no fonts or assets from elsewhere), so it works offline and
//! behind a strict content security policy.

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// The page for `doc`.
pub fn render(doc: &Value) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let title = text(&doc["info"]["title"]);
    let version = text(&doc["info"]["version"]);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} API reference</title><style>{STYLE}</style></head><body>\
         <header><h1>{t} API reference <small>{v}</small></h1>\
         <p>{summary}</p><p>The same document as JSON: <a href=\"/openapi.json\">/openapi.json</a>.</p>\
         </header>",
        t = escape(&title),
        v = escape(&version),
        summary = inline(&text(&doc["info"]["summary"])),
    );
    for paragraph in text(&doc["info"]["description"]).split("\n\n") {
        let _ = write!(out, "<p>{}</p>", inline(paragraph));
    }
    let operations = operations(doc);
    out.push_str("<nav><h2>Operations</h2><ul>");
    for op in &operations {
        let _ = write!(
            out,
            "<li><a href=\"#{id}\"><code>{m} {p}</code></a> {s}</li>",
            id = escape(&op.id),
            m = op.method.to_uppercase(),
            p = escape(&op.path),
            s = escape(&text(&op.body["summary"])),
        );
    }
    out.push_str("</ul></nav><main>");
    for op in &operations {
        operation(&mut out, op);
    }
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            schema_section(&mut out, name, schema);
        }
    }
    out.push_str("</main></body></html>");
    out
}

/// One operation of the document.
struct Operation<'a> {
    id: String,
    method: String,
    path: String,
    body: &'a Value,
}

/// Every operation, by tag, then path.
fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut all = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, body) in item.as_object().into_iter().flatten() {
                all.push(Operation {
                    id: text(&body["operationId"]),
                    method: method.clone(),
                    path: path.clone(),
                    body,
                });
            }
        }
    }
    all.sort_by(|a, b| {
        (text(&a.body["tags"][0]), &a.path, &a.method).cmp(&(
            text(&b.body["tags"][0]),
            &b.path,
            &b.method,
        ))
    });
    all
}

fn operation(out: &mut String, op: &Operation) {
    let b = op.body;
    let _ = write!(
        out,
        "<section id=\"{id}\"><h3><code>{m} {p}</code></h3><p>{s}</p>",
        id = escape(&op.id),
        m = op.method.to_uppercase(),
        p = escape(&op.path),
        s = inline(&text(&b["summary"])),
    );
    if b["security"].as_array().is_some_and(Vec::is_empty) {
        out.push_str("<p class=\"note\">Public: no API key needed.</p>");
    }
    if let Some(params) = b["parameters"].as_array() {
        out.push_str(
            "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>",
        );
        for p in params {
            let _ = write!(
                out,
                "<tr><td><code>{n}</code>{r}</td><td>{i}</td><td>{t}</td><td>{d}</td></tr>",
                n = escape(&text(&p["name"])),
                r = if p["required"] == true {
                    " (required)"
                } else {
                    ""
                },
                i = escape(&text(&p["in"])),
                t = type_of(&p["schema"]),
                d = inline(&text(&p["description"])),
            );
        }
        out.push_str("</table>");
    }
    if let Some(content) = b["requestBody"]["content"].as_object() {
        out.push_str("<h4>Request body</h4><ul>");
        for (media, m) in content {
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(media),
                type_of(&m["schema"])
            );
        }
        out.push_str("</ul>");
    }
    out.push_str(
        "<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th><th>headers</th></tr>",
    );
    for (status, r) in b["responses"].as_object().into_iter().flatten() {
        let body: Vec<String> = r["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media, m)| {
                if m["schema"].is_null() {
                    format!("<code>{}</code>", escape(media))
                } else {
                    format!("<code>{}</code> {}", escape(media), type_of(&m["schema"]))
                }
            })
            .collect();
        let headers: Vec<String> = r["headers"]
            .as_object()
            .map(Map::keys)
            .into_iter()
            .flatten()
            .map(|h| format!("<code>{}</code>", escape(h)))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(status),
            escape(&text(&r["description"])),
            body.join("<br>"),
            headers.join(" ")
        );
    }
    out.push_str("</table></section>");
}

fn schema_section(out: &mut String, name: &str, schema: &Value) {
    let _ = write!(
        out,
        "<section id=\"schema-{n}\"><h3>{n}</h3>",
        n = escape(name)
    );
    if let Some(d) = schema["description"].as_str() {
        let _ = write!(out, "<p>{}</p>", inline(d));
    }
    if let Some(values) = schema["enum"].as_array() {
        let _ = write!(out, "<p>One of: {}</p>", values_list(values));
    }
    properties(out, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(cases) = schema[key].as_array() {
            out.push_str("<h4>One of</h4>");
            for case in cases {
                let kind = &case["properties"]["kind"];
                let label = kind["const"]
                    .as_str()
                    .or_else(|| kind["enum"][0].as_str())
                    .map(|k| format!("<code>\"kind\": \"{}\"</code>", escape(k)));
                let _ = write!(
                    out,
                    "<div class=\"case\"><p>{} {}</p>",
                    label.unwrap_or_else(|| type_of(case)),
                    inline(case["description"].as_str().unwrap_or_default())
                );
                properties(out, case);
                out.push_str("</div>");
            }
        }
    }
    out.push_str("</section>");
}

/// A table of an object schema's properties, if it has any.
fn properties(out: &mut String, schema: &Value) {
    let Some(props) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    out.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
    for (name, p) in props {
        let _ = write!(
            out,
            "<tr><td><code>{n}</code>{r}</td><td>{t}</td><td>{d}</td></tr>",
            n = escape(name),
            r = if required.contains(&name.as_str()) {
                " (required)"
            } else {
                ""
            },
            t = type_of(p),
            d = inline(p["description"].as_str().unwrap_or_default()),
        );
    }
    out.push_str("</table>");
}

/// A schema's type in a few words, with links to named schemas and its constraints.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{n}\">{n}</a>", n = escape(name));
    }
    if let Some(c) = schema.get("const") {
        return format!("<code>{}</code>", escape(&c.to_string()));
    }
    if let Some(values) = schema["enum"].as_array() {
        return format!("one of {}", values_list(values));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(cases) = schema[key].as_array() {
            return cases.iter().map(type_of).collect::<Vec<_>>().join(" or ");
        }
    }
    let base = match &schema["type"] {
        Value::String(t) if t == "array" => format!("list of {}", type_of(&schema["items"])),
        Value::String(t) => escape(t),
        Value::Array(ts) => ts
            .iter()
            .map(|t| {
                if t == "array" {
                    format!("list of {}", type_of(&schema["items"]))
                } else {
                    escape(&text(t))
                }
            })
            .collect::<Vec<_>>()
            .join(" or "),
        _ if schema["properties"].is_object() => "object".to_string(),
        _ => "any".to_string(),
    };
    let mut limits = Vec::new();
    for (key, word) in [
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "length ≥"),
        ("maxLength", "length ≤"),
        ("minItems", "items ≥"),
        ("maxItems", "items ≤"),
    ] {
        if let Some(n) = schema[key]
            .as_u64()
            .or_else(|| schema[key].as_i64().map(|n| n as u64))
        {
            limits.push(format!("{word} {n}"));
        }
    }
    if let Some(p) = schema["pattern"].as_str() {
        limits.push(format!("pattern <code>{}</code>", escape(p)));
    }
    if limits.is_empty() {
        base
    } else {
        format!("{base} ({})", limits.join(", "))
    }
}

fn values_list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| {
            format!(
                "<code>{}</code>",
                escape(v.as_str().unwrap_or(&v.to_string()))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with the document's inline markup: `code` and **strong**.
fn inline(s: &str) -> String {
    let escaped = escape(s);
    let mut out = String::with_capacity(escaped.len());
    for (n, part) in escaped.split('`').enumerate() {
        if n % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            for (m, piece) in part.split("**").enumerate() {
                if m % 2 == 1 {
                    let _ = write!(out, "<strong>{piece}</strong>");
                } else {
                    out.push_str(piece);
                }
            }
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;\
padding:1rem 2rem;color:#1b1f24}code{font:13px ui-monospace,monospace;background:#f3f4f6;\
padding:0 .2em;border-radius:3px}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}section{border-top:1px solid #d0d7de;margin-top:1.5rem}\
h3 code{font-size:15px}small{color:#57606a;font-weight:normal}.note{color:#57606a}\
.case{margin-left:1rem;border-left:3px solid #d0d7de;padding-left:.75rem}nav ul{columns:2}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_document_is_escaped() {
        let doc = serde_json::json!({
            "info": { "title": "<script>", "version": "1", "summary": "a `b<c>` **d**",
                      "description": "x" },
            "paths": {}, "components": { "schemas": {} }
        });
        let page = render(&doc);
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("<code>b&lt;c&gt;</code> <strong>d</strong>"));
    }
}
