"""The node agent's Events on the session cluster, as ``kubectl describe pod`` shows them.

In a namespace of the test's own:

- a running pod has the scheduler's ``Scheduled`` and the kubelet's ``Pulled``,
  ``Created`` and ``Started``, those three naming the container (``fieldPath``) and
  coming from ``kubelet`` on the cluster's node; ``kubectl describe`` lists them;
- a crashing container gets the warning ``BackOff``;
- a readiness probe that always fails gets the warning ``Unhealthy``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import core_api, eventually, namespace
from e2e_pods import ROOT_ONLY, Kubectl, create, manifest, running_pods
from kubernetes import client

from tinykube.testing.cluster import RunningCluster

pytestmark = ROOT_ONLY


@pytest.fixture
def ns(apis: client.ApiClient) -> Iterator[str]:
    with namespace(apis, "up-events") as name:
        yield name


@pytest.fixture
def kubectl(kubectl_bin: str, kube_home: Path, cluster: RunningCluster) -> Kubectl:
    return Kubectl(kubectl_bin, cluster.kubeconfig, kube_home)


def _events(core: Any, ns: str, pod: str) -> dict[str, Any]:
    """The pod's events by reason (the last of each)."""
    items = core.list_namespaced_event(ns).items
    return {e.reason: e for e in items if e.involved_object.name == pod}


def _having(core: Any, ns: str, pod: str, *reasons: str) -> Any:
    def check() -> dict[str, Any] | None:
        events = _events(core, ns, pod)
        return events if all(r in events for r in reasons) else None

    return eventually(check, timeout=60.0)


def test_a_started_pod_shows_scheduled_pulled_created_started(
        apis: client.ApiClient, ns: str, kubectl: Kubectl, cluster: RunningCluster) -> None:
    core = core_api(apis)
    create(apis, ns, [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                       "spec": {"containers": [{"name": "nginx",
                                                "image": "nginx:latest"}]}}])
    running_pods(core, ns, 1)
    events = _having(core, ns, "web", "Scheduled", "Pulled", "Created", "Started")

    expected = {
        "Pulled": 'Container image "nginx:latest" already present on machine',
        "Created": "Created container nginx",
        "Started": "Started container nginx",
    }
    for reason, message in expected.items():
        ev = events[reason]
        assert (ev.type, ev.message) == ("Normal", message)
        assert ev.involved_object.kind == "Pod"
        assert ev.involved_object.field_path == "spec.containers{nginx}"
        assert (ev.source.component, ev.source.host) == ("kubelet", cluster.node_name)
        assert (ev.reporting_component, ev.reporting_instance) == ("kubelet",
                                                                   cluster.node_name)

    described = kubectl.run("describe", "pod", "web", "-n", ns)
    events_part = described.split("Events:", 1)[1]
    for text in ("Scheduled", "Started container nginx", "Created container nginx",
                 'Container image "nginx:latest" already present on machine'):
        assert text in events_part, described


def test_a_crashing_container_shows_back_off(apis: client.ApiClient, ns: str) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("crasher.yaml"))
    events = _having(core, ns, "crasher", "BackOff")
    ev = events["BackOff"]
    assert ev.type == "Warning"
    assert ev.message.startswith(f"Back-off restarting failed container main in pod "
                                 f"crasher_{ns}("), ev.message
    assert ev.involved_object.field_path == "spec.containers{main}"


def test_a_failing_readiness_probe_shows_unhealthy(apis: client.ApiClient, ns: str) -> None:
    core = core_api(apis)
    probe = {"exec": {"command": ["false"]}, "periodSeconds": 1}
    create(apis, ns, [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "unready"},
                       "spec": {"terminationGracePeriodSeconds": 1,
                                "containers": [{"name": "main", "image": "busybox",
                                                "command": ["sleep", "3600"],
                                                "readinessProbe": probe}]}}])
    events = _having(core, ns, "unready", "Unhealthy")
    ev = events["Unhealthy"]
    assert ev.type == "Warning"
    assert ev.message.startswith("Readiness probe failed: "), ev.message
    assert ev.involved_object.field_path == "spec.containers{main}"
