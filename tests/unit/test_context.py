"""Running a unit of work again after it lost a race."""

from __future__ import annotations

import re
import time

import pytest

from telcocore.kernel.errors import AlreadyExists, StorageError
from telcocore.platform.context import RACE_ATTEMPTS, new_id, retrying_lost_races


class Racer:
    """An attempt that loses ``losses`` races, then returns how many times it ran."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.runs = 0

    def __call__(self) -> int:
        """One run: lose while losses are left, then win."""
        self.runs += 1
        if self.runs <= self.losses:
            raise AlreadyExists("transaction", f"key-{self.runs}")
        return self.runs


@pytest.mark.parametrize("losses", range(RACE_ATTEMPTS))
def test_an_attempt_that_wins_in_time_returns_its_result(losses: int) -> None:
    """Up to RACE_ATTEMPTS - 1 lost races are run again; the winning run's result comes back."""
    racer = Racer(losses)
    assert losses + 1 == retrying_lost_races(racer)
    assert losses + 1 == racer.runs


def test_the_last_lost_race_is_raised() -> None:
    """After RACE_ATTEMPTS lost races the last one's error is raised, and no more runs."""
    racer = Racer(RACE_ATTEMPTS + 3)
    with pytest.raises(AlreadyExists, match=f"key-{RACE_ATTEMPTS}"):
        retrying_lost_races(racer)
    assert RACE_ATTEMPTS == racer.runs


def test_other_errors_are_not_run_again() -> None:
    """Only a lost race is retried: any other error leaves at once."""
    runs: list[int] = []

    def broken() -> None:
        runs.append(1)
        raise StorageError("disk full")

    with pytest.raises(StorageError, match="disk full"):
        retrying_lost_races(broken)
    assert [1] == runs


class TestNewId:
    """Ids are 32 hex digits that sort by the millisecond they were made in."""

    def test_an_id_is_the_millisecond_then_80_random_bits(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first 12 digits are the time in ms; ids of one millisecond still differ."""
        monkeypatch.setattr(time, "time_ns", lambda: 1_764_000_000_123_456_789)
        ids = {new_id() for _ in range(1000)}
        assert (1000, {f"{1_764_000_000_123:012x}"}) == (len(ids), {i[:12] for i in ids})
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)

    def test_later_ids_sort_after_earlier_ones(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An id made a millisecond later sorts after every id of the millisecond before."""
        now = [1_764_000_000_000_000_000]
        monkeypatch.setattr(time, "time_ns", lambda: now[0])
        earlier = [new_id() for _ in range(100)]
        now[0] += 1_000_000
        later = [new_id() for _ in range(100)]
        assert max(earlier) < min(later)
