//! One parser for the codes in every request: ISO 4217 currencies, ISO 3166-1 alpha-2
//! countries and UN/CEFACT Recommendation 20 units, with the unit's own rules for quantities.
//!
//! Every front end (HTTP, MCP, the CLI, embedded or remote) hands its request to the same
//! operations, and those put every code through [`Normalize`] before anything is priced,
//! parked or sent: what is unambiguous is normalised (`"eur"` is `EUR`, `" de "` is `DE`,
//! `"c62"` is `C62`), everything else is refused with the field and the reason, the same way
//! everywhere. A code that passed here reaches the adapter in its one canonical spelling, so a
//! supplier never echoes back a spelling the host then refuses as invalid output.

use crate::contract::{Address, AvailabilityRequest, Money, Price, Quantity};
use mercato_sdk::exact::{Currency, Unit};

/// A code or quantity the host cannot accept, with the field it is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct CodeError {
    /// The field, as a path into the request (`lines[0].quantity`).
    pub field: String,
    /// Why, in words.
    pub reason: String,
}

fn refuse(field: &str, reason: impl Into<String>) -> CodeError {
    CodeError {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// An ISO 4217 currency code, in any case and with surrounding blanks.
pub fn currency(field: &str, text: &str) -> Result<Currency, CodeError> {
    let code = text.trim();
    Currency::parse(code).map_err(|_| {
        refuse(
            field,
            format!("{text:?} is not an active ISO 4217 currency code (such as EUR, USD, CHF)"),
        )
    })
}

/// Codes people write for a country that ISO 3166-1 spells otherwise.
const COUNTRY_HINTS: [(&str, &str); 2] = [("UK", "GB"), ("EL", "GR")];

/// An ISO 3166-1 alpha-2 country code, in any case and with surrounding blanks; returned in
/// upper case.
pub fn country(field: &str, text: &str) -> Result<String, CodeError> {
    let code = text.trim().to_ascii_uppercase();
    if let Some((_, iso)) = COUNTRY_HINTS.iter().find(|(said, _)| *said == code) {
        return Err(refuse(
            field,
            format!("{text:?} is not an ISO 3166-1 code; the code for that country is {iso}"),
        ));
    }
    isocountry::CountryCode::for_alpha2(&code)
        .map(|c| c.alpha2().to_string())
        .map_err(|_| {
            refuse(
                field,
                format!("{text:?} is not an ISO 3166-1 alpha-2 country code (such as DE, FR, US)"),
            )
        })
}

/// The country's name in English, for people (`DE` → Germany).
pub fn country_name(code: &str) -> Option<&'static str> {
    isocountry::CountryCode::for_alpha2(code)
        .ok()
        .map(|c| c.name())
}

/// A UN/CEFACT Recommendation 20 unit code, in any case and with surrounding blanks.
pub fn unit(field: &str, text: &str) -> Result<Unit, CodeError> {
    Unit::parse(&text.trim().to_ascii_uppercase()).map_err(|_| {
        refuse(
            field,
            format!("{text:?} is not a UN/CEFACT Rec 20 unit code (such as C62, KGM, MTR)"),
        )
    })
}

/// Rec 20 units that count things: a quantity of them is a whole number. (Units of measure,
/// such as KGM or MTR, may be fractional.)
pub(crate) const COUNTED: [&str; 22] = [
    "C62", "EA", "H87", "NAR", "PR", "NPR", "SET", "DZN", "GRO", "BX", "PK", "PA", "CT", "CS",
    "BG", "KT", "RO", "CR", "BO", "CA", "TU", "XPK",
];

/// Whether quantities of `unit` are whole numbers.
pub fn counts_things(unit: &Unit) -> bool {
    COUNTED.contains(&unit.code())
}

/// Most decimal places a quantity may have.
pub(crate) const MAX_QUANTITY_SCALE: u8 = 15;
/// Most decimal places a price may have.
const MAX_PRICE_SCALE: u8 = 18;

/// Normalise every code in a request and check its quantities, in place.
pub trait Normalize {
    /// Normalise `self`, which is at `field` in the request (`""` at the top).
    fn normalize(&mut self, field: &str) -> Result<(), CodeError>;
}

/// `parent.child`, or `child` at the top.
pub fn path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

impl Normalize for AvailabilityRequest {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        self.quantity.normalize(&path(field, "quantity"))
    }
}

impl Normalize for Money {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        self.currency = currency(&path(field, "currency"), &self.currency)?
            .code()
            .to_string();
        Ok(())
    }
}

impl Normalize for Quantity {
    /// The unit in its canonical spelling; a counted unit's quantity must be whole.
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        let unit = unit(&path(field, "unit"), &self.unit)?;
        if self.scale > MAX_QUANTITY_SCALE {
            return Err(refuse(
                &path(field, "scale"),
                format!(
                    "{} decimal places; at most {MAX_QUANTITY_SCALE}",
                    self.scale
                ),
            ));
        }
        if counts_things(&unit) {
            let per_unit = 10u64.pow(u32::from(self.scale));
            if !self.steps.is_multiple_of(per_unit) {
                return Err(refuse(
                    field,
                    format!(
                        "{} is not a whole number: {} counts whole items",
                        mercato_sdk::exact::Quantity::new(self.steps, unit.clone(), self.scale)
                            .map(|q| q.to_string())
                            .unwrap_or_else(|_| format!("{} × 10^-{}", self.steps, self.scale)),
                        unit.code()
                    ),
                ));
            }
            // Whole, so written without decimals: 25 C62, not 25.0.
            self.steps /= per_unit;
            self.scale = 0;
        }
        self.unit = unit.code().to_string();
        Ok(())
    }
}

impl Normalize for Price {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        self.currency = currency(&path(field, "currency"), &self.currency)?
            .code()
            .to_string();
        if self.amount.scale > MAX_PRICE_SCALE {
            return Err(refuse(
                &path(field, "amount.scale"),
                format!(
                    "{} decimal places; at most {MAX_PRICE_SCALE}",
                    self.amount.scale
                ),
            ));
        }
        if self.amount.mantissa < 0 {
            return Err(refuse(&path(field, "amount"), "a price cannot be negative"));
        }
        self.basis.normalize(&path(field, "basis"))?;
        if self.basis.steps == 0 {
            return Err(refuse(
                &path(field, "basis"),
                "a price is for more than zero units",
            ));
        }
        Ok(())
    }
}

impl Normalize for Address {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        self.country = country(&path(field, "country"), &self.country)?;
        Ok(())
    }
}

impl<T: Normalize> Normalize for Option<T> {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        match self {
            Some(v) => v.normalize(field),
            None => Ok(()),
        }
    }
}

impl<T: Normalize> Normalize for Vec<T> {
    fn normalize(&mut self, field: &str) -> Result<(), CodeError> {
        self.iter_mut()
            .enumerate()
            .try_for_each(|(n, v)| v.normalize(&format!("{field}[{n}]")))
    }
}

/// A quantity to order or quote: normalised, and more than zero.
pub fn wanted(q: &mut Quantity, field: &str) -> Result<(), CodeError> {
    q.normalize(field)?;
    if q.steps == 0 {
        return Err(refuse(field, "must be more than zero"));
    }
    Ok(())
}

/// An optional currency code, normalised.
pub fn optional_currency(field: &str, code: &mut Option<String>) -> Result<(), CodeError> {
    if let Some(c) = code {
        *c = currency(field, c)?.code().to_string();
    }
    Ok(())
}

/// An optional country code, normalised.
pub fn optional_country(field: &str, code: &mut Option<String>) -> Result<(), CodeError> {
    if let Some(c) = code {
        *c = country(field, c)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(steps: u64, scale: u8) -> Quantity {
        Quantity {
            steps,
            unit: "c62".into(),
            scale,
        }
    }

    #[test]
    fn unambiguous_spellings_are_normalised_and_the_rest_refused_with_the_field() {
        assert_eq!(
            currency("max_total.currency", " eur ").unwrap().code(),
            "EUR"
        );
        let e = currency("max_total.currency", "EURO").unwrap_err();
        assert_eq!(e.field, "max_total.currency");
        assert!(e.reason.contains("ISO 4217"), "{e}");
        assert_eq!(country("ship_to.country", "de").unwrap(), "DE");
        let uk = country("ship_to.country", "uk").unwrap_err();
        assert!(uk.reason.contains("GB"), "{uk}");
        assert!(country("c", "XX").is_err());
        assert!(country("c", "DEU").is_err());
        assert_eq!(unit("u", "kgm").unwrap().code(), "KGM");
        assert!(unit("u", "kilogram").is_err());
    }

    #[test]
    fn counted_units_are_whole_and_measured_ones_may_be_fractional() {
        let mut whole = pieces(250, 1);
        whole.normalize("lines[0].quantity").unwrap();
        assert_eq!(
            (whole.steps, whole.unit.as_str(), whole.scale),
            (25, "C62", 0)
        );

        let mut half = pieces(25, 1);
        let e = half.normalize("lines[0].quantity").unwrap_err();
        assert_eq!(e.field, "lines[0].quantity");
        assert!(e.reason.contains("2.5"), "{e}");

        let mut kilos = Quantity {
            steps: 25,
            unit: "KGM".into(),
            scale: 1,
        };
        kilos.normalize("q").unwrap();
        assert_eq!((kilos.steps, kilos.scale), (25, 1));

        let mut deep = Quantity {
            steps: 1,
            unit: "KGM".into(),
            scale: 16,
        };
        assert_eq!(deep.normalize("q").unwrap_err().field, "q.scale");
    }

    #[test]
    fn prices_are_positive_with_a_basis_and_a_sane_scale() {
        use crate::contract::Decimal;
        let price = |mantissa, scale, basis| Price {
            currency: "usd".into(),
            amount: Decimal { mantissa, scale },
            basis: pieces(basis, 0),
        };
        let mut ok = price(125, 2, 1);
        ok.normalize("p").unwrap();
        assert_eq!(
            (ok.currency.as_str(), ok.basis.unit.as_str()),
            ("USD", "C62")
        );
        assert_eq!(
            price(-1, 2, 1).normalize("p").unwrap_err().field,
            "p.amount"
        );
        assert_eq!(
            price(1, 19, 1).normalize("p").unwrap_err().field,
            "p.amount.scale"
        );
        assert_eq!(price(1, 2, 0).normalize("p").unwrap_err().field, "p.basis");
    }
}
