"""Small helpers the end-to-end tests share: the official client, Status bodies, polling,
a namespace per test, pods' readiness."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from e2e_samples import unique
from kubernetes import client, config

from tinykube.testing.cluster import RunningCluster


def api_client(cluster: RunningCluster) -> client.ApiClient:
    """The official client, configured from the kubeconfig ``tinykube up`` wrote."""
    cfg = client.Configuration()
    load: Any = config.load_kube_config  # untyped in the client
    load(config_file=str(cluster.kubeconfig), client_configuration=cfg)
    return client.ApiClient(cfg)


def core_api(apis: client.ApiClient) -> Any:
    """``CoreV1Api``, typed loosely on purpose.

    The client's models make every field Optional, so strict typing of tests that read
    ``svc.spec.ports[0].node_port`` would be a wall of None checks that test nothing.
    """
    return client.CoreV1Api(apis)


def apps_api(apis: client.ApiClient) -> Any:
    """``AppsV1Api``, typed loosely like ``core_api``."""
    return client.AppsV1Api(apis)


def body_of(err: client.ApiException) -> dict[str, Any]:
    """The ``Status`` an ApiException carries."""
    assert err.body, f"no body in {err!r}"
    status: dict[str, Any] = json.loads(err.body)
    return status


def as_dict(apis: client.ApiClient, obj: Any) -> dict[str, Any]:
    """A model the client returned, as the JSON the server sent."""
    sanitize: Any = apis.sanitize_for_serialization  # untyped in the client
    out: dict[str, Any] = sanitize(obj)
    return out


def rv(obj: Any) -> int:
    return int(obj.metadata.resource_version)


def eventually(check: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; bounded, never a timing assertion."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (AssertionError, client.ApiException) as e:
            last = e
        else:
            if result:
                return result
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s (last error: {last!r})")


def gone(read: Callable[[], Any]) -> Callable[[], bool]:
    """A check for ``eventually``: True once ``read`` answers 404."""

    def check() -> bool:
        try:
            read()
        except client.ApiException as e:
            if e.status == 404:
                return True
            raise
        return False

    return check


@contextlib.contextmanager
def namespace(apis: client.ApiClient, prefix: str) -> Iterator[str]:
    """A namespace of a unique name for one test (or module), deleted at its end."""
    core = core_api(apis)
    name = unique(prefix)
    core.create_namespace({"metadata": {"name": name}})
    try:
        yield name
    finally:
        with contextlib.suppress(client.ApiException):
            core.delete_namespace(name)


def is_ready(pod: Any) -> bool:
    """Running, with its Ready condition True."""
    conds = pod.status.conditions or []
    return bool(pod.status.phase == "Running" and any(
        c.type == "Ready" and c.status == "True" for c in conds))


def live_pods(core: Any, ns: str, selector: str = "") -> list[Any]:
    """The pods of ``ns`` (matching ``selector``) that are not being deleted."""
    pods = core.list_namespaced_pod(ns, label_selector=selector).items
    return [p for p in pods if p.metadata.deletion_timestamp is None]
