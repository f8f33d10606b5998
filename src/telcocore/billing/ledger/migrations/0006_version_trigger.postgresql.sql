-- The database keeps each balance's account version, whoever changes the account: this
-- library, a process of an earlier release that never wrote the version, or plain SQL.
-- Every UPDATE that changes an account's version writes it on the account's balance in
-- the same statement, so in the change's transaction, after the account row (the order
-- every change locks them in). The balances are those of the accounts table's own
-- schema, whatever the writer's search_path.
CREATE FUNCTION accounts_version_to_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'UPDATE %I.balances SET account_version = $1 WHERE account_id = $2', TG_TABLE_SCHEMA
    ) USING NEW.version, NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_version_to_balance
AFTER UPDATE OF version ON accounts
FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version)
EXECUTE FUNCTION accounts_version_to_balance();
-- A balance whose account a process of an earlier release changed after the version was
-- written is brought up to date. Creating the trigger locked the accounts table against
-- changes until the migration commits, so none is missed in between: one that committed
-- before is seen here, one that waits fires the trigger.
UPDATE balances AS b SET account_version = a.version
FROM accounts AS a
WHERE a.id = b.account_id AND b.account_version <> a.version;
