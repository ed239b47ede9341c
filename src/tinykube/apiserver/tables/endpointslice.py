"""EndpointSlice rows: ``my-nginx-abc12  IPv4  80  10.244.0.5,10.244.0.6  26s``.

A port of ``printEndpointSlice`` with ``formatDiscoveryPorts`` and
``formatDiscoveryEndpoints``: the first three values, `` + N more...``, or ``<unset>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer
from tinykube.apiserver.tables.duration import since

COLUMNS = (
    NAME,
    Column("AddressType", description="addressType specifies the type of address carried by "
           "this EndpointSlice."),
    Column("Ports", description="ports specifies the list of network ports exposed by each "
           "endpoint in this slice."),
    Column("Endpoints", description="endpoints is a list of unique endpoints in this slice."),
    AGE,
)

SHOWN = 3


def list_with_more(values: list[str]) -> str:
    """``listWithMoreString``: first three, then `` + N more...``; ``<unset>`` when empty."""
    text = ",".join(values[:SHOWN])
    if len(values) > SHOWN:
        return f"{text} + {len(values) - SHOWN} more..."
    return text or "<unset>"


def _port_text(port: dict[str, Any]) -> str:
    if port.get("port") is not None:
        return str(port["port"])
    if port.get("name") is not None:
        return str(port["name"])
    return "*"


def format_ports(ports: list[dict[str, Any]]) -> str:
    return list_with_more([_port_text(p) for p in ports])


def format_endpoints(endpoints: list[dict[str, Any]]) -> str:
    return list_with_more([str(a) for e in endpoints for a in e.get("addresses") or []])


def cells(eps: Obj, now: datetime) -> list[Cell]:
    md = eps.get("metadata") or {}
    return [
        md.get("name", ""),
        eps.get("addressType") or "",
        format_ports(eps.get("ports") or []),
        format_endpoints(eps.get("endpoints") or []),
        since(md.get("creationTimestamp"), now),
    ]


PRINTER = Printer(COLUMNS, cells)
