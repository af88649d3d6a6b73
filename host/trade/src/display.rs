//! Showing contract values to people: money, prices, dates, enum labels. Shared by the
//! desk, the demo and the CLI so all print the same way (tables are the application's).

use crate::contract::{Money, Price, Timestamp};

/// The WIT name of an enum case (`accepted-price-changed`), from its serde name.
pub fn label<T: serde::Serialize>(value: &T) -> String {
    let name = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

/// Read `EUR 250.00` (currency, space, amount with at most the currency's decimals: amounts
/// are never rounded silently).
pub fn parse_money(s: &str) -> Result<mercato_sdk::exact::Money, String> {
    use mercato_sdk::exact;
    let (currency, amount) = s
        .trim()
        .split_once(' ')
        .ok_or_else(|| format!("{s:?}: write CURRENCY AMOUNT, e.g. \"EUR 250.00\""))?;
    let currency = exact::Currency::parse(currency).map_err(|e| format!("{s:?}: {e}"))?;
    let amount = exact::Decimal::parse(amount.trim()).map_err(|e| format!("{s:?}: {e}"))?;
    if amount.scale() > currency.minor_unit_digits() {
        return Err(format!(
            "{s:?}: {currency} has {} decimal places; amounts are never rounded silently",
            currency.minor_unit_digits()
        ));
    }
    exact::Money::from_decimal(currency, amount, exact::RoundingMode::HalfUp)
        .map_err(|e| format!("{s:?}: {e}"))
}

/// `EUR 12.34`.
pub fn money<M: Clone + Into<Money>>(m: &M) -> String {
    let m: Money = m.clone().into();
    m.to_exact()
        .map(|m| m.to_string())
        .unwrap_or_else(|_| format!("{} {}", m.currency, m.minor))
}

/// `EUR 0.125` per piece, or `EUR 12.50/100` per basis quantity.
pub fn price<P: Clone + Into<Price>>(p: &P) -> String {
    let p: Price = p.clone().into();
    let amount = p
        .amount
        .to_exact()
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "?".into());
    if p.basis.steps == 1 && p.basis.scale == 0 {
        format!("{} {amount}", p.currency)
    } else {
        format!("{} {amount}/{}", p.currency, p.basis.steps)
    }
}

/// A quantity for people: `25 pcs`, `2.5 kg`, `3 PK` (the Rec 20 code where no short name
/// is common).
pub fn quantity<Q: Clone + Into<crate::contract::Quantity>>(q: &Q) -> String {
    let q: crate::contract::Quantity = q.clone().into();
    let amount = q
        .to_exact()
        .ok()
        .and_then(|e| e.to_decimal().ok())
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("{}e-{}", q.steps, q.scale));
    let unit = match q.unit.as_str() {
        "C62" | "H87" | "EA" => "pcs",
        "KGM" => "kg",
        "GRM" => "g",
        "MTR" => "m",
        "CMT" => "cm",
        "MMT" => "mm",
        "LTR" => "l",
        "MTK" => "m²",
        other => other,
    };
    format!("{amount} {unit}")
}

/// `2026-11-24` (UTC).
pub fn date(ts: Timestamp) -> String {
    format_ts(
        ts,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

/// `2026-11-24 14:05` (UTC).
pub fn date_time(ts: Timestamp) -> String {
    format_ts(
        ts,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    )
}

fn format_ts(ts: Timestamp, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| ts.to_string())
}
