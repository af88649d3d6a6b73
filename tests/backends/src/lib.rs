//! Simulated supplier backends: small but real HTTP servers with their own state, one per
//! upstream style, for the adapters' tests and for `mercato demo`.
//!
//! Each backend binds 127.0.0.1 on an ephemeral port and keeps its catalogue, stock, quotes
//! and orders in memory: stock goes down when an order is accepted, idempotency keys are
//! honoured, some items are out of stock, a price moves between quote and order, and a client
//! that calls too fast gets 429 with `Retry-After`. Tests steer them through `/_sim/*`
//! endpoints (see [`sim`]): advance the clock, fail the next requests, slow responses down.
#![deny(missing_docs)]

pub mod keystone;
pub mod nordfast;
pub mod ostara;
mod push;
pub mod sim;
pub mod voltaic;

pub use sim::RunningBackend;
