"""The package layout of docs/architecture.md holds: it is what keeps domains apart.

import-linter checks the layers (``nox -s lint``); these checks read the same layout from
the source tree, so a new domain is held to it without being listed anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import telcocore

SOURCE = Path(telcocore.__file__).parent

NOT_DOMAINS = frozenset({"kernel", "platform", "adapters", "billing", "cli"})
"""Top-level packages that are not domains; ``billing`` is the parent of the money domains,
``cli`` the ``telcocore`` command, an application of the whole library."""

DOMAIN_PARTS = frozenset({"model", "errors", "ports", "importers", "services", "sql", "migrations"})
"""What a domain package may hold, besides its ``__init__``."""

COMPOSITION_ROOT = frozenset({"telcocore", "telcocore.core"})
"""The modules that wire every domain together."""

APPLICATION = "telcocore.cli"
"""The ``telcocore`` command: like the composition root, it may use every domain."""

MAX_DOMAINS_IMPORTED = 3


def _domains() -> list[str]:
    def packages(folder: Path) -> list[str]:
        return [p.name for p in sorted(folder.iterdir()) if (p / "__init__.py").exists()]

    found = [name for name in packages(SOURCE) if name not in NOT_DOMAINS]
    return found + [f"billing.{name}" for name in packages(SOURCE / "billing")]


DOMAINS = _domains()


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _domain_of(module: str) -> str | None:
    rest = module.removeprefix("telcocore.")
    for domain in sorted(DOMAINS, key=len, reverse=True):
        if rest == domain or rest.startswith(f"{domain}."):
            return domain
    return None


def _imported(path: Path) -> set[str]:
    """The telcocore modules ``path`` imports (``from x import y`` counts as ``x``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] == "telcocore"}


MODULES = {_module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def test_the_domains_are_found() -> None:
    """The layout names the domains there are (a check that this test sees them at all)."""
    assert {"accounts", "contacts", "billing.ledger", "numbering", "audit"} <= set(DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_holds_only_its_parts(domain: str) -> None:
    """A domain holds its model, errors, ports, importers, services, sql, migrations only."""
    folder = SOURCE.joinpath(*domain.split("."))
    parts = {
        p.stem
        for p in folder.iterdir()
        if p.name != "__init__.py" and not p.name.startswith((".", "_")) and p.suffix in {".py", ""}
    }
    assert set() == parts - DOMAIN_PARTS


@pytest.mark.parametrize(
    "module",
    sorted(
        m for m in set(MODULES) - COMPOSITION_ROOT if m.split(".")[:2] != APPLICATION.split(".")
    ),
)
def test_a_module_imports_at_most_three_other_domains(module: str) -> None:
    """Only the composition root imports more than three domain packages besides its own."""
    own = _domain_of(module)
    others = {_domain_of(name) for name in _imported(MODULES[module])} - {None, own}
    assert len(others) <= MAX_DOMAINS_IMPORTED, sorted(d for d in others if d)


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.startswith(("telcocore.kernel", "telcocore.platform")))
)
def test_kernel_and_platform_import_no_domain(module: str) -> None:
    """The kernel and the platform sit below every domain, whatever domains there are."""
    assert set() == {name for name in _imported(MODULES[module]) if _domain_of(name)}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_600_lines(module: str) -> None:
    """Modules stay small enough to read in one sitting."""
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= 600, f"{module} has {lines} lines"
