"""The relay moves every byte both ways, splices bulk, keeps up with slow readers, passes
half-closes on and resets on errors — on asyncio's loop and on uvloop."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import struct
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
import uvloop

import tinykube.proxy.relay as relay_module
from tinykube.proxy.poller import IN, Poller
from tinykube.proxy.relay import BUFFER, TURN, Relay, relay
from tinykube.testing.streams import recv_all, recv_exactly


async def pair(buffers: int = 0) -> tuple[socket.socket, socket.socket]:
    """Two connected TCP sockets on loopback (non-blocking); with ``buffers``, the
    first one's buffers are that small (set before connecting, so the window is too)."""
    loop = asyncio.get_running_loop()
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen()
        lsock.setblocking(False)
        a = socket.socket()
        if buffers:
            a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffers)
            a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffers)
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
    relay: Relay
    done: asyncio.Future[None]


Scenario = Callable[[Wired], Coroutine[Any, Any, None]]


async def run(scenario: Scenario, *, tight: bool = False) -> None:
    """``scenario`` on a fresh relay; ``tight``: the client side has tiny buffers, so the
    relay has to hold what it cannot deliver."""
    loop = asyncio.get_running_loop()
    client, proxy_in = await pair(4096 if tight else 0)
    if tight:
        proxy_in.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    proxy_out, server = await pair()
    poller = Poller(loop)
    done: asyncio.Future[None] = loop.create_future()
    r = Relay(poller, proxy_in.detach(), proxy_out.detach(), lambda _: done.set_result(None))
    try:
        await asyncio.wait_for(scenario(Wired(client, server, r, done)), 10)
    finally:
        r.abort()
        poller.close()
        client.close()
        server.close()


async def requests_and_answers_on_one_connection(w: Wired) -> None:
    loop = asyncio.get_running_loop()
    for i in range(20):
        await loop.sock_sendall(w.client, b"GET %d\n" % i)
        assert await recv_exactly(w.server, len(b"GET %d\n" % i)) == b"GET %d\n" % i
        await loop.sock_sendall(w.server, b"ok %d\n" % i)
        assert await recv_exactly(w.client, len(b"ok %d\n" % i)) == b"ok %d\n" % i
    assert w.relay.up.pipe is None and w.relay.down.pipe is None  # all by copy
    assert w.relay.counters.up == sum(len(b"GET %d\n" % i) for i in range(20))
    assert w.relay.counters.down == sum(len(b"ok %d\n" % i) for i in range(20))


async def bulk_both_ways_arrives_whole(w: Wired) -> None:
    loop = asyncio.get_running_loop()
    payload = os.urandom(40 * BUFFER + 5)
    answer = os.urandom(30 * BUFFER + 7)

    async def server() -> str:
        got = await recv_all(w.server)  # until the client's half-close
        await loop.sock_sendall(w.server, answer)
        w.server.shutdown(socket.SHUT_WR)
        return hashlib.sha256(got).hexdigest()

    serving = loop.create_task(server())
    await loop.sock_sendall(w.client, payload)
    w.client.shutdown(socket.SHUT_WR)
    assert await recv_all(w.client) == answer
    assert await serving == hashlib.sha256(payload).hexdigest()
    await w.done
    assert w.relay.up.pipe is not None and w.relay.down.pipe is not None  # spliced
    assert w.relay.counters.up == len(payload) and w.relay.counters.down == len(answer)


async def a_fast_long_stream_arrives_whole(w: Wired) -> None:
    """Many turns of a spliced direction (``TURN``, made small here), sent as fast as the
    kernel can by another thread, so the relay has to yield and come back by itself."""
    size = 64 * BUFFER + 12345
    relay_module.TURN = BUFFER
    try:
        await fast_stream(w, size)
    finally:
        relay_module.TURN = TURN


async def fast_stream(w: Wired, size: int) -> None:

    def send() -> None:
        w.server.setblocking(True)
        fd = os.memfd_create("zeros")
        try:
            os.ftruncate(fd, size)
            offset = 0
            while offset < size:
                offset += os.sendfile(w.server.fileno(), fd, offset, size - offset)
            w.server.shutdown(socket.SHUT_WR)
        finally:
            os.close(fd)

    def receive() -> int:
        w.client.setblocking(True)
        got, buf = 0, bytearray(1 << 20)
        while n := w.client.recv_into(buf):
            got += n
        return got

    receiving = asyncio.create_task(asyncio.to_thread(receive))
    await asyncio.to_thread(send)
    w.client.shutdown(socket.SHUT_WR)
    assert await receiving == size
    assert w.relay.counters.down == size


async def a_slow_reader_of_messages_gets_them_all(w: Wired) -> None:
    """The destination fills up, so the relay keeps what it could not write and waits
    for room (copy mode). Run ``tight``."""
    loop = asyncio.get_running_loop()
    small = b"".join(b"%06d\n" % i for i in range(30000))

    async def server() -> None:
        for i in range(0, len(small), 700):
            await loop.sock_sendall(w.server, small[i:i + 700])
        w.server.shutdown(socket.SHUT_WR)

    serving = loop.create_task(server())
    await asyncio.sleep(0.2)  # let it pile up
    assert await recv_all(w.client) == small
    await serving
    assert w.relay.down.watching  # it did have to wait for room


async def a_slow_reader_of_bulk_gets_it_all(w: Wired) -> None:
    """The same for a spliced direction: the pipe holds what the destination refused."""
    loop = asyncio.get_running_loop()
    bulk = os.urandom(40 * BUFFER)
    serving = loop.create_task(loop.sock_sendall(w.server, bulk))
    await asyncio.sleep(0.2)
    assert await recv_exactly(w.client, len(bulk)) == bulk
    await serving
    assert w.relay.down.pipe is not None and w.relay.down.watching


async def bytes_waiting_before_the_relay_starts_are_moved(w: Wired) -> None:
    """Edge-triggered polling reports only changes: what queued earlier must be seen."""
    await asyncio.get_running_loop().sock_sendall(w.client, b"early")
    assert await recv_exactly(w.server, 5) == b"early"


async def half_close_then_answer_then_both_closed(w: Wired) -> None:
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(w.client, b"question")
    w.client.shutdown(socket.SHUT_WR)
    assert await recv_all(w.server) == b"question"  # EOF passed on
    await loop.sock_sendall(w.server, b"answer")
    w.server.close()
    assert await recv_all(w.client) == b"answer"
    await w.done
    assert w.relay.closed


async def a_reset_upstream_resets_the_client(w: Wired) -> None:
    w.server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.server.close()
    with pytest.raises(ConnectionResetError):
        await recv_all(w.client)
    await w.done


async def abort_resets_both_sides(w: Wired) -> None:
    w.relay.abort()
    for sock in (w.client, w.server):
        with pytest.raises(ConnectionResetError):
            await recv_all(sock)
    await w.done


async def a_stale_event_is_harmless(w: Wired) -> None:
    loop = asyncio.get_running_loop()
    w.relay.up.event(IN)  # nothing to read: nothing happens
    await loop.sock_sendall(w.client, b"still fine")
    assert await recv_exactly(w.server, 10) == b"still fine"
    assert not w.relay.closed


SCENARIOS: list[Scenario] = [
    requests_and_answers_on_one_connection,
    bulk_both_ways_arrives_whole,
    a_fast_long_stream_arrives_whole,
    bytes_waiting_before_the_relay_starts_are_moved,
    half_close_then_answer_then_both_closed,
    a_reset_upstream_resets_the_client,
    abort_resets_both_sides,
    a_stale_event_is_harmless,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
async def test_on_asyncio(scenario: Scenario) -> None:
    await run(scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_on_uvloop(scenario: Scenario) -> None:
    """Production runs uvloop."""
    uvloop.run(run(scenario))


@pytest.mark.parametrize("scenario", [a_slow_reader_of_messages_gets_them_all,
                                      a_slow_reader_of_bulk_gets_it_all],
                         ids=lambda f: f.__name__)
async def test_tight_on_asyncio(scenario: Scenario) -> None:
    await run(scenario, tight=True)


@pytest.mark.parametrize("scenario", [a_slow_reader_of_messages_gets_them_all,
                                      a_slow_reader_of_bulk_gets_it_all],
                         ids=lambda f: f.__name__)
def test_tight_on_uvloop(scenario: Scenario) -> None:
    uvloop.run(run(scenario, tight=True))


async def test_relay_of_two_sockets_returns_the_counts_and_closes_them() -> None:
    loop = asyncio.get_running_loop()
    client, proxy_in = await pair()
    proxy_out, server = await pair()
    task = asyncio.create_task(relay(proxy_in, proxy_out))
    await loop.sock_sendall(client, b"ping")
    client.shutdown(socket.SHUT_WR)
    assert await recv_all(server) == b"ping"
    await loop.sock_sendall(server, b"pong!")
    server.close()
    assert await recv_all(client) == b"pong!"
    client.close()
    counters = await asyncio.wait_for(task, 5)
    assert (counters.up, counters.down) == (4, 5)
    assert proxy_in.fileno() == -1 and proxy_out.fileno() == -1


async def test_a_cancelled_relay_resets_both() -> None:
    client, proxy_in = await pair()
    proxy_out, server = await pair()
    task = asyncio.create_task(relay(proxy_in, proxy_out))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(recv_all(client), 5)
    client.close()
    server.close()
