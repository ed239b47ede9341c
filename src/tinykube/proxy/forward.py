"""A TCP forwarder to one fixed address: the host publisher's path into the node namespace.

``TcpForwarder`` watches its listening socket in a ``poller.Poller`` and, on each event,
accepts every queued connection (non-blocking, ``TCP_NODELAY`` inherited from the
listener). Each gets an upstream socket from a ``SocketPool`` (made ahead in the node's
namespace), connected without waiting, and a ``relay.Relay`` at once:
the client's first bytes wait in the relay until the handshake is done. A burst that
empties the pool waits for its refill.

A connection whose upstream handshake is not done after ``connect_timeout`` seconds is
reset. The timeout is generous (5 s) on purpose: a connect that needs one SYN retransmit
takes a second, and with a single target there is nothing else to try. Deadlines cost no
timer per connection: one timer per forwarder ticks every ``connect_timeout`` seconds
while connections are open and checks those born before the previous tick (so a dead
upstream is given up after one to two timeouts); a connection found connected is not
checked again, one that ended is no longer there.

A failed connect resets the client, as kube-proxy's userspace proxy does when every
endpoint failed. Closing the forwarder stops listening and resets its connections.

``Forwarding`` is what the publisher asks for forwarders: ``PollerForwarding`` here (one
``Poller`` and one ``SocketPool`` shared by all its forwarders) and, where the C
extension was built, ``cforward.EngineForwarding``, which does the same per-event work in
C. The same scenarios test both (``tests/unit/proxy/test_forward.py``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from typing import Protocol

from tinykube.proxy import fdcalls
from tinykube.proxy.poller import Poller
from tinykube.proxy.pool import SocketPool
from tinykube.proxy.relay import Relay
from tinykube.proxy.sockets import SocketFactory

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
ACCEPT_RETRY = 0.1  # seconds before accepting again after a failure (e.g. EMFILE)
UPSTREAM_POOL = 128  # upstream sockets made ahead (refilled in batches at half)
UPSTREAM_OPTIONS = ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)


class Forwarder(Protocol):
    """Forwards the connections accepted on ``sock`` (its own from now on)."""

    sock: socket.socket

    def connections(self) -> int:
        """How many connections are open."""
        ...

    async def close(self) -> None:
        """Stop listening (``sock`` is closed), reset the open connections."""
        ...


class Forwarding(Protocol):
    """Makes forwarders whose upstream sockets all come from one factory."""

    def forwarder(self, sock: socket.socket, target: tuple[str, int]) -> Forwarder:
        """A forwarder of ``sock``'s connections to ``target``, already listening."""
        ...

    async def close(self) -> None:
        """Close what the forwarders share (close the forwarders first)."""
        ...


class PollerForwarding:
    """``TcpForwarder``s sharing one ``Poller`` and one pool of upstream sockets."""

    def __init__(self, upstream: SocketFactory, *, pool_size: int = UPSTREAM_POOL,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.connect_timeout = connect_timeout
        self.pool = SocketPool(upstream, options=UPSTREAM_OPTIONS, size=pool_size)
        self.poller = Poller(asyncio.get_running_loop())

    def forwarder(self, sock: socket.socket, target: tuple[str, int]) -> TcpForwarder:
        fwd = TcpForwarder(sock, target, self.pool, self.poller,
                           connect_timeout=self.connect_timeout)
        fwd.start()
        return fwd

    async def close(self) -> None:
        await self.pool.close()
        self.poller.close()


class TcpForwarder:
    """Forwards every connection accepted on ``sock`` to ``target``."""

    def __init__(self, sock: socket.socket, target: tuple[str, int], pool: SocketPool,
                 poller: Poller, *, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.sock = sock
        self.target = target
        self._address = fdcalls.sockaddr(*target)
        self.connect_timeout = connect_timeout
        self.relays: set[Relay] = set()
        self._pool = pool
        self._poller = poller
        self._loop = poller.loop
        self._waiting: set[asyncio.Task[None]] = set()  # connections waiting for a socket
        self._tick = 0  # how many times the dial check ran
        self._sweep: asyncio.TimerHandle | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._listening = False

    def connections(self) -> int:
        return len(self.relays)

    def start(self) -> None:
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # for accepted ones
        self._poller.add(self.sock.fileno(), self._acceptable)
        self._listening = True
        self._acceptable(0)  # edge-triggered: take what queued before we watched

    def _acceptable(self, _: int) -> None:
        self._retry = None
        listener = self.sock.fileno()
        while self._listening:
            try:
                fd = fdcalls.accept(listener)
            except OSError as e:  # e.g. EMFILE: leave them queued, try again soon
                log.warning("accept on %s failed: %s", self.sock.getsockname(), e)
                self._retry = self._loop.call_later(ACCEPT_RETRY, self._acceptable, 0)
                return
            if fd is None:
                return
            upstream = self._pool.take()
            if upstream is None:  # a burst emptied the pool: wait for its refill
                task = self._loop.create_task(self._connect_later(fd))
                self._waiting.add(task)
                task.add_done_callback(self._waiting.discard)
            else:
                self._connect(fd, upstream)

    async def _connect_later(self, client: int) -> None:
        try:
            upstream = await self._pool.get()
        except asyncio.CancelledError:
            fdcalls.reset(client)
            raise
        except Exception as e:
            fdcalls.reset(client)
            log.warning("no upstream socket for %s:%d: %s", *self.target, e)
            return
        self._connect(client, upstream)

    def _connect(self, client: int, upstream: int) -> None:
        err = fdcalls.connect(upstream, self._address)
        if err and err != errno.EINPROGRESS:
            os.close(upstream)
            fdcalls.reset(client)
            log.debug("connect to %s:%d failed: %s", *self.target, os.strerror(err))
            return
        relay = Relay(self._poller, client, upstream, self.relays.discard)
        relay.mark = self._tick + 1  # connecting, born after the last check (0: connected)
        self.relays.add(relay)
        if self._sweep is None:
            self._sweep = self._loop.call_later(self.connect_timeout, self._check_dials)

    def _check_dials(self) -> None:
        """Reset connections still connecting a whole ``connect_timeout`` after birth."""
        self._sweep = None
        self._tick += 1
        young = False
        for relay in list(self.relays):
            if not relay.mark or relay.closed:
                continue
            if relay.mark == self._tick:  # too young to judge
                young = True
            elif fdcalls.connected(relay.upstream):
                relay.mark = 0
            else:
                log.debug("connect to %s:%d timed out", *self.target)
                relay.abort(TimeoutError("connect timed out"))
        if young:
            self._sweep = self._loop.call_later(self.connect_timeout, self._check_dials)

    async def close(self) -> None:
        if self._listening:
            self._listening = False
            self._poller.forget(self.sock.fileno())
        self.sock.close()
        for handle in (self._sweep, self._retry):
            if handle is not None:
                handle.cancel()
        self._sweep = self._retry = None
        for task in self._waiting:
            task.cancel()
        await asyncio.gather(*self._waiting, return_exceptions=True)
        for relay in list(self.relays):
            relay.abort()
