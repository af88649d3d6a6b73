//! # Mercato adapter SDK
//!
//! Everything a supplier's engineer needs to turn their supplier's API into a Mercato adapter:
//! a WebAssembly component that implements the `mercato:supplier@0.2.0` contract.
//!
//! The steps:
//! 1. Implement [`Adapter`] for a type with [`Default`]. Only [`Adapter::describe`] is
//!    required; every operation you do not implement answers `unsupported`.
//! 2. Register it: `mercato_sdk::register_adapter!(MyAdapter);`.
//! 3. Build with `cargo build --release --target wasm32-wasip2`; the `.wasm` is the adapter.
//!
//! Inside an operation, read settings with [`host::setting`], call the supplier with
//! [`http::Client`], turn its numbers into exact values with [`formats`] and [`exact`], and turn
//! its failures into typed errors with [`errors`].
//!
//! The crate compiles natively as well, so adapter logic is unit-tested with plain
//! `cargo test`: [`testing`] installs stand-ins for the host's settings, secrets and HTTP.
#![deny(missing_docs)]

pub mod exact;
pub mod formats;
pub mod gtin;
#[cfg(feature = "manifest")]
pub mod manifest;
#[cfg(feature = "xml")]
pub mod xml;

#[cfg(feature = "guest")]
mod adapter;
#[cfg(feature = "guest")]
#[doc(hidden)]
pub mod bindings;
#[cfg(feature = "guest")]
pub mod contract;
#[cfg(feature = "guest")]
pub mod errors;
#[cfg(feature = "guest")]
pub mod host;
#[cfg(feature = "guest")]
pub mod http;
#[cfg(all(feature = "guest", not(target_arch = "wasm32")))]
pub mod testing;
#[cfg(feature = "guest")]
pub mod time;

#[cfg(feature = "guest")]
#[doc(hidden)]
pub use adapter::__private;
/// The contract version this SDK builds adapters against (`mercato:supplier@0.2.0`).
pub const CONTRACT_VERSION: &str = "0.2.0";

#[cfg(feature = "guest")]
pub use adapter::Adapter;
#[cfg(feature = "guest")]
pub use contract::CommerceError;

/// What `use mercato_sdk::prelude::*;` brings in: the trait, the contract types and helpers
/// nearly every adapter uses.
#[cfg(feature = "guest")]
pub mod prelude {
    pub use crate::Adapter;
    pub use crate::contract::*;
    pub use crate::errors::{self, CommerceResult};
    // The exact types share names with contract records (`Money`, `Decimal`, `Quantity`);
    // the prelude gives the contract's, and the exact ones are `exact::Money` and so on.
    pub use crate::exact::{self, Currency, RoundingMode};
    pub use crate::host;
}
