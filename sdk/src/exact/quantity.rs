//! [`Unit`] and [`Quantity`], order rules ([`OrderRules`]) and unit prices with price breaks
//! ([`UnitPrice`], [`PriceTier`], [`tier_for`]).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::{Decimal, digits_with_point, scaled_div_round, signed_i64};
use super::money::{Currency, Money};
use super::{ExactError, RoundingMode};

/// A UN/CEFACT Recommendation 20 unit code: 1 to 3 upper-case ASCII letters or digits, such
/// as `C62` (one piece), `EA` (each), `KGM` (kilogram) or `MTR` (metre).
///
/// Only the shape is checked, not membership in the list. Codes are compared exactly: `EA`
/// and `C62` both mean "piece" in practice but are different codes, and treating them as
/// equal is a decision for the adapter, not for arithmetic. Serialized as the code string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    // Upper-case ASCII, zero-padded on the right; zero sorts before every code character.
    code: [u8; 3],
    len: u8,
}

impl Unit {
    /// Parses a unit code; anything but 1 to 3 upper-case ASCII letters or digits is
    /// [`ExactError::InvalidUnit`] (lower case is rejected: `"kgm"` is not a Rec 20 code).
    pub fn parse(code: &str) -> Result<Self, ExactError> {
        let bytes = code.as_bytes();
        let shape_ok = (1..=3).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !shape_ok {
            return Err(ExactError::InvalidUnit {
                code: code.to_owned(),
            });
        }
        let mut padded = [0u8; 3];
        for (slot, byte) in padded.iter_mut().zip(bytes) {
            *slot = *byte;
        }
        Ok(Unit {
            code: padded,
            len: u8::try_from(bytes.len()).unwrap_or(3),
        })
    }

    /// The code, such as `"C62"`.
    pub fn code(&self) -> &str {
        let len = usize::from(self.len).min(self.code.len());
        // Only ASCII codes are ever stored.
        std::str::from_utf8(&self.code[..len]).unwrap_or("")
    }

    /// `C62`, "one": the Rec 20 code for a piece, used by most distributors and by UBL.
    pub fn piece() -> Unit {
        Unit {
            code: *b"C62",
            len: 3,
        }
    }

    /// `EA`, "each": common in ERP exports; a different code from [`Unit::piece`].
    pub fn each() -> Unit {
        Unit {
            code: [b'E', b'A', 0],
            len: 2,
        }
    }
}

impl fmt::Display for Unit {
    /// The code, such as `C62`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl fmt::Debug for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unit({})", self.code())
    }
}

impl FromStr for Unit {
    type Err = ExactError;

    /// Same as [`Unit::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::parse(s)
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::deserialize_from_str(deserializer, "a UN/CEFACT unit code such as \"C62\"")
    }
}

/// A non-negative amount of a unit: `steps × 10^-scale` of `unit`, with a scale of 0 to 15
/// (250 pieces, 1.5 kg).
///
/// Quantities in the same unit are equal by value (`5 C62 == 5.0 C62`); quantities in
/// different units are never equal, and comparing or adding them is
/// [`ExactError::UnitMismatch`]. Serialized as `{"steps":250,"unit":"C62","scale":0}`;
/// displayed as `250 C62` or `1.5 KGM`.
#[derive(Debug, Clone, Serialize)]
pub struct Quantity {
    steps: u64,
    unit: Unit,
    scale: u8,
}

impl Quantity {
    /// The largest supported scale: 15 fractional digits.
    pub const MAX_SCALE: u8 = 15;

    /// `steps × 10^-scale` of `unit`; a scale above 15 is [`ExactError::ScaleTooLarge`].
    pub fn new(steps: u64, unit: Unit, scale: u8) -> Result<Self, ExactError> {
        if scale > Self::MAX_SCALE {
            return Err(ExactError::ScaleTooLarge {
                scale: u32::from(scale),
            });
        }
        Ok(Quantity { steps, unit, scale })
    }

    /// `n` pieces (`C62`), the usual quantity of electronic components.
    pub fn pieces(n: u64) -> Self {
        Quantity {
            steps: n,
            unit: Unit::piece(),
            scale: 0,
        }
    }

    /// The amount in steps of 10^-scale.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The unit.
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// The number of fractional digits.
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// The amount as a decimal (without the unit); [`ExactError::Overflow`] above `i64::MAX`
    /// steps.
    pub fn to_decimal(&self) -> Result<Decimal, ExactError> {
        let mantissa = i64::try_from(self.steps).map_err(|_| ExactError::Overflow)?;
        Decimal::new(mantissa, self.scale)
    }

    /// `d` of `unit`. A negative `d` is [`ExactError::InvalidDecimal`]; more than 15
    /// significant fractional digits is [`ExactError::ScaleTooLarge`].
    pub fn from_decimal(d: Decimal, unit: Unit) -> Result<Self, ExactError> {
        if d.is_negative() {
            return Err(ExactError::InvalidDecimal {
                input: d.to_string(),
                reason: "a quantity cannot be negative; expected zero or more",
            });
        }
        let d = if d.scale() > Self::MAX_SCALE {
            d.normalized()
        } else {
            d
        };
        let steps = u64::try_from(d.mantissa()).map_err(|_| ExactError::Overflow)?;
        Quantity::new(steps, unit, d.scale())
    }

    /// Orders two quantities of the same unit by value; [`ExactError::UnitMismatch`] otherwise.
    pub fn compare(&self, o: &Self) -> Result<Ordering, ExactError> {
        self.same_unit(o)?;
        Ok(self.value_key().cmp(&o.value_key()))
    }

    /// The exact sum, at the larger of the two scales.
    pub fn checked_add(&self, o: &Self) -> Result<Self, ExactError> {
        let (a, b, scale) = self.aligned(o)?;
        self.with_wide_steps(a + b, scale)
    }

    /// The exact difference; a result below zero is [`ExactError::Overflow`], since a
    /// quantity cannot be negative.
    pub fn checked_sub(&self, o: &Self) -> Result<Self, ExactError> {
        let (a, b, scale) = self.aligned(o)?;
        let difference = a.checked_sub(b).ok_or(ExactError::Overflow)?;
        self.with_wide_steps(difference, scale)
    }

    /// The quantity times a whole number, exactly.
    pub fn checked_mul_int(&self, n: u64) -> Result<Self, ExactError> {
        self.with_wide_steps(u128::from(self.steps) * u128::from(n), self.scale)
    }

    /// Whether this quantity is a whole multiple of `step` (an order increment). A zero
    /// `step` is [`ExactError::DivisionByZero`]; another unit is [`ExactError::UnitMismatch`].
    pub fn is_multiple_of(&self, step: &Self) -> Result<bool, ExactError> {
        let (a, b, _) = self.aligned(step)?;
        if b == 0 {
            return Err(ExactError::DivisionByZero);
        }
        Ok(a % b == 0)
    }

    /// Whether the quantity is zero.
    pub fn is_zero(&self) -> bool {
        self.steps == 0
    }

    /// The smallest whole multiple of `step` that is at least this quantity.
    fn round_up_to_multiple(&self, step: &Self) -> Result<Self, ExactError> {
        let (a, b, scale) = self.aligned(step)?;
        if b == 0 {
            return Err(ExactError::DivisionByZero);
        }
        let rounded = a.div_ceil(b).checked_mul(b).ok_or(ExactError::Overflow)?;
        self.with_wide_steps(rounded, scale)
    }

    fn same_unit(&self, o: &Self) -> Result<(), ExactError> {
        if self.unit == o.unit {
            Ok(())
        } else {
            Err(ExactError::UnitMismatch {
                left: self.unit.clone(),
                right: o.unit.clone(),
            })
        }
    }

    /// Both step counts at the larger scale (exact: at most 2^64 × 10^15).
    fn aligned(&self, o: &Self) -> Result<(u128, u128, u8), ExactError> {
        self.same_unit(o)?;
        let scale = self.scale.max(o.scale);
        Ok((self.steps_at(scale), o.steps_at(scale), scale))
    }

    /// The steps at a scale ≥ self.scale and ≤ 15.
    fn steps_at(&self, scale: u8) -> u128 {
        u128::from(self.steps) * 10u128.pow(u32::from(scale - self.scale))
    }

    /// The value × 10^15: a key that compares by value within a unit.
    fn value_key(&self) -> u128 {
        self.steps_at(Self::MAX_SCALE)
    }

    /// A quantity of this unit from wide steps; exact trailing zeros are dropped if needed to
    /// fit 64 bits, otherwise `Overflow`.
    fn with_wide_steps(&self, steps: u128, scale: u8) -> Result<Self, ExactError> {
        let (mut steps, mut scale) = (steps, scale);
        loop {
            match u64::try_from(steps) {
                Ok(steps) => {
                    return Ok(Quantity {
                        steps,
                        unit: self.unit.clone(),
                        scale,
                    });
                }
                Err(_) if scale == 0 || steps % 10 != 0 => return Err(ExactError::Overflow),
                Err(_) => {
                    steps /= 10;
                    scale -= 1;
                }
            }
        }
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.unit == other.unit && self.value_key() == other.value_key()
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (mut steps, mut scale) = (self.steps, self.scale);
        while scale > 0 && steps % 10 == 0 {
            steps /= 10;
            scale -= 1;
        }
        self.unit.hash(state);
        steps.hash(state);
        scale.hash(state);
    }
}

impl fmt::Display for Quantity {
    /// The amount with its scale, a space and the unit code: `250 C62`, `1.5 KGM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = digits_with_point(u128::from(self.steps), self.scale);
        write!(f, "{amount} {}", self.unit)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            steps: u64,
            unit: Unit,
            scale: u8,
        }
        let raw = Raw::deserialize(deserializer)?;
        Quantity::new(raw.steps, raw.unit, raw.scale).map_err(serde::de::Error::custom)
    }
}

/// A supplier's order-quantity rules: a minimum order quantity, an order increment (order in
/// multiples of it, counted from zero) and a maximum. The default has no rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRules {
    /// The smallest quantity the supplier accepts.
    pub minimum: Option<Quantity>,
    /// Orders must be whole multiples of this (a reel of 5000, a pack of 10).
    pub increment: Option<Quantity>,
    /// The largest quantity the supplier accepts in one order line.
    pub maximum: Option<Quantity>,
}

/// Why a quantity breaks [`OrderRules`]. Each variant carries the quantity that was checked
/// and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    /// Less than the minimum order quantity.
    #[error("quantity {quantity} is below the minimum order quantity of {minimum}")]
    BelowMinimum {
        /// The quantity that was checked.
        quantity: Quantity,
        /// The minimum it falls short of.
        minimum: Quantity,
    },
    /// Not a whole multiple of the order increment.
    #[error("quantity {quantity} is not a multiple of {increment}")]
    NotAMultiple {
        /// The quantity that was checked.
        quantity: Quantity,
        /// The increment it is not a multiple of.
        increment: Quantity,
    },
    /// More than the maximum order quantity.
    #[error("quantity {quantity} is above the maximum order quantity of {maximum}")]
    AboveMaximum {
        /// The quantity that was checked.
        quantity: Quantity,
        /// The maximum it exceeds.
        maximum: Quantity,
    },
    /// The quantity cannot be checked against a rule: a different unit, or a zero increment.
    #[error("quantity cannot be checked against the order rules: {0}")]
    Incomparable(ExactError),
}

impl OrderRules {
    /// Checks `q` against the minimum, then the maximum, then the increment, and reports the
    /// first rule it breaks.
    pub fn check(&self, q: &Quantity) -> Result<(), RuleViolation> {
        let compare = |limit: &Quantity| q.compare(limit).map_err(RuleViolation::Incomparable);
        if let Some(minimum) = &self.minimum
            && compare(minimum)? == Ordering::Less
        {
            return Err(RuleViolation::BelowMinimum {
                quantity: q.clone(),
                minimum: minimum.clone(),
            });
        }
        if let Some(maximum) = &self.maximum
            && compare(maximum)? == Ordering::Greater
        {
            return Err(RuleViolation::AboveMaximum {
                quantity: q.clone(),
                maximum: maximum.clone(),
            });
        }
        if let Some(increment) = &self.increment
            && !q
                .is_multiple_of(increment)
                .map_err(RuleViolation::Incomparable)?
        {
            return Err(RuleViolation::NotAMultiple {
                quantity: q.clone(),
                increment: increment.clone(),
            });
        }
        Ok(())
    }

    /// The smallest quantity that passes [`OrderRules::check`] and is at least `q`: raised to
    /// the minimum, then up to the next multiple of the increment. When that exceeds the
    /// maximum no valid quantity exists and the answer is [`ExactError::Overflow`]; rules in
    /// another unit are [`ExactError::UnitMismatch`].
    pub fn smallest_valid_at_least(&self, q: &Quantity) -> Result<Quantity, ExactError> {
        let mut result = q.clone();
        if let Some(minimum) = &self.minimum
            && result.compare(minimum)? == Ordering::Less
        {
            result = minimum.clone();
        }
        if let Some(increment) = &self.increment {
            result = result.round_up_to_multiple(increment)?;
        }
        if let Some(maximum) = &self.maximum
            && result.compare(maximum)? == Ordering::Greater
        {
            return Err(ExactError::Overflow);
        }
        Ok(result)
    }
}

/// A unit price: `amount` of `currency` buys `basis` (usually 1 C62; price lists also quote
/// per 100 or per 1000 pieces). The amount may carry more decimals than the currency, as
/// distributors' unit prices often do (0.0873 USD).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitPrice {
    /// The currency of `amount`.
    pub currency: Currency,
    /// The price of `basis`.
    pub amount: Decimal,
    /// How much `amount` buys.
    pub basis: Quantity,
}

impl UnitPrice {
    /// `amount` per single piece (basis 1 C62).
    pub fn per_piece(currency: Currency, amount: Decimal) -> Self {
        UnitPrice {
            currency,
            amount,
            basis: Quantity::pieces(1),
        }
    }

    /// The price of `q`: `amount × q / basis`, computed exactly and rounded once, with `mode`,
    /// to the currency's minor unit (12.50 EUR per 100 C62 × 250 C62 = 31.25 EUR).
    /// [`ExactError::UnitMismatch`] if `q` is not in the basis unit (left is the basis unit),
    /// [`ExactError::DivisionByZero`] for a zero basis, [`ExactError::Overflow`] if the total
    /// does not fit.
    pub fn total_for(&self, q: &Quantity, mode: RoundingMode) -> Result<Money, ExactError> {
        if q.unit() != self.basis.unit() {
            return Err(ExactError::UnitMismatch {
                left: self.basis.unit().clone(),
                right: q.unit().clone(),
            });
        }
        let negative = self.amount.is_negative();
        let numerator = u128::from(self.amount.mantissa().unsigned_abs()) * u128::from(q.steps());
        // minor = a × 10^-sa × s × 10^-sq / (b × 10^-sb) × 10^digits
        let exp = i32::from(self.currency.minor_unit_digits()) + i32::from(self.basis.scale())
            - i32::from(self.amount.scale())
            - i32::from(q.scale());
        let minor = scaled_div_round(numerator, self.basis.steps(), exp, negative, mode)?;
        Ok(Money::new(self.currency, signed_i64(minor, negative)?))
    }

    /// The price of exactly one unit of the basis unit at `scale` digits, rounded with `mode`,
    /// to compare prices quoted on different bases (12.50 per 100 C62 is 0.125 per C62).
    pub fn per_basis_unit(&self, scale: u8, mode: RoundingMode) -> Result<Decimal, ExactError> {
        if scale > Decimal::MAX_SCALE {
            return Err(ExactError::ScaleTooLarge {
                scale: u32::from(scale),
            });
        }
        let negative = self.amount.is_negative();
        let exp = i32::from(scale) + i32::from(self.basis.scale()) - i32::from(self.amount.scale());
        let magnitude = scaled_div_round(
            u128::from(self.amount.mantissa().unsigned_abs()),
            self.basis.steps(),
            exp,
            negative,
            mode,
        )?;
        Decimal::new(signed_i64(magnitude, negative)?, scale)
    }
}

/// One price break: from `min_quantity` on, `price` applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceTier {
    /// The smallest quantity this tier applies to.
    pub min_quantity: Quantity,
    /// The unit price in this tier.
    pub price: UnitPrice,
}

/// The tier that applies to `q`: the one with the largest `min_quantity` ≤ `q`. Tiers may come
/// in any order; tiers in another unit are ignored; of tiers with equal minimums the first
/// wins. `None` if `q` is below every tier.
pub fn tier_for<'a>(tiers: &'a [PriceTier], q: &Quantity) -> Option<&'a PriceTier> {
    let mut best: Option<&'a PriceTier> = None;
    for tier in tiers {
        if !matches!(
            tier.min_quantity.compare(q),
            Ok(Ordering::Less | Ordering::Equal)
        ) {
            continue;
        }
        let better = match best {
            None => true,
            Some(current) => current.min_quantity.compare(&tier.min_quantity) == Ok(Ordering::Less),
        };
        if better {
            best = Some(tier);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn unit(code: &str) -> Unit {
        Unit::parse(code).unwrap()
    }

    fn qty(steps: u64, code: &str, scale: u8) -> Quantity {
        Quantity::new(steps, unit(code), scale).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    fn hash_of(q: &Quantity) -> u64 {
        let mut h = DefaultHasher::new();
        q.hash(&mut h);
        h.finish()
    }

    #[test]
    fn unit_codes() {
        assert_eq!(unit("C62"), Unit::piece());
        assert_eq!(unit("EA"), Unit::each());
        assert_eq!(Unit::piece().code(), "C62");
        assert_eq!(Unit::each().code(), "EA");
        assert_eq!(unit("H").code(), "H");
        assert_eq!(unit("KGM").to_string(), "KGM");
        assert_eq!(format!("{:?}", unit("MTR")), "Unit(MTR)");
        assert_ne!(Unit::piece(), Unit::each());
        assert!(unit("A") < unit("A1") && unit("A1") < unit("B"));
        for bad in ["", "kgm", "ABCD", "C 6", "€", "C-6"] {
            assert_eq!(
                Unit::parse(bad),
                Err(ExactError::InvalidUnit {
                    code: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        let message = Unit::parse("kgm").unwrap_err().to_string();
        assert!(
            message.contains("\"kgm\"") && message.contains("upper-case"),
            "{message}"
        );
    }

    #[test]
    fn quantity_construction_and_display() {
        assert_eq!(Quantity::pieces(250).to_string(), "250 C62");
        assert_eq!(qty(15, "KGM", 1).to_string(), "1.5 KGM");
        assert_eq!(qty(5, "MTR", 3).to_string(), "0.005 MTR");
        assert_eq!(
            Quantity::new(1, Unit::piece(), 16),
            Err(ExactError::ScaleTooLarge { scale: 16 })
        );
        assert_eq!(qty(1500, "KGM", 3).to_decimal().unwrap(), d("1.5"));
        assert_eq!(
            Quantity::pieces(u64::MAX).to_decimal(),
            Err(ExactError::Overflow)
        );
        let q = Quantity::from_decimal(d("2.50"), unit("KGM")).unwrap();
        assert_eq!((q.steps(), q.scale()), (250, 2));
        let q = Quantity::from_decimal(d("1.000000000000000000"), Unit::piece()).unwrap();
        assert_eq!((q.steps(), q.scale()), (1, 0));
        assert_eq!(
            Quantity::from_decimal(d("0.0000000000000001"), Unit::piece()),
            Err(ExactError::ScaleTooLarge { scale: 16 })
        );
        match Quantity::from_decimal(d("-1"), Unit::piece()) {
            Err(ExactError::InvalidDecimal { input, .. }) => assert_eq!(input, "-1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn equality_is_by_value_within_a_unit() {
        assert_eq!(Quantity::pieces(5), qty(50, "C62", 1));
        assert_eq!(hash_of(&Quantity::pieces(5)), hash_of(&qty(50, "C62", 1)));
        assert_eq!(hash_of(&Quantity::pieces(0)), hash_of(&qty(0, "C62", 3)));
        assert_ne!(Quantity::pieces(5), qty(5, "EA", 0));
        assert_ne!(Quantity::pieces(5), Quantity::pieces(6));
    }

    #[test]
    fn comparison_needs_the_same_unit() {
        assert_eq!(
            qty(15, "KGM", 1).compare(&qty(2, "KGM", 0)),
            Ok(Ordering::Less)
        );
        assert_eq!(
            Quantity::pieces(5).compare(&qty(5, "EA", 0)),
            Err(ExactError::UnitMismatch {
                left: Unit::piece(),
                right: Unit::each()
            })
        );
        let message = Quantity::pieces(5)
            .checked_add(&qty(5, "EA", 0))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("C62") && message.contains("EA"),
            "{message}"
        );
    }

    #[test]
    fn arithmetic() {
        let sum = qty(15, "KGM", 1).checked_add(&qty(25, "KGM", 2)).unwrap();
        assert_eq!(sum.to_string(), "1.75 KGM");
        let difference = Quantity::pieces(10)
            .checked_sub(&Quantity::pieces(4))
            .unwrap();
        assert_eq!(difference, Quantity::pieces(6));
        assert_eq!(
            Quantity::pieces(4).checked_sub(&Quantity::pieces(10)),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            Quantity::pieces(u64::MAX).checked_add(&Quantity::pieces(1)),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            Quantity::pieces(25).checked_mul_int(4).unwrap(),
            Quantity::pieces(100)
        );
        assert_eq!(
            Quantity::pieces(u64::MAX).checked_mul_int(2),
            Err(ExactError::Overflow)
        );
        // An exact result that only fits after dropping a zero fractional digit.
        let big = qty(u64::MAX, "KGM", 0);
        let sum = big.checked_add(&qty(0, "KGM", 1)).unwrap();
        assert_eq!(sum, big);
        assert!(Quantity::pieces(0).is_zero());
        assert!(!Quantity::pieces(1).is_zero());
    }

    #[test]
    fn multiples() {
        assert_eq!(
            Quantity::pieces(15).is_multiple_of(&Quantity::pieces(5)),
            Ok(true)
        );
        assert_eq!(
            Quantity::pieces(7).is_multiple_of(&Quantity::pieces(5)),
            Ok(false)
        );
        assert_eq!(
            Quantity::pieces(0).is_multiple_of(&Quantity::pieces(5)),
            Ok(true)
        );
        assert_eq!(
            qty(15, "KGM", 1).is_multiple_of(&qty(5, "KGM", 1)),
            Ok(true)
        );
        assert_eq!(
            qty(15, "KGM", 1).is_multiple_of(&qty(1, "KGM", 0)),
            Ok(false)
        );
        assert_eq!(
            qty(3, "KGM", 0).is_multiple_of(&qty(25, "KGM", 2)),
            Ok(true)
        );
        assert_eq!(
            Quantity::pieces(5).is_multiple_of(&Quantity::pieces(0)),
            Err(ExactError::DivisionByZero)
        );
        assert!(matches!(
            Quantity::pieces(5).is_multiple_of(&qty(5, "EA", 0)),
            Err(ExactError::UnitMismatch { .. })
        ));
    }

    fn rules() -> OrderRules {
        OrderRules {
            minimum: Some(Quantity::pieces(10)),
            increment: Some(Quantity::pieces(5)),
            maximum: Some(Quantity::pieces(1000)),
        }
    }

    #[test]
    fn order_rules_check() {
        let rules = rules();
        for ok in [10, 15, 500, 1000] {
            assert_eq!(rules.check(&Quantity::pieces(ok)), Ok(()), "{ok}");
        }
        assert_eq!(
            rules.check(&Quantity::pieces(5)),
            Err(RuleViolation::BelowMinimum {
                quantity: Quantity::pieces(5),
                minimum: Quantity::pieces(10)
            })
        );
        let violation = rules.check(&Quantity::pieces(17)).unwrap_err();
        assert_eq!(
            violation,
            RuleViolation::NotAMultiple {
                quantity: Quantity::pieces(17),
                increment: Quantity::pieces(5)
            }
        );
        assert_eq!(
            rules.check(&Quantity::pieces(7)).unwrap_err().to_string(),
            "quantity 7 C62 is below the minimum order quantity of 10 C62"
        );
        let only_increment = OrderRules {
            increment: Some(Quantity::pieces(5)),
            ..OrderRules::default()
        };
        assert_eq!(
            only_increment
                .check(&Quantity::pieces(7))
                .unwrap_err()
                .to_string(),
            "quantity 7 C62 is not a multiple of 5 C62"
        );
        assert!(matches!(
            rules.check(&Quantity::pieces(1005)),
            Err(RuleViolation::AboveMaximum { .. })
        ));
        assert!(matches!(
            rules.check(&qty(20, "EA", 0)),
            Err(RuleViolation::Incomparable(ExactError::UnitMismatch { .. }))
        ));
        assert_eq!(OrderRules::default().check(&Quantity::pieces(3)), Ok(()));
    }

    #[test]
    fn smallest_valid_quantity() {
        let rules = rules();
        let at_least = |n| rules.smallest_valid_at_least(&Quantity::pieces(n));
        assert_eq!(at_least(0), Ok(Quantity::pieces(10)));
        assert_eq!(at_least(1), Ok(Quantity::pieces(10)));
        assert_eq!(at_least(10), Ok(Quantity::pieces(10)));
        assert_eq!(at_least(11), Ok(Quantity::pieces(15)));
        assert_eq!(at_least(999), Ok(Quantity::pieces(1000)));
        assert_eq!(at_least(1001), Err(ExactError::Overflow));
        let odd_minimum = OrderRules {
            minimum: Some(Quantity::pieces(3)),
            increment: Some(Quantity::pieces(5)),
            maximum: None,
        };
        let result = odd_minimum
            .smallest_valid_at_least(&Quantity::pieces(1))
            .unwrap();
        assert_eq!(result, Quantity::pieces(5));
        assert_eq!(odd_minimum.check(&result), Ok(()));
        assert!(matches!(
            rules.smallest_valid_at_least(&qty(1, "EA", 0)),
            Err(ExactError::UnitMismatch { .. })
        ));
        assert_eq!(
            OrderRules::default().smallest_valid_at_least(&Quantity::pieces(7)),
            Ok(Quantity::pieces(7))
        );
        let metres = OrderRules {
            increment: Some(qty(5, "MTR", 1)),
            ..OrderRules::default()
        };
        assert_eq!(
            metres
                .smallest_valid_at_least(&qty(12, "MTR", 1))
                .unwrap()
                .to_string(),
            "1.5 MTR"
        );
    }

    fn price(amount: &str, basis: u64) -> UnitPrice {
        UnitPrice {
            currency: Currency::EUR,
            amount: d(amount),
            basis: Quantity::pieces(basis),
        }
    }

    #[test]
    fn totals_are_exact_and_rounded_once() {
        use RoundingMode::*;
        let per_100 = price("12.50", 100);
        assert_eq!(
            per_100.total_for(&Quantity::pieces(250), HalfUp).unwrap(),
            Money::new(Currency::EUR, 3125)
        );
        let third = UnitPrice::per_piece(Currency::EUR, d("0.333"));
        assert_eq!(
            third
                .total_for(&Quantity::pieces(3), HalfUp)
                .unwrap()
                .to_string(),
            "EUR 1.00"
        );
        let half_cent = UnitPrice::per_piece(Currency::EUR, d("0.005"));
        assert_eq!(
            half_cent
                .total_for(&Quantity::pieces(1), HalfUp)
                .unwrap()
                .minor(),
            1
        );
        assert_eq!(
            half_cent
                .total_for(&Quantity::pieces(1), HalfEven)
                .unwrap()
                .minor(),
            0
        );
        // Rounded once at the end, not per piece: 0.0873 × 1000 = 87.30.
        let small = UnitPrice::per_piece(Currency::USD, d("0.0873"));
        assert_eq!(
            small
                .total_for(&Quantity::pieces(1000), HalfUp)
                .unwrap()
                .minor(),
            8730
        );
        // Per 1000, fractional quantities, and yen.
        let per_1000 = price("7.5", 1000);
        assert_eq!(
            per_1000
                .total_for(&Quantity::pieces(1), HalfUp)
                .unwrap()
                .minor(),
            1
        );
        assert_eq!(
            per_1000
                .total_for(&Quantity::pieces(1), Floor)
                .unwrap()
                .minor(),
            0
        );
        let per_kg = UnitPrice {
            currency: Currency::JPY,
            amount: d("1200"),
            basis: qty(1, "KGM", 0),
        };
        assert_eq!(
            per_kg
                .total_for(&qty(1255, "KGM", 3), HalfUp)
                .unwrap()
                .minor(),
            1506
        );
        let per_half_kg = UnitPrice {
            currency: Currency::EUR,
            amount: d("3.00"),
            basis: qty(5, "KGM", 1),
        };
        assert_eq!(
            per_half_kg
                .total_for(&qty(2, "KGM", 0), HalfUp)
                .unwrap()
                .minor(),
            1200
        );
        // Credits round symmetrically.
        let credit = UnitPrice::per_piece(Currency::EUR, d("-0.005"));
        assert_eq!(
            credit
                .total_for(&Quantity::pieces(1), HalfUp)
                .unwrap()
                .minor(),
            -1
        );
        assert_eq!(
            credit
                .total_for(&Quantity::pieces(1), Floor)
                .unwrap()
                .minor(),
            -1
        );
        assert_eq!(
            credit
                .total_for(&Quantity::pieces(1), Ceiling)
                .unwrap()
                .minor(),
            0
        );
    }

    #[test]
    fn total_errors() {
        use RoundingMode::HalfUp;
        assert_eq!(
            price("1", 1).total_for(&qty(1, "EA", 0), HalfUp),
            Err(ExactError::UnitMismatch {
                left: Unit::piece(),
                right: Unit::each()
            })
        );
        assert_eq!(
            price("1", 0).total_for(&Quantity::pieces(1), HalfUp),
            Err(ExactError::DivisionByZero)
        );
        assert_eq!(
            price("92233720368547758", 1).total_for(&Quantity::pieces(2), HalfUp),
            Err(ExactError::Overflow)
        );
        assert_eq!(
            price("9223372036854775807", 1).total_for(&Quantity::pieces(u64::MAX), HalfUp),
            Err(ExactError::Overflow)
        );
    }

    #[test]
    fn price_per_basis_unit() {
        use RoundingMode::HalfUp;
        assert_eq!(
            price("12.50", 100)
                .per_basis_unit(4, HalfUp)
                .unwrap()
                .to_string(),
            "0.1250"
        );
        assert_eq!(
            price("12.50", 100)
                .per_basis_unit(2, HalfUp)
                .unwrap()
                .to_string(),
            "0.13"
        );
        assert_eq!(
            price("0.99", 1)
                .per_basis_unit(2, HalfUp)
                .unwrap()
                .to_string(),
            "0.99"
        );
        let per_half_kg = UnitPrice {
            currency: Currency::EUR,
            amount: d("3.00"),
            basis: qty(5, "KGM", 1),
        };
        assert_eq!(
            per_half_kg.per_basis_unit(2, HalfUp).unwrap().to_string(),
            "6.00"
        );
        assert_eq!(
            price("1", 1).per_basis_unit(19, HalfUp),
            Err(ExactError::ScaleTooLarge { scale: 19 })
        );
        assert_eq!(
            price("1", 0).per_basis_unit(2, HalfUp),
            Err(ExactError::DivisionByZero)
        );
    }

    fn tier(min: u64, amount: &str) -> PriceTier {
        PriceTier {
            min_quantity: Quantity::pieces(min),
            price: UnitPrice::per_piece(Currency::EUR, d(amount)),
        }
    }

    #[test]
    fn tier_selection() {
        let tiers = [tier(1, "0.50"), tier(10, "0.40"), tier(100, "0.30")];
        let pick = |tiers: &[PriceTier], n| {
            tier_for(tiers, &Quantity::pieces(n)).map(|t| t.price.amount.to_string())
        };
        assert_eq!(pick(&tiers, 1).as_deref(), Some("0.50"));
        assert_eq!(pick(&tiers, 9).as_deref(), Some("0.50"));
        assert_eq!(pick(&tiers, 10).as_deref(), Some("0.40"));
        assert_eq!(pick(&tiers, 99).as_deref(), Some("0.40"));
        assert_eq!(pick(&tiers, 5000).as_deref(), Some("0.30"));
        assert_eq!(pick(&tiers, 0), None);
        let unordered = [tier(100, "0.30"), tier(1, "0.50"), tier(10, "0.40")];
        assert_eq!(pick(&unordered, 50).as_deref(), Some("0.40"));
        assert_eq!(pick(&unordered, 100).as_deref(), Some("0.30"));
        assert_eq!(pick(&unordered, 2).as_deref(), Some("0.50"));
        let mut other_unit = tier(5, "0.10");
        other_unit.min_quantity = qty(5, "EA", 0);
        let mixed = [tier(10, "0.40"), other_unit];
        assert_eq!(pick(&mixed, 50).as_deref(), Some("0.40"));
        assert_eq!(pick(&mixed, 7), None);
        assert_eq!(pick(&[], 7), None);
        let duplicated = [tier(10, "0.40"), tier(10, "0.35")];
        assert_eq!(pick(&duplicated, 10).as_deref(), Some("0.40"));
        // Scales differ but values compare.
        let scaled = [
            tier(1, "0.50"),
            PriceTier {
                min_quantity: qty(100, "C62", 1),
                ..tier(0, "0.45")
            },
        ];
        assert_eq!(pick(&scaled, 10).as_deref(), Some("0.45"));
    }

    #[cfg(feature = "guest")]
    #[test]
    fn serde_shapes() {
        let q = Quantity::pieces(250);
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(json, r#"{"steps":250,"unit":"C62","scale":0}"#);
        assert_eq!(serde_json::from_str::<Quantity>(&json).unwrap(), q);
        assert!(
            serde_json::from_str::<Quantity>(r#"{"steps":1,"unit":"C62","scale":16}"#).is_err()
        );
        assert!(serde_json::from_str::<Quantity>(r#"{"steps":1,"unit":"c62","scale":0}"#).is_err());
        let tier = tier(10, "0.40");
        let json = serde_json::to_string(&tier).unwrap();
        assert_eq!(serde_json::from_str::<PriceTier>(&json).unwrap(), tier);
        let rules: OrderRules = serde_json::from_str("{}").unwrap();
        assert_eq!(rules, OrderRules::default());
    }
}
