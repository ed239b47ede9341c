"""Endpoints rows: ``my-nginx  10.244.0.5:80,10.244.0.6:80  26s``.

A port of ``printEndpoints``/``formatEndpoints``: every address with every port, the first
three shown, then `` + N more...``; ``<none>`` when there are no subsets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer
from tinykube.apiserver.tables.duration import since

COLUMNS = (
    NAME,
    Column("Endpoints", description="The set of all endpoints is the union of all subsets."),
    AGE,
)

SHOWN = 3


def join_host_port(host: str, port: object) -> str:
    """Go's ``net.JoinHostPort``: brackets around IPv6 addresses."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _subset_entries(subset: dict[str, Any]) -> list[str]:
    ips = [str(a.get("ip") or "") for a in subset.get("addresses") or []]
    ports = subset.get("ports") or []
    if not ports:  # headless services may have no ports
        return ips
    return [join_host_port(ip, p.get("port", 0)) for p in ports for ip in ips]


def format_endpoints(endpoints: Obj) -> str:
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    entries = [e for s in subsets for e in _subset_entries(s)]
    text = ",".join(entries[:SHOWN])
    if len(entries) > SHOWN:
        return f"{text} + {len(entries) - SHOWN} more..."
    return text


def cells(ep: Obj, now: datetime) -> list[Cell]:
    md = ep.get("metadata") or {}
    return [md.get("name", ""), format_endpoints(ep), since(md.get("creationTimestamp"), now)]


PRINTER = Printer(COLUMNS, cells)
