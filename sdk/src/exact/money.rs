//! [`Currency`] (validated ISO 4217 codes with their minor units) and [`Money`] (integer minor
//! units of one currency).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::Decimal;
use super::{ExactError, RoundingMode};

/// Active ISO 4217 alphabetic codes with their minor-unit exponent, sorted by code.
///
/// Country codes plus the national fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW);
/// precious metals, bond units, SDRs and the testing codes (XAU, XBA, XDR, XTS, XXX, …) are
/// left out because nobody prices components in them. Withdrawn codes (HRK, ANG, SLL, ZWL, …)
/// are not accepted.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// The ISO 4217 alphabetic code of an active currency, such as `EUR`.
///
/// Only codes in the built-in list are accepted, so a typo like `"EURO"` or `"XYZ"` is caught
/// where the supplier's data is read, not when an order is already priced. Knows its minor
/// unit ([`Currency::minor_unit_digits`]), which [`Money`] needs. Serialized as the code string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Swiss franc.
    pub const CHF: Currency = Currency(*b"CHF");
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency(*b"JPY");
    /// Swedish krona.
    pub const SEK: Currency = Currency(*b"SEK");

    /// Parses an active ISO 4217 code in upper or lower case (`"usd"` is USD: the Agentic
    /// Commerce Protocol writes codes in lower case). Anything else, including withdrawn
    /// codes, is [`ExactError::InvalidCurrency`].
    pub fn parse(code: &str) -> Result<Self, ExactError> {
        let invalid = || ExactError::InvalidCurrency {
            code: code.to_owned(),
        };
        let &[a, b, c] = code.as_bytes() else {
            return Err(invalid());
        };
        let upper = [
            a.to_ascii_uppercase(),
            b.to_ascii_uppercase(),
            c.to_ascii_uppercase(),
        ];
        match Self::lookup(&upper) {
            Some(_) => Ok(Currency(upper)),
            None => Err(invalid()),
        }
    }

    /// The upper-case code, such as `"EUR"`.
    pub fn code(&self) -> &str {
        // Only ASCII codes from the table are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The ISO 4217 exponent: how many decimal digits the minor unit has (2 for EUR, 0 for
    /// JPY, 3 for KWD, 4 for CLF).
    pub fn minor_unit_digits(&self) -> u8 {
        Self::lookup(&self.0).unwrap_or(2)
    }

    fn lookup(code: &[u8; 3]) -> Option<u8> {
        CURRENCIES
            .binary_search_by(|(known, _)| known.as_bytes().cmp(code.as_slice()))
            .ok()
            .and_then(|index| CURRENCIES.get(index))
            .map(|&(_, digits)| digits)
    }
}

impl fmt::Display for Currency {
    /// The code, such as `EUR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = ExactError;

    /// Same as [`Currency::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::deserialize_from_str(deserializer, "an ISO 4217 currency code such as \"EUR\"")
    }
}

/// An amount of money in integer minor units of one currency (1234 EUR minor units are
/// 12.34 EUR; 1200 JPY minor units are 1200 yen).
///
/// Arithmetic is exact and refuses to mix currencies. Serialized as
/// `{"currency":"EUR","minor":1234}`; displayed as `EUR 12.34`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    currency: Currency,
    minor: i64,
}

impl Money {
    /// `minor` minor units of `currency`.
    pub fn new(currency: Currency, minor: i64) -> Self {
        Money { currency, minor }
    }

    /// Nothing, in `currency`: the start of a sum.
    pub fn zero(currency: Currency) -> Self {
        Money { currency, minor: 0 }
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount in minor units.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// `amount` rounded with `mode` to the currency's minor unit (12.345 EUR with
    /// [`RoundingMode::HalfUp`] is 1235 cents).
    pub fn from_decimal(
        currency: Currency,
        amount: Decimal,
        mode: RoundingMode,
    ) -> Result<Self, ExactError> {
        let rounded = amount.rescale(currency.minor_unit_digits(), mode)?;
        Ok(Money {
            currency,
            minor: rounded.mantissa(),
        })
    }

    /// The amount as a decimal in major units, at the currency's minor-unit scale (`12.34`).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.minor_unit_digits()).unwrap_or(Decimal::ZERO)
    }

    /// The exact sum; both amounts must be in the same currency.
    pub fn checked_add(self, o: Self) -> Result<Self, ExactError> {
        self.same_currency(o)?;
        let minor = self
            .minor
            .checked_add(o.minor)
            .ok_or(ExactError::Overflow)?;
        Ok(Money::new(self.currency, minor))
    }

    /// The exact difference; both amounts must be in the same currency.
    pub fn checked_sub(self, o: Self) -> Result<Self, ExactError> {
        self.same_currency(o)?;
        let minor = self
            .minor
            .checked_sub(o.minor)
            .ok_or(ExactError::Overflow)?;
        Ok(Money::new(self.currency, minor))
    }

    /// The negated amount (a credit for a charge).
    pub fn checked_neg(self) -> Result<Self, ExactError> {
        let minor = self.minor.checked_neg().ok_or(ExactError::Overflow)?;
        Ok(Money::new(self.currency, minor))
    }

    /// The amount times a whole number, exactly.
    pub fn checked_mul_int(self, n: i64) -> Result<Self, ExactError> {
        let minor = self.minor.checked_mul(n).ok_or(ExactError::Overflow)?;
        Ok(Money::new(self.currency, minor))
    }

    /// The exact sum of `items`, all of which must be in `currency` (an empty list sums to
    /// zero, which is why the currency is given).
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        items: I,
    ) -> Result<Money, ExactError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// The distance between two amounts of the same currency in minor units, e.g. to check a
    /// supplier's total against ours within a tolerance.
    pub fn abs_diff_minor(self, o: Self) -> Result<u64, ExactError> {
        self.same_currency(o)?;
        Ok(self.minor.abs_diff(o.minor))
    }

    fn same_currency(self, o: Self) -> Result<(), ExactError> {
        if self.currency == o.currency {
            Ok(())
        } else {
            Err(ExactError::CurrencyMismatch {
                left: self.currency,
                right: o.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    /// The code and the amount in major units: `EUR 12.34`, `JPY 1200`, `KWD -1.234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.to_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn currency_table_is_sorted_unique_and_complete_enough() {
        for pair in CURRENCIES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        assert!(CURRENCIES.len() >= 155, "{}", CURRENCIES.len());
        for (code, digits) in CURRENCIES {
            assert_eq!(code.len(), 3);
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(*digits <= 4);
            assert_eq!(cur(code).code(), *code);
        }
    }

    #[test]
    fn parses_upper_and_lower_case() {
        assert_eq!(cur("EUR"), Currency::EUR);
        assert_eq!(cur("usd"), Currency::USD);
        assert_eq!(cur("Chf"), Currency::CHF);
        for code in ["XAF", "XOF", "XPF", "XCD", "SEK", "GBP", "JPY"] {
            assert_eq!(cur(code).code(), code);
        }
        assert_eq!("gbp".parse::<Currency>().unwrap(), Currency::GBP);
    }

    #[test]
    fn rejects_unknown_codes() {
        for bad in [
            "XYZ", "EU", "EURO", "", "E1R", "€", "ÉUR", "HRK", "XAU", " EUR",
        ] {
            assert_eq!(
                Currency::parse(bad),
                Err(ExactError::InvalidCurrency {
                    code: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        let message = Currency::parse("EURO").unwrap_err().to_string();
        assert!(
            message.contains("\"EURO\"") && message.contains("ISO 4217"),
            "{message}"
        );
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        for code in [
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
            "VND", "VUV", "XAF", "XOF", "XPF",
        ] {
            assert_eq!(cur(code).minor_unit_digits(), 0, "{code}");
        }
        for code in ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"] {
            assert_eq!(cur(code).minor_unit_digits(), 3, "{code}");
        }
        for code in ["CLF", "UYW"] {
            assert_eq!(cur(code).minor_unit_digits(), 4, "{code}");
        }
        assert_eq!(Currency::EUR.minor_unit_digits(), 2);
        assert_eq!(Currency::SEK.minor_unit_digits(), 2);
    }

    #[test]
    fn currency_display_debug_and_order() {
        assert_eq!(Currency::EUR.to_string(), "EUR");
        assert_eq!(format!("{:?}", Currency::EUR), "Currency(EUR)");
        assert!(Currency::CHF < Currency::EUR && Currency::EUR < Currency::USD);
    }

    #[test]
    fn from_decimal_rounds_to_the_minor_unit() {
        use RoundingMode::*;
        let m = Money::from_decimal(Currency::EUR, d("12.345"), HalfUp).unwrap();
        assert_eq!(m.minor(), 1235);
        assert_eq!(
            Money::from_decimal(Currency::EUR, d("12.345"), HalfEven)
                .unwrap()
                .minor(),
            1234
        );
        assert_eq!(
            Money::from_decimal(Currency::EUR, d("12.3"), HalfUp)
                .unwrap()
                .minor(),
            1230
        );
        assert_eq!(
            Money::from_decimal(Currency::EUR, d("-0.005"), HalfUp)
                .unwrap()
                .minor(),
            -1
        );
        assert_eq!(
            Money::from_decimal(Currency::JPY, d("1199.5"), HalfUp)
                .unwrap()
                .minor(),
            1200
        );
        assert_eq!(
            Money::from_decimal(Currency::JPY, d("1200.4"), HalfUp)
                .unwrap()
                .minor(),
            1200
        );
        assert_eq!(
            Money::from_decimal(Currency::JPY, d("1200"), HalfUp)
                .unwrap()
                .minor(),
            1200
        );
        let kwd = cur("KWD");
        assert_eq!(
            Money::from_decimal(kwd, d("1.2345"), HalfUp)
                .unwrap()
                .minor(),
            1235
        );
        assert_eq!(
            Money::from_decimal(kwd, d("1.2345"), TowardZero)
                .unwrap()
                .minor(),
            1234
        );
        assert_eq!(
            Money::from_decimal(kwd, d("1.2"), HalfUp).unwrap().minor(),
            1200
        );
        assert_eq!(
            Money::from_decimal(Currency::EUR, d("92233720368547758.07"), HalfUp)
                .unwrap()
                .minor(),
            i64::MAX
        );
        assert_eq!(
            Money::from_decimal(Currency::EUR, Decimal::from_int(i64::MAX), HalfUp),
            Err(ExactError::Overflow)
        );
    }

    #[test]
    fn to_decimal_and_display_use_the_minor_unit() {
        assert_eq!(Money::new(Currency::EUR, 1234).to_string(), "EUR 12.34");
        assert_eq!(Money::new(Currency::EUR, 5).to_string(), "EUR 0.05");
        assert_eq!(Money::new(Currency::EUR, -1234).to_string(), "EUR -12.34");
        assert_eq!(Money::new(Currency::JPY, 1200).to_string(), "JPY 1200");
        assert_eq!(Money::new(cur("KWD"), 1234).to_string(), "KWD 1.234");
        assert_eq!(Money::new(cur("CLF"), 12345).to_string(), "CLF 1.2345");
        let decimal = Money::new(Currency::EUR, 1230).to_decimal();
        assert_eq!(decimal.to_string(), "12.30");
        assert_eq!(decimal.scale(), 2);
    }

    #[test]
    fn arithmetic_is_exact_and_keeps_currencies_apart() {
        let a = Money::new(Currency::EUR, 1050);
        let b = Money::new(Currency::EUR, 275);
        let usd = Money::new(Currency::USD, 100);
        assert_eq!(a.checked_add(b).unwrap(), Money::new(Currency::EUR, 1325));
        assert_eq!(b.checked_sub(a).unwrap(), Money::new(Currency::EUR, -775));
        assert_eq!(a.checked_neg().unwrap().minor(), -1050);
        assert_eq!(a.checked_mul_int(-3).unwrap().minor(), -3150);
        assert_eq!(
            a.checked_add(usd),
            Err(ExactError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::USD
            })
        );
        assert_eq!(
            a.checked_sub(usd).unwrap_err().to_string(),
            "currency mismatch: cannot combine EUR with USD"
        );
        assert_eq!(
            Money::new(Currency::EUR, i64::MAX).checked_add(Money::new(Currency::EUR, 1)),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            Money::new(Currency::EUR, i64::MIN).checked_neg(),
            Err(ExactError::Overflow)
        );
        assert_eq!(a.checked_mul_int(i64::MAX), Err(ExactError::Overflow));
    }

    #[test]
    fn sums_and_differences() {
        let items = [1, 2, 3].map(|n| Money::new(Currency::EUR, n * 100));
        assert_eq!(Money::sum(Currency::EUR, items).unwrap().minor(), 600);
        assert_eq!(
            Money::sum(Currency::EUR, []).unwrap(),
            Money::zero(Currency::EUR)
        );
        assert_eq!(
            Money::sum(Currency::EUR, [Money::new(Currency::USD, 1)]),
            Err(ExactError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::USD
            })
        );
        let a = Money::new(Currency::EUR, 1000);
        let b = Money::new(Currency::EUR, 997);
        assert_eq!(a.abs_diff_minor(b), Ok(3));
        assert_eq!(b.abs_diff_minor(a), Ok(3));
        assert_eq!(
            Money::new(Currency::EUR, i64::MIN).abs_diff_minor(Money::new(Currency::EUR, i64::MAX)),
            Ok(u64::MAX)
        );
        assert!(a.abs_diff_minor(Money::new(Currency::GBP, 1)).is_err());
    }

    #[cfg(feature = "guest")]
    #[test]
    fn serde_shapes() {
        let m = Money::new(Currency::EUR, 1234);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"currency":"EUR","minor":1234}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        let lower: Money = serde_json::from_str(r#"{"currency":"eur","minor":5}"#).unwrap();
        assert_eq!(lower.currency(), Currency::EUR);
        assert!(serde_json::from_str::<Money>(r#"{"currency":"XYZ","minor":5}"#).is_err());
        assert_eq!(serde_json::to_string(&Currency::CHF).unwrap(), "\"CHF\"");
        assert!(serde_json::from_str::<Currency>("\"EURO\"").is_err());
    }
}
