"""Publishing NodePorts and LoadBalancer IPs on the host, without touching host networking.

The cluster's addresses exist only inside tinykube's namespaces, so ``curl
127.0.0.1:30080`` on the host needs a forwarder: its listening sockets live in the host
namespace (``host`` factory: plain sockets of this process), its upstream sockets in the
node's (``upstream`` factory: ``host.nssocket.NetnsSockets(node_ns)``, made ahead in
batches), and each accepted TCP connection is forwarded to the node IP and NodePort, where
the dataplane takes it as NodePort traffic — the way a host port-forward into a kind node
works. The forwarding is ``cforward.EngineForwarding`` (the per-event work in C) where the
extension was built, else ``forward.PollerForwarding`` (the same rules in Python). With a
single target there is no other endpoint to try, so an upstream connect may take its time
(a dropped SYN is retransmitted after a second): only after ``connect_timeout`` seconds is
the client reset.
UDP goes through the userspace dataplane's ``UdpListener`` with a fixed target.

Published addresses:
- every NodePort, on each ``addresses`` entry (``127.0.0.1`` by default; ``--publish-address``
  adds more, e.g. ``0.0.0.0``);
- every LoadBalancer ingress IP inside ``127.0.0.0/8`` on the service port: those need no
  change on the host (Linux answers the whole loopback /8 on ``lo``). Other ingress IPs
  would need a host address and are left alone. Without a NodePort the upstream is the
  ClusterIP and service port.

A host port that is already taken (or wanted by two Services) is a ``Problem`` — a Warning
Event on the Service — and the others are still published. TCP and UDP; not SCTP.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Sequence, Set
from dataclasses import dataclass

from tinykube.machinery.clock import Clock, LoopClock
from tinykube.proxy import cforward
from tinykube.proxy.follower import Problem
from tinykube.proxy.forward import CONNECT_TIMEOUT, Forwarder, Forwarding, PollerForwarding
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.sockets import SocketFactory, listener
from tinykube.proxy.userspace.balancer import Choice
from tinykube.proxy.userspace.udp import UdpListener

log = logging.getLogger(__name__)

HostAddress = tuple[str, int, str]  # ip, port, protocol
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


@dataclass(frozen=True)
class Publication:
    """One host address and where its connections go inside the node's namespace."""

    service: ServicePortName
    host: HostAddress
    target: tuple[str, int]


class _Fixed:
    """A ``Picker`` that always answers the same upstream."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.endpoint = EndpointInfo(target[0], target[1])

    def pick(self, client_ip: str, *, external: bool, now: float,
             avoid: frozenset[str] = frozenset()) -> EndpointInfo | Choice | None:
        return None if self.endpoint.address in avoid else self.endpoint


def publications(info: ServicePortInfo, node: NodeConfig,
                 addresses: Sequence[str]) -> list[Publication]:
    """What one service port publishes on the host."""
    if info.protocol not in ("TCP", "UDP") or not node.ips:
        return []
    out = []
    if info.node_port:
        target = (node.ips[0], info.node_port)
        out += [Publication(info.name, (a, info.node_port, info.protocol), target)
                for a in addresses]
    lb_target = (node.ips[0], info.node_port) if info.node_port else (info.cluster_ip, info.port)
    out += [Publication(info.name, (ip, info.port, info.protocol), lb_target)
            for ip in info.load_balancer_ips if ipaddress.ip_address(ip) in LOOPBACK]
    return out


class Publisher:
    """``Follower`` that keeps the host's published listeners in line with the Services."""

    def __init__(self, node: NodeConfig, upstream: SocketFactory, host: SocketFactory, *,
                 addresses: Sequence[str] = ("127.0.0.1",), clock: Clock | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT,
                 engine: bool = cforward.AVAILABLE) -> None:
        self.node = node
        self.addresses = tuple(addresses)
        self.connect_timeout = connect_timeout
        self.engine = engine  # forward with the C engine (else in Python)
        self._upstream = upstream
        self._forwarding: Forwarding | None = None  # made with the first TCP publication
        self._host = host
        self._clock = clock or LoopClock()
        self._wanted: dict[ServicePortName, list[Publication]] = {}
        self._open: dict[HostAddress, tuple[Publication, Forwarder | UdpListener]] = {}
        self._problems: dict[ServicePortName, set[Problem]] = {}
        self._unpublished: set[HostAddress] = set()

    def published(self) -> dict[HostAddress, Publication]:
        return {addr: pub for addr, (pub, _) in self._open.items()}

    async def follow(self, state: ProxyState,
                     changed: Set[ServicePortName] | None) -> Set[Problem]:
        spns = (set(state.services) | set(self._wanted)) if changed is None else changed
        touched = set(self._unpublished)  # a taken port is tried again on every sync
        for spn in spns:
            info = state.services.get(spn)
            pubs = publications(info, self.node, self.addresses) if info else []
            touched.update(p.host for p in self._wanted.get(spn, []))
            touched.update(p.host for p in pubs)
            if pubs:
                self._wanted[spn] = pubs
            else:
                self._wanted.pop(spn, None)
                self._problems.pop(spn, None)
        await self._reconcile(touched)
        return {p for ps in self._problems.values() for p in ps}

    async def _reconcile(self, addrs: Set[HostAddress]) -> None:
        owners: dict[HostAddress, Publication] = {}
        for pubs in self._wanted.values():
            for p in pubs:
                if p.host in addrs and (p.host not in owners or p.service < owners[p.host].service):
                    owners[p.host] = p
        for spn in {p.service for pubs in self._wanted.values() for p in pubs if p.host in addrs}:
            self._problems.pop(spn, None)
        for addr in sorted(addrs):
            want = owners.get(addr)
            current = self._open.get(addr)
            if current is not None and (want is None or current[0] != want):
                del self._open[addr]
                await current[1].close()
                current = None
            if want is None:
                self._unpublished.discard(addr)
            elif current is None:
                await self._publish(want)
        for pubs in self._wanted.values():
            for p in pubs:
                if p.host in addrs and owners.get(p.host) != p:
                    self._problem(p, f"{_fmt(p.host)} is already published for "
                                     f"{owners[p.host].service}")

    async def _publish(self, pub: Publication) -> None:
        ip, port, proto = pub.host
        udp = proto == "UDP"
        try:
            sock = await listener(self._host, ip, port,
                                  type_=socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        except OSError as e:
            self._unpublished.add(pub.host)
            self._problem(pub, f"cannot publish {_fmt(pub.host)} on the host: "
                               f"{e.strerror or e}")
            return
        self._unpublished.discard(pub.host)
        lst: Forwarder | UdpListener
        if udp:
            lst = UdpListener(sock, _Fixed(pub.target), external=True, upstream=self._upstream,
                              clock=self._clock)
            await lst.start()
        else:
            if self._forwarding is None:
                kind = cforward.EngineForwarding if self.engine else PollerForwarding
                self._forwarding = kind(self._upstream, connect_timeout=self.connect_timeout)
            lst = self._forwarding.forwarder(sock, pub.target)
        self._open[pub.host] = (pub, lst)
        log.info("published %s -> %s:%d for %s", _fmt(pub.host), *pub.target, pub.service)

    def _problem(self, pub: Publication, message: str) -> None:
        spn = pub.service
        self._problems.setdefault(spn, set()).add(
            Problem(spn.namespace, spn.name, "HostPortUnavailable", message))

    async def close(self) -> None:
        for _, lst in self._open.values():
            await lst.close()
        self._open.clear()
        if self._forwarding is not None:  # (made again if the publisher follows again)
            await self._forwarding.close()
            self._forwarding = None
        self._unpublished.clear()
        self._wanted.clear()
        self._problems.clear()


def _fmt(addr: HostAddress) -> str:
    return f"{addr[0]}:{addr[1]}/{addr[2]}"
