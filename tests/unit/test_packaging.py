"""The package's metadata and its development sessions agree on the supported Pythons."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _noxfile(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """noxfile.py, loaded with a stand-in for nox (the tests do not install nox)."""
    monkeypatch.setitem(sys.modules, "nox", mock.MagicMock())
    spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_python(directory: Path, version: str, exit_code: int) -> None:
    script = directory / f"python{version}"
    script.write_text(f"#!/bin/sh\nexit {exit_code}\n")
    script.chmod(0o755)


class TestSupportedPythons:
    """Classifiers, requires-python and the nox sessions name the same Pythons."""

    def test_the_classifiers_list_every_version_the_sessions_support(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """3.11, 3.12 and 3.13 in the classifiers, from requires-python's floor."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        prefix = "Programming Language :: Python :: 3."
        listed = tuple(
            c.removeprefix("Programming Language :: Python :: ")
            for c in project["classifiers"]
            if c.startswith(prefix)
        )
        supported = _noxfile(monkeypatch).SUPPORTED
        assert (("3.11", "3.12", "3.13"), f">={supported[0]}") == (
            listed,
            project["requires-python"],
        )
        assert listed == supported

    @pytest.mark.skipif(sys.platform == "win32", reason="the stand-in interpreters are sh scripts")
    def test_the_sessions_use_the_interpreters_that_start(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Only 3.12 here: 3.11 is missing and 3.13 is a shim that fails, as pyenv's do."""
        noxfile = _noxfile(monkeypatch)
        _fake_python(tmp_path, "3.12", 0)
        _fake_python(tmp_path, "3.13", 1)
        monkeypatch.setenv("PATH", str(tmp_path))
        assert ["3.12"] == noxfile.installed(("3.11", "3.12", "3.13"))


class TestMetadata:
    """The package promises only what it has."""

    def test_every_extra_installs_something(self) -> None:
        """An extra without requirements (a placeholder) is not offered."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        extras = project["optional-dependencies"]
        assert [] == [name for name, requirements in extras.items() if not requirements]
