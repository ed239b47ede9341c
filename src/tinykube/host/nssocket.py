"""Sockets that live in one of tinykube's network namespaces, served from the host's loop.

A socket belongs for life to the network namespace of the thread that created it. This
module keeps one thread per namespace that has entered it once (``nsexec.enter_netns``,
the one binding of ``setns``) and creates sockets there on request, so the event loop's
thread never moves and no pooled thread is ever left in a foreign namespace. A dedicated
long-lived thread makes creating a socket one cross-thread hop, cheap enough for a proxy
that opens an upstream socket per connection.

``NetnsSockets(None)`` makes sockets in the current namespace, for tests and for a
process that already runs inside the node's namespace.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool

from tinykube.errors import SystemError_
from tinykube.host.nscommand import netns_path
from tinykube.host.nsexec import enter_netns

__all__ = ["NetnsSockets", "enter_netns"]


def _new_socket(family: int, type_: int, proto: int) -> socket.socket:
    s = socket.socket(family, type_, proto)
    s.setblocking(False)
    return s


class NetnsSockets:
    """Non-blocking sockets created inside network namespace ``netns`` (None: here)."""

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._pool: ThreadPoolExecutor | None = None
        if netns is not None:
            self._pool = ThreadPoolExecutor(
                max_workers=1, initializer=enter_netns, initargs=(netns_path(netns),),
                thread_name_prefix=f"netns-{netns}")

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
