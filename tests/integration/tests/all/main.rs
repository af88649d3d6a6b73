//! End-to-end tests of the host with real components and real HTTP.
//!
//! One test binary (faster to link than one per file); each module is one concern.

mod advisories;
mod common;
mod conformance;
mod contract_versions;
mod demo;
mod dishonest;
mod documents;
mod faults;
mod fuzz;
mod gateway;
mod hansa;
mod hostile;
mod ledger;
mod loading;
mod mcp;
mod nordfast;
mod offline;
mod policy;
mod properties;
mod readiness;
mod reload;
mod slow_clients;
mod spend;
mod voltaic;
