"""A UDP listener of the userspace dataplane: one upstream socket per client address.

The first datagram from a client address chooses an endpoint (``Balancer``) and opens an
upstream socket connected to it (made by the ``SocketFactory``, so in the node's
namespace); later datagrams from that address follow it, and the endpoint's replies go
back from the service address. A session idle for ``idle`` seconds is closed, so the next
datagram chooses again — the userspace counterpart of deleting stale conntrack entries is
``forget(endpoint)``, which closes the sessions of a removed endpoint at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from tinykube.machinery.clock import Clock
from tinykube.proxy.model import EndpointInfo
from tinykube.proxy.sockets import SocketFactory
from tinykube.proxy.userspace.balancer import Choice, Picker

log = logging.getLogger(__name__)

Addr = tuple[str, int]
MAX_PENDING = 64


class _Reply(asyncio.DatagramProtocol):
    def __init__(self, listener: UdpListener, client: Addr) -> None:
        self.listener = listener
        self.client = client

    def datagram_received(self, data: bytes, addr: Addr) -> None:
        self.listener.reply(self.client, data)

    def error_received(self, exc: Exception) -> None:
        log.debug("userspace udp upstream error for %s: %s", self.client, exc)


@dataclass
class _Session:
    endpoint: EndpointInfo
    last: float
    transport: asyncio.DatagramTransport | None = None
    pending: list[bytes] = field(default_factory=list)


class UdpListener(asyncio.DatagramProtocol):
    def __init__(self, sock: socket.socket, balancer: Picker, *, external: bool,
                 upstream: SocketFactory, clock: Clock, idle: float = 30.0) -> None:
        self.sock = sock
        self.balancer = balancer
        self.external = external
        self.idle = idle
        self._upstream = upstream
        self._clock = clock
        self._transport: asyncio.DatagramTransport | None = None
        self._sessions: dict[Addr, _Session] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, sock=self.sock)
        self._spawn(self._sweep())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a DatagramTransport

    def datagram_received(self, data: bytes, addr: Addr) -> None:
        session = self._sessions.get(addr)
        now = self._clock.now()
        if session is None:
            choice = self.balancer.pick(addr[0], external=self.external, now=now)
            if choice is None or choice is Choice.DROP:
                return
            session = _Session(choice, now)
            self._sessions[addr] = session
            self._spawn(self._open(addr, session))
        session.last = now
        if session.transport is not None:
            session.transport.sendto(data)
        elif len(session.pending) < MAX_PENDING:
            session.pending.append(data)

    async def _open(self, client: Addr, session: _Session) -> None:
        loop = asyncio.get_running_loop()
        sock = await self._upstream.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.connect((session.endpoint.ip, session.endpoint.port))
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Reply(self, client), sock=sock)
        except OSError as e:
            sock.close()
            log.debug("userspace udp dial %s failed: %s", session.endpoint.address, e)
            self._sessions.pop(client, None)
            return
        if self._sessions.get(client) is not session:
            transport.close()
            return
        session.transport = transport
        for data in session.pending:
            transport.sendto(data)
        session.pending.clear()

    def reply(self, client: Addr, data: bytes) -> None:
        if self._transport is not None:
            self._transport.sendto(data, client)

    def forget(self, gone: set[str]) -> None:
        """Close the sessions of endpoints (ip:port) that are no longer used."""
        for client, s in list(self._sessions.items()):
            if s.endpoint.address in gone:
                self._end(client)

    def _end(self, client: Addr) -> None:
        s = self._sessions.pop(client, None)
        if s is not None and s.transport is not None:
            s.transport.close()

    async def _sweep(self) -> None:
        while True:
            await self._clock.sleep(self.idle / 2)
            cutoff = self._clock.now() - self.idle
            for client, s in list(self._sessions.items()):
                if s.last < cutoff:
                    self._end(client)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for client in list(self._sessions):
            self._end(client)
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._transport is not None:
            self._transport.close()
        else:
            self.sock.close()
