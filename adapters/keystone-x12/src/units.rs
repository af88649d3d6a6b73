//! Units of measure: the contract's UN/CEFACT Recommendation 20 codes and X12 data element 355
//! (always two characters).
//!
//! The two lists overlap but differ exactly where it hurts: a piece is `C62` in Rec 20 and
//! `EA` in X12, a case is `CS` and `CA`, a foot `FOT` and `FT`. Only units with an unambiguous
//! counterpart are mapped; anything else is refused rather than guessed.

/// (Rec 20, X12 355) pairs.
const UNITS: &[(&str, &str)] = &[
    ("C62", "EA"),
    ("EA", "EA"),
    ("BX", "BX"),
    ("CS", "CA"),
    ("PK", "PK"),
    ("PR", "PR"),
    ("DZN", "DZ"),
    ("RO", "RL"),
    ("FOT", "FT"),
    ("MTR", "MR"),
    ("LBR", "LB"),
    ("KGM", "KG"),
];

/// The X12 code for a Rec 20 unit, if it has one.
pub fn to_x12(rec20: &str) -> Option<&'static str> {
    UNITS.iter().find(|(r, _)| *r == rec20).map(|(_, x)| *x)
}

/// The Rec 20 code for an X12 unit, if it has one (`EA` becomes `C62`, the piece).
pub fn from_x12(x12: &str) -> Option<&'static str> {
    UNITS.iter().find(|(_, x)| *x == x12).map(|(r, _)| *r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_each_and_back() {
        assert_eq!(to_x12("C62"), Some("EA"));
        assert_eq!(to_x12("EA"), Some("EA"));
        assert_eq!(from_x12("EA"), Some("C62"));
        assert_eq!(to_x12("CS"), Some("CA"));
        assert_eq!(from_x12("CA"), Some("CS"));
        assert_eq!(from_x12("FT"), Some("FOT"));
        assert_eq!(to_x12("HUR"), None);
        assert_eq!(from_x12("ZZ"), None);
    }
}
