-- The database keeps each balance's account version, whoever changes the account: this
-- library, a process of an earlier release that never wrote the version, or plain SQL.
-- Every UPDATE that changes an account's version writes it on the account's balance in
-- the same statement, so in the change's transaction, after the account row.
CREATE TRIGGER accounts_version_to_balance
AFTER UPDATE OF version ON accounts
FOR EACH ROW WHEN NEW.version IS NOT OLD.version
BEGIN
    UPDATE balances SET account_version = NEW.version WHERE account_id = NEW.id;
END;
-- A balance whose account a process of an earlier release changed after the version was
-- written is brought up to date (the migration holds the write lock: no change comes
-- in between).
UPDATE balances SET account_version = (
    SELECT version FROM accounts WHERE accounts.id = balances.account_id
)
WHERE account_version IS NOT (
    SELECT version FROM accounts WHERE accounts.id = balances.account_id
);
