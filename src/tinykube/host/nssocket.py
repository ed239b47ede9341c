"""Sockets that live in one of tinykube's network namespaces, served from the host's loop.

A socket belongs for life to the network namespace of the thread that created it. This
module keeps one thread per namespace that has entered it once (``nsexec.enter_netns``,
the one binding of ``setns``) and creates sockets there on request, so the event loop's
thread never moves and no pooled thread is ever left in a foreign namespace. A dedicated
long-lived thread makes creating a socket one cross-thread hop, cheap enough for a proxy
that opens an upstream socket per connection.

``descriptors(count, ...)`` makes a batch in one hop, for pools that keep sockets ready
(``proxy.pool``). The batch calls ``socket(2)`` and ``setsockopt(2)`` through ctypes'
``PyDLL``, which keeps the GIL: through Python's ``socket`` module every call would hand
the GIL to the busy event-loop thread and back (two futex calls each), which costs the
loop more than the sockets themselves.

``NetnsSockets(None)`` makes sockets in the current namespace, for tests and for a
process that already runs inside the node's namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool

from tinykube.errors import SystemError_
from tinykube.host.netns import path as netns_path
from tinykube.host.nsexec import enter_netns

__all__ = ["NetnsSockets", "Option", "enter_netns"]

Option = tuple[int, int, int]  # setsockopt level, name, integer value

_FLAGS = socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC
_libc = ctypes.PyDLL(None, use_errno=True)  # PyDLL: calls keep the GIL (see above)
_libc.socket.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
_libc.socket.restype = ctypes.c_int
_libc.setsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                             ctypes.c_uint]
_libc.setsockopt.restype = ctypes.c_int


def _new_socket(family: int, type_: int, proto: int) -> socket.socket:
    s = socket.socket(family, type_, proto)
    s.setblocking(False)
    return s


def _new_fds(count: int, family: int, type_: int, proto: int,
             options: Sequence[Option]) -> list[int]:
    """``count`` non-blocking sockets with ``options`` set, as descriptors."""
    fds: list[int] = []
    value = ctypes.c_int()
    try:
        for _ in range(count):
            fd = _libc.socket(family, type_ | _FLAGS, proto)
            if fd < 0:
                raise _errno("socket")
            fds.append(fd)
            for level, name, v in options:
                value.value = v
                if _libc.setsockopt(fd, level, name, ctypes.byref(value),
                                    ctypes.sizeof(value)) != 0:
                    raise _errno("setsockopt")
    except BaseException:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        raise
    return fds


def _errno(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


class NetnsSockets:
    """Non-blocking sockets created inside network namespace ``netns`` (None: here)."""

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._pool: ThreadPoolExecutor | None = None
        if netns is not None:
            self._pool = ThreadPoolExecutor(
                max_workers=1, initializer=enter_netns, initargs=(netns_path(netns),),
                thread_name_prefix=f"netns-{netns}")

    async def descriptors(self, count: int, family: int = socket.AF_INET,
                          type_: int = socket.SOCK_STREAM, proto: int = 0,
                          options: Sequence[Option] = ()) -> list[int]:
        """``count`` sockets with ``options`` set, made in one hop to the namespace, as
        bare descriptors (non-blocking, close-on-exec): the caller (a pool of upstream
        sockets) never needs a ``socket.socket``, which costs a ``getsockname`` to make."""
        try:
            if self._pool is None:
                return _new_fds(count, family, type_, proto, options)
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, _new_fds, count, family, type_, proto, tuple(options))
        except (OSError, BrokenThreadPool) as e:
            raise SystemError_(f"cannot create sockets in {self.netns}: {e}") from e

    def socket_now(self, family: int = socket.AF_INET, type_: int = socket.SOCK_STREAM,
                   proto: int = 0) -> socket.socket:
        """Blocking form, for code outside the event loop."""
        if self._pool is None:
            return _new_socket(family, type_, proto)
        try:
            return self._pool.submit(_new_socket, family, type_, proto).result()
        except (OSError, BrokenThreadPool) as e:
            raise SystemError_(f"cannot create a socket in {self.netns}: {e}") from e

    async def socket(self, family: int = socket.AF_INET, type_: int = socket.SOCK_STREAM,
                     proto: int = 0) -> socket.socket:
        if self._pool is None:
            return _new_socket(family, type_, proto)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, _new_socket, family, type_, proto)
        except (OSError, BrokenThreadPool) as e:
            raise SystemError_(f"cannot create a socket in {self.netns}: {e}") from e

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
