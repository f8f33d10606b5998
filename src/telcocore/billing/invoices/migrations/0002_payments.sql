-- Customers' payments: pending, settled or failed, each allocated to invoices.
CREATE TABLE invoice_payments (
    id {sorted_text} PRIMARY KEY,
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL,
    received_at {instant} NOT NULL,
    version INTEGER NOT NULL,
    document {json} NOT NULL
);
CREATE INDEX invoice_payments_by_account ON invoice_payments (account_id, received_at, id);
