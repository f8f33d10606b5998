-- The double-entry ledger. A transaction is stored as rows only: its customer side is its
-- ledger entry (found by the account and the entry's seq), its other sides its system
-- postings.

-- One row per customer account: its balance and the number of postings so far.
CREATE TABLE balances (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    currency TEXT NOT NULL,
    amount {decimal} NOT NULL,
    seq {bigint} NOT NULL
);

CREATE TABLE ledger_transactions (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    reverses TEXT UNIQUE REFERENCES ledger_transactions (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    created_at {instant} NOT NULL,
    seq {bigint} NOT NULL
);

-- The customer side of each transaction, with the balance after it (the history).
CREATE TABLE ledger_entries (
    account_id TEXT NOT NULL REFERENCES balances (account_id),
    seq {bigint} NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    kind TEXT NOT NULL,
    created_at {instant} NOT NULL,
    currency TEXT NOT NULL,
    amount {decimal} NOT NULL,
    balance_after {decimal} NOT NULL,
    description TEXT NOT NULL,
    reverses TEXT,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX ledger_entries_by_time ON ledger_entries (account_id, created_at);

-- The system side of each transaction (@cash, @revenue, ...): system balances are sums,
-- so no row is updated by every transaction. Their index is in migration 2.
CREATE TABLE system_postings (
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    position INTEGER NOT NULL,
    ledger_account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount {decimal} NOT NULL,
    PRIMARY KEY (transaction_id, position)
);
