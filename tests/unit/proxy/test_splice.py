"""A spliced direction delivers every byte in order, waits for a slow reader, ends on EOF."""

from __future__ import annotations

import asyncio
import os
import socket

from tinykube.proxy.splice import SpliceWay


def pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.setblocking(False)
    b.setblocking(False)
    return a, b


async def test_bytes_arrive_in_order_through_a_full_destination() -> None:
    loop = asyncio.get_running_loop()
    writer, src = pair()
    dst, reader = pair()
    dst.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # fills up at once
    ended: asyncio.Future[BaseException | None] = loop.create_future()
    way = SpliceWay(loop, src.fileno(), dst.fileno(), ended.set_result)
    payload = os.urandom(2 * 1024 * 1024 + 3)
    sending = loop.create_task(loop.sock_sendall(writer, payload))
    got = bytearray()
    while len(got) < len(payload):
        await asyncio.sleep(0.001 if len(got) < 65536 else 0)  # a slow reader at first
        got += await loop.sock_recv(reader, 65536)
    await sending
    writer.shutdown(socket.SHUT_WR)
    assert await asyncio.wait_for(ended, 5) is None
    assert bytes(got) == payload and way.moved == len(payload)
    assert not way.active
    for s in (writer, src, dst, reader):
        s.close()


async def test_a_failing_destination_ends_with_the_error() -> None:
    loop = asyncio.get_running_loop()
    writer, src = pair()
    dst, reader = pair()
    reader.close()  # splice into dst now fails with EPIPE
    ended: asyncio.Future[BaseException | None] = loop.create_future()
    SpliceWay(loop, src.fileno(), dst.fileno(), ended.set_result)
    writer.send(b"x" * 1000)
    error = await asyncio.wait_for(ended, 5)
    assert isinstance(error, OSError)
    for s in (writer, src, dst):
        s.close()


async def test_close_stops_watching_and_is_idempotent() -> None:
    loop = asyncio.get_running_loop()
    writer, src = pair()
    dst, reader = pair()
    calls: list[BaseException | None] = []
    way = SpliceWay(loop, src.fileno(), dst.fileno(), calls.append)
    way.close()
    way.close()
    writer.send(b"late")
    await asyncio.sleep(0.05)
    assert calls == [] and not way.active
    assert src.recv(10) == b"late"  # nobody took it
    for s in (writer, src, dst, reader):
        s.close()
