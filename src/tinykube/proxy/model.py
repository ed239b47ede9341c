"""What the proxy knows about a Service port and its endpoints, as frozen values.

kube-proxy never programs from raw objects: it first reduces a Service to one
``ServicePortInfo`` per port (``pkg/proxy/serviceport.go``) and the EndpointSlices of that
Service to ``EndpointInfo`` values per port (``endpointslicecache.go``). Everything after
this module (change tracking, planning, the dataplanes) works on these values only, so a
field of a Service the proxy does not use can change without causing a sync.

Only IPv4 is modelled (the table is ``ip tinykube``). Headless, ExternalName and
not-yet-allocated Services have no ports here; endpoints without an address, of another
address type or with no port of the right name are left out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
DEFAULT_AFFINITY_TIMEOUT = 10800  # seconds, Kubernetes' default for ClientIP affinity
PROTOCOLS = ("TCP", "UDP", "SCTP")


@dataclass(frozen=True, order=True)
class ServicePortName:
    """``namespace/name:port`` — the identity kube-proxy keys everything by."""

    namespace: str
    name: str
    port: str = ""  # the port's name; "" for a Service's single unnamed port
    protocol: str = "TCP"

    @property
    def service(self) -> str:
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}:{self.port}"


@dataclass(frozen=True)
class ServicePortInfo:
    """One port of one Service, reduced to what the dataplane needs."""

    name: ServicePortName
    cluster_ip: str
    port: int
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    load_balancer_ips: tuple[str, ...] = ()
    load_balancer_source_ranges: tuple[str, ...] = ()
    session_affinity_timeout: int = 0  # 0 = no affinity; else ClientIP with this timeout
    external_policy_local: bool = False  # only when externally accessible
    internal_policy_local: bool = False
    health_check_node_port: int = 0

    @property
    def protocol(self) -> str:
        return self.name.protocol

    @property
    def affinity(self) -> bool:
        return self.session_affinity_timeout > 0

    @property
    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.external_ips or self.load_balancer_ips)

    @property
    def uses_cluster_endpoints(self) -> bool:
        """Cluster endpoints are needed for Cluster ITP, and for any external traffic
        (short-circuiting pod and host traffic even under Local ETP)."""
        return not self.internal_policy_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.internal_policy_local or self.external_policy_local


@dataclass(frozen=True, order=True)
class EndpointInfo:
    """One endpoint address of one Service port, with its EndpointSlice conditions."""

    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str = ""
    local: bool = False

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


# --------------------------------------------------------------------------- Services


def service_ports(svc: Obj) -> dict[ServicePortName, ServicePortInfo]:
    """The proxied ports of a Service (empty for headless/ExternalName/unallocated)."""
    spec: dict[str, Any] = svc.get("spec") or {}
    cluster_ip = _cluster_ip(spec)
    if not cluster_ip or spec.get("type") == "ExternalName":
        return {}
    ns, name = meta.namespace(svc), meta.name(svc)
    accessible_ips = _ipv4s(spec.get("externalIPs"))
    lb_ips = _ipv4s(i.get("ip") for i in _lb_ingress(svc))
    out: dict[ServicePortName, ServicePortInfo] = {}
    for p in spec.get("ports") or []:
        info = _port_info(p, spec, ns=ns, name=name, cluster_ip=cluster_ip,
                          external_ips=accessible_ips, lb_ips=lb_ips)
        if info is not None:
            out[info.name] = info
    return out


def _port_info(p: dict[str, Any], spec: dict[str, Any], *, ns: str, name: str,
               cluster_ip: str, external_ips: tuple[str, ...],
               lb_ips: tuple[str, ...]) -> ServicePortInfo | None:
    protocol = str(p.get("protocol") or "TCP")
    port = int(p.get("port") or 0)
    if protocol not in PROTOCOLS or not port:
        return None
    node_port = int(p.get("nodePort") or 0)
    accessible = bool(node_port or external_ips or lb_ips)
    return ServicePortInfo(
        name=ServicePortName(ns, name, str(p.get("name") or ""), protocol),
        cluster_ip=cluster_ip,
        port=port,
        node_port=node_port,
        external_ips=external_ips,
        load_balancer_ips=lb_ips,
        load_balancer_source_ranges=_cidrs(spec.get("loadBalancerSourceRanges")),
        session_affinity_timeout=_affinity_timeout(spec),
        external_policy_local=accessible and spec.get("externalTrafficPolicy") == "Local",
        internal_policy_local=spec.get("internalTrafficPolicy") == "Local",
        health_check_node_port=int(spec.get("healthCheckNodePort") or 0),
    )


def _cluster_ip(spec: dict[str, Any]) -> str:
    candidates = list(spec.get("clusterIPs") or []) or [spec.get("clusterIP")]
    for ip in candidates:
        if ip and ip != "None" and _is_ipv4(str(ip)):
            return str(ip)
    return ""


def _lb_ingress(svc: Obj) -> list[dict[str, Any]]:
    status = svc.get("status") or {}
    return list((status.get("loadBalancer") or {}).get("ingress") or [])


def _affinity_timeout(spec: dict[str, Any]) -> int:
    if spec.get("sessionAffinity") != "ClientIP":
        return 0
    cfg = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
    return int(cfg.get("timeoutSeconds") or DEFAULT_AFFINITY_TIMEOUT)


def _ipv4s(values: Iterable[Any] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values or ():
        if v and _is_ipv4(str(v)):
            seen[str(v)] = None
    return tuple(seen)


def _cidrs(values: Iterable[Any] | None) -> tuple[str, ...]:
    out = []
    for v in values or ():
        try:
            net = ipaddress.ip_network(str(v).strip(), strict=False)
        except ValueError:
            continue
        if net.version == 4:
            out.append(str(net))
    return tuple(out)


def _is_ipv4(value: str) -> bool:
    try:
        return ipaddress.ip_address(value).version == 4
    except ValueError:
        return False


# --------------------------------------------------------------------------- EndpointSlices


def slice_service(slice_: Obj) -> str | None:
    """``namespace/name`` of the Service an EndpointSlice belongs to, by its label."""
    svc = meta.labels(slice_).get(SERVICE_NAME_LABEL)
    return f"{meta.namespace(slice_)}/{svc}" if svc else None


def slice_endpoints(slice_: Obj, node_name: str) -> dict[tuple[str, str], tuple[EndpointInfo, ...]]:
    """Endpoints of one slice keyed by (port name, protocol); IPv4 slices only."""
    if slice_.get("addressType", "IPv4") != "IPv4":
        return {}
    endpoints = [e for e in (_endpoint(ep, node_name) for ep in slice_.get("endpoints") or [])
                 if e is not None]
    out: dict[tuple[str, str], tuple[EndpointInfo, ...]] = {}
    for p in slice_.get("ports") or []:
        port = p.get("port")
        if not port:
            continue
        key = (str(p.get("name") or ""), str(p.get("protocol") or "TCP"))
        out[key] = tuple(replace(e, port=int(port)) for e in endpoints)
    return out


def _endpoint(ep: dict[str, Any], node_name: str) -> EndpointInfo | None:
    """The endpoint with port 0 (the slice's ports fill it in)."""
    addresses = ep.get("addresses") or []
    if not addresses or not _is_ipv4(str(addresses[0])):
        return None
    cond = ep.get("conditions") or {}
    ready = cond.get("ready") is not False  # unset means ready
    serving = ready if cond.get("serving") is None else bool(cond.get("serving"))
    terminating = cond.get("terminating") is True
    ep_node = str(ep.get("nodeName") or "")
    return EndpointInfo(str(addresses[0]), 0, ready, serving, terminating, ep_node,
                        bool(node_name) and ep_node == node_name)


def merge_slices(slices: Mapping[str, Mapping[tuple[str, str], tuple[EndpointInfo, ...]]],
                 service: str) -> dict[ServicePortName, tuple[EndpointInfo, ...]]:
    """One Service's endpoints per port, from all its slices (by slice name).

    The same ip:port in two slices counts once (the first slice by name wins), and the
    result is sorted so equal inputs give equal tuples.
    """
    ns, name = service.split("/", 1)
    merged: dict[ServicePortName, dict[str, EndpointInfo]] = {}
    for slice_name in sorted(slices):
        for (port_name, proto), eps in slices[slice_name].items():
            bucket = merged.setdefault(ServicePortName(ns, name, port_name, proto), {})
            for ep in eps:
                bucket.setdefault(ep.address, ep)
    return {spn: tuple(sorted(b.values())) for spn, b in merged.items() if b}


# --------------------------------------------------------------------------- the node


@dataclass(frozen=True)
class NodeConfig:
    """What the proxy of one node is told at start (kube-proxy's flags and node info).

    ``ips`` accept NodePorts (kube-proxy nftables' ``--nodeport-addresses primary``);
    ``pod_cidr`` is the whole cluster's pod range, the local-traffic detector: traffic to a
    ClusterIP from outside it is masqueraded. ``service_cidrs``: traffic to an unallocated
    address inside them is dropped.
    """

    name: str
    ips: tuple[str, ...]
    pod_cidr: str = "10.244.0.0/16"
    service_cidrs: tuple[str, ...] = ("10.96.0.0/12",)
    masquerade_all: bool = False


@dataclass(frozen=True)
class ProxyState:
    """The proxy's whole desired state: every service port and its endpoints.

    The maps belong to the proxier and change between syncs; a dataplane reads them
    during ``sync`` only and keeps what it needs as its own values.
    """

    services: Mapping[ServicePortName, ServicePortInfo]
    endpoints: Mapping[ServicePortName, tuple[EndpointInfo, ...]]
