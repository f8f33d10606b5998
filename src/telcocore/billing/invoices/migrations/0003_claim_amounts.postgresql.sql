-- What an invoice billed for each claim when it was generated: the usage row's charge as it
-- stood then (unrounded), or the ledger transaction's line, in the invoice's currency. A
-- usage row keeps growing after it is claimed (calls imported late for a day already
-- invoiced), so the invoice's daily usage is read from here, not from the row. NULL on the
-- claims made before this migration. A finite number, as the summaries' amounts are.
ALTER TABLE invoice_claims ADD COLUMN amount NUMERIC CONSTRAINT invoice_claims_amount_finite
    CHECK (amount::text NOT IN ('NaN', 'Infinity', '-Infinity'));
