-- The column names of a call record's source fields, stored once per form of file (the
-- columns an importer read) rather than in every row. A record read by an importer stores
-- its fields as a JSON array of values in the order of its form's names; one whose fields
-- came any other way (and every row stored before this migration) has no form, and its
-- fields are a JSON object by name, as before. A form is found by the SHA-256 of its names'
-- JSON text (digest): the names of a wide header are longer than PostgreSQL's b-tree takes
-- in a unique index.
CREATE TABLE call_record_forms (
    id {serial} PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    names {json} NOT NULL
);
ALTER TABLE call_records ADD COLUMN raw_form {bigint} REFERENCES call_record_forms (id);
