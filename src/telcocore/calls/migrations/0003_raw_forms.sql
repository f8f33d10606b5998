-- The column names of a call record's source fields, stored once per form of file (the
-- columns an importer read) rather than in every row. A record read by an importer stores
-- its fields as a JSON array of values in the order of its form's names; one whose fields
-- came any other way (and every row stored before this migration) has no form, and its
-- fields are a JSON object by name, as before.
CREATE TABLE call_record_forms (
    id {serial} PRIMARY KEY,
    names {json} NOT NULL UNIQUE
);
ALTER TABLE call_records ADD COLUMN raw_form {bigint} REFERENCES call_record_forms (id);
