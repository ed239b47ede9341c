"""The DNS server's sockets: UDP and TCP on one address, answering from a ``Zone``.

UDP is served by a thread of its own (``udp.UdpWorker``): it answers from ready responses
(``replies.Replies``), many datagrams per system call, and hands the event loop only what
needs the network — forwarding and ExternalName chasing — as tasks owned by the server
and bounded in number, plus its counters. TCP takes length-prefixed queries, several per
connection, answers them in order of completion and closes an idle connection after
``tcp_idle`` seconds. ``reuse_port`` lets several processes share the port
(``SO_REUSEPORT``), each with its own zone; the caller may also hand over sockets it
created itself, e.g. inside a network namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any

from tinykube.dns import wire
from tinykube.dns.answer import MAX_UDP, Chase, Forward, answer
from tinykube.dns.forward import Forwarder, servfail
from tinykube.dns.metrics import Metrics
from tinykube.dns.replies import Replies
from tinykube.dns.udp import Address, UdpWorker
from tinykube.dns.zone import Zone

log = logging.getLogger(__name__)

MAX_PENDING = 1024  # forwards in flight; beyond that, SERVFAIL at once
MAX_TCP_CONNECTIONS = 256
TCP_IDLE = 10.0


class DnsServer:
    def __init__(self, zone: Zone, *, forwarder: Forwarder | None = None,
                 metrics: Metrics | None = None, host: str = "127.0.0.1", port: int = 53,
                 reuse_port: bool = False, tcp_idle: float = TCP_IDLE,
                 max_udp: int = MAX_UDP, max_pending: int = MAX_PENDING,
                 max_tcp_connections: int = MAX_TCP_CONNECTIONS,
                 sockets: tuple[socket.socket, socket.socket] | None = None,
                 batched: bool = True) -> None:
        self.zone = zone
        self.forwarder = forwarder
        self.metrics = metrics or (forwarder.metrics if forwarder else Metrics())
        self.host, self.port = host, port
        self.reuse_port = reuse_port
        self.tcp_idle = tcp_idle
        self.max_udp = max_udp
        self.max_pending = max_pending
        self.max_tcp_connections = max_tcp_connections
        self._sockets = sockets
        self.batched = batched  # recvmmsg/sendmmsg; False: one recvfrom/sendto per query
        self._loop: asyncio.AbstractEventLoop | None = None
        self._udp: socket.socket | None = None
        self._worker: UdpWorker | None = None
        # Forwards handed over by the UDP thread (it alone writes ``_handed``) and taken
        # up by the loop (it alone writes ``_taken``): the backlog between them is bounded.
        self._handed = self._taken = 0
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[Any] | None] = {}

    async def __aenter__(self) -> DnsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind UDP then TCP on the same port (a free one when ``port`` is 0)."""
        udp_sock, tcp_sock = self._sockets or (None, None)
        for _ in range(20):
            udp = udp_sock or self._bind_udp()
            port = udp.getsockname()[1]
            try:
                if tcp_sock:
                    self._tcp = await asyncio.start_server(self._serve_tcp, sock=tcp_sock)
                else:
                    self._tcp = await asyncio.start_server(
                        self._serve_tcp, self.host, port, reuse_port=self.reuse_port or None)
            except OSError:
                if self.port or udp_sock:
                    raise
                udp.close()
                continue  # the ephemeral UDP port is taken for TCP: pick another
            self._loop = asyncio.get_running_loop()
            self._udp, self.port = udp, port
            self._worker = UdpWorker(udp, Replies(self.zone, max_udp=self.max_udp),
                                     later=self._later_threadsafe,
                                     publish=self._publish_threadsafe, batched=self.batched)
            self._worker.start()
            log.info("dns serving host=%s port=%d", self.host, port)
            return
        raise OSError("no port free for both UDP and TCP")

    def _bind_udp(self) -> socket.socket:
        family, kind, proto, _, address = socket.getaddrinfo(
            self.host, self.port, type=socket.SOCK_DGRAM)[0]
        sock = socket.socket(family, kind, proto)
        try:
            if self.reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
        except OSError:
            sock.close()
            raise
        return sock

    async def close(self) -> None:
        """Stop listening, close TCP connections, then cancel the forwards in flight."""
        if self._worker is not None:
            await asyncio.to_thread(self._worker.stop)
            self._worker = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            self._tcp = None
        handlers = [t for t in self._connections.values() if t is not None]
        for writer in list(self._connections):
            writer.close()
        if handlers:
            await asyncio.wait(handlers, timeout=2.0)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ UDP's slow path

    def _later_threadsafe(self, r: Forward | Chase, data: bytes, addr: Address,
                          started: float) -> bytes | None:
        """From the UDP thread: complete ``r`` on the event loop, then reply to ``addr``;
        or, when the loop is already ``max_pending`` behind, SERVFAIL to send at once."""
        if self._handed - self._taken >= self.max_pending:
            return _servfail(data)
        self._handed += 1
        self._call_soon(self._udp_later, r, data, addr, started)
        return None

    def _publish_threadsafe(self, counted: Metrics) -> None:
        """From the UDP thread: add what it counted to ``metrics`` on the event loop."""
        self._call_soon(self.metrics.merge, counted)

    def _call_soon(self, callback: Any, *args: Any) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to do
                loop.call_soon_threadsafe(callback, *args)

    def _udp_later(self, r: Forward | Chase, data: bytes, addr: Address, started: float) -> None:
        self._taken += 1
        self.spawn(self._udp_reply(r, data, addr, started))

    async def _udp_reply(self, r: Forward | Chase, data: bytes, addr: Address,
                         started: float) -> None:
        reply = await self.complete(r, data, tcp=False)
        sock = self._udp
        if sock is not None:
            with contextlib.suppress(OSError):  # a full send buffer drops it, like UDP would
                sock.sendto(reply, socket.MSG_DONTWAIT, addr)
        self.metrics.observe(data, reply, time.perf_counter() - started)

    # ------------------------------------------------------------------ answers

    async def complete(self, r: Forward | Chase, query: bytes, *, tcp: bool) -> bytes:
        """Answer what the zone could not alone: forward, or chase a CNAME upstream."""
        if self.forwarder is None or len(self._tasks) > self.max_pending:
            return _servfail(query)
        if isinstance(r, Chase):
            return r.complete(await self.forwarder.lookup(r.target, r.qtype))
        return await self.forwarder.forward(query, tcp=tcp)

    async def _serve_tcp(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= self.max_tcp_connections:
            writer.close()
            return
        self._connections[writer] = asyncio.current_task()
        try:
            while True:
                async with asyncio.timeout(self.tcp_idle):
                    size = int.from_bytes(await reader.readexactly(2), "big")
                    data = await reader.readexactly(size)
                if not self._answer_tcp(data, writer):
                    break
                async with asyncio.timeout(self.tcp_idle):
                    await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.pop(writer, None)
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    def _answer_tcp(self, data: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answer or spawn; False when the connection should be closed."""
        started = time.perf_counter()
        r = answer(data, self.zone, tcp=True)
        if r is None:
            self.metrics.observe(data, None, time.perf_counter() - started)
            return False
        if type(r) is bytes:
            writer.write(len(r).to_bytes(2, "big") + r)
            self.metrics.observe(data, r, time.perf_counter() - started)
            return True
        assert isinstance(r, Forward | Chase)
        self.spawn(self._tcp_later(r, data, writer, started))
        return True

    async def _tcp_later(self, r: Forward | Chase, data: bytes, writer: asyncio.StreamWriter,
                         started: float) -> None:
        reply = await self.complete(r, data, tcp=True)
        if not writer.is_closing():
            writer.write(len(reply).to_bytes(2, "big") + reply)
        self.metrics.observe(data, reply, time.perf_counter() - started)


def _servfail(query: bytes) -> bytes:
    try:
        qend = wire.question_end(query)
    except wire.Malformed:
        qend = 12
    return servfail(query, qend)


async def serve_metrics(metrics: Metrics, host: str = "127.0.0.1", port: int = 9153, *,
                        sock: socket.socket | None = None) -> asyncio.Server:
    """A minimal HTTP endpoint: any GET returns ``metrics.render()`` (Prometheus text).
    It listens on ``host:port``, or on ``sock`` when given (one bound in a namespace)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5.0):
                request = await reader.readuntil(b"\r\n\r\n")
            ok = request.startswith(b"GET ")
            body = metrics.render().encode() if ok else b"method not allowed\n"
            status = b"200 OK" if ok else b"405 Method Not Allowed"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; version=0.0.4"
                         b"\r\nContent-Length: " + str(len(body)).encode()
                         + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError):
            pass
        finally:
            writer.close()

    if sock is not None:
        return await asyncio.start_server(handle, sock=sock)
    return await asyncio.start_server(handle, host, port)
