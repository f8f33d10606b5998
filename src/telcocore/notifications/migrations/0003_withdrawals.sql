-- Withdrawals: a message that must never be delivered (a generated password queued for a
-- login email the contact no longer has) stays in the outbox, its secrets erased, with the
-- instant it was withdrawn and why (in last_error); sent_at stays NULL. It is neither
-- pending nor due, so no worker claims it and a worker that claimed it before cannot
-- record it sent.

ALTER TABLE outbox ADD COLUMN withdrawn_at {instant};
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (position) WHERE sent_at IS NULL AND withdrawn_at IS NULL;
