//! # Mercato's adapter runtime
//!
//! Each supplier ships an *adapter*: a WebAssembly component implementing the
//! `mercato:supplier@0.2.0` contract in `wit/` (or an older minor version still served). This
//! crate loads adapters into a sandbox and calls them; it is the only part of Mercato that
//! knows wasmtime. What it hands out is plain: the contract's values
//! ([`mercato_contract`]), typed errors, and [`LoadedAdapter`] handles.
//!
//! ## Layout
//! - [`engine`]: the one wasmtime engine (component model, epoch interruption, pooling
//!   allocator), the compile cache, and compiling in a child process.
//! - [`adapter`]: load a component, check it against the world, call it with a fresh
//!   instance per call.
//! - [`sandbox`]: limits, outbound host grants, secrets, and the outbound gate.
//! - [`signing`]: publisher signatures and the integrator's trust store.
//! - `wit` (private): wasmtime's bindings of each served contract version; the rest of the
//!   host sees only plain values and the versions served ([`SERVED`]).
//! - [`logline`]: one event, one log line: escaping what adapters write.
//!
//! ## Using it
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use mercato_runtime::sandbox::secrets::AttachTarget;
//! use mercato_runtime::sandbox::{Grants, HostGrant};
//! use mercato_runtime::signing::{PublicKey, TrustStore};
//! use mercato_runtime::{AdapterHost, HostConfig};
//!
//! // Trust Voltaic's publisher key for Voltaic's adapters; refuse everything unsigned.
//! let trust = TrustStore::new().trust("voltaic", PublicKey::parse("ed25519:…")?, None);
//! let host = AdapterHost::new(HostConfig { trust, ..HostConfig::default() })?;
//! // Grant what its manifest asks for: the API host, the base URL, and the API key, which the
//! // host attaches to requests under the base URL and to nothing else.
//! let grants = Grants::new()
//!     .host(HostGrant::parse("https://api.voltaic.example")?)
//!     .setting("base-url", "https://api.voltaic.example/v1")
//!     .secret_for(
//!         "api-key",
//!         std::env::var("VOLTAIC_API_KEY")?,
//!         [AttachTarget::parse("https://api.voltaic.example/v1/")?],
//!     );
//! let adapter = host.load_file("voltaic.wasm".as_ref(), grants).await?;
//! println!("{} offers {:?}", adapter.supplier(), adapter.profile().capabilities.names());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod adapter;
pub mod engine;
pub mod error;
pub mod logline;
pub mod sandbox;
pub mod signing;
mod wit;

use mercato_contract as contract;

pub use adapter::{AdapterHost, Digest, HostConfig, LoadedAdapter, Operation, SupplierId};
pub use engine::EngineConfig;
pub use error::{CallError, LoadError, ResourceKind};
pub use sandbox::Grants;
pub use wit::SERVED;
