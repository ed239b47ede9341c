"""The host publisher on loopback: a stand-in node IP plays the node's NodePort."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortInfo, ServicePortName
from tinykube.proxy.publish import Publisher, publications

NODE = NodeConfig("node-0", ("127.76.0.1",))
NP = ServicePortName("default", "np", "", "TCP")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def state(*infos: ServicePortInfo) -> ProxyState:
    return ProxyState({i.name: i for i in infos}, {})


@pytest.fixture
async def node_port() -> AsyncIterator[int]:
    """A port answering "node" on the stand-in node IP."""
    port = free_port()

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"node:" + await r.readline())
        await w.drain()
        w.close()

    server = await asyncio.start_server(answer, NODE.ips[0], port)
    yield port
    server.close()
    await server.wait_closed()


async def ask(ip: str, port: int) -> bytes:
    r, w = await asyncio.open_connection(ip, port)
    w.write(b"hi\n")
    data = await r.read()
    w.close()
    return data


def test_what_a_service_publishes() -> None:
    lb = ServicePortInfo(NP, "10.96.0.40", 80, node_port=30080,
                         load_balancer_ips=("127.240.0.1", "192.0.2.1"))
    pubs = publications(lb, NODE, ("127.0.0.1", "0.0.0.0"))
    assert {(p.host, p.target) for p in pubs} == {
        (("127.0.0.1", 30080, "TCP"), ("127.76.0.1", 30080)),
        (("0.0.0.0", 30080, "TCP"), ("127.76.0.1", 30080)),
        (("127.240.0.1", 80, "TCP"), ("127.76.0.1", 30080)),  # not 192.0.2.1: not loopback
    }
    no_np = ServicePortInfo(NP, "10.96.0.40", 80, load_balancer_ips=("127.240.0.1",))
    assert [p.target for p in publications(no_np, NODE, ())] == [("10.96.0.40", 80)]


async def test_node_port_answers_on_host_loopback_and_goes_away(node_port: int) -> None:
    pub = Publisher(NODE, NetnsSockets(None), NetnsSockets(None))
    try:
        info = ServicePortInfo(NP, "10.96.0.30", 80, node_port=node_port)
        assert await pub.follow(state(info), None) == set()
        assert await ask("127.0.0.1", node_port) == b"node:hi\n"
        await pub.follow(state(), {NP})
        with pytest.raises(ConnectionRefusedError):
            await ask("127.0.0.1", node_port)
    finally:
        await pub.close()


async def test_a_taken_host_port_is_a_problem_and_is_retried(node_port: int) -> None:
    pub = Publisher(NODE, NetnsSockets(None), NetnsSockets(None))
    taken = socket.socket()
    taken.bind(("127.0.0.1", node_port))
    taken.listen()
    try:
        info = ServicePortInfo(NP, "10.96.0.30", 80, node_port=node_port)
        problems = await pub.follow(state(info), None)
        assert [p.reason for p in problems] == ["HostPortUnavailable"]
        assert f"127.0.0.1:{node_port}" in next(iter(problems)).message
        taken.close()
        assert await pub.follow(state(info), set()) == set()  # retried on the next sync
        assert await ask("127.0.0.1", node_port) == b"node:hi\n"
    finally:
        taken.close()
        await pub.close()


async def test_a_node_port_slow_to_accept_still_answers() -> None:
    """With a single target there is nothing else to try, so the publisher waits for a
    connect that needs a SYN retransmit (1 s) instead of resetting the client."""
    loop = asyncio.get_running_loop()
    node = socket.socket()
    node.bind((NODE.ips[0], free_port()))
    node.listen(0)
    node.setblocking(False)
    filler = socket.create_connection(node.getsockname())  # full: the first SYN is dropped
    port = node.getsockname()[1]
    pub = Publisher(NODE, NetnsSockets(None), NetnsSockets(None))
    try:
        assert await pub.follow(state(ServicePortInfo(NP, "10.96.0.30", 80, node_port=port)),
                                None) == set()
        asking = loop.create_task(ask("127.0.0.1", port))
        await asyncio.sleep(0.3)
        (await loop.sock_accept(node))[0].close()  # room for the resent SYN
        conn, _ = await asyncio.wait_for(loop.sock_accept(node), 5)
        with conn:
            conn.setblocking(False)
            await loop.sock_sendall(conn, b"node:" + await loop.sock_recv(conn, 100))
        assert await asyncio.wait_for(asking, 5) == b"node:hi\n"
    finally:
        filler.close()
        node.close()
        await pub.close()
