//! Reading cXML: the DOCTYPE every cXML document carries, the envelope, Status, and values
//! (money, quantities, timestamps) with errors that name the element.

use mercato_sdk::exact::{self, Currency, Decimal, RoundingMode, Unit};
use mercato_sdk::time::parse_rfc3339;
use mercato_sdk::xml::{Element, XmlError, parse};

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DocError {
    /// Not well-formed XML, or not UTF-8.
    #[error("{0}")]
    Xml(#[from] XmlError),
    /// Another document than expected.
    #[error("expected {expected}, got {found}")]
    WrongDocument {
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A required element or attribute is absent or empty.
    #[error("{element} is missing")]
    Missing {
        /// Path of the element.
        element: String,
    },
    /// A value that cannot be used.
    #[error("{element} is {value:?}: {reason}")]
    Invalid {
        /// Path of the element.
        element: String,
        /// The text found.
        value: String,
        /// What was expected.
        reason: String,
    },
}

impl DocError {
    /// The element the error is about ("body" when the document itself is unreadable).
    pub fn element(&self) -> String {
        match self {
            DocError::Xml(_) | DocError::WrongDocument { .. } => "body".to_string(),
            DocError::Missing { element } | DocError::Invalid { element, .. } => element.clone(),
        }
    }

    pub fn missing(element: impl Into<String>) -> Self {
        DocError::Missing {
            element: element.into(),
        }
    }

    pub fn invalid(element: impl Into<String>, value: &str, reason: impl Into<String>) -> Self {
        DocError::Invalid {
            element: element.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Parse a cXML body. cXML documents name their DTD (`<!DOCTYPE cXML SYSTEM "…cXML.dtd">`);
/// the SDK's reader refuses DTDs so that no entity is ever expanded, so a DOCTYPE with only a
/// SYSTEM identifier is dropped before parsing; one with an internal subset stays and is refused.
pub(crate) fn parse_body(body: &[u8]) -> Result<Element, DocError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| DocError::Xml(XmlError::Malformed(format!("the body is not UTF-8: {e}"))))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let stripped;
    let text = match text.find("<!DOCTYPE") {
        Some(start) => match text[start..].find('>') {
            Some(end) if !text[start..start + end].contains('[') => {
                stripped = format!("{}{}", &text[..start], &text[start + end + 1..]);
                stripped.as_str()
            }
            _ => text,
        },
        None => text,
    };
    Ok(parse(text)?)
}

/// The message a cXML envelope carries: `Request/ConfirmationRequest` → "ConfirmationRequest".
pub(crate) fn message_kind(root: &Element) -> Option<&str> {
    if root.name != "cXML" {
        return None;
    }
    root.children
        .iter()
        .find(|c| matches!(c.name.as_str(), "Request" | "Response" | "Message"))
        .and_then(|m| m.children.iter().find(|c| c.name != "Status"))
        .map(|c| c.name.as_str())
        .or_else(|| root.child("Response").map(|_| "Response"))
}

/// `Response/Status` of a cXML answer: code and `reason: text` content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Status {
    /// `code` (200, 409 …).
    pub code: u16,
    /// The reason token before the first `:` of the content, if any.
    pub reason: Option<String>,
    /// The whole content, or the `text` attribute when empty.
    pub text: String,
}

/// The Status of a cXML Response body, if it is one.
pub(crate) fn status(body: &[u8]) -> Option<Status> {
    let root = parse_body(body).ok()?;
    let s = root.find("Response/Status")?;
    let code = s.attr("code")?.trim().parse().ok()?;
    let content = s.value().unwrap_or_default();
    let reason = content
        .split_once(':')
        .map(|(r, _)| r.trim())
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .map(str::to_string);
    let text = if content.is_empty() {
        s.attr("text").unwrap_or_default().to_string()
    } else {
        content.to_string()
    };
    Some(Status { code, reason, text })
}

/// A required attribute.
pub(crate) fn attr<'a>(el: &'a Element, path: &str, name: &str) -> Result<&'a str, DocError> {
    el.attr(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| DocError::missing(format!("{path}/@{name}")))
}

/// A required child's text.
pub(crate) fn text<'a>(el: &'a Element, path: &str, child: &str) -> Result<&'a str, DocError> {
    el.text_at(child)
        .ok_or_else(|| DocError::missing(format!("{path}/{child}")))
}

/// An `Extrinsic` child by name.
pub(crate) fn extrinsic<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.children("Extrinsic")
        .find(|e| e.attr("name") == Some(name))
        .and_then(Element::value)
}

/// A cXML timestamp (ISO 8601 with offset).
pub(crate) fn timestamp(value: &str, path: &str) -> Result<i64, DocError> {
    parse_rfc3339(value.trim()).map_err(|e| DocError::invalid(path, value, e.to_string()))
}

/// A decimal number.
pub(crate) fn decimal(value: &str, path: &str) -> Result<Decimal, DocError> {
    Decimal::parse(value.trim()).map_err(|e| DocError::invalid(path, value, e.to_string()))
}

/// A `Money` element: its currency (ISO 4217) and its exact amount.
pub(crate) fn money_value(el: &Element, path: &str) -> Result<(Currency, Decimal), DocError> {
    let code = attr(el, path, "currency")?;
    // ISO 4217 codes are upper case; the contract refuses any other form.
    if !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DocError::invalid(
            format!("{path}/@currency"),
            code,
            "not an upper-case ISO 4217 code",
        ));
    }
    let currency = Currency::parse(code)
        .map_err(|e| DocError::invalid(format!("{path}/@currency"), code, e.to_string()))?;
    let value = el.value().ok_or_else(|| DocError::missing(path))?;
    Ok((currency, decimal(value, path)?))
}

/// A `Money` element as an amount that must fit the currency's minor unit exactly.
pub(crate) fn money(el: &Element, path: &str) -> Result<exact::Money, DocError> {
    let (currency, value) = money_value(el, path)?;
    let text = el.value().unwrap_or_default();
    let rounded = value
        .rescale(currency.minor_unit_digits(), RoundingMode::HalfUp)
        .map_err(|e| DocError::invalid(path, text, e.to_string()))?;
    if rounded != value {
        return Err(DocError::invalid(
            path,
            text,
            format!(
                "an amount in {currency} has at most {} decimals",
                currency.minor_unit_digits()
            ),
        ));
    }
    exact::Money::from_decimal(currency, value, RoundingMode::HalfUp)
        .map_err(|e| DocError::invalid(path, text, e.to_string()))
}

/// A quantity attribute in a Rec 20 unit (cXML `UnitOfMeasure` is UN/CEFACT Rec 20).
pub(crate) fn quantity(value: &str, unit: &str, path: &str) -> Result<exact::Quantity, DocError> {
    let unit = Unit::parse(unit.trim())
        .map_err(|e| DocError::invalid(format!("{path}/UnitOfMeasure"), unit, e.to_string()))?;
    let d = decimal(value, path)?;
    if d.is_negative() {
        return Err(DocError::invalid(
            path,
            value,
            "a quantity cannot be negative",
        ));
    }
    exact::Quantity::from_decimal(d, unit)
        .map_err(|e| DocError::invalid(path, value, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_system_doctype_is_dropped_and_an_internal_subset_refused() {
        let ok = br#"<?xml version="1.0"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="p"><Response><Status code="200" text="OK"/></Response></cXML>"#;
        let root = parse_body(ok).expect("parses");
        assert_eq!(message_kind(&root), Some("Response"));
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY a "aaaa">]><cXML>&a;</cXML>"#;
        assert!(parse_body(bomb).is_err());
    }

    #[test]
    fn status_reason_and_text_are_read() {
        let body = br#"<cXML><Response><Status code="409" text="Conflict">payload-conflict: used before</Status></Response></cXML>"#;
        let s = status(body).expect("status");
        assert_eq!(s.code, 409);
        assert_eq!(s.reason.as_deref(), Some("payload-conflict"));
        let plain = br#"<cXML><Response><Status code="200" text="OK"/></Response></cXML>"#;
        let s = status(plain).expect("status");
        assert_eq!((s.code, s.reason, s.text.as_str()), (200, None, "OK"));
        assert!(status(b"not xml").is_none());
    }

    #[test]
    fn money_must_fit_the_minor_unit() {
        let root = parse(r#"<Money currency="EUR">12.345</Money>"#).expect("xml");
        assert!(money(&root, "Money").is_err());
        let root = parse(r#"<Money currency="EUR">12.30</Money>"#).expect("xml");
        assert_eq!(money(&root, "Money").expect("money").minor(), 1230);
        let root = parse(r#"<Money currency="eur">1</Money>"#).expect("xml");
        assert!(money(&root, "Money").is_err());
    }
}
