"""The ServiceAllocator: ClusterIPs, NodePorts and health-check ports for Services.

The API server calls it around every Service write, the way kube-apiserver's Service
storage does:

* update: ``prepare_update(new, old)`` before validation (keep allocated values the
  request left out, clear what a type change frees);
* create and update: ``allocate(new, old)`` after validation fills the addresses in
  place and returns a ``Transaction``; ``commit()`` it once the write is stored (that
  frees what the update gave up), ``revert()`` it when the write fails;
* delete: ``release(svc)`` once the object is really gone;
* start-up: ``rebuild(services)`` from the store, and ``reserve(ip)`` for well-known
  addresses (``kubernetes`` = 10.96.0.1, ``kube-dns`` = 10.96.0.10) so dynamic
  allocation never hands them out while the Service that claims them does not exist.

State lives in memory only; the store is the truth and ``rebuild`` recovers it. Call it
from one thread (the API server's event loop): nothing here blocks or awaits.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable

from tinykube.api.meta import Obj, key_of
from tinykube.apiserver.allocation import clusterips, nodeports, prepare, shape
from tinykube.apiserver.allocation.families import init_ip_family_fields
from tinykube.apiserver.allocation.ipallocator import IPAllocator
from tinykube.apiserver.allocation.portallocator import PortAllocator
from tinykube.apiserver.allocation.transaction import Transaction
from tinykube.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
DEFAULT_NODE_PORTS = (30000, 32767)


class ServiceAllocator:
    """Address pools for Services: one service CIDR and one NodePort range."""

    def __init__(
        self,
        service_cidr: str = DEFAULT_SERVICE_CIDR,
        node_ports: tuple[int, int] = DEFAULT_NODE_PORTS,
        rng: random.Random | None = None,
    ) -> None:
        rng = rng or random.Random()
        self.ips = IPAllocator(service_cidr, rng)
        self.ports = PortAllocator(node_ports[0], node_ports[1], rng)
        self._reserved: set[str] = set()

    # -- start-up

    def reserve(self, ip: str) -> None:
        """Keep ``ip`` out of dynamic allocation; a Service may still ask for it by name.

        Raises ``ConfigError`` when ``ip`` is not allocatable in the service CIDR.
        """
        if self.ips.offset_of(ip) is None:
            raise ConfigError(f"{ip} is not an allocatable address of {self.ips.cidr}")
        self._reserved.add(ip)

    @property
    def reserved(self) -> frozenset[str]:
        return frozenset(self._reserved)

    def rebuild(self, services: Iterable[Obj]) -> None:
        """Forget every allocation and mark what the stored ``services`` hold."""
        self.ips.bitmap.reset()
        self.ports.bitmap.reset()
        for svc in services:
            self._mark(svc)

    def _mark(self, svc: Obj) -> None:
        who = key_of(svc)
        if shape.needs_cluster_ip(svc) and not shape.is_headless(svc):
            for ip in shape.cluster_ips(svc):
                offset = self.ips.offset_of(ip)
                if offset is None:
                    log.warning("clusterIP outside the service CIDR service=%s ip=%s cidr=%s",
                                who, ip, self.ips.cidr)
                elif not self.ips.bitmap.set(offset):
                    log.warning("clusterIP held twice service=%s ip=%s", who, ip)
        held = set(shape.node_ports(svc))
        if shape.health_check_node_port(svc):
            held.add(shape.health_check_node_port(svc))
        for port in sorted(held):
            if not self.ports.contains(port):
                log.warning("nodePort outside the range service=%s port=%s range=%s",
                            who, port, self.ports.range_text)
            elif not self.ports.bitmap.set(port - self.ports.first):
                log.warning("nodePort held twice service=%s port=%s", who, port)

    # -- writes

    def prepare_update(self, new: Obj, old: Obj) -> None:
        """Before validating an update, in place: keep allocated values, drop freed ones.

        Call it after the request's ``status`` was replaced by the stored one: a change
        away from LoadBalancer clears ``status.loadBalancer``.
        """
        prepare.prepare_update(new, old)

    def allocate(self, new: Obj, old: Obj | None = None, dry_run: bool = False) -> Transaction:
        """Fill ``clusterIP(s)``, ``ipFamilies``, ``ipFamilyPolicy``, ``nodePort``s and
        ``healthCheckNodePort`` of ``new`` in place (``old`` is the stored object on update).

        Raises ``Invalid`` (422) for a requested value that is taken or out of range, and
        ``InternalError`` (500) when a pool is exhausted or a requested health-check port
        is taken; nothing stays allocated then. A dry run takes nothing.
        """
        txn = Transaction(self.ips, self.ports, dry_run=dry_run, reserved_ips=self._reserved)
        try:
            prepare.normalize_cluster_ips(new, old)
            init_ip_family_fields(new, old, self.ips.family)
            if old is None:
                self._create(new, txn)
            else:
                clusterips.update_cluster_ips(new, old, txn)
                nodeports.update_all(new, old, txn)
        except BaseException:
            txn.revert()
            raise
        return txn

    @staticmethod
    def _create(svc: Obj, txn: Transaction) -> None:
        clusterips.allocate_cluster_ips(svc, txn)
        if shape.needs_node_port(svc):
            nodeports.init_node_ports(svc, txn)
        if shape.needs_health_check(svc):
            nodeports.allocate_health_check(svc, txn)

    def release(self, svc: Obj) -> None:
        """The Service is gone: free its ClusterIPs, nodePorts and health-check port now."""
        txn = Transaction(self.ips, self.ports)
        clusterips.release_cluster_ips(svc, txn)
        nodeports.release_node_ports(svc, txn)
        if shape.health_check_node_port(svc):
            txn.release_port_later(shape.health_check_node_port(svc))
        txn.commit()
