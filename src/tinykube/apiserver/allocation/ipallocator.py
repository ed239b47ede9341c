"""ClusterIPs from the service CIDR (default 10.96.0.0/12), as kube-apiserver hands them out.

The network address is never allocatable and neither, for IPv4, is the broadcast
address; offset 0 is network+1 (``10.96.0.1``, the ``kubernetes`` Service). The static
band is ``min(max(16, size/16), 256)`` addresses, where ``size`` counts the whole CIDR
(/24 → 16, /16 and larger → 256, /28 and smaller → no static band). IPv6 ranges are
capped at 65536 addresses as in Kubernetes. Error texts are Kubernetes' own.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Collection

from tinykube.apiserver.allocation.bitmap import (
    RANGE_FULL,
    AllocationFailed,
    Bitmap,
    band_offset,
)
from tinykube.errors import ConfigError

ALREADY_ALLOCATED = "provided IP is already allocated"
MIN_ADDRESSES = 8
IPV6_MAX = 65536

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def family_of(ip: str) -> str | None:
    """``IPv4`` or ``IPv6``; None when ``ip`` is not an address."""
    try:
        return "IPv4" if ipaddress.ip_address(ip).version == 4 else "IPv6"
    except ValueError:
        return None


def parse_cidr(cidr: str) -> IPNetwork:
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except ValueError as e:
        raise ConfigError(f"invalid service CIDR {cidr!r}: {e}") from e
    if net.num_addresses < MIN_ADDRESSES:
        raise ConfigError("the service cluster IP range must be at least 8 IP addresses")
    return net


class IPAllocator:
    """A bitmap over one service CIDR."""

    def __init__(self, cidr: str, rng: random.Random | None = None) -> None:
        self.network = parse_cidr(cidr)
        self.family = "IPv4" if self.network.version == 4 else "IPv6"
        size = self.network.num_addresses
        usable = size - 2 if self.family == "IPv4" else min(size, IPV6_MAX) - 1
        self._base = int(self.network.network_address) + 1
        self.bitmap = Bitmap(usable, band_offset(size, 16, 256, 16), rng or random.Random())

    @property
    def cidr(self) -> str:
        return str(self.network)

    @property
    def size(self) -> int:
        return self.bitmap.size

    @property
    def static_band(self) -> int:
        """How many addresses (from network+1) are kept for user-chosen IPs."""
        return self.bitmap.offset

    def ip_at(self, offset: int) -> str:
        return str(ipaddress.ip_address(self._base + offset))

    def offset_of(self, ip: str) -> int | None:
        """The offset of ``ip`` in the range, or None when it is not allocatable here."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if addr.version != self.network.version or addr not in self.network:
            return None
        offset = int(addr) - self._base
        return offset if 0 <= offset < self.size else None

    def _require_offset(self, ip: str) -> int:
        offset = self.offset_of(ip)
        if offset is None:
            raise AllocationFailed(
                f"the provided IP ({ip}) is not in the valid range. "
                f"The range of valid IPs is {self.cidr}"
            )
        return offset

    def _offsets(self, ips: Collection[str]) -> set[int]:
        return {o for o in (self.offset_of(ip) for ip in ips) if o is not None}

    def check(self, ip: str, pending: Collection[str] = ()) -> None:
        """What ``allocate`` would say, without taking the address (dry runs)."""
        offset = self._require_offset(ip)
        if self.bitmap.has(offset) or offset in self._offsets(pending):
            raise AllocationFailed(ALREADY_ALLOCATED)

    def allocate(self, ip: str) -> None:
        """Take ``ip``. Raises ``AllocationFailed`` when out of range or already taken."""
        self.check(ip)
        self.bitmap.set(self._require_offset(ip))

    def next_free(self, exclude: Collection[str] = ()) -> str:
        """The address dynamic allocation would pick, without taking it."""
        offset = self.bitmap.find_free(self._offsets(exclude))
        if offset is None:
            raise AllocationFailed(RANGE_FULL)
        return self.ip_at(offset)

    def allocate_next(self, exclude: Collection[str] = ()) -> str:
        ip = self.next_free(exclude)
        self.bitmap.set(self._require_offset(ip))
        return ip

    def release(self, ip: str) -> None:
        """Free ``ip``; addresses outside the range are ignored, as Kubernetes does."""
        offset = self.offset_of(ip)
        if offset is not None:
            self.bitmap.clear(offset)

    def has(self, ip: str) -> bool:
        offset = self.offset_of(ip)
        return offset is not None and self.bitmap.has(offset)
