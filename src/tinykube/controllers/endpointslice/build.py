"""Pods as EndpointSlice endpoints, and the slices' labels and owner (``endpointslice/utils.go``).

An endpoint is one pod: its address of the slice's family, the conditions

    serving      = the pod is Ready (whatever publishNotReadyAddresses says)
    terminating  = the pod has a deletionTimestamp
    ready        = publishNotReadyAddresses or (serving and not terminating)

``nodeName``, ``hostname`` (when the pod's subdomain is the Service) and ``targetRef``;
``zone`` is left out (tinykube's nodes carry no zone label). Unlike Endpoints, slices keep
terminating pods. Endpoints are grouped by the exact ports the pod resolves, since one
slice has one port list. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules as rules
from tinykube.controllers import pods as podstate

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
RESERVED_LABELS = (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, rules.HEADLESS_LABEL)

PortKey = tuple[tuple[str, int, str, str], ...]
EndpointKey = tuple[tuple[str, ...], str, str, str]


def port_key(ports: Iterable[dict[str, Any]]) -> PortKey:
    return tuple(sorted((str(p.get("name") or ""), int(p.get("port") or 0),
                         str(p.get("protocol") or "TCP"), str(p.get("appProtocol") or ""))
                        for p in ports))


def sorted_ports(ports: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(ports, key=lambda p: port_key([p]))


def endpoint_key(ep: dict[str, Any]) -> EndpointKey:
    """An endpoint's identity: addresses, hostname and pod (``hashEndpoint``)."""
    ref = ep.get("targetRef") or {}
    return (tuple(sorted(str(a) for a in ep.get("addresses") or [])),
            str(ep.get("hostname") or ""), str(ref.get("namespace") or ""),
            str(ref.get("name") or ""))


def endpoint_for(pod: Obj, svc: Obj, address_type: str) -> dict[str, Any] | None:
    """The pod as an endpoint of ``address_type``; None when it has no such address."""
    ip = rules.ip_of_family(pod, address_type)
    if ip is None:
        return None
    publish = rules.publishes_not_ready(svc)
    serving = podstate.is_ready(pod)
    terminating = meta.is_terminating(pod)
    return {"addresses": [ip], "conditions": {
        "ready": publish or (serving and not terminating), "serving": serving,
        "terminating": terminating}, **rules.pod_fields(pod, svc)}


@dataclass
class Group:
    """The desired endpoints that share one resolved port list."""

    ports: list[dict[str, Any]]
    endpoints: dict[EndpointKey, dict[str, Any]] = field(default_factory=dict)


def desired_groups(svc: Obj, pods: Iterable[Obj], address_type: str) -> dict[PortKey, Group]:
    groups: dict[PortKey, Group] = {}
    for pod in pods:
        if not rules.should_be_in_endpoints(pod, include_terminating=True):
            continue
        ports = sorted_ports(rules.resolved_ports(svc, pod))
        group = groups.setdefault(port_key(ports), Group(ports))
        ep = endpoint_for(pod, svc, address_type)
        if ep is not None:
            group.endpoints[endpoint_key(ep)] = ep
    return groups


def slice_labels(svc: Obj) -> dict[str, str]:
    """The Service's labels (reserved keys excluded) plus the controller's own."""
    out = {k: v for k, v in meta.labels(svc).items() if k not in RESERVED_LABELS}
    if rules.is_headless(svc):
        out[rules.HEADLESS_LABEL] = ""
    out[SERVICE_NAME_LABEL] = meta.name(svc)
    out[MANAGED_BY_LABEL] = CONTROLLER_NAME
    return out


def service_owner(svc: Obj) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "name": meta.name(svc),
            "uid": meta.uid(svc), "controller": True, "blockOwnerDeletion": True}


def new_slice(svc: Obj, ports: list[dict[str, Any]], address_type: str) -> Obj:
    return {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"generateName": f"{meta.name(svc)}-", "namespace": meta.namespace(svc),
                     "labels": slice_labels(svc), "ownerReferences": [service_owner(svc)]},
        "addressType": address_type, "endpoints": [], "ports": list(ports),
    }


def is_managed(eps: Obj) -> bool:
    return meta.labels(eps).get(MANAGED_BY_LABEL) == CONTROLLER_NAME


def owned_by(eps: Obj, svc: Obj) -> bool:
    ref = meta.controller_of(eps)
    return bool(ref and ref.get("kind") == "Service" and ref.get("uid") == meta.uid(svc))


def service_key(eps: Obj) -> str | None:
    """``namespace/service`` of a slice this controller manages."""
    name = meta.labels(eps).get(SERVICE_NAME_LABEL)
    return f"{meta.namespace(eps)}/{name}" if name and is_managed(eps) else None
