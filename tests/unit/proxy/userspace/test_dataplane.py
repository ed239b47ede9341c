"""The userspace dataplane's listeners, UDP sessions and dial retries, on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.userspace.dataplane import UserspaceDataplane

NODE = NodeConfig("node-0", ("127.76.0.1",))
TCP = ServicePortName("default", "web", "", "TCP")
UDP = ServicePortName("default", "dns", "", "UDP")


def free_port(ip: str = "127.0.0.1", type_: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, type_) as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def dataplane() -> AsyncIterator[UserspaceDataplane]:
    dp = UserspaceDataplane(NODE, NetnsSockets(None))
    yield dp
    await dp.cleanup()


async def test_listens_on_every_address_only_while_endpoints_exist(
        dataplane: UserspaceDataplane) -> None:
    np = free_port("127.76.0.1")
    info = ServicePortInfo(TCP, "127.77.0.1", 8000, node_port=np,
                           external_ips=("127.77.0.9",), load_balancer_ips=("127.77.0.10",))
    ep = EndpointInfo("127.78.0.1", 9)
    await dataplane.sync(ProxyState({TCP: info}, {TCP: (ep,)}), None)
    assert dataplane.listening() == {("127.77.0.1", 8000, "TCP"), ("127.77.0.9", 8000, "TCP"),
                                     ("127.77.0.10", 8000, "TCP"), ("127.76.0.1", np, "TCP")}
    await dataplane.sync(ProxyState({TCP: info}, {}), {TCP})
    assert dataplane.listening() == set()


async def test_a_dead_endpoint_is_retried_on_another(dataplane: UserspaceDataplane) -> None:
    live_port = free_port("127.78.0.2")

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"live")
        await w.drain()
        w.close()

    server = await asyncio.start_server(answer, "127.78.0.2", live_port)
    dead = EndpointInfo("127.78.0.1", free_port("127.78.0.1"))  # nothing listens there
    live = EndpointInfo("127.78.0.2", live_port)
    info = ServicePortInfo(TCP, "127.77.0.2", 8001)
    await dataplane.sync(ProxyState({TCP: info}, {TCP: (dead, live)}), None)
    try:
        for _ in range(8):
            r, w = await asyncio.open_connection("127.77.0.2", 8001)
            assert await asyncio.wait_for(r.read(), 5) == b"live"
            w.close()
    finally:
        server.close()
        await server.wait_closed()


class _Name(asyncio.DatagramProtocol):
    def __init__(self, name: bytes) -> None:
        self.name = name

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(self.name, addr)  # type: ignore[attr-defined]


async def test_udp_client_moves_when_its_endpoint_is_removed(
        dataplane: UserspaceDataplane) -> None:
    loop = asyncio.get_running_loop()
    port = free_port("127.78.0.1", socket.SOCK_DGRAM)
    servers = [await loop.create_datagram_endpoint(lambda n=n: _Name(str(n).encode()),
                                                   local_addr=(f"127.78.0.{n}", port))
               for n in (1, 2)]
    a, b = EndpointInfo("127.78.0.1", port), EndpointInfo("127.78.0.2", port)
    info = ServicePortInfo(UDP, "127.77.0.3", 5353)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.setblocking(False)
    client.bind(("127.79.0.1", 0))
    try:
        await dataplane.sync(ProxyState({UDP: info}, {UDP: (a,)}), None)
        client.sendto(b"?", ("127.77.0.3", 5353))
        assert await asyncio.wait_for(loop.sock_recv(client, 100), 5) == b"1"
        await dataplane.sync(ProxyState({UDP: info}, {UDP: (b,)}), {UDP})
        client.sendto(b"?", ("127.77.0.3", 5353))  # same client address and port
        assert await asyncio.wait_for(loop.sock_recv(client, 100), 5) == b"2"
    finally:
        client.close()
        for transport, _ in servers:
            transport.close()
