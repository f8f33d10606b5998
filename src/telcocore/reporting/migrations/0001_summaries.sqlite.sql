-- Summaries of posted calls: one row per account, grain (hour, day, month), UTC period
-- start, rate prefix and classification. Counts and sums only: ASR and ACD are computed
-- when read. cost and costed_charge cover the costed_calls whose provider cost is known
-- (in the charge's currency); the others claim no profit.
-- On SQLite the table is WITHOUT ROWID: the primary key is the table, one b-tree to write.
CREATE TABLE summaries (
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
    PRIMARY KEY (account_id, grain, period_start, prefix, classification)
) WITHOUT ROWID;
