-- A system balance is summed from this index alone: PostgreSQL carries the amount along.
CREATE INDEX system_postings_by_account ON system_postings (ledger_account, currency) INCLUDE (amount);
