"""Fixtures and hypothesis settings shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import hypothesis
import pytest

from telcocore import TelcoCore
from telcocore.core import open_storage
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FixedClock, sequential_ids

# Deterministic and database-free: the same examples on every machine, nothing written to disk.
hypothesis.settings.register_profile(
    "unit",
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    print_blob=False,
)
hypothesis.settings.load_profile("unit")

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
"""The instant every fixed clock starts at."""


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at :data:`NOW`."""
    return FixedClock(NOW)


@pytest.fixture
def notifier() -> CapturingNotifier:
    """A notifier that keeps what it is asked to send."""
    return CapturingNotifier()


@pytest.fixture
def storage() -> Iterator[Storage]:
    """A fresh ``memory://`` storage, closed after the test."""
    storage = open_storage("memory://")
    yield storage
    storage.close()


@pytest.fixture
def core(storage: Storage, clock: FixedClock, notifier: CapturingNotifier) -> TelcoCore:
    """A core on memory storage with a fixed clock, a capturing notifier and readable ids."""
    return TelcoCore(storage=storage, clock=clock, notifier=notifier, ids=sequential_ids())
