-- Media files and recordings (their metadata; the bytes are in the blob store, under the
-- id), and each account's media settings.

CREATE TABLE media_items (
    id {sorted_text} PRIMARY KEY,
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size {bigint} NOT NULL,
    sha256 TEXT NOT NULL,
    created_at {instant} NOT NULL,
    call_id TEXT,
    caller TEXT,
    callee TEXT,
    started_at {instant},
    stem {sorted_text},
    seq INTEGER,
    sort_at {instant} NOT NULL,
    state TEXT NOT NULL
);
CREATE UNIQUE INDEX media_items_by_name ON media_items (account_id, stem, seq);
CREATE INDEX media_items_by_time ON media_items (account_id, kind, sort_at, id);
CREATE INDEX media_items_deleting ON media_items (state) WHERE state = 'deleting';

-- The last number given to a recording name of an account (1 for the name without _n),
-- taken by one atomic upsert so that recordings stored at once never share a name.
CREATE TABLE media_names (
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    stem {sorted_text} NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (account_id, stem)
);

CREATE TABLE media_settings (
    account_id {sorted_text} PRIMARY KEY REFERENCES accounts (id),
    retention_days INTEGER NOT NULL
);
