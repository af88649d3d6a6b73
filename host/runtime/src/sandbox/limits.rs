//! The numbers that bound every adapter call, each with its default and the reason for it.

use std::time::Duration;

/// Wall-clock time one call may take, host I/O included.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// Linear memory one instance may grow to. Supplier payloads are small; 64 MiB is generous.
pub const DEFAULT_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// Table elements per table (function pointers of the guest).
pub const DEFAULT_TABLE_ELEMENTS: usize = 20_000;
/// Bytes a guest may hand the host in one host call. wasmtime's default of 128 MiB would let
/// one `log` call allocate that much host memory.
pub const DEFAULT_HOSTCALL_BYTES: usize = 4 * 1024 * 1024;
/// Live resource handles (HTTP requests, streams, pollables) per call.
pub const DEFAULT_MAX_HANDLES: usize = 1_024;
/// Bytes of one set of HTTP headers an adapter builds (wasmtime's in-memory measure: names
/// and values plus a little per entry). Servers refuse more than 8-16 KiB of headers anyway;
/// wasmtime's own default of 128 KiB, times every handle a call may hold, would let one call
/// pin 128 MiB of host memory in headers alone.
pub const DEFAULT_HEADER_BYTES: usize = 16 * 1024;
/// Bytes of one write to an outbound request body, and so of each of the two chunks an unsent
/// request may buffer in the host (wasmtime's default is 1 MiB: 2 MiB per request never sent).
pub const OUTGOING_BODY_CHUNK_BYTES: usize = 16 * 1024;
/// Chunks an outbound request body buffers in the host before the adapter must wait; wasmtime
/// adds one more slot to these.
pub const OUTGOING_BODY_BUFFER_CHUNKS: usize = 1;
/// Outbound HTTP requests per call.
pub const DEFAULT_OUTBOUND_REQUESTS: u32 = 16;
/// Time to establish an upstream connection (wasmtime's own default is 600 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Time to the first byte of an upstream response.
pub const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(5);
/// Time between bytes of an upstream response body.
pub const DEFAULT_BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes of one upstream response body.
pub const DEFAULT_RESPONSE_BODY_BYTES: u64 = 8 * 1024 * 1024;
/// Bytes kept of an adapter's stdout and stderr per call.
pub const DEFAULT_STDIO_BYTES: usize = 64 * 1024;
/// Bytes of one outbound request body (orders and searches are small).
pub const DEFAULT_REQUEST_BODY_BYTES: u64 = 1024 * 1024;
/// Measured size of a call's arguments; larger requests never reach the adapter.
pub const DEFAULT_INPUT_BYTES: usize = 1024 * 1024;
/// Measured size of a call's result; larger results are dropped and refused.
pub const DEFAULT_OUTPUT_BYTES: usize = 4 * 1024 * 1024;
/// Elements of any one list in arguments or results.
pub const DEFAULT_LIST_LEN: usize = 10_000;
/// Log lines per second an adapter may write, across its calls (burst: ten seconds' worth).
pub const DEFAULT_LOG_LINES_PER_SECOND: u32 = 100;

/// Limits for each call of one adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time per call, enforced by epoch interruption and an outer timeout.
    pub call_timeout: Duration,
    /// Linear memory per instance.
    pub memory_bytes: usize,
    /// Elements per table.
    pub table_elements: usize,
    /// Guest-to-host bytes per host call (`Store::set_hostcall_fuel`).
    pub hostcall_bytes: usize,
    /// Live resource handles (`Store::set_max_component_handles`).
    pub max_handles: usize,
    /// Size of one set of HTTP headers the adapter builds.
    pub header_bytes: usize,
    /// Instruction budget per call, when the engine counts fuel.
    pub fuel: Option<u64>,
    /// Outbound HTTP requests per call.
    pub outbound_requests: u32,
    /// Upstream connect timeout.
    pub connect_timeout: Duration,
    /// Upstream first-byte timeout.
    pub first_byte_timeout: Duration,
    /// Upstream between-bytes timeout.
    pub between_bytes_timeout: Duration,
    /// Upstream response body size.
    pub response_body_bytes: u64,
    /// Captured stdout/stderr per call.
    pub stdio_bytes: usize,
    /// Outbound request body size.
    pub request_body_bytes: u64,
    /// Measured size of a call's arguments.
    pub input_bytes: usize,
    /// Measured size of a call's result.
    pub output_bytes: usize,
    /// Elements of any one list crossing the boundary.
    pub list_len: usize,
    /// Log lines per second, across calls.
    pub log_lines_per_second: u32,
}

impl Limits {
    /// The most host memory a call's resources can hold, beyond its own linear memory: every
    /// handle it may keep, each holding the largest thing a handle can (a full set of headers,
    /// or the buffered chunks of a request body never sent). Random bytes, captured output
    /// and log lines have their own, smaller caps.
    pub fn host_bytes_bound(&self) -> usize {
        let per_handle = self
            .header_bytes
            .max((OUTGOING_BODY_BUFFER_CHUNKS + 1) * OUTGOING_BODY_CHUNK_BYTES);
        self.max_handles.saturating_mul(per_handle)
    }

    /// Caps for a call's arguments.
    pub fn input_caps(&self) -> super::size::SizeCaps {
        super::size::SizeCaps {
            bytes: self.input_bytes,
            list_len: self.list_len,
        }
    }

    /// Caps for a call's result.
    pub fn output_caps(&self) -> super::size::SizeCaps {
        super::size::SizeCaps {
            bytes: self.output_bytes,
            list_len: self.list_len,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            call_timeout: DEFAULT_CALL_TIMEOUT,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            table_elements: DEFAULT_TABLE_ELEMENTS,
            hostcall_bytes: DEFAULT_HOSTCALL_BYTES,
            max_handles: DEFAULT_MAX_HANDLES,
            header_bytes: DEFAULT_HEADER_BYTES,
            fuel: None,
            outbound_requests: DEFAULT_OUTBOUND_REQUESTS,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            first_byte_timeout: DEFAULT_FIRST_BYTE_TIMEOUT,
            between_bytes_timeout: DEFAULT_BETWEEN_BYTES_TIMEOUT,
            response_body_bytes: DEFAULT_RESPONSE_BODY_BYTES,
            stdio_bytes: DEFAULT_STDIO_BYTES,
            request_body_bytes: DEFAULT_REQUEST_BODY_BYTES,
            input_bytes: DEFAULT_INPUT_BYTES,
            output_bytes: DEFAULT_OUTPUT_BYTES,
            list_len: DEFAULT_LIST_LEN,
            log_lines_per_second: DEFAULT_LOG_LINES_PER_SECOND,
        }
    }
}
