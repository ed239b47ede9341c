"""What a Service's fields say about the addresses it needs.

Small readers over the Service object (plain JSON) shared by the preparation and
allocation steps, named after their Kubernetes counterparts (``needsClusterIP``,
``needsNodePort``, ``needsHCNodePort``, ``ExternallyAccessible``,
``shouldAllocateNodePorts``). Absent fields read as Kubernetes' zero values.
"""

from __future__ import annotations

from typing import Any

from tinykube.api.meta import Obj

NONE_IP = "None"


def spec(svc: Obj) -> dict[str, Any]:
    """The ``spec`` dict, created when missing so callers can write into it."""
    value = svc.get("spec")
    if not isinstance(value, dict):
        value = {}
        svc["spec"] = value
    return value


def svc_type(svc: Obj) -> str:
    return str((svc.get("spec") or {}).get("type") or "ClusterIP")


def needs_cluster_ip(svc: Obj) -> bool:
    return svc_type(svc) != "ExternalName"


def needs_node_port(svc: Obj) -> bool:
    return svc_type(svc) in ("NodePort", "LoadBalancer")


def needs_health_check(svc: Obj) -> bool:
    """``NeedsHealthCheck``: LoadBalancer with ``externalTrafficPolicy: Local``."""
    return svc_type(svc) == "LoadBalancer" and external_traffic_policy(svc) == "Local"


def external_traffic_policy(svc: Obj) -> str:
    return str((svc.get("spec") or {}).get("externalTrafficPolicy") or "")


def externally_accessible(svc: Obj) -> bool:
    kind = svc_type(svc)
    if kind in ("LoadBalancer", "NodePort"):
        return True
    return kind == "ClusterIP" and bool((svc.get("spec") or {}).get("externalIPs"))


def should_allocate_node_ports(svc: Obj) -> bool:
    """Every port gets a nodePort, except LoadBalancers that opted out."""
    kind = svc_type(svc)
    if kind == "NodePort":
        return True
    if kind == "LoadBalancer":
        return (svc.get("spec") or {}).get("allocateLoadBalancerNodePorts") is not False
    return False


def cluster_ip(svc: Obj) -> str:
    return str((svc.get("spec") or {}).get("clusterIP") or "")


def cluster_ips(svc: Obj) -> list[str]:
    return [str(ip) for ip in (svc.get("spec") or {}).get("clusterIPs") or []]


def ip_families(svc: Obj) -> list[str]:
    return [str(f) for f in (svc.get("spec") or {}).get("ipFamilies") or []]


def ip_family_policy(svc: Obj) -> str:
    return str((svc.get("spec") or {}).get("ipFamilyPolicy") or "")


def ports(svc: Obj) -> list[dict[str, Any]]:
    return list((svc.get("spec") or {}).get("ports") or [])


def node_port(port: dict[str, Any]) -> int:
    return int(port.get("nodePort") or 0)


def node_ports(svc: Obj) -> list[int]:
    """The distinct non-zero nodePorts, in port order."""
    seen: list[int] = []
    for p in ports(svc):
        n = node_port(p)
        if n and n not in seen:
            seen.append(n)
    return seen


def health_check_node_port(svc: Obj) -> int:
    return int((svc.get("spec") or {}).get("healthCheckNodePort") or 0)


def is_headless(svc: Obj) -> bool:
    ips = cluster_ips(svc)
    return bool(ips) and ips[0] == NONE_IP


def has_selector(svc: Obj) -> bool:
    return bool((svc.get("spec") or {}).get("selector"))


def set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    """Write ``value``, or remove the key for a Go zero value (omitempty)."""
    if value in (None, "", 0, [], {}):
        target.pop(key, None)
    else:
        target[key] = value
