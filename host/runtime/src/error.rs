//! Errors a caller of the host can match on.

pub use mercato_contract::supplier::{CallError, ResourceKind};

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

/// The runtime could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the adapter runtime: {0}")]
pub struct StartError(pub String);
