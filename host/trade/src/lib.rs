//! # Mercato's trade rooms
//!
//! What a machine customer's request becomes between the gateways and the suppliers: the
//! broker fans it out and ranks the answers, the order desk places orders exactly once within
//! caps and mandates, and everything is accounted for in the ledger. Suppliers are reached
//! through [`mercato_contract::supplier::Supplier`]: nothing here knows wasmtime, SQL or HTTP.
//!
//! ## Layout
//! - [`broker`]: fan a request out to every eligible adapter and rank the answers.
//! - [`desk`]: the order desk: idempotency, facts, caps, mandates and reservations, judging
//!   suppliers' answers, approvals and recovery after a crash.
//! - [`mandate`]: spend mandates, evaluated in deterministic code.
//! - [`clients`]: machine clients, their buyer identities and mandates.
//! - [`codes`]: the one parser for currency, country and unit codes in every request.
//! - [`wire`]: the public JSON types of every operation (one naming convention).
//! - [`display`]: contract values for people.
//! - [`metrics`]: Prometheus metrics of adapter calls, the call pool and the gateway.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod broker;
pub mod clients;
pub mod codes;
pub mod desk;
pub mod display;
pub mod mandate;
pub mod metrics;
pub mod wire;

use mercato_contract as contract;
use mercato_ledger as ledger;
