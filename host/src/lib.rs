//! # Mercato
//!
//! Mercato lets one machine customer — a reorder bot, a factory sensor, an AI agent — search,
//! quote and order from many suppliers through one interface. Each supplier ships an
//! *adapter*: a WebAssembly component implementing the `mercato:supplier@0.2.0` contract in
//! `wit/` (or an older minor version the host still serves).
//!
//! This is the application: the `mercato` binary's commands and what only it needs. It wires
//! the rooms together, each a crate of its own (`docs/architecture.md`), and re-exports their
//! modules here under one name:
//! - `mercato-contract` ([`contract`]): the contract's types as plain Rust, the `Supplier`
//!   trait, answer checks.
//! - `mercato-runtime` ([`engine`], [`adapter`], [`sandbox`], [`signing`], [`logline`],
//!   [`error`]): the only crate with wasmtime, which it keeps to itself.
//! - `mercato-ledger` ([`ledger`]): the only crate with SQL.
//! - `mercato-trade` ([`broker`], [`desk`], [`mandate`], [`clients`], [`codes`], [`wire`],
//!   [`metrics`]): trade, with no wasmtime, SQL or HTTP.
//! - `mercato-gateway` ([`gateway`]): HTTP, OpenAPI and MCP, the only crate with axum and rmcp.
//!
//! Its own modules:
//! - [`policy`]: the integrator's host policy file.
//! - [`inspect`]: the audit report of `mercato inspect`.
//! - [`conformance`]: the conformance kit of `mercato test-adapter`.
//! - [`reload`]: hot reload of adapters from a watched folder.
//! - [`scaffold`]: `mercato new adapter`.
//! - [`display`]: tables and values for people.
//! - `demo` (feature `demo`): the story `mercato demo` tells, against simulated suppliers.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod conformance;
#[cfg(feature = "demo")]
pub mod demo;
pub mod display;
pub mod inspect;
pub mod policy;
pub mod reload;
pub mod scaffold;

pub use mercato_contract as contract;
pub use mercato_gateway as gateway;
pub use mercato_ledger as ledger;
pub use mercato_runtime::{adapter, engine, error, logline, sandbox, signing};
pub use mercato_trade::{broker, clients, codes, desk, mandate, metrics, wire};

pub use mercato_runtime::{AdapterHost, Digest, HostConfig, LoadedAdapter, Operation, SupplierId};
pub use mercato_runtime::{CallError, EngineConfig, Grants, LoadError, ResourceKind};

#[cfg(test)]
mod tests {
    /// The rooms keep their own copies of two facts of the runtime; they must agree.
    #[test]
    fn the_rooms_agree_with_the_runtime() {
        assert_eq!(
            crate::broker::DEFAULT_MAX_CONCURRENT_CALLS,
            crate::engine::DEFAULT_POOL_SIZE as usize,
            "the broker admits as many calls as the runtime has instance slots"
        );
        assert_eq!(
            Some(&crate::contract::VERSION),
            mercato_runtime::SERVED.last(),
            "the plain types follow the newest contract the runtime serves"
        );
    }
}
