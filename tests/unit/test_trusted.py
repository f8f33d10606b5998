"""Frozen values built from checked parts, without their checks (``kernel.trusted``)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from telcocore import Money, SummaryRow
from telcocore.calls.model.classification import Classification
from telcocore.kernel.trusted import trusted_constructor
from telcocore.reporting.model.summaries import Grain


@attrs.define(slots=False)
class _Loose:
    value: int


@attrs.frozen
class _Checked:
    number: int = attrs.field(converter=int)
    name: str = attrs.field(validator=attrs.validators.instance_of(str))


@attrs.frozen(weakref_slot=False)
class _Unreferenced:
    number: int = attrs.field(converter=int)
    name: str = attrs.field(validator=attrs.validators.instance_of(str))


def _row() -> list[object]:
    return [
        "acme",
        Grain.DAY,
        datetime(2026, 3, 1, tzinfo=UTC),
        "44",
        "United Kingdom",
        Classification.INTERNATIONAL,
        3,
        2,
        Decimal(95),
        120,
        Money("0.12", "USD"),
        1,
        Money("0.05", "USD"),
        Money("0.06", "USD"),
    ]


class TestTrustedConstructor:
    """The object made is an ordinary instance of the class."""

    def test_a_summary_row_equals_one_made_by_its_class(self) -> None:
        """Same class, equal, same hash and repr, and it pickles back to an equal row."""
        columns = _row()
        stored = [*columns[:10], "USD", Decimal("0.12"), 1, Decimal("0.05"), Decimal("0.06")]
        made = trusted_constructor(SummaryRow)(*stored)
        usual = SummaryRow(*columns)  # type: ignore[arg-type]
        again = pickle.loads(pickle.dumps(made))  # noqa: S301 - bytes made just above
        assert (type(made), made, hash(made), repr(made), again) == (
            SummaryRow,
            usual,
            hash(usual),
            repr(usual),
            usual,
        )

    def test_money_made_trusted_is_money(self) -> None:
        """``Money._trusted`` makes Money equal to the checked one, with its properties."""
        made = Money._trusted(Decimal("1.5"), "USD")
        assert (type(made), made, str(made), made + made) == (
            Money,
            Money("1.5", "USD"),
            "1.50 USD",
            Money("3.0", "USD"),
        )

    @pytest.mark.parametrize("cls", [_Checked, _Unreferenced])
    def test_it_stays_frozen(self, cls: type[_Checked]) -> None:
        """Changing a field afterwards raises as it does on any instance."""
        made = trusted_constructor(cls)(1, "one")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.number = 2  # type: ignore[misc]

    def test_no_converter_or_validator_runs(self) -> None:
        """The values are taken as given: the caller vouches for them."""
        made = trusted_constructor(_Checked)("1", "one")
        assert ("1", "one") == (made.number, made.name)  # type: ignore[comparison-overlap]

    def test_a_class_without_weak_references_is_built_as_itself(self) -> None:
        """Built through its twin, it is a plain instance: its class, equal, no converter run."""
        made = trusted_constructor(_Unreferenced)("1", "one")
        usual = _Unreferenced(1, "one")
        assert (type(made), made.number, made == usual) == (  # type: ignore[comparison-overlap]
            _Unreferenced,
            "1",
            False,
        )
        made = trusted_constructor(_Unreferenced)(1, "one")
        assert (type(made), made, hash(made), repr(made)) == (
            _Unreferenced,
            usual,
            hash(usual),
            repr(usual),
        )

    @pytest.mark.parametrize("name", ["cls", "_new", "_twin"])
    def test_a_field_named_as_the_constructors_variables_is_refused(self, name: str) -> None:
        """Such a name would shadow what the generated constructor uses: refused."""
        cls = attrs.make_class("Clash", {name: attrs.field()}, frozen=True, slots=True)
        with pytest.raises(TypeError, match="constructor's own variables"):
            trusted_constructor(cls)

    @pytest.mark.parametrize("cls", [int, Decimal, _Loose])
    def test_a_class_it_cannot_build_is_refused(self, cls: type) -> None:
        """A class that is not a slotted attrs class raises TypeError, naming it."""
        with pytest.raises(TypeError, match=cls.__name__):
            trusted_constructor(cls)

    def test_a_keyword_only_field_is_refused(self) -> None:
        """Every field must be positional."""

        @attrs.frozen
        class KeywordOnly:
            value: int = attrs.field(kw_only=True)

        with pytest.raises(TypeError, match="positional"):
            trusted_constructor(KeywordOnly)

    def test_a_class_with_a_cached_hash_is_refused(self) -> None:
        """A slot that is not a field would be left unset: the class is refused."""

        @attrs.frozen(cache_hash=True)
        class Cached:
            value: int

        with pytest.raises(TypeError, match="slot that is not a field"):
            trusted_constructor(Cached)
