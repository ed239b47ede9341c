"""A pool of LoadBalancer IPs: ranges and CIDRs, lowest free address first.

``IPPool("172.18.255.200-172.18.255.250")`` (or ``"172.18.255.0/28"``, or several joined by
commas) hands out addresses to owners (Service keys): ``allocate`` picks the requested
address when it is in the pool and free, else the lowest free one, else None;
``assign`` records an address found in use (rebuilding after a restart); ``release``
frees an owner's address. The network and broadcast addresses of a CIDR are skipped.
Pure, no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_POOL = "172.18.255.200-172.18.255.250"


def _parse(spec: str) -> list[tuple[int, int]]:
    """Inclusive integer ranges of the comma-separated ranges and CIDRs in ``spec``."""
    out = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if "/" in part:
            net = ipaddress.ip_network(part, strict=False)
            first, last = int(net.network_address), int(net.broadcast_address)
            if net.num_addresses > 2:
                first, last = first + 1, last - 1
        else:
            lo, _, hi = part.partition("-")
            first = int(ipaddress.ip_address(lo.strip()))
            last = int(ipaddress.ip_address((hi or lo).strip()))
        if last < first:
            raise ValueError(f"empty address range {part!r}")
        out.append((first, last))
    if not out:
        raise ValueError(f"no addresses in pool {spec!r}")
    return out


class IPPool:
    def __init__(self, spec: str = DEFAULT_POOL) -> None:
        self.spec = spec
        self._ranges = _parse(spec)
        self._version = ipaddress.ip_address(spec.replace("/", "-").split("-")[0]
                                             .split(",")[0].strip()).version
        self._by_owner: dict[str, str] = {}
        self._by_ip: dict[str, str] = {}

    def __contains__(self, ip: object) -> bool:
        try:
            value = ipaddress.ip_address(str(ip))
        except ValueError:
            return False
        return value.version == self._version and any(
            lo <= int(value) <= hi for lo, hi in self._ranges)

    @property
    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self._ranges)

    def free(self) -> int:
        return self.size - len(self._by_ip)

    def of(self, owner: str) -> str | None:
        return self._by_owner.get(owner)

    def holder(self, ip: str) -> str | None:
        return self._by_ip.get(ip)

    def _addresses(self) -> Iterator[str]:
        for lo, hi in self._ranges:
            for value in range(lo, hi + 1):
                yield str(ipaddress.ip_address(value))

    def assign(self, owner: str, ip: str) -> bool:
        """Record ``ip`` as ``owner``'s; False when it is outside the pool or taken."""
        ip = str(ipaddress.ip_address(ip)) if ip in self else ip
        if ip not in self or self._by_ip.get(ip, owner) != owner:
            return False
        self.release(owner)
        self._by_owner[owner], self._by_ip[ip] = ip, owner
        return True

    def allocate(self, owner: str, requested: str | None = None) -> str | None:
        """``owner``'s address: the one it has, the requested one, or the lowest free."""
        if requested:
            return requested if self.assign(owner, requested) else None
        current = self._by_owner.get(owner)
        if current is not None:
            return current
        for ip in self._addresses():
            if ip not in self._by_ip:
                self._by_owner[owner], self._by_ip[ip] = ip, owner
                return ip
        return None

    def release(self, owner: str) -> str | None:
        ip = self._by_owner.pop(owner, None)
        if ip is not None:
            self._by_ip.pop(ip, None)
        return ip
