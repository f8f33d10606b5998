"""Sphinx configuration: Markdown pages (MyST) and an API reference built from the docstrings.

Build with `nox -s docs`; warnings are errors and every cross-reference to a telcocore object
must resolve (nitpicky mode).
"""

from __future__ import annotations

import importlib.metadata

project = "telcocore"
release = importlib.metadata.version("telcocore")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

root_doc = "index"
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]

# Markdown: ::: fences for directives, and anchors for headings down to ###.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

# Every reference to a telcocore object must resolve. The build runs offline, without the
# inventories of the standard library and the dependencies, so references to anything outside
# telcocore (Decimal, datetime, attrs, ...) are left unlinked instead of failing.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(?!telcocore\b).*"),
    # Type variables (``R`` in ``get(port: type[R]) -> R``) are not documented objects.
    (r"py:class", r"telcocore\..*\.[A-Z]"),
]

html_theme = "furo"
html_title = f"telcocore {release}"
