"""Running a unit of work again after it lost a race."""

from __future__ import annotations

import pytest

from telcocore.kernel.errors import AlreadyExists, StorageError
from telcocore.platform.context import RACE_ATTEMPTS, retrying_lost_races


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
