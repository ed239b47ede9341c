"""The ``tinykube`` command (STUB: filled in by the cmd owner)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("tinykube: not yet", file=sys.stderr)
    return 1
