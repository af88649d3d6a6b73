//! Parsers for the number formats suppliers really send.
//!
//! Supplier APIs and price lists rarely give clean numbers: Mouser answers `"$0.87"`,
//! `"0,10 €"`, `"42 Days"` and `"15243 In Stock"`; German price lists write `1.234,50`, Swiss
//! ones `1'234.50` and French ones `1 234,50` (with a space, a no-break space U+00A0 or a
//! narrow no-break space U+202F). These functions turn such strings into exact values from
//! [`crate::exact`] and refuse anything they cannot read with certainty: `"1,234"` could be
//! one thousand two hundred and thirty-four or one point two three four, so under
//! [`NumberLocale::Auto`] it is an error ([`FormatErrorKind::Ambiguous`]) rather than a guess.

use std::fmt;

use crate::exact::{Currency, Decimal};

/// Which character separates the decimals from the integer part.
///
/// Apostrophes (`'`, `’`) and spaces (including U+00A0, U+202F and U+2009) are accepted as
/// digit grouping in every mode. When both `.` and `,` occur, the last one is the decimal
/// separator in every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NumberLocale {
    /// Decide from the text; refuse what could be read both ways (`"1,234"`).
    #[default]
    Auto,
    /// `1,234.56`: English, and Swiss with `1'234.56`.
    PointDecimal,
    /// `1.234,56`: German, and French with `1 234,56`.
    CommaDecimal,
}

/// What a parser was trying to read, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormatTarget {
    /// A plain number ([`parse_decimal`]).
    Number,
    /// A price with an optional currency ([`parse_price`]).
    Price,
    /// A lead time ([`parse_lead_time_days`]).
    LeadTime,
    /// A stock level ([`parse_stock`]).
    Stock,
}

impl fmt::Display for FormatTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FormatTarget::Number => "a number",
            FormatTarget::Price => "a price",
            FormatTarget::LeadTime => "a lead time",
            FormatTarget::Stock => "a stock level",
        })
    }
}

/// A supplier string that could not be read, with the whole input and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {input:?} as {target}: {kind}")]
pub struct FormatError {
    /// The text as received.
    pub input: String,
    /// What it was read as.
    pub target: FormatTarget,
    /// Why it could not be read.
    pub kind: FormatErrorKind,
}

impl FormatError {
    fn new(input: &str, target: FormatTarget, kind: FormatErrorKind) -> Self {
        FormatError {
            input: input.to_owned(),
            target,
            kind,
        }
    }
}

/// Why a supplier string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatErrorKind {
    /// Nothing but whitespace.
    #[error("the text is empty")]
    Empty,
    /// No digits where a number was expected.
    #[error("expected digits")]
    NoDigits,
    /// A single `.` or `,` followed by exactly three digits, which could be a decimal point
    /// or a thousands separator.
    #[error(
        "the separator could be a decimal point or a thousands separator; \
         expected NumberLocale::PointDecimal or NumberLocale::CommaDecimal to tell them apart"
    )]
    Ambiguous,
    /// Separators in impossible places: groups not of three digits, doubled, leading or
    /// trailing separators, mixed grouping characters, or more than one decimal separator.
    #[error(
        "separators are misplaced: expected groups of exactly 3 digits after a first group \
         of 1 to 3, and at most one decimal separator, followed by digits"
    )]
    MisplacedGrouping,
    /// A currency symbol or code that is not known.
    #[error(
        "unknown currency {0:?}: expected a symbol such as $, €, £ or ¥, or an ISO 4217 code \
         such as EUR"
    )]
    UnknownCurrency(String),
    /// A currency symbol used by several currencies (`kr`), or contradicting currencies.
    #[error(
        "currency {0:?} is ambiguous: expected a single ISO 4217 code such as SEK, NOK, DKK \
         or ISK, or one unambiguous symbol"
    )]
    AmbiguousCurrency(String),
    /// A lead-time unit that is not days or weeks.
    #[error(
        "unknown unit {0:?}: expected days or weeks (d, day, days, Tag, Tage, wk, wks, week, \
         weeks, Woche, Wochen)"
    )]
    UnknownUnit(String),
    /// A negative value where only zero or more makes sense.
    #[error("expected zero or more, not a negative value")]
    Negative,
    /// A number too large (or with more than 18 decimals) to hold exactly.
    #[error("the number is too large to hold exactly")]
    TooLarge,
    /// Text that does not belong to the value.
    #[error("unexpected text {0:?}")]
    Trailing(String),
}

use FormatErrorKind as Kind;

/// Reads a localised number: `"1.234,50"`, `"1,234.50"`, `"1'234.50"`, `"1 234,50"`,
/// `"-0,5"`, `"−3"` (U+2212). Surrounding whitespace is ignored; anything else is an error.
///
/// The rules: when both `.` and `,` occur, the last one is the decimal separator and the other
/// is grouping. One kind of separator occurring more than once is grouping. One separator
/// occurring once and followed by exactly three digits is [`FormatErrorKind::Ambiguous`]
/// under [`NumberLocale::Auto`] (unless the text rules one reading out, as in `"0.125"`,
/// `"1234,567"` or `"1 234,567"`) and is resolved by an explicit locale. Grouping must be
/// valid: a first group of 1 to 3 digits, then groups of exactly 3.
pub fn parse_decimal(s: &str, locale: NumberLocale) -> Result<Decimal, FormatError> {
    read_decimal(s, locale).map_err(|kind| FormatError::new(s, FormatTarget::Number, kind))
}

fn read_decimal(s: &str, locale: NumberLocale) -> Result<Decimal, Kind> {
    let text = s.trim();
    if text.is_empty() {
        return Err(Kind::Empty);
    }
    let (negative, body) = strip_sign(text);
    let (token, rest) = split_number(body);
    if !has_digit(token) {
        return Err(Kind::NoDigits);
    }
    if !rest.is_empty() {
        return Err(Kind::Trailing(rest.to_owned()));
    }
    parse_number(token, locale)?.to_decimal(negative)
}

/// A price as a supplier wrote it: the amount and, if the text names one, the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedPrice {
    /// The currency from a symbol or ISO code in the text; `None` when the text has neither.
    pub currency: Option<Currency>,
    /// The amount, exactly as written (`"0,10 €"` is 0.10).
    pub amount: Decimal,
}

/// Reads a price with an optional currency symbol or ISO code before or after the amount,
/// with or without a space: `"$0.87"`, `"0,10 €"`, `"€1.234,50"`, `"£3.10"`, `"CHF 12.50"`,
/// `"12.50 CHF"`, `"1.234,50 EUR"`, `"¥1200"`, `"US$ 4.20"`.
///
/// `$` alone is read as USD and `¥` as JPY, as distributors use them; an ISO code next to a
/// symbol decides (`"$ 5.00 CAD"` is CAD). `kr` is used by SEK, NOK, DKK and ISK, so it is
/// [`FormatErrorKind::AmbiguousCurrency`] unless an ISO code is also given (`"12,50 kr SEK"`).
/// The amount follows [`parse_decimal`].
pub fn parse_price(s: &str, locale: NumberLocale) -> Result<ParsedPrice, FormatError> {
    read_price(s, locale).map_err(|kind| FormatError::new(s, FormatTarget::Price, kind))
}

fn read_price(s: &str, locale: NumberLocale) -> Result<ParsedPrice, Kind> {
    let text = s.trim();
    if text.is_empty() {
        return Err(Kind::Empty);
    }
    if !has_digit(text) {
        return Err(Kind::NoDigits);
    }
    // A sign may stand before the currency symbol: "-$0.87".
    let (outer_negative, text) = strip_sign(text);
    let text = text.trim_start();
    let (prefix, after) = text.split_at(number_start(text));
    let number_end = after
        .rfind(|c: char| c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let (number, suffix) = after.split_at(number_end);
    let currency = resolve_currency(prefix.split_whitespace().chain(suffix.split_whitespace()))?;

    let (inner_negative, body) = strip_sign(number.trim());
    if outer_negative && inner_negative {
        return Err(Kind::NoDigits);
    }
    let (token, rest) = split_number(body);
    if !has_digit(token) {
        return Err(Kind::NoDigits);
    }
    if !rest.is_empty() {
        return Err(Kind::Trailing(rest.to_owned()));
    }
    let amount = parse_number(token, locale)?.to_decimal(outer_negative || inner_negative)?;
    Ok(ParsedPrice { currency, amount })
}

/// Where the number starts in a price: at the first digit or sign, or at a `.`/`,` directly
/// followed by a digit. Everything before it is the currency prefix.
fn number_start(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_is_digit = chars.peek().is_some_and(|&(_, n)| n.is_ascii_digit());
        if c.is_ascii_digit() || is_minus(c) || (matches!(c, '.' | ',') && next_is_digit) {
            return i;
        }
    }
    text.len()
}

/// A currency symbol: what it means alone (`None` if it is ambiguous alone) and which ISO
/// codes may accompany it.
struct Symbol {
    text: &'static str,
    alone: Option<&'static str>,
    allows: &'static [&'static str],
}

const DOLLARS: &[&str] = &[
    "USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "TWD", "ARS", "CLP", "COP",
];
const KRONER: &[&str] = &["SEK", "NOK", "DKK", "ISK"];

const fn symbol(
    text: &'static str,
    alone: Option<&'static str>,
    allows: &'static [&'static str],
) -> Symbol {
    Symbol {
        text,
        alone,
        allows,
    }
}

const SYMBOLS: &[Symbol] = &[
    symbol("$", Some("USD"), DOLLARS),
    symbol("US$", Some("USD"), &["USD"]),
    symbol("C$", Some("CAD"), &["CAD"]),
    symbol("CA$", Some("CAD"), &["CAD"]),
    symbol("A$", Some("AUD"), &["AUD"]),
    symbol("AU$", Some("AUD"), &["AUD"]),
    symbol("NZ$", Some("NZD"), &["NZD"]),
    symbol("HK$", Some("HKD"), &["HKD"]),
    symbol("S$", Some("SGD"), &["SGD"]),
    symbol("MX$", Some("MXN"), &["MXN"]),
    symbol("R$", Some("BRL"), &["BRL"]),
    symbol("€", Some("EUR"), &["EUR"]),
    symbol("£", Some("GBP"), &["GBP"]),
    symbol("¥", Some("JPY"), &["JPY", "CNY"]),
    symbol("￥", Some("JPY"), &["JPY", "CNY"]),
    symbol("₹", Some("INR"), &["INR"]),
    symbol("₩", Some("KRW"), &["KRW"]),
    symbol("₺", Some("TRY"), &["TRY"]),
    symbol("₽", Some("RUB"), &["RUB"]),
    symbol("₪", Some("ILS"), &["ILS"]),
    symbol("₴", Some("UAH"), &["UAH"]),
    symbol("₱", Some("PHP"), &["PHP"]),
    symbol("฿", Some("THB"), &["THB"]),
    symbol("₫", Some("VND"), &["VND"]),
    symbol("zł", Some("PLN"), &["PLN"]),
    symbol("Kč", Some("CZK"), &["CZK"]),
    symbol("Ft", Some("HUF"), &["HUF"]),
    symbol("Fr.", Some("CHF"), &["CHF"]),
    symbol("SFr.", Some("CHF"), &["CHF"]),
    symbol("kr", None, KRONER),
    symbol("kr.", None, KRONER),
    symbol("Kr", None, KRONER),
    symbol("Kr.", None, KRONER),
];

/// The currency named by the words around a price, if any. ISO codes decide; symbols must
/// agree with them, or with each other when no code is given.
fn resolve_currency<'a>(words: impl Iterator<Item = &'a str>) -> Result<Option<Currency>, Kind> {
    let words: Vec<&str> = words.collect();
    let all = || words.join(" ");
    let mut code: Option<Currency> = None;
    let mut symbols: Vec<&Symbol> = Vec::new();
    for &word in &words {
        if let Some(found) = SYMBOLS.iter().find(|s| s.text == word) {
            symbols.push(found);
            continue;
        }
        match Currency::parse(word) {
            Ok(currency) => {
                if code.is_some_and(|known| known != currency) {
                    return Err(Kind::AmbiguousCurrency(all()));
                }
                code = Some(currency);
            }
            Err(_) => return Err(Kind::UnknownCurrency(word.to_owned())),
        }
    }
    if let Some(currency) = code {
        if symbols.iter().all(|s| s.allows.contains(&currency.code())) {
            return Ok(Some(currency));
        }
        return Err(Kind::AmbiguousCurrency(all()));
    }
    let mut found: Option<Currency> = None;
    for s in symbols {
        let Some(alone) = s.alone else {
            return Err(Kind::AmbiguousCurrency(s.text.to_owned()));
        };
        let currency =
            Currency::parse(alone).map_err(|_| Kind::UnknownCurrency(s.text.to_owned()))?;
        if found.is_some_and(|known| known != currency) {
            return Err(Kind::AmbiguousCurrency(all()));
        }
        found = Some(currency);
    }
    Ok(found)
}

/// Reads a lead time as a whole number of days: `"42 Days"`, `"1 day"`, `"12 d"`, `"0 Days"`,
/// `"6 Weeks"` (42), `"3 wks"`, `"10 Tage"`, `"2 Wochen"`. A range such as `"5-7 days"` (also
/// with `–`, `to` or `bis`) gives its upper bound, the conservative answer when promising a
/// delivery date. A bare number without a unit is [`FormatErrorKind::UnknownUnit`].
pub fn parse_lead_time_days(s: &str) -> Result<u32, FormatError> {
    read_lead_time(s).map_err(|kind| FormatError::new(s, FormatTarget::LeadTime, kind))
}

fn read_lead_time(s: &str) -> Result<u32, Kind> {
    let text = s.trim();
    if text.is_empty() {
        return Err(Kind::Empty);
    }
    if !has_digit(text) {
        return Err(Kind::NoDigits);
    }
    let (negative, body) = strip_sign(text);
    if negative {
        return Err(Kind::Negative);
    }
    let start = body.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
    if start > 0 {
        return Err(Kind::Trailing(body[..start].trim().to_owned()));
    }
    let (low, rest) = take_u32(body)?;
    let rest = rest.trim_start();
    let (count, rest) = match strip_range(rest) {
        Some(upper) => {
            let upper = upper.trim_start();
            if !upper.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(Kind::NoDigits);
            }
            let (high, rest) = take_u32(upper)?;
            (low.max(high), rest.trim_start())
        }
        None => (low, rest),
    };
    let word_end = rest
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_end);
    // An abbreviation may end in a dot: "4 Wo.".
    let after = match after.strip_prefix('.') {
        Some(rest) if !word.is_empty() => rest,
        _ => after,
    }
    .trim();
    if word.is_empty() && !after.is_empty() {
        return Err(Kind::Trailing(after.to_owned()));
    }
    let days_per_unit = match word.to_lowercase().as_str() {
        "d" | "day" | "days" | "tag" | "tage" | "tagen" | "tg" | "jour" | "jours" | "j" | "dag"
        | "dagen" | "dagar" => 1,
        "w" | "wk" | "wks" | "week" | "weeks" | "woche" | "wochen" | "wo" | "semaine"
        | "semaines" | "sem" | "weken" | "veckor" | "vecka" => 7,
        _ => return Err(Kind::UnknownUnit(word.to_owned())),
    };
    if !after.is_empty() {
        return Err(Kind::Trailing(after.to_owned()));
    }
    count.checked_mul(days_per_unit).ok_or(Kind::TooLarge)
}

/// The leading run of ASCII digits as a `u32`, and the text after it.
fn take_u32(text: &str) -> Result<(u32, &str), Kind> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, rest) = text.split_at(end);
    let value = digits.parse().map_err(|_| Kind::TooLarge)?;
    Ok((value, rest))
}

/// The text after a range separator (`-`, `–`, `—`, `to`, `bis`), if `text` starts with one.
fn strip_range(text: &str) -> Option<&str> {
    for dash in ['-', '–', '—'] {
        if let Some(rest) = text.strip_prefix(dash) {
            return Some(rest);
        }
    }
    for word in ["to", "bis"] {
        let head = text.get(..word.len())?;
        let rest = text.get(word.len()..)?;
        let separated = rest.starts_with(|c: char| c.is_whitespace() || c.is_ascii_digit());
        if head.eq_ignore_ascii_case(word) && separated {
            return Some(rest);
        }
    }
    None
}

/// Whether a supplier reports stock on hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StockState {
    /// Available now.
    InStock,
    /// None available (including items the supplier does not stock).
    OutOfStock,
    /// Not available now, but ordered from the manufacturer.
    OnOrder,
    /// The supplier did not say. [`parse_stock`] never returns it (it fails instead);
    /// adapters use it when a supplier's answer has no stock field at all.
    Unknown,
}

/// A stock level: the state and, when the supplier gave a number, how many are on hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StockLevel {
    /// In stock, out of stock, on order.
    pub state: StockState,
    /// The count on hand, when the text gave one (`"15243 In Stock"`); `None` for
    /// `"In Stock"` alone and for `"On Order"`.
    pub on_hand: Option<u64>,
}

/// Reads a stock level: `"15243 In Stock"` is in stock with 15243 on hand, `"1.234 auf
/// Lager"` with [`NumberLocale::CommaDecimal`] is 1234, `"0 In Stock"` is out of stock with 0
/// on hand, `"In Stock"` is in stock with an unknown count, `"Out of Stock"`, `"Non-Stocked"`
/// and `"nicht vorrätig"` are out of stock, `"On Order"` is on order. A bare count
/// (`"15243"`) is read as the count on hand. Anything else is an error: guessing that an
/// unknown phrase means "available" would promise parts nobody has.
pub fn parse_stock(s: &str, locale: NumberLocale) -> Result<StockLevel, FormatError> {
    read_stock(s, locale).map_err(|kind| FormatError::new(s, FormatTarget::Stock, kind))
}

fn read_stock(s: &str, locale: NumberLocale) -> Result<StockLevel, Kind> {
    let text = s.trim();
    if text.is_empty() {
        return Err(Kind::Empty);
    }
    let (negative, body) = strip_sign(text);
    let (count, phrase) = if body.starts_with(|c: char| c.is_ascii_digit()) {
        if negative {
            return Err(Kind::Negative);
        }
        let (token, rest) = split_number(body);
        let number = parse_number(token, locale)?;
        if number.frac.bytes().any(|b| b != b'0') {
            let fraction = number
                .decimal_at
                .and_then(|i| token.get(i..))
                .unwrap_or(token);
            return Err(Kind::Trailing(fraction.to_owned()));
        }
        let count: u64 = number.int_digits.parse().map_err(|_| Kind::TooLarge)?;
        (Some(count), rest)
    } else {
        (None, text)
    };
    let state = match normalise_phrase(phrase).as_str() {
        "" => None,
        "in stock" | "auf lager" | "am lager" | "lagernd" | "vorrätig" | "verfügbar"
        | "en stock" | "available" => Some(StockState::InStock),
        "out of stock" | "non stocked" | "not stocked" | "nicht vorrätig" | "nicht auf lager"
        | "nicht lagernd" | "nicht verfügbar" | "ausverkauft" | "sold out" | "no stock"
        | "rupture de stock" => Some(StockState::OutOfStock),
        "on order" | "bestellt" | "in bestellung" | "im zulauf" | "backorder" | "backordered"
        | "on backorder" => Some(StockState::OnOrder),
        _ => return Err(Kind::Trailing(phrase.to_owned())),
    };
    let level = |state, on_hand| Ok(StockLevel { state, on_hand });
    match (count, state) {
        (Some(0), None | Some(StockState::InStock | StockState::OutOfStock)) => {
            level(StockState::OutOfStock, Some(0))
        }
        (Some(n), None | Some(StockState::InStock)) => level(StockState::InStock, Some(n)),
        (Some(_), Some(StockState::OnOrder)) => level(StockState::OnOrder, None),
        (None, Some(state)) => level(state, None),
        // "5 Out of Stock" contradicts itself; an empty phrase without a count cannot occur.
        _ => Err(Kind::Trailing(phrase.to_owned())),
    }
}

/// Lower case, hyphens and underscores as spaces, runs of whitespace as one space.
fn normalise_phrase(phrase: &str) -> String {
    phrase
        .to_lowercase()
        .replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------
// The shared number reader.

fn has_digit(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
}

fn is_minus(c: char) -> bool {
    c == '-' || c == '\u{2212}'
}

/// Strips one leading `-` or `−` (U+2212).
fn strip_sign(text: &str) -> (bool, &str) {
    match text.strip_prefix(is_minus) {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

fn is_grouping_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || separator(c).is_some()
}

/// The leading run of digits and separators (without trailing spaces), and the trimmed rest.
fn split_number(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !is_number_char(c))
        .unwrap_or(text.len());
    let token = text[..end].trim_end_matches(is_grouping_space);
    (token, text[token.len()..].trim())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    Point,
    Comma,
    Space,
    Apostrophe,
}

fn separator(c: char) -> Option<Separator> {
    match c {
        '.' => Some(Separator::Point),
        ',' => Some(Separator::Comma),
        '\'' | '\u{2019}' => Some(Separator::Apostrophe),
        c if is_grouping_space(c) => Some(Separator::Space),
        _ => None,
    }
}

/// A number token taken apart: integer digits without grouping, fraction digits, and where
/// the decimal separator stood.
struct Number<'a> {
    int_digits: String,
    frac: &'a str,
    decimal_at: Option<usize>,
}

impl Number<'_> {
    fn to_decimal(&self, negative: bool) -> Result<Decimal, Kind> {
        let mut canonical = String::with_capacity(self.int_digits.len() + self.frac.len() + 2);
        if negative {
            canonical.push('-');
        }
        canonical.push_str(&self.int_digits);
        if !self.frac.is_empty() {
            canonical.push('.');
            canonical.push_str(self.frac);
        }
        // The canonical text is well formed, so the only failures left are size limits.
        Decimal::parse(&canonical).map_err(|_| Kind::TooLarge)
    }
}

/// Takes apart a token of digits and separators (see [`parse_decimal`] for the rules).
fn parse_number(token: &str, locale: NumberLocale) -> Result<Number<'_>, Kind> {
    let mut runs: Vec<&str> = Vec::new();
    let mut seps: Vec<(Separator, usize)> = Vec::new();
    let mut run_start = 0;
    for (i, c) in token.char_indices() {
        if let Some(sep) = separator(c) {
            if i == run_start {
                return Err(Kind::MisplacedGrouping);
            }
            runs.push(&token[run_start..i]);
            seps.push((sep, i));
            run_start = i + c.len_utf8();
        } else if !c.is_ascii_digit() {
            return Err(Kind::NoDigits);
        }
    }
    if run_start == token.len() {
        return Err(if runs.is_empty() {
            Kind::NoDigits
        } else {
            Kind::MisplacedGrouping
        });
    }
    runs.push(&token[run_start..]);

    let count = |kind: Separator| seps.iter().filter(|(s, _)| *s == kind).count();
    let is_mark = |s: Separator| matches!(s, Separator::Point | Separator::Comma);
    let (points, commas) = (count(Separator::Point), count(Separator::Comma));
    let decimal = if points > 0 && commas > 0 {
        // Both occur: the last one is the decimal separator and must occur once.
        let last = seps
            .iter()
            .rposition(|&(s, _)| is_mark(s))
            .ok_or(Kind::MisplacedGrouping)?;
        if count(seps[last].0) > 1 {
            return Err(Kind::MisplacedGrouping);
        }
        Some(last)
    } else if points + commas == 1 {
        let index = seps
            .iter()
            .position(|&(s, _)| is_mark(s))
            .ok_or(Kind::MisplacedGrouping)?;
        let kind = seps[index].0;
        match locale {
            NumberLocale::PointDecimal => (kind == Separator::Point).then_some(index),
            NumberLocale::CommaDecimal => (kind == Separator::Comma).then_some(index),
            NumberLocale::Auto => {
                let three_after = runs[index + 1].len() == 3;
                // Spaces or apostrophes already do the grouping, so the mark is decimal.
                let other_grouping = seps.len() > 1;
                // A thousands group never starts with 0 or has more than 3 digits.
                let head = runs[0];
                let not_a_group = head.len() > 3 || head.starts_with('0');
                if !three_after || other_grouping || not_a_group {
                    Some(index)
                } else {
                    return Err(Kind::Ambiguous);
                }
            }
        }
    } else {
        None
    };

    let (int_runs, frac, decimal_at) = match decimal {
        Some(index) => {
            if index + 1 != seps.len() {
                // Grouping after the decimal separator.
                return Err(Kind::MisplacedGrouping);
            }
            (&runs[..=index], runs[index + 1], Some(seps[index].1))
        }
        None => (&runs[..], "", None),
    };
    let grouping = &seps[..int_runs.len() - 1];
    if let Some(&(first, _)) = grouping.first() {
        let one_style = grouping.iter().all(|&(s, _)| s == first);
        let head_ok = (1..=3).contains(&int_runs[0].len());
        let groups_ok = int_runs[1..].iter().all(|run| run.len() == 3);
        if !(one_style && head_ok && groups_ok) {
            return Err(Kind::MisplacedGrouping);
        }
    }
    Ok(Number {
        int_digits: int_runs.concat(),
        frac,
        decimal_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use NumberLocale::{Auto, CommaDecimal, PointDecimal};

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    fn num(s: &str, locale: NumberLocale) -> String {
        parse_decimal(s, locale).unwrap().to_string()
    }

    fn num_err(s: &str, locale: NumberLocale) -> FormatErrorKind {
        match parse_decimal(s, locale) {
            Err(e) => {
                assert_eq!(e.input, s);
                assert_eq!(e.target, FormatTarget::Number);
                e.kind
            }
            Ok(v) => panic!("{s:?} read as {v}"),
        }
    }

    #[test]
    fn plain_and_grouped_numbers() {
        assert_eq!(num("0.87", Auto), "0.87");
        assert_eq!(num("  42  ", Auto), "42");
        assert_eq!(num("0,10", Auto), "0.10");
        assert_eq!(num("1.234,50", Auto), "1234.50");
        assert_eq!(num("1,234.50", Auto), "1234.50");
        assert_eq!(num("1'234.50", Auto), "1234.50");
        assert_eq!(num("1’234.50", Auto), "1234.50");
        assert_eq!(num("1 234,50", Auto), "1234.50");
        assert_eq!(num("1\u{a0}234,50", Auto), "1234.50");
        assert_eq!(num("1\u{202f}234,50", Auto), "1234.50");
        assert_eq!(num("12\u{202f}345\u{202f}678,9", Auto), "12345678.9");
        assert_eq!(num("1.234.567", Auto), "1234567");
        assert_eq!(num("1,234,567", Auto), "1234567");
        assert_eq!(num("1.234.567,891", Auto), "1234567.891");
        assert_eq!(num("-1.234,5", Auto), "-1234.5");
        assert_eq!(num("\u{2212}3", Auto), "-3");
        assert_eq!(num("1,5", Auto), "1.5");
        assert_eq!(num("1.5", Auto), "1.5");
        assert_eq!(num("12.3456", Auto), "12.3456");
        assert_eq!(num("1'234'567", Auto), "1234567");
    }

    #[test]
    fn single_separator_before_three_digits() {
        assert_eq!(num_err("1,234", Auto), Kind::Ambiguous);
        assert_eq!(num_err("1.234", Auto), Kind::Ambiguous);
        assert_eq!(num_err("-12.345", Auto), Kind::Ambiguous);
        assert_eq!(num("1,234", PointDecimal), "1234");
        assert_eq!(num("1,234", CommaDecimal), "1.234");
        assert_eq!(num("1.234", PointDecimal), "1.234");
        assert_eq!(num("1.234", CommaDecimal), "1234");
        // Readings the text itself rules out.
        assert_eq!(num("0.125", Auto), "0.125");
        assert_eq!(num("1234,567", Auto), "1234.567");
        assert_eq!(num("1 234,567", Auto), "1234.567");
        assert_eq!(num("1'234.567", Auto), "1234.567");
    }

    #[test]
    fn explicit_locale_checks_its_grouping_character() {
        assert_eq!(num_err("1,5", PointDecimal), Kind::MisplacedGrouping);
        assert_eq!(num_err("1.5", CommaDecimal), Kind::MisplacedGrouping);
        assert_eq!(num("1.5", PointDecimal), "1.5");
        assert_eq!(num("1,5", CommaDecimal), "1.5");
        assert_eq!(num("1.234,5", CommaDecimal), "1234.5");
        assert_eq!(num("1,234.5", PointDecimal), "1234.5");
        assert_eq!(num("1 234.5", PointDecimal), "1234.5");
        assert_eq!(num("1'234,5", CommaDecimal), "1234.5");
        assert_eq!(num("1234", CommaDecimal), "1234");
    }

    #[test]
    fn malformed_numbers() {
        assert_eq!(num_err("", Auto), Kind::Empty);
        assert_eq!(num_err("   ", Auto), Kind::Empty);
        assert_eq!(num_err("€", Auto), Kind::NoDigits);
        assert_eq!(num_err("abc", Auto), Kind::NoDigits);
        assert_eq!(num_err("-", Auto), Kind::NoDigits);
        assert_eq!(num_err("--1", Auto), Kind::NoDigits);
        assert_eq!(num_err("1..2", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1,2,3", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("12,34,567", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1.2345,6", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1 2", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1 23", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1234 567", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err(".5", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1.", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1,234.567,8", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1.234 567", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("1'234 567", Auto), Kind::MisplacedGrouping);
        assert_eq!(num_err("12.5x", Auto), Kind::Trailing("x".into()));
        assert_eq!(num_err("12 kg", Auto), Kind::Trailing("kg".into()));
        assert_eq!(num_err("1e3", Auto), Kind::Trailing("e3".into()));
        assert_eq!(num_err("+5", Auto), Kind::NoDigits);
        assert_eq!(num_err("99999999999999999999", Auto), Kind::TooLarge);
        assert_eq!(num_err("0,1234567890123456789", Auto), Kind::TooLarge);
    }

    #[test]
    fn error_messages_quote_the_input() {
        let e = parse_decimal("1,2,3", Auto).unwrap_err();
        let message = e.to_string();
        assert!(
            message.starts_with("cannot read \"1,2,3\" as a number: "),
            "{message}"
        );
        assert!(message.contains("expected"), "{message}");
        let message = parse_price("1,2,3", Auto).unwrap_err().to_string();
        assert!(
            message.starts_with("cannot read \"1,2,3\" as a price: "),
            "{message}"
        );
        let message = parse_decimal("1,234", Auto).unwrap_err().to_string();
        assert!(message.contains("PointDecimal"), "{message}");
    }

    fn price(s: &str, locale: NumberLocale) -> (Option<Currency>, Decimal) {
        let p = parse_price(s, locale).unwrap();
        (p.currency, p.amount)
    }

    fn price_err(s: &str) -> FormatErrorKind {
        match parse_price(s, Auto) {
            Err(e) => {
                assert_eq!(e.input, s);
                e.kind
            }
            Ok(p) => panic!("{s:?} read as {p:?}"),
        }
    }

    #[test]
    fn prices_with_symbols_and_codes() {
        let eur = Some(Currency::EUR);
        assert_eq!(price("$0.87", Auto), (Some(Currency::USD), dec("0.87")));
        assert_eq!(price("0,10 €", Auto), (eur, dec("0.10")));
        assert_eq!(price("0,10\u{a0}€", Auto), (eur, dec("0.10")));
        assert_eq!(price("€1.234,50", Auto), (eur, dec("1234.50")));
        assert_eq!(price("£3.10", Auto), (Some(Currency::GBP), dec("3.10")));
        assert_eq!(
            price("CHF 12.50", Auto),
            (Some(Currency::CHF), dec("12.50"))
        );
        assert_eq!(
            price("12.50 CHF", Auto),
            (Some(Currency::CHF), dec("12.50"))
        );
        assert_eq!(price("1.234,50 EUR", Auto), (eur, dec("1234.50")));
        assert_eq!(price("¥1200", Auto), (Some(Currency::JPY), dec("1200")));
        assert_eq!(price("US$ 4.20", Auto), (Some(Currency::USD), dec("4.20")));
        assert_eq!(price("US$4.20", Auto), (Some(Currency::USD), dec("4.20")));
        assert_eq!(
            price("Fr. 1'234.50", Auto),
            (Some(Currency::CHF), dec("1234.50"))
        );
        assert_eq!(price("eur 5", Auto), (eur, dec("5")));
        assert_eq!(
            price("12,50 kr SEK", Auto),
            (Some(Currency::SEK), dec("12.50"))
        );
        assert_eq!(
            price("SEK 12,50", Auto),
            (Some(Currency::SEK), dec("12.50"))
        );
        assert_eq!(
            price("$ 5.00 CAD", Auto),
            (Currency::parse("CAD").ok(), dec("5.00"))
        );
        assert_eq!(price("$5.00 USD", Auto), (Some(Currency::USD), dec("5.00")));
        assert_eq!(price("12.50", Auto), (None, dec("12.50")));
        assert_eq!(price("-$0.87", Auto), (Some(Currency::USD), dec("-0.87")));
        assert_eq!(price("€-1,50", Auto), (eur, dec("-1.50")));
        assert_eq!(price("1.234 €", CommaDecimal), (eur, dec("1234")));
        assert_eq!(
            price("$1,234", PointDecimal),
            (Some(Currency::USD), dec("1234"))
        );
    }

    #[test]
    fn malformed_prices() {
        assert_eq!(price_err(""), Kind::Empty);
        assert_eq!(price_err("€"), Kind::NoDigits);
        assert_eq!(price_err("$-"), Kind::NoDigits);
        assert_eq!(price_err("abc"), Kind::NoDigits);
        assert_eq!(price_err("-$-5"), Kind::NoDigits);
        assert_eq!(price_err("12,50 kr"), Kind::AmbiguousCurrency("kr".into()));
        assert_eq!(price_err("kr 12,50"), Kind::AmbiguousCurrency("kr".into()));
        assert_eq!(
            price_err("12,50 kr EUR"),
            Kind::AmbiguousCurrency("kr EUR".into())
        );
        assert_eq!(price_err("$12 €"), Kind::AmbiguousCurrency("$ €".into()));
        assert_eq!(
            price_err("EUR 12 USD"),
            Kind::AmbiguousCurrency("EUR USD".into())
        );
        assert_eq!(price_err("12.50 XYZ"), Kind::UnknownCurrency("XYZ".into()));
        assert_eq!(
            price_err("12.50 EURO"),
            Kind::UnknownCurrency("EURO".into())
        );
        assert_eq!(price_err("12.5x"), Kind::UnknownCurrency("x".into()));
        assert_eq!(price_err("$1,234"), Kind::Ambiguous);
        assert_eq!(price_err("€1..2"), Kind::MisplacedGrouping);
        assert_eq!(price_err("$1 2"), Kind::MisplacedGrouping);
        assert_eq!(price_err("$12 x 3"), Kind::Trailing("x 3".into()));
        assert_eq!(price_err("$12/3"), Kind::Trailing("/3".into()));
    }

    fn days(s: &str) -> u32 {
        parse_lead_time_days(s).unwrap()
    }

    fn days_err(s: &str) -> FormatErrorKind {
        match parse_lead_time_days(s) {
            Err(e) => {
                assert_eq!((e.input.as_str(), e.target), (s, FormatTarget::LeadTime));
                e.kind
            }
            Ok(v) => panic!("{s:?} read as {v}"),
        }
    }

    #[test]
    fn lead_times() {
        assert_eq!(days("42 Days"), 42);
        assert_eq!(days("1 day"), 1);
        assert_eq!(days("6 Weeks"), 42);
        assert_eq!(days("3 wks"), 21);
        assert_eq!(days("10 Tage"), 10);
        assert_eq!(days("2 Wochen"), 14);
        assert_eq!(days("5-7 days"), 7);
        assert_eq!(days("5 – 7 Tage"), 7);
        assert_eq!(days("2 to 3 weeks"), 21);
        assert_eq!(days("3 bis 5 Tage"), 5);
        assert_eq!(days("12 d"), 12);
        assert_eq!(days("12d"), 12);
        assert_eq!(days("0 Days"), 0);
        assert_eq!(days("  4 Wo. "), 28);
        assert_eq!(days("7-5 days"), 7);
    }

    #[test]
    fn malformed_lead_times() {
        assert_eq!(days_err(""), Kind::Empty);
        assert_eq!(days_err("Days"), Kind::NoDigits);
        assert_eq!(days_err("-3 days"), Kind::Negative);
        assert_eq!(days_err("42"), Kind::UnknownUnit(String::new()));
        assert_eq!(days_err("3 months"), Kind::UnknownUnit("months".into()));
        assert_eq!(
            days_err("5 business days"),
            Kind::UnknownUnit("business".into())
        );
        assert_eq!(days_err("42 Days approx"), Kind::Trailing("approx".into()));
        assert_eq!(days_err("ca. 5 days"), Kind::Trailing("ca.".into()));
        assert_eq!(days_err("1.5 weeks"), Kind::Trailing(".5 weeks".into()));
        assert_eq!(days_err("5- days"), Kind::NoDigits);
        assert_eq!(days_err("99999999999 days"), Kind::TooLarge);
        assert_eq!(days_err("900000000 weeks"), Kind::TooLarge);
        let message = parse_lead_time_days("3 months").unwrap_err().to_string();
        assert!(
            message.starts_with("cannot read \"3 months\" as a lead time: unknown unit \"months\""),
            "{message}"
        );
    }

    fn stock(s: &str, locale: NumberLocale) -> (StockState, Option<u64>) {
        let level = parse_stock(s, locale).unwrap();
        (level.state, level.on_hand)
    }

    fn stock_err(s: &str, locale: NumberLocale) -> FormatErrorKind {
        match parse_stock(s, locale) {
            Err(e) => {
                assert_eq!((e.input.as_str(), e.target), (s, FormatTarget::Stock));
                e.kind
            }
            Ok(v) => panic!("{s:?} read as {v:?}"),
        }
    }

    #[test]
    fn stock_levels() {
        use StockState::*;
        assert_eq!(stock("15243 In Stock", Auto), (InStock, Some(15243)));
        assert_eq!(
            stock("1.234 auf Lager", CommaDecimal),
            (InStock, Some(1234))
        );
        assert_eq!(stock("1 234 en stock", Auto), (InStock, Some(1234)));
        assert_eq!(stock("1,234,567 In Stock", Auto), (InStock, Some(1234567)));
        assert_eq!(stock("0 In Stock", Auto), (OutOfStock, Some(0)));
        assert_eq!(stock("In Stock", Auto), (InStock, None));
        assert_eq!(stock("  in   stock ", Auto), (InStock, None));
        assert_eq!(stock("Out of Stock", Auto), (OutOfStock, None));
        assert_eq!(stock("Non-Stocked", Auto), (OutOfStock, None));
        assert_eq!(stock("nicht vorrätig", Auto), (OutOfStock, None));
        assert_eq!(stock("Nicht Vorrätig", Auto), (OutOfStock, None));
        assert_eq!(stock("0 Out of Stock", Auto), (OutOfStock, Some(0)));
        assert_eq!(stock("On Order", Auto), (OnOrder, None));
        assert_eq!(stock("500 On Order", Auto), (OnOrder, None));
        assert_eq!(stock("15243", Auto), (InStock, Some(15243)));
        assert_eq!(stock("0", Auto), (OutOfStock, Some(0)));
        assert_eq!(stock("12,0 auf Lager", CommaDecimal), (InStock, Some(12)));
    }

    #[test]
    fn malformed_stock_levels() {
        assert_eq!(stock_err("", Auto), Kind::Empty);
        assert_eq!(stock_err("1.234 auf Lager", Auto), Kind::Ambiguous);
        assert_eq!(
            stock_err("Call for availability", Auto),
            Kind::Trailing("Call for availability".into())
        );
        assert_eq!(
            stock_err("5 Out of Stock", Auto),
            Kind::Trailing("Out of Stock".into())
        );
        assert_eq!(stock_err("-5 In Stock", Auto), Kind::Negative);
        assert_eq!(
            stock_err("1,5 auf Lager", CommaDecimal),
            Kind::Trailing(",5".into())
        );
        assert_eq!(
            stock_err("12 pieces", Auto),
            Kind::Trailing("pieces".into())
        );
        assert_eq!(stock_err("1..2 In Stock", Auto), Kind::MisplacedGrouping);
        assert_eq!(
            stock_err("99999999999999999999 In Stock", Auto),
            Kind::TooLarge
        );
    }
}
