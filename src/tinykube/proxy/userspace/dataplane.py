"""``Dataplane`` without nftables: a listener per service address, relaying to endpoints.

For each service port with at least one usable endpoint it listens on the ClusterIP, the
external IPs and LB ingress IPs (service port) and the node IPs (NodePort), TCP or UDP,
with sockets from the ``SocketFactory`` — in the node's namespace in production, where
the service range must be routed locally (``ip route add local 10.96.0.0/12 dev lo``) so
connections to a ClusterIP arrive at our listeners. A port with no usable endpoint has no
listener, so connections are refused at once, like the nft ``reject``; an address with
endpoints but none for its Local policy accepts and never answers, like ``drop``.

Only changed service ports are touched on a partial sync; a listener stays open while
its address stays, so established connections survive endpoint changes.
"""

from __future__ import annotations

import logging
import random
import socket
from collections.abc import Set
from dataclasses import dataclass, field

from tinykube.machinery.clock import Clock, LoopClock
from tinykube.proxy.dataplane import SyncResult
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortInfo, ServicePortName
from tinykube.proxy.sockets import SocketFactory, listener
from tinykube.proxy.userspace.balancer import Balancer
from tinykube.proxy.userspace.tcp import TcpListener
from tinykube.proxy.userspace.udp import UdpListener

log = logging.getLogger(__name__)

Address = tuple[str, int, str]  # ip, port, protocol
Listener = TcpListener | UdpListener


@dataclass
class _Port:
    balancer: Balancer
    listeners: dict[Address, Listener] = field(default_factory=dict)
    endpoints: frozenset[str] = frozenset()


def addresses(info: ServicePortInfo, node: NodeConfig) -> dict[Address, bool]:
    """Every address a service port is reached at, and whether it is external."""
    proto = info.protocol
    out: dict[Address, bool] = {(info.cluster_ip, info.port, proto): False}
    for ip in (*info.external_ips, *info.load_balancer_ips):
        out[(ip, info.port, proto)] = True
    if info.node_port:
        for ip in node.ips:
            out[(ip, info.node_port, proto)] = True
    return out


class UserspaceDataplane:
    def __init__(self, node: NodeConfig, sockets: SocketFactory, *,
                 rng: random.Random | None = None, clock: Clock | None = None,
                 udp_idle: float = 30.0) -> None:
        self.node = node
        self._sockets = sockets
        self._rng = rng or random.Random()
        self._clock = clock or LoopClock()
        self._udp_idle = udp_idle
        self._ports: dict[ServicePortName, _Port] = {}

    async def sync(self, state: ProxyState,
                   changed: Set[ServicePortName] | None) -> SyncResult:
        spns = (set(state.services) | set(self._ports)) if changed is None else changed
        for spn in sorted(spns):
            await self._sync_port(spn, state)
        return SyncResult()

    async def _sync_port(self, spn: ServicePortName, state: ProxyState) -> None:
        info = state.services.get(spn)
        if info is None or info.protocol == "SCTP":
            port = self._ports.pop(spn, None)
            if port is not None:
                await _close_all(port)
            return
        port = self._ports.setdefault(spn, _Port(Balancer(self.node, self._rng)))
        eps = state.endpoints.get(spn, ())
        port.balancer.update(info, eps)
        alive = frozenset(e.address for e in eps if e.ready or (e.serving and e.terminating))
        gone, port.endpoints = port.endpoints - alive, alive
        wanted = addresses(info, self.node) if port.balancer.has_endpoints else {}
        for addr, lst in list(port.listeners.items()):
            if wanted.get(addr) != lst.external:
                del port.listeners[addr]
                await lst.close()
            elif gone and isinstance(lst, UdpListener):
                lst.forget(set(gone))
        for addr, external in wanted.items():
            if addr not in port.listeners:
                lst_new = await self._open(addr, port.balancer, external)
                if lst_new is not None:
                    port.listeners[addr] = lst_new

    async def _open(self, addr: Address, balancer: Balancer, external: bool) -> Listener | None:
        ip, portnum, proto = addr
        udp = proto == "UDP"
        try:
            sock = await listener(self._sockets, ip, portnum, freebind=True,
                                  type_=socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        except OSError as e:
            log.warning("userspace cannot listen on %s:%d/%s: %s", ip, portnum, proto, e)
            return None
        if udp:
            u = UdpListener(sock, balancer, external=external, upstream=self._sockets,
                            clock=self._clock, idle=self._udp_idle)
            await u.start()
            return u
        t = TcpListener(sock, balancer, external=external, upstream=self._sockets,
                        clock=self._clock)
        t.start()
        return t

    def listening(self) -> set[Address]:
        return {a for p in self._ports.values() for a in p.listeners}

    async def cleanup(self) -> None:
        for port in self._ports.values():
            await _close_all(port)
        self._ports.clear()


async def _close_all(port: _Port) -> None:
    for lst in port.listeners.values():
        await lst.close()
    port.listeners.clear()
