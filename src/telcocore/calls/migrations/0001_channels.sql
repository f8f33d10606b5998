-- Channels in use: one row per call in progress, from its start to its end (or until the
-- reaper releases it). hold_id names the ledger hold placed for the call, if any.
CREATE TABLE call_channels (
    call_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    started_at {instant} NOT NULL,
    hold_id TEXT
);
-- Counting and listing an account's calls in progress.
CREATE INDEX call_channels_by_account ON call_channels (account_id, started_at);
-- The reaper: calls started before a time.
CREATE INDEX call_channels_by_start ON call_channels (started_at);
