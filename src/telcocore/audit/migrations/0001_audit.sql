-- The audit log: a hash chain of entries numbered from 1, and its head in one row.
-- The patch is JSON text (never a JSON type), kept byte for byte as it was hashed.

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq {bigint} NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entries (
    seq {bigint} PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at {instant} NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    patch TEXT NOT NULL,
    reason TEXT,
    source_ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_entity ON audit_entries (entity_type, entity_key, seq);
CREATE INDEX audit_by_actor ON audit_entries (actor, seq);
CREATE INDEX audit_by_time ON audit_entries (at);
