"""Two processes delivering one outbox send each message once (SQLite file, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.integration import contact_workers, storage_workers

import telcocore
from telcocore.notifications.model.message import Message, MessageKind
from telcocore.notifications.ports import OutboxRepository

MESSAGES = 60


class TestTwoDeliveringProcesses:
    """Each message is claimed in a transaction before it is sent."""

    @pytest.mark.slow
    def test_each_message_is_sent_once(self, durable_url: str) -> None:
        """Both processes deliver at once; together they send every message exactly once."""
        with telcocore.connect(durable_url) as setup:
            setup.accounts.open("Acme", "USD", account_id="acme")
            with setup.storage.unit_of_work() as uow:
                for n in range(MESSAGES):
                    uow.get(OutboxRepository).add(
                        Message(
                            id=f"m-{n:03}",
                            kind=MessageKind.LOW_BALANCE,
                            account_id="acme",
                            created_at=datetime(2026, 3, 14, tzinfo=UTC),
                        )
                    )
                uow.commit()
        start = storage_workers.SPAWN.Barrier(2)
        results = storage_workers.SPAWN.Queue()
        workers = [
            storage_workers.SPAWN.Process(
                target=contact_workers.deliver_all, args=(durable_url, start, results)
            )
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(60)
        ids = [message_id for sent in outcomes for message_id in sent]
        assert [f"m-{n:03}" for n in range(MESSAGES)] == sorted(ids), outcomes
        with telcocore.connect(durable_url) as after:
            assert 0 == after.outbox.counts().pending
