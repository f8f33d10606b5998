"""Text no storage keeps (a NUL character, a lone surrogate) is refused alike everywhere.

PostgreSQL cannot store a NUL character and no UTF-8 database stores a lone surrogate, so
every storage refuses both with a ValidationError naming the field, before anything is
written; looking such text up finds nothing rather than failing, and an id holding it is
refused as no id at all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from telcocore import TelcoCore
from telcocore.contacts.errors import AuthenticationFailed
from telcocore.kernel.errors import ValidationError

BAD = {"nul": "\x00", "surrogate": "\ud800"}

Write = Callable[[TelcoCore, str, str], object]

WRITES: dict[str, tuple[str, Write]] = {
    "account name": ("name", lambda core, _acct, bad: core.accounts.open(f"A{bad}", "USD")),
    "account rename": ("name", lambda core, acct, bad: core.accounts.update(acct, name=bad)),
    "reason": (
        "reason",
        lambda core, acct, bad: core.accounts.update(acct, name="Renamed", reason=f"r{bad}"),
    ),
    "description": (
        "description",
        lambda core, acct, bad: core.ledger.credit(acct, "1", idempotency_key="k", description=bad),
    ),
    "idempotency key": (
        "idempotency_key",
        lambda core, acct, bad: core.ledger.credit(acct, "1", idempotency_key=f"k{bad}"),
    ),
    "contact name": (
        "name",
        lambda core, acct, bad: core.contacts.add(acct, f"N{bad}", "n@example.com"),
    ),
    "notes": (
        "private_notes",
        lambda core, acct, bad: core.contacts.add(
            acct, "N", "n@example.com", private_notes=f"n{bad}"
        ),
    ),
    "block list note": (
        "note",
        lambda core, acct, bad: core.numbering.block_number(acct, "+14155550123", note=bad),
    ),
    "actor": ("actor", lambda core, acct, bad: core.acting_as(f"u{bad}").accounts.get(acct)),
}


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """An account ``acme``."""
    return core.accounts.open("Acme", "USD", account_id="acme").id


def _stored(core: TelcoCore) -> tuple[object, ...]:
    """Everything a refused write could have left behind."""
    return (
        [a.name for a in core.accounts.list()],
        core.ledger.balance("acme"),
        core.contacts.list("acme"),
        core.numbering.block_list("acme"),
        core.audit.entries(limit=100).entries,
    )


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("write", WRITES.keys())
def test_a_write_is_refused_naming_the_field(
    core: TelcoCore, acme: str, write: str, bad: str
) -> None:
    """The error is a ValidationError on the field; nothing was stored."""
    field, attempt = WRITES[write]
    before = _stored(core)
    with pytest.raises(ValidationError) as refused:
        attempt(core, acme, bad)
    assert field == refused.value.field
    assert before == _stored(core)


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_a_lookup_finds_nothing(core: TelcoCore, acme: str, bad: str) -> None:
    """Looking such text up is a plain miss; a transaction id holding it is no id at all."""
    del acme
    with pytest.raises(ValidationError, match="transaction id"):  # not an id at all
        core.ledger.get(f"t{bad}")
    with pytest.raises(AuthenticationFailed):
        core.contacts.authenticate(f"n{bad}@example.com", f"secret{bad}")
    assert (None, False) == (
        core.contacts.by_email(f"n{bad}@example.com"),
        core.numbering.is_allowed_extension("acme", f"x{bad}"),
    )


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_an_id_holding_it_is_refused(core: TelcoCore, acme: str, bad: str) -> None:
    """Such an account id or extension is no id at all: a ValidationError naming it."""
    del acme
    with pytest.raises(ValidationError) as account:
        core.accounts.get(f"acme{bad}")
    with pytest.raises(ValidationError) as extension:
        core.numbering.remove_extension(f"1000{bad}")
    assert ("account_id", "extension") == (account.value.field, extension.value.field)


def test_a_source_ip_must_be_an_address(core: TelcoCore, acme: str) -> None:
    """``acting_as(ip=...)`` takes an IPv4 or IPv6 address and keeps its usual form."""
    with pytest.raises(ValidationError, match=r"'10\.0\.0\.300' must be an IPv4 or IPv6 address"):
        core.acting_as("alice", ip="10.0.0.300")
    core.acting_as("alice", ip="2001:DB8::0:1").accounts.update(acme, name="Renamed")
    assert "2001:db8::1" == core.audit.entries(limit=1).entries[0].source_ip
