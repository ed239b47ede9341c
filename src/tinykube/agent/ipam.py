"""Pod IPs from the node's CIDR: one owner per address, never handed out twice.

The pool is the CIDR's hosts minus the gateway (the bridge's ``.1``): ``.2`` to ``.254``
for a /24. Owners are pod UIDs. Allocation is next-fit — it continues after the address
handed out last, so a just-released IP is the last to come back and stale DNS answers or
conntrack entries for it have time to expire. ``allocate`` is idempotent per owner and
takes a preferred address (the one the pod had before an agent restart). Nothing is
persisted: at start the agent rebuilds the pool from the pods bound to its node
(``status.podIP``) before it hands out anything new. Pure.
"""

from __future__ import annotations

import ipaddress

from tinykube.errors import SystemError_


class PoolExhausted(SystemError_):
    """Every address of the node's pod CIDR is in use."""


class Ipam:
    def __init__(self, cidr: str, gateway: str | None = None) -> None:
        net = ipaddress.ip_network(cidr)
        first, last = int(net.network_address), int(net.broadcast_address)
        hosts = range(first + 1, last) if net.num_addresses > 2 else range(first, last + 1)
        gw = int(ipaddress.ip_address(gateway)) if gateway else hosts[0]
        self._pool = [ip for ip in hosts if ip != gw]
        self._index = {ip: i for i, ip in enumerate(self._pool)}
        self._by_owner: dict[str, int] = {}
        self._owner_of: dict[int, str] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._by_owner)

    @property
    def size(self) -> int:
        return len(self._pool)

    def ip_of(self, owner: str) -> str | None:
        ip = self._by_owner.get(owner)
        return _text(ip) if ip is not None else None

    def owner(self, ip: str) -> str | None:
        return self._owner_of.get(int(ipaddress.ip_address(ip)))

    def reserve(self, owner: str, ip: str) -> bool:
        """Give ``ip`` to ``owner`` if it is in the pool and free (or already theirs)."""
        try:
            addr = int(ipaddress.ip_address(ip))
        except ValueError:
            return False
        if addr not in self._index or self._owner_of.get(addr, owner) != owner:
            return False
        if self._by_owner.get(owner, addr) != addr:
            return False
        self._by_owner[owner] = addr
        self._owner_of[addr] = owner
        return True

    def allocate(self, owner: str, preferred: str | None = None) -> str:
        """``owner``'s address: the one it has, else ``preferred`` if free, else the next
        free one; ``PoolExhausted`` when none is left."""
        if owner in self._by_owner:
            return _text(self._by_owner[owner])
        if preferred and self.reserve(owner, preferred):
            return preferred
        n = len(self._pool)
        for step in range(n):
            i = (self._next + step) % n
            addr = self._pool[i]
            if addr not in self._owner_of:
                self._by_owner[owner] = addr
                self._owner_of[addr] = owner
                self._next = (i + 1) % n
                return _text(addr)
        raise PoolExhausted(f"no free pod IP left in {_text(self._pool[0])}-"
                            f"{_text(self._pool[-1])}")

    def release(self, owner: str) -> str | None:
        """Free ``owner``'s address; the address, or None if it had none."""
        addr = self._by_owner.pop(owner, None)
        if addr is None:
            return None
        del self._owner_of[addr]
        return _text(addr)


def _text(addr: int) -> str:
    return str(ipaddress.ip_address(addr))
