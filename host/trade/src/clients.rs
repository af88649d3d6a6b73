//! Machine clients: who may call the host, what each buys for, and under which mandate.
//!
//! A client is configured in the host policy (`[[client]]`, with its `[[mandate]]`). The host
//! keeps only SHA-256 digests of API keys, so a policy file or a memory dump does not reveal
//! them; front ends look a presented key up by its digest ([`Clients::by_key`]).

use crate::contract::supplier::SupplierId;
use crate::contract::{BuyerContext, CallContext};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The id of a machine client (`press-line-7`), as named in the host policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    /// Parse an id: 1–64 characters of `a-z`, `0-9`, `-`, `_`, `.`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            });
        if ok {
            Ok(ClientId(s.to_string()))
        } else {
            Err(format!(
                "client id {s:?} must be 1–64 characters of a-z, 0-9, '-', '_' or '.'"
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SHA-256 of an API key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// The digest of `key`.
    pub fn of(key: &str) -> Self {
        KeyDigest(Sha256::digest(key.as_bytes()).into())
    }

    /// Parse 64 hex digits (`key-sha256` in the policy).
    pub fn parse_hex(s: &str) -> Result<Self, String> {
        let bytes = hex::decode(s).map_err(|e| format!("not hex: {e}"))?;
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a SHA-256 digest is 64 hex digits".to_string())?;
        Ok(KeyDigest(array))
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({}…)", &hex::encode(self.0)[..8])
    }
}

/// A machine client as the host policy configures it.
#[derive(Debug, Clone)]
pub struct Client {
    /// Who it is.
    pub id: ClientId,
    /// Its key's digest.
    pub key: KeyDigest,
    /// The buyer it acts for: passed to adapters in every call's context.
    pub buyer: BuyerContext,
    /// Default currency of its requests.
    pub currency: Option<String>,
    /// Default ship-to country of its requests.
    pub country: Option<String>,
    /// Suppliers it may push inbound documents for (a supplier's webhook sender is a client).
    pub inbound: Vec<SupplierId>,
    /// What it may buy. Without a mandate a client may look and quote but not order.
    pub mandate: Option<Arc<crate::mandate::Mandate>>,
    /// A person's key that may approve or reject parked orders.
    pub approver: bool,
}

/// The configured clients, found by key digest.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    by_key: HashMap<KeyDigest, Arc<Client>>,
}

/// Why a client list cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientsError {
    /// Two clients share an id.
    #[error("client `{0}` is configured twice")]
    DuplicateId(String),
    /// Two clients share a key: requests could not be told apart.
    #[error("clients `{0}` and `{1}` have the same API key")]
    DuplicateKey(String, String),
}

impl Clients {
    /// Index `clients` by key.
    pub fn new(clients: Vec<Client>) -> Result<Self, ClientsError> {
        let mut by_key: HashMap<KeyDigest, Arc<Client>> = HashMap::new();
        let mut ids = std::collections::HashSet::new();
        for c in clients {
            if !ids.insert(c.id.clone()) {
                return Err(ClientsError::DuplicateId(c.id.to_string()));
            }
            if let Some(other) = by_key.get(&c.key) {
                return Err(ClientsError::DuplicateKey(
                    other.id.to_string(),
                    c.id.to_string(),
                ));
            }
            by_key.insert(c.key, Arc::new(c));
        }
        Ok(Clients { by_key })
    }

    /// How many clients are configured.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Every client.
    pub fn all(&self) -> Vec<Arc<Client>> {
        self.by_key.values().cloned().collect()
    }

    /// The client named `id`.
    pub fn by_id(&self, id: &str) -> Option<Arc<Client>> {
        self.by_key.values().find(|c| c.id.as_str() == id).cloned()
    }

    /// The client with `key`, for front ends that carry the key outside HTTP headers.
    pub fn by_key(&self, key: &str) -> Option<Arc<Client>> {
        self.by_key.get(&KeyDigest::of(key)).cloned()
    }
}

impl Client {
    /// A client known by `id` and `key` and nothing else: no buyer identity, defaults,
    /// inbound suppliers, mandate or approver role.
    pub fn bare(id: ClientId, key: &str) -> Client {
        Client {
            id,
            key: KeyDigest::of(key),
            buyer: BuyerContext {
                account_id: None,
                organization: None,
                tax_id: None,
                cost_center: None,
                originator: None,
                on_behalf_of: None,
            },
            currency: None,
            country: None,
            inbound: vec![],
            mandate: None,
            approver: false,
        }
    }

    /// The call context of one request by this client: its buyer identity, the request's
    /// currency and ship-to country (or the client's defaults), and a deadline `wanted` from
    /// `now`, never past the host's `limit`.
    pub fn context(
        &self,
        currency: Option<String>,
        country: Option<String>,
        wanted: Option<Duration>,
        limit: Duration,
        now: crate::contract::Timestamp,
    ) -> CallContext {
        let wait = wanted.unwrap_or(limit).min(limit);
        CallContext {
            request_id: request_id(),
            buyer: self.buyer.clone(),
            locale: None,
            currency: currency.or_else(|| self.currency.clone()),
            country: country.or_else(|| self.country.clone()),
            deadline: now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

/// A fresh request id: 16 random bytes in hex.
pub fn request_id() -> String {
    let mut bytes = [0u8; 16];
    // The OS generator failing is not recoverable in a meaningful way; fall back to the clock.
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&crate::contract::now_ms().to_be_bytes());
    }
    hex::encode(bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A client with `id` and `key` and nothing else configured.
    pub(crate) fn client(id: &str, key: &str) -> Client {
        Client::bare(ClientId::parse(id).unwrap(), key)
    }

    #[test]
    fn duplicate_ids_and_keys_are_refused() {
        assert_eq!(
            Clients::new(vec![client("a", "k"), client("b", "k")]).unwrap_err(),
            ClientsError::DuplicateKey("a".into(), "b".into())
        );
        assert_eq!(
            Clients::new(vec![client("a", "k1"), client("a", "k2")]).unwrap_err(),
            ClientsError::DuplicateId("a".into())
        );
        assert!(ClientId::parse("Bad Id").is_err());
        assert_eq!(
            KeyDigest::parse_hex(&hex::encode(Sha256::digest(b"k"))).unwrap(),
            KeyDigest::of("k")
        );
    }

    #[test]
    fn a_deadline_is_what_was_asked_for_never_past_the_limit() {
        let c = client("bot", "k");
        let limit = Duration::from_secs(3);
        let at = |wanted| c.context(None, None, wanted, limit, 1_000).deadline;
        assert_eq!(at(Some(Duration::from_millis(500))), 1_500);
        assert_eq!(at(Some(Duration::from_secs(60))), 4_000);
        assert_eq!(at(None), 4_000);
    }
}
