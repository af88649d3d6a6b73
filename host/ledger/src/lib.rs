//! The ledger: where every order is accounted for, so none is lost or duplicated.
//!
//! It stores idempotency records (a client's key, the hash of its request, the final
//! response), write-ahead intents (recorded before an adapter is called, closed with the
//! outcome after), quotes and orders as suppliers returned them with every status change, and
//! an append-only audit trail of every mutating call.
//!
//! One trait, [`Ledger`], with synchronous methods: backends are blocking database clients,
//! and the order desk calls them through `tokio::task::spawn_blocking`. The backends are
//! private to this room, opened through [`open`] by [`Location`]: SQLite is the embedded
//! default (a WAL-mode file in the data directory, or memory for tests and throwaway runs);
//! PostgreSQL is shared by several host replicas. Nothing outside the ledger names either.

mod postgres;
mod sqlite;
mod wal_sync;

use mercato_contract::{Invoice, Order, Quote, Timestamp};
use mercato_sdk::exact::Money;
use std::fmt;

/// What a mandate has spent or reserved in its current period: what its budget is judged
/// against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Used {
    /// Spent and reserved, in the budget's currency.
    pub amount: Money,
    /// Orders placed or reserved.
    pub orders: u32,
}

/// SHA-256 (hex) of a recorded definition, so each version is kept once.
fn digest(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Where a ledger lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In memory: gone when the process ends (tests and throwaway runs).
    Memory,
    /// A SQLite file (`ledger.sqlite` in the data directory).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database shared by replicas (`postgresql://…`).
    Postgres(String),
}

/// Open the ledger at `location`, creating or migrating its schema. Safe to call from async
/// code: the PostgreSQL client is connected on a plain thread.
pub fn open(location: &Location) -> Result<std::sync::Arc<dyn Ledger>, LedgerError> {
    Ok(match location {
        Location::Memory => std::sync::Arc::new(sqlite::SqliteLedger::in_memory()?),
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

/// A ledger in memory (gone when the process ends): for tests and throwaway runs.
pub fn in_memory() -> std::sync::Arc<dyn Ledger> {
    // Opening an in-memory SQLite database fails only when memory is exhausted.
    open(&Location::Memory).expect("an in-memory ledger opens")
}

/// How far a ledger's commits are known to be on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Durability {
    /// Syncs of the write-ahead log so far.
    pub syncs: u64,
    /// Rows changed by commits not yet synced (would not survive a power cut).
    pub unsynced_changes: u64,
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

/// The final answer of a mutating call, to replay for a retry with the same key and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Whether the call succeeded (the body is its answer) or failed for good (the body is
    /// the refusal, as the order desk describes it).
    pub ok: bool,
    /// JSON body.
    pub body: String,
}

impl StoredResponse {
    /// The `status` column the backends keep it in: 200 for a success, 0 for a refusal.
    /// (Rows written before the desk kept HTTP statuses; any 2xx is read as a success.)
    fn status(&self) -> i32 {
        if self.ok { 200 } else { 0 }
    }

    fn from_row(status: i64, body: String) -> Self {
        StoredResponse {
            ok: (200..300).contains(&status),
            body,
        }
    }
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
    pub at: Timestamp,
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
    pub at: Timestamp,
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

/// What recording an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderWrite {
    /// Stored as new, or as a newer state of the same order.
    Recorded,
    /// The supplier's order id is already recorded for another buyer PO (its numbering
    /// restarted, or it answered about someone else's order). The recorded order is left as
    /// it was and this one is kept among the collisions ([`Ledger::collisions`]).
    Collision {
        /// The PO the order id was first recorded for.
        recorded_po: String,
    },
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
    pub created_at: Timestamp,
}

/// The durable record of orders and mutating calls.
pub trait Ledger: Send + Sync + fmt::Debug {
    /// Claim `scope` for a request whose canonical hash is `request_hash`.
    fn claim(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<Claim, LedgerError>;

    /// Store the final response of the call under `scope` whose request hashed to
    /// `request_hash` (claimed, or settled by reconciliation); later claims with the same
    /// body replay it.
    fn finish(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        response: &StoredResponse,
        now: Timestamp,
    ) -> Result<(), LedgerError>;

    /// Give a claim up without a final response (the outcome was retryable), so a retry runs.
    fn release(&self, scope: &KeyScope) -> Result<(), LedgerError>;

    /// At start-up, after reconciliation: give up claims a stopped process left running with
    /// no open intent (it stopped before recording one, so nothing was sent). Returns how
    /// many. Only safe while no other process shares the ledger.
    fn release_orphaned_claims(&self) -> Result<usize, LedgerError>;

    /// Record an intent before its call is sent; returns its id.
    fn record_intent(&self, intent: &Intent, now: Timestamp) -> Result<i64, LedgerError>;

    /// Record how an intent ended.
    fn record_outcome(&self, id: i64, outcome: &Outcome, now: Timestamp)
    -> Result<(), LedgerError>;

    /// Intents whose outcome is missing or unknown, oldest first: the ones to reconcile.
    fn open_intents(&self) -> Result<Vec<OpenIntent>, LedgerError>;

    /// The latest intent under `scope`, with its outcome if it has one.
    fn last_intent(
        &self,
        scope: &KeyScope,
    ) -> Result<Option<(OpenIntent, Option<Outcome>)>, LedgerError>;

    /// Store or update an order as a supplier returned it; a changed status is appended to
    /// its history. An order is identified by supplier and order id and never overwritten by
    /// another buyer PO's order under the same id: that one is kept as a collision.
    fn upsert_order(
        &self,
        client: &str,
        supplier: &str,
        order: &Order,
        now: Timestamp,
    ) -> Result<OrderWrite, LedgerError>;

    /// Orders a supplier answered under an order id already recorded for another PO, oldest
    /// first.
    fn collisions(&self) -> Result<Vec<OrderRecord>, LedgerError>;

    /// Store an invoice or credit note as the supplier issued it (a newer state of the same
    /// invoice replaces the older one).
    fn record_invoice(
        &self,
        client: &str,
        supplier: &str,
        invoice: &Invoice,
        now: Timestamp,
    ) -> Result<(), LedgerError>;

    /// The invoices and credit notes recorded for an order.
    fn invoices_for(&self, supplier: &str, order_id: &str) -> Result<Vec<Invoice>, LedgerError>;

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
        now: Timestamp,
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

    /// How far commits are known to be on disk (for operators, and for tests of when the desk
    /// syncs). A backend whose commits are durable on their own has nothing pending.
    fn durability(&self) -> Durability {
        Durability::default()
    }

    /// Atomically: sum what `reservation`'s mandate has spent or reserved in its period,
    /// let `admit` judge the new amount against it, and reserve the amount if it admits it
    /// (the reservation's id), or nothing. Concurrent reservations on one mandate are
    /// serialised, so a budget is never exceeded. The ledger does not know mandates' rules:
    /// `admit` keeps its own verdict.
    fn reserve(
        &self,
        reservation: &Reservation,
        admit: &mut dyn FnMut(Used) -> bool,
        now: Timestamp,
    ) -> Result<Option<i64>, LedgerError>;

    /// Move a reservation: link it to its order, settle it to what the order really costs,
    /// or release it. An amount is never raised above the reservation's cap.
    fn update_reservation(
        &self,
        id: i64,
        change: &ReservationChange,
        now: Timestamp,
    ) -> Result<(), LedgerError>;

    /// One reservation.
    fn reservation(&self, id: i64) -> Result<Option<ReservationRecord>, LedgerError>;

    /// The reservation held for an order, if any (the newest, should there be several).
    fn reservation_for_order(
        &self,
        supplier: &str,
        order_id: &str,
    ) -> Result<Option<ReservationRecord>, LedgerError>;

    /// The reservation made under a write-ahead intent, if any.
    fn reservation_for_intent(&self, intent: i64)
    -> Result<Option<ReservationRecord>, LedgerError>;

    /// Every reservation, oldest first.
    fn reservations(&self) -> Result<Vec<ReservationRecord>, LedgerError>;

    /// What `mandate` has spent or reserved in the period starting at `period_start`.
    fn used(
        &self,
        mandate: &str,
        period_start: Timestamp,
        currency: mercato_sdk::exact::Currency,
    ) -> Result<Used, LedgerError>;

    /// Record a mandate as it is in force now (`definition`, JSON); each distinct version of
    /// a mandate is kept once, with when it was first seen.
    fn record_mandate(
        &self,
        id: &str,
        client: &str,
        definition: &str,
        now: Timestamp,
    ) -> Result<(), LedgerError>;

    /// Every recorded version of every mandate: (id, client, definition, first seen).
    fn mandates(&self) -> Result<Vec<(String, String, String, Timestamp)>, LedgerError>;

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
        now: Timestamp,
    ) -> Result<bool, LedgerError>;
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

/// What a person is asked to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalKind {
    /// An order the mandate sends to a person before anything is sent.
    Order,
    /// An order the supplier accepted in breach of its cap, quote or mandate, held for a
    /// person to accept or have cancelled.
    Review,
}

stored_names!(ApprovalKind, "approval kind", {
    Order => "order",
    Review => "review",
});

/// An order parked until a person approves or rejects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// Its id (`apr-…`).
    pub id: String,
    /// An order to send, or a placed order to review.
    pub kind: ApprovalKind,
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
    pub created_at: Timestamp,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// The approver's note or reason.
    pub note: Option<String>,
    /// The order placed after approval, or the order under review.
    pub order_id: Option<String>,
    /// The budget reservation a reviewed order holds.
    pub reservation: Option<i64>,
    /// What the approver is shown of the order (JSON, as the order desk writes it).
    pub summary: Option<String>,
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
    pub period_start: Timestamp,
    /// The client.
    pub client: String,
    /// The supplier.
    pub supplier: String,
    /// The most the order may cost (its cap, as the order desk established it): reserved
    /// until the order settles to what it really costs.
    pub amount: mercato_sdk::exact::Money,
    /// The write-ahead intent of the order it is held for.
    pub intent: Option<i64>,
}

/// A reservation as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRecord {
    /// Its id.
    pub id: i64,
    /// The mandate.
    pub mandate: String,
    /// Start of its budget period.
    pub period_start: Timestamp,
    /// The client.
    pub client: String,
    /// The supplier.
    pub supplier: String,
    /// The order it became, once there is one.
    pub order_id: Option<String>,
    /// The write-ahead intent of the order.
    pub intent: Option<i64>,
    /// The most the order was allowed to cost.
    pub cap: mercato_sdk::exact::Money,
    /// What it holds or has settled to now.
    pub amount: mercato_sdk::exact::Money,
    /// Where it stands.
    pub state: ReservationState,
}

/// A move of a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationChange {
    /// Where it goes.
    pub state: ReservationState,
    /// The order it is for, when that becomes known.
    pub order_id: Option<String>,
    /// What it settles to (minor units of its currency), when that is known; never above
    /// its cap.
    pub amount: Option<i64>,
}

/// Where a reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationState {
    /// The cap is held for an order being placed, or for one held for a person's review.
    Reserved,
    /// The order's real cost is committed: what the supplier accepted, then what it invoiced.
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
