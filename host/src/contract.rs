//! The contract's data types as plain Rust values: the `mercato-contract` crate, under the
//! name the rest of this crate uses.

pub use mercato_contract::*;
