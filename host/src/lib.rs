//! # Mercato host
//!
//! Mercato lets one machine customer — a reorder bot, a factory sensor, an AI agent — search,
//! quote and order from many suppliers through one interface. Each supplier ships an
//! *adapter*: a WebAssembly component implementing the `mercato:supplier@0.1.0` contract in
//! `wit/`. This crate loads adapters into a sandbox and calls them.
//!
//! ## Layout
//! - [`engine`]: the one wasmtime engine (component model, epoch interruption, pooling
//!   allocator) and the compile cache.
//! - [`adapter`]: load a component, check it against the world, call it with a fresh
//!   instance per call.
//! - [`sandbox`]: limits, outbound host grants, secrets, and the outbound gate.
//! - [`broker`]: fan a request out to every eligible adapter and rank the answers.
//! - [`contract`]: the contract's data types as plain Rust values.
//! - `demo` (feature `demo`): the story `mercato demo` tells, against simulated suppliers.
//!
//! ## Using it
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use mercato::{AdapterHost, EngineConfig, Grants};
//! use mercato::sandbox::allowed_hosts::AllowedHosts;
//!
//! let host = AdapterHost::new(EngineConfig::default())?;
//! let grants = Grants::new(AllowedHosts::parse(&["https://api.supplier.example"])?)
//!     .setting("base-url", "https://api.supplier.example/v1");
//! let adapter = host.load_file("supplier.wasm".as_ref(), grants).await?;
//! println!("{} offers {:?}", adapter.supplier(), adapter.profile().capabilities.names());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod adapter;
pub mod broker;
pub mod contract;
#[cfg(feature = "demo")]
pub mod demo;
pub mod engine;
pub mod error;
pub mod sandbox;
pub mod wit;

pub use adapter::{AdapterHost, Digest, LoadedAdapter, Operation, SupplierId};
pub use engine::EngineConfig;
pub use error::{CallError, LoadError, ResourceKind};
pub use sandbox::Grants;
