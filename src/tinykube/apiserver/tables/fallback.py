"""The default table for a kind with no printer: ``Name`` and ``Created At``.

What kube-apiserver's default table convertor sends for resources it has no columns for
(custom resources without printer columns, for instance).
"""

from __future__ import annotations

from datetime import datetime

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import NAME, Cell, Column, Printer

COLUMNS = (
    NAME,
    Column("Created At", type="date", description="CreationTimestamp is a timestamp "
           "representing the server time when this object was created."),
)


def cells(obj: Obj, now: datetime) -> list[Cell]:
    md = obj.get("metadata") or {}
    return [md.get("name", ""), md.get("creationTimestamp")]


PRINTER = Printer(COLUMNS, cells)
