"""The public surface of the ``telcocore`` package."""

from __future__ import annotations

import importlib.metadata

import pytest

import telcocore


class TestAll:
    """``telcocore.__all__`` is the public surface."""

    def test_sorted(self) -> None:
        """The names are listed in sorted order."""
        assert sorted(telcocore.__all__) == telcocore.__all__

    def test_no_duplicates(self) -> None:
        """No name is listed twice."""
        assert len(set(telcocore.__all__)) == len(telcocore.__all__)

    @pytest.mark.parametrize("name", telcocore.__all__)
    def test_every_name_imports(self, name: str) -> None:
        """Every listed name is an attribute of the package and imports with ``from``."""
        namespace: dict[str, object] = {}
        exec(f"from telcocore import {name}", namespace)  # noqa: S102 - a fixed, listed name
        assert getattr(telcocore, name) is namespace[name]

    def test_public_members_come_from_telcocore(self) -> None:
        """Every listed class or function is defined inside the telcocore package."""
        foreign = [
            name
            for name in telcocore.__all__
            if not getattr(telcocore, name).__module__.startswith("telcocore")
        ]
        assert [] == foreign


class TestVersion:
    """``telcocore.__version__`` is read from the installed distribution, lazily."""

    def test_version_matches_distribution(self) -> None:
        """The attribute is the installed distribution's version."""
        try:
            expected = importlib.metadata.version("telcocore")
        except importlib.metadata.PackageNotFoundError:
            pytest.skip("the telcocore distribution is not installed")
        assert expected == telcocore.__version__

    def test_version_not_installed_raises(self) -> None:
        """Without an installed distribution, reading the version says so."""
        try:
            importlib.metadata.version("telcocore")
        except importlib.metadata.PackageNotFoundError:
            with pytest.raises(importlib.metadata.PackageNotFoundError):
                _ = telcocore.__version__
        else:
            pytest.skip("the telcocore distribution is installed")

    def test_unknown_attribute(self) -> None:
        """Any other missing attribute is an AttributeError naming it."""
        with pytest.raises(AttributeError, match="no_such_thing"):
            _ = telcocore.no_such_thing
