//! The PostgreSQL ledger: one database shared by several `mercato serve` replicas.
//!
//! The `postgres` crate (the blocking client over tokio-postgres), one connection per host
//! behind a mutex; the order desk calls it on the blocking pool. Guarantees across replicas come
//! from the database: a claim is an `INSERT … ON CONFLICT DO NOTHING` on the key's primary
//! key, a budget reservation takes a transaction-scoped advisory lock on its mandate before
//! summing, approvals move state with a conditional `UPDATE`, and migrations run under an
//! exclusive lock so two replicas starting together apply each once.

use super::*;
use ::postgres::{Client, NoTls, Row};
use mercato_contract::now_ms;
use std::sync::Mutex;

/// Schema migrations, in order; the same logical schema as the SQLite ledger.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
    CREATE TABLE idempotency (
        client TEXT NOT NULL, operation TEXT NOT NULL, key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done')),
        status INTEGER, response TEXT,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
        PRIMARY KEY (client, operation, key)
    );
    CREATE TABLE intents (
        id BIGSERIAL PRIMARY KEY,
        client TEXT NOT NULL, operation TEXT NOT NULL, key TEXT NOT NULL,
        supplier TEXT NOT NULL, supplier_key TEXT NOT NULL, buyer_po TEXT,
        request TEXT NOT NULL, created_at BIGINT NOT NULL,
        outcome TEXT, outcome_at BIGINT
    );
    CREATE INDEX intents_by_key ON intents (client, operation, key);
    CREATE TABLE orders (
        supplier TEXT NOT NULL, order_id TEXT NOT NULL, client TEXT NOT NULL,
        buyer_po TEXT NOT NULL, quote_id TEXT, currency TEXT NOT NULL,
        grand_total BIGINT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
        PRIMARY KEY (supplier, order_id)
    );
    CREATE TABLE order_status (
        id BIGSERIAL PRIMARY KEY, supplier TEXT NOT NULL, order_id TEXT NOT NULL,
        status TEXT NOT NULL, at BIGINT NOT NULL
    );
    CREATE TABLE quotes (
        supplier TEXT NOT NULL, quote_id TEXT NOT NULL, client TEXT NOT NULL,
        status TEXT NOT NULL, valid_until BIGINT, currency TEXT NOT NULL,
        grand_total BIGINT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL,
        PRIMARY KEY (supplier, quote_id)
    );
    CREATE TABLE audit (
        id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, client TEXT NOT NULL,
        operation TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    ",
    ),
    (
        2,
        "
    CREATE TABLE reservations (
        id BIGSERIAL PRIMARY KEY, mandate TEXT NOT NULL, period_start BIGINT NOT NULL,
        client TEXT NOT NULL, supplier TEXT NOT NULL, order_id TEXT,
        currency TEXT NOT NULL, amount BIGINT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'settled', 'released')),
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
    );
    CREATE INDEX reservations_by_period ON reservations (mandate, period_start);
    CREATE INDEX reservations_by_order ON reservations (supplier, order_id);
    ",
    ),
    (
        3,
        "
    CREATE TABLE approvals (
        id TEXT PRIMARY KEY, client TEXT NOT NULL, key TEXT NOT NULL,
        supplier TEXT NOT NULL, request TEXT NOT NULL, mandate TEXT NOT NULL,
        rule TEXT NOT NULL,
        state TEXT NOT NULL
            CHECK (state IN ('pending', 'approved', 'rejected', 'placed', 'failed')),
        created_at BIGINT NOT NULL, decided_by TEXT, decided_at BIGINT, note TEXT,
        order_id TEXT
    );
    CREATE INDEX approvals_by_state ON approvals (state, created_at);
    ",
    ),
    (
        4,
        "
    CREATE TABLE mandates (
        id TEXT NOT NULL, client TEXT NOT NULL, digest TEXT NOT NULL,
        definition TEXT NOT NULL, first_seen BIGINT NOT NULL,
        PRIMARY KEY (id, digest)
    );
    ",
    ),
    (
        5,
        "
    -- What each mandate has spent or holds reserved, per period and currency, kept by a
    -- trigger: a budget check reads one row instead of summing the period's reservations.
    CREATE TABLE budget_usage (
        mandate TEXT NOT NULL, period_start BIGINT NOT NULL, currency TEXT NOT NULL,
        amount BIGINT NOT NULL, orders BIGINT NOT NULL,
        PRIMARY KEY (mandate, period_start, currency)
    );
    INSERT INTO budget_usage
        SELECT mandate, period_start, currency, SUM(amount), COUNT(*) FROM reservations
        WHERE state IN ('reserved', 'settled') GROUP BY mandate, period_start, currency;
    CREATE FUNCTION budget_usage_track() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF OLD.state IN ('reserved', 'settled') THEN
                UPDATE budget_usage SET amount = amount - OLD.amount, orders = orders - 1
                WHERE mandate = OLD.mandate AND period_start = OLD.period_start
                  AND currency = OLD.currency;
            END IF;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            IF NEW.state IN ('reserved', 'settled') THEN
                INSERT INTO budget_usage
                VALUES (NEW.mandate, NEW.period_start, NEW.currency, NEW.amount, 1)
                ON CONFLICT (mandate, period_start, currency) DO UPDATE
                SET amount = budget_usage.amount + EXCLUDED.amount,
                    orders = budget_usage.orders + 1;
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER budget_usage_track
        AFTER INSERT OR UPDATE OF state, amount, mandate, period_start, currency
        OR DELETE ON reservations
        FOR EACH ROW EXECUTE FUNCTION budget_usage_track();
    ",
    ),
    (
        6,
        "
    ALTER TABLE reservations ADD COLUMN cap BIGINT;
    UPDATE reservations SET cap = amount;
    ALTER TABLE reservations ADD COLUMN intent_id BIGINT;
    CREATE INDEX reservations_by_intent ON reservations (intent_id);
    CREATE TABLE order_collisions (
        id BIGSERIAL PRIMARY KEY, supplier TEXT NOT NULL, order_id TEXT NOT NULL,
        client TEXT NOT NULL, buyer_po TEXT NOT NULL, body TEXT NOT NULL,
        recorded_at BIGINT NOT NULL
    );
    CREATE TABLE invoices (
        supplier TEXT NOT NULL, invoice_id TEXT NOT NULL, order_id TEXT NOT NULL,
        client TEXT NOT NULL, credit_note BOOLEAN NOT NULL, currency TEXT NOT NULL,
        grand_total BIGINT NOT NULL, body TEXT NOT NULL, recorded_at BIGINT NOT NULL,
        PRIMARY KEY (supplier, invoice_id)
    );
    CREATE INDEX invoices_by_order ON invoices (supplier, order_id);
    ALTER TABLE approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'order'
        CHECK (kind IN ('order', 'review'));
    ALTER TABLE approvals ADD COLUMN reservation_id BIGINT;
    -- What the approver sees of the order: the lines as priced, the cap, the cost.
    ALTER TABLE approvals ADD COLUMN summary TEXT;
    ",
    ),
];

/// Claims left running longer than this with no open intent are orphans of a stopped
/// replica; younger ones may belong to a live request on another replica.
const ORPHAN_AFTER_MS: i64 = 10 * 60 * 1000;

/// A ledger in a PostgreSQL database.
pub struct PostgresLedger {
    // `Option` only so `Drop` can move the client to a plain thread: the blocking client owns
    // a runtime, which must not be dropped inside an async context.
    client: Mutex<Option<Client>>,
}

impl Drop for PostgresLedger {
    fn drop(&mut self) {
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let _ = std::thread::spawn(move || drop(client)).join();
    }
}

impl std::fmt::Debug for PostgresLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLedger").finish_non_exhaustive()
    }
}

fn db(e: ::postgres::Error) -> LedgerError {
    LedgerError::Database(e.to_string())
}

impl PostgresLedger {
    /// Connect with `url` (`postgresql://user@127.0.0.1:5432/mercato` or key=value form) and
    /// bring the schema up to date. Plain TCP: run it on a trusted network or a local socket.
    pub fn connect(url: &str) -> Result<Self, LedgerError> {
        let mut client = Client::connect(url, NoTls).map_err(db)?;
        migrate(&mut client)?;
        Ok(PostgresLedger {
            client: Mutex::new(Some(client)),
        })
    }

    fn client(&self) -> Conn<'_> {
        Conn(self.client.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The locked connection.
struct Conn<'a>(std::sync::MutexGuard<'a, Option<Client>>);

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.0.as_ref().expect("the client is only taken on drop")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("the client is only taken on drop")
    }
}

fn migrate(client: &mut Client) -> Result<(), LedgerError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .map_err(db)?;
    let mut tx = client.transaction().map_err(db)?;
    // Replicas starting together: one migrates, the others wait and find it done.
    tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
        .map_err(db)?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(db)?
        .get(0);
    let known = MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0);
    if current > known {
        return Err(LedgerError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            &[version, &now_ms()],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn open_intent(r: &Row) -> (OpenIntent, Option<String>) {
    (
        OpenIntent {
            id: r.get(0),
            intent: Intent {
                scope: KeyScope {
                    client: r.get(1),
                    operation: r.get(2),
                    key: r.get(3),
                },
                supplier: r.get(4),
                supplier_key: r.get(5),
                buyer_po: r.get(6),
                request: r.get(7),
            },
            at: r.get(8),
        },
        r.get(9),
    )
}

const INTENT_COLUMNS: &str =
    "id, client, operation, key, supplier, supplier_key, buyer_po, request, created_at, outcome";

const APPROVAL_COLUMNS: &str = "id, client, key, supplier, request, mandate, rule, state, \
     created_at, decided_by, decided_at, note, order_id, kind, reservation_id, summary";

fn approval_row(r: &Row) -> Result<Approval, LedgerError> {
    let state: String = r.get(7);
    Ok(Approval {
        id: r.get(0),
        kind: ApprovalKind::parse(r.get(13))?,
        reservation: r.get(14),
        summary: r.get(15),
        client: r.get(1),
        key: r.get(2),
        supplier: r.get(3),
        request: r.get(4),
        mandate: r.get(5),
        rule: r.get(6),
        state: ApprovalState::parse(&state)?,
        created_at: r.get(8),
        decided_by: r.get(9),
        decided_at: r.get(10),
        note: r.get(11),
        order_id: r.get(12),
    })
}

const RESERVATION_COLUMNS: &str = "id, mandate, period_start, client, supplier, order_id, \
     intent_id, currency, COALESCE(cap, amount), amount, state";

fn reservation_row(r: &Row) -> Result<ReservationRecord, LedgerError> {
    let id: i64 = r.get(0);
    let currency = mercato_sdk::exact::Currency::parse(r.get(7))
        .map_err(|e| LedgerError::Corrupt(format!("reservation {id}: {e}")))?;
    Ok(ReservationRecord {
        id,
        mandate: r.get(1),
        period_start: r.get(2),
        client: r.get(3),
        supplier: r.get(4),
        order_id: r.get(5),
        intent: r.get(6),
        cap: mercato_sdk::exact::Money::new(currency, r.get(8)),
        amount: mercato_sdk::exact::Money::new(currency, r.get(9)),
        state: ReservationState::parse(r.get(10))?,
    })
}

impl PostgresLedger {
    /// Orders selected as (client, supplier, body, recorded at) by `query`.
    fn order_records(&self, query: &str) -> Result<Vec<OrderRecord>, LedgerError> {
        self.client()
            .query(query, &[])
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(OrderRecord {
                    client: r.get(0),
                    supplier: r.get(1),
                    order: from_json(r.get::<_, &str>(2))?,
                    created_at: r.get(3),
                })
            })
            .collect()
    }

    fn reservations_where(
        &self,
        filter: &str,
        params: &[&(dyn ::postgres::types::ToSql + Sync)],
    ) -> Result<Vec<ReservationRecord>, LedgerError> {
        self.client()
            .query(
                &format!("SELECT {RESERVATION_COLUMNS} FROM reservations {filter}"),
                params,
            )
            .map_err(db)?
            .iter()
            .map(reservation_row)
            .collect()
    }
}

fn used_in(
    c: &mut impl ::postgres::GenericClient,
    mandate: &str,
    period_start: Timestamp,
    currency: mercato_sdk::exact::Currency,
) -> Result<Used, LedgerError> {
    let row = c
        .query_one(
            "SELECT COALESCE(SUM(amount), 0)::BIGINT, COALESCE(SUM(orders), 0)::BIGINT
             FROM budget_usage
             WHERE mandate = $1 AND period_start = $2 AND currency = $3",
            &[&mandate, &period_start, &currency.code()],
        )
        .map_err(db)?;
    let orders: i64 = row.get(1);
    Ok(Used {
        amount: mercato_sdk::exact::Money::new(currency, row.get(0)),
        orders: u32::try_from(orders).unwrap_or(u32::MAX),
    })
}

impl Ledger for PostgresLedger {
    fn claim(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<Claim, LedgerError> {
        let mut c = self.client();
        let inserted = c
            .execute(
                "INSERT INTO idempotency
                 (client, operation, key, request_hash, state, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'running', $5, $5) ON CONFLICT DO NOTHING",
                &[
                    &scope.client,
                    &scope.operation,
                    &scope.key,
                    &request_hash,
                    &now,
                ],
            )
            .map_err(db)?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let row = c
            .query_one(
                "SELECT request_hash, state, status, response FROM idempotency
                 WHERE client = $1 AND operation = $2 AND key = $3",
                &[&scope.client, &scope.operation, &scope.key],
            )
            .map_err(db)?;
        let (hash, state, status, body): (String, String, Option<i32>, Option<String>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        Ok(if hash != request_hash {
            Claim::Conflict
        } else if state == "running" {
            Claim::InProgress
        } else {
            match (status, body) {
                (Some(status), Some(body)) => {
                    Claim::Replay(StoredResponse::from_row(i64::from(status), body))
                }
                _ => {
                    return Err(LedgerError::Corrupt(format!(
                        "idempotency record {scope} is done without a response"
                    )));
                }
            }
        })
    }

    fn finish(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        response: &StoredResponse,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "INSERT INTO idempotency
                 (client, operation, key, request_hash, state, status, response, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'done', $5, $6, $7, $7)
                 ON CONFLICT (client, operation, key) DO UPDATE SET
                     state = 'done', status = excluded.status, response = excluded.response,
                     updated_at = excluded.updated_at",
                &[
                    &scope.client,
                    &scope.operation,
                    &scope.key,
                    &request_hash,
                    &response.status(),
                    &response.body,
                    &now,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn release(&self, scope: &KeyScope) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "DELETE FROM idempotency
                 WHERE client = $1 AND operation = $2 AND key = $3 AND state = 'running'",
                &[&scope.client, &scope.operation, &scope.key],
            )
            .map_err(db)?;
        Ok(())
    }

    fn release_orphaned_claims(&self) -> Result<usize, LedgerError> {
        let before = now_ms() - ORPHAN_AFTER_MS;
        let n = self
            .client()
            .execute(
                "DELETE FROM idempotency WHERE state = 'running' AND updated_at < $1
                 AND NOT EXISTS (
                     SELECT 1 FROM intents i
                     WHERE i.client = idempotency.client AND i.operation = idempotency.operation
                       AND i.key = idempotency.key
                       AND (i.outcome IS NULL OR i.outcome LIKE 'unknown:%'))",
                &[&before],
            )
            .map_err(db)?;
        Ok(n as usize)
    }

    fn record_intent(&self, intent: &Intent, now: Timestamp) -> Result<i64, LedgerError> {
        let row = self
            .client()
            .query_one(
                "INSERT INTO intents
                 (client, operation, key, supplier, supplier_key, buyer_po, request, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &intent.scope.client,
                    &intent.scope.operation,
                    &intent.scope.key,
                    &intent.supplier,
                    &intent.supplier_key,
                    &intent.buyer_po,
                    &intent.request,
                    &now,
                ],
            )
            .map_err(db)?;
        Ok(row.get(0))
    }

    fn record_outcome(
        &self,
        id: i64,
        outcome: &Outcome,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "UPDATE intents SET outcome = $2, outcome_at = $3 WHERE id = $1",
                &[&id, &outcome.encode(), &now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn open_intents(&self) -> Result<Vec<OpenIntent>, LedgerError> {
        let rows = self
            .client()
            .query(
                &format!(
                    "SELECT {INTENT_COLUMNS} FROM intents
                     WHERE outcome IS NULL OR outcome LIKE 'unknown:%' ORDER BY id"
                ),
                &[],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| open_intent(r).0).collect())
    }

    fn last_intent(
        &self,
        scope: &KeyScope,
    ) -> Result<Option<(OpenIntent, Option<Outcome>)>, LedgerError> {
        let row = self
            .client()
            .query_opt(
                &format!(
                    "SELECT {INTENT_COLUMNS} FROM intents
                     WHERE client = $1 AND operation = $2 AND key = $3 ORDER BY id DESC LIMIT 1"
                ),
                &[&scope.client, &scope.operation, &scope.key],
            )
            .map_err(db)?;
        row.map(|r| {
            let (i, outcome) = open_intent(&r);
            Ok((i, outcome.as_deref().map(Outcome::decode).transpose()?))
        })
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
        let mut c = self.client();
        let mut tx = c.transaction().map_err(db)?;
        // The order id's row, locked; a first insert races only with itself (ON CONFLICT).
        tx.execute(
            "INSERT INTO orders (supplier, order_id, client, buyer_po, quote_id, currency,
                                 grand_total, status, body, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $9, $9)
             ON CONFLICT (supplier, order_id) DO NOTHING",
            &[
                &supplier,
                &order.order_id,
                &client,
                &order.buyer_po,
                &order.quote_id,
                &order.currency,
                &order.totals.grand_total.minor,
                &body,
                &now,
            ],
        )
        .map_err(db)?;
        let (previous, recorded_po): (String, String) = tx
            .query_one(
                "SELECT status, buyer_po FROM orders WHERE supplier = $1 AND order_id = $2
                 FOR UPDATE",
                &[&supplier, &order.order_id],
            )
            .map(|r| (r.get(0), r.get(1)))
            .map_err(db)?;
        if recorded_po != order.buyer_po {
            tx.execute(
                "INSERT INTO order_collisions (supplier, order_id, client, buyer_po, body,
                                               recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &supplier,
                    &order.order_id,
                    &client,
                    &order.buyer_po,
                    &body,
                    &now,
                ],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            return Ok(OrderWrite::Collision { recorded_po });
        }
        tx.execute(
            "UPDATE orders SET status = $3, body = $4, grand_total = $5, updated_at = $6
             WHERE supplier = $1 AND order_id = $2",
            &[
                &supplier,
                &order.order_id,
                &status,
                &body,
                &order.totals.grand_total.minor,
                &now,
            ],
        )
        .map_err(db)?;
        if previous != status {
            tx.execute(
                "INSERT INTO order_status (supplier, order_id, status, at) VALUES ($1, $2, $3, $4)",
                &[&supplier, &order.order_id, &status, &now],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(OrderWrite::Recorded)
    }

    fn collisions(&self) -> Result<Vec<OrderRecord>, LedgerError> {
        self.order_records(
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
        self.client()
            .execute(
                "INSERT INTO invoices (supplier, invoice_id, order_id, client, credit_note,
                                       currency, grand_total, body, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (supplier, invoice_id) DO UPDATE SET
                     body = excluded.body, grand_total = excluded.grand_total,
                     recorded_at = excluded.recorded_at",
                &[
                    &supplier,
                    &invoice.invoice_id,
                    &invoice.order_id,
                    &client,
                    &invoice.is_credit_note,
                    &invoice.totals.grand_total.currency,
                    &invoice.totals.grand_total.minor,
                    &json(invoice)?,
                    &now,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn invoices_for(&self, supplier: &str, order_id: &str) -> Result<Vec<Invoice>, LedgerError> {
        let rows = self
            .client()
            .query(
                "SELECT body FROM invoices WHERE supplier = $1 AND order_id = $2
                 ORDER BY recorded_at, invoice_id",
                &[&supplier, &order_id],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| from_json(r.get::<_, &str>(0)))
            .collect()
    }

    fn order(&self, supplier: &str, order_id: &str) -> Result<Option<OrderRecord>, LedgerError> {
        let row = self
            .client()
            .query_opt(
                "SELECT client, body, created_at FROM orders WHERE supplier = $1 AND order_id = $2",
                &[&supplier, &order_id],
            )
            .map_err(db)?;
        row.map(|r| {
            Ok(OrderRecord {
                client: r.get(0),
                supplier: supplier.to_string(),
                order: from_json(r.get::<_, &str>(1))?,
                created_at: r.get(2),
            })
        })
        .transpose()
    }

    fn order_history(&self, supplier: &str, order_id: &str) -> Result<Vec<String>, LedgerError> {
        let rows = self
            .client()
            .query(
                "SELECT status FROM order_status WHERE supplier = $1 AND order_id = $2 ORDER BY id",
                &[&supplier, &order_id],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn orders(&self) -> Result<Vec<OrderRecord>, LedgerError> {
        self.order_records(
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
        self.client()
            .execute(
                "INSERT INTO quotes (supplier, quote_id, client, status, valid_until, currency,
                                     grand_total, body, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (supplier, quote_id) DO UPDATE SET
                     status = excluded.status, valid_until = excluded.valid_until,
                     grand_total = excluded.grand_total, body = excluded.body,
                     received_at = excluded.received_at",
                &[
                    &supplier,
                    &quote.quote_id,
                    &client,
                    &label(&quote.status),
                    &quote.valid_until,
                    &quote.currency,
                    &quote.totals.grand_total.minor,
                    &json(quote)?,
                    &now,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn quote(&self, supplier: &str, quote_id: &str) -> Result<Option<Quote>, LedgerError> {
        let row = self
            .client()
            .query_opt(
                "SELECT body FROM quotes WHERE supplier = $1 AND quote_id = $2",
                &[&supplier, &quote_id],
            )
            .map_err(db)?;
        row.map(|r| from_json(r.get::<_, &str>(0))).transpose()
    }

    fn audit(&self, e: &AuditEntry) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "INSERT INTO audit (at, client, operation, target, outcome, detail)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &e.at,
                    &e.client,
                    &e.operation,
                    &e.target,
                    &e.outcome,
                    &e.detail,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn audit_trail(&self) -> Result<Vec<AuditEntry>, LedgerError> {
        let rows = self
            .client()
            .query(
                "SELECT at, client, operation, target, outcome, detail FROM audit ORDER BY id",
                &[],
            )
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                client: r.get(1),
                operation: r.get(2),
                target: r.get(3),
                outcome: r.get(4),
                detail: r.get(5),
            })
            .collect())
    }

    fn reserve(
        &self,
        r: &Reservation,
        admit: &mut dyn FnMut(Used) -> bool,
        now: Timestamp,
    ) -> Result<Option<i64>, LedgerError> {
        let mut c = self.client();
        let mut tx = c.transaction().map_err(db)?;
        // One reservation per mandate at a time, across every replica.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&r.mandate])
            .map_err(db)?;
        let used = used_in(&mut tx, &r.mandate, r.period_start, r.amount.currency())?;
        if !admit(used) {
            // Nothing is reserved.
            tx.rollback().map_err(db)?;
            return Ok(None);
        }
        let row = tx
            .query_one(
                "INSERT INTO reservations (mandate, period_start, client, supplier, currency,
                                           amount, cap, intent_id, state, created_at,
                                           updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7, 'reserved', $8, $8) RETURNING id",
                &[
                    &r.mandate,
                    &r.period_start,
                    &r.client,
                    &r.supplier,
                    &r.amount.currency().code(),
                    &r.amount.minor(),
                    &r.intent,
                    &now,
                ],
            )
            .map_err(db)?;
        let id: i64 = row.get(0);
        tx.commit().map_err(db)?;
        Ok(Some(id))
    }

    fn update_reservation(
        &self,
        id: i64,
        change: &ReservationChange,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "UPDATE reservations SET state = $2, order_id = COALESCE($3, order_id),
                        amount = LEAST(COALESCE($4, amount), COALESCE(cap, amount)),
                        updated_at = $5
                 WHERE id = $1",
                &[
                    &id,
                    &change.state.as_str(),
                    &change.order_id,
                    &change.amount,
                    &now,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn reservation(&self, id: i64) -> Result<Option<ReservationRecord>, LedgerError> {
        Ok(self.reservations_where("WHERE id = $1", &[&id])?.pop())
    }

    fn reservation_for_order(
        &self,
        supplier: &str,
        order_id: &str,
    ) -> Result<Option<ReservationRecord>, LedgerError> {
        Ok(self
            .reservations_where(
                "WHERE supplier = $1 AND order_id = $2 ORDER BY id DESC LIMIT 1",
                &[&supplier, &order_id],
            )?
            .pop())
    }

    fn reservation_for_intent(
        &self,
        intent: i64,
    ) -> Result<Option<ReservationRecord>, LedgerError> {
        Ok(self
            .reservations_where("WHERE intent_id = $1 ORDER BY id DESC LIMIT 1", &[&intent])?
            .pop())
    }

    fn reservations(&self) -> Result<Vec<ReservationRecord>, LedgerError> {
        self.reservations_where("ORDER BY id", &[])
    }

    fn used(
        &self,
        mandate: &str,
        period_start: Timestamp,
        currency: mercato_sdk::exact::Currency,
    ) -> Result<Used, LedgerError> {
        used_in(&mut *self.client(), mandate, period_start, currency)
    }

    fn record_mandate(
        &self,
        id: &str,
        client: &str,
        definition: &str,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "INSERT INTO mandates (id, client, digest, definition, first_seen)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id, digest) DO NOTHING",
                &[&id, &client, &digest(definition), &definition, &now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn mandates(&self) -> Result<Vec<(String, String, String, Timestamp)>, LedgerError> {
        let rows = self
            .client()
            .query(
                "SELECT id, client, definition, first_seen FROM mandates ORDER BY first_seen, id",
                &[],
            )
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    fn park(&self, a: &Approval) -> Result<(), LedgerError> {
        self.client()
            .execute(
                "INSERT INTO approvals (id, client, key, supplier, request, mandate, rule, state,
                                        created_at, kind, order_id, reservation_id, summary)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12)",
                &[
                    &a.id,
                    &a.client,
                    &a.key,
                    &a.supplier,
                    &a.request,
                    &a.mandate,
                    &a.rule,
                    &a.created_at,
                    &a.kind.as_str(),
                    &a.order_id,
                    &a.reservation,
                    &a.summary,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn approvals(&self, state: Option<ApprovalState>) -> Result<Vec<Approval>, LedgerError> {
        let state = state.map(ApprovalState::as_str);
        let rows = self
            .client()
            .query(
                &format!(
                    "SELECT {APPROVAL_COLUMNS} FROM approvals
                     WHERE $1::TEXT IS NULL OR state = $1 ORDER BY created_at, id"
                ),
                &[&state],
            )
            .map_err(db)?;
        rows.iter().map(approval_row).collect()
    }

    fn approval(&self, id: &str) -> Result<Option<Approval>, LedgerError> {
        let row = self
            .client()
            .query_opt(
                &format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?;
        row.as_ref().map(approval_row).transpose()
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
            .client()
            .execute(
                "UPDATE approvals SET state = $2,
                        decided_by = COALESCE($3, decided_by),
                        decided_at = CASE WHEN $3::TEXT IS NULL THEN decided_at ELSE $6 END,
                        note = COALESCE($4, note), order_id = COALESCE($5, order_id)
                 WHERE id = $1 AND state = ANY($7)",
                &[&id, &to.as_str(), &by, &note, &order_id, &now, &from],
            )
            .map_err(db)?;
        Ok(changed == 1)
    }
}
