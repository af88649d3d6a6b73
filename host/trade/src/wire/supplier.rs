//! What a supplier's adapter offers.

#[allow(unused_imports, reason = "each file takes what it names")]
use super::*;
use crate::contract as c;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One of the operations and behaviours an adapter offers (a `capabilities` entry).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// `catalog.search`.
    Search,
    /// `catalog.get-items`.
    BatchLookup,
    /// `catalog.check-availability` asks the supplier live.
    LiveAvailability,
    /// Catalogue items carry price breaks.
    PriceTiers,
    /// `quoting.request-quote` answers at once with a priced quote.
    InstantQuote,
    /// `quoting.request-quote` may answer `pending`; poll with `quoting.get-quote`.
    AsyncQuote,
    /// `ordering.place-order`.
    PlaceOrder,
    /// `ordering.cancel-order`.
    CancelOrder,
    /// `ordering.get-order`.
    OrderStatus,
    /// `ordering.list-shipments`.
    ShipmentTracking,
    /// `ordering.list-invoices`.
    Invoices,
    /// `ordering.request-return`.
    Returns,
    /// `inbound.handle-inbound` understands documents the supplier pushes.
    InboundDocuments,
    /// Orders may be delivered in parts.
    PartialDelivery,
    /// The supplier may substitute items.
    Substitutions,
}

/// Operations and behaviours an adapter offers.
///
/// Listed in a fixed order, each at most once.
pub type Capabilities = Vec<Capability>;

/// Each capability with its contract flag.
const FLAGS: [(Capability, c::Capabilities); 15] = [
    (Capability::Search, c::Capabilities::SEARCH),
    (Capability::BatchLookup, c::Capabilities::BATCH_LOOKUP),
    (
        Capability::LiveAvailability,
        c::Capabilities::LIVE_AVAILABILITY,
    ),
    (Capability::PriceTiers, c::Capabilities::PRICE_TIERS),
    (Capability::InstantQuote, c::Capabilities::INSTANT_QUOTE),
    (Capability::AsyncQuote, c::Capabilities::ASYNC_QUOTE),
    (Capability::PlaceOrder, c::Capabilities::PLACE_ORDER),
    (Capability::CancelOrder, c::Capabilities::CANCEL_ORDER),
    (Capability::OrderStatus, c::Capabilities::ORDER_STATUS),
    (
        Capability::ShipmentTracking,
        c::Capabilities::SHIPMENT_TRACKING,
    ),
    (Capability::Invoices, c::Capabilities::INVOICES),
    (Capability::Returns, c::Capabilities::RETURNS),
    (
        Capability::InboundDocuments,
        c::Capabilities::INBOUND_DOCUMENTS,
    ),
    (
        Capability::PartialDelivery,
        c::Capabilities::PARTIAL_DELIVERY,
    ),
    (Capability::Substitutions, c::Capabilities::SUBSTITUTIONS),
];

/// The capabilities a contract flag set holds, in a fixed order.
pub fn capabilities(flags: c::Capabilities) -> Capabilities {
    FLAGS
        .iter()
        .filter(|(_, f)| flags.contains(*f))
        .map(|(c, _)| *c)
        .collect()
}

/// The contract flag set of a capability list.
pub fn flags(list: &[Capability]) -> c::Capabilities {
    FLAGS
        .iter()
        .filter(|(c, _)| list.contains(c))
        .fold(c::Capabilities::empty(), |all, (_, f)| all | *f)
}
