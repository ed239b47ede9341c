"""``kube-system/kube-dns``: the Service pods' ``/etc/resolv.conf`` points at, and its Endpoints.

kubeadm's CoreDNS addon publishes itself as a selector Service over its pods; tinykube's
DNS is not a pod, so it publishes a selector-less ClusterIP Service (10.96.0.10 by default,
the same labels and port names as kubeadm's) and writes the Endpoints itself: one address
per server, on the node IP it listens on. The mirroring controller turns those Endpoints
into an EndpointSlice and the proxy programs the ClusterIP to the node IPs, so
``dig @10.96.0.10`` in a pod reaches the server as it would on a kubeadm cluster.

Several nodes each publish their own address in the shared Endpoints and leave the others'
alone: an address is the server's when it has the server's IP or, when the server names its
node, the same ``nodeName``. Writes happen only when the live object differs from the
desired one (the pure functions below compute both); Endpoints updates are conditional on
the resourceVersion and retried on conflict. A ``clusterIP`` is immutable, so a Service with
another one is deleted and created again. Loopback and other special addresses cannot be
Endpoints (the API rejects them): a server listening there publishes the Service only.
"""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.errors import AlreadyExists, Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient

log = logging.getLogger(__name__)

NAMESPACE = "kube-system"
NAME = "kube-dns"
LABELS = {
    "k8s-app": "kube-dns",
    "kubernetes.io/cluster-service": "true",
    "kubernetes.io/name": "CoreDNS",
}
ATTEMPTS = 5  # writes lost to concurrent writers before giving up until the next resync

PortKey = tuple[str, str, int, str]  # name, protocol, port, targetPort
Change = Callable[[list[Obj]], list[Obj]]  # live subsets -> desired subsets


@dataclass(frozen=True)
class KubeDns:
    """The published Service: its ClusterIP and the ports the servers listen on."""

    cluster_ip: str = "10.96.0.10"
    dns_port: int = 53  # the servers' DNS port: targetPort and Endpoints port
    metrics_port: int = 9153  # the servers' metrics port
    namespace: str = NAMESPACE
    name: str = NAME

    def service_ports(self) -> list[Obj]:
        return [
            {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": self.dns_port},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": self.dns_port},
            {"name": "metrics", "port": 9153, "protocol": "TCP",
             "targetPort": self.metrics_port},
        ]

    def endpoint_ports(self) -> list[Obj]:
        return [
            {"name": "dns", "port": self.dns_port, "protocol": "UDP"},
            {"name": "dns-tcp", "port": self.dns_port, "protocol": "TCP"},
            {"name": "metrics", "port": self.metrics_port, "protocol": "TCP"},
        ]


@dataclass(frozen=True)
class Member:
    """One server's address in the Endpoints."""

    ip: str
    node_name: str = ""

    def address(self) -> Obj:
        out: Obj = {"ip": self.ip}
        if self.node_name:
            out["nodeName"] = self.node_name
        return out

    def owns(self, address: Obj) -> bool:
        return address.get("ip") == self.ip or bool(
            self.node_name and address.get("nodeName") == self.node_name)


# --------------------------------------------------------------------------- pure


def unpublishable(ip: str) -> str | None:
    """Why ``ip`` cannot be an Endpoints address, or None when it can."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "not an IP address"
    for test, why in ((addr.is_unspecified, "unspecified"), (addr.is_loopback, "loopback"),
                      (addr.is_link_local, "link-local"), (addr.is_multicast, "multicast")):
        if test:
            return f"{why} addresses cannot be Endpoints"
    return None


def service(spec: KubeDns) -> Obj:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": dict(LABELS)},
        "spec": {"type": "ClusterIP", "clusterIP": spec.cluster_ip,
                 "ports": spec.service_ports()},
    }


def _port_keys(ports: list[Obj]) -> list[PortKey]:
    return sorted((str(p.get("name") or ""), str(p.get("protocol") or "TCP"),
                   int(p.get("port") or 0), str(p.get("targetPort") or p.get("port") or ""))
                  for p in ports)


def needs_recreate(live: Obj, spec: KubeDns) -> bool:
    """True when the live Service has another ClusterIP (immutable: delete and create)."""
    return (live.get("spec") or {}).get("clusterIP") != spec.cluster_ip


def service_patch(live: Obj, spec: KubeDns) -> Obj | None:
    """The merge patch bringing ``live`` in line (labels, no selector, type, ports); None
    when nothing differs. Labels and fields it does not manage are left alone."""
    have = live.get("spec") or {}
    patch: dict[str, Any] = {}
    labels = {k: v for k, v in LABELS.items() if meta.labels(live).get(k) != v}
    if labels:
        patch["metadata"] = {"labels": labels}
    want: dict[str, Any] = {}
    if have.get("selector"):
        want["selector"] = None
    if have.get("type", "ClusterIP") != "ClusterIP":
        want["type"] = "ClusterIP"
    if _port_keys(list(have.get("ports") or [])) != _port_keys(spec.service_ports()):
        want["ports"] = spec.service_ports()
    if want:
        patch["spec"] = want
    return patch or None


def _ports_key(ports: list[Obj]) -> list[tuple[str, str, int]]:
    return sorted((str(p.get("name") or ""), str(p.get("protocol") or "TCP"),
                   int(p.get("port") or 0)) for p in ports)


def _by_ip(addresses: list[Obj]) -> list[Obj]:
    return sorted(addresses, key=lambda a: str(a.get("ip") or ""))


def without_member(subsets: list[Obj], member: Member) -> list[Obj]:
    """``subsets`` with the member's addresses removed and empty subsets dropped."""
    out = []
    for subset in subsets:
        s = copy.deepcopy(subset)
        for key in ("addresses", "notReadyAddresses"):
            kept = [a for a in s.get(key) or [] if not member.owns(a)]
            if kept:
                s[key] = kept
            else:
                s.pop(key, None)
        if s.get("addresses") or s.get("notReadyAddresses"):
            out.append(s)
    return out


def with_member(subsets: list[Obj], spec: KubeDns, member: Member) -> list[Obj]:
    """``subsets`` with the member ready, on this server's ports, exactly once."""
    out = without_member(subsets, member)
    ports = spec.endpoint_ports()
    for subset in out:
        if _ports_key(list(subset.get("ports") or [])) == _ports_key(ports):
            subset["addresses"] = _by_ip([*subset.get("addresses", []), member.address()])
            return out
    return [*out, {"addresses": [member.address()], "ports": ports}]


def _same_subsets(a: list[Obj], b: list[Obj]) -> bool:
    def canon(subsets: list[Obj]) -> list[Any]:
        return sorted(
            (repr(_by_ip(list(s.get("addresses") or []))),
             repr(_by_ip(list(s.get("notReadyAddresses") or []))),
             repr(_ports_key(list(s.get("ports") or []))))
            for s in subsets)
    return canon(a) == canon(b)


# --------------------------------------------------------------------------- API


async def ensure_service(api: ApiClient, spec: KubeDns) -> Obj:
    """Create the Service or write what differs; returns the live object."""
    for _ in range(ATTEMPTS):
        try:
            live = await api.get(kinds.SERVICE, spec.name, spec.namespace)
        except NotFound:
            try:
                created = await api.create(kinds.SERVICE, service(spec), spec.namespace)
            except AlreadyExists:
                continue
            log.info("created service=%s/%s clusterIP=%s", spec.namespace, spec.name,
                     spec.cluster_ip)
            return created
        if needs_recreate(live, spec):
            log.warning("service=%s/%s has clusterIP=%s, not %s: deleting it to create it "
                        "again", spec.namespace, spec.name,
                        (live.get("spec") or {}).get("clusterIP"), spec.cluster_ip)
            with contextlib.suppress(NotFound, Conflict):
                await api.delete(kinds.SERVICE, spec.name, spec.namespace, uid=meta.uid(live))
            continue
        patch = service_patch(live, spec)
        if patch is None:
            return live
        try:
            patched = await api.patch(kinds.SERVICE, spec.name, patch, spec.namespace)
        except NotFound:
            continue
        log.info("updated service=%s/%s fields=%s", spec.namespace, spec.name,
                 sorted({*patch.get("spec", {}), *patch.get("metadata", {})}))
        return patched
    raise Conflict(f"service {spec.namespace}/{spec.name} kept changing; will try again")


async def ensure_member(api: ApiClient, spec: KubeDns, member: Member) -> bool:
    """Put the member in the Endpoints (created if missing); True when something was
    written."""
    return await _write_endpoints(api, spec, lambda subsets: with_member(subsets, spec, member))


async def withdraw_member(api: ApiClient, spec: KubeDns, member: Member) -> bool:
    """Take the member out of the Endpoints; True when something was written."""
    return await _write_endpoints(api, spec, lambda subsets: without_member(subsets, member),
                                  create=False)


def _endpoints(spec: KubeDns, subsets: list[Obj]) -> Obj:
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": spec.name, "namespace": spec.namespace,
                         "labels": dict(LABELS)},
            "subsets": subsets}


async def _write_endpoints(api: ApiClient, spec: KubeDns, change: Change, *,
                           create: bool = True) -> bool:
    for _ in range(ATTEMPTS):
        try:
            live = await api.get(kinds.ENDPOINTS, spec.name, spec.namespace)
        except NotFound:
            if not create:
                return False
            try:
                await api.create(kinds.ENDPOINTS, _endpoints(spec, change([])), spec.namespace)
            except AlreadyExists:
                continue
            return True
        have = list(live.get("subsets") or [])
        want = change(have)
        labels = {**meta.labels(live), **LABELS}
        if _same_subsets(have, want) and labels == meta.labels(live):
            return False
        live["subsets"] = want
        meta.metadata(live)["labels"] = labels
        try:
            await api.update(kinds.ENDPOINTS, live)
        except (Conflict, NotFound):
            continue
        return True
    raise Conflict(f"endpoints {spec.namespace}/{spec.name} kept changing; will try again")
