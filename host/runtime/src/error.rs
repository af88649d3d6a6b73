//! Errors a caller of the host can match on.

use crate::contract::CommerceError;
use std::time::Duration;

/// A resource an adapter call ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// Linear memory beyond the limit.
    Memory,
    /// Table elements beyond the limit.
    Table,
    /// More instances, memories or tables than allowed.
    Instances,
    /// Wasm stack overflow (deep recursion).
    Stack,
    /// The instruction budget (fuel).
    Fuel,
    /// Resource handles, or bytes handed to the host in one call.
    HostCalls,
    /// No free instance slot in the pool.
    Pool,
}

/// Why loading an adapter failed. Every case names what was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read adapter {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The component is larger than the host accepts.
    #[error("adapter is {size} bytes; the host accepts at most {max}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// Precompiled native code was offered instead of a component.
    #[error("adapter is a precompiled native artefact; only WebAssembly components are accepted")]
    Precompiled,
    /// The component's structure is beyond what the host compiles: nesting, counts, or sizes
    /// a pool slot cannot hold. Found by a linear pass before anything expensive.
    #[error("refused before compiling: {0}")]
    Structure(crate::adapter::structure::StructureError),
    /// The component carries no `mercato:manifest` section.
    #[error(
        "adapter has no manifest: build it with mercato_sdk::register_adapter! and a mercato.toml next to its Cargo.toml"
    )]
    MissingManifest,
    /// The manifest is not valid.
    #[error("adapter manifest refused: {0}")]
    Manifest(#[from] mercato_sdk::manifest::ManifestError),
    /// The manifest says one thing, the component another.
    #[error("adapter manifest does not match the component: {detail}")]
    ManifestMismatch {
        /// What differs.
        detail: String,
    },
    /// No signature, and unsigned adapters are not allowed.
    #[error(
        "adapter for supplier `{supplier}` is unsigned; sign it with `mercato sign`, or allow unsigned adapters for development only"
    )]
    Unsigned {
        /// Supplier id from its manifest.
        supplier: String,
    },
    /// Signed by a key the integrator does not trust for this supplier.
    #[error(
        "adapter for supplier `{supplier}` is signed by {key}, which the host policy does not trust for `{supplier}`"
    )]
    UnknownKey {
        /// Supplier id from its manifest.
        supplier: String,
        /// The signing key.
        key: String,
    },
    /// The signature does not verify: the file changed after signing.
    #[error("adapter signature invalid: {reason}")]
    Tampered {
        /// Why.
        reason: String,
    },
    /// The integrator's grants cannot be applied.
    #[error("host policy cannot be applied: {0}")]
    Grant(crate::sandbox::effective::GrantError),
    /// Compilation took longer than the host allows.
    #[error("compiling the adapter took longer than {limit:?}; refused")]
    CompileTimeout {
        /// The limit.
        limit: std::time::Duration,
    },
    /// The bytes are not a valid component (or are a core module).
    #[error("adapter is not a valid WebAssembly component: {detail}")]
    Invalid {
        /// What the validator said.
        detail: String,
    },
    /// A contract interface the world requires is not exported.
    #[error("adapter does not export `{name}`, which the mercato:supplier world requires")]
    MissingExport {
        /// The missing interface, e.g. `mercato:supplier/quoting@0.1.0`.
        name: String,
    },
    /// The component imports something outside the world.
    #[error(
        "adapter imports `{name}`, which is outside the mercato:supplier world; only {allowed} may be imported"
    )]
    UnexpectedImport {
        /// The import.
        name: String,
        /// What is allowed, for the message.
        allowed: &'static str,
    },
    /// The component was built against a contract version this host does not serve.
    #[error("adapter was built against contract {found}; this host serves {supported}: {advice}")]
    UnsupportedContract {
        /// Version found in the exports or the SDK's stamp.
        found: String,
        /// Versions served.
        supported: &'static str,
        /// What to do about it.
        advice: &'static str,
    },
    /// An export exists but its functions do not match the world.
    #[error("adapter exports do not match the world: {detail}")]
    ExportMismatch {
        /// wasmtime's description.
        detail: String,
    },
    /// `describe` failed or returned something unusable.
    #[error("adapter's `describe` failed: {detail}")]
    Describe {
        /// What went wrong.
        detail: String,
    },
    /// Compiling needed more memory than a compilation may use; the compiler was stopped.
    #[error("compiling the adapter needed more than {} MiB; refused", .limit_bytes >> 20)]
    CompileMemory {
        /// The compiler's memory limit.
        limit_bytes: u64,
    },
    /// Compilation failed.
    #[error("cannot compile adapter: {detail}")]
    Compile {
        /// wasmtime's message.
        detail: String,
    },
}

// Not `#[from]`: that would make the grant error this one's source as well as its text, and
// error chains (`{:#}`) would print it twice.
impl From<crate::sandbox::effective::GrantError> for LoadError {
    fn from(e: crate::sandbox::effective::GrantError) -> Self {
        LoadError::Grant(e)
    }
}

/// Why a call to an adapter returned no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The adapter answered with one of the contract's commerce errors.
    #[error("{}: {}", .0.code(), commerce_text(.0))]
    Commerce(CommerceError),
    /// The call ran past its deadline and was stopped.
    #[error("adapter call stopped after {elapsed:?} (deadline {limit:?})")]
    Timeout {
        /// How long it ran.
        elapsed: Duration,
        /// The deadline.
        limit: Duration,
    },
    /// The call hit a sandbox limit.
    #[error("adapter call hit the {kind:?} limit: {detail}")]
    ResourceLimit {
        /// Which resource.
        kind: ResourceKind,
        /// Details for the log.
        detail: String,
    },
    /// The adapter trapped (panic, unreachable, out-of-bounds access) or broke the ABI.
    #[error("adapter fault: {detail}")]
    AdapterFault {
        /// The trap and its context.
        detail: String,
    },
    /// The operation's capability is not declared, so the host does not call it.
    #[error("adapter does not declare the `{capability}` capability")]
    NotDeclared {
        /// The capability.
        capability: &'static str,
    },
    /// The adapter returned something the host refuses to pass on.
    #[error("adapter output refused: {field}: {reason}")]
    InvalidOutput {
        /// Where in the answer (`search: items[2] (M8-30).price-tiers[1].unit-price`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The adapter's answer to an order placement failed the host's checks, but names an
    /// order that exists at the supplier: the order is kept (unverified) so the host can
    /// record it, hold it for a person or cancel it, rather than lose track of it.
    #[error("adapter output refused: {reason}")]
    UnverifiedOrder {
        /// Why the answer was refused.
        reason: String,
        /// The order as the adapter answered it.
        order: Box<crate::contract::Order>,
    },
    /// The request is larger than the adapter may be given; it was not sent.
    #[error("request refused before reaching the adapter: {reason}")]
    RequestTooLarge {
        /// Which cap.
        reason: String,
    },
    /// This supplier already has its share of the host's call slots in use (its calls are
    /// slow, or many); the call was not made. Other suppliers are unaffected.
    #[error(
        "this supplier already has {in_flight} calls running, its share of the host; retry in {retry_after:?}"
    )]
    SupplierBusy {
        /// Its share: calls it may have running at once.
        in_flight: usize,
        /// When a retry is likely to be admitted.
        retry_after: Duration,
    },
    /// The adapter's circuit breaker is open after repeated faults.
    #[error("adapter is suspended after repeated faults; retry in {retry_after:?}")]
    CircuitOpen {
        /// When a trial call will be let through.
        retry_after: Duration,
    },
}

fn commerce_text(e: &CommerceError) -> String {
    match e {
        CommerceError::InvalidRequest(f) => format!("{} {}", f.field, f.reason),
        CommerceError::NotFound(s)
        | CommerceError::Unauthorized(s)
        | CommerceError::Forbidden(s)
        | CommerceError::QuoteExpired(s)
        | CommerceError::Undeliverable(s)
        | CommerceError::PaymentDeclined(s)
        | CommerceError::IdempotencyConflict(s)
        | CommerceError::Unsupported(s)
        | CommerceError::Internal(s) => s.clone(),
        CommerceError::OutOfStock(lines) => format!("{} line(s) short", lines.len()),
        CommerceError::QuantityRule(lines) => {
            format!("{} line(s) break quantity rules", lines.len())
        }
        CommerceError::PriceChanged(lines) => format!("{} line(s) changed price", lines.len()),
        CommerceError::HumanRequired(e) => e.reason.clone(),
        CommerceError::InProgress(h)
        | CommerceError::RateLimited(h)
        | CommerceError::SupplierUnavailable(h) => match h.retry_after_ms {
            Some(ms) => format!("retry after {ms} ms"),
            None => "retry later".to_string(),
        },
        CommerceError::SupplierRejected(r) => format!("{}: {}", r.code, r.text),
    }
}

impl CallError {
    /// Stable machine-readable name of the error (`"timeout"`, or the commerce case).
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Commerce(e) => e.code(),
            CallError::Timeout { .. } => "timeout",
            CallError::ResourceLimit { .. } => "resource-limit",
            CallError::AdapterFault { .. } => "adapter-fault",
            CallError::NotDeclared { .. } => "unsupported",
            CallError::InvalidOutput { .. } | CallError::UnverifiedOrder { .. } => "invalid-output",
            CallError::RequestTooLarge { .. } => "request-too-large",
            CallError::CircuitOpen { .. } => "circuit-open",
            CallError::SupplierBusy { .. } => "supplier-busy",
        }
    }

    /// Whether the failure is the adapter's misbehaviour (counted by the circuit breaker),
    /// as opposed to a business answer from the supplier.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            CallError::Timeout { .. }
                | CallError::ResourceLimit { .. }
                | CallError::AdapterFault { .. }
                | CallError::InvalidOutput { .. }
                | CallError::UnverifiedOrder { .. }
        )
    }
}

/// The runtime could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the adapter runtime: {0}")]
pub struct StartError(pub String);
