//! Voltaic's error answers → the contract's closed [`CommerceError`].
//!
//! Voltaic answers `{"Errors": [{"Code", "Message", ...}]}` with the details of each code as
//! extra fields. The codes that mean something precise to a buyer become that case
//! (`InsufficientStock` → `out-of-stock` with a shortfall per line, `PriceChanged` →
//! `price-changed` with both prices, …); throttling, outages and bodies that are not
//! Voltaic's fall back to the SDK's status mapping.

use crate::translate::{Numbers, count, day, unit_price};
use crate::wire::{self, ApiError};
use mercato_sdk::errors::{self, from_status};
use mercato_sdk::http::Response;
use mercato_sdk::prelude::*;

/// The line id an error entry names, or a placeholder that says the supplier named none.
fn line_of(e: &ApiError) -> String {
    e.customer_line_id
        .clone()
        .unwrap_or_else(|| "(line not named by the supplier)".to_string())
}

/// A `QuantityRule` entry as a violation of `line_id`.
pub fn quantity_violation(
    e: &ApiError,
    line_id: &str,
    n: Numbers,
) -> CommerceResult<QuantityViolation> {
    let rule = |text: &Option<String>, what: &str| -> CommerceResult<Option<Quantity>> {
        text.as_deref()
            .map(|t| count(t, what, n).map(Quantity::pieces))
            .transpose()
    };
    Ok(QuantityViolation {
        line_id: line_id.to_string(),
        rules: OrderRules {
            minimum: rule(&e.min, "Min")?,
            increment: rule(&e.mult, "Mult")?,
            maximum: None,
        },
    })
}

fn shortfall(e: &ApiError) -> CommerceResult<Shortfall> {
    Ok(Shortfall {
        line_id: line_of(e),
        available: e.available.map(Quantity::pieces),
        next_restock: e
            .next_restock_date
            .as_deref()
            .map(|d| day(d, "NextRestockDate"))
            .transpose()?,
    })
}

fn price_change(e: &ApiError, n: Numbers) -> CommerceResult<PriceChange> {
    let read = |text: &Option<String>, what: &str| -> CommerceResult<Price> {
        let text = text
            .as_deref()
            .ok_or_else(|| errors::bad_upstream(format!("PriceChanged without {what}")))?;
        unit_price(text, n)
    };
    Ok(PriceChange {
        line_id: line_of(e),
        expected: read(&e.expected_unit_price, "ExpectedUnitPrice")?,
        actual: read(&e.current_unit_price, "CurrentUnitPrice")?,
    })
}

/// The entries with one code.
fn with_code<'a>(entries: &'a [ApiError], code: &'a str) -> impl Iterator<Item = &'a ApiError> {
    entries.iter().filter(move |e| e.code == code)
}

/// Maps a failed Voltaic answer. `n` is the currency and locale the request asked for (the
/// error entries render prices in them).
pub fn from_response(resp: &Response, n: Numbers) -> CommerceError {
    // Throttling and outages come from Voltaic's gateway, whatever the body says.
    if resp.status == 429 || resp.status >= 500 {
        return from_status(resp.status, resp.header("retry-after"), &resp.body);
    }
    let body: wire::ErrorBody = match serde_json::from_slice(&resp.body) {
        Ok(b) => b,
        Err(_) => return from_status(resp.status, resp.header("retry-after"), &resp.body),
    };
    match from_errors(resp.status, resp.header("retry-after"), &body.errors, n) {
        Ok(Some(e)) => e,
        Ok(None) => from_status(resp.status, resp.header("retry-after"), &resp.body),
        Err(e) => e,
    }
}

/// The error the entries describe, or None when no entry has a code this adapter knows.
pub fn from_errors(
    status: u16,
    retry_after: Option<&str>,
    entries: &[ApiError],
    n: Numbers,
) -> CommerceResult<Option<CommerceError>> {
    let Some(first) = entries.first() else {
        return Ok(None);
    };
    let text = entries
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Some(match first.code.as_str() {
        "Unauthorized" => {
            CommerceError::Unauthorized(format!("Voltaic refused the API key: {text}"))
        }
        "PartNotFound" | "OrderNotFound" | "CartNotFound" | "LineNotFound" => {
            errors::not_found(text)
        }
        "CartExpired" => CommerceError::QuoteExpired(text),
        "QuantityRule" => CommerceError::QuantityRule(
            with_code(entries, "QuantityRule")
                .map(|e| quantity_violation(e, &line_of(e), n))
                .collect::<CommerceResult<_>>()?,
        ),
        "PriceChanged" => CommerceError::PriceChanged(
            with_code(entries, "PriceChanged")
                .map(|e| price_change(e, n))
                .collect::<CommerceResult<_>>()?,
        ),
        "InsufficientStock" => CommerceError::OutOfStock(
            with_code(entries, "InsufficientStock")
                .map(shortfall)
                .collect::<CommerceResult<_>>()?,
        ),
        "IdempotencyConflict" => CommerceError::IdempotencyConflict(text),
        "IdempotencyInFlight" => CommerceError::InProgress(RetryHint {
            retry_after_ms: retry_after
                .and_then(|v| errors::parse_retry_after(v, mercato_sdk::time::now_ms())),
        }),
        "CountryNotServed" => CommerceError::Undeliverable(text),
        "MaxTotalExceeded" => CommerceError::SupplierRejected(Rejection {
            code: "MaxTotalExceeded".to_string(),
            text: match (&first.total, &first.max_total) {
                (Some(total), Some(max)) => {
                    format!("the order would cost {total}, more than the max-total {max}")
                }
                _ => text,
            },
        }),
        "CancelRefused" | "ReturnNotAllowed" => CommerceError::SupplierRejected(Rejection {
            code: first.code.clone(),
            text,
        }),
        "InvalidRequest" | "UnsupportedCurrency" | "IdempotencyKeyRequired" | "CartMismatch" => {
            errors::invalid(
                first.property_name.clone().unwrap_or_default(),
                format!("Voltaic ({status}, {}): {text}", first.code),
            )
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eur() -> Numbers {
        Numbers::new("EUR", "de-DE").expect("numbers")
    }

    fn resp(status: u16, body: serde_json::Value) -> Response {
        Response::new(
            status,
            "application/json",
            serde_json::to_vec(&body).expect("json"),
        )
    }

    #[test]
    fn stock_errors_carry_a_shortfall_per_line() {
        let r = resp(
            422,
            json!({"Errors": [
            {"Code": "InsufficientStock", "Message": "a", "CustomerLineId": "1", "Available": 25, "NextRestockDate": "2026-06-11"},
            {"Code": "InsufficientStock", "Message": "b", "CustomerLineId": "2", "Available": 40}]}),
        );
        let CommerceError::OutOfStock(lines) = from_response(&r, eur()) else {
            panic!("out-of-stock expected");
        };
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].available, Some(Quantity::pieces(25)));
        assert_eq!(lines[0].next_restock, Some(1_781_136_000_000));
        assert_eq!(lines[1].next_restock, None);
    }

    #[test]
    fn price_changes_carry_both_prices() {
        let r = resp(
            422,
            json!({"Errors": [{"Code": "PriceChanged", "Message": "m", "CustomerLineId": "cu",
            "ExpectedUnitPrice": "4,80 €", "CurrentUnitPrice": "5,0938 €"}]}),
        );
        let CommerceError::PriceChanged(changes) = from_response(&r, eur()) else {
            panic!("price-changed expected");
        };
        assert_eq!(
            changes[0].expected.amount,
            mercato_sdk::contract::Decimal {
                mantissa: 480,
                scale: 2
            }
        );
        assert_eq!(
            changes[0].actual.amount,
            mercato_sdk::contract::Decimal {
                mantissa: 50_938,
                scale: 4
            }
        );
    }

    #[test]
    fn rules_expiry_conflicts_and_countries_map_to_their_cases() {
        let cases = [
            (
                json!({"Code": "QuantityRule", "Message": "m", "CustomerLineId": "r", "Min": "100", "Mult": "100"}),
                422,
                "quantity-rule",
            ),
            (
                json!({"Code": "CartExpired", "Message": "m"}),
                410,
                "quote-expired",
            ),
            (
                json!({"Code": "IdempotencyConflict", "Message": "m"}),
                422,
                "idempotency-conflict",
            ),
            (
                json!({"Code": "CountryNotServed", "Message": "m"}),
                422,
                "undeliverable",
            ),
            (
                json!({"Code": "OrderNotFound", "Message": "m"}),
                404,
                "not-found",
            ),
            (
                json!({"Code": "Unauthorized", "Message": "m"}),
                401,
                "unauthorized",
            ),
            (
                json!({"Code": "MaxTotalExceeded", "Message": "m", "Total": "142,80 €", "MaxTotal": "100,00 €"}),
                422,
                "supplier-rejected",
            ),
            (
                json!({"Code": "CartMismatch", "Message": "m"}),
                422,
                "invalid-request",
            ),
        ];
        for (entry, status, expected) in cases {
            let e = from_response(&resp(status, json!({"Errors": [entry]})), eur());
            assert_eq!(e.code(), expected, "{e:?}");
        }
    }

    #[test]
    fn in_flight_duplicates_carry_the_retry_hint() {
        let mut r = resp(
            409,
            json!({"Errors": [{"Code": "IdempotencyInFlight", "Message": "m"}]}),
        );
        r.headers.push(("retry-after".to_string(), "1".to_string()));
        let e = from_response(&r, eur());
        assert!(
            matches!(
                e,
                CommerceError::InProgress(RetryHint {
                    retry_after_ms: Some(1000)
                })
            ),
            "{e:?}"
        );
    }

    #[test]
    fn gateway_answers_fall_back_to_the_status() {
        let mut r = Response::new(429, "text/plain", "simulated 429");
        r.headers.push(("retry-after".to_string(), "2".to_string()));
        assert!(matches!(
            from_response(&r, eur()),
            CommerceError::RateLimited(RetryHint {
                retry_after_ms: Some(2000)
            })
        ));
        let r = Response::new(503, "text/plain", "down");
        assert_eq!(from_response(&r, eur()).code(), "supplier-unavailable");
        let r = resp(418, json!({"Errors": [{"Code": "Teapot", "Message": "m"}]}));
        assert_eq!(from_response(&r, eur()).code(), "supplier-rejected");
    }

    #[test]
    fn malformed_error_details_are_reported() {
        let r = resp(
            422,
            json!({"Errors": [{"Code": "PriceChanged", "Message": "m", "CustomerLineId": "cu",
            "ExpectedUnitPrice": "about five", "CurrentUnitPrice": "5,09 €"}]}),
        );
        assert_eq!(from_response(&r, eur()).code(), "internal");
        let r = resp(
            422,
            json!({"Errors": [{"Code": "PriceChanged", "Message": "m"}]}),
        );
        assert_eq!(from_response(&r, eur()).code(), "internal");
    }
}
