"""Golden data for the CLI tests: what the API server sent and what kubectl printed.

``golden/table-*.json`` hold a server Table, the printer options and kubectl 1.32's output
for the same request; ``golden/describe-*.json`` an object, what its describer fetches,
the capture time and kubectl's ``describe`` page. They were captured together from a
running tinykube (the Tables are tinykube's, kubectl laid them out).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def golden() -> Callable[[str], dict[str, Any]]:
    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
        return data

    return load


def golden_names(prefix: str) -> list[str]:
    return sorted(p.stem for p in GOLDEN.glob(f"{prefix}-*.json"))
