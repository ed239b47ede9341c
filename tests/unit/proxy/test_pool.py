"""The socket pool hands out ready sockets, refills itself in batches, and says why not."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Sequence

import pytest

from tinykube.errors import SystemError_
from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.pool import Option, SocketPool

NODELAY = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def nodelay(fd: int) -> int:
    with socket.socket(fileno=os.dup(fd)) as s:
        return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def blocking(fd: int) -> bool:
    return os.get_blocking(fd)


class OneByOne:
    """A factory without batches, counting what it made."""

    def __init__(self, fail: bool = False) -> None:
        self.made = 0
        self.fail = fail

    async def socket(self, family: int = socket.AF_INET, type_: int = socket.SOCK_STREAM,
                     proto: int = 0) -> socket.socket:
        if self.fail:
            raise SystemError_("no namespace")
        self.made += 1
        s = socket.socket(family, type_, proto)
        s.setblocking(False)
        return s


class Batches(OneByOne):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def descriptors(self, count: int, family: int = socket.AF_INET,
                          type_: int = socket.SOCK_STREAM, proto: int = 0,
                          options: Sequence[Option] = ()) -> list[int]:
        self.batches.append(count)
        return await NetnsSockets(None).descriptors(count, family, type_, proto, options)


async def test_sockets_come_ready_and_the_pool_refills_in_the_background() -> None:
    factory = Batches()
    pool = SocketPool(factory, options=[NODELAY], size=8)
    try:
        assert pool.take() is None  # empty: starts a refill
        first = await pool.get()
        assert not blocking(first) and nodelay(first) == 1
        assert factory.batches == [8]
        taken = [pool.take() for _ in range(4)]  # down to 3 left: below half, refill
        await asyncio.sleep(0.01)
        assert len(pool) == 8 and factory.batches == [8, 5]
        for fd in (first, *taken):
            assert fd is not None
            os.close(fd)
    finally:
        await pool.close()
    assert len(pool) == 0


async def test_a_factory_without_batches_is_asked_one_at_a_time() -> None:
    factory = OneByOne()
    pool = SocketPool(factory, options=[NODELAY], size=4)
    try:
        fd = await pool.get()
        assert factory.made == 4 and nodelay(fd) == 1 and not blocking(fd)
        os.close(fd)
    finally:
        await pool.close()


async def test_a_failing_factory_is_an_error_for_get_and_retried_on_take() -> None:
    factory = OneByOne(fail=True)
    pool = SocketPool(factory, size=4)
    try:
        with pytest.raises(SystemError_, match="no namespace"):
            await pool.get()
        factory.fail = False
        assert pool.take() is None  # tries again
        os.close(await pool.get())
    finally:
        await pool.close()


async def test_closed_pool_closes_what_it_holds_and_gives_nothing() -> None:
    pool = SocketPool(NetnsSockets(None), size=4)
    fd = await pool.get()
    held = list(pool._ready)
    await pool.close()
    for h in held:
        with pytest.raises(OSError):
            os.fstat(h)
    assert pool.take() is None
    with pytest.raises(ConnectionAbortedError):
        await pool.get()
    os.close(fd)
