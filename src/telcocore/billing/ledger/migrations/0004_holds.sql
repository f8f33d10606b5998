-- Holds (reservations): credit set aside for usage in progress, such as a call.
-- The sum of an account's holds is kept on its balance row, so a debit checks
-- balance - held - cost >= -debit_limit in the one statement that moves the balance.
ALTER TABLE balances ADD COLUMN held {decimal} NOT NULL DEFAULT '0';

CREATE TABLE ledger_holds (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES balances (account_id),
    currency TEXT NOT NULL,
    amount {decimal} NOT NULL,
    created_at {instant} NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX ledger_holds_by_account ON ledger_holds (account_id, created_at);
