-- The core schema: accounts, the double-entry ledger and the outbox.
-- Ids that are listed in order use the "C" collation, so they sort by code point
-- everywhere, whatever the database's locale.

CREATE TABLE accounts (
    id TEXT COLLATE "C" PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    document JSONB NOT NULL
);
CREATE INDEX accounts_by_status ON accounts (status, id);

-- One row per customer account: its balance and the number of postings so far.
CREATE TABLE balances (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    currency TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    seq BIGINT NOT NULL
);

CREATE TABLE ledger_transactions (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    reverses TEXT UNIQUE REFERENCES ledger_transactions (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    document JSONB NOT NULL
);

-- The customer side of each transaction, with the balance after it (the history).
CREATE TABLE ledger_entries (
    account_id TEXT NOT NULL REFERENCES balances (account_id),
    seq BIGINT NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    currency TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    balance_after NUMERIC NOT NULL,
    description TEXT NOT NULL,
    reverses TEXT,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX ledger_entries_by_time ON ledger_entries (account_id, created_at);

-- The system side of each transaction (@cash, @revenue, ...): system balances are sums,
-- so no row is updated by every transaction.
CREATE TABLE system_postings (
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    position INTEGER NOT NULL,
    ledger_account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    PRIMARY KEY (transaction_id, position)
);
CREATE INDEX system_postings_by_account ON system_postings (ledger_account, currency) INCLUDE (amount);

CREATE TABLE outbox (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    message JSONB NOT NULL,
    attempts INTEGER NOT NULL,
    sent_at TIMESTAMPTZ,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (position) WHERE sent_at IS NULL;
