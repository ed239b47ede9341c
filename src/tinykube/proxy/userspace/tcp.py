"""A TCP listener of the userspace dataplane: accept, choose, connect, relay.

Each accepted connection gets an endpoint from the port's ``Balancer`` and an upstream
socket from the ``SocketFactory`` (so it lives in the node's namespace), then
``relay.relay`` moves the bytes. Like kube-proxy's userspace mode, a failed dial moves
on to another endpoint with growing timeouts (0.25 s, 0.5 s, 1 s, 2 s) before the client
is reset. A ``DROP`` choice holds the client without an answer until it gives up.
Every connection task belongs to its listener and ends with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct

from tinykube.machinery.clock import Clock
from tinykube.proxy.poller import Poller
from tinykube.proxy.relay import relay, tune
from tinykube.proxy.sockets import SocketFactory
from tinykube.proxy.userspace.balancer import Choice, Picker

log = logging.getLogger(__name__)

DIAL_TIMEOUTS = (0.25, 0.5, 1.0, 2.0)
DROP_HOLD = 60.0  # seconds a dropped client is held before we let go


class TcpListener:
    def __init__(self, sock: socket.socket, balancer: Picker, *, external: bool,
                 upstream: SocketFactory, clock: Clock) -> None:
        self.sock = sock
        self.balancer = balancer
        self.external = external
        self._upstream = upstream
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._conns: set[asyncio.Task[None]] = set()
        self._poller: Poller | None = None

    def start(self) -> None:
        self.sock.setblocking(False)
        loop = asyncio.get_running_loop()
        self._poller = Poller(loop)
        self._task = loop.create_task(self._accept_loop())

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, addr = await loop.sock_accept(self.sock)
            except OSError as e:  # e.g. EMFILE: back off instead of spinning
                log.warning("userspace accept failed on %s: %s", self.sock.getsockname(), e)
                await asyncio.sleep(0.1)
                continue
            task = loop.create_task(self._serve(conn, addr[0]))
            self._conns.add(task)
            task.add_done_callback(self._conns.discard)

    async def _serve(self, conn: socket.socket, client_ip: str) -> None:
        tune(conn)
        upstream = await self._dial(client_ip)
        if upstream is None:
            _reset(conn)
            return
        if upstream is Choice.DROP:
            await _hold(conn)
            return
        await relay(conn, upstream, poller=self._poller)

    async def _dial(self, client_ip: str) -> socket.socket | Choice | None:
        loop = asyncio.get_running_loop()
        failed: frozenset[str] = frozenset()
        for timeout in DIAL_TIMEOUTS:
            choice = self.balancer.pick(client_ip, external=self.external,
                                        now=self._clock.now(), avoid=failed)
            if choice is None or choice is Choice.DROP:
                return choice
            sock = await self._upstream.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                async with asyncio.timeout(timeout):
                    await loop.sock_connect(sock, (choice.ip, choice.port))
                return sock
            except (OSError, TimeoutError) as e:
                sock.close()
                failed |= {choice.address}
                log.debug("userspace dial endpoint=%s failed: %s", choice.address, e)
        return None

    async def close(self) -> None:
        tasks = [t for t in (self._task, *self._conns) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.sock.close()
        if self._poller is not None:
            self._poller.close()


async def _hold(conn: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(DROP_HOLD):
            while await loop.sock_recv(conn, 4096):
                pass
    except (OSError, TimeoutError):
        pass
    finally:
        conn.close()


def _reset(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
