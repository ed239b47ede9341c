"""The forwarder relays to its one target, waits out a lost SYN, resets when it cannot
connect, and resets its connections when closed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.forward import TcpForwarder
from tinykube.proxy.poller import Poller
from tinykube.proxy.pool import SocketPool

Scenario = Callable[[], Coroutine[Any, Any, None]]


def listening(backlog: int = 128) -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    s.setblocking(False)
    return s


async def forwarder(target: tuple[str, int], *, timeout: float = 5.0,
                    pool_size: int = 8) -> TcpForwarder:
    fwd = TcpForwarder(listening(), target, SocketPool(NetnsSockets(None), size=pool_size),
                       Poller(asyncio.get_running_loop()), connect_timeout=timeout)
    fwd.start()
    return fwd


async def ask(fwd: TcpForwarder, line: bytes = b"hi\n") -> bytes:
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


async def close(fwd: TcpForwarder) -> None:
    await fwd.close()
    await fwd._pool.close()
    fwd._poller.close()


async def forwards_to_the_target() -> None:
    server = await echo_server()
    fwd = await forwarder(server.sockets[0].getsockname())
    try:
        answers = await asyncio.gather(*(ask(fwd, b"%d\n" % i) for i in range(20)))
        assert answers == [b"echo:%d\n" % i for i in range(20)]
        await asyncio.sleep(0.05)
        assert not fwd.relays  # every connection gone and forgotten
    finally:
        await close(fwd)
        server.close()


async def more_connections_than_the_pool_holds_wait_for_its_refill() -> None:
    server = await echo_server()
    fwd = await forwarder(server.sockets[0].getsockname(), pool_size=2)
    try:
        answers = await asyncio.gather(*(ask(fwd, b"%d\n" % i) for i in range(12)))
        assert answers == [b"echo:%d\n" % i for i in range(12)]
    finally:
        await close(fwd)
        server.close()


async def a_connect_needing_a_syn_retransmit_still_succeeds() -> None:
    """The target's accept queue is full, so it drops our first SYN; the kernel resends it
    after a second. A dial timeout shorter than that (the old 0.25 s) reset the client."""
    loop = asyncio.get_running_loop()
    target = listening(backlog=0)
    filler = socket.create_connection(target.getsockname())  # fills the queue
    fwd = await forwarder(target.getsockname())
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


async def a_connect_that_never_completes_resets_the_client() -> None:
    target = listening(backlog=0)
    filler = socket.create_connection(target.getsockname())  # every SYN is dropped
    fwd = await forwarder(target.getsockname(), timeout=0.2)
    try:
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(ask(fwd), 5)
    finally:
        filler.close()
        target.close()
        await close(fwd)


async def a_refused_connect_resets_the_client() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    fwd = await forwarder(("127.0.0.1", port))
    try:
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(ask(fwd), 5)
    finally:
        await close(fwd)


async def closing_resets_connections_and_stops_listening() -> None:
    loop = asyncio.get_running_loop()
    target = listening()
    fwd = await forwarder(target.getsockname())
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


SCENARIOS: list[Scenario] = [
    forwards_to_the_target,
    more_connections_than_the_pool_holds_wait_for_its_refill,
    a_connect_needing_a_syn_retransmit_still_succeeds,
    a_connect_that_never_completes_resets_the_client,
    a_refused_connect_resets_the_client,
    closing_resets_connections_and_stops_listening,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
async def test_on_asyncio(scenario: Scenario) -> None:
    await scenario()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_on_uvloop(scenario: Scenario) -> None:
    """Production runs uvloop, whose transports differ from asyncio's in the details."""
    uvloop.run(scenario())
