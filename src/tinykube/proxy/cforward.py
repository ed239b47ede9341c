"""The publisher's forwarders on the C engine (``_forwarding.c``), where it was built.

``forward.PollerForwarding`` spends most of a forwarded request's CPU in Python's own
time between system calls; ``_forwarding.Engine`` makes the same calls (accept, connect,
edge-triggered read/write, splice for bulk) with the same rules, in C, on a thread of its
own that never takes the GIL — forwarded traffic neither waits for the event loop nor
slows it. The engine resets connects that take longer than ``connect_timeout`` itself.

This module is its shell on the event loop, for what the engine cannot do alone. It
watches the engine's ``notifier()`` and acts on what ``take()`` says:

- ``LOW``: the pool of upstream sockets is at half or less — a batch is made in the
  node's namespace (``pool.make_sockets``, a hop to the thread that lives there) and
  handed in with ``supply()``, which also accepts what waited in the backlogs while the
  pool was empty; repeated while a supply still leaves it low;
- ``ACCEPT_FAILED`` (errno in the bits above 8, e.g. ``EMFILE``): accept again later.

``AVAILABLE`` says whether the extension was built; ``publish.Publisher`` falls back to
``forward.PollerForwarding`` when it was not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

from tinykube.proxy import fdcalls
from tinykube.proxy.forward import ACCEPT_RETRY, CONNECT_TIMEOUT, UPSTREAM_OPTIONS, UPSTREAM_POOL
from tinykube.proxy.pool import make_sockets
from tinykube.proxy.sockets import SocketFactory

try:
    from tinykube.proxy._forwarding import ACCEPT_FAILED, LOW, Engine
except ImportError:  # not built (no compiler at install time): the Python forwarder serves
    AVAILABLE = False
else:
    AVAILABLE = True

log = logging.getLogger(__name__)

REFILL_RETRY = 1.0  # seconds before trying again to make upstream sockets


class EngineForwarder:
    """One listening socket served by the engine."""

    def __init__(self, engine: Engine, sock: socket.socket, target: tuple[str, int]) -> None:
        self.sock = sock
        self.target = target
        self._engine = engine
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # for accepted ones
        self._id: int | None = engine.listen(sock.fileno(), fdcalls.sockaddr(*target))

    def connections(self) -> int:
        return 0 if self._id is None else self._engine.connections(self._id)

    async def close(self) -> None:
        if self._id is not None:
            self._engine.unlisten(self._id)
            self._id = None
        self.sock.close()


class EngineForwarding:
    """One running ``Engine`` for all forwarders to upstream sockets from ``upstream``."""

    def __init__(self, upstream: SocketFactory, *, pool_size: int = UPSTREAM_POOL,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.engine = Engine(pool_size=pool_size, connect_timeout=connect_timeout)
        self._upstream = upstream
        self._size = pool_size
        self._loop = asyncio.get_running_loop()
        self._refill: asyncio.Task[None] | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._loop.add_reader(self.engine.notifier(), self._told)
        self.engine.start()
        self._after(LOW)

    def forwarder(self, sock: socket.socket, target: tuple[str, int]) -> EngineForwarder:
        return EngineForwarder(self.engine, sock, target)

    def _told(self) -> None:
        self._after(self.engine.take())

    def _after(self, flags: int) -> None:
        if flags & LOW and self._refill is None and self._retry is None:
            self._refill = self._loop.create_task(self._fill())
        if flags & ACCEPT_FAILED and self._retry is None:
            log.warning("accept failed: %s", os.strerror(flags >> 8))
            self._retry = self._loop.call_later(ACCEPT_RETRY, self._resume)

    async def _fill(self) -> None:
        """Top the pool up until a supply leaves it above half."""
        try:
            while self.engine.supply(await make_sockets(
                    self._upstream, self._size - self.engine.pooled(),
                    options=UPSTREAM_OPTIONS)) & LOW:
                pass
        except Exception as e:  # logged; tried again a little later
            log.warning("cannot make upstream sockets: %s", e)
            self._retry = self._loop.call_later(REFILL_RETRY, self._resume)
        finally:
            self._refill = None

    def _resume(self) -> None:
        self._retry = None
        self._after(self.engine.resume())

    async def close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._refill is not None:
            self._refill.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refill
        self._loop.remove_reader(self.engine.notifier())
        self.engine.close()
