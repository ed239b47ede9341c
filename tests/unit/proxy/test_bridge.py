"""A bridge relays messages and bulk both ways, passes half-closes on and resets on errors."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
import uvloop

from tinykube.proxy.bridge import SPLICE_AFTER, Bridge


async def pair() -> tuple[socket.socket, socket.socket]:
    """Two connected TCP sockets on loopback (non-blocking)."""
    loop = asyncio.get_running_loop()
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen()
        lsock.setblocking(False)
        a = socket.socket()
        a.setblocking(False)
        connect = loop.create_task(loop.sock_connect(a, lsock.getsockname()))
        b, _ = await loop.sock_accept(lsock)
        await connect
    b.setblocking(False)
    return a, b


@dataclass
class Wired:
    client: socket.socket  # the real client's socket
    server: socket.socket  # the real server's socket
    bridge: Bridge
    done: asyncio.Future[None]
    proxy_in: socket.socket
    proxy_out: socket.socket

    async def adopt_client(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.connect_accepted_socket(lambda: self.bridge.client, self.proxy_in)

    async def adopt_upstream(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.connect_accepted_socket(lambda: self.bridge.upstream, self.proxy_out)


Scenario = Callable[[Wired], Awaitable[None]]


async def run(scenario: Scenario) -> None:
    loop = asyncio.get_running_loop()
    client, proxy_in = await pair()
    proxy_out, server = await pair()
    done: asyncio.Future[None] = loop.create_future()
    w = Wired(client, server, Bridge(loop, lambda _: done.set_result(None)), done,
              proxy_in, proxy_out)
    try:
        await asyncio.wait_for(scenario(w), 10)
    finally:
        w.bridge.abort()
        for s in (client, server, proxy_in, proxy_out):
            s.close()


async def recv_exactly(sock: socket.socket, n: int) -> bytes:
    loop = asyncio.get_running_loop()
    out = bytearray()
    while len(out) < n:
        chunk = await loop.sock_recv(sock, n - len(out))
        assert chunk, "early EOF"
        out += chunk
    return bytes(out)


async def recv_all(sock: socket.socket) -> bytes:
    loop = asyncio.get_running_loop()
    out = bytearray()
    while chunk := await loop.sock_recv(sock, 1 << 16):
        out += chunk
    return bytes(out)


async def requests_and_answers_on_one_connection(wired: Wired) -> None:
    loop = asyncio.get_running_loop()
    await wired.adopt_client()
    await wired.adopt_upstream()
    for i in range(20):
        await loop.sock_sendall(wired.client, b"GET %d\n" % i)
        assert await recv_exactly(wired.server, len(b"GET %d\n" % i)) == b"GET %d\n" % i
        await loop.sock_sendall(wired.server, b"ok %d\n" % i)
        assert await recv_exactly(wired.client, len(b"ok %d\n" % i)) == b"ok %d\n" % i
    assert wired.bridge.client.way is None and wired.bridge.upstream.way is None
    counters = wired.bridge.counters
    assert counters.up == sum(len(b"GET %d\n" % i) for i in range(20))
    assert counters.down == sum(len(b"ok %d\n" % i) for i in range(20))


async def bulk_goes_by_splice_and_arrives_whole(wired: Wired) -> None:
    loop = asyncio.get_running_loop()
    await wired.adopt_client()
    await wired.adopt_upstream()
    payload = os.urandom(8 * SPLICE_AFTER + 5)
    answer = os.urandom(3 * SPLICE_AFTER)

    async def server() -> str:
        got = await recv_all(wired.server)  # until the client's half-close
        await loop.sock_sendall(wired.server, answer)
        wired.server.shutdown(socket.SHUT_WR)
        return hashlib.sha256(got).hexdigest()

    serving = loop.create_task(server())
    await loop.sock_sendall(wired.client, payload)
    wired.client.shutdown(socket.SHUT_WR)
    assert await recv_all(wired.client) == answer
    assert await serving == hashlib.sha256(payload).hexdigest()
    await asyncio.wait_for(wired.done, 5)
    assert wired.bridge.counters.up == len(payload)
    assert wired.bridge.counters.down == len(answer)


async def a_big_read_hands_the_direction_to_splice(wired: Wired) -> None:
    loop = asyncio.get_running_loop()
    await wired.adopt_client()
    await wired.adopt_upstream()
    await loop.sock_sendall(wired.client, b"x" * (4 * SPLICE_AFTER))
    await recv_exactly(wired.server, 4 * SPLICE_AFTER)
    await loop.sock_sendall(wired.client, b"tail")
    assert await recv_exactly(wired.server, 4) == b"tail"
    assert wired.bridge.client.bulk and wired.bridge.client.way is not None
    assert not wired.bridge.upstream.bulk  # the other direction still goes by callback


async def bytes_sent_before_the_upstream_is_ready_are_kept(wired: Wired) -> None:
    loop = asyncio.get_running_loop()
    await wired.adopt_client()
    await loop.sock_sendall(wired.client, b"early ")
    await asyncio.sleep(0.05)
    await loop.sock_sendall(wired.client, b"bird")
    await asyncio.sleep(0.05)
    wired.client.shutdown(socket.SHUT_WR)
    await wired.adopt_upstream()
    assert await recv_all(wired.server) == b"early bird"


async def half_close_then_answer_then_both_closed(wired: Wired) -> None:
    loop = asyncio.get_running_loop()
    await wired.adopt_client()
    await wired.adopt_upstream()
    await loop.sock_sendall(wired.client, b"question")
    wired.client.shutdown(socket.SHUT_WR)
    assert await recv_all(wired.server) == b"question"  # EOF passed on
    await loop.sock_sendall(wired.server, b"answer")
    wired.server.close()
    assert await recv_all(wired.client) == b"answer"
    await asyncio.wait_for(wired.done, 5)
    assert wired.bridge.finished
    assert wired.proxy_in.fileno() == -1 and wired.proxy_out.fileno() == -1


async def a_reset_upstream_resets_the_client(wired: Wired) -> None:
    await wired.adopt_client()
    await wired.adopt_upstream()
    wired.server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    wired.server.close()
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(recv_all(wired.client), 5)
    await asyncio.wait_for(wired.done, 5)


async def abort_resets_both_sides(wired: Wired) -> None:
    await wired.adopt_client()
    await wired.adopt_upstream()
    wired.bridge.abort(None)
    for sock in (wired.client, wired.server):
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(recv_all(sock), 5)
    await asyncio.wait_for(wired.done, 5)


SCENARIOS: list[Scenario] = [
    requests_and_answers_on_one_connection,
    bulk_goes_by_splice_and_arrives_whole,
    a_big_read_hands_the_direction_to_splice,
    bytes_sent_before_the_upstream_is_ready_are_kept,
    half_close_then_answer_then_both_closed,
    a_reset_upstream_resets_the_client,
    abort_resets_both_sides,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
async def test_on_asyncio(scenario: Scenario) -> None:
    await run(scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_on_uvloop(scenario: Scenario) -> None:
    """Production runs uvloop, whose transports differ from asyncio's in the details."""
    uvloop.run(run(scenario))
