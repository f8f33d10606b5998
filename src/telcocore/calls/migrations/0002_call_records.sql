-- Posted call records: one row per call id, stored with its rating and the ledger
-- transaction that charged it. The primary key makes posting a call id twice impossible.
CREATE TABLE call_records (
    call_id {sorted_text} PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    started_at {instant} NOT NULL,
    answered_at {instant},
    ended_at {instant} NOT NULL,
    duration INTEGER NOT NULL,
    billable {decimal} NOT NULL,
    disposition TEXT NOT NULL,
    direction TEXT NOT NULL,
    classification TEXT NOT NULL,
    prefix TEXT NOT NULL,
    description TEXT NOT NULL,
    billed_seconds INTEGER NOT NULL,
    rate_per_minute {decimal} NOT NULL,
    charge {decimal} NOT NULL,
    currency TEXT NOT NULL,
    provider_cost {decimal},
    provider_currency TEXT,
    transaction_id TEXT,
    raw {json} NOT NULL
);
-- An account's calls over a period.
CREATE INDEX call_records_by_account ON call_records (account_id, started_at);
-- The per-minute log: an account's calls of one classification over a period, paged.
CREATE INDEX call_records_by_class ON call_records (account_id, classification, started_at, call_id);
