-- A system balance is summed from this index alone: SQLite keeps the amount as a key.
CREATE INDEX system_postings_by_account ON system_postings (ledger_account, currency, amount);
