//! The host's services: settings, secrets by HMAC, and logging.
//!
//! Inside the host these are the `mercato:supplier/host` imports. Under native `cargo test`
//! they are served by [`testing`](crate::testing), so the same adapter code runs in both.

use crate::contract::{CommerceError, LogLevel};

#[cfg(target_arch = "wasm32")]
use crate::bindings::mercato::supplier::host as imports;

/// A setting the integrator configured for this adapter, if any.
pub fn setting(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        imports::get_setting(key)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::stand_in::setting(key)
    }
}

/// A setting the adapter cannot work without; its absence is a configuration error that
/// names the key.
pub fn required_setting(key: &str) -> Result<String, CommerceError> {
    setting(key).ok_or_else(|| {
        CommerceError::Internal(format!(
            "setting `{key}` is not configured for this adapter in the host's policy"
        ))
    })
}

/// HMAC-SHA256 of `data` under the secret named `secret_name`, computed by the host. None if
/// the integrator granted no such secret.
pub fn hmac_sha256(secret_name: &str, data: &[u8]) -> Option<Vec<u8>> {
    #[cfg(target_arch = "wasm32")]
    {
        imports::hmac_sha256(secret_name, data)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::stand_in::hmac_sha256(secret_name, data)
    }
}

/// Check a hex-encoded HMAC-SHA256 signature over `data` in constant time.
pub fn verify_hmac_sha256_hex(secret_name: &str, data: &[u8], signature_hex: &str) -> bool {
    let Some(expected) = hmac_sha256(secret_name, data) else {
        return false;
    };
    let given = signature_hex.trim();
    if given.len() != expected.len() * 2 {
        return false;
    }
    let mut diff = 0u8;
    for (i, byte) in expected.iter().enumerate() {
        let Some(pair) = given.get(2 * i..2 * i + 2) else {
            return false;
        };
        let Ok(b) = u8::from_str_radix(pair, 16) else {
            return false;
        };
        diff |= b ^ byte;
    }
    diff == 0
}

/// Write a line to the host's log.
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        imports::log(level, message)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::stand_in::log(level, message)
    }
}

/// Log at debug level.
pub fn debug(message: &str) {
    log(LogLevel::Debug, message)
}

/// Log at info level.
pub fn info(message: &str) {
    log(LogLevel::Info, message)
}

/// Log at warn level.
pub fn warn(message: &str) {
    log(LogLevel::Warn, message)
}
