"""What differs between the SQL databases, and the session that runs statements through it.

The repositories in each domain's ``sql`` module are written once, with ``?``
placeholders, against a :class:`Dialect`. A dialect says how its driver runs a statement,
how Decimals, instants and JSON documents are stored and read back, and how the driver's
errors become telcocore's errors: values and transactions, nothing of any domain.

A :class:`Session` is one connection seen through its dialect: every statement goes through
it, so no driver exception gets past it untranslated.
"""

from __future__ import annotations

import abc
import decimal
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType, TracebackType
from typing import Any, Generic, Protocol, TypeVar, cast

from telcocore.kernel.errors import StorageError, TelcoError, ValidationError
from telcocore.kernel.validation import shown, storage_problem

__all__ = ["Batch", "C", "Cursor", "Dialect", "Pending", "Row", "Session", "Statement"]

C = TypeVar("C")
"""The driver's connection type."""

Row = Sequence[Any]
"""One result row, its columns in ``SELECT`` order."""

Statement = tuple[str, Sequence[object]]
"""A query with ``?`` placeholders and its parameters."""

Batch = tuple[str, Sequence[Sequence[object]]]
"""A query with ``?`` placeholders and the parameters of each time it runs."""


_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, check_circular=False)
"""One encoder for every document (``json.dumps`` with options builds one per call)."""


class Cursor(Protocol):
    """The part of a DB-API cursor the repositories use."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        ...

    def fetchone(self) -> Any:  # noqa: ANN401 - the driver's row type
        """The next row, or ``None``."""
        ...

    def fetchall(self) -> Any:  # noqa: ANN401 - the driver's row type
        """The remaining rows."""
        ...


class Dialect(abc.ABC, Generic[C]):
    """How one database and its driver do what the shared SQL code needs."""

    name: str
    """Shown in error messages: ``"SQLite"``, ``"PostgreSQL"``."""

    sum_function: str = "SUM"
    """The aggregate that adds stored decimals exactly."""

    add_function: str = ""
    """The function of two stored decimals that adds them exactly (``""``: ``+`` does).

    ``f"{add_function}(a, b)"`` with it, ``a + b`` without: see :meth:`exact_sum`.
    """

    def exact_sum(self, left: str, right: str) -> str:
        """The SQL expression adding the stored decimals ``left`` and ``right`` exactly."""
        if self.add_function:
            return f"{self.add_function}({left}, {right})"
        return f"{left} + {right}"

    exact_decimals: bool = True
    """Whether the database's own arithmetic on stored decimals is exact.

    Where it is not (SQLite keeps them as text and would add them as binary floats), a
    write transaction holds the database's write lock from its start, so code may read a
    value, compute in Python and write the result back without another writer in between.
    """

    driver_error: type[Exception] = Exception
    """The base class of the driver's own exceptions; they never leave a :class:`Session`."""

    share_lock: str = ""
    """Appended to a ``SELECT`` of one row to keep others from changing it until commit.

    Empty where the transaction holds the database's write lock from its start (SQLite).
    """

    code_point_order: str = ""
    """Appended to an ``ORDER BY`` of text to sort as Python sorts ``str`` (by code point).

    Empty where that is the database's own order (SQLite's ``BINARY``); PostgreSQL's
    default collation may follow a language instead, so it says ``COLLATE "C"``.
    """

    update_lock: str = ""
    """Appended to a ``SELECT`` of rows the transaction will update, to lock them until commit.

    Empty where the transaction holds the database's write lock from its start (SQLite).
    """

    migration_suffix: str = ""
    """Names this database's own migration files: ``NNNN_name.<suffix>.sql``."""

    type_macros: Mapping[str, str] = MappingProxyType({})
    """What each type macro of a dialect-neutral migration file becomes on this database.

    A neutral file writes ``{decimal}``, ``{instant}``, ``{json}``, ``{bigint}``,
    ``{boolean}``, ``{sorted_text}`` (text ids listed in order, sorted by code point
    whatever the locale) and ``{serial}`` (an integer numbered by the database) where
    SQLite and PostgreSQL store a column differently; see "Migrations" in the storage guide.
    """

    table_exists_query: str = ""
    """A query with one ``?`` (a table name) that returns a row if the table exists."""

    # -- running statements -------------------------------------------------------------

    @abc.abstractmethod
    def execute(self, conn: C, query: str, params: Sequence[object]) -> Cursor:
        """Run one statement written with ``?`` placeholders."""

    def execute_all(self, conn: C, statements: Iterable[Statement]) -> None:
        """Run statements whose results are not needed, in order."""
        for query, params in statements:
            self.execute(conn, query, params)

    def execute_and_commit(self, conn: C, batches: Sequence[Batch]) -> None:
        """Run each query once per parameter row, in order, then commit (PostgreSQL: at once)."""
        self.execute_batches(conn, batches)
        self.commit(conn)

    def execute_batches(self, conn: C, batches: Iterable[Batch]) -> None:
        """Run each query once per parameter row, in order; the results are not needed."""
        for query, rows in batches:
            for params in rows:
                self.execute(conn, query, params)

    def execute_after(
        self,
        conn: C,
        batches: Sequence[Batch],
        reads: Sequence[Statement],
        last: Statement | None,
    ) -> tuple[list[list[Row]], Cursor | None]:
        """Run the batches, then the reads, then ``last``, in order (PostgreSQL: at once).

        Every read's rows, and the cursor of ``last`` (``None`` without it).
        """
        self.execute_batches(conn, batches)
        rows = [list(self.execute(conn, query, params).fetchall()) for query, params in reads]
        return rows, None if last is None else self.execute(conn, *last)

    @abc.abstractmethod
    def run_script(self, conn: C, script: str) -> None:
        """Run a migration script (several statements) inside the open transaction."""

    @abc.abstractmethod
    def begin(self, conn: C) -> None:
        """Start a transaction (SQLite: taking the write lock at once)."""

    def begin_read(self, conn: C) -> None:
        """Start a transaction that will only read (SQLite: without the write lock)."""
        self.begin(conn)

    @abc.abstractmethod
    def begin_statements(self, conn: C) -> None:
        """Start a read-only unit that opens no transaction: each query stands on its own."""

    @abc.abstractmethod
    def begin_migration(self, conn: C) -> None:
        """Start the migration transaction, holding the migration lock.

        The lock keeps other processes from migrating at the same time.
        """

    def check_migrated(self, conn: C) -> None:
        """Before the migration transaction commits: check what the migrations could not.

        SQLite checks every foreign key here (its migrations run with enforcement off).
        """

    def end_migration(self, conn: C) -> None:
        """After the migration transaction ended, committed or not: undo its settings."""

    @abc.abstractmethod
    def commit(self, conn: C) -> None:
        """Commit the open transaction."""

    @abc.abstractmethod
    def rollback(self, conn: C) -> None:
        """Roll back the open transaction, if any."""

    @abc.abstractmethod
    def translate(self, error: Exception) -> TelcoError:
        """The telcocore error for a driver error (which becomes its ``__cause__``)."""

    # -- values -------------------------------------------------------------------------

    def decimal_to_db(self, value: Decimal) -> object:
        """A Decimal as a statement parameter."""
        return value

    def decimal_from_db(self, value: object) -> Decimal:
        """A stored decimal read back exactly, whatever its digits.

        What is stored is never refused for its size, so every balance stays readable;
        the ledger's bounds apply to what is written.
        """
        if type(value) is Decimal and value.is_finite():
            return value  # as drivers return it: read on hot paths, so no copy
        if isinstance(value, Decimal | str | int) and not isinstance(value, bool):
            try:
                number = Decimal(value)
            except decimal.InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number
        msg = f"stored decimal {shown(value)} is not a finite number"
        raise StorageError(msg)

    def finite_decimals_in_rows(self, rows: list[Row], columns: Iterable[int]) -> list[Row]:
        """The rows with their stored decimals read back, in ``columns`` a ``CHECK`` keeps finite.

        Each value as :meth:`decimal_from_db` reads it, a ``NULL`` as ``None``; PostgreSQL's
        driver already returns ``NUMERIC`` values as ``Decimal``, and the constraint rules
        out ``NaN`` and the infinities, so there the rows are returned as they are.
        """
        if not rows:
            return rows
        read = self.decimal_from_db
        transposed: list[Sequence[object]] = list(zip(*rows, strict=True))
        for column in columns:
            transposed[column] = [None if v is None else read(v) for v in transposed[column]]
        return list(zip(*transposed, strict=True))

    def time_to_db(self, value: datetime) -> object:
        """An instant as a statement parameter."""
        return value

    def time_from_db(self, value: object) -> datetime:
        """A stored instant, in UTC."""
        if not isinstance(value, datetime):  # pragma: no cover - a corrupt row
            msg = f"stored instant {value!r} is not a timestamp"
            raise StorageError(msg)
        return value.astimezone(UTC)

    def whole_second(self, column: str) -> str:
        """What a read takes of ``column``, a stored instant on a whole second, to fetch it cheaply.

        For reads of many rows whose instants repeat (a period's start): where the stored
        form is cheap to fetch (SQLite's text) the column itself; PostgreSQL's driver makes
        an aware ``datetime`` of every timestamp it returns, several times the cost of the
        integer seconds since the epoch that it returns instead. Read each distinct value
        back with :meth:`whole_second_from_db`.
        """
        return column

    def whole_second_from_db(self, value: object) -> datetime:
        """A value :meth:`whole_second` read, as the instant in UTC."""
        return self.time_from_db(value)

    def json_to_db(self, value: object) -> object:
        """A JSON-ready document as a statement parameter (compact text, keys sorted)."""
        return _JSON.encode(value)

    def json_from_db(self, value: object) -> Any:  # noqa: ANN401 - a JSON document
        """A stored JSON document."""
        if isinstance(value, str | bytes):
            return json.loads(value)
        return value


class _Translated:
    """``with session.translated:`` turns a driver error into the dialect's telcocore error."""

    __slots__ = ("_dialect",)

    def __init__(self, dialect: Dialect[Any]) -> None:
        self._dialect = dialect

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, self._dialect.driver_error):
            raise self._dialect.translate(exc) from exc
        if isinstance(exc, UnicodeEncodeError):  # the domain lets no such text this far
            msg = f"text {exc.object!r} is not valid Unicode (it holds a lone surrogate)"
            raise ValidationError(msg, value=exc.object) from exc


class _NoRows:
    """The result of a query that cannot match anything."""

    rowcount = 0

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Row]:
        return []


class Pending:
    """The rows of a ``SELECT`` sent with the next statement its session runs.

    :meth:`rows` waits for them, sending the query at once if nothing ran since.
    """

    __slots__ = ("_rows", "_session", "statement")

    def __init__(self, session: Session[Any], statement: Statement) -> None:
        self._session = session
        self.statement = statement
        self._rows: list[Row] | None = None

    def rows(self) -> list[Row]:
        """Every row of the query."""
        if self._rows is None:
            self._session.send_pending()
        if self._rows is None:
            msg = "the transaction ended before a query sent with its next statement ran"
            raise StorageError(msg)
        return self._rows

    def one(self) -> Row | None:
        """The first row of the query, or ``None``."""
        rows = self.rows()
        return rows[0] if rows else None


def _unstorable(params: Sequence[object]) -> bool:
    """Whether a text parameter holds what no storage keeps (see :func:`storage_problem`)."""
    return any(isinstance(p, str) and storage_problem(p) is not None for p in params)


class Session(Generic[C]):
    """A connection (while bound) and its dialect; every statement goes through here.

    The transaction begins lazily: a statement run after a commit starts a new one.
    """

    def __init__(
        self, dialect: Dialect[C], *, read_only: bool = False, snapshot: bool = True
    ) -> None:
        self.dialect = dialect
        self.read_only = read_only
        """Whether statements other than ``SELECT`` are refused, and no write lock taken."""
        self.snapshot = snapshot
        """Whether a read-only session's queries all see one snapshot (else no transaction)."""
        self.translated = _Translated(dialect)
        """A context manager translating the driver's errors."""
        self._conn: C | None = None
        self._in_transaction = False
        self._later: list[Batch] = []
        self._reads: list[Pending] = []
        self.memo: dict[object, Any] = {}
        """What the dialect remembers for the open transaction only; emptied when one begins."""

    @property
    def conn(self) -> C:
        """The bound connection."""
        if self._conn is None:
            msg = "the unit of work is not open: use it as a context manager (with ...:)"
            raise StorageError(msg)
        return self._conn

    def bind(self, conn: C) -> None:
        """Work on ``conn`` from now on (no transaction open yet)."""
        self._conn = conn
        self._in_transaction = False

    def unbind(self) -> C:
        """Stop working on the connection and return it."""
        conn = self.conn
        self._conn = None
        return conn

    # -- transactions ---------------------------------------------------------------------

    def begin(self, *, migration: bool = False) -> None:
        """Begin a transaction now (with ``migration``, under the migration lock)."""
        self.memo.clear()
        self._later.clear()
        self._reads.clear()
        with self.translated:
            if migration:
                self.dialect.begin_migration(self.conn)
            elif self.read_only and not self.snapshot:
                self.dialect.begin_statements(self.conn)
            elif self.read_only:
                self.dialect.begin_read(self.conn)
            else:
                self.dialect.begin(self.conn)
        self._in_transaction = True

    def commit(self) -> None:
        """Commit what was done since the transaction began."""
        if self._in_transaction:
            if self._reads:
                self.send_pending()
            later, self._later = self._later, []
            with self.translated:
                if later:
                    self.dialect.execute_and_commit(self.conn, later)
                else:
                    self.dialect.commit(self.conn)
            self._in_transaction = False  # after a failed commit, exit still rolls back

    def rollback(self) -> None:
        """Undo what was done since the transaction began (nothing if none is open)."""
        self._later.clear()
        self._reads.clear()
        if self._in_transaction:
            self._in_transaction = False
            with self.translated:
                self.dialect.rollback(self.conn)

    # -- statements -----------------------------------------------------------------------

    def _refuse_writes(self, query: str) -> None:
        if self.read_only and not query.startswith("SELECT"):
            msg = f"a read-only unit of work cannot run {query.split(maxsplit=1)[0]} statements"
            raise StorageError(msg)

    def _flush(self, last: Statement | None = None) -> Cursor | None:
        """Run what was kept for the next statement, then ``last``: the cursor of ``last``.

        What :meth:`run_later`, :meth:`run_batches_later` and :meth:`read_later` kept goes
        in order, then ``last`` if given (PostgreSQL: all in one round trip).
        """
        later, self._later = self._later, []
        reads, self._reads = self._reads, []
        if not reads and last is None:
            self.dialect.execute_batches(self.conn, later)
            return None
        statements = [pending.statement for pending in reads]
        rows, cursor = self.dialect.execute_after(self.conn, later, statements, last)
        for pending, found in zip(reads, rows, strict=True):
            pending._rows = found  # noqa: SLF001 - the session fills what it sent
        return cursor

    def send_pending(self) -> None:
        """Run what was kept for the next statement now (see :meth:`read_later`)."""
        with self.translated:
            self._flush()

    def _execute(self, query: str, params: Sequence[object]) -> Cursor:
        self._refuse_writes(query)
        if not self._in_transaction:
            self.begin()
        if query.startswith("SELECT") and _unstorable(params):
            # Stored text never holds such a character: the domain refuses it before it is
            # written. So the lookup matches nothing; asking the driver would fail (or, on
            # PostgreSQL, abort the unit).
            if self._later or self._reads:
                self._flush()
            return _NoRows()
        if self._later or self._reads:
            return cast("Cursor", self._flush((query, params)))
        return self.dialect.execute(self.conn, query, params)

    def read_later(self, query: str, params: Sequence[object] = ()) -> Pending:
        """A ``SELECT`` sent with the next statement run, whose rows the result gives.

        It goes after what :meth:`run_later` kept and before that statement (PostgreSQL:
        in the same round trip, so a lock it takes is held before that statement runs).
        Its errors are raised there. A rollback drops it: its rows are then an error.
        """
        self._refuse_writes(query)
        if not self._in_transaction:
            self.begin()
        pending = Pending(self, (query, params))
        if _unstorable(params):  # as in _execute: nothing stored matches
            pending._rows = []  # noqa: SLF001
        else:
            self._reads.append(pending)
        return pending

    def one(self, query: str, params: Sequence[object] = ()) -> Row | None:
        """The first row of a query, or ``None``."""
        with self.translated:
            row: Row | None = self._execute(query, params).fetchone()
        return row

    def all(self, query: str, params: Sequence[object] = ()) -> list[Row]:
        """Every row of a query."""
        with self.translated:
            return list(self._execute(query, params).fetchall())

    def run(self, query: str, params: Sequence[object] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        with self.translated:
            return self._execute(query, params).rowcount

    def _about_to_write(self, queries: Iterable[str]) -> None:
        """Refuse ``queries`` in a read-only unit, and begin the transaction if none is open."""
        for query in queries:
            self._refuse_writes(query)
        if not self._in_transaction:
            self.begin()

    def run_all(self, statements: Iterable[Statement]) -> None:
        """Run statements whose results are not needed, in order (PostgreSQL: at once)."""
        statements = list(statements)
        self._about_to_write(query for query, _params in statements)
        with self.translated:
            if self._later or self._reads:
                self._flush()
            self.dialect.execute_all(self.conn, statements)

    def run_later(self, statements: Iterable[Statement]) -> None:
        """Run statements whose results are not needed, in order, with the next one run.

        They go with the next statement, or with the commit (PostgreSQL: in the same round
        trip); a rollback drops them. Their errors are raised there: a write whose
        failure must be seen at once uses :meth:`run_all`.
        """
        statements = list(statements)
        self._about_to_write(query for query, _params in statements)
        self._later.extend((query, (params,)) for query, params in statements)

    def run_batches(self, batches: Iterable[Batch]) -> None:
        """Run each query once per parameter row, in order (``executemany``; PostgreSQL: at once).

        A query with no rows is skipped.
        """
        batches = [(query, rows) for query, rows in batches if rows]
        self._about_to_write(query for query, _rows in batches)
        with self.translated:
            if self._later or self._reads:
                self._flush()
            self.dialect.execute_batches(self.conn, batches)

    def run_batches_later(self, batches: Iterable[Batch]) -> None:
        """As :meth:`run_batches`, but with the next statement run, as :meth:`run_later` does.

        With the commit, PostgreSQL sends the rows and the ``COMMIT`` in one round trip.
        """
        batches = [(query, rows) for query, rows in batches if rows]
        self._about_to_write(query for query, _rows in batches)
        self._later.extend(batches)

    def run_script(self, script: str) -> None:
        """Run a migration script in the open transaction."""
        if not self._in_transaction:
            self.begin()
        with self.translated:
            if self._later or self._reads:
                self._flush()
            self.dialect.run_script(self.conn, script)
