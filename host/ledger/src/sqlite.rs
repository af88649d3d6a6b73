//! The SQLite ledger: one file in the data directory, in WAL mode, behind one connection.
//! Commits do not wait for the disk; [`Ledger::sync`] makes them durable, one log sync for
//! every commit and caller waiting at the time (see [`super::wal_sync`]).
//!
//! rusqlite with the bundled SQLite, so the embedded default needs nothing installed. Every
//! multi-statement change runs in an `IMMEDIATE` transaction, which takes the write lock
//! first, so two claims on one key cannot both see it free.

use super::wal_sync::WalSync;
use super::*;
use mercato_contract::now_ms;
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;

/// Schema migrations, in order. Each runs once, in a transaction, and is recorded in
/// `schema_migrations`; never edit one that has shipped — add the next.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
    CREATE TABLE idempotency (
        client       TEXT NOT NULL,
        operation    TEXT NOT NULL,
        key          TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
        status       INTEGER,
        response     TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (client, operation, key)
    );
    CREATE TABLE intents (
        id           INTEGER PRIMARY KEY,
        client       TEXT NOT NULL,
        operation    TEXT NOT NULL,
        key          TEXT NOT NULL,
        supplier     TEXT NOT NULL,
        supplier_key TEXT NOT NULL,
        buyer_po     TEXT,
        request      TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        outcome      TEXT,
        outcome_at   INTEGER
    );
    CREATE INDEX intents_by_key ON intents (client, operation, key);
    CREATE TABLE orders (
        supplier     TEXT NOT NULL,
        order_id     TEXT NOT NULL,
        client       TEXT NOT NULL,
        buyer_po     TEXT NOT NULL,
        quote_id     TEXT,
        currency     TEXT NOT NULL,
        grand_total  INTEGER NOT NULL,
        status       TEXT NOT NULL,
        body         TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (supplier, order_id)
    );
    CREATE TABLE order_status (
        id           INTEGER PRIMARY KEY,
        supplier     TEXT NOT NULL,
        order_id     TEXT NOT NULL,
        status       TEXT NOT NULL,
        at           INTEGER NOT NULL
    );
    CREATE TABLE quotes (
        supplier     TEXT NOT NULL,
        quote_id     TEXT NOT NULL,
        client       TEXT NOT NULL,
        status       TEXT NOT NULL,
        valid_until  INTEGER,
        currency     TEXT NOT NULL,
        grand_total  INTEGER NOT NULL,
        body         TEXT NOT NULL,
        received_at  INTEGER NOT NULL,
        PRIMARY KEY (supplier, quote_id)
    );
    CREATE TABLE audit (
        id           INTEGER PRIMARY KEY,
        at           INTEGER NOT NULL,
        client       TEXT NOT NULL,
        operation    TEXT NOT NULL,
        target       TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        detail       TEXT NOT NULL
    );
    -- The audit trail is append-only.
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    ",
    ),
    (
        2,
        "
    CREATE TABLE reservations (
        id           INTEGER PRIMARY KEY,
        mandate      TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        client       TEXT NOT NULL,
        supplier     TEXT NOT NULL,
        order_id     TEXT,
        currency     TEXT NOT NULL,
        amount       INTEGER NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('reserved', 'settled', 'released')),
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    CREATE INDEX reservations_by_period ON reservations (mandate, period_start);
    CREATE INDEX reservations_by_order ON reservations (supplier, order_id);
    ",
    ),
    (
        3,
        "
    CREATE TABLE approvals (
        id           TEXT PRIMARY KEY,
        client       TEXT NOT NULL,
        key          TEXT NOT NULL,
        supplier     TEXT NOT NULL,
        request      TEXT NOT NULL,
        mandate      TEXT NOT NULL,
        rule         TEXT NOT NULL,
        state        TEXT NOT NULL
                     CHECK (state IN ('pending', 'approved', 'rejected', 'placed', 'failed')),
        created_at   INTEGER NOT NULL,
        decided_by   TEXT,
        decided_at   INTEGER,
        note         TEXT,
        order_id     TEXT
    );
    CREATE INDEX approvals_by_state ON approvals (state, created_at);
    ",
    ),
    (
        4,
        "
    CREATE TABLE mandates (
        id           TEXT NOT NULL,
        client       TEXT NOT NULL,
        digest       TEXT NOT NULL,
        definition   TEXT NOT NULL,
        first_seen   INTEGER NOT NULL,
        PRIMARY KEY (id, digest)
    );
    ",
    ),
    (
        5,
        "
    -- What each mandate has spent or holds reserved, per period and currency, kept by
    -- triggers: a budget check reads one row instead of summing the period's reservations,
    -- which grew with every order.
    CREATE TABLE budget_usage (
        mandate      TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        currency     TEXT NOT NULL,
        amount       INTEGER NOT NULL,
        orders       INTEGER NOT NULL,
        PRIMARY KEY (mandate, period_start, currency)
    );
    INSERT INTO budget_usage
        SELECT mandate, period_start, currency, SUM(amount), COUNT(*) FROM reservations
        WHERE state IN ('reserved', 'settled') GROUP BY mandate, period_start, currency;
    CREATE TRIGGER budget_usage_add AFTER INSERT ON reservations
    WHEN NEW.state IN ('reserved', 'settled')
    BEGIN
        INSERT INTO budget_usage VALUES (NEW.mandate, NEW.period_start, NEW.currency, NEW.amount, 1)
        ON CONFLICT (mandate, period_start, currency)
        DO UPDATE SET amount = amount + excluded.amount, orders = orders + 1;
    END;
    CREATE TRIGGER budget_usage_move AFTER UPDATE ON reservations
    WHEN OLD.state IS NOT NEW.state OR OLD.amount IS NOT NEW.amount
      OR OLD.mandate IS NOT NEW.mandate OR OLD.period_start IS NOT NEW.period_start
      OR OLD.currency IS NOT NEW.currency
    BEGIN
        UPDATE budget_usage SET amount = amount - OLD.amount, orders = orders - 1
        WHERE OLD.state IN ('reserved', 'settled') AND mandate = OLD.mandate
          AND period_start = OLD.period_start AND currency = OLD.currency;
        INSERT INTO budget_usage
            SELECT NEW.mandate, NEW.period_start, NEW.currency, NEW.amount, 1
            WHERE NEW.state IN ('reserved', 'settled')
        ON CONFLICT (mandate, period_start, currency)
        DO UPDATE SET amount = amount + excluded.amount, orders = orders + 1;
    END;
    CREATE TRIGGER budget_usage_remove AFTER DELETE ON reservations
    WHEN OLD.state IN ('reserved', 'settled')
    BEGIN
        UPDATE budget_usage SET amount = amount - OLD.amount, orders = orders - 1
        WHERE mandate = OLD.mandate AND period_start = OLD.period_start
          AND currency = OLD.currency;
    END;
    ",
    ),
    (
        6,
        "
    -- A reservation keeps the cap it was judged on and settles its amount to what the order
    -- really costs; it knows the write-ahead intent of its order, so reconciliation after a
    -- crash settles or releases it.
    ALTER TABLE reservations ADD COLUMN cap INTEGER;
    UPDATE reservations SET cap = amount;
    ALTER TABLE reservations ADD COLUMN intent_id INTEGER;
    CREATE INDEX reservations_by_intent ON reservations (intent_id);
    -- Orders a supplier answered under an order id already recorded for another PO: kept,
    -- never written over the recorded one.
    CREATE TABLE order_collisions (
        id           INTEGER PRIMARY KEY,
        supplier     TEXT NOT NULL,
        order_id     TEXT NOT NULL,
        client       TEXT NOT NULL,
        buyer_po     TEXT NOT NULL,
        body         TEXT NOT NULL,
        recorded_at  INTEGER NOT NULL
    );
    CREATE TABLE invoices (
        supplier     TEXT NOT NULL,
        invoice_id   TEXT NOT NULL,
        order_id     TEXT NOT NULL,
        client       TEXT NOT NULL,
        credit_note  INTEGER NOT NULL,
        currency     TEXT NOT NULL,
        grand_total  INTEGER NOT NULL,
        body         TEXT NOT NULL,
        recorded_at  INTEGER NOT NULL,
        PRIMARY KEY (supplier, invoice_id)
    );
    CREATE INDEX invoices_by_order ON invoices (supplier, order_id);
    ALTER TABLE approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'order'
        CHECK (kind IN ('order', 'review'));
    ALTER TABLE approvals ADD COLUMN reservation_id INTEGER;
    -- What the approver sees of the order: the lines as priced, the cap, the cost.
    ALTER TABLE approvals ADD COLUMN summary TEXT;
    ",
    ),
];

/// A ledger in one SQLite file.
#[derive(Debug)]
pub struct SqliteLedger {
    conn: Mutex<Connection>,
    /// The file's write-ahead log; none in memory, where there is nothing to make durable.
    wal: Option<WalSync>,
}

fn db(e: rusqlite::Error) -> LedgerError {
    LedgerError::Database(e.to_string())
}

/// Statements through the connection's statement cache: every statement of the ledger is a
/// constant, and parsing it again for each call was a tenth of an order's CPU (benchmark P8).
trait Cached {
    /// `Connection::execute`, cached.
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    /// `Connection::query_row`, cached.
    fn one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

impl SqliteLedger {
    /// Open (creating if needed) the ledger file at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                LedgerError::Database(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path).map_err(db)?;
        let ledger = Self::with(conn, Some(WalSync::new(path)))?;
        ledger.sync()?;
        Ok(ledger)
    }

    /// A ledger in memory, for tests and throwaway runs.
    pub fn in_memory() -> Result<Self, LedgerError> {
        Self::with(Connection::open_in_memory().map_err(db)?, None)
    }

    fn with(mut conn: Connection, wal: Option<WalSync>) -> Result<Self, LedgerError> {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(db)?;
        // In WAL mode a commit is written to the log but not waited for: callers sync before
        // they act on it (before an order leaves, before it is acknowledged), and concurrent
        // callers share one sync. Consistent after a power cut either way; durable once
        // synced. Where the file system cannot do WAL, every commit waits for the disk.
        let wal = wal.filter(|_| mode.eq_ignore_ascii_case("wal"));
        let synchronous = if wal.is_some() { "NORMAL" } else { "FULL" };
        conn.pragma_update(None, "synchronous", synchronous)
            .map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db)?;
        // Room for every statement the ledger has.
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn)?;
        Ok(SqliteLedger {
            conn: Mutex::new(conn),
            wal,
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back
        // on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Apply every migration not yet recorded.
fn migrate(conn: &mut Connection) -> Result<(), LedgerError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )
    .map_err(db)?;
    let current: i64 = conn
        .one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    let known = MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0);
    if current > known {
        return Err(LedgerError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        tx.execute_batch(sql).map_err(db)?;
        tx.run(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, now_ms()],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

fn open_intent(r: &rusqlite::Row<'_>) -> rusqlite::Result<(OpenIntent, Option<String>)> {
    Ok((
        OpenIntent {
            id: r.get(0)?,
            intent: Intent {
                scope: KeyScope {
                    client: r.get(1)?,
                    operation: r.get(2)?,
                    key: r.get(3)?,
                },
                supplier: r.get(4)?,
                supplier_key: r.get(5)?,
                buyer_po: r.get(6)?,
                request: r.get(7)?,
            },
            at: r.get(8)?,
        },
        r.get(9)?,
    ))
}

/// What a mandate has spent or reserved in a period.
fn used_in(
    conn: &Connection,
    mandate: &str,
    period_start: Timestamp,
    currency: mercato_sdk::exact::Currency,
) -> Result<Used, LedgerError> {
    let (amount, orders): (i64, u32) = conn
        .one(
            "SELECT amount, orders FROM budget_usage
             WHERE mandate = ?1 AND period_start = ?2 AND currency = ?3",
            params![mandate, period_start, currency.code()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(db)?
        .unwrap_or((0, 0));
    Ok(Used {
        amount: mercato_sdk::exact::Money::new(currency, amount),
        orders,
    })
}

const APPROVAL_COLUMNS: &str = "id, client, key, supplier, request, mandate, rule, state, \
     created_at, decided_by, decided_at, note, order_id, kind, reservation_id, summary";

fn approval_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Approval, LedgerError>> {
    let state: String = r.get(7)?;
    let kind: String = r.get(13)?;
    Ok(ApprovalState::parse(&state).and_then(|state| {
        Ok(Approval {
            id: r.get(0).unwrap_or_default(),
            kind: ApprovalKind::parse(&kind)?,
            client: r.get(1).unwrap_or_default(),
            key: r.get(2).unwrap_or_default(),
            supplier: r.get(3).unwrap_or_default(),
            request: r.get(4).unwrap_or_default(),
            mandate: r.get(5).unwrap_or_default(),
            rule: r.get(6).unwrap_or_default(),
            state,
            created_at: r.get(8).unwrap_or_default(),
            decided_by: r.get(9).unwrap_or_default(),
            decided_at: r.get(10).unwrap_or_default(),
            note: r.get(11).unwrap_or_default(),
            order_id: r.get(12).unwrap_or_default(),
            reservation: r.get(14).unwrap_or_default(),
            summary: r.get(15).unwrap_or_default(),
        })
    }))
}

const RESERVATION_COLUMNS: &str = "id, mandate, period_start, client, supplier, order_id, \
     intent_id, currency, COALESCE(cap, amount), amount, state";

fn reservation_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<ReservationRecord, LedgerError>> {
    let (currency, state): (String, String) = (r.get(7)?, r.get(10)?);
    let (cap, amount): (i64, i64) = (r.get(8)?, r.get(9)?);
    let (id, mandate, period_start, client, supplier, order_id, intent) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    );
    Ok((|| {
        let currency = mercato_sdk::exact::Currency::parse(&currency)
            .map_err(|e| LedgerError::Corrupt(format!("reservation {id}: {e}")))?;
        Ok(ReservationRecord {
            id,
            mandate,
            period_start,
            client,
            supplier,
            order_id,
            intent,
            cap: mercato_sdk::exact::Money::new(currency, cap),
            amount: mercato_sdk::exact::Money::new(currency, amount),
            state: ReservationState::parse(&state)?,
        })
    })())
}

/// Rows of one reservation query.
fn reservations_where(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<ReservationRecord>, LedgerError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {RESERVATION_COLUMNS} FROM reservations {filter}"
        ))
        .map_err(db)?;
    stmt.query_map(params, reservation_row)
        .map_err(db)?
        .map(|r| r.map_err(db).and_then(|r| r))
        .collect()
}

/// Orders selected as (client, supplier, body, recorded at) by `query`.
fn order_records(conn: &Connection, query: &str) -> Result<Vec<OrderRecord>, LedgerError> {
    let mut stmt = conn.prepare_cached(query).map_err(db)?;
    let rows: Vec<(String, String, String, Timestamp)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    rows.into_iter()
        .map(|(client, supplier, body, created_at)| {
            Ok(OrderRecord {
                client,
                supplier,
                order: from_json(&body)?,
                created_at,
            })
        })
        .collect()
}

const INTENT_COLUMNS: &str =
    "id, client, operation, key, supplier, supplier_key, buyer_po, request, created_at, outcome";

impl Ledger for SqliteLedger {
    fn claim(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<Claim, LedgerError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let found: Option<(String, String, Option<i64>, Option<String>)> = tx
            .one(
                "SELECT request_hash, state, status, response FROM idempotency
                 WHERE client = ?1 AND operation = ?2 AND key = ?3",
                params![scope.client, scope.operation, scope.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(db)?;
        let claim = match found {
            None => {
                tx.run(
                    "INSERT INTO idempotency
                     (client, operation, key, request_hash, state, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?5)",
                    params![scope.client, scope.operation, scope.key, request_hash, now],
                )
                .map_err(db)?;
                Claim::Fresh
            }
            Some((hash, _, _, _)) if hash != request_hash => Claim::Conflict,
            Some((_, state, _, _)) if state == "running" => Claim::InProgress,
            Some((_, _, Some(status), Some(body))) => {
                Claim::Replay(StoredResponse::from_row(status, body))
            }
            Some(_) => {
                return Err(LedgerError::Corrupt(format!(
                    "idempotency record {scope} is done without a response"
                )));
            }
        };
        tx.commit().map_err(db)?;
        Ok(claim)
    }

    fn finish(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        response: &StoredResponse,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "INSERT INTO idempotency
                 (client, operation, key, request_hash, state, status, response, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'done', ?5, ?6, ?7, ?7)
                 ON CONFLICT (client, operation, key) DO UPDATE SET
                     state = 'done', status = excluded.status, response = excluded.response,
                     updated_at = excluded.updated_at",
                params![
                    scope.client,
                    scope.operation,
                    scope.key,
                    request_hash,
                    response.status(),
                    response.body,
                    now
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn release(&self, scope: &KeyScope) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "DELETE FROM idempotency
                 WHERE client = ?1 AND operation = ?2 AND key = ?3 AND state = 'running'",
                params![scope.client, scope.operation, scope.key],
            )
            .map_err(db)?;
        Ok(())
    }

    fn release_orphaned_claims(&self) -> Result<usize, LedgerError> {
        self.conn()
            .run(
                "DELETE FROM idempotency WHERE state = 'running' AND NOT EXISTS (
                     SELECT 1 FROM intents i
                     WHERE i.client = idempotency.client AND i.operation = idempotency.operation
                       AND i.key = idempotency.key
                       AND (i.outcome IS NULL OR i.outcome LIKE 'unknown:%'))",
                [],
            )
            .map_err(db)
    }

    fn record_intent(&self, intent: &Intent, now: Timestamp) -> Result<i64, LedgerError> {
        let conn = self.conn();
        conn.run(
            "INSERT INTO intents
             (client, operation, key, supplier, supplier_key, buyer_po, request, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                intent.scope.client,
                intent.scope.operation,
                intent.scope.key,
                intent.supplier,
                intent.supplier_key,
                intent.buyer_po,
                intent.request,
                now
            ],
        )
        .map_err(db)?;
        Ok(conn.last_insert_rowid())
    }

    fn record_outcome(
        &self,
        id: i64,
        outcome: &Outcome,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "UPDATE intents SET outcome = ?2, outcome_at = ?3 WHERE id = ?1",
                params![id, outcome.encode(), now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn open_intents(&self) -> Result<Vec<OpenIntent>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {INTENT_COLUMNS} FROM intents
                 WHERE outcome IS NULL OR outcome LIKE 'unknown:%' ORDER BY id"
            ))
            .map_err(db)?;
        stmt.query_map([], open_intent)
            .map_err(db)?
            .map(|r| r.map(|(i, _)| i).map_err(db))
            .collect()
    }

    fn last_intent(
        &self,
        scope: &KeyScope,
    ) -> Result<Option<(OpenIntent, Option<Outcome>)>, LedgerError> {
        let conn = self.conn();
        let row = conn
            .one(
                &format!(
                    "SELECT {INTENT_COLUMNS} FROM intents
                     WHERE client = ?1 AND operation = ?2 AND key = ?3 ORDER BY id DESC LIMIT 1"
                ),
                params![scope.client, scope.operation, scope.key],
                open_intent,
            )
            .optional()
            .map_err(db)?;
        row.map(|(i, outcome)| Ok((i, outcome.as_deref().map(Outcome::decode).transpose()?)))
            .transpose()
    }

    fn upsert_order(
        &self,
        client: &str,
        supplier: &str,
        order: &Order,
        now: Timestamp,
    ) -> Result<OrderWrite, LedgerError> {
        let body = json(order)?;
        let status = label(&order.status);
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let previous: Option<(String, String)> = tx
            .one(
                "SELECT status, buyer_po FROM orders WHERE supplier = ?1 AND order_id = ?2",
                params![supplier, order.order_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        if let Some((_, recorded_po)) = previous.as_ref().filter(|(_, po)| *po != order.buyer_po) {
            tx.run(
                "INSERT INTO order_collisions (supplier, order_id, client, buyer_po, body,
                                               recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![supplier, order.order_id, client, order.buyer_po, body, now],
            )
            .map_err(db)?;
            let recorded_po = recorded_po.clone();
            tx.commit().map_err(db)?;
            return Ok(OrderWrite::Collision { recorded_po });
        }
        tx.run(
            "INSERT INTO orders (supplier, order_id, client, buyer_po, quote_id, currency,
                                 grand_total, status, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             ON CONFLICT (supplier, order_id) DO UPDATE SET
                 status = excluded.status, body = excluded.body,
                 grand_total = excluded.grand_total, updated_at = excluded.updated_at",
            params![
                supplier,
                order.order_id,
                client,
                order.buyer_po,
                order.quote_id,
                order.currency,
                order.totals.grand_total.minor,
                status,
                body,
                now
            ],
        )
        .map_err(db)?;
        if previous.map(|(s, _)| s).as_deref() != Some(status.as_str()) {
            tx.run(
                "INSERT INTO order_status (supplier, order_id, status, at) VALUES (?1, ?2, ?3, ?4)",
                params![supplier, order.order_id, status, now],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(OrderWrite::Recorded)
    }

    fn collisions(&self) -> Result<Vec<OrderRecord>, LedgerError> {
        order_records(
            &self.conn(),
            "SELECT client, supplier, body, recorded_at FROM order_collisions ORDER BY id",
        )
    }

    fn record_invoice(
        &self,
        client: &str,
        supplier: &str,
        invoice: &Invoice,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "INSERT INTO invoices (supplier, invoice_id, order_id, client, credit_note,
                                       currency, grand_total, body, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (supplier, invoice_id) DO UPDATE SET
                     body = excluded.body, grand_total = excluded.grand_total,
                     recorded_at = excluded.recorded_at",
                params![
                    supplier,
                    invoice.invoice_id,
                    invoice.order_id,
                    client,
                    invoice.is_credit_note,
                    invoice.totals.grand_total.currency,
                    invoice.totals.grand_total.minor,
                    json(invoice)?,
                    now
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn invoices_for(&self, supplier: &str, order_id: &str) -> Result<Vec<Invoice>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT body FROM invoices WHERE supplier = ?1 AND order_id = ?2
                 ORDER BY recorded_at, invoice_id",
            )
            .map_err(db)?;
        let bodies: Vec<String> = stmt
            .query_map(params![supplier, order_id], |r| r.get(0))
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        bodies.iter().map(|b| from_json(b)).collect()
    }

    fn order(&self, supplier: &str, order_id: &str) -> Result<Option<OrderRecord>, LedgerError> {
        let conn = self.conn();
        let row: Option<(String, String, Timestamp)> = conn
            .one(
                "SELECT client, body, created_at FROM orders WHERE supplier = ?1 AND order_id = ?2",
                params![supplier, order_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(db)?;
        row.map(|(client, body, created_at)| {
            Ok(OrderRecord {
                client,
                supplier: supplier.to_string(),
                order: from_json(&body)?,
                created_at,
            })
        })
        .transpose()
    }

    fn order_history(&self, supplier: &str, order_id: &str) -> Result<Vec<String>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT status FROM order_status WHERE supplier = ?1 AND order_id = ?2 ORDER BY id",
            )
            .map_err(db)?;
        stmt.query_map(params![supplier, order_id], |r| r.get(0))
            .map_err(db)?
            .map(|r| r.map_err(db))
            .collect()
    }

    fn orders(&self) -> Result<Vec<OrderRecord>, LedgerError> {
        order_records(
            &self.conn(),
            "SELECT client, supplier, body, created_at FROM orders ORDER BY created_at, order_id",
        )
    }

    fn store_quote(
        &self,
        client: &str,
        supplier: &str,
        quote: &Quote,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "INSERT INTO quotes (supplier, quote_id, client, status, valid_until, currency,
                                     grand_total, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (supplier, quote_id) DO UPDATE SET
                     status = excluded.status, valid_until = excluded.valid_until,
                     grand_total = excluded.grand_total, body = excluded.body,
                     received_at = excluded.received_at",
                params![
                    supplier,
                    quote.quote_id,
                    client,
                    label(&quote.status),
                    quote.valid_until,
                    quote.currency,
                    quote.totals.grand_total.minor,
                    json(quote)?,
                    now
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn quote(&self, supplier: &str, quote_id: &str) -> Result<Option<Quote>, LedgerError> {
        let body: Option<String> = self
            .conn()
            .one(
                "SELECT body FROM quotes WHERE supplier = ?1 AND quote_id = ?2",
                params![supplier, quote_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        body.as_deref().map(from_json).transpose()
    }

    fn audit(&self, e: &AuditEntry) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "INSERT INTO audit (at, client, operation, target, outcome, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![e.at, e.client, e.operation, e.target, e.outcome, e.detail],
            )
            .map_err(db)?;
        Ok(())
    }

    fn reserve(
        &self,
        r: &Reservation,
        admit: &mut dyn FnMut(Used) -> bool,
        now: Timestamp,
    ) -> Result<Option<i64>, LedgerError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let used = used_in(&tx, &r.mandate, r.period_start, r.amount.currency())?;
        if !admit(used) {
            // Nothing is reserved.
            tx.rollback().map_err(db)?;
            return Ok(None);
        }
        tx.run(
            "INSERT INTO reservations (mandate, period_start, client, supplier, currency,
                                       amount, cap, intent_id, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, 'reserved', ?8, ?8)",
            params![
                r.mandate,
                r.period_start,
                r.client,
                r.supplier,
                r.amount.currency().code(),
                r.amount.minor(),
                r.intent,
                now
            ],
        )
        .map_err(db)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(db)?;
        Ok(Some(id))
    }

    fn update_reservation(
        &self,
        id: i64,
        change: &ReservationChange,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "UPDATE reservations SET state = ?2, order_id = COALESCE(?3, order_id),
                        amount = MIN(COALESCE(?4, amount), COALESCE(cap, amount)),
                        updated_at = ?5
                 WHERE id = ?1",
                params![
                    id,
                    change.state.as_str(),
                    change.order_id,
                    change.amount,
                    now
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn reservation(&self, id: i64) -> Result<Option<ReservationRecord>, LedgerError> {
        Ok(reservations_where(&self.conn(), "WHERE id = ?1", params![id])?.pop())
    }

    fn reservation_for_order(
        &self,
        supplier: &str,
        order_id: &str,
    ) -> Result<Option<ReservationRecord>, LedgerError> {
        Ok(reservations_where(
            &self.conn(),
            "WHERE supplier = ?1 AND order_id = ?2 ORDER BY id DESC LIMIT 1",
            params![supplier, order_id],
        )?
        .pop())
    }

    fn reservation_for_intent(
        &self,
        intent: i64,
    ) -> Result<Option<ReservationRecord>, LedgerError> {
        Ok(reservations_where(
            &self.conn(),
            "WHERE intent_id = ?1 ORDER BY id DESC LIMIT 1",
            params![intent],
        )?
        .pop())
    }

    fn reservations(&self) -> Result<Vec<ReservationRecord>, LedgerError> {
        reservations_where(&self.conn(), "ORDER BY id", [])
    }

    fn used(
        &self,
        mandate: &str,
        period_start: Timestamp,
        currency: mercato_sdk::exact::Currency,
    ) -> Result<Used, LedgerError> {
        used_in(&self.conn(), mandate, period_start, currency)
    }

    fn record_mandate(
        &self,
        id: &str,
        client: &str,
        definition: &str,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "INSERT INTO mandates (id, client, digest, definition, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id, digest) DO NOTHING",
                params![id, client, digest(definition), definition, now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn mandates(&self) -> Result<Vec<(String, String, String, Timestamp)>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, client, definition, first_seen FROM mandates ORDER BY first_seen, id",
            )
            .map_err(db)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(db)?
            .map(|r| r.map_err(db))
            .collect()
    }

    fn park(&self, a: &Approval) -> Result<(), LedgerError> {
        self.conn()
            .run(
                "INSERT INTO approvals (id, client, key, supplier, request, mandate, rule, state,
                                        created_at, kind, order_id, reservation_id, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?10, ?11, ?12)",
                params![
                    a.id,
                    a.client,
                    a.key,
                    a.supplier,
                    a.request,
                    a.mandate,
                    a.rule,
                    a.created_at,
                    a.kind.as_str(),
                    a.order_id,
                    a.reservation,
                    a.summary
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn approvals(&self, state: Option<ApprovalState>) -> Result<Vec<Approval>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {APPROVAL_COLUMNS} FROM approvals
                 WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at, id"
            ))
            .map_err(db)?;
        stmt.query_map(params![state.map(ApprovalState::as_str)], approval_row)
            .map_err(db)?
            .map(|r| r.map_err(db).and_then(|a| a))
            .collect()
    }

    fn approval(&self, id: &str) -> Result<Option<Approval>, LedgerError> {
        self.conn()
            .one(
                &format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = ?1"),
                params![id],
                approval_row,
            )
            .optional()
            .map_err(db)?
            .transpose()
    }

    fn decide(
        &self,
        id: &str,
        from: &[ApprovalState],
        to: ApprovalState,
        by: Option<&str>,
        note: Option<&str>,
        order_id: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, LedgerError> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let changed = self
            .conn()
            .run(
                "UPDATE approvals SET state = ?2,
                        decided_by = COALESCE(?3, decided_by),
                        decided_at = CASE WHEN ?3 IS NULL THEN decided_at ELSE ?6 END,
                        note = COALESCE(?4, note), order_id = COALESCE(?5, order_id)
                 WHERE id = ?1 AND state IN (SELECT value FROM json_each(?7))",
                params![
                    id,
                    to.as_str(),
                    by,
                    note,
                    order_id,
                    now,
                    serde_json::to_string(&from).unwrap_or_default()
                ],
            )
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn audit_trail(&self) -> Result<Vec<AuditEntry>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT at, client, operation, target, outcome, detail FROM audit ORDER BY id",
            )
            .map_err(db)?;
        stmt.query_map([], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                client: r.get(1)?,
                operation: r.get(2)?,
                target: r.get(3)?,
                outcome: r.get(4)?,
                detail: r.get(5)?,
            })
        })
        .map_err(db)?
        .map(|r| r.map_err(db))
        .collect()
    }

    fn sync(&self) -> Result<(), LedgerError> {
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        let wanted = self.conn().total_changes();
        wal.sync_through(wanted, || self.conn().total_changes())
    }

    fn durability(&self) -> Durability {
        // Without a WAL every commit is synced (synchronous = FULL): nothing is pending.
        let Some(wal) = &self.wal else {
            return Durability::default();
        };
        let (syncs, durable) = wal.progress();
        Durability {
            syncs,
            unsynced_changes: self.conn().total_changes().saturating_sub(durable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(key: &str) -> KeyScope {
        KeyScope {
            client: "bot".into(),
            operation: "place-order".into(),
            key: key.into(),
        }
    }

    #[test]
    fn a_sync_covers_every_commit_before_it_and_is_skipped_when_nothing_changed() {
        let dir = tempfile::tempdir().unwrap();
        let l = SqliteLedger::open(&dir.path().join("ledger.db")).unwrap();
        let opened = l.durability();
        assert_eq!(
            opened.unsynced_changes, 0,
            "the schema is durable once open"
        );

        assert_eq!(l.claim(&scope("a"), "h", 1).unwrap(), Claim::Fresh);
        assert_eq!(l.claim(&scope("b"), "h", 1).unwrap(), Claim::Fresh);
        assert_eq!(l.durability().unsynced_changes, 2);
        l.sync().unwrap();
        assert_eq!(
            l.durability(),
            Durability {
                syncs: opened.syncs + 1,
                unsynced_changes: 0
            }
        );
        // A read-only claim (in progress) changes nothing: no sync is needed.
        assert_eq!(l.claim(&scope("a"), "h", 1).unwrap(), Claim::InProgress);
        l.sync().unwrap();
        assert_eq!(l.durability().syncs, opened.syncs + 1);
    }

    #[test]
    fn callers_syncing_at_once_share_one_sync() {
        let dir = tempfile::tempdir().unwrap();
        let l = SqliteLedger::open(&dir.path().join("ledger.db")).unwrap();
        let before = l.durability().syncs;
        let committed = std::sync::Barrier::new(8);
        std::thread::scope(|s| {
            for n in 0..8 {
                let (l, committed) = (&l, &committed);
                s.spawn(move || {
                    l.claim(&scope(&format!("k{n}")), "h", 1).unwrap();
                    committed.wait();
                    l.sync().unwrap();
                });
            }
        });
        // The first sync covers all eight commits; the others find them durable.
        assert_eq!(
            l.durability(),
            Durability {
                syncs: before + 1,
                unsynced_changes: 0
            }
        );
    }

    #[test]
    fn budget_usage_follows_every_reservation_state() {
        use mercato_sdk::exact::{Currency, Money};
        let l = SqliteLedger::in_memory().unwrap();
        let reserve = |period_start, currency, minor| {
            let r = Reservation {
                mandate: "m".into(),
                period_start,
                client: "bot".into(),
                supplier: "s".into(),
                amount: Money::new(currency, minor),
                intent: None,
            };
            l.reserve(&r, &mut |_| true, 1).unwrap().unwrap()
        };
        let used = |period_start, currency| {
            let u = l.used("m", period_start, currency).unwrap();
            (u.amount.minor(), u.orders)
        };
        let (a, b, c) = (
            reserve(100, Currency::EUR, 500),
            reserve(100, Currency::EUR, 300),
            reserve(100, Currency::EUR, 200),
        );
        reserve(200, Currency::EUR, 50);
        reserve(100, Currency::USD, 70);
        assert_eq!(used(100, Currency::EUR), (1000, 3));
        // A reservation its mandate does not admit holds nothing, and `admit` saw the sum.
        let mut seen = None;
        let refused = Reservation {
            mandate: "m".into(),
            period_start: 100,
            client: "bot".into(),
            supplier: "s".into(),
            amount: Money::new(Currency::EUR, 1),
            intent: None,
        };
        let admitted = l.reserve(
            &refused,
            &mut |u| {
                seen = Some((u.amount.minor(), u.orders));
                false
            },
            1,
        );
        assert_eq!(admitted.unwrap(), None);
        assert_eq!(seen, Some((1000, 3)));
        assert_eq!(used(100, Currency::EUR), (1000, 3));

        let change = |state, order_id: Option<&str>, amount| ReservationChange {
            state,
            order_id: order_id.map(str::to_string),
            amount,
        };
        l.update_reservation(b, &change(ReservationState::Released, None, None), 2)
            .unwrap();
        assert_eq!(used(100, Currency::EUR), (700, 2));
        // Linking the order keeps the cap counted; settling counts what the order costs.
        l.update_reservation(
            a,
            &change(ReservationState::Reserved, Some("ORD-1"), None),
            2,
        )
        .unwrap();
        assert_eq!(used(100, Currency::EUR), (700, 2));
        l.update_reservation(a, &change(ReservationState::Settled, None, Some(420)), 3)
            .unwrap();
        assert_eq!(used(100, Currency::EUR), (620, 2));
        // A settlement is never above the cap the reservation was judged on.
        l.update_reservation(a, &change(ReservationState::Settled, None, Some(9_999)), 3)
            .unwrap();
        assert_eq!(used(100, Currency::EUR), (700, 2));
        let kept = l.reservation(a).unwrap().unwrap();
        assert_eq!((kept.amount.minor(), kept.cap.minor()), (500, 500));
        assert_eq!(kept.order_id.as_deref(), Some("ORD-1"));
        l.update_reservation(c, &change(ReservationState::Released, None, None), 3)
            .unwrap();
        assert_eq!(used(100, Currency::EUR), (500, 1));
        // Other periods and currencies are their own rows; an unused one is zero.
        assert_eq!(used(200, Currency::EUR), (50, 1));
        assert_eq!(used(100, Currency::USD), (70, 1));
        assert_eq!(used(300, Currency::EUR), (0, 0));

        // The kept totals are what summing the reservations gives.
        let summed: Vec<(i64, String, i64, i64)> = {
            let conn = l.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT period_start, currency, SUM(amount), COUNT(*) FROM reservations
                     WHERE state IN ('reserved', 'settled')
                     GROUP BY period_start, currency ORDER BY period_start, currency",
                )
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let kept: Vec<(i64, String, i64, i64)> = {
            let conn = l.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT period_start, currency, amount, orders FROM budget_usage
                     WHERE orders > 0 ORDER BY period_start, currency",
                )
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(kept, summed);
    }

    #[test]
    fn in_memory_there_is_nothing_to_sync() {
        let l = SqliteLedger::in_memory().unwrap();
        l.claim(&scope("a"), "h", 1).unwrap();
        l.sync().unwrap();
        assert_eq!(
            l.durability(),
            Durability {
                syncs: 0,
                unsynced_changes: 0
            }
        );
    }

    #[test]
    fn a_key_is_fresh_once_then_in_progress_then_replayed_or_in_conflict() {
        let l = SqliteLedger::in_memory().unwrap();
        let s = scope("k1");
        assert_eq!(l.claim(&s, "h1", 1).unwrap(), Claim::Fresh);
        assert_eq!(l.claim(&s, "h1", 2).unwrap(), Claim::InProgress);
        assert_eq!(l.claim(&s, "h2", 2).unwrap(), Claim::Conflict);
        let done = StoredResponse {
            ok: true,
            body: "{}".into(),
        };
        l.finish(&s, "h1", &done, 3).unwrap();
        assert_eq!(l.claim(&s, "h1", 4).unwrap(), Claim::Replay(done));
        assert_eq!(l.claim(&s, "h2", 4).unwrap(), Claim::Conflict);
        // A released claim (retryable failure) can be taken again.
        let t = scope("k2");
        assert_eq!(l.claim(&t, "h", 5).unwrap(), Claim::Fresh);
        l.release(&t).unwrap();
        assert_eq!(l.claim(&t, "h", 6).unwrap(), Claim::Fresh);
    }

    #[test]
    fn intents_without_a_final_outcome_stay_open() {
        let l = SqliteLedger::in_memory().unwrap();
        let intent = Intent {
            scope: scope("k"),
            supplier: "voltaic".into(),
            supplier_key: "mrc-1".into(),
            buyer_po: Some("PO-1".into()),
            request: "{}".into(),
        };
        let a = l.record_intent(&intent, 1).unwrap();
        let b = l.record_intent(&intent, 2).unwrap();
        let c = l.record_intent(&intent, 3).unwrap();
        l.record_outcome(a, &Outcome::Placed("ORD-1".into()), 4)
            .unwrap();
        l.record_outcome(b, &Outcome::Unknown("timeout".into()), 4)
            .unwrap();
        let open: Vec<i64> = l.open_intents().unwrap().iter().map(|i| i.id).collect();
        assert_eq!(open, [b, c]);
        let (last, outcome) = l.last_intent(&scope("k")).unwrap().unwrap();
        assert_eq!((last.id, outcome), (c, None));
    }

    #[test]
    fn the_schema_survives_reopening_and_the_audit_trail_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        {
            let l = SqliteLedger::open(&path).unwrap();
            l.audit(&AuditEntry {
                at: 1,
                client: "bot".into(),
                operation: "place-order".into(),
                target: "voltaic/ORD-1".into(),
                outcome: "ok".into(),
                detail: String::new(),
            })
            .unwrap();
        }
        let l = SqliteLedger::open(&path).unwrap();
        assert_eq!(l.audit_trail().unwrap().len(), 1);
        let e = l.conn().execute("DELETE FROM audit", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let e = l
            .conn()
            .execute("UPDATE audit SET outcome = 'forged'", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}
