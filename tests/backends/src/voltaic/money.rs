//! Voltaic's number handling: prices in ten-thousandths of a currency unit, totals in cents,
//! and the localised strings its API answers with (`"0,24 €"`, `"$0.26"`, `"1.234,50 €"`).
//!
//! Everything is integer arithmetic; the supplier rounds a line total once, half up, to the
//! cent, like the distributors it imitates.

/// Digits after the decimal point of a stored unit price.
pub(crate) const PRICE_SCALE: u32 = 4;
/// `10^PRICE_SCALE`.
const PRICE_ONE: i64 = 10_000;

/// Currencies Voltaic sells in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Cur {
    /// Euro.
    Eur,
    /// US dollar.
    Usd,
}

impl Cur {
    /// The ISO 4217 code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Cur::Eur => "EUR",
            Cur::Usd => "USD",
        }
    }

    /// Reads an ISO code (any case); None for a currency Voltaic does not sell in.
    pub(crate) fn parse(code: &str) -> Option<Cur> {
        match code.trim().to_ascii_uppercase().as_str() {
            "EUR" => Some(Cur::Eur),
            "USD" => Some(Cur::Usd),
            _ => None,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Cur::Eur => "€",
            Cur::Usd => "$",
        }
    }

    /// The locale Voltaic renders in when a request names none.
    pub(crate) fn default_locale(self) -> &'static str {
        match self {
            Cur::Eur => "de-DE",
            Cur::Usd => "en-US",
        }
    }
}

/// How a locale writes numbers and where it puts the currency symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `1.234,50 €`.
    German,
    /// `1 234,50 €` with a narrow no-break space.
    French,
    /// `€1,234.50`, `$1,234.50`.
    English,
}

fn style_of(locale: &str) -> Style {
    let language = locale
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match language.as_str() {
        "de" | "nl" | "es" | "it" | "da" => Style::German,
        "fr" => Style::French,
        _ => Style::English,
    }
}

/// Groups the digits of `int` in threes with `sep`.
fn group(int: u64, sep: &str) -> String {
    let digits = int.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(ch);
    }
    out
}

/// Renders `value × 10^-scale` in `cur` for `locale`, keeping at least `min_frac` and at most
/// `scale` fractional digits (trailing zeros beyond `min_frac` are dropped).
fn render(cur: Cur, locale: &str, value: i64, scale: u32, min_frac: u32) -> String {
    let one = 10u64.pow(scale);
    let magnitude = value.unsigned_abs();
    let int = magnitude / one;
    let mut frac = format!("{:0width$}", magnitude % one, width = scale as usize);
    while frac.len() > min_frac as usize && frac.ends_with('0') {
        frac.pop();
    }
    let sign = if value < 0 { "-" } else { "" };
    match style_of(locale) {
        Style::German => format!("{sign}{},{frac} {}", group(int, "."), cur.symbol()),
        Style::French => format!("{sign}{},{frac} {}", group(int, "\u{202f}"), cur.symbol()),
        Style::English => format!("{sign}{}{}.{frac}", cur.symbol(), group(int, ",")),
    }
}

/// A unit price (ten-thousandths) as Voltaic prints it: 2 to 4 decimals.
pub(crate) fn format_price(cur: Cur, locale: &str, price4: i64) -> String {
    render(cur, locale, price4, PRICE_SCALE, 2)
}

/// An amount in cents as Voltaic prints it.
pub(crate) fn format_cents(cur: Cur, locale: &str, cents: i64) -> String {
    render(cur, locale, cents, 2, 2)
}

/// `price4 × qty`, rounded half up to the cent.
pub(crate) fn line_cents(price4: i64, qty: u64) -> i64 {
    let exact = i128::from(price4) * i128::from(qty);
    let cents = (exact + 50).div_euclid(100);
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// `cents × rate_bp / 10000`, rounded half up (tax on an amount, the rate in basis points).
pub(crate) fn percent_of(cents: i64, rate_bp: u32) -> i64 {
    let exact = i128::from(cents) * i128::from(rate_bp);
    i64::try_from((exact + 5_000).div_euclid(10_000)).unwrap_or(i64::MAX)
}

/// `price4` raised by `percent` per step, `steps` times, each step rounded half up.
pub(crate) fn compound(price4: i64, percent: i64, steps: u32) -> i64 {
    let mut p = i128::from(price4);
    for _ in 0..steps {
        p = (p * i128::from(100 + percent) + 50).div_euclid(100);
    }
    i64::try_from(p).unwrap_or(i64::MAX)
}

/// Reads a canonical decimal string (`"0.24"`, `"120"`) from a request into ten-thousandths.
/// None if it is not a plain non-negative decimal with at most four fractional digits.
pub(crate) fn parse_plain(text: &str) -> Option<i64> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > PRICE_SCALE as usize || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.contains('.') && frac.is_empty() {
        return None;
    }
    let int: i64 = int.parse().ok()?;
    // Right-pad the fraction to four digits: "24" is 2400 ten-thousandths.
    let frac_value: i64 = format!("{frac:0<4}").parse().ok()?;
    int.checked_mul(PRICE_ONE)?.checked_add(frac_value)
}

/// Ten-thousandths as a canonical decimal string with the given number of decimals, for
/// messages (`2400` → `"0.24"`).
pub(crate) fn plain(price4: i64) -> String {
    let int = price4.unsigned_abs() / PRICE_ONE as u64;
    let mut frac = format!("{:04}", price4.unsigned_abs() % PRICE_ONE as u64);
    while frac.len() > 2 && frac.ends_with('0') {
        frac.pop();
    }
    let sign = if price4 < 0 { "-" } else { "" };
    format!("{sign}{int}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_localised() {
        assert_eq!(format_price(Cur::Eur, "de-DE", 2_400), "0,24 €");
        assert_eq!(format_price(Cur::Eur, "de-DE", 650), "0,065 €");
        assert_eq!(format_price(Cur::Usd, "en-US", 2_600), "$0.26");
        assert_eq!(format_cents(Cur::Eur, "de-DE", 123_450), "1.234,50 €");
        assert_eq!(format_cents(Cur::Usd, "en-US", 123_450), "$1,234.50");
        assert_eq!(
            format_cents(Cur::Eur, "fr-FR", 123_450),
            "1\u{202f}234,50 €"
        );
        assert_eq!(format_cents(Cur::Eur, "en-GB", 99), "€0.99");
    }

    #[test]
    fn lines_round_half_up_once() {
        assert_eq!(line_cents(650, 500), 3_250);
        assert_eq!(line_cents(125, 1), 1);
        assert_eq!(line_cents(2_400, 500), 12_000);
        assert_eq!(percent_of(12_990, 1_900), 2_468);
    }

    #[test]
    fn plain_decimals_parse_exactly() {
        assert_eq!(parse_plain("0.24"), Some(2_400));
        assert_eq!(parse_plain("120"), Some(1_200_000));
        assert_eq!(parse_plain("0.0651"), Some(651));
        assert_eq!(parse_plain("0.06512"), None);
        assert_eq!(parse_plain("1,5"), None);
        assert_eq!(parse_plain("-1"), None);
        assert_eq!(parse_plain("1."), None);
        assert_eq!(plain(2_400), "0.24");
        assert_eq!(plain(650), "0.065");
    }

    #[test]
    fn compound_growth_rounds_each_step() {
        assert_eq!(compound(48_000, 2, 0), 48_000);
        assert_eq!(compound(48_000, 2, 1), 48_960);
        assert_eq!(compound(48_000, 2, 2), 49_939);
    }
}
