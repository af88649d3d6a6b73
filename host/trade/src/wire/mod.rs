//! The public JSON shapes of the contract's data: what HTTP, MCP and the CLI's `--json` show a
//! client. The host owns these types, so the WIT can grow without changing what clients see;
//! each converts to and from its contract type ([`crate::contract`]).
//!
//! One convention, everywhere:
//! - Field names and enum values are `snake_case` (`"in_stock"`, `"on_account"`).
//! - A variant is an object whose `kind` names the case. A case carrying a record has that
//!   record's fields beside `kind` (`{"kind": "mpn", "manufacturer": "…", "mpn": "…"}`); a case
//!   carrying anything else has it under one named field (`{"kind": "sku", "sku": "…"}`,
//!   `{"kind": "out_of_stock", "shortfalls": […]}`); a case carrying nothing is `{"kind": …}`.
//! - Money is `{"currency": "EUR", "minor": 1234}`: integer minor units of an ISO 4217 currency.
//! - Quantities are `{"steps": 25, "unit": "C62", "scale": 0}`: `steps × 10^-scale` of a
//!   UN/CEFACT Rec 20 unit; decimals (unit prices) are `{"mantissa": 1234, "scale": 3}`.
//! - Timestamps are integer milliseconds since the Unix epoch, UTC.
//! - Absent optional fields are left out; lists are always present (empty when there is
//!   nothing).

mod body;
mod catalog;
pub mod codes;
mod inbound;
mod ordering;
mod quoting;
mod supplier;
mod types;

pub use body::*;
pub use catalog::*;
pub use codes::{CountryCode, CurrencyCode, UnitCode, WantedPrice, WantedQuantity};
pub use inbound::*;
pub use ordering::*;
pub use quoting::*;
pub use supplier::*;
pub use types::*;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One of a supplier's free-form key/value pairs, in the order the supplier gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// The key.
    pub name: String,
    /// The value.
    pub value: String,
}

impl From<(String, String)> for Property {
    fn from((name, value): (String, String)) -> Self {
        Property { name, value }
    }
}

impl From<Property> for (String, String) {
    fn from(p: Property) -> Self {
        (p.name, p.value)
    }
}

impl From<mercato_sdk::exact::Money> for Money {
    fn from(m: mercato_sdk::exact::Money) -> Self {
        crate::contract::Money::from(m).into()
    }
}

impl Quantity {
    /// `n` pieces (UN/CEFACT "C62").
    pub fn pieces(n: u64) -> Self {
        crate::contract::Quantity::pieces(n).into()
    }
}

/// The exact forms, for arithmetic, as the contract's types compute them.
macro_rules! exact_forms {
    ($($ty:ident => $exact:ty),* $(,)?) => {$(
        impl $ty {
            /// The exact form, for arithmetic.
            pub fn to_exact(&self) -> Result<$exact, mercato_sdk::exact::ExactError> {
                crate::contract::$ty::from(self.clone()).to_exact()
            }
        }
    )*};
}

exact_forms! {
    Decimal => mercato_sdk::exact::Decimal,
    Money => mercato_sdk::exact::Money,
    Price => mercato_sdk::exact::UnitPrice,
    Quantity => mercato_sdk::exact::Quantity,
    OrderRules => mercato_sdk::exact::OrderRules,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract as c;

    /// Contract value → API JSON → contract value, unchanged; the JSON is `{"kind": …}`.
    fn round_trip<C, W>(value: C, kind: &str)
    where
        C: Clone + PartialEq + std::fmt::Debug + From<W>,
        W: From<C> + Serialize + serde::de::DeserializeOwned,
    {
        let json = serde_json::to_value(W::from(value.clone())).unwrap();
        assert_eq!(json["kind"], kind, "{json}");
        let back: W =
            serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(C::from(back), value);
    }

    #[test]
    fn every_variant_case_survives_the_api_shape() {
        let hint = c::RetryHint {
            retry_after_ms: Some(1500),
        };
        let cases = [
            (
                c::CommerceError::InvalidRequest(c::FieldError {
                    field: "lines[0].quantity".into(),
                    reason: "below the minimum".into(),
                }),
                "invalid_request",
            ),
            (c::CommerceError::NotFound("quote Q-1".into()), "not_found"),
            (c::CommerceError::OutOfStock(vec![]), "out_of_stock"),
            (
                c::CommerceError::HumanRequired(c::Escalation {
                    kind: c::Resolution::RequiresBuyerReview,
                    reason: "a person signs".into(),
                    continue_url: None,
                }),
                "human_required",
            ),
            (c::CommerceError::RateLimited(hint), "rate_limited"),
            (
                c::CommerceError::SupplierRejected(c::Rejection {
                    code: "E42".into(),
                    text: "no".into(),
                }),
                "supplier_rejected",
            ),
        ];
        for (e, kind) in cases {
            round_trip::<c::CommerceError, CommerceError>(e, kind);
        }
        round_trip::<c::ItemRef, ItemRef>(c::ItemRef::Sku("VC-1".into()), "sku");
        round_trip::<c::ItemRef, ItemRef>(
            c::ItemRef::Mpn(c::MpnRef {
                manufacturer: Some("Würth".into()),
                mpn: "0057 008".into(),
            }),
            "mpn",
        );
        round_trip::<c::PaymentInstruction, PaymentInstruction>(
            c::PaymentInstruction::OnAccount(None),
            "on_account",
        );
        round_trip::<c::PaymentInstruction, PaymentInstruction>(
            c::PaymentInstruction::OnAccount(Some("NET30".into())),
            "on_account",
        );
    }

    #[test]
    fn enum_values_and_capabilities_are_snake_case() {
        let status = serde_json::to_value(StockStatus::from(c::StockStatus::InStock)).unwrap();
        assert_eq!(status, "in_stock");
        let all = c::Capabilities::all();
        let list = capabilities(all);
        assert_eq!(flags(&list), all);
        assert!(
            serde_json::to_value(&list)
                .unwrap()
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("batch_lookup"))
        );
    }
}
