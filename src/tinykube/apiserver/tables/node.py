"""Node rows: ``tinykube-node  Ready  control-plane  5d  v1.32.4  172.18.0.2  <none> …``.

A port of ``printNode``: STATUS from the Ready condition (``Unknown`` without one) plus
``SchedulingDisabled`` for cordoned nodes; ROLES from ``node-role.kubernetes.io/<role>``
and ``kubernetes.io/role`` labels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, wide
from tinykube.apiserver.tables.duration import UNKNOWN, since

ROLE_PREFIX = "node-role.kubernetes.io/"
ROLE_LABEL = "kubernetes.io/role"
ADDRESSES_DOC = "List of addresses reachable to the node."

COLUMNS = (
    NAME,
    Column("Status", description="The status of the node"),
    Column("Roles", description="The roles of the node"),
    AGE,
    Column("Version", description="Kubelet Version reported by the node."),
    wide("Internal-IP", ADDRESSES_DOC),
    wide("External-IP", ADDRESSES_DOC),
    wide("OS-Image", "OS Image reported by the node from /etc/os-release."),
    wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r'."),
    wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime "
         "remote API."),
)


def node_status(node: Obj) -> str:
    status: list[str] = []
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            status = ["Ready" if cond.get("status") == "True" else "NotReady"]
    if not status:
        status = ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def node_roles(node: Obj) -> str:
    roles: set[str] = set()
    for key, value in ((node.get("metadata") or {}).get("labels") or {}).items():
        if key.startswith(ROLE_PREFIX) and key[len(ROLE_PREFIX):]:
            roles.add(key[len(ROLE_PREFIX):])
        elif key == ROLE_LABEL and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or "<none>"


def _address(node: Obj, kind: str) -> str:
    for addr in (node.get("status") or {}).get("addresses") or []:
        if addr.get("type") == kind:
            return str(addr.get("address") or "")
    return "<none>"


def cells(node: Obj, now: datetime) -> list[Cell]:
    md = node.get("metadata") or {}
    info: dict[str, Any] = (node.get("status") or {}).get("nodeInfo") or {}
    return [
        md.get("name", ""),
        node_status(node),
        node_roles(node),
        since(md.get("creationTimestamp"), now),
        info.get("kubeletVersion") or "",
        _address(node, "InternalIP"),
        _address(node, "ExternalIP"),
        info.get("osImage") or UNKNOWN,
        info.get("kernelVersion") or UNKNOWN,
        info.get("containerRuntimeVersion") or UNKNOWN,
    ]


PRINTER = Printer(COLUMNS, cells)
