"""The forwarder relays to its one target, waits out a lost SYN, resets when it cannot
connect, and resets its connections when closed — on both forwardings: the Python one
(``forward.PollerForwarding``) and the C engine's (``cforward.EngineForwarding``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
import uvloop

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy import cforward
from tinykube.proxy.forward import Forwarder, Forwarding, PollerForwarding
from tinykube.testing.streams import recv_all

Scenario = Callable[[str], Coroutine[Any, Any, None]]  # run on the forwarding named
KINDS: dict[str, type[PollerForwarding] | type[cforward.EngineForwarding]] = {
    "python": PollerForwarding}
if cforward.AVAILABLE:
    KINDS["engine"] = cforward.EngineForwarding


def listening(backlog: int = 128) -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    s.setblocking(False)
    return s


class Made:
    """A forwarder and the forwarding it came from (closed together)."""

    def __init__(self, forwarding: Forwarding, fwd: Forwarder) -> None:
        self.forwarding = forwarding
        self.fwd = fwd
        self.sock = fwd.sock

    def connections(self) -> int:
        return self.fwd.connections()


async def forwarder(kind: str, target: tuple[str, int], *, timeout: float = 5.0,
                    pool_size: int = 8) -> Made:
    forwarding = KINDS[kind](NetnsSockets(None), pool_size=pool_size, connect_timeout=timeout)
    return Made(forwarding, forwarding.forwarder(listening(), target))


async def ask(fwd: Made, line: bytes = b"hi\n") -> bytes:
    r, w = await asyncio.open_connection(*fwd.sock.getsockname())
    try:
        w.write(line)
        return await r.read()
    finally:
        w.close()


async def echo_server() -> asyncio.Server:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"echo:" + await r.readline())
        await w.drain()
        w.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


async def close(fwd: Made) -> None:
    await fwd.fwd.close()
    await fwd.forwarding.close()


async def forwards_to_the_target(kind: str) -> None:
    server = await echo_server()
    fwd = await forwarder(kind, server.sockets[0].getsockname())
    try:
        answers = await asyncio.gather(*(ask(fwd, b"%d\n" % i) for i in range(20)))
        assert answers == [b"echo:%d\n" % i for i in range(20)]
        await asyncio.sleep(0.05)
        assert fwd.connections() == 0  # every connection gone and forgotten
    finally:
        await close(fwd)
        server.close()


async def more_connections_than_the_pool_holds_wait_for_its_refill(kind: str) -> None:
    server = await echo_server()
    fwd = await forwarder(kind, server.sockets[0].getsockname(), pool_size=2)
    try:
        answers = await asyncio.gather(*(ask(fwd, b"%d\n" % i) for i in range(12)))
        assert answers == [b"echo:%d\n" % i for i in range(12)]
    finally:
        await close(fwd)
        server.close()


async def a_connect_needing_a_syn_retransmit_still_succeeds(kind: str) -> None:
    """The target's accept queue is full, so it drops our first SYN; the kernel resends it
    after a second. A dial timeout shorter than that (the old 0.25 s) reset the client."""
    loop = asyncio.get_running_loop()
    target = listening(backlog=0)
    filler = socket.create_connection(target.getsockname())  # fills the queue
    fwd = await forwarder(kind, target.getsockname())
    try:
        asking = loop.create_task(ask(fwd))
        await asyncio.sleep(0.3)
        assert not asking.done()
        (await loop.sock_accept(target))[0].close()  # room again, for the resent SYN
        conn, _ = await asyncio.wait_for(loop.sock_accept(target), 5)
        with conn:
            conn.setblocking(False)
            line = await loop.sock_recv(conn, 100)
            await loop.sock_sendall(conn, b"late:" + line)
        assert await asyncio.wait_for(asking, 5) == b"late:hi\n"
    finally:
        filler.close()
        target.close()
        await close(fwd)


async def a_connect_that_never_completes_resets_the_client(kind: str) -> None:
    target = listening(backlog=0)
    filler = socket.create_connection(target.getsockname())  # every SYN is dropped
    fwd = await forwarder(kind, target.getsockname(), timeout=0.2)
    try:
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(ask(fwd), 5)
    finally:
        filler.close()
        target.close()
        await close(fwd)


async def a_refused_connect_resets_the_client(kind: str) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    fwd = await forwarder(kind, ("127.0.0.1", port))
    try:
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(ask(fwd), 5)
    finally:
        await close(fwd)


async def closing_resets_connections_and_stops_listening(kind: str) -> None:
    loop = asyncio.get_running_loop()
    target = listening()
    fwd = await forwarder(kind, target.getsockname())
    address = fwd.sock.getsockname()
    r, w = await asyncio.open_connection(*address)
    conn, _ = await asyncio.wait_for(loop.sock_accept(target), 5)
    try:
        await close(fwd)
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(r.read(), 5)
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(*address)
    finally:
        w.close()
        conn.close()
        target.close()


@contextlib.asynccontextmanager
async def wired(kind: str, *, tight: bool = False) -> AsyncIterator[tuple[socket.socket,
                                                                         socket.socket]]:
    """A client and the server socket it reaches through a forwarder; ``tight``: the
    forwarder's client-side socket and the client have tiny buffers, so the forwarder has
    to hold what it cannot deliver."""
    loop = asyncio.get_running_loop()
    target = listening()
    sock = socket.socket()
    if tight:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # accepted ones inherit
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    forwarding = KINDS[kind](NetnsSockets(None), pool_size=4)
    fwd = Made(forwarding, forwarding.forwarder(sock, target.getsockname()))
    client = socket.socket()
    if tight:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.setblocking(False)
    server = None
    try:
        await loop.sock_connect(client, sock.getsockname())
        server, _ = await asyncio.wait_for(loop.sock_accept(target), 5)
        server.setblocking(False)
        yield client, server
        assert fwd.connections() in (0, 1)
    finally:
        for s in (client, server, target):
            if s is not None:
                s.close()
        await close(fwd)



async def requests_and_answers_on_one_connection(kind: str) -> None:
    loop = asyncio.get_running_loop()
    async with wired(kind) as (client, server):
        for i in range(50):
            await loop.sock_sendall(client, b"GET %d\n" % i)
            assert await loop.sock_recv(server, 100) == b"GET %d\n" % i
            await loop.sock_sendall(server, b"ok %d\n" % i)
            assert await loop.sock_recv(client, 100) == b"ok %d\n" % i


async def bulk_both_ways_arrives_whole_after_half_closes(kind: str) -> None:
    """Big enough to be spliced both ways; each side half-closes and still gets its
    answer; then the connection is gone from the forwarder."""
    loop = asyncio.get_running_loop()
    payload, answer = os.urandom(3_000_005), os.urandom(2_000_007)
    async with wired(kind) as (client, server):
        async def serve() -> bytes:
            got = await recv_all(server)  # until the client's half-close
            await loop.sock_sendall(server, answer)
            server.shutdown(socket.SHUT_WR)
            return got

        serving = loop.create_task(serve())
        await loop.sock_sendall(client, payload)
        client.shutdown(socket.SHUT_WR)
        assert await recv_all(client) == answer
        assert await serving == payload


async def a_fast_long_stream_arrives_whole(kind: str) -> None:
    """Many turns of a spliced direction, sent as fast as the kernel can by another
    thread, so the forwarder has to yield to others and come back by itself."""
    size = 300 * (1 << 20) + 12345
    async with wired(kind) as (client, server):
        def send() -> None:
            server.setblocking(True)
            fd = os.memfd_create("zeros")
            try:
                os.ftruncate(fd, size)
                offset = 0
                while offset < size:
                    offset += os.sendfile(server.fileno(), fd, offset, size - offset)
                server.shutdown(socket.SHUT_WR)
            finally:
                os.close(fd)

        def receive() -> int:
            client.setblocking(True)
            got, buf = 0, bytearray(1 << 20)
            while n := client.recv_into(buf):
                got += n
            return got

        receiving = asyncio.create_task(asyncio.to_thread(receive))
        await asyncio.to_thread(send)
        assert await receiving == size


async def a_slow_reader_gets_every_message(kind: str) -> None:
    loop = asyncio.get_running_loop()
    small = b"".join(b"%06d\n" % i for i in range(30000))
    async with wired(kind, tight=True) as (client, server):
        async def serve() -> None:
            for i in range(0, len(small), 700):
                await loop.sock_sendall(server, small[i:i + 700])
            server.shutdown(socket.SHUT_WR)

        serving = loop.create_task(serve())
        await asyncio.sleep(0.2)  # let it pile up
        assert await recv_all(client) == small
        await serving


async def a_slow_reader_gets_all_of_a_bulk_stream(kind: str) -> None:
    loop = asyncio.get_running_loop()
    bulk = os.urandom(4_000_000)
    async with wired(kind, tight=True) as (client, server):
        serving = loop.create_task(loop.sock_sendall(server, bulk))
        await asyncio.sleep(0.2)
        got = bytearray()
        while len(got) < len(bulk):
            got += await loop.sock_recv(client, 1 << 16)
        assert got == bulk
        await serving


async def a_reset_upstream_resets_the_client(kind: str) -> None:
    async with wired(kind) as (client, server):
        server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        server.close()
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(recv_all(client), 5)


SCENARIOS: list[Scenario] = [
    requests_and_answers_on_one_connection,
    bulk_both_ways_arrives_whole_after_half_closes,
    a_fast_long_stream_arrives_whole,
    a_slow_reader_gets_every_message,
    a_slow_reader_gets_all_of_a_bulk_stream,
    a_reset_upstream_resets_the_client,
    forwards_to_the_target,
    more_connections_than_the_pool_holds_wait_for_its_refill,
    a_connect_needing_a_syn_retransmit_still_succeeds,
    a_connect_that_never_completes_resets_the_client,
    a_refused_connect_resets_the_client,
    closing_resets_connections_and_stops_listening,
]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
async def test_on_asyncio(scenario: Scenario, kind: str) -> None:
    await scenario(kind)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_on_uvloop(scenario: Scenario, kind: str) -> None:
    """Production runs uvloop, whose transports differ from asyncio's in the details."""
    uvloop.run(scenario(kind))


def test_the_engine_is_built() -> None:
    """``make install`` compiles the C engine; a clean checkout must get it (the Python
    forwarder is only the fallback for machines without a compiler)."""
    assert cforward.AVAILABLE
