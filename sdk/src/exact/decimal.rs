//! [`Decimal`]: a signed `i64` mantissa with a power-of-ten scale, and the one rounding
//! routine that every other exact type uses.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ExactError;

/// How to round when a result has more digits than the target scale.
///
/// Every operation that can drop digits takes a mode explicitly, so the rounding a supplier
/// or a tax authority demands is visible where it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RoundingMode {
    /// Half away from zero (2.5 → 3, -2.5 → -3, 2.45 → 2.5): commercial rounding, the default
    /// on invoices.
    #[default]
    HalfUp,
    /// Half to the even neighbour (2.5 → 2, 3.5 → 4, 2.45 → 2.4): banker's rounding, unbiased
    /// over many sums.
    HalfEven,
    /// Drop the extra digits (2.9 → 2, -2.9 → -2).
    TowardZero,
    /// Any remainder moves away from zero (2.1 → 3, -2.1 → -3).
    AwayFromZero,
    /// Toward negative infinity (2.9 → 2, -2.1 → -3).
    Floor,
    /// Toward positive infinity (2.1 → 3, -2.9 → -2).
    Ceiling,
}

/// An exact decimal number: value = mantissa × 10^-scale, with a scale of 0 to 18.
///
/// Equality, ordering and hashing go by value, so `1.50 == 1.5`; [`Display`](fmt::Display)
/// keeps the scale (`1.50` prints as `1.50`). Serialized as a canonical string such as
/// `"12.34"`, never as a JSON number, because JSON readers commonly turn numbers into floats.
#[derive(Clone, Copy)]
pub struct Decimal {
    mantissa: i64,
    scale: u8,
}

impl Decimal {
    /// Zero, at scale 0.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };
    /// One, at scale 0.
    pub const ONE: Decimal = Decimal {
        mantissa: 1,
        scale: 0,
    };
    /// The largest supported scale: 18 fractional digits, the most an `i64` mantissa can
    /// carry with a non-zero integer part.
    pub const MAX_SCALE: u8 = 18;

    /// The decimal `mantissa × 10^-scale`; fails with [`ExactError::ScaleTooLarge`] above
    /// [`Decimal::MAX_SCALE`].
    pub fn new(mantissa: i64, scale: u8) -> Result<Self, ExactError> {
        if scale > Self::MAX_SCALE {
            return Err(ExactError::ScaleTooLarge {
                scale: u32::from(scale),
            });
        }
        Ok(Decimal { mantissa, scale })
    }

    /// The integer `v`, at scale 0. Usable in constants.
    pub const fn from_int(v: i64) -> Self {
        Decimal {
            mantissa: v,
            scale: 0,
        }
    }

    /// The mantissa: the value times 10^scale.
    pub fn mantissa(&self) -> i64 {
        self.mantissa
    }

    /// The number of fractional digits this value carries.
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// Parses the canonical form only: an optional `-`, digits, and optionally `.` followed
    /// by 1 to 18 digits (`"-12.3400"`). No `+`, grouping, spaces or exponent, so that a
    /// localised string can never be misread; use [`crate::formats::parse_decimal`] for those.
    pub fn parse(s: &str) -> Result<Self, ExactError> {
        let invalid = |reason: &'static str| ExactError::InvalidDecimal {
            input: s.to_owned(),
            reason,
        };
        const SHAPE: &str = "expected an optional '-', digits, and optionally '.' followed by \
                             digits (no '+', grouping, spaces or exponent)";
        if s.is_empty() {
            return Err(invalid("the text is empty; expected digits such as 12.34"));
        }
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if body.is_empty() {
            return Err(invalid("expected digits after the '-' sign"));
        }
        let (int_part, frac_part) = match body.split_once('.') {
            Some((int_part, frac_part)) => (int_part, frac_part),
            None => (body, ""),
        };
        if int_part.is_empty() {
            return Err(invalid("expected a digit before the decimal point"));
        }
        if body.ends_with('.') {
            return Err(invalid("expected digits after the decimal point"));
        }
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) || !all_digits(frac_part) {
            return Err(invalid(SHAPE));
        }
        if frac_part.len() > usize::from(Self::MAX_SCALE) {
            return Err(invalid("more than 18 digits after the decimal point"));
        }
        let too_large = "the number is too large: expected at most 19 significant digits \
                         (a 64-bit mantissa)";
        let mut magnitude: u128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            magnitude = magnitude * 10 + u128::from(b - b'0');
            if magnitude > 1 << 63 {
                return Err(invalid(too_large));
            }
        }
        let mantissa = signed_i64(magnitude, negative).map_err(|_| invalid(too_large))?;
        let scale = u8::try_from(frac_part.len()).map_err(|_| invalid(too_large))?;
        Ok(Decimal { mantissa, scale })
    }

    /// The same value with trailing fractional zeros removed (`1.500` → `1.5`, `2.00` → `2`).
    pub fn normalized(self) -> Self {
        let (mut mantissa, mut scale) = (self.mantissa, self.scale);
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        Decimal { mantissa, scale }
    }

    /// The value at exactly `scale` fractional digits. Raising the scale is exact (and fails
    /// with [`ExactError::Overflow`] if the mantissa no longer fits); lowering it rounds with
    /// `mode`.
    pub fn rescale(self, scale: u8, mode: RoundingMode) -> Result<Self, ExactError> {
        if scale > Self::MAX_SCALE {
            return Err(ExactError::ScaleTooLarge {
                scale: u32::from(scale),
            });
        }
        let negative = self.mantissa < 0;
        let exp = i32::from(scale) - i32::from(self.scale);
        let magnitude = scaled_div_round(self.magnitude(), 1, exp, negative, mode)?;
        Ok(Decimal {
            mantissa: signed_i64(magnitude, negative)?,
            scale,
        })
    }

    /// The exact sum, at the larger of the two scales.
    pub fn checked_add(self, o: Self) -> Result<Self, ExactError> {
        let scale = self.scale.max(o.scale);
        let sum = self.wide_at(scale) + o.wide_at(scale);
        from_wide(sum.unsigned_abs(), sum < 0, scale)
    }

    /// The exact difference, at the larger of the two scales.
    pub fn checked_sub(self, o: Self) -> Result<Self, ExactError> {
        let scale = self.scale.max(o.scale);
        let difference = self.wide_at(scale) - o.wide_at(scale);
        from_wide(difference.unsigned_abs(), difference < 0, scale)
    }

    /// The product, at the sum of the two scales. Above 18 fractional digits the product is
    /// rounded half-even to 18; a product too large for the mantissa is
    /// [`ExactError::Overflow`].
    pub fn checked_mul(self, o: Self) -> Result<Self, ExactError> {
        let negative = (self.mantissa < 0) != (o.mantissa < 0);
        let product = self.magnitude() * o.magnitude();
        let scale = self.scale + o.scale;
        if scale > Self::MAX_SCALE {
            let exp = -i32::from(scale - Self::MAX_SCALE);
            let rounded = scaled_div_round(product, 1, exp, negative, RoundingMode::HalfEven)?;
            from_wide(rounded, negative, Self::MAX_SCALE)
        } else {
            from_wide(product, negative, scale)
        }
    }

    /// The negation; only fails for the one mantissa without a positive counterpart.
    pub fn checked_neg(self) -> Result<Self, ExactError> {
        Ok(Decimal {
            mantissa: self.mantissa.checked_neg().ok_or(ExactError::Overflow)?,
            scale: self.scale,
        })
    }

    /// `self / o` at `scale` fractional digits, computed exactly and rounded once with `mode`.
    pub fn checked_div(self, o: Self, scale: u8, mode: RoundingMode) -> Result<Self, ExactError> {
        if scale > Self::MAX_SCALE {
            return Err(ExactError::ScaleTooLarge {
                scale: u32::from(scale),
            });
        }
        if o.is_zero() {
            return Err(ExactError::DivisionByZero);
        }
        let negative = (self.mantissa < 0) != (o.mantissa < 0);
        // self / o × 10^scale = m1 × 10^(scale + s2 - s1) / m2
        let exp = i32::from(scale) + i32::from(o.scale) - i32::from(self.scale);
        let magnitude = scaled_div_round(
            self.magnitude(),
            o.mantissa.unsigned_abs(),
            exp,
            negative,
            mode,
        )?;
        Ok(Decimal {
            mantissa: signed_i64(magnitude, negative)?,
            scale,
        })
    }

    /// Whether the value is zero (at any scale).
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// Whether the value is above zero.
    pub fn is_positive(&self) -> bool {
        self.mantissa > 0
    }

    /// The absolute value, at the same scale. Fails with [`ExactError::Overflow`] only for the
    /// mantissa `i64::MIN`, whose magnitude does not fit.
    pub fn abs(self) -> Result<Self, ExactError> {
        if self.mantissa < 0 {
            self.checked_neg()
        } else {
            Ok(self)
        }
    }

    /// The exact value × 10^`scale` as an integer, e.g. `12.34` at scale 2 is `1234`. `None`
    /// if that is not an integer (`12.345` at scale 2) or does not fit in an `i128`.
    pub fn to_i128_scaled(self, scale: u8) -> Option<i128> {
        let mantissa = i128::from(self.mantissa);
        if scale >= self.scale {
            mantissa.checked_mul(10i128.checked_pow(u32::from(scale - self.scale))?)
        } else {
            let divisor = 10i128.checked_pow(u32::from(self.scale - scale))?;
            (mantissa % divisor == 0).then(|| mantissa / divisor)
        }
    }

    /// |mantissa| as a `u128`.
    fn magnitude(self) -> u128 {
        u128::from(self.mantissa.unsigned_abs())
    }

    /// The mantissa at `scale` (≥ self.scale, ≤ 18), which always fits an `i128`.
    fn wide_at(self, scale: u8) -> i128 {
        i128::from(self.mantissa) * pow10_i128(scale - self.scale)
    }

    /// The value × 10^18: a key that orders and compares every decimal by value.
    fn value_key(self) -> i128 {
        self.wide_at(Self::MAX_SCALE)
    }
}

/// 10^`n` for `n` ≤ 18 (callers keep to the scale invariant).
fn pow10_i128(n: u8) -> i128 {
    10i128.pow(u32::from(n))
}

/// A decimal from a sign and a wide magnitude at `scale`; if the mantissa does not fit, exact
/// trailing zeros are dropped (lowering the scale) before giving up with `Overflow`.
fn from_wide(magnitude: u128, negative: bool, scale: u8) -> Result<Decimal, ExactError> {
    let (mut magnitude, mut scale) = (magnitude, scale);
    loop {
        match signed_i64(magnitude, negative) {
            Ok(mantissa) => return Ok(Decimal { mantissa, scale }),
            Err(error) if scale == 0 || magnitude % 10 != 0 => return Err(error),
            Err(_) => {
                magnitude /= 10;
                scale -= 1;
            }
        }
    }
}

/// `magnitude` with a sign as an `i64`, or `Overflow`.
pub(crate) fn signed_i64(magnitude: u128, negative: bool) -> Result<i64, ExactError> {
    let wide = i128::try_from(magnitude).map_err(|_| ExactError::Overflow)?;
    let signed = if negative { -wide } else { wide };
    i64::try_from(signed).map_err(|_| ExactError::Overflow)
}

/// Where a discarded remainder lies between two neighbouring results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Remainder {
    Zero,
    BelowHalf,
    Half,
    AboveHalf,
}

impl Remainder {
    /// Classifies `r / d` for `0 ≤ r < d`.
    fn of(r: u128, d: u128) -> Self {
        if r == 0 {
            return Remainder::Zero;
        }
        match r.cmp(&(d - r)) {
            Ordering::Less => Remainder::BelowHalf,
            Ordering::Equal => Remainder::Half,
            Ordering::Greater => Remainder::AboveHalf,
        }
    }
}

/// Whether a truncated magnitude `q` with remainder `rem` moves one step away from zero.
fn rounds_away(q: u128, rem: Remainder, negative: bool, mode: RoundingMode) -> bool {
    if rem == Remainder::Zero {
        return false;
    }
    match mode {
        RoundingMode::TowardZero => false,
        RoundingMode::AwayFromZero => true,
        RoundingMode::Floor => negative,
        RoundingMode::Ceiling => !negative,
        RoundingMode::HalfUp => rem != Remainder::BelowHalf,
        RoundingMode::HalfEven => match rem {
            Remainder::AboveHalf => true,
            Remainder::Half => q % 2 == 1,
            Remainder::Zero | Remainder::BelowHalf => false,
        },
    }
}

/// The magnitude of `n × 10^exp / d`, computed exactly and rounded once with `mode`; `negative`
/// is the sign of the true result (it matters for `Floor` and `Ceiling`).
///
/// Large positive exponents are handled by long division, one digit at a time, so no
/// intermediate product overflows before the result itself does.
pub(crate) fn scaled_div_round(
    n: u128,
    d: u64,
    exp: i32,
    negative: bool,
    mode: RoundingMode,
) -> Result<u128, ExactError> {
    if d == 0 {
        return Err(ExactError::DivisionByZero);
    }
    let d = u128::from(d);
    let (q, rem) = if exp >= 0 {
        let (mut q, mut r) = (n / d, n % d);
        for _ in 0..exp {
            // r < d < 2^64, so r × 10 cannot overflow.
            let shifted = r * 10;
            q = q
                .checked_mul(10)
                .and_then(|q| q.checked_add(shifted / d))
                .ok_or(ExactError::Overflow)?;
            r = shifted % d;
        }
        (q, Remainder::of(r, d))
    } else {
        // n / (d × 10^k) = (q1 + r1/d) / 10^k with q1 = n / d, r1 = n % d.
        let (q1, r1) = (n / d, n % d);
        match 10u128.checked_pow(exp.unsigned_abs()) {
            Some(p) => {
                let (q, r2) = (q1 / p, q1 % p);
                let half = p / 2;
                let rem = if r2 == 0 && r1 == 0 {
                    Remainder::Zero
                } else if r2 < half {
                    Remainder::BelowHalf
                } else if r2 == half && r1 == 0 {
                    Remainder::Half
                } else {
                    Remainder::AboveHalf
                };
                (q, rem)
            }
            // 10^k ≥ 10^39 exceeds any u128, so the quotient is below one half.
            None => (
                0,
                if n == 0 {
                    Remainder::Zero
                } else {
                    Remainder::BelowHalf
                },
            ),
        }
    };
    if rounds_away(q, rem, negative, mode) {
        q.checked_add(1).ok_or(ExactError::Overflow)
    } else {
        Ok(q)
    }
}

/// Digits of `magnitude` with a decimal point inserted `scale` digits from the right
/// (`1234`, 2 → `"12.34"`; `5`, 3 → `"0.005"`).
pub(crate) fn digits_with_point(magnitude: u128, scale: u8) -> String {
    let digits = magnitude.to_string();
    let scale = usize::from(scale);
    if scale == 0 {
        return digits;
    }
    let padded = if digits.len() <= scale {
        let mut padded = "0".repeat(scale + 1 - digits.len());
        padded.push_str(&digits);
        padded
    } else {
        digits
    };
    let (int_part, frac_part) = padded.split_at(padded.len() - scale);
    format!("{int_part}.{frac_part}")
}

impl Default for Decimal {
    /// Zero.
    fn default() -> Self {
        Decimal::ZERO
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.value_key() == other.value_key()
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value_key().cmp(&other.value_key())
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let normalized = self.normalized();
        normalized.mantissa.hash(state);
        normalized.scale.hash(state);
    }
}

impl fmt::Display for Decimal {
    /// The canonical form, keeping the scale: `-12.3400`. Width, fill and `+` flags apply.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad_integral(
            self.mantissa >= 0,
            "",
            &digits_with_point(self.magnitude(), self.scale),
        )
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = ExactError;

    /// Same as [`Decimal::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::deserialize_from_str(deserializer, "a decimal number as a string, like \"12.34\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    fn hash_of(v: Decimal) -> u64 {
        let mut h = DefaultHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    #[test]
    fn parses_canonical_forms() {
        assert_eq!(d("0"), Decimal::ZERO);
        assert_eq!(d("12.34").mantissa(), 1234);
        assert_eq!(d("12.34").scale(), 2);
        assert_eq!(d("-12.3400").mantissa(), -123400);
        assert_eq!(d("-12.3400").scale(), 4);
        assert_eq!(d("007").mantissa(), 7);
        assert_eq!(d("-0").mantissa(), 0);
        assert_eq!(d("0.000000000000000001").scale(), 18);
        assert_eq!(d("9223372036854775807").mantissa(), i64::MAX);
        assert_eq!(d("-9223372036854775808").mantissa(), i64::MIN);
        assert_eq!(d("-9.223372036854775808").mantissa(), i64::MIN);
        assert_eq!("1.5".parse::<Decimal>().unwrap(), d("1.50"));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "-",
            "1.",
            ".5",
            "-.5",
            "1e3",
            "1,5",
            "--1",
            "+1",
            " 1",
            "1 ",
            "1.2.3",
            "1_000",
            "abc",
            "1.0000000000000000000",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999999999999999999999",
        ] {
            match Decimal::parse(bad) {
                Err(ExactError::InvalidDecimal { input, .. }) => assert_eq!(input, bad),
                other => panic!("{bad:?} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn parse_errors_quote_the_input_and_say_what_was_expected() {
        let message = Decimal::parse("1e3").unwrap_err().to_string();
        assert!(message.contains("\"1e3\""), "{message}");
        assert!(message.contains("expected"), "{message}");
        let message = Decimal::parse("0.1234567890123456789")
            .unwrap_err()
            .to_string();
        assert!(message.contains("18 digits"), "{message}");
    }

    #[test]
    fn new_checks_the_scale() {
        assert_eq!(Decimal::new(5, 18).unwrap().scale(), 18);
        assert_eq!(
            Decimal::new(5, 19),
            Err(ExactError::ScaleTooLarge { scale: 19 })
        );
        assert_eq!(Decimal::from_int(-3), d("-3.000"));
    }

    #[test]
    fn equality_ordering_and_hash_go_by_value() {
        assert_eq!(d("1.50"), d("1.5"));
        assert_eq!(d("2"), d("2.000000000000000000"));
        assert_eq!(hash_of(d("1.50")), hash_of(d("1.5")));
        assert_eq!(hash_of(d("0.00")), hash_of(Decimal::ZERO));
        assert_ne!(d("1.5"), d("1.05"));
        assert!(d("1.05") < d("1.5"));
        assert!(d("-1.5") < d("-1.05"));
        assert!(d("9223372036854775807") > d("922337203685477580.7"));
        let mut values = [d("2.5"), d("-1"), d("0.75"), d("2.50"), d("-1.25")];
        values.sort();
        let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(shown, ["-1.25", "-1", "0.75", "2.5", "2.50"]);
    }

    #[test]
    fn displays_the_canonical_form_with_its_scale() {
        assert_eq!(d("-12.3400").to_string(), "-12.3400");
        assert_eq!(d("0.005").to_string(), "0.005");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(Decimal::new(5, 0).unwrap().to_string(), "5");
        assert_eq!(
            Decimal::new(i64::MIN, 18).unwrap().to_string(),
            "-9.223372036854775808"
        );
        assert_eq!(format!("{:>8}", d("1.5")), "     1.5");
        assert_eq!(format!("{:+}", d("1.5")), "+1.5");
        assert_eq!(format!("{:?}", d("1.50")), "Decimal(1.50)");
    }

    #[test]
    fn normalizes_trailing_zeros() {
        let n = d("1.500").normalized();
        assert_eq!((n.mantissa(), n.scale()), (15, 1));
        let n = d("100").normalized();
        assert_eq!((n.mantissa(), n.scale()), (100, 0));
        let n = d("-2.000").normalized();
        assert_eq!((n.mantissa(), n.scale()), (-2, 0));
    }

    fn round(s: &str, scale: u8, mode: RoundingMode) -> String {
        d(s).rescale(scale, mode).unwrap().to_string()
    }

    #[test]
    fn every_rounding_mode_on_halves_and_non_halves() {
        use RoundingMode::*;
        let cases: [(&str, [&str; 6]); 10] = [
            // input   HalfUp  HalfEven TowardZero AwayFromZero Floor Ceiling
            ("2.5", ["3", "2", "2", "3", "2", "3"]),
            ("-2.5", ["-3", "-2", "-2", "-3", "-3", "-2"]),
            ("3.5", ["4", "4", "3", "4", "3", "4"]),
            ("-3.5", ["-4", "-4", "-3", "-4", "-4", "-3"]),
            ("2.4", ["2", "2", "2", "3", "2", "3"]),
            ("2.6", ["3", "3", "2", "3", "2", "3"]),
            ("-2.6", ["-3", "-3", "-2", "-3", "-3", "-2"]),
            ("2.51", ["3", "3", "2", "3", "2", "3"]),
            ("2.0", ["2", "2", "2", "2", "2", "2"]),
            ("-0.4", ["0", "0", "0", "-1", "-1", "0"]),
        ];
        for (input, expected) in cases {
            for (mode, want) in [HalfUp, HalfEven, TowardZero, AwayFromZero, Floor, Ceiling]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(round(input, 0, mode), want, "{input} {mode:?}");
            }
        }
        assert_eq!(round("2.45", 1, HalfUp), "2.5");
        assert_eq!(round("2.45", 1, HalfEven), "2.4");
        assert_eq!(round("2.55", 1, HalfEven), "2.6");
        assert_eq!(round("-2.45", 1, HalfUp), "-2.5");
        assert_eq!(round("-2.45", 1, HalfEven), "-2.4");
        assert_eq!(round("2.4500001", 1, HalfEven), "2.5");
        assert_eq!(round("2.449", 1, HalfUp), "2.4");
        assert_eq!(round("0.005", 2, HalfUp), "0.01");
        assert_eq!(round("0.005", 2, HalfEven), "0.00");
        assert_eq!(RoundingMode::default(), HalfUp);
    }

    #[test]
    fn rescale_up_is_exact_and_overflow_checked() {
        assert_eq!(
            d("1.5")
                .rescale(4, RoundingMode::HalfUp)
                .unwrap()
                .to_string(),
            "1.5000"
        );
        assert_eq!(
            d("9223372036854775807").rescale(1, RoundingMode::HalfUp),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            d("1").rescale(19, RoundingMode::HalfUp),
            Err(ExactError::ScaleTooLarge { scale: 19 })
        );
        // Lowering the scale of the most negative mantissa stays in range.
        assert_eq!(
            Decimal::new(i64::MIN, 18)
                .unwrap()
                .rescale(0, RoundingMode::Floor)
                .unwrap(),
            d("-10")
        );
    }

    #[test]
    fn addition_and_subtraction() {
        let sum = d("1.25").checked_add(d("2.5")).unwrap();
        assert_eq!(sum.to_string(), "3.75");
        assert_eq!(
            d("1.50").checked_add(d("1.00")).unwrap().to_string(),
            "2.50"
        );
        assert_eq!(d("1").checked_sub(d("2.75")).unwrap().to_string(), "-1.75");
        assert_eq!(
            d("9223372036854775807").checked_add(d("1")),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            d("-9223372036854775808").checked_sub(d("1")),
            Err(ExactError::Overflow)
        );
        // The exact sum fits once its zero fractional digit is dropped.
        let big = d("922337203685477580");
        assert_eq!(big.checked_add(d("0.0")).unwrap(), big);
        // ... but not when the fraction is significant.
        assert_eq!(big.checked_add(d("0.8")), Err(ExactError::Overflow));
    }

    #[test]
    fn multiplication() {
        assert_eq!(
            d("1.5").checked_mul(d("-2.25")).unwrap().to_string(),
            "-3.375"
        );
        assert_eq!(d("0.10").checked_mul(d("3")).unwrap().to_string(), "0.30");
        // 10 + 10 fractional digits round half-even to 18.
        let tiny = d("0.0000000005");
        let product = tiny.checked_mul(tiny).unwrap();
        assert_eq!(product, Decimal::ZERO);
        assert_eq!(product.scale(), 18);
        let product = d("0.0000000015").checked_mul(d("0.000000001")).unwrap();
        assert_eq!(product.to_string(), "0.000000000000000002");
        assert_eq!(
            d("4294967296").checked_mul(d("4294967296")),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            d("-9223372036854775808").checked_mul(d("-1")),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            d("-9223372036854775808").checked_mul(d("1")).unwrap(),
            d("-9223372036854775808")
        );
    }

    #[test]
    fn negation_and_absolute_value() {
        assert_eq!(d("1.5").checked_neg().unwrap(), d("-1.5"));
        assert_eq!(
            Decimal::from_int(i64::MIN).checked_neg(),
            Err(ExactError::Overflow)
        );
        assert_eq!(d("-2.50").abs().unwrap().to_string(), "2.50");
        assert_eq!(Decimal::from_int(i64::MIN).abs(), Err(ExactError::Overflow));
        assert!(d("-0.01").is_negative());
        assert!(d("0.01").is_positive());
        assert!(d("0.000").is_zero());
        assert!(!Decimal::ZERO.is_positive() && !Decimal::ZERO.is_negative());
    }

    #[test]
    fn division() {
        use RoundingMode::*;
        assert_eq!(
            d("10").checked_div(d("4"), 2, HalfUp).unwrap().to_string(),
            "2.50"
        );
        assert_eq!(
            d("1").checked_div(d("3"), 4, HalfUp).unwrap().to_string(),
            "0.3333"
        );
        assert_eq!(
            d("2").checked_div(d("3"), 4, HalfUp).unwrap().to_string(),
            "0.6667"
        );
        assert_eq!(
            d("2")
                .checked_div(d("3"), 4, TowardZero)
                .unwrap()
                .to_string(),
            "0.6666"
        );
        assert_eq!(
            d("-1").checked_div(d("3"), 2, Floor).unwrap().to_string(),
            "-0.34"
        );
        assert_eq!(
            d("-1").checked_div(d("3"), 2, Ceiling).unwrap().to_string(),
            "-0.33"
        );
        assert_eq!(
            d("1")
                .checked_div(d("-8"), 2, HalfEven)
                .unwrap()
                .to_string(),
            "-0.12"
        );
        assert_eq!(
            d("1").checked_div(d("-8"), 2, HalfUp).unwrap().to_string(),
            "-0.13"
        );
        assert_eq!(
            d("12.50")
                .checked_div(d("100"), 4, HalfUp)
                .unwrap()
                .to_string(),
            "0.1250"
        );
        assert_eq!(
            d("0.001").checked_div(d("1000"), 0, HalfUp).unwrap(),
            Decimal::ZERO
        );
        // The exact quotient may need more digits than any intermediate holds.
        assert_eq!(
            d("9.223372036854775807")
                .checked_div(d("0.000000000000000003"), 0, HalfUp)
                .unwrap(),
            d("3074457345618258602")
        );
        assert_eq!(
            d("1").checked_div(d("0.000000000000000001"), 18, HalfUp),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            d("1").checked_div(d("0.00"), 2, HalfUp),
            Err(ExactError::DivisionByZero)
        );
        assert_eq!(
            d("1").checked_div(d("3"), 19, HalfUp),
            Err(ExactError::ScaleTooLarge { scale: 19 })
        );
    }

    #[test]
    fn scaled_integers() {
        assert_eq!(d("12.34").to_i128_scaled(2), Some(1234));
        assert_eq!(d("12.34").to_i128_scaled(4), Some(123400));
        assert_eq!(d("12.30").to_i128_scaled(1), Some(123));
        assert_eq!(d("12.345").to_i128_scaled(2), None);
        assert_eq!(d("-5").to_i128_scaled(0), Some(-5));
        assert_eq!(d("1").to_i128_scaled(38), Some(10i128.pow(38)));
        assert_eq!(d("2").to_i128_scaled(38), None);
        assert_eq!(d("1").to_i128_scaled(200), None);
    }

    #[test]
    fn rounding_helper_handles_extreme_exponents() {
        use RoundingMode::*;
        assert_eq!(scaled_div_round(5, 1, -60, false, HalfUp), Ok(0));
        assert_eq!(scaled_div_round(5, 1, -60, false, Ceiling), Ok(1));
        assert_eq!(scaled_div_round(0, 1, -60, false, Ceiling), Ok(0));
        assert_eq!(
            scaled_div_round(1, 1, 40, false, HalfUp),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            scaled_div_round(1, 0, 0, false, HalfUp),
            Err(ExactError::DivisionByZero)
        );
        assert_eq!(scaled_div_round(25, 1, -1, false, HalfEven), Ok(2));
        assert_eq!(scaled_div_round(251, 1, -2, false, HalfEven), Ok(3));
        assert_eq!(scaled_div_round(250, 1, -2, false, HalfEven), Ok(2));
    }

    #[cfg(feature = "guest")]
    #[test]
    fn serde_uses_canonical_strings() {
        assert_eq!(
            serde_json::to_string(&d("-12.3400")).unwrap(),
            "\"-12.3400\""
        );
        let back: Decimal = serde_json::from_str("\"12.34\"").unwrap();
        assert_eq!(back, d("12.34"));
        assert!(serde_json::from_str::<Decimal>("12.34").is_err());
        assert!(serde_json::from_str::<Decimal>("\"1,5\"").is_err());
        let message = serde_json::from_str::<Decimal>("\"1e3\"")
            .unwrap_err()
            .to_string();
        assert!(message.contains("\"1e3\""), "{message}");
    }
}
