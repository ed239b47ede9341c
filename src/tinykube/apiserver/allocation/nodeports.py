"""NodePorts and health-check node ports (alloc.go ``initNodePorts``, ``updateNodePorts``…).

* Create: every port of a NodePort or LoadBalancer Service gets a nodePort, except a
  LoadBalancer with ``allocateLoadBalancerNodePorts: false`` (only named ones are
  reserved). Ports with the same ``port`` number (DNS on 53/TCP and 53/UDP) share one.
  A named nodePort that is taken or outside the range is a 422 on
  ``spec.ports[i].nodePort``; an empty range is a 500.
* Update: new values are reserved, values no longer used are released on commit; leaving
  NodePort/LoadBalancer releases them all.
* A LoadBalancer with ``externalTrafficPolicy: Local`` gets a ``healthCheckNodePort``;
  failing to get the one it names is a 500, as in Kubernetes.
"""

from __future__ import annotations

from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.allocation import shape
from tinykube.apiserver.allocation.bitmap import AllocationFailed
from tinykube.apiserver.allocation.causes import internal, invalid_value, rejected
from tinykube.apiserver.allocation.transaction import Transaction


def _take_named(svc: Obj, txn: Transaction, index: int, port: int) -> None:
    try:
        txn.take_port(port)
    except AllocationFailed as e:
        cause = invalid_value(f"spec.ports[{index}].nodePort", port, str(e))
        raise rejected(svc, [cause]) from None


def _take_next(txn: Transaction) -> int:
    try:
        return txn.take_next_port()
    except AllocationFailed as e:
        raise internal(f"failed to allocate a nodePort: {e}") from None


def _requested(number: int, ports: list[dict[str, Any]]) -> int:
    """``findRequestedNodePort``: a nodePort the user named for this port number."""
    for p in ports:
        if p.get("port") == number and shape.node_port(p):
            return shape.node_port(p)
    return 0


def init_node_ports(svc: Obj, txn: Transaction) -> None:
    """Create: reserve named nodePorts, allocate the rest (shared per port number)."""
    ports = shape.ports(svc)
    by_number: dict[Any, int] = {}
    for i, port in enumerate(ports):
        if not shape.node_port(port) and not shape.should_allocate_node_ports(svc):
            continue
        number = port.get("port")
        assigned = by_number.get(number, 0)
        if not assigned:
            wanted = _requested(number, ports) if isinstance(number, int) else 0
            if wanted:
                _take_named(svc, txn, i, wanted)
                assigned = wanted
            else:
                assigned = _take_next(txn)
            by_number[number] = assigned
            port["nodePort"] = assigned
        elif shape.node_port(port) != assigned:
            if shape.node_port(port):
                _take_named(svc, txn, i, shape.node_port(port))
            else:
                port["nodePort"] = assigned


def update_node_ports(new: Obj, old: Obj, txn: Transaction) -> None:
    """Update to NodePort/LoadBalancer: reserve what is new, release what is gone."""
    old_numbers = set(shape.node_ports(old))
    reserved: set[int] = set()
    by_number: dict[Any, int] = {}
    for i, port in enumerate(shape.ports(new)):
        value = shape.node_port(port)
        if not value and not shape.should_allocate_node_ports(new):
            continue
        if value:
            if value not in old_numbers and value not in reserved:
                _take_named(new, txn, i, value)
                reserved.add(value)
        elif port.get("port") in by_number:
            value = by_number[port.get("port")]  # TCP and UDP 53 share one nodePort
            port["nodePort"] = value
        else:
            value = _take_next(txn)
            port["nodePort"] = value
        by_number.setdefault(port.get("port"), value)
    for gone in sorted(old_numbers - set(shape.node_ports(new))):
        txn.release_port_later(gone)


def release_node_ports(svc: Obj, txn: Transaction) -> None:
    for port in shape.node_ports(svc):
        txn.release_port_later(port)


def allocate_health_check(svc: Obj, txn: Transaction) -> None:
    wanted = shape.health_check_node_port(svc)
    try:
        if wanted:
            txn.take_port(wanted)
            return
        shape.spec(svc)["healthCheckNodePort"] = txn.take_next_port()
    except AllocationFailed as e:
        if wanted:
            raise internal(
                f"failed to allocate requested HealthCheck NodePort {wanted}: {e}"
            ) from None
        raise internal(f"failed to allocate a HealthCheck NodePort 0: {e}") from None


def update_health_check(new: Obj, old: Obj, txn: Transaction) -> None:
    needed, needs = shape.needs_health_check(old), shape.needs_health_check(new)
    if needs and not needed:
        allocate_health_check(new, txn)
    elif needed and not needs and shape.health_check_node_port(old):
        txn.release_port_later(shape.health_check_node_port(old))


def update_all(new: Obj, old: Obj, txn: Transaction) -> None:
    """``txnUpdateNodePorts``: node ports and the health-check port of one update."""
    if shape.needs_node_port(old) and shape.svc_type(new) in ("ClusterIP", "ExternalName"):
        release_node_ports(old, txn)
    if shape.needs_node_port(new):
        update_node_ports(new, old, txn)
    update_health_check(new, old, txn)
