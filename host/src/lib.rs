//! # Mercato host
//!
//! Mercato lets one machine customer — a reorder bot, a factory sensor, an AI agent — search,
//! quote and order from many suppliers through one interface. Each supplier ships an
//! *adapter*: a WebAssembly component implementing the `mercato:supplier@0.2.0` contract in
//! `wit/` (or an older minor version the host still serves). This crate loads adapters into a
//! sandbox and calls them.
//!
//! ## Layout
//! - [`engine`]: the one wasmtime engine (component model, epoch interruption, pooling
//!   allocator) and the compile cache.
//! - [`adapter`]: load a component, check it against the world, call it with a fresh
//!   instance per call.
//! - [`sandbox`]: limits, outbound host grants, secrets, and the outbound gate.
//! - [`broker`]: fan a request out to every eligible adapter and rank the answers.
//! - [`metrics`]: Prometheus metrics of adapter calls, the call pool and the gateway.
//! - [`clients`]: machine clients, their buyer identities and mandates.
//! - [`codes`]: the one parser for currency, country and unit codes in every request.
//! - [`desk`]: the order desk: idempotency, facts, caps, mandates and reservations,
//!   judging suppliers' answers, approvals and recovery after a crash.
//! - [`gateway`]: the HTTP API (with its OpenAPI document) and the MCP server: transport only.
//! - [`ledger`]: the durable record of orders, idempotency keys, intents and the audit trail.
//! - [`mandate`]: spend mandates, evaluated in deterministic code.
//! - [`signing`]: publisher signatures and the integrator's trust store.
//! - [`policy`]: the integrator's host policy file.
//! - [`audit`]: the audit report of `mercato inspect`.
//! - [`logline`]: one event, one log line: escaping what adapters write.
//! - [`contract`]: the contract's data types as plain Rust values.
//! - `demo` (feature `demo`): the story `mercato demo` tells, against simulated suppliers.
//!
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod audit;
pub mod conformance;
pub mod contract;
#[cfg(feature = "demo")]
pub mod demo;
pub mod display;
pub mod policy;
pub mod reload;
pub mod scaffold;

pub use mercato_gateway as gateway;
pub use mercato_ledger as ledger;
pub use mercato_runtime::{adapter, engine, error, logline, sandbox, signing, wit};
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
        assert_eq!(crate::contract::VERSION, crate::wit::latest::VERSION);
    }
}
