"""Fixtures shared by the whole suite: one real tinykube per test session, started lazily.

The ``cluster`` fixture runs the real ``tinykube up -d`` (a subprocess, a fresh data dir
under pytest's tmp dir, a free port) the first time a test asks for it, and ``tinykube
down`` at the end of the session, even when tests failed; a SIGKILL of the cluster's own
pid is the last resort. Unit tests never ask for it and never pay for it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinykube.testing.cluster import RunningCluster, running


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A running tinykube shared by the session's e2e tests."""
    with running(tmp_path_factory.mktemp("tinykube") / "data") as c:
        yield c


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
