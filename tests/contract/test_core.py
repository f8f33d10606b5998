"""The TelcoCore lifecycle: who owns and closes the storage, on every storage adapter."""

from __future__ import annotations

import pytest

import telcocore.core
from telcocore import TelcoCore
from telcocore.core import open_storage
from telcocore.kernel.errors import ConfigurationError, StorageError
from telcocore.platform.ports import Storage


class TestActingAsViews:
    """A view from acting_as shares its core's storage and never closes it."""

    def test_leaving_a_views_with_block_keeps_the_storage_open(self, core: TelcoCore) -> None:
        """One view per request: the core and the next view still work after the first."""
        with core.acting_as("bob") as bob:
            bob.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        with core.acting_as("carol", ip="192.0.2.7") as carol:
            carol.accounts.update("acme", name="Acme Ltd")
        assert "Acme Ltd" == core.accounts.get("acme").name
        assert ["carol", "bob"] == [e.actor for e in core.audit.entries().entries]

    def test_closing_a_view_keeps_the_storage_open(self, core: TelcoCore) -> None:
        """view.close() leaves the core's storage open."""
        core.acting_as("bob").close()
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        assert ["acme"] == [a.id for a in core.accounts.list()]


class TestClosingTheCore:
    """The core owns the storage it was given."""

    @pytest.mark.parametrize("adapter_url", ["memory", "sqlite_url", "pg_url"])
    def test_leaving_the_cores_with_block_closes_the_storage(
        self, adapter_url: str, request: pytest.FixtureRequest
    ) -> None:
        """After the core's with block, its storage refuses work with StorageError."""
        if adapter_url == "pg_url":
            request.applymarker(pytest.mark.postgres)
        url = "memory://" if adapter_url == "memory" else str(request.getfixturevalue(adapter_url))
        storage = open_storage(url)
        with TelcoCore(storage=storage) as core:
            with core.acting_as("bob") as bob:
                bob.accounts.open("Acme", "USD", account_id="acme", home_country="US")
            assert "acme" == core.accounts.get("acme").id
        with pytest.raises(StorageError, match="closed"):
            core.accounts.get("acme")

    def test_connect_closes_the_storage_it_opened_when_an_argument_is_refused(
        self, storage_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A clock that is no clock raises ConfigurationError and leaves no storage open."""
        opened: list[Storage] = []

        def recording(url: str) -> Storage:
            opened.append(open_storage(url))
            return opened[-1]

        monkeypatch.setattr(telcocore.core, "open_storage", recording)
        with pytest.raises(ConfigurationError, match="clock"):
            telcocore.connect(storage_url, clock=object())  # type: ignore[arg-type]
        with pytest.raises(StorageError, match="closed"), opened[0].unit_of_work():
            pass
