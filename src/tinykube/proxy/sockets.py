"""Where the proxy gets its sockets: a factory that creates them in the right namespace.

The proxy process lives in the host's network namespace, but its health-check listeners,
its userspace relays and the publisher's upstream connections must live in the node's.
Code that needs a socket asks a ``SocketFactory``; ``host.nssocket.NetnsSockets(netns)``
is the production one (a thread inside the node namespace creates them),
``NetnsSockets(None)`` creates them here (tests on loopback, or a proxy running inside the
node namespace). Sockets come back non-blocking and unbound.
"""

from __future__ import annotations

import socket
from typing import Protocol

IP_FREEBIND = 15  # Linux; not exported by Python's socket module


class SocketFactory(Protocol):
    async def socket(self, family: int = socket.AF_INET, type_: int = socket.SOCK_STREAM,
                     proto: int = 0) -> socket.socket: ...


async def listener(factory: SocketFactory, ip: str, port: int, *,
                   type_: int = socket.SOCK_STREAM, backlog: int = 1024,
                   freebind: bool = False) -> socket.socket:
    """A bound (and, for TCP, listening) socket at ``ip:port``; OSError as bind raises it."""
    sock = await factory.socket(socket.AF_INET, type_)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if freebind:
            sock.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        sock.bind((ip, port))
        if type_ == socket.SOCK_STREAM:
            sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock
