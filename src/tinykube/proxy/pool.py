"""Upstream sockets made ahead of need, in batches, so a new connection never waits for one.

A socket in the node's namespace is made by a thread that lives there
(``host.nssocket``): one hop per socket would cost every new connection a cross-thread
round trip. A ``SocketPool`` asks its factory for a batch at a time in the background,
whenever it falls to half its size, so ``take()`` is a list pop. Factories that can make a
batch in one hop (``descriptors(count, ...)``, as ``NetnsSockets`` does) are asked that
way; others one socket at a time.

The pool holds bare descriptors (what the relay works with): unconnected, non-blocking,
with the owner's options already set; it never connects them. Failing to make sockets
(the namespace is gone) is logged and tried again on the next ``take``; ``get()`` raises
it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from tinykube.proxy.sockets import SocketFactory

log = logging.getLogger(__name__)

Option = tuple[int, int, int]  # setsockopt level, name, integer value
SIZE = 64


@runtime_checkable
class DescriptorBatches(Protocol):
    async def descriptors(self, count: int, family: int = socket.AF_INET,
                          type_: int = socket.SOCK_STREAM, proto: int = 0,
                          options: Sequence[Option] = ()) -> list[int]: ...


class SocketPool:
    """Up to ``size`` ready sockets (descriptors) of one kind from ``factory``."""

    def __init__(self, factory: SocketFactory, *, family: int = socket.AF_INET,
                 type_: int = socket.SOCK_STREAM, options: Sequence[Option] = (),
                 size: int = SIZE) -> None:
        self._factory = factory
        self.family = family
        self._type = type_
        self._options = tuple(options)
        self.size = size
        self._ready: list[int] = []
        self._refill: asyncio.Task[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._ready)

    def take(self) -> int | None:
        """A ready socket, or None when the pool is empty (a refill is then under way)."""
        ready = self._ready
        if len(ready) <= self.size // 2 and self._refill is None and not self._closed:
            self._refill = asyncio.get_running_loop().create_task(self._fill())
        return ready.pop() if ready else None

    async def get(self) -> int:
        """A ready socket, waiting for a refill if need be; ``SystemError_`` if it fails."""
        while True:
            fd = self.take()
            if fd is not None:
                return fd
            if self._refill is None:  # closed
                raise ConnectionAbortedError("the socket pool is closed")
            await asyncio.shield(self._refill)
            if not self._ready:  # the refill failed: one more try says why
                return (await self.make(1))[0]

    async def _fill(self) -> None:
        try:
            batch = await self.make(self.size - len(self._ready))
            if self._closed:
                _close_all(batch)
            else:
                self._ready += batch
        except Exception as e:  # logged; the next take() tries again
            log.warning("cannot make upstream sockets: %s", e)
        finally:
            self._refill = None

    async def make(self, count: int) -> list[int]:
        """``count`` new sockets straight from the factory (not taken from the pool)."""
        return await make_sockets(self._factory, count, self.family, self._type,
                                  self._options)

    async def close(self) -> None:
        self._closed = True
        if self._refill is not None:
            self._refill.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refill
        _close_all(self._ready)
        self._ready.clear()


async def make_sockets(factory: SocketFactory, count: int, family: int = socket.AF_INET,
                       type_: int = socket.SOCK_STREAM,
                       options: Sequence[Option] = ()) -> list[int]:
    """``count`` new sockets from ``factory`` with ``options`` set, as descriptors: in one
    hop where the factory makes batches, else one socket at a time."""
    if isinstance(factory, DescriptorBatches):
        return await factory.descriptors(count, family, type_, 0, options)
    made: list[int] = []
    try:
        for _ in range(count):
            sock = await factory.socket(family, type_)
            with sock:
                for level, name, value in options:
                    sock.setsockopt(level, name, value)
                made.append(sock.detach())
    except BaseException:
        _close_all(made)
        raise
    return made


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
