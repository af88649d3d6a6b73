//! The JSON Schemas of the codes and quantities a request may carry, stated exactly: the
//! codes the host knows (every active ISO 4217 currency, every ISO 3166-1 alpha-2 country),
//! in any case and between blanks as [`crate::codes`] accepts them, and the quantities it
//! takes for an order or quote (more than zero; whole for a unit that counts things). The
//! gateway checks every body against these schemas, so what the document allows is what the
//! server takes, and a client or test generator reading it never meets a surprise refusal.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;
use std::sync::LazyLock;

/// The blanks [`crate::codes`] trims around a code (ASCII only: what the schema states).
const BLANK: &str = "[ \\t\\r\\n]*";

/// `code` matched in either case: `EUR` → `[Ee][Uu][Rr]`.
fn any_case(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One of `codes`, in any case, between blanks.
fn one_of(codes: impl IntoIterator<Item = String>) -> String {
    let alternatives: Vec<String> = codes.into_iter().map(|c| any_case(&c)).collect();
    format!("^{BLANK}(?:{}){BLANK}$", alternatives.join("|"))
}

/// Every code [`crate::codes::currency`] accepts, upper case.
pub fn currencies() -> Vec<String> {
    let letters = || b'A'..=b'Z';
    letters()
        .flat_map(|a| letters().flat_map(move |b| letters().map(move |c| [a, b, c])))
        .filter_map(|code| {
            let code = String::from_utf8(code.to_vec()).ok()?;
            mercato_sdk::exact::Currency::parse(&code)
                .ok()
                .map(|_| code)
        })
        .collect()
}

/// The pattern of a currency code.
pub static CURRENCY_PATTERN: LazyLock<String> = LazyLock::new(|| one_of(currencies()));

/// The pattern of a country code (ISO 3166-1 alpha-2).
pub static COUNTRY_PATTERN: LazyLock<String> = LazyLock::new(|| {
    let mut codes: Vec<String> = isocountry::CountryCode::iter()
        .map(|c| c.alpha2().to_string())
        .collect();
    codes.sort();
    one_of(codes)
});

/// The pattern of a unit code: the shape of a UN/CEFACT Rec 20 code.
pub const UNIT_PATTERN: &str = "^[ \\t\\r\\n]*[A-Za-z0-9]{1,3}[ \\t\\r\\n]*$";

/// The pattern of the units whose quantities are whole numbers.
static COUNTED_PATTERN: LazyLock<String> = LazyLock::new(|| {
    one_of(
        crate::codes::COUNTED
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    )
});

/// A schema type for a code: its name is the type's, its pattern what the host accepts.
macro_rules! code_schema {
    ($(#[$doc:meta])* $name:ident, $what:literal, $pattern:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "description": concat!(
                        $what,
                        " Upper case is the canonical spelling; lower case and surrounding \
                         blanks are accepted and normalised."
                    ),
                    "pattern": $pattern,
                })
            }
        }
    };
}

code_schema!(
    /// An ISO 4217 currency code (`EUR`), in schemas.
    CurrencyCode,
    "An active ISO 4217 currency code (`EUR`, `USD`, `CHF`).",
    *CURRENCY_PATTERN
);

code_schema!(
    /// An ISO 3166-1 alpha-2 country code (`DE`), in schemas.
    CountryCode,
    "An ISO 3166-1 alpha-2 country code (`DE`, `FR`, `US`; `GB`, not `UK`).",
    *COUNTRY_PATTERN
);

code_schema!(
    /// A UN/CEFACT Rec 20 unit code (`C62`), in schemas.
    UnitCode,
    "A UN/CEFACT Recommendation 20 unit code: `C62` one (a piece), `EA` each, `KGM` \
     kilogram, `MTR` metre, `PK` pack, `BX` box.",
    UNIT_PATTERN
);

/// A quantity to quote or order, in schemas: a [`super::Quantity`] of more than zero, and of
/// whole items when its unit counts things (`C62`, `EA`, `PK`, …): `2.5 C62` is refused, `2.0
/// C62` (steps 20, scale 1) is 2 pieces.
pub struct WantedQuantity;

impl JsonSchema for WantedQuantity {
    fn schema_name() -> Cow<'static, str> {
        "WantedQuantity".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let quantity = g.subschema_for::<super::Quantity>();
        // A counted unit's steps are a multiple of 10^scale: one case per scale.
        let whole: Vec<serde_json::Value> = (0..=crate::codes::MAX_QUANTITY_SCALE)
            .map(|scale| {
                let per_unit = 10u64.pow(u32::from(scale));
                serde_json::json!({
                    "properties": {
                        "scale": { "const": scale },
                        "steps": { "multipleOf": per_unit }
                    }
                })
            })
            .collect();
        json_schema!({
            "description": "A quantity wanted: more than zero, and a whole number of items when \
                the unit counts things (C62, EA, PK, BX, SET, …).",
            "allOf": [quantity],
            "properties": { "steps": { "minimum": 1 } },
            "if": {
                "properties": { "unit": { "pattern": *COUNTED_PATTERN } },
                "required": ["unit"]
            },
            "then": { "anyOf": whole }
        })
    }
}

/// A unit price a buyer sends (the price it expects or hopes for), in schemas: a
/// [`super::Price`] that is not negative, for more than zero units.
pub struct WantedPrice;

impl JsonSchema for WantedPrice {
    fn schema_name() -> Cow<'static, str> {
        "WantedPrice".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let price = g.subschema_for::<super::Price>();
        let basis = g.subschema_for::<WantedQuantity>();
        json_schema!({
            "description": "A unit price: not negative, for a basis of more than zero units.",
            "allOf": [price],
            "properties": {
                "amount": { "properties": { "mantissa": { "minimum": 0 } } },
                "basis": basis
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        jsonschema::is_valid(
            &serde_json::json!({ "type": "string", "pattern": pattern }),
            &serde_json::json!(text),
        )
    }

    #[test]
    fn code_patterns_take_what_the_host_takes_and_nothing_else() {
        for ok in ["EUR", "eur", " chf ", "Jpy"] {
            assert!(matches(&CURRENCY_PATTERN, ok), "{ok}");
            assert!(crate::codes::currency("c", ok).is_ok(), "{ok}");
        }
        for bad in ["AAA", "EURO", "XTS", "HRK", "E UR", ""] {
            assert!(!matches(&CURRENCY_PATTERN, bad), "{bad}");
            assert!(crate::codes::currency("c", bad).is_err(), "{bad}");
        }
        for ok in ["DE", "de", " fr\n", "GB"] {
            assert!(matches(&COUNTRY_PATTERN, ok), "{ok}");
            assert!(crate::codes::country("c", ok).is_ok(), "{ok}");
        }
        for bad in ["AA", "UK", "DEU", "D", ""] {
            assert!(!matches(&COUNTRY_PATTERN, bad), "{bad}");
            assert!(crate::codes::country("c", bad).is_err(), "{bad}");
        }
        assert!(matches(UNIT_PATTERN, " c62 "));
        assert!(!matches(UNIT_PATTERN, "C 62"));
    }
}
