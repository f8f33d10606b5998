-- Accounts: a JSON document each, with the columns lists and lookups need.
-- The realm is lower-cased, as a column so two accounts cannot share it.

CREATE TABLE accounts (
    id {sorted_text} PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    document {json} NOT NULL,
    realm TEXT
);
CREATE INDEX accounts_by_status ON accounts (status, id);
CREATE UNIQUE INDEX accounts_realm ON accounts (realm);
