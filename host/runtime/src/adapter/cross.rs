//! Values crossing between wasmtime's bindings of the latest contract and the plain contract
//! types ([`mercato_contract`]) the rest of the host uses.
//!
//! The moves for each contract type are generated from the WIT when the crate builds
//! (`build.rs`, with `contract/codegen.rs`); this file holds the ones for the WIT's built-in types. A move costs
//! what a field-by-field copy costs: strings and lists move, nothing is cloned or parsed.

use crate::contract::Capabilities;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/cross.rs"));
}

/// A value of one side's type as the same value of the other's.
pub(crate) trait Cross<T> {
    /// The same value, in the other side's type.
    fn cross(self) -> T;
}

/// Built-in types are the same Rust type on both sides.
macro_rules! same_on_both_sides {
    ($($t:ty),*) => {
        $(impl Cross<$t> for $t {
            fn cross(self) -> $t {
                self
            }
        })*
    };
}

same_on_both_sides!(
    (),
    bool,
    u8,
    u16,
    u32,
    u64,
    i8,
    i16,
    i32,
    i64,
    f32,
    f64,
    char,
    String
);

impl<A: Cross<B>, B> Cross<Vec<B>> for Vec<A> {
    fn cross(self) -> Vec<B> {
        self.into_iter().map(Cross::cross).collect()
    }
}

impl<A: Cross<B>, B> Cross<Option<B>> for Option<A> {
    fn cross(self) -> Option<B> {
        self.map(Cross::cross)
    }
}

impl<A: Cross<B>, B, E: Cross<F>, F> Cross<Result<B, F>> for Result<A, E> {
    fn cross(self) -> Result<B, F> {
        self.map(Cross::cross).map_err(Cross::cross)
    }
}

impl<A1: Cross<B1>, B1, A2: Cross<B2>, B2> Cross<(B1, B2)> for (A1, A2) {
    fn cross(self) -> (B1, B2) {
        (self.0.cross(), self.1.cross())
    }
}

/// The capabilities of an adapter built against contract 0.1, flag by flag (0.2 kept every
/// flag of 0.1).
pub(crate) mod v0_1 {
    use super::Capabilities;
    use crate::wit::since_v0_1_0::exports::mercato::supplier::adapter_info::Capabilities as Old;

    const FLAGS: [(Old, Capabilities); 15] = [
        (Old::SEARCH, Capabilities::SEARCH),
        (Old::BATCH_LOOKUP, Capabilities::BATCH_LOOKUP),
        (Old::LIVE_AVAILABILITY, Capabilities::LIVE_AVAILABILITY),
        (Old::PRICE_TIERS, Capabilities::PRICE_TIERS),
        (Old::INSTANT_QUOTE, Capabilities::INSTANT_QUOTE),
        (Old::ASYNC_QUOTE, Capabilities::ASYNC_QUOTE),
        (Old::PLACE_ORDER, Capabilities::PLACE_ORDER),
        (Old::CANCEL_ORDER, Capabilities::CANCEL_ORDER),
        (Old::ORDER_STATUS, Capabilities::ORDER_STATUS),
        (Old::SHIPMENT_TRACKING, Capabilities::SHIPMENT_TRACKING),
        (Old::INVOICES, Capabilities::INVOICES),
        (Old::RETURNS, Capabilities::RETURNS),
        (Old::INBOUND_DOCUMENTS, Capabilities::INBOUND_DOCUMENTS),
        (Old::PARTIAL_DELIVERY, Capabilities::PARTIAL_DELIVERY),
        (Old::SUBSTITUTIONS, Capabilities::SUBSTITUTIONS),
    ];

    impl From<Old> for Capabilities {
        fn from(old: Old) -> Self {
            FLAGS
                .iter()
                .filter(|(o, _)| old.contains(*o))
                .fold(Capabilities::empty(), |acc, (_, new)| acc | *new)
        }
    }

    impl From<Capabilities> for Old {
        fn from(new: Capabilities) -> Self {
            FLAGS
                .iter()
                .filter(|(_, n)| new.contains(*n))
                .fold(Old::empty(), |acc, (old, _)| acc | *old)
        }
    }

    impl serde::Serialize for Old {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Capabilities::from(*self).serialize(serializer)
        }
    }

    impl<'de> serde::Deserialize<'de> for Old {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Capabilities::deserialize(deserializer).map(Old::from)
        }
    }
}
