-- A contact is a JSON document; its lower-cased email is unique across every account,
-- so two writers cannot both add the same login.

CREATE TABLE contacts (
    id {sorted_text} PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    email_key {sorted_text} NOT NULL UNIQUE,
    version {bigint} NOT NULL,
    document {json} NOT NULL
);
CREATE INDEX contacts_by_account ON contacts (account_id, email_key);
