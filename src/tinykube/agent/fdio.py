"""Reading and writing raw file descriptors from the event loop (pipes and terminals).

Exec and attach move bytes between a WebSocket and a process's pipes or pseudo-terminal.
These two helpers wait for readiness with ``add_reader``/``add_writer`` instead of using a
thread per stream. A terminal whose other side is gone reads as ``EIO``: that is an end of
stream here, like an empty read.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os

CHUNK = 64 * 1024


async def _ready(fd: int, *, write: bool) -> None:
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def done() -> None:
        if not fut.done():
            fut.set_result(None)
    add, remove = (loop.add_writer, loop.remove_writer) if write else (loop.add_reader,
                                                                        loop.remove_reader)
    add(fd, done)
    try:
        await fut
    finally:
        with contextlib.suppress(ValueError, OSError):
            remove(fd)


async def read(fd: int) -> bytes:
    """The next bytes from a non-blocking ``fd``; ``b""`` at its end."""
    while True:
        try:
            return os.read(fd, CHUNK)
        except BlockingIOError:
            await _ready(fd, write=False)
        except OSError as e:
            if e.errno == errno.EIO:
                return b""
            raise


async def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a non-blocking ``fd``."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            await _ready(fd, write=True)
            continue
        view = view[n:]
