"""The composition root: :class:`TelcoCore` and :func:`connect`.

>>> import telcocore
>>> with telcocore.connect("memory://") as core:
...     account = core.accounts.open("Acme", "USD", account_id="acme")
...     _ = core.ledger.credit("acme", "10.00", idempotency_key="topup-1")
...     core.ledger.balance("acme")
Money('10.00', 'USD')
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from types import TracebackType
from typing import Final, Self

import attrs

from telcocore.accounts.services import AccountService
from telcocore.adapters.blobs import open_blob_store
from telcocore.adapters.postgres import PostgresStorage
from telcocore.adapters.routing import ChannelRouter
from telcocore.adapters.smtp import SmtpNotifier
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.adapters.system import SystemClock
from telcocore.audit.services import AuditLog
from telcocore.billing.invoices.services import InvoiceService
from telcocore.billing.invoices.services.usage import SummaryUsage
from telcocore.billing.ledger.services import LedgerService, open_balance
from telcocore.billing.plans.services import PlanService
from telcocore.billing.rating.services import CompiledDecks, RatingService
from telcocore.calls.services import CallService
from telcocore.contacts.model.credentials import PasswordPolicy
from telcocore.contacts.ports import PasswordHasher
from telcocore.contacts.services import ContactService
from telcocore.kernel.actor import Actor
from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import shown, shown_url, validate_flag
from telcocore.media.ports import BlobStore
from telcocore.media.services import MediaService
from telcocore.notifications.ports import Notifier
from telcocore.notifications.services import (
    STOP_TIMEOUT,
    DeliveryWorker,
    OutboxService,
    validate_interval,
)
from telcocore.numbering.services import NumberingService
from telcocore.platform.context import ServiceContext, new_id
from telcocore.platform.ports import Clock, Storage
from telcocore.platform.sql.migrations import SchemaStatus
from telcocore.platform.sql.options import split_url
from telcocore.reporting.services import SummaryService, keep_summaries

__all__ = ["SCHEMES", "TelcoCore", "connect", "schema_status"]

log = logging.getLogger(__name__)

SCHEMES = ("memory", "postgres", "postgresql", "sqlite")
"""The storage URL schemes :func:`connect` understands."""


_HASHER_METHODS: Final = ("hash", "verify", "needs_rehash")


def _require_adapter(
    value: object, name: str, methods: tuple[str, ...], *, optional: bool = False
) -> None:
    """Refuse, as a ConfigurationError, an adapter that lacks the methods its port names."""
    if value is None and optional:
        return
    missing = [m for m in methods if not callable(getattr(value, m, None))]
    if missing:
        msg = f"{name} {shown(value)} lacks the method(s) {', '.join(missing)} of its port"
        raise ConfigurationError(msg)


class TelcoCore:
    """The library's services, wired to one storage, clock and notifier.

    Build it with :func:`connect`, or hand in your own adapters (any object that fits the
    protocols in :mod:`telcocore.platform.ports` and the domains' ``ports`` modules)::

        core = TelcoCore(storage=SqliteStorage("telco.db"), notifier=my_notifier, clock=my_clock)

    Services never deliver messages on the request path: a change only writes its messages
    to the outbox, in the same transaction as the change. Deliver them with
    ``core.outbox.deliver_pending()`` on a schedule (cron, a loop, a job queue), or let
    :meth:`start_delivery` run a background worker. While nothing delivers, messages wait
    in the outbox; without a notifier, they wait until one is configured. Changes are
    recorded in the audit log as made by ``system``; use :meth:`acting_as` for a user.
    With ``require_reason``, every audited change must give a ``reason``. ``blobs`` is the
    blob store of media bytes (:mod:`telcocore.adapters.blobs`); without one, media use
    raises :class:`ConfigurationError`.

    The core owns the storage it is given and its delivery worker: :meth:`close` (or
    leaving a ``with`` block) stops the worker, then closes the storage.
    """

    def __init__(  # noqa: PLR0913 - the adapters and options, all keyword-only
        self,
        *,
        storage: Storage,
        notifier: Notifier | None = None,
        clock: Clock | None = None,
        ids: Callable[[], str] = new_id,
        require_reason: bool = False,
        password_hasher: PasswordHasher | None = None,
        password_policy: PasswordPolicy | None = None,
        blobs: BlobStore | None = None,
    ) -> None:
        _require_adapter(storage, "storage", ("unit_of_work", "close"))
        _require_adapter(blobs, "blobs", ("put", "read", "delete", "stale"), optional=True)
        _require_adapter(notifier, "notifier", ("send",), optional=True)
        _require_adapter(clock, "clock", ("now",), optional=True)
        _require_adapter(password_hasher, "password_hasher", _HASHER_METHODS, optional=True)
        if not callable(ids):
            msg = f"ids must be a function returning a new id, got {shown(ids)}"
            raise ConfigurationError(msg)
        if password_policy is not None and not isinstance(password_policy, PasswordPolicy):
            msg = f"password_policy must be a PasswordPolicy, got {shown(password_policy)}"
            raise ConfigurationError(msg)
        self._hasher = password_hasher
        self._policy = password_policy
        self._blobs = blobs
        self._owns_storage = True
        self._notifier = notifier
        self._worker = DeliveryWorker()
        self._stop_timeout = STOP_TIMEOUT
        self._wire(
            storage,
            ServiceContext(
                uow=storage.unit_of_work,
                clock=SystemClock() if clock is None else clock,
                ids=ids,
                require_reason=validate_flag(require_reason, field="require_reason"),
            ),
        )

    def _wire(self, storage: Storage, context: ServiceContext) -> None:
        self.storage = storage
        self.context = context
        self.audit = AuditLog(context)
        self.outbox = OutboxService(context, self._notifier, on_queued=self._worker.wake)
        self.accounts = AccountService(context, self.audit, when_opened=(open_balance,))
        self.contacts = ContactService(
            context, self.audit, self.outbox, hasher=self._hasher, policy=self._policy
        )
        self.ledger = LedgerService(context, self.outbox)
        self.numbering = NumberingService(context, self.audit)
        decks = CompiledDecks()  # one compiled copy of each rate deck, for rating and calls
        self.rating = RatingService(context, self.audit, decks=decks)
        self.calls = CallService(context, decks=decks)
        self.summaries = SummaryService(context, self.audit)
        self.calls.summary_hooks.append(keep_summaries)  # kept in each posting's unit
        # Invoices bill the daily summary rows that posting keeps.
        self.invoices = InvoiceService(context, self.audit, SummaryUsage())
        self.plans = PlanService(context, self.audit, self.outbox)
        self.media = MediaService(context, self.audit, self._blobs)
        notifiers = (
            self._notifier if isinstance(self._notifier, ChannelRouter) else [self._notifier]
        )
        for notifier in notifiers:
            if isinstance(notifier, SmtpNotifier) and notifier.directory is None:
                # Messages to a whole account go to its contacts, in its locale.
                notifier.directory = self.contacts

    def acting_as(self, actor: str, *, ip: str | None = None) -> TelcoCore:
        """The same services, with changes recorded as made by ``actor`` from ``ip``.

        ``actor`` is a user id, ``portal`` or ``system``. The view shares this core's
        storage and does not own it: closing the view, or leaving its ``with`` block, leaves
        the storage open for the core and its other views. Only the core closes it.
        """
        view = object.__new__(TelcoCore)
        view._hasher, view._policy = self._hasher, self._policy
        view._blobs = self._blobs
        view._notifier = self._notifier
        view._worker = self._worker  # views wake the core's worker; only the core runs it
        view._stop_timeout = self._stop_timeout
        view._owns_storage = False
        view._wire(self.storage, attrs.evolve(self.context, actor=Actor(actor, ip)))
        return view

    @property
    def delivery(self) -> DeliveryWorker:
        """The core's delivery worker, for its state: ``running``, ``stopping``, ``failure``.

        ``core.delivery.running`` is ``False`` before :meth:`start_delivery`, after
        :meth:`close`, and after a ``BaseException`` in the worker's thread ended it (logged
        at CRITICAL; ``core.delivery.failure`` holds it). Views share their core's worker.
        """
        return self._worker

    def start_delivery(self, interval: float = 5.0, *, stop_timeout: float = STOP_TIMEOUT) -> None:
        """Deliver the outbox in a background thread until :meth:`close`.

        The thread delivers every ``interval`` seconds, and at once when a change committed
        a message. It calls :meth:`~telcocore.notifications.services.OutboxService.deliver_pending`
        off the request path: a posting or a password reset never waits for the notifier. It
        logs an error in a run (logger ``telcocore.notifications.services``) and goes on; a
        refused message is retried after its delay. Workers in several processes may share
        one database: each message is claimed before it is sent, so at most one worker
        sends it at a time while each send takes less than the claim's lease
        (:data:`~telcocore.notifications.services.CLAIM_LEASE`); a send that outlives the
        lease may be repeated (at-least-once delivery).

        :meth:`close` waits at most ``stop_timeout`` seconds (default
        :data:`~telcocore.notifications.services.STOP_TIMEOUT`, 30) for the message being
        sent. Instead of the worker, an application may call ``core.outbox.deliver_pending()``
        on its own schedule. ``interval`` and ``stop_timeout`` must be more than 0 and at most
        a day, else :class:`~telcocore.ConfigurationError`; so is starting a worker that runs
        already, or starting one from a view (:meth:`acting_as`): only the core runs its
        worker.
        """
        seconds = validate_interval(interval)
        patience = validate_interval(stop_timeout, name="stop_timeout")
        if not self._owns_storage:
            msg = "start delivery on the core, not on a view from acting_as()"
            raise ConfigurationError(msg)
        self._worker.start(self.outbox, interval=seconds)
        self._stop_timeout = patience

    def close(self) -> None:
        """Stop the delivery worker, then release the storage; on a view, do nothing.

        The worker finishes the message it is sending, if any, and sends no other; messages
        still due stay in the outbox for the next run. ``close()`` waits for it at most the
        ``stop_timeout`` given to :meth:`start_delivery` (30 seconds by default). If the
        worker is still sending then (a notifier that never returns), ``close()`` logs a
        warning and returns without closing the storage the worker still uses: the worker's
        thread closes it when its send ends. A view from :meth:`acting_as` shares its
        core's storage and worker, so closing it leaves both running.
        """
        if not self._owns_storage:
            return
        if self._worker.stop(self._stop_timeout):
            self.storage.close()
            return
        log.warning(
            "the delivery worker is still sending a message %g s after close(): the storage "
            "stays open until that send ends, and is closed then",
            self._stop_timeout,
        )
        self._worker.when_finished(self.storage.close)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _storage_class(url: str) -> tuple[type[SqliteStorage | PostgresStorage], str]:
    """The storage class a URL names, and the URL that class reads (``memory://`` as SQLite)."""
    parts, options = split_url(url, kind="storage")
    scheme = parts.scheme
    if scheme == "memory":
        if parts.netloc or parts.path or options:
            msg = f"memory URL {shown_url(url)} takes no host, path or options: use memory://"
            raise ConfigurationError(msg)
        return SqliteStorage, "sqlite:///:memory:"
    if scheme == "sqlite":
        return SqliteStorage, url
    if scheme in {"postgresql", "postgres"}:
        return PostgresStorage, url
    msg = f"unknown storage URL {shown_url(url)}: the scheme must be one of {', '.join(SCHEMES)}"
    raise ConfigurationError(msg)


def open_storage(url: str) -> Storage:
    """The storage a URL names, opened and migrated to the newest schema.

    - ``memory://``: a private in-memory SQLite database (the same as
      ``sqlite:///:memory:``), gone when the storage is closed;
    - ``sqlite:///relative/file.db``, ``sqlite:////absolute/file.db``, ``sqlite:///:memory:``
      (options ``?synchronous=normal``, ``?busy_timeout=<ms>``);
    - ``postgresql://user@host:port/database`` (or ``postgres://``), with the optional
      ``?schema=name``; needs ``pip install 'telcocore[postgres]'``.
    """
    storage, read_as = _storage_class(url)
    return storage.from_url(read_as)


def schema_status(url: str) -> SchemaStatus:
    """Where the schema of the storage at ``url`` stands against this release, unchanged.

    Unlike :func:`connect` and :func:`open_storage`, it migrates nothing and creates
    nothing: run it before an upgrade to see which migrations opening the storage would
    apply (:attr:`~telcocore.platform.sql.migrations.SchemaStatus.pending`, per module in
    ``modules``), and whether the storage is newer than this release
    (:attr:`~telcocore.platform.sql.migrations.SchemaStatus.ahead`: :func:`connect` would
    refuse it). A SQLite file that does not exist or is empty, a PostgreSQL schema without
    telcocore's tables and ``memory://`` are new storages (``exists`` is ``False``). URLs
    as for :func:`open_storage`.
    """
    storage, read_as = _storage_class(url)
    return storage.schema_status(read_as)


def connect(  # noqa: PLR0913 - the URL, then keyword-only adapters and options
    url: str,
    *,
    notifier: Notifier | None = None,
    clock: Clock | None = None,
    require_reason: bool = False,
    password_hasher: PasswordHasher | None = None,
    deliver_every: float | None = None,
    media: str | os.PathLike[str] | BlobStore | None = None,
) -> TelcoCore:
    """Open the storage at ``url`` and return a :class:`TelcoCore` using it.

    With ``deliver_every`` (seconds), the core's delivery worker is started
    (:meth:`TelcoCore.start_delivery`); without it, nothing delivers the outbox until the
    application calls ``core.outbox.deliver_pending()``.

    ``media`` is where media bytes go: a folder's path, or a blob store
    (:mod:`telcocore.adapters.blobs`). By default, ``memory://`` keeps them in memory and a
    SQLite file ``x.db`` in the folder ``x.db.media`` beside it; PostgreSQL has no default,
    and media use raises :class:`ConfigurationError` until ``media`` is given.

    Nothing connects at import time; this is where storage is opened. If another argument
    is refused, the storage is closed again before the error is raised.
    """
    if deliver_every is not None:
        validate_interval(deliver_every, name="deliver_every")
    blobs = open_blob_store(url, media)
    storage = open_storage(url)
    try:
        core = TelcoCore(
            storage=storage,
            blobs=blobs,
            notifier=notifier,
            clock=clock,
            require_reason=require_reason,
            password_hasher=password_hasher,
        )
    except BaseException:
        storage.close()
        raise
    if deliver_every is not None:
        core.start_delivery(deliver_every)
    return core
