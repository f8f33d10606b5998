-- A transaction is stored as rows only. Its customer side is its ledger entry, found by the
-- account and the entry's seq; its other sides are its system postings. The JSON document
-- repeated both, and cost a large row on every posting.
ALTER TABLE ledger_transactions ADD COLUMN seq BIGINT;
UPDATE ledger_transactions AS t SET seq = e.seq
FROM ledger_entries AS e
WHERE e.account_id = t.account_id AND e.transaction_id = t.id;
ALTER TABLE ledger_transactions ALTER COLUMN seq SET NOT NULL;
-- An entry's amount was written as after - before, which can carry more decimal places
-- than the amount given (-0.0100 for -0.01); take it as given, from the document.
UPDATE ledger_entries AS e SET amount = (p.value -> 'amount' ->> 'amount')::NUMERIC
FROM ledger_transactions AS t, jsonb_array_elements(t.document -> 'postings') AS p (value)
WHERE t.id = e.transaction_id AND p.value ->> 'ledger_account' = e.account_id;
ALTER TABLE ledger_transactions DROP COLUMN document;
