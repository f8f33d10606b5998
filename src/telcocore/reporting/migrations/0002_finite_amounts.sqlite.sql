-- The summed amounts are plain decimal numbers, as PostgreSQL's check says of its own: the
-- text of a finite decimal has digits, a point, a sign and an exponent, never NaN's or
-- Infinity's letters. SQLite cannot add a check to a table: it is rebuilt (the migration
-- runs with foreign key enforcement off and checks every foreign key before it commits).
CREATE TABLE summaries_new (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    grain TEXT NOT NULL,
    period_start TEXT NOT NULL,
    prefix TEXT NOT NULL,
    classification TEXT NOT NULL,
    description TEXT NOT NULL,
    currency TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    connected INTEGER NOT NULL,
    duration TEXT NOT NULL,
    billed_seconds INTEGER NOT NULL,
    charge TEXT NOT NULL,
    costed_calls INTEGER NOT NULL,
    cost TEXT NOT NULL,
    costed_charge TEXT NOT NULL,
    PRIMARY KEY (account_id, grain, period_start, prefix, classification),
    CONSTRAINT summaries_amounts_finite CHECK (
        duration <> '' AND duration NOT GLOB '*[^0-9.Ee+-]*'
        AND charge <> '' AND charge NOT GLOB '*[^0-9.Ee+-]*'
        AND cost <> '' AND cost NOT GLOB '*[^0-9.Ee+-]*'
        AND costed_charge <> '' AND costed_charge NOT GLOB '*[^0-9.Ee+-]*'
    )
) WITHOUT ROWID;
INSERT INTO summaries_new (account_id, grain, period_start, prefix, classification,
                           description, currency, attempts, connected, duration,
                           billed_seconds, charge, costed_calls, cost, costed_charge)
    SELECT account_id, grain, period_start, prefix, classification, description, currency,
           attempts, connected, duration, billed_seconds, charge, costed_calls, cost,
           costed_charge
    FROM summaries;
DROP TABLE summaries;
ALTER TABLE summaries_new RENAME TO summaries;
