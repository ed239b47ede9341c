"""Copy a TCP connection's bytes both ways between two sockets, as cheaply as Python can.

A forwarder's cost is its system calls and its wake-ups, so a ``Relay`` works on bare
descriptors registered once, edge-triggered, in a ``poller.Poller``: a readable socket
is read once into the poller's scratch buffer and what was read is written to the other
socket at once — two system calls per message, and a short read means the socket is drained (no
probing for ``EAGAIN``); after the peer ended (``EPOLLRDHUP``) it means the end of stream
was reached too (no extra read for the EOF). Nothing is paused or re-registered per
message.

A read that fills the buffer marks that direction as bulk: from then on it is spliced
(``splice.Pipe``, socket → pipe → socket) and its bytes never enter Python. A fast
stream is served at most ``TURN`` bytes per event before the others get their turn.

Backpressure is exact: when the destination takes only part of a message, the rest is
kept (copied out of the shared buffer, or left in the pipe), that direction stops
reading, and the destination is watched for room; once all is delivered the direction
reads again by itself (an edge-triggered socket says nothing about data that was already
there).

End of stream is passed on (EOF from one side shuts down the other side's sending half),
so a client that half-closes still gets its answer; when both directions have ended both
sockets are closed (the last EOF needs no shutdown: the close sends it). An error on
either side, or ``abort``, resets both. ``relay()`` serves the userspace dataplane, which
dials its endpoints itself; the host publisher makes ``Relay`` objects directly
(``forward.TcpForwarder``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from tinykube.proxy import fdcalls
from tinykube.proxy.poller import ERR, IN, OUT, RDHUP, READABLE, SCRATCH, Poller
from tinykube.proxy.splice import PIPE_SIZE, Pipe

__all__ = ["BUFFER", "Counters", "Relay", "relay", "tune"]

BUFFER = SCRATCH  # one read; a read that fills it means bulk: splice from then on
TURN = 16 * PIPE_SIZE  # bytes a spliced direction moves per event before yielding

_readv, _write = os.readv, os.write
_AGAIN = 1 << 30  # not a bit epoll reports: "read until EAGAIN" (resuming, not an event)


@dataclass
class Counters:
    """Bytes moved each way, for metrics and tests."""

    up: int = 0  # client -> upstream
    down: int = 0  # upstream -> client


class _Way:
    """One direction, ``src`` → ``dst``; its ``event`` handles the events of ``src``'s
    socket (readable: this way moves; writable: the way back may deliver)."""

    __slots__ = ("back", "blocked", "dst", "ended", "iov", "moved", "pending", "pipe",
                 "relay", "src", "view", "watching")

    def __init__(self, relay: Relay, src: int, dst: int, poller: Poller) -> None:
        self.relay = relay
        # the poller's scratch buffer: each read is written (or what is left of it
        # copied out) before the handler returns
        self.iov = poller.scratch_iov
        self.view = poller.scratch_view
        self.back: _Way = self
        self.src = src
        self.dst = dst
        self.pending = b""  # read but not yet delivered (goes before the pipe's bytes)
        self.pipe: Pipe | None = None  # set once the direction is bulk
        self.blocked = False  # dst is full: pending or pipe bytes wait for room
        self.ended = False  # EOF read from src and passed on
        self.moved = 0
        self.watching = False  # dst is watched for room

    def event(self, events: int) -> None:
        relay = self.relay  # (gone once the relay ended: its handlers are gone too)
        if events & ERR:  # reset (or a failed connect): what was unread is lost anyway
            relay.abort()
            return
        try:
            if events & OUT and self.back.blocked and not relay.flush(self.back):
                return
            if not events & READABLE or self.blocked or self.ended:
                return
            if self.pipe is not None:
                relay.splice(self)
                return
            # the common case, inline: read once, write it all, done
            src, dst, rdhup, again = self.src, self.dst, events & RDHUP, events & _AGAIN
            iov, view = self.iov, self.view
            while True:
                try:
                    n = _readv(src, iov)
                except BlockingIOError:
                    return
                if n == 0:
                    relay.eof(self)
                    return
                try:
                    m = _write(dst, view[:n])
                except BlockingIOError:
                    m = 0
                self.moved += m
                if n == BUFFER or m < n:
                    relay.overflow(self, n, m)
                    return
                if rdhup:  # the peer had ended: a short read took all it sent before
                    relay.eof(self)
                    return
                if not again:  # a short read: drained
                    return
        except OSError as e:
            relay.abort(e)


class Relay:
    """Relays ``client`` ↔ ``upstream`` (non-blocking descriptors it now owns) until both
    directions end; ``done(relay)`` then, once."""

    __slots__ = ("_done", "_loop", "_poller", "closed", "down", "mark", "up")

    def __init__(self, poller: Poller, client: int, upstream: int,
                 done: Callable[[Relay], None] | None = None) -> None:
        self._poller = poller
        self._loop = poller.loop
        self._done = done
        up = self.up = _Way(self, client, upstream, poller)
        down = self.down = _Way(self, upstream, client, poller)
        up.back, down.back = down, up
        self.closed = False
        self.mark = 0  # for the owner's bookkeeping
        poller.add(client, up.event)
        poller.add(upstream, down.event)

    @property
    def upstream(self) -> int:
        return self.down.src

    @property
    def counters(self) -> Counters:
        return Counters(up=self.up.moved, down=self.down.moved)

    def overflow(self, way: _Way, n: int, m: int) -> None:
        """A read filled the buffer (bulk: splice from now on) or ``dst`` took only
        ``m`` of its ``n`` bytes (keep the rest, wait for room)."""
        if n == BUFFER:
            way.pipe = Pipe()
        if m < n:
            way.pending = bytes(way.view[m:n])
            self._stall(way)
        else:
            self.splice(way)

    def splice(self, way: _Way) -> None:
        pipe = way.pipe
        assert pipe is not None
        budget = TURN
        while True:
            if pipe.held:
                way.moved += pipe.drain(way.dst)
                if pipe.held:
                    self._stall(way)
                    return
            if budget <= 0:  # a fast stream: let the others in, then go on
                self._loop.call_soon(self._later, way)
                return
            n = pipe.fill(way.src)
            if n < 0:  # drained
                return
            if n == 0:
                self.eof(way)
                return
            budget -= n

    def _later(self, way: _Way) -> None:
        if not self.closed and not way.ended and not way.blocked:
            self._resume(way)

    def _resume(self, way: _Way) -> None:
        """Read ``way.src`` to the end of what it has (what arrived while we were not
        reading raised no event)."""
        way.event(IN | _AGAIN)

    def _stall(self, way: _Way) -> None:
        way.blocked = True
        if not way.watching:
            self._poller.want_output(way.dst)
            way.watching = True

    def flush(self, way: _Way) -> bool:
        """``way.dst`` has room again: deliver what waits, then read on. False if that
        ended the relay."""
        if way.pending:
            try:
                m = _write(way.dst, way.pending)
            except BlockingIOError:
                m = 0
            way.moved += m
            way.pending = way.pending[m:]
        if not way.pending and way.pipe is not None:
            way.moved += way.pipe.drain(way.dst)
        if not way.pending and not (way.pipe is not None and way.pipe.held):
            way.blocked = False
            self._resume(way)
        return not self.closed

    def eof(self, way: _Way) -> None:
        way.ended = True
        if way.back.ended:
            self._end()
        else:
            fdcalls.shutdown_write(way.dst)

    def abort(self, error: BaseException | None = None) -> None:
        """End at once, resetting both sockets."""
        if not self.closed:
            for way in (self.up, self.down):
                fdcalls.linger_zero(way.src)
            self._end()

    def _end(self) -> None:
        self.closed = True
        close = self._poller.close_fd
        for way in (self.up, self.down):
            close(way.src)
            if way.pipe is not None:
                way.pipe.close()
            del way.relay, way.back  # no cycles: reference counting frees the connection
        if self._done is not None:
            self._done(self)


def tune(sock: socket.socket) -> None:
    """Non-blocking, no Nagle delay: the relay forwards whatever it gets at once."""
    sock.setblocking(False)
    if sock.type == socket.SOCK_STREAM:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def relay(client: socket.socket, upstream: socket.socket, *,
                poller: Poller | None = None) -> Counters:
    """Copy both ways until both sides finished sending (or one failed); closes both.
    Without a ``poller``, one is made for this connection."""
    loop = asyncio.get_running_loop()
    own = poller is None
    poller = poller or Poller(loop)
    done: asyncio.Future[None] = loop.create_future()

    def finished(_: Relay) -> None:
        if not done.done():
            done.set_result(None)

    tune(client)
    tune(upstream)
    r = Relay(poller, client.detach(), upstream.detach(), finished)
    try:
        await done
    except asyncio.CancelledError:
        r.abort()
        raise
    finally:
        if own:
            poller.close()
    return r.counters
