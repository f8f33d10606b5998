"""Audit entries: hashes, the hash chain, redaction, actors and queries."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from telcocore.audit.model.entry import (
    GENESIS_HASH,
    REDACTED,
    SECRET_FIELDS,
    AuditAction,
    AuditEntry,
    AuditQuery,
    ChainBreak,
    entry_hash,
    redact,
    verify_chain,
)
from telcocore.kernel.actor import SYSTEM, Actor
from telcocore.kernel.errors import ValidationError

AT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def _entry(seq: int = 1, prev_hash: str = GENESIS_HASH, **fields: Any) -> AuditEntry:  # noqa: ANN401
    """A sealed entry ``e-<seq>``, renaming acme to ``v<seq>``, made ``seq`` minutes after AT."""
    values: dict[str, Any] = {
        "id": f"e-{seq}",
        "seq": seq,
        "at": AT + timedelta(minutes=seq),
        "actor": "alice",
        "action": AuditAction.UPDATE,
        "entity_type": "account",
        "entity_key": "acme",
        "patch": [{"op": "replace", "path": "/name", "value": f"v{seq}"}],
        "reason": None,
        "source_ip": None,
        "prev_hash": prev_hash,
    }
    return AuditEntry(**(values | fields)).sealed()


def _fields(field: str, value: object) -> dict[str, Any]:
    return {field: value}


def _chain(length: int) -> list[AuditEntry]:
    """``length`` correctly chained entries, seq 1 to ``length``."""
    entries: list[AuditEntry] = []
    for seq in range(1, length + 1):
        entries.append(_entry(seq, entries[-1].hash if entries else GENESIS_HASH))
    return entries


def _head(entries: list[AuditEntry]) -> tuple[int, str]:
    return entries[-1].seq, entries[-1].hash


# Another value for each hashed field.
CHANGED_FIELDS: list[tuple[str, Any]] = [
    ("id", "e-other"),
    ("seq", 7),
    ("at", AT + timedelta(minutes=1, microseconds=1)),
    ("actor", "mallory"),
    ("action", AuditAction.DELETE),
    ("entity_type", "contact"),
    ("entity_key", "globex"),
    ("patch", [{"op": "replace", "path": "/name", "value": "v2"}]),
    ("reason", "because"),
    ("source_ip", "198.51.100.1"),
    ("prev_hash", "f" * 64),
]

# The fields whose change only the entry's own hash reveals (seq and prev_hash are checked first).
CONTENT_FIELDS = [
    pytest.param(name, value, id=name)
    for name, value in CHANGED_FIELDS
    if name not in {"seq", "prev_hash"}
]


class TestEntryHash:
    """The hash of an entry."""

    def test_it_is_sha256_of_the_canonical_json(self) -> None:
        """Sorted keys, no spaces, UTF-8, every field but the hash."""
        entry = _entry(1, reason="renamed für Kunden", source_ip="192.0.2.7")
        canonical = (
            '{"action":"UPDATE","actor":"alice","at":"2026-03-14T15:10:26+00:00",'
            '"entity_key":"acme","entity_type":"account","id":"e-1",'
            '"patch":[{"op":"replace","path":"/name","value":"v1"}],'
            f'"prev_hash":"{GENESIS_HASH}","reason":"renamed für Kunden","seq":1,'
            '"source_ip":"192.0.2.7"}'
        )
        assert hashlib.sha256(canonical.encode()).hexdigest() == entry_hash(entry)

    def test_it_is_stable(self) -> None:
        """Equal entries built separately hash alike, and sealing stores that hash."""
        first, second = _entry(3, "a" * 64), _entry(3, "a" * 64)
        assert (entry_hash(first), entry_hash(first)) == (first.hash, entry_hash(second))

    def test_the_key_order_of_patch_operations_does_not_matter(self) -> None:
        """An operation written with its keys in another order hashes alike."""
        reordered = [{"value": "v1", "path": "/name", "op": "replace"}]
        assert entry_hash(_entry(1)) == entry_hash(_entry(1, patch=reordered))

    def test_the_stored_hash_is_not_hashed(self) -> None:
        """The hash field itself is not part of what is hashed."""
        entry = _entry(1)
        assert entry_hash(entry) == entry_hash(attrs.evolve(entry, hash="0" * 64))

    @pytest.mark.parametrize(
        ("field", "value"), [pytest.param(n, v, id=n) for n, v in CHANGED_FIELDS]
    )
    def test_it_changes_with_any_field(self, field: str, value: Any) -> None:  # noqa: ANN401
        """Changing any one field changes the hash."""
        entry = _entry(1)
        assert entry_hash(entry) != entry_hash(attrs.evolve(entry, **{field: value}))


class TestWhatIsHashedIsWhatIsStored:
    """An entry holds only values every storage keeps as they are, so hashes survive a read."""

    @pytest.mark.parametrize("field", ["id", "entity_type", "entity_key"])
    @pytest.mark.parametrize("value", [7, None, "", "  ", "a\x00b", "x" * 256, "\ud800"])
    def test_ids_and_keys_are_non_blank_text(self, field: str, value: object) -> None:
        """An int (hashed as a number, stored as text), blank or unstorable key is refused."""
        with pytest.raises(ValidationError) as raised:
            _entry(1, **_fields(field, value))
        assert field == raised.value.field

    def test_the_time_is_hashed_in_utc(self) -> None:
        """An instant in another zone is kept, and hashed, as the UTC instant stored."""
        elsewhere = (AT + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=2)))
        entry = _entry(1, at=elsewhere)
        assert (UTC, entry_hash(_entry(1))) == (entry.at.tzinfo, entry.hash)

    def test_the_patch_is_kept_as_json_data(self) -> None:
        """Tuples become lists, as they come back from JSON text."""
        entry = _entry(1, patch=({"op": "add", "path": "/tags", "value": ("a", "b")},))
        assert [{"op": "add", "path": "/tags", "value": ["a", "b"]}] == list(entry.patch)

    @pytest.mark.parametrize("value", [Decimal("1.5"), {1, 2}, "\ud800"])
    def test_a_patch_that_is_no_json_is_refused(self, value: object) -> None:
        """A value JSON cannot store, or text UTF-8 cannot encode, is a ValidationError."""
        with pytest.raises(ValidationError) as raised:
            _entry(1, patch=[{"op": "add", "path": "/x", "value": value}])
        assert "patch" == raised.value.field


class TestVerifyChain:
    """Finding the first altered, inserted or removed entry."""

    def test_an_intact_chain_passes(self) -> None:
        """A correctly built chain has no break, with or without its head."""
        entries = _chain(5)
        assert (None, None) == (verify_chain(entries), verify_chain(entries, head=_head(entries)))

    def test_an_empty_chain_passes(self) -> None:
        """No entries and the genesis head is intact."""
        assert (None, None) == (verify_chain([]), verify_chain([], head=(0, GENESIS_HASH)))

    @pytest.mark.parametrize(("field", "value"), CONTENT_FIELDS)
    def test_an_altered_entry_is_named(self, field: str, value: Any) -> None:  # noqa: ANN401
        """An entry changed without resealing is reported as altered."""
        entries = _chain(5)
        entries[2] = attrs.evolve(entries[2], **{field: value})
        expected = ChainBreak(3, entries[2].id, "was altered after it was written")
        assert expected == verify_chain(entries, head=(5, _chain(5)[-1].hash))

    def test_an_altered_prev_hash_is_named(self) -> None:
        """An entry pointing at another previous hash does not follow its predecessor."""
        entries = _chain(5)
        entries[2] = attrs.evolve(entries[2], prev_hash="f" * 64)
        expected = ChainBreak(3, "e-3", "does not follow the previous entry's hash")
        assert expected == verify_chain(entries)

    def test_an_altered_and_resealed_entry_breaks_the_next(self) -> None:
        """Rehashing an altered entry makes the next one stop following it."""
        entries = _chain(5)
        entries[1] = attrs.evolve(entries[1], actor="mallory").sealed()
        expected = ChainBreak(3, "e-3", "does not follow the previous entry's hash")
        assert expected == verify_chain(entries)

    def test_an_altered_and_resealed_last_entry_breaks_the_head(self) -> None:
        """Rehashing the newest entry no longer matches the head the storage recorded."""
        entries = _chain(5)
        head = _head(entries)
        entries[-1] = attrs.evolve(entries[-1], reason="forged").sealed()
        found = verify_chain(entries, head=head)
        assert (5, None) == (None if found is None else (found.seq, found.entry_id))

    def test_an_inserted_entry_is_named(self) -> None:
        """A well-formed entry slipped in after #2 makes the old #3 out of place."""
        entries = _chain(5)
        forged = _entry(3, entries[1].hash, id="forged", actor="mallory")
        entries.insert(2, forged)
        expected = ChainBreak(4, "e-3", "entry #4 is out of order or inserted")
        assert expected == verify_chain(entries)

    def test_an_inserted_entry_that_does_not_chain_is_named(self) -> None:
        """An inserted entry with a made-up previous hash is the one named."""
        entries = _chain(5)
        entries.insert(2, _entry(3, "f" * 64, id="forged"))
        expected = ChainBreak(3, "forged", "does not follow the previous entry's hash")
        assert expected == verify_chain(entries)

    def test_an_inserted_and_renumbered_entry_is_named(self) -> None:
        """Renumbering the entries after an insert changes their hashes: the first is named."""
        entries = _chain(5)
        shifted = [attrs.evolve(e, seq=e.seq + 1) for e in entries[2:]]
        entries[2:] = [_entry(3, entries[1].hash, id="forged"), *shifted]
        expected = ChainBreak(4, "e-3", "does not follow the previous entry's hash")
        assert expected == verify_chain(entries)

    def test_an_entry_removed_in_the_middle_is_named(self) -> None:
        """Without #3, the entry found in its place is named, and #3 said missing."""
        entries = _chain(5)
        del entries[2]
        expected = ChainBreak(3, "e-4", "entry #3 is missing")
        assert expected == verify_chain(entries)

    def test_the_first_entry_removed_is_named(self) -> None:
        """Without #1, the chain starts at #2: #1 is missing."""
        expected = ChainBreak(1, "e-2", "entry #1 is missing")
        assert expected == verify_chain(_chain(3)[1:])

    @pytest.mark.parametrize("kept", [0, 2, 4])
    def test_entries_removed_at_the_end_are_found_with_the_head(self, kept: int) -> None:
        """With the recorded head, missing newest entries are reported."""
        entries = _chain(5)
        missing = "#5" if kept == 4 else f"#{kept + 1} to #5"
        expected = ChainBreak(kept + 1, None, f"the newest entries, {missing}, are missing")
        assert expected == verify_chain(entries[:kept], head=_head(entries))

    def test_an_entry_added_after_the_head_is_found(self) -> None:
        """An entry chained after the recorded head was added outside the log."""
        entries = _chain(5)
        expected = ChainBreak(5, None, "entries after #4 were added outside the log")
        assert expected == verify_chain(entries, head=_head(entries[:4]))

    def test_a_rehashed_newest_entry_is_found(self) -> None:
        """A newest entry whose hash differs from the recorded head is named."""
        entries = _chain(3)
        expected = ChainBreak(3, None, "the newest entry does not match the recorded head")
        assert expected == verify_chain(entries, head=(3, "f" * 64))

    def test_entries_removed_at_the_end_need_the_head(self) -> None:
        """Without the head, a chain cut short still looks intact."""
        assert verify_chain(_chain(5)[:3]) is None

    def test_reordered_entries_are_named(self) -> None:
        """Two swapped entries: the first out of place is named."""
        entries = _chain(5)
        entries[1], entries[2] = entries[2], entries[1]
        expected = ChainBreak(2, "e-3", "entry #2 is missing")
        assert expected == verify_chain(entries)

    def test_a_duplicated_entry_is_named(self) -> None:
        """An entry repeated right after itself is out of order."""
        entries = _chain(4)
        entries.insert(2, entries[1])
        expected = ChainBreak(3, "e-2", "entry #3 is out of order or inserted")
        assert expected == verify_chain(entries)

    def test_the_first_of_several_breaks_is_named(self) -> None:
        """With entries #2 and #4 altered, #2 is named."""
        entries = _chain(5)
        entries[1] = attrs.evolve(entries[1], reason="x")
        entries[3] = attrs.evolve(entries[3], reason="y")
        found = verify_chain(entries)
        assert ("e-2", 2) == (None if found is None else (found.entry_id, found.seq))

    def test_a_break_reads_well(self) -> None:
        """A break prints its number, entry and problem."""
        expected = "audit entry #3 (e-3): was altered after it was written"
        assert expected == str(ChainBreak(3, "e-3", "was altered after it was written"))


class TestRedact:
    """Secrets are replaced before a document is diffed."""

    @pytest.mark.parametrize("field", sorted(SECRET_FIELDS))
    def test_every_secret_field_is_replaced(self, field: str) -> None:
        """Each secret key's value becomes the redaction marker."""
        assert {field: REDACTED, "name": "Acme"} == redact({field: "hunter2", "name": "Acme"})

    def test_secrets_are_replaced_at_any_depth(self) -> None:
        """Secrets inside nested objects and lists are replaced too."""
        document = {
            "users": [{"login": "ann", "password": "p1", "keys": [{"api_key": "k1", "n": 1}]}],
            "smtp": {"host": "mail", "auth": {"secret": {"nested": "s"}, "token": ["t"]}},
        }
        expected = {
            "users": [
                {"login": "ann", "password": REDACTED, "keys": [{"api_key": REDACTED, "n": 1}]}
            ],
            "smtp": {"host": "mail", "auth": {"secret": REDACTED, "token": REDACTED}},
        }
        assert expected == redact(document)

    def test_other_values_are_left_alone(self) -> None:
        """Non-secret keys keep their values and types, and a secret's absence stays None."""
        document = {"name": "pw", "code_of_conduct": True, "n": 1, "x": 1.0, "password": None}
        assert document == redact(document)

    def test_secret_words_as_values_are_left_alone(self) -> None:
        """Only keys are secret: a value that reads "password" stays."""
        assert ["password", {"label": "token"}] == redact(["password", {"label": "token"}])

    def test_scalars_pass_through(self) -> None:
        """A document that is not an object or list is returned as it is."""
        assert ("x", 1, None) == (redact("x"), redact(1), redact(None))

    def test_the_document_is_not_changed(self) -> None:
        """Redact returns a copy."""
        document = {"a": {"password": "p"}}
        redact(document)
        assert {"a": {"password": "p"}} == document


class TestActor:
    """Who makes a change."""

    @pytest.mark.parametrize("actor_id", ["alice", "user-42", "portal", "system", "ü" * 128])
    def test_valid_ids_are_accepted(self, actor_id: str) -> None:
        """User ids, portal and system, up to 128 characters without spaces."""
        assert actor_id == Actor(actor_id).id

    @pytest.mark.parametrize(
        "actor_id",
        [
            pytest.param("", id="empty"),
            pytest.param("ann smith", id="space"),
            pytest.param("ann\t", id="tab"),
            pytest.param("\n", id="newline"),
            pytest.param("a" * 129, id="too-long"),
            pytest.param(42, id="not-a-string"),
            pytest.param(None, id="none"),
        ],
    )
    def test_invalid_ids_are_refused(self, actor_id: Any) -> None:  # noqa: ANN401 - any bad input
        """Anything else is a ValidationError naming the actor field."""
        with pytest.raises(ValidationError) as caught:
            Actor(actor_id)
        assert ("actor", actor_id) == (caught.value.field, caught.value.value)

    @pytest.mark.parametrize(
        ("actor_id", "expected"), [("alice", True), ("portal", False), ("system", False)]
    )
    def test_is_user(self, actor_id: str, expected: bool) -> None:
        """Only a person's id is a user; portal and system are not."""
        assert expected == Actor(actor_id).is_user

    def test_the_ip_is_optional(self) -> None:
        """An actor has no IP unless given one."""
        assert (None, "192.0.2.1") == (Actor("alice").ip, Actor("alice", "192.0.2.1").ip)

    def test_system_is_the_default_actor(self) -> None:
        """SYSTEM is the system actor, with no IP."""
        assert Actor("system") == SYSTEM


class TestAuditQuery:
    """Which entries a query matches."""

    ENTRY = _entry(
        5, actor="bob", action=AuditAction.CREATE, entity_type="contact", entity_key="c-1"
    )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param(AuditQuery(), True, id="no-filter"),
            pytest.param(AuditQuery(entity_type="contact"), True, id="type"),
            pytest.param(AuditQuery(entity_type="account"), False, id="other-type"),
            pytest.param(AuditQuery(entity_key="c-1"), True, id="key"),
            pytest.param(AuditQuery(entity_key="c-2"), False, id="other-key"),
            pytest.param(AuditQuery(actor="bob"), True, id="actor"),
            pytest.param(AuditQuery(actor="alice"), False, id="other-actor"),
            pytest.param(AuditQuery(action=AuditAction.CREATE), True, id="action"),
            pytest.param(AuditQuery(action=AuditAction.UPDATE), False, id="other-action"),
            pytest.param(AuditQuery(start=AT + timedelta(minutes=5)), True, id="start-included"),
            pytest.param(
                AuditQuery(start=AT + timedelta(minutes=5, microseconds=1)), False, id="after-start"
            ),
            pytest.param(AuditQuery(end=AT + timedelta(minutes=5)), False, id="end-excluded"),
            pytest.param(
                AuditQuery(end=AT + timedelta(minutes=5, microseconds=1)), True, id="before-end"
            ),
            pytest.param(
                AuditQuery(
                    entity_type="contact",
                    entity_key="c-1",
                    actor="bob",
                    action=AuditAction.CREATE,
                    start=AT,
                    end=AT + timedelta(hours=1),
                ),
                True,
                id="every-filter",
            ),
            pytest.param(
                AuditQuery(entity_type="contact", entity_key="c-1", actor="alice"),
                False,
                id="one-filter-fails",
            ),
        ],
    )
    def test_matches(self, query: AuditQuery, expected: bool) -> None:
        """An entry matches when it passes every filter given."""
        assert expected == query.matches(self.ENTRY)
