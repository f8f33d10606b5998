-- A transaction is stored as rows only. Its customer side is its ledger entry, found by the
-- account and the entry's seq; its other sides are its system postings. The JSON document
-- repeated both, and cost a large row on every posting.
ALTER TABLE ledger_transactions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE ledger_transactions SET seq = (
    SELECT e.seq FROM ledger_entries AS e
    WHERE e.account_id = ledger_transactions.account_id
      AND e.transaction_id = ledger_transactions.id
);
-- An entry's amount was written as after - before, which can carry more decimal places
-- than the amount given ('-0.0100' for '-0.01'); take it as given, from the document.
UPDATE ledger_entries SET amount = (
    SELECT json_extract(p.value, '$.amount.amount')
    FROM ledger_transactions AS t, json_each(t.document, '$.postings') AS p
    WHERE t.id = ledger_entries.transaction_id
      AND json_extract(p.value, '$.ledger_account') = ledger_entries.account_id
);
ALTER TABLE ledger_transactions DROP COLUMN document;
