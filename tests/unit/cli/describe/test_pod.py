from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tinykube.cli.describe import pod

Golden = Callable[[str], dict[str, Any]]


def test_pod_describes_as_kubectl_does(golden: Golden) -> None:
    case = golden("describe-pod-web-0")
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    assert pod.render(case["object"], case["related"]["events"], now) == case["expected"]


def _pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", **spec}]}}


def test_qos_class_from_status_else_from_resources() -> None:
    assert pod.qos_class({"status": {"qosClass": "Burstable"}}) == "Burstable"
    assert pod.qos_class(_pod()) == "BestEffort"
    both = {"cpu": "1", "memory": "1Gi"}
    assert pod.qos_class(_pod(resources={"limits": both, "requests": both})) == "Guaranteed"
    assert pod.qos_class(_pod(resources={"requests": {"cpu": "1"}})) == "Burstable"


def test_controller_names_the_owner_that_controls() -> None:
    md = {"ownerReferences": [{"kind": "X", "name": "a"},
                              {"kind": "ReplicaSet", "name": "web-1", "controller": True}]}
    assert pod.controller(md) == "ReplicaSet/web-1"
    assert pod.controller({}) == ""


def test_terminating_pod_shows_how_long() -> None:
    obj = {"metadata": {"name": "p", "namespace": "d", "deletionTimestamp": "2024-01-01T00:00:00Z",
                        "deletionGracePeriodSeconds": 30},
           "spec": {"containers": []}, "status": {"phase": "Running"}}
    text = pod.render(obj, None, datetime.fromisoformat("2024-01-01T00:00:10+00:00"))
    assert "Status:                    Terminating (lasts 10s)" in text
    assert "Termination Grace Period:  30s" in text
    assert "Containers: <none>" in text
