"""Send what is not ours to the upstream resolvers, with a cache, and fail fast.

Queries go out over one connected UDP socket per upstream with a fresh random ID, and a
reply is accepted only if its ID and question match (case-insensitively: upstreams may
randomise case). A truncated reply is retried over TCP when the client itself came over
TCP, or when the answer is for us (an ExternalName chase); a UDP client gets the TC reply
and retries over TCP by itself. Upstreams are tried in order until the overall deadline;
when none answers the client gets SERVFAIL at that deadline, never later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import struct
from collections.abc import Sequence
from typing import Any, cast

from tinykube.dns import cache, resolvconf, wire
from tinykube.dns.metrics import Metrics
from tinykube.machinery.clock import Clock, LoopClock

log = logging.getLogger(__name__)

Upstream = tuple[str, int]

DEFAULT_TIMEOUT = 2.0  # the whole forward, across every upstream
ATTEMPT_TIMEOUT = 1.0  # one upstream
_OPT_QUERY = struct.pack("!BHHIH", 0, wire.OPT, 1232, 0, 0)


class UpstreamError(Exception):
    """One upstream did not give a usable reply (internal to this module)."""


class _Udp(asyncio.DatagramProtocol):
    """One connected UDP socket to one upstream, shared by every query in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[bytes, asyncio.Future[bytes]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not a DatagramTransport subclass on every loop (3.11's selector loop): cast.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: object) -> None:
        if len(data) < 12 or not data[2] & 0x80:
            return
        waiting = self.pending.get(int.from_bytes(data[:2], "big"))
        if waiting is None or waiting[1].done():
            return
        question, future = waiting
        try:
            end = wire.question_end(data)
        except wire.Malformed:
            return
        if data[12:end].lower() == question:
            future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable...) on a connected socket: nobody is listening.
        self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(exc or ConnectionResetError("upstream socket closed"))

    def _fail(self, exc: BaseException) -> None:
        for _, future in self.pending.values():
            if not future.done():
                future.set_exception(UpstreamError(str(exc)))

    async def exchange(self, packet: bytes, question: bytes) -> bytes:
        if self.transport is None or self.transport.is_closing():
            raise UpstreamError("socket closed")
        ident = secrets.randbits(16)
        while ident in self.pending:
            ident = secrets.randbits(16)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending[ident] = (question, future)
        try:
            self.transport.sendto(ident.to_bytes(2, "big") + packet[2:])
            return await future
        finally:
            del self.pending[ident]


async def _tcp_exchange(upstream: Upstream, packet: bytes, question: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(*upstream)
    try:
        ident = packet[:2]
        writer.write(len(packet).to_bytes(2, "big") + packet)
        await writer.drain()
        while True:
            size = int.from_bytes(await reader.readexactly(2), "big")
            data = await reader.readexactly(size)
            try:
                end = wire.question_end(data)
            except wire.Malformed:
                continue
            if data[:2] == ident and data[12:end].lower() == question:
                return data
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class Forwarder:
    def __init__(self, upstreams: Sequence[Upstream], *, timeout: float = DEFAULT_TIMEOUT,
                 attempt_timeout: float = ATTEMPT_TIMEOUT, cache_size: int = cache.DEFAULT_SIZE,
                 metrics: Metrics | None = None, clock: Clock | None = None) -> None:
        self.upstreams = list(upstreams)
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout
        self.cache = cache.Cache(cache_size)
        self.metrics = metrics or Metrics()
        self._clock = clock or LoopClock()
        self._sockets: dict[Upstream, _Udp] = {}

    @classmethod
    def from_resolv_conf(cls, path: str = resolvconf.DEFAULT_PATH, **kwargs: Any) -> Forwarder:
        """Forward to the host's resolvers (``forward . /etc/resolv.conf``)."""
        return cls(resolvconf.read(path), **kwargs)

    async def close(self) -> None:
        for proto in self._sockets.values():
            if proto.transport is not None:
                proto.transport.close()
        self._sockets.clear()

    async def forward(self, query: bytes, *, tcp: bool = False) -> bytes:
        """The reply for a client's query (its ID and spelling), or SERVFAIL."""
        try:
            qend = wire.question_end(query)
        except wire.Malformed:
            return servfail(query, 12)
        key = cache.key(query, qend)
        reply = await self._resolve(key, query, qend, tcp)
        if reply is None:
            return servfail(query, qend)
        if not tcp and len(reply) > client_limit(query, qend):
            # A cached reply fetched for a client with a larger buffer: send TC.
            flags = int.from_bytes(reply[2:4], "big") | wire.TC
            return query[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + query[12:qend]
        return query[:2] + reply[2:12] + query[12:qend] + reply[qend:]

    async def lookup(self, qname: bytes, qtype: int) -> bytes | None:
        """Our own query (an ExternalName target): the full reply, or None on failure."""
        query = (b"\x00\x00" + struct.pack("!HHHHH", wire.RD, 1, 0, 0, 1) + qname
                 + struct.pack("!HH", qtype, wire.CLASS_IN) + _OPT_QUERY)
        qend = 12 + len(qname) + 4
        return await self._resolve(cache.key(query, qend), query, qend, True)

    async def _resolve(self, key: bytes, query: bytes, qend: int, tcp: bool) -> bytes | None:
        now = self._clock.now()
        hit = self.cache.get(key, now)
        if hit is not None:
            self.metrics.cache_hits += 1
            return hit
        self.metrics.cache_misses += 1
        reply = await self._ask(query, query[12:qend].lower(), tcp)
        if reply is not None:
            self.cache.put(key, reply, self._clock.now())
        return reply

    async def _ask(self, query: bytes, question: bytes, tcp: bool) -> bytes | None:
        if not self.upstreams:
            self.metrics.forward_failures += 1
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        attempt = 0
        while (left := deadline - loop.time()) > 0 and attempt < 2 * len(self.upstreams):
            upstream = self.upstreams[attempt % len(self.upstreams)]
            attempt += 1
            self.metrics.forwarded += 1
            try:
                async with asyncio.timeout(min(left, self.attempt_timeout)):
                    return await self._ask_one(upstream, query, question, tcp)
            except (TimeoutError, OSError, UpstreamError, asyncio.IncompleteReadError) as e:
                log.debug("upstream=%s:%d failed: %s", upstream[0], upstream[1], e or type(e))
                if attempt % len(self.upstreams) == 0:
                    await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))
        self.metrics.forward_failures += 1
        return None

    async def _ask_one(self, upstream: Upstream, query: bytes, question: bytes,
                       tcp: bool) -> bytes:
        proto = await self._socket(upstream)
        reply = await proto.exchange(query, question)
        if reply[2] & 0x02 and tcp:  # TC: the whole answer only comes over TCP
            ident = secrets.randbits(16).to_bytes(2, "big")
            reply = await _tcp_exchange(upstream, ident + query[2:], question)
        return reply

    async def _socket(self, upstream: Upstream) -> _Udp:
        proto = self._sockets.get(upstream)
        if proto is not None and proto.transport is not None:
            return proto
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_datagram_endpoint(_Udp, remote_addr=upstream)
        self._sockets[upstream] = proto
        return proto


def client_limit(query: bytes, qend: int) -> int:
    """The UDP reply size a client accepts: 512, or its EDNS payload size."""
    rest = query[qend:]
    if len(rest) >= 11 and rest[0] == 0 and rest[1:3] == b"\x00\x29":
        return max(512, int.from_bytes(rest[3:5], "big"))
    return 512


def servfail(query: bytes, qend: int) -> bytes:
    """SERVFAIL echoing the ID, RD and the question (if it could be read)."""
    if len(query) < 12:
        return b""
    flags = wire.QR | wire.RA | ((query[2] << 8) & (wire.OPCODE_MASK | wire.RD)) | wire.SERVFAIL
    qd = 1 if 12 < qend <= len(query) else 0
    return query[:2] + struct.pack("!HHHHH", flags, qd, 0, 0, 0) + (query[12:qend] if qd else b"")
