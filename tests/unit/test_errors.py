"""The error tree: one root, stdlib mixins, data as attributes, messages that name values."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest

import telcocore
from telcocore.accounts.errors import AccountNotActive, AccountNotFound, InvalidStatusTransition
from telcocore.billing.ledger.errors import (
    AlreadyReversed,
    DebitLimitExceeded,
    IdempotencyConflict,
    TransactionNotFound,
)
from telcocore.kernel import errors
from telcocore.kernel.errors import (
    AlreadyExists,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    NaiveDatetime,
    NotFoundError,
    RuleViolation,
    SchemaVersionError,
    StorageError,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.money import Money


def _error_modules() -> list[ModuleType]:
    """The kernel's error module (the base of the tree) and each domain's, found by name."""
    found = [
        importlib.import_module(module.name)
        for module in pkgutil.walk_packages(telcocore.__path__, "telcocore.")
        if module.name.endswith(".errors")
    ]
    return sorted(found, key=lambda module: module.__name__)


ERROR_MODULES = _error_modules()
"""Every ``errors`` module of the package: a new domain's is checked without being listed."""

ERROR_NAMES = sorted(name for module in ERROR_MODULES for name in module.__all__)
ERROR_CLASSES = [getattr(telcocore, name) for name in ERROR_NAMES]

_TREE_LINE = re.compile(r"^(?P<indent>[ │├└─]*)(?P<name>[A-Z]\w+)(?: \((?P<mixin>\w+)\))?")


def _tree() -> list[tuple[str, str | None, str | None]]:
    """(class, parent, stdlib mixin) for each class drawn in the errors module docstring."""
    doc = inspect.getdoc(errors) or ""
    drawing = doc.split("::", 1)[1]
    rows: list[tuple[str, str | None, str | None]] = []
    stack: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        match = _TREE_LINE.match(line)
        if match is None or not line.strip():
            continue
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        rows.append((match["name"], stack[-1][1] if stack else None, match["mixin"]))
        stack.append((depth, match["name"]))
    return rows


def _bases(name: str) -> tuple[type, ...]:
    """The direct bases of the error class exported as ``name``."""
    cls: type = getattr(telcocore, name)
    return cls.__bases__


class TestHierarchy:
    """Every error is a TelcoError, mixing in the stdlib error it resembles."""

    @pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
    def test_is_telco_error(self, cls: type[Exception]) -> None:
        """Every error class is a TelcoError."""
        assert issubclass(cls, TelcoError)

    @pytest.mark.parametrize("module", ERROR_MODULES, ids=lambda m: m.__name__)
    def test_all_sorted(self, module: object) -> None:
        """Each errors module's __all__ is sorted."""
        names = list(vars(module)["__all__"])
        assert sorted(names) == names

    @pytest.mark.parametrize("module", ERROR_MODULES, ids=lambda m: m.__name__)
    def test_all_lists_every_error(self, module: object) -> None:
        """Every exception class defined in an errors module is listed in its __all__."""
        defined = {
            name
            for name, value in vars(module).items()
            if isinstance(value, type)
            and issubclass(value, BaseException)
            and value.__module__ == vars(module)["__name__"]
        }
        assert defined == set(vars(module)["__all__"])

    def test_every_error_exported_by_package(self) -> None:
        """Every error is importable from the package itself."""
        assert set() == set(ERROR_NAMES) - set(telcocore.__all__)

    @pytest.mark.parametrize(
        ("cls", "mixin"),
        [
            (ValidationError, ValueError),
            (InvalidAmount, TypeError),
            (InvalidAmount, ValueError),
            (InvalidCurrency, ValueError),
            (CurrencyMismatch, ValueError),
            (NaiveDatetime, TypeError),
            (NaiveDatetime, ValueError),
            (NotFoundError, LookupError),
            (AccountNotFound, LookupError),
            (TransactionNotFound, LookupError),
            (ConfigurationError, ValueError),
            (StorageError, OSError),
            (SchemaVersionError, OSError),
        ],
        ids=lambda v: v.__name__,
    )
    def test_stdlib_mixins(self, cls: type[Exception], mixin: type[Exception]) -> None:
        """Errors can be caught as the stdlib error they resemble."""
        assert issubclass(cls, mixin)

    @pytest.mark.parametrize(
        ("cls", "parent"),
        [
            (AlreadyExists, ConflictError),
            (ConcurrencyError, ConflictError),
            (IdempotencyConflict, ConflictError),
            (AlreadyReversed, ConflictError),
            (AccountNotActive, RuleViolation),
            (InvalidStatusTransition, RuleViolation),
            (DebitLimitExceeded, RuleViolation),
        ],
        ids=lambda v: v.__name__,
    )
    def test_families(self, cls: type[Exception], parent: type[Exception]) -> None:
        """Conflicts and rule violations are grouped under their family."""
        assert issubclass(cls, parent)


class TestDocstringTree:
    """The module docstring draws the whole tree, and the drawing is true."""

    def test_names_every_class(self) -> None:
        """Every error class of the kernel and the domains appears in the drawing, once."""
        drawn = [name for name, _, _ in _tree()]
        assert (ERROR_NAMES, len(drawn)) == (sorted(drawn), len(set(drawn)))

    def test_root_is_telco_error(self) -> None:
        """The drawing has one root, TelcoError."""
        assert [("TelcoError", None, None)] == [row for row in _tree() if row[1] is None]

    def test_parents_match_classes(self) -> None:
        """Each class drawn under another subclasses it."""
        wrong = [
            (name, parent)
            for name, parent, _ in _tree()
            if parent is not None and getattr(telcocore, parent) not in _bases(name)
        ]
        assert [] == wrong

    def test_mixins_match_classes(self) -> None:
        """A stdlib error drawn in brackets is one of the class's bases."""
        import builtins  # noqa: PLC0415 - only here

        wrong = [
            (name, mixin)
            for name, _, mixin in _tree()
            if mixin is not None and getattr(builtins, mixin) not in _bases(name)
        ]
        assert [] == wrong


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


class TestDataAndMessages:
    """Errors carry their data as attributes, and their messages name the values."""

    def test_debit_limit_exceeded(self) -> None:
        """account_id, requested, available and shortfall are attributes and in the message."""
        error = DebitLimitExceeded("acme", _usd("12.50"), _usd("4.25"))
        message = str(error)
        assert ("acme", _usd("12.50"), _usd("4.25"), _usd("8.25")) == (
            error.account_id,
            error.requested,
            error.available,
            error.shortfall,
        )
        assert [] == [
            v for v in ("'acme'", "12.50 USD", "4.25 USD", "8.25 USD") if v not in message
        ]

    def test_debit_limit_exceeded_with_negative_available(self) -> None:
        """Past the limit, the shortfall is the request plus what is already over."""
        error = DebitLimitExceeded("acme", _usd("3"), _usd("-2"))
        assert _usd("5") == error.shortfall

    def test_invalid_status_transition(self) -> None:
        """The account, the current and the requested status are named."""
        error = InvalidStatusTransition("acme", "pending_approval", "penalty")
        assert ("acme", "pending_approval", "penalty") == (
            error.account_id,
            error.current,
            error.requested,
        )
        assert all(v in str(error) for v in ("'acme'", "'pending_approval'", "'penalty'"))

    def test_account_not_active(self) -> None:
        """The account and its status are named."""
        error = AccountNotActive("acme", "penalty", action="buy seats")
        assert ("acme", "penalty", True) == (
            error.account_id,
            error.status,
            all(v in str(error) for v in ("'acme'", "penalty", "buy seats")),
        )

    @pytest.mark.parametrize(
        ("cls", "entity"), [(AccountNotFound, "account"), (TransactionNotFound, "transaction")]
    )
    def test_not_found(self, cls: type[NotFoundError], entity: str) -> None:
        """The entity and the key asked for are named."""
        error = cls("nope-42")
        assert ("nope-42", f"{entity} 'nope-42' not found") == (error.key, str(error))

    def test_not_found_is_not_key_error(self) -> None:
        """A NotFoundError is a LookupError but not a KeyError (whose str() adds quotes)."""
        assert not issubclass(AccountNotFound, KeyError)

    def test_already_exists(self) -> None:
        """The entity and the key are named."""
        error = AlreadyExists("account", "acme")
        assert ("account", "acme", "account 'acme' already exists") == (
            error.entity,
            error.key,
            str(error),
        )

    def test_concurrency_error(self) -> None:
        """The entity, key and the stale version are named."""
        error = ConcurrencyError("account", "acme", 3)
        assert (3, True) == (error.expected_version, "'acme'" in str(error) and "3" in str(error))

    def test_idempotency_conflict(self) -> None:
        """The key and how the requests differ are named."""
        error = IdempotencyConflict("topup-1", "amount 10 USD, not 12 USD")
        assert ("topup-1", True) == (
            error.key,
            "'topup-1'" in str(error) and "amount 10 USD, not 12 USD" in str(error),
        )

    def test_already_reversed(self) -> None:
        """The transaction is named."""
        error = AlreadyReversed("tx-1", "it was reversed by tx-2")
        assert ("tx-1", True) == (
            error.transaction_id,
            "'tx-1'" in str(error) and "tx-2" in str(error),
        )

    def test_currency_mismatch(self) -> None:
        """Both currencies and the operation are named."""
        error = CurrencyMismatch("USD", "EUR", operation="add")
        assert ("USD", "EUR", "currency", True) == (
            error.left,
            error.right,
            error.field,
            all(v in str(error) for v in ("USD", "EUR", "add")),
        )

    def test_schema_version_error(self) -> None:
        """The version found and the version supported are named."""
        error = SchemaVersionError(7, 3)
        assert (7, 3, None, True) == (
            error.found,
            error.supported,
            error.module,
            "7" in str(error) and "3" in str(error),
        )

    def test_schema_version_error_of_a_module(self) -> None:
        """The module that is newer than the release is named too."""
        error = SchemaVersionError(2, 1, module="billing.ledger")
        assert ("billing.ledger", "database schema of 'billing.ledger' is at version 2") == (
            error.module,
            str(error).split(",", 1)[0],
        )

    def test_validation_error_fields(self) -> None:
        """A ValidationError keeps the field and the value it refused."""
        error = ValidationError("bad", field="name", value="")
        assert ("name", "") == (error.field, error.value)


class TestRaisedThroughTheApi:
    """The messages of errors raised by the services name the values involved."""

    def test_unknown_storage_scheme(self) -> None:
        """connect() with an unknown scheme names the URL and the known schemes."""
        with pytest.raises(ConfigurationError) as info:
            telcocore.connect("nosuch://somewhere")
        assert ("nosuch://somewhere" in str(info.value), "memory" in str(info.value)) == (
            True,
            True,
        )

    def test_account_not_found(self, core: telcocore.TelcoCore) -> None:
        """Reading an unknown account names its id."""
        with pytest.raises(AccountNotFound, match="'ghost'"):
            core.accounts.get("ghost")

    def test_transaction_not_found(self, core: telcocore.TelcoCore) -> None:
        """Reversing an unknown transaction names its id."""
        with pytest.raises(TransactionNotFound, match="'tx-ghost'"):
            core.ledger.reverse("tx-ghost", idempotency_key="r-1")

    def test_duplicate_account(self, core: telcocore.TelcoCore) -> None:
        """Opening an account with a taken id names the id."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(AlreadyExists, match="'acme'"):
            core.accounts.open("Acme again", "USD", account_id="acme")

    def test_validation_error_when_debiting_zero(self, core: telcocore.TelcoCore) -> None:
        """A non-positive amount is refused, naming it."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match=r"-1\.00 USD"):
            core.ledger.credit("acme", "-1", idempotency_key="k")

    def test_root_catches_everything(self, core: telcocore.TelcoCore) -> None:
        """One ``except TelcoError`` catches a refused debit."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(TelcoError):
            core.ledger.debit("acme", "1", idempotency_key="k")
