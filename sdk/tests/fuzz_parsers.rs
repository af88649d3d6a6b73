//! Every parser the host or an adapter feeds untrusted text goes through: arbitrary input ends
//! in a value or a typed error, never a panic. Inputs are both unstructured (any characters)
//! and shaped like the real thing (digits, separators, signs, tags), so the search reaches the
//! parsers' inner branches.
//!
//! CI runs proptest's default number of cases; a long campaign sets `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=2000000 cargo test --release -p mercato-sdk --all-features --test fuzz_parsers`.

use mercato_sdk::exact::{Currency, Decimal, Unit};
use mercato_sdk::formats::{self, NumberLocale};
use mercato_sdk::gtin::Gtin;
use proptest::prelude::*;

fn locale() -> impl Strategy<Value = NumberLocale> {
    prop_oneof![
        Just(NumberLocale::Auto),
        Just(NumberLocale::PointDecimal),
        Just(NumberLocale::CommaDecimal),
    ]
}

/// Text built from the pieces supplier number formats are made of.
fn numberish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[0-9]{1,25}",
            Just(".".to_string()),
            Just(",".to_string()),
            Just("'".to_string()),
            Just(" ".to_string()),
            Just("\u{a0}".to_string()),
            Just("-".to_string()),
            Just("+".to_string()),
            Just("€".to_string()),
            Just("EUR".to_string()),
            Just("/".to_string()),
            Just("per".to_string()),
            Just("pc".to_string()),
            Just("days".to_string()),
            Just(">".to_string()),
            Just("e".to_string()),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn number_formats_never_panic(s in numberish(), any in ".{0,64}", l in locale()) {
        for text in [&s, &any] {
            let _ = formats::parse_decimal(text, l);
            let _ = formats::parse_price(text, l);
            let _ = formats::parse_stock(text, l);
            let _ = formats::parse_lead_time_days(text);
        }
    }

    #[test]
    fn a_parsed_decimal_prints_back_to_itself(s in numberish(), l in locale()) {
        if let Ok(d) = formats::parse_decimal(&s, l) {
            let printed = d.to_string();
            prop_assert_eq!(Decimal::parse(&printed).ok(), Some(d), "{} → {}", s, printed);
        }
    }

    #[test]
    fn exact_codes_and_gtins_never_panic(s in ".{0,40}", digits in "[0-9]{0,20}") {
        let _ = Decimal::parse(&s);
        let _ = Currency::parse(&s);
        let _ = Unit::parse(&s);
        let _ = Gtin::parse(&s);
        let _ = Gtin::parse(&digits);
    }
}

#[cfg(feature = "manifest")]
mod manifest {
    use mercato_sdk::manifest::Manifest;
    use mercato_sdk::manifest::hosts::AllowedHost;
    use proptest::prelude::*;

    /// Manifest-shaped text: real keys and tables, values of every kind.
    fn manifestish() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("supplier"),
            Just("version"),
            Just("publisher"),
            Just("url"),
            Just("purpose"),
            Just("description"),
            Just("required"),
            Just("attach"),
            Just("header"),
            Just("format"),
            Just("call-timeout-ms"),
            Just("memory-mib"),
        ];
        let value = prop_oneof![
            "\"[ -~]{0,30}\"".prop_map(|s| s),
            "-?[0-9]{1,22}".prop_map(|s| s),
            Just("true".to_string()),
            Just("{ header = \"X-Key\" }".to_string()),
            Just("\"{{ base-url }}\"".to_string()),
            Just("\"https://[::1]:99999\"".to_string()),
        ];
        let table = prop_oneof![
            Just("[adapter]"),
            Just("[[outbound]]"),
            Just("[settings.base-url]"),
            Just("[secrets.api-key]"),
            Just("[limits]"),
        ];
        prop::collection::vec(
            prop_oneof![
                table.prop_map(str::to_string),
                (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
            ],
            0..16,
        )
        .prop_map(|lines| lines.join("\n"))
    }

    proptest! {
        #[test]
        fn manifests_never_panic(text in manifestish(), any in ".{0,200}") {
            let _ = Manifest::parse(&text);
            let _ = Manifest::parse(&any);
        }

        #[test]
        fn host_grants_never_panic(s in "(https?://)?[a-z0-9.:@*/\\[\\]]{0,40}") {
            let _ = AllowedHost::parse(&s);
        }
    }
}

#[cfg(feature = "xml")]
mod xml {
    use proptest::prelude::*;

    /// XML-shaped text: tags, attributes, entities, CDATA, namespaces.
    fn xmlish() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("<a>"),
                Just("</a>"),
                Just("<b x=\"1\">"),
                Just("</b>"),
                Just("<c/>"),
                Just("&amp;"),
                Just("&#x41;"),
                Just("&#99999999;"),
                Just("&bogus;"),
                Just("<![CDATA[x]]>"),
                Just("<?xml version=\"1.0\"?>"),
                Just("<!DOCTYPE a>"),
                Just("<ns:d xmlns:ns=\"u\">"),
                Just("</ns:d>"),
                Just("text"),
                Just("<!-- c -->"),
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn xml_never_panics(text in xmlish(), any in ".{0,200}") {
            let _ = mercato_sdk::xml::parse(&text);
            let _ = mercato_sdk::xml::parse(&any);
        }
    }
}

#[cfg(feature = "guest")]
mod guest_side {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn dates_and_retry_hints_never_panic(s in ".{0,48}", now in any::<i64>()) {
            let _ = mercato_sdk::time::parse_date(&s);
            let _ = mercato_sdk::time::parse_rfc3339(&s);
            let _ = mercato_sdk::time::parse_http_date(&s);
            let _ = mercato_sdk::errors::parse_retry_after(&s, now);
        }
    }
}
