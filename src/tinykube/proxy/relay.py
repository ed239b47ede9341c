"""Copy a TCP connection's bytes both ways between two sockets, zero-copy where possible.

The userspace dataplane and the host publisher both end up with two connected sockets
(the client's and the upstream's) and must move bytes between them as fast as the kernel
can. On Linux each direction is ``splice(2)``d through a pipe: socket → pipe → socket,
without the bytes ever entering Python. The event loop only wakes a direction when its
source has data (``add_reader``) or its destination has room again (``add_writer``), and
each direction first tries the syscall, so a busy stream costs no extra wake-ups.

Half-closes are passed on (EOF from one side becomes ``shutdown(SHUT_WR)`` on the other),
so request/response protocols that close their sending side still get their answer. A
reset or any other error on either side ends both directions. If ``splice`` is refused
for a socket pair, the direction falls back to ``recv_into``/``sendall`` through a buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
from dataclasses import dataclass

CHUNK = 1 << 16
_SPLICE_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK
_ENDED = (ConnectionError, BrokenPipeError, TimeoutError)


@dataclass
class Counters:
    """Bytes moved each way, for metrics and tests."""

    up: int = 0  # client -> upstream
    down: int = 0  # upstream -> client


def tune(sock: socket.socket) -> None:
    """Non-blocking, no Nagle delay: the relay forwards whatever it gets at once."""
    sock.setblocking(False)
    if sock.type == socket.SOCK_STREAM:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def relay(client: socket.socket, upstream: socket.socket) -> Counters:
    """Copy both ways until both sides finished sending (or one failed); closes both."""
    counters = Counters()
    tune(client)
    tune(upstream)
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(_direction(client, upstream, counters, up=True))
            tg.create_task(_direction(upstream, client, counters, up=False))
    except* _ENDED:
        pass
    except* OSError as group:
        if not all(getattr(e, "errno", None) in (errno.ECONNRESET, errno.EPIPE,
                                                  errno.ENOTCONN, errno.ETIMEDOUT)
                   for e in group.exceptions):
            raise
    finally:
        _close(client)
        _close(upstream)
    return counters


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


async def _direction(src: socket.socket, dst: socket.socket, counters: Counters, *,
                     up: bool) -> None:
    try:
        moved = await _splice_way(src, dst, counters, up)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        moved = False
    if not moved:
        await _copy_way(src, dst, counters, up)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


async def _splice_way(src: socket.socket, dst: socket.socket, counters: Counters,
                      up: bool) -> bool:
    """Splice ``src`` → ``dst`` until EOF; False if splice refused before moving anything."""
    loop = asyncio.get_running_loop()
    r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    sfd, dfd = src.fileno(), dst.fileno()
    try:
        while True:
            try:
                n = os.splice(sfd, w, CHUNK, flags=_SPLICE_FLAGS)
            except BlockingIOError:
                await _ready(loop, sfd, write=False)
                continue
            if n == 0:
                return True
            while n:
                try:
                    m = os.splice(r, dfd, n, flags=_SPLICE_FLAGS)
                except BlockingIOError:
                    await _ready(loop, dfd, write=True)
                    continue
                n -= m
                if up:
                    counters.up += m
                else:
                    counters.down += m
    finally:
        os.close(r)
        os.close(w)


async def _copy_way(src: socket.socket, dst: socket.socket, counters: Counters,
                    up: bool) -> None:
    loop = asyncio.get_running_loop()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while True:
        n = await loop.sock_recv_into(src, buf)
        if n == 0:
            return
        await loop.sock_sendall(dst, view[:n])
        if up:
            counters.up += n
        else:
            counters.down += n


async def _ready(loop: asyncio.AbstractEventLoop, fd: int, *, write: bool) -> None:
    """Until ``fd`` is readable (or writable)."""
    fut: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not fut.done():
            fut.set_result(None)

    if write:
        loop.add_writer(fd, wake)
    else:
        loop.add_reader(fd, wake)
    try:
        await fut
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)
