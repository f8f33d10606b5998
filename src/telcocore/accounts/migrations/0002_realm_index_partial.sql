-- The realm's unique index leaves out the accounts without one (NULLs never clashed
-- anyway). Being partial, it is no key PostgreSQL could make a foreign key to: an UPDATE
-- that changes an account's realm then locks the row as any other change does (FOR NO KEY
-- UPDATE), not as a change of its key (FOR UPDATE), which would wait for every posting
-- that referenced the account (a foreign key's KEY SHARE) while that posting waits for the
-- change's balance row: a deadlock.
DROP INDEX accounts_realm;
CREATE UNIQUE INDEX accounts_realm ON accounts (realm) WHERE realm IS NOT NULL;
