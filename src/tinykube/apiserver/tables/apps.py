"""Deployment, ReplicaSet and StatefulSet rows (apps/v1).

Ports of ``printDeployment``, ``printReplicaSet`` and ``printStatefulSet``, with
``layoutContainerCells`` for the wide CONTAINERS/IMAGES columns. Replica counts are
integers in the cells, as kube-apiserver sends them; READY is ``ready/desired``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    Cell,
    Column,
    Printer,
    wide,
)
from tinykube.apiserver.tables.duration import since
from tinykube.apiserver.tables.selectors import format_label_selector, label_selector_string

READY = Column("Ready", description="Number of the pod with ready state")
SELECTOR_DOC = "Label selector for pods."


def layout_containers(workload: Obj) -> tuple[str, str]:
    """(names, images) of the pod template's containers, comma-joined."""
    template = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers: list[dict[str, Any]] = template.get("containers") or []
    names = ",".join(str(c.get("name") or "") for c in containers)
    images = ",".join(str(c.get("image") or "") for c in containers)
    return names, images


def _desired(obj: Obj) -> int:
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def _status_int(obj: Obj, field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


DEPLOYMENT_COLUMNS = (
    NAME,
    READY,
    Column("Up-to-date", description="Total number of non-terminated pods targeted by this "
           "deployment that have the desired template spec."),
    Column("Available", description="Total number of available pods (ready for at least "
           "minReadySeconds) targeted by this deployment."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", SELECTOR_DOC),
)


def deployment_cells(obj: Obj, now: datetime) -> list[Cell]:
    md = obj.get("metadata") or {}
    names, images = layout_containers(obj)
    try:
        selector = label_selector_string((obj.get("spec") or {}).get("selector"))
    except ValueError:
        selector = "<invalid>"
    return [
        md.get("name", ""),
        f"{_status_int(obj, 'readyReplicas')}/{_desired(obj)}",
        _status_int(obj, "updatedReplicas"),
        _status_int(obj, "availableReplicas"),
        since(md.get("creationTimestamp"), now),
        names,
        images,
        selector,
    ]


REPLICA_SET_COLUMNS = (
    NAME,
    Column("Desired", type="integer", description="Replicas is the number of desired "
           "replicas."),
    Column("Current", type="integer", description="Replicas is the most recently observed "
           "number of replicas."),
    Column("Ready", type="integer", description="The number of ready replicas for this "
           "replica set."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", SELECTOR_DOC),
)


def replica_set_cells(obj: Obj, now: datetime) -> list[Cell]:
    md = obj.get("metadata") or {}
    names, images = layout_containers(obj)
    return [
        md.get("name", ""),
        _desired(obj),
        _status_int(obj, "replicas"),
        _status_int(obj, "readyReplicas"),
        since(md.get("creationTimestamp"), now),
        names,
        images,
        format_label_selector((obj.get("spec") or {}).get("selector")),
    ]


STATEFUL_SET_COLUMNS = (NAME, READY, AGE, CONTAINERS, IMAGES)


def stateful_set_cells(obj: Obj, now: datetime) -> list[Cell]:
    md = obj.get("metadata") or {}
    names, images = layout_containers(obj)
    return [
        md.get("name", ""),
        f"{_status_int(obj, 'readyReplicas')}/{_desired(obj)}",
        since(md.get("creationTimestamp"), now),
        names,
        images,
    ]


DEPLOYMENT = Printer(DEPLOYMENT_COLUMNS, deployment_cells)
REPLICA_SET = Printer(REPLICA_SET_COLUMNS, replica_set_cells)
STATEFUL_SET = Printer(STATEFUL_SET_COLUMNS, stateful_set_cells)
