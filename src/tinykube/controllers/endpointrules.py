"""The rules both endpoint controllers share: which pods count, on which ports, by what name.

From ``k8s.io/endpointslice/util`` (``ShouldPodBeInEndpoints``, ``ShouldSetHostname``,
``podEndpointsChanged``) and ``podutil.FindPort``: the Endpoints controller and the
EndpointSlice controller disagree only on terminating pods (Endpoints drop them unless the
Service publishes not-ready addresses; slices keep them with ``terminating: true``), so the
difference is an argument here rather than two copies. Pure functions.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers import pods

HEADLESS_LABEL = "service.kubernetes.io/headless"
IPV4, IPV6 = "IPv4", "IPv6"


# --------------------------------------------------------------------------- services


def spec(svc: Obj) -> dict[str, Any]:
    return svc.get("spec") or {}


def selector(svc: Obj) -> dict[str, str] | None:
    """The Service's selector; None when it has none (``{}`` counts as none, as on the wire)."""
    sel = spec(svc).get("selector")
    return {str(k): str(v) for k, v in sel.items()} if isinstance(sel, dict) and sel else None


def is_external_name(svc: Obj) -> bool:
    return spec(svc).get("type") == "ExternalName"


def is_headless(svc: Obj) -> bool:
    """No cluster IP (``None`` or empty): ``!helper.IsServiceIPSet``."""
    return spec(svc).get("clusterIP") in (None, "", "None")


def publishes_not_ready(svc: Obj) -> bool:
    return bool(spec(svc).get("publishNotReadyAddresses"))


def family_of(ip: str) -> str:
    try:
        return IPV6 if ipaddress.ip_address(ip).version == 6 else IPV4
    except ValueError:
        return IPV4


def families(svc: Obj) -> list[str]:
    """The address families the Service's endpoints are kept in, primary first."""
    listed = [str(f) for f in spec(svc).get("ipFamilies") or [] if f in (IPV4, IPV6)]
    if listed:
        return listed
    cluster_ip = spec(svc).get("clusterIP")
    if isinstance(cluster_ip, str) and cluster_ip not in ("", "None"):
        return [family_of(cluster_ip)]
    return [IPV4]


# --------------------------------------------------------------------------- pods


def should_be_in_endpoints(pod: Obj, include_terminating: bool) -> bool:
    """Terminal pods, pods without an IP and (unless asked) terminating pods are left out."""
    if pods.is_terminal(pod) or not pods.ips(pod):
        return False
    return include_terminating or not meta.is_terminating(pod)


def ip_of_family(pod: Obj, family: str) -> str | None:
    for ip in pods.ips(pod):
        if family_of(ip) == family:
            return str(ipaddress.ip_address(ip))  # normalised
    return None


def hostname_for(pod: Obj, svc: Obj) -> str | None:
    """``spec.hostname`` when the pod's subdomain is this Service (same namespace)."""
    pspec = pod.get("spec") or {}
    hostname = pspec.get("hostname")
    if not hostname or pspec.get("subdomain") != meta.name(svc):
        return None
    if meta.namespace(pod) != meta.namespace(svc):
        return None
    return str(hostname)


def target_ref(pod: Obj) -> dict[str, str]:
    return {"kind": "Pod", "namespace": meta.namespace(pod), "name": meta.name(pod),
            "uid": meta.uid(pod)}


def pod_fields(pod: Obj, svc: Obj) -> dict[str, Any]:
    """What an Endpoints address and a slice endpoint both say of their pod: ``hostname``
    (when the Service names it), ``nodeName`` (when scheduled) and ``targetRef``."""
    out: dict[str, Any] = {}
    hostname = hostname_for(pod, svc)
    if hostname:
        out["hostname"] = hostname
    node = pods.node_name(pod)
    if node:
        out["nodeName"] = node
    out["targetRef"] = target_ref(pod)
    return out


def _container_ports(pod: Obj) -> list[dict[str, Any]]:
    """Ports of the containers and of restartable (sidecar) init containers."""
    pspec = pod.get("spec") or {}
    containers = list(pspec.get("containers") or [])
    containers += [c for c in pspec.get("initContainers") or []
                   if isinstance(c, dict) and c.get("restartPolicy") == "Always"]
    return [p for c in containers if isinstance(c, dict)
            for p in c.get("ports") or [] if isinstance(p, dict)]


def find_port(pod: Obj, svc_port: dict[str, Any]) -> int | None:
    """The pod's port for one Service port (``podutil.FindPort``); None when it has none.

    A numeric ``targetPort`` is taken as is; a named one is looked up among the pod's
    container ports by name and protocol.
    """
    target = svc_port.get("targetPort")
    if target is None or target == "":
        target = svc_port.get("port")
    if isinstance(target, int):
        return target
    protocol = svc_port.get("protocol") or "TCP"
    for p in _container_ports(pod):
        if p.get("name") == target and (p.get("protocol") or "TCP") == protocol:
            port = p.get("containerPort")
            return int(port) if isinstance(port, int) else None
    return None


def endpoint_port(svc_port: dict[str, Any], number: int) -> dict[str, Any]:
    out: dict[str, Any] = {"name": str(svc_port.get("name") or ""), "port": number,
                           "protocol": svc_port.get("protocol") or "TCP"}
    if svc_port.get("appProtocol"):
        out["appProtocol"] = svc_port["appProtocol"]
    return out


def resolved_ports(svc: Obj, pod: Obj) -> list[dict[str, Any]]:
    """The Service's ports as this pod serves them; ports it lacks are left out."""
    out = []
    for svc_port in spec(svc).get("ports") or []:
        number = find_port(pod, svc_port)
        if number is not None:
            out.append(endpoint_port(svc_port, number))
    return out


def _hostname_and_subdomain(pod: Obj) -> tuple[Any, Any]:
    pspec = pod.get("spec") or {}
    return pspec.get("hostname"), pspec.get("subdomain")


def endpoints_changed(old: Obj, new: Obj) -> bool:
    """Whether a pod update can change any endpoint (``podEndpointsChanged`` and a bit more:
    phase and node, which cost nothing to compare)."""
    return (
        meta.labels(old) != meta.labels(new)
        or _hostname_and_subdomain(old) != _hostname_and_subdomain(new)
        or meta.is_terminating(old) != meta.is_terminating(new)
        or pods.is_ready(old) != pods.is_ready(new)
        or pods.ips(old) != pods.ips(new)
        or pods.phase(old) != pods.phase(new)
        or pods.node_name(old) != pods.node_name(new)
    )
