//! Exact money, quantities and decimals.
//!
//! Prices and quantities are never floating point here: a float cannot hold 0.10 exactly,
//! and a cent lost in a price times ten thousand pieces is a wrong invoice. Instead:
//!
//! - [`Decimal`] is a signed `i64` mantissa with a power-of-ten scale (0 to 18 fractional
//!   digits). It compares by value (`1.50 == 1.5`) and rounds only where you say how, with a
//!   [`RoundingMode`].
//! - [`Money`] is an amount in integer minor units of a [`Currency`] (cents for EUR, yen for
//!   JPY, fils for KWD), so sums are exact and currencies cannot be mixed by accident.
//! - [`Quantity`] is a non-negative amount of a UN/CEFACT [`Unit`] (`C62` = one piece,
//!   `KGM` = kilogram). Quantities in different units never compare or add.
//! - [`UnitPrice`], [`PriceTier`] and [`tier_for`] turn supplier price breaks into totals,
//!   rounding once, at the end, to the currency's minor unit.
//! - [`OrderRules`] checks minimum, increment and maximum order quantities.
//!
//! Every fallible operation returns an [`ExactError`]; nothing here panics or wraps around.

mod decimal;
mod money;
mod quantity;

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

pub use decimal::{Decimal, RoundingMode};
pub use money::{Currency, Money};
pub use quantity::{OrderRules, PriceTier, Quantity, RuleViolation, Unit, UnitPrice, tier_for};

/// Why an exact operation failed. Callers match on the variant; the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExactError {
    /// The exact result does not fit the 64-bit representation (or a quantity would become
    /// negative, or a result would exceed an order maximum).
    #[error("arithmetic overflow: the exact result does not fit in 64 bits")]
    Overflow,
    /// A scale above the supported maximum was requested.
    #[error(
        "scale {scale} is too large: expected at most 18 fractional digits \
         (at most 15 for quantities)"
    )]
    ScaleTooLarge {
        /// The scale that was asked for.
        scale: u32,
    },
    /// Division by zero, including a zero increment or a zero price basis.
    #[error("division by zero")]
    DivisionByZero,
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: cannot combine {left} with {right}")]
    CurrencyMismatch {
        /// The currency of the left operand (or the expected currency).
        left: Currency,
        /// The currency of the right operand (or the currency found).
        right: Currency,
    },
    /// Two quantities in different units were combined or compared.
    #[error(
        "unit mismatch: cannot combine {left} with {right} \
         (unit codes are compared exactly; EA and C62 are different units)"
    )]
    UnitMismatch {
        /// The unit of the left operand (or the expected unit).
        left: Unit,
        /// The unit of the right operand (or the unit found).
        right: Unit,
    },
    /// A currency code that is not an active ISO 4217 code.
    #[error(
        "unknown currency code {code:?}: expected an active ISO 4217 code such as \"EUR\" or \"usd\""
    )]
    InvalidCurrency {
        /// The code as given.
        code: String,
    },
    /// A unit code that is not 1 to 3 upper-case ASCII letters or digits.
    #[error(
        "invalid unit code {code:?}: expected a UN/CEFACT Recommendation 20 code of 1 to 3 \
         upper-case letters or digits, such as \"C62\" or \"KGM\""
    )]
    InvalidUnit {
        /// The code as given.
        code: String,
    },
    /// Text that is not a decimal in canonical form, or a value that cannot be used here.
    #[error("invalid decimal {input:?}: {reason}")]
    InvalidDecimal {
        /// The text (or value) as given.
        input: String,
        /// What was expected instead.
        reason: &'static str,
    },
}

/// Deserializes a value from a string through its [`FromStr`] implementation, so that every
/// string-encoded type validates its input exactly like `parse` does.
pub(crate) fn deserialize_from_str<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct StrVisitor<T> {
        expecting: &'static str,
        target: PhantomData<T>,
    }

    impl<T> serde::de::Visitor<'_> for StrVisitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
    }

    deserializer.deserialize_str(StrVisitor {
        expecting,
        target: PhantomData,
    })
}
