"""A TCP forwarder to one fixed address: the host publisher's path into the node namespace.

``TcpForwarder`` serves a listening socket through the event loop's own server (uvloop
accepts in C, as many as are queued per wake-up) and gives each connection a ``Bridge``.
Its upstream socket comes from a ``SocketPool`` (made ahead in the node's namespace), is
connected without waiting (``connect_ex``) and handed to the loop as a transport at once:
the client's first bytes queue in the kernel or the transport until the handshake is done.

A connection whose upstream handshake is not done after ``connect_timeout`` seconds is
reset. The timeout is generous (5 s) on purpose: a connect that needs one SYN retransmit
takes a second, and with a single target there is nothing else to try. Deadlines cost no
timer per connection: one timer per forwarder ticks every ``connect_timeout`` seconds
while connections are open and checks those born before the previous tick (so a dead
upstream is given up after one to two timeouts); a connection found connected is not
checked again, one that ended is no longer there.

A failed connect resets the client, as kube-proxy's userspace proxy does when every
endpoint failed. Closing the forwarder stops listening and resets its connections.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable, Coroutine
from typing import Any

from tinykube.proxy.bridge import Bridge
from tinykube.proxy.pool import SocketPool

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
BACKLOG = 1024


class TcpForwarder:
    """Forwards every connection accepted on ``sock`` to ``target``."""

    def __init__(self, sock: socket.socket, target: tuple[str, int], pool: SocketPool, *,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.sock = sock
        self.target = target
        self.connect_timeout = connect_timeout
        self._pool = pool
        self._loop = asyncio.get_running_loop()
        self._server: asyncio.AbstractServer | None = None
        self.bridges: set[Bridge] = set()
        self._waiting: set[asyncio.Task[None]] = set()  # connections waiting for a socket
        self._tick = 0  # how many times the dial check ran
        self._sweep: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        self.sock.setblocking(False)
        self._server = await self._loop.create_server(self._accepted, sock=self.sock,
                                                      backlog=BACKLOG)

    def _accepted(self) -> asyncio.Protocol:
        bridge = Bridge(self._loop, self.bridges.discard)
        bridge.mark = self._tick + 1  # dialing, born after the last check (0: connected)
        self.bridges.add(bridge)
        if self._sweep is None:
            self._sweep = self._loop.call_later(self.connect_timeout, self._check_dials)
        sock = self._pool.take()
        if sock is None:  # a burst emptied the pool: wait for its refill
            task = self._loop.create_task(self._dial_later(bridge))
            self._waiting.add(task)
            task.add_done_callback(self._waiting.discard)
        else:
            self._dial(bridge, sock)
        return bridge.client

    async def _dial_later(self, bridge: Bridge) -> None:
        try:
            sock = await self._pool.get()
        except Exception as e:
            log.warning("no upstream socket for %s:%d: %s", *self.target, e)
            bridge.abort(e)
            bridge.gone()
            return
        if bridge.closing:
            sock.close()
            bridge.gone()
            return
        self._dial(bridge, sock)

    def _dial(self, bridge: Bridge, sock: socket.socket) -> None:
        err = sock.connect_ex(self.target)
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            bridge.abort(OSError(err, errno.errorcode.get(err, str(err))))
            bridge.gone()
            return
        loop = self._loop

        def failed(e: BaseException) -> None:
            if sock.fileno() >= 0:
                sock.close()
            bridge.abort(e)
            bridge.gone()

        _run_eagerly(loop.connect_accepted_socket(lambda: bridge.upstream, sock), failed)

    def _check_dials(self) -> None:
        """Reset connections still connecting a whole ``connect_timeout`` after birth."""
        self._sweep = None
        self._tick += 1
        dialing = False
        for bridge in list(self.bridges):
            if not bridge.mark or bridge.closing:
                continue
            if bridge.mark == self._tick:  # too young to judge
                dialing = True
            elif _connected(bridge):
                bridge.mark = 0
            else:
                log.debug("connect to %s:%d timed out", *self.target)
                bridge.abort(TimeoutError("connect timed out"))
        if dialing:
            self._sweep = self._loop.call_later(self.connect_timeout, self._check_dials)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.sock.close()
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for task in self._waiting:
            task.cancel()
        await asyncio.gather(*self._waiting, return_exceptions=True)
        for bridge in list(self.bridges):
            bridge.abort()


def _run_eagerly(coro: Coroutine[Any, Any, object],
                 failed: Callable[[BaseException], None]) -> None:
    """Run ``coro`` now up to its first wait, then on as what it waits for completes; no
    task (Python 3.12's eager tasks, by hand). For ``connect_accepted_socket`` this makes
    the upstream transport (and schedules its ``connection_made``) before the client's
    transport exists, so the client's first bytes find it there."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return
    except Exception as e:  # handed to the owner, who resets the client
        failed(e)
        return
    if isinstance(waiting, asyncio.Future):
        waiting.add_done_callback(lambda _: _run_eagerly(coro, failed))
    else:  # a bare yield (``sleep(0)``): resume on the next turn
        asyncio.get_running_loop().call_soon(_run_eagerly, coro, failed)


def _connected(bridge: Bridge) -> bool:
    """Whether the upstream handshake is done (False while there is no transport yet)."""
    transport = bridge.upstream.transport
    if transport is None:
        return False
    try:
        transport.get_extra_info("socket").getpeername()
    except OSError:
        return False
    return True
