-- Numbering: the number range, internal blocks, extensions, block lists and DIDs.
-- Numbers of the internal range are BIGINT; instants TIMESTAMPTZ.

-- The one row of range parameters (NULL until set) and the assignment counter:
-- every unit that assigns or releases blocks updates this row first.
CREATE TABLE number_range (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    start_number BIGINT,
    block_size BIGINT CHECK (block_size >= 1),
    end_number BIGINT,
    generation BIGINT NOT NULL,
    next_index BIGINT NOT NULL
);
INSERT INTO number_range (id, generation, next_index) VALUES (1, 0, 0);

-- Starts of released blocks, under the current parameters; the lowest is MIN(first_number).
CREATE TABLE number_free (
    first_number BIGINT PRIMARY KEY
);

CREATE TABLE number_blocks (
    first_number BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    generation BIGINT NOT NULL,
    assigned_at TIMESTAMPTZ NOT NULL,
    CHECK (last_number >= first_number)
);
CREATE INDEX number_blocks_by_account ON number_blocks (account_id, first_number);

CREATE TABLE extensions (
    name TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX extensions_by_account ON extensions (account_id, name);

CREATE TABLE block_list (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    pattern TEXT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    note TEXT,
    PRIMARY KEY (account_id, pattern)
);

CREATE TABLE dids (
    number TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    did_class TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    activated_at TIMESTAMPTZ,
    deactivated_at TIMESTAMPTZ
);
CREATE INDEX dids_by_account ON dids (account_id, number);
