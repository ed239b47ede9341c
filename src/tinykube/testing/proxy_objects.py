"""Builders of Service and EndpointSlice objects for the proxy's tests.

Short calls that return the JSON dicts the API would serve, with only the fields the proxy
reads, so a test says ``service("web", "10.96.0.20", ports=[port(80)])`` instead of
twenty lines of nested dicts.
"""

from __future__ import annotations

from typing import Any

from tinykube.api.meta import Obj


def port(port: int, name: str = "", protocol: str = "TCP", node_port: int = 0,
         target_port: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "port": port, "protocol": protocol,
                           "targetPort": target_port or port}
    if node_port:
        out["nodePort"] = node_port
    return out


def service(name: str, cluster_ip: str, *, ports: list[dict[str, Any]] | None = None,
            namespace: str = "default", type_: str = "ClusterIP", **spec: Any) -> Obj:
    """A Service; extra keyword arguments are spec fields (``externalTrafficPolicy=...``)."""
    body: dict[str, Any] = {"type": type_, "clusterIP": cluster_ip,
                            "clusterIPs": [cluster_ip], "ports": ports or [port(80)]}
    status = spec.pop("status", None)
    body.update(spec)
    out: Obj = {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": namespace}, "spec": body}
    if status is not None:
        out["status"] = status
    return out


def endpoint(ip: str, *, ready: bool = True, serving: bool | None = None,
             terminating: bool | None = None, node: str = "node-0") -> dict[str, Any]:
    cond: dict[str, Any] = {"ready": ready}
    if serving is not None:
        cond["serving"] = serving
    if terminating is not None:
        cond["terminating"] = terminating
    return {"addresses": [ip], "conditions": cond, "nodeName": node}


def endpoint_slice(service_name: str, endpoints: list[dict[str, Any]], *,
                   ports: list[tuple[str, int, str]] | None = None,
                   name: str | None = None, namespace: str = "default",
                   address_type: str = "IPv4") -> Obj:
    """A slice of ``service_name``; ``ports`` are (name, port, protocol) triples."""
    return {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": name or f"{service_name}-abcde", "namespace": namespace,
                     "labels": {"kubernetes.io/service-name": service_name}},
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": [{"name": n, "port": p, "protocol": proto}
                  for n, p, proto in (ports or [("", 80, "TCP")])],
    }
