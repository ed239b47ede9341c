"""One TCP connection relayed between two transports: messages by callback, bulk by splice.

A forwarder's cost is its system calls and its wake-ups. Request/response traffic costs
least through the event loop's own transports (uvloop reads in C, into one buffer, and a
short read ends the turn): each side's protocol (``_End``) hands what it reads straight to
the other side's ``write``, which sends at once. Both sockets stay registered for the life
of the connection; nothing is awaited per message. Backpressure is exact: a transport
that could not send everything pauses the side feeding it (write limits of zero) and
resumes it once drained.

A read that fills ``SPLICE_AFTER`` bytes marks that direction as bulk. It is handed to a
``splice.SpliceWay`` (on duplicates of both descriptors, so the transports stay as they
are for the other direction): the source transport stops reading, the data already
written drains, and from then on the bytes never enter Python.

End of stream is passed on (EOF from one side shuts down the other side's sending half),
so a client that half-closes still gets its answer; when both directions have ended both
sockets are closed. An error on either side, or ``abort``, resets the other side.
Creating the sockets and connecting is left to the owner (``forward.TcpForwarder``,
``relay.relay``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from tinykube.proxy.splice import SpliceWay

SPLICE_AFTER = 1 << 16  # a read this large means bulk: splice from then on
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close sends RST


@dataclass
class Counters:
    """Bytes moved each way, for metrics and tests."""

    up: int = 0  # client -> upstream
    down: int = 0  # upstream -> client


class _End(asyncio.Protocol):
    """One side of the bridge: what it reads goes to the other side."""

    __slots__ = ("bridge", "bulk", "ended", "lost", "peer", "pending", "read", "transport",
                 "way")

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.peer: _End = self
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []  # read before the peer's transport existed
        self.ended = False  # everything this side sent has been passed on
        self.lost = False
        self.bulk = False  # this side's data goes by splice (or will, once drained)
        self.way: SpliceWay | None = None
        self.read = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        t = self.transport = cast(asyncio.Transport, transport)
        t.set_write_buffer_limits(0)
        self.bridge._made(self)

    def data_received(self, data: bytes) -> None:
        self.read += len(data)
        out = self.peer.transport
        if out is None:  # the other side has no transport yet: hold (bounded)
            self.pending.append(data)
            if len(self.pending) > 1:
                cast(asyncio.Transport, self.transport).pause_reading()
            return
        out.write(data)
        if len(data) >= SPLICE_AFTER:
            self.bridge._to_splice(self)

    def eof_received(self) -> bool:
        self.bridge._ended(self)
        return True  # keep our sending half open for the other direction

    def pause_writing(self) -> None:
        src = self.peer.transport
        if src is not None:
            src.pause_reading()

    def resume_writing(self) -> None:
        self.bridge._drained(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.bridge._lost(self, exc)

    def fileno(self) -> int:
        sock = cast(asyncio.Transport, self.transport).get_extra_info("socket")
        return int(sock.fileno())

    def moved(self) -> int:
        return self.read + (self.way.moved if self.way is not None else 0)


class Bridge:
    """Relays ``client`` ↔ ``upstream`` once both protocols are given a transport
    (``loop.create_server`` / ``connect_accepted_socket`` with them). ``done(bridge)`` is
    called once both transports are gone."""

    __slots__ = ("_dups", "_loop", "_waiting", "client", "closing", "done", "finished",
                 "mark", "upstream")

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 done: Callable[[Bridge], None] | None = None) -> None:
        self._loop = loop
        self.done = done
        self.client = _End(self)
        self.upstream = _End(self)
        self.client.peer, self.upstream.peer = self.upstream, self.client
        self.closing = False
        self.finished = False
        self.mark = 0  # for the owner's bookkeeping
        self._dups: list[int] = []
        self._waiting: int = 2  # ends that may still get (or have) a transport

    @property
    def counters(self) -> Counters:
        return Counters(up=self.client.moved(), down=self.upstream.moved())

    # -- driven by the ends

    def _made(self, end: _End) -> None:
        if self.closing:
            _reset(cast(asyncio.Transport, end.transport))
            return
        other = end.peer
        if other.pending:
            t = cast(asyncio.Transport, end.transport)
            for data in other.pending:
                t.write(data)
            if len(other.pending) > 1 and not other.ended:
                cast(asyncio.Transport, other.transport).resume_reading()
            other.pending.clear()
        if other.ended:
            cast(asyncio.Transport, end.transport).write_eof()

    def _ended(self, end: _End) -> None:
        end.ended = True
        if end.peer.ended:
            self._finish()
        elif end.peer.transport is not None:
            end.peer.transport.write_eof()

    def _drained(self, end: _End) -> None:
        src = end.peer
        if src.bulk:
            if src.way is None and not self.closing:
                self._start_splice(src)
        elif not src.ended and src.transport is not None:
            src.transport.resume_reading()

    def _lost(self, end: _End, exc: Exception | None) -> None:
        if not self.closing:  # closed under us: a reset, or our transport failed
            self.abort(exc)
        self.gone()

    # -- bulk

    def _to_splice(self, src: _End) -> None:
        if src.bulk:
            return
        src.bulk = True
        cast(asyncio.Transport, src.transport).pause_reading()
        dst = cast(asyncio.Transport, src.peer.transport)
        if dst.get_write_buffer_size() == 0:
            self._start_splice(src)  # else once drained (``_drained``)

    def _start_splice(self, src: _End) -> None:
        fds = (os.dup(src.fileno()), os.dup(src.peer.fileno()))
        self._dups += fds
        src.way = SpliceWay(self._loop, *fds, lambda error: self._spliced(src, error))

    def _spliced(self, src: _End, error: BaseException | None) -> None:
        if error is not None:
            self.abort(error)
            return
        src.ended = True
        if src.peer.ended:
            self._finish()
        else:
            cast(asyncio.Transport, src.peer.transport).write_eof()

    # -- ending

    def _finish(self) -> None:
        """Both directions ended cleanly: close both sockets (after what is queued)."""
        self.closing = True
        self._close_ways()
        for end in (self.client, self.upstream):
            if end.transport is not None:
                end.transport.close()

    def abort(self, error: BaseException | None = None) -> None:
        """End at once, resetting whichever side is still open."""
        if self.closing:
            return
        self.closing = True
        self._close_ways()
        for end in (self.client, self.upstream):
            if end.transport is not None and not end.lost:
                _reset(end.transport)

    def gone(self) -> None:
        """One end's transport is gone or will never exist."""
        self._waiting -= 1
        if self._waiting == 0:
            self.finished = True
            self._unlink()
            if self.done is not None:
                self.done(self)

    def _unlink(self) -> None:
        """Drop the links that make cycles (ends ↔ bridge, end ↔ end, end ↔ transport), so
        reference counting frees the connection at once: left to the cyclic collector,
        connections pile up and it runs every few hundred of them."""
        for end in (self.client, self.upstream):
            end.read = end.moved()
            end.transport = end.way = None
            del end.peer, end.bridge

    def _close_ways(self) -> None:
        for end in (self.client, self.upstream):
            if end.way is not None:
                end.way.close()
        for fd in self._dups:
            os.close(fd)
        self._dups.clear()


def _reset(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    transport.abort()
