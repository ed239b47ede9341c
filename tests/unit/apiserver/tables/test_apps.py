from datetime import UTC, datetime
from typing import Any

from tinykube.apiserver.tables import apps

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)


def workload(replicas: int | None = 3, status: dict[str, Any] | None = None,
             selector: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": selector if selector is not None else {"matchLabels": {"run": "my-nginx"}},
        "template": {"spec": {"containers": [
            {"name": "my-nginx", "image": "nginx:1.27"},
            {"name": "sidecar", "image": "busybox"},
        ]}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"metadata": {"name": "my-nginx", "creationTimestamp": "2026-11-22T05:06:00Z"},
            "spec": spec, "status": status or {}}


def test_deployment_columns_and_row() -> None:
    assert [(c.name, c.priority) for c in apps.DEPLOYMENT_COLUMNS] == [
        ("Name", 0), ("Ready", 0), ("Up-to-date", 0), ("Available", 0), ("Age", 0),
        ("Containers", 1), ("Images", 1), ("Selector", 1),
    ]
    obj = workload(status={"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2})
    assert apps.deployment_cells(obj, NOW) == [
        "my-nginx", "2/3", 3, 2, "3h4m", "my-nginx,sidecar", "nginx:1.27,busybox", "run=my-nginx",
    ]


def test_deployment_without_status_and_default_replicas() -> None:
    cells = apps.deployment_cells(workload(replicas=None), NOW)
    assert cells[1:4] == ["0/1", 0, 0]


def test_deployment_selector_expressions_sorted_and_empty() -> None:
    sel = {"matchLabels": {"tier": "web"}, "matchExpressions": [
        {"key": "env", "operator": "In", "values": ["prod", "dev"]},
        {"key": "zz", "operator": "DoesNotExist"},
        {"key": "app", "operator": "Exists"},
        {"key": "track", "operator": "NotIn", "values": ["canary"]},
    ]}
    assert apps.deployment_cells(workload(selector=sel), NOW)[7] == (
        "app,env in (dev,prod),tier=web,track notin (canary),!zz"
    )
    assert apps.deployment_cells(workload(selector={}), NOW)[7] == ""
    bad = {"matchExpressions": [{"key": "a", "operator": "Near"}]}
    assert apps.deployment_cells(workload(selector=bad), NOW)[7] == "<invalid>"


def test_replica_set_row_uses_integers_and_none_selector() -> None:
    assert [(c.name, c.type) for c in apps.REPLICA_SET_COLUMNS][1:4] == [
        ("Desired", "integer"), ("Current", "integer"), ("Ready", "integer"),
    ]
    obj = workload(replicas=2, status={"replicas": 2, "readyReplicas": 1})
    assert apps.replica_set_cells(obj, NOW) == [
        "my-nginx", 2, 2, 1, "3h4m", "my-nginx,sidecar", "nginx:1.27,busybox", "run=my-nginx",
    ]
    assert apps.replica_set_cells(workload(selector={}), NOW)[7] == "<none>"


def test_stateful_set_row() -> None:
    assert [c.name for c in apps.STATEFUL_SET_COLUMNS] == [
        "Name", "Ready", "Age", "Containers", "Images",
    ]
    obj = workload(replicas=3, status={"readyReplicas": 3})
    assert apps.stateful_set_cells(obj, NOW) == [
        "my-nginx", "3/3", "3h4m", "my-nginx,sidecar", "nginx:1.27,busybox",
    ]
