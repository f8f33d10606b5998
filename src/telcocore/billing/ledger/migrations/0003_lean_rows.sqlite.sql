-- Fewer bytes and fewer b-trees per posting. Each table of a posting is rebuilt (SQLite cannot
-- change a table's constraints in place; the migration runs with foreign key enforcement
-- off and checks every foreign key before it commits):
-- - WITHOUT ROWID: the rows are stored in their primary key's b-tree, not in a rowid b-tree
--   beside a second b-tree for the key, so a posting writes one b-tree fewer per table;
-- - only a reversal has `reverses`: the unique index on it leaves out the NULL of every
--   other transaction.

CREATE TABLE ledger_transactions_new (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    reverses TEXT REFERENCES ledger_transactions (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO ledger_transactions_new (id, idempotency_key, reverses, account_id, kind, created_at, seq)
    SELECT id, idempotency_key, reverses, account_id, kind, created_at, seq
    FROM ledger_transactions;
DROP TABLE ledger_transactions;
ALTER TABLE ledger_transactions_new RENAME TO ledger_transactions;
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses)
    WHERE reverses IS NOT NULL;

CREATE TABLE ledger_entries_new (
    account_id TEXT NOT NULL REFERENCES balances (account_id),
    seq INTEGER NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    balance_after TEXT NOT NULL,
    description TEXT NOT NULL,
    reverses TEXT,
    PRIMARY KEY (account_id, seq)
) WITHOUT ROWID;
INSERT INTO ledger_entries_new (account_id, seq, transaction_id, kind, created_at, currency,
                                amount, balance_after, description, reverses)
    SELECT account_id, seq, transaction_id, kind, created_at, currency,
           amount, balance_after, description, reverses
    FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
CREATE INDEX ledger_entries_by_time ON ledger_entries (account_id, created_at);

CREATE TABLE system_postings_new (
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    position INTEGER NOT NULL,
    ledger_account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (transaction_id, position)
) WITHOUT ROWID;
INSERT INTO system_postings_new (transaction_id, position, ledger_account, currency, amount)
    SELECT transaction_id, position, ledger_account, currency, amount FROM system_postings;
DROP TABLE system_postings;
ALTER TABLE system_postings_new RENAME TO system_postings;
CREATE INDEX system_postings_by_account ON system_postings (ledger_account, currency, amount);
