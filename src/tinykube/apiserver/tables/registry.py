"""Which printer prints which kind.

Keyed by ``Kind.kind``; a kind without an entry gets the default ``Name``/``Created At``
table, as kube-apiserver does for resources it has no columns for.
"""

from __future__ import annotations

from tinykube.apiserver.tables import (
    apps,
    endpoints,
    endpointslice,
    event,
    fallback,
    namespace,
    node,
    pod,
    service,
)
from tinykube.apiserver.tables.columns import Printer

PRINTERS: dict[str, Printer] = {
    "Service": service.PRINTER,
    "Pod": pod.PRINTER,
    "Endpoints": endpoints.PRINTER,
    "EndpointSlice": endpointslice.PRINTER,
    "Deployment": apps.DEPLOYMENT,
    "ReplicaSet": apps.REPLICA_SET,
    "StatefulSet": apps.STATEFUL_SET,
    "Namespace": namespace.PRINTER,
    "Node": node.PRINTER,
    "Event": event.PRINTER,
}


def printer_for(kind: str) -> Printer:
    return PRINTERS.get(kind, fallback.PRINTER)
