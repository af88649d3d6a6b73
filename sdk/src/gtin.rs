//! GS1 Global Trade Item Numbers (EAN-8, UPC-A, EAN-13, GTIN-14).
//!
//! A GTIN is the one product identifier shared by manufacturers, distributors and shops, so
//! adapters use it to match a supplier's item to the catalogue. Suppliers send it in any of
//! its lengths; [`Gtin`] checks the GS1 check digit and stores the 14-digit form, so that the
//! UPC-A `036000291452` and the EAN-13 `0036000291452` are the same value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A GTIN with a verified check digit, stored as 14 digits (left-padded with zeros).
///
/// Equal, ordered and hashed by those 14 digits; displayed and serialized as them. Use
/// [`Gtin::shortest`] for the usual printed form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin([u8; 14]);

/// Why a GTIN (or the body of one) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    /// Nothing but whitespace.
    #[error("the GTIN is empty; expected 8, 12, 13 or 14 digits")]
    Empty,
    /// A character other than an ASCII digit (spaces and hyphens inside count).
    #[error("unexpected {found:?} at position {position}: a GTIN has only the digits 0-9")]
    NonDigit {
        /// Zero-based character position in the trimmed text.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A digit count that no GTIN has.
    #[error(
        "{len} digits is not a GTIN length: expected 8, 12, 13 or 14 digits \
         (7 to 13 without the check digit)"
    )]
    BadLength {
        /// The number of digits found.
        len: usize,
    },
    /// The last digit does not match the GS1 check digit of the others (a typo or a
    /// transposition).
    #[error("check digit is {found} but the other digits require {expected}")]
    CheckDigit {
        /// The check digit the other digits call for.
        expected: u8,
        /// The check digit in the text.
        found: u8,
    },
}

impl Gtin {
    /// Parses a GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN) or GTIN-14. Surrounding whitespace is
    /// ignored; anything but digits inside is an error, and the check digit must match.
    pub fn parse(s: &str) -> Result<Self, GtinError> {
        let text = s.trim();
        let digits = digit_values(text)?;
        let len = digits.len();
        if !matches!(len, 8 | 12 | 13 | 14) {
            return Err(GtinError::BadLength { len });
        }
        let (body, found) = match digits.split_last() {
            Some((&found, body)) => (body, found),
            None => return Err(GtinError::Empty),
        };
        let expected = gs1_check_digit(body);
        if expected != found {
            return Err(GtinError::CheckDigit { expected, found });
        }
        let mut padded = [b'0'; 14];
        for (slot, byte) in padded.iter_mut().skip(14 - len).zip(text.bytes()) {
            *slot = byte;
        }
        Ok(Gtin(padded))
    }

    /// The 14-digit form, such as `"04006381333931"`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The shortest standard form that keeps every significant digit: 8, 12, 13 or 14 digits
    /// (`"00000096385074"` → `"96385074"`, `"00036000291452"` → `"036000291452"`).
    pub fn shortest(&self) -> String {
        let leading_zeros = self.0.iter().take_while(|&&b| b == b'0').count();
        let significant = self.0.len() - leading_zeros;
        let len = [8, 12, 13, 14]
            .into_iter()
            .find(|&len| len >= significant)
            .unwrap_or(14);
        self.as_str()
            .get(14 - len..)
            .unwrap_or(self.as_str())
            .to_owned()
    }
}

/// The GS1 mod-10 check digit for `body` (a GTIN without its last digit, 7 to 13 digits):
/// weights 3, 1, 3, … from the right, and the digit that rounds the sum up to a multiple of 10.
pub fn check_digit(body: &str) -> Result<u8, GtinError> {
    let digits = digit_values(body)?;
    if !(7..=13).contains(&digits.len()) {
        return Err(GtinError::BadLength { len: digits.len() });
    }
    Ok(gs1_check_digit(&digits))
}

/// Whether `s` parses as a GTIN with a correct check digit.
pub fn is_valid(s: &str) -> bool {
    Gtin::parse(s).is_ok()
}

/// The digit values of `text`, which must be non-empty and all ASCII digits.
fn digit_values(text: &str) -> Result<Vec<u8>, GtinError> {
    if text.is_empty() {
        return Err(GtinError::Empty);
    }
    text.chars()
        .enumerate()
        .map(|(position, found)| match found.to_digit(10) {
            Some(value) if found.is_ascii_digit() => Ok(u8::try_from(value).unwrap_or(0)),
            _ => Err(GtinError::NonDigit { position, found }),
        })
        .collect()
}

fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| u32::from(digit) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

impl fmt::Display for Gtin {
    /// The 14 digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin({})", self.as_str())
    }
}

impl FromStr for Gtin {
    type Err = GtinError;

    /// Same as [`Gtin::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gtin::parse(s)
    }
}

impl Serialize for Gtin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Gtin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::exact::deserialize_from_str(deserializer, "a GTIN of 8, 12, 13 or 14 digits")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_gtins_of_every_length() {
        let ean13 = Gtin::parse("4006381333931").unwrap();
        assert_eq!(ean13.as_str(), "04006381333931");
        assert_eq!(ean13.shortest(), "4006381333931");
        let upc = Gtin::parse("036000291452").unwrap();
        assert_eq!(upc.as_str(), "00036000291452");
        assert_eq!(upc.shortest(), "036000291452");
        let ean8 = Gtin::parse("96385074").unwrap();
        assert_eq!(ean8.to_string(), "00000096385074");
        assert_eq!(ean8.shortest(), "96385074");
        let gtin14 = Gtin::parse("10012345678902").unwrap();
        assert_eq!(gtin14.as_str(), "10012345678902");
        assert_eq!(gtin14.shortest(), "10012345678902");
        assert_eq!(format!("{gtin14:?}"), "Gtin(10012345678902)");
    }

    #[test]
    fn lengths_of_one_number_are_the_same_gtin() {
        let upc = Gtin::parse("036000291452").unwrap();
        assert_eq!(Gtin::parse("0036000291452").unwrap(), upc);
        assert_eq!(Gtin::parse("00036000291452").unwrap(), upc);
        assert_eq!(Gtin::parse("  036000291452\n").unwrap(), upc);
        assert_eq!("036000291452".parse::<Gtin>().unwrap(), upc);
        assert!(Gtin::parse("96385074").unwrap() < upc);
        // An EAN-13 with one leading zero shortens to 12 digits.
        assert_eq!(
            Gtin::parse("0012345678905").unwrap().shortest(),
            "012345678905"
        );
    }

    #[test]
    fn check_digits() {
        assert_eq!(check_digit("400638133393"), Ok(1));
        assert_eq!(check_digit("03600029145"), Ok(2));
        assert_eq!(check_digit("9638507"), Ok(4));
        assert_eq!(check_digit("1001234567890"), Ok(2));
        assert_eq!(check_digit("0000000"), Ok(0));
        assert_eq!(check_digit(""), Err(GtinError::Empty));
        assert_eq!(check_digit("123456"), Err(GtinError::BadLength { len: 6 }));
        assert_eq!(
            check_digit("12345678901234"),
            Err(GtinError::BadLength { len: 14 })
        );
        assert_eq!(
            check_digit("40063813x393"),
            Err(GtinError::NonDigit {
                position: 8,
                found: 'x'
            })
        );
    }

    #[test]
    fn rejects_bad_gtins() {
        assert_eq!(
            Gtin::parse("4006381333932"),
            Err(GtinError::CheckDigit {
                expected: 1,
                found: 2
            })
        );
        // Transposed digits.
        assert!(matches!(
            Gtin::parse("4006383133931"),
            Err(GtinError::CheckDigit { .. })
        ));
        assert_eq!(
            Gtin::parse("03600029145"),
            Err(GtinError::BadLength { len: 11 })
        );
        assert_eq!(
            Gtin::parse("123456789012345"),
            Err(GtinError::BadLength { len: 15 })
        );
        assert_eq!(Gtin::parse(""), Err(GtinError::Empty));
        assert_eq!(Gtin::parse("   "), Err(GtinError::Empty));
        assert_eq!(
            Gtin::parse("ABC1234567890"),
            Err(GtinError::NonDigit {
                position: 0,
                found: 'A'
            })
        );
        assert_eq!(
            Gtin::parse("4006381 333931"),
            Err(GtinError::NonDigit {
                position: 7,
                found: ' '
            })
        );
        assert_eq!(
            Gtin::parse("036000-291452"),
            Err(GtinError::NonDigit {
                position: 6,
                found: '-'
            })
        );
        assert!(matches!(
            Gtin::parse("٠٣٦٠٠٠٢٩١٤٥٢"),
            Err(GtinError::NonDigit { position: 0, .. })
        ));
        assert!(is_valid("4006381333931"));
        assert!(!is_valid("4006381333932"));
        assert!(!is_valid("96385075"));
    }

    #[test]
    fn error_messages_show_the_problem() {
        assert_eq!(
            Gtin::parse("4006381333932").unwrap_err().to_string(),
            "check digit is 2 but the other digits require 1"
        );
        let message = Gtin::parse("03600029145").unwrap_err().to_string();
        assert!(
            message.starts_with("11 digits is not a GTIN length"),
            "{message}"
        );
        let message = Gtin::parse("12a4").unwrap_err().to_string();
        assert!(message.contains("'a' at position 2"), "{message}");
    }

    #[cfg(feature = "guest")]
    #[test]
    fn serde_as_fourteen_digits() {
        let gtin = Gtin::parse("96385074").unwrap();
        assert_eq!(serde_json::to_string(&gtin).unwrap(), "\"00000096385074\"");
        assert_eq!(serde_json::from_str::<Gtin>("\"96385074\"").unwrap(), gtin);
        assert!(serde_json::from_str::<Gtin>("\"96385075\"").is_err());
        assert!(serde_json::from_str::<Gtin>("96385074").is_err());
    }
}
