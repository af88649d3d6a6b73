//! The ledger: where every order is accounted for, so none is lost or duplicated.
//!
//! It stores idempotency records (a client's key, the hash of its request, the final
//! response), write-ahead intents (recorded before an adapter is called, closed with the
//! outcome after), quotes and orders as suppliers returned them with every status change, and
//! an append-only audit trail of every mutating call.
//!
//! One trait, [`Ledger`], with synchronous methods: backends are blocking database clients,
//! and the gateway calls them through `tokio::task::spawn_blocking`. [`sqlite`] is the
//! embedded default (a WAL-mode file in the data directory); [`postgres`] is shared by several
//! host replicas.

pub mod postgres;
pub mod sqlite;
mod wal_sync;

use crate::contract::{Order, Quote};
use crate::mandate::{Decision, Used};
use std::fmt;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// SHA-256 (hex) of a recorded definition, so each version is kept once.
fn digest(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Where a ledger lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (`ledger.sqlite` in the data directory).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database shared by replicas (`postgresql://…`).
    Postgres(String),
}

/// Open the ledger at `location`, creating or migrating its schema. Safe to call from async
/// code: the PostgreSQL client is connected on a plain thread.
pub fn open(location: &Location) -> Result<std::sync::Arc<dyn Ledger>, LedgerError> {
    Ok(match location {
        Location::Sqlite(path) => std::sync::Arc::new(sqlite::SqliteLedger::open(path)?),
        Location::Postgres(url) => {
            let url = url.clone();
            let ledger = std::thread::spawn(move || postgres::PostgresLedger::connect(&url))
                .join()
                .map_err(|_| LedgerError::Database("connecting panicked".into()))??;
            std::sync::Arc::new(ledger)
        }
    })
}

/// Why the ledger could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The database refused or failed.
    #[error("ledger database: {0}")]
    Database(String),
    /// The stored schema is newer than this host understands.
    #[error("the ledger's schema is version {found}; this host knows up to {known}")]
    SchemaTooNew {
        /// Version in the database.
        found: i64,
        /// Newest version this build has migrations for.
        known: i64,
    },
    /// A stored value could not be read back.
    #[error("ledger record unreadable: {0}")]
    Corrupt(String),
}

/// Which mutating call an idempotency key belongs to: keys are per client and operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyScope {
    /// The client.
    pub client: String,
    /// The operation (`place-order`, `cancel-order`, `request-return`).
    pub operation: String,
    /// The client's key.
    pub key: String,
}

impl fmt::Display for KeyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.client, self.operation, self.key)
    }
}

/// A response as it was given, to replay for a retry with the same key and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// What a claim on an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use of the key (or the first since a retryable failure): go ahead.
    Fresh,
    /// The same request finished before: replay its response.
    Replay(StoredResponse),
    /// The key was used with a different request.
    Conflict,
    /// The same request is still running.
    InProgress,
}

/// A call about to be sent to an adapter, recorded before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The idempotency key it runs under.
    pub scope: KeyScope,
    /// The supplier.
    pub supplier: String,
    /// The key the adapter (and so the supplier) sees.
    pub supplier_key: String,
    /// The buyer's PO, by which an order can be found again.
    pub buyer_po: Option<String>,
    /// The request as sent (JSON).
    pub request: String,
}

/// An intent recorded without an outcome: the host stopped (or lost the answer) while it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIntent {
    /// Its id.
    pub id: i64,
    /// What it was.
    pub intent: Intent,
    /// When it was recorded.
    pub at: Millis,
}

/// How an intent ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The supplier accepted: order id.
    Placed(String),
    /// The supplier answered with a business refusal; nothing exists there.
    Refused(String),
    /// No answer that says whether it happened (timeout, fault, supplier down): the next try
    /// must first ask the supplier.
    Unknown(String),
    /// Reconciliation asked the supplier: it has no such order.
    NotPlaced,
    /// A call that is not an order placement finished (cancel, return): its summary.
    Done(String),
}

impl Outcome {
    /// The text stored for it.
    pub fn encode(&self) -> String {
        match self {
            Outcome::Placed(id) => format!("placed:{id}"),
            Outcome::Refused(code) => format!("refused:{code}"),
            Outcome::Unknown(code) => format!("unknown:{code}"),
            Outcome::NotPlaced => "not-placed".to_string(),
            Outcome::Done(what) => format!("done:{what}"),
        }
    }

    /// Read back what [`encode`](Outcome::encode) wrote.
    pub fn decode(s: &str) -> Result<Self, LedgerError> {
        let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
        Ok(match kind {
            "placed" => Outcome::Placed(rest.to_string()),
            "refused" => Outcome::Refused(rest.to_string()),
            "unknown" => Outcome::Unknown(rest.to_string()),
            "not-placed" => Outcome::NotPlaced,
            "done" => Outcome::Done(rest.to_string()),
            _ => return Err(LedgerError::Corrupt(format!("intent outcome {s:?}"))),
        })
    }
}

/// One line of the audit trail: who did what, when, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: Millis,
    /// The client.
    pub client: String,
    /// The operation.
    pub operation: String,
    /// What it acted on (`voltaic/ORD-1`).
    pub target: String,
    /// `ok` or the typed error code.
    pub outcome: String,
    /// Details (the request's hash, the idempotency key, the response status).
    pub detail: String,
}

/// An order as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    /// The client that placed it.
    pub client: String,
    /// The supplier.
    pub supplier: String,
    /// The order as last seen.
    pub order: Order,
    /// When first recorded.
    pub created_at: Millis,
}

/// The durable record of orders and mutating calls.
pub trait Ledger: Send + Sync + fmt::Debug {
    /// Claim `scope` for a request whose canonical hash is `request_hash`.
    fn claim(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        now: Millis,
    ) -> Result<Claim, LedgerError>;

    /// Store the final response of the call under `scope` whose request hashed to
    /// `request_hash` (claimed, or settled by reconciliation); later claims with the same
    /// body replay it.
    fn finish(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        response: &StoredResponse,
        now: Millis,
    ) -> Result<(), LedgerError>;

    /// Give a claim up without a final response (the outcome was retryable), so a retry runs.
    fn release(&self, scope: &KeyScope) -> Result<(), LedgerError>;

    /// At start-up, after reconciliation: give up claims a stopped process left running with
    /// no open intent (it stopped before recording one, so nothing was sent). Returns how
    /// many. Only safe while no other process shares the ledger.
    fn release_orphaned_claims(&self) -> Result<usize, LedgerError>;

    /// Record an intent before its call is sent; returns its id.
    fn record_intent(&self, intent: &Intent, now: Millis) -> Result<i64, LedgerError>;

    /// Record how an intent ended.
    fn record_outcome(&self, id: i64, outcome: &Outcome, now: Millis) -> Result<(), LedgerError>;

    /// Intents whose outcome is missing or unknown, oldest first: the ones to reconcile.
    fn open_intents(&self) -> Result<Vec<OpenIntent>, LedgerError>;

    /// The latest intent under `scope`, with its outcome if it has one.
    fn last_intent(
        &self,
        scope: &KeyScope,
    ) -> Result<Option<(OpenIntent, Option<Outcome>)>, LedgerError>;

    /// Store or update an order as a supplier returned it; a changed status is appended to
    /// its history.
    fn upsert_order(
        &self,
        client: &str,
        supplier: &str,
        order: &Order,
        now: Millis,
    ) -> Result<(), LedgerError>;

    /// An order by supplier and order id.
    fn order(&self, supplier: &str, order_id: &str) -> Result<Option<OrderRecord>, LedgerError>;

    /// Every status an order went through, oldest first.
    fn order_history(&self, supplier: &str, order_id: &str) -> Result<Vec<String>, LedgerError>;

    /// Orders, oldest first.
    fn orders(&self) -> Result<Vec<OrderRecord>, LedgerError>;

    /// Store a quote as returned, with its expiry.
    fn store_quote(
        &self,
        client: &str,
        supplier: &str,
        quote: &Quote,
        now: Millis,
    ) -> Result<(), LedgerError>;

    /// A stored quote.
    fn quote(&self, supplier: &str, quote_id: &str) -> Result<Option<Quote>, LedgerError>;

    /// Append to the audit trail.
    fn audit(&self, entry: &AuditEntry) -> Result<(), LedgerError>;

    /// The audit trail, oldest first.
    fn audit_trail(&self) -> Result<Vec<AuditEntry>, LedgerError>;

    /// Make every change committed so far survive a power cut. A backend may commit without
    /// waiting for the disk and pay for durability here, once for many commits and for many
    /// callers at a time (group commit); one whose commits are durable on their own does
    /// nothing.
    fn sync(&self) -> Result<(), LedgerError> {
        Ok(())
    }

    /// Atomically: sum what `reservation`'s mandate has spent or reserved in its period,
    /// let `decide` judge the new amount against it, and reserve the amount if it allows.
    /// Concurrent reservations on one mandate are serialised, so a budget is never exceeded.
    fn reserve(
        &self,
        reservation: &Reservation,
        decide: &dyn Fn(Used) -> Decision,
        now: Millis,
    ) -> Result<(Decision, Option<i64>), LedgerError>;

    /// A reservation became an order (`order_id`), or is settled against an invoice.
    fn update_reservation(
        &self,
        id: i64,
        state: ReservationState,
        order_id: Option<&str>,
        now: Millis,
    ) -> Result<(), LedgerError>;

    /// The reservation held for an order, if any.
    fn reservation_for_order(
        &self,
        supplier: &str,
        order_id: &str,
    ) -> Result<Option<(i64, ReservationState)>, LedgerError>;

    /// What `mandate` has spent or reserved in the period starting at `period_start`.
    fn used(
        &self,
        mandate: &str,
        period_start: Millis,
        currency: mercato_sdk::exact::Currency,
    ) -> Result<Used, LedgerError>;

    /// Record a mandate as it is in force now (`definition`, JSON); each distinct version of
    /// a mandate is kept once, with when it was first seen.
    fn record_mandate(
        &self,
        id: &str,
        client: &str,
        definition: &str,
        now: Millis,
    ) -> Result<(), LedgerError>;

    /// Every recorded version of every mandate: (id, client, definition, first seen).
    fn mandates(&self) -> Result<Vec<(String, String, String, Millis)>, LedgerError>;

    /// Park an order until a person decides.
    fn park(&self, approval: &Approval) -> Result<(), LedgerError>;

    /// Approvals, oldest first; only those in `state` when given.
    fn approvals(&self, state: Option<ApprovalState>) -> Result<Vec<Approval>, LedgerError>;

    /// One approval.
    fn approval(&self, id: &str) -> Result<Option<Approval>, LedgerError>;

    /// Move an approval from one of `from` to `to`, atomically; false if it was in another
    /// state (someone else decided first).
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        id: &str,
        from: &[ApprovalState],
        to: ApprovalState,
        by: Option<&str>,
        note: Option<&str>,
        order_id: Option<&str>,
        now: Millis,
    ) -> Result<bool, LedgerError>;
}

/// An order parked until a person approves or rejects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// Its id (`apr-…`).
    pub id: String,
    /// The client that asked.
    pub client: String,
    /// The client's idempotency key for the order.
    pub key: String,
    /// The supplier.
    pub supplier: String,
    /// The client's request, canonical JSON.
    pub request: String,
    /// The mandate that asked for approval.
    pub mandate: String,
    /// The rule that triggered it (JSON).
    pub rule: String,
    /// Where it stands.
    pub state: ApprovalState,
    /// When it was parked.
    pub created_at: Millis,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<Millis>,
    /// The approver's note or reason.
    pub note: Option<String>,
    /// The order placed after approval.
    pub order_id: Option<String>,
}

/// `as_str` and `parse` of a state stored by its name, from one table so the two cannot
/// drift apart.
macro_rules! stored_names {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// As stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// Read back.
            pub fn parse(s: &str) -> Result<Self, LedgerError> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(LedgerError::Corrupt(format!(concat!($what, " {:?}"), s))),
                }
            }
        }
    };
}

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalState {
    /// Waiting for a person.
    Pending,
    /// Approved; the order is being placed.
    Approved,
    /// Rejected; nothing was sent.
    Rejected,
    /// Approved and placed.
    Placed,
    /// Approved, but placing failed; approving again retries (safely: the same key).
    Failed,
}

stored_names!(ApprovalState, "approval state", {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
    Placed => "placed",
    Failed => "failed",
});

/// An amount to hold against a mandate's budget for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The mandate.
    pub mandate: String,
    /// Start of its budget period (ms); 0 for a lifetime budget or none.
    pub period_start: Millis,
    /// The client.
    pub client: String,
    /// The supplier.
    pub supplier: String,
    /// The amount (the order's max-total).
    pub amount: mercato_sdk::exact::Money,
}

/// Where a reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationState {
    /// Held for an order being placed or placed.
    Reserved,
    /// The order was invoiced.
    Settled,
    /// The order was refused, rejected or cancelled: the amount is free again.
    Released,
}

stored_names!(ReservationState, "reservation state", {
    Reserved => "reserved",
    Settled => "settled",
    Released => "released",
});

/// A value as the JSON text a backend stores.
fn json<T: serde::Serialize>(value: &T) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

/// A stored JSON text back as a value; unreadable text means the ledger is corrupt.
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LedgerError> {
    serde_json::from_str(text).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

/// The serde name of an enum value (`"Confirmed"`), as the backends store states.
fn label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
