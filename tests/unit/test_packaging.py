"""The package's metadata, its development sessions and its examples agree with each other.

The Pythons the classifiers list are those the sessions run; ``nox -s build`` refuses a
wheel that lacks a file of the package; examples/README.md lists every example.
"""

from __future__ import annotations

import re
import sys
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType
from unittest import mock

import pytest
from tests.conftest import load_module

ROOT = Path(__file__).resolve().parents[2]


def _noxfile(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """noxfile.py, loaded with a stand-in for nox (the tests do not install nox)."""
    monkeypatch.setitem(sys.modules, "nox", mock.MagicMock())
    return load_module(ROOT / "noxfile.py", "noxfile_under_test")


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

    def test_the_version_is_the_release_and_the_sessions_read_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """0.2.0, as ``nox -s build`` expects the wheel and ``--version`` to say."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        assert ("0.2.0", "0.2.0") == (project["version"], _noxfile(monkeypatch).VERSION)

    def test_the_project_links_and_people_are_named(self) -> None:
        """Homepage, docs, source, changelog and issues, all on the project's repository."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        urls = project["urls"]
        assert ["Changelog", "Documentation", "Homepage", "Issues", "Source"] == sorted(urls)
        home = "https://github.com/telcocore/telcocore"
        assert [] == [url for url in urls.values() if not url.startswith(home)]
        assert f"{home}/blob/main/CHANGELOG.md" == urls["Changelog"]
        assert [{"name": "telcocore developers"}] == project["authors"] == project["maintainers"]

    def test_a_console_script_comes_with_the_console_classifier(self) -> None:
        """The ``telcocore`` command is declared, and so is its environment."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        assert {"telcocore": "telcocore.cli:main"} == project["scripts"]
        assert "Environment :: Console" in project["classifiers"]


def _wheel(path: Path, noxfile: ModuleType, *, leave_out: str = "", add: str = "") -> Path:
    """A wheel of empty files named as ``nox -s build`` expects, less ``leave_out``."""
    info = f"telcocore-{noxfile.VERSION}.dist-info"
    files = dict.fromkeys(noxfile.package_files() | set(noxfile.WHEEL_MUST_HOLD), "")
    files[f"{info}/entry_points.txt"] = "[console_scripts]\ntelcocore = telcocore.cli:main\n"
    files[f"{info}/METADATA"] = (
        f"Name: telcocore\nVersion: {noxfile.VERSION}\nProvides-Extra: cli\n"
    )
    files.pop(leave_out, None)
    if add:
        files[add] = ""
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


class TestWheelCheck:
    """``nox -s build`` names what a built wheel lacks or should not hold."""

    def test_a_complete_wheel_passes(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """Every module, migration, py.typed, the schema, the script, the extra: nothing said."""
        noxfile = _noxfile(monkeypatch)
        assert [] == noxfile.wheel_problems(_wheel(tmp_path / "ok.whl", noxfile))

    @pytest.mark.parametrize(
        "name",
        [
            "telcocore/billing/ledger/migrations/0004_holds.sql",
            "telcocore/py.typed",
            "telcocore/billing/invoices/model/invoice.schema.json",
            "telcocore/cli/app.py",
        ],
    )
    def test_a_missing_file_is_named(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
    ) -> None:
        """A migration, the marker, the schema or a module left out of the wheel."""
        noxfile = _noxfile(monkeypatch)
        wheel = _wheel(tmp_path / "short.whl", noxfile, leave_out=name)
        assert [f"missing {name}"] == noxfile.wheel_problems(wheel)

    @pytest.mark.parametrize("name", ["tests/unit/test_money.py", "telcocore/tests/conftest.py"])
    def test_tests_in_the_wheel_are_named(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
    ) -> None:
        """Tests beside the package, or inside it."""
        noxfile = _noxfile(monkeypatch)
        problems = noxfile.wheel_problems(_wheel(tmp_path / "t.whl", noxfile, add=name))
        assert f"holds the test file {name}" in problems

    def test_a_wheel_without_the_command_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """No console script, no cli extra, another version: each named."""
        noxfile = _noxfile(monkeypatch)
        info = f"telcocore-{noxfile.VERSION}.dist-info"
        wheel = _wheel(tmp_path / "bare.whl", noxfile, leave_out=f"{info}/entry_points.txt")
        assert [
            "no console script telcocore = telcocore.cli:main in entry_points.txt"
        ] == noxfile.wheel_problems(wheel)
        wheel = _wheel(tmp_path / "meta.whl", noxfile, leave_out=f"{info}/METADATA")
        assert [
            f"its METADATA does not say Version: {noxfile.VERSION}",
            "its METADATA does not provide the cli extra",
        ] == noxfile.wheel_problems(wheel)


class TestExamples:
    """examples/README.md is the index of the examples, one area per row."""

    def test_the_index_lists_every_example_and_only_those(self) -> None:
        """Each examples/*.py has a row, and each row names a script that exists."""
        index = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
        listed = re.findall(r"^\| [^|]+ \| \[(\w+\.py)\]\(\1\) \|", index, flags=re.MULTILINE)
        present = sorted(path.name for path in (ROOT / "examples").glob("*.py"))
        assert present == sorted(listed)
        assert len(listed) == len(set(listed))

    @pytest.mark.parametrize("area", ["audit", "notifications", "storage"])
    def test_the_areas_added_for_the_release_have_their_script(self, area: str) -> None:
        """Audit, notifications and storage, which had none, each have one now."""
        assert (ROOT / "examples" / f"{area}.py").is_file()
