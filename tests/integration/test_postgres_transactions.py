"""PostgreSQL: the transaction a unit of work opens with its first statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import telcocore
from telcocore import TelcoCore
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.postgres

_SETTINGS = (
    "SELECT pg_backend_pid(), current_setting('transaction_isolation'), "
    "current_setting('transaction_read_only'), transaction_timestamp()"
)


@pytest.fixture
def core(pg_url: str) -> Iterator[TelcoCore]:
    """A core on one pooled connection, so every unit of work runs on the same one."""
    with telcocore.connect(f"{pg_url}&pool_max_size=1") as opened:
        yield opened


def _settings(
    core: TelcoCore, *, read_only: bool, snapshot: bool = True
) -> list[tuple[object, ...]]:
    """What two statements of one unit see of their transaction."""
    with core.storage.unit_of_work(read_only=read_only, snapshot=snapshot) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        return [tuple(uow._session.all(_SETTINGS)[0]) for _ in range(2)]


class TestReadOnlyUnits:
    """A read-only unit's ``BEGIN`` goes with its first statement."""

    def test_its_statements_share_one_repeatable_read_read_only_transaction(
        self, core: TelcoCore
    ) -> None:
        """Both statements run in the same REPEATABLE READ, READ ONLY transaction."""
        first, second = _settings(core, read_only=True)
        assert (first[1:3], first) == (("repeatable read", "on"), second)

    def test_a_writing_unit_after_it_on_the_same_connection_reads_committed(
        self, core: TelcoCore
    ) -> None:
        """The read-only begin does not outlive its unit: the next unit may write."""
        reading, _ = _settings(core, read_only=True)
        writing, _ = _settings(core, read_only=False)
        assert (writing[0], writing[1:3]) == (reading[0], ("read committed", "off"))

    def test_its_statements_stay_prepared_from_one_unit_to_the_next(self, core: TelcoCore) -> None:
        """Its end keeps what the driver prepared: a statement read often is prepared once."""
        for _ in range(5):
            _settings(core, read_only=True)
        with core.storage.unit_of_work(read_only=True) as uow:
            assert isinstance(uow, SqlUnitOfWork)
            prepared = uow._session.all("SELECT statement FROM pg_prepared_statements")
        assert [_SETTINGS] == [row[0] for row in prepared if "transaction_isolation" in row[0]]


class TestUnitsWithoutASnapshot:
    """A read-only unit without a snapshot sends no ``BEGIN``: each statement stands alone."""

    def test_each_statement_is_a_transaction_of_its_own(self, core: TelcoCore) -> None:
        """Two statements, two transactions (read committed, the server's default)."""
        first, second = _settings(core, read_only=True, snapshot=False)
        assert (first[0], first[1:3], second[1:3]) == (
            second[0],
            ("read committed", "off"),
            ("read committed", "off"),
        )
        assert first[3] != second[3]  # each began with its statement

    def test_a_snapshot_unit_after_it_on_the_same_connection_gets_its_snapshot(
        self, core: TelcoCore
    ) -> None:
        """Going without does not outlive the unit: the next read-only unit has its snapshot."""
        alone, _ = _settings(core, read_only=True, snapshot=False)
        first, second = _settings(core, read_only=True)
        assert (first[0], first[1:3], first) == (alone[0], ("repeatable read", "on"), second)
