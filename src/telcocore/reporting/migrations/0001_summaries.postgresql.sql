-- Summaries of posted calls: one row per account, grain (hour, day, month), UTC period
-- start, rate prefix and classification. Counts and sums only: ASR and ACD are computed
-- when read. cost and costed_charge cover the costed_calls whose provider cost is known
-- (in the charge's currency); the others claim no profit.
CREATE TABLE summaries (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    grain TEXT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    prefix TEXT COLLATE "C" NOT NULL,
    classification TEXT NOT NULL,
    description TEXT NOT NULL,
    currency TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    connected BIGINT NOT NULL,
    duration NUMERIC NOT NULL,
    billed_seconds BIGINT NOT NULL,
    charge NUMERIC NOT NULL,
    costed_calls BIGINT NOT NULL,
    cost NUMERIC NOT NULL,
    costed_charge NUMERIC NOT NULL,
    PRIMARY KEY (account_id, grain, period_start, prefix, classification)
);
