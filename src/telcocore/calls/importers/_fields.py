"""Reading the fields of a row: times, seconds, accounts, ids; and checking the options."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telcocore.accounts.model import validate_account_id
from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers._rows import NoAccount
from telcocore.calls.model.records import MAX_NUMBER_LENGTH, Direction
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import MAX_ID_LENGTH, coerce_enum, shown, validate_id

__all__ = [
    "ID",
    "MAX_DIGITS",
    "Accounts",
    "Clock",
    "Directions",
    "Seconds",
    "hashed_id",
    "number_problem",
    "seconds",
    "source_id",
    "time_zone",
    "unfolded",
]

_STEPS: Final = {
    f":{minute:02d}:{second:02d}": timedelta(minutes=minute, seconds=second)
    for minute in range(60)
    for second in range(60)
}
"""``":MM:SS"`` to its offset within the hour: a valid text is a key, nothing else is."""

_LAST_SECOND: Final = timedelta(minutes=59, seconds=59)
_CACHE_LIMIT: Final = 100_000
_SEEN_LIMIT: Final = 4_096
"""How many distinct time texts a clock remembers (times repeat: a second has many calls)."""
ID: Final = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{MAX_ID_LENGTH - 1}}}")
"""What :func:`~telcocore.kernel.validation.validate_id` accepts, to match without a call."""

MAX_DIGITS: Final = 10
"""The most digits a number of seconds may have."""


class _PerRow:
    """An hour in which the zone's offset changes: each time is converted on its own."""


_PER_ROW: Final = _PerRow()


def time_zone(value: object) -> tzinfo:
    """The ``tz`` option: a tzinfo, or an IANA name such as ``"Europe/Berlin"``."""
    if isinstance(value, tzinfo):
        return value
    if isinstance(value, str):
        try:
            return UTC if value.upper() == "UTC" else ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    msg = f"tz {shown(value)} is not a time zone: pass a tzinfo or an IANA name like 'UTC'"
    raise InvalidImportOptions(msg, field="tz", value=value)


class Clock:
    """Reads ``YYYY-MM-DD HH:MM:SS`` local times of one zone as aware UTC datetimes.

    Slicing, not ``strptime``: each hour is converted once and cached, the minutes and
    seconds are added; the latest texts read are remembered with their instants
    (:attr:`seen`), since the calls of one second share their times. A local time that
    happens twice (the hour the clocks go back) is read as the first one, and one that
    never happens (the hour they go forward) with the offset before the change: Python's
    ``fold=0``; :func:`unfolded` reads such a time again as the second one when the first
    would end a call before it starts.
    """

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._hours: dict[str, datetime | _PerRow | None] = {}
        self.seen: dict[str, datetime | None] = {}
        """The latest texts read and their instants: ``seen.get(text) or read(text)``."""

    def read(self, text: str) -> datetime | None:
        """The instant ``text`` names, or ``None`` if it is not such a time."""
        found = self._read(text)
        seen = self.seen
        if len(seen) >= _SEEN_LIMIT:
            seen.clear()
        seen[text] = found
        return found

    def second(self, text: str) -> datetime | None:
        """The second instant ``text`` names, if it names two (``fold=1``), else ``None``."""
        if self._read(text) is None:
            return None
        naive = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - made aware below
        first = naive.replace(tzinfo=self._zone)
        later = naive.replace(tzinfo=self._zone, fold=1)
        if first.utcoffset() == later.utcoffset():
            return None
        found = later.astimezone(UTC)
        # A time the clocks skipped also differs by fold; it does not come back unchanged.
        if found.astimezone(self._zone).replace(tzinfo=None) != naive:
            return None
        return found

    def _read(self, text: str) -> datetime | None:
        step = _STEPS.get(text[13:])
        if step is None or len(text) != 19:  # noqa: PLR2004 - YYYY-MM-DD HH:MM:SS
            return None
        key = text[:13]
        try:
            hour = self._hours[key]
        except KeyError:
            hour = self._hour(key)
        if hour is None:
            return None
        if isinstance(hour, _PerRow):
            naive = (
                datetime(  # noqa: DTZ001 - made aware on the next line
                    int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:13])
                )
                + step
            )
            return naive.replace(tzinfo=self._zone).astimezone(UTC)
        return hour + step

    def _hour(self, key: str) -> datetime | _PerRow | None:
        hour: datetime | _PerRow | None
        if not (
            key[4] == "-"
            and key[7] == "-"
            and key[10] == " "
            and (digits := key[:4] + key[5:7] + key[8:10] + key[11:13]).isascii()
            and digits.isdigit()
        ):
            hour = None
        else:
            try:
                naive = datetime(int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]))  # noqa: DTZ001
                first = naive.replace(tzinfo=self._zone)
                last = (naive + _LAST_SECOND).replace(tzinfo=self._zone)
                hour = first.astimezone(UTC) if first.utcoffset() == last.utcoffset() else _PER_ROW
            except (ValueError, OverflowError):
                hour = None
        if len(self._hours) >= _CACHE_LIMIT:
            self._hours.clear()
        self._hours[key] = hour
        return hour


def unfolded(
    clock: Clock,
    start: datetime,
    answer: datetime | None,
    end: datetime,
    texts: tuple[str, str],
) -> tuple[datetime | None, datetime]:
    """``(answer, end)``, each read as the second occurrence where the first cannot be.

    A local time that happens twice is read as the first (``fold=0``); a call that starts
    in the first occurrence of the repeated hour and ends in the second then reads as
    ending before it starts. When ``end`` is before ``start`` and its text names two
    instants, the second is taken; likewise ``answer`` when it is before ``start``. The
    times are returned unchanged otherwise: an inconsistency left is for the caller to
    refuse. ``texts`` are the answer's and the end's texts.
    """
    answer_text, end_text = texts
    if end < start and (later := clock.second(end_text)) is not None:
        end = later
    if answer is not None and answer < start and (later := clock.second(answer_text)) is not None:
        answer = later
    return answer, end


def seconds(text: str) -> int | None:
    """A whole number of seconds written as ASCII digits, or ``None``."""
    if text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS:
        return int(text)
    return None


class Seconds:
    """Reads whole numbers of seconds, remembering each text read (calls share durations).

    ``known.get(text) or read(text)`` gives ``(seconds, seconds as a Decimal)``, or
    ``None`` when ``text`` is not ASCII digits (at most :data:`MAX_DIGITS` of them).
    """

    def __init__(self) -> None:
        self.known: dict[str, tuple[int, Decimal]] = {}
        """Texts read and their values (valid ones only)."""

    def read(self, text: str) -> tuple[int, Decimal] | None:
        """The value of ``text``, remembered, or ``None`` if it is not such a number."""
        whole = seconds(text)
        if whole is None:
            return None
        found = (whole, Decimal(whole))
        known = self.known
        if len(known) >= _SEEN_LIMIT:
            known.clear()
        known[text] = found
        return found


def number_problem(text: str, name: str) -> str | None:
    """Why a source or destination number cannot be kept, or ``None``."""
    if len(text) > MAX_NUMBER_LENGTH:
        return f"{name} is longer than {MAX_NUMBER_LENGTH} characters"
    if "\x00" in text:
        return f"{name} holds a NUL character"
    return None


def hashed_id(prefix: str, fields: list[str]) -> str:
    """A stable id for a row without one: ``prefix`` and 32 hex digits of its SHA-256."""
    digest = hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()
    return f"{prefix}{digest[:32]}"


def source_id(prefix: str, given: str, fields: list[str]) -> str:
    """``prefix + given`` when that is a valid id, else the hash of the whole row."""
    if given:
        candidate = prefix + given
        try:
            return validate_id(candidate, field="call_id", label="call id")
        except ValidationError:
            pass
    return hashed_id(prefix, fields)


class Accounts:
    """Resolves a row's account: the account code, a fixed account or the caller's rule."""

    def __init__(self, rule: object, *, column: str | None) -> None:
        self.fixed: str | None = None
        self._rule: Callable[[Mapping[str, str]], object] | None = None
        self._column = column
        self.known: set[str] = set()
        """Account ids already found valid (the rows' own account codes only)."""
        self.by_column = rule is None
        if isinstance(rule, str):
            try:
                self.fixed = validate_account_id(rule)
            except ValidationError as refused:
                raise InvalidImportOptions(str(refused), field="account", value=rule) from None
        elif callable(rule):
            self._rule = rule
        elif rule is not None:
            msg = f"account must be None, an account id or a callable, got {shown(rule)}"
            raise InvalidImportOptions(msg, field="account", value=rule)
        elif column is None:
            msg = "these rows have no account code column: pass account= (an id or a callable)"
            raise InvalidImportOptions(msg, field="account", value=None)

    def of(self, raw: Mapping[str, str]) -> tuple[str | None, str | None]:
        """``(account, None)``, or ``(None, why the row has no usable account)``."""
        if self.fixed is not None:
            return self.fixed, None
        if self._rule is not None:
            account = self._rule(raw)
            if not isinstance(account, str):
                return None, _no_account(account)
        else:
            account = raw[self._column]  # type: ignore[index]
            if not account:
                return None, f"{self._column} is empty and no account was given"
        if account not in self.known:
            try:
                validate_account_id(account)
            except ValidationError as refused:
                return None, str(refused)
            if self._rule is None:
                if len(self.known) >= _CACHE_LIMIT:
                    self.known.clear()
                self.known.add(account)
        return account, None


def _no_account(answer: object) -> str:
    """Why an account rule's ``answer`` that is no account id rejects the row."""
    if answer is None:
        return "the account rule found no account for this row"
    if type(answer) is NoAccount:
        return answer.reason
    return f"the account rule returned {shown(answer)}, not an account id"


class Directions:
    """Decides a row's direction: a fixed one, or the caller's rule."""

    def __init__(self, rule: object) -> None:
        self._rule: Callable[[Mapping[str, str]], object] | None = None
        self.fixed: Direction | None = None
        if callable(rule) and not isinstance(rule, str):
            self._rule = rule
        else:
            try:
                self.fixed = coerce_enum(Direction, rule, field="direction")
            except ValidationError as refused:
                raise InvalidImportOptions(str(refused), field="direction", value=rule) from None

    def of(self, raw: Mapping[str, str]) -> tuple[Direction | None, str | None]:
        """``(direction, None)``, or ``(None, why the row has none)``."""
        if self.fixed is not None:
            return self.fixed, None
        answer = self._rule(raw)  # type: ignore[misc]
        try:
            return Direction(answer), None  # type: ignore[arg-type]
        except ValueError:
            return None, f"the direction rule returned {shown(answer)}, not a direction"


def whole_seconds(value: Decimal) -> int:
    """``value`` seconds rounded up to a whole second."""
    whole = int(value)
    return whole if whole == value else whole + 1
