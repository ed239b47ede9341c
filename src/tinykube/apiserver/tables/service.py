"""Service rows: ``my-nginx  ClusterIP  10.96.0.11  <none>  80/TCP  26s  run=my-nginx``.

Ports ``printService``, ``getServiceExternalIP``, ``makePortString`` and
``loadBalancerStatusStringer`` from kubernetes' ``pkg/printers/internalversion``. The
server prints wide, so load-balancer addresses are never clipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, wide
from tinykube.apiserver.tables.duration import since
from tinykube.apiserver.tables.selectors import format_labels

COLUMNS = (
    NAME,
    Column("Type", description="type determines how the Service is exposed."),
    Column("Cluster-IP", description="clusterIP is the IP address of the service."),
    Column("External-IP", description="externalIPs is a list of IP addresses for which nodes "
           "in the cluster will also accept traffic for this service."),
    Column("Port(s)", description="The list of ports that are exposed by this service."),
    AGE,
    wide("Selector", "Route service traffic to pods with label keys and values matching this "
         "selector."),
)


def load_balancer_addresses(status: dict[str, Any]) -> str:
    """Ingress IPs (or hostnames when there is no IP), de-duplicated and sorted."""
    seen: set[str] = set()
    for ingress in (status.get("loadBalancer") or {}).get("ingress") or []:
        if ingress.get("ip"):
            seen.add(str(ingress["ip"]))
        elif ingress.get("hostname"):
            seen.add(str(ingress["hostname"]))
    return ",".join(sorted(seen))


def external_ip(svc: Obj) -> str:
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = [str(ip) for ip in spec.get("externalIPs") or []]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        lb = load_balancer_addresses(svc.get("status") or {})
        if external:
            return ",".join([*(lb.split(",") if lb else []), *external])
        return lb or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def port_string(ports: list[dict[str, Any]]) -> str:
    pieces = []
    for p in ports:
        port, proto = p.get("port", 0), p.get("protocol") or ""
        node_port = p.get("nodePort") or 0
        pieces.append(f"{port}:{node_port}/{proto}" if node_port > 0 else f"{port}/{proto}")
    return ",".join(pieces)


def cells(svc: Obj, now: datetime) -> list[Cell]:
    md, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or []
    return [
        md.get("name", ""),
        spec.get("type") or "",
        str(cluster_ips[0]) if cluster_ips else "<none>",
        external_ip(svc),
        port_string(spec.get("ports") or []) or "<none>",
        since(md.get("creationTimestamp"), now),
        format_labels(spec.get("selector")),
    ]


PRINTER = Printer(COLUMNS, cells)
