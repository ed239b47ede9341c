"""One create/update's allocations, undone on failure, releases applied on success.

Kubernetes allocates before it writes: a failed write must give back what it took, and
what an update frees (a type change to ExternalName, a removed nodePort) must stay taken
until the write has succeeded, or a concurrent create could grab an address still in
use. A ``Transaction`` records both: ``commit()`` applies the deferred releases,
``revert()`` returns what was taken. A dry run takes nothing: it only checks, and
remembers what it promised so one request never gets the same value twice.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from tinykube.apiserver.allocation.ipallocator import IPAllocator
from tinykube.apiserver.allocation.portallocator import PortAllocator

log = logging.getLogger(__name__)


class Transaction:
    """The allocations of one request. Finish it with ``commit()`` or ``revert()``."""

    def __init__(
        self,
        ips: IPAllocator,
        ports: PortAllocator,
        *,
        dry_run: bool = False,
        reserved_ips: Collection[str] = (),
    ) -> None:
        self._ips, self._ports = ips, ports
        self.dry_run = dry_run
        self._reserved = reserved_ips
        self._taken_ips: list[str] = []
        self._taken_ports: list[int] = []
        self._free_ips: list[str] = []
        self._free_ports: list[int] = []
        self.state = "open"

    @property
    def ip_family(self) -> str:
        return self._ips.family

    # -- what it did (read-only views, for callers and tests)

    @property
    def taken_ips(self) -> tuple[str, ...]:
        return tuple(self._taken_ips)

    @property
    def taken_ports(self) -> tuple[int, ...]:
        return tuple(self._taken_ports)

    @property
    def releases_ips(self) -> tuple[str, ...]:
        return tuple(self._free_ips)

    @property
    def releases_ports(self) -> tuple[int, ...]:
        return tuple(self._free_ports)

    # -- taking (raise bitmap.AllocationFailed)

    def take_ip(self, ip: str) -> None:
        if self.dry_run:
            self._ips.check(ip, pending=self._taken_ips)
        else:
            self._ips.allocate(ip)
        self._taken_ips.append(ip)

    def take_next_ip(self) -> str:
        exclude = [*self._reserved, *self._taken_ips] if self.dry_run else self._reserved
        ip = self._ips.next_free(exclude) if self.dry_run else self._ips.allocate_next(exclude)
        self._taken_ips.append(ip)
        return ip

    def take_port(self, port: int) -> None:
        if self.dry_run:
            self._ports.check(port, pending=self._taken_ports)
        else:
            self._ports.allocate(port)
        self._taken_ports.append(port)

    def take_next_port(self) -> int:
        if self.dry_run:
            port = self._ports.next_free(self._taken_ports)
        else:
            port = self._ports.allocate_next()
        self._taken_ports.append(port)
        return port

    # -- releasing on success

    def release_ip_later(self, ip: str) -> None:
        self._free_ips.append(ip)

    def release_port_later(self, port: int) -> None:
        self._free_ports.append(port)

    # -- finishing

    def commit(self) -> None:
        """The write succeeded: free what the update gave up. Idempotent."""
        if self.state != "open":
            return
        self.state = "committed"
        if self.dry_run:
            return
        for ip in self._free_ips:
            self._ips.release(ip)
        for port in self._free_ports:
            self._ports.release(port)

    def revert(self) -> None:
        """The write failed: give back what this transaction took. Idempotent."""
        if self.state != "open":
            return
        self.state = "reverted"
        if self.dry_run:
            return
        for ip in self._taken_ips:
            self._ips.release(ip)
        for port in self._taken_ports:
            self._ports.release(port)
        log.debug("allocation reverted ips=%s ports=%s", self._taken_ips, self._taken_ports)
