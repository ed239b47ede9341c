"""ClusterIPs on create and on type changes (alloc.go ``allocClusterIPs``/``updateClusterIPs``).

A Service that needs an address gets the one it names (422 when that one is taken or
outside the CIDR) or a dynamic one (500 when the range is full). Headless and
ExternalName Services get none. On update only a type change moves addresses:
ExternalName → anything else allocates, anything else → ExternalName releases the old
ones when the write commits; a headless Service never gains an address.
"""

from __future__ import annotations

from tinykube.api.meta import Obj
from tinykube.apiserver.allocation import shape
from tinykube.apiserver.allocation.bitmap import AllocationFailed
from tinykube.apiserver.allocation.causes import internal, invalid_value, rejected
from tinykube.apiserver.allocation.transaction import Transaction


def allocate_cluster_ips(svc: Obj, txn: Transaction) -> None:
    """Fill ``clusterIP``/``clusterIPs`` for a Service that needs an address."""
    if not shape.needs_cluster_ip(svc) or shape.is_headless(svc):
        return
    ips = shape.cluster_ips(svc)
    families = shape.ip_families(svc) or [txn.ip_family]
    ips += [""] * (len(families) - len(ips))
    for i, ip in enumerate(ips[: len(families)]):
        ips[i] = _take(svc, txn, ip)
    spec = shape.spec(svc)
    spec["clusterIPs"] = ips
    spec["clusterIP"] = ips[0]


def _take(svc: Obj, txn: Transaction, ip: str) -> str:
    if not ip:
        try:
            return txn.take_next_ip()
        except AllocationFailed as e:
            raise internal(f"failed to allocate a serviceIP: {e}") from None
    try:
        txn.take_ip(ip)
    except AllocationFailed as e:
        cause = invalid_value("spec.clusterIPs", shape.cluster_ips(svc),
                              f"failed to allocate IP {ip}: {e}")
        raise rejected(svc, [cause]) from None
    return ip


def update_cluster_ips(new: Obj, old: Obj, txn: Transaction) -> None:
    """Allocate or schedule the release of addresses a type change gains or frees."""
    if shape.svc_type(old) == "ExternalName" and shape.svc_type(new) != "ExternalName":
        allocate_cluster_ips(new, txn)
        return
    if shape.is_headless(old):
        return
    if shape.svc_type(old) != "ExternalName" and shape.svc_type(new) == "ExternalName":
        for ip in shape.cluster_ips(old):
            txn.release_ip_later(ip)


def release_cluster_ips(svc: Obj, txn: Transaction) -> None:
    if not shape.is_headless(svc):
        for ip in shape.cluster_ips(svc):
            txn.release_ip_later(ip)
