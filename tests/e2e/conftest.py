"""Fixtures of the end-to-end tests: the official client on the session cluster, a namespace.

Every test here is marked ``e2e`` (``pytestmark``) and talks to the real ``tinykube up -d``
started by the ``cluster`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# pytest runs in importlib mode, which puts no test folder on sys.path: the e2e tests'
# helper modules (e2e_helpers, e2e_samples) become importable from here, before any test.
sys.path.insert(0, str(Path(__file__).parent))

import pytest
from e2e_helpers import api_client, core_api
from e2e_samples import unique
from kubernetes import client

from tinykube.testing.cluster import RunningCluster


@pytest.fixture(scope="session")
def apis(cluster: RunningCluster) -> Iterator[client.ApiClient]:
    with api_client(cluster) as c:
        yield c


@pytest.fixture(scope="session")
def core(apis: client.ApiClient) -> Any:
    return core_api(apis)


@pytest.fixture(scope="session")
def ns(core: Any) -> Iterator[str]:
    """A namespace for the session's objects, deleted at the end."""
    name = unique("e2e")
    core.create_namespace({"metadata": {"name": name}})
    yield name
    with contextlib.suppress(client.ApiException):
        core.delete_namespace(name)
