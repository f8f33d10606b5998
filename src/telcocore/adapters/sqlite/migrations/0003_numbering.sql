-- Numbering: the number range, internal blocks, extensions, block lists and DIDs.
-- Numbers of the internal range are INTEGER; instants fixed-width UTC TEXT.

-- The one row of range parameters (NULL until set) and the assignment counter:
-- every unit that assigns or releases blocks updates this row first.
CREATE TABLE number_range (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    start_number INTEGER,
    block_size INTEGER CHECK (block_size >= 1),
    end_number INTEGER,
    generation INTEGER NOT NULL,
    next_index INTEGER NOT NULL
);
INSERT INTO number_range (id, generation, next_index) VALUES (1, 0, 0);

-- Starts of released blocks, under the current parameters; the lowest is MIN(first_number).
CREATE TABLE number_free (
    first_number INTEGER PRIMARY KEY
);

CREATE TABLE number_blocks (
    first_number INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    generation INTEGER NOT NULL,
    assigned_at TEXT NOT NULL,
    CHECK (last_number >= first_number)
);
CREATE INDEX number_blocks_by_account ON number_blocks (account_id, first_number);

CREATE TABLE extensions (
    name TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX extensions_by_account ON extensions (account_id, name);

CREATE TABLE block_list (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    pattern TEXT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (account_id, pattern)
);

CREATE TABLE dids (
    number TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    did_class TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    activated_at TEXT,
    deactivated_at TEXT
);
CREATE INDEX dids_by_account ON dids (account_id, number);
