-- Invoices, the claims on what they bill, their issuers' counters and the schedules.

-- An issuer's settings and the last sequence number it handed out: a new invoice updates
-- this row in its own transaction, so numbers have no gaps.
CREATE TABLE invoice_issuers (
    name {sorted_text} PRIMARY KEY,
    number_format TEXT NOT NULL,
    payment_terms_days INTEGER NOT NULL,
    last_seq INTEGER NOT NULL
);

CREATE TABLE invoices (
    id {sorted_text} PRIMARY KEY,
    number {sorted_text} NOT NULL UNIQUE,
    issuer {sorted_text} NOT NULL REFERENCES invoice_issuers (name),
    seq INTEGER NOT NULL,
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL,
    period_start {instant} NOT NULL,
    period_end {instant} NOT NULL,
    generated_at {instant} NOT NULL,
    version INTEGER NOT NULL,
    document {json} NOT NULL,
    UNIQUE (issuer, seq)
);
CREATE INDEX invoices_by_account ON invoices (account_id, generated_at, issuer, seq);
CREATE INDEX invoices_by_generation ON invoices (generated_at, issuer, seq);

-- What an invoice that is not void bills: a usage row ("usage|account|day|prefix|class") or
-- a ledger transaction ("transaction|id"). The primary key keeps it on one invoice only.
CREATE TABLE invoice_claims (
    claim {sorted_text} PRIMARY KEY,
    invoice_id {sorted_text} NOT NULL REFERENCES invoices (id)
);
CREATE INDEX invoice_claims_by_invoice ON invoice_claims (invoice_id);

CREATE TABLE invoice_schedules (
    account_id {sorted_text} PRIMARY KEY REFERENCES accounts (id),
    document {json} NOT NULL
);

-- The periods a schedule's run invoiced: one row each, so a run is made once.
CREATE TABLE invoice_schedule_runs (
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    period_start {instant} NOT NULL,
    period_end {instant} NOT NULL,
    PRIMARY KEY (account_id, period_start)
);
