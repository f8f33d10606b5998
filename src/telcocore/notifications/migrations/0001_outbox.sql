-- The outbox: messages to send, in the order they were queued. A message that failed is
-- due again at next_attempt_at (NULL: at once).

CREATE TABLE outbox (
    position {serial} PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    message {json} NOT NULL,
    attempts INTEGER NOT NULL,
    sent_at {instant},
    last_error TEXT,
    next_attempt_at {instant}
);
CREATE INDEX outbox_pending ON outbox (position) WHERE sent_at IS NULL;
