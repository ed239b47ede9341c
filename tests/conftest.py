"""Fixtures shared by the whole suite: one real tinykube per test session, started lazily.

The ``cluster`` fixture runs the real ``tinykube up -d`` (a subprocess, a fresh data dir
under pytest's tmp dir, a free port) the first time a test asks for it, and ``tinykube
down`` at the end of the session, even when tests failed; a SIGKILL of the cluster's own
pid is the last resort. Unit tests never ask for it and never pay for it.

As root the cluster runs its node part (pods, dataplane, DNS) with a node name of its own;
its DNS forwards names outside the cluster to a fake resolver on loopback started here
(which knows ``testing.cluster.OUTSIDE``), never to the host's. At the end the fixture
checks that the cluster left nothing behind: no network namespace of its node or pods, no
process that ran in one (and removes whatever it finds, so a failure leaves no mess).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinykube.testing.cluster import (
    OUTSIDE,
    Footprint,
    RunningCluster,
    clean,
    footprint,
    remains,
    running,
    upstream_dns,
)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A running tinykube shared by the session's e2e tests."""
    data = tmp_path_factory.mktemp("tinykube") / "data"
    before = Footprint((), ())
    with (upstream_dns({(OUTSIDE[0], "A"): [OUTSIDE[1]]}) as upstream,
          running(data, dns_upstreams=[upstream]) as c):
        try:
            yield c
        finally:
            before = footprint(data)
    left = remains(before, data)
    if left:
        clean(data)
    assert not left, f"the session cluster left behind: {left}"


@pytest.fixture(scope="session")
def kubectl_bin() -> str:
    """The kubectl on PATH; tests that need it skip (saying so) when there is none."""
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl is not on PATH: the kubectl end-to-end tests need it")
    return path


@pytest.fixture(scope="session")
def kube_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh HOME for kubectl, so its /version and discovery caches start empty."""
    return tmp_path_factory.mktemp("kubectl-home")
