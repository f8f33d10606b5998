"""The converter: Decimal as strings, datetimes as ISO 8601 UTC, enums by value."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcocore import (
    Account,
    AccountStatus,
    Channel,
    InvalidAmount,
    LedgerEntry,
    Message,
    MessageKind,
    Money,
    NaiveDatetime,
    Rounding,
    SystemAccount,
    TelcoCore,
    Transaction,
    TransactionKind,
    ValidationError,
)
from telcocore.kernel import serialization
from telcocore.kernel.serialization import converter, make_converter

CURRENCIES = ["USD", "EUR", "JPY", "KWD"]

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
amounts = st.decimals(
    min_value=Decimal(-1000000),
    max_value=Decimal(1000000),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.builds(timezone, offsets),
)
utc_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
ENUMS: list[type[enum.Enum]] = [
    AccountStatus,
    TransactionKind,
    SystemAccount,
    Rounding,
    Channel,
    MessageKind,
]


def _json_round_trip(value: object, cls: type) -> object:
    """Unstructure, go through JSON text, structure back."""
    return converter.structure(json.loads(json.dumps(converter.unstructure(value))), cls)


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    """Accounts with every setting drawn."""
    currency = draw(st.sampled_from(CURRENCIES))
    money = amounts.map(lambda a: Money(a, currency))
    return Account(
        id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True)),
        name=draw(st.text(min_size=1, max_size=30).filter(str.strip)),
        currency=currency,
        created_at=draw(utc_datetimes),
        status=draw(st.sampled_from(AccountStatus)),
        debit_limit=draw(money),
        channel_limit=draw(st.none() | st.integers(min_value=0, max_value=1000)),
        home_country=draw(st.sampled_from(["US", "CA", "DE", "JP", "KW"])),
        locale=draw(st.sampled_from(["en_US", "de_DE", "ja_JP", "ar_KW"])),
        realm=draw(st.none() | st.just("sip.example.com")),
        tax_rate=draw(st.decimals(min_value=0, max_value=1, places=4)),
        low_balance_threshold=draw(st.none() | money),
        version=draw(st.integers(min_value=0, max_value=10**6)),
    )


@st.composite
def transactions(draw: st.DrawFn) -> Transaction:
    """Transactions of every kind, and sometimes their reversal."""
    currency = draw(st.sampled_from(CURRENCIES))
    amount = draw(amounts.filter(bool))
    transaction = Transaction.between(
        id=draw(st.text(min_size=1, max_size=10)),
        kind=draw(st.sampled_from(TransactionKind)),
        account_id="acme",
        amount=Money(amount, currency),
        idempotency_key=draw(st.text(min_size=1, max_size=20)),
        created_at=draw(utc_datetimes),
        description=draw(st.text(max_size=20)),
    )
    if draw(st.booleans()):
        return transaction.reversal(
            id="rev",
            idempotency_key="rev-key",
            created_at=transaction.created_at,
            description="oops",
        )
    return transaction


class TestDecimal:
    """Decimals are stored as strings, exactly."""

    def test_unstructure_to_string(self) -> None:
        """A Decimal becomes its string, trailing zeros kept."""
        assert "12.50" == converter.unstructure(Decimal("12.50"))

    @given(finite_decimals)
    def test_round_trip(self, value: Decimal) -> None:
        """Any finite Decimal comes back equal, with the same exponent."""
        back = converter.structure(converter.unstructure(value), Decimal)
        assert (value, str(value)) == (back, str(back))

    def test_from_int(self) -> None:
        """An int is read as the same Decimal."""
        assert Decimal(7) == converter.structure(7, Decimal)

    @pytest.mark.parametrize("value", [0.1, 1.5, 0.0, float("nan")], ids=repr)
    def test_float_refused(self, value: float) -> None:
        """A float is refused on structure, naming it."""
        with pytest.raises(InvalidAmount, match="float") as info:
            converter.structure(value, Decimal)
        assert repr(value) in str(info.value)

    @pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", True, None], ids=repr)
    def test_non_number_refused(self, value: object) -> None:
        """Strings that are not finite numbers, bools and None are refused."""
        with pytest.raises(InvalidAmount):
            converter.structure(value, Decimal)


class TestMoney:
    """Money is {"amount": "...", "currency": "..."}."""

    def test_unstructure(self) -> None:
        """The amount becomes a string, the currency stays."""
        assert {"amount": "12.50", "currency": "USD"} == converter.unstructure(
            Money("12.50", "USD")
        )

    @given(amounts, st.sampled_from(CURRENCIES))
    def test_round_trip(self, amount: Decimal, currency: str) -> None:
        """Money survives a trip through JSON."""
        money = Money(amount, currency)
        assert money == _json_round_trip(money, Money)

    def test_float_amount_refused(self) -> None:
        """A float amount is refused on structure."""
        with pytest.raises(InvalidAmount, match=r"12\.5"):
            converter.structure({"amount": 12.5, "currency": "USD"}, Money)

    @pytest.mark.parametrize("value", ["12.50 USD", ["12.50", "USD"], None], ids=repr)
    def test_not_a_mapping_refused(self, value: object) -> None:
        """Anything but a mapping is refused, naming it."""
        with pytest.raises(ValidationError) as info:
            converter.structure(value, Money)
        assert repr(value) in str(info.value)

    def test_currency_checked(self) -> None:
        """An unknown currency is refused on structure."""
        with pytest.raises(ValidationError, match="ABC"):
            converter.structure({"amount": "1", "currency": "ABC"}, Money)


class TestDatetime:
    """Datetimes are ISO 8601 strings in UTC."""

    def test_unstructure_utc(self) -> None:
        """A UTC datetime becomes its ISO 8601 string with +00:00."""
        value = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
        assert "2026-03-14T15:09:26+00:00" == converter.unstructure(value)

    def test_unstructure_converts_to_utc(self) -> None:
        """A datetime in another zone is written in UTC."""
        value = datetime(2026, 3, 14, 17, 9, 26, tzinfo=timezone(timedelta(hours=2)))
        assert "2026-03-14T15:09:26+00:00" == converter.unstructure(value)

    @given(aware_datetimes)
    def test_round_trip(self, value: datetime) -> None:
        """Any aware datetime comes back as the same instant, in UTC."""
        back = converter.structure(converter.unstructure(value), datetime)
        assert (value, UTC) == (back, back.tzinfo)

    def test_naive_string_refused(self) -> None:
        """An ISO string without an offset is refused, naming it."""
        with pytest.raises(NaiveDatetime, match="2026-03-14T15:09:26"):
            converter.structure("2026-03-14T15:09:26", datetime)

    def test_naive_datetime_refused(self) -> None:
        """A naive datetime object is refused both ways."""
        naive = datetime(2026, 3, 14, 15, 9, 26)  # noqa: DTZ001 - the point of the test
        with pytest.raises(NaiveDatetime):
            converter.structure(naive, datetime)
        with pytest.raises(NaiveDatetime):
            converter.unstructure(naive)

    def test_offset_string_converted(self) -> None:
        """An ISO string with an offset is read and converted to UTC."""
        assert datetime(2026, 3, 14, 13, 0, tzinfo=UTC) == converter.structure(
            "2026-03-14T15:00:00+02:00", datetime
        )

    @pytest.mark.parametrize(
        "value", ["yesterday", "2026-13-01T00:00:00+00:00", 1773500966, None], ids=repr
    )
    def test_garbage_refused(self, value: object) -> None:
        """A string that is not ISO 8601, or a number, is refused, naming it."""
        with pytest.raises(ValidationError) as info:
            converter.structure(value, datetime)
        assert repr(value) in str(info.value)


class TestEnums:
    """Enums are stored by value."""

    @pytest.mark.parametrize("member", [m for cls in ENUMS for m in cls], ids=repr)
    def test_round_trip(self, member: enum.Enum) -> None:
        """Each member becomes its plain value and is read back as the member."""
        raw = converter.unstructure(member)
        assert (member.value, str, member) == (
            raw,
            type(raw),
            converter.structure(raw, type(member)),
        )

    def test_unknown_value_refused(self) -> None:
        """A value that is no member is refused."""
        with pytest.raises(ValueError, match="closed"):
            converter.structure("closed", AccountStatus)


class TestAggregates:
    """Accounts, transactions and their parts round-trip through JSON."""

    @given(accounts())
    def test_account_round_trip(self, account: Account) -> None:
        """An account survives a trip through JSON."""
        assert account == _json_round_trip(account, Account)

    def test_account_shape(self) -> None:
        """An account is unstructured to JSON-ready values only."""
        account = Account(
            id="acme",
            name="Acme",
            currency="USD",
            created_at=datetime(2026, 3, 14, tzinfo=UTC),
            debit_limit=Money("5.00", "USD"),
            tax_rate="0.2",
        )
        data = converter.unstructure(account)
        assert (
            "active",
            {"amount": "5.00", "currency": "USD"},
            "0.2",
            "2026-03-14T00:00:00+00:00",
            None,
        ) == (
            data["status"],
            data["debit_limit"],
            data["tax_rate"],
            data["created_at"],
            data["low_balance_threshold"],
        )

    def test_account_float_refused(self) -> None:
        """A float inside an account is refused on structure."""
        data = converter.unstructure(
            Account(
                id="acme", name="Acme", currency="USD", created_at=datetime(2026, 3, 14, tzinfo=UTC)
            )
        )
        data["tax_rate"] = 0.2
        with pytest.raises(Exception) as info:  # noqa: PT011 - cattrs may group the cause
            converter.structure(data, Account)
        causes = getattr(info.value, "exceptions", (info.value,))
        assert [InvalidAmount] == [type(c) for c in causes]

    @given(transactions())
    def test_transaction_round_trip(self, transaction: Transaction) -> None:
        """A transaction (or reversal) survives a trip through JSON, postings and all."""
        assert transaction == _json_round_trip(transaction, Transaction)

    def test_ledger_transaction_round_trip(self, core: TelcoCore) -> None:
        """A transaction posted by the ledger survives a trip through JSON."""
        core.accounts.open("Acme", "JPY", account_id="acme")
        posted = core.ledger.credit("acme", "1500", idempotency_key="topup-1")
        assert posted == _json_round_trip(posted, Transaction)

    def test_ledger_entry_round_trip(self) -> None:
        """A history line survives a trip through JSON."""
        entry = LedgerEntry(
            seq=3,
            transaction_id="tx-3",
            kind=TransactionKind.USAGE,
            created_at=datetime(2026, 3, 14, tzinfo=UTC),
            amount=Money("-0.042", "USD"),
            balance=Money("7.458", "USD"),
            reverses=None,
        )
        assert entry == _json_round_trip(entry, LedgerEntry)

    def test_message_round_trip(self) -> None:
        """A message with its template data survives a trip through JSON."""
        message = Message(
            id="m-1",
            kind=MessageKind.LOW_BALANCE,
            account_id="acme",
            created_at=datetime(2026, 3, 14, tzinfo=UTC),
            channel=Channel.SMS,
            to="+14155550123",
            data={"balance": "1.50", "currency": "USD"},
        )
        assert message == _json_round_trip(message, Message)


class TestConverterIdentity:
    """The library has its own converter; cattrs' global one is left alone."""

    def test_not_global(self) -> None:
        """serialization.converter is not cattrs' global converter."""
        assert serialization.converter is not cattrs.global_converter

    def test_global_untouched(self) -> None:
        """Cattrs' global converter did not get telcocore's hooks."""
        assert Decimal is type(cattrs.global_converter.unstructure(Money("1.50", "USD"))["amount"])

    def test_make_converter_new_each_time(self) -> None:
        """make_converter returns a new converter with the hooks each time."""
        first, second = make_converter(), make_converter()
        assert (False, "1.50", "1.50") == (
            first is second,
            first.unstructure(Decimal("1.50")),
            second.unstructure(Decimal("1.50")),
        )

    def test_configure_converter(self) -> None:
        """configure_converter adds the hooks to a converter of the caller's."""
        mine = cattrs.Converter()
        serialization.configure_converter(mine)
        with pytest.raises(InvalidAmount):
            mine.structure(0.1, Decimal)
