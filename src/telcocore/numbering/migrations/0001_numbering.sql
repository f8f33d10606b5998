-- Numbering: the number range, internal blocks, extensions, block lists and DIDs.

-- The one row of range parameters (NULL until set) and the assignment counter:
-- every unit that assigns or releases blocks updates this row first.
CREATE TABLE number_range (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    start_number {bigint},
    block_size {bigint} CHECK (block_size >= 1),
    end_number {bigint},
    generation {bigint} NOT NULL,
    next_index {bigint} NOT NULL
);
INSERT INTO number_range (id, generation, next_index) VALUES (1, 0, 0);

-- Starts of released blocks, under the current parameters; the lowest is MIN(first_number).
CREATE TABLE number_free (
    first_number {bigint} PRIMARY KEY
);

CREATE TABLE number_blocks (
    first_number {bigint} PRIMARY KEY,
    last_number {bigint} NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    generation {bigint} NOT NULL,
    assigned_at {instant} NOT NULL,
    CHECK (last_number >= first_number)
);
CREATE INDEX number_blocks_by_account ON number_blocks (account_id, first_number);

CREATE TABLE extensions (
    name TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_at {instant} NOT NULL
);
CREATE INDEX extensions_by_account ON extensions (account_id, name);

CREATE TABLE block_list (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    pattern TEXT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at {instant} NOT NULL,
    note TEXT,
    PRIMARY KEY (account_id, pattern)
);

CREATE TABLE dids (
    number TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    did_class TEXT NOT NULL,
    active {boolean} NOT NULL,
    created_at {instant} NOT NULL,
    activated_at {instant},
    deactivated_at {instant}
);
CREATE INDEX dids_by_account ON dids (account_id, number);
