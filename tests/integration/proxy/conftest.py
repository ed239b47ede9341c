"""Root fixtures for the proxy: one small node network per test module, always removed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tinykube.testing.netns_topology import Topology, usable

WHY_NOT = usable()


@pytest.fixture(scope="module")
def topo() -> Iterator[Topology]:
    if WHY_NOT is not None:
        pytest.skip(WHY_NOT)
    t = Topology.create()
    try:
        yield t
    finally:
        t.destroy()
