-- Fewer bytes per posting. Only a reversal has `reverses`: the unique index on it leaves out
-- the NULL of every other transaction.
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_reverses_key;
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses)
    WHERE reverses IS NOT NULL;
