"""What the API server creates for itself at start: system namespaces and ``kubernetes``.

Like kube-apiserver's bootstrap controllers: the namespaces ``default``, ``kube-system``,
``kube-public`` and ``kube-node-lease``, and the ``default/kubernetes`` Service (ClusterIP
= the first address of the service CIDR, port ``https`` 443 → the API server's port,
no selector). When the server advertises an address (a node IP that pods can reach),
it also keeps that Service's Endpoints (labelled ``skip-mirror`` so the mirroring
controller leaves it alone) and EndpointSlice pointing at it. Everything goes through
the registry like any client write, and is only rewritten when it differs.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from tinykube.api.kinds import ENDPOINT_SLICE, ENDPOINTS, NAMESPACE, SERVICE, Kind
from tinykube.api.meta import Obj
from tinykube.errors import AlreadyExists, NotFound

from .options import WriteOptions
from .registry import Ref, Registry

log = logging.getLogger(__name__)

NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
MANAGER = WriteOptions(field_manager="kube-apiserver")
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def first_address(service_cidr: str) -> str:
    return str(ipaddress.ip_network(service_cidr, strict=False)[1])


def kubernetes_service(cluster_ip: str, port: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": cluster_ip,
            "sessionAffinity": "None",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
        },
    }


def kubernetes_endpoints(address: str, port: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {SKIP_MIRROR: "true"}},
        "subsets": [{"addresses": [{"ip": address}],
                     "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
    }


def kubernetes_slice(address: str, port: int) -> Obj:
    family = "IPv6" if ipaddress.ip_address(address).version == 6 else "IPv4"
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": family,
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }


async def run(registry: Registry, *, service_cidr: str, port: int,
              advertise_address: str | None) -> None:
    for name in NAMESPACES:
        await _ensure(registry, NAMESPACE, None, {"apiVersion": "v1", "kind": "Namespace",
                                                  "metadata": {"name": name}}, keys=())
    svc = kubernetes_service(first_address(service_cidr), port)
    await _ensure(registry, SERVICE, "default", svc, keys=("spec",), fields=("ports",))
    if advertise_address:
        await _ensure(registry, ENDPOINTS, "default",
                      kubernetes_endpoints(advertise_address, port), keys=("subsets",))
        await _ensure(registry, ENDPOINT_SLICE, "default",
                      kubernetes_slice(advertise_address, port),
                      keys=("addressType", "endpoints", "ports"))


async def _ensure(registry: Registry, kind: Kind, namespace: str | None, want: Obj, *,
                  keys: tuple[str, ...], fields: tuple[str, ...] = ()) -> None:
    """Create ``want``, or bring the listed top-level ``keys`` of the live object in line.

    With ``fields``, only those fields inside each key are compared and written (the
    Service's ``spec`` holds allocated values that must be kept).
    """
    name = want["metadata"]["name"]
    ref = Ref(kind, namespace, name)
    try:
        live = await registry.get(ref)
    except NotFound:
        try:
            await registry.create(kind, namespace, want, MANAGER)
            log.info("bootstrap created kind=%s name=%s", kind.kind, name)
        except AlreadyExists:
            pass
        return
    if not _differs(live, want, keys, fields):
        return
    for key in keys:
        if fields:
            inner: dict[str, Any] = live.setdefault(key, {})
            inner.update({f: want[key][f] for f in fields})
        else:
            live[key] = want[key]
    await registry.update(ref, live, MANAGER)
    log.info("bootstrap updated kind=%s name=%s", kind.kind, name)


def _differs(live: Obj, want: Obj, keys: tuple[str, ...], fields: tuple[str, ...]) -> bool:
    for key in keys:
        if fields:
            have = live.get(key) or {}
            if any(have.get(f) != want[key][f] for f in fields):
                return True
        elif live.get(key) != want.get(key):
            return True
    return False
