"""Copy a TCP connection's bytes both ways between two connected sockets, until both end.

The userspace dataplane dials its endpoint itself (it may try several) and ends up with
two connected sockets: ``relay`` hands them to the event loop as transports joined by a
``bridge.Bridge`` — messages through the loop's transports, bulk spliced in the kernel,
half-closes passed on, a reset on one side resetting the other — and returns when both
are closed. The host publisher skips this step and gives its bridges transports directly
(``forward.TcpForwarder``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from tinykube.proxy.bridge import Bridge, Counters

__all__ = ["Counters", "relay", "tune"]


def tune(sock: socket.socket) -> None:
    """Non-blocking, no Nagle delay: the relay forwards whatever it gets at once."""
    sock.setblocking(False)
    if sock.type == socket.SOCK_STREAM:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def relay(client: socket.socket, upstream: socket.socket) -> Counters:
    """Copy both ways until both sides finished sending (or one failed); closes both."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def finished(_: Bridge) -> None:
        done.set_result(None)

    bridge = Bridge(loop, finished)
    loose = [client, upstream]  # not yet owned by a transport
    try:
        tune(client)
        await loop.connect_accepted_socket(lambda: bridge.client, client)
        loose.remove(client)
        tune(upstream)
        await loop.connect_accepted_socket(lambda: bridge.upstream, upstream)
        loose.remove(upstream)
        await asyncio.shield(done)
    except OSError:
        bridge.abort()
    except asyncio.CancelledError:
        bridge.abort()
        raise
    finally:
        for sock in loose:
            sock.close()
    return bridge.counters
