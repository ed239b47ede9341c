"""The DNS server's sockets: UDP and TCP on one address, answering from a ``Zone``.

A datagram is answered inside ``datagram_received`` when the compiled zone has the answer
(no task, no await); only forwarding and ExternalName chasing spawn a task, owned by the
server and bounded in number. TCP takes length-prefixed queries, several per connection,
answers them in order of completion and closes an idle connection after ``tcp_idle``
seconds. ``reuse_port`` lets several processes share the port (``SO_REUSEPORT``); the
caller may also hand over sockets it created itself, e.g. inside a network namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any, cast

from tinykube.dns import wire
from tinykube.dns.answer import MAX_UDP, Chase, Forward, answer
from tinykube.dns.forward import Forwarder, servfail
from tinykube.dns.metrics import Metrics
from tinykube.dns.zone import Zone

log = logging.getLogger(__name__)

MAX_PENDING = 1024  # forwards in flight; beyond that, SERVFAIL at once
MAX_TCP_CONNECTIONS = 256
TCP_IDLE = 10.0


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not a DatagramTransport subclass on every loop (3.11's selector loop): cast.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        s = self.server
        started = time.perf_counter()
        r = answer(data, s.zone, max_udp=s.max_udp)
        if type(r) is bytes:
            assert self.transport is not None
            self.transport.sendto(r, addr)
            s.metrics.observe(data, r, time.perf_counter() - started)
        elif r is None:
            s.metrics.observe(data, None, time.perf_counter() - started)
        else:
            assert isinstance(r, Forward | Chase)
            s.spawn(self._later(r, data, addr, started))

    async def _later(self, r: Forward | Chase, data: bytes, addr: Any, started: float) -> None:
        reply = await self.server.complete(r, data, tcp=False)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)
        self.server.metrics.observe(data, reply, time.perf_counter() - started)

    def error_received(self, exc: Exception) -> None:
        log.debug("udp error: %s", exc)


class DnsServer:
    def __init__(self, zone: Zone, *, forwarder: Forwarder | None = None,
                 metrics: Metrics | None = None, host: str = "127.0.0.1", port: int = 53,
                 reuse_port: bool = False, tcp_idle: float = TCP_IDLE,
                 max_udp: int = MAX_UDP, max_pending: int = MAX_PENDING,
                 max_tcp_connections: int = MAX_TCP_CONNECTIONS,
                 sockets: tuple[socket.socket, socket.socket] | None = None) -> None:
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
        self._udp: asyncio.DatagramTransport | None = None
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
        loop = asyncio.get_running_loop()
        udp_sock, tcp_sock = self._sockets or (None, None)
        for _ in range(20):
            udp_kwargs: dict[str, Any] = (
                {"sock": udp_sock} if udp_sock else
                {"local_addr": (self.host, self.port), "reuse_port": self.reuse_port or None}
            )
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), **udp_kwargs)
            port = transport.get_extra_info("sockname")[1]
            try:
                if tcp_sock:
                    self._tcp = await asyncio.start_server(self._serve_tcp, sock=tcp_sock)
                else:
                    self._tcp = await asyncio.start_server(
                        self._serve_tcp, self.host, port, reuse_port=self.reuse_port or None)
            except OSError:
                transport.close()
                if self.port or udp_sock:
                    raise
                continue  # the ephemeral UDP port is taken for TCP: pick another
            self._udp, self.port = transport, port
            log.info("dns serving host=%s port=%d", self.host, port)
            return
        raise OSError("no port free for both UDP and TCP")

    async def close(self) -> None:
        """Stop listening, close TCP connections, then cancel the forwards in flight."""
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

    # ------------------------------------------------------------------ answers

    async def complete(self, r: Forward | Chase, query: bytes, *, tcp: bool) -> bytes:
        """Answer what the zone could not alone: forward, or chase a CNAME upstream."""
        if self.forwarder is None or len(self._tasks) > self.max_pending:
            try:
                qend = wire.question_end(query)
            except wire.Malformed:
                qend = 12
            return servfail(query, qend)
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


async def serve_metrics(metrics: Metrics, host: str = "127.0.0.1", port: int = 9153
                        ) -> asyncio.Server:
    """A minimal HTTP endpoint: any GET returns ``metrics.render()`` (Prometheus text)."""

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

    return await asyncio.start_server(handle, host, port)
