-- Contacts, unique realms and outbox retries.

-- The realm of an account, lower-cased, as a column so two accounts cannot share it.
ALTER TABLE accounts ADD COLUMN realm TEXT;
UPDATE accounts SET realm = lower(document ->> 'realm');
CREATE UNIQUE INDEX accounts_realm ON accounts (realm);

-- A contact is a JSON document; its lower-cased email is unique across every account,
-- so two writers cannot both add the same login.
CREATE TABLE contacts (
    id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    email_key TEXT COLLATE "C" NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    document JSONB NOT NULL
);
CREATE INDEX contacts_by_account ON contacts (account_id, email_key);

-- When a message that failed is due again (NULL: at once).
ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMPTZ;
