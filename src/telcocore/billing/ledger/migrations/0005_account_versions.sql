-- The version of the account whose rules (status, debit limit, alert threshold) the ledger
-- judges postings by, kept on its balance row. Every change of an account writes it in
-- the same transaction, so the change and a debit meet on the balance row's lock, which
-- the debit's conditional UPDATE takes anyway; the debit moves the balance only while the
-- version it judged by is still the stored one.
ALTER TABLE balances ADD COLUMN account_version INTEGER NOT NULL DEFAULT 0;
UPDATE balances SET account_version = (
    SELECT version FROM accounts WHERE accounts.id = balances.account_id
);
