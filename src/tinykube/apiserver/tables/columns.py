"""Table column definitions and the ``Printer`` a kind's module exports.

A ``Printer`` pairs kubectl's column definitions for a kind with the function that turns
one object into that row's cells. The API server always prints "wide" (as kube-apiserver
does): priority-1 columns are sent and ``kubectl`` hides them unless ``-o wide``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj

Cell = str | int | bool | None
CellsFn = Callable[[Obj, datetime], list[Cell]]

NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
AGE_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
CONTAINERS_DOC = "Names of each container in the template."
IMAGES_DOC = "Images referenced by each container in the template."


@dataclass(frozen=True)
class Column:
    """One ``TableColumnDefinition``; every field is always serialised, as Go does."""

    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


@dataclass(frozen=True)
class Printer:
    """kubectl's columns for one kind, and how to compute a row's cells."""

    columns: Sequence[Column]
    cells: CellsFn


NAME = Column("Name", format="name", description=NAME_DOC)
AGE = Column("Age", description=AGE_DOC)
CONTAINERS = Column("Containers", priority=1, description=CONTAINERS_DOC)
IMAGES = Column("Images", priority=1, description=IMAGES_DOC)


def wide(name: str, description: str = "", type_: str = "string") -> Column:
    """A priority-1 column: shown by ``kubectl get -o wide`` only."""
    return Column(name, type=type_, description=description, priority=1)
