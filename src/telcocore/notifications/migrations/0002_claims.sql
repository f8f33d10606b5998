-- Claims: a worker takes a message with a fresh claim token before sending it, and records
-- the outcome only while the row still holds that token and is unsent. A send that outlived
-- its lease therefore cannot overwrite what the worker that claimed the message next recorded.
-- (A token is compared for equality only: plain TEXT on both databases, no type macro.)

ALTER TABLE outbox ADD COLUMN claim_token TEXT;
