//! Publisher signatures on adapters, and the integrator's trust in publisher keys.
//!
//! A signature is Ed25519 over a domain-separated message holding the SHA-256 of the unsigned
//! component and the SHA-256 of its embedded manifest. It is *embedded*: a top-level custom
//! section appended last, so one file is the whole adapter (manifest, code, signature) and
//! cannot be separated from its signature in transit; the section is excluded from what it
//! signs, and nothing may follow it. (A detached `.sig` file would leave the adapter file
//! unchanged, but every integrator would then have to ship and match two files.)
//!
//! Keys travel as text: `ed25519:<base64 public key>` in policies and reports, and
//! `mercato-ed25519-secret:<base64 seed>` in secret key files.

use crate::adapter::package::{self, Package, SIGNATURE_SECTION};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

const PUBLIC_PREFIX: &str = "ed25519:";
const SECRET_PREFIX: &str = "mercato-ed25519-secret:";
/// Domain separation: a Mercato adapter signature can never be mistaken for another message.
const DOMAIN: &[u8] = b"mercato-adapter-signature-v1\n";

/// Why a key, a signature or a signing request is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// A key's text is malformed.
    #[error("invalid key {input:?}: {reason}")]
    BadKey {
        /// The text (for secret keys, only its prefix).
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The file to sign is not a readable component.
    #[error("cannot sign: {0}")]
    Package(#[from] package::PackageError),
    /// No randomness for a new key.
    #[error("no randomness for a new key: {0}")]
    Random(String),
}

/// A publisher's public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parse `ed25519:<base64>`.
    pub fn parse(text: &str) -> Result<Self, SigningError> {
        let bad = |reason: &str| SigningError::BadKey {
            input: text.to_string(),
            reason: reason.to_string(),
        };
        let b64 = text
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or_else(|| bad("expected ed25519:<base64>"))?;
        let bytes: [u8; 32] = B64
            .decode(b64)
            .map_err(|e| bad(&e.to_string()))?
            .try_into()
            .map_err(|_| bad("an Ed25519 public key is 32 bytes"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|e| bad(&e.to_string()))
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", B64.encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A publisher's secret signing key. `Debug` never shows it.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Result<Self, SigningError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| SigningError::Random(e.to_string()))?;
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// Parse `mercato-ed25519-secret:<base64 seed>`.
    pub fn parse(text: &str) -> Result<Self, SigningError> {
        let bad = |reason: &str| SigningError::BadKey {
            input: SECRET_PREFIX.to_string() + "…",
            reason: reason.to_string(),
        };
        let b64 = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| bad("expected mercato-ed25519-secret:<base64>"))?;
        let seed: [u8; 32] = B64
            .decode(b64)
            .map_err(|e| bad(&e.to_string()))?
            .try_into()
            .map_err(|_| bad("an Ed25519 seed is 32 bytes"))?;
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// The text form, for a key file.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", B64.encode(self.0.to_bytes()))
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public())
    }
}

/// The signature section's payload.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureRecord {
    /// Format version.
    v: u32,
    /// Signing algorithm.
    alg: String,
    /// `ed25519:<base64>`.
    key: String,
    /// Base64 signature.
    sig: String,
}

/// What is signed: the domain, then the digests of the unsigned component and its manifest.
fn message(unsigned: &[u8], manifest: Option<&[u8]>) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(&Sha256::digest(unsigned));
    m.extend_from_slice(&Sha256::digest(manifest.unwrap_or_default()));
    m
}

/// Sign a component, replacing any signature it carries.
pub fn sign(component: &[u8], key: &SecretKey) -> Result<Vec<u8>, SigningError> {
    let package = package::read(component)?;
    let signature = key.0.sign(&message(package.unsigned, package.manifest));
    let record = SignatureRecord {
        v: 1,
        alg: "ed25519".to_string(),
        key: key.public().to_string(),
        sig: B64.encode(signature.to_bytes()),
    };
    let payload = serde_json::to_vec(&record).unwrap_or_default();
    Ok(package::append_custom_section(
        package.unsigned,
        SIGNATURE_SECTION,
        &payload,
    ))
}

/// What the signature of a component says, before trust is considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// No signature section.
    Unsigned,
    /// A valid signature by this key over exactly these bytes and manifest.
    Valid(PublicKey),
    /// A signature that does not verify: the component or manifest changed after signing, or
    /// the section is damaged.
    Invalid {
        /// The key it claims, if readable.
        key: Option<String>,
        /// Why it fails.
        reason: String,
    },
}

/// Check the signature of a read component.
pub fn check(package: &Package<'_>) -> Signature {
    let Some(payload) = package.signature else {
        return Signature::Unsigned;
    };
    let invalid = |key: Option<String>, reason: String| Signature::Invalid { key, reason };
    let record: SignatureRecord = match serde_json::from_slice(payload) {
        Ok(r) => r,
        Err(e) => return invalid(None, format!("unreadable signature section: {e}")),
    };
    if record.v != 1 || record.alg != "ed25519" {
        return invalid(
            Some(record.key),
            format!("unsupported signature format v{} {}", record.v, record.alg),
        );
    }
    let key = match PublicKey::parse(&record.key) {
        Ok(k) => k,
        Err(e) => return invalid(Some(record.key), e.to_string()),
    };
    let sig = match B64
        .decode(&record.sig)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
    {
        Some(bytes) => ed25519_dalek::Signature::from_bytes(&bytes),
        None => {
            return invalid(
                Some(record.key),
                "the signature is not 64 base64 bytes".into(),
            );
        }
    };
    match key
        .0
        .verify(&message(package.unsigned, package.manifest), &sig)
    {
        Ok(()) => Signature::Valid(key),
        Err(_) => invalid(
            Some(record.key),
            "the signature does not match the component: it was changed after signing".into(),
        ),
    }
}

/// One trusted publisher key.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The supplier whose adapters this key may sign.
    pub supplier: String,
    /// The key.
    pub key: PublicKey,
    /// Who holds it, for reports.
    pub publisher: Option<String>,
}

/// The integrator's trust: which keys may sign which supplier's adapters.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: Vec<TrustedKey>,
    allow_unsigned: bool,
}

/// The trust verdict on one adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Signed by a key trusted for its supplier.
    Trusted(PublicKey),
    /// Unsigned, accepted because the development flag is set.
    UnsignedAllowed,
    /// Unsigned, refused.
    Unsigned,
    /// Validly signed, but by a key not trusted for this supplier.
    UnknownKey(PublicKey),
    /// The signature does not verify.
    Tampered(String),
}

impl Trust {
    /// Whether the adapter may load.
    pub fn admits(&self) -> bool {
        matches!(self, Trust::Trusted(_) | Trust::UnsignedAllowed)
    }
}

impl TrustStore {
    /// No trusted keys; unsigned adapters refused.
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// Trust `key` to sign `supplier`'s adapters.
    pub fn trust(
        mut self,
        supplier: impl Into<String>,
        key: PublicKey,
        publisher: Option<String>,
    ) -> Self {
        self.keys.push(TrustedKey {
            supplier: supplier.into(),
            key,
            publisher,
        });
        self
    }

    /// Accept unsigned adapters. For development only; every audit report says so.
    pub fn allow_unsigned(mut self, allow: bool) -> Self {
        self.allow_unsigned = allow;
        self
    }

    /// Whether unsigned adapters are accepted.
    pub fn allows_unsigned(&self) -> bool {
        self.allow_unsigned
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Judge a component's signature for `supplier` (from its manifest).
    pub fn judge(&self, signature: &Signature, supplier: &str) -> Trust {
        match signature {
            Signature::Unsigned if self.allow_unsigned => Trust::UnsignedAllowed,
            Signature::Unsigned => Trust::Unsigned,
            Signature::Invalid { reason, .. } => Trust::Tampered(reason.clone()),
            Signature::Valid(key) => {
                if self
                    .keys
                    .iter()
                    .any(|t| t.supplier == supplier && t.key == *key)
                {
                    Trust::Trusted(key.clone())
                } else {
                    Trust::UnknownKey(key.clone())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_sdk::manifest::SECTION as MANIFEST_SECTION;

    fn component() -> Vec<u8> {
        let base = wat::parse_str("(component)").expect("wat");
        package::append_custom_section(&base, MANIFEST_SECTION, b"[adapter]\nsupplier = \"acme\"\n")
    }

    #[test]
    fn keys_round_trip_through_text() {
        let secret = SecretKey::generate().expect("random");
        let again = SecretKey::parse(&secret.to_text()).expect("parses");
        assert_eq!(again.public(), secret.public());
        assert_eq!(
            PublicKey::parse(&secret.public().to_string()).expect("parses"),
            secret.public()
        );
        assert!(!format!("{secret:?}").contains(&secret.to_text()[SECRET_PREFIX.len()..]));
        assert!(PublicKey::parse("ed25519:AAAA").is_err());
        assert!(PublicKey::parse("rsa:AAAA").is_err());
    }

    #[test]
    fn a_signed_component_verifies_and_resigning_keeps_its_identity() {
        let key = SecretKey::generate().expect("random");
        let signed = sign(&component(), &key).expect("signs");
        let p = package::read(&signed).expect("reads");
        assert_eq!(check(&p), Signature::Valid(key.public()));
        assert_eq!(
            p.unsigned,
            &component()[..],
            "the signature is outside the signed bytes"
        );

        let other = SecretKey::generate().expect("random");
        let resigned = sign(&signed, &other).expect("re-signs");
        assert_eq!(
            check(&package::read(&resigned).expect("reads")),
            Signature::Valid(other.public())
        );
    }

    #[test]
    fn any_change_after_signing_is_detected() {
        let key = SecretKey::generate().expect("random");
        let signed = sign(&component(), &key).expect("signs");
        // Change one byte of the manifest text inside the signed part.
        let at = signed
            .windows(4)
            .position(|w| w == b"acme")
            .expect("manifest text present");
        let mut tampered = signed.clone();
        tampered[at] = b'x';
        assert!(matches!(
            check(&package::read(&tampered).expect("reads")),
            Signature::Invalid { .. }
        ));
    }

    #[test]
    fn trust_is_per_supplier() {
        let key = SecretKey::generate().expect("random");
        let signed = sign(&component(), &key).expect("signs");
        let sig = check(&package::read(&signed).expect("reads"));
        let store = TrustStore::new().trust("acme", key.public(), None);
        assert_eq!(store.judge(&sig, "acme"), Trust::Trusted(key.public()));
        assert_eq!(store.judge(&sig, "other"), Trust::UnknownKey(key.public()));
        assert_eq!(store.judge(&Signature::Unsigned, "acme"), Trust::Unsigned);
        assert_eq!(
            TrustStore::new()
                .allow_unsigned(true)
                .judge(&Signature::Unsigned, "acme"),
            Trust::UnsignedAllowed
        );
    }
}
