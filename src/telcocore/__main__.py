"""``python -m telcocore``: the ``telcocore`` command (:mod:`telcocore.cli`)."""

from __future__ import annotations

import sys

from telcocore.cli import main

if __name__ == "__main__":
    sys.exit(main())
