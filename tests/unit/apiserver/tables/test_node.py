from datetime import UTC, datetime
from typing import Any

from tinykube.apiserver.tables import namespace, node

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)


def make_node(conditions: list[dict[str, Any]] | None = None, labels: dict[str, str] | None = None,
              unschedulable: bool = False, info: dict[str, str] | None = None) -> dict:
    return {
        "metadata": {"name": "tinykube-node", "labels": labels or {},
                     "creationTimestamp": "2026-11-17T08:10:00Z"},
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {
            "conditions": conditions or [],
            "addresses": [{"type": "Hostname", "address": "tinykube-node"},
                          {"type": "InternalIP", "address": "172.18.0.2"}],
            "nodeInfo": info or {},
        },
    }


READY = [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]


def test_columns() -> None:
    assert [(c.name, c.priority) for c in node.COLUMNS] == [
        ("Name", 0), ("Status", 0), ("Roles", 0), ("Age", 0), ("Version", 0),
        ("Internal-IP", 1), ("External-IP", 1), ("OS-Image", 1), ("Kernel-Version", 1),
        ("Container-Runtime", 1),
    ]


def test_ready_node_row() -> None:
    info = {"kubeletVersion": "v1.32.4", "osImage": "Debian GNU/Linux 12 (bookworm)",
            "kernelVersion": "6.1.0", "containerRuntimeVersion": "tinykube://0.1.0"}
    obj = make_node(READY, {"node-role.kubernetes.io/control-plane": ""}, info=info)
    assert node.cells(obj, NOW) == [
        "tinykube-node", "Ready", "control-plane", "5d", "v1.32.4", "172.18.0.2", "<none>",
        "Debian GNU/Linux 12 (bookworm)", "6.1.0", "tinykube://0.1.0",
    ]


def test_status_variants() -> None:
    assert node.node_status(make_node([{"type": "Ready", "status": "False"}])) == "NotReady"
    assert node.node_status(make_node([{"type": "Ready", "status": "Unknown"}])) == "NotReady"
    assert node.node_status(make_node()) == "Unknown"
    assert node.node_status(make_node(READY, unschedulable=True)) == "Ready,SchedulingDisabled"


def test_roles() -> None:
    labels = {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/": "",
              "kubernetes.io/role": "edge", "node-role.kubernetes.io/control-plane": "true"}
    assert node.node_roles(make_node(labels=labels)) == "control-plane,edge,worker"
    assert node.node_roles(make_node(labels={"kubernetes.io/role": ""})) == "<none>"


def test_missing_node_info_is_unknown() -> None:
    assert node.cells(make_node(READY), NOW)[4:] == [
        "", "172.18.0.2", "<none>", "<unknown>", "<unknown>", "<unknown>",
    ]


def test_namespace_row() -> None:
    ns = {"metadata": {"name": "default", "creationTimestamp": "2026-11-22T08:09:00Z"},
          "status": {"phase": "Active"}}
    assert [c.name for c in namespace.COLUMNS] == ["Name", "Status", "Age"]
    assert namespace.cells(ns, NOW) == ["default", "Active", "60s"]
    assert namespace.cells({"metadata": {"name": "x"}}, NOW) == ["x", "", "<unknown>"]
