"""Namespace rows: ``default  Active  5d``."""

from __future__ import annotations

from datetime import datetime

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer
from tinykube.apiserver.tables.duration import since

COLUMNS = (NAME, Column("Status", description="The status of the namespace"), AGE)


def cells(ns: Obj, now: datetime) -> list[Cell]:
    md = ns.get("metadata") or {}
    phase = (ns.get("status") or {}).get("phase") or ""
    return [md.get("name", ""), phase, since(md.get("creationTimestamp"), now)]


PRINTER = Printer(COLUMNS, cells)
